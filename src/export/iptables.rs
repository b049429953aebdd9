//! `iptables-restore` input (target `iptables`, IPv4) and `ip6tables-restore` input (target
//! `ip6tables`, IPv6): one file per tool, each loaded whole with `--noflush`.
//!
//! One file per family, not one file with two parts: a restore file declares its chains
//! (`:AML-OUT - [0:0]`), and with `--noflush` each declaration flushes the chain. Loading a
//! combined file whole made the IPv6 part's declarations flush what the IPv4 part had just
//! added (and `--test` did not notice), so the chains ended up empty.
//!
//! iptables matches addresses, not names, so every service tag is expanded from Microsoft's
//! Service Tags file into its prefixes: one plain `-A` rule per source, prefix and port match,
//! in dedicated chains the admin hooks where they choose. Host-name requirements cannot be
//! expressed and are listed, loudly, as comments and in `Export::unexpressed`.
//!
//! The planning part (`plan`, `L4`, `Local`) is shared with the nftables target.

use super::naming::{prefix_note, safe_id, safe_prefix};
use super::text::{comment_block as comments, one_line};
use super::Target;
use super::{
    header_lines, Export, ExportError, ExportOptions, Exporter, Family, TagsUse, Unexpressed,
};
use crate::model::{Kind, PortRange, PortSpec, Protocol};
use crate::rules::{Rule, RuleSet};
use crate::servicetags::{push_net, Prefixes};
use ipnet::IpNet;

/// The targets of this module.
pub static TARGETS: &[&dyn Exporter] = &[&Iptables(Fam::V4), &Iptables(Fam::V6)];

/// iptables chain names are at most 28 characters (XT_EXTENSION_MAXNAMELEN - 1).
pub const MAX_CHAIN_LEN: usize = 28;

/// `multiport` takes at most 15 ports; a range counts as two.
const MULTIPORT_SLOTS: usize = 15;

// ---- shared with nftables: what becomes an IP rule ------------------------------------------

/// One transport match. `proto: None` is every protocol (and then `ports` is empty); empty
/// `ports` is every port of `proto`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L4 {
    pub proto: Option<&'static str>,
    pub ports: Vec<PortRange>,
}

/// The transport matches of a rule's port specs. `http`/`https` ride on TCP; `any` with a
/// concrete port becomes TCP and UDP (the only protocols with ports); `any:*` is everything.
pub fn l4_matches(specs: &[PortSpec]) -> Vec<L4> {
    if specs
        .iter()
        .any(|s| s.protocol == Protocol::Any && s.ports == PortRange::Any)
    {
        return vec![L4 {
            proto: None,
            ports: Vec::new(),
        }];
    }
    let (mut tcp, mut udp) = (Vec::new(), Vec::new());
    for s in specs {
        let (t, u) = match s.protocol {
            Protocol::Tcp | Protocol::Http | Protocol::Https => (true, false),
            Protocol::Udp => (false, true),
            Protocol::Any => (true, true),
        };
        for (wanted, list) in [(t, &mut tcp), (u, &mut udp)] {
            if wanted && !list.contains(&s.ports) {
                list.push(s.ports);
            }
        }
    }
    [("tcp", tcp), ("udp", udp)]
        .into_iter()
        .filter(|(_, ports)| !ports.is_empty())
        .map(|(proto, ports)| L4 {
            proto: Some(proto),
            ports: if ports.contains(&PortRange::Any) {
                Vec::new()
            } else {
                ports
            },
        })
        .collect()
}

/// The local side (the profile's sources) in one address family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Local {
    /// No sources given: the rules do not restrict the local side (the whole VNet, as the
    /// `VirtualNetwork` tag elsewhere).
    Any,
    /// These (aggregated) networks.
    Nets(Vec<IpNet>),
    /// Sources were given, none in this family: NO rules in this family. Leaving out the
    /// source match instead would allow every address of the family.
    Closed,
}

impl Local {
    /// `[None]` for Any, `[Some(net)...]` for Nets, `[]` for Closed: one entry per rule copy.
    pub fn each(&self) -> Vec<Option<String>> {
        match self {
            Local::Any => vec![None],
            Local::Nets(v) => v.iter().map(|n| Some(n.to_string())).collect(),
            Local::Closed => Vec::new(),
        }
    }
}

