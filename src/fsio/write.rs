//! Writes: atomic replacement through a temporary file, special files in place, and the
//! clean-up of temporary files a stopped process left. (Whole directories: `dir.rs`.)

use super::*;

/// The temporary files of writes in progress, removed by `remove_pending_temp_files` when a
/// signal stops the process (no destructor runs then).
pub(super) static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

pub(super) fn pending() -> MutexGuard<'static, Vec<PathBuf>> {
    // A panic while holding the lock leaves the list as valid as before it.
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes the temporary files of the writes in progress. The returned guard keeps any write
/// from starting or renaming while it lives: hold it until the process exits.
pub fn remove_pending_temp_files() -> MutexGuard<'static, Vec<PathBuf>> {
    let mut list = pending();
    for p in list.drain(..) {
        let _ = fs::remove_file(p);
    }
    list
}

/// A temporary file registered in `PENDING` for as long as it lives.
pub(super) struct PendingTemp {
    file: Option<tempfile::NamedTempFile>,
}

impl PendingTemp {
    fn create(dir: &Path) -> io::Result<PendingTemp> {
        let mut builder = tempfile::Builder::new();
        builder.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
        // A new file gets the usual 0666 less the umask, like any file a tool writes
        // (tempfile's default, 0600, would surprise: an export is not a secret).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(fs::Permissions::from_mode(0o666));
        }
        // Created and registered under the lock: a signal in between cannot miss it.
        let mut list = pending();
        let file = builder.tempfile_in(dir)?;
        list.push(file.path().to_path_buf());
        Ok(PendingTemp { file: Some(file) })
    }

    fn file(&mut self) -> &mut tempfile::NamedTempFile {
        self.file.as_mut().expect("present until persisted")
    }

    /// Renames the file over `target` (or next to nothing, `overwrite = false`), under the
    /// lock, so a signal either removes the temporary file or finds it renamed.
    fn persist(mut self, target: &Path, overwrite: bool) -> Result<(), tempfile::PersistError> {
        let mut list = pending();
        let file = self.file.take().expect("present until persisted");
        let tmp = file.path().to_path_buf();
        let result = if overwrite {
            file.persist(target).map(drop)
        } else {
            file.persist_noclobber(target).map(drop)
        };
        // On failure the error holds the file and deletes it when dropped.
        list.retain(|p| *p != tmp);
        result
    }
}

impl Drop for PendingTemp {
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            let mut list = pending();
            let tmp = file.path().to_path_buf();
            drop(file);
            list.retain(|p| *p != tmp);
        }
    }
}

/// Diagnostic switch for the tests of signal handling: pause this many milliseconds with the
/// temporary file written and not yet renamed, after saying so on stderr.
pub(super) fn debug_pause() {
    if let Some(ms) = std::env::var_os("AMLFW_DEBUG_WRITE_PAUSE_MS")
        .and_then(|v| v.to_str().and_then(|v| v.parse::<u64>().ok()))
    {
        let _ = writeln!(
            io::stderr(),
            "amlfw: debug: temporary file written, pausing"
        );
        std::thread::sleep(Duration::from_millis(ms));
    }
}

/// Writes `bytes` to `path`.
///
/// A regular file (or a missing path) is written atomically: a temporary file in the same
/// directory is written, flushed to disk and renamed over the target, then the directory entry
/// is flushed. A crash or an error at any point leaves the previous file (or no file) in place,
/// never a torn one. With `overwrite = false` an existing file is an error, checked at the
/// rename itself. A symlink to a regular file is followed: the file it points at is replaced,
/// the link stays.
///
/// A FIFO or a character device (a terminal, /dev/null) is written in place, as a shell
/// redirection would, without `overwrite`: there is no file to lose, and renaming over it
/// would replace the device node or pipe. Directories, block devices, sockets and dangling
/// symlinks are refused.
pub fn write_atomic(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), WriteError> {
    write_file(path, bytes, overwrite, true)
}

/// `write_atomic` for an interactive program: a FIFO that no process is reading is an error
/// at once, instead of a wait that would freeze the screen.
pub fn write_atomic_no_wait(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), WriteError> {
    write_file(path, bytes, overwrite, false)
}

