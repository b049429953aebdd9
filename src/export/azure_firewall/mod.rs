//! Azure Firewall targets: a Firewall Policy rule collection group (ARM, Bicep, Terraform,
//! az CLI) and the classic rule collections of an existing firewall (ARM).
//!
//! All five render one `Plan`, built once from the rule set, so they cannot disagree on names,
//! priorities or which rules they hold:
//! - service tags, IP addresses and host names on non-HTTP ports become network rules (tags and
//!   IPs in `destinationAddresses`, host names in `destinationFqdns`, which need DNS proxy);
//! - HTTP/HTTPS host rules become application rules with protocol:port pairs;
//! - inbound rules and routes are not firewall rules: they are returned as unexpressed and
//!   listed in the header, pointing at the NSG and route-table exports.
//!
//! Layout (requirements notes C-18): one rule collection group holding a network collection
//! and an application collection with distinct priorities. Current Azure accepts both types in
//! one group, and one group keeps the workspace's rules together so a redeploy replaces exactly
//! them. Network rules are evaluated before application rules whatever the priorities.

use super::azure::names::Names;
use super::azure::{arm, hcl, local_side, port_groups, NETWORK_API_VERSION as API_VERSION};
use super::naming::{azure_name, free_priorities, priorities, rule_stem};
use super::text::{bicep_string, comment_block, hcl_string, sh_quote};
use super::Target;
use super::{
    header_lines, Existing, Export, ExportError, ExportOptions, Exporter, Family, TagUse, TagsUse,
    Unexpressed,
};
use crate::model::{Kind, PortRange, PortSpec, Protocol};
use crate::remote::RemoteKind;
use crate::rules::{Rule, RuleSet};
use serde_json::{json, Value};
use std::fmt::Write as _;

mod bicep;
mod classic_arm;
mod cli;
mod policy_arm;
mod terraform;
use bicep::*;
use classic_arm::*;
use cli::*;
use policy_arm::*;
use terraform::*;

const GROUP_TYPE: &str = "Microsoft.Network/firewallPolicies/ruleCollectionGroups";
/// Firewall Policy application rules take ports 0-64000 (the ARM schema enforces it).
const MAX_APP_PORT: u16 = 64000;

const CAN: &str = "outbound service-tag and IP network rules, host-name network rules when the policy has DNS proxy on (--dns-proxy), and HTTP/HTTPS host (application) rules, wildcards as *.domain";
const CANNOT: &str = "inbound rules and routes (use the NSG and route-table exports); URL paths without Firewall Premium TLS inspection (the whole host is allowed); wildcard host names in network rules; service tags Microsoft's data says Azure Firewall does not accept (e.g. Storage in Azure China: --expand-tags --service-tags FILE writes their addresses)";

// ---- the plan every target renders ---------------------------------------------------------

/// Where a network rule's destination goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DestField {
    /// Service tags and IP addresses.
    Addresses,
    /// Host names (need the firewall's DNS proxy).
    Fqdns,
}

#[derive(Debug)]
struct NetworkRule {
    name: String,
    description: String,
    /// `TCP`, `UDP` or `Any`: one transport per rule, so ports mean the same for all.
    protocol: &'static str,
    field: DestField,
    /// The rule's remote, or the address prefixes of a tag written out (`--expand-tags`).
    destinations: Vec<String>,
    ports: Vec<String>,
}

