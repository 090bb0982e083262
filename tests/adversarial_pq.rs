//! The adversarial suite for suite 2 (issue 15): X-Wing (ML-KEM-768 + X25519) keys and
//! encapsulations, identities of an Ed25519 and an X-Wing key, and signed grants. A
//! malicious server (or contact) offers malformed ML-KEM encapsulation keys (wrong length,
//! a coefficient failing FIPS 203's modulus check), X25519 halves of low order, small-order
//! Ed25519 keys, malformed encapsulations, grants whose signed fields were changed or that
//! another account signed, and classical-only (suite 1) grants and slots. Each is refused
//! with its precise error, none panics; and nothing of the account layer is X25519-only.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
#[path = "adversarial_common.rs"]
mod common;
use common::*;

/// Offsets of a grant (SPEC.md 5.7).
const SENDER: std::ops::Range<usize> = 2..34;
const RECIPIENT: std::ops::Range<usize> = 34..66;
const ALBUM_ID: std::ops::Range<usize> = 66..82;
const EPOCH: std::ops::Range<usize> = 82..90;
const HISTORY: std::ops::Range<usize> = 90..122;
const ENC: std::ops::Range<usize> = 122..1242;
const CT: std::ops::Range<usize> = 1242..1290;
const SIGNATURE: std::ops::Range<usize> = 1290..1354;

/// The downgrade refusal.
const UNSUPPORTED_SUITE_1: Check = |e| matches!(e, Error::UnsupportedSuite(1));

/// The encodings of the eight points of small order on Ed25519 (the identity, the point of
/// order 2, two of order 4, four of order 8), and the same with the sign bit set where that
/// is another encoding.
fn small_order_ed25519() -> Vec<[u8; 32]> {
    let mut points: Vec<[u8; 32]> = [
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    ]
    .iter()
    .map(|h| hex::decode(h).unwrap().try_into().unwrap())
    .collect();
    // Non-canonical encodings of the identity and of the point of order 2 (y = p + 1, p).
    let mut p_plus_1 = [0xff; 32];
    p_plus_1[0] = 0xee;
    p_plus_1[31] = 0x7f;
    points.push(p_plus_1);
    points
}

/// `key` with the 12-bit ML-KEM coefficient `index` (of the 768 of the encapsulation key)
/// set to `value`.
fn with_coefficient(mut key: [u8; 1216], index: usize, value: u16) -> [u8; 1216] {
    let at = index / 2 * 3;
    if index.is_multiple_of(2) {
        key[at] = (value & 0xff) as u8;
        key[at + 1] = (key[at + 1] & 0xf0) | (value >> 8) as u8;
    } else {
        key[at + 1] = (key[at + 1] & 0x0f) | ((value & 0x0f) << 4) as u8;
        key[at + 2] = (value >> 4) as u8;
    }
    key
}

/// The hex of `bytes` as a bundle field.
fn hex_value(bytes: &[u8]) -> Value {
    hex::encode(bytes).into()
}

/// The slot of `kind` (1 passphrase, 2 recovery, 3 the first device) in a bundle's JSON.
fn slot(v: &mut Value, kind: u8) -> &mut Value {
    match kind {
        1 => &mut v["body"]["passphrase"],
        2 => &mut v["body"]["recovery"],
        _ => &mut v["body"]["devices"][0],
    }
}

/// Unlocks the fixture's bundle `bundle` by the method of slot `kind`.
fn unlock(bundle: &AccountBundle, kind: u8) -> keepsake::Result<Keyring> {
    let f = fixture();
    match kind {
        1 => unlock_with_passphrase(bundle, PASS),
        2 => unlock_with_recovery(bundle, &f.phrase),
        _ => unlock_with_device(bundle, &f.device, &f.pin),
    }
}

/// The error of a failed slot opening for each unlock method (SPEC.md 5.8 step 1).
fn closed(kind: u8) -> Check {
    match kind {
        1 => WRONG_PASS,
        2 => WRONG_PHRASE,
        _ => DF,
    }
}

/// The X-Wing secret key of an identity seed (SPEC.md 5.1): what receives its grants.
fn identity_kem(seed: [u8; 32]) -> XWingSecretKey {
    let mut kem = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(Some(&[]), &seed)
        .expand(keepsake::identity::LABEL_IDENTITY_KEM, &mut kem)
        .unwrap();
    XWingSecretKey::from_seed(kem)
}

