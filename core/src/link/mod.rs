//! Public links and collect links (SPEC.md 5.13): an album epoch, a selection, or a drop
//! box, shared with anyone who has a URL, end-to-end encrypted in every mode.
//!
//! ```text
//! URL       = https://<host>/l/<link id: 32 lowercase hex>#<fragment>
//! fragment  = base64url(LINK_VERSION || flags || link secret (32)), no padding   46 chars
//! header    = LINK_VERSION || kind || flags || link id (16) [|| be32 m || be32 t || be32 p || salt (16)]
//! ikm       = link secret [|| Argon2id(NFC(password), salt, m, t, p)]
//! link key  = HKDF(salt = link id, ikm, info = LABEL_LINK_KEY || header, 32)
//! record    = header || nonce (24) || XAEAD(link key, nonce, aad = header, payload)
//! ```
//!
//! The fragment never reaches a server (browsers do not send it), so the server stores a
//! record it cannot open; with a password, neither can someone who has only the URL. A
//! *collect link*'s payload holds no album key: only the album epoch's *drop key*, an
//! X-Wing public key every member derives from the album key ([`drop_key`]), to which a
//! guest seals each item's media key ([`seal_drop`]); the owner opens and accepts or
//! discards each drop ([`open_drop`], [`crate::account::Keyring::accept_drop`]).
//!
//! The API takes byte slices and returns typed values: no file system, no network, so the
//! same calls serve the bindings, the command-line tool and the browser build.

mod collect;
mod fragment;
mod payload;
mod record;

use std::fmt;

pub use collect::{
    AcceptedDrop, DROP_FIXED_LEN, DROP_HEADER_LEN, DROP_VERSION, LABEL_DROP, LABEL_DROP_KEY,
    LABEL_DROP_SIGNATURE, MAX_DISPLAY_NAME_LEN, MAX_DROP_LEN, MAX_DROP_METADATA_LEN, OpenedDrop,
    drop_key, open_drop, seal_drop,
};
#[cfg_attr(not(feature = "hazmat"), allow(unused_imports))] // used by lib.rs `hazmat`
pub(crate) use collect::{DropItem, drop_seed, drop_with, seal_plaintext};
#[cfg_attr(not(feature = "hazmat"), allow(unused_imports))] // used by lib.rs `hazmat`
pub(crate) use fragment::base64url_encode;
pub use fragment::{
    FRAGMENT_BYTES, FRAGMENT_LEN, LINK_PATH, LinkAddress, parse_fragment, parse_url,
};
pub use payload::{
    ALBUM_PAYLOAD_LEN, AlbumLink, COLLECT_PAYLOAD_LEN, CollectLink, OpenedLink,
    SELECTION_PAYLOAD_FIXED_LEN, SelectionLink, create_album_link, create_collect_link,
    create_selection_link,
};
#[cfg_attr(not(feature = "hazmat"), allow(unused_imports))] // used by lib.rs `hazmat`
pub(crate) use payload::{epoch_link_with, selection_link_with};
pub use record::{
    MAX_LINK_RECORD_LEN, PASSWORD_PARAMS_LEN, RECORD_HEADER_LEN, RecordInfo, inspect_record,
    open_link,
};
#[cfg_attr(not(feature = "hazmat"), allow(unused_imports))] // used by lib.rs `hazmat`
pub(crate) use record::{record_key_schedule, seal_record};

use crate::hpke::xwing;
use crate::kdf::KdfParams;
use crate::keys::SecretBytes;
use crate::primitives::{KEY_LEN, XNONCE_LEN, fill_random};
use crate::{Error, ID_LEN, Result};

/// The link format version (fragment and record) this build writes and reads.
pub const LINK_VERSION: u8 = 1;
/// Length of a link secret.
pub const LINK_SECRET_LEN: usize = 32;
/// Length of a link id.
pub const LINK_ID_LEN: usize = ID_LEN;
/// The flag bit saying a password is needed (fragment byte 1, record byte 2).
pub const FLAG_PASSWORD: u8 = 0x01;
/// Record kind: an album at one epoch.
pub const KIND_ALBUM: u8 = 1;
/// Record kind: a selection of items and parts.
pub const KIND_SELECTION: u8 = 2;
/// Record kind: a collect link (drop box).
pub const KIND_COLLECT: u8 = 3;
/// Longest URL [`parse_url`] reads.
pub const MAX_URL_LEN: usize = 2048;
/// HKDF info label of the link key (followed by the record header).
pub const LABEL_LINK_KEY: &[u8] = b"keepsake/v1/link-key";

fn malformed(reason: &'static str) -> Error {
    Error::MalformedLink { reason }
}

/// The public, random id of a link (16 bytes): the name of its record on the server and
/// the last segment of the URL's path.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkId([u8; LINK_ID_LEN]);

impl LinkId {
    /// Wraps 16 bytes.
    pub const fn from_bytes(bytes: [u8; LINK_ID_LEN]) -> Self {
        Self(bytes)
    }

    /// The 16 bytes.
    pub const fn as_bytes(&self) -> &[u8; LINK_ID_LEN] {
        &self.0
    }
}

impl fmt::Debug for LinkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LinkId({self})")
    }
}

