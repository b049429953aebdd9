//! The wizard's review findings at 80x24 and 60x18: long text scrolls sideways in prompts,
//! field edits and filter lines (and never overflows the cursor's column), "n" to overwrite
//! keeps the name, a tags error says why first, the step bar keeps the current step and the
//! prompt's hint keeps "Esc". Round 3: hints name the labels the Workspace step shows, a
//! Service Tags path is shown whole and escaped, Esc clears the note of the edit it undoes, "n"
//! to quit returns to an open edit, and `!` on Export lists what the export's header does.
//! Round 4: a cut status message says so and `!` shows it whole; a cut field value ends `…`;
//! the rules' columns are as wide as they need, ports before features; `w` on aerleon gives
//! the command that writes the same export.
mod common;
#[path = "common/wizard.rs"]
mod wizard;

use amlfw::tui::app::{App, Effect, Modal, Msg, Step};
use amlfw::tui::theme::Theme;
use amlfw::tui::view::view;
use amlfw::Profile;
use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::backend::TestBackend;
use ratatui::layout::Position;
use ratatui::Terminal;
use std::path::PathBuf;
use tui_input::Input;
use wizard::{key, screen, to_target, typ};

const COLOUR: Theme = Theme {
    mono: false,
    ascii: false,
};

fn app_sized(w: u16, h: u16) -> App<'static> {
    let mut p = Profile::builtin_default();
    p.edition = Some(common::PINNED_EDITION.into());
    App::new(common::catalog(), p, None, (w, h), COLOUR)
}

/// The screen and where the cursor was put.
fn screen_and_cursor(a: &App) -> (String, Position) {
    let (w, h) = a.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view(a, f)).unwrap();
    let cursor = t.get_cursor_position().unwrap();
    (screen(a), cursor)
}

/// The character at the cursor's cell (or a space past the text).
fn at(s: &str, p: Position) -> char {
    s.lines()
        .nth(p.y as usize)
        .and_then(|l| l.chars().nth(p.x as usize))
        .unwrap_or(' ')
}

fn open_write_prompt(a: &mut App) {
    a.go_to(Step::Export);
    key(a, KeyCode::Char('w'));
    assert_eq!(a.modal, Modal::PathPrompt);
}

// ---- 2 and 11: long text scrolls sideways ----------------------------------------------------

#[test]
fn a_long_path_in_the_write_prompt_shows_its_end_and_the_cursor_after_it() {
    for (w, h) in [(80, 24), (60, 18)] {
        let mut a = app_sized(w, h);
        open_write_prompt(&mut a);
        key(&mut a, KeyCode::Char('/'));
        typ(&mut a, &"deep/".repeat(30));
        typ(&mut a, "rules-END.json");
        let (s, c) = screen_and_cursor(&a);
        let row = s.lines().nth(c.y as usize).unwrap();
        assert!(row.contains("rules-END.json │"), "{w}x{h}\n{s}");
        // The cursor is just after the text, inside the box.
        assert_eq!(row.chars().nth(c.x as usize - 1), Some('n'), "{c:?}\n{s}");
        assert_eq!(at(&s, c), ' ', "{c:?}\n{s}");
        // Home scrolls back to the start.
        key(&mut a, KeyCode::Home);
        let (s, c) = screen_and_cursor(&a);
        assert_eq!(at(&s, c), '/', "{c:?}\n{s}");
        assert!(s
            .lines()
            .nth(c.y as usize)
            .unwrap()
            .contains("│/deep/deep/"));
    }
}

