//! The managed virtual network targets (`amlvnet-*`, issue 18 points 1 and 2): for public,
//! usgov and china profiles with the package and editor features, each target validates with
//! a real tool (azure-ai-ml's load_workspace, shellcheck + a fake az, the vendored REST
//! specification, pycep, terraform fmt + the azurerm 4.55.0 schemas), writes no FQDN rule for a
//! port other than 80/443 or for storage, and writes none of the rules the managed network
//! creates itself.
mod common;

use amlfw::export::managed_vnet::{self, Destination, Plan};
use amlfw::rules::RuleSet;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The features the acceptance names (issue 18): pip, conda, VS Code and RStudio.
const FEATURES: &[&str] = &["pip", "conda", "vscode", "rstudio"];

const TARGETS: [&str; 5] = [
    "amlvnet-yaml",
    "amlvnet-cli",
    "amlvnet-arm",
    "amlvnet-bicep",
    "amlvnet-terraform",
];

/// The required service tags of how-to-managed-network.md ("List of required rules"), written
/// out here independently of assets/managed-network.toml.
const REQUIRED_TAGS: [&str; 8] = [
    "AzureMachineLearning",
    "AzureActiveDirectory",
    "BatchNodeManagement",
    "AzureResourceManager",
    "AzureFrontDoor.FirstParty",
    "MicrosoftContainerRegistry",
    "AzureMonitor",
    "VirtualNetwork",
];

fn profiles() -> Vec<(&'static str, RuleSet)> {
    let features = FEATURES
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect::<Vec<_>>()
        .join(", ");
    [
        ("public", "eastus2"),
        ("usgov", "usgovvirginia"),
        ("china", "chinaeast2"),
    ]
    .into_iter()
    .map(|(cloud, region)| {
        let toml = format!(
            "schema_version = 1\ncloud = \"{cloud}\"\nregion = \"{region}\"\nfeatures = [{features}, \"notebooks\", \"custom-images\", \"hbi\"]\nstorage_account = \"amlstore01\"\nacr_name = \"amlacr01\"\n"
        );
        (cloud, common::rules(&toml))
    })
    .collect()
}

fn tag_base(t: &str) -> &str {
    t.split_once('.').map_or(t, |(b, _)| b)
}

/// The checks every target's plan must pass, on the plan the exporters render.
fn check_plan(cloud: &str, rs: &RuleSet, p: &Plan) {
    assert!(!p.rules.is_empty(), "{cloud}: no rules at all");
    let names: BTreeSet<String> = p
        .rules
        .iter()
        .map(|r| r.name.to_ascii_lowercase())
        .collect();
    assert_eq!(names.len(), p.rules.len(), "{cloud}: names unique");
    for r in &p.rules {
        let n = r.name.as_bytes();
        assert!(
            (3..=33).contains(&n.len())
                && n[0].is_ascii_alphanumeric()
                && n.iter()
                    .all(|b| b.is_ascii_alphanumeric() || b"_-".contains(b)),
            "{cloud}: invalid rule name {}",
            r.name
        );
        let source = rs
            .rule(&r.rule_id)
            .expect("an emitted rule comes from the rule set");
        match &r.destination {
            Destination::Fqdn(host) => {
                // Ports: only 80/443 are carried; any other port of the source rule is reported.
                let other: Vec<String> = source
                    .ports
                    .iter()
                    .filter(|p| !matches!(p.ports, amlfw::PortRange::Single(80 | 443)))
                    .map(|p| p.to_string())
                    .collect();
                assert!(
                    other.len() < source.ports.len(),
                    "{cloud}: FQDN rule {} has no port 80/443",
                    r.name
                );
                if !other.is_empty() {
                    assert!(p.unexpressed.iter().any(|u| u.rule_id == r.rule_id));
                }
                for storage in [
                    "core.windows.net",
                    "core.usgovcloudapi.net",
                    "core.chinacloudapi.cn",
                ] {
                    assert!(
                        !host.ends_with(storage),
                        "{cloud}: FQDN rule to storage {host}"
                    );
                }
                for created in [
                    "azureml.ms",
                    "api.azureml.ms",
                    "ml.azure.us",
                    "ml.azure.cn",
                    "vault.azure.net",
                    "mcr.microsoft.com",
                    "login.microsoftonline.com",
                    "management.azure.com",
                    "amlacr01.azurecr.io",
                ] {
                    assert!(
                        !host.ends_with(created),
                        "{cloud}: {host} is created by Azure"
                    );
                }
            }
            Destination::ServiceTag { tag, .. } => {
                assert!(
                    !REQUIRED_TAGS
                        .iter()
                        .any(|t| t == tag || *t == tag_base(tag)),
                    "{cloud}: required tag {tag} written"
                );
                assert_ne!(tag_base(tag), "Storage", "{cloud}: Storage tag written");
            }
        }
    }
    // Every rule of the rule set is written, created by Azure, or reported: none dropped.
    for r in &rs.rules {
        let written = p.rules.iter().any(|o| o.rule_id == *r.id);
        let created = p.created.iter().any(|c| c.rule_id == *r.id);
        let reported = p.unexpressed.iter().any(|u| u.rule_id == *r.id);
        assert!(written || created || reported, "{cloud}: {} dropped", r.id);
        assert!(
            !(written && created),
            "{cloud}: {} both written and created",
            r.id
        );
    }
    // The required tags the rule set asks for are listed as created by Azure.
    assert!(p.created.iter().any(|c| c.remote == "AzureMachineLearning"));
    assert!(p
        .created
        .iter()
        .any(|c| c.remote.starts_with("AzureKeyVault")));
    assert!(p.created.iter().any(|c| c.remote.contains("amlacr01")));
    assert!(p
        .created
        .iter()
        .any(|c| c.remote.starts_with("amlstore01.blob")));
}

