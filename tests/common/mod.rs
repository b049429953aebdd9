//! Shared test helpers: fixtures, profiles, external validators and ARM schema checks.
#![allow(dead_code)]

use amlfw::export::{self, Export, ExportError, ExportOptions};
use amlfw::rules::RuleSet;
use amlfw::servicetags::TagIndex;
use amlfw::{resolve, Catalog, Kind, Profile, Rule};
use ipnet::IpNet;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

pub fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(Catalog::builtin)
}

/// The edition the 2021 golden files and hand-written expectations were made for. Test
/// profiles that name no edition get it, so that those files keep checking the 2021 data; the
/// 2026-03 edition has its own profiles (`per_cloud_profiles_2603`).
pub const PINNED_EDITION: &str = "2021-09";

/// A validated profile from TOML text (pinned to `PINNED_EDITION` unless it names one).
pub fn profile(toml: &str) -> Profile {
    let mut p = Profile::from_toml(toml).unwrap_or_else(|e| panic!("bad test profile: {e}"));
    if p.edition.is_none() {
        p.edition = Some(PINNED_EDITION.into());
    }
    p.validate(catalog())
        .unwrap_or_else(|e| panic!("invalid test profile: {e}"));
    p
}

pub fn rules(toml: &str) -> RuleSet {
    resolve(catalog(), &profile(toml)).unwrap()
}

/// Every feature of `PINNED_EDITION` except `aks-private` (which removes the AKS tunnel rules).
pub fn all_features_but_private() -> Vec<String> {
    features_of_edition_but_private(PINNED_EDITION)
}

/// Every feature `edition` has requirements for, except `aks-private`.
pub fn features_of_edition_but_private(edition: &str) -> Vec<String> {
    catalog()
        .features
        .iter()
        .map(|f| f.id.clone())
        .filter(|f| f != "aks-private" && catalog().feature_edition_ids(f).contains(&edition))
        .collect()
}

/// The largest public profile: every feature (but aks-private), every option given.
/// Validated; the benchmarks and `examples/hot_loop.rs` use it too.
pub fn largest_profile() -> Profile {
    let mut p = Profile::new(amlfw::Cloud::Public, "eastus2");
    p.edition = Some(PINNED_EDITION.into());
    p.features = all_features_but_private();
    p.storage_account = Some("amlstore01".into());
    p.acr_name = Some("amlacr01".into());
    p.sources = vec!["10.0.1.0/24".into(), "10.0.2.0/24".into()];
    p.aks_dns_servers = vec!["10.0.0.4".into()];
    p.dns_proxy = true;
    p.validate(catalog()).unwrap();
    p
}

/// The rules of `largest_profile`.
pub fn full_public() -> RuleSet {
    resolve(catalog(), &largest_profile()).unwrap()
}

/// One representative profile per cloud (used for golden files).
pub fn per_cloud_profiles() -> Vec<(&'static str, RuleSet)> {
    vec![
        ("public-eastus2-full", full_public()),
        (
            "usgov-usgovvirginia",
            rules(
                r#"schema_version = 1
cloud = "usgov"
region = "usgovvirginia"
features = ["compute-cluster", "compute-instance", "notebooks", "custom-images", "attached-vm"]
storage_account = "govstore01"
sources = ["10.10.0.0/16"]
"#,
            ),
        ),
        (
            "china-chinaeast2",
            rules(
                r#"schema_version = 1
cloud = "china"
region = "chinaeast2"
features = ["studio", "compute-instance", "aks", "aks-monitor"]
"#,
            ),
        ),
        // The 2026-03 edition: the same clouds with its new features and options on.
        ("public-eastus2-full-2603", full_public_2603()),
        (
            "usgov-usgovvirginia-2603",
            rules(
                r#"schema_version = 1
cloud = "usgov"
region = "usgovvirginia"
edition = "2026-03"
features = ["compute-cluster", "compute-instance", "notebooks", "custom-images", "attached-vm", "vscode", "rstudio"]
storage_account = "govstore01"
sources = ["10.10.0.0/16"]
compute_public_ip = true
storage_firewall = true
"#,
            ),
        ),
        (
            "china-chinaeast2-2603",
            rules(
                r#"schema_version = 1
cloud = "china"
region = "chinaeast2"
edition = "2026-03"
features = ["studio", "compute-instance", "notebooks", "aks", "aks-monitor", "automl-nlp-vision"]
inbound_routes = "ip-prefixes"
compute_public_ip = true
"#,
            ),
        ),
    ]
}

