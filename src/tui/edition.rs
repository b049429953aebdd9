//! The guidance edition in the wizard: switching it, pinning it in saved profiles, `d` for
//! what changes against another edition, and `n` for the private DNS of these choices.

use super::app::{App, Level};
use super::modal::Modal;
use crate::profile::Profile;

impl App<'_> {
    /// The choices with their edition written down: a saved profile keeps the guidance it was
    /// made with, even after a newer amlfw brings a newer edition.
    /// The choices are only pinned once the save succeeded (`pin_edition`): a refused or
    /// failed save leaves them as they were, unsaved changes and all.
    pub(crate) fn pinned_profile(&self) -> Profile {
        let mut p = self.profile.clone();
        if p.edition.is_none() {
            p.edition = Some(self.catalog.default_edition().id.clone());
        }
        p
    }

    /// After a save: the choices now record the edition the saved profile does.
    pub(crate) fn pin_edition(&mut self) {
        if self.profile.edition.is_none() {
            self.profile.edition = Some(self.catalog.default_edition().id.clone());
            self.sync_fields();
        }
    }

    /// Switches the guidance edition, oldest to newest and round; the rules follow at once.
    pub fn cycle_edition(&mut self, delta: isize) {
        let n = self.catalog.editions.len() as isize;
        let current = self
            .catalog
            .edition_index(self.edition())
            .unwrap_or(n as usize - 1) as isize;
        let next = &self.catalog.editions[(current + delta).rem_euclid(n) as usize];
        self.profile.edition = Some(next.id.clone());
        self.sync_fields();
        self.refresh();
        self.say(
            Level::Info,
            format!("edition: {} ({}); d shows what changes", next.id, next.date),
        );
    }

    /// The edition the rules follow now.
    pub fn edition(&self) -> &str {
        &self
            .catalog
            .edition_or_default(self.profile.edition.as_deref())
            .id
    }

    /// The edition `d` compares against: the previous one, or for the oldest the newest.
    pub fn compare_edition(&self) -> &str {
        let i = self.catalog.edition_index(self.edition()).unwrap_or(0);
        let other = if i == 0 {
            self.catalog.editions.len() - 1
        } else {
            i - 1
        };
        &self.catalog.editions[other].id
    }

    /// Opens "what changes against edition X" for the current choices.
    pub fn open_edition_diff(&mut self) {
        let (from, to) = (
            self.compare_edition().to_string(),
            self.edition().to_string(),
        );
        let (title, lines) = match crate::diff::diff(self.catalog, &self.profile, &from, &to) {
            Ok(d) => (
                format!("What changes from edition {from} to {to}"),
                d.render_table().lines().map(String::from).collect(),
            ),
            Err(e) => ("What changes".to_string(), vec![e.to_string()]),
        };
        self.modal = Modal::Detail {
            title,
            lines,
            scroll: 0,
        };
    }

    /// Opens the private DNS zones, conditional forwarders and name shapes a private endpoint
    /// of this workspace needs (as `amlfw dns` prints them), for the current cloud and region.
    pub fn open_private_dns(&mut self) {
        let data = crate::dns::DnsData::builtin();
        let query = crate::dns::DnsQuery {
            cloud: self.profile.cloud,
            region: Some(self.profile.region.as_str()),
            workspace_id: self.profile.workspace_id.as_deref(),
            dependencies: true,
            name_prefix: self.profile.name_prefix(),
        };
        let plan = crate::dns::plan(&data, &query);
        let text = crate::dns::render(&plan, crate::dns::DnsFormat::Table);
        self.modal = Modal::Detail {
            title: format!(
                "Private DNS for a private endpoint: {} / {}",
                self.profile.cloud.title(),
                self.profile.region
            ),
            lines: text.lines().map(String::from).collect(),
            scroll: 0,
        };
    }
}
