//! The schema of `tests/vectors/selection-v1.json` (SPEC.md 5.11).

use serde::{Deserialize, Serialize};

use crate::account_vectors::RecipientBundle;

/// One stored part of a selected item, and the part key the grant carries for it.
#[derive(Debug, Serialize, Deserialize)]
pub struct SelectionPart {
    /// `original`, `thumbnail`, `preview`, `sidecar`, or `metadata`.
    pub kind: String,
    /// Hex: the stored object (a sealed stream, or the metadata envelope).
    pub stored: String,
    /// Hex: its plaintext.
    pub plaintext: String,
    /// Hex, 32 bytes: the part key (payload key of 3.3, or envelope key of 4.2).
    pub part_key: String,
    /// Hex, 32 bytes: the commitment the same HKDF output ends with.
    pub commitment: String,
}

/// One selected item.
#[derive(Debug, Serialize, Deserialize)]
pub struct SelectionVectorItem {
    /// Hex, 16 bytes.
    pub media_id: String,
    /// The item's epoch.
    pub epoch: u64,
    /// Hex, 32 bytes (the grantor's input; not in the grant).
    pub media_key: String,
    /// The parts granted, in increasing kind order.
    pub parts: Vec<SelectionPart>,
    /// Hex: a part of the item that is not granted (its original or thumbnail).
    pub not_granted: String,
    /// The kind of `not_granted`.
    pub not_granted_kind: String,
    /// Hex: the item's signed manifest (SPEC.md 5.10), empty if unsigned.
    pub manifest: String,
}

/// A refused grant: the vector's grant edited (or not), with the error accepting it gives.
#[derive(Debug, Serialize, Deserialize)]
pub struct SelectionRefusal {
    /// What was changed.
    pub comment: String,
    /// Where the grant is edited: bytes from this offset are replaced by `bytes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    /// Hex: the bytes written at `offset`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<String>,
    /// The grant is cut to this many bytes (after the edit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate: Option<usize>,
    /// `recipient` (the vector's recipient accepts) or `other` (the other identity does).
    pub accepted_by: String,
    /// The error (a keepsake::Error variant name).
    pub error: String,
}

impl SelectionRefusal {
    /// The grant this refusal offers, made from the vector's `grant`.
    pub fn apply(&self, grant: &[u8]) -> Vec<u8> {
        let mut out = grant.to_vec();
        if let (Some(at), Some(bytes)) = (self.offset, &self.bytes) {
            let bytes = crate::unhex("bytes", bytes);
            out[at..at + bytes.len()].copy_from_slice(&bytes);
        }
        if let Some(len) = self.truncate {
            out.truncate(len);
        }
        out
    }
}

/// A selection grant from fixed inputs.
#[derive(Debug, Serialize, Deserialize)]
pub struct SelectionVector {
    /// Case name.
    pub name: String,
    /// What the case shows.
    pub comment: String,
    /// Hex, 32 bytes: the sender's identity seed (SPEC.md 5.1).
    pub sender_identity_secret: String,
    /// Hex, 1248 bytes: the sender's identity public key (Ed25519 || X-Wing), the key a
    /// binding passes to `accept_selection`.
    pub sender_identity_public: String,
    /// Hex, 32 bytes: the recipient's identity seed: the identity of `recipient_bundle`.
    pub recipient_identity_secret: String,
    /// The account of `bundle-v1.json` whose identity the grant is addressed to.
    pub recipient_bundle: RecipientBundle,
    /// Hex, 32 bytes: a third identity's seed (for replay). Seed-only: no bundle holds it,
    /// so the bindings skip the refusals it accepts.
    pub other_identity_secret: String,
    /// Hex, 16 bytes.
    pub album_id: String,
    /// Hex, 32 bytes: the album history entry hash (SPEC.md 5.12).
    pub history: String,
    /// Unix seconds.
    pub expires_at: u64,
    /// Hex, 16 bytes.
    pub selection_id: String,
    /// Hex, 64 bytes: X-Wing encapsulation randomness.
    pub eseed: String,
    /// The items, in increasing media id order.
    pub items: Vec<SelectionVectorItem>,
    /// Hex: the grant's public header (140 bytes).
    pub header: String,
    /// Hex: the HPKE plaintext (the body).
    pub body: String,
    /// Hex: the whole grant.
    pub grant: String,
    /// The recipient fingerprint of the sender, as an app shows it.
    pub sender_fingerprint: String,
    /// Refused variants of the grant.
    pub refusals: Vec<SelectionRefusal>,
}
