//! Runs the account-layer vector files (SPEC.md section 5) in both directions: building
//! each slot, key, grant and bundle from the recorded inputs gives the recorded bytes, and
//! opening the recorded bytes gives the recorded secrets, or the recorded error.

#![allow(clippy::unwrap_used, clippy::panic)]

use keepsake::account::{self, AccountBundle, DeviceKey};
use keepsake::hpke::{self, HpkePublicKey, HpkeSecretKey};
use keepsake::kdf::{self, KdfParams};
use keepsake::{AlbumId, RecoveryPhrase, hazmat};
use keepsake_tests::account_vectors::{
    BundleFailure, BundleVector, DerivationVector, DeviceSlotVector, GrantVector,
    PassphraseSlotVector, RecoveryVector, check_bundle_failure,
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
        let context = [
            &params.memory_kib().to_be_bytes()[..],
            &params.iterations().to_be_bytes(),
            &params.parallelism().to_be_bytes(),
            &salt,
        ]
        .concat();
        assert_eq!(hex::encode(context), v.context, "{}: context", v.name);
        let phrase = hazmat::recovery_phrase_from_secret([1; 32]);
        let bundle = hazmat::new_bundle(
            unhex_array("root", &v.root),
            &v.passphrase,
            &params,
            &phrase,
            salt,
            unhex_array("nonce", &v.nonce),
            [2; 16],
            [3; 24],
        )
        .unwrap();
        assert_eq!(
            slot_field(&bundle, &["body", "passphrase", "wrapped_root"]),
            v.wrapped_root,
            "{}",
            v.name
        );
        // And back: this passphrase unlocks the root (its identity).
        let keyring = account::unlock_with_passphrase(&bundle, &v.passphrase).unwrap();
        let expected = hazmat::keyring_from_root(unhex_array("root", &v.root));
        assert_eq!(
            keyring.identity_public_key(),
            expected.identity_public_key()
        );
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
        let bundle = hazmat::new_bundle(
            unhex_array("root", &v.root),
            "unused",
            &KdfParams::FLOOR,
            &parsed,
            [4; 16],
            [5; 24],
            unhex_array("salt", &v.salt),
            unhex_array("nonce", &v.nonce),
        )
        .unwrap();
        assert_eq!(
            slot_field(&bundle, &["body", "recovery", "wrapped_root"]),
            v.wrapped_root,
            "{}",
            v.name
        );
        let keyring = account::unlock_with_recovery(&bundle, &parsed).unwrap();
        let expected = hazmat::keyring_from_root(unhex_array("root", &v.root));
        assert_eq!(
            keyring.identity_public_key(),
            expected.identity_public_key()
        );
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
            [account::LABEL_DEVICE_SLOT, device.public_key().as_bytes()].concat()
        );
        // Seal direction, through the enrollment API.
        let keyring = hazmat::keyring_from_root(root);
        let bundle = hazmat::new_bundle(
            root,
            "x",
            &KdfParams::FLOOR,
            &hazmat::recovery_phrase_from_secret([6; 32]),
            [7; 16],
            [8; 24],
            [9; 16],
            [10; 24],
        )
        .unwrap();
        let eph = HpkeSecretKey::from_bytes(unhex_array("ephemeral_secret", &v.ephemeral_secret));
        let (enrolled, pin) =
            hazmat::enroll_device_with_ephemeral(&keyring, &bundle, &device.public_key(), &eph)
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
        let secret = HpkeSecretKey::from_bytes(unhex_array("device_secret", &v.device_secret));
        let opened = hpke::open_base(
            &secret,
            &unhex_array("enc", &v.enc),
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
        let root: [u8; 32] = unhex_array("root", &v.root);
        let keyring = hazmat::keyring_from_root(root);
        let mut identity_secret = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(Some(b""), &root)
            .expand(account::LABEL_IDENTITY, &mut identity_secret)
            .unwrap();
        assert_eq!(
            hex::encode(identity_secret),
            v.identity_secret,
            "{}",
            v.name
        );
        assert_eq!(
            hex::encode(keyring.identity_public_key().as_bytes()),
            v.identity_public,
            "{}",
            v.name
        );
        let public =
            HpkePublicKey::from_slice(&unhex("identity_public", &v.identity_public)).unwrap();
        assert_eq!(
            keepsake::sharing::fingerprint(&public),
            v.fingerprint,
            "{}",
            v.name
        );
        assert!(v.albums.len() >= 4);
        for a in &v.albums {
            let id = AlbumId::from_bytes(unhex_array("album_id", &a.album_id));
            let key = keyring.album_key(id, a.epoch);
            assert_eq!(
                hex::encode(hazmat::album_key_bytes(&key)),
                a.album_key,
                "{} {}",
                v.name,
                a.epoch
            );
            // Independently: HKDF(salt = album id, root, LABEL_ALBUM || be64(epoch)).
            let mut okm = [0u8; 32];
            hkdf::Hkdf::<sha2::Sha256>::new(Some(id.as_bytes()), &root)
                .expand(
                    &[account::LABEL_ALBUM, &a.epoch.to_be_bytes()].concat(),
                    &mut okm,
                )
                .unwrap();
            assert_eq!(hex::encode(okm), a.album_key);
        }
    }
}

