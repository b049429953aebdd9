//! Replays the inputs kept under tests/fuzz-regressions/TARGET/ (crashes and slow units the
//! fuzzers found, plus a few interesting corpus entries) through the same code paths as the
//! cargo-fuzz targets in fuzz/fuzz_targets/, on stable and without any fuzzing tool.
//!
//! The harnesses live in fuzz/harness.rs, shared with the fuzz targets. To add an input found by `scripts/fuzz.sh`, copy it from
//! fuzz/artifacts/TARGET/ into tests/fuzz-regressions/TARGET/.

use std::panic::{catch_unwind, AssertUnwindSafe};

// The same harnesses the cargo-fuzz targets run.
#[path = "../fuzz/harness.rs"]
mod harness;
use std::path::{Path, PathBuf};

/// The files of tests/fuzz-regressions/TARGET/, sorted.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no regression inputs in {}",
        dir.display()
    );
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

/// Runs `harness` on every input of `target`; fails naming each input that panicked.
fn replay(target: &str, harness: fn(&[u8])) {
    let mut failed = Vec::new();
    let all = inputs(target);
    for (path, bytes) in &all {
        if catch_unwind(AssertUnwindSafe(|| harness(bytes))).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} {target} inputs panicked:\n{}",
        failed.len(),
        all.len(),
        failed.join("\n")
    );
}

#[test]
fn profile_toml_regressions() {
    replay("profile_toml", harness::profile_toml::harness);
}

#[test]
fn service_tags_regressions() {
    replay("service_tags", harness::service_tags::harness);
}

#[test]
fn cli_args_regressions() {
    replay("cli_args", harness::cli_args::harness);
}
