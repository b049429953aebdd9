//! The Service Tags file in the wizard: read in the background (the first frame never waits
//! for it), opened with `t`, and named when it cannot serve the current cloud.

use super::app::{App, Effect, Level};
use super::keys::Action;
use super::modal::{write::expand_tilde, Modal, Prompt};
use crate::servicetags::TagIndex;
use ratatui::layout::Rect;
use ratatui::Frame;
use std::path::PathBuf;
use std::sync::Arc;

/// What reading a Service Tags file gave: the index and a note about its age, or why it
/// cannot be used (naming the file).
pub type Loaded = Result<(Arc<TagIndex>, Option<String>), String>;

/// `Loaded` in a message; two are equal when they hold the same index (or say the same).
#[derive(Debug, Clone)]
pub struct LoadedTags(pub Loaded);

impl PartialEq for LoadedTags {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Ok((a, x)), Ok((b, y))) => Arc::ptr_eq(a, b) && x == y,
            (Err(a), Err(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for LoadedTags {}

impl App<'_> {
    /// The Service Tags file when it serves the current cloud.
    pub fn usable_tags(&self) -> Option<&TagIndex> {
        self.tags
            .as_deref()
            .filter(|t| t.check_cloud(self.profile.cloud).is_ok())
    }

    /// Why the Service Tags file cannot serve the current cloud: none was given, or the one
    /// given is another cloud's. `None` when it can (or none was given).
    pub fn tags_problem(&self) -> Option<String> {
        let cloud = self.profile.cloud;
        match self.tags.as_deref() {
            None => None,
            Some(t) if t.check_cloud(cloud).is_ok() => None,
            Some(t) => Some(format!(
                "the Service Tags file is for cloud {} (changeNumber {}), not {}: targets that need address prefixes need the {} file (t opens it)",
                t.cloud,
                t.change_number,
                cloud.title(),
                cloud.service_tags_name()
            )),
        }
    }

    /// Why a target that needs address prefixes has none now.
    pub fn why_no_tags(&self) -> String {
        if let Some(p) = &self.tags_loading {
            return format!(
                "loading the Service Tags file {p}; this export follows as soon as it is read"
            );
        }
        self.tags_problem().unwrap_or_else(|| {
            "needs Microsoft's Service Tags file to expand service tags into address prefixes: press t to open one (or start amlfw with --service-tags FILE)".to_string()
        })
    }

    /// A file for another cloud is not silently ignored (issue 20, point 8).
    pub(crate) fn note_tags_cloud(&mut self) {
        if let (Some(t), Some(_)) = (self.tags.as_deref(), self.tags_problem()) {
            // Short enough for the status line at 80 columns; the Export step says the rest.
            let note = format!(
                "Service Tags file is {}'s, not {}'s: no prefixes",
                t.cloud,
                self.profile.cloud.service_tags_name()
            );
            self.say(Level::Warn, note);
        }
    }

    /// Starts reading `path` (the runtime does it off the drawing thread): the wizard says it
    /// is loading until `tags_loaded`.
    pub fn load_tags(&mut self, path: PathBuf) -> Effect {
        let requested = path.display().to_string();
        // Shown on the terminal: a typed path's control characters escaped.
        let shown = crate::diag::escape(&requested).into_owned();
        self.say(Level::Info, format!("loading Service Tags file {shown}..."));
        self.tags_loading = Some(shown);
        self.tags_requested = Some(requested);
        self.rerender_export();
        Effect::LoadTags { path }
    }

    pub(crate) fn tags_loaded(&mut self, path: PathBuf, result: Loaded) {
        // A file opened before the one being read now: the later choice wins, whichever
        // thread finishes first.
        if self.tags_requested != Some(path.display().to_string()) {
            return;
        }
        self.tags_loading = None;
        match result {
            Ok((index, stale)) => {
                // The file's name is enough here (it was typed or given just before); the
                // cloud and change number say which data the exports now use.
                let name = path.file_name().unwrap_or(path.as_os_str());
                let said = format!(
                    "read {} ({}, changeNumber {}){}",
                    name.to_string_lossy(),
                    index.cloud,
                    index.change_number,
                    stale.map(|s| format!("; {s}")).unwrap_or_default()
                );
                self.tags = Some(index);
                self.tags_file = Some(path);
                self.say(Level::Ok, said);
                self.note_tags_cloud();
            }
            Err(e) => self.say(Level::Error, e),
        }
        self.rerender_export();
    }

    fn rerender_export(&mut self) {
        self.export.view = None;
        if self.step == super::step::Step::Export {
            self.render_export();
        }
    }

    pub(crate) fn open_tags_prompt(&mut self) {
        self.tags_path = Prompt::prefilled(self.tags_path.value().to_string());
        self.modal = Modal::TagsPrompt;
    }

    pub(crate) fn tags_prompt_key(&mut self, action: Action) -> Option<Vec<Effect>> {
        match action {
            Action::Back => self.modal = Modal::None,
            Action::Select => {
                let typed = self.tags_path.value().trim().to_string();
                if typed.is_empty() {
                    self.say(Level::Warn, "type the file's path, or Esc to cancel");
                    return Some(Vec::new());
                }
                self.modal = Modal::None;
                let path = expand_tilde(&typed, self.home.as_deref());
                return Some(vec![self.load_tags(path)]);
            }
            _ => return None,
        }
        Some(Vec::new())
    }
}

pub fn draw_prompt(app: &App, f: &mut Frame, area: Rect) {
    let cloud = app.profile.cloud.service_tags_name();
    app.tags_path.draw(
        app,
        f,
        area,
        "Service Tags file",
        &format!("Open Microsoft's Service Tags file ({cloud}):"),
        "Enter opens · ~ is your home · Esc cancels",
    );
}
