//! The wizard's state machine (`update`) and its rendering (`view`) with ratatui's TestBackend.
mod common;
#[path = "common/wizard.rs"]
mod wizard;

use amlfw::tui::app::{App, Effect, Modal, Msg, Step};
use amlfw::tui::theme::Theme;
use amlfw::tui::view::view;
use amlfw::{Cloud, Profile};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use wizard::{key, screen, typ};

const COLOUR: Theme = Theme {
    mono: false,
    ascii: false,
};

/// The snapshots were made with the 2021-09 edition's rules; the wizard's own default (the
/// newest edition) is checked in `the_wizard_starts_with_the_newest_edition`.
fn pinned(mut p: Profile) -> Profile {
    p.edition = Some(common::PINNED_EDITION.into());
    p
}

fn app(profile: Profile, w: u16, h: u16) -> App<'static> {
    App::new(common::catalog(), profile, None, (w, h), COLOUR)
}

fn default_app() -> App<'static> {
    app(pinned(Profile::builtin_default()), 100, 30)
}

fn ctrl(a: &mut App, c: char) -> Vec<Effect> {
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
}

fn ids(a: &App) -> Vec<String> {
    a.rules
        .as_ref()
        .unwrap()
        .rules
        .iter()
        .map(|r| r.remote.to_string())
        .collect()
}

// ---- update: every step --------------------------------------------------------------------

#[test]
fn cloud_step_chooses_a_cloud_and_remembers_regions() {
    let mut a = default_app();
    assert_eq!(a.step, Step::Cloud);
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.profile.cloud, Cloud::Usgov);
    assert_eq!(a.profile.region, "usgovvirginia");
    assert_eq!(a.step, Step::Region);
    assert!(ids(&a).contains(&"Storage.USGovVirginia".to_string()));
    // Back to public: the region chosen there before comes back.
    key(&mut a, KeyCode::BackTab);
    key(&mut a, KeyCode::Up);
    key(&mut a, KeyCode::Char(' '));
    assert_eq!(a.profile.cloud, Cloud::Public);
    assert_eq!(a.profile.region, "eastus2");
}

#[test]
fn region_step_filters_fuzzily_and_chooses() {
    let mut a = default_app();
    key(&mut a, KeyCode::Tab);
    assert_eq!(a.step, Step::Region);
    // Lists filter alike (issue 20, point 9): `/`, the text, Enter keeps the filter.
    typ(&mut a, "/frcen");
    let first = a
        .region
        .rows
        .first()
        .map(|i| a.catalog.regions[*i].name.clone());
    assert_eq!(first.as_deref(), Some("francecentral"));
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.step, Step::Region);
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.profile.region, "francecentral");
    assert_eq!(a.step, Step::Workspace);
    assert!(ids(&a).contains(&"Storage.FranceCentral".to_string()));
    // 'q' is text in the filter line, not quit.
    key(&mut a, KeyCode::BackTab);
    key(&mut a, KeyCode::Char('/'));
    let effects = key(&mut a, KeyCode::Char('q'));
    assert!(effects.is_empty() && !a.quit);
    assert_eq!(a.region.filter.value(), "q");
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.region.filter.value(), "");
}

#[test]
fn region_filter_with_no_match_does_not_choose() {
    let mut a = default_app();
    key(&mut a, KeyCode::Tab);
    typ(&mut a, "/zzzzqqq");
    assert!(a.region.rows.is_empty());
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.step, Step::Region);
    assert_eq!(a.profile.region, "eastus2");
}

#[test]
fn workspace_fields_validate_as_you_type() {
    let mut a = default_app();
    a.go_to(Step::Workspace);
    key(&mut a, KeyCode::Enter); // edit storage account
    typ(&mut a, "AB");
    assert!(a.workspace.errors[0]
        .as_deref()
        .unwrap()
        .contains("lowercase"));
    assert_eq!(a.profile.storage_account, None);
    for _ in 0..2 {
        key(&mut a, KeyCode::Backspace);
    }
    typ(&mut a, "amlstore01");
    assert_eq!(a.workspace.errors[0], None);
    assert_eq!(a.profile.storage_account.as_deref(), Some("amlstore01"));
    key(&mut a, KeyCode::Enter);
    // Sources: an invalid CIDR keeps the last valid value and says why.
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Enter);
    typ(&mut a, "10.0.1.0/24, 10.0.2.0/33");
    assert!(a.workspace.errors[2].is_some());
    // Enter on an invalid value keeps it, typed as it was, to be fixed (issue 20, point 6).
    key(&mut a, KeyCode::Enter);
    assert!(a.status.as_ref().unwrap().text.contains("fix it"));
    assert_eq!(a.workspace.inputs[2].value(), "10.0.1.0/24, 10.0.2.0/33");
    assert!(a.workspace.editing.is_some());
    // Fixed, it goes live and the note about it goes.
    key(&mut a, KeyCode::Backspace);
    key(&mut a, KeyCode::Backspace);
    typ(&mut a, "24");
    assert_eq!(a.profile.sources, ["10.0.1.0/24", "10.0.2.0/24"]);
    assert!(a.status.is_none(), "{:?}", a.status);
    key(&mut a, KeyCode::Esc);
    // Leaving the step with an invalid value: not even the valid first half typed on the
    // way stays behind, and the status says so.
    key(&mut a, KeyCode::Enter);
    typ(&mut a, "10.0.1.0/24, 10.0.2.0/33");
    a.go_to(Step::Features);
    assert!(a.status.as_ref().unwrap().text.contains("not changed"));
    assert!(a.profile.sources.is_empty(), "{:?}", a.profile.sources);
    a.go_to(Step::Workspace);
    // Esc undoes an edit.
    key(&mut a, KeyCode::Enter);
    typ(&mut a, "10.9.0.0/16");
    assert_eq!(a.profile.sources, ["10.9.0.0/16"]);
    key(&mut a, KeyCode::Esc);
    assert!(a.profile.sources.is_empty());
}

