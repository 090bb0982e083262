//! The account: create, unlock three ways, slots, devices, albums, sharing.

use std::hash::Hash;
use std::sync::Arc;

use keepsake::AlbumId;
use keepsake::account::{self as core_account, AccountBundle};
use keepsake::hpke::xwing::XWingPublicKey;
use keepsake::identity::IdentityPublicKey;

use crate::background;
use crate::error::{KeepsakeError, Result};
use crate::history::entry_hash;
use crate::media::{MediaKey, parse_media_id};

mod equality;

/// Argon2id parameters (memory in KiB, passes, lanes). Checked against the floor and the
/// ceiling whenever used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl KdfParams {
    pub(crate) fn to_core(self) -> Result<keepsake::kdf::KdfParams> {
        Ok(keepsake::kdf::KdfParams::new(
            self.memory_kib,
            self.iterations,
            self.parallelism,
        )?)
    }

    pub(crate) fn from_core(params: keepsake::kdf::KdfParams) -> Self {
        Self {
            memory_kib: params.memory_kib(),
            iterations: params.iterations(),
            parallelism: params.parallelism(),
        }
    }
}

/// A named Argon2id profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum KdfProfile {
    /// The minimum accepted (19 MiB, 2 passes): tests only.
    Floor,
    /// An iOS app extension's small memory budget (32 MiB).
    IosExtension,
    /// A phone (128 MiB).
    Phone,
    /// A desktop (256 MiB).
    Desktop,
}

/// The parameters of a profile.
#[uniffi::export]
pub fn kdf_profile(profile: KdfProfile) -> KdfParams {
    use keepsake::kdf::KdfParams as P;
    KdfParams::from_core(match profile {
        KdfProfile::Floor => P::FLOOR,
        KdfProfile::IosExtension => P::IOS_EXTENSION,
        KdfProfile::Phone => P::PHONE,
        KdfProfile::Desktop => P::DESKTOP,
    })
}

/// Measures this device and picks parameters within `memory_budget_kib` that take about
/// `target_millis`.
#[uniffi::export]
pub fn kdf_calibrate(memory_budget_kib: u32, target_millis: u64) -> Result<KdfParams> {
    let params = keepsake::kdf::calibrate(
        memory_budget_kib,
        std::time::Duration::from_millis(target_millis),
    )?;
    Ok(KdfParams::from_core(params))
}

/// A device's X-Wing public key (1216 bytes): `InvalidLength` for another length,
/// `InvalidPublicKey` if its ML-KEM half fails the modulus check or its X25519 half is of
/// small order.
fn device_key(bytes: &[u8]) -> Result<XWingPublicKey> {
    XWingPublicKey::from_slice(bytes).map_err(|err| {
        key_error(
            err,
            "device public key",
            "its ML-KEM-768 half fails FIPS 203's modulus check or its X25519 half is of \
             small order",
        )
    })
}

/// An identity public key (1248 bytes: Ed25519 || X-Wing): `InvalidLength` for another
/// length, `InvalidPublicKey` if either half is refused.
pub(crate) fn identity_key(bytes: &[u8]) -> Result<IdentityPublicKey> {
    IdentityPublicKey::from_slice(bytes).map_err(|err| {
        key_error(
            err,
            "identity public key",
            "its Ed25519 half does not decode or is of small order, or its X-Wing half's \
             ML-KEM-768 key fails FIPS 203's modulus check or its X25519 key is of small order",
        )
    })
}

/// A refused public key, named, with what `InvalidPublicKey` means for it (the core's
/// message speaks only of a low-order key).
fn key_error(err: keepsake::Error, what: &str, why: &str) -> KeepsakeError {
    match err {
        keepsake::Error::InvalidPublicKey => {
            KeepsakeError::InvalidPublicKey(format!("invalid {what}: {why}"))
        }
        err => KeepsakeError::about(err, what),
    }
}

fn bundle(bytes: &[u8]) -> Result<AccountBundle> {
    Ok(AccountBundle::parse(bytes)?)
}

