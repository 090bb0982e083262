//! Standard output and standard error, the way scripts need them.
//!
//! - Every line for standard output goes through [`line()`] (the [`outln!`](crate::outln)
//!   macro): a write error ends the command instead of panicking like `println!`. A
//!   closed pipe (`keepsake inspect F | head -1`) becomes the silent exit code 141
//!   ([`exit::BROKEN_PIPE`]); any other error (a full disk, `> /dev/full`) is an I/O
//!   error, exit code 1.
//! - [`json`] writes one JSON object on one line (the `--json` output of every command
//!   that reports something).
//! - Chatter on standard error (notes, warnings, progress, "skipped ...") goes through
//!   [`note!`](crate::note), which `-q/--quiet` silences; errors are always printed.

use std::fmt;
use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{CliError, CliResult, exit};

static QUIET: AtomicBool = AtomicBool::new(false);

/// Silences (or not) the non-error messages on standard error, for the whole process.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `-q/--quiet` was given.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// The error for a failed write to standard output: [`exit::BROKEN_PIPE`] (printed as
/// nothing) for a closed pipe, an I/O error (exit code 1) otherwise.
pub fn stdout_error(err: &io::Error) -> CliError {
    if err.kind() == io::ErrorKind::BrokenPipe {
        CliError::broken_pipe()
    } else {
        CliError::new(exit::IO, format!("standard output: {err}"))
    }
}

/// Writes one line to standard output and flushes it.
///
/// # Errors
/// As [`stdout_error`].
pub fn line(args: fmt::Arguments<'_>) -> CliResult<()> {
    let mut out = io::stdout().lock();
    out.write_fmt(args)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(|e| stdout_error(&e))
}

/// Writes `value` as one line of compact JSON to standard output.
///
/// # Errors
/// As [`stdout_error`].
pub fn json(value: &serde_json::Value) -> CliResult<()> {
    line(format_args!("{value}"))
}

/// Prints a non-error message on standard error, unless `--quiet`.
pub fn note_args(args: fmt::Arguments<'_>) {
    if !quiet() {
        // A closed standard error has nowhere to report to: ignore it.
        let _ = writeln!(io::stderr().lock(), "{args}");
    }
}

/// Prints an error line on standard error (always, even with `--quiet`); a closed
/// standard error is ignored instead of panicking like `eprintln!`.
pub fn error_args(args: fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr().lock(), "error: {args}");
}

/// Whether binary data may be written to standard output: not to a terminal unless
/// forced (a terminal would show garbage, and may interpret control sequences in it).
///
/// # Errors
/// A usage error naming `--force-tty`.
pub fn check_binary_stdout(is_terminal: bool, forced: bool) -> CliResult<()> {
    if is_terminal && !forced {
        return Err(CliError::usage(
            "refusing to write binary data to a terminal: redirect standard output to a file \
             or a pipe, or pass --force-tty",
        ));
    }
    Ok(())
}

/// Whether standard output is a terminal.
pub fn stdout_is_terminal() -> bool {
    io::stdout().is_terminal()
}

/// `println!` for commands: writes a line to standard output, and on failure returns the
/// error from the enclosing function (which returns [`CliResult`]).
#[macro_export]
macro_rules! outln {
    () => {
        $crate::output::line(format_args!(""))?
    };
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))?
    };
}

/// An error line on standard error (`error: ...`), never silenced; never panics.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::output::error_args(format_args!($($arg)*))
    };
}

/// `eprintln!` for notes and warnings: silenced by `--quiet`.
#[macro_export]
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::output::note_args(format_args!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_output_to_a_terminal_needs_force() {
        assert_eq!(
            check_binary_stdout(true, false).unwrap_err().code,
            exit::USAGE
        );
        assert!(check_binary_stdout(true, true).is_ok());
        assert!(check_binary_stdout(false, false).is_ok());
    }

    #[test]
    fn a_closed_pipe_is_quiet_and_a_full_disk_is_an_io_error() {
        let pipe = stdout_error(&io::Error::from(io::ErrorKind::BrokenPipe));
        assert_eq!(pipe.code, exit::BROKEN_PIPE);
        assert!(pipe.message.is_empty());
        let full = stdout_error(&io::Error::from(io::ErrorKind::StorageFull));
        assert_eq!(full.code, exit::IO);
        assert!(full.message.starts_with("standard output"));
    }
}
