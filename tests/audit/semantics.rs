//! Coverage semantics, one by one (README: "Audit an existing firewall").

use crate::*;
use amlfw::audit::{self, Severity, Status};
use amlfw::Cloud;
use serde_json::{json, Value};

// ---- coverage semantics ----------------------------------------------------------------------

#[test]
fn host_wildcards() {
    use amlfw::audit::{host_matches, pattern_covers};
    assert!(host_matches(
        "*.blob.core.windows.net",
        "acct.blob.core.windows.net"
    ));
    assert!(host_matches("*.x.com", "a.b.x.com"));
    assert!(!host_matches("*.x.com", "x.com"));
    assert!(host_matches("*pytorch.org", "evilpytorch.org"));
    assert!(host_matches(
        "Login.MicrosoftOnline.com",
        "login.microsoftonline.com"
    ));
    assert!(pattern_covers(
        "*.core.windows.net",
        "*.blob.core.windows.net"
    ));
    assert!(!pattern_covers(
        "*.blob.core.windows.net",
        "*.core.windows.net"
    ));
    assert!(!pattern_covers(
        "acct.blob.core.windows.net",
        "*.blob.core.windows.net"
    ));
    // In an audit: `*.ms` covers `*.azureml.ms`; the bare `azureml.ms` does not.
    let rs = small();
    let wide = one_group(vec![app_rule("a", &["*.ms"], &[("Https", 443)], SRC)]);
    assert_eq!(
        status(&run(&rs, &wide, None), "aml-fqdn-api"),
        Status::Covered
    );
    let bare = one_group(vec![app_rule("a", &["azureml.ms"], &[("Https", 443)], SRC)]);
    assert_eq!(
        status(&run(&rs, &bare, None), "aml-fqdn-api"),
        Status::Missing
    );
}

#[test]
fn ports_and_ranges() {
    let rs = small();
    let inbound = |ports: &str| {
        let n = nsg(vec![sec(
            "b",
            100,
            "Inbound",
            "Allow",
            "BatchNodeManagement",
            "*",
            ports,
        )]);
        run(&rs, &[("nsg.json", n)], None)
    };
    assert_eq!(
        status(&inbound("29876-29877"), "aml-nsg-batch"),
        Status::Covered
    );
    assert_eq!(
        status(&inbound("29000-30000"), "aml-nsg-batch"),
        Status::Covered
    );
    let narrowed = inbound("29876");
    assert_eq!(status(&narrowed, "aml-nsg-batch"), Status::Partial);
    assert!(codes(&narrowed, "partial")[0].message.contains("tcp:29877"));
    assert_eq!(status(&inbound("443"), "aml-nsg-batch"), Status::Missing);
    // Two rules, one port each, add up.
    let n = nsg(vec![
        sec(
            "b1",
            100,
            "Inbound",
            "Allow",
            "BatchNodeManagement",
            "*",
            "29876",
        ),
        sec(
            "b2",
            110,
            "Inbound",
            "Allow",
            "BatchNodeManagement",
            "*",
            "29877",
        ),
    ]);
    assert_eq!(
        status(&run(&rs, &[("n", n)], None), "aml-nsg-batch"),
        Status::Covered
    );
}

#[test]
fn protocols_network_and_application() {
    let rs = small();
    let tag = |protos: &[&str]| {
        let f = one_group(vec![net_rule(
            "s",
            protos,
            &["Storage.EastUS2"],
            &["443"],
            SRC,
        )]);
        status(&run(&rs, &f, None), "aml-tag-storage")
    };
    assert_eq!(tag(&["TCP"]), Status::Covered);
    assert_eq!(tag(&["Any"]), Status::Covered);
    assert_eq!(tag(&["UDP"]), Status::Missing);
    // An application rule for http does not carry https; graph needs both.
    let graph = |protos: &[(&str, u16)]| {
        let f = one_group(vec![app_rule("g", &["graph.windows.net"], protos, SRC)]);
        run(&rs, &f, None)
    };
    assert_eq!(
        status(&graph(&[("Http", 443)]), "aml-fqdn-graph-compute"),
        Status::Missing
    );
    let partial = graph(&[("Https", 443)]);
    assert!(codes(&partial, "partial")[0].message.contains("http:80"));
    assert_eq!(
        status(
            &graph(&[("Https", 443), ("Http", 80)]),
            "aml-fqdn-graph-compute"
        ),
        Status::Covered
    );
    // A network rule to any destination on TCP 443 lets HTTPS to a host through.
    let f = one_group(vec![net_rule("any", &["TCP"], &["*"], &["443"], SRC)]);
    let r = run(&rs, &f, None);
    assert_eq!(status(&r, "aml-fqdn-api"), Status::Covered);
    assert!(!codes(&r, "wide-destination").is_empty());
}

