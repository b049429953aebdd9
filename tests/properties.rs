//! Property tests over random valid profiles: resolve never fails, every target renders or
//! returns a typed error, JSON and CSV round-trip, and generated names and priorities stay valid.
mod common;

use amlfw::export::naming::is_valid_azure_name;
use amlfw::export::tabular::{JsonRuleSet, CSV_HEADER};
use amlfw::export::{self, ExportError, ExportOptions, Family};
use amlfw::{resolve, Cloud, InboundRoutes, Profile};
use proptest::prelude::*;
use serde_json::Value;
use std::collections::BTreeSet;

fn cidr() -> impl Strategy<Value = String> {
    prop_oneof![
        (any::<[u8; 4]>(), 8u8..=32).prop_map(|(a, len)| {
            let net = ipnet::Ipv4Net::new(std::net::Ipv4Addr::from(a), len)
                .unwrap()
                .trunc();
            net.to_string()
        }),
        (any::<[u16; 8]>(), 16u8..=128).prop_map(|(a, len)| {
            let net = ipnet::Ipv6Net::new(std::net::Ipv6Addr::from(a), len)
                .unwrap()
                .trunc();
            net.to_string()
        }),
    ]
}

fn profile() -> impl Strategy<Value = Profile> {
    let catalog = common::catalog();
    let features: Vec<String> = catalog.features.iter().map(|f| f.id.clone()).collect();
    let n = features.len();
    (
        0usize..3,
        any::<prop::sample::Index>(),
        prop::collection::vec(any::<bool>(), n),
        prop::option::of("[a-z0-9]{3,24}"),
        prop::option::of("[A-Za-z0-9]{5,50}"),
        prop::collection::vec(cidr(), 0..4),
        prop::option::of(0usize..3),
        prop::collection::vec(any::<[u8; 4]>(), 0..3),
        prop::option::of("[a-zA-Z][a-zA-Z0-9_-]{0,19}"),
        prop::option::of(100u32..=4000),
    )
        .prop_map(
            move |(c, region, picks, storage, acr, sources, routes, dns, prefix, base)| {
                let cloud = Cloud::ALL[c];
                let regions: Vec<&str> =
                    catalog.regions_of(cloud).map(|r| r.name.as_str()).collect();
                let mut p = Profile::new(cloud, region.get(&regions).to_string());
                p.features = features
                    .iter()
                    .zip(picks)
                    .filter(|(_, on)| *on)
                    .map(|(f, _)| f.clone())
                    .collect();
                p.storage_account = storage;
                p.acr_name = acr;
                p.sources = sources;
                p.inbound_routes = routes.map(|i| InboundRoutes::ALL[i]);
                p.aks_dns_servers = dns
                    .iter()
                    .map(|a| std::net::Ipv4Addr::from(*a).to_string())
                    .collect();
                p.name_prefix = prefix;
                p.priority_base = base;
                p
            },
        )
}

