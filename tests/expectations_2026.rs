//! Independent expectations for the `2026-03` edition of the built-in catalog.
//!
//! The tables below are written BY HAND from the documents, not from `assets/catalog.toml`:
//! - "Configure inbound and outbound network traffic", how-to-access-azureml-behind-firewall.md,
//!   ms.date 03/19/2026 (MicrosoftDocs/azure-ai-docs 00bb5540), cited below as FW-2603 > section;
//! - its include includes/recommended-network-outbound.md (ms.date 02/10/2025, b5ff1690),
//!   cited as REC-2502;
//! - Microsoft's Service Tags files in tests/fixtures/servicetags/ for the real tag spellings;
//! - the project's conventions, as in tests/expectations.rs (real tag names, one rule per
//!   (kind, remote, ports), `<storage>` falls back to a wildcard host, TCP 80/443 on a host is an
//!   application rule `http:80`/`https:443`, other ports on a concrete host are network rules).
//!
//! When one of these tests fails, compare the printed discrepancy with the documents before
//! changing anything here: the point of the file is to catch data that drifted from them.
//!
//! Row ports: `"tcp:443 udp:5831"` = exactly this union of ports over every rule with that
//! (kind, remote); `"+tcp:443"` = at least these; `"?"` = present, ports not checked.
//!
//! AMBIGUITIES in FW-2603 / REC-2502. Where the documents do not settle a point, the tests
//! check only what is settled (presence instead of ports, "one of these kinds", "allowed but
//! not required") and the row says which entry below applies.
//! - A-01 Misspelt tags. "Basic configuration > Outbound traffic" writes `Frontdoor.FirstParty`
//!   and `AzureFrontDoor.FrontEnd`; "Scenario: Workspace created with the hbi_workspace flag"
//!   writes `Keyvault.<region>`. The Service Tags files have `AzureFrontDoor.FirstParty`,
//!   `AzureFrontDoor.Frontend`, `AzureKeyVault.<Region>` (the document itself writes
//!   `AzureFrontDoor.FirstParty` in "Recommended configuration for training and deploying
//!   models"). The real names are required; the document spellings must never be emitted.
//! - A-02 `AzureFrontDoor.FirstParty` is required with no cloud restriction (only the FrontEnd
//!   row says "Not needed in Microsoft Azure operated by 21Vianet"), but the tag is absent
//!   from the AzureGovernment and China Service Tags files. Gov/China: allowed, not required.
//! - A-03 `VirtualNetwork` ("Basic configuration > Outbound traffic", private endpoints) is a
//!   virtual NSG tag and is in no Service Tags file; Azure Firewall cannot take it as a
//!   destination tag. Only its presence/absence and tcp:443 are checked; it is exempt from
//!   the Service Tags spelling check.
//! - A-04 `AzureMachineLearning` tag ports: the basic table lists 443, 8787, 18881 and
//!   UDP 5831 unconditionally, while the tip above "Azure Machine Learning compute instance and
//!   compute cluster hosts" says 8787/18881 are only needed when the workspace has a private
//!   endpoint. Exact ports are asserted only with `private_endpoints = true`; otherwise at
//!   least tcp:443 and udp:5831.
//! - A-05 `*.instances.azureml.ms` TCP 443, 8787, 18881 is a wildcard host: 8787/18881 can be
//!   neither http(s) by the document's wording nor an Azure Firewall network rule (no wildcard
//!   FQDNs). Checked: some rule on that remote covers each port (any protocol); an extra
//!   network rule on the wildcard is tolerated.
//! - A-06 `*.tundra.<region>.api.azureml.ms` UDP 5831 (public compute-instance table, new in
//!   2026) is a wildcard with UDP: no application rule and no Azure Firewall network rule can
//!   express it. Allowed as fqdn-app or network, not required.
//! - A-07 `*.<region>.batch.azure.com` and `*.<region>.service.batch.azure.com`, protocol ANY,
//!   port 443 (public compute-instance table): required as fqdn-app OR network; ports not
//!   checked.
//! - A-08 `<storage>.file.core.<suffix>` TCP 443, 445 (notebook table and "Your storage account"
//!   rows). With a storage account: fqdn-app https:443 + network tcp:445 (the tip in "Scenario:
//!   Third party firewall or Azure Firewall without service tags": FQDNs on other ports are
//!   network rules). Without one, the wildcard fallback cannot carry 445 as a network rule: a
//!   network rule on `*.file.core.windows.net` is tolerated, 445 is not asserted.
//! - A-09 "Scenario: Visual Studio Code > Ports": 8704-8710 with no destination, protocol or
//!   direction. Not asserted; extra rules whose ports all lie within 8704-8710 are tolerated in
//!   VS Code profiles.
//! - A-10 "Scenario: Visual Studio Code > Hosts": the websocket server row is a URL with a
//!   path (`https://github.com/microsoft/vscode-tools-for-ai/tree/master/azureml_remote_websocket_server/*`)
//!   "required only when connecting to an Interactive Job". `github.com` is required with
//!   `interactive-jobs`, tolerated with `vscode` alone. `raw.githubusercontent.com` (the
//!   2021-2023 row) must be gone.
//! - A-11 Host lists without ports (REC-2502 Python hosts; VS Code hosts; "Monitoring, metrics,
//!   and diagnostics"; `cloud.r-project.org`): presence only ("?").
//! - A-12 `Keyvault.<region>` (hbi scenario) gives no port: `AzureKeyVault.<Region>` presence only.
//! - A-13 Routes. "Scenario: Using compute cluster or compute instance with a public IP" now
//!   names only `AzureMachineLearning` (service-tag routes) and `AzureMachineLearning.<region>`
//!   of the primary and secondary regions (IP routes), but the paragraph after "Docker images
//!   maintained by Azure Machine Learning" still says to add `BatchNodeManagement` addresses
//!   from that section. BatchNodeManagement routes: allowed, not required.
//! - A-14 "Basic configuration" assumes you don't use Microsoft's images yet lists
//!   `MicrosoftContainerRegistry` and `Frontdoor.FirstParty`; the tip under "Docker images
//!   maintained by Azure Machine Learning" says MCR "is always needed regardless of the
//!   scenario". Asserted always on: both tags, `mcr.microsoft.com`, `*.data.mcr.microsoft.com`.
//!   The tag is the GLOBAL `MicrosoftContainerRegistry` (2022-09/2023-04 had `.<region>`).
//! - A-15 The monitoring hosts are public-cloud names in a section with no cloud tabs; the
//!   usgov/china profiles set `monitor_secured = true`, so nothing is asserted about them there.
//! - A-16 The host tables sit under "Scenario: Third party firewall or Azure Firewall without
//!   service tags", i.e. an alternative to tags. As in the 2021 edition (tests/expectations.rs)
//!   both the tags and the hosts are expected.
//! - A-17 The documents state no defaults for the profile options. The acceptance scenario
//!   (defaults) tolerates every option-dependent row; every other profile sets all four.
//! - A-18 "Scenario: Use Kubernetes compute": the in-cluster ports (5001, 8000, 8001, 9001,
//!   9999, 11001, 12001, 12101, 12201, 20000) are pod-to-pod, not egress; the Arc / AKS
//!   extension requirements are only links; the host table has public-cloud names only.
//!   Only the public host table is asserted, as a subset.
//! - A-19 "Model management" (`*.modelmanagement.*`) maps to no feature: expected always on,
//!   like the API rows of the same table.
//! - A-20 With `compute_public_ip = false`: no inbound rule ("Basic configuration > Inbound
//!   traffic": only with a public IP) and, by "A compute instance or compute cluster without a
//!   public IP doesn't need inbound traffic ...", no routes either (the UDRs only exist to let
//!   that inbound traffic bypass the firewall).
//! - A-21 `cloud.r-project.org` is in "Scenario: Install RStudio on compute instance" but serves
//!   R packages (the `r` feature in 2021): tolerated, not required, with `rstudio`.
//! - A-22 `*.vscode.dev` etc. are dotted wildcards in 2026 (`*vscode.dev` in 2022-09): the apex
//!   `vscode.dev` is tolerated, not required.
//! - A-23 AutoML NLP/Vision "currently only supported in Azure public regions": asserted in
//!   public only.
//! - A-24 (added when the file was taken into the repo) REC-2502 names `pypi.org` for the
//!   default index and `*.pythonhosted.org` only when the index is overridden. pip downloads
//!   the package files from `files.pythonhosted.org` even with the default index; the project
//!   decided (issue 13) to emit it with pip as a marked inference, so it is tolerated here, not
//!   required by the document.

