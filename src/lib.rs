//! amlfw: the network requirements of a secured Azure Machine Learning workspace, as data,
//! resolved for one cloud, region and set of features, and rendered as firewall rules.
//!
//! Data flows one way: `Catalog` + `Profile` -> `resolve` -> `RuleSet` -> exporters -> text.
//! Nothing in the library performs I/O except the explicit loaders of files the caller names.

pub mod audit;
pub mod catalog;
pub mod clipboard;
pub mod diag;
pub mod diff;
pub mod dns;
pub mod export;
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
