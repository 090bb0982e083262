//! The tool's album history files (SPEC.md 5.12, 8.11): one per album, the album's
//! history entries back to back, verified on every use against the owner's identity and
//! this device's pin, and rewritten all or nothing when the owner appends an entry.
//!
//! The owner's copy lives beside the account file, in `<account file>.albums/<album
//! id>.ks-history`, created (genesis) the first time the account uses the album as its
//! owner. A member or a grant recipient is given a copy by the owner and names it with
//! `--history FILE`, and names the owner with `--owner` (default: the grant's sender).
//! The pin (the newest entry verified) is kept in the device key file the unlock used
//! (`--device-key` or `--device-pin`); without one no pin is kept.

use std::path::{Path, PathBuf};

use keepsake::account::Keyring;
use keepsake::history::{
    HASH_LEN, HISTORY_ENTRY_MAX_LEN, HISTORY_FIXED_LEN, HistoryAction, MAX_HISTORY_ENTRIES,
    VerifiedHistory, history_entry_len, history_head_fingerprint, parse_history_entry,
    verify_history,
};
use keepsake::identity::IdentityPublicKey;
use keepsake::{AlbumId, Error};

use crate::error::{CliError, CliResult, code_of};
use crate::unlock::{DeviceFile, Unlocked};
use crate::{fsutil, note};

/// The extension of a history file.
pub const HISTORY_EXT: &str = "ks-history";
/// The folder beside an account file that holds the histories of the albums it owns:
/// `<account file>` followed by this suffix.
pub const ALBUMS_DIR_SUFFIX: &str = ".albums";
/// Largest history file read: [`MAX_HISTORY_ENTRIES`] entries of the largest kind.
pub const MAX_HISTORY_FILE: u64 = (MAX_HISTORY_ENTRIES * HISTORY_ENTRY_MAX_LEN) as u64;

/// Where the owner's copy of `album_id`'s history lives, beside the account file `account`.
pub fn owned_path(account: &Path, album_id: AlbumId) -> PathBuf {
    let mut dir = account.as_os_str().to_owned();
    dir.push(ALBUMS_DIR_SUFFIX);
    PathBuf::from(dir).join(format!("{album_id}.{HISTORY_EXT}"))
}

/// Splits a history file into its entries: each entry's length follows from its action
/// byte (offset 102, SPEC.md 5.12), so the file is the entries back to back, nothing else.
///
/// # Errors
/// [`Error::TooLarge`] past [`MAX_HISTORY_ENTRIES`] entries; [`Error::MalformedHistoryEntry`]
/// for an empty file, an unknown action, or a file that ends inside an entry.
pub fn split_entries(bytes: &[u8]) -> keepsake::Result<Vec<&[u8]>> {
    let malformed = |reason| Error::MalformedHistoryEntry { reason };
    if bytes.is_empty() {
        return Err(malformed("empty history file"));
    }
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        if out.len() == MAX_HISTORY_ENTRIES {
            return Err(Error::TooLarge {
                what: "album history entries",
                len: out.len() as u64 + 1,
                max: MAX_HISTORY_ENTRIES as u64,
            });
        }
        let action = *bytes
            .get(at + HISTORY_FIXED_LEN - 1)
            .ok_or(malformed("the file ends inside an entry"))?;
        let len = history_entry_len(action).ok_or(malformed("unknown action"))?;
        let entry = bytes
            .get(at..at + len)
            .ok_or(malformed("the file ends inside an entry"))?;
        out.push(entry);
        at += len;
    }
    Ok(out)
}

/// An album history file that verified.
pub struct AlbumHistory {
    /// Its file.
    pub path: PathBuf,
    entries: Vec<Vec<u8>>,
    /// The verified chain.
    pub verified: VerifiedHistory,
    pin_file: Option<PathBuf>,
}

fn refused(path: &Path, err: &Error) -> CliError {
    CliError::new(
        code_of(err),
        format!("{}: album history refused: {err}", path.display()),
    )
}

