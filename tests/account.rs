//! The account key hierarchy through the public API: create, unlock three ways, change
//! passphrase, rotate recovery, enroll / list / revoke devices, album keys, sharing; and
//! every kind of bad input the account layer takes, each with its precise error and no
//! partly-updated bundle.

#![allow(clippy::unwrap_used, clippy::panic)]

use keepsake::account::{
    self, AccountBundle, AccountPin, DeviceKey, Keyring, create_account, unlock_with_device,
    unlock_with_passphrase, unlock_with_recovery,
};
use keepsake::hpke::xwing::XWingPublicKey;
use keepsake::identity::IdentityPublicKey;
use keepsake::kdf::KdfParams;
use keepsake::sharing::fingerprint;
use keepsake::{AlbumId, Error, MediaId, MediaKey, MediaKind, RecoveryPhrase, stream};
use keepsake_tests::error_name;

const PASS: &str = "correct horse battery staple";

fn assert_error<T: std::fmt::Debug>(result: keepsake::Result<T>, want: &str) {
    match result {
        Err(err) => assert_eq!(error_name(&err), want, "{err}"),
        Ok(v) => panic!("expected {want}, got Ok({v:?})"),
    }
}

/// One account with one enrolled device, shared by the tests below (Argon2id is slow
/// enough to be worth creating once per test only).
struct Fixture {
    keyring: Keyring,
    bundle: AccountBundle,
    phrase: RecoveryPhrase,
    device: DeviceKey,
    pin: AccountPin,
}

fn fixture() -> Fixture {
    let new = create_account(PASS, &KdfParams::FLOOR).unwrap();
    let device = DeviceKey::generate().unwrap();
    let (bundle, pin) = new
        .keyring
        .enroll_device(&new.bundle, &device.public_key())
        .unwrap();
    Fixture {
        keyring: new.keyring,
        bundle,
        phrase: new.recovery_phrase,
        device,
        pin,
    }
}

/// Re-encodes a bundle after editing its JSON.
fn edit(bundle: &AccountBundle, f: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut value: serde_json::Value = serde_json::from_slice(&bundle.to_bytes()).unwrap();
    f(&mut value);
    serde_json::to_vec(&value).unwrap()
}

#[test]
fn unlock_three_ways_gives_the_same_account() {
    let f = fixture();
    let stored = f.bundle.to_bytes();
    let bundle = AccountBundle::parse(&stored).unwrap();
    assert_eq!(bundle, f.bundle);
    let id = f.keyring.identity_public_key();
    let album = AlbumId::from_bytes([5; 16]);
    let by_pass = unlock_with_passphrase(&bundle, PASS).unwrap();
    let words = RecoveryPhrase::parse(&f.phrase.words().to_uppercase()).unwrap();
    let by_phrase = unlock_with_recovery(&bundle, &words).unwrap();
    let restored = DeviceKey::from_bytes(*f.device.to_bytes());
    let by_device = unlock_with_device(&bundle, &restored, &f.pin).unwrap();
    for keyring in [&by_pass, &by_phrase, &by_device] {
        assert_eq!(keyring.identity_public_key(), id);
        // Same root: the same album keys open each other's data.
        let media_key = MediaKey::generate().unwrap();
        let wrapped = f
            .keyring
            .album_key(album, 3)
            .unwrap()
            .wrap_media_key(&MediaId::from_bytes([1; 16]), &media_key)
            .unwrap();
        keyring
            .album_key(album, 3)
            .unwrap()
            .unwrap_media_key(&MediaId::from_bytes([1; 16]), &wrapped)
            .unwrap();
    }
    assert_eq!(bundle.devices(), vec![f.device.public_key()]);
    assert_eq!(bundle.identity(), id);
}

#[test]
fn nfc_normalization_makes_composed_and_decomposed_passphrases_equal() {
    let new = create_account("caf\u{e9} cr\u{e8}me", &KdfParams::FLOOR).unwrap();
    unlock_with_passphrase(&new.bundle, "cafe\u{301} cre\u{300}me").unwrap();
    assert_error(
        unlock_with_passphrase(&new.bundle, "cafe creme"),
        "WrongPassphrase",
    );
}

