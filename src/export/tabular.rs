//! Generic, tool-neutral formats: CSV, JSON, Markdown and a plain host list.
//! The JSON model here is also what `amlfw rules --format json` prints.

use super::text::{md_cell, push_csv_field};
use super::Target;
use super::{header_lines, Export, ExportError, ExportOptions, Exporter, Family, TagsUse};
use crate::model::{Direction, Kind};
use crate::rules::{Reference, Rule, RuleSet, Settings, Warning};
use crate::servicetags::{push_net, TagIndex};
use ipnet::{Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

/// The generic targets of this module.
pub static TARGETS: &[&dyn Exporter] = &[&Csv, &Json, &Markdown, &Hosts];

/// The JSON document: the rule set with every field spelled out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonRuleSet {
    pub generator: String,
    pub cloud: String,
    pub region: String,
    pub region_display_name: String,
    pub paired_region: Option<String>,
    pub edition: String,
    pub features: Vec<String>,
    pub sources: Vec<String>,
    pub inbound_routes: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tags_change_number: Option<u64>,
    pub rules: Vec<JsonRule>,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonRule {
    pub id: String,
    pub requirements: Vec<String>,
    pub kind: Kind,
    pub direction: Direction,
    /// The distinct protocols of `port_specs`, comma-separated (e.g. `https,http`).
    pub protocol: String,
    /// The ports of `port_specs`, in the same order.
    pub ports: Vec<String>,
    /// Exact protocol:ports pairs, e.g. `https:443`.
    pub port_specs: Vec<String>,
    pub source: Vec<String>,
    pub destination: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_hop: Option<String>,
    /// Routes in ip-prefixes mode: one route per prefix of the destination tag.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expand_prefixes: bool,
    pub features: Vec<String>,
    pub always: bool,
    pub purpose: String,
    pub reference: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_spelling: Option<String>,
    /// With a Service Tags file: the aggregated prefixes of a service-tag end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefixes: Option<JsonPrefixes>,
}

/// Written as CIDR strings, aggregated and sorted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonPrefixes {
    #[serde(with = "cidr_list")]
    pub ipv4: Vec<Ipv4Net>,
    #[serde(with = "cidr_list")]
    pub ipv6: Vec<Ipv6Net>,
}

/// Prefix lists as JSON arrays of strings. Written through one reused buffer: a big tag has
/// thousands of prefixes, and a `String` for each was half the time of the JSON export.
mod cidr_list {
    use crate::servicetags::{push_v4net, push_v6net};
    use ipnet::{Ipv4Net, Ipv6Net};
    use serde::de::Error as _;
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::str::FromStr;

    pub trait Cidr: FromStr {
        fn push(&self, out: &mut String);
    }

    impl Cidr for Ipv4Net {
        fn push(&self, out: &mut String) {
            push_v4net(out, self);
        }
    }

    impl Cidr for Ipv6Net {
        fn push(&self, out: &mut String) {
            push_v6net(out, self);
        }
    }

    pub fn serialize<T: Cidr, S: Serializer>(nets: &[T], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(nets.len()))?;
        let mut text = String::with_capacity(48);
        for net in nets {
            text.clear();
            net.push(&mut text);
            seq.serialize_element(text.as_str())?;
        }
        seq.end()
    }

    pub fn deserialize<'de, T: Cidr, D: Deserializer<'de>>(d: D) -> Result<Vec<T>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|t| {
                t.parse()
                    .map_err(|_| D::Error::custom(format!("invalid address prefix '{t}'")))
            })
            .collect()
    }
}

/// The subnet side of a rule: the profile's sources, else the `VirtualNetwork` tag.
pub fn local_side(s: &Settings) -> Vec<String> {
    super::azure::local_side(s, "VirtualNetwork")
}

/// (source, destination) of a rule, as lists.
pub fn endpoints(rule: &Rule, s: &Settings) -> (Vec<String>, Vec<String>) {
    match rule.kind.direction() {
        Direction::Outbound => (local_side(s), vec![rule.remote.to_string()]),
        Direction::Inbound => (vec![rule.remote.to_string()], local_side(s)),
        Direction::Route => (Vec::new(), vec![rule.remote.to_string()]),
    }
}