/// What `create_account` returns. Its string forms show no secret: the recovery phrase is
/// an object whose description is redacted; only [`RecoveryPhrase::words`] reveals it.
/// Compared (and hashed) by the bundle's bytes and the identity of its objects (see
/// [`same_object`]).
#[derive(uniffi::Record)]
#[uniffi::export(Eq, Hash)]
pub struct NewAccount {
    /// The unlocked account.
    pub keyring: Arc<Keyring>,
    /// The bundle to store (canonical JSON bytes).
    pub bundle: Vec<u8>,
    /// The recovery phrase: show its words once, never store or log them.
    pub recovery_phrase: Arc<RecoveryPhrase>,
}

/// A recovery phrase (24 BIP39 words). Its string forms (Python `str`/`repr`, Kotlin
/// `toString`, Swift `description`/`debugDescription`) are redacted; the words come out
/// only through [`RecoveryPhrase::words`].
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct RecoveryPhrase {
    inner: keepsake::RecoveryPhrase,
}

#[uniffi::export]
impl RecoveryPhrase {
    /// Parses the words a person typed (any case and spacing; each word checked against
    /// the list, then the checksum).
    #[uniffi::constructor]
    pub fn parse(words: String) -> Result<Arc<Self>> {
        Ok(Arc::new(Self {
            inner: keepsake::RecoveryPhrase::parse(&words)?,
        }))
    }

    /// The 24 words, space-separated: SECRET. Only to show the person once (or to hand to
    /// a password manager they chose); never log, store or send them.
    pub fn words(&self) -> String {
        self.inner.words().to_string()
    }
}

impl std::fmt::Debug for RecoveryPhrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryPhrase(24 words, redacted)")
    }
}

impl std::fmt::Display for RecoveryPhrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// What `enroll_device` returns. Compared (and hashed) by the bundle's bytes and the pin's
/// value.
#[derive(uniffi::Record)]
#[uniffi::export(Eq, Hash)]
pub struct Enrollment {
    /// The new bundle.
    pub bundle: Vec<u8>,
    /// The pin the device keeps beside its device key ([`AccountPin::to_bytes`]) and passes
    /// to `unlock_with_device`.
    pub pin: Arc<AccountPin>,
}

/// What `rotate` and `revoke_device_and_rotate` return (string forms redacted as
/// [`NewAccount`]'s). Compared (and hashed) as [`NewAccount`].
#[derive(uniffi::Record)]
#[uniffi::export(Eq, Hash)]
pub struct RotatedRoot {
    /// The new bundle (one generation newer): store it in place of the old one.
    pub bundle: Vec<u8>,
    /// The unlocked account at the new generation: seal new items under its
    /// `current_epoch`, and store its `pin` on this device.
    pub keyring: Arc<Keyring>,
}

/// What `remove_member` returns: the album's key at its new epoch and one grant of it per
/// remaining member (string forms redacted: the album key shows its id and epoch only).
#[derive(uniffi::Record)]
pub struct EpochMove {
    /// The album's key at the new epoch: seal everything added from now on under it.
    pub album: Arc<AlbumKey>,
    /// One grant per remaining member, in the order given.
    pub grants: Vec<MemberGrant>,
}

/// A grant of an album's new epoch to one member (public data: send it to the member).
/// Compared (and hashed) by value, bytes by content.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
#[uniffi::export(Eq, Hash)]
pub struct MemberGrant {
    /// The member's identity public key (1248 bytes).
    pub member_identity: Vec<u8>,
    /// The grant (1354 bytes), for the member's `accept_grant`.
    pub grant: Vec<u8>,
}

/// What a device remembers about its account between unlocks: the digest of the account's
/// identity public key and the newest account generation it has seen (public, 40 bytes:
/// [`AccountPin::to_bytes`]). Keep it beside the device key, pass it to
/// `unlock_with_device`, and after every unlock replace it with `keyring.pin()`, so a
/// server serving an older bundle again is refused (`Rollback`). Compared by value.
#[derive(PartialEq, Eq, uniffi::Object)]
#[uniffi::export(Debug, Display, Eq, Hash)]
pub struct AccountPin {
    inner: core_account::AccountPin,
}

#[uniffi::export]
impl AccountPin {
    /// Parses the 40 bytes of [`AccountPin::to_bytes`].
    #[uniffi::constructor]
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Arc<Self>> {
        Ok(Arc::new(Self {
            inner: core_account::AccountPin::from_slice(&bytes)?,
        }))
    }

