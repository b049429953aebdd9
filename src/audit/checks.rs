//! Findings about the input's rules themselves (tag names, host names in network rules, rules
//! wider than needed) and the route checks.

use super::coverage::interval;
use super::matching::{entry_nets, ip_net, is_any, remote_of, Matcher, Remote, ASG};
use super::{
    Action, CollectionKind, Finding, FwRule, Network, NsgDirection, Origin, RequirementRef, Route,
    RouteTable, Severity, Status,
};
use crate::model::{Kind, PortRange};
use crate::rules::{Rule, RuleSet};
use crate::servicetags::features::builtin_features;

/// Names an NSG takes that are not in Microsoft's Service Tags file.
const NSG_ONLY_TAGS: &[&str] = &["VirtualNetwork", "Internet", "AzureLoadBalancer"];

fn finding(severity: Severity, code: &'static str, message: String, rule: &Origin) -> Finding {
    Finding {
        severity,
        code,
        message,
        rule: Some(rule.clone()),
        requirement: None,
    }
}

/// Whether an entry is a service tag name (not an address, `*`, a host or an ASG marker).
/// Tags start with a letter; addresses, ranges (`10.0.0.1-10.0.0.9`) and ARM expressions do not.
fn is_tag_entry(e: &str) -> bool {
    e.starts_with(|c: char| c.is_ascii_alphabetic())
        && e != ASG
        && !is_any(e)
        && entry_nets(e).is_none()
}

/// A tag name `e` the input uses: invalid when the Service Tags file lacks it, or when it is
/// how the document misspells a tag the rules need (without a file).
fn tag_name_finding(rs: &RuleSet, m: &Matcher, e: &str, rule: &Origin) -> Option<Finding> {
    if NSG_ONLY_TAGS.iter().any(|t| t.eq_ignore_ascii_case(e)) {
        return None;
    }
    if let Some(tags) = m.tags {
        if tags.contains(e) {
            return None;
        }
        let hint = misspelling_of(rs, e)
            .map(|t| format!("; the rules need {t}"))
            .unwrap_or_default();
        return Some(finding(
            Severity::Error,
            "invalid-tag",
            format!(
                "'{e}' is not a service tag of the Service Tags file ({} cloud, changeNumber {}): Azure refuses the rule{hint}",
                tags.cloud, tags.change_number
            ),
            rule,
        ));
    }
    if builtin_features(rs.settings.cloud, e).is_some() {
        return None;
    }
    misspelling_of(rs, e).map(|t| {
        finding(
            Severity::Error,
            "invalid-tag",
            format!("'{e}' is the document's spelling, not a service tag: Azure's name is {t}"),
            rule,
        )
    })
}

/// The tag the document spells as `e` (its `doc_spelling`, `region` standing for any region).
fn misspelling_of<'r>(rs: &'r RuleSet, e: &str) -> Option<&'r str> {
    rs.rules.iter().find_map(|r| {
        let doc = r.doc_spelling.as_deref()?;
        if !matches!(r.kind, Kind::ServiceTag | Kind::Inbound | Kind::Route)
            || doc.eq_ignore_ascii_case(&r.remote)
        {
            return None;
        }
        let same = match (doc.split_once('.'), e.split_once('.')) {
            (Some((db, dr)), Some((eb, _))) if dr.to_ascii_lowercase().contains("region") => {
                db.eq_ignore_ascii_case(eb)
            }
            _ => doc.eq_ignore_ascii_case(e),
        };
        (same && !e.eq_ignore_ascii_case(&r.remote)).then_some(&*r.remote)
    })
}

/// Why the remote-end entry `e` is wider than a requirement needs; `field` names it
/// (`destination` of an outbound rule, `source` of an inbound NSG rule).
fn wide_destination(e: &str, field: &str) -> Option<String> {
    if is_any(e) {
        Some(format!("any {field}"))
    } else if e.eq_ignore_ascii_case("Internet") {
        Some("the whole Internet".into())
    } else if e.eq_ignore_ascii_case("AzureCloud")
        || e.to_ascii_lowercase().starts_with("azurecloud.")
    {
        Some("every Azure address (AzureCloud), where one service tag is needed".into())
    } else {
        None
    }
}