/// The keyring of [`keyring`]`(n)`'s identity seed.
fn identity_seed(n: u8) -> [u8; 32] {
    [n.wrapping_add(0x80); 32]
}

// ---------------------------------------------------------------------------------------
// Malformed keys
// ---------------------------------------------------------------------------------------

#[test]
fn ml_kem_keys_failing_the_modulus_check_are_refused_wherever_they_enter() {
    let f = fixture();
    let genuine = xwing_public(1);
    XWingPublicKey::from_slice(&genuine).unwrap();
    // Every coefficient must be below q = 3329: q - 1 passes, q and 4095 do not, at the
    // first, an odd, a middle and the last of the 768 coefficients.
    for index in [0, 1, 255, 256, 511, 767] {
        let at = |v| with_coefficient(genuine, index, v);
        XWingPublicKey::from_slice(&at(3328)).unwrap();
        for bad in [3329, 3330, 4095] {
            assert_err!(
                XWingPublicKey::from_slice(&at(bad)),
                Error::InvalidPublicKey,
                "coefficient {index} = {bad}"
            );
        }
    }
    let bad = modulus_failing(1);
    assert_err!(XWingPublicKey::from_slice(&bad), Error::InvalidPublicKey);
    // So device enrolment, which takes a parsed key, never sees one; a wrong length is
    // refused as such.
    assert_err!(
        XWingPublicKey::from_slice(&bad[..1215]),
        Error::InvalidLength {
            expected: 1216,
            got: 1215,
            ..
        }
    );
    // In an identity: the KEM half is checked too.
    let mut identity = keyring(1).identity_public_key().to_bytes();
    IdentityPublicKey::from_slice(&identity).unwrap();
    identity[32..].copy_from_slice(&bad);
    assert_err!(
        IdentityPublicKey::from_slice(&identity),
        Error::InvalidPublicKey
    );
    // In a bundle, keys are checked when used (SPEC.md 5.1): the bundle parses, and the
    // unlock refuses it before any key is used (the identity's digest no longer matches the
    // envelope of the identity seed; a slot key edit breaks the MAC).
    let planted = |v: &mut Value| v["body"]["identity"] = hex_value(&identity);
    let parsed = AccountBundle::parse(&edit(&f.bundle, planted)).unwrap();
    assert_err!(
        unlock_with_device(&parsed, &f.device, &f.pin),
        Error::IdentityMismatch
    );
    for kind in [1u8, 2, 3] {
        let modulus = |v: &mut Value| {
            let s = slot(v, kind);
            let key = hex::decode(s["public_key"].as_str().unwrap()).unwrap();
            let key = with_coefficient(key.try_into().unwrap(), 100, 4095);
            s["public_key"] = hex_value(&key);
        };
        let parsed = AccountBundle::parse(&edit(&f.bundle, modulus)).unwrap();
        let refused = unlock_with_device(&parsed, &f.device, &f.pin);
        assert!(
            matches!(
                refused,
                Err(Error::BundleTampered | Error::DeviceNotEnrolled)
            ),
            "slot {kind}: {refused:?}"
        );
        // A wrong length is a malformed bundle, and it is found before the modulus check
        // of another field.
        for len in [32, 1184, 1215, 1217] {
            let short = |v: &mut Value| {
                v["body"]["identity"] = hex_value(&identity);
                let s = slot(v, kind);
                let mut key = hex::decode(s["public_key"].as_str().unwrap()).unwrap();
                key.resize(len, 0);
                s["public_key"] = hex_value(&key);
            };
            assert_err!(
                AccountBundle::parse(&edit(&f.bundle, short)),
                Error::MalformedBundle { .. },
                "slot {kind} len {len}"
            );
        }
    }
    for len in [32, 1216, 1247, 1249] {
        let short = |v: &mut Value| v["body"]["identity"] = hex_value(&identity[..len.min(1248)]);
        let long = |v: &mut Value| {
            v["body"]["identity"] = hex_value(&[&identity[..], &[0; 1]].concat()[..len]);
        };
        let bytes = if len > 1248 {
            edit(&f.bundle, long)
        } else {
            edit(&f.bundle, short)
        };
        assert_err!(
            AccountBundle::parse(&bytes),
            Error::MalformedBundle { .. },
            "identity len {len}"
        );
    }
}

