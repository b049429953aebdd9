//! The non-interactive front end: parses flags, builds a profile, calls the library, and does
//! the I/O (files, stdout, stderr). No domain logic lives here.

pub mod args;
mod audit;
mod diff;
mod dns;
mod profiles;
mod table;

use amlfw::catalog::Catalog;
use amlfw::export::{self, ExportError, ExportOptions, Exporter};
use amlfw::fsio::{read_text, write_atomic, PROFILE_LIMIT, SERVICE_TAGS_LIMIT};
use amlfw::profile::{line_of_field, Profile, ProfileError};
use amlfw::rules::{resolve, RuleSet};
use amlfw::servicetags::{TagError, TagIndex};
use args::{Command, RulesFormat, Selection};
use clap::CommandFactory;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// A failure with its exit code: 2 for bad input, 1 for anything else.
#[derive(Debug)]
pub struct CliError {
    pub code: i32,
    pub message: String,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            code: 2,
            message: message.into(),
        }
    }
    pub fn failure(message: impl Into<String>) -> Self {
        CliError {
            code: 1,
            message: message.into(),
        }
    }
}

/// Set when a diagnostic could not be written to stderr: the run then exits 1 (the admin did
/// not see a warning or a note meant for them).
static STDERR_FAILED: AtomicBool = AtomicBool::new(false);

/// Writes one line to stderr: a warning, a note, an error. Text quoted from files and flags
/// is in it, so control and bidirectional characters are escaped (see `amlfw::diag`). A failed
/// write is remembered (see `stderr_failed`), never a panic.
pub fn diag(line: &str) {
    let mut err = std::io::stderr().lock();
    let text = amlfw::diag::escape(line);
    if writeln!(err, "{text}").and_then(|_| err.flush()).is_err() {
        STDERR_FAILED.store(true, Ordering::SeqCst);
    }
}

/// Whether a diagnostic was lost.
pub fn stderr_failed() -> bool {
    STDERR_FAILED.load(Ordering::SeqCst)
}

/// What to do when a selection names no region.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// Start from the built-in default profile (the wizard).
    BuiltinDefault,
    /// Refuse: scripts must say what they want.
    RequireRegion,
}

/// Reads a profile file, pointing at the line of a bad value.
pub fn load_profile_file(path: &Path, catalog: &Catalog) -> Result<Profile, CliError> {
    let text = read_text(path, PROFILE_LIMIT, "a profile")
        .map_err(|e| CliError::usage(format!("cannot read profile {}: {e}", path.display())))?;
    let at = |e: &ProfileError| match e.field().and_then(|f| line_of_field(&text, f)) {
        Some(line) => format!("{}:{line}: {e}", path.display()),
        None => format!("{}: {e}", path.display()),
    };
    let mut p = Profile::from_toml(&text).map_err(|e| CliError::usage(at(&e)))?;
    p.validate(catalog).map_err(|e| CliError::usage(at(&e)))?;
    Ok(p)
}

/// Flags of the wizard given before a command (`amlfw --region westeurope rules`) would be
/// ignored: refuse them, naming where they go.
pub fn check_no_flags_before(matches: &clap::ArgMatches) -> Result<(), CliError> {
    let Some(sub) = matches.subcommand_name() else {
        return Ok(());
    };
    let given: Vec<String> = args::Cli::command()
        .get_arguments()
        .filter(|a| {
            matches.value_source(a.get_id().as_str())
                == Some(clap::parser::ValueSource::CommandLine)
        })
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect();
    match given.as_slice() {
        [] => Ok(()),
        flags => Err(CliError::usage(format!(
            "{} before the command `{sub}` would be ignored: write it after the command (amlfw {sub} {} ...); before a command, flags apply only to the wizard",
            flags.join(", "),
            flags[0]
        ))),
    }
}

/// Builds and validates the profile a selection describes: the profile file (if any), with
/// every flag given overriding its value.
pub fn build_profile(
    sel: &Selection,
    catalog: &Catalog,
    fallback: Fallback,
) -> Result<Profile, CliError> {
    Ok(build_profile_noting_stored(sel, catalog, fallback)?.0)
}

