//! The Terraform exports (`azfw-terraform`, `nsg-terraform`, `udr-terraform`) against the
//! azurerm provider's own resource schemas: every attribute and nested block the files set
//! must exist in the schema of the minimum provider version their header names AND of the
//! newest 4.x, every required attribute and block must be set, and block counts must respect
//! the schema's limits. The schemas are vendored from the npm package
//! `@cdktf/provider-azurerm` (tests/fixtures/terraform-schemas/SOURCES.md says how).
mod common;

use amlfw::RuleSet;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

const TF_TARGETS: [&str; 3] = ["azfw-terraform", "nsg-terraform", "udr-terraform"];

/// The resource types the Terraform exports may emit; each has a vendored schema.
const RESOURCES: [&str; 3] = [
    "azurerm_firewall_policy_rule_collection_group",
    "azurerm_network_security_rule",
    "azurerm_route",
];

/// The oldest azurerm release that accepts every argument the exports set: 3.75.0 added
/// `description` to `network_rule_collection.rule` (and `nat_rule_collection.rule`) of
/// azurerm_firewall_policy_rule_collection_group; 3.74.0 rejects it ("Unsupported argument").
const MIN_VERSION: &str = "3.75.0";
/// The newest 4.x release with a published schema package (@cdktf/provider-azurerm 14.23.1).
const NEWEST_4X: &str = "4.55.0";

/// Terraform meta-arguments: valid in every resource, not part of a provider schema.
const META_ARGUMENTS: [&str; 7] = [
    "count",
    "for_each",
    "depends_on",
    "provider",
    "lifecycle",
    "provisioner",
    "connection",
];

/// What every Terraform file's header must say: the minimum version, as major.minor.
fn header_minimum() -> String {
    let mm: Vec<&str> = MIN_VERSION.split('.').take(2).collect();
    format!("azurerm provider >= {}", mm.join("."))
}

// ---- schemas ------------------------------------------------------------------------------

/// One block of a vendored schema (the resource body is the root block).
#[derive(Debug, Clone)]
struct Block {
    attributes: BTreeSet<String>,
    required: BTreeSet<String>,
    blocks: BTreeMap<String, Block>,
    min_items: Option<u64>,
    max_items: Option<u64>,
}

fn names(v: &Value, what: &str) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("schema fixture: {what} is not an array"))
        .iter()
        .map(|n| n.as_str().expect("schema fixture: a name").to_string())
        .collect()
}

fn parse_block(v: &Value, what: &str) -> Block {
    let blocks = v["blocks"]
        .as_object()
        .unwrap_or_else(|| panic!("schema fixture: {what}.blocks is not an object"))
        .iter()
        .map(|(k, b)| (k.clone(), parse_block(b, &format!("{what}.{k}"))))
        .collect();
    Block {
        attributes: names(&v["attributes"], &format!("{what}.attributes")),
        required: names(&v["required"], &format!("{what}.required")),
        blocks,
        min_items: v.get("min_items").and_then(Value::as_u64),
        max_items: v.get("max_items").and_then(Value::as_u64),
    }
}

/// The vendored schemas of one provider version, by resource type.
#[derive(Debug, Clone)]
struct Schema {
    version: String,
    resources: BTreeMap<String, Block>,
}

fn load_schema(version: &str) -> Schema {
    let resources = RESOURCES
        .iter()
        .map(|res| {
            let path = common::fixture(&format!("terraform-schemas/azurerm-{version}/{res}.json"));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let v: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(v["resource"], *res, "{}", path.display());
            assert_eq!(v["provider_version"], version, "{}", path.display());
            (res.to_string(), parse_block(&v, res))
        })
        .collect();
    Schema {
        version: version.into(),
        resources,
    }
}

fn schemas() -> &'static [Schema] {
    static S: std::sync::OnceLock<Vec<Schema>> = std::sync::OnceLock::new();
    S.get_or_init(|| vec![load_schema(MIN_VERSION), load_schema(NEWEST_4X)])
}

// ---- checking parsed HCL ------------------------------------------------------------------