#[test]
fn a_long_cidr_list_in_a_field_edit_shows_its_end_and_its_mark() {
    let mut a = app_sized(80, 24);
    a.go_to(Step::Workspace);
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Enter);
    let list: Vec<String> = (0..12).map(|i| format!("10.0.{i}.0/24")).collect();
    typ(&mut a, &list.join(", "));
    let (s, c) = screen_and_cursor(&a);
    let row = s.lines().nth(c.y as usize).unwrap();
    assert!(row.contains("10.0.11.0/24 ] ✓"), "{s}");
    assert_eq!(at(&s, c), ' ', "{c:?}\n{s}");
    assert_eq!(at(&s, Position::new(c.x + 1, c.y)), ']', "{c:?}\n{s}");
    insta::assert_snapshot!("workspace_long_sources_80x24", s);
    // At the start the text fills the same room: the bracket and the mark do not move.
    let mark = row.chars().position(|ch| ch == '✓');
    key(&mut a, KeyCode::Home);
    let (s, c) = screen_and_cursor(&a);
    let row = s.lines().nth(c.y as usize).unwrap();
    assert!(row.contains("[10.0.0.0/24, "), "{s}");
    assert_eq!(row.chars().position(|ch| ch == '✓'), mark, "{s}");
    assert_eq!(at(&s, c), '1', "{c:?}\n{s}");
}

#[test]
fn a_long_filter_shows_its_end() {
    let mut a = app_sized(60, 18);
    a.go_to(Step::Region);
    key(&mut a, KeyCode::Char('/'));
    typ(&mut a, &"x".repeat(80));
    typ(&mut a, "END");
    let (s, c) = screen_and_cursor(&a);
    let row = s.lines().nth(c.y as usize).unwrap();
    assert!(row.contains("xEND"), "{s}");
    assert_eq!(row.chars().nth(c.x as usize - 1), Some('D'), "{c:?}\n{s}");
}

/// 65,530 characters put the cursor's column past u16: drawn, not a panic (debug builds
/// check the arithmetic).
#[test]
fn a_huge_input_draws_without_overflow() {
    let huge = "a".repeat(65_530);
    let mut a = app_sized(80, 24);
    open_write_prompt(&mut a);
    a.path.input = Input::new(huge.clone());
    let (s, _) = screen_and_cursor(&a);
    assert!(s.contains("aaaa │"), "{s}");
    a.modal = Modal::None;
    a.go_to(Step::Workspace);
    key(&mut a, KeyCode::Enter);
    a.workspace.inputs[0] = Input::new(huge.clone());
    screen_and_cursor(&a);
    a.go_to(Step::Features);
    key(&mut a, KeyCode::Char('/'));
    a.features.filter.input = Input::new(huge);
    screen_and_cursor(&a);
}

// ---- 9: "n" to overwrite keeps the name ------------------------------------------------------

#[test]
fn no_to_overwrite_goes_back_to_the_name_as_typed() {
    let mut a = app_sized(80, 24);
    open_write_prompt(&mut a);
    typ(&mut a, "mine.tf");
    let effects = key(&mut a, KeyCode::Enter);
    let [Effect::Write { path, .. }] = &effects[..] else {
        panic!("{effects:?}")
    };
    a.update(Msg::WriteFailed {
        path: path.clone(),
        message: String::new(),
        exists: true,
        missing_dir: false,
    });
    assert!(matches!(a.modal, Modal::ConfirmOverwrite { .. }));
    key(&mut a, KeyCode::Char('n'));
    assert_eq!(a.modal, Modal::PathPrompt);
    assert_eq!(a.path.value(), "mine.tf");
    // Typing goes on from the name instead of replacing it.
    typ(&mut a, "x");
    assert_eq!(a.path.value(), "mine.tfx");
    assert_eq!(path, &PathBuf::from("mine.tf"));
}

// ---- 7: the step bar keeps the current step --------------------------------------------------

fn click(a: &mut App, column: u16) {
    a.update(Msg::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row: 0,
        modifiers: KeyModifiers::NONE,
    }));
}

