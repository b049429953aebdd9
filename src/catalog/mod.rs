//! The requirements catalog: every documented network requirement, the features that need
//! them, the documents they come from and the regions of each cloud.
//!
//! The data lives in `assets/catalog.toml` and `assets/regions.toml`, embedded in the binary.
//! Loading checks every cross-reference (feature ids, document keys, editions, placeholders),
//! so a bad edit to the data fails at load time with the entry and field named, never later.

use crate::model::{Cloud, InboundRoutes, Kind, PortSpec};
pub use crate::reference::{Citation, Reference};
use crate::shared::SharedStr;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use thiserror::Error;

pub const BUILTIN_CATALOG: &str = include_str!("../../assets/catalog.toml");
pub const BUILTIN_REGIONS: &str = include_str!("../../assets/regions.toml");

/// Features a catalog may have (resolve keeps sets of them as bits of a `u64`).
pub const MAX_FEATURES: usize = 64;

/// Placeholders a destination may contain, substituted by `resolve`.
pub const PLACEHOLDERS: [&str; 7] = [
    "<region>",
    "<tag-region>",
    "<paired>",
    "<storage>",
    "<acr>",
    "<dns>",
    "<workspace-id>",
];

#[derive(Debug, Error)]
pub enum CatalogError {
    #[error("{file}: {source}")]
    Parse {
        file: String,
        #[source]
        source: Box<toml::de::Error>,
    },
    #[error("{file}: {entry}: {message}")]
    Invalid {
        file: String,
        entry: String,
        message: String,
    },
}

/// A value given per cloud; `None` means "not needed in that cloud".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PerCloud {
    pub public: Option<SharedStr>,
    pub usgov: Option<SharedStr>,
    pub china: Option<SharedStr>,
}

impl PerCloud {
    pub fn get(&self, cloud: Cloud) -> Option<&str> {
        self.get_shared(cloud).map(SharedStr::as_str)
    }

    /// The value itself, for rules that share it instead of copying it.
    pub fn get_shared(&self, cloud: Cloud) -> Option<&SharedStr> {
        match cloud {
            Cloud::Public => self.public.as_ref(),
            Cloud::Usgov => self.usgov.as_ref(),
            Cloud::China => self.china.as_ref(),
        }
        .filter(|s| !s.is_empty())
    }

    pub fn is_empty(&self) -> bool {
        Cloud::ALL.iter().all(|c| self.get(*c).is_none())
    }

    fn values(&self) -> impl Iterator<Item = (Cloud, &str)> {
        Cloud::ALL
            .into_iter()
            .filter_map(move |c| self.get(c).map(|v| (c, v)))
    }
}

/// `{ all = "x" }`, `{ public = "x", usgov = "y" }`, or both (a named cloud overrides `all`).
/// An empty string for a cloud means "not needed there" even when `all` is set.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPerCloud {
    all: Option<String>,
    public: Option<String>,
    usgov: Option<String>,
    china: Option<String>,
}

/// A spelling the document uses in every cloud (`"x"`), or only in some (`{ china = "x" }`):
/// a rule cites it only in a cloud whose text has it.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawDocSpelling {
    All(String),
    PerCloud(RawPerCloud),
}

impl From<RawDocSpelling> for PerCloud {
    fn from(r: RawDocSpelling) -> Self {
        match r {
            RawDocSpelling::All(s) => RawPerCloud {
                all: Some(s),
                ..RawPerCloud::default()
            }
            .into(),
            RawDocSpelling::PerCloud(p) => p.into(),
        }
    }
}

impl From<RawPerCloud> for PerCloud {
    fn from(r: RawPerCloud) -> Self {
        let pick = |v: Option<String>| v.or_else(|| r.all.clone()).map(SharedStr::from);
        PerCloud {
            public: pick(r.public),
            usgov: pick(r.usgov),
            china: pick(r.china),
        }
    }
}

/// One published state of Microsoft's guidance. Editions are ordered by `date`; the newest is
/// the default, so adding an edition to the data is all it takes to make it current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edition {
    pub id: String,
    pub title: String,
    /// The revision date of the edition's main document, `YYYY-MM-DD`.
    pub date: String,
    /// One line for `amlfw editions`: what the edition is and what it changed.
    pub summary: String,
    /// Keys of the documents the edition consists of. A requirement's references are shown for
    /// an edition only when they point to one of these documents.
    pub documents: Vec<String>,
}

/// A yes/no fact about the workspace that some editions' requirements depend on (e.g. whether
/// compute has a public IP). The profile key is the id with `_` for `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceOption {
    pub id: String,
    pub title: String,
    pub help: String,
    /// The first edition whose guidance depends on the option, and the first that no longer
    /// does; elsewhere it is ignored with a notice.
    pub since: Option<String>,
    pub until: Option<String>,
    /// Shown as a note when the option is on (in one of `editions`): what to do that no
    /// generated rule can express.
    pub guidance: Option<String>,
}

