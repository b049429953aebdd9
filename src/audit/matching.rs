//! How one rule's addresses, host names, sources and protocols match a requirement.

use super::{Action, NetProto};
use crate::model::Protocol;
use crate::rules::Rule;
use crate::servicetags::{Prefixes, TagIndex};
use ipnet::IpNet;
use std::net::IpAddr;

/// Stands for an NSG rule's application security groups (their members are not in the input:
/// they are taken to be the profile's sources).
pub(crate) const ASG: &str = "ApplicationSecurityGroup";

/// How a rule's destination covers a requirement's remote end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Width {
    Exact,
    /// Covered, by something wider (the reason, e.g. "the global tag Storage").
    Wide(String),
}

/// The requirement's remote end (`crate::Remote`), borrowed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Remote<'a> {
    Tag(&'a str),
    Ip(IpNet),
    Host(&'a str),
}

pub(crate) use crate::remote::parse_address as ip_net;

/// An address range as Azure Firewall writes it (`10.0.0.1-10.0.0.9`), as the smallest list
/// of CIDRs that spans it; `None` when `s` is not one (or its ends are of two families or in
/// the wrong order).
pub(crate) fn ip_range(s: &str) -> Option<Vec<IpNet>> {
    let (a, b) = s.split_once('-')?;
    let nets: Vec<IpNet> = match (a.trim().parse().ok()?, b.trim().parse().ok()?) {
        (IpAddr::V4(a), IpAddr::V4(b)) if a <= b => {
            ipnet::Ipv4Subnets::new(a, b, 0).map(IpNet::V4).collect()
        }
        (IpAddr::V6(a), IpAddr::V6(b)) if a <= b => {
            ipnet::Ipv6Subnets::new(a, b, 0).map(IpNet::V6).collect()
        }
        _ => return None,
    };
    Some(nets)
}

/// The CIDRs an address entry stands for: a CIDR, an address or a range.
pub(crate) fn entry_nets(e: &str) -> Option<Vec<IpNet>> {
    ip_net(e).map(|n| vec![n]).or_else(|| ip_range(e))
}

/// Whether the address entry `e` (CIDR, address or range) holds every address of `n`.
fn entry_contains(e: &str, n: &IpNet) -> bool {
    entry_nets(e).is_some_and(|nets| {
        let p = Prefixes::from_nets(&nets);
        contains_all(&p, &Prefixes::from_nets(&[*n]))
    })
}

/// The rule's remote as `resolve` classified it, borrowed for matching.
pub(crate) fn remote_of(r: &Rule) -> Remote<'_> {
    match &r.remote {
        crate::Remote::Address { net, .. } => Remote::Ip(*net),
        crate::Remote::Host { name, .. } => Remote::Host(name),
        crate::Remote::Tag { name, .. } => Remote::Tag(name),
    }
}

pub(crate) fn is_any(entry: &str) -> bool {
    matches!(entry, "*" | "0.0.0.0/0" | "::/0") || entry.eq_ignore_ascii_case("any")
}

fn is_private(n: &IpNet) -> bool {
    match n {
        IpNet::V4(n) => n.addr().is_private() || n.addr().is_loopback(),
        IpNet::V6(n) => (n.addr().segments()[0] & 0xfe00) == 0xfc00,
    }
}

/// Whether the host-name pattern `pattern` (Azure Firewall: `*` matches any characters,
/// including dots, so `*.x.com` matches `a.b.x.com` but not `x.com`, and `*x.com` matches
/// `evilx.com`) matches the host `host`. Case does not matter.
pub fn host_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix('*') {
        Some("") => true,
        Some(suffix) => host.len() > suffix.len() && ends_with_caseless(host, suffix),
        None => pattern.eq_ignore_ascii_case(host),
    }
}

