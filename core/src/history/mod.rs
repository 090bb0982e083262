//! Album history (SPEC.md 5.12): an album's membership changes as a hash-chained list of
//! entries, each signed by the member who made it, so that a server cannot show two
//! members two different memberships without the chains forking, which a pin, a grant or
//! a manifest naming an entry then exposes.
//!
//! ```text
//! entry     = "KSAH" || 0x01 || 0x01 || album id (16) || be64(seq) || prev (32) || be64(epoch)
//!             || author digest (32) || action (1) || subject || signature (64)
//! signature = Ed25519(author, LABEL_HISTORY_SIGNATURE || entry without its signature)
//! hash      = SHA-256(LABEL_HISTORY_ENTRY || entry)
//! ```
//!
//! The owner writes the genesis ([`Keyring::create_album_history`](crate::account::Keyring::create_album_history))
//! and every later entry ([`Keyring::append_history`](crate::account::Keyring::append_history));
//! every client verifies the whole chain ([`verify_history`]) against the owner's identity
//! and its own [`HistoryPin`], and then asks the [`VerifiedHistory`] who was a member and
//! what the epoch was at the entry a grant or a manifest names.

mod entry;
mod verify;

pub use entry::{
    ACTION_ADD_MEMBER, ACTION_EPOCH_MOVE, ACTION_GENESIS, ACTION_REMOVE_MEMBER,
    HISTORY_ENTRY_MAX_LEN, HISTORY_FIXED_LEN, HISTORY_MAGIC, HISTORY_SUITE_SHA256_ED25519,
    HISTORY_VERSION, HistoryAction, HistoryEntry, history_entry_hash, history_entry_len,
    parse_history_entry,
};
pub use verify::{VerifiedHistory, verify_history};

use crate::keys::ID_LEN;
use crate::{AlbumId, Error, Result};

/// Hash label of entry hashes.
pub const LABEL_HISTORY_ENTRY: &[u8] = b"keepsake/v1/album-history-entry";
/// Signature label of entries.
pub const LABEL_HISTORY_SIGNATURE: &[u8] = b"keepsake/v1/album-history-signature";
/// Length of an entry hash.
pub const HASH_LEN: usize = 32;
/// Most entries a chain may hold (verification refuses a longer one before reading it).
pub const MAX_HISTORY_ENTRIES: usize = 65_536;
/// Length of an encoded [`HistoryPin`].
pub const HISTORY_PIN_LEN: usize = ID_LEN + 8 + HASH_LEN;

/// What a device remembers about an album's history between verifications: the newest
/// entry it has seen (its sequence number and hash). A chain that ends before it is a
/// rollback; one with another entry at its place is a fork. Public, 56 bytes
/// ([`HistoryPin::to_bytes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistoryPin {
    /// The album.
    pub album_id: AlbumId,
    /// The sequence number of the newest entry seen.
    pub seq: u64,
    /// Its hash.
    pub hash: [u8; HASH_LEN],
}

impl HistoryPin {
    /// `album id || be64(seq) || hash`, for the device's own storage.
    pub fn to_bytes(&self) -> [u8; HISTORY_PIN_LEN] {
        let mut out = [0u8; HISTORY_PIN_LEN];
        out[..ID_LEN].copy_from_slice(self.album_id.as_bytes());
        out[ID_LEN..ID_LEN + 8].copy_from_slice(&self.seq.to_be_bytes());
        out[ID_LEN + 8..].copy_from_slice(&self.hash);
        out
    }

    /// Parses [`HistoryPin::to_bytes`].
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless exactly [`HISTORY_PIN_LEN`] bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        let bytes: &[u8; HISTORY_PIN_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
            what: "history pin",
            expected: HISTORY_PIN_LEN,
            got: bytes.len(),
        })?;
        let mut seq = [0u8; 8];
        seq.copy_from_slice(&bytes[ID_LEN..ID_LEN + 8]);
        let mut hash = [0u8; HASH_LEN];
        hash.copy_from_slice(&bytes[ID_LEN + 8..]);
        Ok(Self {
            album_id: AlbumId::from_slice(&bytes[..ID_LEN])?,
            seq: u64::from_be_bytes(seq),
            hash,
        })
    }
}

/// The head's safety number: the head's hash in the fingerprint's six groups of five
/// digits (SPEC.md 5.7). Two members who read the same sequence number and the same
/// groups hold the same chain up to it; different groups at one sequence number are a fork.
pub fn history_head_fingerprint(history: &VerifiedHistory) -> String {
    crate::sharing::fingerprint_of_digest(&history.head().1)
}
