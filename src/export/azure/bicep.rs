//! Bicep pieces shared by the Bicep writers.

use super::NETWORK_API_VERSION as API_VERSION;
use crate::export::text::{bicep_string, comment_block};
use serde_json::{Map, Value};

/// The start of a Bicep file of child resources of an existing `Microsoft.Network` parent of
/// type `ty`: the header as comments, the string parameter `param` naming the parent, and the
/// parent as the `existing` resource `sym` the children name as their `parent`.
pub fn existing_parent(
    header: &[String],
    param: &str,
    description: &str,
    ty: &str,
    sym: &str,
) -> String {
    let mut t = comment_block("//", header);
    t.push_str(&format!(
        "\n@description({})\nparam {param} string\n\nresource {sym} '{ty}@{API_VERSION}' existing = {{\n  name: {param}\n}}\n",
        bicep_string(description)
    ));
    t
}

/// One child resource `ident` of type `ty` under the parent symbol `parent`: a `//` comment,
/// its name, `props` (the value the ARM template writes) and a dependency on `prev`, so that
/// the Bicep and the ARM template of a family hold the same resources.
pub fn child(
    ty: &str,
    parent: &str,
    ident: &str,
    name: &str,
    comment: &str,
    props: &Map<String, Value>,
    prev: Option<&str>,
) -> String {
    let mut t = comment_block("//", &[comment.to_string()]);
    t.push_str(&format!(
        "resource {ident} '{ty}@{API_VERSION}' = {{\n  parent: {parent}\n  name: {}\n  properties: {{\n",
        bicep_string(name)
    ));
    t.push_str(&members(props, 4));
    t.push_str("  }\n");
    t.push_str(&bicep_depends(prev));
    t.push_str("}\n");
    t
}

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
fn bicep_depends(prev: Option<&str>) -> String {
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
