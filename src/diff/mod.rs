//! What changed between two editions of the guidance, for one profile: the rules each edition
//! resolves to, matched by kind, remote and URL path.
//!
//! Pure: `diff` resolves twice and compares; the renderers only format. The comparison is of
//! resolved rules (what an admin deploys), so a requirement that moved from one entry to
//! another with the same host and ports is no change, and one whose ports changed is a change.

use crate::catalog::Catalog;
use crate::model::Kind;
use crate::profile::Profile;
use crate::rules::{resolve, Reference, ResolveError, Rule, RuleSet};
use serde::Serialize;
use std::collections::BTreeSet;

mod header;
pub use header::{parse_export_header, ExportHeader, HeaderError};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DiffError {
    #[error("unknown edition '{id}' (known: {known})")]
    UnknownEdition { id: String, known: String },
    #[error(transparent)]
    Resolve(#[from] ResolveError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

impl ChangeKind {
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        }
    }
}

/// One side of a change: the rules of one edition with this kind, remote and path, together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    pub rule_ids: Vec<String>,
    /// Ports of every rule with this key, sorted (`tcp:443`, `udp:5831`, `https:443`).
    pub ports: Vec<String>,
    /// When the rules are needed: "always" or the features.
    pub needed_for: String,
    pub references: Vec<Reference>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub change: ChangeKind,
    pub kind: Kind,
    pub remote: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What differs, in words (ports, gating).
    pub what: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Side>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Side>,
}

impl Change {
    /// The references that explain the change: the new edition's, else the old one's.
    pub fn sources(&self) -> &[Reference] {
        self.to
            .as_ref()
            .or(self.from.as_ref())
            .map(|s| s.references.as_slice())
            .unwrap_or_default()
    }
}

/// A workspace option one of the editions depends on and the other does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptionChange {
    pub key: String,
    pub title: String,
    /// `true`: the `to` edition uses it and `from` does not.
    pub new_in_to: bool,
    /// The profile's value (absent = false).
    pub value: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EditionDiff {
    pub from: String,
    pub to: String,
    pub cloud: String,
    pub region: String,
    pub features: Vec<String>,
    pub changes: Vec<Change>,
    pub options: Vec<OptionChange>,
}

type Key = (Kind, String, Option<String>);

fn key(r: &Rule) -> Key {
    (
        r.kind,
        r.remote.to_ascii_lowercase(),
        r.path.as_ref().map(|p| p.to_string()),
    )
}

