//! Service Tags JSON -> TagIndex; on success check_cloud for every cloud, names(), and expand
//! of names from the index plus a missing one. Nothing may panic.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::service_tags::harness(data));
