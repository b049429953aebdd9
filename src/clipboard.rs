//! Copying exports: the system clipboard (arboard) where there is one, else an OSC 52 escape
//! sequence that asks the terminal to copy (works over SSH, and in tmux with
//! `set-clipboard on`). Never pretends: every outcome says whether the copy is confirmed.
//!
//! The mode, OSC 52 and the config file are core (the CLI's arguments name the mode); the
//! system clipboard (`Clipboard`, arboard) comes with the feature `tui`.

use base64::Engine;
use serde::Deserialize;
use std::io::Write;
use std::path::Path;
use thiserror::Error;

/// Many terminals refuse OSC 52 payloads larger than about 100 KB.
pub const OSC52_LIMIT: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The system clipboard, else OSC 52.
    #[default]
    Auto,
    /// The system clipboard only.
    System,
    /// OSC 52 only.
    Osc52,
    /// Never copy.
    Off,
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Mode::Auto),
            "system" => Ok(Mode::System),
            "osc52" => Ok(Mode::Osc52),
            "off" => Ok(Mode::Off),
            _ => Err(format!(
                "unknown clipboard mode '{s}' (allowed: auto, system, osc52, off)"
            )),
        }
    }
}

#[derive(Debug, Error)]
pub enum ClipboardError {
    #[error("no system clipboard: {0} (over SSH or without a display, use --clipboard osc52, or write a file with -o)")]
    NoSystem(String),
    #[error("copying is turned off (clipboard = \"off\")")]
    Off,
    #[error("cannot write the OSC 52 sequence to the terminal: {0}")]
    Terminal(String),
    #[error("{path}: {message}")]
    Config { path: String, message: String },
}

/// What happened, in words for the status line or stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Copied {
    /// The system clipboard has it.
    System,
    /// The OSC 52 sequence was sent; whether the terminal took it cannot be known.
    Osc52 {
        /// `$TMUX` was set: tmux itself decides (its `set-clipboard` option).
        in_tmux: bool,
        /// Why the system clipboard was not used (auto mode), if it was tried.
        fallback_reason: Option<String>,
        /// The payload is over `OSC52_LIMIT`: many terminals will drop it.
        too_large: bool,
    },
}

impl Copied {
    pub fn describe(&self, bytes: usize, what: &str) -> String {
        match self {
            Copied::System => format!("copied {what} ({bytes} bytes) to the clipboard"),
            Copied::Osc52 {
                in_tmux,
                fallback_reason,
                too_large,
            } => {
                let mut s = String::new();
                if let Some(r) = fallback_reason {
                    s.push_str(&format!("no system clipboard ({r}); "));
                }
                s.push_str(&format!(
                    "sent {what} ({bytes} bytes) to the terminal with OSC 52: the terminal decides whether to copy it, success cannot be confirmed"
                ));
                if *in_tmux {
                    s.push_str(&format!("; in tmux: {TMUX_FIX}"));
                }
                if *too_large {
                    s.push_str(&format!(
                        "; over {} KB many terminals ignore it: write a file instead",
                        OSC52_LIMIT / 1000
                    ));
                }
                s
            }
        }
    }
}

impl Copied {
    /// Whether the copy is known to have happened (only the system clipboard says so).
    pub fn confirmed(&self) -> bool {
        matches!(self, Copied::System)
    }

    /// The wizard's one status line (80 columns): what matters first, details last, so a cut
    /// loses only the details.
    pub fn status_line(&self, bytes: usize, what: &str) -> String {
        match self {
            Copied::System => format!("copied {what} ({bytes} bytes) to the clipboard"),
            Copied::Osc52 {
                in_tmux, too_large, ..
            } => {
                let mut s = String::new();
                if *too_large {
                    s.push_str(&format!(
                        "over {} KB, many terminals drop it: write a file (w). ",
                        OSC52_LIMIT / 1000
                    ));
                }
                if *in_tmux {
                    s.push_str(&format!(
                        "sent to terminal, it decides. tmux fix: {TMUX_FIX}"
                    ));
                } else {
                    s.push_str("sent to the terminal (OSC 52); it decides, unconfirmed");
                }
                s.push_str(&format!(" ({what}, {bytes} bytes)"));
                s
            }
        }
    }
}

/// The one-line fix when tmux does not pass the copy on.
pub const TMUX_FIX: &str = "tmux set -g set-clipboard on";

/// The OSC 52 "set clipboard" sequence for `text`: `ESC ] 52 ; c ; BASE64 BEL`.
///
/// The same plain sequence inside tmux: tmux takes it itself (into its paste buffer, and on to
/// the outer terminal) when `set-clipboard` is `on`; with `external` (the default) it ignores
/// applications' sequences, hence the fix the message names. The DCS passthrough wrapping
/// (`ESC P tmux; ...`) is not used: tmux 3.3+ drops it unless `allow-passthrough` is on.
pub fn osc52_sequence(text: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{b64}\x07")
}

#[cfg(feature = "tui")]
fn in_tmux() -> bool {
    std::env::var_os("TMUX").is_some_and(|v| !v.is_empty())
}

/// Writes the OSC 52 sequence to the controlling terminal (`/dev/tty`), so it works even when
/// stdout is a file or a pipe; else to stderr.
pub fn send_osc52(text: &str) -> Result<(), ClipboardError> {
    let seq = osc52_sequence(text);
    let write = |w: &mut dyn Write| w.write_all(seq.as_bytes()).and_then(|_| w.flush());
    let tty = std::fs::OpenOptions::new().write(true).open("/dev/tty");
    match tty {
        Ok(mut t) => write(&mut t),
        Err(_) => write(&mut std::io::stderr()),
    }
    .map_err(|e| ClipboardError::Terminal(e.to_string()))
}

