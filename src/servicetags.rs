//! Microsoft's "Azure IP Ranges and Service Tags" JSON file: tag name -> address prefixes.
//!
//! Targets that know no service tags (iptables, nftables, IP routes, generic lists) need the
//! prefixes behind each tag. The file is ~4 MB with ~96,000 prefixes for the public cloud. It is
//! read and checked as JSON once, at load; each tag's prefixes are kept as text and parsed (with
//! `ipnet`) the first time the tag is used, since a profile uses a few dozen of its ~2,800 tags.
//! So a malformed prefix is reported when its tag is used (`TagError::BadPrefix`, naming both),
//! and not at all in a tag nobody uses. Lookups are case-insensitive; expansion returns IPv4 and
//! IPv6 apart, with overlapping and adjacent prefixes merged into the smallest equivalent list.

use crate::model::Cloud;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::de::{
    DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum TagError {
    #[error("not a valid Service Tags file (line {line}, column {column}): {message}")]
    Parse {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("the Service Tags file is for cloud '{file}', but the profile's cloud is {wanted} ('{expected}' expected): download the file for the right cloud")]
    WrongCloud {
        file: String,
        wanted: Cloud,
        expected: &'static str,
    },
    #[error("service tag '{tag}' is not in the Service Tags file (changeNumber {change_number}); the file may be older than the tag or for another cloud")]
    MissingTag { tag: String, change_number: u64 },
    #[error("service tag '{tag}' has an invalid address prefix '{prefix}'")]
    BadPrefix { tag: String, prefix: String },
}

/// The parts of the file that are used. Read by `FileSeed` rather than derived, so that the
/// entries of `values` that are not kept are skipped without building anything.
struct RawFile<'a> {
    change_number: u64,
    cloud: Text<'a>,
    /// The kept entries only.
    values: Vec<RawValue<'a>>,
}

struct RawValue<'a> {
    name: Text<'a>,
    properties: RawProperties,
}

#[derive(Deserialize)]
struct RawProperties {
    #[serde(rename = "addressPrefixes", default)]
    address_prefixes: PrefixText,
}

#[derive(Deserialize)]
#[serde(field_identifier)]
enum FileField {
    #[serde(rename = "changeNumber")]
    ChangeNumber,
    #[serde(rename = "cloud")]
    Cloud,
    #[serde(rename = "values")]
    Values,
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(field_identifier)]
enum ValueField {
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "properties")]
    Properties,
    #[serde(other)]
    Other,
}

/// Reads the whole file (so that any malformed JSON is refused) but builds the entries of
/// `values` whose name the function accepts only: the others' `properties` (nearly all of the
/// file) are read as `IgnoredAny`, which checks the JSON and allocates nothing. The same checks
/// as a derived `Deserialize` otherwise (required fields, no duplicate fields, unknown fields
/// ignored), except that the file and its entries must be objects: a derived struct also took
/// an array of its fields in order (`[376, "Public", []]`), which no real file is.
struct FileSeed<'k>(&'k dyn Fn(&str) -> bool);

impl<'de, 'k> DeserializeSeed<'de> for FileSeed<'k> {
    type Value = RawFile<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawFile<'de>, D::Error> {
        d.deserialize_struct("RawFile", &["changeNumber", "cloud", "values"], self)
    }
}

impl<'de, 'k> Visitor<'de> for FileSeed<'k> {
    type Value = RawFile<'de>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a Service Tags object (changeNumber, cloud, values)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawFile<'de>, A::Error> {
        let (mut change_number, mut cloud, mut values) = (None, None, None);
        while let Some(key) = map.next_key()? {
            match key {
                FileField::ChangeNumber => {
                    if change_number.is_some() {
                        return Err(A::Error::duplicate_field("changeNumber"));
                    }
                    change_number = Some(map.next_value()?);
                }
                FileField::Cloud => {
                    if cloud.is_some() {
                        return Err(A::Error::duplicate_field("cloud"));
                    }
                    cloud = Some(map.next_value()?);
                }
                FileField::Values => {
                    if values.is_some() {
                        return Err(A::Error::duplicate_field("values"));
                    }
                    values = Some(map.next_value_seed(ValuesSeed(self.0))?);
                }
                FileField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(RawFile {
            change_number: change_number.ok_or_else(|| A::Error::missing_field("changeNumber"))?,
            cloud: cloud.ok_or_else(|| A::Error::missing_field("cloud"))?,
            values: values.ok_or_else(|| A::Error::missing_field("values"))?,
        })
    }
}

/// The `values` array: the kept entries.
struct ValuesSeed<'k>(&'k dyn Fn(&str) -> bool);

impl<'de, 'k> DeserializeSeed<'de> for ValuesSeed<'k> {
    type Value = Vec<RawValue<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, 'k> Visitor<'de> for ValuesSeed<'k> {
    type Value = Vec<RawValue<'de>>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of service tags")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut kept = Vec::new();
        while let Some(value) = seq.next_element_seed(ValueSeed(self.0))? {
            kept.extend(value);
        }
        Ok(kept)
    }
}

/// One entry of `values`: `Some` if kept. Microsoft's files give `name` before `properties`, so
/// the properties of a tag that is not kept are skipped; if `properties` came first, they are
/// read (and checked) as for a kept tag and dropped once the name is known.
struct ValueSeed<'k>(&'k dyn Fn(&str) -> bool);

impl<'de, 'k> DeserializeSeed<'de> for ValueSeed<'k> {
    type Value = Option<RawValue<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_struct("RawValue", &["name", "properties"], self)
    }
}

