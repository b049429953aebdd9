//! Benchmarks for the budgets in docs/performance.md (`cargo bench --bench perf`).
//!
//! Groups (filter with `cargo bench --bench perf -- NAME`):
//! - `resolve`: the smallest profile (public/eastus2, no features) and the largest
//!   (`full_public()`: every feature but aks-private, every option).
//! - `tui`: one frame of the wizard at 200x60 after a feature toggle, preview included
//!   (`update(Space)` + `view` into a ratatui `TestBackend`), and its two halves apart.
//! - `export`: every target for the largest profile, with the real public Service Tags file.
//! - `servicetags`: loading the real public file (from memory, and with the file read; and
//!   keeping one tag as `amlfw tags` does: the scan from memory and from the file, and the full
//!   parse it falls back to; the 11 tags of a workspace scanned and expanded),
//!   expanding + aggregating the tags of the largest profile (at once; and each alone on first
//!   use after loading, which parses their prefixes), and every tag of the file at once.
//!
//! Nothing here runs under `cargo test`: timing belongs to `cargo bench` and
//! scripts/bench-compare.sh only.

#[path = "../tests/common/mod.rs"]
mod common;

use amlfw::export;
use amlfw::export::ExportOptions;
use amlfw::model::Kind;
use amlfw::rules::RuleSet;
use amlfw::servicetags::TagIndex;
use amlfw::tui::app::{App, Msg, Step};
use amlfw::tui::theme::Theme;
use amlfw::tui::view::view;
use amlfw::{resolve, Cloud, Profile};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use divan::{black_box, Bencher};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::sync::OnceLock;

const PUBLIC_TAGS: &str = "servicetags/ServiceTags_Public.376.json";

fn main() {
    divan::main();
}

// ---- fixtures ------------------------------------------------------------------------------

/// The smallest profile: public cloud, eastus2, no features, no options.
fn smallest_profile() -> Profile {
    let mut p = Profile::new(Cloud::Public, "eastus2");
    p.validate(common::catalog()).unwrap();
    p
}

fn largest_rules() -> &'static RuleSet {
    static R: OnceLock<RuleSet> = OnceLock::new();
    R.get_or_init(common::full_public)
}

fn public_text() -> &'static str {
    static T: OnceLock<String> = OnceLock::new();
    T.get_or_init(|| std::fs::read_to_string(common::fixture(PUBLIC_TAGS)).unwrap())
}

fn public_tags() -> &'static TagIndex {
    common::service_tags(Cloud::Public)
}

/// A loaded public file no benchmark has expanded a tag of: each tag's prefixes are parsed and
/// aggregated on first use and kept, so clones of this one measure the first export after
/// loading (the CLI's case) rather than the wizard's later ones.
fn cold_public_tags() -> &'static TagIndex {
    static T: OnceLock<TagIndex> = OnceLock::new();
    T.get_or_init(|| TagIndex::from_json(public_text()).unwrap())
}

/// Every service-tag remote of the largest profile (outbound tags, inbound sources, routes),
/// as written in the rules, without repeats.
fn largest_profile_tags() -> Vec<&'static str> {
    let mut v: Vec<&str> = largest_rules()
        .rules
        .iter()
        .filter(|r| matches!(r.kind, Kind::ServiceTag | Kind::Inbound | Kind::Route))
        .map(|r| r.remote.as_str())
        .collect();
    v.sort_unstable();
    v.dedup();
    for t in &v {
        assert!(
            public_tags().contains(t),
            "{t} is not in the public Service Tags file"
        );
    }
    v
}

// ---- resolve -------------------------------------------------------------------------------

mod resolve {
    use super::*;

    #[divan::bench(name = "smallest (public/eastus2, no features)")]
    fn smallest(b: Bencher) {
        let catalog = common::catalog();
        let p = smallest_profile();
        b.bench(|| resolve(black_box(catalog), black_box(&p)).unwrap());
    }

    #[divan::bench(name = "largest (full_public)")]
    fn largest(b: Bencher) {
        let catalog = common::catalog();
        let p = common::largest_profile();
        b.bench(|| resolve(black_box(catalog), black_box(&p)).unwrap());
    }
}

// ---- the wizard ----------------------------------------------------------------------------

mod tui {
    use super::*;

    const W: u16 = 200;
    const H: u16 = 60;