    /// The 40 bytes to store: identity digest (32) || generation (big-endian u64).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.inner.to_bytes().to_vec()
    }

    /// The digest of the account's identity public key (32 bytes, as
    /// [`Keyring::identity_digest`]).
    pub fn identity_digest(&self) -> Vec<u8> {
        self.inner.identity.to_vec()
    }

    /// The newest account generation the device has seen.
    pub fn generation(&self) -> u64 {
        self.inner.generation
    }
}

impl std::fmt::Debug for AccountPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "AccountPin(identity {}, generation {})",
            hex(&self.inner.identity),
            self.inner.generation
        )
    }
}

impl std::hash::Hash for AccountPin {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.inner.to_bytes().hash(state);
    }
}

impl std::fmt::Display for AccountPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// What `rotate_recovery` returns (string forms redacted as [`NewAccount`]'s). Compared
/// (and hashed) as [`NewAccount`].
#[derive(uniffi::Record)]
#[uniffi::export(Eq, Hash)]
pub struct RotatedRecovery {
    /// The new bundle.
    pub bundle: Vec<u8>,
    /// The new recovery phrase: show its words once.
    pub recovery_phrase: Arc<RecoveryPhrase>,
}

/// Creates an account with a passphrase slot using `params`, a recovery phrase and slot.
#[uniffi::export]
pub fn create_account(passphrase: String, params: KdfParams) -> Result<NewAccount> {
    let new = core_account::create_account(&passphrase, &params.to_core()?)?;
    Ok(NewAccount {
        bundle: new.bundle.to_bytes(),
        recovery_phrase: Arc::new(RecoveryPhrase {
            inner: new.recovery_phrase,
        }),
        keyring: Arc::new(Keyring { inner: new.keyring }),
    })
}

/// [`kdf_calibrate`] off the caller's thread (it runs Argon2id for up to a few seconds).
#[uniffi::export]
pub async fn kdf_calibrate_async(memory_budget_kib: u32, target_millis: u64) -> Result<KdfParams> {
    background::run(move |_| kdf_calibrate(memory_budget_kib, target_millis)).await
}

/// [`create_account`] off the caller's thread (Argon2id at `params`). Cancelling the
/// awaiting task drops the result; the key stretch itself runs to its end on its thread.
#[uniffi::export]
pub async fn create_account_async(passphrase: String, params: KdfParams) -> Result<NewAccount> {
    background::run(move |_| create_account(passphrase, params)).await
}

/// [`unlock_with_passphrase`] off the caller's thread (Argon2id at the bundle's parameters,
/// up to seconds on a phone).
#[uniffi::export]
pub async fn unlock_with_passphrase_async(
    bundle_bytes: Vec<u8>,
    passphrase: String,
) -> Result<Arc<Keyring>> {
    background::run(move |_| unlock_with_passphrase(bundle_bytes, passphrase)).await
}

/// [`unlock_with_recovery`] off the caller's thread (the recovery slot's key stretch).
#[uniffi::export]
pub async fn unlock_with_recovery_async(
    bundle_bytes: Vec<u8>,
    recovery_phrase: Arc<RecoveryPhrase>,
) -> Result<Arc<Keyring>> {
    background::run(move |_| unlock_with_recovery(bundle_bytes, recovery_phrase)).await
}

/// Unlocks with the passphrase.
#[uniffi::export]
pub fn unlock_with_passphrase(bundle_bytes: Vec<u8>, passphrase: String) -> Result<Arc<Keyring>> {
    let inner = core_account::unlock_with_passphrase(&bundle(&bundle_bytes)?, &passphrase)?;
    Ok(Arc::new(Keyring { inner }))
}

/// Unlocks with the recovery phrase (parsed from the typed words by
/// [`RecoveryPhrase::parse`]).
#[uniffi::export]
pub fn unlock_with_recovery(
    bundle_bytes: Vec<u8>,
    recovery_phrase: Arc<RecoveryPhrase>,
) -> Result<Arc<Keyring>> {
    let inner =
        core_account::unlock_with_recovery(&bundle(&bundle_bytes)?, &recovery_phrase.inner)?;
    Ok(Arc::new(Keyring { inner }))
}