#[test]
fn inbound_routes_cycle_and_change_the_rules() {
    let mut a = default_app();
    a.go_to(Step::Workspace);
    for _ in 0..3 {
        key(&mut a, KeyCode::Down);
    }
    key(&mut a, KeyCode::Char(' ')); // auto -> service-tags
    key(&mut a, KeyCode::Char(' ')); // -> ip-prefixes
    assert_eq!(
        a.profile.inbound_routes,
        Some(amlfw::InboundRoutes::IpPrefixes)
    );
    assert!(ids(&a).contains(&"AzureMachineLearning.CentralUS".to_string()));
    key(&mut a, KeyCode::Char(' ')); // -> none
    assert!(!ids(&a)
        .iter()
        .any(|r| r.starts_with("AzureMachineLearning.")));
}

#[test]
fn dns_proxy_toggles_and_moves_the_host_name_network_rule_in_the_azfw_export() {
    let mut p = Profile::new(Cloud::Public, "eastus2");
    p.features = vec!["aks".into()];
    let mut a = app(p, 100, 30);
    a.go_to(Step::Workspace);
    for _ in 0..4 {
        key(&mut a, KeyCode::Down);
    }
    assert!(
        screen(&a).contains("> Firewall DNS proxy   off"),
        "{}",
        screen(&a)
    );
    assert!(screen(&a).contains("every Azure Firewall rule allows ANY source"));
    key(&mut a, KeyCode::Char(' '));
    assert!(a.profile.dns_proxy);
    assert!(screen(&a).contains("Firewall DNS proxy   on"));
    a.go_to(Step::Export);
    let covered = |a: &App| {
        let v = a.export.view.as_ref().unwrap();
        !v.result
            .as_ref()
            .unwrap()
            .unexpressed
            .iter()
            .any(|u| u.remote == "ntp.ubuntu.com")
    };
    assert!(
        covered(&a),
        "with DNS proxy the NTP rule is in the Azure Firewall export"
    );
    a.go_to(Step::Workspace);
    key(&mut a, KeyCode::Char(' '));
    assert!(!a.profile.dns_proxy);
    a.go_to(Step::Export);
    assert!(!covered(&a), "without it, it is not");
    // A source silences the any-source warning.
    a.go_to(Step::Workspace);
    a.profile.sources = vec!["10.0.1.0/24".into()];
    assert!(!screen(&a).contains("allows ANY source"));
}

#[test]
fn features_toggle_with_dependencies_both_ways() {
    let mut a = app(pinned(Profile::new(Cloud::Public, "eastus2")), 100, 30);
    a.go_to(Step::Features);
    key(&mut a, KeyCode::Char('/'));
    typ(&mut a, "aks-gpu");
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Char(' '));
    assert!(a.profile.has_feature("aks-gpu") && a.profile.has_feature("aks"));
    assert!(a.status.as_ref().unwrap().text.contains("needs aks"));
    assert!(ids(&a).contains(&"nvidia.github.io".to_string()));
    // Unticking aks unticks aks-gpu too, and says so.
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Char('/'));
    typ(&mut a, "aks inference");
    key(&mut a, KeyCode::Enter);
    let row = a
        .features
        .rows
        .iter()
        .position(|i| a.catalog.features[*i].id == "aks")
        .unwrap();
    a.toggle_feature_at(row);
    assert!(!a.profile.has_feature("aks") && !a.profile.has_feature("aks-gpu"));
    assert!(a.status.as_ref().unwrap().text.contains("aks-gpu"));
}

#[test]
fn moving_back_never_loses_choices() {
    let mut a = default_app();
    a.go_to(Step::Workspace);
    key(&mut a, KeyCode::Enter);
    typ(&mut a, "amlstore01");
    key(&mut a, KeyCode::Enter);
    a.go_to(Step::Features);
    key(&mut a, KeyCode::Char(' '));
    let chosen = a.profile.clone();
    for _ in 0..6 {
        key(&mut a, KeyCode::BackTab);
    }
    assert_eq!(a.step, Step::Cloud);
    for _ in 0..6 {
        key(&mut a, KeyCode::Tab);
    }
    assert_eq!(a.step, Step::Export);
    assert_eq!(a.profile, chosen);
}

#[test]
fn export_step_writes_with_a_prompt_and_asks_before_overwriting() {
    let mut a = default_app();
    a.go_to(Step::Export);
    let json = amlfw::export::targets()
        .iter()
        .position(|t| t.id() == "json")
        .unwrap();
    for _ in 0..json {
        key(&mut a, KeyCode::Down);
    }
    assert!(a.export.view.as_ref().unwrap().result.is_ok());
    key(&mut a, KeyCode::Char('w'));
    assert_eq!(a.modal, Modal::PathPrompt);
    assert_eq!(a.path.value(), "amlfw-json.json");
    let effects = key(&mut a, KeyCode::Enter);
    let Effect::Write {
        path,
        text,
        overwrite,
        target,
        ..
    } = &effects[0]
    else {
        panic!("{effects:?}")
    };
    assert_eq!(
        (path.to_str().unwrap(), *overwrite, *target),
        ("amlfw-json.json", false, "json")
    );
    let rs = a.rules.as_ref().unwrap();
    let expected = amlfw::export::find("json")
        .unwrap()
        .render(rs, &Default::default())
        .unwrap()
        .text;
    assert_eq!(text, &expected);
    // The runtime reports that the file exists: the wizard asks, and y writes over it.
    a.update(Msg::WriteFailed {
        path: path.clone(),
        message: "exists".into(),
        exists: true,
        missing_dir: false,
    });
    assert!(matches!(a.modal, Modal::ConfirmOverwrite { .. }));
    let effects = key(&mut a, KeyCode::Char('y'));
    assert!(matches!(
        &effects[0],
        Effect::Write {
            overwrite: true,
            ..
        }
    ));
    a.update(Msg::Written {
        path: path.clone(),
        bytes: 10,
        target: "json",
    });
    assert!(a.status.as_ref().unwrap().text.starts_with("wrote"));
}

