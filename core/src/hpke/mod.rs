//! HPKE (RFC 9180): the key schedule, the labeled HKDF and the AEAD contexts, with two KEMs.
//!
//! - [`xwing`]: X-Wing (ML-KEM-768 + X25519, `kem_id` 0x647a), HKDF-SHA256,
//!   ChaCha20-Poly1305, Base mode: Keepsake's suite 2, which every slot and grant uses.
//! - This module: DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / ChaCha20-Poly1305 (`kem_id`
//!   0x0020), in all four modes. The account layer no longer uses it (X25519 alone is not
//!   safe against a future quantum computer); it stays because it is the suite RFC 9180's
//!   own vectors (Appendix A.2) exist for, which is how the shared key schedule is checked
//!   in every mode.
//!
//! Everything is built from `x25519-dalek`, `hkdf`/`sha2` and `chacha20poly1305` (the AEAD
//! through [`crate::primitives`]); the private functions carry the RFC's names
//! (`LabeledExtract`, `DeriveKeyPair`, `Encap`, `AuthDecap`, `KeySchedule`, ...). Every
//! Diffie-Hellman output is checked: an all-zero result, which a low-order peer key forces,
//! is refused with [`Error::InvalidPublicKey`] and never used (RFC 9180, section 7.1.4).
//!
//! ```
//! use keepsake::hpke::{self, HpkeSecretKey};
//!
//! // Base mode: anyone can seal to the device's public key.
//! let device = HpkeSecretKey::generate()?;
//! let (enc, ct) = hpke::seal_base(&device.public_key(), b"device slot", b"aad", b"root")?;
//! assert_eq!(hpke::open_base(&device, &enc, b"device slot", b"aad", &ct)?, b"root");
//!
//! // Auth mode: only `alice` could have sealed this to `bob`.
//! let (alice, bob, mallory) = (HpkeSecretKey::generate()?, HpkeSecretKey::generate()?,
//!     HpkeSecretKey::generate()?);
//! let (enc, ct) = hpke::seal_auth(&bob.public_key(), &alice, b"grant", b"", b"album key")?;
//! let pt = hpke::open_auth(&bob, &alice.public_key(), &enc, b"grant", b"", &ct)?;
//! assert_eq!(pt, b"album key");
//! let forged = hpke::open_auth(&bob, &mallory.public_key(), &enc, b"grant", b"", &ct);
//! assert!(matches!(forged, Err(keepsake::Error::DecryptionFailed)));
//! # Ok::<(), keepsake::Error>(())
//! ```

use std::fmt;

use hkdf::{Hkdf, HkdfExtract};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::primitives::fill_random;
use crate::primitives::{ChunkAead, HKDF_SHA256_MAX_OUTPUT, KEY_LEN, NONCE_LEN, TAG_LEN};
use crate::{Error, Result};

/// `kem_id` of DHKEM(X25519, HKDF-SHA256).
pub const KEM_ID: u16 = 0x0020;
/// `kdf_id` of HKDF-SHA256.
pub const KDF_ID: u16 = 0x0001;
/// `aead_id` of ChaCha20-Poly1305.
pub const AEAD_ID: u16 = 0x0003;

/// `Nenc`: length of `enc`, the encapsulated key (an X25519 public key).
pub const ENC_LEN: usize = 32;
/// `Npk`: length of a serialized public key.
pub const PUBLIC_KEY_LEN: usize = 32;
/// `Nsk`: length of a serialized secret key.
pub const SECRET_KEY_LEN: usize = 32;
/// Shortest pre-shared key accepted in the PSK modes (RFC 9180, section 9.5: a PSK must
/// carry at least 32 bytes of entropy).
pub const MIN_PSK_LEN: usize = 32;
/// Longest secret [`SenderContext::export`] can derive (`255 * Nh`).
pub const MAX_EXPORT_LEN: usize = HKDF_SHA256_MAX_OUTPUT;
/// Longest plaintext of one message: ChaCha20-Poly1305's limit (RFC 8439), 2^38 - 64 bytes.
pub const MAX_PLAINTEXT_LEN: u64 = (1 << 38) - 64;

