//! Microsoft's own REST API response examples (vendored, tests/fixtures/rest-specs/SOURCES.md),
//! read by `audit::parse`: the audit must understand the shapes Azure returns, not only the
//! ones our hand-written fixtures model.

use super::{codes, common, run, small, status};
use amlfw::audit::{self, Action, CollectionKind, NetProto, Network, NsgDirection, Status};
use amlfw::PortRange;
use serde_json::Value;

/// The `responses."200".body` of a vendored example, as the API returns it.
fn body(name: &str) -> String {
    let path = common::fixture(&format!("rest-specs/network/{name}"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let doc: Value = serde_json::from_str(&text).unwrap();
    serde_json::to_string_pretty(&doc["responses"]["200"]["body"]).unwrap()
}

fn parsed(name: &str) -> Network {
    audit::parse(name, &body(name)).unwrap_or_else(|e| panic!("{e}"))
}

fn ports(s: &str) -> PortRange {
    s.parse().unwrap()
}

#[test]
fn classic_firewall_get() {
    let net = parsed("AzureFirewallGet.json");
    assert_eq!(net.firewall_files, ["AzureFirewallGet.json"]);
    let kinds: Vec<_> = net
        .collections
        .iter()
        .map(|c| (c.kind, c.action, c.priority, c.rules.len()))
        .collect();
    assert_eq!(
        kinds,
        [
            (CollectionKind::Nat, Action::Allow, (0, 112), 2),
            (CollectionKind::Network, Action::Deny, (0, 112), 2),
            (CollectionKind::Application, Action::Deny, (0, 110), 1),
        ],
        "{:#?}",
        net.collections
    );
    let app = &net.collections[2].rules[0];
    assert_eq!(app.fqdns, ["www.test.com"]);
    assert_eq!(app.app_protocols, [("https".to_string(), 443)]);
    assert_eq!(app.sources, ["216.58.216.164", "10.0.0.0/24"]);
    let l4 = &net.collections[1].rules[0];
    assert_eq!(l4.origin.name, "L4-traffic");
    assert_eq!(l4.protocols, [NetProto::Tcp]);
    assert_eq!(l4.ports, [ports("443-444"), ports("8443")]);
    // Address ranges, which only the classic firewall's examples use, are kept as written.
    assert_eq!(
        l4.sources,
        ["192.168.1.1-192.168.1.12", "10.1.4.12-10.1.4.255"]
    );
    assert_eq!(net.collections[1].rules[1].fqdns, ["www.amazon.com"]);

    // Every collection denies (or translates): nothing the workspace needs is allowed.
    let report = run(
        &small(),
        &[("AzureFirewallGet.json", body("AzureFirewallGet.json"))],
        None,
    );
    assert_eq!(status(&report, "aml-tag-arm"), Status::Missing);
    assert_eq!(status(&report, "aml-fqdn-api"), Status::Missing);
    assert!(report
        .requirements
        .iter()
        .all(|q| q.status != Status::Covered && q.status != Status::Partial));
}

#[test]
fn network_security_group_get_with_its_default_rules() {
    let net = parsed("NetworkSecurityGroupGet.json");
    assert_eq!(net.nsgs.len(), 1);
    let nsg = &net.nsgs[0];
    assert_eq!(nsg.name, "testnsg");
    let own: Vec<_> = nsg.rules.iter().filter(|r| !r.default).collect();
    assert_eq!(own.len(), 1);
    assert_eq!(
        (
            own[0].priority,
            own[0].direction,
            own[0].action,
            own[0].protocol
        ),
        (130, NsgDirection::Inbound, Action::Allow, NetProto::Any)
    );
    assert_eq!(own[0].ports, [ports("80")]);
    // The six default rules the example lists, each once (none added twice by the audit).
    let mut defaults: Vec<_> = nsg
        .rules
        .iter()
        .filter(|r| r.default)
        .map(|r| (r.origin.name.as_str(), r.priority))
        .collect();
    defaults.sort();
    assert_eq!(
        defaults,
        [
            ("AllowAzureLoadBalancerInBound", 65001),
            ("AllowInternetOutBound", 65001),
            ("AllowVnetInBound", 65000),
            ("AllowVnetOutBound", 65000),
            ("DenyAllInBound", 65500),
            ("DenyAllOutBound", 65500),
        ]
    );
    let report = run(
        &small(),
        &[(
            "NetworkSecurityGroupGet.json",
            body("NetworkSecurityGroupGet.json"),
        )],
        None,
    );
    assert_eq!(
        codes(&report, "outbound-open").len(),
        1,
        "{:#?}",
        report.findings
    );
}

#[test]
fn route_table_get() {
    let net = parsed("RouteTableGet.json");
    assert_eq!(net.route_tables.len(), 1);
    let routes: Vec<_> = net.route_tables[0]
        .routes
        .iter()
        .map(|r| {
            (
                r.origin.name.as_str(),
                r.prefix.as_str(),
                r.next_hop.as_str(),
            )
        })
        .collect();
    assert_eq!(routes, [("route1", "10.0.3.0/24", "VirtualNetworkGateway")]);
}

#[test]
fn rule_collection_group_list_as_the_api_returns_it() {
    // The API wraps a list in `{"value": [...]}` (az prints the bare array).
    let net = parsed("FirewallPolicyRuleCollectionGroupList.json");
    assert_eq!(net.collections.len(), 1);
    let c = &net.collections[0];
    assert_eq!(
        (c.kind, c.action, c.priority),
        (CollectionKind::Network, Action::Deny, (110, 120))
    );
    assert_eq!(c.rules[0].origin.name, "network-rule-1");
    assert_eq!(
        c.rules[0].origin.collection,
        "ruleCollectionGroup1/Example-Filter-Rule-Collection"
    );
    assert_eq!(c.rules[0].ports, [ports("*")]);
}

#[test]
fn one_page_of_a_longer_list_is_refused() {
    let mut doc: Value =
        serde_json::from_str(&body("FirewallPolicyRuleCollectionGroupList.json")).unwrap();
    doc["nextLink"] = Value::String("https://management.azure.com/...&$skipToken=2".into());
    let err = audit::parse("page1.json", &doc.to_string()).unwrap_err();
    assert_eq!(
        (err.file.as_str(), err.path.as_str()),
        ("page1.json", "$.nextLink")
    );
    assert!(err.message.contains("one page"), "{err}");
    // The last page (nextLink null) is a whole list.
    doc["nextLink"] = Value::Null;
    assert_eq!(
        audit::parse("all.json", &doc.to_string())
            .unwrap()
            .collections
            .len(),
        1
    );
}

#[test]
fn firewall_policy_get_gives_the_dns_proxy() {
    let net = parsed("FirewallPolicyGet.json");
    let dns = net.dns_proxy().expect("the policy's DNS settings");
    assert!(dns.enabled);
    assert_eq!(dns.origin.name, "firewallPolicy");
    // A policy alone holds no rules: nothing to cover, and no parent policy.
    assert!(net.collections.is_empty() && net.base_policies.is_empty());
}
