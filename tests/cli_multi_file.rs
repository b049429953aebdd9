//! The CLI side of multi-file targets (aerleon): `-o DIR` is required, the directory is
//! written whole (new directory beside it, then renamed) and a non-empty one is replaced only
//! with --force; `--platform` is checked.

mod common;

use assert_cmd::Command;
use common::{amlfw_ok, fixture};
use std::fs;

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

    fs::write(out.join("mine.txt"), "keep").unwrap();
    let o = export(&["-o", dir]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert!(
        out.join("mine.txt").exists(),
        "a refused write changes nothing"
    );

    let o = export(&["-o", dir, "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!out.join("mine.txt").exists(), "replaced whole");
    assert!(out.join("def/networks.yaml").is_file());
    // Nothing is left beside it: no temporary or moved-aside directory.
    let names: Vec<_> = fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("aml")]);
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
    assert!(
        status.contains("amlfw export -t aerleon -o DIR"),
        "{status}"
    );
}

fn export_index(id: &str) -> usize {
    amlfw::export::targets()
        .iter()
        .position(|t| t.id() == id)
        .unwrap()
}
