//! Step 5: the export of the chosen target, rendered once per change, scrolled both ways, and
//! written to a file or copied.

use super::{Nav, Step};
use crate::export::{self, Export, ExportOptions};
use crate::tui::app::{App, Effect, Level};
use crate::tui::keys::Action;
use crate::tui::layout;
use crate::tui::modal::{Modal, Prompt};
use crate::tui::widgets::{panel, row_line, truncate};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph, Wrap};
use ratatui::Frame;

/// The rendered export of the selected target, kept until the rules or the target change.
#[derive(Debug, Clone)]
pub struct ExportView {
    pub target: usize,
    pub result: Result<Export, String>,
    pub line_count: usize,
    /// The widest line, in characters (how far the text scrolls sideways).
    pub width: usize,
}

#[derive(Debug, Clone, Default)]
pub struct ExportStep {
    pub nav: Nav,
    /// First line shown.
    pub scroll: usize,
    /// First column shown.
    pub hscroll: usize,
    pub view: Option<ExportView>,
}

/// Columns one ←/→ moves the text.
const SIDE_STEP: usize = 8;

impl App<'_> {
    /// Renders the selected target once; the view only reads the result.
    pub(crate) fn render_export(&mut self) {
        let idx = self.export.nav.cursor;
        if self.export.view.as_ref().is_some_and(|v| v.target == idx) {
            return;
        }
        let target = export::targets()[idx];
        let result = match &self.rules {
            Err(e) => Err(e.clone()),
            Ok(rs) => {
                let usable = self.usable_tags();
                if export::needs_service_tags(target, rs) && usable.is_none() {
                    Err(format!("{}: {}", target.id(), self.why_no_tags()))
                } else {
                    let opts = ExportOptions {
                        service_tags: usable,
                        ..ExportOptions::default()
                    };
                    target.render(rs, &opts).map_err(|e| e.to_string())
                }
            }
        };
        let (line_count, width) = match &result {
            Ok(e) => (
                e.text.lines().count(),
                e.text.lines().map(|l| l.chars().count()).max().unwrap_or(0),
            ),
            Err(_) => (1, 0),
        };
        self.export.view = Some(ExportView {
            target: idx,
            result,
            line_count,
            width,
        });
        self.export.scroll = 0;
        self.export.hscroll = 0;
    }

    /// Rows and columns of export text on screen now.
    fn export_text_size(&self) -> (usize, usize) {
        let r = layout::export_text(self.areas().main, self.zoom);
        (r.height.saturating_sub(1) as usize, r.width as usize)
    }

    pub(crate) fn export_key(&mut self, action: Action) -> Option<Vec<Effect>> {
        let n = export::targets().len();
        let h = self.list_height(Step::Export);
        let (text_h, text_w) = self.export_text_size();
        let (lines, width) = self
            .export
            .view
            .as_ref()
            .map_or((0, 0), |v| (v.line_count, v.width));
        let max_scroll = lines.saturating_sub(text_h);
        let max_h = width.saturating_sub(text_w);
        // Zoomed, the target list is hidden: the keys that would move it scroll the text.
        let action = match action {
            Action::Up if self.zoom => {
                self.export.scroll = self.export.scroll.min(max_scroll).saturating_sub(1);
                return Some(Vec::new());
            }
            Action::Down if self.zoom => {
                self.export.scroll = (self.export.scroll + 1).min(max_scroll);
                return Some(Vec::new());
            }
            Action::Home if self.zoom => {
                self.export.scroll = 0;
                return Some(Vec::new());
            }
            Action::End if self.zoom => {
                self.export.scroll = max_scroll;
                return Some(Vec::new());
            }
            a => a,
        };
        match action {
            Action::Up => self.select_target(self.export.nav.cursor.saturating_sub(1), n, h),
            Action::Down => self.select_target(self.export.nav.cursor + 1, n, h),
            Action::Home => self.select_target(0, n, h),
            Action::End => self.select_target(n - 1, n, h),
            Action::PageDown => {
                self.export.scroll = (self.export.scroll + text_h.max(1)).min(max_scroll)
            }
            Action::PageUp => {
                self.export.scroll = self
                    .export
                    .scroll
                    .min(max_scroll)
                    .saturating_sub(text_h.max(1))
            }
            Action::Right => self.export.hscroll = (self.export.hscroll + SIDE_STEP).min(max_h),
            Action::Left => {
                self.export.hscroll = self.export.hscroll.min(max_h).saturating_sub(SIDE_STEP)
            }
            Action::Write => self.ask_write_path(),
            Action::Copy => return Some(self.copy_export()),
            _ => return None,
        }
        Some(Vec::new())
    }

    pub(crate) fn select_target(&mut self, i: usize, n: usize, h: usize) {
        self.export.nav.set(i, n, h);
        self.render_export();
    }

    fn ask_write_path(&mut self) {
        let t = export::targets()[self.export.nav.cursor];
        if self.export.view.as_ref().is_some_and(|v| v.result.is_err()) {
            self.say(
                Level::Error,
                "this target has no output to write (see the message)",
            );
        } else if t.is_multi_file() {
            // The preview is the files one after the other; the tool reads a directory.
            let said = self.multi_file_command(t.id());
            self.say(Level::Error, said);
        } else {
            self.path = Prompt::prefilled(format!("amlfw-{}.{}", t.id(), t.extension()));
            self.modal = Modal::PathPrompt;
        }
    }

    /// What to run to write a multi-file target: the command that makes the same export as the
    /// wizard shows (the saved profile, the Service Tags file), shell-quoted. Choices that no
    /// saved profile holds cannot be named on a command line whole: then it says to save them
    /// first (and which name the command would take).
    pub fn multi_file_command(&self, target: &str) -> String {
        use crate::export::text::sh_quote;
        let saved = self
            .profile_name
            .as_deref()
            .filter(|_| self.stored && !self.dirty());
        let name = self.profile_name.as_deref().unwrap_or("NAME");
        let mut cmd = format!("amlfw export -t {target} --profile {}", sh_quote(name));
        if let (Some(_), Some(file)) = (self.usable_tags(), &self.tags_file) {
            cmd.push_str(&format!(
                " --service-tags {}",
                sh_quote(&file.display().to_string())
            ));
        }
        cmd.push_str(" -o DIR");
        // Shown on the terminal: a path's control characters escaped.
        let cmd = crate::diag::escape(&cmd).into_owned();
        match saved {
            Some(_) => format!(
                "{target} is several files: write them with `{cmd}` (copy works on the preview)"
            ),
            None => format!(
                "{target} is several files: save these choices as a profile (p), then write them with `{cmd}` (copy works on the preview)"
            ),
        }
    }

    fn copy_export(&mut self) -> Vec<Effect> {
        if let Some(ExportView {
            result: Ok(e),
            target,
            ..
        }) = &self.export.view
        {
            return vec![Effect::Copy {
                text: e.text.clone(),
                target: export::targets()[*target].id(),
            }];
        }
        self.say(Level::Error, "this target has no output to copy");
        Vec::new()
    }
}

