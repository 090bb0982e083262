//! Album history (SPEC.md 5.12): the signed chain of membership changes an album's grants,
//! manifests and selections name, verified against the owner's identity.

use std::sync::Arc;

use keepsake::AlbumId;
use keepsake::history::{self, HASH_LEN, HistoryAction};

use crate::account::{AlbumKey, Keyring, hex, identity_key};
use crate::error::{KeepsakeError, Result};

/// What a new history entry does ([`Keyring::append_history`]). The genesis is written by
/// [`Keyring::create_album_history`] only.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum HistoryChange {
    /// A member added, by its identity public key (1248 bytes).
    AddMember {
        /// The new member's identity public key.
        identity: Vec<u8>,
    },
    /// A member removed, by its identity digest (32 bytes). Moves the album to a new epoch.
    RemoveMember {
        /// The removed member's identity digest.
        identity_digest: Vec<u8>,
    },
    /// The album moves to a new epoch with no membership change: the new generation's first
    /// epoch if the owner's account rotated since, else the next epoch of the same
    /// generation (a re-key, e.g. after revoking an album link).
    EpochMove,
}

/// A 32-byte history entry hash from the foreign side.
pub(crate) fn entry_hash(bytes: &[u8]) -> Result<[u8; HASH_LEN]> {
    <[u8; HASH_LEN]>::try_from(bytes).map_err(|_| {
        keepsake::Error::InvalidLength {
            what: "album history entry hash",
            expected: HASH_LEN,
            got: bytes.len(),
        }
        .into()
    })
}

/// What a device remembers about an album's history between verifications: the newest
/// entry it has seen (public, 56 bytes: [`HistoryPin::to_bytes`]). Pass it to
/// `verify_history` so a server serving an older chain (`HistoryRollback`) or another one
/// (`HistoryFork`) is refused, then keep `history.pin()`. Compared by value.
#[derive(PartialEq, Eq, uniffi::Object)]
#[uniffi::export(Debug, Display, Eq, Hash)]
pub struct HistoryPin {
    inner: history::HistoryPin,
}

impl std::hash::Hash for HistoryPin {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.inner.to_bytes().hash(state);
    }
}

#[uniffi::export]
impl HistoryPin {
    /// Parses the 56 bytes of [`HistoryPin::to_bytes`] (`InvalidLength` otherwise).
    #[uniffi::constructor]
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Arc<Self>> {
        Ok(Arc::new(Self {
            inner: history::HistoryPin::from_slice(&bytes)?,
        }))
    }

    /// `album id || be64(seq) || hash` (56 bytes), for the device's storage.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.inner.to_bytes().to_vec()
    }

    /// The album id (16 bytes).
    pub fn album_id(&self) -> Vec<u8> {
        self.inner.album_id.as_bytes().to_vec()
    }

    /// The sequence number of the newest entry seen.
    pub fn seq(&self) -> u64 {
        self.inner.seq
    }

    /// That entry's hash (32 bytes).
    pub fn entry_hash(&self) -> Vec<u8> {
        self.inner.hash.to_vec()
    }
}

impl std::fmt::Debug for HistoryPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "HistoryPin(album {}, seq {}, entry {})",
            hex(self.inner.album_id.as_bytes()),
            self.inner.seq,
            hex(&self.inner.hash[..8])
        )
    }
}

impl std::fmt::Display for HistoryPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// An album history that verified (`verify_history`): it starts with a genesis signed by
/// the trusted owner and every entry was signed by a member allowed to make it. It answers
/// who the members were and what the epoch was at any of its entries (public data).
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct VerifiedHistory {
    pub(crate) inner: history::VerifiedHistory,
}

