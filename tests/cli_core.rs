//! The `rules`, `features` and `regions` commands through the real binary: exit codes,
//! messages that name the bad value, and the documented JSON shape.
mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn amlfw() -> Command {
    Command::cargo_bin("amlfw").unwrap()
}

/// Runs with `args`, expects exit 2 and a single clear line naming `needles`.
fn bad_input(args: &[&str], needles: &[&str]) {
    let out = amlfw().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "args {args:?}: stderr {err}");
    for n in needles {
        assert!(err.contains(n), "args {args:?}: stderr lacks {n:?}: {err}");
    }
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "nothing on stdout on error");
}

#[test]
fn unknown_region_suggests_the_closest_names() {
    bad_input(
        &["rules", "--region", "eastus3"],
        &["eastus3", "closest", "eastus2"],
    );
    bad_input(
        &["rules", "--cloud", "china", "--region", "eastus2"],
        &["eastus2", "china"],
    );
}

/// A region of another cloud names that cloud, rather than the closest names of this one.
#[test]
fn a_region_of_another_cloud_names_its_cloud() {
    bad_input(
        &["rules", "--region", "usgovvirginia"],
        &["usgovvirginia is a region of usgov", "--cloud usgov"],
    );
    bad_input(
        &["rules", "--cloud", "usgov", "--region", "ChinaNorth3"],
        &["chinanorth3 is a region of china", "--cloud china"],
    );
    bad_input(
        &["rules", "--cloud", "china", "--region", "eastus2"],
        &["eastus2 is a region of public", "--cloud public"],
    );
}

#[test]
fn bad_values_name_the_flag_the_value_and_the_rule() {
    bad_input(
        &[
            "rules",
            "--region",
            "eastus2",
            "--storage-account",
            "My-Storage",
        ],
        &["--storage-account", "My-Storage", "3-24 lowercase"],
    );
    bad_input(
        &["rules", "--region", "eastus2", "--acr-name", "acr"],
        &["--acr-name", "'acr'", "5-50"],
    );
    bad_input(
        &["rules", "--region", "eastus2", "--source", "10.0.0.0/33"],
        &["--source", "10.0.0.0/33", "CIDR"],
    );
    bad_input(
        &["rules", "--region", "eastus2", "--source", "10.0.0.5/24"],
        &["host bits", "10.0.0.0/24"],
    );
    bad_input(
        &["rules", "--region", "eastus2", "--feature", "gpu"],
        &["--feature", "'gpu'", "amlfw features"],
    );
    bad_input(
        &["rules", "--region", "eastus2", "--aks-dns-server", "dns1"],
        &["--aks-dns-server", "dns1"],
    );
    bad_input(
        &["rules", "--region", "eastus2", "--name-prefix", "a b"],
        &["--name-prefix", "letter"],
    );
    bad_input(
        &["rules", "--region", "eastus2", "--priority-base", "5000"],
        &["--priority-base", "4000"],
    );
    bad_input(
        &["rules", "--region", "eastus2", "--cloud", "mars"],
        &["mars", "public, usgov, china"],
    );
    bad_input(
        &["rules", "--region", "eastus2", "--inbound-routes", "bgp"],
        &["bgp", "ip-prefixes"],
    );
    bad_input(&["rules"], &["no region", "--region"]);
}

fn profile_file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    common::temp_file("p.toml", text)
}