/// Unlocks with an enrolled device's key and the pin it keeps (from enrollment or its last
/// unlock). Refuses a bundle older than the pin's generation (`Rollback`). Afterwards store
/// `keyring.pin()` in place of `pin`.
#[uniffi::export]
pub fn unlock_with_device(
    bundle_bytes: Vec<u8>,
    device: Arc<DeviceKey>,
    pin: Arc<AccountPin>,
) -> Result<Arc<Keyring>> {
    let inner =
        core_account::unlock_with_device(&bundle(&bundle_bytes)?, &device.inner, &pin.inner)?;
    Ok(Arc::new(Keyring { inner }))
}

/// The generation of a bundle (the number of root rotations behind it), read without a key
/// and not authenticated until an unlock checks it.
#[uniffi::export]
pub fn bundle_generation(bundle_bytes: Vec<u8>) -> Result<u64> {
    Ok(bundle(&bundle_bytes)?.generation())
}

/// The public keys (1216 bytes each) of the devices enrolled in a bundle.
#[uniffi::export]
pub fn bundle_devices(bundle_bytes: Vec<u8>) -> Result<Vec<Vec<u8>>> {
    Ok(bundle(&bundle_bytes)?
        .devices()
        .iter()
        .map(|k| k.as_bytes().to_vec())
        .collect())
}

/// The safety number of an identity public key (1248 bytes): six groups of five digits,
/// from its digest.
#[uniffi::export]
pub fn fingerprint(identity_public_key: Vec<u8>) -> Result<String> {
    Ok(keepsake::sharing::fingerprint(&identity_key(
        &identity_public_key,
    )?))
}

/// The 32-byte digest of an identity public key (1248 bytes): what names the identity in
/// grants ([`crate::GrantInfo`]) and pins ([`AccountPin::identity_digest`]).
#[uniffi::export]
pub fn identity_digest(identity_public_key: Vec<u8>) -> Result<Vec<u8>> {
    Ok(identity_key(&identity_public_key)?.digest().to_vec())
}

/// A fresh random 16-byte album id.
#[uniffi::export]
pub fn new_album_id() -> Result<Vec<u8>> {
    Ok(AlbumId::random()?.as_bytes().to_vec())
}

/// A device's X-Wing key pair (ML-KEM-768 + X25519, from a 32-byte seed). String forms
/// show the public key only.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct DeviceKey {
    inner: core_account::DeviceKey,
}

#[uniffi::export]
impl DeviceKey {
    /// A fresh device key pair.
    #[uniffi::constructor]
    pub fn generate() -> Result<Arc<Self>> {
        Ok(Arc::new(Self {
            inner: core_account::DeviceKey::generate()?,
        }))
    }

    /// Restores the key from the 32 secret bytes (the seed) the platform keystore holds (what
    /// [`DeviceKey::secret_bytes`] gave at enrollment).
    #[uniffi::constructor]
    pub fn from_secret_bytes(secret: Vec<u8>) -> Result<Arc<Self>> {
        let bytes: [u8; 32] =
            secret
                .as_slice()
                .try_into()
                .map_err(|_| keepsake::Error::InvalidLength {
                    what: "device secret",
                    expected: 32,
                    got: secret.len(),
                })?;
        Ok(Arc::new(Self {
            inner: core_account::DeviceKey::from_bytes(bytes),
        }))
    }

    /// The 32 SECRET bytes. Kept in the API for one reason: a device key must outlive the
    /// process, and only the platform keystore (Keychain, Android Keystore-wrapped
    /// storage) may hold it; hand them to it, then drop them. Never log, store elsewhere or
    /// send them.
    pub fn secret_bytes(&self) -> Vec<u8> {
        self.inner.to_bytes().to_vec()
    }

    /// The public key (1216 bytes), which enrolls this device.
    pub fn public_key(&self) -> Vec<u8> {
        self.inner.public_key().as_bytes().to_vec()
    }
}

/// An unlocked account. String forms show the fingerprint only.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct Keyring {
    pub(crate) inner: core_account::Keyring,
}

