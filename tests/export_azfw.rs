//! Azure Firewall exporters: schema validity, external parsers, every rule present (checked by
//! parsing each output), hostile values kept inert, determinism and golden files.
mod common;

use amlfw::export::naming::{azure_name, is_valid_azure_name};
use amlfw::rules::RuleSet;
use amlfw::{Kind, PortRange, PortSpec, Protocol};
use common::{Field, Pick};
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

const TARGETS: [&str; 5] = [
    "azfw-policy-arm",
    "azfw-classic-arm",
    "azfw-bicep",
    "azfw-terraform",
    "azfw-cli",
];
const GROUP_TYPE: &str = "Microsoft.Network/firewallPolicies/ruleCollectionGroups";
const TF_TYPE: &str = "azurerm_firewall_policy_rule_collection_group";

fn text(target: &str, rs: &RuleSet) -> String {
    common::render(target, rs).text
}

// ---- the expected rules, computed from the rule set ------------------------------------------

/// One firewall rule reduced to what must match: network or application, destination field,
/// destination, protocols (`TCP` / `Https:443`), ports, sources.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    app: bool,
    field: String,
    dest: String,
    protocols: Vec<String>,
    ports: Vec<String>,
    sources: Vec<String>,
}

/// A rule as parsed back from an output.
#[derive(Debug, Clone)]
struct Parsed {
    name: String,
    description: String,
    row: Row,
}

fn is_ip(s: &str) -> bool {
    s.parse::<std::net::IpAddr>().is_ok() || s.parse::<ipnet::IpNet>().is_ok()
}

fn sources_of(rs: &RuleSet) -> Vec<String> {
    let s: Vec<String> = rs.settings.sources.iter().map(|n| n.to_string()).collect();
    if s.is_empty() {
        vec!["*".into()]
    } else {
        s
    }
}

fn transport(p: &PortSpec) -> &'static str {
    match p.protocol {
        Protocol::Udp => "UDP",
        Protocol::Any => "Any",
        _ => "TCP",
    }
}

fn network_rows(r: &amlfw::Rule, sources: &[String]) -> Vec<Row> {
    let field = if r.kind == Kind::ServiceTag || is_ip(&r.remote) {
        "addresses"
    } else {
        "fqdns"
    };
    let protos: BTreeSet<&str> = r.ports.iter().map(transport).collect();
    protos
        .into_iter()
        .map(|proto| {
            let mut ports: Vec<String> = r
                .ports
                .iter()
                .filter(|p| transport(p) == proto)
                .map(|p| p.ports.to_string())
                .collect();
            if ports.iter().any(|p| p == "*") {
                ports = vec!["*".into()];
            }
            ports.sort();
            ports.dedup();
            Row {
                app: false,
                field: field.into(),
                dest: r.remote.to_string(),
                protocols: vec![proto.into()],
                ports,
                sources: sources.to_vec(),
            }
        })
        .collect()
}

fn app_row(r: &amlfw::Rule, sources: &[String]) -> Row {
    let mut protocols: Vec<String> = r
        .ports
        .iter()
        .map(|p| {
            let t = if p.protocol == Protocol::Http {
                "Http"
            } else {
                "Https"
            };
            match p.ports {
                PortRange::Single(n) => format!("{t}:{n}"),
                other => panic!("application port {other}"),
            }
        })
        .collect();
    protocols.sort();
    Row {
        app: true,
        field: "fqdns".into(),
        dest: r.remote.to_string(),
        protocols,
        ports: vec![],
        sources: sources.to_vec(),
    }
}

/// Whether Azure accepts `r` in a Firewall Policy as exported: a host-name network rule needs
/// DNS proxy, and a tag must be an Azure Firewall tag by Microsoft's data (unless the document
/// itself puts it there).
fn deployable(rs: &RuleSet, r: &amlfw::Rule) -> bool {
    use amlfw::servicetags::features::{builtin_features, is_nsg_only, NetworkFeature};
    match r.kind {
        Kind::Network => is_ip(&r.remote) || rs.settings.dns_proxy,
        // VirtualNetwork (2026-03, private endpoints) is an NSG-only tag.
        Kind::ServiceTag if is_nsg_only(&r.remote) => false,
        Kind::ServiceTag => {
            r.tag_in_document_targets
                || builtin_features(rs.settings.cloud, &r.remote)
                    .is_none_or(|f| f.has(NetworkFeature::Fw))
        }
        _ => true,
    }
}