#[test]
fn grant_vectors() {
    let file = load::<GrantVector>("grant-v1.json");
    assert_eq!(file.vectors.len(), 2);
    for v in &file.vectors {
        let sender = hazmat::keyring_from_root(unhex_array("sender_root", &v.sender_root));
        let recipient = hazmat::keyring_from_root(unhex_array("recipient_root", &v.recipient_root));
        let id = AlbumId::from_bytes(unhex_array("album_id", &v.album_id));
        let album = sender.album_key(id, v.epoch);
        assert_eq!(hex::encode(hazmat::album_key_bytes(&album)), v.album_key);
        let eph = HpkeSecretKey::from_bytes(unhex_array("ephemeral_secret", &v.ephemeral_secret));
        let grant =
            hazmat::grant_with_ephemeral(&sender, &album, &recipient.identity_public_key(), &eph)
                .unwrap();
        assert_eq!(hex::encode(&grant), v.grant, "{}", v.name);
        let received = recipient
            .accept_grant(
                &unhex("grant", &v.grant),
                &sender.identity_public_key(),
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

#[test]
fn bundle_vectors() {
    let file = load::<BundleVector>("bundle-v1.json");
    for v in &file.vectors {
        let bundle = AccountBundle::parse(v.bundle.as_bytes()).unwrap();
        assert_eq!(
            bundle.to_bytes(),
            v.bundle.as_bytes(),
            "{}: canonical",
            v.name
        );
        let expected =
            hazmat::keyring_from_root(unhex_array("root", &v.root)).identity_public_key();
        let by_pass = account::unlock_with_passphrase(&bundle, &v.passphrase).unwrap();
        let by_words = account::unlock_with_recovery(
            &bundle,
            &RecoveryPhrase::parse(&v.recovery_words).unwrap(),
        )
        .unwrap();
        let device = DeviceKey::from_bytes(unhex_array("device_secret", &v.device_secret));
        let by_device = account::unlock_with_device(&bundle, &device, &expected).unwrap();
        // The device slot re-sealed from the recorded ephemeral secret, onto the bundle
        // without it, gives the recorded bundle byte for byte.
        let without = by_device
            .revoke_device(&bundle, &device.public_key())
            .unwrap();
        let ephemeral = HpkeSecretKey::from_bytes(unhex_array(
            "device_ephemeral_secret",
            &v.device_ephemeral_secret,
        ));
        let (again, _) = hazmat::enroll_device_with_ephemeral(
            &by_device,
            &without,
            &device.public_key(),
            &ephemeral,
        )
        .unwrap();
        assert_eq!(
            again.to_bytes(),
            v.bundle.as_bytes(),
            "{}: re-sealed",
            v.name
        );
        for k in [by_pass, by_words, by_device] {
            assert_eq!(k.identity_public_key(), expected, "{}", v.name);
        }
    }
}

#[test]
fn bundle_failure_vectors() {
    let file = load::<BundleFailure>("bundle-v1-failures.json");
    assert!(file.vectors.len() >= 20);
    for v in &file.vectors {
        assert_eq!(check_bundle_failure(v), v.error, "{}", v.name);
    }
}