/// Whether the rule's remote end is a service tag with prefixes in the file (an NSG-only tag
/// such as `VirtualNetwork` has none).
pub fn remote_is_tag(rule: &Rule) -> bool {
    rule.remote.is_tag() && !crate::servicetags::features::is_nsg_only(&rule.remote)
}

fn prefixes_of(rule: &Rule, tags: Option<&TagIndex>) -> Result<Option<JsonPrefixes>, ExportError> {
    let Some(tags) = tags else { return Ok(None) };
    if !remote_is_tag(rule) {
        return Ok(None);
    }
    let p = tags.expand([rule.remote.as_str()])?;
    Ok(Some(JsonPrefixes {
        ipv4: p.v4,
        ipv6: p.v6,
    }))
}

fn check_cloud(rules: &RuleSet, opts: &ExportOptions) -> Result<(), ExportError> {
    if let Some(t) = opts.service_tags {
        t.check_cloud(rules.settings.cloud)?;
    }
    Ok(())
}

impl JsonRuleSet {
    pub fn build(rules: &RuleSet, tags: Option<&TagIndex>) -> Result<JsonRuleSet, ExportError> {
        let s = &rules.settings;
        let mut out = Vec::with_capacity(rules.rules.len());
        for r in &rules.rules {
            let (source, destination) = endpoints(r, s);
            let mut protocols: Vec<&str> = Vec::new();
            for p in r.ports.iter() {
                if !protocols.contains(&p.protocol.id()) {
                    protocols.push(p.protocol.id());
                }
            }
            out.push(JsonRule {
                id: r.id.to_string(),
                requirements: r.requirements.iter().map(|x| x.to_string()).collect(),
                kind: r.kind,
                direction: r.direction(),
                protocol: protocols.join(","),
                ports: r.ports.iter().map(|p| p.ports.to_string()).collect(),
                port_specs: r.ports.iter().map(|p| p.to_string()).collect(),
                source,
                destination,
                path: r.path.as_deref().map(String::from),
                next_hop: r.next_hop.as_deref().map(String::from),
                expand_prefixes: r.expand_prefixes,
                features: r.features.iter().map(|f| f.to_string()).collect(),
                always: r.always,
                purpose: r.purpose.to_string(),
                reference: r.references.iter().map(|x| (**x).clone()).collect(),
                doc_spelling: r.doc_spelling.as_deref().map(String::from),
                prefixes: prefixes_of(r, tags)?,
            });
        }
        Ok(JsonRuleSet {
            generator: format!("amlfw {}", crate::VERSION),
            cloud: s.cloud.id().to_string(),
            region: s.region.name.clone(),
            region_display_name: s.region.display_name.clone(),
            paired_region: s.paired.as_ref().map(|p| p.name.clone()),
            edition: s.edition.clone(),
            features: s.features.iter().map(|f| f.to_string()).collect(),
            sources: s.sources.iter().map(|n| n.to_string()).collect(),
            inbound_routes: s.inbound_routes.id().to_string(),
            service_tags_change_number: tags.map(|t| t.change_number),
            rules: out,
            warnings: rules.warnings.clone(),
        })
    }
}

pub struct Json;

/// The declaration of the `json` target.
pub const JSON: Target = Target {
    id: "json",
    name: "JSON (the rule model)",
    family: Family::Generic,
    extension: "json",
    can: "every rule with all its fields; prefixes of tags with --service-tags",
    cannot: "nothing: it is the full model",
    tags_use: TagsUse::Optional,
    expresses: super::EVERY_SHAPE,
    refuse: None,
};

impl Exporter for Json {
    fn target(&self) -> &'static Target {
        &JSON
    }
    fn shows_every_warning(&self) -> bool {
        true
    }
    fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
        check_cloud(rules, opts)?;
        let doc = JsonRuleSet::build(rules, opts.service_tags)?;
        // Sized up front: with prefixes the document is hundreds of kilobytes, and growing it
        // by doubling copied it several times over.
        let prefixes: usize = doc
            .rules
            .iter()
            .filter_map(|r| r.prefixes.as_ref())
            .map(|p| p.ipv4.len() + p.ipv6.len())
            .sum();
        let mut out = Vec::with_capacity(4096 + doc.rules.len() * 1536 + prefixes * 32);
        let mut json = serde_json::Serializer::with_formatter(&mut out, Pretty::default());
        doc.serialize(&mut json)
            .expect("the model always serializes");
        out.push(b'\n');
        let text = String::from_utf8(out).expect("serde_json writes UTF-8");
        Ok(Export::new(text, Vec::new()))
    }
}