/// An address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fam {
    V4,
    V6,
}

impl Fam {
    pub fn other(self) -> Fam {
        match self {
            Fam::V4 => Fam::V6,
            Fam::V6 => Fam::V4,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Fam::V4 => "IPv4",
            Fam::V6 => "IPv6",
        }
    }

    pub fn count(self, p: &Prefixes) -> usize {
        match self {
            Fam::V4 => p.v4.len(),
            Fam::V6 => p.v6.len(),
        }
    }

    /// This family's prefixes of `p`.
    pub fn nets(self, p: &Prefixes) -> Vec<IpNet> {
        match self {
            Fam::V4 => p.v4.iter().map(|n| IpNet::V4(*n)).collect(),
            Fam::V6 => p.v6.iter().map(|n| IpNet::V6(*n)).collect(),
        }
    }

    pub fn prefixes(self, p: &Prefixes) -> Vec<String> {
        match self {
            Fam::V4 => p.v4_strings(),
            Fam::V6 => p.v6_strings(),
        }
    }
}

/// A rule with its remote end expanded into prefixes.
#[derive(Debug, Clone)]
pub struct IpRule<'a> {
    pub rule: &'a Rule,
    /// The tag the prefixes come from, in the file's spelling; `None` for a literal address.
    pub tag: Option<String>,
    pub prefixes: Prefixes,
    pub l4: Vec<L4>,
}

impl IpRule<'_> {
    /// One comment line: id, remote, ports, features, purpose.
    pub fn comment(&self) -> String {
        self.rule.summary()
    }
}

/// Everything an IP-level target needs, decided once.
#[derive(Debug, Clone)]
pub struct IpPlan<'a> {
    pub outbound: Vec<IpRule<'a>>,
    pub inbound: Vec<IpRule<'a>>,
    pub unexpressed: Vec<Unexpressed>,
    pub v4: Local,
    pub v6: Local,
}

impl IpPlan<'_> {
    pub fn local(&self, f: Fam) -> &Local {
        match f {
            Fam::V4 => &self.v4,
            Fam::V6 => &self.v6,
        }
    }
}

/// Expands every service-tag and IP rule of `rules`; what an IP filter cannot match (host
/// names, routes) goes to `unexpressed`. Needs the Service Tags file of the rule set's cloud.
pub fn plan<'a>(
    target: &'static str,
    rules: &'a RuleSet,
    opts: &ExportOptions,
) -> Result<IpPlan<'a>, ExportError> {
    let tags = opts
        .service_tags
        .ok_or_else(|| ExportError::NeedsServiceTags {
            target,
            what: tags_wanted(rules),
        })?;
    tags.check_cloud(rules.settings.cloud)?;
    let (v4, v6) = locals(&rules.settings.sources);
    let mut p = IpPlan {
        outbound: Vec::new(),
        inbound: Vec::new(),
        unexpressed: Vec::new(),
        v4,
        v6,
    };
    for r in &rules.rules {
        let not = |reason: String| Unexpressed {
            rule_id: r.id.to_string(),
            remote: r.remote.to_string(),
            reason,
            partly: false,
        };
        if crate::servicetags::features::is_nsg_only(&r.remote) {
            p.unexpressed
                .push(not(crate::servicetags::features::nsg_only_reason(
                    &r.remote,
                )));
            continue;
        }
        let expanded = match r.kind {
            Kind::ServiceTag | Kind::Inbound => {
                let prefixes = tags.expand([r.remote.as_str()])?;
                Some((tags.get(&r.remote).map(|t| t.name.clone()), prefixes))
            }
            Kind::Network => r.remote.net().map(|n| (None, literal(n))),
            Kind::FqdnApp | Kind::Route => None,
        };
        let Some((tag, prefixes)) = expanded else {
            p.unexpressed.push(not(reason(target, r)));
            continue;
        };
        let l4 = l4_matches(&r.ports);
        if l4.is_empty() {
            p.unexpressed.push(not("the rule names no ports".into()));
            continue;
        }
        let ip = IpRule {
            rule: r,
            tag,
            prefixes,
            l4,
        };
        match r.kind {
            Kind::Inbound => p.inbound.push(ip),
            _ => p.outbound.push(ip),
        }
    }
    Ok(p)
}

