//! Writing a multi-file export as one directory, and replacing an earlier export with it
//! without ever deleting anything else.

use super::*;
use std::collections::BTreeSet;

/// What `write_dir_atomic` may replace (`--force`): a directory holding nothing but the files
/// of an earlier export of the same kind, at the paths the new one writes, each recognised by
/// its first line. Anything else in it would be the user's, and the replacement deletes the
/// old directory whole.
pub struct Earlier<'a> {
    /// Named in the refusal: "an earlier amlfw aerleon export".
    pub what: &'a str,
    /// Whether the first line of a file shows that amlfw wrote it for this kind of export.
    pub first_line: &'a dyn Fn(&str) -> bool,
}

/// A refusal names this many unexpected entries, then counts the rest.
const NAMED: usize = 3;

/// Writes `files` (relative path, text) as the directory `dir`, near atomically: they are
/// written into a new temporary directory beside `dir`, flushed, and that directory is renamed
/// to `dir`. A directory already there is taken if it is empty; a non-empty one only with
/// `replace`, and only if it is such an earlier export: it is moved aside, checked again
/// (nothing may have been added meanwhile), and removed after the new one is in place. The
/// root, current and home directories and mount points are refused by name: a rename cannot
/// or must not replace them. An error leaves `dir` as it was (the only window is between the
/// two renames, where `dir` is briefly absent).
pub fn write_dir_atomic(
    dir: &Path,
    files: &[(String, String)],
    replace: Option<&Earlier<'_>>,
) -> Result<(), WriteError> {
    let io_err = io_error_at(dir);
    for (rel, _) in files {
        let plain = Path::new(rel)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !plain || rel.is_empty() {
            return Err(io_err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{rel}: not a plain relative path"),
            )));
        }
    }
    let existing = match fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => true,
        Ok(_) => {
            return Err(io_err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "it exists and is not a directory",
            )))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(io_err(e)),
    };
    // `.`, `x/..` or `x/` name no entry a rename can move: an existing directory is renamed
    // by its real path.
    let target = if existing {
        fs::canonicalize(dir).map_err(&io_err)?
    } else {
        dir.to_path_buf()
    };
    if existing {
        if let Some(why) = unreplaceable(&target) {
            return Err(WriteError::Unreplaceable {
                path: dir.to_path_buf(),
                why,
            });
        }
    }
    let parent = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(WriteError::NoDirectory {
            path: dir.to_path_buf(),
            dir: parent,
        });
    }
    if existing {
        refuse_unless_replaceable(dir, &target, files, replace)?;
    }

    let tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempdir_in(&parent)
        .map_err(&io_err)?;
    #[cfg(unix)]
    {
        // A directory like any other the user makes (tempdir's default, 0700, would surprise).
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755));
    }
    let mut made = BTreeSet::new();
    for (rel, text) in files {
        let path = tmp.path().join(rel);
        if let Some(d) = path.parent() {
            fs::create_dir_all(d).map_err(&io_err)?;
            made.insert(d.to_path_buf());
        }
        let mut f = fs::File::create(&path).map_err(&io_err)?;
        f.write_all(text.as_bytes()).map_err(&io_err)?;
        f.sync_all().map_err(&io_err)?;
    }
    // The new directory's entries are on disk before anything of the old one is touched.
    for d in &made {
        sync_dir(d);
    }
    let new = tmp.keep();

    let aside = if existing {
        let old = tempfile::Builder::new()
            .prefix(".amlfw-old-")
            .tempdir_in(&parent)
            .map_err(&io_err)?
            .keep();
        // rename onto an empty directory replaces it (POSIX).
        if let Err(e) = fs::rename(&target, &old) {
            let _ = fs::remove_dir_all(&new);
            let _ = fs::remove_dir(&old);
            return Err(rename_error(dir, e));
        }
        // Checked again where nothing can be added any more: a file created in `dir` since
        // the first check must not be deleted with it.
        if let Err(e) = refuse_unless_replaceable(dir, &old, files, replace) {
            let _ = fs::remove_dir_all(&new);
            put_back(dir, &old, &target)?;
            return Err(e);
        }
        Some(old)
    } else {
        None
    };
    if let Err(e) = fs::rename(&new, &target) {
        let _ = fs::remove_dir_all(&new);
        if let Some(old) = &aside {
            put_back(dir, old, &target)?;
        }
        return Err(io_err(e));
    }
    if let Some(old) = aside {
        let _ = fs::remove_dir_all(old);
    }
    sync_dir(&parent);
    Ok(())
}

/// The `WriteError` of a failed operation on `dir`.
fn io_error_at(dir: &Path) -> impl Fn(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: dir.to_path_buf(),
        source,
    }
}

