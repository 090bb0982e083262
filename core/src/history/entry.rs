//! One album history entry (SPEC.md 5.12): its fixed layout, strict parsing and signing.

use std::fmt;

use sha2::{Digest, Sha256};

use super::{HASH_LEN, LABEL_HISTORY_ENTRY, LABEL_HISTORY_SIGNATURE};
use crate::identity::{DIGEST_LEN, IDENTITY_PUBLIC_LEN, IdentityPublicKey, SIGNATURE_LEN};
use crate::keys::ID_LEN;
use crate::{AlbumId, Error, Result};

/// The first four bytes of every history entry.
pub const HISTORY_MAGIC: [u8; 4] = *b"KSAH";
/// The history entry format version this build writes and reads.
pub const HISTORY_VERSION: u8 = 1;
/// Suite 1: SHA-256 entry hashes, Ed25519 signatures.
pub const HISTORY_SUITE_SHA256_ED25519: u8 = 1;
/// Bytes before the action's subject: magic, version, suite, album id, sequence number,
/// previous hash, epoch, author digest, action.
pub const HISTORY_FIXED_LEN: usize = 4 + 1 + 1 + ID_LEN + 8 + HASH_LEN + 8 + DIGEST_LEN + 1;
/// Longest entry (a genesis or an addition: the subject is a whole identity public key).
pub const HISTORY_ENTRY_MAX_LEN: usize = HISTORY_FIXED_LEN + IDENTITY_PUBLIC_LEN + SIGNATURE_LEN;
/// Action byte: the album's creation by its owner, who is its first member.
pub const ACTION_GENESIS: u8 = 0;
/// Action byte: a member added (subject: the member's identity public key).
pub const ACTION_ADD_MEMBER: u8 = 1;
/// Action byte: a member removed (subject: the member's identity digest); moves the epoch.
pub const ACTION_REMOVE_MEMBER: u8 = 2;
/// Action byte: the owner's account rotated (no subject); moves the epoch to the new
/// generation's.
pub const ACTION_EPOCH_MOVE: u8 = 3;

const SEQ_AT: usize = 6 + ID_LEN;
const PREV_AT: usize = SEQ_AT + 8;
const EPOCH_AT: usize = PREV_AT + HASH_LEN;
const AUTHOR_AT: usize = EPOCH_AT + 8;
const ACTION_AT: usize = AUTHOR_AT + DIGEST_LEN;

fn malformed(reason: &'static str) -> Error {
    Error::MalformedHistoryEntry { reason }
}

/// What an entry does to the album's membership.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryAction {
    /// The album's creation; the identity is its owner and first member. Only at sequence 0.
    Genesis(IdentityPublicKey),
    /// A member added, with its whole identity public key (so later entries, grants and
    /// manifests it signs verify with no directory, and grants can be encapsulated to it).
    AddMember(IdentityPublicKey),
    /// A member removed, named by its identity digest. Moves the album to a new epoch.
    RemoveMember([u8; DIGEST_LEN]),
    /// The album moves to a new epoch with no membership change: the new generation's
    /// first epoch after the owner's account rotated, otherwise the next epoch of the same
    /// generation (a re-key, e.g. a revoked link).
    EpochMove,
}

impl HistoryAction {
    /// The action byte.
    pub fn to_byte(&self) -> u8 {
        match self {
            Self::Genesis(_) => ACTION_GENESIS,
            Self::AddMember(_) => ACTION_ADD_MEMBER,
            Self::RemoveMember(_) => ACTION_REMOVE_MEMBER,
            Self::EpochMove => ACTION_EPOCH_MOVE,
        }
    }

    fn subject(&self) -> Vec<u8> {
        match self {
            Self::Genesis(key) | Self::AddMember(key) => key.to_bytes(),
            Self::RemoveMember(digest) => digest.to_vec(),
            Self::EpochMove => Vec::new(),
        }
    }
}

