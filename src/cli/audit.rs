//! `amlfw audit`: reads the files, runs the library's audit, writes the report. Exit codes:
//! 0 covered and no error-level finding, 3 gaps or error-level findings, 2 bad input.

use super::args::{AuditFormat, Selection};
use super::{build_profile, load_service_tags, resolve_or_fail, stdout_write, CliError, Fallback};
use amlfw::audit::{self, report, AuditOptions, Network};
use amlfw::catalog::Catalog;
use amlfw::export::{self, ExportOptions};
use std::path::PathBuf;

pub struct AuditArgs {
    pub selection: Selection,
    pub service_tags: Option<PathBuf>,
    pub format: AuditFormat,
    pub fix: Option<String>,
    pub files: Vec<PathBuf>,
}

fn colour_wanted() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

pub fn run(a: AuditArgs, catalog: &Catalog) -> Result<(), CliError> {
    let fixer = match &a.fix {
        Some(t) => Some(export::find(t).ok_or_else(|| {
            let ids: Vec<&str> = export::targets().iter().map(|t| t.id()).collect();
            CliError::usage(format!(
                "--fix: unknown target '{t}' (known: {})",
                ids.join(", ")
            ))
        })?),
        None => None,
    };
    let profile = build_profile(&a.selection, catalog, Fallback::RequireRegion)?;
    let rs = resolve_or_fail(catalog, &profile)?;
    let tags = match &a.service_tags {
        Some(path) => {
            let t = load_service_tags(path)?;
            t.check_cloud(rs.settings.cloud)
                .map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
            Some(t)
        }
        None => None,
    };
    let mut network = Network::default();
    for path in &a.files {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
        let name = path.display().to_string();
        // A value quoted from the file may hold control characters: shown as `?`.
        let parsed = audit::parse(&name, &text).map_err(|e| {
            let msg: String = e
                .to_string()
                .chars()
                .map(|c| if c.is_control() { '?' } else { c })
                .collect();
            CliError::usage(msg)
        })?;
        network.merge(parsed);
    }
    let opts = AuditOptions {
        service_tags: tags.as_ref(),
    };
    let rep = audit::audit(&rs, &network, &opts);
    match fixer {
        Some(target) => {
            let ids = rep.gap_ids();
            if ids.is_empty() {
                super::diag("amlfw audit: nothing to fix: every required rule is covered");
            } else {
                let only = audit::only_rules(&rs, &ids);
                // The fix goes next to what was audited: a new group, free NSG priorities.
                let existing = network.existing();
                let out = target
                    .render(
                        &only,
                        &ExportOptions {
                            service_tags: tags.as_ref(),
                            expand_tags: false,
                            existing: Some(&existing),
                        },
                    )
                    .map_err(|e| CliError::usage(e.to_string()))?;
                for u in &out.unexpressed {
                    super::diag(&format!(
                        "NOT covered by {}: {} ({}): {}",
                        target.id(),
                        u.remote,
                        u.rule_id,
                        u.reason
                    ));
                }
                stdout_write(&out.text)?;
            }
        }
        None => {
            let text = match a.format {
                AuditFormat::Text => report::text(&rep, colour_wanted()),
                AuditFormat::Json => report::json(&rep),
                AuditFormat::Markdown => report::markdown(&rep),
                AuditFormat::Sarif => report::sarif(&rep),
            };
            stdout_write(&text)?;
        }
    }
    if rep.passed() {
        Ok(())
    } else if rep.nothing_checked() {
        Err(CliError {
            code: 3,
            message: "audit failed: nothing was checked: the input holds no firewall rules, NSG or route table for these requirements (a Firewall Policy's rules are in `az network firewall policy rule-collection-group list`)".into(),
        })
    } else {
        Err(CliError {
            code: 3,
            message: format!(
                "audit failed: {} requirements not covered, {} error-level findings",
                rep.gaps(),
                rep.count(audit::Severity::Error)
            ),
        })
    }
}
