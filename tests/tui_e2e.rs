//! End-to-end tests of the interactive wizard: the real `amlfw` binary (no subcommand) runs in
//! a pseudo-terminal, its output is fed continuously into a `vt100` terminal emulator on a
//! reader thread, and the tests type keys and read the emulated screen.
//!
//! What they check:
//! - a whole walk (Cloud -> Region -> Workspace -> Features -> Export, `w` to write a file,
//!   `q` + `y` to quit) writes byte for byte what `amlfw export` prints for the same choices;
//! - Ctrl-C on the first screen quits at once with exit code 0;
//! - a too-small terminal shows "terminal too small" and the wizard recovers after a resize;
//! - on every exit the terminal is restored: main screen, mouse capture and bracketed paste
//!   off, cursor shown, cooked mode (ICANON, ECHO) back on.

#![cfg(unix)]

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_amlfw");
const TIMEOUT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(20);

// Keys, as a terminal sends them.
const ENTER: &str = "\r";
const TAB: &str = "\t";
const DOWN: &str = "\x1b[B";
const ESC: &str = "\x1b";
const CTRL_C: &str = "\x03";
/// Ctrl-U: tui-input's "delete line" (the prompt takes text, so it is not "page up" there).
const CTRL_U: &str = "\x15";
const END: &str = "\x1b[F";
const PG_UP: &str = "\x1b[5~";
const HOME: &str = "\x1b[H";

/// What the reader thread collects: every byte the wizard wrote, and the emulated screen.
struct Output {
    raw: Vec<u8>,
    parser: vt100::Parser,
}

/// The wizard running in a pseudo-terminal.
struct Tui {
    out: Arc<Mutex<Output>>,
    eof: Arc<AtomicBool>,
    reader: Option<JoinHandle<()>>,
    writer: Box<dyn Write + Send>,
    master: Box<dyn MasterPty + Send>,
    child: Box<dyn Child + Send + Sync>,
    /// The local mode flags (c_lflag) of the terminal before the wizard started.
    lflag_before: Option<u64>,
}

fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).expect("terminal size must not be 0")
}

fn pty_size(cols: u16, rows: u16) -> PtySize {
    PtySize {
        rows,
        cols,
        pixel_width: 0,
        pixel_height: 0,
    }
}

/// The c_lflag bits of the terminal behind `master`, when the platform can tell.
fn lflag(master: &dyn MasterPty) -> Option<u64> {
    // `get_termios` returns nix's Termios; its flags are bitflags with an inherent `bits()`,
    // so nix itself need not be a dependency of the tests.
    master
        .get_termios()
        .map(|t| u64::from(t.local_flags.bits()))
}

// c_lflag bits (Linux values, from <asm-generic/termbits.h>).
#[cfg(target_os = "linux")]
const ISIG: u64 = 0o000001;
#[cfg(target_os = "linux")]
const ICANON: u64 = 0o000002;
#[cfg(target_os = "linux")]
const ECHO: u64 = 0o000010;

impl Tui {
    /// Starts `amlfw ARGS` in a `cols`x`rows` pseudo-terminal, in `cwd`, with its config
    /// directory at `config_dir`.
    fn spawn(args: &[&str], cols: u16, rows: u16, cwd: &Path, config_dir: &Path) -> Tui {
        Tui::spawn_env(args, &[], cols, rows, cwd, config_dir)
    }

