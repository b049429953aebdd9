//! The wizard's second round of fixes (issue 20, points 4, 5, 6, 8 and 9, and issue 21's
//! loading state), on `update` and on TestBackend snapshots. The end-to-end checks of point 4
//! at 80x24 are in `tui_e2e.rs`.
mod common;
#[path = "common/wizard.rs"]
mod wizard;

use amlfw::tui::app::{App, Effect, Level, Modal, Msg, Step};
use amlfw::tui::tags::LoadedTags;
use amlfw::tui::theme::Theme;
use amlfw::{Cloud, Profile};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::PathBuf;
use std::sync::Arc;
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

fn status(a: &App) -> String {
    a.status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

// ---- 4: a layout that fits the step ---------------------------------------------------------

/// Export: the step has every row but the rules' summary line; the step's rows elsewhere follow
/// its content, and z gives the focused pane everything.
#[test]
fn the_layout_fits_the_step_and_z_zooms_the_focused_pane() {
    let mut a = app_sized(80, 24);
    a.go_to(Step::Export);
    let areas = a.areas();
    assert_eq!(areas.main.height, 20);
    assert_eq!(areas.preview.height, 1);
    let s = screen(&a);
    let summary = s.lines().nth(21).unwrap();
    assert!(
        summary.starts_with(&format!("Rules 2021-09: {} · ", a.rule_count()))
            && summary.contains("! shows them"),
        "{s}"
    );
    // The Cloud step wants 8 rows; the preview gets the rest.
    a.go_to(Step::Cloud);
    assert_eq!(a.areas().main.height, 8);
    // At 160x48 the Features list is full: no empty rows under the last feature shown.
    let mut big = app_sized(160, 48);
    big.go_to(Step::Features);
    let list = amlfw::tui::layout::step_list(Step::Features, big.areas().main);
    assert!(big.features.rows.len() >= list.height as usize);
    // Zoom: the focused pane takes the body, the other none; again gives it back.
    key(&mut big, KeyCode::Char('z'));
    assert_eq!(big.areas().main.height, 45);
    assert_eq!(big.areas().preview.height, 0);
    assert!(screen(&big).contains("zoom (z)"));
    key(&mut big, KeyCode::Char('r'));
    assert_eq!(big.areas().preview.height, 45);
    key(&mut big, KeyCode::Char('z'));
    assert_eq!(big.areas().main.height, 24);
}

/// The export head says where the view is and what is left out; ←/→ scroll the text sideways,
/// never past its widest line.
#[test]
fn the_export_text_scrolls_sideways_and_says_where_it_is() {
    let mut a = app_sized(80, 24);
    to_target(&mut a, "azfw-policy-arm");
    let v = a.export.view.clone().unwrap();
    let s = screen(&a);
    assert!(
        s.contains(&format!("line 1/{}", v.line_count)) && s.contains("not covered"),
        "{s}"
    );
    key(&mut a, KeyCode::PageDown);
    assert!(screen(&a).contains(&format!("line 18/{}", v.line_count)));
    key(&mut a, KeyCode::Right);
    key(&mut a, KeyCode::Char('l'));
    assert_eq!(a.export.hscroll, 16);
    assert!(screen(&a).contains("col 17"));
    for _ in 0..1000 {
        key(&mut a, KeyCode::Right);
    }
    let (text_w, widest) = (58, v.width);
    assert_eq!(a.export.hscroll, widest - text_w);
    key(&mut a, KeyCode::Left);
    assert_eq!(a.export.hscroll, widest - text_w - 8);
    // Another target starts at its top-left corner.
    key(&mut a, KeyCode::Down);
    assert_eq!((a.export.scroll, a.export.hscroll), (0, 0));
    insta::assert_snapshot!("export_zoomed_scrolled_80x24", {
        key(&mut a, KeyCode::Char('z'));
        key(&mut a, KeyCode::PageDown);
        key(&mut a, KeyCode::Right);
        screen(&a)
    });
}

// ---- 5: warnings, whole ---------------------------------------------------------------------

#[test]
fn bang_shows_every_warning_wrapped_and_those_of_the_target_on_export() {
    let mut a = app_sized(80, 24);
    let all = a.rules.as_ref().unwrap().warnings.len();
    key(&mut a, KeyCode::Char('!'));
    let Modal::Detail { title, lines, .. } = &a.modal else {
        panic!("{:?}", a.modal)
    };
    assert_eq!(title, &format!("{all} warnings"));
    assert_eq!(lines.iter().filter(|l| l.starts_with("! ")).count(), all);
    // Wrapped, not cut: the end of the first warning is on screen.
    let first = a.rules.as_ref().unwrap().warnings[0].message.clone();
    let last_word = first.split_whitespace().last().unwrap().to_string();
    let s = screen(&a);
    assert!(s.contains(&last_word), "{s}");
    insta::assert_snapshot!("warnings_80x24", s);
    // It scrolls, and stops at the end.
    key(&mut a, KeyCode::End);
    let Modal::Detail { scroll, .. } = a.modal else {
        panic!()
    };
    assert!(scroll > 0);
    key(&mut a, KeyCode::Esc);

    // On Export: those of the chosen target, as its header lists them.
    to_target(&mut a, "nsg-arm");
    let shown = a.shown_warnings().len();
    assert!(shown < all, "{shown} of {all}");
    key(&mut a, KeyCode::Char('!'));
    let Modal::Detail { title, lines, .. } = &a.modal else {
        panic!()
    };
    assert_eq!(title, &format!("{shown} warnings for nsg-arm"));
    assert_eq!(lines.iter().filter(|l| l.starts_with("! ")).count(), shown);
}

// ---- 6: errors keep the input ---------------------------------------------------------------

#[test]
fn a_refused_value_is_kept_with_its_reason_wrapped_and_no_check_mark() {
    let mut a = app_sized(80, 24);
    a.go_to(Step::Workspace);
    key(&mut a, KeyCode::Enter);
    typ(&mut a, "My_Storage");
    key(&mut a, KeyCode::Enter);
    assert!(a.workspace.editing.is_some());
    assert_eq!(a.workspace.inputs[0].value(), "My_Storage");
    let reason = a.workspace.errors[0].clone().unwrap();
    let s = screen(&a);
    // The whole reason is on screen (wrapped under the fields), not cut.
    let flat: String = s
        .lines()
        .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains(&reason), "{reason}\n{s}");
    assert!(!s.contains('✓'), "{s}");
    insta::assert_snapshot!("workspace_refused_80x24", s);
    // Corrected in place: Backspace keeps the rest.
    for _ in 0.."My_Storage".len() {
        key(&mut a, KeyCode::Backspace);
    }
    typ(&mut a, "mystorage");
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.profile.storage_account.as_deref(), Some("mystorage"));
    assert!(a.workspace.editing.is_none());
}

