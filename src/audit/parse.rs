//! Reading the input files (as text: the caller reads them). One function, `parse`, detects
//! the shape:
//! - what `az` prints: one resource (`az network firewall policy rule-collection-group show`,
//!   `az network nsg show`, `az network route-table show`, `az network firewall show`,
//!   `az network firewall policy show`) or an array of them (`... rule-collection-group list`),
//!   with the resource's fields either under `properties` (ARM, `az resource show`) or
//!   flattened to the top (the `az network` commands);
//! - ARM templates (portal "Export template", `az group export`, amlfw's own exports): the
//!   `resources` of the types above and their child resources (`ruleCollectionGroups`,
//!   `securityRules`, `routes`), with `[parameters('x')]` read from the parameter's default.
//!
//! Errors name the file, the JSON path and the value.

use super::parse_fw::{classic, rule_collection_group};
use super::{DnsSetting, NetProto, Network, Nsg, NsgRule, Origin, Route, RouteTable};
use crate::PortRange;
use serde_json::{Map, Value};

/// A file that is not what `audit` reads, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {path}: {message}")]
pub struct ParseError {
    pub file: String,
    /// JSON path of the bad value (`$.resources[2].properties.priority`), or `line L column C`.
    pub path: String,
    pub message: String,
}

const RCG: &str = "microsoft.network/firewallpolicies/rulecollectiongroups";
const POLICY: &str = "microsoft.network/firewallpolicies";
const CLASSIC: &str = "microsoft.network/azurefirewalls";
const NSG: &str = "microsoft.network/networksecuritygroups";
const NSG_RULE: &str = "microsoft.network/networksecuritygroups/securityrules";
const ROUTE_TABLE: &str = "microsoft.network/routetables";
const ROUTE: &str = "microsoft.network/routetables/routes";

pub(super) struct Ctx<'a> {
    file: &'a str,
    params: Option<&'a Map<String, Value>>,
}

impl Ctx<'_> {
    pub(super) fn err(&self, path: &str, message: impl Into<String>) -> ParseError {
        ParseError {
            file: self.file.to_string(),
            path: path.to_string(),
            message: message.into(),
        }
    }

    pub(super) fn origin(&self, collection: &str, name: &str) -> Origin {
        Origin {
            file: self.file.to_string(),
            collection: collection.to_string(),
            name: name.to_string(),
        }
    }

    /// A string value, with `[parameters('x')]` replaced by x's default value and `[[`
    /// (an ARM literal bracket) unescaped.
    pub(super) fn text(&self, s: &str) -> String {
        if let Some(rest) = s.strip_prefix("[[") {
            return format!("[{rest}");
        }
        if let Some(name) = parameter_name(s) {
            let default = self
                .params
                .and_then(|p| p.get(name))
                .and_then(|p| p.get("defaultValue"));
            match default {
                Some(Value::String(v)) => return v.clone(),
                Some(Value::Number(n)) => return n.to_string(),
                _ => {}
            }
        }
        s.to_string()
    }
}

/// `x` of `[parameters('x')]`.
fn parameter_name(s: &str) -> Option<&str> {
    s.trim()
        .strip_prefix("[parameters('")?
        .strip_suffix("')]")
        .filter(|n| !n.contains('\''))
}