/// Every `name` in a JSON document (ARM), and every `priority` with its direction if any.
fn names_and_priorities(v: &Value, names: &mut Vec<String>, prios: &mut Vec<(String, i64)>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(n)) = m.get("name") {
                if !n.starts_with('[') {
                    names.push(n.clone());
                }
            }
            if let Some(p) = m.get("priority").and_then(Value::as_i64) {
                let dir = m
                    .get("direction")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                prios.push((dir, p));
            }
            m.values()
                .for_each(|x| names_and_priorities(x, names, prios));
        }
        Value::Array(a) => a.iter().for_each(|x| names_and_priorities(x, names, prios)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_profiles_resolve_and_every_target_renders_or_refuses(mut p in profile()) {
        let catalog = common::catalog();
        p.validate(catalog).map_err(|e| TestCaseError::fail(format!("generator made an invalid profile: {e}")))?;
        let rs = resolve(catalog, &p).unwrap();
        // Deterministic and duplicate-free.
        prop_assert_eq!(&resolve(catalog, &p).unwrap(), &rs);
        let ids: BTreeSet<&str> = rs.rules.iter().map(|r| r.id.as_str()).collect();
        prop_assert_eq!(ids.len(), rs.rules.len(), "rule ids are unique");

        let tags = common::service_tags(rs.settings.cloud);
        for target in export::targets() {
            for opts in [ExportOptions::default(), ExportOptions { service_tags: Some(tags), ..ExportOptions::default() }] {
                match target.render(&rs, &opts) {
                    Ok(out) => {
                        // Every rule is either in the output or reported as not covered: never
                        // dropped silently (read from the text as in export_coverage, exactly in the target tests).
                        for u in &out.unexpressed {
                            prop_assert!(rs.rules.iter().any(|r| r.id == u.rule_id), "{}: unknown rule {}", target.id(), u.rule_id);
                        }
                        // Each rule is expressed (found in the text) or listed, never dropped;
                        // `expressed` and what is listed as not covered at all split the rule set
                        // between them (a rule covered `partly` is in the output, and listed).
                        let lost: Vec<&str> = common::dropped(&rs, &out, opts.service_tags).iter().map(|r| r.id.as_str()).collect();
                        prop_assert!(lost.is_empty(), "{}: dropped {:?}", target.id(), lost);
                        let listed = rs.rules.iter().filter(|r| out.unexpressed.iter().any(|u| u.rule_id == *r.id && !u.partly)).count();
                        for u in out.unexpressed.iter().filter(|u| u.partly) {
                            prop_assert!(out.expressed(&rs).any(|r| *r.id == u.rule_id), "{}: {} partly covered but not expressed", target.id(), u.rule_id);
                        }
                        prop_assert_eq!(out.expressed(&rs).count() + listed, rs.rules.len());
                        // The declaration is true: a rule of a shape it does not name is listed.
                        for r in rs.rules.iter().filter(|r| !target.target().may_express(r)) {
                            let listed = out.unexpressed.iter().find(|u| u.rule_id == *r.id);
                            prop_assert!(
                                listed.is_some(),
                                "{}: {} ({:?}, {:?}) is outside its declaration but not listed",
                                target.id(), r.id, r.kind, r.remote.kind()
                            );
                            if let (Some(u), Some(why)) = (listed, target.target().refusal(r)) {
                                prop_assert_eq!(&u.reason, &why, "{}: {}", target.id(), r.id);
                            }
                        }
                        // ARM templates: the Azure families' JSON output (no guess from the id).
                        if target.family() != Family::Generic && target.extension() == "json" {
                            let v: Value = serde_json::from_str(&out.text).unwrap();
                            let (mut names, mut prios) = (Vec::new(), Vec::new());
                            names_and_priorities(&v["resources"], &mut names, &mut prios);
                            for n in &names {
                                prop_assert!(is_valid_azure_name(n), "{}: invalid name {n}", target.id());
                            }
                            let range = if target.family() == Family::Nsg { 100..=4096 } else { 100..=65000 };
                            for (_, pr) in &prios {
                                prop_assert!(range.contains(pr), "{}: priority {pr} out of range", target.id());
                            }
                            if target.family() == Family::Nsg {
                                let unique: BTreeSet<&(String, i64)> = prios.iter().collect();
                                prop_assert_eq!(unique.len(), prios.len(), "NSG priorities unique per direction");
                            }
                        }
                    }
                    Err(ExportError::NeedsServiceTags { .. }) => prop_assert!(opts.service_tags.is_none()),
                    Err(ExportError::Priority(m) | ExportError::Limit(m)) => prop_assert!(!m.is_empty()),
                    Err(e) => prop_assert!(false, "{}: unexpected error {e}", target.id()),
                }
            }
        }
    }

    #[test]
    fn json_and_csv_round_trip(mut p in profile()) {
        let catalog = common::catalog();
        p.validate(catalog).unwrap();
        let rs = resolve(catalog, &p).unwrap();
        let opts = ExportOptions::default();
        let json = export::find("json").unwrap().render(&rs, &opts).unwrap().text;
        let parsed: JsonRuleSet = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&parsed, &JsonRuleSet::build(&rs, None).unwrap());

        let csv_text = export::find("csv").unwrap().render(&rs, &opts).unwrap().text;
        let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
        prop_assert_eq!(rdr.headers().unwrap().iter().collect::<Vec<_>>(), CSV_HEADER.to_vec());
        let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
        prop_assert_eq!(rows.len(), parsed.rules.len());
        for (row, rule) in rows.iter().zip(&parsed.rules) {
            prop_assert_eq!(&row[0], rule.id.as_str());
            let destination = rule.destination.join(" ");
            prop_assert_eq!(&row[6], destination.as_str());
            prop_assert_eq!(&row[10], rule.purpose.as_str());
        }
    }

    #[test]
    fn profiles_round_trip_through_toml(mut p in profile()) {
        p.validate(common::catalog()).unwrap();
        let back = Profile::from_toml(&p.to_toml()).unwrap();
        prop_assert_eq!(back, p);
    }
}
