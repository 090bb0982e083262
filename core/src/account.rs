//! The account key hierarchy (SPEC.md, section 5): a random root key behind passphrase,
//! recovery and device slots; the identity key and album keys derived from it.
//!
//! ```text
//! passphrase --Argon2id--> KEK --\
//! recovery phrase --HKDF--> KEK --+--> unwraps ROOT KEY (random, 32 bytes)
//! device X25519 secret --HPKE Base--/        |
//!                                            +-- HKDF --> identity X25519 key pair
//!                                            +-- HKDF(album id, epoch) --> album key
//! ```
//!
//! Every operation that changes a bundle returns a new bundle and leaves the old one as it
//! was, so a failure never leaves a bundle half-written.

use std::fmt;

use crate::bundle::{DEVICE_WRAPPED_LEN, DeviceSlot, PassphraseSlot, RecoverySlot, SLOT_SALT_LEN};
use crate::envelope::{self, Purpose};
use crate::hpke::{self, HpkePublicKey, HpkeSecretKey};
use crate::kdf::{self, KdfParams};
use crate::keys::SecretBytes;
use crate::primitives::{KEY_LEN, XNONCE_LEN, fill_random, hkdf_sha256};
use crate::recovery::RecoveryPhrase;
use crate::{AlbumId, AlbumKey, Error, Result};

/// HKDF info label of the identity key.
pub const LABEL_IDENTITY: &[u8] = b"keepsake/v1/identity";
/// HKDF info label of album keys (followed by the epoch).
pub const LABEL_ALBUM: &[u8] = b"keepsake/v1/album";
/// HKDF info label of the recovery slot's key.
pub const LABEL_RECOVERY_KEK: &[u8] = b"keepsake/v1/recovery-kek";
/// HPKE info label of device slots.
pub const LABEL_DEVICE_SLOT: &[u8] = b"keepsake/v1/device-slot";

pub use crate::bundle::AccountBundle;

/// A device's X25519 key pair. The secret lives in the platform keystore; the core
/// hands it out only as a zeroizing value ([`DeviceKey::to_bytes`]).
pub struct DeviceKey(HpkeSecretKey);

impl DeviceKey {
    /// A fresh device key pair.
    ///
    /// # Errors
    /// [`Error::RandomnessUnavailable`].
    pub fn generate() -> Result<Self> {
        HpkeSecretKey::generate().map(Self)
    }

    /// Restores a device key from the 32 bytes the keystore holds.
    pub fn from_bytes(secret: [u8; KEY_LEN]) -> Self {
        Self(HpkeSecretKey::from_bytes(secret))
    }

    /// The secret, for the platform keystore. The copy is the caller's to wipe; the
    /// returned value wipes itself when dropped.
    pub fn to_bytes(&self) -> zeroize::Zeroizing<[u8; KEY_LEN]> {
        self.0.to_bytes()
    }

