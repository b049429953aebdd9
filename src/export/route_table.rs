//! Route-table targets: the user-defined routes that let inbound management traffic to compute
//! (Azure Batch, Azure Machine Learning) bypass a firewall on the subnet's default route.
//! Routes of an EXISTING `Microsoft.Network/routeTables` (API 2024-05-01), next hop `Internet`.
//!
//! Two modes, chosen by the profile's `inbound_routes`:
//! - `service-tags`: one route per rule whose address prefix is the tag itself (a preview
//!   feature when the guidance was written; at most 25 such routes per table);
//! - `ip-prefixes`: one route per address prefix of each tag, from Microsoft's Service Tags
//!   file (which this target then requires).
//!
//! Limits are refused, not truncated: a table holds at most 400 routes (25 with service tags).
//! A partial set of bypass routes sends part of the management traffic through the firewall
//! and part around it, so an export Azure cannot take whole is an error that says what to do.
//!
//! Like the NSG targets, routes are child resources of an existing table, so a deployment
//! never replaces the table's other routes (e.g. the default route to the firewall).

use super::azure::az::script_preamble;
use super::azure::bicep::symbols;
use super::azure::bicep::{document, Child, Parent};
use super::azure::names::{name_with_suffix, unique_names};
use super::azure::{arm, hcl, NETWORK_API_VERSION as API_VERSION};
use super::naming::azure_name;
use super::text::{comment_block, hcl_string, sh_quote};
use super::Target;
use super::{
    header_lines, Export, ExportError, ExportOptions, Exporter, Family, TagsUse, Unexpressed,
};
use crate::model::{InboundRoutes, Kind};
use crate::rules::{Rule, RuleSet};
use crate::servicetags::TagIndex;
use serde_json::{Map, Value};

mod bicep;
pub use bicep::{UdrBicep, UDR_BICEP};

/// The route-table targets, in the order `amlfw targets` lists them.
pub static TARGETS: &[&dyn Exporter] = &[&UdrArm, &UdrBicep, &UdrCli, &UdrTerraform];

/// Azure's limit of routes per route table.
pub const MAX_ROUTES: usize = 400;
/// Azure's limit of routes per route table whose address prefix is a service tag.
pub const MAX_TAG_ROUTES: usize = 25;

const CANNOT: &str = "filter rules (inbound and outbound: use the nsg-* or azfw-* targets)";

/// One route, ready for any of the four formats.
struct Route {
    rule_id: String,
    name: String,
    /// A service tag or a CIDR.
    prefix: String,
    /// The prefix is a service tag (Azure limits those per table).
    tagged: bool,
    next_hop: &'static str,
    /// What the route is for (tag, purpose), for comments.
    comment: String,
}

struct Plan {
    header: Vec<String>,
    routes: Vec<Route>,
    unexpressed: Vec<Unexpressed>,
}

fn plan(
    rs: &RuleSet,
    target: &dyn Exporter,
    opts: &ExportOptions,
    shape: &[&str],
) -> Result<Plan, ExportError> {
    if let Some(t) = opts.service_tags {
        t.check_cloud(rs.settings.cloud)?;
    }
    let tags = tags_for(rs, target, opts)?;
    let prefix = rs.settings.name_prefix.as_str();
    let (mut routes, mut unexpressed) = (Vec::new(), Vec::new());
    for rule in &rs.rules {
        let made = match (rule.kind, next_hop(rule)) {
            (Kind::Route, Ok(hop)) if rule.expand_prefixes => {
                let tags = tags.expect("tags_for returned the file for ip-prefix routes");
                prefix_routes(rule, hop, tags, prefix, &mut routes)
            }
            (Kind::Route, Ok(hop)) => match super::tag_use(rs, rule, Family::RouteTable, opts)? {
                super::TagUse::Refused(reason) => Ok(Err(reason)),
                _ => tag_route(rule, hop, tags, prefix, &mut routes),
            },
            (Kind::Route, Err(why)) => Ok(Err(why)),
            _ => Ok(Err(not_a_route(rule))),
        };
        if let Err(reason) = made? {
            unexpressed.push(Unexpressed {
                rule_id: rule.id.to_string(),
                remote: rule.remote.to_string(),
                reason,
                partly: false,
            });
        }
    }
    check_limits(&routes, target)?;
    let mut names: Vec<String> = routes.iter().map(|r| r.name.clone()).collect();
    unique_names(&mut names);
    for (r, n) in routes.iter_mut().zip(names) {
        r.name = n;
    }
    let header = udr_header(rs, target, opts, shape, &routes, &unexpressed);
    Ok(Plan {
        header,
        routes,
        unexpressed,
    })
}