/// Moves the directory set aside back to its name; if that fails, says where it is, so that
/// the user's files are never lost without a word.
fn put_back(dir: &Path, old: &Path, target: &Path) -> Result<(), WriteError> {
    fs::rename(old, target).map_err(|e| {
        io_error_at(dir)(io::Error::new(
            e.kind(),
            format!(
                "{e}; its previous content is kept in {}: move it back yourself",
                old.display()
            ),
        ))
    })
}

fn rename_error(dir: &Path, e: io::Error) -> WriteError {
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc::EBUSY) {
        // A bind mount on the same file system, or a directory the system holds otherwise:
        // not found by `unreplaceable`, refused by the kernel.
        return WriteError::Unreplaceable {
            path: dir.to_path_buf(),
            why: "in use by the system (a mount point?), which a rename cannot replace",
        };
    }
    io_error_at(dir)(e)
}

/// Why the existing directory `real` (a canonical path) must not be replaced by a rename, if
/// it must not: the root, the current directory (or one holding it), the home directory, a
/// mount point.
fn unreplaceable(real: &Path) -> Option<&'static str> {
    if real.parent().is_none() {
        return Some("the root directory");
    }
    if let Ok(cwd) = std::env::current_dir().and_then(fs::canonicalize) {
        if cwd == real {
            return Some("the current directory, which cannot be replaced (amlfw writes a new directory and renames it into place)");
        }
        if cwd.starts_with(real) {
            return Some("a directory that holds the current directory");
        }
    }
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .and_then(|h| fs::canonicalize(h).ok());
    if let Some(home) = home {
        if home == real {
            return Some("your home directory");
        }
        if home.starts_with(real) {
            return Some("a directory that holds your home directory");
        }
    }
    if is_mount_point(real) {
        return Some("a mount point, which a rename cannot replace");
    }
    None
}

#[cfg(unix)]
fn is_mount_point(real: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (fs::metadata(real), real.parent().map(fs::metadata)) {
        (Ok(m), Some(Ok(p))) => m.dev() != p.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn is_mount_point(_: &Path) -> bool {
    false
}

/// Ok if the directory at `at` (named `dir` to the user) may be replaced: it is empty, or it
/// is an earlier export `replace` accepts.
fn refuse_unless_replaceable(
    dir: &Path,
    at: &Path,
    files: &[(String, String)],
    replace: Option<&Earlier<'_>>,
) -> Result<(), WriteError> {
    let io_err = io_error_at(dir);
    let Some(earlier) = replace else {
        if fs::read_dir(at).map_err(&io_err)?.next().is_some() {
            return Err(WriteError::NotEmpty {
                path: dir.to_path_buf(),
            });
        }
        return Ok(());
    };
    let mut foreign = foreign_entries(at, files, earlier).map_err(&io_err)?;
    if foreign.is_empty() {
        return Ok(());
    }
    let more = foreign.len().saturating_sub(NAMED);
    foreign.truncate(NAMED);
    Err(WriteError::NotAnExport {
        path: dir.to_path_buf(),
        what: earlier.what.to_string(),
        entries: foreign,
        more,
    })
}

/// The entries under `at` that an earlier export like `files` would not hold, sorted and
/// quoted for a message: a name that is not one of its files or their directories, an entry
/// of another kind (a symlink, a directory where a file goes), or one of its files whose first
/// line `earlier` does not accept. Only the export's own directories are descended into.
fn foreign_entries(
    at: &Path,
    files: &[(String, String)],
    earlier: &Earlier<'_>,
) -> io::Result<Vec<String>> {
    let wanted: BTreeSet<PathBuf> = files.iter().map(|(r, _)| PathBuf::from(r)).collect();
    let dirs: BTreeSet<&Path> = wanted
        .iter()
        .flat_map(|p| p.ancestors().skip(1))
        .filter(|a| !a.as_os_str().is_empty())
        .collect();
    let mut out = Vec::new();
    let mut todo = vec![PathBuf::new()];
    while let Some(rel) = todo.pop() {
        for entry in fs::read_dir(at.join(&rel))? {
            let entry = entry?;
            let r = rel.join(entry.file_name());
            // The entry's own type: a symlink is not followed.
            let t = entry.file_type()?;
            if t.is_dir() && dirs.contains(r.as_path()) {
                todo.push(r);
            } else if t.is_file() && wanted.contains(&r) {
                if !(earlier.first_line)(&first_line(&entry.path())?) {
                    out.push(format!("'{}' (not written by amlfw)", r.display()));
                }
            } else if t.is_dir() {
                out.push(format!("'{}/'", r.display()));
            } else {
                out.push(format!("'{}'", r.display()));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The first line of a file (at most 512 bytes of it), for recognising a header.
fn first_line(path: &Path) -> io::Result<String> {
    let mut head = Vec::with_capacity(512);
    fs::File::open(path)?.take(512).read_to_end(&mut head)?;
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    Ok(String::from_utf8_lossy(line).trim_end().to_string())
}
