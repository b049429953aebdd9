//! `view`: draws the state. Pure: reads the `App`, computes nothing expensive (rules and
//! exports are computed by `update`), performs no I/O.

use super::app::{App, Field, Level, Modal, Step};
use super::footer::footer;
use super::layout::{self, STEP_SEPARATOR};
use super::overlay::{centered, detail, help, modal_block};
use crate::catalog::FeatureGroup;
use crate::export;
use crate::model::{Cloud, Kind};
use ratatui::layout::{Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

pub fn view(app: &App, f: &mut Frame) {
    let area = f.area();
    if layout::too_small(area.width, area.height) {
        too_small(app, f, area);
        return;
    }
    let a = layout::areas(area.width, area.height, app.step);
    step_bar(app, f, a.steps);
    match app.step {
        Step::Cloud => cloud(app, f, a.main),
        Step::Region => region(app, f, a.main),
        Step::Workspace => workspace(app, f, a.main),
        Step::Features => features(app, f, a.main),
        Step::Export => export_step(app, f, a.main),
    }
    preview(app, f, a.preview);
    status(app, f, a.status);
    footer(app, f, a.footer);
    match &app.modal {
        Modal::None => {}
        Modal::Help { scroll } => help(app, f, area, *scroll),
        Modal::Detail {
            title,
            lines,
            scroll,
        } => detail(app, f, area, title, lines, *scroll),
        Modal::ConfirmQuit => confirm(
            app,
            f,
            area,
            "Quit?",
            "Your choices differ from the ones you started with and are not saved. Quit anyway?",
        ),
        Modal::ConfirmOverwrite { path } => confirm(
            app,
            f,
            area,
            "Overwrite?",
            &format!("{} exists. Write over it?", path.display()),
        ),
        Modal::PathPrompt => path_prompt(app, f, area),
        Modal::Profiles => profiles(app, f, area),
        Modal::NamePrompt => name_prompt(app, f, area),
        Modal::ConfirmReplaceProfile { name } => confirm(
            app,
            f,
            area,
            "Replace?",
            &format!("A profile named {name} exists. Replace it with the current choices?"),
        ),
        Modal::ConfirmDeleteProfile { name } => confirm(
            app,
            f,
            area,
            "Delete?",
            &format!("Delete the saved profile {name}?"),
        ),
    }
}

fn profiles(app: &App, f: &mut Frame, area: Rect) {
    let r = centered(area, area.width.saturating_sub(8).min(90), 16);
    f.render_widget(Clear, r);
    let mut lines = Vec::new();
    if app.profile_rows.is_empty() {
        lines.push(Line::styled(
            "No saved profiles yet: s saves the current choices.",
            app.theme.dim(),
        ));
    }
    for (i, row) in app
        .profile_rows
        .iter()
        .enumerate()
        .skip(app.profile_nav.offset)
        .take(10)
    {
        let style = if row.ok {
            app.theme.base()
        } else {
            app.theme.error()
        };
        lines.push(row_line(
            app,
            i == app.profile_nav.cursor,
            true,
            vec![Span::styled(
                format!("{:<24} {}", truncate(&row.name, 24), row.summary),
                style,
            )],
        ));
    }
    let current = app.profile_name.as_deref().unwrap_or("(none)");
    let title = format!(
        "Profiles · current: {current}{}",
        if app.dirty() {
            " (unsaved changes)"
        } else {
            ""
        }
    );
    f.render_widget(Paragraph::new(lines).block(modal_block(app, &title)), r);
}

fn name_prompt(app: &App, f: &mut Frame, area: Rect) {
    let r = centered(area, area.width.saturating_sub(10).min(80), 5);
    f.render_widget(Clear, r);
    let lines = vec![
        Line::raw("Save the current choices as profile:"),
        Line::raw(app.name_input.value().to_string()),
        Line::styled(
            "letters, digits, - _ . (1-64) · Enter saves · Esc cancels",
            app.theme.dim(),
        ),
    ];
    f.render_widget(Paragraph::new(lines).block(modal_block(app, "Save as")), r);
    let inner = layout::inner(r);
    let x = inner.x + app.name_input.visual_cursor() as u16;
    f.set_cursor_position(Position::new(
        x.min(inner.right().saturating_sub(1)),
        inner.y + 1,
    ));
}

fn too_small(app: &App, f: &mut Frame, area: Rect) {
    let text = format!(
        "terminal too small (need {}x{}, have {}x{})",
        layout::MIN_WIDTH,
        layout::MIN_HEIGHT,
        area.width,
        area.height
    );
    let y = area.height / 2;
    let p = Paragraph::new(vec![
        Line::from(text),
        Line::from("resize, or press q to quit"),
    ])
    .style(app.theme.warn())
    .wrap(Wrap { trim: true });
    f.render_widget(
        p,
        Rect::new(0, y.saturating_sub(1), area.width, 2.min(area.height)),
    );
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

/// The width of the title and the space after it, before the step labels.
pub fn title_width(app: &App) -> u16 {
    title_text(app).chars().count() as u16 + 1
}

fn step_bar(app: &App, f: &mut Frame, r: Rect) {
    let t = &app.theme;
    let mut spans = vec![Span::styled(title_text(app), t.title()), Span::raw(" ")];
    for (i, s) in Step::ALL.iter().enumerate() {
        let label = layout::step_label(*s);
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
            spans.push(Span::styled(STEP_SEPARATOR, t.dim()));
        }
    }
    // The edition, right-aligned where the steps leave room (the rules panel's title always
    // names it).
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let edition = format!("edition {}", app.edition());
    let room = (r.width as usize).saturating_sub(used);
    if room > edition.len() + 2 {
        spans.push(Span::raw(" ".repeat(room - edition.len())));
        spans.push(Span::styled(edition, t.title()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), r);
}

fn panel<'a>(app: &App, title: String, focused: bool) -> Block<'a> {
    let t = &app.theme;
    let title = if focused && t.mono {
        format!("> {title}")
    } else {
        title
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(if focused { t.focus_border() } else { t.dim() })
        .title(Span::styled(title, t.title()))
}

/// One list row: a `>` marker on the cursor row (always, so NO_COLOR users see it too).
fn row_line<'a>(app: &App, selected: bool, focused: bool, mut spans: Vec<Span<'a>>) -> Line<'a> {
    let marker = if selected { "> " } else { "  " };
    spans.insert(0, Span::raw(marker));
    let mut line = Line::from(spans);
    if selected && focused {
        line = line.style(app.theme.selected());
    }
    line
}

fn cloud(app: &App, f: &mut Frame, r: Rect) {
    let focused = !app.preview_focus;
    f.render_widget(panel(app, "1. Cloud".into(), focused), r);
    let list = layout::step_list(Step::Cloud, r);
    let mut lines = Vec::new();
    for (i, c) in Cloud::ALL.iter().enumerate() {
        let mark = if *c == app.profile.cloud {
            "(*)"
        } else {
            "( )"
        };
        lines.push(row_line(
            app,
            i == app.cloud_nav.cursor,
            focused,
            vec![Span::raw(format!("{mark} {}", c.title()))],
        ));
    }
    f.render_widget(Paragraph::new(lines), list);
    let inner = layout::inner(r);
    let help_area = Rect::new(
        inner.x,
        list.y + list.height + 1,
        inner.width,
        inner.height.saturating_sub(list.height + 1),
    );
    let help = match Cloud::ALL[app.cloud_nav.cursor] {
        Cloud::Public => "Azure public cloud: the global regions (azure.com, windows.net hosts).",
        Cloud::Usgov => "Azure Government: US government regions (azure.us, usgovcloudapi.net hosts).",
        Cloud::China => "Azure China 21Vianet: regions in China (azure.cn, chinacloudapi.cn hosts); no Front Door tag.",
    };
    f.render_widget(
        Paragraph::new(help)
            .style(app.theme.dim())
            .wrap(Wrap { trim: true }),
        help_area,
    );
}

fn region(app: &App, f: &mut Frame, r: Rect) {
    let focused = !app.preview_focus;
    let title = format!(
        "2. Region ({} of {})",
        app.region_rows.len(),
        app.catalog.regions_of(app.profile.cloud).count()
    );
    f.render_widget(panel(app, title, focused), r);
    let inner = layout::inner(r);
    let filter = Rect::new(inner.x, inner.y, inner.width, 1);
    let value = app.region_filter.value();
    let prompt = "type to filter: ";
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(prompt, app.theme.dim()),
            Span::raw(value),
        ])),
        filter,
    );
    if focused && app.modal == Modal::None {
        let x = filter.x + prompt.len() as u16 + app.region_filter.visual_cursor() as u16;
        f.set_cursor_position(Position::new(
            x.min(filter.right().saturating_sub(1)),
            filter.y,
        ));
    }
    let list = layout::step_list(Step::Region, r);
    let mut lines = Vec::new();
    for (row, &i) in app
        .region_rows
        .iter()
        .enumerate()
        .skip(app.region_nav.offset)
        .take(list.height as usize)
    {
        let reg = &app.catalog.regions[i];
        let mark = if reg.name == app.profile.region {
            "(*)"
        } else {
            "( )"
        };
        lines.push(row_line(
            app,
            row == app.region_nav.cursor,
            focused,
            vec![
                Span::raw(format!("{mark} {:<24} ", reg.display_name)),
                Span::styled(reg.name.clone(), app.theme.dim()),
            ],
        ));
    }
    if app.region_rows.is_empty() {
        lines.push(Line::styled(
            "  no region matches (Esc clears the filter)",
            app.theme.warn(),
        ));
    }
    f.render_widget(Paragraph::new(lines), list);
    let info = Rect::new(inner.x, inner.bottom().saturating_sub(1), inner.width, 1);
    let text = app
        .region_rows
        .get(app.region_nav.cursor)
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