#[test]
fn service_tags_by_name() {
    let rs = small();
    let with = |dst: &str| {
        run(
            &rs,
            &one_group(vec![net_rule("s", &["TCP"], &[dst], &["443"], SRC)]),
            None,
        )
    };
    assert_eq!(
        status(&with("storage.eastus2"), "aml-tag-storage"),
        Status::Covered
    );
    let global = with("Storage");
    assert_eq!(status(&global, "aml-tag-storage"), Status::Covered);
    assert!(codes(&global, "covered-wide")[0]
        .message
        .contains("global tag Storage"));
    assert_eq!(
        status(&with("Storage.WestUS"), "aml-tag-storage"),
        Status::Missing
    );
}

#[test]
fn service_tags_by_address_with_the_service_tags_file() {
    let rs = small();
    let tags = common::service_tags(Cloud::Public);
    let with = |dst: Vec<String>| {
        let d: Vec<&str> = dst.iter().map(String::as_str).collect();
        run(
            &rs,
            &one_group(vec![net_rule("s", &["TCP"], &d, &["443"], SRC)]),
            Some(tags),
        )
    };
    let wide = with(vec!["AzureCloud.eastus2".into()]);
    assert_eq!(status(&wide, "aml-tag-storage"), Status::Covered);
    assert!(codes(&wide, "covered-wide")
        .iter()
        .any(|f| f.message.contains("AzureCloud.eastus2")));
    assert_eq!(
        status(&with(vec!["AzureCloud.westus".into()]), "aml-tag-storage"),
        Status::Missing
    );
    // The tag's own prefixes written out as addresses cover it; all but one do not.
    let prefixes: Vec<String> = tags
        .expand(["Storage.EastUS2"])
        .unwrap()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(
        status(&with(prefixes.clone()), "aml-tag-storage"),
        Status::Covered
    );
    assert_eq!(
        status(&with(prefixes[1..].to_vec()), "aml-tag-storage"),
        Status::Missing
    );
}

#[test]
fn sources_must_cover_the_profiles() {
    let rs = small();
    let with = |src: &[&str]| {
        let f = one_group(vec![net_rule(
            "s",
            &["TCP"],
            &["Storage.EastUS2"],
            &["443"],
            src,
        )]);
        run(&rs, &f, None)
    };
    assert_eq!(
        status(&with(&["10.0.0.0/16"]), "aml-tag-storage"),
        Status::Covered
    );
    assert_eq!(
        status(&with(&["10.0.2.0/24"]), "aml-tag-storage"),
        Status::Missing
    );
    let any = with(&["*"]);
    assert_eq!(status(&any, "aml-tag-storage"), Status::Covered);
    assert_eq!(codes(&any, "any-source")[0].severity, Severity::Warning);
    // Address ranges, as Azure Firewall writes them, hold a source when they span all of it.
    assert_eq!(
        status(&with(&["10.0.0.0-10.0.3.255"]), "aml-tag-storage"),
        Status::Covered
    );
    assert_eq!(
        status(&with(&["10.0.1.1-10.0.1.255"]), "aml-tag-storage"),
        Status::Missing,
        "10.0.1.0 is outside the range"
    );
    // A reversed range is no range: bad input, like a malformed CIDR.
    let reversed = &one_group(vec![net_rule(
        "s",
        &["TCP"],
        &["Storage.EastUS2"],
        &["443"],
        &["10.0.1.255-10.0.1.0"],
    )])[0]
        .1;
    let e = audit::parse("fw.json", reversed).unwrap_err();
    assert!(e.message.contains("'10.0.1.255-10.0.1.0'"), "{e}");
}

