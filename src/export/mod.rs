//! Exporters: one trait, one module per target family, one registry.
//!
//! An exporter is a pure function of a `RuleSet` (and, for targets without service tags, the
//! prefixes from a Service Tags file). It returns the text plus every rule it could NOT express
//! and why, so no requirement is ever dropped silently.

pub mod aerleon;
pub mod azure;
pub mod azure_firewall;
pub mod coverage;
pub mod edl;
pub mod iptables;
pub mod managed_vnet;
pub mod naming;
pub mod nftables;
pub mod nsg;
pub mod route_table;
pub mod squid;
pub mod tabular;
pub mod text;

use crate::model::Kind;
use crate::remote::RemoteKind;
use crate::rules::{Rule, RuleSet, Warning};
use crate::servicetags::TagIndex;
use thiserror::Error;

pub use crate::model::Family;

/// When a target needs Microsoft's Service Tags file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagsUse {
    /// Never reads it.
    No,
    /// Adds prefixes when given.
    Optional,
    /// Cannot render without it.
    Required,
    /// Needs it only when the rule set asks for IP-prefix routes.
    ForIpRoutes,
}

/// The azurerm provider versions the Terraform exports are checked against (attribute names
/// against the provider's own schema of both versions, tests/terraform_schema.rs).
pub const AZURERM_VERSIONS: &str =
    "Needs the azurerm provider >= 3.75 (its attribute names are checked against the provider schemas of 3.75.0 and 4.55.0).";

/// What the caller supplies besides the rules.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportOptions<'a> {
    pub service_tags: Option<&'a TagIndex>,
    /// Write a service tag that Microsoft's data says the target does not accept as its
    /// address prefixes (from `service_tags`) instead of leaving the rule out.
    pub expand_tags: bool,
    /// What the deployment target already holds (`amlfw audit --fix`): names and priorities the
    /// output must not take.
    pub existing: Option<&'a Existing>,
}

/// Names and priorities a deployment target already uses, as an audit read them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Existing {
    /// Firewall Policy rule collection groups: (name, priority).
    pub fw_groups: Vec<(String, u32)>,
    /// Priorities of NSG rules, per direction.
    pub nsg_inbound: Vec<u32>,
    pub nsg_outbound: Vec<u32>,
}

/// A rule a target could not express, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unexpressed {
    pub rule_id: String,
    pub remote: String,
    pub reason: String,
    /// The rule is in the output for part of what it needs (a list whose rule allows some of
    /// its ports): it counts as expressed, so its warnings stay in the header, and it is
    /// listed for the rest.
    pub partly: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub text: String,
    pub unexpressed: Vec<Unexpressed>,
    /// The target's own warnings, which its header carries after those of `warnings_for`
    /// (Azure Firewall: DNS proxy needed for host names in network rules), without the
    /// "Warning: " the header puts first: a front end that lists the export's warnings shows
    /// these too.
    pub warnings: Vec<String>,
}

/// A target that is several files (`Exporter::render_files`): each file's path relative to the
/// output directory, and its text. The caller writes them; the exporter does no I/O.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSet {
    pub files: Vec<(String, String)>,
    pub unexpressed: Vec<Unexpressed>,
}

