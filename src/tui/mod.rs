//! The interactive wizard (ratatui + crossterm), in the Elm architecture: `app` holds the state
//! and routes `update` to the components (`step::*`, `preview`, `modal::*`), each of which owns
//! its state, keys and drawing; `view` draws them, `keys` is the one key table, `layout` the
//! geometry. This module is the runtime: terminal set-up and restore on every exit path
//! (Ctrl-Z included), the event loop, and the side effects `update` asks for, reading the
//! Service Tags file on a thread of its own.

pub mod app;
pub mod change;
pub mod edition;
pub mod filter;
pub mod footer;
pub mod keys;
pub mod layout;
pub mod modal;
pub mod msg;
pub mod preview;
pub mod step;
pub mod tags;
pub mod theme;
pub mod view;
pub mod widgets;

use crate::catalog::Catalog;
use crate::clipboard::{Clipboard, Mode as ClipboardMode};
use crate::fsio::{write_atomic_no_wait, WriteError};
use crate::profile::Profile;
use crate::servicetags::TagIndex;
use crate::store::{Store, StoreError};
use app::{App, Effect, Msg, ProfileRow};
use crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    Event,
};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Whether the wizard has the terminal in raw mode on the alternate screen.
static TERMINAL_TAKEN: AtomicBool = AtomicBool::new(false);

/// Held while a frame is written. The signal thread takes it (and keeps it until the process
/// exits) before giving the terminal back, so the rest of a frame being drawn cannot follow
/// the restore onto the main screen.
static FRAME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Waits for the frame being written, if any, and keeps the next one from starting.
pub fn frame_lock() -> std::sync::MutexGuard<'static, ()> {
    FRAME.lock().unwrap_or_else(|e| e.into_inner())
}

/// `frame_lock` for the signal thread: a frame stuck on a blocked terminal (flow control,
/// a stopped reader) must not keep the process from exiting, so it waits half a second at
/// most, then restores anyway.
pub fn frame_lock_for_exit() -> Option<std::sync::MutexGuard<'static, ()>> {
    let until = std::time::Instant::now() + Duration::from_millis(500);
    loop {
        match FRAME.try_lock() {
            Ok(g) => return Some(g),
            Err(std::sync::TryLockError::Poisoned(e)) => return Some(e.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) if std::time::Instant::now() < until => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(std::sync::TryLockError::WouldBlock) => return None,
        }
    }
}

/// Puts the terminal back: cursor shown, mouse and paste modes off, main screen, cooked mode.
/// Runs once however many exit paths call it (panic hook, then the guard while unwinding; a
/// signal): leaving the alternate screen twice would restore the saved cursor position again
/// and could move the cursor back over a panic message already printed.
pub fn restore_terminal() {
    if !TERMINAL_TAKEN.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    let _ = execute!(
        out,
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Raw mode and the alternate screen for as long as it lives.
struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> io::Result<TerminalGuard> {
        take_terminal()?;
        Ok(TerminalGuard)
    }
}

/// Raw mode, the alternate screen, mouse and paste reporting (at the start, and again after
/// a suspend).
fn take_terminal() -> io::Result<()> {
    enable_raw_mode()?;
    TERMINAL_TAKEN.store(true, Ordering::SeqCst);
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    )
}

/// Set when the terminal was taken back after a stop from outside (`stop_from_signal`): the
/// next frame is drawn whole, as the screen may hold anything by then.
static REDRAW_ALL: AtomicBool = AtomicBool::new(false);

/// Stops the process as SIGTSTP's default action would (SIGSTOP: the SIGTSTP handler that
/// `signals::install` sets would otherwise take it); returns once it is continued.
fn stop_here() -> io::Result<()> {
    signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGTSTP)
}

/// Ctrl-Z: in raw mode it is a key, not a signal, so the wizard does what the terminal would
/// have done: gives the terminal back, stops itself (the shell shows its prompt), and once
/// continued (`fg`, SIGCONT) takes the terminal again and draws everything anew.
fn suspend<W: Write>(terminal: &mut Terminal<CrosstermBackend<W>>) -> io::Result<()> {
    {
        let _frame = frame_lock();
        restore_terminal();
    }
    stop_here()?;
    take_terminal()?;
    terminal.clear()
}