/// `s.ends_with(suffix)`, ignoring ASCII case, without allocating.
fn ends_with_caseless(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len()
        && s.as_bytes()[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

/// Whether `pattern` allows every host the requirement `host` (itself maybe a wildcard)
/// names: `*.core.windows.net` covers `*.blob.core.windows.net`, `*.x.com` does not cover
/// `x.com`, an exact name never covers a wildcard.
pub fn pattern_covers(pattern: &str, host: &str) -> bool {
    match host.strip_prefix('*') {
        None => host_matches(pattern, host),
        Some(req_suffix) => match pattern.strip_prefix('*') {
            Some(suffix) => ends_with_caseless(req_suffix, suffix),
            None => false,
        },
    }
}

/// What the matcher needs besides the rule: the profile's sources and the Service Tags file.
pub(crate) struct Matcher<'a> {
    pub(crate) sources: &'a [IpNet],
    pub(crate) tags: Option<&'a TagIndex>,
}

impl Matcher<'_> {
    /// The destination entries the profile's sources can reach: an address entry (CIDR, IP,
    /// range) of an IP family none of the sources has is left out, since traffic never changes
    /// family (IPv4 sources never reach `::/0`). Without sources, all of them.
    fn reachable(&self, entries: &[String]) -> Vec<String> {
        let (v4, v6) = (
            self.sources.iter().any(|s| s.addr().is_ipv4()),
            self.sources.iter().any(|s| !s.addr().is_ipv4()),
        );
        entries
            .iter()
            .filter(|e| {
                self.sources.is_empty()
                    || entry_nets(e).is_none_or(|nets| {
                        nets.iter()
                            .any(|n| if n.addr().is_ipv4() { v4 } else { v6 })
                    })
            })
            .cloned()
            .collect()
    }

    /// The prefixes of `entries` (tags by the Service Tags file, CIDRs, IPs), if all are known.
    fn prefixes(&self, entries: &[String]) -> Option<Prefixes> {
        let tags = self.tags?;
        let mut nets = Vec::new();
        for e in entries {
            match entry_nets(e) {
                Some(n) => nets.extend(n),
                None => nets.extend(tags.get(e)?.prefixes().ok()?.iter().copied()),
            }
        }
        Some(Prefixes::from_nets(&nets))
    }

    /// The remote end's prefixes the sources can reach (those of their families).
    fn remote_prefixes(&self, remote: Remote) -> Option<Prefixes> {
        let mut p = match remote {
            Remote::Ip(n) => Prefixes::from_nets(&[n]),
            Remote::Tag(t) => self.tags?.get(t)?.aggregated().ok().cloned()?,
            Remote::Host(_) => return None,
        };
        if !self.sources.is_empty() {
            if !self.sources.iter().any(|s| s.addr().is_ipv4()) {
                p.v4.clear();
            }
            if self.sources.iter().all(|s| s.addr().is_ipv4()) {
                p.v6.clear();
            }
        }
        Some(p)
    }

    /// Whether the destination entries (`addresses`: tags, IPs, CIDRs; `fqdns`: host
    /// patterns) cover the remote end, and how.
    pub(crate) fn covers(
        &self,
        addresses: &[String],
        fqdns: &[String],
        remote: Remote,
    ) -> Option<Width> {
        let addresses = &self.reachable(addresses);
        let mut best: Option<Width> = None;
        let take = |best: &mut Option<Width>, w: Width| {
            if best.is_none() || w == Width::Exact {
                *best = Some(w);
            }
        };
        for e in addresses {
            if let Some(w) = entry_covers(e, remote) {
                take(&mut best, w);
            }
        }
        if let Remote::Host(h) = remote {
            for f in fqdns {
                if f == "*" {
                    take(&mut best, Width::Wide("the host name *".into()));
                } else if pattern_covers(f, h) {
                    take(&mut best, Width::Exact);
                }
            }
        }
        if best.is_none() && !addresses.is_empty() && !matches!(remote, Remote::Host(_)) {
            if let (Some(want), Some(have)) =
                (self.remote_prefixes(remote), self.prefixes(addresses))
            {
                // (A tag without addresses of the sources' family is held by nothing.)
                if want != Prefixes::default() && contains_all(&have, &want) {
                    take(
                        &mut best,
                        Width::Wide(format!(
                            "by address: {} contains every prefix of it",
                            addresses.join(", ")
                        )),
                    );
                }
            }
        }
        best
    }

    /// Whether a deny rule with these destinations blocks any part of the remote end. A deny
    /// takes effect where it overlaps the requirement, not only where it holds all of it, so
    /// this asks for overlap; where the input cannot tell (addresses against a tag, without the
    /// Service Tags file), the answer is `Unknown` and the caller says so.
    pub(crate) fn blocks(&self, addresses: &[String], fqdns: &[String], remote: Remote) -> Blocks {
        let addresses = &self.reachable(addresses);
        if self.covers(addresses, fqdns, remote).is_some() {
            return Blocks::Yes;
        }
        let nets: Vec<IpNet> = addresses
            .iter()
            .filter_map(|e| entry_nets(e))
            .flatten()
            .collect();
        let mut unknown = false;
        match remote {
            Remote::Host(h) => {
                if fqdns.iter().any(|f| patterns_overlap(f, h)) {
                    return Blocks::Yes;
                }
            }
            Remote::Ip(n) => {
                if nets.iter().any(|m| m.contains(&n) || n.contains(m)) {
                    return Blocks::Yes;
                }
            }
            Remote::Tag(t) => {
                // Every address of a family (0.0.0.0/0 spelled as a range, or as halves).
                let all = Prefixes::from_nets(&nets);
                if all.v4.iter().any(|p| p.prefix_len() == 0)
                    || all.v6.iter().any(|p| p.prefix_len() == 0)
                {
                    return Blocks::Yes;
                }
                let tag = self.tags.and_then(|x| x.get(t)?.aggregated().ok());
                // Service tags hold public addresses only: private ones never meet them.
                let public: Vec<IpNet> = nets.iter().copied().filter(|m| !is_private(m)).collect();
                if !public.is_empty() {
                    match tag {
                        Some(p) if overlap(p, &Prefixes::from_nets(&public)) => return Blocks::Yes,
                        Some(_) => {}
                        None => unknown = true,
                    }
                }
                let base = |x: &str| x.split('.').next().unwrap_or(x).to_ascii_lowercase();
                for e in addresses
                    .iter()
                    .filter(|e| entry_nets(e).is_none() && !is_any(e))
                {
                    // A service's global tag and one of its regional tags meet (two regions'
                    // tags are compared by address below, when the file is there).
                    if base(e) == base(t) && (!e.contains('.') || !t.contains('.')) {
                        return Blocks::Yes;
                    }
                    let other = self.tags.and_then(|x| x.get(e)?.aggregated().ok());
                    if let (Some(p), Some(q)) = (tag, other) {
                        if overlap(p, q) {
                            return Blocks::Yes;
                        }
                    }
                }
            }
        }
        if unknown {
            Blocks::Unknown
        } else {
            Blocks::No
        }
    }

    /// Whether a rule's local side (sources of outbound rules, destinations of inbound NSG
    /// rules) takes part: an allow must hold every source of the profile, a deny need only
    /// meet one of them. Without sources in the profile any side does.
    pub(crate) fn local_side(&self, action: Action, entries: &[String], ip_groups: bool) -> bool {
        if self.sources.is_empty() || ip_groups {
            return true;
        }
        // `0.0.0.0/0` and `::/0` are every address of ONE family: they go by address below,
        // so a deny of `::/0` does not take IPv4 sources.
        let takes = |s: &IpNet, e: &String| {
            e == "*"
                || e.eq_ignore_ascii_case("any")
                || e == ASG
                || (e.eq_ignore_ascii_case("VirtualNetwork") && is_private(s))
                || match action {
                    Action::Allow => entry_contains(e, s),
                    Action::Deny => entry_nets(e)
                        .is_some_and(|nets| nets.iter().any(|m| m.contains(s) || s.contains(m))),
                }
        };
        let by_entries = |s: &IpNet| entries.iter().any(|e| takes(s, e));
        match action {
            Action::Allow => self.sources.iter().all(by_entries),
            Action::Deny => self.sources.iter().any(by_entries),
        }
    }
}

