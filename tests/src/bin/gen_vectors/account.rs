//! Account vectors (SPEC.md section 5): slots, derivations, grants, whole bundles and the
//! bundles that must be refused.

use keepsake::account::{self, AccountBundle, DeviceKey, LABEL_RECOVERY_KEK};
use keepsake::hpke::{HpkePublicKey, HpkeSecretKey};
use keepsake::kdf::{self, KdfParams};
use keepsake::{AlbumId, hazmat};
use keepsake_tests::account_vectors::{
    AlbumKeyVector, BundleFailure, BundleVector, DerivationVector, DeviceSlotVector, GrantVector,
    PassphraseSlotVector, RecoveryVector,
};
use keepsake_tests::array;
use serde_json::Value;

fn json(bundle: &AccountBundle) -> Value {
    serde_json::from_slice(&bundle.to_bytes()).unwrap()
}

/// The bundle's slot field as hex-decoded bytes.
fn field(bundle: &AccountBundle, path: &[&str]) -> Vec<u8> {
    let mut v = json(bundle);
    for p in path {
        v = v[*p].clone();
    }
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn passphrase_context(params: &KdfParams, salt: &[u8; 16]) -> Vec<u8> {
    [
        &params.memory_kib().to_be_bytes()[..],
        &params.iterations().to_be_bytes(),
        &params.parallelism().to_be_bytes(),
        salt,
    ]
    .concat()
}

/// A bundle from fixed inputs, with one device enrolled.
struct Fixed {
    root: [u8; 32],
    passphrase: String,
    words: String,
    device_secret: [u8; 32],
    bundle: AccountBundle,
    pin: HpkePublicKey,
}

fn fixed(seed: u8, passphrase: &str) -> Fixed {
    let root: [u8; 32] = array(seed);
    let phrase = hazmat::recovery_phrase_from_secret(array(seed + 1));
    let bundle = hazmat::new_bundle(
        root,
        passphrase,
        &KdfParams::FLOOR,
        &phrase,
        array(seed + 2),
        array(seed + 3),
        array(seed + 4),
        array(seed + 5),
    )
    .unwrap();
    let keyring = hazmat::keyring_from_root(root);
    let device_secret: [u8; 32] = array(seed + 6);
    let device = DeviceKey::from_bytes(device_secret);
    let (bundle, pin) = hazmat::enroll_device_with_ephemeral(
        &keyring,
        &bundle,
        &device.public_key(),
        &HpkeSecretKey::from_bytes(array(seed + 7)),
    )
    .unwrap();
    Fixed {
        root,
        passphrase: passphrase.into(),
        words: phrase.words().into(),
        device_secret,
        bundle,
        pin,
    }
}

pub(crate) fn passphrase_slots() -> Vec<PassphraseSlotVector> {
    [
        ("ascii", 100u8, "correct horse battery staple"),
        (
            "nfd-unicode",
            110,
            "cafe\u{301} cre\u{300}me bru\u{302}le\u{301}e",
        ),
    ]
    .into_iter()
    .map(|(name, seed, passphrase)| {
        let f = fixed(seed, passphrase);
        let salt: [u8; 16] = array(seed + 2);
        let params = KdfParams::FLOOR;
        let kek = kdf::derive_key(passphrase, &salt, &params).unwrap();
        PassphraseSlotVector {
            name: format!("floor-params-{name}"),
            passphrase: passphrase.into(),
            passphrase_nfc: hex::encode(kdf::normalize_passphrase(passphrase).as_bytes()),
            memory_kib: params.memory_kib(),
            iterations: params.iterations(),
            parallelism: params.parallelism(),
            salt: hex::encode(salt),
            kek: hex::encode(*kek),
            nonce: hex::encode(array::<24>(seed + 3)),
            context: hex::encode(passphrase_context(&params, &salt)),
            root: hex::encode(f.root),
            wrapped_root: hex::encode(field(&f.bundle, &["body", "passphrase", "wrapped_root"])),
        }
    })
    .collect()
}

pub(crate) fn recovery() -> Vec<RecoveryVector> {
    [120u8, 130]
        .into_iter()
        .map(|seed| {
            let f = fixed(seed, "unused here");
            let secret: [u8; 32] = array(seed + 1);
            let salt: [u8; 16] = array(seed + 4);
            let mut kek = [0u8; 32];
            hkdf::Hkdf::<sha2::Sha256>::new(Some(&salt), &secret)
                .expand(LABEL_RECOVERY_KEK, &mut kek)
                .unwrap();
            RecoveryVector {
                name: format!("recovery-{seed}"),
                secret: hex::encode(secret),
                words: f.words.clone(),
                salt: hex::encode(salt),
                kek: hex::encode(kek),
                nonce: hex::encode(array::<24>(seed + 5)),
                root: hex::encode(f.root),
                wrapped_root: hex::encode(field(&f.bundle, &["body", "recovery", "wrapped_root"])),
            }
        })
        .collect()
}

pub(crate) fn device_slots() -> Vec<DeviceSlotVector> {
    [140u8, 150]
        .into_iter()
        .map(|seed| {
            let f = fixed(seed, "unused here");
            let device = DeviceKey::from_bytes(f.device_secret);
            let slot = &json(&f.bundle)["body"]["devices"][0];
            DeviceSlotVector {
                name: format!("device-{seed}"),
                root: hex::encode(f.root),
                device_secret: hex::encode(f.device_secret),
                device_public: hex::encode(device.public_key().as_bytes()),
                ephemeral_secret: hex::encode(array::<32>(seed + 7)),
                info: hex::encode(
                    [account::LABEL_DEVICE_SLOT, device.public_key().as_bytes()].concat(),
                ),
                enc: slot["enc"].as_str().unwrap().into(),
                wrapped_root: slot["wrapped_root"].as_str().unwrap().into(),
            }
        })
        .collect()
}

pub(crate) fn derivations() -> Vec<DerivationVector> {
    [160u8, 170, 180]
        .into_iter()
        .map(|seed| {
            let root: [u8; 32] = array(seed);
            let keyring = hazmat::keyring_from_root(root);
            let mut identity_secret = [0u8; 32];
            hkdf::Hkdf::<sha2::Sha256>::new(Some(b""), &root)
                .expand(account::LABEL_IDENTITY, &mut identity_secret)
                .unwrap();
            let identity = keyring.identity_public_key();
            assert_eq!(
                HpkeSecretKey::from_bytes(identity_secret).public_key(),
                identity
            );
            let albums = [
                (seed + 1, 0u64),
                (seed + 1, 1),
                (seed + 2, 0),
                (seed + 2, 1u64 << 40),
            ]
            .into_iter()
            .map(|(id_seed, epoch)| {
                let album_id = AlbumId::from_bytes(array(id_seed));
                AlbumKeyVector {
                    album_id: hex::encode(album_id.as_bytes()),
                    epoch,
                    album_key: hex::encode(hazmat::album_key_bytes(
                        &keyring.album_key(album_id, epoch),
                    )),
                }
            })
            .collect();
            DerivationVector {
                name: format!("root-{seed}"),
                root: hex::encode(root),
                identity_secret: hex::encode(identity_secret),
                identity_public: hex::encode(identity.as_bytes()),
                fingerprint: keepsake::sharing::fingerprint(&identity),
                albums,
            }
        })
        .collect()
}

pub(crate) fn grants() -> Vec<GrantVector> {
    [(190u8, 0u64), (200, 7)]
        .into_iter()
        .map(|(seed, epoch)| {
            let sender = hazmat::keyring_from_root(array(seed));
            let recipient = hazmat::keyring_from_root(array(seed + 1));
            let album_id = AlbumId::from_bytes(array(seed + 2));
            let album = sender.album_key(album_id, epoch);
            let grant = hazmat::grant_with_ephemeral(
                &sender,
                &album,
                &recipient.identity_public_key(),
                &HpkeSecretKey::from_bytes(array(seed + 3)),
            )
            .unwrap();
            GrantVector {
                name: format!("grant-{seed}-epoch-{epoch}"),
                sender_root: hex::encode(array::<32>(seed)),
                recipient_root: hex::encode(array::<32>(seed + 1)),
                album_id: hex::encode(album_id.as_bytes()),
                epoch,
                album_key: hex::encode(hazmat::album_key_bytes(&album)),
                ephemeral_secret: hex::encode(array::<32>(seed + 3)),
                grant: hex::encode(grant),
            }
        })
        .collect()
}

pub(crate) fn bundles() -> Vec<BundleVector> {
    let f = fixed(210, "a bundle passphrase");
    vec![BundleVector {
        name: "one-device".into(),
        root: hex::encode(f.root),
        passphrase: f.passphrase.clone(),
        recovery_words: f.words.clone(),
        device_secret: hex::encode(f.device_secret),
        device_ephemeral_secret: hex::encode(array::<32>(210 + 7)),
        bundle: String::from_utf8(f.bundle.to_bytes()).unwrap(),
    }]
}

fn edited(bundle: &AccountBundle, edit: impl FnOnce(&mut Value)) -> String {
    let mut v = json(bundle);
    edit(&mut v);
    serde_json::to_string(&v).unwrap()
}

pub(crate) fn bundle_failures() -> Vec<BundleFailure> {
    let f = fixed(210, "a bundle passphrase");
    let b = &f.bundle;
    let good = String::from_utf8(b.to_bytes()).unwrap();
    let pin = hex::encode(f.pin.as_bytes());
    let device = hex::encode(f.device_secret);
    // A second account, the server's own, with the victim's device enrolled in it.
    let attacker = fixed(220, "the server's passphrase");
    let attacker_keyring = hazmat::keyring_from_root(attacker.root);
    let (planted, _) = hazmat::enroll_device_with_ephemeral(
        &attacker_keyring,
        &attacker.bundle,
        &DeviceKey::from_bytes(f.device_secret).public_key(),
        &HpkeSecretKey::from_bytes(array(230)),
    )
    .unwrap();
    let planted_slots = json(&planted)["body"]["devices"].clone();
    let other_words = hazmat::recovery_phrase_from_secret(array(240))
        .words()
        .to_string();

    let case =
        |name: &str, comment: &str, bundle: String, unlock: &str, secret: &str, error: &str| {
            BundleFailure {
                name: name.into(),
                comment: comment.into(),
                bundle,
                unlock: unlock.into(),
                secret: secret.into(),
                pin: if unlock == "device" {
                    pin.clone()
                } else {
                    String::new()
                },
                error: error.into(),
            }
        };
    let pass = f.passphrase.as_str();
    let words = f.words.as_str();
    let mut v = vec![
        case(
            "truncated",
            "cut in half",
            good[..good.len() / 2].into(),
            "parse",
            "",
            "MalformedBundle",
        ),
        case(
            "not-json",
            "not JSON at all",
            "keepsake".into(),
            "parse",
            "",
            "MalformedBundle",
        ),
        case(
            "unknown-version",
            "body.version = 2",
            edited(b, |v| v["body"]["version"] = 2.into()),
            "parse",
            "",
            "UnsupportedVersion",
        ),
        case(
            "version-beyond-64-bits",
            "body.version = 2^64: an integer, so a version this build does not implement",
            good.replacen("\"version\":1,", "\"version\":18446744073709551616,", 1),
            "parse",
            "",
            "UnsupportedVersion",
        ),
        case(
            "version-fraction",
            "body.version = 1.0: not an integer literal",
            good.replacen("\"version\":1,", "\"version\":1.0,", 1),
            "parse",
            "",
            "MalformedBundle",
        ),
        case(
            "version-negative",
            "body.version = -1",
            good.replacen("\"version\":1,", "\"version\":-1,", 1),
            "parse",
            "",
            "MalformedBundle",
        ),
        case(
            "short-salt-and-weak-kdf",
            "a 1-byte passphrase salt and memory 1024 KiB: the malformed field is reported first",
            edited(b, |v| {
                v["body"]["passphrase"]["salt"] = "00".into();
                v["body"]["passphrase"]["kdf"]["memory_kib"] = 1024.into();
            }),
            "parse",
            "",
            "MalformedBundle",
        ),
        case(
            "short-recovery-salt-and-weak-kdf",
            "a 1-byte recovery salt and iterations 1: the malformed field is reported first",
            edited(b, |v| {
                v["body"]["recovery"]["salt"] = "00".into();
                v["body"]["passphrase"]["kdf"]["iterations"] = 1.into();
            }),
            "parse",
            "",
            "MalformedBundle",
        ),
        case(
            "short-mac-and-costly-kdf",
            "a 1-byte mac and memory 4 TB: the malformed field is reported first",
            edited(b, |v| {
                v["mac"] = "00".into();
                v["body"]["passphrase"]["kdf"]["memory_kib"] = 4_000_000_000u32.into();
            }),
            "parse",
            "",
            "MalformedBundle",
        ),
        case(
            "unknown-field",
            "an extra field in body",
            edited(b, |v| v["body"]["extra"] = true.into()),
            "parse",
            "",
            "MalformedBundle",
        ),
        case(
            "missing-recovery-slot",
            "body.recovery removed",
            edited(b, |v| {
                v["body"].as_object_mut().unwrap().shift_remove("recovery");
            }),
            "parse",
            "",
            "MalformedBundle",
        ),
        case(
            "duplicated-device",
            "the device slot listed twice",
            edited(b, |v| {
                let d = v["body"]["devices"][0].clone();
                v["body"]["devices"].as_array_mut().unwrap().push(d);
            }),
            "parse",
            "",
            "MalformedBundle",
        ),
        case(
            "kdf-below-floor",
            "memory 1024 KiB",
            edited(b, |v| {
                v["body"]["passphrase"]["kdf"]["memory_kib"] = 1024.into()
            }),
            "parse",
            "",
            "KdfParamsTooWeak",
        ),
        case(
            "kdf-one-pass",
            "iterations 1",
            edited(b, |v| {
                v["body"]["passphrase"]["kdf"]["iterations"] = 1.into()
            }),
            "parse",
            "",
            "KdfParamsTooWeak",
        ),
        case(
            "kdf-above-ceiling",
            "memory 4 TB",
            edited(b, |v| {
                v["body"]["passphrase"]["kdf"]["memory_kib"] = 4_000_000_000u32.into()
            }),
            "parse",
            "",
            "KdfParamsTooCostly",
        ),
        case(
            "short-salt",
            "a 1-byte salt",
            edited(b, |v| v["body"]["passphrase"]["salt"] = "00".into()),
            "parse",
            "",
            "MalformedBundle",
        ),
        case(
            "not-canonical",
            "a space after the first brace",
            format!("{{ {}", &good[1..]),
            "parse",
            "",
            "MalformedBundle",
        ),
        case(
            "wrong-passphrase",
            "a wrong passphrase",
            good.clone(),
            "passphrase",
            "not the passphrase",
            "WrongPassphrase",
        ),
        case(
            "tampered-salt",
            "passphrase salt changed",
            edited(b, |v| {
                v["body"]["passphrase"]["salt"] = "00112233445566778899aabbccddeeff".into()
            }),
            "passphrase",
            pass,
            "WrongPassphrase",
        ),
        case(
            "tampered-params",
            "iterations 2 -> 3 (still valid)",
            edited(b, |v| {
                v["body"]["passphrase"]["kdf"]["iterations"] = 3.into()
            }),
            "passphrase",
            pass,
            "WrongPassphrase",
        ),
        case(
            "device-slot-removed",
            "the device slot deleted; the MAC no longer verifies",
            edited(b, |v| v["body"]["devices"] = Value::Array(vec![])),
            "passphrase",
            pass,
            "BundleTampered",
        ),
        case(
            "mac-altered",
            "mac zeroed",
            edited(b, |v| v["mac"] = "00".repeat(32).into()),
            "recovery",
            words,
            "BundleTampered",
        ),
        case(
            "identity-swapped",
            "body.identity replaced",
            edited(b, |v| {
                v["body"]["identity"] = hex::encode(array::<32>(9)).into()
            }),
            "passphrase",
            pass,
            "IdentityMismatch",
        ),
        case(
            "wrong-recovery-phrase",
            "another valid phrase",
            good.clone(),
            "recovery",
            &other_words,
            "WrongRecoveryPhrase",
        ),
        case(
            "revoked-device",
            "the device slot deleted",
            edited(b, |v| v["body"]["devices"] = Value::Array(vec![])),
            "device",
            &device,
            "DeviceNotEnrolled",
        ),
        case(
            "planted-device-slot",
            "the device slot replaced by one wrapping the server's root",
            edited(b, |v| v["body"]["devices"] = planted_slots.clone()),
            "device",
            &device,
            "IdentityMismatch",
        ),
        case(
            "foreign-bundle",
            "the server's whole bundle, with the device enrolled",
            String::from_utf8(planted.to_bytes()).unwrap(),
            "device",
            &device,
            "IdentityMismatch",
        ),
        case(
            "device-enc-altered",
            "the device slot's enc changed",
            edited(b, |v| {
                v["body"]["devices"][0]["enc"] = hex::encode(array::<32>(250)).into()
            }),
            "device",
            &device,
            "DecryptionFailed",
        ),
    ];
    // Check each expectation against the implementation before writing it.
    for c in &mut v {
        let got = keepsake_tests::account_vectors::check_bundle_failure(c);
        assert_eq!(got, c.error, "{}", c.name);
    }
    v
}