#[test]
fn profile_file_errors_name_the_file_and_line() {
    let (_d, p) = profile_file(
        "schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nstorage_acount = \"x\"\n",
    );
    let path = p.to_str().unwrap();
    bad_input(
        &["rules", "--profile-file", path],
        &[path, "storage_acount", "line 4"],
    );

    let (_d, p) = profile_file("schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\n\nstorage_account = \"BAD\"\n");
    let path = p.to_str().unwrap();
    bad_input(
        &["rules", "--profile-file", path],
        &[&format!("{path}:5:"), "storage_account", "BAD"],
    );

    let (_d, p) = profile_file("schema_version = 1\ncloud = \"public\"\nregion = \"atlantis\"\n");
    bad_input(
        &["rules", "--profile-file", p.to_str().unwrap()],
        &[":3:", "atlantis", "closest"],
    );

    let (_d, p) = profile_file("schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nfeatures = [\"studio\", \"studoi\"]\n");
    bad_input(
        &["rules", "--profile-file", p.to_str().unwrap()],
        &[":4:", "studoi"],
    );

    let (_d, p) = profile_file("schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nsources = [\"10.1.0.0/16\", \"x\"]\n");
    bad_input(
        &["rules", "--profile-file", p.to_str().unwrap()],
        &[":4:", "sources", "'x'"],
    );

    let (_d, p) = profile_file("schema_version = 9\ncloud = \"public\"\nregion = \"eastus2\"\n");
    bad_input(
        &["rules", "--profile-file", p.to_str().unwrap()],
        &["schema_version 9", "upgrade amlfw"],
    );

    let (_d, p) = profile_file("schema_version = 1\ncloud = \"public\"\nregion = [\n");
    bad_input(&["rules", "--profile-file", p.to_str().unwrap()], &["line"]);

    bad_input(
        &["rules", "--profile-file", "/nonexistent/p.toml"],
        &["/nonexistent/p.toml"],
    );
}