impl<'de, 'k> Visitor<'de> for ValueSeed<'k> {
    type Value = Option<RawValue<'de>>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a service tag object (name, properties)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut name: Option<Text<'de>> = None;
        let mut properties = Props::Unseen;
        while let Some(key) = map.next_key()? {
            match key {
                ValueField::Name => {
                    if name.is_some() {
                        return Err(A::Error::duplicate_field("name"));
                    }
                    name = Some(map.next_value()?);
                }
                ValueField::Properties => {
                    properties = match (&properties, &name) {
                        (Props::Unseen, Some(Text(n))) if (self.0)(n) => {
                            Props::Kept(map.next_value()?)
                        }
                        (Props::Unseen, Some(_)) => {
                            map.next_value::<IgnoredAny>()?;
                            Props::Skipped
                        }
                        (Props::Unseen, None) => Props::BeforeName(map.next_value()?),
                        _ => return Err(A::Error::duplicate_field("properties")),
                    };
                }
                ValueField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let name = name.ok_or_else(|| A::Error::missing_field("name"))?;
        Ok(match properties {
            Props::Unseen => return Err(A::Error::missing_field("properties")),
            Props::Skipped => None,
            Props::Kept(properties) => Some(RawValue { name, properties }),
            Props::BeforeName(properties) => {
                (self.0)(&name.0).then_some(RawValue { name, properties })
            }
        })
    }
}

/// What `ValueSeed` did with an entry's `properties`.
enum Props {
    Unseen,
    /// The name came first and is not kept.
    Skipped,
    /// The name came first and is kept.
    Kept(RawProperties),
    /// Read before the name was known.
    BeforeName(RawProperties),
}

/// A string borrowed from the file where it can be (no escapes), copied where it cannot. A
/// plain `Cow<str>` inside a `Vec` is always copied: 96,000 allocations for the public file.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A tag's `addressPrefixes` as the file writes them, kept as text until the tag is used:
/// parsing all 96,000 prefixes of the public file was most of the time of loading it, and the
/// wizard and the exporters use a few dozen tags. One string per tag, no allocation per prefix.
#[derive(Debug, Clone, Default)]
struct PrefixText {
    /// Each prefix followed by `'\n'`, up to (without) `unsplittable`.
    text: String,
    /// The first prefix that contains a `'\n'`, which `text` could not hold apart from its
    /// neighbours; no valid prefix contains one, so it is the tag's bad prefix unless one
    /// before it is bad. The prefixes after it are checked to be strings, and not kept.
    unsplittable: Option<Box<str>>,
}

impl PrefixText {
    /// Every prefix parsed with `ipnet`, in the file's order; `Err` holds the first one that
    /// is not a valid prefix.
    fn parse(&self) -> Result<Vec<IpNet>, Box<str>> {
        // A prefix of the public file takes 18 bytes of text on average (IPv6 ones more).
        let mut nets = Vec::with_capacity(self.text.len() / 16);
        let mut start = 0;
        // `memchr` finds the line ends several bytes at a time: `split_terminator`, or a byte
        // loop, cost 10 to 15% of the instructions of the parse.
        for end in memchr::memchr_iter(b'\n', self.text.as_bytes()) {
            let p = &self.text[start..end];
            start = end + 1;
            nets.push(parse_net(p).ok_or_else(|| Box::<str>::from(p))?);
        }
        match &self.unsplittable {
            Some(p) => Err(p.clone()),
            None => Ok(nets),
        }
    }
}

/// `text.parse::<IpNet>()`, which tries IPv4 and then IPv6, with one parse only: `ipnet`
/// accepts an IPv4 prefix only of digits, dots and a slash, and an IPv6 one only with a colon
/// before any dot (an embedded IPv4 address comes after one), so the first of `.` and `:` tells
/// the only family that can succeed (a test compares the two on many strings). It saves the
/// failed IPv4 attempt on every IPv6 prefix and `IpNet`'s boxed parsers: 6% of the parse.
fn parse_net(text: &str) -> Option<IpNet> {
    match text.bytes().find(|&b| b == b'.' || b == b':') {
        Some(b':') => text.parse::<Ipv6Net>().ok().map(IpNet::V6),
        _ => text.parse::<Ipv4Net>().ok().map(IpNet::V4),
    }
}

impl<'de> Deserialize<'de> for PrefixText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(PrefixTextVisitor)
    }
}

struct PrefixTextVisitor;

impl<'de> Visitor<'de> for PrefixTextVisitor {
    type Value = PrefixText;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a sequence")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PrefixText, A::Error> {
        // Half of the public file's tags hold less than this (the median is 115 bytes).
        let mut out = PrefixText {
            text: String::with_capacity(128),
            unsplittable: None,
        };
        while seq.next_element_seed(PrefixSeed(&mut out))?.is_some() {}
        Ok(out)
    }
}

/// One string of `addressPrefixes`, appended to the tag's text as it is read (escaped or not).
struct PrefixSeed<'o>(&'o mut PrefixText);

impl<'de, 'o> DeserializeSeed<'de> for PrefixSeed<'o> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, 'o> Visitor<'de> for PrefixSeed<'o> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string")
    }
    /// A string without escapes, as it is in the file: JSON allows no raw control character
    /// in a string (serde_json refuses one with its position), so it holds no `'\n'`.
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<(), E> {
        debug_assert!(!v.contains('\n'), "{v:?}");
        let out = self.0;
        if out.unsplittable.is_none() {
            out.text.push_str(v);
            out.text.push('\n');
        }
        Ok(())
    }
    /// A string with escapes, unescaped: `\n` or `\u000a` may have given a `'\n'`.
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        let out = self.0;
        if out.unsplittable.is_some() {
            // Already bad; the rest need only be strings.
        } else if v.contains('\n') {
            out.unsplittable = Some(v.into());
        } else {
            out.text.push_str(v);
            out.text.push('\n');
        }
        Ok(())
    }
}

/// One tag of the file.
///
/// Its address prefixes are parsed the first time they are asked for (`prefixes`,
/// `aggregated`, `TagIndex::expand`), not when the file is loaded: a malformed prefix is
/// reported (as `TagError::BadPrefix`, naming the tag and the prefix) by the call that uses the
/// tag, and never for a tag that is not used. Both forms are computed once and kept; a `Tag`
/// is shared between threads by reference (`OnceLock`).
#[derive(Debug, Clone)]
pub struct Tag {
    /// The file's spelling of the name.
    pub name: String,
    text: PrefixText,
    /// `text` parsed, or the first prefix that is not valid.
    parsed: OnceLock<Result<Vec<IpNet>, Box<str>>>,
    /// The prefixes aggregated, computed the first time the tag is expanded alone: exporters
    /// expand one tag per rule, and the wizard re-renders its export on every change.
    aggregated: OnceLock<Prefixes>,
}

