//! amlfw's own Azure exports audit as covered; each mutation of them is found.

use crate::*;
use amlfw::audit::{Report, Severity, Status};
use amlfw::rules::RuleSet;
use serde_json::{json, Value};

// ---- round trip and mutations --------------------------------------------------------------

const AZURE_TARGETS: [&str; 4] = ["azfw-policy-arm", "azfw-classic-arm", "nsg-arm", "udr-arm"];

fn profiles() -> Vec<(String, RuleSet)> {
    let mut v: Vec<(String, RuleSet)> = common::per_cloud_profiles()
        .into_iter()
        .map(|(n, r)| (n.to_string(), r))
        .collect();
    for (name, toml) in [
        ("public-default", "cloud = \"public\"\nregion = \"westeurope\"\n"),
        ("usgov-aks", "cloud = \"usgov\"\nregion = \"usgovarizona\"\nfeatures = [\"aks\", \"compute-cluster\"]\ndns_proxy = true\n"),
        ("public-aks-private", "cloud = \"public\"\nregion = \"japaneast\"\nfeatures = [\"aks\", \"aks-private\", \"aks-gpu\", \"vscode\"]\nsources = [\"10.8.0.0/22\"]\n"),
        ("usgov-texas", "cloud = \"usgov\"\nregion = \"usgovtexas\"\nfeatures = [\"compute-instance\", \"pip\", \"conda\"]\ninbound_routes = \"ip-prefixes\"\n"),
        ("china-dns-proxy", "cloud = \"china\"\nregion = \"chinaeast3\"\nfeatures = [\"compute-instance\", \"aks\"]\ndns_proxy = true\naks_dns_servers = [\"10.2.0.10\"]\n"),
        ("china-cluster", "cloud = \"china\"\nregion = \"chinanorth3\"\nfeatures = [\"compute-cluster\", \"hbi\"]\nsources = [\"10.1.0.0/24\"]\ninbound_routes = \"ip-prefixes\"\n"),
    ] {
        v.push((name.into(), common::rules(&format!("schema_version = 1\n{toml}"))));
    }
    v.push(("dual-stack".into(), common::dual_stack()));
    v.push(("dual-stack-aks".into(), common::dual_stack_aks()));
    v
}

fn exports(rs: &RuleSet) -> Vec<(String, String)> {
    AZURE_TARGETS
        .iter()
        .map(|t| (format!("{t}.json"), common::render(t, rs).text))
        .collect()
}

#[test]
fn amlfw_exports_audit_as_fully_covered() {
    for (name, rs) in profiles() {
        let tags = common::service_tags(rs.settings.cloud);
        let files = exports(&rs);
        let mut sets: Vec<Vec<(&str, String)>> = files
            .iter()
            .map(|(n, t)| vec![(n.as_str(), t.clone())])
            .collect();
        // The firewall, NSG and route table together (policy flavour).
        sets.push(vec![
            (files[0].0.as_str(), files[0].1.clone()),
            (files[2].0.as_str(), files[2].1.clone()),
            (files[3].0.as_str(), files[3].1.clone()),
        ]);
        for set in sets {
            let label = format!("{name}: {:?}", set.iter().map(|s| s.0).collect::<Vec<_>>());
            let r = run(&rs, &set, Some(tags));
            let gaps: Vec<_> = r
                .requirements
                .iter()
                .filter(|q| q.status.is_gap())
                .collect();
            assert!(gaps.is_empty(), "{label}: {gaps:#?}");
            // A route table alone, for a profile that needs no route, checks nothing: that
            // is said (and is no pass), not a gap.
            assert!(
                r.passed() || (set.len() == 1 && r.nothing_checked()),
                "{label}: {:#?}",
                codes(&r, "invalid-tag")
            );
            assert_eq!(r.count(Severity::Error), 0, "{label}: {:#?}", r.findings);
            // "Not covered by design" only where the export itself says it left the rule out.
            for q in r
                .requirements
                .iter()
                .filter(|q| q.status == Status::NotCoveredByDesign)
            {
                let said = AZURE_TARGETS.iter().any(|t| {
                    common::render(t, &rs)
                        .unexpressed
                        .iter()
                        .any(|u| u.rule_id == q.requirement.id)
                });
                assert!(
                    said,
                    "{label}: {} not covered by design, no export says so",
                    q.requirement.id
                );
            }
        }
    }
}

/// The full public profile's policy export as JSON, to mutate.
fn full_policy() -> (RuleSet, Value) {
    let rs = common::full_public();
    let doc = serde_json::from_str(&common::render("azfw-policy-arm", &rs).text).unwrap();
    (rs, doc)
}

