//! `amlfw editions` and `amlfw diff`: which editions of the guidance there are, and what
//! changed between two of them for a selection.

use super::args::{DiffFormat, Selection};
use super::{build_profile, diag, stdout_write, CliError, Fallback};
use amlfw::catalog::Catalog;
use amlfw::diff::{diff, parse_export_header};
use std::path::Path;

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
    // --from is an edition, or an export amlfw wrote: then its header says which edition,
    // cloud, region, features and sources it was made with.
    let file = from;
    let (from, sel, header_features) = if catalog.edition(from).is_some() {
        (from.to_string(), sel.clone(), None)
    } else {
        let path = Path::new(from);
        if !path.is_file() {
            let known: Vec<&str> = catalog.editions.iter().map(|e| e.id.as_str()).collect();
            return Err(CliError::usage(format!(
                "--from '{from}': neither an edition (known: {}) nor a file",
                known.join(", ")
            )));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
        let h = parse_export_header(&text)
            .map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
        if catalog.edition(&h.edition).is_none() {
            return Err(CliError::usage(format!(
                "{}: its header names edition '{}', which this amlfw does not know",
                path.display(),
                h.edition
            )));
        }
        let mut sel = sel.clone();
        if sel.region.as_deref().is_some_and(|r| r != h.region)
            || sel.cloud.is_some_and(|c| c != h.cloud)
            || (!sel.features.is_empty() && sel.features != h.features)
        {
            diag(&format!(
                "notice: {} was made for other choices than the flags give; its cloud, region and features are used",
                path.display()
            ));
        }
        sel.cloud = Some(h.cloud);
        sel.region = Some(h.region.clone());
        sel.features = h.features.clone();
        if sel.sources.is_empty() {
            sel.sources = h.sources.clone();
        }
        diag(&format!(
            "notice: comparing with {} (target {}, edition {}, {} / {}); what its header does not record (storage account, registry, options) comes from the flags",
            path.display(),
            h.target,
            h.edition,
            h.cloud.id(),
            h.region
        ));
        (h.edition, sel, Some(h.features))
    };
    let mut p = build_profile(&sel, catalog, Fallback::RequireRegion)?;
    // The export's features, even none (an empty flag list would keep a profile's).
    if let Some(f) = header_features {
        p.features = f;
        p.validate(catalog)
            .map_err(|e| CliError::usage(format!("{file}: the export's header: {e}")))?;
    }
    let to = to.unwrap_or(&catalog.default_edition().id);
    let d = diff(catalog, &p, &from, to).map_err(|e| CliError::usage(e.to_string()))?;
    let text = match format {
        DiffFormat::Table => d.render_table(),
        DiffFormat::Json => d.render_json(),
        DiffFormat::Markdown => d.render_markdown(),
    };
    stdout_write(&text)
}