    /// The public key, which enrolls this device.
    pub fn public_key(&self) -> HpkePublicKey {
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

/// An unlocked account: the root key and the identity key derived from it. Both fields
/// zeroize themselves on drop; not `Clone`.
pub struct Keyring {
    root: SecretBytes,
    identity: HpkeSecretKey,
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

/// The randomness one bundle-writing operation consumes, drawn up front (and fixed in
/// known-answer vectors).
pub(crate) struct SlotRandomness {
    pub(crate) salt: [u8; SLOT_SALT_LEN],
    pub(crate) nonce: [u8; XNONCE_LEN],
}

impl SlotRandomness {
    pub(crate) fn draw() -> Result<Self> {
        let mut salt = [0u8; SLOT_SALT_LEN];
        fill_random(&mut salt)?;
        Ok(Self {
            salt,
            nonce: envelope::random_nonce()?,
        })
    }
}

/// The passphrase slot's envelope context: the parameters and salt it was made with.
fn passphrase_context(params: &KdfParams, salt: &[u8; SLOT_SALT_LEN]) -> [u8; 12 + SLOT_SALT_LEN] {
    let mut out = [0u8; 12 + SLOT_SALT_LEN];
    out[..4].copy_from_slice(&params.memory_kib().to_be_bytes());
    out[4..8].copy_from_slice(&params.iterations().to_be_bytes());
    out[8..12].copy_from_slice(&params.parallelism().to_be_bytes());
    out[12..].copy_from_slice(salt);
    out
}

pub(crate) fn passphrase_slot(
    root: &[u8; KEY_LEN],
    passphrase: &str,
    params: &KdfParams,
    random: &SlotRandomness,
) -> Result<PassphraseSlot> {
    let kek = kdf::derive_key(passphrase, &random.salt, params)?;
    let context = passphrase_context(params, &random.salt);
    let wrapped_root = envelope::wrap_key(
        &kek,
        Purpose::RootPassphraseSlot,
        &[&context],
        root,
        random.nonce,
    )?;
    Ok(PassphraseSlot {
        params: *params,
        salt: random.salt,
        wrapped_root,
    })
}

fn recovery_kek(
    phrase: &RecoveryPhrase,
    salt: &[u8; SLOT_SALT_LEN],
) -> zeroize::Zeroizing<[u8; 32]> {
    hkdf_sha256::<32>(salt, phrase.secret(), &[LABEL_RECOVERY_KEK])
}

pub(crate) fn recovery_slot(
    root: &[u8; KEY_LEN],
    phrase: &RecoveryPhrase,
    random: &SlotRandomness,
) -> Result<RecoverySlot> {
    let kek = recovery_kek(phrase, &random.salt);
    let wrapped_root = envelope::wrap_key(
        &kek,
        Purpose::RootRecoverySlot,
        &[&random.salt],
        root,
        random.nonce,
    )?;
    Ok(RecoverySlot {
        salt: random.salt,
        wrapped_root,
    })
}

fn device_info(device: &HpkePublicKey) -> Vec<u8> {
    [LABEL_DEVICE_SLOT, device.as_bytes()].concat()
}

pub(crate) fn device_slot(
    root: &[u8; KEY_LEN],
    device: &HpkePublicKey,
    ephemeral: Option<&HpkeSecretKey>,
) -> Result<DeviceSlot> {
    let info = device_info(device);
    let (enc, ciphertext) = match ephemeral {
        Some(eph) => hpke::seal_base_with_ephemeral(device, eph, &info, b"", root)?,
        None => hpke::seal_base(device, &info, b"", root)?,
    };
    let wrapped_root: [u8; DEVICE_WRAPPED_LEN] = ciphertext
        .as_slice()
        .try_into()
        .map_err(|_| Error::DecryptionFailed)?;
    Ok(DeviceSlot {
        public_key: *device,
        enc,
        wrapped_root,
    })
}

/// Creates an account: a random root key, a passphrase slot with `params`, a fresh
/// recovery phrase and its slot, no device yet.
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
    let root = SecretBytes::random()?;
    let phrase = RecoveryPhrase::generate()?;
    let bundle = new_bundle(
        &root,
        passphrase,
        params,
        &phrase,
        &SlotRandomness::draw()?,
        &SlotRandomness::draw()?,
    )?;
    Ok(NewAccount {
        keyring: Keyring::from_root(root),
        bundle,
        recovery_phrase: phrase,
    })
}

pub(crate) fn new_bundle(
    root: &SecretBytes,
    passphrase: &str,
    params: &KdfParams,
    phrase: &RecoveryPhrase,
    passphrase_random: &SlotRandomness,
    recovery_random: &SlotRandomness,
) -> Result<AccountBundle> {
    let keyring = Keyring::from_root(root.clone_secret());
    let mut bundle = AccountBundle {
        identity: keyring.identity_public_key(),
        passphrase: passphrase_slot(root.expose(), passphrase, params, passphrase_random)?,
        recovery: recovery_slot(root.expose(), phrase, recovery_random)?,
        devices: Vec::new(),
        mac: [0; 32],
    };
    bundle.seal_mac(root.expose());
    Ok(bundle)
}

/// Unlocks with the passphrase.
///
/// # Errors
/// [`Error::WrongPassphrase`]; [`Error::OutOfMemory`]; then, once the root is out,
/// [`Error::IdentityMismatch`] if it does not derive the bundle's identity and
/// [`Error::BundleTampered`] if the MAC fails.
pub fn unlock_with_passphrase(bundle: &AccountBundle, passphrase: &str) -> Result<Keyring> {
    let slot = &bundle.passphrase;
    let kek = kdf::derive_key(passphrase, &slot.salt, &slot.params)?;
    let context = passphrase_context(&slot.params, &slot.salt);
    let root = envelope::unwrap_key(
        &kek,
        Purpose::RootPassphraseSlot,
        &[&context],
        &slot.wrapped_root,
    )
    .map_err(|e| match e {
        Error::DecryptionFailed => Error::WrongPassphrase,
        other => other,
    })?;
    Keyring::verified(root, bundle, None)
}

/// Unlocks with the recovery phrase.
///
/// # Errors
/// [`Error::WrongRecoveryPhrase`]; [`Error::IdentityMismatch`]; [`Error::BundleTampered`].
pub fn unlock_with_recovery(bundle: &AccountBundle, phrase: &RecoveryPhrase) -> Result<Keyring> {
    let slot = &bundle.recovery;
    let kek = recovery_kek(phrase, &slot.salt);
    let root = envelope::unwrap_key(
        &kek,
        Purpose::RootRecoverySlot,
        &[&slot.salt],
        &slot.wrapped_root,
    )
    .map_err(|e| match e {
        Error::DecryptionFailed => Error::WrongRecoveryPhrase,
        other => other,
    })?;
    Keyring::verified(root, bundle, None)
}

/// Unlocks with an enrolled device's key, no passphrase. `pinned_identity` is the
/// identity public key [`Keyring::enroll_device`] returned when this device was enrolled:
/// a slot that opens to any other root (one planted by a malicious server) is refused.
///
/// # Errors
/// [`Error::DeviceNotEnrolled`] if no slot is for this device (never enrolled, or
/// revoked); [`Error::DecryptionFailed`] if its slot does not open;
/// [`Error::IdentityMismatch`] if the root is not the pinned account's;
/// [`Error::BundleTampered`] if the MAC fails.
pub fn unlock_with_device(
    bundle: &AccountBundle,
    device: &DeviceKey,
    pinned_identity: &HpkePublicKey,
) -> Result<Keyring> {
    let public = device.public_key();
    let slot = bundle
        .devices
        .iter()
        .find(|slot| slot.public_key == public)
        .ok_or(Error::DeviceNotEnrolled)?;
    let opened = zeroize::Zeroizing::new(hpke::open_base(
        &device.0,
        &slot.enc,
        &device_info(&public),
        b"",
        &slot.wrapped_root,
    )?);
    let root = SecretBytes::from_slice("root key", &opened)?;
    Keyring::verified(root, bundle, Some(pinned_identity))
}

impl Keyring {
    pub(crate) fn from_root(root: SecretBytes) -> Self {
        let secret = hkdf_sha256::<32>(b"", root.expose(), &[LABEL_IDENTITY]);
        Self {
            identity: HpkeSecretKey::from_bytes(*secret),
            root,
        }
    }

    /// Accepts a root obtained from a slot only if it is the account's: it derives the
    /// pinned identity (or, with no pin, the bundle's), and it verifies the bundle's MAC.
    fn verified(
        root: SecretBytes,
        bundle: &AccountBundle,
        pinned: Option<&HpkePublicKey>,
    ) -> Result<Self> {
        let keyring = Self::from_root(root);
        let identity = keyring.identity_public_key();
        if identity != *pinned.unwrap_or(&bundle.identity) || identity != bundle.identity {
            return Err(Error::IdentityMismatch);
        }
        bundle.verify_mac(keyring.root.expose())?;
        Ok(keyring)
    }

    /// Checks that `bundle` is this account's and unaltered before changing it.
    fn check_own(&self, bundle: &AccountBundle) -> Result<()> {
        if bundle.identity != self.identity_public_key() {
            return Err(Error::IdentityMismatch);
        }
        bundle.verify_mac(self.root.expose())
    }

    /// The identity public key others share albums to; also the pin a device keeps.
    pub fn identity_public_key(&self) -> HpkePublicKey {
        self.identity.public_key()
    }

    pub(crate) fn identity_secret(&self) -> &HpkeSecretKey {
        &self.identity
    }

    /// The key of album `album_id` at `epoch`:
    /// `HKDF-SHA256[salt = album id, info = LABEL_ALBUM || be64(epoch)](root, 32)`.
    /// Every device holding the root reaches every album; removing a member from a shared
    /// album moves it to `epoch + 1`, whose key the removed member never receives.
    pub fn album_key(&self, album_id: AlbumId, epoch: u64) -> AlbumKey {
        let key = hkdf_sha256::<32>(
            album_id.as_bytes(),
            self.root.expose(),
            &[LABEL_ALBUM, &epoch.to_be_bytes()],
        );
        AlbumKey::from_bytes(album_id, epoch, *key)
    }

    /// Rewrites the passphrase slot only. Returns the new bundle; `bundle` is untouched.
    ///
    /// # Errors
    /// [`Error::BundleTampered`] / [`Error::IdentityMismatch`] if `bundle` is not this
    /// account's; [`Error::OutOfMemory`]; [`Error::RandomnessUnavailable`].
    pub fn change_passphrase(
        &self,
        bundle: &AccountBundle,
        new_passphrase: &str,
        params: &KdfParams,
    ) -> Result<AccountBundle> {
        self.change_passphrase_with(bundle, new_passphrase, params, &SlotRandomness::draw()?)
    }

    pub(crate) fn change_passphrase_with(
        &self,
        bundle: &AccountBundle,
        new_passphrase: &str,
        params: &KdfParams,
        random: &SlotRandomness,
    ) -> Result<AccountBundle> {
        self.check_own(bundle)?;
        let mut next = bundle.clone();
        next.passphrase = passphrase_slot(self.root.expose(), new_passphrase, params, random)?;
        next.seal_mac(self.root.expose());
        Ok(next)
    }

    /// Replaces the recovery slot with one for a fresh phrase; the root key is unchanged,
    /// and the old phrase stops working for bundles written from now on.
    ///
    /// # Errors
    /// As [`Keyring::change_passphrase`].
    pub fn rotate_recovery(
        &self,
        bundle: &AccountBundle,
    ) -> Result<(AccountBundle, RecoveryPhrase)> {
        self.check_own(bundle)?;
        let phrase = RecoveryPhrase::generate()?;
        let mut next = bundle.clone();
        next.recovery = recovery_slot(self.root.expose(), &phrase, &SlotRandomness::draw()?)?;
        next.seal_mac(self.root.expose());
        Ok((next, phrase))
    }

    /// Enrolls a device by sealing the root key to its public key (HPKE Base). Returns
    /// the new bundle and the identity pin the device must keep and pass to
    /// [`unlock_with_device`]. Enrolling an enrolled device replaces its slot.
    ///
    /// # Errors
    /// [`Error::InvalidPublicKey`] for a low-order device key; [`Error::TooLarge`] past
    /// [`MAX_DEVICES`](crate::bundle::MAX_DEVICES); as [`Keyring::change_passphrase`].
    pub fn enroll_device(
        &self,
        bundle: &AccountBundle,
        device: &HpkePublicKey,
    ) -> Result<(AccountBundle, HpkePublicKey)> {
        self.enroll_device_with(bundle, device, None)
    }

    pub(crate) fn enroll_device_with(
        &self,
        bundle: &AccountBundle,
        device: &HpkePublicKey,
        ephemeral: Option<&HpkeSecretKey>,
    ) -> Result<(AccountBundle, HpkePublicKey)> {
        self.check_own(bundle)?;
        let slot = device_slot(self.root.expose(), device, ephemeral)?;
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
            .partition_point(|d| d.public_key.as_bytes() < device.as_bytes());
        next.devices.insert(at, slot);
        next.seal_mac(self.root.expose());
        Ok((next, self.identity_public_key()))
    }

    /// Removes a device's slot. A revoked device cannot unlock this bundle or any written
    /// after it. If the device may have kept the root key, only a root rotation (a later
    /// feature) locks it out of data sealed before.
    ///
    /// # Errors
    /// [`Error::DeviceNotEnrolled`] if it has no slot; as [`Keyring::change_passphrase`].
    pub fn revoke_device(
        &self,
        bundle: &AccountBundle,
        device: &HpkePublicKey,
    ) -> Result<AccountBundle> {
        self.check_own(bundle)?;
        let mut next = bundle.clone();
        let before = next.devices.len();
        next.devices.retain(|d| d.public_key != *device);
        if next.devices.len() == before {
            return Err(Error::DeviceNotEnrolled);
        }
        next.seal_mac(self.root.expose());
        Ok(next)
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self { root: _, identity } = self;
        f.debug_struct("Keyring")
            .field("identity", &identity.public_key())
            .field("root", &"[redacted]")
            .finish()
    }
}

impl SecretBytes {
    /// A second copy of a secret, made on purpose (both copies zeroize on drop).
    pub(crate) fn clone_secret(&self) -> Self {
        Self::new(*self.expose())
    }
}
