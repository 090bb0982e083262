//! Collect links (SPEC.md 5.13): a guest adds items to an album it cannot see.
//!
//! ```text
//! drop seed = HKDF(salt = album id, ikm = album key, info = LABEL_DROP_KEY || be64(epoch), L = 32)
//! drop key  = X-Wing key pair from the drop seed (SPEC.md 5.1)
//! header    = DROP_VERSION || suite (0x02) || link id (16) || album id (16) || be64(epoch)
//!             || media id (16)                                                       58 bytes
//! plaintext = media key (32) || len8(name) || name || item record (SPEC.md 5.10, signed)
//! enc, ct   = HPKE SealBase(drop public key, info = LABEL_DROP || header, aad = "", plaintext)
//! signature = Ed25519(throwaway key, LABEL_DROP_SIGNATURE || header || enc || ct)
//! drop      = header || enc (1120) || ct || signature (64)
//! ```
//!
//! The guest's throwaway key is a fresh random identity (SPEC.md 5.1) that signs the item's
//! manifest (5.10) and the drop; the owner sees its fingerprint and the display name.

use std::fmt;

use zeroize::Zeroizing;

use super::{CollectLink, Eseed, LinkId};
use crate::account::Keyring;
use crate::bundle::SUITE_XWING;
use crate::history::HASH_LEN;
use crate::hpke::xwing::{self, XWingSecretKey};
use crate::identity::{IdentityPublicKey, IdentitySecret, SIGNATURE_LEN};
use crate::primitives::{KEY_LEN, TAG_LEN, fill_random, hkdf_sha256};
use crate::provenance::{
    ItemRecord, MANIFEST_MAX_LEN, Manifest, PartEntry, PartHashes, PartKind, metadata_hash,
    parse_manifest,
};
use crate::stream::OpenOptions;
use crate::{AlbumId, AlbumKey, Error, ID_LEN, MediaBlob, MediaId, MediaKey, MediaKind, Result};

/// The drop format version this build writes and reads.
pub const DROP_VERSION: u8 = 1;
/// Length of a drop's public header.
pub const DROP_HEADER_LEN: usize = 2 + ID_LEN + ID_LEN + 8 + ID_LEN;
/// Longest display name, in bytes of UTF-8.
pub const MAX_DISPLAY_NAME_LEN: usize = 64;
/// Longest metadata a drop's item record carries.
pub const MAX_DROP_METADATA_LEN: usize = 64 * 1024;
/// Bytes of a drop besides its HPKE plaintext: header, `enc`, tag, signature.
pub const DROP_FIXED_LEN: usize = DROP_HEADER_LEN + xwing::ENC_LEN + TAG_LEN + SIGNATURE_LEN;
/// Longest drop: the longest name, manifest and metadata.
pub const MAX_DROP_LEN: usize = DROP_FIXED_LEN
    + KEY_LEN
    + 1
    + MAX_DISPLAY_NAME_LEN
    + 5
    + MANIFEST_MAX_LEN
    + MAX_DROP_METADATA_LEN;
/// HKDF info label of the drop key seed (followed by `be64(epoch)`).
pub const LABEL_DROP_KEY: &[u8] = b"keepsake/v1/drop-key";
/// HPKE info label of drops (followed by the header).
pub const LABEL_DROP: &[u8] = b"keepsake/v1/drop";
/// Signature label of drops (followed by the header, `enc` and the ciphertext).
pub const LABEL_DROP_SIGNATURE: &[u8] = b"keepsake/v1/drop-signature";

fn malformed(reason: &'static str) -> Error {
    Error::MalformedDrop { reason }
}

/// The drop key of `album`'s epoch: an X-Wing key pair every holder of the album key
/// derives (SPEC.md 5.13). Its public half goes in collect links; its secret half opens
/// drops.
pub fn drop_key(album: &AlbumKey) -> XWingSecretKey {
    XWingSecretKey::from_seed(*drop_seed(album))
}

