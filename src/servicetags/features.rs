//! Where Azure accepts a service tag: the `networkFeatures` of Microsoft's Service Tags file.
//!
//! A tag can be valid and still be refused by a target: every regional
//! `BatchNodeManagement.<Region>` and `AzureCloud.<region>` tag is `API, NSG` only (no route
//! tables, no Azure Firewall), and in Azure China `Storage` and the registry and Key Vault tags
//! are not Azure Firewall tags at all. The table of every tag the catalog can emit is embedded
//! (`assets/tag-features.tsv`, made by `scripts/gen-tag-features.py` from the three real files);
//! a Service Tags file given at run time overrides it for its cloud.

use crate::model::{Cloud, Family};
use std::collections::HashMap;
use std::sync::LazyLock;

pub const BUILTIN_TAG_FEATURES: &str = include_str!("../../assets/tag-features.tsv");

/// Tags that exist only inside network security groups (Azure computes them per NSG: the
/// virtual network and its peers, the load balancer): no Service Tags file lists them, so
/// nothing can expand them to addresses, and Azure Firewall, route tables and managed networks
/// refuse them.
pub const NSG_ONLY_TAGS: [&str; 2] = ["VirtualNetwork", "AzureLoadBalancer"];

/// Whether `tag` is one of `NSG_ONLY_TAGS` (ignoring case, as Azure does).
pub fn is_nsg_only(tag: &str) -> bool {
    NSG_ONLY_TAGS.iter().any(|t| t.eq_ignore_ascii_case(tag))
}

/// Why a target other than an NSG leaves a rule to an NSG-only tag out.
pub fn nsg_only_reason(tag: &str) -> String {
    format!(
        "{tag} is a tag of network security groups only (no Service Tags file lists it, and Azure Firewall, route tables and managed networks refuse it): allow it in the NSG export, and elsewhere allow the address spaces it stands for (the virtual network and its peers, where the private endpoints are)"
    )
}

/// One of the places `networkFeatures` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkFeature {
    Api,
    Nsg,
    /// User-defined routes (route tables).
    Udr,
    /// Azure Firewall.
    Fw,
    /// Virtual network service endpoints.
    Vse,
}

impl NetworkFeature {
    const ALL: [NetworkFeature; 5] = [
        NetworkFeature::Api,
        NetworkFeature::Nsg,
        NetworkFeature::Udr,
        NetworkFeature::Fw,
        NetworkFeature::Vse,
    ];

    /// The name the file uses.
    pub fn id(self) -> &'static str {
        match self {
            NetworkFeature::Api => "API",
            NetworkFeature::Nsg => "NSG",
            NetworkFeature::Udr => "UDR",
            NetworkFeature::Fw => "FW",
            NetworkFeature::Vse => "VSE",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The feature a target family needs to hold a tag (`None`: the family expands tags to
    /// addresses itself, so any tag will do).
    pub fn needed_by(family: Family) -> Option<NetworkFeature> {
        match family {
            Family::AzureFirewall => Some(NetworkFeature::Fw),
            Family::Nsg => Some(NetworkFeature::Nsg),
            Family::RouteTable => Some(NetworkFeature::Udr),
            // Managed network service tag rules: Microsoft's data has no place for them.
            Family::Generic | Family::ManagedNetwork => None,
        }
    }
}

/// A set of `NetworkFeature`s.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetworkFeatures(u8);

impl NetworkFeatures {
    /// From the file's names; unknown names are ignored (Microsoft may add places).
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> NetworkFeatures {
        let mut bits = 0;
        for n in names {
            if let Some(f) = NetworkFeature::ALL.iter().find(|f| f.id() == n.trim()) {
                bits |= f.bit();
            }
        }
        NetworkFeatures(bits)
    }

    pub fn has(self, f: NetworkFeature) -> bool {
        self.0 & f.bit() != 0
    }

    /// `API, NSG` as the file would list them; `none` when empty.
    pub fn label(self) -> String {
        let names: Vec<&str> = NetworkFeature::ALL
            .iter()
            .filter(|f| self.has(**f))
            .map(|f| f.id())
            .collect();
        if names.is_empty() {
            "none".into()
        } else {
            names.join(", ")
        }
    }
}

/// The embedded table: (cloud, lower-case tag) -> features.
type Table = HashMap<(Cloud, String), NetworkFeatures>;

static BUILTIN: LazyLock<Table> = LazyLock::new(|| parse_table(BUILTIN_TAG_FEATURES));

fn parse_table(text: &str) -> Table {
    let mut t = HashMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut cols = line.split('\t');
        let (Some(cloud), Some(tag), Some(features)) = (cols.next(), cols.next(), cols.next())
        else {
            continue;
        };
        let Ok(cloud) = cloud.parse::<Cloud>() else {
            continue;
        };
        let features = if features == "-" {
            NetworkFeatures::default()
        } else {
            NetworkFeatures::from_names(features.split(','))
        };
        t.insert((cloud, tag.to_ascii_lowercase()), features);
    }
    t
}

/// The features Microsoft's data (as embedded) lists for `tag` in `cloud`; `None` when the
/// table does not know the tag.
pub fn builtin_features(cloud: Cloud, tag: &str) -> Option<NetworkFeatures> {
    BUILTIN.get(&(cloud, tag.to_ascii_lowercase())).copied()
}

/// Every (cloud, tag, features) of the embedded table, for tests and tools.
pub fn builtin_entries() -> impl Iterator<Item = (Cloud, &'static str, NetworkFeatures)> {
    BUILTIN_TAG_FEATURES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let cloud = cols.next()?.parse().ok()?;
            let tag = cols.next()?;
            Some((cloud, tag, builtin_features(cloud, tag)?))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_knows_the_documented_gaps() {
        let f = |c, t| builtin_features(c, t).unwrap();
        assert!(!f(Cloud::Public, "BatchNodeManagement.EastUS2").has(NetworkFeature::Udr));
        assert!(f(Cloud::Public, "BatchNodeManagement").has(NetworkFeature::Udr));
        assert!(!f(Cloud::Public, "AzureCloud.eastus2").has(NetworkFeature::Fw));
        assert!(!f(Cloud::China, "Storage").has(NetworkFeature::Fw));
        assert!(f(Cloud::China, "Storage").has(NetworkFeature::Nsg));
        assert!(f(Cloud::Public, "storage.eastus2").has(NetworkFeature::Fw));
        assert_eq!(
            f(Cloud::Public, "AzureMachineLearning.EastUS2").label(),
            "none"
        );
        assert_eq!(builtin_features(Cloud::Public, "NoSuchTag"), None);
    }

    #[test]
    fn names_parse_and_print() {
        let s = NetworkFeatures::from_names(["NSG", "API", "bogus"]);
        assert_eq!(s.label(), "API, NSG");
    }
}
