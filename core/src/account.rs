//! The account key hierarchy (SPEC.md, section 5): a random root key per generation,
//! encapsulated to a key pair in every slot; a random identity key and the older roots kept
//! under the current root; album keys derived from the root of their generation.
//!
//! ```text
//! passphrase --Argon2id--> slot key pair --\
//! recovery phrase --HKDF--> slot key pair --+--(HPKE Base, X-Wing)--> ROOT KEY of generation g
//! device X-Wing key pair -------------------/        |
//!                                                    +-- wraps --> identity seed (random)
//!                                                    +-- wraps --> roots of generations 0..g
//!                                                    +-- HKDF(album id, epoch) --> album key
//! ```
//!
//! Every slot holds a public key, so a rotation ([`Keyring::rotate`]) needs only the current
//! root: it encapsulates a new root to every remaining slot. Every operation that changes a
//! bundle returns a new bundle and leaves the old one as it was, so a failure never leaves
//! a bundle half-written.

use std::fmt;

use zeroize::Zeroizing;

use crate::bundle::{PassphraseSlot, RecoverySlot, SLOT_SALT_LEN, SLOT_WRAPPED_LEN, Slot};
use crate::envelope::{self, Purpose};
use crate::hpke::xwing::{self, XWingPublicKey, XWingSecretKey};
use crate::identity::{DIGEST_LEN, IdentityPublicKey, IdentitySecret};
use crate::kdf::{self, KdfParams};
use crate::keys::SecretBytes;
use crate::primitives::{KEY_LEN, fill_random, hkdf_sha256};
use crate::recovery::RecoveryPhrase;
use crate::{Error, Result};

/// HKDF info label of album keys (followed by the epoch).
pub const LABEL_ALBUM: &[u8] = b"keepsake/v1/album";
/// HKDF info label of the recovery slot's key material.
pub const LABEL_RECOVERY_KEK: &[u8] = b"keepsake/v1/recovery-kek";
/// HPKE info label of every root slot (followed by the slot kind and its public key).
pub const LABEL_ROOT_SLOT: &[u8] = b"keepsake/v1/root-slot";
/// Slot kind byte of the passphrase slot.
pub const SLOT_PASSPHRASE: u8 = 1;
/// Slot kind byte of the recovery slot.
pub const SLOT_RECOVERY: u8 = 2;
/// Slot kind byte of device slots.
pub const SLOT_DEVICE: u8 = 3;

pub use crate::bundle::AccountBundle;

/// Where a bundle-writing operation draws its randomness: the OS, or, for known-answer
/// vectors, a fixed byte string consumed in the order SPEC.md 7 gives.
pub(crate) trait Randomness {
    fn fill(&mut self, out: &mut [u8]) -> Result<()>;
}

/// The operating system's CSPRNG.
pub(crate) struct OsRandom;

impl Randomness for OsRandom {
    fn fill(&mut self, out: &mut [u8]) -> Result<()> {
        fill_random(out)
    }
}

pub(crate) fn draw<const N: usize>(random: &mut dyn Randomness) -> Result<Zeroizing<[u8; N]>> {
    let mut out = Zeroizing::new([0u8; N]);
    random.fill(out.as_mut())?;
    Ok(out)
}

/// A device's X-Wing key pair (its secret is a 32-byte seed). The secret lives in the
/// platform keystore; the core hands it out only as a zeroizing value
/// ([`DeviceKey::to_bytes`]).
pub struct DeviceKey(XWingSecretKey);

impl DeviceKey {
    /// A fresh device key pair.
    ///
    /// # Errors
    /// [`Error::RandomnessUnavailable`].
    pub fn generate() -> Result<Self> {
        XWingSecretKey::generate().map(Self)
    }

    /// Restores a device key from the 32-byte seed the keystore holds.
    pub fn from_bytes(secret: [u8; KEY_LEN]) -> Self {
        Self(XWingSecretKey::from_seed(secret))
    }

    /// The secret, for the platform keystore. The copy is the caller's to wipe; the
    /// returned value wipes itself when dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; KEY_LEN]> {
        self.0.to_bytes()
    }

    /// The public key (1216 bytes), which enrolls this device.
    pub fn public_key(&self) -> XWingPublicKey {
        self.0.public_key()
    }
}