/// Parses one input file. `file` names it in errors and in the findings.
pub fn parse(file: &str, text: &str) -> Result<Network, ParseError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| ParseError {
        file: file.to_string(),
        path: format!("line {} column {}", e.line(), e.column()),
        message: format!("not JSON: {e}"),
    })?;
    let mut net = Network::default();
    let mut found = 0usize;
    let mut children = Children::default();
    match &doc {
        Value::Array(items) => {
            let ctx = Ctx { file, params: None };
            for (i, item) in items.iter().enumerate() {
                found += resource(&ctx, item, &format!("$[{i}]"), &mut net, &mut children)?;
            }
        }
        Value::Object(o) if o.get("resources").is_some_and(Value::is_array) => {
            let params = o.get("parameters").and_then(Value::as_object);
            let ctx = Ctx { file, params };
            let items = o["resources"].as_array().into_iter().flatten();
            for (i, item) in items.enumerate() {
                let path = format!("$.resources[{i}]");
                found += resource(&ctx, item, &path, &mut net, &mut children)?;
            }
            if found == 0 {
                found += empty_amlfw_export(file, o, &mut net);
            }
        }
        // A REST list response (`az rest`, the ARM API, the REST reference's examples):
        // `{"value": [...], "nextLink": ...}` holding the resources.
        Value::Object(o)
            if o.get("value").is_some_and(Value::is_array) && o.get("properties").is_none() =>
        {
            if o.get("nextLink").is_some_and(|l| !l.is_null()) {
                // Auditing one page would miss the rules of the others (a deny among them
                // too), so the page is refused rather than read as the whole list.
                return Err(ParseError {
                    file: file.to_string(),
                    path: "$.nextLink".into(),
                    message: "this is one page of a longer list (nextLink is set): give the whole list, e.g. what `az network firewall policy rule-collection-group list` prints (it follows nextLink)".into(),
                });
            }
            let ctx = Ctx { file, params: None };
            let items = o["value"].as_array().into_iter().flatten();
            for (i, item) in items.enumerate() {
                let path = format!("$.value[{i}]");
                found += resource(&ctx, item, &path, &mut net, &mut children)?;
            }
        }
        Value::Object(_) => {
            let ctx = Ctx { file, params: None };
            found += resource(&ctx, &doc, "$", &mut net, &mut children)?;
        }
        _ => {}
    }
    children.attach(file, &mut net);
    net.files.push(file.to_string());
    if found == 0 {
        return Err(ParseError {
            file: file.to_string(),
            path: "$".into(),
            message: "no Azure Firewall policy rule collection group, Firewall Policy, Azure Firewall, network security group or route table found (expected what az network ... show/list prints, or an ARM template holding such resources)".into(),
        });
    }
    Ok(net)
}

/// An amlfw NSG or route-table export without any rule (the profile needs none): the NSG or
/// route table it would add to, with nothing in it.
fn empty_amlfw_export(file: &str, doc: &Map<String, Value>, net: &mut Network) -> usize {
    let by_amlfw = doc
        .get("metadata")
        .and_then(|m| m.get("generator"))
        .and_then(Value::as_str)
        .is_some_and(|g| g.starts_with("amlfw "));
    let param = |name: &str| doc.get("parameters").and_then(|p| p.get(name)).is_some();
    if !by_amlfw {
        return 0;
    }
    if param("routeTableName") {
        net.route_tables.push(RouteTable {
            file: file.to_string(),
            name: "routeTableName".into(),
            routes: Vec::new(),
        });
        return 1;
    }
    if param("nsgName") {
        net.nsgs.push(Nsg {
            file: file.to_string(),
            name: "nsgName".into(),
            rules: Vec::new(),
        });
        return 1;
    }
    0
}

/// Child resources of an ARM template, collected by parent name and attached at the end.
#[derive(Default)]
struct Children {
    nsg_rules: Vec<(String, NsgRule)>,
    routes: Vec<(String, Route)>,
}

impl Children {
    fn attach(self, file: &str, net: &mut Network) {
        for (parent, rule) in self.nsg_rules {
            match net.nsgs.iter_mut().find(|n| n.name == parent) {
                // The portal's export lists each rule twice: in the NSG and as a child.
                Some(n) if n.rules.iter().any(|r| r.origin.name == rule.origin.name) => {}
                Some(n) => n.rules.push(rule),
                None => net.nsgs.push(Nsg {
                    file: file.to_string(),
                    name: parent,
                    rules: vec![rule],
                }),
            }
        }
        for (parent, route) in self.routes {
            match net.route_tables.iter_mut().find(|t| t.name == parent) {
                Some(t) if t.routes.iter().any(|r| r.origin.name == route.origin.name) => {}
                Some(t) => t.routes.push(route),
                None => net.route_tables.push(RouteTable {
                    file: file.to_string(),
                    name: parent,
                    routes: vec![route],
                }),
            }
        }
        for n in &mut net.nsgs {
            super::parse_nsg::add_default_rules(n);
        }
    }
}

/// (parent, child) of a child resource's name: `policy/group`,
/// `[concat(parameters('nsg'), '/rule')]`, `[format('{0}/{1}', parameters('nsg'), 'rule')]`.
fn split_name(ctx: &Ctx, name: &str) -> (String, String) {
    if !name.starts_with('[') || name.starts_with("[[") {
        let name = ctx.text(name);
        return match name.rsplit_once('/') {
            Some((p, c)) => (p.to_string(), c.to_string()),
            None => (String::new(), name),
        };
    }
    let literals: Vec<&str> = name.split('\'').skip(1).step_by(2).collect();
    let params: Vec<&str> = name
        .split("parameters('")
        .skip(1)
        .filter_map(|s| s.split('\'').next())
        .collect();
    // A parameter's default value where it has one, else its name.
    let param = |i: usize| {
        params.get(i).map(|p| {
            let expr = format!("[parameters('{p}')]");
            match ctx.text(&expr) {
                v if v == expr => p.to_string(),
                v => v,
            }
        })
    };
    // The child: the last literal that is not a format string, without its '/'.
    let child = literals
        .iter()
        .rev()
        .find(|l| !l.contains('{') && !params.contains(l))
        .map(|l| l.trim_start_matches('/').to_string());
    match (child, params.len()) {
        (Some(c), _) => (param(0).unwrap_or_default(), c),
        (None, 0 | 1) => (String::new(), param(0).unwrap_or_default()),
        (None, _) => (param(0).unwrap_or_default(), param(1).unwrap_or_default()),
    }
}

