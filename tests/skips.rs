//! Skipped checks must show: every test that runs an external validator is `#[ignore]`d with
//! a reason starting "needs", so a plain `cargo test` counts it as ignored in cargo's own
//! summary instead of passing without checking anything; and CI (`.ci/run`) runs the README's
//! test command and then the ignored tests.
//!
//! This reads the test sources themselves: a validator call added to an ordinary test, or an
//! `#[ignore]` that CI would not run, fails here.

use std::path::Path;

/// Calls that run an external validator (directly, or through a file's own helper).
const VALIDATOR_CALLS: &[&str] = &[
    "terraform_fmt_ok(",
    "hcl2_json(",
    "pycep_json(",
    "assert_bash_script_ok(",
    "missing_validator(",
    "check_iptables(",
    "check_nftables(",
    "check_squid(",
    "tools(&",
    "real_az(",
    "\"Xvfb\"",
    "program(\"tmux\")",
    "appears_in(&[\"azfw-terraform\"",
    "source_in(&[\"azfw-terraform\"",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// (file, test name, attributes above it, body) of every `#[test]` function in tests/*.rs.
fn tests() -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(root().join("tests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for (i, line) in lines.iter().enumerate() {
            if line.trim() != "#[test]" {
                continue;
            }
            // The attributes after #[test], up to the fn line.
            let mut j = i + 1;
            let mut attrs = String::new();
            while j < lines.len() && lines[j].trim_start().starts_with("#[") {
                attrs.push_str(lines[j]);
                attrs.push('\n');
                j += 1;
            }
            let Some(sig) = lines.get(j) else { continue };
            let Some(name) = sig
                .trim_start()
                .strip_prefix("fn ")
                .and_then(|r| r.split('(').next())
            else {
                continue;
            };
            // The body ends at the first line that closes at the fn's indentation.
            let indent = sig.len() - sig.trim_start().len();
            let close = format!("{}}}", " ".repeat(indent));
            let end = (j + 1..lines.len())
                .find(|&k| lines[k] == close)
                .unwrap_or(lines.len());
            let body = lines[j..end].join("\n");
            out.push((file.clone(), name.to_string(), attrs, body));
        }
    }
    out
}

#[test]
fn every_test_that_runs_a_validator_is_ignored_with_the_reason() {
    let all = tests();
    assert!(all.len() > 100, "found only {} tests", all.len());
    let mut wrong = Vec::new();
    let mut ignored = 0;
    for (file, name, attrs, body) in &all {
        if file == "skips.rs" {
            continue;
        }
        let calls: Vec<&str> = VALIDATOR_CALLS
            .iter()
            .copied()
            .filter(|c| body.contains(c))
            .collect();
        let is_ignored = attrs.contains("#[ignore = \"needs ");
        if is_ignored {
            ignored += 1;
        }
        if !calls.is_empty() && !is_ignored {
            wrong.push(format!("{file}: {name} calls {calls:?}"));
        }
        if attrs.contains("#[ignore") && !is_ignored {
            wrong.push(format!(
                "{file}: {name} is ignored without a `needs ...` reason"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "tests that run external validators must be #[ignore = \"needs ...\"] (else a plain \
         cargo test passes without running them):\n{}",
        wrong.join("\n")
    );
    assert!(ignored >= 20, "only {ignored} validator tests found");
}

#[test]
fn ci_runs_the_readme_test_command_and_then_the_ignored_tests() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let setup = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("the README's set-up block");
    let commands: Vec<&str> = setup
        .lines()
        .map(|l| l.split('#').next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(commands, ["cargo run --release", "cargo test"], "{setup}");
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    let ci_lines: Vec<&str> = ci.lines().map(str::trim).collect();
    let plain = ci_lines.iter().position(|l| *l == "cargo test");
    let ignored = ci_lines
        .iter()
        .position(|l| *l == "cargo test -- --ignored");
    assert!(
        plain.is_some() && ignored.is_some() && plain < ignored,
        ".ci/run must run `cargo test` (the README's command), then `cargo test -- --ignored`"
    );
    assert!(
        readme.contains("cargo test -- --ignored") && readme.contains("ignored"),
        "the README says what a plain cargo test skips and how to run it"
    );
}