/// A refused value left by leaving the step says "not changed"; a later good edit of the same
/// field clears that note.
#[test]
fn the_not_changed_note_goes_with_a_later_good_edit() {
    let mut a = app_sized(80, 24);
    a.go_to(Step::Workspace);
    key(&mut a, KeyCode::Enter);
    typ(&mut a, "AB");
    a.go_to(Step::Workspace);
    assert!(
        status(&a).contains("Storage account: not changed"),
        "{}",
        status(&a)
    );
    key(&mut a, KeyCode::Enter);
    typ(&mut a, "a");
    assert!(status(&a).contains("not changed"), "still invalid");
    typ(&mut a, "bc");
    assert_eq!(a.status, None);
}

#[test]
fn duplicate_sources_show_the_error_not_a_check_mark() {
    let mut a = app_sized(100, 30);
    a.go_to(Step::Workspace);
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Enter);
    typ(&mut a, "10.0.1.0/24, 10.0.1.0/24");
    let s = screen(&a);
    assert!(!s.contains('✓') && s.contains("listed twice"), "{s}");
    // While the text is refused the rules keep the value before the edit, not the valid
    // "10.0.1.0/24, 10.0.1.0/2" typed on the way.
    assert!(a.profile.sources.is_empty(), "{:?}", a.profile.sources);
}

