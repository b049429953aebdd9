//! `amlfw profile ...` and `export --copy`: the profile store and the clipboard from the CLI.

use super::args::ProfileCommand;
use super::{build_profile, diag, stdout_write, CliError, Fallback};
use amlfw::catalog::Catalog;
use amlfw::clipboard::{self, Clipboard, ClipboardError, Mode};
use amlfw::store::{Store, StoreError};
use std::io::IsTerminal;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub fn store() -> Result<Store, CliError> {
    Store::from_env().map_err(|e| CliError::failure(e.to_string()))
}

/// Bad names, missing and existing profiles, and corrupt files are the user's input (2);
/// anything the file system refuses is a failure (1).
pub fn store_error(e: StoreError) -> CliError {
    match e {
        StoreError::BadName { .. }
        | StoreError::NotFound { .. }
        | StoreError::Exists { .. }
        | StoreError::CaseClash { .. }
        | StoreError::TooLarge { .. }
        | StoreError::Invalid { .. } => CliError::usage(e.to_string()),
        // Not a regular file, or too large: the store holds something a profile cannot be.
        StoreError::Io { ref source, .. }
            if matches!(
                source.kind(),
                std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData
            ) =>
        {
            CliError::usage(e.to_string())
        }
        _ => CliError::failure(e.to_string()),
    }
}

pub fn run(action: ProfileCommand, catalog: &Catalog) -> Result<(), CliError> {
    let store = store()?;
    match action {
        ProfileCommand::Path => stdout_write(&format!("{}\n", store.profiles_dir().display())),
        ProfileCommand::Show { name } => {
            let (path, text) = store.read(&name).map_err(store_error)?;
            // On a terminal a broken or hostile file must not drive it (ESC, bidi controls);
            // into a pipe or file it goes byte for byte, so `show NAME > copy.toml` copies.
            if std::io::stdout().is_terminal() {
                stdout_write(&amlfw::diag::escape_for_terminal(&text))?;
            } else {
                stdout_write(&text)?;
            }
            // Show prints the file even when it is broken, then says what is wrong.
            amlfw::store::parse(&path, &text, catalog).map_err(store_error)?;
            Ok(())
        }
        ProfileCommand::Save {
            name,
            selection,
            force,
        } => {
            amlfw::store::validate_name(&name).map_err(store_error)?;
            let mut profile = build_profile(&selection, catalog, Fallback::RequireRegion)?;
            // Saved profiles record their edition, so a newer amlfw does not change them.
            if profile.edition.is_none() {
                let newest = &catalog.default_edition().id;
                diag(&format!(
                    "recorded edition {newest} (the newest) in the profile"
                ));
                profile.edition = Some(newest.clone());
            }
            let path = store.save(&name, &profile, force).map_err(store_error)?;
            diag(&format!("saved profile {name} to {}", path.display()));
            Ok(())
        }
        ProfileCommand::Delete { name } => {
            let path = store.delete(&name).map_err(store_error)?;
            diag(&format!("deleted profile {name} ({})", path.display()));
            Ok(())
        }
        ProfileCommand::List { json } => list(&store, catalog, json),
    }
}

fn list(store: &Store, catalog: &Catalog, json: bool) -> Result<(), CliError> {
    let entries = store.list(catalog).map_err(store_error)?;
    for e in &entries {
        if let Err(err) = &e.profile {
            diag(&format!("warning: {err}"));
        }
    }
    if json {
        let rows: Vec<serde_json::Value> = entries
            .iter()
            .map(|e| {
                let modified = e.modified.map(unix_seconds);
                match &e.profile {
                    Ok(p) => serde_json::json!({
                        "name": e.name, "path": e.path, "cloud": p.cloud.id(), "region": p.region,
                        "features": p.features, "modified": modified.map(iso_utc),
                        "modified_unix": modified,
                    }),
                    Err(err) => serde_json::json!({
                        "name": e.name, "path": e.path, "error": err.to_string(),
                        "modified": modified.map(iso_utc), "modified_unix": modified,
                    }),
                }
            })
            .collect();
        let mut text = serde_json::to_string_pretty(&rows).expect("JSON");
        text.push('\n');
        return stdout_write(&text);
    }
    let mut text = format!(
        "{:<24} {:<7} {:<20} {:>8}  {}\n",
        "NAME", "CLOUD", "REGION", "FEATURES", "MODIFIED (UTC)"
    );
    for e in &entries {
        let modified = e
            .modified
            .map(|m| iso_utc(unix_seconds(m)))
            .unwrap_or_default();
        match &e.profile {
            Ok(p) => text.push_str(&format!(
                "{:<24} {:<7} {:<20} {:>8}  {}\n",
                amlfw::diag::escape(&e.name),
                p.cloud.id(),
                p.region,
                p.features.len(),
                modified
            )),
            Err(_) => text.push_str(&format!(
                "{:<24} {:<7} {:<20} {:>8}  {}\n",
                amlfw::diag::escape(&e.name),
                "-",
                "(unreadable, see above)",
                "-",
                modified
            )),
        }
    }
    stdout_write(&text)
}

fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `YYYY-MM-DDTHH:MM:SSZ` from Unix seconds (proleptic Gregorian, no time-zone database).
pub fn iso_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The clipboard mode: the flag, else config.toml, else auto.
fn clipboard_mode(flag: Option<Mode>) -> Result<Mode, CliError> {
    if let Some(m) = flag {
        return Ok(m);
    }
    let store = store()?;
    clipboard::mode_from_config(store.config_dir()).map_err(|e| CliError::usage(e.to_string()))
}

/// How long `export --copy` keeps serving the X11/Wayland clipboard for a clipboard manager.
const COPY_WAIT: Duration = Duration::from_secs(2);

pub fn copy_export(text: &str, target: &str, flag: Option<Mode>) -> Result<(), CliError> {
    let mode = clipboard_mode(flag)?;
    let mut cb = Clipboard::new(mode);
    match cb.copy_and_wait(text, COPY_WAIT) {
        Ok(c) => {
            diag(&c.describe(text.len(), target));
            if c == clipboard::Copied::System {
                diag(&format!("note: on X11/Wayland the copy outlives amlfw only if a clipboard manager took it within {} s", COPY_WAIT.as_secs()));
            }
            Ok(())
        }
        Err(e @ ClipboardError::Off) => Err(CliError::usage(e.to_string())),
        Err(e) => Err(CliError::failure(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::iso_utc;

    #[test]
    fn iso_dates() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso_utc(1_795_000_000), "2026-11-18T11:06:40Z");
    }
}