use amlfw::{resolve, Catalog, Kind, Profile, RuleSet};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

// ---- helpers ---------------------------------------------------------------------------

const EDITION: &str = "2026-03";

fn resolve_toml(text: &str) -> RuleSet {
    let catalog = Catalog::builtin();
    let mut p =
        Profile::from_toml(text).unwrap_or_else(|e| panic!("profile does not parse: {e}\n{text}"));
    p.validate(&catalog)
        .unwrap_or_else(|e| panic!("profile does not validate: {e}\n{text}"));
    let rs = resolve(&catalog, &p).expect("resolve");
    // `resolve` falls back to the default edition for an unknown id: make sure it did not.
    assert_eq!(
        rs.settings.edition, EDITION,
        "the profile asked for edition {EDITION}, resolve used {}\n{text}",
        rs.settings.edition
    );
    rs
}

/// A profile of the 2026-03 edition; `extra` is appended verbatim (TOML lines).
fn profile(cloud: &str, region: &str, features: &[&str], extra: &str) -> String {
    let features: Vec<String> = features.iter().map(|f| format!("\"{f}\"")).collect();
    format!(
        "schema_version = 1\nedition = \"{EDITION}\"\ncloud = \"{cloud}\"\nregion = \"{region}\"\n\
         features = [{}]\n{extra}",
        features.join(", ")
    )
}

/// Every option set, so no row depends on a default.
fn options(
    public_ip: bool,
    private_endpoints: bool,
    monitor_secured: bool,
    storage_fw: bool,
) -> String {
    format!(
        "compute_public_ip = {public_ip}\nprivate_endpoints = {private_endpoints}\n\
         monitor_secured = {monitor_secured}\nstorage_firewall = {storage_fw}\n"
    )
}

/// The resolved (kind, remote) pairs.
fn pairs(rs: &RuleSet) -> BTreeSet<(String, String)> {
    rs.rules
        .iter()
        .map(|r| (r.kind.id().to_string(), r.remote.to_string()))
        .collect()
}

/// Union of the ports of every rule with this (kind, remote).
fn ports_of(rs: &RuleSet, kind: Kind, remote: &str) -> BTreeSet<String> {
    rs.rules
        .iter()
        .filter(|r| r.kind == kind && r.remote == remote)
        .flat_map(|r| r.ports.iter().map(|p| p.to_string()))
        .collect()
}

fn set(ports: &[&str]) -> BTreeSet<String> {
    ports.iter().map(|s| s.to_string()).collect()
}

fn has(rs: &RuleSet, kind: Kind, remote: &str) -> bool {
    rs.rules
        .iter()
        .any(|r| r.kind == kind && r.remote == remote)
}

/// An expectation row: kind, remote, ports (see the module comment for the port syntax).
type Row = (Kind, &'static str, &'static str);