#[test]
fn the_step_bar_shows_the_current_step_whole_and_clicks_match_it() {
    for (w, h, name) in [
        (60, 18, None),
        (80, 24, Some("production-west")),
        (60, 18, Some("production-west")),
    ] {
        for step in Step::ALL {
            let mut a = app_sized(w, h);
            a.profile_name = name.map(String::from);
            a.go_to(step);
            let s = screen(&a);
            // The trailing space was cut with the line's blanks.
            let bar = &format!("{} ", s.lines().next().unwrap());
            let current = format!("[{}. {}]", step.index() + 1, step.title());
            assert!(bar.contains(&current), "{w}x{h} {name:?}\n{bar}");
            // Every other step is named or numbered whole, never cut.
            for other in Step::ALL {
                let n = format!("{}", other.index() + 1);
                assert!(
                    bar.contains(&format!(" {n} "))
                        || bar.contains(&format!("[{n}. "))
                        || bar.contains(&format!(" {n}. {} ", other.title())),
                    "{bar}"
                );
            }
            // A click on a step's number goes there; on the current step it stays.
            let title = bar.find(' ').unwrap();
            let steps = bar.split("edition").next().unwrap();
            for (col, ch) in steps.char_indices().skip(title) {
                let Some(d) = ch.to_digit(10) else { continue };
                click(&mut a, col as u16);
                assert_eq!(a.step, Step::ALL[d as usize - 1], "column {col} of\n{bar}");
                a.go_to(step);
            }
        }
    }
}

// ---- 8: the prompt's hint keeps "Esc" --------------------------------------------------------

#[test]
fn the_prompt_hint_is_shortened_by_whole_parts_and_keeps_esc() {
    for w in [60, 70, 80] {
        let mut a = app_sized(w, 24);
        open_write_prompt(&mut a);
        let s = screen(&a);
        assert!(s.lines().any(|l| l.contains(" · Esc cancels ")), "{w}\n{s}");
        if w == 70 {
            insta::assert_snapshot!("write_prompt_70x24", s);
        }
    }
}

// ---- Round 3, 1: a hint names the label the Workspace step shows ------------------------------

/// Every setting a warning's hint can name (each workspace option the 2026-03 edition asks
/// about, and each profile field a hint names) is said by the label the Workspace step really
/// renders, never by the option's longer catalog title; the CLI's message keeps the flag.
#[test]
fn hints_name_labels_the_workspace_step_renders() {
    let mut p = Profile::new(amlfw::Cloud::Public, "eastus2");
    p.edition = Some("2026-03".into());
    p.features = common::features_of_edition_but_private("2026-03");
    p.validate(common::catalog()).unwrap();
    let rs = amlfw::resolve(common::catalog(), &p).unwrap();
    let mut a = App::new(common::catalog(), p, None, (120, 50), COLOUR);
    a.go_to(Step::Workspace);
    let s = screen(&a);
    let rendered = |label: &str| {
        s.lines()
            .any(|l| l.trim_start_matches(['│', ' ', '>']).starts_with(label))
    };
    let label_of = |shown: &str| -> String {
        let label = shown
            .split_once("' on the Workspace step")
            .and_then(|(before, _)| before.rsplit_once('\''))
            .map(|(_, l)| l.to_string())
            .unwrap_or_else(|| panic!("{shown}"));
        assert!(
            rendered(&label),
            "{label:?} of {shown:?} is not a field of\n{s}"
        );
        label
    };
    let mut named = std::collections::BTreeSet::new();
    for w in rs.warnings.iter().filter(|w| w.hint.is_some()) {
        let n = w.hint.as_ref().unwrap().setting.named();
        // The CLI's wording is the flag (the DNS hint has always named the profile key).
        assert!(
            w.message.contains(n.cli) || w.message.contains(n.key),
            "{}",
            w.message
        );
        label_of(&amlfw::tui::preview::worded(w));
        named.insert(n.key.to_string());
    }
    // Not vacuous: the options this profile leaves unsaid and each field a hint names fired.
    for k in [
        "compute_public_ip",
        "private_endpoints",
        "storage_firewall",
        "storage_account",
        "acr_name",
        "workspace_id",
        "sources",
        "aks_dns_servers",
    ] {
        assert!(named.contains(k), "no hint named {k}: {named:?}");
    }
    // Every option of the catalog, also those no requirement of today asks about (a hint names
    // an option by its key, flag and catalog title, as `resolve` builds it).
    for o in &common::catalog().options {
        let w = amlfw::rules::Warning {
            code: "option-default".into(),
            message: String::new(),
            rules: vec![],
            concerns: vec![],
            hint: Some(amlfw::rules::Hint {
                setting: amlfw::rules::Setting::Option {
                    key: o.key(),
                    cli: format!("--{}", o.id),
                    label: o.title.clone(),
                },
                before: String::new(),
                template: "set {} if it applies",
            }),
        };
        label_of(&amlfw::tui::preview::worded(&w));
    }
}