#[test]
fn change_passphrase_rewrites_only_that_slot() {
    let f = fixture();
    let next = f
        .keyring
        .change_passphrase(&f.bundle, "a new passphrase", &KdfParams::FLOOR)
        .unwrap();
    assert_error(unlock_with_passphrase(&next, PASS), "WrongPassphrase");
    unlock_with_passphrase(&next, "a new passphrase").unwrap();
    unlock_with_recovery(&next, &f.phrase).unwrap();
    unlock_with_device(&next, &f.device, &f.pin).unwrap();
    // The old bundle is untouched and still opens with the old passphrase.
    unlock_with_passphrase(&f.bundle, PASS).unwrap();
    let (old, new) = (
        serde_json::from_slice::<serde_json::Value>(&f.bundle.to_bytes()).unwrap(),
        serde_json::from_slice::<serde_json::Value>(&next.to_bytes()).unwrap(),
    );
    assert_ne!(old["body"]["passphrase"], new["body"]["passphrase"]);
    assert_eq!(old["body"]["recovery"], new["body"]["recovery"]);
    assert_eq!(old["body"]["devices"], new["body"]["devices"]);
    assert_eq!(old["body"]["identity"], new["body"]["identity"]);
}

#[test]
fn rotate_recovery_keeps_the_root() {
    let f = fixture();
    let (next, phrase) = f.keyring.rotate_recovery(&f.bundle).unwrap();
    assert_ne!(phrase.words(), f.phrase.words());
    assert_error(
        unlock_with_recovery(&next, &f.phrase),
        "WrongRecoveryPhrase",
    );
    let k = unlock_with_recovery(&next, &phrase).unwrap();
    assert_eq!(k.identity_public_key(), f.keyring.identity_public_key());
    unlock_with_passphrase(&next, PASS).unwrap();
}

#[test]
fn enroll_list_revoke_devices() {
    let f = fixture();
    let second = DeviceKey::generate().unwrap();
    let (two, pin) = f
        .keyring
        .enroll_device(&f.bundle, &second.public_key())
        .unwrap();
    // Enrolment hands the device the account pin: this identity, this generation.
    assert_eq!(pin, f.pin);
    assert_eq!(pin, f.keyring.pin());
    assert_eq!(
        (pin.identity, pin.generation),
        (f.keyring.identity_public_key().digest(), 0)
    );
    let mut listed = two.devices();
    listed.sort_by_key(|k| *k.as_bytes());
    let mut want = vec![f.device.public_key(), second.public_key()];
    want.sort_by_key(|k| *k.as_bytes());
    assert_eq!(listed, want);
    unlock_with_device(&two, &second, &pin).unwrap();
    let revoked = f
        .keyring
        .revoke_device(&two, &f.device.public_key())
        .unwrap();
    assert_error(
        unlock_with_device(&revoked, &f.device, &f.pin),
        "DeviceNotEnrolled",
    );
    unlock_with_device(&revoked, &second, &pin).unwrap();
    assert_error(
        f.keyring.revoke_device(&revoked, &f.device.public_key()),
        "DeviceNotEnrolled",
    );
    // A device that was never enrolled.
    assert_error(
        unlock_with_device(&two, &DeviceKey::generate().unwrap(), &pin),
        "DeviceNotEnrolled",
    );
    // A device key whose X25519 half is low order never becomes a key to enrol.
    let mut low = *second.public_key().as_bytes();
    low[1216 - 32..].fill(0);
    assert_error(XWingPublicKey::from_slice(&low), "InvalidPublicKey");
}

