//! Public and collect links (SPEC.md 5.13): an album epoch, a selection or a drop box shared
//! with anyone who has a URL. The URL's fragment holds the link secret, so the URL and the
//! fragment cross the boundary only inside a [`LinkText`], whose string forms are redacted.

use std::ops::Deref;
use std::sync::Arc;

use keepsake::AlbumId;
use keepsake::Zeroizing;
use keepsake::link::{self as core_link, AlbumLink, LinkId, SelectionLink};
use keepsake::selection;

use crate::account::{AlbumKey, KdfParams, Keyring, hex, identity_key};
use crate::error::{KeepsakeError, Result};
use crate::history::entry_hash;
use crate::media::{MediaKey, MediaKind, item, parse_media_id};
use crate::provenance::{PartEntry, PartHashes};
use crate::selection::{SelectedItem, Selection, with_core_items};

/// A core value a binding object owns, or one inside an opened link it keeps (the core
/// lends an opened link's album key and selection; neither is `Clone`, by design).
pub(crate) enum Held<T, L> {
    Own(T),
    Link(Box<L>),
}

/// What an opened link lends.
pub(crate) trait Lends<T> {
    fn lent(&self) -> &T;
}

impl Lends<keepsake::AlbumKey> for AlbumLink {
    fn lent(&self) -> &keepsake::AlbumKey {
        self.album()
    }
}

impl Lends<selection::Selection> for SelectionLink {
    fn lent(&self) -> &selection::Selection {
        self.selection()
    }
}

impl<T, L: Lends<T>> Deref for Held<T, L> {
    type Target = T;

    fn deref(&self) -> &T {
        match self {
            Self::Own(value) => value,
            Self::Link(link) => link.lent(),
        }
    }
}

impl<T, L> From<T> for Held<T, L> {
    fn from(value: T) -> Self {
        Self::Own(value)
    }
}

/// What a link record opens to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum LinkKind {
    /// An album at one epoch.
    Album,
    /// A selection of items and parts.
    Selection,
    /// A collect link (drop box).
    Collect,
}

impl LinkKind {
    fn from_core(kind: u8) -> Result<Self> {
        match kind {
            core_link::KIND_ALBUM => Ok(Self::Album),
            core_link::KIND_SELECTION => Ok(Self::Selection),
            core_link::KIND_COLLECT => Ok(Self::Collect),
            _ => Err(keepsake::Error::MalformedLink {
                reason: "unknown record kind",
            }
            .into()),
        }
    }
}

/// A link's URL or fragment: it holds the link secret. `reveal()` gives the text to show
/// the user (never send the fragment to a server); string forms are redacted. Wiped on drop.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct LinkText {
    text: Zeroizing<String>,
    what: &'static str,
}

#[uniffi::export]
impl LinkText {
    /// The text itself (a SECRET: it opens the link).
    pub fn reveal(&self) -> String {
        self.text.to_string()
    }
}

impl std::fmt::Debug for LinkText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LinkText({}, redacted)", self.what)
    }
}

impl std::fmt::Display for LinkText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// A password for a new link and the Argon2id parameters it is stretched with (checked
/// against the passphrase slot's floor and ceiling). Choose them for the slowest device
/// that will open the link. Wiped on drop; string forms show only the parameters.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct LinkPassword {
    password: Zeroizing<String>,
    params: keepsake::kdf::KdfParams,
}

#[uniffi::export]
impl LinkPassword {
    /// A link password.
    ///
    /// # Errors
    /// `KdfParamsTooWeak` / `KdfParamsTooCostly`.
    #[uniffi::constructor]
    pub fn new(password: String, params: KdfParams) -> Result<Arc<Self>> {
        Ok(Arc::new(Self {
            password: Zeroizing::new(password),
            params: params.to_core()?,
        }))
    }

    /// The Argon2id parameters.
    pub fn params(&self) -> KdfParams {
        KdfParams::from_core(self.params)
    }
}

impl LinkPassword {
    fn to_core(&self) -> core_link::LinkPassword<'_> {
        core_link::LinkPassword {
            password: &self.password,
            params: self.params,
        }
    }
}

impl std::fmt::Debug for LinkPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "LinkPassword(m {} KiB, t {}, p {}, password redacted)",
            self.params.memory_kib(),
            self.params.iterations(),
            self.params.parallelism()
        )
    }
}

impl std::fmt::Display for LinkPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// A link just created: store `record()` on the server under `link_id()`; give the guest
/// `url(origin)`. Holds the link secret (wiped on drop); string forms show none.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct NewLink {
    inner: core_link::NewLink,
}