#[test]
fn each_address_family_of_the_sources_is_decided_by_its_own_rules() {
    // An NSG rule cannot hold both families (Azure refuses it), so dual-stack sources are
    // allowed by a rule per family: together they cover the requirement, one alone does not.
    let mut rs = small();
    rs.settings.sources = vec![
        "10.0.1.0/24".parse().unwrap(),
        "fd00:1::/64".parse().unwrap(),
    ];
    let with = |sources: &[&[&str]]| {
        let rules = (sources.iter().enumerate())
            .map(|(i, src)| {
                net_rule(
                    &format!("s{i}"),
                    &["TCP"],
                    &["Storage.EastUS2"],
                    &["443"],
                    src,
                )
            })
            .collect();
        run(&rs, &one_group(rules), None)
    };
    let both = with(&[&["10.0.1.0/24"], &["fd00:1::/64"]]);
    assert_eq!(status(&both, "aml-tag-storage"), Status::Covered);
    assert_eq!(
        status(&with(&[&["10.0.1.0/24", "fd00:1::/64"]]), "aml-tag-storage"),
        Status::Covered
    );
    let v4 = with(&[&["10.0.1.0/24"]]);
    assert_eq!(status(&v4, "aml-tag-storage"), Status::Partial);
    let partial = &codes(&v4, "partial")[0].message;
    assert!(partial.contains("tcp:443 (IPv6 sources)"), "{partial}");
    assert_eq!(status(&with(&[]), "aml-tag-storage"), Status::Missing);
    // An address is reached only from its own family: the IPv6 sources do not count.
    rs.rules[0].set_remote("10.0.0.10");
    let id = rs.rules[0].id.to_string();
    let ports: Vec<String> = rs.rules[0]
        .ports
        .iter()
        .map(|p| p.ports.to_string())
        .collect();
    let ports: Vec<&str> = ports.iter().map(String::as_str).collect();
    let to_dns = |src: &[&str]| {
        let f = one_group(vec![net_rule("d", &["Any"], &["10.0.0.10"], &ports, src)]);
        status(&run(&rs, &f, None), &id)
    };
    assert_eq!(to_dns(&["10.0.1.0/24"]), Status::Covered);
    assert_eq!(to_dns(&["fd00:1::/64"]), Status::Missing);
    // With IPv6 sources only, no NSG rule can allow them to reach it: not covered by design,
    // as the nsg-* exports say when they leave the rule out.
    rs.settings.sources = vec!["fd00:1::/64".parse().unwrap()];
    let deny = nsg(vec![sec("deny", 4000, "Outbound", "Deny", "*", "*", "*")]);
    let r = run(&rs, &[("nsg.json", deny)], None);
    assert_eq!(status(&r, &id), Status::NotCoveredByDesign);
    let out = common::render("nsg-arm", &rs);
    assert!(out.unexpressed.iter().any(|u| u.rule_id == id));
}

#[test]
fn address_ranges_as_destinations() {
    // An IP requirement (the AKS DNS server of this profile) inside a destination range.
    let rs = common::rules(
        "schema_version = 1\nedition = \"2021-09\"\ncloud = \"public\"\nregion = \"eastus2\"\nfeatures = [\"aks\"]\naks_dns_servers = [\"10.0.0.10\"]\nsources = [\"10.0.1.0/24\"]\n",
    );
    let dns = rs
        .rules
        .iter()
        .find(|r| &*r.remote == "10.0.0.10")
        .expect("a rule to the DNS server")
        .requirements[0]
        .to_string();
    let with = |dst: &str| {
        let f = one_group(vec![net_rule("d", &["Any"], &[dst], &["53"], SRC)]);
        status(&run(&rs, &f, None), &dns)
    };
    assert_eq!(with("10.0.0.1-10.0.0.20"), Status::Covered);
    assert_eq!(with("10.0.0.11-10.0.0.20"), Status::Missing);
}

