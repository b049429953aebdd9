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
        let table = Parent {
            ty: "Microsoft.Network/routeTables",
            sym: "rt",
            param: ROUTE_TABLE_PARAM,
            description: ROUTE_TABLE_DESCRIPTION,
        };
        let routes: Vec<Child> = (plan.routes.iter())
            .map(|r| Child {
                name: r.name.clone(),
                comment: r.comment.clone(),
                props: properties(r),
            })
            .collect();
        let ty = "Microsoft.Network/routeTables/routes";
        let t = document(&plan.header, &table, ty, "route", &routes);
        Ok(Export::new(t, plan.unexpressed))
    }
}
