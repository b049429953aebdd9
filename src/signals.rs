//! What the process does when a signal asks it to stop: remove the temporary files of writes
//! in progress, give the terminal back if the wizard has it, and exit with the conventional
//! status 128 + the signal's number (130 for SIGINT, 143 for SIGTERM). SIGTSTP still stops
//! the process, after giving the terminal back, and the wizard takes it again when continued.
//!
//! Without this, a signal's default action kills the process on the spot: the terminal stays
//! raw, on the alternate screen with mouse reporting on, and `.amlfw-*.tmp` files stay beside
//! the file being written.

use std::os::raw::c_int;
use std::sync::Once;

/// Every signal whose default action ends the process and that a process may catch, except
/// the ones that report a fault of the process itself (SIGSEGV, SIGBUS, SIGILL, SIGFPE,
/// SIGABRT, SIGTRAP, SIGSYS: returning from a handler would only repeat the fault) and
/// SIGPIPE, which Rust programs ignore (a closed pipe is a write error; `amlfw ... | head` is
/// fine). SIGKILL and SIGSTOP cannot be caught at all: the profile store removes stale
/// temporary files when it next saves.
fn terminating_signals() -> Vec<c_int> {
    let mut v = vec![
        libc::SIGHUP,
        libc::SIGINT,
        libc::SIGQUIT,
        libc::SIGUSR1,
        libc::SIGUSR2,
        libc::SIGALRM,
        libc::SIGTERM,
        libc::SIGVTALRM,
        libc::SIGPROF,
        libc::SIGXCPU,
        libc::SIGXFSZ,
    ];
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        v.extend([libc::SIGIO, libc::SIGPWR, libc::SIGSTKFLT]);
        // Real-time signals end the process by default too. (The C library keeps the first
        // few for itself; SIGRTMIN() is the first one left to programs.)
        v.extend(libc::SIGRTMIN()..=libc::SIGRTMAX());
    }
    v
}

/// Installs the handling (once per process; later calls do nothing). The signals are taken
/// by a thread of their own, so the clean-up runs as ordinary code, not in a signal handler.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SIGTSTP from outside stops the process as usual, but gives the terminal back first
        // (`tui::stop_from_signal`).
        let mut taken = terminating_signals();
        taken.push(libc::SIGTSTP);
        let Ok(mut signals) = signal_hook::iterator::Signals::new(taken) else {
            return;
        };
        let _ = std::thread::Builder::new()
            .name("amlfw-signals".into())
            .spawn(move || {
                for sig in signals.forever() {
                    if sig == libc::SIGTSTP {
                        crate::tui::stop_from_signal();
                    } else {
                        stop(sig);
                    }
                }
            });
    });
}

fn stop(sig: c_int) -> ! {
    // Held until the exit: no write may start or rename after its file was removed.
    let _writes = crate::fsio::remove_pending_temp_files();
    // Likewise no frame may be half written around the restore.
    let _frame = crate::tui::frame_lock_for_exit();
    crate::tui::restore_terminal();
    std::process::exit(128 + sig)
}
