//! The `amlfw audit` command: fixtures in the shapes az and the portal print, formats, exit
//! codes and `--fix`.

use crate::common;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Output;

fn fixture(name: &str) -> String {
    common::fixture(&format!("audit/{name}"))
        .display()
        .to_string()
}

fn public_tags() -> String {
    common::fixture("servicetags/ServiceTags_Public.376.json")
        .display()
        .to_string()
}

/// Runs amlfw. An audit without `--edition` is pinned to 2021-09: the fixtures model a
/// configuration hand-written from that revision of the document (its mistakes are the point),
/// while the default edition moves on.
fn amlfw(args: &[&str]) -> Output {
    let mut args = args.to_vec();
    if args.first() == Some(&"audit") && !args.contains(&"--edition") && !args.contains(&"--help") {
        args.splice(1..1, ["--edition", "2021-09"]);
    }
    assert_cmd::Command::cargo_bin("amlfw")
        .unwrap()
        .env_remove("NO_COLOR")
        .args(&args)
        .output()
        .unwrap()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// (code, rule name) of every finding in a JSON report.
fn findings(v: &Value) -> Vec<(String, String)> {
    v["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["rule"]["name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn status_of(v: &Value, id: &str) -> String {
    v["report"]["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))["status"]
        .as_str()
        .unwrap()
        .to_string()
}

const CLUSTER: &[&str] = &[
    "audit",
    "--region",
    "eastus2",
    "--feature",
    "compute-cluster",
    "--source",
    "10.0.1.0/24",
];

#[test]
fn az_outputs_of_all_four_kinds_show_the_typical_mistakes() {
    let (tags, rcg, pol, nsg, rt) = (
        public_tags(),
        fixture("az-rcg-list.json"),
        fixture("az-policy-show.json"),
        fixture("az-nsg-show.json"),
        fixture("az-route-table-show.json"),
    );
    let mut args = CLUSTER.to_vec();
    args.extend([
        "--service-tags",
        &tags,
        "--format",
        "json",
        &rcg,
        &pol,
        &nsg,
        &rt,
    ]);
    let out = amlfw(&args);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out);
    let f = findings(&v);
    let has = |code: &str, rule: &str| f.iter().any(|(c, r)| c == code && r == rule);
    assert!(has("invalid-tag", "AllowFrontDoor"), "{f:?}");
    assert!(has("host-in-network-rule", "AllowNtp"), "{f:?}");
    assert!(has("look-alike-wildcard", "AllowPyTorch"), "{f:?}");
    assert!(has("covered-wide", "AllowStorage"), "{f:?}");
    assert!(has("partial", "AllowBatchNodeManagement"), "{f:?}");
    assert!(has("shadowed", "DenyHighPortsInbound"), "{f:?}");
    assert!(has("route-through-firewall", "to-firewall"), "{f:?}");
    assert!(has("covered-wide", "BatchNodeManagement"), "{f:?}");
    assert!(
        has("outbound-open", "AllowInternetOutBound (default rule)"),
        "{f:?}"
    );
    assert_eq!(status_of(&v, "aml-tag-afd"), "missing");
    assert_eq!(status_of(&v, "aml-tag-storage"), "covered");
    assert_eq!(status_of(&v, "aml-nsg-batch"), "partial");
    assert_eq!(status_of(&v, "aml-nsg-amlsvc"), "missing");
    assert_eq!(status_of(&v, "aml-fqdn-graph-compute"), "missing");
    assert_eq!(status_of(&v, "aml-udr-tag-aml"), "missing");
    assert_eq!(v["passed"], false);
}

#[test]
fn az_firewall_show_classic_rules() {
    let fw = fixture("az-firewall-show.json");
    let out = amlfw(&["audit", "--region", "eastus2", "--format", "json", &fw]);
    let v = json_of(&out);
    let f = findings(&v);
    // DNS proxy is on in additionalProperties: the host-name network rule is fine.
    assert!(!f.iter().any(|(c, _)| c == "host-in-network-rule"), "{f:?}");
    assert!(
        f.contains(&("any-host".into(), "everything".into())),
        "{f:?}"
    );
    assert!(
        f.contains(&("wide-destination".into(), "azure-eastus2".into())),
        "{f:?}"
    );
    // AzureCloud.eastus2 covers Storage.EastUS2 by name, widely; *.azureml.ms only through `*`.
    assert_eq!(status_of(&v, "aml-tag-storage"), "covered");
    assert_eq!(status_of(&v, "aml-fqdn-api"), "covered");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn portal_export_template_passes() {
    let t = fixture("portal-export-template.json");
    let out = amlfw(&[
        "audit",
        "--region",
        "eastus2",
        "--feature",
        "compute-cluster",
        "--source",
        "10.20.1.0/24",
        &t,
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("Result: PASS"), "{text}");
    assert!(
        !text.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    assert!(
        text.contains("[wide-destination] AllowAzureCloudOutbound"),
        "{text}"
    );
}

fn export_to(dir: &tempfile::TempDir, target: &str, profile: &[&str]) -> PathBuf {
    let path = dir.path().join(format!("{target}.json"));
    let mut args = vec!["export", "-t", target, "-o", path.to_str().unwrap()];
    args.extend(profile);
    common::amlfw_ok(&args);
    path
}

#[test]
fn round_trip_through_the_command_line_and_fix() {
    let dir = tempfile::tempdir().unwrap();
    let profile = [
        "--region",
        "eastus2",
        "--edition",
        "2026-03",
        "--feature",
        "compute-cluster,compute-instance",
    ];
    let files: Vec<PathBuf> = ["azfw-policy-arm", "nsg-arm", "udr-arm"]
        .iter()
        .map(|t| export_to(&dir, t, &profile))
        .collect();
    let mut args = vec!["audit"];
    args.extend(profile);
    args.extend(files.iter().map(|p| p.to_str().unwrap()));
    let out = amlfw(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Remove one application rule: exit 3, and --fix prints just that rule.
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    let colls = doc["resources"][0]["properties"]["ruleCollections"]
        .as_array_mut()
        .unwrap();
    let app = colls
        .iter_mut()
        .find(|c| c["name"] == "aml-application-rules")
        .unwrap();
    let rules = app["rules"].as_array_mut().unwrap();
    let at = rules
        .iter()
        .position(|r| r["name"] == "aml-fqdn-api")
        .unwrap();
    rules.remove(at);
    std::fs::write(&files[0], doc.to_string()).unwrap();
    let out = amlfw(&args);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 requirements not covered"));
    let mut fix = args.clone();
    fix.insert(1, "--fix");
    fix.insert(2, "azfw-policy-arm");
    let out = amlfw(&fix);
    assert_eq!(out.status.code(), Some(3));
    let fixed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = fixed["resources"][0]["properties"]["ruleCollections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["rules"].as_array().unwrap())
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["aml-fqdn-api"]);
    // The fix's group is a new one: deploying it under the audited group's name (aml-rules,
    // 1000) would replace that group and delete the rules the fix does not hold.
    let group = fixed["parameters"]["ruleCollectionGroupName"]["defaultValue"]
        .as_str()
        .unwrap();
    let prio = &fixed["parameters"]["ruleCollectionGroupPriority"]["defaultValue"];
    assert_eq!((group, prio), ("aml-rules-fix", &json!(1100)));
    let header = fixed["metadata"]["header"].to_string();
    assert!(
        header.contains("NEW rule collection group, aml-rules-fix (priority 1100)")
            && header.contains("audited groups: aml-rules (1000)"),
        "{header}"
    );
    // Audited with the fix beside it: covered, no clash.
    let fix_file = dir.path().join("fix.json");
    std::fs::write(&fix_file, &out.stdout).unwrap();
    let mut with_fix = args.clone();
    with_fix.push(fix_file.to_str().unwrap());
    let out = amlfw(&with_fix);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Two files with the same group of one policy cannot both be deployed: an error, not a merge.
    let other = tempfile::tempdir().unwrap();
    let full = export_to(&other, "azfw-policy-arm", &profile);
    let copy = other.path().join("copy.json");
    std::fs::copy(&full, &copy).unwrap();
    let mut both = vec!["audit", "--format", "json"];
    both.extend(profile);
    both.extend([full.to_str().unwrap(), copy.to_str().unwrap()]);
    let out = amlfw(&both);
    assert_eq!(out.status.code(), Some(3));
    let v = json_of(&out);
    let dups: Vec<&Value> = v["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "duplicate-group")
        .collect();
    assert_eq!(dups.len(), 1, "{dups:?}");
    assert!(
        dups[0]["message"]
            .as_str()
            .unwrap()
            .contains("aml-rules is defined twice"),
        "{dups:?}"
    );
}

#[test]
fn bad_input_exits_2_naming_file_and_place() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"type\": \"Microsoft.Network/networkSecurityGroups\", \"name\": \"n\", \"properties\": {\"securityRules\": [{\"name\": \"r\", \"properties\": {\"direction\": \"Inbound\", \"access\": \"Allow\", \"protocol\": \"Tcp\", \"priority\": 100, \"destinationPortRange\": \"99999\"}}]}}").unwrap();
    let out = amlfw(&["audit", "--region", "eastus2", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "bad.json: $.properties.securityRules[0].properties.destinationPortRange: '99999'"
        ),
        "{err}"
    );
    let out = amlfw(&["audit", "--region", "eastus2", "/nonexistent/x.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/x.json"));
    let fw = fixture("az-firewall-show.json");
    let out = amlfw(&["audit", "--region", "eastus2", "--fix", "nope", &fw]);
    assert_eq!(out.status.code(), Some(2));
    let out = amlfw(&["audit", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        help.contains("3 gaps or error-level findings") && help.contains("2 bad input"),
        "{help}"
    );
}

#[test]
fn markdown_output() {
    let fw = fixture("az-firewall-show.json");
    let out = amlfw(&["audit", "--region", "eastus2", "--format", "markdown", &fw]);
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.starts_with("# amlfw audit\n"), "{md}");
    assert!(md.contains("| any-host |"), "{md}");
    assert!(md.contains("| covered | aml-tag-storage |"), "{md}");
}

#[test]
fn colour_on_a_terminal_unless_no_color() {
    let fw = fixture("az-firewall-show.json");
    let args = ["audit", "--region", "eastus2", fw.as_str()];
    let coloured = common::on_terminal(&args, &[]);
    assert!(coloured.contains("\x1b[1;33mWarnings"), "{coloured:?}");
    let plain = common::on_terminal(&args, &[("NO_COLOR", "1")]);
    assert!(
        plain.contains("Warnings (") && !plain.contains('\x1b'),
        "{plain:?}"
    );
}

/// The example run in the README is what amlfw prints for the fixtures.
#[test]
fn readme_example_is_current() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = &readme[readme
        .find("## Audit an existing firewall")
        .expect("README section")..];
    let start = section.find("```text\n").expect("example output") + "```text\n".len();
    let shown = &section[start..start + section[start..].find("```").unwrap()];
    let tags = public_tags();
    let out = assert_cmd::Command::cargo_bin("amlfw")
        .unwrap()
        .current_dir(common::fixture("audit"))
        .args([
            "audit",
            "--region",
            "eastus2",
            "--feature",
            "compute-cluster",
            "--source",
            "10.0.1.0/24",
            "--service-tags",
            &tags,
            "az-rcg-list.json",
            "az-policy-show.json",
            "az-nsg-show.json",
            "az-route-table-show.json",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), shown);
}

#[test]
fn portal_export_of_a_classic_firewall() {
    let t = fixture("portal-export-classic-firewall.json");
    let out = amlfw(&[
        "audit",
        "--region",
        "eastus2",
        "--source",
        "10.30.1.0/24",
        "--format",
        "json",
        &t,
    ]);
    assert_eq!(out.status.code(), Some(3));
    let v = json_of(&out);
    let f = findings(&v);
    // The deny collection (priority 100) comes before the allows: Storage.EastUS2 is blocked.
    assert!(
        f.contains(&("shadowed".into(), "deny-storage".into())),
        "{f:?}"
    );
    assert_eq!(status_of(&v, "aml-tag-storage"), "missing");
    // DNS proxy off in additionalProperties: the host-name network rule is an error.
    assert!(
        f.contains(&("host-in-network-rule".into(), "ntp".into())),
        "{f:?}"
    );
    assert_eq!(status_of(&v, "aml-tag-aml"), "covered");
    assert_eq!(status_of(&v, "aml-fqdn-api"), "covered");
}

#[test]
fn rule_collection_group_show_reads_like_list() {
    // `az ... rule-collection-group show` prints one group: the same as one item of `list`.
    let text = std::fs::read_to_string(fixture("az-rcg-list.json")).unwrap();
    let list: Value = serde_json::from_str(&text).unwrap();
    let from_list = amlfw::audit::parse("list.json", &text).unwrap();
    let mut from_shows = amlfw::audit::Network::default();
    for (i, g) in list.as_array().unwrap().iter().enumerate() {
        let one = amlfw::audit::parse(&format!("show{i}.json"), &g.to_string()).unwrap();
        from_shows.merge(one);
    }
    assert_eq!(from_list.collections.len(), 3);
    assert_eq!(from_shows.collections.len(), from_list.collections.len());
    for (a, b) in from_list.collections.iter().zip(&from_shows.collections) {
        assert_eq!(
            (a.kind, a.action, a.priority, a.rules.len()),
            (b.kind, b.action, b.priority, b.rules.len())
        );
    }
}

#[test]
fn edition_flag() {
    let fw = fixture("az-firewall-show.json");
    let ok = amlfw(&["audit", "--region", "eastus2", "--edition", "2021-09", &fw]);
    assert_eq!(ok.status.code(), Some(0));
    let bad = amlfw(&["audit", "--region", "eastus2", "--edition", "1999-01", &fw]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--edition '1999-01'"));
}

/// A policy without its rule collection groups holds nothing to check: that is no pass.
#[test]
fn an_input_with_nothing_to_check_does_not_pass() {
    let policy = fixture("az-policy-show.json");
    let out = amlfw(&["audit", "--region", "eastus2", &policy]);
    assert_eq!(out.status.code(), Some(3));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Result: FAIL"), "{stdout}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nothing was checked"), "{err}");
    // With the groups beside it, the same policy is read and checked as before.
    let groups = fixture("az-rcg-list.json");
    let out = amlfw(&["audit", "--region", "eastus2", &policy, &groups]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("nothing was checked"));
}

/// `--fix nsg-arm` takes priorities the audited NSG leaves free in each direction: Azure
/// refuses two rules of one priority and direction.
#[test]
fn nsg_fix_takes_free_priorities() {
    let dir = tempfile::tempdir().unwrap();
    let profile = [
        "--region",
        "eastus2",
        "--edition",
        "2026-03",
        "--feature",
        "compute-cluster,compute-instance",
        "--source",
        "10.0.1.0/24",
    ];
    let file = export_to(&dir, "nsg-arm", &profile);
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let resources = doc["resources"].as_array_mut().unwrap();
    // Drop the second outbound rule: the fix's rule would be renumbered onto the others.
    let at = resources
        .iter()
        .position(|r| {
            r["properties"]["direction"] == "Outbound" && r["properties"]["priority"] == 1010
        })
        .unwrap();
    resources.remove(at);
    // Locked down, as the guidance wants: else AllowInternetOutBound covers every tag.
    let mut deny = resources[0].clone();
    deny["name"] = json!("[format('{0}/{1}', parameters('nsgName'), 'deny-internet')]");
    deny["properties"]["priority"] = json!(4000);
    deny["properties"]["access"] = json!("Deny");
    deny["properties"]["protocol"] = json!("*");
    deny["properties"]["destinationAddressPrefix"] = json!("Internet");
    deny["properties"]["destinationPortRange"] = json!("*");
    resources.push(deny);
    let taken: Vec<(String, u64)> = resources
        .iter()
        .map(|r| {
            let p = &r["properties"];
            (
                p["direction"].as_str().unwrap().to_string(),
                p["priority"].as_u64().unwrap(),
            )
        })
        .collect();
    std::fs::write(&file, doc.to_string()).unwrap();
    let mut args = vec!["audit", "--fix", "nsg-arm"];
    args.extend(profile);
    args.push(file.to_str().unwrap());
    let out = amlfw(&args);
    assert_eq!(out.status.code(), Some(3));
    let fixed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = fixed["resources"].as_array().unwrap();
    assert!(!rules.is_empty());
    for r in rules {
        let p = &r["properties"];
        let key = (
            p["direction"].as_str().unwrap().to_string(),
            p["priority"].as_u64().unwrap(),
        );
        assert!(!taken.contains(&key), "{key:?} is taken: {r}");
    }
    assert!(fixed["metadata"]["notes"]
        .to_string()
        .contains("chosen free among the audited NSG's Outbound rules"));
    // Deployed into the NSG (its rules added), the fix covers the rule that was removed.
    doc["resources"]
        .as_array_mut()
        .unwrap()
        .extend(rules.iter().cloned());
    std::fs::write(&file, doc.to_string()).unwrap();
    let mut again = vec!["audit", "--format", "json"];
    again.extend(profile);
    again.push(file.to_str().unwrap());
    // (The host names an NSG cannot hold stay missing behind the deny.)
    assert_eq!(
        status_of(&json_of(&amlfw(&again)), "aml-tag-storage"),
        "covered"
    );
}
