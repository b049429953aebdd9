//! Service Tags expansion, checked independently of `ipnet`'s aggregation: every prefix
//! becomes an integer interval, raw and aggregated interval lists are merged and compared,
//! and the aggregated list must be minimal. Bad files go through the real binary.
mod common;

use amlfw::servicetags::{Prefixes, TagIndex};
use amlfw::Cloud;
use assert_cmd::Command;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use proptest::prelude::*;

// ---- an independent model: prefixes as integer intervals ------------------------------------

/// `[start, end]` of a prefix, with its bit width (32 or 128) and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Iv {
    start: u128,
    end: u128,
}

fn interval(n: &IpNet) -> (u32, Iv, u8) {
    let (bits, addr): (u32, u128) = match n {
        IpNet::V4(n) => (32, u32::from(n.addr()).into()),
        IpNet::V6(n) => (128, u128::from(n.addr())),
    };
    let host_bits = bits - u32::from(n.prefix_len());
    let size_minus_1: u128 = if host_bits == 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    let start = addr & !size_minus_1;
    (
        bits,
        Iv {
            start,
            end: start + size_minus_1,
        },
        n.prefix_len(),
    )
}

/// Sorted, merged (overlapping or touching) intervals: the set of addresses, canonically.
fn merged(mut v: Vec<Iv>) -> Vec<Iv> {
    v.sort();
    let mut out: Vec<Iv> = Vec::new();
    for iv in v {
        match out.last_mut() {
            Some(last) if last.end.checked_add(1).is_none_or(|next| iv.start <= next) => {
                last.end = last.end.max(iv.end);
            }
            _ => out.push(iv),
        }
    }
    out
}

fn family(nets: &[IpNet], bits: u32) -> Vec<Iv> {
    nets.iter()
        .map(interval)
        .filter(|(b, _, _)| *b == bits)
        .map(|(_, iv, _)| iv)
        .collect()
}

/// Aggregated prefixes cover exactly the raw addresses, are canonical, sorted, disjoint and
/// minimal: no two neighbours are aligned siblings of one length (they would merge).
fn assert_exact_and_minimal(label: &str, raw: &[IpNet], agg: &Prefixes) {
    let out: Vec<IpNet> = agg.iter().collect();
    for bits in [32, 128] {
        assert_eq!(
            merged(family(raw, bits)),
            merged(family(&out, bits)),
            "{label}: /{bits} address sets differ"
        );
    }
    for n in &out {
        assert_eq!(*n, n.trunc(), "{label}: {n} has host bits");
    }
    for (a, b) in agg
        .v4
        .iter()
        .map(|n| IpNet::V4(*n))
        .zip(agg.v4.iter().skip(1).map(|n| IpNet::V4(*n)))
        .chain(
            agg.v6
                .iter()
                .map(|n| IpNet::V6(*n))
                .zip(agg.v6.iter().skip(1).map(|n| IpNet::V6(*n))),
        )
    {
        let ((bits, x, lx), (_, y, ly)) = (interval(&a), interval(&b));
        assert!(
            x.end < y.start,
            "{label}: {a} and {b} overlap or are out of order"
        );
        if lx == ly && lx > 0 {
            let parent_size_minus_1 = (x.end - x.start) * 2 + 1;
            let aligned = x.start & parent_size_minus_1 == 0;
            assert!(
                !(aligned && x.end + 1 == y.start),
                "{label}: {a} and {b} should merge into one /{} (of {bits} bits)",
                lx - 1
            );
        }
    }
}

#[test]
fn real_public_tags_aggregate_exactly_and_minimally() {
    let t = common::service_tags(Cloud::Public);
    for names in [
        &["AzureMachineLearning"][..],
        &["Storage.EastUS2"],
        &["AzureCloud.eastus2"],
        &[
            "AzureMachineLearning",
            "Storage.EastUS2",
            "AzureCloud.eastus2",
        ],
    ] {
        let raw = common::raw_prefixes(t, names);
        let agg = t.expand(names.iter().copied()).unwrap();
        assert!(!agg.v4.is_empty() && !agg.v6.is_empty(), "{names:?}");
        assert!(agg.len() <= raw.len());
        assert_exact_and_minimal(&names.join("+"), &raw, &agg);
    }
}

