//! `amlfw audit` of a generated Firewall Policy of 10,000 rules (`cargo bench --bench audit`):
//! parsing its JSON, and the audit of the largest public profile against it. The whole
//! process (budget < 200 ms) is timed by scripts/bench-audit.sh.
//!
//! Nothing here runs under `cargo test`.

#[path = "../examples/audit_policy.rs"]
mod generator;

use amlfw::audit::{self, AuditOptions};
use divan::{black_box, Bencher};

fn main() {
    divan::main();
}

fn setup() -> (amlfw::RuleSet, String) {
    let catalog = amlfw::Catalog::builtin();
    let rs = amlfw::resolve(&catalog, &generator::largest_profile(&catalog)).unwrap();
    let policy = generator::policy(&generator::amlfw_group(&rs), 10_000);
    (rs, policy.to_string())
}

#[divan::bench(sample_count = 20)]
fn parse_10k_rules(b: Bencher) {
    let (_, text) = setup();
    b.bench(|| audit::parse("policy.json", black_box(&text)).unwrap());
}

#[divan::bench(sample_count = 20)]
fn audit_10k_rules(b: Bencher) {
    let (rs, text) = setup();
    let net = audit::parse("policy.json", &text).unwrap();
    b.bench(|| audit::audit(black_box(&rs), black_box(&net), &AuditOptions::default()));
}
