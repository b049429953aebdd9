//! The aerleon target, checked by aerleon itself: its `aclgen` (pinned in .ci/requirements.txt,
//! in the validators' venv) must generate every platform below from amlfw's directory for the
//! public, usgov and china profiles, and its iptables output must allow exactly what amlfw's own
//! `iptables` (IPv4) and `ip6tables` (IPv6, the policy's header switched to `inet6`) targets
//! allow: same sources, destinations, protocols and ports.

mod common;

use amlfw::export::{self, aerleon, ExportOptions, FileSet};
use amlfw::rules::RuleSet;
use amlfw::Kind;
use common::{missing_validator, per_cloud_profiles, service_tags, venv};
use ipnet::IpNet;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Platform and the file aclgen writes for it (policy `amlfw.yaml`).
const PLATFORMS: &[(&str, &str)] = &[
    ("paloalto", "amlfw.xml"),
    ("srx", "amlfw.srx"),
    ("juniper", "amlfw.jcl"),
    ("cisco", "amlfw.acl"),
    ("ciscoasa", "amlfw.asa"),
    ("arista", "amlfw.eacl"),
    ("fortigate", "amlfw.fgacl"),
    ("iptables", "amlfw"),
    ("nftables", "amlfw.nft"),
    ("gce", "amlfw.gce"),
    ("k8s", "amlfw.yml"),
];

fn aclgen() -> Option<PathBuf> {
    let p = venv().join("bin/aclgen");
    p.is_file().then_some(p)
}

fn files(rs: &RuleSet, platforms: &[&str]) -> FileSet {
    let t = export::find("aerleon").unwrap();
    let opts = ExportOptions {
        service_tags: Some(service_tags(rs.settings.cloud)),
        ..ExportOptions::default()
    };
    let platforms: Vec<String> = platforms.iter().map(|p| p.to_string()).collect();
    t.render_files(rs, &opts, &platforms)
        .expect("a multi-file target")
        .unwrap_or_else(|e| panic!("aerleon render failed: {e}"))
}

/// Writes the files into a temporary directory, runs aclgen on it, returns the output dir.
fn generate(set: &FileSet, aclgen: &Path) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    amlfw::fsio::write_dir_atomic(&d.path().join("in"), &set.files, None).unwrap();
    let out = d.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let run = Command::new(aclgen)
        .arg("--base_directory")
        .arg(d.path().join("in/policies"))
        .arg("--definitions_directory")
        .arg(d.path().join("in/def"))
        .arg("--output_directory")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success() && !stderr.contains("error encountered") && !stderr.contains("Error"),
        "aclgen failed ({}):\n{}",
        run.status,
        stderr
            .lines()
            .filter(|l| !l.contains("not being rendered for inet"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    (d, out)
}

#[test]
#[ignore = "needs aerleon (the validators venv): bash .ci/run runs it (cargo test -- --ignored)"]
fn aclgen_generates_every_platform_for_each_cloud() {
    let Some(aclgen) = aclgen() else {
        missing_validator("aerleon (aclgen, pip install -r .ci/requirements.txt)");
    };
    let ids: Vec<&str> = PLATFORMS.iter().map(|(p, _)| *p).collect();
    for (name, rs) in per_cloud_profiles() {
        let set = files(&rs, &ids);
        let (_keep, out) = generate(&set, &aclgen);
        for (platform, file) in PLATFORMS {
            let text = std::fs::read_to_string(out.join(file))
                .unwrap_or_else(|e| panic!("{name}: aclgen wrote no {file} for {platform}: {e}"));
            // Every term that aerleon kept names its requirement id in the output, and a
            // service tag's first prefix reached the address-based platforms.
            assert!(text.len() > 1000, "{name}/{platform}: output too short");
        }
        // Spot check: a Palo Alto security rule per egress term, with the tag's addresses.
        let pan = std::fs::read_to_string(out.join("amlfw.xml")).unwrap();
        let first_tag = rs
            .rules
            .iter()
            .find(|r| r.kind == Kind::ServiceTag)
            .unwrap();
        let prefix = service_tags(rs.settings.cloud)
            .expand([first_tag.remote.as_str()])
            .unwrap()
            .v4[0];
        assert!(
            pan.contains(&prefix.to_string()),
            "{name}: {prefix} of {} missing in the Palo Alto config",
            first_tag.remote
        );
    }
}

#[test]
#[ignore = "needs aerleon (the validators venv): bash .ci/run runs it (cargo test -- --ignored)"]
fn the_default_platform_set_generates() {
    let Some(aclgen) = aclgen() else {
        missing_validator("aerleon (aclgen)");
    };
    let rs = &per_cloud_profiles()[0].1;
    let (_keep, out) = generate(&files(rs, &[]), &aclgen);
    for p in aerleon::DEFAULT_PLATFORMS {
        let file = PLATFORMS.iter().find(|(q, _)| q == p).unwrap().1;
        assert!(out.join(file).is_file(), "default platform {p}: no {file}");
    }
    assert!(!out.join("amlfw.gce").exists(), "gce is not a default");
}

/// What a restore file accepts: (source, destination, protocol) -> merged port intervals.
type Allowed = BTreeMap<(String, String, String), Vec<(u16, u16)>>;

fn tokens(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn arg<'a>(t: &'a [String], flag: &str) -> Option<&'a str> {
    t.iter().position(|x| x == flag).map(|i| t[i + 1].as_str())
}