impl WorkspaceOption {
    /// The profile key (`compute_public_ip` for `compute-public-ip`).
    pub fn key(&self) -> String {
        self.id.replace('-', "_")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub key: String,
    pub title: String,
    pub path: String,
    pub revision: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FeatureGroup {
    Compute,
    Images,
    Workspace,
    Packages,
    Aks,
}

impl FeatureGroup {
    pub const ALL: [FeatureGroup; 5] = [
        FeatureGroup::Compute,
        FeatureGroup::Images,
        FeatureGroup::Workspace,
        FeatureGroup::Packages,
        FeatureGroup::Aks,
    ];

    pub fn title(self) -> &'static str {
        match self {
            FeatureGroup::Compute => "Compute",
            FeatureGroup::Images => "Images",
            FeatureGroup::Workspace => "Workspace",
            FeatureGroup::Packages => "Packages & tools",
            FeatureGroup::Aks => "AKS",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    pub id: String,
    pub title: String,
    pub group: FeatureGroup,
    /// Features this one needs; selecting it selects them too.
    pub requires: Vec<String>,
    pub help: String,
    /// Guidance shown as a note whenever the feature is selected (e.g. federated identity).
    pub guidance: Option<String>,
}

/// A caveat that travels with a requirement into every rule set that contains it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryWarning {
    pub text: String,
    /// Clouds the warning applies to; empty means all.
    #[serde(default)]
    pub clouds: Vec<Cloud>,
    /// The kinds of target it concerns; empty means all.
    #[serde(default)]
    pub targets: Vec<crate::model::Family>,
    /// Editions the warning applies to; empty means all (a caveat about one revision's text).
    #[serde(default)]
    pub editions: Vec<String>,
}

impl EntryWarning {
    pub fn applies_to(&self, cloud: Cloud) -> bool {
        self.clouds.is_empty() || self.clouds.contains(&cloud)
    }

    pub fn applies_in(&self, edition: &str) -> bool {
        self.editions.is_empty() || self.editions.iter().any(|e| e == edition)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// Shared with the rules made from it, like every text below that a rule carries.
    pub id: SharedStr,
    pub kind: Kind,
    /// The remote end: the destination of outbound rules and routes, the source of inbound
    /// rules. `None` for a cloud means the requirement does not exist there.
    pub remote: PerCloud,
    /// Used instead of `remote` when a placeholder in it has no value (e.g. no storage account).
    pub fallback: PerCloud,
    /// In the catalog's order.
    pub ports: Arc<[PortSpec]>,
    /// `ports` sorted, without duplicates: what `resolve` merges rules on.
    pub(crate) merge_ports: Box<[PortSpec]>,
    /// A URL path the document restricts the host to (FQDN rules can only allow the host).
    pub path: Option<SharedStr>,
    /// Required when any of these features is selected...
    pub features: Vec<String>,
    /// ...and every one of these workspace options is on...
    pub options: Vec<String>,
    /// ...and none of these is on.
    pub unless_options: Vec<String>,
    pub(crate) options_mask: u64,
    pub(crate) unless_options_mask: u64,
    /// `references` of the documents of each edition (by edition position): what a rule shows
    /// for the edition it was resolved for.
    pub edition_references: Vec<Vec<Arc<Reference>>>,
    /// `features` and `unless` as bits of `Catalog::features` positions: resolve tests them
    /// for every requirement on every keystroke.
    pub(crate) feature_mask: u64,
    pub(crate) unless_mask: u64,
    /// The remote has `<dns>`: one rule per DNS server.
    pub(crate) per_dns_server: bool,
    /// ...or always.
    pub always: bool,
    /// Not required when any of these features is selected...
    pub unless: Vec<String>,
    /// ...in these clouds (empty: all). Where the document says it only for one cloud.
    pub unless_clouds: Vec<Cloud>,
    /// For routes: the inbound routes mode that produces this route.
    pub inbound_routes: Option<InboundRoutes>,
    /// For routes: the next hop type (e.g. `Internet`).
    pub next_hop: Option<SharedStr>,
    /// Shared with every rule made from it (resolve runs on every keystroke; copying the text
    /// each time was most of its cost).
    pub purpose: Arc<str>,
    pub refs: Vec<Citation>,
    /// `refs` with the documents' titles and revisions, built once at load.
    pub references: Vec<Arc<Reference>>,
    /// How the document spells the destination where it differs from the real name, in the
    /// clouds whose text spells it so.
    pub doc_spelling: PerCloud,
    pub warnings: Vec<EntryWarning>,
    /// The document uses this tag in Azure Firewall rules although Microsoft's `networkFeatures`
    /// data does not list FW for it (kept, with a note).
    pub tag_in_document_targets: bool,
    /// First edition of the guidance that has the requirement.
    pub since: Option<String>,
    /// First edition that no longer has it.
    pub until: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub cloud: Cloud,
    /// ARM name, e.g. `francecentral`.
    pub name: String,
    pub display_name: String,
    /// `properties.region` in the Service Tags file, e.g. `centralfrance`.
    pub tag_region: Option<String>,
    /// Suffix of regional tags, e.g. `FranceCentral` in `Storage.FranceCentral`.
    pub tag_suffix: Option<String>,
    /// ARM name of the paired region, in the same cloud.
    pub paired: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Catalog {
    /// Oldest first (sorted by date at load); the last is the default.
    pub editions: Vec<Edition>,
    pub options: Vec<WorkspaceOption>,
    pub documents: Vec<Document>,
    pub features: Vec<Feature>,
    pub requirements: Vec<Requirement>,
    pub regions: Vec<Region>,
    /// The ids of `features`, shared with every rule set that lists them.
    pub(crate) feature_ids: Vec<SharedStr>,
    /// What each of `features` requires, as bits of positions in `features`.
    pub(crate) requires_masks: Vec<u64>,
    /// For each feature, the editions (bits of positions in `editions`) that have a
    /// requirement for it; features without requirements (guidance only) are in every edition.
    pub(crate) feature_editions: Vec<u64>,
    /// For each option, the editions that have a requirement depending on it.
    pub(crate) option_editions: Vec<u64>,
}

mod checks;
mod load;
mod query;
#[cfg(test)]
mod tests;
