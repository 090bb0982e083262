//! Account commands: `init`, `passwd`, `recovery rotate`, `device ...`, `whoami`, `album
//! new`, `share`, `accept`.
//!
//! Every command that changes the account writes a new account file all or nothing
//! (temporary file beside it, fsync, rename, folder fsync). Only `init` and `recovery
//! rotate` print a secret: the new recovery phrase, once.

use std::path::Path;
use std::time::{Duration, Instant};

use keepsake::account::{self, AccountPin, Keyring};
use keepsake::history::HistoryAction;
use keepsake::hpke::xwing::XWingPublicKey;
use keepsake::identity::{DIGEST_LEN, IdentityPublicKey};
use keepsake::kdf::KdfParams;
use keepsake::sharing::{GRANT_LEN, fingerprint, fingerprint_of_digest, inspect_grant};
use keepsake::{AlbumId, AlbumKey, RecoveryPhrase};

use serde_json::json;

use crate::album_history::AlbumHistory;
use crate::args::{
    AcceptArgs, DeviceCommand, DeviceEnrollArgs, DevicePinArgs, IdentityArgs, InitArgs, PasswdArgs,
    ShareArgs, WhoamiArgs,
};
use crate::error::{CliError, CliResult, exit};
use crate::unlock::{self, DeviceFile, Unlocked};
use crate::{fsutil, note, outln, output};

/// What [`create_account`] made.
pub struct Created {
    /// Show once.
    pub recovery_phrase: RecoveryPhrase,
    /// The identity public key.
    pub identity: IdentityPublicKey,
    /// The unlocked keys.
    pub keyring: Keyring,
    /// How long creating the account (one Argon2id run) took.
    pub elapsed: Duration,
}

/// Creates an account and writes its file (refused if it exists).
///
/// # Errors
/// Exit code 4 if the file exists; I/O and core errors.
pub fn create_account(path: &Path, passphrase: &str, params: &KdfParams) -> CliResult<Created> {
    if path.exists() {
        return Err(CliError::new(
            exit::EXISTS,
            format!(
                "{}: already exists; refusing to replace an account file (its keys would be lost)",
                path.display()
            ),
        ));
    }
    let start = Instant::now();
    let new = account::create_account(passphrase, params)
        .map_err(|e| CliError::core("creating the account", &e))?;
    let elapsed = start.elapsed();
    unlock::save_bundle(path, &new.bundle, false)?;
    Ok(Created {
        identity: new.keyring.identity_public_key(),
        recovery_phrase: new.recovery_phrase,
        keyring: new.keyring,
        elapsed,
    })
}

/// `init`.
///
/// # Errors
/// As [`create_account`]; reading the passphrase.
pub fn init(args: &InitArgs) -> CliResult<()> {
    if args.account.exists() {
        return Err(CliError::new(
            exit::EXISTS,
            format!(
                "{}: already exists; refusing to replace an account file",
                args.account.display()
            ),
        ));
    }
    fsutil::check_output_file(&args.account, false)?;
    let params = args.kdf_profile.params();
    if args.kdf_profile == crate::args::KdfProfile::Floor {
        note!("warning: the floor KDF profile is the weakest accepted; use it for tests only");
    }
    let passphrase = unlock::new_passphrase(
        args.passphrase_file.as_deref(),
        args.passphrase_command.as_deref(),
        unlock::PASSPHRASE_ENV,
        args.strength.weak_passphrase_ok,
    )?;
    let created = create_account(&args.account, &passphrase, &params)?;
    outln!(
        "created {} (Argon2id {} MiB, {} passes: {:.2} s)",
        args.account.display(),
        params.memory_kib() / 1024,
        params.iterations(),
        created.elapsed.as_secs_f64()
    );
    print_identity(&created.identity)?;
    outln!(
        "to share albums, give others your identity public key: keepsake whoami --account {} \
         --out FILE",
        args.account.display()
    );
    print_phrase(&created.recovery_phrase)
}

/// The recovery phrase as numbered words in four columns (24 words: 6 rows), numbered down
/// each column (`1. word` to `6. word` in the first column), one string per row.
pub fn phrase_columns(words: &str) -> Vec<zeroize::Zeroizing<String>> {
    let words: Vec<&str> = words.split_whitespace().collect();
    let rows = words.len().div_ceil(4).max(1);
    (0..rows)
        .map(|row| {
            // Allocated once at its largest size (four cells of at most 16 characters), so
            // no growth leaves an unwiped copy of the words behind.
            let mut line = zeroize::Zeroizing::new(String::with_capacity(64));
            for (i, word) in words.iter().enumerate().skip(row).step_by(rows) {
                let cell = zeroize::Zeroizing::new(format!("{:>2}. {word:<10}", i + 1));
                line.push_str(&cell);
            }
            zeroize::Zeroizing::new(line.trim_end().to_string())
        })
        .collect()
}

