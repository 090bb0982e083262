//! The link URL and its fragment (SPEC.md 5.13): `https://<host>/l/<link id>#<fragment>`,
//! the fragment `base64url(LINK_VERSION || flags || link secret)` without padding.
//!
//! The base64url codec is written here (an encoding, not a cryptographic primitive), in
//! the constant-time style of RustCrypto's `base64ct`: the fragment carries a secret, so
//! no table is indexed by a secret byte and no branch depends on one.

use zeroize::Zeroizing;

use super::{FLAG_PASSWORD, LINK_VERSION, LinkId, LinkSecret, malformed};
use crate::{Error, Result};

/// Bytes the fragment encodes: version, flags, link secret.
pub const FRAGMENT_BYTES: usize = 2 + super::LINK_SECRET_LEN;
/// Length of the encoded fragment: base64url of [`FRAGMENT_BYTES`] bytes, no padding.
pub const FRAGMENT_LEN: usize = (FRAGMENT_BYTES * 8).div_ceil(6);
/// The path segment before the link id.
pub const LINK_PATH: &str = "/l/";

/// Where a link points and what its fragment holds: the link id (from the URL's path,
/// which the server sees), the link secret and the password flag (from the fragment, which
/// it never sees). Not `Clone`; `Debug` shows no secret.
pub struct LinkAddress {
    /// The link id: the name of the record on the server.
    pub link_id: LinkId,
    /// Whether the fragment says the link needs a password (ask before fetching).
    pub needs_password: bool,
    pub(crate) secret: LinkSecret,
}

impl std::fmt::Debug for LinkAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self {
            link_id,
            needs_password,
            secret: _,
        } = self;
        f.debug_struct("LinkAddress")
            .field("link_id", link_id)
            .field("needs_password", needs_password)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// One 6-bit value to its base64url character, without a table.
fn encode_6(v: u8) -> u8 {
    let v = i16::from(v);
    // 'A'..='Z' for 0..26, 'a'..='z' for 26..52, '0'..='9' for 52..62, '-' 62, '_' 63.
    let mut c = v + i16::from(b'A');
    c += ((25 - v) >> 8) & 6; // v >= 26: 'a' - 'A' - 26 = 6
    c -= ((51 - v) >> 8) & 75; // v >= 52: '0' - 'a' + 26 = -75
    c -= ((61 - v) >> 8) & 13; // v >= 62: '-' - ('0' + 10) = -13
    c += ((62 - v) >> 8) & 49; // v == 63: '_' - ('-' + 1) = 49
    c as u8
}

/// One base64url character to its 6-bit value, or -1, without a table or a branch.
fn decode_6(c: u8) -> i16 {
    let c = i16::from(c);
    let mut v: i16 = -1;
    // c in range [lo, hi]: ((lo - 1 - c) & (c - hi - 1)) >> 8 is -1, else 0.
    let within = |lo: i16, hi: i16| ((lo - 1 - c) & (c - hi - 1)) >> 8;
    v += within(0x41, 0x5a) & (c - 0x41 + 1);
    v += within(0x61, 0x7a) & (c - 0x61 + 26 + 1);
    v += within(0x30, 0x39) & (c - 0x30 + 52 + 1);
    v += within(0x2d, 0x2d) & (62 + 1);
    v += within(0x5f, 0x5f) & (63 + 1);
    v
}

/// base64url (RFC 4648 section 5) without padding.
pub(crate) fn base64url_encode(bytes: &[u8]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity((bytes.len() * 8).div_ceil(6)));
    for group in bytes.chunks(3) {
        let b = [
            group[0],
            group.get(1).copied().unwrap_or(0),
            group.get(2).copied().unwrap_or(0),
        ];
        let sextets = [
            b[0] >> 2,
            ((b[0] & 0x03) << 4) | (b[1] >> 4),
            ((b[1] & 0x0f) << 2) | (b[2] >> 6),
            b[2] & 0x3f,
        ];
        for s in &sextets[..group.len() + 1] {
            out.push(char::from(encode_6(*s)));
        }
    }
    out
}

/// Strict base64url without padding into exactly `N` bytes: the length must be the one
/// `N` bytes encode to, every character in the alphabet, the unused low bits of the last
/// character zero (one encoding per value).
pub(crate) fn base64url_decode<const N: usize>(text: &[u8]) -> Result<Zeroizing<[u8; N]>> {
    if text.len() != (N * 8).div_ceil(6) {
        return Err(malformed("fragment length"));
    }
    let mut out = Zeroizing::new([0u8; N]);
    let mut invalid: i16 = 0;
    let (mut acc, mut bits, mut at) = (0u32, 0u32, 0usize);
    for &c in text {
        let v = decode_6(c);
        invalid |= v;
        acc = (acc << 6) | u32::from((v & 0x3f) as u8);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out[at] = (acc >> bits) as u8;
            at += 1;
        }
    }
    let leftover = acc & ((1 << bits) - 1);
    if invalid < 0 {
        return Err(malformed("fragment character outside base64url"));
    }
    if leftover != 0 {
        return Err(malformed("fragment not canonical (nonzero trailing bits)"));
    }
    Ok(out)
}

