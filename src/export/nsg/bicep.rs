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
    fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
        let plan = plan(rules, self, ARM_SHAPE, opts)?;
        let nsg = Parent {
            ty: "Microsoft.Network/networkSecurityGroups",
            sym: "nsg",
            param: "nsgName",
            description: "Name of the EXISTING network security group the rules are added to.",
        };
        let rules: Vec<Child> = (plan.rules.iter())
            .map(|r| Child {
                name: r.name.clone(),
                comment: format!("{}: {}", r.rule_id, r.purpose),
                props: properties(r),
            })
            .collect();
        let ty = "Microsoft.Network/networkSecurityGroups/securityRules";
        let t = document(&plan.header, &nsg, ty, "rule", &rules);
        Ok(Export::new(t, plan.unexpressed))
    }
}
