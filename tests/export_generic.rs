//! The generic targets: iptables, nftables and Squid checked by the real tools (in a private
//! network namespace, so nothing touches the host), the tabular formats parsed back and
//! compared with the rule set, hostile values, and golden files.
mod common;

use amlfw::export::tabular::{endpoints, remote_is_tag, JsonRuleSet, CSV_HEADER};
use amlfw::export::{self, ExportError};
use amlfw::rules::RuleSet;
use amlfw::servicetags::TagError;
use amlfw::{Cloud, Kind};
use assert_cmd::Command as Bin;
use common::{Field, Pick};
use std::path::Path;
use std::process::{Command, Stdio};

// ---- running the validators ------------------------------------------------------------

/// `unshare -n` when network namespaces work here; else reports the missing validator.
fn netns() -> Option<std::path::PathBuf> {
    let unshare = common::program("unshare")?;
    let ok = Command::new(&unshare)
        .args(["-n", "true"])
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(unshare)
}

/// Runs `unshare -n -- args...` with `stdin` from a file; returns (success, stdout+stderr).
fn in_netns(unshare: &Path, args: &[&str], stdin: Option<&Path>) -> (bool, String) {
    let mut c = Command::new(unshare);
    c.arg("-n").arg("--").args(args);
    c.stdin(match stdin {
        Some(p) => Stdio::from(std::fs::File::open(p).unwrap()),
        None => Stdio::null(),
    });
    let out = c.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// `unshare`, once the tools a check needs are known to be there; a missing one fails the
/// test (these checks run only when asked for: they are ignored in a plain `cargo test`).
fn tools(names: &[&str]) -> std::path::PathBuf {
    for n in names {
        if common::program(n).is_none() {
            common::missing_validator(n);
        }
    }
    netns()
        .unwrap_or_else(|| common::missing_validator("unshare -n (network namespaces; needs root)"))
}

/// The `iptables` and `ip6tables` exports of a rule set.
fn ip_pair(rs: &RuleSet) -> (String, String) {
    (
        common::render("iptables", rs).text,
        common::render("ip6tables", rs).text,
    )
}

/// Each file is loaded WHOLE, as an admin does (`iptables-restore --noflush < FILE`), into a
/// namespace that already holds a rule of the admin's: the load must succeed, fill our chains
/// with exactly the rules the file holds (a combined file once left them empty), keep the
/// admin's rule, and a second load must replace rather than add.
fn check_iptables(label: &str, v4: &str, v6: &str) {
    let unshare = tools(&["iptables-restore", "ip6tables-restore", "iptables-save"]);
    for (tool, save, file) in [
        ("iptables-restore", "iptables-save", v4),
        ("ip6tables-restore", "ip6tables-save", v6),
    ] {
        assert!(
            !file.contains("*filter\n") || file.matches("*filter\n").count() == 1,
            "{label}: {tool}: one table section"
        );
        let (_d, f) = common::temp_file("export.rules", file);
        let (ok, out) = in_netns(&unshare, &[tool, "--test", "--noflush"], Some(&f));
        assert!(ok, "{label}: {tool} --test refused it:\n{out}");
        let (admin, addr) = if tool.starts_with("ip6") {
            ("ip6tables", "2001:db8::1")
        } else {
            ("iptables", "192.0.2.1")
        };
        let script = format!(
            "{admin} -A INPUT -s {addr} -j DROP && {tool} --noflush < \"$1\" && {save} > \"$1.once\" && {tool} --noflush < \"$1\" && {save}"
        );
        let (ok, saved) = in_netns(
            &unshare,
            &["sh", "-c", &script, "sh", f.to_str().unwrap()],
            None,
        );
        assert!(ok, "{label}: {tool} load failed:\n{saved}");
        assert!(
            saved.contains("-A INPUT -s "),
            "{label}: the admin's rule is gone:\n{}",
            &saved[..saved.len().min(2000)]
        );
        let ours = |t: &str| {
            t.lines()
                .filter(|l| l.starts_with("-A ") && !l.starts_with("-A INPUT"))
                .count()
        };
        let once = std::fs::read_to_string(format!("{}.once", f.display())).unwrap();
        assert_eq!(
            ours(&once),
            ours(file),
            "{label}: {tool}: the chains must hold exactly the file's rules after one load"
        );
        assert_eq!(
            ours(&saved),
            ours(file),
            "{label}: {tool}: reloading must replace, not add"
        );
    }
}

fn check_nftables(label: &str, text: &str) {
    let unshare = tools(&["nft"]);
    let (_d, f) = common::temp_file("rules.nft", text);
    let path = f.to_str().unwrap();
    let (ok, out) = in_netns(&unshare, &["nft", "-c", "-f", path], None);
    assert!(ok, "{label}: nft -c refused it:\n{out}");
    let script = "nft -f \"$1\" && nft -f \"$1\" && nft list ruleset";
    let (ok, listed) = in_netns(&unshare, &["sh", "-c", script, "sh", path], None);
    assert!(ok, "{label}: nft load failed:\n{out}");
    let accepts = |t: &str| {
        t.lines()
            .map(str::trim_start)
            .filter(|l| !l.starts_with('#') && l.ends_with('"') && l.contains(" accept comment "))
            .count()
    };
    assert_eq!(
        accepts(&listed),
        accepts(text),
        "{label}: reloading must replace, not add"
    );
}

/// `squid -k parse` on a minimal squid.conf that includes the export. It needs no cache_dir,
/// no pid file and logs into the temp dir, so it runs as root without touching /var.
fn check_squid(label: &str, text: &str) {
    let Some(squid) = common::program("squid") else {
        common::missing_validator("squid");
    };
    let (dir, inc) = common::temp_file("amlfw.conf", text);
    let d = dir.path().display();
    let conf = format!(
        "http_port 127.0.0.1:3128\npid_filename none\ncache_log {d}/cache.log\naccess_log none\ncoredump_dir {d}\ninclude {}\nhttp_access deny all\n",
        inc.display()
    );
    let conf_path = dir.path().join("squid.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let out = Command::new(squid)
        .arg("-k")
        .arg("parse")
        .arg("-f")
        .arg(&conf_path)
        .output()
        .unwrap();
    let log = format!(
        "{}{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(dir.path().join("cache.log")).unwrap_or_default()
    );
    let bad: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("WARNING") || l.contains("ERROR") || l.contains("FATAL"))
        .collect();
    assert!(
        out.status.success() && bad.is_empty(),
        "{label}: squid -k parse:\n{}\n---\n{log}",
        bad.join("\n")
    );
}

fn all_profiles() -> Vec<(&'static str, RuleSet)> {
    common::per_cloud_profiles()
}

// ---- validators ------------------------------------------------------------------------

#[test]
#[ignore = "needs root (network namespaces), iptables, nft and squid: bash .ci/run runs it (cargo test -- --ignored)"]
fn iptables_loads_in_iptables_and_ip6tables_restore() {
    for (name, rs) in all_profiles() {
        let (v4, v6) = ip_pair(&rs);
        assert!(
            v4.lines().any(|l| l.starts_with("-A ")),
            "{name}: the IPv4 file holds rules"
        );
        check_iptables(name, &v4, &v6);
    }
}

#[test]
#[ignore = "needs root (network namespaces), iptables, nft and squid: bash .ci/run runs it (cargo test -- --ignored)"]
fn nftables_passes_nft_check_and_reloads_cleanly() {
    for (name, rs) in all_profiles() {
        check_nftables(name, &common::render("nftables", &rs).text);
    }
}

#[test]
#[ignore = "needs root (network namespaces), iptables, nft and squid: bash .ci/run runs it (cargo test -- --ignored)"]
fn squid_include_parses_without_warnings() {
    for (name, rs) in all_profiles() {
        check_squid(name, &common::render("squid", &rs).text);
    }
}

// ---- content ---------------------------------------------------------------------------

#[test]
fn every_output_starts_with_the_header() {
    let rs = common::full_public();
    for t in ["iptables", "nftables", "squid", "hosts"] {
        let text = common::render(t, &rs).text;
        assert!(
            text.starts_with(&format!(
                "# Generated by amlfw {} (target {t})",
                amlfw::VERSION
            )),
            "{t}"
        );
        assert!(
            text.contains("changeNumber 376"),
            "{t}: the Service Tags file is named"
        );
    }
}

#[test]
fn squid_dedupes_the_pytorch_pair_and_combines_ports() {
    let text = common::render("squid", &common::full_public()).text;
    let acls: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("acl ") && l.contains(" dstdomain "))
        .collect();
    assert!(
        acls.iter().any(|l| l.ends_with(" dstdomain .pytorch.org")),
        "{acls:?}"
    );
    assert!(
        !acls.iter().any(|l| l.ends_with(" pytorch.org")),
        "pytorch.org is covered by .pytorch.org"
    );
    let domains: Vec<&str> = acls.iter().map(|l| l.rsplit(' ').next().unwrap()).collect();
    for (i, a) in domains.iter().enumerate() {
        for b in &domains[i + 1..] {
            assert_ne!(a, b, "duplicate dstdomain {a}");
        }
    }
    assert!(text.contains("acl aml_port_443_8787_18881 port 443 8787 18881"));
    let ci = text
        .lines()
        .find(|l| l.starts_with("http_access") && l.ends_with("aml_aml-fqdn-ci-ms"))
        .unwrap();
    assert!(
        ci.contains(" aml_connect_method aml_port_443_8787_18881 "),
        "{ci}"
    );
    // HTTP only as plain requests, HTTPS only as CONNECT, always from the sources.
    for l in text.lines().filter(|l| l.starts_with("http_access")) {
        assert!(l.starts_with("http_access allow aml_src_nets "), "{l}");
        assert!(
            l.contains(" aml_connect_method aml_port_")
                || l.contains(" !aml_connect_method aml_port_80 "),
            "{l}"
        );
    }
}

