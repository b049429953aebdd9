//! Writing the export to a file: the name prompt (`~` is the home directory), the questions
//! when the file exists or its directory does not, and the name kept when a write fails.

use super::Modal;
use crate::export;
use crate::tui::app::{App, Effect, Level};
use crate::tui::keys::Action;
use ratatui::layout::Rect;
use ratatui::Frame;
use std::path::{Path, PathBuf};

/// `~` and `~/...` are the home directory, as a shell would read them; anything else is taken
/// as typed (`~user` is not expanded).
pub fn expand_tilde(typed: &str, home: Option<&Path>) -> PathBuf {
    match (typed.strip_prefix('~'), home) {
        (Some(""), Some(h)) => h.to_path_buf(),
        (Some(rest), Some(h)) if rest.starts_with('/') => h.join(&rest[1..]),
        _ => PathBuf::from(typed),
    }
}

impl App<'_> {
    pub(crate) fn path_prompt_key(&mut self, action: Action) -> Option<Vec<Effect>> {
        match action {
            Action::Back => self.modal = Modal::None,
            Action::Select => {
                let typed = self.path.value().trim().to_string();
                if typed.is_empty() {
                    self.say(Level::Warn, "type a file name, or Esc to cancel");
                    return Some(Vec::new());
                }
                // Typed by accident (key mashing, a paste), they would hide the file's real
                // name in every listing; nobody means them in a file name.
                if typed.chars().any(crate::diag::is_unsafe_char) {
                    self.say(
                        Level::Error,
                        format!(
                            "the file name '{}' holds control or bidirectional characters: not written",
                            crate::diag::escape(&typed)
                        ),
                    );
                    return Some(Vec::new());
                }
                self.modal = Modal::None;
                let path = expand_tilde(&typed, self.home.as_deref());
                return Some(self.write_effect(path, false, false));
            }
            _ => return None,
        }
        Some(Vec::new())
    }

    pub(crate) fn write_effect(
        &mut self,
        path: PathBuf,
        overwrite: bool,
        create_dir: bool,
    ) -> Vec<Effect> {
        match self.export.view.as_ref().map(|v| (&v.result, v.target)) {
            Some((Ok(e), t)) => vec![Effect::Write {
                path,
                text: e.text.clone(),
                overwrite,
                create_dir,
                target: export::targets()[t].id(),
            }],
            _ => {
                self.say(
                    Level::Error,
                    "nothing to write: this target has no output (see the message above)",
                );
                Vec::new()
            }
        }
    }

    /// A write that failed: ask when the file exists or its directory is missing; otherwise
    /// say why and give the name back, as typed, to be corrected.
    pub(crate) fn write_failed(
        &mut self,
        path: PathBuf,
        message: String,
        exists: bool,
        missing_dir: bool,
    ) {
        if exists {
            self.modal = Modal::ConfirmOverwrite { path };
        } else if missing_dir {
            self.modal = Modal::ConfirmCreateDir { path };
        } else {
            self.say(Level::Error, message);
            self.path.fresh = false;
            self.modal = Modal::PathPrompt;
        }
    }
}

pub fn draw_path_prompt(app: &App, f: &mut Frame, area: Rect) {
    let target = export::targets()[app.export.nav.cursor];
    app.path.draw(
        app,
        f,
        area,
        "Write",
        &format!("Write {} to file:", target.id()),
        "Enter writes (asks before overwriting) · ~ is your home · Esc cancels",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilde_is_home_only_alone_or_before_a_slash() {
        let home = Path::new("/home/u");
        assert_eq!(expand_tilde("~", Some(home)), PathBuf::from("/home/u"));
        assert_eq!(
            expand_tilde("~/fw/a.tf", Some(home)),
            PathBuf::from("/home/u/fw/a.tf")
        );
        assert_eq!(expand_tilde("~bob/a", Some(home)), PathBuf::from("~bob/a"));
        assert_eq!(expand_tilde("a~/b", Some(home)), PathBuf::from("a~/b"));
        assert_eq!(expand_tilde("~/a", None), PathBuf::from("~/a"));
    }
}
