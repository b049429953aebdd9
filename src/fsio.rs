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
    fn missing_directory_is_named() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("nope").join("out.txt");
        let e = write_atomic(&p, b"x", false).unwrap_err().to_string();
        assert!(e.contains("does not exist"), "{e}");
    }
}
