//! `amlfw audit`: an existing Azure Firewall, NSG and route table checked against the rules a
//! profile needs.
//!
//! No I/O here: `parse` turns the text of one file into the resources it holds, `audit` is a
//! pure function of the rule set, those resources and (optionally) a Service Tags file, and
//! `report` renders the result. The CLI reads the files and writes the output.
//!
//! Coverage semantics (also in the README, "Audit an existing firewall"):
//! - The input is the network of ONE workspace: traffic passes every layer given. Outbound
//!   requirements are checked against the firewall (all rule collections of all firewall
//!   files, as one policy) and against every NSG; inbound requirements against every NSG;
//!   routes against every route table. A requirement is covered when every layer of its
//!   direction allows all its ports; a direction without any layer in the input is "not
//!   checked".
//! - Order: Azure Firewall evaluates DNAT, then network, then application collections, each
//!   by group priority then collection priority, and denies what nothing allowed. An NSG
//!   evaluates by priority; its default rules (AllowVnet*, AllowAzureLoadBalancerInBound,
//!   AllowInternetOutBound, DenyAll*) always exist, whether the file lists them or not. The
//!   first matching rule decides, port by port; a deny that takes ports a later allow would
//!   have allowed is reported as shadowing it.
//! - A rule matches a requirement when its destination (source, for inbound) covers the
//!   requirement's remote end, its protocol the requirement's, and its sources the profile's.
//!   See `coverage` for each case.

mod checks;
mod coverage;
mod matching;
pub mod parse;
mod parse_fw;
mod parse_nsg;
pub mod report;

pub use matching::{host_matches, pattern_covers};
pub use parse::{parse, ParseError};

use crate::rules::RuleSet;
use crate::servicetags::TagIndex;
use serde::Serialize;

/// Where a rule of the input is: file, collection (group/collection, NSG or route table) and
/// name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub file: String,
    pub collection: String,
    pub name: String,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} / {}", self.file, self.collection, self.name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Allow,
    Deny,
}

/// The protocols a network-level rule matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NetProto {
    Tcp,
    Udp,
    Icmp,
    /// Any protocol (`Any`, `*`).
    Any,
    /// ESP, AH and others the requirements never use.
    Other,
}

/// Azure Firewall rule collection types, in the order the firewall evaluates them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CollectionKind {
    Nat,
    Network,
    Application,
}

