//! The `amlfw` binary: the CLI when a command is given, the wizard otherwise.
//! Maps every failure to an exit code (2 bad input, 1 other) and one clear line on stderr.

mod cli;

use clap::{CommandFactory, FromArgMatches};
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
    let (profile, profile_stored) =
        cli::build_profile_noting_stored(selection, catalog, cli::Fallback::BuiltinDefault)?;
    // Only opened here, so that a missing file is an error before the terminal is taken; the
    // wizard reads it after its first frame.
    if let Some(path) = service_tags {
        amlfw::fsio::open_regular(path, amlfw::fsio::SERVICE_TAGS_LIMIT, "a Service Tags file")
            .map_err(|e| {
                cli::CliError::usage(format!(
                    "cannot read Service Tags file {}: {e}",
                    path.display()
                ))
            })?;
    }
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
        profile_stored,
        service_tags: service_tags.map(std::path::Path::to_path_buf),
        store,
        clipboard,
        launched,
    };
    amlfw::tui::run(catalog, start)
        .map_err(|e| cli::CliError::failure(format!("terminal error: {e}")))
}

/// Prints clap's answer (help, version, or a usage error) and exits: 0 for help and version,
/// 2 for a usage error, 1 when the answer could not be written (`--help >/dev/full`).
fn clap_exit(e: clap::Error) -> ! {
    use std::io::Write;
    let code = e.exit_code();
    let written = if e.use_stderr() {
        // The message quotes the argument that was wrong, as typed: escape it.
        let text = e.render().to_string();
        let mut err = std::io::stderr().lock();
        write!(err, "{}", amlfw::diag::escape_keeping_newlines(&text)).and_then(|_| err.flush())
    } else {
        e.print().and_then(|_| std::io::stdout().flush())
    };
    match written {
        Ok(()) => std::process::exit(code),
        // `amlfw --help | head -1`: the reader's choice, not a failure.
        Err(w) if w.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(code),
        Err(_) => std::process::exit(if code == 0 { 1 } else { code }),
    }
}

fn main() {
    // The wizard's time to first frame counts from here (AMLFW_EXIT_AFTER_FIRST_FRAME).
    let launched = std::time::Instant::now();
    // `amlfw tags` answers first (issue 21: it runs in a few milliseconds, often in loops):
    // parsed without the whole command tree, needing no catalog, and without the signal
    // handling, which is a thread and 50 handlers to set up for a command that writes no file
    // and leaves the terminal alone (a signal ends it as it ends any such program).
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(tags) = cli::args::tags_only(&argv) {
        exit_with(cli::print_tags(&tags.service_tags, &tags.tags));
    }
    // Before anything is written: a signal removes temporary files and restores the terminal.
    amlfw::signals::install();
    let matches = Cli::command()
        .try_get_matches_from(argv)
        .unwrap_or_else(|e| clap_exit(e));
    let parsed = Cli::from_arg_matches(&matches).unwrap_or_else(|e| clap_exit(e));
    if let Err(e) = cli::check_no_flags_before(&matches) {
        cli::diag(&format!("amlfw: {}", e.message));
        std::process::exit(e.code);
    }
    let result = match parsed.command {
        // `tags` needs no catalog (`tags_only` did not take it: the same, for the same output).
        Some(cli::args::Command::Tags(tags)) => cli::print_tags(&tags.service_tags, &tags.tags),
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
    exit_with(result)
}

/// Ends the process with the command's outcome: its error on stderr and its exit code.
fn exit_with(result: Result<(), cli::CliError>) -> ! {
    if let Err(e) = result {
        cli::diag(&format!("amlfw: {}", e.message));
        std::process::exit(e.code);
    }
    // Everything was done, but a warning or note could not be written (`2>/dev/full`).
    if cli::stderr_failed() {
        std::process::exit(1);
    }
    std::process::exit(0)
}