fn ports(t: &[String]) -> Vec<(u16, u16)> {
    let spec = arg(t, "--dport").or_else(|| arg(t, "--dports"));
    let Some(spec) = spec else {
        return vec![(0, 65535)];
    };
    spec.split(',')
        .map(|p| match p.split_once(':') {
            Some((a, b)) => (a.parse().unwrap(), b.parse().unwrap()),
            None => {
                let n = p.parse().unwrap();
                (n, n)
            }
        })
        .collect()
}

fn merge(v: &mut Vec<(u16, u16)>) {
    v.sort_unstable();
    let mut out: Vec<(u16, u16)> = Vec::new();
    for (a, b) in v.drain(..) {
        match out.last_mut() {
            Some(l) if u32::from(a) <= u32::from(l.1) + 1 => l.1 = l.1.max(b),
            _ => out.push((a, b)),
        }
    }
    *v = out;
}

/// The complement check: the RETURNed networks and `kept` do not overlap and together cover
/// the whole address family, so "not RETURNed" is exactly `kept`.
fn complement_of(returned: &[IpNet], kept: &[IpNet]) -> bool {
    let overlap = returned
        .iter()
        .any(|r| kept.iter().any(|k| r.contains(k) || k.contains(r)));
    let all: Vec<IpNet> = returned.iter().chain(kept).copied().collect();
    let whole = IpNet::aggregate(&all);
    !overlap && whole.len() == 1 && whole[0].prefix_len() == 0
}

/// Parses iptables-restore text. Sources or destinations that aerleon writes as RETURN rules
/// for the complement are checked against `local` and replaced by it.
fn allowed(text: &str, local: &[IpNet]) -> Allowed {
    let lines: Vec<Vec<String>> = text
        .lines()
        .filter(|l| l.starts_with("-A "))
        .map(tokens)
        .collect();
    let mut returns: BTreeMap<&str, (Vec<IpNet>, Vec<IpNet>)> = BTreeMap::new();
    for t in lines.iter().filter(|t| arg(t, "-j") == Some("RETURN")) {
        let e = returns.entry(&t[1]).or_default();
        if let Some(s) = arg(t, "-s") {
            e.0.push(s.parse().unwrap());
        }
        if let Some(d) = arg(t, "-d") {
            e.1.push(d.parse().unwrap());
        }
    }
    let any = vec!["any".to_string()];
    let locals: Vec<String> = local.iter().map(|n| n.to_string()).collect();
    let side = |given: Option<&str>, ret: Option<&Vec<IpNet>>| -> Vec<String> {
        match (given, ret) {
            (Some(x), _) => vec![x.to_string()],
            (None, Some(r)) if !r.is_empty() => {
                assert!(
                    complement_of(r, local),
                    "RETURN rules are not the complement of {local:?}"
                );
                locals.clone()
            }
            _ => any.clone(),
        }
    };
    let mut out = Allowed::new();
    for t in lines.iter().filter(|t| arg(t, "-j") == Some("ACCEPT")) {
        let r = returns.get(t[1].as_str());
        let srcs = side(arg(t, "-s"), r.map(|r| &r.0));
        let dsts = side(arg(t, "-d"), r.map(|r| &r.1));
        let proto = arg(t, "-p").unwrap_or("all").to_string();
        for s in &srcs {
            for d in &dsts {
                out.entry((s.clone(), d.clone(), proto.clone()))
                    .or_default()
                    .extend(ports(t));
            }
        }
    }
    out.values_mut().for_each(merge);
    out
}