/// `Nsecret`: length of the KEM shared secret.
const N_SECRET: usize = 32;
/// `Nh`: output length of HKDF-SHA256's extract.
const N_H: usize = 32;

/// Prefix of every labeled HKDF input (RFC 9180, section 4).
const VERSION_LABEL: &[u8] = b"HPKE-v1";
const LABEL_DKP_PRK: &[u8] = b"dkp_prk";
const LABEL_SK: &[u8] = b"sk";
const LABEL_EAE_PRK: &[u8] = b"eae_prk";
const LABEL_SHARED_SECRET: &[u8] = b"shared_secret";
const LABEL_PSK_ID_HASH: &[u8] = b"psk_id_hash";
const LABEL_INFO_HASH: &[u8] = b"info_hash";
const LABEL_SECRET: &[u8] = b"secret";
const LABEL_KEY: &[u8] = b"key";
const LABEL_BASE_NONCE: &[u8] = b"base_nonce";
const LABEL_EXP: &[u8] = b"exp";
const LABEL_SEC: &[u8] = b"sec";

/// A `suite_id`, and the labeled HKDF-SHA256 functions under it (RFC 9180, section 4).
pub(crate) struct Suite(&'static [u8]);

/// The KEM's `suite_id`: `"KEM" || I2OSP(kem_id, 2)`.
pub(crate) const KEM: Suite = Suite(b"KEM\x00\x20");
/// The key schedule's `suite_id`: `"HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) ||
/// I2OSP(aead_id, 2)`.
pub(crate) const HPKE: Suite = Suite(b"HPKE\x00\x20\x00\x01\x00\x03");

impl Suite {
    /// `LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" || suite_id || label ||
    /// ikm)`.
    pub(crate) fn extract(&self, salt: &[u8], label: &[u8], ikm: &[u8]) -> Zeroizing<[u8; N_H]> {
        let mut extract = HkdfExtract::<Sha256>::new(Some(salt));
        for part in [VERSION_LABEL, self.0, label, ikm] {
            extract.input_ikm(part);
        }
        let mut prk = Zeroizing::new([0u8; N_H]);
        prk.copy_from_slice(&extract.finalize().0);
        prk
    }

    /// `LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) || "HPKE-v1" ||
    /// suite_id || label || info, L)` into `out`, `L = out.len()`. Fails only if L > 255 * Nh.
    pub(crate) fn expand(
        &self,
        prk: &[u8; N_H],
        label: &[u8],
        info: &[u8],
        out: &mut [u8],
    ) -> Result<()> {
        let too_large = Error::TooLarge {
            what: "HPKE LabeledExpand output",
            len: out.len() as u64,
            max: MAX_EXPORT_LEN as u64,
        };
        let len = match u16::try_from(out.len()) {
            Ok(len) if out.len() <= MAX_EXPORT_LEN => len,
            _ => return Err(too_large),
        };
        let hkdf = Hkdf::<Sha256>::from_prk(prk).expect("a 32-byte PRK is SHA-256's length");
        let info = [&len.to_be_bytes()[..], VERSION_LABEL, self.0, label, info];
        hkdf.expand_multi_info(&info, out).map_err(|_| too_large)
    }

    /// [`Suite::expand`] for a small fixed output length, in a zeroizing array.
    pub(crate) fn expand_array<const L: usize>(
        &self,
        prk: &[u8; N_H],
        label: &[u8],
        info: &[u8],
    ) -> Zeroizing<[u8; L]> {
        const { assert!(L <= MAX_EXPORT_LEN) };
        let mut out = Zeroizing::new([0u8; L]);
        self.expand(prk, label, info, out.as_mut())
            .expect("L is checked against the HKDF limit at compile time");
        out
    }
}

/// An X25519 secret key for HPKE. Zeroized on drop, printed redacted, not `Clone`: a second
/// copy must be made on purpose, with [`HpkeSecretKey::to_bytes`].
pub struct HpkeSecretKey(Box<StaticSecret>);

impl HpkeSecretKey {
    /// A fresh key from the OS random number generator.
    ///
    /// # Errors
    /// [`Error::RandomnessUnavailable`] if the OS RNG fails.
    pub fn generate() -> Result<Self> {
        let mut bytes = Zeroizing::new([0u8; SECRET_KEY_LEN]);
        fill_random(bytes.as_mut())?;
        Ok(Self::from_bytes(*bytes))
    }

    /// Builds a key from its 32 bytes (RFC 7748 clamping is applied when it is used, not
    /// stored). Wiping the caller's own copy of `bytes` is the caller's job.
    pub fn from_bytes(bytes: [u8; SECRET_KEY_LEN]) -> Self {
        let mut bytes = bytes;
        let secret = Box::new(StaticSecret::from(bytes));
        bytes.zeroize(); // the by-value copy on this stack frame
        Self(secret)
    }

    /// `DeriveKeyPair(ikm)` (RFC 9180, section 7.1.3): the secret key deterministically
    /// derived from input keying material, which must hold at least 32 bytes of entropy.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] if `ikm` is shorter than 32 bytes.
    pub fn derive(ikm: &[u8]) -> Result<Self> {
        if ikm.len() < SECRET_KEY_LEN {
            return Err(Error::InvalidLength {
                what: "HPKE DeriveKeyPair ikm (minimum)",
                expected: SECRET_KEY_LEN,
                got: ikm.len(),
            });
        }
        let dkp_prk = KEM.extract(b"", LABEL_DKP_PRK, ikm);
        Ok(Self::from_bytes(*KEM.expand_array(&dkp_prk, LABEL_SK, b"")))
    }

    /// `SerializePrivateKey`: a copy of the key's 32 bytes. The copy is the caller's to wipe;
    /// it comes in a [`Zeroizing`] wrapper that does so when dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; SECRET_KEY_LEN]> {
        Zeroizing::new(self.0.to_bytes())
    }

    /// The matching public key.
    pub fn public_key(&self) -> HpkePublicKey {
        HpkePublicKey(PublicKey::from(&*self.0).to_bytes())
    }
}

