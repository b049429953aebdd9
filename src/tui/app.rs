//! The wizard's state and `update`: every key, click and result goes through `update`, which
//! changes the state and returns the side effects to perform (writing a file, copying, quitting)
//! as data. The runtime performs them and reports back with a `Msg`. No I/O here.

use super::keys::{action_for, Action, Ctx};
use super::layout::{self, Areas};
use super::theme::Theme;
use crate::catalog::{Catalog, FeatureGroup};
use crate::export::{self, Export, ExportOptions};
use crate::model::{Cloud, InboundRoutes};
use crate::profile::{self, Profile};
use crate::rules::{resolve, RuleSet};
use crate::servicetags::TagIndex;
use crossterm::event::{Event, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use std::path::PathBuf;
use tui_input::backend::crossterm::EventHandler;
use tui_input::Input;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Cloud,
    Region,
    Workspace,
    Features,
    Export,
}

impl Step {
    pub const ALL: [Step; 5] = [
        Step::Cloud,
        Step::Region,
        Step::Workspace,
        Step::Features,
        Step::Export,
    ];

    pub fn index(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
    pub fn title(self) -> &'static str {
        match self {
            Step::Cloud => "Cloud",
            Step::Region => "Region",
            Step::Workspace => "Workspace",
            Step::Features => "Features",
            Step::Export => "Export",
        }
    }
    fn next(self) -> Step {
        Step::ALL[(self.index() + 1).min(4)]
    }
    fn prev(self) -> Step {
        Step::ALL[self.index().saturating_sub(1)]
    }
}

/// A cursor into a list and the first visible row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Nav {
    pub cursor: usize,
    pub offset: usize,
}

impl Nav {
    /// Moves to `i` (clamped) and scrolls just enough to keep it visible in `height` rows.
    pub fn set(&mut self, i: usize, len: usize, height: usize) {
        self.cursor = if len == 0 { 0 } else { i.min(len - 1) };
        let h = height.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + h {
            self.offset = self.cursor + 1 - h;
        }
        self.offset = self.offset.min(len.saturating_sub(h));
    }

    pub fn by(&mut self, delta: isize, len: usize, height: usize) {
        let i = (self.cursor as isize + delta).max(0) as usize;
        self.set(i, len, height);
    }
}

/// The Workspace step's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    StorageAccount,
    AcrName,
    Sources,
    InboundRoutes,
    DnsProxy,
    DnsServers,
    NamePrefix,
    PriorityBase,
    // Added with editions; after the older fields so their positions stay.
    Edition,
    ComputePublicIp,
    PrivateEndpoints,
    MonitorSecured,
    StorageFirewall,
    WorkspaceId,
}

impl Field {
    pub const ALL: [Field; 14] = [
        Field::StorageAccount,
        Field::AcrName,
        Field::Sources,
        Field::InboundRoutes,
        Field::DnsProxy,
        Field::DnsServers,
        Field::NamePrefix,
        Field::PriorityBase,
        Field::Edition,
        Field::ComputePublicIp,
        Field::PrivateEndpoints,
        Field::MonitorSecured,
        Field::StorageFirewall,
        Field::WorkspaceId,
    ];

