//! The `amlfw` binary: the CLI when a command is given, the wizard otherwise.
//! Maps every failure to an exit code (2 bad input, 1 other) and one clear line on stderr.

mod cli;

use clap::Parser;
use cli::args::Cli;

fn main() {
    let parsed = Cli::parse();
    let catalog = amlfw::Catalog::builtin();
    let result = match parsed.command {
        Some(command) => cli::run(command, &catalog),
        None => {
            // The wizard is not built yet: say so and show what the CLI can do.
            use clap::CommandFactory;
            let _ = Cli::command().print_help();
            Ok(())
        }
    };
    if let Err(e) = result {
        eprintln!("amlfw: {}", e.message);
        std::process::exit(e.code);
    }
}