/// One Azure Firewall rule (policy or classic), reduced to what coverage needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FwRule {
    pub origin: Origin,
    /// Network and NAT rules.
    pub protocols: Vec<NetProto>,
    /// Application rules: (`http`|`https`|`mssql`, port).
    pub app_protocols: Vec<(String, u16)>,
    pub sources: Vec<String>,
    /// The rule uses IP groups for sources (their addresses are not in the input).
    pub source_ip_groups: bool,
    /// Network rules: `destinationAddresses` (tags, IPs, CIDRs, `*`).
    pub addresses: Vec<String>,
    /// Network rules: `destinationFqdns`; application rules: `targetFqdns`.
    pub fqdns: Vec<String>,
    /// Network rules: destination ports.
    pub ports: Vec<crate::PortRange>,
    /// Fields the rule sets that the audit does not evaluate (`destinationIpGroups`,
    /// `fqdnTags`, `webCategories`, `targetUrls`): the rule is judged by its other fields,
    /// and a finding says so.
    pub unread: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FwCollection {
    pub kind: CollectionKind,
    pub action: Action,
    /// (group priority, collection priority); classic collections have group priority 0.
    pub priority: (u32, u32),
    pub rules: Vec<FwRule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NsgDirection {
    Inbound,
    Outbound,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NsgRule {
    pub origin: Origin,
    pub priority: u32,
    pub direction: NsgDirection,
    pub action: Action,
    pub protocol: NetProto,
    pub sources: Vec<String>,
    pub destinations: Vec<String>,
    pub ports: Vec<crate::PortRange>,
    /// One of Azure's default rules (listed by the file or implied).
    pub default: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nsg {
    pub file: String,
    pub name: String,
    pub rules: Vec<NsgRule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub origin: Origin,
    /// A CIDR or a service tag.
    pub prefix: String,
    /// `Internet`, `VirtualAppliance`, `VnetLocal`, `VirtualNetworkGateway`, `None`.
    pub next_hop: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteTable {
    pub file: String,
    pub name: String,
    pub routes: Vec<Route>,
}

/// The firewall policy's (or classic firewall's) DNS proxy setting, and where it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsSetting {
    pub enabled: bool,
    pub origin: Origin,
}

/// A Firewall Policy rule collection group of the input, for the names and priorities it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FwGroup {
    /// The policy that holds it, when the input says (`policy/group`, the resource id).
    pub policy: Option<String>,
    pub name: String,
    pub priority: u32,
    pub file: String,
}

/// Everything read from the input files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Network {
    /// Every input file, in order.
    pub files: Vec<String>,
    /// The files that hold a firewall (rule collection group, classic firewall), in order.
    pub firewall_files: Vec<String>,
    pub collections: Vec<FwCollection>,
    /// The rule collection groups the collections came from.
    pub groups: Vec<FwGroup>,
    pub dns: Vec<DnsSetting>,
    pub nsgs: Vec<Nsg>,
    pub route_tables: Vec<RouteTable>,
    /// Firewall policies in the input that inherit a parent's (`basePolicy`) rule
    /// collection groups, which the input does not hold.
    pub base_policies: Vec<Origin>,
}

impl Network {
    /// Adds what another file holds.
    pub fn merge(&mut self, other: Network) {
        for f in other.files {
            if !self.files.contains(&f) {
                self.files.push(f);
            }
        }
        for f in other.firewall_files {
            if !self.firewall_files.contains(&f) {
                self.firewall_files.push(f);
            }
        }
        self.collections.extend(other.collections);
        self.groups.extend(other.groups);
        self.dns.extend(other.dns);
        self.nsgs.extend(other.nsgs);
        self.route_tables.extend(other.route_tables);
        self.base_policies.extend(other.base_policies);
    }

    /// The names and priorities the input's firewall groups and NSG rules take: what `--fix`
    /// must not reuse, since deploying under a taken group name replaces that group, and Azure
    /// refuses two NSG rules of one priority and direction.
    pub fn existing(&self) -> crate::export::Existing {
        let mut e = crate::export::Existing {
            fw_groups: self
                .groups
                .iter()
                .map(|g| (g.name.clone(), g.priority))
                .collect(),
            ..Default::default()
        };
        for r in self
            .nsgs
            .iter()
            .flat_map(|n| &n.rules)
            .filter(|r| !r.default)
        {
            let taken = match r.direction {
                NsgDirection::Inbound => &mut e.nsg_inbound,
                NsgDirection::Outbound => &mut e.nsg_outbound,
            };
            if !taken.contains(&r.priority) {
                taken.push(r.priority);
            }
        }
        e
    }

    /// The DNS proxy setting, when a policy or firewall in the input says it (on if any says on).
    pub fn dns_proxy(&self) -> Option<&DnsSetting> {
        self.dns
            .iter()
            .find(|d| d.enabled)
            .or_else(|| self.dns.first())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn id(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A requirement a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequirementRef {
    /// The rule id (`aml-tag-storage`).
    pub id: String,
    /// The catalog requirements merged into it.
    pub requirements: Vec<String>,
    pub kind: crate::Kind,
    pub remote: String,
    pub ports: String,
    /// The document and section it comes from.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable machine-readable kind, e.g. `missing`, `shadowed`, `invalid-tag`, `any-port`.
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<Origin>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirement: Option<RequirementRef>,
}

/// How one requirement fares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Covered,
    /// Some of its ports or protocols are allowed.
    Partial,
    Missing,
    /// Missing from the firewall because Azure Firewall cannot hold it in this setting (host
    /// name in a network rule without DNS proxy, a tag Azure Firewall refuses): explained, not a gap.
    NotCoveredByDesign,
    /// No layer of its direction is in the input.
    NotChecked,
}

impl Status {
    pub fn id(self) -> &'static str {
        match self {
            Status::Covered => "covered",
            Status::Partial => "partial",
            Status::Missing => "missing",
            Status::NotCoveredByDesign => "not-covered-by-design",
            Status::NotChecked => "not-checked",
        }
    }

    /// A gap: the exit code is 3.
    pub fn is_gap(self) -> bool {
        matches!(self, Status::Partial | Status::Missing)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequirementResult {
    #[serde(flatten)]
    pub requirement: RequirementRef,
    pub status: Status,
    /// The rules that allow it.
    pub allowed_by: Vec<Origin>,
    /// What is missing or why, one line per layer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub cloud: String,
    pub region: String,
    pub edition: String,
    pub requirements: Vec<RequirementResult>,
    pub findings: Vec<Finding>,
    /// The input files: where a finding about the input as a whole (`not-checked`) is.
    #[serde(skip)]
    pub files: Vec<String>,
}

impl Report {
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }

    pub fn gaps(&self) -> usize {
        self.requirements
            .iter()
            .filter(|r| r.status.is_gap())
            .count()
    }

    /// Every required rule covered (or not covered by design) and no error-level finding.
    pub fn passed(&self) -> bool {
        self.gaps() == 0 && self.count(Severity::Error) == 0 && !self.nothing_checked()
    }

    /// No requirement could be checked at all (a Firewall Policy without its rule collection
    /// groups, say): that is no pass.
    pub fn nothing_checked(&self) -> bool {
        !self.requirements.is_empty()
            && self
                .requirements
                .iter()
                .all(|r| r.status == Status::NotChecked)
    }

    /// The rule ids of the gaps (missing and partial), for `--fix`.
    pub fn gap_ids(&self) -> Vec<&str> {
        self.requirements
            .iter()
            .filter(|r| r.status.is_gap())
            .map(|r| r.requirement.id.as_str())
            .collect()
    }
}

/// What the audit takes besides the rules and the network.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditOptions<'a> {
    /// Microsoft's Service Tags file of the profile's cloud: tag names are checked against it
    /// and tags compared by address.
    pub service_tags: Option<&'a TagIndex>,
}

/// Audits `network` against the rules of `rules`. Pure: no I/O.
pub fn audit(rules: &RuleSet, network: &Network, opts: &AuditOptions) -> Report {
    coverage::run(rules, network, opts)
}

/// Keeps only the rules `ids` names: the input of `--fix`, rendered by any exporter.
pub fn only_rules(rules: &RuleSet, ids: &[&str]) -> RuleSet {
    let mut out = rules.clone();
    out.rules.retain(|r| ids.contains(&&*r.id));
    // Warnings name catalog requirements: keep those about the rules kept, and general ones.
    let kept: Vec<&str> = out
        .rules
        .iter()
        .flat_map(|r| r.requirements.iter().map(|q| &**q))
        .collect();
    let warnings = out
        .warnings
        .iter()
        .filter(|w| w.rules.is_empty() || w.rules.iter().any(|q| kept.contains(&q.as_str())))
        .cloned()
        .collect();
    out.warnings = warnings;
    out
}