/// python-hcl2 keeps the quotes of labels.
fn unquote(s: &str) -> &str {
    s.trim_matches('"')
}

/// A nested block as python-hcl2 gives it: a list of objects (marked `__is_block__` by
/// python-hcl2 >= 7; older versions leave the mark out).
fn is_block(v: &Value) -> bool {
    v.as_array().is_some_and(|items| {
        !items.is_empty()
            && items.iter().all(Value::is_object)
            && (items.iter().all(|i| i.get("__is_block__").is_some())
                || items.iter().all(|i| i.get("__is_block__").is_none()))
    })
}

/// The (type, name, body) of every resource in a parsed file.
fn resources(doc: &Value) -> Vec<(String, String, &Map<String, Value>)> {
    let mut out = Vec::new();
    for group in doc["resource"].as_array().into_iter().flatten() {
        for (ty, named) in group.as_object().expect("resource group is an object") {
            for (name, body) in named.as_object().expect("resource labels") {
                let body = body.as_object().expect("resource body is an object");
                out.push((unquote(ty).to_string(), unquote(name).to_string(), body));
            }
        }
    }
    out
}

/// Every way `body` (at `path` in `resource`) breaks `schema`, as messages.
fn check_body(
    schema: &Block,
    body: &Map<String, Value>,
    version: &str,
    resource: &str,
    path: &str,
    seen: &mut BTreeSet<String>,
    out: &mut Vec<String>,
) {
    let at = |p: &str| {
        if p.is_empty() {
            "(resource body)".to_string()
        } else {
            p.to_string()
        }
    };
    for (key, value) in body {
        if key.starts_with("__") {
            continue; // python-hcl2's own marks (__is_block__, line numbers)
        }
        let shape = path_shape(path);
        if path.is_empty() && META_ARGUMENTS.contains(&key.as_str()) {
            continue;
        }
        if is_block(value) {
            let Some(inner) = schema.blocks.get(key) else {
                let why = if schema.attributes.contains(key) {
                    "is an attribute in the schema, not a block"
                } else {
                    "does not exist"
                };
                out.push(format!(
                    "azurerm {version}: {resource}: block path {}: block \"{key}\" {why}",
                    at(path)
                ));
                continue;
            };
            seen.insert(join(&shape, key));
            let items = value.as_array().unwrap();
            let n = items.len() as u64;
            if let Some(max) = inner.max_items.filter(|m| n > *m) {
                out.push(format!(
                    "azurerm {version}: {resource}: block path {}: block \"{key}\" appears {n} times, at most {max} allowed",
                    at(path)
                ));
            }
            if let Some(min) = inner.min_items.filter(|m| n < *m) {
                out.push(format!(
                    "azurerm {version}: {resource}: block path {}: block \"{key}\" appears {n} times, at least {min} needed",
                    at(path)
                ));
            }
            for (i, item) in items.iter().enumerate() {
                let p = format!(
                    "{}{key}[{i}]",
                    if path.is_empty() {
                        String::new()
                    } else {
                        format!("{path}.")
                    }
                );
                check_body(
                    inner,
                    item.as_object().unwrap(),
                    version,
                    resource,
                    &p,
                    seen,
                    out,
                );
            }
        } else if schema.attributes.contains(key) {
            seen.insert(join(&shape, key));
        } else {
            let why = if schema.blocks.contains_key(key) {
                "is a block in the schema, not an attribute"
            } else {
                "does not exist"
            };
            out.push(format!(
                "azurerm {version}: {resource}: block path {}: attribute \"{key}\" {why}",
                at(path)
            ));
        }
    }
    for req in &schema.required {
        if !body.contains_key(req) {
            let kind = if schema.blocks.contains_key(req) {
                "block"
            } else {
                "attribute"
            };
            out.push(format!(
                "azurerm {version}: {resource}: block path {}: required {kind} \"{req}\" is missing",
                at(path)
            ));
        }
    }
}