#[derive(Debug)]
struct AppRule {
    name: String,
    description: String,
    /// (`Http`|`Https`, port)
    protocols: Vec<(&'static str, u16)>,
    fqdn: String,
}

#[derive(Debug)]
struct Collection<R> {
    name: String,
    priority: u32,
    rules: Vec<R>,
}

#[derive(Debug)]
struct Plan {
    group_name: String,
    group_priority: u32,
    sources: Vec<String>,
    network: Collection<NetworkRule>,
    application: Collection<AppRule>,
    /// Header lines shared by every target (tool, profile, warnings, notes).
    header: Vec<String>,
    unexpressed: Vec<Unexpressed>,
    /// The warnings of this target's own in `header` (`Export::warnings`).
    warnings: Vec<String>,
}

fn build_plan(
    rs: &RuleSet,
    target: &dyn Exporter,
    opts: &ExportOptions,
) -> Result<Plan, ExportError> {
    let s = &rs.settings;
    let prefix = s.name_prefix.as_str();
    // Group and collections have separate priority spaces; both start at the profile's base.
    let prio = priorities(
        s.priority_base,
        2,
        100,
        100..=65000,
        "Azure Firewall rule collections",
    )?;
    let mut names = Names::default();
    let mut network = Vec::new();
    let mut application = Vec::new();
    let mut unexpressed = Vec::new();
    let mut tag_notes = Vec::new();
    let mut expanded_any = false;
    for r in &rs.rules {
        // Tags Azure Firewall does not accept (Microsoft's networkFeatures data) are left
        // out, written as addresses, or kept where the document itself uses them.
        let destinations = match r.kind {
            Kind::ServiceTag => match super::tag_use(rs, r, Family::AzureFirewall, opts)? {
                TagUse::Accepted => Ok(None),
                // resolve warned already (concerning Azure Firewall): header and stderr.
                TagUse::Disputed(_) => Ok(None),
                TagUse::Expanded(prefixes) => {
                    expanded_any = true;
                    tag_notes.push(format!(
                        "Note: {} ({}) is written as its {} address prefixes from the Service Tags file: Microsoft's data says Azure Firewall does not accept the tag. Regenerate when Microsoft publishes new addresses.",
                        r.id,
                        r.remote,
                        prefixes.len()
                    ));
                    Ok(Some(prefixes))
                }
                TagUse::Refused(reason) => Err(reason),
            },
            _ => Ok(None),
        };
        let outcome = match (r.kind, destinations) {
            (_, Err(reason)) => Err(reason),
            (Kind::Inbound | Kind::Route, _) => Err(not_a_firewall_rule(r)),
            (Kind::ServiceTag | Kind::Network, Ok(addresses)) => {
                network_rules(r, prefix, s.dns_proxy, addresses, &mut names)
                    .map(|v| network.extend(v))
            }
            (Kind::FqdnApp, _) => app_rule(r, prefix, &mut names).map(|a| application.push(a)),
        };
        if let Err(reason) = outcome {
            unexpressed.push(Unexpressed {
                rule_id: r.id.to_string(),
                remote: r.remote.to_string(),
                reason,
                partly: false,
            });
        }
    }
    let sources = sources(rs);
    // Azure Firewall resolves tags itself: the header names a Service Tags file only when
    // addresses from it were written (`--expand-tags`).
    let header_opts = ExportOptions {
        service_tags: opts.service_tags.filter(|_| expanded_any),
        ..ExportOptions::default()
    };
    let mut header = header_lines(rs, target, &header_opts, &unexpressed);
    header.extend(tag_notes);
    let warnings = own_warnings(&network);
    header.extend(warnings.iter().map(|w| format!("Warning: {w}")));
    header.extend(notes(rs, &unexpressed));
    let (group_name, group_priority) = match opts.existing {
        // A classic firewall has no rule collection groups.
        Some(e) if target.id() != "azfw-classic-arm" => {
            let (name, priority) = fix_group(prefix, prio[0], e)?;
            header.insert(
                header
                    .iter()
                    .position(|l| l.starts_with("Warning:"))
                    .unwrap_or(header.len()),
                fix_group_line(&name, priority, e),
            );
            (name, priority)
        }
        _ => (azure_name(&[prefix, "rules"]), prio[0]),
    };
    Ok(Plan {
        group_name,
        group_priority,
        sources,
        network: Collection {
            name: azure_name(&[prefix, "network-rules"]),
            priority: prio[0],
            rules: network,
        },
        application: Collection {
            name: azure_name(&[prefix, "application-rules"]),
            priority: prio[1],
            rules: application,
        },
        header,
        unexpressed,
        warnings,
    })
}

/// The group of `amlfw audit --fix`: a name no group of the audited policy has (`<prefix>-rules-fix`,
/// numbered when that is taken too) and a priority none of them has. Deploying under a taken name
/// would replace that group, deleting every rule it holds that the fix does not.
fn fix_group(prefix: &str, base: u32, e: &Existing) -> Result<(String, u32), ExportError> {
    let taken = |n: &str| e.fw_groups.iter().any(|(g, _)| g.eq_ignore_ascii_case(n));
    let stem = azure_name(&[prefix, "rules-fix"]);
    let name = std::iter::once(stem.clone())
        .chain((2..).map(|i| format!("{stem}-{i}")))
        .find(|n| !taken(n))
        .expect("some numbered name is free");
    let used: Vec<u32> = e.fw_groups.iter().map(|(_, p)| *p).collect();
    let p = free_priorities(
        base,
        1,
        100,
        100..=65000,
        &used,
        "Azure Firewall rule collection groups",
    )?;
    Ok((name, p[0]))
}

/// The header line that says why the fix's group is not the audited one.
fn fix_group_line(name: &str, priority: u32, e: &Existing) -> String {
    let mut groups: Vec<String> = e
        .fw_groups
        .iter()
        .map(|(g, p)| format!("{g} ({p})"))
        .collect();
    groups.dedup();
    format!(
        "Fix: these rules go into a NEW rule collection group, {name} (priority {priority}), which no audited group uses{}. Keep ruleCollectionGroupName at that default: deploying under an existing group's name replaces that group and deletes every rule in it that is not listed here.",
        if groups.is_empty() {
            String::new()
        } else {
            format!(" (audited groups: {})", groups.join(", "))
        }
    )
}

/// The profile's source CIDRs, else `*`. (`VirtualNetwork` is no option: Azure Firewall takes
/// service tags only as destinations.)
fn sources(rs: &RuleSet) -> Vec<String> {
    local_side(&rs.settings, "*")
}

fn not_a_firewall_rule(r: &Rule) -> String {
    match r.kind {
        Kind::Inbound => format!(
            "inbound rule: not an Azure Firewall rule; the NSG exports ({}) carry it",
            super::target_ids(super::nsg::TARGETS)
        ),
        _ => format!(
            "route: not an Azure Firewall rule; the route-table exports ({}) carry it",
            super::target_ids(super::route_table::TARGETS)
        ),
    }
}

/// What every rule's description says: purpose, rule id and features, plus the path caveat.
fn describe(r: &Rule) -> String {
    let mut d = format!(
        "{} [amlfw {}; features: {}]",
        r.purpose,
        r.id,
        r.features_label()
    );
    if let Some(path) = &r.path {
        let _ = write!(
            d,
            " Allows the whole host: the guidance restricts it to the path {path}, which needs Azure Firewall Premium URL filtering (TLS inspection)."
        );
    }
    d
}

/// Why a host-name network rule is left out when the policy's DNS proxy is off, and the fix.
pub const DNS_PROXY_OFF: &str = "host name in a network rule: Azure rejects the whole rule collection group (every rule in it) when the Firewall Policy's DNS proxy is off. To allow it, enable DNS proxy on the policy (az network firewall policy update --name <policy> --resource-group <rg> --enable-dns-proxy true) and point the clients' DNS at the firewall, then export again with --dns-proxy (profile: dns_proxy = true)";

/// The network rules of `r` (one per transport). `addresses` replaces the remote when the tag
/// is written out as prefixes.
fn network_rules(
    r: &Rule,
    prefix: &str,
    dns_proxy: bool,
    addresses: Option<Vec<String>>,
    names: &mut Names,
) -> Result<Vec<NetworkRule>, String> {
    let field = if !r.remote.is_host() {
        DestField::Addresses
    } else if r.is_wildcard() {
        return Err("network rules cannot take wildcard host names, and this rule is not HTTP/HTTPS, so an application rule cannot carry it".into());
    } else if !dns_proxy {
        return Err(DNS_PROXY_OFF.into());
    } else {
        DestField::Fqdns
    };
    let groups = by_transport(&r.ports);
    // Several transports (e.g. TCP 443 + UDP 5831) become one rule each, so that a rule's
    // ports never widen to a protocol the guidance did not name.
    let split = groups.len() > 1;
    Ok(groups
        .into_iter()
        .map(|(protocol, ports)| {
            let suffix = protocol.to_ascii_lowercase();
            let name = if split {
                names.take(&[&rule_stem(prefix, &r.id), &suffix])
            } else {
                names.take(&[&rule_stem(prefix, &r.id)])
            };
            let mut description = describe(r);
            if field == DestField::Fqdns {
                description
                    .push_str(" Host name in a network rule: needs the firewall's DNS proxy.");
            }
            NetworkRule {
                name,
                description,
                protocol,
                field,
                destinations: addresses
                    .clone()
                    .unwrap_or_else(|| vec![r.remote.to_string()]),
                ports,
            }
        })
        .collect())
}

fn app_rule(r: &Rule, prefix: &str, names: &mut Names) -> Result<AppRule, String> {
    let protocols = r
        .ports
        .iter()
        .map(app_protocol)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AppRule {
        name: names.take(&[&rule_stem(prefix, &r.id)]),
        description: describe(r),
        protocols,
        fqdn: r.remote.to_string(),
    })
}