#[test]
fn fields_the_audit_does_not_read_are_named() {
    let rs = small();
    let mut allow = app_rule("tags", &[], &[("Https", 443)], SRC);
    allow["fqdnTags"] = json!(["AzureKubernetesService"]);
    let mut deny = net_rule("groups", &["TCP"], &[], &["443"], SRC);
    deny["destinationIpGroups"] =
        json!(["/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/ipGroups/ml"]);
    let files = vec![(
        "fw.json",
        group(
            "g",
            100,
            vec![
                coll("d", 100, "Deny", vec![deny]),
                coll("a", 200, "Allow", vec![allow]),
            ],
        ),
    )];
    let r = run(&rs, &files, None);
    let found: Vec<(Severity, &str)> = codes(&r, "not-read")
        .iter()
        .map(|f| (f.severity, f.message.as_str()))
        .collect();
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[0].0, Severity::Warning);
    assert!(
        found[0].1.starts_with("groups uses destinationIpGroups"),
        "{}",
        found[0].1
    );
    assert_eq!(found[1].0, Severity::Note);
    assert!(
        found[1].1.starts_with("tags uses fqdnTags"),
        "{}",
        found[1].1
    );
    // Rules without such fields get no such finding.
    let plain = run(
        &rs,
        &one_group(vec![net_rule("p", &["TCP"], &["Storage"], &["443"], SRC)]),
        None,
    );
    assert!(codes(&plain, "not-read").is_empty());
}

#[test]
fn a_parent_policy_is_named() {
    let rs = small();
    let child = json!({"type": "Microsoft.Network/firewallPolicies", "name": "child",
        "properties": {"basePolicy": {"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/firewallPolicies/parent"}}});
    let r = run(&rs, &[("policy.json", child.to_string())], None);
    let f = codes(&r, "base-policy");
    assert_eq!(f.len(), 1, "{:#?}", r.findings);
    assert_eq!(f[0].severity, Severity::Warning);
    assert!(
        f[0].message.contains("Firewall Policy child inherits"),
        "{}",
        f[0].message
    );
    let alone = run(&rs, &[("policy.json", policy(true))], None);
    assert!(codes(&alone, "base-policy").is_empty());
}

#[test]
fn nsg_order_deny_first_shadows_the_allow() {
    let rs = small();
    let with = |deny_prio: u32| {
        let n = nsg(vec![
            sec("deny", deny_prio, "Inbound", "Deny", "*", "*", "*"),
            sec(
                "allow",
                200,
                "Inbound",
                "Allow",
                "BatchNodeManagement",
                "*",
                "29876-29877",
            ),
        ]);
        run(&rs, &[("nsg.json", n)], None)
    };
    let shadowed = with(100);
    assert_eq!(status(&shadowed, "aml-nsg-batch"), Status::Missing);
    let s = codes(&shadowed, "shadowed");
    assert_eq!(s[0].rule.as_ref().unwrap().name, "deny");
    assert!(s[0].message.contains("allow"));
    let after = with(300);
    assert_eq!(status(&after, "aml-nsg-batch"), Status::Covered);
    assert!(codes(&after, "shadowed").is_empty());
}

#[test]
fn firewall_priorities_and_deny_collections() {
    let rs = small();
    let allow = || {
        coll(
            "allow",
            200,
            "Allow",
            vec![net_rule("s", &["TCP"], &["Storage.EastUS2"], &["443"], SRC)],
        )
    };
    let deny = |prio| {
        coll(
            "deny",
            prio,
            "Deny",
            vec![net_rule("d", &["Any"], &["Storage"], &["*"], &["*"])],
        )
    };
    let first = run(
        &rs,
        &[("fw", group("g", 100, vec![allow(), deny(100)]))],
        None,
    );
    assert_eq!(status(&first, "aml-tag-storage"), Status::Missing);
    assert_eq!(
        codes(&first, "shadowed")[0].rule.as_ref().unwrap().name,
        "d"
    );
    let later = run(
        &rs,
        &[("fw", group("g", 100, vec![allow(), deny(300)]))],
        None,
    );
    assert_eq!(status(&later, "aml-tag-storage"), Status::Covered);
    // Group priority comes before collection priority.
    let groups = [
        ("a", group("allowing", 200, vec![allow()])),
        ("d", group("denying", 500, vec![deny(100)])),
    ];
    assert_eq!(
        status(&run(&rs, &groups, None), "aml-tag-storage"),
        Status::Covered
    );
}

#[test]
fn network_rules_come_before_application_rules() {
    let rs = small();
    let app = coll(
        "app",
        100,
        "Allow",
        vec![app_rule("api", &["*.azureml.ms"], &[("Https", 443)], SRC)],
    );
    let deny = coll(
        "net-deny",
        60000,
        "Deny",
        vec![net_rule("d", &["TCP"], &["*"], &["443"], &["*"])],
    );
    let r = run(&rs, &[("fw", group("g", 100, vec![app, deny]))], None);
    assert_eq!(status(&r, "aml-fqdn-api"), Status::Missing);
    assert!(codes(&r, "shadowed")
        .iter()
        .any(|f| f.message.contains("*.azureml.ms")));
}

