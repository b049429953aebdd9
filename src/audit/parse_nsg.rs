//! NSG security rules and routes, in the shapes `parse` reads (properties nested or flat), and
//! the default rules Azure gives every NSG.

use super::parse::{
    addresses, array, bad_address, net_proto, ports, priority, required, Ctx, ParseError,
};
use super::{Action, NetProto, Nsg, NsgDirection, NsgRule, Origin, Route};
use crate::model::PortRange;
use serde_json::Value;

pub(super) fn nsg_rule(
    ctx: &Ctx,
    p: &Value,
    path: &str,
    nsg: &str,
    name: &str,
) -> Result<NsgRule, ParseError> {
    let direction = match required(ctx, p, "direction", path)?
        .to_ascii_lowercase()
        .as_str()
    {
        "inbound" => NsgDirection::Inbound,
        "outbound" => NsgDirection::Outbound,
        other => {
            return Err(ctx.err(
                &format!("{path}.direction"),
                format!("expected Inbound or Outbound, got '{other}'"),
            ))
        }
    };
    let access = required(ctx, p, "access", path)?;
    let action = match access.to_ascii_lowercase().as_str() {
        "allow" => Action::Allow,
        "deny" => Action::Deny,
        _ => {
            return Err(ctx.err(
                &format!("{path}.access"),
                format!("expected Allow or Deny, got '{access}'"),
            ))
        }
    };
    let protocol = net_proto(
        ctx,
        &required(ctx, p, "protocol", path)?,
        &format!("{path}.protocol"),
    )?;
    let mut sources = addresses(ctx, p, "sourceAddressPrefix", path)?;
    sources.extend(addresses(ctx, p, "sourceAddressPrefixes", path)?);
    if !array(p, "sourceApplicationSecurityGroups").is_empty() {
        sources.push(super::matching::ASG.to_string());
    }
    let mut destinations = addresses(ctx, p, "destinationAddressPrefix", path)?;
    destinations.extend(addresses(ctx, p, "destinationAddressPrefixes", path)?);
    if !array(p, "destinationApplicationSecurityGroups").is_empty() {
        destinations.push(super::matching::ASG.to_string());
    }
    Ok(NsgRule {
        origin: ctx.origin(nsg, name),
        priority: priority(ctx, p, "priority", path)?,
        direction,
        action,
        protocol,
        sources,
        destinations,
        ports: ports(
            ctx,
            p,
            &["destinationPortRange", "destinationPortRanges"],
            path,
        )?,
        default: false,
    })
}

pub(super) fn route(
    ctx: &Ctx,
    p: &Value,
    path: &str,
    table: &str,
    name: &str,
) -> Result<Route, ParseError> {
    Ok(Route {
        origin: ctx.origin(table, name),
        prefix: {
            let prefix = required(ctx, p, "addressPrefix", path)?;
            if bad_address(&prefix) {
                return Err(ctx.err(
                    &format!("{path}.addressPrefix"),
                    format!("'{prefix}' is not a CIDR, an IP address or a service tag"),
                ));
            }
            prefix
        },
        next_hop: required(ctx, p, "nextHopType", path)?,
    })
}

/// Azure's default NSG rules: always there, whether a file lists them or not.
pub(super) fn add_default_rules(n: &mut Nsg) {
    use NsgDirection::{Inbound, Outbound};
    let defaults = [
        (
            "AllowVnetInBound",
            65000,
            Inbound,
            Action::Allow,
            "VirtualNetwork",
            "VirtualNetwork",
        ),
        (
            "AllowAzureLoadBalancerInBound",
            65001,
            Inbound,
            Action::Allow,
            "AzureLoadBalancer",
            "*",
        ),
        ("DenyAllInBound", 65500, Inbound, Action::Deny, "*", "*"),
        (
            "AllowVnetOutBound",
            65000,
            Outbound,
            Action::Allow,
            "VirtualNetwork",
            "VirtualNetwork",
        ),
        (
            "AllowInternetOutBound",
            65001,
            Outbound,
            Action::Allow,
            "*",
            "Internet",
        ),
        ("DenyAllOutBound", 65500, Outbound, Action::Deny, "*", "*"),
    ];
    for (name, priority, direction, action, src, dst) in defaults {
        if n.rules.iter().any(|r| r.default && r.origin.name == name) {
            continue;
        }
        n.rules.push(NsgRule {
            origin: Origin {
                file: n.file.clone(),
                collection: n.name.clone(),
                name: format!("{name} (default rule)"),
            },
            priority,
            direction,
            action,
            protocol: NetProto::Any,
            sources: vec![src.into()],
            destinations: vec![dst.into()],
            ports: vec![PortRange::Any],
            default: true,
        });
    }
}
