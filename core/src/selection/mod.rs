//! Selection grants and print orders (SPEC.md 5.11): exactly a chosen set of items, and
//! chosen parts of each, shared with one recipient (a person, or a print service known by
//! its identity public key).
//!
//! A media key would open every part of its item (each rendition and the metadata), so a
//! selection grant carries no media key: for each chosen part it carries that stored
//! object's own derived key, the *part key* (for a stream, its 88-byte header and payload
//! key, SPEC.md 3.3; for the metadata envelope, its 57-byte header and envelope key, 4.2).
//! A part key opens exactly the object whose header it records and cannot derive anything
//! else. Each item also carries its signed manifest (5.10), so the recipient checks who
//! uploaded it and that the part bytes are the signed ones, without its metadata.
//!
//! ```text
//! header    = SELECTION_VERSION || suite (0x02) || sender digest (32) || recipient digest (32)
//!             || album id (16) || selection id (16) || be64(expires_at) || history (32)
//!             || be16(item count)                                                   140 bytes
//! enc, ct   = HPKE SealBase(recipient X-Wing key, info = LABEL_SELECTION || header, aad = "", body)
//! signature = Ed25519(sender, LABEL_SELECTION_SIGNATURE || header || enc || ct)
//! grant     = header || enc (1120) || ct || signature (64)
//! ```

pub(crate) mod body;
mod open;

pub use open::{Selection, SelectionItem};

use crate::account::Keyring;
use crate::bundle::SUITE_XWING;
use crate::hpke::xwing;
use crate::identity::{DIGEST_LEN, IdentityPublicKey, SIGNATURE_LEN};
use crate::keys::ID_LEN;
use crate::primitives::TAG_LEN;
use crate::provenance::MAX_PARTS;
use crate::{AlbumId, Error, MediaId, MediaKey, Result};

/// The selection grant format version this build writes and reads.
pub const SELECTION_VERSION: u8 = 1;
/// Length of a selection id.
pub const SELECTION_ID_LEN: usize = 16;
/// Length of the history field: the hash of the album history entry the grant relies on
/// (SPEC.md 5.12).
pub const HISTORY_LEN: usize = 32;
/// Length of the public header.
pub const SELECTION_HEADER_LEN: usize =
    2 + DIGEST_LEN + DIGEST_LEN + ID_LEN + SELECTION_ID_LEN + 8 + HISTORY_LEN + 2;
/// Most items one selection grant holds.
pub const MAX_SELECTION_ITEMS: usize = 1000;
/// Most parts one item of a selection holds (the four stream kinds and the metadata).
pub const MAX_SELECTION_PARTS: usize = MAX_PARTS;
/// Length of a stream part entry: kind, the stream's header, its payload key.
pub const STREAM_PART_LEN: usize = 1 + crate::stream::HEADER_LEN + crate::KEY_LEN;
/// Length of a metadata part entry: kind, the envelope's header, its envelope key.
pub const METADATA_PART_LEN: usize = 1 + crate::envelope::ENVELOPE_HEADER_LEN + crate::KEY_LEN;
/// Bytes of an item entry besides its parts and manifest: media id, epoch, part count,
/// manifest length.
pub const ITEM_FIXED_LEN: usize = ID_LEN + 8 + 1 + 2;
/// Longest item entry: four stream parts, the metadata part and a manifest of
/// [`crate::provenance::MANIFEST_MAX_LEN`] bytes.
pub const MAX_ITEM_LEN: usize = ITEM_FIXED_LEN
    + (MAX_SELECTION_PARTS - 1) * STREAM_PART_LEN
    + METADATA_PART_LEN
    + crate::provenance::MANIFEST_MAX_LEN;
/// Shortest item entry: one metadata part and no manifest.
pub const MIN_ITEM_LEN: usize = ITEM_FIXED_LEN + METADATA_PART_LEN;
/// Bytes of a grant besides its body: header, `enc`, AEAD tag, signature.
pub const SELECTION_OVERHEAD: usize =
    SELECTION_HEADER_LEN + xwing::ENC_LEN + TAG_LEN + SIGNATURE_LEN;
/// Longest selection grant ([`MAX_SELECTION_ITEMS`] items of [`MAX_ITEM_LEN`] bytes).
pub const MAX_SELECTION_LEN: usize = SELECTION_OVERHEAD + MAX_SELECTION_ITEMS * MAX_ITEM_LEN;
/// HPKE info label of selection grants (followed by the header).
pub const LABEL_SELECTION: &[u8] = b"keepsake/v1/selection-grant";
/// Signature label of selection grants (followed by the header, `enc` and the ciphertext).
pub const LABEL_SELECTION_SIGNATURE: &[u8] = b"keepsake/v1/selection-grant-signature";

