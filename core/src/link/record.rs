//! The link record (SPEC.md 5.13): what the server stores under a link id, sealed under
//! a key derived from the fragment's secret (and the password, if the link has one).
//!
//! ```text
//! header   = LINK_VERSION || kind || flags || link id (16)
//!            [|| be32(m) || be32(t) || be32(p) || salt (16)]          (flags & FLAG_PASSWORD)
//! ikm      = link secret [|| Argon2id(NFC(password), salt, m, t, p)]
//! link key = HKDF(salt = link id, ikm, info = LABEL_LINK_KEY || header, L = 32)
//! record   = header || nonce (24) || XAEAD(link key, nonce, aad = header, payload)
//! ```

use zeroize::Zeroizing;

use super::payload::{self, OpenedLink};
use super::{
    FLAG_PASSWORD, KIND_ALBUM, KIND_COLLECT, KIND_SELECTION, LABEL_LINK_KEY, LINK_VERSION,
    LinkAddress, LinkDraws, LinkId, LinkKey, LinkPassword, LinkSecret, NewLink, malformed,
};
use crate::kdf::{self, KdfParams};
use crate::keys::SecretBytes;
use crate::primitives::{EnvelopeAead, KEY_LEN, TAG_LEN, XNONCE_LEN, hkdf_sha256};
use crate::{Error, ID_LEN, Result};

/// Length of the record header without a password: version, kind, flags, link id.
pub const RECORD_HEADER_LEN: usize = 3 + ID_LEN;
/// Bytes the header adds for a password: `m`, `t`, `p` (4 bytes each) and the salt.
pub const PASSWORD_PARAMS_LEN: usize = 12 + kdf::SALT_LEN;
/// Longest record: a password header, the nonce, the longest payload (a selection) and the
/// tag.
pub const MAX_LINK_RECORD_LEN: usize =
    RECORD_HEADER_LEN + PASSWORD_PARAMS_LEN + XNONCE_LEN + payload::MAX_PAYLOAD_LEN + TAG_LEN;

/// A record's public header, read with no key: what kind of link, for which id, and the
/// Argon2id parameters if it needs a password (so an app can say how long opening will
/// take). Nothing here is authenticated until the record opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordInfo {
    /// [`KIND_ALBUM`], [`KIND_SELECTION`] or [`KIND_COLLECT`].
    pub kind: u8,
    /// The link id the record names.
    pub link_id: LinkId,
    /// Argon2id's parameters, for a link with a password.
    pub password: Option<KdfParams>,
}

/// The parsed header and where its parts are.
struct Parsed<'a> {
    info: RecordInfo,
    header: &'a [u8],
    salt: &'a [u8],
    nonce: &'a [u8; XNONCE_LEN],
    sealed: &'a [u8],
}

fn be32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn parse(record: &[u8]) -> Result<Parsed<'_>> {
    if record.len() > MAX_LINK_RECORD_LEN {
        return Err(Error::TooLarge {
            what: "link record",
            len: record.len() as u64,
            max: MAX_LINK_RECORD_LEN as u64,
        });
    }
    let version = *record.first().ok_or(malformed("empty record"))?;
    if version != LINK_VERSION {
        return Err(Error::UnsupportedVersion(version));
    }
    let kind = *record.get(1).ok_or(malformed("record cut short"))?;
    if !matches!(kind, KIND_ALBUM | KIND_SELECTION | KIND_COLLECT) {
        return Err(malformed("unknown record kind"));
    }
    let flags = *record.get(2).ok_or(malformed("record cut short"))?;
    if flags & !FLAG_PASSWORD != 0 {
        return Err(malformed("unknown flag bits in the record"));
    }
    let header_len = if flags & FLAG_PASSWORD != 0 {
        RECORD_HEADER_LEN + PASSWORD_PARAMS_LEN
    } else {
        RECORD_HEADER_LEN
    };
    if record.len() < header_len + XNONCE_LEN + TAG_LEN {
        return Err(malformed("record cut short"));
    }
    let (header, rest) = record.split_at(header_len);
    let (nonce, sealed) = rest.split_at(XNONCE_LEN);
    let mut id = [0u8; ID_LEN];
    id.copy_from_slice(&header[3..RECORD_HEADER_LEN]);
    let password = if flags & FLAG_PASSWORD != 0 {
        let at = RECORD_HEADER_LEN;
        Some(KdfParams::new(
            be32(header, at),
            be32(header, at + 4),
            be32(header, at + 8),
        )?)
    } else {
        None
    };
    Ok(Parsed {
        info: RecordInfo {
            kind,
            link_id: LinkId::from_bytes(id),
            password,
        },
        salt: header.get(RECORD_HEADER_LEN + 12..).unwrap_or_default(),
        header,
        nonce: nonce
            .try_into()
            .map_err(|_| malformed("record cut short"))?,
        sealed,
    })
}

/// Reads a record's public header with no key (SPEC.md 5.13, record steps 1-5).
///
/// # Errors
/// [`Error::TooLarge`] above [`MAX_LINK_RECORD_LEN`] bytes (before anything is read);
/// [`Error::MalformedLink`] for an empty record, an unknown kind, unknown flag bits, or a
/// record shorter than its header, nonce and tag; [`Error::UnsupportedVersion`];
/// [`Error::KdfParamsTooWeak`] / [`Error::KdfParamsTooCostly`] for password parameters
/// outside the passphrase slot's floor and ceiling (SPEC.md 5.2).
pub fn inspect_record(record: &[u8]) -> Result<RecordInfo> {
    parse(record).map(|p| p.info)
}

