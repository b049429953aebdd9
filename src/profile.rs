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
    // Workspace options (see `[[option]]` in the catalog). Absent = off; which editions use
    // each is data (`amlfw editions`), and resolve says when one is ignored.
    /// Compute instances or clusters have a public IP (then they need inbound 44224).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_public_ip: Option<bool>,
    /// Private endpoints are in the virtual network or peered networks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_endpoints: Option<bool>,
    /// Azure Monitor and Application Insights are reached through private endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitor_secured: Option<bool>,
    /// A firewall sits between the workspace's network and the storage private endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_firewall: Option<bool>,
    /// The workspace ID (a GUID), for host names that contain it (Kubernetes compute, and
    /// the private DNS names `amlfw dns` lists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
}

/// Ids of the workspace options this build has profile keys for. The catalog's `[[option]]`
/// entries must be among them; which requirements depend on them is the catalog's business.
pub const OPTION_IDS: [&str; 4] = [
    "compute-public-ip",
    "private-endpoints",
    "monitor-secured",
    "storage-firewall",
];

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
            sources: Vec::new(),
            inbound_routes: None,
            aks_dns_servers: Vec::new(),
            name_prefix: None,
            priority_base: None,
            dns_proxy: false,
            compute_public_ip: None,
            private_endpoints: None,
            monitor_secured: None,
            storage_firewall: None,
            workspace_id: None,
        }
    }

    pub fn knows_option(id: &str) -> bool {
        OPTION_IDS.contains(&id)
    }

    /// The value of a workspace option as given (`None` = not given, which means off).
    pub fn option_value(&self, id: &str) -> Option<bool> {
        *self.option_slot(id)?
    }

    pub fn option(&self, id: &str) -> bool {
        self.option_value(id).unwrap_or(false)
    }

    /// Sets a workspace option; unknown ids are ignored (the catalog only has known ones).
    pub fn set_option(&mut self, id: &str, value: Option<bool>) {
        if let Some(slot) = self.option_slot_mut(id) {
            *slot = value;
        }
    }

    fn option_slot(&self, id: &str) -> Option<&Option<bool>> {
        Some(match id {
            "compute-public-ip" => &self.compute_public_ip,
            "private-endpoints" => &self.private_endpoints,
            "monitor-secured" => &self.monitor_secured,
            "storage-firewall" => &self.storage_firewall,
            _ => return None,
        })
    }

    fn option_slot_mut(&mut self, id: &str) -> Option<&mut Option<bool>> {
        Some(match id {
            "compute-public-ip" => &mut self.compute_public_ip,
            "private-endpoints" => &mut self.private_endpoints,
            "monitor-secured" => &mut self.monitor_secured,
            "storage-firewall" => &mut self.storage_firewall,
            _ => return None,
        })
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
                let why = catalog.unknown_region(self.cloud, &self.region);
                return Err(invalid("region", &self.region, why));
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
        // The text fields, each value by its field's check (`fields::FIELDS`).
        for (key, values) in [
            ("storage_account", self.storage_account.as_slice()),
            ("acr_name", self.acr_name.as_slice()),
            ("sources", &self.sources),
            ("aks_dns_servers", &self.aks_dns_servers),
            ("name_prefix", self.name_prefix.as_slice()),
        ] {
            let field = crate::fields::Field::of(key).key;
            crate::fields::check(key, values.iter().map(String::as_str))
                .map_err(|(v, r)| invalid(field, v, r))?;
        }
        if let Some((s, r)) = duplicate(&self.sources, parse_source) {
            return Err(invalid("sources", s, r));
        }
        if let Some((s, r)) = duplicate(&self.aks_dns_servers, parse_dns_server) {
            return Err(invalid("aks_dns_servers", s, r));
        }
        if let Some(b) = self.priority_base {
            validate_priority_base(b).map_err(|r| invalid("priority_base", b.to_string(), r))?;
        }
        if let Some(w) = &self.workspace_id {
            let normal = normalize_workspace_id(w).map_err(|r| invalid("workspace_id", w, r))?;
            self.workspace_id = Some(normal);
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

/// A workspace ID is a GUID (as the portal shows it under Properties); it goes into host
/// names, so it is normalised to lowercase. Braces and other forms are refused.
pub fn normalize_workspace_id(s: &str) -> Result<String, String> {
    let groups: Vec<&str> = s.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    let ok = groups.len() == 5
        && groups
            .iter()
            .zip(lens)
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
    if !ok {
        return Err(
            "a workspace ID is a GUID, e.g. 0a1b2c3d-4e5f-6789-abcd-ef0123456789 (portal: the workspace's Properties)"
                .into(),
        );
    }
    Ok(s.to_ascii_lowercase())
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

/// The first value of a list that means the same as an earlier one (`10.0.1.5` and
/// `10.0.1.5/32`, `2001:db8::` and `2001:DB8::0`), with the reason to give. A value listed
/// twice would be exported twice; refusing it points at a likely typo.
pub fn duplicate<T: Eq + std::hash::Hash>(
    values: &[String],
    parse: fn(&str) -> Result<T, String>,
) -> Option<(&str, String)> {
    let mut seen = std::collections::HashMap::with_capacity(values.len());
    values.iter().find_map(|v| {
        let earlier = seen.insert(parse(v).ok()?, v.as_str())?;
        Some((v.as_str(), format!("listed twice (same as '{earlier}')")))
    })
}

/// Refuses an IPv4 octet or a prefix length written with a leading zero: `010.0.0.0` is
/// 10.0.0.0 here but 8.0.0.0 to inet_aton, ping and many firewalls, which read it as octal.
fn refuse_leading_zeros(s: &str) -> Result<(), String> {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    // The IPv4 part: the whole address, or the dotted tail of an IPv6 one (::ffff:10.0.0.1).
    let v4 = addr.rsplit(':').next().unwrap_or(addr);
    let octets = v4
        .contains('.')
        .then(|| v4.split('.'))
        .into_iter()
        .flatten();
    let zero_led = |p: &str| p.len() > 1 && p.starts_with('0');
    if octets.chain(len).any(zero_led) {
        return Err(
            "a number with a leading zero (other tools read 010 as octal 8): write it without"
                .into(),
        );
    }
    Ok(())
}

/// A source is an IPv4 or IPv6 network in CIDR form; a bare address means a single host.
/// Host bits must be zero, so `10.0.0.5/24` is refused rather than silently widened.
pub fn parse_source(s: &str) -> Result<IpNet, String> {
    refuse_leading_zeros(s)?;
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
    refuse_leading_zeros(s)?;
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
        for octal in [
            "010.0.0.0/24",
            "10.0.0.0/024",
            "10.01.0.0/16",
            "::ffff:10.0.0.01",
        ] {
            assert!(
                parse_source(octal).unwrap_err().contains("leading zero"),
                "{octal}"
            );
        }
        assert!(parse_dns_server("10.0.0.04").is_err());
        assert!(
            parse_source("2001:0db8::/32").is_ok(),
            "IPv6 groups may be zero-led"
        );
        assert!(parse_source("0.0.0.0/0").is_ok());
        assert!(parse_source("10.0.0.0/8").is_ok());
    }

    #[test]
    fn duplicates_are_found_by_meaning() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let three = v(&["10.0.1.0/24", "10.0.2.5", "10.0.2.5/32"]);
        assert_eq!(
            duplicate(&three, parse_source),
            Some(("10.0.2.5/32", "listed twice (same as '10.0.2.5')".into()))
        );
        let two = v(&["10.0.1.0/24", "10.0.2.0/24"]);
        assert_eq!(duplicate(&two, parse_source), None);
        let dns = v(&["2001:db8::", "2001:DB8::0"]);
        assert!(duplicate(&dns, parse_dns_server).is_some());
    }

    #[test]
    fn workspace_id_is_a_guid_normalised_to_lowercase() {
        assert_eq!(
            normalize_workspace_id("0A1B2C3D-4E5F-6789-ABCD-EF0123456789").unwrap(),
            "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
        );
        for bad in [
            "",
            "{0a1b2c3d-4e5f-6789-abcd-ef0123456789}",
            "0a1b2c3d4e5f6789abcdef0123456789",
            "0a1b2c3d-4e5f-6789-abcd-ef012345678g",
            "0a1b2c3d-4e5f-6789-abcd-ef0123456789.evil.com",
            "x.workspace",
        ] {
            assert!(normalize_workspace_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn options_have_profile_keys_and_default_off() {
        let mut p = Profile::new(Cloud::Public, "eastus2");
        for id in OPTION_IDS {
            assert_eq!(p.option_value(id), None);
            assert!(!p.option(id));
            p.set_option(id, Some(true));
            assert!(p.option(id), "{id}");
            assert!(p
                .to_toml()
                .contains(&format!("{} = true", id.replace('-', "_"))));
        }
        assert!(!Profile::knows_option("no-such-option"));
        assert_eq!(p.option_value("no-such-option"), None);
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
