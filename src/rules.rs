//! `resolve`: catalog + profile -> the concrete rules for one workspace.
//!
//! Pure and cheap: the TUI calls it on every keystroke. It substitutes placeholders, keeps
//! what the cloud, edition and features need, merges duplicates, orders deterministically and
//! records a warning for every assumption it makes.

use crate::catalog::{Catalog, Region, Requirement};
use crate::model::{Cloud, Direction, InboundRoutes, Kind, PortSpec};
use crate::profile::Profile;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::collections::hash_map::{Entry, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

/// Where a rule comes from, with the document's title and revision spelled out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub doc: String,
    pub title: String,
    pub revision: String,
    pub section: String,
}

impl Reference {
    pub fn short(&self) -> String {
        format!("{} ({}) > {}", self.doc, self.revision, self.section)
    }
}

/// One concrete rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Stable id: the first requirement's id (plus a suffix where one requirement yields
    /// several rules, e.g. one per DNS server).
    pub id: String,
    /// Every catalog requirement merged into this rule.
    pub requirements: Vec<String>,
    pub kind: Kind,
    /// The remote end: destination of outbound rules and routes, source of inbound rules.
    /// A service tag, a host name (wildcards allowed), or an IP address.
    pub remote: String,
    pub ports: Vec<PortSpec>,
    /// URL path the documents restrict the host to (only the host can be allowed).
    pub path: Option<String>,
    /// Route next hop type.
    pub next_hop: Option<String>,
    /// Route in ip-prefixes mode: one route per address prefix of the `remote` tag.
    pub expand_prefixes: bool,
    /// Features that need the rule, in catalog order; empty when it is always needed.
    pub features: Vec<String>,
    pub always: bool,
    /// Text shared with the catalog (not copied per rule).
    pub purpose: Arc<str>,
    pub references: Vec<Arc<Reference>>,
    pub doc_spelling: Option<Arc<str>>,
}

impl Rule {
    pub fn direction(&self) -> Direction {
        self.kind.direction()
    }

    pub fn is_wildcard(&self) -> bool {
        self.remote.contains('*')
    }

    /// `features` for display: the list, or "always".
    pub fn features_label(&self) -> String {
        if self.always && self.features.is_empty() {
            "always".into()
        } else if self.always {
            format!("always, {}", self.features.join(", "))
        } else {
            self.features.join(", ")
        }
    }

    pub fn ports_label(&self) -> String {
        self.ports
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// Machine-readable kind of warning, e.g. `storage-wildcard`.
    pub code: String,
    pub message: String,
    /// Rules the warning is about (empty for general notes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
}

/// Everything an exporter needs besides the rules themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub cloud: Cloud,
    pub region: Region,
    pub paired: Option<Region>,
    pub edition: String,
    /// Effective features (with dependencies), in catalog order.
    pub features: Vec<String>,
    /// CIDRs the traffic comes from; empty = the whole virtual network.
    pub sources: Vec<IpNet>,
    pub inbound_routes: InboundRoutes,
    pub name_prefix: String,
    pub priority_base: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSet {
    pub settings: Settings,
    pub rules: Vec<Rule>,
    pub warnings: Vec<Warning>,
}

impl RuleSet {
    pub fn count(&self, kind: Kind) -> usize {
        self.rules.iter().filter(|r| r.kind == kind).count()
    }

    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| r.kind == kind)
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// Why `resolve` could not run at all (a profile that was not validated).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ResolveError {
    #[error("region '{region}' is not a {cloud} region")]
    UnknownRegion { cloud: Cloud, region: String },
}

/// Rules with the same key are one rule: kind, destination (case-insensitive), ports, URL path
/// and next hop (the last two borrowed from the catalog: no allocation for them).
type MergeKey<'a> = (
    Kind,
    String,
    Vec<PortSpec>,
    Option<&'a str>,
    Option<&'a str>,
);

struct Context<'a> {
    region: &'a Region,
    paired: Option<&'a Region>,
    storage: Option<&'a str>,
    acr: Option<&'a str>,
}

