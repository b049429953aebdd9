//! Calls `resolve` for the largest profile in a loop, for instruction counts with callgrind
//! (`scripts/callgrind-resolve.sh`); wall-clock timing is `cargo bench --bench perf -- resolve`.

use amlfw::{resolve, Catalog, Cloud, Profile};
use std::hint::black_box;

fn main() {
    let calls: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse().expect("the argument is a number of calls"))
        .unwrap_or(1000);
    let catalog = Catalog::builtin();
    let mut p = Profile::new(Cloud::Public, "eastus2");
    p.features = catalog
        .features
        .iter()
        .map(|f| f.id.clone())
        .filter(|f| f != "aks-private")
        .collect();
    p.storage_account = Some("amlstore01".into());
    p.acr_name = Some("amlacr01".into());
    p.sources = vec!["10.0.1.0/24".into(), "10.0.2.0/24".into()];
    p.aks_dns_servers = vec!["10.0.0.4".into()];
    p.validate(&catalog).expect("the largest profile is valid");
    let mut rules = 0;
    for _ in 0..calls {
        rules += black_box(resolve(black_box(&catalog), black_box(&p)).unwrap())
            .rules
            .len();
    }
    println!("{calls} calls, {} rules each", rules / calls.max(1));
}
