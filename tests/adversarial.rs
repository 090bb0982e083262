//! The adversarial suite (issues 6 and 14): a fully malicious server stores and returns
//! every byte Keepsake produces and may truncate, reorder, replay, swap, splice and forge
//! them. Each case names the attack and asserts the *specific* `keepsake::Error` variant.
//!
//! Groups here: format parsing; stream integrity; key management: X25519 and slot attacks,
//! roots planted in every kind of slot, slots injected, removed, reordered or duplicated,
//! history and generation edits, rollback, and the order of the unlock checks (SPEC.md
//! 5.8). KDF parameters, context binding, misuse and resource exhaustion are in
//! `adversarial_context.rs`. What `tests/stream.rs`, `tests/account.rs` and the vector
//! files already pin down (header bit flips through `open`, the `Opener`'s released prefix,
//! ...) is not repeated here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
#[path = "adversarial_common.rs"]
mod common;
use common::*;
// ---------------------------------------------------------------------------------------
// Format parsing
// ---------------------------------------------------------------------------------------

#[test]
fn every_bad_value_of_each_header_byte_gets_its_own_error() {
    let (_, sealed) = three_chunks();
    for v in 0..=255u8 {
        let set = |at: usize| {
            let mut bad = sealed.clone();
            bad[at] = v;
            bad
        };
        if v != 1 {
            assert_err!(Header::parse(&set(4)), Error::UnsupportedVersion(x) if x == v);
            assert_err!(Header::parse(&set(5)), Error::UnsupportedSuite(x) if x == v);
            assert_err!(push_open(&set(5), 3).1, Error::UnsupportedSuite(x) if x == v);
        }
        if !(8..=22).contains(&v) {
            assert_err!(Header::parse(&set(6)), Error::ChunkSizeOutOfRange(x) if x == v);
            assert_err!(push_open(&set(6), 1).1, Error::ChunkSizeOutOfRange(x) if x == v);
        }
        if v > 3 {
            assert_err!(Header::parse(&set(7)), Error::UnknownKind(x) if x == v);
        }
    }
}

#[test]
fn input_shorter_than_the_magic_is_truncated_even_when_it_differs() {
    for input in [&b""[..], b"X", b"KS", b"xyz", b"KSM"] {
        let got = input.len();
        assert_err!(Header::parse(input), Error::TruncatedHeader { needed: H, got: g } if g == got);
        assert_err!(push_open(input, 1).1, Error::TruncatedHeader { got: g, .. } if g == got);
    }
    assert_err!(Header::parse(b"KSMX"), Error::BadMagic);
    assert_err!(Header::parse(b"ksms\x01\x01\x08\x00"), Error::BadMagic);
}

#[test]
fn wrong_length_keys_ids_and_public_keys_are_refused_before_any_crypto() {
    for len in [0, 1, 16, 31, 33, 64] {
        assert_err!(MediaKey::from_slice(&vec![7; len]), Error::InvalidLength { expected: 32, got, .. } if got == len);
        assert_err!(HpkePublicKey::from_slice(&vec![9; len]), Error::InvalidLength { expected: 32, got, .. } if got == len);
    }
    // Suite 2's keys: an X-Wing public key is 1216 bytes, an identity public key 1248.
    let genuine = xwing_public(1);
    for len in [0, 32, 1184, 1215, 1217, 1248, 2432] {
        let mut key = genuine.to_vec();
        key.resize(len, 9);
        assert_err!(XWingPublicKey::from_slice(&key), Error::InvalidLength { expected: 1216, got, .. } if got == len);
    }
    let identity = keyring(1).identity_public_key().to_bytes();
    for len in [0, 32, 1216, 1247, 1249, 2496] {
        let mut key = identity.clone();
        key.resize(len, 9);
        assert_err!(IdentityPublicKey::from_slice(&key), Error::InvalidLength { expected: 1248, got, .. } if got == len);
    }
    for len in [0, 15, 17, 32] {
        assert_err!(MediaId::from_slice(&vec![1; len]), Error::InvalidLength { expected: 16, got, .. } if got == len);
        assert_err!(AlbumId::from_slice(&vec![1; len]), Error::InvalidLength { expected: 16, got, .. } if got == len);
    }
    // An Argon2id salt of the wrong length is refused before Argon2 allocates anything: far
    // faster than one derivation at the floor (tens of milliseconds).
    for len in [0, 8, 15, 17, 32, 1 << 20] {
        let salt = vec![3u8; len];
        let started = Instant::now();
        let r = kdf::derive_key(PASS, &salt, &KdfParams::FLOOR);
        assert_err!(r, Error::InvalidLength { expected: 16, got, .. } if got == len);
        assert!(started.elapsed() < Duration::from_millis(10), "salt {len}");
    }
    // HPKE DeriveKeyPair needs 32 bytes of input keying material, in either suite.
    assert_err!(
        XWingSecretKey::derive(&[1; 31]),
        Error::InvalidLength {
            expected: 32,
            got: 31,
            ..
        }
    );
    assert_err!(
        HpkeSecretKey::derive(&[1; 31]),
        Error::InvalidLength {
            expected: 32,
            got: 31,
            ..
        }
    );
}