#[test]
fn planted_device_slot_with_a_foreign_root_is_refused() {
    // The server creates an account of its own, enrolls the victim's device public key in
    // it, and splices that slot into the victim's bundle (or serves its whole bundle).
    let f = fixture();
    let attacker = create_account("server's own", &KdfParams::FLOOR).unwrap();
    let (planted, _) = attacker
        .keyring
        .enroll_device(&attacker.bundle, &f.device.public_key())
        .unwrap();
    // Whole foreign bundle: the slot opens, the identity secret unwraps and the MAC verifies,
    // but the identity is the attacker's, not the pinned one.
    assert_error(
        unlock_with_device(&planted, &f.device, &f.pin),
        "IdentityMismatch",
    );
    // Spliced slot in the victim's bundle: its root does not unwrap the victim's identity
    // secret (the identity is random, kept under the root, SPEC.md 5.8 step 2).
    let planted_json: serde_json::Value = serde_json::from_slice(&planted.to_bytes()).unwrap();
    let spliced = edit(&f.bundle, |v| {
        v["body"]["devices"] = planted_json["body"]["devices"].clone()
    });
    let spliced = AccountBundle::parse(&spliced).unwrap();
    assert_error(
        unlock_with_device(&spliced, &f.device, &f.pin),
        "IdentityMismatch",
    );
    // By passphrase (no pin involved), the victim's own slot opens to the genuine root, and
    // the MAC does not cover the spliced device slots.
    assert_error(unlock_with_passphrase(&spliced, PASS), "BundleTampered");
}

#[test]
fn bundle_parsing_refuses_each_malformation() {
    let f = fixture();
    let good = f.bundle.to_bytes();
    for cut in 0..good.len() {
        let err = AccountBundle::parse(&good[..cut]).unwrap_err();
        assert!(
            matches!(
                err,
                Error::MalformedBundle { .. } | Error::UnsupportedVersion(_)
            ),
            "cut {cut}: {err:?}"
        );
    }
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "unknown version",
            edit(&f.bundle, |v| v["body"]["version"] = 2.into()),
            "UnsupportedVersion",
        ),
        (
            "unknown field",
            edit(&f.bundle, |v| v["body"]["extra"] = 1.into()),
            "MalformedBundle",
        ),
        (
            "missing recovery slot",
            edit(&f.bundle, |v| {
                v["body"].as_object_mut().unwrap().remove("recovery");
            }),
            "MalformedBundle",
        ),
        (
            "duplicated device",
            edit(&f.bundle, |v| {
                let d = v["body"]["devices"][0].clone();
                v["body"]["devices"].as_array_mut().unwrap().push(d);
            }),
            "MalformedBundle",
        ),
        (
            "short salt",
            edit(&f.bundle, |v| v["body"]["passphrase"]["salt"] = "00".into()),
            "MalformedBundle",
        ),
        (
            "params below floor",
            edit(&f.bundle, |v| {
                v["body"]["passphrase"]["kdf"]["memory_kib"] = 1024.into()
            }),
            "KdfParamsTooWeak",
        ),
        (
            "one pass",
            edit(&f.bundle, |v| {
                v["body"]["passphrase"]["kdf"]["iterations"] = 1.into()
            }),
            "KdfParamsTooWeak",
        ),
        (
            "params above ceiling",
            edit(&f.bundle, |v| {
                v["body"]["passphrase"]["kdf"]["memory_kib"] = 4_000_000_000u32.into()
            }),
            "KdfParamsTooCostly",
        ),
        ("not JSON", b"{\"body\":".to_vec(), "MalformedBundle"),
    ];
    for (name, bytes, want) in cases {
        let start = std::time::Instant::now();
        assert_error(AccountBundle::parse(&bytes), want);
        assert!(
            start.elapsed().as_millis() < 50,
            "{name}: took {:?}",
            start.elapsed()
        );
    }
    // Whitespace or reordered fields: the same data, not the canonical bytes.
    let mut spaced = good.clone();
    spaced.insert(1, b' ');
    assert_error(AccountBundle::parse(&spaced), "MalformedBundle");
    // A huge bundle (a million device slots) is refused before parsing.
    let huge = vec![b' '; 10_000_000];
    let start = std::time::Instant::now();
    assert_error(AccountBundle::parse(&huge), "TooLarge");
    assert!(start.elapsed().as_millis() < 50);
}