fn print_phrase(phrase: &RecoveryPhrase) -> CliResult<()> {
    outln!();
    outln!("Recovery phrase (shown only this once; write it down and keep it offline):");
    for row in phrase_columns(phrase.words()) {
        outln!("  {}", *row);
    }
    outln!();
    Ok(())
}

fn print_identity(identity: &IdentityPublicKey) -> CliResult<()> {
    outln!("identity digest: {}", hex::encode(identity.digest()));
    outln!("fingerprint:     {}", fingerprint(identity));
    Ok(())
}

fn identity_json(identity: &IdentityPublicKey, generation: u64) -> serde_json::Value {
    json!({
        "identity": hex::encode(identity.to_bytes()),
        "digest": hex::encode(identity.digest()),
        "fingerprint": fingerprint(identity),
        "generation": generation,
    })
}

/// `passwd`.
///
/// # Errors
/// Unlocking, reading the new passphrase, writing the account file.
pub fn passwd(args: &PasswdArgs) -> CliResult<()> {
    let stdin = |p: &Option<std::path::PathBuf>| p.as_deref().is_some_and(|p| p.as_os_str() == "-");
    if stdin(&args.new_passphrase_file)
        && (stdin(&args.unlock.passphrase_file) || stdin(&args.unlock.recovery_file))
    {
        return Err(CliError::usage(
            "standard input (-) can give only one secret: use a file or a command for the other",
        ));
    }
    let unlocked = unlock::unlock(&args.unlock)?;
    let params = args
        .kdf_profile
        .map_or_else(|| unlocked.bundle.kdf_params(), |p| p.params());
    let passphrase = unlock::new_passphrase(
        args.new_passphrase_file.as_deref(),
        args.new_passphrase_command.as_deref(),
        unlock::NEW_PASSPHRASE_ENV,
        args.strength.weak_passphrase_ok,
    )?;
    let next = unlocked
        .keyring
        .change_passphrase(&unlocked.bundle, &passphrase, &params)
        .map_err(|e| CliError::core("changing the passphrase", &e))?;
    unlock::save_bundle(&unlocked.path, &next, true)?;
    outln!(
        "passphrase changed in {} (Argon2id {} MiB, {} passes)",
        unlocked.path.display(),
        params.memory_kib() / 1024,
        params.iterations()
    );
    Ok(())
}

/// `recovery rotate`.
///
/// # Errors
/// Unlocking, writing the account file.
pub fn rotate_recovery(args: &WhoamiArgs) -> CliResult<()> {
    let unlocked = unlock::unlock(&args.unlock)?;
    let (next, phrase) = unlocked
        .keyring
        .rotate_recovery(&unlocked.bundle)
        .map_err(|e| CliError::core("rotating the recovery phrase", &e))?;
    unlock::save_bundle(&unlocked.path, &next, true)?;
    outln!(
        "recovery phrase replaced in {}; the old phrase no longer opens it",
        unlocked.path.display()
    );
    print_phrase(&phrase)
}

/// `whoami`.
///
/// # Errors
/// Unlocking.
pub fn whoami(args: &IdentityArgs) -> CliResult<()> {
    if let Some(out) = &args.out {
        fsutil::check_output_file(out, args.force)?;
    }
    let unlocked = unlock::unlock(&args.unlock)?;
    let identity = unlocked.keyring.identity_public_key();
    let generation = unlocked.keyring.generation();
    if let Some(out) = &args.out {
        fsutil::write_key_file(out, &identity.to_bytes(), args.force)?;
    }
    if args.json {
        return output::json(&identity_json(&identity, generation));
    }
    print_identity(&identity)?;
    outln!("generation:      {generation}");
    if let Some(out) = &args.out {
        outln!(
            "wrote {}: the identity public key ({} hex digits); others pass it as @{} to \
             share, accept, open/seal --from, album remove-member --member",
            out.display(),
            2 * keepsake::identity::IDENTITY_PUBLIC_LEN,
            out.display()
        );
    }
    Ok(())
}

/// `album new`.
///
/// # Errors
/// The OS RNG failing.
pub fn album_new() -> CliResult<()> {
    let id = AlbumId::random().map_err(|e| CliError::core("album id", &e))?;
    outln!("{id}");
    Ok(())
}

