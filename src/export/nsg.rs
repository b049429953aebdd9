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
//! The small helpers at the bottom (names, HCL blocks, script preamble) are shared with
//! `route_table` (the ARM ones are in `arm`), which writes the same four shapes for routes.

use super::azure::bicep::{bicep_depends, symbols};
use super::azure::names::{name_with_suffix, unique_names};
use super::azure::{arm, az::script_preamble, hcl, local_side, port_groups};
use super::naming::{azure_name, priorities, rule_stem};
use super::text::{bicep_string, comment_block, hcl_string, one_line, sh_quote};
use super::{header_lines, Export, ExportError, ExportOptions, Exporter, Family, Unexpressed};
use super::{TagsUse, Target};
use crate::model::{Direction, Kind, Protocol};
use crate::rules::{Rule, RuleSet, Settings};
use serde_json::{Map, Value};
use std::ops::RangeInclusive;

/// The NSG targets, in the order `amlfw targets` lists them.
pub static TARGETS: &[&dyn Exporter] = &[&NsgArm, &NsgBicep, &NsgTerraform, &NsgCli];

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

fn plan(rs: &RuleSet, target: &dyn Exporter, shape: &[&str]) -> Result<Plan, ExportError> {
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
            }),
        }
    }
    let base = rs.settings.priority_base;
    assign_priorities(&mut inbound, base, "NSG inbound rules")?;
    assign_priorities(&mut outbound, base, "NSG outbound rules")?;
    let mut rules = inbound;
    rules.append(&mut outbound);
    // Names are unique per NSG, not per direction.
    let mut names: Vec<String> = rules.iter().map(|r| r.name.clone()).collect();
    unique_names(&mut names);
    for (r, n) in rules.iter_mut().zip(names) {
        r.name = n;
    }
    let header = nsg_header(rs, target, shape, &rules, &unexpressed);
    Ok(Plan {
        header,
        rules,
        unexpressed,
    })
}

fn assign_priorities(rules: &mut [SecRule], base: u32, what: &str) -> Result<(), ExportError> {
    let p = priorities(base, rules.len(), PRIORITY_STEP, PRIORITY_RANGE, what)?;
    for (r, p) in rules.iter_mut().zip(p) {
        r.priority = p;
    }
    Ok(())
}