#[uniffi::export]
impl Keyring {
    /// The identity public key others share albums to (1248 bytes: Ed25519 || X-Wing). It
    /// does not change when the root rotates.
    pub fn identity_public_key(&self) -> Vec<u8> {
        self.inner.identity_public_key().to_bytes()
    }

    /// The digest of the identity public key (32 bytes): what the device's pin and grants
    /// name this identity by.
    pub fn identity_digest(&self) -> Vec<u8> {
        self.inner.identity_public_key().digest().to_vec()
    }

    /// This identity's safety number.
    pub fn fingerprint(&self) -> String {
        keepsake::sharing::fingerprint(&self.inner.identity_public_key())
    }

    /// The key of album `album_id` (16 bytes) at `epoch`: any epoch of this generation or
    /// an earlier one (`UnknownGeneration` for a newer one). New items use
    /// [`Keyring::current_epoch`], or the epoch of the album's last `remove_member`.
    pub fn album_key(&self, album_id: Vec<u8>, epoch: u64) -> Result<Arc<AlbumKey>> {
        let id = AlbumId::from_slice(&album_id)?;
        Ok(Arc::new(AlbumKey {
            inner: self.inner.album_key(id, epoch)?.into(),
        }))
    }

    /// The account generation of this keyring (the number of root rotations).
    pub fn generation(&self) -> u64 {
        self.inner.generation()
    }

    /// The epoch to seal new items under, for an album without member removals in this
    /// generation: `generation * 2^32`.
    pub fn current_epoch(&self) -> u64 {
        self.inner.current_epoch()
    }

    /// What this device stores after this unlock (identity and this generation), in place
    /// of its older pin.
    pub fn pin(&self) -> Arc<AccountPin> {
        Arc::new(AccountPin {
            inner: self.inner.pin(),
        })
    }

    /// Checks a device's stored pin after a passphrase or recovery unlock:
    /// `IdentityMismatch` if it is another account's, `Rollback` if the device has seen a
    /// newer generation than this keyring's bundle.
    pub fn check_pin(&self, pin: Arc<AccountPin>) -> Result<()> {
        Ok(self.inner.check_pin(&pin.inner)?)
    }

    /// Rotates the root (needs no passphrase, recovery phrase or other device): every slot
    /// of `bundle_bytes` gets the new root; items sealed before keep opening.
    pub fn rotate(&self, bundle_bytes: Vec<u8>) -> Result<RotatedRoot> {
        let (next, keyring) = self.inner.rotate(&bundle(&bundle_bytes)?)?;
        Ok(RotatedRoot::new(next, keyring))
    }

    /// Revokes a device and rotates the root in one step, the way to lock out a lost or
    /// stolen device (`DeviceNotEnrolled` if it has no slot).
    pub fn revoke_device_and_rotate(
        &self,
        bundle_bytes: Vec<u8>,
        device_public_key: Vec<u8>,
    ) -> Result<RotatedRoot> {
        let (next, keyring) = self
            .inner
            .revoke_device_and_rotate(&bundle(&bundle_bytes)?, &device_key(&device_public_key)?)?;
        Ok(RotatedRoot::new(next, keyring))
    }

    /// Removes a member from an album this account owns (`album` is its current key, as
    /// derived by `album_key`; `NotAlbumOwner` for a key received in a grant): moves the
    /// album to a new epoch and grants it to the identities in `remaining` only.
    /// `history_entry` is the hash (32 bytes) of the album history entry recording the
    /// removal (`append_history` with `HistoryChange::RemoveMember`, which computes the same
    /// new epoch): every grant names it.
    pub fn remove_member(
        &self,
        album: Arc<AlbumKey>,
        remaining: Vec<Vec<u8>>,
        history_entry: Vec<u8>,
    ) -> Result<EpochMove> {
        let remaining = remaining
            .iter()
            .map(|key| identity_key(key))
            .collect::<Result<Vec<_>>>()?;
        let moved =
            self.inner
                .remove_member(&album.inner, &remaining, &entry_hash(&history_entry)?)?;
        Ok(EpochMove {
            album: Arc::new(AlbumKey {
                inner: moved.album.into(),
            }),
            grants: moved
                .grants
                .into_iter()
                .map(|(member, grant)| MemberGrant {
                    member_identity: member.to_bytes(),
                    grant,
                })
                .collect(),
        })
    }

