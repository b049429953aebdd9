//! Network security group targets: security rules for an EXISTING
//! `Microsoft.Network/networkSecurityGroups` (API 2024-05-01), as an ARM template, Bicep,
//! Terraform or an `az` script.
//!
//! What an NSG can express: inbound rules (the remote end is the SOURCE service tag),
//! outbound service-tag rules (one tag per rule), and outbound network rules to an IP address
//! (the AKS DNS servers). What it cannot: host names. Every FQDN requirement is listed in the
//! output and in `Export::unexpressed`, never dropped. Routes belong to the `udr-*` targets.
//!
//! Every target adds rules to an existing NSG instead of declaring the NSG itself: a
//! deployment of a whole NSG replaces its `securityRules` list, which would wipe the rules an
//! admin already has (ARM PUT semantics, even in incremental mode). Child resources
//! (`networkSecurityGroups/securityRules`, `azurerm_network_security_rule`, `az network nsg rule
//! create`) add or update only the rules named here.
//!
//! One plan, one writer module per format (`template` for ARM, `bicep`, `terraform`, `cli`);
//! the pieces they share with `route_table` and the Azure Firewall writers (names, ARM data,
//! HCL blocks, the script preamble, port groups) are in `export::azure`.

use super::azure::bicep::{document, symbols, Child, Parent};
use super::azure::names::{name_with_suffix, unique_names};
use super::azure::{arm, az::script_preamble, hcl, local_side, port_groups};
use super::naming::{azure_name, free_priorities, rule_stem};
use super::text::{comment_block, hcl_string, one_line, sh_quote};
use super::{header_lines, Export, ExportError, ExportOptions, Exporter, Family, Unexpressed};
use super::{TagsUse, Target};
use crate::model::{Direction, Kind, Protocol};
use crate::rules::{Rule, RuleSet, Settings};
use serde_json::{Map, Value};
use std::ops::RangeInclusive;

mod bicep;
mod cli;
mod template;
mod terraform;
use bicep::*;
use cli::*;
use template::*;
use terraform::*;

/// The NSG targets, in the order `amlfw targets` lists them.
pub static TARGETS: &[&dyn Exporter] = &[&NsgArm, &NsgBicep, &NsgTerraform, &NsgCli];

/// The `Microsoft.Network` API version of the security rules (that of every network template).
pub use super::azure::NETWORK_API_VERSION as API_VERSION;
/// NSG rule priorities: 100-4096, unique per direction.
pub const PRIORITY_RANGE: RangeInclusive<u32> = 100..=4096;
/// Gaps of 10 leave room for the admin's own rules between ours.
const PRIORITY_STEP: u32 = 10;
/// Azure refuses rule descriptions longer than 140 characters.
const DESCRIPTION_MAX: usize = 140;

/// What the ARM and Bicep targets (which add rules to an existing NSG) can express.
const CAN_DEPLOYED: &str =
    "inbound rules, outbound service-tag rules and IP network rules, added to an existing NSG";
const CANNOT: &str = "host names (FQDN rules and host-name network rules: listed as NOT covered), routes (use udr-*)";

/// One NSG security rule, ready for any of the four formats.
struct SecRule {
    rule_id: String,
    name: String,
    priority: u32,
    direction: Direction,
    /// `Tcp`, `Udp` or `*` (the NSG schema's casing).
    protocol: &'static str,
    sources: Vec<String>,
    destinations: Vec<String>,
    ports: Vec<String>,
    /// One line, at most 140 characters (Azure's limit).
    description: String,
    /// The full purpose, for comments.
    purpose: String,
}

impl SecRule {
    fn direction_name(&self) -> &'static str {
        match self.direction {
            Direction::Inbound => "Inbound",
            _ => "Outbound",
        }
    }
}

/// What every NSG target writes: the header, the rules, and what they leave out.
struct Plan {
    header: Vec<String>,
    rules: Vec<SecRule>,
    unexpressed: Vec<Unexpressed>,
}

