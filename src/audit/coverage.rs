//! Whether the rules of the input allow each requirement, layer by layer (see the module
//! documentation of `audit` for the semantics).

use super::matching::{proto_ok, remote_of, Blocks, Matcher, Remote, Width};
use super::{
    checks, Action, AuditOptions, CollectionKind, Finding, FwRule, Network, Nsg, NsgDirection,
    NsgRule, Origin, Report, RequirementRef, RequirementResult, Severity, Status,
};
use crate::export::{self, ExportOptions, Family, TagUse};
use crate::model::{Kind, PortRange, Protocol};
use crate::rules::{Rule, RuleSet};
use ipnet::IpNet;

// ---- port intervals ------------------------------------------------------------------------

type Ports = Vec<(u16, u16)>;

pub(crate) fn interval(p: PortRange) -> (u16, u16) {
    match p {
        PortRange::Any => (1, 65535),
        PortRange::Single(n) => (n, n),
        PortRange::Range(a, b) => (a, b),
    }
}

fn intersect(a: &[(u16, u16)], b: &[(u16, u16)]) -> Ports {
    let mut out = Vec::new();
    for &(x, y) in a {
        for &(u, v) in b {
            let (lo, hi) = (x.max(u), y.min(v));
            if lo <= hi {
                out.push((lo, hi));
            }
        }
    }
    out
}

fn subtract(a: &[(u16, u16)], b: &[(u16, u16)]) -> Ports {
    let mut cur: Ports = a.to_vec();
    for &(u, v) in b {
        let mut next = Vec::new();
        for (x, y) in cur {
            if v < x || u > y {
                next.push((x, y));
                continue;
            }
            if u > x {
                next.push((x, u - 1));
            }
            if v < y {
                next.push((v + 1, y));
            }
        }
        cur = next;
    }
    cur
}

fn ports_label(p: &[(u16, u16)]) -> String {
    p.iter()
        .map(|&(a, b)| match (a, b) {
            (1, 65535) => "*".to_string(),
            (a, b) if a == b => a.to_string(),
            (a, b) => format!("{a}-{b}"),
        })
        .collect::<Vec<_>>()
        .join(",")
}

// ---- evaluation ----------------------------------------------------------------------------

/// A rule of a layer that matches one required protocol, in evaluation order.
struct Step<'n> {
    origin: &'n Origin,
    action: Action,
    ports: Ports,
    width: Width,
    explicit: bool,
}

/// One layer's answer for one requirement.
struct Verdict<'n> {
    /// Missing parts (`tcp:29877`), empty when fully allowed.
    missing: Vec<String>,
    /// Whether anything at all is allowed.
    any_allowed: bool,
    by: Vec<&'n Origin>,
    /// (deny, the allow it shadows, the parts it takes from the allow: `tcp:8787`).
    shadows: Vec<(&'n Origin, &'n Origin, Vec<String>)>,
    /// Allowed only through wider rules: why.
    wide: Vec<String>,
    /// Rules that allowed a requirement needing every port.
    any_port_users: Vec<&'n Origin>,
    /// Deny rules that may block the requirement, which the input cannot tell.
    unclear: Vec<&'n Origin>,
}

fn evaluate<'n>(need: &PortRange, protocol: Protocol, steps: &[Step<'n>], v: &mut Verdict<'n>) {
    let want = vec![interval(*need)];
    let mut undecided = want.clone();
    let mut denied: Vec<(usize, Ports)> = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let take = intersect(&undecided, &s.ports);
        if take.is_empty() {
            continue;
        }
        undecided = subtract(&undecided, &s.ports);
        match s.action {
            Action::Allow => {
                v.any_allowed = true;
                if !v.by.contains(&s.origin) {
                    v.by.push(s.origin);
                }
                if let Width::Wide(why) = &s.width {
                    if s.explicit && !v.wide.contains(why) {
                        v.wide.push(why.clone());
                    }
                }
                if *need == PortRange::Any {
                    v.any_port_users.push(s.origin);
                }
            }
            Action::Deny => denied.push((i, take)),
        }
    }
    let mut missing = undecided;
    for (d, take) in denied {
        missing.extend(take.iter().copied());
        if let Some(allow) = steps[d + 1..]
            .iter()
            .find(|s| s.action == Action::Allow && !intersect(&take, &s.ports).is_empty())
        {
            // A deny before Azure's default allow is how an NSG is locked down: not shadowing.
            if steps[d].explicit && allow.explicit {
                // Only the ports the deny takes from the allow: a deny of 8000-9000 blocks
                // tcp:8787 of AzureMachineLearning, not its 443.
                let part = format!(
                    "{}:{}",
                    protocol.id(),
                    ports_label(&intersect(&take, &allow.ports))
                );
                let (deny, allow) = (steps[d].origin, allow.origin);
                match v
                    .shadows
                    .iter_mut()
                    .find(|(x, y, _)| *x == deny && *y == allow)
                {
                    Some((_, _, parts)) if parts.contains(&part) => {}
                    Some((_, _, parts)) => parts.push(part),
                    None => v.shadows.push((deny, allow, vec![part])),
                }
            }
        }
    }
    if !missing.is_empty() {
        missing.sort_unstable();
        v.missing
            .push(format!("{}:{}", protocol.id(), ports_label(&missing)));
    }
}