    /// A new bundle with a new passphrase slot.
    pub fn change_passphrase(
        &self,
        bundle_bytes: Vec<u8>,
        new_passphrase: String,
        params: KdfParams,
    ) -> Result<Vec<u8>> {
        let next = self.inner.change_passphrase(
            &bundle(&bundle_bytes)?,
            &new_passphrase,
            &params.to_core()?,
        )?;
        Ok(next.to_bytes())
    }

    /// [`Keyring::change_passphrase`] off the caller's thread (Argon2id at `params`).
    pub async fn change_passphrase_async(
        self: Arc<Self>,
        bundle_bytes: Vec<u8>,
        new_passphrase: String,
        params: KdfParams,
    ) -> Result<Vec<u8>> {
        background::run(move |_| self.change_passphrase(bundle_bytes, new_passphrase, params)).await
    }

    /// A new bundle with a new recovery phrase; the root is unchanged.
    pub fn rotate_recovery(&self, bundle_bytes: Vec<u8>) -> Result<RotatedRecovery> {
        let (next, phrase) = self.inner.rotate_recovery(&bundle(&bundle_bytes)?)?;
        Ok(RotatedRecovery {
            bundle: next.to_bytes(),
            recovery_phrase: Arc::new(RecoveryPhrase { inner: phrase }),
        })
    }

    /// Enrolls a device by its public key.
    pub fn enroll_device(
        &self,
        bundle_bytes: Vec<u8>,
        device_public_key: Vec<u8>,
    ) -> Result<Enrollment> {
        let (next, pin) = self
            .inner
            .enroll_device(&bundle(&bundle_bytes)?, &device_key(&device_public_key)?)?;
        Ok(Enrollment {
            bundle: next.to_bytes(),
            pin: Arc::new(AccountPin { inner: pin }),
        })
    }

    /// Removes a device's slot without rotating the root: a device that kept the root still
    /// derives this generation's album keys. For a lost or stolen device use
    /// [`Keyring::revoke_device_and_rotate`].
    pub fn revoke_device(
        &self,
        bundle_bytes: Vec<u8>,
        device_public_key: Vec<u8>,
    ) -> Result<Vec<u8>> {
        let next = self
            .inner
            .revoke_device(&bundle(&bundle_bytes)?, &device_key(&device_public_key)?)?;
        Ok(next.to_bytes())
    }

    /// Grants `album` to the identity `recipient` (its 1248-byte public key): 1354 public
    /// bytes. `history_entry` is the hash (32 bytes) of the album history entry the grant
    /// relies on: the one that added `recipient`, or the head (`VerifiedHistory::head_hash`).
    pub fn grant_album(
        &self,
        album: Arc<AlbumKey>,
        recipient: Vec<u8>,
        history_entry: Vec<u8>,
    ) -> Result<Vec<u8>> {
        Ok(self.inner.grant_album(
            &album.inner,
            &identity_key(&recipient)?,
            &entry_hash(&history_entry)?,
        )?)
    }

    /// Accepts a grant from the identity `sender` (its 1248-byte public key, checked out of
    /// band by its fingerprint), optionally requiring an album and epoch.
    /// `GrantBadSignature` if the grant was altered or not signed by `sender`.
    pub fn accept_grant(
        &self,
        grant: Vec<u8>,
        sender: Vec<u8>,
        expected: Option<ExpectedAlbum>,
    ) -> Result<Arc<AlbumKey>> {
        let expected = match expected {
            Some(e) => Some((AlbumId::from_slice(&e.album_id)?, e.epoch)),
            None => None,
        };
        let inner = self
            .inner
            .accept_grant(&grant, &identity_key(&sender)?, expected)?;
        Ok(Arc::new(AlbumKey {
            inner: inner.into(),
        }))
    }
}

impl RotatedRoot {
    fn new(bundle: AccountBundle, keyring: core_account::Keyring) -> Self {
        Self {
            bundle: bundle.to_bytes(),
            keyring: Arc::new(Keyring { inner: keyring }),
        }
    }
}