fn side(rules: &[&Rule]) -> Side {
    let mut ports: Vec<String> = rules
        .iter()
        .flat_map(|r| r.ports.iter().map(|p| p.to_string()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    ports.sort_by_key(|p| port_order(p));
    let mut needed: Vec<String> = Vec::new();
    for r in rules {
        let l = r.features_label();
        if !needed.contains(&l) {
            needed.push(l);
        }
    }
    let mut references: Vec<Reference> = Vec::new();
    for r in rules {
        for rf in &r.references {
            if !references.contains(rf) {
                references.push((**rf).clone());
            }
        }
    }
    Side {
        rule_ids: rules.iter().map(|r| r.id.to_string()).collect(),
        ports,
        needed_for: needed.join("; "),
        references,
    }
}

/// Sorts `tcp:80` before `tcp:443` (by protocol, then number), not as text.
fn port_order(p: &str) -> (String, u32, String) {
    let (proto, rest) = p.split_once(':').unwrap_or((p, ""));
    let n = rest
        .split('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    (proto.to_string(), n, rest.to_string())
}

fn groups(rs: &RuleSet) -> Vec<(Key, Vec<&Rule>)> {
    let mut out: Vec<(Key, Vec<&Rule>)> = Vec::new();
    for r in &rs.rules {
        let k = key(r);
        match out.iter_mut().find(|(x, _)| *x == k) {
            Some((_, v)) => v.push(r),
            None => out.push((k, vec![r])),
        }
    }
    out
}

/// The changes from edition `from` to edition `to` for `profile` (whose own edition is
/// ignored). The profile should have passed `Profile::validate`.
pub fn diff(
    catalog: &Catalog,
    profile: &Profile,
    from: &str,
    to: &str,
) -> Result<EditionDiff, DiffError> {
    for id in [from, to] {
        if catalog.edition(id).is_none() {
            return Err(DiffError::UnknownEdition {
                id: id.to_string(),
                known: catalog
                    .editions
                    .iter()
                    .map(|e| e.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    let at = |edition: &str| {
        let mut p = profile.clone();
        p.edition = Some(edition.to_string());
        resolve(catalog, &p)
    };
    let old = at(from)?;
    let new = at(to)?;
    let old_groups = groups(&old);
    let new_groups = groups(&new);
    let mut changes = Vec::new();
    for (k, rules) in &old_groups {
        let Some((_, now)) = new_groups.iter().find(|(x, _)| x == k) else {
            changes.push(Change {
                change: ChangeKind::Removed,
                kind: k.0,
                remote: rules[0].remote.to_string(),
                path: k.2.clone(),
                what: vec![format!(
                    "no longer required ({})",
                    side(rules).ports.join(" ")
                )],
                from: Some(side(rules)),
                to: None,
            });
            continue;
        };
        let (a, b) = (side(rules), side(now));
        let mut what = Vec::new();
        if a.ports != b.ports {
            what.push(format!(
                "ports {} -> {}",
                a.ports.join(" "),
                b.ports.join(" ")
            ));
        }
        if a.needed_for != b.needed_for {
            what.push(format!("needed for {} -> {}", a.needed_for, b.needed_for));
        }
        if !what.is_empty() {
            changes.push(Change {
                change: ChangeKind::Changed,
                kind: k.0,
                remote: now[0].remote.to_string(),
                path: k.2.clone(),
                what,
                from: Some(a),
                to: Some(b),
            });
        }
    }
    for (k, rules) in &new_groups {
        if !old_groups.iter().any(|(x, _)| x == k) {
            let s = side(rules);
            changes.push(Change {
                change: ChangeKind::Added,
                kind: k.0,
                remote: rules[0].remote.to_string(),
                path: k.2.clone(),
                what: vec![format!("newly required ({})", s.ports.join(" "))],
                from: None,
                to: Some(s),
            });
        }
    }
    // Added, changed, removed; within each, in the order of the rules (kind, catalog order).
    changes.sort_by_key(|c| match c.change {
        ChangeKind::Added => 0,
        ChangeKind::Changed => 1,
        ChangeKind::Removed => 2,
    });

    let (fi, ti) = (
        catalog.edition_index(from).unwrap_or(0),
        catalog.edition_index(to).unwrap_or(0),
    );
    let options = catalog
        .options
        .iter()
        .enumerate()
        .filter_map(|(i, o)| {
            let m = catalog.option_editions[i];
            let (in_from, in_to) = (m & 1 << fi != 0, m & 1 << ti != 0);
            (in_from != in_to).then(|| OptionChange {
                key: o.key(),
                title: o.title.clone(),
                new_in_to: in_to,
                value: profile.option(&o.id),
            })
        })
        .collect();

    Ok(EditionDiff {
        from: from.to_string(),
        to: to.to_string(),
        cloud: new.settings.cloud.id().to_string(),
        region: new.settings.region.name.clone(),
        features: new
            .settings
            .features
            .iter()
            .map(|f| f.to_string())
            .collect(),
        changes,
        options,
    })
}

impl EditionDiff {
    pub fn count(&self, kind: ChangeKind) -> usize {
        self.changes.iter().filter(|c| c.change == kind).count()
    }

    fn title(&self) -> String {
        format!(
            "Changes from edition {} to {} for {} / {} ({}): {} added, {} changed, {} removed",
            self.from,
            self.to,
            self.cloud,
            self.region,
            if self.features.is_empty() {
                "no features".to_string()
            } else {
                self.features.join(", ")
            },
            self.count(ChangeKind::Added),
            self.count(ChangeKind::Changed),
            self.count(ChangeKind::Removed)
        )
    }

    fn option_lines(&self) -> Vec<String> {
        self.options
            .iter()
            .map(|o| {
                format!(
                    "option {} ({}): {} edition {}; this profile: {}",
                    o.key,
                    o.title,
                    if o.new_in_to {
                        "used from"
                    } else {
                        "not used by"
                    },
                    self.to,
                    o.value
                )
            })
            .collect()
    }

    /// A plain-text listing: one block per change, with its sources.
    pub fn render_table(&self) -> String {
        let mut out = self.title();
        out.push_str("\n\n");
        for c in &self.changes {
            out.push_str(&format!(
                "{:<8} {:<8} {}{}\n",
                c.change.label(),
                c.kind.id(),
                c.remote,
                c.path.as_deref().unwrap_or_default()
            ));
            for w in &c.what {
                out.push_str(&format!("         {w}\n"));
            }
            for r in c.sources() {
                out.push_str(&format!("         source: {}\n", r.short()));
            }
        }
        if self.changes.is_empty() {
            out.push_str("No rule changes for these choices.\n");
        }
        for l in self.option_lines() {
            out.push_str(&format!("\n{l}"));
        }
        if !self.options.is_empty() {
            out.push('\n');
        }
        out
    }

    pub fn render_markdown(&self) -> String {
        let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
        let mut out = format!("# {}\n\n", cell(&self.title()));
        out.push_str("| Change | Kind | Remote | What | Source |\n|---|---|---|---|---|\n");
        for c in &self.changes {
            let sources: Vec<String> = c.sources().iter().map(|r| r.short()).collect();
            out.push_str(&format!(
                "| {} | {} | `{}{}` | {} | {} |\n",
                c.change.label(),
                c.kind.id(),
                cell(&c.remote),
                cell(c.path.as_deref().unwrap_or_default()),
                cell(&c.what.join("; ")),
                cell(&sources.join("; "))
            ));
        }
        if !self.options.is_empty() {
            out.push('\n');
            for l in self.option_lines() {
                out.push_str(&format!("- {}\n", cell(&l)));
            }
        }
        out
    }

    pub fn render_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a diff always serializes");
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Cloud;

    fn compute_instance() -> Profile {
        let mut p = Profile::new(Cloud::Public, "eastus2");
        p.features = vec!["compute-instance".into()];
        p
    }

    #[test]
    fn the_same_edition_has_no_changes() {
        let c = Catalog::builtin();
        let d = diff(&c, &compute_instance(), "2026-03", "2026-03").unwrap();
        assert!(d.changes.is_empty(), "{:#?}", d.changes);
        assert!(d.options.is_empty());
    }

    #[test]
    fn unknown_editions_are_named() {
        let c = Catalog::builtin();
        let e = diff(&c, &compute_instance(), "2020-01", "2026-03").unwrap_err();
        assert!(e.to_string().contains("'2020-01'"), "{e}");
        assert!(e.to_string().contains("2021-09, 2026-03"), "{e}");
    }

    #[test]
    fn port_changes_are_changes_and_ports_sort_numerically() {
        let c = Catalog::builtin();
        let d = diff(&c, &compute_instance(), "2021-09", "2026-03").unwrap();
        let aad = d
            .changes
            .iter()
            .find(|x| x.kind == Kind::ServiceTag && x.remote == "AzureActiveDirectory")
            .unwrap();
        assert_eq!(aad.change, ChangeKind::Changed);
        assert_eq!(aad.what, ["ports tcp:* -> tcp:80 tcp:443"]);
        assert_eq!(aad.sources()[0].doc, "FW-2603");
        // And the other way round it is the reverse change, sourced from the seed.
        let back = diff(&c, &compute_instance(), "2026-03", "2021-09").unwrap();
        let aad = back
            .changes
            .iter()
            .find(|x| x.remote == "AzureActiveDirectory")
            .unwrap();
        assert_eq!(aad.what, ["ports tcp:80 tcp:443 -> tcp:*"]);
        assert_eq!(aad.sources()[0].doc, "SEED");
    }
}