#[test]
fn host_names_in_network_rules_need_dns_proxy() {
    let rs = small();
    let rule = || {
        group(
            "g",
            100,
            vec![coll(
                "c",
                100,
                "Allow",
                vec![fqdn_net_rule("h", &["graph.windows.net"], &["443"])],
            )],
        )
    };
    let off = run(&rs, &[("fw", rule()), ("pol", policy(false))], None);
    assert_eq!(
        codes(&off, "host-in-network-rule")[0].severity,
        Severity::Error
    );
    let on = run(&rs, &[("fw", rule()), ("pol", policy(true))], None);
    assert!(codes(&on, "host-in-network-rule").is_empty());
    let unknown = run(&rs, &[("fw", rule())], None);
    assert_eq!(
        codes(&unknown, "host-in-network-rule")[0].severity,
        Severity::Warning
    );
}

#[test]
fn wider_than_needed() {
    let rs = small();
    let f = one_group(vec![
        net_rule("aad", &["TCP"], &["AzureActiveDirectory"], &["*"], SRC),
        net_rule("aml", &["TCP"], &["AzureMachineLearning"], &["*"], SRC),
        app_rule("all", &["*"], &[("Https", 443)], SRC),
        app_rule("torch", &["*pytorch.org"], &[("Https", 443)], SRC),
    ]);
    let r = run(&rs, &f, None);
    // AAD needs every port; Azure ML only 443.
    let any_port: Vec<&str> = codes(&r, "any-port")
        .iter()
        .map(|f| f.rule.as_ref().unwrap().name.as_str())
        .collect();
    assert_eq!(any_port, ["aml"]);
    assert_eq!(codes(&r, "any-host")[0].rule.as_ref().unwrap().name, "all");
    assert!(codes(&r, "look-alike-wildcard")[0]
        .message
        .contains("evilpytorch.org"));
    // The remote end of an inbound NSG rule is its source: the finding names that field.
    let n = nsg(vec![
        sec(
            "in-any",
            200,
            "Inbound",
            "Allow",
            "*",
            "10.0.1.0/24",
            "44224",
        ),
        sec(
            "out-any",
            200,
            "Outbound",
            "Allow",
            "10.0.1.0/24",
            "*",
            "443",
        ),
    ]);
    let r = run(&rs, &[("nsg.json", n)], None);
    let wide: Vec<(&str, &str)> = codes(&r, "wide-destination")
        .iter()
        .map(|f| (f.rule.as_ref().unwrap().name.as_str(), f.message.as_str()))
        .collect();
    assert!(
        wide.contains(&("in-any", "in-any allows the source *: any source")),
        "{wide:?}"
    );
    assert!(
        wide.contains(&(
            "out-any",
            "out-any allows the destination *: any destination"
        )),
        "{wide:?}"
    );
}

#[test]
fn routes_that_send_management_traffic_through_the_firewall() {
    let rs = small();
    let table = |routes: Value| {
        json!({"type": "Microsoft.Network/routeTables", "name": "rt", "properties": {"routes": routes}}).to_string()
    };
    let r = |name: &str, prefix: &str, hop: &str| json!({"name": name, "properties": {"addressPrefix": prefix, "nextHopType": hop}});
    let bad = run(
        &rs,
        &[(
            "rt",
            table(json!([r("fw", "0.0.0.0/0", "VirtualAppliance")])),
        )],
        None,
    );
    assert_eq!(status(&bad, "aml-udr-tag-aml"), Status::Missing);
    assert_eq!(
        codes(&bad, "route-through-firewall")[0]
            .rule
            .as_ref()
            .unwrap()
            .name,
        "fw"
    );
    let good = run(
        &rs,
        &[(
            "rt",
            table(json!([
                r("fw", "0.0.0.0/0", "VirtualAppliance"),
                r("aml", "AzureMachineLearning", "Internet")
            ])),
        )],
        None,
    );
    assert_eq!(status(&good, "aml-udr-tag-aml"), Status::Covered);
    assert!(codes(&good, "route-through-firewall").is_empty());
}