/// The line over the text: what it is, where the view is (`line 120/617`), what it leaves out.
fn head(app: &App, v: &ExportView, width: usize, rows: usize) -> String {
    let target = export::targets()[app.export.nav.cursor];
    let Ok(e) = &v.result else {
        return format!("{} · no output", target.name());
    };
    let mut place = format!(" · line {}/{}", app.export.scroll + 1, v.line_count);
    if v.line_count <= rows {
        place = format!(" · {} lines", v.line_count);
    }
    if app.export.hscroll > 0 {
        place.push_str(&format!(" · col {}", app.export.hscroll + 1));
    }
    if !e.unexpressed.is_empty() {
        place.push_str(&format!(" · {} not covered", e.unexpressed.len()));
    }
    let bytes = format!(" · {} bytes", e.text.len());
    let name = format!("{} ({})", target.name(), target.extension());
    let room = width.saturating_sub(place.chars().count());
    let mut out = format!("{}{place}", truncate(&name, room));
    if out.chars().count() + bytes.len() <= width {
        out.push_str(&bytes);
    }
    out
}

pub fn draw(app: &App, f: &mut Frame, r: Rect) {
    let focused = !app.preview_focus;
    f.render_widget(panel(app, "5. Export".into(), focused), r);
    let text_area = layout::export_text(r, app.zoom);
    if !app.zoom {
        let list = layout::step_list(Step::Export, r);
        let mut lines = Vec::new();
        for (i, t) in export::targets()
            .iter()
            .enumerate()
            .skip(app.export.nav.offset)
            .take(list.height as usize)
        {
            lines.push(row_line(
                app,
                i == app.export.nav.cursor,
                focused,
                vec![Span::raw(t.id())],
            ));
        }
        f.render_widget(Paragraph::new(lines), list);
        let sep = Rect::new(
            text_area.x.saturating_sub(1),
            text_area.y,
            1,
            text_area.height,
        );
        f.render_widget(
            app.theme.block(Borders::LEFT).border_style(app.theme.dim()),
            sep,
        );
    }
    let Some(v) = &app.export.view else { return };
    let body = Rect::new(
        text_area.x,
        text_area.y + 1,
        text_area.width,
        text_area.height.saturating_sub(1),
    );
    let head_area = Rect::new(text_area.x, text_area.y, text_area.width, 1);
    f.render_widget(
        Paragraph::new(head(app, v, text_area.width as usize, body.height as usize))
            .style(app.theme.title()),
        head_area,
    );
    match &v.result {
        Ok(e) => {
            let lines: Vec<Line> = e
                .text
                .lines()
                .skip(app.export.scroll)
                .take(body.height as usize)
                .map(|l| {
                    let l = crate::export::text::one_line(l);
                    Line::raw(l.chars().skip(app.export.hscroll).collect::<String>())
                })
                .collect();
            f.render_widget(Paragraph::new(lines), body);
        }
        Err(msg) => f.render_widget(
            Paragraph::new(msg.as_str())
                .style(app.theme.error())
                .wrap(Wrap { trim: true }),
            body,
        ),
    }
}