fn plan(
    rs: &RuleSet,
    target: &dyn Exporter,
    shape: &[&str],
    opts: &ExportOptions,
) -> Result<Plan, ExportError> {
    let (mut inbound, mut outbound, mut unexpressed) = (Vec::new(), Vec::new(), Vec::new());
    for rule in &rs.rules {
        // A tag Microsoft's data says NSGs do not accept (none of the catalog's today, but the
        // data changes) is left out with the reason rather than refused by Azure on deploy.
        let refused = match rule.kind {
            Kind::ServiceTag | Kind::Inbound if rule.remote.is_tag() => {
                match super::tag_use(rs, rule, Family::Nsg, &ExportOptions::default())? {
                    super::TagUse::Refused(reason) => Some(reason),
                    _ => None,
                }
            }
            _ => None,
        };
        let made = match refused {
            Some(reason) => Err(reason),
            None => nsg_remote(rule)
                .and_then(|remote| Ok((local_for(rule, &remote, &rs.settings)?, remote))),
        };
        match made {
            Ok((local, remote)) => {
                for r in sec_rules(rule, &remote, local, rs) {
                    match r.direction {
                        Direction::Inbound => inbound.push(r),
                        _ => outbound.push(r),
                    }
                }
            }
            Err(reason) => unexpressed.push(Unexpressed {
                rule_id: rule.id.to_string(),
                remote: rule.remote.to_string(),
                reason,
                partly: false,
            }),
        }
    }
    let base = rs.settings.priority_base;
    // `amlfw audit --fix`: Azure refuses two rules of one priority and direction, so the
    // priorities the audited NSGs use are skipped.
    let none = Vec::new();
    let (taken_in, taken_out) = opts
        .existing
        .map_or((&none, &none), |e| (&e.nsg_inbound, &e.nsg_outbound));
    assign_priorities(&mut inbound, base, taken_in, "NSG inbound rules")?;
    assign_priorities(&mut outbound, base, taken_out, "NSG outbound rules")?;
    let mut rules = inbound;
    rules.append(&mut outbound);
    // Names are unique per NSG, not per direction.
    let mut names: Vec<String> = rules.iter().map(|r| r.name.clone()).collect();
    unique_names(&mut names);
    for (r, n) in rules.iter_mut().zip(names) {
        r.name = n;
    }
    let header = nsg_header(
        rs,
        target,
        shape,
        &rules,
        &unexpressed,
        opts.existing.is_some(),
    );
    Ok(Plan {
        header,
        rules,
        unexpressed,
    })
}

fn assign_priorities(
    rules: &mut [SecRule],
    base: u32,
    taken: &[u32],
    what: &str,
) -> Result<(), ExportError> {
    let p = free_priorities(
        base,
        rules.len(),
        PRIORITY_STEP,
        PRIORITY_RANGE,
        taken,
        what,
    )?;
    for (r, p) in rules.iter_mut().zip(p) {
        r.priority = p;
    }
    Ok(())
}

/// Why an NSG does not hold a rule outside its declaration (hosts, routes): what
/// `nsg_remote` says of it.
fn refusal(rule: &Rule) -> String {
    nsg_remote(rule).err().unwrap_or_default()
}

/// The address an NSG rule can use for the rule's remote end, or why there is none.
fn nsg_remote(rule: &Rule) -> Result<String, String> {
    let ports = rule.ports_label();
    match rule.kind {
        Kind::Route => Err(format!(
            "a route-table entry, not a security rule: export it with one of {}",
            super::target_ids(super::route_table::TARGETS)
        )),
        Kind::FqdnApp => Err(format!(
            "NSGs match IP addresses, CIDRs and service tags, never host names: allow {} ({ports}) on a firewall or proxy (e.g. the azfw-* targets){}",
            rule.remote,
            rule.path.as_deref().map(|p| format!("; the documents need only the path {p}")).unwrap_or_default()
        )),
        Kind::Network => rule.remote.canonical_address().ok_or_else(|| format!(
            "NSGs cannot match the host name {} ({ports}): use an Azure Firewall network rule (DNS proxy on) or allow the host's IP addresses",
            rule.remote
        )),
        Kind::ServiceTag | Kind::Inbound => rule.remote.canonical_address()
            .or_else(|| rule.remote.tag_name().map(String::from))
            .ok_or_else(|| format!(
                "'{}' is neither a service tag nor an IP address or CIDR: refusing to write it into an NSG rule",
                rule.remote
            )),
    }
}

