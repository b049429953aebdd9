//! The profile picker (`p`): open, save as, delete saved profiles.

use super::{Modal, Prompt};
use crate::tui::app::{App, Effect, Level};
use crate::tui::keys::Action;
use crate::tui::step::Nav;
use crate::tui::widgets::{centered, modal_block, row_line, truncate};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

/// One saved profile as the picker shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRow {
    pub name: String,
    /// `public eastus2, 5 features` or why it cannot be read.
    pub summary: String,
    pub ok: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ProfilesModal {
    /// Empty until the runtime has listed the store.
    pub rows: Vec<ProfileRow>,
    pub nav: Nav,
    /// The name for "save as".
    pub name: Prompt,
    /// A profile Enter was pressed on while the choices were unsaved: a second Enter on it
    /// opens it (and replaces them), anything else keeps them.
    pub confirm_open: Option<String>,
}

/// Rows of the picker's list.
const ROWS: usize = 10;

impl App<'_> {
    pub(crate) fn profiles_listed(&mut self, rows: Vec<ProfileRow>) {
        let c = self.profiles.nav.cursor;
        self.profiles.nav.set(c, rows.len(), ROWS);
        self.profiles.rows = rows;
    }

    pub(crate) fn profiles_key(&mut self, action: Action) -> Option<Vec<Effect>> {
        let n = self.profiles.rows.len();
        // The question stands for one key only.
        let confirming = self.profiles.confirm_open.take();
        match action {
            Action::Back => self.modal = Modal::None,
            Action::Select => {
                if let Some(row) = self.profiles.rows.get(self.profiles.nav.cursor) {
                    let name = row.name.clone();
                    if !row.ok {
                        let why = format!("{} cannot be opened: {}", row.name, row.summary);
                        self.say(Level::Error, why);
                    } else if self.dirty() && confirming.as_deref() != Some(name.as_str()) {
                        // Opening replaces the choices: as quitting, it asks first.
                        self.say(
                            Level::Warn,
                            format!("unsaved choices: Enter again opens {name} and replaces them"),
                        );
                        self.profiles.confirm_open = Some(name);
                    } else {
                        return Some(vec![Effect::LoadProfile { name }]);
                    }
                }
            }
            Action::SaveAs => {
                let suggestion = self.profile_name.clone().unwrap_or_else(|| {
                    format!("{}-{}", self.profile.cloud.id(), self.profile.region)
                });
                self.profiles.name = Prompt::prefilled(suggestion);
                self.modal = Modal::NamePrompt;
            }
            Action::Delete => {
                if let Some(row) = self.profiles.rows.get(self.profiles.nav.cursor) {
                    self.modal = Modal::ConfirmDeleteProfile {
                        name: row.name.clone(),
                    };
                }
            }
            a if self.profiles.nav.act(a, n, ROWS) => {}
            _ => return None,
        }
        Some(Vec::new())
    }

    pub(crate) fn name_prompt_key(&mut self, action: Action) -> Option<Vec<Effect>> {
        match action {
            Action::Back => self.modal = Modal::Profiles,
            Action::Select => {
                let name = self.profiles.name.value().trim().to_string();
                if let Err(e) = crate::store::validate_name(&name) {
                    self.say(Level::Error, e.to_string());
                    return Some(Vec::new());
                }
                return Some(vec![Effect::SaveProfile {
                    name,
                    profile: self.pinned_profile(),
                    overwrite: false,
                }]);
            }
            _ => return None,
        }
        Some(Vec::new())
    }
}

pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let r = centered(area, area.width.saturating_sub(8).min(90), 16);
    f.render_widget(Clear, r);
    let mut lines = Vec::new();
    let st = &app.profiles;
    if st.rows.is_empty() {
        lines.push(Line::styled(
            "No saved profiles yet: s saves the current choices.",
            app.theme.dim(),
        ));
    }
    // The borders, the marker and the name column take 29 columns; a longer summary (a broken
    // profile's error) ends with `…`, and Enter on the row says it whole.
    let summary_w = (r.width as usize).saturating_sub(29);
    for (i, row) in st.rows.iter().enumerate().skip(st.nav.offset).take(ROWS) {
        let style = if row.ok {
            app.theme.base()
        } else {
            app.theme.error()
        };
        lines.push(row_line(
            app,
            i == st.nav.cursor,
            true,
            vec![Span::styled(
                format!(
                    "{:<24} {}",
                    truncate(&row.name, 24),
                    truncate(&row.summary, summary_w)
                ),
                style,
            )],
        ));
    }
    let current = app.profile_name.as_deref().unwrap_or("(none)");
    let title = format!(
        "Profiles · current: {current}{}",
        if app.dirty() {
            " (unsaved changes)"
        } else {
            ""
        }
    );
    f.render_widget(Paragraph::new(lines).block(modal_block(app, &title)), r);
}

pub fn draw_name_prompt(app: &App, f: &mut Frame, area: Rect) {
    app.profiles.name.draw(
        app,
        f,
        area,
        "Save as",
        "Save the current choices as profile:",
        "letters, digits, - _ . (1-64) · Enter saves · Esc cancels",
    );
}
