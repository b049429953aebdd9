//! `resolve`: catalog + profile -> the concrete rules for one workspace.
//!
//! Pure and cheap: the TUI calls it on every keystroke. It substitutes placeholders, keeps
//! what the cloud, edition and features need, merges duplicates, orders deterministically and
//! records a warning for every assumption it makes.

use crate::catalog::{Catalog, Region, Requirement};
use crate::model::{Cloud, Direction, Family, InboundRoutes, Kind, PortSpec};
use crate::profile::Profile;
use crate::remote::Remote;
use crate::shared::SharedStr;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::collections::hash_map::{Entry, HashMap};
use std::hash::{BuildHasherDefault, Hash, Hasher};
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
///
/// The texts that come from the catalog are shared with it (`SharedStr`, `Arc`), not copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Stable id: the first requirement's id (plus a suffix where one requirement yields
    /// several rules, e.g. one per DNS server).
    pub id: SharedStr,
    /// Every catalog requirement merged into this rule.
    pub requirements: Vec<SharedStr>,
    pub kind: Kind,
    /// The remote end: destination of outbound rules and routes, source of inbound rules.
    /// A service tag, a host name (wildcards allowed), or an IP address, decided by `resolve`.
    pub remote: Remote,
    pub ports: Arc<[PortSpec]>,
    /// URL path the documents restrict the host to (only the host can be allowed).
    pub path: Option<SharedStr>,
    /// Route next hop type.
    pub next_hop: Option<SharedStr>,
    /// Route in ip-prefixes mode: one route per address prefix of the `remote` tag.
    pub expand_prefixes: bool,
    /// Features that need the rule, in catalog order; empty when it is always needed.
    pub features: Vec<SharedStr>,
    pub always: bool,
    pub purpose: Arc<str>,
    pub references: Vec<Arc<Reference>>,
    pub doc_spelling: Option<Arc<str>>,
    /// The document itself puts this tag in the targets Microsoft's `networkFeatures` data
    /// says refuse it (the AKS articles' `AzureCloud.<region>` firewall rules): exporters keep
    /// the rule and say that the two disagree.
    pub tag_in_document_targets: bool,
}

impl Rule {
    pub fn direction(&self) -> Direction {
        self.kind.direction()
    }

    pub fn is_wildcard(&self) -> bool {
        self.remote.is_wildcard()
    }

    /// Replaces the remote end, classified for this rule's kind (as `resolve` does).
    pub fn set_remote(&mut self, text: impl Into<SharedStr>) {
        self.remote = Remote::new(self.kind, text);
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
    /// The kinds of target the warning concerns (never empty: every family when it concerns
    /// all). An export shows a warning only when it concerns the export's family and, for a
    /// warning about rules, the export expresses at least one of them.
    pub concerns: Vec<Family>,
}

impl Warning {
    pub fn concerns(&self, family: Family) -> bool {
        self.concerns.contains(&family)
    }

    /// Whether an export of `family` that expresses the rules `expressed` says for should show
    /// this warning.
    pub fn shown_in(&self, family: Family, expressed: impl Fn(&str) -> bool) -> bool {
        self.concerns(family) && (self.rules.is_empty() || self.rules.iter().any(|r| expressed(r)))
    }
}

/// Families a warning concerns, by what it is about.
pub mod concern {
    use crate::model::Family;
    pub const ALL: &[Family] = &Family::ALL;
    /// Host names: the targets that can allow a host (Azure Firewall, proxies, host lists).
    pub const HOSTS: &[Family] = &[Family::AzureFirewall, Family::Generic];
    /// Outbound filtering, whatever the target.
    pub const OUTBOUND: &[Family] = &[Family::AzureFirewall, Family::Nsg, Family::Generic];
    /// Routes only.
    pub const ROUTES: &[Family] = &[Family::RouteTable, Family::Generic];
}

/// Everything an exporter needs besides the rules themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub cloud: Cloud,
    pub region: Region,
    pub paired: Option<Region>,
    pub edition: String,
    /// Effective features (with dependencies), in catalog order.
    pub features: Vec<SharedStr>,
    /// CIDRs the traffic comes from; empty = the whole virtual network.
    pub sources: Vec<IpNet>,
    pub inbound_routes: InboundRoutes,
    pub name_prefix: String,
    pub priority_base: u32,
    /// Azure Firewall's DNS proxy is on: network rules may name host names.
    pub dns_proxy: bool,
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
        self.rules.iter().find(|r| &*r.id == id)
    }
}