/// Requests through a running Squid (in a private network namespace) and the status each
/// must get: 403 = denied by http_access; 503 = allowed (the name resolves to 127.0.0.1,
/// where nothing listens, so the upstream connection fails).
const SQUID_PROBES: [(&str, &str); 10] = [
    ("CONNECT a.pytorch.org:443", "503"),
    ("CONNECT pytorch.org:443", "503"),
    ("CONNECT evilpytorch.org:443", "403"),
    ("CONNECT a.pytorch.org:80", "403"),
    ("GET http://pytorch.org/", "503"),
    ("GET http://pytorch.org:443/", "403"),
    ("CONNECT x.instances.azureml.ms:8787", "503"),
    ("CONNECT x.instances.azureml.ms:22", "403"),
    ("CONNECT login.microsoftonline.com:8787", "403"),
    ("GET http://login.microsoftonline.com/", "403"),
];

const SQUID_SCRIPT: &str = r#"
ip link set lo up
squid -N -f "$1" & pid=$!
for i in $(seq 100); do (echo > /dev/tcp/127.0.0.1/3128) 2>/dev/null && break; sleep 0.1; done
shift
for r in "$@"; do
  exec 3<>/dev/tcp/127.0.0.1/3128
  printf '%s HTTP/1.1\r\nHost: x\r\n\r\n' "$r" >&3
  read -r _ code _ <&3
  echo "$r => $code"
  exec 3<&-