#[test]
fn envelope_fields_are_checked_in_spec_order() {
    let k = MediaKey::from_bytes([4; 32]);
    let open = |bytes: &[u8]| k.open_blob(&ID, MediaBlob::Caption, bytes);
    assert_err!(open(&[]), Error::TruncatedHeader { needed: 73, got: 0 });
    // The version comes before the length, and before the size cap.
    assert_err!(open(&[2]), Error::UnsupportedVersion(2));
    assert_err!(open(&vec![0; 5 << 20]), Error::UnsupportedVersion(0));
    for len in [1, 25, 57, 72] {
        let mut short = vec![0u8; len];
        short[0] = 1;
        assert_err!(open(&short), Error::TruncatedHeader { needed: 73, got } if got == len);
    }
    // Exactly the overhead, all zeros but the version: a well-formed envelope that fails
    // authentication.
    let mut empty = vec![0u8; 73];
    empty[0] = 1;
    expect(open(&empty), DF);
}

#[test]
fn bundle_numbers_outside_their_types_are_malformed() {
    let f = fixture();
    let cases: Vec<(Value, &str)> = vec![
        ("1".into(), "version as a string"),
        ((-1).into(), "negative version"),
        (serde_json::json!(1.0), "version as a float"),
        (Value::Null, "null version"),
    ];
    for (value, what) in cases {
        let bytes = edit(&f.bundle, |v| v["body"]["version"] = value);
        assert_err!(
            AccountBundle::parse(&bytes),
            Error::MalformedBundle { .. },
            "{what}"
        );
    }
    let big = edit(&f.bundle, |v| v["body"]["version"] = 256.into());
    assert_err!(AccountBundle::parse(&big), Error::UnsupportedVersion(255));
    let zero = edit(&f.bundle, |v| v["body"]["version"] = 0.into());
    assert_err!(AccountBundle::parse(&zero), Error::UnsupportedVersion(0));
    for (field, value) in [
        ("memory_kib", serde_json::json!(1u64 << 32)),
        ("iterations", serde_json::json!(-2)),
        ("parallelism", serde_json::json!("1")),
    ] {
        let bytes = edit(&f.bundle, |v| v["body"]["passphrase"]["kdf"][field] = value);
        assert_err!(
            AccountBundle::parse(&bytes),
            Error::MalformedBundle { .. },
            "{field}"
        );
    }
    // Upper-case hex decodes to the same bytes but is not the canonical encoding.
    let upper = edit(&f.bundle, |v| {
        let id = v["body"]["identity"].as_str().unwrap().to_uppercase();
        v["body"]["identity"] = id.into();
    });
    assert_err!(AccountBundle::parse(&upper), Error::MalformedBundle { reason } if reason.contains("canonical"));
    for (path, hex) in [("mac", "00".repeat(31)), ("mac", "zz".repeat(32))] {
        let bytes = edit(&f.bundle, |v| v[path] = hex.clone().into());
        expect(AccountBundle::parse(&bytes), MALFORMED);
    }
}

#[test]
fn recovery_phrase_shapes_get_precise_problems() {
    let zero = format!("{}art", "abandon ".repeat(23));
    RecoveryPhrase::parse(&zero).unwrap();
    let bad = |input: &str| RecoveryPhrase::parse(input).map(|_| ());
    // A valid 12-word BIP39 phrase is not a recovery phrase.
    let twelve = format!("{}about", "abandon ".repeat(11));
    assert_err!(
        bad(&twelve),
        Error::InvalidRecoveryPhrase {
            problem: PhraseProblem::WordCount(12)
        }
    );
    assert_err!(
        bad(&format!("{zero} art")),
        Error::InvalidRecoveryPhrase {
            problem: PhraseProblem::WordCount(25)
        }
    );
    assert_err!(
        bad(&" \t\n".repeat(300)),
        Error::InvalidRecoveryPhrase {
            problem: PhraseProblem::WordCount(0)
        }
    );
    // A Cyrillic "а" that looks like a Latin "a" in the last word.
    let lookalike = format!("{}\u{430}rt", "abandon ".repeat(23));
    assert_err!(
        bad(&lookalike),
        Error::InvalidRecoveryPhrase {
            problem: PhraseProblem::UnknownWord(24)
        }
    );
    assert_err!(
        bad(&zero.replace("art", "zoo")),
        Error::InvalidRecoveryPhrase {
            problem: PhraseProblem::Checksum
        }
    );
    // Non-breaking and ideographic spaces are white space too.
    RecoveryPhrase::parse(&zero.replace(' ', "\u{a0}\u{3000}")).unwrap();
}

