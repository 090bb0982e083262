//! Runs the account-layer vector files (SPEC.md section 5) in both directions: building
//! each slot, key, grant and bundle from the recorded inputs gives the recorded bytes, and
//! opening the recorded bytes gives the recorded secrets, or the recorded error.

#![allow(clippy::unwrap_used, clippy::panic)]

use keepsake::account::{self, AccountBundle, DeviceKey};
use keepsake::hpke::xwing::{self, XWingSecretKey};
use keepsake::identity::IdentityPublicKey;
use keepsake::kdf::{self, KdfParams};
use keepsake::{AlbumId, AlbumKey, Error, RecoveryPhrase, hazmat};
use keepsake_tests::account_vectors::{
    BundleFailure, BundleVector, DerivationVector, DeviceSlotVector, GrantVector,
    PassphraseSlotVector, RecoveryVector, check_bundle_failure, replay,
};
use keepsake_tests::{load, unhex, unhex_array};

fn slot_field(bundle: &AccountBundle, path: &[&str]) -> String {
    let mut v: serde_json::Value = serde_json::from_slice(&bundle.to_bytes()).unwrap();
    for p in path {
        v = match p.parse::<usize>() {
            Ok(i) => v[i].clone(),
            Err(_) => v[*p].clone(),
        };
    }
    v.as_str().unwrap().to_string()
}

/// `create_account_with` randomness (SPEC.md 7) with the given fields and filler elsewhere.
fn create_randomness(
    root: &[u8],
    recovery_secret: &[u8],
    pass: (&[u8], &[u8]),
    rec: (&[u8], &[u8]),
) -> Vec<u8> {
    [
        root,
        &[0x11; 32],
        recovery_secret,
        pass.0,
        pass.1,
        rec.0,
        rec.1,
        &[0x22; 24],
    ]
    .concat()
}

/// Checks DeriveKeyPair(kek) and the HPKE open of a slot, then returns the slot secret.
fn check_slot_keys(name: &str, kek: &[u8], secret: &str, public: &str, info: &[u8], kind: u8) {
    let sk = XWingSecretKey::derive(kek).unwrap();
    assert_eq!(
        hex::encode(*sk.to_bytes()),
        secret,
        "{name}: DeriveKeyPair sk"
    );
    assert_eq!(
        hex::encode(sk.public_key().as_bytes()),
        public,
        "{name}: pk"
    );
    assert_eq!(
        info,
        [
            account::LABEL_ROOT_SLOT,
            &[kind],
            &sk.public_key().as_bytes()[..]
        ]
        .concat(),
        "{name}: info"
    );
}

#[test]
fn passphrase_slot_vectors() {
    let file = load::<PassphraseSlotVector>("passphrase-slot-v1.json");
    assert_eq!(file.vectors.len(), 2);
    for v in &file.vectors {
        let params = KdfParams::new(v.memory_kib, v.iterations, v.parallelism).unwrap();
        let salt: [u8; 16] = unhex_array("salt", &v.salt);
        assert_eq!(
            hex::encode(kdf::normalize_passphrase(&v.passphrase).as_bytes()),
            v.passphrase_nfc,
            "{}",
            v.name
        );
        let kek = kdf::derive_key(&v.passphrase, &salt, &params).unwrap();
        assert_eq!(hex::encode(*kek), v.kek, "{}: kek", v.name);
        let info = unhex("info", &v.info);
        check_slot_keys(
            &v.name,
            kek.as_ref(),
            &v.slot_secret,
            &v.slot_public,
            &info,
            1,
        );
        // Open direction with HPKE directly.
        let sk = XWingSecretKey::from_seed(unhex_array("slot_secret", &v.slot_secret));
        let opened = xwing::open_base(
            &sk,
            &unhex("enc", &v.enc),
            &info,
            b"",
            &unhex("wrapped_root", &v.wrapped_root),
        )
        .unwrap();
        assert_eq!(hex::encode(opened), v.root, "{}", v.name);
        // Seal direction through account creation with the recorded salt and ephemeral.
        let random = create_randomness(
            &unhex("root", &v.root),
            &[1; 32],
            (&salt, &unhex("eseed", &v.eseed)),
            (&[2; 16], &[3; 64]),
        );
        let new = hazmat::create_account_with(&v.passphrase, &params, &random).unwrap();
        for (field, want) in [
            ("public_key", &v.slot_public),
            ("enc", &v.enc),
            ("wrapped_root", &v.wrapped_root),
        ] {
            assert_eq!(
                &slot_field(&new.bundle, &["body", "passphrase", field]),
                want,
                "{}: {field}",
                v.name
            );
        }
        account::unlock_with_passphrase(&new.bundle, &v.passphrase).unwrap();
    }
}

