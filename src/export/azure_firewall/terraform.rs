//! Terraform of a Firewall Policy rule collection group.

use super::*;

pub(super) fn tf_network_rule(out: &mut String, plan: &Plan, r: &NetworkRule) {
    let field = match r.field {
        DestField::Addresses => "destination_addresses",
        DestField::Fqdns => "destination_fqdns",
    };
    out.push_str("\n    rule {\n");
    out.push_str(&hcl::attrs(
        6,
        &[
            ("name", hcl_string(&r.name)),
            ("description", hcl_string(&r.description)),
            ("protocols", hcl::list(&[r.protocol.to_string()])),
            ("source_addresses", hcl::list(&plan.sources)),
            (field, hcl::list(&r.destinations)),
            ("destination_ports", hcl::list(&r.ports)),
        ],
    ));
    out.push_str("    }\n");
}

pub(super) fn tf_app_rule(out: &mut String, plan: &Plan, r: &AppRule) {
    out.push_str("\n    rule {\n");
    out.push_str(&hcl::attrs(
        6,
        &[
            ("name", hcl_string(&r.name)),
            ("description", hcl_string(&r.description)),
            ("source_addresses", hcl::list(&plan.sources)),
            (
                "destination_fqdns",
                hcl::list(std::slice::from_ref(&r.fqdn)),
            ),
        ],
    ));
    for (t, p) in &r.protocols {
        let _ = writeln!(
            out,
            "\n      protocols {{\n        type = \"{t}\"\n        port = {p}\n      }}"
        );
    }
    out.push_str("    }\n");
}

pub(super) fn tf_collection<R>(
    out: &mut String,
    block: &str,
    c: &Collection<R>,
    rule: impl Fn(&mut String, &R),
) {
    if c.rules.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n  {block} {{");
    out.push_str(&hcl::attrs(
        4,
        &[
            ("name", hcl_string(&c.name)),
            ("priority", c.priority.to_string()),
            ("action", "\"Allow\"".to_string()),
        ],
    ));
    for r in &c.rules {
        rule(out, r);
    }
    out.push_str("  }\n");
}

/// A Terraform identifier from the name prefix (letters, digits, `_`, `-`; no digit first).
pub(super) fn tf_label(prefix: &str) -> String {
    let mut s: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        s.insert_str(0, "aml_");
    }
    s.push_str("_rules");
    s
}

pub(super) const TF_USAGE: &[&str] = &[
    crate::export::AZURERM_VERSIONS,
    "This Terraform file (the azurerm provider is declared in your root module) manages ONE rule collection group in an existing Firewall Policy. Terraform owns the group's whole content: rules added to it by hand are removed on the next apply.",
    "Set var.firewall_policy_id to the policy's resource ID.",
];

pub(super) fn terraform_text(plan: &Plan, prefix: &str) -> String {
    let mut out = comment_block("#", &header_with(plan, TF_USAGE));
    out.push_str("\nvariable \"firewall_policy_id\" {\n");
    out.push_str(&hcl::attrs(
        2,
        &[
            ("type", "string".into()),
            (
                "description",
                hcl_string("Resource ID of the existing Firewall Policy."),
            ),
        ],
    ));
    out.push_str("}\n\nvariable \"rule_collection_group_priority\" {\n");
    out.push_str(&hcl::attrs(
        2,
        &[
            ("type", "number".into()),
            ("default", plan.group_priority.to_string()),
            (
                "description",
                hcl_string("Priority of the rule collection group (100-65000, lower first)."),
            ),
        ],
    ));
    // Checked at plan time, as the ARM and Bicep parameters check it, instead of by Azure
    // half-way through an apply.
    out.push_str("\n  validation {\n");
    out.push_str(&hcl::attrs(
        4,
        &[
            (
                "condition",
                "var.rule_collection_group_priority >= 100 && var.rule_collection_group_priority <= 65000 && floor(var.rule_collection_group_priority) == var.rule_collection_group_priority".into(),
            ),
            (
                "error_message",
                hcl_string("The rule collection group priority must be a whole number from 100 to 65000."),
            ),
        ],
    ));
    out.push_str("  }\n");
    let _ = writeln!(
        out,
        "}}\n\nresource \"azurerm_firewall_policy_rule_collection_group\" {} {{",
        hcl_string(&tf_label(prefix))
    );
    out.push_str(&hcl::attrs(
        2,
        &[
            ("name", hcl_string(&plan.group_name)),
            ("firewall_policy_id", "var.firewall_policy_id".into()),
            ("priority", "var.rule_collection_group_priority".into()),
        ],
    ));
    tf_collection(
        &mut out,
        "network_rule_collection",
        &plan.network,
        |o, r| tf_network_rule(o, plan, r),
    );
    tf_collection(
        &mut out,
        "application_rule_collection",
        &plan.application,
        |o, r| tf_app_rule(o, plan, r),
    );
    out.push_str("}\n");
    out
}