    fn space() -> Msg {
        Msg::Key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE))
    }

    /// The wizard on the Features step of the largest profile, the cursor on a ticked feature
    /// that no other feature requires, so toggling it twice gives the same state back.
    fn features_app() -> App<'static> {
        let catalog = common::catalog();
        let mut app = App::new(
            catalog,
            common::largest_profile(),
            Some(std::sync::Arc::new(public_tags().clone())),
            (W, H),
            Theme {
                mono: false,
                ascii: false,
            },
        );
        app.go_to(Step::Features);
        let leaf = app
            .features
            .rows
            .iter()
            .rposition(|&i| {
                let id = &catalog.features[i].id;
                app.profile.has_feature(id)
                    && !catalog.features.iter().any(|f| f.requires.contains(id))
            })
            .expect("a ticked leaf feature");
        // Walk there with the keyboard, so the list scrolls as it would for a person.
        let down = Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
        while app.features.nav.cursor < leaf {
            app.update(down.clone());
        }
        app
    }

    fn terminal() -> Terminal<TestBackend> {
        Terminal::new(TestBackend::new(W, H)).unwrap()
    }

    /// The budgeted number: a toggle (re-resolves the rules) and the full redraw after it.
    #[divan::bench(name = "toggle feature + frame 200x60")]
    fn toggle_and_frame(b: Bencher) {
        let mut app = features_app();
        let mut t = terminal();
        let before = app.rule_count();
        b.bench_local(|| {
            black_box(app.update(space()));
            t.draw(|f| view(&app, f)).unwrap();
        });
        // An even number of toggles leaves the profile as it was; either way it stays sane.
        assert!(app.rule_count() > 0 && before > 0);
    }

    /// The wizard on the Workspace step of the largest 2026-03 profile, the cursor on the
    /// guidance edition.
    fn edition_app() -> App<'static> {
        let mut app = App::new(
            common::catalog(),
            common::largest_profile_2603(),
            Some(std::sync::Arc::new(public_tags().clone())),
            (W, H),
            Theme {
                mono: false,
                ascii: false,
            },
        );
        app.go_to(Step::Workspace);
        let down = Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
        while amlfw::tui::app::Field::ALL[app.workspace.nav.cursor]
            != amlfw::tui::app::Field::Edition
        {
            app.update(down.clone());
        }
        app
    }

    /// Budget: under 2 ms. Switching the edition (Space on the edition field: re-resolves
    /// every rule under the other edition's requirements) and the full redraw after it.
    #[divan::bench(name = "switch edition + frame 200x60")]
    fn switch_edition_and_frame(b: Bencher) {
        let mut app = edition_app();
        let mut t = terminal();
        let start = app.edition().to_string();
        b.bench_local(|| {
            black_box(app.update(space()));
            t.draw(|f| view(&app, f)).unwrap();
        });
        // Two editions: it ends on one of them, with rules.
        assert!(app.rule_count() > 0 && !start.is_empty());
    }

    #[divan::bench(name = "toggle feature (update only)")]
    fn toggle_only(b: Bencher) {
        let mut app = features_app();
        b.bench_local(|| black_box(app.update(space())));
    }

    #[divan::bench(name = "frame 200x60 (draw only)")]
    fn frame_only(b: Bencher) {
        let app = features_app();
        let mut t = terminal();
        b.bench_local(|| {
            t.draw(|f| view(&app, f)).unwrap();
        });
    }
}

// ---- exports -------------------------------------------------------------------------------

mod exports {
    use super::*;

    fn ids() -> Vec<&'static str> {
        export::targets().iter().map(|t| t.id()).collect()
    }

    /// Every target, the largest profile, the real public Service Tags file (targets that do
    /// not use it ignore it). The file's tags have been expanded before, as in the wizard,
    /// which renders the export again after every change.
    #[divan::bench(args = ids())]
    fn largest(b: Bencher, id: &str) {
        let target = export::find(id).unwrap();
        let rs = largest_rules();
        let opts = ExportOptions {
            service_tags: Some(public_tags()),
            ..ExportOptions::default()
        };
        target.render(rs, &opts).unwrap();
        b.bench(|| target.render(black_box(rs), black_box(&opts)).unwrap());
    }

    /// The same, each time with a freshly loaded file (copied outside the timing): the first
    /// export after loading, as `amlfw export` does it.
    #[divan::bench(args = ids(), sample_count = 30)]
    fn largest_first_after_load(b: Bencher, id: &str) {
        let target = export::find(id).unwrap();
        let rs = largest_rules();
        b.with_inputs(|| cold_public_tags().clone())
            .bench_refs(|tags: &mut TagIndex| {
                let opts = ExportOptions {
                    service_tags: Some(tags),
                    ..ExportOptions::default()
                };
                target.render(black_box(rs), &opts).unwrap()
            });
    }
}

// ---- Service Tags --------------------------------------------------------------------------

mod servicetags {
    use super::*;

    #[divan::bench(name = "load public file (from memory)", sample_count = 30)]
    fn load_from_memory(b: Bencher) {
        let text = public_text();
        b.bench(|| TagIndex::from_json(black_box(text)).unwrap());
    }