// ---- Round 3, 2: a Service Tags path is shown whole, escaped ----------------------------------

/// The status line says which path is being read (the read error's text is checked with the
/// reader, `tui::tests::a_tags_read_error_says_why_then_the_whole_path`), a typed control
/// character escaped rather than sent to the terminal.
#[test]
fn the_tags_path_is_shown_whole_and_escaped() {
    let mut a = app_sized(200, 24);
    a.load_tags(PathBuf::from("/nonexistent/x\u{1b}[2J.json"));
    let said = a.status.as_ref().unwrap().text.clone();
    assert!(!said.contains('\u{1b}'), "{said:?}");
    assert!(said.contains("/nonexistent/x\\u{1b}[2J.json"), "{said:?}");
}

// ---- Round 3, 3: Esc that undoes an edit clears its note --------------------------------------

/// Enter on a refused value says "not kept yet: fix it, or Esc undoes the edit"; Esc answers
/// it, so the note goes with the edit and does not follow to another step.
#[test]
fn esc_that_undoes_an_edit_clears_its_note() {
    let mut a = app_sized(80, 24);
    a.go_to(Step::Workspace);
    key(&mut a, KeyCode::Enter);
    typ(&mut a, "Bad_Name");
    key(&mut a, KeyCode::Enter);
    assert!(screen(&a).contains("note: Storage account: not kept yet"));
    key(&mut a, KeyCode::Esc);
    let s = screen(&a);
    assert!(a.workspace.editing.is_none());
    assert!(s.contains("(none)"), "{s}");
    assert!(!s.contains("not kept yet"), "{s}");
    key(&mut a, KeyCode::Tab);
    assert_eq!(a.step, Step::Features);
    assert!(!screen(&a).contains("not kept yet"));
}

// ---- Round 3, 4: "n" to the quit question returns to the open edit ---------------------------

fn ctrl_q(a: &mut App) -> Vec<Effect> {
    a.update(Msg::Key(crossterm::event::KeyEvent::new(
        KeyCode::Char('q'),
        KeyModifiers::CONTROL,
    )))
}

/// Ctrl-Q while a field is edited, then "n": the edit is open as it was, for a valid value
/// (not committed: Esc still undoes it) and for a refused one (not thrown away).
#[test]
fn no_to_quit_returns_to_the_open_edit_as_it_was() {
    for (typed, refused) in [("goodname1", false), ("Bad_Name", true)] {
        let mut a = app_sized(80, 24);
        a.go_to(Step::Workspace);
        // Unsaved choices, so that Ctrl-Q asks: DNS proxy on (the fifth field).
        for _ in 0..4 {
            key(&mut a, KeyCode::Down);
        }
        key(&mut a, KeyCode::Char(' '));
        for _ in 0..4 {
            key(&mut a, KeyCode::Up);
        }
        key(&mut a, KeyCode::Enter);
        typ(&mut a, typed);
        key(&mut a, KeyCode::Left);
        key(&mut a, KeyCode::Left);
        let (before, cursor) = screen_and_cursor(&a);
        let status = a.status.clone().map(|s| s.text);
        assert!(ctrl_q(&mut a).is_empty());
        assert_eq!(a.modal, Modal::ConfirmQuit);
        key(&mut a, KeyCode::Char('n'));
        assert_eq!(a.modal, Modal::None);
        assert!(a.workspace.editing.is_some(), "{typed}: the edit was ended");
        assert_eq!(a.workspace.inputs[0].value(), typed);
        assert_eq!(a.workspace.inputs[0].cursor(), typed.len() - 2);
        assert_eq!(a.workspace.errors[0].is_some(), refused, "{typed}");
        assert_eq!(a.status.clone().map(|s| s.text), status, "{typed}");
        assert_eq!(screen_and_cursor(&a), (before, cursor), "{typed}");
        // Still editable, and Esc still undoes the edit.
        typ(&mut a, "x");
        assert_eq!(a.workspace.inputs[0].value().len(), typed.len() + 1);
        key(&mut a, KeyCode::Esc);
        assert!(a.workspace.editing.is_none());
        assert_eq!(a.profile.storage_account, None, "{typed}");
        assert!(screen(&a).contains("(none)"));
    }
}

