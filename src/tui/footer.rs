//! The one-line footer: what to do here first. The keys of the focused pane come first, the
//! step keys (Tab, profiles, rules) next and quit and help last, each as its key and a few
//! words from the key table. A hint is shown whole or not at all, and `? help` (which lists
//! every key) keeps its place at the end whenever anything fits.

use super::app::App;
use super::keys::{bindings, Action, Binding, Ctx};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Between two hints.
const GAP: usize = 2;

/// 0: the focused pane's own keys; 1: moving between steps and panes; 2: quit and help;
/// 3: views that help lists anyway (zoom, warnings), where room is left.
fn rank(b: &Binding) -> u8 {
    match b.action {
        Action::Zoom | Action::Warnings => 3,
        Action::Quit | Action::ForceQuit | Action::Help => 2,
        Action::NextStep | Action::PrevStep | Action::Profiles | Action::FocusPreview => 1,
        _ => 0,
    }
}

fn width(b: &Binding) -> usize {
    b.label.chars().count() + 1 + b.footer.chars().count()
}

/// The hints that fit in `cols` columns, in the order shown.
pub fn hints(ctx: Ctx, cols: usize) -> Vec<&'static Binding> {
    let mut all: Vec<&'static Binding> = bindings(ctx).filter(|b| !b.footer.is_empty()).collect();
    all.sort_by_key(|b| rank(b));
    let help = all.iter().position(|b| b.action == Action::Help);
    let help = help.map(|i| all.remove(i));
    let reserve = help.map_or(0, width);
    let mut out = Vec::new();
    let mut used = 0;
    for b in all {
        let need = width(b) + if out.is_empty() { 0 } else { GAP };
        let after = if help.is_some() { GAP + reserve } else { 0 };
        if used + need + after <= cols {
            out.push(b);
            used += need;
        }
    }
    if let Some(h) = help {
        let need = width(h) + if out.is_empty() { 0 } else { GAP };
        if used + need <= cols {
            out.push(h);
        }
    }
    out
}

/// The footer as plain text (for tests and the README).
pub fn text(ctx: Ctx, cols: usize) -> String {
    hints(ctx, cols)
        .iter()
        .map(|b| format!("{} {}", b.label, b.footer))
        .collect::<Vec<_>>()
        .join(&" ".repeat(GAP))
}

pub fn footer(app: &App, f: &mut Frame, r: Rect) {
    let t = &app.theme;
    let mut spans = Vec::new();
    for (i, b) in hints(app.ctx(), r.width as usize).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" ".repeat(GAP)));
        }
        spans.push(Span::styled(b.label, t.key()));
        spans.push(Span::raw(format!(" {}", b.footer)));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), r);
}