fn app_protocol(p: &PortSpec) -> Result<(&'static str, u16), String> {
    let ty = match p.protocol {
        Protocol::Http => "Http",
        Protocol::Https => "Https",
        other => {
            return Err(format!(
                "application rules take only http and https, not {}",
                other.id()
            ))
        }
    };
    match p.ports {
        PortRange::Single(n) if n <= MAX_APP_PORT => Ok((ty, n)),
        other => Err(format!(
            "application rules take one port from 0 to {MAX_APP_PORT}, not {other}"
        )),
    }
}

/// Header notes every Azure Firewall export carries.
/// Ports grouped by transport (`azure::port_groups`), with Azure Firewall's protocol names.
fn by_transport(ports: &[PortSpec]) -> Vec<(&'static str, Vec<String>)> {
    port_groups(ports)
        .into_iter()
        .map(|(p, v)| {
            let name = match p {
                Protocol::Udp => "UDP",
                Protocol::Any => "Any",
                _ => "TCP",
            };
            (name, v)
        })
        .collect()
}

/// The warnings of Azure Firewall's own, after the shared ones (`warnings_for`).
fn own_warnings(network: &[NetworkRule]) -> Vec<String> {
    let mut out = Vec::new();
    let fqdn_rules: Vec<&str> = network
        .iter()
        .filter(|n| n.field == DestField::Fqdns)
        .flat_map(|n| n.destinations.iter().map(String::as_str))
        .collect();
    if !fqdn_rules.is_empty() {
        out.push(format!(
            "this export NEEDS DNS proxy enabled on the Firewall Policy (dnsSettings.enableProxy = true; classic firewalls: additionalProperties Network.DNS.EnableProxy), because network rules name host names ({}). Without it Azure rejects the whole rule collection group. Clients must use the firewall as their DNS server.",
            fqdn_rules.join(", ")
        ));
    }
    out
}

