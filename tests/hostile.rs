//! Hostile values for every string a user types: each is refused at input with a message that
//! names the field, or (the output path, the one free-form value) used exactly as given.
//! Nothing may run, crash, or write anything else.
mod common;

use assert_cmd::Command;
use std::path::Path;

/// The canary: a command substitution that would create this file if any value ever reached
/// a shell unquoted. Every test checks it does not exist afterwards.
fn canary(dir: &Path) -> String {
    dir.join("pwned").display().to_string()
}

fn hostile(dir: &Path) -> Vec<String> {
    let c = canary(dir);
    vec![
        String::new(),
        "a".repeat(10 * 1024),
        "a'b".into(),
        "a\"b".into(),
        "a\\b".into(),
        "a\nb".into(),
        format!("$(touch {c})"),
        format!("`touch {c}`"),
        "${HOME}".into(),
        "%{if true}x%{endif}".into(),
        format!("a; touch {c}"),
        format!("a | touch {c}"),
        "--subscription=x".into(),
        "-- x".into(),
        "réseau".into(),
        "\u{202E}evil".into(),
        "../etc".into(),
        "[concat('a')]".into(),
    ]
}

fn amlfw(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("amlfw").unwrap();
    c.current_dir(dir)
        .env("AMLFW_CONFIG_DIR", dir.join("config"));
    c
}

/// Runs, expects exit 2, stderr naming `field`, empty stdout, no canary, no stray files.
fn refused(dir: &Path, args: &[&str], field: &str) {
    let before: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let out = amlfw(dir).args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let shown: String = args.join(" ").chars().take(120).collect();
    assert_eq!(out.status.code(), Some(2), "{shown}: {err}");
    assert!(
        err.contains(field),
        "{shown}: stderr does not name {field}: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.stdout.is_empty(), "{shown}: wrote to stdout");
    assert!(!Path::new(&canary(dir)).exists(), "{shown}: a command ran");
    let after: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(before, after, "{shown}: files appeared");
}

#[test]
fn every_flag_refuses_every_hostile_value() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let flags = [
        ("--name-prefix", "--name-prefix"),
        ("--storage-account", "--storage-account"),
        ("--acr-name", "--acr-name"),
        ("--source", "--source"),
        ("--aks-dns-server", "--aks-dns-server"),
        ("--region", "--region"),
        ("--feature", "--feature"),
        ("--edition", "--edition"),
    ];
    for value in hostile(dir) {
        for (flag, field) in flags {
            let mut args = vec!["export", "--target", "azfw-cli"];
            if flag != "--region" {
                args.extend(["--region", "eastus2"]);
            }
            let v = value.clone();
            // `--flag=value` so values starting with '-' are values, not flags.
            let arg = format!("{flag}={v}");
            args.push(&arg);
            // A comma splits list flags into several values: the empty piece is refused too.
            refused(dir, &args, field);
        }
    }
}

#[test]
fn profile_names_refuse_every_hostile_value() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::create_dir_all(dir.join("config")).unwrap();
    for value in hostile(dir) {
        // `--` ends the options, so a name starting with '-' is a name.
        let as_option = format!("--profile={value}");
        for cmd in [
            vec!["profile", "save", "--region", "eastus2", "--", &value],
            vec!["profile", "show", "--", &value],
            vec!["profile", "delete", "--", &value],
            vec!["rules", &as_option],
        ] {
            let before: Vec<_> = walk(&dir.join("config"));
            let out = amlfw(dir).args(&cmd).output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{cmd:?}: {err}");
            assert!(
                err.contains("not a valid profile name") && err.contains("1-64 letters"),
                "{cmd:?}: {err}"
            );
            assert_eq!(
                before,
                walk(&dir.join("config")),
                "{cmd:?} changed the store"
            );
            assert!(!Path::new(&canary(dir)).exists());
        }
    }
}

fn walk(p: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            out.push(e.path());
            out.extend(walk(&e.path()));
        }
    }
    out.sort();
    out
}