fn expected(rs: &RuleSet) -> Vec<Row> {
    let sources = sources_of(rs);
    let mut out = Vec::new();
    for r in rs.rules.iter().filter(|r| deployable(rs, r)) {
        match r.kind {
            Kind::ServiceTag | Kind::Network => out.extend(network_rows(r, &sources)),
            Kind::FqdnApp => out.push(app_row(r, &sources)),
            Kind::Inbound | Kind::Route => {}
        }
    }
    out.sort();
    out
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

// ---- ARM parsing ------------------------------------------------------------------------------

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn arm_rule(rule: &Value, proto_key: &str) -> Parsed {
    let app = rule.get("targetFqdns").is_some();
    let (field, dest) = if app {
        ("fqdns", strs(&rule["targetFqdns"]))
    } else if let Some(f) = rule.get("destinationFqdns") {
        ("fqdns", strs(f))
    } else {
        ("addresses", strs(&rule["destinationAddresses"]))
    };
    assert_eq!(dest.len(), 1, "{rule}");
    let protocols = if app {
        rule["protocols"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| format!("{}:{}", p["protocolType"].as_str().unwrap(), p["port"]))
            .collect()
    } else {
        strs(&rule[proto_key])
    };
    Parsed {
        name: rule["name"].as_str().unwrap().into(),
        description: rule["description"].as_str().unwrap().into(),
        row: Row {
            app,
            field: field.into(),
            dest: dest[0].clone(),
            protocols: sorted(protocols),
            ports: sorted(strs(&rule["destinationPorts"])),
            sources: strs(&rule["sourceAddresses"]),
        },
    }
}

fn policy_rules(t: &Value) -> Vec<Parsed> {
    let res = &common::arm_resources_of(t, GROUP_TYPE, "azfw-policy-arm")[0];
    let mut out = Vec::new();
    for c in res["properties"]["ruleCollections"].as_array().unwrap() {
        assert_eq!(
            c["ruleCollectionType"],
            "FirewallPolicyFilterRuleCollection"
        );
        assert_eq!(c["action"]["type"], "Allow");
        for r in c["rules"].as_array().unwrap() {
            let p = arm_rule(r, "ipProtocols");
            let want = if p.row.app {
                "ApplicationRule"
            } else {
                "NetworkRule"
            };
            assert_eq!(r["ruleType"], want);
            out.push(p);
        }
    }
    out
}

fn classic_rules(t: &Value) -> Vec<Parsed> {
    let ty = "Microsoft.Network/azureFirewalls";
    let res = &common::arm_resources_of(t, ty, "azfw-classic-arm")[0];
    let mut out = Vec::new();
    for key in ["networkRuleCollections", "applicationRuleCollections"] {
        for c in res["properties"][key].as_array().unwrap() {
            assert_eq!(c["properties"]["action"]["type"], "Allow");
            for r in c["properties"]["rules"].as_array().unwrap() {
                let p = arm_rule(r, "protocols");
                assert_eq!(p.row.app, key == "applicationRuleCollections");
                out.push(p);
            }
        }
    }
    out
}

fn arm_priorities(t: &Value) -> Vec<u64> {
    let res = &common::arm_resources(t)[0];
    let mut out: Vec<u64> = Vec::new();
    if let Some(cs) = res["properties"]["ruleCollections"].as_array() {
        out.extend(cs.iter().map(|c| c["priority"].as_u64().unwrap()));
        out.push(
            t["parameters"]["ruleCollectionGroupPriority"]["defaultValue"]
                .as_u64()
                .unwrap(),
        );
    }
    for key in ["networkRuleCollections", "applicationRuleCollections"] {
        if let Some(cs) = res["properties"][key].as_array() {
            out.extend(
                cs.iter()
                    .map(|c| c["properties"]["priority"].as_u64().unwrap()),
            );
        }
    }
    out
}

// ---- HCL (python-hcl2 keeps string tokens as written) -----------------------------------------

/// A quoted HCL string token back to its value: the JSON escapes hcl_string uses, and the
/// `$${` / `%%{` escapes of interpolation and directives.
fn hcl_value(token: &str) -> String {
    let inner = token
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or_else(|| panic!("not a quoted HCL string: {token}"));
    let unescaped = inner.replace("$${", "${").replace("%%{", "%{");
    serde_json::from_str(&format!("\"{unescaped}\"")).unwrap_or_else(|e| panic!("{token}: {e}"))
}

/// The `azurerm_firewall_policy_rule_collection_group` body (after checking the type).
fn tf_group(doc: &Value) -> &Value {
    let res = doc["resource"].as_array().expect("a resource block");
    assert_eq!(res.len(), 1);
    let by_type = res[0].as_object().unwrap();
    let (ty, labelled) = by_type.iter().next().unwrap();
    assert_eq!(hcl_value(ty), TF_TYPE);
    labelled.as_object().unwrap().values().next().unwrap()
}

fn tf_rules(doc: &Value) -> Vec<Parsed> {
    let g = tf_group(doc);
    assert_eq!(g["firewall_policy_id"], "${var.firewall_policy_id}");
    assert_eq!(g["priority"], "${var.rule_collection_group_priority}");
    let mut out = Vec::new();
    for (block, app) in [
        ("network_rule_collection", false),
        ("application_rule_collection", true),
    ] {
        for c in g.get(block).and_then(Value::as_array).into_iter().flatten() {
            assert_eq!(hcl_value(c["action"].as_str().unwrap()), "Allow");
            let p = c["priority"].as_u64().unwrap();
            assert!((100..=65000).contains(&p));
            out.extend(
                c["rule"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| TF.rule(r, app)),
            );
        }
    }
    out
}

// ---- Bicep (pycep keeps string contents as written) -------------------------------------------

/// Bicep string contents back to the value.
fn bicep_value(raw: &str) -> String {
    let mut out = String::new();
    let mut it = raw.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next().expect("dangling backslash") {
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' => {
                assert_eq!(it.next(), Some('{'));
                let hex: String = it.by_ref().take_while(|c| *c != '}').collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
            }
            other => out.push(other), // \\ \' \$
        }
    }
    out
}