// ---- Round 3, 5: ! on Export shows every warning of the export's header -----------------------

/// With DNS proxy on and AKS features, `!` on Export lists as many warnings as the export's
/// header has `Warning:` lines (azfw-policy-arm's own "NEEDS DNS proxy" one too), and then the
/// rules the export leaves out, each with its remote, rule and reason.
#[test]
fn warnings_on_export_are_those_of_the_exports_header() {
    let mut p = Profile::new(amlfw::Cloud::Public, "eastus2");
    p.edition = Some(common::PINNED_EDITION.into());
    p.features = common::all_features_but_private();
    p.dns_proxy = true;
    p.validate(common::catalog()).unwrap();
    let mut a = App::new(common::catalog(), p, None, (100, 30), COLOUR);
    a.go_to(Step::Export);
    let mut checked = 0;
    for (i, t) in amlfw::export::targets().iter().enumerate() {
        while a.export.nav.cursor < i {
            key(&mut a, KeyCode::Down);
        }
        let Some(Ok(e)) = a.export.view.as_ref().map(|v| v.result.clone()) else {
            continue;
        };
        if t.shows_every_warning() {
            continue;
        }
        let in_header = e.text.matches("Warning: ").count();
        key(&mut a, KeyCode::Char('!'));
        let Modal::Detail { title, lines, .. } = a.modal.clone() else {
            panic!("{}", t.id())
        };
        let shown = lines.iter().filter(|l| l.starts_with("! ")).count();
        assert_eq!(shown, in_header, "{}: {lines:#?}", t.id());
        assert_eq!(title, format!("{in_header} warnings for {}", t.id()));
        for u in &e.unexpressed {
            let line = format!("  {} ({}): {}", u.remote, u.rule_id, u.reason);
            assert!(lines.contains(&line), "{}: {line} in {lines:#?}", t.id());
        }
        if t.id() == "azfw-policy-arm" {
            assert!(lines
                .iter()
                .any(|l| l.starts_with("! this export NEEDS DNS proxy enabled")));
            assert!(!e.unexpressed.is_empty());
            // Wrapped, not cut: the overlay's text has no ellipsis.
            assert!(!screen(&a).contains('…'));
        }
        key(&mut a, KeyCode::Esc);
        checked += 1;
    }
    assert!(checked > 10, "{checked}");
}

// ---- Round 4, 1: a cut message is reachable whole ----------------------------------------------

/// The status line's row (the one above the footer).
fn status_row(s: &str) -> String {
    let rows: Vec<&str> = s.lines().collect();
    rows[rows.len() - 2].to_string()
}

/// The first line of the `!` overlay, which is the latest message whole.
fn last_message_in_warnings(a: &mut App) -> String {
    key(a, KeyCode::Char('!'));
    let Modal::Detail { lines, .. } = a.modal.clone() else {
        panic!("{:?}", a.modal)
    };
    key(a, KeyCode::Esc);
    lines[0].clone()
}

