//! A Squid include file: `acl ... dstdomain` and `http_access allow` lines for every host-name
//! (FQDN) requirement.
//!
//! A forward proxy sees host names and ports, nothing else, so everything that is not an
//! HTTP/HTTPS host rule (service tags, IP rules, non-HTTP ports, inbound rules, routes) is
//! listed as not covered. The include is self-contained: it defines every ACL it uses and
//! relies on none of squid.conf's (`SSL_ports`, `Safe_ports`, `CONNECT`), so it reads the
//! same wherever it is included.
//!
//! HTTPS goes through a proxy as `CONNECT host:port`; plain HTTP as `GET http://host/`. So
//! `https:N` allows only CONNECT to port N and `http:N` only non-CONNECT requests to port N:
//! a CONNECT to port 80 (a raw tunnel) is never allowed by these lines.

use super::naming::{prefix_note, safe_prefix};
use super::text::comment_block as comments;
use super::text::one_line;
use super::Target;
use super::{
    header_lines, Export, ExportError, ExportOptions, Exporter, Family, TagsUse, Unexpressed,
};
use crate::model::{Kind, PortRange, Protocol};
use crate::remote::Remote;
use crate::rules::{Rule, RuleSet};
use crate::servicetags::Prefixes;

/// The targets of this module.
pub static TARGETS: &[&dyn Exporter] = &[&Squid];

pub struct Squid;

/// Squid refuses ACL names of 64 characters or more.
pub const MAX_ACL_NAME: usize = 63;

/// One FQDN rule as Squid sees it.
struct Entry<'a> {
    rule: &'a Rule,
    /// dstdomain value: `.example.com` for `*.example.com`, else the host; lowercase.
    domain: String,
    /// Ports allowed through CONNECT (https).
    tunnel: Vec<PortRange>,
    /// Ports allowed as plain requests (http).
    plain: Vec<PortRange>,
}

/// A host name in Squid's dstdomain form (`*.x.com` -> `.x.com`), or None when the remote is
/// not a well-formed host (`Remote::host_pattern`): in squid.conf whitespace would start a new
/// value.
pub fn squid_domain(remote: &Remote) -> Option<String> {
    let d = remote.host_pattern()?.to_ascii_lowercase();
    Some(match d.strip_prefix("*.") {
        Some(rest) => format!(".{rest}"),
        None => d,
    })
}

/// Whether dstdomain `a` matches every host dstdomain `b` matches.
fn domain_covers(a: &str, b: &str) -> bool {
    a == b || (a.starts_with('.') && (b == &a[1..] || b.ends_with(a)))
}

fn covers(a: &Entry, b: &Entry) -> bool {
    domain_covers(&a.domain, &b.domain)
        && b.tunnel.iter().all(|p| a.tunnel.contains(p))
        && b.plain.iter().all(|p| a.plain.contains(p))
}

/// Splits FQDN rules into entries and what Squid cannot take.
fn entries<'a>(rules: &'a RuleSet, not: &mut Vec<Unexpressed>) -> Vec<Entry<'a>> {
    let mut out = Vec::new();
    for r in rules.of_kind(Kind::FqdnApp) {
        let un = |reason: String| Unexpressed {
            rule_id: r.id.to_string(),
            remote: r.remote.to_string(),
            reason,
            partly: false,
        };
        let Some(domain) = squid_domain(&r.remote) else {
            not.push(un(
                "not a valid host name: a proxy ACL cannot hold it".into()
            ));
            continue;
        };
        let (mut tunnel, mut plain) = (Vec::new(), Vec::new());
        for p in r.ports.iter() {
            let list = match p.protocol {
                Protocol::Https => &mut tunnel,
                Protocol::Http => &mut plain,
                _ => {
                    not.push(un(format!(
                        "{p} is not HTTP or HTTPS: a proxy cannot carry it"
                    )));
                    continue;
                }
            };
            if !list.contains(&p.ports) {
                list.push(p.ports);
            }
        }
        if !tunnel.is_empty() || !plain.is_empty() {
            out.push(Entry {
                rule: r,
                domain,
                tunnel,
                plain,
            });
        }
    }
    out
}

/// For each entry, the index of the kept entry that covers it (None: the entry is kept). Of
/// two identical entries the first is kept. Keeping only uncovered entries is what makes
/// `pytorch.org` + `*.pytorch.org` one `.pytorch.org`, with nothing Squid would warn about.
fn coverage(es: &[Entry]) -> Vec<Option<usize>> {
    let covered_by = |i: usize| {
        (0..es.len())
            .find(|&j| j != i && covers(&es[j], &es[i]) && (j < i || !covers(&es[i], &es[j])))
    };
    let kept: Vec<bool> = (0..es.len()).map(|i| covered_by(i).is_none()).collect();
    // Coverage is transitive, so a covered entry always has a kept one covering it.
    (0..es.len())
        .map(|i| {
            if kept[i] {
                None
            } else {
                (0..es.len()).find(|&j| kept[j] && covers(&es[j], &es[i]))
            }
        })
        .collect()
}

