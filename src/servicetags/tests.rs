//! Tests of the Service Tags loader, its lazy prefixes and the prefix printer.

use super::read::parse_net;
use super::*;

const SMALL: &str = r#"{"changeNumber": 7, "cloud": "Public", "values": [
  {"name": "Storage.EastUS2", "id": "Storage.EastUS2", "properties": {"changeNumber": 1, "region": "eastus2",
    "addressPrefixes": ["20.0.0.0/25", "20.0.0.128/25", "20.0.1.0/24", "2001:db8::/33", "2001:db8:8000::/33"]}},
  {"name": "AzureMachineLearning", "id": "AzureMachineLearning", "properties": {"addressPrefixes": ["20.0.0.64/26", "192.0.2.0/24"], "networkFeatures": null}}
]}"#;

#[test]
fn expands_case_insensitively_and_aggregates() {
    let t = TagIndex::from_json(SMALL).unwrap();
    assert_eq!(t.change_number, 7);
    let p = t
        .expand(["storage.eastus2", "AZUREMACHINELEARNING"])
        .unwrap();
    let v4: Vec<String> = p.v4.iter().map(|n| n.to_string()).collect();
    assert_eq!(v4, ["20.0.0.0/23", "192.0.2.0/24"]);
    let v6: Vec<String> = p.v6.iter().map(|n| n.to_string()).collect();
    assert_eq!(v6, ["2001:db8::/32"]);
}

#[test]
fn keeping_only_some_tags_skips_the_others_prefixes() {
    let bad = SMALL.replace("192.0.2.0/24", "not-a-prefix");
    assert!(TagIndex::from_json(&bad).unwrap().check_prefixes().is_err());
    let t =
        TagIndex::from_json_keeping(&bad, |n| n.eq_ignore_ascii_case("storage.eastus2")).unwrap();
    assert_eq!(t.len(), 1);
    assert_eq!(t.check_prefixes(), Ok(()));
    assert!(t.expand(["Storage.EastUS2"]).is_ok());
    assert!(matches!(
        t.expand(["AzureMachineLearning"]),
        Err(TagError::MissingTag { .. })
    ));
    // A malformed file is still refused.
    assert!(TagIndex::from_json_keeping(&SMALL[..40], |_| false).is_err());
}

fn only_storage(n: &str) -> bool {
    n.eq_ignore_ascii_case("storage.eastus2")
}

fn prefix_texts(t: &TagIndex, name: &str) -> Vec<String> {
    t.get(name)
        .unwrap()
        .prefixes()
        .unwrap()
        .iter()
        .map(net_string)
        .collect()
}

#[test]
fn properties_before_the_name_are_kept_or_dropped_by_the_name() {
    // `properties` first in both entries; the kept one's name needs unescaping.
    let text = r#"{"values": [
      {"properties": {"addressPrefixes": ["20.0.0.0/24"]}, "id": "x", "name": "Storage.East\u0055S2"},
      {"properties": {"addressPrefixes": ["not-a-prefix"]}, "name": "AzureMachineLearning"}
    ], "cloud": "Public", "changeNumber": 9}"#;
    let t = TagIndex::from_json_keeping(text, only_storage).unwrap();
    assert_eq!((t.cloud.as_str(), t.change_number), ("Public", 9));
    assert_eq!(t.names(), ["Storage.EastUS2"]);
    assert_eq!(prefix_texts(&t, "Storage.EastUS2"), ["20.0.0.0/24"]);
    // Read before the name is known, so they must have the shape of kept properties.
    let odd = text.replace(r#"["not-a-prefix"]"#, "5");
    assert_ne!(odd, text);
    assert!(matches!(
        TagIndex::from_json_keeping(&odd, only_storage),
        Err(TagError::Parse { .. })
    ));
}

#[test]
fn the_properties_of_a_tag_not_kept_need_only_be_json() {
    let odd = SMALL.replace(
        r#""addressPrefixes": ["20.0.0.64/26", "192.0.2.0/24"], "networkFeatures": null"#,
        r#""addressPrefixes": 5, "networkFeatures": {"a": [true, "\u00e9", -1.5e3, {}]}"#,
    );
    assert_ne!(odd, SMALL);
    assert!(matches!(
        TagIndex::from_json(&odd),
        Err(TagError::Parse { .. })
    ));
    let t = TagIndex::from_json_keeping(&odd, only_storage).unwrap();
    assert_eq!(t.names(), ["Storage.EastUS2"]);
    assert_eq!(prefix_texts(&t, "storage.eastus2").len(), 5);
}