/// The length of an action's subject, or `None` for an unknown action byte.
fn subject_len(action: u8) -> Option<usize> {
    match action {
        ACTION_GENESIS | ACTION_ADD_MEMBER => Some(IDENTITY_PUBLIC_LEN),
        ACTION_REMOVE_MEMBER => Some(DIGEST_LEN),
        ACTION_EPOCH_MOVE => Some(0),
        _ => None,
    }
}

/// The length of a whole entry whose action byte is `action`, or `None` for an unknown
/// action: what splits a concatenation of entries.
pub fn history_entry_len(action: u8) -> Option<usize> {
    subject_len(action).map(|n| HISTORY_FIXED_LEN + n + SIGNATURE_LEN)
}

/// `SHA-256(LABEL_HISTORY_ENTRY || entry)`: the name of an entry, which the next entry's
/// `prev`, grants, manifests and pins carry.
pub fn history_entry_hash(entry: &[u8]) -> [u8; HASH_LEN] {
    Sha256::new()
        .chain_update(LABEL_HISTORY_ENTRY)
        .chain_update(entry)
        .finalize()
        .into()
}

/// A parsed history entry. Parsing checks its form, not its signature or its place in a
/// chain: [`super::verify_history`] does that.
#[derive(Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub(super) album_id: AlbumId,
    pub(super) seq: u64,
    pub(super) prev: [u8; HASH_LEN],
    pub(super) epoch: u64,
    pub(super) author: [u8; DIGEST_LEN],
    pub(super) action: HistoryAction,
    pub(super) signature: [u8; SIGNATURE_LEN],
    pub(super) hash: [u8; HASH_LEN],
}

impl HistoryEntry {
    /// The album it belongs to.
    pub fn album_id(&self) -> AlbumId {
        self.album_id
    }

    /// Its sequence number (0 for the genesis).
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The hash of the entry before it (all zero for the genesis).
    pub fn prev(&self) -> &[u8; HASH_LEN] {
        &self.prev
    }

    /// The album's epoch after this entry.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The identity digest of the member who claims to have signed it.
    pub fn author(&self) -> &[u8; DIGEST_LEN] {
        &self.author
    }

    /// What it does.
    pub fn action(&self) -> &HistoryAction {
        &self.action
    }

    /// Its hash ([`history_entry_hash`] of its bytes).
    pub fn hash(&self) -> &[u8; HASH_LEN] {
        &self.hash
    }

    /// The signed bytes: everything before the signature.
    fn body(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HISTORY_ENTRY_MAX_LEN);
        out.extend_from_slice(&HISTORY_MAGIC);
        out.push(HISTORY_VERSION);
        out.push(HISTORY_SUITE_SHA256_ED25519);
        out.extend_from_slice(self.album_id.as_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.prev);
        out.extend_from_slice(&self.epoch.to_be_bytes());
        out.extend_from_slice(&self.author);
        out.push(self.action.to_byte());
        out.extend_from_slice(&self.action.subject());
        out
    }

    /// The encoding: the body, then the signature.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.body();
        out.extend_from_slice(&self.signature);
        out
    }

    /// Whether the signature verifies (`verify_strict`) under `author`'s Ed25519 key over
    /// `LABEL_HISTORY_SIGNATURE || body`.
    pub(super) fn signature_verifies(&self, author: &IdentityPublicKey) -> bool {
        let message = [LABEL_HISTORY_SIGNATURE, &self.body()].concat();
        author.verify(&message, &self.signature)
    }

    /// Builds and signs an entry with `identity` (whose digest becomes the author).
    pub(super) fn signed(
        identity: &crate::identity::IdentitySecret,
        album_id: AlbumId,
        seq: u64,
        prev: [u8; HASH_LEN],
        epoch: u64,
        action: HistoryAction,
    ) -> Result<Vec<u8>> {
        let mut entry = Self {
            album_id,
            seq,
            prev,
            epoch,
            author: identity.public_key().digest(),
            action,
            signature: [0; SIGNATURE_LEN],
            hash: [0; HASH_LEN],
        };
        let message = [LABEL_HISTORY_SIGNATURE, &entry.body()].concat();
        entry.signature = identity.sign(&message);
        let bytes = entry.to_bytes();
        // One set of rules: what is signed is what a verifier parses.
        parse_history_entry(&bytes)?;
        Ok(bytes)
    }
}

