//! The rules preview: every rule of the current choices, the ones the last change added
//! marked `+`, a rule's details on Enter, and the warnings. On the Export step it shrinks to a
//! summary line so the export text gets the room.

use super::app::{App, Effect};
use super::keys::Action;
use super::layout;
use super::modal::Modal;
use super::step::{Nav, Step};
use super::widgets::{panel, row_line, truncate};
use crate::export::{self, coverage::Verdict};
use crate::model::Kind;
use crate::rules::{RuleSet, Warning};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use std::collections::HashSet;

#[derive(Debug, Clone, Default)]
pub struct Preview {
    pub nav: Nav,
    /// Ids of the rules the last change added (marked `+`).
    pub new_rules: HashSet<String>,
}

impl App<'_> {
    pub(crate) fn preview_height(&self) -> usize {
        let warnings = self.shown_warnings().len();
        layout::preview_rows(self.areas().preview, warnings).height as usize
    }

    pub(crate) fn preview_key(&mut self, action: Action) -> Option<Vec<Effect>> {
        let n = self.rule_count();
        let h = self.preview_height();
        match action {
            Action::Select => self.open_detail(),
            Action::Back => {
                self.preview_focus = false;
                self.reflow();
            }
            a if self.preview.nav.act(a, n, h) => {}
            _ => return None,
        }
        Some(Vec::new())
    }

    pub(crate) fn preview_click(&mut self, x: u16, y: u16) {
        let a = self.areas();
        let warnings = self.shown_warnings().len();
        let rows = layout::preview_rows(a.preview, warnings);
        if layout::contains(rows, x, y) {
            let i = self.preview.nav.offset + (y - rows.y) as usize;
            if i < self.rule_count() {
                let again = self.preview_focus && self.preview.nav.cursor == i;
                self.focus_preview();
                let (n, h) = (self.rule_count(), self.preview_height());
                self.preview.nav.set(i, n, h);
                if again {
                    self.open_detail();
                }
            }
        } else {
            self.focus_preview();
        }
    }

    /// Every warning shown now, whole and wrapped, in a scrolling overlay, under the latest
    /// status message (whole: the status line cuts what does not fit).
    pub fn open_warnings(&mut self) {
        let warnings = self.shown_warnings();
        // On Export, the rules the chosen export leaves out too: its header lists them.
        let (title, left_out) = match (&self.step, &self.export.view) {
            (Step::Export, Some(v)) => match &v.result {
                Ok(e) => (
                    format!(
                        "{} warnings for {}",
                        warnings.len(),
                        export::targets()[v.target].id()
                    ),
                    e.unexpressed.as_slice(),
                ),
                Err(_) => (format!("{} warnings", warnings.len()), &[][..]),
            },
            _ => (format!("{} warnings", warnings.len()), &[][..]),
        };
        let mut lines = Vec::new();
        // The status line cuts a long message (an error names the file before the cause):
        // the latest one is here whole, above the warnings.
        if let Some(s) = &self.status {
            lines.push(format!(
                "Last message: {}{}",
                super::view::status_mark(s.level),
                s.text
            ));
            lines.push(String::new());
        }
        for w in &warnings {
            lines.push(format!("! {w}"));
            lines.push(String::new());
        }
        if warnings.is_empty() {
            lines.push("No warnings for these choices.".to_string());
        }
        if !left_out.is_empty() {
            if !warnings.is_empty() {
                lines.pop();
            }
            lines.push(String::new());
            lines.extend(export::listed_lines(
                format!("Not in this export ({} rules):", left_out.len()),
                left_out,
            ));
        }
        self.modal = Modal::Detail {
            title,
            lines,
            scroll: 0,
        };
    }

    /// Builds the detail of the rule under the preview cursor: purpose, features, sources,
    /// and how every target expresses it. Done here, once, so the view stays cheap.
    pub fn open_detail(&mut self) {
        let Ok(rs) = &self.rules else { return };
        let Some(rule) = rs.rules.get(self.preview.nav.cursor) else {
            return;
        };
        let mut lines = vec![
            format!("Destination: {}", rule.remote),
            format!("Kind: {} ({})", rule.kind.title(), rule.direction().id()),
            format!("Ports: {}", rule.ports_label()),
        ];
        if let Some(p) = &rule.path {
            lines.push(format!("URL path in the document: {p}"));
        }
        if let Some(h) = &rule.next_hop {
            lines.push(format!("Next hop: {h}"));
        }
        if let Some(d) = &rule.doc_spelling {
            lines.push(format!("The document writes: {d}"));
        }
        lines.push(format!("Needed by: {}", rule.features_label()));
        lines.push(format!("Purpose: {}", rule.purpose));
        lines.push(format!("Catalog entries: {}", rule.requirements.join(", ")));
        lines.push(String::new());
        lines.push("Where it comes from:".into());
        for r in &rule.references {
            lines.push(format!(
                "  {} \"{}\" ({}) > {}",
                r.doc, r.title, r.revision, r.section
            ));
        }
        let warnings: Vec<String> = rs
            .warnings
            .iter()
            .filter(|w| {
                w.rules
                    .iter()
                    .any(|id| rule.requirements.iter().chain([&rule.id]).any(|r| r == id))
            })
            .map(worded)
            .collect();
        if !warnings.is_empty() {
            lines.push(String::new());
            lines.push("Warnings:".into());
            lines.extend(warnings.iter().map(|w| format!("  ! {w}")));
        }
        lines.push(String::new());
        lines.push("How each target expresses it:".into());
        let tags = self.tags.as_deref();
        for (t, verdict) in export::coverage::verdicts(rs, &rule.id, tags) {
            // The core's wording names the CLI flag; the wizard says its own key.
            let verdict = match verdict {
                Verdict::NeedsServiceTags { .. } if self.tags_loading.is_some() => {
                    "needs the Service Tags file (still loading)".to_string()
                }
                Verdict::NeedsServiceTags { other_cloud: true } => {
                    "needs the Service Tags file of this cloud (t opens one)".to_string()
                }
                Verdict::NeedsServiceTags { other_cloud: false } => {
                    "needs the Service Tags file (t opens one)".to_string()
                }
                other => other.to_string(),
            };
            lines.push(format!("  {:<17} {verdict}", t.id()));
        }
        self.modal = Modal::Detail {
            title: format!("Rule {}", rule.id),
            lines,
            scroll: 0,
        };
    }
}

