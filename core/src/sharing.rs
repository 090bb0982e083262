//! Identity fingerprints and album grants (SPEC.md, section 5.7).
//!
//! A grant sends one album key (one album, one epoch) to another account: the key is
//! encapsulated to the recipient identity's X-Wing key with HPKE Base (suite 2), and the
//! sender signs everything that identifies the grant with its identity's Ed25519 key, so
//! the recipient learns who sent it. The public header names the suite, both identities (by
//! digest), the album, the epoch and the album history entry the grant relies on (SPEC.md
//! 5.12); it is bound into the HPKE `info` and the signature, so none of it can be changed
//! or the grant replayed elsewhere.
//!
//! ```text
//! header    = GRANT_VERSION || suite || sender digest (32) || recipient digest (32)
//!             || album id (16) || be64(epoch) || history entry hash (32)         122 bytes
//! enc, ct   = HPKE SealBase(recipient X-Wing key, info = LABEL_GRANT || header, aad = "", album key)
//! signature = Ed25519(sender, LABEL_GRANT_SIGNATURE || header || enc || ct)
//! grant     = header || enc (1120) || ct (48) || signature (64)                  1354 bytes
//! ```

use crate::account::Keyring;
use crate::bundle::SUITE_XWING;
use crate::history::{HASH_LEN, VerifiedHistory};
use crate::hpke::xwing;
use crate::identity::{DIGEST_LEN, IdentityPublicKey, SIGNATURE_LEN};
use crate::keys::{ID_LEN, SecretBytes};
use crate::primitives::{KEY_LEN, TAG_LEN};
use crate::{AlbumId, AlbumKey, Error, Result};

/// The grant format version this build writes and reads.
pub const GRANT_VERSION: u8 = 1;
/// Length of the grant's public header (version, suite, sender, recipient, album id, epoch,
/// history entry hash).
pub const GRANT_HEADER_LEN: usize = 2 + DIGEST_LEN + DIGEST_LEN + ID_LEN + 8 + HASH_LEN;
/// Offset of the history entry hash in the header.
const HISTORY_AT: usize = GRANT_HEADER_LEN - HASH_LEN;
/// Length of a whole grant.
pub const GRANT_LEN: usize = GRANT_HEADER_LEN + xwing::ENC_LEN + KEY_LEN + TAG_LEN + SIGNATURE_LEN;
/// HPKE info label of grants (followed by the grant header).
pub const LABEL_GRANT: &[u8] = b"keepsake/v1/album-grant";
/// Signature label of grants (followed by the header, `enc` and the ciphertext).
pub const LABEL_GRANT_SIGNATURE: &[u8] = b"keepsake/v1/album-grant-signature";

/// The safety number of an identity: 30 decimal digits in six groups of five, for two
/// people to compare aloud or by scanning. It commits to both of the identity's public keys
/// (signing and key encapsulation).
///
/// With `d` the identity's digest ([`IdentityPublicKey::digest`]), bytes `5i..5i+5` of `d`,
/// read as a big-endian integer modulo 100000, give group `i` (i = 0..6).
pub fn fingerprint(identity: &IdentityPublicKey) -> String {
    fingerprint_of_digest(&identity.digest())
}

/// [`fingerprint`] from an identity digest (as a grant header or a pin holds it).
pub fn fingerprint_of_digest(digest: &[u8; DIGEST_LEN]) -> String {
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
    sender: &IdentityPublicKey,
    recipient: &IdentityPublicKey,
    album: &AlbumKey,
    history: &[u8; HASH_LEN],
) -> [u8; GRANT_HEADER_LEN] {
    let mut out = [0u8; GRANT_HEADER_LEN];
    out[0] = GRANT_VERSION;
    out[1] = SUITE_XWING;
    out[2..34].copy_from_slice(&sender.digest());
    out[34..66].copy_from_slice(&recipient.digest());
    out[66..82].copy_from_slice(album.album_id().as_bytes());
    out[82..HISTORY_AT].copy_from_slice(&album.epoch().to_be_bytes());
    out[HISTORY_AT..].copy_from_slice(history);
    out
}

fn signed_message(header_enc_ct: &[u8]) -> Vec<u8> {
    [LABEL_GRANT_SIGNATURE, header_enc_ct].concat()
}

pub(crate) fn grant_with(
    sender: &Keyring,
    album: &AlbumKey,
    recipient: &IdentityPublicKey,
    history: &[u8; HASH_LEN],
    randomness: &[u8; xwing::ENCAPSULATION_RANDOMNESS_LEN],
) -> Result<Vec<u8>> {
    let identity = sender.identity_secret();
    let header = header(identity.public_key(), recipient, album, history);
    let info = [LABEL_GRANT, &header[..]].concat();
    let (enc, ciphertext) =
        xwing::seal_base_with_randomness(recipient.kem(), randomness, &info, b"", album.secret())?;
    let mut out = Vec::with_capacity(GRANT_LEN);
    out.extend_from_slice(&header);
    out.extend_from_slice(&enc[..]);
    out.extend_from_slice(&ciphertext);
    let signature = identity.sign(&signed_message(&out));
    out.extend_from_slice(&signature);
    debug_assert_eq!(out.len(), GRANT_LEN);
    Ok(out)
}