fn notes(rs: &RuleSet, unexpressed: &[Unexpressed]) -> Vec<String> {
    let mut out = Vec::new();
    for r in rs
        .rules
        .iter()
        .filter(|r| r.path.is_some() && r.kind == Kind::FqdnApp)
    {
        out.push(format!(
            "Note: {} allows the whole host {}; the guidance restricts it to the path {}, which only Azure Firewall Premium URL filtering (with TLS inspection) can enforce.",
            r.id,
            r.remote,
            r.path.as_deref().unwrap_or_default()
        ));
    }
    out.push("Note: Azure Firewall evaluates network rules before application rules, whatever the collection priorities.".to_string());
    for u in unexpressed {
        out.push(format!(
            "Not in this export: {} ({}): {}",
            u.rule_id, u.remote, u.reason
        ));
    }
    out
}

fn export(plan: &Plan, text: String) -> Export {
    Export {
        text,
        unexpressed: plan.unexpressed.clone(),
        warnings: plan.warnings.clone(),
    }
}

// ---- the targets ---------------------------------------------------------------------------

/// Network rules take tags and addresses (and host names with DNS proxy), application rules
/// host names.
const EXPRESSES: &[super::Shape] = &[
    (Kind::ServiceTag, RemoteKind::Tag),
    (Kind::ServiceTag, RemoteKind::Address),
    (Kind::Network, RemoteKind::Host),
    (Kind::Network, RemoteKind::Address),
    (Kind::FqdnApp, RemoteKind::Host),
];

