//! Whether each target expresses one rule: the answer the wizard's rule details give.
//!
//! A target's verdict on a rule is what its export says of it: covered, or listed as not
//! covered with the reason. Where the target's declaration already excludes the rule's shape
//! and says why (`Target::refusal`, the reason its export gives, checked by
//! tests/export_coverage.rs), that is the answer without rendering; otherwise the export is
//! asked. `Export::expressed` gives the same split for a whole rule set.

use super::{needs_service_tags, targets, Export, ExportOptions, Exporter};
use crate::rules::{Rule, RuleSet};
use crate::servicetags::TagIndex;
use std::fmt;

/// What one target does with one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Covered,
    NotCovered(String),
    /// The target needs the Service Tags file (`other_cloud`: one was given, of another cloud).
    NeedsServiceTags {
        other_cloud: bool,
    },
    /// The target refuses the whole rule set (a limit, a priority range).
    CannotRender(String),
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Covered => f.write_str("covered"),
            Verdict::NotCovered(reason) => write!(f, "NOT covered: {reason}"),
            Verdict::NeedsServiceTags { other_cloud: true } => {
                f.write_str("needs the Service Tags file of this cloud (--service-tags)")
            }
            Verdict::NeedsServiceTags { other_cloud: false } => {
                f.write_str("needs the Service Tags file (--service-tags)")
            }
            Verdict::CannotRender(e) => write!(f, "cannot render: {e}"),
        }
    }
}

/// Every target's verdict on the rule `rule_id` of `rs`, in registry order. `tags` is the
/// Service Tags file the caller has (a file of another cloud counts as none).
pub fn verdicts(
    rs: &RuleSet,
    rule_id: &str,
    tags: Option<&TagIndex>,
) -> Vec<(&'static dyn Exporter, Verdict)> {
    let usable = tags.filter(|t| t.check_cloud(rs.settings.cloud).is_ok());
    let rule = rs.rule(rule_id);
    let opts = ExportOptions {
        service_tags: tags,
        ..ExportOptions::default()
    };
    targets()
        .iter()
        .map(|&t| {
            let verdict = if needs_service_tags(t, rs) && usable.is_none() {
                Verdict::NeedsServiceTags {
                    other_cloud: tags.is_some(),
                }
            } else if let Some(why) = rule.and_then(|r| t.target().refusal(r)) {
                Verdict::NotCovered(why)
            } else {
                match t.render(rs, &opts) {
                    Err(e) => Verdict::CannotRender(e.to_string()),
                    Ok(out) => match out.unexpressed.iter().find(|u| u.rule_id == rule_id) {
                        Some(u) => Verdict::NotCovered(u.reason.clone()),
                        None => Verdict::Covered,
                    },
                }
            };
            (t, verdict)
        })
        .collect()
}

impl Export {
    /// The rules of `rs` this export expresses: every rule it does not list as not covered
    /// (one listed as `partly` covered is in the output).
    pub fn expressed<'a>(&'a self, rs: &'a RuleSet) -> impl Iterator<Item = &'a Rule> + 'a {
        rs.rules.iter().filter(|r| {
            !self
                .unexpressed
                .iter()
                .any(|u| u.rule_id == *r.id && !u.partly)
        })
    }
}