/// A SIGTSTP from outside (`kill -TSTP`, a job-control tool), on the signal thread: the same
/// as Ctrl-Z, so the stopped wizard does not leave the shell in raw mode on the alternate
/// screen. No frame is drawn meanwhile; once continued, the terminal is taken again, the next
/// frame is drawn whole, and a SIGWINCH wakes the event loop to draw it.
pub fn stop_from_signal() {
    let frame = frame_lock_for_exit();
    let taken = TERMINAL_TAKEN.load(Ordering::SeqCst);
    restore_terminal();
    let _ = stop_here();
    if taken {
        let _ = take_terminal();
        REDRAW_ALL.store(true, Ordering::SeqCst);
    }
    drop(frame);
    if taken {
        let _ = signal_hook::low_level::raise(signal_hook::consts::SIGWINCH);
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// A panic restores the terminal first, so its message is printed once, on the main screen.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
}

fn to_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) => Some(Msg::Key(k)),
        Event::Mouse(m) => Some(Msg::Mouse(m)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        Event::Paste(s) => Some(Msg::Paste(s)),
        _ => None,
    }
}

/// What the runtime holds for the effects: the profile store and one clipboard for the whole
/// session (on X11/Wayland the contents live only as long as their owner).
struct Io<'c> {
    catalog: &'c Catalog,
    store: Result<Store, String>,
    clipboard_mode: ClipboardMode,
    clipboard: Option<Clipboard>,
    /// Where loader threads send what they read, and how many are reading.
    loaded: mpsc::Sender<Msg>,
    loading: usize,
}

impl Io<'_> {
    fn store(&self) -> Result<&Store, String> {
        self.store.as_ref().map_err(Clone::clone)
    }

    fn list_profiles(&self) -> Result<Vec<ProfileRow>, String> {
        let entries = self
            .store()?
            .list(self.catalog)
            .map_err(|e| e.to_string())?;
        Ok(entries
            .into_iter()
            .map(|e| match e.profile {
                Ok(p) => ProfileRow {
                    name: e.name,
                    summary: format!(
                        "{} {}, {} features",
                        p.cloud.id(),
                        p.region,
                        p.features.len()
                    ),
                    ok: true,
                },
                Err(err) => ProfileRow {
                    name: crate::diag::escape(&e.name).into_owned(),
                    summary: err.to_string(),
                    ok: false,
                },
            })
            .collect())
    }

    fn copy(&mut self, text: &str, target: &str) -> Msg {
        let mode = self.clipboard_mode;
        let cb = self.clipboard.get_or_insert_with(|| Clipboard::new(mode));
        // OSC 52 and the status line share the terminal: the sequence is written directly to
        // it, between two frames.
        match cb.copy(text) {
            Ok(c) => Msg::Copied {
                message: c.status_line(text.len(), target),
                confirmed: c.confirmed(),
            },
            Err(e) => Msg::CopyFailed {
                message: e.to_string(),
            },
        }
    }
}

/// Reads a Service Tags file whole (the wizard may use any tag), on a loader thread.
fn read_tags(path: &Path) -> tags::Loaded {
    // The reason first and the path after it, as typed (with ~ expanded): the status line cuts
    // what does not fit, and the name alone did not say which directory was looked in. Escaped:
    // a typed path may hold control characters, and the status line is the terminal.
    let shown = crate::diag::escape(&path.display().to_string()).into_owned();
    let text = crate::fsio::read_text(path, crate::fsio::SERVICE_TAGS_LIMIT, "a Service Tags file")
        .map_err(|e| format!("cannot read the Service Tags file ({e}): {shown}"))?;
    let index = TagIndex::from_json(&text).map_err(|e| format!("{e}: {shown}"))?;
    Ok((Arc::new(index), crate::fsio::service_tags_staleness(path)))
}

/// Writes the export; a missing directory is asked about first (and created when the user
/// said yes), so the typed name is not lost.
fn write_export(
    path: PathBuf,
    text: &str,
    overwrite: bool,
    create_dir: bool,
    target: &'static str,
) -> Msg {
    let failed = |path, message: String, exists, missing_dir| Msg::WriteFailed {
        path,
        message,
        exists,
        missing_dir,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            if !create_dir {
                let message = format!("{}: no such directory", dir.display());
                return failed(path, message, false, true);
            }
            if let Err(e) = std::fs::create_dir_all(dir) {
                let message = format!("cannot create {}: {e}", dir.display());
                return failed(path, message, false, false);
            }
        }
    }
    // A FIFO nobody reads is an error here, not a frozen screen.
    match write_atomic_no_wait(&path, text.as_bytes(), overwrite) {
        // Said with the whole path: a relative name was taken from the directory amlfw
        // started in, which the screen shows nowhere.
        Ok(()) => Msg::Written {
            path: std::path::absolute(&path).unwrap_or(path),
            bytes: text.len(),
            target,
        },
        Err(e @ WriteError::Exists { .. }) => failed(path, e.to_string(), true, false),
        Err(e) => failed(path, e.to_string(), false, false),
    }
}