impl Export {
    /// An export with no warnings of the target's own (every target but Azure Firewall's).
    pub fn new(text: String, unexpressed: Vec<Unexpressed>) -> Export {
        Export {
            text,
            unexpressed,
            warnings: Vec::new(),
        }
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ExportError {
    #[error("the {target} target needs Microsoft's Service Tags file to expand {what}: pass --service-tags FILE (download 'Azure IP Ranges and Service Tags' for your cloud from Microsoft: public id 56519, Government 57063, China 57062)")]
    NeedsServiceTags { target: &'static str, what: String },
    #[error("{0}")]
    ServiceTags(#[from] crate::servicetags::TagError),
    #[error("{0}")]
    Priority(String),
    /// A limit of the target (routes per table, ...) would be exceeded; nothing is truncated.
    #[error("{0}")]
    Limit(String),
    /// A choice the caller passed (e.g. an aerleon platform) that the target does not know.
    #[error("{0}")]
    BadChoice(String),
}

/// What a target is and what it can express, declared once as a constant per target: the
/// registry, `amlfw targets`, the CLI's checks and the tests read these instead of asking
/// each exporter (or guessing from an id).
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub id: &'static str,
    pub name: &'static str,
    pub family: Family,
    /// The file extension of its output (`json`, `tf`, `sh`, ...).
    pub extension: &'static str,
    /// What the target expresses, one line.
    pub can: &'static str,
    /// What it cannot, one line.
    pub cannot: &'static str,
    pub tags_use: TagsUse,
    /// The rule kinds and remote ends it can write at all. A rule of another shape is always
    /// listed as not covered (tests/properties.rs holds every target to this); one of these
    /// shapes may still be, for a reason of the rule itself (ports, a refused tag, ...).
    pub expresses: &'static [Shape],
    /// The reason the target gives for a rule of a shape it does not express, where that
    /// reason depends on the rule alone (its export lists the rule with exactly this reason;
    /// tests/export_coverage.rs checks it). `None` where the export words it from more.
    pub refuse: Option<Refusal>,
}

/// Why a target does not express a rule outside its declaration.
pub type Refusal = fn(&Rule) -> String;

/// A rule's kind and the sort of its remote end.
pub type Shape = (Kind, RemoteKind);

/// Every shape: the listings (CSV, JSON, Markdown) write every rule.
pub const EVERY_SHAPE: &[Shape] = &[
    (Kind::ServiceTag, RemoteKind::Tag),
    (Kind::ServiceTag, RemoteKind::Address),
    (Kind::Network, RemoteKind::Host),
    (Kind::Network, RemoteKind::Address),
    (Kind::FqdnApp, RemoteKind::Host),
    (Kind::Inbound, RemoteKind::Tag),
    (Kind::Inbound, RemoteKind::Address),
    (Kind::Route, RemoteKind::Tag),
    (Kind::Route, RemoteKind::Address),
];

/// HTTP/HTTPS host rules only (proxies, host lists).
pub const APP_HOSTS: &[Shape] = &[(Kind::FqdnApp, RemoteKind::Host)];

/// Host rules, web or not (URL lists).
pub const HOSTS: &[Shape] = &[
    (Kind::Network, RemoteKind::Host),
    (Kind::FqdnApp, RemoteKind::Host),
];

/// Filters that match addresses: tags (as the tag or its prefixes) and addresses, both ways.
pub const ADDRESS_FILTER: &[Shape] = &[
    (Kind::ServiceTag, RemoteKind::Tag),
    (Kind::ServiceTag, RemoteKind::Address),
    (Kind::Network, RemoteKind::Address),
    (Kind::Inbound, RemoteKind::Tag),
    (Kind::Inbound, RemoteKind::Address),
];

/// Outbound address lists: tags (as prefixes) and addresses.
pub const OUTBOUND_ADDRESSES: &[Shape] = &[
    (Kind::ServiceTag, RemoteKind::Tag),
    (Kind::ServiceTag, RemoteKind::Address),
    (Kind::Network, RemoteKind::Address),
];

/// Route tables: a route to a tag or an address prefix.
pub const ROUTES: &[Shape] = &[
    (Kind::Route, RemoteKind::Tag),
    (Kind::Route, RemoteKind::Address),
];

impl Target {
    /// The part of a declaration a family of targets shares, for struct update syntax
    /// (`Target { id: "x", name: "...", ..base }`): each target fills in the empty texts.
    pub const fn family_base(
        family: Family,
        tags_use: TagsUse,
        cannot: &'static str,
        expresses: &'static [Shape],
        refuse: Option<Refusal>,
    ) -> Target {
        Target {
            id: "",
            name: "",
            family,
            extension: "",
            can: "",
            cannot,
            tags_use,
            expresses,
            refuse,
        }
    }

    /// The reason a rule outside the declaration is not covered, when the declaration knows
    /// it without rendering (`refuse`); `None` inside the declaration or without `refuse`.
    pub fn refusal(&self, rule: &Rule) -> Option<String> {
        if self.may_express(rule) {
            return None;
        }
        self.refuse.map(|f| f(rule))
    }

    /// Whether the declaration admits the rule's shape.
    pub fn may_express(&self, rule: &Rule) -> bool {
        self.expresses.contains(&(rule.kind, rule.remote.kind()))
    }
}

pub trait Exporter: Sync {
    /// The target's declaration.
    fn target(&self) -> &Target;
    fn id(&self) -> &'static str {
        self.target().id
    }
    fn name(&self) -> &'static str {
        self.target().name
    }
    fn family(&self) -> Family {
        self.target().family
    }
    fn extension(&self) -> &'static str {
        self.target().extension
    }
    fn can(&self) -> &'static str {
        self.target().can
    }
    fn cannot(&self) -> &'static str {
        self.target().cannot
    }
    fn tags_use(&self) -> TagsUse {
        self.target().tags_use
    }
    /// Listings of the whole rule set (CSV, JSON, Markdown) show every warning; a deployable
    /// target shows only those that concern it (`warnings_for`).
    fn shows_every_warning(&self) -> bool {
        false
    }
    fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError>;
    /// Whether the target is several files (`render_files`), written into a directory.
    fn is_multi_file(&self) -> bool {
        false
    }
    /// The files of a multi-file target, for `platforms` (the `--platform` choices; empty is
    /// the target's default set). A one-file target has none: `render` is its output.
    fn render_files(
        &self,
        _rules: &RuleSet,
        _opts: &ExportOptions,
        _platforms: &[String],
    ) -> Option<Result<FileSet, ExportError>> {
        None
    }
}