impl AlbumHistory {
    /// Reads and verifies the history file `path` of album `album_id`, owned by `owner`,
    /// against the pin of the device key file `pin_file` (if any), then raises that pin.
    ///
    /// # Errors
    /// I/O errors (exit code 1); a file too large; every refusal of [`split_entries`] and
    /// [`verify_history`] (exit code 5: `HistoryRollback` for a copy that ends before the
    /// pin, `HistoryFork` for another entry at the pin, `HistoryBrokenLink`,
    /// `HistoryBadSignature`, `HistoryWrongOwner`, ...).
    pub fn load(
        path: &Path,
        album_id: AlbumId,
        owner: &IdentityPublicKey,
        pin_file: Option<&Path>,
    ) -> CliResult<Self> {
        let bytes = fsutil::read_capped(path, MAX_HISTORY_FILE, "an album history")?;
        let entries = split_entries(&bytes).map_err(|e| refused(path, &e))?;
        let pin = match pin_file {
            Some(file) => DeviceFile::load(file)?.history_pins.get(&album_id).copied(),
            None => None,
        };
        let verified = verify_history(&entries, album_id, owner, pin.as_ref())
            .map_err(|e| refused(path, &e))?;
        let history = Self {
            path: path.to_path_buf(),
            entries: entries.into_iter().map(<[u8]>::to_vec).collect(),
            verified,
            pin_file: pin_file.map(Path::to_path_buf),
        };
        history.remember();
        Ok(history)
    }

    /// The history of `album_id` owned by the unlocked account: its own copy (or the file
    /// `path` when given), created with its genesis entry if it does not exist yet.
    ///
    /// # Errors
    /// As [`AlbumHistory::load`]; writing the genesis.
    pub fn owned(unlocked: &Unlocked, album_id: AlbumId, path: Option<&Path>) -> CliResult<Self> {
        let path = path.map_or_else(|| owned_path(&unlocked.path, album_id), Path::to_path_buf);
        let owner = unlocked.keyring.identity_public_key();
        if !path.try_exists().map_err(|e| CliError::io(&path, &e))? {
            let genesis = unlocked
                .keyring
                .create_album_history(album_id)
                .map_err(|e| CliError::core("creating the album history", &e))?;
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| CliError::io(dir, &e))?;
            }
            fsutil::write_atomic(&path, &genesis, false)?;
            note!(
                "created the history of album {album_id} (this account owns it): {}",
                path.display()
            );
        }
        Self::load(&path, album_id, &owner, unlocked.pin_file.as_deref())
    }

    /// The entries, oldest first, as the file holds them.
    pub fn entries(&self) -> &[Vec<u8>] {
        &self.entries
    }

    /// The head: the newest entry's hash, which grants name.
    pub fn head(&self) -> [u8; HASH_LEN] {
        self.verified.head().1
    }

    /// The head's sequence number and safety number (SPEC.md 5.12), for display.
    pub fn head_display(&self) -> String {
        format!(
            "entry {} ({})",
            self.verified.head().0,
            history_head_fingerprint(&self.verified)
        )
    }

    /// The newest entry whose epoch is `epoch`: what an item sealed under `epoch` names.
    ///
    /// # Errors
    /// Exit code 5 when no entry has that epoch (the album never was at it).
    pub fn entry_at_epoch(&self, epoch: u64) -> CliResult<[u8; HASH_LEN]> {
        let (head, _) = self.verified.head();
        (0..=head)
            .rev()
            .filter_map(|seq| self.verified.hash_at(seq))
            .find(|hash| self.verified.epoch_at(hash).ok() == Some(epoch))
            .ok_or_else(|| {
                CliError::new(
                    crate::error::exit::SECURITY,
                    format!(
                        "{}: the album history has no entry at epoch {epoch} (it is at epoch {}): \
                         items and grants of that epoch cannot name one",
                        self.path.display(),
                        self.verified.current_epoch()
                    ),
                )
            })
    }

    /// As [`AlbumHistory::entry_at_epoch`], for the owner: an epoch the history has not
    /// reached that is the owner's current epoch after a rotation (`rotate`, `device
    /// revoke`) is first recorded with an epoch-move entry.
    ///
    /// # Errors
    /// As [`AlbumHistory::entry_at_epoch`] and [`AlbumHistory::append`].
    pub fn owned_entry_at_epoch(
        &mut self,
        keyring: &Keyring,
        epoch: u64,
    ) -> CliResult<[u8; HASH_LEN]> {
        if epoch == keyring.current_epoch() && epoch > self.verified.current_epoch() {
            self.append(keyring, HistoryAction::EpochMove)?;
        }
        self.entry_at_epoch(epoch)
    }

    /// Whether `member` is a member after the head.
    pub fn is_member(&self, member: &IdentityPublicKey) -> bool {
        self.verified
            .is_member_at(&self.head(), &member.digest())
            .unwrap_or(false)
    }

    /// Signs the next entry as the owner, checks it, and rewrites the file all or nothing
    /// (then raises the pin); returns the new head.
    ///
    /// # Errors
    /// The core's refusals ([`Keyring::append_history`]); writing the file.
    pub fn append(
        &mut self,
        keyring: &Keyring,
        action: HistoryAction,
    ) -> CliResult<[u8; HASH_LEN]> {
        let entry = keyring
            .append_history(&self.verified, action)
            .map_err(|e| refused(&self.path, &e))?;
        let mut next = self.verified.clone();
        next.extend(&entry).map_err(|e| refused(&self.path, &e))?;
        let bytes = [self.entries.concat(), entry.clone()].concat();
        fsutil::write_atomic(&self.path, &bytes, true)?;
        self.entries.push(entry);
        self.verified = next;
        self.remember();
        Ok(self.head())
    }

    /// Raises this device's pin of the album to the head (a failure is a warning).
    fn remember(&self) {
        let Some(file) = &self.pin_file else {
            return;
        };
        let pin = self.verified.pin();
        let result = DeviceFile::load(file).and_then(|mut device| {
            if device
                .history_pins
                .get(&pin.album_id)
                .is_some_and(|old| old.seq >= pin.seq)
            {
                return Ok(());
            }
            device.history_pins.insert(pin.album_id, pin);
            device.save(file, true)
        });
        if let Err(e) = result {
            note!(
                "warning: the album history pin was not updated: {}",
                e.message
            );
        }
    }
}