impl fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DeviceKey {{ public: {:?}, secret: [redacted] }}",
            self.public_key()
        )
    }
}

/// What a device remembers about its account between unlocks: the identity's digest
/// ([`IdentityPublicKey::digest`], which a planted root cannot reproduce) and the newest
/// generation it has seen (which an older bundle, served again, cannot reach). Public, 40
/// bytes ([`AccountPin::to_bytes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountPin {
    /// The digest of the account's identity public key.
    pub identity: [u8; DIGEST_LEN],
    /// The newest account generation this device has seen.
    pub generation: u64,
}

/// Length of an encoded [`AccountPin`].
pub const ACCOUNT_PIN_LEN: usize = 32 + 8;

impl AccountPin {
    /// `identity || be64(generation)`, for the device's own storage.
    pub fn to_bytes(&self) -> [u8; ACCOUNT_PIN_LEN] {
        let mut out = [0u8; ACCOUNT_PIN_LEN];
        out[..32].copy_from_slice(&self.identity);
        out[32..].copy_from_slice(&self.generation.to_be_bytes());
        out
    }

    /// Parses [`AccountPin::to_bytes`].
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless exactly 40 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        let bytes: &[u8; ACCOUNT_PIN_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
            what: "account pin",
            expected: ACCOUNT_PIN_LEN,
            got: bytes.len(),
        })?;
        let mut identity = [0u8; 32];
        identity.copy_from_slice(&bytes[..32]);
        let mut generation = [0u8; 8];
        generation.copy_from_slice(&bytes[32..]);
        Ok(Self {
            identity,
            generation: u64::from_be_bytes(generation),
        })
    }
}

/// An unlocked account: the root key of every generation (the last is current) and the
/// identity key. Every secret zeroizes itself on drop; not `Clone`.
pub struct Keyring {
    /// `roots[i]` is the root of generation `i`; `roots.len() == generation + 1`.
    pub(crate) roots: Vec<SecretBytes>,
    pub(crate) identity: IdentitySecret,
}

/// What [`create_account`] returns: the keyring, the bundle to store, and the recovery
/// phrase to show the user once.
#[derive(Debug)]
pub struct NewAccount {
    /// The unlocked account.
    pub keyring: Keyring,
    /// The bundle to store on the server and on the device.
    pub bundle: AccountBundle,
    /// Show once, then drop.
    pub recovery_phrase: RecoveryPhrase,
}

fn slot_info(kind: u8, public_key: &XWingPublicKey) -> Vec<u8> {
    [LABEL_ROOT_SLOT, &[kind], &public_key.as_bytes()[..]].concat()
}

/// Encapsulates `root` to a slot's public key (SPEC.md 5.4); draws the 64 bytes of
/// encapsulation randomness.
pub(crate) fn seal_slot(
    root: &[u8; KEY_LEN],
    kind: u8,
    public_key: &XWingPublicKey,
    random: &mut dyn Randomness,
) -> Result<Slot> {
    let eseed = draw::<{ xwing::ENCAPSULATION_RANDOMNESS_LEN }>(random)?;
    let (enc, ciphertext) = xwing::seal_base_with_randomness(
        public_key,
        &eseed,
        &slot_info(kind, public_key),
        b"",
        root,
    )?;
    let wrapped_root: [u8; SLOT_WRAPPED_LEN] = ciphertext
        .as_slice()
        .try_into()
        .map_err(|_| Error::DecryptionFailed)?;
    Ok(Slot {
        public_key: public_key.clone(),
        enc,
        wrapped_root,
    })
}

fn open_slot(secret: &XWingSecretKey, kind: u8, slot: &Slot) -> Result<SecretBytes> {
    let opened = Zeroizing::new(xwing::open_base(
        secret,
        &slot.enc[..],
        &slot_info(kind, &slot.public_key),
        b"",
        &slot.wrapped_root,
    )?);
    SecretBytes::from_slice("root key", &opened)
}

/// The passphrase slot's key pair: `DeriveKeyPair(Argon2id(passphrase, salt, params))`.
fn passphrase_key(
    passphrase: &str,
    salt: &[u8; SLOT_SALT_LEN],
    params: &KdfParams,
) -> Result<XWingSecretKey> {
    let kek = kdf::derive_key(passphrase, salt, params)?;
    XWingSecretKey::derive(kek.as_ref())
}

