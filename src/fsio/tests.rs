use super::*;

#[test]
fn refuses_to_overwrite_without_permission() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("out.txt");
    write_atomic(&p, b"one", false).unwrap();
    assert!(matches!(
        write_atomic(&p, b"two", false),
        Err(WriteError::Exists { .. })
    ));
    assert_eq!(fs::read(&p).unwrap(), b"one");
    write_atomic(&p, b"two", true).unwrap();
    assert_eq!(fs::read(&p).unwrap(), b"two");
    // No temporary files are left behind.
    assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
}

#[cfg(unix)]
#[test]
fn new_files_follow_the_umask_and_replaced_files_keep_their_mode() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("out.sh");
    write_atomic(&p, b"one", false).unwrap();
    let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
    assert_ne!(mode, 0o600, "not tempfile's private default");
    assert_eq!(mode & 0o600, 0o600, "owner can read and write");
    fs::set_permissions(&p, fs::Permissions::from_mode(0o750)).unwrap();
    write_atomic(&p, b"two", true).unwrap();
    assert_eq!(
        fs::metadata(&p).unwrap().permissions().mode() & 0o777,
        0o750
    );
}

#[test]
fn read_only_files_and_directories_are_not_replaced() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("ro.txt");
    fs::write(&p, b"keep").unwrap();
    let mut perm = fs::metadata(&p).unwrap().permissions();
    perm.set_readonly(true);
    fs::set_permissions(&p, perm).unwrap();
    assert!(matches!(
        write_atomic(&p, b"x", true),
        Err(WriteError::ReadOnly { .. })
    ));
    assert_eq!(fs::read(&p).unwrap(), b"keep");
    let e = write_atomic(d.path(), b"x", true).unwrap_err().to_string();
    assert!(e.contains("directory"), "{e}");
}

/// The files of a small export: each starts with the line `ours` accepts.
fn export_files(n: &str) -> Vec<(String, String)> {
    vec![
        ("a/one.yaml".to_string(), format!("# mark\n{n}1")),
        ("two.yaml".to_string(), format!("# mark\n{n}2")),
    ]
}

fn ours(line: &str) -> bool {
    line == "# mark"
}

fn earlier() -> Earlier<'static> {
    Earlier {
        what: "an earlier test export",
        first_line: &ours,
    }
}

#[test]
fn directories_are_written_whole_and_not_over_a_non_empty_one() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    write_dir_atomic(&out, &export_files("v"), None).unwrap();
    assert_eq!(
        fs::read_to_string(out.join("a/one.yaml")).unwrap(),
        "# mark\nv1"
    );
    assert!(matches!(
        write_dir_atomic(&out, &export_files("w"), None),
        Err(WriteError::NotEmpty { .. })
    ));
    assert!(out.join("two.yaml").exists(), "refused: left as it was");
    // An earlier export (here missing a file and a directory) is replaced whole.
    fs::remove_dir_all(out.join("a")).unwrap();
    write_dir_atomic(&out, &export_files("w"), Some(&earlier())).unwrap();
    assert_eq!(
        fs::read_to_string(out.join("two.yaml")).unwrap(),
        "# mark\nw2"
    );
    assert_eq!(
        fs::read_to_string(out.join("a/one.yaml")).unwrap(),
        "# mark\nw1"
    );
    // An empty directory is taken without --force; nothing is left beside it.
    let empty = d.path().join("empty");
    fs::create_dir(&empty).unwrap();
    write_dir_atomic(&empty, &export_files("x"), None).unwrap();
    assert_eq!(fs::read_dir(d.path()).unwrap().count(), 2);
    let bad = vec![("../x".to_string(), String::new())];
    assert!(write_dir_atomic(&d.path().join("b"), &bad, None).is_err());
    assert!(!d.path().join("x").exists() && !d.path().join("b").exists());
}

