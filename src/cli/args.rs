//! Command-line grammar (clap derive). Kept apart from what the commands do.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "amlfw",
    version,
    about = "Firewall rules for a secured Azure Machine Learning workspace",
    long_about = "Turns Microsoft's network requirements for a secured Azure Machine Learning \
workspace into firewall rules: Azure Firewall, NSG, route tables and generic formats.\n\n\
Run without a command to start the interactive wizard.",
    after_help = "Exit codes: 0 ok, 2 bad input, 1 other failure, 3 audit found gaps or errors."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Pre-fill the wizard (when no command is given).
    #[command(flatten)]
    pub selection: Selection,

    /// Microsoft's Service Tags JSON file, for the wizard's targets that need address prefixes.
    #[arg(long, value_name = "FILE")]
    pub service_tags: Option<PathBuf>,

    /// How the wizard copies: auto, system, osc52 or off (default: config.toml, else auto).
    #[arg(long, value_name = "MODE", value_parser = parse_clipboard)]
    pub clipboard: Option<amlfw::clipboard::Mode>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the resolved rules for a selection.
    Rules {
        #[command(flatten)]
        selection: Selection,
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
    },
    /// Render the rules for a target (see `amlfw targets`).
    Export {
        #[command(flatten)]
        selection: Selection,
        /// Target id, e.g. azfw-policy-arm, nsg-cli, iptables.
        #[arg(long, short = 't')]
        target: String,
        /// Output file; `-` or none writes to stdout.
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
        /// Write over an existing file.
        #[arg(long)]
        force: bool,
        /// Microsoft's Service Tags JSON file, to expand tags into address prefixes.
        #[arg(long, value_name = "FILE")]
        service_tags: Option<PathBuf>,
        /// Also copy the export to the clipboard.
        #[arg(long)]
        copy: bool,
        /// Write service tags that the target does not accept (by Microsoft's networkFeatures
        /// data, e.g. Storage in Azure China's firewall) as their address prefixes, read from
        /// --service-tags, instead of leaving those rules out.
        #[arg(long)]
        expand_tags: bool,
        /// How to copy: auto, system, osc52 or off (default: config.toml, else auto).
        #[arg(long, value_name = "MODE", value_parser = parse_clipboard)]
        clipboard: Option<amlfw::clipboard::Mode>,
    },
    /// Manage saved profiles (named sets of choices).
    Profile {
        #[command(subcommand)]
        action: ProfileCommand,
    },
    /// Print the aggregated address prefixes of service tags, one per line.
    Tags {
        /// Microsoft's Service Tags JSON file.
        #[arg(long, value_name = "FILE")]
        service_tags: PathBuf,
        /// Tag name (case-insensitive); repeat for several.
        #[arg(long = "tag", value_name = "NAME", required = true)]
        tags: Vec<String>,
    },
    /// Check existing Azure Firewall, NSG and route table files against the requirements.
    #[command(after_help = AUDIT_HELP)]
    Audit {
        #[command(flatten)]
        selection: Selection,
        /// Microsoft's Service Tags JSON file of the profile's cloud: checks tag names and
        /// compares tags by address (AzureCloud.eastus2 covers Storage.EastUS2, widely).
        #[arg(long, value_name = "FILE")]
        service_tags: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = AuditFormat::Text)]
        format: AuditFormat,
        /// Print only the missing rules, in this target's format (e.g. azfw-policy-arm).
        #[arg(long, value_name = "TARGET")]
        fix: Option<String>,
        /// JSON files of one workspace's network: az ... show/list output or ARM templates.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// List export targets and what each can and cannot express.
    Targets,
    /// List features with their help text.
    Features,
    /// List the regions of a cloud (or of all clouds).
    Regions {
        #[arg(long, value_parser = parse_cloud)]
        cloud: Option<amlfw::Cloud>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// List saved profiles (name, cloud, region, features, modified).
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print a profile's TOML.
    Show { name: String },
    /// Save a selection as a named profile.
    Save {
        name: String,
        // Boxed: a selection is large next to the other subcommands.
        #[command(flatten)]
        selection: Box<Selection>,
        /// Replace an existing profile of that name.
        #[arg(long)]
        force: bool,
    },
    /// Delete a saved profile.
    Delete { name: String },
    /// Print the directory profiles are stored in.
    Path,
}

const AUDIT_HELP: &str = "Reads az CLI output (az network firewall policy rule-collection-group list/show, az network firewall policy show, az network firewall show, az network nsg show, az network route-table show) and ARM templates (portal Export template, az group export, amlfw's own exports) of one workspace's network.\n\nExit codes: 0 every required rule covered and no error-level finding; 3 gaps or error-level findings; 2 bad input (unreadable file, bad JSON, unknown profile values); 1 other failure.";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Text,
    Json,
    Markdown,
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
    Csv,
}

/// What the rules are for. Flags override the values of a profile file.
#[derive(Debug, Clone, Default, Args)]
pub struct Selection {
    /// Start from a saved profile (see `amlfw profile list`).
    #[arg(long, value_name = "NAME", conflicts_with = "profile_file")]
    pub profile: Option<String>,
    /// Read the choices from a profile file (TOML).
    #[arg(long, value_name = "PATH")]
    pub profile_file: Option<PathBuf>,
    /// public, usgov or china.
    #[arg(long, value_parser = parse_cloud)]
    pub cloud: Option<amlfw::Cloud>,
    /// Region: ARM name (eastus2) or display name ("East US 2"), any case.
    #[arg(long)]
    pub region: Option<String>,
    /// Feature id; repeat or separate with commas (see `amlfw features`).
    #[arg(long = "feature", value_name = "ID", value_delimiter = ',')]
    pub features: Vec<String>,
    /// The workspace's default storage account name.
    #[arg(long)]
    pub storage_account: Option<String>,
    /// The workspace's container registry name.
    #[arg(long)]
    pub acr_name: Option<String>,
    /// CIDR the traffic comes from; repeat for several (default: the whole VNet).
    #[arg(long = "source", value_name = "CIDR", value_delimiter = ',')]
    pub sources: Vec<String>,
    /// service-tags, ip-prefixes or none.
    #[arg(long, value_parser = parse_inbound_routes)]
    pub inbound_routes: Option<amlfw::InboundRoutes>,
    /// Custom DNS server of the AKS VNet; repeat for several.
    #[arg(long = "aks-dns-server", value_name = "IP", value_delimiter = ',')]
    pub aks_dns_servers: Vec<String>,
    /// Prefix of generated resource and rule names.
    #[arg(long)]
    pub name_prefix: Option<String>,
    /// First priority of generated rules (100-4000).
    #[arg(long)]
    pub priority_base: Option<u32>,
    /// Edition of Microsoft's guidance (default: the seed's, 2021-09).
    #[arg(long)]
    pub edition: Option<String>,
    /// The Azure Firewall policy has DNS proxy enabled: emit network rules with host names
    /// (without it Azure rejects them, so they are listed as not covered).
    #[arg(long)]
    pub dns_proxy: bool,
}

fn parse_cloud(s: &str) -> Result<amlfw::Cloud, String> {
    s.parse()
}

fn parse_inbound_routes(s: &str) -> Result<amlfw::InboundRoutes, String> {
    s.parse()
}

fn parse_clipboard(s: &str) -> Result<amlfw::clipboard::Mode, String> {
    s.parse()
}
