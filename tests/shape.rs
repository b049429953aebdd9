//! Issue 15's limit: no file of the core (everything under `src/` but the wizard, which has its
//! own limit of 600 lines in tests/tui_keys.rs) is over 700 lines, so each can be read whole.
mod common;

#[test]
fn no_file_of_the_core_is_over_700_lines() {
    let files: Vec<_> = common::rust_files_and_lines("src")
        .into_iter()
        .filter(|(p, _)| !p.contains("/src/tui/"))
        .collect();
    assert!(files.len() > 50, "{files:?}");
    let long: Vec<_> = files.iter().filter(|(_, n)| *n > 700).collect();
    assert!(long.is_empty(), "over 700 lines: {long:?}");
}
