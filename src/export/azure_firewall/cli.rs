//! `az` script that writes a Firewall Policy rule collection group, one rule per call.

use super::*;

pub(super) const AZ_GROUP: &str = "az network firewall policy rule-collection-group";
pub(super) const CLI_USAGE: &[&str] = &[
    "This bash script creates ONE rule collection group in an existing Firewall Policy and adds the rules below, one command per rule. Creating the group replaces a group of the same name, so point GROUP at a group dedicated to these rules.",
    "Needs Azure CLI with the azure-firewall extension (az extension add --name azure-firewall) and a login with rights on the policy.",
    "Usage: RG=<policy's resource group> POLICY=<policy name> [GROUP=<group name>] [PRIORITY=<100-65000>] bash <this file>",
];

/// What the script header says about how it applies the rules (with the call count).
pub(super) fn cli_not_atomic(calls: usize) -> String {
    format!(
        "NOT ATOMIC: the script makes {calls} az calls (the group, then one per rule; each collection is created with its first rule). Each call rewrites the whole group, so if one fails, the calls before it stay applied and the group holds a PARTIAL allow-list; the script then stops and says which rule failed and how many calls were applied. For one all-or-nothing deployment use the azfw-policy-arm or azfw-bicep export."
    )
}

/// `--flag v1 v2 ...` as one line of the command, every value shell-quoted.
pub(super) fn flag(words: &mut Vec<String>, name: &str, values: &[String]) {
    let quoted: Vec<String> = values.iter().map(|v| sh_quote(v)).collect();
    words.push(format!("{name} {}", quoted.join(" ")));
}

/// The words every collection/rule command starts with (our own variables, double-quoted).
pub(super) fn cli_target(sub: &str) -> Vec<String> {
    vec![
        format!("{AZ_GROUP} {sub}"),
        "--resource-group \"$RG\"".into(),
        "--policy-name \"$POLICY\"".into(),
        "--rule-collection-group-name \"$GROUP\"".into(),
    ]
}

/// The first rule of a collection creates it; the others are added to it.
pub(super) fn cli_rule_head<R>(
    c: &Collection<R>,
    first: bool,
    rule_type: &str,
    rule_name: &str,
) -> Vec<String> {
    let mut w;
    if first {
        w = cli_target("collection add-filter-collection");
        flag(&mut w, "--name", std::slice::from_ref(&c.name));
        flag(&mut w, "--collection-priority", &[c.priority.to_string()]);
        flag(&mut w, "--action", &["Allow".into()]);
        flag(&mut w, "--rule-name", &[rule_name.to_string()]);
    } else {
        w = cli_target("collection rule add");
        flag(&mut w, "--collection-name", std::slice::from_ref(&c.name));
        flag(&mut w, "--name", &[rule_name.to_string()]);
    }
    flag(&mut w, "--rule-type", &[rule_type.to_string()]);
    w
}

pub(super) fn cli_network(plan: &Plan, r: &NetworkRule, first: bool) -> Vec<String> {
    let mut w = cli_rule_head(&plan.network, first, "NetworkRule", &r.name);
    flag(
        &mut w,
        "--description",
        std::slice::from_ref(&r.description),
    );
    flag(&mut w, "--ip-protocols", &[r.protocol.to_string()]);
    flag(&mut w, "--source-addresses", &plan.sources);
    let field = match r.field {
        DestField::Addresses => "--destination-addresses",
        DestField::Fqdns => "--destination-fqdns",
    };
    flag(&mut w, field, &r.destinations);
    flag(&mut w, "--destination-ports", &r.ports);
    w
}

pub(super) fn cli_app(plan: &Plan, r: &AppRule, first: bool) -> Vec<String> {
    let mut w = cli_rule_head(&plan.application, first, "ApplicationRule", &r.name);
    flag(
        &mut w,
        "--description",
        std::slice::from_ref(&r.description),
    );
    let protocols: Vec<String> = r
        .protocols
        .iter()
        .map(|(t, p)| format!("{t}={p}"))
        .collect();
    flag(&mut w, "--protocols", &protocols);
    flag(&mut w, "--source-addresses", &plan.sources);
    flag(&mut w, "--target-fqdns", std::slice::from_ref(&r.fqdn));
    w
}

