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

/// Whether `r` needs one of `allowed` (the list rule's ports): named as HTTP/HTTPS or a TCP
/// port, or inside a TCP range (`tcp:*`, AzureActiveDirectory).
fn needs_one_of(r: &amlfw::rules::Rule, allowed: &[u16]) -> bool {
    use amlfw::model::{PortRange, Protocol};
    r.ports.iter().any(|s| match (s.protocol, s.ports) {
        (Protocol::Http, PortRange::Any) => allowed.contains(&80),
        (Protocol::Https, PortRange::Any) => allowed.contains(&443),
        (Protocol::Http | Protocol::Https | Protocol::Tcp, range) => {
            allowed.iter().any(|&p| range.contains(p))
        }
        _ => false,
    })
}

/// The ports the list's rule allows, as its header says them (`tcp/80, tcp/443`).
fn allowed_ports(text: &str) -> Vec<u16> {
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("# The security rule using this list allows: "))
        .expect("the header names the rule's ports");
    line.trim_end_matches('.')
        .split(", ")
        .filter_map(|p| p.strip_prefix("tcp/")?.parse().ok())
        .collect()
}

fn needs_web_port(r: &amlfw::rules::Rule) -> bool {
    needs_one_of(r, &[80, 443])
}

#[test]
fn edl_ip_holds_exactly_the_aggregated_prefixes_of_the_outbound_web_rules() {
    for (name, rs) in per_cloud_profiles() {
        let json = tags_json(&rs);
        let out = render("edl-ip", &rs);
        let allowed = allowed_ports(&out.text);
        // The rule's ports are the web ports that some address rule names on its own (a range
        // such as `tcp:*` adds none: every listed address would get it).
        let mut named: Vec<u16> = Vec::new();
        for r in rs
            .rules
            .iter()
            .filter(|r| matches!(r.kind, Kind::ServiceTag | Kind::Network))
        {
            use amlfw::model::{PortRange, Protocol};
            for s in r.ports.iter() {
                match (s.protocol, s.ports) {
                    (Protocol::Http, PortRange::Any) => named.push(80),
                    (Protocol::Https, PortRange::Any) => named.push(443),
                    (Protocol::Tcp | Protocol::Http | Protocol::Https, PortRange::Single(p))
                        if p == 80 || p == 443 =>
                    {
                        named.push(p)
                    }
                    _ => {}
                }
            }
        }
        named.sort_unstable();
        named.dedup();
        assert_eq!(allowed, named, "{name}: the list rule's ports");
        let mut raw: Vec<IpNet> = Vec::new();
        for r in &rs.rules {
            // A rule needing none of the rule's ports is not in the list: the rule would open
            // its addresses on ports it never asked for.
            if r.kind != Kind::Inbound && !needs_one_of(r, &allowed) {
                continue;
            }
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
fn edl_ip_leaves_out_and_lists_the_rules_that_need_other_ports() {
    let rs = &per_cloud_profiles()[0].1;
    let out = render("edl-ip", rs);
    // The AKS tunnel needs UDP 1194 (and TCP 9000) to every address of AzureCloud.<region>:
    // in a list whose rule allows TCP 80/443 it would open all of them on the web ports.
    let tunnel = rs
        .rules
        .iter()
        .find(|r| r.kind == Kind::ServiceTag && r.ports_label().contains("udp:1194"))
        .expect("the public full profile has the AKS UDP tunnel rule");
    assert!(!needs_web_port(tunnel), "{}", tunnel.ports_label());
    let u = out
        .unexpressed
        .iter()
        .find(|u| u.rule_id == *tunnel.id)
        .expect("listed");
    assert!(
        u.reason.contains("udp:1194")
            && u.reason.contains("left out of the list")
            && u.reason.contains("rule and an address object of its own"),
        "{}",
        u.reason
    );
    assert!(
        out.text.contains(&format!("({})", tunnel.id)),
        "named in the header"
    );
    // Its addresses are not all in the list (only where another, web, rule's tag has them).
    let listed: Vec<IpNet> = entries(&out.text)
        .iter()
        .map(|e| e.parse().unwrap())
        .collect();
    let tunnel_nets = json_prefixes(&tags_json(rs), &tunnel.remote);
    assert!(
        tunnel_nets
            .iter()
            .any(|n| !listed.iter().any(|l| l.contains(n))),
        "the tunnel's {} is in the list",
        tunnel.remote
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

/// A rule a list holds for part of its ports is listed as `partly` covered: it counts as
/// expressed, so the header keeps the warnings about it (the TLS assumption on 8787 and 18881
/// for `*.instances.azureml.ms`), and it is still listed for the ports the list's rule lacks.
#[test]
fn a_rule_in_the_list_for_part_of_its_ports_keeps_its_warnings() {
    let rs = &per_cloud_profiles()[0].1;
    let rule = rs
        .rules
        .iter()
        .find(|r| r.remote == "*.instances.azureml.ms" && r.ports_label().contains("8787"))
        .expect("the public full profile has the compute instance host on 8787");
    let out = render("edl-url", rs);
    let u = out
        .unexpressed
        .iter()
        .find(|u| u.rule_id == *rule.id)
        .expect("listed for the ports the list's rule lacks");
    assert!(u.partly && u.reason.contains("in the list"), "{u:?}");
    assert!(out.expressed(rs).any(|r| r.id == rule.id));
    let warning = rs
        .warnings
        .iter()
        .find(|w| w.rules.iter().any(|id| *id == *rule.id) && w.message.contains("8787"))
        .expect("a warning about the ports of that rule");
    let first_line = warning
        .message
        .split_whitespace()
        .take(8)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        out.text.replace("\n#   ", " ").contains(&first_line),
        "the header lacks the warning {first_line:?}"
    );
}
