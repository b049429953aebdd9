//! A profile: the admin's choices (cloud, region, features, workspace details, naming).
//! Stored as TOML (`schema_version = 1`), built from CLI flags, or edited in the TUI.
//!
//! Parsing rejects unknown keys with their line and column; validation checks every value a
//! user typed, naming the field, the value and what is allowed. Values are validated strictly
//! because they end up inside ARM templates, HCL and shell scripts.

use crate::catalog::Catalog;
use crate::model::{Cloud, InboundRoutes};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use thiserror::Error;

pub const SCHEMA_VERSION: u32 = 1;
pub const DEFAULT_NAME_PREFIX: &str = "aml";
pub const DEFAULT_PRIORITY_BASE: u32 = 1000;
/// Azure Firewall accepts 100-65000; NSGs 100-4096. The base must suit both.
pub const PRIORITY_BASE_RANGE: std::ops::RangeInclusive<u32> = 100..=4000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub schema_version: u32,
    pub cloud: Cloud,
    /// ARM name (display names are accepted on input and normalised by `validate`).
    pub region: String,
    /// Edition of Microsoft's guidance; absent = the catalog's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    #[serde(default)]
    pub features: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr_name: Option<String>,
    /// The workspace's GUID (fills DNS names in `amlfw dns`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
    /// CIDRs the outbound traffic comes from; empty = the whole virtual network.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// Absent = `service-tags` when compute is selected, else `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbound_routes: Option<InboundRoutes>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aks_dns_servers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_base: Option<u32>,
    /// The Azure Firewall policy has DNS proxy on, so network rules may name host names
    /// (Azure refuses them otherwise, and with them the whole rule collection group).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dns_proxy: bool,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ProfileError {
    #[error("{0}")]
    Parse(String),
    #[error(
        "schema_version {found} is newer than this amlfw understands ({SCHEMA_VERSION}); upgrade amlfw to read it"
    )]
    NewerSchema { found: u32 },
    #[error("schema_version {found} is not supported (expected {SCHEMA_VERSION})")]
    BadSchema { found: i64 },
    #[error("{field} = '{value}': {reason}")]
    Invalid {
        field: &'static str,
        value: String,
        reason: String,
    },
}

impl ProfileError {
    /// The profile field the error is about, to point at its line in a file.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ProfileError::Invalid { field, .. } => Some(field),
            ProfileError::NewerSchema { .. } | ProfileError::BadSchema { .. } => {
                Some("schema_version")
            }
            ProfileError::Parse(_) => None,
        }
    }
}

fn invalid(
    field: &'static str,
    value: impl Into<String>,
    reason: impl Into<String>,
) -> ProfileError {
    ProfileError::Invalid {
        field,
        value: value.into(),
        reason: reason.into(),
    }
}

impl Profile {
    pub fn new(cloud: Cloud, region: impl Into<String>) -> Profile {
        Profile {
            schema_version: SCHEMA_VERSION,
            cloud,
            region: region.into(),
            edition: None,
            features: Vec::new(),
            storage_account: None,
            acr_name: None,
            workspace_id: None,
            sources: Vec::new(),
            inbound_routes: None,
            aks_dns_servers: Vec::new(),
            name_prefix: None,
            priority_base: None,
            dns_proxy: false,
        }
    }

    /// What `amlfw` starts with when given nothing: a public-cloud workspace in East US 2 with
    /// compute, studio and the usual Python package sources.
    pub fn builtin_default() -> Profile {
        let mut p = Profile::new(Cloud::Public, "eastus2");
        p.features = [
            "compute-cluster",
            "compute-instance",
            "studio",
            "conda",
            "pip",
        ]
        .map(String::from)
        .to_vec();
        p
    }

