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

#[test]
fn directories_are_written_whole_and_not_over_a_non_empty_one() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let files = vec![
        ("a/one.yaml".to_string(), "1".to_string()),
        ("two.yaml".to_string(), "2".to_string()),
    ];
    write_dir_atomic(&out, &files, false).unwrap();
    assert_eq!(fs::read_to_string(out.join("a/one.yaml")).unwrap(), "1");
    let again = vec![("three.yaml".to_string(), "3".to_string())];
    assert!(matches!(
        write_dir_atomic(&out, &again, false),
        Err(WriteError::NotEmpty { .. })
    ));
    assert!(out.join("two.yaml").exists(), "refused: left as it was");
    write_dir_atomic(&out, &again, true).unwrap();
    assert!(!out.join("two.yaml").exists(), "replaced whole");
    assert_eq!(fs::read_to_string(out.join("three.yaml")).unwrap(), "3");
    // An empty directory is taken without --force; nothing is left beside it.
    let empty = d.path().join("empty");
    fs::create_dir(&empty).unwrap();
    write_dir_atomic(&empty, &again, false).unwrap();
    assert_eq!(fs::read_dir(d.path()).unwrap().count(), 2);
    let bad = vec![("../x".to_string(), String::new())];
    assert!(write_dir_atomic(&d.path().join("b"), &bad, false).is_err());
    assert!(!d.path().join("x").exists() && !d.path().join("b").exists());
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