/// Squid ACL names: `[A-Za-z0-9_-]`, compared case-insensitively by Squid, at most 63.
struct AclNames {
    prefix: String,
    used: Vec<String>,
}

impl AclNames {
    /// A rule's dstdomain ACL: `<prefix>_<id>` with the id in `[a-z0-9-]`. Fixed ACLs use `_`
    /// after the prefix part (`aml_connect_method`), which an id part never contains.
    fn for_rule(&mut self, id: &str) -> String {
        let id = super::text::token(id, |c| c.to_ascii_lowercase(), '-');
        let mut base = format!("{}_{id}", self.prefix);
        base.truncate(MAX_ACL_NAME - 4);
        let mut name = base.clone();
        let mut n = 2;
        while self.used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
            name = format!("{base}-{n}");
            n += 1;
        }
        self.used.push(name.clone());
        name
    }

    fn fixed(&self, what: &str) -> String {
        format!("{}_{what}", self.prefix)
    }
}

fn port_label(p: &PortRange) -> String {
    match p {
        PortRange::Single(n) => n.to_string(),
        PortRange::Range(a, b) => format!("{a}-{b}"),
        PortRange::Any => "1-65535".into(),
    }
}

/// The port ACL for a port list, defined once: `aml_port_443_8787_18881 port 443 8787 18881`.
fn port_acl(names: &AclNames, ports: &[PortRange], defs: &mut Vec<(String, String)>) -> String {
    let labels: Vec<String> = ports.iter().map(port_label).collect();
    let name = names.fixed(&format!("port_{}", labels.join("_").replace('-', "to")));
    if !defs.iter().any(|(n, _)| *n == name) {
        defs.push((
            name.clone(),
            format!("acl {name} port {}", labels.join(" ")),
        ));
    }
    name
}

/// The `src` ACL of the profile's sources (aggregated: Squid warns about overlapping values).
fn sources_acl(rules: &RuleSet, names: &AclNames) -> Option<(String, String)> {
    let s = &rules.settings.sources;
    if s.is_empty() {
        return None;
    }
    let nets: Vec<String> = Prefixes::from_nets(s)
        .iter()
        .map(|n| n.to_string())
        .collect();
    let name = names.fixed("src_nets");
    Some((name.clone(), format!("acl {name} src {}", nets.join(" "))))
}

/// Why a proxy cannot take a non-FQDN rule.
fn reason(r: &Rule) -> String {
    match r.kind {
        Kind::ServiceTag => "a service tag (address ranges, any protocol): a proxy sees host names only; allow it in the network firewall (iptables/nftables targets with --service-tags)".into(),
        Kind::Network => format!("{}: not HTTP, a proxy cannot carry it; allow it in the network firewall", r.ports_label()),
        Kind::Inbound => "inbound traffic does not pass a forward proxy; allow it in the NSG or firewall".into(),
        Kind::Route => "a route, not a proxy rule: put it in the subnet's route table".into(),
        Kind::FqdnApp => "a host rule (handled above)".into(),
    }
}

fn usage(p: &str) -> Vec<String> {
    vec![
        String::new(),
        "HOW TO USE: save as e.g. /etc/squid/conf.d/amlfw.conf and include it in squid.conf BEFORE".into(),
        "the stock 'http_access deny !Safe_ports' and 'http_access deny CONNECT !SSL_ports' lines".into(),
        "(Debian's include /etc/squid/conf.d/*.conf comes after them: move it up, or CONNECT to".into(),
        "8787 and 18881 is denied there, since SSL_ports holds only 443). That is safe: every line".into(),
        "below allows one exact (method, port, host) triple, nothing those lines protect. Check with".into(),
        "squid -k parse, apply with squid -k reconfigure.".into(),
        String::new(),
        "HTTPS is allowed only as CONNECT (the tunnel clients open to a proxy) to its ports; HTTP".into(),
        "only as plain requests to its ports. This file only allows: squid.conf must still end with".into(),
        "'http_access deny all'.".into(),
        format!("Every ACL here starts with '{p}_' and is defined here; none of squid.conf's is used."),
        "Squid's '.example.com' matches example.com and every subdomain. '*.example.com' in the".into(),
        "documents did not name example.com itself; Squid cannot tell them apart.".into(),
    ]
}

/// The declaration of the `squid` target.
pub const SQUID: Target = Target {
    id: "squid",
    name: "Squid (include file: acl + http_access)",
    family: Family::Generic,
    extension: "conf",
    can: "HTTP/HTTPS host names with wildcards and ports, restricted to the profile's sources",
    cannot: "service tags, IP and non-HTTP rules, inbound rules, routes, URL paths (without TLS inspection)",
    tags_use: TagsUse::No,
    expresses: super::APP_HOSTS,
    refuse: Some(reason),
};