fn rules_mut(doc: &mut Value, collection: usize) -> &mut Vec<Value> {
    doc["resources"][0]["properties"]["ruleCollections"][collection]["rules"]
        .as_array_mut()
        .unwrap()
}

fn audit_doc(rs: &RuleSet, doc: &Value, extra: &[(&str, String)]) -> Report {
    let mut files = vec![("policy.json", doc.to_string())];
    files.extend(extra.iter().cloned());
    run(rs, &files, Some(common::service_tags(rs.settings.cloud)))
}

#[test]
fn mutation_one_rule_removed() {
    let (rs, mut doc) = full_policy();
    assert!(audit_doc(&rs, &doc, &[]).passed());
    let rules = rules_mut(&mut doc, 0);
    let at = rules
        .iter()
        .position(|r| r["name"] == "aml-tag-aml")
        .unwrap();
    rules.remove(at);
    let r = audit_doc(&rs, &doc, &[]);
    assert_eq!(status(&r, "aml-tag-aml"), Status::Missing);
    assert!(!r.passed());
}

#[test]
fn mutation_port_range_narrowed() {
    let rs = small();
    let n = common::render("nsg-arm", &rs)
        .text
        .replace("\"29876-29877\"", "\"29876-29876\"");
    let r = run(&rs, &[("nsg.json", n)], None);
    assert_eq!(status(&r, "aml-nsg-batch"), Status::Partial);
    assert!(codes(&r, "partial")[0].message.contains("tcp:29877"));
}

#[test]
fn mutation_one_address_family_removed() {
    let rs = common::dual_stack();
    let mut doc = common::arm_json(&common::render("nsg-arm", &rs).text);
    assert!(run(&rs, &[("nsg.json", doc.to_string())], None).passed());
    let rules = doc["resources"].as_array_mut().unwrap();
    let at = (rules.iter())
        .position(|r| r["name"].as_str().unwrap().contains("'aml-nsg-ssh-v6'"))
        .unwrap();
    rules.remove(at);
    let r = run(&rs, &[("nsg.json", doc.to_string())], None);
    assert_eq!(status(&r, "aml-nsg-ssh"), Status::Partial);
    assert!(codes(&r, "partial")[0].message.contains("(IPv6 sources)"));
}

#[test]
fn mutation_tag_misspelled() {
    let (rs, doc) = full_policy();
    let text = doc
        .to_string()
        .replace("\"AzureFrontDoor.Frontend\"", "\"Frontdoor.Frontend\"");
    let r = audit_doc(&rs, &serde_json::from_str(&text).unwrap(), &[]);
    assert!(codes(&r, "invalid-tag")[0]
        .message
        .contains("Frontdoor.Frontend"));
    assert_eq!(status(&r, "aml-tag-afd"), Status::Missing);
}

#[test]
fn mutation_deny_shadows_allow() {
    let (rs, doc) = full_policy();
    let deny = group(
        "deny-first",
        50,
        vec![coll(
            "deny",
            100,
            "Deny",
            vec![net_rule(
                "no-storage",
                &["TCP"],
                &["Storage"],
                &["443"],
                &["*"],
            )],
        )],
    );
    let r = audit_doc(&rs, &doc, &[("deny.json", deny)]);
    assert_eq!(status(&r, "aml-tag-storage"), Status::Missing);
    assert_eq!(
        codes(&r, "shadowed")[0].rule.as_ref().unwrap().name,
        "no-storage"
    );
}

#[test]
fn mutation_host_name_in_network_rule() {
    let (mut rs, mut doc) = full_policy();
    rs.settings.dns_proxy = false;
    rules_mut(&mut doc, 0).push(fqdn_net_rule("ntp", &["ntp.ubuntu.com"], &["123"]));
    let r = audit_doc(&rs, &doc, &[("policy-settings.json", policy(false))]);
    let f = codes(&r, "host-in-network-rule");
    assert!(f
        .iter()
        .any(|f| f.rule.as_ref().unwrap().name == "ntp" && f.severity == Severity::Error));
}

#[test]
fn mutation_any_port() {
    let (rs, mut doc) = full_policy();
    let rules = rules_mut(&mut doc, 0);
    let aml = rules
        .iter_mut()
        .find(|r| r["name"] == "aml-tag-aml")
        .unwrap();
    aml["destinationPorts"] = json!(["*"]);
    let r = audit_doc(&rs, &doc, &[]);
    let f = codes(&r, "any-port");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].rule.as_ref().unwrap().name, "aml-tag-aml");
}