#[test]
fn small_order_ed25519_keys_are_refused_in_identities() {
    let f = fixture();
    let genuine = keyring(1).identity_public_key().to_bytes();
    for point in small_order_ed25519() {
        let mut identity = genuine.clone();
        identity[..32].copy_from_slice(&point);
        assert_err!(
            IdentityPublicKey::from_slice(&identity),
            Error::InvalidPublicKey,
            "{}",
            hex::encode(point)
        );
        // In a bundle it parses (keys are checked when used) and the unlock refuses it.
        let planted = |v: &mut Value| v["body"]["identity"] = hex_value(&identity);
        let parsed = AccountBundle::parse(&edit(&f.bundle, planted)).unwrap();
        assert_err!(
            unlock_with_device(&parsed, &f.device, &f.pin),
            Error::IdentityMismatch
        );
    }
}

#[test]
fn malformed_encapsulations_are_refused_with_their_error() {
    let f = fixture();
    let sk = XWingSecretKey::from_seed([9; 32]);
    let (enc, ct) = xwing::seal_base(&sk.public_key(), b"info", b"", b"root").unwrap();
    assert_eq!(
        xwing::open_base(&sk, &enc[..], b"info", b"", &ct).unwrap(),
        b"root"
    );
    // Wrong length: refused before decapsulation.
    for len in [0, 32, 1088, 1119, 1121, 2240] {
        let mut bad = enc.to_vec();
        bad.resize(len, 0);
        assert_err!(
            xwing::open_base(&sk, &bad, b"info", b"", &ct),
            Error::InvalidLength { expected: 1120, got, .. } if got == len
        );
    }
    // An X25519 half of low order: the all-zero X25519 secret is refused.
    for point in low_order_points() {
        let low = with_x25519_half(*enc, &point);
        assert_err!(
            xwing::open_base(&sk, &low, b"info", b"", &ct),
            Error::InvalidPublicKey
        );
    }
    // In a bundle slot: a wrong length is malformed; a low-order X25519 half is refused
    // when the slot is opened (before the AEAD); the same for every unlock method.
    for kind in [1u8, 2, 3] {
        for len in [32, 1088, 1119, 1121] {
            let short = |v: &mut Value| {
                let s = slot(v, kind);
                let mut enc = hex::decode(s["enc"].as_str().unwrap()).unwrap();
                enc.resize(len, 0);
                s["enc"] = hex_value(&enc);
            };
            assert_err!(
                AccountBundle::parse(&edit(&f.bundle, short)),
                Error::MalformedBundle { .. },
                "slot {kind} enc len {len}"
            );
        }
        let low = |v: &mut Value| {
            let s = slot(v, kind);
            let enc = hex::decode(s["enc"].as_str().unwrap()).unwrap();
            let enc: [u8; 1120] = enc.try_into().unwrap();
            s["enc"] = hex_value(&with_x25519_half(enc, &low_order_points()[2]));
        };
        let planted = AccountBundle::parse(&edit(&f.bundle, low)).unwrap();
        expect(unlock(&planted, kind), LOW);
    }
}

/// X-Wing's shared secret depends on both halves of `enc`: changing either the ML-KEM
/// ciphertext (decapsulated by implicit rejection to another secret) or the X25519 share
/// makes a slot or a grant's encapsulation fail to open. Neither half alone carries it.
#[test]
fn both_halves_of_an_encapsulation_are_bound() {
    let f = fixture();
    for kind in [1u8, 2, 3] {
        for at in [0, 500, 1087, 1088, 1119] {
            let flip = |v: &mut Value| {
                let s = slot(v, kind);
                let mut enc = hex::decode(s["enc"].as_str().unwrap()).unwrap();
                enc[at] ^= 0x02;
                s["enc"] = hex_value(&enc);
            };
            let bundle = AccountBundle::parse(&edit(&f.bundle, flip)).unwrap();
            expect(unlock(&bundle, kind), closed(kind));
        }
    }
    // A grant's encapsulation, opened with the recipient's X-Wing key directly (the
    // signature would refuse any edit first).
    let (alice, bob) = (keyring(1), keyring(2));
    let grant = alice
        .grant_album(
            &alice.album_key(ALBUM, 0).unwrap(),
            &bob.identity_public_key(),
            &[0; 32],
        )
        .unwrap();
    let bob_kem = identity_kem(identity_seed(2));
    let info = [keepsake::sharing::LABEL_GRANT, &grant[..122]].concat();
    let open = |enc: &[u8]| xwing::open_base(&bob_kem, enc, &info, b"", &grant[CT]);
    let key = open(&grant[ENC]).unwrap();
    assert_eq!(
        key,
        hazmat::album_key_bytes(&alice.album_key(ALBUM, 0).unwrap())
    );
    for at in [0, 1087, 1088, 1119] {
        let mut enc = grant[ENC].to_vec();
        enc[at] ^= 0x02;
        expect(open(&enc), DF);
    }
    expect(
        open(&with_x25519_half::<1120>(
            grant[ENC].try_into().unwrap(),
            &low_order_points()[0],
        )),
        LOW,
    );
}