/// The largest public profile of the 2026-03 edition: every feature it has (but aks-private),
/// every value given, the options that add rules on.
pub fn largest_profile_2603() -> Profile {
    let mut p = Profile::new(amlfw::Cloud::Public, "eastus2");
    p.edition = Some("2026-03".into());
    p.features = features_of_edition_but_private("2026-03");
    p.storage_account = Some("amlstore01".into());
    p.acr_name = Some("amlacr01".into());
    p.sources = vec!["10.0.1.0/24".into(), "10.0.2.0/24".into()];
    p.aks_dns_servers = vec!["10.0.0.4".into()];
    p.workspace_id = Some("0a1b2c3d-4e5f-6789-abcd-ef0123456789".into());
    p.compute_public_ip = Some(true);
    p.storage_firewall = Some(true);
    p.private_endpoints = Some(true);
    p.validate(catalog()).unwrap();
    p
}

pub fn full_public_2603() -> RuleSet {
    resolve(catalog(), &largest_profile_2603()).unwrap()
}

/// Sources of both IP families, as in `amlfw export --cloud public --region eastus2 --feature
/// compute-cluster,attached-vm --compute-public-ip --source 10.0.0.0/24 --source fd00:1::/64`:
/// an NSG rule cannot mix the two, so its rules split into `-v4` and `-v6` rules.
pub fn dual_stack() -> RuleSet {
    rules(
        r#"schema_version = 1
cloud = "public"
region = "eastus2"
edition = "2026-03"
features = ["compute-cluster", "attached-vm"]
compute_public_ip = true
sources = ["10.0.0.0/24", "fd00:1::/64"]
"#,
    )
}

/// Dual-stack sources with IP rules as well: an AKS DNS server of each family (each reached
/// only from its own family) and several sources per family (the plural prefix fields).
pub fn dual_stack_aks() -> RuleSet {
    rules(
        r#"schema_version = 1
cloud = "public"
region = "eastus2"
edition = "2026-03"
features = ["compute-cluster", "compute-instance", "attached-vm", "aks"]
compute_public_ip = true
sources = ["10.0.0.0/24", "fd00:1::/64", "10.0.1.0/24", "fd00:2::/64"]
aks_dns_servers = ["10.0.0.4", "fd00:1::53"]
"#,
    )
}

pub fn service_tags(cloud: amlfw::Cloud) -> &'static TagIndex {
    static P: OnceLock<TagIndex> = OnceLock::new();
    static G: OnceLock<TagIndex> = OnceLock::new();
    static C: OnceLock<TagIndex> = OnceLock::new();
    let (cell, file) = match cloud {
        amlfw::Cloud::Public => (&P, "servicetags/ServiceTags_Public.376.json"),
        amlfw::Cloud::Usgov => (
            &G,
            "servicetags/ServiceTags_AzureGovernment_20260720.402.json",
        ),
        amlfw::Cloud::China => (&C, "servicetags/ServiceTags_China_20260720.405.json"),
    };
    cell.get_or_init(|| {
        TagIndex::from_json(&std::fs::read_to_string(fixture(file)).unwrap()).unwrap()
    })
}

