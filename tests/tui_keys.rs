//! The key table is the single source of the wizard's keys: every key it lists in a context
//! does something there (the component of that context handles it), and each context can be
//! reached. (`keys::tests` checks that no key has two meanings in one context.)
mod common;

use amlfw::tui::app::{App, Msg, ProfileRow, Step};
use amlfw::tui::keys::{bindings, key_name, Ctx};
use amlfw::tui::theme::Theme;
use amlfw::Profile;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn key(a: &mut App, code: KeyCode) {
    a.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// A wizard whose keyboard context is `ctx`, reached with keys where keys reach it.
fn app_in(ctx: Ctx) -> App<'static> {
    let mut p = Profile::builtin_default();
    p.edition = Some(common::PINNED_EDITION.into());
    let mut a = App::new(common::catalog(), p, None, (100, 30), Theme::default());
    match ctx {
        Ctx::Cloud => {}
        Ctx::Region => a.go_to(Step::Region),
        Ctx::RegionFilter => {
            a.go_to(Step::Region);
            key(&mut a, KeyCode::Char('/'));
        }
        Ctx::Workspace => a.go_to(Step::Workspace),
        Ctx::WorkspaceEdit => {
            a.go_to(Step::Workspace);
            key(&mut a, KeyCode::Enter);
        }
        Ctx::Features => a.go_to(Step::Features),
        Ctx::FeatureFilter => {
            a.go_to(Step::Features);
            key(&mut a, KeyCode::Char('/'));
        }
        Ctx::Export => a.go_to(Step::Export),
        Ctx::Preview => key(&mut a, KeyCode::Char('r')),
        Ctx::Help => key(&mut a, KeyCode::Char('?')),
        Ctx::Detail => {
            key(&mut a, KeyCode::Char('r'));
            key(&mut a, KeyCode::Enter);
        }
        Ctx::Confirm => {
            // Another cloud: unsaved choices, so q asks.
            key(&mut a, KeyCode::Down);
            key(&mut a, KeyCode::Char(' '));
            key(&mut a, KeyCode::Char('q'));
        }
        Ctx::Prompt => {
            a.go_to(Step::Export);
            key(&mut a, KeyCode::Char('w'));
        }
        Ctx::Profiles => {
            key(&mut a, KeyCode::Char('p'));
            let row = |n: &str| ProfileRow {
                name: n.into(),
                summary: "public eastus2, 5 features".into(),
                ok: true,
            };
            a.update(Msg::ProfilesListed(Ok(vec![row("a"), row("b")])));
        }
    }
    assert_eq!(a.ctx(), ctx, "could not reach {ctx:?}");
    a
}

#[test]
fn every_key_in_the_table_is_handled_where_it_is_listed() {
    let mut checked = 0;
    for ctx in Ctx::ALL {
        for b in bindings(ctx) {
            for k in b.keys {
                let mut a = app_in(ctx);
                let handled = a.handle_key(KeyEvent::new(k.code, k.mods));
                assert!(
                    handled.is_some(),
                    "{ctx:?}: {} ({:?}, \"{}\") is in the key table but nothing handles it",
                    key_name(k),
                    b.action,
                    b.desc
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 150, "only {checked} keys checked");
}

/// The converse for the letters: a letter the table does not list in a context where letters
/// are keys does nothing (it must not act behind the table's back).
#[test]
fn unlisted_letters_do_nothing_outside_text() {
    for ctx in [
        Ctx::Cloud,
        Ctx::Region,
        Ctx::Workspace,
        Ctx::Features,
        Ctx::Export,
        Ctx::Preview,
    ] {
        for c in 'a'..='z' {
            let listed = bindings(ctx).any(|b| {
                b.keys
                    .iter()
                    .any(|k| k.code == KeyCode::Char(c) && k.mods == KeyModifiers::NONE)
            });
            if listed {
                continue;
            }
            let mut a = app_in(ctx);
            assert_eq!(
                a.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
                None,
                "{ctx:?}: '{c}' is not in the key table but does something"
            );
        }
    }
}

/// Issue 20's limit: the wizard stays in components small enough to read whole.
#[test]
fn no_file_under_src_tui_is_over_600_lines() {
    let files = common::rust_files_and_lines("src/tui");
    assert!(files.len() > 10, "{files:?}");
    let long: Vec<_> = files.iter().filter(|(_, n)| *n > 600).collect();
    assert!(long.is_empty(), "over 600 lines: {long:?}");
}