// ---------------------------------------------------------------------------------------
// Grants
// ---------------------------------------------------------------------------------------

/// Grants carry a valid signature for the fields they were made with: presented for
/// another recipient, album or epoch they are refused by those checks; the same fields
/// edited to pass those checks break the signature. The checks run in SPEC.md 5.7's order.
#[test]
fn a_validly_signed_grant_for_another_recipient_album_or_epoch_is_refused() {
    let (alice, bob, carol) = (keyring(1), keyring(2), keyring(3));
    let alice_id = alice.identity_public_key();
    let album = alice.album_key(ALBUM, 4).unwrap();
    let to_carol = alice
        .grant_album(&album, &carol.identity_public_key(), &[0; 32])
        .unwrap();
    let to_bob = alice
        .grant_album(&album, &bob.identity_public_key(), &[0; 32])
        .unwrap();
    bob.accept_grant(&to_bob, &alice_id, Some((ALBUM, 4)))
        .unwrap();
    // Alice's genuine grant to Carol, offered to Bob.
    expect(
        bob.accept_grant(&to_carol, &alice_id, None),
        WRONG_RECIPIENT,
    );
    // Its recipient rewritten to Bob's own digest, the rest intact: the signature fails.
    let mut redirected = to_carol.clone();
    redirected[RECIPIENT].copy_from_slice(&bob.identity_public_key().digest());
    expect(
        bob.accept_grant(&redirected, &alice_id, None),
        BAD_SIGNATURE,
    );
    expect(
        bob.accept_grant(&redirected, &alice_id, Some((ALBUM, 4))),
        BAD_SIGNATURE,
    );
    // A genuine grant of another album or epoch, offered where Bob expects this one.
    let other_album = AlbumId::from_bytes([0xa2; 16]);
    for (id, epoch) in [(other_album, 4), (ALBUM, 5), (ALBUM, 3)] {
        let other = alice
            .grant_album(
                &alice.album_key(id, epoch).unwrap(),
                &bob.identity_public_key(),
                &[0; 32],
            )
            .unwrap();
        expect(
            bob.accept_grant(&other, &alice_id, Some((ALBUM, 4))),
            WRONG_ALBUM,
        );
        // Its album and epoch rewritten to the expected ones: the signature fails.
        let mut moved = other.clone();
        moved[ALBUM_ID].copy_from_slice(ALBUM.as_bytes());
        moved[EPOCH].copy_from_slice(&4u64.to_be_bytes());
        expect(
            bob.accept_grant(&moved, &alice_id, Some((ALBUM, 4))),
            BAD_SIGNATURE,
        );
    }
    // Each field edited alone (no expectation): the identities by their checks, anything
    // else the signature covers by the signature.
    let starts_and_ends = [
        SENDER, RECIPIENT, ALBUM_ID, EPOCH, HISTORY, ENC, CT, SIGNATURE,
    ]
    .into_iter()
    .flat_map(|r| [r.start, r.end - 1]);
    for at in starts_and_ends {
        let mut edited = to_bob.clone();
        edited[at] ^= 0x01;
        let r = bob.accept_grant(&edited, &alice_id, None);
        if SENDER.contains(&at) {
            expect(r, WRONG_SENDER);
        } else if RECIPIENT.contains(&at) {
            expect(r, WRONG_RECIPIENT);
        } else {
            expect(r, BAD_SIGNATURE);
        }
    }
    // Faults at every step: the earliest check's error.
    let mut all = to_carol.clone();
    all[SENDER].copy_from_slice(&carol.identity_public_key().digest());
    all[SIGNATURE.start] ^= 1;
    let expected = Some((other_album, 9));
    expect(bob.accept_grant(&all, &alice_id, expected), WRONG_RECIPIENT);
    all[RECIPIENT].copy_from_slice(&bob.identity_public_key().digest());
    expect(bob.accept_grant(&all, &alice_id, expected), WRONG_SENDER);
    all[SENDER].copy_from_slice(&alice_id.digest());
    expect(bob.accept_grant(&all, &alice_id, expected), WRONG_ALBUM);
    expect(bob.accept_grant(&all, &alice_id, None), BAD_SIGNATURE);
}