    /// `spawn` with extra environment variables.
    fn spawn_env(
        args: &[&str],
        env: &[(&str, &str)],
        cols: u16,
        rows: u16,
        cwd: &Path,
        config_dir: &Path,
    ) -> Tui {
        let pair = native_pty_system()
            .openpty(pty_size(cols, rows))
            .expect("open a pseudo-terminal");
        let mut cmd = CommandBuilder::new(BIN);
        cmd.args(args);
        cmd.cwd(cwd);
        cmd.env("TERM", "xterm-256color");
        cmd.env("AMLFW_CONFIG_DIR", config_dir);
        // Nothing from the test runner's environment should change what is drawn.
        for var in [
            "NO_COLOR",
            "COLORTERM",
            "AMLFW_EXIT_AFTER_FIRST_FRAME",
            "AMLFW_DEBUG_PANIC",
        ] {
            cmd.env_remove(var);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let lflag_before = lflag(pair.master.as_ref());
        let child = pair
            .slave
            .spawn_command(cmd)
            .expect("spawn amlfw in the pty");
        // Only the child holds the terminal side now, so reading the master ends when it exits.
        drop(pair.slave);
        let master = pair.master;
        let mut reader = master.try_clone_reader().expect("pty reader");
        let writer = master.take_writer().expect("pty writer");
        let out = Arc::new(Mutex::new(Output {
            raw: Vec::new(),
            parser: vt100::Parser::new(nz(rows), nz(cols), 0),
        }));
        let eof = Arc::new(AtomicBool::new(false));
        let reader = {
            let out = Arc::clone(&out);
            let eof = Arc::clone(&eof);
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => {
                            let mut o = out.lock().unwrap();
                            o.raw.extend_from_slice(&buf[..n]);
                            o.parser.process(&buf[..n]);
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        // EIO once the child side is closed (Linux).
                        Err(_) => break,
                    }
                }
                eof.store(true, Ordering::SeqCst);
            })
        };
        Tui {
            out,
            eof,
            reader: Some(reader),
            writer,
            master,
            child,
            lflag_before,
        }
    }

    fn screen_text(&self) -> String {
        self.out.lock().unwrap().parser.screen().contents()
    }

    /// Types `keys` (raw bytes as a terminal sends them).
    fn send(&mut self, keys: &str) {
        self.writer
            .write_all(keys.as_bytes())
            .expect("write keys to the pty");
        self.writer.flush().expect("flush keys");
    }

    /// Sends Esc alone, then waits a little so the next bytes are not read as Alt+key.
    fn send_esc(&mut self) {
        self.send(ESC);
        std::thread::sleep(Duration::from_millis(100));
    }

    /// Explains a failure: what was expected, the screen, how the child is doing.
    fn fail(&mut self, what: &str) -> ! {
        let screen = self.screen_text();
        let status = match self.child.try_wait() {
            Ok(Some(s)) => format!("exited: {s:?}"),
            Ok(None) => "still running".to_string(),
            Err(e) => format!("unknown ({e})"),
        };
        let raw_len = self.out.lock().unwrap().raw.len();
        panic!(
            "{what}\n--- amlfw {status}; {raw_len} bytes of output; screen now ---\n{screen}\n--- end of screen ---"
        );
    }

    /// Polls the screen until `pred` holds; fails with the screen after `TIMEOUT`.
    fn wait_until(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let text = self.screen_text();
            if pred(&text) {
                return text;
            }
            if start.elapsed() > TIMEOUT {
                self.fail(&format!("timed out after {TIMEOUT:?} waiting for {what}"));
            }
            if self.eof.load(Ordering::SeqCst) {
                // One last look: the final output may have arrived with the end of file.
                let text = self.screen_text();
                if pred(&text) {
                    return text;
                }
                self.fail(&format!("amlfw stopped while waiting for {what}"));
            }
            std::thread::sleep(POLL);
        }
    }

    /// Waits until the screen shows every one of `needles`.
    fn wait_for(&mut self, needles: &[&str]) -> String {
        let what = format!("the screen to show {needles:?}");
        self.wait_until(&what, |s| needles.iter().all(|n| s.contains(n)))
    }

    /// Waits for the child to exit and for its last output to be read; kills it and fails
    /// when it hangs.
    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let start = Instant::now();
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(s)) => break s,
                Ok(None) => {}
                Err(e) => panic!("waiting for amlfw: {e}"),
            }
            if start.elapsed() > TIMEOUT {
                let _ = self.child.kill();
                let _ = self.child.wait();
                self.fail(&format!(
                    "amlfw did not exit within {TIMEOUT:?} (killed it)"
                ));
            }
            std::thread::sleep(POLL);
        };
        let start = Instant::now();
        while !self.eof.load(Ordering::SeqCst) {
            if start.elapsed() > TIMEOUT {
                self.fail("amlfw exited but its terminal output did not end (is something still holding the pty?)");
            }
            std::thread::sleep(POLL);
        }
        if let Some(h) = self.reader.take() {
            h.join().expect("reader thread");
        }
        status
    }

    /// Resizes the terminal: the emulator first (under its lock, so no output drawn for the
    /// new size is parsed at the old one), then the kernel's size, which sends SIGWINCH.
    fn resize(&mut self, cols: u16, rows: u16) {
        let mut o = self.out.lock().unwrap();
        o.parser.screen_mut().set_size(nz(rows), nz(cols));
        self.master
            .resize(pty_size(cols, rows))
            .expect("resize the pty");
    }

    /// Local mode flags of the terminal right now.
    fn lflag_now(&self) -> Option<u64> {
        lflag(self.master.as_ref())
    }

    /// Checks, after the child has exited and all its output was read, that the terminal is
    /// as the wizard found it.
    fn assert_restored(&mut self) {
        let out = self.out.lock().unwrap();
        let raw = &out.raw;
        // 1. The output ends with the restore sequences, nothing drawn after them.
        const RESTORE: &[&[u8]] = &[
            b"\x1b[?2004l", // bracketed paste off
            b"\x1b[?1006l", // mouse capture off (crossterm's DisableMouseCapture: 1006, 1015, 1003, 1002, 1000)
            b"\x1b[?1015l",
            b"\x1b[?1003l",
            b"\x1b[?1002l",
            b"\x1b[?1000l",
            b"\x1b[?1049l", // main screen
            b"\x1b[?25h",   // cursor shown
        ];
        let mut end = raw.len();
        loop {
            let before = end;
            // Trailing CR/LF would be harmless; nothing else is.
            while end > 0 && matches!(raw[end - 1], b'\r' | b'\n') {
                end -= 1;
            }
            for seq in RESTORE {
                if raw[..end].ends_with(seq) {
                    end -= seq.len();
                }
            }
            if end == before {
                break;
            }
        }
        let tail = &raw[end..];
        let tail_start = end;
        let shown = |b: &[u8]| String::from_utf8_lossy(b).escape_debug().to_string();
        for (seq, what) in [
            (&b"\x1b[?1049l"[..], "leave the alternate screen"),
            (b"\x1b[?1000l", "turn mouse capture off (1000)"),
            (b"\x1b[?1002l", "turn mouse capture off (1002)"),
            (b"\x1b[?1003l", "turn mouse capture off (1003)"),
            (b"\x1b[?1006l", "turn mouse capture off (1006)"),
            (b"\x1b[?2004l", "turn bracketed paste off"),
            (b"\x1b[?25h", "show the cursor"),
        ] {
            assert!(
                tail.windows(seq.len()).any(|w| w == seq),
                "the output should end by asking to {what} ({}); it ends with: {}",
                shown(seq),
                shown(&raw[raw.len().saturating_sub(200)..])
            );
        }
        // Each mode the wizard turned on is turned off after it was last turned on.
        for (on, off) in [
            (&b"\x1b[?1049h"[..], &b"\x1b[?1049l"[..]),
            (b"\x1b[?1000h", b"\x1b[?1000l"),
            (b"\x1b[?2004h", b"\x1b[?2004l"),
            (b"\x1b[?25l", b"\x1b[?25h"),
        ] {
            let last = |seq: &[u8]| raw.windows(seq.len()).rposition(|w| w == seq);
            if let Some(on_at) = last(on) {
                assert!(
                    on_at < tail_start,
                    "{} comes after the restore sequences",
                    shown(on)
                );
                assert!(
                    last(off).is_some_and(|off_at| off_at > on_at),
                    "{} is never undone",
                    shown(on)
                );
            }
        }
        // 2. The emulated terminal agrees.
        let screen = out.parser.screen();
        assert!(!screen.alternate_screen(), "still on the alternate screen");
        assert!(!screen.hide_cursor(), "the cursor is still hidden");
        assert!(!screen.bracketed_paste(), "bracketed paste is still on");
        assert_eq!(
            screen.mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "mouse reporting is still on"
        );
        drop(out);
        // 3. Cooked mode is back.
        #[cfg(target_os = "linux")]
        {
            let before = self
                .lflag_before
                .expect("termios of the pty before the start");
            let after = self
                .lflag_now()
                .expect("termios of the pty after amlfw exited (tcgetattr on the master)");
            assert!(
                after & ICANON != 0,
                "raw mode left on: ICANON is off (c_lflag {after:#o})"
            );
            assert!(
                after & ECHO != 0,
                "raw mode left on: ECHO is off (c_lflag {after:#o})"
            );
            assert!(
                after & ISIG != 0,
                "raw mode left on: ISIG is off (c_lflag {after:#o})"
            );
            assert_eq!(
                after, before,
                "c_lflag differs from before the start ({before:#o} -> {after:#o})"
            );
        }
        // Elsewhere the flag values differ and are not checked here.
        #[cfg(not(target_os = "linux"))]
        let _ = self.lflag_before;
    }

    /// Checks that the wizard really switched the terminal to raw mode (so the restore check
    /// above proves something).
    fn assert_raw_mode_now(&self) {
        #[cfg(target_os = "linux")]
        {
            let now = self
                .lflag_now()
                .expect("termios of the running wizard's pty");
            assert!(
                now & (ICANON | ECHO) == 0,
                "the wizard is running but not in raw mode (c_lflag {now:#o})"
            );
        }
    }
}

