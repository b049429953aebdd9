use super::block::classify_bytes;
use super::*;
use crate::servicetags::TagIndex;

/// `n` bytes drawn from `alphabet`.
fn bytes(seed: &mut u64, n: usize, alphabet: &[u8]) -> Vec<u8> {
    (0..n)
        .map(|_| {
            alphabet[(crate::servicetags::tests::xorshift(seed) % alphabet.len() as u64) as usize]
        })
        .collect()
}

#[test]
fn the_vector_masks_are_the_bytewise_ones() {
    let plain: Vec<u8> = (b' '..0x80)
        .chain([b'\n'])
        .filter(|&c| c != b'\\')
        .collect();
    let mut all: Vec<u8> = (0..=255).collect();
    // Mostly the bytes that matter, so that blocks of them are common.
    all.extend_from_slice(b"\"\",,  \n\n\\\\\x1f\x7f\x80\xff!#");
    let mut seed = 0x2545_f491_4f6c_dd1d;
    for round in 0..20_000 {
        let alphabet = if round % 2 == 0 { &plain } else { &all };
        let block: [u8; BLOCK] = bytes(&mut seed, BLOCK, alphabet).try_into().unwrap();
        let (fast, slow) = (classify(&block), classify_bytes(&block));
        assert_eq!(fast.bad, slow.bad, "{block:?}");
        if !slow.bad {
            assert_eq!(fast, slow, "{block:?}");
        }
        let expected = block
            .iter()
            .enumerate()
            .fold(0, |m, (i, &c)| m | u64::from(c == b'\n') << i);
        assert_eq!(newlines(&block), expected);
    }
    // Each bad byte alone, at each end.
    for c in (0..0x20).filter(|&c| c != b'\n').chain([b'\\', 0x80, 0xff]) {
        for at in [0, BLOCK - 1] {
            let mut block = [b'a'; BLOCK];
            block[at] = c;
            assert!(classify(&block).bad, "{c:#x} at {at}");
        }
    }
}

#[test]
fn prefix_xor_marks_the_inside_of_strings() {
    let quotes = |s: &str| {
        s.bytes()
            .enumerate()
            .fold(0u64, |m, (i, c)| m | u64::from(c == b'"') << i)
    };
    let marks = |s: &str| {
        s.bytes()
            .enumerate()
            .fold(0u64, |m, (i, c)| m | u64::from(c == b'x') << i)
    };
    // `x` marks what is inside a string, its opening quote included.
    for (text, inside) in [
        (r#"["ab", "c"]"#, r#" xxx   xx  "#),
        (r#""""#, r#"x "#),
        (r#"a"b"c"d""#, r#" xx  xx "#),
    ] {
        assert_eq!(prefix_xor(quotes(text)), marks(inside), "{text}");
    }
    assert_eq!(prefix_xor(1 << 63), 1 << 63);
    assert_eq!(prefix_xor(1), u64::MAX);
}

#[test]
fn scalars_are_json_numbers_and_literals() {
    for ok in [
        "0", "-0", "7", "376", "-12", "1.5", "0.0", "1e9", "1E+9", "2e-3", "-0.5e10", "true",
        "false", "null",
    ] {
        assert!(scalar(ok.as_bytes()), "{ok}");
    }
    for bad in [
        "", "-", "01", "-01", "1.", ".5", "1e", "1e+", "+1", "1.5.2", "0x1", "tru", "nul", "truee",
        "NaN", "Infinity", "1-", "--1", "1e5e5", "00",
    ] {
        assert!(!scalar(bad.as_bytes()), "{bad}");
    }
}

/// A document in the plain form with every kind of JSON value, at every depth the scan treats
/// apart (the file, `values`, an entry, its properties and deeper).
const PLAIN: &str = "{\n  \"changeNumber\": 12,\n  \"cloud\": \"Public\",\n  \"values\": [\n    {\n      \"name\": \"Ab\",\n      \"id\": \"Ab\",\n      \"n\": -1.5e3,\n      \"properties\": {\n        \"changeNumber\": 3,\n        \"region\": \"\",\n        \"ok\": true,\n        \"no\": [false, null, {}, [], [[]], {\"a\": {\"b\": 0}}],\n        \"addressPrefixes\": [\n          \"20.0.0.0/24\",\n          \"2001:db8::/48\"\n        ],\n        \"networkFeatures\": [\"API\", \"NSG\"]\n      }\n    },\n    {\"name\": \"Cde\", \"properties\": {\"addressPrefixes\": [\"10.1.0.0/16\", \"10.2.0.0/16\"]}, \"x\": [1, 2]},\n    {\n      \"name\": \"Hij\",\n      \"properties\": {\n        \"addressPrefixes\": [\n          \"10.3.0.0/16\",\n          \"10.4.0.0/16\",\n          \"10.5.0.0/16\",\n          \"10.6.0.0/16\",\n          \"2001:db8:1::/48\",\n          \"2001:db8:2::/48\"\n        ]\n      }\n    },\n    {\"name\": \"Fg\", \"properties\": {\"addressPrefixes\": []}}\n  ]\n}\n";

/// The scan never accepts what the full parse refuses, and where it accepts it keeps what the
/// full parse keeps, whatever the chunks: checked on every document that one byte changed,
/// removed or added makes of `PLAIN` (the fuzz target `service_tags` does the same at random).
#[test]
fn the_scan_agrees_with_the_full_parse_on_every_one_byte_change() {
    let keep = |n: &str| n.len() % 2 == 0;
    let summary = |t: &TagIndex| {
        let names = t.names();
        // Each kept tag's prefixes as parsed (or the error naming its bad one).
        let prefixes: Vec<_> = names
            .iter()
            .map(|n| format!("{:?}", t.get(n).unwrap().prefixes()))
            .collect();
        (t.cloud.clone(), t.change_number, names.join(","), prefixes)
    };
    let original = TagIndex::from_json_keeping_scan(PLAIN, keep, 64)
        .expect("the plain form is scanned")
        .unwrap();
    assert_eq!(original.names(), ["Ab", "Fg"]);
    let replacements = b"\"{}[],: \n0-.eE+tfn1a\\\t\r\x7f";
    let mut changed = Vec::new();
    for i in 0..PLAIN.len() {
        let (head, tail) = PLAIN.split_at(i);
        changed.push(format!("{head}{}", &tail[1..]));
        for &c in replacements {
            changed.push(format!("{head}{}{}", c as char, &tail[1..]));
            changed.push(format!("{head}{}{tail}", c as char));
        }
    }
    let mut answered = 0;
    for text in &changed {
        let full = TagIndex::from_json_keeping_full(text, keep);
        let mut answers = [1, 7, 64, 4096].map(|chunk| {
            TagIndex::from_json_keeping_scan(text, keep, chunk).map(|r| r.map(|t| summary(&t)))
        });
        assert!(
            answers.windows(2).all(|w| w[0] == w[1]),
            "{text}: the chunks disagree"
        );
        let Some(fast) = answers[0].take() else {
            continue;
        };
        answered += 1;
        match (fast, full) {
            (Ok(fast), Ok(full)) => assert_eq!(fast, summary(&full), "{text}"),
            (Err(a), Err(b)) => assert_eq!(a, b, "{text}"),
            (fast, full) => panic!(
                "{text}: scan {fast:?}, full parse {:?}",
                full.map(|t| summary(&t))
            ),
        }
    }
    // The scan takes the changes that keep the plain form valid (inside strings, mostly).
    assert!(
        answered > changed.len() / 10,
        "{answered} of {}",
        changed.len()
    );
}