done
kill $pid; wait
"#;

#[test]
#[ignore = "needs root (network namespaces), squid and ip: bash .ci/run runs it (cargo test -- --ignored)"]
fn squid_allows_exactly_the_listed_requests() {
    let unshare = tools(&["squid", "bash", "ip"]);
    let mut rs = common::full_public();
    rs.settings.sources = vec!["127.0.0.0/8".parse().unwrap()];
    let (dir, inc) = common::temp_file("amlfw.conf", &common::render("squid", &rs).text);
    // Squid drops to its own user; it must be able to write its log here.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    let d = dir.path().display();
    let hosts = "127.0.0.1 a.pytorch.org pytorch.org evilpytorch.org x.instances.azureml.ms login.microsoftonline.com\n";
    std::fs::write(dir.path().join("hosts"), hosts).unwrap();
    let conf = format!(
        "http_port 127.0.0.1:3128\npid_filename none\ncache_log {d}/cache.log\naccess_log none\ncoredump_dir {d}\nhosts_file {d}/hosts\ndns_nameservers 127.0.0.1\nshutdown_lifetime 0 seconds\ninclude {}\nhttp_access deny all\n",
        inc.display()
    );
    let conf_path = dir.path().join("squid.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let mut args = vec![
        "timeout",
        "60",
        "bash",
        "-c",
        SQUID_SCRIPT,
        "bash",
        conf_path.to_str().unwrap(),
    ];
    args.extend(SQUID_PROBES.iter().map(|(r, _)| *r));
    let (_, out) = in_netns(&unshare, &args, None);
    for (req, want) in SQUID_PROBES {
        let line = format!("{req} => {want}");
        assert!(
            out.lines().any(|l| l == line),
            "expected {line:?} in:\n{out}"
        );
    }
}