impl fmt::Display for LinkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// The 32-byte secret of a link, carried only in the URL's fragment. Wiped on drop, not
/// `Clone`, `Debug` redacted.
pub(crate) struct LinkSecret(SecretBytes);

impl LinkSecret {
    pub(crate) fn new(bytes: [u8; LINK_SECRET_LEN]) -> Self {
        Self(SecretBytes::new(bytes))
    }

    pub(crate) fn expose(&self) -> &[u8; LINK_SECRET_LEN] {
        self.0.expose()
    }
}

impl fmt::Debug for LinkSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkSecret([redacted])")
    }
}

/// The key a link record is sealed under. Wiped on drop, not `Clone`, `Debug` redacted.
pub(crate) struct LinkKey(SecretBytes);

impl LinkKey {
    pub(crate) fn expose(&self) -> &[u8; KEY_LEN] {
        self.0.expose()
    }
}

impl fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkKey([redacted])")
    }
}

/// A password for a link, with the Argon2id parameters it is stretched with (checked
/// against the passphrase slot's floor and ceiling, SPEC.md 5.2). Choose them for the
/// slowest device that will open the link (a browser: [`KdfParams::IOS_EXTENSION`]-sized
/// memory or less).
#[derive(Clone, Copy)]
pub struct LinkPassword<'a> {
    /// The password (normalized to NFC before stretching).
    pub password: &'a str,
    /// Argon2id's parameters, stored in the record.
    pub params: KdfParams,
}

impl fmt::Debug for LinkPassword<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkPassword")
            .field("password", &"[redacted]")
            .field("params", &self.params)
            .finish()
    }
}

/// The random values a link record draws: its id, its secret, the password salt (unused
/// without a password) and the XAEAD nonce. Only the `hazmat` feature lets a caller choose
/// them (known-answer vectors).
pub struct LinkDraws {
    /// The link id.
    pub link_id: [u8; LINK_ID_LEN],
    /// The link secret.
    pub secret: [u8; LINK_SECRET_LEN],
    /// The Argon2id salt.
    pub salt: [u8; crate::kdf::SALT_LEN],
    /// The record's nonce.
    pub nonce: [u8; XNONCE_LEN],
}

impl LinkDraws {
    pub(crate) fn random() -> Result<Self> {
        let mut draws = Self {
            link_id: [0; LINK_ID_LEN],
            secret: [0; LINK_SECRET_LEN],
            salt: [0; crate::kdf::SALT_LEN],
            nonce: [0; XNONCE_LEN],
        };
        fill_random(&mut draws.link_id)?;
        fill_random(&mut draws.secret)?;
        fill_random(&mut draws.salt)?;
        fill_random(&mut draws.nonce)?;
        Ok(draws)
    }
}

impl Drop for LinkDraws {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}

impl fmt::Debug for LinkDraws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkDraws([redacted])")
    }
}

/// A link just created: the record to store on the server under `link_id`, and the secret
/// for the URL's fragment ([`NewLink::fragment`], [`NewLink::url`]). Not `Clone`; `Debug`
/// shows no secret.
pub struct NewLink {
    /// The link id.
    pub link_id: LinkId,
    /// The record, to store on the server under the link id.
    pub record: Vec<u8>,
    needs_password: bool,
    secret: LinkSecret,
}

impl NewLink {
    /// The URL's fragment (without `#`): it holds the link secret, so it is wiped on drop;
    /// show it to the user and never send it to a server.
    pub fn fragment(&self) -> zeroize::Zeroizing<String> {
        fragment::encode_fragment(&self.secret, self.needs_password)
    }

    /// The whole URL, `<origin>/l/<link id>#<fragment>`, for an `origin` such as
    /// `https://example.org` (a trailing `/` is dropped).
    pub fn url(&self, origin: &str) -> zeroize::Zeroizing<String> {
        let origin = origin.trim_end_matches('/');
        let fragment = self.fragment();
        let mut url = zeroize::Zeroizing::new(String::with_capacity(
            origin.len() + LINK_PATH.len() + 2 * LINK_ID_LEN + 1 + fragment.len(),
        ));
        url.push_str(origin);
        url.push_str(LINK_PATH);
        url.push_str(&self.link_id.to_string());
        url.push('#');
        url.push_str(&fragment);
        url
    }

    /// Whether opening needs a password.
    pub fn needs_password(&self) -> bool {
        self.needs_password
    }

    /// The address a guest parses from the URL (for tests and for an app that opens its own
    /// link). The secret is copied into a new wiping box.
    pub fn address(&self) -> LinkAddress {
        LinkAddress {
            link_id: self.link_id,
            needs_password: self.needs_password,
            secret: LinkSecret::new(*self.secret.expose()),
        }
    }
}

impl fmt::Debug for NewLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            link_id,
            record,
            needs_password,
            secret: _,
        } = self;
        f.debug_struct("NewLink")
            .field("link_id", link_id)
            .field("record_len", &record.len())
            .field("needs_password", needs_password)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// A drop's X-Wing encapsulation randomness, for [`drop_with`].
pub(crate) type Eseed = [u8; xwing::ENCAPSULATION_RANDOMNESS_LEN];
