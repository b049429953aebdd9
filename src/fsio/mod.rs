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

mod dir;
mod write;
pub use dir::*;
pub use write::*;
#[cfg(test)]
mod tests;

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
    /// `--force` met a directory that is not an earlier export: replacing it would delete
    /// the user's files.
    #[error("{path} is not {what}: it holds {} (--force replaces only a directory that amlfw wrote); nothing was changed: choose a new or empty directory", list_entries(.entries, *.more))]
    NotAnExport {
        path: PathBuf,
        /// "an earlier amlfw aerleon export"
        what: String,
        /// The first unexpected entries, sorted and quoted, directories with a trailing `/`.
        entries: Vec<String>,
        /// How many more there are.
        more: usize,
    },
    /// A directory a rename cannot or must not replace: `/`, the current or home directory, a
    /// mount point.
    #[error(
        "{path} is {why}; choose a new or empty directory for the export (e.g. a new subdirectory)"
    )]
    Unreplaceable { path: PathBuf, why: &'static str },
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

/// `'a', 'b' and 2 more` (the entries come quoted).
fn list_entries(entries: &[String], more: usize) -> String {
    let mut s = entries.join(", ");
    if more > 0 {
        s.push_str(&format!(" and {more} more"));
    }
    s
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