#[test]
fn targets_needing_service_tags_say_so() {
    let mut a = default_app();
    a.go_to(Step::Export);
    let ipt = amlfw::export::targets()
        .iter()
        .position(|t| t.id() == "iptables")
        .unwrap();
    for _ in 0..ipt {
        key(&mut a, KeyCode::Down);
    }
    let err = a.export.view.as_ref().unwrap().result.as_ref().unwrap_err();
    assert!(err.contains("--service-tags"), "{err}");
    key(&mut a, KeyCode::Char('w'));
    assert_eq!(a.modal, Modal::None, "nothing to write");
}

/// Prefixes are parsed when a tag is first used, so a malformed one in the Service Tags file
/// does not stop the wizard: the export of a target that expands its tag shows the error.
#[test]
fn a_bad_prefix_in_a_used_tag_is_the_export_preview_error() {
    let mut doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::fixture("servicetags/ServiceTags_Public.376.json"))
            .unwrap(),
    )
    .unwrap();
    let storage = doc["values"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|v| v["name"] == "Storage.EastUS2")
        .unwrap();
    storage["properties"]["addressPrefixes"][0] = "10.0.0.300/24".into();
    let tags =
        std::sync::Arc::new(amlfw::servicetags::TagIndex::from_json(&doc.to_string()).unwrap());
    let mut a = App::new(
        common::catalog(),
        pinned(Profile::builtin_default()),
        Some(tags),
        (200, 40),
        COLOUR,
    );
    a.go_to(Step::Export);
    let message = "service tag 'Storage.EastUS2' has an invalid address prefix '10.0.0.300/24'";
    for (i, t) in amlfw::export::targets().iter().enumerate() {
        while a.export.nav.cursor < i {
            key(&mut a, KeyCode::Down);
        }
        let result = &a.export.view.as_ref().unwrap().result;
        match t.id() {
            "iptables" | "nftables" | "json" => {
                assert_eq!(result.as_ref().unwrap_err(), message, "{}", t.id());
                assert!(screen(&a).contains(message), "{}", t.id());
                key(&mut a, KeyCode::Char('w'));
                assert_eq!(a.modal, Modal::None, "nothing to write");
            }
            // Azure Firewall and NSG targets name the tags; they need no prefixes.
            id if matches!(
                t.family(),
                amlfw::export::Family::AzureFirewall | amlfw::export::Family::Nsg
            ) =>
            {
                assert!(result.is_ok(), "{id}: {result:?}")
            }
            _ => {}
        }
    }
}

#[test]
fn copy_is_an_effect_and_its_failure_is_reported() {
    let mut a = default_app();
    a.go_to(Step::Export);
    let effects = key(&mut a, KeyCode::Char('y'));
    assert!(matches!(&effects[0], Effect::Copy { .. }));
    a.update(Msg::CopyFailed {
        message: "no clipboard".into(),
    });
    assert!(a.status.as_ref().unwrap().text.contains("no clipboard"));
}

#[test]
fn quitting_asks_only_with_unsaved_changes() {
    let mut a = default_app();
    assert_eq!(key(&mut a, KeyCode::Char('q')), vec![Effect::Quit]);
    let mut a = default_app();
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Char(' ')); // usgov
    assert!(a.dirty());
    assert!(key(&mut a, KeyCode::Char('q')).is_empty());
    assert_eq!(a.modal, Modal::ConfirmQuit);
    key(&mut a, KeyCode::Char('n'));
    assert_eq!(a.modal, Modal::None);
    key(&mut a, KeyCode::Char('q'));
    assert_eq!(key(&mut a, KeyCode::Char('y')), vec![Effect::Quit]);
    // Ctrl-C quits at once, even in a text field.
    let mut a = default_app();
    a.go_to(Step::Region);
    assert_eq!(ctrl(&mut a, 'c'), vec![Effect::Quit]);
}

#[test]
fn preview_opens_a_rule_detail_with_sources_and_targets() {
    let mut a = default_app();
    key(&mut a, KeyCode::Char('r'));
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Enter);
    let Modal::Detail { title, lines, .. } = &a.modal else {
        panic!("{:?}", a.modal)
    };
    assert_eq!(title, "Rule aml-tag-aml");
    let text = lines.join("\n");
    assert!(text.contains("SEED"), "{text}");
    assert!(text.contains("nsg-arm"), "{text}");
    assert!(text.contains("hosts             NOT covered"), "{text}");
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.modal, Modal::None);
}

#[test]
fn help_lists_the_keys_of_the_screen_under_it() {
    let mut a = default_app();
    a.go_to(Step::Features);
    key(&mut a, KeyCode::Char('?'));
    let s = screen(&a);
    assert!(s.contains("Keys on this screen (Features)"), "{s}");
    for b in amlfw::tui::keys::bindings(amlfw::tui::keys::Ctx::Features) {
        assert!(s.contains(b.desc), "help lacks {:?}\n{s}", b.desc);
    }
}