    /// The workspace option (catalog `[[option]]` id) a yes/no field sets.
    pub fn option_id(self) -> Option<&'static str> {
        match self {
            Field::ComputePublicIp => Some("compute-public-ip"),
            Field::PrivateEndpoints => Some("private-endpoints"),
            Field::MonitorSecured => Some("monitor-secured"),
            Field::StorageFirewall => Some("storage-firewall"),
            _ => None,
        }
    }

    /// Fields changed with Space/arrows rather than typed.
    pub fn is_choice(self) -> bool {
        matches!(
            self,
            Field::InboundRoutes | Field::DnsProxy | Field::Edition
        ) || self.option_id().is_some()
    }

    /// The help line, with what the catalog says about editions and options.
    pub fn help_text(self, catalog: &Catalog) -> String {
        if let Some(id) = self.option_id() {
            let Some(o) = catalog.option(id) else {
                return String::new();
            };
            // Editions first: the help area is three lines and the rest may be cut.
            return format!(
                "Used by edition(s): {} (ignored elsewhere); Space toggles. {}",
                catalog.option_edition_ids(id).join(", "),
                o.help.replace('\n', " ")
            );
        }
        if self == Field::Edition {
            let list: Vec<String> = catalog
                .editions
                .iter()
                .map(|e| format!("{} ({}): {}", e.id, e.date, e.summary))
                .collect();
            return format!(
                "Which published guidance the rules follow; Space cycles, d shows what changes. {}",
                list.join(" ")
            );
        }
        self.help().to_string()
    }

    pub fn label(self) -> &'static str {
        match self {
            Field::StorageAccount => "Storage account",
            Field::AcrName => "Container registry",
            Field::Sources => "Source CIDRs",
            Field::InboundRoutes => "Inbound routes",
            Field::DnsProxy => "Firewall DNS proxy",
            Field::DnsServers => "AKS DNS servers",
            Field::NamePrefix => "Name prefix",
            Field::PriorityBase => "Priority base",
            Field::Edition => "Guidance edition",
            Field::ComputePublicIp => "Compute public IP",
            Field::PrivateEndpoints => "Private endpoints",
            Field::MonitorSecured => "Monitor secured",
            Field::StorageFirewall => "Storage firewall",
            Field::WorkspaceId => "Workspace ID",
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            Field::StorageAccount => "The workspace's default storage account (3-24 lowercase letters and digits). Empty: wildcard storage hosts, which allow every account.",
            Field::AcrName => "The workspace's Azure Container Registry (5-50 letters and digits). Empty: *.azurecr.io.",
            Field::Sources => "Where outbound traffic comes from: CIDRs separated by commas (10.0.1.0/24, 2001:db8::/64). Empty: the whole virtual network.",
            Field::InboundRoutes => "How inbound Batch/AML traffic to compute skips the firewall: service-tag routes (preview in 2021), one route per IP prefix (needs the Service Tags file), or none.",
            Field::DnsProxy => "Is DNS proxy on in the Azure Firewall policy? Only then can network rules name host names (e.g. ntp.ubuntu.com UDP 123); Azure rejects the whole rule collection group otherwise, so while it is off those rules are listed as not covered. Space switches.",
            Field::DnsServers => "Custom DNS servers of the AKS virtual network, separated by commas. Empty: Azure-provided DNS (no UDP 53 rule).",
            Field::NamePrefix => "Start of every generated name: 1-20 characters, a letter first, then letters, digits, - or _.",
            Field::PriorityBase => "First priority of generated rules and collections (100-4000; NSG priorities end at 4096).",
            Field::WorkspaceId => "The workspace ID, a GUID (portal: the workspace's Properties), for the Kubernetes compute workspace host. Empty: a wildcard host.",
            // Described from the catalog by `help_text`.
            Field::Edition
            | Field::ComputePublicIp
            | Field::PrivateEndpoints
            | Field::MonitorSecured
            | Field::StorageFirewall => "",
        }
    }

    fn value_of(self, p: &Profile, catalog: &Catalog) -> String {
        if let Some(id) = self.option_id() {
            return if p.option(id) { "yes" } else { "no" }.to_string();
        }
        match self {
            Field::StorageAccount => p.storage_account.clone().unwrap_or_default(),
            Field::AcrName => p.acr_name.clone().unwrap_or_default(),
            Field::Sources => p.sources.join(", "),
            Field::InboundRoutes => match p.inbound_routes {
                None => format!("auto ({})", p.effective_inbound_routes().id()),
                Some(m) => m.id().to_string(),
            },
            Field::DnsProxy => if p.dns_proxy { "on" } else { "off" }.to_string(),
            Field::DnsServers => p.aks_dns_servers.join(", "),
            Field::NamePrefix => p.name_prefix().to_string(),
            Field::PriorityBase => p.priority_base().to_string(),
            Field::Edition => match &p.edition {
                None => format!("newest ({})", catalog.default_edition().id),
                Some(e) => e.clone(),
            },
            Field::WorkspaceId => p.workspace_id.clone().unwrap_or_default(),
            Field::ComputePublicIp
            | Field::PrivateEndpoints
            | Field::MonitorSecured
            | Field::StorageFirewall => String::new(),
        }
    }

    /// Checks `text` and, when valid, stores it in the profile. Returns the reason otherwise.
    fn apply(self, text: &str, p: &mut Profile) -> Result<(), String> {
        let text = text.trim();
        let list = |s: &str| -> Vec<String> {
            s.split([',', ' '])
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect()
        };
        match self {
            Field::StorageAccount => {
                if !text.is_empty() {
                    profile::validate_storage_account(text)?;
                }
                p.storage_account = (!text.is_empty()).then(|| text.to_string());
            }
            Field::AcrName => {
                if !text.is_empty() {
                    profile::validate_acr_name(text)?;
                }
                p.acr_name = (!text.is_empty()).then(|| text.to_string());
            }
            Field::Sources => {
                let v = list(text);
                for s in &v {
                    profile::parse_source(s).map_err(|e| format!("{s}: {e}"))?;
                }
                if let Some((s, e)) = profile::duplicate(&v, profile::parse_source) {
                    return Err(format!("{s}: {e}"));
                }
                p.sources = v;
            }
            Field::DnsServers => {
                let v = list(text);
                for s in &v {
                    profile::parse_dns_server(s).map_err(|e| format!("{s}: {e}"))?;
                }
                if let Some((s, e)) = profile::duplicate(&v, profile::parse_dns_server) {
                    return Err(format!("{s}: {e}"));
                }
                p.aks_dns_servers = v;
            }
            Field::NamePrefix => {
                profile::validate_name_prefix(text)?;
                p.name_prefix = (text != profile::DEFAULT_NAME_PREFIX).then(|| text.to_string());
            }
            Field::PriorityBase => {
                let n: u32 = text.parse().map_err(|_| "a whole number".to_string())?;
                profile::validate_priority_base(n)?;
                p.priority_base = (n != profile::DEFAULT_PRIORITY_BASE).then_some(n);
            }
            Field::WorkspaceId => {
                p.workspace_id = if text.is_empty() {
                    None
                } else {
                    Some(profile::normalize_workspace_id(text)?)
                };
            }
            // Choices, changed with Space and the arrows, not typed.
            Field::InboundRoutes
            | Field::DnsProxy
            | Field::Edition
            | Field::ComputePublicIp
            | Field::PrivateEndpoints
            | Field::MonitorSecured
            | Field::StorageFirewall => {}
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modal {
    None,
    Help {
        scroll: usize,
    },
    Detail {
        title: String,
        lines: Vec<String>,
        scroll: usize,
    },
    ConfirmQuit,
    ConfirmOverwrite {
        path: PathBuf,
    },
    PathPrompt,
    /// The profile picker; `rows` is None until the runtime has listed the store.
    Profiles,
    /// Name for "save as".
    NamePrompt,
    ConfirmReplaceProfile {
        name: String,
    },
    ConfirmDeleteProfile {
        name: String,
    },
}

/// One saved profile as the picker shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRow {
    pub name: String,
    /// `public eastus2, 5 features` or why it cannot be read.
    pub summary: String,
    pub ok: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Ok,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub level: Level,
}

/// Side effects `update` asks the runtime to perform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Write {
        path: PathBuf,
        text: String,
        overwrite: bool,
        target: &'static str,
    },
    Copy {
        text: String,
        target: &'static str,
    },
    ListProfiles,
    LoadProfile {
        name: String,
    },
    SaveProfile {
        name: String,
        profile: Profile,
        overwrite: bool,
    },
    DeleteProfile {
        name: String,
    },
    Quit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Paste(String),
    Written {
        path: PathBuf,
        bytes: usize,
        target: &'static str,
    },
    WriteFailed {
        path: PathBuf,
        message: String,
        exists: bool,
    },
    Copied {
        message: String,
        /// False for OSC 52: the terminal decides, so no "ok".
        confirmed: bool,
    },
    CopyFailed {
        message: String,
    },
    ProfilesListed(Result<Vec<ProfileRow>, String>),
    ProfileLoaded {
        name: String,
        // Boxed: a profile is several times larger than every other message.
        result: Result<Box<Profile>, String>,
    },
    ProfileSaved {
        name: String,
        result: Result<(), String>,
        exists: bool,
    },
    ProfileDeleted {
        name: String,
        result: Result<(), String>,
    },
}

/// The rendered export of the selected target, kept until the rules or the target change.
#[derive(Debug, Clone)]
pub struct ExportView {
    pub target: usize,
    pub result: Result<Export, String>,
    pub line_count: usize,
}

