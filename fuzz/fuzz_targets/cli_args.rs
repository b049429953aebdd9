//! Command-line parsing: bytes split on NUL -> argv (each piece an OsString, so non-UTF-8
//! arguments are fed too) -> `Cli::try_parse_from`. On error the message must render.
//! Nothing may panic.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::cli_args::harness(data));