/// Why `resolve` could not run at all (a profile that was not validated).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ResolveError {
    #[error("region '{region}' is not a {cloud} region")]
    UnknownRegion { cloud: Cloud, region: String },
}

/// Rules with the same key are one rule: kind, remote (ignoring ASCII case), ports (sorted),
/// URL path and next hop. Everything in it is borrowed or shared: no allocation per rule.
#[derive(PartialEq, Eq, Hash)]
struct MergeKey<'a> {
    kind: Kind,
    remote: Caseless,
    ports: &'a [PortSpec],
    path: Option<&'a str>,
    next_hop: Option<&'a str>,
}

/// A remote compared and hashed ignoring ASCII case (`Storage.EastUS2` = `storage.eastus2`).
struct Caseless(SharedStr);

impl PartialEq for Caseless {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for Caseless {}

impl Hash for Caseless {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.0.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
        // Ends the string, as `str`'s own `Hash` does, so adjacent fields cannot run together.
        state.write_u8(0xff);
    }
}

/// A multiply-rotate hash (the scheme of rustc's FxHash) for the merge index. Its keys are a
/// few dozen short values from the catalog and a validated profile, so SipHash's resistance to
/// chosen keys buys nothing, and it was an eighth of resolve's instructions.
#[derive(Default)]
struct QuickHasher(u64);

impl QuickHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for QuickHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type MergeIndex<'a> = HashMap<MergeKey<'a>, usize, BuildHasherDefault<QuickHasher>>;

/// A rule while resolve builds it: the catalog position of its first requirement (the sort
/// key) and its features as bits of catalog positions (turned into names once, at the end).
struct Building {
    rule: Rule,
    pos: usize,
    features: u64,
}

struct Context<'a> {
    region: &'a Region,
    paired: Option<&'a Region>,
    storage: Option<&'a str>,
    acr: Option<&'a str>,
    workspace_id: Option<&'a str>,
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

/// Fills the placeholders of `template` in one pass. Most remotes have none: those are
/// shared with the catalog after one byte search.
fn substitute(
    template: &SharedStr,
    kind: Kind,
    ctx: &Context,
    dns: Option<&str>,
) -> Result<SharedStr, Missing> {
    let Some(first) = template.find('<') else {
        return Ok(template.clone());
    };
    let is_tag = matches!(kind, Kind::ServiceTag | Kind::Inbound | Kind::Route);
    let mut out = String::with_capacity(template.len() + 24);
    out.push_str(&template[..first]);
    let mut rest = &template[first..];
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        // The catalog's placeholders were checked at load; anything else is kept as it is.
        let end = rest[start..]
            .find('>')
            .map_or(rest.len(), |e| start + e + 1);
        let value = match &rest[start..end] {
            "<region>" if is_tag => ctx
                .region
                .tag_suffix
                .as_deref()
                .ok_or(Missing::RegionalTag)?,
            "<region>" => ctx.region.name.as_str(),
            "<tag-region>" => ctx
                .region
                .tag_region
                .as_deref()
                .ok_or(Missing::RegionalTag)?,
            "<paired>" => {
                let p = ctx.paired.ok_or(Missing::Pair)?;
                if is_tag {
                    p.tag_suffix.as_deref().ok_or(Missing::RegionalTag)?
                } else {
                    p.name.as_str()
                }
            }
            "<storage>" => ctx.storage.ok_or(Missing::Value("<storage>"))?,
            "<acr>" => ctx.acr.ok_or(Missing::Value("<acr>"))?,
            "<workspace-id>" => ctx.workspace_id.ok_or(Missing::Value("<workspace-id>"))?,
            "<dns>" => dns.ok_or(Missing::Value("<dns>"))?,
            other => other,
        };
        out.push_str(value);
        rest = &rest[end..];
    }
    out.push_str(rest);
    Ok(out.into())
}

/// The positions of the bits set in `mask`, lowest first.
fn bits(mut mask: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (mask != 0).then(|| {
            let i = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            i
        })
    })
}