#[test]
fn flags_override_the_profile_file() {
    let (_d, p) = profile_file(
        "schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nfeatures = [\"studio\"]\n",
    );
    let out = common::amlfw_ok(&[
        "rules",
        "--format",
        "json",
        "--profile-file",
        p.to_str().unwrap(),
        "--region",
        "westeurope",
        "--feature",
        "r",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["region"], "westeurope");
    assert_eq!(v["features"], serde_json::json!(["r"]));
}

#[test]
fn json_output_has_the_documented_fields() {
    let out = common::amlfw_ok(&[
        "rules",
        "--format",
        "json",
        "--region",
        "East US 2",
        "--feature",
        "compute-instance,notebooks,aks",
        "--source",
        "10.0.1.0/24",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["cloud"], "public");
    assert_eq!(v["region"], "eastus2");
    assert!(v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|w| w["message"].is_string()));
    let rules = v["rules"].as_array().unwrap();
    assert!(rules.len() > 30);
    for r in rules {
        for field in [
            "id",
            "kind",
            "direction",
            "protocol",
            "ports",
            "source",
            "destination",
            "features",
            "purpose",
            "reference",
        ] {
            assert!(r.get(field).is_some(), "rule {} lacks {field}", r["id"]);
        }
        assert!(!r["reference"].as_array().unwrap().is_empty());
    }
    let storage = rules.iter().find(|r| r["id"] == "aml-tag-storage").unwrap();
    assert_eq!(
        storage["destination"],
        serde_json::json!(["Storage.EastUS2"])
    );
    assert_eq!(storage["source"], serde_json::json!(["10.0.1.0/24"]));
    assert_eq!(storage["protocol"], "tcp");
    assert_eq!(storage["ports"], serde_json::json!(["443"]));
}

#[test]
fn table_output_fits_100_columns_and_counts_kinds() {
    let mut args = vec![
        "rules",
        "--region",
        "eastus2",
        "--storage-account",
        "amlstore01",
    ];
    let all = common::all_features_but_private().join(",");
    args.extend(["--feature", &all]);
    let out = common::amlfw_ok(&args);
    let text = String::from_utf8(out.stdout).unwrap();
    for line in text.lines() {
        assert!(
            line.chars().count() <= 100,
            "too wide ({}): {line}",
            line.chars().count()
        );
    }
    assert!(text.contains("*.instances.azureml.ms"));
    assert!(text.lines().last().unwrap().contains("tag "));
}

#[test]
fn csv_output_parses() {
    let out = common::amlfw_ok(&["rules", "--format", "csv", "--region", "eastus2"]);
    let mut rdr = csv::Reader::from_reader(out.stdout.as_slice());
    assert_eq!(rdr.headers().unwrap().get(0), Some("id"));
    let ids: Vec<String> = rdr.records().map(|r| r.unwrap()[0].to_string()).collect();
    let json = amlfw()
        .args(["rules", "--format", "json", "--region", "eastus2"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    let json_ids: Vec<&str> = v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, json_ids);
}

#[test]
fn listings_work() {
    amlfw()
        .arg("features")
        .assert()
        .success()
        .stdout(predicate::str::contains("aks-gpu").and(predicate::str::contains("needs aks")));
    amlfw()
        .args(["regions", "--cloud", "usgov"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("usgovvirginia")
                .and(predicate::str::contains("eastus2").not()),
        );
    amlfw()
        .arg("targets")
        .assert()
        .success()
        .stdout(predicate::str::contains("csv"));
}

#[test]
fn profile_round_trip_is_lossless() {
    let text = r#"schema_version = 1
cloud = "usgov"
region = "usgovvirginia"
edition = "2021-09"
features = ["compute-cluster", "notebooks", "aks", "aks-gpu"]
storage_account = "govstore01"
acr_name = "govacr01"
sources = ["10.0.0.0/24", "2001:db8::/64"]
inbound_routes = "ip-prefixes"
aks_dns_servers = ["10.0.0.4", "10.0.0.5"]
name_prefix = "gov-ml"
priority_base = 2000
compute_public_ip = true
private_endpoints = false
monitor_secured = true
storage_firewall = true
workspace_id = "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
"#;
    let p = common::profile(text);
    assert_eq!(p.to_toml(), text);
    assert_eq!(amlfw::Profile::from_toml(&p.to_toml()).unwrap(), p);
    // The minimal profile too: absent options stay absent.
    let minimal = "schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nfeatures = []\n";
    let mut p = amlfw::Profile::from_toml(minimal).unwrap();
    p.validate(common::catalog()).unwrap();
    assert_eq!(p.to_toml(), minimal);
}

/// Flags of the wizard before a command would be ignored: they are refused, naming where to
/// put them (issue 20, point 10). After the command they apply.
#[test]
fn flags_before_a_command_are_refused() {
    bad_input(
        &["--region", "westeurope", "rules"],
        &["--region", "`rules`", "amlfw rules --region", "ignored"],
    );
    bad_input(
        &["--clipboard", "osc52", "targets"],
        &["--clipboard", "`targets`"],
    );
    bad_input(
        &["--cloud", "usgov", "--feature", "studio", "dns"],
        &["--cloud, --feature", "`dns`"],
    );
    let out = amlfw()
        .args(["rules", "--region", "westeurope", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("westeurope"));
}

/// `export --help` lists every target id; an unknown one is refused with the list.
#[test]
fn target_help_lists_the_targets() {
    let out = amlfw().args(["export", "--help"]).output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout).replace('\n', " ");
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains("[possible values: azfw-policy-arm,"),
        "{help}"
    );
    for t in amlfw::export::targets() {
        assert!(help.contains(t.id()), "--help lacks {}: {help}", t.id());
    }
    bad_input(
        &["export", "--region", "eastus2", "--target", "nope"],
        &["nope", "possible values", "azfw-policy-arm"],
    );
}

/// The help line of every profile flag is the core's table's (`amlfw::fields`): one place
/// words it for the CLI, next to the wizard's label and the value check.
#[test]
fn profile_flags_are_explained_by_the_table_of_fields() {
    let out = amlfw().args(["rules", "--help"]).output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for f in amlfw::fields::FIELDS {
        let flag = f.cli.split(' ').next().unwrap();
        assert!(
            help.contains(&format!("{flag} ")) && help.contains(f.cli_help),
            "rules --help lacks {flag}: {}",
            f.cli_help
        );
    }
}

/// `amlfw completions SHELL` prints a script that knows the commands and the target ids;
/// `amlfw man` prints a roff page naming the commands.
#[test]
fn completions_and_man_page() {
    for (shell, marker) in [
        ("bash", "complete -F _amlfw"),
        ("zsh", "#compdef amlfw"),
        ("fish", "complete -c amlfw"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = amlfw().args(["completions", shell]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{shell}: {err}");
        let s = String::from_utf8_lossy(&out.stdout);
        for want in [marker, "completions", "audit", "azfw-policy-arm"] {
            assert!(s.contains(want), "{shell} completion lacks {want:?}");
        }
    }
    bad_input(&["completions", "tcsh"], &["tcsh", "bash"]);
    let out = amlfw().arg("man").output().unwrap();
    assert!(out.status.success());
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains(".TH amlfw 1"), "{s}");
    for want in ["completions", "export", "audit", "wizard"] {
        assert!(s.contains(want), "the man page lacks {want:?}");
    }
}