impl Exporter for Squid {
    fn target(&self) -> &'static Target {
        &SQUID
    }
    fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
        let mut not = super::unexpressed_non_fqdn(rules, reason);
        let es = entries(rules, &mut not);
        let prefix = safe_prefix(&rules.settings.name_prefix);
        let mut names = AclNames {
            prefix: prefix.clone(),
            used: Vec::new(),
        };

        let mut head = header_lines(rules, self, opts, &not);
        head.extend(prefix_note(&rules.settings.name_prefix));
        head.extend(usage(&prefix));
        head.extend(super::iptables::not_covered_lines(self.id(), &not));
        let mut t = comments("#", &head);
        t.push('\n');
        t.push_str(&body(rules, &es, &mut names));
        Ok(Export::new(t, not))
    }
}

/// The ACL and http_access lines.
fn body(rules: &RuleSet, es: &[Entry], names: &mut AclNames) -> String {
    let connect = names.fixed("connect_method");
    let mut defs: Vec<(String, String)> =
        vec![(connect.clone(), format!("acl {connect} method CONNECT"))];
    let src = sources_acl(rules, names);
    let src_ref = match &src {
        Some((n, line)) => {
            defs.push((n.clone(), line.clone()));
            format!(" {n}")
        }
        None => String::new(),
    };
    let mut lines = String::new();
    if src.is_none() {
        lines.push_str(&comments(
            "#",
            &["No sources in the profile: these lines allow every client of the proxy.".into()],
        ));
    }
    let cover = coverage(es);
    for (e, by) in es.iter().zip(&cover) {
        lines.push_str(&comments("#", &[entry_comment(e)]));
        if let Some(j) = by {
            let k = &es[*j];
            lines.push_str(&comments(
                "#",
                &[format!(
                    "  covered by {} ({}): nothing to add",
                    k.rule.id, k.domain
                )],
            ));
            continue;
        }
        let acl = names.for_rule(&e.rule.id);
        lines.push_str(&format!("acl {acl} dstdomain {}\n", e.domain));
        if !e.tunnel.is_empty() {
            let p = port_acl(names, &e.tunnel, &mut defs);
            lines.push_str(&format!("http_access allow{src_ref} {connect} {p} {acl}\n"));
        }
        if !e.plain.is_empty() {
            let p = port_acl(names, &e.plain, &mut defs);
            lines.push_str(&format!(
                "http_access allow{src_ref} !{connect} {p} {acl}\n"
            ));
        }
    }
    let mut t: String = defs.iter().map(|(_, l)| format!("{l}\n")).collect();
    t.push('\n');
    t.push_str(&lines);
    t
}

fn entry_comment(e: &Entry) -> String {
    let r = e.rule;
    let mut c = r.summary();
    if let Some(path) = &r.path {
        c.push_str(&format!(
            " | NOTE: this allows the whole host; the documents need only the path {} (restricting paths of HTTPS needs ssl_bump)",
            one_line(path)
        ));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn squid_domain(host: &str) -> Option<String> {
        super::squid_domain(&Remote::new(Kind::FqdnApp, host))
    }

    #[test]
    fn domains_in_squid_form() {
        assert_eq!(
            squid_domain("*.Pytorch.org").as_deref(),
            Some(".pytorch.org")
        );
        assert_eq!(squid_domain("pytorch.org").as_deref(), Some("pytorch.org"));
        for bad in [
            "*pytorch.org",
            "a b.com",
            "a\nhttp_access allow all",
            "$(x).com",
            "",
            "*.",
            "a..b",
            "x.com\"",
        ] {
            assert_eq!(squid_domain(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn wildcards_cover_apex_and_subdomains() {
        assert!(domain_covers(".pytorch.org", "pytorch.org"));
        assert!(domain_covers(".pytorch.org", "download.pytorch.org"));
        assert!(domain_covers(".azureml.ms", ".instances.azureml.ms"));
        assert!(!domain_covers(".pytorch.org", "evilpytorch.org"));
        assert!(!domain_covers("pytorch.org", ".pytorch.org"));
    }

    #[test]
    fn acl_names_are_unique_and_short() {
        let mut n = AclNames {
            prefix: "aml".into(),
            used: Vec::new(),
        };
        assert_eq!(n.for_rule("aml-fqdn-x"), "aml_aml-fqdn-x");
        assert_eq!(n.for_rule("AML.fqdn.x"), "aml_aml-fqdn-x-2");
        assert!(n.for_rule(&"y".repeat(100)).len() <= MAX_ACL_NAME);
    }
}
