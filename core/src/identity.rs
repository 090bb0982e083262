//! An account's identity (SPEC.md 5.1, 5.7): an Ed25519 signing key pair, which signs the
//! grants the account sends, and an X-Wing key pair, which receives grants. Both follow
//! from one random 32-byte seed kept in the bundle under the root, so they never change on
//! rotation. The fingerprint commits to both public keys.

use std::fmt;
use std::sync::OnceLock;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::hpke::xwing::{self, XWingPublicKey, XWingSecretKey};
use crate::keys::SecretBytes;
use crate::primitives::{KEY_LEN, hkdf_sha256};
use crate::{Error, Result};

/// HKDF info label of the identity's Ed25519 seed.
pub const LABEL_IDENTITY_SIGN: &[u8] = b"keepsake/v1/identity-sign";
/// HKDF info label of the identity's X-Wing seed.
pub const LABEL_IDENTITY_KEM: &[u8] = b"keepsake/v1/identity-kem";
/// Hash label of identity digests (and fingerprints).
pub const LABEL_FINGERPRINT: &[u8] = b"keepsake/v1/identity-fingerprint";
/// Length of an encoded [`IdentityPublicKey`]: the Ed25519 key, then the X-Wing key.
pub const IDENTITY_PUBLIC_LEN: usize = 32 + xwing::PUBLIC_KEY_LEN;
/// Length of an identity digest.
pub const DIGEST_LEN: usize = 32;
/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;

/// An account's public identity: what others share albums to and verify grants with.
/// Equality is bytewise.
#[derive(Clone, PartialEq, Eq)]
pub struct IdentityPublicKey {
    sign: [u8; 32],
    kem: XWingPublicKey,
}

impl IdentityPublicKey {
    /// Parses `Ed25519 public key (32) || X-Wing public key (1216)`.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] for another length; [`Error::InvalidPublicKey`] for an
    /// Ed25519 key that does not decode or is of small order, or an X-Wing key refused by
    /// [`XWingPublicKey::from_slice`].
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != IDENTITY_PUBLIC_LEN {
            return Err(Error::InvalidLength {
                what: "identity public key",
                expected: IDENTITY_PUBLIC_LEN,
                got: bytes.len(),
            });
        }
        let (sign, kem) = bytes.split_at(32);
        let sign: [u8; 32] = sign.try_into().map_err(|_| Error::InvalidPublicKey)?;
        verifying_key(&sign)?;
        Ok(Self {
            sign,
            kem: XWingPublicKey::from_slice(kem)?,
        })
    }

    /// An identity read from an authenticated bundle: its keys are checked when used.
    pub(crate) fn unchecked(bytes: &[u8; IDENTITY_PUBLIC_LEN]) -> Self {
        let mut sign = [0u8; 32];
        sign.copy_from_slice(&bytes[..32]);
        let mut kem = Box::new([0u8; xwing::PUBLIC_KEY_LEN]);
        kem.copy_from_slice(&bytes[32..]);
        Self {
            sign,
            kem: XWingPublicKey::unchecked(kem),
        }
    }

    /// The Ed25519 half.
    pub(crate) fn sign_bytes(&self) -> &[u8; 32] {
        &self.sign
    }

    /// The 1248-byte encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        [&self.sign[..], &self.kem.as_bytes()[..]].concat()
    }

    /// `SHA-256(LABEL_FINGERPRINT || Ed25519 key || X-Wing key)`: names the identity in grants
    /// and pins, and gives the fingerprint.
    pub fn digest(&self) -> [u8; DIGEST_LEN] {
        Sha256::new()
            .chain_update(LABEL_FINGERPRINT)
            .chain_update(self.sign)
            .chain_update(self.kem.as_bytes())
            .finalize()
            .into()
    }

    /// The key grants are encapsulated to.
    pub fn kem(&self) -> &XWingPublicKey {
        &self.kem
    }

    /// Checks an Ed25519 signature with `verify_strict` (no small-order keys, canonical
    /// encodings only).
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8; SIGNATURE_LEN]) -> bool {
        verifying_key(&self.sign).is_ok_and(|key| {
            key.verify_strict(message, &Signature::from_bytes(signature))
                .is_ok()
        })
    }
}

/// Decodes an Ed25519 public key, refusing small-order ones.
fn verifying_key(bytes: &[u8; 32]) -> Result<VerifyingKey> {
    let key = VerifyingKey::from_bytes(bytes).map_err(|_| Error::InvalidPublicKey)?;
    if key.is_weak() {
        return Err(Error::InvalidPublicKey);
    }
    Ok(key)
}

impl fmt::Debug for IdentityPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "IdentityPublicKey({})",
            const_hex::encode(&self.digest()[..8])
        )
    }
}

/// The identity's secrets: the seed, the Ed25519 key, and (derived when first needed, to
/// keep an unlock cheap) the X-Wing key. Zeroized on drop, not `Clone`, printed redacted.
pub(crate) struct IdentitySecret {
    seed: SecretBytes,
    sign: SigningKey,
    kem: OnceLock<XWingSecretKey>,
    public: OnceLock<IdentityPublicKey>,
}

impl IdentitySecret {
    /// The key pairs of a 32-byte seed: `HKDF(salt = "", seed, LABEL_IDENTITY_SIGN)` as the
    /// Ed25519 secret key, `HKDF(salt = "", seed, LABEL_IDENTITY_KEM)` as the X-Wing seed.
    pub(crate) fn from_seed(seed: [u8; KEY_LEN]) -> Self {
        let seed = SecretBytes::new(seed);
        let sign = SigningKey::from_bytes(&hkdf_sha256::<32>(
            b"",
            seed.expose(),
            &[LABEL_IDENTITY_SIGN],
        ));
        Self {
            seed,
            sign,
            kem: OnceLock::new(),
            public: OnceLock::new(),
        }
    }

    /// The identity of `seed`, if it is `public` (SPEC.md 5.8 step 2): its Ed25519 key must
    /// be `public`'s. The X-Wing half follows from the same seed, so it is not re-derived
    /// here; an unlock never needs it.
    pub(crate) fn with_public(seed: [u8; KEY_LEN], public: &IdentityPublicKey) -> Result<Self> {
        let identity = Self::from_seed(seed);
        if identity.sign.verifying_key().as_bytes() != public.sign_bytes() {
            return Err(Error::IdentityMismatch);
        }
        identity
            .public
            .set(public.clone())
            .map_err(|_| Error::IdentityMismatch)?;
        Ok(identity)
    }

    pub(crate) fn seed(&self) -> &[u8; KEY_LEN] {
        self.seed.expose()
    }

    pub(crate) fn public_key(&self) -> &IdentityPublicKey {
        self.public.get_or_init(|| IdentityPublicKey {
            sign: self.sign.verifying_key().to_bytes(),
            kem: self.kem().public_key(),
        })
    }

    pub(crate) fn kem(&self) -> &XWingSecretKey {
        self.kem.get_or_init(|| {
            XWingSecretKey::from_seed(*hkdf_sha256::<32>(
                b"",
                self.seed.expose(),
                &[LABEL_IDENTITY_KEM],
            ))
        })
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.sign.sign(message).to_bytes()
    }

    pub(crate) fn clone_secret(&self) -> Self {
        let copy = Self::from_seed(*self.seed.expose());
        if let Some(public) = self.public.get() {
            let _ = copy.public.set(public.clone());
        }
        copy
    }
}

impl fmt::Debug for IdentitySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "IdentitySecret {{ public: {:?}, seed: [redacted] }}",
            self.public
        )
    }
}
