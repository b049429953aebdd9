//! Terraform (HCL) pieces: aligned attributes, blocks, variables, string lists.

use crate::export::text::hcl_string;

/// Attribute lines at `indent` spaces, `=` aligned the way `terraform fmt` aligns a run of
/// attributes.
pub fn attrs<K: AsRef<str>>(indent: usize, pairs: &[(K, String)]) -> String {
    let width = pairs
        .iter()
        .map(|(k, _)| k.as_ref().len())
        .max()
        .unwrap_or(0);
    let pad = " ".repeat(indent);
    pairs
        .iter()
        .map(|(k, v)| format!("{pad}{:<width$} = {v}\n", k.as_ref()))
        .collect()
}

/// A block whose attributes are aligned on `=` the way `terraform fmt` does it.
pub fn block<K: AsRef<str>>(head: &str, pairs: &[(K, String)]) -> String {
    format!("{head} {{\n{}}}\n", attrs(2, pairs))
}

/// A required string variable.
pub fn variable(name: &str, description: &str) -> String {
    block(
        &format!("variable \"{name}\""),
        &[
            ("description", hcl_string(description)),
            ("type", "string".into()),
        ],
    )
}

/// `["a", "b"]`, each item an HCL string.
pub fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| hcl_string(i)).collect();
    format!("[{}]", quoted.join(", "))
}
