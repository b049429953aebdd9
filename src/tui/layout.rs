//! Where everything goes on screen, as pure functions of the terminal size and the screen's
//! shape. The view draws into these rectangles and `update` maps mouse positions and list
//! heights with the same functions, so the two cannot disagree.

use super::step::Step;
use ratatui::layout::Rect;

/// Below this the wizard shows "terminal too small".
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 18;
/// Width of the target list on the Export step.
pub const TARGET_LIST_WIDTH: u16 = 19;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// Title and step bar (one line).
    pub steps: Rect,
    /// The current step's panel (with border).
    pub main: Rect,
    /// The rules preview panel (with border), or on the Export step its one summary line;
    /// no rows at all while the step is zoomed.
    pub preview: Rect,
    /// Status line.
    pub status: Rect,
    /// Key hints.
    pub footer: Rect,
}

/// What decides the split of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub step: Step,
    pub preview_focus: bool,
    /// The focused pane takes the whole body.
    pub zoom: bool,
    /// Rows the step's content wants, borders included.
    pub wanted: u16,
}

pub fn too_small(w: u16, h: u16) -> bool {
    w < MIN_WIDTH || h < MIN_HEIGHT
}

/// The step gets the rows its content wants, up to a little over half of the screen; the
/// preview gets the rest, full width. On Export the text is what matters: the step gets
/// everything but one summary line of the rules. Zoom gives the focused pane everything.
pub fn areas(w: u16, h: u16, s: Shape) -> Areas {
    let steps = Rect::new(0, 0, w, 1);
    let status = Rect::new(0, h.saturating_sub(2), w, 1);
    let footer = Rect::new(0, h.saturating_sub(1), w, 1);
    let body = Rect::new(0, 1, w, h.saturating_sub(3));
    let split = |top: u16| {
        let top = top.min(body.height);
        (
            Rect::new(body.x, body.y, body.width, top),
            Rect::new(body.x, body.y + top, body.width, body.height - top),
        )
    };
    let (main, preview) = match (s.zoom, s.preview_focus, s.step) {
        (true, false, _) => split(body.height),
        (true, true, _) => split(0),
        (false, false, Step::Export) => split(body.height.saturating_sub(1)),
        (false, _, _) => split(s.wanted.min(body.height * 11 / 20)),
    };
    Areas {
        steps,
        main,
        preview,
        status,
        footer,
    }
}

/// The inside of a bordered panel.
pub fn inner(r: Rect) -> Rect {
    Rect::new(
        r.x.saturating_add(1),
        r.y.saturating_add(1),
        r.width.saturating_sub(2),
        r.height.saturating_sub(2),
    )
}

/// Lines of help text under the Features list (shrinks on short terminals).
pub fn feature_help_lines(main: Rect) -> u16 {
    if inner(main).height >= 14 {
        5
    } else {
        3
    }
}

/// The rows of the current step's list (one item per row), for scrolling and clicks.
pub fn step_list(step: Step, main: Rect) -> Rect {
    let i = inner(main);
    match step {
        // Three clouds, then their help.
        Step::Cloud => Rect::new(i.x, i.y, i.width, i.height.min(3)),
        // Filter line on top, paired-region line at the bottom.
        Step::Region => Rect::new(i.x, i.y + 1, i.width, i.height.saturating_sub(2)),
        // Field lines, then the focused field's help (and error).
        Step::Workspace => Rect::new(
            i.x,
            i.y,
            i.width,
            i.height.saturating_sub(super::step::workspace::HELP_LINES),
        ),
        // Filter line, list, help box.
        Step::Features => {
            let help = feature_help_lines(main);
            Rect::new(i.x, i.y + 1, i.width, i.height.saturating_sub(1 + help))
        }
        Step::Export => Rect::new(i.x, i.y, TARGET_LIST_WIDTH.min(i.width), i.height),
    }
}

/// The Export step's text view (its first row is the head line); zoomed, it has the whole
/// panel and the target list is hidden.
pub fn export_text(main: Rect, zoom: bool) -> Rect {
    let i = inner(main);
    if zoom {
        return i;
    }
    let w = TARGET_LIST_WIDTH.min(i.width) + 1;
    Rect::new(i.x + w, i.y, i.width.saturating_sub(w), i.height)
}

/// Lines the warnings take at the bottom of the preview.
pub fn warning_lines(preview: Rect, warnings: usize) -> u16 {
    if warnings == 0 || preview.height < 3 {
        return 0;
    }
    let max = (inner(preview).height / 3).max(1);
    (warnings as u16 + 1).min(max)
}

/// The preview's rule rows (below the table header, above the warnings).
pub fn preview_rows(preview: Rect, warnings: usize) -> Rect {
    if preview.height < 3 {
        return Rect::new(preview.x, preview.y, preview.width, 0);
    }
    let i = inner(preview);
    let warn = warning_lines(preview, warnings);
    Rect::new(i.x, i.y + 1, i.width, i.height.saturating_sub(1 + warn))
}

pub fn contains(r: Rect, x: u16, y: u16) -> bool {
    x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height
}

/// What places the step bar's labels: the title's width (the labels start after it), the
/// bar's width and the current step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepBar {
    pub title: u16,
    pub width: u16,
    pub current: Step,
}

impl StepBar {
    /// Each step's label, and the separator between them: every title when they fit;
    /// otherwise the other steps by number only and the current one spelled out, so the bar
    /// is never cut before the step the user is on.
    pub fn labels(&self) -> (Vec<String>, &'static str) {
        let full: Vec<String> = Step::ALL.iter().map(|s| step_label(*s)).collect();
        let width = |labels: &[String], sep: &str| {
            labels.iter().map(|l| l.chars().count()).sum::<usize>()
                + sep.chars().count() * (labels.len() - 1)
        };
        if self.title as usize + width(&full, STEP_SEPARATOR) <= self.width as usize {
            return (full, STEP_SEPARATOR);
        }
        let short = Step::ALL
            .iter()
            .map(|s| {
                if *s == self.current {
                    step_label(*s)
                } else {
                    format!(" {} ", s.index() + 1)
                }
            })
            .collect();
        (short, SHORT_SEPARATOR)
    }
}

/// Step-bar hit test: which step label is at column `x`. The labels are those `StepBar::labels`
/// gives the bar's drawing.
pub fn step_at(x: u16, bar: StepBar) -> Option<Step> {
    let (labels, sep) = bar.labels();
    let mut col = bar.title;
    for (s, label) in Step::ALL.iter().zip(labels) {
        let w = label.chars().count() as u16;
        if x >= col && x < col.saturating_add(w) {
            return Some(*s);
        }
        col = col.saturating_add(w + sep.chars().count() as u16);
    }
    None
}

pub const STEP_SEPARATOR: &str = " > ";
/// Between the steps' numbers, when the titles do not fit.
pub const SHORT_SEPARATOR: &str = ">";

pub fn step_label(s: Step) -> String {
    format!(" {}. {} ", s.index() + 1, s.title())
}