/// How a rule's destination takes part in evaluating a requirement: an allow counts where it
/// holds the whole remote end, a deny where it meets any of it (`Matcher::blocks`); a deny the
/// input cannot place is noted in `unclear`.
fn matches<'n>(
    m: &Matcher,
    action: Action,
    addresses: &[String],
    fqdns: &[String],
    remote: Remote,
    origin: &'n Origin,
    unclear: &mut Vec<&'n Origin>,
) -> Option<Width> {
    match action {
        Action::Allow => m.covers(addresses, fqdns, remote),
        Action::Deny => match m.blocks(addresses, fqdns, remote) {
            Blocks::Yes => Some(Width::Exact),
            Blocks::No => None,
            Blocks::Unknown => {
                if !unclear.contains(&origin) {
                    unclear.push(origin);
                }
                None
            }
        },
    }
}

fn firewall_steps<'n>(
    m: &Matcher,
    net: &'n Network,
    order: &[usize],
    remote: Remote,
    protocol: Protocol,
    unclear: &mut Vec<&'n Origin>,
) -> Vec<Step<'n>> {
    let mut steps = Vec::new();
    for &ci in order {
        let c = &net.collections[ci];
        for r in &c.rules {
            let (width, ports) = match c.kind {
                CollectionKind::Nat => continue,
                CollectionKind::Network => {
                    if !proto_ok(&r.protocols, protocol) {
                        continue;
                    }
                    let found = matches(
                        m,
                        c.action,
                        &r.addresses,
                        &r.fqdns,
                        remote,
                        &r.origin,
                        unclear,
                    );
                    let Some(w) = found else {
                        continue;
                    };
                    (w, r.ports.iter().map(|p| interval(*p)).collect())
                }
                CollectionKind::Application => match app_ports(r, protocol) {
                    Some(ports) => {
                        match matches(m, c.action, &[], &r.fqdns, remote, &r.origin, unclear) {
                            Some(w) => (w, ports),
                            None => continue,
                        }
                    }
                    None => continue,
                },
            };
            // Sources last: the cheap tests above rule out most rules.
            if !m.local_side(c.action, &r.sources, r.source_ip_groups) {
                continue;
            }
            steps.push(Step {
                origin: &r.origin,
                action: c.action,
                ports,
                width,
                explicit: true,
            });
        }
    }
    steps
}

/// The ports of an application rule for an HTTP or HTTPS requirement.
fn app_ports(r: &FwRule, protocol: Protocol) -> Option<Ports> {
    let want = match protocol {
        Protocol::Http => "http",
        Protocol::Https => "https",
        _ => return None,
    };
    let ports: Ports = r
        .app_protocols
        .iter()
        .filter(|(t, _)| t == want)
        .map(|&(_, p)| (p, p))
        .collect();
    (!ports.is_empty()).then_some(ports)
}

fn nsg_steps<'n>(
    m: &Matcher,
    nsg: &'n Nsg,
    direction: NsgDirection,
    remote: Remote,
    protocol: Protocol,
    unclear: &mut Vec<&'n Origin>,
) -> Vec<Step<'n>> {
    let mut rules: Vec<&NsgRule> = nsg
        .rules
        .iter()
        .filter(|r| r.direction == direction)
        .collect();
    rules.sort_by_key(|r| r.priority);
    rules
        .into_iter()
        .filter(|r| proto_ok(&[r.protocol], protocol))
        .filter_map(|r| {
            let (remote_side, local_side) = match direction {
                NsgDirection::Outbound => (&r.destinations, &r.sources),
                NsgDirection::Inbound => (&r.sources, &r.destinations),
            };
            let width = matches(m, r.action, remote_side, &[], remote, &r.origin, unclear)?;
            if !m.local_side(r.action, local_side, false) {
                return None;
            }
            Some(Step {
                origin: &r.origin,
                action: r.action,
                ports: r.ports.iter().map(|p| interval(*p)).collect(),
                width,
                explicit: !r.default,
            })
        })
        .collect()
}