/// A rule that sets fields the audit does not evaluate (IP groups' addresses are not in the
/// input; FQDN tags, web categories and URLs stand for host lists only Azure knows). A deny
/// through them may block a requirement unseen, so it warns; an allow through them is only
/// not counted, so it notes.
fn unread_finding(r: &FwRule, action: Action) -> Finding {
    let fields = r.unread.join(", ");
    let (severity, effect) = match action {
        Action::Deny => (
            Severity::Warning,
            "a deny through them may block what the workspace needs without the audit seeing it",
        ),
        Action::Allow => (
            Severity::Note,
            "what it allows through them is not counted, so a requirement it allows may show as missing",
        ),
    };
    finding(
        severity,
        "not-read",
        format!(
            "{} uses {fields}, which amlfw does not read: {effect}",
            r.origin.name
        ),
        &r.origin,
    )
}

/// Checks of an allow rule's parts that do not depend on a requirement.
struct RuleView<'a> {
    origin: &'a Origin,
    /// The compute side: sources of outbound rules, destinations of inbound NSG rules.
    sources: &'a [String],
    /// `source` or `destination`: which field `sources` is.
    local_field: &'static str,
    /// The remote end: destinations of outbound rules, sources of inbound NSG rules.
    destinations: &'a [String],
    /// `destination` or `source`: which field `destinations` is.
    remote_field: &'static str,
    hosts: &'a [String],
    ports: &'a [PortRange],
}

fn wide_findings(
    rs: &RuleSet,
    v: &RuleView,
    any_port_users: &[&Origin],
    any_source: &mut usize,
    out: &mut Vec<Finding>,
) {
    if v.ports.iter().any(|p| interval(*p) == (1, 65535)) && !any_port_users.contains(&v.origin) {
        out.push(finding(
            Severity::Warning,
            "any-port",
            format!(
                "{} allows every port; no requirement it covers needs more than named ports",
                v.origin.name
            ),
            v.origin,
        ));
    }
    for d in v.destinations {
        if let Some(why) = wide_destination(d, v.remote_field) {
            out.push(finding(
                Severity::Warning,
                "wide-destination",
                format!("{} allows the {} {d}: {why}", v.origin.name, v.remote_field),
                v.origin,
            ));
        }
    }
    for h in v.hosts {
        if h == "*" {
            out.push(finding(
                Severity::Warning,
                "any-host",
                format!("{} allows the host name * (every host)", v.origin.name),
                v.origin,
            ));
        } else if h.starts_with('*') && !h.starts_with("*.") {
            out.push(finding(
                Severity::Warning,
                "look-alike-wildcard",
                format!(
                    "{} allows {h}, which also matches look-alike domains such as evil{}: write *.{} and {} instead",
                    v.origin.name,
                    &h[1..],
                    &h[1..],
                    &h[1..]
                ),
                v.origin,
            ));
        }
    }
    if v.sources.iter().any(|s| is_any(s)) {
        // Without the profile's sources there is nothing to compare with: one note for all.
        if rs.settings.sources.is_empty() {
            *any_source += 1;
        } else {
            out.push(finding(
                Severity::Warning,
                "any-source",
                format!(
                    "{} allows any address on the compute side ({} *): the profile needs only its sources",
                    v.origin.name, v.local_field
                ),
                v.origin,
            ));
        }
    }
}

