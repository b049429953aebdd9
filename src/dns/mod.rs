//! Private DNS for a workspace behind a private endpoint (`amlfw dns`): the private DNS zones
//! to create, the conditional forwarders a custom DNS server needs, and the shapes of the names
//! that resolve through them, per cloud, each with its sources.
//!
//! The data lives in `assets/dns.toml`, embedded in the binary and checked when loaded (unknown
//! keys, document keys, ids, per-cloud gaps, placeholders). `plan` picks the entries of one
//! cloud and fills the placeholders it knows; `render` (in `render.rs`) writes them out.

mod render;

pub use render::{render, DnsFormat};

use crate::model::Cloud;
use crate::reference::Citation;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use thiserror::Error;

pub const BUILTIN_DNS: &str = include_str!("../../assets/dns.toml");

/// Azure's DNS virtual server, the target of every forwarder to Azure DNS.
pub const AZURE_DNS: &str = "168.63.129.16";

/// Placeholders a record shape may contain, with what `plan` writes while they are unknown.
pub const PLACEHOLDERS: [(&str, &str); 5] = [
    ("{workspace_id}", "<workspace-id>"),
    ("{region}", "<region>"),
    ("{workspace_name}", "<workspace-name, truncated>"),
    ("{compute_instance}", "<compute-instance>"),
    ("{endpoint}", "<endpoint>"),
];

#[derive(Debug, Error, PartialEq, Eq)]
pub enum DnsError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: {entry}: {message}")]
    Invalid {
        file: String,
        entry: String,
        message: String,
    },
}

/// Which resource's private endpoint an entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    Workspace,
    Storage,
    KeyVault,
    ContainerRegistry,
}

impl Scope {
    pub fn id(self) -> &'static str {
        match self {
            Scope::Workspace => "workspace",
            Scope::Storage => "storage",
            Scope::KeyVault => "key-vault",
            Scope::ContainerRegistry => "container-registry",
        }
    }
}

/// A document the DNS data cites (shared with the managed-network data).
pub use crate::model::SourceDocument as Document;

/// A caveat on an entry: where documents disagree and what amlfw does.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub text: String,
    pub refs: Vec<Citation>,
    /// Clouds the note concerns; empty means all.
    #[serde(default)]
    pub clouds: Vec<Cloud>,
}

/// What every entry has: an id, a scope, a name per cloud, sources and notes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub id: String,
    pub scope: Scope,
    /// For zones: the service and private endpoint subresource.
    #[serde(default)]
    pub service: Option<String>,
    pub public: Option<String>,
    pub usgov: Option<String>,
    pub china: Option<String>,
    /// Why a cloud has no value; required when one has none.
    #[serde(default)]
    pub missing: Option<String>,
    /// Forwarders: whether an on-premises DNS server forwards the zone too.
    #[serde(default)]
    pub from_on_premises: Option<bool>,
    /// Records: the forwarder whose zone the name falls in.
    #[serde(default)]
    pub forwarder: Option<String>,
    /// Records: the private DNS zone that answers.
    #[serde(default)]
    pub zone: Option<String>,
    #[serde(default)]
    pub purpose: Option<String>,
    pub refs: Vec<Citation>,
    #[serde(default)]
    pub notes: Vec<Note>,
}

