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
        let mut t = existing_parent(
            &plan.header,
            "nsgName",
            "Name of the EXISTING network security group the rules are added to.",
            "Microsoft.Network/networkSecurityGroups",
            "nsg",
        );
        let idents = symbols("rule", plan.rules.iter().map(|r| r.name.as_str()));
        for (i, r) in plan.rules.iter().enumerate() {
            let prev = i.checked_sub(1).map(|p| idents[p].as_str());
            t.push('\n');
            t.push_str(&child(
                "Microsoft.Network/networkSecurityGroups/securityRules",
                "nsg",
                &idents[i],
                &r.name,
                &format!("{}: {}", r.rule_id, r.purpose),
                &properties(r),
                prev,
            ));
        }
        Ok(Export {
            text: t,
            unexpressed: plan.unexpressed,
        })
    }
}