/// `a[0].b[3]` -> `a.b` (for coverage bookkeeping).
fn path_shape(path: &str) -> String {
    path.split('.')
        .map(|s| s.split('[').next().unwrap())
        .collect::<Vec<_>>()
        .join(".")
}

fn join(shape: &str, key: &str) -> String {
    if shape.is_empty() {
        key.to_string()
    } else {
        format!("{shape}.{key}")
    }
}

/// Checks every resource of a parsed file against every vendored schema. Returns the
/// violations; `seen` collects `type:path.name` of everything checked.
fn violations(doc: &Value, schemas: &[Schema], seen: &mut BTreeSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    for (ty, name, body) in resources(doc) {
        for s in schemas {
            let resource = format!("resource \"{ty}\" \"{name}\"");
            let Some(root) = s.resources.get(&ty) else {
                out.push(format!(
                    "azurerm {}: {resource}: no vendored schema for resource type {ty}",
                    s.version
                ));
                continue;
            };
            let mut local = BTreeSet::new();
            check_body(root, body, &s.version, &resource, "", &mut local, &mut out);
            seen.extend(local.into_iter().map(|p| format!("{ty}:{p}")));
        }
    }
    out
}

// ---- profiles -------------------------------------------------------------------------------

/// The golden-file profiles plus ones that reach the other branches of the Terraform writers:
/// host-name network rules (DNS proxy), IP-prefix routes, several sources (plural NSG
/// attributes), sources of both IP families.
fn profiles() -> Vec<(String, RuleSet)> {
    let mut v: Vec<(String, RuleSet)> = common::per_cloud_profiles()
        .into_iter()
        .map(|(n, rs)| (n.to_string(), rs))
        .collect();
    v.push((
        "public-aks-dns-proxy".into(),
        common::rules(
            "schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nfeatures = [\"aks\"]\ndns_proxy = true\n",
        ),
    ));
    v.push((
        "public-compute-dns-proxy-full".into(),
        common::rules(
            "schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nfeatures = [\"compute-instance\", \"compute-cluster\", \"aks\", \"aks-monitor\"]\nstorage_account = \"amlstore01\"\nsources = [\"10.0.1.0/24\"]\ndns_proxy = true\n",
        ),
    ));
    v.push((
        "public-ip-prefix-routes".into(),
        common::rules(
            "schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nfeatures = [\"compute-cluster\", \"compute-instance\"]\ninbound_routes = \"ip-prefixes\"\nsources = [\"10.0.1.0/24\", \"10.0.2.0/24\"]\n",
        ),
    ));
    // Sources of both IP families: NSG rules split into -v4 and -v6 rules.
    v.push(("public-dual-stack".into(), common::dual_stack_aks()));
    v
}

// ---- tests ----------------------------------------------------------------------------------

#[test]
fn vendored_schemas_are_the_ones_the_header_names() {
    let dir = common::fixture("terraform-schemas");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| {
            let e = e.unwrap();
            e.file_type()
                .unwrap()
                .is_dir()
                .then(|| e.file_name().to_string_lossy().into_owned())
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            format!("azurerm-{MIN_VERSION}"),
            format!("azurerm-{NEWEST_4X}")
        ],
        "tests/fixtures/terraform-schemas holds other versions than MIN_VERSION and NEWEST_4X"
    );
    assert!(MIN_VERSION.starts_with("3.") && NEWEST_4X.starts_with("4."));
    for s in schemas() {
        assert_eq!(s.resources.len(), RESOURCES.len(), "azurerm {}", s.version);
    }
}