#[test]
fn recovery_vectors() {
    let file = load::<RecoveryVector>("recovery-v1.json");
    assert_eq!(file.vectors.len(), 2);
    for v in &file.vectors {
        let secret: [u8; 32] = unhex_array("secret", &v.secret);
        assert_eq!(
            hazmat::recovery_phrase_from_secret(secret).words(),
            v.words,
            "{}",
            v.name
        );
        let parsed = RecoveryPhrase::parse(&v.words).unwrap();
        assert_eq!(hazmat::recovery_secret(&parsed), secret, "{}", v.name);
        let mut kek = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(Some(&unhex("salt", &v.salt)), &secret)
            .expand(account::LABEL_RECOVERY_KEK, &mut kek)
            .unwrap();
        assert_eq!(hex::encode(kek), v.kek, "{}", v.name);
        let info = unhex("info", &v.info);
        check_slot_keys(&v.name, &kek, &v.slot_secret, &v.slot_public, &info, 2);
        let sk = XWingSecretKey::from_seed(unhex_array("slot_secret", &v.slot_secret));
        let opened = xwing::open_base(
            &sk,
            &unhex("enc", &v.enc),
            &info,
            b"",
            &unhex("wrapped_root", &v.wrapped_root),
        )
        .unwrap();
        assert_eq!(hex::encode(opened), v.root, "{}", v.name);
        let random = create_randomness(
            &unhex("root", &v.root),
            &secret,
            (&[4; 16], &[5; 64]),
            (&unhex("salt", &v.salt), &unhex("eseed", &v.eseed)),
        );
        let new = hazmat::create_account_with("unused", &KdfParams::FLOOR, &random).unwrap();
        assert_eq!(new.recovery_phrase.words(), v.words);
        for (field, want) in [
            ("public_key", &v.slot_public),
            ("enc", &v.enc),
            ("wrapped_root", &v.wrapped_root),
        ] {
            assert_eq!(
                &slot_field(&new.bundle, &["body", "recovery", field]),
                want,
                "{}: {field}",
                v.name
            );
        }
        account::unlock_with_recovery(&new.bundle, &parsed).unwrap();
    }
}

#[test]
fn device_slot_vectors() {
    let file = load::<DeviceSlotVector>("device-slot-v1.json");
    assert_eq!(file.vectors.len(), 2);
    for v in &file.vectors {
        let root: [u8; 32] = unhex_array("root", &v.root);
        let device = DeviceKey::from_bytes(unhex_array("device_secret", &v.device_secret));
        assert_eq!(
            hex::encode(device.public_key().as_bytes()),
            v.device_public,
            "{}",
            v.name
        );
        let info = unhex("info", &v.info);
        assert_eq!(
            info,
            [
                account::LABEL_ROOT_SLOT,
                &[3],
                device.public_key().as_bytes()
            ]
            .concat()
        );
        // Seal direction, through the enrolment API.
        let random =
            create_randomness(&root, &[6; 32], (&[7; 16], &[8; 64]), (&[9; 16], &[10; 64]));
        let new = hazmat::create_account_with("x", &KdfParams::FLOOR, &random).unwrap();
        let (enrolled, pin) = hazmat::enroll_device_with(
            &new.keyring,
            &new.bundle,
            &device.public_key(),
            &unhex("eseed", &v.eseed),
        )
        .unwrap();
        assert_eq!(
            slot_field(&enrolled, &["body", "devices", "0", "enc"]),
            v.enc
        );
        assert_eq!(
            slot_field(&enrolled, &["body", "devices", "0", "wrapped_root"]),
            v.wrapped_root
        );
        // Open direction, with HPKE directly, and through device unlock.
        let secret = XWingSecretKey::from_seed(unhex_array("device_secret", &v.device_secret));
        let opened = xwing::open_base(
            &secret,
            &unhex("enc", &v.enc),
            &info,
            b"",
            &unhex("wrapped_root", &v.wrapped_root),
        )
        .unwrap();
        assert_eq!(opened, root, "{}", v.name);
        account::unlock_with_device(&enrolled, &device, &pin).unwrap();
    }
}