/// The raw prefixes of the named tags as the Service Tags file lists them (not aggregated,
/// so tests can check the exporters' own expansion against them). Panics on an unknown tag.
pub fn raw_prefixes(tags: &TagIndex, names: &[&str]) -> Vec<IpNet> {
    names
        .iter()
        .flat_map(|n| {
            tags.get(n)
                .unwrap_or_else(|| panic!("no tag {n}"))
                .prefixes()
                .unwrap_or_else(|e| panic!("{e}"))
                .to_vec()
        })
        .collect()
}

/// Renders `target` with the given Service Tags file (or none), keeping the error.
pub fn try_render(
    target: &str,
    rs: &RuleSet,
    service_tags: Option<&TagIndex>,
) -> Result<Export, ExportError> {
    let t = export::find(target).unwrap_or_else(|| panic!("no target {target}"));
    t.render(
        rs,
        &ExportOptions {
            service_tags,
            ..ExportOptions::default()
        },
    )
}

/// Renders `target` for a rule set (with the matching Service Tags file when it needs one).
pub fn render(target: &str, rs: &RuleSet) -> Export {
    try_render(target, rs, Some(service_tags(rs.settings.cloud)))
        .unwrap_or_else(|e| panic!("{target} failed: {e}"))
}

/// Runs the amlfw binary with `args`; asserts that it succeeded (showing its stderr).
pub fn amlfw_ok(args: &[&str]) -> Output {
    let out = assert_cmd::Command::cargo_bin("amlfw")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "amlfw {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

// ---- hostile values ---------------------------------------------------------------------

/// Which rule a test edits: the first of a kind, or the first with this remote.
#[derive(Debug, Clone, Copy)]
pub enum Pick<'a> {
    Kind(Kind),
    Remote(&'a str),
}

/// The part of a rule a hostile value goes into.
#[derive(Debug, Clone, Copy)]
pub enum Field {
    Remote,
    Purpose,
}

/// The first rule `pick` selects, to edit; panics naming the pick when there is none.
pub fn first_rule<'r>(rs: &'r mut RuleSet, pick: Pick<'_>) -> &'r mut Rule {
    rs.rules
        .iter_mut()
        .find(|r| match pick {
            Pick::Kind(k) => r.kind == k,
            Pick::Remote(remote) => &*r.remote == remote,
        })
        .unwrap_or_else(|| panic!("no rule {pick:?} in the rule set"))
}

/// `full_public()` carrying hostile values: the name prefix `name_prefix`, and each
/// `(pick, field, value)` written into the first rule picked. Each exporter's hostile-value
/// tests build their rule set with it.
pub fn hostile_full_public(name_prefix: &str, edits: &[(Pick<'_>, Field, &str)]) -> RuleSet {
    let mut rs = full_public();
    rs.settings.name_prefix = name_prefix.into();
    for (pick, field, value) in edits {
        let r = first_rule(&mut rs, *pick);
        match field {
            Field::Remote => r.set_remote(*value),
            Field::Purpose => r.purpose = (*value).into(),
        }
    }
    rs
}

// ---- external validators --------------------------------------------------------------

// Every test that runs an external validator is marked `#[ignore = "needs ..."]`: a plain
// `cargo test` lists it as ignored, with the reason, in cargo's own summary, instead of
// passing without having checked anything. `bash .ci/run` installs the validators and runs
// the ignored tests too (`cargo test -- --ignored`); there, a missing validator is a failure.

/// Fails the test: the validator it needs is not installed. Only ignored tests call
/// validators, so this runs only when someone asked for these checks.
pub fn missing_validator(what: &str) -> ! {
    panic!(
        "validator {what} is not installed, and this test needs it (a plain `cargo test` skips it as ignored; `bash .ci/run` installs the validators, as root on Debian)"
    );
}

/// A program on PATH (or None).
pub fn program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The Python virtualenv .ci/run creates (AMLFW_VENV, default /var/cache/amlfw-ci/venv).
pub fn venv() -> PathBuf {
    std::env::var_os("AMLFW_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/amlfw-ci/venv"))
}

/// The venv's python if it can import `module`.
pub fn venv_python_with(module: &str) -> Option<PathBuf> {
    let py = venv().join("bin/python");
    let ok = Command::new(&py)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(py)
}

/// Writes `text` to a fresh temp file named `name` and returns (dir guard, path).
pub fn temp_file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join(name);
    std::fs::write(&p, text).unwrap();
    (d, p)
}

/// Runs `cmd` with `input` on its stdin and collects its exit status, stdout and stderr.
pub fn run_with_stdin(cmd: &mut Command, input: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// Checks that `terraform fmt -check` accepts `text` as written (no user CLI config).
/// Needs terraform (see missing_validator).
pub fn terraform_fmt_ok(label: &str, text: &str) {
    let Some(tf) = program("terraform") else {
        missing_validator("terraform");
    };
    let mut cmd = Command::new(tf);
    cmd.args(["fmt", "-check", "-"])
        .env("TF_CLI_CONFIG_FILE", "/dev/null");
    let o = run_with_stdin(&mut cmd, text);
    assert!(
        o.status.success(),
        "{label}: terraform fmt -check failed:\n{}\n{}\n{text}",
        lossy(&o.stdout),
        lossy(&o.stderr)
    );
}

/// Runs `code` (a `python -c` program that reads `text` on stdin and prints JSON) with the
/// venv's python, which must import `module`; `validator` names it in messages (and in the
/// failure when it is missing).
fn venv_python_json(module: &str, validator: &str, code: &str, text: &str) -> Value {
    let Some(py) = venv_python_with(module) else {
        missing_validator(validator);
    };
    let o = run_with_stdin(Command::new(py).args(["-c", code]), text);
    assert!(
        o.status.success(),
        "{validator} could not parse the output:\n{}",
        lossy(&o.stderr)
    );
    let doc = serde_json::from_slice(&o.stdout);
    doc.unwrap_or_else(|e| panic!("{validator} printed no JSON: {e}"))
}

/// `text` parsed by python-hcl2, as JSON (string tokens keep their quotes and escapes).
pub fn hcl2_json(text: &str) -> Value {
    let code = "import hcl2,json,sys; print(json.dumps(hcl2.load(sys.stdin)))";
    venv_python_json("hcl2", "python-hcl2", code, text)
}

/// `text` parsed by pycep-parser, as JSON (string contents kept as written).
pub fn pycep_json(text: &str) -> Value {
    let code = "from pycep import BicepParser; import json,sys; print(json.dumps(BicepParser().parse(text=sys.stdin.read()), default=str))";
    venv_python_json("pycep", "pycep-parser", code, text)
}

// ---- shell scripts -----------------------------------------------------------------------

/// Checks a bash script: `bash -n` must accept it, and `shellcheck -s bash` must report
/// nothing. Needs shellcheck (see missing_validator).
pub fn assert_bash_script_ok(label: &str, text: &str) {
    let (_d, path) = temp_file("script.sh", text);
    let o = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(o.status.success(), "{label}: bash -n: {}", lossy(&o.stderr));
    let Some(sc) = program("shellcheck") else {
        missing_validator("shellcheck");
    };
    let o = Command::new(sc)
        .args(["-s", "bash"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{label}: shellcheck:\n{}",
        lossy(&o.stdout)
    );
}

/// A fake `az` that appends its argv to `$AZ_LOG` (the count, then each argument, each
/// NUL-terminated) and does nothing else; with `AZ_FAIL_AT=N` its Nth call fails (exit 1, an
/// error on stderr), as a refused rule would.
const FAKE_AZ: &str = "#!/bin/sh\n{ printf '%s\\0' \"$#\"; for a in \"$@\"; do printf '%s\\0' \"$a\"; done; } >> \"$AZ_LOG\"\nn=$(( $(cat \"$AZ_LOG.n\" 2>/dev/null || echo 0) + 1 ))\necho \"$n\" > \"$AZ_LOG.n\"\nif [ -n \"${AZ_FAIL_AT:-}\" ] && [ \"$n\" -eq \"$AZ_FAIL_AT\" ]; then echo 'ERROR: (fake az) the request was refused' >&2; exit 1; fi\n";

/// A directory holding only the fake `az`.
fn fake_az_dir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let az = d.path().join("az");
    std::fs::write(&az, FAKE_AZ).unwrap();
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
    d
}

/// Runs `bash script` with the fake `az` first on PATH and `env` set, in a fresh working
/// directory (also HOME), stdin empty. Returns the output, the argv of each az call in
/// order, and the working directory (kept so a test can look for files the script made).
pub fn run_script_with_fake_az(
    script: &str,
    env: &[(&str, &str)],
) -> (Output, Vec<Vec<String>>, tempfile::TempDir) {
    let fake = fake_az_dir();
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("script.sh");
    std::fs::write(&file, script).unwrap();
    let log = fake.path().join("log");
    let path = format!(
        "{}:{}",
        fake.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.arg(&file)
        .current_dir(work.path())
        .env("PATH", path)
        .env("HOME", work.path())
        .env("AZ_LOG", &log)
        .stdin(Stdio::null())
        .envs(env.iter().copied());
    let out = cmd.output().unwrap();
    let calls = parse_az_log(&std::fs::read(&log).unwrap_or_default());
    std::fs::remove_file(&file).unwrap();
    (out, calls, work)
}

/// The fake az's log back to one argv per call.
fn parse_az_log(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut fields = bytes
        .split(|b| *b == 0)
        .map(|f| String::from_utf8(f.to_vec()).unwrap());
    let mut calls = Vec::new();
    while let Some(n) = fields.next().filter(|n| !n.is_empty()) {
        let n: usize = n.parse().unwrap();
        calls.push((0..n).map(|_| fields.next().unwrap()).collect());
    }
    calls
}

// ---- ARM templates ----------------------------------------------------------------------

/// An exporter's ARM template text as JSON.
pub fn arm_json(text: &str) -> Value {
    serde_json::from_str(text).expect("ARM output is JSON")
}

/// The `resources` of an ARM template.
pub fn arm_resources(doc: &Value) -> &[Value] {
    doc["resources"].as_array().expect("resources array")
}

/// The `resources` of an ARM template, each checked to be of type `ty` at API version
/// 2024-05-01.
pub fn arm_resources_of<'a>(doc: &'a Value, ty: &str, label: &str) -> &'a [Value] {
    let res = arm_resources(doc);
    for r in res {
        assert_eq!(r["type"], ty, "{label}");
        assert_eq!(r["apiVersion"], "2024-05-01", "{label}");
    }
    res
}

const ARM_PREFIX: &str = "https://schema.management.azure.com/schemas/";

struct LocalArmSchemas;

impl jsonschema::Retrieve for LocalArmSchemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let s = uri.as_str();
        let rest = s
            .strip_prefix(ARM_PREFIX)
            .ok_or_else(|| format!("not an ARM schema URI: {s}"))?;
        let rest = rest.split('#').next().unwrap_or(rest);
        let path = fixture("arm-schemas/schemas").join(rest);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(serde_json::from_str(&text)?)
    }
}