#[test]
fn squid_lists_what_a_proxy_cannot_cover() {
    let rs = common::full_public();
    let e = common::render("squid", &rs);
    for r in rs.rules.iter().filter(|r| r.kind != Kind::FqdnApp) {
        assert!(
            e.unexpressed.iter().any(|u| u.rule_id == r.id),
            "{} missing from unexpressed",
            r.id
        );
        assert!(
            e.text.contains(&format!("#   {} ({}): ", r.remote, r.id)),
            "{} not listed in the text",
            r.id
        );
    }
    assert!(e
        .unexpressed
        .iter()
        .all(|u| rs.rule(&u.rule_id).unwrap().kind != Kind::FqdnApp));
}

#[test]
fn iptables_rules_have_protocols_ports_sources_and_no_hook() {
    let rs = common::full_public();
    let e = common::render("iptables", &rs);
    let (v4, v6) = ip_pair(&rs);
    let rules: Vec<&str> = v4.lines().filter(|l| l.starts_with("-A ")).collect();
    assert!(rules
        .iter()
        .all(|l| l.starts_with("-A AML-OUT -s 10.0.") || l.starts_with("-A AML-IN -s ")));
    assert!(rules
        .iter()
        .any(|l| l.contains(" -p tcp --dport 29876:29877 ")));
    assert!(
        rules
            .iter()
            .any(|l| l.contains("-d 10.0.0.4/32 -p udp --dport 53 ")),
        "the DNS server rule"
    );
    assert!(
        rules
            .iter()
            .any(|l| l.contains(" -p tcp -m comment --comment aml-tag-aad ")),
        "tcp:* has no port"
    );
    assert!(
        !v4.lines()
            .any(|l| l.starts_with("-A OUTPUT") || l.starts_with("-A FORWARD")),
        "hooking is the admin's choice"
    );
    // Only IPv4 sources: the IPv6 part has the chains and no rule at all.
    assert!(
        v6.contains(":AML-OUT - [0:0]") && !v6.lines().any(|l| l.starts_with("-A ")),
        "{v6}"
    );
    assert!(v6.contains("No IPv6 rules"));
    // Host names are comments and unexpressed.
    for r in rs.of_kind(Kind::FqdnApp) {
        assert!(e.unexpressed.iter().any(|u| u.rule_id == r.id));
    }
    assert!(e
        .text
        .contains("#   *.pytorch.org (aml-pkg-pytorch): a host name"));
}

