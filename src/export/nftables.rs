//! An `nft -f` file: one `inet` table with a named interval set per service tag and family,
//! and two regular chains that accept by set, protocol and ports.
//!
//! The rules are planned by `iptables::plan` (same expansion, same v4/v6 source policy); this
//! module only spells them. Sets hold the aggregated prefixes of ONE tag each: aggregation
//! leaves no overlap inside a set, which nft interval sets require; different tags may
//! overlap freely because they live in different sets.

use super::iptables::{not_covered_lines, plan, Fam, IpPlan, IpRule, Local, L4};
use super::naming::{prefix_note, safe_id, safe_prefix};
use super::text::comment_block as comments;
use super::Target;
use super::{header_lines, Export, ExportError, ExportOptions, Exporter, Family, TagsUse};
use crate::model::PortRange;
use crate::rules::RuleSet;

/// The targets of this module.
pub static TARGETS: &[&dyn Exporter] = &[&Nftables];

pub struct Nftables;

/// Table and chain names from the prefix. A bare prefix could be an nft keyword (`ip`, `tcp`,
/// `filter` are all refused as table names, and nft takes no quoted names there), so every
/// name carries a fixed part; the lexer's longest match then always sees an identifier.
struct Names {
    table: String,
    out: String,
    inb: String,
}

fn names(prefix: &str) -> Names {
    let p = safe_prefix(prefix);
    Names {
        table: format!("amlfw_{p}"),
        out: format!("{p}_out"),
        inb: format!("{p}_in"),
    }
}

/// One named set.
struct NftSet {
    name: String,
    fam: Fam,
    elements: Vec<String>,
}

/// Set names per tag: `tag_<tag in lowercase, [a-z0-9_] only>`, made unique.
struct SetNames {
    known: Vec<(String, String)>,
}

impl SetNames {
    fn base(&mut self, tag: &str) -> String {
        let key = tag.to_ascii_lowercase();
        if let Some((_, b)) = self.known.iter().find(|(k, _)| *k == key) {
            return b.clone();
        }
        let clean: String = key
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let mut base = format!("tag_{clean}");
        let mut n = 2;
        while self.known.iter().any(|(_, b)| *b == base) {
            base = format!("tag_{clean}_{n}");
            n += 1;
        }
        self.known.push((key, base.clone()));
        base
    }
}

fn fam_suffix(f: Fam) -> &'static str {
    match f {
        Fam::V4 => "v4",
        Fam::V6 => "v6",
    }
}

fn fam_kw(f: Fam) -> &'static str {
    match f {
        Fam::V4 => "ip",
        Fam::V6 => "ip6",
    }
}

/// A rule's remote end in one family: a set reference, a literal, or nothing to match.
fn remote_ref(ip: &IpRule, f: Fam, sets: &mut SetNames, out: &mut Vec<NftSet>) -> Option<String> {
    let elements = f.prefixes(&ip.prefixes);
    match (&ip.tag, elements.len()) {
        (_, 0) => None,
        (None, 1) => Some(elements[0].clone()),
        (None, _) => Some(format!("{{ {} }}", elements.join(", "))),
        (Some(tag), _) => {
            let name = format!("{}_{}", sets.base(tag), fam_suffix(f));
            if !out.iter().any(|s| s.name == name) {
                out.push(NftSet {
                    name: name.clone(),
                    fam: f,
                    elements,
                });
            }
            Some(format!("@{name}"))
        }
    }
}

