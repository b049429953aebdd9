//! Step 4: the features, grouped, filtered with `/`; ticking one says what it changed.

use super::{Nav, Step};
use crate::catalog::FeatureGroup;
use crate::tui::app::{App, Effect, Level};
use crate::tui::filter::{Filtered, ListFilter};
use crate::tui::keys::Action;
use crate::tui::layout;
use crate::tui::widgets::{panel, row_line, truncate};
use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph, Wrap};
use ratatui::Frame;

#[derive(Debug, Clone, Default)]
pub struct FeaturesStep {
    pub filter: ListFilter,
    /// Indices into `catalog.features` shown, grouped.
    pub rows: Vec<usize>,
    pub nav: Nav,
}

/// Rows the step wants for `features` rows, borders included: the filter line, the list and
/// the help box.
pub fn wanted_rows(features: usize) -> u16 {
    (features as u16).saturating_add(3 + 5)
}

impl App<'_> {
    pub(crate) fn refilter_features(&mut self) {
        // The cursor stays on its feature when the filter changes and still lists it.
        let at = self.features.rows.get(self.features.nav.cursor).copied();
        let q = self.features.filter.query();
        let mut rows = Vec::new();
        for g in FeatureGroup::ALL {
            for (i, f) in self.catalog.features.iter().enumerate() {
                if f.group == g
                    && (q.is_empty()
                        || f.id.contains(&q)
                        || f.title.to_lowercase().contains(&q)
                        || g.title().to_lowercase().contains(&q))
                {
                    rows.push(i);
                }
            }
        }
        let c = at
            .and_then(|i| rows.iter().position(|r| *r == i))
            .unwrap_or(self.features.nav.cursor);
        self.features.rows = rows;
        let h = self.list_height(Step::Features);
        self.features.nav.set(c, self.features.rows.len(), h);
    }

    pub(crate) fn features_key(&mut self, action: Action) -> Option<Vec<Effect>> {
        let n = self.features.rows.len();
        let h = self.list_height(Step::Features);
        match self.features.filter.act(action) {
            Filtered::Changed => self.refilter_features(),
            Filtered::Kept => {}
            Filtered::No => match action {
                Action::Toggle => self.toggle_feature_at(self.features.nav.cursor),
                a if self.features.nav.act(a, n, h) => {}
                _ => return None,
            },
        }
        Some(Vec::new())
    }

    pub(crate) fn features_text(&mut self, k: KeyEvent) {
        if self.features.filter.text(k) {
            self.refilter_features();
        }
    }

    pub(crate) fn features_click(&mut self, row: usize, height: usize, on_box: bool) {
        let i = self.features.nav.offset + row;
        if i < self.features.rows.len() {
            self.features.nav.set(i, self.features.rows.len(), height);
            // A click on the check box ticks; elsewhere it only moves the cursor.
            if on_box {
                self.toggle_feature_at(i);
            }
        }
    }

    pub fn toggle_feature_at(&mut self, row: usize) {
        let Some(&i) = self.features.rows.get(row) else {
            return;
        };
        let id = self.catalog.features[i].id.clone();
        let on = !self.profile.has_feature(&id);
        let before = self
            .rules
            .as_ref()
            .ok()
            .map(|rs| crate::tui::change::also_needed_by(rs, &id));
        if !on {
            let dropped = self.profile.unselect_feature(self.catalog, &id);
            if dropped.is_empty() {
                self.say(Level::Info, format!("{id} off"));
            } else {
                self.say(
                    Level::Warn,
                    format!(
                        "{id} off; also turned off what needs it: {}",
                        dropped.join(", ")
                    ),
                );
            }
        } else {
            let pulled = self.profile.select_feature(self.catalog, &id);
            if pulled.is_empty() {
                self.say(Level::Info, format!("{id} on"));
            } else {
                self.say(
                    Level::Warn,
                    format!("{id} on; it needs {}, turned on too", pulled.join(", ")),
                );
            }
        }
        self.sync_fields();
        let change = self.refresh();
        let after = self
            .rules
            .as_ref()
            .ok()
            .map(|rs| crate::tui::change::also_needed_by(rs, &id));
        let needers = if on { after } else { before };
        self.tell_change(&change, || match needers {
            Some(n) => crate::tui::change::why_unchanged(&id, &n),
            None => "no rules".to_string(),
        });
    }
}

pub fn draw(app: &App, f: &mut Frame, r: Rect) {
    let focused = !app.preview_focus;
    let st = &app.features;
    let selected = app.profile.features.len();
    f.render_widget(
        panel(app, format!("4. Features ({selected} selected)"), focused),
        r,
    );
    let inner = layout::inner(r);
    let filter = Rect::new(inner.x, inner.y, inner.width, 1.min(inner.height));
    st.filter.draw(&app.theme, f, filter, app.no_modal());
    let list = layout::step_list(Step::Features, r);
    let mut lines = Vec::new();
    let mut last_group: Option<FeatureGroup> = None;
    for (row, &i) in st.rows.iter().enumerate() {
        let feat = &app.catalog.features[i];
        let first_of_group = last_group != Some(feat.group);
        last_group = Some(feat.group);
        if row < st.nav.offset || row >= st.nav.offset + list.height as usize {
            continue;
        }
        let on = app.profile.has_feature(&feat.id);
        let group = if first_of_group || row == st.nav.offset {
            feat.group.title()
        } else {
            ""
        };
        lines.push(row_line(
            app,
            row == st.nav.cursor,
            focused && !st.filter.active,
            vec![
                Span::raw(format!("[{}] ", if on { 'x' } else { ' ' })),
                Span::raw(format!("{:<18} ", feat.id)),
                Span::styled(format!("{:<17}", truncate(group, 16)), app.theme.dim()),
                // The marker, box, id and group take 42 columns.
                Span::raw(truncate(
                    &feat.title,
                    (list.width as usize).saturating_sub(42),
                )),
            ],
        ));
    }
    if st.rows.is_empty() {
        lines.push(Line::styled(
            "  no feature matches (Esc clears the filter)",
            app.theme.warn(),
        ));
    }
    f.render_widget(Paragraph::new(lines), list);
    let help = Rect::new(
        inner.x,
        list.bottom(),
        inner.width,
        inner.bottom().saturating_sub(list.bottom()),
    );
    if let Some(&i) = st.rows.get(st.nav.cursor) {
        let feat = &app.catalog.features[i];
        let needs = if feat.requires.is_empty() {
            String::new()
        } else {
            format!(" Needs: {}.", feat.requires.join(", "))
        };
        let text = format!("{}: {}{needs}", feat.title, feat.help);
        f.render_widget(
            Paragraph::new(text)
                .block(app.theme.block(Borders::TOP).border_style(app.theme.dim()))
                .style(app.theme.dim())
                .wrap(Wrap { trim: true }),
            help,
        );
    }
}
