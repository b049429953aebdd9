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

/// The help's lines for the screen under it.
fn help_lines(app: &App) -> Vec<Line<'static>> {
    let ctx = app.screen_ctx();
    let mut lines: Vec<Line> = vec![Line::styled(
        format!("Keys on this screen ({})", ctx_title(ctx)),
        app.theme.title(),
    )];
    for b in bindings(ctx) {
        let keys: Vec<String> = b.keys.iter().map(crate::tui::keys::key_name).collect();
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<18}", keys.join(", ")), app.theme.key()),
            Span::raw(b.desc),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Mouse: click a step, a list item or a rule; click a rule again for its details; the wheel scrolls.", app.theme.dim()));
    lines.push(Line::styled("Esc closes this help.", app.theme.dim()));
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
            let n = help_lines(app).len();
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
    let lines = help_lines(app);
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
