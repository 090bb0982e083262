//! Shared pieces of the fuzz targets: a reader that cuts fixed-size fields off the front of
//! an input (zero-padded when the input is short, so every input is usable), the openers'
//! differential checks, and the allowed errors of each API.
//!
//! Input layouts are documented in `fuzz/README.md`; `fuzz/seed.sh` writes seeds in them
//! from `tests/vectors/` and, for the lifecycle records, from [`fixture`] (through
//! `fuzz/seedgen`).

pub mod fixture;

/// `keepsake_tests::pattern`: the vector generator's fixed bytes, so that targets whose
/// fixtures are vector files' identities (`selection_accept`, `link_open`, `drop_open`)
/// rebuild them.
pub fn pattern<const N: usize>(seed: u8) -> [u8; N] {
    let mut out = [0u8; N];
    for (i, b) in out.iter_mut().enumerate() {
        let i = i as u32;
        *b = (i.wrapping_mul(131) ^ (i >> 8).wrapping_mul(29) ^ u32::from(seed).wrapping_mul(97))
            as u8;
    }
    out
}

use std::io::{Cursor, Read};

use keepsake::stream::{self, OpenOptions, Opener, PushOpener};
use keepsake::{Error, MediaId, MediaKey, MediaKind};

/// Cuts fields off the front of a fuzz input.
pub struct Fields<'a>(pub &'a [u8]);

impl<'a> Fields<'a> {
    /// The next `N` bytes, zero-padded if the input ends first.
    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let n = N.min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        out
    }

    /// The next byte (0 when the input has ended).
    pub fn byte(&mut self) -> u8 {
        self.array::<1>()[0]
    }

    /// The next 8 bytes as a big-endian integer.
    pub fn u64(&mut self) -> u64 {
        u64::from_be_bytes(self.array())
    }

    /// The next 2 bytes as a big-endian integer.
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes(self.array())
    }

    /// The next `n` bytes (fewer if the input ends first).
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.0.split_at(n.min(self.0.len()));
        self.0 = tail;
        head
    }

    /// Everything left.
    pub fn rest(self) -> &'a [u8] {
        self.0
    }
}

/// A media kind from any byte.
pub fn kind(byte: u8) -> MediaKind {
    MediaKind::ALL[usize::from(byte % 4)]
}

/// The media key, media id and kind at the front of a stream input: 32 + 16 + 1 bytes.
pub fn stream_context(fields: &mut Fields<'_>) -> (MediaKey, MediaId, MediaKind) {
    let key = MediaKey::from_bytes(fields.array());
    let id = MediaId::from_bytes(fields.array());
    let kind = kind(fields.byte());
    (key, id, kind)
}