/// Compares aerleon's iptables output with amlfw's target of the same family: `iptables`
/// (IPv4, the policy's `inet` header) and `ip6tables` (IPv6, the same policy with `inet6`).
fn compare_iptables(v6: bool) {
    let Some(aclgen) = aclgen() else {
        missing_validator("aerleon (aclgen)");
    };
    let mut compared = 0;
    for (name, rs) in per_cloud_profiles() {
        let local: Vec<IpNet> = rs
            .settings
            .sources
            .iter()
            .filter(|n| matches!(n, IpNet::V6(_)) == v6)
            .copied()
            .collect();
        let mut set = files(&rs, &["iptables"]);
        if v6 {
            let policy = &mut set.files[0].1;
            assert!(policy.contains("-OUT inet\""), "the iptables header");
            *policy = policy
                .replace("-OUT inet\"", "-OUT inet6\"")
                .replace("-IN inet\"", "-IN inet6\"");
        }
        let (_keep, out) = generate(&set, &aclgen);
        let theirs = allowed(&std::fs::read_to_string(out.join("amlfw")).unwrap(), &local);
        let target = if v6 { "ip6tables" } else { "iptables" };
        let ours = allowed(&common::render(target, &rs).text, &local);
        compared += ours.len();
        let (a, b): (BTreeSet<_>, BTreeSet<_>) = (ours.keys().collect(), theirs.keys().collect());
        let only_ours: Vec<_> = a.difference(&b).take(5).collect();
        let only_theirs: Vec<_> = b.difference(&a).take(5).collect();
        assert!(
            only_ours.is_empty() && only_theirs.is_empty(),
            "{name} {target}: address/protocol sets differ: only amlfw {only_ours:?}, only aerleon {only_theirs:?}"
        );
        for (k, v) in &ours {
            assert_eq!(v, &theirs[k], "{name} {target}: ports of {k:?}");
        }
    }
    assert!(
        compared > 100,
        "too little compared ({compared}): the profiles lost their rules?"
    );
}

#[test]
#[ignore = "needs aerleon (the validators venv): bash .ci/run runs it (cargo test -- --ignored)"]
fn aerleon_iptables_allows_what_amlfw_iptables_allows() {
    compare_iptables(false);
}

#[test]
#[ignore = "needs aerleon (the validators venv): bash .ci/run runs it (cargo test -- --ignored)"]
fn aerleon_ip6tables_allows_what_amlfw_ip6tables_allows() {
    compare_iptables(true);
}

