//! HPKE (RFC 9180) Base mode with the X-Wing hybrid KEM (ML-KEM-768 + X25519,
//! draft-connolly-cfrg-xwing-kem; `kem_id` 0x647a as draft-ietf-hpke-pq assigns it),
//! HKDF-SHA256 and ChaCha20-Poly1305: Keepsake's suite 2 (SPEC.md 5.1).
//!
//! The KEM is the `x-wing` crate (pinned) over `ml-kem` (FIPS 203); the key schedule, the
//! AEAD context and the labeled HKDF are the in-tree RFC 9180 ones of [`super`], run under
//! this suite's `suite_id`. Two checks the crates leave to the caller are made here: a
//! public key whose X25519 half is of low order is refused when it is parsed (so nothing is
//! ever encapsulated to it), and decapsulation refuses an `enc` whose X25519 half gives the
//! all-zero shared secret (`DecapsulationKeyRejectNonContrib`). Both are
//! [`Error::InvalidPublicKey`], like the X25519 suite's check.
//!
//! ```
//! use keepsake::hpke::xwing::{self, XWingSecretKey};
//! let device = XWingSecretKey::generate()?;
//! let (enc, ct) = xwing::seal_base(&device.public_key(), b"info", b"aad", b"root")?;
//! assert_eq!(enc.len(), xwing::ENC_LEN);
//! assert_eq!(xwing::open_base(&device, &enc[..], b"info", b"aad", &ct)?, b"root");
//! # Ok::<(), keepsake::Error>(())
//! ```

use std::fmt;

use shake::{ExtendableOutput, Shake256, Update, XofReader};
use x_wing::EncapsulationKey;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use super::{Mode, RecipientContext, SenderContext, Suite, key_schedule};
use crate::primitives::fill_random;
use crate::{Error, Result};

/// `kem_id` of X-Wing (MLKEM768-X25519) in HPKE.
pub const KEM_ID: u16 = 0x647a;
/// `Npk`: an X-Wing public key (ML-KEM-768 encapsulation key, 1184 bytes, then the X25519
/// public key).
pub const PUBLIC_KEY_LEN: usize = 1216;
/// `Nenc`: an X-Wing ciphertext (ML-KEM-768 ciphertext, 1088 bytes, then the X25519
/// ephemeral public key).
pub const ENC_LEN: usize = 1120;
/// `Nsk`: an X-Wing secret key is its 32-byte seed.
pub const SECRET_KEY_LEN: usize = 32;
/// Randomness of one encapsulation: 32 bytes for ML-KEM, 32 for the X25519 ephemeral.
pub const ENCAPSULATION_RANDOMNESS_LEN: usize = 64;

/// The KEM's `suite_id`: `"KEM" || I2OSP(0x647a, 2)`.
const KEM_SUITE_ID: &[u8] = b"KEM\x64\x7a";
/// The key schedule's `suite_id`: `"HPKE" || 0x647a || 0x0001 || 0x0003`.
pub(crate) static HPKE: Suite = Suite(b"HPKE\x64\x7a\x00\x01\x00\x03");

/// An X-Wing secret key: the 32-byte seed, and the key pair expanded from it once (the
/// draft allows caching the expansion; the `x-wing` crate's own decapsulation key redoes it
/// on every call, which doubled the cost of an unlock). Zeroized on drop, printed
/// redacted, not `Clone`.
pub struct XWingSecretKey {
    seed: Zeroizing<[u8; SECRET_KEY_LEN]>,
    /// ML-KEM-768's decapsulation key (`d || z` from the expansion); wipes itself on drop.
    dk_m: ml_kem::ml_kem_768::DecapsulationKey,
    /// The X25519 secret (the expansion's last 32 bytes); wipes itself on drop.
    sk_x: StaticSecret,
    public: XWingPublicKey,
}

/// X-Wing's label, the last input of its combiner: `"\.//^\"`.
const XWING_LABEL: &[u8; 6] = b"\\.//^\\";

