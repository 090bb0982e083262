//! What a link record holds once opened (SPEC.md 5.13), per kind:
//!
//! ```text
//! album      = album id (16) || be64(epoch) || album key (32) || history (32) || owner (1248)
//! selection  = album id (16) || history (32) || be64(expires_at) || owner (1248) || be16(n)
//!              || selection body of n items (SPEC.md 5.11)
//! collect    = album id (16) || be64(epoch) || history (32) || owner (1248) || drop key (1216)
//! ```
//!
//! `owner` is the album owner's identity public key, from which the guest verifies the
//! album history (5.12) the server serves; `history` is the entry the link relies on.

use zeroize::Zeroizing;

use super::{
    KIND_ALBUM, KIND_COLLECT, KIND_SELECTION, LinkDraws, LinkId, LinkPassword, NewLink, malformed,
    seal_record,
};
use crate::history::HASH_LEN;
use crate::hpke::xwing::{self, XWingPublicKey};
use crate::identity::{IDENTITY_PUBLIC_LEN, IdentityPublicKey};
use crate::selection::{
    MAX_ITEM_LEN, MAX_SELECTION_ITEMS, SELECTION_ID_LEN, SelectedItem, Selection, SelectionInfo,
};
use crate::{AlbumId, AlbumKey, Error, ID_LEN, KEY_LEN, Result};

/// Length of an album link's payload.
pub const ALBUM_PAYLOAD_LEN: usize = ID_LEN + 8 + KEY_LEN + HASH_LEN + IDENTITY_PUBLIC_LEN;
/// Length of a collect link's payload.
pub const COLLECT_PAYLOAD_LEN: usize =
    ID_LEN + 8 + HASH_LEN + IDENTITY_PUBLIC_LEN + xwing::PUBLIC_KEY_LEN;
/// Bytes of a selection link's payload before its body.
pub const SELECTION_PAYLOAD_FIXED_LEN: usize = ID_LEN + HASH_LEN + 8 + IDENTITY_PUBLIC_LEN + 2;
/// Longest payload: a selection of the most items of the longest length.
pub(crate) const MAX_PAYLOAD_LEN: usize =
    SELECTION_PAYLOAD_FIXED_LEN + MAX_SELECTION_ITEMS * MAX_ITEM_LEN;

/// An opened album link: the album key of one epoch (it opens every item sealed under
/// that epoch, and nothing sealed under a later one), the history entry it relies on and
/// the owner's identity. Not `Clone`; `Debug` shows no key.
#[derive(Debug)]
pub struct AlbumLink {
    album: AlbumKey,
    history: [u8; HASH_LEN],
    owner: IdentityPublicKey,
}

impl AlbumLink {
    /// The album key (its album id and epoch included).
    pub fn album(&self) -> &AlbumKey {
        &self.album
    }

    /// The album history entry the link relies on (SPEC.md 5.12).
    pub fn history(&self) -> &[u8; HASH_LEN] {
        &self.history
    }

    /// The album owner's identity: verify the album history the server serves against it
    /// ([`crate::history::verify_history`]) before trusting any uploader.
    pub fn owner(&self) -> &IdentityPublicKey {
        &self.owner
    }
}

/// An opened selection link: the selection's part keys (SPEC.md 5.11), opened as an
/// accepted selection grant is. For a link, [`Selection::info`] has an all-zero
/// `recipient`, the link id as `selection_id`, and the owner's digest as `sender`;
/// [`Selection::sender`] is the owner the link names, authenticated only by the link's
/// secret (whoever made the link), not by a signature.
#[derive(Debug)]
pub struct SelectionLink {
    selection: Selection,
    history: [u8; HASH_LEN],
}

impl SelectionLink {
    /// The selection: its items, part keys and manifests.
    pub fn selection(&self) -> &Selection {
        &self.selection
    }

    /// The album history entry the link relies on (SPEC.md 5.12).
    pub fn history(&self) -> &[u8; HASH_LEN] {
        &self.history
    }

    /// The album owner's identity.
    pub fn owner(&self) -> &IdentityPublicKey {
        self.selection.sender()
    }
}

/// An opened collect link: what a guest needs to add items to an album, and nothing that
/// opens any: the album id, the epoch, the history entry, the owner's identity and the
/// epoch's drop key (an X-Wing public key, SPEC.md 5.13).
#[derive(Clone, Debug)]
pub struct CollectLink {
    pub(crate) link_id: LinkId,
    pub(crate) album_id: AlbumId,
    pub(crate) epoch: u64,
    pub(crate) history: [u8; HASH_LEN],
    pub(crate) owner: IdentityPublicKey,
    pub(crate) drop_key: XWingPublicKey,
}