#[test]
fn invalid_tag_names() {
    let rs = small();
    let f = one_group(vec![net_rule(
        "fd",
        &["TCP"],
        &["Frontdoor.Frontend"],
        &["443"],
        SRC,
    )]);
    let r = run(&rs, &f, Some(common::service_tags(Cloud::Public)));
    assert_eq!(codes(&r, "invalid-tag")[0].severity, Severity::Error);
    assert_eq!(status(&r, "aml-tag-afd"), Status::Missing);
    // Without the file, the document's own spelling is still caught.
    let hbi = common::rules(
        "schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nfeatures = [\"hbi\"]\n",
    );
    let f = one_group(vec![net_rule(
        "kv",
        &["TCP"],
        &["Keyvault.eastus2"],
        &["443"],
        &["*"],
    )]);
    let r = run(&hbi, &f, None);
    assert!(codes(&r, "invalid-tag")[0]
        .message
        .contains("AzureKeyVault.EastUS2"));
}

#[test]
fn bad_input_names_file_path_and_value() {
    let e = audit::parse("x.json", "{\"resources\": [").unwrap_err();
    assert!(e.to_string().starts_with("x.json: line 1 column"), "{e}");
    let bad_prio = group("g", 100, vec![]).replace("\"priority\":100", "\"priority\":\"high\"");
    let e = audit::parse("g.json", &bad_prio).unwrap_err();
    assert_eq!(e.path, "$.properties.priority");
    assert!(e.message.contains("\"high\""), "{e}");
    let n = nsg(vec![sec("x", 100, "Sideways", "Allow", "*", "*", "*")]);
    let e = audit::parse("n.json", &n).unwrap_err();
    assert_eq!(e.path, "$.properties.securityRules[0].properties.direction");
    let e = audit::parse(
        "v.json",
        "{\"type\": \"Microsoft.Network/virtualNetworks\"}",
    )
    .unwrap_err();
    assert!(e.message.contains("no Azure Firewall"), "{e}");
    // A malformed address is bad input (exit 2), not a rule that silently matches nothing.
    let f = &one_group(vec![net_rule(
        "a",
        &["TCP"],
        &["Storage"],
        &["443"],
        &["10.0.1.0/33"],
    )])[0]
        .1;
    let e = audit::parse("fw.json", f).unwrap_err();
    assert_eq!(
        e.path,
        "$.properties.ruleCollections[0].rules[0].sourceAddresses[0]"
    );
    assert!(e.message.contains("'10.0.1.0/33'"), "{e}");
    for (src, dst) in [("10.0.1.0/24", "300.1.2.3"), ("fd00::/129", "*")] {
        let n = nsg(vec![sec("x", 100, "Outbound", "Allow", src, dst, "443")]);
        let e = audit::parse("n.json", &n).unwrap_err();
        assert!(e.path.ends_with("AddressPrefix"), "{e}");
    }
    // Tags, `*`, ranges and IPv6 stay what they are.
    let ok = nsg(vec![sec(
        "x",
        100,
        "Outbound",
        "Allow",
        "fd00:1::/64",
        "Storage.EastUS2",
        "443",
    )]);
    audit::parse("n.json", &ok).unwrap();
    let f = &one_group(vec![net_rule(
        "a",
        &["TCP"],
        &["10.0.0.1-10.0.0.9", "AzureCloud"],
        &["443"],
        &["*"],
    )])[0]
        .1;
    audit::parse("fw.json", f).unwrap();
}

#[test]
fn directions_without_a_layer_are_not_checked() {
    let rs = small();
    let r = run(
        &rs,
        &one_group(vec![net_rule(
            "s",
            &["TCP"],
            &["Storage.EastUS2"],
            &["443"],
            SRC,
        )]),
        None,
    );
    assert_eq!(status(&r, "aml-nsg-batch"), Status::NotChecked);
    assert_eq!(status(&r, "aml-udr-tag-aml"), Status::NotChecked);
    let notes: Vec<&str> = codes(&r, "not-checked")
        .iter()
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        notes,
        [
            "2 requirements not checked: no NSG in the input",
            "2 requirements not checked: no route table in the input"
        ]
    );
    assert_eq!(status(&r, "aml-tag-storage"), Status::Covered);
}

// ---- a deny counts where it meets a requirement, not only where it holds all of it ---------

