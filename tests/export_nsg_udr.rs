//! NSG (`nsg-*`) and route-table (`udr-*`) exporters: schema validity, the real tools' own
//! parsers (bash, shellcheck, az, terraform, python-hcl2, pycep), quoting of hostile values,
//! FQDN accounting, IP-prefix routes against the Service Tags file, priorities, golden files.
mod common;

use amlfw::export::naming::is_valid_azure_name;
use amlfw::export::{self, ExportError, ExportOptions, Family, TagsUse};
use amlfw::{InboundRoutes, Kind, RuleSet};
use common::{Field, Pick};
use ipnet::IpNet;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const NSG: [&str; 4] = ["nsg-arm", "nsg-bicep", "nsg-terraform", "nsg-cli"];
const UDR: [&str; 4] = ["udr-arm", "udr-bicep", "udr-cli", "udr-terraform"];

/// Compute in every cloud with IP-prefix routes (so the Service Tags file is needed).
fn ip_prefix_profiles() -> Vec<(&'static str, RuleSet)> {
    [("public", "eastus2"), ("usgov", "usgovvirginia"), ("china", "chinaeast2")]
        .into_iter()
        .map(|(cloud, region)| {
            let rs = common::rules(&format!(
                "schema_version = 1\ncloud = \"{cloud}\"\nregion = \"{region}\"\nfeatures = [\"compute-cluster\", \"compute-instance\"]\ninbound_routes = \"ip-prefixes\"\n"
            ));
            (cloud, rs)
        })
        .collect()
}

fn all_profiles() -> Vec<(String, RuleSet)> {
    let mut v: Vec<(String, RuleSet)> = common::per_cloud_profiles()
        .into_iter()
        .map(|(n, rs)| (n.to_string(), rs))
        .collect();
    v.extend(
        ip_prefix_profiles()
            .into_iter()
            .map(|(n, rs)| (format!("{n}-ip-prefixes"), rs)),
    );
    v.push(("dual-stack".into(), common::dual_stack()));
    v.push(("dual-stack-aks".into(), common::dual_stack_aks()));
    v
}

// ---- ARM ---------------------------------------------------------------------------------

#[test]
fn arm_templates_validate_against_the_official_schemas() {
    for (name, rs) in all_profiles() {
        for (target, ty) in [
            (
                "nsg-arm",
                "Microsoft.Network/networkSecurityGroups/securityRules",
            ),
            ("udr-arm", "Microsoft.Network/routeTables/routes"),
        ] {
            let out = common::render(target, &rs);
            common::assert_valid_arm(&out.text);
            let doc = common::arm_json(&out.text);
            common::arm_resources_of(&doc, ty, &format!("{name} {target}"));
        }
    }
}