/// serde_json's pretty layout (two spaces a level), with each line break and its indentation
/// written in one piece: `PrettyFormatter` writes the indentation one level at a time, five
/// writes for every prefix of a tag. Tested to give the same bytes as `to_string_pretty`.
#[derive(Default)]
pub struct Pretty {
    depth: usize,
    has_value: bool,
}

impl Pretty {
    /// A line break (after a comma unless `first`) and the indentation of `depth`.
    fn line<W: ?Sized + std::io::Write>(
        writer: &mut W,
        first: bool,
        depth: usize,
    ) -> std::io::Result<()> {
        const BREAK: &[u8] = b",\n                                                                ";
        let (start, spaces) = (usize::from(first), 2 * depth);
        if spaces + 2 <= BREAK.len() {
            writer.write_all(&BREAK[start..2 + spaces])
        } else {
            // Deeper than the JSON model ever goes; kept correct anyway.
            writer.write_all(&BREAK[start..2])?;
            writer.write_all(" ".repeat(spaces).as_bytes())
        }
    }

    /// `[` or `{`: one level deeper.
    fn open<W: ?Sized + std::io::Write>(&mut self, w: &mut W, b: &[u8]) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(b)
    }

    /// `]` or `}`, on a line of its own unless the array or object is empty.
    fn close<W: ?Sized + std::io::Write>(&mut self, w: &mut W, b: &[u8]) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            Pretty::line(w, true, self.depth)?;
        }
        w.write_all(b)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        Pretty::line(w, first, self.depth)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        Pretty::line(w, first, self.depth)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

pub const CSV_HEADER: [&str; 14] = [
    "id",
    "kind",
    "direction",
    "protocol",
    "ports",
    "source",
    "destination",
    "path",
    "next_hop",
    "features",
    "purpose",
    "reference",
    "requirements",
    "prefixes",
];

pub struct Csv;

/// The declaration of the `csv` target.
pub const CSV: Target = Target {
    id: "csv",
    name: "CSV (one row per rule)",
    family: Family::Generic,
    extension: "csv",
    can: "every rule, one row each (RFC 4180); prefixes of tags with --service-tags",
    cannot: "comments: the header notes and warnings are only in the other formats",
    tags_use: TagsUse::Optional,
    expresses: super::EVERY_SHAPE,
    refuse: None,
};

impl Exporter for Csv {
    fn target(&self) -> &'static Target {
        &CSV
    }
    fn shows_every_warning(&self) -> bool {
        true
    }
    fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
        check_cloud(rules, opts)?;
        // The prefixes go straight from the file into the field: one string per rule, not one
        // per prefix (a big tag has thousands).
        let doc = JsonRuleSet::build(rules, None)?;
        let mut text = CSV_HEADER.join(",");
        text.push_str("\r\n");
        let mut prefixes = String::new();
        for (r, rule) in doc.rules.iter().zip(&rules.rules) {
            prefixes.clear();
            if let Some(tags) = opts.service_tags.filter(|_| remote_is_tag(rule)) {
                let p = tags.expand([rule.remote.as_str()])?;
                prefixes.reserve(p.len() * 20);
                text.reserve(p.len() * 20);
                for (i, n) in p.iter().enumerate() {
                    if i > 0 {
                        prefixes.push(' ');
                    }
                    push_net(&mut prefixes, &n);
                }
            }
            let reference = r
                .reference
                .iter()
                .map(Reference::short)
                .collect::<Vec<_>>()
                .join("; ");
            let fields = [
                r.id.to_string(),
                r.kind.id().to_string(),
                r.direction.id().to_string(),
                r.protocol.clone(),
                r.port_specs.join(" "),
                r.source.join(" "),
                r.destination.join(" "),
                r.path.clone().unwrap_or_default(),
                r.next_hop.clone().unwrap_or_default(),
                r.features.join(" "),
                r.purpose.clone(),
                reference,
                r.requirements.join(" "),
            ];
            for f in &fields {
                push_csv_field(&mut text, f);
                text.push(',');
            }
            push_csv_field(&mut text, &prefixes);
            text.push_str("\r\n");
        }
        Ok(Export::new(text, Vec::new()))
    }
}

