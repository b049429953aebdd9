//! Microsoft's "Azure IP Ranges and Service Tags" JSON file: tag name -> address prefixes.
//!
//! Targets that know no service tags (iptables, nftables, IP routes, generic lists) need the
//! prefixes behind each tag. The file is ~4 MB with ~96,000 prefixes for the public cloud. It is
//! read and checked as JSON once, at load; each tag's prefixes are kept as text and parsed (with
//! `ipnet`) the first time the tag is used, since a profile uses a few dozen of its ~2,800 tags.
//! So a malformed prefix is reported when its tag is used (`TagError::BadPrefix`, naming both),
//! and not at all in a tag nobody uses. Lookups are case-insensitive; expansion returns IPv4 and
//! IPv6 apart, with overlapping and adjacent prefixes merged into the smallest equivalent list.

pub mod features;
mod print;
mod read;
pub mod sanity;
mod scan;
#[cfg(test)]
mod tests;

pub use print::{net_string, push_net, push_v4net, push_v6net};

use crate::model::Cloud;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use read::PrefixText;
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
    /// A prefix that parses but must not become a rule (a tampered or corrupt file).
    #[error("service tag '{tag}' has the address prefix '{prefix}', refused: {reason}; the file is corrupt or was tampered with (download it again from Microsoft)")]
    UnsafePrefix {
        tag: String,
        prefix: String,
        reason: String,
    },
    #[error("service tag '{tag}' appears more than once in the Service Tags file (names compare without case); the file is corrupt or was tampered with")]
    DuplicateTag { tag: String },
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
    /// The file's `networkFeatures` for the tag (`None` when the entry has none).
    pub network_features: Option<features::NetworkFeatures>,
    text: PrefixText,
    /// `text` parsed, or the first prefix that is not valid.
    parsed: OnceLock<Result<Vec<IpNet>, read::BadPrefixText>>,
    /// The prefixes aggregated, computed the first time the tag is expanded alone: exporters
    /// expand one tag per rule, and the wizard re-renders its export on every change.
    aggregated: OnceLock<Prefixes>,
}