pub(crate) fn input_findings(
    rs: &RuleSet,
    net: &Network,
    m: &Matcher,
    dns_proxy: bool,
    any_port_users: &[&Origin],
    out: &mut Vec<Finding>,
) {
    let dns = net.dns_proxy();
    let mut any_source = 0usize;
    for c in &net.collections {
        for r in &c.rules {
            for e in r.addresses.iter().filter(|e| is_tag_entry(e)) {
                out.extend(tag_name_finding(rs, m, e, &r.origin));
            }
            if c.kind == CollectionKind::Network && !r.fqdns.is_empty() {
                let hosts = r.fqdns.join(", ");
                match dns {
                    Some(d) if d.enabled => {}
                    Some(d) => out.push(finding(
                        Severity::Error,
                        "host-in-network-rule",
                        format!("{} names host names ({hosts}) in a network rule, but DNS proxy is off ({} {}): Azure rejects the whole rule collection group", r.origin.name, d.origin.collection, d.origin.name),
                        &r.origin,
                    )),
                    None => out.push(finding(
                        if dns_proxy { Severity::Note } else { Severity::Warning },
                        "host-in-network-rule",
                        format!("{} names host names ({hosts}) in a network rule: this needs the Firewall Policy's DNS proxy, and the input has no policy to check it (add the output of az network firewall policy show)", r.origin.name),
                        &r.origin,
                    )),
                }
            }
            if !r.unread.is_empty() && c.kind != CollectionKind::Nat {
                out.push(unread_finding(r, c.action));
            }
            if c.action == Action::Allow && c.kind != CollectionKind::Nat {
                let view = RuleView {
                    origin: &r.origin,
                    sources: &r.sources,
                    local_field: "source",
                    destinations: &r.addresses,
                    remote_field: "destination",
                    hosts: &r.fqdns,
                    ports: &r.ports,
                };
                wide_findings(rs, &view, any_port_users, &mut any_source, out);
            }
        }
    }
    duplicate_groups(net, out);
    for policy in &net.base_policies {
        out.push(finding(
            Severity::Warning,
            "base-policy",
            format!("Firewall Policy {} inherits the rule collection groups of a parent policy (basePolicy), which Azure evaluates first and the input does not hold: add the parent's `az network firewall policy rule-collection-group list` output", policy.name),
            policy,
        ));
    }
    for nsg in &net.nsgs {
        let mut outbound_deny = false;
        for r in nsg.rules.iter().filter(|r| !r.default) {
            for e in r
                .sources
                .iter()
                .chain(&r.destinations)
                .filter(|e| is_tag_entry(e))
            {
                out.extend(tag_name_finding(rs, m, e, &r.origin));
            }
            if r.action == Action::Deny {
                outbound_deny |= r.direction == NsgDirection::Outbound
                    && r.destinations
                        .iter()
                        .any(|d| is_any(d) || d.eq_ignore_ascii_case("Internet"));
                continue;
            }
            let (local, remote, local_field, remote_field) = match r.direction {
                NsgDirection::Outbound => (&r.sources, &r.destinations, "source", "destination"),
                NsgDirection::Inbound => (&r.destinations, &r.sources, "destination", "source"),
            };
            let view = RuleView {
                origin: &r.origin,
                sources: local,
                local_field,
                destinations: remote,
                remote_field,
                hosts: &[],
                ports: &r.ports,
            };
            wide_findings(rs, &view, any_port_users, &mut any_source, out);
        }
        if !outbound_deny {
            let origin = Origin {
                file: nsg.file.clone(),
                collection: nsg.name.clone(),
                name: "AllowInternetOutBound (default rule)".into(),
            };
            out.push(finding(
                Severity::Warning,
                "outbound-open",
                format!("NSG {} has no outbound deny rule: its default rule AllowInternetOutBound allows all outbound Internet traffic, so it filters nothing outbound", nsg.name),
                &origin,
            ));
        }
    }
    if any_source > 0 {
        out.push(Finding {
            severity: Severity::Note,
            code: "any-source",
            message: format!("{any_source} allow rules take any source; give the profile's sources (--source) to check that they allow only those"),
            rule: None,
            requirement: None,
        });
    }
    for t in &net.route_tables {
        for route in &t.routes {
            if is_tag_entry(&route.prefix) {
                out.extend(tag_name_finding(rs, m, &route.prefix, &route.origin));
            }
        }
    }
}

