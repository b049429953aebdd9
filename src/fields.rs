//! The profile's fields, one table: the TOML key, how the command line spells the setting, the
//! wizard's label and help, and the check of a value.
//!
//! Profile validation checks values through this table, the CLI's help of each flag is its
//! `cli_help`, and the core's warnings name a setting
//! by its key (`Warning::hint`), so that each front end words the hint its own way: the CLI
//! with `cli` ("--storage-account"), the wizard with `label` ("Storage account"). A new field
//! is one row here plus its place in `Profile`.
//!
//! The yes/no workspace options (`compute_public_ip`, ...) are not rows: the catalog declares
//! them (`WorkspaceOption`), with their own title and help.

use crate::profile::{
    normalize_workspace_id, parse_dns_server, parse_source, validate_acr_name,
    validate_name_prefix, validate_storage_account,
};

/// Checks one value of a field: the reason it is refused.
pub type Check = fn(&str) -> Result<(), String>;

/// One profile field.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The key in a profile file (`storage_account`).
    pub key: &'static str,
    /// The setting as a command-line hint names it (`--storage-account`, `--source CIDR`).
    pub cli: &'static str,
    /// The flag's line in the CLI's help.
    pub cli_help: &'static str,
    /// The wizard's label of the field.
    pub label: &'static str,
    /// The wizard's help line.
    pub help: &'static str,
    /// Checks one value (one item of a list field); `None` where the type says it all (an
    /// enum, a number with its own range check, a yes/no).
    pub check: Option<Check>,
}

/// A setting as a front end names it: a row of `FIELDS`, or a yes/no workspace option of the
/// catalog (key `compute_public_ip`, flag `--compute-public-ip`, its title as the label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Named<'a> {
    pub key: &'a str,
    pub cli: &'a str,
    pub label: &'a str,
}

impl Field {
    pub fn named(&self) -> Named<'static> {
        Named {
            key: self.key,
            cli: self.cli,
            label: self.label,
        }
    }

    /// The row of `key`. Panics on a key that is not in the table: keys are constants of the
    /// core, so a miss is a bug found by the first test that runs the caller.
    pub fn of(key: &str) -> &'static Field {
        FIELDS
            .iter()
            .find(|f| f.key == key)
            .unwrap_or_else(|| panic!("no profile field '{key}' in fields::FIELDS"))
    }
}