#[test]
fn the_checker_itself_catches_mistakes() {
    let raw: Vec<IpNet> = ["10.0.0.0/25", "10.0.0.128/25"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    let not_merged = Prefixes {
        v4: vec![
            "10.0.0.0/25".parse().unwrap(),
            "10.0.0.128/25".parse().unwrap(),
        ],
        v6: vec![],
    };
    assert!(std::panic::catch_unwind(|| assert_exact_and_minimal("x", &raw, &not_merged)).is_err());
    let too_big = Prefixes {
        v4: vec!["10.0.0.0/23".parse().unwrap()],
        v6: vec![],
    };
    assert!(std::panic::catch_unwind(|| assert_exact_and_minimal("x", &raw, &too_big)).is_err());
    // Adjacent but not siblings: 10.0.1.0/24 + 10.0.2.0/24 cannot merge.
    let raw: Vec<IpNet> = ["10.0.1.0/24", "10.0.2.0/24"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    let ok = Prefixes {
        v4: raw
            .iter()
            .map(|n| {
                if let IpNet::V4(n) = n {
                    *n
                } else {
                    unreachable!()
                }
            })
            .collect(),
        v6: vec![],
    };
    assert_exact_and_minimal("x", &raw, &ok);
}

// ---- random prefix sets ------------------------------------------------------------------

/// Whether a Service Tags file may hold `net` (amlfw refuses the others, see `sanity`).
fn acceptable(net: IpNet) -> bool {
    amlfw::servicetags::sanity::refusal(&net).is_none()
}

/// IPv4 prefixes, mostly clustered in 20.0.0.0/16 so that overlaps and neighbours are common;
/// only ones a real file may hold (global, not wider than /8).
fn v4() -> impl Strategy<Value = Ipv4Net> {
    prop_oneof![
        4 => (0u32..256, 16u8..=26).prop_map(|(x, l)| Ipv4Net::new((0x1400_0000 + (x << 8)).into(), l).unwrap().trunc()),
        1 => (any::<u32>(), 8u8..=32).prop_map(|(a, l)| Ipv4Net::new(a.into(), l).unwrap().trunc()),
    ]
    .prop_filter("a prefix a Service Tags file may hold", |n| acceptable(IpNet::V4(*n)))
}

fn v6() -> impl Strategy<Value = Ipv6Net> {
    let base = u128::from("2001:db8::".parse::<std::net::Ipv6Addr>().unwrap());
    prop_oneof![
        4 => (0u128..256, 52u8..=66).prop_map(move |(x, l)| Ipv6Net::new((base + (x << 64)).into(), l).unwrap().trunc()),
        1 => (any::<u128>(), 24u8..=128).prop_map(|(a, l)| Ipv6Net::new(a.into(), l).unwrap().trunc()),
    ]
    .prop_filter("a prefix a Service Tags file may hold", |n| acceptable(IpNet::V6(*n)))
}

/// A Service Tags file with two tags.
fn file(a: &[IpNet], b: &[IpNet]) -> String {
    let list = |v: &[IpNet]| {
        v.iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(",")
    };
    format!(
        r#"{{"changeNumber": 1, "cloud": "Public", "values": [
          {{"name": "A", "id": "A", "properties": {{"addressPrefixes": [{}]}}}},
          {{"name": "B", "id": "B", "properties": {{"addressPrefixes": [{}]}}}}]}}"#,
        list(a),
        list(b)
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_prefix_sets_aggregate_exactly_and_minimally(
        a4 in prop::collection::vec(v4(), 0..40),
        a6 in prop::collection::vec(v6(), 0..40),
        b4 in prop::collection::vec(v4(), 0..10),
    ) {
        let a: Vec<IpNet> = a4.iter().map(|n| IpNet::V4(*n)).chain(a6.iter().map(|n| IpNet::V6(*n))).collect();
        let b: Vec<IpNet> = b4.iter().map(|n| IpNet::V4(*n)).collect();
        let t = TagIndex::from_json(&file(&a, &b)).unwrap();
        assert_exact_and_minimal("A", &a, &t.expand(["A"]).unwrap());
        let both: Vec<IpNet> = a.iter().chain(&b).copied().collect();
        assert_exact_and_minimal("A+B", &both, &t.expand(["a", "B"]).unwrap());
    }
}