impl ZeroizeOnDrop for HpkeSecretKey {} // `StaticSecret` wipes itself on drop

impl fmt::Debug for HpkeSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HpkeSecretKey([redacted])")
    }
}

/// An X25519 public key for HPKE (32 bytes, any value). A low-order key is not refused
/// here but by every operation that would use it, with [`Error::InvalidPublicKey`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct HpkePublicKey([u8; PUBLIC_KEY_LEN]);

impl HpkePublicKey {
    /// `DeserializePublicKey` of 32 bytes.
    pub fn from_bytes(bytes: [u8; PUBLIC_KEY_LEN]) -> Self {
        Self(bytes)
    }

    /// `DeserializePublicKey` of a slice, which must be exactly 32 bytes.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] for any other length.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        bytes
            .try_into()
            .map(Self)
            .map_err(|_| Error::InvalidLength {
                what: "HPKE public key",
                expected: PUBLIC_KEY_LEN,
                got: bytes.len(),
            })
    }

    /// `SerializePublicKey`: the key's 32 bytes.
    pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_LEN] {
        &self.0
    }
}

impl fmt::Debug for HpkePublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HpkePublicKey(")?;
        for byte in &self.0 {
            write!(f, "{byte:02x}")?;
        }
        f.write_str(")")
    }
}

/// `DH(sk, pk)`: X25519, refusing an all-zero output (RFC 9180, section 7.1.4; RFC 7748,
/// section 6.1). The output is canonical, so this is exactly dalek's `was_contributory`.
pub(crate) fn dh(sk: &HpkeSecretKey, pk: &HpkePublicKey) -> Result<Zeroizing<[u8; 32]>> {
    let shared = sk.0.diffie_hellman(&PublicKey::from(pk.0));
    if bool::from(shared.as_bytes().ct_eq(&[0u8; 32])) {
        return Err(Error::InvalidPublicKey);
    }
    Ok(Zeroizing::new(shared.to_bytes()))
}

/// `ExtractAndExpand(dh, kem_context)`: the KEM shared secret.
fn extract_and_expand(dh: &[u8], kem_context: &[u8]) -> Zeroizing<[u8; N_SECRET]> {
    let eae_prk = KEM.extract(b"", LABEL_EAE_PRK, dh);
    KEM.expand_array(&eae_prk, LABEL_SHARED_SECRET, kem_context)
}