impl fmt::Debug for HistoryEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            album_id,
            seq,
            prev: _,
            epoch,
            author,
            action,
            signature: _,
            hash,
        } = self;
        f.debug_struct("HistoryEntry")
            .field("album_id", album_id)
            .field("seq", seq)
            .field("epoch", epoch)
            .field("author", &const_hex::encode(&author[..8]))
            .field("action", action)
            .field("hash", &const_hex::encode(&hash[..8]))
            .finish_non_exhaustive()
    }
}

/// Parses one history entry (SPEC.md 5.12), checking in order: magic, version, suite, the
/// action byte, the length the action fixes, the subject key, then the genesis rules.
/// Allocates nothing that depends on the input's length beyond one subject key, and checks
/// no signature.
///
/// # Errors
/// [`Error::MalformedHistoryEntry`] naming the rule broken; [`Error::UnsupportedVersion`];
/// [`Error::UnsupportedSuite`]; [`Error::InvalidPublicKey`] for an unusable subject key.
pub fn parse_history_entry(bytes: &[u8]) -> Result<HistoryEntry> {
    if bytes.get(..4) != Some(&HISTORY_MAGIC[..]) {
        return Err(malformed("not a history entry (magic)"));
    }
    let version = *bytes.get(4).ok_or(malformed("truncated"))?;
    if version != HISTORY_VERSION {
        return Err(Error::UnsupportedVersion(version));
    }
    let suite = *bytes.get(5).ok_or(malformed("truncated"))?;
    if suite != HISTORY_SUITE_SHA256_ED25519 {
        return Err(Error::UnsupportedSuite(suite));
    }
    let action = *bytes.get(ACTION_AT).ok_or(malformed("truncated"))?;
    let subject_len = subject_len(action).ok_or(malformed("unknown action"))?;
    let signed_len = HISTORY_FIXED_LEN + subject_len;
    if bytes.len() != signed_len + SIGNATURE_LEN {
        return Err(malformed("length does not match the action"));
    }
    let be64 = |at: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[at..at + 8]);
        u64::from_be_bytes(b)
    };
    let hash32 = |at: usize| {
        let mut b = [0u8; 32];
        b.copy_from_slice(&bytes[at..at + 32]);
        b
    };
    let subject = &bytes[HISTORY_FIXED_LEN..signed_len];
    let action = match action {
        ACTION_GENESIS => HistoryAction::Genesis(IdentityPublicKey::from_slice(subject)?),
        ACTION_ADD_MEMBER => HistoryAction::AddMember(IdentityPublicKey::from_slice(subject)?),
        ACTION_REMOVE_MEMBER => HistoryAction::RemoveMember(hash32(HISTORY_FIXED_LEN)),
        _ => HistoryAction::EpochMove,
    };
    let (seq, prev, author) = (be64(SEQ_AT), hash32(PREV_AT), hash32(AUTHOR_AT));
    match &action {
        HistoryAction::Genesis(owner) => {
            if seq != 0 || prev != [0; HASH_LEN] {
                return Err(malformed("genesis not at sequence 0 with a zero prev"));
            }
            if author != owner.digest() {
                return Err(malformed("genesis not authored by its first member"));
            }
        }
        _ if seq == 0 => return Err(malformed("sequence 0 is not a genesis")),
        _ => {}
    }
    let mut signature = [0u8; SIGNATURE_LEN];
    signature.copy_from_slice(&bytes[signed_len..]);
    Ok(HistoryEntry {
        album_id: AlbumId::from_slice(&bytes[6..SEQ_AT])?,
        seq,
        prev,
        epoch: be64(EPOCH_AT),
        author,
        action,
        signature,
        hash: history_entry_hash(bytes),
    })
}