#[test]
fn every_tag_is_one_network_of_its_aggregated_prefixes_and_hosts_are_listed() {
    for (name, rs) in per_cloud_profiles() {
        let set = files(&rs, &[]);
        let nets = &set
            .files
            .iter()
            .find(|(p, _)| p == aerleon::NETWORKS_FILE)
            .unwrap()
            .1;
        let policy = &set
            .files
            .iter()
            .find(|(p, _)| p == aerleon::POLICY_FILE)
            .unwrap()
            .1;
        let tags = service_tags(rs.settings.cloud);
        // VirtualNetwork is an NSG-only tag with no addresses (listed as not covered).
        for r in rs
            .rules
            .iter()
            .filter(|r| r.kind == Kind::ServiceTag && r.remote != "VirtualNetwork")
        {
            let tag = tags.get(&r.remote).unwrap();
            let token: String = tag
                .name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            let listed: Vec<String> = nets
                .lines()
                .skip_while(|l| *l != format!("  {token}:"))
                .skip(1)
                .take_while(|l| l.starts_with("    "))
                .filter_map(|l| l.trim().strip_prefix("- address: "))
                .map(|v| v.trim_matches('"').to_string())
                .collect();
            let p = tags.expand([r.remote.as_str()]).unwrap();
            let want: Vec<String> = p
                .iter()
                .filter(|n| {
                    rs.settings.sources.is_empty()
                        || rs.settings.sources.iter().any(|s| {
                            matches!(
                                (s, n),
                                (IpNet::V4(_), IpNet::V4(_)) | (IpNet::V6(_), IpNet::V6(_))
                            )
                        })
                })
                .map(|n| n.to_string())
                .collect();
            assert!(!listed.is_empty(), "{name}: no network {token}");
            assert_eq!(listed, want, "{name}: {token}");
            assert!(
                policy.contains(&format!("\"{}: {}", r.id, r.remote)),
                "{name}: term for {}",
                r.id
            );
        }
        for r in rs.rules.iter().filter(|r| r.kind == Kind::FqdnApp) {
            let u = set
                .unexpressed
                .iter()
                .find(|u| u.rule_id == *r.id)
                .unwrap_or_else(|| panic!("{name}: host rule {} not listed", r.id));
            assert!(
                u.reason.contains("edl-url") && u.reason.contains("squid"),
                "{}",
                u.reason
            );
            assert!(
                policy.contains(&format!("#   {} ({})", r.remote, r.id)),
                "{name}: {}",
                r.id
            );
        }
    }
}

#[test]
fn unknown_platforms_are_refused() {
    let rs = &per_cloud_profiles()[0].1;
    let t = export::find("aerleon").unwrap();
    let opts = ExportOptions {
        service_tags: Some(service_tags(rs.settings.cloud)),
        ..ExportOptions::default()
    };
    let e = t
        .render_files(rs, &opts, &["checkpoint".to_string()])
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(e.contains("checkpoint") && e.contains("paloalto"), "{e}");
}

#[test]
#[ignore = "needs aerleon (the validators venv): bash .ci/run runs it (cargo test -- --ignored)"]
fn hostile_text_stays_inside_its_yaml_string() {
    let Some(py) = common::venv_python_with("yaml") else {
        missing_validator("PyYAML (in the aerleon venv)");
    };
    let evil = "x\"\n      - name: evil\n        action: accept # \u{2028}\\";
    let rs = common::hostile_full_public(
        "aml",
        &[(
            common::Pick::Kind(Kind::ServiceTag),
            common::Field::Purpose,
            evil,
        )],
    );
    let set = files(&rs, &["paloalto"]);
    let d = tempfile::tempdir().unwrap();
    amlfw::fsio::write_dir_atomic(&d.path().join("in"), &set.files, None).unwrap();
    let script = "import sys, yaml, json\n\
        p = yaml.safe_load(open(sys.argv[1]))\n\
        terms = [t for f in p['filters'] for t in f['terms']]\n\
        print(json.dumps([[t['name'], t['comment']] for t in terms]))";
    let out = Command::new(py)
        .args(["-c", script])
        .arg(d.path().join("in").join(aerleon::POLICY_FILE))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let terms: Vec<(String, String)> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        terms.iter().all(|(n, _)| n != "evil"),
        "a value became a term"
    );
    let first = rs
        .rules
        .iter()
        .find(|r| r.kind == Kind::ServiceTag)
        .unwrap();
    let (_, comment) = terms
        .iter()
        .find(|(_, c)| c.starts_with(&format!("{}:", first.id)))
        .unwrap();
    // One line (control characters become spaces), everything else kept.
    assert!(comment.contains("x\"       - name: evil"), "{comment}");
    assert!(
        comment.contains("# \u{2028}\\"),
        "escaped and read back: {comment}"
    );
    assert!(!comment.contains('\n'));
}

#[test]
fn the_aerleon_version_named_in_the_policy_is_the_one_ci_installs() {
    let req =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/requirements.txt"))
            .unwrap();
    let pin = format!("aerleon=={}", aerleon::AERLEON_VERSION);
    assert!(
        req.lines().any(|l| l.trim() == pin),
        "{pin} not in .ci/requirements.txt"
    );
    let policy = &files(&per_cloud_profiles()[0].1, &[]).files[0].1;
    assert!(policy.contains(&format!(
        "checked with aerleon {}",
        aerleon::AERLEON_VERSION
    )));
}
