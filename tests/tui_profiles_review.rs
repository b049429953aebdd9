//! Review findings on opening and saving profiles and on the zoomed Export step: unsaved
//! choices are not replaced without a second Enter, a refused save leaves the choices as they
//! were, an opened profile clears the feature filter and says when the Service Tags file no
//! longer fits, and zoomed Export keys scroll the text instead of the hidden target list.
mod common;
#[path = "common/wizard.rs"]
mod wizard;

use amlfw::tui::app::{App, Effect, Modal, Msg, ProfileRow, Step};
use amlfw::tui::tags::LoadedTags;
use amlfw::tui::theme::Theme;
use amlfw::{Cloud, Profile};
use crossterm::event::KeyCode;
use std::sync::Arc;
use wizard::{key, typ};

fn app() -> App<'static> {
    let mut p = Profile::builtin_default();
    p.edition = Some(common::PINNED_EDITION.into());
    let theme = Theme {
        mono: false,
        ascii: false,
    };
    App::new(common::catalog(), p, None, (100, 30), theme)
}

fn status(a: &App) -> String {
    a.status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn picker_with(a: &mut App, names: &[&str]) {
    key(a, KeyCode::Char('p'));
    let rows = names
        .iter()
        .map(|n| ProfileRow {
            name: n.to_string(),
            summary: "usgov usgovvirginia, 1 features".into(),
            ok: true,
        })
        .collect();
    a.update(Msg::ProfilesListed(Ok(rows)));
}

fn usgov() -> Profile {
    let mut p = Profile::new(Cloud::Usgov, "usgovvirginia");
    p.edition = Some(common::PINNED_EDITION.into());
    p
}

#[test]
fn opening_a_profile_over_unsaved_choices_takes_a_second_enter() {
    let mut a = app();
    a.go_to(Step::Features);
    key(&mut a, KeyCode::Char(' '));
    assert!(a.dirty());
    picker_with(&mut a, &["gov", "other"]);
    // The first Enter only asks.
    assert!(key(&mut a, KeyCode::Enter).is_empty());
    assert!(
        status(&a).contains("Enter again opens gov"),
        "{}",
        status(&a)
    );
    assert_eq!(a.modal, Modal::Profiles);
    // Another key drops the question: Enter on another row asks again, for that row.
    key(&mut a, KeyCode::Down);
    assert!(key(&mut a, KeyCode::Enter).is_empty());
    assert!(
        status(&a).contains("Enter again opens other"),
        "{}",
        status(&a)
    );
    assert_eq!(
        key(&mut a, KeyCode::Enter),
        vec![Effect::LoadProfile {
            name: "other".into()
        }]
    );
    // Without unsaved choices one Enter opens.
    let mut b = app();
    picker_with(&mut b, &["gov"]);
    assert_eq!(
        key(&mut b, KeyCode::Enter),
        vec![Effect::LoadProfile { name: "gov".into() }]
    );
}

#[test]
fn a_refused_save_leaves_the_choices_unchanged() {
    let mut a = app();
    a.profile.edition = None;
    a.baseline = a.profile.clone();
    assert!(!a.dirty());
    picker_with(&mut a, &[]);
    key(&mut a, KeyCode::Char('s'));
    typ(&mut a, "a");
    let effects = key(&mut a, KeyCode::Enter);
    // The saved profile records the edition; the choices do not, yet.
    assert!(
        matches!(&effects[0], Effect::SaveProfile { profile, .. } if profile.edition.is_some())
    );
    assert_eq!(a.profile.edition, None);
    a.update(Msg::ProfileSaved {
        name: "a".into(),
        result: Err("exists".into()),
        exists: true,
    });
    key(&mut a, KeyCode::Char('n'));
    key(&mut a, KeyCode::Esc);
    assert!(!a.dirty(), "nothing was changed or saved");
    // A save that succeeds pins the edition in the choices too.
    key(&mut a, KeyCode::Char('p'));
    key(&mut a, KeyCode::Char('s'));
    key(&mut a, KeyCode::Enter);
    a.update(Msg::ProfileSaved {
        name: "a".into(),
        result: Ok(()),
        exists: false,
    });
    assert!(a.profile.edition.is_some() && !a.dirty());
}

#[test]
fn an_opened_profile_clears_the_feature_filter_and_checks_the_tags_cloud() {
    let mut a = app();
    a.load_tags("ServiceTags_Public.json".into());
    a.update(Msg::TagsLoaded {
        path: "ServiceTags_Public.json".into(),
        result: LoadedTags(Ok((
            Arc::new(common::service_tags(Cloud::Public).clone()),
            None,
        ))),
    });
    a.go_to(Step::Features);
    key(&mut a, KeyCode::Char('/'));
    typ(&mut a, "dns");
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.features.filter.query(), "dns");
    a.update(Msg::ProfileLoaded {
        name: "gov".into(),
        result: Ok(Box::new(usgov())),
    });
    assert_eq!(a.features.filter.query(), "");
    assert!(
        status(&a).contains("Service Tags file is Public's, not AzureGovernment's"),
        "{}",
        status(&a)
    );
}

#[test]
fn zoomed_export_keys_scroll_the_text_not_the_hidden_list() {
    let mut a = app();
    a.go_to(Step::Export);
    let target = a.export.nav.cursor;
    key(&mut a, KeyCode::Char('z'));
    assert!(a.zoom);
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Down);
    assert_eq!(a.export.nav.cursor, target, "the target stays");
    assert_eq!(a.export.scroll, 2);
    key(&mut a, KeyCode::Up);
    assert_eq!(a.export.scroll, 1);
    key(&mut a, KeyCode::End);
    assert!(a.export.scroll > 10, "{}", a.export.scroll);
    key(&mut a, KeyCode::Home);
    assert_eq!((a.export.scroll, a.export.nav.cursor), (0, target));
    // Unzoomed, the same keys choose the target again.
    key(&mut a, KeyCode::Char('z'));
    key(&mut a, KeyCode::Down);
    assert_eq!(a.export.nav.cursor, target + 1);
}