/// Verifies a chain of album history entries (oldest first) for album `album_id` created by
/// `owner` (an identity public key the user checked by its fingerprint), against this
/// device's `pin` if it keeps one.
///
/// # Errors
/// `MalformedHistoryEntry` (also for no entry), `TooLarge`, `HistoryWrongAlbum`,
/// `HistoryWrongOwner`, `HistoryBrokenLink`, `HistoryNotMember`, `HistoryBadSignature`,
/// `HistoryNotAllowed`, `HistoryBadEpoch`; with a pin `HistoryRollback`, `HistoryFork`.
#[uniffi::export(default(pin = None))]
pub fn verify_history(
    entries: Vec<Vec<u8>>,
    album_id: Vec<u8>,
    owner: Vec<u8>,
    pin: Option<Arc<HistoryPin>>,
) -> Result<Arc<VerifiedHistory>> {
    let inner = history::verify_history(
        &entries,
        AlbumId::from_slice(&album_id)?,
        &identity_key(&owner)?,
        pin.as_ref().map(|p| &p.inner),
    )?;
    Ok(Arc::new(VerifiedHistory { inner }))
}

/// The hash of a history entry (32 bytes): what grants, manifests, selections and pins name.
#[uniffi::export]
pub fn history_entry_hash(entry: Vec<u8>) -> Vec<u8> {
    history::history_entry_hash(&entry).to_vec()
}

#[uniffi::export]
impl VerifiedHistory {
    /// This history with one more entry verified on top (this object is unchanged).
    ///
    /// # Errors
    /// As `verify_history`, bar the pin.
    pub fn extended(&self, entry: Vec<u8>) -> Result<Arc<VerifiedHistory>> {
        let mut inner = self.inner.clone();
        inner.extend(&entry)?;
        Ok(Arc::new(Self { inner }))
    }

    /// The album id (16 bytes).
    pub fn album_id(&self) -> Vec<u8> {
        self.inner.album_id().as_bytes().to_vec()
    }

    /// The owner's identity public key (1248 bytes).
    pub fn owner(&self) -> Vec<u8> {
        self.inner.owner().to_bytes()
    }

    /// The sequence number of the newest entry.
    pub fn head_seq(&self) -> u64 {
        self.inner.head().0
    }

    /// The hash of the newest entry (32 bytes): what a new grant, manifest or selection names.
    pub fn head_hash(&self) -> Vec<u8> {
        self.inner.head().1.to_vec()
    }

    /// The head's safety number (six groups of five digits): two members reading the same
    /// sequence number and groups hold the same chain.
    pub fn head_fingerprint(&self) -> String {
        history::history_head_fingerprint(&self.inner)
    }

    /// The number of entries.
    pub fn entry_count(&self) -> u64 {
        self.inner.len() as u64
    }

    /// The pin to keep for the next verification.
    pub fn pin(&self) -> Arc<HistoryPin> {
        Arc::new(HistoryPin {
            inner: self.inner.pin(),
        })
    }

    /// Checks the chain against a pin (`HistoryWrongAlbum`, `HistoryRollback`, `HistoryFork`).
    pub fn check_pin(&self, pin: Arc<HistoryPin>) -> Result<()> {
        Ok(self.inner.check_pin(&pin.inner)?)
    }

    /// The album's epoch after the newest entry.
    pub fn current_epoch(&self) -> u64 {
        self.inner.current_epoch()
    }

    /// The hash of entry `seq`, if the chain holds it.
    pub fn hash_at(&self, seq: u64) -> Option<Vec<u8>> {
        self.inner.hash_at(seq).map(|h| h.to_vec())
    }

    /// The sequence number of the entry `entry_hash` (`HistoryUnknownEntry` if absent).
    pub fn seq_of(&self, entry_hash: Vec<u8>) -> Result<u64> {
        Ok(self.inner.seq_of(&self::entry_hash(&entry_hash)?)?)
    }

    /// The album's epoch at the entry `entry_hash` (`HistoryUnknownEntry` if absent).
    pub fn epoch_at(&self, entry_hash: Vec<u8>) -> Result<u64> {
        Ok(self.inner.epoch_at(&self::entry_hash(&entry_hash)?)?)
    }