/// The public structure of a history file for `inspect`: each entry's sequence number,
/// action, epoch, author digest and hash, parsed but **not verified** (no owner is given).
///
/// # Errors
/// As [`split_entries`] and [`parse_history_entry`].
pub fn inspect_json(bytes: &[u8]) -> keepsake::Result<serde_json::Value> {
    let entries = split_entries(bytes)?
        .into_iter()
        .map(|bytes| {
            let entry = parse_history_entry(bytes)?;
            let action = match entry.action() {
                HistoryAction::Genesis(_) => "genesis".to_string(),
                HistoryAction::AddMember(key) => format!("add {}", hex::encode(key.digest())),
                HistoryAction::RemoveMember(digest) => format!("remove {}", hex::encode(digest)),
                HistoryAction::EpochMove => "epoch move".to_string(),
            };
            Ok(serde_json::json!({
                "seq": entry.seq(),
                "action": action,
                "epoch": entry.epoch(),
                "author_digest": hex::encode(entry.author()),
                "hash": hex::encode(entry.hash()),
            }))
        })
        .collect::<keepsake::Result<Vec<_>>>()?;
    Ok(serde_json::json!({
        "type": "album_history",
        "len": bytes.len(),
        "entries": entries,
        "verified": false,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_files_split_by_action_and_refuse_cuts() {
        let keyring = keepsake::hazmat::keyring_from_secrets(&[[1; 32]], [2; 32]);
        let album = AlbumId::from_bytes([3; 16]);
        let genesis = keyring.create_album_history(album).unwrap();
        let history =
            verify_history(&[&genesis], album, &keyring.identity_public_key(), None).unwrap();
        let other = keepsake::hazmat::keyring_from_secrets(&[[4; 32]], [5; 32]);
        let add = keyring
            .append_history(
                &history,
                HistoryAction::AddMember(other.identity_public_key()),
            )
            .unwrap();
        let file = [genesis.clone(), add.clone()].concat();
        assert_eq!(split_entries(&file).unwrap(), vec![&genesis[..], &add[..]]);
        let malformed = |bytes: &[u8]| {
            matches!(
                split_entries(bytes),
                Err(Error::MalformedHistoryEntry { .. })
            )
        };
        assert!(malformed(&[]));
        // Every cut inside an entry is refused; cuts at entry boundaries split.
        for cut in 1..file.len() {
            if cut == genesis.len() {
                assert_eq!(split_entries(&file[..cut]).unwrap().len(), 1);
            } else {
                assert!(malformed(&file[..cut]), "cut at {cut}");
            }
        }
        let mut unknown = file.clone();
        unknown[HISTORY_FIXED_LEN - 1] = 9;
        assert!(malformed(&unknown));
    }
}