#[test]
fn plans_respect_the_documented_limits() {
    for (cloud, rs) in profiles() {
        check_plan(cloud, &rs, &managed_vnet::plan(&rs));
    }
}

#[test]
fn every_target_says_what_azure_creates_and_that_the_firewall_is_billed() {
    for (cloud, rs) in profiles() {
        let p = managed_vnet::plan(&rs);
        assert!(p.has_fqdn());
        for t in TARGETS {
            let out = common::try_render(t, &rs, None).unwrap();
            assert!(
                out.text.contains("allow_only_approved_outbound"),
                "{t} {cloud}"
            );
            assert!(
                out.text.contains("Azure Firewall") && out.text.contains("billed"),
                "{t} {cloud}"
            );
            assert!(out.text.contains("Created by Azure"), "{t} {cloud}");
            assert_eq!(out.unexpressed, p.unexpressed, "{t} {cloud}");
        }
    }
}

// ---- YAML: azure-ai-ml ---------------------------------------------------------------------

#[test]
#[ignore = "needs azure-ai-ml (the validators venv): bash .ci/run runs it (cargo test -- --ignored)"]
fn yaml_loads_with_azure_ai_ml() {
    let Some(py) = common::venv_python_with("azure.ai.ml") else {
        common::missing_validator("azure-ai-ml");
    };
    let code = r#"
import json, sys
from azure.ai.ml import load_workspace
w = load_workspace(sys.argv[1])
mn = w.managed_network
out = {"mode": mn.isolation_mode, "rules": []}
for r in mn.outbound_rules:
    out["rules"].append({"name": r.name, "type": r.type, "destination": getattr(r, "destination", None),
        "service_tag": getattr(r, "service_tag", None), "protocol": getattr(r, "protocol", None),
        "port_ranges": getattr(r, "port_ranges", None)})
print(json.dumps(out))
"#;
    for (cloud, rs) in profiles() {
        let p = managed_vnet::plan(&rs);
        let text = common::render("amlvnet-yaml", &rs).text;
        let (_d, path) = common::temp_file("ws.yaml", &format!("name: test-ws\n{text}"));
        let o = std::process::Command::new(&py)
            .args(["-c", code])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{cloud}: load_workspace: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["mode"], "AllowOnlyApprovedOutbound", "{cloud}");
        let loaded = v["rules"].as_array().unwrap();
        assert_eq!(loaded.len(), p.rules.len(), "{cloud}");
        for (l, r) in loaded.iter().zip(&p.rules) {
            assert_eq!(l["name"], r.name.as_str());
            match &r.destination {
                Destination::Fqdn(h) => {
                    assert_eq!(l["type"], "FQDN");
                    assert_eq!(l["destination"], h.as_str());
                }
                Destination::ServiceTag {
                    tag,
                    protocol,
                    port_ranges,
                } => {
                    assert_eq!(l["type"], "ServiceTag");
                    assert_eq!(l["service_tag"], tag.as_str());
                    assert_eq!(l["protocol"], *protocol);
                    assert_eq!(l["port_ranges"], port_ranges.as_str());
                }
            }
        }
    }
}

