use super::merge::{Caseless, MergeKey, QuickHasher};
use super::resolve::{bits, substitute, Context, Missing};
use super::*;
use crate::catalog::Catalog;
use crate::catalog::BUILTIN_REGIONS;
use crate::profile::Profile;
use std::collections::HashSet;
use std::hash::BuildHasherDefault;

/// A small catalog: features `base` <- `a`, `b`; requirements that merge or must not.
const CATALOG: &str = r#"
schema_version = 1

[[edition]]
id = "e1"
title = "Only edition"
date = "2021-01-01"
summary = "The only edition."
documents = ["D", "E"]

[[document]]
key = "D"
title = "Doc"
path = "doc.md"
revision = "2021"

[[document]]
key = "E"
title = "Other doc"
path = "other.md"
revision = "2021"

[[feature]]
id = "base"
title = "Base"
group = "compute"
requires = []
help = "base"

[[feature]]
id = "a"
title = "A"
group = "compute"
requires = ["base"]
help = "a"

[[feature]]
id = "b"
title = "B"
group = "compute"
requires = ["base"]
help = "b"

[[requirement]]
id = "upper"
kind = "service-tag"
destination = { all = "Storage.<region>" }
ports = ["tcp:443", "tcp:80"]
features = ["b"]
purpose = "Regional storage, spelled as in the file."
refs = [{ doc = "D", section = "one" }]

[[requirement]]
id = "lower"
kind = "service-tag"
destination = { all = "storage.EASTUS2" }
ports = ["tcp:80", "tcp:443", "tcp:443"]
features = ["a"]
purpose = "The same rule, spelled and ordered differently."
refs = [{ doc = "D", section = "one" }, { doc = "E", section = "two" }]

[[requirement]]
id = "other-ports"
kind = "service-tag"
destination = { all = "Storage.EastUS2" }
ports = ["tcp:8080"]
features = ["a"]
purpose = "Same remote, other ports: a rule of its own."
refs = [{ doc = "D", section = "three" }]

[[requirement]]
id = "dns"
kind = "network"
destination = { all = "<dns>" }
ports = ["udp:53"]
features = ["base"]
purpose = "One rule per DNS server."
refs = [{ doc = "D", section = "four" }]
"#;

fn catalog() -> Catalog {
    Catalog::from_toml(CATALOG, BUILTIN_REGIONS, "test.toml", "regions.toml")
        .unwrap_or_else(|e| panic!("{e}"))
}

fn profile(features: &[&str], dns: &[&str]) -> Profile {
    let mut p = Profile::new(Cloud::Public, "eastus2");
    p.features = features.iter().map(|f| f.to_string()).collect();
    p.aks_dns_servers = dns.iter().map(|d| d.to_string()).collect();
    p
}

#[test]
fn rules_merge_ignoring_case_and_port_order() {
    let c = catalog();
    let rs = resolve(&c, &profile(&["a", "b"], &["10.0.0.4"])).unwrap();
    let storage: Vec<&Rule> = rs
        .rules
        .iter()
        .filter(|r| r.remote.eq_ignore_ascii_case("storage.eastus2"))
        .collect();
    assert_eq!(storage.len(), 2, "{storage:#?}");
    let merged = storage.iter().find(|r| r.ports.len() == 2).unwrap();
    // The first requirement in catalog order names the rule and keeps its spelling and ports.
    assert_eq!(merged.id, "upper");
    assert_eq!(merged.remote, "Storage.EastUS2");
    assert_eq!(
        merged
            .ports
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>(),
        ["tcp:443", "tcp:80"]
    );
    assert_eq!(merged.requirements, ["upper", "lower"]);
    // Features in catalog order, whatever order the requirements came in.
    assert_eq!(merged.features, ["a", "b"]);
    // References of both, each once.
    let refs: Vec<String> = merged.references.iter().map(|r| r.short()).collect();
    assert_eq!(refs, ["D (2021) > one", "E (2021) > two"]);
    let other = storage.iter().find(|r| r.ports.len() == 1).unwrap();
    assert_eq!(other.id, "other-ports");
    assert_eq!(other.requirements, ["other-ports"]);
}

#[test]
fn one_rule_per_dns_server_numbered_in_profile_order_sorted_by_address() {
    let c = catalog();
    let rs = resolve(&c, &profile(&["base"], &["10.0.0.5", "10.0.0.10"])).unwrap();
    let dns: Vec<(&str, &str)> = rs
        .of_kind(Kind::Network)
        .map(|r| (r.id.as_str(), r.remote.as_str()))
        .collect();
    assert_eq!(dns, [("dns-2", "10.0.0.10"), ("dns-1", "10.0.0.5")]);
    // None given: no rule, and a warning that says why.
    let rs = resolve(&c, &profile(&["base"], &[])).unwrap();
    assert_eq!(rs.count(Kind::Network), 0);
    assert!(rs.warnings.iter().any(|w| w.code == "dns-default"));
}

#[test]
fn dependencies_are_added_with_a_warning_naming_who_needs_them() {
    let c = catalog();
    let rs = resolve(&c, &profile(&["b", "a", "no-such-feature"], &[])).unwrap();
    assert_eq!(rs.settings.features, ["base", "a", "b"]);
    let added: Vec<&str> = rs
        .warnings
        .iter()
        .filter(|w| w.code == "feature-added")
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(added, ["feature 'base' added because a, b needs it"]);
    let rs = resolve(&c, &profile(&["base"], &[])).unwrap();
    assert!(rs.warnings.iter().all(|w| w.code != "feature-added"));
    assert_eq!(rs.settings.features, ["base"]);
}