#[test]
fn mouse_clicks_steps_rows_and_rules() {
    let mut a = app(pinned(Profile::builtin_default()), 100, 30);
    let click = |a: &mut App, x: u16, y: u16| {
        a.update(Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: x,
            row: y,
            modifiers: KeyModifiers::NONE,
        }))
    };
    // "amlfw [1. Cloud] >  2. Region ..." : click on "Region".
    let s = screen(&a);
    let x = s.lines().next().unwrap().find("Region").unwrap() as u16;
    click(&mut a, x, 0);
    assert_eq!(a.step, Step::Region);
    a.go_to(Step::Cloud);
    click(&mut a, 5, 3); // second cloud row (row 2 is the first, under the border)
    assert_eq!(a.profile.cloud, Cloud::Usgov);
    // The wheel over the preview moves its cursor.
    let p = a.areas().preview;
    a.update(Msg::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: p.x + 3,
        row: p.y + 3,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(a.preview.nav.cursor, 1);
}

// ---- snapshots -----------------------------------------------------------------------------

fn at_step(step: Step, w: u16, h: u16) -> App<'static> {
    let mut p = pinned(Profile::builtin_default());
    p.storage_account = Some("amlstore01".into());
    p.features.push("notebooks".into());
    let mut a = app(p, w, h);
    a.go_to(step);
    a
}

#[test]
fn snapshots_of_every_step_at_80x24_and_160x48() {
    for (w, h) in [(80, 24), (160, 48)] {
        for step in Step::ALL {
            let a = at_step(step, w, h);
            insta::assert_snapshot!(
                format!("{}_{w}x{h}", step.title().to_lowercase()),
                screen(&a)
            );
        }
    }
}

#[test]
fn snapshots_of_overlays_and_small_screens() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut a = at_step(Step::Features, w, h);
        key(&mut a, KeyCode::Char('?'));
        insta::assert_snapshot!(format!("help_{w}x{h}"), screen(&a));

        let mut a = at_step(Step::Cloud, w, h);
        key(&mut a, KeyCode::Char('r'));
        key(&mut a, KeyCode::Enter);
        insta::assert_snapshot!(format!("detail_{w}x{h}"), screen(&a));
    }

    let a = at_step(Step::Cloud, 50, 12);
    let s = screen(&a);
    assert!(s.contains("terminal too small (need 60x18"), "{s}");
    insta::assert_snapshot!("too_small_50x12", s);
}

#[test]
fn no_color_uses_no_colour_and_marks_selection_with_symbols() {
    let mut p = pinned(Profile::builtin_default());
    p.features.push("notebooks".into());
    let mut a = App::new(
        common::catalog(),
        p,
        None,
        (80, 24),
        Theme {
            mono: true,
            ascii: false,
        },
    );
    a.go_to(Step::Features);
    let (w, h) = a.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view(&a, f)).unwrap();
    let buf = t.backend().buffer();
    for cell in buf.content() {
        assert_eq!(
            cell.fg,
            ratatui::style::Color::Reset,
            "a colour in NO_COLOR mode"
        );
        assert_eq!(
            cell.bg,
            ratatui::style::Color::Reset,
            "a colour in NO_COLOR mode"
        );
        assert!(!cell.modifier.contains(ratatui::style::Modifier::REVERSED));
    }
    let s = screen(&a);
    assert!(
        s.contains("> [x] compute-cluster"),
        "cursor and tick are symbols:\n{s}"
    );
    insta::assert_snapshot!("features_no_color_80x24", s);
}

// ---- robustness ----------------------------------------------------------------------------

#[test]
fn thousands_of_random_keys_and_resizes_never_panic() {
    // A small deterministic generator, so a failure can be replayed.
    let mut seed: u64 = 0x5eed_1234_abcd_ef01;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let codes = [
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::PageUp,
        KeyCode::PageDown,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::Backspace,
        KeyCode::Delete,
        KeyCode::F(1),
    ];
    let chars: Vec<char> = "qwertyuiopasdfghjklzxcvbnm/?!~* 0123456789.,-_$'\"\\é"
        .chars()
        .collect();
    let mut a = default_app();
    let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
    for i in 0..5000 {
        let r = next();
        let msg = match r % 20 {
            0 => {
                let (w, h) = ((r >> 8) % 200 + 1, (r >> 16) % 70 + 1);
                term = Terminal::new(TestBackend::new(w as u16, h as u16)).unwrap();
                Msg::Resize(w as u16, h as u16)
            }
            1 => Msg::Mouse(MouseEvent {
                kind: if r & 256 == 0 {
                    MouseEventKind::Down(MouseButton::Left)
                } else {
                    MouseEventKind::ScrollDown
                },
                column: ((r >> 9) % 220) as u16,
                row: ((r >> 17) % 80) as u16,
                modifiers: KeyModifiers::NONE,
            }),
            2 => Msg::Paste("10.0.0.0/8\nx".into()),
            3..=9 => Msg::Key(KeyEvent::new(
                codes[(r >> 8) as usize % codes.len()],
                KeyModifiers::NONE,
            )),
            _ => Msg::Key(KeyEvent::new(
                KeyCode::Char(chars[(r >> 8) as usize % chars.len()]),
                KeyModifiers::NONE,
            )),
        };
        let effects = a.update(msg);
        if effects.contains(&Effect::Quit) {
            a = default_app();
            let s = term.size().unwrap();
            a.update(Msg::Resize(s.width, s.height));
        }
        term.draw(|f| view(&a, f))
            .unwrap_or_else(|e| panic!("draw {i}: {e}"));
    }
}

