//! Palo Alto External Dynamic Lists: `edl-ip` (an IP address list) and `edl-url` (a URL
//! list), text files the firewall pulls over HTTPS and uses as an address object or a URL
//! category in a security rule.
//!
//! Format rules, from Palo Alto's documentation:
//! - "Formatting Guidelines for an External Dynamic List" (docs.paloaltonetworks.com,
//!   network-security/security-policy/administration/objects/external-dynamic-lists/
//!   formatting-guidelines-for-an-external-dynamic-list): a list of one type holds entries
//!   of that type only; an IP address list has one entry per line, "[IP address, IP/Mask, or IP
//!   start range-IP end range] [space] [comment]", IPv4 and IPv6, and a comment must be on the
//!   same line as its entry, after a space.
//! - Knowledge base article "What Happens When the Dynamic Block List Contains Incorrectly
//!   Formatted Lines?" (knowledgebase.paloaltonetworks.com, kA10g000000Cm58CAC): the firewall
//!   ignores incorrectly formatted lines (its example includes `#` and `;` lines) and goes on.
//!   The header lines here start with `#` and are skipped that way; they are not entries.
//! - "Guidelines for URL Category Exceptions" (docs.paloaltonetworks.com,
//!   advanced-url-filtering/administration/configuring-url-filtering/url-category-exceptions/
//!   guidelines-for-url-category-exceptions), which covers custom URL categories and
//!   external dynamic lists of URLs: the firewall appends a trailing slash to a domain entry
//!   that ends in neither `/` nor `*`, and `example.com/` matches that domain and its paths
//!   only, not its subdomains; `*.example.com` needs at least one subdomain, so it does NOT
//!   match the bare `example.com`. Palo Alto recommends writing the trailing slash; we do.
//! - "Wildcard Guidelines for URL Category Exception Lists" (PAN-OS admin guide,
//!   url-filtering-concepts): `. / ? & = ; +` separate tokens; a wildcard (`*` any number of
//!   tokens, `^` exactly one) must be the whole token. A host pattern with `*` inside a label
//!   (`*pytorch.org`) therefore has no URL-list form and is listed as not covered.
//! - "Configure the Firewall to Access an External Dynamic List": entries carry no
//!   `http://` or `https://` (it causes commit errors and invalid entries).
//! - Capacity: entries count against a per-model limit (50,000 IP addresses and 50,000 URLs on
//!   the smallest models, PAN-OS web interface help, Objects > External Dynamic Lists); the
//!   firewall skips the entries beyond it and logs it. A subnet counts as one entry.
//!
//! Ports are not part of a list: the header says which ports the list's security rule allows
//! (TCP 80 and 443, as the rules need them). An address rule that needs none of those ports is
//! left out of the IP list and listed, since the list's rule would open its addresses on web
//! ports; one that needs them and more is in the list and listed for the rest. A URL list
//! holds names, so a host rule needing other ports is in it and listed.

use super::iptables::plan;
use super::text::comment_block;
use super::Target;
use super::{
    header_lines, Export, ExportError, ExportOptions, Exporter, Family, TagsUse, Unexpressed,
};
use crate::model::{Kind, PortRange, Protocol};
use crate::remote::Remote;
use crate::rules::{Rule, RuleSet};
use crate::servicetags::{push_net, Prefixes};
use ipnet::IpNet;

/// The targets of this module.
pub static TARGETS: &[&dyn Exporter] = &[&EdlIp, &EdlUrl];

/// The smallest per-model capacity Palo Alto documents for each list type (see above).
pub const MIN_CAPACITY: usize = 50_000;

/// The ports a list's security rule allows: TCP 80 and 443 (web traffic). Those of them some
/// rule needs make the rule. A rule that needs none of them is left out of the list: the list's
/// rule would otherwise open its addresses on web ports it never asked for (AKS's tunnel to
/// every `AzureCloud.<region>` address is UDP 1194 and TCP 9000, not 443).
const WEB_PORTS: [u16; 2] = [80, 443];