fn arm_validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let text = std::fs::read_to_string(fixture(
            "arm-schemas/schemas/2019-04-01/deploymentTemplate.json",
        ))
        .unwrap();
        let schema: Value = serde_json::from_str(&text).unwrap();
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .with_retriever(LocalArmSchemas)
            .build(&schema)
            .expect("the ARM schemas compile")
    })
}

/// The deepest error under a oneOf/anyOf, which is the one that says what is wrong.
fn deepest(e: &jsonschema::ValidationError<'_>) -> String {
    use jsonschema::error::ValidationErrorKind as K;
    let nested = match e.kind() {
        K::OneOfNotValid { context } | K::AnyOf { context } => context.iter().flatten().collect(),
        _ => Vec::<&jsonschema::ValidationError<'static>>::new(),
    };
    let best = nested
        .into_iter()
        .max_by_key(|c| c.instance_path().as_str().len());
    match best {
        Some(c) if c.instance_path().as_str().len() >= e.instance_path().as_str().len() => {
            deepest(c)
        }
        _ => format!("{} at {}", e, e.instance_path().as_str()),
    }
}

/// Validates an ARM template against the official schemas (offline).
pub fn arm_validate(template: &Value) -> Result<(), String> {
    let errors: Vec<String> = arm_validator()
        .iter_errors(template)
        .map(|e| deepest(&e))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

fn nrp_schema() -> &'static Value {
    static S: OnceLock<Value> = OnceLock::new();
    S.get_or_init(|| {
        let text = std::fs::read_to_string(fixture(
            "arm-schemas/schemas/2024-05-01/Microsoft.Network.NRP.json",
        ))
        .unwrap();
        serde_json::from_str(&text).unwrap()
    })
}

