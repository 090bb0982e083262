//! Reading secrets (prompts without echo, files), device key files, and unlocking an
//! account file.
//!
//! A **device key file** is JSON, written with mode 0600:
//!
//! ```text
//! {"version":1,"public_key":"<2432 hex>","secret":"<64 hex>","account_pin":"<80 hex>"|null,
//!  "history_pins":{"<album id, 32 hex>":"<history pin, 112 hex>",...}}
//! ```
//!
//! (`history_pins` is omitted while empty: the newest album history entry this device has
//! verified, per album, SPEC.md 8.11.)
//!
//! `secret` is the device's X-Wing secret key (its 32-byte seed, SPEC.md 5.2), `public_key`
//! its 1216-byte X-Wing public key (checked against the secret on load), and `account_pin`
//! the account pin (`identity digest || be64(generation)`, SPEC.md 8.11): the digest of the
//! account identity that enrolment returned, so a device
//! unlock refuses any slot that opens to another account's root, and the newest account
//! generation this device has seen, so it refuses an older account file served again
//! (`Rollback`). A file from `device new` has no pin until `device enroll --device-file` or
//! `device pin` writes it; every successful unlock that involves the file raises its
//! generation to the one it saw.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use keepsake::account::{self, ACCOUNT_PIN_LEN, AccountBundle, AccountPin, DeviceKey, Keyring};
use keepsake::history::{HISTORY_PIN_LEN, HistoryPin};
use keepsake::hpke::xwing::{self, XWingPublicKey};
use keepsake::{AlbumId, RecoveryPhrase};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::args::UnlockArgs;
use crate::error::{CliError, CliResult, exit};
use crate::fsutil;

/// Largest passphrase or recovery file read.
pub const MAX_SECRET_FILE: u64 = 64 * 1024;
/// Largest device key file read (room for some 450 album history pins).
pub const MAX_DEVICE_FILE: u64 = 64 * 1024;
/// The device key file format version.
pub const DEVICE_FILE_VERSION: u8 = 1;

/// A secret that opens an account.
pub enum Secret {
    /// The passphrase.
    Passphrase(Zeroizing<String>),
    /// The recovery phrase.
    Recovery(RecoveryPhrase),
    /// A device key file's contents (boxed: an X-Wing key is large).
    Device(Box<DeviceFile>),
}

/// A device key pair and, once enrolled, its account pin.
pub struct DeviceFile {
    /// The key pair.
    pub key: DeviceKey,
    /// The account identity this device was enrolled in and the newest generation it saw.
    pub pin: Option<AccountPin>,
    /// Per album, the newest album history entry this device has verified (SPEC.md 5.12,
    /// 8.11).
    pub history_pins: BTreeMap<AlbumId, HistoryPin>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceWire {
    version: u8,
    public_key: String,
    secret: Zeroizing<String>,
    account_pin: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    history_pins: BTreeMap<String, String>,
}

impl DeviceFile {
    /// A fresh device key pair, not yet enrolled.
    ///
    /// # Errors
    /// The OS RNG failing.
    pub fn generate() -> CliResult<Self> {
        let key = DeviceKey::generate().map_err(|e| CliError::core("device key", &e))?;
        Ok(Self {
            key,
            pin: None,
            history_pins: BTreeMap::new(),
        })
    }

    /// The device's public key.
    pub fn public_key(&self) -> XWingPublicKey {
        self.key.public_key()
    }

