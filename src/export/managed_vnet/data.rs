//! `assets/managed-network.toml`: what a managed virtual network in approved-only mode creates
//! by itself, and the limits of user-defined outbound rules. Loaded with unknown keys refused
//! and every reference checked.

use crate::reference::Citation;
use serde::Deserialize;
use std::collections::BTreeSet;

pub const BUILTIN_MANAGED_NETWORK: &str = include_str!("../../../assets/managed-network.toml");

/// A document the managed-network data cites.
pub use crate::model::SourceDocument as Document;

/// Rules of the rule set that the managed network already allows by a rule it creates.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Covered {
    pub id: String,
    /// The rule Azure creates, as said to the admin.
    pub created: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub requirements: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
    pub refs: Vec<Citation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub fqdn_ports: Vec<u16>,
    pub fqdn_ports_refs: Vec<Citation>,
    pub storage_domains: Vec<String>,
    pub storage_tags: Vec<String>,
    pub storage_refs: Vec<Citation>,
    pub firewall_refs: Vec<Citation>,
}

/// Features whose compute a managed network does not support.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unsupported {
    /// Catalog feature ids.
    pub features: Vec<String>,
    /// What they are, as said to the admin.
    pub what: String,
    pub refs: Vec<Citation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedNetworkData {
    pub schema_version: u32,
    #[serde(rename = "document")]
    pub documents: Vec<Document>,
    pub covered: Vec<Covered>,
    pub unsupported: Unsupported,
    pub limits: Limits,
}

impl ManagedNetworkData {
    /// The embedded data; the test suite loads it, so a failure is a build defect.
    pub fn builtin() -> &'static ManagedNetworkData {
        static D: std::sync::LazyLock<ManagedNetworkData> = std::sync::LazyLock::new(|| {
            ManagedNetworkData::from_toml(BUILTIN_MANAGED_NETWORK)
                .unwrap_or_else(|e| panic!("assets/managed-network.toml is invalid: {e}"))
        });
        &D
    }

    pub fn from_toml(text: &str) -> Result<ManagedNetworkData, String> {
        let d: ManagedNetworkData = toml::from_str(text).map_err(|e| e.to_string())?;
        if d.schema_version != 1 {
            return Err(format!(
                "unsupported schema_version {} (this build reads 1)",
                d.schema_version
            ));
        }
        let keys: BTreeSet<&str> = d.documents.iter().map(|x| x.key.as_str()).collect();
        let check = |what: &str, refs: &[Citation]| -> Result<(), String> {
            if refs.is_empty() {
                return Err(format!("{what}: needs a reference"));
            }
            match refs.iter().find(|r| !keys.contains(r.doc.as_str())) {
                Some(r) => Err(format!("{what}: unknown document '{}'", r.doc)),
                None => Ok(()),
            }
        };
        let mut ids = BTreeSet::new();
        for c in &d.covered {
            if !ids.insert(c.id.as_str()) {
                return Err(format!("covered {}: duplicate id", c.id));
            }
            if c.tags.is_empty() && c.hosts.is_empty() && c.requirements.is_empty() {
                return Err(format!("covered {}: matches nothing", c.id));
            }
            check(&format!("covered {}", c.id), &c.refs)?;
        }
        check("unsupported", &d.unsupported.refs)?;
        if d.unsupported.features.is_empty() {
            return Err("unsupported.features is empty".into());
        }
        check("limits.fqdn_ports_refs", &d.limits.fqdn_ports_refs)?;
        check("limits.storage_refs", &d.limits.storage_refs)?;
        check("limits.firewall_refs", &d.limits.firewall_refs)?;
        if d.limits.fqdn_ports.is_empty() {
            return Err("limits.fqdn_ports is empty".into());
        }
        Ok(d)
    }

    /// `title (revision): section` of a reference.
    pub fn cite(&self, r: &Citation) -> String {
        let d = self.documents.iter().find(|d| d.key == r.doc);
        match d {
            Some(d) => format!("{} ({}): {}", d.title, d.revision, r.section),
            None => format!("{}: {}", r.doc, r.section),
        }
    }
}

/// Whether `host` (maybe `*.`-prefixed) is `domain` or a name under it.
pub fn under(host: &str, domain: &str) -> bool {
    let h = host.strip_prefix("*.").unwrap_or(host).to_ascii_lowercase();
    let d = domain.to_ascii_lowercase();
    h == d || h.ends_with(&format!(".{d}"))
}

/// Whether a service tag (maybe regional, `Storage.EastUS2`) is `listed` or a region of it.
pub fn tag_is(tag: &str, listed: &str) -> bool {
    tag.eq_ignore_ascii_case(listed)
        || (!listed.contains('.')
            && tag
                .split_once('.')
                .is_some_and(|(base, _)| base.eq_ignore_ascii_case(listed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_loads_and_refuses_unknown_keys_and_documents() {
        let d = ManagedNetworkData::builtin();
        assert!(d.covered.len() >= 5);
        let bad = BUILTIN_MANAGED_NETWORK.replacen("created =", "extra = 1\ncreated =", 1);
        assert!(ManagedNetworkData::from_toml(&bad).is_err());
        let bad = BUILTIN_MANAGED_NETWORK.replacen("doc = \"MVNET-2505\"", "doc = \"X\"", 1);
        assert!(ManagedNetworkData::from_toml(&bad)
            .unwrap_err()
            .contains("unknown document 'X'"));
    }

    #[test]
    fn matching() {
        assert!(under("*.vault.azure.net", "vault.azure.net"));
        assert!(under("vault.azure.net", "vault.azure.net"));
        assert!(!under("evilvault.azure.net", "vault.azure.net"));
        assert!(tag_is("Storage.EastUS2", "Storage"));
        assert!(tag_is(
            "AzureFrontDoor.FirstParty",
            "AzureFrontDoor.FirstParty"
        ));
        assert!(!tag_is(
            "AzureFrontDoor.Frontend",
            "AzureFrontDoor.FirstParty"
        ));
        assert!(!tag_is("StorageSyncService", "Storage"));
    }
}
