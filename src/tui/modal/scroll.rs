//! The scrolling overlays: `?` help and the details (a rule, what changes, private DNS, the
//! warnings). Their geometry and content are pure functions of the state and the terminal
//! size, shared by drawing and by `update` (clamping the scroll), so End stops at the last line
//! and Up moves at once after it.

use super::Modal;
use crate::tui::app::{App, Effect};
use crate::tui::keys::{bindings, Action, Ctx};
use crate::tui::widgets::{centered, modal_block};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

/// Width of the help's key column.
const KEY_COLUMN: usize = 20;

/// `text` in lines of at most `width` columns, broken between words (a word longer than the
/// width stands alone on its line and is cut by the frame, as before).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let last = lines.last_mut().expect("one line at least");
        let len = last.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if len > 0 {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

/// The help's inner width at the terminal's width (see `help_rect`).
fn help_width(area: Rect) -> usize {
    usize::from(area.width.saturating_sub(8).min(90).saturating_sub(2))
}

/// The help's lines for the screen under it, wrapped between words to `width` (a key's
/// description continues under itself, not under the keys).
fn help_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let ctx = app.screen_ctx();
    let mut lines: Vec<Line> = vec![Line::styled(
        format!("Keys on this screen ({})", ctx_title(ctx)),
        app.theme.title(),
    )];
    let desc_width = width.saturating_sub(KEY_COLUMN).max(10);
    for b in bindings(ctx) {
        let keys: Vec<String> = b.keys.iter().map(crate::tui::keys::key_name).collect();
        for (i, part) in wrap_words(b.desc, desc_width).into_iter().enumerate() {
            let head = if i == 0 {
                format!("  {:<w$}", keys.join(", "), w = KEY_COLUMN - 2)
            } else {
                " ".repeat(KEY_COLUMN)
            };
            lines.push(Line::from(vec![
                Span::styled(head, app.theme.key()),
                Span::raw(part),
            ]));
        }
    }
    lines.push(Line::raw(""));
    let notes = [
        "Mouse: click a step, a list item or a rule; click a rule again for its details; the wheel scrolls.",
        "Esc closes this help.",
    ];
    for note in notes {
        for part in wrap_words(note, width.max(10)) {
            lines.push(Line::styled(part, app.theme.dim()));
        }
    }
    lines
}

fn help_rect(area: Rect, lines: usize) -> Rect {
    centered(
        area,
        area.width.saturating_sub(8).min(90),
        (lines as u16 + 2).min(area.height.saturating_sub(2)),
    )
}

fn detail_rect(area: Rect) -> Rect {
    centered(
        area,
        area.width.saturating_sub(6).min(110),
        area.height.saturating_sub(4),
    )
}

fn detail_paragraph(lines: &[String]) -> Paragraph<'_> {
    let text: Vec<Line> = lines.iter().map(|l| Line::raw(l.as_str())).collect();
    Paragraph::new(text).wrap(Wrap { trim: false })
}

/// The open overlay's (largest scroll, rows shown at once) at the terminal size `app.size`;
/// None when no scrolling overlay is open.
pub fn scroll_limits(app: &App) -> Option<(usize, usize)> {
    let area = Rect::new(0, 0, app.size.0, app.size.1);
    let (rows, r) = match &app.modal {
        Modal::Help { .. } => {
            let n = help_lines(app, help_width(area)).len();
            (n, help_rect(area, n))
        }
        Modal::Detail { lines, .. } => {
            let r = detail_rect(area);
            // The paragraph scrolls by wrapped rows: count them exactly.
            (
                detail_paragraph(lines).line_count(r.width.saturating_sub(2)),
                r,
            )
        }
        _ => return None,
    };
    let inner = r.height.saturating_sub(2) as usize;
    Some((rows.saturating_sub(inner), inner.max(1)))
}

/// The `?` overlay: every binding of the screen under it, from the same table as the footer.
pub fn help(app: &App, f: &mut Frame, area: Rect, scroll: usize) {
    let lines = help_lines(app, help_width(area));
    let r = help_rect(area, lines.len());
    let max = lines
        .len()
        .saturating_sub(r.height.saturating_sub(2) as usize);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines)
            .block(modal_block(app, "Help"))
            .scroll((scroll.min(max) as u16, 0)),
        r,
    );
}

pub fn detail(app: &App, f: &mut Frame, area: Rect, title: &str, lines: &[String], scroll: usize) {
    let r = detail_rect(area);
    f.render_widget(Clear, r);
    let p = detail_paragraph(lines);
    let rows = p.line_count(r.width.saturating_sub(2));
    let max = rows.saturating_sub(r.height.saturating_sub(2) as usize);
    f.render_widget(
        p.block(modal_block(app, title))
            .scroll((scroll.min(max) as u16, 0)),
        r,
    );
}

pub fn ctx_title(ctx: Ctx) -> &'static str {
    match ctx {
        Ctx::Cloud => "Cloud",
        Ctx::Region => "Region",
        Ctx::RegionFilter => "Region: typing filters",
        Ctx::Workspace => "Workspace",
        Ctx::WorkspaceEdit => "Workspace: editing a field",
        Ctx::Features => "Features",
        Ctx::FeatureFilter => "Features: typing filters",
        Ctx::Export => "Export",
        Ctx::Preview => "Rules preview",
        Ctx::Help => "Help",
        Ctx::Detail => "Details",
        Ctx::Confirm => "Question",
        Ctx::Prompt => "Prompt",
        Ctx::Profiles => "Profiles",
    }
}

impl App<'_> {
    /// Scrolls help or the details, never past the last line.
    pub(crate) fn scroll_key(&mut self, action: Action) -> Option<Vec<Effect>> {
        let (max, page) = scroll_limits(self)?;
        let scroll = match &mut self.modal {
            Modal::Help { scroll } | Modal::Detail { scroll, .. } => scroll,
            _ => return None,
        };
        let s = (*scroll).min(max);
        *scroll = match action {
            Action::Back => {
                self.modal = Modal::None;
                return Some(Vec::new());
            }
            Action::Up => s.saturating_sub(1),
            Action::Down => s + 1,
            Action::PageUp => s.saturating_sub(page),
            Action::PageDown => s + page,
            Action::Home => 0,
            Action::End => max,
            _ => return None,
        }
        .min(max);
        Some(Vec::new())
    }
}
