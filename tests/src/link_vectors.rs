//! The schema of `tests/vectors/link-v1.json` (SPEC.md 5.13).

use serde::{Deserialize, Serialize};

/// A guest's drop to a collect link.
#[derive(Debug, Serialize, Deserialize)]
pub struct DropVector {
    /// Hex, 16 bytes.
    pub media_id: String,
    /// Hex, 32 bytes: the guest's fresh media key.
    pub media_key: String,
    /// The display name (UTF-8).
    pub display_name: String,
    /// Hex, 32 bytes: the throwaway identity's seed (SPEC.md 5.1).
    pub throwaway_secret: String,
    /// Hex, 64 bytes: X-Wing encapsulation randomness.
    pub eseed: String,
    /// Hex: a sealed thumbnail part of the item (its manifest lists it).
    pub thumbnail: String,
    /// Hex: its plaintext.
    pub thumbnail_plaintext: String,
    /// Hex: the item record (SPEC.md 5.10) signed by the throwaway identity.
    pub record: String,
    /// Hex, 58 bytes: the drop header.
    pub header: String,
    /// Hex: the HPKE plaintext `media key || len8(name) || name || record`.
    pub plaintext: String,
    /// Hex: the whole drop.
    pub drop: String,
    /// The throwaway identity's fingerprint, as the owner sees it.
    pub fingerprint: String,
}

/// A refusal: the vector's record, fragment or drop edited, with the error.
#[derive(Debug, Serialize, Deserialize)]
pub struct LinkRefusal {
    /// What was changed.
    pub comment: String,
    /// `record` (open the record with the URL and password given here) or `drop`
    /// (open the drop with the album key).
    pub target: String,
    /// Hex: the record or drop offered.
    pub bytes: String,
    /// The fragment offered, for a record (defaults to the vector's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fragment: Option<String>,
    /// The password offered, for a record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// For a drop: the album key is the one of this album id and epoch (the owner's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub album_id: Option<String>,
    /// For a drop: the epoch of the album key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u64>,
    /// The error (a keepsake::Error variant name).
    pub error: String,
}

/// One link: its randomness, URL, key schedule, payload and record.
#[derive(Debug, Serialize, Deserialize)]
pub struct LinkVector {
    /// What the case shows.
    pub comment: String,
    /// `album`, `selection` or `collect`.
    pub kind: String,
    /// Hex, 16 bytes.
    pub link_id: String,
    /// Hex, 32 bytes.
    pub secret: String,
    /// Hex, 24 bytes: the record's XAEAD nonce.
    pub nonce: String,
    /// The password, if the link has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Hex, 16 bytes: the Argon2id salt (password links).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
    /// Argon2id `m`, `t`, `p` (password links).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kdf: Option<[u32; 3]>,
    /// Hex, 32 bytes: `Argon2id(NFC(password), salt, m, t, p)` (password links).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_key: Option<String>,
    /// The fragment (base64url, no padding).
    pub fragment: String,
    /// The URL on the origin `https://keepsake.example`.
    pub url: String,
    /// Hex: the record header.
    pub header: String,
    /// Hex, 32 bytes: the link key.
    pub link_key: String,
    /// Hex: the payload.
    pub payload: String,
    /// Hex: the record.
    pub record: String,
    /// Hex, 16 bytes.
    pub album_id: String,
    /// The album epoch (album and collect links).
    pub epoch: u64,
    /// Hex, 32 bytes: the album key of `album_id` at `epoch` (the owner's).
    pub album_key: String,
    /// Hex, 32 bytes: the history entry hash the link names.
    pub history: String,
    /// Hex, 32 bytes: the owner identity's seed.
    pub owner_identity_secret: String,
    /// Selection links: the expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// Selection links: the item count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_count: Option<u16>,
    /// Selection links, hex: the selection body (SPEC.md 5.11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Collect links, hex, 32 bytes: the drop key's seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop_seed: Option<String>,
    /// Collect links: drops made with the link.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drops: Vec<DropVector>,
    /// Refused variants.
    pub refusals: Vec<LinkRefusal>,
}
