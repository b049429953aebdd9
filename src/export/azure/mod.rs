//! The Azure output layer: what the Azure Firewall, NSG, route-table and managed-VNet writers
//! share, one copy each. The writers build a plan (rules, names, priorities) and hand its
//! values to these pieces:
//!
//! - `arm`: ARM templates; every data string becomes an ARM literal (never evaluated).
//! - `bicep`, `hcl`, `az`: Bicep, Terraform and `az` script pieces.
//! - `names`: valid, unique Azure names.
//! - `port_groups` and `local_side` below: ports per transport and the subnet side of a rule.

pub mod arm;
pub mod az;
pub mod bicep;
pub mod hcl;
pub mod names;

use crate::model::{PortRange, PortSpec, Protocol};
use crate::rules::Settings;

/// The `Microsoft.Network` API version every network template and Bicep file is written for
/// (firewall policies, NSGs, route tables).
pub const NETWORK_API_VERSION: &str = "2024-05-01";

/// Ports grouped by transport (`Tcp`, `Udp` or `Any`), in the rule's order, each port once;
/// `*` alone when any port of that transport is allowed. A rule with several transports
/// becomes one Azure rule per group, so that no rule widens to a protocol the guidance did
/// not name.
pub fn port_groups(ports: &[PortSpec]) -> Vec<(Protocol, Vec<String>)> {
    let mut groups: Vec<(Protocol, Vec<PortRange>)> = Vec::new();
    for p in ports {
        let transport = p.protocol.transport();
        match groups.iter_mut().find(|(k, _)| *k == transport) {
            Some((_, v)) => v.push(p.ports),
            None => groups.push((transport, vec![p.ports])),
        }
    }
    groups
        .into_iter()
        .map(|(k, ranges)| {
            if ranges.contains(&PortRange::Any) {
                return (k, vec!["*".to_string()]);
            }
            let mut v: Vec<String> = Vec::new();
            for r in ranges {
                let s = r.to_string();
                if !v.contains(&s) {
                    v.push(s);
                }
            }
            (k, v)
        })
        .collect()
}

/// The subnet side of a rule: the profile's sources, else `any` (the target's word for every
/// source: `VirtualNetwork` in an NSG, `*` in Azure Firewall, which takes service tags only
/// as destinations).
pub fn local_side(s: &Settings, any: &str) -> Vec<String> {
    if s.sources.is_empty() {
        vec![any.to_string()]
    } else {
        s.sources.iter().map(|n| n.to_string()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_group_by_transport_and_any_port_absorbs_the_rest() {
        let ports: Vec<PortSpec> = ["tcp:443", "https:443", "udp:5831", "tcp:80", "udp:*"]
            .iter()
            .map(|p| p.parse().unwrap())
            .collect();
        assert_eq!(
            port_groups(&ports),
            [
                (Protocol::Tcp, vec!["443".to_string(), "80".to_string()]),
                (Protocol::Udp, vec!["*".to_string()]),
            ]
        );
    }
}