/// Why a placeholder could not be filled.
enum Missing {
    /// No value: use the requirement's fallback, if any.
    Value(&'static str),
    /// The region has no regional service tags: use the global tag.
    RegionalTag,
    /// The region has no pair.
    Pair,
}

fn substitute(template: &str, kind: Kind, ctx: &Context) -> Result<String, Missing> {
    let is_tag = matches!(kind, Kind::ServiceTag | Kind::Inbound | Kind::Route);
    let mut out = template.to_string();
    // Most remotes have no placeholder: one byte search instead of five substring searches.
    if !out.contains('<') {
        return Ok(out);
    }
    if out.contains("<region>") {
        let v = if is_tag {
            ctx.region
                .tag_suffix
                .as_deref()
                .ok_or(Missing::RegionalTag)?
        } else {
            ctx.region.name.as_str()
        };
        out = out.replace("<region>", v);
    }
    if out.contains("<tag-region>") {
        let v = ctx
            .region
            .tag_region
            .as_deref()
            .ok_or(Missing::RegionalTag)?;
        out = out.replace("<tag-region>", v);
    }
    if out.contains("<paired>") {
        let p = ctx.paired.ok_or(Missing::Pair)?;
        let v = if is_tag {
            p.tag_suffix.as_deref().ok_or(Missing::RegionalTag)?
        } else {
            p.name.as_str()
        };
        out = out.replace("<paired>", v);
    }
    if out.contains("<storage>") {
        out = out.replace("<storage>", ctx.storage.ok_or(Missing::Value("<storage>"))?);
    }
    if out.contains("<acr>") {
        out = out.replace("<acr>", ctx.acr.ok_or(Missing::Value("<acr>"))?);
    }
    Ok(out)
}

/// Strips a regional suffix from a tag: `Storage.<region>` -> `Storage`.
fn global_tag(template: &str) -> Option<String> {
    let (base, suffix) = template.split_once('.')?;
    suffix.starts_with('<').then(|| base.to_string())
}

/// Collects warnings, merging equal messages and the rules they concern.
#[derive(Default)]
struct Warnings {
    list: Vec<Warning>,
}

impl Warnings {
    /// `message` is only copied when it is new (notes repeat for every rule they concern).
    fn add(&mut self, code: &str, message: impl AsRef<str> + Into<String>, rule: Option<&str>) {
        if let Some(w) = self.list.iter_mut().find(|w| w.message == message.as_ref()) {
            if let Some(r) = rule {
                if !w.rules.iter().any(|x| x == r) {
                    w.rules.push(r.to_string());
                }
            }
            return;
        }
        self.list.push(Warning {
            code: code.to_string(),
            message: message.into(),
            rules: rule.map(|r| vec![r.to_string()]).unwrap_or_default(),
        });
    }
}

/// Resolves a profile against the catalog. The profile should have passed
/// `Profile::validate`; values that did not (unknown features, bad CIDRs) are ignored here.
pub fn resolve(catalog: &Catalog, profile: &Profile) -> Result<RuleSet, ResolveError> {
    let cloud = profile.cloud;
    let region =
        catalog
            .find_region(cloud, &profile.region)
            .ok_or_else(|| ResolveError::UnknownRegion {
                cloud,
                region: profile.region.clone(),
            })?;
    let paired = region
        .paired
        .as_deref()
        .and_then(|p| catalog.find_region(cloud, p));
    let mut warnings = Warnings::default();

    let chosen: Vec<&str> = profile
        .features
        .iter()
        .map(String::as_str)
        .filter(|f| catalog.feature(f).is_some())
        .collect();
    let features = catalog.with_dependencies(chosen.iter().copied());
    for f in &features {
        if !chosen.contains(f) {
            let needed_by: Vec<&str> = chosen
                .iter()
                .copied()
                .filter(|c| catalog.with_dependencies([*c]).contains(f))
                .collect();
            warnings.add(
                "feature-added",
                format!(
                    "feature '{f}' added because {} needs it",
                    needed_by.join(", ")
                ),
                None,
            );
        }
    }
    let has = |id: &str| features.contains(&id);

    let edition = profile
        .edition
        .as_deref()
        .filter(|e| catalog.edition_index(e).is_some())
        .unwrap_or(&catalog.default_edition().id)
        .to_string();
    let edition_idx = catalog.edition_index(&edition).unwrap_or(0);
    let in_edition = |r: &Requirement| {
        let since = r
            .since
            .as_deref()
            .and_then(|e| catalog.edition_index(e))
            .unwrap_or(0);
        let until = r
            .until
            .as_deref()
            .and_then(|e| catalog.edition_index(e))
            .unwrap_or(usize::MAX);
        since <= edition_idx && edition_idx < until
    };

    let inbound_routes = profile.effective_inbound_routes();
    let dns_servers: Vec<IpAddr> = profile.parsed_dns_servers();
    let ctx = Context {
        region,
        paired,
        storage: profile.storage_account.as_deref(),
        acr: profile.acr_name.as_deref(),
    };

    // (rule, catalog position of its first requirement)
    let mut rules: Vec<(Rule, usize)> = Vec::with_capacity(catalog.requirements.len());
    // Hashed, one look-up per candidate (the ordering of the rules comes from the sort below).
    let mut index: HashMap<MergeKey<'_>, usize> =
        HashMap::with_capacity(catalog.requirements.len());

    for (pos, req) in catalog.requirements.iter().enumerate() {
        let Some(template) = req.remote.get(cloud) else {
            continue;
        };
        if !in_edition(req) {
            continue;
        }
        let wanted = req.always || req.features.iter().any(|f| has(f));
        if !wanted || req.unless.iter().any(|f| has(f)) {
            continue;
        }
        if let Some(mode) = req.inbound_routes {
            if mode != inbound_routes {
                continue;
            }
        }
        let mut req_features: Vec<String> =
            req.features.iter().filter(|f| has(f)).cloned().collect();

        let remotes: Vec<String> = if template.contains('<') && template.contains("<dns>") {
            if dns_servers.is_empty() {
                warnings.add(
                    "dns-default",
                    format!(
                        "no custom DNS servers given: assuming Azure-provided DNS, so no UDP 53 rule ({}); set aks_dns_servers if the VNet uses its own DNS",
                        req.id
                    ),
                    None,
                );
                continue;
            }
            dns_servers
                .iter()
                .map(|ip| template.replace("<dns>", &ip.to_string()))
                .collect()
        } else {
            match substitute(template, req.kind, &ctx) {
                Ok(v) => vec![v],
                Err(Missing::Value(ph)) => match req.fallback.get(cloud) {
                    Some(fb) => {
                        let what = match ph {
                            "<storage>" => {
                                ("storage-wildcard", "storage account", "--storage-account")
                            }
                            _ => ("acr-wildcard", "container registry name", "--acr-name"),
                        };
                        warnings.add(
                            what.0,
                            format!(
                                "no {} given: using the wildcard host {fb}, which allows every account of that kind; set {} to narrow it",
                                what.1, what.2
                            ),
                            Some(&req.id),
                        );
                        vec![fb.to_string()]
                    }
                    None => {
                        warnings.add(
                            "missing-value",
                            format!("{} left out: it needs {ph}, which was not given", req.id),
                            Some(&req.id),
                        );
                        continue;
                    }
                },
                Err(Missing::RegionalTag) => match global_tag(template) {
                    Some(g) => {
                        warnings.add(
                            "no-regional-tag",
                            format!(
                                "{} has no regional service tags in Microsoft's Service Tags data: using the global tag {g}, which covers every region",
                                region.name
                            ),
                            Some(&req.id),
                        );
                        vec![g]
                    }
                    None => continue,
                },
                Err(Missing::Pair) => {
                    warnings.add(
                        "no-paired-region",
                        format!(
                            "{} has no paired region: {} is left out",
                            region.name, req.id
                        ),
                        Some(&req.id),
                    );
                    continue;
                }
            }
        };

        let many = remotes.len() > 1;
        for (i, remote) in remotes.into_iter().enumerate() {
            let id = if many {
                format!("{}-{}", req.id, i + 1)
            } else {
                req.id.clone()
            };
            for w in req.warnings.iter().filter(|w| w.applies_to(cloud)) {
                warnings.add("note", w.text.as_str(), Some(&id));
            }
            let mut ports = req.ports.clone();
            ports.sort();
            ports.dedup();
            let key = (
                req.kind,
                remote.to_ascii_lowercase(),
                ports,
                req.path.as_deref(),
                req.next_hop.as_deref(),
            );
            let slot = match index.entry(key) {
                Entry::Occupied(e) => Some(*e.get()),
                Entry::Vacant(e) => {
                    e.insert(rules.len());
                    None
                }
            };
            if let Some(at) = slot {
                let (rule, _) = &mut rules[at];
                rule.requirements.push(id);
                rule.always |= req.always;
                for f in &req_features {
                    if !rule.features.contains(f) {
                        rule.features.push(f.clone());
                    }
                }
                for r in &req.references {
                    if !rule.references.contains(r) {
                        rule.references.push(Arc::clone(r));
                    }
                }
                continue;
            }
            rules.push((
                Rule {
                    id: id.clone(),
                    requirements: vec![id],
                    kind: req.kind,
                    remote,
                    ports: req.ports.clone(),
                    path: req.path.clone(),
                    next_hop: req.next_hop.clone(),
                    expand_prefixes: req.inbound_routes == Some(InboundRoutes::IpPrefixes),
                    // One remote (the usual case): the list moves into the rule.
                    features: if many {
                        req_features.clone()
                    } else {
                        std::mem::take(&mut req_features)
                    },
                    always: req.always,
                    purpose: req.purpose.clone(),
                    references: req.references.clone(),
                    doc_spelling: req.doc_spelling.clone(),
                },
                pos,
            ));
        }
    }

    for f in &features {
        if let Some(g) = catalog.feature(f).and_then(|f| f.guidance.as_ref()) {
            warnings.add("guidance", format!("{f}: {g}"), None);
        }
    }

    let feature_pos = |id: &str| catalog.features.iter().position(|f| f.id == id);
    let mut rules: Vec<Rule> = {
        rules.sort_by(|(a, pa), (b, pb)| {
            a.kind
                .cmp(&b.kind)
                .then(pa.cmp(pb))
                .then_with(|| a.remote.cmp(&b.remote))
        });
        rules.into_iter().map(|(r, _)| r).collect()
    };
    for r in &mut rules {
        r.features.sort_by_key(|f| feature_pos(f));
    }

    Ok(RuleSet {
        settings: Settings {
            cloud,
            region: region.clone(),
            paired: paired.cloned(),
            edition,
            features: features.iter().map(|s| s.to_string()).collect(),
            sources: profile.parsed_sources(),
            inbound_routes,
            name_prefix: profile.name_prefix().to_string(),
            priority_base: profile.priority_base(),
        },
        rules,
        warnings: warnings.list,
    })
}
