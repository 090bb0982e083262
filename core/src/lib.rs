#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]

pub mod account;
pub mod bundle;
pub mod envelope;
mod error;
#[cfg(feature = "fs")]
pub mod file;
pub mod history;
pub mod hpke;
pub mod identity;
pub mod kdf;
mod keys;
pub mod lifecycle;
pub mod link;
pub mod primitives;
pub mod provenance;
pub mod recovery;
pub mod selection;
pub mod sharing;
pub mod stream;

pub use envelope::{AlbumBlob, MediaBlob};
pub use error::{Error, Result};
#[cfg(feature = "fs")]
pub use file::{FileOptions, open_file, remove_partial_files, seal_file, seal_file_part};
pub use keys::{AlbumId, AlbumKey, ID_LEN, MediaId, MediaKey, MediaKind};
pub use primitives::KEY_LEN;
pub use recovery::RecoveryPhrase;
/// The wiping buffer [`stream::open_into`] fills, re-exported from the `zeroize` crate.
pub use zeroize::Zeroizing;

/// Deterministic variants of the sealing functions, with caller-chosen salts and nonces,
/// for known-answer vectors. Reusing a salt or nonce with the same key breaks the
/// security of everything sealed with it: never enable the `hazmat` feature in an app.
#[cfg(feature = "hazmat")]
pub mod hazmat {
    use crate::envelope::{AlbumBlob, MediaBlob};
    use crate::primitives::XNONCE_LEN;
    use crate::stream::{SALT_LEN, SealOptions};
    use crate::{AlbumKey, MediaId, MediaKey, MediaKind, Result};

    /// [`crate::stream::seal_with`] with a chosen salt.
    pub fn seal_with_salt(
        key: &MediaKey,
        media_id: &MediaId,
        kind: MediaKind,
        plaintext: &[u8],
        options: &SealOptions,
        salt: [u8; SALT_LEN],
    ) -> Vec<u8> {
        crate::stream::seal_with_salt(key, media_id, kind, plaintext, options, salt)
    }

    /// [`crate::stream::seal_part`] with a chosen salt.
    pub fn seal_part_with_salt(
        key: &MediaKey,
        media_id: &MediaId,
        kind: MediaKind,
        plaintext: &[u8],
        options: &SealOptions,
        salt: [u8; SALT_LEN],
    ) -> (Vec<u8>, crate::provenance::SealedPart) {
        crate::stream::seal_part_with_salt(key, media_id, kind, plaintext, options, salt)
    }

    /// A [`crate::stream::Sealer`] with a chosen salt.
    ///
    /// # Errors
    /// As [`crate::stream::Sealer::new`].
    pub fn sealer_with_salt<W: std::io::Write>(
        key: &MediaKey,
        media_id: &MediaId,
        kind: MediaKind,
        inner: W,
        options: &SealOptions,
        salt: [u8; SALT_LEN],
    ) -> Result<crate::stream::Sealer<W>> {
        crate::stream::Sealer::with_salt(key, media_id, kind, inner, options, salt)
    }

    /// [`MediaKey::seal_blob`] with a chosen nonce.
    ///
    /// # Errors
    /// As [`MediaKey::seal_blob`].
    pub fn seal_media_blob(
        key: &MediaKey,
        media_id: &MediaId,
        what: MediaBlob,
        plaintext: &[u8],
        nonce: [u8; XNONCE_LEN],
    ) -> Result<Vec<u8>> {
        crate::envelope::seal_media_blob(key, media_id, what, plaintext, nonce)
    }

    /// [`AlbumKey::seal_blob`] with a chosen nonce.
    ///
    /// # Errors
    /// As [`AlbumKey::seal_blob`].
    pub fn seal_album_blob(
        key: &AlbumKey,
        what: AlbumBlob,
        plaintext: &[u8],
        nonce: [u8; XNONCE_LEN],
    ) -> Result<Vec<u8>> {
        crate::envelope::seal_album_blob(key, what, plaintext, nonce)
    }

    /// [`AlbumKey::wrap_media_key`] with a chosen nonce.
    ///
    /// # Errors
    /// As [`AlbumKey::wrap_media_key`].
    pub fn wrap_media_key(
        key: &AlbumKey,
        media_id: &MediaId,
        media_key: &MediaKey,
        nonce: [u8; XNONCE_LEN],
    ) -> Result<Vec<u8>> {
        crate::envelope::wrap_media_key(key, media_id, media_key, nonce)
    }