/// Strips a regional suffix from a tag: `Storage.<region>` -> `Storage`.
fn global_tag(template: &str) -> Option<SharedStr> {
    let (base, suffix) = template.split_once('.')?;
    suffix.starts_with('<').then(|| base.into())
}

/// Collects warnings, merging equal messages and the rules they concern.
#[derive(Default)]
struct Warnings {
    list: Vec<Warning>,
}

impl Warnings {
    /// `message` is only copied when it is new (notes repeat for every rule they concern).
    fn add(
        &mut self,
        code: &str,
        message: impl AsRef<str> + Into<String>,
        rule: Option<&str>,
        concerns: &[Family],
    ) {
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
            concerns: if concerns.is_empty() {
                Family::ALL.to_vec()
            } else {
                concerns.to_vec()
            },
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

    // Feature sets are bits of catalog positions (at most 64 features, checked at load).
    let chosen = catalog.mask_of(profile.features.iter().map(String::as_str));
    let has = catalog.with_dependencies_mask(chosen);
    for added in bits(has & !chosen) {
        let needed_by: Vec<&str> = bits(chosen)
            .filter(|&c| catalog.with_dependencies_mask(1 << c) & 1 << added != 0)
            .map(|c| catalog.features[c].id.as_str())
            .collect();
        warnings.add(
            "feature-added",
            format!(
                "feature '{}' added because {} needs it",
                catalog.features[added].id,
                needed_by.join(", ")
            ),
            None,
            concern::ALL,
        );
    }

    let edition = profile
        .edition
        .as_deref()
        .filter(|e| catalog.edition_index(e).is_some())
        .unwrap_or(&catalog.default_edition().id)
        .to_string();
    let edition_idx = catalog
        .edition_index(&edition)
        .unwrap_or(catalog.editions.len() - 1);
    // Choices this edition has no use for are ignored, and said so: an admin who pinned an
    // older edition should not believe a new option changed anything.
    for i in bits(has) {
        if catalog.feature_editions[i] & 1 << edition_idx == 0 {
            let f = &catalog.features[i].id;
            warnings.add(
                "feature-not-in-edition",
                format!(
                    "feature '{f}' is ignored: edition {edition} has no requirement for it (editions that do: {})",
                    catalog.feature_edition_ids(f).join(", ")
                ),
                None,
                concern::ALL,
            );
        }
    }
    let mut options_on: u64 = 0;
    for (i, o) in catalog.options.iter().enumerate() {
        let Some(value) = profile.option_value(&o.id) else {
            continue;
        };
        if catalog.option_editions[i] & 1 << edition_idx == 0 {
            warnings.add(
                "option-not-in-edition",
                format!(
                    "option {} = {value} is ignored: edition {edition} does not depend on it (editions that do: {})",
                    o.key(),
                    catalog.option_edition_ids(&o.id).join(", ")
                ),
                None,
                concern::ALL,
            );
        } else if value {
            options_on |= 1 << i;
            if let Some(g) = &o.guidance {
                warnings.add("guidance", format!("{}: {g}", o.key()), None, concern::ALL);
            }
        }
    }
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
    // As `substitute` takes them for `<dns>`: each server's text, once per call.
    let dns_servers: Vec<Option<String>> = profile
        .parsed_dns_servers()
        .iter()
        .map(|ip| Some(ip.to_string()))
        .collect();
    let ctx = Context {
        region,
        paired,
        storage: profile.storage_account.as_deref(),
        acr: profile.acr_name.as_deref(),
        workspace_id: profile.workspace_id.as_deref(),
    };

    // Options left unset that decided a requirement: said once each, with the flag to set.
    let mut not_given: u64 = 0;
    let mut rules: Vec<Building> = Vec::with_capacity(catalog.requirements.len());
    // Hashed, one look-up per candidate (the ordering of the rules comes from the sort below).
    let mut index = MergeIndex::with_capacity_and_hasher(
        catalog.requirements.len(),
        BuildHasherDefault::default(),
    );

    for (pos, req) in catalog.requirements.iter().enumerate() {
        let Some(template) = req.remote.get_shared(cloud) else {
            continue;
        };
        if !in_edition(req) {
            continue;
        }
        let wanted = req.always || req.feature_mask & has != 0;
        if !wanted {
            continue;
        }
        if req.unless_mask & has != 0 {
            if req.unless_clouds.is_empty() || req.unless_clouds.contains(&cloud) {
                continue;
            }
            // The document drops it for that feature only in other clouds: keep it, and say so.
            let said_for: Vec<&str> = req.unless_clouds.iter().map(|c| c.title()).collect();
            warnings.add(
                "unless-other-cloud",
                format!(
                    "{} is kept: the document says {} makes it unnecessary only for {}, not for {}",
                    req.id,
                    req.unless.join(", "),
                    said_for.join(", "),
                    cloud.title()
                ),
                Some(&req.id),
                concern::ALL,
            );
        }
        if req.options_mask & !options_on != 0 || req.unless_options_mask & options_on != 0 {
            // Only an option that was needed on and is off can be "not given" here (one that
            // must be off and is on was given).
            not_given |= req.options_mask & !options_on;
            continue;
        }
        if let Some(mode) = req.inbound_routes {
            if mode != inbound_routes {
                continue;
            }
        }

        if req.per_dns_server && dns_servers.is_empty() {
            warnings.add(
                "dns-default",
                format!(
                    "no custom DNS servers given: assuming Azure-provided DNS, so no UDP 53 rule ({}); set aks_dns_servers if the VNet uses its own DNS",
                    req.id
                ),
                None,
                concern::OUTBOUND,
            );
            continue;
        }
        // One rule per DNS server for `<dns>`, else one.
        let choices: &[Option<String>] = if req.per_dns_server {
            &dns_servers
        } else {
            &[None]
        };
        let count = choices.len();
        let features = req.feature_mask & has;
        for (i, dns) in choices.iter().enumerate() {
            let remote = match substitute(template, req.kind, &ctx, dns.as_deref()) {
                Ok(v) => v,
                // A fallback may name the region (never the missing value itself).
                Err(Missing::Value(ph)) => match req
                    .fallback
                    .get_shared(cloud)
                    .and_then(|fb| substitute(fb, req.kind, &ctx, dns.as_deref()).ok())
                {
                    Some(fb) => {
                        // (code, what is missing, its flag, what the wildcard allows)
                        let what = match ph {
                            "<storage>" => (
                                "storage-wildcard",
                                "storage account",
                                "--storage-account",
                                "every account of that kind",
                            ),
                            "<workspace-id>" => (
                                "workspace-id-wildcard",
                                "workspace ID",
                                "--workspace-id",
                                "every workspace of the region",
                            ),
                            _ => (
                                "acr-wildcard",
                                "container registry name",
                                "--acr-name",
                                "every account of that kind",
                            ),
                        };
                        warnings.add(
                            what.0,
                            format!(
                                "no {} given: using the wildcard host {fb}, which allows {}; set {} to narrow it",
                                what.1, what.3, what.2
                            ),
                            Some(&req.id),
                            concern::HOSTS,
                        );
                        fb.clone()
                    }
                    None => {
                        warnings.add(
                            "missing-value",
                            format!("{} left out: it needs {ph}, which was not given", req.id),
                            Some(&req.id),
                            concern::ALL,
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
                            concern::ALL,
                        );
                        g
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
                        concern::ALL,
                    );
                    continue;
                }
            };
            let id: SharedStr = if count > 1 {
                format!("{}-{}", req.id, i + 1).into()
            } else {
                req.id.clone()
            };
            for w in req
                .warnings
                .iter()
                .filter(|w| w.applies_to(cloud) && w.applies_in(&edition))
            {
                warnings.add("note", w.text.as_str(), Some(&id), &w.targets);
            }
            let key = MergeKey {
                kind: req.kind,
                remote: Caseless(remote.clone()),
                ports: &req.merge_ports,
                path: req.path.as_deref(),
                next_hop: req.next_hop.as_deref(),
            };
            match index.entry(key) {
                Entry::Occupied(e) => {
                    let b = &mut rules[*e.get()];
                    b.rule.requirements.push(id);
                    b.rule.always |= req.always;
                    b.features |= features;
                    for r in &req.edition_references[edition_idx] {
                        if !b.rule.references.contains(r) {
                            b.rule.references.push(Arc::clone(r));
                        }
                    }
                }
                Entry::Vacant(e) => {
                    e.insert(rules.len());
                    rules.push(Building {
                        rule: Rule {
                            id: id.clone(),
                            requirements: vec![id],
                            kind: req.kind,
                            remote: Remote::new(req.kind, remote),
                            ports: Arc::clone(&req.ports),
                            path: req.path.clone(),
                            next_hop: req.next_hop.clone(),
                            expand_prefixes: req.inbound_routes == Some(InboundRoutes::IpPrefixes),
                            features: Vec::new(),
                            always: req.always,
                            purpose: Arc::clone(&req.purpose),
                            references: req.edition_references[edition_idx].clone(),
                            doc_spelling: req.doc_spelling.get(cloud).map(Arc::from),
                            tag_in_document_targets: req.tag_in_document_targets,
                        },
                        pos,
                        features,
                    });
                }
            }
        }
    }

    // Where the document puts a tag in firewall rules that Microsoft's data says Azure Firewall
    // does not accept, the rule stays (as documented) and the disagreement is said.
    for r in rules.iter().filter(|b| b.rule.tag_in_document_targets) {
        let r = &r.rule;
        if let Some(f) = crate::servicetags::features::builtin_features(cloud, &r.remote) {
            if !f.has(crate::servicetags::features::NetworkFeature::Fw) {
                warnings.add(
                    "tag-data-disagrees",
                    format!(
                        "Microsoft's Service Tags data lists {} for {} (networkFeatures), not FW (Azure Firewall), yet the document uses this tag in Azure Firewall rules; kept as documented. If Azure refuses it, export with --expand-tags --service-tags FILE to write the region's address prefixes instead.",
                        f.label(),
                        r.remote
                    ),
                    Some(&r.id),
                    &[Family::AzureFirewall],
                );
            }
        }
    }

    let sources = profile.parsed_sources();
    if sources.is_empty() {
        warnings.add(
            "any-source",
            "no source subnets given, so every Azure Firewall rule allows ANY source (*); give the subnets of the workspace's compute (--source CIDR) to narrow them",
            None,
            &[Family::AzureFirewall],
        );
    }
    for net in sources.iter().filter(|n| n.prefix_len() == 0) {
        warnings.add(
            "any-source",
            format!("source {net} is every address: the rules allow traffic from anywhere, not only from the workspace's subnets"),
            None,
            concern::ALL,
        );
    }

    for i in bits(not_given) {
        let o = &catalog.options[i];
        if profile.option_value(&o.id).is_none() {
            warnings.add(
                "option-default",
                format!(
                    "{} not given: taken as false ({}); set {} = true in the profile or pass --{} if it applies",
                    o.key(),
                    o.title,
                    o.key(),
                    o.id
                ),
                None,
                concern::ALL,
            );
        }
    }
    for i in bits(has) {
        let f = &catalog.features[i];
        if let Some(g) = &f.guidance {
            warnings.add("guidance", format!("{}: {g}", f.id), None, concern::ALL);
        }
    }

    // Sorted through indices: a rule is a few hundred bytes, and moving them around in the
    // sort cost more than the comparisons.
    let mut order: Vec<usize> = (0..rules.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        let (a, b) = (&rules[a], &rules[b]);
        (a.rule.kind, a.pos)
            .cmp(&(b.rule.kind, b.pos))
            .then_with(|| a.rule.remote.cmp(&b.rule.remote))
    });
    let shared_features = |mask: u64| -> Vec<SharedStr> {
        bits(mask).map(|i| catalog.feature_ids[i].clone()).collect()
    };
    let mut slots: Vec<Option<Building>> = rules.into_iter().map(Some).collect();
    let rules: Vec<Rule> = order
        .into_iter()
        .filter_map(|i| slots[i].take())
        .map(|b| Rule {
            features: shared_features(b.features),
            ..b.rule
        })
        .collect();