/// `Rules 2026-03: 27 (fqdn 12, tag 10) · 3 warnings`.
fn title(app: &App, rs: &RuleSet, warnings: usize) -> String {
    let counts: Vec<String> = Kind::ALL
        .iter()
        .filter(|k| rs.count(**k) > 0)
        .map(|k| format!("{} {}", k.short(), rs.count(*k)))
        .collect();
    let w = match (warnings, app.step) {
        (0, _) => String::new(),
        (n, Step::Export) => format!(" · {n} warnings for this target"),
        (n, _) => format!(" · {n} warnings"),
    };
    format!(
        "Rules {}: {} ({}){w}",
        rs.settings.edition,
        rs.rules.len(),
        counts.join(", ")
    )
}

/// The widths of the destination, ports and features columns in `room` columns, from what
/// each needs (its longest cell). While the features keep about a quarter (less if they need
/// less), the destination grows to its need (at least 12), then the ports to theirs (at least
/// 8); the features get the rest, and what they do not need goes back to the destination and
/// the ports. A column narrower than its need is cut with `…`.
pub fn columns(room: usize, need: [usize; 3]) -> [usize; 3] {
    let [dest_need, ports_need, feat_need] = need;
    let ports_floor = ports_need.min(8);
    let feat_keep = feat_need.min((room * 2 / 7).clamp(8, 28));
    let dest = dest_need
        .min(room.saturating_sub(feat_keep + ports_floor))
        .max(dest_need.min(12));
    let ports = ports_need
        .min(room.saturating_sub(dest + feat_keep))
        .max(ports_floor);
    let mut cols = [dest, ports, room.saturating_sub(dest + ports)];
    // Room the features do not need: to the destination, then the ports.
    let mut spare = cols[2].saturating_sub(feat_need);
    for (i, n) in [(0, dest_need), (1, ports_need)] {
        let more = n.saturating_sub(cols[i]).min(spare);
        cols[i] += more;
        spare -= more;
    }
    cols[2] = room.saturating_sub(cols[0] + cols[1]);
    cols
}

/// A rule's destination as the preview lists it.
fn dest_text(rule: &crate::rules::Rule) -> String {
    let mut dest = rule.remote.to_string();
    if rule.path.is_some() {
        dest.push_str(" (+path)");
    }
    if rule.expand_prefixes {
        dest.push_str(" (prefixes)");
    }
    dest
}