/// An X-Wing public key. Built with [`XWingPublicKey::from_slice`] it is checked at once
/// (its ML-KEM half passes FIPS 203's modulus check, its X25519 half is not of low order);
/// read from an account bundle it is checked the first time something is encapsulated to
/// it (SPEC.md 5.1: parsing a 64-device bundle must not pay 66 ML-KEM key expansions that
/// an unlock never uses). Equality is bytewise.
#[derive(Clone)]
pub struct XWingPublicKey {
    bytes: Box<[u8; PUBLIC_KEY_LEN]>,
    key: std::sync::OnceLock<Option<EncapsulationKey>>,
}

impl PartialEq for XWingPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for XWingPublicKey {}

/// `SHAKE256.LabeledDerive(ikm, "DeriveKeyPair", "", 32)` of draft-ietf-hpke-pq:
/// `SHAKE256(ikm || "HPKE-v1" || suite_id || I2OSP(13, 2) || "DeriveKeyPair" || I2OSP(32, 2), 32)`.
fn labeled_derive_seed(ikm: &[u8]) -> Zeroizing<[u8; SECRET_KEY_LEN]> {
    let mut shake = Shake256::default();
    for part in [
        ikm,
        b"HPKE-v1",
        KEM_SUITE_ID,
        &13u16.to_be_bytes(),
        b"DeriveKeyPair",
        &32u16.to_be_bytes(),
    ] {
        shake.update(part);
    }
    let mut seed = Zeroizing::new([0u8; SECRET_KEY_LEN]);
    shake.finalize_xof().read(seed.as_mut());
    seed
}

impl XWingSecretKey {
    /// The key of a 32-byte seed (X-Wing's `GenerateKeyPairDerand`): `SHAKE256(seed)` to 96
    /// bytes, ML-KEM-768's `KeyGen_internal(d, z)` from the first 64, the X25519 secret from
    /// the last 32.
    pub fn from_seed(seed: [u8; SECRET_KEY_LEN]) -> Self {
        use ml_kem::KeyExport;
        let seed = Zeroizing::new(seed);
        let mut shake = Shake256::default();
        shake.update(seed.as_ref());
        let mut reader = shake.finalize_xof();
        let mut d_z = Zeroizing::new([0u8; 64]);
        reader.read(d_z.as_mut());
        let mut x = Zeroizing::new([0u8; 32]);
        reader.read(x.as_mut());
        let dk_m = ml_kem::ml_kem_768::DecapsulationKey::from_seed((*d_z).into());
        let sk_x = StaticSecret::from(*x);
        let mut bytes = Box::new([0u8; PUBLIC_KEY_LEN]);
        bytes[..PUBLIC_KEY_LEN - 32].copy_from_slice(&dk_m.encapsulation_key().to_bytes());
        bytes[PUBLIC_KEY_LEN - 32..].copy_from_slice(PublicKey::from(&sk_x).as_bytes());
        Self {
            seed,
            dk_m,
            sk_x,
            public: XWingPublicKey::unchecked(bytes),
        }
    }

    /// X-Wing's `Decapsulate(sk, enc)` with the expanded key: ML-KEM-768 decapsulation of
    /// `enc[..1088]`, X25519 with `enc[1088..]` (an all-zero result is refused), then
    /// `SHA3-256(ss_M || ss_X || ct_X || pk_X || label)`.
    fn decapsulate(&self, enc: &[u8; ENC_LEN]) -> Result<Zeroizing<[u8; 32]>> {
        use ml_kem::Decapsulate;
        use sha3::Digest;
        let (ct_m, ct_x) = enc.split_at(ENC_LEN - 32);
        let ct_m: &[u8; ENC_LEN - 32] = ct_m.try_into().map_err(|_| Error::DecryptionFailed)?;
        let ct_x: [u8; 32] = ct_x.try_into().map_err(|_| Error::DecryptionFailed)?;
        let ss_m = Zeroizing::new(<[u8; 32]>::from(self.dk_m.decapsulate(&(*ct_m).into())));
        let ss_x = self.sk_x.diffie_hellman(&PublicKey::from(ct_x));
        if !ss_x.was_contributory() {
            return Err(Error::InvalidPublicKey);
        }
        let pk_x = &self.public.bytes[PUBLIC_KEY_LEN - 32..];
        let mut hash = sha3::Sha3_256::new();
        for part in [&ss_m[..], ss_x.as_bytes(), &ct_x, pk_x, XWING_LABEL] {
            Digest::update(&mut hash, part);
        }
        Ok(Zeroizing::new(hash.finalize().into()))
    }