// ---- through the binary -----------------------------------------------------------------------

fn public_file() -> std::path::PathBuf {
    common::fixture("servicetags/ServiceTags_Public.376.json")
}

/// Runs, expects exit 2, no panic, nothing on stdout, and each needle in stderr.
fn fails_with(args: &[&str], needles: &[&str]) -> String {
    let out = Command::cargo_bin("amlfw")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.stdout.is_empty(), "{args:?}: stdout not empty");
    for n in needles {
        assert!(err.contains(n), "{args:?}: {n:?} not in: {err}");
    }
    err
}

#[test]
fn tags_command_prints_aggregated_prefixes() {
    let f = public_file();
    let out = common::amlfw_ok(&[
        "tags",
        "--service-tags",
        f.to_str().unwrap(),
        "--tag",
        "AzureMachineLearning",
        "--tag",
        "storage.eastus2",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    let nets: Vec<IpNet> = text
        .lines()
        .map(|l| l.parse().unwrap_or_else(|_| panic!("not a prefix: {l:?}")))
        .collect();
    let t = common::service_tags(Cloud::Public);
    let want = t
        .expand(["AzureMachineLearning", "Storage.EastUS2"])
        .unwrap();
    assert_eq!(nets, want.iter().collect::<Vec<_>>());
    assert_exact_and_minimal(
        "cli",
        &common::raw_prefixes(t, &["AzureMachineLearning", "Storage.EastUS2"]),
        &want,
    );
}

#[test]
fn a_missing_tag_is_named() {
    let f = public_file();
    fails_with(
        &[
            "tags",
            "--service-tags",
            f.to_str().unwrap(),
            "--tag",
            "AzureMachineLearning",
            "--tag",
            "Storage.Atlantis",
        ],
        &[
            "Storage.Atlantis",
            "not in the Service Tags file",
            "changeNumber 376",
        ],
    );
}

#[test]
fn bad_files_are_clear_errors_with_positions() {
    let real = std::fs::read(public_file()).unwrap();
    let cases: [(&str, Vec<u8>, &[&str]); 3] = [
        (
            "empty.json",
            Vec::new(),
            &[
                "not a valid Service Tags file",
                "line 1, column 0",
                "ends too early",
            ],
        ),
        (
            "cut.json",
            real[..1000].to_vec(),
            &[
                "not a valid Service Tags file",
                "line ",
                "column ",
                "ends too early",
            ],
        ),
        (
            "html.json",
            b"<html>Access denied</html>\n".to_vec(),
            &["not a valid Service Tags file", "line 1, column 1"],
        ),
    ];
    for (name, bytes, needles) in cases {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(name);
        std::fs::write(&p, &bytes).unwrap();
        let path = p.to_str().unwrap();
        let mut with_path = needles.to_vec();
        with_path.push(path);
        fails_with(
            &[
                "tags",
                "--service-tags",
                path,
                "--tag",
                "AzureMachineLearning",
            ],
            &with_path,
        );
        fails_with(&export_args("iptables", path), &with_path);
    }
    fails_with(
        &[
            "tags",
            "--service-tags",
            "/nonexistent/ServiceTags.json",
            "--tag",
            "X",
        ],
        &[
            "cannot read Service Tags file",
            "/nonexistent/ServiceTags.json",
        ],
    );
}

/// `amlfw export` of the default profile (public, eastus2) to `target` with the tags `file`.
/// The edition is pinned, so stderr carries no notice about choosing one.
fn export_args<'a>(target: &'a str, file: &'a str) -> [&'a str; 9] {
    [
        "export",
        "--edition",
        "2021-09",
        "--region",
        "eastus2",
        "--target",
        target,
        "--service-tags",
        file,
    ]
}

/// The public file with the first prefix of `tag` replaced by `bad`, written to `dir`.
fn public_file_with_bad_prefix(dir: &std::path::Path, tag: &str, bad: &str) -> String {
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(public_file()).unwrap()).unwrap();
    let entry = doc["values"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|v| v["name"] == tag)
        .unwrap_or_else(|| panic!("no tag {tag}"));
    entry["properties"]["addressPrefixes"][0] = bad.into();
    let path = dir.join("ServiceTags_bad.json");
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    path.to_str().unwrap().to_string()
}

