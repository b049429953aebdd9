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
use super::naming::{azure_name, priorities, rule_stem};
use super::text::{bicep_string, comment_block, hcl_string, sh_quote};
use super::Target;
use super::{
    header_lines, Export, ExportError, ExportOptions, Exporter, Family, TagUse, TagsUse,
    Unexpressed,
};
use crate::model::{Kind, PortRange, PortSpec, Protocol};
use crate::remote::RemoteKind;
use crate::rules::{Rule, RuleSet};
use serde_json::{json, Value};
use std::fmt::Write as _;

/// The targets of this module.
pub static TARGETS: &[&dyn Exporter] = &[
    &PolicyArm,
    &ClassicArm,
    &PolicyBicep,
    &PolicyTerraform,
    &PolicyCli,
];

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
    header.extend(notes(rs, &network, &unexpressed));
    Ok(Plan {
        group_name: azure_name(&[prefix, "rules"]),
        group_priority: prio[0],
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
    })
}

/// The profile's source CIDRs, else `*`. (`VirtualNetwork` is no option: Azure Firewall takes
/// service tags only as destinations.)
fn sources(rs: &RuleSet) -> Vec<String> {
    local_side(&rs.settings, "*")
}

fn not_a_firewall_rule(r: &Rule) -> String {
    match r.kind {
        Kind::Inbound => "inbound rule: not an Azure Firewall rule; the NSG exports (nsg-arm, nsg-bicep, nsg-terraform, nsg-cli) carry it".into(),
        _ => "route: not an Azure Firewall rule; the route-table exports (udr-arm, udr-cli, udr-terraform) carry it".into(),
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

fn notes(rs: &RuleSet, network: &[NetworkRule], unexpressed: &[Unexpressed]) -> Vec<String> {
    let mut out = Vec::new();
    let fqdn_rules: Vec<&str> = network
        .iter()
        .filter(|n| n.field == DestField::Fqdns)
        .flat_map(|n| n.destinations.iter().map(String::as_str))
        .collect();
    if !fqdn_rules.is_empty() {
        out.push(format!(
            "Warning: this export NEEDS DNS proxy enabled on the Firewall Policy (dnsSettings.enableProxy = true; classic firewalls: additionalProperties Network.DNS.EnableProxy), because network rules name host names ({}). Without it Azure rejects the whole rule collection group. Clients must use the firewall as their DNS server.",
            fqdn_rules.join(", ")
        ));
    }
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
    }
}

// ---- ARM: Firewall Policy rule collection group --------------------------------------------

/// The shared header with the target's usage lines after the profile summary, before the
/// warnings, so what the file is and how to deploy it comes first.
fn header_with(plan: &Plan, usage: &[&str]) -> Vec<String> {
    let mut h = plan.header.clone();
    let at = h
        .iter()
        .position(|l| l.starts_with("Warning:"))
        .unwrap_or(h.len());
    h.splice(at..at, usage.iter().map(|s| s.to_string()));
    h
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("JSON values always serialize");
    s.push('\n');
    s
}

fn policy_network_rule(plan: &Plan, r: &NetworkRule) -> Value {
    let field = match r.field {
        DestField::Addresses => "destinationAddresses",
        DestField::Fqdns => "destinationFqdns",
    };
    let mut v = json!({
        "ruleType": "NetworkRule",
        "name": r.name,
        "description": r.description,
        "ipProtocols": [r.protocol],
        "sourceAddresses": plan.sources,
        "destinationPorts": r.ports,
    });
    v[field] = json!(r.destinations);
    v
}

fn app_protocols_json(r: &AppRule) -> Value {
    r.protocols
        .iter()
        .map(|(t, p)| json!({"protocolType": t, "port": p}))
        .collect()
}

fn policy_app_rule(plan: &Plan, r: &AppRule) -> Value {
    json!({
        "ruleType": "ApplicationRule",
        "name": r.name,
        "description": r.description,
        "protocols": app_protocols_json(r),
        "sourceAddresses": plan.sources,
        "targetFqdns": [r.fqdn],
    })
}

fn policy_collection(name: &str, priority: u32, rules: Vec<Value>) -> Value {
    json!({
        "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
        "name": name,
        "priority": priority,
        "action": {"type": "Allow"},
        "rules": rules,
    })
}

/// The group's collections; empty ones are left out (Azure refuses a collection without rules).
fn policy_collections(plan: &Plan) -> Vec<Value> {
    let mut out = Vec::new();
    let (n, a) = (&plan.network, &plan.application);
    if !n.rules.is_empty() {
        let rules = n
            .rules
            .iter()
            .map(|r| policy_network_rule(plan, r))
            .collect();
        out.push(policy_collection(&n.name, n.priority, rules));
    }
    if !a.rules.is_empty() {
        let rules = a.rules.iter().map(|r| policy_app_rule(plan, r)).collect();
        out.push(policy_collection(&a.name, a.priority, rules));
    }
    out
}

const POLICY_USAGE: &[&str] = &[
    "This ARM template creates or replaces ONE rule collection group in an existing Firewall Policy. The group holds exactly the rules below: redeploying replaces its whole content, so use a group dedicated to these rules.",
    "Deploy: az deployment group create --resource-group <policy's resource group> --template-file <this file> --parameters firewallPolicyName=<policy>",
];

fn policy_arm(plan: &Plan) -> Value {
    json!({
        "$schema": arm::SCHEMA,
        "contentVersion": "1.0.0.0",
        "metadata": arm::literals(json!({"header": header_with(plan, POLICY_USAGE)})),
        "parameters": {
            "firewallPolicyName": arm::param("string", "Name of the existing Firewall Policy (in the deployment's resource group).", None),
            "ruleCollectionGroupName": arm::param("string", "Name of the rule collection group these rules own.", Some(json!(arm::literal(&plan.group_name)))),
            "ruleCollectionGroupPriority": priority_param(plan.group_priority),
        },
        "resources": [{
            "type": GROUP_TYPE,
            "apiVersion": API_VERSION,
            "name": "[format('{0}/{1}', parameters('firewallPolicyName'), parameters('ruleCollectionGroupName'))]",
            "properties": {
                "priority": "[parameters('ruleCollectionGroupPriority')]",
                // Data only, as in the classic template's collections: all ARM literals.
                "ruleCollections": arm::literals(json!(policy_collections(plan))),
            },
        }],
    })
}

fn priority_param(default: u32) -> Value {
    let mut v = arm::param(
        "int",
        "Priority of the rule collection group (100-65000, lower first).",
        Some(json!(default)),
    );
    v["minValue"] = json!(100);
    v["maxValue"] = json!(65000);
    v
}

// ---- ARM: classic rules of an existing firewall --------------------------------------------
//
// Classic rules are properties of the `azureFirewalls` resource itself, and ARM deploys a
// resource with PUT: every property the template leaves out is reset. A template holding only
// the rule collections would strip the firewall's IP configurations, DNS proxy settings, NAT
// rules and threat-intelligence mode. Asking for each of those as a parameter invites typos
// that silently reconfigure a production firewall. So the least surprising shape is one
// `existingFirewall` parameter: the firewall exactly as Azure returns it (`az resource show`),
// from which the template copies every property it does not own (ipConfigurations are then
// the firewall's own by construction), and it replaces only the network and application rule
// collections. A firewall managed by a Firewall Policy keeps its `firewallPolicy` reference,
// so Azure refuses the classic rules instead of the deployment detaching the policy.
// Tags cannot be copied: the template schema allows only a literal object there, so the header
// says the deployment may clear them and points at what-if.

const CLASSIC_CARRIED: &[&str] = &[
    "sku",
    "threatIntelMode",
    "additionalProperties",
    "ipConfigurations",
    "managementIpConfiguration",
    "natRuleCollections",
    "firewallPolicy",
    "virtualHub",
    "hubIPAddresses",
    "autoscaleConfiguration",
];

const CLASSIC_USAGE: &[&str] = &[
    "This ARM template updates an EXISTING Azure Firewall with classic rules (not a Firewall Policy). It REPLACES the firewall's network and application rule collections with the ones below: any other network or application collection on that firewall is deleted. Add collections you keep to this file first.",
    "Every other setting (IP configurations, SKU, DNS proxy and other additionalProperties, NAT rules, threat intelligence, zones) is copied from the existingFirewall parameter, which must be the firewall's current definition. Take it right before deploying:",
    "az resource show --resource-group <rg> --name <firewall> --resource-type Microsoft.Network/azureFirewalls --api-version 2024-05-01 > firewall.json",
    "Check with: az deployment group what-if --resource-group <rg> --template-file <this file> --parameters existingFirewall=@firewall.json (then deployment group create with the same arguments).",
    "Tags are NOT carried over (the ARM template schema accepts only literal tags), so the deployment may clear the firewall's tags: what-if shows it; re-apply them afterwards if so.",
    "A firewall that uses a Firewall Policy cannot take classic rules; use the azfw-policy-arm export for it.",
];

/// An expression copying `key` from the existing firewall, or omitting it when absent.
fn carried(path: &str, key: &str) -> Value {
    json!(format!(
        "[if(contains({path}, '{key}'), {path}.{key}, json('null'))]"
    ))
}

fn classic_network_rule(plan: &Plan, r: &NetworkRule) -> Value {
    let field = match r.field {
        DestField::Addresses => "destinationAddresses",
        DestField::Fqdns => "destinationFqdns",
    };
    let mut v = json!({
        "name": r.name,
        "description": r.description,
        "protocols": [r.protocol],
        "sourceAddresses": plan.sources,
        "destinationPorts": r.ports,
    });
    v[field] = json!(r.destinations);
    v
}

fn classic_app_rule(plan: &Plan, r: &AppRule) -> Value {
    json!({
        "name": r.name,
        "description": r.description,
        "protocols": app_protocols_json(r),
        "sourceAddresses": plan.sources,
        "targetFqdns": [r.fqdn],
    })
}

fn classic_collection(name: &str, priority: u32, rules: Vec<Value>) -> Vec<Value> {
    if rules.is_empty() {
        return Vec::new();
    }
    vec![json!({
        "name": name,
        "properties": {"priority": priority, "action": {"type": "Allow"}, "rules": rules},
    })]
}

fn classic_properties(plan: &Plan) -> Value {
    let props = "parameters('existingFirewall').properties";
    let mut p = serde_json::Map::new();
    for key in CLASSIC_CARRIED {
        p.insert(key.to_string(), carried(props, key));
    }
    let (n, a) = (&plan.network, &plan.application);
    let net = n
        .rules
        .iter()
        .map(|r| classic_network_rule(plan, r))
        .collect();
    let app = a.rules.iter().map(|r| classic_app_rule(plan, r)).collect();
    p.insert(
        "networkRuleCollections".into(),
        arm::literals(json!(classic_collection(&n.name, n.priority, net))),
    );
    p.insert(
        "applicationRuleCollections".into(),
        arm::literals(json!(classic_collection(&a.name, a.priority, app))),
    );
    Value::Object(p)
}

fn classic_arm(plan: &Plan) -> Value {
    let fw = "parameters('existingFirewall')";
    json!({
        "$schema": arm::SCHEMA,
        "contentVersion": "1.0.0.0",
        "metadata": arm::literals(json!({"header": header_with(plan, CLASSIC_USAGE)})),
        "parameters": {
            "existingFirewall": arm::param("object", "The firewall's current definition, exactly as 'az resource show --resource-type Microsoft.Network/azureFirewalls' prints it. Everything but its network and application rule collections is deployed unchanged.", None),
            "firewallName": arm::param("string", "Leave unset: the name of existingFirewall.", Some(json!(format!("[{fw}.name]")))),
            "location": arm::param("string", "Leave unset: the location of existingFirewall.", Some(json!(format!("[{fw}.location]")))),
        },
        "resources": [{
            "type": "Microsoft.Network/azureFirewalls",
            "apiVersion": API_VERSION,
            "name": "[parameters('firewallName')]",
            "location": "[parameters('location')]",
            "zones": carried(fw, "zones"),
            "properties": classic_properties(plan),
        }],
    })
}

// ---- Bicep ---------------------------------------------------------------------------------

/// Appends `key: [` one quoted item per line `]` at `indent` spaces.
fn bicep_list(out: &mut String, indent: usize, key: &str, items: &[String]) {
    let pad = " ".repeat(indent);
    let _ = writeln!(out, "{pad}{key}: [");
    for i in items {
        let _ = writeln!(out, "{pad}  {}", bicep_string(i));
    }
    let _ = writeln!(out, "{pad}]");
}

fn bicep_network_rule(out: &mut String, plan: &Plan, r: &NetworkRule) {
    let pad = " ".repeat(10);
    let _ = writeln!(out, "{pad}{{\n{pad}  ruleType: 'NetworkRule'");
    let _ = writeln!(out, "{pad}  name: {}", bicep_string(&r.name));
    let _ = writeln!(out, "{pad}  description: {}", bicep_string(&r.description));
    bicep_list(out, 12, "ipProtocols", &[r.protocol.to_string()]);
    bicep_list(out, 12, "sourceAddresses", &plan.sources);
    let field = match r.field {
        DestField::Addresses => "destinationAddresses",
        DestField::Fqdns => "destinationFqdns",
    };
    bicep_list(out, 12, field, &r.destinations);
    bicep_list(out, 12, "destinationPorts", &r.ports);
    let _ = writeln!(out, "{pad}}}");
}

fn bicep_app_rule(out: &mut String, plan: &Plan, r: &AppRule) {
    let pad = " ".repeat(10);
    let _ = writeln!(out, "{pad}{{\n{pad}  ruleType: 'ApplicationRule'");
    let _ = writeln!(out, "{pad}  name: {}", bicep_string(&r.name));
    let _ = writeln!(out, "{pad}  description: {}", bicep_string(&r.description));
    let _ = writeln!(out, "{pad}  protocols: [");
    for (t, p) in &r.protocols {
        let _ = writeln!(
            out,
            "{pad}    {{\n{pad}      protocolType: '{t}'\n{pad}      port: {p}\n{pad}    }}"
        );
    }
    let _ = writeln!(out, "{pad}  ]");
    bicep_list(out, 12, "sourceAddresses", &plan.sources);
    bicep_list(out, 12, "targetFqdns", std::slice::from_ref(&r.fqdn));
    let _ = writeln!(out, "{pad}}}");
}

fn bicep_collection<R>(out: &mut String, c: &Collection<R>, rule: impl Fn(&mut String, &R)) {
    if c.rules.is_empty() {
        return;
    }
    let pad = " ".repeat(6);
    let _ = writeln!(
        out,
        "{pad}{{\n{pad}  ruleCollectionType: 'FirewallPolicyFilterRuleCollection'"
    );
    let _ = writeln!(
        out,
        "{pad}  name: {}\n{pad}  priority: {}",
        bicep_string(&c.name),
        c.priority
    );
    let _ = writeln!(
        out,
        "{pad}  action: {{\n{pad}    type: 'Allow'\n{pad}  }}\n{pad}  rules: ["
    );
    for r in &c.rules {
        rule(out, r);
    }
    let _ = writeln!(out, "{pad}  ]\n{pad}}}");
}

const BICEP_USAGE: &[&str] = &[
    "This Bicep file creates or replaces ONE rule collection group in an existing Firewall Policy. The group holds exactly the rules below: redeploying replaces its whole content, so use a group dedicated to these rules.",
    "Deploy: az deployment group create --resource-group <policy's resource group> --template-file <this file> --parameters firewallPolicyName=<policy>",
];

fn bicep_text(plan: &Plan) -> String {
    let mut out = comment_block("//", &header_with(plan, BICEP_USAGE));
    out.push_str("\n@description('Name of the existing Firewall Policy (in the resource group of the deployment).')\nparam firewallPolicyName string\n\n");
    let _ = writeln!(out, "@description('Name of the rule collection group these rules own.')\nparam ruleCollectionGroupName string = {}\n", bicep_string(&plan.group_name));
    let _ = writeln!(out, "@description('Priority of the rule collection group (100-65000, lower first).')\n@minValue(100)\n@maxValue(65000)\nparam ruleCollectionGroupPriority int = {}\n", plan.group_priority);
    out.push_str("resource firewallPolicy 'Microsoft.Network/firewallPolicies@2024-05-01' existing = {\n  name: firewallPolicyName\n}\n\n");
    let _ = writeln!(
        out,
        "resource ruleCollectionGroup '{GROUP_TYPE}@{API_VERSION}' = {{"
    );
    out.push_str("  parent: firewallPolicy\n  name: ruleCollectionGroupName\n  properties: {\n    priority: ruleCollectionGroupPriority\n    ruleCollections: [\n");
    bicep_collection(&mut out, &plan.network, |o, r| {
        bicep_network_rule(o, plan, r)
    });
    bicep_collection(&mut out, &plan.application, |o, r| {
        bicep_app_rule(o, plan, r)
    });
    out.push_str("    ]\n  }\n}\n");
    out
}

// ---- Terraform -----------------------------------------------------------------------------

fn tf_network_rule(out: &mut String, plan: &Plan, r: &NetworkRule) {
    let field = match r.field {
        DestField::Addresses => "destination_addresses",
        DestField::Fqdns => "destination_fqdns",
    };
    out.push_str("\n    rule {\n");
    out.push_str(&hcl::attrs(
        6,
        &[
            ("name", hcl_string(&r.name)),
            ("description", hcl_string(&r.description)),
            ("protocols", hcl::list(&[r.protocol.to_string()])),
            ("source_addresses", hcl::list(&plan.sources)),
            (field, hcl::list(&r.destinations)),
            ("destination_ports", hcl::list(&r.ports)),
        ],
    ));
    out.push_str("    }\n");
}

fn tf_app_rule(out: &mut String, plan: &Plan, r: &AppRule) {
    out.push_str("\n    rule {\n");
    out.push_str(&hcl::attrs(
        6,
        &[
            ("name", hcl_string(&r.name)),
            ("description", hcl_string(&r.description)),
            ("source_addresses", hcl::list(&plan.sources)),
            (
                "destination_fqdns",
                hcl::list(std::slice::from_ref(&r.fqdn)),
            ),
        ],
    ));
    for (t, p) in &r.protocols {
        let _ = writeln!(
            out,
            "\n      protocols {{\n        type = \"{t}\"\n        port = {p}\n      }}"
        );
    }
    out.push_str("    }\n");
}

fn tf_collection<R>(
    out: &mut String,
    block: &str,
    c: &Collection<R>,
    rule: impl Fn(&mut String, &R),
) {
    if c.rules.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n  {block} {{");
    out.push_str(&hcl::attrs(
        4,
        &[
            ("name", hcl_string(&c.name)),
            ("priority", c.priority.to_string()),
            ("action", "\"Allow\"".to_string()),
        ],
    ));
    for r in &c.rules {
        rule(out, r);
    }
    out.push_str("  }\n");
}

/// A Terraform identifier from the name prefix (letters, digits, `_`, `-`; no digit first).
fn tf_label(prefix: &str) -> String {
    let mut s: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        s.insert_str(0, "aml_");
    }
    s.push_str("_rules");
    s
}

const TF_USAGE: &[&str] = &[
    super::AZURERM_VERSIONS,
    "This Terraform file (the azurerm provider is declared in your root module) manages ONE rule collection group in an existing Firewall Policy. Terraform owns the group's whole content: rules added to it by hand are removed on the next apply.",
    "Set var.firewall_policy_id to the policy's resource ID.",
];

fn terraform_text(plan: &Plan, prefix: &str) -> String {
    let mut out = comment_block("#", &header_with(plan, TF_USAGE));
    out.push_str("\nvariable \"firewall_policy_id\" {\n");
    out.push_str(&hcl::attrs(
        2,
        &[
            ("type", "string".into()),
            (
                "description",
                hcl_string("Resource ID of the existing Firewall Policy."),
            ),
        ],
    ));
    out.push_str("}\n\nvariable \"rule_collection_group_priority\" {\n");
    out.push_str(&hcl::attrs(
        2,
        &[
            ("type", "number".into()),
            ("default", plan.group_priority.to_string()),
            (
                "description",
                hcl_string("Priority of the rule collection group (100-65000, lower first)."),
            ),
        ],
    ));
    // Checked at plan time, as the ARM and Bicep parameters check it, instead of by Azure
    // half-way through an apply.
    out.push_str("\n  validation {\n");
    out.push_str(&hcl::attrs(
        4,
        &[
            (
                "condition",
                "var.rule_collection_group_priority >= 100 && var.rule_collection_group_priority <= 65000 && floor(var.rule_collection_group_priority) == var.rule_collection_group_priority".into(),
            ),
            (
                "error_message",
                hcl_string("The rule collection group priority must be a whole number from 100 to 65000."),
            ),
        ],
    ));
    out.push_str("  }\n");
    let _ = writeln!(
        out,
        "}}\n\nresource \"azurerm_firewall_policy_rule_collection_group\" {} {{",
        hcl_string(&tf_label(prefix))
    );
    out.push_str(&hcl::attrs(
        2,
        &[
            ("name", hcl_string(&plan.group_name)),
            ("firewall_policy_id", "var.firewall_policy_id".into()),
            ("priority", "var.rule_collection_group_priority".into()),
        ],
    ));
    tf_collection(
        &mut out,
        "network_rule_collection",
        &plan.network,
        |o, r| tf_network_rule(o, plan, r),
    );
    tf_collection(
        &mut out,
        "application_rule_collection",
        &plan.application,
        |o, r| tf_app_rule(o, plan, r),
    );
    out.push_str("}\n");
    out
}

// ---- az CLI --------------------------------------------------------------------------------

const AZ_GROUP: &str = "az network firewall policy rule-collection-group";
const CLI_USAGE: &[&str] = &[
    "This bash script creates ONE rule collection group in an existing Firewall Policy and adds the rules below, one command per rule. Creating the group replaces a group of the same name, so point GROUP at a group dedicated to these rules.",
    "Needs Azure CLI with the azure-firewall extension (az extension add --name azure-firewall) and a login with rights on the policy.",
    "Usage: RG=<policy's resource group> POLICY=<policy name> [GROUP=<group name>] [PRIORITY=<100-65000>] bash <this file>",
];

/// What the script header says about how it applies the rules (with the call count).
fn cli_not_atomic(calls: usize) -> String {
    format!(
        "NOT ATOMIC: the script makes {calls} az calls (the group, then one per rule; each collection is created with its first rule). Each call rewrites the whole group, so if one fails, the calls before it stay applied and the group holds a PARTIAL allow-list; the script then stops and says which rule failed and how many calls were applied. For one all-or-nothing deployment use the azfw-policy-arm or azfw-bicep export."
    )
}

/// `--flag v1 v2 ...` as one line of the command, every value shell-quoted.
fn flag(words: &mut Vec<String>, name: &str, values: &[String]) {
    let quoted: Vec<String> = values.iter().map(|v| sh_quote(v)).collect();
    words.push(format!("{name} {}", quoted.join(" ")));
}

/// The words every collection/rule command starts with (our own variables, double-quoted).
fn cli_target(sub: &str) -> Vec<String> {
    vec![
        format!("{AZ_GROUP} {sub}"),
        "--resource-group \"$RG\"".into(),
        "--policy-name \"$POLICY\"".into(),
        "--rule-collection-group-name \"$GROUP\"".into(),
    ]
}

/// The first rule of a collection creates it; the others are added to it.
fn cli_rule_head<R>(
    c: &Collection<R>,
    first: bool,
    rule_type: &str,
    rule_name: &str,
) -> Vec<String> {
    let mut w;
    if first {
        w = cli_target("collection add-filter-collection");
        flag(&mut w, "--name", std::slice::from_ref(&c.name));
        flag(&mut w, "--collection-priority", &[c.priority.to_string()]);
        flag(&mut w, "--action", &["Allow".into()]);
        flag(&mut w, "--rule-name", &[rule_name.to_string()]);
    } else {
        w = cli_target("collection rule add");
        flag(&mut w, "--collection-name", std::slice::from_ref(&c.name));
        flag(&mut w, "--name", &[rule_name.to_string()]);
    }
    flag(&mut w, "--rule-type", &[rule_type.to_string()]);
    w
}

fn cli_network(plan: &Plan, r: &NetworkRule, first: bool) -> Vec<String> {
    let mut w = cli_rule_head(&plan.network, first, "NetworkRule", &r.name);
    flag(
        &mut w,
        "--description",
        std::slice::from_ref(&r.description),
    );
    flag(&mut w, "--ip-protocols", &[r.protocol.to_string()]);
    flag(&mut w, "--source-addresses", &plan.sources);
    let field = match r.field {
        DestField::Addresses => "--destination-addresses",
        DestField::Fqdns => "--destination-fqdns",
    };
    flag(&mut w, field, &r.destinations);
    flag(&mut w, "--destination-ports", &r.ports);
    w
}

fn cli_app(plan: &Plan, r: &AppRule, first: bool) -> Vec<String> {
    let mut w = cli_rule_head(&plan.application, first, "ApplicationRule", &r.name);
    flag(
        &mut w,
        "--description",
        std::slice::from_ref(&r.description),
    );
    let protocols: Vec<String> = r
        .protocols
        .iter()
        .map(|(t, p)| format!("{t}={p}"))
        .collect();
    flag(&mut w, "--protocols", &protocols);
    flag(&mut w, "--source-addresses", &plan.sources);
    flag(&mut w, "--target-fqdns", std::slice::from_ref(&r.fqdn));
    w
}

/// One az call: its comment, the progress line naming it, then the command.
fn cli_command(out: &mut String, comment: &str, step: &str, words: &[String]) {
    out.push('\n');
    out.push_str(&comment_block("#", &[comment.to_string()]));
    let _ = writeln!(out, "step {}", sh_quote(step));
    out.push_str(&words.join(" \\\n  "));
    out.push('\n');
}

/// Progress on stderr and, when a call fails, which one and what was applied before it.
const CLI_PROGRESS: &str = r#"CALL=0
CURRENT="(none)"
step() {
  CALL=$((CALL + 1))
  CURRENT="$1"
  echo "[$CALL/$TOTAL] $CURRENT" >&2
}
on_failure() {
  echo "amlfw: FAILED at az call $CALL of $TOTAL: $CURRENT" >&2
  if [ "$CALL" -gt 1 ]; then
    echo "amlfw: calls 1-$((CALL - 1)) were applied: rule collection group '$GROUP' now holds a PARTIAL allow-list." >&2
  else
    echo "amlfw: nothing was applied." >&2
  fi
  echo "amlfw: fix the cause, then run this script again, or deploy the azfw-policy-arm/azfw-bicep export (one atomic deployment)." >&2
}
trap on_failure ERR
"#;

fn cli_text(plan: &Plan) -> String {
    let calls = 1 + plan.network.rules.len() + plan.application.rules.len();
    let mut usage: Vec<String> = CLI_USAGE.iter().map(|s| s.to_string()).collect();
    usage.push(cli_not_atomic(calls));
    let usage: Vec<&str> = usage.iter().map(String::as_str).collect();
    let mut out = String::from("#!/usr/bin/env bash\n");
    // Values are single-quoted on purpose: `$(...)` inside them must stay text.
    out.push_str("# shellcheck disable=SC2016\n");
    out.push_str(&comment_block("#", &header_with(plan, &usage)));
    out.push_str("\nset -euo pipefail\n\n");
    let _ = writeln!(
        out,
        "DEFAULT_GROUP={}\nDEFAULT_PRIORITY={}",
        sh_quote(&plan.group_name),
        sh_quote(&plan.group_priority.to_string())
    );
    out.push_str("RG=\"${RG:-}\"\nPOLICY=\"${POLICY:-}\"\nGROUP=\"${GROUP:-$DEFAULT_GROUP}\"\nPRIORITY=\"${PRIORITY:-$DEFAULT_PRIORITY}\"\n");
    out.push_str("if [ -z \"$RG\" ] || [ -z \"$POLICY\" ]; then\n  echo \"set RG (resource group) and POLICY (Firewall Policy name), e.g. RG=my-rg POLICY=my-policy bash $0\" >&2\n  exit 2\nfi\n");
    let create = vec![
        format!("{AZ_GROUP} create"),
        "--resource-group \"$RG\"".into(),
        "--policy-name \"$POLICY\"".into(),
        "--name \"$GROUP\"".into(),
        "--priority \"$PRIORITY\"".into(),
    ];
    let _ = writeln!(out, "TOTAL={calls}");
    out.push_str(CLI_PROGRESS);
    cli_command(
        &mut out,
        "The rule collection group.",
        "rule collection group (create or replace)",
        &create,
    );
    for (i, r) in plan.network.rules.iter().enumerate() {
        let step = format!("network rule {}", r.name);
        cli_command(
            &mut out,
            &r.description,
            &step,
            &cli_network(plan, r, i == 0),
        );
    }
    for (i, r) in plan.application.rules.iter().enumerate() {
        let step = format!("application rule {}", r.name);
        cli_command(&mut out, &r.description, &step, &cli_app(plan, r, i == 0));
    }
    out.push_str("\ntrap - ERR\necho \"amlfw: done: $TOTAL az calls applied to rule collection group '$GROUP'.\" >&2\n");
    out
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

macro_rules! target {
    ($ty:ident, $id:literal, $name:literal, $ext:literal, $can:expr, $render:expr) => {
        pub struct $ty;

        impl Exporter for $ty {
            fn target(&self) -> &'static Target {
                &Target {
                    id: $id,
                    name: $name,
                    family: Family::AzureFirewall,
                    extension: $ext,
                    can: $can,
                    cannot: CANNOT,
                    tags_use: TagsUse::Optional,
                    expresses: EXPRESSES,
                }
            }
            fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
                let plan = build_plan(rules, self, opts)?;
                let render: fn(&Plan, &RuleSet) -> String = $render;
                let text = render(&plan, rules);
                Ok(export(&plan, text))
            }
        }
    };
}

target!(
    PolicyArm,
    "azfw-policy-arm",
    "Azure Firewall Policy rule collection group (ARM template)",
    "json",
    CAN,
    |p, _| pretty(&policy_arm(p))
);
target!(ClassicArm, "azfw-classic-arm", "Azure Firewall classic rules of an existing firewall (ARM template)", "json",
    "the same rules as classic network and application rule collections of an existing firewall (replaces its collections; copies its other settings)",
    |p, _| pretty(&classic_arm(p)));
target!(
    PolicyBicep,
    "azfw-bicep",
    "Azure Firewall Policy rule collection group (Bicep)",
    "bicep",
    CAN,
    |p, _| bicep_text(p)
);
target!(
    PolicyTerraform,
    "azfw-terraform",
    "Azure Firewall Policy rule collection group (Terraform azurerm)",
    "tf",
    CAN,
    |p, rs| terraform_text(p, &rs.settings.name_prefix)
);
target!(
    PolicyCli,
    "azfw-cli",
    "Azure Firewall Policy rule collection group (az CLI script)",
    "sh",
    CAN,
    |p, _| cli_text(p)
);

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