/// For the "needs the Service Tags file" error: which tags.
fn tags_wanted(rules: &RuleSet) -> String {
    let mut names: Vec<&str> = Vec::new();
    for r in rules
        .rules
        .iter()
        .filter(|r| matches!(r.kind, Kind::ServiceTag | Kind::Inbound))
    {
        if !names.contains(&r.remote.as_str()) {
            names.push(&r.remote);
        }
    }
    if names.is_empty() {
        "service tags into address prefixes".into()
    } else {
        format!(
            "the service tags {} into address prefixes",
            one_line(&names.join(", "))
        )
    }
}

/// Why an IP filter cannot take this rule.
pub(super) fn reason(target: &str, r: &Rule) -> String {
    match r.kind {
        Kind::Route => "a route, not a filter rule: put it in the subnet's route table (udr-* targets)".into(),
        Kind::Network => format!(
            "a host name: {target} matches IP addresses only; allow it in an FQDN-aware firewall, or resolve it and add the addresses yourself"
        ),
        _ => format!(
            "a host name: {target} matches IP addresses only; allow it in a proxy (amlfw export --target squid) or an FQDN-aware firewall"
        ),
    }
}

/// An IP address or CIDR as prefixes (host bits cleared).
fn literal(net: IpNet) -> Prefixes {
    let mut p = Prefixes::default();
    match net.trunc() {
        IpNet::V4(n) => p.v4.push(n),
        IpNet::V6(n) => p.v6.push(n),
    }
    p
}

/// The sources per family, aggregated (nft interval sets refuse overlapping elements).
fn locals(sources: &[IpNet]) -> (Local, Local) {
    if sources.is_empty() {
        return (Local::Any, Local::Any);
    }
    let p = Prefixes::from_nets(sources);
    let wrap = |v: Vec<IpNet>| {
        if v.is_empty() {
            Local::Closed
        } else {
            Local::Nets(v)
        }
    };
    (
        wrap(p.v4.into_iter().map(IpNet::V4).collect()),
        wrap(p.v6.into_iter().map(IpNet::V6).collect()),
    )
}

/// The comment lines listing what the target leaves out.
pub fn not_covered_lines(target: &str, unexpressed: &[Unexpressed]) -> Vec<String> {
    if unexpressed.is_empty() {
        return Vec::new();
    }
    let mut out = vec![String::new()];
    out.extend(super::listed_lines(
        format!(
            "NOT COVERED by {target} ({} rules): allow these elsewhere or they will be blocked:",
            unexpressed.len()
        ),
        unexpressed,
    ));
    out
}

// ---- iptables ------------------------------------------------------------------------------

/// The `iptables` (IPv4) and `ip6tables` (IPv6) targets.
pub struct Iptables(pub Fam);

/// The two chain names, from the prefix: `AML-OUT`, `AML-IN`.
fn chains(prefix: &str) -> (String, String) {
    let p = safe_prefix(prefix).to_ascii_uppercase();
    let (out, inb) = (format!("{p}-OUT"), format!("{p}-IN"));
    // safe_prefix keeps at most 20 characters, so this always holds.
    assert!(out.len() <= MAX_CHAIN_LEN && inb.len() <= MAX_CHAIN_LEN);
    (out, inb)
}

fn usage(fam: Fam, out: &str, inb: &str, sources: &str) -> Vec<String> {
    let tool = restore_tool(fam);
    vec![
        String::new(),
        format!("HOW TO LOAD ({} only): {tool} --noflush < FILE", fam.label()),
        format!("  ALWAYS pass --noflush: without it {tool} REPLACES your whole filter table."),
        format!("  With --noflush, reloading flushes and refills only {out} and {inb}, atomically."),
        format!(
            "  The {} rules are in the {} export (amlfw export --target {}).",
            fam.other().label(),
            Iptables(fam.other()).id(),
            Iptables(fam.other()).id()
        ),
        String::new(),
        format!("{out}: outbound from the workspace subnets ({sources}); {inb}: inbound to them."),
        "The chains only ACCEPT; unmatched packets return to the caller. Hooking them is your choice,".into(),
        format!("e.g. '-A FORWARD -j {out}' and '-A FORWARD -j {inb}' on a gateway, or OUTPUT/INPUT on a"),
        "host, followed by your own DROP for these subnets. Replies need your usual".into(),
        "'-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT'. Thousands of prefixes mean thousands".into(),
        "of linear rules here: the nftables target keeps them in sets.".into(),
    ]
}

