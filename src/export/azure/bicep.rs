//! Bicep pieces shared by the Bicep writers.

use crate::export::text::bicep_string;
use serde_json::{Map, Value};

/// The members of `props` as Bicep lines at `indent` spaces: `key: value`, strings quoted,
/// arrays and objects one member a line. Bicep is written from the same properties value as
/// the ARM template (before ARM's literal escaping, which Bicep does not need), so the two
/// cannot disagree on what a resource holds.
pub fn members(props: &Map<String, Value>, indent: usize) -> String {
    let mut out = String::new();
    for (k, v) in props {
        out.push_str(&format!("{}{k}: ", " ".repeat(indent)));
        value(&mut out, v, indent);
        out.push('\n');
    }
    out
}

fn value(out: &mut String, v: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    match v {
        Value::String(s) => out.push_str(&bicep_string(s)),
        Value::Array(items) => {
            out.push_str("[\n");
            for i in items {
                out.push_str(&format!("{pad}  "));
                value(out, i, indent + 2);
                out.push('\n');
            }
            out.push_str(&format!("{pad}]"));
        }
        Value::Object(o) => {
            out.push_str("{\n");
            out.push_str(&members(o, indent + 2));
            out.push_str(&format!("{pad}}}"));
        }
        other => out.push_str(&other.to_string()),
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_are_written_as_bicep() {
        let v = json!({"a": "it's", "n": 5, "l": ["x", "${y}"], "o": {"b": true}});
        assert_eq!(
            members(v.as_object().unwrap(), 2),
            "  a: 'it\\'s'\n  n: 5\n  l: [\n    'x'\n    '\\${y}'\n  ]\n  o: {\n    b: true\n  }\n"
        );
    }
}
