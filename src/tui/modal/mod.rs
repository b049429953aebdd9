//! What opens over the steps: the scrolling overlays (help, details, warnings), questions,
//! the file and name prompts and the profile picker. Each module owns its drawing and keys.

pub mod profiles;
pub mod scroll;
pub mod write;

use super::app::{App, Effect, Level};
use super::keys::Action;
use super::widgets::{centered, modal_block};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;
use std::path::PathBuf;
use tui_input::backend::crossterm::EventHandler;
use tui_input::Input;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modal {
    None,
    Help {
        scroll: usize,
    },
    /// Rule details, what changes between editions, private DNS, warnings.
    Detail {
        title: String,
        lines: Vec<String>,
        scroll: usize,
    },
    ConfirmQuit,
    ConfirmOverwrite {
        path: PathBuf,
    },
    /// The directory to write into does not exist.
    ConfirmCreateDir {
        path: PathBuf,
    },
    /// File name for `w`.
    PathPrompt,
    /// Service Tags file for `t`.
    TagsPrompt,
    /// The profile picker.
    Profiles,
    /// Name for "save as".
    NamePrompt,
    ConfirmReplaceProfile {
        name: String,
    },
    ConfirmDeleteProfile {
        name: String,
    },
}

/// A one-line text prompt. A suggested value is replaced by the first character typed (as a
/// selected text field would be); moving the cursor first keeps it for editing.
#[derive(Debug, Clone, Default)]
pub struct Prompt {
    pub input: Input,
    /// Still the suggestion, untouched.
    pub fresh: bool,
}

impl Prompt {
    pub fn prefilled(text: impl Into<String>) -> Prompt {
        Prompt {
            input: Input::new(text.into()),
            fresh: true,
        }
    }

    pub fn value(&self) -> &str {
        self.input.value()
    }

    pub fn key(&mut self, k: KeyEvent) {
        let typed = matches!(k.code, KeyCode::Char(_))
            && !k
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        if self.fresh && typed {
            self.input.reset();
        }
        self.fresh = false;
        self.input.handle_event(&Event::Key(k));
    }

    pub fn paste(&mut self, text: &str) {
        if self.fresh {
            self.input.reset();
        }
        self.fresh = false;
        super::filter::paste_into(&mut self.input, text);
    }

    /// The prompt box: a question, the text with the cursor, a hint.
    pub fn draw(
        &self,
        app: &App,
        f: &mut Frame,
        area: Rect,
        title: &str,
        question: &str,
        hint: &str,
    ) {
        let r = centered(area, area.width.saturating_sub(10).min(80), 5);
        f.render_widget(Clear, r);
        let inner = super::layout::inner(r);
        let (shown, cursor) = super::filter::window(&self.input, inner.width as usize);
        let lines = vec![
            Line::raw(question.to_string()),
            Line::raw(shown),
            Line::styled(fit_hint(hint, inner.width as usize), app.theme.dim()),
        ];
        f.render_widget(Paragraph::new(lines).block(modal_block(app, title)), r);
        let x = inner.x.saturating_add(cursor);
        f.set_cursor_position(Position::new(
            x.min(inner.right().saturating_sub(1)),
            inner.y + 1,
        ));
    }
}

/// A prompt's hint (`a · b · Esc cancels`) in `width` columns, whole words only: the middle
/// parts go first, then the first part's note in brackets, so the way out (the last part) is
/// always shown.
pub fn fit_hint(hint: &str, width: usize) -> String {
    let fits = |s: &str| s.chars().count() <= width;
    let mut parts: Vec<&str> = hint.split(" · ").collect();
    while parts.len() > 2 && !fits(&parts.join(" · ")) {
        parts.remove(parts.len() - 2);
    }
    let joined = parts.join(" · ");
    if fits(&joined) || parts.len() < 2 {
        return joined;
    }
    let first = parts[0].split(" (").next().unwrap_or(parts[0]);
    let short = format!("{first} · {}", parts[parts.len() - 1]);
    if fits(&short) {
        short
    } else {
        parts[parts.len() - 1].to_string()
    }
}