#[uniffi::export]
impl NewLink {
    /// The link id (16 bytes): the record's name on the server.
    pub fn link_id(&self) -> Vec<u8> {
        self.inner.link_id.as_bytes().to_vec()
    }

    /// The record to store on the server (ciphertext to the link key).
    pub fn record(&self) -> Vec<u8> {
        self.inner.record.clone()
    }

    /// Whether opening needs a password.
    pub fn needs_password(&self) -> bool {
        self.inner.needs_password()
    }

    /// The URL's fragment, without `#` (46 characters; SECRET).
    pub fn fragment(&self) -> Arc<LinkText> {
        Arc::new(LinkText {
            text: self.inner.fragment(),
            what: "fragment",
        })
    }

    /// The whole URL `<origin>/l/<link id>#<fragment>` (SECRET), for an origin such as
    /// `https://example.org`.
    pub fn url(&self, origin: String) -> Arc<LinkText> {
        Arc::new(LinkText {
            text: self.inner.url(&origin),
            what: "url",
        })
    }

    /// The address a guest parses from the URL.
    pub fn address(&self) -> Arc<LinkAddress> {
        Arc::new(LinkAddress {
            inner: self.inner.address(),
        })
    }
}

impl std::fmt::Debug for NewLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "NewLink(id {}, record {} bytes, password {}, secret redacted)",
            self.inner.link_id,
            self.inner.record.len(),
            self.inner.needs_password()
        )
    }
}

impl std::fmt::Display for NewLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

fn new_link(inner: keepsake::Result<core_link::NewLink>) -> Result<Arc<NewLink>> {
    Ok(Arc::new(NewLink { inner: inner? }))
}

/// Creates a public link to `album` (its epoch): the URL opens every item sealed under it.
/// `history_entry` is the album history entry hash the link relies on, `owner` the album
/// owner's identity public key.
///
/// # Errors
/// `InvalidLength` / `InvalidPublicKey`; Argon2id's (`OutOfMemory`);
/// `RandomnessUnavailable`.
#[uniffi::export(default(password = None))]
pub fn create_album_link(
    album: Arc<AlbumKey>,
    history_entry: Vec<u8>,
    owner: Vec<u8>,
    password: Option<Arc<LinkPassword>>,
) -> Result<Arc<NewLink>> {
    let password = password.as_deref().map(LinkPassword::to_core);
    new_link(core_link::create_album_link(
        &album.inner,
        &entry_hash(&history_entry)?,
        &identity_key(&owner)?,
        password.as_ref(),
    ))
}

/// Creates a public link to exactly the chosen parts of the chosen items (as
/// `Keyring::grant_selection`); `expires_at` (Unix seconds) is shown to the guest.
///
/// # Errors
/// As `Keyring::grant_selection` for the items; as `create_album_link`.
#[uniffi::export(default(password = None))]
pub fn create_selection_link(
    album_id: Vec<u8>,
    history_entry: Vec<u8>,
    expires_at: u64,
    owner: Vec<u8>,
    items: Vec<SelectedItem>,
    password: Option<Arc<LinkPassword>>,
) -> Result<Arc<NewLink>> {
    let password = password.as_deref().map(LinkPassword::to_core);
    let (album_id, history, owner) = (
        AlbumId::from_slice(&album_id)?,
        entry_hash(&history_entry)?,
        identity_key(&owner)?,
    );
    with_core_items(&items, |items| {
        new_link(core_link::create_selection_link(
            album_id,
            &history,
            expires_at,
            &owner,
            items,
            password.as_ref(),
        ))
    })
}

/// Creates a collect link (drop box) for `album`'s epoch: guests seal items to the album
/// (`CollectLink::seal_drop`) and open nothing in it.
///
/// # Errors
/// As `create_album_link`.
#[uniffi::export(default(password = None))]
pub fn create_collect_link(
    album: Arc<AlbumKey>,
    history_entry: Vec<u8>,
    owner: Vec<u8>,
    password: Option<Arc<LinkPassword>>,
) -> Result<Arc<NewLink>> {
    let password = password.as_deref().map(LinkPassword::to_core);
    new_link(core_link::create_collect_link(
        &album.inner,
        &entry_hash(&history_entry)?,
        &identity_key(&owner)?,
        password.as_ref(),
    ))
}

/// Where a link points (its id, from the URL's path) and what its fragment holds (the
/// secret, the password flag). Holds the link secret; string forms show none.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct LinkAddress {
    inner: core_link::LinkAddress,
}