    /// Parses a profile's TOML. Unknown keys are errors with line and column.
    pub fn from_toml(text: &str) -> Result<Profile, ProfileError> {
        // Look at the version first, so a newer file gets "upgrade amlfw" rather than a
        // confusing complaint about a key this version does not know.
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ProfileError::Parse(toml_error(text, &e)))?;
        match table.get("schema_version") {
            None => {
                return Err(invalid(
                    "schema_version",
                    "",
                    "missing; write schema_version = 1",
                ))
            }
            Some(toml::Value::Integer(v)) if *v > i64::from(SCHEMA_VERSION) => {
                return Err(ProfileError::NewerSchema {
                    found: u32::try_from(*v).unwrap_or(u32::MAX),
                })
            }
            Some(toml::Value::Integer(v)) if *v != i64::from(SCHEMA_VERSION) => {
                return Err(ProfileError::BadSchema { found: *v })
            }
            _ => {}
        }
        toml::from_str(text).map_err(|e: toml::de::Error| ProfileError::Parse(toml_error(text, &e)))
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a profile always serializes")
    }

    pub fn name_prefix(&self) -> &str {
        self.name_prefix.as_deref().unwrap_or(DEFAULT_NAME_PREFIX)
    }

    pub fn priority_base(&self) -> u32 {
        self.priority_base.unwrap_or(DEFAULT_PRIORITY_BASE)
    }

    pub fn has_feature(&self, id: &str) -> bool {
        self.features.iter().any(|f| f == id)
    }

    /// Selects a feature and everything it needs; returns the ids that were added because
    /// `id` needs them.
    pub fn select_feature(&mut self, catalog: &Catalog, id: &str) -> Vec<String> {
        let mut pulled = Vec::new();
        for dep in catalog.with_dependencies([id]) {
            if !self.has_feature(dep) {
                self.features.push(dep.to_string());
                if dep != id {
                    pulled.push(dep.to_string());
                }
            }
        }
        self.sort_features(catalog);
        pulled
    }

    /// Unselects a feature and everything that needs it; returns the dependents removed.
    pub fn unselect_feature(&mut self, catalog: &Catalog, id: &str) -> Vec<String> {
        let dependents = catalog.dependents_of(id);
        let mut dropped = Vec::new();
        self.features.retain(|f| {
            if f == id {
                false
            } else if dependents.contains(&f.as_str()) {
                dropped.push(f.clone());
                false
            } else {
                true
            }
        });
        dropped
    }

    /// Puts features in catalog order and removes duplicates (unknown ids go last).
    pub fn sort_features(&mut self, catalog: &Catalog) {
        let pos = |id: &str| {
            catalog
                .features
                .iter()
                .position(|f| f.id == id)
                .unwrap_or(usize::MAX)
        };
        self.features
            .sort_by(|a, b| pos(a).cmp(&pos(b)).then(a.cmp(b)));
        self.features.dedup();
    }

    /// The effective inbound routes mode.
    pub fn effective_inbound_routes(&self) -> InboundRoutes {
        self.inbound_routes.unwrap_or_else(|| {
            if self.has_feature("compute-cluster") || self.has_feature("compute-instance") {
                InboundRoutes::ServiceTags
            } else {
                InboundRoutes::None
            }
        })
    }

    /// Checks every value against the catalog and the rules below, and normalises the region
    /// to its ARM name (display names are accepted).
    pub fn validate(&mut self, catalog: &Catalog) -> Result<(), ProfileError> {
        if self.schema_version != SCHEMA_VERSION {
            return Err(ProfileError::BadSchema {
                found: i64::from(self.schema_version),
            });
        }
        match catalog.find_region(self.cloud, &self.region) {
            Some(r) => self.region = r.name.clone(),
            None => {
                let hint = catalog.closest_regions(self.cloud, &self.region);
                return Err(invalid(
                    "region",
                    &self.region,
                    format!(
                        "not a region of {} ({}); closest: {} (see `amlfw regions --cloud {}`)",
                        self.cloud.id(),
                        self.cloud.title(),
                        hint.join(", "),
                        self.cloud.id()
                    ),
                ));
            }
        }
        if let Some(e) = &self.edition {
            if catalog.edition_index(e).is_none() {
                let known: Vec<&str> = catalog.editions.iter().map(|e| e.id.as_str()).collect();
                return Err(invalid(
                    "edition",
                    e,
                    format!("unknown edition (known: {})", known.join(", ")),
                ));
            }
        }
        for f in &self.features {
            if catalog.feature(f).is_none() {
                return Err(invalid(
                    "features",
                    f,
                    "unknown feature id (see `amlfw features` for the list)",
                ));
            }
        }
        if let Some(s) = &self.storage_account {
            validate_storage_account(s).map_err(|r| invalid("storage_account", s, r))?;
        }
        if let Some(s) = &self.acr_name {
            validate_acr_name(s).map_err(|r| invalid("acr_name", s, r))?;
        }
        if let Some(s) = &self.workspace_id {
            crate::dns::validate_workspace_id(s).map_err(|r| invalid("workspace_id", s, r))?;
        }
        for s in &self.sources {
            parse_source(s).map_err(|r| invalid("sources", s, r))?;
        }
        for s in &self.aks_dns_servers {
            parse_dns_server(s).map_err(|r| invalid("aks_dns_servers", s, r))?;
        }
        if let Some(p) = &self.name_prefix {
            validate_name_prefix(p).map_err(|r| invalid("name_prefix", p, r))?;
        }
        if let Some(b) = self.priority_base {
            validate_priority_base(b).map_err(|r| invalid("priority_base", b.to_string(), r))?;
        }
        Ok(())
    }

    /// The source CIDRs, parsed. Call after `validate`.
    pub fn parsed_sources(&self) -> Vec<IpNet> {
        self.sources
            .iter()
            .filter_map(|s| parse_source(s).ok())
            .collect()
    }

    pub fn parsed_dns_servers(&self) -> Vec<IpAddr> {
        self.aks_dns_servers
            .iter()
            .filter_map(|s| parse_dns_server(s).ok())
            .collect()
    }
}

