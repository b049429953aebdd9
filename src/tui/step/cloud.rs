//! Step 1: the cloud. Choosing another cloud keeps the region last chosen in each.

use super::{Nav, Step};
use crate::model::Cloud;
use crate::tui::app::{App, Effect, Level};
use crate::tui::keys::Action;
use crate::tui::layout;
use crate::tui::widgets::{panel, radio, row_line};
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

#[derive(Debug, Clone, Default)]
pub struct CloudStep {
    pub nav: Nav,
    /// Last region chosen in each cloud, so switching clouds back and forth loses nothing.
    pub region_memory: [Option<String>; 3],
}

/// Where a cloud starts when no region was chosen in it yet.
pub fn default_region(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Public => "eastus2",
        Cloud::Usgov => "usgovvirginia",
        Cloud::China => "chinaeast2",
    }
}

/// Rows the step wants, borders included: three clouds, a blank line, two of help.
pub const WANTED_ROWS: u16 = 8;

impl App<'_> {
    pub(crate) fn cloud_key(&mut self, action: Action) -> Option<Vec<Effect>> {
        let n = Cloud::ALL.len();
        match action {
            Action::Toggle => self.choose_cloud(Cloud::ALL[self.cloud.nav.cursor]),
            Action::Select => {
                self.choose_cloud(Cloud::ALL[self.cloud.nav.cursor]);
                self.go_to(Step::Region);
            }
            a if self.cloud.nav.act(a, n, n) => {}
            _ => return None,
        }
        Some(Vec::new())
    }

    pub(crate) fn cloud_click(&mut self, row: usize) {
        if row < Cloud::ALL.len() {
            self.cloud.nav.set(row, 3, 3);
            self.choose_cloud(Cloud::ALL[row]);
        }
    }

    pub fn choose_cloud(&mut self, cloud: Cloud) {
        if cloud == self.profile.cloud {
            return;
        }
        let old = self.profile.cloud;
        self.cloud.region_memory[old as usize] = Some(self.profile.region.clone());
        self.profile.cloud = cloud;
        let region = self.cloud.region_memory[cloud as usize]
            .clone()
            .unwrap_or_else(|| default_region(cloud).to_string());
        self.profile.region = region;
        self.region.filter.clear();
        self.refilter_regions();
        self.refresh();
        self.say(
            Level::Info,
            format!("cloud: {}; region: {}", cloud.title(), self.profile.region),
        );
        self.note_tags_cloud();
    }
}

pub fn draw(app: &App, f: &mut Frame, r: Rect) {
    let focused = !app.preview_focus;
    f.render_widget(panel(app, "1. Cloud".into(), focused), r);
    let list = layout::step_list(Step::Cloud, r);
    let mut lines = Vec::new();
    for (i, c) in Cloud::ALL.iter().enumerate() {
        let mark = radio(*c == app.profile.cloud);
        lines.push(row_line(
            app,
            i == app.cloud.nav.cursor,
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
    let help = match Cloud::ALL[app.cloud.nav.cursor] {
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
