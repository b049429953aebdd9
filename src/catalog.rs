//! The requirements catalog: every documented network requirement, the features that need
//! them, the documents they come from and the regions of each cloud.
//!
//! The data lives in `assets/catalog.toml` and `assets/regions.toml`, embedded in the binary.
//! Loading checks every cross-reference (feature ids, document keys, editions, placeholders),
//! so a bad edit to the data fails at load time with the entry and field named, never later.

use crate::model::{Cloud, InboundRoutes, Kind, PortSpec};
use crate::shared::SharedStr;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use thiserror::Error;

pub const BUILTIN_CATALOG: &str = include_str!("../assets/catalog.toml");
pub const BUILTIN_REGIONS: &str = include_str!("../assets/regions.toml");

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

/// Where a requirement comes from: a document key and a section within it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub doc: String,
    pub section: String,
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
    pub edition_references: Vec<Vec<Arc<crate::rules::Reference>>>,
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
    pub refs: Vec<Reference>,
    /// `refs` with the documents' titles and revisions, built once at load.
    pub references: Vec<Arc<crate::rules::Reference>>,
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

// ---- raw TOML shapes -------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    schema_version: u32,
    #[serde(default, rename = "edition")]
    editions: Vec<RawEdition>,
    #[serde(default, rename = "option")]
    options: Vec<RawOption>,
    #[serde(default, rename = "document")]
    documents: Vec<RawDocument>,
    #[serde(default, rename = "feature")]
    features: Vec<RawFeature>,
    #[serde(default, rename = "requirement")]
    requirements: Vec<RawRequirement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEdition {
    id: String,
    title: String,
    date: String,
    summary: String,
    documents: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    id: String,
    title: String,
    help: String,
    since: Option<String>,
    until: Option<String>,
    guidance: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument {
    key: String,
    title: String,
    path: String,
    revision: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeature {
    id: String,
    title: String,
    group: FeatureGroup,
    #[serde(default)]
    requires: Vec<String>,
    help: String,
    guidance: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    id: String,
    kind: Kind,
    destination: Option<RawPerCloud>,
    source: Option<RawPerCloud>,
    fallback: Option<RawPerCloud>,
    ports: Vec<PortSpec>,
    path: Option<String>,
    #[serde(default)]
    features: Vec<String>,
    #[serde(default)]
    options: Vec<String>,
    #[serde(default)]
    unless_options: Vec<String>,
    #[serde(default)]
    always: bool,
    #[serde(default)]
    unless: Vec<String>,
    #[serde(default)]
    unless_clouds: Vec<Cloud>,
    inbound_routes: Option<InboundRoutes>,
    next_hop: Option<String>,
    purpose: String,
    refs: Vec<Reference>,
    doc_spelling: Option<RawDocSpelling>,
    #[serde(default)]
    tag_in_document_targets: bool,
    #[serde(default)]
    warnings: Vec<EntryWarning>,
    since: Option<String>,
    until: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegions {
    #[serde(rename = "region")]
    regions: Vec<RawRegion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegion {
    cloud: Cloud,
    name: String,
    display_name: String,
    tag_region: Option<String>,
    tag_suffix: Option<String>,
    paired: Option<String>,
}

// ---- loading ---------------------------------------------------------------------------

impl Catalog {
    /// The catalog embedded in the binary. It is checked by the test suite, so a failure here
    /// is a build defect, not a user error.
    pub fn builtin() -> Catalog {
        Catalog::from_toml(
            BUILTIN_CATALOG,
            BUILTIN_REGIONS,
            "assets/catalog.toml",
            "assets/regions.toml",
        )
        .unwrap_or_else(|e| panic!("the built-in catalog is invalid: {e}"))
    }

    /// Parses and cross-checks a catalog and a region list.
    pub fn from_toml(
        catalog: &str,
        regions: &str,
        catalog_file: &str,
        regions_file: &str,
    ) -> Result<Catalog, CatalogError> {
        let raw: RawCatalog = toml::from_str(catalog).map_err(|e| CatalogError::Parse {
            file: catalog_file.to_string(),
            source: Box::new(e),
        })?;
        let raw_regions: RawRegions = toml::from_str(regions).map_err(|e| CatalogError::Parse {
            file: regions_file.to_string(),
            source: Box::new(e),
        })?;
        let invalid = |file: &str, entry: &str, message: String| CatalogError::Invalid {
            file: file.to_string(),
            entry: entry.to_string(),
            message,
        };
        let cf = catalog_file;

        if raw.schema_version != 1 {
            return Err(invalid(
                cf,
                "schema_version",
                format!(
                    "unsupported schema_version {} (this build reads 1)",
                    raw.schema_version
                ),
            ));
        }
        if raw.editions.is_empty() {
            return Err(invalid(
                cf,
                "edition",
                "at least one [[edition]] is needed".into(),
            ));
        }

        let mut editions: Vec<Edition> = raw
            .editions
            .into_iter()
            .map(|e| Edition {
                id: e.id,
                title: e.title,
                date: e.date,
                summary: e.summary,
                documents: e.documents,
            })
            .collect();
        unique(cf, "edition", editions.iter().map(|e| e.id.as_str()))?;
        unique(cf, "edition date", editions.iter().map(|e| e.date.as_str()))?;
        for e in &editions {
            if !is_date(&e.date) {
                return Err(invalid(
                    cf,
                    &format!("edition {}", e.id),
                    format!("date '{}' is not YYYY-MM-DD", e.date),
                ));
            }
            if e.summary.trim().is_empty() || e.summary.contains('\n') {
                return Err(invalid(
                    cf,
                    &format!("edition {}", e.id),
                    "summary must be one non-empty line".into(),
                ));
            }
            if e.documents.is_empty() {
                return Err(invalid(
                    cf,
                    &format!("edition {}", e.id),
                    "`documents` is empty: an edition names the documents it consists of".into(),
                ));
            }
        }
        // By date, not by file position: the newest is the default wherever it is written.
        editions.sort_by(|a, b| a.date.cmp(&b.date));
        if editions.len() > 64 {
            return Err(invalid(cf, "edition", "more than 64 editions".into()));
        }

        let options: Vec<WorkspaceOption> = raw
            .options
            .into_iter()
            .map(|o| WorkspaceOption {
                id: o.id,
                title: o.title,
                help: o.help,
                since: o.since,
                until: o.until,
                guidance: o.guidance,
            })
            .collect();
        unique(cf, "option", options.iter().map(|o| o.id.as_str()))?;
        for o in &options {
            for e in o.since.iter().chain(&o.until) {
                if !editions.iter().any(|x| &x.id == e) {
                    return Err(invalid(
                        cf,
                        &format!("option {}", o.id),
                        format!("unknown edition '{e}'"),
                    ));
                }
            }
            if !crate::profile::Profile::knows_option(&o.id) {
                return Err(invalid(
                    cf,
                    &format!("option {}", o.id),
                    format!(
                        "this build has no profile key for it (known: {})",
                        crate::profile::OPTION_IDS.join(", ")
                    ),
                ));
            }
        }
        if options.len() > 64 {
            return Err(invalid(cf, "option", "more than 64 options".into()));
        }
        let option_mask = |ids: &[String]| -> u64 {
            ids.iter()
                .filter_map(|id| options.iter().position(|o| &o.id == id))
                .fold(0, |m, i| m | 1 << i)
        };

        let documents: Vec<Document> = raw
            .documents
            .into_iter()
            .map(|d| Document {
                key: d.key,
                title: d.title,
                path: d.path,
                revision: d.revision,
            })
            .collect();
        unique(cf, "document", documents.iter().map(|d| d.key.as_str()))?;

        let features: Vec<Feature> = raw
            .features
            .into_iter()
            .map(|f| Feature {
                id: f.id,
                title: f.title,
                group: f.group,
                requires: f.requires,
                help: f.help,
                guidance: f.guidance,
            })
            .collect();
        unique(cf, "feature", features.iter().map(|f| f.id.as_str()))?;
        if features.len() > MAX_FEATURES {
            return Err(invalid(
                cf,
                "feature",
                format!(
                    "{} features; this build handles at most {MAX_FEATURES}",
                    features.len()
                ),
            ));
        }
        let feature_mask = |ids: &[String]| -> u64 {
            ids.iter()
                .filter_map(|id| features.iter().position(|f| &f.id == id))
                .fold(0, |m, i| m | 1 << i)
        };
        let requires_masks: Vec<u64> = features.iter().map(|f| feature_mask(&f.requires)).collect();
        let feature_ids: BTreeSet<&str> = features.iter().map(|f| f.id.as_str()).collect();
        for f in &features {
            if !is_kebab_id(&f.id) {
                return Err(invalid(
                    cf,
                    &format!("feature {}", f.id),
                    "id must be kebab-case".into(),
                ));
            }
            for r in &f.requires {
                if !feature_ids.contains(r.as_str()) || r == &f.id {
                    return Err(invalid(
                        cf,
                        &format!("feature {}", f.id),
                        format!("requires unknown feature '{r}'"),
                    ));
                }
            }
        }

        let doc_keys: BTreeSet<&str> = documents.iter().map(|d| d.key.as_str()).collect();
        for e in &editions {
            for d in &e.documents {
                if !doc_keys.contains(d.as_str()) {
                    return Err(invalid(
                        cf,
                        &format!("edition {}", e.id),
                        format!("unknown document key '{d}'"),
                    ));
                }
            }
        }
        let edition_ids: BTreeSet<&str> = editions.iter().map(|e| e.id.as_str()).collect();
        let edition_pos = |id: &str| editions.iter().position(|e| e.id == id);
        let mut feature_editions = vec![0u64; features.len()];
        let option_editions: Vec<u64> = options
            .iter()
            .map(|o| {
                let since = o.since.as_deref().and_then(edition_pos).unwrap_or(0);
                let until = o
                    .until
                    .as_deref()
                    .and_then(edition_pos)
                    .unwrap_or(editions.len());
                (since..until).fold(0, |m, i| m | 1 << i)
            })
            .collect();
        let mut requirements = Vec::with_capacity(raw.requirements.len());
        for r in raw.requirements {
            let entry = format!("requirement {}", r.id);
            let err = |m: String| invalid(cf, &entry, m);
            if !is_kebab_id(&r.id) {
                return Err(err("id must be kebab-case".into()));
            }
            let remote: PerCloud = match (r.kind, r.destination, r.source) {
                (Kind::Inbound, None, Some(s)) => s.into(),
                (Kind::Inbound, _, _) => {
                    return Err(err(
                        "an inbound requirement has `source` and no `destination`".into(),
                    ))
                }
                (_, Some(d), None) => d.into(),
                (_, _, _) => {
                    return Err(err(format!(
                        "a {} requirement has `destination` and no `source`",
                        r.kind
                    )))
                }
            };
            if remote.is_empty() {
                return Err(err("no cloud has a value".into()));
            }
            let fallback: PerCloud = r.fallback.map(Into::into).unwrap_or_default();
            for (cloud, value) in remote.values().chain(fallback.values()) {
                check_placeholders(value).map_err(|m| err(format!("{cloud}: {m}")))?;
            }
            if r.ports.is_empty() {
                return Err(err("`ports` is empty".into()));
            }
            let app = r
                .ports
                .iter()
                .filter(|p| p.protocol.is_application())
                .count();
            match r.kind {
                Kind::FqdnApp if app != r.ports.len() => {
                    return Err(err("fqdn-app ports must be http:N or https:N".into()))
                }
                Kind::FqdnApp => {}
                _ if app > 0 => {
                    return Err(err(
                        "only fqdn-app requirements take http/https ports".into()
                    ))
                }
                _ => {}
            }
            if r.always != r.features.is_empty() {
                return Err(err(
                    "give exactly one of `always = true` or `features`".into()
                ));
            }
            for f in r.features.iter().chain(&r.unless) {
                if !feature_ids.contains(f.as_str()) {
                    return Err(err(format!("unknown feature '{f}'")));
                }
            }
            for o in r.options.iter().chain(&r.unless_options) {
                if !options.iter().any(|x| &x.id == o) {
                    return Err(err(format!("unknown option '{o}'")));
                }
            }
            match (r.kind, r.inbound_routes, &r.next_hop) {
                (Kind::Route, Some(InboundRoutes::None), _) | (Kind::Route, None, _) => {
                    return Err(err(
                        "a route needs `inbound_routes` = \"service-tags\" or \"ip-prefixes\""
                            .into(),
                    ))
                }
                (Kind::Route, _, None) => return Err(err("a route needs `next_hop`".into())),
                (Kind::Route, _, _) => {}
                (_, None, None) => {}
                _ => {
                    return Err(err(
                        "`inbound_routes` and `next_hop` belong to route requirements only".into(),
                    ))
                }
            }
            if r.refs.is_empty() {
                return Err(err(
                    "`refs` is empty: every requirement names its source".into()
                ));
            }
            for rf in &r.refs {
                if !doc_keys.contains(rf.doc.as_str()) {
                    return Err(err(format!("unknown document key '{}'", rf.doc)));
                }
            }
            for e in r.since.iter().chain(&r.until) {
                if !edition_ids.contains(e.as_str()) {
                    return Err(err(format!("unknown edition '{e}'")));
                }
            }
            let since = r.since.as_deref().and_then(edition_pos).unwrap_or(0);
            let until = r
                .until
                .as_deref()
                .and_then(edition_pos)
                .unwrap_or(editions.len());
            if since >= until {
                return Err(err("`until` is not later than `since`".into()));
            }
            let all_references: Vec<Arc<crate::rules::Reference>> = r
                .refs
                .iter()
                .map(|rf| {
                    let doc = documents.iter().find(|d| d.key == rf.doc);
                    Arc::new(crate::rules::Reference {
                        doc: rf.doc.clone(),
                        title: doc.map(|d| d.title.clone()).unwrap_or_default(),
                        revision: doc.map(|d| d.revision.clone()).unwrap_or_default(),
                        section: rf.section.clone(),
                    })
                })
                .collect();
            let mut edition_references = Vec::with_capacity(editions.len());
            for (i, e) in editions.iter().enumerate() {
                let of_edition: Vec<Arc<crate::rules::Reference>> = all_references
                    .iter()
                    .filter(|rf| e.documents.contains(&rf.doc))
                    .cloned()
                    .collect();
                // Every requirement says, for every edition that has it, where that edition
                // says so.
                if (since..until).contains(&i) && of_edition.is_empty() {
                    return Err(err(format!(
                        "in edition {} but no reference to one of its documents ({})",
                        e.id,
                        e.documents.join(", ")
                    )));
                }
                edition_references.push(of_edition);
            }
            let active: u64 = (since..until).fold(0, |m, i| m | 1 << i);
            for f in &r.features {
                if let Some(i) = features.iter().position(|x| &x.id == f) {
                    feature_editions[i] |= active;
                }
            }
            for o in r.options.iter().chain(&r.unless_options) {
                if let Some(i) = options.iter().position(|x| &x.id == o) {
                    if active & !option_editions[i] != 0 {
                        return Err(err(format!(
                            "depends on option '{o}' in an edition the option does not list"
                        )));
                    }
                }
            }
            for w in &r.warnings {
                for e in &w.editions {
                    if !edition_ids.contains(e.as_str()) {
                        return Err(err(format!("warning names unknown edition '{e}'")));
                    }
                }
            }
            if r.purpose.trim().is_empty() {
                return Err(err("`purpose` is empty".into()));
            }
            let per_dns_server = remote.values().any(|(_, v)| v.contains("<dns>"));
            let mut merge_ports = r.ports.clone();
            merge_ports.sort();
            merge_ports.dedup();
            requirements.push(Requirement {
                id: r.id.into(),
                kind: r.kind,
                remote,
                fallback,
                ports: r.ports.into(),
                merge_ports: merge_ports.into(),
                path: r.path.map(Into::into),
                per_dns_server,
                feature_mask: feature_mask(&r.features),
                unless_mask: feature_mask(&r.unless),
                features: r.features,
                options_mask: option_mask(&r.options),
                unless_options_mask: option_mask(&r.unless_options),
                options: r.options,
                unless_options: r.unless_options,
                edition_references,
                always: r.always,
                unless: r.unless,
                unless_clouds: r.unless_clouds,
                inbound_routes: r.inbound_routes,
                next_hop: r.next_hop.map(Into::into),
                purpose: r.purpose.into(),
                references: all_references,
                refs: r.refs,
                doc_spelling: r.doc_spelling.map(Into::into).unwrap_or_default(),
                tag_in_document_targets: r.tag_in_document_targets,
                warnings: r.warnings,
                since: r.since,
                until: r.until,
            });
        }
        unique(cf, "requirement", requirements.iter().map(|r| &*r.id))?;

        let rf = regions_file;
        let regions: Vec<Region> = raw_regions
            .regions
            .into_iter()
            .map(|r| Region {
                cloud: r.cloud,
                name: r.name,
                display_name: r.display_name,
                tag_region: r.tag_region,
                tag_suffix: r.tag_suffix,
                paired: r.paired,
            })
            .collect();
        let mut seen = BTreeSet::new();
        for r in &regions {
            if !seen.insert((r.cloud, r.name.as_str())) {
                return Err(invalid(rf, &r.name, "region listed twice".into()));
            }
        }
        for r in &regions {
            if let Some(p) = &r.paired {
                if !regions.iter().any(|o| o.cloud == r.cloud && &o.name == p) {
                    return Err(invalid(
                        rf,
                        &r.name,
                        format!("paired region '{p}' is not a {} region", r.cloud),
                    ));
                }
            }
        }

        // Features with no requirement at all (guidance only) belong to every edition.
        let every_edition: u64 = (0..editions.len()).fold(0, |m, i| m | 1 << i);
        for m in &mut feature_editions {
            if *m == 0 {
                *m = every_edition;
            }
        }

        Ok(Catalog {
            editions,
            options,
            feature_editions,
            option_editions,
            documents,
            feature_ids: features.iter().map(|f| f.id.as_str().into()).collect(),
            requires_masks,
            features,
            requirements,
            regions,
        })
    }

    pub fn feature(&self, id: &str) -> Option<&Feature> {
        self.features.iter().find(|f| f.id == id)
    }

    pub fn document(&self, key: &str) -> Option<&Document> {
        self.documents.iter().find(|d| d.key == key)
    }

    /// The newest edition: what a profile without an edition gets.
    pub fn default_edition(&self) -> &Edition {
        self.editions
            .last()
            .expect("a catalog has at least one edition")
    }

    /// Position of an edition in date order.
    pub fn edition_index(&self, id: &str) -> Option<usize> {
        self.editions.iter().position(|e| e.id == id)
    }

    pub fn edition(&self, id: &str) -> Option<&Edition> {
        self.editions.iter().find(|e| e.id == id)
    }

    /// The edition a profile value means: the named one, or the default when none is named.
    pub fn edition_or_default(&self, id: Option<&str>) -> &Edition {
        id.and_then(|id| self.edition(id))
            .unwrap_or_else(|| self.default_edition())
    }

    pub fn option(&self, id: &str) -> Option<&WorkspaceOption> {
        self.options.iter().find(|o| o.id == id)
    }

    /// Ids of the editions that have a requirement for feature `id` (all for guidance-only
    /// features; none for an unknown id).
    pub fn feature_edition_ids(&self, id: &str) -> Vec<&str> {
        let mask = self
            .features
            .iter()
            .position(|f| f.id == id)
            .map_or(0, |i| self.feature_editions[i]);
        self.edition_ids_of(mask)
    }

    /// Ids of the editions that have a requirement depending on option `id`.
    pub fn option_edition_ids(&self, id: &str) -> Vec<&str> {
        let mask = self
            .options
            .iter()
            .position(|o| o.id == id)
            .map_or(0, |i| self.option_editions[i]);
        self.edition_ids_of(mask)
    }

    fn edition_ids_of(&self, mask: u64) -> Vec<&str> {
        self.editions
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & 1 << i != 0)
            .map(|(_, e)| e.id.as_str())
            .collect()
    }

    pub fn regions_of(&self, cloud: Cloud) -> impl Iterator<Item = &Region> {
        self.regions.iter().filter(move |r| r.cloud == cloud)
    }

    /// Finds a region of `cloud` by ARM name or display name, ignoring case and spaces.
    pub fn find_region(&self, cloud: Cloud, name: &str) -> Option<&Region> {
        // resolve calls this on every keystroke with a validated (ARM) name: look for that
        // first, and compare without building the squashed strings otherwise.
        if let Some(r) = self.regions_of(cloud).find(|r| r.name == name) {
            return Some(r);
        }
        let key = squash(name);
        self.regions_of(cloud)
            .find(|r| squashed_eq(&r.name, &key) || squashed_eq(&r.display_name, &key))
    }

    /// Up to three region names of `cloud` closest to `name`, for "did you mean" messages.
    pub fn closest_regions(&self, cloud: Cloud, name: &str) -> Vec<&str> {
        let key = squash(name);
        let mut scored: Vec<(usize, &str)> = self
            .regions_of(cloud)
            .map(|r| {
                let d = edit_distance(&key, &squash(&r.name))
                    .min(edit_distance(&key, &squash(&r.display_name)));
                // A prefix or substring match is a better hint than raw edit distance.
                let bonus = if squash(&r.name).contains(&key) && !key.is_empty() {
                    0
                } else {
                    1
                };
                (d * 2 + bonus, r.name.as_str())
            })
            .collect();
        scored.sort();
        scored.into_iter().take(3).map(|(_, n)| n).collect()
    }

    /// Every feature `ids` needs, transitively, `ids` included, in catalog order.
    pub fn with_dependencies<'a>(&'a self, ids: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        let mask = self.with_dependencies_mask(self.mask_of(ids));
        self.features
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & 1 << i != 0)
            .map(|(_, f)| f.id.as_str())
            .collect()
    }

    /// The features `ids` names, as bits of their positions in `features` (unknown ids are
    /// left out).
    pub(crate) fn mask_of<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> u64 {
        ids.into_iter()
            .filter_map(|id| self.features.iter().position(|f| f.id == id))
            .fold(0, |mask, i| mask | 1 << i)
    }

    /// `mask` with every feature its features need, transitively.
    pub(crate) fn with_dependencies_mask(&self, mut mask: u64) -> u64 {
        loop {
            let grown = self
                .requires_masks
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & 1 << i != 0)
                .fold(mask, |m, (_, needs)| m | needs);
            if grown == mask {
                return mask;
            }
            mask = grown;
        }
    }

    /// Features that need `id` directly or transitively (to untick them with it).
    pub fn dependents_of(&self, id: &str) -> Vec<&str> {
        self.features
            .iter()
            .filter(|f| f.id != id && self.with_dependencies([f.id.as_str()]).contains(&id))
            .map(|f| f.id.as_str())
            .collect()
    }

    /// Count of requirements per document key, for listings.
    pub fn references_by_document(&self) -> BTreeMap<&str, usize> {
        let mut m = BTreeMap::new();
        for r in &self.requirements {
            for rf in &r.refs {
                *m.entry(rf.doc.as_str()).or_insert(0) += 1;
            }
        }
        m
    }
}

