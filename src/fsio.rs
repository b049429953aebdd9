//! File reading and writing for the loaders and the front ends.
//!
//! Reads take only regular files (after symlinks) up to a stated size, so a FIFO, a device or
//! a runaway file cannot hang the tool or eat its memory. Writes never leave a half-written
//! file in place of a good one, write special files (a FIFO, a terminal, /dev/null) in place
//! instead of replacing them, and leave no temporary file behind when the process is stopped
//! by a signal it can catch (see `crate::signals`).

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};
use thiserror::Error;

/// The size limit for profiles and `config.toml`: real ones are well under 1 KiB.
pub const PROFILE_LIMIT: u64 = 1 << 20;
/// The size limit for Microsoft's Service Tags files: the public one is about 4 MB.
pub const SERVICE_TAGS_LIMIT: u64 = 64 << 20;

/// The warning for a Service Tags file whose dated name (`..._20260720.json`) is more than
/// eight weeks old today, if it is. (The CLI says it on stderr, the wizard on its status line.)
pub fn service_tags_staleness(path: &Path) -> Option<String> {
    let today = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| (d.as_secs() / 86_400) as i64);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    crate::servicetags::staleness_warning(&name, today)
}

/// Temporary files start and end with these (and nothing the user names does: profile names
/// cannot start with '.').
const TEMP_PREFIX: &str = ".amlfw-";
const TEMP_SUFFIX: &str = ".tmp";

#[derive(Debug, Error)]
pub enum WriteError {
    #[error("{path} already exists (use --force to write over it)")]
    Exists { path: PathBuf },
    #[error("{path} is read-only: not replaced (make it writable first, if you mean to)")]
    ReadOnly { path: PathBuf },
    #[error("cannot write {path}: the directory {dir} does not exist")]
    NoDirectory { path: PathBuf, dir: PathBuf },
    #[error("cannot write {path}: {dir} is not a directory")]
    ParentNotDirectory { path: PathBuf, dir: PathBuf },
    #[error("cannot write {path}: it is a directory")]
    IsDirectory { path: PathBuf },
    /// A block device, a socket, a dangling symlink: nothing a file can be written to or
    /// replace.
    #[error("cannot write {path}: it is {kind}; amlfw writes regular files, FIFOs and character devices only")]
    Special { path: PathBuf, kind: &'static str },
    #[error("{path} is a directory that is not empty (use --force to replace it)")]
    NotEmpty { path: PathBuf },
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl WriteError {
    /// Whether the path itself cannot be right (the user's input), as opposed to a failure of
    /// the file system while writing.
    pub fn is_bad_path(&self) -> bool {
        !matches!(self, WriteError::Io { .. })
    }
}

/// What a file system object is, for messages.
fn kind_of(t: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

/// `1 MiB`, `64 MiB`, `512 KiB`.
fn size_text(n: u64) -> String {
    if n >= 1 << 20 && n % (1 << 20) == 0 {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n % (1 << 10) == 0 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// An error when `path` exists and is not a regular file (symlinks followed), saying what it
/// is; for callers that must only ever replace regular files (the profile store).
pub fn refuse_special(path: &Path) -> io::Result<()> {
    match fs::metadata(path) {
        Ok(m) if !m.is_file() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {}, not a regular file", kind_of(m.file_type())),
        )),
        _ => Ok(()),
    }
}

/// Reads a UTF-8 text file of at most `limit` bytes; `what` names it in the error ("a
/// profile"). Only regular files are read (symlinks are followed): a FIFO is refused without
/// waiting for a writer, a device without reading it. Errors keep the kind of the underlying
/// error (`NotFound` stays `NotFound`); the path is for the caller to add.
pub fn read_text(path: &Path, limit: u64, what: &str) -> io::Result<String> {
    let (file, len) = open_regular(path, limit, what)?;
    let mut text = String::with_capacity(usize::try_from(len).unwrap_or(0));
    // One byte past the limit tells a file that grew since the check.
    file.take(limit + 1).read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(too_large(limit, what));
    }
    Ok(text)
}

/// The checks of `read_text` before reading: `path` opened if it is a regular file of at most
/// `limit` bytes, with its length. For a caller that reads the file in pieces, which must
/// itself refuse more than `limit` bytes (the file may grow after the check).
pub fn open_regular(path: &Path, limit: u64, what: &str) -> io::Result<(fs::File, u64)> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    // Opening a FIFO for reading waits for a writer, forever if none comes; non-blocking, the
    // open returns at once and the type check below refuses it. (Regular files ignore it.)
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    // The type of what was opened, not of what the name pointed at a moment before.
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {}, not a regular file", kind_of(meta.file_type())),
        ));
    }
    if meta.len() > limit {
        return Err(too_large(limit, what));
    }
    Ok((file, meta.len()))
}

