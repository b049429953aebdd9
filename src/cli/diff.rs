//! `amlfw editions` and `amlfw diff`: which editions of the guidance there are, and what
//! changed between two of them for a selection.

use super::args::{DiffFormat, Selection};
use super::{build_profile, stdout_write, CliError, Fallback};
use amlfw::catalog::Catalog;
use amlfw::diff::diff;

/// One line per edition, oldest first: id, date, the default mark, documents and summary.
pub fn editions_table(catalog: &Catalog) -> String {
    let newest = &catalog.default_edition().id;
    let mut out = String::from("EDITION  DATE        SOURCE / SUMMARY\n");
    for e in &catalog.editions {
        let mark = if &e.id == newest { " (default)" } else { "" };
        out.push_str(&format!("{:<8} {}  {}{mark}\n", e.id, e.date, e.title));
        out.push_str(&format!(
            "                     documents: {}\n",
            e.documents.join(", ")
        ));
        out.push_str(&format!("                     {}\n", e.summary));
    }
    out
}

pub fn run(
    sel: &Selection,
    catalog: &Catalog,
    from: &str,
    to: Option<&str>,
    format: DiffFormat,
) -> Result<(), CliError> {
    if sel.edition.is_some() {
        return Err(CliError::usage(
            "diff compares editions: give them with --from and --to, not --edition",
        ));
    }
    let p = build_profile(sel, catalog, Fallback::RequireRegion)?;
    let to = to.unwrap_or(&catalog.default_edition().id);
    let d = diff(catalog, &p, from, to).map_err(|e| CliError::usage(e.to_string()))?;
    let text = match format {
        DiffFormat::Table => d.render_table(),
        DiffFormat::Json => d.render_json(),
        DiffFormat::Markdown => d.render_markdown(),
    };
    stdout_write(&text)
}