    /// A fresh key from the OS random number generator.
    ///
    /// # Errors
    /// [`Error::RandomnessUnavailable`].
    pub fn generate() -> Result<Self> {
        let mut seed = Zeroizing::new([0u8; SECRET_KEY_LEN]);
        fill_random(seed.as_mut())?;
        Ok(Self::from_seed(*seed))
    }

    /// `DeriveKeyPair(ikm)` as draft-ietf-hpke-pq defines it for X-Wing: the seed is
    /// `SHAKE256.LabeledDerive(ikm, "DeriveKeyPair", "", 32)`.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] if `ikm` is shorter than 32 bytes.
    pub fn derive(ikm: &[u8]) -> Result<Self> {
        if ikm.len() < SECRET_KEY_LEN {
            return Err(Error::InvalidLength {
                what: "X-Wing DeriveKeyPair ikm (minimum)",
                expected: SECRET_KEY_LEN,
                got: ikm.len(),
            });
        }
        Ok(Self::from_seed(*labeled_derive_seed(ikm)))
    }

    /// The 32-byte seed, for the keystore. The copy wipes itself when dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; SECRET_KEY_LEN]> {
        self.seed.clone()
    }

    /// The matching public key.
    pub fn public_key(&self) -> XWingPublicKey {
        self.public.clone()
    }
}

impl fmt::Debug for XWingSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "XWingSecretKey {{ public: {:?}, seed: [redacted] }}",
            self.public
        )
    }
}

/// True if `pk` is a point of small order (including non-canonical encodings of one): a
/// clamped scalar is a multiple of 8, so it sends every such point to zero.
fn low_order(pk: &[u8; 32]) -> bool {
    let shared = StaticSecret::from([0x55; 32]).diffie_hellman(&PublicKey::from(*pk));
    bool::from(subtle::ConstantTimeEq::ct_eq(
        &shared.as_bytes()[..],
        &[0u8; 32][..],
    ))
}

impl XWingPublicKey {
    /// Parses and checks a 1216-byte public key.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] for another length; [`Error::InvalidPublicKey`] if the
    /// ML-KEM encapsulation key fails FIPS 203's modulus check or the X25519 half is of low
    /// order.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        let array: [u8; PUBLIC_KEY_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
            what: "X-Wing public key",
            expected: PUBLIC_KEY_LEN,
            got: bytes.len(),
        })?;
        let key = Self::unchecked(Box::new(array));
        key.checked()?;
        Ok(key)
    }

    /// A key read from an authenticated record, checked when first used.
    pub(crate) fn unchecked(bytes: Box<[u8; PUBLIC_KEY_LEN]>) -> Self {
        Self {
            bytes,
            key: std::sync::OnceLock::new(),
        }
    }

    /// The parsed key, checked (once) as [`XWingPublicKey::from_slice`] says.
    fn checked(&self) -> Result<&EncapsulationKey> {
        self.key
            .get_or_init(|| {
                let mut x = [0u8; 32];
                x.copy_from_slice(&self.bytes[PUBLIC_KEY_LEN - 32..]);
                if low_order(&x) {
                    return None;
                }
                EncapsulationKey::try_from(&self.bytes[..]).ok()
            })
            .as_ref()
            .ok_or(Error::InvalidPublicKey)
    }

    /// The 1216 bytes.
    pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_LEN] {
        &self.bytes
    }
}

