//! Step 2: the region, from the cloud's list, filtered fuzzily with `/`.

use super::{Nav, Step};
use crate::tui::app::{App, Effect, Level};
use crate::tui::filter::{Filtered, ListFilter};
use crate::tui::keys::Action;
use crate::tui::layout;
use crate::tui::widgets::{panel, radio, row_line};
use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub struct RegionStep {
    pub filter: ListFilter,
    /// Indices into `catalog.regions` matching the filter, best first.
    pub rows: Vec<usize>,
    pub nav: Nav,
    matcher: nucleo_matcher::Matcher,
}

impl Default for RegionStep {
    fn default() -> Self {
        RegionStep {
            filter: ListFilter::default(),
            rows: Vec::new(),
            nav: Nav::default(),
            matcher: nucleo_matcher::Matcher::new(nucleo_matcher::Config::DEFAULT),
        }
    }
}

/// Rows the step wants for `regions` regions, borders included: the filter line, the list,
/// the paired-region line.
pub fn wanted_rows(regions: usize) -> u16 {
    (regions as u16).saturating_add(4)
}

impl App<'_> {
    pub(crate) fn refilter_regions(&mut self) {
        use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
        let cloud = self.profile.cloud;
        let candidates: Vec<(usize, String)> = self
            .catalog
            .regions
            .iter()
            .enumerate()
            .filter(|(_, r)| r.cloud == cloud)
            .map(|(i, r)| (i, format!("{} {}", r.display_name, r.name)))
            .collect();
        let q = self.region.filter.value().trim().to_string();
        self.region.rows = if q.is_empty() {
            let mut v: Vec<usize> = candidates.iter().map(|(i, _)| *i).collect();
            v.sort_by(|a, b| {
                self.catalog.regions[*a]
                    .display_name
                    .cmp(&self.catalog.regions[*b].display_name)
            });
            v
        } else {
            let pattern = Pattern::parse(&q, CaseMatching::Ignore, Normalization::Smart);
            let texts: Vec<&str> = candidates.iter().map(|(_, t)| t.as_str()).collect();
            let matched = pattern.match_list(texts, &mut self.region.matcher);
            matched
                .into_iter()
                .filter_map(|(t, _)| candidates.iter().find(|(_, c)| c == t).map(|(i, _)| *i))
                .collect()
        };
        // Keep the cursor on the current region when it is listed.
        let current = self
            .region
            .rows
            .iter()
            .position(|i| self.catalog.regions[*i].name == self.profile.region);
        let h = self.list_height(Step::Region);
        let len = self.region.rows.len();
        if q.is_empty() {
            self.region.nav.set(current.unwrap_or(0), len, h);
        } else {
            self.region.nav = Nav::default();
            self.region.nav.set(0, len, h);
        }
    }

    pub(crate) fn region_key(&mut self, action: Action) -> Option<Vec<Effect>> {
        let n = self.region.rows.len();
        let h = self.list_height(Step::Region);
        match self.region.filter.act(action) {
            Filtered::Changed => self.refilter_regions(),
            Filtered::Kept => {}
            Filtered::No => match action {
                Action::Select => {
                    if self.choose_region_at(self.region.nav.cursor) {
                        self.go_to(Step::Workspace)
                    }
                }
                a if self.region.nav.act(a, n, h) => {}
                _ => return None,
            },
        }
        Some(Vec::new())
    }

    pub(crate) fn region_text(&mut self, k: KeyEvent) {
        if self.region.filter.text(k) {
            self.refilter_regions();
        }
    }

    pub(crate) fn region_click(&mut self, row: usize, height: usize) {
        let i = self.region.nav.offset + row;
        if i < self.region.rows.len() {
            self.region.nav.set(i, self.region.rows.len(), height);
            self.choose_region_at(i);
        }
    }

    pub(crate) fn choose_region_at(&mut self, row: usize) -> bool {
        let Some(&i) = self.region.rows.get(row) else {
            self.say(Level::Warn, "no region matches the filter (Esc clears it)");
            return false;
        };
        let name = self.catalog.regions[i].name.clone();
        if name != self.profile.region {
            self.profile.region = name;
            self.refresh();
        }
        // The filter has done its job; coming back shows the whole list at the choice.
        if !self.region.filter.value().is_empty() || self.region.filter.active {
            self.region.filter.clear();
            self.refilter_regions();
        }
        self.say(
            Level::Info,
            format!("region: {}", self.catalog.regions[i].display_name),
        );
        true
    }
}

pub fn draw(app: &App, f: &mut Frame, r: Rect) {
    let focused = !app.preview_focus;
    let title = format!(
        "2. Region ({} of {})",
        app.region.rows.len(),
        app.catalog.regions_of(app.profile.cloud).count()
    );
    f.render_widget(panel(app, title, focused), r);
    let inner = layout::inner(r);
    let filter = Rect::new(inner.x, inner.y, inner.width, 1.min(inner.height));
    app.region
        .filter
        .draw(&app.theme, f, filter, focused && app.no_modal());
    let list = layout::step_list(Step::Region, r);
    let mut lines = Vec::new();
    for (row, &i) in app
        .region
        .rows
        .iter()
        .enumerate()
        .skip(app.region.nav.offset)
        .take(list.height as usize)
    {
        let reg = &app.catalog.regions[i];
        let mark = radio(reg.name == app.profile.region);
        lines.push(row_line(
            app,
            row == app.region.nav.cursor,
            focused && !app.region.filter.active,
            vec![
                Span::raw(format!("{mark} {:<24} ", reg.display_name)),
                Span::styled(reg.name.clone(), app.theme.dim()),
            ],
        ));
    }
    if app.region.rows.is_empty() {
        lines.push(Line::styled(
            "  no region matches (Esc clears the filter)",
            app.theme.warn(),
        ));
    }
    f.render_widget(Paragraph::new(lines), list);
    let info = Rect::new(inner.x, inner.bottom().saturating_sub(1), inner.width, 1);
    let text = app
        .region
        .rows
        .get(app.region.nav.cursor)
        .map(|&i| {
            let reg = &app.catalog.regions[i];
            let pair = reg
                .paired
                .as_deref()
                .and_then(|p| app.catalog.find_region(app.profile.cloud, p))
                .map(|p| p.display_name.clone())
                .unwrap_or_else(|| "none".into());
            format!("paired region: {pair}")
        })
        .unwrap_or_default();
    f.render_widget(Paragraph::new(text).style(app.theme.dim()), info);
}
