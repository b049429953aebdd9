//! The resolve step itself: placeholders, editions, features and merging into rules.

use super::merge::{Caseless, MergeIndex, MergeKey};
use super::{concern, Hint, ResolveError, Rule, RuleSet, Setting, Settings, Warning};
use crate::catalog::{Catalog, Region, Requirement};
use crate::fields::Named;
use crate::model::{Family, InboundRoutes, Kind};
use crate::profile::Profile;
use crate::remote::Remote;
use crate::shared::SharedStr;
use std::collections::hash_map::Entry;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

/// A rule while resolve builds it: the catalog position of its first requirement (the sort
/// key) and its features as bits of catalog positions (turned into names once, at the end).
pub(super) struct Building {
    rule: Rule,
    pos: usize,
    features: u64,
}

pub(super) struct Context<'a> {
    pub region: &'a Region,
    pub paired: Option<&'a Region>,
    pub storage: Option<&'a str>,
    pub acr: Option<&'a str>,
    pub workspace_id: Option<&'a str>,
}

/// Why a placeholder could not be filled.
pub(super) enum Missing {
    /// No value: use the requirement's fallback, if any.
    Value(&'static str),
    /// The region has no regional service tags: use the global tag.
    RegionalTag,
    /// The region has no pair.
    Pair,
}

/// Fills the placeholders of `template` in one pass. Most remotes have none: those are
/// shared with the catalog after one byte search.
pub(super) fn substitute(
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
pub(super) fn bits(mut mask: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (mask != 0).then(|| {
            let i = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            i
        })
    })
}

/// Strips a regional suffix from a tag: `Storage.<region>` -> `Storage`.
pub(super) fn global_tag(template: &str) -> Option<SharedStr> {
    let (base, suffix) = template.split_once('.')?;
    suffix.starts_with('<').then(|| base.into())
}

/// Collects warnings, merging equal messages and the rules they concern.
#[derive(Default)]
pub(super) struct Warnings {
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
            hint: None,
        });
    }

    /// A warning whose message ends in a hint naming the profile field `hint.field`: the
    /// message spells it as `spell` does (the command line's way, `Field::cli`, for most), and
    /// the hint is kept for other front ends.
    fn add_hinted(
        &mut self,
        code: &str,
        hint: Hint,
        spell: fn(Named) -> String,
        rule: Option<&str>,
        concerns: &[Family],
    ) {
        let message = hint.worded(spell);
        let new = !self.list.iter().any(|w| w.message == message);
        self.add(code, message, rule, concerns);
        if new {
            if let Some(w) = self.list.last_mut() {
                w.hint = Some(hint);
            }
        }
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
            // This message has always named the profile key (it concerns the AKS VNet's DNS,
            // which profiles record), and exports carry it: kept so.
            warnings.add_hinted(
                "dns-default",
                Hint {
                    setting: Setting::Field("aks_dns_servers"),
                    before: format!(
                        "no custom DNS servers given: assuming Azure-provided DNS, so no UDP 53 rule ({}); ",
                        req.id
                    ),
                    template: "set {} if the VNet uses its own DNS",
                },
                |n| n.key.to_string(),
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
                        // (code, what is missing, its field, what the wildcard allows)
                        let what = match ph {
                            "<storage>" => (
                                "storage-wildcard",
                                "storage account",
                                "storage_account",
                                "every account of that kind",
                            ),
                            "<workspace-id>" => (
                                "workspace-id-wildcard",
                                "workspace ID",
                                "workspace_id",
                                "every workspace of the region",
                            ),
                            _ => (
                                "acr-wildcard",
                                "container registry name",
                                "acr_name",
                                "every account of that kind",
                            ),
                        };
                        warnings.add_hinted(
                            what.0,
                            Hint {
                                setting: Setting::Field(what.2),
                                before: format!(
                                    "no {} given: using the wildcard host {fb}, which allows {}; ",
                                    what.1, what.3
                                ),
                                template: "set {} to narrow it",
                            },
                            |n| n.cli.to_string(),
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
        warnings.add_hinted(
            "any-source",
            Hint {
                setting: Setting::Field("sources"),
                before:
                    "no source subnets given, so every Azure Firewall rule allows ANY source (*); "
                        .into(),
                template: "give the subnets of the workspace's compute ({}) to narrow them",
            },
            |n| n.cli.to_string(),
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
            warnings.add_hinted(
                "option-default",
                Hint {
                    setting: Setting::Option {
                        key: o.key(),
                        cli: format!("--{}", o.id),
                        label: o.title.clone(),
                    },
                    before: format!(
                        "{} ('{}') not given: taken as false, so the rules assume it does not hold; ",
                        o.key(),
                        o.title
                    ),
                    template: "set {} if it applies",
                },
                |n| format!("{} = true in the profile or pass {}", n.key, n.cli),
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
