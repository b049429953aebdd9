//! Editions from the command line: the newest is the default, an older one can be pinned, the
//! 2026-03 options and features work, and `amlfw diff` says what changed with its sources.
mod common;

use serde_json::Value;
use std::collections::BTreeSet;

/// `amlfw rules ... --format json`, parsed, with stderr.
fn rules_json(args: &[&str]) -> (Value, String) {
    let mut all = vec!["rules", "--format", "json"];
    all.extend_from_slice(args);
    let out = common::amlfw_ok(&all);
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// (kind, destination or source, port spec) of every rule.
fn triples(doc: &Value) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for r in doc["rules"].as_array().unwrap() {
        let kind = r["kind"].as_str().unwrap().to_string();
        let remote = if kind == "inbound" {
            r["source"][0].as_str().unwrap().to_string()
        } else {
            r["destination"][0].as_str().unwrap().to_string()
        };
        for p in r["port_specs"].as_array().unwrap() {
            out.insert((
                kind.clone(),
                remote.clone(),
                p.as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

/// The warning messages of a JSON rule set.
fn warnings(doc: &Value) -> String {
    doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["message"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

fn has(t: &BTreeSet<(String, String, String)>, kind: &str, remote: &str, port: &str) -> bool {
    t.contains(&(kind.into(), remote.into(), port.into()))
}

#[test]
fn the_default_edition_is_2026_03_with_the_changes_compute_needs() {
    let (doc, stderr) = rules_json(&["--region", "eastus2", "--feature", "compute-instance"]);
    assert_eq!(doc["edition"], "2026-03");
    let t = triples(&doc);
    assert!(
        has(&t, "service-tag", "BatchNodeManagement.EastUS2", "tcp:443"),
        "{t:?}"
    );
    assert!(has(&t, "service-tag", "AzureMachineLearning", "udp:5831"));
    assert!(has(&t, "service-tag", "AzureActiveDirectory", "tcp:80"));
    assert!(has(&t, "service-tag", "AzureActiveDirectory", "tcp:443"));
    assert!(!has(&t, "service-tag", "AzureActiveDirectory", "tcp:*"));
    assert!(has(&t, "network", "eastus2.tundra.azureml.ms", "udp:5831"));
    assert!(
        !t.iter()
            .any(|(k, _, p)| k == "inbound" && p.contains("29876")),
        "{t:?}"
    );
    // Inbound 44224 only for compute with a public IP, which was not said: a notice says so.
    assert!(!t.iter().any(|(_, _, p)| p == "tcp:44224"));
    let w = warnings(&doc);
    assert!(
        w.contains("compute_public_ip ('Compute has a public IP') not given"),
        "{w}"
    );
    // No edition chosen: the notice names the one used and how to pin it.
    assert!(
        stderr.contains("using the newest, 2026-03; pin it with --edition 2026-03"),
        "{stderr}"
    );
}

#[test]
fn edition_2021_09_keeps_the_2021_rules_and_pinning_silences_the_notice() {
    let (doc, stderr) = rules_json(&[
        "--region",
        "eastus2",
        "--feature",
        "compute-instance",
        "--edition",
        "2021-09",
    ]);
    assert_eq!(doc["edition"], "2021-09");
    let t = triples(&doc);
    assert!(has(&t, "service-tag", "AzureActiveDirectory", "tcp:*"));
    assert!(has(&t, "inbound", "BatchNodeManagement", "tcp:29876-29877"));
    assert!(has(&t, "inbound", "AzureMachineLearning", "tcp:44224"));
    assert!(!has(
        &t,
        "service-tag",
        "BatchNodeManagement.EastUS2",
        "tcp:443"
    ));
    assert!(!stderr.contains("no edition chosen"), "{stderr}");
    // Its references are the 2021 documents only.
    for r in doc["rules"].as_array().unwrap() {
        for rf in r["reference"].as_array().unwrap() {
            assert_ne!(rf["doc"], "FW-2603", "{r}");
        }
    }
}

#[test]
fn options_add_their_rules_and_are_ignored_with_a_notice_where_unused() {
    let (doc, _) = rules_json(&[
        "--region",
        "eastus2",
        "--feature",
        "compute-cluster",
        "--compute-public-ip",
        "--storage-firewall",
        "--monitor-secured",
        "--edition",
        "2026-03",
    ]);
    let t = triples(&doc);
    assert!(has(&t, "inbound", "AzureMachineLearning", "tcp:44224"));
    assert!(has(&t, "route", "AzureMachineLearning", "any:*"));
    assert!(has(&t, "service-tag", "Storage.EastUS2", "tcp:445"));
    assert!(!t.iter().any(|(_, r, _)| r == "AzureMonitor"), "{t:?}");
    assert!(!t.iter().any(|(_, r, _)| r.contains("applicationinsights")));
    // Off again: the public-IP rules go.
    let (doc, _) = rules_json(&[
        "--region",
        "eastus2",
        "--feature",
        "compute-cluster",
        "--compute-public-ip=false",
        "--edition",
        "2026-03",
    ]);
    let t = triples(&doc);
    assert!(
        !t.iter().any(|(k, _, _)| k == "inbound" || k == "route"),
        "{t:?}"
    );
    assert!(t.iter().any(|(_, r, _)| r == "AzureMonitor"));

    // `=` is required for a value, so a bare flag never swallows the next argument.
    let out = assert_cmd::Command::cargo_bin("amlfw")
        .unwrap()
        .args([
            "rules",
            "--region",
            "eastus2",
            "--storage-firewall",
            "false",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = common::amlfw_ok(&[
        "rules",
        "--region",
        "eastus2",
        "--edition",
        "2021-09",
        "--storage-firewall",
        "--feature",
        "rstudio",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("option storage_firewall = true is ignored: edition 2021-09"),
        "{stderr}"
    );
    assert!(
        stderr.contains("feature 'rstudio' is ignored: edition 2021-09"),
        "{stderr}"
    );
}

#[test]
fn the_workspace_id_is_validated_and_named_in_the_kubernetes_host() {
    let base = ["--region", "eastus2", "--feature", "kubernetes-compute"];
    let (doc, _) = rules_json(&base);
    let t = triples(&doc);
    assert!(
        has(
            &t,
            "fqdn-app",
            "*.workspace.eastus2.api.azureml.ms",
            "https:443"
        ),
        "{t:?}"
    );
    let w = warnings(&doc);
    assert!(w.contains("no workspace ID given"), "{w}");
    let mut args = base.to_vec();
    args.extend(["--workspace-id", "0A1B2C3D-4E5F-6789-ABCD-EF0123456789"]);
    let (doc, _) = rules_json(&args);
    assert!(has(
        &triples(&doc),
        "fqdn-app",
        "0a1b2c3d-4e5f-6789-abcd-ef0123456789.workspace.eastus2.api.azureml.ms",
        "https:443"
    ));
    let out = assert_cmd::Command::cargo_bin("amlfw")
        .unwrap()
        .args([
            "rules",
            "--region",
            "eastus2",
            "--workspace-id",
            "x.evil.com",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--workspace-id 'x.evil.com'"));
}

#[test]
fn editions_lists_id_date_source_and_summary_with_the_default_marked() {
    let out = common::amlfw_ok(&["editions"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let c = common::catalog();
    for e in &c.editions {
        let line = text
            .lines()
            .find(|l| l.starts_with(&e.id))
            .unwrap_or_else(|| panic!("{} missing:\n{text}", e.id));
        assert!(line.contains(&e.date), "{line}");
        assert_eq!(line.contains("(default)"), e.id == "2026-03", "{line}");
        assert!(text.contains(&e.summary));
    }
}

#[test]
fn diff_lists_the_changes_since_2021_with_their_sources() {
    let out = common::amlfw_ok(&[
        "diff",
        "--from",
        "2021-09",
        "--region",
        "eastus2",
        "--feature",
        "compute-instance",
        "--format",
        "json",
    ]);
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["to"], "2026-03");
    let find = |change: &str, remote: &str| -> Value {
        d["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["change"] == change && c["remote"] == remote)
            .unwrap_or_else(|| panic!("no {change} {remote} in {d:#}"))
            .clone()
    };
    let batch = find("added", "BatchNodeManagement.EastUS2");
    assert_eq!(batch["to"]["references"][0]["doc"], "FW-2603");
    assert_eq!(batch["to"]["references"][0]["revision"], "2026-03-19");
    let aad = find("changed", "AzureActiveDirectory");
    assert_eq!(aad["what"][0], "ports tcp:* -> tcp:80 tcp:443");
    let aml = find("changed", "AzureMachineLearning");
    assert!(aml["to"]["ports"]
        .as_array()
        .unwrap()
        .contains(&Value::from("udp:5831")));
    let batch_in = find("removed", "BatchNodeManagement");
    assert_eq!(batch_in["kind"], "inbound");
    assert_eq!(batch_in["from"]["references"][0]["doc"], "TRV-2108");
    assert!(d["options"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["key"] == "compute_public_ip" && o["new_in_to"] == true));

    for format in ["table", "markdown"] {
        let out = common::amlfw_ok(&[
            "diff",
            "--from",
            "2021-09",
            "--region",
            "eastus2",
            "--feature",
            "compute-instance",
            "--format",
            format,
        ]);
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("BatchNodeManagement.EastUS2"), "{text}");
        assert!(
            text.contains("FW-2603 (2026-03-19) > Basic configuration"),
            "{text}"
        );
        assert!(text.contains("tcp:* -> tcp:80 tcp:443"), "{text}");
    }
    let out = assert_cmd::Command::cargo_bin("amlfw")
        .unwrap()
        .args(["diff", "--from", "2019-01", "--region", "eastus2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--from '2019-01': neither an edition"));
}

#[test]
fn every_export_header_names_the_edition() {
    for (name, rs) in common::per_cloud_profiles() {
        for t in amlfw::export::targets() {
            if amlfw::export::needs_service_tags(*t, &rs) && name.starts_with("public-eastus2-full")
            {
                continue; // the prefixes make these big; the header is what is checked
            }
            let text = common::render(t.id(), &rs).text;
            let head: String = text.lines().take(12).collect::<Vec<_>>().join("\n");
            let named = match t.id() {
                // CSV has no comment syntax: its rows carry their references instead.
                "csv" => continue,
                "json" => head.contains(&format!("\"edition\": \"{}\"", rs.settings.edition)),
                _ => head.contains(&format!("Guidance edition: {}", rs.settings.edition)),
            };
            assert!(named, "{name}/{}: {head}", t.id());
        }
    }
}

#[test]
fn diff_from_a_saved_export_reads_its_header() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rules.tf");
    common::amlfw_ok(&[
        "export",
        "--target",
        "azfw-terraform",
        "--cloud",
        "china",
        "--region",
        "chinaeast2",
        "--feature",
        "compute-instance",
        "--edition",
        "2021-09",
        "-o",
        file.to_str().unwrap(),
    ]);
    let out = common::amlfw_ok(&["diff", "--from", file.to_str().unwrap(), "--format", "json"]);
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["from"], "2021-09");
    assert_eq!(d["to"], "2026-03");
    assert_eq!(d["cloud"], "china");
    assert_eq!(d["region"], "chinaeast2");
    assert_eq!(d["features"], serde_json::json!(["compute-instance"]));
    assert!(d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["change"] == "added" && c["remote"] == "chinaeast2.tundra.azureml.cn"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("target azfw-terraform, edition 2021-09"),
        "{stderr}"
    );

    // A CSV export has no header; a missing file is named as such.
    let csv = dir.path().join("rules.csv");
    common::amlfw_ok(&[
        "export",
        "--target",
        "csv",
        "--region",
        "eastus2",
        "-o",
        csv.to_str().unwrap(),
    ]);
    for (from, says) in [
        (csv.to_str().unwrap(), "CSV exports have no header"),
        (
            "no-such-file.tf",
            "neither an edition (known: 2021-09, 2026-03) nor a file",
        ),
    ] {
        let out = assert_cmd::Command::cargo_bin("amlfw")
            .unwrap()
            .args(["diff", "--from", from])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{from}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{from}: {stderr}");
    }
}

#[test]
fn features_say_which_editions_have_them() {
    let text = String::from_utf8(common::amlfw_ok(&["features"]).stdout).unwrap();
    let line = |id: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("{id} missing:\n{text}"))
            .to_string()
    };
    assert!(
        line("rstudio").ends_with("[editions: 2026-03]"),
        "{}",
        line("rstudio")
    );
    assert!(line("diagnostics").ends_with("[editions: 2021-09]"));
    assert!(!line("compute-instance").contains("[editions"));
}