#[test]
fn placeholders_are_filled_in_one_pass() {
    let c = Catalog::builtin();
    let region = c.find_region(Cloud::Public, "eastus2").unwrap();
    let paired = c.find_region(Cloud::Public, "centralus");
    let ctx = Context {
        region,
        paired,
        storage: Some("acct"),
        acr: None,
        workspace_id: None,
    };
    let fill = |t: &str, kind: Kind, dns: Option<&str>| {
        substitute(&SharedStr::from(t), kind, &ctx, dns).map(|s| s.to_string())
    };
    let filled = [
        (
            "<storage>.blob.core.windows.net",
            Kind::FqdnApp,
            None,
            "acct.blob.core.windows.net",
        ),
        (
            "Storage.<region>",
            Kind::ServiceTag,
            None,
            "Storage.EastUS2",
        ),
        (
            "x.<region>.example",
            Kind::FqdnApp,
            None,
            "x.eastus2.example",
        ),
        ("Sql.<paired>", Kind::ServiceTag, None, "Sql.CentralUS"),
        ("<dns>", Kind::Network, Some("10.0.0.4"), "10.0.0.4"),
    ];
    for (template, kind, dns, want) in filled {
        assert_eq!(
            fill(template, kind, dns).ok().as_deref(),
            Some(want),
            "{template}"
        );
    }
    assert!(matches!(
        fill("<acr>.azurecr.io", Kind::FqdnApp, None),
        Err(Missing::Value("<acr>"))
    ));
    // Without a placeholder the catalog's text itself is shared, not copied.
    let plain = SharedStr::from("AzureMachineLearning");
    let out = substitute(&plain, Kind::ServiceTag, &ctx, None)
        .ok()
        .unwrap();
    assert!(std::ptr::eq(plain.as_str(), out.as_str()));
}

#[test]
fn the_merge_key_hashes_case_insensitively() {
    let key = |remote: &str, ports: &'static [PortSpec]| MergeKey {
        kind: Kind::ServiceTag,
        remote: Caseless(remote.into()),
        ports,
        path: None,
        next_hop: None,
    };
    let p443: &'static [PortSpec] = Box::leak(vec!["tcp:443".parse().unwrap()].into());
    let p80: &'static [PortSpec] = Box::leak(vec!["tcp:80".parse().unwrap()].into());
    let mut set: HashSet<MergeKey, BuildHasherDefault<QuickHasher>> = HashSet::default();
    assert!(set.insert(key("Storage.EastUS2", p443)));
    assert!(!set.insert(key("STORAGE.eastus2", p443)));
    assert!(set.insert(key("Storage.EastUS2", p80)));
    assert!(set.insert(key("Storage.EastUS", p443)));
    assert!(set.insert(key("Storage.EastUS2x", p443)));
    assert_eq!(set.len(), 4);
}

#[test]
fn bits_lists_set_positions() {
    assert_eq!(bits(0).collect::<Vec<_>>(), Vec::<usize>::new());
    assert_eq!(bits(0b1010_0001).collect::<Vec<_>>(), [0, 5, 7]);
    assert_eq!(bits(1 << 63).collect::<Vec<_>>(), [63]);
}

#[test]
fn a_hint_names_the_setting_the_way_each_front_end_does() {
    let c = Catalog::builtin();
    let mut p = Profile::new(Cloud::Public, "eastus2");
    p.features = vec!["compute-instance".into(), "aks".into()];
    let rs = resolve(&c, &p).unwrap();
    let w = rs
        .warnings
        .iter()
        .find(|w| w.code == "storage-wildcard")
        .expect("a storage-wildcard warning without a storage account");
    assert!(
        w.message.ends_with("; set --storage-account to narrow it"),
        "{}",
        w.message
    );
    assert_eq!(w.worded(|f| f.cli.to_string()), w.message);
    let wizard = w.worded(|f| format!("\"{}\"", f.label));
    assert!(
        wizard.ends_with("; set \"Storage account\" to narrow it"),
        "{wizard}"
    );
    let any = rs.warnings.iter().find(|w| w.code == "any-source").unwrap();
    assert!(any
        .worded(|f| f.label.to_string())
        .contains("(Source CIDRs)"));
    // The DNS note has always named the profile key in exports; the wizard gets its label.
    let dns = rs
        .warnings
        .iter()
        .find(|w| w.code == "dns-default")
        .unwrap();
    assert!(dns
        .message
        .ends_with("set aks_dns_servers if the VNet uses its own DNS"));
    assert!(dns
        .worded(|f| f.label.to_string())
        .ends_with("set AKS DNS servers if the VNet uses its own DNS"));
    // A warning without a setting is worded as it is.
    let plain = rs.warnings.iter().find(|w| w.hint.is_none()).unwrap();
    assert_eq!(plain.worded(|f| f.label.to_string()), plain.message);
}

#[test]
fn an_option_left_unset_is_named_by_flag_in_files_and_by_title_in_the_wizard() {
    let c = Catalog::builtin();
    let mut p = Profile::new(Cloud::Public, "eastus2");
    p.features = c.features.iter().map(|f| f.id.clone()).collect();
    let rs = resolve(&c, &p).unwrap();
    let w = rs
        .warnings
        .iter()
        .find(|w| w.code == "option-default")
        .expect("the newest edition has options that decide requirements");
    let Some(crate::rules::Setting::Option { key, cli, label }) =
        w.hint.as_ref().map(|h| &h.setting)
    else {
        panic!("{w:?}")
    };
    assert!(
        w.message.ends_with(&format!(
            "set {key} = true in the profile or pass {cli} if it applies"
        )),
        "{}",
        w.message
    );
    let wizard = w.worded(|n| n.label.to_string());
    assert!(
        wizard.ends_with(&format!("set {label} if it applies")),
        "{wizard}"
    );
}