impl Tag {
    fn new(name: String, text: PrefixText) -> Tag {
        Tag {
            name,
            text,
            parsed: OnceLock::new(),
            aggregated: OnceLock::new(),
        }
    }

    /// The address prefixes as the file lists them (not aggregated), parsed on first use; the
    /// first malformed one is an error naming the tag and the prefix.
    pub fn prefixes(&self) -> Result<&[IpNet], TagError> {
        match self.parsed.get_or_init(|| self.text.parse()) {
            Ok(nets) => Ok(nets),
            Err(prefix) => Err(TagError::BadPrefix {
                tag: self.name.clone(),
                prefix: prefix.to_string(),
            }),
        }
    }

    /// The aggregated prefixes of this tag alone (an error as for `prefixes`).
    pub fn aggregated(&self) -> Result<&Prefixes, TagError> {
        if let Some(p) = self.aggregated.get() {
            return Ok(p);
        }
        let nets = self.prefixes()?;
        Ok(self.aggregated.get_or_init(|| aggregate(nets)))
    }
}

/// Aggregated prefixes, IPv4 and IPv6 apart, each sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefixes {
    pub v4: Vec<Ipv4Net>,
    pub v6: Vec<Ipv6Net>,
}

impl Prefixes {
    /// Any networks, split by family and aggregated (host bits cleared first).
    pub fn from_nets<'a>(nets: impl IntoIterator<Item = &'a IpNet>) -> Prefixes {
        let (mut v4, mut v6) = (Vec::new(), Vec::new());
        for n in nets {
            match n.trunc() {
                IpNet::V4(n) => v4.push(n),
                IpNet::V6(n) => v6.push(n),
            }
        }
        Prefixes {
            v4: Ipv4Net::aggregate(&v4),
            v6: Ipv6Net::aggregate(&v6),
        }
    }

    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The IPv4 prefixes as text (as `to_string` writes them, faster: see `push_net`).
    pub fn v4_strings(&self) -> Vec<String> {
        self.v4
            .iter()
            .map(|n| {
                let mut s = String::with_capacity(18);
                push_v4net(&mut s, n);
                s
            })
            .collect()
    }

    /// The IPv6 prefixes as text (as `to_string` writes them, faster: see `push_net`).
    pub fn v6_strings(&self) -> Vec<String> {
        self.v6
            .iter()
            .map(|n| {
                let mut s = String::with_capacity(24);
                push_v6net(&mut s, n);
                s
            })
            .collect()
    }

    /// IPv4 first, then IPv6.
    pub fn iter(&self) -> impl Iterator<Item = IpNet> + '_ {
        self.v4
            .iter()
            .map(|n| IpNet::V4(*n))
            .chain(self.v6.iter().map(|n| IpNet::V6(*n)))
    }
}

/// The parsed file. Its tags' prefixes are parsed on first use (see `Tag`).
#[derive(Debug, Clone)]
pub struct TagIndex {
    /// The file's `cloud` field: `Public`, `AzureGovernment` or `China`.
    pub cloud: String,
    pub change_number: u64,
    /// The kept entries in the file's order, those whose name a later entry repeats
    /// (case-insensitively) included: `check_prefixes` checks them too, as loading did.
    tags: Vec<Tag>,
    /// Lowercase name -> position in `tags` of the last entry of that name.
    index: HashMap<String, usize>,
}

impl TagIndex {
    /// Parses the JSON text of a Service Tags file: the whole file is read and checked as JSON
    /// (a malformed one is refused with its line and column), and every tag is kept with its
    /// address prefixes as text. The prefixes are parsed as networks when the tag is first used,
    /// so a malformed prefix is reported then, by the call that uses it (`expand`,
    /// `Tag::prefixes`, `Tag::aggregated`, `check_prefixes`), and not at all in a tag that is
    /// never used.
    pub fn from_json(text: &str) -> Result<TagIndex, TagError> {
        TagIndex::from_json_keeping(text, |_| true)
    }