#[test]
fn derivation_vectors() {
    let file = load::<DerivationVector>("derivation-v1.json");
    assert_eq!(file.vectors.len(), 3);
    for v in &file.vectors {
        let roots: Vec<[u8; 32]> = v.roots.iter().map(|r| unhex_array("root", r)).collect();
        let keyring = hazmat::keyring_from_secrets(
            &roots,
            unhex_array("identity_secret", &v.identity_secret),
        );
        assert_eq!(
            hex::encode(keyring.identity_public_key().to_bytes()),
            v.identity_public,
            "{}",
            v.name
        );
        let public =
            IdentityPublicKey::from_slice(&unhex("identity_public", &v.identity_public)).unwrap();
        assert_eq!(
            hex::encode(public.digest()),
            v.identity_digest,
            "{}",
            v.name
        );
        assert_eq!(
            keepsake::sharing::fingerprint(&public),
            v.fingerprint,
            "{}",
            v.name
        );
        assert!(v.albums.len() >= 6);
        for a in &v.albums {
            let id = AlbumId::from_bytes(unhex_array("album_id", &a.album_id));
            let key = keyring.album_key(id, a.epoch).unwrap();
            assert_eq!(
                hex::encode(hazmat::album_key_bytes(&key)),
                a.album_key,
                "{} {}",
                v.name,
                a.epoch
            );
            // Independently: HKDF(salt = album id, root of epoch >> 32, LABEL_ALBUM || be64(epoch)).
            let root = roots[usize::try_from(a.epoch >> 32).unwrap()];
            let mut okm = [0u8; 32];
            hkdf::Hkdf::<sha2::Sha256>::new(Some(id.as_bytes()), &root)
                .expand(
                    &[account::LABEL_ALBUM, &a.epoch.to_be_bytes()].concat(),
                    &mut okm,
                )
                .unwrap();
            assert_eq!(hex::encode(okm), a.album_key);
        }
        // An epoch of a generation the keyring does not have.
        let beyond = u64::try_from(roots.len()).unwrap() << 32;
        assert!(matches!(
            keyring.album_key(AlbumId::from_bytes([0; 16]), beyond),
            Err(Error::UnknownGeneration { .. })
        ));
    }
}