impl Drop for Tui {
    /// Never leaves a wizard behind when a test fails half-way.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The wizard's status line: `ok: wrote PATH (N bytes, TARGET)`; returns N.
fn written_bytes(screen: &str, path: &str, target: &str) -> usize {
    let start = format!("wrote {path} (");
    let line = screen
        .lines()
        .find(|l| l.contains(&start))
        .unwrap_or_else(|| panic!("no `{start}` line on the screen:\n{screen}"));
    let rest = &line[line.find(&start).unwrap() + start.len()..];
    let expected_end = format!(" bytes, {target})");
    let n = rest
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("cannot read the byte count in `{line}`"));
    assert!(
        rest.starts_with(&format!("{n}{expected_end}")),
        "unexpected status line: `{line}`"
    );
    n
}

/// Describes where two outputs first differ.
fn first_difference(got: &[u8], want: &[u8]) -> String {
    let got = String::from_utf8_lossy(got);
    let want = String::from_utf8_lossy(want);
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        if g != w {
            return format!("line {}:\n  wizard: {g}\n  cli:    {w}", i + 1);
        }
    }
    format!(
        "one is a prefix of the other ({} vs {} lines)",
        got.lines().count(),
        want.lines().count()
    )
}

/// The acceptance walk: built-in default profile (public, eastus2, compute-cluster,
/// compute-instance, studio, conda, pip) -> Azure Government -> US Gov Texas (via the filter)
/// -> storage account `mystorage01` -> compute-instance off, notebooks on (via the filter)
/// -> azfw-terraform -> `w` to an absolute path -> `q`, `y`.
#[test]
fn wizard_walk_writes_what_the_cli_exports() {
    let cwd = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let outdir = tempfile::tempdir().unwrap();
    let out_path = outdir.path().join("wizard-out.tf");
    let out_str = out_path.to_str().expect("utf-8 temp path").to_string();
    let started = Instant::now();

    let mut t = Tui::spawn(&[], 100, 30, cwd.path(), config.path());

    // 1. Cloud: public is chosen; move down to Azure Government and choose it.
    t.wait_for(&["[1. Cloud]", "> (*) Azure public", "( ) Azure Government"]);
    t.assert_raw_mode_now();
    t.send(DOWN);
    t.wait_for(&[
        "> ( ) Azure Government",
        "Azure Government: US government regions",
    ]);
    t.send(ENTER);

    // 2. Region: the five usgov regions, the default one (US Gov Virginia) chosen. `/` and
    //    typing filter; Enter keeps the filter, Enter again takes the highlighted region.
    t.wait_for(&[
        "[2. Region]",
        "2. Region (5 of 5)",
        "(*) US Gov Virginia",
        "cloud: Azure Government; region: usgovvirginia",
    ]);
    t.send("/tex");
    let s = t.wait_for(&["filter: tex", "2. Region (1 of 5)", "> ( ) US Gov Texas"]);
    assert!(
        !s.contains("US Gov Virginia "),
        "the filter should hide the other regions:\n{s}"
    );
    t.send(ENTER);
    t.wait_for(&["/ to filter: tex"]);
    t.send(ENTER);

    // 3. Workspace: edit the storage account (Enter, type, Enter).
    t.wait_for(&[
        "[3. Workspace]",
        "region: US Gov Texas",
        "> Storage account      (none)",
    ]);
    t.send(ENTER);
    t.wait_for(&["Enter keep  Esc undo"]);
    t.send("mystorage01");
    t.wait_for(&["[mystorage01] ✓"]);
    t.send(ENTER);
    t.wait_until("the storage account to be kept", |s| {
        s.contains("> Storage account      mystorage01") && !s.contains("[mystorage01]")
    });
    t.send(TAB);

    // 4. Features: the default five are ticked. Untick compute-instance (↓, Space), then
    //    filter for notebooks (/, text, Enter keeps the filter) and tick it.
    t.wait_for(&[
        "[4. Features]",
        "4. Features (5 selected)",
        "> [x] compute-cluster",
        "[x] compute-instance",
        "[ ] attached-vm",
    ]);
    t.send(DOWN);
    t.wait_for(&["> [x] compute-instance"]);
    t.send(" ");
    t.wait_for(&[
        "> [ ] compute-instance",
        "4. Features (4 selected)",
        "compute-instance off",
    ]);
    t.send("/note");
    t.wait_for(&["filter: note"]);
    t.send(ENTER);
    t.wait_until("the filtered list (notebooks only)", |s| {
        s.contains("/ to filter: note")
            && s.contains("> [ ] notebooks")
            && !s.contains("compute-cluster")
    });
    t.send(" ");
    t.wait_for(&[
        "> [x] notebooks",
        "4. Features (5 selected)",
        "notebooks on",
    ]);
    // Esc clears the filter: the whole list is back, with the two changes.
    // The cursor stays on notebooks; Home goes back to the top of the list.
    t.send_esc();
    t.wait_until("the filter to be cleared", |s| {
        s.contains("> [x] notebooks")
            && s.contains("[ ] compute-instance")
            && !s.contains("/ to filter: note")
    });
    t.send(HOME);
    let s = t.wait_for(&["> [x] compute-cluster"]);
    for (want, why) in [
        ("[x] compute-cluster", "kept from the default"),
        ("[ ] compute-instance", "unticked with Space"),
        ("[x] studio", "kept from the default"),
        // notebooks is below the fold at this size, once back at the top: its tick is the
        // fifth selected, and the export compared below contains its rules.
        ("4. Features (5 selected)", "notebooks ticked with Space"),
        ("[ ] hbi", "never touched"),
    ] {
        assert!(
            s.contains(want),
            "expected `{want}` ({why}) on the Features screen:\n{s}"
        );
    }
    t.send(TAB);

    // 5. Export: targets in `amlfw targets` order; azfw-terraform is the fourth (3 × ↓).
    t.wait_for(&["[5. Export]", "> azfw-policy-arm"]);
    t.send(&DOWN.repeat(3));
    t.wait_for(&[
        "> azfw-terraform",
        "(target azfw-terraform)",
        "# Cloud: usgov (Azure Government); region: usgovtexas (US Gov Texas)",
    ]);
    t.send("w");
    t.wait_for(&["Write azfw-terraform to file:", "amlfw-azfw-terraform.tf"]);
    t.send(CTRL_U);
    t.wait_until("the file name to be cleared", |s| {
        s.contains("Write azfw-terraform to file:") && !s.contains("amlfw-azfw-terraform.tf")
    });
    t.send(&out_str);
    t.wait_for(&[&out_str]);
    t.send(ENTER);
    let s = t.wait_for(&[&format!("ok: wrote {out_str} (")]);
    let reported = written_bytes(&s, &out_str, "azfw-terraform");

    // Quit: the choices differ from the starting ones, so it asks.
    t.send("q");
    t.wait_for(&["Quit?", "Quit anyway?"]);
    t.send("y");
    let status = t.wait_exit();
    let elapsed = started.elapsed();
    assert!(status.success(), "amlfw exited with {status:?}");
    t.assert_restored();

    // The file equals what the CLI exports for the same choices (the wizard lists the
    // features in catalog order; the CLI's output does not depend on the flag order).
    let written = std::fs::read(&out_path).expect("the wizard's file");
    assert_eq!(
        written.len(),
        reported,
        "the status line's byte count differs from the file's size"
    );
    let cli = std::process::Command::new(BIN)
        .current_dir(cwd.path())
        .env("AMLFW_CONFIG_DIR", config.path())
        .args([
            "export",
            "--cloud",
            "usgov",
            "--region",
            "usgovtexas",
            "--feature",
            "compute-cluster,studio,notebooks,conda,pip",
            "--storage-account",
            "mystorage01",
            "--target",
            "azfw-terraform",
        ])
        .output()
        .expect("run amlfw export");
    assert!(
        cli.status.success(),
        "amlfw export failed: {}",
        String::from_utf8_lossy(&cli.stderr)
    );
    assert!(
        written == cli.stdout,
        "the wizard's file differs from `amlfw export` for the same choices: {}",
        first_difference(&written, &cli.stdout)
    );

    // Nothing else was written to the working directory (e.g. the default file name).
    let stray: Vec<_> = std::fs::read_dir(cwd.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        stray.is_empty(),
        "the wizard left files in its working directory: {stray:?}"
    );
    eprintln!("walk took {elapsed:?}");
}