#[test]
fn nsg_rules_have_unique_valid_names_and_priorities_and_the_right_sides() {
    let rs = common::full_public();
    let doc = common::arm_json(&common::render("nsg-arm", &rs).text);
    let mut names = BTreeSet::new();
    let mut prios = BTreeSet::new();
    for r in common::arm_resources(&doc) {
        let name = r["name"].as_str().unwrap();
        let short = name.rsplit_once(", '").unwrap().1.trim_end_matches("')]");
        assert!(is_valid_azure_name(short), "{short}");
        assert!(names.insert(short.to_string()), "duplicate name {short}");
        let p = &r["properties"];
        let dir = p["direction"].as_str().unwrap().to_string();
        let prio = p["priority"].as_u64().unwrap();
        assert!((100..=4096).contains(&prio));
        assert!(
            prios.insert((dir.clone(), prio)),
            "duplicate priority {dir} {prio}"
        );
        assert!(["Tcp", "Udp", "*"].contains(&p["protocol"].as_str().unwrap()));
        assert!(p["description"].as_str().unwrap().chars().count() <= 140);
        // The profile's sources are the subnet side; the tag is the remote side.
        let local = if dir == "Inbound" {
            "destinationAddressPrefixes"
        } else {
            "sourceAddressPrefixes"
        };
        assert_eq!(
            p[local],
            serde_json::json!(["10.0.1.0/24", "10.0.2.0/24"]),
            "{short}"
        );
    }
    let inbound: Vec<&Value> = common::arm_resources(&doc)
        .iter()
        .filter(|r| r["properties"]["direction"] == "Inbound")
        .collect();
    let ports: BTreeSet<(String, String, String)> = inbound
        .iter()
        .map(|r| {
            let p = &r["properties"];
            (
                p["sourceAddressPrefix"].as_str().unwrap().to_string(),
                p["protocol"].as_str().unwrap().to_string(),
                p["destinationPortRange"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for want in [
        ("BatchNodeManagement", "Tcp", "29876-29877"),
        ("AzureMachineLearning", "Tcp", "44224"),
        ("AzureMachineLearning", "*", "22"),
    ] {
        assert!(
            ports.contains(&(want.0.into(), want.1.into(), want.2.into())),
            "{want:?} in {ports:?}"
        );
    }
    // The AKS DNS server (an IP network rule) is expressible.
    assert!(common::arm_resources(&doc).iter().any(|r| r["properties"]
        ["destinationAddressPrefix"]
        == "10.0.0.4"
        && r["properties"]["protocol"] == "Udp"
        && r["properties"]["destinationPortRange"] == "53"));
}

#[test]
fn without_sources_the_subnet_side_is_virtual_network() {
    let rs = common::rules("schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nfeatures = [\"compute-instance\"]\n");
    let doc = common::arm_json(&common::render("nsg-arm", &rs).text);
    for r in common::arm_resources(&doc) {
        let p = &r["properties"];
        let local = if p["direction"] == "Inbound" {
            "destinationAddressPrefix"
        } else {
            "sourceAddressPrefix"
        };
        assert_eq!(p[local], "VirtualNetwork");
    }
}

#[test]
fn an_ip_rule_never_mixes_address_families() {
    let mut rs = common::full_public();
    let dns = common::first_rule(&mut rs, Pick::Remote("10.0.0.4"));
    dns.set_remote("fd00::53");
    let id = dns.id.clone();
    let out = common::render("nsg-arm", &rs);
    common::assert_valid_arm(&out.text);
    let u = out
        .unexpressed
        .iter()
        .find(|u| u.rule_id == id)
        .expect("listed as not covered");
    assert!(u.reason.contains("IP families"), "{}", u.reason);
}

#[test]
fn arm_string_values_that_look_like_expressions_stay_literal() {
    let mut rs = common::full_public();
    let inbound = common::first_rule(&mut rs, Pick::Kind(Kind::Inbound));
    inbound.purpose = "[concat('a', 'b')]".into();
    let id = inbound.id.clone();
    let doc = common::arm_json(&common::render("nsg-arm", &rs).text);
    let r = common::arm_resources(&doc)
        .iter()
        .find(|r| r["comments"].as_str().unwrap().contains(id.as_str()))
        .unwrap();
    assert_eq!(r["properties"]["description"], "[[concat('a', 'b')]");
}

// ---- address families --------------------------------------------------------------------

/// One NSG rule as a format writes it: name, direction, priority, and the addresses of its
/// source and destination fields in that order (service tags left out).
#[derive(Debug, PartialEq)]
struct NsgRow {
    name: String,
    direction: String,
    priority: u64,
    nets: Vec<IpNet>,
}

/// The rules of an `nsg-*` export, read from its text. ARM is read as JSON; the others line by
/// line, each rule from its first line to the next rule's (comments and descriptions, which
/// may name addresses in prose, left out).
fn nsg_rows(target: &str, text: &str) -> Vec<NsgRow> {
    if target == "nsg-arm" {
        let doc = common::arm_json(text);
        return common::arm_resources(&doc)
            .iter()
            .map(|r| {
                let name = r["name"].as_str().unwrap();
                let p = &r["properties"];
                let nets = ["source", "destination"]
                    .iter()
                    .flat_map(|side| {
                        let one = p[format!("{side}AddressPrefix")].as_str().map(String::from);
                        let many = p[format!("{side}AddressPrefixes")].as_array().cloned();
                        let many = many
                            .into_iter()
                            .flatten()
                            .map(|v| v.as_str().unwrap().to_string());
                        one.into_iter().chain(many).collect::<Vec<_>>()
                    })
                    .flat_map(|a| common::nets_in(&a))
                    .collect();
                NsgRow {
                    name: name
                        .rsplit_once(", '")
                        .unwrap()
                        .1
                        .trim_end_matches("')]")
                        .into(),
                    direction: p["direction"].as_str().unwrap().into(),
                    priority: p["priority"].as_u64().unwrap(),
                    nets,
                }
            })
            .collect();
    }
    let start = match target {
        "nsg-bicep" => "resource rule_",
        "nsg-terraform" => "resource \"azurerm_network_security_rule\"",
        _ => "az network nsg rule create",
    };
    // `name: 'x'`, `name = "x"`, `--name x`: the value after the key.
    let value = |line: &str, key: &str| -> Option<String> {
        let t = line.trim_start();
        let rest = match t.strip_prefix(key) {
            Some(r) if r.trim_start().starts_with([':', '=']) => r.trim_start()[1..].trim(),
            _ => {
                let at = line.find(&format!("--{key} "))?;
                line[at + key.len() + 3..].split_whitespace().next()?
            }
        };
        Some(rest.trim_matches(['\'', '"']).to_string())
    };
    let mut rows: Vec<NsgRow> = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with('#') || t.starts_with("//") || line.contains("description") {
            continue;
        }
        if t.starts_with(start) {
            let name = line
                .split(" -n ")
                .nth(1)
                .map(|n| n.split_whitespace().next().unwrap().to_string());
            rows.push(NsgRow {
                name: name.unwrap_or_default(),
                direction: String::new(),
                priority: 0,
                nets: Vec::new(),
            });
            continue;
        }
        let Some(row) = rows.last_mut() else { continue };
        if let Some(n) = value(line, "name") {
            row.name = n;
        } else if line.contains("address")
            || line.contains("Address")
            || line.trim().starts_with('\'')
        {
            row.nets.extend(common::nets_in(line));
        }
        if let Some(p) = value(line, "priority") {
            row.priority = p.parse().unwrap();
        }
        if let Some(d) = value(line, "direction") {
            row.direction = d;
        }
    }
    rows
}

/// Random source lists: up to four prefixes of either family (none means the VNet tag).
fn source_lists() -> impl Strategy<Value = Vec<IpNet>> {
    proptest::collection::vec((any::<bool>(), any::<u128>(), 0u8..=100), 0..=4).prop_map(|v| {
        let mut nets: Vec<IpNet> = Vec::new();
        for (v4, bits, len) in v {
            let net = if v4 {
                let a = std::net::Ipv4Addr::from(bits as u32);
                IpNet::V4(ipnet::Ipv4Net::new(a, 8 + len % 25).unwrap().trunc())
            } else {
                let a = std::net::Ipv6Addr::from(bits);
                IpNet::V6(ipnet::Ipv6Net::new(a, 16 + len % 113).unwrap().trunc())
            };
            if !nets.contains(&net) {
                nets.push(net);
            }
        }
        nets
    })
}

/// Azure refuses a security rule whose prefixes (source and destination together) are of
/// both families. No NSG format writes one; the four formats write the same rules; each
/// expressed rule reaches every source of the families its remote can talk to, and only a rule
/// no source can reach is left out for its family.
fn check_families(rs: &RuleSet) -> Result<(), TestCaseError> {
    let sources = &rs.settings.sources;
    let arm = common::render("nsg-arm", rs);
    let rows = nsg_rows("nsg-arm", &arm.text);
    let v4 = |n: &IpNet| n.addr().is_ipv4();
    let dual = sources.iter().any(v4) && !sources.iter().all(v4);
    let (mut names, mut prios) = (BTreeSet::new(), BTreeSet::new());
    for r in &rows {
        let families: BTreeSet<bool> = r.nets.iter().map(v4).collect();
        prop_assert!(families.len() <= 1, "{} mixes: {:?}", r.name, r.nets);
        prop_assert!(names.insert(&r.name), "duplicate name {}", r.name);
        prop_assert!((100..=4096).contains(&r.priority));
        prop_assert!(prios.insert((&r.direction, r.priority)), "{r:?}");
        let suffixed = r.name.ends_with("-v4") || r.name.ends_with("-v6");
        prop_assert!(dual || !suffixed, "{} split without two families", r.name);
        if suffixed {
            prop_assert_eq!(
                r.name.ends_with("-v4"),
                r.nets.iter().all(v4),
                "{}",
                &r.name
            );
        }
    }
    for target in ["nsg-bicep", "nsg-terraform", "nsg-cli"] {
        let out = common::render(target, rs);
        prop_assert_eq!(&out.unexpressed, &arm.unexpressed, "{}", target);
        prop_assert_eq!(&nsg_rows(target, &out.text), &rows, "{}", target);
    }
    // Which rule each resource comes from: its comment starts with the rule's id.
    let doc = common::arm_json(&arm.text);
    let ids: Vec<&str> = common::arm_resources(&doc)
        .iter()
        .map(|r| r["comments"].as_str().unwrap().split(": ").next().unwrap())
        .collect();
    let nsg_kinds = [Kind::ServiceTag, Kind::Inbound, Kind::Network];
    for rule in rs.rules.iter().filter(|r| nsg_kinds.contains(&r.kind)) {
        let remote = rule.remote.net();
        let mut want: Vec<IpNet> = (sources.iter())
            .filter(|s| remote.is_none_or(|n| v4(&n) == v4(s)))
            .copied()
            .collect();
        if let Some(u) = arm.unexpressed.iter().find(|u| u.rule_id == *rule.id) {
            let unreachable = want.is_empty() && !sources.is_empty();
            prop_assert_eq!(
                u.reason.contains("IP families"),
                unreachable,
                "{}",
                &u.reason
            );
            continue;
        }
        // The rule's subnet side: all but the remote end (last outbound, first inbound).
        let mut got: Vec<IpNet> = Vec::new();
        for (r, _) in rows.iter().zip(&ids).filter(|(_, id)| **id == &*rule.id) {
            let mut local = r.nets.clone();
            match (remote, rule.kind) {
                (None, _) => {}
                (Some(_), Kind::Inbound) => drop(local.remove(0)),
                (Some(_), _) => drop(local.pop()),
            }
            got.extend(local);
        }
        got.sort();
        got.dedup();
        want.sort();
        prop_assert_eq!(got, want, "{}", &rule.id);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn no_nsg_rule_mixes_address_families(sources in source_lists(), aks in any::<bool>()) {
        let mut rs = if aks { common::dual_stack_aks() } else { common::full_public() };
        rs.settings.sources = sources;
        check_families(&rs)?;
    }
}

#[test]
fn dual_stack_nsg_exports_match_the_golden_files() {
    let rs = common::dual_stack();
    for target in NSG {
        let text = common::render(target, &rs).text;
        let ext = export::find(target).unwrap().extension();
        common::assert_golden(&format!("public-eastus2-dual-stack/{target}.{ext}"), &text);
    }
    // The split is said in the header, and only where it happens, with what it means for an
    // NSG that holds an earlier export's rules (other names, maybe the same priorities).
    let arm = common::render("nsg-arm", &rs).text;
    assert!(arm.contains("names ending -v4 and -v6"));
    assert!(arm.contains("delete those first"));
    assert!(!common::render("nsg-arm", &common::full_public())
        .text
        .contains("-v6"));
}

// ---- FQDN accounting ---------------------------------------------------------------------

fn compute_profile() -> RuleSet {
    common::rules(
        "schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nfeatures = [\"compute-cluster\", \"compute-instance\", \"notebooks\", \"vscode\"]\nstorage_account = \"amlstore01\"\n",
    )
}

fn is_fqdn(rs: &RuleSet, id: &str) -> bool {
    let r = rs.rule(id).unwrap();
    r.kind == Kind::FqdnApp
        || (r.kind == Kind::Network && r.remote.parse::<std::net::IpAddr>().is_err())
}

#[test]
fn nsg_exports_name_every_fqdn_requirement_as_not_covered() {
    let rs = compute_profile();
    let fqdn: Vec<_> = rs.rules.iter().filter(|r| is_fqdn(&rs, &r.id)).collect();
    assert!(fqdn.len() > 10, "the profile has host-name rules");
    for target in NSG {
        let out = common::render(target, &rs);
        for r in &fqdn {
            let line = format!("NOT covered: {} ({}):", r.remote, r.id);
            assert!(out.text.contains(&line), "{target} does not list {line}");
            assert!(
                out.unexpressed.iter().any(|u| u.rule_id == r.id),
                "{target}: {} not returned",
                r.id
            );
        }
        // The VS Code path requirement says only the host can be allowed.
        assert!(out.text.contains("raw.githubusercontent.com"), "{target}");
    }
}

#[test]
fn covered_plus_not_covered_is_every_outbound_rule() {
    let rs = compute_profile();
    let out = common::render("nsg-arm", &rs);
    let doc = common::arm_json(&out.text);
    let outbound: BTreeSet<String> = rs
        .rules
        .iter()
        .filter(|r| r.direction() == amlfw::Direction::Outbound)
        .map(|r| r.id.to_string())
        .collect();
    let covered: BTreeSet<String> = common::arm_resources(&doc)
        .iter()
        .filter(|r| r["properties"]["direction"] == "Outbound")
        .map(|r| {
            r["comments"]
                .as_str()
                .unwrap()
                .split(':')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    let not: BTreeSet<String> = doc["metadata"]["notCovered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["ruleId"].as_str().unwrap().to_string())
        .filter(|id| outbound.contains(id))
        .collect();
    assert!(
        covered.is_disjoint(&not),
        "{:?}",
        covered.intersection(&not).collect::<Vec<_>>()
    );
    assert_eq!(covered.len() + not.len(), outbound.len());
    assert!(
        not.iter().all(|id| is_fqdn(&rs, id)),
        "only host names are left out: {not:?}"
    );
    let returned: BTreeSet<String> = out.unexpressed.iter().map(|u| u.rule_id.clone()).collect();
    let listed: BTreeSet<String> = doc["metadata"]["notCovered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["ruleId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        returned, listed,
        "the template lists exactly what render returns"
    );
    // Routes are not covered by the NSG either; the udr-* targets write them.
    for r in rs.of_kind(Kind::Route) {
        assert!(listed.contains(r.id.as_str()));
    }
}

#[test]
fn udr_exports_leave_every_other_rule_unexpressed() {
    let rs = compute_profile();
    for target in UDR {
        let out = common::render(target, &rs);
        let not: BTreeSet<&str> = out.unexpressed.iter().map(|u| u.rule_id.as_str()).collect();
        for r in &rs.rules {
            // Routes are expressed, but for a tag route tables do not take (networkFeatures).
            let routable = r.kind == Kind::Route && r.remote != "BatchNodeManagement.EastUS2";
            assert_eq!(not.contains(r.id.as_str()), !routable, "{target} {}", r.id);
        }
    }
}

// ---- routes ------------------------------------------------------------------------------

#[test]
fn service_tag_routes_are_one_per_tag_with_next_hop_internet() {
    let rs = common::full_public();
    assert_eq!(rs.settings.inbound_routes, InboundRoutes::ServiceTags);
    let out = common::render("udr-arm", &rs);
    let doc = common::arm_json(&out.text);
    let got: BTreeSet<&str> = common::arm_resources(&doc)
        .iter()
        .map(|r| {
            assert_eq!(r["properties"]["nextHopType"], "Internet");
            r["properties"]["addressPrefix"].as_str().unwrap()
        })
        .collect();
    // BatchNodeManagement.EastUS2 is no route-table tag by Microsoft's networkFeatures data
    // (API, NSG): listed as not covered, with the fallbacks, instead of refused by Azure.
    assert_eq!(got, BTreeSet::from(["AzureMachineLearning"]));
    let batch = out
        .unexpressed
        .iter()
        .find(|u| u.remote == "BatchNodeManagement.EastUS2")
        .expect("the regional Batch route is listed as not covered");
    assert!(
        batch.reason.contains("not UDR")
            && batch.reason.contains("global tag BatchNodeManagement")
            && batch.reason.contains("ip-prefixes"),
        "{}",
        batch.reason
    );
    for target in UDR {
        let text = common::render(target, &rs).text;
        assert!(
            text.contains("PREVIEW feature when the guidance was written (2021"),
            "{target}"
        );
        assert!(
            text.contains("at most 25 routes that use a service tag"),
            "{target}"
        );
        assert!(text.contains("changeNumber 376"), "{target}");
    }
}

#[test]
fn ip_prefix_routes_are_exactly_the_three_tags() {
    let rs = &ip_prefix_profiles()[0].1;
    let tags = common::service_tags(amlfw::Cloud::Public);
    let names = [
        "BatchNodeManagement.EastUS2",
        "AzureMachineLearning.EastUS2",
        "AzureMachineLearning.CentralUS",
    ];
    let route_tags: BTreeSet<&str> = rs.of_kind(Kind::Route).map(|r| r.remote.as_str()).collect();
    assert_eq!(route_tags, BTreeSet::from(names));
    let out = common::render("udr-arm", rs);
    let doc = common::arm_json(&out.text);
    let routes: Vec<IpNet> = common::arm_resources(&doc)
        .iter()
        .map(|r| {
            r["properties"]["addressPrefix"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    // Computed from the raw file, not from the exporter's expansion.
    let raw = common::raw_prefixes(tags, &names);
    for r in &routes {
        assert!(
            raw.iter().any(|p| p.contains(r)),
            "route {r} is outside the three tags"
        );
    }
    for p in &raw {
        assert!(
            routes.iter().any(|r| r.contains(p)),
            "prefix {p} has no route"
        );
    }
    let paired = tags
        .get("AzureMachineLearning.CentralUS")
        .unwrap()
        .prefixes()
        .unwrap();
    assert!(!paired.is_empty());
    assert!(
        paired.iter().all(|p| routes.iter().any(|r| r.contains(p))),
        "paired region covered"
    );
    let distinct: BTreeSet<&IpNet> = routes.iter().collect();
    assert_eq!(distinct.len(), routes.len(), "no duplicate prefixes");
    assert!(routes.len() <= 400);
    assert!(out
        .text
        .contains(&format!("This adds {} routes", routes.len())));
}

#[test]
fn ip_prefix_routes_need_the_service_tags_file() {
    let rs = &ip_prefix_profiles()[0].1;
    for target in UDR {
        let t = export::find(target).unwrap();
        assert_eq!(t.tags_use(), TagsUse::ForIpRoutes);
        assert!(export::needs_service_tags(t, rs));
        match t.render(rs, &ExportOptions::default()) {
            Err(ExportError::NeedsServiceTags { target: got, what }) => {
                assert_eq!(got, target);
                assert!(what.contains("AzureMachineLearning.CentralUS"), "{what}");
            }
            other => panic!("{target}: expected NeedsServiceTags, got {other:?}"),
        }
    }
    for target in NSG {
        assert_eq!(export::find(target).unwrap().tags_use(), TagsUse::No);
    }
}

#[test]
fn a_service_tags_file_of_another_cloud_is_refused() {
    let rs = &ip_prefix_profiles()[0].1;
    let china = common::service_tags(amlfw::Cloud::China);
    let e = common::try_render("udr-cli", rs, Some(china)).unwrap_err();
    assert!(matches!(e, ExportError::ServiceTags(_)), "{e:?}");
}

#[test]
fn route_limits_are_refused_not_truncated() {
    // AzureCloud has thousands of prefixes: far more than the 400 routes a table holds.
    let mut rs = ip_prefix_profiles()[0].1.clone();
    common::first_rule(&mut rs, Pick::Kind(Kind::Route)).set_remote("AzureCloud");
    let tags = common::service_tags(amlfw::Cloud::Public);
    for target in UDR {
        let e = common::try_render(target, &rs, Some(tags)).unwrap_err();
        assert!(matches!(e, ExportError::Limit(_)), "{target}: {e:?}");
        assert!(e.to_string().contains("400"), "{target}: {e}");
    }
    // More than 25 service-tag routes.
    let mut rs = common::full_public();
    let template = rs.of_kind(Kind::Route).next().unwrap().clone();
    for n in 0..30 {
        let mut r = template.clone();
        r.id = format!("extra-{n}").into();
        r.set_remote(format!("Storage.Region{n}"));
        rs.rules.push(r);
    }
    for target in UDR {
        let e = common::try_render(target, &rs, None).unwrap_err();
        assert!(e.to_string().contains("25"), "{target}: {e}");
    }
}

#[test]
fn no_routes_when_the_profile_needs_none() {
    let rs = common::rules("schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nfeatures = [\"compute-instance\"]\ninbound_routes = \"none\"\n");
    let out = common::render("udr-arm", &rs);
    common::assert_valid_arm(&out.text);
    assert!(common::arm_resources(&common::arm_json(&out.text)).is_empty());
    assert!(out.text.contains("No routes"));
}

// ---- priorities --------------------------------------------------------------------------

fn synthetic(kinds: &[bool], base: u32) -> RuleSet {
    let mut rs = common::full_public();
    let template = rs.rule("aml-tag-aml").unwrap().clone();
    rs.settings.priority_base = base;
    rs.rules = kinds
        .iter()
        .enumerate()
        .map(|(i, inbound)| {
            let mut r = template.clone();
            r.id = format!("r{i}").into();
            r.kind = if *inbound {
                Kind::Inbound
            } else {
                Kind::ServiceTag
            };
            r
        })
        .collect();
    rs
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn priorities_are_unique_in_range_or_a_typed_error(
        kinds in proptest::collection::vec(any::<bool>(), 0..=200),
        base in 100u32..=4000,
    ) {
        let rs = synthetic(&kinds, base);
        let n_in = kinds.iter().filter(|k| **k).count() as u32;
        let n_out = kinds.len() as u32 - n_in;
        let fits = |n: u32| n == 0 || base + n - 1 <= 4096;
        match common::try_render("nsg-arm", &rs, None) {
            Ok(out) => {
                prop_assert!(fits(n_in) && fits(n_out));
                let doc = common::arm_json(&out.text);
                let mut seen = BTreeSet::new();
                for r in common::arm_resources(&doc) {
                    let p = &r["properties"];
                    let prio = p["priority"].as_u64().unwrap();
                    prop_assert!((100..=4096).contains(&prio));
                    prop_assert!(seen.insert((p["direction"].to_string(), prio)));
                }
                prop_assert_eq!(seen.len(), kinds.len());
            }
            Err(ExportError::Priority(msg)) => {
                prop_assert!(!(fits(n_in) && fits(n_out)), "refused a fitting set: {}", msg);
            }
            Err(e) => prop_assert!(false, "unexpected error {e:?}"),
        }
    }
}

// ---- shell scripts -----------------------------------------------------------------------

#[test]
#[ignore = "needs shellcheck: bash .ci/run runs it (cargo test -- --ignored)"]
fn scripts_pass_bash_n_and_shellcheck() {
    for (name, rs) in all_profiles() {
        for target in ["nsg-cli", "udr-cli"] {
            let text = common::render(target, &rs).text;
            assert!(text.starts_with("#!/usr/bin/env bash\n"));
            assert!(text.contains("\nset -euo pipefail\n"));
            common::assert_bash_script_ok(&format!("{name} {target}"), &text);
        }
    }
}

fn env_for(target: &str) -> [(&'static str, &'static str); 3] {
    let table = if export::find(target).unwrap().family() == Family::Nsg {
        "NSG"
    } else {
        "TABLE"
    };
    [("RG", "rg-aml"), (table, "nsg-or-table"), ("UNUSED", "")]
}

#[test]
fn scripts_stop_before_any_az_call_until_the_variables_are_set() {
    let text = common::render("nsg-cli", &common::full_public()).text;
    let (out, calls, _w) = common::run_script_with_fake_az(&text, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(calls.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Set RG and NSG"));
}

/// The argument shape of an az call: flags kept, values reduced to a class, so one real az
/// call checks each distinct shape.
fn shape(argv: &[String]) -> Vec<String> {
    argv.iter()
        .map(|a| {
            if let Some((flag, _)) = a.split_once('=').filter(|_| a.starts_with("--")) {
                return format!("{flag}=");
            }
            if a.starts_with('-')
                || [
                    "Inbound", "Outbound", "Allow", "Tcp", "Udp", "*", "Internet",
                ]
                .contains(&a.as_str())
            {
                return a.clone();
            }
            match a
                .parse::<IpNet>()
                .ok()
                .or_else(|| a.parse::<std::net::IpAddr>().ok().map(IpNet::from))
            {
                Some(IpNet::V4(_)) => "v4".into(),
                Some(IpNet::V6(_)) => "v6".into(),
                None if a.parse::<u32>().is_ok() => "n".into(),
                None => "s".into(),
            }
        })
        .collect()
}

fn az_parses(az: &Path, cfg: &Path, argv: &[String]) -> Result<(), String> {
    let o = Command::new(az)
        .args(argv)
        .env("AZURE_CONFIG_DIR", cfg)
        .env("AZURE_CORE_COLLECT_TELEMETRY", "false")
        .env("AZURE_CORE_NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    match o.status.code() {
        Some(1) if err.contains("az login") => Ok(()),
        code => Err(format!("az {argv:?}\nexit {code:?}\n{err}")),
    }
}

fn real_az() -> Option<PathBuf> {
    let az = common::venv().join("bin/az");
    az.is_file().then_some(az)
}

#[test]
#[ignore = "needs azure-cli: bash .ci/run runs it (cargo test -- --ignored)"]
fn every_az_call_passes_azure_cli_argument_parsing() {
    let Some(az) = real_az() else {
        common::missing_validator("azure-cli");
    };
    let mut hostile = hostile_rules();
    hostile.rules.retain(|r| r.kind == Kind::Inbound);
    // The hostile description (it starts with `--subscription=`) goes first, so its shape is
    // the one checked: az must read it as the description, not as an option.
    let cases = [
        ("nsg-cli", hostile),
        ("nsg-cli", common::full_public()),
        ("nsg-cli", common::dual_stack_aks()),
        ("udr-cli", common::full_public()),
        ("udr-cli", ip_prefix_profiles()[0].1.clone()),
    ];
    let cfg = tempfile::tempdir().unwrap();
    let mut seen = BTreeSet::new();
    let start = std::time::Instant::now();
    for (target, rs) in cases {
        let (out, calls, _w) =
            common::run_script_with_fake_az(&common::render(target, &rs).text, &env_for(target));
        assert!(
            out.status.success(),
            "{target}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!calls.is_empty());
        for argv in calls {
            if seen.insert(shape(&argv)) {
                az_parses(&az, cfg.path(), &argv).unwrap_or_else(|e| panic!("{target}: {e}"));
            }
        }
    }
    eprintln!(
        "{} distinct az call shapes checked in {:?}",
        seen.len(),
        start.elapsed()
    );
}

// ---- hostile values ----------------------------------------------------------------------

/// Shell, HCL, Bicep and ARM metacharacters; `touch pwned` runs in the script's directory.
/// The backslash is not last: pycep 0.7's string regex reads Bicep's `\\'` (an escaped
/// backslash, then the closing quote) as an escaped quote, which real Bicep does not.
const EVIL: &str = "x'\"$(touch pwned)`touch pwned`${HOME}%{x}\n; touch pwned #\\ end";

fn hostile_rules() -> RuleSet {
    common::hostile_full_public(
        &format!("p{EVIL}"),
        &[
            (Pick::Kind(Kind::ServiceTag), Field::Remote, EVIL),
            (
                Pick::Kind(Kind::Route),
                Field::Remote,
                &format!("--subscription={EVIL}"),
            ),
            // The regional Batch tag is not a route-table tag (networkFeatures): the global
            // one keeps a route in the script for the hostile names and purposes to ride on.
            (
                Pick::Remote("BatchNodeManagement.EastUS2"),
                Field::Remote,
                "BatchNodeManagement",
            ),
            (
                Pick::Kind(Kind::Inbound),
                Field::Purpose,
                &format!("--subscription=evil {EVIL}"),
            ),
        ],
    )
}

fn value_after<'a>(argv: &'a [String], flag: &str) -> Option<&'a str> {
    argv.iter()
        .position(|a| a == flag)
        .map(|i| argv[i + 1].as_str())
}

#[test]
fn hostile_values_stay_inert_in_scripts() {
    let rs = hostile_rules();
    let evil_rg = format!("rg {EVIL}");
    for target in ["nsg-cli", "udr-cli"] {
        let out = common::render(target, &rs);
        let table = if target == "nsg-cli" { "NSG" } else { "TABLE" };
        let (run, calls, work) =
            common::run_script_with_fake_az(&out.text, &[("RG", &evil_rg), (table, EVIL)]);
        assert!(
            run.status.success(),
            "{target}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(
            !work.path().join("pwned").exists(),
            "{target}: a value was executed"
        );
        assert!(!calls.is_empty());
        for argv in &calls {
            // Variables reach az verbatim.
            assert_eq!(value_after(argv, "-g"), Some(evil_rg.as_str()));
            let n = value_after(argv, "-n").unwrap();
            assert!(is_valid_azure_name(n), "{target}: name {n:?}");
            // A remote that is not a tag or an address is never passed on: the hostile text
            // only reaches az through the variables, the (sanitised) name and the description.
            for a in argv.iter().filter(|a| a.contains("touch")) {
                let ok = *a == evil_rg || a == EVIL || a == n || a.starts_with("--description=");
                assert!(ok, "{target}: {a:?} passed on in {argv:?}");
            }
        }
        let refused: Vec<_> = out
            .unexpressed
            .iter()
            .filter(|u| u.reason.contains("neither a service tag"))
            .collect();
        assert_eq!(
            refused.len(),
            1,
            "{target}: the hostile remote is listed as not covered: {refused:?}"
        );
        assert!(refused[0].remote.contains("touch pwned"));
    }
    // The purpose reaches the description verbatim, newlines folded to one line.
    let (_run, calls, _w) =
        common::run_script_with_fake_az(&common::render("nsg-cli", &rs).text, &env_for("nsg-cli"));
    let want = format!(
        "--description=--subscription=evil {}",
        EVIL.replace('\n', " ")
    );
    assert!(
        calls.iter().any(|argv| argv.contains(&want)),
        "{want:?} not passed"
    );
}

#[test]
fn hostile_values_stay_inert_in_arm() {
    let rs = hostile_rules();
    // The same rule set without the hostile values (the Batch route made global as there).
    let plain = common::hostile_full_public(
        "aml",
        &[(
            Pick::Remote("BatchNodeManagement.EastUS2"),
            Field::Remote,
            "BatchNodeManagement",
        )],
    );
    let inbound = rs.rules.iter().find(|r| r.kind == Kind::Inbound).unwrap();
    for target in ["nsg-arm", "udr-arm"] {
        let text = common::render(target, &rs).text;
        common::assert_valid_arm(&text);
        let n = common::arm_resources(&common::arm_json(&text)).len();
        assert_eq!(
            n + 1,
            common::arm_resources(&common::arm_json(&common::render(target, &plain).text)).len(),
            "{target}: one rule refused"
        );
    }
    let doc = common::arm_json(&common::render("nsg-arm", &rs).text);
    let desc: Vec<&str> = common::arm_resources(&doc)
        .iter()
        .map(|r| r["properties"]["description"].as_str().unwrap())
        .collect();
    assert!(
        desc.contains(&format!("--subscription=evil {}", EVIL.replace('\n', " ")).as_str()),
        "{:?}",
        inbound.purpose
    );
}

#[test]
#[ignore = "needs terraform, python-hcl2 and pycep-parser: bash .ci/run runs it (cargo test -- --ignored)"]
fn hostile_values_stay_inert_in_bicep_and_terraform() {
    let rs = hostile_rules();
    for target in ["nsg-terraform", "udr-terraform"] {
        let text = common::render(target, &rs).text;
        common::terraform_fmt_ok(target, &text);
        let v = common::hcl2_json(&text);
        let arm = common::render(&target.replace("terraform", "arm"), &rs).text;
        let want = common::arm_resources(&common::arm_json(&arm)).len();
        assert_eq!(tf_resources(&v).len(), want, "{target}: no injected blocks");
    }
    for target in ["nsg-bicep", "udr-bicep"] {
        let text = common::render(target, &rs).text;
        assert!(
            text.contains("touch pwned"),
            "{target}: the hostile values reach it"
        );
        let v = common::pycep_json(&text);
        let arm = common::render(&target.replace("bicep", "arm"), &rs).text;
        let want = common::arm_resources(&common::arm_json(&arm)).len() + 1;
        assert_eq!(
            v["resources"].as_object().unwrap().len(),
            want,
            "{target}: no injected resources"
        );
        assert_eq!(
            v["parameters"].as_object().unwrap().len(),
            1,
            "{target}: no injected parameters"
        );
    }
}

// ---- Terraform and Bicep -----------------------------------------------------------------

/// python-hcl2 keeps the quotes of strings and labels.
fn unquote(v: &Value) -> String {
    v.as_str().unwrap_or_default().trim_matches('"').to_string()
}

/// (type, attributes) of every resource block.
fn tf_resources(v: &Value) -> Vec<(String, serde_json::Map<String, Value>)> {
    let mut out = Vec::new();
    for block in v["resource"].as_array().into_iter().flatten() {
        for (ty, labelled) in block.as_object().unwrap() {
            for (_label, attrs) in labelled.as_object().unwrap() {
                out.push((
                    ty.trim_matches('"').to_string(),
                    attrs.as_object().unwrap().clone(),
                ));
            }
        }
    }
    out
}

#[test]
#[ignore = "needs terraform and python-hcl2: bash .ci/run runs it (cargo test -- --ignored)"]
fn terraform_is_formatted_and_parses_into_the_expected_resources() {
    for (name, rs) in all_profiles() {
        let tags = common::service_tags(rs.settings.cloud);
        for (target, ty) in [
            ("nsg-terraform", "azurerm_network_security_rule"),
            ("udr-terraform", "azurerm_route"),
        ] {
            let text = common::render(target, &rs).text;
            common::terraform_fmt_ok(&format!("{name} {target}"), &text);
            let v = common::hcl2_json(&text);
            let vars: Vec<String> = v["variable"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|b| {
                    b.as_object()
                        .unwrap()
                        .keys()
                        .map(|k| k.trim_matches('"').to_string())
                })
                .collect();
            assert!(
                vars.contains(&"resource_group_name".to_string()),
                "{vars:?}"
            );
            for (got, attrs) in tf_resources(&v) {
                assert_eq!(got, ty);
                assert_eq!(attrs["resource_group_name"], "${var.resource_group_name}");
                if ty == "azurerm_route" {
                    assert_eq!(unquote(&attrs["next_hop_type"]), "Internet");
                    assert_eq!(attrs["route_table_name"], "${var.route_table_name}");
                } else {
                    check_tf_prefix_attributes(&attrs, tags);
                }
            }
        }
    }
}

/// Service tags only in the singular attributes; the plural ones hold CIDRs.
fn check_tf_prefix_attributes(
    attrs: &serde_json::Map<String, Value>,
    tags: &amlfw::servicetags::TagIndex,
) {
    for side in ["source", "destination"] {
        let one = attrs.get(&format!("{side}_address_prefix"));
        let many = attrs.get(&format!("{side}_address_prefixes"));
        assert!(
            one.is_some() ^ many.is_some(),
            "exactly one of the {side} attributes: {attrs:?}"
        );
        if let Some(list) = many {
            for p in list.as_array().unwrap() {
                let p = unquote(p);
                assert!(
                    p.parse::<IpNet>().is_ok() || p.parse::<std::net::IpAddr>().is_ok(),
                    "{p} in {side}_address_prefixes"
                );
            }
        }
        if let Some(v) = one {
            let v = unquote(v);
            let ok = v == "VirtualNetwork"
                || tags.contains(&v)
                || v.parse::<IpNet>().is_ok()
                || v.parse::<std::net::IpAddr>().is_ok();
            assert!(
                ok,
                "{v} in {side}_address_prefix is neither a known tag nor an address"
            );
        }
    }
    assert!(["Tcp", "Udp", "*"].contains(&unquote(&attrs["protocol"]).as_str()));
    assert_eq!(
        attrs["network_security_group_name"],
        "${var.network_security_group_name}"
    );
}

#[test]
#[ignore = "needs pycep-parser: bash .ci/run runs it (cargo test -- --ignored)"]
fn bicep_parses_into_security_rules_of_an_existing_nsg() {
    for (name, rs) in all_profiles() {
        let text = common::render("nsg-bicep", &rs).text;
        let v = common::pycep_json(&text);
        assert!(v["parameters"]["nsgName"].is_object(), "{name}");
        let res = v["resources"].as_object().unwrap();
        assert_eq!(
            res["nsg"]["type"],
            "Microsoft.Network/networkSecurityGroups"
        );
        assert_eq!(res["nsg"]["existing"], true);
        let arm = common::arm_json(&common::render("nsg-arm", &rs).text);
        assert_eq!(res.len(), common::arm_resources(&arm).len() + 1, "{name}");
        for (sym, r) in res.iter().filter(|(k, _)| *k != "nsg") {
            assert_eq!(
                r["type"], "Microsoft.Network/networkSecurityGroups/securityRules",
                "{sym}"
            );
            assert_eq!(r["api_version"], "2024-05-01", "{sym}");
            assert_eq!(r["config"]["parent"], "nsg", "{sym}");
            let prio = r["config"]["properties"]["priority"].as_u64().unwrap();
            assert!((100..=4096).contains(&prio));
        }
    }
}

/// (name, addressPrefix, nextHopType, nextHopIpAddress) of each route, in order, from the ARM
/// template's resources or from pycep's (whose strings keep Bicep's quotes and escapes).
type RouteRow = (String, String, String, Option<String>);

fn arm_routes(doc: &Value) -> Vec<RouteRow> {
    common::arm_resources(doc)
        .iter()
        .map(|r| {
            let name = r["name"].as_str().unwrap();
            let short = name.rsplit_once(", '").unwrap().1.trim_end_matches("')]");
            let p = &r["properties"];
            (
                short.to_string(),
                p["addressPrefix"].as_str().unwrap().to_string(),
                p["nextHopType"].as_str().unwrap().to_string(),
                p["nextHopIpAddress"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
#[ignore = "needs pycep-parser: bash .ci/run runs it (cargo test -- --ignored)"]
fn bicep_routes_are_the_arm_templates_routes_in_an_existing_table() {
    let mut routes = 0;
    for (name, rs) in all_profiles() {
        let text = common::render("udr-bicep", &rs).text;
        let v = common::pycep_json(&text);
        assert!(v["parameters"]["routeTableName"].is_object(), "{name}");
        let res = v["resources"].as_object().unwrap();
        assert_eq!(res["rt"]["type"], "Microsoft.Network/routeTables", "{name}");
        assert_eq!(res["rt"]["existing"], true, "{name}");
        assert_eq!(res["rt"]["config"]["name"], "routeTableName", "{name}");
        let mut got = Vec::new();
        let mut prev: Option<&str> = None;
        for (sym, r) in res.iter().filter(|(k, _)| *k != "rt") {
            assert_eq!(r["type"], "Microsoft.Network/routeTables/routes", "{sym}");
            assert_eq!(r["api_version"], "2024-05-01", "{sym}");
            let c = &r["config"];
            assert_eq!(c["parent"], "rt", "{sym}");
            // One route after another, as the ARM template's dependsOn chain.
            let deps: Vec<&str> = c["dependsOn"]
                .as_array()
                .map(|a| a.iter().map(|d| d.as_str().unwrap()).collect())
                .unwrap_or_default();
            assert_eq!(deps, prev.into_iter().collect::<Vec<_>>(), "{name} {sym}");
            prev = Some(sym);
            let p = &c["properties"];
            let s = |v: &Value| v.as_str().map(|s| s.trim_matches('\'').to_string());
            got.push((
                s(&c["name"]).unwrap(),
                s(&p["addressPrefix"]).unwrap(),
                s(&p["nextHopType"]).unwrap(),
                s(&p["nextHopIpAddress"]),
            ));
        }
        let arm = arm_routes(&common::arm_json(&common::render("udr-arm", &rs).text));
        routes += arm.len();
        assert_eq!(got, arm, "{name}");
    }
    assert!(routes > 10, "the profiles hold routes: {routes}");
}

#[test]
fn bicep_and_arm_routes_tell_the_same_notes() {
    for (name, rs) in all_profiles() {
        let arm = common::render("udr-arm", &rs);
        let bicep = common::render("udr-bicep", &rs);
        assert_eq!(arm.unexpressed, bicep.unexpressed, "{name}");
        let doc = common::arm_json(&arm.text);
        let notes: Vec<&str> = doc["metadata"]["notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        let words = |t: &str| t.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        // The same header, but for the target's id (the Bicep's comments are wrapped).
        let header: String = bicep
            .text
            .lines()
            .take_while(|l| l.starts_with("//"))
            .map(|l| l.trim_start_matches("//"))
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(
            words(&header.replace("target udr-bicep", "target udr-arm")),
            words(&notes.join(" ")),
            "{name}"
        );
    }
}

// ---- determinism and golden files --------------------------------------------------------

#[test]
fn output_is_deterministic_and_matches_the_golden_files() {
    for (name, rs) in common::per_cloud_profiles() {
        for target in NSG.iter().chain(UDR.iter()) {
            let a = common::render(target, &rs).text;
            let b = common::render(target, &rs.clone()).text;
            assert_eq!(a, b, "{name} {target}");
            let ext = export::find(target).unwrap().extension();
            common::assert_golden(&format!("{name}/{target}.{ext}"), &a);
        }
    }
}