/// The public header of a grant: what a share inbox shows before the user accepts it.
/// Nothing here is authenticated until [`Keyring::accept_grant`] checks the signature with
/// the sender's verified identity: show [`fingerprint_of_digest`] of `sender` for the user
/// to compare, never treat these fields as proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantInfo {
    /// The digest of the identity the grant claims to come from.
    pub sender: [u8; DIGEST_LEN],
    /// The digest of the identity it is addressed to.
    pub recipient: [u8; DIGEST_LEN],
    /// The album it grants.
    pub album_id: AlbumId,
    /// The album's epoch.
    pub epoch: u64,
    /// The hash of the album history entry the grant relies on (SPEC.md 5.12).
    pub history: [u8; HASH_LEN],
}

/// Reads a grant's public header without any key (SPEC.md 5.7): version, suite and length
/// are checked, nothing is opened or verified.
///
/// # Errors
/// [`Error::MalformedGrant`] (empty, no suite byte, or wrong length);
/// [`Error::UnsupportedVersion`]; [`Error::UnsupportedSuite`] (suite 1, the X25519-only
/// suite that was never shipped, included: a downgrade is refused here).
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
    if suite != SUITE_XWING {
        return Err(Error::UnsupportedSuite(suite));
    }
    if grant.len() != GRANT_LEN {
        return Err(Error::MalformedGrant {
            reason: "wrong length",
        });
    }
    let digest = |at: usize| {
        let mut bytes = [0u8; DIGEST_LEN];
        bytes.copy_from_slice(&grant[at..at + DIGEST_LEN]);
        bytes
    };
    let mut epoch = [0u8; 8];
    epoch.copy_from_slice(&grant[82..HISTORY_AT]);
    Ok(GrantInfo {
        sender: digest(2),
        recipient: digest(34),
        album_id: AlbumId::from_slice(&grant[66..82])?,
        epoch: u64::from_be_bytes(epoch),
        history: digest(HISTORY_AT),
    })
}

impl Keyring {
    /// Grants `album` (its key at its epoch) to the identity `recipient`, relying on the
    /// album history entry `history` (SPEC.md 5.12: the sender's newest verified entry,
    /// [`VerifiedHistory::head`], at which the recipient is a member and `album`'s epoch is
    /// known). The grant is public data (1354 bytes) that can travel through the server.
    ///
    /// ```
    /// use keepsake::{AlbumId, account, kdf::KdfParams};
    /// let alice = account::create_account("alice's passphrase", &KdfParams::FLOOR)?.keyring;
    /// let bob = account::create_account("bob's passphrase", &KdfParams::FLOOR)?.keyring;
    /// let album = alice.album_key(AlbumId::random()?, alice.current_epoch())?;
    /// let grant = alice.grant_album(&album, &bob.identity_public_key(), &[0; 32])?;
    /// // Bob checks Alice's fingerprint out of band, then accepts with her identity key.
    /// let received = bob.accept_grant(&grant, &alice.identity_public_key(), Some((album.album_id(), album.epoch())))?;
    /// assert_eq!(received.album_id(), album.album_id());
    /// # Ok::<(), keepsake::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::RandomnessUnavailable`].
    pub fn grant_album(
        &self,
        album: &AlbumKey,
        recipient: &IdentityPublicKey,
        history: &[u8; HASH_LEN],
    ) -> Result<Vec<u8>> {
        let mut randomness = zeroize::Zeroizing::new([0u8; xwing::ENCAPSULATION_RANDOMNESS_LEN]);
        crate::primitives::fill_random(randomness.as_mut())?;
        grant_with(self, album, recipient, history, &randomness)
    }

    /// Accepts a grant from `sender` (an identity the user has verified, e.g. by
    /// [`fingerprint`]), optionally requiring a given album and epoch. [`inspect_grant`]
    /// reads the same header without a key, for display. Checks, in order: version, suite
    /// and length; that the grant is addressed to this identity; that it names `sender`;
    /// the album and epoch; the sender's signature; then opens it.
    ///
    /// # Errors
    /// [`Error::MalformedGrant`]; [`Error::UnsupportedVersion`]; [`Error::UnsupportedSuite`];
    /// [`Error::GrantWrongRecipient`]; [`Error::GrantWrongSender`];
    /// [`Error::GrantWrongAlbum`]; [`Error::GrantBadSignature`] if `sender` did not sign
    /// exactly these bytes; [`Error::InvalidPublicKey`] for an `enc` whose X25519 half is
    /// of low order; [`Error::DecryptionFailed`] if it does not open.
    pub fn accept_grant(
        &self,
        grant: &[u8],
        sender: &IdentityPublicKey,
        expected: Option<(AlbumId, u64)>,
    ) -> Result<AlbumKey> {
        let info = inspect_grant(grant)?;
        self.check_grant(&info, sender)?;
        if expected.is_some_and(|want| want != (info.album_id, info.epoch)) {
            return Err(Error::GrantWrongAlbum);
        }
        self.check_grant_signature(grant, sender)?;
        self.open_grant(grant, &info)
    }

