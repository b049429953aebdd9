//! Writes a generated Azure Firewall Policy of 10,000 rules (the JSON `az network firewall
//! policy rule-collection-group list` prints) for the audit benchmark:
//! `cargo run --release --example audit_policy -- policy.json profile.toml` (see scripts/bench-audit.sh).
//!
//! The policy holds amlfw's own rules for the largest public profile (eastus2, every feature
//! but aks-private, sources 10.0.1.0/24 and 10.0.2.0/24, DNS proxy on), after 10,000 other
//! rules in collections of lower priority numbers, so the audit goes through all of them for
//! every requirement. Writes the profile's TOML too (`amlfw audit --profile-file`).

use serde_json::{json, Value};

/// The largest public profile (as `tests/common::largest_profile`): every feature but
/// aks-private, every option given, DNS proxy on.
pub fn largest_profile(catalog: &amlfw::Catalog) -> amlfw::Profile {
    let mut p = amlfw::Profile::new(amlfw::Cloud::Public, "eastus2");
    p.features = catalog
        .features
        .iter()
        .map(|f| f.id.clone())
        .filter(|f| f != "aks-private")
        .collect();
    p.storage_account = Some("amlstore01".into());
    p.acr_name = Some("amlacr01".into());
    p.sources = vec!["10.0.1.0/24".into(), "10.0.2.0/24".into()];
    p.aks_dns_servers = vec!["10.0.0.4".into()];
    p.dns_proxy = true;
    p.validate(catalog).expect("the benchmark profile is valid");
    p
}

/// amlfw's own rule collection group for the rule set, as `az` prints it.
pub fn amlfw_group(rs: &amlfw::RuleSet) -> Value {
    let export = amlfw::export::find("azfw-policy-arm")
        .expect("target")
        .render(rs, &amlfw::export::ExportOptions::default())
        .expect("renders");
    let doc: Value = serde_json::from_str(&export.text).expect("JSON");
    json!({"name": "amlfw-rules", "priority": 60000,
        "type": "Microsoft.Network/FirewallPolicies/RuleCollectionGroups",
        "ruleCollections": doc["resources"][0]["properties"]["ruleCollections"]})
}

fn network_rule(i: usize) -> Value {
    json!({"ruleType": "NetworkRule", "name": format!("net-{i:05}"), "ipProtocols": ["TCP"],
           "sourceAddresses": ["10.0.0.0/16"], "sourceIpGroups": [],
           "destinationAddresses": [format!("192.{}.{}.0/24", 168 + i / 65536 % 2, i / 256 % 256)],
           "destinationIpGroups": [], "destinationFqdns": [],
           "destinationPorts": [format!("{}", 1024 + i % 50000)]})
}

fn app_rule(i: usize) -> Value {
    json!({"ruleType": "ApplicationRule", "name": format!("app-{i:05}"),
           "protocols": [{"protocolType": "Https", "port": 443}],
           "sourceAddresses": ["10.0.0.0/16"], "sourceIpGroups": [],
           "targetFqdns": [format!("host{i}.contoso{}.example", i % 97)], "fqdnTags": [],
           "targetUrls": [], "terminateTLS": false, "webCategories": []})
}

fn group(name: &str, priority: u32, collections: Vec<Value>) -> Value {
    json!({"name": name, "priority": priority, "provisioningState": "Succeeded",
           "type": "Microsoft.Network/FirewallPolicies/RuleCollectionGroups",
           "ruleCollections": collections})
}

/// The policy: 5,000 network and 5,000 application filler rules in 100 collections, then
/// `amlfw_group` (amlfw's own rule collection group for the profile, as ARM GET shapes it).
pub fn policy(amlfw_group: &Value, rules: usize) -> Value {
    let per = 100;
    let mut colls = Vec::new();
    for c in 0..rules / per {
        let kind_app = c % 2 == 1;
        let rs: Vec<Value> = (c * per..(c + 1) * per)
            .map(|i| {
                if kind_app {
                    app_rule(i)
                } else {
                    network_rule(i)
                }
            })
            .collect();
        colls.push(
            json!({"ruleCollectionType": "FirewallPolicyFilterRuleCollection",
            "name": format!("filler-{c:03}"), "priority": 100 + c, "action": {"type": "Allow"},
            "rules": rs}),
        );
    }
    let mut own = amlfw_group.clone();
    own["priority"] = json!(60000);
    json!([group("filler", 100, colls), own])
}

#[allow(dead_code)]
fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(out), Some(profile_out)) = (args.next(), args.next()) else {
        eprintln!("usage: audit_policy POLICY.json PROFILE.toml");
        std::process::exit(2);
    };
    let catalog = amlfw::Catalog::builtin();
    let profile = largest_profile(&catalog);
    let rs = amlfw::resolve(&catalog, &profile).expect("resolves");
    let policy = policy(&amlfw_group(&rs), 10_000);
    std::fs::write(&out, serde_json::to_string_pretty(&policy).expect("JSON")).expect("write");
    std::fs::write(&profile_out, profile.to_toml()).expect("write");
    eprintln!("wrote {out} and {profile_out}");
}