fn resolve_ref<'a>(root: &'a Value, v: &'a Value) -> &'a Value {
    let mut v = v;
    while let Some(r) = v.get("$ref").and_then(Value::as_str) {
        let Some(ptr) = r.split_once('#').map(|(_, p)| p) else {
            break;
        };
        // Only refs inside the NRP file are followed; common definitions are leaves here.
        if !r.starts_with('#') && !r.contains("Microsoft.Network.NRP.json") {
            return &Value::Null;
        }
        match root.pointer(ptr) {
            Some(t) => v = t,
            None => break,
        }
    }
    v
}

/// The property names an object schema allows (through $ref, allOf, oneOf, anyOf), and the
/// schemas for each. `None` when the schema does not restrict names.
fn allowed_properties<'a>(root: &'a Value, schema: &'a Value) -> Option<Vec<(&'a str, &'a Value)>> {
    let schema = resolve_ref(root, schema);
    let mut out = Vec::new();
    let mut restricted = false;
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        restricted = true;
        out.extend(props.iter().map(|(k, v)| (k.as_str(), v)));
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for sub in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(more) = allowed_properties(root, sub) {
                restricted = true;
                out.extend(more);
            }
        }
    }
    restricted.then_some(out)
}

/// Every property name in `instance` that the schema does not know, as JSON paths. The NRP
/// schemas allow extra properties, so a misspelt optional name would otherwise pass.
fn unknown_properties_in(
    root: &Value,
    schema: &Value,
    instance: &Value,
    path: &str,
    out: &mut Vec<String>,
) {
    match instance {
        Value::Object(map) => {
            let Some(allowed) = allowed_properties(root, schema) else {
                return;
            };
            for (k, v) in map {
                let subs: Vec<&Value> = allowed
                    .iter()
                    .filter(|(n, _)| n == k)
                    .map(|(_, s)| *s)
                    .collect();
                if subs.is_empty() {
                    out.push(format!("{path}/{k}"));
                    continue;
                }
                // Try each candidate schema; report only if none accepts the names below.
                let mut best: Option<Vec<String>> = None;
                for s in subs {
                    let mut o = Vec::new();
                    unknown_properties_in(root, s, v, &format!("{path}/{k}"), &mut o);
                    if best.as_ref().is_none_or(|b| o.len() < b.len()) {
                        best = Some(o);
                    }
                }
                out.extend(best.unwrap_or_default());
            }
        }
        Value::Array(items) => {
            let schema = resolve_ref(root, schema);
            let item_schemas: Vec<&Value> = match schema.get("items") {
                Some(s) => vec![s],
                None => ["oneOf", "anyOf"]
                    .iter()
                    .flat_map(|k| {
                        schema
                            .get(*k)
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                    })
                    .filter_map(|s| resolve_ref(root, s).get("items"))
                    .collect(),
            };
            for (i, item) in items.iter().enumerate() {
                let mut best: Option<Vec<String>> = None;
                for s in &item_schemas {
                    let mut o = Vec::new();
                    unknown_properties_in(root, s, item, &format!("{path}/{i}"), &mut o);
                    if best.as_ref().is_none_or(|b| o.len() < b.len()) {
                        best = Some(o);
                    }
                }
                out.extend(best.unwrap_or_default());
            }
        }
        _ => {}
    }
}