/// `device ...`.
///
/// # Errors
/// As each subcommand.
pub fn device(command: &DeviceCommand) -> CliResult<()> {
    match command {
        DeviceCommand::New(args) => {
            if let Some(public) = &args.public_out {
                fsutil::check_output_file(public, args.force)?;
            }
            let device = DeviceFile::generate()?;
            device.save(&args.out, args.force)?;
            outln!("wrote {} (mode 0600; not enrolled yet)", args.out.display());
            if let Some(public) = &args.public_out {
                fsutil::write_key_file(public, device.public_key().as_bytes(), args.force)?;
                outln!(
                    "wrote {}: its public key, for `device enroll --device-public @{}`",
                    public.display(),
                    public.display()
                );
            }
            outln!(
                "device public key: {}",
                hex::encode(device.public_key().as_bytes())
            );
            Ok(())
        }
        DeviceCommand::Enroll(args) => enroll(args),
        DeviceCommand::List(args) => {
            let unlocked = unlock::unlock(&args.unlock)?;
            let devices = unlocked.bundle.devices();
            if args.json {
                for device in devices {
                    output::json(&json!({
                        "public_key": hex::encode(device.as_bytes()),
                        "this_device": unlocked.device.as_ref() == Some(&device),
                    }))?;
                }
                return Ok(());
            }
            outln!("{} enrolled device(s)", devices.len());
            for device in devices {
                let this = if unlocked.device.as_ref() == Some(&device) {
                    "  (this device)"
                } else {
                    ""
                };
                outln!("{}{this}", hex::encode(device.as_bytes()));
            }
            Ok(())
        }
        DeviceCommand::Revoke(args) => crate::lifecycle::revoke(args),
        DeviceCommand::Pin(args) => pin(args),
    }
}

/// Enrolls `device` in the unlocked account and writes the account file.
///
/// # Errors
/// Core errors (a low-order key, too many devices); writing the file.
pub fn enroll_public(unlocked: &Unlocked, device: &XWingPublicKey) -> CliResult<AccountPin> {
    let (next, pin) = unlocked
        .keyring
        .enroll_device(&unlocked.bundle, device)
        .map_err(|e| CliError::core("enrolling the device", &e))?;
    unlock::save_bundle(&unlocked.path, &next, true)?;
    Ok(pin)
}

/// Enrolls the device of a device key file and writes the pin into that file.
///
/// # Errors
/// As [`enroll_public`]; reading or writing the device file.
pub fn enroll_file(unlocked: &Unlocked, path: &Path) -> CliResult<()> {
    let mut device = DeviceFile::load(path)?;
    let pin = enroll_public(unlocked, &device.public_key())?;
    device.pin = Some(pin);
    device.save(path, true)
}

fn enroll(args: &DeviceEnrollArgs) -> CliResult<()> {
    let unlocked = unlock::unlock(&args.unlock)?;
    let identity = unlocked.keyring.identity_public_key();
    if let Some(path) = &args.device_file {
        enroll_file(&unlocked, path)?;
        outln!(
            "enrolled the device of {} in {}; its file now holds the account pin",
            path.display(),
            unlocked.path.display()
        );
    } else if let Some(public) = &args.device_public {
        let device = fsutil::parse_device_public(public, "--device-public")?;
        let pin = enroll_public(&unlocked, &device)?;
        outln!(
            "enrolled {} in {}",
            hex::encode(device.as_bytes()),
            unlocked.path.display()
        );
        outln!(
            "on that device, run: keepsake device pin --device-file FILE --identity {} --generation {}",
            hex::encode(pin.identity),
            pin.generation
        );
    }
    print_identity(&identity)
}

fn pin(args: &DevicePinArgs) -> CliResult<()> {
    let mut device = DeviceFile::load(&args.device_file)?;
    let identity = pin_identity(&args.identity)?;
    if device.pin.is_some_and(|p| p.identity != identity) && !args.force {
        return Err(CliError::new(
            exit::EXISTS,
            format!(
                "{}: already pinned to another identity (pass --force to replace the pin)",
                args.device_file.display()
            ),
        ));
    }
    // The same identity keeps the newest generation either side has seen.
    let generation = match device.pin {
        Some(old) if old.identity == identity => old.generation.max(args.generation),
        _ => args.generation,
    };
    device.pin = Some(AccountPin {
        identity,
        generation,
    });
    device.save(&args.device_file, true)?;
    outln!(
        "{} now pins identity {} (generation {generation})",
        args.device_file.display(),
        hex::encode(identity)
    );
    outln!(
        "fingerprint: {} (compare it with the account's `whoami`)",
        fingerprint_of_digest(&identity)
    );
    Ok(())
}

