//! Reading secrets (prompts without echo, files), device key files, and unlocking an
//! account file.
//!
//! A **device key file** is JSON, written with mode 0600:
//!
//! ```text
//! {"version":1,"public_key":"<64 hex>","secret":"<64 hex>","identity_pin":"<64 hex>"|null}
//! ```
//!
//! `secret` is the device's X25519 secret key, `public_key` its public key (checked against
//! the secret on load), and `identity_pin` the account identity public key that enrolment
//! returned: a device unlock refuses any slot that opens to another account's root. A file
//! from `device new` has no pin until `device enroll --device-file` or `device pin` writes it.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use keepsake::RecoveryPhrase;
use keepsake::account::{self, AccountBundle, DeviceKey, Keyring};
use keepsake::hpke::HpkePublicKey;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::args::UnlockArgs;
use crate::error::{CliError, CliResult, exit};
use crate::fsutil;

/// Largest passphrase or recovery file read.
pub const MAX_SECRET_FILE: u64 = 64 * 1024;
/// Largest device key file read.
pub const MAX_DEVICE_FILE: u64 = 4096;
/// The device key file format version.
pub const DEVICE_FILE_VERSION: u8 = 1;

/// A secret that opens an account.
pub enum Secret {
    /// The passphrase.
    Passphrase(Zeroizing<String>),
    /// The recovery phrase.
    Recovery(RecoveryPhrase),
    /// A device key file's contents.
    Device(DeviceFile),
}

/// A device key pair and, once enrolled, the identity it pins.
pub struct DeviceFile {
    /// The key pair.
    pub key: DeviceKey,
    /// The account identity this device was enrolled in.
    pub pin: Option<HpkePublicKey>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceWire {
    version: u8,
    public_key: String,
    secret: Zeroizing<String>,
    identity_pin: Option<String>,
}

impl DeviceFile {
    /// A fresh device key pair, not yet enrolled.
    ///
    /// # Errors
    /// The OS RNG failing.
    pub fn generate() -> CliResult<Self> {
        let key = DeviceKey::generate().map_err(|e| CliError::core("device key", &e))?;
        Ok(Self { key, pin: None })
    }

    /// The device's public key.
    pub fn public_key(&self) -> HpkePublicKey {
        self.key.public_key()
    }

