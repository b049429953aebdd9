//! Profile TOML -> validate -> resolve -> render every target, plus the TOML round trip and
//! `store::parse`. Nothing may panic.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::profile_toml::harness(data));
