//! The audit's outputs: text grouped by severity (colour optional), JSON, Markdown and
//! SARIF 2.1.0 (for CI code scanning).

use super::{Finding, Report, Severity, Status};
use serde_json::{json, Value};
use std::fmt::Write as _;

const SEVERITIES: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Note];

/// Text from the input files may hold control characters (an escape sequence in a rule name):
/// the text and Markdown reports show each as `?`, so they cannot drive the terminal.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn heading(s: Severity) -> &'static str {
    match s {
        Severity::Error => "Errors",
        Severity::Warning => "Warnings",
        Severity::Note => "Notes",
    }
}

fn where_of(f: &Finding) -> String {
    let mut parts = Vec::new();
    if let Some(o) = &f.rule {
        if o.name.is_empty() {
            parts.push(format!("{} ({})", o.collection, o.file));
        } else {
            parts.push(format!("rule {} in {} ({})", o.name, o.collection, o.file));
        }
    }
    if let Some(r) = &f.requirement {
        parts.push(format!("requirement {} from {}", r.id, r.source));
    }
    parts.join("; ")
}

fn summary(r: &Report) -> String {
    let count = |s: Status| r.requirements.iter().filter(|x| x.status == s).count();
    format!(
        "{} requirements: {} covered, {} partly covered, {} missing, {} not covered by design, {} not checked. Findings: {} errors, {} warnings, {} notes. Result: {}",
        r.requirements.len(),
        count(Status::Covered),
        count(Status::Partial),
        count(Status::Missing),
        count(Status::NotCoveredByDesign),
        count(Status::NotChecked),
        r.count(Severity::Error),
        r.count(Severity::Warning),
        r.count(Severity::Note),
        if r.passed() { "PASS" } else { "FAIL" }
    )
}

/// Plain text, grouped by severity; ANSI colour on the headings when `colour`.
pub fn text(r: &Report, colour: bool) -> String {
    let paint = |s: Severity, t: &str| {
        if !colour {
            return t.to_string();
        }
        let code = match s {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Note => "1;36",
        };
        format!("\x1b[{code}m{t}\x1b[0m")
    };
    let mut out = format!(
        "amlfw audit: cloud {}, region {}, guidance edition {}\n\n",
        r.cloud, r.region, r.edition
    );
    for s in SEVERITIES {
        let of: Vec<&Finding> = r.findings.iter().filter(|f| f.severity == s).collect();
        if of.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{} ({})", paint(s, heading(s)), of.len());
        for f in of {
            let _ = writeln!(out, "  [{}] {}", f.code, clean(&f.message));
            let w = where_of(f);
            if !w.is_empty() {
                let _ = writeln!(out, "      at {}", clean(&w));
            }
        }
        out.push('\n');
    }
    out.push_str("Requirements\n");
    for q in &r.requirements {
        let _ = writeln!(
            out,
            "  {:<22} {:<28} {} ({})",
            q.status.id(),
            q.requirement.id,
            clean(&q.requirement.remote),
            q.requirement.ports
        );
    }
    let _ = writeln!(out, "\n{}", summary(r));
    out
}

/// The report as JSON: summary, requirements with their status, findings.
pub fn json(r: &Report) -> String {
    let v = json!({
        "tool": format!("amlfw {}", crate::VERSION),
        "passed": r.passed(),
        "summary": summary(r),
        "report": r,
    });
    let mut s = serde_json::to_string_pretty(&v).expect("a report always serializes");
    s.push('\n');
    s
}

fn md_cell(s: &str) -> String {
    clean(&s.replace('|', "\\|").replace('\n', " "))
}

pub fn markdown(r: &Report) -> String {
    let mut out = format!(
        "# amlfw audit\n\nCloud {}, region {}, guidance edition {}.\n\n{}\n\n",
        r.cloud,
        r.region,
        r.edition,
        summary(r)
    );
    for s in SEVERITIES {
        let of: Vec<&Finding> = r.findings.iter().filter(|f| f.severity == s).collect();
        if of.is_empty() {
            continue;
        }
        let _ = writeln!(out, "## {} ({})\n", heading(s), of.len());
        out.push_str("| Code | Finding | Where |\n|---|---|---|\n");
        for f in of {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                f.code,
                md_cell(&f.message),
                md_cell(&where_of(f))
            );
        }
        out.push('\n');
    }
    out.push_str(
        "## Requirements\n\n| Status | Rule | Remote | Ports | Source |\n|---|---|---|---|---|\n",
    );
    for q in &r.requirements {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            q.status.id(),
            md_cell(&q.requirement.id),
            md_cell(&q.requirement.remote),
            md_cell(&q.requirement.ports),
            md_cell(&q.requirement.source)
        );
    }
    out
}