/// `build_profile`, and whether the profile is the saved one `--profile NAME` names with no
/// flag changing it (then the name alone gives the same choices: the wizard's suggested
/// commands use it). The saved profile is read once.
pub fn build_profile_noting_stored(
    sel: &Selection,
    catalog: &Catalog,
    fallback: Fallback,
) -> Result<(Profile, bool), CliError> {
    let loaded = match (&sel.profile, &sel.profile_file) {
        (Some(name), _) => profiles::store()?
            .load(name, catalog)
            .map_err(profiles::store_error)?,
        (None, Some(path)) => load_profile_file(path, catalog)?,
        (None, None) => match (&sel.region, fallback) {
            (None, Fallback::RequireRegion) => {
                return Err(CliError::usage(
                    "no region given: pass --region NAME (see `amlfw regions`), --profile NAME or --profile-file PATH",
                ))
            }
            // The wizard starts from its defaults; --cloud alone takes that cloud's default
            // region, as choosing the cloud in the wizard does (--region overrides below).
            (_, Fallback::BuiltinDefault) => {
                let mut p = Profile::builtin_default();
                if let Some(c) = sel.cloud {
                    p.cloud = c;
                    p.region = amlfw::tui::app::default_region(c).to_string();
                }
                p
            }
            (Some(r), _) => Profile::new(sel.cloud.unwrap_or(amlfw::Cloud::Public), r.clone()),
        },
    };
    let mut p = loaded.clone();
    if let Some(c) = sel.cloud {
        p.cloud = c;
    }
    if let Some(r) = &sel.region {
        p.region = r.clone();
    }
    if !sel.features.is_empty() {
        // Empty ids ("--feature ''", "a,,b") are refused by validation like any unknown id.
        p.features = sel.features.iter().map(|f| f.trim().to_string()).collect();
    }
    if let Some(s) = &sel.storage_account {
        p.storage_account = Some(s.clone());
    }
    if let Some(s) = &sel.acr_name {
        p.acr_name = Some(s.clone());
    }
    if !sel.sources.is_empty() {
        p.sources = sel.sources.clone();
    }
    if let Some(m) = sel.inbound_routes {
        p.inbound_routes = Some(m);
    }
    if !sel.aks_dns_servers.is_empty() {
        p.aks_dns_servers = sel.aks_dns_servers.clone();
    }
    if let Some(n) = &sel.name_prefix {
        p.name_prefix = Some(n.clone());
    }
    if let Some(b) = sel.priority_base {
        p.priority_base = Some(b);
    }
    if let Some(e) = &sel.edition {
        p.edition = Some(e.clone());
    }
    if sel.dns_proxy {
        p.dns_proxy = true;
    }
    for (id, value) in [
        ("compute-public-ip", sel.compute_public_ip),
        ("private-endpoints", sel.private_endpoints),
        ("monitor-secured", sel.monitor_secured),
        ("storage-firewall", sel.storage_firewall),
    ] {
        if value.is_some() {
            p.set_option(id, value);
        }
    }
    if let Some(w) = &sel.workspace_id {
        p.workspace_id = Some(w.clone());
    }
    p.validate(catalog)
        .map_err(|e| CliError::usage(flag_error(&e)))?;
    let stored = sel.profile.is_some() && p == loaded;
    Ok((p, stored))
}

/// Names the flag (not the TOML key) a bad value came from.
fn flag_error(e: &ProfileError) -> String {
    match e {
        ProfileError::Invalid {
            field,
            value,
            reason,
        } => {
            let flag = match *field {
                "features" => "--feature".to_string(),
                "sources" => "--source".to_string(),
                "aks_dns_servers" => "--aks-dns-server".to_string(),
                f => format!("--{}", f.replace('_', "-")),
            };
            format!("{flag} '{value}': {reason}")
        }
        e => e.to_string(),
    }
}

/// A profile that names no edition follows the newest: say which, and how to pin it, so that
/// a later amlfw with a newer edition does not change an admin's rules unannounced.
pub fn edition_notice(p: &Profile, catalog: &Catalog) {
    if p.edition.is_none() {
        let newest = &catalog.default_edition().id;
        diag(&format!(
            "notice: no edition chosen: using the newest, {newest}; pin it with --edition {newest} or edition = \"{newest}\" in the profile (see `amlfw editions`)"
        ));
    }
}

fn resolve_or_fail(catalog: &Catalog, p: &Profile) -> Result<RuleSet, CliError> {
    resolve(catalog, p).map_err(|e| CliError::usage(e.to_string()))
}

