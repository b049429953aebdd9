//! Independent expectations for the built-in catalog.
//!
//! The tables below are written BY HAND from the source documents, not from
//! `assets/catalog.toml`:
//! - the seed article (how-to-access-azureml-behind-firewall.md, ms.date 09/14/2021),
//! - shared/requirements-notes.md §2-§5 (normalized tables), §7 (wizard), §9 (contradictions),
//! - DESIGN.md "Domain traps",
//! - plus the project's design decisions (real service tag names, merge rule, port conventions).
//!
//! When one of these tests fails, compare the printed discrepancy with the documents before
//! changing anything here: the point of the file is to catch data that drifted from them.

use amlfw::{resolve, Catalog, Kind, Profile, RuleSet};
use std::collections::{BTreeMap, BTreeSet};

// ---- helpers ---------------------------------------------------------------------------

fn resolve_toml(text: &str) -> RuleSet {
    let catalog = Catalog::builtin();
    let mut p =
        Profile::from_toml(text).unwrap_or_else(|e| panic!("profile does not parse: {e}\n{text}"));
    // These tables were written from the 2021-09-14 documents.
    if p.edition.is_none() {
        p.edition = Some("2021-09".into());
    }
    p.validate(&catalog)
        .unwrap_or_else(|e| panic!("profile does not validate: {e}\n{text}"));
    resolve(&catalog, &p).expect("resolve")
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

/// An expectation row: kind, remote, and the union of the ports of every rule with that
/// (kind, remote), space-separated; "?" = ports not documented, not checked (routes).
type Row = (Kind, &'static str, &'static str);

fn expected_pairs(rows: &[Row]) -> BTreeSet<(String, String)> {
    rows.iter()
        .map(|(k, r, _)| (k.id().to_string(), r.to_string()))
        .collect()
}

fn assert_same_pairs(label: &str, rs: &RuleSet, rows: &[Row]) {
    let want = expected_pairs(rows);
    let got = pairs(rs);
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    if !missing.is_empty() || !extra.is_empty() {
        let mut msg =
            format!("{label}: resolved (kind, remote) set differs from the hand-written table\n");
        msg.push_str(&format!(
            "  MISSING from the resolved rules ({}):\n",
            missing.len()
        ));
        for (k, r) in &missing {
            msg.push_str(&format!("    {k:<12} {r}\n"));
        }
        msg.push_str(&format!(
            "  EXTRA in the resolved rules ({}):\n",
            extra.len()
        ));
        for (k, r) in &extra {
            let rule = rs
                .rules
                .iter()
                .find(|x| x.kind.id() == k && &x.remote == r)
                .unwrap();
            msg.push_str(&format!(
                "    {k:<12} {r}   [{}] features: {}\n",
                rule.ports_label(),
                rule.features_label()
            ));
        }
        panic!("{msg}");
    }
}

fn assert_ports(label: &str, rs: &RuleSet, rows: &[Row]) {
    let mut bad = Vec::new();
    for (kind, remote, ports) in rows {
        if *ports == "?" {
            continue;
        }
        let want: BTreeSet<String> = ports.split_whitespace().map(String::from).collect();
        let got = ports_of(rs, *kind, remote);
        if got.is_empty() {
            continue; // reported by the destination test
        }
        if got != want {
            bad.push(format!(
                "    {:<12} {remote}: expected {want:?}, got {got:?}",
                kind.id()
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{label}: ports differ from the documents:\n{}",
        bad.join("\n")
    );
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

const ALL_FEATURES: &str = r#"["compute-cluster", "compute-instance", "attached-vm", "custom-images",
  "microsoft-images", "hbi", "studio", "notebooks", "diagnostics", "federated-identity", "conda",
  "pip", "pip-custom-index", "pytorch", "tensorflow", "r", "vscode", "aks", "aks-private",
  "aks-gpu", "aks-windows", "aks-monitor", "aks-policy", "aks-os-updates"]"#;

fn full_public_profile(features: &str) -> String {
    format!(
        "schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nfeatures = {features}\n\
         storage_account = \"amlstore01\"\nacr_name = \"amlacr01\"\naks_dns_servers = [\"10.0.0.4\"]\n"
    )
}

use Kind::{FqdnApp as F, Inbound as I, Network as N, Route as R, ServiceTag as T};

/// public / eastus2, every feature on (aks-private included, so no tunnel rules).
const PUBLIC_ALL: &[Row] = &[
    // --- service tags (seed "Outbound configuration" step 1; notes §3.1) ---
    (T, "AzureActiveDirectory", "tcp:*"),
    (T, "AzureMachineLearning", "tcp:443"),
    (T, "AzureResourceManager", "tcp:443"),
    (T, "Storage.EastUS2", "tcp:443"),
    (T, "AzureFrontDoor.Frontend", "tcp:443"),
    // custom-images (seed ContainerRegistry.region) + AKS inference with restricted outbound (notes §5 AML-INF-TAG-ACR)
    (T, "AzureContainerRegistry.EastUS2", "tcp:443"),
    (T, "MicrosoftContainerRegistry.EastUS2", "tcp:443"), // microsoft-images
    (T, "AzureKeyVault.EastUS2", "tcp:443"),              // hbi (seed Keyvault.region)
    (T, "AzureMonitor", "tcp:443"),                       // aks-monitor (notes §4.3 AKS-MON-TAG)
    // --- network rules (notes §4.1) ---
    (N, "ntp.ubuntu.com", "udp:123"),
    (N, "10.0.0.4", "udp:53"),
    // --- inbound (notes §2.3) ---
    (I, "BatchNodeManagement", "tcp:29876-29877"),
    (I, "AzureMachineLearning", "tcp:44224 any:22"), // compute 44224; attached-vm any:22
    // --- routes, service-tag mode (notes §2.2 a) ---
    (R, "AzureMachineLearning", "?"),
    (R, "BatchNodeManagement.EastUS2", "?"),
    // --- always-on Microsoft hosts (seed "General Azure hosts", "API") ---
    (F, "login.microsoftonline.com", "https:443"),
    (F, "management.azure.com", "https:443"), // portal + ARM (+ AKS ARM) merge
    (F, "*.azureml.ms", "https:443"),
    // studio
    (F, "ml.azure.com", "https:443"),
    // notebooks (storage substituted)
    (F, "*.notebooks.azure.net", "https:443"),
    (F, "amlstore01.file.core.windows.net", "https:443"),
    (F, "amlstore01.dfs.core.windows.net", "https:443"),
    (F, "amlstore01.blob.core.windows.net", "https:443"), // also AKS inference (§5 AML-INF-BLOB)
    (F, "graph.microsoft.com", "https:443"),
    (F, "*.aznbcontent.net", "https:443"),
    // compute cluster/instance
    (F, "graph.windows.net", "https:443 http:80"), // app-rule table host
    (F, "*.blob.core.windows.net", "https:443"),
    (F, "*.table.core.windows.net", "https:443"),
    (F, "*.queue.core.windows.net", "https:443"),
    (F, "viennaglobal.azurecr.io", "https:443"),
    // compute instance
    (F, "*.instances.azureml.net", "https:443"),
    (
        F,
        "*.instances.azureml.ms",
        "https:443 https:8787 https:18881",
    ),
    // custom-images (+ AKS inference §5 AML-INF-ACR)
    (F, "amlacr01.azurecr.io", "https:443"),
    // microsoft-images + AKS (seed §AKS, notes §4.2, §5)
    (F, "mcr.microsoft.com", "https:443"),
    // hbi
    (F, "*.vault.azure.net", "https:443"),
    // diagnostics (app-rule table: http + https); dc.services.visualstudio.com also from
    // aks-monitor and aks-policy (https:443)
    (F, "dc.applicationinsights.azure.com", "https:443 http:80"),
    (
        F,
        "dc.applicationinsights.microsoft.com",
        "https:443 http:80",
    ),
    (F, "dc.services.visualstudio.com", "https:443 http:80"),
    // packages (app-rule table: http + https)
    (F, "anaconda.com", "https:443 http:80"),
    (F, "*.anaconda.com", "https:443 http:80"),
    (F, "*.anaconda.org", "https:443 http:80"),
    (F, "pypi.org", "https:443 http:80"),
    // pip with the default index downloads the files from this host (the seed names only
    // *.pythonhosted.org, for an overridden index): an inference, kept as such.
    (F, "files.pythonhosted.org", "https:443"),
    (F, "*.pythonhosted.org", "https:443 http:80"),
    (F, "pytorch.org", "https:443 http:80"),
    (F, "*.pytorch.org", "https:443 http:80"),
    (F, "*.tensorflow.org", "https:443 http:80"),
    (F, "cloud.r-project.org", "https:443 http:80"),
    // vscode; raw.githubusercontent.com also from aks-policy (https:443)
    (F, "update.code.visualstudio.com", "https:443 http:80"),
    (F, "*.vo.msecnd.net", "https:443 http:80"),
    (F, "raw.githubusercontent.com", "https:443 http:80"),
    // AKS required FQDNs (notes §4.2, public column, without *.cdn.mscr.io)
    (F, "*.hcp.eastus2.azmk8s.io", "https:443"), // also §5 <cluster>.hcp.<region>.azmk8s.io
    (F, "*.data.mcr.microsoft.com", "https:443"),
    (F, "packages.microsoft.com", "https:443"),
    (F, "acs-mirror.azureedge.net", "https:443"),
    // AML inference on AKS (notes §5, public)
    (F, "amlstore01.table.core.windows.net", "https:443"),
    (F, "api.azureml.ms", "https:443"),
    // aks-gpu (§4.3)
    (F, "nvidia.github.io", "https:443"),
    (F, "us.download.nvidia.com", "https:443"),
    (F, "apt.dockerproject.org", "https:443"),
    // aks-windows (§4.3)
    (F, "onegetcdn.azureedge.net", "https:443"),
    (F, "go.microsoft.com", "https:443"),
    (F, "*.mp.microsoft.com", "http:80"),
    (F, "www.msftconnecttest.com", "http:80"),
    (F, "ctldl.windowsupdate.com", "http:80"),
    // aks-monitor FQDNs (§4.3; dc.services.visualstudio.com listed above)
    (F, "*.ods.opinsights.azure.com", "https:443"),
    (F, "*.oms.opinsights.azure.com", "https:443"),
    (F, "*.monitoring.azure.com", "https:443"),
    // aks-policy, public (§4.3; raw.githubusercontent.com and dc.services.visualstudio.com above)
    (F, "data.policy.core.windows.net", "https:443"),
    (F, "store.policy.core.windows.net", "https:443"),
    (F, "gov-prod-policy-data.trafficmanager.net", "https:443"),
    // aks-os-updates (§4.3 AKS-OPT-UBUNTU)
    (F, "security.ubuntu.com", "http:80"),
    (F, "azure.archive.ubuntu.com", "http:80"),
    (F, "changelogs.ubuntu.com", "http:80"),
];

/// Added when the AKS cluster is not private (notes §4.1 AKS-NET-TUNNEL-UDP/TCP, §4.4 example).
const PUBLIC_TUNNEL: &[Row] = &[(T, "AzureCloud.eastus2", "udp:1194 tcp:9000")];

// ---- 1. public / eastus2, everything ---------------------------------------------------

#[test]
fn public_every_feature_yields_exactly_the_documented_destinations() {
    let rs = resolve_toml(&full_public_profile(ALL_FEATURES));
    assert_same_pairs("public/eastus2 all features", &rs, PUBLIC_ALL);
    assert!(
        !rs.warnings.iter().any(|w| w.code == "storage-wildcard"),
        "a storage account was given, yet: {:?}",
        rs.warnings
    );
}

#[test]
fn public_every_feature_has_the_documented_ports() {
    let rs = resolve_toml(&full_public_profile(ALL_FEATURES));
    assert_ports("public/eastus2 all features", &rs, PUBLIC_ALL);
}

#[test]
fn public_every_feature_but_private_aks_adds_the_tunnel_rules() {
    let features = ALL_FEATURES.replace("\"aks-private\",", "");
    assert!(!features.contains("aks-private"));
    let rs = resolve_toml(&full_public_profile(&features));
    let rows: Vec<Row> = PUBLIC_ALL.iter().chain(PUBLIC_TUNNEL).copied().collect();
    assert_same_pairs("public/eastus2 all but aks-private", &rs, &rows);
    assert_ports("public/eastus2 all but aks-private", &rs, &rows);
}

// ---- 2. usgov / usgovvirginia ----------------------------------------------------------

const USGOV: &[Row] = &[
    (T, "AzureActiveDirectory", "tcp:*"),
    (T, "AzureMachineLearning", "tcp:443"),
    (T, "AzureResourceManager", "tcp:443"),
    (T, "Storage.USGovVirginia", "tcp:443"),
    (T, "AzureFrontDoor.Frontend", "tcp:443"), // only China drops it
    (I, "BatchNodeManagement", "tcp:29876-29877"),
    (I, "AzureMachineLearning", "tcp:44224"),
    (R, "AzureMachineLearning", "?"),
    (R, "BatchNodeManagement.USGovVirginia", "?"),
    // General Azure hosts, Government column
    (F, "login.microsoftonline.us", "https:443"),
    (F, "management.azure.us", "https:443"), // "Azure portal"
    (F, "management.usgovcloudapi.net", "https:443"), // ARM
    (F, "*.ml.azure.us", "https:443"),       // API
    // notebooks, Government column (no *.aznbcontent.net: empty cell)
    (F, "*.notebooks.usgovcloudapi.net", "https:443"),
    (F, "govstore01.file.core.usgovcloudapi.net", "https:443"),
    (F, "govstore01.dfs.core.usgovcloudapi.net", "https:443"),
    (F, "govstore01.blob.core.usgovcloudapi.net", "https:443"),
    (F, "graph.microsoft.us", "https:443"),
    // compute, Government column (graph.windows.net as documented, notes C-10)
    (F, "graph.windows.net", "https:443 http:80"),
    (F, "*.blob.core.usgovcloudapi.net", "https:443"),
    (F, "*.table.core.usgovcloudapi.net", "https:443"),
    (F, "*.queue.core.usgovcloudapi.net", "https:443"),
    (F, "viennaglobal.azurecr.io", "https:443"),
    // compute instance (no *.instances.azureml.ms: public only in the seed, notes C-08)
    (F, "*.instances.azureml.us", "https:443"),
];

#[test]
fn usgov_compute_and_notebooks_yield_exactly_the_documented_destinations() {
    let rs = resolve_toml(
        r#"schema_version = 1
cloud = "usgov"
region = "usgovvirginia"
features = ["compute-cluster", "compute-instance", "notebooks"]
storage_account = "govstore01"
"#,
    );
    assert_same_pairs("usgov/usgovvirginia", &rs, USGOV);
    assert_ports("usgov/usgovvirginia", &rs, USGOV);
}

// ---- 3. china / chinaeast2 -------------------------------------------------------------

const CHINA: &[Row] = &[
    (T, "AzureActiveDirectory", "tcp:*"),
    (T, "AzureMachineLearning", "tcp:443"),
    (T, "AzureResourceManager", "tcp:443"),
    (T, "Storage.ChinaEast2", "tcp:443"),
    // no AzureFrontDoor.Frontend: "Not needed in Azure China"
    (I, "BatchNodeManagement", "tcp:29876-29877"),
    (I, "AzureMachineLearning", "tcp:44224"),
    (R, "AzureMachineLearning", "?"),
    (R, "BatchNodeManagement.ChinaEast2", "?"),
    (F, "login.chinacloudapi.cn", "https:443"),
    (F, "management.azure.cn", "https:443"),
    (F, "management.chinacloudapi.cn", "https:443"),
    (F, "*.ml.azure.cn", "https:443"),
    (F, "studio.ml.azure.cn", "https:443"),
    (F, "graph.chinacloudapi.cn", "https:443 http:80"),
    (F, "*.blob.core.chinacloudapi.cn", "https:443"), // seed typo *blob... fixed (C-09)
    (F, "*.table.core.chinacloudapi.cn", "https:443"),
    (F, "*.queue.core.chinacloudapi.cn", "https:443"),
    (F, "viennaglobal.azurecr.io", "https:443"),
    (F, "*.instances.azureml.cn", "https:443"),
];

#[test]
fn china_studio_and_compute_instance_yield_exactly_the_documented_destinations() {
    let rs = resolve_toml(
        r#"schema_version = 1
cloud = "china"
region = "chinaeast2"
features = ["studio", "compute-instance"]
"#,
    );
    assert_same_pairs("china/chinaeast2", &rs, CHINA);
    assert_ports("china/chinaeast2", &rs, CHINA);
    assert!(
        !rs.rules
            .iter()
            .any(|r| r.remote.starts_with("AzureFrontDoor")),
        "Front Door is not needed in Azure China"
    );
}

#[test]
fn china_aks_tunnel_adds_tcp_22() {
    // notes §4.1 AKS-NET-TUNNEL-SSH (China only), §9 C-17.
    let rs = resolve_toml(
        r#"schema_version = 1
cloud = "china"
region = "chinaeast2"
features = ["aks"]
"#,
    );
    assert_eq!(
        ports_of(&rs, Kind::ServiceTag, "AzureCloud.chinaeast2"),
        set(&["udp:1194", "tcp:9000", "tcp:22"])
    );
    assert!(
        rs.rules
            .iter()
            .any(|r| r.remote == "*.hcp.chinaeast2.cx.prod.service.azk8s.cn"),
        "China API server host (notes §4.2) missing"
    );
    assert!(
        rs.rules
            .iter()
            .any(|r| r.remote == "*.tun.chinaeast2.cx.prod.service.azk8s.cn"),
        "China tunnel host (notes §4.2 AKS-FQDN-TUN) missing"
    );
    // no custom DNS servers -> no UDP 53 rule
    assert!(!rs
        .rules
        .iter()
        .any(|r| r.ports.iter().any(|p| p.to_string() == "udp:53")));
}

// ---- 4. ports spot checks --------------------------------------------------------------

#[test]
fn ports_spot_checks() {
    let rs = resolve_toml(&full_public_profile(ALL_FEATURES));
    let check = |kind: Kind, remote: &str, want: &[&str]| {
        assert_eq!(
            ports_of(&rs, kind, remote),
            set(want),
            "{} {remote}",
            kind.id()
        );
    };
    check(Kind::ServiceTag, "AzureActiveDirectory", &["tcp:*"]);
    check(
        Kind::FqdnApp,
        "*.instances.azureml.ms",
        &["https:443", "https:8787", "https:18881"],
    );
    check(Kind::FqdnApp, "anaconda.com", &["http:80", "https:443"]);
    check(Kind::FqdnApp, "*.anaconda.org", &["http:80", "https:443"]);
    check(Kind::FqdnApp, "pypi.org", &["http:80", "https:443"]);
    check(Kind::Network, "ntp.ubuntu.com", &["udp:123"]);
    check(Kind::Network, "10.0.0.4", &["udp:53"]);
    check(Kind::Inbound, "BatchNodeManagement", &["tcp:29876-29877"]);
    check(Kind::FqdnApp, "login.microsoftonline.com", &["https:443"]);
    check(Kind::FqdnApp, "mcr.microsoft.com", &["https:443"]);
    // Microsoft host tables: https only
    check(Kind::FqdnApp, "*.azureml.ms", &["https:443"]);
    // *.instances.azureml.ms is one rule carrying all three ports
    let ci: Vec<_> = rs
        .rules
        .iter()
        .filter(|r| r.remote == "*.instances.azureml.ms")
        .collect();
    assert_eq!(ci.len(), 1, "{ci:?}");
    // the VS Code websocket path is kept as a path on the host rule
    let ws = rs
        .rules
        .iter()
        .find(|r| {
            r.remote == "raw.githubusercontent.com" && r.features.iter().any(|f| f == "vscode")
        })
        .expect("vscode raw.githubusercontent.com rule");
    let path = ws.path.as_deref().unwrap_or("");
    assert!(path.contains("vscode-tools-for-ai"), "path = {path:?}");
}

// ---- 5. merging ------------------------------------------------------------------------

#[test]
fn mcr_and_acr_tag_are_merged_across_features() {
    let rs = resolve_toml(
        r#"schema_version = 1
cloud = "public"
region = "eastus2"
features = ["custom-images", "microsoft-images", "aks"]
acr_name = "amlacr01"
"#,
    );
    let mcr: Vec<_> = rs
        .rules
        .iter()
        .filter(|r| r.remote == "mcr.microsoft.com")
        .collect();
    assert_eq!(mcr.len(), 1, "mcr.microsoft.com must be one rule: {mcr:?}");
    for f in ["microsoft-images", "aks"] {
        assert!(
            mcr[0].features.iter().any(|x| x == f),
            "mcr features {:?} lack {f}",
            mcr[0].features
        );
    }
    let acr: Vec<_> = rs
        .rules
        .iter()
        .filter(|r| {
            r.remote
                .eq_ignore_ascii_case("AzureContainerRegistry.EastUS2")
        })
        .collect();
    assert_eq!(
        acr.len(),
        1,
        "AzureContainerRegistry.EastUS2 must be one rule: {acr:?}"
    );
    assert_eq!(acr[0].kind, Kind::ServiceTag);
    for f in ["custom-images", "aks"] {
        assert!(
            acr[0].features.iter().any(|x| x == f),
            "ACR tag features {:?} lack {f}",
            acr[0].features
        );
    }
    assert_merged("custom-images+microsoft-images+aks", &rs);
}

#[test]
fn full_profiles_have_no_unmerged_duplicates() {
    assert_merged(
        "public all",
        &resolve_toml(&full_public_profile(ALL_FEATURES)),
    );
    let features = ALL_FEATURES.replace("\"aks-private\",", "");
    assert_merged(
        "public all but aks-private",
        &resolve_toml(&full_public_profile(&features)),
    );
    let rs = resolve_toml(&full_public_profile(ALL_FEATURES));
    let mgmt: Vec<_> = rs
        .rules
        .iter()
        .filter(|r| r.remote == "management.azure.com")
        .collect();
    assert_eq!(
        mgmt.len(),
        1,
        "portal + ARM + AKS management.azure.com must merge: {mgmt:?}"
    );
}

// ---- 6. storage wildcard; IP-prefix routes ---------------------------------------------

const PUBLIC_BASE: &[Row] = &[
    (T, "AzureActiveDirectory", "tcp:*"),
    (T, "AzureMachineLearning", "tcp:443"),
    (T, "AzureResourceManager", "tcp:443"),
    (T, "Storage.EastUS2", "tcp:443"),
    (T, "AzureFrontDoor.Frontend", "tcp:443"),
    (F, "login.microsoftonline.com", "https:443"),
    (F, "management.azure.com", "https:443"),
    (F, "*.azureml.ms", "https:443"),
];

#[test]
fn notebooks_without_storage_account_use_wildcards_and_warn() {
    let rs = resolve_toml(
        r#"schema_version = 1
cloud = "public"
region = "eastus2"
features = ["notebooks"]
"#,
    );
    let rows: Vec<Row> = PUBLIC_BASE
        .iter()
        .copied()
        .chain([
            (F, "*.notebooks.azure.net", "https:443"),
            (F, "*.file.core.windows.net", "https:443"),
            (F, "*.dfs.core.windows.net", "https:443"),
            (F, "*.blob.core.windows.net", "https:443"),
            (F, "graph.microsoft.com", "https:443"),
            (F, "*.aznbcontent.net", "https:443"),
        ])
        .collect();
    assert_same_pairs("public notebooks without storage", &rs, &rows);
    assert_ports("public notebooks without storage", &rs, &rows);
    let w: Vec<_> = rs
        .warnings
        .iter()
        .filter(|w| w.code == "storage-wildcard")
        .collect();
    assert!(
        !w.is_empty(),
        "expected a storage-wildcard warning, got {:?}",
        rs.warnings
    );
}

#[test]
fn ip_prefix_routes_cover_primary_and_paired_region() {
    let rs = resolve_toml(
        r#"schema_version = 1
cloud = "public"
region = "eastus2"
features = ["compute-cluster"]
inbound_routes = "ip-prefixes"
"#,
    );
    let routes: BTreeSet<String> = rs
        .of_kind(Kind::Route)
        .map(|r| r.remote.to_string())
        .collect();
    let want: BTreeSet<String> = [
        "AzureMachineLearning.EastUS2",
        "AzureMachineLearning.CentralUS", // paired region of East US 2 (UDR-0826 example)
        "BatchNodeManagement.EastUS2",    // Batch: primary region only
    ]
    .map(String::from)
    .into();
    assert_eq!(routes, want);
    for r in rs.of_kind(Kind::Route) {
        assert!(
            r.expand_prefixes,
            "{} should expand to address prefixes",
            r.remote
        );
        assert_eq!(r.next_hop.as_deref(), Some("Internet"), "{}", r.remote);
    }
    // the rest of compute is unchanged by the routing mode
    let rows: Vec<Row> = PUBLIC_BASE
        .iter()
        .copied()
        .chain([
            (I, "BatchNodeManagement", "tcp:29876-29877"),
            (I, "AzureMachineLearning", "tcp:44224"),
            (R, "AzureMachineLearning.EastUS2", "?"),
            (R, "AzureMachineLearning.CentralUS", "?"),
            (R, "BatchNodeManagement.EastUS2", "?"),
            (F, "graph.windows.net", "https:443 http:80"),
            (F, "*.blob.core.windows.net", "https:443"),
            (F, "*.table.core.windows.net", "https:443"),
            (F, "*.queue.core.windows.net", "https:443"),
            (F, "viennaglobal.azurecr.io", "https:443"),
        ])
        .collect();
    assert_same_pairs("public compute ip-prefixes", &rs, &rows);
    assert_ports("public compute ip-prefixes", &rs, &rows);
}

#[test]
fn service_tag_routes_by_default_and_none_when_asked() {
    let rs = resolve_toml(
        r#"schema_version = 1
cloud = "public"
region = "eastus2"
features = ["compute-cluster"]
"#,
    );
    let routes: BTreeSet<String> = rs
        .of_kind(Kind::Route)
        .map(|r| r.remote.to_string())
        .collect();
    let want: BTreeSet<String> = ["AzureMachineLearning", "BatchNodeManagement.EastUS2"]
        .map(String::from)
        .into();
    assert_eq!(routes, want);
    for r in rs.of_kind(Kind::Route) {
        assert_eq!(r.next_hop.as_deref(), Some("Internet"), "{}", r.remote);
    }
    let rs = resolve_toml(
        r#"schema_version = 1
cloud = "public"
region = "eastus2"
features = ["compute-cluster"]
inbound_routes = "none"
"#,
    );
    assert_eq!(rs.count(Kind::Route), 0);
}
