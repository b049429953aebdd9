//! The wizard's state and `update`: every key, click and result goes through `update`, which
//! routes it to the component it concerns (a step, the preview, a modal) and returns the side
//! effects to perform (writing a file, copying, reading a file, quitting) as data. The runtime
//! performs them and reports back with a `Msg`. No I/O here.

use super::keys::{action_for, Action, Ctx};
use super::layout::{self, Areas, Shape};
use super::theme::Theme;
use crate::catalog::Catalog;
use crate::export;
use crate::model::Cloud;
use crate::profile::Profile;
use crate::rules::{resolve, RuleSet};
use crate::servicetags::TagIndex;
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use std::path::PathBuf;
use std::sync::Arc;

pub use super::modal::profiles::ProfileRow;
use super::modal::profiles::ProfilesModal;
pub use super::modal::{Modal, Prompt};
pub use super::msg::{Effect, Level, Msg, Status};
use super::preview::Preview;
pub use super::step::cloud::default_region;
pub use super::step::export::ExportView;
pub use super::step::field::Field;
use super::step::{cloud, export::ExportStep, features, region, workspace};
pub use super::step::{Nav, Step};

pub struct App<'c> {
    pub catalog: &'c Catalog,
    /// The Service Tags file, once read.
    pub tags: Option<Arc<TagIndex>>,
    /// The file being read, while it is.
    pub tags_loading: Option<String>,
    /// The file asked for last (a result for another one is late and dropped).
    pub(crate) tags_requested: Option<String>,
    pub theme: Theme,
    pub size: (u16, u16),
    /// The home directory, for `~` in typed paths.
    pub home: Option<PathBuf>,
    pub profile: Profile,
    /// The choices as loaded; the title shows `*` while they differ.
    pub baseline: Profile,
    pub step: Step,
    pub visited: [bool; 5],
    pub preview_focus: bool,
    /// The focused pane has the whole screen.
    pub zoom: bool,
    pub modal: Modal,
    pub status: Option<Status>,
    pub quit: bool,
    pub rules: Result<RuleSet, String>,
    pub cloud: cloud::CloudStep,
    pub region: region::RegionStep,
    pub workspace: workspace::WorkspaceStep,
    pub features: features::FeaturesStep,
    pub export: ExportStep,
    pub preview: Preview,
    pub profiles: ProfilesModal,
    /// The file name prompt of `w`.
    pub path: Prompt,
    /// The Service Tags file prompt of `t`.
    pub tags_path: Prompt,
    /// The saved profile the choices came from or were last saved to.
    pub profile_name: Option<String>,
    /// The choices as loaded (`baseline`) are those saved as `profile_name`, so that
    /// `--profile NAME` gives them while they are unchanged (not so when flags changed a
    /// profile at the start).
    pub stored: bool,
    /// The Service Tags file `tags` was read from, for the command line that repeats it.
    pub tags_file: Option<PathBuf>,
}

impl<'c> App<'c> {
    pub fn new(
        catalog: &'c Catalog,
        profile: Profile,
        tags: Option<Arc<TagIndex>>,
        size: (u16, u16),
        theme: Theme,
    ) -> Self {
        let mut app = App {
            catalog,
            tags,
            tags_loading: None,
            tags_requested: None,
            theme,
            size,
            home: None,
            baseline: profile.clone(),
            profile,
            step: Step::Cloud,
            visited: [true, false, false, false, false],
            preview_focus: false,
            zoom: false,
            modal: Modal::None,
            status: None,
            quit: false,
            rules: Err(String::new()),
            cloud: Default::default(),
            region: Default::default(),
            workspace: Default::default(),
            features: Default::default(),
            export: Default::default(),
            preview: Default::default(),
            profiles: Default::default(),
            path: Default::default(),
            tags_path: Default::default(),
            profile_name: None,
            stored: false,
            tags_file: None,
        };
        app.cloud.nav.cursor = Cloud::ALL
            .iter()
            .position(|c| *c == app.profile.cloud)
            .unwrap_or(0);
        app.sync_fields();
        app.refilter_regions();
        app.refilter_features();
        app.refresh();
        app.note_tags_cloud();
        app
    }

