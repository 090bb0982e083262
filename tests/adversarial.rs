//! The adversarial suite (issue 6): a fully malicious server stores and returns every byte
//! Keepsake produces and may truncate, reorder, replay, swap, splice and forge them. Each
//! case names the attack and asserts the *specific* `keepsake::Error` variant.
//!
//! Groups: format parsing; stream integrity; key management; KDF parameters; context
//! binding; misuse; resource exhaustion. What `tests/stream.rs`, `tests/account.rs` and the
//! vector files already pin down (header bit flips through `open`, the `Opener`'s released
//! prefix, planted device slots, ...) is not repeated here: this file covers the push
//! opener, the remaining X25519 and slot attacks, parameter downgrades, binding with equal
//! key bytes, concurrency and allocation-driving inputs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Cursor, Read, Write};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use chacha20poly1305::aead::inout::InOutBuf;
use chacha20poly1305::{AeadInOut, ChaCha20Poly1305, KeyInit, XChaCha20Poly1305};
use keepsake::account::{
    AccountBundle, DeviceKey, Keyring, unlock_with_device, unlock_with_passphrase,
    unlock_with_recovery,
};
use keepsake::envelope::{AlbumBlob, MediaBlob};
use keepsake::hpke::{self, HpkePublicKey, HpkeSecretKey, Psk};
use keepsake::kdf::{self, KdfParams};
use keepsake::recovery::PhraseProblem;
use keepsake::sharing::{GRANT_LEN, fingerprint};
use keepsake::stream::{self, Header, Opener, PushOpener, RangePlan, SealOptions};
use keepsake::{AlbumId, AlbumKey, Error, MediaId, MediaKey, MediaKind, RecoveryPhrase, hazmat};
use serde_json::Value;

/// Asserts that a result is the error matching a pattern.
macro_rules! assert_err {
    ($result:expr, $pat:pat $(if $guard:expr)?) => {
        assert_err!($result, $pat $(if $guard)?, "")
    };
    ($result:expr, $pat:pat $(if $guard:expr)?, $($what:tt)+) => {
        match $result {
            Err(e) => assert!(
                matches!(e, $pat $(if $guard)?),
                "expected {}, got {e:?}: {}", stringify!($pat), format!($($what)+)
            ),
            Ok(_) => panic!("expected {}, got Ok: {}", stringify!($pat), format!($($what)+)),
        }
    };
}

const ID: MediaId = MediaId::from_bytes([0x11; 16]);
const KIND: MediaKind = MediaKind::Original;
const C: usize = 256;
const H: usize = stream::HEADER_LEN;
const STRIDE: usize = C + 16;
/// A check of an error's variant.
type Check = fn(&Error) -> bool;
const DF: Check = |e| matches!(e, Error::DecryptionFailed);
const TRUNCATED: Check = |e| matches!(e, Error::TruncatedStream);
const TRAILING: Check = |e| matches!(e, Error::TrailingData);
const EMPTY: Check = |e| matches!(e, Error::EmptyFinalChunk);
const WRONG_RECIPIENT: Check = |e| matches!(e, Error::GrantWrongRecipient);
const WRONG_SENDER: Check = |e| matches!(e, Error::GrantWrongSender);
const WRONG_ALBUM: Check = |e| matches!(e, Error::GrantWrongAlbum);
const WRONG_PASS: Check = |e| matches!(e, Error::WrongPassphrase);
const WRONG_PHRASE: Check = |e| matches!(e, Error::WrongRecoveryPhrase);
const TAMPERED: Check = |e| matches!(e, Error::BundleTampered);
const MISMATCH: Check = |e| matches!(e, Error::IdentityMismatch);
const TOO_LARGE: Check = |e| matches!(e, Error::TooLarge { .. });
const LOW: Check = |e| matches!(e, Error::InvalidPublicKey);
const MALFORMED: Check = |e| matches!(e, Error::MalformedBundle { .. });

/// Asserts that `result` is an error passing `check`.
#[track_caller]
fn expect<T>(result: keepsake::Result<T>, check: Check) {
    match result {
        Err(e) => assert!(check(&e), "unexpected error {e:?}"),
        Ok(_) => panic!("expected an error, got Ok"),
    }
}

const PASS: &str = "correct horse battery staple";
const ALBUM: AlbumId = AlbumId::from_bytes([0xa1; 16]);

/// X25519 points whose shared secret is all zeros: 0, 1, the two points of order 8, p - 1,
/// p, p + 1, and the same with the (ignored) top bit set.
fn low_order_points() -> Vec<[u8; 32]> {
    let mut points = vec![[0u8; 32], [0u8; 32]];
    points[1][0] = 1;
    for h in [
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    ] {
        points.push(hex::decode(h).unwrap().try_into().unwrap());
    }
    for low in [0xec, 0xed, 0xee] {
        let mut p = [0xff; 32];
        p[0] = low;
        p[31] = 0x7f;
        points.push(p);
    }
    let high: Vec<[u8; 32]> = points
        .iter()
        .map(|p| {
            let mut p = *p;
            p[31] |= 0x80;
            p
        })
        .collect();
    points.extend(high);
    points
}

