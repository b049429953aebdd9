//! Named profiles on disk: one TOML file per profile in the config directory.
//!
//! Location: `$AMLFW_CONFIG_DIR`, else `$XDG_CONFIG_HOME/amlfw`, else `~/.config/amlfw` (XDG on
//! every Unix, macOS included: CLI users expect `~/.config`, not `~/Library`). Profiles live in
//! `profiles/NAME.toml` below it. Saves are atomic; a corrupt file is reported with its file and
//! line and never stops the other profiles from listing or loading.

use crate::catalog::Catalog;
use crate::fsio::{read_text, remove_stale_temp_files, write_atomic, WriteError, PROFILE_LIMIT};
use crate::profile::{line_of_field, Profile, ProfileError};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use thiserror::Error;

pub const NAME_RULE: &str = "a profile name is 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit, and not a device name of Windows (CON, PRN, AUX, NUL, COM1-9, LPT1-9)";

/// Temporary files of saves older than this were left by a killed process (a save takes
/// milliseconds) and are removed by the next save.
const STALE_TEMP_AGE: Duration = Duration::from_secs(3600);

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("'{name}' is not a valid profile name: {NAME_RULE}")]
    BadName { name: String },
    /// A `.toml` file in the store whose name `validate_name` refuses.
    #[error("{}: '{name}' is not a valid profile name ({NAME_RULE}): rename the file to use it", crate::diag::escape(&path.display().to_string()))]
    BadFileName { name: String, path: PathBuf },
    #[error("no profile named '{name}' (in {dir}); see `amlfw profile list`")]
    NotFound { name: String, dir: PathBuf },
    #[error("profile '{name}' already exists (use --force to replace it)")]
    Exists { name: String },
    /// Names differing only in case would be one file on a case-insensitive file system.
    #[error("profile '{existing}' already exists and names ignore case: delete it first (amlfw profile delete {existing}) or save as '{existing}'")]
    CaseClash { name: String, existing: String },
    #[error("{path}:{location}{message}")]
    Invalid {
        path: PathBuf,
        /// `LINE: ` when known.
        location: String,
        message: String,
    },
    #[error(
        "profile '{name}' would be {size} bytes, more than the 1 MiB a profile may be: not saved"
    )]
    TooLarge { name: String, size: usize },
    #[error("cannot find the configuration directory: set AMLFW_CONFIG_DIR or HOME")]
    NoHome,
    #[error("{0}")]
    Write(#[from] WriteError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// One row of `profile list`.
#[derive(Debug)]
pub struct Entry {
    pub name: String,
    pub path: PathBuf,
    pub modified: Option<SystemTime>,
    /// The profile, or why it could not be read.
    pub profile: Result<Profile, StoreError>,
}

#[derive(Debug, Clone)]
pub struct Store {
    config_dir: PathBuf,
}

impl Store {
    /// The store at an explicit configuration directory (profiles in `DIR/profiles`).
    pub fn at(config_dir: impl Into<PathBuf>) -> Store {
        Store {
            config_dir: config_dir.into(),
        }
    }

    /// The store the environment points at (see the module docs).
    pub fn from_env() -> Result<Store, StoreError> {
        if let Some(d) = std::env::var_os("AMLFW_CONFIG_DIR").filter(|d| !d.is_empty()) {
            return Ok(Store::at(d));
        }
        use etcetera::BaseStrategy;
        let xdg = etcetera::base_strategy::Xdg::new().map_err(|_| StoreError::NoHome)?;
        Ok(Store::at(xdg.config_dir().join("amlfw")))
    }

    pub fn config_dir(&self) -> &Path {
        &self.config_dir
    }

    pub fn profiles_dir(&self) -> PathBuf {
        self.config_dir.join("profiles")
    }

    pub fn path_of(&self, name: &str) -> Result<PathBuf, StoreError> {
        validate_name(name)?;
        Ok(self.profiles_dir().join(format!("{name}.toml")))
    }

    /// Reads and validates one profile.
    pub fn load(&self, name: &str, catalog: &Catalog) -> Result<Profile, StoreError> {
        let (path, text) = self.read(name)?;
        parse(&path, &text, catalog)
    }

    /// The path and text of one profile, unchecked (a regular file of at most 1 MiB).
    pub fn read(&self, name: &str) -> Result<(PathBuf, String), StoreError> {
        let path = self.path_of(name)?;
        match read_profile_file(&path) {
            Ok(t) => Ok((path, t)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NotFound {
                name: name.to_string(),
                dir: self.profiles_dir(),
            }),
            Err(source) => Err(StoreError::Io { path, source }),
        }
    }

    /// Saves atomically. An existing profile is replaced only with `overwrite`.
    pub fn save(
        &self,
        name: &str,
        profile: &Profile,
        overwrite: bool,
    ) -> Result<PathBuf, StoreError> {
        let path = self.path_of(name)?;
        let dir = self.profiles_dir();
        create_private_dir(&dir)?;
        let text = profile.to_toml();
        // Never save what `load` would refuse to read back.
        if text.len() as u64 > PROFILE_LIMIT {
            return Err(StoreError::TooLarge {
                name: name.to_string(),
                size: text.len(),
            });
        }
        if let Some(existing) = self.other_case(name) {
            return Err(StoreError::CaseClash {
                name: name.to_string(),
                existing,
            });
        }
        // A FIFO or device in the store is never written (a FIFO would wait for a reader).
        crate::fsio::refuse_special(&path).map_err(|source| StoreError::Io {
            path: path.clone(),
            source,
        })?;
        remove_stale_temp_files(&dir, STALE_TEMP_AGE);
        match write_atomic(&path, text.as_bytes(), overwrite) {
            Ok(()) => Ok(path),
            Err(WriteError::Exists { .. }) => Err(StoreError::Exists {
                name: name.to_string(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// The name of a saved profile that differs from `name` only in case.
    fn other_case(&self, name: &str) -> Option<String> {
        let read = std::fs::read_dir(self.profiles_dir()).ok()?;
        read.flatten().find_map(|e| {
            let file = e.file_name();
            let stem = file.to_str()?.strip_suffix(".toml")?;
            (stem != name && stem.eq_ignore_ascii_case(name)).then(|| stem.to_string())
        })
    }

    pub fn delete(&self, name: &str) -> Result<PathBuf, StoreError> {
        let path = self.path_of(name)?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NotFound {
                name: name.to_string(),
                dir: self.profiles_dir(),
            }),
            Err(source) => Err(StoreError::Io { path, source }),
        }
    }

    pub fn exists(&self, name: &str) -> bool {
        self.path_of(name).is_ok_and(|p| p.is_file())
    }

    /// Every `*.toml` in the profiles directory, sorted by name; unreadable ones carry their
    /// error. A missing directory is an empty list.
    pub fn list(&self, catalog: &Catalog) -> Result<Vec<Entry>, StoreError> {
        let dir = self.profiles_dir();
        let read = match std::fs::read_dir(&dir) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(StoreError::Io { path: dir, source }),
        };
        let mut out = Vec::new();
        for entry in read.flatten() {
            let path = entry.path();
            let file_name = entry.file_name();
            let file_name = file_name.to_string_lossy();
            let Some(name) = file_name
                .strip_suffix(".toml")
                // Hidden files are temp files of an interrupted save and editor locks.
                .filter(|n| !n.starts_with('.'))
            else {
                continue; // editor backups (`x.toml~`), other files
            };
            let modified = entry.metadata().and_then(|m| m.modified()).ok();
            if validate_name(name).is_err() {
                // Saved by hand or by an older amlfw: listed, so it does not vanish, with
                // what to do; its name is quoted, as it may hold anything.
                out.push(Entry {
                    // As the file has it: front ends that show it on a terminal quote it.
                    name: name.to_string(),
                    path: path.clone(),
                    modified,
                    profile: Err(StoreError::BadFileName {
                        name: crate::diag::escape(name).into_owned(),
                        path,
                    }),
                });
                continue;
            }
            let name = name.to_string();
            let profile = read_profile_file(&path)
                .map_err(|source| StoreError::Io {
                    path: path.clone(),
                    source,
                })
                .and_then(|text| parse(&path, &text, catalog));
            out.push(Entry {
                name,
                path,
                modified,
                profile,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}

/// A profile's text: a regular file (symlinks followed) of at most 1 MiB, so that a FIFO or
/// a link to a device in the store can neither hang nor exhaust `profile list`.
fn read_profile_file(path: &Path) -> std::io::Result<String> {
    read_text(path, PROFILE_LIMIT, "a profile")
}

/// Parses and validates a profile's text, locating errors in the file.
pub fn parse(path: &Path, text: &str, catalog: &Catalog) -> Result<Profile, StoreError> {
    let invalid = |e: ProfileError| {
        let location = match &e {
            // toml's messages carry their own "line N, column M".
            ProfileError::Parse(_) => String::new(),
            e => e
                .field()
                .and_then(|f| line_of_field(text, f))
                .map(|l| format!("{l}: "))
                .unwrap_or_default(),
        };
        StoreError::Invalid {
            path: path.to_path_buf(),
            location: if location.is_empty() {
                " ".into()
            } else {
                location
            },
            message: e.to_string().trim().replace('\n', " "),
        }
    };
    let mut p = Profile::from_toml(text).map_err(invalid)?;
    p.validate(catalog).map_err(invalid)?;
    Ok(p)
}

/// Names: letters, digits, `-`, `_`, `.`; 1-64 characters; a letter or digit first (so no
/// hidden files and nothing a command line reads as an option: `-x`, `--`); no `..`; never a
/// path; and not a name Windows reserves for a device (`CON`, `nul.x`, any case), which no file
/// there can have.
pub fn validate_name(name: &str) -> Result<(), StoreError> {
    let ok = (1..=64).contains(&name.len())
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && !name.contains("..")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && !is_device_name(name);
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadName {
            name: name.to_string(),
        })
    }
}

/// Whether Windows takes `NAME.toml` for a device: the part before the first dot is CON, PRN,
/// AUX, NUL, COM1-9 or LPT1-9, in any case.
fn is_device_name(name: &str) -> bool {
    let base = name.split('.').next().unwrap_or(name).to_ascii_uppercase();
    matches!(base.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (base.len() == 4
            && (base.starts_with("COM") || base.starts_with("LPT"))
            && matches!(base.as_bytes()[3], b'1'..=b'9'))
}

fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|source| StoreError::Io {
        path: dir.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rule() {
        for ok in [
            "prod",
            "prod-eastus2",
            "a.b_c",
            "A1",
            &"x".repeat(64),
            "1st",
            "console",
            "com10",
            "com0",
            "a-",
        ] {
            assert!(validate_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "../x",
            "a/b",
            ".hidden",
            "a..b",
            "a b",
            "é",
            &"x".repeat(65),
            "a\\b",
            "a\0",
            "-dash",
            "--",
            "_x",
            "CON",
            "nul",
            "Com1",
            "lpt9.old",
            "aux.toml",
        ] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }
}