pub const FIELDS: &[Field] = &[
    Field {
        key: "cloud",
        cli: "--cloud",
        cli_help: "public, usgov or china",
        label: "Cloud",
        help: "public, usgov or china.",
        check: None,
    },
    Field {
        key: "region",
        cli: "--region",
        cli_help: "Region: ARM name (eastus2) or display name (\"East US 2\"), any case",
        label: "Region",
        help: "Region: ARM name (eastus2) or display name (\"East US 2\"), any case.",
        check: None,
    },
    Field {
        key: "edition",
        cli: "--edition",
        cli_help: "Edition of Microsoft's guidance (default: the newest; see `amlfw editions`)",
        label: "Guidance edition",
        help: "Which published guidance the rules follow (default: the newest).",
        check: None,
    },
    Field {
        key: "features",
        cli: "--feature",
        cli_help: "Feature id; repeat or separate with commas (see `amlfw features`)",
        label: "Features",
        help: "What the workspace uses (see `amlfw features`).",
        check: None,
    },
    Field {
        key: "storage_account",
        cli: "--storage-account",
        cli_help: "The workspace's default storage account name",
        label: "Storage account",
        help: "The workspace's default storage account (3-24 lowercase letters and digits). Empty: wildcard storage hosts, which allow every account.",
        check: Some(validate_storage_account),
    },
    Field {
        key: "acr_name",
        cli: "--acr-name",
        cli_help: "The workspace's container registry name",
        label: "Container registry",
        help: "The workspace's Azure Container Registry (5-50 letters and digits). Empty: *.azurecr.io.",
        check: Some(validate_acr_name),
    },
    Field {
        key: "workspace_id",
        cli: "--workspace-id",
        cli_help: "The workspace ID, a GUID (az ml workspace show --query workspace_id): Kubernetes compute's workspace host and the private DNS names of `amlfw dns`",
        label: "Workspace ID",
        help: "The workspace ID, a GUID (portal: the workspace's Properties), for the Kubernetes compute workspace host. Empty: a wildcard host.",
        check: Some(|s| normalize_workspace_id(s).map(drop)),
    },
    Field {
        key: "sources",
        cli: "--source CIDR",
        cli_help: "CIDR the traffic comes from; repeat for several (default: the whole VNet)",
        label: "Source CIDRs",
        help: "Where outbound traffic comes from: CIDRs separated by commas (10.0.1.0/24, 2001:db8::/64). Empty: the whole virtual network.",
        check: Some(|s| parse_source(s).map(drop)),
    },
    Field {
        key: "aks_dns_servers",
        cli: "--aks-dns-server IP",
        cli_help: "Custom DNS server of the AKS VNet; repeat for several",
        label: "AKS DNS servers",
        help: "Custom DNS servers of the AKS virtual network, separated by commas. Empty: Azure-provided DNS (no UDP 53 rule).",
        check: Some(|s| parse_dns_server(s).map(drop)),
    },
    Field {
        key: "inbound_routes",
        cli: "--inbound-routes",
        cli_help: "service-tags, ip-prefixes or none",
        label: "Inbound routes",
        help: "How inbound Batch/AML traffic to compute skips the firewall: service-tag routes (preview in 2021), one route per IP prefix (needs the Service Tags file), or none.",
        check: None,
    },
    Field {
        key: "name_prefix",
        cli: "--name-prefix",
        cli_help: "Prefix of generated resource and rule names",
        label: "Name prefix",
        help: "Start of every generated name: 1-20 characters, a letter first, then letters, digits, - or _.",
        check: Some(validate_name_prefix),
    },
    Field {
        key: "priority_base",
        cli: "--priority-base",
        cli_help: "First priority of generated rules (100-4000)",
        label: "Priority base",
        help: "First priority of generated rules and collections (100-4000; NSG priorities end at 4096).",
        check: None,
    },
    Field {
        key: "dns_proxy",
        cli: "--dns-proxy",
        cli_help: "The Azure Firewall policy has DNS proxy enabled: emit network rules with host names (without it Azure rejects them, so they are listed as not covered)",
        label: "Firewall DNS proxy",
        help: "Is DNS proxy on in the Azure Firewall policy? Only then can network rules name host names (e.g. ntp.ubuntu.com UDP 123); Azure rejects the whole rule collection group otherwise, so while it is off those rules are listed as not covered. Space switches.",
        check: None,
    },
];

/// Checks each of `values` with the check of field `key`; the first refusal, with the value.
pub fn check<'v>(
    key: &str,
    values: impl IntoIterator<Item = &'v str>,
) -> Result<(), (&'v str, String)> {
    let Some(check) = Field::of(key).check else {
        return Ok(());
    };
    values
        .into_iter()
        .try_for_each(|v| check(v).map_err(|reason| (v, reason)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_every_field_has_a_label_and_help() {
        for (i, f) in FIELDS.iter().enumerate() {
            assert!(FIELDS[..i].iter().all(|g| g.key != f.key), "{}", f.key);
            assert!(f.cli.starts_with("--") && !f.label.is_empty() && !f.help.is_empty());
            assert!(!f.cli_help.is_empty(), "{}", f.key);
        }
    }

    #[test]
    fn values_are_checked_by_their_field() {
        assert!(check("storage_account", ["amlstore01"]).is_ok());
        let (v, why) = check("sources", ["10.0.0.0/16", "10.0.0.5/24"]).unwrap_err();
        assert_eq!(v, "10.0.0.5/24");
        assert!(why.contains("host bits"), "{why}");
        assert!(check("cloud", ["anything"]).is_ok());
    }
}