/// Whether a deny rule's destination meets a requirement: yes, no, or the input cannot tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Blocks {
    Yes,
    No,
    Unknown,
}

/// Whether two aggregated prefix lists share an address (CIDRs meet only when one holds the
/// other).
fn overlap(a: &Prefixes, b: &Prefixes) -> bool {
    a.v4.iter()
        .any(|x| b.v4.iter().any(|y| x.contains(y) || y.contains(x)))
        || a.v6
            .iter()
            .any(|x| b.v6.iter().any(|y| x.contains(y) || y.contains(x)))
}

/// Whether some host name matches both patterns (`*` as Azure Firewall reads it).
fn patterns_overlap(a: &str, b: &str) -> bool {
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (Some(x), Some(y)) => ends_with_caseless(x, y) || ends_with_caseless(y, x),
        (Some(_), None) => host_matches(a, b),
        (None, Some(_)) => host_matches(b, a),
        (None, None) => a.eq_ignore_ascii_case(b),
    }
}

fn entry_covers(e: &str, remote: Remote) -> Option<Width> {
    if is_any(e) {
        return Some(Width::Wide(format!("the destination {e}")));
    }
    if e.eq_ignore_ascii_case("Internet") {
        return match remote {
            Remote::Ip(n) if is_private(&n) => None,
            _ => Some(Width::Wide("the Internet tag".into())),
        };
    }
    match remote {
        Remote::Tag(t) => {
            if e.eq_ignore_ascii_case(t) {
                Some(Width::Exact)
            } else if let Some(w) = azure_cloud_covers(e, t) {
                Some(w)
            } else {
                let base = t.split_once('.').map(|(b, _)| b)?;
                e.eq_ignore_ascii_case(base).then(|| {
                    Width::Wide(format!("the global tag {e} (every region, not only {t})"))
                })
            }
        }
        Remote::Ip(n) => {
            if e.eq_ignore_ascii_case("VirtualNetwork") && is_private(&n) {
                return Some(Width::Exact);
            }
            entry_contains(e, &n).then_some(Width::Exact)
        }
        Remote::Host(_) => None,
    }
}