impl Entry {
    pub fn name(&self, cloud: Cloud) -> Option<&str> {
        match cloud {
            Cloud::Public => self.public.as_deref(),
            Cloud::Usgov => self.usgov.as_deref(),
            Cloud::China => self.china.as_deref(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsData {
    pub documents: Vec<Document>,
    pub zones: Vec<Entry>,
    pub forwarders: Vec<Entry>,
    pub records: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDns {
    schema_version: u32,
    #[serde(rename = "document")]
    documents: Vec<Document>,
    #[serde(rename = "zone")]
    zones: Vec<Entry>,
    #[serde(rename = "forwarder")]
    forwarders: Vec<Entry>,
    #[serde(rename = "record")]
    records: Vec<Entry>,
}

impl DnsData {
    /// The data embedded in the binary. The test suite loads it, so a failure is a build defect.
    pub fn builtin() -> DnsData {
        DnsData::from_toml(BUILTIN_DNS, "assets/dns.toml")
            .unwrap_or_else(|e| panic!("the built-in DNS data is invalid: {e}"))
    }

    /// Parses and cross-checks DNS data.
    pub fn from_toml(text: &str, file: &str) -> Result<DnsData, DnsError> {
        let raw: RawDns = toml::from_str(text).map_err(|e| DnsError::Parse {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        let bad = |entry: &str, message: String| DnsError::Invalid {
            file: file.to_string(),
            entry: entry.to_string(),
            message,
        };
        if raw.schema_version != 1 {
            return Err(bad(
                "schema_version",
                format!(
                    "unsupported schema_version {} (this build reads 1)",
                    raw.schema_version
                ),
            ));
        }
        let mut keys = BTreeSet::new();
        for d in &raw.documents {
            if !keys.insert(d.key.as_str()) {
                return Err(bad(&d.key, "duplicate document key".into()));
            }
            if d.commit.len() != 40 || !d.commit.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad(&d.key, "commit must be 40 hex digits".into()));
            }
            if [&d.title, &d.path, &d.revision]
                .iter()
                .any(|s| s.trim().is_empty())
            {
                return Err(bad(
                    &d.key,
                    "title, path and revision must not be empty".into(),
                ));
            }
        }
        let data = DnsData {
            documents: raw.documents,
            zones: raw.zones,
            forwarders: raw.forwarders,
            records: raw.records,
        };
        for (kind, list) in [
            ("zone", &data.zones),
            ("forwarder", &data.forwarders),
            ("record", &data.records),
        ] {
            let mut ids = BTreeSet::new();
            for e in list.iter() {
                let at = format!("{kind} {}", e.id);
                if !ids.insert(e.id.as_str()) {
                    return Err(bad(&at, "duplicate id".into()));
                }
                data.check_entry(kind, e).map_err(|m| bad(&at, m))?;
            }
        }
        Ok(data)
    }

    fn check_entry(&self, kind: &str, e: &Entry) -> Result<(), String> {
        let check_refs = |refs: &[Citation]| -> Result<(), String> {
            if refs.is_empty() {
                return Err("needs at least one reference".into());
            }
            for r in refs {
                if !self.documents.iter().any(|d| d.key == r.doc) {
                    return Err(format!("unknown document '{}'", r.doc));
                }
                if r.section.trim().is_empty() {
                    return Err(format!("empty section in a reference to {}", r.doc));
                }
            }
            Ok(())
        };
        check_refs(&e.refs)?;
        for n in &e.notes {
            if n.text.trim().is_empty() {
                return Err("empty note".into());
            }
            check_refs(&n.refs)?;
        }
        let names: Vec<&str> = Cloud::ALL.iter().filter_map(|c| e.name(*c)).collect();
        if names.is_empty() {
            return Err("has no name in any cloud".into());
        }
        let gap = names.len() < Cloud::ALL.len();
        match (&e.missing, gap) {
            (None, true) => return Err("a cloud has no name: say why in `missing`".into()),
            (Some(_), false) => return Err("`missing` given but every cloud has a name".into()),
            _ => {}
        }
        for n in &names {
            check_name(kind, n)?;
        }
        let field = |set: bool, what: &str| -> Result<(), String> {
            if set {
                Err(format!("`{what}` does not belong in a {kind}"))
            } else {
                Ok(())
            }
        };
        match kind {
            "zone" => {
                if e.service.is_none() {
                    return Err("a zone needs `service`".into());
                }
                field(e.from_on_premises.is_some(), "from_on_premises")?;
                field(e.forwarder.is_some() || e.zone.is_some(), "forwarder/zone")?;
                field(e.purpose.is_some(), "purpose")?;
            }
            "forwarder" => {
                if e.from_on_premises.is_none() {
                    return Err("a forwarder needs `from_on_premises`".into());
                }
                field(e.service.is_some(), "service")?;
                field(e.forwarder.is_some() || e.zone.is_some(), "forwarder/zone")?;
                field(e.purpose.is_some(), "purpose")?;
            }
            _ => {
                field(e.service.is_some(), "service")?;
                field(e.from_on_premises.is_some(), "from_on_premises")?;
                if e.purpose.is_none() {
                    return Err("a record needs `purpose`".into());
                }
                let Some(f) = self
                    .forwarders
                    .iter()
                    .find(|f| Some(&f.id) == e.forwarder.as_ref())
                else {
                    return Err(format!("unknown or missing forwarder {:?}", e.forwarder));
                };
                if let Some(z) = &e.zone {
                    if !self.zones.iter().any(|x| &x.id == z) {
                        return Err(format!("unknown zone '{z}'"));
                    }
                }
                // The name must fall inside the forwarded zone, in every cloud it has.
                for c in Cloud::ALL {
                    if let (Some(n), fz) = (e.name(c), f.name(c)) {
                        let inside = fz.is_some_and(|fz| n.ends_with(&format!(".{fz}")));
                        let via_zone = e.zone.as_ref().is_some_and(|z| {
                            self.zones.iter().any(|x| {
                                &x.id == z
                                    && x.name(c).is_some_and(|zn| n.ends_with(&format!(".{zn}")))
                            })
                        });
                        if !inside && !via_zone {
                            return Err(format!(
                                "{} name '{n}' is neither under forwarder {} nor under its zone",
                                c.id(),
                                f.id
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    pub fn document(&self, key: &str) -> Option<&Document> {
        self.documents.iter().find(|d| d.key == key)
    }
}

/// A zone, forwarder or record name: DNS labels (letters, digits, `-`, `_`), records may also
/// hold placeholders and a leading `*.`.
fn check_name(kind: &str, name: &str) -> Result<(), String> {
    let mut rest = name.to_string();
    if kind == "record" {
        for (p, _) in PLACEHOLDERS {
            rest = rest.replace(p, "x");
        }
        if let Some(r) = rest.strip_prefix("*.") {
            rest = r.to_string();
        }
    }
    let ok = !rest.is_empty()
        && rest.len() <= 253
        && rest.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{name}' is not a lowercase DNS name (or has an unknown placeholder)"
        ))
    }
}

/// What the plan is for.
#[derive(Debug, Clone, Copy)]
pub struct DnsQuery<'a> {
    pub cloud: Cloud,
    /// ARM region name, when known.
    pub region: Option<&'a str>,
    /// The workspace's GUID, when known.
    pub workspace_id: Option<&'a str>,
    /// Include the dependent resources' zones (storage, key vault, registry).
    pub dependencies: bool,
    /// Prefix of generated resource names (Terraform/Bicep links).
    pub name_prefix: &'a str,
}

/// One entry resolved for a cloud.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanEntry {
    pub id: String,
    pub scope: Scope,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_on_premises: Option<bool>,
    /// Records: the forwarded zone (name) the record falls in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forwarder: Option<String>,
    /// Records: the private DNS zone (name) that answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    pub sources: Vec<Source>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<PlanNote>,
}

/// A reference with its document spelled out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub document: String,
    pub title: String,
    pub path: String,
    pub commit: String,
    pub revision: String,
    pub section: String,
}

impl Source {
    /// One line: `title (revision, path@commit7): section`.
    pub fn line(&self) -> String {
        format!(
            "{} ({}, {}@{}): {}",
            self.title,
            self.revision,
            self.path,
            &self.commit[..7.min(self.commit.len())],
            self.section
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanNote {
    pub text: String,
    pub sources: Vec<Source>,
}

/// An entry with no name in this cloud, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Omitted {
    pub kind: &'static str,
    pub id: String,
    pub scope: Scope,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DnsPlan {
    pub cloud: Cloud,
    pub region: Option<String>,
    pub workspace_id: Option<String>,
    pub azure_dns: &'static str,
    pub zones: Vec<PlanEntry>,
    pub forwarders: Vec<PlanEntry>,
    pub records: Vec<PlanEntry>,
    pub omitted: Vec<Omitted>,
    #[serde(skip)]
    pub name_prefix: String,
}

/// Fills the placeholders `q` knows; the others become `<...>` markers.
fn fill(pattern: &str, q: &DnsQuery) -> String {
    let mut s = pattern.to_string();
    for (p, marker) in PLACEHOLDERS {
        let value = match p {
            "{workspace_id}" => q.workspace_id,
            "{region}" => q.region,
            _ => None,
        };
        s = s.replace(p, value.unwrap_or(marker));
    }
    s
}

/// The zones, forwarders and records of `q.cloud`, placeholders filled from `q`.
pub fn plan(data: &DnsData, q: &DnsQuery) -> DnsPlan {
    let sources = |refs: &[Citation]| -> Vec<Source> {
        refs.iter()
            .filter_map(|r| {
                data.document(&r.doc).map(|d| Source {
                    document: d.key.clone(),
                    title: d.title.clone(),
                    path: d.path.clone(),
                    commit: d.commit.clone(),
                    revision: d.revision.clone(),
                    section: r.section.clone(),
                })
            })
            .collect()
    };
    let wanted = |e: &Entry| q.dependencies || e.scope == Scope::Workspace;
    let mut omitted = Vec::new();
    let mut pick = |kind: &'static str, list: &[Entry]| -> Vec<PlanEntry> {
        let mut out = Vec::new();
        for e in list.iter().filter(|e| wanted(e)) {
            let Some(name) = e.name(q.cloud) else {
                omitted.push(Omitted {
                    kind,
                    id: e.id.clone(),
                    scope: e.scope,
                    reason: e.missing.clone().unwrap_or_default(),
                });
                continue;
            };
            let by_id = |l: &[Entry], id: &Option<String>| {
                id.as_ref().and_then(|id| {
                    l.iter()
                        .find(|x| &x.id == id)
                        .and_then(|x| x.name(q.cloud))
                        .map(str::to_string)
                })
            };
            out.push(PlanEntry {
                id: e.id.clone(),
                scope: e.scope,
                name: if kind == "record" {
                    fill(name, q)
                } else {
                    name.to_string()
                },
                service: e.service.clone(),
                from_on_premises: e.from_on_premises,
                forwarder: by_id(&data.forwarders, &e.forwarder),
                zone: by_id(&data.zones, &e.zone),
                purpose: e.purpose.clone(),
                sources: sources(&e.refs),
                notes: e
                    .notes
                    .iter()
                    .filter(|n| n.clouds.is_empty() || n.clouds.contains(&q.cloud))
                    .map(|n| PlanNote {
                        text: n.text.clone(),
                        sources: sources(&n.refs),
                    })
                    .collect(),
            });
        }
        out
    };
    let zones = pick("zone", &data.zones);
    let forwarders = pick("forwarder", &data.forwarders);
    let records = pick("record", &data.records);
    DnsPlan {
        cloud: q.cloud,
        region: q.region.map(str::to_string),
        workspace_id: q.workspace_id.map(str::to_string),
        azure_dns: AZURE_DNS,
        zones,
        forwarders,
        records,
        omitted,
        name_prefix: q.name_prefix.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(text_edit: impl Fn(&str) -> String) -> Result<DnsData, DnsError> {
        DnsData::from_toml(&text_edit(BUILTIN_DNS), "t.toml")
    }

    #[test]
    fn builtin_loads() {
        let d = DnsData::builtin();
        assert!(d.zones.len() >= 9 && d.forwarders.len() >= 10 && d.records.len() >= 7);
    }

    #[test]
    fn unknown_key_is_refused() {
        let e = with(|t| {
            t.replacen(
                "scope = \"workspace\"",
                "scope = \"workspace\"\nextra = 1",
                1,
            )
        });
        assert!(matches!(e, Err(DnsError::Parse { .. })), "{e:?}");
    }

    #[test]
    fn unknown_document_is_refused() {
        let e = with(|t| t.replacen("doc = \"PL-2505\"", "doc = \"NOPE\"", 1)).unwrap_err();
        assert!(e.to_string().contains("unknown document 'NOPE'"), "{e}");
    }

    #[test]
    fn a_gap_needs_a_reason() {
        let e = with(|t| {
            t.replacen(
                "missing = \"The China tables of the cited revisions have no Container Registry row; amlfw does not guess a name. Check the current private endpoint DNS page before creating one.\"\n",
                "",
                1,
            )
        })
        .unwrap_err();
        assert!(e.to_string().contains("zone container-registry"), "{e}");
    }

    #[test]
    fn a_record_outside_its_forwarder_is_refused() {
        let e = with(|t| {
            t.replacen(
                "public = \"{endpoint}.{region}.inference.ml.azure.com\"",
                "public = \"{endpoint}.{region}.inference.example.com\"",
                1,
            )
        })
        .unwrap_err();
        assert!(e.to_string().contains("record online-endpoint"), "{e}");
    }

    #[test]
    fn unknown_placeholder_is_refused() {
        let e = with(|t| t.replacen("{compute_instance}-22", "{ci}-22", 1)).unwrap_err();
        assert!(e.to_string().contains("compute-instance-ssh"), "{e}");
    }

    #[test]
    fn placeholders_fill_from_the_query() {
        let d = DnsData::builtin();
        let q = DnsQuery {
            cloud: Cloud::Usgov,
            region: Some("usgovvirginia"),
            workspace_id: Some("52882c08-ead2-44aa-af65-08a75cf094bd"),
            dependencies: false,
            name_prefix: "aml",
        };
        let p = plan(&d, &q);
        let api = p.records.iter().find(|r| r.id == "workspace-api").unwrap();
        assert_eq!(
            api.name,
            "52882c08-ead2-44aa-af65-08a75cf094bd.workspace.usgovvirginia.api.ml.azure.us"
        );
        let q = DnsQuery {
            region: None,
            workspace_id: None,
            ..q
        };
        let api = plan(&d, &q)
            .records
            .into_iter()
            .find(|r| r.id == "workspace-api");
        assert_eq!(
            api.unwrap().name,
            "<workspace-id>.workspace.<region>.api.ml.azure.us"
        );
        assert!(p.zones.iter().all(|z| z.scope == Scope::Workspace));
    }
}