/// `Encap(pkR)` or, with a sender key, `AuthEncap(pkR, skS)`, with the ephemeral key `sk_e`:
/// `dh = DH(skE, pkR) [|| DH(skS, pkR)]`, `kem_context = enc || pkRm [|| pkSm]`.
/// Returns `(shared_secret, enc)`.
fn encap(
    pk_r: &HpkePublicKey,
    sk_s: Option<&HpkeSecretKey>,
    sk_e: &HpkeSecretKey,
) -> Result<(Zeroizing<[u8; N_SECRET]>, [u8; ENC_LEN])> {
    let enc = sk_e.public_key().0;
    let mut dh_all = Zeroizing::new(Vec::with_capacity(64)); // never reallocated
    dh_all.extend_from_slice(dh(sk_e, pk_r)?.as_ref());
    let mut kem_context = [enc, pk_r.0].concat();
    if let Some(sk_s) = sk_s {
        dh_all.extend_from_slice(dh(sk_s, pk_r)?.as_ref());
        kem_context.extend_from_slice(&sk_s.public_key().0);
    }
    Ok((extract_and_expand(&dh_all, &kem_context), enc))
}

/// `Decap(enc, skR)` or, with a sender key, `AuthDecap(enc, skR, pkS)`.
fn decap(
    enc: &[u8; ENC_LEN],
    sk_r: &HpkeSecretKey,
    pk_s: Option<&HpkePublicKey>,
) -> Result<Zeroizing<[u8; N_SECRET]>> {
    let mut dh_all = Zeroizing::new(Vec::with_capacity(64)); // never reallocated
    dh_all.extend_from_slice(dh(sk_r, &HpkePublicKey(*enc))?.as_ref());
    let mut kem_context = [*enc, sk_r.public_key().0].concat();
    if let Some(pk_s) = pk_s {
        dh_all.extend_from_slice(dh(sk_r, pk_s)?.as_ref());
        kem_context.extend_from_slice(&pk_s.0);
    }
    Ok(extract_and_expand(&dh_all, &kem_context))
}

/// An HPKE mode (RFC 9180, section 5): Base 0x00, PSK 0x01, Auth 0x02, AuthPSK 0x03.
#[derive(Clone, Copy)]
pub(crate) struct Mode {
    psk: bool,
    auth: bool,
}

impl Mode {
    pub(crate) fn new(psk: bool, auth: bool) -> Self {
        Self { psk, auth }
    }

    fn id(self) -> u8 {
        u8::from(self.psk) | (u8::from(self.auth) << 1)
    }
}

/// `VerifyPSKInputs(mode, psk, psk_id)` (RFC 9180, section 5.1), plus the 32-byte floor of
/// section 9.5. Every refusal is an [`Error::InvalidLength`] naming the input at fault.
fn verify_psk_inputs(mode: Mode, psk: &[u8], psk_id: &[u8]) -> Result<()> {
    let (got_psk, got_psk_id) = (!psk.is_empty(), !psk_id.is_empty());
    let bad = |what, expected, got| {
        Err(Error::InvalidLength {
            what,
            expected,
            got,
        })
    };
    if got_psk && !got_psk_id {
        // "Inconsistent PSK inputs"
        return bad("HPKE psk_id (required with a psk; minimum)", 1, 0);
    }
    if got_psk && !mode.psk {
        return bad("HPKE psk (Base and Auth modes take none)", 0, psk.len());
    }
    // Inconsistent (psk_id alone), missing, or too short to hold 32 bytes of entropy.
    if (got_psk_id && !got_psk) || (mode.psk && psk.len() < MIN_PSK_LEN) {
        return bad("HPKE psk (minimum)", MIN_PSK_LEN, psk.len());
    }
    Ok(())
}