#[test]
fn grant_vectors() {
    let file = load::<GrantVector>("grant-v1.json");
    assert_eq!(file.vectors.len(), 2);
    for v in &file.vectors {
        let sender = hazmat::keyring_from_secrets(
            &[[0; 32]],
            unhex_array("sender", &v.sender_identity_secret),
        );
        let recipient = hazmat::keyring_from_secrets(
            &[[0; 32]],
            unhex_array("recipient", &v.recipient_identity_secret),
        );
        let id = AlbumId::from_bytes(unhex_array("album_id", &v.album_id));
        let album = AlbumKey::from_bytes(id, v.epoch, unhex_array("album_key", &v.album_key));
        let grant = hazmat::grant_with_randomness(
            &sender,
            &album,
            &recipient.identity_public_key(),
            &unhex_array("history", &v.history),
            &unhex_array("eseed", &v.eseed),
        )
        .unwrap();
        assert_eq!(hex::encode(&grant), v.grant, "{}", v.name);
        assert_eq!(grant.len(), 1354);
        assert_eq!(
            keepsake::sharing::inspect_grant(&grant).unwrap().history,
            unhex_array::<32>("history", &v.history)
        );
        assert_eq!(
            hex::encode(sender.identity_public_key().to_bytes()),
            v.sender_identity_public,
            "{}",
            v.name
        );
        // The recipient is the bundle-v1.json account: unlocking its bundle, as a binding
        // does, gives the identity of the recorded secret, and it accepts the grant too.
        let (account, secret) = v.recipient_bundle.unlock();
        assert_eq!(secret, v.recipient_identity_secret, "{}", v.name);
        assert_eq!(
            account.identity_public_key(),
            recipient.identity_public_key()
        );
        let sender_public = IdentityPublicKey::from_slice(&unhex(
            "sender_identity_public",
            &v.sender_identity_public,
        ))
        .unwrap();
        for who in [&recipient, &account] {
            let received = who
                .accept_grant(
                    &unhex("grant", &v.grant),
                    &sender_public,
                    Some((id, v.epoch)),
                )
                .unwrap();
            assert_eq!(
                hex::encode(hazmat::album_key_bytes(&received)),
                v.album_key,
                "{}",
                v.name
            );
        }
    }
    assert_eq!(file.vectors.len(), 2);
}

#[test]
fn bundle_vectors() {
    let file = load::<BundleVector>("bundle-v1.json");
    assert!(!file.vectors.is_empty());
    for v in &file.vectors {
        // Replaying the steps with the recorded randomness gives every recorded bundle.
        let (bundles, keyring) = replay(&v.passphrase, &v.steps);
        for (step, bundle) in v.steps.iter().zip(&bundles) {
            assert_eq!(
                bundle.to_bytes(),
                step.bundle.as_bytes(),
                "{}: {}",
                v.name,
                step.op
            );
            let parsed = AccountBundle::parse(step.bundle.as_bytes()).unwrap();
            assert_eq!(&parsed, bundle, "{}: parse", v.name);
        }
        for (g, root) in v.roots.iter().enumerate() {
            assert_eq!(
                hex::encode(hazmat::root_bytes(&keyring, g).unwrap()),
                *root,
                "{}: root {g}",
                v.name
            );
        }
        let identity = hazmat::keyring_from_secrets(
            &[[0; 32]],
            unhex_array("identity_secret", &v.identity_secret),
        )
        .identity_public_key();
        // The last bundle unlocks with the passphrase, the words and each remaining device,
        // to every root; the device revoked with a rotation does not unlock it.
        let last = AccountBundle::parse(v.steps.last().unwrap().bundle.as_bytes()).unwrap();
        let by_pass = account::unlock_with_passphrase(&last, &v.passphrase).unwrap();
        let by_words = account::unlock_with_recovery(
            &last,
            &RecoveryPhrase::parse(&v.recovery_words).unwrap(),
        )
        .unwrap();
        let mut unlocked = vec![by_pass, by_words];
        for secret in &v.device_secrets {
            let device = DeviceKey::from_bytes(unhex_array("device_secret", secret));
            let enrolled = last.devices().contains(&device.public_key());
            match account::unlock_with_device(&last, &device, &keyring.pin()) {
                Ok(k) => {
                    assert!(enrolled, "{}", v.name);
                    unlocked.push(k);
                }
                Err(Error::DeviceNotEnrolled) => assert!(!enrolled, "{}", v.name),
                Err(e) => panic!("{}: {e}", v.name),
            }
        }
        for k in &unlocked {
            assert_eq!(k.identity_public_key(), identity, "{}", v.name);
            assert_eq!(k.pin(), keyring.pin(), "{}", v.name);
            for (g, root) in v.roots.iter().enumerate() {
                assert_eq!(hex::encode(hazmat::root_bytes(k, g).unwrap()), *root);
            }
        }
    }
}