fn rows(screen: &str) -> Vec<String> {
    screen.lines().map(str::to_string).collect()
}

/// The text inside an overlay's borders on one row (the widest `│...│` segment; the step and
/// preview panels beside it are narrow).
fn inner(row: &str) -> &str {
    row.split('│')
        .max_by_key(|p| p.chars().count())
        .unwrap_or("")
}

/// In an open overlay (rule details or help) at 80x24: End shows the last line at the bottom,
/// and then each of `k`, PgUp and Ctrl-U moves the text at once (before the fix End scrolled
/// far past the end, so they seemed dead for many presses). `first` is the overlay's first
/// line, `last` its last one.
fn end_then_back_up(t: &mut Tui, top_row: usize, first: &str, last: &str) {
    let before = t.screen_text();
    t.send(END);
    let at_end = t.wait_until("End to scroll", |s| s != before && s.contains(last));
    assert!(
        !at_end.contains(first),
        "End left the top visible:\n{at_end}"
    );
    // The last line is on the overlay's last row: nothing blank after it.
    let r = rows(&at_end);
    let bottom = r
        .iter()
        .rposition(|l| l.contains(last))
        .expect("the last line");
    assert!(
        r[bottom + 1].contains('└') || r[bottom + 2].contains('└'),
        "blank rows after the last line:\n{at_end}"
    );

    t.send("k");
    let up = t.wait_until("k to scroll up one line right after End", |s| s != at_end);
    let u = rows(&up);
    assert_eq!(
        inner(&u[top_row + 1]),
        inner(&r[top_row]),
        "k should move the text down by one row:\nbefore\n{at_end}\nafter\n{up}"
    );
    // Right after End, PgUp and Ctrl-U move the text too.
    for (key, name) in [(PG_UP, "PgUp"), (CTRL_U, "Ctrl-U")] {
        t.send(END);
        t.wait_until("End to scroll back to the end", |s| s == at_end);
        t.send(key);
        t.wait_until(&format!("{name} to scroll right after End"), |s| {
            s != at_end
        });
    }
    t.send(HOME);
    t.wait_for(&[first]);
}