/// Reads a Service Tags file and checks it as JSON. The tags' prefixes are parsed when a tag is
/// first used, so a malformed prefix is an error of the export that uses its tag (see
/// `export_error`), not of this load.
pub fn load_service_tags(path: &Path) -> Result<TagIndex, CliError> {
    // Every tag is kept (the wizard, `audit`): the scan would find every entry and then parse
    // each with serde_json, more work than the full parse alone.
    let text = read_service_tags(path)?;
    warn_if_stale(path);
    TagIndex::from_json(&text).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))
}

/// `load_service_tags`, keeping only the tags whose name `keep` accepts (the rest of the file
/// is still checked as JSON).
fn load_service_tags_keeping(
    path: &Path,
    keep: impl Fn(&str) -> bool,
) -> Result<TagIndex, CliError> {
    keep_service_tags(path, keep)
}

/// `TagIndex::from_json_keeping` on the file at `path`, without holding the whole file: the
/// fast path reads it in pieces into a buffer that is reused (reading 4 MB into fresh memory
/// faults in a thousand pages: most of the system time of `amlfw tags`). A file it does not
/// take (not in Microsoft's plain form, malformed, larger than the limit, unreadable) is read
/// whole and parsed in full, which reports what is wrong as before. Warns of a stale file once
/// it is read, before any error in it (as before the fast path).
fn keep_service_tags(path: &Path, keep: impl Fn(&str) -> bool) -> Result<TagIndex, CliError> {
    let fast = amlfw::fsio::open_regular(path, SERVICE_TAGS_LIMIT, "a Service Tags file")
        .ok()
        .and_then(|(file, _)| {
            // One byte past the limit tells a file that grew since the check.
            TagIndex::from_reader_keeping(file.take(SERVICE_TAGS_LIMIT + 1), &keep)
        })
        .filter(|(_, read)| *read <= SERVICE_TAGS_LIMIT);
    let index = match fast {
        Some((index, _)) => index,
        None => {
            let text = read_service_tags(path)?;
            warn_if_stale(path);
            return TagIndex::from_json_keeping_full(&text, keep)
                .map_err(|e| CliError::usage(format!("{}: {e}", path.display())));
        }
    };
    warn_if_stale(path);
    index.map_err(|e| CliError::usage(format!("{}: {e}", path.display())))
}

/// A Service Tags file's text: a regular file of at most 64 MiB (Microsoft's are about 4 MB).
fn read_service_tags(path: &Path) -> Result<String, CliError> {
    read_text(path, SERVICE_TAGS_LIMIT, "a Service Tags file").map_err(|e| {
        CliError::usage(format!(
            "cannot read Service Tags file {}: {e}",
            path.display()
        ))
    })
}

/// Paths that name this process's standard output: written like `-o -`. Renaming over them
/// would replace a symlink in /dev (as root) and send nothing down the pipe; following them
/// to a regular file would replace the file the shell redirected to.
fn is_stdout_path(p: &Path) -> bool {
    [
        Path::new("-"),
        Path::new("/dev/stdout"),
        Path::new("/dev/fd/1"),
        Path::new("/proc/self/fd/1"),
    ]
    .contains(&p)
}

/// Warns on stderr when a dated Service Tags file name is more than eight weeks old.
fn warn_if_stale(path: &Path) {
    if let Some(w) = amlfw::fsio::service_tags_staleness(path) {
        diag(&format!("warning: {w}"));
    }
}