/// A profile with a misspelled key (line 7) and a save under a device name: the errors the
/// store gives are longer than the status line at 120 and 80 columns. The line says that it is
/// cut and where to read the rest, and `!` has the message whole, cause included.
#[test]
fn a_long_error_is_cut_with_a_mark_and_shown_whole_by_the_warnings_view() {
    let dir = tempfile::tempdir().unwrap();
    let store = amlfw::store::Store::at(dir.path().join("a-config-directory-with-a-long-name"));
    std::fs::create_dir_all(store.profiles_dir()).unwrap();
    let text = "schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\n\
                edition = \"2026-03\"\nfeatures = []\nsources = []\nacr_nmae = \"x\"\n";
    std::fs::write(store.profiles_dir().join("broken.toml"), text).unwrap();
    let open_error = store
        .load("broken", common::catalog())
        .unwrap_err()
        .to_string();
    assert!(
        open_error.contains("unknown field `acr_nmae`"),
        "{open_error}"
    );
    let save_error = store
        .save("CON", &Profile::builtin_default(), false)
        .unwrap_err()
        .to_string();
    for (w, h) in [(120, 30), (80, 24)] {
        let mut a = app_sized(w, h);
        a.update(Msg::ProfileLoaded {
            name: "broken".into(),
            result: Err(open_error.clone()),
        });
        let row = status_row(&screen(&a));
        assert!(row.starts_with("error: "), "{w}x{h}: {row}");
        assert!(row.ends_with("… · ! shows it whole"), "{w}x{h}: {row}");
        assert_eq!(
            last_message_in_warnings(&mut a),
            format!("Last message: error: {open_error}")
        );
        // On screen, wrapped: the cause is there.
        key(&mut a, KeyCode::Char('!'));
        assert!(screen(&a).contains("acr_nmae"), "{w}x{h}\n{}", screen(&a));
        key(&mut a, KeyCode::Esc);

        a.update(Msg::ProfileSaved {
            name: "CON".into(),
            result: Err(save_error.clone()),
            exists: false,
        });
        let row = status_row(&screen(&a));
        assert!(row.ends_with("… · ! shows it whole"), "{w}x{h}: {row}");
        assert_eq!(
            last_message_in_warnings(&mut a),
            format!("Last message: error: {save_error}")
        );
    }
    // A message that fits is shown as it is, without the mark.
    let mut a = app_sized(120, 30);
    a.update(Msg::ProfileLoaded {
        name: "gone".into(),
        result: Err("no profile gone".into()),
    });
    assert_eq!(status_row(&screen(&a)), "error: no profile gone");
}

// ---- Round 4, 2: a committed value too long for its row says it is cut ------------------------

/// The screen's row that starts with the field's label (after the list marker).
fn field_row(s: &str, label: &str) -> String {
    s.lines()
        .find(|l| l.chars().skip(3).collect::<String>().starts_with(label))
        .unwrap_or_else(|| panic!("no row {label}\n{s}"))
        .to_string()
}

