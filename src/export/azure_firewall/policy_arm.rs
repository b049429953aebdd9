//! ARM template of a Firewall Policy rule collection group.

use super::*;

/// The shared header with the target's usage lines after the profile summary, before the
/// warnings, so what the file is and how to deploy it comes first.
pub(super) fn header_with(plan: &Plan, usage: &[&str]) -> Vec<String> {
    let mut h = plan.header.clone();
    let at = h
        .iter()
        .position(|l| l.starts_with("Warning:"))
        .unwrap_or(h.len());
    h.splice(at..at, usage.iter().map(|s| s.to_string()));
    h
}

pub(super) fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("JSON values always serialize");
    s.push('\n');
    s
}

pub(super) fn policy_network_rule(plan: &Plan, r: &NetworkRule) -> Value {
    let field = match r.field {
        DestField::Addresses => "destinationAddresses",
        DestField::Fqdns => "destinationFqdns",
    };
    let mut v = json!({
        "ruleType": "NetworkRule",
        "name": r.name,
        "description": r.description,
        "ipProtocols": [r.protocol],
        "sourceAddresses": plan.sources,
        "destinationPorts": r.ports,
    });
    v[field] = json!(r.destinations);
    v
}

pub(super) fn app_protocols_json(r: &AppRule) -> Value {
    r.protocols
        .iter()
        .map(|(t, p)| json!({"protocolType": t, "port": p}))
        .collect()
}

pub(super) fn policy_app_rule(plan: &Plan, r: &AppRule) -> Value {
    json!({
        "ruleType": "ApplicationRule",
        "name": r.name,
        "description": r.description,
        "protocols": app_protocols_json(r),
        "sourceAddresses": plan.sources,
        "targetFqdns": [r.fqdn],
    })
}

pub(super) fn policy_collection(name: &str, priority: u32, rules: Vec<Value>) -> Value {
    json!({
        "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
        "name": name,
        "priority": priority,
        "action": {"type": "Allow"},
        "rules": rules,
    })
}

/// The group's collections; empty ones are left out (Azure refuses a collection without rules).
pub(super) fn policy_collections(plan: &Plan) -> Vec<Value> {
    let mut out = Vec::new();
    let (n, a) = (&plan.network, &plan.application);
    if !n.rules.is_empty() {
        let rules = n
            .rules
            .iter()
            .map(|r| policy_network_rule(plan, r))
            .collect();
        out.push(policy_collection(&n.name, n.priority, rules));
    }
    if !a.rules.is_empty() {
        let rules = a.rules.iter().map(|r| policy_app_rule(plan, r)).collect();
        out.push(policy_collection(&a.name, a.priority, rules));
    }
    out
}

pub(super) const POLICY_USAGE: &[&str] = &[
    "This ARM template creates or replaces ONE rule collection group in an existing Firewall Policy. The group holds exactly the rules below: redeploying replaces its whole content, so use a group dedicated to these rules.",
    "Deploy: az deployment group create --resource-group <policy's resource group> --template-file <this file> --parameters firewallPolicyName=<policy>",
];

pub(super) fn policy_arm(plan: &Plan) -> Value {
    json!({
        "$schema": arm::SCHEMA,
        "contentVersion": "1.0.0.0",
        "metadata": arm::Data::new(json!({"header": header_with(plan, POLICY_USAGE)})),
        "parameters": {
            "firewallPolicyName": arm::param("string", "Name of the existing Firewall Policy (in the deployment's resource group).", None),
            "ruleCollectionGroupName": arm::param("string", "Name of the rule collection group these rules own.", Some(arm::Data::text(&plan.group_name).into())),
            "ruleCollectionGroupPriority": priority_param(plan.group_priority),
        },
        "resources": [{
            "type": GROUP_TYPE,
            "apiVersion": API_VERSION,
            "name": "[format('{0}/{1}', parameters('firewallPolicyName'), parameters('ruleCollectionGroupName'))]",
            "properties": {
                "priority": "[parameters('ruleCollectionGroupPriority')]",
                // Data only, as in the classic template's collections: all ARM literals.
                "ruleCollections": arm::Data::new(json!(policy_collections(plan))),
            },
        }],
    })
}

pub(super) fn priority_param(default: u32) -> Value {
    let mut v = arm::param(
        "int",
        "Priority of the rule collection group (100-65000, lower first).",
        Some(json!(default)),
    );
    v["minValue"] = json!(100);
    v["maxValue"] = json!(65000);
    v
}
