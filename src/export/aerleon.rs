//! `aerleon` target: a directory with an aerleon policy (YAML) and its network and service
//! definitions, from which aerleon's `aclgen` writes the configuration of about twenty firewall
//! platforms (Juniper, Palo Alto, Cisco, Arista, iptables, nftables, GCE, Kubernetes...).
//!
//! Formats, from aerleon's reference (docs/reference/yaml_reference.md and the definitions in
//! def/naming.yaml of the aerleon repository): a policy is `filters:`, each filter a `header`
//! with `targets` (platform name -> its option words) and a list of `terms` (`name`,
//! `comment`, `source-address` / `destination-address` naming networks, `protocol`,
//! `destination-port` naming services, `action`). Definitions are YAML files with a top-level
//! `networks:` (NAME -> `values:` of `address:` with an optional `comment:`) or `services:` (NAME ->
//! list of `port:` and `protocol:`). Values are quoted: PyYAML reads unquoted words by type.
//!
//! aerleon matches addresses, so every service tag is expanded from Microsoft's Service Tags
//! file (one network per tag, aggregated). Host-name rules and routes are listed as not
//! covered, with the targets that can take them.

use super::iptables::{plan, IpRule, Local, L4};
use super::naming::safe_prefix;
use super::text::{comment_block, one_line, yaml_string};
use super::Target;
use super::{
    header_lines, Export, ExportError, ExportOptions, Exporter, Family, FileSet, TagsUse,
    Unexpressed,
};
use crate::model::{Kind, PortRange};
use crate::rules::RuleSet;
use crate::servicetags::Prefixes;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The targets of this module.
pub static TARGETS: &[&dyn Exporter] = &[&Aerleon];

/// The policy file, relative to the output directory.
pub const POLICY_FILE: &str = "policies/pol/amlfw.yaml";
/// The network definitions.
pub const NETWORKS_FILE: &str = "def/networks.yaml";
/// The service definitions.
pub const SERVICES_FILE: &str = "def/services.yaml";

/// The aerleon release the tests run (pinned in .ci/requirements.txt).
pub const AERLEON_VERSION: &str = "1.18.0";

/// Longest term name: aerleon's iptables generator refuses names over 24 characters
/// (`_TERM_MAX_LENGTH`), the shortest limit of the platforms listed here.
const TERM_MAX: usize = 24;

/// An aerleon platform (generator) and its header options for the two filters. `{p}` is the
/// name prefix (a filter or chain name); zones and hooks are placeholders to adjust.
pub struct Platform {
    pub id: &'static str,
    pub title: &'static str,
    egress: &'static str,
    ingress: &'static str,
    /// Whether terms may name the local side (the profile's sources). Cloud ACLs scope by
    /// network or pod selector instead: aerleon's gce refuses source ranges on egress rules.
    local_addresses: bool,
}

/// The platforms amlfw writes headers for (aerleon's own generator names).
pub const PLATFORMS: &[Platform] = &[
    Platform {
        id: "paloalto",
        title: "Palo Alto PAN-OS",
        egress: "from-zone internal to-zone external mixed",
        ingress: "from-zone external to-zone internal mixed",
        local_addresses: true,
    },
    Platform {
        id: "srx",
        title: "Juniper SRX",
        egress: "from-zone internal to-zone external mixed",
        ingress: "from-zone external to-zone internal mixed",
        local_addresses: true,
    },
    Platform {
        id: "juniper",
        title: "Juniper (Junos filter)",
        egress: "{p}-egress mixed",
        ingress: "{p}-ingress mixed",
        local_addresses: true,
    },
    Platform {
        id: "cisco",
        title: "Cisco IOS",
        egress: "{p}-egress mixed",
        ingress: "{p}-ingress mixed",
        local_addresses: true,
    },
    Platform {
        id: "ciscoasa",
        title: "Cisco ASA",
        egress: "{p}-egress",
        ingress: "{p}-ingress",
        local_addresses: true,
    },
    Platform {
        id: "arista",
        title: "Arista EOS",
        egress: "{p}-egress mixed",
        ingress: "{p}-ingress mixed",
        local_addresses: true,
    },
    Platform {
        id: "fortigate",
        title: "Fortinet FortiGate",
        egress: "from-zone internal to-zone external mixed",
        ingress: "from-zone external to-zone internal mixed",
        local_addresses: true,
    },
    Platform {
        id: "iptables",
        title: "Linux iptables (IPv4)",
        egress: "{P}-OUT inet",
        ingress: "{P}-IN inet",
        local_addresses: true,
    },
    Platform {
        id: "nftables",
        title: "Linux nftables",
        egress: "mixed output",
        ingress: "mixed input",
        local_addresses: true,
    },
    Platform {
        id: "gce",
        title: "Google Cloud VPC firewall",
        egress: "{p}-vpc EGRESS mixed",
        ingress: "{p}-vpc INGRESS mixed",
        local_addresses: false,
    },
    Platform {
        id: "k8s",
        title: "Kubernetes NetworkPolicy",
        egress: "EGRESS",
        ingress: "INGRESS",
        local_addresses: false,
    },
];

