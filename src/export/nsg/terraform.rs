//! Terraform of NSG security rules.

use super::*;

pub struct NsgTerraform;

/// The declaration of the `nsg-terraform` target.
pub const NSG_TERRAFORM: Target = Target {
    id: "nsg-terraform",
    name: "NSG security rules (Terraform azurerm)",
    family: Family::Nsg,
    extension: "tf",
    can: "azurerm_network_security_rule resources for an existing NSG",
    cannot: CANNOT,
    tags_use: TagsUse::No,
    expresses: crate::export::ADDRESS_FILTER,
    refuse: Some(refusal),
};

impl Exporter for NsgTerraform {
    fn target(&self) -> &'static Target {
        &NSG_TERRAFORM
    }
    fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
        let shape = [
            "Standalone azurerm_network_security_rule resources for an existing NSG: they add these rules and leave the others.",
            "Do not also declare security_rule blocks inside that azurerm_network_security_group: the two forms fight each other.",
            crate::export::AZURERM_VERSIONS,
        ];
        let plan = plan(rules, self, &shape, opts)?;
        let mut t = comment_block("#", &plan.header);
        t.push('\n');
        t.push_str(&hcl::variable(
            "resource_group_name",
            "Resource group of the existing network security group.",
        ));
        t.push('\n');
        t.push_str(&hcl::variable(
            "network_security_group_name",
            "Name of the existing network security group the rules are added to.",
        ));
        let labels = symbols("rule", plan.rules.iter().map(|r| r.name.as_str()));
        for (r, label) in plan.rules.iter().zip(&labels) {
            t.push('\n');
            t.push_str(&comment_block(
                "#",
                &[format!("{}: {}", r.rule_id, r.purpose)],
            ));
            t.push_str(&hcl::block(
                &format!("resource \"azurerm_network_security_rule\" \"{label}\""),
                &tf_rule_attrs(r),
            ));
        }
        Ok(Export::new(t, plan.unexpressed))
    }
}

pub(super) fn tf_rule_attrs(r: &SecRule) -> Vec<(String, String)> {
    let mut a: Vec<(String, String)> = vec![
        ("name".into(), hcl_string(&r.name)),
        (
            "resource_group_name".into(),
            "var.resource_group_name".into(),
        ),
        (
            "network_security_group_name".into(),
            "var.network_security_group_name".into(),
        ),
        ("priority".into(), r.priority.to_string()),
        ("direction".into(), hcl_string(r.direction_name())),
        ("access".into(), hcl_string("Allow")),
        ("protocol".into(), hcl_string(r.protocol)),
        ("source_port_range".into(), hcl_string("*")),
    ];
    // Service tags are only accepted in the singular attributes; the plural ones take CIDRs.
    a.push(tf_list(
        "source_address_prefix",
        "source_address_prefixes",
        &r.sources,
    ));
    a.push(tf_list(
        "destination_address_prefix",
        "destination_address_prefixes",
        &r.destinations,
    ));
    a.push(tf_list(
        "destination_port_range",
        "destination_port_ranges",
        &r.ports,
    ));
    a.push(("description".into(), hcl_string(&r.description)));
    a
}

pub(super) fn tf_list(one: &str, many: &str, values: &[String]) -> (String, String) {
    if let [v] = values {
        return (one.into(), hcl_string(v));
    }
    let items: Vec<String> = values.iter().map(|v| hcl_string(v)).collect();
    (many.into(), format!("[{}]", items.join(", ")))
}