/// The album and epoch a grant must be for. Compared (and hashed) by value, bytes by
/// content.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
#[uniffi::export(Eq, Hash)]
pub struct ExpectedAlbum {
    /// The album id (16 bytes).
    pub album_id: Vec<u8>,
    /// The epoch.
    pub epoch: u64,
}

/// What an album key's envelope holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum AlbumBlob {
    /// The album's name.
    Name,
    /// Structured album metadata.
    Metadata,
}

impl From<AlbumBlob> for keepsake::AlbumBlob {
    fn from(what: AlbumBlob) -> Self {
        match what {
            AlbumBlob::Name => Self::Name,
            AlbumBlob::Metadata => Self::Metadata,
        }
    }
}

/// The key of one album at one epoch. Opaque; string forms show the album id and epoch.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct AlbumKey {
    /// Owned, or lent by an opened album link (`open_link`).
    pub(crate) inner: crate::link::Held<keepsake::AlbumKey, keepsake::link::AlbumLink>,
}

#[uniffi::export]
impl AlbumKey {
    /// Imports an album key from its 32 SECRET bytes. Kept for two reasons: the
    /// known-answer vectors of SPEC.md, which every binding checks, start from raw keys;
    /// and migrating keys from another system. Apps derive album keys
    /// (`Keyring::album_key`) or receive them in grants. There is no export: album key
    /// bytes never cross the boundary outward.
    #[uniffi::constructor]
    pub fn from_secret_bytes(album_id: Vec<u8>, epoch: u64, bytes: Vec<u8>) -> Result<Arc<Self>> {
        let id = AlbumId::from_slice(&album_id)?;
        let key =
            <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| keepsake::Error::InvalidLength {
                what: "album key",
                expected: 32,
                got: bytes.len(),
            })?;
        Ok(Arc::new(Self {
            inner: keepsake::AlbumKey::from_bytes(id, epoch, key).into(),
        }))
    }

    /// The album id (16 bytes).
    pub fn album_id(&self) -> Vec<u8> {
        self.inner.album_id().as_bytes().to_vec()
    }

    /// The epoch.
    pub fn epoch(&self) -> u64 {
        self.inner.epoch()
    }

    /// Wraps a media key for item `media_id` in this album and epoch (105 bytes).
    pub fn wrap_media_key(&self, media_id: Vec<u8>, media_key: Arc<MediaKey>) -> Result<Vec<u8>> {
        Ok(self
            .inner
            .wrap_media_key(&parse_media_id(&media_id)?, &media_key.inner)?)
    }

    /// Unwraps a media key wrapped for item `media_id` in this album and epoch.
    pub fn unwrap_media_key(&self, media_id: Vec<u8>, wrapped: Vec<u8>) -> Result<Arc<MediaKey>> {
        let inner = self
            .inner
            .unwrap_media_key(&parse_media_id(&media_id)?, &wrapped)?;
        Ok(Arc::new(MediaKey { inner }))
    }

    /// Seals the album's name or metadata.
    pub fn seal_blob(&self, what: AlbumBlob, plaintext: Vec<u8>) -> Result<Vec<u8>> {
        Ok(self.inner.seal_blob(what.into(), &plaintext)?)
    }

    /// Opens the album's name or metadata.
    pub fn open_blob(&self, what: AlbumBlob, envelope: Vec<u8>) -> Result<Vec<u8>> {
        Ok(self.inner.open_blob(what.into(), &envelope)?)
    }
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let public = self.inner.public_key();
        write!(
            f,
            "DeviceKey(public {}, secret redacted)",
            hex(public.as_bytes())
        )
    }
}

impl std::fmt::Display for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fingerprint = keepsake::sharing::fingerprint(&self.inner.identity_public_key());
        write!(
            f,
            "Keyring(identity {fingerprint}, generation {}, keys redacted)",
            self.inner.generation()
        )
    }
}

impl std::fmt::Display for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl std::fmt::Debug for AlbumKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "AlbumKey(album {}, epoch {}, key redacted)",
            hex(self.inner.album_id().as_bytes()),
            self.inner.epoch()
        )
    }
}

impl std::fmt::Display for AlbumKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// Lower-case hex of public bytes (ids, public keys) for string forms.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