#[test]
fn ip_targets_without_sources_match_every_local_address() {
    let rs = common::rules("schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nfeatures = [\"compute-instance\", \"attached-vm\"]\n");
    let (v4, v6) = ip_pair(&rs);
    assert!(v4.lines().any(|l| l.starts_with("-A AML-OUT -d ")));
    assert!(v6
        .lines()
        .any(|l| l.starts_with("-A AML-OUT -d ") && l.contains(':')));
    // any:22 -> TCP and UDP (ports need a protocol).
    assert!(v4.lines().any(|l| l.contains("-p udp --dport 22 ")));
    let nft = common::render("nftables", &rs).text;
    assert!(nft.contains("ip6 daddr @tag_azureactivedirectory_v6 meta l4proto tcp accept"));
    assert!(!nft.contains("@src_v4"));
}

#[test]
fn ipv6_sources_only_open_only_ipv6() {
    let rs = common::rules("schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nsources = [\"2001:db8:1::/64\"]\n");
    let (v4, v6) = ip_pair(&rs);
    assert!(!v4.lines().any(|l| l.starts_with("-A ")), "{v4}");
    assert!(v6
        .lines()
        .any(|l| l.starts_with("-A AML-OUT -s 2001:db8:1::/64 -d ")));
    let nft = common::render("nftables", &rs).text;
    assert!(
        !nft.contains("ip saddr") && !nft.contains("ip daddr"),
        "no IPv4 rule"
    );
}

#[test]
#[ignore = "needs root (network namespaces), iptables, nft and squid: bash .ci/run runs it (cargo test -- --ignored)"]
fn ipv6_only_nftables_loads() {
    let rs = common::rules("schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nsources = [\"2001:db8:1::/64\"]\n");
    check_nftables("v6-only", &common::render("nftables", &rs).text);
}

#[test]
fn nftables_sets_per_tag_and_family() {
    let rs = common::full_public();
    let text = common::render("nftables", &rs).text;
    assert!(text.contains("table inet amlfw_aml {"));
    assert!(text
        .contains("\tset tag_azurecloud_eastus2_v4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n"));
    assert_eq!(
        text.matches("\tset tag_azurecloud_eastus2_v4 {\n").count(),
        1,
        "one set for two rules"
    );
    assert!(text.contains("ip saddr @src_v4 ip daddr @tag_azurecloud_eastus2_v4 udp dport 1194 accept comment \"aks-net-tunnel-udp\""));
    assert!(text.contains(
        "ip saddr @tag_batchnodemanagement_v4 ip daddr @src_v4 tcp dport 29876-29877 accept"
    ));
    assert!(
        !text.contains("_v6 {\n\t\ttype"),
        "no IPv6 sources: no IPv6 sets"
    );
    assert!(text.contains("#   *.pytorch.org (aml-pkg-pytorch): a host name"));
}

#[test]
fn ip_targets_need_the_service_tags_file() {
    let rs = common::full_public();
    for t in ["iptables", "nftables"] {
        let e = common::try_render(t, &rs, None).unwrap_err();
        assert!(
            matches!(e, ExportError::NeedsServiceTags { .. }),
            "{t}: {e}"
        );
        assert!(e.to_string().contains("AzureMachineLearning"), "{e}");
    }
    // A file of another cloud is refused too.
    let china = common::service_tags(Cloud::China);
    let e = common::try_render("nftables", &rs, Some(china)).unwrap_err();
    assert!(
        matches!(e, ExportError::ServiceTags(TagError::WrongCloud { .. })),
        "{e}"
    );
}

#[test]
fn ip_targets_without_the_file_exit_2_through_the_binary() {
    for t in ["iptables", "nftables"] {
        let out = Bin::cargo_bin("amlfw")
            .unwrap()
            .args(["export", "--region", "eastus2", "--target", t])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        for needle in [
            "Service Tags file",
            "--service-tags",
            "Microsoft",
            "download",
        ] {
            assert!(err.contains(needle), "{t}: {needle:?} missing: {err}");
        }
        assert!(out.stdout.is_empty());
    }
}

// ---- tabular formats parsed back -------------------------------------------------------------

