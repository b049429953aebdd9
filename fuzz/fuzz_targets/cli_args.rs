//! Command-line parsing: bytes split on NUL -> argv (each piece an OsString, so non-UTF-8
//! arguments are fed too) -> `Cli::try_parse_from`. On error the message must render.
//! Nothing may panic.
//!
//! The binary's clap grammar is compiled in from src/cli/args.rs unchanged (it depends only
//! on clap and the amlfw library). tests/fuzz_regressions.rs mirrors this harness.
#![no_main]

#[allow(dead_code)]
#[path = "../../src/cli/args.rs"]
mod args;

use clap::Parser;
use libfuzzer_sys::fuzz_target;
use std::ffi::OsString;

fn os(bytes: &[u8]) -> OsString {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        OsString::from_vec(bytes.to_vec())
    }
    #[cfg(not(unix))]
    {
        OsString::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

fuzz_target!(|data: &[u8]| {
    let argv: Vec<OsString> = std::iter::once(OsString::from("amlfw"))
        .chain(data.split(|b| *b == 0).filter(|_| !data.is_empty()).map(os))
        .collect();
    match args::Cli::try_parse_from(argv) {
        Ok(cli) => {
            let _ = format!("{cli:?}");
        }
        Err(e) => {
            let _ = e.to_string();
            let _ = e.render().to_string();
            let _ = e.kind();
        }
    }
});