/// Azure storage account names: 3-24 characters, lowercase letters and digits only.
pub fn validate_storage_account(s: &str) -> Result<(), String> {
    let ok_chars = s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !(3..=24).contains(&s.len()) || !ok_chars {
        return Err("a storage account name is 3-24 lowercase letters and digits".into());
    }
    Ok(())
}

/// Azure Container Registry names: 5-50 alphanumeric characters.
pub fn validate_acr_name(s: &str) -> Result<(), String> {
    if !(5..=50).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err("a container registry name is 5-50 letters and digits".into());
    }
    Ok(())
}

/// A source is an IPv4 or IPv6 network in CIDR form; a bare address means a single host.
/// Host bits must be zero, so `10.0.0.5/24` is refused rather than silently widened.
pub fn parse_source(s: &str) -> Result<IpNet, String> {
    let net = if s.contains('/') {
        s.parse::<IpNet>()
            .map_err(|_| "not a CIDR (e.g. 10.0.1.0/24 or 2001:db8::/64)".to_string())?
    } else {
        let ip: IpAddr = s
            .parse()
            .map_err(|_| "not a CIDR (e.g. 10.0.1.0/24 or 2001:db8::/64)".to_string())?;
        IpNet::from(ip)
    };
    if net.trunc() != net {
        return Err(format!("host bits are set; did you mean {}?", net.trunc()));
    }
    Ok(net)
}

pub fn parse_dns_server(s: &str) -> Result<IpAddr, String> {
    s.parse::<IpAddr>()
        .map_err(|_| "not an IP address (e.g. 10.0.0.4)".to_string())
}

/// Prefixes start resource and rule names, so they stay within what every target accepts:
/// 1-20 characters, a letter first, then letters, digits, `-` and `_`.
pub fn validate_name_prefix(s: &str) -> Result<(), String> {
    let mut bytes = s.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_alphabetic());
    let rest_ok = bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !(1..=20).contains(&s.len()) || !first_ok || !rest_ok {
        return Err(
            "a name prefix is 1-20 characters: a letter, then letters, digits, '-' or '_'".into(),
        );
    }
    Ok(())
}

pub fn validate_priority_base(b: u32) -> Result<(), String> {
    if !PRIORITY_BASE_RANGE.contains(&b) {
        return Err(format!(
            "the priority base must be between {} and {} (NSG priorities end at 4096)",
            PRIORITY_BASE_RANGE.start(),
            PRIORITY_BASE_RANGE.end()
        ));
    }
    Ok(())
}

/// `line L, column C: message` for a TOML error (toml's own rendering spans several lines).
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim();
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message.to_string(),
    }
}

/// The 1-based line of `field = ...` in a profile's TOML, to point at a bad value.
pub fn line_of_field(text: &str, field: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(field)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_account_rules() {
        assert!(validate_storage_account("abc").is_ok());
        assert!(validate_storage_account("a1b2c3d4e5f6g7h8i9j0k1l2").is_ok());
        for bad in [
            "ab",
            "ABC",
            "my-storage",
            "a1b2c3d4e5f6g7h8i9j0k1l2x",
            "",
            "ab c",
        ] {
            assert!(validate_storage_account(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn acr_name_rules() {
        assert!(validate_acr_name("myAcr1").is_ok());
        for bad in ["abcd", "my-acr", &"a".repeat(51)] {
            assert!(validate_acr_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sources_parse_strictly() {
        assert_eq!(
            parse_source("10.0.1.0/24").unwrap().to_string(),
            "10.0.1.0/24"
        );
        assert_eq!(parse_source("10.0.1.5").unwrap().to_string(), "10.0.1.5/32");
        assert!(parse_source("10.0.1.5/24")
            .unwrap_err()
            .contains("10.0.1.0/24"));
        assert!(parse_source("10.0.0.0/33").is_err());
        assert!(parse_source("$(reboot)").is_err());
    }

    #[test]
    fn name_prefix_rules() {
        assert!(validate_name_prefix("aml").is_ok());
        assert!(validate_name_prefix("prod_ml-01").is_ok());
        for bad in ["", "1aml", "a b", "a'b", "a.b", &"a".repeat(21), "${x}"] {
            assert!(validate_name_prefix(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn newer_schema_is_refused_before_unknown_keys() {
        let e = Profile::from_toml(
            "schema_version = 2\ncloud = \"public\"\nregion = \"x\"\nnew_key = 1\n",
        )
        .unwrap_err();
        assert_eq!(e, ProfileError::NewerSchema { found: 2 });
    }

    #[test]
    fn unknown_keys_name_the_key_and_line() {
        let e = Profile::from_toml(
            "schema_version = 1\ncloud = \"public\"\nregion = \"eastus\"\nstorage_acount = \"x\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("storage_acount"), "{e}");
        assert!(e.contains("line 4"), "{e}");
    }

    #[test]
    fn line_of_field_finds_keys() {
        let t = "schema_version = 1\n  region=\"x\"\nregion_x = 2\n";
        assert_eq!(line_of_field(t, "region"), Some(2));
        assert_eq!(line_of_field(t, "cloud"), None);
    }
}
