//! ARM template of NSG security rules (child resources of an existing NSG).

use super::*;

pub struct NsgArm;

/// Why child resources, and why one after another: told in every ARM and Bicep header.
pub(super) const ARM_SHAPE: &[&str] = &[
    "Deploy to the NSG's resource group with parameter nsgName (the NSG must exist: az network nsg create).",
    "The rules are child resources so a deployment adds or updates only these rules: deploying the whole NSG resource",
    "would replace its securityRules list and wipe the rules you already have. Each rule depends on the previous one",
    "because Azure can reject concurrent updates to one NSG (AnotherOperationInProgress).",
];

/// The declaration of the `nsg-arm` target.
pub const NSG_ARM: Target = Target {
    id: "nsg-arm",
    name: "NSG security rules (ARM template)",
    family: Family::Nsg,
    extension: "json",
    can: CAN_DEPLOYED,
    cannot: CANNOT,
    tags_use: TagsUse::No,
    expresses: crate::export::ADDRESS_FILTER,
    refuse: Some(refusal),
};

impl Exporter for NsgArm {
    fn target(&self) -> &'static Target {
        &NSG_ARM
    }
    fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
        let plan = plan(rules, self, ARM_SHAPE, opts)?;
        let mut prev: Option<&str> = None;
        let mut resources = Vec::new();
        for r in &plan.rules {
            resources.push(arm_rule(r, prev));
            prev = Some(&r.name);
        }
        let text = arm::document(
            &plan.header,
            &plan.unexpressed,
            "nsgName",
            "Name of the EXISTING network security group the rules are added to (in the deployment's resource group).",
            resources,
        );
        Ok(Export::new(text, plan.unexpressed))
    }
}

/// The rule's properties, as data: the ARM template and the Bicep file both write this value.
pub(super) fn properties(r: &SecRule) -> Map<String, Value> {
    let mut p = Map::new();
    p.insert("description".into(), r.description.clone().into());
    p.insert("priority".into(), r.priority.into());
    p.insert("direction".into(), r.direction_name().into());
    p.insert("access".into(), "Allow".into());
    p.insert("protocol".into(), r.protocol.into());
    p.insert("sourcePortRange".into(), "*".into());
    for (one, many, values) in plural_fields(r) {
        arm_list(&mut p, one, many, values);
    }
    p
}

pub(super) fn arm_rule(r: &SecRule, prev: Option<&str>) -> Value {
    let ty = "Microsoft.Network/networkSecurityGroups/securityRules";
    arm::child(
        ty,
        "nsgName",
        &r.name,
        prev,
        &format!("{}: {}", r.rule_id, r.purpose),
        arm::Data::new(Value::Object(properties(r))),
    )
}

/// The (singular, plural) property names of the list-valued fields, with their values.
pub(super) fn plural_fields(r: &SecRule) -> [(&'static str, &'static str, &[String]); 3] {
    [
        ("sourceAddressPrefix", "sourceAddressPrefixes", &r.sources),
        (
            "destinationAddressPrefix",
            "destinationAddressPrefixes",
            &r.destinations,
        ),
        ("destinationPortRange", "destinationPortRanges", &r.ports),
    ]
}

/// The singular property for one value, the plural (an array) for several. Azure takes a
/// service tag only in the singular one, and each rule has at most one tag.
pub(super) fn arm_list(p: &mut Map<String, Value>, one: &str, many: &str, values: &[String]) {
    if let [v] = values {
        p.insert(one.into(), v.clone().into());
    } else {
        let v: Vec<Value> = values.iter().map(|s| s.clone().into()).collect();
        p.insert(many.into(), v.into());
    }
}