/// `KeySchedule<ROLE>(mode, shared_secret, info, psk, psk_id)` (RFC 9180, section 5.1),
/// under the key schedule's `suite_id` `hpke`.
pub(crate) fn key_schedule(
    hpke: &'static Suite,
    mode: Mode,
    shared_secret: &[u8; N_SECRET],
    info: &[u8],
    psk: &[u8],
    psk_id: &[u8],
) -> Result<Context> {
    verify_psk_inputs(mode, psk, psk_id)?;
    let psk_id_hash = hpke.extract(b"", LABEL_PSK_ID_HASH, psk_id);
    let info_hash = hpke.extract(b"", LABEL_INFO_HASH, info);
    // key_schedule_context = mode || psk_id_hash || info_hash
    let ctx = [&[mode.id()][..], &psk_id_hash[..], &info_hash[..]].concat();
    let secret = hpke.extract(shared_secret, LABEL_SECRET, psk);
    Ok(Context {
        suite: hpke,
        key: hpke.expand_array(&secret, LABEL_KEY, &ctx),
        base_nonce: hpke.expand_array(&secret, LABEL_BASE_NONCE, &ctx),
        exporter_secret: hpke.expand_array(&secret, LABEL_EXP, &ctx),
        seq: 0,
    })
}

/// The state both roles share: the AEAD key, base nonce, exporter secret and the sequence
/// number of the next message.
pub(crate) struct Context {
    suite: &'static Suite,
    key: Zeroizing<[u8; KEY_LEN]>,
    base_nonce: Zeroizing<[u8; NONCE_LEN]>,
    exporter_secret: Zeroizing<[u8; N_H]>,
    seq: u64,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self { seq, .. } = self;
        f.write_fmt(format_args!("Context {{ keys: [redacted], seq: {seq} }}"))
    }
}

impl Context {
    /// `ComputeNonce(seq)`: the base nonce XOR the big-endian sequence number. The sequence
    /// number is 64 bits, left-padded to `Nn` bytes (section 5.2 allows a shorter counter);
    /// its last value is never used, so incrementing can never wrap.
    fn nonce(&self) -> Result<[u8; NONCE_LEN]> {
        if self.seq == u64::MAX {
            return Err(Error::StreamTooLong); // MessageLimitReachedError
        }
        let mut nonce = *self.base_nonce;
        for (n, s) in nonce.iter_mut().rev().zip(self.seq.to_le_bytes()) {
            *n ^= s;
        }
        Ok(nonce)
    }

    fn export(&self, exporter_context: &[u8], out: &mut [u8]) -> Result<()> {
        self.suite
            .expand(&self.exporter_secret, LABEL_SEC, exporter_context, out)
    }
}

/// The sender's side of an HPKE context: seals messages in order, and exports secrets.
#[derive(Debug)]
pub struct SenderContext(pub(crate) Context);

/// The recipient's side of an HPKE context: opens messages in the order they were sealed,
/// and exports the same secrets as the sender.
#[derive(Debug)]
pub struct RecipientContext(pub(crate) Context);

impl SenderContext {
    /// `Seal(aad, pt)`: encrypts the next message; returns `ciphertext || tag`.
    ///
    /// # Errors
    /// [`Error::TooLarge`] if `plaintext` exceeds [`MAX_PLAINTEXT_LEN`];
    /// [`Error::StreamTooLong`] once the sequence number is exhausted (2^64 - 1 messages).
    pub fn seal(&mut self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        if plaintext.len() as u64 > MAX_PLAINTEXT_LEN {
            return Err(Error::TooLarge {
                what: "HPKE plaintext",
                len: plaintext.len() as u64,
                max: MAX_PLAINTEXT_LEN,
            });
        }
        let nonce = self.0.nonce()?;
        let mut out = vec![0u8; plaintext.len() + TAG_LEN];
        let (body, tag) = out.split_at_mut(plaintext.len());
        tag.copy_from_slice(&ChunkAead::new(&self.0.key).seal(&nonce, aad, plaintext, body));
        self.0.seq += 1;
        Ok(out)
    }

    /// `Export(exporter_context, L)` into `out`, with `L = out.len()`.
    ///
    /// # Errors
    /// [`Error::TooLarge`] if `out` is longer than [`MAX_EXPORT_LEN`].
    pub fn export(&self, exporter_context: &[u8], out: &mut [u8]) -> Result<()> {
        self.0.export(exporter_context, out)
    }
}

