//! Shared fixtures and helpers of the adversarial suite (`adversarial.rs`,
//! `adversarial_context.rs`); each test binary uses a subset.

#![allow(
    dead_code,
    unused_imports,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

pub use std::io::{Cursor, Read, Write};
pub use std::sync::{Arc, Mutex, OnceLock};
pub use std::time::{Duration, Instant};

pub use chacha20poly1305::aead::inout::InOutBuf;
pub use chacha20poly1305::{AeadInOut, ChaCha20Poly1305, KeyInit, XChaCha20Poly1305};
pub use keepsake::account::{
    AccountBundle, AccountPin, DeviceKey, Keyring, unlock_with_device, unlock_with_passphrase,
    unlock_with_recovery,
};
pub use keepsake::envelope::{AlbumBlob, MediaBlob};
pub use keepsake::hpke::xwing::{self, XWingPublicKey, XWingSecretKey};
pub use keepsake::hpke::{self, HpkePublicKey, HpkeSecretKey, Psk};
pub use keepsake::identity::IdentityPublicKey;
pub use keepsake::kdf::{self, KdfParams};
pub use keepsake::recovery::PhraseProblem;
pub use keepsake::sharing::{GRANT_LEN, fingerprint};
pub use keepsake::stream::{self, Header, Opener, PushOpener, RangePlan, SealOptions};
pub use keepsake::{
    AlbumId, AlbumKey, Error, MediaId, MediaKey, MediaKind, RecoveryPhrase, hazmat,
};
pub use serde_json::Value;

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

pub const ID: MediaId = MediaId::from_bytes([0x11; 16]);
pub const KIND: MediaKind = MediaKind::Original;
pub const C: usize = 256;
pub const H: usize = stream::HEADER_LEN;
pub const STRIDE: usize = C + 16;
/// A check of an error's variant.
pub type Check = fn(&Error) -> bool;
pub const DF: Check = |e| matches!(e, Error::DecryptionFailed);
pub const TRUNCATED: Check = |e| matches!(e, Error::TruncatedStream);
pub const TRAILING: Check = |e| matches!(e, Error::TrailingData);
pub const EMPTY: Check = |e| matches!(e, Error::EmptyFinalChunk);
pub const WRONG_RECIPIENT: Check = |e| matches!(e, Error::GrantWrongRecipient);
pub const WRONG_SENDER: Check = |e| matches!(e, Error::GrantWrongSender);
pub const WRONG_ALBUM: Check = |e| matches!(e, Error::GrantWrongAlbum);
pub const WRONG_PASS: Check = |e| matches!(e, Error::WrongPassphrase);
pub const WRONG_PHRASE: Check = |e| matches!(e, Error::WrongRecoveryPhrase);
pub const TAMPERED: Check = |e| matches!(e, Error::BundleTampered);
pub const MISMATCH: Check = |e| matches!(e, Error::IdentityMismatch);
pub const TOO_LARGE: Check = |e| matches!(e, Error::TooLarge { .. });
pub const LOW: Check = |e| matches!(e, Error::InvalidPublicKey);
pub const MALFORMED: Check = |e| matches!(e, Error::MalformedBundle { .. });
pub const BAD_SIGNATURE: Check = |e| matches!(e, Error::GrantBadSignature);

/// Asserts that `result` is an error passing `check`.
#[track_caller]
pub fn expect<T>(result: keepsake::Result<T>, check: Check) {
    match result {
        Err(e) => assert!(check(&e), "unexpected error {e:?}"),
        Ok(_) => panic!("expected an error, got Ok"),
    }
}

pub const PASS: &str = "correct horse battery staple";
pub const ALBUM: AlbumId = AlbumId::from_bytes([0xa1; 16]);