fn bicep_group(doc: &Value) -> &Value {
    let res = doc["resources"].as_object().unwrap();
    let groups: Vec<&Value> = res.values().filter(|r| r["type"] == GROUP_TYPE).collect();
    assert_eq!(groups.len(), 1, "{doc}");
    assert_eq!(groups[0]["api_version"], "2024-05-01");
    let policy = &res[groups[0]["config"]["parent"].as_str().unwrap()];
    assert_eq!(policy["type"], "Microsoft.Network/firewallPolicies");
    assert_eq!(policy["existing"], true);
    groups[0]
}

fn bicep_rules(doc: &Value) -> Vec<Parsed> {
    let props = &bicep_group(doc)["config"]["properties"];
    assert_eq!(props["priority"], "ruleCollectionGroupPriority");
    let mut out = Vec::new();
    for c in props["ruleCollections"].as_array().unwrap() {
        assert_eq!(
            c["ruleCollectionType"],
            "FirewallPolicyFilterRuleCollection"
        );
        assert_eq!(c["action"]["type"], "Allow");
        let rules = c["rules"].as_array().unwrap().iter();
        out.extend(rules.map(|r| BICEP.rule(r, r["ruleType"] == "ApplicationRule")));
    }
    out
}

// ---- Terraform and Bicep rules ----------------------------------------------------------------

/// How a Terraform or Bicep rule spells its fields, and how one of its strings is decoded.
struct Syntax {
    decode: fn(&str) -> String,
    /// Application rules' destination hosts.
    target_fqdns: &'static str,
    /// Network rules' destination hosts or addresses.
    fqdns: &'static str,
    addresses: &'static str,
    /// Network rules' protocols and ports.
    protocols: &'static str,
    ports: &'static str,
    sources: &'static str,
    /// The type of an application rule's protocol (next to its `port`).
    protocol_type: &'static str,
}

const TF: Syntax = Syntax {
    decode: hcl_value,
    target_fqdns: "destination_fqdns",
    fqdns: "destination_fqdns",
    addresses: "destination_addresses",
    protocols: "protocols",
    ports: "destination_ports",
    sources: "source_addresses",
    protocol_type: "type",
};

const BICEP: Syntax = Syntax {
    decode: bicep_value,
    target_fqdns: "targetFqdns",
    fqdns: "destinationFqdns",
    addresses: "destinationAddresses",
    protocols: "ipProtocols",
    ports: "destinationPorts",
    sources: "sourceAddresses",
    protocol_type: "protocolType",
};

impl Syntax {
    fn str(&self, v: &Value) -> String {
        (self.decode)(v.as_str().unwrap())
    }

    fn strs(&self, v: &Value) -> Vec<String> {
        v.as_array().unwrap().iter().map(|s| self.str(s)).collect()
    }

