//! Bicep pieces shared by the Bicep writers.

/// Serial deployment, as in the ARM template: one update of the parent at a time.
pub fn bicep_depends(prev: Option<&str>) -> String {
    prev.map(|p| format!("  dependsOn: [\n    {p}\n  ]\n"))
        .unwrap_or_default()
}

/// Bicep/Terraform identifiers from Azure names: `kind_` + the name with `-`/`.` as `_`, so
/// they are stable, never a keyword, and never clash with `nsg`/`rt`; made unique.
pub fn symbols<'a>(kind: &str, names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        let base: String = n
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let base = format!("{kind}_{base}");
        let mut id = base.clone();
        let mut k = 2;
        while out.contains(&id) {
            id = format!("{base}_{k}");
            k += 1;
        }
        out.push(id);
    }
    out
}