#[test]
fn malformed_json_in_a_tag_not_kept_is_refused_with_its_position() {
    let pos = SMALL.find("192.0.2.0/24").unwrap();
    let line = SMALL[..pos].lines().count();
    assert_eq!(line, 4);
    let bad = [
        // Cut inside the skipped tag's prefixes.
        SMALL[..pos].to_string(),
        // A missing value, a control character in a string, a bad escape, a bare word.
        SMALL.replace(r#""192.0.2.0/24""#, r#""192.0.2.0/24",,"#),
        SMALL.replace("192.0.2.0/24", "192.0.2.0/24\u{1}"),
        SMALL.replace("192.0.2.0/24", r"192.0.2.0/24\q"),
        SMALL.replace(r#""networkFeatures": null"#, r#""networkFeatures": nul"#),
    ];
    for text in &bad {
        match TagIndex::from_json_keeping(text, only_storage) {
            Err(TagError::Parse { line: l, .. }) => assert_eq!(l, line, "{text}"),
            other => panic!("{text}: {:?}", other.map(|t| t.names().len())),
        }
    }
    // Cut after the last value, or followed by more than whitespace: refused too.
    for text in [&SMALL[..SMALL.len() - 1], &format!("{SMALL} x")] {
        assert!(matches!(
            TagIndex::from_json_keeping(text, only_storage),
            Err(TagError::Parse { .. })
        ));
    }
}

#[test]
fn entries_not_kept_still_need_a_name_and_properties_once() {
    let cases = [
        (r#""name": "AzureMachineLearning", "#, ""),
        (
            r#""properties": {"addressPrefixes""#,
            r#""other": {"addressPrefixes""#,
        ),
        (
            r#""name": "AzureMachineLearning", "#,
            r#""name": "AzureMachineLearning", "name": "X", "#,
        ),
        (
            r#""networkFeatures": null}"#,
            r#""networkFeatures": null}, "properties": {}"#,
        ),
        (
            r#""cloud": "Public", "#,
            r#""cloud": "Public", "cloud": "Public", "#,
        ),
        (r#""changeNumber": 7, "#, ""),
    ];
    for (from, to) in cases {
        let text = SMALL.replace(from, to);
        assert_ne!(text, SMALL, "{from}");
        match TagIndex::from_json_keeping(&text, only_storage) {
            Err(TagError::Parse { message, .. }) => assert!(
                message.contains("missing field") || message.contains("duplicate field"),
                "{message}"
            ),
            other => panic!("{to}: {:?}", other.map(|t| t.names().len())),
        }
    }
}

#[test]
fn the_file_and_its_entries_must_be_objects() {
    for text in [
        r#"[7, "Public", []]"#,
        r#"{"changeNumber": 7, "cloud": "Public", "values": [["Storage", {}]]}"#,
        r#"{"changeNumber": 7, "cloud": "Public", "values": {}}"#,
    ] {
        for keep in [|_: &str| true, |_: &str| false] {
            match TagIndex::from_json_keeping(text, keep) {
                Err(TagError::Parse { message, .. }) => {
                    assert!(message.contains("expected a"), "{message}")
                }
                other => panic!("{text}: {:?}", other.map(|t| t.len())),
            }
        }
    }
}

#[test]
fn kept_tags_are_those_of_the_whole_file() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/servicetags/ServiceTags_Public.376.json"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let all = TagIndex::from_json(&text).unwrap();
    let wanted = [
        "storage.eastus2",
        "AzureMachineLearning",
        "AzureCloud",
        "AzureCloud.eastus2",
        "ActionGroup",
        "AzureFrontDoor.Backend",
    ];
    let some =
        TagIndex::from_json_keeping(&text, |n| wanted.iter().any(|w| w.eq_ignore_ascii_case(n)))
            .unwrap();
    assert_eq!(
        (&some.cloud, some.change_number),
        (&all.cloud, all.change_number)
    );
    assert_eq!(some.len(), wanted.len());
    for w in wanted {
        let (a, s) = (all.get(w).unwrap(), some.get(w).unwrap());
        assert_eq!(s.name, a.name);
        assert!(!s.prefixes().unwrap().is_empty(), "{w}");
        assert_eq!(s.prefixes(), a.prefixes(), "{w}");
    }
    assert!(all.len() > 2_500);
    let none = TagIndex::from_json_keeping(&text, |_| false).unwrap();
    assert!(none.is_empty());
    assert_eq!(none.change_number, all.change_number);
}

#[test]
fn missing_tag_is_named() {
    let t = TagIndex::from_json(SMALL).unwrap();
    let e = t.expand(["Storage.WestUS"]).unwrap_err();
    assert!(e.to_string().contains("Storage.WestUS"), "{e}");
}

#[test]
fn wrong_cloud_is_refused() {
    let t = TagIndex::from_json(SMALL).unwrap();
    assert!(t.check_cloud(Cloud::Public).is_ok());
    assert!(matches!(
        t.check_cloud(Cloud::China),
        Err(TagError::WrongCloud { .. })
    ));
}

#[test]
fn truncated_and_empty_files_give_positions() {
    let cut = &SMALL[..SMALL.len() / 2];
    match TagIndex::from_json(cut).unwrap_err() {
        TagError::Parse { line, .. } => assert!(line >= 2),
        e => panic!("unexpected {e}"),
    }
    assert!(matches!(
        TagIndex::from_json(""),
        Err(TagError::Parse { .. })
    ));
    assert!(matches!(
        TagIndex::from_json("[1,2]"),
        Err(TagError::Parse { .. })
    ));
}

fn public_fixture() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/servicetags/ServiceTags_Public.376.json"
    );
    std::fs::read_to_string(path).unwrap()
}

fn aml_bad() -> TagError {
    TagError::BadPrefix {
        tag: "AzureMachineLearning".into(),
        prefix: "192.0.2.0/99".into(),
    }
}

#[test]
fn a_bad_prefix_in_a_tag_not_used_does_not_fail_the_load() {
    let bad = SMALL.replace("192.0.2.0/24", "192.0.2.0/99");
    assert_ne!(bad, SMALL);
    let t = TagIndex::from_json(&bad).unwrap();
    assert_eq!(t.names(), ["AzureMachineLearning", "Storage.EastUS2"]);
    assert!(t.contains("azuremachinelearning"));
    let p = t.expand(["Storage.EastUS2"]).unwrap();
    assert_eq!(p.len(), 2);
    assert_eq!(t.get("Storage.EastUS2").unwrap().aggregated(), Ok(&p));
}

#[test]
fn a_bad_prefix_fails_the_use_of_its_tag_naming_both() {
    let bad = SMALL.replace("192.0.2.0/24", "192.0.2.0/99");
    let t = TagIndex::from_json(&bad).unwrap();
    // Alone, with another tag before or after it (first use or not), and again: the same
    // error, with the message loading gave before.
    for names in [
        &["AzureMachineLearning"][..],
        &["Storage.EastUS2", "azuremachinelearning"],
        &["AzureMachineLearning", "Storage.EastUS2"],
        &["AzureMachineLearning"],
    ] {
        assert_eq!(t.expand(names.iter().copied()), Err(aml_bad()), "{names:?}");
    }
    assert_eq!(
        aml_bad().to_string(),
        "service tag 'AzureMachineLearning' has an invalid address prefix '192.0.2.0/99'"
    );
    let tag = t.get("AzureMachineLearning").unwrap();
    assert_eq!(tag.prefixes(), Err(aml_bad()));
    assert_eq!(tag.aggregated(), Err(aml_bad()));
    assert_eq!(t.check_prefixes(), Err(aml_bad()));
    // A missing tag is still reported before a bad prefix.
    assert!(matches!(
        t.expand(["AzureMachineLearning", "Storage.WestUS"]),
        Err(TagError::MissingTag { .. })
    ));
    // Another tag of the same file is unaffected.
    assert!(t.expand(["Storage.EastUS2"]).is_ok());
}

#[test]
fn the_first_bad_prefix_of_a_tag_is_named_as_written() {
    let prefixes =
        |list: &str| SMALL.replace(r#"["20.0.0.64/26", "192.0.2.0/24"]"#, &format!("[{list}]"));
    let bad_of = |text: &str| match TagIndex::from_json(text)
        .unwrap()
        .expand(["AzureMachineLearning"])
    {
        Err(TagError::BadPrefix { tag, prefix }) => {
            assert_eq!(tag, "AzureMachineLearning");
            prefix
        }
        other => panic!("{text}: {other:?}"),
    };
    let cases = [
        (r#""20.0.0.64/26", "x", "192.0.2.0/99""#, "x"),
        (r#""20.0.0.64/26", "", "192.0.2.0/99""#, ""),
        (r#""20.0.0.64/26", " 20.0.0.0/8""#, " 20.0.0.0/8"),
        // Unescaped for the message; a line break cannot split it into two prefixes.
        (
            r#""20.0.0.64/26", "20.0.0.0/8\n20.1.0.0/16""#,
            "20.0.0.0/8\n20.1.0.0/16",
        ),
        (
            r#""20.0.0.64/26", "\u0032\u0030.0.0.0/8\n""#,
            "20.0.0.0/8\n",
        ),
        (r#""20.0.0.64/26", "a\nb", "c""#, "a\nb"),
        (r#""20.0.0.64/26", "c", "a\nb""#, "c"),
        (r#""20.0.0.64/26", "a\nb", "c\nd""#, "a\nb"),
        (
            r#""20.0.0.64/26", "20.0.0.0/8,20.1.0.0/16""#,
            "20.0.0.0/8,20.1.0.0/16",
        ),
    ];
    for (list, want) in cases {
        assert_eq!(bad_of(&prefixes(list)), want, "{list}");
    }
    // Escapes in valid prefixes are read as JSON reads them.
    let t = TagIndex::from_json(&prefixes(r#""\u0032\u0030.0.0.64/26", "192.0.2.0\/24""#)).unwrap();
    assert_eq!(
        prefix_texts(&t, "AzureMachineLearning"),
        ["20.0.0.64/26", "192.0.2.0/24"]
    );
    // A tag without prefixes, or with an empty list.
    for list in [r#""addressPrefixes": []"#, r#""other": 1"#] {
        let text = SMALL.replace(
            r#""addressPrefixes": ["20.0.0.64/26", "192.0.2.0/24"]"#,
            list,
        );
        assert_ne!(text, SMALL);
        let t = TagIndex::from_json(&text).unwrap();
        assert!(t.expand(["AzureMachineLearning"]).unwrap().is_empty());
    }
    // A raw line break in a string is malformed JSON, refused at load (so a string read
    // without escapes never holds one: see `PrefixSeed::visit_borrowed_str`).
    match TagIndex::from_json(&prefixes("\"20.0.0.0/8\n10.1.0.0/16\"")) {
        Err(TagError::Parse { message, .. }) => {
            assert!(message.contains("control character"), "{message}")
        }
        other => panic!("{:?}", other.map(|t| t.len())),
    }
    // Prefixes that are not strings are malformed JSON, refused at load.
    for list in [
        "1",
        "null",
        r#""20.0.0.0/8", 5"#,
        r#""a\nb", 5"#,
        r#""x", []"#,
    ] {
        match TagIndex::from_json(&prefixes(list)) {
            Err(TagError::Parse { line, message, .. }) => {
                assert_eq!(line, 4, "{list}");
                assert!(message.contains("expected a string"), "{list}: {message}");
            }
            other => panic!("{list}: {:?}", other.map(|t| t.len())),
        }
    }
}

/// The parsed prefixes of every tag of the real file, against a plain reading of the same
/// file: `serde_json::Value`, then `ipnet` on each string.
#[test]
fn every_tag_of_the_public_file_parses_as_its_strings() {
    let text = public_fixture();
    let t = TagIndex::from_json(&text).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let values = doc["values"].as_array().unwrap();
    assert_eq!(values.len(), t.len());
    let mut total = 0;
    for v in values {
        let name = v["name"].as_str().unwrap();
        let want: Vec<IpNet> = v["properties"]["addressPrefixes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().parse().unwrap())
            .collect();
        let tag = t.get(name).unwrap();
        assert_eq!(tag.name, name);
        assert_eq!(tag.prefixes().unwrap(), want.as_slice(), "{name}");
        total += want.len();
    }
    assert!(total > 90_000, "{total}");
    assert_eq!(t.check_prefixes(), Ok(()));
}

#[test]
fn threads_using_the_same_tags_get_the_same_prefixes() {
    fn shared<T: Send + Sync>(_: &T) {}
    let text = public_fixture();
    let cold = TagIndex::from_json(&text).unwrap();
    shared(&cold);
    let tags = [
        "AzureCloud",
        "AzureCloud.eastus2",
        "Storage",
        "AzureFrontDoor.Backend",
    ];
    let alone: Vec<Prefixes> = tags
        .iter()
        .map(|n| cold.clone().expand([*n]).unwrap())
        .collect();
    let union = cold.clone().expand(tags).unwrap();
    const THREADS: usize = 4;
    for round in 0..6 {
        // Never used before: every thread races to parse and aggregate the same tags.
        let t = cold.clone();
        let start = std::sync::Barrier::new(THREADS);
        let got: Vec<(Vec<Prefixes>, Prefixes)> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..THREADS)
                .map(|i| {
                    let (t, start) = (&t, &start);
                    s.spawn(move || {
                        start.wait();
                        // Half the threads begin with the union (parsed, not aggregated,
                        // prefixes), half with each tag alone (aggregated).
                        if (i + round) % 2 == 0 {
                            let u = t.expand(tags).unwrap();
                            let a = tags.iter().map(|n| t.expand([*n]).unwrap()).collect();
                            (a, u)
                        } else {
                            let a = tags.iter().map(|n| t.expand([*n]).unwrap()).collect();
                            (a, t.expand(tags).unwrap())
                        }
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        for (a, u) in got {
            assert_eq!(a, alone, "round {round}");
            assert_eq!(u, union, "round {round}");
        }
    }
    // A bad prefix: every thread gets the same error.
    let bad = TagIndex::from_json(&SMALL.replace("192.0.2.0/24", "192.0.2.0/99")).unwrap();
    let errors: Vec<_> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| s.spawn(|| bad.expand(["AzureMachineLearning"])))
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    assert!(errors.iter().all(|e| *e == Err(aml_bad())), "{errors:?}");
}

/// `parse_net` against `IpNet::from_str` (IPv4, then IPv6) on valid, odd and random text.
#[test]
fn parse_net_is_ipnets_parse() {
    let mut cases: Vec<String> = [
        "",
        ".",
        ":",
        "/",
        "/8",
        "0.0.0.0/0",
        "255.255.255.255/32",
        "20.0.0.1/8",
        "010.0.0.0/8",
        "1.2.3.4/33",
        "1.2.3.4/024",
        "1.2.3.4",
        "1.2.3/24",
        "1.2.3.4.5/8",
        "1.2.3.4:5/24",
        "1.2.3.4::/64",
        "1.2.3.4/8:",
        "::/0",
        "::1/128",
        "::/129",
        "1::/064",
        "::ffff:1.2.3.4/128",
        "::1.2.3.4/128",
        "1:2:3:4:5:6:1.2.3.4/96",
        "1:2:3:4:5:6:7:8/64",
        "1:2:3:4:5:6:7:8:9/64",
        "2001:db8::/33",
        "2001:DB8::/32",
        "2001:db8::1.2.3.4.5/64",
        "a.b.c.d/8",
        " 1.2.3.4/8",
        "1.2.3.4/8 ",
        "+1.2.3.4/8",
        "1.2.3.4/+8",
        "١.2.3.4/8",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let alphabet = b"0123456789abcdefABCDEF.:/0123456789..::x ";
    for _ in 0..200_000 {
        let len = (next() % 24) as usize;
        let s: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize] as char)
            .collect();
        cases.push(s);
    }
    // Prefix-shaped text, valid or nearly: octets and lengths sometimes out of range or
    // with leading zeros, IPv6 groups with or without `::` and an IPv4 tail.
    for _ in 0..100_000 {
        let octets = |next: &mut dyn FnMut() -> u64| -> String {
            (0..4)
                .map(|_| match next() % 8 {
                    0 => format!("0{}", next() % 100),
                    1 => (next() % 300).to_string(),
                    _ => (next() % 256).to_string(),
                })
                .collect::<Vec<_>>()
                .join(".")
        };
        let s = if next() % 2 == 0 {
            format!("{}/{}", octets(&mut next), next() % 35)
        } else {
            let groups = (next() % 9) as usize;
            let mut g: Vec<String> = (0..groups)
                .map(|_| format!("{:x}", next() % 0x1_0010))
                .collect();
            if next() % 3 == 0 {
                let at = (next() as usize) % (groups + 1);
                g.insert(at, String::new());
                if at == 0 || at == g.len() - 1 {
                    g.insert(at, String::new());
                }
            }
            if next() % 4 == 0 {
                g.push(octets(&mut next));
            }
            format!("{}/{}", g.join(":"), next() % 131)
        };
        cases.push(s);
    }
    // Valid prefixes, and each with one character changed.
    let valid = [
        "192.0.2.0/24",
        "2603:1030:a02::600/121",
        "::ffff:192.0.2.1/128",
    ];
    for v in valid {
        for i in 0..v.len() {
            for c in ['.', ':', '/', '0', '9', 'f', 'g'] {
                cases.push(format!("{}{c}{}", &v[..i], &v[i + 1..]));
            }
        }
    }
    let mut accepted = 0;
    for s in &cases {
        let want = s.parse::<IpNet>().ok();
        assert_eq!(parse_net(s), want, "{s:?}");
        accepted += usize::from(want.is_some());
    }
    assert!(accepted > 20_000, "{accepted} of {} accepted", cases.len());
}

/// A small pseudo-random generator (xorshift) for the tests of this module and its children:
/// no crate, and the same numbers on every run.
pub(super) fn xorshift(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

#[test]
fn fast_prefix_text_is_display() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || xorshift(&mut x);
    let mut nets: Vec<IpNet> = [
        "0.0.0.0/0",
        "255.255.255.255/32",
        "20.0.0.0/8",
        "::/0",
        "::1/128",
        "1::/16",
        "2001:db8::1:0:0:1/128",
        "2001:0:0:1::1/128",
        "1:0:0:2:0:0:0:3/128",
        "fe80::/10",
        "::ffff:192.0.2.1/128",
        "1:2:3:4:5:6:7:8/64",
        "1:0:2:0:3:0:4:0/64",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    for _ in 0..20_000 {
        let (a, b) = (next(), next());
        // Zero groups often, so every compression case comes up.
        let mask = next();
        let v6 = ((a as u128) << 64 | b as u128)
            & !(0..8).fold(0u128, |m, i| {
                if mask >> (i * 3) & 3 == 0 {
                    m | 0xffff << (16 * i)
                } else {
                    m
                }
            });
        let len = (next() % 129) as u8;
        nets.push(IpNet::V6(Ipv6Net::new(v6.into(), len).unwrap()));
        nets.push(IpNet::V4(
            Ipv4Net::new((a as u32).into(), (b % 33) as u8).unwrap(),
        ));
    }
    for n in &nets {
        assert_eq!(net_string(n), n.to_string());
    }
}

#[test]
fn dated_file_names_age() {
    assert_eq!(file_name_day("ServiceTags_Public_19700101.json"), Some(0));
    assert_eq!(
        file_name_day("ServiceTags_Public_20000301.json"),
        Some(11_017)
    );
    assert_eq!(file_name_day("ServiceTags_Public.376.json"), None);
    assert_eq!(file_name_day("ServiceTags_Public_20251399.json"), None);
    let day = file_name_day("ServiceTags_China_20260720.json").unwrap();
    assert_eq!(
        staleness_warning("ServiceTags_China_20260720.json", day + 56),
        None
    );
    let w = staleness_warning("ServiceTags_China_20260720.json", day + 57).unwrap();
    assert!(w.contains("8 weeks old"), "{w}");
}