    /// (field, destinations) of a rule.
    fn destination(&self, r: &Value, app: bool) -> (&'static str, Vec<String>) {
        if app {
            ("fqdns", self.strs(&r[self.target_fqdns]))
        } else if let Some(f) = r.get(self.fqdns) {
            ("fqdns", self.strs(f))
        } else {
            ("addresses", self.strs(&r[self.addresses]))
        }
    }

    /// `Type:port` of each protocol of an application rule.
    fn app_protocols(&self, r: &Value) -> Vec<String> {
        let protocols = r["protocols"].as_array().unwrap().iter();
        protocols
            .map(|p| format!("{}:{}", self.str(&p[self.protocol_type]), p["port"]))
            .collect()
    }

    /// One rule read back (`app`: an application rule).
    fn rule(&self, r: &Value, app: bool) -> Parsed {
        let (field, dest) = self.destination(r, app);
        let (protocols, ports) = if app {
            (self.app_protocols(r), vec![])
        } else {
            (self.strs(&r[self.protocols]), self.strs(&r[self.ports]))
        };
        Parsed {
            name: self.str(&r["name"]),
            description: self.str(&r["description"]),
            row: Row {
                app,
                field: field.into(),
                dest: dest[0].clone(),
                protocols: sorted(protocols),
                ports: sorted(ports),
                sources: self.strs(&r[self.sources]),
            },
        }
    }
}

// ---- az CLI: run the script with a fake az that records its argv -----------------------------

/// Runs the script with `az` recording every call (RG and POLICY set); asserts that it
/// succeeded and returns the argv of each call.
fn run_cli(script: &str) -> Vec<Vec<String>> {
    let env = [("RG", "rg-test"), ("POLICY", "policy-test")];
    let (out, calls, _work) = common::run_script_with_fake_az(script, &env);
    assert!(
        out.status.success(),
        "the script failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    calls
}

/// `--flag v1 v2` pairs of one call (values never start with `--` in these tests).
fn flags(call: &[String]) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut out = std::collections::BTreeMap::new();
    let mut cur: Option<String> = None;
    for a in call {
        if a.starts_with("--") {
            out.insert(a.clone(), Vec::new());
            cur = Some(a.clone());
        } else if let Some(k) = &cur {
            out.get_mut(k).unwrap().push(a.clone());
        }
    }
    out
}

fn cli_rule(f: &std::collections::BTreeMap<String, Vec<String>>) -> Parsed {
    let app = f["--rule-type"] == ["ApplicationRule"];
    let (field, dest) = if app {
        ("fqdns", f["--target-fqdns"].clone())
    } else if let Some(d) = f.get("--destination-fqdns") {
        ("fqdns", d.clone())
    } else {
        ("addresses", f["--destination-addresses"].clone())
    };
    let protocols = if app {
        f["--protocols"]
            .iter()
            .map(|p| p.replacen('=', ":", 1))
            .collect()
    } else {
        f["--ip-protocols"].clone()
    };
    let name = f.get("--rule-name").or_else(|| f.get("--name")).unwrap()[0].clone();
    Parsed {
        name,
        description: f["--description"][0].clone(),
        row: Row {
            app,
            field: field.into(),
            dest: dest[0].clone(),
            protocols: sorted(protocols),
            ports: sorted(f.get("--destination-ports").cloned().unwrap_or_default()),
            sources: f["--source-addresses"].clone(),
        },
    }
}

fn cli_rules(calls: &[Vec<String>]) -> Vec<Parsed> {
    let prefix = ["network", "firewall", "policy", "rule-collection-group"];
    assert!(calls.iter().all(|c| c[..4] == prefix), "{calls:?}");
    assert_eq!(calls[0][4], "create");
    let f = flags(&calls[0]);
    assert_eq!(f["--resource-group"], ["rg-test"]);
    assert_eq!(f["--policy-name"], ["policy-test"]);
    calls[1..]
        .iter()
        .map(|c| {
            let f = flags(c);
            assert_eq!(f["--rule-collection-group-name"], f_group(&calls[0]));
            if c[5] == "add-filter-collection" {
                assert_eq!(f["--action"], ["Allow"]);
                let p: u32 = f["--collection-priority"][0].parse().unwrap();
                assert!((100..=65000).contains(&p));
            } else {
                assert_eq!(&c[4..7], ["collection", "rule", "add"]);
            }
            cli_rule(&f)
        })
        .collect()
}

fn f_group(create: &[String]) -> Vec<String> {
    flags(create)["--name"].clone()
}

// ---- parse any target -------------------------------------------------------------------------