/// `HKDF(salt = album id, ikm = album key, info = LABEL_DROP_KEY || be64(epoch), L = 32)`.
pub(crate) fn drop_seed(album: &AlbumKey) -> Zeroizing<[u8; KEY_LEN]> {
    hkdf_sha256::<KEY_LEN>(
        album.album_id().as_bytes(),
        album.secret(),
        &[LABEL_DROP_KEY, &album.epoch().to_be_bytes()],
    )
}

fn header(link: &CollectLink, media_id: &MediaId) -> [u8; DROP_HEADER_LEN] {
    let mut out = [0u8; DROP_HEADER_LEN];
    out[0] = DROP_VERSION;
    out[1] = SUITE_XWING;
    out[2..18].copy_from_slice(link.link_id.as_bytes());
    out[18..34].copy_from_slice(link.album_id.as_bytes());
    out[34..42].copy_from_slice(&link.epoch.to_be_bytes());
    out[42..].copy_from_slice(media_id.as_bytes());
    out
}

/// Seals one item for a collect link (the guest's side, SPEC.md 5.13). The guest first
/// seals each part under a fresh `media_key` ([`MediaKey::generate`], a random
/// [`MediaId::random`]) with [`crate::stream::seal_part`] and uploads the sealed parts; it
/// passes their entries ([`crate::provenance::SealedPart::entry`]) here. A fresh throwaway
/// identity signs the item's manifest and the drop; `display_name` is what the owner sees
/// beside its fingerprint. Upload the drop beside the parts.
///
/// # Errors
/// [`Error::MalformedDrop`] for a display name empty or longer than
/// [`MAX_DISPLAY_NAME_LEN`] bytes, or metadata above [`MAX_DROP_METADATA_LEN`];
/// [`Error::MalformedManifest`] for parts a verifier would refuse (none, two of one kind);
/// [`Error::RandomnessUnavailable`].
pub fn seal_drop(
    link: &CollectLink,
    media_id: &MediaId,
    media_key: &MediaKey,
    display_name: &str,
    parts: &[PartEntry],
    metadata: &[u8],
) -> Result<Vec<u8>> {
    let mut throwaway = Zeroizing::new([0u8; KEY_LEN]);
    fill_random(throwaway.as_mut())?;
    let mut eseed = Zeroizing::new([0u8; xwing::ENCAPSULATION_RANDOMNESS_LEN]);
    fill_random(eseed.as_mut())?;
    let item = DropItem {
        media_id,
        media_key,
        display_name,
        parts,
        metadata,
    };
    drop_with(link, &item, &throwaway, &eseed)
}

/// What a guest drops: the item and the name it goes by.
pub(crate) struct DropItem<'a> {
    pub(crate) media_id: &'a MediaId,
    pub(crate) media_key: &'a MediaKey,
    pub(crate) display_name: &'a str,
    pub(crate) parts: &'a [PartEntry],
    pub(crate) metadata: &'a [u8],
}

pub(crate) fn drop_with(
    link: &CollectLink,
    item: &DropItem<'_>,
    throwaway: &[u8; KEY_LEN],
    eseed: &Eseed,
) -> Result<Vec<u8>> {
    let name = item.display_name.as_bytes();
    if name.is_empty() || name.len() > MAX_DISPLAY_NAME_LEN {
        return Err(malformed("display name length"));
    }
    if item.metadata.len() > MAX_DROP_METADATA_LEN {
        return Err(malformed("metadata above the cap"));
    }
    let guest = Keyring {
        roots: Vec::new(),
        identity: IdentitySecret::from_seed(*throwaway),
    };
    let record = Zeroizing::new(guest.sign_item(
        item.media_id,
        link.album_id,
        link.epoch,
        &link.history,
        item.parts,
        item.metadata,
    )?);
    let mut plaintext = Zeroizing::new(Vec::with_capacity(KEY_LEN + 1 + name.len() + record.len()));
    plaintext.extend_from_slice(item.media_key.secret());
    // At most MAX_DISPLAY_NAME_LEN (64).
    plaintext.push(name.len() as u8);
    plaintext.extend_from_slice(name);
    plaintext.extend_from_slice(&record);
    seal_plaintext(
        link,
        item.media_id,
        &plaintext,
        guest.identity_secret(),
        eseed,
    )
}

