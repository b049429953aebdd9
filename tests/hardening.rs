//! Hardening, round 2, through the real binary: hostile text in messages, bounded reads of
//! every file amlfw reads, failed output, input that could mean two things, special files as
//! `-o`, and temporary files of writes stopped by a signal.
#![cfg(unix)]
mod common;

use assert_cmd::Command;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// amlfw with its config directory in `dir/config` and `dir` as working directory. A hang
/// (a FIFO read) fails the test instead of blocking it.
fn amlfw(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("amlfw").unwrap();
    c.current_dir(dir)
        .env("AMLFW_CONFIG_DIR", dir.join("config"))
        .timeout(Duration::from_secs(20));
    c
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn mkfifo(p: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(p)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo {}", p.display());
}

/// The raw bytes no diagnostic may carry: ESC, BEL, CR, NUL and U+202E (RIGHT-TO-LEFT
/// OVERRIDE, E2 80 AE in UTF-8).
fn assert_no_raw_controls(what: &str, bytes: &[u8]) {
    for (needle, name) in [
        (&b"\x1b"[..], "ESC"),
        (b"\x07", "BEL"),
        (b"\r", "CR"),
        (b"\0", "NUL"),
        (b"\xe2\x80\xae", "U+202E"),
    ] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{what}: raw {name} on stderr: {}",
            String::from_utf8_lossy(bytes).escape_debug()
        );
    }
}

const PWN: &str = "\u{1b}]0;PWNED\u{7}\u{1b}[2J";

fn profile_text(field: &str, value: &str) -> String {
    let mut t = toml::Table::new();
    t.insert("schema_version".into(), 1.into());
    t.insert("cloud".into(), "public".into());
    t.insert("region".into(), "eastus2".into());
    t.insert(field.into(), value.into());
    toml::to_string(&t).unwrap()
}

// ---- 2. control characters in messages ---------------------------------------------------

#[test]
fn diagnostics_escape_control_and_bidi_characters() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let hostile = [PWN, "a\rb", "a\0b", "x\u{202E}cod.exe"];
    for value in hostile {
        // rules --profile-file: the bad value is quoted in the error.
        let p = dir.join("p.toml");
        std::fs::write(&p, profile_text("storage_account", value)).unwrap();
        let o = amlfw(dir)
            .args(["rules", "--profile-file", "p.toml"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert_no_raw_controls("rules --profile-file", &o.stderr);
        assert!(
            stderr(&o).contains("storage_account"),
            "the error still names the field: {}",
            stderr(&o)
        );
        // profile list: the warning about a broken profile in the store.
        let profiles = dir.join("config/profiles");
        std::fs::create_dir_all(&profiles).unwrap();
        std::fs::write(
            profiles.join("shared.toml"),
            profile_text("acr_name", value),
        )
        .unwrap();
        let o = amlfw(dir).args(["profile", "list"]).output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stderr(&o).contains("warning:"), "{}", stderr(&o));
        assert_no_raw_controls("profile list", &o.stderr);
        // A flag's value is quoted the same way (NUL cannot be an argument).
        if value.contains('\0') {
            continue;
        }
        let o = amlfw(dir)
            .args(["rules", "--region", value])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        assert_no_raw_controls("rules --region", &o.stderr);
        // clap's own errors quote the value too.
        let o = amlfw(dir)
            .args(["rules", "--region", "eastus2", "--inbound-routes", value])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        assert_no_raw_controls("--inbound-routes", &o.stderr);
    }
    // The escape is visible, so the admin sees what the file holds.
    std::fs::write(dir.join("p.toml"), profile_text("storage_account", PWN)).unwrap();
    let o = amlfw(dir)
        .args(["rules", "--profile-file", "p.toml"])
        .output()
        .unwrap();
    assert!(
        stderr(&o).contains(r"'\u{1b}]0;PWNED\u{7}\u{1b}[2J'"),
        "{}",
        stderr(&o)
    );
}

// ---- 3. bounded reads ----------------------------------------------------------------------