/// What the CSV row of each rule must hold, computed from the rule set itself.
fn expected_row(
    r: &amlfw::Rule,
    rs: &RuleSet,
    tags: Option<&amlfw::servicetags::TagIndex>,
) -> Vec<String> {
    let (src, dst) = endpoints(r, &rs.settings);
    let mut protocols: Vec<&str> = Vec::new();
    for p in r.ports.iter() {
        if !protocols.contains(&p.protocol.id()) {
            protocols.push(p.protocol.id());
        }
    }
    let prefixes = match tags {
        Some(t) if remote_is_tag(r) => t
            .expand([r.remote.as_str()])
            .unwrap()
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    };
    vec![
        r.id.to_string(),
        r.kind.id().into(),
        r.direction().id().into(),
        protocols.join(","),
        r.ports
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        src.join(" "),
        dst.join(" "),
        r.path.as_deref().unwrap_or_default().to_string(),
        r.next_hop.as_deref().unwrap_or_default().to_string(),
        r.features.join(" "),
        r.purpose.to_string(),
        r.references
            .iter()
            .map(|x| x.short())
            .collect::<Vec<_>>()
            .join("; "),
        r.requirements.join(" "),
        prefixes,
    ]
}

fn check_csv(label: &str, rs: &RuleSet, tags: Option<&amlfw::servicetags::TagIndex>) {
    let text = common::try_render("csv", rs, tags).unwrap().text;
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let head: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(head, CSV_HEADER);
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), rs.rules.len(), "{label}");
    for (row, r) in rows.iter().zip(&rs.rules) {
        let got: Vec<String> = row.iter().map(String::from).collect();
        let want = expected_row(r, rs, tags);
        for ((g, w), h) in got.iter().zip(&want).zip(CSV_HEADER) {
            assert_eq!(g, w, "{label}: rule {} field {h}", r.id);
        }
    }
}

#[test]
fn csv_parses_back_into_the_rules() {
    for (name, rs) in all_profiles() {
        check_csv(name, &rs, None);
        check_csv(name, &rs, Some(common::service_tags(rs.settings.cloud)));
    }
}

#[test]
fn json_parses_back_into_the_model() {
    for (name, rs) in all_profiles() {
        let tags = common::service_tags(rs.settings.cloud);
        let text = common::render("json", &rs).text;
        let doc: JsonRuleSet = serde_json::from_str(&text).unwrap();
        assert_eq!(doc, JsonRuleSet::build(&rs, Some(tags)).unwrap(), "{name}");
        for (j, r) in doc.rules.iter().zip(&rs.rules) {
            assert_eq!(j.id, r.id);
            let p = j.prefixes.as_ref();
            assert_eq!(p.is_some(), remote_is_tag(r), "{name}: {}", r.id);
            if let Some(p) = p {
                assert!(
                    !p.ipv4.is_empty() || !p.ipv6.is_empty(),
                    "{name}: {} has no prefixes",
                    r.id
                );
            }
        }
        let plain = common::try_render("json", &rs, None).unwrap().text;
        let plain: JsonRuleSet = serde_json::from_str(&plain).unwrap();
        assert!(
            plain.rules.iter().all(|r| r.prefixes.is_none())
                && plain.service_tags_change_number.is_none()
        );
    }
}

#[test]
fn markdown_has_a_table_per_kind_present() {
    for (name, rs) in all_profiles() {
        let text = common::render("markdown", &rs).text;
        for k in Kind::ALL {
            let n = rs.count(k);
            let heading = format!("## {} ({n})\n\n| Source |", k.title());
            assert_eq!(text.contains(&heading), n > 0, "{name}: {heading:?}");
            assert_eq!(
                text.contains(&format!("## {} (", k.title())),
                n > 0,
                "{name}: {k}"
            );
        }
    }
}

#[test]
fn hosts_lists_exactly_the_fqdn_remotes() {
    for (name, rs) in all_profiles() {
        let text = common::render("hosts", &rs).text;
        let got: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        let mut want: Vec<&str> = Vec::new();
        for r in rs.of_kind(Kind::FqdnApp) {
            if !want.contains(&r.remote.as_str()) {
                want.push(&r.remote);
            }
        }
        assert_eq!(got, want, "{name}");
    }
}

