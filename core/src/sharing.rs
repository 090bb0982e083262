//! Identity fingerprints and album grants (SPEC.md, section 5.7).
//!
//! A grant sends one album key (one album, one epoch) to another user's identity public key
//! with HPKE Auth, so the recipient learns it came from the holder of the sender's identity
//! key. Its public header names sender, recipient, album and epoch, all bound into the HPKE
//! `info`, so none of them can be changed or the grant replayed elsewhere.
//!
//! ```text
//! grant = GRANT_VERSION || suite || sender (32) || recipient (32) || album id (16)
//!         || be64(epoch) || enc (32) || ciphertext of the album key (32 + 16)  = 170 bytes
//! info  = LABEL_GRANT || grant[0..90]
//! ```

use sha2::{Digest, Sha256};

use crate::account::Keyring;
use crate::bundle::SUITE_X25519;
use crate::hpke::{self, HpkePublicKey, HpkeSecretKey};
use crate::keys::{ID_LEN, SecretBytes};
use crate::primitives::{KEY_LEN, TAG_LEN};
use crate::{AlbumId, AlbumKey, Error, Result};

/// The grant format version this build writes and reads.
pub const GRANT_VERSION: u8 = 1;
/// Length of the grant's public header (version, suite, sender, recipient, album id, epoch).
pub const GRANT_HEADER_LEN: usize = 2 + 32 + 32 + ID_LEN + 8;
/// Length of a whole grant.
pub const GRANT_LEN: usize = GRANT_HEADER_LEN + 32 + KEY_LEN + TAG_LEN;
/// HPKE info label of grants (followed by the grant header).
pub const LABEL_GRANT: &[u8] = b"keepsake/v1/album-grant";
/// Hash label of fingerprints.
pub const LABEL_FINGERPRINT: &[u8] = b"keepsake/v1/fingerprint";

/// The safety number of an identity public key: 30 decimal digits in six groups of five,
/// for two people to compare aloud or by scanning.
///
/// `SHA-256(LABEL_FINGERPRINT || public key)`; bytes `5i..5i+5` of the digest, read as a
/// big-endian integer modulo 100000, give group `i` (i = 0..6).
///
/// ```
/// use keepsake::{hpke::HpkePublicKey, sharing::fingerprint};
/// let shown = fingerprint(&HpkePublicKey::from_bytes([9; 32]));
/// assert_eq!(shown.len(), 6 * 5 + 5);
/// assert!(shown.split(' ').all(|g| g.len() == 5 && g.bytes().all(|b| b.is_ascii_digit())));
/// ```
pub fn fingerprint(public_key: &HpkePublicKey) -> String {
    let digest = Sha256::new()
        .chain_update(LABEL_FINGERPRINT)
        .chain_update(public_key.as_bytes())
        .finalize();
    let groups: Vec<String> = digest[..30]
        .chunks(5)
        .map(|five| {
            let n = five.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
            format!("{:05}", n % 100_000)
        })
        .collect();
    groups.join(" ")
}

fn header(
    sender: &HpkePublicKey,
    recipient: &HpkePublicKey,
    album: &AlbumKey,
) -> [u8; GRANT_HEADER_LEN] {
    let mut out = [0u8; GRANT_HEADER_LEN];
    out[0] = GRANT_VERSION;
    out[1] = SUITE_X25519;
    out[2..34].copy_from_slice(sender.as_bytes());
    out[34..66].copy_from_slice(recipient.as_bytes());
    out[66..82].copy_from_slice(album.album_id().as_bytes());
    out[82..].copy_from_slice(&album.epoch().to_be_bytes());
    out
}