fn unique<'a>(
    file: &str,
    what: &str,
    ids: impl Iterator<Item = &'a str>,
) -> Result<(), CatalogError> {
    let mut seen = BTreeSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(CatalogError::Invalid {
                file: file.to_string(),
                entry: format!("{what} {id}"),
                message: "id used twice".into(),
            });
        }
    }
    Ok(())
}

/// `YYYY-MM-DD` with plausible month and day (editions sort on it as text).
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) {
        return false;
    }
    if !digits(5..7) || !digits(8..10) {
        return false;
    }
    let month: u32 = s[5..7].parse().unwrap_or(0);
    let day: u32 = s[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

fn is_kebab_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn check_placeholders(value: &str) -> Result<(), String> {
    let mut rest = value;
    while let Some(start) = rest.find('<') {
        let end = rest[start..]
            .find('>')
            .ok_or_else(|| format!("unclosed placeholder in '{value}'"))?;
        let ph = &rest[start..start + end + 1];
        if !PLACEHOLDERS.contains(&ph) {
            return Err(format!(
                "unknown placeholder {ph} in '{value}' (known: {})",
                PLACEHOLDERS.join(", ")
            ));
        }
        rest = &rest[start + end + 1..];
    }
    Ok(())
}

/// `squash(s) == key`, without allocating.
fn squashed_eq(s: &str, key: &str) -> bool {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .eq(key.chars())
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_checked() {
        assert!(check_placeholders("<storage>.blob.core.windows.net").is_ok());
        assert!(check_placeholders("Storage.<region>").is_ok());
        assert!(check_placeholders("<stroage>.blob").is_err());
        assert!(check_placeholders("<storage.blob").is_err());
    }

    #[test]
    fn builtin_catalog_loads() {
        let c = Catalog::builtin();
        assert!(!c.requirements.is_empty());
        assert!(c.regions.len() > 70);
    }

    #[test]
    fn more_features_than_resolve_can_hold_are_refused() {
        let mut text = String::from("schema_version = 1\n[[edition]]\nid = \"e\"\ntitle = \"t\"\ndate = \"2021-01-01\"\nsummary = \"s\"\ndocuments = [\"D\"]\n[[document]]\nkey = \"D\"\ntitle = \"t\"\npath = \"p\"\nrevision = \"r\"\n");
        for i in 0..=MAX_FEATURES {
            text.push_str(&format!(
                "[[feature]]\nid = \"f{i}\"\ntitle = \"F\"\ngroup = \"compute\"\nrequires = []\nhelp = \"h\"\n"
            ));
        }
        let err = Catalog::from_toml(&text, BUILTIN_REGIONS, "c.toml", "r.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("65 features") && err.contains("at most 64"),
            "{err}"
        );
        // One fewer loads.
        let cut = text.rfind("[[feature]]").unwrap();
        Catalog::from_toml(&text[..cut], BUILTIN_REGIONS, "c.toml", "r.toml").unwrap();
    }

    /// Two editions, an option of the newer one and a requirement per edition.
    const EDITIONS: &str = r#"
schema_version = 1

[[edition]]
id = "new"
date = "2026-03-19"
title = "New"
summary = "The newer one, written first."
documents = ["N"]

[[edition]]
id = "old"
date = "2021-09-14"
title = "Old"
summary = "The older one."
documents = ["O"]

[[option]]
id = "compute-public-ip"
title = "Public IP"
since = "new"
help = "h"

[[document]]
key = "O"
title = "Old doc"
path = "o"
revision = "2021"

[[document]]
key = "N"
title = "New doc"
path = "n"
revision = "2026"

[[requirement]]
id = "both"
kind = "service-tag"
destination = { all = "AzureMachineLearning" }
ports = ["tcp:443"]
always = true
purpose = "In both editions."
refs = [{ doc = "O", section = "a" }, { doc = "N", section = "b" }]

[[requirement]]
id = "gated"
kind = "service-tag"
destination = { all = "Storage" }
ports = ["tcp:445"]
always = true
since = "new"
options = ["compute-public-ip"]
purpose = "Only with the option, new edition."
refs = [{ doc = "N", section = "c" }]
"#;

    #[test]
    fn editions_sort_by_date_and_each_shows_its_own_references() {
        let c = Catalog::from_toml(EDITIONS, BUILTIN_REGIONS, "c", "r").unwrap();
        assert_eq!(c.editions[0].id, "old");
        assert_eq!(c.default_edition().id, "new");
        let both = c.requirements.iter().find(|r| &*r.id == "both").unwrap();
        assert_eq!(both.edition_references[0][0].doc, "O");
        assert_eq!(both.edition_references[1][0].doc, "N");
        assert_eq!(both.edition_references[0].len(), 1);
        assert_eq!(c.option_edition_ids("compute-public-ip"), ["new"]);
    }

    #[test]
    fn broken_editions_and_options_are_refused_naming_the_entry() {
        let broken = [
            ("date = \"2021-09-14\"", "date = \"2021-9-14\"", "not YYYY-MM-DD"),
            ("date = \"2021-09-14\"", "date = \"2026-03-19\"", "edition date 2026-03-19"),
            ("documents = [\"O\"]", "documents = []", "`documents` is empty"),
            ("documents = [\"O\"]", "documents = [\"X\"]", "unknown document key 'X'"),
            ("id = \"compute-public-ip\"", "id = \"no-such-key\"", "no profile key"),
            ("since = \"new\"\nhelp", "since = \"gone\"\nhelp", "unknown edition 'gone'"),
            ("options = [\"compute-public-ip\"]", "options = [\"x\"]", "unknown option 'x'"),
            (
                "refs = [{ doc = \"O\", section = \"a\" }, ",
                "refs = [",
                "requirement both: in edition old but no reference",
            ),
            ("since = \"new\"\noptions", "until = \"old\"\noptions", "not later than"),
            (
                "since = \"new\"\noptions = [\"compute-public-ip\"]\npurpose = \"Only with the option, new edition.\"\nrefs = [{ doc = \"N\", section = \"c\" }]",
                "options = [\"compute-public-ip\"]\npurpose = \"p\"\nrefs = [{ doc = \"N\", section = \"c\" }, { doc = \"O\", section = \"z\" }]",
                "in an edition the option does not list",
            ),
        ];
        for (from, to, says) in broken {
            assert!(EDITIONS.contains(from), "{from}");
            let text = EDITIONS.replacen(from, to, 1);
            let err = Catalog::from_toml(&text, BUILTIN_REGIONS, "c", "r")
                .err()
                .unwrap_or_else(|| panic!("accepted: {to}"))
                .to_string();
            assert!(err.contains(says), "{to}: {err}");
        }
    }

    #[test]
    fn dependencies_are_transitive_and_in_catalog_order() {
        let c = Catalog::builtin();
        for f in &c.features {
            let with = c.with_dependencies([f.id.as_str()]);
            assert!(with.contains(&f.id.as_str()));
            for needed in &f.requires {
                for n in c.with_dependencies([needed.as_str()]) {
                    assert!(with.contains(&n), "{}: {n} missing from {with:?}", f.id);
                }
            }
            let positions: Vec<usize> = with
                .iter()
                .map(|id| c.features.iter().position(|x| x.id == *id).unwrap())
                .collect();
            assert!(positions.windows(2).all(|w| w[0] < w[1]), "{with:?}");
        }
        assert!(c.with_dependencies(["no-such-feature"]).is_empty());
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("eastus", "eastus2"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