fn key() -> MediaKey {
    MediaKey::from_bytes([0x42; 32])
}

fn small() -> SealOptions {
    SealOptions::new().with_chunk_size_log2(8).unwrap()
}

fn pattern(n: usize) -> Vec<u8> {
    keepsake_tests::pattern(7, n)
}

/// Three chunks, the last short: 256 + 256 + 188 bytes, sealed to 836 bytes.
fn three_chunks() -> (Vec<u8>, Vec<u8>) {
    let pt = pattern(2 * C + 188);
    let sealed = hazmat::seal_with_salt(&key(), &ID, KIND, &pt, &small(), [0x5a; 32]);
    (pt, sealed)
}

/// Chunk `index` sealed by hand under the payload key of `sealed`'s header.
fn raw_chunk(sealed: &[u8], index: u64, last: bool, pt: &[u8]) -> Vec<u8> {
    let context = sealed[..stream::CONTEXT_LEN].try_into().unwrap();
    let salt = sealed[stream::CONTEXT_LEN..stream::CONTEXT_LEN + 32]
        .try_into()
        .unwrap();
    let (payload_key, _) = hazmat::stream_key_schedule(&key(), &context, &salt);
    let mut nonce = [0u8; 12];
    nonce[3..11].copy_from_slice(&index.to_be_bytes());
    nonce[11] = u8::from(last);
    let mut body = pt.to_vec();
    let tag = ChaCha20Poly1305::new(&(*payload_key).into())
        .encrypt_inout_detached(&nonce.into(), b"", InOutBuf::from(body.as_mut_slice()))
        .unwrap();
    body.extend_from_slice(&tag);
    body
}

/// Pushes `sealed` to a `PushOpener` in pieces of `step` bytes, then finishes. Returns the
/// plaintext released and the outcome; after an error, checks that every later call
/// returns the same error.
fn push_open(sealed: &[u8], step: usize) -> (Vec<u8>, Result<(), Error>) {
    let mut opener = PushOpener::new(&key(), &ID, KIND);
    let mut released = Vec::new();
    let mut outcome = Ok(());
    for piece in sealed.chunks(step) {
        match opener.push(piece) {
            Ok(pt) => released.extend(pt),
            Err(e) => {
                outcome = Err(e);
                break;
            }
        }
    }
    if outcome.is_ok() {
        match opener.finish() {
            Ok(pt) => released.extend(pt),
            Err(e) => outcome = Err(e),
        }
    }
    if let Err(e) = &outcome {
        for again in [opener.push(b"more"), opener.finish(), opener.push(b"")] {
            assert_eq!(format!("{:?}", again.unwrap_err()), format!("{e:?}"));
        }
    }
    (released, outcome)
}