    /// The envelope key schedule: `(key, commitment)` for an owner key, a nonce and the
    /// binding `version || purpose || len(context) || context`.
    pub fn envelope_key_schedule(
        owner: &[u8; 32],
        nonce: &[u8; XNONCE_LEN],
        binding: &[u8],
    ) -> (zeroize::Zeroizing<[u8; 32]>, [u8; 32]) {
        crate::envelope::key_schedule_bytes(owner, nonce, binding)
    }

    /// A keyring holding chosen roots (`roots[i]` is generation `i`'s) and identity seed.
    pub fn keyring_from_secrets(roots: &[[u8; 32]], identity: [u8; 32]) -> crate::account::Keyring {
        crate::account::Keyring {
            roots: roots
                .iter()
                .map(|r| crate::keys::SecretBytes::new(*r))
                .collect(),
            identity: crate::identity::IdentitySecret::from_seed(identity),
        }
    }

    /// The recovery phrase of a chosen 256-bit secret.
    pub fn recovery_phrase_from_secret(secret: [u8; 32]) -> crate::RecoveryPhrase {
        crate::RecoveryPhrase::from_secret(crate::keys::SecretBytes::new(secret))
    }

    /// The 256-bit secret a recovery phrase encodes.
    pub fn recovery_secret(phrase: &crate::RecoveryPhrase) -> [u8; 32] {
        *phrase.secret()
    }

    /// The 32 bytes of an album key.
    pub fn album_key_bytes(key: &AlbumKey) -> [u8; 32] {
        *key.secret()
    }

    /// The 32 bytes of a media key.
    pub fn media_key_bytes(key: &MediaKey) -> [u8; 32] {
        *key.secret()
    }

    /// The opened body of a selection grant addressed to `keyring` (SPEC.md 5.11), no
    /// check made but HPKE's.
    ///
    /// # Errors
    /// As [`crate::selection::inspect_selection`]; HPKE's errors.
    pub fn selection_body(
        grant: &[u8],
        keyring: &crate::account::Keyring,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        crate::selection::open_body(grant, keyring)
    }

    /// The root of generation `generation` a keyring holds.
    pub fn root_bytes(keyring: &crate::account::Keyring, generation: usize) -> Option<[u8; 32]> {
        keyring.roots.get(generation).map(|r| *r.expose())
    }

