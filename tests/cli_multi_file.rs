//! The CLI side of multi-file targets (aerleon): `-o DIR` is required, the directory is
//! written whole (new directory beside it, then renamed) and a non-empty one is replaced only
//! with --force, and only if it is an earlier aerleon export; `--platform` is checked.

mod common;

use assert_cmd::Command;
use common::{amlfw_ok, fixture};
use std::fs;
use std::path::{Path, PathBuf};

fn export(args: &[&str]) -> std::process::Output {
    let tags = fixture("servicetags/ServiceTags_Public.376.json");
    Command::cargo_bin("amlfw")
        .unwrap()
        .args(["export", "-t", "aerleon", "--region", "eastus2"])
        .arg("--service-tags")
        .arg(tags)
        .args(args)
        .output()
        .unwrap()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn aerleon_needs_an_output_directory() {
    for args in [&[][..], &["-o", "-"][..]] {
        let o = export(args);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("-o DIR"), "{}", stderr(&o));
        assert!(o.stdout.is_empty(), "nothing on stdout");
    }
}

#[test]
fn the_directory_is_written_whole_and_replaced_only_with_force() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("aml");
    let dir = out.to_str().unwrap();
    let o = export(&["-o", dir, "--platform", "paloalto,srx"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "policies/pol/amlfw.yaml",
        "def/networks.yaml",
        "def/services.yaml",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let policy = fs::read_to_string(out.join("policies/pol/amlfw.yaml")).unwrap();
    assert!(policy.contains("paloalto: ") && policy.contains("srx: "));
    assert!(!policy.contains("cisco: "), "only the platforms asked for");
    assert!(
        stderr(&o).contains("NOT covered by aerleon"),
        "host rules are listed"
    );

    let o = export(&["-o", dir]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert!(policy.contains("srx: "), "a refused write changes nothing");

    // --force replaces the earlier export (here with one of its files deleted) whole.
    fs::remove_file(out.join("def/services.yaml")).unwrap();
    let o = export(&["-o", dir, "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("def/services.yaml").is_file());
    let policy = fs::read_to_string(out.join("policies/pol/amlfw.yaml")).unwrap();
    assert!(policy.contains("cisco: "), "the new export");
    // Nothing is left beside it: no temporary or moved-aside directory.
    let names: Vec<_> = fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("aml")]);
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

/// The last line of stderr of a run refused as a usage error (exit 2): the warnings of the
/// render come before it.
fn refusal(o: &std::process::Output) -> String {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    stderr(o).lines().last().unwrap_or_default().to_string()
}

/// The review's repro: `--force` over a git checkout deleted `.git` and the sources. Now it
/// is refused (exit 2) with the entries named and nothing touched, as is a file amlfw did not
/// write at one of the export's paths, or an extra file in an earlier export.
#[test]
fn force_never_replaces_a_directory_that_is_not_an_earlier_export() {
    let d = tempfile::tempdir().unwrap();
    let g = d.path().join("g");
    fs::create_dir_all(g.join(".git/refs")).unwrap();
    fs::write(g.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    fs::write(g.join("code.rs"), "x").unwrap();
    let before = tree(&g);
    assert_eq!(
        refusal(&export(&["-o", g.to_str().unwrap(), "--force"])),
        format!(
            "amlfw: {} is not an earlier amlfw aerleon export: it holds '.git/', 'code.rs' (--force replaces only a directory that amlfw wrote); nothing was changed: choose a new or empty directory",
            g.display()
        ),
    );
    assert_eq!(tree(&g), before, "nothing deleted or added");

    let out = d.path().join("aml");
    let o = export(&["-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    fs::write(out.join("def/networks.yaml"), "# mine\nnetworks: {}\n").unwrap();
    fs::write(out.join("policies/notes.md"), "mine").unwrap();
    let before = tree(&out);
    let last = refusal(&export(&["-o", out.to_str().unwrap(), "--force"]));
    assert!(
        last.contains("it holds 'def/networks.yaml' (not written by amlfw), 'policies/notes.md' ("),
        "{last}"
    );
    assert_eq!(tree(&out), before);
    let names: Vec<_> = fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "no temporary directory left: {names:?}");
}

/// Directories a rename cannot or must not replace are named plainly, with or without
/// --force, empty or not (before, `-o .` failed with "Device or resource busy").
#[test]
fn current_home_root_and_mount_point_are_refused_plainly() {
    let d = tempfile::tempdir().unwrap();
    let home = d.path().join("home");
    fs::create_dir(&home).unwrap();
    let run = |dir: &str, cwd: &Path, force: bool| {
        let tags = fixture("servicetags/ServiceTags_Public.376.json");
        let mut c = Command::cargo_bin("amlfw").unwrap();
        c.args(["export", "-t", "aerleon", "--region", "eastus2", "-o", dir])
            .arg("--service-tags")
            .arg(tags)
            .current_dir(cwd)
            .env("HOME", &home);
        if force {
            c.arg("--force");
        }
        c.output().unwrap()
    };
    let mut cases = vec![
        (
            ".",
            home.clone(),
            "the current directory, which cannot be replaced",
        ),
        (
            "..",
            home.join("sub"),
            "a directory that holds the current directory",
        ),
        (
            home.to_str().unwrap(),
            d.path().to_path_buf(),
            "your home directory",
        ),
        ("/", d.path().to_path_buf(), "the root directory"),
    ];
    #[cfg(target_os = "linux")]
    cases.push(("/proc", d.path().to_path_buf(), "a mount point"));
    fs::create_dir(home.join("sub")).unwrap();
    for (dir, cwd, why) in cases {
        for force in [false, true] {
            let before = tree(&home);
            let last = refusal(&run(dir, &cwd, force));
            assert!(
                last.starts_with(&format!("amlfw: {dir} is {why}")),
                "{dir} {force}: {last}"
            );
            assert!(
                last.ends_with(
                    "choose a new or empty directory for the export (e.g. a new subdirectory)"
                ),
                "{last}"
            );
            assert_eq!(tree(&home), before, "{dir}: nothing changed");
        }
    }
    // An export can still go into a new subdirectory of the current one.
    let o = run("aml", &home, false);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(home.join("aml/def/networks.yaml").is_file());
}

#[test]
fn platforms_are_checked() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("x");
    let o = export(&["-o", dir.to_str().unwrap(), "--platform", "checkpoint"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown aerleon platform 'checkpoint'"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.exists(), "nothing written");
    let o = Command::cargo_bin("amlfw")
        .unwrap()
        .args([
            "export",
            "-t",
            "csv",
            "--region",
            "eastus2",
            "--platform",
            "srx",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--platform is for the aerleon target"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn targets_lists_the_third_party_targets() {
    let out = String::from_utf8(amlfw_ok(&["targets"]).stdout).unwrap();
    for id in ["aerleon", "edl-ip", "edl-url"] {
        assert!(out.contains(id), "{id} missing:\n{out}");
    }
    let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("needs -o DIR"), "{out}");
}

/// The wizard shows the aerleon files as a preview but does not write them as one file.
#[test]
fn the_wizard_sends_multi_file_targets_to_the_cli() {
    use amlfw::tui::app::{App, Modal, Msg, Step};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let tags = std::sync::Arc::new(common::service_tags(amlfw::Cloud::Public).clone());
    let mut a = App::new(
        common::catalog(),
        amlfw::Profile::builtin_default(),
        Some(tags),
        (120, 40),
        amlfw::tui::theme::Theme {
            mono: true,
            ascii: false,
        },
    );
    a.go_to(Step::Export);
    let i = export_index("aerleon");
    let key = |a: &mut App, c| a.update(Msg::Key(KeyEvent::new(c, KeyModifiers::NONE)));
    while a.export.nav.cursor < i {
        key(&mut a, KeyCode::Down);
    }
    let preview = a.export.view.as_ref().unwrap().result.as_ref().unwrap();
    assert!(
        preview.text.contains("# ==> def/networks.yaml <=="),
        "the preview shows every file"
    );
    assert!(key(&mut a, KeyCode::Char('w')).is_empty());
    assert_eq!(a.modal, Modal::None, "no file prompt");
    let status = &a.status.as_ref().unwrap().text;
    // Unsaved choices: a profile name to save them under, then the command.
    assert!(
        status.contains("amlfw export -t aerleon --profile NAME") && status.contains("-o DIR`"),
        "{status}"
    );
}

fn export_index(id: &str) -> usize {
    amlfw::export::targets()
        .iter()
        .position(|t| t.id() == id)
        .unwrap()
}