/// Two rule collection groups of one name in one policy (policy unknown counts as the same):
/// a policy cannot hold both, since deploying one replaces the other, so the audit's view of
/// the two together is no configuration that can exist.
fn duplicate_groups(net: &Network, out: &mut Vec<Finding>) {
    for (i, a) in net.groups.iter().enumerate() {
        let Some(b) = net.groups[i + 1..].iter().find(|b| {
            b.name.eq_ignore_ascii_case(&a.name)
                && (a.policy.is_none() || b.policy.is_none() || a.policy == b.policy)
        }) else {
            continue;
        };
        let policy = a.policy.as_ref().or(b.policy.as_ref());
        let origin = Origin {
            file: b.file.clone(),
            collection: b.name.clone(),
            name: String::new(),
        };
        out.push(finding(
            Severity::Error,
            "duplicate-group",
            format!(
                "rule collection group {} is defined twice ({}, {}){}: one policy holds one group of a name, and deploying either replaces the other, so the two cannot both apply; the audit read both, which no deployed policy matches. Give one, or rename one",
                b.name,
                a.file,
                b.file,
                policy.map(|p| format!(" in Firewall Policy {p}")).unwrap_or_default()
            ),
            &origin,
        ));
    }
}

/// The route table entry a destination prefix `p` takes: the longest prefix containing it.
fn route_for<'t>(routes: &'t [Route], p: &ipnet::IpNet) -> Option<&'t Route> {
    routes
        .iter()
        .filter_map(|r| {
            ip_net(&r.prefix)
                .filter(|n| n.contains(p))
                .map(|n| (n.prefix_len(), r))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, r)| r)
}

/// A route requirement: every route table must send the remote end to the next hop.
pub(crate) fn route(
    m: &Matcher,
    net: &Network,
    r: &Rule,
    req: &RequirementRef,
    cannot: Option<String>,
    out: &mut Vec<Finding>,
) -> (Status, Vec<Origin>, Vec<String>) {
    if net.route_tables.is_empty() {
        return (
            Status::NotChecked,
            Vec::new(),
            vec!["no route table in the input".into()],
        );
    }
    let hop = r.next_hop.as_deref().unwrap_or("Internet");
    let mut status = Status::Covered;
    let mut by = Vec::new();
    let mut notes = Vec::new();
    for t in &net.route_tables {
        if let Some(found) = t.routes.iter().find(|x| {
            x.prefix.eq_ignore_ascii_case(&r.remote) && x.next_hop.eq_ignore_ascii_case(hop)
        }) {
            by.push(found.origin.clone());
            continue;
        }
        // The global tag of a regional one: covered, but for every region.
        let global = r.remote.split_once('.').and_then(|(base, _)| {
            t.routes.iter().find(|x| {
                x.prefix.eq_ignore_ascii_case(base) && x.next_hop.eq_ignore_ascii_case(hop)
            })
        });
        if let Some(found) = global {
            by.push(found.origin.clone());
            out.push(Finding {
                severity: Severity::Note,
                code: "covered-wide",
                message: format!(
                    "route table {}: {} is covered, but only by the global tag {} (every region)",
                    t.name, r.remote, found.prefix
                ),
                rule: Some(found.origin.clone()),
                requirement: Some(req.clone()),
            });
            continue;
        }
        // By address: each prefix of the tag (or the CIDR) must take a route to the hop.
        let prefixes = match remote_of(r) {
            Remote::Ip(n) => Some(vec![n]),
            Remote::Tag(tag) => m
                .tags
                .and_then(|x| x.get(tag))
                .and_then(|x| x.aggregated().ok())
                .map(|p| p.iter().collect()),
            Remote::Host(_) => None,
        };
        let Some(prefixes) = prefixes else {
            if t.routes.iter().all(|x| ip_net(&x.prefix).is_some()) && r.expand_prefixes {
                notes.push(format!("route table {}: its routes are addresses: pass --service-tags FILE to compare them with {}", t.name, r.remote));
                if status == Status::Covered {
                    status = Status::NotChecked;
                }
                continue;
            }
            if let Some(reason) = &cannot {
                by_design(t, r, req, reason, &mut status, out, &mut notes);
                continue;
            }
            status = Status::Missing;
            // Without the tag's addresses, a default route to an appliance still catches them.
            let appliance = t.routes.iter().find(|x| {
                matches!(x.prefix.as_str(), "0.0.0.0/0" | "::/0")
                    && x.next_hop.eq_ignore_ascii_case("VirtualAppliance")
            });
            missing_route(
                t.name.as_str(),
                &t.file,
                r,
                req,
                hop,
                appliance,
                out,
                &mut notes,
            );
            continue;
        };
        let taken: Vec<Option<&Route>> = prefixes.iter().map(|p| route_for(&t.routes, p)).collect();
        if taken
            .iter()
            .all(|x| x.is_some_and(|x| x.next_hop.eq_ignore_ascii_case(hop)))
        {
            for x in taken.into_iter().flatten() {
                if !by.contains(&x.origin) {
                    by.push(x.origin.clone());
                }
            }
            continue;
        }
        if let Some(reason) = &cannot {
            by_design(t, r, req, reason, &mut status, out, &mut notes);
            continue;
        }
        status = Status::Missing;
        let appliance = taken
            .iter()
            .flatten()
            .find(|x| x.next_hop.eq_ignore_ascii_case("VirtualAppliance"))
            .copied();
        missing_route(
            t.name.as_str(),
            &t.file,
            r,
            req,
            hop,
            appliance,
            out,
            &mut notes,
        );
    }
    (status, by, notes)
}

