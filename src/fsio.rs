//! File writing that never leaves a half-written file in place of a good one.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum WriteError {
    #[error("{path} already exists (use --force to write over it)")]
    Exists { path: PathBuf },
    #[error("{path} is read-only: not replaced (make it writable first, if you mean to)")]
    ReadOnly { path: PathBuf },
    #[error("cannot write {path}: the directory {dir} does not exist")]
    NoDirectory { path: PathBuf, dir: PathBuf },
    #[error("{path} is a directory that is not empty (use --force to replace it)")]
    NotEmpty { path: PathBuf },
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory is written,
/// flushed to disk and renamed over the target, then the directory entry is flushed. A crash or
/// an error at any point leaves the previous file (or no file) in place, never a torn one.
/// With `overwrite = false` an existing file is an error, checked at the rename itself.
pub fn write_atomic(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), WriteError> {
    let io_err = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(WriteError::NoDirectory {
            path: path.to_path_buf(),
            dir,
        });
    }
    if !overwrite && path.exists() {
        return Err(WriteError::Exists {
            path: path.to_path_buf(),
        });
    }
    // A rename would replace a read-only file without complaint (root ignores modes even for
    // open()); honour the read-only bit like cp and shell redirection do for other users.
    if fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().readonly()) {
        return Err(WriteError::ReadOnly {
            path: path.to_path_buf(),
        });
    }
    if path.is_dir() {
        return Err(WriteError::Io {
            path: path.to_path_buf(),
            source: io::Error::new(io::ErrorKind::IsADirectory, "it is a directory"),
        });
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(".amlfw-").suffix(".tmp");
    // A new file gets the usual 0666 less the umask, like any file a tool writes (tempfile's
    // default, 0600, would surprise: an export is not a secret).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(&dir).map_err(io_err)?;
    tmp.write_all(bytes).map_err(io_err)?;
    tmp.as_file().sync_all().map_err(io_err)?;
    // Keep the mode of the file being replaced (an executable script stays executable).
    if let Ok(meta) = fs::metadata(path) {
        let _ = fs::set_permissions(tmp.path(), meta.permissions());
    }
    if overwrite {
        tmp.persist(path).map_err(|e| io_err(e.error))?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| {
            if e.error.kind() == io::ErrorKind::AlreadyExists {
                WriteError::Exists {
                    path: path.to_path_buf(),
                }
            } else {
                io_err(e.error)
            }
        })?;
    }
    sync_dir(&dir);
    Ok(())
}

/// Writes `files` (relative path, text) as the directory `dir`, near atomically: they are
/// written into a new temporary directory beside `dir`, flushed, and that directory is renamed
/// to `dir`. A directory already there is refused unless it is empty or `overwrite` is set;
/// then it is moved aside first and removed after the rename. An error leaves `dir` as it was
/// (the only window is between the two renames, where `dir` is briefly absent).
pub fn write_dir_atomic(
    dir: &Path,
    files: &[(String, String)],
    overwrite: bool,
) -> Result<(), WriteError> {
    let io_err = |source| WriteError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let parent = match dir.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(WriteError::NoDirectory {
            path: dir.to_path_buf(),
            dir: parent,
        });
    }
    let existing = match fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => true,
        Ok(_) => {
            return Err(io_err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "it exists and is not a directory",
            )))
        }
        Err(_) => false,
    };
    if existing && !overwrite && fs::read_dir(dir).map_err(io_err)?.next().is_some() {
        return Err(WriteError::NotEmpty {
            path: dir.to_path_buf(),
        });
    }
    for (rel, _) in files {
        let p = Path::new(rel);
        let plain = p
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !plain || rel.is_empty() {
            return Err(io_err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{rel}: not a plain relative path"),
            )));
        }
    }
    let tmp = tempfile::Builder::new()
        .prefix(".amlfw-")
        .suffix(".tmp")
        .tempdir_in(&parent)
        .map_err(io_err)?;
    #[cfg(unix)]
    {
        // A directory like any other the user makes (tempdir's default, 0700, would surprise).
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755));
    }
    for (rel, text) in files {
        let path = tmp.path().join(rel);
        if let Some(d) = path.parent() {
            fs::create_dir_all(d).map_err(io_err)?;
        }
        let mut f = fs::File::create(&path).map_err(io_err)?;
        f.write_all(text.as_bytes()).map_err(io_err)?;
        f.sync_all().map_err(io_err)?;
    }
    let new = tmp.keep();
    let aside = if existing {
        let old = tempfile::Builder::new()
            .prefix(".amlfw-old-")
            .tempdir_in(&parent)
            .map_err(io_err)?
            .keep();
        // rename onto an empty directory replaces it (POSIX).
        if let Err(e) = fs::rename(dir, &old) {
            let _ = fs::remove_dir_all(&new);
            let _ = fs::remove_dir(&old);
            return Err(io_err(e));
        }
        Some(old)
    } else {
        None
    };
    if let Err(e) = fs::rename(&new, dir) {
        if let Some(old) = &aside {
            let _ = fs::rename(old, dir);
        }
        let _ = fs::remove_dir_all(&new);
        return Err(io_err(e));
    }
    if let Some(old) = aside {
        let _ = fs::remove_dir_all(old);
    }
    sync_dir(&parent);
    Ok(())
}