/// The one-shot `open`, the `Opener`, `open_range` of everything and the `PushOpener` (in
/// pieces of several sizes) must agree on `sealed`: the same plaintext or the same error,
/// and only a whole-chunk prefix of `pt` released before it. Returns the error.
#[track_caller]
fn all_openers_agree(sealed: &[u8], pt: &[u8], what: &str) -> Option<Error> {
    let reference = stream::open(&key(), &ID, KIND, sealed);
    let want = match &reference {
        Ok(full) => {
            assert!(full == pt, "{what}: opened to other bytes");
            "Ok".to_string()
        }
        Err(e) => format!("{e:?}"),
    };
    let show = |r: Result<(), &Error>| r.map_or_else(|e| format!("{e:?}"), |()| "Ok".into());
    let via_opener = match Opener::new(&key(), &ID, KIND, sealed) {
        Err(e) => format!("{e:?}"),
        Ok(mut opener) => {
            let mut out = Vec::new();
            let r = opener.read_to_end(&mut out).map_err(Error::from_io);
            assert!(
                pt.starts_with(&out) && (r.is_ok() || out.len() % C == 0),
                "{what}"
            );
            show(r.as_ref().map(|_| ()))
        }
    };
    assert_eq!(via_opener, want, "{what}: Opener");
    let range = stream::open_range(&key(), &ID, KIND, &mut Cursor::new(sealed), 0, u64::MAX);
    assert_eq!(show(range.as_ref().map(|_| ())), want, "{what}: open_range");
    for step in [1, 13, STRIDE, STRIDE + 1, usize::MAX] {
        let (released, outcome) = push_open(sealed, step);
        assert_eq!(
            show(outcome.as_ref().copied()),
            want,
            "{what}: push step {step}"
        );
        if outcome.is_ok() {
            assert!(released == pt, "{what}: step {step}");
        } else {
            assert!(
                pt.starts_with(&released),
                "{what}: step {step} released garbage"
            );
            assert_eq!(released.len() % C, 0, "{what}: step {step} partial chunk");
        }
    }
    reference.err()
}

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
    // HPKE DeriveKeyPair needs 32 bytes of input keying material.
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
        .grant_album(&alice.album_key(ALBUM, 0), &bob.identity_public_key())
        .unwrap();
    let accept = |g: &[u8]| bob.accept_grant(g, &alice.identity_public_key(), None);
    for len in (1..GRANT_LEN).chain([GRANT_LEN + 1, 4096]) {
        let mut g = grant.clone();
        g.resize(len, 0);
        assert_err!(accept(&g), Error::MalformedGrant { .. }, "len {len}");
        g[0] = 0;
        assert_err!(accept(&g), Error::UnsupportedVersion(0), "len {len}");
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
fn low_order_x25519_keys_are_refused_wherever_a_public_key_enters() {
    let f = fixture();
    let (alice, bob) = (keyring(1), keyring(2));
    let (alice_id, album) = (alice.identity_public_key(), alice.album_key(ALBUM, 0));
    let grant = alice.grant_album(&album, &bob.identity_public_key());
    let grant = grant.unwrap();
    let sk = HpkeSecretKey::from_bytes([5; 32]);
    let own = *sk.public_key().as_bytes();
    let psk = Some(Psk {
        psk: &[1; 32],
        psk_id: b"id",
    });
    for point in low_order_points() {
        let low = HpkePublicKey::from_bytes(point);
        // HPKE: every mode, sender and recipient side.
        expect(hpke::seal_base(&low, b"", b"", b"x"), LOW);
        expect(hpke::seal_auth(&low, &sk, b"", b"", b"x"), LOW);
        expect(hpke::setup_sender(&low, None, psk, b""), LOW);
        expect(hpke::open_base(&sk, &point, b"", b"", &[0; 48]), LOW);
        expect(hpke::setup_recipient(&sk, Some(&low), None, &own, b""), LOW);
        // Enrolling a device, sharing to a recipient.
        expect(f.keyring.enroll_device(&f.bundle, &low), LOW);
        expect(alice.grant_album(&album, &low), LOW);
        // A grant whose enc, or whose (expected) sender, is low order: before the AEAD.
        let mut bad_enc = grant.clone();
        bad_enc[89..121].copy_from_slice(&point);
        expect(bob.accept_grant(&bad_enc, &alice_id, None), LOW);
        let mut bad_sender = grant.clone();
        bad_sender[1..33].copy_from_slice(&point);
        expect(bob.accept_grant(&bad_sender, &low, None), LOW);
        // A device slot whose enc is low order.
        let enc = |v: &mut Value| v["body"]["devices"][0]["enc"] = hex::encode(point).into();
        let planted = AccountBundle::parse(&edit(&f.bundle, enc)).unwrap();
        expect(unlock_with_device(&planted, &f.device, &f.pin), LOW);
        // A low-order identity in the bundle is just not this account's identity.
        let identity = |v: &mut Value| v["body"]["identity"] = hex::encode(point).into();
        let planted = AccountBundle::parse(&edit(&f.bundle, identity)).unwrap();
        let r = unlock_with_device(&planted, &f.device, &f.pin);
        expect(r, MISMATCH);
    }
}

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
    let album = alice.album_key(ALBUM, 0);
    let to_mallory = alice.grant_album(&album, &mallory_id).unwrap();
    // Relayed as is, Bob refuses it; Mallory opens it (that is what the fingerprint is for).
    expect(
        bob.accept_grant(&to_mallory, &alice.identity_public_key(), None),
        WRONG_RECIPIENT,
    );
    let stolen = mallory
        .accept_grant(&to_mallory, &alice.identity_public_key(), None)
        .unwrap();
    // Re-granted by Mallory as herself: Bob expects Alice.
    let regrant = mallory.grant_album(&stolen, &bob_id).unwrap();
    expect(
        bob.accept_grant(&regrant, &alice.identity_public_key(), None),
        WRONG_SENDER,
    );
    // Re-granted with Alice's key written in the sender field: HPKE Auth fails.
    let mut claimed = regrant.clone();
    claimed[1..33].copy_from_slice(alice.identity_public_key().as_bytes());
    expect(
        bob.accept_grant(&claimed, &alice.identity_public_key(), None),
        DF,
    );
    // Mallory substituting the recipient field of Alice's grant to Bob, pointing it at herself.
    let to_bob = alice.grant_album(&album, &bob_id).unwrap();
    let mut redirected = to_bob.clone();
    redirected[33..65].copy_from_slice(mallory_id.as_bytes());
    expect(
        mallory.accept_grant(&redirected, &alice.identity_public_key(), None),
        DF,
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
    unlock_with_device(&swapped, &second, &f.pin).unwrap_err();
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
// KDF parameters
// ---------------------------------------------------------------------------------------

#[test]
fn parameters_outside_floor_and_ceiling_are_refused_at_parse_before_argon2() {
    let f = fixture();
    let weak: Check = |e| matches!(e, Error::KdfParamsTooWeak { .. });
    let costly: Check = |e| matches!(e, Error::KdfParamsTooCostly { .. });
    let cases: [(u32, u32, u32, Check); 10] = [
        (19455, 2, 1, weak),
        (19456, 1, 1, weak),
        (19456, 2, 0, weak),
        (0, 0, 0, weak),
        (1, 1000, 1000, weak), // below the floor is reported first
        (1_048_577, 2, 1, costly),
        (19456, 65, 1, costly),
        (19456, 2, 9, costly),
        (32 * 1024 + 4, 64, 1, costly), // m * t just over 2 GiB of work
        (u32::MAX, u32::MAX, u32::MAX, costly),
    ];
    for (m, t, p, is) in cases {
        let bytes = edit(&f.bundle, |v| {
            v["body"]["passphrase"]["kdf"] =
                serde_json::json!({"memory_kib": m, "iterations": t, "parallelism": p});
        });
        let started = Instant::now();
        let err = AccountBundle::parse(&bytes).unwrap_err();
        assert!(is(&err), "({m}, {t}, {p}): {err:?}");
        assert!(
            started.elapsed() < Duration::from_millis(20),
            "({m}, {t}, {p}) took time"
        );
        // The same values given to the KDF directly.
        assert!(is(&KdfParams::new(m, t, p).unwrap_err()));
    }
}

#[test]
fn a_downgrade_of_any_parameter_makes_the_slot_fail_to_open() {
    let strong = KdfParams::new(19456, 3, 1).unwrap();
    let phrase = hazmat::recovery_phrase_from_secret([8; 32]);
    let bundle = hazmat::new_bundle(
        [6; 32], PASS, &strong, &phrase, [1; 16], [2; 24], [3; 16], [4; 24],
    )
    .unwrap();
    for (m, t, p) in [(19456, 2, 1), (19460, 3, 1), (19456, 3, 2)] {
        let bytes = edit(&bundle, |v| {
            v["body"]["passphrase"]["kdf"] =
                serde_json::json!({"memory_kib": m, "iterations": t, "parallelism": p});
        });
        let downgraded = AccountBundle::parse(&bytes).unwrap();
        assert_eq!(downgraded.kdf_params(), KdfParams::new(m, t, p).unwrap());
        assert_err!(
            unlock_with_passphrase(&downgraded, PASS),
            Error::WrongPassphrase,
            "({m}, {t}, {p})"
        );
    }
    unlock_with_passphrase(&bundle, PASS).unwrap();
}

#[test]
fn another_algorithm_or_argon2_version_cannot_be_named() {
    let f = fixture();
    for (field, value) in [
        ("algorithm", serde_json::json!("argon2i")),
        ("algorithm", serde_json::json!("argon2d")),
        ("version", serde_json::json!(16)),
        ("secret", serde_json::json!("00")),
    ] {
        let bytes = edit(&f.bundle, |v| v["body"]["passphrase"]["kdf"][field] = value);
        assert_err!(
            AccountBundle::parse(&bytes),
            Error::MalformedBundle { .. },
            "{field}"
        );
    }
    let missing = edit(&f.bundle, |v| {
        v["body"]["passphrase"]["kdf"]
            .as_object_mut()
            .unwrap()
            .remove("parallelism");
    });
    expect(AccountBundle::parse(&missing), MALFORMED);
}

// ---------------------------------------------------------------------------------------
// Context binding
// ---------------------------------------------------------------------------------------

#[test]
fn media_metadata_moved_to_another_item_or_purpose_fails() {
    let k = key();
    let other = MediaId::from_bytes([0x12; 16]);
    let meta = k
        .seal_blob(&ID, MediaBlob::Metadata, b"{\"name\":\"IMG_1.jpg\"}")
        .unwrap();
    expect(k.open_blob(&other, MediaBlob::Metadata, &meta), DF);
    expect(k.open_blob(&ID, MediaBlob::Caption, &meta), DF);
    // Under an album key with the same bytes, as any album envelope: another purpose.
    let album = AlbumKey::from_bytes(ALBUM, 0, [0x42; 32]);
    expect(album.open_blob(AlbumBlob::Metadata, &meta), DF);
    expect(album.unwrap_media_key(&ID, &meta), DF);
    assert_eq!(
        k.open_blob(&ID, MediaBlob::Metadata, &meta).unwrap(),
        b"{\"name\":\"IMG_1.jpg\"}"
    );
}

#[test]
fn media_key_moved_to_another_album_or_epoch_fails_even_with_equal_key_bytes() {
    // Binding, not just key separation: the album key bytes are the same in every case.
    let bytes = [0x33; 32];
    let wrapped = AlbumKey::from_bytes(ALBUM, 7, bytes)
        .wrap_media_key(&ID, &key())
        .unwrap();
    let name = AlbumKey::from_bytes(ALBUM, 7, bytes)
        .seal_blob(AlbumBlob::Name, b"Summer")
        .unwrap();
    let other_album = AlbumId::from_bytes([0xa2; 16]);
    for (album, epoch) in [
        (other_album, 7),
        (ALBUM, 6),
        (ALBUM, 8),
        (ALBUM, 7 + (1 << 32)),
    ] {
        let moved = AlbumKey::from_bytes(album, epoch, bytes);
        assert_err!(
            moved.unwrap_media_key(&ID, &wrapped),
            Error::DecryptionFailed,
            "{album} {epoch}"
        );
        expect(moved.open_blob(AlbumBlob::Name, &name), DF);
    }
    let same = AlbumKey::from_bytes(ALBUM, 7, bytes);
    assert_err!(
        same.unwrap_media_key(&MediaId::from_bytes([0x12; 16]), &wrapped),
        Error::DecryptionFailed
    );
    expect(same.open_blob(AlbumBlob::Name, &wrapped), DF);
    same.unwrap_media_key(&ID, &wrapped).unwrap();
}

#[test]
fn a_stream_served_as_another_item_or_rendition_fails_in_every_open_path() {
    let (_, sealed) = three_chunks();
    let other = MediaId::from_bytes([0x12; 16]);
    for (id, kind) in [
        (other, KIND),
        (ID, MediaKind::Thumbnail),
        (ID, MediaKind::Sidecar),
    ] {
        let mut p = PushOpener::new(&key(), &id, kind);
        expect(p.push(&sealed[..H]), DF);
        expect(stream::open(&key(), &id, kind, &sealed), DF);
        let (r, left_behind) = open_file(&sealed, id, kind);
        expect(r, DF);
        assert!(!left_behind);
    }
}

#[test]
fn a_grant_rewritten_or_replayed_to_another_user_album_or_epoch_is_refused() {
    let (alice, bob, carol) = (keyring(1), keyring(2), keyring(4));
    let alice_id = alice.identity_public_key();
    let grant = alice
        .grant_album(&alice.album_key(ALBUM, 4), &bob.identity_public_key())
        .unwrap();
    // Replayed to Carol: addressed to Bob.
    expect(carol.accept_grant(&grant, &alice_id, None), WRONG_RECIPIENT);
    // Recipient field rewritten to Carol: the HPKE info changed, and it was sealed to Bob.
    let mut to_carol = grant.clone();
    to_carol[33..65].copy_from_slice(carol.identity_public_key().as_bytes());
    expect(carol.accept_grant(&to_carol, &alice_id, None), DF);
    // The epoch-4 grant replayed when Bob expects epoch 5, or another album.
    expect(
        bob.accept_grant(&grant, &alice_id, Some((ALBUM, 5))),
        WRONG_ALBUM,
    );
    // Album or epoch fields rewritten: refused by the expectation, or by HPKE without one.
    for (at, what) in [(65, "album"), (88, "epoch")] {
        let mut moved = grant.clone();
        moved[at] ^= 1;
        assert_err!(
            bob.accept_grant(&moved, &alice_id, Some((ALBUM, 4))),
            Error::GrantWrongAlbum,
            "{what}"
        );
        assert_err!(
            bob.accept_grant(&moved, &alice_id, None),
            Error::DecryptionFailed,
            "{what}"
        );
    }
    let key = bob
        .accept_grant(&grant, &alice_id, Some((ALBUM, 4)))
        .unwrap();
    assert_eq!((key.album_id(), key.epoch()), (ALBUM, 4));
}

#[test]
fn slot_envelopes_swapped_or_spliced_between_slots_and_bundles_are_refused() {
    let f = fixture();
    let json: Value = serde_json::from_slice(&f.bundle.to_bytes()).unwrap();
    let (pass_wrap, rec_wrap) = (
        json["body"]["passphrase"]["wrapped_root"].clone(),
        json["body"]["recovery"]["wrapped_root"].clone(),
    );
    let swapped = edit(&f.bundle, |v| {
        v["body"]["passphrase"]["wrapped_root"] = rec_wrap;
        v["body"]["recovery"]["wrapped_root"] = pass_wrap;
    });
    let swapped = AccountBundle::parse(&swapped).unwrap();
    expect(unlock_with_passphrase(&swapped, PASS), WRONG_PASS);
    expect(unlock_with_recovery(&swapped, &f.phrase), WRONG_PHRASE);
    // The old passphrase slot spliced into the bundle written after a passphrase change: it
    // opens to the right root, but the MAC of the new bundle does not cover it.
    let changed = f
        .keyring
        .change_passphrase(&f.bundle, "new passphrase", &KdfParams::FLOOR)
        .unwrap();
    let old_slot = json["body"]["passphrase"].clone();
    let rolled_back = edit(&changed, |v| v["body"]["passphrase"] = old_slot);
    let rolled_back = AccountBundle::parse(&rolled_back).unwrap();
    expect(unlock_with_passphrase(&rolled_back, PASS), TAMPERED);
}

// ---------------------------------------------------------------------------------------
// Misuse
// ---------------------------------------------------------------------------------------

#[test]
fn a_sealer_dropped_without_finish_is_refused_by_the_push_opener_and_open_file() {
    let pt = pattern(stream::BATCH_BYTES + 5000);
    let mut out = Vec::new();
    let mut sealer =
        hazmat::sealer_with_salt(&key(), &ID, KIND, &mut out, &small(), [7; 32]).unwrap();
    sealer.write_all(&pt).unwrap();
    drop(sealer);
    assert!(out.len() > H && (out.len() as u64) < stream::sealed_len(pt.len() as u64, 8).unwrap());
    let (released, outcome) = push_open(&out, 4096);
    expect(outcome, TRUNCATED);
    assert!(pt.starts_with(&released));
    let (r, left_behind) = open_file(&out, ID, KIND);
    expect(r, TRUNCATED);
    assert!(!left_behind, "nothing under the destination name");
}

/// Accepts `budget` bytes, then fails every write.
#[derive(Debug)]
struct FailingWriter {
    budget: usize,
}

impl Write for FailingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.budget < buf.len() {
            return Err(std::io::ErrorKind::BrokenPipe.into());
        }
        self.budget -= buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_sealer_whose_writer_failed_keeps_failing_and_cannot_finish() {
    let opts = small().with_parallel(false);
    let mut sealer = keepsake::stream::Sealer::with_options(
        &key(),
        &ID,
        KIND,
        FailingWriter { budget: H },
        &opts,
    )
    .unwrap();
    let batch = stream::SEQUENTIAL_BATCH_BYTES;
    let broken =
        |e: &Error| matches!(e, Error::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe);
    sealer.write_all(&pattern(batch)).unwrap(); // buffered: nothing sealed yet
    let err = Error::from_io(sealer.write_all(b"more").unwrap_err());
    assert!(broken(&err), "{err:?}");
    for _ in 0..3 {
        assert!(broken(&Error::from_io(sealer.write(b"x").unwrap_err())));
        assert!(broken(&Error::from_io(sealer.flush().unwrap_err())));
    }
    let err = sealer.finish().unwrap_err();
    assert!(broken(&err), "{err:?}");
}

#[test]
fn concurrent_pushes_to_a_shared_push_opener_release_only_an_authentic_prefix() {
    let pt = pattern(40 * C + 77);
    let sealed = hazmat::seal_with_salt(&key(), &ID, KIND, &pt, &small(), [3; 32]);
    let pieces: Vec<Vec<u8>> = sealed.chunks(100).map(<[u8]>::to_vec).collect();
    for round in 0..20 {
        let shared = Arc::new(Mutex::new((
            PushOpener::new(&key(), &ID, KIND),
            Vec::new(),
            Vec::new(),
            None,
        )));
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let (shared, next, pieces) = (shared.clone(), next.clone(), pieces.clone());
                std::thread::spawn(move || {
                    loop {
                        // Ordered rounds take the next piece under the lock; racy rounds
                        // take it before, so pieces may arrive out of order.
                        let racy = round % 2 == 1;
                        let mut taken =
                            racy.then(|| next.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
                        if racy && t % 2 == 0 {
                            std::thread::yield_now();
                        }
                        let mut guard = shared.lock().unwrap();
                        let (opener, order, released, error) = &mut *guard;
                        let i = *taken.get_or_insert_with(|| {
                            next.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                        });
                        let Some(piece) = pieces.get(i) else { return };
                        order.push(i);
                        match opener.push(piece) {
                            Ok(out) => released.extend(out),
                            Err(e) => *error = Some(format!("{e:?}")),
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let (mut opener, order, mut released, error) =
            Arc::try_unwrap(shared).unwrap().into_inner().unwrap();
        let in_order = order.windows(2).all(|w| w[0] < w[1]);
        match opener.finish() {
            Ok(out) => released.extend(out),
            Err(e) => assert!(
                error
                    .as_deref()
                    .is_none_or(|first| first == format!("{e:?}"))
            ),
        }
        assert!(
            pt.starts_with(&released),
            "round {round}: released non-plaintext"
        );
        assert_eq!(in_order, released == pt, "round {round}: order {order:?}");
    }
}

#[test]
fn chunk_sizes_outside_the_format_are_refused_when_sealing() {
    for log2 in [0, 7, 23, 64, 255] {
        assert_err!(SealOptions::new().with_chunk_size_log2(log2), Error::ChunkSizeOutOfRange(x) if x == log2);
        assert_err!(stream::sealed_len(1, log2), Error::ChunkSizeOutOfRange(x) if x == log2);
    }
}

// ---------------------------------------------------------------------------------------
// Resource exhaustion
// ---------------------------------------------------------------------------------------

#[test]
fn a_bundle_with_a_million_device_entries_is_refused_fast() {
    let f = fixture();
    let json = String::from_utf8(f.bundle.to_bytes()).unwrap();
    let device = r#"{"public_key":"00","enc":"00","wrapped_root":"00"},"#;
    let million = json.replacen(
        "\"devices\":[",
        &format!("\"devices\":[{}", device.repeat(1_000_000)),
        1,
    );
    let started = Instant::now();
    assert_err!(
        AccountBundle::parse(million.as_bytes()),
        Error::TooLarge { max: 65536, .. }
    );
    assert!(
        started.elapsed() < Duration::from_millis(20),
        "{:?}",
        started.elapsed()
    );
    // Under the size cap: 65 well-formed, sorted slots are still too many; 64 parse.
    let slots = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| {
                let mut pk = [0u8; 32];
                pk[..2].copy_from_slice(&(i as u16).to_be_bytes());
                serde_json::json!({"public_key": hex::encode(pk), "enc": "11".repeat(32), "wrapped_root": "22".repeat(48)})
            })
            .collect()
    };
    let many = edit(&f.bundle, |v| v["body"]["devices"] = slots(65).into());
    assert!(many.len() < 65536);
    assert_err!(AccountBundle::parse(&many), Error::MalformedBundle { reason } if reason.contains("too many"));
    let max = AccountBundle::parse(&edit(&f.bundle, |v| {
        v["body"]["devices"] = slots(64).into()
    }))
    .unwrap();
    expect(unlock_with_passphrase(&max, PASS), TAMPERED);
}

#[test]
fn deeply_nested_or_huge_json_is_refused_without_overflowing_the_stack() {
    for depth in [200, 60_000] {
        let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let input = &nested.as_bytes()[..nested.len().min(65536)];
        expect(AccountBundle::parse(input), MALFORMED);
        let objects = r#"{"body":"#.repeat(depth / 8);
        expect(AccountBundle::parse(objects.as_bytes()), MALFORMED);
    }
    let long_string = format!(
        "{{\"body\":{{\"version\":1,\"identity\":\"{}\"",
        "a".repeat(65_000)
    );
    expect(AccountBundle::parse(long_string.as_bytes()), MALFORMED);
}

#[test]
fn oversized_envelopes_and_phrases_are_refused_before_any_work() {
    let k = key();
    let mut huge = vec![0u8; 64 << 20];
    huge[0] = 1;
    let started = Instant::now();
    assert_err!(k.open_blob(&ID, MediaBlob::Metadata, &huge), Error::TooLarge { max, .. } if max == (1 << 20) + 73);
    assert!(started.elapsed() < Duration::from_millis(5));
    let over = &huge[..(1 << 20) + 1];
    expect(k.seal_blob(&ID, MediaBlob::Caption, over), TOO_LARGE);
    let album = AlbumKey::from_bytes(ALBUM, 0, [1; 32]);
    expect(album.seal_blob(AlbumBlob::Name, over), TOO_LARGE);
    let words = "abandon ".repeat(2_000_000);
    let started = Instant::now();
    assert_err!(
        RecoveryPhrase::parse(&words),
        Error::InvalidRecoveryPhrase {
            problem: PhraseProblem::TooLong
        }
    );
    assert!(started.elapsed() < Duration::from_millis(5));
}

/// A reader over a small object that claims, when asked its length, to be far longer.
struct Liar {
    inner: Cursor<Vec<u8>>,
    claimed: u64,
}

fn liar(sealed: &[u8], claimed: u64) -> Liar {
    Liar {
        inner: Cursor::new(sealed.to_vec()),
        claimed,
    }
}

impl Read for Liar {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl std::io::Seek for Liar {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        match pos {
            std::io::SeekFrom::End(0) => Ok(self.claimed),
            other => self.inner.seek(other),
        }
    }
}

#[test]
fn a_range_read_over_a_lying_length_allocates_no_more_than_a_batch() {
    let (pt, sealed) = three_chunks();
    for claimed in [sealed.len() as u64 + 1, 1 << 40, u64::MAX] {
        let started = Instant::now();
        for (offset, len) in [(0, 10), (300, 1000), (0, u64::MAX)] {
            let r = stream::open_range(&key(), &ID, KIND, &mut liar(&sealed, claimed), offset, len);
            match (offset, len) {
                (0, 10) => assert_eq!(r.unwrap(), &pt[..10]), // chunk 0 is genuine
                _ => expect(r, TRUNCATED), // the object ends before its claimed length
            }
        }
        let r = stream::open_range(&key(), &ID, KIND, &mut liar(&sealed, claimed), u64::MAX, 1);
        assert_err!(
            r,
            Error::RangeOutOfBounds {
                offset: u64::MAX,
                ..
            }
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }
    // Planning alone never overflows.
    let header = Header::parse(&sealed).unwrap();
    for (total, offset, len) in [
        (u64::MAX, 0, u64::MAX),
        (u64::MAX, u64::MAX - 1, 5),
        (89, 0, u64::MAX),
    ] {
        match RangePlan::new(&header, total, offset, len) {
            Ok(plan) => assert!(plan.sealed_offset.checked_add(plan.sealed_len).is_some()),
            Err(e) => assert!(matches!(e, Error::RangeOutOfBounds { .. }), "{e:?}"),
        }
    }
    expect(stream::sealed_len(u64::MAX, 8), TOO_LARGE);
}

#[test]
fn endless_garbage_after_a_genuine_header_stops_at_the_first_batch() {
    // The largest chunk size: an opener may buffer a few 4 MiB chunks, never more.
    let sealed = stream::seal_with(
        &key(),
        &ID,
        KIND,
        b"",
        &SealOptions::new().with_chunk_size_log2(22).unwrap(),
    )
    .unwrap();
    let header = sealed[..H].to_vec();
    let endless = Cursor::new(header.clone()).chain(std::io::repeat(0));
    let mut opener = Opener::new(&key(), &ID, KIND, endless).unwrap();
    let mut sink = Vec::new();
    let err = Error::from_io(opener.read_to_end(&mut sink).unwrap_err());
    assert!(
        matches!(err, Error::DecryptionFailed) && sink.is_empty(),
        "{err:?}"
    );
    assert!(opener.chunks_read() <= 64);
    let mut push = PushOpener::new(&key(), &ID, KIND);
    push.push(&header).unwrap();
    assert_err!(push.push(&vec![0u8; 32 << 20]), Error::DecryptionFailed);
}

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

/// A keyring for a fixed root: no Argon2id needed.
fn keyring(n: u8) -> Keyring {
    hazmat::keyring_from_root([n; 32])
}

struct Fixture {
    keyring: Keyring,
    bundle: AccountBundle,
    phrase: RecoveryPhrase,
    device: DeviceKey,
    pin: HpkePublicKey,
}

/// One deterministic account with one enrolled device, made once for the whole file.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let phrase = hazmat::recovery_phrase_from_secret([0x99; 32]);
        let bundle = hazmat::new_bundle(
            [0x77; 32],
            PASS,
            &KdfParams::FLOOR,
            &phrase,
            [1; 16],
            [2; 24],
            [3; 16],
            [4; 24],
        )
        .unwrap();
        let keyring = hazmat::keyring_from_root([0x77; 32]);
        let device = DeviceKey::from_bytes([0x21; 32]);
        let (bundle, pin) = keyring
            .enroll_device(&bundle, &device.public_key())
            .unwrap();
        Fixture {
            keyring,
            bundle,
            phrase,
            device,
            pin,
        }
    })
}

/// Re-encodes a bundle after editing its JSON (field order preserved).
fn edit(bundle: &AccountBundle, f: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut value: Value = serde_json::from_slice(&bundle.to_bytes()).unwrap();
    f(&mut value);
    serde_json::to_vec(&value).unwrap()
}

/// Opens `sealed` with the file helper; returns the result and whether anything was left
/// under the destination name.
fn open_file(sealed: &[u8], id: MediaId, kind: MediaKind) -> (keepsake::Result<u64>, bool) {
    let dir = temp_dir("open-file");
    let (src, dst) = (dir.join("in"), dir.join("out"));
    std::fs::write(&src, sealed).unwrap();
    let r = keepsake::open_file(&key(), &id, kind, &src, &dst, Default::default());
    let left = dst.exists();
    let _ = std::fs::remove_dir_all(&dir);
    (r, left)
}

/// A fresh, empty folder for one test.
fn temp_dir(name: &str) -> std::path::PathBuf {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!(
        "keepsake-adversarial-{}-{name}-{n}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
