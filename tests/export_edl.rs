//! Palo Alto External Dynamic Lists: `edl-ip` holds exactly the aggregated prefixes of the
//! outbound rules' tags and addresses (checked against an aggregation of the Service Tags JSON
//! made here, not by amlfw's index), `edl-url` every web host rule in PAN-OS URL-list syntax.

mod common;

use amlfw::rules::RuleSet;
use amlfw::Kind;
use common::{fixture, per_cloud_profiles, render};
use ipnet::IpNet;
use serde_json::Value;

/// The entries of a list: every line that is not a `#` header line.
fn entries(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.starts_with('#')).collect()
}

fn tags_json(rs: &RuleSet) -> Value {
    let file = match rs.settings.cloud {
        amlfw::Cloud::Public => "servicetags/ServiceTags_Public.376.json",
        amlfw::Cloud::Usgov => "servicetags/ServiceTags_AzureGovernment_20260720.402.json",
        amlfw::Cloud::China => "servicetags/ServiceTags_China_20260720.405.json",
    };
    serde_json::from_str(&std::fs::read_to_string(fixture(file)).unwrap()).unwrap()
}

/// The tag's raw `addressPrefixes`, straight from the JSON (names match case-insensitively).
fn json_prefixes(json: &Value, tag: &str) -> Vec<IpNet> {
    let v = json["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"].as_str().unwrap().eq_ignore_ascii_case(tag))
        .unwrap_or_else(|| panic!("no tag {tag} in the fixture"));
    v["properties"]["addressPrefixes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().parse::<IpNet>().unwrap().trunc())
        .collect()
}

#[test]
fn edl_ip_holds_exactly_the_aggregated_prefixes_of_the_outbound_rules() {
    for (name, rs) in per_cloud_profiles() {
        let json = tags_json(&rs);
        let mut raw: Vec<IpNet> = Vec::new();
        for r in &rs.rules {
            match r.kind {
                // VirtualNetwork (2026-03, with private endpoints) is in no Service Tags file:
                // it has no addresses to list, and the export says so.
                Kind::ServiceTag if r.remote == "VirtualNetwork" => assert!(
                    render("edl-ip", &rs)
                        .unexpressed
                        .iter()
                        .any(|u| u.rule_id == *r.id
                            && u.reason.contains("network security groups only")),
                    "{name}: VirtualNetwork is listed as not covered"
                ),
                Kind::ServiceTag => raw.extend(json_prefixes(&json, &r.remote)),
                Kind::Network => {
                    if let Ok(n) = r.remote.parse::<IpNet>() {
                        raw.push(n.trunc());
                    } else if let Ok(a) = r.remote.parse::<std::net::IpAddr>() {
                        raw.push(IpNet::from(a));
                    }
                }
                _ => {}
            }
        }
        assert!(!raw.is_empty(), "{name}: no outbound address rules?");
        let mut want: Vec<String> = IpNet::aggregate(&raw)
            .iter()
            .map(|n| n.to_string())
            .collect();
        want.sort();
        let out = render("edl-ip", &rs);
        let mut got: Vec<String> = entries(&out.text).iter().map(|s| s.to_string()).collect();
        for e in &got {
            let n: IpNet = e
                .parse()
                .unwrap_or_else(|_| panic!("{name}: not an address entry: {e:?}"));
            assert_eq!(n, n.trunc(), "{name}: host bits in {e}");
        }
        got.sort();
        assert_eq!(
            got, want,
            "{name}: edl-ip is not the aggregation of the tags' prefixes"
        );
        // Inbound tags are sources: not in this (destination) list, and said so.
        for r in rs.rules.iter().filter(|r| r.kind == Kind::Inbound) {
            assert!(
                out.unexpressed
                    .iter()
                    .any(|u| u.rule_id == *r.id && u.reason.contains("inbound")),
                "{name}: inbound {} not listed",
                r.id
            );
        }
        assert!(
            out.text
                .contains("# The security rule using this list allows: tcp/"),
            "{name}"
        );
    }
}