/// nft match text for one transport match.
fn nft_l4(m: &L4) -> String {
    let Some(proto) = m.proto else {
        return String::new();
    };
    let port = |p: &PortRange| match p {
        PortRange::Single(n) => n.to_string(),
        PortRange::Range(a, b) => format!("{a}-{b}"),
        PortRange::Any => unreachable!("every-port is an empty list"),
    };
    match m.ports.as_slice() {
        [] => format!(" meta l4proto {proto}"),
        [one] => format!(" {proto} dport {}", port(one)),
        many => format!(
            " {proto} dport {{ {} }}",
            many.iter().map(port).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// The rule lines (with their comment) of one rule, both families.
fn chain_rules(
    plan: &IpPlan,
    rules: &[IpRule],
    inbound: bool,
    sets: &mut SetNames,
    out: &mut Vec<NftSet>,
) -> String {
    let mut t = String::new();
    for ip in rules {
        t.push_str(&comments("\t\t#", &[ip.comment()]));
        for f in [Fam::V4, Fam::V6] {
            let local = match plan.local(f) {
                Local::Closed => continue,
                Local::Any => None,
                Local::Nets(_) => Some(format!("@src_{}", fam_suffix(f))),
            };
            let Some(remote) = remote_ref(ip, f, sets, out) else {
                continue;
            };
            let (s, d) = if inbound {
                (Some(remote), local)
            } else {
                (local, Some(remote))
            };
            let kw = fam_kw(f);
            let s = s.map(|s| format!(" {kw} saddr {s}")).unwrap_or_default();
            let d = d.map(|d| format!(" {kw} daddr {d}")).unwrap_or_default();
            let id = safe_id(&ip.rule.id);
            for m in &ip.l4 {
                let body = format!("{s}{d}{} accept", nft_l4(m));
                t.push_str(&format!("\t\t{} comment \"{id}\"\n", body.trim_start()));
            }
        }
    }
    t
}

/// The sets of the profile's sources.
fn source_sets(plan: &IpPlan) -> Vec<NftSet> {
    [Fam::V4, Fam::V6]
        .into_iter()
        .filter_map(|f| match plan.local(f) {
            Local::Nets(v) => Some(NftSet {
                name: format!("src_{}", fam_suffix(f)),
                fam: f,
                elements: v.iter().map(|n| n.to_string()).collect(),
            }),
            _ => None,
        })
        .collect()
}

fn set_type(f: Fam) -> &'static str {
    match f {
        Fam::V4 => "ipv4_addr",
        Fam::V6 => "ipv6_addr",
    }
}

fn set_full(s: &NftSet) -> String {
    let mut t = format!(
        "\tset {} {{\n\t\ttype {}\n\t\tflags interval\n\t\telements = {{\n",
        s.name,
        set_type(s.fam)
    );
    t.reserve(s.elements.iter().map(|e| e.len() + 5).sum());
    for e in &s.elements {
        t.push_str("\t\t\t");
        t.push_str(e);
        t.push_str(",\n");
    }
    t.push_str("\t\t}\n\t}\n");
    t
}

fn closed_notes(plan: &IpPlan) -> Vec<String> {
    [(Fam::V4, Fam::V6), (Fam::V6, Fam::V4)]
        .into_iter()
        .filter(|(f, _)| *plan.local(*f) == Local::Closed)
        .map(|(f, other)| {
            format!(
                "No {} rules: every source in the profile is {}. An empty source match would allow every {} address.",
                f.label(),
                other.label(),
                f.label()
            )
        })
        .collect()
}

fn usage(n: &Names, sources: &str) -> Vec<String> {
    let (t, o, i) = (&n.table, &n.out, &n.inb);
    vec![
        String::new(),
        "HOW TO LOAD: nft -f FILE (check first: nft -c -f FILE). Loading is atomic and can be"
            .into(),
        format!(
            "repeated: it creates table inet {t} if missing, then flushes and refills only its"
        ),
        format!("own sets and the chains {o} and {i}; chains you added to the table stay."),
        format!("Remove it all with: nft delete table inet {t}"),
        String::new(),
        format!("{o}: outbound from the workspace subnets ({sources}); {i}: inbound to them."),
        "The chains only accept; unmatched packets return. Hooking them is your choice. nft cannot"
            .into(),
        "jump across tables, and an accept in one table does not undo a drop in another, so hook"
            .into(),
        "them from a base chain in THIS table, in a file of yours that includes this one, e.g.:"
            .into(),
        "  include \"/etc/nftables.d/amlfw.nft\"".into(),
        format!("  table inet {t} {{"),
        "    chain forward {".into(),
        "      type filter hook forward priority filter; policy accept;".into(),
        "      ct state established,related accept".into(),
        format!("      jump {o}"),
        format!("      jump {i}"),
        "      ... your drop for the workspace subnets ...".into(),
        "    }".into(),
        "  }".into(),
    ]
}

/// The declaration of the `nftables` target.
pub const NFTABLES: Target = Target {
    id: "nftables",
    name: "nftables (nft -f, inet table with sets)",
    family: Family::Generic,
    extension: "nft",
    can: "service tags (as prefix sets) and IP rules, inbound and outbound, in chains you hook",
    cannot: "host names (FQDN rules), routes",
    tags_use: TagsUse::Required,
    expresses: super::ADDRESS_FILTER,
    refuse: Some(|r| super::iptables::reason("nftables", r)),
};

impl Exporter for Nftables {
    fn target(&self) -> &'static Target {
        &NFTABLES
    }
    fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
        let plan = plan(self.id(), rules, opts)?;
        let n = names(&rules.settings.name_prefix);
        let mut sets = source_sets(&plan);
        let mut set_names = SetNames { known: Vec::new() };
        let out_rules = chain_rules(&plan, &plan.outbound, false, &mut set_names, &mut sets);
        let in_rules = chain_rules(&plan, &plan.inbound, true, &mut set_names, &mut sets);

        let mut head = header_lines(rules, self, opts, &plan.unexpressed);
        head.extend(prefix_note(&rules.settings.name_prefix));
        head.extend(usage(&n, &super::iptables::sources_label(rules)));
        head.extend(not_covered_lines(self.id(), &plan.unexpressed));
        let mut t = comments("#", &head);

        // 1. Declare everything (a no-op for what exists), 2. flush only what is ours,
        // 3. fill. All in one transaction.
        t.push_str(&format!("\ntable inet {} {{\n", n.table));
        for s in &sets {
            t.push_str(&format!(
                "\tset {} {{ type {}; flags interval; }}\n",
                s.name,
                set_type(s.fam)
            ));
        }
        t.push_str(&format!(
            "\tchain {} {{\n\t}}\n\tchain {} {{\n\t}}\n}}\n",
            n.out, n.inb
        ));
        for c in [&n.out, &n.inb] {
            t.push_str(&format!("flush chain inet {} {c}\n", n.table));
        }
        for s in &sets {
            t.push_str(&format!("flush set inet {} {}\n", n.table, s.name));
        }
        t.push_str(&format!("\ntable inet {} {{\n", n.table));
        for s in &sets {
            t.push_str(&set_full(s));
        }
        t.push_str(&format!("\tchain {} {{\n", n.out));
        t.push_str(&comments("\t\t#", &closed_notes(&plan)));
        t.push_str(&out_rules);
        t.push_str(&format!("\t}}\n\tchain {} {{\n", n.inb));
        t.push_str(&in_rules);
        t.push_str("\t}\n}\n");
        Ok(Export::new(t, plan.unexpressed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_matches_in_nft_syntax() {
        let tcp = |ports| L4 {
            proto: Some("tcp"),
            ports,
        };
        assert_eq!(
            nft_l4(&L4 {
                proto: None,
                ports: vec![]
            }),
            ""
        );
        assert_eq!(nft_l4(&tcp(vec![])), " meta l4proto tcp");
        assert_eq!(
            nft_l4(&tcp(vec![PortRange::Range(29876, 29877)])),
            " tcp dport 29876-29877"
        );
        assert_eq!(
            nft_l4(&tcp(vec![PortRange::Single(443), PortRange::Single(80)])),
            " tcp dport { 443, 80 }"
        );
    }

    #[test]
    fn set_names_are_unique_and_plain() {
        let mut s = SetNames { known: Vec::new() };
        assert_eq!(s.base("Storage.EastUS2"), "tag_storage_eastus2");
        assert_eq!(s.base("storage.eastus2"), "tag_storage_eastus2");
        assert_eq!(s.base("Storage_EastUS2"), "tag_storage_eastus2_2");
        assert_eq!(s.base("a\"; drop"), "tag_a___drop");
    }
}