pub struct App<'c> {
    pub catalog: &'c Catalog,
    pub tags: Option<&'c TagIndex>,
    pub theme: Theme,
    pub size: (u16, u16),
    pub profile: Profile,
    /// The choices as loaded; the title shows `*` while they differ.
    pub baseline: Profile,
    pub step: Step,
    pub visited: [bool; 5],
    pub preview_focus: bool,
    pub modal: Modal,
    pub status: Option<Status>,
    pub quit: bool,
    pub rules: Result<RuleSet, String>,
    pub cloud_nav: Nav,
    /// Last region chosen in each cloud, so switching clouds back and forth loses nothing.
    pub region_memory: [Option<String>; 3],
    pub region_filter: Input,
    /// Indices into `catalog.regions` matching the filter, best first.
    pub region_rows: Vec<usize>,
    pub region_nav: Nav,
    pub field_nav: Nav,
    pub field_inputs: Vec<Input>,
    pub field_errors: Vec<Option<String>>,
    /// Value of the field being edited before the edit (Esc restores it).
    pub editing: Option<String>,
    pub feature_filter: Input,
    pub filtering_features: bool,
    /// Indices into `catalog.features` shown, grouped.
    pub feature_rows: Vec<usize>,
    pub feature_nav: Nav,
    pub target_nav: Nav,
    pub export_scroll: usize,
    pub export_view: Option<ExportView>,
    pub path_input: Input,
    pub preview_nav: Nav,
    /// Ids of the rules the last change added (marked `+` in the preview).
    pub new_rules: std::collections::HashSet<String>,
    /// The saved profile the choices came from or were last saved to.
    pub profile_name: Option<String>,
    pub profile_rows: Vec<ProfileRow>,
    pub profile_nav: Nav,
    pub name_input: Input,
    matcher: nucleo_matcher::Matcher,
}

impl<'c> App<'c> {
    pub fn new(
        catalog: &'c Catalog,
        profile: Profile,
        tags: Option<&'c TagIndex>,
        size: (u16, u16),
        theme: Theme,
    ) -> Self {
        let mut app = App {
            catalog,
            tags,
            theme,
            size,
            baseline: profile.clone(),
            profile,
            step: Step::Cloud,
            visited: [true, false, false, false, false],
            preview_focus: false,
            modal: Modal::None,
            status: None,
            quit: false,
            rules: Err(String::new()),
            cloud_nav: Nav::default(),
            region_memory: [None, None, None],
            region_filter: Input::default(),
            region_rows: Vec::new(),
            region_nav: Nav::default(),
            field_nav: Nav::default(),
            field_inputs: Vec::new(),
            field_errors: vec![None; Field::ALL.len()],
            editing: None,
            feature_filter: Input::default(),
            filtering_features: false,
            feature_rows: Vec::new(),
            feature_nav: Nav::default(),
            target_nav: Nav::default(),
            export_scroll: 0,
            export_view: None,
            path_input: Input::default(),
            preview_nav: Nav::default(),
            new_rules: Default::default(),
            profile_name: None,
            profile_rows: Vec::new(),
            profile_nav: Nav::default(),
            name_input: Input::default(),
            matcher: nucleo_matcher::Matcher::new(nucleo_matcher::Config::DEFAULT),
        };
        app.cloud_nav.cursor = Cloud::ALL
            .iter()
            .position(|c| *c == app.profile.cloud)
            .unwrap_or(0);
        app.sync_fields();
        app.refilter_regions();
        app.refilter_features();
        app.refresh();
        // A file for another cloud is not silently ignored (issue 20, point 8).
        if let (Some(t), Some(_)) = (app.tags, app.tags_problem()) {
            // Short enough for the status line at 80 columns; the Export step says the rest.
            let note = format!(
                "Service Tags file is {}'s, not {}'s: no prefixes",
                t.cloud,
                app.profile.cloud.service_tags_name()
            );
            app.say(Level::Warn, note);
        }
        app
    }

    /// Why the Service Tags file cannot serve the current cloud: none was given, or the one
    /// given is another cloud's. `None` when it can.
    pub fn tags_problem(&self) -> Option<String> {
        let cloud = self.profile.cloud;
        match self.tags {
            None => None,
            Some(t) if t.check_cloud(cloud).is_ok() => None,
            Some(t) => Some(format!(
                "the Service Tags file is for cloud {} (changeNumber {}), not {}: targets that need address prefixes need the {} file (restart with --service-tags FILE)",
                t.cloud,
                t.change_number,
                cloud.title(),
                cloud.service_tags_name()
            )),
        }
    }

    pub fn areas(&self) -> Areas {
        layout::areas(self.size.0, self.size.1, self.step)
    }

    fn list_height(&self, step: Step) -> usize {
        layout::step_list(step, self.areas().main).height as usize
    }

    fn preview_height(&self) -> usize {
        let warnings = self.shown_warnings().len();
        layout::preview_rows(self.areas().preview, warnings).height as usize
    }

    pub fn dirty(&self) -> bool {
        self.profile != self.baseline
    }

    pub fn rule_count(&self) -> usize {
        self.rules.as_ref().map(|r| r.rules.len()).unwrap_or(0)
    }

    /// The keyboard context right now.
    pub fn ctx(&self) -> Ctx {
        match &self.modal {
            Modal::Help { .. } => Ctx::Help,
            Modal::Detail { .. } => Ctx::Detail,
            Modal::ConfirmQuit
            | Modal::ConfirmOverwrite { .. }
            | Modal::ConfirmReplaceProfile { .. }
            | Modal::ConfirmDeleteProfile { .. } => Ctx::Confirm,
            Modal::PathPrompt | Modal::NamePrompt => Ctx::Prompt,
            Modal::Profiles => Ctx::Profiles,
            Modal::None => self.screen_ctx(),
        }
    }

    /// The context of the screen under any overlay (what the `?` help describes).
    pub fn screen_ctx(&self) -> Ctx {
        if self.preview_focus {
            return Ctx::Preview;
        }
        match self.step {
            Step::Cloud => Ctx::Cloud,
            Step::Region => Ctx::Region,
            Step::Workspace if self.editing.is_some() => Ctx::WorkspaceEdit,
            Step::Workspace => Ctx::Workspace,
            Step::Features if self.filtering_features => Ctx::FeatureFilter,
            Step::Features => Ctx::Features,
            Step::Export => Ctx::Export,
        }
    }