fn restore_tool(fam: Fam) -> &'static str {
    match fam {
        Fam::V4 => "iptables-restore",
        Fam::V6 => "ip6tables-restore",
    }
}

/// iptables match arguments for one transport match; several when multiport must be split.
fn ipt_l4(m: &L4) -> Vec<String> {
    let Some(proto) = m.proto else {
        return vec![String::new()];
    };
    let port = |p: &PortRange| match p {
        PortRange::Single(n) => n.to_string(),
        PortRange::Range(a, b) => format!("{a}:{b}"),
        PortRange::Any => unreachable!("every-port is an empty list"),
    };
    match m.ports.as_slice() {
        [] => vec![format!(" -p {proto}")],
        [one] => vec![format!(" -p {proto} --dport {}", port(one))],
        many => {
            let mut out = Vec::new();
            let (mut chunk, mut slots) = (Vec::new(), 0);
            for p in many {
                let need = if matches!(p, PortRange::Range(..)) {
                    2
                } else {
                    1
                };
                if slots + need > MULTIPORT_SLOTS {
                    out.push(std::mem::take(&mut chunk).join(","));
                    slots = 0;
                }
                chunk.push(port(p));
                slots += need;
            }
            out.push(chunk.join(","));
            out.into_iter()
                .map(|c| format!(" -p {proto} -m multiport --dports {c}"))
                .collect()
        }
    }
}

/// The `-A` lines of one rule in one family.
fn ipt_rule(t: &mut String, chain: &str, ip: &IpRule, local: &Local, fam: Fam, inbound: bool) {
    t.push_str(&comments("#", &[ip.comment()]));
    // The prefixes as text, in one buffer: no string per prefix (a big tag has thousands).
    let mut text = String::with_capacity(fam.count(&ip.prefixes) * 20);
    let mut ends = Vec::with_capacity(fam.count(&ip.prefixes));
    for net in fam.nets(&ip.prefixes) {
        push_net(&mut text, &net);
        ends.push(text.len());
    }
    let remotes: Vec<&str> = ends
        .iter()
        .scan(0, |start, &end| {
            let s = &text[*start..end];
            *start = end;
            Some(s)
        })
        .collect();
    if remotes.is_empty() {
        t.push_str(&comments(
            "#",
            &[format!("  (no {} prefixes)", fam.label())],
        ));
    }
    // One line per (local, remote, port match): thousands for a big tag, so the fixed parts
    // are built once and each line is plain appends.
    let tail = format!(" -m comment --comment {} -j ACCEPT\n", safe_id(&ip.rule.id));
    let l4 = ipt_l4_all(&ip.l4);
    let head = format!("-A {chain}");
    for l in local.each() {
        for r in &remotes {
            let (src, dst) = if inbound {
                (Some(*r), l.as_deref())
            } else {
                (l.as_deref(), Some(*r))
            };
            for m in &l4 {
                t.push_str(&head);
                if let Some(s) = src {
                    t.push_str(" -s ");
                    t.push_str(s);
                }
                if let Some(d) = dst {
                    t.push_str(" -d ");
                    t.push_str(d);
                }
                t.push_str(m);
                t.push_str(&tail);
            }
        }
    }
}

fn ipt_l4_all(l4: &[L4]) -> Vec<String> {
    l4.iter().flat_map(ipt_l4).collect()
}

/// One family's restore input, appended to `t`.
fn ipt_part(t: &mut String, plan: &IpPlan, fam: Fam, out: &str, inb: &str) {
    t.push_str(&format!("*filter\n:{out} - [0:0]\n:{inb} - [0:0]\n"));
    let local = plan.local(fam);
    if *local == Local::Closed {
        t.push_str(&comments("#", &[format!(
            "No {} rules: every source in the profile is {}. An empty source match would allow every {} address.",
            fam.label(),
            fam.other().label(),
            fam.label()
        )]));
    } else {
        // About 128 bytes a line: reserved once instead of growing a megabyte by doubling.
        let lines: usize = plan
            .outbound
            .iter()
            .chain(&plan.inbound)
            .map(|ip| fam.count(&ip.prefixes) * ip.l4.len())
            .sum();
        t.reserve(lines * local.each().len().max(1) * 128);
        for ip in &plan.outbound {
            ipt_rule(t, out, ip, local, fam, false);
        }
        for ip in &plan.inbound {
            ipt_rule(t, inb, ip, local, fam, true);
        }
    }
    t.push_str("COMMIT\n");
}