#[test]
fn a_cut_field_value_ends_with_an_ellipsis_and_a_cut_list_says_how_many_more() {
    let mut p = Profile::builtin_default();
    p.edition = Some(common::PINNED_EDITION.into());
    p.sources = (0..7).map(|i| format!("10.0.{i}.0/24")).collect();
    p.aks_dns_servers = (1..=6).map(|i| format!("10.1.0.{i}")).collect();
    p.workspace_id = Some("0a1b2c3d-4e5f-6789-abcd-ef0123456789".into());
    p.validate(common::catalog()).unwrap();
    for (w, h) in [(80, 24), (60, 18)] {
        let mut a = App::new(common::catalog(), p.clone(), None, (w, h), COLOUR);
        a.go_to(Step::Workspace);
        let s = screen(&a);
        let row = field_row(&s, "Source CIDRs");
        // Whole items, then how many are left out, inside the panel.
        let cut = row.trim_end_matches('│').trim_end();
        let more: usize = cut
            .rsplit_once("… (+")
            .and_then(|(_, n)| n.strip_suffix(')'))
            .unwrap_or_else(|| panic!("{w}x{h}: {row}"))
            .parse()
            .unwrap();
        let shown = cut.matches("/24").count();
        assert_eq!(shown + more, 7, "{w}x{h}: {row}");
        assert!(
            cut.contains(&format!("10.0.{}.0/24, … (+{more})", shown - 1)),
            "{row}"
        );
        for _ in 0..5 {
            key(&mut a, KeyCode::Down);
        }
        let dns = field_row(&screen(&a), "AKS DNS servers");
        assert!(
            dns.trim_end_matches('│').trim_end().ends_with(')'),
            "{w}x{h}: {dns}"
        );
        // A value that is no list: cut with `…` (the GUID is longer than the row at 60).
        key(&mut a, KeyCode::End);
        let s = screen(&a);
        let id = field_row(&s, "Workspace ID");
        let id = id.trim_end_matches('│').trim_end();
        assert!(
            id.ends_with("0a1b2c3d-4e5f-6789-abcd-ef0123456789") || id.ends_with('…'),
            "{w}x{h}: {id}"
        );
        if w == 60 {
            assert!(id.ends_with('…'), "{id}");
        }
    }
    // Wide enough, the list is whole.
    let mut a = App::new(common::catalog(), p, None, (160, 40), COLOUR);
    a.go_to(Step::Workspace);
    let row = field_row(&screen(&a), "Source CIDRs");
    assert!(row.contains("10.0.5.0/24, 10.0.6.0/24 "), "{row}");
    assert!(!row.contains('…'), "{row}");
}

/// A broken profile's error in the picker is cut with `…` at the box's edge (Enter says it).
#[test]
fn a_cut_profile_summary_in_the_picker_ends_with_an_ellipsis() {
    let mut a = app_sized(80, 24);
    key(&mut a, KeyCode::Char('p'));
    let summary = format!(
        "line 7, column 1: unknown field `acr_nmae`, {}",
        "x".repeat(80)
    );
    a.update(Msg::ProfilesListed(Ok(vec![amlfw::tui::app::ProfileRow {
        name: "broken".into(),
        summary,
        ok: false,
    }])));
    let s = screen(&a);
    let row = s.lines().find(|l| l.contains("broken")).unwrap();
    assert!(row.contains("`acr_nmae`…│"), "{s}");
}

// ---- Round 4, 3: the rules' columns get their width by need -----------------------------------

/// At 120 columns every rule's ports are whole (they were cut at 16 while the features column
/// had room to spare); at 80 a column too narrow for a cell still ends it with `…`.
#[test]
fn the_rules_columns_give_the_ports_their_width_before_the_features() {
    let mut p = Profile::new(amlfw::Cloud::Public, "eastus2");
    p.edition = Some(common::PINNED_EDITION.into());
    p.features = common::all_features_but_private();
    p.validate(common::catalog()).unwrap();
    let rs = amlfw::resolve(common::catalog(), &p).unwrap();
    // The rule rows, in the rule set's order, under the table's head.
    let rule_rows = |w: u16| -> Vec<String> {
        let a = App::new(common::catalog(), p.clone(), None, (w, 400), COLOUR);
        let s = screen(&a);
        let rows: Vec<String> = s
            .lines()
            .skip_while(|l| !l.contains("KIND    DESTINATION"))
            .skip(1)
            .take(rs.rules.len())
            .map(str::to_string)
            .collect();
        assert_eq!(rows.len(), rs.rules.len(), "{s}");
        rows
    };
    let (longest, _) = rs
        .rules
        .iter()
        .enumerate()
        .max_by_key(|(_, r)| r.ports_label().len())
        .unwrap();
    let label = rs.rules[longest].ports_label();
    assert!(label.len() > 24, "{label}");
    for (r, row) in rs.rules.iter().zip(rule_rows(120)) {
        assert!(
            row.contains(&format!(" {} ", r.remote)),
            "{}: {row}",
            r.remote
        );
        assert!(
            row.contains(&format!(" {} ", r.ports_label())),
            "{}: {row}",
            r.ports_label()
        );
    }
    let cut = &rule_rows(80)[longest];
    assert!(!cut.contains(&label), "{cut}");
    assert!(cut.contains(&format!(" {}", &label[..8])), "{cut}");
    assert!(cut.contains("… "), "{cut}");
}

