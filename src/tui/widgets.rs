//! Drawing pieces every component uses: panels, list rows, modal frames, cutting text.

use super::app::App;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

/// A step's or the preview's bordered panel; the focused one has the focus colour and, without
/// colour, a `>` before its title.
pub fn panel<'a>(app: &App, title: String, focused: bool) -> Block<'a> {
    let t = &app.theme;
    let title = if focused && t.mono {
        format!("> {title}")
    } else {
        title
    };
    t.block(Borders::ALL)
        .border_style(if focused { t.focus_border() } else { t.dim() })
        .title(Span::styled(title, t.title()))
}

/// One list row: a `>` marker on the cursor row (always, so NO_COLOR users see it too).
pub fn row_line<'a>(
    app: &App,
    selected: bool,
    focused: bool,
    mut spans: Vec<Span<'a>>,
) -> Line<'a> {
    let marker = if selected { "> " } else { "  " };
    spans.insert(0, Span::raw(marker));
    let mut line = Line::from(spans);
    if selected && focused {
        line = line.style(app.theme.selected());
    }
    line
}

/// The mark of a one-of-many choice: `(*)` for the chosen one.
pub fn radio(chosen: bool) -> &'static str {
    if chosen {
        "(*)"
    } else {
        "( )"
    }
}

pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub fn modal_block<'a>(app: &App, title: &str) -> Block<'a> {
    app.theme
        .block(Borders::ALL)
        .border_style(app.theme.focus_border())
        .title(Span::styled(format!(" {title} "), app.theme.title()))
}

/// Cuts `s` to `w` characters, marking the cut with `…`.
pub fn truncate(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        return s.to_string();
    }
    if w == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(w - 1).collect();
    out.push('…');
    out
}

/// Cuts a comma-separated list to `w` characters at an item's end, saying how many items are
/// left out (`10.0.0.0/24, 10.0.1.0/24, … (+3)`), so a cut list never looks complete. When not
/// even the first item fits beside the count, it is cut like any text.
pub fn truncate_list(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        return s.to_string();
    }
    let items: Vec<&str> = s.split(", ").collect();
    let mut shown = String::new();
    let mut best = None;
    for (k, item) in items.iter().enumerate() {
        if k > 0 {
            shown.push_str(", ");
        }
        shown.push_str(item);
        let candidate = format!("{shown}, … (+{})", items.len() - k - 1);
        if candidate.chars().count() > w {
            break;
        }
        best = Some(candidate);
    }
    best.unwrap_or_else(|| truncate(s, w))
}