/// The variant name of an error, for comparing outcomes and checking allowed sets.
pub fn name(err: &Error) -> &'static str {
    match err {
        Error::DecryptionFailed => "DecryptionFailed",
        Error::BadMagic => "BadMagic",
        Error::UnsupportedVersion(_) => "UnsupportedVersion",
        Error::UnsupportedSuite(_) => "UnsupportedSuite",
        Error::ChunkSizeOutOfRange(_) => "ChunkSizeOutOfRange",
        Error::UnknownKind(_) => "UnknownKind",
        Error::TruncatedHeader { .. } => "TruncatedHeader",
        Error::TruncatedStream => "TruncatedStream",
        Error::TrailingData => "TrailingData",
        Error::EmptyFinalChunk => "EmptyFinalChunk",
        Error::TooLarge { .. } => "TooLarge",
        Error::InvalidLength { .. } => "InvalidLength",
        Error::RangeOutOfBounds { .. } => "RangeOutOfBounds",
        Error::InvalidPublicKey => "InvalidPublicKey",
        Error::KdfParamsTooWeak { .. } => "KdfParamsTooWeak",
        Error::KdfParamsTooCostly { .. } => "KdfParamsTooCostly",
        Error::InvalidRecoveryPhrase { .. } => "InvalidRecoveryPhrase",
        Error::WrongPassphrase => "WrongPassphrase",
        Error::WrongRecoveryPhrase => "WrongRecoveryPhrase",
        Error::DeviceNotEnrolled => "DeviceNotEnrolled",
        Error::MalformedBundle { .. } => "MalformedBundle",
        Error::BundleTampered => "BundleTampered",
        Error::IdentityMismatch => "IdentityMismatch",
        Error::MalformedGrant { .. } => "MalformedGrant",
        Error::GrantWrongSender => "GrantWrongSender",
        Error::GrantWrongRecipient => "GrantWrongRecipient",
        Error::GrantWrongAlbum => "GrantWrongAlbum",
        Error::GrantBadSignature => "GrantBadSignature",
        Error::RandomnessUnavailable => "RandomnessUnavailable",
        Error::Rollback { .. } => "Rollback",
        Error::UnknownGeneration { .. } => "UnknownGeneration",
        Error::NotAlbumOwner => "NotAlbumOwner",
        Error::OutOfMemory { .. } => "OutOfMemory",
        Error::MalformedManifest { .. } => "MalformedManifest",
        Error::MalformedHistoryEntry { .. } => "MalformedHistoryEntry",
        Error::HistoryWrongAlbum => "HistoryWrongAlbum",
        Error::HistoryWrongOwner => "HistoryWrongOwner",
        Error::HistoryBrokenLink { .. } => "HistoryBrokenLink",
        Error::HistoryBadSignature { .. } => "HistoryBadSignature",
        Error::HistoryNotMember { .. } => "HistoryNotMember",
        Error::HistoryNotAllowed { .. } => "HistoryNotAllowed",
        Error::HistoryBadEpoch { .. } => "HistoryBadEpoch",
        Error::HistoryFork { .. } => "HistoryFork",
        Error::HistoryRollback { .. } => "HistoryRollback",
        _ => "other",
    }
}

/// The first rules of a format with a 4-byte magic, a version byte and a suite byte
/// (manifests, 5.10; history entries, 5.12): a parse error of `data` is `malformed` for a
/// missing or wrong magic, then `UnsupportedVersion` / `UnsupportedSuite` naming the byte,
/// and otherwise one of `later`.
#[track_caller]
pub fn assert_first_rules(
    err: &Error,
    data: &[u8],
    (magic, version, suite): ([u8; 4], u8, u8),
    malformed: &str,
    later: &[&str],
) {
    if data.get(..4) != Some(&magic[..]) {
        assert_eq!(name(err), malformed, "{err:?}");
    } else if data.len() > 4 && data[4] != version {
        assert!(
            matches!(err, Error::UnsupportedVersion(v) if *v == data[4]),
            "{err:?}"
        );
    } else if data.len() > 5 && data[5] != suite {
        assert!(
            matches!(err, Error::UnsupportedSuite(s) if *s == data[5]),
            "{err:?}"
        );
    } else {
        assert_allowed(err, later);
    }
}

/// Panics unless `err` is one of `allowed` (by variant name).
#[track_caller]
pub fn assert_allowed(err: &Error, allowed: &[&str]) {
    assert!(allowed.contains(&name(err)), "unexpected error {err:?}");
}

/// The errors an open of a stream may give.
pub const STREAM_ERRORS: &[&str] = &[
    "DecryptionFailed",
    "BadMagic",
    "UnsupportedVersion",
    "UnsupportedSuite",
    "ChunkSizeOutOfRange",
    "UnknownKind",
    "TruncatedHeader",
    "TruncatedStream",
    "TrailingData",
    "EmptyFinalChunk",
];

/// The errors parsing a bundle may give.
pub const BUNDLE_ERRORS: &[&str] = &[
    "TooLarge",
    "MalformedBundle",
    "UnsupportedVersion",
    "UnsupportedSuite",
    "KdfParamsTooWeak",
    "KdfParamsTooCostly",
];

/// Outcome of an open, comparable across APIs: the plaintext, or the error's `Debug`.
pub type Outcome = Result<Vec<u8>, String>;

