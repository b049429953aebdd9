//! No target drops a rule silently (issue 15 D): for every target in the registry and several
//! profiles, with and without a Service Tags file and with tag expansion, each rule of the
//! rule set is either in the output or listed in `Export::unexpressed`.
//!
//! "In the output" is read from the text, as a user would look for it: the rule's id (most
//! formats name it in a comment or description), its remote end as a whole word (host lists,
//! Markdown), or for a service tag, an address prefix of the output that covers one of the
//! tag's (packet filters and IP lists write the aggregated prefixes, not the tag).

mod common;

use amlfw::export::{self, Export, ExportError, ExportOptions, Exporter};
use amlfw::rules::RuleSet;
use common::dropped;

fn profiles() -> Vec<(String, RuleSet)> {
    let mut all: Vec<(String, RuleSet)> = common::per_cloud_profiles()
        .into_iter()
        .map(|(n, rs)| (n.to_string(), rs))
        .collect();
    all.push((
        "public-small-no-sources".into(),
        common::rules("schema_version = 1\ncloud = \"public\"\nregion = \"westeurope\"\nfeatures = [\"compute-cluster\"]\n"),
    ));
    all
}

fn render(t: &dyn Exporter, rs: &RuleSet, opts: &ExportOptions) -> Option<Export> {
    match t.render(rs, opts) {
        Ok(out) => Some(out),
        // A refusal is loud, not a silent drop.
        Err(ExportError::NeedsServiceTags { .. }) => {
            assert!(opts.service_tags.is_none(), "{}", t.id());
            None
        }
        Err(e) => panic!("{}: {e}", t.id()),
    }
}

#[test]
fn every_rule_is_expressed_or_listed_as_not_covered_by_every_target() {
    let (mut checked, mut failures) = (0, Vec::new());
    for (name, rs) in profiles() {
        let tags = common::service_tags(rs.settings.cloud);
        let options = [
            ExportOptions::default(),
            ExportOptions {
                service_tags: Some(tags),
                ..ExportOptions::default()
            },
            ExportOptions {
                service_tags: Some(tags),
                expand_tags: true,
            },
        ];
        for t in export::targets() {
            for opts in &options {
                let Some(out) = render(*t, &rs, opts) else {
                    continue;
                };
                for r in rs.rules.iter().filter(|r| !t.target().may_express(r)) {
                    if !out.unexpressed.iter().any(|u| u.rule_id == *r.id) {
                        failures.push(format!(
                            "{name} {}: {} is outside the declaration but not listed",
                            t.id(),
                            r.id
                        ));
                    }
                }
                let lost = dropped(&rs, &out, opts.service_tags);
                let lost: Vec<_> = lost.iter().map(|r| (&*r.id, &*r.remote)).collect();
                if !lost.is_empty() {
                    failures.push(format!(
                        "{name} {} (tags file: {}, expand: {}): dropped {lost:?}",
                        t.id(),
                        opts.service_tags.is_some(),
                        opts.expand_tags
                    ));
                }
                checked += 1;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > export::targets().len() * 7, "{checked}");
}

/// The check above can fail: a rule the export never saw is reported, in a template that names
/// rules (NSG) and in a list of addresses (IP list).
#[test]
fn a_rule_missing_from_both_is_found() {
    let mut rs = common::full_public();
    let tags = common::service_tags(rs.settings.cloud);
    let opts = ExportOptions {
        service_tags: Some(tags),
        ..ExportOptions::default()
    };
    for target in ["nsg-arm", "edl-ip"] {
        let out = export::find(target).unwrap().render(&rs, &opts).unwrap();
        let mut ghost = rs.rules[0].clone();
        ghost.id = "zz-ghost".into();
        ghost.set_remote("ghost.example.org");
        rs.rules.push(ghost);
        let lost: Vec<&str> = dropped(&rs, &out, Some(tags))
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(lost, ["zz-ghost"], "{target}");
        rs.rules.pop();
    }
}