#[test]
fn grant_length_and_version_are_checked_before_anything_else() {
    let (alice, bob) = (keyring(1), keyring(2));
    let grant = alice
        .grant_album(
            &alice.album_key(ALBUM, 0).unwrap(),
            &bob.identity_public_key(),
            &[0; 32],
        )
        .unwrap();
    assert_eq!(grant.len(), 1354);
    let accept = |g: &[u8]| bob.accept_grant(g, &alice.identity_public_key(), None);
    assert_err!(accept(&[]), Error::MalformedGrant { .. });
    for len in (1..GRANT_LEN).chain([GRANT_LEN + 1, 4096]) {
        let mut g = grant.clone();
        g.resize(len, 0);
        assert_err!(accept(&g), Error::MalformedGrant { .. }, "len {len}");
        // The suite byte comes after the version and before the length.
        if len > 1 {
            g[1] = 1;
            assert_err!(accept(&g), Error::UnsupportedSuite(1), "len {len}");
        }
        g[0] = 0;
        assert_err!(accept(&g), Error::UnsupportedVersion(0), "len {len}");
    }
    for suite in [0, 1, 3, 0xff] {
        let mut g = grant.clone();
        g[1] = suite;
        assert_err!(accept(&g), Error::UnsupportedSuite(x) if x == suite);
    }
    accept(&grant).unwrap();
}

// ---------------------------------------------------------------------------------------
// Stream integrity (through every opener; the PushOpener has no other integration test)
// ---------------------------------------------------------------------------------------

#[test]
fn every_cut_gives_the_same_error_everywhere_and_releases_the_authentic_prefix() {
    let (pt, sealed) = three_chunks();
    for cut in 0..=sealed.len() {
        let input = &sealed[..cut];
        let err = all_openers_agree(input, &pt, &format!("cut {cut}"));
        // One byte at a time, the push opener releases exactly the chunks that have
        // authenticated in position and are known not to be the last.
        let (released, _) = push_open(input, 1);
        let complete = cut.saturating_sub(H + 1) / STRIDE;
        if cut < sealed.len() {
            assert_eq!(released.len(), complete * C, "cut {cut}");
            let into_chunk = cut.saturating_sub(H) % STRIDE;
            let expected_ok = matches!(
                (&err, cut),
                (Some(Error::TruncatedHeader { .. }), c) if c < H
            ) || matches!(
                (&err, into_chunk),
                (Some(Error::TruncatedStream), 0..=15) | (Some(Error::EmptyFinalChunk), 16)
            ) || matches!(err, Some(Error::DecryptionFailed));
            assert!(expected_ok, "cut {cut}: {err:?}");
        } else {
            assert!(err.is_none() && released == pt);
        }
    }
}

#[test]
fn every_byte_flip_gives_the_same_error_everywhere() {
    let (pt, sealed) = three_chunks();
    for at in 0..sealed.len() {
        let mut bad = sealed.clone();
        bad[at] ^= 0x01;
        let err = all_openers_agree(&bad, &pt, &format!("flip {at}"));
        let want_failed = at >= 6; // a valid chunk size or kind, the id, salt, commitment, chunks
        assert_eq!(
            matches!(err, Some(Error::DecryptionFailed)),
            want_failed,
            "flip {at}: {err:?}"
        );
        if at >= H {
            // Chunks before the flipped one are released one byte at a time; none after.
            let (released, _) = push_open(&bad, 1);
            assert_eq!(released.len(), (at - H) / STRIDE * C, "flip {at}");
        }
    }
}