// ---- hostile values ----------------------------------------------------------------------

const EVIL: &str = "x\n-A INPUT -j ACCEPT\nCOMMIT\n}\ntable ip evil {\nhttp_access allow all\n\"; $(rm -rf /) `id` ;\0 end";

/// A rule set whose purpose, remote and name prefix carry newlines, quotes, `$(...)`, NUL.
fn hostile() -> RuleSet {
    let mut rs = common::hostile_full_public(
        &format!("aml{EVIL}"),
        &[
            (
                Pick::Remote("*.pytorch.org"),
                Field::Remote,
                &format!("evil.example.com{EVIL}"),
            ),
            (
                Pick::Remote("10.0.0.4"),
                Field::Remote,
                &format!("10.0.0.4{EVIL}"),
            ),
        ],
    );
    for r in &mut rs.rules {
        r.purpose = format!("{}{EVIL}", r.purpose).into();
    }
    // iptables-restore and Squid read a line of more than 10239 / 8191 bytes as two lines.
    let long = &mut rs.rules[1];
    long.purpose = format!(
        "{}\n-A INPUT -j ACCEPT {} http_access allow all",
        "y".repeat(20_000),
        "z ".repeat(6000)
    )
    .into();
    rs
}

/// No line of `text` is one of the injected lines, and none is long enough to be split.
fn no_injected_line(label: &str, text: &str) {
    let longest = text.lines().map(str::len).max().unwrap_or(0);
    assert!(longest < 4096, "{label}: a line of {longest} bytes");
    for bad in [
        "-A INPUT -j ACCEPT",
        "COMMIT\n#@",
        "table ip evil {",
        "http_access allow all",
        "}\ntable",
    ] {
        if bad.contains('\n') {
            continue;
        }
        assert!(
            !text.lines().any(|l| l.trim() == bad),
            "{label}: injected line {bad:?}"
        );
    }
    assert!(!text.contains('\0'), "{label}: NUL in the output");
}

#[test]
fn hostile_values_stay_inert() {
    let rs = hostile();
    let ipt = common::render("iptables", &rs);
    no_injected_line("iptables", &ipt.text);
    let ip6 = common::render("ip6tables", &rs);
    no_injected_line("ip6tables", &ip6.text);
    assert!(
        ipt.text.contains("\n:AMLX-AINPUT-JACCEPTC-OUT - [0:0]\n"),
        "the prefix is reduced to name characters"
    );
    assert!(
        ipt.unexpressed.iter().any(|u| u.rule_id == "aks-net-dns"),
        "a non-address remote is not a rule"
    );

    let nft = common::render("nftables", &rs);
    no_injected_line("nftables", &nft.text);

    let sq = common::render("squid", &rs);
    no_injected_line("squid", &sq.text);
    let u = sq
        .unexpressed
        .iter()
        .find(|u| u.rule_id == "aml-pkg-pytorch")
        .expect("an invalid host is refused, loudly");
    assert!(u.reason.contains("not a valid host name"));

    // CSV keeps values exactly (a quoted field may span lines): it must parse back instead.
    for t in ["json", "markdown", "hosts"] {
        let e = common::render(t, &rs);
        assert!(
            !e.text
                .lines()
                .any(|l| l == "http_access allow all" || l == "-A INPUT -j ACCEPT"),
            "{t}"
        );
    }
    check_csv("hostile", &rs, None);
}

#[test]
#[ignore = "needs root (network namespaces), iptables, nft and squid: bash .ci/run runs it (cargo test -- --ignored)"]
fn hostile_values_load_in_iptables_nft_and_squid() {
    let rs = hostile();
    let (v4, v6) = ip_pair(&rs);
    check_iptables("hostile", &v4, &v6);
    check_nftables("hostile", &common::render("nftables", &rs).text);
    check_squid("hostile", &common::render("squid", &rs).text);
}