    /// Like `from_json`, but keeps only the tags whose name `keep` accepts. The whole file is
    /// still read as JSON, so a malformed file is still refused, but the `properties` of a tag
    /// that was not asked for are only checked to be JSON (when its `name` comes first, as in
    /// Microsoft's files): nothing is built for it, and its prefixes are never looked at.
    /// `amlfw tags` uses it.
    pub fn from_json_keeping(
        text: &str,
        keep: impl Fn(&str) -> bool,
    ) -> Result<TagIndex, TagError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let raw = FileSeed(&keep)
            .deserialize(&mut de)
            .and_then(|raw| de.end().map(|()| raw))
            .map_err(|e| TagError::Parse {
                line: e.line(),
                column: e.column(),
                message: match e.classify() {
                    serde_json::error::Category::Eof => {
                        "the file ends too early (empty or truncated?)".to_string()
                    }
                    _ => e.to_string(),
                },
            })?;
        let mut tags = Vec::with_capacity(raw.values.len());
        let mut index = HashMap::with_capacity(raw.values.len());
        for v in raw.values {
            let name = v.name.0;
            index.insert(name.to_ascii_lowercase(), tags.len());
            tags.push(Tag::new(name.into_owned(), v.properties.address_prefixes));
        }
        Ok(TagIndex {
            cloud: raw.cloud.0.into_owned(),
            change_number: raw.change_number,
            tags,
            index,
        })
    }

    /// Parses the prefixes of every kept tag, in the file's order, and returns the first
    /// malformed one: the check that loading made before prefixes were parsed on first use.
    /// `amlfw tags` calls it for the tags it was asked for, so that it reports what it did.
    pub fn check_prefixes(&self) -> Result<(), TagError> {
        self.tags.iter().try_for_each(|t| t.prefixes().map(|_| ()))
    }

    /// Refuses a file made for another cloud.
    pub fn check_cloud(&self, cloud: Cloud) -> Result<(), TagError> {
        if self.cloud.eq_ignore_ascii_case(cloud.service_tags_name()) {
            Ok(())
        } else {
            Err(TagError::WrongCloud {
                file: self.cloud.clone(),
                wanted: cloud,
                expected: cloud.service_tags_name(),
            })
        }
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Case-insensitive lookup.
    pub fn get(&self, name: &str) -> Option<&Tag> {
        self.index
            .get(&name.to_ascii_lowercase())
            .map(|&i| &self.tags[i])
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every tag name, in the file's spelling, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .index
            .values()
            .map(|&i| self.tags[i].name.as_str())
            .collect();
        v.sort_unstable();
        v
    }

    /// The aggregated union of the prefixes of `names`. A missing tag is an error naming it;
    /// then a malformed prefix (in the first tag of `names` that has one) is an error naming
    /// the tag and the prefix. Parses the prefixes of the tags not used before.
    pub fn expand<'n>(
        &self,
        names: impl IntoIterator<Item = &'n str>,
    ) -> Result<Prefixes, TagError> {
        let mut found: Vec<&Tag> = Vec::new();
        for name in names {
            let tag = self.get(name).ok_or_else(|| TagError::MissingTag {
                tag: name.to_string(),
                change_number: self.change_number,
            })?;
            found.push(tag);
        }
        match found.as_slice() {
            [] => Ok(Prefixes::default()),
            [one] => Ok(one.aggregated()?.clone()),
            many => {
                // One aggregation of the union, from each tag's shorter aggregated list where
                // it is known already.
                let mut v4 = Vec::new();
                let mut v6 = Vec::new();
                for tag in many {
                    match tag.aggregated.get() {
                        Some(p) => {
                            v4.extend_from_slice(&p.v4);
                            v6.extend_from_slice(&p.v6);
                        }
                        None => split(tag.prefixes()?, &mut v4, &mut v6),
                    }
                }
                Ok(Prefixes {
                    v4: Ipv4Net::aggregate(&v4),
                    v6: Ipv6Net::aggregate(&v6),
                })
            }
        }
    }
}

/// The aggregated prefixes of one list, IPv4 and IPv6 apart.
fn aggregate(prefixes: &[IpNet]) -> Prefixes {
    let mut v4 = Vec::new();
    let mut v6 = Vec::new();
    split(prefixes, &mut v4, &mut v6);
    Prefixes {
        v4: Ipv4Net::aggregate(&v4),
        v6: Ipv6Net::aggregate(&v6),
    }
}

fn split(prefixes: &[IpNet], v4: &mut Vec<Ipv4Net>, v6: &mut Vec<Ipv6Net>) {
    for p in prefixes {
        match p {
            IpNet::V4(n) => v4.push(*n),
            IpNet::V6(n) => v6.push(*n),
        }
    }
}

/// Appends `net` as `Display` writes it (`192.0.2.0/24`, `2001:db8::/32`) without going through
/// `core::fmt`, which costs most of an export's time when it prints thousands of prefixes.
pub fn push_net(out: &mut String, net: &IpNet) {
    match net {
        IpNet::V4(n) => push_v4net(out, n),
        IpNet::V6(n) => push_v6net(out, n),
    }
}

/// `net.to_string()`, faster (see `push_net`).
pub fn net_string(net: &IpNet) -> String {
    let mut s = String::with_capacity(20);
    push_net(&mut s, net);
    s
}

/// `push_net` for an IPv4 prefix.
pub fn push_v4net(out: &mut String, n: &Ipv4Net) {
    let mut buf = [0u8; 18];
    let mut len = 0;
    for (i, o) in n.addr().octets().into_iter().enumerate() {
        if i > 0 {
            buf[len] = b'.';
            len += 1;
        }
        len += put_dec(&mut buf[len..], o);
    }
    buf[len] = b'/';
    len += 1;
    len += put_dec(&mut buf[len..], n.prefix_len());
    out.push_str(std::str::from_utf8(&buf[..len]).expect("ASCII"));
}

/// `push_net` for an IPv6 prefix: RFC 5952 as `std` prints it (lowercase, the longest run of
/// two or more zero groups, the first on a tie, written `::`).
pub fn push_v6net(out: &mut String, n: &Ipv6Net) {
    let seg = n.addr().segments();
    if seg[..5] == [0; 5] && seg[5] == 0xffff {
        // IPv4-mapped addresses have their own form; they do not occur in Service Tags files.
        out.push_str(&n.to_string());
        return;
    }
    let (mut best, mut best_len, mut cur, mut cur_len) = (0, 0, 0, 0);
    for (i, s) in seg.iter().enumerate() {
        if *s == 0 {
            if cur_len == 0 {
                cur = i;
            }
            cur_len += 1;
            if cur_len > best_len {
                best = cur;
                best_len = cur_len;
            }
        } else {
            cur_len = 0;
        }
    }
    let mut buf = [0u8; 43];
    let mut len = 0;
    let groups = |buf: &mut [u8; 43], len: &mut usize, part: &[u16]| {
        for (i, s) in part.iter().enumerate() {
            if i > 0 {
                buf[*len] = b':';
                *len += 1;
            }
            *len += put_hex(&mut buf[*len..], *s);
        }
    };
    if best_len > 1 {
        groups(&mut buf, &mut len, &seg[..best]);
        buf[len..len + 2].copy_from_slice(b"::");
        len += 2;
        groups(&mut buf, &mut len, &seg[best + best_len..]);
    } else {
        groups(&mut buf, &mut len, &seg);
    }
    buf[len] = b'/';
    len += 1;
    len += put_dec(&mut buf[len..], n.prefix_len());
    out.push_str(std::str::from_utf8(&buf[..len]).expect("ASCII"));
}

fn put_dec(buf: &mut [u8], v: u8) -> usize {
    if v >= 100 {
        buf[..3].copy_from_slice(&[b'0' + v / 100, b'0' + v / 10 % 10, b'0' + v % 10]);
        3
    } else if v >= 10 {
        buf[..2].copy_from_slice(&[b'0' + v / 10, b'0' + v % 10]);
        2
    } else {
        buf[0] = b'0' + v;
        1
    }
}