/// Parses a link URL `https://<host>/l/<32 hex>#<fragment>`.
///
/// # Errors
/// `MalformedLink` (shape, id, fragment), `TooLarge` above 2048 bytes,
/// `UnsupportedVersion`.
#[uniffi::export]
pub fn parse_link_url(url: String) -> Result<Arc<LinkAddress>> {
    let url = Zeroizing::new(url);
    Ok(Arc::new(LinkAddress {
        inner: core_link::parse_url(&url)?,
    }))
}

/// Parses a fragment (without `#`) for the link `link_id` (16 bytes).
///
/// # Errors
/// `InvalidLength` for the id; `MalformedLink`, `UnsupportedVersion`.
#[uniffi::export]
pub fn parse_link_fragment(link_id: Vec<u8>, fragment: String) -> Result<Arc<LinkAddress>> {
    let fragment = Zeroizing::new(fragment);
    let id = <[u8; core_link::LINK_ID_LEN]>::try_from(link_id.as_slice()).map_err(|_| {
        keepsake::Error::InvalidLength {
            what: "link id",
            expected: core_link::LINK_ID_LEN,
            got: link_id.len(),
        }
    })?;
    Ok(Arc::new(LinkAddress {
        inner: core_link::parse_fragment(LinkId::from_bytes(id), &fragment)?,
    }))
}

#[uniffi::export]
impl LinkAddress {
    /// The link id (16 bytes): fetch the record of this name.
    pub fn link_id(&self) -> Vec<u8> {
        self.inner.link_id.as_bytes().to_vec()
    }

    /// Whether the fragment says a password is needed (ask before fetching).
    pub fn needs_password(&self) -> bool {
        self.inner.needs_password
    }
}

impl std::fmt::Debug for LinkAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "LinkAddress(id {}, password {}, secret redacted)",
            self.inner.link_id, self.inner.needs_password
        )
    }
}

impl std::fmt::Display for LinkAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// A record's public header, read with no key (nothing authenticated). Compared by value.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct LinkRecordInfo {
    /// What the link opens to.
    pub kind: LinkKind,
    /// The link id the record names (16 bytes).
    pub link_id: Vec<u8>,
    /// Argon2id's parameters, for a link with a password.
    pub password: Option<KdfParams>,
}

/// Reads a link record's public header with no key.
///
/// # Errors
/// `TooLarge`, `MalformedLink`, `UnsupportedVersion`, `KdfParamsTooWeak` /
/// `KdfParamsTooCostly`.
#[uniffi::export]
pub fn inspect_link_record(record: Vec<u8>) -> Result<LinkRecordInfo> {
    let info = core_link::inspect_record(&record)?;
    Ok(LinkRecordInfo {
        kind: LinkKind::from_core(info.kind)?,
        link_id: info.link_id.as_bytes().to_vec(),
        password: info.password.map(KdfParams::from_core),
    })
}

/// What a link opened to, by its kind. `owner` is the album owner's identity public key
/// (verify the album history against it before trusting uploaders), `history_entry` the
/// album history entry hash the link relies on.
#[derive(uniffi::Enum)]
pub enum OpenedLink {
    /// An album at one epoch: its key opens every item sealed under that epoch.
    Album {
        /// The album key.
        album: Arc<AlbumKey>,
        /// The history entry hash (32 bytes).
        history_entry: Vec<u8>,
        /// The owner's identity public key (1248 bytes).
        owner: Vec<u8>,
    },
    /// A selection: its parts, opened as an accepted selection grant's.
    Selection {
        /// The selection (its `info()` has an all-zero recipient and the link id as
        /// selection id).
        selection: Arc<Selection>,
        /// The history entry hash (32 bytes).
        history_entry: Vec<u8>,
        /// The owner's identity public key (1248 bytes).
        owner: Vec<u8>,
    },
    /// A collect link: what a guest needs to add items, nothing that opens any.
    Collect {
        /// The collect link.
        link: Arc<CollectLink>,
    },
}

