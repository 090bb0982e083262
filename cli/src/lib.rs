//! The `keepsake` command-line tool: accounts, sealing folders into self-contained
//! containers, opening them (whole or a byte range), inspecting files without keys,
//! sharing albums, a benchmark and the demo.
//!
//! The binary (`src/main.rs`) only calls [`run`]; every subcommand is a function here, so
//! the demo and the tests call the same code the commands run.
//!
//! # Exit codes
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | usage error, or another failure (I/O, malformed account file, bad argument) |
//! | 2 | wrong passphrase, recovery phrase or device key (after one Argon2id run) |
//! | 3 | one or more files were refused (foreign, truncated, malformed, altered, wrong album) or failed; the other files of the batch were still processed |
//! | 4 | refused to overwrite an existing file (nothing written under its name) |
//! | 5 | security refusal: the account file, a device file, a grant or a seal index failed a check |
//!
//! # Secrets
//!
//! Passphrases and recovery phrases are read without echo from the terminal, or from a
//! file (`--passphrase-file`, `--recovery-file`) for scripts; they live in memory that is
//! wiped on drop. No command prints a key, a passphrase or a recovery phrase, except `init`
//! and `recovery rotate`, which print the new recovery phrase once.
//!
//! # Files
//!
//! - The account file is the bundle (`keepsake::account::AccountBundle::to_bytes`,
//!   canonical JSON, public).
//! - A device key file holds a device secret and its identity pin ([`unlock`]), mode 0600.
//! - A grant file is the 169-byte grant of SPEC.md 5.7 (public).
//! - A container (`.ks`) is specified in SPEC.md section 8 ([`container`]).
//! - The seal index (`index.ks-index`, one per output folder, public) is specified in
//!   SPEC.md 8.9–8.10 ([`index`]).
//!
//! Every file is written to a temporary file beside its destination, flushed, and renamed
//! into place, so a destination holds either nothing or the complete result.

pub mod account;
pub mod args;
pub mod bench;
pub mod container;
pub mod demo;
pub mod error;
pub mod fsutil;
pub mod index;
pub mod inspect;
pub mod open;
pub mod seal;
pub mod unlock;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{AlbumCommand, Cli, Command, RecoveryCommand};
use crate::error::{CliResult, exit};

/// Runs one command line's subcommand.
///
/// # Errors
/// The command's error, with its exit code.
pub fn dispatch(command: &Command) -> CliResult<()> {
    match command {
        Command::Init(a) => account::init(a),
        Command::Passwd(a) => account::passwd(a),
        Command::Recovery(RecoveryCommand::Rotate(a)) => account::rotate_recovery(a),
        Command::Device(c) => account::device(c),
        Command::Whoami(a) => account::whoami(a),
        Command::Album(AlbumCommand::New) => account::album_new(),
        Command::Seal(a) => seal::run(a),
        Command::Open(a) => open::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Share(a) => account::share(a),
        Command::Accept(a) => account::accept(a),
        Command::Bench(a) => bench::run(a),
        Command::Demo(a) => demo::run(a),
    }
}

/// Parses the command line, runs it, prints any error, and returns the exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() {
                exit::FAILURE
            } else {
                exit::OK
            };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    match dispatch(&cli.command) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(err) => {
            eprintln!("error: {}", err.message);
            ExitCode::from(err.code)
        }
    }
}