    /// The members' identity public keys at the entry `entry_hash`.
    pub fn members_at(&self, entry_hash: Vec<u8>) -> Result<Vec<Vec<u8>>> {
        let members = self.inner.members_at(&self::entry_hash(&entry_hash)?)?;
        Ok(members.iter().map(|m| m.to_bytes()).collect())
    }

    /// Whether the identity with digest `identity_digest` was a member at `entry_hash`.
    pub fn is_member_at(&self, entry_hash: Vec<u8>, identity_digest: Vec<u8>) -> Result<bool> {
        let digest = <[u8; 32]>::try_from(identity_digest.as_slice()).map_err(|_| {
            KeepsakeError::from(keepsake::Error::InvalidLength {
                what: "identity digest",
                expected: 32,
                got: identity_digest.len(),
            })
        })?;
        Ok(self
            .inner
            .is_member_at(&self::entry_hash(&entry_hash)?, &digest)?)
    }

    /// The current members' identity public keys.
    pub fn current_members(&self) -> Vec<Vec<u8>> {
        self.inner
            .current_members()
            .iter()
            .map(|m| m.to_bytes())
            .collect()
    }
}

impl std::fmt::Debug for VerifiedHistory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (seq, hash) = self.inner.head();
        write!(
            f,
            "VerifiedHistory(album {}, head {seq} {}, epoch {})",
            hex(self.inner.album_id().as_bytes()),
            hex(&hash[..8]),
            self.inner.current_epoch()
        )
    }
}

impl std::fmt::Display for VerifiedHistory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

#[uniffi::export]
impl Keyring {
    /// The genesis entry of a new album's history, with this identity as owner and first
    /// member at the current epoch. Store it; verify it with `verify_history`.
    pub fn create_album_history(&self, album_id: Vec<u8>) -> Result<Vec<u8>> {
        Ok(self
            .inner
            .create_album_history(AlbumId::from_slice(&album_id)?)?)
    }

    /// Signs the next entry of `history` (an album this account owns), checked by the
    /// verifier's rules before it is returned; append it with `history.extended(entry)`.
    ///
    /// # Errors
    /// `HistoryNotAllowed` (not the owner, a member added twice, removing a non-member or
    /// the owner), `HistoryBadEpoch`, `UnknownGeneration`, `TooLarge`, `InvalidLength` /
    /// `InvalidPublicKey` for a bad identity.
    pub fn append_history(
        &self,
        history: Arc<VerifiedHistory>,
        change: HistoryChange,
    ) -> Result<Vec<u8>> {
        let action = match change {
            HistoryChange::AddMember { identity } => {
                HistoryAction::AddMember(identity_key(&identity)?)
            }
            HistoryChange::RemoveMember { identity_digest } => HistoryAction::RemoveMember(
                <[u8; 32]>::try_from(identity_digest.as_slice()).map_err(|_| {
                    KeepsakeError::from(keepsake::Error::InvalidLength {
                        what: "identity digest",
                        expected: 32,
                        got: identity_digest.len(),
                    })
                })?,
            ),
            HistoryChange::EpochMove => HistoryAction::EpochMove,
        };
        Ok(self.inner.append_history(&history.inner, action)?)
    }

    /// Accepts an album grant against the album's verified history: the sender is taken
    /// from the history (a member at the entry the grant names), so only the owner's
    /// identity needs checking out of band.
    ///
    /// # Errors
    /// As `accept_grant`; `HistoryUnknownEntry` if the grant names an entry `history`
    /// lacks (fetch the newest chain once and retry); `GrantWrongSender` /
    /// `GrantWrongRecipient` if the sender / this identity is not a member there;
    /// `GrantWrongAlbum`.
    pub fn accept_grant_in_history(
        &self,
        grant: Vec<u8>,
        history: Arc<VerifiedHistory>,
    ) -> Result<Arc<AlbumKey>> {
        let inner = self.inner.accept_grant_in_history(&grant, &history.inner)?;
        Ok(Arc::new(AlbumKey {
            inner: inner.into(),
        }))
    }
}