/// Seals and signs a drop's plaintext (also for fuzzing the plaintext parser behind a
/// valid HPKE seal and signature).
pub(crate) fn seal_plaintext(
    link: &CollectLink,
    media_id: &MediaId,
    plaintext: &[u8],
    signer: &IdentitySecret,
    eseed: &Eseed,
) -> Result<Vec<u8>> {
    let header = header(link, media_id);
    let info = [LABEL_DROP, &header[..]].concat();
    let (enc, ct) = xwing::seal_base_with_randomness(&link.drop_key, eseed, &info, b"", plaintext)?;
    let mut out = Vec::with_capacity(DROP_FIXED_LEN + plaintext.len());
    out.extend_from_slice(&header);
    out.extend_from_slice(&enc[..]);
    out.extend_from_slice(&ct);
    let signature = signer.sign(&[LABEL_DROP_SIGNATURE, &out[..]].concat());
    out.extend_from_slice(&signature);
    Ok(out)
}

/// A drop's public header, read with no key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DropInfo {
    pub(crate) link_id: LinkId,
    pub(crate) album_id: AlbumId,
    pub(crate) epoch: u64,
    pub(crate) media_id: MediaId,
}

/// SPEC.md 5.13, drop steps 1-2.
pub(crate) fn inspect_drop(drop: &[u8]) -> Result<DropInfo> {
    if drop.len() > MAX_DROP_LEN {
        return Err(Error::TooLarge {
            what: "drop",
            len: drop.len() as u64,
            max: MAX_DROP_LEN as u64,
        });
    }
    let version = *drop.first().ok_or(malformed("empty"))?;
    if version != DROP_VERSION {
        return Err(Error::UnsupportedVersion(version));
    }
    let suite = *drop.get(1).ok_or(malformed("no suite byte"))?;
    if suite != SUITE_XWING {
        return Err(Error::UnsupportedSuite(suite));
    }
    if drop.len() < DROP_FIXED_LEN + KEY_LEN + 1 {
        return Err(malformed("drop cut short"));
    }
    let id = |at: usize| {
        let mut out = [0u8; ID_LEN];
        out.copy_from_slice(&drop[at..at + ID_LEN]);
        out
    };
    let mut epoch = [0u8; 8];
    epoch.copy_from_slice(&drop[34..42]);
    Ok(DropInfo {
        link_id: LinkId::from_bytes(id(2)),
        album_id: AlbumId::from_bytes(id(18)),
        epoch: u64::from_be_bytes(epoch),
        media_id: MediaId::from_bytes(id(42)),
    })
}

/// A drop, opened by a holder of the album key: who says they sent it (display name and
/// throwaway key), the item's verified manifest and metadata, and its media key (to review
/// the parts). Not `Clone`; `Debug` shows no key. Accept it with
/// [`Keyring::accept_drop`], or discard it (delete the drop and its parts on the server).
pub struct OpenedDrop {
    info: DropInfo,
    display_name: String,
    manifest: Manifest,
    metadata: Vec<u8>,
    media_key: MediaKey,
}

impl fmt::Debug for OpenedDrop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenedDrop")
            .field("info", &self.info)
            .field("display_name", &self.display_name)
            .field("uploader", &self.uploader_fingerprint())
            .field("metadata_len", &self.metadata.len())
            .field("media_key", &"[redacted]")
            .finish()
    }
}