    /// Accepts a grant against the album's verified history (SPEC.md 5.7, 5.12): the sender
    /// is taken from the history (a member at the entry the grant names, with the identity
    /// key its addition recorded), so no directory and no separate fingerprint check are
    /// needed beyond the owner's. Checks, in order: version, suite and length; addressed to
    /// this identity; the history's album; the named entry is in `history`; the sender is a
    /// member there; the sender's signature; this identity is a member there; the grant's
    /// epoch is the epoch of that entry or of an earlier one; then opens it.
    ///
    /// # Errors
    /// As [`Keyring::accept_grant`]; [`Error::HistoryUnknownEntry`] if the entry is not in
    /// `history` (fetch the newest chain; still unknown, the chains forked, SPEC.md 5.12);
    /// [`Error::GrantWrongSender`] if the sender is not a member at that entry;
    /// [`Error::GrantWrongRecipient`] if this identity is not; [`Error::GrantWrongAlbum`]
    /// for another album or an epoch the chain had not reached at that entry.
    pub fn accept_grant_in_history(
        &self,
        grant: &[u8],
        history: &VerifiedHistory,
    ) -> Result<AlbumKey> {
        let info = inspect_grant(grant)?;
        let me = self.identity_secret().public_key().digest();
        if info.recipient != me {
            return Err(Error::GrantWrongRecipient);
        }
        if info.album_id != history.album_id() {
            return Err(Error::GrantWrongAlbum);
        }
        let sender = history
            .members_at(&info.history)?
            .into_iter()
            .find(|m| m.digest() == info.sender)
            .ok_or(Error::GrantWrongSender)?;
        self.check_grant_signature(grant, &sender)?;
        if !history.is_member_at(&info.history, &me)? {
            return Err(Error::GrantWrongRecipient);
        }
        if !history.epoch_known_at(info.epoch, &info.history)? {
            return Err(Error::GrantWrongAlbum);
        }
        self.open_grant(grant, &info)
    }

    fn check_grant(&self, info: &GrantInfo, sender: &IdentityPublicKey) -> Result<()> {
        if info.recipient != self.identity_secret().public_key().digest() {
            return Err(Error::GrantWrongRecipient);
        }
        if info.sender != sender.digest() {
            return Err(Error::GrantWrongSender);
        }
        Ok(())
    }

    fn check_grant_signature(&self, grant: &[u8], sender: &IdentityPublicKey) -> Result<()> {
        let (signed, signature) = grant.split_at(GRANT_LEN - SIGNATURE_LEN);
        let signature: &[u8; SIGNATURE_LEN] =
            signature.try_into().map_err(|_| Error::MalformedGrant {
                reason: "signature",
            })?;
        if !sender.verify(&signed_message(signed), signature) {
            return Err(Error::GrantBadSignature);
        }
        Ok(())
    }

    fn open_grant(&self, grant: &[u8], info: &GrantInfo) -> Result<AlbumKey> {
        let signed = &grant[..GRANT_LEN - SIGNATURE_LEN];
        let (header, rest) = signed.split_at(GRANT_HEADER_LEN);
        let (enc, ciphertext) = rest.split_at(xwing::ENC_LEN);
        let hpke_info = [LABEL_GRANT, header].concat();
        let key = zeroize::Zeroizing::new(xwing::open_base(
            self.identity_secret().kem(),
            enc,
            &hpke_info,
            b"",
            ciphertext,
        )?);
        let key = SecretBytes::from_slice("album key", &key)?;
        Ok(AlbumKey::from_bytes(
            info.album_id,
            info.epoch,
            *key.expose(),
        ))
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
            .grant_album(&album, &bob.identity_public_key(), &[3; 32])
            .unwrap();
        assert_eq!(grant.len(), GRANT_LEN);
        let info = inspect_grant(&grant).unwrap();
        assert_eq!(info.sender, alice.identity_public_key().digest());
        assert_eq!(info.recipient, bob.identity_public_key().digest());
        assert_eq!(info.album_id, album.album_id());
        assert_eq!(info.epoch, 7);
        assert_eq!(info.history, [3; 32]);
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
        let mut downgrade = grant.clone();
        downgrade[1] = 1;
        assert!(matches!(
            inspect_grant(&downgrade),
            Err(Error::UnsupportedSuite(1))
        ));
        assert!(matches!(
            inspect_grant(&grant[..1]),
            Err(Error::MalformedGrant {
                reason: "no suite byte"
            })
        ));
        // The header is public, not proof: an edited epoch keeps the sender but breaks the
        // signature.
        let mut edited = grant.clone();
        edited[89] ^= 1;
        let mut other_entry = grant.clone();
        other_entry[GRANT_HEADER_LEN - 1] ^= 1;
        assert!(matches!(
            bob.accept_grant(&other_entry, &alice.identity_public_key(), None),
            Err(Error::GrantBadSignature)
        ));
        assert!(matches!(
            bob.accept_grant(&edited, &alice.identity_public_key(), None),
            Err(Error::GrantBadSignature)
        ));
        bob.accept_grant(&grant, &alice.identity_public_key(), None)
            .unwrap();
    }
}