/// By name (without a Service Tags file): `AzureCloud` is taken to hold every service tag, and
/// `AzureCloud.<region>` every tag of that region. With the file, tags compare by address.
fn azure_cloud_covers(e: &str, t: &str) -> Option<Width> {
    let (base, region) = match e.split_once('.') {
        Some((b, r)) => (b, Some(r)),
        None => (e, None),
    };
    if !base.eq_ignore_ascii_case("AzureCloud") || t.eq_ignore_ascii_case("AzureCloud") {
        return None;
    }
    let in_region = match region {
        None => true,
        Some(r) => t
            .split_once('.')
            .is_some_and(|(_, tr)| tr.eq_ignore_ascii_case(r)),
    };
    in_region.then(|| {
        Width::Wide(format!(
            "{e} (every Azure address{})",
            region.map(|r| format!(" in {r}")).unwrap_or_default()
        ))
    })
}

/// Whether the aggregated `have` contains every prefix of `want` (an aggregated prefix
/// covered by a union of aggregated prefixes lies inside one of them).
fn contains_all(have: &Prefixes, want: &Prefixes) -> bool {
    want.v4
        .iter()
        .all(|w| have.v4.iter().any(|h| h.contains(w)))
        && want
            .v6
            .iter()
            .all(|w| have.v6.iter().any(|h| h.contains(w)))
}

/// Whether a network-level protocol list lets the required protocol through.
pub(crate) fn proto_ok(protos: &[NetProto], need: Protocol) -> bool {
    protos.iter().any(|p| {
        matches!(
            (p, need.transport()),
            (NetProto::Any, _) | (NetProto::Tcp, Protocol::Tcp) | (NetProto::Udp, Protocol::Udp)
        )
    })
}