/// A deny collection (priority 100) with `dst` before an allow of Storage.EastUS2 on 443.
fn deny_then_allow(dst: &[&str], src: &[&str]) -> Vec<(&'static str, String)> {
    vec![(
        "fw.json",
        group(
            "g",
            100,
            vec![
                coll(
                    "deny",
                    100,
                    "Deny",
                    vec![net_rule("d", &["Any"], dst, &["*"], src)],
                ),
                coll(
                    "allow",
                    200,
                    "Allow",
                    vec![net_rule("a", &["TCP"], &["Storage.EastUS2"], &["443"], SRC)],
                ),
            ],
        ),
    )]
}

#[test]
fn a_deny_of_every_address_blocks_however_it_is_spelled() {
    let rs = small();
    for dst in [
        &["0.0.0.0/0"][..],
        &["0.0.0.0-255.255.255.255"],
        &["0.0.0.0/1", "128.0.0.0/1"],
    ] {
        let r = run(&rs, &deny_then_allow(dst, &["*"]), None);
        assert_eq!(status(&r, "aml-tag-storage"), Status::Missing, "{dst:?}");
        assert_eq!(codes(&r, "shadowed").len(), 1, "{dst:?}: {:#?}", r.findings);
    }
}

/// `::/0` is every IPv6 address and `0.0.0.0/0` every IPv4 one, as sources and as
/// destinations: a deny of one family does not block the sources of the other, and with both
/// families the part it blocks is named with its family (as the NSG side decides it).
#[test]
fn a_deny_of_one_address_family_blocks_only_that_family() {
    let rs = small();
    for (dst, src) in [(&["*"][..], &["::/0"][..]), (&["::/0"], &["*"])] {
        let r = run(&rs, &deny_then_allow(dst, src), None);
        assert_eq!(
            status(&r, "aml-tag-storage"),
            Status::Covered,
            "{dst:?} {src:?}"
        );
        assert!(codes(&r, "shadowed").is_empty(), "{:#?}", r.findings);
    }
    let r = run(&rs, &deny_then_allow(&["*"], &["0.0.0.0/0"]), None);
    assert_eq!(status(&r, "aml-tag-storage"), Status::Missing);
    // Dual stack: the allow holds both families, the deny takes the IPv6 ones.
    let mut rs = small();
    rs.settings.sources = vec![
        "10.0.1.0/24".parse().unwrap(),
        "fd00:1::/64".parse().unwrap(),
    ];
    let mut files = deny_then_allow(&["*"], &["::/0"]);
    files[0].1 = files[0]
        .1
        .replace("\"10.0.1.0/24\"", "\"10.0.1.0/24\",\"fd00:1::/64\"");
    let r = run(&rs, &files, None);
    assert_eq!(status(&r, "aml-tag-storage"), Status::Partial);
    let partial = &codes(&r, "partial")[0].message;
    assert!(
        partial.contains("missing tcp:443 (IPv6 sources)") && !partial.contains("IPv4"),
        "{partial}"
    );
    // An allow of 0.0.0.0/0 does not reach the IPv6 sources either.
    let v4_only = one_group(vec![net_rule(
        "a",
        &["TCP"],
        &["0.0.0.0/0"],
        &["443"],
        &["10.0.1.0/24", "fd00:1::/64"],
    )]);
    let r = run(&rs, &v4_only, None);
    assert_eq!(status(&r, "aml-tag-storage"), Status::Partial);
}

