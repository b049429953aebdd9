//! `az` script of NSG security rules.

use super::*;

pub struct NsgCli;

/// The declaration of the `nsg-cli` target.
pub const NSG_CLI: Target = Target {
    id: "nsg-cli",
    name: "NSG security rules (az CLI script)",
    family: Family::Nsg,
    extension: "sh",
    can: "az network nsg rule create commands for an existing NSG",
    cannot: CANNOT,
    tags_use: TagsUse::No,
    expresses: crate::export::ADDRESS_FILTER,
    refuse: Some(refusal),
};

impl Exporter for NsgCli {
    fn target(&self) -> &'static Target {
        &NSG_CLI
    }
    fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
        let shape = ["Bash script: az network nsg rule create adds or updates each rule in an existing NSG and leaves the others."];
        let plan = plan(rules, self, &shape, opts)?;
        let mut t = script_preamble(
            &plan.header,
            &[
                ("RG", "resource group of the NSG"),
                ("NSG", "name of the existing NSG"),
            ],
        );
        for r in &plan.rules {
            t.push('\n');
            t.push_str(&comment_block(
                "#",
                &[format!("{}: {}", r.rule_id, r.purpose)],
            ));
            t.push_str(&cli_rule(r));
        }
        Ok(Export::new(t, plan.unexpressed))
    }
}

pub(super) fn cli_rule(r: &SecRule) -> String {
    let words = |v: &[String]| v.iter().map(|s| sh_quote(s)).collect::<Vec<_>>().join(" ");
    format!(
        "az network nsg rule create -g \"$RG\" --nsg-name \"$NSG\" -n {} \\\n  --priority {} --direction {} --access Allow --protocol {} \\\n  --source-address-prefixes {} --source-port-ranges '*' \\\n  --destination-address-prefixes {} --destination-port-ranges {} \\\n  --description={}\n",
        sh_quote(&r.name),
        r.priority,
        r.direction_name(),
        sh_quote(r.protocol),
        words(&r.sources),
        words(&r.destinations),
        words(&r.ports),
        // `=` keeps a description that starts with `-` from being read as an option.
        sh_quote(&r.description),
    )
}