/// Opens a drop with the album key of the collect link's album and epoch (SPEC.md 5.13,
/// drop steps 1-8): its header; its album and epoch; HPKE with the drop key; the name, the
/// item record and the manifest; the manifest's ids; the drop's signature under the
/// manifest's (throwaway) key; the manifest's signature; the metadata's hash.
///
/// # Errors
/// [`Error::TooLarge`] above [`MAX_DROP_LEN`]; [`Error::MalformedDrop`] (empty, no suite,
/// cut short; in the plaintext: a name empty, too long or not UTF-8, an unsigned record,
/// metadata above the cap); [`Error::UnsupportedVersion`]; [`Error::UnsupportedSuite`];
/// [`Error::DropWrongAlbum`] for a drop for another album or epoch;
/// [`Error::InvalidPublicKey`] for a low-order `enc`; [`Error::DecryptionFailed`];
/// the item record's and manifest's parse errors (SPEC.md 5.10);
/// [`Error::ProvenanceWrongItem`] for a manifest of another item, album or epoch;
/// [`Error::DropBadSignature`]; [`Error::ProvenanceBadSignature`];
/// [`Error::ProvenanceMismatch`] for metadata the manifest does not list.
pub fn open_drop(album: &AlbumKey, drop: &[u8]) -> Result<OpenedDrop> {
    let info = inspect_drop(drop)?;
    if info.album_id != album.album_id() || info.epoch != album.epoch() {
        return Err(Error::DropWrongAlbum);
    }
    let (signed, signature) = drop.split_at(drop.len() - SIGNATURE_LEN);
    let (header, rest) = signed.split_at(DROP_HEADER_LEN);
    let (enc, ct) = rest.split_at(xwing::ENC_LEN);
    let hpke_info = [LABEL_DROP, header].concat();
    let plaintext = Zeroizing::new(xwing::open_base(
        &drop_key(album),
        enc,
        &hpke_info,
        b"",
        ct,
    )?);
    let (key, rest) = plaintext.split_at(KEY_LEN);
    let media_key = MediaKey::from_slice(key)?;
    let (&name_len, rest) = rest.split_first().ok_or(malformed("plaintext cut short"))?;
    let name_len = usize::from(name_len);
    if name_len == 0 || name_len > MAX_DISPLAY_NAME_LEN || rest.len() < name_len {
        return Err(malformed("display name length"));
    }
    let (name, record) = rest.split_at(name_len);
    let display_name = std::str::from_utf8(name)
        .map_err(|_| malformed("display name is not UTF-8"))?
        .to_owned();
    let record = ItemRecord::parse(record)?;
    let manifest = record.manifest().ok_or(malformed("unsigned item record"))?;
    if record.metadata().len() > MAX_DROP_METADATA_LEN {
        return Err(malformed("metadata above the cap"));
    }
    let manifest = parse_manifest(manifest)?;
    if manifest.media_id() != info.media_id
        || manifest.album_id() != info.album_id
        || manifest.epoch() != info.epoch
    {
        return Err(Error::ProvenanceWrongItem);
    }
    let signature: &[u8; SIGNATURE_LEN] = signature
        .try_into()
        .map_err(|_| malformed("drop cut short"))?;
    if !manifest
        .uploader()
        .verify(&[LABEL_DROP_SIGNATURE, signed].concat(), signature)
    {
        return Err(Error::DropBadSignature);
    }
    if !manifest.signature_verifies() {
        return Err(Error::ProvenanceBadSignature);
    }
    let metadata = record.metadata();
    let listed = manifest.part(PartKind::Metadata);
    if listed.is_none_or(|p| {
        p.plaintext_len != metadata.len() as u64 || p.root != metadata_hash(metadata)
    }) {
        return Err(Error::ProvenanceMismatch { what: "metadata" });
    }
    Ok(OpenedDrop {
        info,
        display_name,
        metadata: metadata.to_vec(),
        manifest,
        media_key,
    })
}

impl OpenedDrop {
    /// The collect link the drop was made with.
    pub fn link_id(&self) -> LinkId {
        self.info.link_id
    }

    /// The item's media id.
    pub fn media_id(&self) -> MediaId {
        self.info.media_id
    }

    /// The album the drop is for.
    pub fn album_id(&self) -> AlbumId {
        self.info.album_id
    }

    /// The epoch the drop is for.
    pub fn epoch(&self) -> u64 {
        self.info.epoch
    }