/// Prefixes are parsed when a tag is first used: a bad one in a tag the export uses fails it
/// (exit 2, the file, the tag and the prefix named, as when the file was parsed whole at load);
/// one in a tag nobody uses is not looked at.
#[test]
fn a_bad_prefix_fails_the_commands_that_use_its_tag() {
    let d = tempfile::tempdir().unwrap();
    let bad = public_file_with_bad_prefix(d.path(), "Storage.EastUS2", "10.0.0.300/24");
    let message = format!(
        "{bad}: service tag 'Storage.EastUS2' has an invalid address prefix '10.0.0.300/24'"
    );
    // The default profile (public, eastus2) uses Storage.EastUS2.
    for target in ["iptables", "nftables", "json", "csv", "markdown"] {
        let err = fails_with(&export_args(target, &bad), &[&message]);
        assert_eq!(err, format!("amlfw: {message}\n"), "{target}");
    }
    // Targets that do not expand tags do not use the prefixes.
    common::amlfw_ok(&export_args("nsg-cli", &bad));
    fails_with(
        &[
            "tags",
            "--service-tags",
            &bad,
            "--tag",
            "AzureCloud",
            "--tag",
            "storage.eastus2",
        ],
        &[&message],
    );
    // A bad prefix is reported before a missing tag, as when loading parsed the tags.
    fails_with(
        &[
            "tags",
            "--service-tags",
            &bad,
            "--tag",
            "Storage.Atlantis",
            "--tag",
            "Storage.EastUS2",
        ],
        &[&message],
    );

    // The same prefix in a tag the profile does not use: the export works.
    let unused = public_file_with_bad_prefix(d.path(), "Storage.WestUS", "10.0.0.300/24");
    let out = common::amlfw_ok(&export_args("nftables", &unused));
    let good = common::amlfw_ok(&export_args("nftables", public_file().to_str().unwrap()));
    assert_eq!(out.stdout, good.stdout);
    common::amlfw_ok(&[
        "tags",
        "--service-tags",
        &unused,
        "--tag",
        "Storage.EastUS2",
    ]);
    fails_with(
        &["tags", "--service-tags", &unused, "--tag", "Storage.WestUS"],
        &["service tag 'Storage.WestUS' has an invalid address prefix '10.0.0.300/24'"],
    );
}

#[test]
fn a_file_of_another_cloud_is_refused() {
    let china = common::fixture("servicetags/ServiceTags_China_20260720.405.json");
    for target in ["iptables", "nftables", "json"] {
        fails_with(
            &export_args(target, china.to_str().unwrap()),
            &["cloud 'China'", "public", "right cloud"],
        );
    }
}

#[test]
fn exports_with_the_file_name_its_change_number() {
    let f = public_file();
    let out = common::amlfw_ok(&export_args("nftables", f.to_str().unwrap()));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text
        .lines()
        .take(10)
        .any(|l| l == "# Service Tags file: cloud Public, changeNumber 376"));
    // What nftables cannot express is also said on stderr.
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOT covered by nftables"));
}

// ---- the fast path of `from_json_keeping` against the full parse ----------------------------

const REAL_FILES: [&str; 3] = [
    "servicetags/ServiceTags_Public.376.json",
    "servicetags/ServiceTags_AzureGovernment_20260720.402.json",
    "servicetags/ServiceTags_China_20260720.405.json",
];

/// What `amlfw tags --tag NAME` prints for one tag of an index.
fn printed(t: &TagIndex, name: &str) -> String {
    let mut s = String::new();
    for n in t.expand([name]).unwrap().iter() {
        amlfw::servicetags::push_net(&mut s, &n);
        s.push('\n');
    }
    s
}

