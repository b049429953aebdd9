//! What flows between `update` and the runtime: the messages `update` takes (keys, clicks,
//! results of effects) and the effects it asks for, as data.

use super::modal::profiles::ProfileRow;
use crate::profile::Profile;
use crossterm::event::{KeyEvent, MouseEvent};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Ok,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub level: Level,
}

/// Side effects `update` asks the runtime to perform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Write {
        path: PathBuf,
        text: String,
        overwrite: bool,
        /// Create the missing directories first (the user said yes).
        create_dir: bool,
        target: &'static str,
    },
    Copy {
        text: String,
        target: &'static str,
    },
    ListProfiles,
    LoadProfile {
        name: String,
    },
    SaveProfile {
        name: String,
        profile: Profile,
        overwrite: bool,
    },
    DeleteProfile {
        name: String,
    },
    /// Read a Service Tags file, off the drawing thread; `Msg::TagsLoaded` follows.
    LoadTags {
        path: PathBuf,
    },
    /// Give the terminal back and stop the process (Ctrl-Z); drawn again when continued.
    Suspend,
    Quit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Paste(String),
    Written {
        path: PathBuf,
        bytes: usize,
        target: &'static str,
    },
    WriteFailed {
        path: PathBuf,
        message: String,
        exists: bool,
        /// The directory to write into does not exist.
        missing_dir: bool,
    },
    Copied {
        message: String,
        /// False for OSC 52: the terminal decides, so no "ok".
        confirmed: bool,
    },
    CopyFailed {
        message: String,
    },
    ProfilesListed(Result<Vec<ProfileRow>, String>),
    ProfileLoaded {
        name: String,
        // Boxed: a profile is several times larger than every other message.
        result: Result<Box<Profile>, String>,
    },
    ProfileSaved {
        name: String,
        result: Result<(), String>,
        exists: bool,
    },
    ProfileDeleted {
        name: String,
        result: Result<(), String>,
    },
    TagsLoaded {
        path: PathBuf,
        result: super::tags::LoadedTags,
    },
}