/// The resource's `properties` and its JSON path (az's flattened output has none).
pub(super) fn props_at<'v>(v: &'v Value, path: &str) -> (&'v Value, String) {
    match v.get("properties") {
        Some(p) if p.is_object() => (p, format!("{path}.properties")),
        _ => (v, path.to_string()),
    }
}

pub(super) fn props(v: &Value) -> &Value {
    match v.get("properties") {
        Some(p) if p.is_object() => p,
        _ => v,
    }
}

pub(super) fn strings(
    ctx: &Ctx,
    v: &Value,
    key: &str,
    path: &str,
) -> Result<Vec<String>, ParseError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, x)| match x {
                Value::String(s) => Ok(ctx.text(s)),
                other => Err(ctx.err(
                    &format!("{path}.{key}[{i}]"),
                    format!("expected a string, got {other}"),
                )),
            })
            .collect(),
        Some(Value::String(s)) => Ok(vec![ctx.text(s)]),
        Some(other) => Err(ctx.err(
            &format!("{path}.{key}"),
            format!("expected a list of strings, got {other}"),
        )),
    }
}

/// Whether an address entry is malformed: it reads as an address (starts with a digit, or has
/// `:` or `/`, which no tag, `*` or ASG name has) but is no IP address, CIDR or range. An
/// unresolved ARM expression (`[...]`) is left alone.
pub(super) fn bad_address(e: &str) -> bool {
    let looks = e.starts_with(|c: char| c.is_ascii_digit()) || e.contains([':', '/']);
    looks && !e.starts_with('[') && super::matching::entry_nets(e.trim()).is_none()
}

/// A list of address entries (`strings`), each address checked: a malformed one (`10.0.1.0/33`)
/// is bad input, named by file, JSON path and value, rather than a rule that matches nothing.
pub(super) fn addresses(
    ctx: &Ctx,
    v: &Value,
    key: &str,
    path: &str,
) -> Result<Vec<String>, ParseError> {
    let out = strings(ctx, v, key, path)?;
    let listed = v.get(key).is_some_and(Value::is_array);
    match out.iter().position(|e| bad_address(e)) {
        Some(i) => Err(ctx.err(
            &if listed {
                format!("{path}.{key}[{i}]")
            } else {
                format!("{path}.{key}")
            },
            format!(
                "'{}' is not an IP address, a CIDR or an address range",
                out[i]
            ),
        )),
        None => Ok(out),
    }
}

pub(super) fn string(
    ctx: &Ctx,
    v: &Value,
    key: &str,
    path: &str,
) -> Result<Option<String>, ParseError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(ctx.text(s))),
        Some(other) => Err(ctx.err(
            &format!("{path}.{key}"),
            format!("expected a string, got {other}"),
        )),
    }
}

pub(super) fn required(ctx: &Ctx, v: &Value, key: &str, path: &str) -> Result<String, ParseError> {
    string(ctx, v, key, path)?.ok_or_else(|| ctx.err(&format!("{path}.{key}"), "missing"))
}

pub(super) fn priority(ctx: &Ctx, v: &Value, key: &str, path: &str) -> Result<u32, ParseError> {
    let p = format!("{path}.{key}");
    let value = match v.get(key) {
        Some(Value::String(s)) => Value::String(ctx.text(s)),
        Some(other) => other.clone(),
        None => return Err(ctx.err(&p, "missing")),
    };
    let n = match &value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    n.and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| ctx.err(&p, format!("expected a priority number, got {value}")))
}