/// The scan that `amlfw tags` and `amlfw export` use takes the three real files (it is not
/// silently falling back to the full parse) and gives every tag exactly as the full parse does:
/// the same names and the same printed prefixes, byte for byte. Read in the default chunks
/// and in chunks of an odd size, so entries and strings are cut at the ends of chunks.
#[test]
fn the_scan_gives_every_tag_of_the_real_files_as_the_full_parse() {
    for file in REAL_FILES {
        let text = std::fs::read_to_string(common::fixture(file)).unwrap();
        let full = TagIndex::from_json(&text).unwrap();
        assert!(full.len() > 100, "{file}");
        for chunk in [64 * 1024, 4093] {
            let fast = TagIndex::from_json_keeping_scan(&text, |_| true, chunk)
                .unwrap_or_else(|| panic!("{file}: the scan fell back (chunk {chunk})"))
                .unwrap();
            assert_eq!(
                (&fast.cloud, fast.change_number),
                (&full.cloud, full.change_number)
            );
            assert_eq!(fast.names(), full.names(), "{file}");
            for name in full.names() {
                assert_eq!(printed(&fast, name), printed(&full, name), "{file}: {name}");
            }
        }
        // Keeping one tag, as `amlfw tags` does: only it, the same text.
        let name = full.names()[full.len() / 2];
        let one = TagIndex::from_json_keeping_scan(&text, |n| n == name, 64 * 1024)
            .expect("the scan takes the real file")
            .unwrap();
        assert_eq!(one.names(), [name]);
        assert_eq!(printed(&one, name), printed(&full, name));
    }
}

/// What the scan does not take it leaves to the full parse, which answers as before: a
/// backslash (a string with an escape) gives the same tags; a truncated file or one with an
/// entry without properties gives the full parse's error, with its line and column.
#[test]
fn the_scan_falls_back_to_the_full_parse() {
    let text = std::fs::read_to_string(public_file()).unwrap();
    let keep = |n: &str| n == "Storage.EastUS2";
    let plain = TagIndex::from_json_keeping(&text, keep).unwrap();

    let escaped = text.replacen("\"Storage.EastUS2\"", "\"Storage\\u002eEastUS2\"", 1);
    assert!(TagIndex::from_json_keeping_scan(&escaped, keep, 4096).is_none());
    let t = TagIndex::from_json_keeping(&escaped, keep).unwrap();
    assert_eq!(t.names(), ["Storage.EastUS2"]);
    assert_eq!(
        printed(&t, "Storage.EastUS2"),
        printed(&plain, "Storage.EastUS2")
    );

    let cut = &text[..text.len() - 20];
    let no_properties = text.replacen("\"properties\"", "\"propertiez\"", 1);
    for bad in [cut, no_properties.as_str()] {
        assert!(TagIndex::from_json_keeping_scan(bad, keep, 4096).is_none());
        let e = TagIndex::from_json_keeping(bad, keep).unwrap_err();
        assert_eq!(e, TagIndex::from_json_keeping_full(bad, keep).unwrap_err());
        assert!(
            matches!(e, amlfw::servicetags::TagError::Parse { .. }),
            "{e}"
        );
    }
}

/// `amlfw tags` reads the file in pieces (the scan) and, for a file the scan does not take,
/// whole (the full parse): both print the same.
#[test]
fn tags_command_prints_the_same_by_both_paths() {
    let d = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(public_file()).unwrap();
    // An unknown top-level member with an escape: valid, ignored, but not the plain form.
    let escaped = d.path().join("escaped.json");
    std::fs::write(&escaped, text.replacen('{', "{\"x\": \"a\\\\b\",", 1)).unwrap();
    let run = |f: &std::path::Path| {
        common::amlfw_ok(&[
            "tags",
            "--service-tags",
            f.to_str().unwrap(),
            "--tag",
            "Storage.EastUS2",
            "--tag",
            "azuremachinelearning",
        ])
        .stdout
    };
    let fast = run(&public_file());
    assert!(fast.len() > 1000);
    assert_eq!(fast, run(&escaped));
}
