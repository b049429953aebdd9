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
        /// Target id (what each can express: `amlfw targets`).
        #[arg(long, short = 't', value_name = "TARGET", value_parser = target_ids())]
        target: String,
        /// Output file; `-` or none writes to stdout. A multi-file target (aerleon) needs a
        /// directory: its files are written into a new directory beside it, then renamed to it.
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
        /// Write over an existing file (or replace a directory holding an earlier export of
        /// the same multi-file target, and nothing else).
        #[arg(long)]
        force: bool,
        /// aerleon platform to write a header for; repeat or separate with commas (default:
        /// paloalto, srx, juniper, cisco, ciscoasa, arista).
        #[arg(long = "platform", value_name = "NAME", value_delimiter = ',')]
        platforms: Vec<String>,
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
    Tags(TagsArgs),
    /// Private DNS for the workspace's private endpoint: zones, conditional forwarders and
    /// the names that resolve through them (region optional: it fills the names).
    Dns {
        #[command(flatten)]
        selection: Selection,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DnsFormat::Table)]
        format: DnsFormat,
        /// Only the workspace's own zones, not those of its storage, key vault and registry.
        #[arg(long)]
        workspace_only: bool,
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
    /// List the editions of Microsoft's guidance amlfw knows (the newest is the default).
    Editions,
    /// What changed between two editions of the guidance for a selection.
    Diff {
        #[command(flatten)]
        selection: Selection,
        /// The edition to compare from (see `amlfw editions`), or an export amlfw wrote: its
        /// header gives the edition, cloud, region and features it was made with.
        #[arg(long, value_name = "EDITION|FILE")]
        from: String,
        /// The edition to compare to (default: the newest).
        #[arg(long, value_name = "EDITION")]
        to: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
        format: DiffFormat,
    },
    /// List the regions of a cloud (or of all clouds).
    Regions {
        #[arg(long, value_parser = parse_cloud)]
        cloud: Option<amlfw::Cloud>,
    },
    /// Print a shell completion script (see the README for where to put it).
    #[command(after_help = COMPLETIONS_HELP)]
    Completions {
        /// bash, zsh, fish, powershell (or elvish).
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print amlfw's man page (roff), e.g. `amlfw man > ~/.local/share/man/man1/amlfw.1`.
    Man,
}

const COMPLETIONS_HELP: &str = "Install, e.g.:\n  \
bash:       amlfw completions bash > ~/.local/share/bash-completion/completions/amlfw\n  \
zsh:        amlfw completions zsh > ~/.zfunc/_amlfw   (with fpath+=~/.zfunc before compinit)\n  \
fish:       amlfw completions fish > ~/.config/fish/completions/amlfw.fish\n  \
powershell: amlfw completions powershell >> $PROFILE";

/// The export targets' ids, so `--help` and the completions list them.
fn target_ids() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        amlfw::export::targets()
            .iter()
            .map(|t| clap::builder::PossibleValue::new(t.id())),
    )
}

// `amlfw tags`, apart so that `tags_only` can parse it alone (no doc comment: clap would make
// it the subcommand's about).
#[derive(Debug, Args, PartialEq, Eq)]
pub struct TagsArgs {
    /// Microsoft's Service Tags JSON file.
    #[arg(long, value_name = "FILE")]
    pub service_tags: PathBuf,
    /// Tag name (case-insensitive); repeat for several.
    #[arg(long = "tag", value_name = "NAME", required = true)]
    pub tags: Vec<String>,
}