/// What performing an effect asks of the event loop.
enum Next {
    Reply(Option<Msg>),
    Suspend,
    Quit,
}

/// Performs an effect and returns what to tell `update` about it.
fn perform(io: &mut Io, effect: Effect) -> Next {
    Next::Reply(Some(match effect {
        Effect::Quit => return Next::Quit,
        Effect::Suspend => return Next::Suspend,
        Effect::LoadTags { path } => {
            let tx = io.loaded.clone();
            let theirs = path.clone();
            let spawned = std::thread::Builder::new()
                .name("amlfw-tags".into())
                .spawn(move || {
                    let result = tags::LoadedTags(read_tags(&theirs));
                    let _ = tx.send(Msg::TagsLoaded {
                        path: theirs,
                        result,
                    });
                });
            match spawned {
                Ok(_) => {
                    io.loading += 1;
                    return Next::Reply(None);
                }
                Err(e) => Msg::TagsLoaded {
                    path,
                    result: tags::LoadedTags(Err(format!("cannot start a thread: {e}"))),
                },
            }
        }
        Effect::ListProfiles => Msg::ProfilesListed(io.list_profiles()),
        Effect::LoadProfile { name } => {
            let result = io
                .store()
                .and_then(|s| s.load(&name, io.catalog).map_err(|e| e.to_string()))
                .map(Box::new);
            Msg::ProfileLoaded { name, result }
        }
        Effect::SaveProfile {
            name,
            profile,
            overwrite,
        } => {
            let (result, exists) = match io.store().map(|s| s.save(&name, &profile, overwrite)) {
                Ok(Ok(_)) => (Ok(()), false),
                Ok(Err(e @ StoreError::Exists { .. })) => (Err(e.to_string()), true),
                Ok(Err(e)) => (Err(e.to_string()), false),
                Err(e) => (Err(e), false),
            };
            Msg::ProfileSaved {
                name,
                result,
                exists,
            }
        }
        Effect::DeleteProfile { name } => {
            let result = io
                .store()
                .and_then(|s| s.delete(&name).map(|_| ()).map_err(|e| e.to_string()));
            Msg::ProfileDeleted { name, result }
        }
        Effect::Write {
            path,
            text,
            overwrite,
            create_dir,
            target,
        } => write_export(path, &text, overwrite, create_dir, target),
        Effect::Copy { text, target } => io.copy(&text, target),
    }))
}

/// How the wizard starts.
pub struct Start {
    pub profile: Profile,
    /// The saved profile it came from, if any.
    pub profile_name: Option<String>,
    /// `profile` is that saved profile as it is (no flag changed it).
    pub profile_stored: bool,
    /// Read after the first frame, on a thread of its own.
    pub service_tags: Option<PathBuf>,
    pub store: Result<Store, String>,
    pub clipboard: ClipboardMode,
    /// When the process started (the top of `main`): the clock of
    /// `AMLFW_EXIT_AFTER_FIRST_FRAME`, so that loading the catalog, the profile and the Service
    /// Tags file counts towards the time to the first frame.
    pub launched: Instant,
}