/// Every target, in the order `amlfw targets` lists them. Each module lists its own.
pub fn targets() -> &'static [&'static dyn Exporter] {
    static ALL: std::sync::LazyLock<Vec<&'static dyn Exporter>> = std::sync::LazyLock::new(|| {
        [
            azure_firewall::TARGETS,
            nsg::TARGETS,
            route_table::TARGETS,
            managed_vnet::TARGETS,
            tabular::TARGETS,
            iptables::TARGETS,
            nftables::TARGETS,
            squid::TARGETS,
            aerleon::TARGETS,
            edl::TARGETS,
        ]
        .concat()
    });
    &ALL
}

/// The ids of a family's targets, `a, b, c`. A refusal that says which targets carry a rule
/// lists them from the registry, so a target added to the family is named with no edit.
pub fn target_ids(targets: &[&dyn Exporter]) -> String {
    targets
        .iter()
        .map(|t| t.id())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn find(id: &str) -> Option<&'static dyn Exporter> {
    targets().iter().copied().find(|t| t.id() == id)
}

/// Whether this rule set needs the Service Tags file for `target`.
pub fn needs_service_tags(target: &dyn Exporter, rules: &RuleSet) -> bool {
    match target.tags_use() {
        TagsUse::Required => true,
        TagsUse::ForIpRoutes => rules.rules.iter().any(|r| r.expand_prefixes),
        TagsUse::No | TagsUse::Optional => false,
    }
}

/// The warnings an export of `target` shows: those that concern its family and, for a warning
/// about particular rules, only when the export expresses at least one of them (a warning
/// about a host rule means nothing in an NSG file that cannot hold it).
pub fn warnings_for<'a>(
    rules: &'a RuleSet,
    target: &dyn Exporter,
    unexpressed: &[Unexpressed],
) -> Vec<&'a Warning> {
    if target.shows_every_warning() {
        return rules.warnings.iter().collect();
    }
    let expressed = |requirement: &str| {
        rules.rules.iter().any(|r| {
            r.requirements.iter().any(|q| &**q == requirement)
                && !unexpressed.iter().any(|u| u.rule_id == *r.id && !u.partly)
        })
    };
    rules
        .warnings
        .iter()
        .filter(|w| w.shown_in(target.family(), expressed))
        .collect()
}