/// Checks every resource's property names against its NRP 2024-05-01 resource definition.
pub fn arm_unknown_properties(template: &Value) -> Vec<String> {
    let root = nrp_schema();
    let defs = root["resourceDefinitions"].as_object().unwrap();
    let mut out = Vec::new();
    for (i, res) in template["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let ty = res["type"].as_str().unwrap_or_default();
        let name = match ty {
            "Microsoft.Network/firewallPolicies/ruleCollectionGroups" => {
                "firewallPolicies_ruleCollectionGroups"
            }
            "Microsoft.Network/firewallPolicies" => "firewallPolicies",
            "Microsoft.Network/azureFirewalls" => "azureFirewalls",
            "Microsoft.Network/networkSecurityGroups" => "networkSecurityGroups",
            "Microsoft.Network/networkSecurityGroups/securityRules" => {
                "networkSecurityGroups_securityRules"
            }
            "Microsoft.Network/routeTables" => "routeTables",
            "Microsoft.Network/routeTables/routes" => "routeTables_routes",
            other => {
                out.push(format!("/resources/{i}: unexpected type {other}"));
                continue;
            }
        };
        let def = &defs[name];
        if let Some(props) = res.get("properties") {
            unknown_properties_in(
                root,
                &def["properties"]["properties"],
                props,
                &format!("/resources/{i}/properties"),
                &mut out,
            );
        }
    }
    out
}

