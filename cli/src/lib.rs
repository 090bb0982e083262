//! The `keepsake` command-line tool: accounts, sealing folders into self-contained
//! containers, opening them (whole or a byte range), inspecting files without keys,
//! sharing albums, a benchmark and the demo.
//!
//! The binary (`src/main.rs`) only calls [`run`]; every subcommand is a function here, so
//! the demo and the tests call the same code the commands run.
//!
//! # Exit codes
//!
//! One table, also in every `--help` ([`error::EXIT_CODES_HELP`]) and the README:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | I/O error: a file could not be read or written (missing input, permission, full disk), or another failure |
//! | 2 | wrong passphrase, recovery phrase or device key (after one Argon2id run) |
//! | 3 | refused input: a file is tampered, truncated, foreign, malformed or of another album; the other files of a batch were still processed |
//! | 4 | already exists: refused to overwrite a file (nothing written under its name) |
//! | 5 | security refusal: the account file, a device file, a grant or a seal index failed a check (including an account file older than one the device has seen: a rollback, and a grant whose signature does not verify: altered, or signed by another account), or a passphrase too weak |
//! | 64 | usage error: a bad option or argument, no secret source, `--out` naming a file, a range starting past the end |
//! | 129, 130, 143 | interrupted by SIGHUP, SIGINT (Ctrl-C), SIGTERM: the partial files were removed ([`interrupt`]) |
//! | 141 | standard output was closed early (`| head`): the command stops silently, like a tool killed by SIGPIPE |
//!
//! A batch with several kinds of failure exits with the first of 3, 1, 4.
//!
//! # Secrets
//!
//! Passphrases and recovery phrases are read without echo from the terminal, or for
//! scripts from a file (`--passphrase-file`, `--recovery-file`; `-` is standard input), a
//! command (`--passphrase-command`, `--recovery-command`, run by `sh -c` like restic's
//! password command), or the environment (`KEEPSAKE_PASSPHRASE`,
//! `KEEPSAKE_RECOVERY_PHRASE`: weaker, as other processes of the user may read it). They
//! live in memory that is wiped on drop. No command prints a key, a passphrase or a
//! recovery phrase, except `init` and `recovery rotate`, which print the new recovery
//! phrase once (numbered, in columns). `init` and `passwd` refuse a passphrase that zxcvbn
//! scores below 3 (of 4) unless `--weak-passphrase-ok`. Every input path and output folder
//! is checked before Argon2id runs.
//!
//! # Scripting
//!
//! `--json` (seal, open, inspect, whoami, device list, device revoke, rotate, album
//! remove-member, share, accept, bench) prints one
//! JSON object per line on standard output, with no secret in it; `-q/--quiet` silences
//! notes and warnings on standard error; progress bars are drawn only on a terminal.
//! `keepsake completions SHELL` prints a completion script; `cli/doc/` holds the man
//! pages, generated from the same definitions (`keepsake man --dir cli/doc`).
//!
//! # Files
//!
//! - The account file is the bundle (`keepsake::account::AccountBundle::to_bytes`,
//!   canonical JSON, public).
//! - A device key file holds a device secret (a 32-byte X-Wing seed) and its account pin
//!   (identity digest and newest generation seen, [`unlock`]), mode 0600.
//! - A grant file is the 1354-byte signed grant of SPEC.md 5.7 (public).
//! - An identity file (`whoami --out`) holds an identity public key as 2496 hex digits and
//!   a newline (public); a device public key file (`device new --public-out`), 2432.
//!   Wherever a public key is an argument, `@FILE` reads it from such a file
//!   ([`fsutil::key_text`]).
//! - A container (`.ks`) is specified in SPEC.md section 8 ([`container`]).
//! - The seal index (`index.ks-index`, one per output folder, public) is specified in
//!   SPEC.md 8.9–8.10 ([`index`]).
//!
//! Every file is written to a temporary file beside its destination, flushed, and renamed
//! into place, so a destination holds either nothing or the complete result.

pub mod account;
pub mod album_history;
pub mod args;
pub mod bench;
pub mod collect;
pub mod container;
pub mod demo;
pub mod error;
pub mod fsutil;
pub mod index;
pub mod inspect;
pub mod interrupt;
pub mod lifecycle;
pub mod link;
pub mod link_open;
pub mod open;
pub mod output;
pub mod seal;
pub mod selection;
pub mod unlock;

use std::process::ExitCode;

use clap::FromArgMatches;

use crate::args::{AlbumCommand, Cli, Command, RecoveryCommand};
use crate::error::{CliError, CliResult, exit};

/// Runs one command line's subcommand.
///
/// # Errors
/// The command's error, with its exit code.
pub fn dispatch(command: &Command) -> CliResult<()> {
    match command {
        Command::Init(a) => account::init(a),
        Command::Passwd(a) => account::passwd(a),
        Command::Recovery(RecoveryCommand::Rotate(a)) => account::rotate_recovery(a),
        Command::Rotate(a) => lifecycle::rotate(a),
        Command::Device(c) => account::device(c),
        Command::Whoami(a) => account::whoami(a),
        Command::Album(AlbumCommand::New) => account::album_new(),
        Command::Album(AlbumCommand::RemoveMember(a)) => lifecycle::remove_member(a),
        Command::Seal(a) => seal::run(a),
        Command::Open(a) => open::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Share(a) => account::share(a),
        Command::Accept(a) => account::accept(a),
        Command::Bench(a) => bench::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Completions(a) => completions(a.shell),
        Command::Man(a) => man(a.dir.as_deref()),
        Command::Link(c) => link::run(c),
        Command::Collect(c) => collect::run(c),
    }
}

/// `completions SHELL`: the script for `shell`, on standard output.
///
/// # Errors
/// Writing standard output.
pub fn completions(shell: clap_complete::Shell) -> CliResult<()> {
    let mut cmd = args::command();
    let mut bytes = Vec::new();
    clap_complete::generate(shell, &mut cmd, "keepsake", &mut bytes);
    write_stdout(&bytes)
}

/// The man page (roff), generated from the command-line definitions.
///
/// # Errors
/// Rendering failed.
pub fn man_page() -> CliResult<Vec<u8>> {
    let mut bytes = Vec::new();
    clap_mangen::Man::new(args::command())
        .render(&mut bytes)
        .map_err(|e| CliError::failure(format!("man page: {e}")))?;
    Ok(bytes)
}

/// `man`: the main man page on standard output, or every page (one per subcommand) into
/// `dir`.
///
/// # Errors
/// Writing standard output or the files.
pub fn man(dir: Option<&std::path::Path>) -> CliResult<()> {
    match dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| CliError::io(dir, &e))?;
            clap_mangen::generate_to(args::command(), dir).map_err(|e| CliError::io(dir, &e))
        }
        None => write_stdout(&man_page()?),
    }
}

fn write_stdout(bytes: &[u8]) -> CliResult<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| output::stdout_error(&e))
}

/// Parses the command line, runs it, prints any error, and returns the exit code.
pub fn run() -> ExitCode {
    let parsed = args::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            if err.print().is_err() && code == exit::OK {
                // `keepsake --help | true`: standard output closed.
                return ExitCode::from(exit::BROKEN_PIPE);
            }
            return ExitCode::from(code);
        }
    };
    output::set_quiet(cli.quiet);
    if let Err(e) = interrupt::install() {
        crate::errln!("cannot watch for interruption signals: {e}");
        return ExitCode::from(exit::IO);
    }
    match dispatch(&cli.command) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(err) => {
            if !err.message.is_empty() {
                crate::errln!("{}", err.message);
            }
            ExitCode::from(err.code)
        }
    }
}