/// The rules of an output, read back with the target's parser (terraform and bicep need the
/// Python validators: call them from ignored tests only).
fn parse(target: &str, text: &str) -> Vec<Parsed> {
    match target {
        "azfw-policy-arm" => policy_rules(&common::arm_json(text)),
        "azfw-classic-arm" => classic_rules(&common::arm_json(text)),
        "azfw-terraform" => tf_rules(&common::hcl2_json(text)),
        "azfw-bicep" => bicep_rules(&common::pycep_json(text)),
        "azfw-cli" => cli_rules(&run_cli(text)),
        other => panic!("{other}"),
    }
}

fn assert_names_valid_and_unique(target: &str, parsed: &[Parsed]) {
    let mut seen = BTreeSet::new();
    for p in parsed {
        assert!(
            is_valid_azure_name(&p.name),
            "{target}: invalid name {}",
            p.name
        );
        assert!(
            seen.insert(p.name.clone()),
            "{target}: duplicate name {}",
            p.name
        );
    }
}

// ---- tests ------------------------------------------------------------------------------------

#[test]
fn arm_outputs_validate_against_the_schemas() {
    for (name, rs) in common::per_cloud_profiles() {
        for target in ["azfw-policy-arm", "azfw-classic-arm"] {
            eprintln!("{name} {target}");
            common::assert_valid_arm(&text(target, &rs));
        }
    }
}

#[test]
fn arm_validation_would_catch_wrong_casing_and_names() {
    let rs = common::full_public();
    let mut policy: Value = common::arm_json(&text("azfw-policy-arm", &rs));
    common::arm_validate(&policy).unwrap();
    policy["resources"][0]["properties"]["ruleCollections"][0]["rules"][0]["ipProtocols"] =
        serde_json::json!(["tcp"]);
    assert!(
        common::arm_validate(&policy).is_err(),
        "ipProtocols 'tcp' must fail the schema"
    );

    let mut classic: Value = common::arm_json(&text("azfw-classic-arm", &rs));
    let rule = &mut classic["resources"][0]["properties"]["networkRuleCollections"][0]
        ["properties"]["rules"][0];
    rule["protocols"] = serde_json::json!(["tcp"]);
    assert!(
        common::arm_validate(&classic).is_err(),
        "protocols 'tcp' must fail the schema"
    );

    let mut app: Value = common::arm_json(&text("azfw-policy-arm", &rs));
    app["resources"][0]["properties"]["ruleCollections"][1]["rules"][0]["targetFqdn"] =
        serde_json::json!(["x"]);
    assert_eq!(common::arm_unknown_properties(&app).len(), 1);
}

#[test]
fn every_expressible_rule_appears_in_every_output_and_nothing_else() {
    every_expressible_rule_appears_in(&["azfw-policy-arm", "azfw-classic-arm", "azfw-cli"]);
}

#[test]
#[ignore = "needs terraform, python-hcl2 and pycep-parser: bash .ci/run runs it (cargo test -- --ignored)"]
fn every_expressible_rule_appears_in_terraform_and_bicep() {
    every_expressible_rule_appears_in(&["azfw-terraform", "azfw-bicep"]);
}

/// Reads each target's output back with its parser and compares the rules with the model.
fn every_expressible_rule_appears_in(targets: &[&str]) {
    let rs = common::full_public();
    let want = expected(&rs);
    assert!(
        want.iter().any(|r| !r.app && r.field == "fqdns"),
        "full profile has an FQDN network rule"
    );
    assert!(
        want.iter().any(|r| !r.app && is_ip(&r.dest)),
        "full profile has an IP network rule"
    );
    for &target in targets {
        let parsed = parse(target, &text(target, &rs));
        let mut got: Vec<Row> = parsed.iter().map(|p| p.row.clone()).collect();
        got.sort();
        assert_eq!(got.len(), want.len(), "{target}: rule count");
        assert_eq!(got, want, "{target}");
        assert_names_valid_and_unique(target, &parsed);
        for r in rs
            .rules
            .iter()
            .filter(|r| matches!(r.kind, Kind::ServiceTag | Kind::Network | Kind::FqdnApp))
            .filter(|r| deployable(&rs, r))
        {
            let base = azure_name(&[&amlfw::export::naming::rule_stem(
                &rs.settings.name_prefix,
                &r.id,
            )]);
            assert!(
                parsed.iter().any(|p| p.name.starts_with(&base)),
                "{target}: no rule named after {}",
                r.id
            );
        }
    }
}