#[test]
fn profile_files_refuse_every_hostile_value_with_file_and_line() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let fields = [
        "name_prefix",
        "storage_account",
        "acr_name",
        "sources",
        "aks_dns_servers",
        "region",
        "features",
        "edition",
    ];
    let mut values = hostile(dir);
    values.push("a\0b".into()); // NUL cannot be an argument, but a file can hold it
    for value in &values {
        for field in fields {
            let mut t = toml::Table::new();
            t.insert("schema_version".into(), 1.into());
            t.insert("cloud".into(), "public".into());
            t.insert("region".into(), "eastus2".into());
            let v: toml::Value = if matches!(field, "sources" | "aks_dns_servers" | "features") {
                toml::Value::Array(vec![value.clone().into()])
            } else {
                value.clone().into()
            };
            t.insert(field.into(), v);
            let text = toml::to_string(&t).unwrap();
            let line = text.lines().position(|l| l.starts_with(field)).unwrap() + 1;
            let path = dir.join("p.toml");
            std::fs::write(&path, &text).unwrap();
            let out = amlfw(dir)
                .args(["rules", "--profile-file", path.to_str().unwrap()])
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{field}={value:?}: {err}");
            assert!(
                err.contains(&format!("p.toml:{line}:")),
                "{field}={value:?}: no file:line in {err}"
            );
            assert!(err.contains(field), "{field}={value:?}: {err}");
            assert!(!Path::new(&canary(dir)).exists());
        }
    }
}

#[test]
fn output_paths_are_used_exactly_as_given_and_never_interpreted() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::create_dir(dir.join("sub")).unwrap();
    let c = canary(dir);
    let names = [
        "a b.sh".to_string(),
        "a'b\".sh".into(),
        format!("$(touch {})", c.replace('/', "_")),
        "`id`;x|y.sh".into(),
        "réseau\u{202E}.sh".into(),
        "new\nline.sh".into(),
        "--force".into(),
    ];
    for name in &names {
        let out = amlfw(&dir.join("sub"))
            .args(["export", "--region", "eastus2", "--target", "azfw-cli"])
            .arg(format!("--output={name}"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            dir.join("sub").join(name).is_file(),
            "{name:?} not written where asked"
        );
    }
    // `../x` is a path like any other: the parent directory.
    let out = amlfw(&dir.join("sub"))
        .args([
            "export",
            "--region",
            "eastus2",
            "--target",
            "hosts",
            "-o",
            "../up.txt",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(dir.join("up.txt").is_file());
    assert!(!Path::new(&c).exists(), "a command ran");
    // Refusals: empty name, over-long name, missing directory, existing and read-only files.
    let run = |args: &[&str]| {
        amlfw(&dir.join("sub"))
            .args(["export", "--region", "eastus2", "--target", "hosts"])
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&["-o", ""]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let long = "x".repeat(10 * 1024);
    let o = run(&["-o", &long]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot write"));
    // A missing directory cannot be right: bad input, like a directory as the file.
    let o = run(&["-o", "nope/x.txt"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not exist"));
    std::fs::write(dir.join("sub/keep.txt"), "keep").unwrap();
    let o = run(&["-o", "keep.txt"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    let mut perm = std::fs::metadata(dir.join("sub/keep.txt"))
        .unwrap()
        .permissions();
    perm.set_readonly(true);
    std::fs::set_permissions(dir.join("sub/keep.txt"), perm).unwrap();
    let o = run(&["-o", "keep.txt", "--force"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("read-only"));
    assert_eq!(
        std::fs::read_to_string(dir.join("sub/keep.txt")).unwrap(),
        "keep"
    );
}

#[test]
fn a_refused_write_copies_nothing() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("e.txt"), "old").unwrap();
    let out = amlfw(d.path())
        .args([
            "export",
            "--region",
            "eastus2",
            "--target",
            "hosts",
            "--copy",
            "--clipboard",
            "osc52",
            "-o",
            "e.txt",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("\x1b]52;"),
        "copied although the write was refused"
    );
}
