//! Valid, unique Azure names for the rules of one resource.

use crate::export::naming::{azure_name, MAX_NAME_LEN};
use std::collections::BTreeSet;

/// `azure_name(parts)` cut short enough that `-suffix` still fits in 80 characters, so the
/// distinguishing suffix (protocol, address prefix) is never truncated away.
pub fn name_with_suffix(parts: &[&str], suffix: &str) -> String {
    let suffix = azure_name(&[suffix]);
    let keep = MAX_NAME_LEN.saturating_sub(suffix.len() + 1);
    let base: String = azure_name(parts).chars().take(keep).collect();
    azure_name(&[&base, &suffix])
}

/// Hands out valid Azure names, unique across one resource (a rule collection group, an
/// NSG): a clash (possible only after truncation to 80 characters or character replacement)
/// gets `-2`, `-3`... with the suffix kept whole.
#[derive(Default)]
pub struct Names(BTreeSet<String>);

impl Names {
    /// `azure_name(parts)`, made unique.
    pub fn take(&mut self, parts: &[&str]) -> String {
        self.claim(azure_name(parts))
    }

    /// `base` (already a valid name), made unique.
    pub fn claim(&mut self, base: String) -> String {
        let mut name = base.clone();
        let mut n = 2;
        while self.0.contains(&name) {
            name = name_with_suffix(&[&base], &n.to_string());
            n += 1;
        }
        self.0.insert(name.clone());
        name
    }
}

/// Makes names unique in order: a repeat gets `-2`, `-3`...
pub fn unique_names(names: &mut [String]) {
    let mut taken = Names::default();
    for n in names {
        *n = taken.claim(std::mem::take(n));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_get_a_suffix_that_survives_truncation() {
        let long = "a".repeat(MAX_NAME_LEN);
        let mut names = vec![
            long.clone(),
            long.clone(),
            "x".into(),
            "x".into(),
            "x".into(),
        ];
        unique_names(&mut names);
        assert_eq!(names[0], long);
        assert_eq!(names[1], format!("{}-2", "a".repeat(MAX_NAME_LEN - 2)));
        assert_eq!(names[2..], ["x", "x-2", "x-3"]);
        let mut taken = Names::default();
        assert_eq!(taken.take(&["p", "r"]), "p-r");
        assert_eq!(taken.take(&["p", "r"]), "p-r-2");
    }
}
