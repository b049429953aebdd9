use super::checks::*;
use super::*;

#[test]
fn placeholders_are_checked() {
    assert!(check_placeholders("<storage>.blob.core.windows.net").is_ok());
    assert!(check_placeholders("Storage.<region>").is_ok());
    assert!(check_placeholders("<stroage>.blob").is_err());
    assert!(check_placeholders("<storage.blob").is_err());
}

#[test]
fn builtin_catalog_loads() {
    let c = Catalog::builtin();
    assert!(!c.requirements.is_empty());
    assert!(c.regions.len() > 70);
}

#[test]
fn more_features_than_resolve_can_hold_are_refused() {
    let mut text = String::from("schema_version = 1\n[[edition]]\nid = \"e\"\ntitle = \"t\"\ndate = \"2021-01-01\"\nsummary = \"s\"\ndocuments = [\"D\"]\n[[document]]\nkey = \"D\"\ntitle = \"t\"\npath = \"p\"\nrevision = \"r\"\n");
    for i in 0..=MAX_FEATURES {
        text.push_str(&format!(
            "[[feature]]\nid = \"f{i}\"\ntitle = \"F\"\ngroup = \"compute\"\nrequires = []\nhelp = \"h\"\n"
        ));
    }
    let err = Catalog::from_toml(&text, BUILTIN_REGIONS, "c.toml", "r.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("65 features") && err.contains("at most 64"),
        "{err}"
    );
    // One fewer loads.
    let cut = text.rfind("[[feature]]").unwrap();
    Catalog::from_toml(&text[..cut], BUILTIN_REGIONS, "c.toml", "r.toml").unwrap();
}

/// Two editions, an option of the newer one and a requirement per edition.
const EDITIONS: &str = r#"
schema_version = 1

[[edition]]
id = "new"
date = "2026-03-19"
title = "New"
summary = "The newer one, written first."
documents = ["N"]

[[edition]]
id = "old"
date = "2021-09-14"
title = "Old"
summary = "The older one."
documents = ["O"]

[[option]]
id = "compute-public-ip"
title = "Public IP"
since = "new"
help = "h"

[[document]]
key = "O"
title = "Old doc"
path = "o"
revision = "2021"

[[document]]
key = "N"
title = "New doc"
path = "n"
revision = "2026"

[[requirement]]
id = "both"
kind = "service-tag"
destination = { all = "AzureMachineLearning" }
ports = ["tcp:443"]
always = true
purpose = "In both editions."
refs = [{ doc = "O", section = "a" }, { doc = "N", section = "b" }]

[[requirement]]
id = "gated"
kind = "service-tag"
destination = { all = "Storage" }
ports = ["tcp:445"]
always = true
since = "new"
options = ["compute-public-ip"]
purpose = "Only with the option, new edition."
refs = [{ doc = "N", section = "c" }]
"#;

#[test]
fn editions_sort_by_date_and_each_shows_its_own_references() {
    let c = Catalog::from_toml(EDITIONS, BUILTIN_REGIONS, "c", "r").unwrap();
    assert_eq!(c.editions[0].id, "old");
    assert_eq!(c.default_edition().id, "new");
    let both = c.requirements.iter().find(|r| &*r.id == "both").unwrap();
    assert_eq!(both.edition_references[0][0].doc, "O");
    assert_eq!(both.edition_references[1][0].doc, "N");
    assert_eq!(both.edition_references[0].len(), 1);
    assert_eq!(c.option_edition_ids("compute-public-ip"), ["new"]);
}

#[test]
fn broken_editions_and_options_are_refused_naming_the_entry() {
    let broken = [
        ("date = \"2021-09-14\"", "date = \"2021-9-14\"", "not YYYY-MM-DD"),
        ("date = \"2021-09-14\"", "date = \"2026-03-19\"", "edition date 2026-03-19"),
        ("documents = [\"O\"]", "documents = []", "`documents` is empty"),
        ("documents = [\"O\"]", "documents = [\"X\"]", "unknown document key 'X'"),
        ("id = \"compute-public-ip\"", "id = \"no-such-key\"", "no profile key"),
        ("since = \"new\"\nhelp", "since = \"gone\"\nhelp", "unknown edition 'gone'"),
        ("options = [\"compute-public-ip\"]", "options = [\"x\"]", "unknown option 'x'"),
        (
            "refs = [{ doc = \"O\", section = \"a\" }, ",
            "refs = [",
            "requirement both: in edition old but no reference",
        ),
        ("since = \"new\"\noptions", "until = \"old\"\noptions", "not later than"),
        (
            "since = \"new\"\noptions = [\"compute-public-ip\"]\npurpose = \"Only with the option, new edition.\"\nrefs = [{ doc = \"N\", section = \"c\" }]",
            "options = [\"compute-public-ip\"]\npurpose = \"p\"\nrefs = [{ doc = \"N\", section = \"c\" }, { doc = \"O\", section = \"z\" }]",
            "in an edition the option does not list",
        ),
    ];
    for (from, to, says) in broken {
        assert!(EDITIONS.contains(from), "{from}");
        let text = EDITIONS.replacen(from, to, 1);
        let err = Catalog::from_toml(&text, BUILTIN_REGIONS, "c", "r")
            .err()
            .unwrap_or_else(|| panic!("accepted: {to}"))
            .to_string();
        assert!(err.contains(says), "{to}: {err}");
    }
}

#[test]
fn dependencies_are_transitive_and_in_catalog_order() {
    let c = Catalog::builtin();
    for f in &c.features {
        let with = c.with_dependencies([f.id.as_str()]);
        assert!(with.contains(&f.id.as_str()));
        for needed in &f.requires {
            for n in c.with_dependencies([needed.as_str()]) {
                assert!(with.contains(&n), "{}: {n} missing from {with:?}", f.id);
            }
        }
        let positions: Vec<usize> = with
            .iter()
            .map(|id| c.features.iter().position(|x| x.id == *id).unwrap())
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{with:?}");
    }
    assert!(c.with_dependencies(["no-such-feature"]).is_empty());
}

#[test]
fn edit_distance_counts_edits() {
    assert_eq!(edit_distance("eastus", "eastus2"), 1);
    assert_eq!(edit_distance("", "abc"), 3);
    assert_eq!(edit_distance("kitten", "sitting"), 3);
}
