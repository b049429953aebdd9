//! Managed virtual network targets (`amlvnet-*`): the user-defined outbound rules of a
//! workspace whose managed virtual network runs in `allow_only_approved_outbound` mode.
//!
//! `plan` sorts every rule of the rule set into one of three: an outbound rule to write (FQDN
//! on ports 80/443, or service tag), a rule the managed network creates by itself (listed as
//! "created by Azure", never written), or a rule no outbound rule can carry (returned as
//! `Unexpressed` with the reason). What counts as created by Azure, and the limits, are data
//! (`assets/managed-network.toml`). The renderers are in `render.rs`.

pub mod data;
mod render;

use super::{Export, ExportError, ExportOptions, Exporter, Family, Unexpressed};
use crate::export::{TagsUse, Target};
use crate::model::{Kind, PortRange, Protocol};
use crate::remote::RemoteKind;
use crate::rules::{Rule, RuleSet};
use data::{tag_is, under, ManagedNetworkData};
use std::collections::BTreeSet;

/// Outbound rule names: a letter or digit, then 2-32 letters, digits, `_` or `-` (the REST
/// API's pattern for rule names).
pub const NAME_MAX: usize = 33;

/// The destination of an outbound rule to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Fqdn(String),
    ServiceTag {
        tag: String,
        /// `TCP`, `UDP` or `*`.
        protocol: &'static str,
        /// Comma-separated ports and ranges, e.g. `443` or `80,443`.
        port_ranges: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRule {
    pub name: String,
    pub rule_id: String,
    pub purpose: String,
    pub destination: Destination,
}

/// A rule of the rule set that the managed network allows by a rule it creates itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedByAzure {
    pub rule_id: String,
    pub remote: String,
    /// The rule Azure creates, and the source.
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub rules: Vec<OutboundRule>,
    pub created: Vec<CreatedByAzure>,
    pub unexpressed: Vec<Unexpressed>,
    /// Caveats on rules that are written (e.g. a URL path an FQDN rule cannot hold).
    pub notes: Vec<String>,
}

impl Plan {
    pub fn has_fqdn(&self) -> bool {
        self.rules
            .iter()
            .any(|r| matches!(r.destination, Destination::Fqdn(_)))
    }
}

/// A valid, unique rule name from the prefix and the rule id.
fn rule_name(prefix: &str, id: &str, taken: &mut BTreeSet<String>) -> String {
    let stem = super::naming::rule_stem(&super::naming::safe_prefix(prefix), id);
    let mut s: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    s = s
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string();
    s.truncate(NAME_MAX);
    while s.len() < 3 {
        s.push_str("-r");
    }
    let mut name = s.clone();
    let mut n = 2;
    while taken.contains(&name.to_ascii_lowercase()) {
        let suffix = format!("-{n}");
        let mut base = s.clone();
        base.truncate(NAME_MAX - suffix.len());
        name = format!("{base}{suffix}");
        n += 1;
    }
    taken.insert(name.to_ascii_lowercase());
    name
}

fn protocol_of(p: Protocol) -> &'static str {
    match p {
        Protocol::Udp => "UDP",
        Protocol::Any => "*",
        Protocol::Tcp | Protocol::Http | Protocol::Https => "TCP",
    }
}

fn port_text(p: PortRange) -> String {
    match p {
        PortRange::Any => "1-65535".into(),
        PortRange::Single(n) => n.to_string(),
        PortRange::Range(a, b) => format!("{a}-{b}"),
    }
}

/// What the managed network creates that allows `r`, if anything.
fn covered_by(d: &ManagedNetworkData, r: &Rule) -> Option<String> {
    d.covered.iter().find_map(|c| {
        let by_requirement = r
            .requirements
            .iter()
            .any(|q| c.requirements.iter().any(|x| x == &**q));
        let by_host = r.kind != Kind::ServiceTag
            && r.kind != Kind::Inbound
            && c.hosts.iter().any(|h| under(&r.remote, h));
        let by_tag = matches!(r.kind, Kind::ServiceTag | Kind::Inbound)
            && c.tags.iter().any(|t| tag_is(&r.remote, t));
        (by_requirement || by_host || by_tag).then(|| {
            let mut s = format!("{} ({})", c.created, d.cite(&c.refs[0]));
            if let Some(n) = &c.note {
                s.push_str(&format!("; {n}"));
            }
            s
        })
    })
}

