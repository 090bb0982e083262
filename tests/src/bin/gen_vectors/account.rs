//! Account vectors (SPEC.md section 5): slots, derivations, grants, bundles through
//! rotations, and the bundles that must be refused.

use keepsake::account::{self, AccountBundle, DeviceKey, LABEL_RECOVERY_KEK};
use keepsake::hpke::xwing::{XWingPublicKey, XWingSecretKey};
use keepsake::kdf::{self, KdfParams};
use keepsake::{AlbumId, AlbumKey, hazmat};
use keepsake_tests::account_vectors::{
    AlbumKeyVector, BundleFailure, BundleStep, BundleVector, DerivationVector, DeviceSlotVector,
    EpochMoveVector, GrantVector, PassphraseSlotVector, RecipientBundle, RecoveryVector, replay,
};
use keepsake_tests::array;
use serde_json::Value;

fn json(bundle: &AccountBundle) -> Value {
    serde_json::from_slice(&bundle.to_bytes()).unwrap()
}

fn slot_info(kind: u8, public: &XWingPublicKey) -> Vec<u8> {
    [account::LABEL_ROOT_SLOT, &[kind], &public.as_bytes()[..]].concat()
}

/// The randomness `create_account_with` draws (SPEC.md 7), from seeds `seed..seed + 8`:
/// root, identity seed, recovery secret, passphrase salt and eseed, recovery salt and
/// eseed, identity nonce.
pub(crate) fn create_randomness(seed: u8) -> Vec<u8> {
    [
        &array::<32>(seed)[..],
        &array::<32>(seed + 1),
        &array::<32>(seed + 2),
        &array::<16>(seed + 3),
        &array::<64>(seed + 4),
        &array::<16>(seed + 5),
        &array::<64>(seed + 6),
        &array::<24>(seed + 7),
    ]
    .concat()
}

/// The randomness of a rotation at generation `g` with `devices` remaining device slots.
fn rotate_randomness(seed: u8, g: usize, devices: usize) -> Vec<u8> {
    let mut out = array::<32>(seed).to_vec();
    for i in 0..2 + devices {
        out.extend_from_slice(&array::<64>(seed.wrapping_add(1 + i as u8)));
    }
    out.extend_from_slice(&array::<24>(seed.wrapping_add(100)));
    for i in 0..=g {
        out.extend_from_slice(&array::<24>(seed.wrapping_add(101 + i as u8)));
    }
    out
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
        let new =
            hazmat::create_account_with(passphrase, &KdfParams::FLOOR, &create_randomness(seed))
                .unwrap();
        let slot = &json(&new.bundle)["body"]["passphrase"];
        let salt: [u8; 16] = array(seed + 3);
        let params = KdfParams::FLOOR;
        let kek = kdf::derive_key(passphrase, &salt, &params).unwrap();
        let sk = XWingSecretKey::derive(kek.as_ref()).unwrap();
        PassphraseSlotVector {
            name: format!("floor-params-{name}"),
            passphrase: passphrase.into(),
            passphrase_nfc: hex::encode(kdf::normalize_passphrase(passphrase).as_bytes()),
            memory_kib: params.memory_kib(),
            iterations: params.iterations(),
            parallelism: params.parallelism(),
            salt: hex::encode(salt),
            kek: hex::encode(*kek),
            slot_secret: hex::encode(*sk.to_bytes()),
            slot_public: hex::encode(sk.public_key().as_bytes()),
            root: hex::encode(array::<32>(seed)),
            eseed: hex::encode(array::<64>(seed + 4)),
            info: hex::encode(slot_info(account::SLOT_PASSPHRASE, &sk.public_key())),
            enc: slot["enc"].as_str().unwrap().into(),
            wrapped_root: slot["wrapped_root"].as_str().unwrap().into(),
        }
    })
    .collect()
}

pub(crate) fn recovery() -> Vec<RecoveryVector> {
    [120u8, 130]
        .into_iter()
        .map(|seed| {
            let new =
                hazmat::create_account_with("unused", &KdfParams::FLOOR, &create_randomness(seed))
                    .unwrap();
            let slot = &json(&new.bundle)["body"]["recovery"];
            let secret: [u8; 32] = array(seed + 2);
            let salt: [u8; 16] = array(seed + 5);
            let mut kek = [0u8; 32];
            hkdf::Hkdf::<sha2::Sha256>::new(Some(&salt), &secret)
                .expand(LABEL_RECOVERY_KEK, &mut kek)
                .unwrap();
            let sk = XWingSecretKey::derive(&kek).unwrap();
            RecoveryVector {
                name: format!("recovery-{seed}"),
                secret: hex::encode(secret),
                words: new.recovery_phrase.words().into(),
                salt: hex::encode(salt),
                kek: hex::encode(kek),
                slot_secret: hex::encode(*sk.to_bytes()),
                slot_public: hex::encode(sk.public_key().as_bytes()),
                root: hex::encode(array::<32>(seed)),
                eseed: hex::encode(array::<64>(seed + 6)),
                info: hex::encode(slot_info(account::SLOT_RECOVERY, &sk.public_key())),
                enc: slot["enc"].as_str().unwrap().into(),
                wrapped_root: slot["wrapped_root"].as_str().unwrap().into(),
            }
        })
        .collect()
}