pub(crate) fn stdout_write(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`amlfw ... | head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::failure(format!("cannot write to stdout: {e}"))),
    }
}

pub fn run(command: Command, catalog: &Catalog) -> Result<(), CliError> {
    match command {
        Command::Rules { selection, format } => {
            let p = build_profile(&selection, catalog, Fallback::RequireRegion)?;
            edition_notice(&p, catalog);
            let rs = resolve_or_fail(catalog, &p)?;
            let text = match format {
                RulesFormat::Table => {
                    for w in &rs.warnings {
                        diag(&format!("warning: {}", w.message));
                    }
                    table::rules_table(&rs, 100)
                }
                RulesFormat::Json => {
                    render(&export::tabular::Json, &rs, &ExportOptions::default())?
                }
                RulesFormat::Csv => render(&export::tabular::Csv, &rs, &ExportOptions::default())?,
            };
            stdout_write(&text)
        }
        Command::Export {
            selection,
            target,
            output,
            force,
            platforms,
            service_tags,
            copy,
            clipboard,
            expand_tags,
        } => {
            let exporter = export::find(&target).ok_or_else(|| {
                let ids: Vec<&str> = export::targets().iter().map(|t| t.id()).collect();
                CliError::usage(format!(
                    "unknown target '{target}' (known: {})",
                    ids.join(", ")
                ))
            })?;
            let p = build_profile(&selection, catalog, Fallback::RequireRegion)?;
            edition_notice(&p, catalog);
            let rs = resolve_or_fail(catalog, &p)?;
            let tags = match &service_tags {
                Some(path) => {
                    // Only the tags of these rules are kept: an export looks up no other, and
                    // skipping the rest halves the load. (The wizard keeps them all: another
                    // region or feature needs others.)
                    let used: Vec<&str> = rs
                        .rules
                        .iter()
                        .filter(|r| export::tabular::remote_is_tag(r))
                        .map(|r| r.remote.as_str())
                        .collect();
                    let t = load_service_tags_keeping(path, |name| {
                        used.iter().any(|u| u.eq_ignore_ascii_case(name))
                    })?;
                    t.check_cloud(rs.settings.cloud)
                        .map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
                    Some(t)
                }
                None => None,
            };
            if expand_tags && tags.is_none() {
                return Err(CliError::usage(
                    "--expand-tags needs --service-tags FILE (the addresses come from it)",
                ));
            }
            let opts = ExportOptions {
                service_tags: tags.as_ref(),
                expand_tags,
                existing: None,
            };
            if exporter.is_multi_file() {
                if copy {
                    return Err(CliError::usage(format!(
                        "--copy takes a one-file target; {} is several files",
                        exporter.id()
                    )));
                }
                return export_files(exporter, &rs, &opts, &platforms, output.as_deref(), force)
                    .map_err(|e| match e {
                        FilesError::Export(e) => export_error(e, service_tags.as_deref()),
                        FilesError::Cli(e) => e,
                    });
            }
            if !platforms.is_empty() {
                return Err(CliError::usage(format!(
                    "--platform is for the aerleon target, not {}",
                    exporter.id()
                )));
            }
            let out = exporter
                .render(&rs, &opts)
                .map_err(|e| export_error(e, service_tags.as_deref()))?;
            report_export(&rs, exporter, &out.unexpressed);
            // Write first: a refused or failed write must not leave a copy behind it.
            match output.as_deref() {
                Some(p) if p.as_os_str().is_empty() => {
                    return Err(CliError::usage("-o needs a file name (or - for stdout)"))
                }
                None => stdout_write(&out.text)?,
                Some(p) if is_stdout_path(p) => stdout_write(&out.text)?,
                Some(path) => {
                    // A path that cannot be right (a directory, a missing directory, an
                    // existing or read-only file without --force, a block device) is bad
                    // input (2); a failure of the write itself is 1.
                    write_atomic(path, out.text.as_bytes(), force).map_err(|e| {
                        if e.is_bad_path() {
                            CliError::usage(e.to_string())
                        } else {
                            CliError::failure(e.to_string())
                        }
                    })?;
                    diag(&format!(
                        "wrote {} ({} bytes, target {})",
                        path.display(),
                        out.text.len(),
                        exporter.id()
                    ));
                }
            }
            if copy {
                profiles::copy_export(&out.text, exporter.id(), clipboard)?;
            }
            Ok(())
        }
        Command::Tags(args) => print_tags(&args.service_tags, &args.tags),
        Command::Profile { action } => profiles::run(action, catalog),
        Command::Dns {
            selection,
            format,
            workspace_only,
        } => dns::run(&selection, format, workspace_only, catalog),
        Command::Audit {
            selection,
            service_tags,
            format,
            fix,
            files,
        } => audit::run(
            audit::AuditArgs {
                selection,
                service_tags,
                format,
                fix,
                files,
            },
            catalog,
        ),
        Command::Targets => stdout_write(&table::targets_table()),
        Command::Features => stdout_write(&table::features_list(catalog, 100)),
        Command::Regions { cloud } => stdout_write(&table::regions_table(catalog, cloud)),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut args::Cli::command(), "amlfw", &mut out);
            stdout_write(&String::from_utf8_lossy(&out))
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(args::Cli::command())
                .render(&mut out)
                .map_err(|e| CliError::failure(e.to_string()))?;
            stdout_write(&String::from_utf8_lossy(&out))
        }
        Command::Editions => stdout_write(&diff::editions_table(catalog)),
        Command::Diff {
            selection,
            from,
            to,
            format,
        } => diff::run(&selection, catalog, &from, to.as_deref(), format),
    }
}

enum FilesError {
    Export(ExportError),
    Cli(CliError),
}

/// A multi-file target: rendered as files, written into the directory `-o` names (a new
/// directory beside it, renamed into place; a non-empty one only with --force, and only if it
/// is an earlier export of the same target).
fn export_files(
    exporter: &dyn Exporter,
    rs: &RuleSet,
    opts: &ExportOptions,
    platforms: &[String],
    output: Option<&Path>,
    force: bool,
) -> Result<(), FilesError> {
    let dir = match output {
        Some(p) if !p.as_os_str().is_empty() && p != Path::new("-") => p,
        _ => {
            return Err(FilesError::Cli(CliError::usage(format!(
                "the {} target is several files: pass -o DIR (a new or empty directory, or --force to replace an earlier export)",
                exporter.id()
            ))))
        }
    };
    let set = match exporter.render_files(rs, opts, platforms) {
        Some(r) => r.map_err(FilesError::Export)?,
        None => unreachable!("a multi-file target renders files"),
    };
    report_export(rs, exporter, &set.unexpressed);
    // --force replaces only an earlier export of this target: every file at a path this one
    // writes, with its header; anything else in the directory is the user's.
    let what = format!("an earlier amlfw {} export", exporter.id());
    let first_line = |l: &str| export::is_first_header_line(l, exporter.id());
    let earlier = amlfw::fsio::Earlier {
        what: &what,
        first_line: &first_line,
    };
    amlfw::fsio::write_dir_atomic(dir, &set.files, force.then_some(&earlier)).map_err(|e| {
        FilesError::Cli(if e.is_bad_path() {
            CliError::usage(e.to_string())
        } else {
            CliError::failure(e.to_string())
        })
    })?;
    diag(&format!(
        "wrote {} ({} files, target {})",
        dir.display(),
        set.files.len(),
        exporter.id()
    ));
    Ok(())
}

/// Says on stderr what an export's user must see: the warnings that concern the target and
/// every rule it left out, with why.
fn report_export(rs: &RuleSet, exporter: &dyn Exporter, unexpressed: &[export::Unexpressed]) {
    for w in export::warnings_for(rs, exporter, unexpressed) {
        diag(&format!("warning: {}", w.message));
    }
    for u in unexpressed {
        diag(&format!(
            "NOT covered by {}: {} ({}): {}",
            exporter.id(),
            u.remote,
            u.rule_id,
            u.reason
        ));
    }
}

/// A failed render as the CLI says it. A malformed prefix in the Service Tags file is found by
/// the render, when it first uses the tag; it is named with the file, as when the file was
/// parsed whole at load.
fn export_error(e: ExportError, service_tags: Option<&Path>) -> CliError {
    match (&e, service_tags) {
        (
            ExportError::ServiceTags(TagError::BadPrefix { .. } | TagError::UnsafePrefix { .. }),
            Some(path),
        ) => CliError::usage(format!("{}: {e}", path.display())),
        _ => CliError::usage(e.to_string()),
    }
}

/// `amlfw tags`: the aggregated prefixes of the tags, one per line. It needs no catalog, so
/// `main` calls it before building one (it is the command timed against jq + aggregate6).
pub fn print_tags(service_tags: &Path, tags: &[String]) -> Result<(), CliError> {
    // Only the tags asked for are kept: the others' properties (nearly all of the 4 MB file)
    // are checked as JSON and skipped, without copying their prefixes.
    let index = keep_service_tags(service_tags, |name| {
        tags.iter().any(|t| t.eq_ignore_ascii_case(name))
    })?;
    // The kept tags' prefixes, in the file's order: the first malformed one is the error that
    // loading gave when it parsed them all, before a missing tag is looked for.
    index
        .check_prefixes()
        .map_err(|e| CliError::usage(format!("{}: {e}", service_tags.display())))?;
    let p = index
        .expand(tags.iter().map(String::as_str))
        .map_err(|e| CliError::usage(format!("{}: {e}", service_tags.display())))?;
    let mut text = String::with_capacity(p.len() * 20);
    for n in p.iter() {
        amlfw::servicetags::push_net(&mut text, &n);
        text.push('\n');
    }
    stdout_write(&text)
}

fn render(e: &dyn Exporter, rs: &RuleSet, opts: &ExportOptions) -> Result<String, CliError> {
    e.render(rs, opts)
        .map(|o| o.text)
        .map_err(|e| CliError::usage(e.to_string()))
}
