//! No target drops a rule silently (issue 15 D): for every target in the registry and several
//! profiles, with and without a Service Tags file and with tag expansion, each rule of the
//! rule set is either in the output or listed in `Export::unexpressed`.
//!
//! "In the output" is read from the text, as a user would look for it: the rule's id (most
//! formats name it in a comment or description), its remote end as a whole word (host lists,
//! Markdown), or for a service tag, an address prefix of the output that covers one of the
//! tag's (packet filters and IP lists write the aggregated prefixes, not the tag).

mod common;

use amlfw::export::{
    self, Export, ExportError, ExportOptions, Exporter, Family, TagsUse, Target, Unexpressed,
};
use amlfw::rules::RuleSet;
use common::dropped;

/// Where an export contradicts its target's declaration: a rule of a shape the target does
/// not declare that the export does not list, or lists with another reason than the declared
/// one (the wizard shows the declared reason without rendering).
fn declaration_gaps(name: &str, t: &dyn Exporter, rs: &RuleSet, out: &Export) -> Vec<String> {
    let mut gaps = Vec::new();
    for r in rs.rules.iter().filter(|r| !t.target().may_express(r)) {
        let listed = out.unexpressed.iter().find(|u| u.rule_id == *r.id);
        match (listed, t.target().refusal(r)) {
            (None, _) => gaps.push(format!(
                "{name} {}: {} is outside the declaration but not listed",
                t.id(),
                r.id
            )),
            (Some(u), Some(why)) if u.reason != why => gaps.push(format!(
                "{name} {}: {} listed as '{}', declared '{why}'",
                t.id(),
                r.id,
                u.reason
            )),
            _ => {}
        }
    }
    gaps
}

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
                existing: None,
            },
        ];
        for t in export::targets() {
            for opts in &options {
                let Some(out) = render(*t, &rs, opts) else {
                    continue;
                };
                failures.extend(declaration_gaps(&name, *t, &rs, &out));
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

/// A target that declares nothing and gives another reason than it declares, or lists nothing.
struct Contrary(bool);

const CONTRARY: Target = Target {
    id: "contrary",
    name: "test",
    family: Family::Generic,
    extension: "txt",
    can: "",
    cannot: "",
    tags_use: TagsUse::No,
    expresses: &[],
    refuse: Some(|_| "declared".to_string()),
};

impl Exporter for Contrary {
    fn target(&self) -> &Target {
        &CONTRARY
    }
    fn render(&self, rs: &RuleSet, _: &ExportOptions) -> Result<Export, ExportError> {
        let unexpressed = rs
            .rules
            .iter()
            .filter(|_| self.0)
            .map(|r| Unexpressed {
                rule_id: r.id.to_string(),
                remote: r.remote.to_string(),
                reason: "something else".into(),
                partly: false,
            })
            .collect();
        Ok(Export::new(String::new(), unexpressed))
    }
}

#[test]
fn an_export_that_contradicts_its_declaration_is_found() {
    let rs = common::full_public();
    for (lists, says) in [(true, "declared 'declared'"), (false, "not listed")] {
        let t = Contrary(lists);
        let out = t.render(&rs, &ExportOptions::default()).unwrap();
        let gaps = declaration_gaps("full", &t, &rs, &out);
        assert_eq!(gaps.len(), rs.rules.len(), "{gaps:?}");
        assert!(gaps.iter().all(|g| g.contains(says)), "{gaps:?}");
    }
}
