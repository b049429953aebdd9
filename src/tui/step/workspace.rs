//! Step 3: the workspace's names, sources and options. Text fields are checked on every key
//! and a valid value goes live at once; an invalid one is kept, with the reason, until it is
//! fixed or the edit is undone.

use super::field::Field;
use super::{Nav, Step};
use crate::tui::app::{App, Effect, Level};
use crate::tui::filter::{self, paste_into};
use crate::tui::keys::Action;
use crate::tui::layout;
use crate::tui::widgets::{panel, row_line, truncate, truncate_list};
use crossterm::event::{Event, KeyEvent};
use ratatui::layout::{Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;
use tui_input::backend::crossterm::EventHandler;
use tui_input::Input;

#[derive(Debug, Clone, Default)]
pub struct WorkspaceStep {
    pub nav: Nav,
    /// One text per field, as typed (or as the profile has it).
    pub inputs: Vec<Input>,
    /// Why each field's text is refused, if it is.
    pub errors: Vec<Option<String>>,
    /// Value of the field being edited before the edit (Esc restores it).
    pub editing: Option<String>,
}

/// Rows the step wants, borders included: every field and three lines of help.
pub const WANTED_ROWS: u16 = Field::ALL.len() as u16 + 5;
/// Lines of help (and error) under the fields.
pub const HELP_LINES: u16 = 3;

impl App<'_> {
    pub(crate) fn sync_fields(&mut self) {
        self.workspace.inputs = Field::ALL
            .iter()
            .map(|f| Input::new(f.value_of(&self.profile, self.catalog)))
            .collect();
        self.workspace.errors = vec![None; Field::ALL.len()];
    }

    pub(crate) fn workspace_key(&mut self, action: Action) -> Option<Vec<Effect>> {
        let i = self.workspace.nav.cursor;
        let field = Field::ALL[i];
        if self.workspace.editing.is_some() {
            match action {
                Action::Select => match self.workspace.errors[i].clone() {
                    // Kept for correction: leaving would throw the typing away.
                    // The reason is under the fields, wrapped; the status says what to do.
                    Some(_) => self.say(
                        Level::Warn,
                        format!(
                            "{}: not kept yet: fix it, or Esc undoes the edit",
                            field.label()
                        ),
                    ),
                    None => self.finish_edit(),
                },
                Action::Back => {
                    let before = self.workspace.editing.take().unwrap_or_default();
                    self.workspace.inputs[i] = Input::new(before.clone());
                    let _ = field.apply(&before, &mut self.profile);
                    self.workspace.errors[i] = None;
                    self.refresh();
                    // "not kept yet: fix it, or Esc undoes the edit" is answered now.
                    self.clear_field_note(field);
                }
                _ => return None,
            }
            return Some(Vec::new());
        }
        let n = Field::ALL.len();
        let h = self.list_height(Step::Workspace);
        match action {
            Action::Edit | Action::Right if field == Field::InboundRoutes => self.cycle_routes(1),
            Action::Left if field == Field::InboundRoutes => self.cycle_routes(-1),
            Action::Edit | Action::Right | Action::Left if field == Field::DnsProxy => {
                self.profile.dns_proxy = !self.profile.dns_proxy;
                self.sync_fields();
                self.refresh();
            }
            Action::Edit | Action::Right if field == Field::Edition => self.cycle_edition(1),
            Action::Left if field == Field::Edition => self.cycle_edition(-1),
            Action::Edit | Action::Right | Action::Left if field.option_id().is_some() => {
                if let Some(id) = field.option_id() {
                    // Off is "not given", so a saved profile only names options that are on
                    // (or that a loaded file set).
                    let on = !self.profile.option(id);
                    self.profile.set_option(id, on.then_some(true));
                    self.sync_fields();
                    self.refresh();
                }
            }
            Action::Edit => {
                self.workspace.editing = Some(self.workspace.inputs[i].value().to_string());
            }
            // Left and right mean something on choice fields only.
            Action::Left | Action::Right => {}
            a if self.workspace.nav.act(a, n, h) => {}
            _ => return None,
        }
        Some(Vec::new())
    }

    pub(crate) fn workspace_text(&mut self, k: KeyEvent) {
        let i = self.workspace.nav.cursor;
        if self.workspace.inputs[i]
            .handle_event(&Event::Key(k))
            .is_some()
        {
            self.edited();
        }
    }

    pub(crate) fn workspace_paste(&mut self, text: &str) {
        paste_into(&mut self.workspace.inputs[self.workspace.nav.cursor], text);
        self.edited();
    }

    pub(crate) fn workspace_click(&mut self, row: usize, height: usize) {
        let i = self.workspace.nav.offset + row;
        if i < Field::ALL.len() {
            if self.workspace.editing.is_some() {
                self.finish_edit();
            }
            self.workspace.nav.set(i, Field::ALL.len(), height);
        }
    }

    fn cycle_routes(&mut self, delta: isize) {
        use crate::model::InboundRoutes;
        let modes = [
            None,
            Some(InboundRoutes::ServiceTags),
            Some(InboundRoutes::IpPrefixes),
            Some(InboundRoutes::None),
        ];
        let i = modes
            .iter()
            .position(|m| *m == self.profile.inbound_routes)
            .unwrap_or(0) as isize;
        self.profile.inbound_routes = modes[(i + delta).rem_euclid(4) as usize];
        self.sync_fields();
        self.refresh();
    }

    /// Validates the field being edited on every keystroke; a valid value goes live at once.
    fn edited(&mut self) {
        let i = self.workspace.nav.cursor;
        let field = Field::ALL[i];
        let text = self.workspace.inputs[i].value().to_string();
        match field.apply(&text, &mut self.profile) {
            Ok(()) => {
                self.workspace.errors[i] = None;
                self.refresh();
                // A note about this field's earlier refusal is out of date now.
                self.clear_field_note(field);
            }
            Err(reason) => {
                // While the text is invalid the choices are those before the edit, never a
                // valid prefix typed on the way (10.0.1.0/2 on the way to a refused list).
                self.workspace.errors[i] = Some(reason);
                let before = self.workspace.editing.clone().unwrap_or_default();
                let was = self.profile.clone();
                let _ = field.apply(&before, &mut self.profile);
                if self.profile != was {
                    self.refresh();
                }
            }
        }
    }

    /// Clears the status when it is a note about `field`'s edit (they start with its label).
    fn clear_field_note(&mut self, field: Field) {
        if self
            .status
            .as_ref()
            .is_some_and(|s| s.text.starts_with(&format!("{}: ", field.label())))
        {
            self.status = None;
        }
    }

    /// Ends the edit (Enter on a valid value, or leaving the step). An invalid value cannot
    /// stay once the field is left: the one before the edit comes back, and the status says so.
    pub(crate) fn finish_edit(&mut self) {
        let i = self.workspace.nav.cursor;
        let before = self.workspace.editing.take().unwrap_or_default();
        if let Some(reason) = self.workspace.errors[i].take() {
            // While typing, valid prefixes of the value went live (10.0.0.0 on the way to
            // 10.0.0.0/8). A value that ends invalid must not leave one of those behind: go
            // back to the value before the edit.
            let _ = Field::ALL[i].apply(&before, &mut self.profile);
            self.refresh();
            self.say(
                Level::Warn,
                format!("{}: not changed: {reason}", Field::ALL[i].label()),
            );
        }
        self.workspace.inputs[i] = Input::new(Field::ALL[i].value_of(&self.profile, self.catalog));
    }
}