/// `amlfw tags ...` parsed with the `tags` subcommand alone: building the whole command tree
/// (every command's flags, the export targets' ids) took a tenth of the time of `amlfw tags`
/// (issue 21). `None` for another command, and for a `tags` command line that does not parse
/// (`--help`, a usage error): the whole tree then answers it, as it answers every other.
pub fn tags_only(argv: &[std::ffi::OsString]) -> Option<TagsArgs> {
    use clap::FromArgMatches;
    if argv.get(1).is_none_or(|a| a != "tags") {
        return None;
    }
    let matches = TagsArgs::augment_args(clap::Command::new("tags"))
        .try_get_matches_from(&argv[1..])
        .ok()?;
    TagsArgs::from_arg_matches(&matches).ok()
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
pub enum DiffFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DnsFormat {
    Table,
    Markdown,
    Json,
    Terraform,
    Bicep,
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
    // The profile's fields: their help lines come from the core's table (`amlfw::fields`),
    // which also checks their values and names them in warnings.
    #[arg(help = help("cloud"), long, value_parser = parse_cloud)]
    pub cloud: Option<amlfw::Cloud>,
    #[arg(help = help("region"), long)]
    pub region: Option<String>,
    #[arg(help = help("features"), long = "feature", value_name = "ID", value_delimiter = ',')]
    pub features: Vec<String>,
    #[arg(help = help("storage_account"), long)]
    pub storage_account: Option<String>,
    #[arg(help = help("acr_name"), long)]
    pub acr_name: Option<String>,
    #[arg(help = help("sources"), long = "source", value_name = "CIDR", value_delimiter = ',')]
    pub sources: Vec<String>,
    #[arg(help = help("inbound_routes"), long, value_parser = parse_inbound_routes)]
    pub inbound_routes: Option<amlfw::InboundRoutes>,
    #[arg(help = help("aks_dns_servers"), long = "aks-dns-server", value_name = "IP", value_delimiter = ',')]
    pub aks_dns_servers: Vec<String>,
    #[arg(help = help("name_prefix"), long)]
    pub name_prefix: Option<String>,
    #[arg(help = help("priority_base"), long)]
    pub priority_base: Option<u32>,
    #[arg(help = help("edition"), long)]
    pub edition: Option<String>,
    #[arg(help = help("dns_proxy"), long)]
    pub dns_proxy: bool,
    // The yes/no options: the bare flag means true, `--flag=false` says false (`=` is required
    // so that a following argument is never taken as the value).
    /// Compute instances/clusters have a public IP (2026-03: inbound 44224 and its routes).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub compute_public_ip: Option<bool>,
    /// Private endpoints are in the VNet or peered VNets (2026-03).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub private_endpoints: Option<bool>,
    /// Azure Monitor is secured with private link (2026-03: no AzureMonitor rules).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub monitor_secured: Option<bool>,
    /// A firewall sits between the VNet and the storage private endpoints (2026-03: Storage 445).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub storage_firewall: Option<bool>,
    #[arg(help = help("workspace_id"), long, value_name = "GUID")]
    pub workspace_id: Option<String>,
}

/// A profile field's line in the help, from the core's table of fields.
fn help(key: &str) -> &'static str {
    amlfw::fields::Field::of(key).cli_help
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn argv(words: &[&str]) -> Vec<OsString> {
        std::iter::once("amlfw")
            .chain(words.iter().copied())
            .map(OsString::from)
            .collect()
    }

    /// What the whole tree makes of a `tags` command line, when it parses.
    fn full(words: &[&str]) -> Option<TagsArgs> {
        match Cli::try_parse_from(argv(words)) {
            Ok(Cli {
                command: Some(Command::Tags(t)),
                ..
            }) => Some(t),
            _ => None,
        }
    }

    /// `tags_only` takes a command line only when the whole tree parses it to the same `tags`
    /// command; everything else (help, errors, other commands, flags before the command) is
    /// left to the whole tree, which prints what it always printed.
    #[test]
    fn tags_only_agrees_with_the_whole_tree() {
        let taken = [
            &["tags", "--service-tags", "f.json", "--tag", "A"][..],
            &["tags", "--tag=A", "--tag", "b.c", "--service-tags=f.json"],
            &["tags", "--tag", "", "--service-tags", "f"],
            &["tags", "--tag", "a b", "--service-tags", "-"],
        ];
        for words in taken {
            let fast = tags_only(&argv(words));
            assert!(fast.is_some(), "{words:?}");
            assert_eq!(fast, full(words), "{words:?}");
        }
        let left = [
            &["tags"][..],
            &["tags", "--help"],
            &["tags", "-h"],
            &["tags", "--version"],
            &["tags", "--tag", "A"],
            &["tags", "--tag", "A", "--service-tags", "--tag"],
            &["tags", "--service-tags", "f", "--tag", "A", "extra"],
            &[
                "tags",
                "--service-tags",
                "f",
                "--service-tags",
                "g",
                "--tag",
                "A",
            ],
            &["tags", "--service-tags", "f", "--tag", "A", "--bogus"],
            &[
                "--service-tags",
                "f",
                "tags",
                "--service-tags",
                "f",
                "--tag",
                "A",
            ],
            &["rules", "--region", "eastus2"],
            &["help", "tags"],
            &[],
        ];
        for words in left {
            assert_eq!(tags_only(&argv(words)), None, "{words:?}");
        }
    }
}
