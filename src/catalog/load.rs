//! Loading the catalog from TOML: the raw shapes serde reads, then one pass that checks every
//! cross-reference and builds the shared, indexed `Catalog`.

use super::checks::*;
use super::*;

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
    refs: Vec<Citation>,
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
            let all_references: Vec<Arc<Reference>> = r
                .refs
                .iter()
                .map(|rf| {
                    let doc = documents.iter().find(|d| d.key == rf.doc);
                    Arc::new(Reference {
                        doc: rf.doc.clone(),
                        title: doc.map(|d| d.title.clone()).unwrap_or_default(),
                        revision: doc.map(|d| d.revision.clone()).unwrap_or_default(),
                        section: rf.section.clone(),
                    })
                })
                .collect();
            let mut edition_references = Vec::with_capacity(editions.len());
            for (i, e) in editions.iter().enumerate() {
                let of_edition: Vec<Arc<Reference>> = all_references
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
}