/// The clipboard setting in `config.toml` beside the profiles: `clipboard = "auto"`.
pub fn mode_from_config(config_dir: &Path) -> Result<Mode, ClipboardError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Config {
        #[serde(default)]
        clipboard: Mode,
    }
    let path = config_dir.join("config.toml");
    // A regular file of at most 1 MiB: a FIFO here must not hang the start of the wizard.
    let text = match crate::fsio::read_text(&path, crate::fsio::PROFILE_LIMIT, "config.toml") {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Mode::Auto),
        Err(e) => {
            return Err(ClipboardError::Config {
                path: path.display().to_string(),
                message: e.to_string(),
            })
        }
    };
    toml::from_str::<Config>(&text)
        .map(|c| c.clipboard)
        .map_err(|e| ClipboardError::Config {
            path: path.display().to_string(),
            message: e.to_string().trim().replace('\n', " "),
        })
}

#[cfg(feature = "tui")]
/// A clipboard kept open for a whole session: on X11 and Wayland the copying process serves
/// the contents, so they vanish when it lets go. The wizard holds one for its lifetime.
pub struct Clipboard {
    mode: Mode,
    system: Option<arboard::Clipboard>,
    system_error: Option<String>,
}

#[cfg(feature = "tui")]
impl Clipboard {
    pub fn new(mode: Mode) -> Clipboard {
        let (system, system_error) = match mode {
            Mode::Auto | Mode::System => match arboard::Clipboard::new() {
                Ok(c) => (Some(c), None),
                Err(e) => (None, Some(short_error(&e))),
            },
            Mode::Osc52 | Mode::Off => (None, None),
        };
        Clipboard {
            mode,
            system,
            system_error,
        }
    }

    /// Copies for an interactive session: the process keeps serving the clipboard.
    pub fn copy(&mut self, text: &str) -> Result<Copied, ClipboardError> {
        self.copy_with(text, None)
    }

    /// Copies, and (Linux) keeps serving the clipboard until a clipboard manager takes it or
    /// `wait` has passed, for short-lived processes like `amlfw export --copy`.
    pub fn copy_and_wait(
        &mut self,
        text: &str,
        wait: std::time::Duration,
    ) -> Result<Copied, ClipboardError> {
        self.copy_with(text, Some(wait))
    }

    fn copy_with(
        &mut self,
        text: &str,
        wait: Option<std::time::Duration>,
    ) -> Result<Copied, ClipboardError> {
        if self.mode == Mode::Off {
            return Err(ClipboardError::Off);
        }
        if let Some(cb) = self.system.as_mut() {
            match set_text(cb, text, wait) {
                Ok(()) => return Ok(Copied::System),
                Err(e) => self.system_error = Some(e),
            }
        }
        match self.mode {
            Mode::System => Err(ClipboardError::NoSystem(
                self.system_error
                    .clone()
                    .unwrap_or_else(|| "unavailable".into()),
            )),
            _ => {
                send_osc52(text)?;
                Ok(Copied::Osc52 {
                    in_tmux: in_tmux(),
                    fallback_reason: if self.mode == Mode::Auto {
                        self.system_error.clone()
                    } else {
                        None
                    },
                    too_large: text.len() > OSC52_LIMIT,
                })
            }
        }
    }
}

#[cfg(feature = "tui")]
#[cfg(target_os = "linux")]
fn set_text(
    cb: &mut arboard::Clipboard,
    text: &str,
    wait: Option<std::time::Duration>,
) -> Result<(), String> {
    use arboard::SetExtLinux;
    let set = cb.set();
    let set = match wait {
        Some(d) => set.wait_until(std::time::Instant::now() + d),
        None => set,
    };
    set.text(text.to_string()).map_err(|e| short_error(&e))
}

#[cfg(feature = "tui")]
#[cfg(not(target_os = "linux"))]
fn set_text(
    cb: &mut arboard::Clipboard,
    text: &str,
    _wait: Option<std::time::Duration>,
) -> Result<(), String> {
    cb.set_text(text.to_string()).map_err(|e| short_error(&e))
}

#[cfg(feature = "tui")]
/// arboard's messages can span lines; the status line has one.
fn short_error(e: &arboard::Error) -> String {
    e.to_string()
        .lines()
        .next()
        .unwrap_or("unknown error")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_is_exact() {
        assert_eq!(osc52_sequence("hello"), "\x1b]52;c;aGVsbG8=\x07");
        assert_eq!(osc52_sequence(""), "\x1b]52;c;\x07");
    }

    #[test]
    fn the_tmux_message_names_the_fix() {
        let c = Copied::Osc52 {
            in_tmux: true,
            fallback_reason: None,
            too_large: false,
        };
        let m = c.describe(5, "hosts");
        assert!(
            m.contains("the terminal decides") && m.contains(TMUX_FIX),
            "{m}"
        );
        let c = Copied::Osc52 {
            in_tmux: false,
            fallback_reason: None,
            too_large: false,
        };
        assert!(!c.describe(5, "hosts").contains("tmux"));
    }

    #[test]
    fn modes_parse() {
        assert_eq!("osc52".parse::<Mode>().unwrap(), Mode::Osc52);
        assert!("clip".parse::<Mode>().is_err());
    }

    #[test]
    fn config_file_sets_the_mode_and_rejects_typos() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(mode_from_config(d.path()).unwrap(), Mode::Auto);
        std::fs::write(d.path().join("config.toml"), "clipboard = \"osc52\"\n").unwrap();
        assert_eq!(mode_from_config(d.path()).unwrap(), Mode::Osc52);
        std::fs::write(d.path().join("config.toml"), "clipbaord = \"osc52\"\n").unwrap();
        assert!(mode_from_config(d.path()).is_err());
    }
}