fn malformed(reason: &'static str) -> Error {
    Error::MalformedSelection { reason }
}

/// One stored part of an item to share, given by the stored object's first bytes (the
/// grantor reads them from the sealed part; the whole object also works).
#[derive(Clone, Copy, Debug)]
pub enum SelectedPart<'a> {
    /// A sealed media stream: at least its 88-byte header. Its kind is the header's.
    Stream(&'a [u8]),
    /// The item's metadata envelope (SPEC.md 4.2, purpose `0x01`): at least its 57-byte
    /// header.
    Metadata(&'a [u8]),
}

/// One item to share: its ids, its media key (borrowed, only to derive the part keys) and
/// the parts chosen, with its signed manifest if it has one.
#[derive(Clone, Copy)]
pub struct SelectedItem<'a> {
    /// The item.
    pub media_id: MediaId,
    /// The epoch the item was sealed under (recorded beside its wrapped media key).
    pub epoch: u64,
    /// The item's media key. It is not put in the grant.
    pub media_key: &'a MediaKey,
    /// The parts to share (at most one per kind, at most [`MAX_SELECTION_PARTS`]).
    pub parts: &'a [SelectedPart<'a>],
    /// The item's signed manifest (SPEC.md 5.10 bytes, from its item record), if signed.
    pub manifest: Option<&'a [u8]>,
}

impl std::fmt::Debug for SelectedItem<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelectedItem")
            .field("media_id", &self.media_id)
            .field("epoch", &self.epoch)
            .field("media_key", &"[redacted]")
            .field("parts", &self.parts.len())
            .field("manifest", &self.manifest.map(<[u8]>::len))
            .finish()
    }
}

/// The public header of a selection grant: the *print order record* an app shows (what,
/// from whom, until when) before and after accepting it. Nothing here is authenticated
/// until [`Keyring::accept_selection`] checks the signature with the sender's verified
/// identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectionInfo {
    /// The digest of the identity the grant claims to come from.
    pub sender: [u8; DIGEST_LEN],
    /// The digest of the identity it is addressed to.
    pub recipient: [u8; DIGEST_LEN],
    /// The album the items belong to.
    pub album_id: AlbumId,
    /// A random id naming this selection (the print order's number).
    pub selection_id: [u8; SELECTION_ID_LEN],
    /// When the grant expires, in Unix seconds. The server deletes the grant then; the
    /// core checks no clock (see [`SelectionInfo::expired`]).
    pub expires_at: u64,
    /// The hash of the album history entry this grant relies on (SPEC.md 5.12).
    pub history: [u8; HISTORY_LEN],
    /// How many items the grant holds.
    pub item_count: usize,
}

impl SelectionInfo {
    /// Whether the grant has expired at `now` (Unix seconds): `now >= expires_at`. Display
    /// only: the server enforces expiry by deleting the grant.
    pub fn expired(&self, now: u64) -> bool {
        now >= self.expires_at
    }

    /// The claimed sender's fingerprint (SPEC.md 5.7), for the user to compare.
    pub fn sender_fingerprint(&self) -> String {
        crate::sharing::fingerprint_of_digest(&self.sender)
    }
}

/// Reads a selection grant's public header without any key (SPEC.md 5.11, steps 1-3):
/// version, suite, the header's length, the item count and the grant's length for that
/// count. Nothing is opened or verified, and nothing is allocated from the count.
///
/// # Errors
/// [`Error::MalformedSelection`] (empty, no suite byte, header cut short, no items, a
/// length outside the bounds for the count); [`Error::UnsupportedVersion`];
/// [`Error::UnsupportedSuite`]; [`Error::TooLarge`] for an item count above
/// [`MAX_SELECTION_ITEMS`].
pub fn inspect_selection(grant: &[u8]) -> Result<SelectionInfo> {
    let version = *grant.first().ok_or(malformed("empty"))?;
    if version != SELECTION_VERSION {
        return Err(Error::UnsupportedVersion(version));
    }
    let suite = *grant.get(1).ok_or(malformed("no suite byte"))?;
    if suite != SUITE_XWING {
        return Err(Error::UnsupportedSuite(suite));
    }
    let header = grant
        .get(..SELECTION_HEADER_LEN)
        .ok_or(malformed("header cut short"))?;
    let item_count = usize::from(u16::from_be_bytes([
        header[SELECTION_HEADER_LEN - 2],
        header[SELECTION_HEADER_LEN - 1],
    ]));
    if item_count == 0 {
        return Err(malformed("no items"));
    }
    if item_count > MAX_SELECTION_ITEMS {
        return Err(Error::TooLarge {
            what: "selection items",
            len: item_count as u64,
            max: MAX_SELECTION_ITEMS as u64,
        });
    }
    let body_len = grant.len().saturating_sub(SELECTION_OVERHEAD);
    if grant.len() < SELECTION_OVERHEAD
        || body_len < item_count * MIN_ITEM_LEN
        || body_len > item_count * MAX_ITEM_LEN
    {
        return Err(malformed("length does not fit the item count"));
    }
    let bytes = |at: usize, len: usize| &header[at..at + len];
    let array = |at: usize| {
        let mut out = [0u8; 32];
        out.copy_from_slice(bytes(at, 32));
        out
    };
    let mut selection_id = [0u8; SELECTION_ID_LEN];
    selection_id.copy_from_slice(bytes(82, SELECTION_ID_LEN));
    let mut expires = [0u8; 8];
    expires.copy_from_slice(bytes(98, 8));
    Ok(SelectionInfo {
        sender: array(2),
        recipient: array(34),
        album_id: AlbumId::from_slice(bytes(66, ID_LEN))?,
        selection_id,
        expires_at: u64::from_be_bytes(expires),
        history: array(106),
        item_count,
    })
}