/// Whether `line`, the first line of a file, is the first header line (`header_lines`) of a
/// `target` export written by any amlfw version, under a `#` or `//` comment marker: how
/// `export --force` recognises the files of an earlier export it may replace.
pub fn is_first_header_line(line: &str, target: &str) -> bool {
    line.trim_start_matches(['#', '/'])
        .trim_start()
        .strip_prefix("Generated by amlfw ")
        .is_some_and(|rest| {
            rest.strip_suffix(')')
                .and_then(|r| r.rsplit_once(" (target "))
                .is_some_and(|(version, t)| t == target && !version.contains(' '))
        })
}

/// Lines for a header comment every export starts with: tool, cloud, region, features,
/// Service Tags file, and the warnings that concern this export (`warnings_for`).
pub fn header_lines(
    rules: &RuleSet,
    target: &dyn Exporter,
    opts: &ExportOptions,
    unexpressed: &[Unexpressed],
) -> Vec<String> {
    let s = &rules.settings;
    let mut out = vec![
        format!(
            "Generated by amlfw {} (target {})",
            crate::VERSION,
            target.id()
        ),
        format!(
            "Cloud: {} ({}); region: {} ({}){}",
            s.cloud.id(),
            s.cloud.title(),
            s.region.name,
            s.region.display_name,
            s.paired
                .as_ref()
                .map(|p| format!("; paired region: {}", p.name))
                .unwrap_or_default()
        ),
        format!("Guidance edition: {}", s.edition),
        format!(
            "Features: {}",
            if s.features.is_empty() {
                "(none)".to_string()
            } else {
                s.features.join(", ")
            }
        ),
        format!(
            "Sources: {}",
            if s.sources.is_empty() {
                "(not given)".to_string()
            } else {
                s.sources
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ),
    ];
    out.extend(cloud_setup_line(s.cloud, target));
    if let Some(t) = opts.service_tags {
        out.push(format!(
            "Service Tags file: cloud {}, changeNumber {}",
            t.cloud, t.change_number
        ));
    }
    for w in warnings_for(rules, target, unexpressed) {
        out.push(format!("Warning: {}", w.message));
    }
    out
}

/// For Azure targets outside the public cloud: how to point the deploying tool at that cloud
/// (az and Terraform default to the public cloud, where the names do not exist).
fn cloud_setup_line(cloud: crate::Cloud, target: &dyn Exporter) -> Option<String> {
    let (az_name, tf_env) = match cloud {
        crate::Cloud::Public => return None,
        crate::Cloud::Usgov => ("AzureUSGovernment", "usgovernment"),
        crate::Cloud::China => ("AzureChinaCloud", "china"),
    };
    match target.family() {
        Family::Generic => None,
        _ if target.extension() == "tf" => Some(format!(
            "{}: set environment = \"{tf_env}\" in your provider \"azurerm\" block (or ARM_ENVIRONMENT={tf_env}); the provider defaults to the public cloud.",
            cloud.title()
        )),
        _ => Some(format!(
            "{}: run 'az cloud set --name {az_name}' (then az login) before deploying; az defaults to the public cloud.",
            cloud.title()
        )),
    }
}

/// A heading, then one indented line per rule a target left out: remote, rule id, reason.
pub fn listed_lines(heading: String, unexpressed: &[Unexpressed]) -> Vec<String> {
    let mut out = vec![heading];
    out.extend(
        unexpressed
            .iter()
            .map(|u| format!("  {} ({}): {}", u.remote, u.rule_id, u.reason)),
    );
    out
}

/// The rules a target that only takes host names cannot express.
pub fn unexpressed_non_fqdn(
    rules: &RuleSet,
    reason_for: impl Fn(&Rule) -> String,
) -> Vec<Unexpressed> {
    rules
        .rules
        .iter()
        .filter(|r| r.kind != crate::model::Kind::FqdnApp)
        .map(|r| Unexpressed {
            rule_id: r.id.to_string(),
            remote: r.remote.to_string(),
            reason: reason_for(r),
            partly: false,
        })
        .collect()
}

/// How a target may use the service tag of a rule, by Microsoft's `networkFeatures` data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagUse {
    /// The tag is accepted (or the data does not know it).
    Accepted,
    /// Not accepted by the data, but the document uses it there: keep it, with this note.
    Disputed(String),
    /// Not accepted: write these aggregated prefixes instead (`--expand-tags`).
    Expanded(Vec<String>),
    /// Not accepted, and not expanded: leave the rule out for this reason (with the fallbacks).
    Refused(String),
}