#[test]
fn bundle_failure_vectors() {
    let file = load::<BundleFailure>("bundle-v1-failures.json");
    assert!(file.vectors.len() >= 35);
    for v in &file.vectors {
        assert_eq!(check_bundle_failure(v), v.error, "{}", v.name);
    }
}

#[test]
fn epoch_move_vectors() {
    use keepsake::{MediaId, MediaKind, stream};
    use keepsake_tests::account_vectors::EpochMoveVector;
    let file = load::<EpochMoveVector>("epoch-move-v1.json");
    assert!(!file.vectors.is_empty());
    for v in &file.vectors {
        let unlocked: Vec<(String, account::Keyring)> = v
            .accounts
            .iter()
            .map(|a| {
                let bundle = AccountBundle::parse(a.bundle.as_bytes()).unwrap();
                (
                    a.name.clone(),
                    account::unlock_with_passphrase(&bundle, &a.passphrase).unwrap(),
                )
            })
            .collect();
        let keyring = |name: &str| &unlocked.iter().find(|(n, _)| n == name).unwrap().1;
        let owner = keyring("owner");
        let album_id = AlbumId::from_bytes(unhex_array("album_id", &v.album_id));
        let before = owner.album_key(album_id, v.epoch_before).unwrap();
        // The owner's move gives the recorded epoch and key, and a grant for `stays` only.
        let moved = owner
            .remove_member(&before, &[keyring("stays").identity_public_key()], &[0; 32])
            .unwrap();
        assert_eq!(moved.album.epoch(), v.epoch_after, "{}", v.name);
        assert_eq!(
            hex::encode(hazmat::album_key_bytes(&moved.album)),
            v.album_key_after
        );
        // Every recorded grant re-seals byte for byte and opens for its recipient only.
        for g in &v.grants {
            let album = owner.album_key(album_id, g.epoch).unwrap();
            let again = hazmat::grant_with_randomness(
                owner,
                &album,
                &keyring(&g.to).identity_public_key(),
                &unhex_array("history", &g.history),
                &unhex_array("eseed", &g.eseed),
            )
            .unwrap();
            assert_eq!(hex::encode(again), g.grant, "{}: grant to {}", v.name, g.to);
            for (name, k) in &unlocked[1..] {
                let got = k.accept_grant(
                    &unhex("grant", &g.grant),
                    &owner.identity_public_key(),
                    Some((album_id, g.epoch)),
                );
                if *name == g.to {
                    assert_eq!(
                        hazmat::album_key_bytes(&got.unwrap()),
                        hazmat::album_key_bytes(&album)
                    );
                } else {
                    assert!(matches!(got, Err(Error::GrantWrongRecipient)), "{name}");
                }
            }
        }
        assert!(
            !v.grants
                .iter()
                .any(|g| g.to == "removed" && g.epoch == v.epoch_after)
        );
        // Each item opens under its epoch's key, from the owner; the member who was removed
        // holds only the earlier epoch's key, which does not open the later item.
        let removed_key = keyring("removed")
            .accept_grant(
                &unhex(
                    "grant",
                    &v.grants.iter().find(|g| g.to == "removed").unwrap().grant,
                ),
                &owner.identity_public_key(),
                None,
            )
            .unwrap();
        for item in &v.items {
            let media_id = MediaId::from_bytes(unhex_array("media_id", &item.media_id));
            let album = owner.album_key(album_id, item.epoch).unwrap();
            let key = album
                .unwrap_media_key(&media_id, &unhex("wrapped", &item.wrapped_media_key))
                .unwrap();
            let opened = stream::open(
                &key,
                &media_id,
                MediaKind::Original,
                &unhex("sealed", &item.sealed),
            )
            .unwrap();
            assert_eq!(hex::encode(opened), item.plaintext);
            let by_removed =
                AlbumKey::from_bytes(album_id, item.epoch, hazmat::album_key_bytes(&removed_key))
                    .unwrap_media_key(&media_id, &unhex("wrapped", &item.wrapped_media_key));
            assert_eq!(
                by_removed.is_ok(),
                item.epoch == v.epoch_before,
                "{}",
                v.name
            );
        }
    }
}