#[test]
fn reordered_devices_are_refused() {
    let f = fixture();
    let second = DeviceKey::generate().unwrap();
    let (two, _) = f
        .keyring
        .enroll_device(&f.bundle, &second.public_key())
        .unwrap();
    let swapped = edit(&two, |v| {
        v["body"]["devices"].as_array_mut().unwrap().swap(0, 1)
    });
    assert_error(AccountBundle::parse(&swapped), "MalformedBundle");
}

#[test]
fn tampering_after_parse_is_caught_at_unlock() {
    let f = fixture();
    // A valid-looking change of parameters or salt: the slot no longer opens.
    let params = edit(&f.bundle, |v| {
        v["body"]["passphrase"]["kdf"]["iterations"] = 3.into()
    });
    assert_error(
        unlock_with_passphrase(&AccountBundle::parse(&params).unwrap(), PASS),
        "WrongPassphrase",
    );
    let salt = edit(&f.bundle, |v| {
        v["body"]["passphrase"]["salt"] = "00112233445566778899aabbccddeeff".into()
    });
    assert_error(
        unlock_with_passphrase(&AccountBundle::parse(&salt).unwrap(), PASS),
        "WrongPassphrase",
    );
    // A removed device slot: the slots open, but the MAC does not verify.
    let removed = edit(&f.bundle, |v| v["body"]["devices"] = serde_json::json!([]));
    let removed = AccountBundle::parse(&removed).unwrap();
    assert_error(unlock_with_passphrase(&removed, PASS), "BundleTampered");
    assert_error(unlock_with_recovery(&removed, &f.phrase), "BundleTampered");
    // An altered MAC.
    let mac = edit(&f.bundle, |v| v["mac"] = "00".repeat(32).into());
    assert_error(
        unlock_with_passphrase(&AccountBundle::parse(&mac).unwrap(), PASS),
        "BundleTampered",
    );
    // A swapped identity: refused as a foreign root.
    let other = create_account("other", &KdfParams::FLOOR)
        .unwrap()
        .keyring
        .identity_public_key();
    let identity = edit(&f.bundle, |v| {
        v["body"]["identity"] = hex::encode(other.to_bytes()).into()
    });
    assert_error(
        unlock_with_passphrase(&AccountBundle::parse(&identity).unwrap(), PASS),
        "IdentityMismatch",
    );
    // Changing a tampered bundle is refused too: nothing is rewritten on top of it.
    assert_error(
        f.keyring
            .change_passphrase(&removed, "x y z", &KdfParams::FLOOR),
        "BundleTampered",
    );
    assert_error(
        f.keyring.rotate_recovery(&removed).map(|(b, _)| b),
        "BundleTampered",
    );
}

#[test]
fn wrong_secrets_get_their_own_errors() {
    let f = fixture();
    assert_error(
        unlock_with_passphrase(&f.bundle, "wrong"),
        "WrongPassphrase",
    );
    let other_phrase = RecoveryPhrase::generate().unwrap();
    assert_error(
        unlock_with_recovery(&f.bundle, &other_phrase),
        "WrongRecoveryPhrase",
    );
    assert_error(
        RecoveryPhrase::parse("abandon abandon"),
        "InvalidRecoveryPhrase",
    );
    let other_account = create_account(PASS, &KdfParams::FLOOR).unwrap();
    assert_error(
        unlock_with_device(&f.bundle, &f.device, &other_account.keyring.pin()),
        "IdentityMismatch",
    );
}