/// The recovery slot's key pair: `DeriveKeyPair(HKDF(salt, secret, LABEL_RECOVERY_KEK))`.
fn recovery_key(phrase: &RecoveryPhrase, salt: &[u8; SLOT_SALT_LEN]) -> Result<XWingSecretKey> {
    let kek = hkdf_sha256::<32>(salt, phrase.secret(), &[LABEL_RECOVERY_KEK]);
    XWingSecretKey::derive(kek.as_ref())
}

pub(crate) fn passphrase_slot(
    root: &[u8; KEY_LEN],
    passphrase: &str,
    params: &KdfParams,
    random: &mut dyn Randomness,
) -> Result<PassphraseSlot> {
    let salt = *draw::<SLOT_SALT_LEN>(random)?;
    let key = passphrase_key(passphrase, &salt, params)?;
    Ok(PassphraseSlot {
        params: *params,
        salt,
        slot: seal_slot(root, SLOT_PASSPHRASE, &key.public_key(), random)?,
    })
}

pub(crate) fn recovery_slot(
    root: &[u8; KEY_LEN],
    phrase: &RecoveryPhrase,
    random: &mut dyn Randomness,
) -> Result<RecoverySlot> {
    let salt = *draw::<SLOT_SALT_LEN>(random)?;
    let key = recovery_key(phrase, &salt)?;
    Ok(RecoverySlot {
        salt,
        slot: seal_slot(root, SLOT_RECOVERY, &key.public_key(), random)?,
    })
}

/// The identity seed wrapped under `root`, bound to the identity's digest (SPEC.md 5.1).
pub(crate) fn wrap_identity(
    root: &[u8; KEY_LEN],
    identity: &IdentitySecret,
    random: &mut dyn Randomness,
) -> Result<[u8; envelope::WRAPPED_KEY_LEN]> {
    let nonce = *draw::<{ crate::primitives::XNONCE_LEN }>(random)?;
    let wrapped = envelope::wrap_key(
        root,
        Purpose::IdentitySecret,
        &[&identity.public_key().digest()],
        identity.seed(),
        nonce,
    )?;
    wrapped.try_into().map_err(|_| Error::DecryptionFailed)
}

/// Creates an account: a random root key (generation 0), a random identity key, a
/// passphrase slot with `params`, a fresh recovery phrase and its slot, no device yet.
///
/// ```
/// use keepsake::{account, kdf::KdfParams};
/// let new = account::create_account("correct horse battery staple", &KdfParams::FLOOR)?;
/// println!("write these words down: {}", new.recovery_phrase.words());
/// let stored = new.bundle.to_bytes();
///
/// let bundle = account::AccountBundle::parse(&stored)?;
/// let keyring = account::unlock_with_passphrase(&bundle, "correct horse battery staple")?;
/// assert_eq!(keyring.identity_public_key(), new.keyring.identity_public_key());
/// # Ok::<(), keepsake::Error>(())
/// ```
///
/// # Errors
/// [`Error::RandomnessUnavailable`]; [`Error::OutOfMemory`] if Argon2id's memory cannot
/// be allocated.
pub fn create_account(passphrase: &str, params: &KdfParams) -> Result<NewAccount> {
    create_account_with(passphrase, params, &mut OsRandom)
}

/// [`create_account`] drawing, in order: root (32), identity seed (32), recovery secret
/// (32), passphrase salt (16) and encapsulation randomness (64), recovery salt (16) and
/// encapsulation randomness (64), identity nonce (24).
pub(crate) fn create_account_with(
    passphrase: &str,
    params: &KdfParams,
    random: &mut dyn Randomness,
) -> Result<NewAccount> {
    let root = SecretBytes::new(*draw::<KEY_LEN>(random)?);
    let identity = IdentitySecret::from_seed(*draw::<KEY_LEN>(random)?);
    let phrase = RecoveryPhrase::from_secret(SecretBytes::new(*draw::<KEY_LEN>(random)?));
    let passphrase_slot = passphrase_slot(root.expose(), passphrase, params, random)?;
    let recovery_slot = recovery_slot(root.expose(), &phrase, random)?;
    let mut bundle = AccountBundle {
        generation: 0,
        identity: identity.public_key().clone(),
        identity_secret: wrap_identity(root.expose(), &identity, random)?,
        passphrase: passphrase_slot,
        recovery: recovery_slot,
        devices: Vec::new(),
        history: Vec::new(),
        mac: [0; 32],
        body_bytes: crate::bundle::BodyBytes::default(),
    };
    bundle.seal_mac(root.expose());
    Ok(NewAccount {
        keyring: Keyring {
            roots: vec![root],
            identity,
        },
        bundle,
        recovery_phrase: phrase,
    })
}