/// Mallory holds Alice's album keys (here: the same roots, another identity) and signs
/// grants herself.
#[test]
fn a_grant_re_signed_by_another_account_is_refused() {
    let roots = [[1u8; 32]];
    let alice = hazmat::keyring_from_secrets(&roots, identity_seed(1));
    let mallory = hazmat::keyring_from_secrets(&roots, identity_seed(3));
    let bob = keyring(2);
    let (alice_id, mallory_id) = (alice.identity_public_key(), mallory.identity_public_key());
    let album = alice.album_key(ALBUM, 0).unwrap();
    let eseed = [0x3c; 64];
    let recipient = bob.identity_public_key();
    let genuine =
        hazmat::grant_with_randomness(&alice, &album, &recipient, &[0; 32], &eseed).unwrap();
    let by_mallory =
        hazmat::grant_with_randomness(&mallory, &album, &recipient, &[0; 32], &eseed).unwrap();
    // Mallory's grant is genuine, from Mallory: Bob accepts it only from her.
    bob.accept_grant(&by_mallory, &mallory_id, None).unwrap();
    expect(bob.accept_grant(&by_mallory, &alice_id, None), WRONG_SENDER);
    // Mallory's header names her; written over with Alice's, her signature does not verify
    // under Alice's key.
    let mut claimed = by_mallory.clone();
    claimed[SENDER].copy_from_slice(&alice_id.digest());
    expect(bob.accept_grant(&claimed, &alice_id, None), BAD_SIGNATURE);
    // Alice's grant, every signed byte kept, with Mallory's signature (same recipient,
    // album, epoch and encapsulation randomness: only the sender differs).
    assert_eq!(genuine[ENC], by_mallory[ENC]);
    let mut resigned = genuine.clone();
    resigned[SIGNATURE].copy_from_slice(&by_mallory[SIGNATURE]);
    expect(bob.accept_grant(&resigned, &alice_id, None), BAD_SIGNATURE);
    expect(bob.accept_grant(&resigned, &mallory_id, None), WRONG_SENDER);
    // Alice's own signature is what makes it acceptable.
    bob.accept_grant(&genuine, &alice_id, None).unwrap();
}

/// A classical-only grant (suite 1, X25519 HPKE, 170 bytes in the format that was never
/// shipped) offered where suite 2 is required: refused on its suite byte, whatever its
/// length, by `inspect_grant` and `accept_grant` alike.
#[test]
fn a_classical_only_grant_is_a_refused_downgrade() {
    let (alice, bob) = (keyring(1), keyring(2));
    let grant = alice
        .grant_album(
            &alice.album_key(ALBUM, 0).unwrap(),
            &bob.identity_public_key(),
            &[0; 32],
        )
        .unwrap();
    let alice_id = alice.identity_public_key();
    for len in [2, 90, 170, GRANT_LEN] {
        let mut classical = grant[..len].to_vec();
        classical[1] = 1;
        expect(
            keepsake::sharing::inspect_grant(&classical),
            UNSUPPORTED_SUITE_1,
        );
        expect(
            bob.accept_grant(&classical, &alice_id, None),
            UNSUPPORTED_SUITE_1,
        );
    }
    // A grant of suite 2 but of the classical length is malformed.
    let mut short = grant[..170].to_vec();
    short[1] = 2;
    assert_err!(
        bob.accept_grant(&short, &alice_id, None),
        Error::MalformedGrant { .. }
    );
    // A slot of suite 1 in a bundle, likewise.
    let f = fixture();
    for kind in [1u8, 2, 3] {
        let downgrade = |v: &mut Value| slot(v, kind)["suite"] = 1.into();
        expect(
            AccountBundle::parse(&edit(&f.bundle, downgrade)),
            UNSUPPORTED_SUITE_1,
        );
    }
}