#[test]
fn album_keys_are_derived_per_album_and_epoch() {
    let f = fixture();
    let a = AlbumId::from_bytes([1; 16]);
    let b = AlbumId::from_bytes([2; 16]);
    let id = MediaId::from_bytes([3; 16]);
    let mk = MediaKey::generate().unwrap();
    let wrapped = f
        .keyring
        .album_key(a, 0)
        .unwrap()
        .wrap_media_key(&id, &mk)
        .unwrap();
    f.keyring
        .album_key(a, 0)
        .unwrap()
        .unwrap_media_key(&id, &wrapped)
        .unwrap();
    assert_error(
        f.keyring
            .album_key(a, 1)
            .unwrap()
            .unwrap_media_key(&id, &wrapped),
        "DecryptionFailed",
    );
    assert_error(
        f.keyring
            .album_key(b, 0)
            .unwrap()
            .unwrap_media_key(&id, &wrapped),
        "DecryptionFailed",
    );
    let other = create_account(PASS, &KdfParams::FLOOR).unwrap();
    assert_error(
        other
            .keyring
            .album_key(a, 0)
            .unwrap()
            .unwrap_media_key(&id, &wrapped),
        "DecryptionFailed",
    );
    // An epoch of a generation this keyring has not reached (its high 32 bits).
    assert_error(f.keyring.album_key(a, 1 << 32), "UnknownGeneration");
    match f.keyring.album_key(a, (3 << 32) | 5) {
        Err(Error::UnknownGeneration {
            generation: 3,
            current: 0,
        }) => {}
        other => panic!("expected UnknownGeneration, got {other:?}"),
    }
    // After a rotation the generation-0 epochs derive the same keys; the new current
    // epoch is another key.
    let (_, rotated) = f.keyring.rotate(&f.bundle).unwrap();
    assert_eq!(rotated.current_epoch(), 1 << 32);
    rotated
        .album_key(a, 0)
        .unwrap()
        .unwrap_media_key(&id, &wrapped)
        .unwrap();
    assert_error(
        rotated
            .album_key(a, rotated.current_epoch())
            .unwrap()
            .unwrap_media_key(&id, &wrapped),
        "DecryptionFailed",
    );
}

#[test]
fn sharing_an_album_end_to_end() {
    let alice = fixture();
    let bob = create_account("bob", &KdfParams::FLOOR).unwrap().keyring;
    let carol = create_account("carol", &KdfParams::FLOOR).unwrap().keyring;
    let album_id = AlbumId::from_bytes([9; 16]);
    let album = alice.keyring.album_key(album_id, 4).unwrap();
    let id = MediaId::from_bytes([8; 16]);
    let media_key = MediaKey::generate().unwrap();
    let wrapped = album.wrap_media_key(&id, &media_key).unwrap();
    let sealed = stream::seal(&media_key, &id, MediaKind::Original, b"beach photo").unwrap();

    let alice_id = alice.keyring.identity_public_key();
    let grant = alice
        .keyring
        .grant_album(&album, &bob.identity_public_key(), &[0; 32])
        .unwrap();
    assert_eq!(grant.len(), keepsake::sharing::GRANT_LEN);
    let received = bob
        .accept_grant(&grant, &alice_id, Some((album_id, 4)))
        .unwrap();
    let bobs_media_key = received.unwrap_media_key(&id, &wrapped).unwrap();
    assert_eq!(
        stream::open(&bobs_media_key, &id, MediaKind::Original, &sealed).unwrap(),
        b"beach photo"
    );

    // Fingerprints: stable, 6 groups of 5 digits, different per identity.
    assert_eq!(fingerprint(&alice_id), fingerprint(&alice_id));
    assert_ne!(
        fingerprint(&alice_id),
        fingerprint(&bob.identity_public_key())
    );

    // Unexpected sender, another recipient, another album or epoch.
    assert_error(
        bob.accept_grant(&grant, &carol.identity_public_key(), None),
        "GrantWrongSender",
    );
    assert_error(
        carol.accept_grant(&grant, &alice_id, None),
        "GrantWrongRecipient",
    );
    assert_error(
        bob.accept_grant(&grant, &alice_id, Some((album_id, 5))),
        "GrantWrongAlbum",
    );
    assert_error(
        bob.accept_grant(&grant, &alice_id, Some((AlbumId::from_bytes([1; 16]), 4))),
        "GrantWrongAlbum",
    );
    // A header edited to another album or epoch no longer verifies.
    let mut moved = grant.clone();
    moved[70] ^= 1;
    assert_error(
        bob.accept_grant(&moved, &alice_id, None),
        "GrantBadSignature",
    );
    // Carol forges a grant claiming to be Alice: she can write Alice's digest in the header
    // but cannot sign as her.
    let mut forged = carol
        .grant_album(
            &carol.album_key(album_id, 4).unwrap(),
            &bob.identity_public_key(),
            &[0; 32],
        )
        .unwrap();
    forged[2..34].copy_from_slice(&alice_id.digest());
    assert_error(
        bob.accept_grant(&forged, &alice_id, None),
        "GrantBadSignature",
    );
    // Malformed.
    assert_error(
        bob.accept_grant(&grant[..100], &alice_id, None),
        "MalformedGrant",
    );
    assert_error(bob.accept_grant(&[], &alice_id, None), "MalformedGrant");
    let mut version = grant.clone();
    version[0] = 9;
    assert_error(
        bob.accept_grant(&version, &alice_id, None),
        "UnsupportedVersion",
    );
    // Byte 1 names the suite; only suite 2 exists (suite 1, X25519 alone, is refused).
    let mut suite = grant.clone();
    suite[1] = 1;
    assert_error(
        bob.accept_grant(&suite, &alice_id, None),
        "UnsupportedSuite",
    );
    // Low-order keys never become an identity to share to: an X25519 half of zero, an
    // Ed25519 key of small order (the identity point).
    let mut low = bob.identity_public_key().to_bytes();
    low[1248 - 32..].fill(0);
    assert_error(IdentityPublicKey::from_slice(&low), "InvalidPublicKey");
    let mut small = bob.identity_public_key().to_bytes();
    small[..32].fill(0);
    small[0] = 1;
    assert_error(IdentityPublicKey::from_slice(&small), "InvalidPublicKey");
    let _ = account::LABEL_ALBUM;
}

