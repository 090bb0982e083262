//! Root rotation and album epochs (SPEC.md 5.6 and 5.9): what keeps a revoked device or a
//! removed member out of everything sealed afterwards, while every earlier item stays
//! readable.
//!
//! An album epoch is a 64-bit number whose high 32 bits name the account generation whose
//! root derives the album key; the low 32 bits count the member removals since. Rotating
//! the root therefore moves every album to a new epoch at once, without a record per album,
//! and old items keep opening under the root of their own generation.

use crate::account::{
    AccountBundle, Keyring, OsRandom, Randomness, SLOT_DEVICE, SLOT_PASSPHRASE, SLOT_RECOVERY,
    draw, seal_slot, wrap_identity,
};
use crate::bundle::MAX_GENERATIONS;
use crate::envelope::{self, Purpose};
use crate::hpke::xwing::XWingPublicKey;
use crate::identity::IdentityPublicKey;
use crate::keys::SecretBytes;
use crate::primitives::{KEY_LEN, XNONCE_LEN, hkdf_sha256};
use crate::{AlbumId, AlbumKey, Error, Result};

/// Bits of an epoch that count member removals within one generation.
pub const EPOCH_COUNTER_BITS: u32 = 32;

/// The generation an album epoch belongs to (its high 32 bits).
pub const fn epoch_generation(epoch: u64) -> u64 {
    epoch >> EPOCH_COUNTER_BITS
}

/// The first epoch of a generation: `generation * 2^32`.
pub const fn generation_epoch(generation: u64) -> u64 {
    generation << EPOCH_COUNTER_BITS
}

/// What [`Keyring::remove_member`] returns: the album's key at its new epoch, to seal
/// everything added from now on, and one grant of it for each remaining member.
#[derive(Debug)]
pub struct EpochMove {
    /// The key of the new epoch: the default for sealing from now on.
    pub album: AlbumKey,
    /// `(member, grant)` for each remaining member, in the order given.
    pub grants: Vec<(IdentityPublicKey, Vec<u8>)>,
}

impl Keyring {
    /// The key of album `album_id` at `epoch`, from the root of the epoch's generation:
    /// `HKDF-SHA256[salt = album id, info = LABEL_ALBUM || be64(epoch)](root, 32)`. Works for
    /// every epoch of every generation up to the current one, so items sealed before any
    /// number of rotations still open.
    ///
    /// # Errors
    /// [`Error::UnknownGeneration`] if the epoch's generation is newer than this keyring's.
    pub fn album_key(&self, album_id: AlbumId, epoch: u64) -> Result<AlbumKey> {
        let generation = epoch_generation(epoch);
        let root = usize::try_from(generation)
            .ok()
            .and_then(|g| self.roots.get(g))
            .ok_or(Error::UnknownGeneration {
                generation,
                current: self.generation(),
            })?;
        let key = hkdf_sha256::<32>(
            album_id.as_bytes(),
            root.expose(),
            &[crate::account::LABEL_ALBUM, &epoch.to_be_bytes()],
        );
        Ok(AlbumKey::from_bytes(album_id, epoch, *key))
    }

    /// The epoch an album without member removals in this generation seals under:
    /// `generation * 2^32`. After [`Keyring::rotate`] it is the new generation's, which a
    /// revoked device cannot derive.
    pub fn current_epoch(&self) -> u64 {
        generation_epoch(self.generation())
    }