#[test]
fn the_readme_keys_table_is_generated_from_the_key_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let start = readme
        .find("<!-- keys:start")
        .expect("README has a keys:start marker");
    let start = start + readme[start..].find("-->\n").unwrap() + 4;
    let end = readme
        .find("<!-- keys:end -->")
        .expect("README has a keys:end marker");
    let table = amlfw::tui::keys::markdown_table();
    if std::env::var_os("AMLFW_UPDATE_GOLDEN").is_some() {
        std::fs::write(
            path,
            format!("{}{table}{}", &readme[..start], &readme[end..]),
        )
        .unwrap();
        return;
    }
    assert!(
        readme[start..end] == table,
        "README.md's keys table is stale: run AMLFW_UPDATE_GOLDEN=1 cargo test --test tui readme"
    );
}

#[test]
fn hostile_values_typed_or_pasted_into_fields_never_reach_the_profile() {
    let hostile = [
        "a'b",
        "a\"b",
        "$(touch /tmp/x)",
        "`id`",
        "${HOME}",
        "a;b",
        "a|b",
        "--x",
        "réseau",
        "\u{202E}x",
        "../x",
        "a\\b",
    ];
    let long = "a".repeat(10 * 1024);
    let mut a = default_app();
    a.go_to(Step::Workspace);
    let before = a.profile.clone();
    for field in 0..amlfw::tui::app::Field::ALL.len() {
        if amlfw::tui::app::Field::ALL[field].is_choice() {
            continue; // a choice, not text
        }
        a.workspace.nav.cursor = field;
        for value in hostile.iter().copied().chain([long.as_str(), "a\nb\0c"]) {
            key(&mut a, KeyCode::Enter); // edit
                                         // Clear the field, then paste the value.
            for _ in 0..12 {
                key(&mut a, KeyCode::Backspace);
            }
            a.update(Msg::Paste(value.to_string()));
            key(&mut a, KeyCode::Enter); // keep: refused, so the old value stays
            assert_eq!(a.profile, before, "field {field} took {value:?}");
            // The refused text stays there to be fixed; Esc undoes the edit.
            assert!(a.workspace.editing.is_some(), "field {field}: {value:?}");
            key(&mut a, KeyCode::Esc);
        }
    }
    let s = screen(&a);
    assert!(
        !s.contains('\u{202E}'),
        "no bidi override reaches the screen"
    );
}

#[test]
fn profile_picker_opens_saves_and_deletes_through_effects() {
    use amlfw::tui::app::ProfileRow;
    let mut a = default_app();
    a.go_to(Step::Features);
    assert_eq!(key(&mut a, KeyCode::Char('p')), vec![Effect::ListProfiles]);
    assert_eq!(a.modal, Modal::Profiles);
    let row = |n: &str, ok: bool| ProfileRow {
        name: n.into(),
        summary: "public eastus2, 1 features".into(),
        ok,
    };
    a.update(Msg::ProfilesListed(Ok(vec![
        row("broken", false),
        row("prod", true),
    ])));
    // A corrupt profile cannot be opened; the picker says why.
    key(&mut a, KeyCode::Enter);
    assert!(a.status.as_ref().unwrap().text.contains("cannot be opened"));
    key(&mut a, KeyCode::Down);
    assert_eq!(
        key(&mut a, KeyCode::Enter),
        vec![Effect::LoadProfile {
            name: "prod".into()
        }]
    );
    let mut loaded = pinned(Profile::new(Cloud::China, "chinaeast2"));
    loaded.features = vec!["studio".into()];
    a.update(Msg::ProfileLoaded {
        name: "prod".into(),
        result: Ok(Box::new(loaded.clone())),
    });
    assert_eq!(a.profile, loaded);
    assert!(!a.dirty());
    assert!(screen(&a).starts_with("amlfw prod "), "{}", screen(&a));
    // Change something: the title says so; save as the same name asks before replacing.
    a.go_to(Step::Features);
    key(&mut a, KeyCode::Char(' '));
    assert!(a.dirty() && screen(&a).starts_with("amlfw prod* "));
    key(&mut a, KeyCode::Char('p'));
    key(&mut a, KeyCode::Char('s'));
    assert_eq!(a.modal, Modal::NamePrompt);
    assert_eq!(a.profiles.name.value(), "prod");
    let effects = key(&mut a, KeyCode::Enter);
    assert!(
        matches!(&effects[0], Effect::SaveProfile { name, overwrite: false, .. } if name == "prod")
    );
    a.update(Msg::ProfileSaved {
        name: "prod".into(),
        result: Err("exists".into()),
        exists: true,
    });
    assert!(matches!(a.modal, Modal::ConfirmReplaceProfile { .. }));
    let effects = key(&mut a, KeyCode::Char('y'));
    assert!(matches!(
        &effects[0],
        Effect::SaveProfile {
            overwrite: true,
            ..
        }
    ));
    a.update(Msg::ProfileSaved {
        name: "prod".into(),
        result: Ok(()),
        exists: false,
    });
    assert!(!a.dirty());
    // A bad name is refused before anything is written.
    key(&mut a, KeyCode::Char('p'));
    key(&mut a, KeyCode::Char('s'));
    key(&mut a, KeyCode::Home);
    a.update(Msg::Paste("../".into()));
    assert!(key(&mut a, KeyCode::Enter).is_empty());
    assert!(a
        .status
        .as_ref()
        .unwrap()
        .text
        .contains("not a valid profile name"));
    // Delete asks first.
    key(&mut a, KeyCode::Esc);
    a.update(Msg::ProfilesListed(Ok(vec![row("prod", true)])));
    key(&mut a, KeyCode::Char('d'));
    assert!(matches!(a.modal, Modal::ConfirmDeleteProfile { .. }));
    assert_eq!(
        key(&mut a, KeyCode::Char('y')),
        vec![Effect::DeleteProfile {
            name: "prod".into()
        }]
    );
}