#[test]
fn secrets_print_redacted() {
    let f = fixture();
    let shown = format!("{:?} {:?} {:?}", f.keyring, f.device, f.phrase);
    assert!(shown.contains("[redacted]"), "{shown}");
    assert!(
        !shown.contains(&hex::encode(*f.device.to_bytes())),
        "{shown}"
    );
    // Single words can occur by chance (BIP39 has "secret", "public", "key"): no two
    // consecutive words of the phrase may appear together.
    let words: Vec<&str> = f.phrase.words().split(' ').collect();
    let shown_words: Vec<&str> = shown
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    for pair in words.windows(2) {
        assert!(
            !shown_words.windows(2).any(|w| w == pair),
            "{pair:?} in {shown}"
        );
    }
}

/// A bundle holds at most 64 device slots: the 65th enrollment is refused with the counts,
/// while re-enrolling a device already there (which replaces its slot) still works, and the
/// slots stay sorted by public key.
#[test]
fn the_sixty_fifth_device_is_refused_and_re_enrolling_replaces() {
    let f = fixture();
    let mut bundle = f.bundle.clone();
    let mut devices = vec![f.device.public_key()];
    while devices.len() < 64 {
        let key = DeviceKey::generate().unwrap().public_key();
        bundle = f.keyring.enroll_device(&bundle, &key).unwrap().0;
        devices.push(key);
    }
    let listed = bundle.devices();
    assert_eq!(listed.len(), 64);
    assert!(listed.windows(2).all(|w| w[0].as_bytes() < w[1].as_bytes()));
    let extra = DeviceKey::generate().unwrap().public_key();
    match f.keyring.enroll_device(&bundle, &extra) {
        Err(keepsake::Error::TooLarge { what, len, max }) => {
            assert_eq!((what, len, max), ("device slots", 65, 64));
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    let (again, _) = f.keyring.enroll_device(&bundle, &devices[10]).unwrap();
    assert_eq!(again.devices(), listed);
    unlock_with_device(&again, &f.device, &f.pin).unwrap();
}
