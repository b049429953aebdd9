//! The catalog and region data checked against Microsoft's real Service Tags files.
mod common;

use amlfw::export::tabular::remote_is_tag;
use amlfw::{resolve, Cloud, InboundRoutes, Profile};
use std::collections::BTreeSet;

/// Every tag `resolve` can produce for `cloud`: every region, both route modes, with and
/// without the private-AKS switch (which drops the tunnel tags).
fn every_producible_tag(cloud: Cloud) -> BTreeSet<(String, String)> {
    let catalog = common::catalog();
    let every: Vec<String> = catalog.features.iter().map(|f| f.id.clone()).collect();
    let mut out = BTreeSet::new();
    for region in catalog.regions_of(cloud) {
        for mode in [InboundRoutes::ServiceTags, InboundRoutes::IpPrefixes] {
            for features in [every.clone(), common::all_features_but_private()] {
                let mut p = Profile::new(cloud, region.name.clone());
                p.features = features;
                p.inbound_routes = Some(mode);
                let rs = resolve(catalog, &p).unwrap();
                for r in rs.rules.iter().filter(|r| remote_is_tag(r)) {
                    out.insert((region.name.clone(), r.remote.to_string()));
                }
            }
        }
    }
    out
}

#[test]
fn every_producible_service_tag_exists_in_microsofts_file() {
    for cloud in Cloud::ALL {
        let tags = common::service_tags(cloud);
        let produced = every_producible_tag(cloud);
        assert!(produced.len() > 10, "{cloud}: suspiciously few tags");
        let missing: Vec<_> = produced.iter().filter(|(_, t)| !tags.contains(t)).collect();
        assert!(
            missing.is_empty(),
            "{cloud}: tags not in Microsoft's file (changeNumber {}): {missing:?}",
            tags.change_number
        );
    }
}

#[test]
fn tags_are_emitted_in_microsofts_spelling() {
    // Lookups are case-insensitive, but outputs should read like Microsoft's file.
    for cloud in Cloud::ALL {
        let tags = common::service_tags(cloud);
        for (_, t) in every_producible_tag(cloud) {
            let real = &tags.get(&t).unwrap().name;
            assert_eq!(&t, real, "{cloud}: emitted {t}, file spells {real}");
        }
    }
}

#[test]
fn every_paired_region_exists_in_the_same_cloud() {
    let catalog = common::catalog();
    let mut pairs = 0;
    for r in &catalog.regions {
        if let Some(p) = &r.paired {
            pairs += 1;
            let pair = catalog.find_region(r.cloud, p);
            assert!(
                pair.is_some(),
                "{} {}: paired region {p} not in {}",
                r.cloud,
                r.name,
                r.cloud
            );
        }
    }
    assert!(pairs > 40, "only {pairs} pairs");
}

#[test]
fn every_cloud_has_regions_and_the_documented_example_pair() {
    let c = common::catalog();
    assert_eq!(
        c.find_region(Cloud::Public, "eastus2")
            .unwrap()
            .paired
            .as_deref(),
        Some("centralus")
    );
    assert_eq!(
        c.find_region(Cloud::Public, "France Central")
            .unwrap()
            .tag_region
            .as_deref(),
        Some("centralfrance")
    );
    assert!(c.regions_of(Cloud::Usgov).count() >= 5);
    assert!(c.regions_of(Cloud::China).count() >= 6);
    // Regions with no ARM name in the data are left out.
    assert!(c.find_region(Cloud::Public, "brazilne").is_none());
    assert!(c.find_region(Cloud::Public, "northeurope2").is_none());
}

#[test]
fn a_region_without_regional_tags_falls_back_to_global_tags_with_a_warning() {
    // denmarkeast is in Microsoft's region list but not in Service Tags file 376.
    let rs = common::rules("schema_version = 1\ncloud = \"public\"\nregion = \"denmarkeast\"\n");
    assert!(rs.rules.iter().any(|r| r.remote == "Storage"));
    assert!(rs.warnings.iter().any(|w| w.code == "no-regional-tag"));
}

#[test]
fn every_requirement_names_a_document_section_and_purpose() {
    let c = common::catalog();
    for r in &c.requirements {
        assert!(
            !r.refs.is_empty() && r.refs.iter().all(|x| !x.section.trim().is_empty()),
            "{}",
            r.id
        );
        assert!(r.purpose.len() > 10, "{}: purpose too short", r.id);
    }
}

#[test]
fn a_later_edition_can_be_added_as_data_only() {
    // Shape check for the notes' §8: a second edition that adds one rule and retires another
    // needs nothing but catalog entries.
    let extra = r#"
[[edition]]
id = "2022-09"
title = "A later edition"

[[requirement]]
id = "test-later-batch-outbound"
kind = "service-tag"
destination = { all = "BatchNodeManagement.<region>" }
ports = ["tcp:443"]
always = true
since = "2022-09"
purpose = "Outbound to Batch, added by a later edition"
refs = [{ doc = "SEED", section = "test" }]
"#;
    let text = format!("{}\n{extra}", amlfw::catalog::BUILTIN_CATALOG);
    let cat = amlfw::Catalog::from_toml(&text, amlfw::catalog::BUILTIN_REGIONS, "t", "r")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cat.editions[0].id, "2021-09");
    assert_eq!(cat.editions[1].id, "2022-09");
    let mut p = Profile::new(Cloud::Public, "eastus2");
    let old = resolve(&cat, &p).unwrap();
    p.edition = Some("2022-09".into());
    let new = resolve(&cat, &p).unwrap();
    assert!(old.rule("test-later-batch-outbound").is_none());
    assert!(new.rule("test-later-batch-outbound").is_some());
}
