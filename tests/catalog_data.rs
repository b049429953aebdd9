//! The catalog and region data checked against Microsoft's real Service Tags files.
mod common;

use amlfw::export::tabular::remote_is_tag;
use amlfw::{resolve, Cloud, InboundRoutes, Profile};
use std::collections::BTreeSet;

/// Every tag `resolve` can produce for `cloud`: every region and edition, both route modes,
/// with and without the private-AKS switch (which drops the tunnel tags), every option on and
/// every option off.
fn every_producible_tag(cloud: Cloud) -> BTreeSet<(String, String)> {
    let catalog = common::catalog();
    let every: Vec<String> = catalog.features.iter().map(|f| f.id.clone()).collect();
    let mut out = BTreeSet::new();
    let but_private: Vec<String> = every
        .iter()
        .filter(|f| *f != "aks-private")
        .cloned()
        .collect();
    for region in catalog.regions_of(cloud) {
        for edition in &catalog.editions {
            for mode in [InboundRoutes::ServiceTags, InboundRoutes::IpPrefixes] {
                for features in [&every, &but_private] {
                    // Every option on, then every option off (some requirements need an option
                    // on, others one off).
                    for on in [true, false] {
                        let mut p = Profile::new(cloud, region.name.clone());
                        p.edition = Some(edition.id.clone());
                        p.features = features.clone();
                        p.inbound_routes = Some(mode);
                        for o in &catalog.options {
                            p.set_option(&o.id, Some(on));
                        }
                        let rs = resolve(catalog, &p).unwrap();
                        for r in rs.rules.iter().filter(|r| remote_is_tag(r)) {
                            out.insert((region.name.clone(), r.remote.to_string()));
                        }
                    }
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
fn front_door_first_party_is_only_where_microsofts_file_has_it() {
    // The 2026-03 article asks for AzureFrontDoor.FirstParty in every cloud, but only the
    // public Service Tags file has the tag.
    for cloud in Cloud::ALL {
        let in_file = common::service_tags(cloud).contains("AzureFrontDoor.FirstParty");
        assert_eq!(in_file, cloud == Cloud::Public, "{cloud}");
        let produced = every_producible_tag(cloud)
            .iter()
            .any(|(_, t)| t == "AzureFrontDoor.FirstParty");
        assert_eq!(produced, in_file, "{cloud}");
    }
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

/// A synthetic edition newer than every real one: a document, and a requirement it adds.
const EXTRA_EDITION: &str = r#"
[[edition]]
id = "2030-01"
date = "2030-01-15"
title = "A synthetic later edition"
summary = "Adds one test rule."
documents = ["FW-2603", "REC-2502", "TRV-2108", "INF-2010", "DAKS-2009", "AKS-2101", "TEST-2030"]

[[document]]
key = "TEST-2030"
title = "Test document"
path = "nowhere"
revision = "2030-01-15"

[[requirement]]
id = "test-later-outbound"
kind = "service-tag"
destination = { all = "AzureMachineLearning" }
ports = ["tcp:9999"]
always = true
since = "2030-01"
purpose = "Outbound rule added by a later edition"
refs = [{ doc = "TEST-2030", section = "test" }]
"#;

#[test]
fn a_later_edition_can_be_added_as_data_only() {
    let text = format!("{}\n{EXTRA_EDITION}", amlfw::catalog::BUILTIN_CATALOG);
    let cat = amlfw::Catalog::from_toml(&text, amlfw::catalog::BUILTIN_REGIONS, "t", "r")
        .unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = cat.editions.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["2021-09", "2026-03", "2030-01"]);
    // The newest is the default, with no code change.
    assert_eq!(cat.default_edition().id, "2030-01");
    let mut p = Profile::new(Cloud::Public, "eastus2");
    let newest = resolve(&cat, &p).unwrap();
    assert_eq!(newest.settings.edition, "2030-01");
    let rule = newest.rule("test-later-outbound").expect("the new rule");
    assert_eq!(rule.references[0].doc, "TEST-2030");
    // Requirements carried over show the references of the new edition's documents only.
    let aml = newest.rule("aml-fqdn-api").unwrap();
    assert!(aml.references.iter().all(|r| r.doc == "FW-2603"), "{aml:?}");
    p.edition = Some("2026-03".into());
    assert!(resolve(&cat, &p)
        .unwrap()
        .rule("test-later-outbound")
        .is_none());
    p.edition = Some("2021-09".into());
    let old = resolve(&cat, &p).unwrap();
    assert!(old.rule("test-later-outbound").is_none());
    assert!(old
        .rule("aml-fqdn-api")
        .unwrap()
        .references
        .iter()
        .all(|r| r.doc == "SEED"));
}

#[test]
fn editions_are_ordered_by_date_not_by_file_position() {
    // The synthetic edition is written first, with a date between the real ones.
    let between = EXTRA_EDITION
        .replace("2030-01-15", "2024-06-01")
        .replace("2030-01", "2024-06")
        // An edition between two others carries requirements of both: it cites both's sources.
        .replace(
            "documents = [\"FW-2603\"",
            "documents = [\"SEED\", \"PIA-0721\", \"UDR-0826\", \"FW-0729\", \"FW-2603\"",
        )
        .replace(
            "refs = [{ doc = \"TEST-2030\", section = \"test\" }]",
            "refs = [{ doc = \"TEST-2030\", section = \"test\" }, { doc = \"FW-2603\", section = \"test\" }]",
        );
    let text = format!(
        "schema_version = 1\n{between}\n{}",
        amlfw::catalog::BUILTIN_CATALOG.replacen("schema_version = 1\n", "", 1)
    );
    let cat = amlfw::Catalog::from_toml(&text, amlfw::catalog::BUILTIN_REGIONS, "t", "r")
        .unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = cat.editions.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["2021-09", "2024-06", "2026-03"]);
    assert_eq!(cat.default_edition().id, "2026-03");
    // `since` compares positions in date order: the rule is in 2024-06 and in 2026-03.
    let mut p = Profile::new(Cloud::Public, "eastus2");
    assert!(resolve(&cat, &p)
        .unwrap()
        .rule("test-later-outbound")
        .is_some());
    p.edition = Some("2021-09".into());
    assert!(resolve(&cat, &p)
        .unwrap()
        .rule("test-later-outbound")
        .is_none());
}

#[test]
fn a_requirement_without_a_reference_for_one_of_its_editions_is_refused() {
    // The synthetic edition's documents leave out FW-2603: every carried-over requirement that
    // cites only FW-2603 for the new guidance now has no source there.
    let extra = EXTRA_EDITION.replace("\"FW-2603\", ", "");
    let text = format!("{}\n{extra}", amlfw::catalog::BUILTIN_CATALOG);
    let err = amlfw::Catalog::from_toml(&text, amlfw::catalog::BUILTIN_REGIONS, "t", "r")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("in edition 2030-01 but no reference to one of its documents"),
        "{err}"
    );
}

#[test]
fn every_requirement_of_every_edition_cites_that_editions_documents() {
    let c = common::catalog();
    for (i, e) in c.editions.iter().enumerate() {
        let mut cited = 0;
        for r in &c.requirements {
            for rf in &r.edition_references[i] {
                assert!(e.documents.contains(&rf.doc), "{} in {}", r.id, e.id);
                cited += 1;
            }
        }
        assert!(cited > 50, "{}: only {cited} references", e.id);
    }
    // The edition's main document is the one most cited.
    let newest = c.editions.len() - 1;
    let fw = c
        .requirements
        .iter()
        .filter(|r| {
            r.edition_references[newest]
                .iter()
                .any(|x| x.doc == "FW-2603")
        })
        .count();
    assert!(fw > 60, "only {fw} requirements cite FW-2603");
}

/// Warnings name hosts of the profile's cloud: a public-cloud storage or registry suffix in an
/// Azure Government or China warning sends the admin to allow a name that does not exist there.
/// (A warning may still compare with the public cloud, so only those two suffixes are held.)
#[test]
fn warnings_name_the_hosts_of_their_cloud() {
    let catalog = common::catalog();
    let every: Vec<String> = catalog.features.iter().map(|f| f.id.clone()).collect();
    for cloud in [Cloud::Usgov, Cloud::China] {
        let region = catalog.regions_of(cloud).next().expect("a region");
        for edition in &catalog.editions {
            let mut p = Profile::new(cloud, region.name.clone());
            p.edition = Some(edition.id.clone());
            p.features = every.clone();
            let rs = resolve(catalog, &p).unwrap();
            for w in &rs.warnings {
                for public in [".core.windows.net", ".azurecr.io"] {
                    assert!(
                        !w.message.contains(public),
                        "{cloud:?} {}: a warning names {public}: {}",
                        edition.id,
                        w.message
                    );
                }
            }
        }
    }
}