/// What the recipient requires of a selection grant beyond its sender (SPEC.md 5.11,
/// step 6): `None` fields are not checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SelectionExpect {
    /// The album the grant must name.
    pub album_id: Option<AlbumId>,
    /// The album history entry hash the grant must rely on (SPEC.md 5.12).
    pub history: Option<[u8; HISTORY_LEN]>,
}

/// The public, signed-over fields of a grant the grantor chooses.
pub(crate) struct Terms {
    pub(crate) album_id: AlbumId,
    pub(crate) history: [u8; HISTORY_LEN],
    pub(crate) expires_at: u64,
    pub(crate) selection_id: [u8; SELECTION_ID_LEN],
}

impl Terms {
    pub(crate) fn new(
        album_id: AlbumId,
        history: [u8; HISTORY_LEN],
        expires_at: u64,
        selection_id: [u8; SELECTION_ID_LEN],
    ) -> Self {
        Self {
            album_id,
            history,
            expires_at,
            selection_id,
        }
    }
}

fn header(
    sender: &IdentityPublicKey,
    recipient: &IdentityPublicKey,
    terms: &Terms,
    item_count: usize,
) -> [u8; SELECTION_HEADER_LEN] {
    let mut out = [0u8; SELECTION_HEADER_LEN];
    out[0] = SELECTION_VERSION;
    out[1] = SUITE_XWING;
    out[2..34].copy_from_slice(&sender.digest());
    out[34..66].copy_from_slice(&recipient.digest());
    out[66..82].copy_from_slice(terms.album_id.as_bytes());
    out[82..98].copy_from_slice(&terms.selection_id);
    out[98..106].copy_from_slice(&terms.expires_at.to_be_bytes());
    out[106..138].copy_from_slice(&terms.history);
    // At most MAX_SELECTION_ITEMS (the body encoder), or any u16 (hazmat).
    out[138..].copy_from_slice(&(item_count as u16).to_be_bytes());
    out
}

fn signed_message(header_enc_ct: &[u8]) -> Vec<u8> {
    [LABEL_SELECTION_SIGNATURE, header_enc_ct].concat()
}

pub(crate) fn grant_selection_with(
    sender: &Keyring,
    recipient: &IdentityPublicKey,
    terms: &Terms,
    items: &[SelectedItem<'_>],
    randomness: &[u8; xwing::ENCAPSULATION_RANDOMNESS_LEN],
) -> Result<Vec<u8>> {
    let body = body::encode(terms.album_id, items)?;
    seal_body(sender, recipient, terms, items.len(), &body, randomness)
}

/// Encapsulates and signs an encoded body of `item_count` items.
pub(crate) fn seal_body(
    sender: &Keyring,
    recipient: &IdentityPublicKey,
    terms: &Terms,
    item_count: usize,
    body: &[u8],
    randomness: &[u8; xwing::ENCAPSULATION_RANDOMNESS_LEN],
) -> Result<Vec<u8>> {
    let identity = sender.identity_secret();
    let header = header(identity.public_key(), recipient, terms, item_count);
    let info = [LABEL_SELECTION, &header[..]].concat();
    let (enc, ciphertext) =
        xwing::seal_base_with_randomness(recipient.kem(), randomness, &info, b"", body)?;
    let mut out = Vec::with_capacity(SELECTION_OVERHEAD + body.len());
    out.extend_from_slice(&header);
    out.extend_from_slice(&enc[..]);
    out.extend_from_slice(&ciphertext);
    let signature = identity.sign(&signed_message(&out));
    out.extend_from_slice(&signature);
    Ok(out)
}

/// Opens the body of a grant that passed [`inspect_selection`] (SPEC.md 5.11, step 8).
pub(crate) fn open_body(grant: &[u8], recipient: &Keyring) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    inspect_selection(grant)?;
    let signed = &grant[..grant.len() - SIGNATURE_LEN];
    let (header, rest) = signed.split_at(SELECTION_HEADER_LEN);
    let (enc, ciphertext) = rest.split_at(xwing::ENC_LEN);
    let hpke_info = [LABEL_SELECTION, header].concat();
    Ok(zeroize::Zeroizing::new(xwing::open_base(
        recipient.identity_secret().kem(),
        enc,
        &hpke_info,
        b"",
        ciphertext,
    )?))
}