/// Both ARM checks; panics with the findings.
pub fn assert_valid_arm(text: &str) {
    let v = arm_json(text);
    if let Err(e) = arm_validate(&v) {
        panic!("ARM schema validation failed:\n{e}");
    }
    let unknown = arm_unknown_properties(&v);
    assert!(
        unknown.is_empty(),
        "properties unknown to the 2024-05-01 schema: {unknown:?}"
    );
}

// ---- golden files -------------------------------------------------------------------------

/// Compares `actual` with `tests/golden/<rel>`. With AMLFW_UPDATE_GOLDEN=1 the file is
/// (re)written instead; review the diff by eye before committing.
pub fn assert_golden(rel: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(rel);
    if std::env::var_os("AMLFW_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "golden file {} is missing: run with AMLFW_UPDATE_GOLDEN=1 and review it",
            path.display()
        )
    });
    if expected != actual {
        // The whole change as a unified diff (at most 200 lines of it), not only where it starts.
        let diff = similar::TextDiff::from_lines(expected.as_str(), actual)
            .unified_diff()
            .context_radius(3)
            .header(&format!("{rel} (golden)"), &format!("{rel} (output)"))
            .to_string();
        let shown: Vec<&str> = diff.lines().take(200).collect();
        let more = diff.lines().count().saturating_sub(shown.len());
        panic!(
            "{} differs from the output; if the change is intended, rerun with AMLFW_UPDATE_GOLDEN=1 and review it:\n{}{}",
            path.display(),
            shown.join("\n"),
            if more > 0 { format!("\n... {more} more diff lines") } else { String::new() }
        );
    }
}

