//! Bicep of a Firewall Policy rule collection group.

use super::*;

/// Appends `key: [` one quoted item per line `]` at `indent` spaces.
pub(super) fn bicep_list(out: &mut String, indent: usize, key: &str, items: &[String]) {
    let pad = " ".repeat(indent);
    let _ = writeln!(out, "{pad}{key}: [");
    for i in items {
        let _ = writeln!(out, "{pad}  {}", bicep_string(i));
    }
    let _ = writeln!(out, "{pad}]");
}

pub(super) fn bicep_network_rule(out: &mut String, plan: &Plan, r: &NetworkRule) {
    let pad = " ".repeat(10);
    let _ = writeln!(out, "{pad}{{\n{pad}  ruleType: 'NetworkRule'");
    let _ = writeln!(out, "{pad}  name: {}", bicep_string(&r.name));
    let _ = writeln!(out, "{pad}  description: {}", bicep_string(&r.description));
    bicep_list(out, 12, "ipProtocols", &[r.protocol.to_string()]);
    bicep_list(out, 12, "sourceAddresses", &plan.sources);
    let field = match r.field {
        DestField::Addresses => "destinationAddresses",
        DestField::Fqdns => "destinationFqdns",
    };
    bicep_list(out, 12, field, &r.destinations);
    bicep_list(out, 12, "destinationPorts", &r.ports);
    let _ = writeln!(out, "{pad}}}");
}

pub(super) fn bicep_app_rule(out: &mut String, plan: &Plan, r: &AppRule) {
    let pad = " ".repeat(10);
    let _ = writeln!(out, "{pad}{{\n{pad}  ruleType: 'ApplicationRule'");
    let _ = writeln!(out, "{pad}  name: {}", bicep_string(&r.name));
    let _ = writeln!(out, "{pad}  description: {}", bicep_string(&r.description));
    let _ = writeln!(out, "{pad}  protocols: [");
    for (t, p) in &r.protocols {
        let _ = writeln!(
            out,
            "{pad}    {{\n{pad}      protocolType: '{t}'\n{pad}      port: {p}\n{pad}    }}"
        );
    }
    let _ = writeln!(out, "{pad}  ]");
    bicep_list(out, 12, "sourceAddresses", &plan.sources);
    bicep_list(out, 12, "targetFqdns", std::slice::from_ref(&r.fqdn));
    let _ = writeln!(out, "{pad}}}");
}

pub(super) fn bicep_collection<R>(
    out: &mut String,
    c: &Collection<R>,
    rule: impl Fn(&mut String, &R),
) {
    if c.rules.is_empty() {
        return;
    }
    let pad = " ".repeat(6);
    let _ = writeln!(
        out,
        "{pad}{{\n{pad}  ruleCollectionType: 'FirewallPolicyFilterRuleCollection'"
    );
    let _ = writeln!(
        out,
        "{pad}  name: {}\n{pad}  priority: {}",
        bicep_string(&c.name),
        c.priority
    );
    let _ = writeln!(
        out,
        "{pad}  action: {{\n{pad}    type: 'Allow'\n{pad}  }}\n{pad}  rules: ["
    );
    for r in &c.rules {
        rule(out, r);
    }
    let _ = writeln!(out, "{pad}  ]\n{pad}}}");
}

pub(super) const BICEP_USAGE: &[&str] = &[
    "This Bicep file creates or replaces ONE rule collection group in an existing Firewall Policy. The group holds exactly the rules below: redeploying replaces its whole content, so use a group dedicated to these rules.",
    "Deploy: az deployment group create --resource-group <policy's resource group> --template-file <this file> --parameters firewallPolicyName=<policy>",
];

pub(super) fn bicep_text(plan: &Plan) -> String {
    let mut out = comment_block("//", &header_with(plan, BICEP_USAGE));
    out.push_str("\n@description('Name of the existing Firewall Policy (in the resource group of the deployment).')\nparam firewallPolicyName string\n\n");
    let _ = writeln!(out, "@description('Name of the rule collection group these rules own.')\nparam ruleCollectionGroupName string = {}\n", bicep_string(&plan.group_name));
    let _ = writeln!(out, "@description('Priority of the rule collection group (100-65000, lower first).')\n@minValue(100)\n@maxValue(65000)\nparam ruleCollectionGroupPriority int = {}\n", plan.group_priority);
    out.push_str("resource firewallPolicy 'Microsoft.Network/firewallPolicies@2024-05-01' existing = {\n  name: firewallPolicyName\n}\n\n");
    let _ = writeln!(
        out,
        "resource ruleCollectionGroup '{GROUP_TYPE}@{API_VERSION}' = {{"
    );
    out.push_str("  parent: firewallPolicy\n  name: ruleCollectionGroupName\n  properties: {\n    priority: ruleCollectionGroupPriority\n    ruleCollections: [\n");
    bicep_collection(&mut out, &plan.network, |o, r| {
        bicep_network_rule(o, plan, r)
    });
    bicep_collection(&mut out, &plan.application, |o, r| {
        bicep_app_rule(o, plan, r)
    });
    out.push_str("    ]\n  }\n}\n");
    out
}