pub(crate) fn grant_with(
    sender: &HpkeSecretKey,
    album: &AlbumKey,
    recipient: &HpkePublicKey,
    ephemeral: Option<&HpkeSecretKey>,
) -> Result<Vec<u8>> {
    let header = header(&sender.public_key(), recipient, album);
    let info = [LABEL_GRANT, &header[..]].concat();
    let (enc, ciphertext) = match ephemeral {
        Some(eph) => {
            hpke::seal_auth_with_ephemeral(recipient, sender, eph, &info, b"", album.secret())?
        }
        None => hpke::seal_auth(recipient, sender, &info, b"", album.secret())?,
    };
    let mut out = Vec::with_capacity(GRANT_LEN);
    out.extend_from_slice(&header);
    out.extend_from_slice(&enc);
    out.extend_from_slice(&ciphertext);
    debug_assert_eq!(out.len(), GRANT_LEN);
    Ok(out)
}

/// The public header of a grant: what a share inbox shows before the user accepts it.
/// Nothing here is authenticated until [`Keyring::accept_grant`] opens the grant with the
/// sender's verified identity key: show the sender's [`fingerprint`] for the user to
/// compare, never treat these fields as proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantInfo {
    /// The identity public key the grant claims to come from.
    pub sender: HpkePublicKey,
    /// The identity public key it is addressed to.
    pub recipient: HpkePublicKey,
    /// The album it grants.
    pub album_id: AlbumId,
    /// The album's epoch.
    pub epoch: u64,
}

/// Reads a grant's public header without any key (SPEC.md 5.7): version, suite and length
/// are checked, nothing is opened.
///
/// # Errors
/// [`Error::MalformedGrant`] (empty, no suite byte, or wrong length);
/// [`Error::UnsupportedVersion`]; [`Error::UnsupportedSuite`].
pub fn inspect_grant(grant: &[u8]) -> Result<GrantInfo> {
    let version = *grant
        .first()
        .ok_or(Error::MalformedGrant { reason: "empty" })?;
    if version != GRANT_VERSION {
        return Err(Error::UnsupportedVersion(version));
    }
    let suite = *grant.get(1).ok_or(Error::MalformedGrant {
        reason: "no suite byte",
    })?;
    if suite != SUITE_X25519 {
        return Err(Error::UnsupportedSuite(suite));
    }
    if grant.len() != GRANT_LEN {
        return Err(Error::MalformedGrant {
            reason: "wrong length",
        });
    }
    let key = |at: usize| {
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&grant[at..at + 32]);
        HpkePublicKey::from_bytes(bytes)
    };
    let mut epoch = [0u8; 8];
    epoch.copy_from_slice(&grant[82..GRANT_HEADER_LEN]);
    Ok(GrantInfo {
        sender: key(2),
        recipient: key(34),
        album_id: AlbumId::from_slice(&grant[66..82])?,
        epoch: u64::from_be_bytes(epoch),
    })
}

impl Keyring {
    /// Grants `album` (its key at its epoch) to the identity `recipient`. The grant is
    /// public data (170 bytes) that can travel through the server.
    ///
    /// ```
    /// use keepsake::{AlbumId, account, kdf::KdfParams};
    /// let alice = account::create_account("alice's passphrase", &KdfParams::FLOOR)?.keyring;
    /// let bob = account::create_account("bob's passphrase", &KdfParams::FLOOR)?.keyring;
    /// let album = alice.album_key(AlbumId::random()?, alice.current_epoch())?;
    /// let grant = alice.grant_album(&album, &bob.identity_public_key())?;
    /// // Bob checks Alice's fingerprint out of band, then accepts with her identity key.
    /// let received = bob.accept_grant(&grant, &alice.identity_public_key(), Some((album.album_id(), 0)))?;
    /// assert_eq!(received.album_id(), album.album_id());
    /// # Ok::<(), keepsake::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidPublicKey`] for a low-order recipient key;
    /// [`Error::RandomnessUnavailable`].
    pub fn grant_album(&self, album: &AlbumKey, recipient: &HpkePublicKey) -> Result<Vec<u8>> {
        grant_with(self.identity_secret(), album, recipient, None)
    }