#[test]
#[ignore = "needs python-hcl2 (the validators venv): bash .ci/run runs it (cargo test -- --ignored)"]
fn terraform_exports_match_the_azurerm_schemas_of_both_versions() {
    let schemas = schemas();
    let want_header = header_minimum();
    let mut seen = BTreeSet::new();
    let mut checked: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (name, rs) in profiles() {
        for target in TF_TARGETS {
            let text = common::render(target, &rs).text;
            // The header names the minimum precisely (not "3.x"): 3.75, not 3.7 or 3.750.
            let line = text
                .lines()
                .find(|l| l.starts_with('#') && l.contains(&want_header))
                .unwrap_or_else(|| {
                    panic!("{name} {target}: the header does not say \"{want_header}\"")
                });
            let after = &line[line.find(&want_header).unwrap() + want_header.len()..];
            assert!(
                !after.starts_with(|c: char| c.is_ascii_digit() || c == 'x'),
                "{name} {target}: the header's minimum is not exactly {want_header}: {line}"
            );
            let doc = common::hcl2_json(&text);
            *checked.entry(target).or_default() += resources(&doc).len();
            for v in violations(&doc, schemas, &mut seen) {
                failures.push(format!("{name} {target}: {v}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "Terraform output the azurerm schemas reject ({} problems):\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Not vacuous: every target produced resources, and the risky branches were reached.
    for target in TF_TARGETS {
        assert!(
            checked.get(target).copied().unwrap_or(0) > 0,
            "{target}: no resources checked"
        );
    }
    for must in [
        "azurerm_firewall_policy_rule_collection_group:network_rule_collection.rule.description",
        "azurerm_firewall_policy_rule_collection_group:network_rule_collection.rule.destination_fqdns",
        "azurerm_firewall_policy_rule_collection_group:network_rule_collection.rule.destination_addresses",
        "azurerm_firewall_policy_rule_collection_group:application_rule_collection.rule.protocols",
        "azurerm_firewall_policy_rule_collection_group:application_rule_collection.rule.description",
        "azurerm_network_security_rule:description",
        "azurerm_network_security_rule:source_address_prefix",
        "azurerm_network_security_rule:source_address_prefixes",
        "azurerm_route:address_prefix",
    ] {
        assert!(seen.contains(must), "no profile exercised {must}; checked: {seen:#?}");
    }
}

// ---- the check itself can fail --------------------------------------------------------------

/// A small resource in python-hcl2's shape, valid against both schemas.
fn sample_group() -> Value {
    serde_json::json!({
        "resource": [{
            "\"azurerm_firewall_policy_rule_collection_group\"": {
                "\"aml_rules\"": {
                    "name": "\"aml-rules\"",
                    "firewall_policy_id": "${var.firewall_policy_id}",
                    "priority": 1000,
                    "network_rule_collection": [{
                        "name": "\"aml-network-rules\"",
                        "priority": 1000,
                        "action": "\"Allow\"",
                        "rule": [{
                            "name": "\"aml-aks-net-ntp\"",
                            "description": "\"NTP\"",
                            "protocols": ["\"UDP\""],
                            "source_addresses": ["\"10.0.1.0/24\""],
                            "destination_fqdns": ["\"ntp.ubuntu.com\""],
                            "destination_ports": ["\"123\""],
                            "__is_block__": true
                        }],
                        "__is_block__": true
                    }],
                    "__is_block__": true
                }
            }
        }]
    })
}

fn body_mut<'a>(doc: &'a mut Value, ty: &str) -> &'a mut Map<String, Value> {
    doc["resource"][0][format!("\"{ty}\"")]
        .as_object_mut()
        .unwrap()
        .values_mut()
        .next()
        .unwrap()
        .as_object_mut()
        .unwrap()
}

fn problems(doc: &Value) -> Vec<String> {
    violations(doc, schemas(), &mut BTreeSet::new())
}

#[test]
fn the_sample_passes() {
    assert_eq!(problems(&sample_group()), Vec::<String>::new());
}

#[test]
fn an_unknown_attribute_is_caught_with_resource_path_and_name() {
    let ty = "azurerm_firewall_policy_rule_collection_group";
    let mut doc = sample_group();
    body_mut(&mut doc, ty).insert("bogus".into(), Value::from(1));
    let p = problems(&doc);
    assert_eq!(p.len(), 2, "one per schema version: {p:?}");
    assert!(
        p[0].contains(&format!("resource \"{ty}\" \"aml_rules\""))
            && p[0].contains("(resource body)")
            && p[0].contains("attribute \"bogus\" does not exist"),
        "{p:?}"
    );

    let mut doc = sample_group();
    body_mut(&mut doc, ty)["network_rule_collection"][0]["rule"][0]
        .as_object_mut()
        .unwrap()
        .insert("bogus".into(), Value::from(1));
    let p = problems(&doc);
    assert!(
        p.iter().any(
            |m| m.contains("block path network_rule_collection[0].rule[0]")
                && m.contains("\"bogus\"")
                && m.contains(&format!("azurerm {MIN_VERSION}"))
        ),
        "{p:?}"
    );
}

#[test]
#[ignore = "needs python-hcl2 (the validators venv): bash .ci/run runs it (cargo test -- --ignored)"]
fn an_unknown_attribute_in_real_output_is_caught() {
    // compute and aks with DNS proxy: every target has resources (the routes need compute).
    let rs = common::rules(
        "schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nfeatures = [\"compute-cluster\", \"aks\"]\ndns_proxy = true\n",
    );
    for target in TF_TARGETS {
        let mut doc = common::hcl2_json(&common::render(target, &rs).text);
        assert_eq!(
            problems(&doc),
            Vec::<String>::new(),
            "{target}: valid before the edit"
        );
        let first = doc["resource"][0]
            .as_object_mut()
            .unwrap_or_else(|| panic!("{target}: no resources"));
        let ty = unquote(first.keys().next().unwrap()).to_string();
        body_mut(&mut doc, &ty).insert("bogus".into(), Value::from(1));
        let p = problems(&doc);
        assert!(
            p.iter()
                .any(|m| m.contains(&ty) && m.contains("\"bogus\" does not exist")),
            "{target}: bogus = 1 not caught: {p:?}"
        );
    }
}

#[test]
fn a_missing_required_attribute_and_too_many_blocks_are_caught() {
    let ty = "azurerm_firewall_policy_rule_collection_group";
    let mut doc = sample_group();
    body_mut(&mut doc, ty)["network_rule_collection"][0]["rule"][0]
        .as_object_mut()
        .unwrap()
        .remove("destination_ports");
    let p = problems(&doc);
    assert!(
        p.iter()
            .any(|m| m.contains("network_rule_collection[0].rule[0]")
                && m.contains("required attribute \"destination_ports\" is missing")),
        "{p:?}"
    );

    let mut doc = sample_group();
    body_mut(&mut doc, ty)["network_rule_collection"][0]
        .as_object_mut()
        .unwrap()
        .remove("rule");
    let p = problems(&doc);
    assert!(
        p.iter()
            .any(|m| m.contains("required block \"rule\" is missing")),
        "{p:?}"
    );

    let mut doc = sample_group();
    let t = serde_json::json!({"create": "\"30m\"", "__is_block__": true});
    body_mut(&mut doc, ty).insert("timeouts".into(), Value::Array(vec![t.clone(), t]));
    let p = problems(&doc);
    assert!(
        p.iter()
            .any(|m| m.contains("block \"timeouts\" appears 2 times, at most 1 allowed")),
        "{p:?}"
    );
}

/// The bug of the issue: with a schema from before 3.75 (no `description` in network rules),
/// the check rejects the output.
#[test]
fn description_in_network_rules_is_rejected_by_a_pre_3_75_schema() {
    let mut old = schemas()[0].clone();
    old.version = "3.74.0 (simulated)".into();
    let group = old
        .resources
        .get_mut("azurerm_firewall_policy_rule_collection_group")
        .unwrap();
    group
        .blocks
        .get_mut("network_rule_collection")
        .unwrap()
        .blocks
        .get_mut("rule")
        .unwrap()
        .attributes
        .remove("description");
    let p = violations(&sample_group(), &[old], &mut BTreeSet::new());
    assert_eq!(
        p,
        vec![
            "azurerm 3.74.0 (simulated): resource \"azurerm_firewall_policy_rule_collection_group\" \"aml_rules\": block path network_rule_collection[0].rule[0]: attribute \"description\" does not exist"
                .to_string()
        ]
    );
}