    /// What `amlfw tags --tag Storage.EastUS2` does after reading the file: keep one tag, skip
    /// the properties of the others.
    #[divan::bench(
        name = "load public file keeping one tag (from memory)",
        sample_count = 30
    )]
    fn load_keeping_one(b: Bencher) {
        let text = public_text();
        b.bench(|| {
            TagIndex::from_json_keeping(black_box(text), |n| {
                n.eq_ignore_ascii_case("Storage.EastUS2")
            })
            .unwrap()
        });
    }

    /// The same with the full parse, the fallback and reference of the scan that
    /// `from_json_keeping` uses (issue 21): serde_json reads the whole file.
    #[divan::bench(
        name = "load public file keeping one tag, full parse (from memory)",
        sample_count = 30
    )]
    fn load_keeping_one_full(b: Bencher) {
        let text = public_text();
        b.bench(|| {
            TagIndex::from_json_keeping_full(black_box(text), |n| {
                n.eq_ignore_ascii_case("Storage.EastUS2")
            })
            .unwrap()
        });
    }

    /// What `amlfw tags --tag Storage.EastUS2` does now: the file read in pieces by the scan,
    /// never whole.
    #[divan::bench(
        name = "load public file keeping one tag (scan of the file)",
        sample_count = 30
    )]
    fn load_keeping_one_from_file(b: Bencher) {
        let path = common::fixture(PUBLIC_TAGS);
        b.bench(|| {
            let file = std::fs::File::open(black_box(&path)).unwrap();
            TagIndex::from_reader_keeping(file, |n| n.eq_ignore_ascii_case("Storage.EastUS2"))
                .expect("the scan takes the real file")
                .0
                .unwrap()
        });
    }

    /// What `amlfw tags` does for the 11 tags of a workspace in East US 2 (issue 21's "11
    /// tags", as `scripts/bench-compare.sh` names them): the scan of the file, the kept
    /// entries parsed, and their prefixes parsed, checked and aggregated together.
    #[divan::bench(
        name = "load public file keeping 11 tags and expand them (scan of the file)",
        sample_count = 30
    )]
    fn load_keeping_eleven_from_file(b: Bencher) {
        const AML11: [&str; 11] = [
            "AzureActiveDirectory",
            "AzureMachineLearning",
            "AzureResourceManager",
            "Storage.EastUS2",
            "AzureKeyVault.EastUS2",
            "AzureContainerRegistry.EastUS2",
            "MicrosoftContainerRegistry.EastUS2",
            "AzureFrontDoor.Frontend",
            "AzureFrontDoor.FirstParty",
            "AzureMonitor",
            "BatchNodeManagement.EastUS2",
        ];
        let path = common::fixture(PUBLIC_TAGS);
        b.bench(|| {
            let file = std::fs::File::open(black_box(&path)).unwrap();
            let index = TagIndex::from_reader_keeping(file, |n| {
                AML11.iter().any(|t| t.eq_ignore_ascii_case(n))
            })
            .expect("the scan takes the real file")
            .0
            .unwrap();
            index.check_prefixes().unwrap();
            index.expand(AML11).unwrap()
        });
    }

    /// What `amlfw --service-tags FILE` does: read the file, parse it.
    #[divan::bench(name = "load public file (read + parse)", sample_count = 30)]
    fn load_with_read(b: Bencher) {
        let path = common::fixture(PUBLIC_TAGS);
        b.bench(|| {
            TagIndex::from_json(&std::fs::read_to_string(black_box(&path)).unwrap()).unwrap()
        });
    }

    #[divan::bench(name = "expand tags of the largest profile")]
    fn expand_largest(b: Bencher) {
        let tags = public_tags();
        let names = largest_profile_tags();
        b.bench(|| tags.expand(black_box(names.iter().copied())).unwrap());
    }

    /// The same tags each expanded alone, each time from a freshly loaded file (copied outside
    /// the timing): their prefixes parsed and aggregated on first use, as the first export
    /// after loading does it.
    #[divan::bench(name = "expand tags of the largest profile, first use after load")]
    fn expand_largest_first_use(b: Bencher) {
        let names = largest_profile_tags();
        b.with_inputs(|| cold_public_tags().clone())
            .bench_refs(|tags: &mut TagIndex| {
                for n in &names {
                    black_box(tags.expand([*n]).unwrap());
                }
            });
    }

    #[divan::bench(name = "expand every tag of the file", sample_count = 30)]
    fn expand_all(b: Bencher) {
        let tags = public_tags();
        let names = tags.names();
        assert!(names.len() > 2_500, "{} tags", names.len());
        b.bench(|| tags.expand(black_box(names.iter().copied())).unwrap());
    }
}