/// The `--force` data-loss case: a directory with anything an export does not hold (a git
/// repository, a source file, a hand-written file where an export file goes, a symlink) is
/// refused with its first entries named, and left exactly as it was.
#[test]
fn force_replaces_only_an_earlier_export() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("g");
    // (what, how to make it, what the refusal names)
    type Case = (&'static str, fn(&Path), &'static str);
    let cases: Vec<Case> = vec![
        (
            "a repository",
            |g| {
                fs::create_dir_all(g.join(".git/objects")).unwrap();
                fs::write(g.join("code.rs"), "x").unwrap();
            },
            "it holds '.git/', 'code.rs' (--force",
        ),
        (
            "an export with a file added",
            |g| {
                write_dir_atomic(g, &export_files("v"), None).unwrap();
                fs::write(g.join("a/notes.txt"), "mine").unwrap();
            },
            "it holds 'a/notes.txt' (",
        ),
        (
            "a hand-written file at an export path",
            |g| {
                fs::create_dir(g).unwrap();
                fs::write(g.join("two.yaml"), "# my own\n").unwrap();
            },
            "it holds 'two.yaml' (not written by amlfw) (",
        ),
        (
            "many entries",
            |g| {
                fs::create_dir(g).unwrap();
                for n in ["e", "d", "c", "b", "a"] {
                    fs::write(g.join(n), "").unwrap();
                }
            },
            "it holds 'a', 'b', 'c' and 2 more (",
        ),
    ];
    for (label, make, want) in cases {
        let _ = fs::remove_dir_all(&out);
        make(&out);
        let before = tree(&out);
        let e = write_dir_atomic(&out, &export_files("w"), Some(&earlier())).unwrap_err();
        assert!(matches!(e, WriteError::NotAnExport { .. }), "{label}: {e}");
        assert!(e.is_bad_path(), "exit 2");
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!(
                "{} is not an earlier test export: ",
                out.display()
            )),
            "{label}: {msg}"
        );
        assert!(msg.contains(want), "{label}: {msg}");
        assert!(msg.contains("choose a new or empty directory"), "{msg}");
        assert_eq!(tree(&out), before, "{label}: nothing changed");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1, "nothing beside");
    }
    #[cfg(unix)]
    {
        // A symlink where an export file goes is not followed, not taken for the file.
        let _ = fs::remove_dir_all(&out);
        fs::create_dir(&out).unwrap();
        fs::write(d.path().join("target.yaml"), "# mark\n").unwrap();
        std::os::unix::fs::symlink(d.path().join("target.yaml"), out.join("two.yaml")).unwrap();
        let e = write_dir_atomic(&out, &export_files("w"), Some(&earlier())).unwrap_err();
        assert!(e.to_string().contains("it holds 'two.yaml' ("), "{e}");
    }
}

/// Every file and directory under `dir`, with the files' content.
fn tree(dir: &Path) -> Vec<(PathBuf, Option<Vec<u8>>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p.clone());
                out.push((p, None));
            } else {
                out.push((p.clone(), Some(fs::read(&p).unwrap())));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_root_directory_is_refused_by_name() {
    let e = write_dir_atomic(Path::new("/"), &export_files("w"), Some(&earlier())).unwrap_err();
    assert_eq!(
        e.to_string(),
        "/ is the root directory; choose a new or empty directory for the export (e.g. a new subdirectory)"
    );
}

#[test]
fn missing_directory_is_named() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("nope").join("out.txt");
    let e = write_atomic(&p, b"x", false).unwrap_err().to_string();
    assert!(e.contains("does not exist"), "{e}");
}

#[test]
fn read_text_takes_regular_files_within_the_limit() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("a.toml");
    fs::write(&p, "x".repeat(10)).unwrap();
    assert_eq!(read_text(&p, 10, "a test").unwrap().len(), 10);
    let e = read_text(&p, 9, "a test").unwrap_err();
    assert_eq!(
        e.to_string(),
        "it is larger than 9 bytes, the limit for a test"
    );
    assert_eq!(
        read_text(&d.path().join("none"), 9, "x")
            .unwrap_err()
            .kind(),
        io::ErrorKind::NotFound
    );
    let e = read_text(d.path(), 9, "x").unwrap_err().to_string();
    assert_eq!(e, "it is a directory, not a regular file");
    assert_eq!(size_text(1 << 20), "1 MiB");
    assert_eq!(size_text(64 << 20), "64 MiB");
}

#[cfg(unix)]
#[test]
fn stale_temp_files_go_young_ones_stay() {
    let d = tempfile::tempdir().unwrap();
    let old = d.path().join(".amlfw-old.tmp");
    let young = d.path().join(".amlfw-young.tmp");
    let other = d.path().join("prod.toml");
    for p in [&old, &young, &other] {
        fs::write(p, "x").unwrap();
    }
    let hours_ago = SystemTime::now() - Duration::from_secs(2 * 3600);
    for p in [&old, &other] {
        fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(hours_ago)
            .unwrap();
    }
    assert_eq!(
        remove_stale_temp_files(d.path(), Duration::from_secs(3600)),
        1
    );
    assert!(!old.exists() && young.exists() && other.exists());
}

#[test]
fn a_finished_or_failed_write_leaves_nothing_pending() {
    let d = tempfile::tempdir().unwrap();
    write_atomic(&d.path().join("a"), b"x", false).unwrap();
    assert!(write_atomic(&d.path().join("a"), b"x", false).is_err());
    let mine: Vec<_> = pending()
        .iter()
        .filter(|p| p.starts_with(d.path()))
        .cloned()
        .collect();
    assert!(mine.is_empty(), "{mine:?}");
}

#[cfg(unix)]
#[test]
fn a_fifo_without_a_reader_is_an_error_when_not_waiting() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("pipe");
    let ok = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let e = write_atomic_no_wait(&fifo, b"x", true)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no program is reading"), "{e}");
    // With a reader it is written, and stays a FIFO.
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read(fifo).unwrap())
    };
    // Wait until the reader has opened its end.
    let start = std::time::Instant::now();
    loop {
        match write_atomic_no_wait(&fifo, b"hello", false) {
            Ok(()) => break,
            Err(_) if start.elapsed() < Duration::from_secs(10) => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(reader.join().unwrap(), b"hello");
    use std::os::unix::fs::FileTypeExt;
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
}