impl CollectLink {
    /// The link's id (every drop names it).
    pub fn link_id(&self) -> LinkId {
        self.link_id
    }

    /// The album drops go to.
    pub fn album_id(&self) -> AlbumId {
        self.album_id
    }

    /// The epoch drops are sealed for.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The album history entry the link relies on.
    pub fn history(&self) -> &[u8; HASH_LEN] {
        &self.history
    }

    /// The album owner's identity.
    pub fn owner(&self) -> &IdentityPublicKey {
        &self.owner
    }

    /// The epoch's drop key.
    pub fn drop_key(&self) -> &XWingPublicKey {
        &self.drop_key
    }
}

/// What a link opened to, by the record's kind.
#[derive(Debug)]
pub enum OpenedLink {
    /// An album at one epoch.
    Album(Box<AlbumLink>),
    /// A selection of items and parts.
    Selection(Box<SelectionLink>),
    /// A collect link (drop box).
    Collect(Box<CollectLink>),
}

/// Reads a payload front to back; lengths are checked before use.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8]> {
        if self.0.len() < len {
            return Err(malformed("payload cut short"));
        }
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
}

/// Parses an opened payload of `kind` (SPEC.md 5.13, record step 10).
pub(super) fn parse(kind: u8, link_id: &LinkId, payload: &[u8]) -> Result<OpenedLink> {
    let mut c = Cursor(payload);
    let album_id = AlbumId::from_bytes(c.array()?);
    let opened = match kind {
        KIND_ALBUM => {
            let epoch = u64::from_be_bytes(c.array()?);
            let key = Zeroizing::new(c.array::<KEY_LEN>()?);
            let history = c.array()?;
            let owner = IdentityPublicKey::from_slice(c.take(IDENTITY_PUBLIC_LEN)?)?;
            OpenedLink::Album(Box::new(AlbumLink {
                album: AlbumKey::from_bytes(album_id, epoch, *key),
                history,
                owner,
            }))
        }
        KIND_COLLECT => {
            let epoch = u64::from_be_bytes(c.array()?);
            let history = c.array()?;
            let owner = IdentityPublicKey::from_slice(c.take(IDENTITY_PUBLIC_LEN)?)?;
            let drop_key = XWingPublicKey::from_slice(c.take(xwing::PUBLIC_KEY_LEN)?)?;
            OpenedLink::Collect(Box::new(CollectLink {
                link_id: *link_id,
                album_id,
                epoch,
                history,
                owner,
                drop_key,
            }))
        }
        KIND_SELECTION => {
            let history = c.array()?;
            let expires_at = u64::from_be_bytes(c.array()?);
            let owner = IdentityPublicKey::from_slice(c.take(IDENTITY_PUBLIC_LEN)?)?;
            let count = usize::from(u16::from_be_bytes(c.array()?));
            if count == 0 {
                return Err(malformed("a selection link with no items"));
            }
            if count > MAX_SELECTION_ITEMS {
                return Err(Error::TooLarge {
                    what: "selection items",
                    len: count as u64,
                    max: MAX_SELECTION_ITEMS as u64,
                });
            }
            let mut selection_id = [0u8; SELECTION_ID_LEN];
            selection_id.copy_from_slice(link_id.as_bytes());
            let info = SelectionInfo {
                sender: owner.digest(),
                recipient: [0; 32],
                album_id,
                selection_id,
                expires_at,
                history,
                item_count: count,
            };
            let items = crate::selection::body::parse(c.take(c.0.len())?, &info)?;
            OpenedLink::Selection(Box::new(SelectionLink {
                selection: Selection::new(info, owner, items),
                history,
            }))
        }
        _ => return Err(malformed("unknown record kind")),
    };
    if !c.0.is_empty() {
        return Err(malformed("bytes after the payload"));
    }
    Ok(opened)
}