/// The subnet side of one NSG rule, with the name suffix that tells it from its sibling
/// (`None` when the rule is not split by address family).
type LocalSide = (Option<&'static str>, Vec<String>);

/// The subnet side: the profile's sources, else `VirtualNetwork`. Azure refuses an NSG rule
/// whose address prefixes are of both IP families (`ResourceCannotContainAddressPrefixesFrom
/// DifferentAddressFamilies`, counted over the source and destination together), so:
/// - a service-tag remote with sources of both families gets one rule per family (`-v4`,
///   `-v6`; a tag holds addresses of both, so each rule can match);
/// - an IP remote keeps only the sources of its family: the others can never reach it, and a
///   rule pairing them would be refused. With no source of its family there is no rule.
fn local_for(rule: &Rule, remote: &str, s: &Settings) -> Result<Vec<LocalSide>, String> {
    if s.sources.is_empty() {
        return Ok(vec![(None, local_side(s, "VirtualNetwork"))]);
    }
    let of_family = |v4: bool| -> Vec<String> {
        (s.sources.iter())
            .filter(|n| n.addr().is_ipv4() == v4)
            .map(|n| n.to_string())
            .collect()
    };
    if let Some(net) = rule.remote.net() {
        let same = of_family(net.addr().is_ipv4());
        return if same.is_empty() {
            Err(format!("{remote} and the profile's sources are of different IP families: an NSG rule cannot mix IPv4 and IPv6, and no source can reach it"))
        } else {
            Ok(vec![(None, same)])
        };
    }
    let (v4, v6) = (of_family(true), of_family(false));
    Ok(if v4.is_empty() || v6.is_empty() {
        vec![(None, local_side(s, "VirtualNetwork"))]
    } else {
        vec![(Some("v4"), v4), (Some("v6"), v6)]
    })
}

/// One NSG rule per transport protocol of the rule (an NSG rule has one protocol) and per
/// address family of its subnet side (`local_for`). The suffixes appear only where a rule is
/// split, so an export with one protocol and one family keeps the rule's plain name.
fn sec_rules(rule: &Rule, remote: &str, local: Vec<LocalSide>, rs: &RuleSet) -> Vec<SecRule> {
    let groups: Vec<(&'static str, Vec<String>)> = port_groups(&rule.ports)
        .into_iter()
        .map(|(p, v)| (nsg_protocol(p), v))
        .collect();
    let stem = rule_stem(&rs.settings.name_prefix, &rule.id);
    let direction = rule.kind.direction();
    let by_protocol = groups.len() > 1;
    let mut out = Vec::new();
    for (protocol, ports) in groups {
        for (family, addresses) in &local {
            let suffix: Vec<&str> = [by_protocol.then(|| protocol_label(protocol)), *family]
                .into_iter()
                .flatten()
                .collect();
            let (sources, destinations) = match direction {
                Direction::Inbound => (vec![remote.to_string()], addresses.clone()),
                _ => (addresses.clone(), vec![remote.to_string()]),
            };
            out.push(SecRule {
                rule_id: rule.id.to_string(),
                name: if suffix.is_empty() {
                    azure_name(&[&stem])
                } else {
                    name_with_suffix(&[&stem], &suffix.join("-"))
                },
                priority: 0,
                direction,
                protocol,
                sources,
                destinations,
                ports: ports.clone(),
                description: description(rule),
                purpose: rule.purpose.to_string(),
            });
        }
    }
    out
}

fn nsg_protocol(p: Protocol) -> &'static str {
    match p.transport() {
        Protocol::Udp => "Udp",
        Protocol::Any => "*",
        _ => "Tcp",
    }
}

fn protocol_label(p: &str) -> &'static str {
    match p {
        "Udp" => "udp",
        "*" => "any",
        _ => "tcp",
    }
}

/// The rule's purpose on one line, cut to Azure's 140-character limit.
fn description(rule: &Rule) -> String {
    let text = one_line(&rule.purpose).trim().to_string();
    let text = if text.is_empty() {
        rule.id.to_string()
    } else {
        text
    };
    truncate_utf16(&text, DESCRIPTION_MAX)
}

