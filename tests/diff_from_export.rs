//! `amlfw diff --from FILE` reads the choices an export was made with back from its header.
//! Headers wrap long lines (`text::wrap`, continuation lines indented two spaces): with many
//! features and sources, every target's header must still read back exactly, and a header cut
//! short is an error that names the file and line, never a silently shorter feature list.

mod common;

use amlfw::diff::{parse_export_header, ExportHeader, HeaderError};
use amlfw::export::{self, ExportOptions};
use amlfw::{resolve, Cloud, Profile};
use serde_json::Value;

/// A profile whose header lines all wrap: every feature of the catalog (but aks-private), a
/// dozen sources with long IPv6 ones, and the region with the longest cloud line (110
/// characters with its display name and pair). The 2021-09 edition, so that the diff to the
/// newest has changes of every kind.
fn long_profile() -> Profile {
    let mut p = Profile::new(Cloud::Public, "australiacentral2");
    p.edition = Some("2021-09".into());
    p.features = common::catalog()
        .features
        .iter()
        .map(|f| f.id.clone())
        .filter(|f| f != "aks-private")
        .collect();
    p.sources = (1..=10)
        .map(|i| format!("10.{i}.128.0/17"))
        .chain([
            "2001:db8:1234:5678:9abc:def0::/96".to_string(),
            "fd12:3456:789a:bcde:f012:3456::/96".to_string(),
        ])
        .collect();
    p.validate(common::catalog()).unwrap();
    p
}

/// Each target's files (aerleon: its three), rendered for `long_profile`.
fn exports() -> (ExportHeader, Vec<(String, String)>) {
    let p = long_profile();
    let rs = resolve(common::catalog(), &p).unwrap();
    let want = ExportHeader {
        target: String::new(),
        edition: "2021-09".into(),
        cloud: Cloud::Public,
        region: "australiacentral2".into(),
        features: rs.settings.features.iter().map(|f| f.to_string()).collect(),
        sources: p.sources.clone(),
    };
    let tags = common::service_tags(Cloud::Public);
    let opts = ExportOptions {
        service_tags: Some(tags),
        ..ExportOptions::default()
    };
    let mut out = Vec::new();
    for t in export::targets() {
        match t.render_files(&rs, &opts, &[]) {
            Some(set) => {
                for (path, text) in set.unwrap().files {
                    out.push((format!("{}/{path}", t.id()), text));
                }
            }
            None => out.push((t.id().to_string(), t.render(&rs, &opts).unwrap().text)),
        }
    }
    (want, out)
}