fn workspace(app: &App, f: &mut Frame, r: Rect) {
    let focused = !app.preview_focus;
    f.render_widget(panel(app, "3. Workspace".into(), focused), r);
    let list = layout::step_list(Step::Workspace, r);
    let label_w = 20usize;
    let mut lines = Vec::new();
    for (i, field) in Field::ALL
        .iter()
        .enumerate()
        .skip(app.field_nav.offset)
        .take(list.height as usize)
    {
        let selected = i == app.field_nav.cursor;
        let editing = selected && app.editing.is_some();
        let value = app.field_inputs[i].value().to_string();
        let shown = if value.is_empty() && !editing {
            "(none)".to_string()
        } else {
            value
        };
        let value_style = if editing {
            app.theme.base().add_modifier(Modifier::UNDERLINED)
        } else {
            app.theme.base()
        };
        let mut spans = vec![
            Span::raw(format!("{:<label_w$}", field.label())),
            Span::styled(if editing { "[" } else { " " }, app.theme.dim()),
            Span::styled(shown, value_style),
            Span::styled(if editing { "]" } else { " " }, app.theme.dim()),
        ];
        match &app.field_errors[i] {
            Some(e) => spans.push(Span::styled(format!(" ✗ {e}"), app.theme.error())),
            None if editing => spans.push(Span::styled(" ✓", app.theme.ok())),
            None => {}
        }
        lines.push(row_line(app, selected, focused && !editing, spans));
        if editing && app.modal == Modal::None {
            let row = (i - app.field_nav.offset) as u16;
            let x = list.x + 2 + label_w as u16 + 1 + app.field_inputs[i].visual_cursor() as u16;
            f.set_cursor_position(Position::new(
                x.min(list.right().saturating_sub(1)),
                list.y + row,
            ));
        }
    }
    f.render_widget(Paragraph::new(lines), list);
    let inner = layout::inner(r);
    let help = Rect::new(
        inner.x,
        list.bottom(),
        inner.width,
        inner.bottom().saturating_sub(list.bottom()),
    );
    let field = Field::ALL[app.field_nav.cursor];
    // Said here, where sources are set, not only in the export's header.
    let mut text = Vec::new();
    if app.profile.sources.is_empty() {
        text.push(Line::styled(
            "! No source CIDRs: every Azure Firewall rule allows ANY source (*).",
            app.theme.error(),
        ));
    } else if app
        .profile
        .parsed_sources()
        .iter()
        .any(|n| n.prefix_len() == 0)
    {
        text.push(Line::styled(
            "! A /0 source: the rules allow traffic from anywhere.",
            app.theme.error(),
        ));
    }
    text.push(Line::styled(field.help_text(app.catalog), app.theme.dim()));
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), help);
}