#[test]
fn inbound_rules_and_routes_are_returned_as_unexpressed_and_listed() {
    let rs = common::full_public();
    let want: BTreeSet<&str> = rs
        .rules
        .iter()
        .filter(|r| matches!(r.kind, Kind::Inbound | Kind::Route))
        .map(|r| r.id.as_str())
        .collect();
    assert!(!want.is_empty());
    for target in TARGETS {
        let e = common::render(target, &rs);
        let got: BTreeSet<&str> = e.unexpressed.iter().map(|u| u.rule_id.as_str()).collect();
        assert_eq!(got, want, "{target}");
        for u in &e.unexpressed {
            assert!(
                u.reason.contains("NSG") || u.reason.contains("route-table"),
                "{}",
                u.reason
            );
            assert!(
                e.text
                    .contains(&format!("Not in this export: {}", u.rule_id)),
                "{target}: header lists {}",
                u.rule_id
            );
        }
    }
}

#[test]
fn outputs_are_deterministic() {
    for (name, rs) in common::per_cloud_profiles() {
        for target in TARGETS {
            assert_eq!(
                text(target, &rs),
                text(target, &rs.clone()),
                "{name} {target}"
            );
        }
    }
}

#[test]
fn priorities_are_in_range_and_distinct() {
    for (name, rs) in common::per_cloud_profiles() {
        for target in ["azfw-policy-arm", "azfw-classic-arm"] {
            let t: Value = common::arm_json(&text(target, &rs));
            let p = arm_priorities(&t);
            assert!(!p.is_empty());
            assert!(
                p.iter().all(|p| (100..=65000).contains(p)),
                "{name} {target}: {p:?}"
            );
            let collections: BTreeSet<_> = p.iter().take(2).collect();
            assert_eq!(
                collections.len(),
                2,
                "{name} {target}: collection priorities differ"
            );
        }
    }
}

#[test]
fn headers_carry_the_profile_and_warnings() {
    let rs = common::full_public();
    for target in TARGETS {
        let t = text(target, &rs);
        assert!(t.contains("Generated by amlfw"), "{target}");
        assert!(
            t.contains("DNS proxy"),
            "{target}: FQDN network rules need DNS proxy"
        );
        assert!(t.contains("Premium"), "{target}: path rule caveat");
        let exporter = amlfw::export::find(target).unwrap();
        let shown =
            amlfw::export::warnings_for(&rs, exporter, &common::render(target, &rs).unexpressed);
        for w in &rs.warnings {
            let first_words: String = w.message.chars().take(40).collect();
            let expected = shown.iter().any(|s| s.message == w.message);
            assert_eq!(
                t.contains(&first_words),
                expected,
                "{target}: warning {} (concerns {:?})",
                w.message,
                w.concerns
            );
        }
        // Route-table and NSG caveats are not Azure Firewall's.
        assert!(
            !t.contains("route table holds at most 25 routes"),
            "{target}"
        );
    }
    let bash = text("azfw-cli", &rs);
    assert!(bash.starts_with("#!/usr/bin/env bash\n"));
    assert!(bash.contains("\nset -euo pipefail\n"));
    assert!(text("azfw-bicep", &rs).starts_with("// Generated by amlfw"));
    assert!(text("azfw-terraform", &rs).starts_with("# Generated by amlfw"));
    let arm: Value = common::arm_json(&text("azfw-policy-arm", &rs));
    assert!(arm["metadata"]["header"][0]
        .as_str()
        .unwrap()
        .starts_with("Generated by amlfw"));
}

#[test]
fn no_sources_means_any_source_with_a_warning() {
    no_sources_means_any_source_in(&["azfw-policy-arm", "azfw-classic-arm", "azfw-cli"]);
}

#[test]
#[ignore = "needs python-hcl2 and pycep-parser: bash .ci/run runs it (cargo test -- --ignored)"]
fn no_sources_means_any_source_in_terraform_and_bicep() {
    no_sources_means_any_source_in(&["azfw-terraform", "azfw-bicep"]);
}

fn no_sources_means_any_source_in(targets: &[&str]) {
    let rs = common::rules("schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nfeatures = [\"compute-instance\"]\n");
    assert!(rs.settings.sources.is_empty());
    for target in TARGETS {
        let t = text(target, &rs);
        assert!(t.contains("ANY source (*)"), "{target}");
    }
    for &target in targets {
        let parsed = parse(target, &text(target, &rs));
        assert!(parsed.iter().all(|p| p.row.sources == ["*"]), "{target}");
    }
}