#[test]
fn a_hostile_tag_name_is_a_typed_error() {
    let mut rs = common::full_public();
    common::first_rule(&mut rs, Pick::Kind(Kind::ServiceTag)).set_remote(format!("Storage{EVIL}"));
    for t in ["iptables", "nftables"] {
        let e = common::try_render(t, &rs, Some(common::service_tags(Cloud::Public)));
        assert!(
            matches!(
                e,
                Err(ExportError::ServiceTags(TagError::MissingTag { .. }))
            ),
            "{t}: {e:?}"
        );
    }
}

#[test]
#[ignore = "needs root (network namespaces), iptables, nft and squid: bash .ci/run runs it (cargo test -- --ignored)"]
fn keyword_prefixes_still_load() {
    for prefix in ["ip", "tcp", "filter", "table", "accept", "x"] {
        let mut rs = common::rules("schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nsources = [\"10.1.0.0/16\", \"2001:db8::/48\"]\nfeatures = [\"compute-instance\"]\n");
        rs.settings.name_prefix = prefix.into();
        check_nftables(prefix, &common::render("nftables", &rs).text);
        let (v4, v6) = ip_pair(&rs);
        check_iptables(prefix, &v4, &v6);
        check_squid(prefix, &common::render("squid", &rs).text);
    }
}

// ---- golden files ------------------------------------------------------------------------

/// A small public profile (with an IPv6 source) for the golden files the full one makes too big.
fn small_public() -> RuleSet {
    common::rules(
        "schema_version = 1\ncloud = \"public\"\nregion = \"eastus2\"\nfeatures = [\"compute-instance\", \"pytorch\"]\nstorage_account = \"amlstore01\"\nsources = [\"10.0.1.0/24\", \"2001:db8:1::/64\"]\n",
    )
}

#[test]
fn golden_files() {
    let ext = |t: &str| export::find(t).unwrap().extension();
    let mut cases: Vec<(&str, RuleSet)> = all_profiles();
    cases.push(("public-eastus2-small", small_public()));
    for (name, rs) in &cases {
        for t in [
            "iptables",
            "ip6tables",
            "nftables",
            "squid",
            "csv",
            "json",
            "markdown",
            "hosts",
            "aerleon",
            "edl-ip",
            "edl-url",
        ] {
            // Too big for a reviewable golden file (~1 MB and ~330 KB with every prefix): the
            // small public profile stands in for these.
            if name.starts_with("public-eastus2-full")
                && matches!(t, "iptables" | "ip6tables" | "json" | "aerleon" | "edl-ip")
            {
                continue;
            }
            let text = common::render(t, rs).text;
            assert!(
                text.len() < 300_000,
                "{name}/{t} is {} bytes: golden-test a smaller profile",
                text.len()
            );
            common::assert_golden(&format!("{name}/{t}.{}", ext(t)), &text);
        }
    }
}

#[test]
fn outputs_are_deterministic() {
    let rs = common::full_public();
    for t in ["iptables", "nftables", "squid"] {
        assert_eq!(common::render(t, &rs), common::render(t, &rs), "{t}");
    }
}

#[test]
fn json_prefixes_read_back_as_networks_and_bad_ones_are_named() {
    let rs = common::full_public();
    let text = common::try_render("json", &rs, Some(common::service_tags(Cloud::Public)))
        .unwrap()
        .text;
    let doc: JsonRuleSet = serde_json::from_str(&text).unwrap();
    let tagged = doc.rules.iter().find_map(|r| r.prefixes.as_ref()).unwrap();
    // Written exactly as the networks display.
    let first = tagged.ipv4[0].to_string();
    assert!(text.contains(&format!("\"{first}\"")), "{first}");
    let bad = text.replacen(&format!("\"{first}\""), "\"10.0.0.300/24\"", 1);
    let err = serde_json::from_str::<JsonRuleSet>(&bad)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("invalid address prefix '10.0.0.300/24'"),
        "{err}"
    );
}