fn features(app: &App, f: &mut Frame, r: Rect) {
    let focused = !app.preview_focus;
    let selected = app.profile.features.len();
    f.render_widget(
        panel(app, format!("4. Features ({selected} selected)"), focused),
        r,
    );
    let inner = layout::inner(r);
    let filter = Rect::new(inner.x, inner.y, inner.width, 1);
    let value = app.feature_filter.value();
    let prompt = if app.filtering_features {
        "filter: "
    } else {
        "/ to filter: "
    };
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(prompt, app.theme.dim()),
            Span::raw(value),
        ])),
        filter,
    );
    if app.filtering_features && app.modal == Modal::None {
        let x = filter.x + prompt.len() as u16 + app.feature_filter.visual_cursor() as u16;
        f.set_cursor_position(Position::new(
            x.min(filter.right().saturating_sub(1)),
            filter.y,
        ));
    }
    let list = layout::step_list(Step::Features, r);
    let mut lines = Vec::new();
    let mut last_group: Option<FeatureGroup> = None;
    for (row, &i) in app.feature_rows.iter().enumerate() {
        let feat = &app.catalog.features[i];
        let first_of_group = last_group != Some(feat.group);
        last_group = Some(feat.group);
        if row < app.feature_nav.offset || row >= app.feature_nav.offset + list.height as usize {
            continue;
        }
        let on = app.profile.has_feature(&feat.id);
        let group = if first_of_group || row == app.feature_nav.offset {
            feat.group.title()
        } else {
            ""
        };
        lines.push(row_line(
            app,
            row == app.feature_nav.cursor,
            focused && !app.filtering_features,
            vec![
                Span::raw(format!("[{}] ", if on { 'x' } else { ' ' })),
                Span::raw(format!("{:<18} ", feat.id)),
                Span::styled(format!("{:<17}", truncate(group, 16)), app.theme.dim()),
                Span::raw(feat.title.clone()),
            ],
        ));
    }
    if app.feature_rows.is_empty() {
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
    if let Some(&i) = app.feature_rows.get(app.feature_nav.cursor) {
        let feat = &app.catalog.features[i];
        let needs = if feat.requires.is_empty() {
            String::new()
        } else {
            format!(" Needs: {}.", feat.requires.join(", "))
        };
        let text = format!("{}: {}{needs}", feat.title, feat.help);
        f.render_widget(
            Paragraph::new(text)
                .block(
                    Block::default()
                        .borders(Borders::TOP)
                        .border_style(app.theme.dim()),
                )
                .style(app.theme.dim())
                .wrap(Wrap { trim: true }),
            help,
        );
    }
}

