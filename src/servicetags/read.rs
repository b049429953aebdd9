//! Reading the file: the JSON is walked with `DeserializeSeed` visitors that keep the entries
//! asked for, skip the others' properties unbuilt, and keep each kept tag's prefixes as text.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::de::{
    DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::Deserialize;
use std::borrow::Cow;

/// Reads the whole `text` (so that any malformed JSON is refused, with its position) and
/// returns the entries whose name `keep` accepts.
pub(super) fn read_file<'a>(
    text: &'a str,
    keep: &dyn Fn(&str) -> bool,
) -> Result<RawFile<'a>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let raw = FileSeed(keep).deserialize(&mut de)?;
    de.end()?;
    Ok(raw)
}

/// The parts of the file that are used. Read by `FileSeed` rather than derived, so that the
/// entries of `values` that are not kept are skipped without building anything.
pub(super) struct RawFile<'a> {
    pub(super) change_number: u64,
    pub(super) cloud: Text<'a>,
    /// The kept entries only.
    pub(super) values: Vec<RawValue<'a>>,
}

pub(super) struct RawValue<'a> {
    pub(super) name: Text<'a>,
    pub(super) properties: RawProperties,
}

#[derive(Deserialize)]
pub(super) struct RawProperties {
    #[serde(rename = "addressPrefixes", default)]
    pub(super) address_prefixes: PrefixText,
    /// Where Azure accepts the tag (`API`, `NSG`, `UDR`, `FW`, `VSE`); absent in some entries.
    #[serde(rename = "networkFeatures", default)]
    pub(super) network_features: Option<Vec<String>>,
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
pub(super) struct ValueSeed<'k>(pub(super) &'k dyn Fn(&str) -> bool);

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
pub(super) struct Text<'a>(pub(super) Cow<'a, str>);

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
pub(super) struct PrefixText {
    /// Each prefix followed by `'\n'`, up to (without) `unsplittable`.
    text: String,
    /// The first prefix that contains a `'\n'`, which `text` could not hold apart from its
    /// neighbours; no valid prefix contains one, so it is the tag's bad prefix unless one
    /// before it is bad. The prefixes after it are checked to be strings, and not kept.
    unsplittable: Option<Box<str>>,
}

/// A tag's first refused prefix as the file wrote it, and why when it parses but is unsafe
/// (`None`: it does not parse).
pub(super) type BadPrefixText = (Box<str>, Option<String>);

impl PrefixText {
    /// Every prefix parsed with `ipnet`, in the file's order; `Err` holds the first one that
    /// is not a valid prefix, or that `sanity::refusal` refuses, with the reason.
    pub(super) fn parse(&self) -> Result<Vec<IpNet>, BadPrefixText> {
        // A prefix of the public file takes 18 bytes of text on average (IPv6 ones more).
        let mut nets = Vec::with_capacity(self.text.len() / 16);
        let mut start = 0;
        // `memchr` finds the line ends several bytes at a time: `split_terminator`, or a byte
        // loop, cost 10 to 15% of the instructions of the parse.
        for end in memchr::memchr_iter(b'\n', self.text.as_bytes()) {
            let p = &self.text[start..end];
            start = end + 1;
            let net = parse_net(p).ok_or_else(|| (Box::<str>::from(p), None))?;
            if let Some(why) = super::sanity::refusal(&net) {
                return Err((p.into(), Some(why)));
            }
            nets.push(net);
        }
        match &self.unsplittable {
            Some(p) => Err((p.clone(), None)),
            None => Ok(nets),
        }
    }
}

/// `text.parse::<IpNet>()`, which tries IPv4 and then IPv6, with one parse only: `ipnet`
/// accepts an IPv4 prefix only of digits, dots and a slash, and an IPv6 one only with a colon
/// before any dot (an embedded IPv4 address comes after one), so the first of `.` and `:` tells
/// the only family that can succeed (a test compares the two on many strings). It saves the
/// failed IPv4 attempt on every IPv6 prefix and `IpNet`'s boxed parsers: 6% of the parse.
pub(super) fn parse_net(text: &str) -> Option<IpNet> {
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