/// Checks the service tag of `rule` (a tag rule of `family`'s target) against where Azure
/// accepts it: the Service Tags file's `networkFeatures` when a file of the rule set's cloud was
/// given, else the table embedded from Microsoft's files.
pub fn tag_use(
    rules: &RuleSet,
    rule: &Rule,
    family: Family,
    opts: &ExportOptions,
) -> Result<TagUse, ExportError> {
    use crate::servicetags::features::{
        builtin_features, is_nsg_only, nsg_only_reason, NetworkFeature,
    };
    if is_nsg_only(&rule.remote) {
        return Ok(if family == Family::Nsg {
            TagUse::Accepted
        } else {
            TagUse::Refused(nsg_only_reason(&rule.remote))
        });
    }
    let Some(needed) = NetworkFeature::needed_by(family) else {
        return Ok(TagUse::Accepted);
    };
    let cloud = rules.settings.cloud;
    let file = opts.service_tags.filter(|t| t.check_cloud(cloud).is_ok());
    let lookup = |tag: &str| match file.and_then(|t| t.get(tag)) {
        Some(t) => t.network_features,
        None => builtin_features(cloud, tag),
    };
    let Some(features) = lookup(&rule.remote) else {
        return Ok(TagUse::Accepted);
    };
    if features.has(needed) {
        return Ok(TagUse::Accepted);
    }
    let source = match file {
        Some(t) => format!("the Service Tags file (changeNumber {})", t.change_number),
        None => "Microsoft's Service Tags data (as embedded in amlfw)".to_string(),
    };
    let gap = format!(
        "{source} lists {} for {} ({}), not {} ({})",
        features.label(),
        rule.remote,
        "networkFeatures",
        needed.id(),
        family.title()
    );
    if opts.expand_tags && family == Family::AzureFirewall {
        if let Some(tags) = file {
            let prefixes = tags.expand([rule.remote.as_str()])?;
            return Ok(TagUse::Expanded(
                prefixes.iter().map(|n| n.to_string()).collect(),
            ));
        }
    }
    if rule.tag_in_document_targets {
        return Ok(TagUse::Disputed(format!(
            "{}: {gap}, yet the document uses this tag there; kept as documented",
            rule.id
        )));
    }
    let mut fallbacks = Vec::new();
    if let Some((base, _)) = rule.remote.split_once('.') {
        if lookup(base).is_some_and(|f| f.has(needed)) {
            fallbacks.push(format!(
                "allow the global tag {base} instead (wider: every region)"
            ));
        }
    }
    match family {
        Family::RouteTable => fallbacks.push(
            "use IP-prefix routes (--inbound-routes ip-prefixes with --service-tags FILE)".into(),
        ),
        Family::AzureFirewall => fallbacks.push(
            "export with --expand-tags --service-tags FILE to write the tag's address prefixes instead".into(),
        ),
        _ => fallbacks.push(
            "allow the tag's address prefixes from the Service Tags file (amlfw tags)".into(),
        ),
    }
    Ok(TagUse::Refused(format!(
        "{gap}, so Azure would refuse it; {}",
        fallbacks.join(", or ")
    )))
}