    Ok(RuleSet {
        settings: Settings {
            cloud,
            region: region.clone(),
            paired: paired.cloned(),
            edition,
            features: shared_features(has),
            sources,
            inbound_routes,
            name_prefix: profile.name_prefix().to_string(),
            priority_base: profile.priority_base(),
            dns_proxy: profile.dns_proxy,
        },
        rules,
        warnings: warnings.list,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::BUILTIN_REGIONS;
    use std::collections::HashSet;

    /// A small catalog: features `base` <- `a`, `b`; requirements that merge or must not.
    const CATALOG: &str = r#"
schema_version = 1

[[edition]]
id = "e1"
title = "Only edition"
date = "2021-01-01"
summary = "The only edition."
documents = ["D", "E"]

[[document]]
key = "D"
title = "Doc"
path = "doc.md"
revision = "2021"

[[document]]
key = "E"
title = "Other doc"
path = "other.md"
revision = "2021"

[[feature]]
id = "base"
title = "Base"
group = "compute"
requires = []
help = "base"

[[feature]]
id = "a"
title = "A"
group = "compute"
requires = ["base"]
help = "a"

[[feature]]
id = "b"
title = "B"
group = "compute"
requires = ["base"]
help = "b"

[[requirement]]
id = "upper"
kind = "service-tag"
destination = { all = "Storage.<region>" }
ports = ["tcp:443", "tcp:80"]
features = ["b"]
purpose = "Regional storage, spelled as in the file."
refs = [{ doc = "D", section = "one" }]

[[requirement]]
id = "lower"
kind = "service-tag"
destination = { all = "storage.EASTUS2" }
ports = ["tcp:80", "tcp:443", "tcp:443"]
features = ["a"]
purpose = "The same rule, spelled and ordered differently."
refs = [{ doc = "D", section = "one" }, { doc = "E", section = "two" }]

[[requirement]]
id = "other-ports"
kind = "service-tag"
destination = { all = "Storage.EastUS2" }
ports = ["tcp:8080"]
features = ["a"]
purpose = "Same remote, other ports: a rule of its own."
refs = [{ doc = "D", section = "three" }]

[[requirement]]
id = "dns"
kind = "network"
destination = { all = "<dns>" }
ports = ["udp:53"]
features = ["base"]
purpose = "One rule per DNS server."
refs = [{ doc = "D", section = "four" }]
"#;

    fn catalog() -> Catalog {
        Catalog::from_toml(CATALOG, BUILTIN_REGIONS, "test.toml", "regions.toml")
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn profile(features: &[&str], dns: &[&str]) -> Profile {
        let mut p = Profile::new(Cloud::Public, "eastus2");
        p.features = features.iter().map(|f| f.to_string()).collect();
        p.aks_dns_servers = dns.iter().map(|d| d.to_string()).collect();
        p
    }

    #[test]
    fn rules_merge_ignoring_case_and_port_order() {
        let c = catalog();
        let rs = resolve(&c, &profile(&["a", "b"], &["10.0.0.4"])).unwrap();
        let storage: Vec<&Rule> = rs
            .rules
            .iter()
            .filter(|r| r.remote.eq_ignore_ascii_case("storage.eastus2"))
            .collect();
        assert_eq!(storage.len(), 2, "{storage:#?}");
        let merged = storage.iter().find(|r| r.ports.len() == 2).unwrap();
        // The first requirement in catalog order names the rule and keeps its spelling and ports.
        assert_eq!(merged.id, "upper");
        assert_eq!(merged.remote, "Storage.EastUS2");
        assert_eq!(
            merged
                .ports
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>(),
            ["tcp:443", "tcp:80"]
        );
        assert_eq!(merged.requirements, ["upper", "lower"]);
        // Features in catalog order, whatever order the requirements came in.
        assert_eq!(merged.features, ["a", "b"]);
        // References of both, each once.
        let refs: Vec<String> = merged.references.iter().map(|r| r.short()).collect();
        assert_eq!(refs, ["D (2021) > one", "E (2021) > two"]);
        let other = storage.iter().find(|r| r.ports.len() == 1).unwrap();
        assert_eq!(other.id, "other-ports");
        assert_eq!(other.requirements, ["other-ports"]);
    }

    #[test]
    fn one_rule_per_dns_server_numbered_in_profile_order_sorted_by_address() {
        let c = catalog();
        let rs = resolve(&c, &profile(&["base"], &["10.0.0.5", "10.0.0.10"])).unwrap();
        let dns: Vec<(&str, &str)> = rs
            .of_kind(Kind::Network)
            .map(|r| (r.id.as_str(), r.remote.as_str()))
            .collect();
        assert_eq!(dns, [("dns-2", "10.0.0.10"), ("dns-1", "10.0.0.5")]);
        // None given: no rule, and a warning that says why.
        let rs = resolve(&c, &profile(&["base"], &[])).unwrap();
        assert_eq!(rs.count(Kind::Network), 0);
        assert!(rs.warnings.iter().any(|w| w.code == "dns-default"));
    }

    #[test]
    fn dependencies_are_added_with_a_warning_naming_who_needs_them() {
        let c = catalog();
        let rs = resolve(&c, &profile(&["b", "a", "no-such-feature"], &[])).unwrap();
        assert_eq!(rs.settings.features, ["base", "a", "b"]);
        let added: Vec<&str> = rs
            .warnings
            .iter()
            .filter(|w| w.code == "feature-added")
            .map(|w| w.message.as_str())
            .collect();
        assert_eq!(added, ["feature 'base' added because a, b needs it"]);
        let rs = resolve(&c, &profile(&["base"], &[])).unwrap();
        assert!(rs.warnings.iter().all(|w| w.code != "feature-added"));
        assert_eq!(rs.settings.features, ["base"]);
    }

    #[test]
    fn placeholders_are_filled_in_one_pass() {
        let c = Catalog::builtin();
        let region = c.find_region(Cloud::Public, "eastus2").unwrap();
        let paired = c.find_region(Cloud::Public, "centralus");
        let ctx = Context {
            region,
            paired,
            storage: Some("acct"),
            acr: None,
            workspace_id: None,
        };
        let fill = |t: &str, kind: Kind, dns: Option<&str>| {
            substitute(&SharedStr::from(t), kind, &ctx, dns).map(|s| s.to_string())
        };
        let filled = [
            (
                "<storage>.blob.core.windows.net",
                Kind::FqdnApp,
                None,
                "acct.blob.core.windows.net",
            ),
            (
                "Storage.<region>",
                Kind::ServiceTag,
                None,
                "Storage.EastUS2",
            ),
            (
                "x.<region>.example",
                Kind::FqdnApp,
                None,
                "x.eastus2.example",
            ),
            ("Sql.<paired>", Kind::ServiceTag, None, "Sql.CentralUS"),
            ("<dns>", Kind::Network, Some("10.0.0.4"), "10.0.0.4"),
        ];
        for (template, kind, dns, want) in filled {
            assert_eq!(
                fill(template, kind, dns).ok().as_deref(),
                Some(want),
                "{template}"
            );
        }
        assert!(matches!(
            fill("<acr>.azurecr.io", Kind::FqdnApp, None),
            Err(Missing::Value("<acr>"))
        ));
        // Without a placeholder the catalog's text itself is shared, not copied.
        let plain = SharedStr::from("AzureMachineLearning");
        let out = substitute(&plain, Kind::ServiceTag, &ctx, None)
            .ok()
            .unwrap();
        assert!(std::ptr::eq(plain.as_str(), out.as_str()));
    }

    #[test]
    fn the_merge_key_hashes_case_insensitively() {
        let key = |remote: &str, ports: &'static [PortSpec]| MergeKey {
            kind: Kind::ServiceTag,
            remote: Caseless(remote.into()),
            ports,
            path: None,
            next_hop: None,
        };
        let p443: &'static [PortSpec] = Box::leak(vec!["tcp:443".parse().unwrap()].into());
        let p80: &'static [PortSpec] = Box::leak(vec!["tcp:80".parse().unwrap()].into());
        let mut set: HashSet<MergeKey, BuildHasherDefault<QuickHasher>> = HashSet::default();
        assert!(set.insert(key("Storage.EastUS2", p443)));
        assert!(!set.insert(key("STORAGE.eastus2", p443)));
        assert!(set.insert(key("Storage.EastUS2", p80)));
        assert!(set.insert(key("Storage.EastUS", p443)));
        assert!(set.insert(key("Storage.EastUS2x", p443)));
        assert_eq!(set.len(), 4);
    }

    #[test]
    fn bits_lists_set_positions() {
        assert_eq!(bits(0).collect::<Vec<_>>(), Vec::<usize>::new());
        assert_eq!(bits(0b1010_0001).collect::<Vec<_>>(), [0, 5, 7]);
        assert_eq!(bits(1 << 63).collect::<Vec<_>>(), [63]);
    }
}