/// The address an NSG rule can use for the rule's remote end, or why there is none.
fn nsg_remote(rule: &Rule) -> Result<String, String> {
    let ports = rule.ports_label();
    match rule.kind {
        Kind::Route => Err("a route-table entry, not a security rule: export it with udr-arm, udr-cli or udr-terraform".into()),
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

/// The subnet side: the profile's sources, else `VirtualNetwork`. An NSG rule cannot mix
/// IPv4 and IPv6 addresses, so with an IP remote only the sources of its family are kept.
fn local_for(rule: &Rule, remote: &str, s: &Settings) -> Result<Vec<String>, String> {
    let (Some(net), false) = (rule.remote.net(), s.sources.is_empty()) else {
        return Ok(local_side(s, "VirtualNetwork"));
    };
    let v4 = net.addr().is_ipv4();
    let same: Vec<String> = s
        .sources
        .iter()
        .filter(|n| n.addr().is_ipv4() == v4)
        .map(|n| n.to_string())
        .collect();
    if same.is_empty() {
        Err(format!("{remote} and the profile's sources are of different IP families: an NSG rule cannot mix IPv4 and IPv6"))
    } else {
        Ok(same)
    }
}

/// One NSG rule per transport protocol of the rule (an NSG rule has one protocol).
fn sec_rules(rule: &Rule, remote: &str, local: Vec<String>, rs: &RuleSet) -> Vec<SecRule> {
    let groups: Vec<(&'static str, Vec<String>)> = port_groups(&rule.ports)
        .into_iter()
        .map(|(p, v)| (nsg_protocol(p), v))
        .collect();
    let prefix = rs.settings.name_prefix.as_str();
    let direction = rule.kind.direction();
    let (sources, destinations) = match direction {
        Direction::Inbound => (vec![remote.to_string()], local),
        _ => (local, vec![remote.to_string()]),
    };
    let split = groups.len() > 1;
    groups
        .into_iter()
        .map(|(protocol, ports)| SecRule {
            rule_id: rule.id.to_string(),
            name: if split {
                name_with_suffix(&[&rule_stem(prefix, &rule.id)], protocol_label(protocol))
            } else {
                azure_name(&[&rule_stem(prefix, &rule.id)])
            },
            priority: 0,
            direction,
            protocol,
            sources: sources.clone(),
            destinations: destinations.clone(),
            ports,
            description: description(rule),
            purpose: rule.purpose.to_string(),
        })
        .collect()
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
        if let (Some(a), Some(b)) = (p.first(), p.last()) {
            h.push(format!(
                "{what} rules: {} at priorities {a}-{b}; these must be free in the NSG (else change --priority-base).",
                p.len()
            ));
        }
    }
    h.push("The subnet side is the profile's sources, else the VirtualNetwork tag; inbound rules allow the source tag to reach it.".into());
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

// ---- ARM ---------------------------------------------------------------------------------

pub struct NsgArm;

/// Why child resources, and why one after another: told in every ARM and Bicep header.
const ARM_SHAPE: &[&str] = &[
    "Deploy to the NSG's resource group with parameter nsgName (the NSG must exist: az network nsg create).",
    "The rules are child resources so a deployment adds or updates only these rules: deploying the whole NSG resource",
    "would replace its securityRules list and wipe the rules you already have. Each rule depends on the previous one",
    "because Azure can reject concurrent updates to one NSG (AnotherOperationInProgress).",
];

/// The declaration of the `nsg-arm` target.
pub const NSG_ARM: Target = Target {
    id: "nsg-arm",
    name: "NSG security rules (ARM template)",
    family: Family::Nsg,
    extension: "json",
    can: CAN_DEPLOYED,
    cannot: CANNOT,
    tags_use: TagsUse::No,
    expresses: super::ADDRESS_FILTER,
};

impl Exporter for NsgArm {
    fn target(&self) -> &'static Target {
        &NSG_ARM
    }
    fn render(&self, rules: &RuleSet, _opts: &ExportOptions) -> Result<Export, ExportError> {
        let plan = plan(rules, self, ARM_SHAPE)?;
        let mut prev: Option<&str> = None;
        let mut resources = Vec::new();
        for r in &plan.rules {
            resources.push(arm_rule(r, prev));
            prev = Some(&r.name);
        }
        let text = arm::document(
            &plan.header,
            &plan.unexpressed,
            "nsgName",
            "Name of the EXISTING network security group the rules are added to (in the deployment's resource group).",
            resources,
        );
        Ok(Export {
            text,
            unexpressed: plan.unexpressed,
        })
    }
}

fn arm_rule(r: &SecRule, prev: Option<&str>) -> Value {
    let mut p = Map::new();
    p.insert("description".into(), r.description.clone().into());
    p.insert("priority".into(), r.priority.into());
    p.insert("direction".into(), r.direction_name().into());
    p.insert("access".into(), "Allow".into());
    p.insert("protocol".into(), r.protocol.into());
    p.insert("sourcePortRange".into(), "*".into());
    for (one, many, values) in plural_fields(r) {
        arm_list(&mut p, one, many, values);
    }
    let ty = "Microsoft.Network/networkSecurityGroups/securityRules";
    arm::child(
        ty,
        "nsgName",
        &r.name,
        prev,
        &format!("{}: {}", r.rule_id, r.purpose),
        // Data only: `arm::child` makes every string in it an ARM literal.
        Value::Object(p),
    )
}

/// The (singular, plural) property names of the list-valued fields, with their values.
fn plural_fields(r: &SecRule) -> [(&'static str, &'static str, &[String]); 3] {
    [
        ("sourceAddressPrefix", "sourceAddressPrefixes", &r.sources),
        (
            "destinationAddressPrefix",
            "destinationAddressPrefixes",
            &r.destinations,
        ),
        ("destinationPortRange", "destinationPortRanges", &r.ports),
    ]
}

/// The singular property for one value, the plural (an array) for several. Azure takes a
/// service tag only in the singular one, and each rule has at most one tag.
fn arm_list(p: &mut Map<String, Value>, one: &str, many: &str, values: &[String]) {
    if let [v] = values {
        p.insert(one.into(), v.clone().into());
    } else {
        let v: Vec<Value> = values.iter().map(|s| s.clone().into()).collect();
        p.insert(many.into(), v.into());
    }
}

// ---- Bicep -------------------------------------------------------------------------------

pub struct NsgBicep;

/// The declaration of the `nsg-bicep` target.
pub const NSG_BICEP: Target = Target {
    id: "nsg-bicep",
    name: "NSG security rules (Bicep)",
    family: Family::Nsg,
    extension: "bicep",
    can: CAN_DEPLOYED,
    cannot: CANNOT,
    tags_use: TagsUse::No,
    expresses: super::ADDRESS_FILTER,
};

impl Exporter for NsgBicep {
    fn target(&self) -> &'static Target {
        &NSG_BICEP
    }
    fn render(&self, rules: &RuleSet, _opts: &ExportOptions) -> Result<Export, ExportError> {
        let plan = plan(rules, self, ARM_SHAPE)?;
        let mut t = comment_block("//", &plan.header);
        t.push_str("\n@description('Name of the EXISTING network security group the rules are added to.')\nparam nsgName string\n\n");
        t.push_str(&format!(
            "resource nsg 'Microsoft.Network/networkSecurityGroups@{API_VERSION}' existing = {{\n  name: nsgName\n}}\n"
        ));
        let idents = symbols("rule", plan.rules.iter().map(|r| r.name.as_str()));
        for (i, r) in plan.rules.iter().enumerate() {
            let prev = i.checked_sub(1).map(|p| idents[p].as_str());
            t.push('\n');
            t.push_str(&bicep_rule(r, &idents[i], prev));
        }
        Ok(Export {
            text: t,
            unexpressed: plan.unexpressed,
        })
    }
}

fn bicep_rule(r: &SecRule, ident: &str, prev: Option<&str>) -> String {
    let mut t = comment_block("//", &[format!("{}: {}", r.rule_id, r.purpose)]);
    t.push_str(&format!(
        "resource {ident} 'Microsoft.Network/networkSecurityGroups/securityRules@{API_VERSION}' = {{\n  parent: nsg\n  name: {}\n  properties: {{\n",
        bicep_string(&r.name)
    ));
    t.push_str(&format!(
        "    description: {}\n",
        bicep_string(&r.description)
    ));
    t.push_str(&format!("    priority: {}\n", r.priority));
    t.push_str(&format!(
        "    direction: '{}'\n    access: 'Allow'\n",
        r.direction_name()
    ));
    t.push_str(&format!(
        "    protocol: {}\n    sourcePortRange: '*'\n",
        bicep_string(r.protocol)
    ));
    for (one, many, values) in plural_fields(r) {
        t.push_str(&bicep_list(one, many, values));
    }
    t.push_str("  }\n");
    t.push_str(&bicep_depends(prev));
    t.push_str("}\n");
    t
}

fn bicep_list(one: &str, many: &str, values: &[String]) -> String {
    if let [v] = values {
        return format!("    {one}: {}\n", bicep_string(v));
    }
    let mut t = format!("    {many}: [\n");
    for v in values {
        t.push_str(&format!("      {}\n", bicep_string(v)));
    }
    t.push_str("    ]\n");
    t
}

// ---- Terraform ---------------------------------------------------------------------------

pub struct NsgTerraform;

/// The declaration of the `nsg-terraform` target.
pub const NSG_TERRAFORM: Target = Target {
    id: "nsg-terraform",
    name: "NSG security rules (Terraform azurerm)",
    family: Family::Nsg,
    extension: "tf",
    can: "azurerm_network_security_rule resources for an existing NSG",
    cannot: CANNOT,
    tags_use: TagsUse::No,
    expresses: super::ADDRESS_FILTER,
};

impl Exporter for NsgTerraform {
    fn target(&self) -> &'static Target {
        &NSG_TERRAFORM
    }
    fn render(&self, rules: &RuleSet, _opts: &ExportOptions) -> Result<Export, ExportError> {
        let shape = [
            "Standalone azurerm_network_security_rule resources for an existing NSG: they add these rules and leave the others.",
            "Do not also declare security_rule blocks inside that azurerm_network_security_group: the two forms fight each other.",
            super::AZURERM_VERSIONS,
        ];
        let plan = plan(rules, self, &shape)?;
        let mut t = comment_block("#", &plan.header);
        t.push('\n');
        t.push_str(&hcl::variable(
            "resource_group_name",
            "Resource group of the existing network security group.",
        ));
        t.push('\n');
        t.push_str(&hcl::variable(
            "network_security_group_name",
            "Name of the existing network security group the rules are added to.",
        ));
        let labels = symbols("rule", plan.rules.iter().map(|r| r.name.as_str()));
        for (r, label) in plan.rules.iter().zip(&labels) {
            t.push('\n');
            t.push_str(&comment_block(
                "#",
                &[format!("{}: {}", r.rule_id, r.purpose)],
            ));
            t.push_str(&hcl::block(
                &format!("resource \"azurerm_network_security_rule\" \"{label}\""),
                &tf_rule_attrs(r),
            ));
        }
        Ok(Export {
            text: t,
            unexpressed: plan.unexpressed,
        })
    }
}