    /// Rows the current step's content wants, borders included.
    fn wanted_rows(&self) -> u16 {
        match self.step {
            Step::Cloud => cloud::WANTED_ROWS,
            Step::Region => {
                region::wanted_rows(self.catalog.regions_of(self.profile.cloud).count())
            }
            Step::Workspace => workspace::WANTED_ROWS,
            Step::Features => features::wanted_rows(self.catalog.features.len()),
            Step::Export => u16::MAX,
        }
    }

    pub fn areas(&self) -> Areas {
        let shape = Shape {
            step: self.step,
            preview_focus: self.preview_focus,
            zoom: self.zoom,
            wanted: self.wanted_rows(),
        };
        layout::areas(self.size.0, self.size.1, shape)
    }

    pub(crate) fn list_height(&self, step: Step) -> usize {
        layout::step_list(step, self.areas().main).height as usize
    }

    pub fn dirty(&self) -> bool {
        self.profile != self.baseline
    }

    pub fn rule_count(&self) -> usize {
        self.rules.as_ref().map(|r| r.rules.len()).unwrap_or(0)
    }

    pub fn no_modal(&self) -> bool {
        self.modal == Modal::None
    }

    /// The keyboard context right now.
    pub fn ctx(&self) -> Ctx {
        match &self.modal {
            Modal::Help { .. } => Ctx::Help,
            Modal::Detail { .. } => Ctx::Detail,
            Modal::ConfirmQuit
            | Modal::ConfirmOverwrite { .. }
            | Modal::ConfirmCreateDir { .. }
            | Modal::ConfirmReplaceProfile { .. }
            | Modal::ConfirmDeleteProfile { .. } => Ctx::Confirm,
            Modal::PathPrompt | Modal::NamePrompt | Modal::TagsPrompt => Ctx::Prompt,
            Modal::Profiles => Ctx::Profiles,
            Modal::None => self.screen_ctx(),
        }
    }

    /// The context of the screen under any overlay (what the `?` help describes).
    pub fn screen_ctx(&self) -> Ctx {
        if self.preview_focus {
            return Ctx::Preview;
        }
        match self.step {
            Step::Cloud => Ctx::Cloud,
            Step::Region if self.region.filter.active => Ctx::RegionFilter,
            Step::Region => Ctx::Region,
            Step::Workspace if self.workspace.editing.is_some() => Ctx::WorkspaceEdit,
            Step::Workspace => Ctx::Workspace,
            Step::Features if self.features.filter.active => Ctx::FeatureFilter,
            Step::Features => Ctx::Features,
            Step::Export => Ctx::Export,
        }
    }