impl RecipientContext {
    /// `Open(aad, ct)`: decrypts the next message. A failure does not advance the sequence
    /// number.
    ///
    /// # Errors
    /// [`Error::DecryptionFailed`] if the message is not the next one sealed under this
    /// context with this `aad`; [`Error::StreamTooLong`] once the sequence number is
    /// exhausted.
    pub fn open(&mut self, aad: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>> {
        let nonce = self.0.nonce()?;
        // A ciphertext shorter than a tag leaves `tag` short, which `open` refuses.
        let (body, tag) = ciphertext.split_at(ciphertext.len().saturating_sub(TAG_LEN));
        let mut out = vec![0u8; body.len()];
        ChunkAead::new(&self.0.key).open(&nonce, aad, body, &mut out, tag)?;
        self.0.seq += 1;
        Ok(out)
    }

    /// `Export(exporter_context, L)` into `out`, with `L = out.len()`.
    ///
    /// # Errors
    /// [`Error::TooLarge`] if `out` is longer than [`MAX_EXPORT_LEN`].
    pub fn export(&self, exporter_context: &[u8], out: &mut [u8]) -> Result<()> {
        self.0.export(exporter_context, out)
    }
}

/// A pre-shared key and its identifier, for the PSK and AuthPSK modes.
#[derive(Clone, Copy)]
pub struct Psk<'a> {
    /// The pre-shared key: at least [`MIN_PSK_LEN`] bytes, with that much entropy.
    pub psk: &'a [u8],
    /// Its identifier: non-empty.
    pub psk_id: &'a [u8],
}

/// `SetupBaseS(pkR, info)`, `SetupPSKS`, `SetupAuthS` or `SetupAuthPSKS`: a fresh ephemeral
/// key, the `enc` to send, and the sender's context. The mode follows from the inputs: a
/// sender key `sk_s` makes it an Auth mode (the recipient learns who sent it), a [`Psk`] a
/// PSK mode.
///
/// # Errors
/// [`Error::InvalidPublicKey`] if `pk_r` is a low-order point (including all zeros);
/// [`Error::InvalidLength`] if the `psk` is shorter than [`MIN_PSK_LEN`] or the `psk_id` is
/// empty; [`Error::RandomnessUnavailable`] if the OS RNG fails.
pub fn setup_sender(
    pk_r: &HpkePublicKey,
    sk_s: Option<&HpkeSecretKey>,
    psk: Option<Psk<'_>>,
    info: &[u8],
) -> Result<([u8; ENC_LEN], SenderContext)> {
    setup_sender_with(pk_r, sk_s, psk, info, &HpkeSecretKey::generate()?)
}

/// [`setup_sender`] with a chosen ephemeral key: for the RFC vectors, nothing else.
fn setup_sender_with(
    pk_r: &HpkePublicKey,
    sk_s: Option<&HpkeSecretKey>,
    psk: Option<Psk<'_>>,
    info: &[u8],
    sk_e: &HpkeSecretKey,
) -> Result<([u8; ENC_LEN], SenderContext)> {
    let mode = Mode::new(psk.is_some(), sk_s.is_some());
    let Psk { psk, psk_id } = psk.unwrap_or(NO_PSK);
    let (shared_secret, enc) = encap(pk_r, sk_s, sk_e)?;
    let context = key_schedule(&HPKE, mode, &shared_secret, info, psk, psk_id)?;
    Ok((enc, SenderContext(context)))
}

/// `SetupBaseR(enc, skR, info)`, `SetupPSKR`, `SetupAuthR` or `SetupAuthPSKR`, the mode
/// following from the inputs as in [`setup_sender`]. A context for the wrong sender, PSK or
/// `info` does not fail here but opens nothing ([`Error::DecryptionFailed`]).
///
/// # Errors
/// [`Error::InvalidPublicKey`] if `enc` or `pk_s` is a low-order point;
/// [`Error::InvalidLength`] for a PSK refused as in [`setup_sender`].
pub fn setup_recipient(
    sk_r: &HpkeSecretKey,
    pk_s: Option<&HpkePublicKey>,
    psk: Option<Psk<'_>>,
    enc: &[u8; ENC_LEN],
    info: &[u8],
) -> Result<RecipientContext> {
    let mode = Mode::new(psk.is_some(), pk_s.is_some());
    let Psk { psk, psk_id } = psk.unwrap_or(NO_PSK);
    let shared_secret = decap(enc, sk_r, pk_s)?;
    key_schedule(&HPKE, mode, &shared_secret, info, psk, psk_id).map(RecipientContext)
}