impl App<'_> {
    /// y / n on a question.
    pub(crate) fn confirm(&mut self, action: Action) -> Option<Vec<Effect>> {
        if !matches!(action, Action::Yes | Action::No) {
            return None;
        }
        let yes = action == Action::Yes;
        let modal = std::mem::replace(&mut self.modal, Modal::None);
        Some(match (modal, yes) {
            (Modal::ConfirmQuit, true) => {
                self.quit = true;
                vec![Effect::Quit]
            }
            (Modal::ConfirmOverwrite { path }, true) => self.write_effect(path, true, false),
            (Modal::ConfirmOverwrite { path }, false) => {
                // Back to the name, as typed, to choose another one.
                self.say(
                    Level::Info,
                    format!("not written: {} exists", path.display()),
                );
                self.path.fresh = false;
                self.modal = Modal::PathPrompt;
                Vec::new()
            }
            (Modal::ConfirmCreateDir { path }, true) => self.write_effect(path, false, true),
            (Modal::ConfirmCreateDir { .. }, false) => {
                // Back to the name, as typed, to choose another place.
                self.modal = Modal::PathPrompt;
                Vec::new()
            }
            (Modal::ConfirmReplaceProfile { name }, true) => vec![Effect::SaveProfile {
                name,
                profile: self.pinned_profile(),
                overwrite: true,
            }],
            (Modal::ConfirmDeleteProfile { name }, true) => {
                vec![Effect::DeleteProfile { name }]
            }
            (Modal::ConfirmReplaceProfile { .. } | Modal::ConfirmDeleteProfile { .. }, false) => {
                self.modal = Modal::Profiles;
                Vec::new()
            }
            _ => Vec::new(),
        })
    }

    /// A key that is no binding, while a prompt is open.
    pub(crate) fn prompt_text(&mut self, k: KeyEvent) {
        match self.modal {
            Modal::NamePrompt => self.profiles.name.key(k),
            Modal::TagsPrompt => self.tags_path.key(k),
            _ => self.path.key(k),
        }
    }

    pub(crate) fn prompt_paste(&mut self, text: &str) {
        match self.modal {
            Modal::NamePrompt => self.profiles.name.paste(text),
            Modal::TagsPrompt => self.tags_path.paste(text),
            _ => self.path.paste(text),
        }
    }

    pub(crate) fn prompt_key(&mut self, action: Action) -> Option<Vec<Effect>> {
        match self.modal {
            Modal::NamePrompt => self.name_prompt_key(action),
            Modal::TagsPrompt => self.tags_prompt_key(action),
            _ => self.path_prompt_key(action),
        }
    }
}

/// Draws the open modal over the screen.
pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    match &app.modal {
        Modal::None => {}
        Modal::Help { scroll } => scroll::help(app, f, area, *scroll),
        Modal::Detail {
            title,
            lines,
            scroll,
        } => scroll::detail(app, f, area, title, lines, *scroll),
        Modal::ConfirmQuit => confirm(
            app,
            f,
            area,
            "Quit?",
            "Your choices differ from the ones you started with and are not saved. Quit anyway?",
        ),
        Modal::ConfirmOverwrite { path } => confirm(
            app,
            f,
            area,
            "Overwrite?",
            &format!("{} exists. Write over it?", path.display()),
        ),
        Modal::ConfirmCreateDir { path } => confirm(
            app,
            f,
            area,
            "Create the directory?",
            &format!(
                "{} does not exist. Create it and write {}? (n: back to the name)",
                path.parent().unwrap_or(path).display(),
                path.file_name().unwrap_or_default().to_string_lossy()
            ),
        ),
        Modal::PathPrompt => write::draw_path_prompt(app, f, area),
        Modal::TagsPrompt => crate::tui::tags::draw_prompt(app, f, area),
        Modal::Profiles => profiles::draw(app, f, area),
        Modal::NamePrompt => profiles::draw_name_prompt(app, f, area),
        Modal::ConfirmReplaceProfile { name } => confirm(
            app,
            f,
            area,
            "Replace?",
            &format!("A profile named {name} exists. Replace it with the current choices?"),
        ),
        Modal::ConfirmDeleteProfile { name } => confirm(
            app,
            f,
            area,
            "Delete?",
            &format!("Delete the saved profile {name}?"),
        ),
    }
}

fn confirm(app: &App, f: &mut Frame, area: Rect, title: &str, question: &str) {
    let r = centered(area, 60, 7);
    f.render_widget(Clear, r);
    let lines = vec![
        Line::raw(question.to_string()),
        Line::raw(""),
        Line::from(vec![
            Span::styled("y", app.theme.key()),
            Span::raw(" yes   "),
            Span::styled("n", app.theme.key()),
            Span::raw(" no"),
        ]),
    ];
    f.render_widget(
        Paragraph::new(lines)
            .block(modal_block(app, title))
            .wrap(Wrap { trim: true }),
        r,
    );
}