/// A route the table cannot hold (a tag route tables refuse): explained, not a gap.
fn by_design(
    t: &RouteTable,
    r: &Rule,
    req: &RequirementRef,
    reason: &str,
    status: &mut Status,
    out: &mut Vec<Finding>,
    notes: &mut Vec<String>,
) {
    if *status == Status::Covered || *status == Status::NotChecked {
        *status = Status::NotCoveredByDesign;
    }
    let table = &t.name;
    notes.push(format!(
        "route table {table}: not covered by design: {reason}"
    ));
    out.push(Finding {
        severity: Severity::Warning,
        code: "not-covered-by-design",
        message: format!(
            "route table {table}: no route {} and route tables cannot hold it: {reason}",
            r.remote
        ),
        // SARIF needs a location for every result: the table's file.
        rule: Some(Origin {
            file: t.file.clone(),
            collection: table.clone(),
            name: String::new(),
        }),
        requirement: Some(req.clone()),
    });
}

#[allow(clippy::too_many_arguments)]
fn missing_route(
    table: &str,
    file: &str,
    r: &Rule,
    req: &RequirementRef,
    hop: &str,
    appliance: Option<&Route>,
    out: &mut Vec<Finding>,
    notes: &mut Vec<String>,
) {
    notes.push(format!(
        "route table {table}: no route {} -> {hop}",
        r.remote
    ));
    let (code, message, origin) = match appliance {
        Some(a) => (
            "route-through-firewall",
            format!("route table {table}: {} has no route to {hop}, so the route {} ({} -> VirtualAppliance) sends the compute's replies to this inbound management traffic through the firewall, which drops them (asymmetric routing)", r.remote, a.origin.name, a.prefix),
            a.origin.clone(),
        ),
        None => (
            "missing",
            format!("route table {table}: required and missing: route {} -> {hop}", r.remote),
            Origin { file: file.to_string(), collection: table.to_string(), name: String::new() },
        ),
    };
    out.push(Finding {
        severity: Severity::Error,
        code,
        message,
        rule: Some(origin),
        requirement: Some(req.clone()),
    });
}