    pub(crate) fn say(&mut self, level: Level, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            level,
        });
    }

    /// Recomputes what depends on the profile: the rules and the export text. Called after
    /// every change of choices, never from the view.
    pub(crate) fn refresh(&mut self) -> super::change::Change {
        let before = std::mem::replace(
            &mut self.rules,
            resolve(self.catalog, &self.profile).map_err(|e| e.to_string()),
        );
        let n = self.rule_count();
        let h = self.preview_height();
        let c = self.preview.nav.cursor;
        self.preview.nav.set(c, n, h);
        self.export.view = None;
        if self.step == Step::Export {
            self.render_export();
        }
        self.note_change(before.as_ref().ok(), self.preview_height())
    }

    /// The warnings the preview lists, as the wizard words them: on the Export step, every
    /// warning the chosen target's header carries (those that concern it, `warnings_for`, then
    /// the target's own, `Export::warnings`); elsewhere, every warning of the rule set.
    pub fn shown_warnings(&self) -> Vec<String> {
        let Ok(rs) = &self.rules else {
            return Vec::new();
        };
        match (&self.step, &self.export.view) {
            (
                Step::Export,
                Some(ExportView {
                    target,
                    result: Ok(e),
                    ..
                }),
            ) => export::warnings_for(rs, export::targets()[*target], &e.unexpressed)
                .into_iter()
                .map(super::preview::worded)
                .chain(e.warnings.iter().cloned())
                .collect(),
            _ => rs.warnings.iter().map(super::preview::worded).collect(),
        }
    }

    pub fn go_to(&mut self, step: Step) {
        if self.workspace.editing.is_some() {
            self.finish_edit();
        }
        self.features.filter.active = false;
        self.region.filter.active = false;
        self.preview_focus = false;
        self.step = step;
        self.visited[step.index()] = true;
        // The split between step and preview depends on the step.
        self.reflow();
        if step == Step::Export {
            self.render_export();
        }
    }

    pub(crate) fn focus_preview(&mut self) {
        if self.preview_focus {
            return;
        }
        self.preview_focus = true;
        self.reflow();
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(k) if k.kind == KeyEventKind::Release => Vec::new(),
            Msg::Key(k) => self.handle_key(k).unwrap_or_default(),
            Msg::Mouse(m) => {
                self.on_mouse(m);
                Vec::new()
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.reflow();
                Vec::new()
            }
            Msg::Paste(text) => {
                self.on_paste(&text);
                Vec::new()
            }
            Msg::Written {
                path,
                bytes,
                target,
            } => {
                self.say(
                    Level::Ok,
                    format!(
                        "wrote {} ({bytes} bytes, {target})",
                        crate::diag::escape(&path.display().to_string())
                    ),
                );
                Vec::new()
            }
            Msg::WriteFailed {
                path,
                message,
                exists,
                missing_dir,
            } => {
                self.write_failed(path, message, exists, missing_dir);
                Vec::new()
            }
            Msg::Copied { message, confirmed } => {
                let level = if confirmed { Level::Ok } else { Level::Warn };
                self.say(level, message);
                Vec::new()
            }
            Msg::CopyFailed { message } => {
                self.say(Level::Error, message);
                Vec::new()
            }
            Msg::ProfilesListed(result) => {
                match result {
                    Ok(rows) => self.profiles_listed(rows),
                    Err(e) => self.say(Level::Error, e),
                }
                Vec::new()
            }
            Msg::ProfileLoaded { name, result } => {
                match result {
                    Ok(p) => self.open_profile(name, *p),
                    Err(e) => self.say(Level::Error, e),
                }
                Vec::new()
            }
            Msg::ProfileSaved {
                name,
                result,
                exists,
            } => {
                match result {
                    Ok(()) => {
                        self.pin_edition();
                        self.baseline = self.profile.clone();
                        self.say(Level::Ok, format!("saved profile {name}"));
                        self.profile_name = Some(name);
                        self.stored = true;
                        self.modal = Modal::None;
                    }
                    Err(_) if exists => self.modal = Modal::ConfirmReplaceProfile { name },
                    Err(e) => self.say(Level::Error, e),
                }
                Vec::new()
            }
            Msg::ProfileDeleted { name, result } => match result {
                Ok(()) => {
                    self.say(Level::Ok, format!("deleted profile {name}"));
                    if self.profile_name.as_deref() == Some(&name) {
                        self.profile_name = None;
                    }
                    self.modal = Modal::Profiles;
                    vec![Effect::ListProfiles]
                }
                Err(e) => {
                    self.say(Level::Error, e);
                    Vec::new()
                }
            },
            Msg::TagsLoaded { path, result } => {
                self.tags_loaded(path, result.0);
                Vec::new()
            }
        }
    }

    /// Replaces every choice with a loaded profile; it becomes the new "saved" state.
    pub fn open_profile(&mut self, name: String, p: Profile) {
        self.cloud.region_memory = [None, None, None];
        self.cloud.nav.cursor = Cloud::ALL.iter().position(|c| *c == p.cloud).unwrap_or(0);
        self.baseline = p.clone();
        self.profile = p;
        self.modal = Modal::None;
        self.sync_fields();
        self.region.filter.clear();
        // A filter typed for the old choices would hide the new ones.
        self.features.filter.clear();
        self.refilter_regions();
        self.refilter_features();
        self.refresh();
        self.say(Level::Ok, format!("opened profile {name}"));
        self.profile_name = Some(name);
        self.stored = true;
        // A Service Tags file of another cloud no longer fits: say so, as choosing the cloud does.
        self.note_tags_cloud();
    }

    /// Keeps every cursor visible after a resize or a change of layout.
    pub(crate) fn reflow(&mut self) {
        let n = self.rule_count();
        let h = self.preview_height();
        let c = self.preview.nav.cursor;
        self.preview.nav.set(c, n, h);
        let h = self.list_height(Step::Region);
        let c = self.region.nav.cursor;
        self.region.nav.set(c, self.region.rows.len(), h);
        let h = self.list_height(Step::Features);
        let c = self.features.nav.cursor;
        self.features.nav.set(c, self.features.rows.len(), h);
        let h = self.list_height(Step::Workspace);
        let c = self.workspace.nav.cursor;
        self.workspace.nav.set(c, Field::ALL.len(), h);
    }

    fn on_paste(&mut self, text: &str) {
        match self.ctx() {
            Ctx::RegionFilter => {
                self.region.filter.paste(text);
                self.refilter_regions();
            }
            Ctx::FeatureFilter => {
                self.features.filter.paste(text);
                self.refilter_features();
            }
            Ctx::WorkspaceEdit => self.workspace_paste(text),
            Ctx::Prompt => self.prompt_paste(text),
            _ => {}
        }
    }

    /// Routes a key to the component of the current context. `None`: the key means nothing
    /// here (a test checks that no key of the table is `None` where the table lists it).
    pub fn handle_key(&mut self, k: KeyEvent) -> Option<Vec<Effect>> {
        if layout::too_small(self.size.0, self.size.1) && self.modal != Modal::ConfirmQuit {
            return self.too_small_key(k);
        }
        let ctx = self.ctx();
        let Some(action) = action_for(ctx, &k) else {
            // Unbound keys in a text context edit the text.
            match ctx {
                Ctx::RegionFilter => self.region_text(k),
                Ctx::WorkspaceEdit => self.workspace_text(k),
                Ctx::FeatureFilter => self.features_text(k),
                Ctx::Prompt => self.prompt_text(k),
                _ => return None,
            }
            return Some(Vec::new());
        };
        self.act(ctx, action)
    }

    /// On a screen too small to draw the steps, only leaving works: q, Esc, Ctrl-Q, Ctrl-C
    /// (asking first when choices are unsaved) and Ctrl-Z.
    fn too_small_key(&mut self, k: KeyEvent) -> Option<Vec<Effect>> {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match k.code {
            KeyCode::Char('c') if ctrl => self.act(Ctx::Cloud, Action::ForceQuit),
            KeyCode::Char('z') if ctrl => self.act(Ctx::Cloud, Action::Suspend),
            KeyCode::Char('q') | KeyCode::Esc => self.act(Ctx::Cloud, Action::Quit),
            _ => None,
        }
    }

    fn act(&mut self, ctx: Ctx, action: Action) -> Option<Vec<Effect>> {
        match action {
            Action::ForceQuit => {
                self.quit = true;
                return Some(vec![Effect::Quit]);
            }
            Action::Suspend => return Some(vec![Effect::Suspend]),
            Action::Quit => {
                if self.dirty() {
                    // An open field edit stays open under the question: "n" returns to it as
                    // it was (text, cursor, Esc still undoes), "y" quits.
                    self.modal = Modal::ConfirmQuit;
                } else {
                    self.quit = true;
                    return Some(vec![Effect::Quit]);
                }
            }
            Action::Help => self.modal = Modal::Help { scroll: 0 },
            Action::NextStep => self.go_to(self.step.next()),
            Action::PrevStep => self.go_to(self.step.prev()),
            Action::FocusPreview => self.focus_preview(),
            Action::Zoom => {
                self.zoom = !self.zoom;
                self.reflow();
            }
            Action::Warnings => self.open_warnings(),
            Action::OpenTags => self.open_tags_prompt(),
            Action::EditionDiff => self.open_edition_diff(),
            Action::PrivateDns => self.open_private_dns(),
            Action::Profiles if ctx != Ctx::Profiles => {
                if self.workspace.editing.is_some() {
                    self.finish_edit();
                }
                self.modal = Modal::Profiles;
                return Some(vec![Effect::ListProfiles]);
            }
            _ => return self.act_in(ctx, action),
        }
        Some(Vec::new())
    }

    /// Actions whose meaning depends on the context: the component's own keys.
    fn act_in(&mut self, ctx: Ctx, action: Action) -> Option<Vec<Effect>> {
        match ctx {
            Ctx::Help | Ctx::Detail => self.scroll_key(action),
            Ctx::Confirm => self.confirm(action),
            Ctx::Prompt => self.prompt_key(action),
            Ctx::Profiles => self.profiles_key(action),
            Ctx::Preview => self.preview_key(action),
            Ctx::Cloud => self.cloud_key(action),
            Ctx::Region | Ctx::RegionFilter => self.region_key(action),
            Ctx::Workspace | Ctx::WorkspaceEdit => self.workspace_key(action),
            Ctx::Features | Ctx::FeatureFilter => self.features_key(action),
            Ctx::Export => self.export_key(action),
        }
    }

    fn on_mouse(&mut self, m: MouseEvent) {
        let wheel = match m.kind {
            MouseEventKind::ScrollDown => Some(Action::Down),
            MouseEventKind::ScrollUp => Some(Action::Up),
            _ => None,
        };
        if !self.no_modal() || layout::too_small(self.size.0, self.size.1) {
            if let (Some(action), Modal::Help { .. } | Modal::Detail { .. }) = (wheel, &self.modal)
            {
                self.scroll_key(action);
            }
            return;
        }
        let a = self.areas();
        let (x, y) = (m.column, m.row);
        let click = matches!(m.kind, MouseEventKind::Down(MouseButton::Left));
        if layout::contains(a.steps, x, y) && click {
            if let Some(s) = layout::step_at(x, super::view::step_bar_geometry(self)) {
                self.go_to(s);
            }
        } else if layout::contains(a.preview, x, y) {
            if let Some(action) = wheel {
                self.preview_key(action);
            } else if click {
                self.preview_click(x, y);
            }
        } else if layout::contains(a.main, x, y) {
            if self.preview_focus {
                self.preview_focus = false;
                self.reflow();
            }
            if let Some(action) = wheel {
                // The wheel over the export scrolls its text, a page at a time.
                let action = match (self.step, action) {
                    (Step::Export, Action::Down) => Action::PageDown,
                    (Step::Export, _) => Action::PageUp,
                    _ => action,
                };
                self.act_in(self.ctx(), action);
            } else if click {
                self.click_list(x, y);
            }
        }
    }

    fn click_list(&mut self, x: u16, y: u16) {
        let list = layout::step_list(self.step, self.areas().main);
        if !layout::contains(list, x, y) {
            return;
        }
        let row = (y - list.y) as usize;
        let h = list.height as usize;
        match self.step {
            Step::Cloud => self.cloud_click(row),
            Step::Region => self.region_click(row, h),
            Step::Workspace => self.workspace_click(row, h),
            Step::Features => self.features_click(row, h, x < list.x + 6),
            Step::Export => {
                let i = self.export.nav.offset + row;
                let n = export::targets().len();
                if i < n && !self.zoom {
                    self.select_target(i, n, h);
                }
            }
        }
    }
}