#[test]
fn edl_ip_lists_the_rules_that_need_more_than_its_rule_allows() {
    let rs = &per_cloud_profiles()[0].1;
    let out = render("edl-ip", rs);
    // The AKS tunnel needs UDP 1194: its addresses are in the list, the port is not allowed.
    let tunnel = rs
        .rules
        .iter()
        .find(|r| r.kind == Kind::ServiceTag && r.ports_label().contains("udp:1194"))
        .expect("the public full profile has the AKS UDP tunnel rule");
    let u = out
        .unexpressed
        .iter()
        .find(|u| u.rule_id == *tunnel.id)
        .expect("listed");
    assert!(
        u.reason.contains("udp:1194") && u.reason.contains("rule of its own"),
        "{}",
        u.reason
    );
    assert!(
        out.text.contains(&format!("({})", tunnel.id)),
        "named in the header"
    );
}

/// The PAN-OS URL-list form of an entry (see src/export/edl.rs for the documented rules).
fn url_syntax_ok(e: &str) -> bool {
    let Some(host) = e.strip_suffix('/') else {
        return false;
    };
    let rest = host.strip_prefix("*.").unwrap_or(host);
    !e.contains("://")
        && !rest.is_empty()
        && rest.split('.').all(|l| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        })
}

#[test]
fn edl_url_holds_every_web_host_rule_in_url_list_syntax() {
    for (name, rs) in per_cloud_profiles() {
        let out = render("edl-url", &rs);
        let got = entries(&out.text);
        assert!(!got.is_empty(), "{name}: empty URL list");
        for e in &got {
            assert!(
                url_syntax_ok(e),
                "{name}: not PAN-OS URL-list syntax: {e:?}"
            );
        }
        let mut distinct = got.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), got.len(), "{name}: duplicate entries");
        for r in rs.rules.iter().filter(|r| r.kind == Kind::FqdnApp) {
            let want = format!("{}/", r.remote.to_ascii_lowercase());
            assert!(
                got.contains(&want.as_str()),
                "{name}: {} ({}) missing",
                r.remote,
                r.id
            );
        }
        // A bare domain and its wildcard are separate entries: `*.d/` does not match `d`.
        for e in got.iter().filter_map(|e| e.strip_prefix("*.")) {
            let bare_rule = rs.rules.iter().any(|r| {
                r.kind == Kind::FqdnApp && format!("{}/", r.remote.to_ascii_lowercase()) == e
            });
            assert_eq!(got.contains(&e), bare_rule, "{name}: {e}");
        }
        // Host rules that are not web traffic are listed, not written.
        for r in rs.rules.iter().filter(|r| {
            r.kind == Kind::Network
                && r.remote.parse::<IpNet>().is_err()
                && r.remote.parse::<std::net::IpAddr>().is_err()
                && !r
                    .ports
                    .iter()
                    .all(|p| p.to_string() == "tcp:443" || p.to_string() == "tcp:80")
        }) {
            assert!(
                out.unexpressed
                    .iter()
                    .any(|u| u.rule_id == *r.id && u.reason.contains("not web traffic")),
                "{name}: {} not listed",
                r.id
            );
            // Written only when a web rule of its own names the same host (2026-03: the
            // storage file host on https:443 beside its SMB network rule on tcp:445).
            let web_too = rs
                .rules
                .iter()
                .any(|w| w.kind == Kind::FqdnApp && w.remote == r.remote);
            assert_eq!(
                got.contains(&format!("{}/", r.remote).as_str()),
                web_too,
                "{name}: {}",
                r.remote
            );
        }
    }
}

#[test]
fn edl_url_names_its_rule_ports_and_the_bare_domain_rule() {
    let rs = &per_cloud_profiles()[0].1;
    let text = render("edl-url", rs).text;
    assert!(
        text.contains("# The security rule using this list allows: tcp/80, tcp/443."),
        "{text}"
    );
    assert!(
        text.contains("NOT the bare"),
        "the wildcard semantics are stated"
    );
}