/// Runs the wizard until the user quits.
pub fn run(catalog: &Catalog, start: Start) -> io::Result<()> {
    let Start {
        profile,
        profile_name,
        profile_stored,
        service_tags,
        store,
        clipboard,
        launched,
    } = start;
    let (loaded, results) = mpsc::channel();
    let mut io = Io {
        catalog,
        store,
        clipboard_mode: clipboard,
        clipboard: None,
        loaded,
        loading: 0,
    };
    install_panic_hook();
    // Every terminating signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT, ...) restores the terminal.
    crate::signals::install();
    let guard = TerminalGuard::enter()?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    let size = terminal.size()?;
    let mut app = App::new(
        catalog,
        profile,
        None,
        (size.width, size.height),
        theme::Theme::from_env(),
    );
    app.profile_name = profile_name;
    app.stored = profile_stored;
    app.home = std::env::var_os("HOME").map(PathBuf::from);
    // The file is read after the first frame is drawn, so that frame costs the same with and
    // without it; until then the status line says it is loading.
    let first = service_tags.map(|p| app.load_tags(p));
    {
        let _frame = frame_lock();
        terminal.draw(|f| view::view(&app, f))?;
    }
    // Diagnostic switch: proves (in tests, or on a user's terminal) that a panic restores the
    // terminal and prints its message once, on the main screen.
    if std::env::var_os("AMLFW_DEBUG_PANIC").is_some() {
        panic!("AMLFW_DEBUG_PANIC is set: panicking on purpose after the first frame");
    }
    if std::env::var_os("AMLFW_EXIT_AFTER_FIRST_FRAME").is_some() {
        let elapsed = launched.elapsed();
        drop(guard);
        // A diagnostic line: a closed or full stderr is no reason to fail (or panic).
        let _ = writeln!(
            io::stderr(),
            "first frame after {:.3} ms (from the start of main)",
            elapsed.as_secs_f64() * 1000.0
        );
        return Ok(());
    }
    let mut startup = std::collections::VecDeque::new();
    if let Some(effect) = first {
        if let Next::Reply(Some(msg)) = perform(&mut io, effect) {
            startup.push_back(msg);
        }
    }
    loop {
        let mut queue = std::mem::take(&mut startup);
        // Wait for a key (or a mouse event, a resize), or for the Service Tags file while it
        // is being read.
        while queue.is_empty() {
            if io.loading == 0 {
                queue.extend(to_msg(event::read()?));
                break;
            }
            if let Ok(m) = results.try_recv() {
                io.loading -= 1;
                queue.push_back(m);
            } else if event::poll(Duration::from_millis(20))? {
                queue.extend(to_msg(event::read()?));
            }
        }
        // Take everything already queued (fast typing, a paste) before drawing once, so the
        // screen never falls behind the keyboard.
        while event::poll(Duration::ZERO)? {
            queue.extend(to_msg(event::read()?));
        }
        while let Some(msg) = queue.pop_front() {
            for effect in app.update(msg) {
                match perform(&mut io, effect) {
                    Next::Quit => return Ok(()),
                    Next::Reply(reply) => queue.extend(reply),
                    Next::Suspend => {
                        suspend(&mut terminal)?;
                        // The window may have been resized while the wizard was stopped.
                        let size = terminal.size()?;
                        queue.push_back(Msg::Resize(size.width, size.height));
                    }
                }
            }
        }
        {
            let _frame = frame_lock();
            if REDRAW_ALL.swap(false, Ordering::SeqCst) {
                terminal.clear()?;
            }
            terminal.draw(|f| view::view(&app, f))?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The status line cuts the end: the reason comes first, then the path as given (not
    /// only the file's name, which did not say where the wizard looked), escaped.
    #[test]
    fn a_tags_read_error_says_why_then_the_whole_path() {
        let dir = std::env::temp_dir().join(format!("amlfw-tags-err-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("a/long/directory/path")).unwrap();
        let path = dir.join("a/long/directory/path/ServiceTags.json");
        std::fs::write(&path, "{ not json").unwrap();
        let Err(e) = read_tags(&path) else {
            panic!("read a broken file")
        };
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(e.starts_with("not a valid Service Tags file ("), "{e}");
        assert!(e.ends_with(&format!(": {}", path.display())), "{e}");
        let Err(e) = read_tags(&path) else {
            panic!("read a missing file")
        };
        assert!(e.starts_with("cannot read the Service Tags file ("), "{e}");
        assert!(e.ends_with(&format!("): {}", path.display())), "{e}");
        let Err(e) = read_tags(Path::new("/nonexistent/x.json")) else {
            panic!("read a missing file")
        };
        assert!(e.ends_with("): /nonexistent/x.json"), "{e}");
        let Err(e) = read_tags(Path::new("/nonexistent/x\x1b[2J.json")) else {
            panic!("read a missing file")
        };
        assert!(!e.contains('\x1b'), "{e:?}");
        assert!(e.ends_with("): /nonexistent/x\\u{1b}[2J.json"), "{e:?}");
    }
}