#[test]
fn a_deny_that_meets_part_of_a_tag_blocks_it() {
    let rs = small();
    let tags = common::service_tags(amlfw::Cloud::Public);
    let prefix = tags.get("Storage.EastUS2").unwrap().prefixes().unwrap()[0].to_string();
    // With the Service Tags file: one prefix of the tag is enough to block.
    let r = run(&rs, &deny_then_allow(&[&prefix], &["*"]), Some(tags));
    assert_eq!(status(&r, "aml-tag-storage"), Status::Missing);
    assert!(codes(&r, "deny-unclear").is_empty());
    // Without it the audit cannot tell: the allow counts, and a warning says why it may not.
    let r = run(&rs, &deny_then_allow(&[&prefix], &["*"]), None);
    assert_eq!(status(&r, "aml-tag-storage"), Status::Covered);
    let unclear = codes(&r, "deny-unclear");
    assert_eq!(unclear.len(), 1, "{:#?}", r.findings);
    assert_eq!(unclear[0].severity, Severity::Warning);
    // Private addresses never hold a service tag: no block, nothing to warn about.
    let r = run(
        &rs,
        &deny_then_allow(&["10.0.0.0/8", "fd00::/8"], &["*"]),
        None,
    );
    assert_eq!(status(&r, "aml-tag-storage"), Status::Covered);
    assert!(codes(&r, "deny-unclear").is_empty() && codes(&r, "shadowed").is_empty());
    // Another region's tag of the same service does not meet this one (by address either).
    let r = run(
        &rs,
        &deny_then_allow(&["Storage.WestUS"], &["*"]),
        Some(tags),
    );
    assert_eq!(status(&r, "aml-tag-storage"), Status::Covered);
    // A deny of part of the compute subnet blocks that part.
    let r = run(&rs, &deny_then_allow(&["Storage"], &["10.0.1.0/25"]), None);
    assert_eq!(status(&r, "aml-tag-storage"), Status::Missing);
    let r = run(&rs, &deny_then_allow(&["Storage"], &["10.0.2.0/24"]), None);
    assert_eq!(status(&r, "aml-tag-storage"), Status::Covered);
}

#[test]
fn a_deny_of_a_host_pattern_meets_the_hosts_it_matches() {
    let rs = small();
    let files = |deny: &str| {
        vec![(
            "fw.json",
            group(
                "g",
                100,
                vec![
                    coll(
                        "d",
                        100,
                        "Deny",
                        vec![app_rule("d", &[deny], &[("Https", 443)], SRC)],
                    ),
                    coll(
                        "a",
                        200,
                        "Allow",
                        vec![app_rule("a", &["*.azureml.ms"], &[("Https", 443)], SRC)],
                    ),
                ],
            ),
        )]
    };
    // `*.azureml.ms` is required; a deny of one of its hosts blocks part of it.
    let r = run(&rs, &files("eastus2.api.azureml.ms"), None);
    assert_eq!(status(&r, "aml-fqdn-api"), Status::Missing);
    let r = run(&rs, &files("*.api.azureml.ms"), None);
    assert_eq!(status(&r, "aml-fqdn-api"), Status::Missing);
    let r = run(&rs, &files("*.example.com"), None);
    assert_eq!(status(&r, "aml-fqdn-api"), Status::Covered);
}

#[test]
fn ipv6_ranges_are_addresses_not_tag_names() {
    let rs = small();
    let f = one_group(vec![net_rule(
        "v6",
        &["TCP"],
        &["fd00::10-fd00::1f", "10.0.0.4-10.0.0.5"],
        &["443"],
        SRC,
    )]);
    let r = run(&rs, &f, Some(common::service_tags(amlfw::Cloud::Public)));
    assert!(codes(&r, "invalid-tag").is_empty(), "{:#?}", r.findings);
}

/// A shadowed finding names the ports the deny takes from the allow, not every port of the
/// requirement: a deny of TCP 8000-9000 blocks AzureMachineLearning's 8787 only.
#[test]
fn shadowed_names_only_the_ports_the_deny_blocks() {
    let rs = common::rules(
        "schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nedition = \"2026-03\"\nfeatures = [\"compute-cluster\", \"compute-instance\"]\nsources = [\"10.0.1.0/24\"]\n",
    );
    let id = "aml-tag-aml-2603";
    let f = vec![(
        "fw.json",
        group(
            "g",
            100,
            vec![
                coll(
                    "deny",
                    100,
                    "Deny",
                    vec![net_rule("d", &["TCP"], &["*"], &["8000-9000"], &["*"])],
                ),
                coll(
                    "allow",
                    200,
                    "Allow",
                    vec![net_rule(
                        "a",
                        &["TCP"],
                        &["AzureMachineLearning"],
                        &["443", "8787", "18881"],
                        SRC,
                    )],
                ),
            ],
        ),
    )];
    let r = run(&rs, &f, None);
    assert_eq!(status(&r, id), Status::Partial);
    let shadowed = codes(&r, "shadowed");
    assert_eq!(shadowed.len(), 1, "{shadowed:#?}");
    assert!(
        shadowed[0]
            .message
            .contains("blocks AzureMachineLearning (tcp:8787) that a would allow"),
        "{}",
        shadowed[0].message
    );
}
