//! Look-ups on a loaded catalog: features, documents, editions, regions, dependencies.

use super::checks::{edit_distance, squash, squashed_eq};
use super::*;

impl Catalog {
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

    /// Why `name` is not a region of `cloud`: the cloud it is a region of (a usgov region with
    /// the default public cloud: the cloud is what is wrong), else the closest names of `cloud`.
    pub fn unknown_region(&self, cloud: Cloud, name: &str) -> String {
        let other = Cloud::ALL
            .into_iter()
            .find_map(|c| Some((c, self.find_region(c, name)?)));
        match other {
            Some((c, r)) => format!(
                "{} is a region of {} ({}), not of {} ({}): choose the cloud {} (--cloud {}, or cloud = \"{}\" in a profile)",
                r.name,
                c.id(),
                c.title(),
                cloud.id(),
                cloud.title(),
                c.id(),
                c.id(),
                c.id()
            ),
            None => format!(
                "not a region of {} ({}); closest: {} (see `amlfw regions --cloud {}`)",
                cloud.id(),
                cloud.title(),
                self.closest_regions(cloud, name).join(", "),
                cloud.id()
            ),
        }
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
