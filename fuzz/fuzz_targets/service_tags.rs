//! Service Tags JSON -> TagIndex; on success check_cloud for every cloud, names(), and expand
//! of names from the index plus a missing one. Nothing may panic.
//!
//! tests/fuzz_regressions.rs mirrors this harness (keep the two in step).
#![no_main]

use amlfw::servicetags::{TagError, TagIndex};
use amlfw::Cloud;
use libfuzzer_sys::fuzz_target;

const MISSING: &str = "AmlfwFuzzNoSuchTag";

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let idx = match TagIndex::from_json(s) {
        Ok(idx) => idx,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    for cloud in Cloud::ALL {
        if let Err(e) = idx.check_cloud(cloud) {
            let _ = e.to_string();
        }
    }
    let names = idx.names();
    assert_eq!(names.len(), idx.len());
    for n in &names {
        assert!(
            idx.contains(n),
            "names() lists {n:?} but contains() denies it"
        );
    }
    // A few names one at a time, then the first few together, then all of them.
    for n in names.iter().take(4) {
        let _ = idx.expand([*n]).expect("a listed name expands");
    }
    let _ = idx
        .expand(names.iter().take(4).copied())
        .expect("listed names expand");
    let _ = idx
        .expand(names.iter().copied())
        .expect("listed names expand");
    // A missing name is an error naming it (unless the input happens to define it).
    if !idx.contains(MISSING) {
        match idx.expand(names.iter().take(2).copied().chain([MISSING])) {
            Err(e @ TagError::MissingTag { .. }) => {
                let _ = e.to_string();
            }
            other => panic!("expanding a missing tag gave {other:?}"),
        }
    }
});