/// Unlocks with the passphrase. A device that keeps an [`AccountPin`] then calls
/// [`Keyring::check_pin`]; a fresh device has nothing to compare (SPEC.md 5.9).
///
/// # Errors
/// [`Error::WrongPassphrase`]; [`Error::OutOfMemory`]; then, once the root is out,
/// [`Error::IdentityMismatch`] if it is not the account's root and
/// [`Error::BundleTampered`] if the MAC or the history fails.
pub fn unlock_with_passphrase(bundle: &AccountBundle, passphrase: &str) -> Result<Keyring> {
    let slot = &bundle.passphrase;
    let key = passphrase_key(passphrase, &slot.salt, &slot.params)?;
    if key.public_key() != slot.slot.public_key {
        return Err(Error::WrongPassphrase);
    }
    let root = open_slot(&key, SLOT_PASSPHRASE, &slot.slot).map_err(|e| match e {
        Error::DecryptionFailed => Error::WrongPassphrase,
        other => other,
    })?;
    Keyring::verified(root, bundle, None)
}

/// Unlocks with the recovery phrase. See [`unlock_with_passphrase`] for the pin.
///
/// # Errors
/// [`Error::WrongRecoveryPhrase`]; [`Error::IdentityMismatch`]; [`Error::BundleTampered`].
pub fn unlock_with_recovery(bundle: &AccountBundle, phrase: &RecoveryPhrase) -> Result<Keyring> {
    let slot = &bundle.recovery;
    let key = recovery_key(phrase, &slot.salt)?;
    if key.public_key() != slot.slot.public_key {
        return Err(Error::WrongRecoveryPhrase);
    }
    let root = open_slot(&key, SLOT_RECOVERY, &slot.slot).map_err(|e| match e {
        Error::DecryptionFailed => Error::WrongRecoveryPhrase,
        other => other,
    })?;
    Keyring::verified(root, bundle, None)
}

/// Unlocks with an enrolled device's key, no passphrase. `pin` is what the device kept
/// from its enrolment and every later unlock ([`Keyring::pin`]): a slot that opens to any
/// other account's root (one planted by a malicious server) is refused, and so is a bundle
/// older than the newest generation the device has seen (one served again by a server).
///
/// # Errors
/// [`Error::DeviceNotEnrolled`] if no slot is for this device (never enrolled, or
/// revoked); [`Error::DecryptionFailed`] if its slot does not open;
/// [`Error::IdentityMismatch`] if the root is not the pinned account's;
/// [`Error::BundleTampered`] if the MAC or the history fails; [`Error::Rollback`] if the
/// bundle's generation is older than the pin's.
pub fn unlock_with_device(
    bundle: &AccountBundle,
    device: &DeviceKey,
    pin: &AccountPin,
) -> Result<Keyring> {
    let public = device.public_key();
    let slot = bundle
        .devices
        .iter()
        .find(|slot| slot.public_key == public)
        .ok_or(Error::DeviceNotEnrolled)?;
    let root = open_slot(&device.0, SLOT_DEVICE, slot)?;
    Keyring::verified(root, bundle, Some(pin))
}

