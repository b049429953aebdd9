//! Bicep pieces shared by the Bicep writers.

use super::NETWORK_API_VERSION as API_VERSION;
use crate::export::text::{bicep_string, comment_block};
use serde_json::{Map, Value};

/// The existing `Microsoft.Network` resource a Bicep file adds children to: its type, the
/// symbol the children name as their `parent`, and the string parameter that names it.
pub struct Parent<'a> {
    pub ty: &'a str,
    pub sym: &'a str,
    pub param: &'a str,
    pub description: &'a str,
}

/// One child resource: its Azure name, a comment, and its properties (the value the family's
/// ARM template writes, so the two formats hold the same resources).
pub struct Child {
    pub name: String,
    pub comment: String,
    pub props: Map<String, Value>,
}

/// The whole Bicep file for children of type `ty` of an existing parent, the counterpart of
/// `arm::document`: the header as comments, the parameter, the parent as an `existing`
/// resource, then each child (symbol `kind_<name>`) depending on the one before, as in the
/// ARM template.
pub fn document(
    header: &[String],
    parent: &Parent,
    ty: &str,
    kind: &str,
    children: &[Child],
) -> String {
    let mut t = comment_block("//", header);
    t.push_str(&format!(
        "\n@description({})\nparam {param} string\n\nresource {sym} '{}@{API_VERSION}' existing = {{\n  name: {param}\n}}\n",
        bicep_string(parent.description),
        parent.ty,
        param = parent.param,
        sym = parent.sym,
    ));
    let idents = symbols(kind, children.iter().map(|c| c.name.as_str()));
    for (i, c) in children.iter().enumerate() {
        t.push('\n');
        t.push_str(&comment_block("//", std::slice::from_ref(&c.comment)));
        t.push_str(&format!(
            "resource {} '{ty}@{API_VERSION}' = {{\n  parent: {}\n  name: {}\n  properties: {{\n",
            idents[i],
            parent.sym,
            bicep_string(&c.name)
        ));
        t.push_str(&members(&c.props, 4));
        t.push_str("  }\n");
        if let Some(prev) = i.checked_sub(1) {
            t.push_str(&format!("  dependsOn: [\n    {}\n  ]\n", idents[prev]));
        }
        t.push_str("}\n");
    }
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
