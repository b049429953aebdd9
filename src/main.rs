//! The `amlfw` binary: the CLI when a command is given, the wizard otherwise.
//! Maps every failure to an exit code (2 bad input, 1 other) and one clear line on stderr.

mod cli;

use clap::Parser;
use cli::args::Cli;

/// Starts the wizard, pre-filled from the selection (else the built-in default).
fn wizard(
    launched: std::time::Instant,
    selection: &cli::args::Selection,
    service_tags: Option<&std::path::Path>,
    parsed_clipboard: Option<amlfw::clipboard::Mode>,
    catalog: &amlfw::Catalog,
) -> Result<(), cli::CliError> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(cli::CliError::usage(
            "the wizard needs a terminal; for scripts use a command (see amlfw --help)",
        ));
    }
    let profile = cli::build_profile(selection, catalog, cli::Fallback::BuiltinDefault)?;
    let tags = match service_tags {
        Some(path) => Some(cli::load_service_tags(path)?),
        None => None,
    };
    let store = amlfw::store::Store::from_env().map_err(|e| e.to_string());
    let clipboard = match (&parsed_clipboard, &store) {
        (Some(m), _) => *m,
        (None, Ok(s)) => amlfw::clipboard::mode_from_config(s.config_dir())
            .map_err(|e| cli::CliError::usage(e.to_string()))?,
        (None, Err(_)) => amlfw::clipboard::Mode::Auto,
    };
    let start = amlfw::tui::Start {
        profile,
        profile_name: selection.profile.clone(),
        tags: tags.as_ref(),
        store,
        clipboard,
        launched,
    };
    amlfw::tui::run(catalog, start)
        .map_err(|e| cli::CliError::failure(format!("terminal error: {e}")))
}

fn main() {
    // The wizard's time to first frame counts from here (AMLFW_EXIT_AFTER_FIRST_FRAME).
    let launched = std::time::Instant::now();
    let parsed = Cli::parse();
    let result = match parsed.command {
        // `tags` needs no catalog; answering it first saves the catalog's parse on every call.
        Some(cli::args::Command::Tags { service_tags, tags }) => {
            cli::print_tags(&service_tags, &tags)
        }
        command => {
            let catalog = amlfw::Catalog::builtin();
            match command {
                Some(command) => cli::run(command, &catalog),
                None => wizard(
                    launched,
                    &parsed.selection,
                    parsed.service_tags.as_deref(),
                    parsed.clipboard,
                    &catalog,
                ),
            }
        }
    };
    if let Err(e) = result {
        eprintln!("amlfw: {}", e.message);
        std::process::exit(e.code);
    }
}