/// The default `psk` and `psk_id` of the Base and Auth modes: empty.
const NO_PSK: Psk<'static> = Psk {
    psk: b"",
    psk_id: b"",
};

/// Single-shot `SealBase(pkR, info, aad, pt)`: returns `(enc, ciphertext || tag)`.
///
/// # Errors
/// [`Error::InvalidPublicKey`] if `pk_r` is a low-order point (including all zeros);
/// [`Error::RandomnessUnavailable`] if the OS RNG fails; [`Error::TooLarge`] if `plaintext`
/// exceeds [`MAX_PLAINTEXT_LEN`].
pub fn seal_base(
    pk_r: &HpkePublicKey,
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<([u8; ENC_LEN], Vec<u8>)> {
    seal_base_with_ephemeral(pk_r, &HpkeSecretKey::generate()?, info, aad, plaintext)
}

/// [`seal_base`] with a chosen ephemeral key, for known-answer vectors only: reusing an
/// ephemeral key reuses `enc` and the whole key schedule.
pub(crate) fn seal_base_with_ephemeral(
    pk_r: &HpkePublicKey,
    sk_e: &HpkeSecretKey,
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<([u8; ENC_LEN], Vec<u8>)> {
    let (enc, mut context) = setup_sender_with(pk_r, None, None, info, sk_e)?;
    Ok((enc, context.seal(aad, plaintext)?))
}

/// Single-shot `OpenBase(enc, skR, info, aad, ct)`. If the plaintext is a secret, wiping it
/// is the caller's job.
///
/// # Errors
/// [`Error::DecryptionFailed`] if the ciphertext, `enc`, `info` or `aad` differ from what
/// was sealed, or it was sealed to another key; [`Error::InvalidPublicKey`] if `enc` is a
/// low-order point.
pub fn open_base(
    sk_r: &HpkeSecretKey,
    enc: &[u8; ENC_LEN],
    info: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>> {
    setup_recipient(sk_r, None, None, enc, info)?.open(aad, ciphertext)
}

/// Single-shot `SealAuth(pkR, info, aad, pt, skS)`: returns `(enc, ciphertext || tag)`.
///
/// # Errors
/// As [`seal_base`].
pub fn seal_auth(
    pk_r: &HpkePublicKey,
    sk_s: &HpkeSecretKey,
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<([u8; ENC_LEN], Vec<u8>)> {
    let sk_e = HpkeSecretKey::generate()?;
    seal_auth_with_ephemeral(pk_r, sk_s, &sk_e, info, aad, plaintext)
}

/// [`seal_auth`] with a chosen ephemeral key, for known-answer vectors only (see
/// [`seal_base_with_ephemeral`]).
pub(crate) fn seal_auth_with_ephemeral(
    pk_r: &HpkePublicKey,
    sk_s: &HpkeSecretKey,
    sk_e: &HpkeSecretKey,
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<([u8; ENC_LEN], Vec<u8>)> {
    let (enc, mut context) = setup_sender_with(pk_r, Some(sk_s), None, info, sk_e)?;
    Ok((enc, context.seal(aad, plaintext)?))
}

/// Single-shot `OpenAuth(enc, skR, info, aad, ct, pkS)`: opens only what the holder of the
/// secret key of `pk_s` sealed to `sk_r`. If the plaintext is a secret, wiping it is the
/// caller's job.
///
/// # Errors
/// As [`open_base`]; a different sender is [`Error::DecryptionFailed`], a low-order `pk_s`
/// is [`Error::InvalidPublicKey`].
pub fn open_auth(
    sk_r: &HpkeSecretKey,
    pk_s: &HpkePublicKey,
    enc: &[u8; ENC_LEN],
    info: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>> {
    setup_recipient(sk_r, Some(pk_s), None, enc, info)?.open(aad, ciphertext)
}

pub mod xwing;

#[cfg(test)]
mod tests;
