//! The profile store (`amlfw::store`) at the library level, plus what other processes can do
//! to it: a save killed half-way and several processes saving at once must never leave a torn
//! file. Every test uses its own temporary configuration directory.
mod common;

use amlfw::store::{self, Store, StoreError, NAME_RULE};
use amlfw::{Cloud, Profile};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

const BIN: &str = env!("CARGO_BIN_EXE_amlfw");

fn catalog() -> &'static amlfw::Catalog {
    common::catalog()
}

fn validated(mut p: Profile) -> Profile {
    p.validate(catalog())
        .unwrap_or_else(|e| panic!("invalid test profile: {e}"));
    p
}

fn sample(region: &str, features: &[&str]) -> Profile {
    let mut p = Profile::new(Cloud::Public, region);
    p.features = features.iter().map(|f| f.to_string()).collect();
    validated(p)
}

/// A store in a fresh temp dir (kept alive by the returned guard).
fn temp_store() -> (tempfile::TempDir, Store) {
    let d = tempfile::tempdir().unwrap();
    let s = Store::at(d.path());
    (d, s)
}

fn names(store: &Store) -> Vec<String> {
    store
        .list(catalog())
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect()
}

/// Files in the profiles directory whose names look like `write_atomic`'s temporaries.
fn temp_files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|r| {
            r.flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.starts_with(".amlfw-") && n.ends_with(".tmp"))
                .collect()
        })
        .unwrap_or_default()
}

/// A tiny xorshift generator: the tests need varied delays, not good randomness. The seed is
/// printed (and can be forced with AMLFW_TEST_SEED) so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn new(test: &str) -> Rng {
        let seed = std::env::var("AMLFW_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            })
            | 1;
        eprintln!("{test}: AMLFW_TEST_SEED={seed}");
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// Uniform in `0..=max`.
    fn below(&mut self, max: u64) -> u64 {
        self.next() % (max + 1)
    }
}

// ---- round trip ---------------------------------------------------------------------------

#[test]
fn save_load_list_delete_round_trip() {
    let (_d, store) = temp_store();
    assert!(
        names(&store).is_empty(),
        "a missing profiles dir lists as empty"
    );

    let prod = {
        let mut p = sample("eastus2", &["compute-cluster", "studio"]);
        p.storage_account = Some("amlstore01".into());
        p.sources = vec!["10.0.1.0/24".into()];
        p.priority_base = Some(2000);
        validated(p)
    };
    let dev = sample("westeurope", &["studio"]);
    let gov = validated(Profile::new(Cloud::Usgov, "usgovvirginia"));

    // Saved out of order; listed by name.
    let path = store.save("prod-eastus2", &prod, false).unwrap();
    assert_eq!(path, store.profiles_dir().join("prod-eastus2.toml"));
    assert_eq!(path, store.path_of("prod-eastus2").unwrap());
    assert!(path.is_file());
    store.save("dev", &dev, false).unwrap();
    store.save("gov.virginia_1", &gov, false).unwrap();
    assert!(store.exists("dev") && !store.exists("nope"));

    assert_eq!(store.load("prod-eastus2", catalog()).unwrap(), prod);
    assert_eq!(store.load("dev", catalog()).unwrap(), dev);
    assert_eq!(store.load("gov.virginia_1", catalog()).unwrap(), gov);
    // The file is the profile's canonical TOML.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), prod.to_toml());

    let entries = store.list(catalog()).unwrap();
    let listed: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(listed, ["dev", "gov.virginia_1", "prod-eastus2"]);
    for (e, want) in entries.iter().zip([&dev, &gov, &prod]) {
        assert_eq!(
            e.path,
            store.profiles_dir().join(format!("{}.toml", e.name))
        );
        assert_eq!(e.profile.as_ref().unwrap(), want, "{}", e.name);
        let m = e
            .modified
            .unwrap_or_else(|| panic!("{}: no modified time", e.name));
        let age = SystemTime::now().duration_since(m).unwrap_or_default();
        assert!(
            age < Duration::from_secs(600),
            "{}: modified {age:?} ago",
            e.name
        );
    }

    // Delete: gone from disk, list and load; a second delete is NotFound.
    assert_eq!(
        store.delete("dev").unwrap(),
        store.profiles_dir().join("dev.toml")
    );
    assert!(!store.profiles_dir().join("dev.toml").exists());
    assert_eq!(names(&store), ["gov.virginia_1", "prod-eastus2"]);
    assert!(matches!(
        store.delete("dev"),
        Err(StoreError::NotFound { .. })
    ));
    let e = store.load("dev", catalog()).unwrap_err();
    assert!(matches!(e, StoreError::NotFound { .. }), "{e:?}");
    assert!(e.to_string().contains("'dev'"), "{e}");
}