/// `*`, `443`, `8080-8090` (Azure writes `0-65535` and `1-65535` for every port).
pub fn port_range(s: &str) -> Result<PortRange, String> {
    let s = s.trim();
    if s == "*" || s.eq_ignore_ascii_case("any") {
        return Ok(PortRange::Any);
    }
    let num = |p: &str| {
        p.trim()
            .parse::<u16>()
            .map_err(|_| format!("'{s}' is not a port, a range or *"))
    };
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (num(a)?, num(b)?),
        None => (num(s)?, num(s)?),
    };
    if a > b {
        return Err(format!("port range '{s}' goes from high to low"));
    }
    Ok(match (a.max(1), b) {
        (1, 65535) => PortRange::Any,
        (a, b) if a == b => PortRange::Single(a),
        (a, b) => PortRange::Range(a, b),
    })
}

pub(super) fn ports(
    ctx: &Ctx,
    v: &Value,
    keys: &[&str],
    path: &str,
) -> Result<Vec<PortRange>, ParseError> {
    let mut out = Vec::new();
    for key in keys {
        let listed = v.get(*key).is_some_and(Value::is_array);
        for (i, s) in strings(ctx, v, key, path)?.iter().enumerate() {
            let at = if listed {
                format!("{path}.{key}[{i}]")
            } else {
                format!("{path}.{key}")
            };
            out.push(port_range(s).map_err(|m| ctx.err(&at, m))?);
        }
    }
    Ok(out)
}

pub(super) fn net_proto(ctx: &Ctx, s: &str, path: &str) -> Result<NetProto, ParseError> {
    Ok(match s.to_ascii_lowercase().as_str() {
        "tcp" => NetProto::Tcp,
        "udp" => NetProto::Udp,
        "icmp" => NetProto::Icmp,
        "any" | "*" => NetProto::Any,
        "esp" | "ah" => NetProto::Other,
        _ => {
            return Err(ctx.err(
                path,
                format!("unknown protocol '{s}' (expected TCP, UDP, ICMP, Any or *)"),
            ))
        }
    })
}

/// The resource type an ARM resource id names:
/// `/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/firewallPolicies/p/ruleCollectionGroups/r`
/// is `Microsoft.Network/firewallPolicies/ruleCollectionGroups`.
fn type_from_id(id: &str) -> Option<String> {
    let (_, rest) = id.rsplit_once("/providers/")?;
    let mut parts = rest.split('/');
    let mut ty = parts.next().filter(|ns| !ns.is_empty())?.to_string();
    let rest: Vec<&str> = parts.collect();
    // Pairs of type and name, every one named: a type without its name is not an id.
    if rest.is_empty() || rest.len() % 2 != 0 || rest.iter().any(|p| p.is_empty()) {
        return None;
    }
    for kind in rest.iter().step_by(2) {
        ty.push('/');
        ty.push_str(kind);
    }
    Some(ty)
}