fn outcome<T>(r: keepsake::Result<T>, ok: impl FnOnce(T) -> Vec<u8>) -> Outcome {
    r.map(ok).map_err(|e| format!("{e:?}"))
}

/// Opens through the streaming `Opener` (sequential); returns what it released before the
/// end or the error, and the outcome.
pub fn open_streaming(
    key: &MediaKey,
    id: &MediaId,
    kind: MediaKind,
    sealed: &[u8],
) -> (Vec<u8>, Outcome) {
    let options = OpenOptions::default().with_parallel(false);
    let mut opener = match Opener::with_options(key, id, kind, sealed, &options) {
        Ok(opener) => opener,
        Err(e) => return (Vec::new(), Err(format!("{e:?}"))),
    };
    let mut released = Vec::new();
    let r = opener.read_to_end(&mut released).map_err(Error::from_io);
    if let Err(e) = &r {
        // Every later read repeats the error.
        let again = opener.read(&mut [0u8; 16]).map_err(Error::from_io);
        assert_eq!(format!("{:?}", again.err()), format!("{:?}", Some(e)));
    }
    let out = outcome(r, |_| released.clone());
    (released, out)
}

/// Opens through a `PushOpener` fed in pieces of the given sizes (cycling; a size of 0 is
/// an empty piece followed by one byte). Returns what it released and the outcome.
pub fn open_pushed(
    key: &MediaKey,
    id: &MediaId,
    kind: MediaKind,
    sealed: &[u8],
    splits: &[usize],
) -> (Vec<u8>, Outcome) {
    let mut opener =
        PushOpener::with_options(key, id, kind, &OpenOptions::default().with_parallel(false));
    let mut released = Vec::new();
    let mut rest = sealed;
    let mut sizes = splits.iter().copied().cycle();
    let mut failed = None;
    while !rest.is_empty() {
        let mut n = sizes.next().unwrap_or(usize::MAX).min(rest.len());
        if n == 0 {
            // An empty piece changes nothing; then go on one byte at a time.
            if let Err(e) = opener.push(&[]) {
                failed = Some(e);
                break;
            }
            n = 1;
        }
        let (piece, later) = rest.split_at(n);
        rest = later;
        match opener.push(piece) {
            Ok(pt) => released.extend_from_slice(&pt),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    let result = match failed {
        Some(e) => Err(e),
        None => opener.finish().map(|pt| released.extend_from_slice(&pt)),
    };
    if let Err(e) = &result {
        let again = opener.push(b"x");
        assert_eq!(
            format!("{:?}", again.err()),
            format!("{:?}", Some(e)),
            "errors are final"
        );
    } else {
        assert!(opener.push(b"x").is_err(), "nothing after finish");
    }
    let out = outcome(result, |()| released.clone());
    (released, out)
}

/// Every open path must agree on `sealed`; returns the one-shot outcome and the plaintext
/// the streaming `Opener` released (the authentic prefix when it fails).
pub fn all_openers_agree(
    key: &MediaKey,
    id: &MediaId,
    kind: MediaKind,
    sealed: &[u8],
    splits: &[usize],
) -> (Outcome, Vec<u8>) {
    let one_shot = outcome(
        stream::open_with(
            key,
            id,
            kind,
            sealed,
            &OpenOptions::default().with_parallel(false),
        ),
        |pt| pt,
    );
    let (streamed, streaming) = open_streaming(key, id, kind, sealed);
    assert_eq!(streaming, one_shot, "Opener and open disagree");
    let (pushed, push) = open_pushed(key, id, kind, sealed, splits);
    assert_eq!(push, one_shot, "PushOpener and open disagree");
    // Released plaintext is always a prefix of the authentic prefix.
    assert!(
        streamed.starts_with(&pushed),
        "PushOpener released more than the Opener"
    );
    let range = stream::open_range(key, id, kind, &mut Cursor::new(sealed), 0, u64::MAX);
    assert_eq!(
        outcome(range, |pt| pt),
        one_shot,
        "open_range and open disagree"
    );
    if let Ok(pt) = &one_shot {
        assert_eq!(&streamed, pt);
    }
    (one_shot, streamed)
}

/// The little-endian u-coordinates whose X25519 with any clamped scalar is all-zero (the
/// points of order dividing 8 on the curve and its twist: 0, 1, the two points of order
/// 8, p - 1, and the non-canonical p and p + 1), as libsodium lists them. Bit 255 is
/// ignored by X25519, so each also counts with it set. Written independently of the core
/// (which computes a DH and compares with zero), so a target can check that the core
/// refuses exactly these.
const LOW_ORDER: [[u8; 32]; 7] = {
    let mut p_minus_1 = [0xff; 32];
    p_minus_1[0] = 0xec;
    p_minus_1[31] = 0x7f;
    let mut p = p_minus_1;
    p[0] = 0xed;
    let mut p_plus_1 = p_minus_1;
    p_plus_1[0] = 0xee;
    let mut one = [0u8; 32];
    one[0] = 1;
    [
        [0; 32],
        one,
        [
            0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f,
            0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16,
            0x5f, 0x49, 0xb8, 0x00,
        ],
        [
            0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83,
            0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd,
            0xd0, 0x9f, 0x11, 0x57,
        ],
        p_minus_1,
        p,
        p_plus_1,
    ]
};

/// True if the X25519 u-coordinate `u` is of low order (see [`LOW_ORDER`]).
pub fn x25519_low_order(u: &[u8]) -> bool {
    let mut masked = [0u8; 32];
    masked.copy_from_slice(&u[..32]);
    masked[31] &= 0x7f;
    LOW_ORDER.contains(&masked)
}

/// FIPS 203's modulus check of an ML-KEM-768 encapsulation key (1184 bytes): every 12-bit
/// coefficient of its 1152-byte `t` is below q = 3329 (the last 32 bytes, `rho`, are free).
pub fn mlkem768_modulus_ok(ek: &[u8]) -> bool {
    ek[..1152].chunks_exact(3).all(|b| {
        let lo = u16::from(b[0]) | (u16::from(b[1] & 0x0f) << 8);
        let hi = u16::from(b[1] >> 4) | (u16::from(b[2]) << 4);
        lo < 3329 && hi < 3329
    })
}

/// `XWingPublicKey::from_slice(data)` with the parser's invariants asserted (SPEC.md 5.1):
/// it parses exactly when [`xwing_key_valid`], keeping its bytes and reparsing to itself;
/// else `InvalidLength { expected: 1216, got }` for another length, `InvalidPublicKey` for
/// 1216 bytes. The key, when it parses (`xwing_public_key`, `xwing_seal`).
pub fn parse_xwing_checked(data: &[u8]) -> Option<keepsake::hpke::xwing::XWingPublicKey> {
    use keepsake::hpke::xwing::{PUBLIC_KEY_LEN, XWingPublicKey};
    let valid = xwing_key_valid(data);
    match XWingPublicKey::from_slice(data) {
        Ok(key) => {
            assert!(valid, "a key failing the modulus or low-order check parsed");
            assert_eq!(key.as_bytes()[..], data[..]);
            let again = XWingPublicKey::from_slice(key.as_bytes()).expect("reparses");
            assert!(again == key);
            Some(key)
        }
        Err(Error::InvalidLength { expected, got, .. }) => {
            assert_ne!(data.len(), PUBLIC_KEY_LEN);
            assert_eq!((expected, got), (PUBLIC_KEY_LEN, data.len()));
            None
        }
        Err(Error::InvalidPublicKey) => {
            assert_eq!(data.len(), PUBLIC_KEY_LEN);
            assert!(!valid, "a valid key refused");
            None
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

/// Whether a 1216-byte X-Wing public key (ML-KEM-768 key 1184 || X25519 32) passes the
/// checks SPEC.md 5.1 requires, computed independently of the core.
pub fn xwing_key_valid(bytes: &[u8]) -> bool {
    bytes.len() == keepsake::hpke::xwing::PUBLIC_KEY_LEN
        && mlkem768_modulus_ok(&bytes[..1184])
        && !x25519_low_order(&bytes[1184..])
}