    /// Randomness for the bundle-writing operations below: a fixed byte string consumed
    /// from the front, in the order SPEC.md 7 gives for each operation.
    struct Fixed<'a>(&'a [u8]);

    impl crate::account::Randomness for Fixed<'_> {
        fn fill(&mut self, out: &mut [u8]) -> Result<()> {
            if self.0.len() < out.len() {
                return Err(crate::Error::RandomnessUnavailable);
            }
            let (head, rest) = self.0.split_at(out.len());
            out.copy_from_slice(head);
            self.0 = rest;
            Ok(())
        }
    }

    fn fixed<T>(randomness: &[u8], run: impl FnOnce(&mut Fixed<'_>) -> Result<T>) -> Result<T> {
        let mut source = Fixed(randomness);
        let out = run(&mut source)?;
        if source.0.is_empty() {
            Ok(out)
        } else {
            Err(crate::Error::InvalidLength {
                what: "fixed randomness (bytes left over)",
                expected: randomness.len() - source.0.len(),
                got: randomness.len(),
            })
        }
    }

    /// [`crate::account::create_account`] from fixed randomness (all of it consumed).
    ///
    /// # Errors
    /// As `create_account`; [`crate::Error::RandomnessUnavailable`] if too short,
    /// [`crate::Error::InvalidLength`] if too long.
    pub fn create_account_with(
        passphrase: &str,
        params: &crate::kdf::KdfParams,
        randomness: &[u8],
    ) -> Result<crate::account::NewAccount> {
        fixed(randomness, |r| {
            crate::account::create_account_with(passphrase, params, r)
        })
    }

    /// [`crate::account::Keyring::enroll_device`] from fixed randomness.
    ///
    /// # Errors
    /// As `enroll_device` and [`create_account_with`].
    pub fn enroll_device_with(
        keyring: &crate::account::Keyring,
        bundle: &crate::account::AccountBundle,
        device: &crate::hpke::xwing::XWingPublicKey,
        randomness: &[u8],
    ) -> Result<(crate::account::AccountBundle, crate::account::AccountPin)> {
        fixed(randomness, |r| {
            keyring.enroll_device_with(bundle, device, r)
        })
    }

    /// [`crate::account::Keyring::change_passphrase`] from fixed randomness.
    ///
    /// # Errors
    /// As `change_passphrase` and [`create_account_with`].
    pub fn change_passphrase_with(
        keyring: &crate::account::Keyring,
        bundle: &crate::account::AccountBundle,
        passphrase: &str,
        params: &crate::kdf::KdfParams,
        randomness: &[u8],
    ) -> Result<crate::account::AccountBundle> {
        fixed(randomness, |r| {
            keyring.change_passphrase_with(bundle, passphrase, params, r)
        })
    }

    /// [`crate::account::Keyring::rotate`] (or, with `revoke`,
    /// `revoke_device_and_rotate`) from fixed randomness.
    ///
    /// # Errors
    /// As `rotate` and [`create_account_with`].
    pub fn rotate_with(
        keyring: &crate::account::Keyring,
        bundle: &crate::account::AccountBundle,
        revoke: Option<&crate::hpke::xwing::XWingPublicKey>,
        randomness: &[u8],
    ) -> Result<(crate::account::AccountBundle, crate::account::Keyring)> {
        fixed(randomness, |r| keyring.rotate_with(bundle, revoke, r))
    }

    /// [`crate::account::Keyring::grant_album`] with chosen encapsulation randomness.
    ///
    /// # Errors
    /// As [`crate::account::Keyring::grant_album`].
    pub fn grant_with_randomness(
        keyring: &crate::account::Keyring,
        album: &AlbumKey,
        recipient: &crate::identity::IdentityPublicKey,
        history: &[u8; 32],
        randomness: &[u8; 64],
    ) -> Result<Vec<u8>> {
        crate::sharing::grant_with(keyring, album, recipient, history, randomness)
    }

    /// [`crate::account::Keyring::grant_selection`] with a chosen selection id and
    /// encapsulation randomness.
    ///
    /// # Errors
    /// As [`crate::account::Keyring::grant_selection`].
    #[allow(clippy::too_many_arguments)]
    pub fn grant_selection_with_randomness(
        keyring: &crate::account::Keyring,
        recipient: &crate::identity::IdentityPublicKey,
        album_id: crate::AlbumId,
        history: [u8; 32],
        expires_at: u64,
        items: &[crate::selection::SelectedItem<'_>],
        selection_id: [u8; 16],
        randomness: &[u8; 64],
    ) -> Result<Vec<u8>> {
        let terms = crate::selection::Terms::new(album_id, history, expires_at, selection_id);
        crate::selection::grant_selection_with(keyring, recipient, &terms, items, randomness)
    }

    /// A selection grant signed by `keyring` around an arbitrary `body` claiming
    /// `item_count` items (the count is written as 16 bits), for tests and fuzzing of the
    /// body parser (SPEC.md 5.11, step 9) behind a valid signature. The grant's history is all zeros, its expiry 0 and its selection id all zeros.
    ///
    /// # Errors
    /// HPKE's errors.
    pub fn selection_grant_from_body(
        keyring: &crate::account::Keyring,
        recipient: &crate::identity::IdentityPublicKey,
        album_id: crate::AlbumId,
        item_count: u16,
        body: &[u8],
        randomness: &[u8; 64],
    ) -> Result<Vec<u8>> {
        let terms = crate::selection::Terms::new(album_id, [0; 32], 0, [0; 16]);
        let count = usize::from(item_count);
        crate::selection::seal_body(keyring, recipient, &terms, count, body, randomness)
    }

    /// base64url without padding (RFC 4648 section 5), as link fragments use it.
    pub fn base64url(bytes: &[u8]) -> String {
        crate::link::base64url_encode(bytes).to_string()
    }

    /// A link record's key schedule (SPEC.md 5.13): `(Argon2id output for a password link,
    /// link key)`, from the link secret, the record's header and the password.
    ///
    /// # Errors
    /// As [`crate::link::inspect_record`]; [`crate::Error::LinkPasswordRequired`]; Argon2id's.
    pub fn link_key_schedule(
        secret: &[u8; 32],
        record: &[u8],
        password: Option<&str>,
    ) -> Result<(Option<[u8; 32]>, [u8; 32])> {
        crate::link::record_key_schedule(secret, record, password)
    }

    /// The seed of an album epoch's drop key (SPEC.md 5.13).
    pub fn drop_seed(album: &AlbumKey) -> [u8; 32] {
        *crate::link::drop_seed(album)
    }

    /// [`crate::link::create_album_link`] (`kind` [`crate::link::KIND_ALBUM`]) or
    /// [`crate::link::create_collect_link`] ([`crate::link::KIND_COLLECT`]) with chosen
    /// randomness.
    ///
    /// # Errors
    /// As those; [`crate::Error::MalformedLink`] for another kind.
    pub fn epoch_link_with(
        kind: u8,
        album: &AlbumKey,
        history: &[u8; 32],
        owner: &crate::identity::IdentityPublicKey,
        password: Option<&crate::link::LinkPassword<'_>>,
        draws: &crate::link::LinkDraws,
    ) -> Result<crate::link::NewLink> {
        crate::link::epoch_link_with(kind, album, history, owner, password, draws)
    }

    /// [`crate::link::create_selection_link`] with chosen randomness.
    ///
    /// # Errors
    /// As `create_selection_link`.
    pub fn selection_link_with(
        album_id: crate::AlbumId,
        history: &[u8; 32],
        expires_at: u64,
        owner: &crate::identity::IdentityPublicKey,
        items: &[crate::selection::SelectedItem<'_>],
        password: Option<&crate::link::LinkPassword<'_>>,
        draws: &crate::link::LinkDraws,
    ) -> Result<crate::link::NewLink> {
        crate::link::selection_link_with(
            album_id, history, expires_at, owner, items, password, draws,
        )
    }

    /// [`crate::link::seal_drop`] with a chosen throwaway identity seed and X-Wing
    /// encapsulation randomness.
    ///
    /// # Errors
    /// As `seal_drop`.
    #[allow(clippy::too_many_arguments)]
    pub fn seal_drop_with(
        link: &crate::link::CollectLink,
        media_id: &MediaId,
        media_key: &MediaKey,
        display_name: &str,
        parts: &[crate::provenance::PartEntry],
        metadata: &[u8],
        throwaway: &[u8; 32],
        eseed: &[u8; 64],
    ) -> Result<Vec<u8>> {
        let item = crate::link::DropItem {
            media_id,
            media_key,
            display_name,
            parts,
            metadata,
        };
        crate::link::drop_with(link, &item, throwaway, eseed)
    }

    /// A link record of `kind` around an arbitrary `payload` (no password), for tests and
    /// fuzzing of the payload parser (SPEC.md 5.13, step 10) behind a valid seal.
    ///
    /// # Errors
    /// None without a password (the `Result` is Argon2id's, not run here).
    pub fn link_record_from_payload(
        kind: u8,
        payload: &[u8],
        draws: &crate::link::LinkDraws,
    ) -> Result<crate::link::NewLink> {
        crate::link::seal_record(kind, payload, None, draws)
    }

    /// A drop for `link` around an arbitrary HPKE `plaintext`, signed by the identity of
    /// seed `signer`, for tests and fuzzing of the drop plaintext parser (SPEC.md 5.13,
    /// drop step 4) behind a valid seal and signature.
    ///
    /// # Errors
    /// HPKE's errors.
    pub fn drop_from_plaintext(
        link: &crate::link::CollectLink,
        media_id: &MediaId,
        plaintext: &[u8],
        signer: &[u8; 32],
        eseed: &[u8; 64],
    ) -> Result<Vec<u8>> {
        let signer = crate::identity::IdentitySecret::from_seed(*signer);
        crate::link::seal_plaintext(link, media_id, plaintext, &signer, eseed)
    }

    /// [`crate::hpke::xwing::seal_base`] with chosen encapsulation randomness.
    ///
    /// # Errors
    /// As `seal_base`.
    pub fn xwing_seal_base_with_randomness(
        pk_r: &crate::hpke::xwing::XWingPublicKey,
        randomness: &[u8; 64],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<(Box<[u8; crate::hpke::xwing::ENC_LEN]>, Vec<u8>)> {
        crate::hpke::xwing::seal_base_with_randomness(pk_r, randomness, info, aad, plaintext)
    }

    /// The stream key schedule: `(payload key, commitment)` for a media key, the header's
    /// first 24 bytes and its salt. The payload key is returned in a zeroizing box.
    pub fn stream_key_schedule(
        key: &MediaKey,
        context: &[u8; crate::stream::CONTEXT_LEN],
        salt: &[u8; SALT_LEN],
    ) -> (zeroize::Zeroizing<[u8; 32]>, [u8; 32]) {
        crate::stream::key_schedule_bytes(key, context, salt)
    }
}
