//! Every ARM template writer keeps data out of ARM's expression language (issue 15 B).
//!
//! ARM evaluates a string that starts with `[` and ends with `]` on deploy; `[[` at the start
//! makes it a literal. Purposes, ids and remote ends come from data and could take that
//! form, so each ARM target (found through the registry) is fed all three bracketed, and the
//! parsed template is checked: every expression in it is one the writer builds itself, every
//! `[[` escape is one ARM needs, and each target escaped something (the test can fail).
//! The Bicep targets get the same data and must write it unescaped (Bicep escapes itself).

mod common;

use amlfw::export::{self, Exporter, Family};
use amlfw::rules::RuleSet;
use serde_json::Value;

/// Would be evaluated by ARM if written raw.
const EXPRESSION: &str = "[concat('a', 'b')]";
/// A literal to ARM as it is (it does not end with `]`): must not be doubled.
const LEADING: &str = "[draft] a purpose";

/// The expressions the ARM writers build themselves (resource names, dependencies,
/// parameters, the classic firewall's carried properties). Anything else that ARM would
/// evaluate came from data.
const OWN_EXPRESSIONS: &[&str] = &["[format(", "[resourceId(", "[parameters(", "[if("];

/// The ARM template targets, by what the registry says, not by their ids.
fn arm_targets() -> Vec<&'static dyn Exporter> {
    let arm: Vec<_> = export::targets()
        .iter()
        .copied()
        .filter(|t| t.family() != Family::Generic && t.extension() == "json")
        .collect();
    let ids: Vec<_> = arm.iter().map(|t| t.id()).collect();
    // NSG, route table, managed VNet, and Azure Firewall's policy and classic templates.
    assert_eq!(arm.len(), 5, "{ids:?}");
    arm
}

/// Every string value in `v` with its JSON path (object keys are never evaluated by ARM).
fn strings<'v>(v: &'v Value, path: String, out: &mut Vec<(String, &'v str)>) {
    match v {
        Value::String(s) => out.push((path, s)),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                strings(x, format!("{path}[{i}]"), out);
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                strings(x, format!("{path}.{k}"), out);
            }
        }
        _ => {}
    }
}

/// The full public rule set with bracketed data: purposes (descriptions), ids followed by
/// a purpose ending in `]` (comments are "id: purpose"), remote ends (destinations).
fn variants() -> Vec<(&'static str, RuleSet)> {
    let mut purposes = common::full_public();
    for (i, r) in purposes.rules.iter_mut().enumerate() {
        r.purpose = if i % 2 == 0 { EXPRESSION } else { LEADING }.into();
    }
    let mut ids = common::full_public();
    for r in &mut ids.rules {
        r.id = format!("[{}", r.id).into();
        r.purpose = "purpose]".into();
    }
    let mut remotes = common::full_public();
    for r in &mut remotes.rules {
        r.set_remote(format!("[{}]", r.remote));
    }
    vec![("purposes", purposes), ("ids", ids), ("remotes", remotes)]
}

#[test]
fn bracketed_data_stays_literal_in_every_arm_template() {
    let variants = variants();
    let mut plain_somewhere = 0;
    for t in arm_targets() {
        let mut escaped = 0;
        for (variant, rs) in &variants {
            let label = format!("{} ({variant})", t.id());
            let text = common::render(t.id(), rs).text;
            let doc = common::arm_json(&text);
            let mut all = Vec::new();
            strings(&doc, String::new(), &mut all);
            for (path, s) in &all {
                let evaluated = s.starts_with('[') && s.ends_with(']') && !s.starts_with("[[");
                assert!(
                    !evaluated || OWN_EXPRESSIONS.iter().any(|e| s.starts_with(e)),
                    "{label}: data evaluated as an expression at {path}: {s}"
                );
                assert!(
                    !s.starts_with("[[") || s.ends_with(']'),
                    "{label}: a literal that needed no escape was escaped at {path}: {s}"
                );
                escaped += usize::from(s.starts_with("[["));
                plain_somewhere += usize::from(s.starts_with(LEADING));
            }
            // The vendored ARM schemas do not know workspaces/outboundRules (tests/managed_vnet.rs
            // checks that template against the REST specification instead).
            if t.family() != Family::ManagedNetwork {
                common::assert_valid_arm(&text);
            }
        }
        assert!(escaped > 0, "{}: no bracketed data reached it", t.id());
    }
    // NSG descriptions are the purpose alone: a leading `[` without a closing one stays as
    // written (Azure Firewall's end with "[amlfw <id>]", so there it is escaped).
    assert!(
        plain_somewhere > 0,
        "no template wrote '{LEADING}' as it is"
    );
}

/// Bicep compiles its strings into ARM literals itself: data written into a Bicep file must
/// be as it is, never escaped ARM's way (a `[[` there would deploy an extra `[`). Every Bicep
/// target (by the registry) is fed the same bracketed data.
#[test]
fn bracketed_data_is_written_as_it_is_in_every_bicep_file() {
    let bicep: Vec<_> = export::targets()
        .iter()
        .copied()
        .filter(|t| t.extension() == "bicep")
        .collect();
    let ids: Vec<_> = bicep.iter().map(|t| t.id()).collect();
    // Azure Firewall, NSG, route table, managed VNet.
    assert_eq!(bicep.len(), 4, "{ids:?}");
    let as_written = amlfw::export::text::bicep_string(EXPRESSION);
    let mut found = 0;
    for t in bicep {
        for (variant, rs) in &variants() {
            let text = common::render(t.id(), rs).text;
            assert!(
                !text.contains("'[["),
                "{} ({variant}): data escaped for ARM in Bicep",
                t.id()
            );
            found += text.matches(&as_written).count();
        }
    }
    assert!(found > 0, "no Bicep file wrote {as_written} as it is");
}