    /// Reads a device key file.
    ///
    /// # Errors
    /// I/O errors; a malformed file, or one whose public key does not match its secret.
    pub fn load(path: &Path) -> CliResult<Self> {
        let bytes = fsutil::read_secret_file(path, MAX_DEVICE_FILE, "a device key file")?;
        let malformed = |why: &str| {
            CliError::new(
                exit::REFUSED_INPUT,
                format!("{}: not a keepsake device key file ({why})", path.display()),
            )
        };
        let wire: DeviceWire = serde_json::from_slice(&bytes).map_err(|_| malformed("JSON"))?;
        if wire.version != DEVICE_FILE_VERSION {
            return Err(malformed("unsupported version"));
        }
        let mut secret = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(wire.secret.trim(), secret.as_mut())
            .map_err(|_| malformed("secret is not 64 hex characters"))?;
        let key = DeviceKey::from_bytes(*secret);
        let public = hex::decode(wire.public_key.trim())
            .ok()
            .filter(|b| b.len() == xwing::PUBLIC_KEY_LEN)
            .ok_or_else(|| malformed("public_key is not 2432 hex characters"))?;
        let public = XWingPublicKey::from_slice(&public)
            .map_err(|_| malformed("public_key is not a valid X-Wing public key"))?;
        if key.public_key() != public {
            return Err(CliError::new(
                exit::REFUSED,
                format!(
                    "{}: the public key does not match the secret key (altered file)",
                    path.display()
                ),
            ));
        }
        let pin = wire
            .account_pin
            .map(|pin| fsutil::parse_hex::<ACCOUNT_PIN_LEN>(&pin, "account_pin"))
            .transpose()
            .map_err(|_| malformed("account_pin is not 80 hex characters"))?
            .map(|bytes| AccountPin::from_slice(&bytes))
            .transpose()
            .map_err(|_| malformed("account_pin"))?;
        let mut history_pins = BTreeMap::new();
        for (album, pin) in &wire.history_pins {
            let pin = fsutil::parse_hex::<HISTORY_PIN_LEN>(pin, "history_pins")
                .ok()
                .and_then(|bytes| HistoryPin::from_slice(&bytes).ok())
                .filter(|pin| pin.album_id.to_string() == *album)
                .ok_or_else(|| malformed("history_pins"))?;
            history_pins.insert(pin.album_id, pin);
        }
        Ok(Self {
            key,
            pin,
            history_pins,
        })
    }

