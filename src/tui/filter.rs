//! The one way lists filter (Region and Features alike, as in lazygit or k9s): `/` opens the
//! filter line, typing narrows the list at once, Enter keeps the filter and gives the keys
//! back to the list, Esc clears it. Outside the filter line `j`, `k` and `q` are keys, never
//! text.

use super::keys::Action;
use super::theme::Theme;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use tui_input::backend::crossterm::EventHandler;
use tui_input::Input;

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub input: Input,
    /// Keys go to the filter line.
    pub active: bool,
}

/// What a key did to the filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filtered {
    /// The text changed: filter the list again.
    Changed,
    /// Only the mode changed.
    Kept,
    /// Not a filter key.
    No,
}

impl ListFilter {
    pub fn value(&self) -> &str {
        self.input.value()
    }

    pub fn query(&self) -> String {
        self.input.value().trim().to_lowercase()
    }

    /// The filter's own actions: `/`, Enter (while typing) and Esc.
    pub fn act(&mut self, action: Action) -> Filtered {
        match action {
            Action::Filter => {
                self.active = true;
                Filtered::Kept
            }
            Action::Select if self.active => {
                self.active = false;
                Filtered::Kept
            }
            Action::ClearFilter => {
                self.active = false;
                self.input.reset();
                Filtered::Changed
            }
            _ => Filtered::No,
        }
    }

    /// A key that is no binding, while the filter line takes text.
    pub fn text(&mut self, k: KeyEvent) -> bool {
        self.active && self.input.handle_event(&Event::Key(k)).is_some()
    }

    /// Pasted text, line breaks as spaces.
    pub fn paste(&mut self, text: &str) {
        paste_into(&mut self.input, text);
    }

    pub fn clear(&mut self) {
        self.active = false;
        self.input.reset();
    }

    /// The filter line: `/ to filter: TEXT`, or `filter: TEXT` with the cursor while typing.
    pub fn draw(&self, theme: &Theme, f: &mut Frame, r: Rect, show_cursor: bool) {
        let prompt = if self.active {
            "filter: "
        } else {
            "/ to filter: "
        };
        let room = (r.width as usize).saturating_sub(prompt.len());
        let (shown, cursor) = window(&self.input, room);
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(prompt, theme.dim()),
                Span::raw(shown),
            ])),
            r,
        );
        if self.active && show_cursor {
            let x =
                r.x.saturating_add(prompt.len() as u16)
                    .saturating_add(cursor);
            f.set_cursor_position(Position::new(x.min(r.right().saturating_sub(1)), r.y));
        }
    }
}

/// The part of `input` that fits in `width` columns with the cursor in view (the end of a
/// long path or list scrolls in as the cursor moves there), and the cursor's column in it.
/// The last column is kept for the cursor when it sits after the text.
pub fn window(input: &Input, width: usize) -> (&str, u16) {
    let scroll = input.visual_scroll(width.saturating_sub(1));
    let value = input.value();
    let (mut col, mut start, mut end) = (0usize, value.len(), value.len());
    for (i, c) in value.char_indices() {
        let w = Span::raw(&value[i..i + c.len_utf8()]).width();
        if col >= scroll && start == value.len() {
            start = i;
        }
        if col + w > scroll + width {
            end = i;
            break;
        }
        col += w;
    }
    let cursor = input.visual_cursor().saturating_sub(scroll).min(width);
    (
        &value[start.min(end)..end],
        u16::try_from(cursor).unwrap_or(u16::MAX),
    )
}

/// Types `text` into `input` as keys: line breaks and other control characters become spaces
/// (a pasted column of CIDRs becomes a list); everything else arrives as pasted, so validation
/// sees, and refuses, exactly what the user pasted.
pub fn paste_into(input: &mut Input, text: &str) {
    for c in text.chars() {
        let c = if c.is_control() { ' ' } else { c };
        input.handle_event(&Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
}
