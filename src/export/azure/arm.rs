//! What every ARM template writer shares (NSG, route table, Azure Firewall, managed VNet): the
//! escaping of data strings, and the shape of a template of child resources.
//!
//! ARM reads a string value that starts with `[` and ends with `]` as a template expression
//! and evaluates it on deploy; a second leading `[` makes it a literal (ARM removes one `[`).
//! A string that does not end with `]` is a literal as written: doubling its `[` would put an
//! extra `[` into Azure. So every string that comes from data (purposes, host names, tags,
//! names) enters a template as `Data`, whose only constructors escape it; only the expressions
//! the writer builds itself (names of child resources, `parameters(...)`, `dependsOn`) are
//! plain JSON values.

use super::NETWORK_API_VERSION as API_VERSION;
use crate::export::text::one_line;
use crate::export::Unexpressed;
use serde::Serialize;
use serde_json::{json, Value};

pub const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

/// A JSON value of data for an ARM template, every string in it an ARM literal: it can only
/// be made by `Data::new` and `Data::text`, which escape, so data cannot reach a template
/// unescaped. It serialises as the value it holds (`json!` takes it as is).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Data(Value);

impl Data {
    /// `v` with every string in it made an ARM literal. Object keys are property names, which
    /// ARM never evaluates.
    pub fn new(v: Value) -> Data {
        Data(literals(v))
    }

    /// One string of data.
    pub fn text(s: &str) -> Data {
        Data(Value::String(literal(s)))
    }
}

impl From<Data> for Value {
    fn from(d: Data) -> Value {
        d.0
    }
}

/// `s` as an ARM string literal: never evaluated as an expression.
fn literal(s: &str) -> String {
    if s.starts_with('[') && s.ends_with(']') {
        format!("[{s}")
    } else {
        s.to_string()
    }
}

/// A JSON value of data (no expression in it) with every string in it made a `literal`.
fn literals(v: Value) -> Value {
    match v {
        Value::String(s) => Value::String(literal(&s)),
        Value::Array(a) => Value::Array(a.into_iter().map(literals).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, literals(v))).collect()),
        other => other,
    }
}

/// A `Microsoft.Network` child resource of the parent named by parameter `param`, depending
/// on the previous one, with `props` (data) as its properties.
pub fn child(
    ty: &str,
    param: &str,
    name: &str,
    prev: Option<&str>,
    comment: &str,
    props: Data,
) -> Value {
    let mut res = json!({
        "type": ty,
        "apiVersion": API_VERSION,
        // Names are azure_name()s: no quote can end the ARM string literal early.
        "name": format!("[format('{{0}}/{{1}}', parameters('{param}'), '{name}')]"),
        "comments": Data::text(&one_line(comment)),
        "properties": props,
    });
    if let Some(prev) = prev {
        res["dependsOn"] = json!([format!(
            "[resourceId('{ty}', parameters('{param}'), '{prev}')]"
        )]);
    }
    res
}

/// A template parameter of type `ty` (`string`, `int`), with a default when given.
pub fn param(ty: &str, description: &str, default: Option<Value>) -> Value {
    let mut v = json!({"type": ty, "metadata": {"description": description}});
    if let Some(d) = default {
        v["defaultValue"] = d;
    }
    v
}

/// The template's metadata: the header and what is not covered. Made literals too: nothing
/// says ARM leaves metadata unevaluated, and an escaped note only costs a `[` to a reader.
pub fn metadata(header: &[String], not: &[Unexpressed]) -> Data {
    let not: Vec<Value> = not
        .iter()
        .map(|u| json!({ "ruleId": u.rule_id, "remote": u.remote, "reason": u.reason }))
        .collect();
    Data::new(json!({
        "generator": format!("amlfw {}", crate::VERSION),
        "notes": header,
        "notCovered": not,
    }))
}

/// The whole template for child resources of an existing parent: one string parameter naming
/// the parent, the header as metadata, the resources.
pub fn document(
    header: &[String],
    not: &[Unexpressed],
    parent_param: &str,
    parent_description: &str,
    resources: Vec<Value>,
) -> String {
    let doc = json!({
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "metadata": metadata(header, not),
        "parameters": { parent_param: param("string", parent_description, None) },
        "resources": resources,
    });
    text(&doc)
}

pub fn text(doc: &Value) -> String {
    let mut t = serde_json::to_string_pretty(doc).expect("JSON values always serialize");
    t.push('\n');
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_never_evaluate() {
        assert_eq!(literal("[concat('a')]"), "[[concat('a')]");
        // Not an expression to ARM: doubling would add a `[` to the deployed value.
        assert_eq!(literal("[a"), "[a");
        assert_eq!(literal("a]"), "a]");
        assert_eq!(
            literals(json!({"a": ["[x]", "y"], "[k]": {"b": "[z]"}, "n": 1})),
            json!({"a": ["[[x]", "y"], "[k]": {"b": "[[z]"}, "n": 1})
        );
    }
}