/// Rule details and help stop scrolling at their end (issue 20, point 7).
#[test]
fn scrolling_stops_at_the_end_of_details_and_help() {
    let cwd = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let mut t = Tui::spawn(&[], 80, 24, cwd.path(), config.path());
    t.wait_for(&["[1. Cloud]", "Azure Government"]);
    // The first rule's details: r focuses the preview, Enter opens it.
    t.send("r");
    t.wait_for(&["> tag     AzureResourceManager"]);
    t.send(ENTER);
    t.wait_for(&["Rule aml-tag-arm", "Destination: AzureResourceManager"]);
    end_then_back_up(
        &mut t,
        3,
        "Destination: AzureResourceManager",
        "use the edl-ip target",
    );
    t.send_esc();
    t.wait_until("the details to close", |s| !s.contains("Rule aml-tag-arm"));

    // Help, from the preview: it fits at 80x24, so at the smallest size (80x18).
    t.resize(80, 18);
    // Redrawn once the footer is on the 18th row (the resize cuts the rows past it off).
    t.wait_until("the redraw at 80x18", |s| {
        s.lines().nth(17).is_some_and(|l| l.contains("help"))
    });
    t.send("?");
    t.wait_for(&["Keys on this screen (Rules preview)"]);
    end_then_back_up(
        &mut t,
        2,
        "Keys on this screen (Rules preview)",
        "Esc closes this help.",
    );
    t.send(CTRL_C);
    assert!(t.wait_exit().success());
    t.assert_restored();
}

/// `amlfw --cloud china` starts in China's default region (it was an error), and
/// `amlfw --region westeurope` with the same five default features as a plain start (it had
/// none) (issue 20, point 10).
#[test]
fn cloud_or_region_alone_start_like_the_wizard() {
    let cwd = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let mut t = Tui::spawn(&["--cloud", "china"], 80, 24, cwd.path(), config.path());
    t.wait_for(&["> (*) Azure China 21Vianet", "Storage.ChinaEast2"]);
    t.send(CTRL_C);
    assert!(t.wait_exit().success());

    let mut t = Tui::spawn(
        &["--region", "westeurope"],
        80,
        24,
        cwd.path(),
        config.path(),
    );
    t.wait_for(&["[1. Cloud]", "Storage.WestEurope"]);
    t.send(&TAB.repeat(3));
    t.wait_for(&[
        "[4. Features]",
        "4. Features (5 selected)",
        "[x] compute-cluster",
        "[x] compute-instance",
    ]);
    // Nothing was changed from the start, so q quits without asking.
    t.send("q");
    assert!(t.wait_exit().success());
    t.assert_restored();
}