/// Why a target of `family` cannot hold the rule in this setting, as amlfw's own exports say
/// it: a tag Microsoft's networkFeatures data says the target refuses, and for Azure Firewall
/// host names in network rules without DNS proxy.
pub(crate) fn cannot_hold(
    rs: &RuleSet,
    r: &Rule,
    family: Family,
    dns_proxy: bool,
    opts: &AuditOptions,
) -> Option<String> {
    match (r.kind, remote_of(r)) {
        (Kind::ServiceTag | Kind::Inbound | Kind::Route, Remote::Tag(_)) => {
            let o = ExportOptions {
                service_tags: opts.service_tags,
                expand_tags: false,
                existing: None,
            };
            match export::tag_use(rs, r, family, &o) {
                Ok(TagUse::Refused(reason)) => Some(reason),
                _ => None,
            }
        }
        (_, Remote::Ip(net))
            if family == Family::Nsg
                && !rs.settings.sources.is_empty()
                && !(rs.settings.sources.iter()).any(|s| s.addr().is_ipv4() == net.addr().is_ipv4()) =>
        {
            Some("the profile's sources are all of the other IP family: no source can reach this address, and an NSG rule cannot mix IPv4 and IPv6".into())
        }
        (Kind::Network, Remote::Host(h)) if family == Family::AzureFirewall && h.contains('*') => {
            Some(
                "network rules cannot take wildcard host names, and this rule is not HTTP/HTTPS"
                    .into(),
            )
        }
        (Kind::Network, Remote::Host(_)) if family == Family::AzureFirewall && !dns_proxy => {
            Some(export::azure_firewall::DNS_PROXY_OFF.into())
        }
        _ => None,
    }
}

pub(crate) fn requirement_ref(r: &Rule) -> RequirementRef {
    RequirementRef {
        id: r.id.to_string(),
        requirements: r.requirements.iter().map(|q| q.to_string()).collect(),
        kind: r.kind,
        remote: r.remote.to_string(),
        ports: r.ports_label(),
        source: r.references.first().map(|x| x.short()).unwrap_or_default(),
    }
}

/// The profile's sources in the groups a requirement is evaluated for, each with what names it
/// in a missing part. A rule holds prefixes of one IP family only (Azure refuses an NSG rule
/// that mixes them, so amlfw's NSG exports split such a rule into `-v4` and `-v6` rules), so
/// with sources of both families each family is decided by its own rules. An address is
/// reached only from sources of its family; when the profile has none, all of them stay (no
/// rule can hold them, and `cannot_hold` says why).
fn source_groups(sources: &[IpNet], remote: Remote) -> Vec<(&'static str, Vec<IpNet>)> {
    let of = |v4: bool| -> Vec<IpNet> {
        (sources.iter())
            .filter(|n| n.addr().is_ipv4() == v4)
            .copied()
            .collect()
    };
    let (v4, v6) = (of(true), of(false));
    match remote {
        Remote::Ip(net) => match if net.addr().is_ipv4() { v4 } else { v6 } {
            same if same.is_empty() => vec![("", sources.to_vec())],
            same => vec![("", same)],
        },
        _ if v4.is_empty() || v6.is_empty() => vec![("", sources.to_vec())],
        _ => vec![(" (IPv4 sources)", v4), (" (IPv6 sources)", v6)],
    }
}

/// One layer's verdict: the rules `steps` finds for each protocol, evaluated for each source
/// group; a part missing for one group only is named with the group.
fn evaluate_groups<'n>(
    groups: &[(&str, Vec<IpNet>)],
    opts: &AuditOptions,
    r: &Rule,
    v: &mut Verdict<'n>,
    mut steps: impl FnMut(&Matcher, Protocol, &mut Vec<&'n Origin>) -> Vec<Step<'n>>,
) {
    for (label, sources) in groups {
        let m = Matcher {
            sources,
            tags: opts.service_tags,
        };
        let before = v.missing.len();
        for spec in r.ports.iter() {
            let found = steps(&m, spec.protocol, &mut v.unclear);
            evaluate(&spec.ports, spec.protocol, &found, v);
        }
        for part in &mut v.missing[before..] {
            part.push_str(label);
        }
    }
}