/// Sorts the rule set's rules into outbound rules, rules Azure creates, and rules no outbound
/// rule can carry.
pub fn plan(rs: &RuleSet) -> Plan {
    let d = ManagedNetworkData::builtin();
    let lim = &d.limits;
    let storage_why = format!(
        "in allow_only_approved_outbound mode an FQDN rule cannot reach Azure Storage ({}); add a private endpoint outbound rule to the storage account instead (amlfw cannot name the account for this rule)",
        d.cite(&lim.storage_refs[0])
    );
    let mut taken = BTreeSet::new();
    let mut out = Plan::default();
    let not = |out: &mut Plan, r: &Rule, reason: String| {
        out.unexpressed.push(Unexpressed {
            rule_id: r.id.to_string(),
            remote: r.remote.to_string(),
            reason,
            partly: false,
        })
    };
    let unsupported_why = format!(
        "{} are not supported in a managed virtual network ({}): this rule serves only them",
        d.unsupported.what,
        d.cite(&d.unsupported.refs[0])
    );
    for r in &rs.rules {
        // A rule only unsupported compute needs (AKS, attached VMs): no outbound rule for it,
        // which would only add an FQDN rule (and the firewall it brings) for nothing.
        if !r.features.is_empty()
            && r.features
                .iter()
                .all(|f| d.unsupported.features.iter().any(|u| **f == *u))
        {
            not(&mut out, r, unsupported_why.clone());
            continue;
        }
        if let Some(by) = covered_by(d, r) {
            out.created.push(CreatedByAzure {
                rule_id: r.id.to_string(),
                remote: r.remote.to_string(),
                by,
            });
            continue;
        }
        match r.kind {
            Kind::Inbound => not(
                &mut out,
                r,
                "a managed network takes outbound rules only; inbound traffic to managed compute is Azure's to allow".into(),
            ),
            Kind::Route => not(
                &mut out,
                r,
                "a managed network has no route table of yours; Azure routes it".into(),
            ),
            Kind::Network => not(
                &mut out,
                r,
                format!(
                    "non-HTTP traffic to a host or address has no outbound rule type: FQDN rules carry only ports {} ({})",
                    ports_list(&lim.fqdn_ports),
                    d.cite(&lim.fqdn_ports_refs[0])
                ),
            ),
            Kind::ServiceTag => {
                if crate::servicetags::features::is_nsg_only(&r.remote) {
                    not(
                        &mut out,
                        r,
                        crate::servicetags::features::nsg_only_reason(&r.remote),
                    );
                    continue;
                }
                if lim.storage_tags.iter().any(|t| tag_is(&r.remote, t)) {
                    not(&mut out, r, format!("{storage_why}; a Storage service tag rule would open every storage account of the region"));
                    continue;
                }
                let protocols: BTreeSet<&str> =
                    r.ports.iter().map(|p| protocol_of(p.protocol)).collect();
                let protocol = if protocols.len() == 1 {
                    protocols.into_iter().next().unwrap_or("*")
                } else {
                    "*"
                };
                let port_ranges = r
                    .ports
                    .iter()
                    .map(|p| port_text(p.ports))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(",");
                out.rules.push(OutboundRule {
                    name: rule_name(&rs.settings.name_prefix, &r.id, &mut taken),
                    rule_id: r.id.to_string(),
                    purpose: r.purpose.to_string(),
                    destination: Destination::ServiceTag {
                        tag: r.remote.to_string(),
                        protocol,
                        port_ranges,
                    },
                });
            }
            Kind::FqdnApp => {
                if lim.storage_domains.iter().any(|s| under(&r.remote, s)) {
                    not(&mut out, r, storage_why.clone());
                    continue;
                }
                let allowed = |p: &crate::model::PortSpec| {
                    lim.fqdn_ports.iter().any(|n| p.ports == PortRange::Single(*n))
                };
                let outside: Vec<String> = r
                    .ports
                    .iter()
                    .filter(|p| !allowed(p))
                    .map(|p| p.to_string())
                    .collect();
                let why = |what: &str| {
                    format!(
                        "{what}: FQDN outbound rules support only ports {} ({})",
                        ports_list(&lim.fqdn_ports),
                        d.cite(&lim.fqdn_ports_refs[0])
                    )
                };
                if r.ports.iter().any(allowed) {
                    if let Some(path) = &r.path {
                        out.notes.push(format!(
                            "{} ({}): the documents allow only the path {path}; an FQDN rule allows the whole host",
                            r.remote, r.id
                        ));
                    }
                    out.rules.push(OutboundRule {
                        name: rule_name(&rs.settings.name_prefix, &r.id, &mut taken),
                        rule_id: r.id.to_string(),
                        purpose: r.purpose.to_string(),
                        destination: Destination::Fqdn(r.remote.to_string()),
                    });
                    if !outside.is_empty() {
                        not(
                            &mut out,
                            r,
                            why(&format!(
                                "the FQDN rule is written, but {} are NOT covered",
                                outside.join(", ")
                            )),
                        );
                    }
                } else {
                    not(&mut out, r, why(&format!("{} NOT covered", outside.join(", "))));
                }
            }
        }
    }
    out
}