    fn say(&mut self, level: Level, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            level,
        });
    }

    /// Recomputes what depends on the profile: the rules and the export text. Called after
    /// every change of choices, never from the view.
    fn refresh(&mut self) -> super::change::Change {
        let before = std::mem::replace(
            &mut self.rules,
            resolve(self.catalog, &self.profile).map_err(|e| e.to_string()),
        );
        let n = self.rule_count();
        let h = self.preview_height();
        let c = self.preview_nav.cursor;
        self.preview_nav.set(c, n, h);
        self.export_view = None;
        if self.step == Step::Export {
            self.render_export();
        }
        self.note_change(before.as_ref().ok(), self.preview_height())
    }

    /// The warnings the preview lists: on the Export step, those of the chosen target (as its
    /// header has them); elsewhere, every warning of the rule set.
    pub fn shown_warnings(&self) -> Vec<&crate::rules::Warning> {
        let Ok(rs) = &self.rules else {
            return Vec::new();
        };
        match (&self.step, &self.export_view) {
            (
                Step::Export,
                Some(ExportView {
                    target,
                    result: Ok(e),
                    ..
                }),
            ) => export::warnings_for(rs, export::targets()[*target], &e.unexpressed),
            _ => rs.warnings.iter().collect(),
        }
    }

    /// Renders the selected target once; the view only reads the result.
    fn render_export(&mut self) {
        let idx = self.target_nav.cursor;
        if self.export_view.as_ref().is_some_and(|v| v.target == idx) {
            return;
        }
        let target = export::targets()[idx];
        let result = match &self.rules {
            Err(e) => Err(e.clone()),
            Ok(rs) => {
                let usable = self
                    .tags
                    .filter(|t| t.check_cloud(rs.settings.cloud).is_ok());
                if export::needs_service_tags(target, rs) && usable.is_none() {
                    Err(match self.tags_problem() {
                        Some(why) => format!("{}: {why}", target.id()),
                        None => format!(
                            "{} needs Microsoft's Service Tags file to expand service tags into address prefixes: start amlfw with --service-tags FILE",
                            target.id()
                        ),
                    })
                } else {
                    let opts = ExportOptions {
                        service_tags: self
                            .tags
                            .filter(|t| t.check_cloud(rs.settings.cloud).is_ok()),
                        ..ExportOptions::default()
                    };
                    target.render(rs, &opts).map_err(|e| e.to_string())
                }
            }
        };
        let line_count = result.as_ref().map(|e| e.text.lines().count()).unwrap_or(1);
        self.export_view = Some(ExportView {
            target: idx,
            result,
            line_count,
        });
        self.export_scroll = 0;
    }

    fn sync_fields(&mut self) {
        self.field_inputs = Field::ALL
            .iter()
            .map(|f| Input::new(f.value_of(&self.profile, self.catalog)))
            .collect();
    }

    fn refilter_regions(&mut self) {
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
        let q = self.region_filter.value().trim();
        self.region_rows = if q.is_empty() {
            let mut v: Vec<usize> = candidates.iter().map(|(i, _)| *i).collect();
            v.sort_by(|a, b| {
                self.catalog.regions[*a]
                    .display_name
                    .cmp(&self.catalog.regions[*b].display_name)
            });
            v
        } else {
            let pattern = Pattern::parse(q, CaseMatching::Ignore, Normalization::Smart);
            let texts: Vec<&str> = candidates.iter().map(|(_, t)| t.as_str()).collect();
            let matched = pattern.match_list(texts, &mut self.matcher);
            matched
                .into_iter()
                .filter_map(|(t, _)| candidates.iter().find(|(_, c)| c == t).map(|(i, _)| *i))
                .collect()
        };
        // Keep the cursor on the current region when it is listed.
        let current = self
            .region_rows
            .iter()
            .position(|i| self.catalog.regions[*i].name == self.profile.region);
        let h = self.list_height(Step::Region);
        let len = self.region_rows.len();
        if q.is_empty() {
            self.region_nav.set(current.unwrap_or(0), len, h);
        } else {
            self.region_nav = Nav::default();
            self.region_nav.set(0, len, h);
        }
    }

    fn refilter_features(&mut self) {
        let q = self.feature_filter.value().trim().to_lowercase();
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
        self.feature_rows = rows;
        let h = self.list_height(Step::Features);
        let c = self.feature_nav.cursor;
        self.feature_nav.set(c, self.feature_rows.len(), h);
    }

    pub fn go_to(&mut self, step: Step) {
        if self.editing.is_some() {
            self.finish_edit();
        }
        self.filtering_features = false;
        self.preview_focus = false;
        self.step = step;
        self.visited[step.index()] = true;
        // The split between step and preview depends on the step.
        self.reflow();
        if step == Step::Export {
            self.render_export();
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(k) if k.kind == KeyEventKind::Release => Vec::new(),
            Msg::Key(k) => self.on_key(k),
            Msg::Mouse(m) => {
                self.on_mouse(m);
                Vec::new()
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.reflow();
                Vec::new()
            }
            Msg::Paste(text) => {
                self.on_paste(&text);
                Vec::new()
            }
            Msg::Written {
                path,
                bytes,
                target,
            } => {
                self.say(
                    Level::Ok,
                    format!("wrote {} ({bytes} bytes, {target})", path.display()),
                );
                Vec::new()
            }
            Msg::WriteFailed {
                path,
                message,
                exists,
            } => {
                if exists {
                    self.modal = Modal::ConfirmOverwrite { path };
                } else {
                    self.say(Level::Error, message);
                }
                Vec::new()
            }
            Msg::Copied { message, confirmed } => {
                let level = if confirmed { Level::Ok } else { Level::Warn };
                self.say(level, message);
                Vec::new()
            }
            Msg::CopyFailed { message } => {
                self.say(Level::Error, message);
                Vec::new()
            }
            Msg::ProfilesListed(result) => {
                match result {
                    Ok(rows) => {
                        let c = self.profile_nav.cursor;
                        self.profile_nav.set(c, rows.len(), 10);
                        self.profile_rows = rows;
                    }
                    Err(e) => self.say(Level::Error, e),
                }
                Vec::new()
            }
            Msg::ProfileLoaded { name, result } => {
                match result {
                    Ok(p) => self.open_profile(name, *p),
                    Err(e) => self.say(Level::Error, e),
                }
                Vec::new()
            }
            Msg::ProfileSaved {
                name,
                result,
                exists,
            } => {
                match result {
                    Ok(()) => {
                        self.baseline = self.profile.clone();
                        self.say(Level::Ok, format!("saved profile {name}"));
                        self.profile_name = Some(name);
                        self.modal = Modal::None;
                    }
                    Err(_) if exists => self.modal = Modal::ConfirmReplaceProfile { name },
                    Err(e) => self.say(Level::Error, e),
                }
                Vec::new()
            }
            Msg::ProfileDeleted { name, result } => match result {
                Ok(()) => {
                    self.say(Level::Ok, format!("deleted profile {name}"));
                    if self.profile_name.as_deref() == Some(&name) {
                        self.profile_name = None;
                    }
                    self.modal = Modal::Profiles;
                    vec![Effect::ListProfiles]
                }
                Err(e) => {
                    self.say(Level::Error, e);
                    Vec::new()
                }
            },
        }
    }

    /// Replaces every choice with a loaded profile; it becomes the new "saved" state.
    pub fn open_profile(&mut self, name: String, p: Profile) {
        self.region_memory = [None, None, None];
        self.cloud_nav.cursor = Cloud::ALL.iter().position(|c| *c == p.cloud).unwrap_or(0);
        self.baseline = p.clone();
        self.profile = p;
        self.modal = Modal::None;
        self.sync_fields();
        self.region_filter.reset();
        self.refilter_regions();
        self.refilter_features();
        self.refresh();
        self.say(Level::Ok, format!("opened profile {name}"));
        self.profile_name = Some(name);
    }

    /// Keeps every cursor visible after a resize.
    fn reflow(&mut self) {
        let n = self.rule_count();
        let h = self.preview_height();
        let c = self.preview_nav.cursor;
        self.preview_nav.set(c, n, h);
        for step in [Step::Region, Step::Features, Step::Workspace] {
            let h = self.list_height(step);
            match step {
                Step::Region => {
                    let c = self.region_nav.cursor;
                    self.region_nav.set(c, self.region_rows.len(), h)
                }
                Step::Features => {
                    let c = self.feature_nav.cursor;
                    self.feature_nav.set(c, self.feature_rows.len(), h)
                }
                _ => {
                    let c = self.field_nav.cursor;
                    self.field_nav.set(c, Field::ALL.len(), h)
                }
            }
        }
    }

    fn on_paste(&mut self, text: &str) {
        // Line breaks become spaces (a pasted column of CIDRs becomes a list); everything else
        // arrives as pasted, so validation sees - and refuses - exactly what the user pasted.
        let text: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let ev = |c: char| {
            Event::Key(KeyEvent::new(
                crossterm::event::KeyCode::Char(c),
                crossterm::event::KeyModifiers::NONE,
            ))
        };
        match self.ctx() {
            Ctx::Region => {
                for c in text.chars() {
                    self.region_filter.handle_event(&ev(c));
                }
                self.refilter_regions();
            }
            Ctx::WorkspaceEdit => {
                let i = self.field_nav.cursor;
                for c in text.chars() {
                    self.field_inputs[i].handle_event(&ev(c));
                }
                self.edited();
            }
            Ctx::FeatureFilter => {
                for c in text.chars() {
                    self.feature_filter.handle_event(&ev(c));
                }
                self.refilter_features();
            }
            Ctx::Prompt => {
                let input = if self.modal == Modal::NamePrompt {
                    &mut self.name_input
                } else {
                    &mut self.path_input
                };
                for c in text.chars() {
                    input.handle_event(&ev(c));
                }
            }
            _ => {}
        }
    }

    fn on_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        let ctx = self.ctx();
        let Some(action) = action_for(ctx, &k) else {
            // Unbound keys in a text context edit the text.
            self.text_key(ctx, k);
            return Vec::new();
        };
        self.act(ctx, action)
    }

    fn text_key(&mut self, ctx: Ctx, k: KeyEvent) {
        let ev = Event::Key(k);
        match ctx {
            Ctx::Region if self.region_filter.handle_event(&ev).is_some() => {
                self.refilter_regions()
            }
            Ctx::WorkspaceEdit
                if self.field_inputs[self.field_nav.cursor]
                    .handle_event(&ev)
                    .is_some() =>
            {
                self.edited()
            }
            Ctx::FeatureFilter if self.feature_filter.handle_event(&ev).is_some() => {
                self.refilter_features()
            }
            Ctx::Prompt if self.modal == Modal::NamePrompt => {
                self.name_input.handle_event(&ev);
            }
            Ctx::Prompt => {
                self.path_input.handle_event(&ev);
            }
            _ => {}
        }
    }

    fn act(&mut self, ctx: Ctx, action: Action) -> Vec<Effect> {
        match action {
            Action::ForceQuit => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            Action::Quit => {
                if self.dirty() {
                    self.modal = Modal::ConfirmQuit;
                } else {
                    self.quit = true;
                    return vec![Effect::Quit];
                }
            }
            Action::Help => self.modal = Modal::Help { scroll: 0 },
            Action::NextStep => {
                let s = self.step.next();
                self.go_to(s)
            }
            Action::PrevStep => {
                let s = self.step.prev();
                self.go_to(s)
            }
            Action::FocusPreview => {
                self.preview_focus = true;
            }
            Action::EditionDiff => self.open_edition_diff(),
            Action::PrivateDns => self.open_private_dns(),
            Action::Profiles if ctx != Ctx::Profiles => {
                if self.editing.is_some() {
                    self.finish_edit();
                }
                self.modal = Modal::Profiles;
                return vec![Effect::ListProfiles];
            }
            _ => return self.act_in(ctx, action),
        }
        Vec::new()
    }

    /// Actions whose meaning depends on the context.
    fn act_in(&mut self, ctx: Ctx, action: Action) -> Vec<Effect> {
        match ctx {
            Ctx::Help => self.scroll_modal(action),
            Ctx::Detail => self.scroll_modal(action),
            Ctx::Confirm => return self.confirm(action),
            Ctx::Prompt => return self.prompt(action),
            Ctx::Profiles => return self.profiles_key(action),
            Ctx::Preview => self.preview_key(action),
            Ctx::Cloud => self.cloud_key(action),
            Ctx::Region => self.region_key(action),
            Ctx::Workspace | Ctx::WorkspaceEdit => self.workspace_key(action),
            Ctx::Features | Ctx::FeatureFilter => self.features_key(action),
            Ctx::Export => return self.export_key(action),
        }
        Vec::new()
    }

    /// Scrolls help or the rule details, never past the last line (see `overlay`).
    fn scroll_modal(&mut self, action: Action) {
        let Some((max, page)) = super::overlay::scroll_limits(self) else {
            return;
        };
        let scroll = match &mut self.modal {
            Modal::Help { scroll } | Modal::Detail { scroll, .. } => scroll,
            _ => return,
        };
        let s = (*scroll).min(max);
        *scroll = match action {
            Action::Back => {
                self.modal = Modal::None;
                return;
            }
            Action::Up => s.saturating_sub(1),
            Action::Down => s + 1,
            Action::PageUp => s.saturating_sub(page),
            Action::PageDown => s + page,
            Action::Home => 0,
            Action::End => max,
            _ => s,
        }
        .min(max);
    }

    fn confirm(&mut self, action: Action) -> Vec<Effect> {
        let modal = std::mem::replace(&mut self.modal, Modal::None);
        match (modal, action) {
            (Modal::ConfirmQuit, Action::Yes) => {
                self.quit = true;
                vec![Effect::Quit]
            }
            (Modal::ConfirmOverwrite { path }, Action::Yes) => self.write_effect(path, true),
            (Modal::ConfirmOverwrite { path }, Action::No) => {
                self.say(
                    Level::Info,
                    format!("not written: {} exists", path.display()),
                );
                Vec::new()
            }
            (Modal::ConfirmReplaceProfile { name }, Action::Yes) => vec![Effect::SaveProfile {
                name,
                profile: self.pinned_profile(),
                overwrite: true,
            }],
            (Modal::ConfirmDeleteProfile { name }, Action::Yes) => {
                vec![Effect::DeleteProfile { name }]
            }
            (
                Modal::ConfirmReplaceProfile { .. } | Modal::ConfirmDeleteProfile { .. },
                Action::No,
            ) => {
                self.modal = Modal::Profiles;
                Vec::new()
            }
            (_, Action::No) => Vec::new(),
            (m, _) => {
                self.modal = m;
                Vec::new()
            }
        }
    }

    fn prompt(&mut self, action: Action) -> Vec<Effect> {
        if self.modal == Modal::NamePrompt {
            return self.name_prompt(action);
        }
        match action {
            Action::Back => {
                self.modal = Modal::None;
                Vec::new()
            }
            Action::Select => {
                let path = self.path_input.value().trim().to_string();
                if path.is_empty() {
                    self.say(Level::Warn, "type a file name, or Esc to cancel");
                    return Vec::new();
                }
                // Typed by accident (key mashing, a paste), they would hide the file's real
                // name in every listing; nobody means them in a file name.
                if path.chars().any(crate::diag::is_unsafe_char) {
                    self.say(
                        Level::Error,
                        format!(
                            "the file name '{}' holds control or bidirectional characters: not written",
                            crate::diag::escape(&path)
                        ),
                    );
                    return Vec::new();
                }
                self.modal = Modal::None;
                self.write_effect(PathBuf::from(path), false)
            }
            _ => Vec::new(),
        }
    }

    fn name_prompt(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Back => self.modal = Modal::Profiles,
            Action::Select => {
                let name = self.name_input.value().trim().to_string();
                if let Err(e) = crate::store::validate_name(&name) {
                    self.say(Level::Error, e.to_string());
                    return Vec::new();
                }
                return vec![Effect::SaveProfile {
                    name,
                    profile: self.pinned_profile(),
                    overwrite: false,
                }];
            }
            _ => {}
        }
        Vec::new()
    }

    fn profiles_key(&mut self, action: Action) -> Vec<Effect> {
        let n = self.profile_rows.len();
        match action {
            Action::Up => self.profile_nav.by(-1, n, 10),
            Action::Down => self.profile_nav.by(1, n, 10),
            Action::Back => self.modal = Modal::None,
            Action::Select => {
                if let Some(row) = self.profile_rows.get(self.profile_nav.cursor) {
                    if !row.ok {
                        self.say(
                            Level::Error,
                            format!("{} cannot be opened: {}", row.name, row.summary),
                        );
                    } else if self.dirty() {
                        // Opening replaces the choices; say what happens rather than ask twice.
                        let name = row.name.clone();
                        self.say(
                            Level::Warn,
                            format!("unsaved choices replaced by profile {name}"),
                        );
                        return vec![Effect::LoadProfile { name }];
                    } else {
                        return vec![Effect::LoadProfile {
                            name: row.name.clone(),
                        }];
                    }
                }
            }
            Action::SaveAs => {
                let suggestion = self.profile_name.clone().unwrap_or_else(|| {
                    format!("{}-{}", self.profile.cloud.id(), self.profile.region)
                });
                self.name_input = Input::new(suggestion);
                self.modal = Modal::NamePrompt;
            }
            Action::Delete => {
                if let Some(row) = self.profile_rows.get(self.profile_nav.cursor) {
                    self.modal = Modal::ConfirmDeleteProfile {
                        name: row.name.clone(),
                    };
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn write_effect(&mut self, path: PathBuf, overwrite: bool) -> Vec<Effect> {
        match self.export_view.as_ref().map(|v| (&v.result, v.target)) {
            Some((Ok(e), t)) => vec![Effect::Write {
                path,
                text: e.text.clone(),
                overwrite,
                target: export::targets()[t].id(),
            }],
            _ => {
                self.say(
                    Level::Error,
                    "nothing to write: this target has no output (see the message above)",
                );
                Vec::new()
            }
        }
    }

    fn preview_key(&mut self, action: Action) {
        let n = self.rule_count();
        let h = self.preview_height();
        match action {
            Action::Up => self.preview_nav.by(-1, n, h),
            Action::Down => self.preview_nav.by(1, n, h),
            Action::PageUp => self.preview_nav.by(-(h as isize), n, h),
            Action::PageDown => self.preview_nav.by(h as isize, n, h),
            Action::Home => self.preview_nav.set(0, n, h),
            Action::End => self.preview_nav.set(n.saturating_sub(1), n, h),
            Action::Select => self.open_detail(),
            Action::Back => self.preview_focus = false,
            _ => {}
        }
    }

    /// Builds the detail of the rule under the preview cursor: purpose, features, sources,
    /// and how every target expresses it. Done here, once, so the view stays cheap.
    pub fn open_detail(&mut self) {
        let Ok(rs) = &self.rules else { return };
        let Some(rule) = rs.rules.get(self.preview_nav.cursor) else {
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
        let warnings: Vec<&str> = rs
            .warnings
            .iter()
            .filter(|w| {
                w.rules
                    .iter()
                    .any(|id| rule.requirements.iter().chain([&rule.id]).any(|r| r == id))
            })
            .map(|w| w.message.as_str())
            .collect();
        if !warnings.is_empty() {
            lines.push(String::new());
            lines.push("Warnings:".into());
            lines.extend(warnings.iter().map(|w| format!("  ! {w}")));
        }
        lines.push(String::new());
        lines.push("How each target expresses it:".into());
        for (t, verdict) in export::coverage::verdicts(rs, &rule.id, self.tags) {
            lines.push(format!("  {:<17} {verdict}", t.id()));
        }
        self.modal = Modal::Detail {
            title: format!("Rule {}", rule.id),
            lines,
            scroll: 0,
        };
    }

    fn cloud_key(&mut self, action: Action) {
        match action {
            Action::Up => self.cloud_nav.by(-1, 3, 3),
            Action::Down => self.cloud_nav.by(1, 3, 3),
            Action::Home => self.cloud_nav.set(0, 3, 3),
            Action::End => self.cloud_nav.set(2, 3, 3),
            Action::Toggle => self.choose_cloud(Cloud::ALL[self.cloud_nav.cursor]),
            Action::Select => {
                self.choose_cloud(Cloud::ALL[self.cloud_nav.cursor]);
                self.go_to(Step::Region);
            }
            _ => {}
        }
    }

    pub fn choose_cloud(&mut self, cloud: Cloud) {
        if cloud == self.profile.cloud {
            return;
        }
        let old = self.profile.cloud;
        self.region_memory[old as usize] = Some(self.profile.region.clone());
        self.profile.cloud = cloud;
        let region = self.region_memory[cloud as usize]
            .clone()
            .unwrap_or_else(|| default_region(cloud).to_string());
        self.profile.region = region;
        self.region_filter.reset();
        self.refilter_regions();
        self.refresh();
        self.say(
            Level::Info,
            format!("cloud: {}; region: {}", cloud.title(), self.profile.region),
        );
    }

    fn region_key(&mut self, action: Action) {
        let n = self.region_rows.len();
        let h = self.list_height(Step::Region);
        match action {
            Action::Up => self.region_nav.by(-1, n, h),
            Action::Down => self.region_nav.by(1, n, h),
            Action::PageUp => self.region_nav.by(-(h as isize), n, h),
            Action::PageDown => self.region_nav.by(h as isize, n, h),
            Action::ClearFilter => {
                self.region_filter.reset();
                self.refilter_regions();
            }
            Action::Select if self.choose_region_at(self.region_nav.cursor) => {
                self.go_to(Step::Workspace)
            }
            _ => {}
        }
    }

    fn choose_region_at(&mut self, row: usize) -> bool {
        let Some(&i) = self.region_rows.get(row) else {
            self.say(Level::Warn, "no region matches the filter (Esc clears it)");
            return false;
        };
        let name = self.catalog.regions[i].name.clone();
        if name != self.profile.region {
            self.profile.region = name;
            self.refresh();
        }
        // The filter has done its job; coming back shows the whole list at the choice.
        if !self.region_filter.value().is_empty() {
            self.region_filter.reset();
            self.refilter_regions();
        }
        self.say(
            Level::Info,
            format!("region: {}", self.catalog.regions[i].display_name),
        );
        true
    }

    fn workspace_key(&mut self, action: Action) {
        let field = Field::ALL[self.field_nav.cursor];
        let n = Field::ALL.len();
        let h = self.list_height(Step::Workspace);
        if self.editing.is_some() {
            match action {
                Action::Select => self.finish_edit(),
                Action::Back => {
                    let before = self.editing.take().unwrap_or_default();
                    self.field_inputs[self.field_nav.cursor] = Input::new(before.clone());
                    let _ = field.apply(&before, &mut self.profile);
                    self.field_errors[self.field_nav.cursor] = None;
                    self.refresh();
                }
                _ => {}
            }
            return;
        }
        match action {
            Action::Up => self.field_nav.by(-1, n, h),
            Action::Down => self.field_nav.by(1, n, h),
            Action::Home => self.field_nav.set(0, n, h),
            Action::End => self.field_nav.set(n - 1, n, h),
            Action::Edit | Action::Right if field == Field::InboundRoutes => self.cycle_routes(1),
            Action::Left if field == Field::InboundRoutes => self.cycle_routes(-1),
            Action::Edit | Action::Right | Action::Left if field == Field::DnsProxy => {
                self.profile.dns_proxy = !self.profile.dns_proxy;
                self.sync_fields();
                self.refresh();
            }
            Action::Edit | Action::Right if field == Field::Edition => self.cycle_edition(1),
            Action::Left if field == Field::Edition => self.cycle_edition(-1),
            Action::Edit | Action::Right | Action::Left if field.option_id().is_some() => {
                if let Some(id) = field.option_id() {
                    // Off is "not given", so a saved profile only names options that are on
                    // (or that a loaded file set).
                    let on = !self.profile.option(id);
                    self.profile.set_option(id, on.then_some(true));
                    self.sync_fields();
                    self.refresh();
                }
            }
            Action::Edit => {
                self.editing = Some(self.field_inputs[self.field_nav.cursor].value().to_string());
            }
            _ => {}
        }
    }

    /// The choices with their edition written down: a saved profile keeps the guidance it was
    /// made with, even after a newer amlfw brings a newer edition.
    fn pinned_profile(&mut self) -> Profile {
        if self.profile.edition.is_none() {
            self.profile.edition = Some(self.catalog.default_edition().id.clone());
            self.sync_fields();
        }
        self.profile.clone()
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

    fn cycle_routes(&mut self, delta: isize) {
        let modes = [
            None,
            Some(InboundRoutes::ServiceTags),
            Some(InboundRoutes::IpPrefixes),
            Some(InboundRoutes::None),
        ];
        let i = modes
            .iter()
            .position(|m| *m == self.profile.inbound_routes)
            .unwrap_or(0) as isize;
        self.profile.inbound_routes = modes[(i + delta).rem_euclid(4) as usize];
        self.sync_fields();
        self.refresh();
    }

    /// Validates the field being edited on every keystroke; a valid value goes live at once.
    fn edited(&mut self) {
        let i = self.field_nav.cursor;
        let field = Field::ALL[i];
        let text = self.field_inputs[i].value().to_string();
        match field.apply(&text, &mut self.profile) {
            Ok(()) => {
                self.field_errors[i] = None;
                self.refresh();
            }
            Err(reason) => self.field_errors[i] = Some(reason),
        }
    }

    fn finish_edit(&mut self) {
        let i = self.field_nav.cursor;
        let before = self.editing.take().unwrap_or_default();
        if let Some(reason) = self.field_errors[i].take() {
            // While typing, valid prefixes of the value went live (10.0.0.0 on the way to
            // 10.0.0.0/8). A value that ends invalid must not leave one of those behind: go
            // back to the value before the edit.
            let _ = Field::ALL[i].apply(&before, &mut self.profile);
            self.refresh();
            self.say(
                Level::Warn,
                format!("{}: not changed: {reason}", Field::ALL[i].label()),
            );
        }
        self.field_inputs[i] = Input::new(Field::ALL[i].value_of(&self.profile, self.catalog));
    }

    fn features_key(&mut self, action: Action) {
        let n = self.feature_rows.len();
        let h = self.list_height(Step::Features);
        match action {
            Action::Up => self.feature_nav.by(-1, n, h),
            Action::Down => self.feature_nav.by(1, n, h),
            Action::PageUp => self.feature_nav.by(-(h as isize), n, h),
            Action::PageDown => self.feature_nav.by(h as isize, n, h),
            Action::Home => self.feature_nav.set(0, n, h),
            Action::End => self.feature_nav.set(n.saturating_sub(1), n, h),
            Action::Toggle => self.toggle_feature_at(self.feature_nav.cursor),
            Action::Filter => self.filtering_features = true,
            Action::Select => self.filtering_features = false,
            Action::ClearFilter => {
                self.filtering_features = false;
                self.feature_filter.reset();
                self.refilter_features();
            }
            _ => {}
        }
    }

    pub fn toggle_feature_at(&mut self, row: usize) {
        let Some(&i) = self.feature_rows.get(row) else {
            return;
        };
        let id = self.catalog.features[i].id.clone();
        let on = !self.profile.has_feature(&id);
        let before = self
            .rules
            .as_ref()
            .ok()
            .map(|rs| super::change::also_needed_by(rs, &id));
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
            .map(|rs| super::change::also_needed_by(rs, &id));
        let needers = if on { after } else { before };
        self.tell_change(&change, || match needers {
            Some(n) => super::change::why_unchanged(&id, &n),
            None => "no rules".to_string(),
        });
    }

    fn export_key(&mut self, action: Action) -> Vec<Effect> {
        let n = export::targets().len();
        let h = self.list_height(Step::Export);
        let text_h = layout::export_text(self.areas().main).height as usize;
        let lines = self.export_view.as_ref().map(|v| v.line_count).unwrap_or(0);
        let max_scroll = lines.saturating_sub(text_h);
        match action {
            Action::Up => self.select_target(self.target_nav.cursor.saturating_sub(1), n, h),
            Action::Down => self.select_target(self.target_nav.cursor + 1, n, h),
            Action::Home => self.select_target(0, n, h),
            Action::End => self.select_target(n - 1, n, h),
            Action::PageDown => {
                self.export_scroll = (self.export_scroll + text_h.max(1)).min(max_scroll)
            }
            Action::PageUp => self.export_scroll = self.export_scroll.saturating_sub(text_h.max(1)),
            Action::Write => {
                let t = export::targets()[self.target_nav.cursor];
                if self.export_view.as_ref().is_some_and(|v| v.result.is_err()) {
                    self.say(
                        Level::Error,
                        "this target has no output to write (see the message)",
                    );
                } else if t.is_multi_file() {
                    // The preview is the files one after the other; the tool reads a directory.
                    self.say(
                        Level::Error,
                        format!(
                            "{} is several files: write them with `amlfw export -t {} -o DIR` (copy works on the preview)",
                            t.id(),
                            t.id()
                        ),
                    );
                } else {
                    self.path_input = Input::new(format!("amlfw-{}.{}", t.id(), t.extension()));
                    self.modal = Modal::PathPrompt;
                }
            }
            Action::Copy => {
                if let Some(ExportView {
                    result: Ok(e),
                    target,
                    ..
                }) = &self.export_view
                {
                    return vec![Effect::Copy {
                        text: e.text.clone(),
                        target: export::targets()[*target].id(),
                    }];
                }
                self.say(Level::Error, "this target has no output to copy");
            }
            _ => {}
        }
        Vec::new()
    }

    fn select_target(&mut self, i: usize, n: usize, h: usize) {
        self.target_nav.set(i, n, h);
        self.render_export();
    }

    fn on_mouse(&mut self, m: MouseEvent) {
        if !matches!(self.modal, Modal::None) || layout::too_small(self.size.0, self.size.1) {
            if matches!(self.modal, Modal::Help { .. } | Modal::Detail { .. }) {
                match m.kind {
                    MouseEventKind::ScrollDown => self.scroll_modal(Action::Down),
                    MouseEventKind::ScrollUp => self.scroll_modal(Action::Up),
                    _ => {}
                }
            }
            return;
        }
        let a = self.areas();
        let (x, y) = (m.column, m.row);
        let wheel = match m.kind {
            MouseEventKind::ScrollDown => Some(Action::Down),
            MouseEventKind::ScrollUp => Some(Action::Up),
            _ => None,
        };
        let click = matches!(m.kind, MouseEventKind::Down(MouseButton::Left));
        if layout::contains(a.steps, x, y) && click {
            if let Some(s) = layout::step_at(x, super::view::title_width(self)) {
                self.go_to(s);
            }
        } else if layout::contains(a.preview, x, y) {
            if let Some(action) = wheel {
                self.preview_key(action);
            } else if click {
                let warnings = self.shown_warnings().len();
                let rows = layout::preview_rows(a.preview, warnings);
                if layout::contains(rows, x, y) {
                    let i = self.preview_nav.offset + (y - rows.y) as usize;
                    if i < self.rule_count() {
                        let again = self.preview_focus && self.preview_nav.cursor == i;
                        self.preview_focus = true;
                        let (n, h) = (self.rule_count(), self.preview_height());
                        self.preview_nav.set(i, n, h);
                        if again {
                            self.open_detail();
                        }
                    }
                } else {
                    self.preview_focus = true;
                }
            }
        } else if layout::contains(a.main, x, y) {
            self.preview_focus = false;
            if let Some(action) = wheel {
                let ctx = self.ctx();
                let action = if self.step == Step::Export {
                    if action == Action::Down {
                        Action::PageDown
                    } else {
                        Action::PageUp
                    }
                } else {
                    action
                };
                self.act_in(ctx, action);
            } else if click {
                self.click_list(x, y);
            }
        }
    }

    fn click_list(&mut self, x: u16, y: u16) {
        let list = layout::step_list(self.step, self.areas().main);
        if !layout::contains(list, x, y) {
            return;
        }
        let row = (y - list.y) as usize;
        match self.step {
            Step::Cloud => {
                if row < 3 {
                    self.cloud_nav.set(row, 3, 3);
                    self.choose_cloud(Cloud::ALL[row]);
                }
            }
            Step::Region => {
                let i = self.region_nav.offset + row;
                if i < self.region_rows.len() {
                    let h = list.height as usize;
                    self.region_nav.set(i, self.region_rows.len(), h);
                    self.choose_region_at(i);
                }
            }
            Step::Workspace => {
                let i = self.field_nav.offset + row;
                if i < Field::ALL.len() {
                    if self.editing.is_some() {
                        self.finish_edit();
                    }
                    self.field_nav
                        .set(i, Field::ALL.len(), list.height as usize);
                }
            }
            Step::Features => {
                let i = self.feature_nav.offset + row;
                if i < self.feature_rows.len() {
                    self.feature_nav
                        .set(i, self.feature_rows.len(), list.height as usize);
                    // A click on the check box ticks; elsewhere it only moves the cursor.
                    if x < list.x + 6 {
                        self.toggle_feature_at(i);
                    }
                }
            }
            Step::Export => {
                let i = self.target_nav.offset + row;
                let n = export::targets().len();
                if i < n {
                    self.select_target(i, n, list.height as usize);
                }
            }
        }
    }
}

/// Where a cloud starts when no region was chosen in it yet.
pub fn default_region(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Public => "eastus2",
        Cloud::Usgov => "usgovvirginia",
        Cloud::China => "chinaeast2",
    }
}