/// Why a filter rule is not in a route table.
fn not_a_route(rule: &Rule) -> String {
    format!(
        "{} rules are filter rules, not routes: export them with the nsg-* or azfw-* targets",
        rule.kind.title().to_lowercase()
    )
}

/// The Service Tags file when a rule needs IP prefixes; a typed error without it.
fn tags_for<'a>(
    rs: &RuleSet,
    target: &dyn Exporter,
    opts: &ExportOptions<'a>,
) -> Result<Option<&'a TagIndex>, ExportError> {
    let wanted: Vec<&str> = rs
        .of_kind(Kind::Route)
        .filter(|r| r.expand_prefixes)
        .map(|r| r.remote.as_str())
        .collect();
    match opts.service_tags {
        Some(t) => Ok(Some(t)),
        None if wanted.is_empty() => Ok(None),
        None => Err(ExportError::NeedsServiceTags {
            target: target.id(),
            what: format!(
                "the address prefixes of {} (inbound_routes = ip-prefixes)",
                wanted.join(", ")
            ),
        }),
    }
}

/// Azure's next hop type names, matched case-insensitively. `VirtualAppliance` is refused:
/// the rule model carries no next-hop IP address.
fn next_hop(rule: &Rule) -> Result<&'static str, String> {
    let hop = rule.next_hop.as_deref().unwrap_or_default();
    ["Internet", "VirtualNetworkGateway", "VnetLocal", "None"]
        .into_iter()
        .find(|h| h.eq_ignore_ascii_case(hop))
        .ok_or_else(|| format!("next hop type '{hop}' is not one this target can write (Internet, VirtualNetworkGateway, VnetLocal, None)"))
}

/// What building a rule's routes gives: `Ok(Err(reason))` when the rule cannot be a route
/// (it is then listed as not covered), `Err` when the export as a whole must stop.
type Built = Result<Result<(), String>, ExportError>;

/// One route whose address prefix is the tag. With the Service Tags file, the tag must exist
/// in it: Azure refuses a route to an unknown tag.
fn tag_route(
    rule: &Rule,
    hop: &'static str,
    tags: Option<&TagIndex>,
    prefix: &str,
    out: &mut Vec<Route>,
) -> Built {
    if rule.remote.tag_name().is_none() && !rule.remote.is_address() {
        return Ok(Err(format!(
            "'{}' is neither a service tag nor a CIDR: refusing to write it into a route",
            rule.remote
        )));
    }
    if let (Some(t), true) = (tags, !rule.remote.is_address()) {
        t.expand([rule.remote.as_str()])?;
    }
    let prefix_value = rule
        .remote
        .canonical_address()
        .unwrap_or_else(|| rule.remote.to_string());
    // Azure refuses two routes with one address prefix; the earlier route covers this rule.
    if out
        .iter()
        .any(|r| r.prefix.eq_ignore_ascii_case(&prefix_value))
    {
        return Ok(Ok(()));
    }
    out.push(Route {
        rule_id: rule.id.to_string(),
        name: azure_name(&[&super::naming::rule_stem(prefix, &rule.id)]),
        prefix: prefix_value,
        tagged: !rule.remote.is_address(),
        next_hop: hop,
        comment: format!("{}: {}", rule.id, rule.purpose),
    });
    Ok(Ok(()))
}

/// One route per aggregated prefix of the rule's tag. A prefix an earlier rule already
/// routes is skipped: Azure refuses two routes with the same address prefix in one table.
fn prefix_routes(
    rule: &Rule,
    hop: &'static str,
    tags: &TagIndex,
    prefix: &str,
    out: &mut Vec<Route>,
) -> Built {
    let prefixes = tags.expand([rule.remote.as_str()])?;
    for p in prefixes.iter() {
        let p = p.to_string();
        if out.iter().any(|r| r.prefix == p) {
            continue;
        }
        out.push(Route {
            rule_id: rule.id.to_string(),
            name: name_with_suffix(&[&super::naming::rule_stem(prefix, &rule.id)], &p),
            prefix: p,
            tagged: false,
            next_hop: hop,
            comment: format!(
                "{}: a prefix of {} ({})",
                rule.id, rule.remote, rule.purpose
            ),
        });
    }
    Ok(Ok(()))
}

fn check_limits(routes: &[Route], target: &dyn Exporter) -> Result<(), ExportError> {
    let tagged = routes.iter().filter(|r| r.tagged).count();
    if routes.len() > MAX_ROUTES {
        return Err(ExportError::Limit(format!(
            "{}: {} routes are more than the {MAX_ROUTES} Azure allows in one route table; a partial set would route part of the management traffic around the firewall and part through it. Use --inbound-routes service-tags (one route per tag) instead",
            target.id(),
            routes.len()
        )));
    }
    if tagged > MAX_TAG_ROUTES {
        return Err(ExportError::Limit(format!(
            "{}: {tagged} service-tag routes are more than the {MAX_TAG_ROUTES} Azure allows in one route table; use --inbound-routes ip-prefixes with --service-tags FILE",
            target.id()
        )));
    }
    Ok(())
}