    /// Removes a member from an album this account owns: moves the album to a new epoch
    /// (the next counter value, and never an epoch of an older generation) and grants the
    /// new key to `remaining` only. The removed member keeps the keys it had, so it still
    /// opens items of earlier epochs, but not what is sealed under the new one; the
    /// remaining members open both (their earlier grants stay valid). `history` is the hash
    /// of the album history entry that records the removal
    /// ([`Keyring::append_history`] with [`crate::history::HistoryAction::RemoveMember`],
    /// which computes the same new epoch): every grant names it (SPEC.md 5.12).
    ///
    /// # Errors
    /// [`Error::NotAlbumOwner`] if `current` is not this account's key of its album and
    /// epoch (a key received in a grant: only the owner moves an album);
    /// [`Error::UnknownGeneration`]; [`Error::TooLarge`] after 2^32 - 1 removals within one
    /// generation; [`Error::InvalidPublicKey`] for a low-order member key.
    pub fn remove_member(
        &self,
        current: &AlbumKey,
        remaining: &[IdentityPublicKey],
        history: &[u8; crate::history::HASH_LEN],
    ) -> Result<EpochMove> {
        let own = self.album_key(current.album_id(), current.epoch())?;
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            &own.secret()[..],
            &current.secret()[..],
        )) {
            return Err(Error::NotAlbumOwner);
        }
        let next = current.epoch().max(self.current_epoch()) + 1;
        if epoch_generation(next) != self.generation() {
            return Err(Error::TooLarge {
                what: "member removals in one generation",
                len: 1 << EPOCH_COUNTER_BITS,
                max: (1 << EPOCH_COUNTER_BITS) - 1,
            });
        }
        let album = self.album_key(current.album_id(), next)?;
        let grants = remaining
            .iter()
            .map(|member| Ok((member.clone(), self.grant_album(&album, member, history)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(EpochMove { album, grants })
    }

    /// Rotates the root: a new random root for generation `g + 1`, encapsulated to every
    /// slot's public key (passphrase, recovery, each device), the identity secret and every
    /// older root wrapped under it. Needs nothing but this keyring: no passphrase, recovery
    /// phrase or other device. Returns the new bundle and the keyring of the new generation;
    /// `bundle` and `self` are untouched. Cost: one HPKE encapsulation per slot and one key
    /// wrap per generation; nothing per album or item.
    ///
    /// # Errors
    /// As [`Keyring::change_passphrase`]; [`Error::TooLarge`] past
    /// [`MAX_GENERATIONS`].
    pub fn rotate(&self, bundle: &AccountBundle) -> Result<(AccountBundle, Keyring)> {
        self.rotate_with(bundle, None, &mut OsRandom)
    }

    /// Revokes a device and rotates in one step, the way to lock out a lost or stolen
    /// device: it cannot unlock the new bundle, and holding every key it ever saw, it cannot
    /// open anything sealed under the new generation.
    ///
    /// # Errors
    /// [`Error::DeviceNotEnrolled`] if it has no slot; as [`Keyring::rotate`].
    pub fn revoke_device_and_rotate(
        &self,
        bundle: &AccountBundle,
        device: &XWingPublicKey,
    ) -> Result<(AccountBundle, Keyring)> {
        self.rotate_with(bundle, Some(device), &mut OsRandom)
    }

    /// Draws, in order: the new root (32); encapsulation randomness (64) for the passphrase
    /// slot, the recovery slot and each remaining device slot in slot order; the identity nonce (24);
    /// a nonce (24) per history entry, generation 0 first.
    pub(crate) fn rotate_with(
        &self,
        bundle: &AccountBundle,
        revoke: Option<&XWingPublicKey>,
        random: &mut dyn Randomness,
    ) -> Result<(AccountBundle, Keyring)> {
        self.check_own(bundle)?;
        let mut devices = bundle.devices.clone();
        if let Some(device) = revoke {
            let before = devices.len();
            devices.retain(|d| d.public_key != *device);
            if devices.len() == before {
                return Err(Error::DeviceNotEnrolled);
            }
        }
        let generation = self.generation() + 1;
        if generation >= MAX_GENERATIONS {
            return Err(Error::TooLarge {
                what: "account generations",
                len: generation + 1,
                max: MAX_GENERATIONS,
            });
        }
        let root = SecretBytes::new(*draw::<KEY_LEN>(random)?);
        let mut next = bundle.clone();
        next.generation = generation;
        next.passphrase.slot = seal_slot(
            root.expose(),
            SLOT_PASSPHRASE,
            &bundle.passphrase.slot.public_key,
            random,
        )?;
        next.recovery.slot = seal_slot(
            root.expose(),
            SLOT_RECOVERY,
            &bundle.recovery.slot.public_key,
            random,
        )?;
        next.devices = devices
            .iter()
            .map(|d| seal_slot(root.expose(), SLOT_DEVICE, &d.public_key, random))
            .collect::<Result<Vec<_>>>()?;
        next.identity_secret = wrap_identity(root.expose(), &self.identity, random)?;
        next.history = self
            .roots
            .iter()
            .enumerate()
            .map(|(i, old)| {
                let nonce = *draw::<XNONCE_LEN>(random)?;
                let wrapped = envelope::wrap_key(
                    root.expose(),
                    Purpose::RootHistory,
                    &[&(i as u64).to_be_bytes(), &generation.to_be_bytes()],
                    old.expose(),
                    nonce,
                )?;
                wrapped.try_into().map_err(|_| Error::DecryptionFailed)
            })
            .collect::<Result<Vec<_>>>()?;
        next.seal_mac(root.expose());
        let mut roots: Vec<SecretBytes> =
            self.roots.iter().map(SecretBytes::clone_secret).collect();
        roots.push(root);
        let identity = self.identity.clone_secret();
        Ok((next, Keyring { roots, identity }))
    }
}

impl SecretBytes {
    /// A second copy of a secret, made on purpose (both copies zeroize on drop).
    pub(crate) fn clone_secret(&self) -> Self {
        Self::new(*self.expose())
    }
}