/// The web ports `r` needs, and its other port specifications. `http` and `https` without a
/// port mean their usual ones. (The `hosts` list uses it too: a proxy's allow-list.)
pub(super) fn split_ports(r: &Rule) -> (Vec<u16>, Vec<String>) {
    let (mut web, mut other) = (Vec::new(), Vec::new());
    for s in r.ports.iter() {
        match (s.protocol, s.ports) {
            (Protocol::Http, PortRange::Any) => web.push(80),
            (Protocol::Https, PortRange::Any) => web.push(443),
            (Protocol::Tcp | Protocol::Http | Protocol::Https, PortRange::Single(n))
                if WEB_PORTS.contains(&n) =>
            {
                web.push(n)
            }
            _ => other.push(s.to_string()),
        }
    }
    web.sort_unstable();
    web.dedup();
    (web, other)
}

/// The allowed ports as the header says them.
fn allow_text(fits: &[u16]) -> String {
    if fits.is_empty() {
        "no port (no rule of this list needs only TCP 80/443)".to_string()
    } else {
        fits.iter()
            .map(|p| format!("tcp/{p}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The web ports `r` needs when it needs no other port or protocol.
fn web_ports(r: &Rule) -> Option<Vec<u16>> {
    let (web, other) = split_ports(r);
    (other.is_empty() && !web.is_empty()).then_some(web)
}

/// The rule line of a URL list's header, and the host rules needing more than its ports, as not
/// covered (their host is in the list: a URL category matches names, not addresses).
fn port_summary(target: &str, fits: &[u16], others: &[&Rule]) -> (String, Vec<Unexpressed>) {
    let allow = allow_text(fits);
    let line = format!("The security rule using this list allows: {allow}.");
    let listed = others
        .iter()
        .map(|r| Unexpressed {
            rule_id: r.id.to_string(),
            remote: r.remote.to_string(),
            reason: format!(
                "in the list, but it needs {}, which the {target} list's rule ({allow}) does not allow: give it a rule of its own",
                r.ports_label()
            ),
            partly: true,
        })
        .collect();
    (line, listed)
}

/// Why `r`, which needs the ports `other` beyond the list's, is not covered: its addresses are
/// in the list for its web ports (`in_list`) or left out of it.
fn port_reason(
    target: &str,
    r: &Rule,
    other: &[String],
    in_list: bool,
    allow: &str,
) -> Unexpressed {
    let reason = if in_list {
        format!(
            "in the list for its web ports, but it also needs {}, which the {target} list's rule ({allow}) does not allow: give it a rule of its own for those",
            other.join(" ")
        )
    } else {
        format!(
            "left out of the list: it needs {}, not the {target} list's ports ({allow}), and the list's rule would open its addresses on those; give it a rule and an address object of its own",
            other.join(" ")
        )
    };
    Unexpressed {
        rule_id: r.id.to_string(),
        remote: r.remote.to_string(),
        reason,
        partly: in_list,
    }
}

/// `edl-ip`: the aggregated prefixes of every outbound service-tag and IP rule.
pub struct EdlIp;

/// The declaration of the `edl-ip` target.
pub const EDL_IP: Target = Target {
    id: "edl-ip",
    name: "Palo Alto External Dynamic List of IP addresses",
    family: Family::Generic,
    extension: "txt",
    can: "Outbound service tags (expanded from --service-tags) and IP rules as one aggregated IPv4/IPv6 prefix per line",
    cannot: "Ports (the header names the rule's ports, TCP 80/443; rules needing only others are left out and listed), host names, inbound rules, routes",
    tags_use: TagsUse::Required,
    expresses: super::OUTBOUND_ADDRESSES,
    refuse: None,
};

impl Exporter for EdlIp {
    fn target(&self) -> &'static Target {
        &EDL_IP
    }
    fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
        let ip = plan(self.id(), rules, opts)?;
        let mut unexpressed = ip.unexpressed.clone();
        for u in &mut unexpressed {
            if rules
                .rules
                .iter()
                .any(|r| *r.id == u.rule_id && r.kind != Kind::Route)
                && !crate::servicetags::features::is_nsg_only(&u.remote)
            {
                u.reason = "a host name: an IP list holds addresses only; use the edl-url target (web hosts) or an FQDN address object".into();
            }
        }
        for r in &ip.inbound {
            unexpressed.push(Unexpressed {
                rule_id: r.rule.id.to_string(),
                remote: r.rule.remote.to_string(),
                reason: "inbound: a source, not a destination; this list is for outbound rules (amlfw tags --tag NAME prints its prefixes)".into(),
                partly: false,
            });
        }
        // The list's rule allows the web ports some rule names (`tcp:443`, `https`); a rule
        // needing a TCP range that holds one of those (`tcp:*`, AzureActiveDirectory) is in the
        // list too, but adds no port to the rule: the rule's ports apply to every address listed.
        let split: Vec<_> = ip.outbound.iter().map(|r| split_ports(r.rule)).collect();
        let mut fits: Vec<u16> = split
            .iter()
            .flat_map(|(web, _)| web.iter().copied())
            .collect();
        fits.sort_unstable();
        fits.dedup();
        let mut nets: Vec<IpNet> = Vec::new();
        // Each rule needing ports beyond the list's: those ports, and whether its addresses are
        // in the list (for the list's ports it needs).
        let mut beyond = Vec::new();
        for (r, (web, other)) in ip.outbound.iter().zip(split) {
            let in_range =
                r.rule.ports.iter().any(|s| {
                    s.protocol == Protocol::Tcp && fits.iter().any(|&p| s.ports.contains(p))
                });
            let in_list = !web.is_empty() || in_range;
            if in_list {
                nets.extend(r.prefixes.iter());
            }
            if !other.is_empty() {
                beyond.push((r.rule, other, in_list));
            }
        }
        let allow = allow_text(&fits);
        unexpressed.extend(
            beyond
                .into_iter()
                .map(|(r, other, in_list)| port_reason(self.id(), r, &other, in_list, &allow)),
        );
        let all = Prefixes::from_nets(&nets);
        let mut head = header_lines(rules, self, opts, &unexpressed);
        head.push(format!(
            "{} entries ({} IPv4, {} IPv6), aggregated; each counts as one against the firewall's capacity ({MIN_CAPACITY} on the smallest models).",
            all.len(),
            all.v4.len(),
            all.v6.len()
        ));
        head.push("Use as the destination address of an outbound security rule (Objects > External Dynamic Lists, type IP List).".into());
        head.push(format!(
            "The security rule using this list allows: {allow}."
        ));
        head.push(
            "Lines starting with # are not entries: PAN-OS skips lines that are not addresses."
                .into(),
        );
        head.extend(not_covered(&unexpressed));
        let mut text = comment_block("#", &head);
        for n in all.iter() {
            push_net(&mut text, &n);
            text.push('\n');
        }
        Ok(Export::new(text, unexpressed))
    }
}

/// Why a URL list does not hold a rule that names no host.
fn not_a_url(r: &Rule) -> String {
    match r.kind {
        Kind::Route => "a route, not a filter rule (udr-* targets)".into(),
        _ => "an address or service tag, not a URL: use the edl-ip target".into(),
    }
}

/// `edl-url`: every HTTP/HTTPS host rule in PAN-OS URL list syntax.
pub struct EdlUrl;

/// A host rule's URL-list entry: `host/` or `*.domain/` (see the module comment); `None` when
/// the pattern has no URL-list form.
pub fn url_entry(remote: &Remote) -> Option<String> {
    Some(format!("{}/", remote.host_pattern()?.to_ascii_lowercase()))
}

/// The declaration of the `edl-url` target.
pub const EDL_URL: Target = Target {
    id: "edl-url",
    name: "Palo Alto External Dynamic List of URLs",
    family: Family::Generic,
    extension: "txt",
    can: "HTTP/HTTPS host rules as PAN-OS URL list entries (host/, *.domain/ for subdomains)",
    cannot: "Ports (the header names the rule's ports; rules needing others are listed), IP and service-tag rules, non-HTTP host rules, routes",
    tags_use: TagsUse::No,
    expresses: super::HOSTS,
    refuse: Some(not_a_url),
};

impl Exporter for EdlUrl {
    fn target(&self) -> &'static Target {
        &EDL_URL
    }
    fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
        let host = |r: &Rule| r.remote.is_host();
        let mut unexpressed: Vec<Unexpressed> = rules
            .rules
            .iter()
            .filter(|r| !host(r))
            .map(|r| Unexpressed {
                rule_id: r.id.to_string(),
                remote: r.remote.to_string(),
                reason: not_a_url(r),
                partly: false,
            })
            .collect();
        let mut entries: Vec<String> = Vec::new();
        let (mut fits, mut others) = (Vec::new(), Vec::new());
        for r in rules.rules.iter().filter(|r| host(r)) {
            let ports = web_ports(r);
            // URL filtering sees HTTP and HTTPS only: a non-web host rule has no place here.
            if r.kind == Kind::Network && ports.is_none() {
                unexpressed.push(Unexpressed {
                    rule_id: r.id.to_string(),
                    remote: r.remote.to_string(),
                    reason: format!(
                        "not web traffic ({}): URL filtering sees HTTP and HTTPS only; allow it by address (an FQDN address object)",
                        r.ports_label()
                    ),
                    partly: false,
                });
                continue;
            }
            let Some(e) = url_entry(&r.remote) else {
                unexpressed.push(Unexpressed {
                    rule_id: r.id.to_string(),
                    remote: r.remote.to_string(),
                    reason:
                        "a PAN-OS wildcard must be a whole label (*.domain); this pattern has none"
                            .into(),
                    partly: false,
                });
                continue;
            };
            if !entries.contains(&e) {
                entries.push(e);
            }
            match ports {
                Some(p) => fits.extend(p),
                None => others.push(r),
            }
        }
        fits.sort_unstable();
        fits.dedup();
        let (ports_line, listed) = port_summary(self.id(), &fits, &others);
        unexpressed.extend(listed);
        let mut head = header_lines(rules, self, opts, &unexpressed);
        head.push(format!(
            "{} entries; each counts against the firewall's URL capacity ({MIN_CAPACITY} on the smallest models).",
            entries.len()
        ));
        head.push("Use as a URL category of an outbound security rule (Objects > External Dynamic Lists, type URL List).".into());
        head.push("'host/' matches that host and its paths only; '*.domain/' matches its subdomains, NOT the bare domain.".into());
        head.push(ports_line);
        head.push(
            "Lines starting with # are not entries: PAN-OS skips lines it cannot read as entries."
                .into(),
        );
        head.extend(not_covered(&unexpressed));
        let mut text = comment_block("#", &head);
        for e in &entries {
            text.push_str(e);
            text.push('\n');
        }
        Ok(Export::new(text, unexpressed))
    }
}

fn not_covered(unexpressed: &[Unexpressed]) -> Vec<String> {
    if unexpressed.is_empty() {
        return Vec::new();
    }
    super::listed_lines(
        format!("NOT covered or needing more ({}):", unexpressed.len()),
        unexpressed,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url_entry(host: &str) -> Option<String> {
        super::url_entry(&Remote::new(Kind::FqdnApp, host))
    }

    #[test]
    fn url_entries_follow_pan_os_syntax() {
        assert_eq!(url_entry("ml.azure.com").as_deref(), Some("ml.azure.com/"));
        assert_eq!(
            url_entry("*.Blob.core.windows.net").as_deref(),
            Some("*.blob.core.windows.net/")
        );
        // A wildcard inside a label is not a whole token: no URL-list form.
        assert_eq!(url_entry("*pytorch.org"), None);
        assert_eq!(url_entry("a.*.example.com"), None);
        assert_eq!(url_entry("http://x.example.com"), None);
    }
}
