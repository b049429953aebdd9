//! `amlfw audit` as a library: coverage semantics one by one, the round trip of amlfw's own
//! Azure exports, and the mutations the audit must find.

mod cli;
#[path = "../common/mod.rs"]
mod common;
mod rest_examples;
mod roundtrip;
mod sarif;
mod semantics;

use amlfw::audit::{self, AuditOptions, Network, Report, Status};
use amlfw::rules::RuleSet;
use amlfw::servicetags::TagIndex;
use serde_json::{json, Value};

// ---- helpers -------------------------------------------------------------------------------

/// eastus2 with a compute cluster; sources given so that source checks bite.
pub fn small() -> RuleSet {
    common::rules(
        "schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nfeatures = [\"compute-cluster\"]\nsources = [\"10.0.1.0/24\"]\n",
    )
}

pub fn run(rs: &RuleSet, files: &[(&str, String)], tags: Option<&TagIndex>) -> Report {
    let mut net = Network::default();
    for (name, text) in files {
        net.merge(audit::parse(name, text).unwrap_or_else(|e| panic!("{e}")));
    }
    audit::audit(rs, &net, &AuditOptions { service_tags: tags })
}

pub fn status(r: &Report, id: &str) -> Status {
    r.requirements
        .iter()
        .find(|q| q.requirement.id == id)
        .unwrap_or_else(|| panic!("no requirement {id}"))
        .status
}

pub fn codes<'r>(r: &'r Report, code: &str) -> Vec<&'r audit::Finding> {
    r.findings.iter().filter(|f| f.code == code).collect()
}

pub fn net_rule(name: &str, protos: &[&str], dst: &[&str], ports: &[&str], src: &[&str]) -> Value {
    json!({"ruleType": "NetworkRule", "name": name, "ipProtocols": protos, "sourceAddresses": src,
           "destinationAddresses": dst, "destinationPorts": ports})
}

pub fn fqdn_net_rule(name: &str, fqdns: &[&str], ports: &[&str]) -> Value {
    json!({"ruleType": "NetworkRule", "name": name, "ipProtocols": ["TCP"], "sourceAddresses": ["*"],
           "destinationFqdns": fqdns, "destinationPorts": ports})
}

pub fn app_rule(name: &str, fqdns: &[&str], protos: &[(&str, u16)], src: &[&str]) -> Value {
    let p: Vec<Value> = protos
        .iter()
        .map(|(t, n)| json!({"protocolType": t, "port": n}))
        .collect();
    json!({"ruleType": "ApplicationRule", "name": name, "protocols": p, "sourceAddresses": src,
           "targetFqdns": fqdns})
}

pub fn coll(name: &str, prio: u32, action: &str, rules: Vec<Value>) -> Value {
    json!({"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": name,
           "priority": prio, "action": {"type": action}, "rules": rules})
}

/// One rule collection group, as the ARM GET response shapes it.
pub fn group(name: &str, prio: u32, collections: Vec<Value>) -> String {
    json!({"type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
           "name": format!("pol/{name}"), "properties": {"priority": prio, "ruleCollections": collections}})
    .to_string()
}

pub fn policy(dns_proxy: bool) -> String {
    json!({"type": "Microsoft.Network/firewallPolicies", "name": "pol",
           "properties": {"dnsSettings": {"enableProxy": dns_proxy}}})
    .to_string()
}

pub fn sec(
    name: &str,
    prio: u32,
    dir: &str,
    access: &str,
    src: &str,
    dst: &str,
    ports: &str,
) -> Value {
    json!({"name": name, "properties": {"priority": prio, "direction": dir, "access": access,
           "protocol": "Tcp", "sourceAddressPrefix": src, "sourcePortRange": "*",
           "destinationAddressPrefix": dst, "destinationPortRange": ports}})
}

pub fn nsg(rules: Vec<Value>) -> String {
    json!({"type": "Microsoft.Network/networkSecurityGroups", "name": "nsg",
           "properties": {"securityRules": rules}})
    .to_string()
}

pub const SRC: &[&str] = &["10.0.1.0/24"];

pub fn one_group(rules: Vec<Value>) -> Vec<(&'static str, String)> {
    vec![(
        "fw.json",
        group("g", 100, vec![coll("c", 100, "Allow", rules)]),
    )]
}