/// The sources for the usage notes.
pub fn sources_label(rules: &RuleSet) -> String {
    if rules.settings.sources.is_empty() {
        "no sources given: any local address".into()
    } else {
        rules
            .settings
            .sources
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The declaration of the `iptables` target.
pub const IPTABLES: Target = Target {
    id: "iptables",
    name: "iptables-restore (IPv4)",
    family: Family::Generic,
    extension: "rules",
    can: "IPv4: service tags (expanded to prefixes) and IP rules, inbound and outbound, in chains you hook",
    cannot: "host names (FQDN rules), routes; IPv6 (see ip6tables)",
    tags_use: TagsUse::Required,
    expresses: super::ADDRESS_FILTER,
    refuse: Some(|r| reason("iptables", r)),
};

/// The declaration of the `ip6tables` target.
pub const IP6TABLES: Target = Target {
    id: "ip6tables",
    name: "ip6tables-restore (IPv6)",
    family: Family::Generic,
    extension: "rules6",
    can: "IPv6: service tags (expanded to prefixes) and IP rules, inbound and outbound, in chains you hook",
    cannot: "host names (FQDN rules), routes; IPv4 (see iptables)",
    tags_use: TagsUse::Required,
    expresses: super::ADDRESS_FILTER,
    refuse: Some(|r| reason("ip6tables", r)),
};

impl Exporter for Iptables {
    fn target(&self) -> &'static Target {
        match self.0 {
            Fam::V4 => &IPTABLES,
            Fam::V6 => &IP6TABLES,
        }
    }
    fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
        let plan = plan(self.id(), rules, opts)?;
        let (out, inb) = chains(&rules.settings.name_prefix);
        let mut head = header_lines(rules, self, opts, &plan.unexpressed);
        head.extend(prefix_note(&rules.settings.name_prefix));
        head.extend(usage(self.0, &out, &inb, &sources_label(rules)));
        head.extend(not_covered_lines(self.id(), &plan.unexpressed));
        let mut t = comments("#", &head);
        ipt_part(&mut t, &plan, self.0, &out, &inb);
        Ok(Export::new(t, plan.unexpressed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(s: &[&str]) -> Vec<PortSpec> {
        s.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn transport_matches() {
        assert_eq!(
            l4_matches(&specs(&["any:*", "tcp:443"])),
            [L4 {
                proto: None,
                ports: vec![]
            }]
        );
        let m = l4_matches(&specs(&["any:22"]));
        assert_eq!(
            m.iter().map(|m| m.proto).collect::<Vec<_>>(),
            [Some("tcp"), Some("udp")]
        );
        let m = l4_matches(&specs(&["https:443", "http:80", "tcp:*"]));
        assert_eq!(
            m,
            [L4 {
                proto: Some("tcp"),
                ports: vec![]
            }]
        );
    }

    #[test]
    fn multiport_is_split_at_fifteen_slots() {
        let ports: Vec<PortRange> = (1..=10)
            .map(|i| PortRange::Range(i * 100, i * 100 + 1))
            .collect();
        let lines = ipt_l4(&L4 {
            proto: Some("tcp"),
            ports,
        });
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].ends_with("700:701"), "{lines:?}");
        assert_eq!(
            ipt_l4(&L4 {
                proto: Some("udp"),
                ports: vec![PortRange::Range(5, 6)]
            }),
            [" -p udp --dport 5:6"]
        );
    }

    #[test]
    fn prefixes_and_ids_are_made_safe() {
        assert_eq!(safe_prefix("aml"), "aml");
        assert_eq!(safe_prefix("a\n-A INPUT -j ACCEPT"), "a-AINPUT-jACCEPT");
        assert_eq!(safe_prefix("$(x)"), "x");
        assert_eq!(safe_prefix("1-a"), "x1-a");
        assert_eq!(safe_prefix(""), "x");
        assert_eq!(safe_id("a b\"c"), "a_b_c");
    }
}
