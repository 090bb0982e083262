//! Interruption: SIGINT (Ctrl-C), SIGTERM and SIGHUP remove every partial file this
//! process is writing, then exit with 128 + the signal number (130, 143, 129).
//!
//! Every temporary file the tool writes is created through [`create_partial`] (called by
//! `fsutil::temp_beside`), which records its path in a registry while it exists. A
//! `signal-hook` thread waits for the signals; on one, it takes the registry's lock (and
//! keeps it, so no new partial file can be created), removes every recorded file, and
//! exits at once: a 512 MB file being sealed or opened does not delay the exit, and no
//! plaintext is left behind. No signal handler code is written here (`signal-hook` runs
//! the handler and wakes the thread); there is no `unsafe`.
//!
//! Partial files of a run that could not clean up (`kill -9`, a power cut) are named
//! `.keepsake-*.partial`; the first time a run creates a temporary file in a folder, it
//! first removes the stale ones there (`keepsake::file::remove_partial_files`) and says how
//! many on standard error. Two runs writing into one folder at the same time are not
//! supported (the second would remove the first one's partial files).

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

#[cfg(unix)]
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
#[cfg(unix)]
use signal_hook::iterator::Signals;
use tempfile::NamedTempFile;

use crate::note;

#[derive(Default)]
struct Registry {
    /// Partial files being written.
    live: HashSet<PathBuf>,
    /// Folders whose stale partial files were already removed by this run.
    cleaned: HashSet<PathBuf>,
    /// Folders to remove whole on interruption (the demo's scratch folder).
    scratch: Vec<PathBuf>,
}

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);

/// The last signal received (0: none), set in the signal handler.
static PENDING: OnceLock<Arc<AtomicUsize>> = OnceLock::new();

/// If a signal has arrived, cleans up and exits as the signal thread would (for a caller
/// whose system call the signal interrupted, so that it does not report that instead).
pub fn exit_if_signalled() {
    #[cfg(unix)]
    {
        let signal = PENDING.get().map_or(0, |p| p.load(Ordering::SeqCst));
        if let Ok(signal) = i32::try_from(signal)
            && signal != 0
        {
            exit_on(signal);
        }
    }
}

/// Set while a secret is asked for on the terminal with echo off.
static PROMPTING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Marks the time a prompt has the terminal's echo turned off: a signal then turns echo
/// back on (`stty echo`) before exiting, so Ctrl-C at a passphrase prompt does not leave
/// the shell without echo.
pub fn prompting(active: bool) {
    PROMPTING.store(active, Ordering::SeqCst);
}

#[cfg(unix)]
fn restore_echo() {
    if !PROMPTING.load(Ordering::SeqCst) {
        return;
    }
    if let Ok(tty) = std::fs::File::open("/dev/tty") {
        let _ = std::process::Command::new("stty")
            .arg("echo")
            .stdin(tty)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
        let _ = writeln!(io::stderr());
    }
}

fn lock() -> MutexGuard<'static, Option<Registry>> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

fn with<T>(f: impl FnOnce(&mut Registry) -> T) -> T {
    let mut guard = lock();
    f(guard.get_or_insert_with(Registry::default))
}

/// The name of a signal this module handles.
#[cfg(unix)]
pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}

/// Starts the thread that turns SIGINT, SIGTERM and SIGHUP into a clean exit. Call once,
/// before any file is written.
///
/// # Errors
/// The signal handlers or the thread could not be set up.
#[cfg(unix)]
pub fn install() -> io::Result<()> {
    let pending = PENDING.get_or_init(|| Arc::new(AtomicUsize::new(0)));
    for signal in [SIGINT, SIGTERM, SIGHUP] {
        // Set by the handler itself, before an interrupted system call returns.
        signal_hook::flag::register_usize(signal, Arc::clone(pending), signal as usize)?;
    }
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("keepsake-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                exit_on(signal);
            }
        })?;
    Ok(())
}

/// Elsewhere there are no such signals to watch: an interrupted run leaves its partial
/// files, which the next run into that folder removes.
///
/// # Errors
/// None.
#[cfg(not(unix))]
pub fn install() -> io::Result<()> {
    Ok(())
}

