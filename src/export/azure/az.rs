//! `az` script pieces shared by the CLI writers.

use crate::export::text::comment_block;

/// Shebang, header, strict mode, and the overridable variables (which must be set: the
/// placeholders stop the script before any `az` call).
pub fn script_preamble(header: &[String], vars: &[(&str, &str)]) -> String {
    let mut t = "#!/usr/bin/env bash\n".to_string();
    t.push_str(&comment_block("#", header));
    t.push_str("set -euo pipefail\n\n");
    let names: Vec<&str> = vars.iter().map(|(n, _)| *n).collect();
    let example: Vec<String> = names.iter().map(|n| format!("{n}=...")).collect();
    t.push_str(&format!(
        "# Set these in the environment ({} bash this-script.sh) or edit them here.\n",
        example.join(" ")
    ));
    for (n, what) in vars {
        t.push_str(&format!("{n}=\"${{{n}:-CHANGE-ME}}\" # {what}\n"));
    }
    let test: Vec<String> = names
        .iter()
        .map(|n| format!("\"${n}\" == CHANGE-ME"))
        .collect();
    t.push_str(&format!(
        "if [[ {} ]]; then\n  echo \"Set {} first (see the top of $0).\" >&2\n  exit 2\nfi\n",
        test.join(" || "),
        names.join(" and ")
    ));
    t.push_str(
        "command -v az >/dev/null || { echo \"az (Azure CLI) is not installed\" >&2; exit 1; }\n",
    );
    t
}