/// At 80x24 the footer of every step starts with that step's own keys and ends with quit and
/// help, each hint whole (issue 20, point 2: before, only "q quit (asks ...) ? help ..." fit).
#[test]
fn footer_shows_the_keys_of_each_step_at_80x24() {
    let cwd = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let mut t = Tui::spawn(&[], 80, 24, cwd.path(), config.path());
    let footer = |s: &str| s.lines().nth(23).unwrap_or("").trim_end().to_string();
    for (step, first, keys, next) in [
        ("[1. Cloud]", "Enter choose", &["Tab next"][..], ENTER),
        (
            "[2. Region]",
            "Enter choose",
            &["/ filter", "q quit"],
            ENTER,
        ),
        ("[3. Workspace]", "Enter edit", &["Tab next", "q quit"], TAB),
        ("[4. Features]", "Space tick", &["/ filter", "q quit"], TAB),
        ("[5. Export]", "w write file", &["y copy", "q quit"], "r"),
        (
            "Rules 2026-03",
            "Enter details",
            &["Esc back", "q quit"],
            ENTER,
        ),
        ("Rule ", "Esc close", &[], ESC),
    ] {
        let s = t.wait_until(&format!("{step} with its footer"), |s| {
            s.contains(step) && footer(s).starts_with(first)
        });
        let f = footer(&s);
        for k in keys {
            assert!(f.contains(k), "{step}: the footer lacks {k:?}: {f}");
        }
        if first != "Esc close" {
            assert!(f.ends_with("? help"), "{step}: {f}");
        }
        assert!(!f.contains('…'), "{step}: a cut hint: {f}");
        if next == ESC {
            t.send_esc();
        } else {
            t.send(next);
        }
    }
    t.send(CTRL_C);
    assert!(t.wait_exit().success());
}

