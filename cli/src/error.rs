//! Errors of the command-line tool and the exit codes they map to.
//!
//! Messages never hold a key, a passphrase or a recovery phrase: they are built from
//! `keepsake::Error` (whose variants carry none) and from file names.

use std::fmt;
use std::path::Path;

/// The process exit codes: one table, shown by every `--help` ([`EXIT_CODES_HELP`]), the
/// crate documentation and the README.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// An I/O error: a file or folder could not be read or written (missing input,
    /// permission denied, full disk), or another failure that is not the input's fault.
    pub const IO: u8 = 1;
    /// The passphrase, recovery phrase or device key does not open the account.
    pub const WRONG_SECRET: u8 = 2;
    /// Refused input: one or more files are not what they should be (tampered,
    /// truncated, foreign, malformed, another album); the other files of a batch were
    /// still processed.
    pub const REFUSED_INPUT: u8 = 3;
    /// An output file already exists and `--force` was not given (nothing was written
    /// under its name).
    pub const EXISTS: u8 = 4;
    /// A security refusal: the account file, a device file, a grant or a seal index failed
    /// a check (altered bundle, planted slot, an account file older than one the device
    /// has seen (`Rollback`), grant from another sender or for someone else, a grant whose
    /// signature does not verify (`GrantBadSignature`: altered, or signed by another
    /// account) or of another suite, altered or foreign index), or a passphrase too weak to
    /// accept.
    pub const SECURITY: u8 = 5;
    /// A usage error: an unknown option, a bad argument, a missing secret source, an
    /// `--out` that is a file, a range that starts past the end.
    pub const USAGE: u8 = 64;
    /// Interrupted by SIGHUP (128 + 1); partial files were removed.
    pub const HANGUP: u8 = 129;
    /// Interrupted by SIGINT, Ctrl-C (128 + 2); partial files were removed.
    pub const INTERRUPTED: u8 = 130;
    /// Standard output was closed early (a reader such as `head` went away): 128 +
    /// SIGPIPE, like a Unix tool killed by SIGPIPE, and nothing is printed.
    pub const BROKEN_PIPE: u8 = 141;
    /// Interrupted by SIGTERM (128 + 15); partial files were removed.
    pub const TERMINATED: u8 = 143;

    /// Old name of [`IO`].
    pub const FAILURE: u8 = IO;
    /// Old name of [`REFUSED_INPUT`].
    pub const FILES_FAILED: u8 = REFUSED_INPUT;
    /// Old name of [`SECURITY`].
    pub const REFUSED: u8 = SECURITY;
}

/// The exit-code table appended to `keepsake --help` and to every subcommand's `--help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
    0  success
    1  I/O error: a file could not be read or written (missing input, permission,
       full disk), or another failure
    2  wrong passphrase, recovery phrase or device key (after one Argon2id run)
    3  refused input: a file is tampered, truncated, foreign, malformed or of another
       album (the other files of a batch were still processed)
    4  already exists: refused to overwrite a file (nothing written under its name;
       see --force)
    5  security refusal: the account file, a device file, a grant or the seal index
       of --out failed a check (altered bundle, planted device slot, an account
       file older than one this device has seen, grant from another sender or
       for someone else, grant signature that does not verify (altered, or
       signed by another account), altered or foreign index), an album history
       that does not verify (truncated below this device's pin, forked, altered,
       another owner), an item whose provenance does not verify (unsigned,
       uploader not a member at the history entry it names, bad signature,
       content that differs from the signed manifest), or a passphrase too weak
       (see --weak-passphrase-ok)
   64  usage error: bad option or argument, no secret source, --out is a file, a
       range starting past the end
  129  interrupted by SIGHUP   } partial files removed, nothing
  130  interrupted by SIGINT   } left under a final name
  143  interrupted by SIGTERM  }
  141  standard output closed early (e.g. `| head`): stops silently