impl fmt::Debug for XWingPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The whole key is 2432 hex digits: show its start, which identifies it in logs.
        write!(
            f,
            "XWingPublicKey({}…)",
            const_hex::encode(&self.bytes[..8])
        )
    }
}

/// `SetupBaseS(pkR, info)` with the encapsulation randomness given: `(enc, context)`.
/// [`Error::InvalidPublicKey`] if `pk_r` fails the checks of [`XWingPublicKey::from_slice`].
pub(crate) fn setup_sender_with(
    pk_r: &XWingPublicKey,
    info: &[u8],
    randomness: &[u8; ENCAPSULATION_RANDOMNESS_LEN],
) -> Result<(Box<[u8; ENC_LEN]>, SenderContext)> {
    let (ct, shared) = pk_r
        .checked()?
        .encapsulate_deterministic(&(*randomness).into());
    let shared = Zeroizing::new(<[u8; 32]>::from(shared));
    let enc: [u8; ENC_LEN] = ct.into();
    let context = key_schedule(&HPKE, Mode::new(false, false), &shared, info, b"", b"")?;
    Ok((Box::new(enc), SenderContext(context)))
}

/// `SetupBaseR(enc, skR, info)`.
///
/// # Errors
/// [`Error::InvalidLength`] if `enc` is not 1120 bytes; [`Error::InvalidPublicKey`] if its
/// X25519 half gives the all-zero shared secret.
pub fn setup_recipient(sk_r: &XWingSecretKey, enc: &[u8], info: &[u8]) -> Result<RecipientContext> {
    let enc: &[u8; ENC_LEN] = enc.try_into().map_err(|_| Error::InvalidLength {
        what: "X-Wing enc",
        expected: ENC_LEN,
        got: enc.len(),
    })?;
    let shared = sk_r.decapsulate(enc)?;
    key_schedule(&HPKE, Mode::new(false, false), &shared, info, b"", b"").map(RecipientContext)
}

/// Single-shot `SealBase(pkR, info, aad, pt)`: `(enc, ciphertext || tag)`.
///
/// # Errors
/// [`Error::InvalidPublicKey`] (see [`XWingPublicKey::from_slice`]);
/// [`Error::RandomnessUnavailable`]; [`Error::TooLarge`] past HPKE's plaintext limit.
pub fn seal_base(
    pk_r: &XWingPublicKey,
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<(Box<[u8; ENC_LEN]>, Vec<u8>)> {
    let mut randomness = Zeroizing::new([0u8; ENCAPSULATION_RANDOMNESS_LEN]);
    fill_random(randomness.as_mut())?;
    seal_base_with_randomness(pk_r, &randomness, info, aad, plaintext)
}

/// [`seal_base`] with chosen encapsulation randomness, for known-answer vectors only.
pub(crate) fn seal_base_with_randomness(
    pk_r: &XWingPublicKey,
    randomness: &[u8; ENCAPSULATION_RANDOMNESS_LEN],
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<(Box<[u8; ENC_LEN]>, Vec<u8>)> {
    let (enc, mut context) = setup_sender_with(pk_r, info, randomness)?;
    Ok((enc, context.seal(aad, plaintext)?))
}

/// Single-shot `OpenBase(enc, skR, info, aad, ct)`. If the plaintext is a secret, wiping it
/// is the caller's job.
///
/// # Errors
/// As [`setup_recipient`]; [`Error::DecryptionFailed`] if anything else differs from what
/// was sealed.
pub fn open_base(
    sk_r: &XWingSecretKey,
    enc: &[u8],
    info: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>> {
    setup_recipient(sk_r, enc, info)?.open(aad, ciphertext)
}

impl XWingPublicKey {
    #[cfg(test)]
    pub(crate) fn key_for_tests(&self) -> &EncapsulationKey {
        self.checked().expect("a valid key")
    }
}

#[cfg(test)]
#[path = "xwing_tests.rs"]
mod tests;