/// The identity digest `device pin --identity` names: 64 hex digits are the digest itself
/// (as `device enroll` and `whoami` print it); otherwise the identity public key (2496 hex
/// digits or `@FILE`), whose digest is taken.
fn pin_identity(value: &str) -> CliResult<[u8; DIGEST_LEN]> {
    let text = fsutil::key_text(value)?;
    if text.len() == 2 * DIGEST_LEN {
        return fsutil::parse_hex::<DIGEST_LEN>(&text, "--identity (an identity digest)");
    }
    Ok(fsutil::identity_from_hex(&text, "--identity")?.digest())
}

/// Grants `album` to `recipient`, naming the album history entry `history` (SPEC.md 5.12).
///
/// # Errors
/// A low-order recipient key; the OS RNG failing.
pub fn grant(
    keyring: &Keyring,
    album: &AlbumKey,
    recipient: &IdentityPublicKey,
    history: &[u8; 32],
) -> CliResult<Vec<u8>> {
    keyring
        .grant_album(album, recipient, history)
        .map_err(|e| CliError::core("granting the album", &e))
}

/// `share`.
///
/// # Errors
/// Unlocking, arguments, writing the grant.
pub fn share(args: &ShareArgs) -> CliResult<()> {
    if !args.items.is_empty() {
        return crate::selection::share(args);
    }
    if !args.parts.is_empty() || args.expires.is_some() {
        return Err(CliError::usage(
            "--parts and --expires go with --items (an album grant gives every part and does \
             not expire)",
        ));
    }
    let album = args
        .album
        .as_deref()
        .ok_or_else(|| CliError::usage("give --album ID (an album grant) or --items FILE..."))?;
    let album_id = fsutil::parse_album_id(album)?;
    let recipient = fsutil::parse_identity(&args.to, "--to (the recipient's identity public key)")?;
    fsutil::check_output_file(&args.out, args.force)?;
    let unlocked = unlock::unlock(&args.unlock)?;
    let album = album_key(&unlocked.keyring, album_id, args.epoch)?;
    let epoch = album.epoch();
    let mut history = AlbumHistory::owned(&unlocked, album_id, args.history.as_deref())?;
    history.owned_entry_at_epoch(&unlocked.keyring, epoch)?;
    if !history.is_member(&recipient) {
        history.append(
            &unlocked.keyring,
            HistoryAction::AddMember(recipient.clone()),
        )?;
    }
    let bytes = grant(&unlocked.keyring, &album, &recipient, &history.head())?;
    fsutil::write_atomic(&args.out, &bytes, args.force)?;
    if args.json {
        return output::json(&json!({
            "grant_file": args.out.display().to_string(),
            "history_file": history.path.display().to_string(),
            "history": hex::encode(history.head()),
            "album_id": album_id.to_string(),
            "epoch": epoch,
            "recipient_digest": hex::encode(recipient.digest()),
            "recipient_fingerprint": fingerprint(&recipient),
        }));
    }
    outln!(
        "wrote {}: album {album_id} epoch {epoch} granted to identity {}",
        args.out.display(),
        hex::encode(recipient.digest())
    );
    outln!("recipient fingerprint: {}", fingerprint(&recipient));
    outln!(
        "the grant names album history {}: give the recipient {} too",
        history.head_display(),
        history.path.display()
    );
    Ok(())
}

/// This account's key of `album_id` at `epoch` (default: the current epoch).
///
/// # Errors
/// An epoch of a generation newer than the account file's: a usage error (64) naming
/// both generations.
pub fn album_key(keyring: &Keyring, album_id: AlbumId, epoch: Option<u64>) -> CliResult<AlbumKey> {
    let epoch = epoch.unwrap_or_else(|| keyring.current_epoch());
    keyring.album_key(album_id, epoch).map_err(|e| match e {
        keepsake::Error::UnknownGeneration {
            generation,
            current,
        } => CliError::usage(format!(
            "--epoch {epoch} belongs to account generation {generation}, but this account \
             file is at generation {current} (an older copy of the account file?)"
        )),
        other => CliError::core("album key", &other),
    })
}

/// Reads a grant file (at most a few KiB are read).
///
/// # Errors
/// I/O errors; a file too large to be a grant.
pub fn read_grant(path: &Path) -> CliResult<Vec<u8>> {
    fsutil::read_capped(path, 4096, "a grant")
}