#[test]
fn every_target_s_header_reads_back_as_the_profile_it_was_made_with() {
    let (want, files) = exports();
    let mut wrapped = 0;
    for (name, text) in &files {
        let target = name.split('/').next().unwrap();
        if target == "csv" {
            // CSV has no comment syntax, so no header: refused as such.
            assert_eq!(parse_export_header(text), Err(HeaderError::NotAmlfw));
            continue;
        }
        if name.starts_with("aerleon/def/") {
            // Definitions only: their short header points at the policy file's.
            assert_eq!(
                parse_export_header(text),
                Err(HeaderError::Missing("Cloud")),
                "{name}"
            );
            continue;
        }
        let got = parse_export_header(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let want = ExportHeader {
            target: target.to_string(),
            ..want.clone()
        };
        assert_eq!(got, want, "{name}");
        wrapped += usize::from(text.contains("\n#   ") || text.contains("\n//   "));
    }
    // The test is only as good as its profile: most headers must have wrapped.
    assert!(wrapped >= 20, "only {wrapped} headers wrapped");
}

/// The same through the binary: `diff --from FILE` gives what `diff --from EDITION` with the
/// export's choices as flags gives.
#[test]
fn diff_from_every_export_equals_the_diff_from_its_choices() {
    let (want, files) = exports();
    let mut flags = vec![
        "diff".to_string(),
        "--cloud".into(),
        "public".into(),
        "--region".into(),
        want.region.clone(),
        "--feature".into(),
        want.features.join(","),
        "--format".into(),
        "json".into(),
    ];
    for s in &want.sources {
        flags.extend(["--source".to_string(), s.clone()]);
    }
    let mut by_flags = flags.clone();
    by_flags.extend(["--from".to_string(), want.edition.clone()]);
    let args: Vec<&str> = by_flags.iter().map(String::as_str).collect();
    let expected: Value = serde_json::from_slice(&common::amlfw_ok(&args).stdout).unwrap();
    assert!(
        expected["changes"].as_array().unwrap().len() > 20,
        "a diff with changes: {expected:#}"
    );
    let dir = tempfile::tempdir().unwrap();
    let read_back = files
        .iter()
        .filter(|(n, _)| n != "csv" && !n.starts_with("aerleon/def/"));
    for (name, text) in read_back {
        let file = dir.path().join(name.replace('/', "_"));
        std::fs::write(&file, text).unwrap();
        let f = file.to_str().unwrap();
        let out = common::amlfw_ok(&["diff", "--from", f, "--format", "json"]);
        let got: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(got, expected, "{name}");
    }
}

/// A header whose feature list was cut where it wraps (the file truncated, or its
/// continuation lines deleted) is refused with the file and line, for every comment syntax
/// that wraps.
#[test]
fn a_header_cut_at_a_wrapped_line_is_an_error_naming_file_and_line() {
    let (_, files) = exports();
    let dir = tempfile::tempdir().unwrap();
    for target in ["squid", "azfw-bicep"] {
        let text = &files.iter().find(|(n, _)| n == target).unwrap().1;
        let lines: Vec<&str> = text.lines().collect();
        let at = lines.iter().position(|l| l.contains("Features: ")).unwrap();
        assert!(lines[at].ends_with(','), "{target}: wraps: {}", lines[at]);
        // The continuation lines of the list deleted, the rest of the file kept.
        let rest = lines[at + 1..]
            .iter()
            .skip_while(|l| l.starts_with("#   ") || l.starts_with("//   "));
        let cut: Vec<&str> = lines[..=at].iter().copied().chain(rest.copied()).collect();
        let file = dir.path().join(target);
        std::fs::write(&file, cut.join("\n")).unwrap();
        let o = assert_cmd::Command::cargo_bin("amlfw")
            .unwrap()
            .args(["diff", "--format", "json", "--from"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{target}");
        assert!(o.stdout.is_empty(), "{target}: no diff printed");
        let err = String::from_utf8_lossy(&o.stderr);
        let want = format!(
            "amlfw: {}: line {}: the Features list ends with ','",
            file.display(),
            at + 1
        );
        assert!(err.starts_with(&want), "{target}: {err}");
    }
}

/// What a header that cannot be read exactly is refused for, each with its line.
#[test]
fn incomplete_or_inconsistent_headers_are_refused_not_guessed() {
    let head = "# Generated by amlfw 0.1.0 (target hosts)\n# Cloud: public (Azure public); region: eastus2 (East US 2)\n# Guidance edition: 2021-09\n";
    let cases = [
        // Cut after a wrapped line, at the end of the file.
        (
            "# Features: compute-cluster, notebooks,\n",
            "line 4: the Features list ends with ','",
        ),
        // A continuation line in another comment syntax does not continue it.
        (
            "# Features: compute-cluster,\n//   notebooks\n",
            "line 4: the Features list ends with ','",
        ),
        (
            "# Features: compute-cluster,, notebooks\n",
            "line 4: the Features list has an empty item",
        ),
        (
            "# Features: compute-cluster notebooks\n",
            "line 4: 'compute-cluster notebooks' in the Features list is not one id",
        ),
        (
            "# Features: a\n# Features: b\n",
            "line 5: a second Features line (the first is line 4)",
        ),
        (
            "# Features: a\n# Sources: 10.0.0.0/8,\n",
            "line 5: the Sources list ends with ','",
        ),
        (
            "# Features: a\n# Guidance edition: 2026-03\n",
            "line 5: a second Guidance edition line (the first is line 3)",
        ),
    ];
    for (tail, want) in cases {
        let text = format!("{head}{tail}");
        let e = parse_export_header(&text).unwrap_err().to_string();
        assert!(e.starts_with(want), "{tail:?}: {e}");
    }
}

/// The cloud line wraps for the longest region names; the region still reads back.
#[test]
fn the_cloud_line_reads_back_when_it_wraps() {
    let (_, files) = exports();
    let text = &files.iter().find(|(n, _)| n == "hosts").unwrap().1;
    let line = text.lines().nth(1).unwrap();
    assert!(line.starts_with("# Cloud: "), "{line}");
    // Over 100 characters: it wraps before the paired region.
    assert!(text.lines().nth(2).unwrap().starts_with("#   "), "{text}");
    let h = parse_export_header(text).unwrap();
    assert_eq!(h.region, "australiacentral2");
}
