//! The Workspace step's fields: their names, help, shown values and validation.

use crate::catalog::Catalog;
use crate::fields;
use crate::profile::{self, Profile};

/// The Workspace step's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    StorageAccount,
    AcrName,
    Sources,
    InboundRoutes,
    DnsProxy,
    DnsServers,
    NamePrefix,
    PriorityBase,
    // Added with editions; after the older fields so their positions stay.
    Edition,
    ComputePublicIp,
    PrivateEndpoints,
    MonitorSecured,
    StorageFirewall,
    WorkspaceId,
}

impl Field {
    pub const ALL: [Field; 14] = [
        Field::StorageAccount,
        Field::AcrName,
        Field::Sources,
        Field::InboundRoutes,
        Field::DnsProxy,
        Field::DnsServers,
        Field::NamePrefix,
        Field::PriorityBase,
        Field::Edition,
        Field::ComputePublicIp,
        Field::PrivateEndpoints,
        Field::MonitorSecured,
        Field::StorageFirewall,
        Field::WorkspaceId,
    ];

    /// The workspace option (catalog `[[option]]` id) a yes/no field sets.
    pub fn option_id(self) -> Option<&'static str> {
        match self {
            Field::ComputePublicIp => Some("compute-public-ip"),
            Field::PrivateEndpoints => Some("private-endpoints"),
            Field::MonitorSecured => Some("monitor-secured"),
            Field::StorageFirewall => Some("storage-firewall"),
            _ => None,
        }
    }

    /// Fields whose value is a comma-separated list (cut at an item, with the count left).
    pub fn is_list(self) -> bool {
        matches!(self, Field::Sources | Field::DnsServers)
    }

    /// Fields changed with Space/arrows rather than typed.
    pub fn is_choice(self) -> bool {
        matches!(
            self,
            Field::InboundRoutes | Field::DnsProxy | Field::Edition
        ) || self.option_id().is_some()
    }

    /// The help line, with what the catalog says about editions and options.
    pub fn help_text(self, catalog: &Catalog) -> String {
        if let Some(id) = self.option_id() {
            let Some(o) = catalog.option(id) else {
                return String::new();
            };
            // Editions first: the help area is three lines and the rest may be cut.
            return format!(
                "Used by edition(s): {} (ignored elsewhere); Space toggles. {}",
                catalog.option_edition_ids(id).join(", "),
                o.help.replace('\n', " ")
            );
        }
        if self == Field::Edition {
            let list: Vec<String> = catalog
                .editions
                .iter()
                .map(|e| format!("{} ({}): {}", e.id, e.date, e.summary))
                .collect();
            return format!(
                "Which published guidance the rules follow; Space cycles, d shows what changes. {}",
                list.join(" ")
            );
        }
        self.help().to_string()
    }

    /// The profile field this is (`fields::FIELDS`), whose label, help and value check the
    /// wizard uses; `None` for the yes/no workspace options, which the catalog describes.
    pub fn key(self) -> Option<&'static str> {
        Some(match self {
            Field::StorageAccount => "storage_account",
            Field::AcrName => "acr_name",
            Field::Sources => "sources",
            Field::InboundRoutes => "inbound_routes",
            Field::DnsProxy => "dns_proxy",
            Field::DnsServers => "aks_dns_servers",
            Field::NamePrefix => "name_prefix",
            Field::PriorityBase => "priority_base",
            Field::Edition => "edition",
            Field::WorkspaceId => "workspace_id",
            Field::ComputePublicIp
            | Field::PrivateEndpoints
            | Field::MonitorSecured
            | Field::StorageFirewall => return None,
        })
    }

    /// The field a warning's hint names (`Named::key`: a profile key such as `storage_account`,
    /// or a workspace option's key such as `compute_public_ip`); `None` for a setting the
    /// Workspace step does not show (cloud, region, features).
    pub fn of_setting(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| match f.option_id() {
            Some(id) => id.replace('-', "_") == key,
            None => f.key() == Some(key),
        })
    }

    pub fn label(self) -> &'static str {
        if let Some(key) = self.key() {
            return fields::Field::of(key).label;
        }
        // Short forms of the options' catalog titles, to fit the label column.
        match self {
            Field::ComputePublicIp => "Compute public IP",
            Field::PrivateEndpoints => "Private endpoints",
            Field::MonitorSecured => "Monitor secured",
            _ => "Storage firewall",
        }
    }

    /// The help line of a profile field (the options and the edition are described from the
    /// catalog by `help_text`).
    pub fn help(self) -> &'static str {
        match self.key() {
            Some(key) if self != Field::Edition => fields::Field::of(key).help,
            _ => "",
        }
    }

    pub fn value_of(self, p: &Profile, catalog: &Catalog) -> String {
        if let Some(id) = self.option_id() {
            return if p.option(id) { "yes" } else { "no" }.to_string();
        }
        match self {
            Field::StorageAccount => p.storage_account.clone().unwrap_or_default(),
            Field::AcrName => p.acr_name.clone().unwrap_or_default(),
            Field::Sources => p.sources.join(", "),
            Field::InboundRoutes => match p.inbound_routes {
                None => format!("auto ({})", p.effective_inbound_routes().id()),
                Some(m) => m.id().to_string(),
            },
            Field::DnsProxy => if p.dns_proxy { "on" } else { "off" }.to_string(),
            Field::DnsServers => p.aks_dns_servers.join(", "),
            Field::NamePrefix => p.name_prefix().to_string(),
            Field::PriorityBase => p.priority_base().to_string(),
            Field::Edition => match &p.edition {
                None => format!("newest ({})", catalog.default_edition().id),
                Some(e) => e.clone(),
            },
            Field::WorkspaceId => p.workspace_id.clone().unwrap_or_default(),
            Field::ComputePublicIp
            | Field::PrivateEndpoints
            | Field::MonitorSecured
            | Field::StorageFirewall => String::new(),
        }
    }

    /// Checks `text` and, when valid, stores it in the profile. Returns the reason otherwise.
    pub fn apply(self, text: &str, p: &mut Profile) -> Result<(), String> {
        let text = text.trim();
        let list = |s: &str| -> Vec<String> {
            s.split([',', ' '])
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect()
        };
        match self {
            Field::StorageAccount => {
                if !text.is_empty() {
                    profile::validate_storage_account(text)?;
                }
                p.storage_account = (!text.is_empty()).then(|| text.to_string());
            }
            Field::AcrName => {
                if !text.is_empty() {
                    profile::validate_acr_name(text)?;
                }
                p.acr_name = (!text.is_empty()).then(|| text.to_string());
            }
            Field::Sources => {
                let v = list(text);
                for s in &v {
                    profile::parse_source(s).map_err(|e| format!("{s}: {e}"))?;
                }
                if let Some((s, e)) = profile::duplicate(&v, profile::parse_source) {
                    return Err(format!("{s}: {e}"));
                }
                p.sources = v;
            }
            Field::DnsServers => {
                let v = list(text);
                for s in &v {
                    profile::parse_dns_server(s).map_err(|e| format!("{s}: {e}"))?;
                }
                if let Some((s, e)) = profile::duplicate(&v, profile::parse_dns_server) {
                    return Err(format!("{s}: {e}"));
                }
                p.aks_dns_servers = v;
            }
            Field::NamePrefix => {
                profile::validate_name_prefix(text)?;
                p.name_prefix = (text != profile::DEFAULT_NAME_PREFIX).then(|| text.to_string());
            }
            Field::PriorityBase => {
                let n: u32 = text.parse().map_err(|_| "a whole number".to_string())?;
                profile::validate_priority_base(n)?;
                p.priority_base = (n != profile::DEFAULT_PRIORITY_BASE).then_some(n);
            }
            Field::WorkspaceId => {
                p.workspace_id = if text.is_empty() {
                    None
                } else {
                    Some(profile::normalize_workspace_id(text)?)
                };
            }
            // Choices, changed with Space and the arrows, not typed.
            Field::InboundRoutes
            | Field::DnsProxy
            | Field::Edition
            | Field::ComputePublicIp
            | Field::PrivateEndpoints
            | Field::MonitorSecured
            | Field::StorageFirewall => {}
        }
        Ok(())
    }
}
