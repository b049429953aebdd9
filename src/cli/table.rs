//! Plain-text tables for a terminal: fixed widths, long cells wrapped onto extra lines.

use amlfw::catalog::{Catalog, FeatureGroup};
use amlfw::export;
use amlfw::model::{Cloud, Kind};
use amlfw::rules::RuleSet;

/// Wraps `text` at spaces (or hard, inside a long word) into lines of at most `width` chars.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let cur_len = cur.chars().count();
            let need = if cur.is_empty() {
                word.len()
            } else {
                cur_len + 1 + word.len()
            };
            if need <= width {
                if !cur.is_empty() {
                    cur.push(' ');
                }
                cur.extend(word.iter());
                break;
            }
            if !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
                continue;
            }
            let rest = word.split_off(width);
            lines.push(word.iter().collect());
            word = rest;
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Renders rows as columns of the given widths (the last column takes what is left).
fn columns(header: &[&str], rows: &[Vec<String>], widths: &[usize]) -> String {
    let mut out = String::new();
    let mut emit = |cells: Vec<Vec<String>>| {
        let height = cells.iter().map(Vec::len).max().unwrap_or(1);
        for i in 0..height {
            let mut line = String::new();
            for (c, w) in cells.iter().zip(widths) {
                let cell = c.get(i).map(String::as_str).unwrap_or("");
                line.push_str(cell);
                let pad = w.saturating_sub(cell.chars().count());
                line.push_str(&" ".repeat(pad + 2));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    };
    emit(
        header
            .iter()
            .zip(widths)
            .map(|(h, w)| wrap(h, *w))
            .collect(),
    );
    for row in rows {
        emit(row.iter().zip(widths).map(|(c, w)| wrap(c, *w)).collect());
    }
    out
}

/// The rules as a table that fits `width` columns, with counts per kind.
pub fn rules_table(rs: &RuleSet, width: usize) -> String {
    let s = &rs.settings;
    let mut out = format!(
        "{} / {} ({}), edition {}: {} rules\n\n",
        s.cloud.title(),
        s.region.display_name,
        s.region.name,
        s.edition,
        rs.rules.len()
    );
    let rows: Vec<Vec<String>> = rs
        .rules
        .iter()
        .map(|r| {
            let mut dest = r.remote.to_string();
            if let Some(p) = &r.path {
                dest.push_str(&format!(" (path {p})"));
            }
            if r.expand_prefixes {
                dest.push_str(" (each prefix)");
            }
            if let Some(h) = &r.next_hop {
                dest.push_str(&format!(" -> {h}"));
            }
            vec![
                r.kind.short().to_string(),
                dest,
                r.ports_label(),
                r.features_label(),
            ]
        })
        .collect();
    // kind 7, destination 40, ports 18, features: the rest (2 spaces between columns).
    let fixed = 7 + 40 + 18 + 3 * 2;
    let widths = [7, 40, 18, width.saturating_sub(fixed).max(12)];
    out.push_str(&columns(
        &["KIND", "DESTINATION", "PORTS", "FEATURES"],
        &rows,
        &widths,
    ));
    let counts: Vec<String> = Kind::ALL
        .iter()
        .map(|k| (k, rs.count(*k)))
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{} {n}", k.short()))
        .collect();
    out.push_str(&format!("\n{}\n", counts.join(", ")));
    out
}

pub fn targets_table() -> String {
    let rows: Vec<Vec<String>> = export::targets()
        .iter()
        .map(|t| {
            vec![
                t.id().to_string(),
                t.name().to_string(),
                t.extension().to_string(),
                format!("CAN: {}. CANNOT: {}.", t.can(), t.cannot()),
            ]
        })
        .collect();
    columns(&["ID", "NAME", "EXT", "EXPRESSES"], &rows, &[17, 30, 5, 44])
}

pub fn features_list(catalog: &Catalog, width: usize) -> String {
    let mut out = String::new();
    for g in FeatureGroup::ALL {
        out.push_str(&format!("{}\n", g.title()));
        for f in catalog.features.iter().filter(|f| f.group == g) {
            let needs = if f.requires.is_empty() {
                String::new()
            } else {
                format!(" (needs {})", f.requires.join(", "))
            };
            // Features that only some editions have say which (elsewhere they are ignored).
            let editions = catalog.feature_edition_ids(&f.id);
            let only = if editions.len() < catalog.editions.len() {
                format!(" [editions: {}]", editions.join(", "))
            } else {
                String::new()
            };
            out.push_str(&format!("  {:<20} {}{}{only}\n", f.id, f.title, needs));
            for line in wrap(&f.help, width.saturating_sub(25)) {
                out.push_str(&format!("  {:<20} {}\n", "", line));
            }
        }
        out.push('\n');
    }
    out
}

pub fn regions_table(catalog: &Catalog, cloud: Option<Cloud>) -> String {
    let rows: Vec<Vec<String>> = catalog
        .regions
        .iter()
        .filter(|r| cloud.is_none_or(|c| r.cloud == c))
        .map(|r| {
            vec![
                r.cloud.id().to_string(),
                r.name.clone(),
                r.display_name.clone(),
                r.paired.clone().unwrap_or_else(|| "-".into()),
                r.tag_suffix.clone().unwrap_or_else(|| "(none)".into()),
            ]
        })
        .collect();
    columns(
        &["CLOUD", "REGION", "DISPLAY NAME", "PAIRED", "TAG SUFFIX"],
        &rows,
        &[6, 20, 24, 20, 20],
    )
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_breaks_at_spaces_and_inside_long_words() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap("", 3), [""]);
    }
}