fn udr_header(
    rs: &RuleSet,
    target: &dyn Exporter,
    opts: &ExportOptions,
    shape: &[&str],
    routes: &[Route],
    not: &[Unexpressed],
) -> Vec<String> {
    let mut h = header_lines(rs, target, opts, not);
    h.push(String::new());
    h.push(format!(
        "Routes for an EXISTING route table (Microsoft.Network/routeTables/routes, API {API_VERSION}) associated with the compute subnet:"
    ));
    h.push("inbound management traffic from Azure Batch and Azure Machine Learning must not pass the firewall, so its".into());
    h.push("return traffic to these prefixes takes next hop Internet. Compute without a public IP needs none of this (later guidance).".into());
    h.extend(shape.iter().map(|s| s.to_string()));
    h.extend(mode_lines(rs, routes));
    let tagged = routes.iter().filter(|r| r.tagged).count();
    h.push(format!(
        "This adds {} routes ({tagged} with a service tag) to the table: Azure allows {MAX_ROUTES} routes per table, counting the ones it already has,",
        routes.len()
    ));
    h.push(format!(
        "and at most {MAX_TAG_ROUTES} routes that use a service tag."
    ));
    if !not.is_empty() {
        h.push(String::new());
        h.push(format!(
            "NOT covered by routes ({} rules; nothing else is left out):",
            not.len()
        ));
        h.extend(
            not.iter()
                .map(|u| format!("NOT covered: {} ({}): {}", u.remote, u.rule_id, u.reason)),
        );
    }
    h
}

fn mode_lines(rs: &RuleSet, routes: &[Route]) -> Vec<String> {
    let mut h = vec![format!(
        "Mode: inbound_routes = {}.",
        rs.settings.inbound_routes
    )];
    match rs.settings.inbound_routes {
        InboundRoutes::ServiceTags => {
            h.push("Service tags as route address prefixes were a PREVIEW feature when the guidance was written (2021; generally".into());
            h.push("available since 2022). If that matters to you, export with --inbound-routes ip-prefixes --service-tags FILE.".into());
        }
        InboundRoutes::IpPrefixes => {
            h.push("One route per address prefix of each tag, from the Service Tags file named above. Microsoft changes these".into());
            h.push("prefixes over time: re-export with each new file (weekly) and deploy the difference.".into());
            for rule in rs.of_kind(Kind::Route) {
                let n = routes.iter().filter(|r| r.rule_id == rule.id).count();
                h.push(format!("  {}: {n} routes", rule.remote));
            }
            h.push("Service tags as route address prefixes (a preview feature in 2021) are not used in this mode.".into());
        }
        InboundRoutes::None => {
            h.push("No routes: the profile says no firewall sits on the compute subnet's default route.".into());
        }
    }
    if rs.count(Kind::Route) == 0 && rs.settings.inbound_routes != InboundRoutes::None {
        h.push("No routes: none of the selected features needs inbound traffic to compute.".into());
    }
    h
}

// ---- ARM and Bicep -----------------------------------------------------------------------

/// The parameter naming the existing table, in the ARM template and the Bicep file.
const ROUTE_TABLE_PARAM: &str = "routeTableName";
const ROUTE_TABLE_DESCRIPTION: &str =
    "Name of the EXISTING route table (associated with the compute subnet) the routes are added to.";

/// A route's properties, as data: the ARM template and the Bicep file both write this value.
fn properties(r: &Route) -> Map<String, Value> {
    let mut p = Map::new();
    p.insert("addressPrefix".into(), r.prefix.clone().into());
    p.insert("nextHopType".into(), r.next_hop.into());
    p
}

pub struct UdrArm;

const ARM_SHAPE: &[&str] = &[
    "Deploy to the table's resource group with parameter routeTableName (the table must exist: az network route-table create).",
    "Routes are child resources so a deployment adds or updates only these routes: deploying the whole route table would",
    "replace its routes and drop the ones you have, such as the default route to the firewall. Each route depends on the",
    "previous one because Azure can reject concurrent updates to one route table.",
];

/// The declaration of the `udr-arm` target.
pub const UDR_ARM: Target = Target {
    id: "udr-arm",
    name: "Route table routes (ARM template)",
    family: Family::RouteTable,
    extension: "json",
    can: "routes for compute inbound traffic (service tags or IP prefixes), added to an existing route table",
    cannot: CANNOT,
    tags_use: TagsUse::ForIpRoutes,
    expresses: super::ROUTES,
    refuse: Some(not_a_route),
};