impl Keyring {
    /// Grants `recipient` exactly the chosen parts of the chosen items of album
    /// `album_id` (SPEC.md 5.11): for each part its own part key, never a media key, and
    /// each item's manifest. `history` is the hash of the album history entry the grant
    /// relies on (5.12); `expires_at` (Unix seconds) is shown by apps and enforced by the
    /// server. Items are put in the grant sorted by media id.
    ///
    /// # Errors
    /// [`Error::MalformedSelection`] for no items, a duplicate media id, an item with no
    /// part, two parts of one kind, or a part of another item; [`Error::TooLarge`] above
    /// [`MAX_SELECTION_ITEMS`] items or [`MAX_SELECTION_PARTS`] parts; a part's header
    /// errors ([`crate::stream::Header::parse`], [`Error::TruncatedHeader`],
    /// [`Error::UnsupportedVersion`]); [`Error::DecryptionFailed`] if a part was not sealed
    /// under the item's media key; a manifest's parse errors
    /// ([`crate::provenance::parse_manifest`]) and [`Error::ProvenanceWrongItem`] for a
    /// manifest of another item, album or epoch; [`Error::RandomnessUnavailable`].
    pub fn grant_selection(
        &self,
        recipient: &IdentityPublicKey,
        album_id: AlbumId,
        history: [u8; HISTORY_LEN],
        expires_at: u64,
        items: &[SelectedItem<'_>],
    ) -> Result<Vec<u8>> {
        let mut selection_id = [0u8; SELECTION_ID_LEN];
        crate::primitives::fill_random(&mut selection_id)?;
        let mut randomness = zeroize::Zeroizing::new([0u8; xwing::ENCAPSULATION_RANDOMNESS_LEN]);
        crate::primitives::fill_random(randomness.as_mut())?;
        let terms = Terms::new(album_id, history, expires_at, selection_id);
        grant_selection_with(self, recipient, &terms, items, &randomness)
    }

    /// Accepts a selection grant from `sender` (an identity the user has verified by its
    /// fingerprint), optionally requiring an album and a history entry (SPEC.md 5.11).
    /// Checks, in order: [`inspect_selection`]; that the grant is addressed to this
    /// identity; that it names `sender`; the expected album and history; the signature;
    /// then opens the body and checks every item, part and manifest in it.
    ///
    /// # Errors
    /// As [`inspect_selection`]; [`Error::SelectionWrongRecipient`];
    /// [`Error::SelectionWrongSender`]; [`Error::SelectionWrongAlbum`];
    /// [`Error::SelectionWrongHistory`]; [`Error::SelectionBadSignature`];
    /// [`Error::InvalidPublicKey`] for a low-order `enc`; [`Error::DecryptionFailed`] if it
    /// does not open; [`Error::MalformedSelection`] for a body that does not parse;
    /// [`crate::provenance::parse_manifest`]'s errors; [`Error::ProvenanceWrongItem`] and
    /// [`Error::ProvenanceBadSignature`] for an item's manifest.
    pub fn accept_selection(
        &self,
        grant: &[u8],
        sender: &IdentityPublicKey,
        expect: &SelectionExpect,
    ) -> Result<Selection> {
        let info = inspect_selection(grant)?;
        if info.recipient != self.identity_secret().public_key().digest() {
            return Err(Error::SelectionWrongRecipient);
        }
        if info.sender != sender.digest() {
            return Err(Error::SelectionWrongSender);
        }
        if expect.album_id.is_some_and(|want| want != info.album_id) {
            return Err(Error::SelectionWrongAlbum);
        }
        if expect.history.is_some_and(|want| want != info.history) {
            return Err(Error::SelectionWrongHistory);
        }
        let (signed, signature) = grant.split_at(grant.len() - SIGNATURE_LEN);
        let signature: &[u8; SIGNATURE_LEN] =
            signature.try_into().map_err(|_| malformed("signature"))?;
        if !sender.verify(&signed_message(signed), signature) {
            return Err(Error::SelectionBadSignature);
        }
        let body = open_body(grant, self)?;
        let items = body::parse(&body, &info)?;
        Ok(Selection::new(info, sender.clone(), items))
    }
}

#[cfg(test)]
mod tests;
