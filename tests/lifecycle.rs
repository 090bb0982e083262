//! The key lifecycle's properties (issue 14; SPEC.md 5.6-5.9), each through the public API
//! and each failing if the property broke: revocation locks out, rotation needs only the
//! root, old content stays readable, identity is stable, member removal re-keys, rollback
//! is detected, and the malicious-server checks hold for the new records.

#![allow(clippy::unwrap_used, clippy::panic)]

use keepsake::account::{self, AccountBundle, DeviceKey, Keyring, NewAccount};
use keepsake::hpke::xwing::{self, XWingPublicKey};
use keepsake::kdf::KdfParams;
use keepsake::lifecycle::{epoch_generation, generation_epoch};
use keepsake::{AlbumBlob, AlbumId, AlbumKey, Error, MediaId, MediaKey, MediaKind, stream};

const PASS: &str = "lifecycle passphrase";

fn new_account() -> NewAccount {
    account::create_account(PASS, &KdfParams::FLOOR).unwrap()
}

/// One sealed item of an album: what a server stores for it.
struct Item {
    album_id: AlbumId,
    epoch: u64,
    media_id: MediaId,
    wrapped_key: Vec<u8>,
    name: Vec<u8>,
    sealed: Vec<u8>,
    plaintext: Vec<u8>,
}

fn seal_item(album: &AlbumKey, tag: u8) -> Item {
    let media_id = MediaId::random().unwrap();
    let media_key = MediaKey::generate().unwrap();
    let plaintext = vec![tag; 5000];
    Item {
        album_id: album.album_id(),
        epoch: album.epoch(),
        media_id,
        wrapped_key: album.wrap_media_key(&media_id, &media_key).unwrap(),
        name: album.seal_blob(AlbumBlob::Name, &[tag; 8]).unwrap(),
        sealed: stream::seal(&media_key, &media_id, MediaKind::Original, &plaintext).unwrap(),
        plaintext,
    }
}

/// Opens an item with a keyring's key for the item's own epoch.
fn open_item(keyring: &Keyring, item: &Item) -> keepsake::Result<Vec<u8>> {
    let album = keyring.album_key(item.album_id, item.epoch)?;
    open_with(&album, item)
}

fn open_with(album: &AlbumKey, item: &Item) -> keepsake::Result<Vec<u8>> {
    let key = album.unwrap_media_key(&item.media_id, &item.wrapped_key)?;
    album.open_blob(AlbumBlob::Name, &item.name)?;
    stream::open(&key, &item.media_id, MediaKind::Original, &item.sealed)
}