#[test]
fn the_write_dialog_expands_tilde_and_offers_to_create_a_missing_directory() {
    let mut a = app_sized(80, 24);
    a.home = Some(PathBuf::from("/home/admin"));
    to_target(&mut a, "json");
    key(&mut a, KeyCode::Char('w'));
    assert_eq!(a.path.value(), "amlfw-json.json");
    // The suggestion goes with the first character typed.
    typ(&mut a, "~/fw/rules.json");
    assert_eq!(a.path.value(), "~/fw/rules.json");
    let effects = key(&mut a, KeyCode::Enter);
    let [Effect::Write {
        path, create_dir, ..
    }] = &effects[..]
    else {
        panic!("{effects:?}")
    };
    assert_eq!(path, &PathBuf::from("/home/admin/fw/rules.json"));
    assert!(!create_dir);
    // The runtime finds no such directory: the wizard asks, the question names it.
    a.update(Msg::WriteFailed {
        path: path.clone(),
        message: "/home/admin/fw: no such directory".into(),
        exists: false,
        missing_dir: true,
    });
    assert!(matches!(a.modal, Modal::ConfirmCreateDir { .. }));
    let s = screen(&a);
    assert!(s.contains("/home/admin/fw does not exist"), "{s}");
    insta::assert_snapshot!("write_create_dir_80x24", s);
    // n: back to the name, as typed.
    key(&mut a, KeyCode::Char('n'));
    assert_eq!(a.modal, Modal::PathPrompt);
    assert_eq!(a.path.value(), "~/fw/rules.json");
    // y: written with the directory created.
    key(&mut a, KeyCode::Enter);
    a.update(Msg::WriteFailed {
        path: path.clone(),
        message: String::new(),
        exists: false,
        missing_dir: true,
    });
    let effects = key(&mut a, KeyCode::Char('y'));
    assert!(
        matches!(
            &effects[..],
            [Effect::Write {
                create_dir: true,
                ..
            }]
        ),
        "{effects:?}"
    );
    // Any other failure gives the name back for correction, with the reason.
    a.update(Msg::WriteFailed {
        path: path.clone(),
        message: "permission denied".into(),
        exists: false,
        missing_dir: false,
    });
    assert_eq!(a.modal, Modal::PathPrompt);
    assert_eq!(a.path.value(), "~/fw/rules.json");
    assert!(status(&a).contains("permission denied"));
    // Moving the cursor first keeps a suggestion for editing.
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Char('w'));
    key(&mut a, KeyCode::Home);
    typ(&mut a, "out/");
    assert_eq!(a.path.value(), "out/amlfw-json.json");
}

#[test]
fn save_as_replaces_its_suggestion_on_the_first_typed_character() {
    let mut a = app_sized(80, 24);
    key(&mut a, KeyCode::Char('p'));
    key(&mut a, KeyCode::Char('s'));
    assert_eq!(a.profiles.name.value(), "public-eastus2");
    typ(&mut a, "westeuropeprod");
    assert_eq!(a.profiles.name.value(), "westeuropeprod");
}

// ---- 8 and issue 21: the Service Tags file --------------------------------------------------

fn loaded(cloud: Cloud) -> LoadedTags {
    LoadedTags(Ok((Arc::new(common::service_tags(cloud).clone()), None)))
}

#[test]
fn service_tags_load_after_the_first_frame_with_a_visible_state() {
    let mut a = app_sized(80, 24);
    let effect = a.load_tags(PathBuf::from("ServiceTags_Public.json"));
    assert_eq!(
        effect,
        Effect::LoadTags {
            path: "ServiceTags_Public.json".into()
        }
    );
    assert!(status(&a).contains("loading Service Tags file"));
    to_target(&mut a, "iptables");
    let err = a.export.view.as_ref().unwrap().result.clone().unwrap_err();
    assert!(err.contains("loading the Service Tags file"), "{err}");
    insta::assert_snapshot!("tags_loading_80x24", screen(&a));
    a.update(Msg::TagsLoaded {
        path: "ServiceTags_Public.json".into(),
        result: loaded(Cloud::Public),
    });
    assert_eq!(a.tags_loading, None);
    assert!(
        status(&a).starts_with("read ServiceTags_Public.json (Public"),
        "{}",
        status(&a)
    );
    let text = &a
        .export
        .view
        .as_ref()
        .unwrap()
        .result
        .as_ref()
        .unwrap()
        .text;
    assert!(text.contains("-A "), "the iptables export follows at once");
}