fn too_large(limit: u64, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "it is larger than {}, the limit for {what}",
            size_text(limit)
        ),
    )
}

/// The temporary files of writes in progress, removed by `remove_pending_temp_files` when a
/// signal stops the process (no destructor runs then).
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> MutexGuard<'static, Vec<PathBuf>> {
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
struct PendingTemp {
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
fn debug_pause() {
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

fn write_file(
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
fn write_special(
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
fn replace_file(
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

    #[test]
    fn read_text_takes_regular_files_within_the_limit() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.toml");
        fs::write(&p, "x".repeat(10)).unwrap();
        assert_eq!(read_text(&p, 10, "a test").unwrap().len(), 10);
        let e = read_text(&p, 9, "a test").unwrap_err();
        assert_eq!(
            e.to_string(),
            "it is larger than 9 bytes, the limit for a test"
        );
        assert_eq!(
            read_text(&d.path().join("none"), 9, "x")
                .unwrap_err()
                .kind(),
            io::ErrorKind::NotFound
        );
        let e = read_text(d.path(), 9, "x").unwrap_err().to_string();
        assert_eq!(e, "it is a directory, not a regular file");
        assert_eq!(size_text(1 << 20), "1 MiB");
        assert_eq!(size_text(64 << 20), "64 MiB");
    }

    #[cfg(unix)]
    #[test]
    fn stale_temp_files_go_young_ones_stay() {
        let d = tempfile::tempdir().unwrap();
        let old = d.path().join(".amlfw-old.tmp");
        let young = d.path().join(".amlfw-young.tmp");
        let other = d.path().join("prod.toml");
        for p in [&old, &young, &other] {
            fs::write(p, "x").unwrap();
        }
        let hours_ago = SystemTime::now() - Duration::from_secs(2 * 3600);
        for p in [&old, &other] {
            fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(hours_ago)
                .unwrap();
        }
        assert_eq!(
            remove_stale_temp_files(d.path(), Duration::from_secs(3600)),
            1
        );
        assert!(!old.exists() && young.exists() && other.exists());
    }

    #[test]
    fn a_finished_or_failed_write_leaves_nothing_pending() {
        let d = tempfile::tempdir().unwrap();
        write_atomic(&d.path().join("a"), b"x", false).unwrap();
        assert!(write_atomic(&d.path().join("a"), b"x", false).is_err());
        let mine: Vec<_> = pending()
            .iter()
            .filter(|p| p.starts_with(d.path()))
            .cloned()
            .collect();
        assert!(mine.is_empty(), "{mine:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_without_a_reader_is_an_error_when_not_waiting() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("pipe");
        let ok = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success();
        assert!(ok);
        let e = write_atomic_no_wait(&fifo, b"x", true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no program is reading"), "{e}");
        // With a reader it is written, and stays a FIFO.
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read(fifo).unwrap())
        };
        // Wait until the reader has opened its end.
        let start = std::time::Instant::now();
        loop {
            match write_atomic_no_wait(&fifo, b"hello", false) {
                Ok(()) => break,
                Err(_) if start.elapsed() < Duration::from_secs(10) => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(reader.join().unwrap(), b"hello");
        use std::os::unix::fs::FileTypeExt;
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    }
}