#[test]
fn the_end_of_a_long_rule_detail_is_reachable_on_a_small_screen() {
    let mut a = at_step(Step::Cloud, 80, 24);
    key(&mut a, KeyCode::Char('r'));
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::End);
    let s = screen(&a);
    // The overlay's bottom border is the last line starting with "└" inside the panel; the
    // row just above it must hold the last line of the detail (no blank over-scroll).
    let lines: Vec<&str> = s.lines().collect();
    let bottom = lines
        .iter()
        .rposition(|l| l.contains("└────") && l.contains("┘"))
        .unwrap();
    let above = lines[..bottom]
        .iter()
        .rev()
        .find(|l| l.contains('│'))
        .unwrap();
    // The detail ends with the last target's (edl-url's) reason, wrapped: its last words are
    // on that row.
    assert!(
        above.contains("the edl-ip target"),
        "the end sits at the bottom after End:\n{s}"
    );
}

/// The write dialog refuses file names with control or bidirectional characters (key mashing
/// once made `amlfw-squid.con7K|pxw+\u{202e}Od*xs`); the prompt stays open to fix the name.
#[test]
fn the_write_dialog_refuses_control_and_bidi_characters_in_file_names() {
    let mut a = default_app();
    a.go_to(Step::Export);
    for bad in [
        "x\u{202E}Od*xs",
        "a\u{1b}[2J",
        "a\u{7f}b",
        "b\u{2066}c",
        "c\u{85}d",
    ] {
        key(&mut a, KeyCode::Char('w'));
        assert_eq!(a.modal, Modal::PathPrompt);
        ctrl(&mut a, 'u');
        typ(&mut a, bad);
        let effects = key(&mut a, KeyCode::Enter);
        assert!(effects.is_empty(), "{bad:?}: {} effects", effects.len());
        assert_eq!(a.modal, Modal::PathPrompt, "{bad:?}");
        let status = &a.status.as_ref().unwrap().text;
        assert!(
            status.contains("control or bidirectional characters")
                && !status.chars().any(amlfw::diag::is_unsafe_char),
            "{bad:?}: {status}"
        );
        key(&mut a, KeyCode::Esc);
    }
    // Ordinary names, letters of any script included, are written.
    key(&mut a, KeyCode::Char('w'));
    ctrl(&mut a, 'u');
    typ(&mut a, "règles prod.tf");
    let effects = key(&mut a, KeyCode::Enter);
    assert!(
        matches!(&effects[..], [Effect::Write { .. }]),
        "{effects:?}"
    );
}

/// A source or DNS server listed twice (even spelt differently) is refused as it is typed.
#[test]
fn the_wizard_refuses_duplicate_and_zero_led_addresses() {
    let mut a = default_app();
    a.go_to(Step::Workspace);
    // Sources is the third field, DNS servers the sixth.
    for (field, bad) in [
        (2, "10.0.1.0/24, 10.0.1.0/24"),
        (2, "10.0.1.5 10.0.1.5/32"),
        (2, "010.0.1.0/24"),
        (5, "10.0.0.4, 10.0.0.4"),
    ] {
        for _ in 0..field {
            key(&mut a, KeyCode::Down);
        }
        key(&mut a, KeyCode::Enter);
        typ(&mut a, bad);
        let err = a.workspace.errors[field].clone();
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("listed twice") || e.contains("leading zero")),
            "{bad}: {err:?}"
        );
        key(&mut a, KeyCode::Enter);
        assert!(a.profile.sources.is_empty() && a.profile.aks_dns_servers.is_empty());
        // No check mark beside a refused value: the reason instead (issue 20, point 6).
        let s = screen(&a);
        assert!(!s.contains('✓') && s.contains("✗"), "{s}");
        key(&mut a, KeyCode::Esc);
        key(&mut a, KeyCode::Home);
    }
}

/// Moves the Workspace step's cursor to `field`.
fn to_field(a: &mut App, field: amlfw::tui::app::Field) {
    a.go_to(Step::Workspace);
    key(a, KeyCode::Home);
    let i = amlfw::tui::app::Field::ALL
        .iter()
        .position(|f| *f == field)
        .unwrap();
    for _ in 0..i {
        key(a, KeyCode::Down);
    }
}

fn remotes(a: &App) -> Vec<(String, String)> {
    a.rules
        .as_ref()
        .unwrap()
        .rules
        .iter()
        .map(|r| (r.remote.to_string(), r.ports_label()))
        .collect()
}

#[test]
fn the_wizard_starts_with_the_newest_edition_and_switches_editions_live() {
    use amlfw::tui::app::Field;
    let mut a = app(Profile::builtin_default(), 160, 48);
    assert_eq!(a.edition(), "2026-03");
    assert!(screen(&a).contains("edition 2026-03"), "{}", screen(&a));
    assert!(remotes(&a).contains(&("BatchNodeManagement.EastUS2".into(), "tcp:443".into())));
    to_field(&mut a, Field::Edition);
    key(&mut a, KeyCode::Char(' ')); // newest -> round to the oldest
    assert_eq!(a.edition(), "2021-09");
    assert_eq!(a.profile.edition.as_deref(), Some("2021-09"));
    let now = remotes(&a);
    assert!(now.contains(&("AzureActiveDirectory".into(), "tcp:*".into())));
    assert!(!now.contains(&("BatchNodeManagement.EastUS2".into(), "tcp:443".into())));
    assert!(screen(&a).contains("Rules 2021-09:"));
    key(&mut a, KeyCode::Left); // and back
    assert_eq!(a.edition(), "2026-03");

    // d: what changes against the other edition, for these choices.
    key(&mut a, KeyCode::Char('d'));
    let Modal::Detail { title, lines, .. } = &a.modal else {
        panic!("no detail: {:?}", a.modal)
    };
    assert_eq!(title, "What changes from edition 2021-09 to 2026-03");
    let text = lines.join("\n");
    assert!(
        text.contains("added    service-tag BatchNodeManagement.EastUS2"),
        "{text}"
    );
    assert!(text.contains("source: FW-2603 (2026-03-19)"), "{text}");
    assert!(text.contains("ports tcp:* -> tcp:80 tcp:443"), "{text}");
}

