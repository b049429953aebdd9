//! What a change of choices did to the rules: "+3 rules, -1 warning", the new rows marked and
//! scrolled into view, and why a feature toggle changed nothing ("already needed by
//! compute-instance"). `App::refresh` calls `note_change` after every change.

use super::app::{App, Level, Status};
use crate::rules::RuleSet;
use ratatui::text::{Line, Span};
use std::collections::HashSet;

/// The difference between two rule sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    /// Ids of the rules that are new, in the new set's order.
    pub added: Vec<String>,
    pub removed: usize,
    pub warnings_added: usize,
    pub warnings_removed: usize,
}

impl Change {
    pub fn between(before: &RuleSet, after: &RuleSet) -> Change {
        let old: HashSet<&str> = before.rules.iter().map(|r| r.id.as_str()).collect();
        let new: HashSet<&str> = after.rules.iter().map(|r| r.id.as_str()).collect();
        let old_w: HashSet<&str> = before.warnings.iter().map(|w| &*w.message).collect();
        let new_w: HashSet<&str> = after.warnings.iter().map(|w| &*w.message).collect();
        Change {
            added: after
                .rules
                .iter()
                .filter(|r| !old.contains(r.id.as_str()))
                .map(|r| r.id.to_string())
                .collect(),
            removed: old.difference(&new).count(),
            warnings_added: new_w.difference(&old_w).count(),
            warnings_removed: old_w.difference(&new_w).count(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed == 0
            && self.warnings_added == 0
            && self.warnings_removed == 0
    }

    /// "+3 rules, -1 warning"; empty when nothing changed.
    pub fn summary(&self) -> String {
        let count = |sign: char, n: usize, what: &str| {
            (n > 0).then(|| format!("{sign}{n} {what}{}", if n == 1 { "" } else { "s" }))
        };
        [
            count('+', self.added.len(), "rule"),
            count('-', self.removed, "rule"),
            count('+', self.warnings_added, "warning"),
            count('-', self.warnings_removed, "warning"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
    }
}

/// The other features that need the rules `feature` needs, in rule order, and whether some
/// of them are always needed.
pub fn also_needed_by(rs: &RuleSet, feature: &str) -> (Vec<String>, bool) {
    let mut others: Vec<String> = Vec::new();
    let mut always = false;
    for r in rs
        .rules
        .iter()
        .filter(|r| r.features.iter().any(|f| f.as_str() == feature))
    {
        always |= r.always;
        for f in r.features.iter().filter(|f| f.as_str() != feature) {
            if !others.iter().any(|o| o == f.as_str()) {
                others.push(f.to_string());
            }
        }
    }
    (others, always)
}

/// Why ticking (`on`) or unticking `feature` changed no rule; `needers` from `also_needed_by`
/// on the rule set that has the feature.
pub fn why_unchanged(feature: &str, needers: &(Vec<String>, bool)) -> String {
    match needers {
        (o, _) if !o.is_empty() => format!("no rule changed: already needed by {}", o.join(", ")),
        (_, true) => "no rule changed: its rules are always needed".to_string(),
        _ => format!("no rule changed: {feature} adds no rules for these choices"),
    }
}

/// A preview row of a rule the last change added: `+` instead of the blank marker, and
/// the "ok" colour unless the row is selected.
pub fn mark_new<'a>(app: &App, line: Line<'a>, selected: bool) -> Line<'a> {
    if selected {
        return line;
    }
    let mut spans = line.spans;
    if let Some(first) = spans.first_mut() {
        *first = Span::raw("+ ");
    }
    Line::from(spans).style(app.theme.ok())
}

impl App<'_> {
    /// After a change of choices: marks the new rules and scrolls the preview to them.
    /// Returns what changed (empty when there was no rule set before or after).
    pub(crate) fn note_change(&mut self, before: Option<&RuleSet>, height: usize) -> Change {
        let change = match (before, &self.rules) {
            (Some(b), Ok(a)) => Change::between(b, a),
            _ => Change::default(),
        };
        self.preview.new_rules = change.added.iter().cloned().collect();
        if let (Some(first), Ok(rs)) = (change.added.first(), &self.rules) {
            // Scroll so the first new row is at the top (the cursor stays where it was: the
            // next move brings it back into view).
            if let Some(f) = rs
                .rules
                .iter()
                .position(|r| r.id.as_str() == first.as_str())
            {
                let n = rs.rules.len();
                self.preview.nav.offset = f.min(n.saturating_sub(height.max(1)));
            }
        }
        change
    }

    /// Appends what the change did, or why it did nothing, to the status just said.
    pub(crate) fn tell_change(&mut self, change: &Change, unchanged: impl FnOnce() -> String) {
        let more = if change.is_empty() {
            unchanged()
        } else {
            change.summary()
        };
        match &mut self.status {
            Some(s) => s.text = format!("{}: {more}", s.text),
            None => {
                self.status = Some(Status {
                    text: more,
                    level: Level::Info,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts_in_words() {
        let c = Change {
            added: vec!["a".into(), "b".into(), "c".into()],
            removed: 0,
            warnings_added: 0,
            warnings_removed: 1,
        };
        assert_eq!(c.summary(), "+3 rules, -1 warning");
        assert!(!c.is_empty());
        assert!(Change::default().is_empty());
        assert_eq!(Change::default().summary(), "");
        assert_eq!(
            why_unchanged("x", &(vec!["compute-instance".into()], false)),
            "no rule changed: already needed by compute-instance"
        );
        assert!(why_unchanged("x", &(vec![], true)).contains("always needed"));
        assert!(why_unchanged("x", &(vec![], false)).contains("x adds no rules"));
    }
}