// ---- Round 4, 4: `w` on a multi-file target gives a command that repeats the choices --------

fn status_text(a: &App) -> String {
    a.status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

/// What `w` on the aerleon target says.
fn w_on_aerleon(a: &mut App) -> String {
    to_target(a, "aerleon");
    key(a, KeyCode::Char('w'));
    status_text(a)
}

/// The command is the one in backquotes.
fn command_in(said: &str) -> String {
    said.split('`')
        .nth(1)
        .unwrap_or_else(|| panic!("{said}"))
        .to_string()
}

/// Opened from a saved profile with a Service Tags file read, `w` on aerleon names both (the
/// path quoted for the shell), and the command run as given writes the export; changed
/// choices are to be saved first; without a profile the command has a NAME to fill in.
#[test]
fn w_on_aerleon_gives_a_command_with_the_profile_and_the_service_tags_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = amlfw::store::Store::at(dir.path().join("config"));
    let mut p = Profile::new(amlfw::Cloud::Public, "westeurope");
    p.edition = Some(common::PINNED_EDITION.into());
    p.features = vec!["compute-cluster".into()];
    p.validate(common::catalog()).unwrap();
    store.save("prod", &p, false).unwrap();
    let tags_dir = dir.path().join("my tags");
    std::fs::create_dir_all(&tags_dir).unwrap();
    let tags_path = tags_dir.join("ServiceTags_Public.json");
    std::fs::copy(
        common::fixture("servicetags/ServiceTags_Public.376.json"),
        &tags_path,
    )
    .unwrap();
    let index = std::sync::Arc::new(
        amlfw::servicetags::TagIndex::from_json(&std::fs::read_to_string(&tags_path).unwrap())
            .unwrap(),
    );
    let read_tags = |a: &mut App| {
        a.load_tags(tags_path.clone());
        a.update(Msg::TagsLoaded {
            path: tags_path.clone(),
            result: amlfw::tui::tags::LoadedTags(Ok((index.clone(), None))),
        });
    };
    let quoted_tags = format!("'{}'", tags_path.display());

    let mut a = app_sized(120, 30);
    a.open_profile("prod".into(), p.clone());
    read_tags(&mut a);
    let said = w_on_aerleon(&mut a);
    let cmd = command_in(&said);
    assert_eq!(
        cmd,
        format!("amlfw export -t aerleon --profile prod --service-tags {quoted_tags} -o DIR"),
        "{said}"
    );
    assert!(!said.contains("save"), "{said}");

    // Run as given (with the binary's path and a directory for DIR).
    let out = dir.path().join("out");
    let line = format!(
        "{} {}",
        env!("CARGO_BIN_EXE_amlfw"),
        cmd.strip_prefix("amlfw ")
            .unwrap()
            .replace(" DIR", &format!(" '{}'", out.display()))
    );
    let run = std::process::Command::new("sh")
        .args(["-c", &line])
        .env("AMLFW_CONFIG_DIR", store.config_dir())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{line}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(std::fs::read_dir(&out).unwrap().count() > 0);

    // Changed choices: saved first, under the same name.
    a.go_to(Step::Features);
    key(&mut a, KeyCode::Char(' '));
    assert!(a.dirty());
    let said = w_on_aerleon(&mut a);
    assert!(
        said.contains("save these choices as a profile (p)"),
        "{said}"
    );
    assert!(command_in(&said).starts_with("amlfw export -t aerleon --profile prod "));

    // No profile: the name is to be given.
    let mut a = app_sized(120, 30);
    read_tags(&mut a);
    let said = w_on_aerleon(&mut a);
    assert!(
        said.contains("save these choices as a profile (p)"),
        "{said}"
    );
    assert_eq!(
        command_in(&said),
        format!("amlfw export -t aerleon --profile NAME --service-tags {quoted_tags} -o DIR")
    );
}