A batch with several kinds of failure exits with the first of 5, 64, 3, 1, 4.";

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

    /// An I/O or other failure (exit code 1).
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(exit::IO, message)
    }

    /// A usage error (exit code 64): a bad option or argument.
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(exit::USAGE, message)
    }

    /// Standard output was closed early: exit quietly with [`exit::BROKEN_PIPE`].
    pub fn broken_pipe() -> Self {
        Self::new(exit::BROKEN_PIPE, String::new())
    }

    /// An I/O failure on `path`.
    pub fn io(path: &Path, err: &std::io::Error) -> Self {
        let code = match err.kind() {
            std::io::ErrorKind::AlreadyExists => exit::EXISTS,
            std::io::ErrorKind::BrokenPipe => return Self::broken_pipe(),
            _ => exit::IO,
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
        | E::Rollback { .. }
        | E::NotAlbumOwner
        | E::GrantWrongSender
        | E::GrantWrongRecipient
        | E::GrantWrongAlbum
        | E::GrantBadSignature
        | E::MalformedGrant { .. }
        | E::SelectionWrongSender
        | E::SelectionWrongRecipient
        | E::SelectionWrongAlbum
        | E::SelectionWrongHistory
        | E::SelectionBadSignature
        | E::MalformedSelection { .. }
        | E::HistoryWrongAlbum
        | E::HistoryWrongOwner
        | E::HistoryBrokenLink { .. }
        | E::HistoryNotMember { .. }
        | E::HistoryBadSignature { .. }
        | E::HistoryNotAllowed { .. }
        | E::HistoryBadEpoch { .. }
        | E::HistoryRollback { .. }
        | E::HistoryFork { .. }
        | E::HistoryUnknownEntry
        | E::MalformedHistoryEntry { .. }
        | E::ProvenanceUnsigned
        | E::ProvenanceWrongItem
        | E::ProvenanceNotMember
        | E::ProvenanceBadSignature
        | E::ProvenanceMismatch { .. }
        | E::ProvenanceChunkMismatch { .. }
        | E::MalformedManifest { .. } => exit::SECURITY,
        E::DestinationExists => exit::EXISTS,
        E::Io(_) => exit::IO,
        _ => exit::REFUSED_INPUT,
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

/// The outcome of a batch of `total` files, from the exit codes of the files that failed:
/// `Ok` when none did, else the first of 141 (standard output closed), 5 (an item whose
/// provenance does not verify), 64 (a bad request such as a range past the end), 3
/// (refused input), 1 (I/O) and 4 (exists) among them.
///
/// # Errors
/// As above, with a summary message (none for a closed standard output).
pub fn batch_result(failures: &[u8], total: usize) -> CliResult<()> {
    if failures.is_empty() {
        return Ok(());
    }
    let order = [
        exit::BROKEN_PIPE,
        exit::SECURITY,
        exit::USAGE,
        exit::REFUSED_INPUT,
        exit::IO,
        exit::EXISTS,
    ];
    let code = order
        .into_iter()
        .find(|c| failures.contains(c))
        .unwrap_or(exit::IO);
    if code == exit::BROKEN_PIPE {
        return Err(CliError::broken_pipe());
    }
    let count = |c: u8| failures.iter().filter(|&&f| f == c).count();
    let exists = count(exit::EXISTS);
    let refused = count(exit::REFUSED_INPUT);
    let io = count(exit::IO);
    let mut message = format!(
        "{} of {total} file(s) not processed ({refused} refused, {io} I/O error(s), {exists} already existed",
        failures.len(),
    );
    let security = count(exit::SECURITY);
    if security > 0 {
        message.push_str(&format!(", {security} failed provenance checks"));
    }
    let usage = count(exit::USAGE);
    if usage > 0 {
        message.push_str(&format!(", {usage} bad request(s)"));
    }
    message.push(')');
    Err(CliError::new(code, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_exits_with_the_most_telling_failure() {
        assert!(batch_result(&[], 3).is_ok());
        let e = batch_result(&[exit::EXISTS, exit::IO], 3).unwrap_err();
        assert_eq!(e.code, exit::IO);
        assert!(e.message.contains("2 of 3"), "{}", e.message);
        let e = batch_result(&[exit::EXISTS, exit::REFUSED_INPUT, exit::IO], 3).unwrap_err();
        assert_eq!(e.code, exit::REFUSED_INPUT);
        assert_eq!(
            batch_result(&[exit::EXISTS], 1).unwrap_err().code,
            exit::EXISTS
        );
        let e = batch_result(&[exit::REFUSED_INPUT, exit::BROKEN_PIPE], 2).unwrap_err();
        assert_eq!(e.code, exit::BROKEN_PIPE);
        assert!(e.message.is_empty());
    }

    #[test]
    fn the_help_table_lists_every_code() {
        for code in [
            exit::OK,
            exit::IO,
            exit::WRONG_SECRET,
            exit::REFUSED_INPUT,
            exit::EXISTS,
            exit::SECURITY,
            exit::USAGE,
            exit::HANGUP,
            exit::INTERRUPTED,
            exit::BROKEN_PIPE,
            exit::TERMINATED,
        ] {
            let row = format!("{code:>5}  ");
            assert!(
                EXIT_CODES_HELP.lines().any(|l| l.starts_with(&row)),
                "{code} is missing from the table"
            );
        }
    }
}