pub fn draw(app: &App, f: &mut Frame, r: Rect) {
    let focused = !app.preview_focus;
    let ws = &app.workspace;
    f.render_widget(panel(app, "3. Workspace".into(), focused), r);
    let list = layout::step_list(Step::Workspace, r);
    let label_w = 20usize;
    let mut lines = Vec::new();
    for (i, field) in Field::ALL
        .iter()
        .enumerate()
        .skip(ws.nav.offset)
        .take(list.height as usize)
    {
        let selected = i == ws.nav.cursor;
        let editing = selected && ws.editing.is_some();
        // While editing, the window of the text around the cursor, so the end of a long list
        // and its mark stay on screen: the marker, label, brackets and mark take 26 columns.
        let room = (list.width as usize).saturating_sub(label_w + 6);
        let (value, cursor) = if editing {
            let (shown, cursor) = filter::window(&ws.inputs[i], room);
            // Text that scrolls fills the room, so the bracket and the mark stay in place
            // whether the cursor is after the text or inside it.
            let full = Span::raw(ws.inputs[i].value()).width() + 1 >= room;
            let pad = if full {
                room.saturating_sub(Span::raw(shown).width())
            } else {
                0
            };
            (format!("{shown}{}", " ".repeat(pad)), cursor)
        } else {
            // A committed value longer than its row ends with `…` (a list: with how many items
            // are left out), never cut by the panel's edge where it would look whole. The
            // marker, label and spaces around it take 24 columns.
            let room = (list.width as usize).saturating_sub(label_w + 4);
            let value = ws.inputs[i].value();
            let cut = if field.is_list() {
                truncate_list(value, room)
            } else {
                truncate(value, room)
            };
            (cut, 0)
        };
        let shown = if value.is_empty() && !editing {
            "(none)".to_string()
        } else {
            value
        };
        let value_style = if editing {
            app.theme.base().add_modifier(Modifier::UNDERLINED)
        } else {
            app.theme.base()
        };
        let mut spans = vec![
            Span::raw(format!("{:<label_w$}", field.label())),
            Span::styled(if editing { "[" } else { " " }, app.theme.dim()),
            Span::styled(shown, value_style),
            Span::styled(if editing { "]" } else { " " }, app.theme.dim()),
        ];
        // The reason itself is under the list, wrapped, where it has the room.
        match &ws.errors[i] {
            Some(_) => spans.push(Span::styled(
                format!(" {}", app.theme.cross()),
                app.theme.error(),
            )),
            None if editing => spans.push(Span::styled(
                format!(" {}", app.theme.check()),
                app.theme.ok(),
            )),
            None => {}
        }
        lines.push(row_line(app, selected, focused && !editing, spans));
        if editing && app.no_modal() {
            let row = (i - ws.nav.offset) as u16;
            let x = (list.x + 2 + label_w as u16 + 1).saturating_add(cursor);
            f.set_cursor_position(Position::new(
                x.min(list.right().saturating_sub(1)),
                list.y + row,
            ));
        }
    }
    f.render_widget(Paragraph::new(lines), list);
    let inner = layout::inner(r);
    let help = Rect::new(
        inner.x,
        list.bottom(),
        inner.width,
        inner.bottom().saturating_sub(list.bottom()),
    );
    let field = Field::ALL[ws.nav.cursor];
    let mut text = Vec::new();
    if let Some(e) = &ws.errors[ws.nav.cursor] {
        text.push(Line::styled(
            format!("{} {}: {e}", app.theme.cross(), field.label()),
            app.theme.error(),
        ));
    }
    // Said here, where sources are set, not only in the export's header.
    if app.profile.sources.is_empty() {
        text.push(Line::styled(
            "! No source CIDRs: every Azure Firewall rule allows ANY source (*).",
            app.theme.error(),
        ));
    } else if app
        .profile
        .parsed_sources()
        .iter()
        .any(|n| n.prefix_len() == 0)
    {
        text.push(Line::styled(
            "! A /0 source: the rules allow traffic from anywhere.",
            app.theme.error(),
        ));
    }
    text.push(Line::styled(field.help_text(app.catalog), app.theme.dim()));
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), help);
}