    /// Writes the file (mode 0600, all or nothing).
    ///
    /// # Errors
    /// Exit code 4 if it exists and `overwrite` is false; I/O errors.
    pub fn save(&self, path: &Path, overwrite: bool) -> CliResult<()> {
        let wire = DeviceWire {
            version: DEVICE_FILE_VERSION,
            public_key: hex::encode(self.public_key().as_bytes()),
            secret: Zeroizing::new(hex::encode(*self.key.to_bytes())),
            account_pin: self.pin.map(|p| hex::encode(p.to_bytes())),
            history_pins: self
                .history_pins
                .iter()
                .map(|(album, pin)| (album.to_string(), hex::encode(pin.to_bytes())))
                .collect(),
        };
        let mut text = Zeroizing::new(
            serde_json::to_vec_pretty(&wire)
                .map_err(|e| CliError::failure(format!("device key file: {e}")))?,
        );
        text.push(b'\n');
        fsutil::write_atomic(path, &text, overwrite)
    }
}

/// An unlocked account and how it was unlocked.
pub struct Unlocked {
    /// The account file's path.
    pub path: PathBuf,
    /// The parsed (and, by the unlock, authenticated) bundle.
    pub bundle: AccountBundle,
    /// The keys.
    pub keyring: Keyring,
    /// The device that unlocked it, if a device key did.
    pub device: Option<XWingPublicKey>,
    /// The device key file whose account pin this unlock checked (`--device-key` or
    /// `--device-pin`), raised to the newest generation seen.
    pub pin_file: Option<PathBuf>,
}

impl Unlocked {
    /// Records `keyring`'s pin (after an unlock, a rotation) in the device key file this
    /// unlock used, if its generation is newer than the one the file holds. A failure to
    /// write is a warning: the unlock itself succeeded.
    pub fn remember(&self, keyring: &Keyring) {
        if let Some(path) = &self.pin_file
            && let Err(e) = remember_pin(path, keyring)
        {
            crate::note!("warning: the account pin was not updated: {}", e.message);
        }
    }
}

/// Writes `keyring.pin()` into the device key file at `path` (all or nothing, mode 0600)
/// if its generation is newer than the file's pin, or the file has none.
///
/// # Errors
/// Reading or writing the file.
pub fn remember_pin(path: &Path, keyring: &Keyring) -> CliResult<()> {
    let mut device = DeviceFile::load(path)?;
    let pin = keyring.pin();
    if device
        .pin
        .is_some_and(|old| old.generation >= pin.generation)
    {
        return Ok(());
    }
    device.pin = Some(pin);
    device.save(path, true)
}

/// The error for an account file older than the newest generation a device has seen.
pub fn rollback_error(seen: u64, offered: u64) -> CliError {
    CliError::new(
        exit::SECURITY,
        format!(
            "refused: the account file (from the server or a backup) is older than one this \
             device has seen: generation {offered} < {seen}; use the current account file"
        ),
    )
}

/// Reads and parses an account file.
///
/// # Errors
/// I/O errors; a malformed bundle (exit code 3).
pub fn load_bundle(path: &Path) -> CliResult<AccountBundle> {
    let bytes = fsutil::read_capped(
        path,
        keepsake::bundle::MAX_BUNDLE_LEN as u64,
        "an account file",
    )?;
    AccountBundle::parse(&bytes).map_err(|e| {
        CliError::new(
            exit::REFUSED_INPUT,
            format!("{}: not a usable account file: {e}", path.display()),
        )
    })
}

/// Writes an account file all or nothing (temporary file, fsync, rename).
///
/// # Errors
/// I/O errors.
pub fn save_bundle(path: &Path, bundle: &AccountBundle, overwrite: bool) -> CliResult<()> {
    fsutil::write_atomic(path, &bundle.to_bytes(), overwrite)
}

/// Unlocks `bundle` with `secret`: one Argon2id run for a passphrase.
///
/// # Errors
/// Exit code 2 for a secret that does not open the account, 5 for a bundle or slot that
/// fails its checks, 1 otherwise.
pub fn unlock_bundle(bundle: &AccountBundle, secret: &Secret) -> CliResult<Keyring> {
    use keepsake::Error as E;
    let result = match secret {
        Secret::Passphrase(p) => account::unlock_with_passphrase(bundle, p),
        Secret::Recovery(phrase) => account::unlock_with_recovery(bundle, phrase),
        Secret::Device(device) => {
            let pin = device.pin.ok_or_else(|| {
                CliError::failure(
                    "the device key file has no account pin yet: enroll it with \
                     `keepsake device enroll --device-file FILE`, or record the pin with \
                     `keepsake device pin`",
                )
            })?;
            account::unlock_with_device(bundle, &device.key, &pin)
        }
    };
    result.map_err(|err| match err {
        E::WrongPassphrase => CliError::new(exit::WRONG_SECRET, "wrong passphrase"),
        E::WrongRecoveryPhrase => CliError::new(
            exit::WRONG_SECRET,
            "wrong recovery phrase (a phrase stops working once it has been rotated)",
        ),
        E::InvalidRecoveryPhrase { problem } => CliError::new(
            exit::WRONG_SECRET,
            format!("not a valid recovery phrase: {problem}"),
        ),
        E::DeviceNotEnrolled => CliError::new(
            exit::WRONG_SECRET,
            "this device key is not enrolled in the account (never enrolled, or revoked)",
        ),
        E::DecryptionFailed => CliError::new(
            exit::REFUSED,
            "the device slot does not open with this device key: the account file was altered",
        ),
        E::IdentityMismatch => CliError::new(
            exit::REFUSED,
            "refused: a slot opened to another account's root key (a planted slot, or a \
             device file pinned to another account)",
        ),
        E::BundleTampered => CliError::new(
            exit::REFUSED,
            "refused: the account file failed authentication (it was altered)",
        ),
        E::Rollback { seen, offered } => rollback_error(seen, offered),
        other => CliError::core("unlock", &other),
    })
}

/// Checks a device's stored pin after a passphrase or recovery unlock.
///
/// # Errors
/// Exit code 5: the pin is another account's, or newer than the keyring (a rollback).
pub fn check_pin(keyring: &Keyring, pin: &AccountPin) -> CliResult<()> {
    keyring.check_pin(pin).map_err(|err| match err {
        keepsake::Error::Rollback { seen, offered } => rollback_error(seen, offered),
        keepsake::Error::IdentityMismatch => CliError::new(
            exit::SECURITY,
            "refused: the device pin is for another account (this account file is not the \
             one the device was enrolled in)",
        ),
        other => CliError::core("checking the account pin", &other),
    })
}

/// The environment variable a passphrase may come from (weaker than a file or a
/// command: other processes of the same user, and crash reports, may see it).
pub const PASSPHRASE_ENV: &str = "KEEPSAKE_PASSPHRASE";
/// The environment variable a recovery phrase may come from (with `--recovery`).
pub const RECOVERY_ENV: &str = "KEEPSAKE_RECOVERY_PHRASE";
/// The environment variable the new passphrase of `passwd` may come from.
pub const NEW_PASSPHRASE_ENV: &str = "KEEPSAKE_NEW_PASSPHRASE";

/// Where one secret comes from.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    /// A file, or standard input for `-`.
    File(&'a Path),
    /// A command run with `sh -c`; its standard output.
    Command(&'a str),
    /// An environment variable.
    Env(&'static str),
}

/// Reads a secret from `source`: its text less one trailing newline (`\n` or `\r\n`),
/// in memory wiped on drop. `what` names it in errors (`the passphrase`). No error holds
/// the secret, nor the command's text (which may hold one).
///
/// # Errors
/// I/O errors; a command that fails or cannot be run; text that is not UTF-8; an
/// environment variable that is set but empty.
pub fn read_source(source: Source<'_>, what: &str) -> CliResult<Zeroizing<String>> {
    let bytes = match source {
        Source::File(path) if path.as_os_str() == "-" => {
            read_stdin_capped(what).map_err(|e| CliError::io(Path::new("standard input"), &e))?
        }
        Source::File(path) => fsutil::read_secret_file(path, MAX_SECRET_FILE, what)?,
        Source::Command(command) => run_command(command, what)?,
        Source::Env(name) => match std::env::var(name) {
            Ok(value) if value.is_empty() => {
                return Err(CliError::usage(format!("{name} is set but empty")));
            }
            Ok(value) => Zeroizing::new(value.into_bytes()),
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(CliError::usage(format!("{name} is not UTF-8")));
            }
            Err(std::env::VarError::NotPresent) => {
                return Err(CliError::usage(format!("{name} is not set")));
            }
        },
    };
    let mut text = std::str::from_utf8(&bytes)
        .map(|s| Zeroizing::new(s.to_string()))
        .map_err(|_| CliError::failure(format!("{what} is not UTF-8 text")))?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}

fn read_stdin_capped(what: &str) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let out = fsutil::read_secret(std::io::stdin().lock(), MAX_SECRET_FILE)?;
    if out.len() as u64 > MAX_SECRET_FILE {
        return Err(std::io::Error::other(format!(
            "too large for {what} (more than {MAX_SECRET_FILE} bytes)"
        )));
    }
    Ok(out)
}

/// Runs `command` with `sh -c` (standard input and error inherited) and returns what it
/// printed on standard output, at most [`MAX_SECRET_FILE`] bytes.
fn run_command(command: &str, what: &str) -> CliResult<Zeroizing<Vec<u8>>> {
    use std::process::{Command, Stdio};
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| CliError::failure(format!("the command for {what} could not be run: {e}")))?;
    let read = match child.stdout.take() {
        Some(stdout) => fsutil::read_secret(stdout, MAX_SECRET_FILE),
        None => Ok(Zeroizing::new(Vec::new())),
    };
    let status = child
        .wait()
        .map_err(|e| CliError::failure(format!("the command for {what}: {e}")))?;
    if !status.success() {
        return Err(CliError::failure(format!(
            "the command for {what} failed ({status}); nothing was unlocked or written"
        )));
    }
    let out = read.map_err(|e| CliError::failure(format!("the command for {what}: {e}")))?;
    if out.len() as u64 > MAX_SECRET_FILE {
        return Err(CliError::failure(format!(
            "the command for {what} printed more than {MAX_SECRET_FILE} bytes"
        )));
    }
    if out.is_empty() {
        return Err(CliError::failure(format!(
            "the command for {what} printed nothing"
        )));
    }
    Ok(out)
}