/// Runs `amlfw ARGS` on a pseudo-terminal (so stdout is a terminal) and returns what it wrote.
pub fn on_terminal(args: &[&str], env: &[(&str, &str)]) -> String {
    use portable_pty::{native_pty_system, CommandBuilder, PtySize};
    use std::io::Read;
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 50,
            cols: 200,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("open a pseudo-terminal");
    let program = assert_cmd::cargo::cargo_bin("amlfw");
    let mut cmd = CommandBuilder::new(program);
    cmd.args(args);
    cmd.env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = pair.slave.spawn_command(cmd).expect("spawn amlfw");
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().expect("pty reader");
    let reading = std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        // The read fails (EIO) once the child has exited and closed the terminal.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        out
    });
    child.wait().expect("amlfw exits");
    drop(pair.master);
    String::from_utf8_lossy(&reading.join().unwrap()).into_owned()
}

// ---- coverage: no rule dropped silently ---------------------------------------------

/// The address prefixes (and single addresses) written anywhere in `text`.
pub fn nets_in(text: &str) -> Vec<IpNet> {
    text.split(|c: char| !(c.is_ascii_hexdigit() || c == ':' || c == '.' || c == '/'))
        .filter_map(|w| {
            let w = w.trim_matches(|c| c == '.' || c == ':');
            w.parse::<IpNet>()
                .ok()
                .or_else(|| w.parse::<std::net::IpAddr>().ok().map(IpNet::from))
        })
        .collect()
}

/// `word` occurs in `text` not as part of a longer name.
pub fn has_word(text: &str, word: &str) -> bool {
    let part = |c: char| c.is_ascii_alphanumeric() || "-_.*".contains(c);
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(|c| part(c) && c != '.')
    })
}

/// The rules of `rs` that `out` neither expresses nor lists as not covered.
///
/// "In the output" is read from the text, as a user would look for it: the rule's id (most
/// formats name it in a comment or description), its remote end as a whole word (host lists,
/// Markdown), or for a service tag, an address prefix of the output that covers one of the
/// tag's (packet filters and IP lists write the aggregated prefixes, not the tag).
pub fn dropped<'r>(rs: &'r RuleSet, out: &Export, tags: Option<&TagIndex>) -> Vec<&'r Rule> {
    // Parsed only when a rule is not found by name (packet filters, IP lists).
    let nets = std::cell::OnceCell::new();
    let lower = std::cell::OnceCell::new();
    rs.rules
        .iter()
        .filter(|r| {
            !out.unexpressed
                .iter()
                .any(|u| u.rule_id == *r.id && !u.partly)
        })
        .filter(|r| !out.text.contains(r.id.as_str()) && !has_word(&out.text, &r.remote))
        // Host names are case-insensitive, and some formats write them in lower case.
        .filter(|r| {
            !has_word(
                lower.get_or_init(|| out.text.to_ascii_lowercase()),
                &r.remote.to_ascii_lowercase(),
            )
        })
        // An IP family with only sources of the other family has no rules at all, and says
        // so ("No IPv6 rules: every source in the profile is IPv4"): the address rules are
        // in the other family's export.
        .filter(|r| !(closed_family(out) && r.kind != Kind::FqdnApp && r.kind != Kind::Route))
        .filter(|r| {
            let prefixes = tags
                .and_then(|t| t.get(&r.remote))
                .and_then(|t| t.prefixes().ok())
                .unwrap_or(&[]);
            !prefixes.iter().any(|p| {
                nets.get_or_init(|| nets_in(&out.text))
                    .iter()
                    .any(|n: &IpNet| n.contains(p))
            })
        })
        .collect()
}

pub fn closed_family(out: &Export) -> bool {
    out.text.contains("rules: every source in the profile is")
}

/// Every `.rs` file under `dir` (relative to the crate), with its number of lines.
pub fn rust_files_and_lines(dir: &str) -> Vec<(String, usize)> {
    fn walk(dir: &Path, out: &mut Vec<(String, usize)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let n = std::fs::read_to_string(&p).unwrap().lines().count();
                out.push((p.display().to_string(), n));
            }
        }
    }
    let mut files = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut files);
    files
}