/// Dispatches one resource by its type; returns 1 when it is one `audit` reads.
fn resource(
    ctx: &Ctx,
    v: &Value,
    path: &str,
    net: &mut Network,
    children: &mut Children,
) -> Result<usize, ParseError> {
    // The REST API leaves `type` out of some list items (rule collection groups): the
    // resource id says it then.
    let from_id = v.get("id").and_then(Value::as_str).and_then(type_from_id);
    let Some(ty) = v.get("type").and_then(Value::as_str).or(from_id.as_deref()) else {
        return Ok(0);
    };
    let name = v.get("name").and_then(Value::as_str).unwrap_or("");
    let (parent, child) = split_name(ctx, name);
    let p = props(v);
    let pp = if std::ptr::eq(p, v) {
        path.to_string()
    } else {
        format!("{path}.properties")
    };
    match ty.to_ascii_lowercase().as_str() {
        RCG => {
            if !net.firewall_files.iter().any(|f| f == ctx.file) {
                net.firewall_files.push(ctx.file.to_string());
            }
            let group_priority = priority(ctx, p, "priority", &pp)?;
            rule_collection_group(ctx, p, &pp, &child, group_priority, net)?;
            // The policy: `policy/group` in a template, else the resource id (az's output).
            // A template's parameter without a default names no policy.
            let is_param = ctx.params.is_some_and(|ps| ps.contains_key(&parent));
            let policy = Some(parent)
                .filter(|p| !p.is_empty() && !is_param)
                .or_else(|| {
                    let id = v.get("id").and_then(Value::as_str)?;
                    const SEG: &str = "/firewallpolicies/";
                    let at = id.to_ascii_lowercase().find(SEG)? + SEG.len();
                    id[at..].split('/').next().map(String::from)
                });
            net.groups.push(super::FwGroup {
                policy,
                name: child,
                priority: group_priority,
                file: ctx.file.to_string(),
            });
        }
        POLICY => {
            if p.get("basePolicy")
                .and_then(|b| b.get("id"))
                .and_then(Value::as_str)
                .is_some_and(|id| !id.is_empty())
            {
                net.base_policies
                    .push(ctx.origin("Firewall Policy", &child));
            }
            if let Some(enabled) = p
                .get("dnsSettings")
                .and_then(|d| d.get("enableProxy"))
                .and_then(Value::as_bool)
            {
                net.dns.push(DnsSetting {
                    enabled,
                    origin: ctx.origin("Firewall Policy", &child),
                });
            }
        }
        CLASSIC => {
            if !net.firewall_files.iter().any(|f| f == ctx.file) {
                net.firewall_files.push(ctx.file.to_string());
            }
            classic(ctx, p, &pp, &child, net)?;
        }
        NSG => {
            let mut nsg = Nsg {
                file: ctx.file.to_string(),
                name: child.clone(),
                rules: Vec::new(),
            };
            for (key, default) in [("securityRules", false), ("defaultSecurityRules", true)] {
                for (i, r) in array(p, key).iter().enumerate() {
                    let rp = format!("{pp}.{key}[{i}]");
                    let rname = required(ctx, r, "name", &rp)?;
                    let (rprops, rpp) = props_at(r, &rp);
                    let mut rule = super::parse_nsg::nsg_rule(ctx, rprops, &rpp, &child, &rname)?;
                    rule.default = default;
                    nsg.rules.push(rule);
                }
            }
            // Child rules of the same template join this NSG (see `Children::attach`).
            net.nsgs.push(nsg);
        }
        NSG_RULE => {
            let rule = super::parse_nsg::nsg_rule(ctx, p, &pp, &parent, &child)?;
            children.nsg_rules.push((parent, rule));
        }
        ROUTE_TABLE => {
            let mut table = RouteTable {
                file: ctx.file.to_string(),
                name: child.clone(),
                routes: Vec::new(),
            };
            for (i, r) in array(p, "routes").iter().enumerate() {
                let rp = format!("{pp}.routes[{i}]");
                let rname = required(ctx, r, "name", &rp)?;
                let (rprops, rpp) = props_at(r, &rp);
                table
                    .routes
                    .push(super::parse_nsg::route(ctx, rprops, &rpp, &child, &rname)?);
            }
            net.route_tables.push(table);
        }
        ROUTE => {
            let r = super::parse_nsg::route(ctx, p, &pp, &parent, &child)?;
            children.routes.push((parent, r));
        }
        _ => return Ok(0),
    }
    Ok(1)
}

pub(super) fn array<'v>(v: &'v Value, key: &str) -> &'v [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_names_split_in_every_shape() {
        let ctx = Ctx {
            file: "f",
            params: None,
        };
        let s = |n: &str| split_name(&ctx, n);
        assert_eq!(s("pol/grp"), ("pol".into(), "grp".into()));
        assert_eq!(
            s("[concat(parameters('nsg_x'), '/AllowHttps')]"),
            ("nsg_x".into(), "AllowHttps".into())
        );
        assert_eq!(
            s("[format('{0}/{1}', parameters('nsgName'), 'aml-tag-aad')]"),
            ("nsgName".into(), "aml-tag-aad".into())
        );
        assert_eq!(s("plain"), (String::new(), "plain".into()));
    }

    #[test]
    fn resource_type_from_an_id() {
        let t = |id: &str| type_from_id(id);
        assert_eq!(
            t("/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/firewallPolicies/p/ruleCollectionGroups/r").as_deref(),
            Some("Microsoft.Network/firewallPolicies/ruleCollectionGroups")
        );
        assert_eq!(
            t("/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/routeTables/rt")
                .as_deref(),
            Some("Microsoft.Network/routeTables")
        );
        assert_eq!(
            t("/subscriptions/s/resourceGroups/g/providers/Microsoft.Network"),
            None
        );
        assert_eq!(
            t("/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/routeTables/"),
            None
        );
        assert_eq!(t("no id at all"), None);
        // A type without its name is the parent's id cut short, not the parent.
        assert_eq!(
            t("/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/firewallPolicies/p/ruleCollectionGroups"),
            None
        );
    }

    #[test]
    fn port_ranges_read_azure_spellings() {
        assert_eq!(port_range("*"), Ok(PortRange::Any));
        assert_eq!(port_range("0-65535"), Ok(PortRange::Any));
        assert_eq!(port_range("443-443"), Ok(PortRange::Single(443)));
        assert_eq!(port_range("8080-8090"), Ok(PortRange::Range(8080, 8090)));
        assert!(port_range("90-80").is_err());
        assert!(port_range("https").is_err());
    }
}
