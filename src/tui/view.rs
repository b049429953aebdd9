//! `view`: draws the state. Pure: reads the `App`, computes nothing expensive (rules and
//! exports are computed by `update`), performs no I/O. Each component draws its own area.

use super::app::{App, Level, Status, Step};
use super::footer::footer;
use super::layout::{self, StepBar};
use super::modal::{self, Modal};
use super::step::{cloud, export, features, region, workspace};
use super::widgets::truncate;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn view(app: &App, f: &mut Frame) {
    let area = f.area();
    if layout::too_small(area.width, area.height) {
        too_small(app, f, area);
        return;
    }
    let a = app.areas();
    step_bar(app, f, a.steps);
    if a.main.height > 0 {
        match app.step {
            Step::Cloud => cloud::draw(app, f, a.main),
            Step::Region => region::draw(app, f, a.main),
            Step::Workspace => workspace::draw(app, f, a.main),
            Step::Features => features::draw(app, f, a.main),
            Step::Export => export::draw(app, f, a.main),
        }
    }
    super::preview::draw(app, f, a.preview);
    status(app, f, a.status);
    footer(app, f, a.footer);
    modal::draw(app, f, area);
}

/// Says what is wrong and how to get out: the keys of a screen this small are not drawn, so
/// they are named here.
fn too_small(app: &App, f: &mut Frame, area: Rect) {
    let mut lines = vec![Line::from(format!(
        "terminal too small (need {}x{}, have {}x{})",
        layout::MIN_WIDTH,
        layout::MIN_HEIGHT,
        area.width,
        area.height
    ))];
    if app.modal == Modal::ConfirmQuit {
        lines.push(Line::from("choices not saved: y quits anyway, n stays"));
    } else {
        lines.push(Line::from("resize, or press q to quit"));
    }
    let p = Paragraph::new(lines)
        .style(app.theme.warn())
        .wrap(Wrap { trim: true });
    let rows = p.line_count(area.width) as u16;
    let y = (area.height.saturating_sub(rows)) / 2;
    f.render_widget(p, Rect::new(0, y, area.width, rows.min(area.height - y)));
}

/// The title: `amlfw`, the profile's name, and `*` while the choices differ from it.
pub fn title_text(app: &App) -> String {
    let name = app
        .profile_name
        .as_deref()
        .map(|n| format!(" {}", truncate(n, 16)))
        .unwrap_or_default();
    format!("amlfw{name}{}", if app.dirty() { "*" } else { "" })
}

/// The step bar's geometry: the width of the title and the space after it, before the step
/// labels, the bar's width and the current step (the mouse's hit test uses the same labels).
pub fn step_bar_geometry(app: &App) -> StepBar {
    StepBar {
        title: title_text(app).chars().count() as u16 + 1,
        width: app.areas().steps.width,
        current: app.step,
    }
}

fn step_bar(app: &App, f: &mut Frame, r: Rect) {
    let t = &app.theme;
    let mut spans = vec![Span::styled(title_text(app), t.title()), Span::raw(" ")];
    let (labels, sep) = step_bar_geometry(app).labels();
    for (i, (s, label)) in Step::ALL.iter().zip(labels).enumerate() {
        let (text, style) = if *s == app.step {
            // Brackets mark the current step without relying on colour.
            let inner = label.trim();
            (format!("[{inner}]"), t.step_current())
        } else if app.visited[i] {
            (label, t.step_done())
        } else {
            (label, t.dim())
        };
        spans.push(Span::styled(text, style));
        if i + 1 < Step::ALL.len() {
            spans.push(Span::styled(sep, t.dim()));
        }
    }
    // The edition, right-aligned where the steps leave room (the rules panel's title always
    // names it); "zoom" while a pane has the whole screen.
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let right = format!(
        "{}edition {}",
        if app.zoom { "zoom (z) · " } else { "" },
        app.edition()
    );
    let room = (r.width as usize).saturating_sub(used);
    if room > right.chars().count() + 2 {
        spans.push(Span::raw(" ".repeat(room - right.chars().count())));
        spans.push(Span::styled(right, t.title()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), r);
}

/// What a status line too narrow for its message ends with: where to read it whole.
pub const STATUS_CUT_HINT: &str = " · ! shows it whole";

/// The status message as the line shows it: its level's mark, then the text; cut to `width`
/// with `…` and the way to read it whole (`!`) when it is longer.
pub fn status_text(s: &Status, width: usize) -> String {
    let full = format!("{}{}", status_mark(s.level), s.text);
    if full.chars().count() <= width {
        return full;
    }
    let hint = STATUS_CUT_HINT.chars().count();
    if width < hint + 20 {
        return truncate(&full, width);
    }
    format!("{}{STATUS_CUT_HINT}", truncate(&full, width - hint))
}

/// How the status line marks a level (nothing for plain information).
pub fn status_mark(level: Level) -> &'static str {
    match level {
        Level::Info => "",
        Level::Ok => "ok: ",
        Level::Warn => "note: ",
        Level::Error => "error: ",
    }
}

fn status(app: &App, f: &mut Frame, r: Rect) {
    let Some(s) = &app.status else { return };
    let style = match s.level {
        Level::Info => app.theme.base(),
        Level::Ok => app.theme.ok(),
        Level::Warn => app.theme.warn(),
        Level::Error => app.theme.error(),
    };
    f.render_widget(
        Paragraph::new(status_text(s, r.width as usize)).style(style),
        r,
    );
}
