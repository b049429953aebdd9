//! The fuzz harnesses, shared by the cargo-fuzz targets (fuzz/fuzz_targets/*.rs) and the
//! regression test that replays kept inputs on stable (tests/fuzz_regressions.rs). Each
//! `harness` must never panic, whatever the bytes.
// Each fuzz target uses one of the three harnesses; the others are unused in its binary.
#![allow(dead_code)]

// The binary's clap grammar, compiled in unchanged (a path relative to this file's directory).
#[allow(dead_code)]
#[path = "../src/cli/args.rs"]
mod args;

/// The message as the binary prints it (`amlfw::diag`) holds no control or bidi character
/// (but line feeds, when `multi_line`).
pub fn assert_escaped(message: &str, multi_line: bool) {
    let shown = if multi_line {
        amlfw::diag::escape_keeping_newlines(message)
    } else {
        amlfw::diag::escape(message)
    };
    if let Some(c) = shown
        .chars()
        .find(|&c| amlfw::diag::is_unsafe_char(c) && !(multi_line && c == '\n'))
    {
        panic!("{c:?} left in the escaped message {shown:?}");
    }
}

pub mod profile_toml {
    //! Profile TOML -> validate -> resolve -> render every target, plus the TOML round trip and
    //! `store::parse`.
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
            super::assert_escaped(&e.to_string(), false);
        }

        let mut p = match Profile::from_toml(s) {
            Ok(p) => p,
            Err(e) => {
                let _ = e.field();
                super::assert_escaped(&e.to_string(), false);
                return;
            }
        };
        round_trip(&p);
        if let Err(e) = p.validate(catalog) {
            super::assert_escaped(&e.to_string(), false);
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

pub mod service_tags {
    //! Service Tags JSON -> index -> cloud checks, names, expansion (and a missing tag, and a
    //! malformed prefix, found when its tag is first used); keeping only some tags agrees with
    //! keeping them all, and the fast path of keeping (the scan) with the full parse.
    use amlfw::servicetags::{TagError, TagIndex};
    use amlfw::Cloud;

    const MISSING: &str = "AmlfwFuzzNoSuchTag";

    /// `from_json_keeping` (as `amlfw tags` calls it) only skips work: it accepts whatever
    /// `from_json` accepts, with the same kept tags and the same prefixes once parsed (or the
    /// same malformed one), and refuses as malformed JSON only what `from_json` refuses as
    /// malformed too. Loading checks the JSON only: prefixes are parsed on a tag's first use.
    fn keeping_agrees(s: &str, all: &Result<TagIndex, TagError>) {
        let keep = |n: &str| n.len() % 2 == 0;
        match (all, TagIndex::from_json_keeping(s, keep)) {
            (Ok(all), Ok(some)) => {
                assert_eq!(
                    (&some.cloud, some.change_number),
                    (&all.cloud, all.change_number)
                );
                let kept: Vec<&str> = all.names().into_iter().filter(|n| keep(n)).collect();
                assert_eq!(some.names(), kept);
                // Forces the parse of every kept tag in both.
                for n in kept {
                    assert_eq!(
                        some.get(n).unwrap().prefixes(),
                        all.get(n).unwrap().prefixes(),
                        "{n}"
                    );
                }
                // `some` keeps a part of `all`'s entries.
                if all.check_prefixes().is_ok() {
                    assert_eq!(some.check_prefixes(), Ok(()));
                }
            }
            (Ok(_), Err(e)) => panic!("from_json accepts, from_json_keeping refuses: {e}"),
            // A repeated name is refused when both entries are kept; keeping fewer may not.
            (Err(TagError::Parse { .. } | TagError::DuplicateTag { .. }), _) => {}
            (Err(e), _) => {
                panic!("loading checks the JSON and the names only, yet from_json refuses: {e}")
            }
        }
    }

    /// The fast path of `from_json_keeping` (the chunked scan) gives an answer only where the
    /// full parse gives the same: the same kept tags and prefixes, or the same repeated name; it
    /// never accepts what the full parse refuses (malformed JSON, a missing field). Whether it
    /// answers does not depend on where the chunks are cut (1 byte cuts every token).
    fn scan_agrees(s: &str) {
        let keep = |n: &str| n.len() % 2 == 0;
        let full = TagIndex::from_json_keeping_full(s, keep);
        let mut answered: Option<bool> = None;
        for chunk in [1, 7, 64, 4096] {
            let Some(fast) = TagIndex::from_json_keeping_scan(s, keep, chunk) else {
                assert!(answered.is_none_or(|a| !a), "chunk {chunk}: fell back");
                answered = Some(false);
                continue;
            };
            assert!(answered.is_none_or(|a| a), "chunk {chunk}: answered");
            answered = Some(true);
            match (&fast, &full) {
                (Ok(fast), Ok(full)) => {
                    assert_eq!(
                        (&fast.cloud, fast.change_number),
                        (&full.cloud, full.change_number)
                    );
                    assert_eq!(fast.names(), full.names());
                    for n in full.names() {
                        assert_eq!(
                            fast.get(n).unwrap().prefixes(),
                            full.get(n).unwrap().prefixes(),
                            "{n}"
                        );
                    }
                }
                (Err(a), Err(b)) => {
                    assert!(matches!(a, TagError::DuplicateTag { .. }), "{a}");
                    assert_eq!(a, b);
                }
                (fast, full) => {
                    panic!("chunk {chunk}: the scan gave {fast:?}, the full parse {full:?}")
                }
            }
        }
    }

    pub fn harness(data: &[u8]) {
        let Ok(s) = std::str::from_utf8(data) else {
            return;
        };
        scan_agrees(s);
        let all = TagIndex::from_json(s);
        keeping_agrees(s, &all);
        let idx = match all {
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
        // A listed name expands unless its prefixes do not parse; then expanding is that error.
        let first_bad = |some: &[&str]| {
            some.iter()
                .find_map(|n| idx.get(n).expect("a listed name").prefixes().err())
        };
        for n in names.iter().take(4) {
            match (idx.expand([*n]), first_bad(&[*n])) {
                (Ok(_), None) => {}
                (
                    Err(e @ (TagError::BadPrefix { .. } | TagError::UnsafePrefix { .. })),
                    Some(bad),
                ) => {
                    assert_eq!(e, bad);
                    let _ = e.to_string();
                }
                (r, bad) => panic!("expanding {n:?} gave {r:?}, its prefixes {bad:?}"),
            }
        }
        // Some names expanded alone before (their aggregates are kept), and all of them.
        for some in [&names[..names.len().min(4)], &names[..]] {
            match (idx.expand(some.iter().copied()), first_bad(some)) {
                (Ok(_), None) => {}
                (Err(e), Some(bad)) => assert_eq!(e, bad),
                (r, bad) => panic!(
                    "expanding {} tags gave {r:?}, the first bad {bad:?}",
                    some.len()
                ),
            }
        }
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

pub mod cli_args {
    //! The binary's clap grammar: bytes split on NUL are the arguments.

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
        // `amlfw tags` is parsed alone first (issue 21): only ever as the whole tree parses it.
        if let Some(fast) = args::tags_only(&argv) {
            match args::Cli::try_parse_from(&argv) {
                Ok(args::Cli {
                    command: Some(args::Command::Tags(full)),
                    ..
                }) => assert_eq!(fast, full),
                other => panic!("tags_only took {argv:?}, the whole tree gave {other:?}"),
            }
        }
        match args::Cli::try_parse_from(argv) {
            Ok(cli) => {
                let _ = format!("{cli:?}");
            }
            Err(e) => {
                let _ = e.to_string();
                // What the binary prints for a usage error: nothing in it may drive the
                // terminal, whatever the arguments held.
                super::assert_escaped(&e.render().to_string(), true);
                let _ = e.kind();
            }
        }
    }
}