fn edit(bundle: &AccountBundle, f: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(&bundle.to_bytes()).unwrap();
    f(&mut v);
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn revocation_locks_out_a_device_that_kept_everything() {
    let new = new_account();
    let lost = DeviceKey::generate().unwrap();
    let kept = DeviceKey::generate().unwrap();
    let (b, _) = new
        .keyring
        .enroll_device(&new.bundle, &lost.public_key())
        .unwrap();
    let (b0, pin) = new.keyring.enroll_device(&b, &kept.public_key()).unwrap();
    // The lost device holds everything it ever saw: its secret, the bundle, the keyring
    // (root of generation 0, identity secret), and every album key it derived.
    let lost_keyring = account::unlock_with_device(&b0, &lost, &pin).unwrap();
    let album_id = AlbumId::random().unwrap();
    let before = seal_item(&lost_keyring.album_key(album_id, 0).unwrap(), 1);
    let lost_album_keys: Vec<AlbumKey> = (0..4)
        .map(|e| lost_keyring.album_key(album_id, e).unwrap())
        .collect();

    let (b1, k1) = new
        .keyring
        .revoke_device_and_rotate(&b0, &lost.public_key())
        .unwrap();
    let bob = new_account().keyring;
    let after = seal_item(&k1.album_key(album_id, k1.current_epoch()).unwrap(), 2);
    let grant = k1
        .grant_album(
            &k1.album_key(album_id, k1.current_epoch()).unwrap(),
            &bob.identity_public_key(),
            &[0; 32],
        )
        .unwrap();

    // It cannot unlock the new bundle.
    assert!(matches!(
        account::unlock_with_device(&b1, &lost, &pin),
        Err(Error::DeviceNotEnrolled)
    ));
    // Nor derive the new epoch's key, nor open anything sealed after the rotation with
    // any key it holds (the new epoch's bytes under every old album key).
    assert!(matches!(
        open_item(&lost_keyring, &after),
        Err(Error::UnknownGeneration {
            generation: 1,
            current: 0
        })
    ));
    for old in &lost_album_keys {
        let forged = AlbumKey::from_bytes(
            album_id,
            after.epoch,
            keepsake::hazmat::album_key_bytes(old),
        );
        assert!(matches!(
            open_with(&forged, &after),
            Err(Error::DecryptionFailed)
        ));
    }
    // Nor the grant the account issued for the new epoch.
    assert!(matches!(
        lost_keyring.accept_grant(&grant, &k1.identity_public_key(), None),
        Err(Error::GrantWrongRecipient)
    ));
    // Its old slot, put back into the new bundle, opens to the old root only: refused.
    let b0_devices =
        serde_json::from_slice::<serde_json::Value>(&b0.to_bytes()).unwrap()["body"]["devices"]
            .clone();
    let replayed = AccountBundle::parse(&edit(&b1, |v| v["body"]["devices"] = b0_devices)).unwrap();
    assert!(matches!(
        account::unlock_with_device(&replayed, &lost, &k1.pin()),
        Err(Error::IdentityMismatch)
    ));
    // The item from before stays readable to the account.
    assert_eq!(open_item(&k1, &before).unwrap(), before.plaintext);
    assert_eq!(open_item(&k1, &after).unwrap(), after.plaintext);
    assert_eq!(
        bob.accept_grant(&grant, &k1.identity_public_key(), None)
            .unwrap()
            .epoch(),
        after.epoch
    );
}

#[test]
fn rotation_needs_only_the_current_root() {
    let new = new_account();
    let phone = DeviceKey::generate().unwrap();
    let laptop = DeviceKey::generate().unwrap();
    let (b, _) = new
        .keyring
        .enroll_device(&new.bundle, &phone.public_key())
        .unwrap();
    let (b0, pin) = new.keyring.enroll_device(&b, &laptop.public_key()).unwrap();
    drop(new.keyring);
    // The phone alone, unlocked by its device key: no passphrase, phrase or other device.
    let phone_keyring = account::unlock_with_device(&b0, &phone, &pin).unwrap();
    let (b1, k1) = phone_keyring.rotate(&b0).unwrap();
    assert_eq!((b1.generation(), k1.generation()), (1, 1));
    let b1 = AccountBundle::parse(&b1.to_bytes()).unwrap();
    let unlocks = [
        account::unlock_with_passphrase(&b1, PASS).unwrap(),
        account::unlock_with_recovery(&b1, &new.recovery_phrase).unwrap(),
        account::unlock_with_device(&b1, &phone, &k1.pin()).unwrap(),
        account::unlock_with_device(&b1, &laptop, &k1.pin()).unwrap(),
    ];
    let probe = AlbumId::random().unwrap();
    let want = keepsake::hazmat::album_key_bytes(&k1.album_key(probe, k1.current_epoch()).unwrap());
    for k in &unlocks {
        assert_eq!(k.generation(), 1);
        assert_eq!(
            keepsake::hazmat::album_key_bytes(&k.album_key(probe, generation_epoch(1)).unwrap()),
            want
        );
    }
    // The new root is not the old one.
    assert_ne!(
        keepsake::hazmat::root_bytes(&k1, 0),
        keepsake::hazmat::root_bytes(&k1, 1)
    );
}

#[test]
fn old_content_stays_readable_after_many_rotations_and_rotation_cost_is_per_slot() {
    let new = new_account();
    let device = DeviceKey::generate().unwrap();
    let (mut bundle, _) = new
        .keyring
        .enroll_device(&new.bundle, &device.public_key())
        .unwrap();
    let mut keyring = new.keyring;
    let album_id = AlbumId::random().unwrap();
    let mut items = Vec::new();
    let mut sizes = Vec::new();
    for g in 0..6u8 {
        // Many items per generation: none of them is touched by the rotation.
        for t in 0..3 {
            items.push(seal_item(
                &keyring
                    .album_key(album_id, keyring.current_epoch())
                    .unwrap(),
                g * 10 + t,
            ));
        }
        sizes.push(bundle.to_bytes().len());
        let (b, k) = keyring.rotate(&bundle).unwrap();
        (bundle, keyring) = (b, k);
    }
    // The bundle grows by exactly one history entry per rotation, whatever the items.
    let steps: Vec<usize> = sizes.windows(2).skip(1).map(|w| w[1] - w[0]).collect();
    assert!(steps.windows(2).all(|w| w[0] == w[1]), "{steps:?}");
    assert!(steps[0] < 300, "{steps:?}");
    let unlocks = [
        account::unlock_with_passphrase(&bundle, PASS).unwrap(),
        account::unlock_with_recovery(&bundle, &new.recovery_phrase).unwrap(),
        account::unlock_with_device(&bundle, &device, &keyring.pin()).unwrap(),
    ];
    for k in &unlocks {
        assert_eq!(k.generation(), 6);
        for item in &items {
            assert_eq!(open_item(k, item).unwrap(), item.plaintext);
        }
    }
    // Each generation sealed under its own epoch.
    let epochs: std::collections::BTreeSet<u64> =
        items.iter().map(|i| epoch_generation(i.epoch)).collect();
    assert_eq!(epochs.len(), 6);
}

#[test]
fn identity_is_stable_and_earlier_grants_still_verify() {
    let alice = new_account();
    let bob = new_account();
    let album = alice
        .keyring
        .album_key(AlbumId::random().unwrap(), 0)
        .unwrap();
    let to_bob = alice
        .keyring
        .grant_album(&album, &bob.keyring.identity_public_key(), &[0; 32])
        .unwrap();
    let bobs_album = bob
        .keyring
        .album_key(AlbumId::random().unwrap(), 0)
        .unwrap();
    let to_alice = bob
        .keyring
        .grant_album(&bobs_album, &alice.keyring.identity_public_key(), &[0; 32])
        .unwrap();
    let fingerprint = keepsake::sharing::fingerprint(&alice.keyring.identity_public_key());

    let (b1, k1) = alice.keyring.rotate(&alice.bundle).unwrap();
    let (b2, k2) = k1.rotate(&b1).unwrap();
    assert_eq!(
        k2.identity_public_key(),
        alice.keyring.identity_public_key()
    );
    assert_eq!(b2.identity(), alice.bundle.identity());
    assert_eq!(
        keepsake::sharing::fingerprint(&k2.identity_public_key()),
        fingerprint
    );
    // Bob, who pinned Alice's identity before, still accepts her earlier grant; Alice's
    // rotated keyring still accepts Bob's earlier grant to her.
    bob.keyring
        .accept_grant(&to_bob, &k2.identity_public_key(), None)
        .unwrap();
    k2.accept_grant(&to_alice, &bob.keyring.identity_public_key(), None)
        .unwrap();
    // And a grant made after the rotation verifies against the same pinned identity.
    let later = k2.album_key(album.album_id(), k2.current_epoch()).unwrap();
    let grant = k2
        .grant_album(&later, &bob.keyring.identity_public_key(), &[0; 32])
        .unwrap();
    bob.keyring
        .accept_grant(&grant, &alice.keyring.identity_public_key(), None)
        .unwrap();
}

#[test]
fn removing_a_member_moves_the_album_to_an_epoch_only_the_rest_receive() {
    let alice = new_account().keyring;
    let bob = new_account().keyring;
    let carol = new_account().keyring;
    let album_id = AlbumId::random().unwrap();
    let e0 = alice.album_key(album_id, alice.current_epoch()).unwrap();
    let bob_e0 = bob
        .accept_grant(
            &alice
                .grant_album(&e0, &bob.identity_public_key(), &[0; 32])
                .unwrap(),
            &alice.identity_public_key(),
            None,
        )
        .unwrap();
    let carol_e0 = carol
        .accept_grant(
            &alice
                .grant_album(&e0, &carol.identity_public_key(), &[0; 32])
                .unwrap(),
            &alice.identity_public_key(),
            None,
        )
        .unwrap();
    let old = seal_item(&e0, 1);

    let moved = alice
        .remove_member(&e0, &[bob.identity_public_key()], &[0; 32])
        .unwrap();
    assert_eq!(
        moved.album.epoch(),
        e0.epoch() + 1,
        "the new epoch is the default for sealing"
    );
    assert_eq!(moved.grants.len(), 1);
    assert_eq!(moved.grants[0].0, bob.identity_public_key());
    let new_item = seal_item(&moved.album, 2);
    assert_eq!(
        new_item.epoch,
        moved.album.epoch(),
        "each item says its epoch"
    );

    // Bob accepts the new epoch and opens both; Carol opens only the old one.
    let bob_e1 = bob
        .accept_grant(
            &moved.grants[0].1,
            &alice.identity_public_key(),
            Some((album_id, new_item.epoch)),
        )
        .unwrap();
    assert_eq!(open_with(&bob_e0, &old).unwrap(), old.plaintext);
    assert_eq!(open_with(&bob_e1, &new_item).unwrap(), new_item.plaintext);
    assert_eq!(open_with(&carol_e0, &old).unwrap(), old.plaintext);
    let carol_forged = AlbumKey::from_bytes(
        album_id,
        new_item.epoch,
        keepsake::hazmat::album_key_bytes(&carol_e0),
    );
    assert!(matches!(
        open_with(&carol_forged, &new_item),
        Err(Error::DecryptionFailed)
    ));
    assert!(matches!(
        carol.accept_grant(&moved.grants[0].1, &alice.identity_public_key(), None),
        Err(Error::GrantWrongRecipient)
    ));
    // Only the owner re-keys: Bob's received key is refused.
    assert!(matches!(
        bob.remove_member(&bob_e1, &[], &[0; 32]),
        Err(Error::NotAlbumOwner)
    ));
    // After a rotation, a removal from an album still at an older generation's epoch
    // moves it into the current generation, past its first epoch.
    let bundle = account::create_account(PASS, &KdfParams::FLOOR).unwrap();
    let (_, k1) = bundle.keyring.rotate(&bundle.bundle).unwrap();
    let stale = k1.album_key(album_id, 3).unwrap();
    let moved = k1.remove_member(&stale, &[], &[0; 32]).unwrap();
    assert_eq!(moved.album.epoch(), generation_epoch(1) + 1);
}

#[test]
fn rollback_is_detected_by_a_device_that_saw_a_newer_generation() {
    let new = new_account();
    let device = DeviceKey::generate().unwrap();
    let (b0, pin0) = new
        .keyring
        .enroll_device(&new.bundle, &device.public_key())
        .unwrap();
    let (b1, k1) = new.keyring.rotate(&b0).unwrap();
    let pin1 = account::unlock_with_device(&b1, &device, &pin0)
        .unwrap()
        .pin();
    assert_eq!(pin1.generation, 1);
    assert_eq!(
        keepsake::account::AccountPin::from_slice(&pin1.to_bytes()).unwrap(),
        pin1
    );
    // The server serves the genuine generation-0 bundle again.
    match account::unlock_with_device(&b0, &device, &pin1) {
        Err(Error::Rollback { seen, offered }) => assert_eq!((seen, offered), (1, 0)),
        other => panic!("{other:?}"),
    }
    // A passphrase unlock of it works on a fresh device (nothing to compare: SPEC.md 5.9),
    // and the device's pin check refuses it.
    let fresh = account::unlock_with_passphrase(&b0, PASS).unwrap();
    assert!(matches!(
        fresh.check_pin(&pin1),
        Err(Error::Rollback {
            seen: 1,
            offered: 0
        })
    ));
    // The rotated keyring refuses to write on top of the older bundle.
    assert!(matches!(
        k1.enroll_device(&b0, &device.public_key()),
        Err(Error::Rollback { .. })
    ));
    // An edited generation is never reported as a rollback: it fails parsing or the MAC.
    let bumped = edit(&b0, |v| v["body"]["generation"] = 1.into());
    assert!(matches!(
        AccountBundle::parse(&bumped),
        Err(Error::MalformedBundle { .. })
    ));
    // A pin of another account is an identity mismatch.
    let other = new_account().keyring.pin();
    assert!(matches!(
        account::unlock_with_device(&b1, &device, &other),
        Err(Error::IdentityMismatch)
    ));
}

#[test]
fn a_foreign_root_encapsulated_to_a_public_slot_key_is_refused() {
    // Every slot's public key is in the bundle, so a server can encapsulate a root of its
    // own to the passphrase slot: the identity check refuses it (SPEC.md 5.8 step 2).
    let new = new_account();
    let v: serde_json::Value = serde_json::from_slice(&new.bundle.to_bytes()).unwrap();
    let slot_pk = XWingPublicKey::from_slice(
        &hex::decode(v["body"]["passphrase"]["public_key"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    let info = [
        account::LABEL_ROOT_SLOT,
        &[account::SLOT_PASSPHRASE],
        &slot_pk.as_bytes()[..],
    ]
    .concat();
    let (enc, wrapped) = xwing::seal_base(&slot_pk, &info, b"", &[0x66; 32]).unwrap();
    let planted = AccountBundle::parse(&edit(&new.bundle, |v| {
        v["body"]["passphrase"]["enc"] = hex::encode(&enc[..]).into();
        v["body"]["passphrase"]["wrapped_root"] = hex::encode(&wrapped).into();
    }))
    .unwrap();
    assert!(matches!(
        account::unlock_with_passphrase(&planted, PASS),
        Err(Error::IdentityMismatch)
    ));
    // Slots duplicated, reordered or removed keep their errors.
    let d1 = DeviceKey::generate().unwrap();
    let d2 = DeviceKey::generate().unwrap();
    let (b, _) = new
        .keyring
        .enroll_device(&new.bundle, &d1.public_key())
        .unwrap();
    let (b, _) = new.keyring.enroll_device(&b, &d2.public_key()).unwrap();
    let (b, _) = new.keyring.rotate(&b).unwrap();
    let reordered = edit(&b, |v| {
        v["body"]["devices"].as_array_mut().unwrap().reverse()
    });
    assert!(matches!(
        AccountBundle::parse(&reordered),
        Err(Error::MalformedBundle { .. })
    ));
    let removed = AccountBundle::parse(&edit(&b, |v| {
        v["body"]["devices"].as_array_mut().unwrap().pop();
    }))
    .unwrap();
    assert!(matches!(
        account::unlock_with_passphrase(&removed, PASS),
        Err(Error::BundleTampered)
    ));
    let history_moved = AccountBundle::parse(&edit(&b, |v| {
        v["body"]["history"][0]["wrapped_root"] = v["body"]["identity_secret"].clone();
    }))
    .unwrap();
    assert!(matches!(
        account::unlock_with_passphrase(&history_moved, PASS),
        Err(Error::BundleTampered)
    ));
}
