//! The managed network renderers. Values go through each format's quoting: YAML double-quoted
//! (JSON) strings, `sh_quote` for the shell, `hcl_string` for Terraform.

use super::{Destination, Plan};
use crate::export::text::{comment_block, hcl_string, one_line, sh_quote};
use crate::rules::RuleSet;

/// A YAML double-quoted scalar: JSON's string syntax is a subset of it.
fn yq(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// The `managed_network` section of a workspace YAML file (`az ml workspace create|update
/// --file`).
pub fn yaml(_rs: &RuleSet, p: &Plan, header: &[String]) -> String {
    let mut out = comment_block("#", header);
    out.push_str("# Put this section into the workspace's YAML file (az ml workspace update --file FILE --name WS --resource-group RG).\n");
    out.push_str("managed_network:\n  isolation_mode: allow_only_approved_outbound\n");
    if p.rules.is_empty() {
        out.push_str("  outbound_rules: []\n");
        return out;
    }
    out.push_str("  outbound_rules:\n");
    for r in &p.rules {
        out.push_str(&format!("    # {}: {}\n", r.rule_id, one_line(&r.purpose)));
        out.push_str(&format!("    - name: {}\n", yq(&r.name)));
        match &r.destination {
            Destination::Fqdn(host) => {
                out.push_str(&format!(
                    "      type: fqdn\n      destination: {}\n",
                    yq(host)
                ));
            }
            Destination::ServiceTag {
                tag,
                protocol,
                port_ranges,
            } => {
                out.push_str(&format!(
                    "      type: service_tag\n      destination:\n        service_tag: {}\n        protocol: {}\n        port_ranges: {}\n",
                    yq(tag),
                    yq(protocol),
                    yq(port_ranges)
                ));
            }
        }
    }
    out
}

/// `az ml workspace outbound-rule set` commands; the workspace and resource group come from
/// the environment.
pub fn cli(_rs: &RuleSet, p: &Plan, header: &[String]) -> String {
    let mut out = String::from("#!/usr/bin/env bash\n");
    out.push_str(&comment_block("#", header));
    out.push_str("# Needs the Azure CLI ml extension (az extension add -n ml).\n");
    out.push_str("set -euo pipefail\n\n");
    out.push_str(": \"${WORKSPACE:?set WORKSPACE to the workspace name}\"\n");
    out.push_str(
        ": \"${RESOURCE_GROUP:?set RESOURCE_GROUP to the resource group of the workspace}\"\n",
    );
    for r in &p.rules {
        out.push_str(&format!("\n# {}: {}\n", r.rule_id, one_line(&r.purpose)));
        out.push_str(&format!(
            "az ml workspace outbound-rule set --workspace-name \"$WORKSPACE\" --resource-group \"$RESOURCE_GROUP\" \\\n  --rule {}",
            sh_quote(&r.name)
        ));
        match &r.destination {
            Destination::Fqdn(host) => {
                out.push_str(&format!(" --type fqdn --destination {}\n", sh_quote(host)))
            }
            Destination::ServiceTag {
                tag,
                protocol,
                port_ranges,
            } => out.push_str(&format!(
                " --type service_tag --service-tag {} --protocol {} --port-ranges {}\n",
                sh_quote(tag),
                sh_quote(protocol),
                sh_quote(port_ranges)
            )),
        }
    }
    out
}

/// A Terraform identifier from a rule name.
fn ident(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("r_{s}")
    } else {
        s
    }
}

/// azurerm `azurerm_machine_learning_workspace_network_outbound_rule_fqdn` and
/// `_service_tag` resources, for the workspace given as a variable.
pub fn terraform(_rs: &RuleSet, p: &Plan, header: &[String]) -> String {
    let mut h = header.to_vec();
    h.push("Needs an azurerm provider with the managed network outbound rule resources: they are absent from 3.75.0; the attribute names are checked against 4.55.0.".into());
    let mut out = comment_block("#", &h);
    out.push_str("\nvariable \"workspace_id\" {\n  type        = string\n  description = \"Resource id of the Azure Machine Learning workspace\"\n}\n");
    for r in &p.rules {
        out.push_str(&format!("\n# {}: {}\n", r.rule_id, one_line(&r.purpose)));
        let (kind, mut attrs) = match &r.destination {
            Destination::Fqdn(host) => ("fqdn", vec![("destination_fqdn", hcl_string(host))]),
            Destination::ServiceTag {
                tag,
                protocol,
                port_ranges,
            } => (
                "service_tag",
                vec![
                    ("service_tag", hcl_string(tag)),
                    ("protocol", hcl_string(protocol)),
                    ("port_ranges", hcl_string(port_ranges)),
                ],
            ),
        };
        attrs.splice(
            0..0,
            [
                ("name", hcl_string(&r.name)),
                ("workspace_id", "var.workspace_id".into()),
            ],
        );
        out.push_str(&crate::export::azure::hcl::block(
            &format!(
                "resource \"azurerm_machine_learning_workspace_network_outbound_rule_{kind}\" \"{}\"",
                ident(&r.name)
            ),
            &attrs,
        ));
    }
    out
}

