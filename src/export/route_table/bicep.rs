//! Bicep of route-table routes: the ARM template's routes (same plan, same properties value),
//! as children of the existing table.

use super::*;

pub struct UdrBicep;

/// The declaration of the `udr-bicep` target.
pub const UDR_BICEP: Target = Target {
    id: "udr-bicep",
    name: "Route table routes (Bicep)",
    family: Family::RouteTable,
    extension: "bicep",
    can: "routes for compute inbound traffic (service tags or IP prefixes), added to an existing route table",
    cannot: CANNOT,
    tags_use: TagsUse::ForIpRoutes,
    expresses: crate::export::ROUTES,
    refuse: Some(not_a_route),
};

impl Exporter for UdrBicep {
    fn target(&self) -> &'static Target {
        &UDR_BICEP
    }
    fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
        let plan = plan(rules, self, opts, ARM_SHAPE)?;
        let mut t = existing_parent(
            &plan.header,
            ROUTE_TABLE_PARAM,
            ROUTE_TABLE_DESCRIPTION,
            "Microsoft.Network/routeTables",
            "rt",
        );
        let idents = symbols("route", plan.routes.iter().map(|r| r.name.as_str()));
        for (i, r) in plan.routes.iter().enumerate() {
            let prev = i.checked_sub(1).map(|p| idents[p].as_str());
            t.push('\n');
            t.push_str(&child(
                "Microsoft.Network/routeTables/routes",
                "rt",
                &idents[i],
                &r.name,
                &r.comment,
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
