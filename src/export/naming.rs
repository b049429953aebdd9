//! Names and priorities for generated rules: deterministic (derived from requirement ids, so
//! re-exports diff cleanly), valid for Azure, unique, and within each target's range.

use super::ExportError;

/// Azure's rule and collection names: letters, digits, `_`, `.`, `-`; start with a letter or
/// digit; end with a letter, digit or `_`; at most 80 characters.
pub const MAX_NAME_LEN: usize = 80;

/// Joins parts with `-` into a valid Azure name: characters outside the allowed set become `-`,
/// and leading/trailing characters Azure refuses there are trimmed.
pub fn azure_name(parts: &[&str]) -> String {
    let joined = parts.join("-");
    let mut name: String = joined
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    name.truncate(MAX_NAME_LEN);
    let name = name.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
    let name = name.trim_end_matches(['.', '-']);
    if name.is_empty() {
        "rule".to_string()
    } else {
        name.to_string()
    }
}

/// The start of a rule's name: the prefix, then the rule id, without saying the prefix twice
/// (`aml` + `aml-tag-aad` is `aml-tag-aad`, not `aml-aml-tag-aad`).
pub fn rule_stem(prefix: &str, id: &str) -> String {
    let doubled = id
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
        && id[prefix.len()..].starts_with('-');
    if doubled || prefix.is_empty() {
        id.to_string()
    } else {
        format!("{prefix}-{id}")
    }
}

/// Whether `name` is a valid Azure rule/collection name.
pub fn is_valid_azure_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_NAME_LEN
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(b))
        && (bytes[bytes.len() - 1].is_ascii_alphanumeric() || bytes[bytes.len() - 1] == b'_')
}

/// The name prefix as used in chain, table, set and ACL names. Profiles validate it (a letter,
/// then letters, digits, `-`, `_`; at most 20), but a rule set can be built by hand, so an
/// invalid one is reduced to those characters instead of reaching the output.
pub fn safe_prefix(p: &str) -> String {
    if crate::profile::validate_name_prefix(p).is_ok() {
        return p.to_string();
    }
    let mut s: String = p
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        s.insert(0, 'x');
    }
    s.truncate(20);
    s
}

/// A header line when `safe_prefix` had to change the prefix, so the admin sees why names differ.
pub fn prefix_note(p: &str) -> Option<String> {
    let safe = safe_prefix(p);
    (safe != p).then(|| format!("Name prefix '{p}' is not a valid name part: using '{safe}'"))
}

/// A rule id as a comment/label token: only `[A-Za-z0-9._:-]`, so it needs no quoting anywhere.
pub fn safe_id(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._:-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if s.is_empty() {
        "rule".into()
    } else {
        s
    }
}

/// `count` distinct priorities from `base` upwards, within `range`, `step` apart where they
/// fit, else 1 apart. Fails, naming the numbers, when even that does not fit.
pub fn priorities(
    base: u32,
    count: usize,
    step: u32,
    range: std::ops::RangeInclusive<u32>,
    what: &str,
) -> Result<Vec<u32>, ExportError> {
    free_priorities(base, count, step, range, &[], what)
}

/// `count` priorities from `base` up, `step` apart where they fit, else 1 apart, none of them in
/// `taken` (priorities the target already uses); below `base` only when nothing above is left.
pub fn free_priorities(
    base: u32,
    count: usize,
    step: u32,
    range: std::ops::RangeInclusive<u32>,
    taken: &[u32],
    what: &str,
) -> Result<Vec<u32>, ExportError> {
    let (lo, hi) = (*range.start(), *range.end());
    if count == 0 {
        return Ok(Vec::new());
    }
    if !(lo..=hi).contains(&base) {
        return Err(ExportError::Priority(format!(
            "{what}: priority base {base} is outside {lo}-{hi}"
        )));
    }
    let pick = |from: u32, s: u32| -> Option<Vec<u32>> {
        let out: Vec<u32> = (from..=hi)
            .step_by(s as usize)
            .filter(|p| !taken.contains(p))
            .take(count)
            .collect();
        (out.len() == count).then_some(out)
    };
    if let Some(p) = pick(base, step.max(1)).or_else(|| pick(base, 1)) {
        return Ok(p);
    }
    if !taken.is_empty() {
        if let Some(p) = pick(lo, 1) {
            return Ok(p);
        }
        let free = (lo..=hi).filter(|p| !taken.contains(p)).count();
        return Err(ExportError::Priority(format!(
            "{what}: {count} rules need free priorities, and the target has only {free} left between {lo} and {hi} (the others are taken by its rules)"
        )));
    }
    Err(ExportError::Priority(format!(
        "{what}: {count} rules do not fit between priority {base} and {hi}; lower the priority base (--priority-base)"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_valid() {
        assert_eq!(azure_name(&["aml", "aml-tag-aad"]), "aml-aml-tag-aad");
        assert_eq!(rule_stem("aml", "aml-tag-aad"), "aml-tag-aad");
        assert_eq!(rule_stem("AML", "aml-tag-aad"), "aml-tag-aad");
        assert_eq!(rule_stem("prod", "aml-tag-aad"), "prod-aml-tag-aad");
        assert_eq!(rule_stem("aml", "aks-net-ntp"), "aml-aks-net-ntp");
        assert_eq!(rule_stem("am", "aml-tag-aad"), "am-aml-tag-aad");
        assert_eq!(azure_name(&["a b$", "x."]), "a-b--x");
        assert!(is_valid_azure_name(&azure_name(&["-x-", &"y".repeat(100)])));
        assert_eq!(azure_name(&["--"]), "rule");
        assert!(!is_valid_azure_name("a-"));
        assert!(is_valid_azure_name("a_"));
    }

    #[test]
    fn priorities_step_then_compress_then_fail() {
        assert_eq!(
            priorities(100, 3, 10, 100..=4096, "x").unwrap(),
            [100, 110, 120]
        );
        assert_eq!(
            priorities(4000, 3, 100, 100..=4096, "x").unwrap(),
            [4000, 4001, 4002]
        );
        assert!(priorities(4090, 10, 10, 100..=4096, "x").is_err());
        assert!(priorities(50, 1, 10, 100..=4096, "x").is_err());
    }

    #[test]
    fn free_priorities_skip_the_taken_ones() {
        let taken = [1000, 1020];
        assert_eq!(
            free_priorities(1000, 3, 10, 100..=4096, &taken, "x").unwrap(),
            [1010, 1030, 1040]
        );
        // Nothing left above the base: below it.
        assert_eq!(
            free_priorities(4095, 2, 10, 100..=4096, &[4095, 4096], "x").unwrap(),
            [100, 101]
        );
        let all: Vec<u32> = (100..=4096).collect();
        let e = free_priorities(1000, 1, 10, 100..=4096, &all, "x").unwrap_err();
        assert!(e.to_string().contains("only 0 left"), "{e}");
    }
}