fn tf_rule_attrs(r: &SecRule) -> Vec<(String, String)> {
    let mut a: Vec<(String, String)> = vec![
        ("name".into(), hcl_string(&r.name)),
        (
            "resource_group_name".into(),
            "var.resource_group_name".into(),
        ),
        (
            "network_security_group_name".into(),
            "var.network_security_group_name".into(),
        ),
        ("priority".into(), r.priority.to_string()),
        ("direction".into(), hcl_string(r.direction_name())),
        ("access".into(), hcl_string("Allow")),
        ("protocol".into(), hcl_string(r.protocol)),
        ("source_port_range".into(), hcl_string("*")),
    ];
    // Service tags are only accepted in the singular attributes; the plural ones take CIDRs.
    a.push(tf_list(
        "source_address_prefix",
        "source_address_prefixes",
        &r.sources,
    ));
    a.push(tf_list(
        "destination_address_prefix",
        "destination_address_prefixes",
        &r.destinations,
    ));
    a.push(tf_list(
        "destination_port_range",
        "destination_port_ranges",
        &r.ports,
    ));
    a.push(("description".into(), hcl_string(&r.description)));
    a
}

fn tf_list(one: &str, many: &str, values: &[String]) -> (String, String) {
    if let [v] = values {
        return (one.into(), hcl_string(v));
    }
    let items: Vec<String> = values.iter().map(|v| hcl_string(v)).collect();
    (many.into(), format!("[{}]", items.join(", ")))
}