#[test]
fn options_toggle_and_the_workspace_id_is_checked_as_typed() {
    use amlfw::tui::app::Field;
    let mut a = app(Profile::builtin_default(), 160, 48);
    let inbound = |a: &App| remotes(a).iter().any(|(_, p)| p == "tcp:44224");
    assert!(!inbound(&a));
    to_field(&mut a, Field::ComputePublicIp);
    key(&mut a, KeyCode::Char(' '));
    assert_eq!(a.profile.compute_public_ip, Some(true));
    assert!(inbound(&a));
    // The help names the editions that use the option.
    let help = Field::ComputePublicIp.help_text(common::catalog());
    assert!(help.contains("Used by edition(s): 2026-03"), "{help}");
    assert!(screen(&a).contains("Used by edition(s)"), "{}", screen(&a));
    key(&mut a, KeyCode::Char(' '));
    assert_eq!(a.profile.compute_public_ip, None);
    assert!(!inbound(&a));

    to_field(&mut a, Field::WorkspaceId);
    let i = Field::ALL.len() - 1;
    key(&mut a, KeyCode::Enter);
    typ(&mut a, "x.evil.com");
    assert!(a.workspace.errors[i].as_deref().unwrap().contains("GUID"));
    assert_eq!(a.profile.workspace_id, None);
    key(&mut a, KeyCode::Enter);
    assert!(a.workspace.editing.is_some(), "kept for correction");
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Enter);
    typ(&mut a, "0A1B2C3D-4E5F-6789-ABCD-EF0123456789");
    key(&mut a, KeyCode::Enter);
    assert_eq!(
        a.profile.workspace_id.as_deref(),
        Some("0a1b2c3d-4e5f-6789-abcd-ef0123456789")
    );
}

