//! Microsoft's "Azure IP Ranges and Service Tags" JSON file: tag name -> address prefixes.
//!
//! Targets that know no service tags (iptables, nftables, IP routes, generic lists) need the
//! prefixes behind each tag. The file is ~4 MB with ~96,000 prefixes for the public cloud and is
//! parsed once; lookups are case-insensitive; expansion returns IPv4 and IPv6 apart, with
//! overlapping and adjacent prefixes merged into the smallest equivalent list.

use crate::model::Cloud;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashMap;
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

#[derive(Deserialize)]
struct RawFile<'a> {
    #[serde(rename = "changeNumber")]
    change_number: u64,
    #[serde(borrow)]
    cloud: Cow<'a, str>,
    #[serde(borrow)]
    values: Vec<RawValue<'a>>,
}

#[derive(Deserialize)]
struct RawValue<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    properties: RawProperties<'a>,
}

#[derive(Deserialize)]
struct RawProperties<'a> {
    #[serde(borrow, rename = "addressPrefixes", default)]
    address_prefixes: Vec<Cow<'a, str>>,
}

/// One tag of the file.
#[derive(Debug, Clone)]
pub struct Tag {
    /// The file's spelling of the name.
    pub name: String,
    pub prefixes: Vec<IpNet>,
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

    /// IPv4 first, then IPv6.
    pub fn iter(&self) -> impl Iterator<Item = IpNet> + '_ {
        self.v4
            .iter()
            .map(|n| IpNet::V4(*n))
            .chain(self.v6.iter().map(|n| IpNet::V6(*n)))
    }
}

/// The parsed file.
#[derive(Debug, Clone)]
pub struct TagIndex {
    /// The file's `cloud` field: `Public`, `AzureGovernment` or `China`.
    pub cloud: String,
    pub change_number: u64,
    tags: HashMap<String, Tag>,
}

impl TagIndex {
    /// Parses the JSON text of a Service Tags file.
    pub fn from_json(text: &str) -> Result<TagIndex, TagError> {
        let raw: RawFile = serde_json::from_str(text).map_err(|e| TagError::Parse {
            line: e.line(),
            column: e.column(),
            message: match e.classify() {
                serde_json::error::Category::Eof => {
                    "the file ends too early (empty or truncated?)".to_string()
                }
                _ => e.to_string(),
            },
        })?;
        let mut tags = HashMap::with_capacity(raw.values.len());
        for v in raw.values {
            let mut prefixes = Vec::with_capacity(v.properties.address_prefixes.len());
            for p in &v.properties.address_prefixes {
                let net: IpNet = p.parse().map_err(|_| TagError::BadPrefix {
                    tag: v.name.to_string(),
                    prefix: p.to_string(),
                })?;
                prefixes.push(net);
            }
            tags.insert(
                v.name.to_ascii_lowercase(),
                Tag {
                    name: v.name.into_owned(),
                    prefixes,
                },
            );
        }
        Ok(TagIndex {
            cloud: raw.cloud.into_owned(),
            change_number: raw.change_number,
            tags,
        })
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
        self.tags.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// Case-insensitive lookup.
    pub fn get(&self, name: &str) -> Option<&Tag> {
        self.tags.get(&name.to_ascii_lowercase())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every tag name, in the file's spelling, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.tags.values().map(|t| t.name.as_str()).collect();
        v.sort_unstable();
        v
    }

    /// The aggregated union of the prefixes of `names`. A missing tag is an error naming it.
    pub fn expand<'n>(
        &self,
        names: impl IntoIterator<Item = &'n str>,
    ) -> Result<Prefixes, TagError> {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for name in names {
            let tag = self.get(name).ok_or_else(|| TagError::MissingTag {
                tag: name.to_string(),
                change_number: self.change_number,
            })?;
            for p in &tag.prefixes {
                match p {
                    IpNet::V4(n) => v4.push(*n),
                    IpNet::V6(n) => v6.push(*n),
                }
            }
        }
        Ok(Prefixes {
            v4: Ipv4Net::aggregate(&v4),
            v6: Ipv6Net::aggregate(&v6),
        })
    }
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

    #[test]
    fn bad_prefix_is_named() {
        let bad = SMALL.replace("192.0.2.0/24", "192.0.2.0/99");
        assert_eq!(
            TagIndex::from_json(&bad).unwrap_err(),
            TagError::BadPrefix {
                tag: "AzureMachineLearning".into(),
                prefix: "192.0.2.0/99".into()
            }
        );
    }
}