#[test]
fn reordered_duplicated_spliced_and_extended_chunks_are_refused_by_the_push_opener() {
    let (_, sealed) = three_chunks();
    let pt = pattern(3 * C); // the sealed plaintext is its first 700 bytes
    let chunk = |i: usize| &sealed[H + i * STRIDE..(H + (i + 1) * STRIDE).min(sealed.len())];
    let raw =
        |i: u64, last: bool, from: usize, to: usize| raw_chunk(&sealed, i, last, &pt[from..to]);
    let build = |parts: &[&[u8]]| [&sealed[..H], &parts.concat()].concat();
    let other = hazmat::seal_with_salt(&key(), &ID, KIND, &pt, &small(), [1; 32]);
    let spliced = &other[H + STRIDE..H + 2 * STRIDE]; // same key, another salt
    let (full_2, final_2) = (raw(2, false, 2 * C, 3 * C), raw(2, true, 2 * C, 3 * C));
    let two_finals = [raw(0, true, 0, C), raw(1, true, C, 700)];
    let cases: [(&str, Vec<u8>, Check); 11] = [
        ("swap 0 1", build(&[chunk(1), chunk(0), chunk(2)]), DF),
        (
            "duplicate 1",
            build(&[chunk(0), chunk(1), chunk(1), chunk(2)]),
            DF,
        ),
        ("drop 1", build(&[chunk(0), chunk(2)]), DF),
        ("final first", build(&[chunk(2), chunk(0), chunk(1)]), DF),
        ("one byte appended", [&sealed[..], b"x"].concat(), DF),
        (
            "a chunk appended",
            build(&[chunk(0), chunk(1), chunk(2), chunk(0)]),
            DF,
        ),
        (
            "spliced from another object",
            build(&[chunk(0), spliced, chunk(2)]),
            DF,
        ),
        (
            "two final chunks",
            build(&[&two_finals[0], &two_finals[1]]),
            TRAILING,
        ),
        (
            "empty final chunk",
            build(&[chunk(0), chunk(1), &full_2, &raw(3, true, 0, 0)]),
            EMPTY,
        ),
        (
            "final chunk then more",
            build(&[chunk(0), chunk(1), &final_2, chunk(2)]),
            TRAILING,
        ),
        ("header only", sealed[..H].to_vec(), TRUNCATED),
    ];
    for (what, bytes, is) in cases {
        let err = all_openers_agree(&bytes, &pt, what).expect(what);
        assert!(is(&err), "{what}: {err:?}");
    }
}

#[test]
fn push_opener_errors_are_final_and_nothing_follows_finish() {
    let (pt, sealed) = three_chunks();
    let mut opener = PushOpener::new(&key(), &ID, KIND);
    let mut out = opener.push(&sealed).unwrap();
    out.extend(opener.finish().unwrap());
    assert!(out == pt);
    expect(opener.push(b"x"), TRAILING);
    expect(opener.push(b""), TRAILING);
    expect(opener.finish(), TRAILING);
    // A failure is final even if the genuine bytes are pushed afterwards.
    let mut opener = PushOpener::new(&key(), &ID, KIND);
    let mut bad = sealed.clone();
    bad[H + 3] ^= 0x80;
    expect(opener.push(&bad[..H + STRIDE + 1]), DF);
    expect(opener.push(&sealed[H + STRIDE + 1..]), DF);
    expect(opener.finish(), DF);
}

// ---------------------------------------------------------------------------------------
// Key management
// ---------------------------------------------------------------------------------------

#[test]
fn a_commitment_for_another_key_grafted_onto_chunks_opens_under_neither_key() {
    // Partitioning-oracle / invisible-salamander shape: the server wants one object that
    // opens under two keys. The header commits to exactly one.
    let (_, sealed) = three_chunks();
    let other = MediaKey::from_bytes([0x43; 32]);
    let context = sealed[..stream::CONTEXT_LEN].try_into().unwrap();
    let salt = sealed[stream::CONTEXT_LEN..stream::CONTEXT_LEN + 32]
        .try_into()
        .unwrap();
    let (_, other_commitment) = hazmat::stream_key_schedule(&other, &context, &salt);
    let mut grafted = sealed.clone();
    grafted[H - 32..H].copy_from_slice(&other_commitment);
    expect(stream::open(&key(), &ID, KIND, &grafted), DF);
    expect(stream::open(&other, &ID, KIND, &grafted), DF);
    // The same for an envelope: the commitment of the other key, the ciphertext of the first.
    let sealed = key()
        .seal_blob(&ID, MediaBlob::Caption, b"caption")
        .unwrap();
    let binding = [&[1u8, 2, 16][..], ID.as_bytes()].concat();
    let nonce: [u8; 24] = sealed[1..25].try_into().unwrap();
    let other_bytes = [0x43u8; 32];
    let (_, commitment) = hazmat::envelope_key_schedule(&other_bytes, &nonce, &binding);
    let mut grafted = sealed.clone();
    grafted[25..57].copy_from_slice(&commitment);
    expect(key().open_blob(&ID, MediaBlob::Caption, &grafted), DF);
    expect(other.open_blob(&ID, MediaBlob::Caption, &grafted), DF);
}

#[test]
fn every_flip_and_cut_of_a_wrapped_media_key_fails_precisely() {
    let album = AlbumKey::from_bytes(ALBUM, 3, [2; 32]);
    let wrapped = album.wrap_media_key(&ID, &key()).unwrap();
    assert_eq!(wrapped.len(), 105);
    for at in 0..wrapped.len() {
        let mut bad = wrapped.clone();
        bad[at] ^= 0x40;
        if at == 0 {
            assert_err!(
                album.unwrap_media_key(&ID, &bad),
                Error::UnsupportedVersion(0x41)
            );
        } else {
            assert_err!(
                album.unwrap_media_key(&ID, &bad),
                Error::DecryptionFailed,
                "byte {at}"
            );
        }
    }
    for cut in 1..wrapped.len() {
        let r = album.unwrap_media_key(&ID, &wrapped[..cut]);
        if cut < 73 {
            assert_err!(r, Error::TruncatedHeader { needed: 73, got } if got == cut);
        } else {
            assert_err!(r, Error::DecryptionFailed, "cut {cut}");
        }
    }
}