/// What each finding code means, for SARIF's rule metadata.
const CODES: &[(&str, &str)] = &[
    ("missing", "A required rule is missing."),
    (
        "partial",
        "A required rule allows only some of the ports or protocols.",
    ),
    (
        "shadowed",
        "A deny rule evaluated first blocks a required allow.",
    ),
    (
        "not-covered-by-design",
        "Azure Firewall cannot hold this requirement in this setting.",
    ),
    ("invalid-tag", "Not a service tag name Azure knows."),
    (
        "host-in-network-rule",
        "Host names in a network rule need the Firewall Policy's DNS proxy.",
    ),
    ("any-port", "The rule allows every port."),
    (
        "wide-destination",
        "The rule allows a remote end (the destination of an outbound rule, the source of an inbound one) wider than needed.",
    ),
    ("any-host", "The rule allows every host name."),
    (
        "look-alike-wildcard",
        "A wildcard that also matches look-alike domains.",
    ),
    ("any-source", "The rule allows any source."),
    (
        "covered-wide",
        "A requirement is covered only by a wider rule.",
    ),
    ("outbound-open", "The NSG does not filter outbound traffic."),
    (
        "not-read",
        "The rule uses fields the audit does not read (IP groups, FQDN tags, web categories, URLs).",
    ),
    (
        "deny-unclear",
        "A deny rule names public addresses that may include a required service tag.",
    ),
    (
        "base-policy",
        "The policy inherits a parent policy's rules, which the input does not hold.",
    ),
    (
        "not-checked",
        "Requirements no file of the input can show (no NSG, no route table).",
    ),
    (
        "duplicate-group",
        "Two rule collection groups of one name in one policy: deploying one replaces the other.",
    ),
    (
        "route-through-firewall",
        "Inbound management traffic would return through the firewall.",
    ),
];

/// A file path as a relative URI reference: `\` becomes `/`, characters a URI does not take
/// as they are are percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// SARIF 2.1.0: one run, a rule per finding code, a result per finding located in its file.
pub fn sarif(r: &Report) -> String {
    // Every code the findings use has a rule, so each ruleIndex points at its own rule even
    // for a code that `CODES` does not describe yet.
    let mut codes: Vec<(&str, &str)> = CODES.to_vec();
    for f in &r.findings {
        if !codes.iter().any(|(c, _)| *c == f.code) {
            codes.push((f.code, "An amlfw audit finding."));
        }
    }
    let rules: Vec<Value> = codes
        .iter()
        .map(|(id, text)| json!({"id": id, "shortDescription": {"text": text}}))
        .collect();
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let mut res = json!({
                "ruleId": f.code,
                "ruleIndex": codes.iter().position(|(c, _)| *c == f.code),
                "level": f.severity.id(),
                "message": {"text": f.message},
            });
            if let Some(o) = &f.rule {
                let mut names = vec![json!({"name": o.collection, "kind": "module"})];
                if !o.name.is_empty() {
                    names.push(json!({"name": o.name, "fullyQualifiedName": format!("{}/{}", o.collection, o.name), "kind": "member"}));
                }
                res["locations"] = json!([{
                    "physicalLocation": {"artifactLocation": {"uri": uri(&o.file)}},
                    "logicalLocations": names,
                }]);
            } else {
                // A finding about the input as a whole (how many requirements no file can
                // show): every input file. GitHub refuses a SARIF result without a location.
                let at: Vec<Value> = r
                    .files
                    .iter()
                    .map(|f| json!({"physicalLocation": {"artifactLocation": {"uri": uri(f)}}}))
                    .collect();
                if !at.is_empty() {
                    res["locations"] = json!(at);
                }
            }
            if let Some(q) = &f.requirement {
                res["properties"] = json!({
                    "requirement": q.id,
                    "requirements": q.requirements,
                    "remote": q.remote,
                    "ports": q.ports,
                    "source": q.source,
                });
            }
            res
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "amlfw",
                "version": crate::VERSION,
                "rules": rules,
            }},
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("SARIF always serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Finding, Origin};

    #[test]
    fn every_result_points_at_its_own_rule() {
        let finding = |code| Finding {
            severity: Severity::Note,
            code,
            message: "m".into(),
            rule: None,
            requirement: None,
        };
        let r = Report {
            cloud: "public".into(),
            region: "eastus2".into(),
            edition: "2026-03".into(),
            requirements: Vec::new(),
            files: Vec::new(),
            findings: vec![
                finding("not-read"),
                finding("no-such-code-yet"),
                finding("missing"),
            ],
        };
        let doc: Value = serde_json::from_str(&sarif(&r)).unwrap();
        let rules = &doc["runs"][0]["tool"]["driver"]["rules"];
        for res in doc["runs"][0]["results"].as_array().unwrap() {
            let i = res["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], res["ruleId"], "{res}");
        }
        // The described codes keep their text; an undescribed one still gets a rule.
        let text = |id: &str| {
            rules
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["id"] == id)
                .unwrap()["shortDescription"]["text"]
                .clone()
        };
        assert!(text("not-read").as_str().unwrap().contains("does not read"));
        assert_eq!(text("no-such-code-yet"), "An amlfw audit finding.");
    }

    #[test]
    fn control_characters_from_the_input_never_reach_the_terminal() {
        let r = Report {
            cloud: "public".into(),
            region: "eastus2".into(),
            edition: "2021-09".into(),
            requirements: Vec::new(),
            files: Vec::new(),
            findings: vec![Finding {
                severity: Severity::Warning,
                code: "any-port",
                message: "rule\x1b[2J allows every port".into(),
                rule: Some(Origin {
                    file: "f.json".into(),
                    collection: "c\x07".into(),
                    name: "n|x".into(),
                }),
                requirement: None,
            }],
        };
        for out in [text(&r, false), markdown(&r)] {
            assert!(!out.contains('\x1b') && !out.contains('\x07'), "{out:?}");
            assert!(out.contains("rule?[2J"), "{out}");
        }
        assert!(text(&r, true).contains("\x1b[1;33mWarnings"));
    }
}
