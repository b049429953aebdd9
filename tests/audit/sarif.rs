//! `--format sarif` is valid SARIF 2.1.0 by the official schema (vendored in
//! tests/fixtures/sarif), so CI code scanning can read it.

use crate::common;
use serde_json::{json, Value};

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(common::fixture("sarif/sarif-schema-2.1.0.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let v = validator();
    let fixtures = [
        "az-rcg-list.json",
        "az-policy-show.json",
        "az-nsg-show.json",
        "az-route-table-show.json",
    ]
    .map(|f| common::fixture(&format!("audit/{f}")).display().to_string());
    let mut args = vec![
        "audit",
        "--region",
        "eastus2",
        "--feature",
        "compute-cluster",
        "--source",
        "10.0.1.0/24",
        "--edition",
        "2021-09",
        "--format",
        "sarif",
    ];
    args.extend(fixtures.iter().map(String::as_str));
    let out = assert_cmd::Command::cargo_bin("amlfw")
        .unwrap()
        .args(&args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errs = errors(&v, &doc);
    assert!(errs.is_empty(), "{errs:#?}");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "shadowed" && r["level"] == "error"));
    // Every result's ruleIndex points at its rule.
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"], "{r}");
    }
    // A path with a space is still a URI reference.
    let file = results
        .iter()
        .find_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .unwrap();
    assert!(file.ends_with(".json") && !file.contains(' '));
}

#[test]
fn the_schema_check_can_fail() {
    let v = validator();
    let bad = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "amlfw"}},
        "results": [{"ruleId": "missing", "level": "fatal", "message": {"text": "x"}}]}]});
    assert!(!errors(&v, &bad).is_empty());
    let no_message = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "amlfw"}}, "results": [{"ruleId": "x"}]}]});
    assert!(!errors(&v, &no_message).is_empty());
    let spaced = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "amlfw"}}, "results": [{"message": {"text": "x"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "my dir/x.json"}}}]}]}]});
    assert!(!errors(&v, &spaced).is_empty(), "formats are checked");
}

#[test]
fn file_names_become_uri_references() {
    let rs = crate::small();
    let net = amlfw::audit::parse(
        "my dir/nsg #1.json",
        &crate::nsg(vec![crate::sec(
            "deny", 100, "Inbound", "Deny", "*", "*", "*",
        )]),
    )
    .unwrap();
    let rep = amlfw::audit::audit(&rs, &net, &amlfw::audit::AuditOptions::default());
    let doc: Value = serde_json::from_str(&amlfw::audit::report::sarif(&rep)).unwrap();
    let errs = errors(&validator(), &doc);
    assert!(errs.is_empty(), "{errs:#?}");
    assert!(doc.to_string().contains("my%20dir/nsg%20%231.json"));
}

/// GitHub's upload-sarif refuses a whole file when one result has no location ("expected at
/// least one location"): every result of these audits names a file.
#[test]
fn every_result_has_a_location() {
    let sets: &[&[&str]] = &[
        &["az-rcg-list.json", "az-policy-show.json"],
        &["az-nsg-show.json"],
        &["az-route-table-show.json"],
        &["az-firewall-show.json", "az-nsg-show.json"],
        &["portal-export-template.json"],
        &[
            "az-rcg-list.json",
            "az-policy-show.json",
            "az-nsg-show.json",
            "az-route-table-show.json",
        ],
    ];
    let mut codes = Vec::new();
    for (i, set) in sets.iter().enumerate() {
        // With and without sources: the any-source note has no rule of its own.
        let mut args = vec![
            "audit",
            "--region",
            "eastus2",
            "--feature",
            "compute-cluster,compute-instance",
            "--format",
            "sarif",
        ];
        if i % 2 == 0 {
            args.extend(["--source", "10.0.1.0/24"]);
        }
        let files: Vec<String> = set
            .iter()
            .map(|f| common::fixture(&format!("audit/{f}")).display().to_string())
            .collect();
        args.extend(files.iter().map(String::as_str));
        let out = assert_cmd::Command::cargo_bin("amlfw")
            .unwrap()
            .args(&args)
            .output()
            .unwrap();
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        for r in doc["runs"][0]["results"].as_array().unwrap() {
            let at = r["locations"].as_array().map_or(&[][..], Vec::as_slice);
            assert!(
                !at.is_empty()
                    && at
                        .iter()
                        .all(|l| l["physicalLocation"]["artifactLocation"]["uri"]
                            .as_str()
                            .is_some_and(|u| u.ends_with(".json"))),
                "{set:?}: {r}"
            );
            codes.push(r["ruleId"].as_str().unwrap().to_string());
        }
    }
    // The results that had none before: a finding about a requirement a layer cannot hold,
    // and the notes about the input as a whole.
    for code in ["not-covered-by-design", "not-checked", "any-source"] {
        assert!(codes.iter().any(|c| c == code), "{code}: {codes:?}");
    }
}
