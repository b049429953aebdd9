//! `resolve`: catalog + profile -> the concrete rules for one workspace.
//!
//! Pure and cheap: the TUI calls it on every keystroke. It substitutes placeholders, keeps
//! what the cloud, edition and features need, merges duplicates, orders deterministically and
//! records a warning for every assumption it makes.

mod merge;
mod resolve;

pub use crate::reference::Reference;
pub use resolve::resolve;

use crate::catalog::Region;
use crate::fields::Named;
use crate::model::{Cloud, Direction, Family, InboundRoutes, Kind, PortSpec};
use crate::remote::Remote;
use crate::shared::SharedStr;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One concrete rule.
///
/// The texts that come from the catalog are shared with it (`SharedStr`, `Arc`), not copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Stable id: the first requirement's id (plus a suffix where one requirement yields
    /// several rules, e.g. one per DNS server).
    pub id: SharedStr,
    /// Every catalog requirement merged into this rule.
    pub requirements: Vec<SharedStr>,
    pub kind: Kind,
    /// The remote end: destination of outbound rules and routes, source of inbound rules.
    /// A service tag, a host name (wildcards allowed), or an IP address, decided by `resolve`.
    pub remote: Remote,
    pub ports: Arc<[PortSpec]>,
    /// URL path the documents restrict the host to (only the host can be allowed).
    pub path: Option<SharedStr>,
    /// Route next hop type.
    pub next_hop: Option<SharedStr>,
    /// Route in ip-prefixes mode: one route per address prefix of the `remote` tag.
    pub expand_prefixes: bool,
    /// Features that need the rule, in catalog order; empty when it is always needed.
    pub features: Vec<SharedStr>,
    pub always: bool,
    pub purpose: Arc<str>,
    pub references: Vec<Arc<Reference>>,
    pub doc_spelling: Option<Arc<str>>,
    /// The document itself puts this tag in the targets Microsoft's `networkFeatures` data
    /// says refuse it (the AKS articles' `AzureCloud.<region>` firewall rules): exporters keep
    /// the rule and say that the two disagree.
    pub tag_in_document_targets: bool,
}

impl Rule {
    pub fn direction(&self) -> Direction {
        self.kind.direction()
    }

    pub fn is_wildcard(&self) -> bool {
        self.remote.is_wildcard()
    }

    /// Replaces the remote end, classified for this rule's kind (as `resolve` does).
    pub fn set_remote(&mut self, text: impl Into<SharedStr>) {
        self.remote = Remote::new(self.kind, text);
    }

    /// `features` for display: the list, or "always".
    pub fn features_label(&self) -> String {
        if self.always && self.features.is_empty() {
            "always".into()
        } else if self.always {
            format!("always, {}", self.features.join(", "))
        } else {
            self.features.join(", ")
        }
    }

    /// One line for a comment above the rule: `id: remote ports [features] purpose`.
    pub fn summary(&self) -> String {
        format!(
            "{}: {} {} [{}] {}",
            self.id,
            self.remote,
            self.ports_label(),
            self.features_label(),
            self.purpose
        )
    }

    pub fn ports_label(&self) -> String {
        self.ports
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Warning {
    /// Machine-readable kind of warning, e.g. `storage-wildcard`.
    pub code: String,
    pub message: String,
    /// Rules the warning is about (empty for general notes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
    /// The kinds of target the warning concerns (never empty: every family when it concerns
    /// all). An export shows a warning only when it concerns the export's family and, for a
    /// warning about rules, the export expresses at least one of them.
    pub concerns: Vec<Family>,
    /// The hint at the end of `message` that names a profile setting, for a front end to word
    /// its own way (`worded`). Not serialised: JSON carries `message`, as before.
    #[serde(skip)]
    pub hint: Option<Hint>,
}

/// A warning's hint that names a profile setting. `message` (what exports and the CLI show)
/// spells the setting the command line's way (`Field::cli`); the wizard names its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    /// The setting the hint names.
    pub setting: Setting,
    /// The message before the hint.
    pub before: String,
    /// The hint, with `{}` where the setting's name goes.
    pub template: &'static str,
}

/// What a hint names: a profile field, or a workspace option of the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// A key of `fields::FIELDS`.
    Field(&'static str),
    /// A yes/no workspace option: its profile key, flag and title.
    Option {
        key: String,
        cli: String,
        label: String,
    },
}

impl Setting {
    pub fn named(&self) -> Named<'_> {
        match self {
            Setting::Field(key) => crate::fields::Field::of(key).named(),
            Setting::Option { key, cli, label } => Named { key, cli, label },
        }
    }
}