#[test]
fn t_opens_a_service_tags_file_and_names_a_wrong_cloud_or_a_bad_file() {
    let mut a = app_sized(80, 24);
    a.home = Some(PathBuf::from("/data"));
    key(&mut a, KeyCode::Char('t'));
    assert_eq!(a.modal, Modal::TagsPrompt);
    insta::assert_snapshot!("tags_prompt_80x24", screen(&a));
    typ(&mut a, "~/gov.json");
    let effects = key(&mut a, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![Effect::LoadTags {
            path: "/data/gov.json".into()
        }]
    );
    // Another cloud's file: kept, and named (not ignored).
    a.update(Msg::TagsLoaded {
        path: "/data/gov.json".into(),
        result: loaded(Cloud::Usgov),
    });
    let st = a.status.clone().unwrap();
    assert_eq!(st.level, Level::Warn);
    assert!(
        st.text.contains("AzureGovernment's, not Public's"),
        "{}",
        st.text
    );
    to_target(&mut a, "iptables");
    let err = a.export.view.as_ref().unwrap().result.clone().unwrap_err();
    assert!(err.contains("for cloud AzureGovernment"), "{err}");
    // Switching to that cloud makes it usable.
    a.go_to(Step::Cloud);
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Char(' '));
    assert!(a.usable_tags().is_some());
    // A file that cannot be read is said, naming it; the index in use stays.
    key(&mut a, KeyCode::Char('t'));
    assert_eq!(
        a.tags_path.value(),
        "~/gov.json",
        "the last path is offered"
    );
    key(&mut a, KeyCode::Enter);
    a.update(Msg::TagsLoaded {
        path: "/data/gov.json".into(),
        result: LoadedTags(Err("/data/gov.json: expected value at line 1".into())),
    });
    let st = a.status.clone().unwrap();
    assert_eq!(st.level, Level::Error);
    assert!(st.text.contains("/data/gov.json"), "{}", st.text);
    assert!(a.usable_tags().is_some());
    // Two files opened one after the other: the result of the first, arriving last, does not
    // replace the second.
    a.load_tags("/data/first.json".into());
    a.load_tags("/data/second.json".into());
    a.update(Msg::TagsLoaded {
        path: "/data/second.json".into(),
        result: loaded(Cloud::China),
    });
    a.update(Msg::TagsLoaded {
        path: "/data/first.json".into(),
        result: loaded(Cloud::Public),
    });
    assert_eq!(a.tags.as_ref().unwrap().cloud, "China");
}

// ---- 9: consistency -------------------------------------------------------------------------

/// Region and Features filter alike: `/`, typing, Enter keeps the filter, Esc clears it;
/// outside the filter line j, k and q are keys.
#[test]
fn region_and_features_filter_alike() {
    for step in [Step::Region, Step::Features] {
        let mut a = app_sized(80, 24);
        a.go_to(step);
        let rows = |a: &App| match step {
            Step::Region => a.region.rows.len(),
            _ => a.features.rows.len(),
        };
        let all = rows(&a);
        key(&mut a, KeyCode::Char('j'));
        assert_eq!(rows(&a), all, "{step:?}: j moves, it does not filter");
        typ(&mut a, "/no");
        assert!(rows(&a) < all, "{step:?}: typing after / filters");
        key(&mut a, KeyCode::Enter);
        let filtered = rows(&a);
        key(&mut a, KeyCode::Char('k'));
        assert_eq!(rows(&a), filtered, "{step:?}: after Enter, k moves again");
        key(&mut a, KeyCode::Esc);
        assert_eq!(rows(&a), all, "{step:?}: Esc clears the filter");
        assert_eq!(key(&mut a, KeyCode::Char('q')), vec![Effect::Quit]);
    }
}