/// Creates a public link to `album` (one album at one epoch, SPEC.md 5.13): anyone with the
/// URL (and the password, if one is given) opens every item sealed under this epoch, and
/// nothing sealed after the album moves to a new epoch. `history` is the album history
/// entry the link relies on; `owner` is the album owner's identity (the guest verifies the
/// history against it). Store [`NewLink::record`] on the server under the link id; give
/// the guest [`NewLink::url`]. Revoke by deleting the record, and move the album to a new
/// epoch (an epoch move in its history, [`crate::account::Keyring::append_history`] with
/// [`crate::history::HistoryAction::EpochMove`], then the new epoch's key granted to the
/// members with [`crate::account::Keyring::grant_album`]) so that a copied record opens
/// nothing added later.
///
/// # Errors
/// [`Error::KdfParamsTooWeak`] / [`Error::KdfParamsTooCostly`]; [`Error::OutOfMemory`]
/// (Argon2id); [`Error::RandomnessUnavailable`].
pub fn create_album_link(
    album: &AlbumKey,
    history: &[u8; HASH_LEN],
    owner: &IdentityPublicKey,
    password: Option<&LinkPassword<'_>>,
) -> Result<NewLink> {
    let draws = LinkDraws::random()?;
    epoch_link_with(KIND_ALBUM, album, history, owner, password, &draws)
}

/// An album or collect link of `album`'s epoch: `album id || be64(epoch)`, then the album
/// key for an album link, then `history || owner`, then the drop key for a collect link.
pub(crate) fn epoch_link_with(
    kind: u8,
    album: &AlbumKey,
    history: &[u8; HASH_LEN],
    owner: &IdentityPublicKey,
    password: Option<&LinkPassword<'_>>,
    draws: &LinkDraws,
) -> Result<NewLink> {
    let mut payload = Zeroizing::new(Vec::with_capacity(COLLECT_PAYLOAD_LEN));
    payload.extend_from_slice(album.album_id().as_bytes());
    payload.extend_from_slice(&album.epoch().to_be_bytes());
    match kind {
        KIND_ALBUM => payload.extend_from_slice(album.secret()),
        KIND_COLLECT => {}
        _ => return Err(malformed("not an album or collect link")),
    }
    payload.extend_from_slice(history);
    payload.extend_from_slice(&owner.to_bytes());
    if kind == KIND_COLLECT {
        payload.extend_from_slice(super::drop_key(album).public_key().as_bytes());
    }
    seal_record(kind, &payload, password, draws)
}

/// Creates a public link to exactly the chosen parts of the chosen items (SPEC.md 5.13,
/// with the selection body of 5.11: part keys, never a media key). `expires_at` (Unix
/// seconds) is shown to the guest; the server enforces it by deleting the record.
///
/// # Errors
/// As [`crate::account::Keyring::grant_selection`] for the items; as
/// [`create_album_link`].
pub fn create_selection_link(
    album_id: AlbumId,
    history: &[u8; HASH_LEN],
    expires_at: u64,
    owner: &IdentityPublicKey,
    items: &[SelectedItem<'_>],
    password: Option<&LinkPassword<'_>>,
) -> Result<NewLink> {
    let draws = LinkDraws::random()?;
    selection_link_with(
        album_id, history, expires_at, owner, items, password, &draws,
    )
}

pub(crate) fn selection_link_with(
    album_id: AlbumId,
    history: &[u8; HASH_LEN],
    expires_at: u64,
    owner: &IdentityPublicKey,
    items: &[SelectedItem<'_>],
    password: Option<&LinkPassword<'_>>,
    draws: &LinkDraws,
) -> Result<NewLink> {
    let body = crate::selection::body::encode(album_id, items)?;
    let mut payload = Zeroizing::new(Vec::with_capacity(SELECTION_PAYLOAD_FIXED_LEN + body.len()));
    payload.extend_from_slice(album_id.as_bytes());
    payload.extend_from_slice(history);
    payload.extend_from_slice(&expires_at.to_be_bytes());
    payload.extend_from_slice(&owner.to_bytes());
    // body::encode refused more than MAX_SELECTION_ITEMS items.
    payload.extend_from_slice(&(items.len() as u16).to_be_bytes());
    payload.extend_from_slice(&body);
    seal_record(KIND_SELECTION, &payload, password, draws)
}

/// Creates a collect link (drop box) for `album`'s epoch (SPEC.md 5.13): the record holds
/// the epoch's drop key ([`super::drop_key`]) and never the album key, so a guest can seal
/// items to the album ([`super::seal_drop`]) but opens nothing in it.
///
/// # Errors
/// As [`create_album_link`].
pub fn create_collect_link(
    album: &AlbumKey,
    history: &[u8; HASH_LEN],
    owner: &IdentityPublicKey,
    password: Option<&LinkPassword<'_>>,
) -> Result<NewLink> {
    let draws = LinkDraws::random()?;
    epoch_link_with(KIND_COLLECT, album, history, owner, password, &draws)
}