#[test]
fn a_profile_saved_from_the_wizard_records_its_edition() {
    let mut a = app(Profile::builtin_default(), 100, 30);
    key(&mut a, KeyCode::Char('p'));
    key(&mut a, KeyCode::Char('s'));
    typ(&mut a, "prod");
    let effects = key(&mut a, KeyCode::Enter);
    let saved = effects
        .iter()
        .find_map(|e| match e {
            Effect::SaveProfile { profile, .. } => Some(profile.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no save in {effects:?}"));
    assert_eq!(saved.edition.as_deref(), Some("2026-03"));
}

/// `n` lists the private DNS zones and forwarders for the current cloud and region (issue 18),
/// the same data as `amlfw dns`.
#[test]
fn n_shows_the_private_dns_of_the_current_cloud() {
    let mut a = app(Profile::builtin_default(), 120, 40);
    key(&mut a, KeyCode::Char('n'));
    let Modal::Detail { title, lines, .. } = &a.modal else {
        panic!("no detail: {:?}", a.modal)
    };
    assert!(
        title.contains("Private DNS") && title.contains("eastus2"),
        "{title}"
    );
    let text = lines.join("\n");
    assert!(text.contains("privatelink.api.azureml.ms"), "{text}");
    assert!(text.contains("privatelink.notebooks.azure.net"), "{text}");
    assert!(!text.contains("usgovcloudapi"), "{text}");
    key(&mut a, KeyCode::Esc);
    let mut gov = Profile::new(Cloud::Usgov, "usgovvirginia");
    gov.features = vec!["compute-instance".into()];
    let mut g = app(gov, 120, 40);
    key(&mut g, KeyCode::Char('n'));
    let Modal::Detail { lines, .. } = &g.modal else {
        panic!("no detail")
    };
    let text = lines.join("\n");
    assert!(text.contains("privatelink.api.ml.azure.us"), "{text}");
    assert!(
        text.contains("privatelink.notebooks.usgovcloudapi.net"),
        "{text}"
    );
}

/// The footer says what to do here first: the focused pane's keys, then the step keys, quit
/// and help last; every hint is whole, at any width (issue 20, point 2).
#[test]
fn footer_puts_the_keys_of_this_screen_first_and_never_cuts_a_hint() {
    use amlfw::tui::footer;
    use amlfw::tui::keys::{Ctx, BINDINGS, DOCUMENTED};
    // The drawn footer is footer::text, at both sizes and every step.
    for (w, h) in [(80u16, 24u16), (60, 18)] {
        for step in Step::ALL {
            let a = at_step(step, w, h);
            let s = screen(&a);
            let last = s.lines().nth(h as usize - 1).unwrap();
            assert_eq!(last, footer::text(a.ctx(), w as usize), "{step:?} {w}x{h}");
        }
    }
    for (ctx, first, also) in [
        (Ctx::Cloud, "Enter choose", &["Tab next", "q quit"][..]),
        (Ctx::Region, "Enter choose", &["/ filter", "q quit"]),
        (
            Ctx::RegionFilter,
            "Enter keep filter",
            &["Esc clear filter", "^Q quit"],
        ),
        (Ctx::Workspace, "Enter edit", &["Tab next", "q quit"]),
        (Ctx::WorkspaceEdit, "Enter keep", &["Esc undo", "^Q quit"]),
        (
            Ctx::Features,
            "Space tick",
            &["/ filter", "Tab next", "q quit"],
        ),
        (
            Ctx::FeatureFilter,
            "Enter keep filter",
            &["Esc clear filter"],
        ),
        (
            Ctx::Export,
            "w write file",
            &["y copy", "Tab next", "q quit"],
        ),
        (Ctx::Preview, "Enter details", &["Esc back", "q quit"]),
        (Ctx::Detail, "Esc close", &[]),
        (Ctx::Confirm, "y yes", &["n/Esc no"]),
        (Ctx::Prompt, "Enter done", &["Esc cancel"]),
        (
            Ctx::Profiles,
            "Enter open",
            &["s save as", "d delete", "Esc close"],
        ),
    ] {
        let t = footer::text(ctx, 80);
        assert!(t.starts_with(first), "{ctx:?}: {t}");
        for a in also {
            assert!(t.contains(a), "{ctx:?} lacks {a:?}: {t}");
        }
        let has_help = amlfw::tui::keys::bindings(ctx).any(|b| b.label == "?");
        assert_eq!(t.ends_with("? help"), has_help, "{ctx:?}: {t}");
    }
    // Whole hints only, from the key table, within the width, at every width.
    let whole: Vec<String> = BINDINGS
        .iter()
        .filter(|b| !b.footer.is_empty())
        .map(|b| format!("{} {}", b.label, b.footer))
        .collect();
    for (ctx, _) in DOCUMENTED {
        for cols in 0..=130 {
            let t = footer::text(ctx, cols);
            assert!(t.chars().count() <= cols, "{ctx:?} at {cols}: {t}");
            for hint in t.split("  ").filter(|h| !h.is_empty()) {
                assert!(
                    whole.contains(&hint.to_string()),
                    "{ctx:?} at {cols}: {hint:?} is not a whole hint: {t}"
                );
            }
        }
    }
}

/// A toggle's status counts what changed, the new rows are marked `+` and scrolled into view
/// (TestBackend, 80x24); a toggle that changes nothing says why (issue 20, point 3).
#[test]
fn toggles_count_mark_and_explain_their_change() {
    let toggle = |a: &mut App, id: &str| {
        let row = a
            .features
            .rows
            .iter()
            .position(|i| a.catalog.features[*i].id == id)
            .unwrap();
        a.toggle_feature_at(row);
        a.status.as_ref().unwrap().text.clone()
    };
    let mut a = at_step(Step::Features, 80, 24);
    let before = ids(&a);
    let said = toggle(&mut a, "compute-cluster");
    assert_eq!(
        said,
        "compute-cluster off: no rule changed: already needed by compute-instance"
    );
    assert_eq!(ids(&a), before);
    assert!(a.preview.new_rules.is_empty());

    let said = toggle(&mut a, "vscode");
    let added: Vec<String> = ids(&a)
        .into_iter()
        .filter(|i| !before.contains(i))
        .collect();
    assert!(!added.is_empty());
    assert!(
        said.starts_with(&format!("vscode on: +{} rules", added.len())),
        "{said}"
    );
    let rule_ids = |a: &App| -> Vec<String> {
        let rs = a.rules.as_ref().unwrap();
        rs.rules.iter().map(|r| r.id.to_string()).collect()
    };
    let marked_ids: std::collections::HashSet<String> = rule_ids(&a)
        .into_iter()
        .filter(|id| a.preview.new_rules.contains(id))
        .collect();
    assert_eq!(marked_ids.len(), added.len(), "{:?}", a.preview.new_rules);
    assert_eq!(a.preview.new_rules, marked_ids);
    let s = screen(&a);
    let marked = s.lines().filter(|l| l.starts_with("│+ ")).count();
    assert!(
        marked >= 3,
        "the new rows should be in view, marked +:\n{s}"
    );
    assert!(s.contains(&format!("vscode on: +{}", added.len())), "{s}");

    let said = toggle(&mut a, "vscode");
    assert!(
        said.starts_with(&format!("vscode off: -{} rules", added.len())),
        "{said}"
    );
    assert!(a.preview.new_rules.is_empty());
    assert!(!screen(&a).contains("│+ "));
}

/// A Service Tags file of another cloud is not ignored silently (issue 20, point 8): the
/// wizard says so at the start, and a target that needs prefixes names the file's cloud.
#[test]
fn a_service_tags_file_of_another_cloud_is_named_not_ignored() {
    let public = std::sync::Arc::new(common::service_tags(Cloud::Public).clone());
    let gov = Profile::new(Cloud::Usgov, "usgovvirginia");
    let mut a = App::new(
        common::catalog(),
        gov,
        Some(public.clone()),
        (120, 40),
        COLOUR,
    );
    let status = a
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(
        status.contains("Public's") && status.contains("AzureGovernment's"),
        "{status}"
    );
    a.go_to(Step::Export);
    let i = amlfw::export::targets()
        .iter()
        .position(|t| t.id() == "iptables")
        .unwrap();
    a.export.nav.cursor = i;
    a.go_to(Step::Workspace);
    a.go_to(Step::Export);
    let err = a.export.view.as_ref().unwrap().result.as_ref().unwrap_err();
    assert!(
        err.contains("for cloud Public") && err.contains("AzureGovernment"),
        "{err}"
    );
    // With the right cloud's file there is no such note.
    let ok = App::new(
        common::catalog(),
        Profile::new(Cloud::Public, "eastus2"),
        Some(public),
        (120, 40),
        COLOUR,
    );
    assert!(ok.tags_problem().is_none());
}