#[test]
fn an_authentic_wrap_of_a_31_or_33_byte_key_is_invalid_length() {
    // Forged with the album key itself (an insider or a buggy client): authentic, wrong size.
    let album = AlbumKey::from_bytes(ALBUM, 3, [2; 32]);
    let binding = [
        &[1u8, 5, 40][..],
        ALBUM.as_bytes(),
        &3u64.to_be_bytes(),
        ID.as_bytes(),
    ]
    .concat();
    let nonce = [9u8; 24];
    let (k, commitment) =
        hazmat::envelope_key_schedule(&hazmat::album_key_bytes(&album), &nonce, &binding);
    for len in [0, 31, 33, 64] {
        let mut body = vec![0x77u8; len];
        let tag = XChaCha20Poly1305::new(&(*k).into())
            .encrypt_inout_detached(&nonce.into(), &binding, InOutBuf::from(body.as_mut_slice()))
            .unwrap();
        let envelope = [&[1u8][..], &nonce, &commitment, &body, &tag].concat();
        assert_err!(album.unwrap_media_key(&ID, &envelope), Error::InvalidLength { expected: 32, got, .. } if got == len);
    }
}

#[test]
fn a_substituted_identity_key_is_caught_by_the_fingerprint_and_the_sender_check() {
    // The server answers Alice's look-up of Bob's identity with Mallory's.
    let (alice, bob, mallory) = (keyring(1), keyring(2), keyring(3));
    let (bob_id, mallory_id) = (bob.identity_public_key(), mallory.identity_public_key());
    assert_ne!(
        fingerprint(&bob_id),
        fingerprint(&mallory_id),
        "out-of-band check shows it"
    );
    let album = alice.album_key(ALBUM, 0).unwrap();
    let to_mallory = alice.grant_album(&album, &mallory_id, &[0; 32]).unwrap();
    // Relayed as is, Bob refuses it; Mallory opens it (that is what the fingerprint is for).
    expect(
        bob.accept_grant(&to_mallory, &alice.identity_public_key(), None),
        WRONG_RECIPIENT,
    );
    let stolen = mallory
        .accept_grant(&to_mallory, &alice.identity_public_key(), None)
        .unwrap();
    // Re-granted by Mallory as herself: Bob expects Alice.
    let regrant = mallory.grant_album(&stolen, &bob_id, &[0; 32]).unwrap();
    expect(
        bob.accept_grant(&regrant, &alice.identity_public_key(), None),
        WRONG_SENDER,
    );
    // Re-granted with Alice's digest written in the sender field: Mallory's signature does
    // not verify under Alice's key.
    let mut claimed = regrant.clone();
    claimed[2..34].copy_from_slice(&alice.identity_public_key().digest());
    expect(
        bob.accept_grant(&claimed, &alice.identity_public_key(), None),
        BAD_SIGNATURE,
    );
    // Mallory substituting the recipient field of Alice's grant to Bob, pointing it at herself.
    let to_bob = alice.grant_album(&album, &bob_id, &[0; 32]).unwrap();
    let mut redirected = to_bob.clone();
    redirected[34..66].copy_from_slice(&mallory_id.digest());
    expect(
        mallory.accept_grant(&redirected, &alice.identity_public_key(), None),
        BAD_SIGNATURE,
    );
}

#[test]
fn another_devices_slot_filed_under_this_devices_key_does_not_open() {
    let f = fixture();
    let second = DeviceKey::from_bytes([0x22; 32]);
    let (two, _) = f
        .keyring
        .enroll_device(&f.bundle, &second.public_key())
        .unwrap();
    let json: Value = serde_json::from_slice(&two.to_bytes()).unwrap();
    let devices = json["body"]["devices"].as_array().unwrap();
    let mine = hex::encode(f.device.public_key().as_bytes());
    let (m, o) = if devices[0]["public_key"] == mine.as_str() {
        (0, 1)
    } else {
        (1, 0)
    };
    let swapped = edit(&two, |v| {
        for field in ["enc", "wrapped_root"] {
            v["body"]["devices"][m][field] = devices[o][field].clone();
        }
    });
    let swapped = AccountBundle::parse(&swapped).unwrap();
    expect(unlock_with_device(&swapped, &f.device, &f.pin), DF);
    // The other device's own slot still opens, but the MAC does not cover the swap.
    expect(unlock_with_device(&swapped, &second, &f.pin), TAMPERED);
    unlock_with_device(&two, &second, &f.pin).unwrap();
}