/// The fragment of a link: `base64url(LINK_VERSION || flags || secret)`.
pub(crate) fn encode_fragment(secret: &LinkSecret, needs_password: bool) -> Zeroizing<String> {
    let mut bytes = Zeroizing::new([0u8; FRAGMENT_BYTES]);
    bytes[0] = LINK_VERSION;
    bytes[1] = if needs_password { FLAG_PASSWORD } else { 0 };
    bytes[2..].copy_from_slice(secret.expose());
    base64url_encode(&bytes[..])
}

/// Parses a fragment (without its `#`) for the link `link_id` (SPEC.md 5.13, steps 1-3).
///
/// # Errors
/// [`Error::MalformedLink`] for a length other than [`FRAGMENT_LEN`], a character outside
/// base64url, nonzero trailing bits, or unknown flag bits; [`Error::UnsupportedVersion`]
/// for a version byte other than [`LINK_VERSION`].
pub fn parse_fragment(link_id: LinkId, fragment: &str) -> Result<LinkAddress> {
    let bytes = base64url_decode::<FRAGMENT_BYTES>(fragment.as_bytes())?;
    if bytes[0] != LINK_VERSION {
        return Err(Error::UnsupportedVersion(bytes[0]));
    }
    if bytes[1] & !FLAG_PASSWORD != 0 {
        return Err(malformed("unknown flag bits in the fragment"));
    }
    let mut secret = [0u8; super::LINK_SECRET_LEN];
    secret.copy_from_slice(&bytes[2..]);
    Ok(LinkAddress {
        link_id,
        needs_password: bytes[1] & FLAG_PASSWORD != 0,
        secret: LinkSecret::new(secret),
    })
}

/// Parses a link URL: everything up to the last `#` must end with `/l/` and the link id
/// as 32 lowercase hexadecimal digits; after it comes the fragment ([`parse_fragment`]).
/// The scheme and host are not checked (the app knows its own server).
///
/// # Errors
/// [`Error::MalformedLink`] for a URL longer than 2048 bytes, no `#`, a path not ending in
/// `/l/<link id>`, or a link id that is not 32 lowercase hex digits; then as
/// [`parse_fragment`].
pub fn parse_url(url: &str) -> Result<LinkAddress> {
    if url.len() > super::MAX_URL_LEN {
        return Err(malformed("URL too long"));
    }
    let (before, fragment) = url.rsplit_once('#').ok_or(malformed("no fragment"))?;
    let id_hex = before
        .len()
        .checked_sub(2 * crate::ID_LEN)
        .and_then(|at| before.get(at..))
        .ok_or(malformed("no link id"))?;
    let path = &before[..before.len() - id_hex.len()];
    if !path.ends_with(LINK_PATH) {
        return Err(malformed("path is not /l/<link id>"));
    }
    if !id_hex
        .bytes()
        .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(malformed("link id is not lowercase hex"));
    }
    let mut id = [0u8; crate::ID_LEN];
    const_hex::decode_to_slice(id_hex, &mut id).map_err(|_| malformed("link id"))?;
    parse_fragment(LinkId::from_bytes(id), fragment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc4648_and_is_strict() {
        // RFC 4648 section 10, in the url-safe alphabet without padding.
        assert_eq!(&*base64url_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(&*base64url_encode(b"fo"), "Zm8");
        assert_eq!(&*base64url_encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(&base64url_decode::<2>(b"-_8").unwrap()[..], &[0xfb, 0xff]);
        assert_eq!(&base64url_decode::<6>(b"Zm9vYmFy").unwrap()[..], b"foobar");
        for bad in [&b"-_9"[..], b"+/8", b"Zm=", b"Zm"] {
            assert!(matches!(
                base64url_decode::<2>(bad),
                Err(Error::MalformedLink { .. })
            ));
        }
        for v in 0..64u8 {
            assert_eq!(decode_6(encode_6(v)), i16::from(v));
        }
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for c in 0..=255u8 {
            let want = alphabet
                .iter()
                .position(|&a| a == c)
                .map_or(-1, |p| p as i16);
            assert_eq!(decode_6(c), want, "{c}");
        }
    }
}