// ---- az CLI ------------------------------------------------------------------------------

pub struct NsgCli;

/// The declaration of the `nsg-cli` target.
pub const NSG_CLI: Target = Target {
    id: "nsg-cli",
    name: "NSG security rules (az CLI script)",
    family: Family::Nsg,
    extension: "sh",
    can: "az network nsg rule create commands for an existing NSG",
    cannot: CANNOT,
    tags_use: TagsUse::No,
    expresses: super::ADDRESS_FILTER,
};

impl Exporter for NsgCli {
    fn target(&self) -> &'static Target {
        &NSG_CLI
    }
    fn render(&self, rules: &RuleSet, _opts: &ExportOptions) -> Result<Export, ExportError> {
        let shape = ["Bash script: az network nsg rule create adds or updates each rule in an existing NSG and leaves the others."];
        let plan = plan(rules, self, &shape)?;
        let mut t = script_preamble(
            &plan.header,
            &[
                ("RG", "resource group of the NSG"),
                ("NSG", "name of the existing NSG"),
            ],
        );
        for r in &plan.rules {
            t.push('\n');
            t.push_str(&comment_block(
                "#",
                &[format!("{}: {}", r.rule_id, r.purpose)],
            ));
            t.push_str(&cli_rule(r));
        }
        Ok(Export {
            text: t,
            unexpressed: plan.unexpressed,
        })
    }
}

fn cli_rule(r: &SecRule) -> String {
    let words = |v: &[String]| v.iter().map(|s| sh_quote(s)).collect::<Vec<_>>().join(" ");
    format!(
        "az network nsg rule create -g \"$RG\" --nsg-name \"$NSG\" -n {} \\\n  --priority {} --direction {} --access Allow --protocol {} \\\n  --source-address-prefixes {} --source-port-ranges '*' \\\n  --destination-address-prefixes {} --destination-port-ranges {} \\\n  --description={}\n",
        sh_quote(&r.name),
        r.priority,
        r.direction_name(),
        sh_quote(r.protocol),
        words(&r.sources),
        words(&r.destinations),
        words(&r.ports),
        // `=` keeps a description that starts with `-` from being read as an option.
        sh_quote(&r.description),
    )
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
