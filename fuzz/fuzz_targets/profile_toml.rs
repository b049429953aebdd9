//! Profile TOML -> validate -> resolve -> render every target, plus the TOML round trip and
//! `store::parse`. Nothing may panic.
//!
//! tests/fuzz_regressions.rs mirrors this harness (keep the two in step).
#![no_main]

use amlfw::export::{self, ExportOptions};
use amlfw::{Catalog, Profile};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(Catalog::builtin)
}

/// `from_toml(to_toml(p)) == p`.
fn round_trip(p: &Profile) {
    let text = p.to_toml();
    match Profile::from_toml(&text) {
        Ok(back) => assert_eq!(&back, p, "round trip changed the profile; TOML:\n{text}"),
        Err(e) => panic!("to_toml wrote TOML that from_toml refuses: {e}\nTOML:\n{text}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let catalog = catalog();

    if let Err(e) = amlfw::store::parse(Path::new("f.toml"), s, catalog) {
        let _ = e.to_string();
    }

    let mut p = match Profile::from_toml(s) {
        Ok(p) => p,
        Err(e) => {
            let _ = (e.to_string(), e.field());
            return;
        }
    };
    round_trip(&p);
    if let Err(e) = p.validate(catalog) {
        let _ = e.to_string();
        return;
    }
    round_trip(&p);
    let rs = match amlfw::resolve(catalog, &p) {
        Ok(rs) => rs,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let opts = ExportOptions::default();
    for t in export::targets() {
        match t.render(&rs, &opts) {
            Ok(out) => {
                let _ = out.text.len();
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