#[test]
fn mixed_transports_split_and_paths_are_flagged() {
    let mut rs = common::full_public();
    let tag = common::first_rule(&mut rs, Pick::Kind(Kind::ServiceTag));
    tag.ports = [
        PortSpec::new(Protocol::Tcp, PortRange::Single(443)),
        PortSpec::new(Protocol::Tcp, PortRange::Range(8787, 8788)),
        PortSpec::new(Protocol::Udp, PortRange::Single(5831)),
    ]
    .into();
    let id = tag.id.clone();
    let t: Value = common::arm_json(&text("azfw-policy-arm", &rs));
    let parsed = policy_rules(&t);
    let mine: Vec<&Parsed> = parsed
        .iter()
        .filter(|p| p.description.contains(&format!("amlfw {id};")))
        .collect();
    assert_eq!(mine.len(), 2, "{mine:?}");
    assert_eq!(mine[0].row.protocols, ["TCP"]);
    assert_eq!(mine[0].row.ports, ["443", "8787-8788"]);
    assert_eq!(mine[1].row.protocols, ["UDP"]);
    assert_ne!(mine[0].name, mine[1].name);
    let path_rule = rs.rules.iter().find(|r| r.path.is_some()).unwrap();
    let p = parsed
        .iter()
        .find(|p| p.row.dest == path_rule.remote && p.description.contains(path_rule.id.as_str()))
        .unwrap();
    assert!(
        p.description.contains("Premium")
            && p.description.contains(path_rule.path.as_deref().unwrap())
    );
}

#[test]
#[ignore = "needs terraform and python-hcl2: bash .ci/run runs it (cargo test -- --ignored)"]
fn terraform_passes_fmt_and_parses() {
    for (name, rs) in common::per_cloud_profiles() {
        let t = text("azfw-terraform", &rs);
        common::terraform_fmt_ok(name, &t);
        let doc = common::hcl2_json(&t);
        let vars: BTreeSet<String> = doc["variable"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|v| v.as_object().unwrap().keys().map(|k| hcl_value(k)))
            .collect();
        assert_eq!(
            vars,
            BTreeSet::from([
                "firewall_policy_id".to_string(),
                "rule_collection_group_priority".to_string()
            ])
        );
        let g = tf_group(&doc);
        assert_eq!(
            hcl_value(g["name"].as_str().unwrap()),
            format!("{}-rules", rs.settings.name_prefix)
        );
        let nets = g["network_rule_collection"].as_array().unwrap();
        let apps = g["application_rule_collection"].as_array().unwrap();
        assert_eq!(
            hcl_value(nets[0]["name"].as_str().unwrap()),
            format!("{}-network-rules", rs.settings.name_prefix)
        );
        assert_eq!(
            hcl_value(apps[0]["name"].as_str().unwrap()),
            format!("{}-application-rules", rs.settings.name_prefix)
        );
        let https = &apps[0]["rule"][0]["protocols"][0];
        assert!(
            https["type"] == "\"Https\"" || https["type"] == "\"Http\"",
            "{name}: {https}"
        );
        assert_eq!(tf_rules(&doc).len(), expected(&rs).len(), "{name}");
    }
}

#[test]
#[ignore = "needs pycep-parser: bash .ci/run runs it (cargo test -- --ignored)"]
fn bicep_parses_with_pycep() {
    for (name, rs) in common::per_cloud_profiles() {
        let t = text("azfw-bicep", &rs);
        assert!(t.contains("resource ruleCollectionGroup 'Microsoft.Network/firewallPolicies/ruleCollectionGroups@2024-05-01'"));
        let doc = common::pycep_json(&t);
        let params = doc["parameters"].as_object().unwrap();
        assert_eq!(params["firewallPolicyName"]["type"], "string");
        assert_eq!(params["ruleCollectionGroupPriority"]["type"], "int");
        assert_eq!(
            params["ruleCollectionGroupPriority"]["default"],
            rs.settings.priority_base
        );
        let g = bicep_group(&doc);
        assert_eq!(g["config"]["name"], "ruleCollectionGroupName");
        let mut got: Vec<Row> = bicep_rules(&doc).into_iter().map(|p| p.row).collect();
        got.sort();
        assert_eq!(got, expected(&rs), "{name}");
    }
}

#[test]
#[ignore = "needs shellcheck: bash .ci/run runs it (cargo test -- --ignored)"]
fn cli_script_passes_bash_n_and_shellcheck() {
    for (name, rs) in common::per_cloud_profiles() {
        common::assert_bash_script_ok(name, &text("azfw-cli", &rs));
    }
}