#[test]
fn a_too_small_screen_says_how_to_quit_and_q_works() {
    let mut a = app_sized(40, 12);
    a.go_to(Step::Region);
    let s = screen(&a);
    assert!(s.contains("press q to quit"), "{s}");
    insta::assert_snapshot!("too_small_40x12", s);
    // Keys of the hidden steps do nothing; q quits, here where it would be text elsewhere.
    key(&mut a, KeyCode::Char('/'));
    assert!(!a.region.filter.active);
    assert_eq!(key(&mut a, KeyCode::Char('q')), vec![Effect::Quit]);
    // With unsaved choices it asks, on the same small screen.
    let mut a = app_sized(40, 12);
    a.profile.region = "westeurope".into();
    assert!(key(&mut a, KeyCode::Char('q')).is_empty());
    assert!(screen(&a).contains("y quits anyway"), "{}", screen(&a));
    assert_eq!(key(&mut a, KeyCode::Char('y')), vec![Effect::Quit]);
    // Ctrl-Z suspends from anywhere.
    let mut a = app_sized(80, 24);
    assert_eq!(
        a.update(Msg::Key(KeyEvent::new(
            KeyCode::Char('z'),
            KeyModifiers::CONTROL
        ))),
        vec![Effect::Suspend]
    );
}

#[test]
fn basic_terminals_get_ascii_borders() {
    assert!(["linux", "vt100", "dumb"]
        .iter()
        .all(|t| amlfw::tui::theme::is_basic_term(t)));
    assert!(!amlfw::tui::theme::is_basic_term("xterm-256color"));
    let mut p = Profile::builtin_default();
    p.edition = Some(common::PINNED_EDITION.into());
    let theme = Theme {
        mono: true,
        ascii: true,
    };
    let mut a = App::new(common::catalog(), p, None, (80, 24), theme);
    a.go_to(Step::Workspace);
    key(&mut a, KeyCode::Enter);
    typ(&mut a, "ok01");
    let s = screen(&a);
    assert!(
        s.is_ascii() || !s.chars().any(|c| "┌┐└┘│─✓✗".contains(c)),
        "{s}"
    );
    assert!(s.contains("+> 3. Workspace---"), "{s}");
    insta::assert_snapshot!("workspace_ascii_80x24", s);
}

/// Warnings whose hint names a setting name the wizard's field, never a command-line flag
/// (the CLI and the exports keep the flag).
#[test]
fn hints_name_the_wizards_fields_not_flags() {
    // No sources, storage account, registry or workspace id: the hints that name them fire.
    let rs = common::rules(
        "schema_version = 1\nedition = \"2026-03\"\ncloud = \"public\"\nregion = \"eastus2\"\nfeatures = [\"compute-instance\", \"kubernetes-compute\"]\n",
    );
    let hinted: Vec<_> = rs.warnings.iter().filter(|w| w.hint.is_some()).collect();
    assert!(hinted.len() >= 2, "{:#?}", rs.warnings);
    for w in hinted {
        let shown = amlfw::tui::preview::worded(w);
        let h = w.hint.as_ref().unwrap();
        let named = h.setting.named();
        assert!(w.message.contains(named.cli), "{}", w.message);
        assert!(!shown.contains(named.cli), "{shown}");
        // The step's label (an option's short one, not its catalog title).
        let label = amlfw::tui::step::field::Field::of_setting(named.key)
            .unwrap()
            .label();
        assert!(
            shown.contains(&format!("'{label}' on the Workspace step")),
            "{shown}"
        );
    }
}

/// Help at 80 columns: a long description wraps between words under itself, so every word of
/// every key's description is on the screen (none is cut at the frame).
#[test]
fn help_wraps_long_descriptions_between_words() {
    let mut a = app_sized(80, 50);
    a.go_to(Step::Export);
    key(&mut a, KeyCode::Char('?'));
    let s = screen(&a);
    let words: Vec<&str> = s
        .lines()
        .flat_map(|l| l.split(['│', ' ']))
        .filter(|w| !w.is_empty())
        .collect();
    for b in amlfw::tui::keys::bindings(amlfw::tui::keys::Ctx::Export) {
        for w in b.desc.split(' ') {
            assert!(
                words.contains(&w),
                "{w:?} of {:?} is cut or missing:\n{s}",
                b.desc
            );
        }
    }
    assert!(
        words.contains(&"scrolls."),
        "the mouse note wraps too:\n{s}"
    );
}