/// Opens a link record fetched from the server for `address`, with the password if the
/// link has one (a password given to a link without one is ignored).
///
/// # Errors
/// As `inspect_link_record`; `LinkWrongId` for another link's record; `MalformedLink` if
/// URL and record disagree on the password; `LinkPasswordRequired`; `DecryptionFailed` for
/// a wrong password, another link's fragment or an altered record; the payload's errors.
#[uniffi::export(default(password = None))]
pub fn open_link(
    address: Arc<LinkAddress>,
    record: Vec<u8>,
    password: Option<String>,
) -> Result<OpenedLink> {
    let password = password.map(Zeroizing::new);
    let opened = core_link::open_link(&address.inner, &record, password.as_deref().map(|p| &**p))?;
    Ok(match opened {
        core_link::OpenedLink::Album(link) => OpenedLink::Album {
            history_entry: link.history().to_vec(),
            owner: link.owner().to_bytes(),
            album: Arc::new(AlbumKey {
                inner: Held::Link(link),
            }),
        },
        core_link::OpenedLink::Selection(link) => OpenedLink::Selection {
            history_entry: link.history().to_vec(),
            owner: link.owner().to_bytes(),
            selection: Arc::new(Selection {
                inner: Held::Link(link),
            }),
        },
        core_link::OpenedLink::Collect(link) => OpenedLink::Collect {
            link: Arc::new(CollectLink { inner: *link }),
        },
    })
}

/// An opened collect link: the album id, epoch, history entry, owner and the epoch's drop
/// key (public). Holds no secret.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct CollectLink {
    inner: core_link::CollectLink,
}

#[uniffi::export]
impl CollectLink {
    /// The link id (16 bytes); every drop names it.
    pub fn link_id(&self) -> Vec<u8> {
        self.inner.link_id().as_bytes().to_vec()
    }

    /// The album drops go to (16 bytes).
    pub fn album_id(&self) -> Vec<u8> {
        self.inner.album_id().as_bytes().to_vec()
    }

    /// The epoch drops are sealed for.
    pub fn epoch(&self) -> u64 {
        self.inner.epoch()
    }

    /// The history entry hash the link relies on (32 bytes).
    pub fn history_entry(&self) -> Vec<u8> {
        self.inner.history().to_vec()
    }

    /// The owner's identity public key (1248 bytes).
    pub fn owner(&self) -> Vec<u8> {
        self.inner.owner().to_bytes()
    }

    /// The epoch's drop key (an X-Wing public key, 1216 bytes).
    pub fn drop_key(&self) -> Vec<u8> {
        self.inner.drop_key().as_bytes().to_vec()
    }

    /// Seals one item for this link (the guest's side): the guest seals each part under
    /// a fresh `media_key` (`MediaKey::seal_part`), uploads them, and passes their entries
    /// here; a throwaway identity signs. `display_name` is what the owner sees.
    ///
    /// # Errors
    /// `MalformedDrop` for an empty or too long name (64 bytes) or metadata above 64 KiB;
    /// `MalformedManifest` for refused parts; `InvalidLength`; `RandomnessUnavailable`.
    pub fn seal_drop(
        &self,
        media_id: Vec<u8>,
        media_key: Arc<MediaKey>,
        display_name: String,
        parts: Vec<PartEntry>,
        metadata: Vec<u8>,
    ) -> Result<Vec<u8>> {
        let parts = parts
            .iter()
            .map(PartEntry::to_core)
            .collect::<Result<Vec<_>>>()?;
        Ok(core_link::seal_drop(
            &self.inner,
            &parse_media_id(&media_id)?,
            &media_key.inner,
            &display_name,
            &parts,
            &metadata,
        )?)
    }
}

impl std::fmt::Debug for CollectLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CollectLink(id {}, album {}, epoch {})",
            self.inner.link_id(),
            hex(self.inner.album_id().as_bytes()),
            self.inner.epoch()
        )
    }
}

impl std::fmt::Display for CollectLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// Opens a drop with the album key of the collect link's album and epoch (the owner's
/// side): the guest's display name and throwaway identity, the verified manifest, the
/// metadata, and its media key to review the parts.
///
/// # Errors
/// `TooLarge`, `MalformedDrop`, `UnsupportedVersion`, `UnsupportedSuite`,
/// `DropWrongAlbum` (another album or epoch: a drop replayed elsewhere),
/// `InvalidPublicKey`, `DecryptionFailed`, the manifest's parse errors,
/// `ProvenanceWrongItem`, `DropBadSignature`, `ProvenanceBadSignature`,
/// `ProvenanceMismatch`.
#[uniffi::export]
pub fn open_drop(album: Arc<AlbumKey>, drop: Vec<u8>) -> Result<Arc<OpenedDrop>> {
    Ok(Arc::new(OpenedDrop {
        inner: core_link::open_drop(&album.inner, &drop)?,
    }))
}

/// A drop opened by the owner: accept it (`Keyring::accept_drop`) or discard it. Holds the
/// item's media key (wiped on drop); string forms show none.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct OpenedDrop {
    inner: core_link::OpenedDrop,
}

