//! The Workspace step's fields: their names, help, shown values and validation.

use crate::catalog::Catalog;
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

    pub fn label(self) -> &'static str {
        match self {
            Field::StorageAccount => "Storage account",
            Field::AcrName => "Container registry",
            Field::Sources => "Source CIDRs",
            Field::InboundRoutes => "Inbound routes",
            Field::DnsProxy => "Firewall DNS proxy",
            Field::DnsServers => "AKS DNS servers",
            Field::NamePrefix => "Name prefix",
            Field::PriorityBase => "Priority base",
            Field::Edition => "Guidance edition",
            Field::ComputePublicIp => "Compute public IP",
            Field::PrivateEndpoints => "Private endpoints",
            Field::MonitorSecured => "Monitor secured",
            Field::StorageFirewall => "Storage firewall",
            Field::WorkspaceId => "Workspace ID",
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            Field::StorageAccount => "The workspace's default storage account (3-24 lowercase letters and digits). Empty: wildcard storage hosts, which allow every account.",
            Field::AcrName => "The workspace's Azure Container Registry (5-50 letters and digits). Empty: *.azurecr.io.",
            Field::Sources => "Where outbound traffic comes from: CIDRs separated by commas (10.0.1.0/24, 2001:db8::/64). Empty: the whole virtual network.",
            Field::InboundRoutes => "How inbound Batch/AML traffic to compute skips the firewall: service-tag routes (preview in 2021), one route per IP prefix (needs the Service Tags file), or none.",
            Field::DnsProxy => "Is DNS proxy on in the Azure Firewall policy? Only then can network rules name host names (e.g. ntp.ubuntu.com UDP 123); Azure rejects the whole rule collection group otherwise, so while it is off those rules are listed as not covered. Space switches.",
            Field::DnsServers => "Custom DNS servers of the AKS virtual network, separated by commas. Empty: Azure-provided DNS (no UDP 53 rule).",
            Field::NamePrefix => "Start of every generated name: 1-20 characters, a letter first, then letters, digits, - or _.",
            Field::PriorityBase => "First priority of generated rules and collections (100-4000; NSG priorities end at 4096).",
            Field::WorkspaceId => "The workspace ID, a GUID (portal: the workspace's Properties), for the Kubernetes compute workspace host. Empty: a wildcard host.",
            // Described from the catalog by `help_text`.
            Field::Edition
            | Field::ComputePublicIp
            | Field::PrivateEndpoints
            | Field::MonitorSecured
            | Field::StorageFirewall => "",
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