fn env_is_set(name: &str) -> bool {
    std::env::var_os(name).is_some()
}

/// Reads the secret the options name: an option, else `KEEPSAKE_PASSPHRASE`, else a
/// prompt on the terminal.
///
/// # Errors
/// I/O errors; no terminal to ask on (usage error); a malformed recovery phrase (exit
/// code 2).
pub fn secret_from_args(args: &UnlockArgs) -> CliResult<Secret> {
    if let Some(path) = &args.passphrase_file {
        return read_source(Source::File(path), "the passphrase").map(Secret::Passphrase);
    }
    if let Some(command) = &args.passphrase_command {
        return read_source(Source::Command(command), "the passphrase").map(Secret::Passphrase);
    }
    if let Some(path) = &args.device_key {
        return DeviceFile::load(path).map(|d| Secret::Device(Box::new(d)));
    }
    let recovery = match (&args.recovery_file, &args.recovery_command) {
        (Some(path), _) => Some(Source::File(path)),
        (None, Some(command)) => Some(Source::Command(command)),
        (None, None) if args.recovery && env_is_set(RECOVERY_ENV) => {
            Some(Source::Env(RECOVERY_ENV))
        }
        (None, None) => None,
    };
    if let Some(source) = recovery {
        let text = read_source(source, "the recovery phrase").map_err(|e| {
            if e.message.ends_with("not UTF-8 text") {
                CliError::new(
                    exit::WRONG_SECRET,
                    "not a valid recovery phrase: not UTF-8 text",
                )
            } else {
                e
            }
        })?;
        return parse_recovery(&text).map(Secret::Recovery);
    }
    if args.recovery {
        let words = prompt(
            "Recovery phrase (24 words): ",
            "--recovery-file, --recovery-command or KEEPSAKE_RECOVERY_PHRASE",
        )?;
        return parse_recovery(&words).map(Secret::Recovery);
    }
    if env_is_set(PASSPHRASE_ENV) {
        return read_source(Source::Env(PASSPHRASE_ENV), "the passphrase").map(Secret::Passphrase);
    }
    prompt(
        "Passphrase: ",
        "--passphrase-file, --passphrase-command or KEEPSAKE_PASSPHRASE",
    )
    .map(Secret::Passphrase)
}

