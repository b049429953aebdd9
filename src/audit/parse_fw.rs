//! Azure Firewall rules in the shapes `parse` reads: a policy's rule collection groups and a
//! classic firewall's rule collections, their network, application and NAT rules.

use super::parse::{
    addresses, array, net_proto, ports, priority, props, required, string, strings, Ctx, ParseError,
};
use super::{Action, CollectionKind, DnsSetting, FwCollection, FwRule, Network, Origin};
use serde_json::Value;

fn action(ctx: &Ctx, v: &Value, path: &str) -> Result<Action, ParseError> {
    let a = match v.get("action") {
        Some(Value::Object(o)) => o.get("type").and_then(Value::as_str).unwrap_or(""),
        Some(Value::String(s)) => s.as_str(),
        _ => "",
    };
    match a.to_ascii_lowercase().as_str() {
        "allow" | "dnat" | "snat" => Ok(Action::Allow),
        "deny" => Ok(Action::Deny),
        _ => Err(ctx.err(
            &format!("{path}.action"),
            format!("expected Allow, Deny or Dnat, got '{a}'"),
        )),
    }
}

pub(super) fn rule_collection_group(
    ctx: &Ctx,
    p: &Value,
    path: &str,
    group: &str,
    group_priority: u32,
    net: &mut Network,
) -> Result<(), ParseError> {
    for (i, c) in array(p, "ruleCollections").iter().enumerate() {
        let cp = format!("{path}.ruleCollections[{i}]");
        let c = props(c);
        let cname = required(ctx, c, "name", &cp)?;
        let label = format!("{group}/{cname}");
        let prio = priority(ctx, c, "priority", &cp)?;
        let ctype = string(ctx, c, "ruleCollectionType", &cp)?.unwrap_or_default();
        let is_nat = ctype.eq_ignore_ascii_case("FirewallPolicyNatRuleCollection");
        let act = action(ctx, c, &cp)?;
        let mut by_kind: Vec<FwCollection> = Vec::new();
        for (j, r) in array(c, "rules").iter().enumerate() {
            let rp = format!("{cp}.rules[{j}]");
            let rname = required(ctx, r, "name", &rp)?;
            let rtype = string(ctx, r, "ruleType", &rp)?.unwrap_or_default();
            let kind = match rtype.to_ascii_lowercase().as_str() {
                _ if is_nat => CollectionKind::Nat,
                "natrule" => CollectionKind::Nat,
                "networkrule" => CollectionKind::Network,
                "applicationrule" => CollectionKind::Application,
                _ => {
                    return Err(ctx.err(
                        &format!("{rp}.ruleType"),
                        format!("expected NetworkRule, ApplicationRule or NatRule, got '{rtype}'"),
                    ))
                }
            };
            let origin = ctx.origin(&label, &rname);
            let rule = match kind {
                CollectionKind::Application => app_rule(ctx, r, &rp, origin)?,
                _ => network_rule(ctx, r, &rp, origin, "ipProtocols")?,
            };
            match by_kind.iter_mut().find(|c| c.kind == kind) {
                Some(c) => c.rules.push(rule),
                None => by_kind.push(FwCollection {
                    kind,
                    action: act,
                    priority: (group_priority, prio),
                    rules: vec![rule],
                }),
            }
        }
        net.collections.extend(by_kind);
    }
    Ok(())
}

fn network_rule(
    ctx: &Ctx,
    r: &Value,
    path: &str,
    origin: Origin,
    protocols_key: &str,
) -> Result<FwRule, ParseError> {
    let protocols = strings(ctx, r, protocols_key, path)?
        .iter()
        .enumerate()
        .map(|(i, s)| net_proto(ctx, s, &format!("{path}.{protocols_key}[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(FwRule {
        origin,
        protocols,
        app_protocols: Vec::new(),
        sources: addresses(ctx, r, "sourceAddresses", path)?,
        source_ip_groups: !strings(ctx, r, "sourceIpGroups", path)?.is_empty(),
        addresses: addresses(ctx, r, "destinationAddresses", path)?,
        fqdns: strings(ctx, r, "destinationFqdns", path)?,
        ports: ports(ctx, r, &["destinationPorts"], path)?,
        unread: set_fields(r, &["destinationIpGroups"]),
    })
}

fn app_rule(ctx: &Ctx, r: &Value, path: &str, origin: Origin) -> Result<FwRule, ParseError> {
    let mut app_protocols = Vec::new();
    for (i, p) in array(r, "protocols").iter().enumerate() {
        let pp = format!("{path}.protocols[{i}]");
        let ty = required(ctx, p, "protocolType", &pp)?.to_ascii_lowercase();
        let port = match p.get("port") {
            Some(Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            Some(Value::String(s)) => s.parse().ok(),
            None | Some(Value::Null) => Some(if ty == "http" { 80 } else { 443 }),
            _ => None,
        }
        .ok_or_else(|| ctx.err(&format!("{pp}.port"), "expected a port number"))?;
        app_protocols.push((ty, port));
    }
    Ok(FwRule {
        origin,
        protocols: Vec::new(),
        app_protocols,
        sources: addresses(ctx, r, "sourceAddresses", path)?,
        source_ip_groups: !strings(ctx, r, "sourceIpGroups", path)?.is_empty(),
        addresses: Vec::new(),
        fqdns: strings(ctx, r, "targetFqdns", path)?,
        ports: Vec::new(),
        unread: set_fields(r, &["fqdnTags", "webCategories", "targetUrls"]),
    })
}

/// Those of `fields` that `r` sets to a non-empty list.
fn set_fields(r: &Value, fields: &[&'static str]) -> Vec<&'static str> {
    fields
        .iter()
        .copied()
        .filter(|f| !array(r, f).is_empty())
        .collect()
}

pub(super) fn classic(
    ctx: &Ctx,
    p: &Value,
    path: &str,
    name: &str,
    net: &mut Network,
) -> Result<(), ParseError> {
    if let Some(v) = p
        .get("additionalProperties")
        .and_then(|a| a.get("Network.DNS.EnableProxy"))
    {
        let enabled = matches!(v, Value::Bool(true))
            || v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"));
        net.dns.push(DnsSetting {
            enabled,
            origin: ctx.origin("Azure Firewall", name),
        });
    }
    let kinds = [
        ("natRuleCollections", CollectionKind::Nat),
        ("networkRuleCollections", CollectionKind::Network),
        ("applicationRuleCollections", CollectionKind::Application),
    ];
    for (key, kind) in kinds {
        for (i, c) in array(p, key).iter().enumerate() {
            let cp = format!("{path}.{key}[{i}]");
            let cname = required(ctx, c, "name", &cp)?;
            let label = format!("{name}/{cname}");
            let (c, cp) = match c.get("properties") {
                Some(inner) if inner.is_object() => (inner, format!("{cp}.properties")),
                _ => (c, cp),
            };
            let prio = priority(ctx, c, "priority", &cp)?;
            let act = action(ctx, c, &cp)?;
            let mut rules = Vec::new();
            for (j, r) in array(c, "rules").iter().enumerate() {
                let rp = format!("{cp}.rules[{j}]");
                let origin = ctx.origin(&label, &required(ctx, r, "name", &rp)?);
                rules.push(match kind {
                    CollectionKind::Application => app_rule(ctx, r, &rp, origin)?,
                    _ => network_rule(ctx, r, &rp, origin, "protocols")?,
                });
            }
            net.collections.push(FwCollection {
                kind,
                action: act,
                priority: (0, prio),
                rules,
            });
        }
    }
    Ok(())
}