/// X25519 points whose shared secret is all zeros: 0, 1, the two points of order 8, p - 1,
/// p, p + 1, and the same with the (ignored) top bit set.
pub fn low_order_points() -> Vec<[u8; 32]> {
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

/// A well-formed X-Wing public key (of a fixed seed).
pub fn xwing_public(seed: u8) -> [u8; xwing::PUBLIC_KEY_LEN] {
    *XWingSecretKey::from_seed([seed; 32])
        .public_key()
        .as_bytes()
}

/// `key` with its X25519 half (the last 32 bytes) replaced by `point`.
pub fn with_x25519_half<const N: usize>(mut key: [u8; N], point: &[u8; 32]) -> [u8; N] {
    key[N - 32..].copy_from_slice(point);
    key
}

/// A genuine X-Wing public key whose ML-KEM half fails FIPS 203's modulus check: its first
/// coefficient is 4095 (at least q = 3329). The X25519 half is intact.
pub fn modulus_failing(seed: u8) -> [u8; xwing::PUBLIC_KEY_LEN] {
    let mut key = xwing_public(seed);
    key[0] = 0xff;
    key[1] |= 0x0f;
    key
}

/// An X-Wing `enc` of the right length whose X25519 half is `point` (the ML-KEM half is a
/// genuine ciphertext's, which decapsulates by implicit rejection).
pub fn enc_with_x25519_half(point: &[u8; 32]) -> [u8; xwing::ENC_LEN] {
    let pk = XWingSecretKey::from_seed([0x5e; 32]).public_key();
    let (enc, _) = xwing::seal_base(&pk, b"", b"", b"x").unwrap();
    with_x25519_half(*enc, point)
}

pub fn key() -> MediaKey {
    MediaKey::from_bytes([0x42; 32])
}

pub fn small() -> SealOptions {
    SealOptions::new().with_chunk_size_log2(8).unwrap()
}

pub fn pattern(n: usize) -> Vec<u8> {
    keepsake_tests::pattern(7, n)
}

/// Three chunks, the last short: 256 + 256 + 188 bytes, sealed to 836 bytes.
pub fn three_chunks() -> (Vec<u8>, Vec<u8>) {
    let pt = pattern(2 * C + 188);
    let sealed = hazmat::seal_with_salt(&key(), &ID, KIND, &pt, &small(), [0x5a; 32]);
    (pt, sealed)
}

/// Chunk `index` sealed by hand under the payload key of `sealed`'s header.
pub fn raw_chunk(sealed: &[u8], index: u64, last: bool, pt: &[u8]) -> Vec<u8> {
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
pub fn push_open(sealed: &[u8], step: usize) -> (Vec<u8>, Result<(), Error>) {
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
pub fn all_openers_agree(sealed: &[u8], pt: &[u8], what: &str) -> Option<Error> {
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
// Fixtures
// ---------------------------------------------------------------------------------------

/// A keyring for a fixed root (generation 0) and a fixed identity secret: no Argon2id
/// needed. Each `n` gives another account.
pub fn keyring(n: u8) -> Keyring {
    hazmat::keyring_from_secrets(&[[n; 32]], [n.wrapping_add(0x80); 32])
}

/// The 280 bytes `create_account` draws (SPEC.md 7): root, identity secret, recovery
/// secret, passphrase salt and `eseed`, recovery salt and `eseed`, identity nonce.
pub fn account_randomness(root: u8, identity: u8, recovery: u8) -> Vec<u8> {
    [
        &[root; 32][..],
        &[identity; 32],
        &[recovery; 32],
        &[1; 16],
        &[2; 64],
        &[3; 16],
        &[4; 64],
        &[5; 24],
    ]
    .concat()
}

pub struct Fixture {
    pub keyring: Keyring,
    pub bundle: AccountBundle,
    pub phrase: RecoveryPhrase,
    pub device: DeviceKey,
    pub pin: AccountPin,
}

/// One deterministic account with one enrolled device, made once for the whole file.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let randomness = account_randomness(0x77, 0x78, 0x99);
        let new = hazmat::create_account_with(PASS, &KdfParams::FLOOR, &randomness).unwrap();
        let device = DeviceKey::from_bytes([0x21; 32]);
        let (bundle, pin) =
            hazmat::enroll_device_with(&new.keyring, &new.bundle, &device.public_key(), &[6; 64])
                .unwrap();
        Fixture {
            keyring: new.keyring,
            bundle,
            phrase: new.recovery_phrase,
            device,
            pin,
        }
    })
}

/// Re-encodes a bundle after editing its JSON (field order preserved).
pub fn edit(bundle: &AccountBundle, f: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut value: Value = serde_json::from_slice(&bundle.to_bytes()).unwrap();
    f(&mut value);
    serde_json::to_vec(&value).unwrap()
}

/// Opens `sealed` with the file helper; returns the result and whether anything was left
/// under the destination name.
pub fn open_file(sealed: &[u8], id: MediaId, kind: MediaKind) -> (keepsake::Result<u64>, bool) {
    let dir = temp_dir("open-file");
    let (src, dst) = (dir.join("in"), dir.join("out"));
    std::fs::write(&src, sealed).unwrap();
    let r = keepsake::open_file(&key(), &id, kind, &src, &dst, Default::default());
    let left = dst.exists();
    let _ = std::fs::remove_dir_all(&dir);
    (r, left)
}

/// A fresh, empty folder for one test.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
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

/// What anyone holding a bundle can do with a slot's public key: encapsulate a root of
/// their choosing to it (SPEC.md 5.4). Returns the slot's `enc` and `wrapped_root` as hex.
pub fn encapsulate_to(public_key: &Value, kind: u8, root: &[u8; 32]) -> (String, String) {
    let pk = hex::decode(public_key.as_str().unwrap()).unwrap();
    let pk = XWingPublicKey::from_slice(&pk).unwrap();
    let info = [
        keepsake::account::LABEL_ROOT_SLOT,
        &[kind],
        &pk.as_bytes()[..],
    ]
    .concat();
    let (enc, wrapped) = xwing::seal_base(&pk, &info, b"", root).unwrap();
    (hex::encode(&enc[..]), hex::encode(wrapped))
}

/// Recomputes the MAC of an edited bundle under `root` (SPEC.md 5.5), as a server can for
/// a root of its own.
pub fn remac(value: &mut Value, root: &[u8; 32]) {
    use hmac::Mac as _;
    let body = serde_json::to_vec(&value["body"]).unwrap();
    let mut mac_key = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(Some(&[]), root)
        .expand(keepsake::bundle::LABEL_BUNDLE_MAC, &mut mac_key)
        .unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&mac_key).unwrap();
    mac.update(&body);
    value["mac"] = hex::encode(mac.finalize().into_bytes()).into();
}