// ---- az CLI: shellcheck and a fake az ------------------------------------------------------

#[test]
#[ignore = "needs shellcheck: bash .ci/run runs it (cargo test -- --ignored)"]
fn cli_script_passes_shellcheck_and_calls_az_as_planned() {
    for (cloud, rs) in profiles() {
        let p = managed_vnet::plan(&rs);
        let text = common::render("amlvnet-cli", &rs).text;
        common::assert_bash_script_ok(cloud, &text);
        let (out, calls, _w) = common::run_script_with_fake_az(
            &text,
            &[("WORKSPACE", "ws 1"), ("RESOURCE_GROUP", "rg$(x)")],
        );
        assert!(
            out.status.success(),
            "{cloud}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(calls.len(), p.rules.len(), "{cloud}");
        for (argv, r) in calls.iter().zip(&p.rules) {
            let mut want: Vec<String> = [
                "ml",
                "workspace",
                "outbound-rule",
                "set",
                "--workspace-name",
                "ws 1",
                "--resource-group",
                "rg$(x)",
                "--rule",
            ]
            .map(String::from)
            .to_vec();
            want.push(r.name.clone());
            match &r.destination {
                Destination::Fqdn(h) => want.extend([
                    "--type".into(),
                    "fqdn".into(),
                    "--destination".into(),
                    h.clone(),
                ]),
                Destination::ServiceTag {
                    tag,
                    protocol,
                    port_ranges,
                } => want.extend([
                    "--type".into(),
                    "service_tag".into(),
                    "--service-tag".into(),
                    tag.clone(),
                    "--protocol".into(),
                    protocol.to_string(),
                    "--port-ranges".into(),
                    port_ranges.clone(),
                ]),
            }
            assert_eq!(argv, &want, "{cloud}");
        }
        // Without the workspace it stops before calling az.
        let (out, calls, _w) = common::run_script_with_fake_az(&text, &[("RESOURCE_GROUP", "rg")]);
        assert!(!out.status.success() && calls.is_empty(), "{cloud}");
    }
}

// ---- ARM and Bicep: the REST specification ------------------------------------------------

fn spec() -> Value {
    let path = common::fixture("rest-specs/ml-outbound-rules-2025-09-01.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Checks an outbound rule's `properties` against the vendored definitions: the discriminator
/// picks the subtype; every property must be known, writable, and of its enum.
fn check_properties(props: &Value, label: &str) {
    let s = spec();
    let defs = &s["definitions"];
    let ty = props["type"]
        .as_str()
        .unwrap_or_else(|| panic!("{label}: no type"));
    let sub = [
        "FqdnOutboundRule",
        "ServiceTagOutboundRule",
        "PrivateEndpointOutboundRule",
    ]
    .into_iter()
    .find(|d| defs[*d]["x-ms-discriminator-value"] == ty)
    .unwrap_or_else(|| panic!("{label}: type {ty} is not a RuleType"));
    let mut known: BTreeMap<String, Value> = BTreeMap::new();
    for d in ["OutboundRule", sub] {
        for (k, v) in defs[d]["properties"].as_object().unwrap() {
            known.insert(k.clone(), v.clone());
        }
    }
    let resolve = |v: &Value| -> Value {
        match v["$ref"].as_str() {
            Some(r) => defs[r.trim_start_matches("#/definitions/")].clone(),
            None => v.clone(),
        }
    };
    for (k, v) in props.as_object().unwrap() {
        let schema = resolve(
            known
                .get(k)
                .unwrap_or_else(|| panic!("{label}: unknown property {k}")),
        );
        assert_ne!(schema["readOnly"], true, "{label}: {k} is read-only");
        if let Some(e) = schema["enum"].as_array() {
            assert!(e.contains(v), "{label}: {k} = {v} not in {e:?}");
        }
        match schema["type"].as_str() {
            Some("string") => assert!(v.is_string(), "{label}: {k} not a string"),
            Some("object") => {
                let inner = schema["properties"].as_object().unwrap();
                for (ik, iv) in v.as_object().unwrap() {
                    let is = resolve(
                        inner
                            .get(ik)
                            .unwrap_or_else(|| panic!("{label}: unknown {k}.{ik}")),
                    );
                    assert_ne!(is["readOnly"], true, "{label}: {k}.{ik} is read-only");
                    if is["type"] == "string" {
                        assert!(iv.is_string(), "{label}: {k}.{ik} not a string");
                    }
                }
            }
            _ => {}
        }
    }
}

fn rule_name_ok(name: &str) -> bool {
    let s = spec();
    let pattern = s["ruleName"]["pattern"].as_str().unwrap();
    assert_eq!(pattern, "^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$");
    let b = name.as_bytes();
    (3..=33).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"_-".contains(c))
}

#[test]
fn arm_template_matches_the_rest_specification() {
    for (cloud, rs) in profiles() {
        let p = managed_vnet::plan(&rs);
        let doc = common::arm_json(&common::render("amlvnet-arm", &rs).text);
        assert!(doc["parameters"]["workspaceName"].is_object());
        let res = common::arm_resources(&doc);
        assert_eq!(res.len(), p.rules.len(), "{cloud}");
        for (r, o) in res.iter().zip(&p.rules) {
            let keys: BTreeSet<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(
                keys,
                BTreeSet::from(["type", "apiVersion", "name", "properties"])
            );
            assert_eq!(
                r["type"],
                "Microsoft.MachineLearningServices/workspaces/outboundRules"
            );
            assert_eq!(r["apiVersion"], "2025-09-01");
            assert_eq!(
                r["name"],
                format!(
                    "[format('{{0}}/{{1}}', parameters('workspaceName'), '{}')]",
                    o.name
                )
            );
            assert!(rule_name_ok(&o.name), "{}", o.name);
            check_properties(&r["properties"], &format!("{cloud} {}", o.name));
        }
    }
}

#[test]
#[ignore = "needs pycep-parser (the validators venv): bash .ci/run runs it (cargo test -- --ignored)"]
fn bicep_parses_and_matches_the_rest_specification() {
    for (cloud, rs) in profiles() {
        let p = managed_vnet::plan(&rs);
        let doc = common::pycep_json(&common::render("amlvnet-bicep", &rs).text);
        let res = doc["resources"].as_object().unwrap();
        assert_eq!(res["workspace"]["existing"], true);
        let rules: Vec<&Value> = res.values().filter(|r| r["existing"] != true).collect();
        assert_eq!(rules.len(), p.rules.len(), "{cloud}");
        let names: BTreeSet<&str> = rules
            .iter()
            .map(|r| r["config"]["name"].as_str().unwrap())
            .collect();
        for (o, r) in p.rules.iter().zip(rules) {
            assert!(names.contains(o.name.as_str()));
            assert_eq!(
                r["type"],
                "Microsoft.MachineLearningServices/workspaces/outboundRules"
            );
            assert_eq!(r["api_version"], "2025-09-01");
            assert_eq!(r["config"]["parent"], "workspace");
            check_properties(&r["config"]["properties"], &format!("{cloud} bicep"));
        }
    }
}

// ---- Terraform: azurerm 4.55.0 ---------------------------------------------------------------

#[test]
#[ignore = "needs terraform and python-hcl2: bash .ci/run runs it (cargo test -- --ignored)"]
fn terraform_formats_and_matches_the_provider_schema() {
    for (cloud, rs) in profiles() {
        let p = managed_vnet::plan(&rs);
        let text = common::render("amlvnet-terraform", &rs).text;
        common::terraform_fmt_ok(cloud, &text);
        let doc = common::hcl2_json(&text);
        let mut count = 0;
        for block in doc["resource"].as_array().unwrap() {
            for (ty, named) in block.as_object().unwrap() {
                let ty = ty.trim_matches('"');
                let path = common::fixture(&format!("terraform-schemas/azurerm-4.55.0/{ty}.json"));
                let schema: Value = serde_json::from_str(
                    &std::fs::read_to_string(&path)
                        .unwrap_or_else(|_| panic!("no schema for {ty}")),
                )
                .unwrap();
                let allowed: BTreeSet<&str> = schema["attributes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap())
                    .collect();
                for body in named.as_object().unwrap().values() {
                    count += 1;
                    let set: BTreeSet<&str> = body
                        .as_object()
                        .unwrap()
                        .keys()
                        .map(String::as_str)
                        .filter(|k| !k.starts_with("__"))
                        .collect();
                    assert!(set.is_subset(&allowed), "{ty}: {set:?} vs {allowed:?}");
                    for req in schema["required"].as_array().unwrap() {
                        assert!(set.contains(req.as_str().unwrap()), "{ty}: missing {req}");
                    }
                }
            }
        }
        assert_eq!(count, p.rules.len(), "{cloud}");
    }
}

#[test]
fn every_target_matches_its_golden_files() {
    for (cloud, rs) in profiles() {
        for t in [
            "amlvnet-yaml",
            "amlvnet-cli",
            "amlvnet-arm",
            "amlvnet-bicep",
            "amlvnet-terraform",
        ] {
            let ext = amlfw::export::find(t).unwrap().extension();
            common::assert_golden(
                &format!("managed-vnet-{cloud}/{t}.{ext}"),
                &common::render(t, &rs).text,
            );
        }
    }
}

#[test]
fn the_requirements_named_in_the_data_exist_in_the_catalog() {
    let data = managed_vnet::data::ManagedNetworkData::builtin();
    let ids: BTreeSet<&str> = common::catalog()
        .requirements
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    let mut seen = 0;
    for c in &data.covered {
        for q in &c.requirements {
            assert!(
                ids.contains(q.as_str()),
                "covered {}: no requirement {q}",
                c.id
            );
            seen += 1;
        }
    }
    assert!(seen >= 5);
}

/// The features the data says a managed network does not support exist in the catalog, and
/// cover every Kubernetes one (a new AKS feature must be added there too).
#[test]
fn the_unsupported_features_exist_and_cover_kubernetes() {
    let data = managed_vnet::data::ManagedNetworkData::builtin();
    let catalog = common::catalog();
    for f in &data.unsupported.features {
        assert!(
            catalog.features.iter().any(|c| c.id == *f),
            "no feature {f}"
        );
    }
    for f in catalog
        .features
        .iter()
        .filter(|f| f.id.starts_with("aks") || f.id.contains("kubernetes"))
    {
        assert!(
            data.unsupported.features.contains(&f.id),
            "{} missing",
            f.id
        );
    }
    assert!(data.unsupported.features.iter().any(|f| f == "attached-vm"));
}

/// Kubernetes compute and attached VMs are not supported in a managed network: a rule only they
/// need becomes no outbound rule (an FQDN rule would bring the billed firewall for nothing) and
/// is listed with the documented limitation; a rule other compute needs too stays.
#[test]
fn rules_only_unsupported_compute_needs_are_listed_not_emitted() {
    let data = managed_vnet::data::ManagedNetworkData::builtin();
    let rs = common::rules(
        "schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nfeatures = [\"compute-cluster\", \"aks\", \"aks-gpu\", \"attached-vm\"]\n",
    );
    let p = managed_vnet::plan(&rs);
    let only_unsupported = |id: &str| {
        let r = rs.rules.iter().find(|r| *r.id == *id).unwrap();
        !r.features.is_empty()
            && r.features
                .iter()
                .all(|f| data.unsupported.features.iter().any(|u| **f == *u))
    };
    let mut listed = 0;
    for r in &rs.rules {
        if only_unsupported(&r.id) {
            assert!(
                !p.rules.iter().any(|o| o.rule_id == *r.id),
                "{} emitted",
                r.id
            );
            let u = p
                .unexpressed
                .iter()
                .find(|u| u.rule_id == *r.id)
                .unwrap_or_else(|| panic!("{} not listed", r.id));
            assert!(
                u.reason
                    .contains("not supported in a managed virtual network"),
                "{}",
                u.reason
            );
            listed += 1;
        }
    }
    assert!(listed >= 10, "only {listed} AKS rules listed");
    // The compute cluster's rules are still there.
    assert!(p.rules.iter().any(|o| !only_unsupported(&o.rule_id)));
}

/// Azure Storage is named by its services' domains, not all of core.windows.net: Azure Policy's
/// hosts live there too (data.policy, store.policy) and are not storage accounts.
#[test]
fn storage_is_its_services_not_every_core_host() {
    use managed_vnet::data::under;
    let lim = &managed_vnet::data::ManagedNetworkData::builtin().limits;
    let storage = |h: &str| lim.storage_domains.iter().any(|d| under(h, d));
    for host in [
        "*.blob.core.windows.net",
        "<storage>.file.core.usgovcloudapi.net",
        "*.dfs.core.chinacloudapi.cn",
        "vscode.blob.core.windows.net",
    ] {
        assert!(storage(host), "{host}");
    }
    for host in [
        "data.policy.core.windows.net",
        "store.policy.core.windows.net",
    ] {
        assert!(!storage(host), "{host}");
    }
}