/// The slot of each unlock method in a bundle's JSON, with its kind.
fn slot_of(v: &mut Value, kind: u8) -> &mut Value {
    match kind {
        1 => &mut v["body"]["passphrase"],
        2 => &mut v["body"]["recovery"],
        _ => &mut v["body"]["devices"][0],
    }
}

/// Unlocks `bundle` with the fixture's secret for slot `kind`.
fn unlock_by(bundle: &AccountBundle, kind: u8) -> keepsake::Result<Keyring> {
    let f = fixture();
    match kind {
        1 => unlock_with_passphrase(bundle, PASS),
        2 => unlock_with_recovery(bundle, &f.phrase),
        _ => unlock_with_device(bundle, &f.device, &f.pin),
    }
}

/// Every slot's public key is in the bundle, so a server can encapsulate a root of its own
/// to it (SPEC.md 5.8). Planted in the passphrase, recovery or device position, the slot
/// opens with the user's genuine secret, but its root does not unwrap this account's
/// identity secret: `IdentityMismatch`, whether or not the server re-MACs the bundle under
/// its root. A whole planted account (its identity too) opens by passphrase on a device
/// without a pin, as SPEC.md 5.9 says, and is refused against any pin.
#[test]
fn a_foreign_root_encapsulated_to_any_slots_public_key_is_refused() {
    let f = fixture();
    let foreign_root = [0x66u8; 32];
    let randomness = account_randomness(0x66, 0x67, 0x68);
    let server = hazmat::create_account_with("server", &KdfParams::FLOOR, &randomness).unwrap();
    let server_json: Value = serde_json::from_slice(&server.bundle.to_bytes()).unwrap();
    for kind in [1u8, 2, 3] {
        let plant = |v: &mut Value| {
            let slot = slot_of(v, kind);
            let (enc, wrapped) = encapsulate_to(&slot["public_key"], kind, &foreign_root);
            slot["enc"] = enc.into();
            slot["wrapped_root"] = wrapped.into();
        };
        let planted = AccountBundle::parse(&edit(&f.bundle, plant)).unwrap();
        expect(unlock_by(&planted, kind), MISMATCH);
        let remaced = edit(&f.bundle, |v| {
            plant(v);
            remac(v, &foreign_root);
        });
        expect(
            unlock_by(&AccountBundle::parse(&remaced).unwrap(), kind),
            MISMATCH,
        );
        // The server's own identity beside its planted root: a consistent foreign account.
        let takeover = edit(&f.bundle, |v| {
            plant(v);
            for field in ["identity", "identity_secret"] {
                v["body"][field] = server_json["body"][field].clone();
            }
            remac(v, &foreign_root);
        });
        let takeover = AccountBundle::parse(&takeover).unwrap();
        match kind {
            3 => expect(unlock_by(&takeover, kind), MISMATCH),
            _ => {
                let keyring = unlock_by(&takeover, kind).unwrap();
                assert_eq!(
                    keyring.identity_public_key(),
                    server.keyring.identity_public_key()
                );
                expect(keyring.check_pin(&f.pin), MISMATCH);
            }
        }
    }
    // The genuine slots are untouched by all this.
    for kind in [1u8, 2, 3] {
        unlock_by(&f.bundle, kind).unwrap();
    }
}