/// What a profile must resolve to.
#[derive(Default)]
struct Spec {
    /// Required, with their ports.
    rows: Vec<Row>,
    /// Required with at least one of these kinds (ports not checked); any of them allowed.
    one_of: Vec<(&'static [Kind], &'static str)>,
    /// Allowed, not required (ambiguities and option defaults).
    maybe: Vec<(Kind, &'static str)>,
    /// Remotes (exact spelling) that must not appear with any kind.
    absent: Vec<&'static str>,
    /// Remote -> ports (numbers) that some rule on that remote must cover, any kind/protocol.
    covers: Vec<(&'static str, &'static [u16])>,
    /// tolerate extra rules whose every port lies within 8704-8710.
    vscode_ports: bool,
}

impl Spec {
    fn with(mut self, rows: &[Row]) -> Self {
        self.rows.extend_from_slice(rows);
        self
    }
    fn one_of(mut self, kinds: &'static [Kind], remote: &'static str) -> Self {
        self.one_of.push((kinds, remote));
        self
    }
    fn maybe(mut self, list: &[(Kind, &'static str)]) -> Self {
        self.maybe.extend_from_slice(list);
        self
    }
    fn absent(mut self, list: &[&'static str]) -> Self {
        self.absent.extend_from_slice(list);
        self
    }
    fn covers(mut self, remote: &'static str, ports: &'static [u16]) -> Self {
        self.covers.push((remote, ports));
        self
    }
}

fn key(kind: Kind, remote: &str) -> (String, String) {
    (kind.id().to_string(), remote.to_string())
}

fn in_vscode_range(r: &amlfw::Rule) -> bool {
    !r.ports.is_empty()
        && r.ports.iter().all(|p| {
            let s = p.to_string();
            let ports = s.split_once(':').map(|x| x.1).unwrap_or("");
            let (a, b) = ports.split_once('-').unwrap_or((ports, ports));
            matches!((a.parse::<u16>(), b.parse::<u16>()), (Ok(a), Ok(b)) if a >= 8704 && b <= 8710)
        })
}

/// Checks a resolved rule set against a spec and prints every discrepancy at once.
fn check(label: &str, rs: &RuleSet, spec: &Spec) {
    let got = pairs(rs);
    let mut problems: Vec<String> = Vec::new();

    // required rows
    let want: BTreeSet<_> = spec.rows.iter().map(|(k, r, _)| key(*k, r)).collect();
    for (k, r) in want.difference(&got) {
        problems.push(format!("MISSING   {k:<12} {r}"));
    }
    for (kinds, remote) in &spec.one_of {
        if !kinds.iter().any(|k| got.contains(&key(*k, remote))) {
            let ks: Vec<_> = kinds.iter().map(|k| k.id()).collect();
            problems.push(format!("MISSING   {:<12} {remote}", ks.join("|")));
        }
    }

    // extras
    let mut allowed = want.clone();
    for (kinds, remote) in &spec.one_of {
        for k in kinds.iter() {
            allowed.insert(key(*k, remote));
        }
    }
    for (k, r) in &spec.maybe {
        allowed.insert(key(*k, r));
    }
    for (k, r) in got.difference(&allowed) {
        let rules: Vec<_> = rs
            .rules
            .iter()
            .filter(|x| x.kind.id() == k && x.remote == r.as_str())
            .collect();
        if spec.vscode_ports && rules.iter().all(|x| in_vscode_range(x)) {
            continue;
        }
        for rule in rules {
            problems.push(format!(
                "EXTRA     {k:<12} {r}   [{}] features: {} requirements: {:?}",
                rule.ports_label(),
                rule.features_label(),
                rule.requirements
            ));
        }
    }

    // ports
    for (kind, remote, ports) in &spec.rows {
        if *ports == "?" {
            continue;
        }
        let got = ports_of(rs, *kind, remote);
        if got.is_empty() {
            continue; // reported as MISSING
        }
        let (at_least, list) = match ports.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, *ports),
        };
        let want: BTreeSet<String> = list.split_whitespace().map(String::from).collect();
        let ok = if at_least {
            want.is_subset(&got)
        } else {
            want == got
        };
        if !ok {
            problems.push(format!(
                "PORTS     {:<12} {remote}: expected {}{want:?}, got {got:?}",
                kind.id(),
                if at_least { "at least " } else { "" }
            ));
        }
    }
    for (remote, ports) in &spec.covers {
        problems.extend(uncovered(rs, remote, ports));
    }

    // must-not-appear
    for remote in &spec.absent {
        for r in rs.rules.iter().filter(|r| r.remote == *remote) {
            problems.push(format!(
                "FORBIDDEN {:<12} {remote}   [{}] features: {}",
                r.kind.id(),
                r.ports_label(),
                r.features_label()
            ));
        }
    }

    // invariants of every edition
    for r in &rs.rules {
        if r.remote.contains('<') || r.remote.contains('>') {
            problems.push(format!("PLACEHOLDER {} {}", r.kind.id(), r.remote));
        }
        // FW-2022..2023 tables: inbound 29876-29877 from BatchNodeManagement is gone in 2026.
        if r.ports
            .iter()
            .any(|p| p.to_string().ends_with(":29876-29877"))
        {
            problems.push(format!(
                "FORBIDDEN {} {} [{}]: ports 29876-29877 are not in the 2026 guidance",
                r.kind.id(),
                r.remote,
                r.ports_label()
            ));
        }
    }

    if !problems.is_empty() {
        panic!(
            "{label}: the resolved rules differ from the hand-written 2026-03 table ({} problems)\n  {}\n",
            problems.len(),
            problems.join("\n  ")
        );
    }
}

/// The ports of `wanted` that no rule on `remote` (any kind, any protocol) covers.
fn uncovered(rs: &RuleSet, remote: &str, wanted: &[u16]) -> Vec<String> {
    let covers = |spec: &str, port: u16| -> bool {
        let ports = spec.split_once(':').map(|x| x.1).unwrap_or("");
        if ports == "*" {
            return true;
        }
        let (a, b) = ports.split_once('-').unwrap_or((ports, ports));
        matches!((a.parse::<u16>(), b.parse::<u16>()), (Ok(a), Ok(b)) if a <= port && port <= b)
    };
    wanted
        .iter()
        .filter(|&&port| {
            !rs.rules
                .iter()
                .filter(|r| r.remote == remote)
                .any(|r| r.ports.iter().any(|p| covers(&p.to_string(), port)))
        })
        .map(|port| {
            let have: Vec<String> = rs
                .rules
                .iter()
                .filter(|r| r.remote == remote)
                .map(|r| format!("{} [{}]", r.kind.id(), r.ports_label()))
                .collect();
            format!("PORTS     {remote}: no rule covers port {port} (rules: {have:?})")
        })
        .collect()
}

/// The merge rule: one rule per (kind, destination, ports).
fn assert_merged(label: &str, rs: &RuleSet) {
    let mut seen: BTreeMap<(Kind, String, Vec<String>), usize> = BTreeMap::new();
    for r in &rs.rules {
        let mut ports: Vec<String> = r.ports.iter().map(|p| p.to_string()).collect();
        ports.sort();
        *seen
            .entry((r.kind, r.remote.to_ascii_lowercase(), ports))
            .or_default() += 1;
    }
    let dups: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(dups.is_empty(), "{label}: rules not merged: {dups:?}");
}

/// Tag names of a cloud's Service Tags fixture (exact spelling).
fn tag_names(cloud: &str) -> BTreeSet<String> {
    let file = match cloud {
        "public" => "ServiceTags_Public.376.json",
        "usgov" => "ServiceTags_AzureGovernment_20260720.402.json",
        "china" => "ServiceTags_China_20260720.405.json",
        other => panic!("no fixture for cloud {other}"),
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/servicetags")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: serde_json::Value = serde_json::from_str(&text).expect("Service Tags JSON");
    doc["values"]
        .as_array()
        .expect("values")
        .iter()
        .filter_map(|v| v["name"].as_str().map(String::from))
        .collect()
}

/// Every tag the rules name (outbound tags, inbound sources, route prefixes) is spelt exactly as
/// in the cloud's Service Tags file, except the virtual `VirtualNetwork`.
fn assert_real_tags(label: &str, cloud: &str, rs: &RuleSet) {
    let names = tag_names(cloud);
    let bad: Vec<String> = rs
        .rules
        .iter()
        .filter(|r| matches!(r.kind, Kind::ServiceTag | Kind::Inbound | Kind::Route))
        .filter(|r| &*r.remote != "VirtualNetwork")
        .filter(|r| !names.contains(r.remote.as_str()))
        .map(|r| {
            let near: Vec<&String> = names
                .iter()
                .filter(|n| n.eq_ignore_ascii_case(&r.remote))
                .collect();
            format!("{} {} (file spelling: {near:?})", r.kind.id(), r.remote)
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{label}: tags not spelt as in the {cloud} Service Tags file:\n  {}",
        bad.join("\n  ")
    );
}

use Kind::{FqdnApp as F, Inbound as I, Network as N, Route as R, ServiceTag as T};

const FQDN_OR_NET: &[Kind] = &[F, N];

/// Remotes that belong to 2021-2023 editions or are document misspellings.
const NEVER_2026: &[&str] = &[
    "Frontdoor.FirstParty",      // document spelling
    "AzureFrontDoor.FrontEnd",   // document spelling (real: AzureFrontDoor.Frontend)
    "viennaglobal.azurecr.io",   // dropped from "Docker images maintained by ..." in 2023-04
    "raw.githubusercontent.com", // VS Code websocket row now points at github.com
    "*pytorch.org",              // 2021/2022 spelling; REC-2502 has pytorch.org + *.pytorch.org
    "BatchNodeManagement",       // inbound 29876-29877 source, gone since 2023-04
];

// ---- tables ------------------------------------------------------------------------------

/// FW-2603 "Basic configuration > Outbound traffic", public, region-independent rows.
const PUBLIC_TAGS: &[Row] = &[
    (T, "AzureActiveDirectory", "tcp:80 tcp:443"), // "80, 443"
    (T, "AzureResourceManager", "tcp:443"),
    (T, "AzureFrontDoor.Frontend", "tcp:443"), // doc `AzureFrontDoor.FrontEnd`
    (T, "MicrosoftContainerRegistry", "tcp:443"), // global tag in 2026
    (T, "AzureFrontDoor.FirstParty", "tcp:443"), // doc `Frontdoor.FirstParty`
];

/// FW-2603 "Microsoft hosts > General Azure hosts" (public tab) + "Azure Machine Learning
/// hosts" API / Model management rows (public tab) + "Docker images maintained by Azure
/// Machine Learning" (no cloud tabs; "always needed", A-14).
const PUBLIC_HOSTS: &[Row] = &[
    (F, "login.microsoftonline.com", "http:80 https:443"), // Microsoft Entra ID, TCP 80, 443
    (F, "management.azure.com", "https:443"),              // Azure portal + ARM rows merge
    (F, "*.azureml.ms", "https:443"),                      // API
    (F, "*.azureml.net", "https:443"),                     // API (new since 2022-09)
    (F, "*.modelmanagement.azureml.net", "https:443"),     // Model management
    (F, "mcr.microsoft.com", "https:443"),
    (F, "*.data.mcr.microsoft.com", "https:443"),
];

/// FW-2603 "Azure Machine Learning compute instance and compute cluster hosts" (public tab),
/// region- and storage-independent rows.
const PUBLIC_COMPUTE_HOSTS: &[Row] = &[
    (F, "graph.windows.net", "https:443"), // Compute cluster/instance (2021: app table http+https)
    (F, "*.instances.azureml.net", "https:443"), // Compute instance
    (F, "*.instances.azureml.ms", "+https:443"), // Compute instance 443, 8787, 18881
    (F, "*.blob.core.windows.net", "https:443"), // Microsoft storage access
    (F, "*.table.core.windows.net", "https:443"), // Microsoft storage access
    (F, "*.queue.core.windows.net", "https:443"), // Microsoft storage access
];

/// FW-2603 "Monitoring, metrics, and diagnostics" (+ basic table `AzureMonitor` row): only when
/// Azure Monitor is not secured. Ports not stated.
const MONITOR_PUBLIC: &[Row] = &[
    (T, "AzureMonitor", "tcp:443"),
    (F, "dc.applicationinsights.azure.com", "?"),
    (F, "dc.applicationinsights.microsoft.com", "?"),
    (F, "dc.services.visualstudio.com", "?"),
    (F, "*.in.applicationinsights.azure.com", "?"),
];

fn as_maybe(rows: &[Row]) -> Vec<(Kind, &'static str)> {
    rows.iter().map(|(k, r, _)| (*k, *r)).collect()
}

// ---- 1. acceptance: public / eastus2 / compute-instance, every option at its default ------

/// Rows that hold whatever the option defaults are.
fn eastus2_compute_instance_spec() -> Spec {
    Spec::default()
        .with(PUBLIC_TAGS)
        .with(&[
            // FW-2603 Basic configuration > Outbound traffic
            (T, "AzureMachineLearning", "+tcp:443 udp:5831"),
            (T, "BatchNodeManagement.EastUS2", "tcp:443"),    // `BatchNodeManagement.<region>`
            (T, "Storage.EastUS2", "+tcp:443"),               // 445 only with storage_firewall
        ])
        .with(PUBLIC_HOSTS)
        .with(PUBLIC_COMPUTE_HOSTS)
        .with(&[
            // compute-instance table, public tab
            (N, "eastus2.tundra.azureml.ms", "udp:5831"), // `<region>.tundra.azureml.ms` UDP 5831
            // "Your storage account" rows without storage_account: wildcard fallback;
            // `<storage>.blob...` merges with the Microsoft storage row above.
            (F, "*.file.core.windows.net", "https:443"),
        ])
        .one_of(FQDN_OR_NET, "*.eastus2.batch.azure.com") // ANY 443
        .one_of(FQDN_OR_NET, "*.eastus2.service.batch.azure.com") // ANY 443
        .maybe(&[
            (F, "*.tundra.eastus2.api.azureml.ms"),
            (N, "*.tundra.eastus2.api.azureml.ms"),
            (N, "*.instances.azureml.ms"),
            (N, "*.file.core.windows.net"),
        ])
        .covers("*.instances.azureml.ms", &[443])
        .absent(NEVER_2026)
}

#[test]
fn acceptance_public_eastus2_compute_instance_with_defaults() {
    let rs = resolve_toml(&profile("public", "eastus2", &["compute-instance"], ""));
    // Option-dependent rows: allowed whatever the defaults are.
    let mut spec = eastus2_compute_instance_spec().maybe(&[
        (T, "VirtualNetwork"),
        (I, "AzureMachineLearning"),
        (R, "AzureMachineLearning"),
        (R, "BatchNodeManagement.EastUS2"),
    ]);
    spec.maybe.extend(as_maybe(MONITOR_PUBLIC));
    check("public/eastus2 compute-instance (defaults)", &rs, &spec);
    // The acceptance points, also stated on their own (the table above covers them too).
    assert_eq!(
        ports_of(&rs, T, "BatchNodeManagement.EastUS2"),
        set(&["tcp:443"]),
        "FW-2603 Basic configuration: BatchNodeManagement.<region> TCP 443"
    );
    assert!(
        ports_of(&rs, T, "AzureMachineLearning").contains("udp:5831"),
        "FW-2603 Basic configuration: AzureMachineLearning UDP 5831; got {:?}",
        ports_of(&rs, T, "AzureMachineLearning")
    );
    assert_eq!(
        ports_of(&rs, T, "AzureActiveDirectory"),
        set(&["tcp:80", "tcp:443"]),
        "FW-2603 Basic configuration: AzureActiveDirectory 80, 443"
    );
    assert!(
        !rs.rules
            .iter()
            .any(|r| r.kind == I && r.ports.iter().any(|p| p.to_string().contains("29876"))),
        "inbound 29876-29877 is not in the 2026 guidance"
    );

    assert_merged("public/eastus2 compute-instance (defaults)", &rs);
    assert_real_tags("public/eastus2 compute-instance (defaults)", "public", &rs);
    // Without a storage account the storage hosts are wildcards, and the tool says so.
    assert!(
        rs.warnings.iter().any(|w| w.code == "storage-wildcard"),
        "no storage account given, yet no storage-wildcard warning: {:?}",
        rs.warnings
    );
}

// ---- 2. public / westeurope, a workstation-style profile, every option set -------------

const WESTEUROPE_FEATURES: &[&str] = &[
    "compute-cluster",
    "compute-instance",
    "notebooks",
    "studio",
    "pip",
    "conda",
    "vscode",
];

fn westeurope_toml() -> String {
    profile(
        "public",
        "westeurope",
        WESTEUROPE_FEATURES,
        &format!(
            "storage_account = \"amlwesa01\"\n{}",
            options(true, true, false, false)
        ),
    )
}

#[test]
fn public_westeurope_workstation_profile() {
    let rs = resolve_toml(&westeurope_toml());
    let spec = Spec {
        vscode_ports: true,
        ..Spec::default()
    }
    .with(PUBLIC_TAGS)
    .with(&[
        // FW-2603 Basic configuration > Outbound traffic
        (
            T,
            "AzureMachineLearning",
            "tcp:443 tcp:8787 tcp:18881 udp:5831",
        ), // A-04 (private endpoints)
        (T, "BatchNodeManagement.WestEurope", "tcp:443"),
        (T, "Storage.WestEurope", "tcp:443"), // storage_firewall = false
        (T, "VirtualNetwork", "tcp:443"),     // private_endpoints = true
        // Basic configuration > Inbound traffic: AzureMachineLearning -> VirtualNetwork 44224,
        // only with a public IP (compute_public_ip = true)
        (I, "AzureMachineLearning", "tcp:44224"),
        // Scenario: Using compute cluster or compute instance with a public IP, service-tag
        // routes (default inbound_routes)
        (R, "AzureMachineLearning", "?"),
    ])
    .with(PUBLIC_HOSTS)
    .with(PUBLIC_COMPUTE_HOSTS)
    .with(MONITOR_PUBLIC) // monitor_secured = false
    .with(&[
        // Azure Machine Learning hosts (public tab)
        (F, "ml.azure.com", "https:443"),          // studio
        (F, "*.notebooks.azure.net", "https:443"), // Integrated notebook
        (F, "amlwesa01.file.core.windows.net", "https:443"), // notebook + your storage, 443
        (N, "amlwesa01.file.core.windows.net", "tcp:445"), // ... and 445
        (F, "amlwesa01.dfs.core.windows.net", "https:443"),
        (F, "amlwesa01.blob.core.windows.net", "https:443"), // notebook + your storage merge
        (F, "graph.microsoft.com", "https:443"),
        (F, "*.aznbcontent.net", "https:443"),
        // compute-instance table, public tab
        (N, "westeurope.tundra.azureml.ms", "udp:5831"),
        // REC-2502 (ports not stated, A-11)
        (F, "anaconda.com", "?"),   // conda
        (F, "*.anaconda.com", "?"), // conda
        (F, "*.anaconda.org", "?"), // conda
        (F, "pypi.org", "?"),       // pip
        // Scenario: Visual Studio Code > Hosts (ports not stated, A-11)
        (F, "*.vscode.dev", "?"),
        (F, "*.vscode-unpkg.net", "?"),
        (F, "*.vscode-cdn.net", "?"),
        (F, "*.vscodeexperiments.azureedge.net", "?"),
        (F, "default.exp-tas.com", "?"),
        (F, "code.visualstudio.com", "?"),
        (F, "update.code.visualstudio.com", "?"),
        (F, "*.vo.msecnd.net", "?"),
        (F, "marketplace.visualstudio.com", "?"),
        (F, "vscode.blob.core.windows.net", "?"),
        (F, "*.gallerycdn.vsassets.io", "?"),
        (F, "vscode.download.prss.microsoft.com", "?"), // new in 2026
    ])
    .one_of(FQDN_OR_NET, "*.westeurope.batch.azure.com")
    .one_of(FQDN_OR_NET, "*.westeurope.service.batch.azure.com")
    .maybe(&[
        (F, "*.tundra.westeurope.api.azureml.ms"),
        (N, "*.tundra.westeurope.api.azureml.ms"),
        (N, "*.instances.azureml.ms"),
        (R, "BatchNodeManagement.WestEurope"),
        (F, "github.com"),                         // A-10 (interactive jobs only)
        (F, "vscode.dev"),
        (F, "files.pythonhosted.org"),
    ])
    // compute-instance tip: 8787/18881 needed with a private endpoint (private_endpoints = true)
    .covers("*.instances.azureml.ms", &[443, 8787, 18881])
    .absent(NEVER_2026)
    .absent(&[
        "*.pythonhosted.org", // REC-2502: only when the pip index is overridden
        "MicrosoftContainerRegistry.WestEurope", // 2026 uses the global tag
        "MicrosoftContainerRegistry.NorthEurope",
    ]);
    check("public/westeurope workstation", &rs, &spec);
    assert_merged("public/westeurope workstation", &rs);
    assert_real_tags("public/westeurope workstation", "public", &rs);
    assert!(
        !rs.warnings.iter().any(|w| w.code == "storage-wildcard"),
        "a storage account was given, yet: {:?}",
        rs.warnings
    );
    // the storage account host is one rule per kind, and both storage tables feed it
    assert_eq!(
        rs.rules
            .iter()
            .filter(|r| r.kind == F && &*r.remote == "amlwesa01.blob.core.windows.net")
            .count(),
        1
    );
}

#[test]
fn public_westeurope_ip_prefix_routes_cover_primary_and_secondary_region() {
    // Scenario: Using compute cluster or compute instance with a public IP > IP Address routes:
    // AzureMachineLearning.<region> of the primary AND the secondary (paired) region, next hop
    // Internet. West Europe's pair is North Europe.
    let rs = resolve_toml(&profile(
        "public",
        "westeurope",
        &["compute-cluster", "compute-instance"],
        &format!(
            "inbound_routes = \"ip-prefixes\"\n{}",
            options(true, false, true, false)
        ),
    ));
    let routes: BTreeSet<String> = rs.of_kind(R).map(|r| r.remote.to_string()).collect();
    for want in [
        "AzureMachineLearning.WestEurope",
        "AzureMachineLearning.NorthEurope",
    ] {
        assert!(routes.contains(want), "route {want} missing: {routes:?}");
    }
    let allowed: BTreeSet<&str> = [
        "AzureMachineLearning.WestEurope",
        "AzureMachineLearning.NorthEurope",
        "BatchNodeManagement.WestEurope",
    ]
    .into();
    let extra: Vec<_> = routes
        .iter()
        .filter(|r| !allowed.contains(r.as_str()))
        .collect();
    assert!(extra.is_empty(), "unexpected routes: {extra:?}");
    for r in rs.of_kind(R) {
        assert_eq!(r.next_hop.as_deref(), Some("Internet"), "{}", r.remote);
        assert!(
            r.expand_prefixes,
            "{} should expand to address prefixes",
            r.remote
        );
    }
    assert_real_tags("public/westeurope ip-prefix routes", "public", &rs);
}

// ---- 3. usgov / usgovvirginia ----------------------------------------------------------

#[test]
fn usgov_compute_instance_and_cluster() {
    let rs = resolve_toml(&profile(
        "usgov",
        "usgovvirginia",
        &["compute-instance", "compute-cluster"],
        &format!(
            "storage_account = \"govsa01\"\n{}",
            options(true, false, true, false)
        ),
    ));
    let spec = Spec::default()
        .with(&[
            // Basic configuration > Outbound traffic (no cloud tabs)
            (T, "AzureActiveDirectory", "tcp:80 tcp:443"),
            (T, "AzureMachineLearning", "+tcp:443 udp:5831"),
            (T, "BatchNodeManagement.USGovVirginia", "tcp:443"),
            (T, "AzureResourceManager", "tcp:443"),
            (T, "Storage.USGovVirginia", "tcp:443"),
            (T, "AzureFrontDoor.Frontend", "tcp:443"), // only 21Vianet is exempted
            (T, "MicrosoftContainerRegistry", "tcp:443"),
            // Inbound traffic / public-IP scenario
            (I, "AzureMachineLearning", "tcp:44224"),
            (R, "AzureMachineLearning", "?"),
            // General Azure hosts, Azure Government tab
            (F, "login.microsoftonline.us", "http:80 https:443"),
            (F, "management.azure.us", "https:443"), // "Azure portal"
            (F, "management.usgovcloudapi.net", "https:443"), // ARM
            // Azure Machine Learning hosts, Azure Government tab
            (F, "*.ml.azure.us", "https:443"),                // API
            (F, "*.modelmanagement.azureml.us", "https:443"), // Model management
            // compute hosts, Azure Government tab
            (F, "graph.windows.net", "https:443"), // as documented (not graph.microsoft.us)
            (F, "*.instances.azureml.us", "https:443"),
            (F, "*.instances.azureml.ms", "+https:443"), // all three clouds since 2022-09
            (N, "usgovvirginia.tundra.azureml.us", "udp:5831"),
            (F, "*.blob.core.usgovcloudapi.net", "https:443"),
            (F, "*.table.core.usgovcloudapi.net", "https:443"),
            (F, "*.queue.core.usgovcloudapi.net", "https:443"),
            (F, "govsa01.file.core.usgovcloudapi.net", "https:443"),
            (N, "govsa01.file.core.usgovcloudapi.net", "tcp:445"),
            (F, "govsa01.blob.core.usgovcloudapi.net", "https:443"),
            // Docker images maintained by Azure Machine Learning (no cloud tabs, A-14)
            (F, "mcr.microsoft.com", "https:443"),
            (F, "*.data.mcr.microsoft.com", "https:443"),
        ])
        .maybe(&[
            (T, "AzureFrontDoor.FirstParty"), // not in the Government Service Tags file
            (R, "BatchNodeManagement.USGovVirginia"),
            (N, "*.instances.azureml.ms"),
        ])
        .covers("*.instances.azureml.ms", &[443])
        .absent(NEVER_2026)
        .absent(&[
            // public-tab-only rows of the compute-instance table
            "*.usgovvirginia.batch.azure.com",
            "*.usgovvirginia.service.batch.azure.com",
            "*.tundra.usgovvirginia.api.azureml.ms",
            "usgovvirginia.tundra.azureml.ms",
            // public hosts must not leak into Government
            "login.microsoftonline.com",
            "management.azure.com",
            "*.instances.azureml.net",
            "*.blob.core.windows.net",
            "MicrosoftContainerRegistry.USGovVirginia",
        ]);
    check("usgov/usgovvirginia compute", &rs, &spec);
    assert_merged("usgov/usgovvirginia compute", &rs);
    assert_real_tags("usgov/usgovvirginia compute", "usgov", &rs);
}

#[test]
fn usgov_notebooks_and_studio_use_the_government_tab() {
    // Azure Machine Learning hosts, Azure Government tab: `*.aznbcontent.net` is listed for
    // Government since 2022-09 (the 2021 cell was empty).
    let rs = resolve_toml(&profile(
        "usgov",
        "usgovvirginia",
        &["notebooks", "studio"],
        &format!(
            "storage_account = \"govsa01\"\n{}",
            options(false, false, true, false)
        ),
    ));
    let want: &[Row] = &[
        (F, "ml.azure.us", "https:443"),
        (F, "*.notebooks.usgovcloudapi.net", "https:443"),
        (F, "govsa01.file.core.usgovcloudapi.net", "https:443"),
        (N, "govsa01.file.core.usgovcloudapi.net", "tcp:445"),
        (F, "govsa01.dfs.core.usgovcloudapi.net", "https:443"),
        (F, "govsa01.blob.core.usgovcloudapi.net", "https:443"),
        (F, "graph.microsoft.us", "https:443"),
        (F, "*.aznbcontent.net", "https:443"),
    ];
    let mut bad = Vec::new();
    for (k, r, p) in want {
        let got = ports_of(&rs, *k, r);
        if got.is_empty() {
            bad.push(format!("MISSING {} {r}", k.id()));
        } else if got
            != p.split_whitespace()
                .map(String::from)
                .collect::<BTreeSet<_>>()
        {
            bad.push(format!("PORTS   {} {r}: expected {p}, got {got:?}", k.id()));
        }
    }
    for r in [
        "ml.azure.com",
        "*.notebooks.azure.net",
        "graph.microsoft.com",
    ] {
        if rs.rules.iter().any(|x| &*x.remote == r) {
            bad.push(format!("FORBIDDEN {r} (public host in Government)"));
        }
    }
    assert!(
        bad.is_empty(),
        "usgov notebooks+studio:\n  {}",
        bad.join("\n  ")
    );
}

// ---- 4. china / chinaeast2 -------------------------------------------------------------

#[test]
fn china_compute_instance_and_cluster() {
    let rs = resolve_toml(&profile(
        "china",
        "chinaeast2",
        &["compute-instance", "compute-cluster"],
        &format!(
            "storage_account = \"cnsa01\"\n{}",
            options(true, false, true, false)
        ),
    ));
    let spec = Spec::default()
        .with(&[
            // Basic configuration > Outbound traffic; no AzureFrontDoor.Frontend in 21Vianet
            (T, "AzureActiveDirectory", "tcp:80 tcp:443"),
            (T, "AzureMachineLearning", "+tcp:443 udp:5831"),
            (T, "BatchNodeManagement.ChinaEast2", "tcp:443"),
            (T, "AzureResourceManager", "tcp:443"),
            (T, "Storage.ChinaEast2", "tcp:443"),
            (T, "MicrosoftContainerRegistry", "tcp:443"),
            (I, "AzureMachineLearning", "tcp:44224"),
            (R, "AzureMachineLearning", "?"),
            // General Azure hosts, 21Vianet tab
            (F, "login.chinacloudapi.cn", "http:80 https:443"),
            (F, "management.azure.cn", "https:443"),
            (F, "management.chinacloudapi.cn", "https:443"),
            // Azure Machine Learning hosts, 21Vianet tab
            (F, "*.ml.azure.cn", "https:443"), // API
            (F, "*.azureml.cn", "https:443"),  // API
            (F, "*.modelmanagement.ml.azure.cn", "https:443"), // Model management
            // compute hosts, 21Vianet tab
            (F, "graph.chinacloudapi.cn", "https:443"),
            (F, "*.instances.azureml.cn", "https:443"),
            (F, "*.instances.azureml.ms", "+https:443"),
            (N, "chinaeast2.tundra.azureml.cn", "udp:5831"),
            (F, "*.blob.core.chinacloudapi.cn", "https:443"), // dotted since 2022-09 (seed typo)
            (F, "*.table.core.chinacloudapi.cn", "https:443"),
            (F, "*.queue.core.chinacloudapi.cn", "https:443"),
            (F, "cnsa01.file.core.chinacloudapi.cn", "https:443"),
            (N, "cnsa01.file.core.chinacloudapi.cn", "tcp:445"),
            (F, "cnsa01.blob.core.chinacloudapi.cn", "https:443"),
            (F, "mcr.microsoft.com", "https:443"),
            (F, "*.data.mcr.microsoft.com", "https:443"),
        ])
        .maybe(&[
            (T, "AzureFrontDoor.FirstParty"), // not in the China Service Tags file
            (R, "BatchNodeManagement.ChinaEast2"),
            (N, "*.instances.azureml.ms"),
        ])
        .covers("*.instances.azureml.ms", &[443])
        .absent(NEVER_2026)
        .absent(&[
            "AzureFrontDoor.Frontend", // "Not needed in Microsoft Azure operated by 21Vianet"
            "*blob.core.chinacloudapi.cn", // seed typo
            "*.chinaeast2.batch.azure.com",
            "*.chinaeast2.service.batch.azure.com",
            "chinaeast2.tundra.azureml.ms",
            "login.microsoftonline.com",
            "management.azure.com",
            "graph.windows.net", // China uses graph.chinacloudapi.cn
            "MicrosoftContainerRegistry.ChinaEast2",
        ]);
    check("china/chinaeast2 compute", &rs, &spec);
    assert_merged("china/chinaeast2 compute", &rs);
    assert_real_tags("china/chinaeast2 compute", "china", &rs);
}

// ---- 5. option effects -----------------------------------------------------------------

fn eastus2_with(opts: &str) -> RuleSet {
    resolve_toml(&profile(
        "public",
        "eastus2",
        &["compute-instance"],
        &format!("storage_account = \"amlstore01\"\n{opts}"),
    ))
}

/// (kind, remote) pairs in `a` but not in `b`.
fn minus(a: &RuleSet, b: &RuleSet) -> BTreeSet<(String, String)> {
    pairs(a).difference(&pairs(b)).cloned().collect()
}

fn keys(list: &[(Kind, &str)]) -> BTreeSet<(String, String)> {
    list.iter().map(|(k, r)| key(*k, r)).collect()
}

#[test]
fn compute_public_ip_adds_inbound_44224_and_the_routes() {
    // Basic configuration > Inbound traffic: AzureMachineLearning -> VirtualNetwork TCP 44224,
    // "Only needed if the instance/cluster is configured to use a public IP address".
    let on = eastus2_with(&options(true, false, true, false));
    let off = eastus2_with(&options(false, false, true, false));
    let inbound_on: BTreeSet<String> = on.of_kind(I).map(|r| r.remote.to_string()).collect();
    assert_eq!(
        inbound_on,
        set(&["AzureMachineLearning"]),
        "inbound rules with a public IP"
    );
    assert_eq!(
        ports_of(&on, I, "AzureMachineLearning"),
        set(&["tcp:44224"])
    );
    assert!(
        has(&on, R, "AzureMachineLearning"),
        "service-tag route (public-IP scenario)"
    );
    // No public IP: no inbound at all, and no routes.
    let inbound_off: Vec<String> = off
        .of_kind(I)
        .map(|r| format!("{} [{}]", r.remote, r.ports_label()))
        .collect();
    assert!(
        inbound_off.is_empty(),
        "inbound rules without a public IP: {inbound_off:?}"
    );
    let routes_off: Vec<String> = off.of_kind(R).map(|r| r.remote.to_string()).collect();
    assert!(
        routes_off.is_empty(),
        "routes without a public IP (A-20): {routes_off:?}"
    );
    // Nothing else changes.
    let only_on: Vec<_> = minus(&on, &off)
        .into_iter()
        .filter(|(k, _)| k != I.id() && k != R.id())
        .collect();
    let only_off: Vec<_> = minus(&off, &on).into_iter().collect();
    assert!(
        only_on.is_empty() && only_off.is_empty(),
        "compute_public_ip changed outbound rules too: only with it {only_on:?}, only without {only_off:?}"
    );
}

#[test]
fn private_endpoints_add_outbound_virtual_network_443() {
    // Basic configuration > Outbound traffic: `VirtualNetwork` 443, "Required when private
    // endpoints are present in the virtual network or peered virtual networks".
    let on = eastus2_with(&options(false, true, true, false));
    let off = eastus2_with(&options(false, false, true, false));
    assert_eq!(ports_of(&on, T, "VirtualNetwork"), set(&["tcp:443"]));
    assert!(
        !has(&off, T, "VirtualNetwork"),
        "VirtualNetwork without private endpoints"
    );
    // Besides the tag, the only thing private endpoints may add is 8787/18881 to
    // *.instances.azureml.ms (compute tip, A-04/A-05).
    let allowed = keys(&[(T, "VirtualNetwork"), (N, "*.instances.azureml.ms")]);
    let added: Vec<_> = minus(&on, &off)
        .into_iter()
        .filter(|p| !allowed.contains(p))
        .collect();
    let removed: Vec<_> = minus(&off, &on).into_iter().collect();
    assert!(
        added.is_empty() && removed.is_empty(),
        "private_endpoints: unexpected extra {added:?}, unexpectedly dropped {removed:?}"
    );
    assert_eq!(
        ports_of(&on, T, "AzureMachineLearning"),
        set(&["tcp:443", "tcp:8787", "tcp:18881", "udp:5831"]),
        "Basic configuration: AzureMachineLearning 443, 8787, 18881, UDP 5831 (A-04)"
    );
    // compute tip: 8787/18881 for compute instance are needed with a private endpoint
    let gaps = uncovered(&on, "*.instances.azureml.ms", &[443, 8787, 18881]);
    assert!(
        gaps.is_empty(),
        "private endpoints:\n  {}",
        gaps.join("\n  ")
    );
}

#[test]
fn monitor_not_secured_adds_azure_monitor_and_the_monitoring_hosts() {
    // Basic configuration > Outbound traffic `AzureMonitor` 443 ("Only needed if you aren't
    // using a secured Azure Monitor") + "Monitoring, metrics, and diagnostics" hosts.
    let open = eastus2_with(&options(false, false, false, false));
    let secured = eastus2_with(&options(false, false, true, false));
    assert_eq!(ports_of(&open, T, "AzureMonitor"), set(&["tcp:443"]));
    let want = keys(&as_maybe(MONITOR_PUBLIC));
    let added = minus(&open, &secured);
    let removed = minus(&secured, &open);
    assert!(
        added == want && removed.is_empty(),
        "monitor_secured = false should add exactly {want:?}\n  added: {added:?}\n  removed: {removed:?}"
    );
    for (k, r) in &want {
        assert!(
            !pairs(&secured).contains(&(k.clone(), r.clone())),
            "{k} {r} present although Azure Monitor is secured"
        );
    }
}

#[test]
fn storage_firewall_adds_storage_445() {
    // Scenario: Firewall between Azure Machine Learning and Azure Storage endpoints:
    // outbound `Storage.<region>` on port 445 (TCP).
    let on = eastus2_with(&options(false, false, true, true));
    let off = eastus2_with(&options(false, false, true, false));
    assert_eq!(
        ports_of(&on, T, "Storage.EastUS2"),
        set(&["tcp:443", "tcp:445"])
    );
    assert_eq!(ports_of(&off, T, "Storage.EastUS2"), set(&["tcp:443"]));
    assert_eq!(
        pairs(&on),
        pairs(&off),
        "storage_firewall should only add a port"
    );
}

#[test]
fn options_resolve_to_the_full_compute_instance_table() {
    // public/eastus2 compute-instance with a storage account, every option on its "more rules"
    // side: the exhaustive table of the acceptance scenario, made exact.
    let rs = eastus2_with(&options(true, true, false, true));
    let mut spec = eastus2_compute_instance_spec();
    // with a storage account the wildcard file host becomes the account's host
    spec.rows
        .retain(|(_, r, _)| *r != "*.file.core.windows.net");
    spec.maybe.retain(|(_, r)| *r != "*.file.core.windows.net");
    spec.rows
        .retain(|(_, r, _)| *r != "AzureMachineLearning" && *r != "Storage.EastUS2");
    spec = spec
        .with(&[
            (
                T,
                "AzureMachineLearning",
                "tcp:443 tcp:8787 tcp:18881 udp:5831",
            ),
            (T, "Storage.EastUS2", "tcp:443 tcp:445"),
            (T, "VirtualNetwork", "tcp:443"),
            (I, "AzureMachineLearning", "tcp:44224"),
            (R, "AzureMachineLearning", "?"),
            (F, "amlstore01.file.core.windows.net", "https:443"),
            (N, "amlstore01.file.core.windows.net", "tcp:445"),
            (F, "amlstore01.blob.core.windows.net", "https:443"),
        ])
        .with(MONITOR_PUBLIC)
        .maybe(&[(R, "BatchNodeManagement.EastUS2")])
        .covers("*.instances.azureml.ms", &[443, 8787, 18881]);
    check(
        "public/eastus2 compute-instance, every option on",
        &rs,
        &spec,
    );
    assert_merged("public/eastus2 compute-instance, every option on", &rs);
    assert_real_tags(
        "public/eastus2 compute-instance, every option on",
        "public",
        &rs,
    );
}

// ---- 6. new features of the edition ----------------------------------------------------

/// Subset check with exact ports ("?" = presence only).
fn assert_contains(label: &str, rs: &RuleSet, rows: &[Row]) {
    let mut bad = Vec::new();
    for (k, r, p) in rows {
        let got = ports_of(rs, *k, r);
        if got.is_empty() {
            bad.push(format!("MISSING {:<12} {r}", k.id()));
        } else if *p != "?" {
            let want: BTreeSet<String> = p.split_whitespace().map(String::from).collect();
            if got != want {
                bad.push(format!(
                    "PORTS   {:<12} {r}: expected {want:?}, got {got:?}",
                    k.id()
                ));
            }
        }
    }
    assert!(bad.is_empty(), "{label}:\n  {}", bad.join("\n  "));
}

#[test]
fn rstudio_adds_the_image_hosts() {
    // Scenario: Install RStudio on compute instance: application rule, FQDNs ghcr.io and
    // pkg-containers.githubusercontent.com, protocol Https:443.
    let base = eastus2_with(&options(false, false, true, false));
    let rs = resolve_toml(&profile(
        "public",
        "eastus2",
        &["compute-instance", "rstudio"],
        &format!(
            "storage_account = \"amlstore01\"\n{}",
            options(false, false, true, false)
        ),
    ));
    assert_contains(
        "rstudio",
        &rs,
        &[
            (F, "ghcr.io", "https:443"),
            (F, "pkg-containers.githubusercontent.com", "https:443"),
        ],
    );
    let allowed = keys(&[
        (F, "ghcr.io"),
        (F, "pkg-containers.githubusercontent.com"),
        (F, "cloud.r-project.org"),
    ]);
    let added: Vec<_> = minus(&rs, &base)
        .into_iter()
        .filter(|p| !allowed.contains(p))
        .collect();
    assert!(
        added.is_empty(),
        "rstudio added more than its scenario: {added:?}"
    );
}

#[test]
fn automl_nlp_vision_adds_its_public_hosts() {
    // Azure Machine Learning hosts, public tab: AutoML NLP, Vision rows (public regions only, A-23).
    let rs = resolve_toml(&profile(
        "public",
        "eastus2",
        &["compute-cluster", "automl-nlp-vision"],
        &options(false, false, true, false),
    ));
    assert_contains(
        "automl-nlp-vision",
        &rs,
        &[
            (F, "automlresources-prod.azureedge.net", "https:443"),
            (F, "aka.ms", "https:443"),
        ],
    );
}

#[test]
fn vscode_with_interactive_jobs_adds_the_websocket_server_host() {
    // Scenario: Visual Studio Code > Hosts: the websocket server URL on github.com is needed
    // only for Interactive Jobs.
    let rs = resolve_toml(&profile(
        "public",
        "eastus2",
        &["compute-instance", "vscode", "interactive-jobs"],
        &options(false, false, true, false),
    ));
    let gh: Vec<_> = rs
        .rules
        .iter()
        .filter(|r| &*r.remote == "github.com")
        .collect();
    assert!(!gh.is_empty(), "github.com (websocket server) missing");
    for r in &gh {
        assert_eq!(r.kind, F, "github.com is an HTTPS URL: {:?}", r.kind);
        if let Some(p) = r.path.as_deref() {
            assert!(
                p.contains("azureml_remote_websocket_server"),
                "path = {p:?}"
            );
        }
    }
    assert!(
        !rs.rules
            .iter()
            .any(|r| &*r.remote == "raw.githubusercontent.com"),
        "raw.githubusercontent.com is the 2021-2023 websocket host"
    );
    assert_contains(
        "vscode + interactive-jobs",
        &rs,
        &[
            (F, "vscode.download.prss.microsoft.com", "?"),
            (F, "update.code.visualstudio.com", "?"),
            (F, "marketplace.visualstudio.com", "?"),
        ],
    );
}

#[test]
fn kubernetes_compute_adds_its_host_table() {
    // Scenario: Use Kubernetes compute, outbound endpoint table (public names, A-18).
    let rs = resolve_toml(&profile(
        "public",
        "eastus2",
        &["kubernetes-compute"],
        &format!(
            "storage_account = \"amlstore01\"\nacr_name = \"amlacr01\"\n\
             workspace_id = \"0b1e6a5c-3f4d-4b8e-9c2a-7d5e1f0a9b3c\"\n{}",
            options(false, false, true, false)
        ),
    ));
    assert_contains(
        "kubernetes-compute",
        &rs,
        &[
            (F, "*.kusto.windows.net", "https:443"),
            (F, "*.table.core.windows.net", "https:443"),
            (F, "*.queue.core.windows.net", "https:443"),
            (F, "amlacr01.azurecr.io", "https:443"),
            (F, "amlacr01.eastus2.data.azurecr.io", "https:443"),
            (F, "amlstore01.blob.core.windows.net", "https:443"),
            (
                F,
                "0b1e6a5c-3f4d-4b8e-9c2a-7d5e1f0a9b3c.workspace.eastus2.api.azureml.ms",
                "https:443",
            ),
            (F, "eastus2.experiments.azureml.net", "https:443"),
            (F, "eastus2.api.azureml.ms", "https:443"),
            (F, "pypi.org", "https:443"),         // training only
            (F, "archive.ubuntu.com", "http:80"), // security patches, port 80
            (F, "security.ubuntu.com", "http:80"),
            (F, "ppa.launchpad.net", "http:80"),
        ],
    );
    assert!(
        !rs.rules.iter().any(|r| &*r.remote == "*.azurecr.io"),
        "2022-09 wrote *.azurecr.io; 2026 names <your ACR name>.azurecr.io"
    );
}

#[test]
fn hbi_uses_the_real_key_vault_tag() {
    // Scenario: Workspace created with the hbi_workspace flag enabled: `Keyvault.<region>`
    // (A-01, A-12) + compute tip: `*.vault.azure.net` TCP 443.
    let rs = resolve_toml(&profile(
        "public",
        "eastus2",
        &["compute-instance", "hbi"],
        &options(false, false, true, false),
    ));
    assert!(
        has(&rs, T, "AzureKeyVault.EastUS2"),
        "AzureKeyVault.EastUS2 missing"
    );
    assert!(
        !rs.rules.iter().any(|r| r.remote.starts_with("Keyvault.")),
        "document spelling Keyvault.<region> emitted"
    );
    assert_eq!(ports_of(&rs, F, "*.vault.azure.net"), set(&["https:443"]));
    assert_real_tags("hbi", "public", &rs);
}