pub(crate) fn device_slots() -> Vec<DeviceSlotVector> {
    [140u8, 150]
        .into_iter()
        .map(|seed| {
            let new = hazmat::create_account_with("x", &KdfParams::FLOOR, &create_randomness(seed))
                .unwrap();
            let device_secret: [u8; 32] = array(seed + 8);
            let device = DeviceKey::from_bytes(device_secret);
            let (bundle, _) = hazmat::enroll_device_with(
                &new.keyring,
                &new.bundle,
                &device.public_key(),
                &array::<64>(seed + 9),
            )
            .unwrap();
            let slot = &json(&bundle)["body"]["devices"][0];
            DeviceSlotVector {
                name: format!("device-{seed}"),
                root: hex::encode(array::<32>(seed)),
                device_secret: hex::encode(device_secret),
                device_public: hex::encode(device.public_key().as_bytes()),
                eseed: hex::encode(array::<64>(seed + 9)),
                info: hex::encode(slot_info(account::SLOT_DEVICE, &device.public_key())),
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
            let roots: Vec<[u8; 32]> = (0..3).map(|i| array(seed + i)).collect();
            let identity_secret: [u8; 32] = array(seed + 5);
            let keyring = hazmat::keyring_from_secrets(&roots, identity_secret);
            let identity = keyring.identity_public_key();
            let albums = [
                (seed + 6, 0u64),
                (seed + 6, 1),
                (seed + 7, 0),
                (seed + 7, 1 << 32),
                (seed + 7, (1 << 32) + 5),
                (seed + 6, 2 << 32),
            ]
            .into_iter()
            .map(|(id_seed, epoch)| {
                let album_id = AlbumId::from_bytes(array(id_seed));
                AlbumKeyVector {
                    album_id: hex::encode(album_id.as_bytes()),
                    epoch,
                    album_key: hex::encode(hazmat::album_key_bytes(
                        &keyring.album_key(album_id, epoch).unwrap(),
                    )),
                }
            })
            .collect();
            DerivationVector {
                name: format!("account-{seed}"),
                roots: roots.iter().map(hex::encode).collect(),
                identity_secret: hex::encode(identity_secret),
                identity_public: hex::encode(identity.to_bytes()),
                identity_digest: hex::encode(identity.digest()),
                fingerprint: keepsake::sharing::fingerprint(&identity),
                albums,
            }
        })
        .collect()
}

/// The seed of the one `bundle-v1.json` account, `lifecycle-210`.
const BUNDLE_SEED: u8 = 210;

/// The identity seed of the `bundle-v1.json` account (`create_randomness`'s second field):
/// the recipient of the grants of `grant-v1.json` and `selection-v1.json`, so that a
/// binding, which never imports an identity secret, accepts them by unlocking its bundle.
pub(crate) fn bundle_identity_secret() -> [u8; 32] {
    array(BUNDLE_SEED + 1)
}

/// Where the grant vectors' recipient is found: the last step of `lifecycle-210`.
pub(crate) fn recipient_bundle() -> RecipientBundle {
    RecipientBundle {
        vector: format!("lifecycle-{BUNDLE_SEED}"),
        step: 4,
    }
}

pub(crate) fn grants() -> Vec<GrantVector> {
    [(190u8, 0u64), (200, (3 << 32) + 7)]
        .into_iter()
        .map(|(seed, epoch)| {
            let sender = hazmat::keyring_from_secrets(&[array(seed)], array(seed + 1));
            // The root is not the account's: a grant is to the identity alone.
            let recipient =
                hazmat::keyring_from_secrets(&[array(seed + 2)], bundle_identity_secret());
            let album_id = AlbumId::from_bytes(array(seed + 4));
            let album = AlbumKey::from_bytes(album_id, epoch, array(seed + 5));
            let grant = hazmat::grant_with_randomness(
                &sender,
                &album,
                &recipient.identity_public_key(),
                &array::<32>(seed + 7),
                &array::<64>(seed + 6),
            )
            .unwrap();
            GrantVector {
                name: format!("grant-{seed}-epoch-{epoch}"),
                sender_identity_secret: hex::encode(array::<32>(seed + 1)),
                sender_identity_public: hex::encode(sender.identity_public_key().to_bytes()),
                recipient_identity_secret: hex::encode(bundle_identity_secret()),
                recipient_bundle: recipient_bundle(),
                album_id: hex::encode(album_id.as_bytes()),
                epoch,
                album_key: hex::encode(array::<32>(seed + 5)),
                eseed: hex::encode(array::<64>(seed + 6)),
                history: hex::encode(array::<32>(seed + 7)),
                grant: hex::encode(grant),
            }
        })
        .collect()
}

/// An account created from `seed`, two devices enrolled, rotated, the second device
/// revoked with a rotation: generations 0, 1 and 2.
fn lifecycle(seed: u8, passphrase: &str) -> BundleVector {
    let devices: Vec<[u8; 32]> = vec![array(seed + 10), array(seed + 11)];
    let public = |i: usize| DeviceKey::from_bytes(devices[i]).public_key();
    let mut steps = vec![BundleStep {
        op: "create".into(),
        device: String::new(),
        randomness: hex::encode(create_randomness(seed)),
        bundle: String::new(),
    }];
    for (i, s) in [(0usize, seed + 12), (1, seed + 13)] {
        steps.push(BundleStep {
            op: "enroll".into(),
            device: hex::encode(public(i).as_bytes()),
            randomness: hex::encode(array::<64>(s)),
            bundle: String::new(),
        });
    }
    steps.push(BundleStep {
        op: "rotate".into(),
        device: String::new(),
        randomness: hex::encode(rotate_randomness(seed.wrapping_add(20), 0, 2)),
        bundle: String::new(),
    });
    steps.push(BundleStep {
        op: "revoke-and-rotate".into(),
        device: hex::encode(public(1).as_bytes()),
        randomness: hex::encode(rotate_randomness(seed.wrapping_add(40), 1, 1)),
        bundle: String::new(),
    });
    let (bundles, keyring) = replay(passphrase, &steps);
    for (step, bundle) in steps.iter_mut().zip(&bundles) {
        step.bundle = String::from_utf8(bundle.to_bytes()).unwrap();
    }
    let words = hazmat::recovery_phrase_from_secret(array(seed + 2))
        .words()
        .to_string();
    BundleVector {
        name: format!("lifecycle-{seed}"),
        passphrase: passphrase.into(),
        recovery_words: words,
        device_secrets: devices.iter().map(hex::encode).collect(),
        identity_secret: hex::encode(array::<32>(seed + 1)),
        roots: (0..=keyring.generation() as usize)
            .map(|g| hex::encode(hazmat::root_bytes(&keyring, g).unwrap()))
            .collect(),
        steps,
    }
}

pub(crate) fn bundles() -> Vec<BundleVector> {
    vec![lifecycle(BUNDLE_SEED, "a bundle passphrase")]
}

fn edited(bundle: &str, edit: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(bundle).unwrap();
    edit(&mut v);
    serde_json::to_string(&v).unwrap()
}

#[allow(clippy::too_many_lines)]
pub(crate) fn bundle_failures() -> Vec<BundleFailure> {
    let vector = lifecycle(BUNDLE_SEED, "a bundle passphrase");
    let good = vector.steps.last().unwrap().bundle.clone();
    let gen1 = vector.steps[3].bundle.clone();
    let gen0 = vector.steps[2].bundle.clone();
    let (bundles, keyring) = replay(&vector.passphrase, &vector.steps);
    let pin = hex::encode(keyring.pin().to_bytes());
    let device = vector.device_secrets[0].clone();
    let revoked = vector.device_secrets[1].clone();
    // A second account, the server's own, with the victim's device enrolled in it.
    let attacker = hazmat::create_account_with(
        "the server's passphrase",
        &KdfParams::FLOOR,
        &create_randomness(230),
    )
    .unwrap();
    let attacker_identity = hex::encode(attacker.bundle.identity().to_bytes());
    let device_public = DeviceKey::from_bytes(array(220)).public_key();
    let (planted, _) = hazmat::enroll_device_with(
        &attacker.keyring,
        &attacker.bundle,
        &device_public,
        &array::<64>(239),
    )
    .unwrap();
    let planted_slots = json(&planted)["body"]["devices"].clone();
    let gen1_slots: Value =
        serde_json::from_str::<Value>(&gen1).unwrap()["body"]["devices"].clone();
    let other_words = hazmat::recovery_phrase_from_secret(array(240))
        .words()
        .to_string();
    assert_eq!(bundles.len(), 5);

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
    let b = good.as_str();
    let pass = vector.passphrase.as_str();
    let words = vector.recovery_words.as_str();
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
            "unknown-device-suite",
            "a device slot of suite 1 (X25519 alone, never shipped): a downgrade",
            edited(b, |v| v["body"]["devices"][0]["suite"] = 1.into()),
            "parse",
            "",
            "UnsupportedSuite",
        ),
        case(
            "unknown-passphrase-suite",
            "the passphrase slot of suite 7",
            edited(b, |v| v["body"]["passphrase"]["suite"] = 7.into()),
            "parse",
            "",
            "UnsupportedSuite",
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
            "device-key-modulus",
            "a device public key whose first ML-KEM coefficient is 4095 (past q): parsed (keys are checked when used), refused by the MAC",
            edited(b, |v| {
                let pk = v["body"]["devices"][0]["public_key"]
                    .as_str()
                    .unwrap()
                    .to_string();
                v["body"]["devices"][0]["public_key"] =
                    format!("ff{}f{}", &pk[2..3], &pk[4..]).into();
            }),
            "passphrase",
            pass,
            "BundleTampered",
        ),
        case(
            "recovery-key-low-order-x25519",
            "the recovery slot's X25519 half replaced by the all-zero point: parsed (keys are checked when used), refused by the MAC",
            edited(b, |v| {
                let pk = v["body"]["recovery"]["public_key"]
                    .as_str()
                    .unwrap()
                    .to_string();
                v["body"]["recovery"]["public_key"] =
                    format!("{}{}", &pk[..pk.len() - 64], "0".repeat(64)).into();
            }),
            "passphrase",
            pass,
            "BundleTampered",
        ),
        case(
            "device-enc-short",
            "a device slot's enc one byte short",
            edited(b, |v| {
                let enc = v["body"]["devices"][0]["enc"].as_str().unwrap().to_string();
                v["body"]["devices"][0]["enc"] = enc[2..].to_string().into();
            }),
            "parse",
            "",
            "MalformedBundle",
        ),
        case(
            "generation-edited",
            "generation 2 -> 3, history unchanged",
            edited(b, |v| v["body"]["generation"] = 3.into()),
            "parse",
            "",
            "MalformedBundle",
        ),
        case(
            "history-renumbered",
            "history entries numbered 1, 0",
            edited(b, |v| {
                v["body"]["history"][0]["generation"] = 1.into();
                v["body"]["history"][1]["generation"] = 0.into();
            }),
            "parse",
            "",
            "MalformedBundle",
        ),
        case(
            "history-entry-removed",
            "the generation-1 history entry dropped and generation 2 -> 1",
            edited(b, |v| {
                v["body"]["history"].as_array_mut().unwrap().pop();
                v["body"]["generation"] = 1.into();
            }),
            "passphrase",
            pass,
            "BundleTampered",
        ),
        case(
            "history-entries-swapped",
            "the wrapped roots of generations 0 and 1 swapped, numbering kept",
            edited(b, |v| {
                let a = v["body"]["history"][0]["wrapped_root"].clone();
                let c = v["body"]["history"][1]["wrapped_root"].clone();
                v["body"]["history"][0]["wrapped_root"] = c;
                v["body"]["history"][1]["wrapped_root"] = a;
            }),
            "recovery",
            words,
            "BundleTampered",
        ),
        case(
            "generation-past-cap",
            "generation 1000 (MAX_GENERATIONS)",
            edited(b, |v| v["body"]["generation"] = 1000.into()),
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
                v["body"]["identity"] = attacker_identity.clone().into()
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
            "the device revoked with a rotation, holding every earlier key",
            good.clone(),
            "device",
            &revoked,
            "DeviceNotEnrolled",
        ),
        case(
            "revoked-device-slot-replayed",
            "the revoked device's generation-1 slot put back into the generation-2 bundle: it opens to the old root",
            edited(b, |v| v["body"]["devices"] = gen1_slots.clone()),
            "device",
            &revoked,
            "IdentityMismatch",
        ),
        case(
            "rollback-to-generation-1",
            "the genuine generation-1 bundle, offered to a device that has seen generation 2",
            gen1.clone(),
            "device",
            &device,
            "Rollback",
        ),
        case(
            "rollback-to-generation-0",
            "the genuine generation-0 bundle, offered to a device that has seen generation 2",
            gen0,
            "device",
            &device,
            "Rollback",
        ),
        case(
            "planted-device-slot",
            "the device slot replaced by one encapsulating the server's root",
            edited(b, |v| v["body"]["devices"] = planted_slots.clone()),
            "device",
            &hex::encode(array::<32>(220)),
            "IdentityMismatch",
        ),
        case(
            "foreign-bundle",
            "the server's whole bundle, with the device enrolled",
            String::from_utf8(planted.to_bytes()).unwrap(),
            "device",
            &hex::encode(array::<32>(220)),
            "IdentityMismatch",
        ),
        case(
            "device-enc-altered",
            "the device slot's enc changed",
            edited(b, |v| {
                let enc = v["body"]["devices"][0]["enc"].as_str().unwrap().to_string();
                v["body"]["devices"][0]["enc"] =
                    format!("{}{}", &enc[..100], &enc[..enc.len() - 100]).into()
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

pub(crate) fn epoch_moves() -> Vec<EpochMoveVector> {
    use keepsake::{MediaId, MediaKey, MediaKind};
    use keepsake_tests::account_vectors::{VectorAccount, VectorGrant, VectorItem};
    let made = |name: &str, seed: u8| {
        let pass = format!("{name} passphrase");
        let new = hazmat::create_account_with(&pass, &KdfParams::FLOOR, &create_randomness(seed))
            .unwrap();
        (name.to_string(), pass, new)
    };
    let (_, owner_pass, owner) = made("owner", 60);
    let (bundle, owner_keyring) = hazmat::rotate_with(
        &owner.keyring,
        &owner.bundle,
        None,
        &rotate_randomness(70, 0, 0),
    )
    .unwrap();
    let members = [made("stays", 80), made("removed", 90)];
    let album_id = AlbumId::from_bytes(array(100));
    let epoch_before = 7;
    let before = owner_keyring.album_key(album_id, epoch_before).unwrap();
    let epoch_after = generation_epoch_of(&owner_keyring) + 1;
    let after = owner_keyring.album_key(album_id, epoch_after).unwrap();
    let mut grants = Vec::new();
    for (i, (name, _, m)) in members.iter().enumerate() {
        grants.push((
            name.clone(),
            &before,
            m.keyring.identity_public_key(),
            110 + i as u8,
        ));
    }
    grants.push((
        "stays".into(),
        &after,
        members[0].2.keyring.identity_public_key(),
        120,
    ));
    let grants = grants
        .into_iter()
        .map(|(to, album, recipient, seed)| VectorGrant {
            to,
            epoch: album.epoch(),
            eseed: hex::encode(array::<64>(seed)),
            history: hex::encode(array::<32>(seed + 60)),
            grant: hex::encode(
                hazmat::grant_with_randomness(
                    &owner_keyring,
                    album,
                    &recipient,
                    &array::<32>(seed + 60),
                    &array::<64>(seed),
                )
                .unwrap(),
            ),
        })
        .collect();
    let items = [(&before, 130u8), (&after, 140)]
        .into_iter()
        .map(|(album, seed)| {
            let media_id = MediaId::from_bytes(array(seed));
            let media_key = MediaKey::from_bytes(array(seed + 1));
            let plaintext = keepsake_tests::pattern(seed + 2, 300);
            VectorItem {
                epoch: album.epoch(),
                media_id: hex::encode(media_id.as_bytes()),
                wrapped_media_key: hex::encode(
                    hazmat::wrap_media_key(album, &media_id, &media_key, array(seed + 3)).unwrap(),
                ),
                sealed: hex::encode(hazmat::seal_with_salt(
                    &media_key,
                    &media_id,
                    MediaKind::Original,
                    &plaintext,
                    &keepsake::stream::SealOptions::default(),
                    array(seed + 4),
                )),
                plaintext: hex::encode(plaintext),
            }
        })
        .collect();
    let mut accounts = vec![VectorAccount {
        name: "owner".into(),
        passphrase: owner_pass,
        bundle: String::from_utf8(bundle.to_bytes()).unwrap(),
    }];
    for (name, pass, m) in &members {
        accounts.push(VectorAccount {
            name: name.clone(),
            passphrase: pass.clone(),
            bundle: String::from_utf8(m.bundle.to_bytes()).unwrap(),
        });
    }
    vec![EpochMoveVector {
        name: "remove-one-of-two-members-after-a-rotation".into(),
        accounts,
        album_id: hex::encode(album_id.as_bytes()),
        epoch_before,
        epoch_after,
        album_key_after: hex::encode(hazmat::album_key_bytes(&after)),
        grants,
        items,
    }]
}

fn generation_epoch_of(keyring: &keepsake::account::Keyring) -> u64 {
    keepsake::lifecycle::generation_epoch(keyring.generation())
}