#[test]
fn save_over_an_existing_profile_needs_overwrite() {
    let (_d, store) = temp_store();
    let old = sample("eastus2", &["studio"]);
    let new = sample("westus", &["compute-instance"]);
    let path = store.save("p", &old, false).unwrap();
    let before = std::fs::read(&path).unwrap();

    let e = store.save("p", &new, false).unwrap_err();
    assert!(
        matches!(&e, StoreError::Exists { name } if name == "p"),
        "{e:?}"
    );
    assert!(e.to_string().contains("--force"), "{e}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the old file is intact"
    );
    assert_eq!(store.load("p", catalog()).unwrap(), old);

    store.save("p", &new, true).unwrap();
    assert_eq!(store.load("p", catalog()).unwrap(), new);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), new.to_toml());
    // Nothing but the profile is left in the directory.
    let files: Vec<_> = std::fs::read_dir(store.profiles_dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(files, [std::ffi::OsString::from("p.toml")]);
}

// ---- names ------------------------------------------------------------------------------

#[test]
fn names_are_refused_by_the_rule() {
    let (d, store) = temp_store();
    let p = sample("eastus2", &[]);
    let long = "x".repeat(65);
    for bad in [
        "../x", "a/b", ".hidden", "", &long, "a b", "x..y", "a\\b", "a\0b", "..", "/etc/x", "é",
        "a:b", "a*",
    ] {
        let e = store::validate_name(bad).unwrap_err();
        assert!(matches!(e, StoreError::BadName { .. }), "{bad:?}: {e:?}");
        assert!(
            e.to_string().contains(NAME_RULE),
            "{bad:?}: message lacks the rule: {e}"
        );
        for r in [
            store.save(bad, &p, true).map(|_| ()),
            store.load(bad, catalog()).map(|_| ()),
            store.delete(bad).map(|_| ()),
            store.path_of(bad).map(|_| ()),
        ] {
            assert!(
                matches!(r, Err(StoreError::BadName { .. })),
                "{bad:?}: {r:?}"
            );
        }
        assert!(!store.exists(bad));
    }
    // Nothing was written anywhere: not in the temp dir, not beside it.
    let written: Vec<_> = walk(d.path());
    assert!(written.is_empty(), "refused names wrote {written:?}");
    assert!(!d.path().parent().unwrap().join("x.toml").exists());

    let max = "a".repeat(64);
    for good in [max.as_str(), "prod-eastus2", "a.b_c", "A1", "x"] {
        assert!(store::validate_name(good).is_ok(), "{good:?}");
        store
            .save(good, &p, false)
            .unwrap_or_else(|e| panic!("{good:?}: {e}"));
        assert_eq!(store.load(good, catalog()).unwrap(), p, "{good:?}");
        assert!(store.profiles_dir().join(format!("{good}.toml")).is_file());
    }
    assert_eq!(names(&store).len(), 5);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

// ---- corrupt files ------------------------------------------------------------------------

/// A `.toml` file whose name the store refuses (saved by hand, or by an older amlfw) is listed
/// with what to do, not hidden; its name is quoted as it may hold terminal sequences.
#[test]
fn files_with_refused_names_are_listed_with_the_fix() {
    let (_d, store) = temp_store();
    let dir = store.profiles_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let good = toml::to_string(&sample("eastus2", &[])).unwrap();
    std::fs::write(dir.join("ok.toml"), &good).unwrap();
    std::fs::write(dir.join("My Profile.toml"), &good).unwrap();
    std::fs::write(dir.join("CON.toml"), &good).unwrap();
    std::fs::write(dir.join("evil\x1b[2J.toml"), &good).unwrap();
    std::fs::write(dir.join("ok.toml~"), &good).unwrap();

    let entries = store.list(catalog()).unwrap();
    let listed: Vec<(&str, bool)> = entries
        .iter()
        .map(|e| (e.name.as_str(), e.profile.is_ok()))
        .collect();
    assert_eq!(
        listed,
        [
            ("CON", false),
            ("My Profile", false),
            ("evil\x1b[2J", false),
            ("ok", true)
        ]
    );
    let err = entries[1].profile.as_ref().unwrap_err();
    assert!(matches!(err, StoreError::BadFileName { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("My Profile.toml") && msg.contains("rename the file"),
        "{msg}"
    );
    // The name is kept as it is (JSON output and a rename need it); the message quotes it.
    let evil = entries[2].profile.as_ref().unwrap_err().to_string();
    assert!(
        !evil.contains('\x1b') && evil.contains("\\u{1b}"),
        "{evil:?}"
    );
}

#[test]
fn corrupt_profiles_are_reported_with_file_and_line_and_spare_the_others() {
    let (_d, store) = temp_store();
    let good_a = sample("eastus2", &["studio"]);
    let good_z = sample("westeurope", &[]);
    store.save("a-good", &good_a, false).unwrap();
    store.save("z-good", &good_z, false).unwrap();
    let dir = store.profiles_dir();
    let head = "schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\n";
    // (name, text, what the message must say about the line)
    let broken = [
        (
            "bad-toml",
            format!("{head}features = [\"studio\"\n"),
            "line 4",
        ),
        (
            "unknown-key",
            format!("{head}\nstorage_acount = \"x\"\n"),
            "line 5",
        ),
        (
            "bad-value",
            format!("{head}features = []\nstorage_account = \"BAD\"\n"),
            ":5:",
        ),
        (
            "bad-region",
            "schema_version = 1\ncloud = \"public\"\n\nregion = \"atlantis\"\n".to_string(),
            ":4:",
        ),
        ("empty", String::new(), "schema_version"),
    ];
    for (name, text, _) in &broken {
        std::fs::write(dir.join(format!("{name}.toml")), text).unwrap();
    }
    // Not profiles: ignored by list.
    std::fs::write(dir.join("notes.txt"), "x").unwrap();
    std::fs::write(dir.join(".amlfw-abc123.tmp"), "half a profi").unwrap();
    std::fs::write(dir.join(".hidden.toml"), "junk").unwrap();

    let entries = store.list(catalog()).unwrap();
    let listed: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        listed,
        [
            "a-good",
            "bad-region",
            "bad-toml",
            "bad-value",
            "empty",
            "unknown-key",
            "z-good"
        ]
    );
    for e in &entries {
        match broken.iter().find(|(n, ..)| *n == e.name) {
            None => assert!(e.profile.is_ok(), "{}: {:?}", e.name, e.profile),
            Some((name, _, line)) => {
                let err = e.profile.as_ref().unwrap_err();
                assert!(matches!(err, StoreError::Invalid { .. }), "{name}: {err:?}");
                let msg = err.to_string();
                let path = dir.join(format!("{name}.toml"));
                assert!(
                    msg.contains(path.to_str().unwrap()),
                    "{name}: message lacks the path: {msg}"
                );
                assert!(msg.contains(line), "{name}: message lacks {line:?}: {msg}");
                assert!(!msg.contains('\n'), "{name}: one line: {msg}");
                assert!(e.modified.is_some());
                // load says the same.
                let l = store.load(name, catalog()).unwrap_err().to_string();
                assert_eq!(l, msg, "{name}");
            }
        }
    }
    // Specific content of the messages.
    let msg = |n: &str| store.load(n, catalog()).unwrap_err().to_string();
    assert!(
        msg("unknown-key").contains("storage_acount"),
        "{}",
        msg("unknown-key")
    );
    let bv = msg("bad-value");
    assert!(
        bv.contains(&format!("{}:5:", dir.join("bad-value.toml").display())),
        "{bv}"
    );
    assert!(
        bv.contains("storage_account") && bv.contains("BAD") && bv.contains("3-24"),
        "{bv}"
    );
    assert!(msg("bad-region").contains("atlantis"));

    // The good ones still load.
    assert_eq!(store.load("a-good", catalog()).unwrap(), good_a);
    assert_eq!(store.load("z-good", catalog()).unwrap(), good_z);

    // store::parse reports the path it is given and the line.
    let e = store::parse(
        Path::new("/some/where.toml"),
        &format!("{head}priority_base = 1\n"),
        catalog(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("/some/where.toml:4: "), "{e}");
}

// ---- crashes and concurrency (through the binary) -----------------------------------------

/// `n` distinct /32 sources.
fn many_sources(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("10.{}.{}.{}/32", i >> 16, (i >> 8) & 255, i & 255))
        .collect()
}

/// `amlfw profile save NAME --region eastus2 --source ... --force`, the sources split over
/// several `--source` arguments (one argument may not exceed 128 KiB on Linux).
fn big_save(config: &Path, name: &str, sources: &[String]) -> Command {
    let mut c = Command::new(BIN);
    c.env("AMLFW_CONFIG_DIR", config)
        .args(["profile", "save", name, "--region", "eastus2", "--force"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for chunk in sources.chunks(5000) {
        c.arg("--source").arg(chunk.join(","));
    }
    c
}

#[test]
fn a_save_killed_at_any_moment_leaves_the_old_or_the_new_profile() {
    let mut rng = Rng::new("killed save");
    // On the real disk of the target dir (not a tmpfs), so the fsync takes real time.
    let d = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let store = Store::at(d.path());
    let name = "prod";
    let path = store.path_of(name).unwrap();
    let dir = store.profiles_dir();

    let old = {
        let mut p = sample("westeurope", &["studio"]);
        p.storage_account = Some("oldstore01".into());
        validated(p)
    };
    // Just under the 1 MiB a profile may be.
    let sources = many_sources(55_000);
    let new = {
        let mut p = Profile::new(Cloud::Public, "eastus2");
        p.sources = sources.clone();
        // `profile save` records the edition it used (the newest).
        p.edition = Some(catalog().default_edition().id.clone());
        validated(p)
    };
    assert!(
        new.to_toml().len() > 900_000,
        "the new profile is large enough to take a while"
    );

    // One undisturbed run: it works, and tells how long a save takes.
    store.save(name, &old, false).unwrap();
    let t0 = Instant::now();
    let out = big_save(d.path(), name, &sources).output().unwrap();
    let full = t0.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(store.load(name, catalog()).unwrap(), new);
    assert!(temp_files(&dir).is_empty());
    store.save(name, &old, true).unwrap();
    let full_ms = full.as_millis() as u64;

    let (mut attempts, mut old_seen, mut new_seen, mut mid_write) = (0, 0, 0, 0);
    // At least 30 kills; more (up to 150) until some kills landed while the temp file was
    // being written, which is the moment that matters.
    while attempts < 30 || (mid_write < 3 && attempts < 150) {
        attempts += 1;
        let temps_before = temp_files(&dir);
        let mut child = big_save(d.path(), name, &sources)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let how = if attempts % 2 == 1 {
            // Anywhere in the run: 0-50 ms, or anywhere up to the length of a full save.
            let max = if attempts % 4 == 1 {
                50
            } else {
                full_ms + full_ms / 5
            };
            let delay = rng.below(max);
            std::thread::sleep(Duration::from_millis(delay));
            format!("after {delay} ms")
        } else {
            // Right after the temporary file appears, plus 0-3 ms.
            let deadline = Instant::now() + Duration::from_secs(20);
            while temp_files(&dir).len() <= temps_before.len()
                && child.try_wait().unwrap().is_none()
                && Instant::now() < deadline
            {
                std::hint::spin_loop();
            }
            let us = rng.below(3000);
            std::thread::sleep(Duration::from_micros(us));
            format!("{us} us after the temp file appeared")
        };
        let finished_first = child.try_wait().unwrap().is_some();
        let _ = child.kill(); // SIGKILL
        child.wait().unwrap();

        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("attempt {attempts} (killed {how}): the profile is gone: {e}")
        });
        assert!(
            !text.is_empty(),
            "attempt {attempts} (killed {how}): empty file"
        );
        let got = store::parse(&path, &text, catalog()).unwrap_or_else(|e| {
            panic!(
                "attempt {attempts} (killed {how}): torn file ({} bytes): {e}",
                text.len()
            )
        });
        if got == old {
            old_seen += 1;
        } else if got == new {
            new_seen += 1;
            store.save(name, &old, true).unwrap();
        } else {
            panic!("attempt {attempts} (killed {how}): neither the old nor the new profile");
        }
        let temps_after = temp_files(&dir);
        if !finished_first && temps_after.len() > temps_before.len() {
            mid_write += 1;
        }
        // Leftover temp files never show up as profiles.
        let entries = store.list(catalog()).unwrap();
        assert_eq!(
            entries.len(),
            1,
            "attempt {attempts}: list shows {:?}",
            entries.iter().map(|e| &e.name).collect::<Vec<_>>()
        );
        assert_eq!(entries[0].name, name);
        assert!(entries[0].profile.is_ok(), "{:?}", entries[0].profile);
    }
    let leftovers = temp_files(&dir).len();
    eprintln!(
        "killed save: full save {full_ms} ms; {attempts} kills: old {old_seen}, new {new_seen}, \
         {mid_write} during the write of the temp file, {leftovers} temp files left"
    );
    assert!(
        mid_write >= 1,
        "no kill landed while the temporary file was written ({attempts} attempts); the test did not exercise the crash window"
    );
    assert!(old_seen >= 1);
}

#[test]
fn concurrent_saves_leave_one_whole_profile() {
    let d = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let store = Store::at(d.path());
    let name = "shared";
    let path = store.path_of(name).unwrap();
    const WRITERS: usize = 8;
    const SAVES: usize = 20;

    // Each save has a distinct name prefix and a different size (0-950 sources).
    let value = |w: usize, i: usize| -> Profile {
        let mut p = Profile::new(Cloud::Public, "eastus2");
        p.name_prefix = Some(format!("w{w}s{i}"));
        p.sources = many_sources((w * 7 + i * 13) % 20 * 50);
        // `profile save` records the edition it used (the newest).
        p.edition = Some(catalog().default_edition().id.clone());
        validated(p)
    };
    let expected: Vec<Profile> = (0..WRITERS)
        .flat_map(|w| (0..SAVES).map(move |i| (w, i)))
        .map(|(w, i)| value(w, i))
        .collect();

    let done = std::sync::atomic::AtomicBool::new(false);
    let reads = std::thread::scope(|s| {
        // A reader checks the file the whole time: it is absent or whole, never torn.
        let reader = s.spawn(|| {
            let mut reads = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                match std::fs::read_to_string(&path) {
                    Ok(text) => {
                        let p = store::parse(&path, &text, catalog()).unwrap_or_else(|e| {
                            panic!("a reader saw a torn file ({} bytes): {e}", text.len())
                        });
                        assert!(expected.contains(&p), "a reader saw a profile nobody saved");
                        reads += 1;
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => panic!("{e}"),
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            reads
        });
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let config = d.path();
                s.spawn(move || {
                    for i in 0..SAVES {
                        let v = value(w, i);
                        let mut c = Command::new(BIN);
                        c.env("AMLFW_CONFIG_DIR", config)
                            .args(["profile", "save", name, "--region", "eastus2", "--force"])
                            .args(["--name-prefix", v.name_prefix.as_deref().unwrap()]);
                        if !v.sources.is_empty() {
                            c.arg("--source").arg(v.sources.join(","));
                        }
                        let out = c.stdin(Stdio::null()).output().unwrap();
                        assert!(
                            out.status.success(),
                            "writer {w} save {i}: {}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        reader.join().unwrap()
    });

    let text = std::fs::read_to_string(&path).unwrap();
    let last = store::parse(&path, &text, catalog()).unwrap();
    assert!(
        expected.contains(&last),
        "the final file is none of the saved profiles"
    );
    assert_eq!(store.load(name, catalog()).unwrap(), last);
    // Every writer finished normally, so no temporary file is left.
    let files: Vec<String> = std::fs::read_dir(store.profiles_dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    assert_eq!(files, ["shared.toml"]);
    eprintln!(
        "concurrent saves: {} saves, {reads} consistent reads",
        WRITERS * SAVES
    );
}