pub fn draw(app: &App, f: &mut Frame, r: Rect) {
    if r.height == 0 {
        return;
    }
    let t = &app.theme;
    let rs = match &app.rules {
        Ok(rs) => rs,
        Err(e) => {
            f.render_widget(
                Paragraph::new(e.as_str())
                    .block(panel(app, "Rules".into(), app.preview_focus))
                    .style(t.error()),
                r,
            );
            return;
        }
    };
    let warnings = app.shown_warnings();
    if r.height < 3 {
        // The Export step's summary line: the count, this target's warnings, the way back.
        let w = match warnings.len() {
            0 => String::new(),
            n => format!(" · {n} warnings for this target: ! shows them"),
        };
        let text = format!(
            "Rules {}: {}{w} · r: the rules",
            rs.settings.edition,
            rs.rules.len()
        );
        f.render_widget(
            Paragraph::new(truncate(&text, r.width as usize)).style(t.dim()),
            r,
        );
        return;
    }
    f.render_widget(
        panel(app, title(app, rs, warnings.len()), app.preview_focus),
        r,
    );
    let inner = layout::inner(r);
    let w = inner.width as usize;
    let need = |label: &dyn Fn(&crate::rules::Rule) -> String| {
        rs.rules
            .iter()
            .map(|r| label(r).chars().count())
            .max()
            .unwrap_or(0)
    };
    let cols = columns(
        w.saturating_sub(2 + 8 + 2),
        [
            need(&dest_text).max("DESTINATION".len()),
            need(&|r| r.ports_label()).max("PORTS".len()),
            need(&|r| r.features_label()).max("FEATURES".len()),
        ],
    );
    let [dest_w, ports_w, feat_w] = cols;
    let fmt_row = |kind: &str, dest: &str, ports: &str, feats: &str| {
        format!(
            "{:<7} {:<dest_w$} {:<ports_w$} {}",
            kind,
            truncate(dest, dest_w),
            truncate(ports, ports_w),
            truncate(feats, feat_w)
        )
    };
    let head = Rect::new(inner.x, inner.y, inner.width, 1.min(inner.height));
    f.render_widget(
        Paragraph::new(format!(
            "  {}",
            fmt_row("KIND", "DESTINATION", "PORTS", "FEATURES")
        ))
        .style(t.dim()),
        head,
    );
    let rows = layout::preview_rows(r, warnings.len());
    let lines: Vec<Line> = rs
        .rules
        .iter()
        .enumerate()
        .skip(app.preview.nav.offset)
        .take(rows.height as usize)
        .map(|(i, rule)| {
            let dest = dest_text(rule);
            let selected = i == app.preview.nav.cursor && app.preview_focus;
            let line = row_line(
                app,
                selected,
                app.preview_focus,
                vec![ratatui::text::Span::raw(fmt_row(
                    rule.kind.short(),
                    &dest,
                    &rule.ports_label(),
                    &rule.features_label(),
                ))],
            );
            if app.preview.new_rules.contains(rule.id.as_str()) {
                super::change::mark_new(app, line, selected)
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), rows);
    let wl = layout::warning_lines(r, warnings.len());
    if wl > 0 {
        let area = Rect::new(inner.x, rows.bottom(), inner.width, wl);
        let head = if app.step == Step::Export {
            format!(
                "{} warnings for this target (! shows them whole):",
                warnings.len()
            )
        } else {
            format!("{} warnings (! shows them whole):", warnings.len())
        };
        let mut lines = vec![Line::styled(head, t.warn())];
        for w in warnings.iter().take(wl.saturating_sub(1) as usize) {
            lines.push(Line::styled(
                format!(
                    "! {}",
                    truncate(w, (inner.width as usize).saturating_sub(2))
                ),
                t.warn(),
            ));
        }
        f.render_widget(Paragraph::new(lines), area);
    }
}

/// A warning as the wizard says it: a hint that names a setting names the Workspace step's
/// field by the label the step shows (`Storage account`, `Compute public IP`), where the CLI
/// and the exports name the flag. The options' catalog titles are longer than their labels,
/// so the label comes from the step's own field, not from the hint.
pub fn worded(w: &Warning) -> String {
    w.worded(|n| match super::step::field::Field::of_setting(n.key) {
        Some(f) => format!("'{}' on the Workspace step", f.label()),
        // Not a Workspace field (none is named so today): its name, without a step to point at.
        None => format!("'{}'", n.label),
    })
}
