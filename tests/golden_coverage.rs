//! Every export target has golden files: a target added without them fails here, so its
//! output is reviewed once and every later change to it shows as a diff.
use std::path::Path;

#[test]
fn every_target_has_a_golden_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    let mut missing = Vec::new();
    for t in amlfw::export::targets() {
        let name = format!("{}.{}", t.id(), t.extension());
        if !dirs.iter().any(|d| d.join(&name).is_file()) {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "targets without a golden file under tests/golden/*/: {missing:?}"
    );
}