/// Removes the partial files (those registered, and any other `.keepsake-*.partial` in the
/// folders this run writes into) and scratch folders, then exits with 128 + `signal`.
/// Holds the registry lock until the process ends, so nothing new is registered meanwhile.
#[cfg(unix)]
fn exit_on(signal: i32) -> ! {
    let mut guard = lock();
    let registry = guard.get_or_insert_with(Registry::default);
    let mut removed = 0usize;
    for path in &registry.live {
        if std::fs::remove_file(path).is_ok() {
            removed += 1;
        }
    }
    // Partial files in this run's output folders that were not made through
    // `create_partial` (the core's `seal_file` / `open_file` make their own) go too: a
    // folder is this run's alone while it writes there.
    for dir in &registry.cleaned {
        removed += keepsake::file::remove_partial_files(dir).unwrap_or(0);
    }
    for dir in &registry.scratch {
        let _ = std::fs::remove_dir_all(dir);
    }
    restore_echo();
    note!(
        "keepsake: interrupted by {}; removed {removed} partial file(s)",
        signal_name(signal)
    );
    std::process::exit(128 + signal)
}

/// Creates a temporary file named `.keepsake-*.partial` in `dir` and records it for
/// removal on interruption. The first time in a folder, stale partial files there are
/// removed first (and counted on standard error).
///
/// # Errors
/// I/O errors creating the file.
pub fn create_partial(dir: &Path) -> io::Result<NamedTempFile> {
    let mut guard = lock();
    let registry = guard.get_or_insert_with(Registry::default);
    clean_locked(registry, dir);
    let temp = tempfile::Builder::new()
        .prefix(keepsake::file::PARTIAL_PREFIX)
        .suffix(keepsake::file::PARTIAL_SUFFIX)
        .tempfile_in(dir)?;
    registry.live.insert(temp.path().to_path_buf());
    Ok(temp)
}

/// Forgets a partial file (it was renamed into place, or removed).
pub fn forget(path: &Path) {
    with(|r| r.live.remove(path));
}

/// Records a folder to remove whole if the run is interrupted.
pub fn scratch_folder(dir: &Path) {
    with(|r| r.scratch.push(dir.to_path_buf()));
}

/// Removes the stale partial files in `dir`, once per run and folder, and says how many
/// on standard error (unless `--quiet`); returns how many. A folder that does not exist
/// has none.
pub fn clean_stale(dir: &Path) -> usize {
    with(|r| clean_locked(r, dir))
}

fn clean_locked(registry: &mut Registry, dir: &Path) -> usize {
    let Ok(key) = dir.canonicalize() else {
        return 0;
    };
    if !registry.cleaned.insert(key) {
        return 0;
    }
    match keepsake::file::remove_partial_files(dir) {
        Ok(0) => 0,
        Ok(n) => {
            note!(
                "removed {n} stale partial file(s) left by an interrupted run in {}",
                dir.display()
            );
            n
        }
        Err(e) => {
            note!(
                "warning: could not remove stale partial files in {}: {e}",
                dir.display()
            );
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_files_are_recorded_until_forgotten_and_stale_ones_cleaned_once() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".keepsake-old.partial");
        std::fs::write(&stale, b"left by kill -9").unwrap();
        std::fs::write(dir.path().join("keep.jpg"), b"mine").unwrap();
        let temp = create_partial(dir.path()).unwrap();
        assert!(!stale.exists(), "the stale partial file was removed first");
        assert!(dir.path().join("keep.jpg").exists());
        let path = temp.path().to_path_buf();
        assert!(with(|r| r.live.contains(&path)));
        // A second clean of the same folder (by another name) does not touch the live file.
        assert_eq!(clean_stale(&dir.path().join(".")), 0);
        assert!(path.exists());
        forget(&path);
        assert!(!with(|r| r.live.contains(&path)));
        assert_eq!(clean_stale(&dir.path().join("missing")), 0);
        #[cfg(unix)]
        assert_eq!(signal_name(SIGTERM), "SIGTERM");
    }
}
