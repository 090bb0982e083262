//! Errors of the command-line tool and the exit codes they map to.
//!
//! Messages never hold a key, a passphrase or a recovery phrase: they are built from
//! `keepsake::Error` (whose variants carry none) and from file names.

use std::fmt;
use std::path::Path;

/// The process exit codes (also listed in `keepsake --help`).
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// A usage error, or another failure (I/O, a malformed account file, a bad argument).
    pub const FAILURE: u8 = 1;
    /// The passphrase, recovery phrase or device key does not open the account.
    pub const WRONG_SECRET: u8 = 2;
    /// One or more files were refused (foreign, truncated, malformed, altered, wrong
    /// album) or could not be processed; the other files of the batch were processed.
    pub const FILES_FAILED: u8 = 3;
    /// An output file already exists and `--force` was not given (nothing was written
    /// under its name).
    pub const EXISTS: u8 = 4;
    /// A security refusal: the account file, a device file, a grant or a seal index failed
    /// a check (altered bundle, planted slot, grant from another sender or for someone
    /// else, altered or foreign index).
    pub const REFUSED: u8 = 5;
}

/// The text appended to `keepsake --help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  usage error, or another failure (I/O, malformed account file, bad argument)
  2  wrong passphrase, recovery phrase or device key (after one Argon2id run)
  3  one or more files were refused (foreign, truncated, malformed, altered, wrong album)
     or failed; the other files of the batch were still processed
  4  refused to overwrite an existing file (nothing written under its name; see --force)
  5  security refusal: the account file, a device file, a grant or the seal index of
     --out failed a check (altered bundle, planted device slot, grant from another
     sender, altered or foreign index)";

/// An error that ends a command: a message for standard error and an exit code.
#[derive(Debug)]
pub struct CliError {
    /// One of the [`exit`] codes.
    pub code: u8,
    /// What went wrong, for a person (no secret in it).
    pub message: String,
}

/// Result of a command.
pub type CliResult<T> = Result<T, CliError>;

impl CliError {
    /// An error with an explicit exit code.
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// A usage or general failure (exit code 1).
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(exit::FAILURE, message)
    }

    /// An I/O failure on `path`.
    pub fn io(path: &Path, err: &std::io::Error) -> Self {
        let code = if err.kind() == std::io::ErrorKind::AlreadyExists {
            exit::EXISTS
        } else {
            exit::FAILURE
        };
        Self::new(code, format!("{}: {err}", path.display()))
    }

    /// A core error, with what was being done.
    pub fn core(context: impl fmt::Display, err: &keepsake::Error) -> Self {
        Self::new(code_of(err), format!("{context}: {err}"))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// The exit code a core error maps to.
pub fn code_of(err: &keepsake::Error) -> u8 {
    use keepsake::Error as E;
    match err {
        E::WrongPassphrase
        | E::WrongRecoveryPhrase
        | E::InvalidRecoveryPhrase { .. }
        | E::DeviceNotEnrolled => exit::WRONG_SECRET,
        E::BundleTampered
        | E::IdentityMismatch
        | E::GrantWrongSender
        | E::GrantWrongRecipient
        | E::GrantWrongAlbum
        | E::MalformedGrant { .. } => exit::REFUSED,
        E::DestinationExists => exit::EXISTS,
        _ => exit::FAILURE,
    }
}

/// The name of a core error's variant, without its fields (`DecryptionFailed`,
/// `TruncatedHeader`, ...), as the vector files name errors.
pub fn core_error_name(err: &keepsake::Error) -> String {
    let debug = format!("{err:?}");
    debug
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The outcome of a batch: `Ok` when every file succeeded, else exit code 3 (some failed),
/// or 4 when the only failures were existing outputs.
///
/// # Errors
/// As above, with a summary message.
pub fn batch_result(failed: usize, exists: usize, total: usize) -> CliResult<()> {
    if failed == 0 && exists == 0 {
        return Ok(());
    }
    let code = if failed > 0 {
        exit::FILES_FAILED
    } else {
        exit::EXISTS
    };
    Err(CliError::new(
        code,
        format!(
            "{} of {total} file(s) not processed ({failed} refused or failed, {exists} already existed)",
            failed + exists
        ),
    ))
}