#[test]
fn fifos_are_refused_without_waiting_for_a_writer() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    mkfifo(&dir.join("fifo"));
    for args in [
        &["rules", "--profile-file", "fifo"][..],
        &["tags", "--service-tags", "fifo", "--tag", "Storage"],
        &[
            "export",
            "--region",
            "eastus2",
            "-t",
            "iptables",
            "--service-tags",
            "fifo",
        ],
    ] {
        let o = amlfw(dir).args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("FIFO") && stderr(&o).contains("not a regular file"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    // config.toml as a FIFO: `export --copy` reads it for the clipboard mode.
    std::fs::create_dir_all(dir.join("config")).unwrap();
    mkfifo(&dir.join("config/config.toml"));
    let o = amlfw(dir)
        .args(["export", "--region", "eastus2", "-t", "hosts", "--copy"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("config.toml") && stderr(&o).contains("not a regular file"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_store_lists_past_fifos_devices_and_huge_files() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let profiles = dir.join("config/profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    mkfifo(&profiles.join("fifo.toml"));
    // A device behind a symlink (/dev/null: harmless to open).
    std::os::unix::fs::symlink("/dev/null", profiles.join("dev.toml")).unwrap();
    // Sparse: 2 MiB of length, no disk.
    let big = std::fs::File::create(profiles.join("big.toml")).unwrap();
    big.set_len(2 << 20).unwrap();
    let ok = amlfw(dir)
        .args(["profile", "save", "good", "--region", "eastus2"])
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", stderr(&ok));
    let o = amlfw(dir).args(["profile", "list"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    for (name, why) in [
        ("fifo.toml", "it is a FIFO (named pipe), not a regular file"),
        ("dev.toml", "it is a character device, not a regular file"),
        (
            "big.toml",
            "it is larger than 1 MiB, the limit for a profile",
        ),
    ] {
        assert!(
            err.lines().any(|l| l.contains(name) && l.contains(why)),
            "no warning `{name}: {why}` in:\n{err}"
        );
    }
    assert!(String::from_utf8_lossy(&o.stdout).contains("good "));
    // Saving over one is refused at once (a FIFO would wait for a reader), --force or not.
    for force in [false, true] {
        let mut c = amlfw(dir);
        c.args(["profile", "save", "fifo", "--region", "eastus2"]);
        if force {
            c.arg("--force");
        }
        let o = c.output().unwrap();
        assert_eq!(o.status.code(), Some(2), "force {force}: {}", stderr(&o));
        assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    }
    // Loading one names the limit too, as bad input.
    for name in ["fifo", "dev", "big"] {
        let o = amlfw(dir)
            .args(["rules", "--profile", name])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        let o = amlfw(dir).args(["profile", "show", name]).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("{name}.toml")),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn files_over_the_limits_are_refused_naming_the_limit() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let sparse = |name: &str, len: u64| {
        std::fs::File::create(dir.join(name))
            .unwrap()
            .set_len(len)
            .unwrap();
    };
    sparse("p.toml", (1 << 20) + 1);
    sparse("tags.json", (64 << 20) + 1);
    let o = amlfw(dir)
        .args(["rules", "--profile-file", "p.toml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("larger than 1 MiB, the limit for a profile"),
        "{}",
        stderr(&o)
    );
    let o = amlfw(dir)
        .args(["tags", "--service-tags", "tags.json", "--tag", "Storage"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("larger than 64 MiB, the limit for a Service Tags file"),
        "{}",
        stderr(&o)
    );
    std::fs::create_dir_all(dir.join("config")).unwrap();
    std::fs::File::create(dir.join("config/config.toml"))
        .unwrap()
        .set_len((1 << 20) + 1)
        .unwrap();
    let o = amlfw(dir)
        .args(["export", "--region", "eastus2", "-t", "hosts", "--copy"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("larger than 1 MiB"), "{}", stderr(&o));
}

// ---- 4. temporary files of a write stopped by a signal --------------------------------------

/// Starts `amlfw ARGS` with the debug pause after the temporary file is written, waits until
/// it says so, sends `sig`, and returns the exit code.
fn stop_mid_write(dir: &Path, args: &[&str], sig: &str) -> Option<i32> {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_amlfw"))
        .current_dir(dir)
        .env("AMLFW_CONFIG_DIR", dir.join("config"))
        .env("AMLFW_DEBUG_WRITE_PAUSE_MS", "20000")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        if err.read_line(&mut line).unwrap() == 0 {
            let _ = child.kill();
            panic!("amlfw {args:?} ended before pausing");
        }
        if line.contains("temporary file written, pausing") {
            break;
        }
    }
    let ok = std::process::Command::new("kill")
        .args([format!("-{sig}"), child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{sig}");
    child.wait().unwrap().code()
}

fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with(".amlfw-") && n.ends_with(".tmp"))
        .collect()
}

#[test]
fn a_signal_during_a_write_leaves_no_temporary_file() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    for (sig, code) in [("INT", 130), ("TERM", 143), ("HUP", 129), ("USR1", 138)] {
        let code_seen = stop_mid_write(
            dir,
            &[
                "export", "--region", "eastus2", "-t", "hosts", "-o", "out.txt",
            ],
            sig,
        );
        assert_eq!(code_seen, Some(code), "SIG{sig}");
        assert_eq!(temp_files(dir), Vec::<String>::new(), "SIG{sig}: export");
        assert!(
            !dir.join("out.txt").exists(),
            "SIG{sig}: a half-done export"
        );
        let code_seen = stop_mid_write(dir, &["profile", "save", "p", "--region", "eastus2"], sig);
        assert_eq!(code_seen, Some(code), "SIG{sig}");
        let profiles = dir.join("config/profiles");
        assert_eq!(
            temp_files(&profiles),
            Vec::<String>::new(),
            "SIG{sig}: save"
        );
        assert!(!profiles.join("p.toml").exists());
    }
}

#[test]
fn a_save_removes_temporary_files_older_than_an_hour() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let profiles = dir.join("config/profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    let stale = profiles.join(".amlfw-AbC123.tmp");
    let fresh = profiles.join(".amlfw-XyZ789.tmp");
    let other = profiles.join(".other-AbC123.tmp");
    for p in [&stale, &fresh, &other] {
        std::fs::write(p, "left by a killed save").unwrap();
    }
    let two_hours_ago = std::time::SystemTime::now() - Duration::from_secs(7200);
    for p in [&stale, &other] {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
    }
    let o = amlfw(dir)
        .args(["profile", "save", "p", "--region", "eastus2"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stale.exists(), "the stale temporary file is removed");
    assert!(fresh.exists(), "a young one may be a save in progress");
    assert!(
        other.exists(),
        "only amlfw's own temporary files are touched"
    );
}

// ---- 5. output failures --------------------------------------------------------------------

fn dev_full() -> std::fs::File {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full")
}

/// The binary through std's Command, which keeps the stdio it is given (assert_cmd pipes it).
fn raw(dir: &Path, args: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_amlfw"));
    c.current_dir(dir)
        .env("AMLFW_CONFIG_DIR", dir.join("config"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

#[test]
fn a_full_stderr_or_stdout_is_exit_1_not_a_panic() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let code = |c: &mut std::process::Command| c.status().unwrap().code();
    // Warnings on stderr (rules prints the resolver's), stderr full: exit 1, not a panic (101).
    assert_eq!(
        code(raw(dir, &["rules", "--region", "eastus2"]).stderr(dev_full())),
        Some(1)
    );
    // An error message that cannot be written keeps its code.
    assert_eq!(
        code(raw(dir, &["rules", "--region", "nowhere"]).stderr(dev_full())),
        Some(2)
    );
    // Help and version that cannot be written.
    for flag in ["--help", "--version", "-h"] {
        assert_eq!(
            code(raw(dir, &[flag]).stdout(dev_full())),
            Some(1),
            "{flag} >/dev/full"
        );
        assert_eq!(code(&mut raw(dir, &[flag])), Some(0), "{flag}");
    }
    // A usage error with stderr full: still 2, no panic.
    assert_eq!(
        code(raw(dir, &["--no-such-flag"]).stderr(dev_full())),
        Some(2)
    );
    // Data to a full stdout.
    assert_eq!(
        code(raw(dir, &["export", "--region", "eastus2", "-t", "hosts"]).stdout(dev_full())),
        Some(1)
    );
}

// ---- 6. input that means two things ---------------------------------------------------------

#[test]
fn duplicate_and_zero_led_addresses_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    for (args, needle) in [
        (
            &["--source", "10.0.1.0/24", "--source", "10.0.1.0/24"][..],
            "listed twice",
        ),
        (&["--source", "10.0.1.5,10.0.1.5/32"], "listed twice"),
        (&["--aks-dns-server", "10.0.0.4,10.0.0.4"], "listed twice"),
        (&["--source", "010.0.0.0/24"], "leading zero"),
        (&["--source", "10.0.0.0/08"], "leading zero"),
        (&["--aks-dns-server", "10.0.0.04"], "leading zero"),
    ] {
        let o = amlfw(dir)
            .args(["export", "--region", "eastus2", "-t", "azfw-cli"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty());
    }
    // A profile file too, with file and line.
    std::fs::write(
        dir.join("p.toml"),
        "schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nsources = [\"10.0.1.0/24\", \"10.0.1.0/24\"]\n",
    )
    .unwrap();
    let o = amlfw(dir)
        .args(["rules", "--profile-file", "p.toml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("p.toml:4:"), "{}", stderr(&o));
}

#[test]
fn profile_names_must_start_well_avoid_devices_and_ignore_case() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    for name in ["-dash", "--", "CON", "nul", "Aux.x", "com1", "LPT9", "_x"] {
        let o = amlfw(dir)
            .args(["profile", "save", "--region", "eastus2", "--", name])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("not a valid profile name"),
            "{name}: {}",
            stderr(&o)
        );
    }
    let save = |name: &str, force: bool| {
        let mut c = amlfw(dir);
        c.args(["profile", "save", name, "--region", "eastus2"]);
        if force {
            c.arg("--force");
        }
        c.output().unwrap()
    };
    assert!(save("good", false).status.success());
    for force in [false, true] {
        let o = save("Good", force);
        assert_eq!(o.status.code(), Some(2), "force {force}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("'good' already exists and names ignore case"),
            "{}",
            stderr(&o)
        );
    }
    assert!(!dir.join("config/profiles/Good.toml").exists());
    // The same spelling is replaced as before.
    assert!(save("good", true).status.success());
}

// ---- 6. exit codes of bad output paths, and 13.5: special files as -o ------------------------

fn export_to(dir: &Path, out: &str, force: bool) -> std::process::Output {
    let mut c = amlfw(dir);
    c.args(["export", "--region", "eastus2", "-t", "hosts", "-o", out]);
    if force {
        c.arg("--force");
    }
    c.output().unwrap()
}

#[test]
fn bad_output_paths_are_2_and_io_failures_1() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::fs::write(dir.join("file.txt"), "a file").unwrap();
    for (out, why) in [
        ("sub", "it is a directory"),
        ("missing/x.txt", "does not exist"),
        ("file.txt/x.txt", "file.txt is not a directory"),
    ] {
        for force in [false, true] {
            let o = export_to(dir, out, force);
            assert_eq!(o.status.code(), Some(2), "{out}: {}", stderr(&o));
            assert!(stderr(&o).contains(why), "{out}: {}", stderr(&o));
        }
    }
    // A name too long for the file system is an I/O failure.
    let o = export_to(dir, &"x".repeat(300), false);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // A full device: the write itself fails.
    let o = export_to(dir, "/dev/full", true);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot write /dev/full"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn special_files_are_written_in_place_and_never_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let expected = amlfw(dir)
        .args(["export", "--region", "eastus2", "-t", "hosts"])
        .output()
        .unwrap()
        .stdout;

    // A FIFO: written through, with or without --force, and still a FIFO afterwards.
    let fifo = dir.join("pipe");
    mkfifo(&fifo);
    for force in [false, true] {
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        let o = export_to(dir, "pipe", force);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            reader.join().unwrap(),
            expected,
            "what came out of the FIFO"
        );
        let t = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(t.is_fifo(), "--force {force}: the FIFO was replaced");
    }

    // A character device (/dev/null, harmless): written, not replaced, through a symlink too.
    let null_link = dir.join("null");
    std::os::unix::fs::symlink("/dev/null", &null_link).unwrap();
    for out in ["/dev/null", "null"] {
        let o = export_to(dir, out, true);
        assert!(o.status.success(), "{out}: {}", stderr(&o));
    }
    assert!(std::fs::symlink_metadata(&null_link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());

    // /dev/stdout is `-`: the text reaches the pipe.
    for out in ["/dev/stdout", "-"] {
        let o = export_to(dir, out, true);
        assert!(o.status.success(), "{out}: {}", stderr(&o));
        assert_eq!(o.stdout, expected, "{out}");
    }

    // A symlink to a regular file: the file is replaced, the link kept.
    std::fs::write(dir.join("real.txt"), "old").unwrap();
    std::os::unix::fs::symlink("real.txt", dir.join("link.txt")).unwrap();
    let o = export_to(dir, "link.txt", false);
    assert_eq!(o.status.code(), Some(2), "an existing file needs --force");
    let o = export_to(dir, "link.txt", true);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(dir.join("link.txt"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(dir.join("real.txt")).unwrap(), expected);

    // A dangling symlink and a socket: refused, left as they are.
    std::os::unix::fs::symlink("nowhere.txt", dir.join("dangling")).unwrap();
    let _sock = std::os::unix::net::UnixListener::bind(dir.join("sock")).unwrap();
    for (out, why) in [
        ("dangling", "a symbolic link to a missing file"),
        ("sock", "it is a socket"),
    ] {
        let o = export_to(dir, out, true);
        assert_eq!(o.status.code(), Some(2), "{out}: {}", stderr(&o));
        assert!(stderr(&o).contains(why), "{out}: {}", stderr(&o));
    }
    assert!(std::fs::symlink_metadata(dir.join("dangling"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(!dir.join("nowhere.txt").exists());
    assert!(std::fs::symlink_metadata(dir.join("sock"))
        .unwrap()
        .file_type()
        .is_socket());
}
