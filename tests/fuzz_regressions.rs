//! Replays the inputs kept under tests/fuzz-regressions/TARGET/ (crashes and slow units the
//! fuzzers found, plus a few interesting corpus entries) through the same code paths as the
//! cargo-fuzz targets in fuzz/fuzz_targets/, on stable and without any fuzzing tool.
//!
//! Each harness below duplicates the small logic of its fuzz target (nothing is factored out
//! of src/): keep the two in step. To add an input found by `scripts/fuzz.sh`, copy it from
//! fuzz/artifacts/TARGET/ into tests/fuzz-regressions/TARGET/.

use std::panic::{catch_unwind, AssertUnwindSafe};

// The binary's clap grammar, compiled in unchanged (as fuzz/fuzz_targets/cli_args.rs does).
// At the top level: a #[path] inside an inline module resolves through a directory named after
// the module (tests/cli_args/), which does not exist.
#[allow(dead_code)]
#[path = "../src/cli/args.rs"]
mod args;
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

mod profile_toml {
    //! Mirrors fuzz/fuzz_targets/profile_toml.rs.
    use amlfw::export::{self, ExportOptions};
    use amlfw::{Catalog, Profile};
    use std::path::Path;
    use std::sync::OnceLock;

    fn catalog() -> &'static Catalog {
        static C: OnceLock<Catalog> = OnceLock::new();
        C.get_or_init(Catalog::builtin)
    }

    fn round_trip(p: &Profile) {
        let text = p.to_toml();
        match Profile::from_toml(&text) {
            Ok(back) => assert_eq!(&back, p, "round trip changed the profile; TOML:\n{text}"),
            Err(e) => panic!("to_toml wrote TOML that from_toml refuses: {e}\nTOML:\n{text}"),
        }
    }

    pub fn harness(data: &[u8]) {
        let Ok(s) = std::str::from_utf8(data) else {
            return;
        };
        let catalog = catalog();

        if let Err(e) = amlfw::store::parse(Path::new("f.toml"), s, catalog) {
            let _ = e.to_string();
        }

        let mut p = match Profile::from_toml(s) {
            Ok(p) => p,
            Err(e) => {
                let _ = (e.to_string(), e.field());
                return;
            }
        };
        round_trip(&p);
        if let Err(e) = p.validate(catalog) {
            let _ = e.to_string();
            return;
        }
        round_trip(&p);
        let rs = match amlfw::resolve(catalog, &p) {
            Ok(rs) => rs,
            Err(e) => {
                let _ = e.to_string();
                return;
            }
        };
        let opts = ExportOptions::default();
        for t in export::targets() {
            match t.render(&rs, &opts) {
                Ok(out) => {
                    let _ = out.text.len();
                }
                Err(e) => {
                    let _ = e.to_string();
                }
            }
        }
    }
}

mod service_tags {
    //! Mirrors fuzz/fuzz_targets/service_tags.rs.
    use amlfw::servicetags::{TagError, TagIndex};
    use amlfw::Cloud;

    const MISSING: &str = "AmlfwFuzzNoSuchTag";

    pub fn harness(data: &[u8]) {
        let Ok(s) = std::str::from_utf8(data) else {
            return;
        };
        let idx = match TagIndex::from_json(s) {
            Ok(idx) => idx,
            Err(e) => {
                let _ = e.to_string();
                return;
            }
        };
        for cloud in Cloud::ALL {
            if let Err(e) = idx.check_cloud(cloud) {
                let _ = e.to_string();
            }
        }
        let names = idx.names();
        assert_eq!(names.len(), idx.len());
        for n in &names {
            assert!(
                idx.contains(n),
                "names() lists {n:?} but contains() denies it"
            );
        }
        for n in names.iter().take(4) {
            let _ = idx.expand([*n]).expect("a listed name expands");
        }
        let _ = idx
            .expand(names.iter().take(4).copied())
            .expect("listed names expand");
        let _ = idx
            .expand(names.iter().copied())
            .expect("listed names expand");
        if !idx.contains(MISSING) {
            match idx.expand(names.iter().take(2).copied().chain([MISSING])) {
                Err(e @ TagError::MissingTag { .. }) => {
                    let _ = e.to_string();
                }
                other => panic!("expanding a missing tag gave {other:?}"),
            }
        }
    }
}

mod cli_args {
    //! Mirrors fuzz/fuzz_targets/cli_args.rs: bytes split on NUL are the arguments.

    use super::args;
    use clap::Parser;
    use std::ffi::OsString;

    fn os(bytes: &[u8]) -> OsString {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt;
            OsString::from_vec(bytes.to_vec())
        }
        #[cfg(not(unix))]
        {
            OsString::from(String::from_utf8_lossy(bytes).into_owned())
        }
    }

    pub fn harness(data: &[u8]) {
        let argv: Vec<OsString> = std::iter::once(OsString::from("amlfw"))
            .chain(data.split(|b| *b == 0).filter(|_| !data.is_empty()).map(os))
            .collect();
        match args::Cli::try_parse_from(argv) {
            Ok(cli) => {
                let _ = format!("{cli:?}");
            }
            Err(e) => {
                let _ = e.to_string();
                let _ = e.render().to_string();
                let _ = e.kind();
            }
        }
    }
}

#[test]
fn profile_toml_regressions() {
    replay("profile_toml", profile_toml::harness);
}

#[test]
fn service_tags_regressions() {
    replay("service_tags", service_tags::harness);
}

#[test]
fn cli_args_regressions() {
    replay("cli_args", cli_args::harness);
}