/// The number in the preview's title: "Rules 2026-03: 37 (...".
fn rule_total(screen: &str) -> usize {
    let at = screen.find("Rules 20").expect("the preview title");
    let rest = &screen[at..];
    let colon = rest.find(": ").unwrap() + 2;
    rest[colon..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .expect("a rule count")
}

/// A feature toggle says what it did ("+13 rules, +1 warning"), marks the new rows `+` and
/// brings them into view, and says why when it changed nothing (issue 20, point 3).
#[test]
fn feature_toggles_say_what_changed_and_show_the_new_rules() {
    let cwd = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let mut t = Tui::spawn(&[], 80, 24, cwd.path(), config.path());
    t.wait_for(&["[1. Cloud]"]);
    t.send(&TAB.repeat(3));
    let s = t.wait_for(&["[4. Features]", "> [x] compute-cluster"]);
    let total = rule_total(&s);

    // compute-cluster's rules are all needed by compute-instance too: nothing changes, and
    // the status says why.
    t.send(" ");
    let s = t.wait_for(&["> [ ] compute-cluster"]);
    assert!(
        s.contains("compute-cluster off: no rule changed: already needed by compute-instance"),
        "{s}"
    );
    assert_eq!(rule_total(&s), total);
    assert!(!s.contains("\n│+ "), "nothing is marked new:\n{s}");

    // vscode adds rules at the end of the list: the preview scrolls to them, marked `+`.
    t.send("/vscode");
    t.wait_for(&["filter: vscode"]);
    t.send(ENTER);
    t.wait_for(&["> [ ] vscode"]);
    t.send(" ");
    let s = t.wait_for(&["> [x] vscode", "vscode on: +"]);
    let added = rule_total(&s) - total;
    assert!(added > 0, "{s}");
    assert!(
        s.contains(&format!("vscode on: +{added} rules")),
        "the status should count the {added} new rules:\n{s}"
    );
    let marked: Vec<&str> = s.lines().filter(|l| l.starts_with("│+ ")).collect();
    assert!(
        marked.len() >= 3 && marked.iter().all(|l| l.contains("vscode")),
        "the new vscode rules should be in view and marked +:\n{s}"
    );
    assert!(
        !s.contains("AzureResourceManager"),
        "the preview should have scrolled to the new rules:\n{s}"
    );

    // And back: the same rules go, and the status says so.
    t.send(" ");
    let s = t.wait_for(&["> [ ] vscode", &format!("vscode off: -{added} rules")]);
    assert_eq!(rule_total(&s), total);
    t.send(CTRL_C);
    assert!(t.wait_exit().success());
}

/// Ctrl-C on the first screen quits at once, exit code 0, terminal restored.
#[test]
fn ctrl_c_on_the_first_screen_quits_and_restores_the_terminal() {
    let cwd = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let mut t = Tui::spawn(&[], 100, 30, cwd.path(), config.path());
    t.wait_for(&["[1. Cloud]", "Azure Government"]);
    t.assert_raw_mode_now();
    let pressed = Instant::now();
    t.send(CTRL_C);
    let status = t.wait_exit();
    let took = pressed.elapsed();
    assert!(status.success(), "Ctrl-C should exit 0, got {status:?}");
    assert!(
        took < Duration::from_secs(3),
        "Ctrl-C took {took:?} to quit"
    );
    t.assert_restored();
}

/// At 40x10 the wizard says the terminal is too small; after a resize to 100x30 it draws the
/// steps again. `q` then quits without asking (nothing changed).
#[test]
fn too_small_terminal_recovers_after_a_resize() {
    let cwd = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let mut t = Tui::spawn(&[], 40, 10, cwd.path(), config.path());
    let s = t.wait_for(&["terminal too small"]);
    assert!(
        !s.contains("1. Cloud"),
        "the steps should not be drawn at 40x10:\n{s}"
    );
    t.resize(100, 30);
    t.wait_until("the wizard to recover at 100x30", |s| {
        s.contains("[1. Cloud]")
            && s.contains("Azure Government")
            && !s.contains("terminal too small")
    });
    t.send("q");
    let status = t.wait_exit();
    assert!(status.success(), "q should exit 0, got {status:?}");
    t.assert_restored();
}

/// A panic restores the terminal first and prints its message once, on the main screen, with
/// no terminal sequences after it that could move the cursor back over it.
#[test]
fn a_panic_restores_the_terminal_and_prints_its_message_once() {
    let cwd = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let mut t = Tui::spawn_env(
        &[],
        &[("AMLFW_DEBUG_PANIC", "1")],
        100,
        30,
        cwd.path(),
        config.path(),
    );
    let status = t.wait_exit();
    assert!(!status.success(), "a panic exits non-zero");
    let out = t.out.lock().unwrap();
    let raw = String::from_utf8_lossy(&out.raw).to_string();
    let leave = raw.rfind("\x1b[?1049l").expect("left the alternate screen");
    let message = "panicking on purpose after the first frame";
    assert_eq!(
        raw.matches(message).count(),
        1,
        "message printed once: {}",
        raw.escape_debug()
    );
    let after = &raw[leave..];
    assert!(
        after.contains(message),
        "the message comes after leaving the alternate screen"
    );
    assert_eq!(
        raw.matches("\x1b[?1049l").count(),
        1,
        "the terminal is restored exactly once"
    );
    assert!(
        !after.contains("\x1b[?1049h"),
        "nothing re-enters the alternate screen"
    );
    assert!(!out.parser.screen().alternate_screen());
    drop(out);
    if let (Some(before), Some(now)) = (t.lflag_before, t.lflag_now()) {
        assert_eq!(
            now & (ICANON | ECHO | ISIG),
            before & (ICANON | ECHO | ISIG),
            "raw mode is off again"
        );
    }
}

/// Every catchable terminating signal restores the terminal (main screen, cursor shown, mouse
/// reporting and bracketed paste off, cooked mode) and exits 128+signal: SIGTERM (kill),
/// SIGHUP (a closed SSH session), SIGINT (`kill -INT`: in raw mode Ctrl-C is a key, not a
/// signal), SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM and a real-time signal.
#[test]
fn terminating_signals_restore_the_terminal() {
    for (sig, code) in [
        ("TERM", 143),
        ("HUP", 129),
        ("INT", 130),
        ("QUIT", 131),
        ("USR1", 138),
        ("USR2", 140),
        ("ALRM", 142),
        ("VTALRM", 154),
        ("37", 128 + 37), // SIGRTMIN+3 with glibc
    ] {
        let cwd = tempfile::tempdir().unwrap();
        let config = tempfile::tempdir().unwrap();
        let mut t = Tui::spawn(&[], 100, 30, cwd.path(), config.path());
        t.wait_for(&["[1. Cloud]"]);
        t.assert_raw_mode_now();
        let pid = t.child.process_id().expect("child pid");
        let ok = std::process::Command::new("kill")
            .args([format!("-{sig}"), pid.to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig}");
        let status = t.wait_exit();
        assert_eq!(status.exit_code(), code, "SIG{sig}: {status:?}");
        t.assert_restored();
    }
}

/// The text part of an Export row at 80 columns: `│ list │TEXT│`.
fn export_text_of(row: &str) -> String {
    row.split('│').nth(2).unwrap_or("").to_string()
}

/// On Export at 80x24 the text gets the screen and the rules one summary line; the head says
/// where the view is and what is not covered; ←/→ scroll the text sideways, PgDn down, and z
/// gives the text the whole screen (issue 20, point 4).
#[test]
fn export_text_gets_the_room_scrolls_both_ways_and_zooms_at_80x24() {
    let cwd = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let mut t = Tui::spawn(&[], 80, 24, cwd.path(), config.path());
    t.wait_for(&["[1. Cloud]"]);
    t.send(&TAB.repeat(4));
    let s = t.wait_for(&["[5. Export]", "> azfw-policy-arm", "line 1/", "not covered"]);
    let r = rows(&s);
    // 24 rows: steps, 20 of Export, the rules' summary, status, footer.
    assert!(
        r[20].starts_with('└'),
        "the Export panel ends on row 21:\n{s}"
    );
    assert!(
        r[21].starts_with("Rules 2026-03: ") && r[21].contains("r: the rules"),
        "one summary line for the rules:\n{s}"
    );
    assert!(
        !s.contains("KIND    DESTINATION"),
        "no rules table on Export:\n{s}"
    );
    let total: usize = {
        let at = r[2].find("line 1/").unwrap() + "line 1/".len();
        r[2][at..].split(' ').next().unwrap().parse().unwrap()
    };

    // Down a page: 17 rows of text under the head line.
    t.send("\x1b[6~");
    let s = t.wait_for(&[&format!("line 18/{total}")]);
    let before = rows(&s);
    // Sideways: the same rows, 8 columns further right.
    t.send("l");
    let s = t.wait_for(&["col 9"]);
    let after = rows(&s);
    for y in 3..20 {
        let (b, a) = (export_text_of(&before[y]), export_text_of(&after[y]));
        let b: String = b.chars().skip(8).collect();
        let a: String = a.chars().take(b.chars().count()).collect();
        assert_eq!(
            a.trim_end(),
            b.trim_end(),
            "row {y} did not move 8 columns left"
        );
    }
    t.send("h");
    t.wait_until("back to the first column", |s| !s.contains("col 9"));

    // z: the text takes the whole panel (the target list goes), z again brings it back.
    t.send("z");
    t.wait_until("the zoomed text", |s| {
        !s.contains("azfw-classic-arm") && s.contains(&format!("line 18/{total}"))
    });
    t.send("z");
    t.wait_for(&["azfw-classic-arm", "> azfw-policy-arm"]);
    t.send(CTRL_C);
    assert!(t.wait_exit().success());
    t.assert_restored();
}

/// TERM=linux (and vt100, dumb): ASCII borders and no 256-colour codes, which crossterm writes
/// for every colour (issue 20, point 9).
#[test]
fn basic_terms_get_ascii_borders_and_no_256_colour_codes() {
    let cwd = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let mut t = Tui::spawn_env(&[], &[("TERM", "linux")], 80, 24, cwd.path(), config.path());
    let s = t.wait_for(&["+> 1. Cloud---", "(*) Azure public"]);
    assert!(
        !s.contains('│') && !s.contains('┌'),
        "box drawing on TERM=linux:\n{s}"
    );
    t.send(CTRL_C);
    assert!(t.wait_exit().success());
    let raw = t.out.lock().unwrap().raw.clone();
    let raw = String::from_utf8_lossy(&raw);
    assert!(
        !raw.contains("\x1b[38;5;") && !raw.contains("\x1b[48;5;"),
        "256-colour codes on TERM=linux"
    );
}

/// With --service-tags the first frame does not wait for the file: it says it is loading,
/// then that it was read, and the targets that need prefixes follow (issue 21).
#[test]
fn the_service_tags_file_is_read_after_the_first_frame() {
    let cwd = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/servicetags/ServiceTags_Public.376.json"
    );
    let mut t = Tui::spawn(&["--service-tags", file], 80, 24, cwd.path(), config.path());
    // The first frame says the file is loading (it may be read before the screen is looked
    // at, so the output is searched, not the screen; ratatui moves the cursor over the
    // spaces, so only the word is searched).
    let start = Instant::now();
    while !String::from_utf8_lossy(&t.out.lock().unwrap().raw).contains("loading") {
        if start.elapsed() > TIMEOUT {
            t.fail("no frame said the Service Tags file was loading");
        }
        std::thread::sleep(POLL);
    }
    t.wait_for(&["ok: read ServiceTags_Public.376.json (Public, changeNumber 376)"]);
    t.send(&TAB.repeat(4));
    t.wait_for(&["[5. Export]"]);
    let i = amlfw::export::targets()
        .iter()
        .position(|t| t.id() == "iptables")
        .unwrap();
    t.send(&DOWN.repeat(i));
    t.wait_for(&["> iptables", "(target iptables)", "line 1/"]);
    t.send(CTRL_C);
    assert!(t.wait_exit().success());
}

/// `w` then Enter writes the proposed file name, relative to the directory amlfw started in;
/// the status line names the whole path it was written to (that directory is not on screen).
#[test]
fn writing_a_relative_name_says_the_whole_path() {
    let cwd = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let mut t = Tui::spawn(&[], 160, 30, cwd.path(), config.path());
    t.wait_for(&["[1. Cloud]"]);
    t.send(&TAB.repeat(4));
    t.wait_for(&["[5. Export]", "> azfw-policy-arm"]);
    t.send("w");
    t.wait_for(&[
        "Write azfw-policy-arm to file:",
        "amlfw-azfw-policy-arm.json",
    ]);
    t.send(ENTER);
    let dir = cwd.path().canonicalize().unwrap();
    let whole = dir.join("amlfw-azfw-policy-arm.json");
    let whole = whole.to_str().unwrap();
    let s = t.wait_for(&["ok: wrote "]);
    let reported = written_bytes(&s, whole, "azfw-policy-arm");
    assert_eq!(std::fs::metadata(whole).unwrap().len() as usize, reported);
    t.send(CTRL_C);
    assert!(t.wait_exit().success());
    t.assert_restored();
}

/// `w` on aerleon names the command that writes the same export: started from a saved profile
/// and a Service Tags file, `--profile prod --service-tags tags.json`; started from the profile
/// with a flag that changes it, the name alone would not give these choices, so it says to
/// save them first.
#[test]
fn w_on_aerleon_names_the_profile_it_started_from_unless_a_flag_changed_it() {
    let cwd = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/servicetags/ServiceTags_Public.376.json"
        ),
        cwd.path().join("tags.json"),
    )
    .unwrap();
    let p = amlfw::Profile::new(amlfw::Cloud::Public, "westeurope");
    amlfw::store::Store::at(config.path())
        .save("prod", &p, false)
        .unwrap();
    let i = amlfw::export::targets()
        .iter()
        .position(|t| t.id() == "aerleon")
        .unwrap();
    for (extra, want) in [
        (
            &[][..],
            "write them with `amlfw export -t aerleon --profile prod --service-tags tags.json -o DIR`",
        ),
        (
            &["--region", "northeurope"][..],
            "save these choices as a profile (p), then write them with `amlfw export -t aerleon --profile prod --service-tags tags.json -o DIR`",
        ),
    ] {
        let mut args = vec!["--profile", "prod", "--service-tags", "tags.json"];
        args.extend(extra);
        let mut t = Tui::spawn(&args, 220, 30, cwd.path(), config.path());
        t.wait_for(&["ok: read tags.json"]);
        t.send(&TAB.repeat(4));
        t.wait_for(&["[5. Export]"]);
        t.send(&DOWN.repeat(i));
        t.wait_for(&["> aerleon"]);
        t.send("w");
        t.wait_for(&[want]);
        t.send(CTRL_C);
        assert!(t.wait_exit().success());
    }
}