#[uniffi::export]
impl OpenedDrop {
    /// The collect link the drop was made with (16 bytes).
    pub fn link_id(&self) -> Vec<u8> {
        self.inner.link_id().as_bytes().to_vec()
    }

    /// The item's media id (16 bytes).
    pub fn media_id(&self) -> Vec<u8> {
        self.inner.media_id().as_bytes().to_vec()
    }

    /// The album (16 bytes).
    pub fn album_id(&self) -> Vec<u8> {
        self.inner.album_id().as_bytes().to_vec()
    }

    /// The epoch.
    pub fn epoch(&self) -> u64 {
        self.inner.epoch()
    }

    /// The name the guest gave (signed, but a claim, not an identity).
    pub fn display_name(&self) -> String {
        self.inner.display_name().to_owned()
    }

    /// The guest's throwaway identity public key (1248 bytes).
    pub fn uploader(&self) -> Vec<u8> {
        self.inner.uploader().to_bytes()
    }

    /// The throwaway identity's safety number: equal for drops of one guest session.
    pub fn uploader_fingerprint(&self) -> String {
        self.inner.uploader_fingerprint()
    }

    /// The item's metadata.
    pub fn metadata(&self) -> Vec<u8> {
        self.inner.metadata().to_vec()
    }

    /// The manifest's parts (the metadata part included).
    pub fn parts(&self) -> Result<Vec<PartEntry>> {
        self.inner
            .manifest()
            .parts()
            .iter()
            .map(PartEntry::from_core)
            .collect()
    }

    /// Checks a sealed part against the manifest, with no key.
    ///
    /// # Errors
    /// Header errors, `TruncatedStream`, `ProvenanceMismatch`.
    pub fn verify_part(&self, kind: MediaKind, sealed: Vec<u8>) -> Result<PartHashes> {
        Ok(PartHashes::from_core(
            &self.inner.verify_part(kind.into(), &sealed)?,
        ))
    }

    /// Checks a sealed part, then opens it with the drop's media key, for review.
    ///
    /// # Errors
    /// As `verify_part` and `MediaKey::open`.
    pub fn open_part(&self, kind: MediaKind, sealed: Vec<u8>) -> Result<Vec<u8>> {
        self.inner
            .open_part(kind.into(), &sealed)
            .map_err(|e| KeepsakeError::about(e, item(&self.media_id(), kind)))
    }
}

impl std::fmt::Debug for OpenedDrop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "OpenedDrop(item {}, album {}, epoch {}, from {:?} {}, media key redacted)",
            hex(self.inner.media_id().as_bytes()),
            hex(self.inner.album_id().as_bytes()),
            self.inner.epoch(),
            self.inner.display_name(),
            self.inner.uploader_fingerprint()
        )
    }
}

impl std::fmt::Display for OpenedDrop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// An accepted drop: store the wrapped media key and the metadata envelope beside the
/// guest's parts, with the epoch, as for any item. Public data. Compared by value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
#[uniffi::export(Eq, Hash)]
pub struct AcceptedDrop {
    /// The item's media id (16 bytes).
    pub media_id: Vec<u8>,
    /// The epoch it is sealed under.
    pub epoch: u64,
    /// The media key wrapped under the album key.
    pub wrapped_media_key: Vec<u8>,
    /// The metadata envelope holding the item record this account signed.
    pub metadata_envelope: Vec<u8>,
}

#[uniffi::export]
impl Keyring {
    /// Accepts an opened drop into the album: wraps its media key under `album` and signs
    /// the item's manifest as this account (`history_entry`: the owner's newest verified
    /// album history entry hash). Review the parts first.
    ///
    /// # Errors
    /// `DropWrongAlbum` if `album` is not the drop's album and epoch; `InvalidLength`;
    /// `TooLarge`; `RandomnessUnavailable`.
    pub fn accept_drop(
        &self,
        album: Arc<AlbumKey>,
        drop: Arc<OpenedDrop>,
        history_entry: Vec<u8>,
    ) -> Result<AcceptedDrop> {
        let accepted =
            self.inner
                .accept_drop(&album.inner, &drop.inner, &entry_hash(&history_entry)?)?;
        Ok(AcceptedDrop {
            media_id: accepted.media_id.as_bytes().to_vec(),
            epoch: accepted.epoch,
            wrapped_media_key: accepted.wrapped_media_key,
            metadata_envelope: accepted.metadata_envelope,
        })
    }
}