pub struct Markdown;

/// The declaration of the `markdown` target.
pub const MARKDOWN: Target = Target {
    id: "markdown",
    name: "Markdown (tables for tickets and wikis)",
    family: Family::Generic,
    extension: "md",
    can: "every rule, a table per kind, with purpose and source document",
    cannot: "nothing (it is documentation, not configuration)",
    tags_use: TagsUse::Optional,
    expresses: super::EVERY_SHAPE,
    refuse: None,
};

impl Exporter for Markdown {
    fn target(&self) -> &'static Target {
        &MARKDOWN
    }
    fn shows_every_warning(&self) -> bool {
        true
    }
    fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
        check_cloud(rules, opts)?;
        // Only the number of prefixes is shown: counted, not written out as text.
        let doc = JsonRuleSet::build(rules, None)?;
        let counts = rules
            .rules
            .iter()
            .map(|r| match opts.service_tags {
                Some(tags) if remote_is_tag(r) => {
                    tags.expand([r.remote.as_str()]).map(|p| Some(p.len()))
                }
                _ => Ok(None),
            })
            .collect::<Result<Vec<Option<usize>>, _>>()?;
        let s = &rules.settings;
        let mut t = format!(
            "# Network rules for Azure Machine Learning: {} / {}\n\n",
            md_cell(s.cloud.title()),
            md_cell(&s.region.display_name)
        );
        for l in header_lines(rules, self, opts, &[])
            .iter()
            .filter(|l| !l.starts_with("Warning: "))
        {
            t.push_str(&format!("- {}\n", md_cell(l)));
        }
        let with_prefixes = opts.service_tags.is_some();
        for kind in Kind::ALL {
            let rows: Vec<(&JsonRule, Option<usize>)> = doc
                .rules
                .iter()
                .zip(counts.iter().copied())
                .filter(|(r, _)| r.kind == kind)
                .collect();
            if rows.is_empty() {
                continue;
            }
            t.push_str(&format!("\n## {} ({})\n\n", kind.title(), rows.len()));
            let mut head =
                "| Source | Destination | Ports | Features | Purpose | Reference |".to_string();
            let mut rule = "|---|---|---|---|---|---|".to_string();
            if with_prefixes {
                head.push_str(" Prefixes |");
                rule.push_str("---|");
            }
            t.push_str(&head);
            t.push('\n');
            t.push_str(&rule);
            t.push('\n');
            for (r, n) in rows {
                let mut dest = r.destination.join(", ");
                if let Some(p) = &r.path {
                    dest.push_str(&format!(" (path {p})"));
                }
                if let Some(h) = &r.next_hop {
                    dest.push_str(&format!(" -> {h}"));
                }
                let features = if r.features.is_empty() {
                    "always".to_string()
                } else {
                    r.features.join(", ")
                };
                let reference = r
                    .reference
                    .iter()
                    .map(Reference::short)
                    .collect::<Vec<_>>()
                    .join("; ");
                t.push_str(&format!(
                    "| {} | {} | {} | {} | {} | {} |",
                    md_cell(&r.source.join(", ")),
                    md_cell(&dest),
                    md_cell(&r.port_specs.join(" ")),
                    md_cell(&features),
                    md_cell(&r.purpose),
                    md_cell(&reference)
                ));
                if with_prefixes {
                    t.push_str(&format!(
                        " {} |",
                        n.map(|n| format!("{n} prefixes")).unwrap_or_default()
                    ));
                }
                t.push('\n');
            }
        }
        if !rules.warnings.is_empty() {
            t.push_str("\n## Warnings\n\n");
            for w in &rules.warnings {
                t.push_str(&format!("- {}\n", md_cell(&w.message)));
            }
        }
        Ok(Export::new(t, Vec::new()))
    }
}