/// What `--platform` defaults to: the appliances a hub firewall usually is.
pub const DEFAULT_PLATFORMS: &[&str] =
    &["paloalto", "srx", "juniper", "cisco", "ciscoasa", "arista"];

pub fn platform(id: &str) -> Option<&'static Platform> {
    PLATFORMS.iter().find(|p| p.id.eq_ignore_ascii_case(id))
}

/// The `aerleon` target.
pub struct Aerleon;

/// The declaration of the `aerleon` target.
pub const AERLEON: Target = Target {
    id: "aerleon",
    name: "aerleon policy directory (Palo Alto, Juniper, Cisco, Arista, nftables, GCE, k8s...)",
    family: Family::Generic,
    extension: "yaml",
    can: "Service-tag (expanded from --service-tags) and IP rules as an aerleon policy with networks and services; aclgen turns it into ~20 platforms' configs. Several files: needs -o DIR; --platform picks the headers",
    cannot: "Host-name rules (aerleon matches addresses: use squid or edl-url) and routes",
    tags_use: TagsUse::Required,
    expresses: super::ADDRESS_FILTER,
    refuse: None,
};

impl Exporter for Aerleon {
    fn target(&self) -> &'static Target {
        &AERLEON
    }
    fn is_multi_file(&self) -> bool {
        true
    }
    /// Every file one after the other as one YAML stream, each document under a
    /// `# ==> path <==` line (a preview; the CLI writes `render_files` into a directory).
    fn render(&self, rules: &RuleSet, opts: &ExportOptions) -> Result<Export, ExportError> {
        let set = render_dir(rules, opts, &[])?;
        let mut text = String::new();
        for (path, body) in &set.files {
            let _ = writeln!(text, "---\n# ==> {path} <==");
            text.push_str(body);
            text.push('\n');
        }
        Ok(Export::new(text, set.unexpressed))
    }
    fn render_files(
        &self,
        rules: &RuleSet,
        opts: &ExportOptions,
        platforms: &[String],
    ) -> Option<Result<FileSet, ExportError>> {
        Some(render_dir(rules, opts, platforms))
    }
}

/// One named service: protocol and port range.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Svc {
    proto: &'static str,
    low: u16,
    high: u16,
}

impl Svc {
    fn name(&self) -> String {
        if self.low == self.high {
            format!("{}_{}", self.proto.to_ascii_uppercase(), self.low)
        } else {
            format!(
                "{}_{}_{}",
                self.proto.to_ascii_uppercase(),
                self.low,
                self.high
            )
        }
    }
    fn port(&self) -> String {
        if self.low == self.high {
            self.low.to_string()
        } else {
            format!("{}-{}", self.low, self.high)
        }
    }
}

/// An aerleon network token for a tag or an address: letters, digits and `_`, upper case.
fn net_token(prefix: &str, name: &str) -> String {
    let body = super::text::token(name, |c| c.to_ascii_uppercase(), '_');
    format!("{prefix}{body}")
}