    /// Reads a device key file.
    ///
    /// # Errors
    /// I/O errors; a malformed file, or one whose public key does not match its secret.
    pub fn load(path: &Path) -> CliResult<Self> {
        let bytes = fsutil::read_secret_file(path, MAX_DEVICE_FILE, "a device key file")?;
        let malformed = |why: &str| {
            CliError::failure(format!(
                "{}: not a keepsake device key file ({why})",
                path.display()
            ))
        };
        let wire: DeviceWire = serde_json::from_slice(&bytes).map_err(|_| malformed("JSON"))?;
        if wire.version != DEVICE_FILE_VERSION {
            return Err(malformed("unsupported version"));
        }
        let mut secret = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(wire.secret.trim(), secret.as_mut())
            .map_err(|_| malformed("secret is not 64 hex characters"))?;
        let key = DeviceKey::from_bytes(*secret);
        let public = fsutil::parse_public_key(&wire.public_key, "public_key")
            .map_err(|_| malformed("public_key is not 64 hex characters"))?;
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
            .identity_pin
            .map(|pin| fsutil::parse_public_key(&pin, "identity_pin"))
            .transpose()
            .map_err(|_| malformed("identity_pin is not 64 hex characters"))?;
        Ok(Self { key, pin })
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
            identity_pin: self.pin.map(|p| hex::encode(p.as_bytes())),
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
    pub device: Option<HpkePublicKey>,
}

/// Reads and parses an account file.
///
/// # Errors
/// I/O errors; a malformed bundle (exit code 1).
pub fn load_bundle(path: &Path) -> CliResult<AccountBundle> {
    let bytes = fsutil::read_capped(
        path,
        keepsake::bundle::MAX_BUNDLE_LEN as u64,
        "an account file",
    )?;
    AccountBundle::parse(&bytes).map_err(|e| {
        CliError::new(
            exit::FAILURE,
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
                    "the device key file has no identity pin yet: enroll it with \
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
        other => CliError::core("unlock", &other),
    })
}

/// Reads the secret the options name, asking for it when none does.
///
/// # Errors
/// I/O errors; no terminal to ask on; a malformed recovery phrase (exit code 2).
pub fn secret_from_args(args: &UnlockArgs) -> CliResult<Secret> {
    if let Some(path) = &args.passphrase_file {
        return read_passphrase_file(path).map(Secret::Passphrase);
    }
    if let Some(path) = &args.device_key {
        return DeviceFile::load(path).map(Secret::Device);
    }
    if let Some(path) = &args.recovery_file {
        let bytes = fsutil::read_secret_file(path, MAX_SECRET_FILE, "a recovery phrase file")?;
        let text = std::str::from_utf8(&bytes).map_err(|_| {
            CliError::new(
                exit::WRONG_SECRET,
                "not a valid recovery phrase: not UTF-8 text",
            )
        })?;
        return parse_recovery(text).map(Secret::Recovery);
    }
    if args.recovery {
        let words = prompt("Recovery phrase (24 words): ", "--recovery-file")?;
        return parse_recovery(&words).map(Secret::Recovery);
    }
    prompt("Passphrase: ", "--passphrase-file").map(Secret::Passphrase)
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
    let secret = secret_from_args(args)?;
    let keyring = unlock_bundle(&bundle, &secret).map_err(|e| CliError {
        code: e.code,
        message: format!("{}: {}", args.account.display(), e.message),
    })?;
    let device = match &secret {
        Secret::Device(d) => Some(d.public_key()),
        _ => None,
    };
    Ok(Unlocked {
        path: args.account.clone(),
        bundle,
        keyring,
        device,
    })
}

/// Reads a passphrase file: its content less one trailing newline (`\n` or `\r\n`).
///
/// # Errors
/// I/O errors; not UTF-8.
pub fn read_passphrase_file(path: &Path) -> CliResult<Zeroizing<String>> {
    let bytes = fsutil::read_secret_file(path, MAX_SECRET_FILE, "a passphrase file")?;
    let mut text = std::str::from_utf8(&bytes)
        .map(|s| Zeroizing::new(s.to_string()))
        .map_err(|_| {
            CliError::failure(format!("{}: the passphrase is not UTF-8", path.display()))
        })?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}

/// A new passphrase: from a file, or asked for twice. Refuses an empty one.
///
/// # Errors
/// As [`read_passphrase_file`]; the two entries differ; empty.
pub fn new_passphrase(file: Option<&Path>) -> CliResult<Zeroizing<String>> {
    let passphrase = match file {
        Some(path) => read_passphrase_file(path)?,
        None => {
            let first = prompt("New passphrase: ", "--passphrase-file")?;
            let second = prompt("Repeat the new passphrase: ", "--passphrase-file")?;
            if *first != *second {
                return Err(CliError::failure("the two passphrases differ"));
            }
            first
        }
    };
    if passphrase.is_empty() {
        return Err(CliError::failure("refusing an empty passphrase"));
    }
    Ok(passphrase)
}

/// Asks on the terminal without echo. Only when standard input is a terminal: a script
/// (or a test) with its input redirected gets an error naming the file option instead of
/// a prompt it cannot answer.
fn prompt(text: &str, alternative: &str) -> CliResult<Zeroizing<String>> {
    if !std::io::stdin().is_terminal() {
        return Err(no_terminal(alternative));
    }
    rpassword::prompt_password(text)
        .map(Zeroizing::new)
        .map_err(|_| no_terminal(alternative))
}

fn no_terminal(alternative: &str) -> CliError {
    CliError::failure(format!(
        "cannot ask for the secret: no terminal (use {alternative} in scripts)"
    ))
}