    /// The name the guest gave (bounded UTF-8, signed, but chosen by the guest: a claim,
    /// not an identity).
    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    /// The guest's throwaway identity: it signed the drop and the manifest.
    pub fn uploader(&self) -> &IdentityPublicKey {
        self.manifest.uploader()
    }

    /// The throwaway identity's fingerprint (SPEC.md 5.7): two drops with the same one come
    /// from the same guest session.
    pub fn uploader_fingerprint(&self) -> String {
        crate::sharing::fingerprint(self.manifest.uploader())
    }

    /// The item's manifest (signed by the throwaway key).
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The item's metadata.
    pub fn metadata(&self) -> &[u8] {
        &self.metadata
    }

    /// Checks a sealed part the guest uploaded against the drop's manifest, with no key
    /// (SPEC.md 5.10, "Verifying a part").
    ///
    /// # Errors
    /// As [`crate::provenance::VerifiedItem::verify_part`].
    pub fn verify_part(&self, kind: MediaKind, sealed: &[u8]) -> Result<PartHashes> {
        crate::provenance::verify_sealed_part(&self.manifest, kind, sealed)
    }

    /// Checks a sealed part against the manifest ([`OpenedDrop::verify_part`]), then opens
    /// it with the drop's media key, for the owner to review.
    ///
    /// # Errors
    /// As [`OpenedDrop::verify_part`] and [`crate::stream::open`].
    pub fn open_part(&self, kind: MediaKind, sealed: &[u8]) -> Result<Vec<u8>> {
        self.verify_part(kind, sealed)?;
        crate::stream::open_with(
            &self.media_key,
            &self.info.media_id,
            kind,
            sealed,
            &OpenOptions::default(),
        )
    }
}

/// What accepting a drop produces for the album: the media key wrapped under the album
/// key, and the item's metadata envelope holding an item record whose manifest the owner
/// signed (the parts stay as the guest uploaded them). Store both beside the parts, with
/// the epoch, as for any item.
#[derive(Debug)]
pub struct AcceptedDrop {
    /// The item.
    pub media_id: MediaId,
    /// The epoch the item is sealed under.
    pub epoch: u64,
    /// The media key, wrapped under the album key (SPEC.md 4.3).
    pub wrapped_media_key: Vec<u8>,
    /// The item's metadata envelope (SPEC.md 4.2, purpose `0x01`), holding the item record
    /// the owner signed.
    pub metadata_envelope: Vec<u8>,
}

impl Keyring {
    /// Accepts an opened drop into the album (SPEC.md 5.13): wraps its media key under
    /// `album` and signs the item's manifest as this account (the same parts, album and
    /// epoch; `history` is the owner's newest verified album history entry, 5.12), so the
    /// item verifies like any other with this account as uploader. Review the parts
    /// ([`OpenedDrop::open_part`]) first.
    ///
    /// # Errors
    /// [`Error::DropWrongAlbum`] if `album` is not the drop's album and epoch;
    /// [`Error::TooLarge`], [`Error::RandomnessUnavailable`].
    pub fn accept_drop(
        &self,
        album: &AlbumKey,
        drop: &OpenedDrop,
        history: &[u8; HASH_LEN],
    ) -> Result<AcceptedDrop> {
        if album.album_id() != drop.info.album_id || album.epoch() != drop.info.epoch {
            return Err(Error::DropWrongAlbum);
        }
        let media_id = drop.info.media_id;
        let parts: Vec<PartEntry> = drop
            .manifest
            .parts()
            .iter()
            .filter(|p| p.kind != PartKind::Metadata)
            .copied()
            .collect();
        let record = Zeroizing::new(self.sign_item(
            &media_id,
            album.album_id(),
            album.epoch(),
            history,
            &parts,
            &drop.metadata,
        )?);
        Ok(AcceptedDrop {
            media_id,
            epoch: album.epoch(),
            wrapped_media_key: album.wrap_media_key(&media_id, &drop.media_key)?,
            metadata_envelope: drop
                .media_key
                .seal_blob(&media_id, MediaBlob::Metadata, &record)?,
        })
    }
}
