//! The key lifecycle: `device revoke` (with a root rotation by default), `rotate`, and
//! `album remove-member`.
//!
//! A rotation writes a new account file (generation + 1) all or nothing, and records the
//! new generation in the device key file the unlock used, so that device refuses the older
//! file from then on. Nothing already sealed is rewritten: old items keep opening with
//! every remaining unlock method, and new items are sealed under the new generation's
//! epoch, which a revoked device cannot derive.

use std::path::PathBuf;

use keepsake::account::Keyring;
use keepsake::history::HistoryAction;
use keepsake::hpke::xwing::XWingPublicKey;
use keepsake::identity::IdentityPublicKey;
use keepsake::sharing::fingerprint;
use serde_json::json;

use crate::account::album_key;
use crate::album_history::AlbumHistory;
use crate::args::{DeviceRevokeArgs, RemoveMemberArgs, RotateArgs};
use crate::error::{CliError, CliResult};
use crate::unlock::{self, Unlocked};
use crate::{fsutil, note, outln, output};

/// Rotates the unlocked account's root (revoking `device` first if given), writes the new
/// account file and records the new pin in the unlocking device's file.
///
/// # Errors
/// `DeviceNotEnrolled` (exit code 2) for a device without a slot; writing the file.
pub fn rotate_account(unlocked: &Unlocked, device: Option<&XWingPublicKey>) -> CliResult<Keyring> {
    let (next, keyring) = match device {
        Some(device) => unlocked
            .keyring
            .revoke_device_and_rotate(&unlocked.bundle, device)
            .map_err(|e| CliError::core("revoking the device", &e))?,
        None => unlocked
            .keyring
            .rotate(&unlocked.bundle)
            .map_err(|e| CliError::core("rotating the root key", &e))?,
    };
    unlock::save_bundle(&unlocked.path, &next, true)?;
    unlocked.remember(&keyring);
    Ok(keyring)
}

/// `device revoke`.
///
/// # Errors
/// Unlocking; a bad or unknown device key; writing the account file.
pub fn revoke(args: &DeviceRevokeArgs) -> CliResult<()> {
    let device = fsutil::parse_device_public(&args.public_key, "the device public key")?;
    let unlocked = unlock::unlock(&args.unlock)?;
    let generation = if args.no_rotate {
        let next = unlocked
            .keyring
            .revoke_device(&unlocked.bundle, &device)
            .map_err(|e| CliError::core("revoking the device", &e))?;
        unlock::save_bundle(&unlocked.path, &next, true)?;
        unlocked.keyring.generation()
    } else {
        rotate_account(&unlocked, Some(&device))?.generation()
    };
    if unlocked.device.as_ref() == Some(&device) {
        note!("note: that was the device key used to unlock; it no longer opens the account");
    }
    if args.no_rotate {
        note!(
            "warning: --no-rotate: the slot is gone, but a revoked device that kept the root \
             key still derives every album key, old and new (run `keepsake rotate` to lock it out)"
        );
    }
    if args.json {
        return output::json(&json!({
            "revoked": hex::encode(device.as_bytes()),
            "rotated": !args.no_rotate,
            "generation": generation,
            "account": unlocked.path.display().to_string(),
        }));
    }
    outln!(
        "revoked {} in {}",
        hex::encode(device.as_bytes()),
        unlocked.path.display()
    );
    if !args.no_rotate {
        outln!(
            "rotated the root key: generation {generation}; the revoked device cannot open \
             anything sealed from now on (older items still open with every remaining unlock)"
        );
    }
    Ok(())
}

/// `rotate`.
///
/// # Errors
/// Unlocking; writing the account file.
pub fn rotate(args: &RotateArgs) -> CliResult<()> {
    let unlocked = unlock::unlock(&args.unlock)?;
    let keyring = rotate_account(&unlocked, None)?;
    if args.json {
        return output::json(&json!({
            "account": unlocked.path.display().to_string(),
            "generation": keyring.generation(),
            "epoch": keyring.current_epoch(),
        }));
    }
    outln!(
        "rotated the root key of {}: generation {}; new items are sealed under epoch {} by \
         default, older items still open",
        unlocked.path.display(),
        keyring.generation(),
        keyring.current_epoch()
    );
    Ok(())
}