/// API version of `Microsoft.MachineLearningServices/workspaces/outboundRules` in ARM and
/// Bicep: the newest stable version of the REST specification vendored in the tests.
pub const OUTBOUND_RULES_API: &str = "2025-09-01";

const RULE_TYPE: &str = "Microsoft.MachineLearningServices/workspaces/outboundRules";

/// The `properties` of an outbound rule resource.
fn arm_properties(d: &Destination) -> serde_json::Value {
    use serde_json::json;
    match d {
        Destination::Fqdn(host) => {
            json!({"type": "FQDN", "category": "UserDefined", "destination": host})
        }
        Destination::ServiceTag {
            tag,
            protocol,
            port_ranges,
        } => json!({
            "type": "ServiceTag",
            "category": "UserDefined",
            "destination": {"serviceTag": tag, "protocol": protocol, "portRanges": port_ranges}
        }),
    }
}

/// An ARM template of `workspaces/outboundRules` resources for an existing workspace.
pub fn arm(_rs: &RuleSet, p: &Plan, header: &[String]) -> String {
    use serde_json::json;
    let resources: Vec<serde_json::Value> = p
        .rules
        .iter()
        .map(|r| {
            json!({
                "type": RULE_TYPE,
                "apiVersion": OUTBOUND_RULES_API,
                // Rule names are [A-Za-z0-9_-] only, so they need no escaping in the expression.
                "name": format!("[format('{{0}}/{{1}}', parameters('workspaceName'), '{}')]", r.name),
                // Data only (host names, tags, ports): all literals.
                "properties": crate::export::azure::arm::Data::new(arm_properties(&r.destination)),
            })
        })
        .collect();
    let doc = json!({
        "$schema": crate::export::azure::arm::SCHEMA,
        "contentVersion": "1.0.0.0",
        "metadata": crate::export::azure::arm::Data::new(json!({"header": header.iter().map(|l| one_line(l)).collect::<Vec<_>>()})),
        "parameters": {
            "workspaceName": {
                "type": "string",
                "metadata": {"description": "Name of the existing Azure Machine Learning workspace (managed network in allow_only_approved_outbound mode)"}
            }
        },
        "resources": resources,
    });
    crate::export::azure::arm::text(&doc)
}

/// Bicep: the workspace as an `existing` resource and one `outboundRules` child per rule.
pub fn bicep(_rs: &RuleSet, p: &Plan, header: &[String]) -> String {
    use crate::export::text::bicep_string;
    let mut out = comment_block("//", header);
    out.push_str("\n@description('Name of the existing Azure Machine Learning workspace')\nparam workspaceName string\n\n");
    out.push_str(&format!(
        "resource workspace 'Microsoft.MachineLearningServices/workspaces@{OUTBOUND_RULES_API}' existing = {{\n  name: workspaceName\n}}\n"
    ));
    for r in &p.rules {
        out.push_str(&format!("\n// {}: {}\n", r.rule_id, one_line(&r.purpose)));
        out.push_str(&format!(
            "resource {} '{RULE_TYPE}@{OUTBOUND_RULES_API}' = {{\n  parent: workspace\n  name: {}\n  properties: {{\n",
            ident(&r.name),
            bicep_string(&r.name)
        ));
        match &r.destination {
            Destination::Fqdn(host) => out.push_str(&format!(
                "    type: 'FQDN'\n    category: 'UserDefined'\n    destination: {}\n",
                bicep_string(host)
            )),
            Destination::ServiceTag {
                tag,
                protocol,
                port_ranges,
            } => out.push_str(&format!(
                "    type: 'ServiceTag'\n    category: 'UserDefined'\n    destination: {{\n      serviceTag: {}\n      protocol: {}\n      portRanges: {}\n    }}\n",
                bicep_string(tag),
                bicep_string(protocol),
                bicep_string(port_ranges)
            )),
        }
        out.push_str("  }\n}\n");
    }
    out
}