impl Keyring {
    /// Accepts a root obtained from a slot only if it is the account's (SPEC.md 5.8): it
    /// unwraps the bundle's identity secret, whose public key is the bundle's and the
    /// pinned one; the MAC verifies; every history entry opens; the generation is not older
    /// than the pin's.
    fn verified(
        root: SecretBytes,
        bundle: &AccountBundle,
        pin: Option<&AccountPin>,
    ) -> Result<Self> {
        let digest = bundle.identity.digest();
        let seed = envelope::unwrap_key(
            root.expose(),
            Purpose::IdentitySecret,
            &[&digest],
            &bundle.identity_secret,
        )
        // Any failure: the root is not this account's current one (SPEC.md 5.8 step 2).
        .map_err(|_| Error::IdentityMismatch)?;
        let identity = IdentitySecret::with_public(*seed.expose(), &bundle.identity)?;
        if pin.is_some_and(|pin| pin.identity != digest) {
            return Err(Error::IdentityMismatch);
        }
        bundle.verify_mac(root.expose())?;
        let mut roots = Vec::with_capacity(bundle.history.len() + 1);
        for (i, wrapped) in bundle.history.iter().enumerate() {
            let old = envelope::unwrap_key(
                root.expose(),
                Purpose::RootHistory,
                &[&(i as u64).to_be_bytes(), &bundle.generation.to_be_bytes()],
                wrapped,
            )
            .map_err(|_| Error::BundleTampered)?;
            roots.push(old);
        }
        roots.push(root);
        let keyring = Self { roots, identity };
        if let Some(pin) = pin {
            keyring.check_pin(pin)?;
        }
        Ok(keyring)
    }

    /// The current root.
    pub(crate) fn root(&self) -> &[u8; KEY_LEN] {
        self.roots
            .last()
            .expect("a keyring holds at least the root of generation 0")
            .expose()
    }

    /// Checks that `bundle` is this account's, at this keyring's generation, and unaltered
    /// before changing it.
    pub(crate) fn check_own(&self, bundle: &AccountBundle) -> Result<()> {
        if bundle.identity != *self.identity.public_key() {
            return Err(Error::IdentityMismatch);
        }
        if bundle.generation < self.generation() {
            return Err(Error::Rollback {
                seen: self.generation(),
                offered: bundle.generation,
            });
        }
        bundle.verify_mac(self.root())
    }

    /// The account generation this keyring's current root belongs to.
    pub fn generation(&self) -> u64 {
        self.roots.len() as u64 - 1
    }

    /// What the device keeps after this unlock: the identity and this generation. Store it
    /// (replacing the older one) and pass it to the next [`unlock_with_device`].
    pub fn pin(&self) -> AccountPin {
        AccountPin {
            identity: self.identity.public_key().digest(),
            generation: self.generation(),
        }
    }

    /// Checks a device's stored pin against this keyring (after a passphrase or recovery
    /// unlock on a device that has one; a device unlock checks it itself).
    ///
    /// # Errors
    /// [`Error::IdentityMismatch`] if the pin is another account's; [`Error::Rollback`] if
    /// the device has seen a newer generation than the bundle this keyring came from.
    pub fn check_pin(&self, pin: &AccountPin) -> Result<()> {
        if pin.identity != self.identity.public_key().digest() {
            return Err(Error::IdentityMismatch);
        }
        if pin.generation > self.generation() {
            return Err(Error::Rollback {
                seen: pin.generation,
                offered: self.generation(),
            });
        }
        Ok(())
    }

    /// The identity public key others share albums to; part of the pin a device keeps. It
    /// does not change when the root rotates.
    pub fn identity_public_key(&self) -> IdentityPublicKey {
        self.identity.public_key().clone()
    }

    pub(crate) fn identity_secret(&self) -> &IdentitySecret {
        &self.identity
    }

    /// Rewrites the passphrase slot only. Returns the new bundle; `bundle` is untouched.
    ///
    /// # Errors
    /// [`Error::BundleTampered`] / [`Error::IdentityMismatch`] / [`Error::Rollback`] if
    /// `bundle` is not this account's current one; [`Error::OutOfMemory`];
    /// [`Error::RandomnessUnavailable`].
    pub fn change_passphrase(
        &self,
        bundle: &AccountBundle,
        new_passphrase: &str,
        params: &KdfParams,
    ) -> Result<AccountBundle> {
        self.change_passphrase_with(bundle, new_passphrase, params, &mut OsRandom)
    }