/// `album remove-member`.
///
/// # Errors
/// Arguments; unlocking; an epoch newer than the account file; writing the grants (exit
/// code 4 for an existing one without `--force`; every path is checked before any is
/// written).
pub fn remove_member(args: &RemoveMemberArgs) -> CliResult<()> {
    let album_id = fsutil::parse_album_id(&args.album)?;
    let members = args
        .members
        .iter()
        .map(|m| fsutil::parse_identity(m, "--member (an identity public key)"))
        .collect::<CliResult<Vec<_>>>()?;
    let paths: Vec<PathBuf> = members
        .iter()
        .map(|m| args.out.join(format!("{}.grant", hex::encode(m.digest()))))
        .collect();
    fsutil::check_output_dir(&args.out)?;
    if args.out.is_dir() {
        for path in &paths {
            fsutil::check_output_file(path, args.force)?;
        }
    }
    let unlocked = unlock::unlock(&args.unlock)?;
    let current = album_key(&unlocked.keyring, album_id, Some(args.epoch))?;
    let mut history = AlbumHistory::owned(&unlocked, album_id, args.history.as_deref())?;
    if history.verified.current_epoch() != args.epoch {
        return Err(CliError::usage(format!(
            "--epoch {}: the album's history is at epoch {} (its current epoch)",
            args.epoch,
            history.verified.current_epoch()
        )));
    }
    // The removed members: those of the history that are neither named nor the owner.
    let owner = unlocked.keyring.identity_public_key().digest();
    let named: Vec<_> = members.iter().map(IdentityPublicKey::digest).collect();
    let removed: Vec<_> = history
        .verified
        .current_members()
        .into_iter()
        .filter(|m| m.digest() != owner && !named.contains(&m.digest()))
        .collect();
    if let Some(stranger) = members.iter().find(|m| !history.is_member(m)) {
        return Err(CliError::usage(format!(
            "--member {}: not a member of the album (its history does not list it; grant it \
             the album with `share` first)",
            hex::encode(stranger.digest())
        )));
    }
    let [gone] = removed.as_slice() else {
        return Err(CliError::usage(format!(
            "name every remaining member but one: the history lists {} member(s) besides the \
             owner, {} would be removed (one removal per command: each moves the album to a new \
             epoch)",
            named.len() + removed.len(),
            removed.len()
        )));
    };
    let entry = history.append(
        &unlocked.keyring,
        HistoryAction::RemoveMember(gone.digest()),
    )?;
    let moved = unlocked
        .keyring
        .remove_member(&current, &members, &entry)
        .map_err(|e| CliError::core("moving the album to a new epoch", &e))?;
    let epoch = moved.album.epoch();
    debug_assert_eq!(epoch, history.verified.current_epoch());
    std::fs::create_dir_all(&args.out).map_err(|e| CliError::io(&args.out, &e))?;
    for ((member, grant), path) in moved.grants.iter().zip(&paths) {
        fsutil::write_atomic(path, grant, args.force)?;
        if args.json {
            output::json(&json!({
                "type": "grant",
                "grant_file": path.display().to_string(),
                "recipient_digest": hex::encode(member.digest()),
                "recipient_fingerprint": fingerprint(member),
            }))?;
        } else {
            outln!(
                "wrote {}: granted to identity {} (fingerprint {})",
                path.display(),
                hex::encode(member.digest()),
                fingerprint(member)
            );
        }
    }
    if args.json {
        return output::json(&json!({
            "type": "summary",
            "album_id": album_id.to_string(),
            "old_epoch": args.epoch,
            "epoch": epoch,
            "grants": moved.grants.len(),
            "removed_digest": hex::encode(gone.digest()),
            "history": hex::encode(history.head()),
        }));
    }
    outln!(
        "album {album_id} moved from epoch {} to epoch {epoch}: seal new items with --epoch \
         {epoch}; a member not named here cannot open them",
        args.epoch
    );
    outln!(
        "removed {} (fingerprint {}); album history now at {}: give the members {}",
        hex::encode(gone.digest()),
        fingerprint(gone),
        history.head_display(),
        history.path.display()
    );
    Ok(())
}

/// Moves an album the unlocked account owns to its next epoch with no membership change
/// (SPEC.md 5.12's epoch move; `link revoke --move-epoch`, 5.13): appends the entry to the
/// owner's history, then grants the new epoch's key to every current member but the owner,
/// one `<member identity digest>.grant` in `out` each, naming that entry. Returns the new
/// epoch.
///
/// # Errors
/// `--epoch` not the history's current epoch (exit code 64); a grant file that exists
/// (exit code 4); the history's refusals; writing.
pub fn move_epoch(
    unlocked: &Unlocked,
    album_id: keepsake::AlbumId,
    epoch: u64,
    history: Option<&std::path::Path>,
    out: &std::path::Path,
) -> CliResult<u64> {
    let keyring = &unlocked.keyring;
    // Only the owner's own key of that epoch moves the album (a received key does not).
    album_key(keyring, album_id, Some(epoch))?;
    let mut history = AlbumHistory::owned(unlocked, album_id, history)?;
    if history.verified.current_epoch() != epoch {
        return Err(CliError::usage(format!(
            "--epoch {epoch}: the album's history is at epoch {} (its current epoch)",
            history.verified.current_epoch()
        )));
    }
    let owner = keyring.identity_public_key().digest();
    let members: Vec<IdentityPublicKey> = history
        .verified
        .current_members()
        .into_iter()
        .filter(|m| m.digest() != owner)
        .collect();
    let paths: Vec<PathBuf> = members
        .iter()
        .map(|m| out.join(format!("{}.grant", hex::encode(m.digest()))))
        .collect();
    fsutil::check_output_dir(out)?;
    for path in &paths {
        fsutil::check_output_file(path, false)?;
    }
    let entry = history.append(keyring, HistoryAction::EpochMove)?;
    let next = history.verified.current_epoch();
    let album = album_key(keyring, album_id, Some(next))?;
    if !members.is_empty() {
        std::fs::create_dir_all(out).map_err(|e| CliError::io(out, &e))?;
    }
    for (member, path) in members.iter().zip(&paths) {
        let grant = keyring
            .grant_album(&album, member, &entry)
            .map_err(|e| CliError::core("granting the new epoch", &e))?;
        fsutil::write_atomic(path, &grant, false)?;
        outln!(
            "wrote {}: granted epoch {next} to identity {} (fingerprint {})",
            path.display(),
            hex::encode(member.digest()),
            fingerprint(member)
        );
    }
    outln!(
        "album {album_id} moved from epoch {epoch} to epoch {next}: seal new items with --epoch \
         {next}; album history now at {}: give the members {}",
        history.head_display(),
        history.path.display()
    );
    Ok(next)
}