/// Azure counts UTF-16 units; cut with `...` when longer.
fn truncate_utf16(s: &str, max: usize) -> String {
    if s.encode_utf16().count() <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut n = 0;
    for c in s.chars() {
        if n + c.len_utf16() > max - 3 {
            break;
        }
        n += c.len_utf16();
        out.push(c);
    }
    out.push_str("...");
    out
}

fn nsg_header(
    rs: &RuleSet,
    target: &dyn Exporter,
    shape: &[&str],
    rules: &[SecRule],
    not: &[Unexpressed],
    audited: bool,
) -> Vec<String> {
    // The NSG never reads the Service Tags file: leave it out of the header.
    let mut h = header_lines(rs, target, &ExportOptions::default(), not);
    h.push(String::new());
    h.push(format!(
        "Security rules for an EXISTING network security group (Microsoft.Network/networkSecurityGroups/securityRules, API {API_VERSION})."
    ));
    h.extend(shape.iter().map(|s| s.to_string()));
    for (dir, what) in [
        (Direction::Inbound, "Inbound"),
        (Direction::Outbound, "Outbound"),
    ] {
        let p: Vec<u32> = rules
            .iter()
            .filter(|r| r.direction == dir)
            .map(|r| r.priority)
            .collect();
        if audited && !p.is_empty() {
            let list: Vec<String> = p.iter().map(u32::to_string).collect();
            h.push(format!(
                "{what} rules: {} at priorities {}, chosen free among the audited NSG's {what} rules (Azure refuses two rules of one priority and direction).",
                p.len(),
                list.join(", ")
            ));
        } else if let (Some(a), Some(b)) = (p.first(), p.last()) {
            h.push(format!(
                "{what} rules: {} at priorities {a}-{b}; these must be free in the NSG (else change --priority-base).",
                p.len()
            ));
        }
    }
    h.push("The subnet side is the profile's sources, else the VirtualNetwork tag; inbound rules allow the source tag to reach it.".into());
    let families = rs.settings.sources.iter().map(|n| n.addr().is_ipv4());
    if families.clone().any(|v4| v4) && families.clone().any(|v4| !v4) {
        h.push("The sources are IPv4 and IPv6, and Azure refuses a rule that mixes the two: each service-tag rule is split in two (names ending -v4 and -v6), and a rule to an IP address keeps only the sources of that address's family. An NSG that holds the rules of an earlier export without the split keeps them under their old names, at priorities these may take: delete those first.".into());
    }
    h.push("These rules only ALLOW. The NSG's default AllowInternetOutBound (65001) still allows all outbound traffic until you add a Deny".into());
    h.push("rule below them, and such a Deny also blocks the host names listed as NOT covered: send those through a firewall or proxy.".into());
    if !not.is_empty() {
        h.push(String::new());
        h.push(format!(
            "NOT covered by this NSG ({} rules; nothing else is left out):",
            not.len()
        ));
        h.extend(
            not.iter()
                .map(|u| format!("NOT covered: {} ({}): {}", u.remote, u.rule_id, u.reason)),
        );
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::naming::is_valid_azure_name;

    #[test]
    fn suffixed_names_keep_the_suffix() {
        let long = "x".repeat(100);
        let n = name_with_suffix(&["aml", &long], "2603:1030::/48");
        assert!(is_valid_azure_name(&n), "{n}");
        assert!(n.ends_with("-2603-1030---48"), "{n}");
    }

    #[test]
    fn repeated_names_become_unique() {
        let mut v = vec![
            "a".to_string(),
            "a".to_string(),
            "a".to_string(),
            "a-2".to_string(),
        ];
        unique_names(&mut v);
        assert_eq!(v, ["a", "a-2", "a-3", "a-2-2"]);
    }

    #[test]
    fn descriptions_fit_azure() {
        let s = "é".repeat(200);
        let t = truncate_utf16(&s, 140);
        assert_eq!(t.encode_utf16().count(), 140);
        assert!(t.ends_with("..."));
    }

    fn eastus2() -> RuleSet {
        let c = crate::Catalog::builtin();
        crate::resolve(&c, &crate::Profile::new(crate::Cloud::Public, "eastus2")).unwrap()
    }

    fn sources(rs: &mut RuleSet, nets: &[&str]) {
        rs.settings.sources = nets.iter().map(|n| n.parse().unwrap()).collect();
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_subnet_side_is_split_by_family_only_when_both_are_there() {
        let mut rs = eastus2();
        let mut r = rs.rules.iter().find(|r| r.remote.is_tag()).unwrap().clone();
        sources(&mut rs, &["10.0.0.0/24", "fd00:1::/64", "10.1.0.0/24"]);
        assert_eq!(
            local_for(&r, "t", &rs.settings),
            Ok(vec![
                (Some("v4"), strings(&["10.0.0.0/24", "10.1.0.0/24"])),
                (Some("v6"), strings(&["fd00:1::/64"])),
            ])
        );
        // One family: one rule, as before dual-stack sources existed.
        sources(&mut rs, &["fd00:1::/64"]);
        assert_eq!(
            local_for(&r, "t", &rs.settings),
            Ok(vec![(None, strings(&["fd00:1::/64"]))])
        );
        // An address is reached only from its own family; with none of it, no rule.
        r.set_remote("10.0.0.4");
        let e = local_for(&r, "10.0.0.4", &rs.settings).unwrap_err();
        assert!(e.contains("different IP families"), "{e}");
        sources(&mut rs, &["10.0.0.0/24", "fd00:1::/64"]);
        assert_eq!(
            local_for(&r, "10.0.0.4", &rs.settings),
            Ok(vec![(None, strings(&["10.0.0.0/24"]))])
        );
        sources(&mut rs, &[]);
        assert_eq!(
            local_for(&r, "10.0.0.4", &rs.settings),
            Ok(vec![(None, strings(&["VirtualNetwork"]))])
        );
    }

    #[test]
    fn split_rules_are_named_by_protocol_then_family() {
        let mut rs = eastus2();
        let mut r = rs.rules.iter().find(|r| r.remote.is_tag()).unwrap().clone();
        r.ports = ["tcp:443", "udp:5831"]
            .iter()
            .map(|p| p.parse().unwrap())
            .collect();
        sources(&mut rs, &["10.0.0.0/24", "fd00:1::/64"]);
        let remote = nsg_remote(&r).unwrap();
        let local = local_for(&r, &remote, &rs.settings).unwrap();
        let made = sec_rules(&r, &remote, local, &rs);
        let stem = rule_stem(&rs.settings.name_prefix, &r.id);
        let names: Vec<&str> = made.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            ["tcp-v4", "tcp-v6", "udp-v4", "udp-v6"].map(|s| format!("{stem}-{s}"))
        );
        let v4 = |m: &SecRule| {
            let all = m.sources.iter().chain(&m.destinations);
            all.filter_map(|a| a.parse::<ipnet::IpNet>().ok())
                .map(|n| n.addr().is_ipv4())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            made.iter().map(v4).collect::<Vec<_>>(),
            [[true], [false], [true], [false]]
        );
    }

    #[test]
    fn only_tag_shaped_remotes_pass() {
        let remote = |kind, s: &str| {
            let c = crate::Catalog::builtin();
            let rs =
                crate::resolve(&c, &crate::Profile::new(crate::Cloud::Public, "eastus2")).unwrap();
            let mut r = rs.rules[0].clone();
            r.kind = kind;
            r.set_remote(s);
            nsg_remote(&r)
        };
        assert_eq!(
            remote(Kind::ServiceTag, "Storage.EastUS2").as_deref(),
            Ok("Storage.EastUS2")
        );
        assert!(remote(Kind::ServiceTag, "--subscription=x").is_err());
        assert!(remote(Kind::Inbound, "$(touch x)").is_err());
        assert_eq!(remote(Kind::Network, "10.0.0.4").as_deref(), Ok("10.0.0.4"));
        assert_eq!(
            remote(Kind::ServiceTag, "10.0.0.0/24").as_deref(),
            Ok("10.0.0.0/24")
        );
        assert!(remote(Kind::Network, "example.com").is_err());
    }
}
