//! Runs one hot path of amlfw in a loop for the largest profile, so that
//! `valgrind --tool=callgrind` can count its instructions (stable on a busy machine, unlike
//! wall-clock time; `cargo bench --bench perf` measures the time):
//!
//! ```text
//! cargo build --release --example hot_loop
//! valgrind --tool=callgrind --toggle-collect='amlfw::rules::resolve' \
//!     target/release/examples/hot_loop resolve 1000
//! valgrind --tool=callgrind --toggle-collect='*render*' \
//!     target/release/examples/hot_loop json 100 tests/fixtures/servicetags/ServiceTags_Public.376.json
//! callgrind_annotate callgrind.out.<pid>
//! ```
//!
//! Arguments: `resolve` or an export target id, the number of calls (default 1000), and for
//! exports an optional Service Tags file (loaded and expanded once before the loop, as in the
//! wizard). `scan N FILE` reads the Service Tags file N times keeping one tag, as
//! `amlfw tags --tag Storage.EastUS2` does (`--toggle-collect='*read_file*'`), and prints the
//! fastest and the median call.

#[path = "../tests/common/mod.rs"]
mod common;

use amlfw::export::{self, ExportOptions};
use amlfw::resolve;
use amlfw::servicetags::TagIndex;
use std::hint::black_box;

fn main() {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "resolve".into());
    let calls: usize = args
        .next()
        .map(|n| n.parse().expect("the second argument is a number of calls"))
        .unwrap_or(1000);
    if what == "scan" {
        let path = args.next().expect("scan needs a Service Tags file");
        return scan(&path, calls);
    }
    let tags = args.next().map(|path| {
        let text = std::fs::read_to_string(&path).expect("the Service Tags file is readable");
        TagIndex::from_json(&text).expect("the Service Tags file parses")
    });

    let catalog = common::catalog();
    let p = common::largest_profile();

    if what == "resolve" {
        let mut rules = 0;
        for _ in 0..calls {
            rules += black_box(resolve(black_box(catalog), black_box(&p)).unwrap())
                .rules
                .len();
        }
        println!(
            "resolve: {calls} calls, {} rules each",
            rules / calls.max(1)
        );
        return;
    }
    let target = export::find(&what).unwrap_or_else(|| panic!("no target '{what}'"));
    let rules = resolve(catalog, &p).unwrap();
    let opts = ExportOptions {
        service_tags: tags.as_ref(),
        ..ExportOptions::default()
    };
    // The first render expands the tags (kept per tag); the loop measures the later ones.
    let mut bytes = target.render(&rules, &opts).expect("renders").text.len();
    for _ in 0..calls {
        bytes = black_box(target.render(black_box(&rules), &opts).unwrap())
            .text
            .len();
    }
    println!("{what}: {calls} calls, {bytes} bytes each");
}

/// `amlfw tags --tag Storage.EastUS2` without the process: the scan of the file, read in chunks.
fn scan(path: &str, calls: usize) {
    let mut times = Vec::with_capacity(calls);
    for _ in 0..calls.max(1) {
        let t = std::time::Instant::now();
        let file = std::fs::File::open(path).expect("the Service Tags file is readable");
        let (index, _) =
            TagIndex::from_reader_keeping(file, |n| n.eq_ignore_ascii_case("Storage.EastUS2"))
                .expect("the scan takes the file");
        black_box(index.expect("the file loads"));
        times.push(t.elapsed());
    }
    let first = times[0];
    times.sort();
    println!(
        "scan: {} calls, first {first:?}, fastest {:?}, median {:?}",
        times.len(),
        times[0],
        times[times.len() / 2]
    );
}