/// The password key (for a password link) and the link key.
fn key_schedule(
    link_id: &LinkId,
    secret: &LinkSecret,
    header: &[u8],
    password: Option<(&str, &[u8], &KdfParams)>,
) -> Result<(Option<Zeroizing<[u8; KEY_LEN]>>, LinkKey)> {
    let mut ikm = Zeroizing::new([0u8; 2 * KEY_LEN]);
    ikm[..KEY_LEN].copy_from_slice(secret.expose());
    let (stretched, ikm_len) = match password {
        Some((password, salt, params)) => {
            let stretched = kdf::derive_key(password, salt, params)?;
            ikm[KEY_LEN..].copy_from_slice(&stretched[..]);
            (Some(stretched), 2 * KEY_LEN)
        }
        None => (None, KEY_LEN),
    };
    let key = hkdf_sha256::<KEY_LEN>(
        link_id.as_bytes(),
        &ikm[..ikm_len],
        &[LABEL_LINK_KEY, header],
    );
    Ok((stretched, LinkKey(SecretBytes::new(*key))))
}

fn link_key(
    link_id: &LinkId,
    secret: &LinkSecret,
    header: &[u8],
    password: Option<(&str, &[u8], &KdfParams)>,
) -> Result<LinkKey> {
    key_schedule(link_id, secret, header, password).map(|(_, key)| key)
}

/// The key schedule of a record for known-answer vectors: `(password key, link key)`.
#[cfg_attr(not(feature = "hazmat"), allow(dead_code))]
pub(crate) fn record_key_schedule(
    secret: &[u8; super::LINK_SECRET_LEN],
    record: &[u8],
    password: Option<&str>,
) -> Result<(Option<[u8; KEY_LEN]>, [u8; KEY_LEN])> {
    let parsed = parse(record)?;
    let password = match (&parsed.info.password, password) {
        (Some(params), Some(password)) => Some((password, parsed.salt, params)),
        (Some(_), None) => return Err(Error::LinkPasswordRequired),
        (None, _) => None,
    };
    let (stretched, key) = key_schedule(
        &parsed.info.link_id,
        &LinkSecret::new(*secret),
        parsed.header,
        password,
    )?;
    Ok((stretched.map(|k| *k), *key.expose()))
}

/// Seals `payload` as a record of `kind` (SPEC.md 5.13).
pub(crate) fn seal_record(
    kind: u8,
    payload: &[u8],
    password: Option<&LinkPassword<'_>>,
    draws: &LinkDraws,
) -> Result<NewLink> {
    let link_id = LinkId::from_bytes(draws.link_id);
    let secret = LinkSecret::new(draws.secret);
    let mut header = Vec::with_capacity(RECORD_HEADER_LEN + PASSWORD_PARAMS_LEN);
    header.extend_from_slice(&[
        LINK_VERSION,
        kind,
        if password.is_some() { FLAG_PASSWORD } else { 0 },
    ]);
    header.extend_from_slice(link_id.as_bytes());
    if let Some(p) = password {
        header.extend_from_slice(&p.params.memory_kib().to_be_bytes());
        header.extend_from_slice(&p.params.iterations().to_be_bytes());
        header.extend_from_slice(&p.params.parallelism().to_be_bytes());
        header.extend_from_slice(&draws.salt);
    }
    let key = link_key(
        &link_id,
        &secret,
        &header,
        password.map(|p| (p.password, &draws.salt[..], &p.params)),
    )?;
    let prefix = [&header[..], &draws.nonce[..]].concat();
    let record =
        EnvelopeAead::new(key.expose()).seal_after(&prefix, &draws.nonce, &header, payload);
    Ok(NewLink {
        link_id,
        record,
        needs_password: password.is_some(),
        secret,
    })
}

/// Opens a link record fetched from the server for `address` (SPEC.md 5.13, in this
/// order): the record's header ([`inspect_record`]); the record's link id must be the
/// URL's; the record's password flag must be the fragment's; a password must be given if
/// the record needs one (a password given to a link without one is ignored); Argon2id,
/// HKDF and XAEAD; then the payload of the record's kind.
///
/// # Errors
/// As [`inspect_record`]; [`Error::LinkWrongId`] for the record of another link;
/// [`Error::MalformedLink`] if the URL and the record disagree on the password flag;
/// [`Error::LinkPasswordRequired`]; [`Error::OutOfMemory`] if Argon2id's memory cannot be
/// allocated; [`Error::DecryptionFailed`] for a wrong password, a fragment of another link,
/// or an altered record (one opaque error); the payload's errors:
/// [`Error::MalformedLink`], [`Error::InvalidPublicKey`] for an owner or drop key refused
/// by SPEC.md 5.1, [`Error::TooLarge`] for a selection of more than 1000 items, and for a
/// selection the body errors of [`crate::account::Keyring::accept_selection`] (step 9).
pub fn open_link(
    address: &LinkAddress,
    record: &[u8],
    password: Option<&str>,
) -> Result<OpenedLink> {
    let parsed = parse(record)?;
    if parsed.info.link_id != address.link_id {
        return Err(Error::LinkWrongId);
    }
    if parsed.info.password.is_some() != address.needs_password {
        return Err(malformed("the URL and the record disagree on the password"));
    }
    let password = match (&parsed.info.password, password) {
        (Some(params), Some(password)) => Some((password, parsed.salt, params)),
        (Some(_), None) => return Err(Error::LinkPasswordRequired),
        (None, _) => None,
    };
    let key = link_key(&address.link_id, &address.secret, parsed.header, password)?;
    let plaintext = Zeroizing::new(EnvelopeAead::new(key.expose()).open(
        parsed.nonce,
        parsed.header,
        parsed.sealed,
    )?);
    payload::parse(parsed.info.kind, &address.link_id, &plaintext)
}