fn export_step(app: &App, f: &mut Frame, r: Rect) {
    let focused = !app.preview_focus;
    f.render_widget(panel(app, "5. Export".into(), focused), r);
    let list = layout::step_list(Step::Export, r);
    let targets = export::targets();
    let mut lines = Vec::new();
    for (i, t) in targets
        .iter()
        .enumerate()
        .skip(app.target_nav.offset)
        .take(list.height as usize)
    {
        lines.push(row_line(
            app,
            i == app.target_nav.cursor,
            focused,
            vec![Span::raw(t.id())],
        ));
    }
    f.render_widget(Paragraph::new(lines), list);
    let text_area = layout::export_text(r);
    let sep = Rect::new(
        text_area.x.saturating_sub(1),
        text_area.y,
        1,
        text_area.height,
    );
    f.render_widget(
        Block::default()
            .borders(Borders::LEFT)
            .border_style(app.theme.dim()),
        sep,
    );
    let target = targets[app.target_nav.cursor];
    let Some(v) = &app.export_view else { return };
    let head = match &v.result {
        Ok(e) => format!(
            "{} ({}) · {} lines, {} bytes{}",
            target.name(),
            target.extension(),
            v.line_count,
            e.text.len(),
            if e.unexpressed.is_empty() {
                String::new()
            } else {
                format!(" · {} not covered", e.unexpressed.len())
            }
        ),
        Err(_) => format!("{} · no output", target.name()),
    };
    let head_area = Rect::new(text_area.x, text_area.y, text_area.width, 1);
    f.render_widget(
        Paragraph::new(truncate(&head, text_area.width as usize)).style(app.theme.title()),
        head_area,
    );
    let body = Rect::new(
        text_area.x,
        text_area.y + 1,
        text_area.width,
        text_area.height.saturating_sub(1),
    );
    match &v.result {
        Ok(e) => {
            let lines: Vec<Line> = e
                .text
                .lines()
                .skip(app.export_scroll)
                .take(body.height as usize)
                .map(|l| Line::raw(crate::export::text::one_line(l)))
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

fn preview(app: &App, f: &mut Frame, r: Rect) {
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
    let counts: Vec<String> = Kind::ALL
        .iter()
        .filter(|k| rs.count(**k) > 0)
        .map(|k| format!("{} {}", k.short(), rs.count(*k)))
        .collect();
    let warnings = app.shown_warnings();
    let title = format!(
        "Rules {}: {} ({}){}",
        rs.settings.edition,
        rs.rules.len(),
        counts.join(", "),
        if warnings.is_empty() {
            String::new()
        } else {
            format!(" · {} warnings", warnings.len())
        }
    );
    f.render_widget(panel(app, title, app.preview_focus), r);
    let inner = layout::inner(r);
    let w = inner.width as usize;
    // kind 7, ports 16, features about a quarter of what is left, destination the rest.
    let rest = w.saturating_sub(2 + 8 + 17);
    let feat_w = (rest * 2 / 7).clamp(8, 28);
    let dest_w = rest.saturating_sub(feat_w + 1);
    let fmt_row = |kind: &str, dest: &str, ports: &str, feats: &str| {
        format!(
            "{:<7} {:<dest_w$} {:<16} {}",
            kind,
            truncate(dest, dest_w),
            truncate(ports, 16),
            truncate(feats, feat_w)
        )
    };
    let head = Rect::new(inner.x, inner.y, inner.width, 1);
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
        .skip(app.preview_nav.offset)
        .take(rows.height as usize)
        .map(|(i, rule)| {
            let mut dest = rule.remote.to_string();
            if rule.path.is_some() {
                dest.push_str(" (+path)");
            }
            if rule.expand_prefixes {
                dest.push_str(" (prefixes)");
            }
            let selected = i == app.preview_nav.cursor && app.preview_focus;
            let line = row_line(
                app,
                selected,
                app.preview_focus,
                vec![Span::raw(fmt_row(
                    rule.kind.short(),
                    &dest,
                    &rule.ports_label(),
                    &rule.features_label(),
                ))],
            );
            if app.new_rules.contains(rule.id.as_str()) {
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
            format!("{} warnings for this target:", warnings.len())
        } else {
            format!(
                "{} warnings (Enter on a rule shows its own):",
                warnings.len()
            )
        };
        let mut lines = vec![Line::styled(head, t.warn())];
        for w in warnings.iter().take(wl.saturating_sub(1) as usize) {
            lines.push(Line::styled(
                format!("! {}", truncate(&w.message, inner.width as usize - 2)),
                t.warn(),
            ));
        }
        f.render_widget(Paragraph::new(lines), area);
    }
}

fn status(app: &App, f: &mut Frame, r: Rect) {
    let Some(s) = &app.status else { return };
    let (mark, style) = match s.level {
        Level::Info => ("", app.theme.base()),
        Level::Ok => ("ok: ", app.theme.ok()),
        Level::Warn => ("note: ", app.theme.warn()),
        Level::Error => ("error: ", app.theme.error()),
    };
    f.render_widget(
        Paragraph::new(truncate(&format!("{mark}{}", s.text), r.width as usize)).style(style),
        r,
    );
}

fn confirm(app: &App, f: &mut Frame, area: Rect, title: &str, question: &str) {
    let r = centered(area, 60, 6);
    f.render_widget(Clear, r);
    let lines = vec![
        Line::raw(question.to_string()),
        Line::raw(""),
        Line::from(vec![
            Span::styled("y", app.theme.key()),
            Span::raw(" yes   "),
            Span::styled("n", app.theme.key()),
            Span::raw(" no"),
        ]),
    ];
    f.render_widget(
        Paragraph::new(lines)
            .block(modal_block(app, title))
            .wrap(Wrap { trim: true }),
        r,
    );
}

fn path_prompt(app: &App, f: &mut Frame, area: Rect) {
    let r = centered(area, area.width.saturating_sub(10).min(80), 5);
    f.render_widget(Clear, r);
    let target = export::targets()[app.target_nav.cursor];
    let lines = vec![
        Line::raw(format!("Write {} to file:", target.id())),
        Line::raw(app.path_input.value().to_string()),
        Line::styled(
            "Enter writes (asks before overwriting) · Esc cancels",
            app.theme.dim(),
        ),
    ];
    f.render_widget(Paragraph::new(lines).block(modal_block(app, "Write")), r);
    let inner = layout::inner(r);
    let x = inner.x + app.path_input.visual_cursor() as u16;
    f.set_cursor_position(Position::new(
        x.min(inner.right().saturating_sub(1)),
        inner.y + 1,
    ));
}

/// Cuts `s` to `w` characters, marking the cut with `…`.
fn truncate(s: &str, w: usize) -> String {
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