fn ports_list(p: &[u16]) -> String {
    p.iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Header lines of every managed network export: the common header, then the mode, the
/// firewall an FQDN rule brings, and the rules Azure creates.
fn header(rs: &RuleSet, target: &dyn Exporter, opts: &ExportOptions, p: &Plan) -> Vec<String> {
    let d = ManagedNetworkData::builtin();
    let mut h = super::header_lines(rs, target, opts, &p.unexpressed);
    h.push("For a workspace whose managed virtual network is in allow_only_approved_outbound mode: user-defined outbound rules only.".into());
    if p.has_fqdn() {
        h.push(format!(
            "FQDN rules make Azure deploy a managed Azure Firewall for the managed network, which is billed (Standard by default, Basic selectable) ({}; {}).",
            d.cite(&d.limits.firewall_refs[0]),
            d.cite(&d.limits.firewall_refs[1])
        ));
    }
    if !p.created.is_empty() {
        h.push(
            "Created by Azure (not written here; the managed network adds these itself):".into(),
        );
        for c in &p.created {
            h.push(format!("  {} ({}): {}", c.remote, c.rule_id, c.by));
        }
    }
    for n in &p.notes {
        h.push(format!("Note: {n}"));
    }
    for u in &p.unexpressed {
        h.push(format!(
            "NOT covered: {} ({}): {}",
            u.remote, u.rule_id, u.reason
        ));
    }
    h
}

/// Outbound rules to tags and hosts; inbound and network rules only where what the managed
/// network creates covers them.
const EXPRESSES: &[crate::export::Shape] = &[
    (Kind::ServiceTag, RemoteKind::Tag),
    (Kind::Network, RemoteKind::Host),
    (Kind::FqdnApp, RemoteKind::Host),
    (Kind::Inbound, RemoteKind::Tag),
];

/// What the five targets share; each names its id, name and extension.
const MANAGED: Target =
    Target::family_base(Family::ManagedNetwork, TagsUse::No, CANNOT, EXPRESSES, None);

/// One managed-VNet target: its declaration and its writer (all five share the plan).
pub struct AmlVnet {
    target: Target,
    write: fn(&RuleSet, &Plan, &[String]) -> String,
}

impl Exporter for AmlVnet {
    fn target(&self) -> &Target {
        &self.target
    }
    fn render(&self, rs: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
        let p = plan(rs);
        let text = (self.write)(rs, &p, &header(rs, self, opts, &p));
        Ok(Export::new(text, p.unexpressed))
    }
}

const CAN: &str =
    "FQDN rules (ports 80/443) and service tag rules of a managed VNet in approved-only mode";
const CANNOT: &str = "Inbound rules, routes, non-HTTP host rules, FQDN ports other than 80/443, storage by FQDN; rules Azure creates are listed, not written";

const fn aml_vnet(
    id: &'static str,
    name: &'static str,
    extension: &'static str,
    write: fn(&RuleSet, &Plan, &[String]) -> String,
) -> AmlVnet {
    AmlVnet {
        target: Target {
            id,
            name,
            extension,
            can: CAN,
            ..MANAGED
        },
        write,
    }
}

pub static TARGETS: &[&dyn Exporter] = &[
    &aml_vnet(
        "amlvnet-yaml",
        "Managed VNet: workspace YAML (managed_network)",
        "yaml",
        render::yaml,
    ),
    &aml_vnet(
        "amlvnet-cli",
        "Managed VNet: az ml workspace outbound-rule set",
        "sh",
        render::cli,
    ),
    &aml_vnet(
        "amlvnet-arm",
        "Managed VNet: ARM template (workspaces/outboundRules)",
        "json",
        render::arm,
    ),
    &aml_vnet(
        "amlvnet-bicep",
        "Managed VNet: Bicep (workspaces/outboundRules)",
        "bicep",
        render::bicep,
    ),
    &aml_vnet(
        "amlvnet-terraform",
        "Managed VNet: azurerm outbound rule resources",
        "tf",
        render::terraform,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_valid_unique_and_short() {
        let mut taken = BTreeSet::new();
        let long = "x".repeat(60);
        let a = rule_name("aml", &long, &mut taken);
        let b = rule_name("aml", &long, &mut taken);
        for n in [&a, &b] {
            assert!((3..=NAME_MAX).contains(&n.len()), "{n}");
            assert!(n.as_bytes()[0].is_ascii_alphanumeric());
            assert!(n
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-'));
        }
        assert_ne!(a, b);
        assert_eq!(
            rule_name("aml", "aml-fqdn-pypi", &mut taken),
            "aml-fqdn-pypi"
        );
    }
}