/// A term name: `amlNNN[-x]-<id>`, lower case letters, digits and `-`, at most `TERM_MAX`.
fn term_name(index: usize, suffix: &str, id: &str) -> String {
    let slug: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let mut s = format!("aml{index:03}{suffix}-{slug}");
    s.truncate(TERM_MAX);
    while s.ends_with('-') {
        s.pop();
    }
    s
}

/// The rule's network, in the families the local side has (sources given in one family only
/// mean no rules in the other, as in the iptables target).
fn usable(p: &Prefixes, v4: &Local, v6: &Local) -> Prefixes {
    Prefixes {
        v4: if *v4 == Local::Closed {
            Vec::new()
        } else {
            p.v4.clone()
        },
        v6: if *v6 == Local::Closed {
            Vec::new()
        } else {
            p.v6.clone()
        },
    }
}

/// The directory's files: policy, networks, services.
pub fn render_dir(
    rules: &RuleSet,
    opts: &ExportOptions,
    platforms: &[String],
) -> Result<FileSet, ExportError> {
    let chosen: Vec<&Platform> = if platforms.is_empty() {
        DEFAULT_PLATFORMS
            .iter()
            .filter_map(|p| platform(p))
            .collect()
    } else {
        let mut v: Vec<&Platform> = Vec::new();
        for p in platforms {
            let found = platform(p.trim()).ok_or_else(|| {
                ExportError::BadChoice(format!(
                    "unknown aerleon platform '{}' (known: {})",
                    one_line(p),
                    PLATFORMS
                        .iter()
                        .map(|p| p.id)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            if !v.iter().any(|q| q.id == found.id) {
                v.push(found);
            }
        }
        v
    };
    let ip = plan("aerleon", rules, opts)?;
    let mut unexpressed: Vec<Unexpressed> = ip
        .unexpressed
        .iter()
        .map(|u| {
            let host = rules
                .rules
                .iter()
                .any(|r| *r.id == u.rule_id && r.kind == Kind::FqdnApp);
            let mut u = u.clone();
            if host {
                u.reason = "a host name: aerleon matches IP addresses only; allow it in a proxy (--target squid) or a Palo Alto URL list (--target edl-url)".into();
            }
            u
        })
        .collect();

    // Networks: one per tag (aggregated by the Service Tags index), one per literal address.
    let mut networks: BTreeMap<String, (String, Prefixes)> = BTreeMap::new();
    let mut services: BTreeMap<String, Svc> = BTreeMap::new();
    // (index, rule, transport matches, network token, outbound?)
    let mut specs: Vec<(usize, &crate::rules::Rule, &[L4], String, bool)> = Vec::new();
    let sources_net = match (&ip.v4, &ip.v6) {
        (Local::Any, Local::Any) => None,
        _ => Some("AML_SOURCES".to_string()),
    };
    let mut index = 0;
    for (dir, list) in [("out", &ip.outbound), ("in", &ip.inbound)] {
        for r in list.iter() {
            let IpRule {
                rule,
                tag,
                prefixes,
                ..
            } = r;
            let p = usable(prefixes, &ip.v4, &ip.v6);
            if p.is_empty() {
                unexpressed.push(Unexpressed {
                    rule_id: rule.id.to_string(),
                    remote: rule.remote.to_string(),
                    reason: "no address prefixes in the address family of the sources (or the Service Tags file lists none)".into(),
                    partly: false,
                });
                continue;
            }
            let (base, label) = match tag {
                Some(t) => (net_token("", t), t.clone()),
                None => (net_token("ADDR_", &rule.remote), rule.remote.to_string()),
            };
            // Two names that differ only in punctuation get distinct tokens.
            let mut token = base.clone();
            let mut n = 1;
            while networks.get(&token).is_some_and(|(l, _)| *l != label)
                || (sources_net.as_deref() == Some(token.as_str()))
            {
                n += 1;
                token = format!("{base}_{n}");
            }
            networks.entry(token.clone()).or_insert((label, p));
            index += 1;
            specs.push((index, rule, &r.l4, token, dir == "out"));
            for m in &r.l4 {
                for s in svcs_of(m) {
                    services.insert(s.name(), s);
                }
            }
        }
    }
    if specs.is_empty() {
        return Err(ExportError::Limit(
            "the aerleon target has no rule to write: every rule of this profile is a host name or a route (see the edl-url and squid targets)".into(),
        ));
    }

    let target = &Aerleon as &dyn Exporter;
    let mut head = header_lines(rules, target, opts, &unexpressed);
    head.push(String::new());
    head.push(format!(
        "Generate: aclgen --base_directory DIR/policies --definitions_directory DIR/def --output_directory OUT (checked with aerleon {AERLEON_VERSION})"
    ));
    head.push(format!(
        "Platforms: {}. Zones, filter names and hooks in the headers are placeholders: adjust them to your device.",
        chosen
            .iter()
            .map(|p| format!("{} ({})", p.id, p.title))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    head.push("The policy only accepts: add your platform's default deny after it.".into());
    if !unexpressed.is_empty() {
        head.push(String::new());
        head.push(format!("NOT covered ({} rules):", unexpressed.len()));
        for u in &unexpressed {
            head.push(format!("  {} ({}): {}", u.remote, u.rule_id, u.reason));
        }
    }
    let short = comment_block(
        "#",
        &[
            head[0].clone(),
            format!("Definitions for {POLICY_FILE}; read its header first."),
        ],
    );
    let head = comment_block("#", &head);

    let prefix = safe_prefix(&rules.settings.name_prefix).to_ascii_lowercase();
    let mut policy = head.clone();
    policy.push_str("filters:\n");
    for outbound in [true, false] {
        for local in [true, false] {
            let group: Vec<&&Platform> = chosen
                .iter()
                .filter(|p| p.local_addresses == local)
                .collect();
            let terms: Vec<_> = specs.iter().filter(|s| s.4 == outbound).collect();
            if group.is_empty() || terms.is_empty() {
                continue;
            }
            let name = if outbound { "egress" } else { "ingress" };
            let scope = if local || sources_net.is_none() {
                ""
            } else {
                " (no local addresses: scope the rules to the workspace subnets by network or selector)"
            };
            let _ = writeln!(policy, "  - header:");
            let _ = writeln!(
                policy,
                "      comment: {}",
                yaml_string(&format!(
                    "amlfw {name} rules for Azure Machine Learning{scope}"
                ))
            );
            let _ = writeln!(policy, "      targets:");
            for p in group {
                let opts = if outbound { p.egress } else { p.ingress }
                    .replace("{p}", &prefix)
                    .replace("{P}", &prefix.to_ascii_uppercase());
                let _ = writeln!(policy, "        {}: {}", p.id, yaml_string(&opts));
            }
            let _ = writeln!(policy, "    terms:");
            let src = sources_net.as_deref().filter(|_| local);
            for (index, rule, l4, token, outbound) in terms {
                policy.push_str(&terms_of(*index, rule, l4, token, src, *outbound));
            }
        }
    }

    let mut nets = short.clone();
    nets.push_str("networks:\n");
    if let Some(src) = &sources_net {
        let _ = writeln!(nets, "  {src}:\n    values:");
        for l in [&ip.v4, &ip.v6] {
            if let Local::Nets(v) = l {
                for n in v {
                    let _ = writeln!(
                        nets,
                        "      - address: {}\n        comment: \"profile sources\"",
                        yaml_string(&n.to_string())
                    );
                }
            }
        }
    }
    for (token, (label, p)) in &networks {
        let _ = writeln!(nets, "  {token}:\n    values:");
        for (i, n) in p.iter().enumerate() {
            let _ = writeln!(nets, "      - address: {}", yaml_string(&n.to_string()));
            if i == 0 {
                let _ = writeln!(nets, "        comment: {}", yaml_string(label));
            }
        }
    }
    let mut svcs = short;
    svcs.push_str("services:\n");
    for (name, s) in &services {
        let _ = writeln!(
            svcs,
            "  {name}:\n    - port: {}\n      protocol: {}",
            yaml_string(&s.port()),
            yaml_string(s.proto)
        );
    }
    if services.is_empty() {
        // aerleon wants the key to hold a mapping; an unused one keeps the file valid.
        svcs.push_str("  AML_UNUSED:\n    - port: \"443\"\n      protocol: \"tcp\"\n");
    }
    Ok(FileSet {
        files: vec![
            (POLICY_FILE.to_string(), policy),
            (NETWORKS_FILE.to_string(), nets),
            (SERVICES_FILE.to_string(), svcs),
        ],
        unexpressed,
    })
}

/// The services of one transport match.
fn svcs_of(m: &L4) -> Vec<Svc> {
    let Some(proto) = m.proto else {
        return Vec::new();
    };
    m.ports
        .iter()
        .filter_map(|p| match *p {
            PortRange::Single(n) => Some(Svc {
                proto,
                low: n,
                high: n,
            }),
            PortRange::Range(a, b) => Some(Svc {
                proto,
                low: a,
                high: b,
            }),
            PortRange::Any => None,
        })
        .collect()
}

/// The terms of one rule. One term, unless the rule mixes every-port matches with port lists
/// (then one per protocol, named with its initial).
fn terms_of(
    index: usize,
    rule: &crate::rules::Rule,
    l4: &[L4],
    net: &str,
    sources: Option<&str>,
    outbound: bool,
) -> String {
    let mixed = l4.iter().any(|m| m.ports.is_empty()) && l4.iter().any(|m| !m.ports.is_empty());
    let groups: Vec<(&str, Vec<&L4>)> = if mixed {
        l4.iter()
            .map(|m| (m.proto.map_or("x", |p| &p[..1]), vec![m]))
            .collect()
    } else {
        vec![("", l4.iter().collect())]
    };
    let reference = rule
        .references
        .first()
        .map(|r| format!(" Source: {}", r.short()))
        .unwrap_or_default();
    let comment = format!(
        "{}: {} {} [{}] {}.{reference}",
        rule.id,
        rule.remote,
        rule.ports_label(),
        rule.features_label(),
        rule.purpose.trim_end_matches('.')
    );
    let mut text = String::new();
    for (suffix, ms) in groups {
        let name = term_name(index, suffix, &rule.id);
        let _ = writeln!(text, "      - name: {}", yaml_string(&name));
        let _ = writeln!(
            text,
            "        comment: {}",
            yaml_string(&one_line(&comment))
        );
        let (src, dst) = if outbound {
            (sources, Some(net))
        } else {
            (Some(net), sources)
        };
        if let Some(s) = src {
            let _ = writeln!(text, "        source-address: {}", yaml_string(s));
        }
        if let Some(d) = dst {
            let _ = writeln!(text, "        destination-address: {}", yaml_string(d));
        }
        let protos: Vec<&str> = ms.iter().filter_map(|m| m.proto).collect();
        let svcs: Vec<String> = ms
            .iter()
            .flat_map(|m| svcs_of(m))
            .map(|s| s.name())
            .collect();
        if !protos.is_empty() {
            let _ = writeln!(text, "        protocol: {}", yaml_string(&protos.join(" ")));
        }
        if !svcs.is_empty() {
            let _ = writeln!(
                text,
                "        destination-port: {}",
                yaml_string(&svcs.join(" "))
            );
        }
        let _ = writeln!(text, "        action: \"accept\"");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_names_fit_the_shortest_limit_and_are_lower_case() {
        let n = term_name(7, "t", "AML.Outbound--Storage.Blob*Very_Long_Identifier");
        assert!(n.len() <= TERM_MAX, "{n}");
        assert!(n.starts_with("aml007t-aml-outbound"), "{n}");
        assert!(!n.ends_with('-'));
        assert!(n
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
    }

    #[test]
    fn network_tokens_are_words() {
        assert_eq!(net_token("", "Storage.EastUS"), "STORAGE_EASTUS");
        assert_eq!(
            net_token("ADDR_", "168.63.129.16/32"),
            "ADDR_168_63_129_16_32"
        );
    }

    #[test]
    fn unknown_platforms_are_refused_by_name() {
        assert!(platform("PaloAlto").is_some());
        assert!(platform("checkpoint").is_none());
    }
}
