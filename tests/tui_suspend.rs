//! Ctrl-Z in the wizard, under a real shell's job control (bash in tmux): the terminal is given
//! back and the shell says the job stopped; `fg` draws the wizard again; after quitting the
//! terminal is sane (issue 20, point 9). In raw mode Ctrl-Z is a key, so the wizard stops
//! itself; only a shell with job control can show that it did.
mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Tmux {
    socket: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let o = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "w"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    fn wait_until(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let s = self.run(&["capture-pane", "-p", "-t", "w"]);
            if pred(&s) {
                return s;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "waited 10 s for {what}; the pane shows:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

/// bash with job control in a tmux pane of 80x24, running the wizard (with its own
/// configuration directory, kept alive by the returned guard).
fn wizard_in_bash() -> (Tmux, tempfile::TempDir) {
    let config = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let t = Tmux {
        socket: dir.path().join("sock"),
        _dir: dir,
    };
    t.run(&[
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-s",
        "w",
        "-x",
        "80",
        "-y",
        "24",
        "bash --norc --noprofile -i",
    ]);
    let bin = env!("CARGO_BIN_EXE_amlfw");
    t.keys(&[
        &format!(
            "PS1='$ '; export AMLFW_CONFIG_DIR={}; {bin}",
            config.path().display()
        ),
        "Enter",
    ]);
    (t, config)
}

#[test]
#[ignore = "needs tmux: bash .ci/run runs it (cargo test -- --ignored)"]
fn ctrl_z_suspends_to_the_shell_and_fg_resumes() {
    if common::program("tmux").is_none() {
        common::missing_validator("tmux");
    }
    let (t, _config) = wizard_in_bash();
    t.wait_until("the wizard", |s| s.contains("[1. Cloud]"));
    t.keys(&["Tab"]);
    t.wait_until("the Region step", |s| s.contains("[2. Region]"));
    t.keys(&["C-z"]);
    t.wait_until("the shell to report the stopped job and prompt", |s| {
        s.contains("Stopped") && !s.contains("[2. Region]") && s.lines().any(|l| l == "$")
    });
    t.keys(&["fg", "Enter"]);
    // Drawn again whole, where it was.
    t.wait_until("the wizard again", |s| {
        s.contains("[2. Region]") && s.contains("/ to filter") && s.contains("? help")
    });
    t.keys(&["C-c"]);
    t.wait_until("the prompt after quitting", |s| {
        !s.contains("[2. Region]") && s.lines().filter(|l| l.starts_with('$')).count() >= 1
    });
    // Cooked mode is back: echo and canonical input.
    t.keys(&[
        "stty -a | tr ' ' '\\n' | grep -xE -- '-?(icanon|echo)' | sort | paste -sd,",
        "Enter",
    ]);
    t.wait_until("stty's answer", |s| s.contains("echo,icanon"));
}

/// A SIGTSTP from outside (`kill -TSTP`, a job-control tool) stops the wizard like Ctrl-Z:
/// the terminal is given back first, and `fg` draws the wizard whole again.
#[test]
#[ignore = "needs tmux: bash .ci/run runs it (cargo test -- --ignored)"]
fn sigtstp_from_outside_gives_the_terminal_back_and_fg_resumes() {
    if common::program("tmux").is_none() {
        common::missing_validator("tmux");
    }
    let (t, _config) = wizard_in_bash();
    t.wait_until("the wizard", |s| s.contains("[1. Cloud]"));
    t.keys(&["Tab"]);
    t.wait_until("the Region step", |s| s.contains("[2. Region]"));
    // The wizard is the shell's child.
    let shell = t.run(&["display", "-p", "-t", "w", "#{pane_pid}"]);
    let out = Command::new("pgrep")
        .args(["-P", shell.trim()])
        .output()
        .unwrap();
    let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        !pid.is_empty() && !pid.contains('\n'),
        "wizard pid: {pid:?}"
    );
    let killed = Command::new("kill").args(["-TSTP", &pid]).status().unwrap();
    assert!(killed.success());
    t.wait_until("the shell to report the stopped job and prompt", |s| {
        s.contains("Stopped") && !s.contains("[2. Region]") && s.lines().any(|l| l == "$")
    });
    let state = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    assert!(state.contains("State:\tT"), "{state}");
    t.keys(&["fg", "Enter"]);
    t.wait_until("the wizard again, whole", |s| {
        s.contains("[2. Region]") && s.contains("/ to filter") && s.contains("? help")
    });
    t.keys(&["C-c"]);
    t.wait_until("the prompt after quitting", |s| {
        !s.contains("[2. Region]") && s.lines().filter(|l| l.starts_with('$')).count() >= 1
    });
}
