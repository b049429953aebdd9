//! amlfw: the network requirements of a secured Azure Machine Learning workspace, as data,
//! resolved for one cloud, region and set of features, and rendered as firewall rules.
//!
//! Data flows one way: `Catalog` + `Profile` -> `resolve` -> `RuleSet` -> exporters -> text.
//! Nothing in the library performs I/O except the explicit loaders of files the caller names.
//!
//! Module map (leaves first; nothing below imports a module above it in its group):
//! - Values: `model` (clouds, kinds, ports, families), `shared` (`SharedStr`), `reference`
//!   (what a requirement cites), `remote` (a rule's far end: tag, host or address, decided
//!   once), `fields` (the profile's fields: key, CLI spelling, wizard label, help, check).
//! - Data and choices: `catalog` (load, validate, query the requirements data), `profile`
//!   (what the admin chose, validated through `fields`), `servicetags` (Microsoft's Service
//!   Tags file, read and expanded), `dns` (private DNS plan).
//! - The rule engine: `rules` (`resolve`, with `merge`; `Rule`, `RuleSet`, `Warning`), and
//!   `diff` (what changes between editions).
//! - Output: `export` — the `Exporter` trait and the registry `export::targets()`; each target
//!   declares one `export::Target` (id, name, family, extension, what it can express);
//!   `export::azure` is the one Azure writer layer (ARM, Bicep, HCL, az, names, port groups)
//!   under the Azure Firewall, NSG, route-table and managed-VNet targets;
//!   `export::coverage` says per target whether a rule is covered. `audit` reads deployed
//!   configurations and checks them against a rule set.
//! - Edges: `fsio` (bounded reads, atomic writes), `store` (named profiles on disk), `diag`
//!   (quoting untrusted text); behind the feature `tui`: `tui` (the wizard), `signals`, and
//!   the clipboard's terminal side.

pub mod audit;
pub mod catalog;
pub mod clipboard;
pub mod diag;
pub mod diff;
pub mod dns;
pub mod export;
pub mod fields;
pub mod fsio;
pub mod model;
pub mod profile;
pub mod reference;
pub mod remote;
pub mod rules;
pub mod servicetags;
pub mod shared;
// The terminal parts (feature `tui`, on by default): the core above builds without them.
#[cfg(feature = "tui")]
pub mod signals;
pub mod store;
#[cfg(feature = "tui")]
pub mod tui;

pub use catalog::Catalog;
pub use model::{Cloud, Direction, InboundRoutes, Kind, PortRange, PortSpec, Protocol};
pub use profile::Profile;
pub use remote::Remote;
pub use rules::{resolve, Rule, RuleSet, Warning};
pub use shared::SharedStr;

/// The tool's version, written into every export's header.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
