//! Small checks and text helpers of loading: unique ids, dates, kebab-case ids,
//! placeholders, and the edit distance behind "did you mean".

use super::*;

pub(super) fn unique<'a>(
    file: &str,
    what: &str,
    ids: impl Iterator<Item = &'a str>,
) -> Result<(), CatalogError> {
    let mut seen = BTreeSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(CatalogError::Invalid {
                file: file.to_string(),
                entry: format!("{what} {id}"),
                message: "id used twice".into(),
            });
        }
    }
    Ok(())
}

/// `YYYY-MM-DD` with plausible month and day (editions sort on it as text).
pub(super) fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) {
        return false;
    }
    if !digits(5..7) || !digits(8..10) {
        return false;
    }
    let month: u32 = s[5..7].parse().unwrap_or(0);
    let day: u32 = s[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

pub(super) fn is_kebab_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

pub(super) fn check_placeholders(value: &str) -> Result<(), String> {
    let mut rest = value;
    while let Some(start) = rest.find('<') {
        let end = rest[start..]
            .find('>')
            .ok_or_else(|| format!("unclosed placeholder in '{value}'"))?;
        let ph = &rest[start..start + end + 1];
        if !PLACEHOLDERS.contains(&ph) {
            return Err(format!(
                "unknown placeholder {ph} in '{value}' (known: {})",
                PLACEHOLDERS.join(", ")
            ));
        }
        rest = &rest[start + end + 1..];
    }
    Ok(())
}

/// `squash(s) == key`, without allocating.
pub(super) fn squashed_eq(s: &str, key: &str) -> bool {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .eq(key.chars())
}

pub(super) fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
