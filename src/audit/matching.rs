//! How one rule's addresses, host names, sources and protocols match a requirement.

use super::NetProto;
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

    fn remote_prefixes(&self, remote: Remote) -> Option<Prefixes> {
        match remote {
            Remote::Ip(n) => Some(Prefixes::from_nets(&[n])),
            Remote::Tag(t) => self.tags?.get(t)?.aggregated().ok().cloned(),
            Remote::Host(_) => None,
        }
    }

    /// Whether the destination entries (`addresses`: tags, IPs, CIDRs; `fqdns`: host
    /// patterns) cover the remote end, and how.
    pub(crate) fn covers(
        &self,
        addresses: &[String],
        fqdns: &[String],
        remote: Remote,
    ) -> Option<Width> {
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
                if contains_all(&have, &want) {
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

    /// Whether a rule's local side (sources of outbound rules, destinations of inbound NSG
    /// rules) covers every source of the profile. Without sources in the profile any side does.
    pub(crate) fn local_covered(&self, entries: &[String], ip_groups: bool) -> bool {
        if self.sources.is_empty() || ip_groups {
            return true;
        }
        self.sources.iter().all(|s| {
            entries.iter().any(|e| {
                is_any(e)
                    || e == ASG
                    || (e.eq_ignore_ascii_case("VirtualNetwork") && is_private(s))
                    || entry_contains(e, s)
            })
        })
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