    /// Accepts a grant from `sender` (an identity public key the user has verified, e.g.
    /// by [`fingerprint`]), optionally requiring a given album and epoch. [`inspect_grant`]
    /// reads the same header without a key, for display. Checks, in order:
    /// version, suite and length, that the grant is addressed to this identity, that it names
    /// `sender`, the album and epoch, then opens it with HPKE Auth.
    ///
    /// # Errors
    /// [`Error::MalformedGrant`]; [`Error::UnsupportedVersion`]; [`Error::UnsupportedSuite`];
    /// [`Error::GrantWrongRecipient`]; [`Error::GrantWrongSender`];
    /// [`Error::GrantWrongAlbum`]; [`Error::DecryptionFailed`] if it does not open (forged,
    /// altered, or not really from `sender`); [`Error::InvalidPublicKey`].
    pub fn accept_grant(
        &self,
        grant: &[u8],
        sender: &HpkePublicKey,
        expected: Option<(AlbumId, u64)>,
    ) -> Result<AlbumKey> {
        let info = inspect_grant(grant)?;
        if info.recipient != self.identity_public_key() {
            return Err(Error::GrantWrongRecipient);
        }
        if info.sender != *sender {
            return Err(Error::GrantWrongSender);
        }
        let (album_id, epoch) = (info.album_id, info.epoch);
        if expected.is_some_and(|want| want != (album_id, epoch)) {
            return Err(Error::GrantWrongAlbum);
        }
        let (header, rest) = grant.split_at(GRANT_HEADER_LEN);
        let (enc, ciphertext) = rest.split_at(32);
        let enc: [u8; 32] = enc
            .try_into()
            .map_err(|_| Error::MalformedGrant { reason: "enc" })?;
        let info = [LABEL_GRANT, header].concat();
        let key = zeroize::Zeroizing::new(hpke::open_auth(
            self.identity_secret(),
            sender,
            &enc,
            &info,
            b"",
            ciphertext,
        )?);
        let key = SecretBytes::from_slice("album key", &key)?;
        Ok(AlbumKey::from_bytes(album_id, epoch, *key.expose()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kdf::KdfParams;

    #[test]
    fn inspect_grant_reads_the_header_that_accept_grant_checks() {
        let alice = crate::account::create_account("a", &KdfParams::FLOOR)
            .unwrap()
            .keyring;
        let bob = crate::account::create_account("b", &KdfParams::FLOOR)
            .unwrap()
            .keyring;
        let album = alice.album_key(AlbumId::from_bytes([5; 16]), 7).unwrap();
        let grant = alice
            .grant_album(&album, &bob.identity_public_key())
            .unwrap();
        let info = inspect_grant(&grant).unwrap();
        assert_eq!(info.sender, alice.identity_public_key());
        assert_eq!(info.recipient, bob.identity_public_key());
        assert_eq!(info.album_id, album.album_id());
        assert_eq!(info.epoch, 7);
        assert!(matches!(
            inspect_grant(&[]),
            Err(Error::MalformedGrant { reason: "empty" })
        ));
        assert!(matches!(
            inspect_grant(&grant[..GRANT_LEN - 1]),
            Err(Error::MalformedGrant { .. })
        ));
        let mut v2 = grant.clone();
        v2[0] = 2;
        assert!(matches!(
            inspect_grant(&v2),
            Err(Error::UnsupportedVersion(2))
        ));
        let mut suite2 = grant.clone();
        suite2[1] = 2;
        assert!(matches!(
            inspect_grant(&suite2),
            Err(Error::UnsupportedSuite(2))
        ));
        assert!(matches!(
            inspect_grant(&grant[..1]),
            Err(Error::MalformedGrant {
                reason: "no suite byte"
            })
        ));
        // The header is public, not proof: an edited sender is still refused on accept.
        let mut edited = grant.clone();
        edited[2..34].copy_from_slice(bob.identity_public_key().as_bytes());
        assert_eq!(
            inspect_grant(&edited).unwrap().sender,
            bob.identity_public_key()
        );
        assert!(
            bob.accept_grant(&edited, &bob.identity_public_key(), None)
                .is_err()
        );
    }
}
