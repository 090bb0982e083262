//! Album history entries written field by field from SPEC.md 5.12 with `sha2`,
//! `hkdf` and `ed25519-dalek` directly: what the history tests forge and what the vector
//! test recomputes, never through the `keepsake` crate.

use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};

/// `"keepsake/v1/album-history-entry"`.
pub const LABEL_ENTRY: &[u8] = b"keepsake/v1/album-history-entry";
/// `"keepsake/v1/album-history-signature"`.
pub const LABEL_SIGNATURE: &[u8] = b"keepsake/v1/album-history-signature";
/// `"keepsake/v1/identity-sign"` (SPEC.md 5.1).
pub const LABEL_IDENTITY_SIGN: &[u8] = b"keepsake/v1/identity-sign";

/// The identity's Ed25519 key of an identity seed: `HKDF(salt = "", seed, LABEL_IDENTITY_SIGN)`.
pub fn signing_key(identity_seed: &[u8; 32]) -> SigningKey {
    let mut secret = [0u8; 32];
    hkdf::Hkdf::<Sha256>::new(Some(b""), identity_seed)
        .expand(LABEL_IDENTITY_SIGN, &mut secret)
        .expect("32 bytes is a valid HKDF length");
    SigningKey::from_bytes(&secret)
}

/// `SHA-256(LABEL_ENTRY || entry)`.
pub fn entry_hash(entry: &[u8]) -> [u8; 32] {
    Sha256::new()
        .chain_update(LABEL_ENTRY)
        .chain_update(entry)
        .finalize()
        .into()
}

/// The fields of an entry, laid out as SPEC.md 5.12's table.
#[derive(Clone, Debug)]
pub struct RawEntry {
    /// The album id.
    pub album: [u8; 16],
    /// The sequence number.
    pub seq: u64,
    /// The previous entry's hash.
    pub prev: [u8; 32],
    /// The epoch after the entry.
    pub epoch: u64,
    /// The author's identity digest.
    pub author: [u8; 32],
    /// The action byte.
    pub action: u8,
    /// The subject (1248, 32 or 0 bytes by action).
    pub subject: Vec<u8>,
}

impl RawEntry {
    /// The signed body: everything before the signature.
    pub fn body(&self) -> Vec<u8> {
        let mut out = b"KSAH\x01\x01".to_vec();
        out.extend_from_slice(&self.album);
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.prev);
        out.extend_from_slice(&self.epoch.to_be_bytes());
        out.extend_from_slice(&self.author);
        out.push(self.action);
        out.extend_from_slice(&self.subject);
        out
    }

    /// The body signed with the identity of `identity_seed`: `body || Ed25519(LABEL_SIGNATURE || body)`.
    pub fn sign(&self, identity_seed: &[u8; 32]) -> Vec<u8> {
        let body = self.body();
        let signature = signing_key(identity_seed).sign(&[LABEL_SIGNATURE, &body].concat());
        [body, signature.to_bytes().to_vec()].concat()
    }

    /// Reads the fields back from an entry (no checks beyond the layout).
    pub fn parse(entry: &[u8]) -> Self {
        let be64 = |at: usize| u64::from_be_bytes(entry[at..at + 8].try_into().unwrap());
        Self {
            album: entry[6..22].try_into().unwrap(),
            seq: be64(22),
            prev: entry[30..62].try_into().unwrap(),
            epoch: be64(62),
            author: entry[70..102].try_into().unwrap(),
            action: entry[102],
            subject: entry[103..entry.len() - 64].to_vec(),
        }
    }
}

/// One entry of a [`HistoryVector`].
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct HistoryVectorEntry {
    /// Hex, 32 bytes: the identity seed of the identity that signed it.
    pub signer_identity_secret: String,
    /// Whether the signature is the signer's over this body (false for a forged one).
    pub genuine: bool,
    /// The action's name: `genesis`, `add-member`, `remove-member`, `epoch-move`.
    pub action: String,
    /// The sequence number it claims.
    pub seq: u64,
    /// The epoch after it.
    pub epoch: u64,
    /// Hex: the entry.
    pub entry: String,
    /// Hex, 32 bytes: `SHA-256(LABEL_ENTRY || entry)`.
    pub hash: String,
    /// Hex digests of the members after it (only in a chain that verifies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members_after: Option<Vec<String>>,
}

/// A chain of album history entries (SPEC.md 5.12) and what a verifier concludes.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct HistoryVector {
    /// Case name.
    pub name: String,
    /// What the case shows.
    pub comment: String,
    /// Hex, 16 bytes.
    pub album_id: String,
    /// Hex, 1248 bytes: the owner identity public key the verifier trusts.
    pub trusted_owner: String,
    /// The chain, in the order offered.
    pub entries: Vec<HistoryVectorEntry>,
    /// Hex, 56 bytes: the verifier's pin, if it keeps one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
    /// Hex, 32 bytes: the head's hash, when the chain verifies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
    /// The head fingerprint, when the chain verifies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_fingerprint: Option<String>,
    /// The error's name, when it does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The name of an action byte.
pub fn action_name(action: u8) -> &'static str {
    match action {
        0 => "genesis",
        1 => "add-member",
        2 => "remove-member",
        3 => "epoch-move",
        _ => "unknown",
    }
}