impl Tag {
    fn new(name: String, text: PrefixText) -> Tag {
        Tag {
            name,
            network_features: None,
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
            Err((prefix, None)) => Err(TagError::BadPrefix {
                tag: self.name.clone(),
                prefix: prefix.to_string(),
            }),
            Err((prefix, Some(reason))) => Err(TagError::UnsafePrefix {
                tag: self.name.clone(),
                prefix: prefix.to_string(),
                reason: reason.clone(),
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
        texts(&self.v4, push_v4net)
    }

    /// The IPv6 prefixes as text (as `to_string` writes them, faster: see `push_net`).
    pub fn v6_strings(&self) -> Vec<String> {
        texts(&self.v6, push_v6net)
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
    /// The kept entries in the file's order (a name that repeats, ignoring case, is refused
    /// at load: the later entry would silently replace the earlier one's prefixes).
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
        TagIndex::from_json_keeping_full(text, |_| true)
    }

    /// Like `from_json`, but keeps only the tags whose name `keep` accepts: what `amlfw tags`
    /// and `amlfw export` use. The whole file is still checked to be JSON of the file's shape,
    /// so a malformed or truncated file is still refused, but nothing is built for a tag that is
    /// not kept and its prefixes are not read by serde_json. A file in Microsoft's plain form
    /// is scanned once and only the kept entries are parsed (`scan`); any other file, and any
    /// error, goes through the full parse (`from_json_keeping_full`), which gives the error
    /// with its line and column. Both give the same result for a file the full parse accepts.
    pub fn from_json_keeping(
        text: &str,
        keep: impl Fn(&str) -> bool,
    ) -> Result<TagIndex, TagError> {
        match scan::read_file(text.as_bytes(), &keep, scan::CHUNK) {
            Some((raw, _)) => TagIndex::build(raw),
            None => TagIndex::from_json_keeping_full(text, keep),
        }
    }

    /// The fast path of `from_json_keeping` on a reader (the file, read in chunks into a
    /// buffer that is reused, never whole: see `scan`), with the number of bytes read; `None`
    /// when the file is not in Microsoft's plain form, is not valid, or a read failed: then the
    /// caller reads the whole file and runs `from_json_keeping_full`, which reports what is
    /// wrong.
    pub fn from_reader_keeping(
        r: impl std::io::Read,
        keep: impl Fn(&str) -> bool,
    ) -> Option<(Result<TagIndex, TagError>, u64)> {
        scan::read_file(r, &keep, scan::CHUNK).map(|(raw, n)| (TagIndex::build(raw), n))
    }

    /// The fast path of `from_json_keeping` alone, reading `chunk` bytes at a time: `None`
    /// where it would fall back to the full parse. For the tests and the fuzz harness, which
    /// compare it with `from_json_keeping_full` (small chunks cut entries and strings anywhere).
    #[doc(hidden)]
    pub fn from_json_keeping_scan(
        text: &str,
        keep: impl Fn(&str) -> bool,
        chunk: usize,
    ) -> Option<Result<TagIndex, TagError>> {
        scan::read_file(text.as_bytes(), &keep, chunk).map(|(raw, _)| TagIndex::build(raw))
    }

    /// `from_json_keeping` without the fast path: the whole file read by serde_json, the
    /// `properties` of a tag that is not kept only checked to be JSON (when its `name` comes
    /// first, as in Microsoft's files). The reference the fast path is tested against.
    #[doc(hidden)]
    pub fn from_json_keeping_full(
        text: &str,
        keep: impl Fn(&str) -> bool,
    ) -> Result<TagIndex, TagError> {
        let raw = read::read_file(text, &keep).map_err(|e| TagError::Parse {
            line: e.line(),
            column: e.column(),
            message: match e.classify() {
                serde_json::error::Category::Eof => {
                    "the file ends too early (empty or truncated?)".to_string()
                }
                _ => e.to_string(),
            },
        })?;
        TagIndex::build(raw)
    }

    /// The index of the kept entries; a name kept twice (ignoring case) is refused.
    fn build(raw: read::RawFile) -> Result<TagIndex, TagError> {
        let mut tags = Vec::with_capacity(raw.values.len());
        let mut index = HashMap::with_capacity(raw.values.len());
        for v in raw.values {
            let name = v.name.0;
            // A repeated name would silently replace the first tag's prefixes.
            if index
                .insert(name.to_ascii_lowercase(), tags.len())
                .is_some()
            {
                return Err(TagError::DuplicateTag {
                    tag: name.into_owned(),
                });
            }
            let features = v
                .properties
                .network_features
                .as_ref()
                .map(|f| features::NetworkFeatures::from_names(f.iter().map(String::as_str)));
            let mut tag = Tag::new(name.into_owned(), v.properties.address_prefixes);
            tag.network_features = features;
            tags.push(tag);
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

fn texts<N>(nets: &[N], push: fn(&mut String, &N)) -> Vec<String> {
    nets.iter()
        .map(|n| {
            let mut s = String::with_capacity(24);
            push(&mut s, n);
            s
        })
        .collect()
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

/// Days since 1970-01-01 of the date in a dated Service Tags file name
/// (`ServiceTags_Public_20251110.json`, as Microsoft names its downloads), or `None` when the
/// name carries no valid date.
pub fn file_name_day(file_name: &str) -> Option<i64> {
    let stem = file_name.strip_suffix(".json")?;
    let digits = stem.rsplit('_').next()?;
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (
        digits[..4].parse().ok()?,
        digits[4..6].parse().ok()?,
        digits[6..].parse().ok()?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// How old a Service Tags file may be before amlfw warns: Microsoft publishes it weekly and
/// new prefixes take effect a week after they appear.
pub const STALE_AFTER_DAYS: i64 = 56;

/// A warning when the file's name dates it more than `STALE_AFTER_DAYS` before `today` (days
/// since 1970-01-01).
pub fn staleness_warning(file_name: &str, today: i64) -> Option<String> {
    let age = today - file_name_day(file_name)?;
    (age > STALE_AFTER_DAYS).then(|| {
        format!(
            "the Service Tags file {file_name} is {} weeks old (by its name): Microsoft publishes a new one every week and addresses change; download the current file",
            age / 7
        )
    })
}