#[test]
fn cli_script_refuses_to_run_without_rg_and_policy() {
    let t = text("azfw-cli", &common::full_public());
    let mut bash = Command::new("bash");
    bash.arg("-s")
        .env_remove("RG")
        .env_remove("POLICY")
        .env("PATH", "/nonexistent:/usr/bin:/bin");
    let out = common::run_with_stdin(&mut bash, &t);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("set RG"));
}

// ---- hostile values ---------------------------------------------------------------------------

struct Hostile {
    rs: RuleSet,
    canary: std::path::PathBuf,
    remote: String,
    purpose: String,
    _dir: tempfile::TempDir,
}

/// full_public() with a name prefix, an application rule's host and a network rule's purpose
/// that try every way out of a string: quotes, `$(...)`, backticks, `${...}`, `%{...}`, newlines.
fn hostile() -> Hostile {
    let dir = tempfile::tempdir().unwrap();
    let canary = dir.path().join("pwned");
    let c = canary.display();
    let evil =
        format!("a b'c\"d $(touch {c}) `touch {c}` ${{HOME}} %{{if x}} \\ \nline2\r\t; rm -rf / #");
    let remote = format!("{evil}.example.com");
    let purpose = format!("purpose {evil}");
    let rs = common::hostile_full_public(
        &format!("pre'fix $(touch {c})"),
        &[
            (Pick::Kind(Kind::FqdnApp), Field::Remote, &remote),
            (Pick::Kind(Kind::ServiceTag), Field::Purpose, &purpose),
        ],
    );
    Hostile {
        rs,
        canary,
        remote,
        purpose,
        _dir: dir,
    }
}

fn assert_hostile_preserved(target: &str, h: &Hostile, parsed: &[Parsed]) {
    assert!(
        parsed.iter().any(|p| p.row.dest == h.remote),
        "{target}: hostile host not kept verbatim"
    );
    assert!(
        parsed.iter().any(|p| p.description.contains(&h.purpose)),
        "{target}: hostile purpose not kept verbatim"
    );
    assert_names_valid_and_unique(target, parsed);
    let mut got: Vec<Row> = parsed.iter().map(|p| p.row.clone()).collect();
    got.sort();
    assert_eq!(got, expected(&h.rs), "{target}");
}

#[test]
fn hostile_values_stay_inert_in_the_cli_script() {
    let h = hostile();
    let t = text("azfw-cli", &h.rs);
    let calls = run_cli(&t);
    assert!(!h.canary.exists(), "a command substitution ran");
    let parsed = cli_rules(&calls);
    assert_hostile_preserved("azfw-cli", &h, &parsed);
    // The comment lines stayed comments: every line is a comment, blank, or script we wrote.
    assert!(calls.iter().flatten().any(|a| a == &h.remote));
}

#[test]
#[ignore = "needs shellcheck: bash .ci/run runs it (cargo test -- --ignored)"]
fn hostile_values_pass_shellcheck_in_the_cli_script() {
    common::assert_bash_script_ok("azfw-cli", &text("azfw-cli", &hostile().rs));
}

#[test]
#[ignore = "needs terraform and python-hcl2: bash .ci/run runs it (cargo test -- --ignored)"]
fn hostile_values_stay_inert_in_terraform() {
    let h = hostile();
    let t = text("azfw-terraform", &h.rs);
    common::terraform_fmt_ok("azfw-terraform", &t);
    let doc = common::hcl2_json(&t);
    assert_hostile_preserved("azfw-terraform", &h, &tf_rules(&doc));
}

#[test]
#[ignore = "needs pycep-parser: bash .ci/run runs it (cargo test -- --ignored)"]
fn hostile_values_stay_inert_in_bicep() {
    let h = hostile();
    let t = text("azfw-bicep", &h.rs);
    let doc = common::pycep_json(&t);
    assert_hostile_preserved("azfw-bicep", &h, &bicep_rules(&doc));
}

#[test]
fn hostile_values_stay_inert_in_arm() {
    let h = hostile();
    for target in ["azfw-policy-arm", "azfw-classic-arm"] {
        let t = text(target, &h.rs);
        common::assert_valid_arm(&t);
        let parsed = parse(target, &t);
        assert_hostile_preserved(target, &h, &parsed);
    }
}

// ---- golden files -------------------------------------------------------------------------------

#[test]
fn golden_files() {
    for (name, rs) in common::per_cloud_profiles() {
        for target in TARGETS {
            let ext = amlfw::export::find(target).unwrap().extension();
            common::assert_golden(&format!("{name}/{target}.{ext}"), &text(target, &rs));
        }
    }
}