impl Hint {
    /// The message with the setting named by `name` (`|n| n.label.to_string()` in the wizard).
    pub fn worded(&self, name: impl Fn(Named) -> String) -> String {
        let named = name(self.setting.named());
        format!("{}{}", self.before, self.template.replace("{}", &named))
    }
}

/// Two warnings are the same when code, message, rules and concerns are: the hint only
/// words again what the message already says (and JSON, which has no hint, reads back equal).
impl PartialEq for Warning {
    fn eq(&self, other: &Self) -> bool {
        (&self.code, &self.message, &self.rules, &self.concerns)
            == (&other.code, &other.message, &other.rules, &other.concerns)
    }
}

impl Eq for Warning {}

impl Warning {
    /// The message with its hint worded by `name`; the message itself when it has no hint.
    pub fn worded(&self, name: impl Fn(Named) -> String) -> String {
        match &self.hint {
            Some(h) => h.worded(name),
            None => self.message.clone(),
        }
    }

    pub fn concerns(&self, family: Family) -> bool {
        self.concerns.contains(&family)
    }

    /// Whether an export of `family` that expresses the rules `expressed` says for should show
    /// this warning.
    pub fn shown_in(&self, family: Family, expressed: impl Fn(&str) -> bool) -> bool {
        self.concerns(family) && (self.rules.is_empty() || self.rules.iter().any(|r| expressed(r)))
    }
}

/// Families a warning concerns, by what it is about.
pub mod concern {
    use crate::model::Family;
    pub const ALL: &[Family] = &Family::ALL;
    /// Host names: the targets that can allow a host (Azure Firewall, proxies, host lists).
    pub const HOSTS: &[Family] = &[Family::AzureFirewall, Family::Generic];
    /// Outbound filtering, whatever the target.
    pub const OUTBOUND: &[Family] = &[Family::AzureFirewall, Family::Nsg, Family::Generic];
    /// Routes only.
    pub const ROUTES: &[Family] = &[Family::RouteTable, Family::Generic];
}

/// Everything an exporter needs besides the rules themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub cloud: Cloud,
    pub region: Region,
    pub paired: Option<Region>,
    pub edition: String,
    /// Effective features (with dependencies), in catalog order.
    pub features: Vec<SharedStr>,
    /// CIDRs the traffic comes from; empty = the whole virtual network.
    pub sources: Vec<IpNet>,
    pub inbound_routes: InboundRoutes,
    pub name_prefix: String,
    pub priority_base: u32,
    /// Azure Firewall's DNS proxy is on: network rules may name host names.
    pub dns_proxy: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSet {
    pub settings: Settings,
    pub rules: Vec<Rule>,
    pub warnings: Vec<Warning>,
}

impl RuleSet {
    pub fn count(&self, kind: Kind) -> usize {
        self.rules.iter().filter(|r| r.kind == kind).count()
    }

    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| r.kind == kind)
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| &*r.id == id)
    }
}

/// Why `resolve` could not run at all (a profile that was not validated).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ResolveError {
    #[error("region '{region}' is not a {cloud} region")]
    UnknownRegion { cloud: Cloud, region: String },
}

#[cfg(test)]
mod tests;