/// One az call: its comment, the progress line naming it, then the command.
pub(super) fn cli_command(out: &mut String, comment: &str, step: &str, words: &[String]) {
    out.push('\n');
    out.push_str(&comment_block("#", &[comment.to_string()]));
    let _ = writeln!(out, "step {}", sh_quote(step));
    out.push_str(&words.join(" \\\n  "));
    out.push('\n');
}

/// Progress on stderr and, when a call fails, which one and what was applied before it.
pub(super) const CLI_PROGRESS: &str = r#"CALL=0
CURRENT="(none)"
step() {
  CALL=$((CALL + 1))
  CURRENT="$1"
  echo "[$CALL/$TOTAL] $CURRENT" >&2
}
on_failure() {
  echo "amlfw: FAILED at az call $CALL of $TOTAL: $CURRENT" >&2
  if [ "$CALL" -gt 1 ]; then
    echo "amlfw: calls 1-$((CALL - 1)) were applied: rule collection group '$GROUP' now holds a PARTIAL allow-list." >&2
  else
    echo "amlfw: nothing was applied." >&2
  fi
  echo "amlfw: fix the cause, then run this script again, or deploy the azfw-policy-arm/azfw-bicep export (one atomic deployment)." >&2
}
trap on_failure ERR
"#;

pub(super) fn cli_text(plan: &Plan) -> String {
    let calls = 1 + plan.network.rules.len() + plan.application.rules.len();
    let mut usage: Vec<String> = CLI_USAGE.iter().map(|s| s.to_string()).collect();
    usage.push(cli_not_atomic(calls));
    let usage: Vec<&str> = usage.iter().map(String::as_str).collect();
    let mut out = String::from("#!/usr/bin/env bash\n");
    // Values are single-quoted on purpose: `$(...)` inside them must stay text.
    out.push_str("# shellcheck disable=SC2016\n");
    out.push_str(&comment_block("#", &header_with(plan, &usage)));
    out.push_str("\nset -euo pipefail\n\n");
    let _ = writeln!(
        out,
        "DEFAULT_GROUP={}\nDEFAULT_PRIORITY={}",
        sh_quote(&plan.group_name),
        sh_quote(&plan.group_priority.to_string())
    );
    out.push_str("RG=\"${RG:-}\"\nPOLICY=\"${POLICY:-}\"\nGROUP=\"${GROUP:-$DEFAULT_GROUP}\"\nPRIORITY=\"${PRIORITY:-$DEFAULT_PRIORITY}\"\n");
    out.push_str("if [ -z \"$RG\" ] || [ -z \"$POLICY\" ]; then\n  echo \"set RG (resource group) and POLICY (Firewall Policy name), e.g. RG=my-rg POLICY=my-policy bash $0\" >&2\n  exit 2\nfi\n");
    let create = vec![
        format!("{AZ_GROUP} create"),
        "--resource-group \"$RG\"".into(),
        "--policy-name \"$POLICY\"".into(),
        "--name \"$GROUP\"".into(),
        "--priority \"$PRIORITY\"".into(),
    ];
    let _ = writeln!(out, "TOTAL={calls}");
    out.push_str(CLI_PROGRESS);
    cli_command(
        &mut out,
        "The rule collection group.",
        "rule collection group (create or replace)",
        &create,
    );
    for (i, r) in plan.network.rules.iter().enumerate() {
        let step = format!("network rule {}", r.name);
        cli_command(
            &mut out,
            &r.description,
            &step,
            &cli_network(plan, r, i == 0),
        );
    }
    for (i, r) in plan.application.rules.iter().enumerate() {
        let step = format!("application rule {}", r.name);
        cli_command(&mut out, &r.description, &step, &cli_app(plan, r, i == 0));
    }
    out.push_str("\ntrap - ERR\necho \"amlfw: done: $TOTAL az calls applied to rule collection group '$GROUP'.\" >&2\n");
    out
}