pub struct Hosts;

/// Why a host list does not hold a rule.
fn not_a_host(r: &Rule) -> String {
    format!("{} rules are not host names", r.kind.title().to_lowercase())
}

/// The declaration of the `hosts` target.
pub const HOSTS: Target = Target {
    id: "hosts",
    name: "Host list (proxy allow-list)",
    family: Family::Generic,
    extension: "txt",
    can: "HTTP/HTTPS host names, one per line (wildcards as *.domain)",
    cannot: "service tags, IP rules, non-HTTP ports, inbound rules, routes, URL paths",
    tags_use: TagsUse::No,
    expresses: super::APP_HOSTS,
    refuse: Some(not_a_host),
};

impl Exporter for Hosts {
    fn target(&self) -> &'static Target {
        &HOSTS
    }
    fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
        let mut unexpressed = super::unexpressed_non_fqdn(rules, not_a_host);
        let mut head = header_lines(rules, self, opts, &unexpressed);
        head.push("Host names for HTTP/HTTPS allow-lists, one per line.".into());
        // A proxy applies its allow-list on the web ports (squid allows CONNECT to 443 only by
        // default): a listed host that needs others says so. It is in the list, so not
        // "not covered" (that would also hide the warnings about it).
        for r in rules.of_kind(Kind::FqdnApp) {
            let (_, other) = super::edl::split_ports(r);
            if !other.is_empty() && r.remote.host_pattern().is_some() {
                head.push(format!(
                    "Ports beyond 80/443: {} ({}) also needs {}; a proxy usually applies its list to ports 80 and 443 only (squid: SSL_ports, Safe_ports): allow these for this host too.",
                    r.remote,
                    r.id,
                    other.join(" ")
                ));
            }
        }
        for u in &unexpressed {
            head.push(format!(
                "NOT covered: {} ({}): {}",
                u.remote, u.rule_id, u.reason
            ));
        }
        for r in rules.of_kind(Kind::FqdnApp).filter(|r| r.path.is_some()) {
            head.push(format!(
                "{} allows the whole host: the documents only need the path {}",
                r.remote,
                r.path.as_deref().unwrap_or_default()
            ));
        }
        let mut t = super::text::comment_block("#", &head);
        let mut seen: Vec<&str> = Vec::new();
        for r in rules.of_kind(Kind::FqdnApp) {
            if r.remote.host_pattern().is_none() {
                // One host per line: anything else would put several values, or none, on a line.
                t.push_str(&super::text::comment_block(
                    "#",
                    &[format!(
                        "NOT covered: '{}' ({}) is not a host name",
                        r.remote, r.id
                    )],
                ));
                unexpressed.push(super::Unexpressed {
                    rule_id: r.id.to_string(),
                    remote: r.remote.to_string(),
                    reason: "not a host name".into(),
                    partly: false,
                });
            } else if !seen.contains(&r.remote.as_str()) {
                seen.push(&r.remote);
                t.push_str(&r.remote);
                t.push('\n');
            }
        }
        Ok(Export::new(t, unexpressed))
    }
}

#[cfg(test)]
mod tests {
    use super::Pretty;
    use serde::Serialize;
    use serde_json::{json, Value};

    fn pretty(v: &Value) -> String {
        let mut out = Vec::new();
        v.serialize(&mut serde_json::Serializer::with_formatter(
            &mut out,
            Pretty::default(),
        ))
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn pretty_writes_what_serde_json_writes() {
        let mut deep = json!("bottom");
        for i in 0..40 {
            deep = if i % 2 == 0 {
                json!([deep, i, []])
            } else {
                json!({ "k": deep, "empty": {}, "n": null })
            };
        }
        let cases = [
            json!({}),
            json!([]),
            json!("a \"quoted\" \\ line\nbreak"),
            json!({ "a": [1, 2, {"b": []}], "c": {"d": "e"}, "f": [[], [[]]], "g": true }),
            deep,
        ];
        for v in &cases {
            assert_eq!(pretty(v), serde_json::to_string_pretty(v).unwrap(), "{v}");
        }
    }
}