/// Parses a recovery phrase as typed.
///
/// # Errors
/// Exit code 2 with the problem (word count, position of an unknown word, checksum).
pub fn parse_recovery(text: &str) -> CliResult<RecoveryPhrase> {
    RecoveryPhrase::parse(text).map_err(|e| {
        CliError::new(
            exit::WRONG_SECRET,
            format!("not a valid recovery phrase: {e}"),
        )
    })
}

/// Loads the account file and unlocks it as the options say.
///
/// # Errors
/// As [`load_bundle`], [`secret_from_args`] and [`unlock_bundle`].
pub fn unlock(args: &UnlockArgs) -> CliResult<Unlocked> {
    let bundle = load_bundle(&args.account)?;
    // Read before Argon2id runs, so a bad path fails at once.
    let stored_pin = match &args.device_pin {
        Some(path) => Some(DeviceFile::load(path)?.pin.ok_or_else(|| {
            CliError::usage(format!(
                "{}: --device-pin: the device key file has no account pin yet",
                path.display()
            ))
        })?),
        None => None,
    };
    let secret = secret_from_args(args)?;
    let with_path = |e: CliError| CliError {
        code: e.code,
        message: format!("{}: {}", args.account.display(), e.message),
    };
    let keyring = unlock_bundle(&bundle, &secret).map_err(with_path)?;
    let (device, pin_file) = match &secret {
        Secret::Device(d) => (Some(d.public_key()), args.device_key.clone()),
        _ => match stored_pin {
            Some(pin) => {
                check_pin(&keyring, &pin).map_err(with_path)?;
                (None, args.device_pin.clone())
            }
            None => (None, None),
        },
    };
    let unlocked = Unlocked {
        path: args.account.clone(),
        bundle,
        keyring,
        device,
        pin_file,
    };
    unlocked.remember(&unlocked.keyring);
    Ok(unlocked)
}

/// Reads a passphrase file: its content less one trailing newline (`\n` or `\r\n`).
///
/// # Errors
/// I/O errors; not UTF-8.
pub fn read_passphrase_file(path: &Path) -> CliResult<Zeroizing<String>> {
    read_source(Source::File(path), "the passphrase")
}

/// The lowest zxcvbn score (0 to 4) a new passphrase must reach without
/// `--weak-passphrase-ok`: 3, "safely unguessable: moderate protection from offline
/// slow-hash scenario" (Argon2id is such a slow hash).
pub const MIN_PASSPHRASE_SCORE: u8 = 3;

