//! Bicep of NSG security rules.

use super::*;

pub struct NsgBicep;

/// The declaration of the `nsg-bicep` target.
pub const NSG_BICEP: Target = Target {
    id: "nsg-bicep",
    name: "NSG security rules (Bicep)",
    family: Family::Nsg,
    extension: "bicep",
    can: CAN_DEPLOYED,
    cannot: CANNOT,
    tags_use: TagsUse::No,
    expresses: crate::export::ADDRESS_FILTER,
    refuse: Some(refusal),
};

impl Exporter for NsgBicep {
    fn target(&self) -> &'static Target {
        &NSG_BICEP
    }
    fn render(&self, rules: &RuleSet, _opts: &ExportOptions) -> Result<Export, ExportError> {
        let plan = plan(rules, self, ARM_SHAPE)?;
        let mut t = comment_block("//", &plan.header);
        t.push_str("\n@description('Name of the EXISTING network security group the rules are added to.')\nparam nsgName string\n\n");
        t.push_str(&format!(
            "resource nsg 'Microsoft.Network/networkSecurityGroups@{API_VERSION}' existing = {{\n  name: nsgName\n}}\n"
        ));
        let idents = symbols("rule", plan.rules.iter().map(|r| r.name.as_str()));
        for (i, r) in plan.rules.iter().enumerate() {
            let prev = i.checked_sub(1).map(|p| idents[p].as_str());
            t.push('\n');
            t.push_str(&bicep_rule(r, &idents[i], prev));
        }
        Ok(Export {
            text: t,
            unexpressed: plan.unexpressed,
        })
    }
}

pub(super) fn bicep_rule(r: &SecRule, ident: &str, prev: Option<&str>) -> String {
    let mut t = comment_block("//", &[format!("{}: {}", r.rule_id, r.purpose)]);
    t.push_str(&format!(
        "resource {ident} 'Microsoft.Network/networkSecurityGroups/securityRules@{API_VERSION}' = {{\n  parent: nsg\n  name: {}\n  properties: {{\n",
        bicep_string(&r.name)
    ));
    t.push_str(&members(&properties(r), 4));
    t.push_str("  }\n");
    t.push_str(&bicep_depends(prev));
    t.push_str("}\n");
    t
}