impl Exporter for UdrArm {
    fn target(&self) -> &'static Target {
        &UDR_ARM
    }
    fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
        let plan = plan(rules, self, opts, ARM_SHAPE)?;
        let ty = "Microsoft.Network/routeTables/routes";
        let mut prev: Option<&str> = None;
        let mut resources = Vec::new();
        for r in &plan.routes {
            let props = arm::Data::new(Value::Object(properties(r)));
            resources.push(arm::child(
                ty,
                ROUTE_TABLE_PARAM,
                &r.name,
                prev,
                &r.comment,
                props,
            ));
            prev = Some(&r.name);
        }
        let text = arm::document(
            &plan.header,
            &plan.unexpressed,
            ROUTE_TABLE_PARAM,
            ROUTE_TABLE_DESCRIPTION,
            resources,
        );
        Ok(Export::new(text, plan.unexpressed))
    }
}

// ---- az CLI ------------------------------------------------------------------------------

pub struct UdrCli;

/// The declaration of the `udr-cli` target.
pub const UDR_CLI: Target = Target {
    id: "udr-cli",
    name: "Route table routes (az CLI script)",
    family: Family::RouteTable,
    extension: "sh",
    can: "az network route-table route create commands for an existing route table",
    cannot: CANNOT,
    tags_use: TagsUse::ForIpRoutes,
    expresses: super::ROUTES,
    refuse: Some(not_a_route),
};

impl Exporter for UdrCli {
    fn target(&self) -> &'static Target {
        &UDR_CLI
    }
    fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
        let shape = ["Bash script: az network route-table route create adds or updates each route and leaves the table's others."];
        let plan = plan(rules, self, opts, &shape)?;
        let vars = [
            ("RG", "resource group of the route table"),
            ("TABLE", "name of the existing route table"),
        ];
        let mut t = script_preamble(&plan.header, &vars);
        for r in &plan.routes {
            t.push('\n');
            t.push_str(&comment_block("#", std::slice::from_ref(&r.comment)));
            t.push_str(&format!(
                "az network route-table route create -g \"$RG\" --route-table-name \"$TABLE\" -n {} \\\n  --address-prefix {} --next-hop-type {}\n",
                sh_quote(&r.name),
                sh_quote(&r.prefix),
                sh_quote(r.next_hop)
            ));
        }
        Ok(Export::new(t, plan.unexpressed))
    }
}

// ---- Terraform ---------------------------------------------------------------------------

pub struct UdrTerraform;

/// The declaration of the `udr-terraform` target.
pub const UDR_TERRAFORM: Target = Target {
    id: "udr-terraform",
    name: "Route table routes (Terraform azurerm)",
    family: Family::RouteTable,
    extension: "tf",
    can: "azurerm_route resources for an existing route table",
    cannot: CANNOT,
    tags_use: TagsUse::ForIpRoutes,
    expresses: super::ROUTES,
    refuse: Some(not_a_route),
};

impl Exporter for UdrTerraform {
    fn target(&self) -> &'static Target {
        &UDR_TERRAFORM
    }
    fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
        let shape = [
            "Standalone azurerm_route resources for an existing route table: they add these routes and leave the others.",
            "Do not also declare route blocks inside that azurerm_route_table: the two forms fight each other.",
            super::AZURERM_VERSIONS,
        ];
        let plan = plan(rules, self, opts, &shape)?;
        let mut t = comment_block("#", &plan.header);
        t.push('\n');
        t.push_str(&hcl::variable(
            "resource_group_name",
            "Resource group of the existing route table.",
        ));
        t.push('\n');
        t.push_str(&hcl::variable(
            "route_table_name",
            "Name of the existing route table (associated with the compute subnet).",
        ));
        let labels = symbols("route", plan.routes.iter().map(|r| r.name.as_str()));
        for (r, label) in plan.routes.iter().zip(&labels) {
            let attrs = [
                ("name".to_string(), hcl_string(&r.name)),
                (
                    "resource_group_name".into(),
                    "var.resource_group_name".into(),
                ),
                ("route_table_name".into(), "var.route_table_name".into()),
                ("address_prefix".into(), hcl_string(&r.prefix)),
                ("next_hop_type".into(), hcl_string(r.next_hop)),
            ];
            t.push('\n');
            t.push_str(&comment_block("#", std::slice::from_ref(&r.comment)));
            t.push_str(&hcl::block(
                &format!("resource \"azurerm_route\" \"{label}\""),
                &attrs,
            ));
        }
        Ok(Export::new(t, plan.unexpressed))
    }
}