/// What the five targets share; each names its id, name, extension and one-line `can`.
const FIREWALL: Target = Target::family_base(
    Family::AzureFirewall,
    TagsUse::Optional,
    CANNOT,
    EXPRESSES,
    Some(not_a_firewall_rule),
);

/// One Azure Firewall target: its declaration and its writer (all five share the plan).
pub struct Firewall {
    target: Target,
    write: fn(&Plan, &RuleSet) -> String,
}

impl Exporter for Firewall {
    fn target(&self) -> &Target {
        &self.target
    }
    fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
        let plan = build_plan(rules, self, opts)?;
        let text = (self.write)(&plan, rules);
        Ok(export(&plan, text))
    }
}

const fn firewall(
    id: &'static str,
    name: &'static str,
    extension: &'static str,
    can: &'static str,
    write: fn(&Plan, &RuleSet) -> String,
) -> Firewall {
    Firewall {
        target: Target {
            id,
            name,
            extension,
            can,
            ..FIREWALL
        },
        write,
    }
}

/// The targets of this module.
pub static TARGETS: &[&dyn Exporter] = &[
    &firewall(
        "azfw-policy-arm",
        "Azure Firewall Policy rule collection group (ARM template)",
        "json",
        CAN,
        |p, _| pretty(&policy_arm(p)),
    ),
    &firewall(
        "azfw-classic-arm",
        "Azure Firewall classic rules of an existing firewall (ARM template)",
        "json",
        "the same rules as classic network and application rule collections of an existing firewall (replaces its collections; copies its other settings)",
        |p, _| pretty(&classic_arm(p)),
    ),
    &firewall(
        "azfw-bicep",
        "Azure Firewall Policy rule collection group (Bicep)",
        "bicep",
        CAN,
        |p, _| bicep_text(p),
    ),
    &firewall(
        "azfw-terraform",
        "Azure Firewall Policy rule collection group (Terraform azurerm)",
        "tf",
        CAN,
        |p, rs| terraform_text(p, &rs.settings.name_prefix),
    ),
    &firewall(
        "azfw-cli",
        "Azure Firewall Policy rule collection group (az CLI script)",
        "sh",
        CAN,
        |p, _| cli_text(p),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PortRange as R;

    fn spec(p: Protocol, r: R) -> PortSpec {
        PortSpec::new(p, r)
    }

    #[test]
    fn ports_group_by_transport() {
        let g = by_transport(&[
            spec(Protocol::Tcp, R::Single(443)),
            spec(Protocol::Udp, R::Single(5831)),
            spec(Protocol::Tcp, R::Range(29876, 29877)),
        ]);
        assert_eq!(
            g,
            vec![
                ("TCP", vec!["443".into(), "29876-29877".into()]),
                ("UDP", vec!["5831".into()])
            ]
        );
        let g = by_transport(&[spec(Protocol::Any, R::Any)]);
        assert_eq!(g, vec![("Any", vec!["*".into()])]);
    }

    #[test]
    fn names_stay_unique_and_valid() {
        let mut n = Names::default();
        let long = "x".repeat(100);
        let a = n.take(&["aml", &long]);
        let b = n.take(&["aml", &long]);
        assert_ne!(a, b);
        assert!(super::super::naming::is_valid_azure_name(&b), "{b}");
    }

    #[test]
    fn app_ports_must_fit_the_schema() {
        assert_eq!(
            app_protocol(&spec(Protocol::Https, R::Single(8787))),
            Ok(("Https", 8787))
        );
        assert!(app_protocol(&spec(Protocol::Https, R::Single(65000))).is_err());
        assert!(app_protocol(&spec(Protocol::Tcp, R::Single(443))).is_err());
    }
}