fn put_hex(buf: &mut [u8], v: u16) -> usize {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digits = (4 - v.leading_zeros() as usize / 4).max(1);
    for i in 0..digits {
        buf[i] = HEX[(v >> (4 * (digits - 1 - i)) & 0xf) as usize];
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"{"changeNumber": 7, "cloud": "Public", "values": [
      {"name": "Storage.EastUS2", "id": "Storage.EastUS2", "properties": {"changeNumber": 1, "region": "eastus2",
        "addressPrefixes": ["10.0.0.0/25", "10.0.0.128/25", "10.0.1.0/24", "2001:db8::/33", "2001:db8:8000::/33"]}},
      {"name": "AzureMachineLearning", "id": "AzureMachineLearning", "properties": {"addressPrefixes": ["10.0.0.64/26", "192.0.2.0/24"], "networkFeatures": null}}
    ]}"#;

    #[test]
    fn expands_case_insensitively_and_aggregates() {
        let t = TagIndex::from_json(SMALL).unwrap();
        assert_eq!(t.change_number, 7);
        let p = t
            .expand(["storage.eastus2", "AZUREMACHINELEARNING"])
            .unwrap();
        let v4: Vec<String> = p.v4.iter().map(|n| n.to_string()).collect();
        assert_eq!(v4, ["10.0.0.0/23", "192.0.2.0/24"]);
        let v6: Vec<String> = p.v6.iter().map(|n| n.to_string()).collect();
        assert_eq!(v6, ["2001:db8::/32"]);
    }

    #[test]
    fn keeping_only_some_tags_skips_the_others_prefixes() {
        let bad = SMALL.replace("192.0.2.0/24", "not-a-prefix");
        assert!(TagIndex::from_json(&bad).unwrap().check_prefixes().is_err());
        let t = TagIndex::from_json_keeping(&bad, |n| n.eq_ignore_ascii_case("storage.eastus2"))
            .unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t.check_prefixes(), Ok(()));
        assert!(t.expand(["Storage.EastUS2"]).is_ok());
        assert!(matches!(
            t.expand(["AzureMachineLearning"]),
            Err(TagError::MissingTag { .. })
        ));
        // A malformed file is still refused.
        assert!(TagIndex::from_json_keeping(&SMALL[..40], |_| false).is_err());
    }

    fn only_storage(n: &str) -> bool {
        n.eq_ignore_ascii_case("storage.eastus2")
    }

    fn prefix_texts(t: &TagIndex, name: &str) -> Vec<String> {
        t.get(name)
            .unwrap()
            .prefixes()
            .unwrap()
            .iter()
            .map(net_string)
            .collect()
    }

    #[test]
    fn properties_before_the_name_are_kept_or_dropped_by_the_name() {
        // `properties` first in both entries; the kept one's name needs unescaping.
        let text = r#"{"values": [
          {"properties": {"addressPrefixes": ["10.0.0.0/24"]}, "id": "x", "name": "Storage.East\u0055S2"},
          {"properties": {"addressPrefixes": ["not-a-prefix"]}, "name": "AzureMachineLearning"}
        ], "cloud": "Public", "changeNumber": 9}"#;
        let t = TagIndex::from_json_keeping(text, only_storage).unwrap();
        assert_eq!((t.cloud.as_str(), t.change_number), ("Public", 9));
        assert_eq!(t.names(), ["Storage.EastUS2"]);
        assert_eq!(prefix_texts(&t, "Storage.EastUS2"), ["10.0.0.0/24"]);
        // Read before the name is known, so they must have the shape of kept properties.
        let odd = text.replace(r#"["not-a-prefix"]"#, "5");
        assert_ne!(odd, text);
        assert!(matches!(
            TagIndex::from_json_keeping(&odd, only_storage),
            Err(TagError::Parse { .. })
        ));
    }

    #[test]
    fn the_properties_of_a_tag_not_kept_need_only_be_json() {
        let odd = SMALL.replace(
            r#""addressPrefixes": ["10.0.0.64/26", "192.0.2.0/24"], "networkFeatures": null"#,
            r#""addressPrefixes": 5, "networkFeatures": {"a": [true, "\u00e9", -1.5e3, {}]}"#,
        );
        assert_ne!(odd, SMALL);
        assert!(matches!(
            TagIndex::from_json(&odd),
            Err(TagError::Parse { .. })
        ));
        let t = TagIndex::from_json_keeping(&odd, only_storage).unwrap();
        assert_eq!(t.names(), ["Storage.EastUS2"]);
        assert_eq!(prefix_texts(&t, "storage.eastus2").len(), 5);
    }

    #[test]
    fn malformed_json_in_a_tag_not_kept_is_refused_with_its_position() {
        let pos = SMALL.find("192.0.2.0/24").unwrap();
        let line = SMALL[..pos].lines().count();
        assert_eq!(line, 4);
        let bad = [
            // Cut inside the skipped tag's prefixes.
            SMALL[..pos].to_string(),
            // A missing value, a control character in a string, a bad escape, a bare word.
            SMALL.replace(r#""192.0.2.0/24""#, r#""192.0.2.0/24",,"#),
            SMALL.replace("192.0.2.0/24", "192.0.2.0/24\u{1}"),
            SMALL.replace("192.0.2.0/24", r"192.0.2.0/24\q"),
            SMALL.replace(r#""networkFeatures": null"#, r#""networkFeatures": nul"#),
        ];
        for text in &bad {
            match TagIndex::from_json_keeping(text, only_storage) {
                Err(TagError::Parse { line: l, .. }) => assert_eq!(l, line, "{text}"),
                other => panic!("{text}: {:?}", other.map(|t| t.names().len())),
            }
        }
        // Cut after the last value, or followed by more than whitespace: refused too.
        for text in [&SMALL[..SMALL.len() - 1], &format!("{SMALL} x")] {
            assert!(matches!(
                TagIndex::from_json_keeping(text, only_storage),
                Err(TagError::Parse { .. })
            ));
        }
    }

    #[test]
    fn entries_not_kept_still_need_a_name_and_properties_once() {
        let cases = [
            (r#""name": "AzureMachineLearning", "#, ""),
            (
                r#""properties": {"addressPrefixes""#,
                r#""other": {"addressPrefixes""#,
            ),
            (
                r#""name": "AzureMachineLearning", "#,
                r#""name": "AzureMachineLearning", "name": "X", "#,
            ),
            (
                r#""networkFeatures": null}"#,
                r#""networkFeatures": null}, "properties": {}"#,
            ),
            (
                r#""cloud": "Public", "#,
                r#""cloud": "Public", "cloud": "Public", "#,
            ),
            (r#""changeNumber": 7, "#, ""),
        ];
        for (from, to) in cases {
            let text = SMALL.replace(from, to);
            assert_ne!(text, SMALL, "{from}");
            match TagIndex::from_json_keeping(&text, only_storage) {
                Err(TagError::Parse { message, .. }) => assert!(
                    message.contains("missing field") || message.contains("duplicate field"),
                    "{message}"
                ),
                other => panic!("{to}: {:?}", other.map(|t| t.names().len())),
            }
        }
    }

    #[test]
    fn the_file_and_its_entries_must_be_objects() {
        for text in [
            r#"[7, "Public", []]"#,
            r#"{"changeNumber": 7, "cloud": "Public", "values": [["Storage", {}]]}"#,
            r#"{"changeNumber": 7, "cloud": "Public", "values": {}}"#,
        ] {
            for keep in [|_: &str| true, |_: &str| false] {
                match TagIndex::from_json_keeping(text, keep) {
                    Err(TagError::Parse { message, .. }) => {
                        assert!(message.contains("expected a"), "{message}")
                    }
                    other => panic!("{text}: {:?}", other.map(|t| t.len())),
                }
            }
        }
    }

    #[test]
    fn kept_tags_are_those_of_the_whole_file() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/servicetags/ServiceTags_Public.376.json"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let all = TagIndex::from_json(&text).unwrap();
        let wanted = [
            "storage.eastus2",
            "AzureMachineLearning",
            "AzureCloud",
            "AzureCloud.eastus2",
            "ActionGroup",
            "AzureFrontDoor.Backend",
        ];
        let some = TagIndex::from_json_keeping(&text, |n| {
            wanted.iter().any(|w| w.eq_ignore_ascii_case(n))
        })
        .unwrap();
        assert_eq!(
            (&some.cloud, some.change_number),
            (&all.cloud, all.change_number)
        );
        assert_eq!(some.len(), wanted.len());
        for w in wanted {
            let (a, s) = (all.get(w).unwrap(), some.get(w).unwrap());
            assert_eq!(s.name, a.name);
            assert!(!s.prefixes().unwrap().is_empty(), "{w}");
            assert_eq!(s.prefixes(), a.prefixes(), "{w}");
        }
        assert!(all.len() > 2_500);
        let none = TagIndex::from_json_keeping(&text, |_| false).unwrap();
        assert!(none.is_empty());
        assert_eq!(none.change_number, all.change_number);
    }

    #[test]
    fn missing_tag_is_named() {
        let t = TagIndex::from_json(SMALL).unwrap();
        let e = t.expand(["Storage.WestUS"]).unwrap_err();
        assert!(e.to_string().contains("Storage.WestUS"), "{e}");
    }

    #[test]
    fn wrong_cloud_is_refused() {
        let t = TagIndex::from_json(SMALL).unwrap();
        assert!(t.check_cloud(Cloud::Public).is_ok());
        assert!(matches!(
            t.check_cloud(Cloud::China),
            Err(TagError::WrongCloud { .. })
        ));
    }

    #[test]
    fn truncated_and_empty_files_give_positions() {
        let cut = &SMALL[..SMALL.len() / 2];
        match TagIndex::from_json(cut).unwrap_err() {
            TagError::Parse { line, .. } => assert!(line >= 2),
            e => panic!("unexpected {e}"),
        }
        assert!(matches!(
            TagIndex::from_json(""),
            Err(TagError::Parse { .. })
        ));
        assert!(matches!(
            TagIndex::from_json("[1,2]"),
            Err(TagError::Parse { .. })
        ));
    }

    fn public_fixture() -> String {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/servicetags/ServiceTags_Public.376.json"
        );
        std::fs::read_to_string(path).unwrap()
    }

    fn aml_bad() -> TagError {
        TagError::BadPrefix {
            tag: "AzureMachineLearning".into(),
            prefix: "192.0.2.0/99".into(),
        }
    }

    #[test]
    fn a_bad_prefix_in_a_tag_not_used_does_not_fail_the_load() {
        let bad = SMALL.replace("192.0.2.0/24", "192.0.2.0/99");
        assert_ne!(bad, SMALL);
        let t = TagIndex::from_json(&bad).unwrap();
        assert_eq!(t.names(), ["AzureMachineLearning", "Storage.EastUS2"]);
        assert!(t.contains("azuremachinelearning"));
        let p = t.expand(["Storage.EastUS2"]).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(t.get("Storage.EastUS2").unwrap().aggregated(), Ok(&p));
    }

    #[test]
    fn a_bad_prefix_fails_the_use_of_its_tag_naming_both() {
        let bad = SMALL.replace("192.0.2.0/24", "192.0.2.0/99");
        let t = TagIndex::from_json(&bad).unwrap();
        // Alone, with another tag before or after it (first use or not), and again: the same
        // error, with the message loading gave before.
        for names in [
            &["AzureMachineLearning"][..],
            &["Storage.EastUS2", "azuremachinelearning"],
            &["AzureMachineLearning", "Storage.EastUS2"],
            &["AzureMachineLearning"],
        ] {
            assert_eq!(t.expand(names.iter().copied()), Err(aml_bad()), "{names:?}");
        }
        assert_eq!(
            aml_bad().to_string(),
            "service tag 'AzureMachineLearning' has an invalid address prefix '192.0.2.0/99'"
        );
        let tag = t.get("AzureMachineLearning").unwrap();
        assert_eq!(tag.prefixes(), Err(aml_bad()));
        assert_eq!(tag.aggregated(), Err(aml_bad()));
        assert_eq!(t.check_prefixes(), Err(aml_bad()));
        // A missing tag is still reported before a bad prefix.
        assert!(matches!(
            t.expand(["AzureMachineLearning", "Storage.WestUS"]),
            Err(TagError::MissingTag { .. })
        ));
        // Another tag of the same file is unaffected.
        assert!(t.expand(["Storage.EastUS2"]).is_ok());
    }

    #[test]
    fn the_first_bad_prefix_of_a_tag_is_named_as_written() {
        let prefixes =
            |list: &str| SMALL.replace(r#"["10.0.0.64/26", "192.0.2.0/24"]"#, &format!("[{list}]"));
        let bad_of = |text: &str| match TagIndex::from_json(text)
            .unwrap()
            .expand(["AzureMachineLearning"])
        {
            Err(TagError::BadPrefix { tag, prefix }) => {
                assert_eq!(tag, "AzureMachineLearning");
                prefix
            }
            other => panic!("{text}: {other:?}"),
        };
        let cases = [
            (r#""10.0.0.64/26", "x", "192.0.2.0/99""#, "x"),
            (r#""10.0.0.64/26", "", "192.0.2.0/99""#, ""),
            (r#""10.0.0.64/26", " 10.0.0.0/8""#, " 10.0.0.0/8"),
            // Unescaped for the message; a line break cannot split it into two prefixes.
            (
                r#""10.0.0.64/26", "10.0.0.0/8\n10.1.0.0/16""#,
                "10.0.0.0/8\n10.1.0.0/16",
            ),
            (
                r#""10.0.0.64/26", "\u0031\u0030.0.0.0/8\n""#,
                "10.0.0.0/8\n",
            ),
            (r#""10.0.0.64/26", "a\nb", "c""#, "a\nb"),
            (r#""10.0.0.64/26", "c", "a\nb""#, "c"),
            (r#""10.0.0.64/26", "a\nb", "c\nd""#, "a\nb"),
            (
                r#""10.0.0.64/26", "10.0.0.0/8,10.1.0.0/16""#,
                "10.0.0.0/8,10.1.0.0/16",
            ),
        ];
        for (list, want) in cases {
            assert_eq!(bad_of(&prefixes(list)), want, "{list}");
        }
        // Escapes in valid prefixes are read as JSON reads them.
        let t =
            TagIndex::from_json(&prefixes(r#""\u0031\u0030.0.0.64/26", "192.0.2.0\/24""#)).unwrap();
        assert_eq!(
            prefix_texts(&t, "AzureMachineLearning"),
            ["10.0.0.64/26", "192.0.2.0/24"]
        );
        // A tag without prefixes, or with an empty list.
        for list in [r#""addressPrefixes": []"#, r#""other": 1"#] {
            let text = SMALL.replace(
                r#""addressPrefixes": ["10.0.0.64/26", "192.0.2.0/24"]"#,
                list,
            );
            assert_ne!(text, SMALL);
            let t = TagIndex::from_json(&text).unwrap();
            assert!(t.expand(["AzureMachineLearning"]).unwrap().is_empty());
        }
        // A raw line break in a string is malformed JSON, refused at load (so a string read
        // without escapes never holds one: see `PrefixSeed::visit_borrowed_str`).
        match TagIndex::from_json(&prefixes("\"10.0.0.0/8\n10.1.0.0/16\"")) {
            Err(TagError::Parse { message, .. }) => {
                assert!(message.contains("control character"), "{message}")
            }
            other => panic!("{:?}", other.map(|t| t.len())),
        }
        // Prefixes that are not strings are malformed JSON, refused at load.
        for list in [
            "1",
            "null",
            r#""10.0.0.0/8", 5"#,
            r#""a\nb", 5"#,
            r#""x", []"#,
        ] {
            match TagIndex::from_json(&prefixes(list)) {
                Err(TagError::Parse { line, message, .. }) => {
                    assert_eq!(line, 4, "{list}");
                    assert!(message.contains("expected a string"), "{list}: {message}");
                }
                other => panic!("{list}: {:?}", other.map(|t| t.len())),
            }
        }
    }

    /// The parsed prefixes of every tag of the real file, against a plain reading of the same
    /// file: `serde_json::Value`, then `ipnet` on each string.
    #[test]
    fn every_tag_of_the_public_file_parses_as_its_strings() {
        let text = public_fixture();
        let t = TagIndex::from_json(&text).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let values = doc["values"].as_array().unwrap();
        assert_eq!(values.len(), t.len());
        let mut total = 0;
        for v in values {
            let name = v["name"].as_str().unwrap();
            let want: Vec<IpNet> = v["properties"]["addressPrefixes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap().parse().unwrap())
                .collect();
            let tag = t.get(name).unwrap();
            assert_eq!(tag.name, name);
            assert_eq!(tag.prefixes().unwrap(), want.as_slice(), "{name}");
            total += want.len();
        }
        assert!(total > 90_000, "{total}");
        assert_eq!(t.check_prefixes(), Ok(()));
    }

    #[test]
    fn threads_using_the_same_tags_get_the_same_prefixes() {
        fn shared<T: Send + Sync>(_: &T) {}
        let text = public_fixture();
        let cold = TagIndex::from_json(&text).unwrap();
        shared(&cold);
        let tags = [
            "AzureCloud",
            "AzureCloud.eastus2",
            "Storage",
            "AzureFrontDoor.Backend",
        ];
        let alone: Vec<Prefixes> = tags
            .iter()
            .map(|n| cold.clone().expand([*n]).unwrap())
            .collect();
        let union = cold.clone().expand(tags).unwrap();
        const THREADS: usize = 4;
        for round in 0..6 {
            // Never used before: every thread races to parse and aggregate the same tags.
            let t = cold.clone();
            let start = std::sync::Barrier::new(THREADS);
            let got: Vec<(Vec<Prefixes>, Prefixes)> = std::thread::scope(|s| {
                let workers: Vec<_> = (0..THREADS)
                    .map(|i| {
                        let (t, start) = (&t, &start);
                        s.spawn(move || {
                            start.wait();
                            // Half the threads begin with the union (parsed, not aggregated,
                            // prefixes), half with each tag alone (aggregated).
                            if (i + round) % 2 == 0 {
                                let u = t.expand(tags).unwrap();
                                let a = tags.iter().map(|n| t.expand([*n]).unwrap()).collect();
                                (a, u)
                            } else {
                                let a = tags.iter().map(|n| t.expand([*n]).unwrap()).collect();
                                (a, t.expand(tags).unwrap())
                            }
                        })
                    })
                    .collect();
                workers.into_iter().map(|w| w.join().unwrap()).collect()
            });
            for (a, u) in got {
                assert_eq!(a, alone, "round {round}");
                assert_eq!(u, union, "round {round}");
            }
        }
        // A bad prefix: every thread gets the same error.
        let bad = TagIndex::from_json(&SMALL.replace("192.0.2.0/24", "192.0.2.0/99")).unwrap();
        let errors: Vec<_> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..THREADS)
                .map(|_| s.spawn(|| bad.expand(["AzureMachineLearning"])))
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        assert!(errors.iter().all(|e| *e == Err(aml_bad())), "{errors:?}");
    }

    /// `parse_net` against `IpNet::from_str` (IPv4, then IPv6) on valid, odd and random text.
    #[test]
    fn parse_net_is_ipnets_parse() {
        let mut cases: Vec<String> = [
            "",
            ".",
            ":",
            "/",
            "/8",
            "0.0.0.0/0",
            "255.255.255.255/32",
            "10.0.0.1/8",
            "010.0.0.0/8",
            "1.2.3.4/33",
            "1.2.3.4/024",
            "1.2.3.4",
            "1.2.3/24",
            "1.2.3.4.5/8",
            "1.2.3.4:5/24",
            "1.2.3.4::/64",
            "1.2.3.4/8:",
            "::/0",
            "::1/128",
            "::/129",
            "1::/064",
            "::ffff:1.2.3.4/128",
            "::1.2.3.4/128",
            "1:2:3:4:5:6:1.2.3.4/96",
            "1:2:3:4:5:6:7:8/64",
            "1:2:3:4:5:6:7:8:9/64",
            "2001:db8::/33",
            "2001:DB8::/32",
            "2001:db8::1.2.3.4.5/64",
            "a.b.c.d/8",
            " 1.2.3.4/8",
            "1.2.3.4/8 ",
            "+1.2.3.4/8",
            "1.2.3.4/+8",
            "١.2.3.4/8",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let alphabet = b"0123456789abcdefABCDEF.:/0123456789..::x ";
        for _ in 0..200_000 {
            let len = (next() % 24) as usize;
            let s: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize] as char)
                .collect();
            cases.push(s);
        }
        // Prefix-shaped text, valid or nearly: octets and lengths sometimes out of range or
        // with leading zeros, IPv6 groups with or without `::` and an IPv4 tail.
        for _ in 0..100_000 {
            let octets = |next: &mut dyn FnMut() -> u64| -> String {
                (0..4)
                    .map(|_| match next() % 8 {
                        0 => format!("0{}", next() % 100),
                        1 => (next() % 300).to_string(),
                        _ => (next() % 256).to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(".")
            };
            let s = if next() % 2 == 0 {
                format!("{}/{}", octets(&mut next), next() % 35)
            } else {
                let groups = (next() % 9) as usize;
                let mut g: Vec<String> = (0..groups)
                    .map(|_| format!("{:x}", next() % 0x1_0010))
                    .collect();
                if next() % 3 == 0 {
                    let at = (next() as usize) % (groups + 1);
                    g.insert(at, String::new());
                    if at == 0 || at == g.len() - 1 {
                        g.insert(at, String::new());
                    }
                }
                if next() % 4 == 0 {
                    g.push(octets(&mut next));
                }
                format!("{}/{}", g.join(":"), next() % 131)
            };
            cases.push(s);
        }
        // Valid prefixes, and each with one character changed.
        let valid = [
            "192.0.2.0/24",
            "2603:1030:a02::600/121",
            "::ffff:192.0.2.1/128",
        ];
        for v in valid {
            for i in 0..v.len() {
                for c in ['.', ':', '/', '0', '9', 'f', 'g'] {
                    cases.push(format!("{}{c}{}", &v[..i], &v[i + 1..]));
                }
            }
        }
        let mut accepted = 0;
        for s in &cases {
            let want = s.parse::<IpNet>().ok();
            assert_eq!(parse_net(s), want, "{s:?}");
            accepted += usize::from(want.is_some());
        }
        assert!(accepted > 20_000, "{accepted} of {} accepted", cases.len());
    }

    #[test]
    fn fast_prefix_text_is_display() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut nets: Vec<IpNet> = [
            "0.0.0.0/0",
            "255.255.255.255/32",
            "10.0.0.0/8",
            "::/0",
            "::1/128",
            "1::/16",
            "2001:db8::1:0:0:1/128",
            "2001:0:0:1::1/128",
            "1:0:0:2:0:0:0:3/128",
            "fe80::/10",
            "::ffff:192.0.2.1/128",
            "1:2:3:4:5:6:7:8/64",
            "1:0:2:0:3:0:4:0/64",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        for _ in 0..20_000 {
            let (a, b) = (next(), next());
            // Zero groups often, so every compression case comes up.
            let mask = next();
            let v6 = ((a as u128) << 64 | b as u128)
                & !(0..8).fold(0u128, |m, i| {
                    if mask >> (i * 3) & 3 == 0 {
                        m | 0xffff << (16 * i)
                    } else {
                        m
                    }
                });
            let len = (next() % 129) as u8;
            nets.push(IpNet::V6(Ipv6Net::new(v6.into(), len).unwrap()));
            nets.push(IpNet::V4(
                Ipv4Net::new((a as u32).into(), (b % 33) as u8).unwrap(),
            ));
        }
        for n in &nets {
            assert_eq!(net_string(n), n.to_string());
        }
    }
}