/// Slots injected, removed, reordered or duplicated by the server, each with its error.
#[test]
fn injected_removed_reordered_and_duplicated_device_slots_are_refused() {
    let f = fixture();
    let second = DeviceKey::from_bytes([0x22; 32]);
    let (two, _) =
        hazmat::enroll_device_with(&f.keyring, &f.bundle, &second.public_key(), &[7; 64]).unwrap();
    let two_json: Value = serde_json::from_slice(&two.to_bytes()).unwrap();
    let other_slot = two_json["body"]["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["public_key"] != hex::encode(f.device.public_key().as_bytes()).as_str())
        .unwrap()
        .clone();
    // Injected: the second device's genuine slot copied into the one-device bundle.
    let injected = edit(&f.bundle, |v| {
        let devices = v["body"]["devices"].as_array_mut().unwrap();
        devices.push(other_slot.clone());
        devices.sort_by_key(|d| d["public_key"].as_str().unwrap().to_owned());
    });
    let injected = AccountBundle::parse(&injected).unwrap();
    for kind in [1u8, 2, 3] {
        expect(unlock_by(&injected, kind), TAMPERED);
    }
    expect(unlock_with_device(&injected, &second, &f.pin), TAMPERED);
    // Removed: the second device's slot dropped from the two-device bundle.
    let removed = edit(&two, |v| {
        let devices = v["body"]["devices"].as_array_mut().unwrap();
        devices.retain(|d| *d != other_slot);
    });
    let removed = AccountBundle::parse(&removed).unwrap();
    assert_eq!(removed.devices(), f.bundle.devices());
    for kind in [1u8, 2, 3] {
        expect(unlock_by(&removed, kind), TAMPERED);
    }
    // Reordered or duplicated: not canonical, refused before any key is used.
    let reordered = edit(&two, |v| {
        v["body"]["devices"].as_array_mut().unwrap().reverse();
    });
    expect(AccountBundle::parse(&reordered), MALFORMED);
    let duplicated = edit(&f.bundle, |v| {
        let devices = v["body"]["devices"].as_array_mut().unwrap();
        devices.push(devices[0].clone());
    });
    expect(AccountBundle::parse(&duplicated), MALFORMED);
    for kind in [1u8, 2, 3] {
        unlock_by(&two, kind).unwrap();
    }
}

/// SPEC.md 5.8: open the slot (1), unwrap the identity (2), verify the MAC (3), unwrap
/// the history (4), compare the generation with the pin (5). A bundle with faults at
/// several steps gets the error of the earliest.
#[test]
fn unlock_checks_run_in_the_spec_order() {
    let f = fixture();
    let bad_mac = |v: &mut Value| v["mac"] = "00".repeat(32).into();
    let foreign = |v: &mut Value| {
        let other = keyring(0x44).identity_public_key();
        v["body"]["identity"] = hex::encode(other.to_bytes()).into();
    };
    let parse = |bytes: Vec<u8>| AccountBundle::parse(&bytes).unwrap();
    // 1 before 2 and 3.
    let no_slot = parse(edit(&f.bundle, |v| {
        v["body"]["devices"] = serde_json::json!([]);
        foreign(v);
        bad_mac(v);
    }));
    expect(unlock_with_device(&no_slot, &f.device, &f.pin), |e| {
        matches!(e, Error::DeviceNotEnrolled)
    });
    let low = hex::encode(enc_with_x25519_half(&low_order_points()[0]));
    let low_enc = parse(edit(&f.bundle, |v| {
        v["body"]["devices"][0]["enc"] = low.clone().into();
        foreign(v);
        bad_mac(v);
    }));
    expect(unlock_with_device(&low_enc, &f.device, &f.pin), LOW);
    let closed = |v: &mut Value, kind: u8| {
        let slot = slot_of(v, kind);
        let mut wrapped = hex::decode(slot["wrapped_root"].as_str().unwrap()).unwrap();
        wrapped[0] ^= 1;
        slot["wrapped_root"] = hex::encode(wrapped).into();
        foreign(v);
        bad_mac(v);
    };
    for (kind, check) in [(1u8, WRONG_PASS), (2, WRONG_PHRASE), (3, DF)] {
        let bundle = parse(edit(&f.bundle, |v| closed(v, kind)));
        expect(unlock_by(&bundle, kind), check);
    }
    // 2 before 3: a foreign identity beside a broken MAC.
    let both = parse(edit(&f.bundle, |v| {
        foreign(v);
        bad_mac(v);
    }));
    for kind in [1u8, 2, 3] {
        expect(unlock_by(&both, kind), MISMATCH);
    }
    // A genuine bundle of this account against a pin of another account.
    let stranger = AccountPin {
        identity: keyring(9).identity_public_key().digest(),
        generation: 0,
    };
    expect(
        unlock_with_device(&f.bundle, &f.device, &stranger),
        MISMATCH,
    );

    // 3, 4 and 5 need history: two rotations (generation 2, history 0 and 1).
    let (one, k1) = f.keyring.rotate(&f.bundle).unwrap();
    let (two, k2) = k1.rotate(&one).unwrap();
    let seen = k2.pin();
    assert_eq!((seen.identity, seen.generation), (f.pin.identity, 2));
    // 5: genuine older bundles, served again.
    assert_err!(
        unlock_with_device(&f.bundle, &f.device, &seen),
        Error::Rollback {
            seen: 2,
            offered: 0
        }
    );
    assert_err!(
        unlock_with_device(&one, &f.device, &seen),
        Error::Rollback {
            seen: 2,
            offered: 1
        }
    );
    let by_pass = unlock_with_passphrase(&one, PASS).unwrap();
    assert_err!(
        by_pass.check_pin(&seen),
        Error::Rollback {
            seen: 2,
            offered: 1
        }
    );
    unlock_with_device(&two, &f.device, &seen).unwrap();
    // 2 before 5: a planted slot in an older bundle.
    let planted = parse(edit(&f.bundle, |v| {
        let slot = &mut v["body"]["devices"][0];
        let (enc, wrapped) = encapsulate_to(&slot["public_key"], 3, &[0x66; 32]);
        slot["enc"] = enc.into();
        slot["wrapped_root"] = wrapped.into();
    }));
    expect(unlock_with_device(&planted, &f.device, &seen), MISMATCH);
    // 3 before 5: an older bundle with a broken MAC; a generation counter edited down
    // (with the history cut to match, so that it parses) is tampering, never a rollback.
    let older_broken = parse(edit(&one, bad_mac));
    expect(
        unlock_with_device(&older_broken, &f.device, &seen),
        TAMPERED,
    );
    let edited_down = parse(edit(&two, |v| {
        v["body"]["generation"] = 1.into();
        v["body"]["history"].as_array_mut().unwrap().truncate(1);
    }));
    assert_eq!(edited_down.generation(), 1);
    expect(unlock_with_device(&edited_down, &f.device, &seen), TAMPERED);
    expect(unlock_with_passphrase(&edited_down, PASS), TAMPERED);
    // Edited without the history: malformed at parse.
    expect(
        AccountBundle::parse(&edit(&two, |v| v["body"]["generation"] = 3.into())),
        MALFORMED,
    );
    // History entries swapped between generations, or one taken from an older bundle.
    let one_json: Value = serde_json::from_slice(&one.to_bytes()).unwrap();
    let moves: [&dyn Fn(&mut Value); 2] = [
        &|v| {
            let history = &mut v["body"]["history"];
            let first = history[0]["wrapped_root"].clone();
            history[0]["wrapped_root"] = history[1]["wrapped_root"].clone();
            history[1]["wrapped_root"] = first;
        },
        &|v| v["body"]["history"][0] = one_json["body"]["history"][0].clone(),
    ];
    for moved in moves {
        let bundle = parse(edit(&two, moved));
        for kind in [1u8, 2, 3] {
            expect(unlock_by(&bundle, kind), TAMPERED);
        }
        expect(unlock_with_device(&bundle, &f.device, &seen), TAMPERED);
    }
}

#[test]
fn hpke_psk_inputs_are_refused_before_any_diffie_hellman() {
    let pk = HpkeSecretKey::from_bytes([5; 32]).public_key();
    let cases = [
        (&[1u8; 31][..], &b"id"[..]),
        (&[1; 32], b""),
        (&[], b"id"),
        (&[], b""),
    ];
    for (psk, psk_id) in cases {
        let r = hpke::setup_sender(&pk, None, Some(Psk { psk, psk_id }), b"");
        assert_err!(
            r,
            Error::InvalidLength { .. },
            "psk {} id {}",
            psk.len(),
            psk_id.len()
        );
    }
}

// ---------------------------------------------------------------------------------------
// Bounds and options that must survive (mutants cargo-mutants found uncaught)
// ---------------------------------------------------------------------------------------

/// However a caller writes (here in 1000-byte pieces, never a whole batch at once), a sealer
/// holds at most one batch of plaintext, plus, in parallel, one sealed batch waiting to be
/// written while the next is sealed: everything before has been written out. A sealer
/// that kept appending would hold a whole video in memory.
#[test]
fn a_sealer_written_in_small_pieces_buffers_at_most_one_batch() {
    for (parallel, batch) in [
        (false, stream::SEQUENTIAL_BATCH_BYTES),
        (true, 2 * stream::BATCH_BYTES),
    ] {
        let opts = small().with_parallel(parallel);
        let pt = pattern(3 * batch + 12_345);
        let mut sealer =
            hazmat::sealer_with_salt(&key(), &ID, KIND, Vec::new(), &opts, [7; 32]).unwrap();
        let mut written = 0;
        for piece in pt.chunks(1000) {
            sealer.write_all(piece).unwrap();
            written += piece.len();
            // Every chunk written out so far is a full one.
            let out = sealer.get_mut().len() - H;
            assert_eq!(out % STRIDE, 0);
            let buffered = written - out / STRIDE * C;
            assert!(
                buffered <= batch,
                "parallel {parallel}: {buffered} bytes buffered"
            );
        }
        let out = sealer.finish().unwrap();
        assert!(out == hazmat::seal_with_salt(&key(), &ID, KIND, &pt, &opts, [7; 32]));
    }
}

/// A caller (or a binding) that asks the file helper for small chunks, so that a range read
/// fetches little from the server, gets them: the options are not dropped on the way.
#[test]
fn the_file_helper_seals_with_the_chunk_size_it_is_given() {
    let dir = temp_dir("file-options");
    let (src, dst) = (dir.join("plain"), dir.join("sealed"));
    std::fs::write(&src, pattern(1000)).unwrap();
    let options = keepsake::FileOptions::new().seal_options(small());
    let n = keepsake::seal_file(&key(), &ID, KIND, &src, &dst, options).unwrap();
    let sealed = std::fs::read(&dst).unwrap();
    assert_eq!(Header::parse(&sealed).unwrap().chunk_size_log2(), 8);
    assert_eq!(n, stream::sealed_len(1000, 8).unwrap());
    assert_eq!(n, sealed.len() as u64);
    let _ = std::fs::remove_dir_all(&dir);
}