/// Flushes a directory entry (rename) to disk. Best effort: not every platform allows it.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite_without_permission() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("out.txt");
        write_atomic(&p, b"one", false).unwrap();
        assert!(matches!(
            write_atomic(&p, b"two", false),
            Err(WriteError::Exists { .. })
        ));
        assert_eq!(fs::read(&p).unwrap(), b"one");
        write_atomic(&p, b"two", true).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        // No temporary files are left behind.
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn new_files_follow_the_umask_and_replaced_files_keep_their_mode() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("out.sh");
        write_atomic(&p, b"one", false).unwrap();
        let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_ne!(mode, 0o600, "not tempfile's private default");
        assert_eq!(mode & 0o600, 0o600, "owner can read and write");
        fs::set_permissions(&p, fs::Permissions::from_mode(0o750)).unwrap();
        write_atomic(&p, b"two", true).unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o750
        );
    }

    #[test]
    fn read_only_files_and_directories_are_not_replaced() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("ro.txt");
        fs::write(&p, b"keep").unwrap();
        let mut perm = fs::metadata(&p).unwrap().permissions();
        perm.set_readonly(true);
        fs::set_permissions(&p, perm).unwrap();
        assert!(matches!(
            write_atomic(&p, b"x", true),
            Err(WriteError::ReadOnly { .. })
        ));
        assert_eq!(fs::read(&p).unwrap(), b"keep");
        let e = write_atomic(d.path(), b"x", true).unwrap_err().to_string();
        assert!(e.contains("directory"), "{e}");
    }

    #[test]
    fn directories_are_written_whole_and_not_over_a_non_empty_one() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        let files = vec![
            ("a/one.yaml".to_string(), "1".to_string()),
            ("two.yaml".to_string(), "2".to_string()),
        ];
        write_dir_atomic(&out, &files, false).unwrap();
        assert_eq!(fs::read_to_string(out.join("a/one.yaml")).unwrap(), "1");
        let again = vec![("three.yaml".to_string(), "3".to_string())];
        assert!(matches!(
            write_dir_atomic(&out, &again, false),
            Err(WriteError::NotEmpty { .. })
        ));
        assert!(out.join("two.yaml").exists(), "refused: left as it was");
        write_dir_atomic(&out, &again, true).unwrap();
        assert!(!out.join("two.yaml").exists(), "replaced whole");
        assert_eq!(fs::read_to_string(out.join("three.yaml")).unwrap(), "3");
        // An empty directory is taken without --force; nothing is left beside it.
        let empty = d.path().join("empty");
        fs::create_dir(&empty).unwrap();
        write_dir_atomic(&empty, &again, false).unwrap();
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 2);
        let bad = vec![("../x".to_string(), String::new())];
        assert!(write_dir_atomic(&d.path().join("b"), &bad, false).is_err());
        assert!(!d.path().join("x").exists() && !d.path().join("b").exists());
    }

    #[test]
    fn missing_directory_is_named() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("nope").join("out.txt");
        let e = write_atomic(&p, b"x", false).unwrap_err().to_string();
        assert!(e.contains("does not exist"), "{e}");
    }
}