pub(crate) fn run(rs: &RuleSet, net: &Network, opts: &AuditOptions) -> Report {
    let m = Matcher {
        sources: &rs.settings.sources,
        tags: opts.service_tags,
    };
    let dns_proxy = net.dns_proxy().map_or(rs.settings.dns_proxy, |d| d.enabled);
    let mut order: Vec<usize> = (0..net.collections.len()).collect();
    order.sort_by_key(|&i| (net.collections[i].kind, net.collections[i].priority));
    let mut findings = Vec::new();
    let mut results = Vec::new();
    let mut any_port_users: Vec<&Origin> = Vec::new();
    // Deny rules the input cannot place against a tag: (layer, rule, the tags), said once a rule.
    let mut unclear: Vec<(String, Origin, Vec<String>)> = Vec::new();
    for r in &rs.rules {
        let req = requirement_ref(r);
        if r.kind == Kind::Route {
            let cannot = cannot_hold(rs, r, Family::RouteTable, dns_proxy, opts);
            let (status, by, notes) = checks::route(&m, net, r, &req, cannot, &mut findings);
            results.push(RequirementResult {
                requirement: req,
                status,
                allowed_by: by,
                notes,
            });
            continue;
        }
        let remote = remote_of(r);
        // (layer name, file, verdict, the firewall's reason it cannot hold it)
        let mut layers: Vec<(String, String, Verdict, Option<String>)> = Vec::new();
        let fresh = || Verdict {
            missing: Vec::new(),
            any_allowed: false,
            by: Vec::new(),
            shadows: Vec::new(),
            wide: Vec::new(),
            any_port_users: Vec::new(),
            unclear: Vec::new(),
        };
        let groups = source_groups(&rs.settings.sources, remote);
        if r.kind != Kind::Inbound && !net.firewall_files.is_empty() {
            let mut v = fresh();
            evaluate_groups(&groups, opts, r, &mut v, |m, protocol, unclear| {
                firewall_steps(m, net, &order, remote, protocol, unclear)
            });
            let file = net.firewall_files[0].clone();
            let cannot = cannot_hold(rs, r, Family::AzureFirewall, dns_proxy, opts);
            layers.push(("Azure Firewall".into(), file, v, cannot));
        }
        let direction = if r.kind == Kind::Inbound {
            NsgDirection::Inbound
        } else {
            NsgDirection::Outbound
        };
        for nsg in &net.nsgs {
            let mut v = fresh();
            evaluate_groups(&groups, opts, r, &mut v, |m, protocol, unclear| {
                nsg_steps(m, nsg, direction, remote, protocol, unclear)
            });
            let cannot = cannot_hold(rs, r, Family::Nsg, dns_proxy, opts);
            layers.push((format!("NSG {}", nsg.name), nsg.file.clone(), v, cannot));
        }
        if layers.is_empty() {
            let what = if r.kind == Kind::Inbound {
                "no NSG"
            } else {
                "no firewall or NSG"
            };
            results.push(RequirementResult {
                requirement: req,
                status: Status::NotChecked,
                allowed_by: Vec::new(),
                notes: vec![format!("{what} in the input")],
            });
            continue;
        }
        let mut status = Status::Covered;
        let mut by = Vec::new();
        let mut notes = Vec::new();
        for (layer, file, v, cannot) in layers {
            any_port_users.extend(v.any_port_users.iter().copied());
            by.extend(v.by.iter().map(|o| (*o).clone()));
            for deny in &v.unclear {
                let remote = r.remote.to_string();
                match unclear
                    .iter_mut()
                    .find(|(l, o, _)| *l == layer && o == *deny)
                {
                    Some((_, _, tags)) if !tags.contains(&remote) => tags.push(remote),
                    Some(_) => {}
                    None => unclear.push((layer.clone(), (*deny).clone(), vec![remote])),
                }
            }
            for (deny, allow, parts) in &v.shadows {
                findings.push(Finding {
                    severity: Severity::Error,
                    code: "shadowed",
                    message: format!(
                        "{layer}: the deny rule {} comes first and blocks {} ({}) that {} would allow",
                        deny.name, r.remote, parts.join(" "), allow.name
                    ),
                    rule: Some((*deny).clone()),
                    requirement: Some(req.clone()),
                });
            }
            if v.missing.is_empty() {
                if !v.wide.is_empty() {
                    findings.push(Finding {
                        severity: Severity::Note,
                        code: "covered-wide",
                        message: format!(
                            "{layer}: {} is covered, but only by {}",
                            r.remote,
                            v.wide.join("; ")
                        ),
                        rule: v.by.first().map(|o| (*o).clone()),
                        requirement: Some(req.clone()),
                    });
                }
                continue;
            }
            let missing = v.missing.join(" ");
            if let Some(reason) = cannot {
                notes.push(format!("{layer}: not covered by design: {reason}"));
                if status == Status::Covered {
                    status = Status::NotCoveredByDesign;
                }
                findings.push(Finding {
                    severity: Severity::Warning,
                    code: "not-covered-by-design",
                    message: format!("{layer}: {} ({missing}) is not allowed, and this target cannot hold it here: {reason}", r.remote),
                    // The layer's file, as for a missing rule: SARIF needs a location.
                    rule: Some(Origin {
                        file: file.clone(),
                        collection: layer.clone(),
                        name: String::new(),
                    }),
                    requirement: Some(req.clone()),
                });
                continue;
            }
            let (code, s) = if v.any_allowed {
                ("partial", Status::Partial)
            } else {
                ("missing", Status::Missing)
            };
            if s == Status::Missing || status != Status::Missing {
                status = s;
            }
            notes.push(format!("{layer}: not allowed: {missing}"));
            let message = if v.any_allowed {
                format!(
                    "{layer}: {} is only partly allowed; missing {missing}",
                    r.remote
                )
            } else {
                format!(
                    "{layer}: required and missing: {} {} ({})",
                    r.kind.title().to_lowercase(),
                    r.remote,
                    r.ports_label()
                )
            };
            findings.push(Finding {
                severity: Severity::Error,
                code,
                message,
                rule: Some(v.by.first().map(|o| (*o).clone()).unwrap_or(Origin {
                    file,
                    collection: layer.clone(),
                    name: String::new(),
                })),
                requirement: Some(req.clone()),
            });
        }
        results.push(RequirementResult {
            requirement: req,
            status,
            allowed_by: by,
            notes,
        });
    }
    for (layer, deny, tags) in unclear {
        let shown = match tags.len() {
            1..=3 => tags.join(", "),
            n => format!("{} and {} more", tags[..3].join(", "), n - 3),
        };
        findings.push(Finding {
            severity: Severity::Warning,
            code: "deny-unclear",
            message: format!(
                "{layer}: the deny rule {} names public addresses that may hold required service tags ({shown}); give the Service Tags file (--service-tags) to check whether it blocks them",
                deny.name
            ),
            rule: Some(deny),
            requirement: None,
        });
    }
    checks::input_findings(rs, net, &m, dns_proxy, &any_port_users, &mut findings);
    // One note per reason a requirement was not checked (no NSG, no route table, ...).
    let mut reasons: Vec<(&str, usize)> = Vec::new();
    for q in results.iter().filter(|q| q.status == Status::NotChecked) {
        let why = q.notes.first().map_or("", String::as_str);
        match reasons.iter_mut().find(|(r, _)| *r == why) {
            Some((_, n)) => *n += 1,
            None => reasons.push((why, 1)),
        }
    }
    for (why, n) in reasons {
        findings.push(Finding {
            severity: Severity::Note,
            code: "not-checked",
            message: format!("{n} requirements not checked: {why}"),
            rule: None,
            requirement: None,
        });
    }
    findings.sort_by(|a, b| a.severity.cmp(&b.severity).then(a.code.cmp(b.code)));
    findings.dedup();
    Report {
        cloud: rs.settings.cloud.id().to_string(),
        region: rs.settings.region.name.to_string(),
        edition: rs.settings.edition.clone(),
        requirements: results,
        findings,
        files: net.files.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_subtract_and_intersect() {
        assert_eq!(subtract(&[(1, 100)], &[(10, 20)]), vec![(1, 9), (21, 100)]);
        assert_eq!(subtract(&[(10, 20)], &[(1, 65535)]), vec![]);
        assert_eq!(intersect(&[(1, 100)], &[(50, 200)]), vec![(50, 100)]);
        assert_eq!(ports_label(&[(1, 65535), (443, 443), (5, 9)]), "*,443,5-9");
    }
}