/// Accepts a grant from `sender` with `keyring`.
///
/// # Errors
/// Exit code 5 for a grant for someone else, from another sender, of another suite
/// (suite 1: a downgrade), whose signature does not verify (altered, or signed by another
/// account), or that does not open.
pub fn accept_grant(
    keyring: &Keyring,
    path: &Path,
    grant: &[u8],
    sender: &IdentityPublicKey,
) -> CliResult<AlbumKey> {
    keyring.accept_grant(grant, sender, None).map_err(|e| {
        let code = match e {
            keepsake::Error::DecryptionFailed
            | keepsake::Error::UnsupportedVersion(_)
            | keepsake::Error::UnsupportedSuite(_)
            | keepsake::Error::InvalidPublicKey => exit::REFUSED,
            ref other => crate::error::code_of(other),
        };
        let message = match e {
            keepsake::Error::GrantBadSignature => format!(
                "{}: grant refused: its signature does not verify with the sender's identity \
                 key (the grant was altered, or another account signed it)",
                path.display()
            ),
            ref other => format!("{}: grant refused: {other}", path.display()),
        };
        CliError::new(code, message)
    })
}

/// A sender's identity key from the command line (2496 hex digits, or `@FILE`).
///
/// # Errors
/// As [`fsutil::parse_identity`].
pub fn parse_sender(text: &str) -> CliResult<IdentityPublicKey> {
    fsutil::parse_identity(text, "--from (the sender's identity public key)")
}

/// `accept`.
///
/// # Errors
/// Unlocking, reading the grant, refusing it.
pub fn accept(args: &AcceptArgs) -> CliResult<()> {
    let sender = parse_sender(&args.from)?;
    let bytes = crate::selection::read_grant(&args.grant)?;
    if crate::selection::is_selection_len(bytes.len()) {
        return crate::selection::accept(args, &sender, &bytes);
    }
    let (album, history) = match &args.history {
        Some(path) => {
            let (album, _, history) = crate::seal::album_from_grant(
                &args.unlock,
                &args.grant,
                &args.from,
                Some(path),
                args.owner.as_deref(),
            )?;
            (album, Some(history))
        }
        None => {
            let unlocked = unlock::unlock(&args.unlock)?;
            (
                accept_grant(&unlocked.keyring, &args.grant, &bytes, &sender)?,
                None,
            )
        }
    };
    if args.json {
        return output::json(&json!({
            "history": history.as_ref().map(|h| hex::encode(h.head())),
            "album_id": album.album_id().to_string(),
            "epoch": album.epoch(),
            "sender_digest": hex::encode(sender.digest()),
            "sender_fingerprint": fingerprint(&sender),
        }));
    }
    outln!(
        "accepted: album {} epoch {} from identity {}",
        album.album_id(),
        album.epoch(),
        hex::encode(sender.digest())
    );
    outln!("sender fingerprint: {}", fingerprint(&sender));
    match &history {
        Some(history) => outln!(
            "checked against album history {}: the sender and this account are members at \
             the entry the grant names",
            history.head_display()
        ),
        None => {
            outln!("not checked against the album history (give --history FILE, from the owner)")
        }
    }
    outln!("{}", open_hint("containers", args));
    Ok(())
}

/// The `open` command line that uses an accepted grant (the sender as given when it was a
/// `@FILE`, else `SENDER`: the hex is too long to repeat).
pub fn open_hint(what: &str, args: &AcceptArgs) -> String {
    let from = if args.from.starts_with('@') {
        args.from.as_str()
    } else {
        "SENDER"
    };
    let history = args
        .history
        .as_ref()
        .map_or_else(|| "HISTORY".into(), |p| p.display().to_string());
    format!(
        "open its {what} with: keepsake open --account {} --grant {} --from {from} --history \
         {history} FILE... --out DIR",
        args.unlock.account.display(),
        args.grant.display(),
    )
}

/// The public fields of a grant (SPEC.md 5.7).
#[derive(Clone, Copy, Debug)]
pub struct GrantHeader {
    /// The grant version byte.
    pub version: u8,
    /// The KEM suite byte.
    pub suite: u8,
    /// The digest of the sender's identity public key.
    pub sender: [u8; DIGEST_LEN],
    /// The digest of the recipient's identity public key.
    pub recipient: [u8; DIGEST_LEN],
    /// The album granted.
    pub album_id: AlbumId,
    /// Its epoch.
    pub epoch: u64,
    /// The album history entry it names (SPEC.md 5.12).
    pub history: [u8; 32],
}

/// The public fields of a grant of the right length, unauthenticated.
pub fn grant_header(bytes: &[u8]) -> Option<GrantHeader> {
    if bytes.len() != GRANT_LEN {
        return None;
    }
    let info = inspect_grant(bytes).ok()?;
    Some(GrantHeader {
        version: bytes[0],
        suite: bytes[1],
        sender: info.sender,
        recipient: info.recipient,
        album_id: info.album_id,
        epoch: info.epoch,
        history: info.history,
    })
}