pub(super) fn write_file(
    path: &Path,
    bytes: &[u8],
    overwrite: bool,
    wait_for_reader: bool,
) -> Result<(), WriteError> {
    let io_err = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        if dir.exists() {
            return Err(WriteError::ParentNotDirectory {
                path: path.to_path_buf(),
                dir,
            });
        }
        return Err(WriteError::NoDirectory {
            path: path.to_path_buf(),
            dir,
        });
    }
    let target = match fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if fs::symlink_metadata(path).is_ok() {
                return Err(WriteError::Special {
                    path: path.to_path_buf(),
                    kind: "a symbolic link to a missing file",
                });
            }
            None
        }
        Err(e) => return Err(io_err(e)),
        Ok(meta) => Some(meta),
    };
    let Some(meta) = target else {
        return replace_file(path, &dir, bytes, overwrite, None);
    };
    let t = meta.file_type();
    if t.is_dir() {
        return Err(WriteError::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    if !t.is_file() {
        return write_special(path, t, bytes, wait_for_reader);
    }
    if !overwrite {
        return Err(WriteError::Exists {
            path: path.to_path_buf(),
        });
    }
    // A rename would replace a read-only file without complaint (root ignores modes even for
    // open()); honour the read-only bit like cp and shell redirection do for other users.
    if meta.permissions().readonly() {
        return Err(WriteError::ReadOnly {
            path: path.to_path_buf(),
        });
    }
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link {
        // Replace the file the link points at, next to it, and keep the link.
        let real = fs::canonicalize(path).map_err(io_err)?;
        let real_dir = real
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        return replace_file(&real, &real_dir, bytes, overwrite, Some(meta)).map_err(|e| match e {
            WriteError::Io { source, .. } => io_err(source),
            e => e,
        });
    }
    replace_file(path, &dir, bytes, overwrite, Some(meta))
}

/// Writes a FIFO or character device in place; refuses every other special file.
pub(super) fn write_special(
    path: &Path,
    t: fs::FileType,
    bytes: &[u8],
    wait_for_reader: bool,
) -> Result<(), WriteError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
        if t.is_fifo() || t.is_char_device() {
            let io_err = |source| WriteError::Io {
                path: path.to_path_buf(),
                source,
            };
            // A non-blocking open of a FIFO for writing fails (ENXIO) when nobody reads it.
            // The probe stays open while the real, blocking open runs, which then returns at
            // once: the reader is there.
            let _probe = if t.is_fifo() && !wait_for_reader {
                let probe = fs::OpenOptions::new()
                    .write(true)
                    .custom_flags(libc::O_NONBLOCK)
                    .open(path);
                match probe {
                    Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
                        return Err(io_err(io::Error::new(
                            io::ErrorKind::WouldBlock,
                            "it is a FIFO that no program is reading",
                        )))
                    }
                    other => Some(other.map_err(io_err)?),
                }
            } else {
                None
            };
            // No create, no truncate: the node stays what it is. A FIFO's open waits for a
            // reader, as `> fifo` in a shell does.
            let mut f = fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(io_err)?;
            return f.write_all(bytes).and_then(|()| f.flush()).map_err(io_err);
        }
    }
    Err(WriteError::Special {
        path: path.to_path_buf(),
        kind: kind_of(t),
    })
}

/// The atomic replacement of a regular file (or creation of a missing one) at `path` in `dir`.
pub(super) fn replace_file(
    path: &Path,
    dir: &Path,
    bytes: &[u8],
    overwrite: bool,
    old: Option<fs::Metadata>,
) -> Result<(), WriteError> {
    let io_err = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp = PendingTemp::create(dir).map_err(io_err)?;
    tmp.file().write_all(bytes).map_err(io_err)?;
    tmp.file().as_file().sync_all().map_err(io_err)?;
    // Keep the mode of the file being replaced (an executable script stays executable).
    if let Some(meta) = old {
        let _ = fs::set_permissions(tmp.file().path(), meta.permissions());
    }
    debug_pause();
    tmp.persist(path, overwrite).map_err(|e| {
        if !overwrite && e.error.kind() == io::ErrorKind::AlreadyExists {
            WriteError::Exists {
                path: path.to_path_buf(),
            }
        } else {
            io_err(e.error)
        }
    })?;
    sync_dir(dir);
    Ok(())
}

/// Removes this tool's temporary files in `dir` last modified more than `age` ago: the
/// leftovers of writes killed by a signal no process can catch (SIGKILL, a power cut). Younger
/// ones may belong to a write in progress. Best effort; returns how many were removed.
pub fn remove_stale_temp_files(dir: &Path, age: Duration) -> usize {
    let Ok(read) = fs::read_dir(dir) else {
        return 0;
    };
    let now = SystemTime::now();
    let mut removed = 0;
    for entry in read.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !(name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)) {
            continue;
        }
        // DirEntry::metadata does not follow symlinks: only real files are removed.
        let old = entry.metadata().is_ok_and(|m| {
            m.is_file()
                && m.modified()
                    .is_ok_and(|t| now.duration_since(t).is_ok_and(|d| d > age))
        });
        if old && fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Flushes a directory entry (rename) to disk. Best effort: not every platform allows it.
pub(super) fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}