    /// Draws the salt (16) and the encapsulation randomness (64).
    pub(crate) fn change_passphrase_with(
        &self,
        bundle: &AccountBundle,
        new_passphrase: &str,
        params: &KdfParams,
        random: &mut dyn Randomness,
    ) -> Result<AccountBundle> {
        self.check_own(bundle)?;
        let mut next = bundle.clone();
        next.passphrase = passphrase_slot(self.root(), new_passphrase, params, random)?;
        next.seal_mac(self.root());
        Ok(next)
    }

    /// Replaces the recovery slot with one for a fresh phrase; the old phrase stops
    /// working for bundles written from now on.
    ///
    /// # Errors
    /// As [`Keyring::change_passphrase`].
    pub fn rotate_recovery(
        &self,
        bundle: &AccountBundle,
    ) -> Result<(AccountBundle, RecoveryPhrase)> {
        self.rotate_recovery_with(bundle, &mut OsRandom)
    }

    /// Draws the recovery secret (32), the salt (16) and the encapsulation randomness (64).
    pub(crate) fn rotate_recovery_with(
        &self,
        bundle: &AccountBundle,
        random: &mut dyn Randomness,
    ) -> Result<(AccountBundle, RecoveryPhrase)> {
        self.check_own(bundle)?;
        let phrase = RecoveryPhrase::from_secret(SecretBytes::new(*draw::<KEY_LEN>(random)?));
        let mut next = bundle.clone();
        next.recovery = recovery_slot(self.root(), &phrase, random)?;
        next.seal_mac(self.root());
        Ok((next, phrase))
    }

    /// Enrolls a device by encapsulating the current root to its public key (HPKE Base, X-Wing).
    /// Returns the new bundle and the pin the device must keep and pass to
    /// [`unlock_with_device`]. Enrolling an enrolled device replaces its slot.
    ///
    /// # Errors
    /// [`Error::InvalidPublicKey`] for a low-order device key; [`Error::TooLarge`] past
    /// [`MAX_DEVICES`](crate::bundle::MAX_DEVICES); as [`Keyring::change_passphrase`].
    pub fn enroll_device(
        &self,
        bundle: &AccountBundle,
        device: &XWingPublicKey,
    ) -> Result<(AccountBundle, AccountPin)> {
        self.enroll_device_with(bundle, device, &mut OsRandom)
    }

    /// Draws the encapsulation randomness (64).
    pub(crate) fn enroll_device_with(
        &self,
        bundle: &AccountBundle,
        device: &XWingPublicKey,
        random: &mut dyn Randomness,
    ) -> Result<(AccountBundle, AccountPin)> {
        self.check_own(bundle)?;
        let slot = seal_slot(self.root(), SLOT_DEVICE, device, random)?;
        let mut next = bundle.clone();
        next.devices.retain(|d| d.public_key != *device);
        if next.devices.len() >= crate::bundle::MAX_DEVICES {
            return Err(Error::TooLarge {
                what: "device slots",
                len: next.devices.len() as u64 + 1,
                max: crate::bundle::MAX_DEVICES as u64,
            });
        }
        let at = next
            .devices
            .partition_point(|d| d.public_key.as_bytes()[..] < device.as_bytes()[..]);
        next.devices.insert(at, slot);
        next.seal_mac(self.root());
        Ok((next, self.pin()))
    }

    /// Removes a device's slot without rotating the root. The device cannot unlock this
    /// bundle or any written after it, but if it kept the root it still derives every
    /// album key of this generation: use [`Keyring::revoke_device_and_rotate`] for a lost
    /// or stolen device.
    ///
    /// # Errors
    /// [`Error::DeviceNotEnrolled`] if it has no slot; as [`Keyring::change_passphrase`].
    pub fn revoke_device(
        &self,
        bundle: &AccountBundle,
        device: &XWingPublicKey,
    ) -> Result<AccountBundle> {
        self.check_own(bundle)?;
        let mut next = bundle.clone();
        let before = next.devices.len();
        next.devices.retain(|d| d.public_key != *device);
        if next.devices.len() == before {
            return Err(Error::DeviceNotEnrolled);
        }
        next.seal_mac(self.root());
        Ok(next)
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self { roots, identity } = self;
        f.debug_struct("Keyring")
            .field("identity", identity.public_key())
            .field("generation", &(roots.len() - 1))
            .field("roots", &"[redacted]")
            .finish()
    }
}