/// zxcvbn looks at no more than this many characters (its cost grows with the length;
/// a longer passphrase is at least as strong as its prefix).
const STRENGTH_PREFIX_CHARS: usize = 100;

/// The zxcvbn score (0 to 4) of a passphrase, and its feedback (warning and suggestions,
/// generic texts that never quote the passphrase).
pub fn strength(passphrase: &str) -> (u8, Vec<String>) {
    let prefix: Zeroizing<String> =
        Zeroizing::new(passphrase.chars().take(STRENGTH_PREFIX_CHARS).collect());
    let entropy = zxcvbn::zxcvbn(&prefix, &["keepsake"]);
    let score = u8::from(entropy.score());
    let mut feedback = Vec::new();
    if let Some(f) = entropy.feedback() {
        if let Some(w) = f.warning() {
            feedback.push(w.to_string());
        }
        feedback.extend(f.suggestions().iter().map(ToString::to_string));
    }
    (score, feedback)
}

/// Checks a new passphrase's strength: below [`MIN_PASSPHRASE_SCORE`], a security refusal
/// (exit code 5) with zxcvbn's feedback, unless `weak_ok` (then a warning).
///
/// # Errors
/// As above.
pub fn check_strength(passphrase: &str, weak_ok: bool) -> CliResult<()> {
    let (score, feedback) = strength(passphrase);
    if score >= MIN_PASSPHRASE_SCORE {
        crate::note!("passphrase strength: {score} of 4 (zxcvbn)");
        return Ok(());
    }
    let mut advice = feedback.join(" ");
    if advice.is_empty() {
        advice = "Add more words that are not a common phrase.".into();
    }
    if weak_ok {
        crate::note!(
            "warning: weak passphrase (strength {score} of 4, accepted with --weak-passphrase-ok). {advice}"
        );
        return Ok(());
    }
    Err(CliError::new(
        exit::SECURITY,
        format!(
            "refusing a weak passphrase (strength {score} of 4; {MIN_PASSPHRASE_SCORE} needed): \
             {advice} (--weak-passphrase-ok accepts it anyway)"
        ),
    ))
}

/// A new passphrase: from a file or command, else the environment variable `env`, else
/// asked for twice. Refuses an empty one, and (see [`check_strength`]) a weak one.
///
/// # Errors
/// As [`read_source`]; the two entries differ; empty; weak.
pub fn new_passphrase(
    file: Option<&Path>,
    command: Option<&str>,
    env: &'static str,
    weak_ok: bool,
) -> CliResult<Zeroizing<String>> {
    let what = "the new passphrase";
    let passphrase = match (file, command) {
        (Some(path), _) => read_source(Source::File(path), what)?,
        (None, Some(command)) => read_source(Source::Command(command), what)?,
        (None, None) if env_is_set(env) => read_source(Source::Env(env), what)?,
        (None, None) => {
            let hint = format!("--passphrase-file, --passphrase-command or {env}");
            let first = prompt("New passphrase: ", &hint)?;
            let second = prompt("Repeat the new passphrase: ", &hint)?;
            if *first != *second {
                return Err(CliError::usage("the two passphrases differ"));
            }
            first
        }
    };
    if passphrase.is_empty() {
        return Err(CliError::usage("refusing an empty passphrase"));
    }
    check_strength(&passphrase, weak_ok)?;
    Ok(passphrase)
}

/// Asks on the terminal without echo. Only when standard input is a terminal: a script
/// (or a test) with its input redirected gets an error naming the file option instead of
/// a prompt it cannot answer.
fn prompt(text: &str, alternative: &str) -> CliResult<Zeroizing<String>> {
    if !std::io::stdin().is_terminal() {
        return Err(no_terminal(alternative));
    }
    crate::interrupt::prompting(true);
    let answer = rpassword::prompt_password(text)
        .map(Zeroizing::new)
        .map_err(|_| no_terminal(alternative));
    if answer.is_err() {
        // Ctrl-C at the prompt interrupts the read: exit 130, not "no terminal".
        crate::interrupt::exit_if_signalled();
    }
    crate::interrupt::prompting(false);
    answer
}

fn no_terminal(alternative: &str) -> CliError {
    CliError::usage(format!(
        "cannot ask for the secret: no terminal (use {alternative} in scripts)"
    ))
}