/// Grants and encapsulations of a wrong length: refused by the grant's length check,
/// never reaching decapsulation.
#[test]
fn a_grant_with_a_wrong_length_encapsulation_is_malformed() {
    let (alice, bob) = (keyring(1), keyring(2));
    let grant = alice
        .grant_album(
            &alice.album_key(ALBUM, 0).unwrap(),
            &bob.identity_public_key(),
            &[0; 32],
        )
        .unwrap();
    let alice_id = alice.identity_public_key();
    // enc 32 bytes (X25519 alone), 1088 (ML-KEM alone), one short, one long.
    for enc_len in [32, 1088, 1119, 1121] {
        let mut enc = grant[ENC].to_vec();
        enc.resize(enc_len, 0);
        let bad = [&grant[..ENC.start], &enc, &grant[ENC.end..]].concat();
        assert_err!(
            bob.accept_grant(&bad, &alice_id, None),
            Error::MalformedGrant {
                reason: "wrong length"
            },
            "enc {enc_len}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// No X25519-only public-key operation in the account layer
// ---------------------------------------------------------------------------------------

/// Every key and encapsulation the account layer writes has suite 2's sizes, and each
/// opens with X-Wing HPKE Base: device slots, passphrase and recovery slots, identities,
/// grants (also those of an epoch move).
#[test]
fn every_public_key_operation_of_the_account_layer_is_x_wing() {
    let f = fixture();
    assert_eq!(xwing::PUBLIC_KEY_LEN, 1216);
    assert_eq!(xwing::ENC_LEN, 1120);
    assert_eq!(f.device.public_key().as_bytes().len(), 1216);
    for device in f.bundle.devices() {
        assert_eq!(device.as_bytes().len(), 1216);
    }
    assert_eq!(f.bundle.identity().to_bytes().len(), 1248);
    assert_eq!(f.keyring.identity_public_key(), f.bundle.identity());
    assert_eq!(
        &f.bundle.identity().to_bytes()[32..],
        &f.bundle.identity().kem().as_bytes()[..]
    );
    let json: Value = serde_json::from_slice(&f.bundle.to_bytes()).unwrap();
    assert_eq!(json["body"]["identity"].as_str().unwrap().len(), 2 * 1248);
    for kind in [1u8, 2, 3] {
        let mut json = json.clone();
        let s = slot(&mut json, kind);
        assert_eq!(s["suite"], 2, "slot {kind}");
        assert_eq!(s["public_key"].as_str().unwrap().len(), 2 * 1216);
        assert_eq!(s["enc"].as_str().unwrap().len(), 2 * 1120);
        assert_eq!(s["wrapped_root"].as_str().unwrap().len(), 2 * 48);
    }
    // The device slot opens with the device's X-Wing key: the root.
    let device = &json["body"]["devices"][0];
    let pk = hex::decode(device["public_key"].as_str().unwrap()).unwrap();
    let info = [
        keepsake::account::LABEL_ROOT_SLOT,
        &[keepsake::account::SLOT_DEVICE],
        &pk,
    ]
    .concat();
    let root = xwing::open_base(
        &XWingSecretKey::from_seed(*f.device.to_bytes()),
        &hex::decode(device["enc"].as_str().unwrap()).unwrap(),
        &info,
        b"",
        &hex::decode(device["wrapped_root"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    assert_eq!(root, hazmat::root_bytes(&f.keyring, 0).unwrap());
    // Grants: 1354 bytes, suite 2, enc opening with the recipient identity's X-Wing key.
    let (alice, bob) = (keyring(1), keyring(2));
    let album = alice.album_key(ALBUM, 0).unwrap();
    let grant = alice
        .grant_album(&album, &bob.identity_public_key(), &[0; 32])
        .unwrap();
    assert_eq!((grant.len(), GRANT_LEN, grant[1]), (1354, 1354, 2));
    let info = [keepsake::sharing::LABEL_GRANT, &grant[..122]].concat();
    let key = xwing::open_base(
        &identity_kem(identity_seed(2)),
        &grant[ENC],
        &info,
        b"",
        &grant[CT],
    )
    .unwrap();
    assert_eq!(key, hazmat::album_key_bytes(&album));
    assert_eq!(
        identity_kem(identity_seed(2)).public_key(),
        *bob.identity_public_key().kem()
    );
    // An epoch move's grants are the same.
    let moved = alice
        .remove_member(&album, &[bob.identity_public_key()], &[0; 32])
        .unwrap();
    for (member, grant) in &moved.grants {
        assert_eq!(*member, bob.identity_public_key());
        assert_eq!((grant.len(), grant[1]), (1354, 2));
        bob.accept_grant(grant, &alice.identity_public_key(), None)
            .unwrap();
    }
}

#[test]
fn low_order_x25519_keys_are_refused_wherever_a_public_key_enters() {
    let f = fixture();
    let (alice, bob) = (keyring(1), keyring(2));
    let (alice_id, album) = (
        alice.identity_public_key(),
        alice.album_key(ALBUM, 0).unwrap(),
    );
    let grant = alice
        .grant_album(&album, &bob.identity_public_key(), &[0; 32])
        .unwrap();
    let identity = bob.identity_public_key().to_bytes();
    let sk = HpkeSecretKey::from_bytes([5; 32]);
    let own = *sk.public_key().as_bytes();
    let xsk = XWingSecretKey::from_seed([5; 32]);
    let psk = Some(Psk {
        psk: &[1; 32],
        psk_id: b"id",
    });
    for point in low_order_points() {
        let low = HpkePublicKey::from_bytes(point);
        // The reference X25519 HPKE: every mode, sender and recipient side.
        expect(hpke::seal_base(&low, b"", b"", b"x"), LOW);
        expect(hpke::seal_auth(&low, &sk, b"", b"", b"x"), LOW);
        expect(hpke::setup_sender(&low, None, psk, b""), LOW);
        expect(hpke::open_base(&sk, &point, b"", b"", &[0; 48]), LOW);
        expect(hpke::setup_recipient(&sk, Some(&low), None, &own, b""), LOW);
        // Suite 2: an X-Wing key (a device to enrol, the KEM half of an identity to share
        // to) whose X25519 half is low order is refused when it is parsed, so nothing is
        // ever encapsulated to it.
        let low_key = with_x25519_half(xwing_public(1), &point);
        expect(XWingPublicKey::from_slice(&low_key), LOW);
        let mut low_identity = identity.clone();
        low_identity[1248 - 32..].copy_from_slice(&point);
        expect(IdentityPublicKey::from_slice(&low_identity), LOW);
        // An enc whose X25519 half is low order: refused by decapsulation, before the AEAD.
        let enc = enc_with_x25519_half(&point);
        expect(xwing::open_base(&xsk, &enc, b"", b"", &[0; 48]), LOW);
        expect(xwing::setup_recipient(&xsk, &enc, b""), LOW);
        // In a grant the signature covers enc: an edited enc is caught by it first.
        let mut bad_enc = grant.clone();
        bad_enc[122..1242].copy_from_slice(&enc);
        expect(bob.accept_grant(&bad_enc, &alice_id, None), BAD_SIGNATURE);
        // A device slot whose enc is low order: the unlock refuses it before the AEAD.
        let enc = |v: &mut Value| v["body"]["devices"][0]["enc"] = hex::encode(enc).into();
        let planted = AccountBundle::parse(&edit(&f.bundle, enc)).unwrap();
        expect(unlock_with_device(&planted, &f.device, &f.pin), LOW);
        // A low-order key in a slot or as the bundle's identity: parsed (keys are checked
        // when used), and the unlock refuses the edit before any key is used.
        let device = |v: &mut Value| {
            let slot = &mut v["body"]["passphrase"]["public_key"];
            let key = hex::decode(slot.as_str().unwrap()).unwrap();
            let key: [u8; 1216] = key.try_into().unwrap();
            *slot = hex::encode(with_x25519_half(key, &point)).into();
        };
        let parsed = AccountBundle::parse(&edit(&f.bundle, device)).unwrap();
        expect(unlock_with_device(&parsed, &f.device, &f.pin), |e| {
            matches!(e, Error::BundleTampered)
        });
        let planted = |v: &mut Value| v["body"]["identity"] = hex::encode(&low_identity).into();
        let parsed = AccountBundle::parse(&edit(&f.bundle, planted)).unwrap();
        expect(unlock_with_device(&parsed, &f.device, &f.pin), |e| {
            matches!(e, Error::IdentityMismatch)
        });
    }
}
