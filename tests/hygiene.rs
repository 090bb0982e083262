//! Secret hygiene (DESIGN.md, "Boundaries"; issue 6, item 5): what every secret-bearing type
//! prints is locked by snapshot (`tests/snapshots/`, insta) and shows nothing secret;
//! secret types are not `Clone` or `Serialize` and a finished sealer cannot be used
//! (compile-fail cases in `tests/ui/`, trybuild); and no error Keepsake can be made to
//! return shows key bytes, a passphrase or recovery words, in `Display` or `Debug`.
//!
//! The secrets here are recognizable: every key byte string is [`SECRET`] (32 distinct,
//! non-repeating bytes), so any 4 of its bytes in a row, as hex or decimal, would be found.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Cursor, Write};
use std::ops::ControlFlow;

use keepsake::account::{AccountBundle, AccountPin, DeviceKey, NewAccount, unlock_with_device};
use keepsake::envelope::{AlbumBlob, MediaBlob};
use keepsake::hpke::xwing::XWingPublicKey;
use keepsake::hpke::{self, HpkePublicKey, HpkeSecretKey};
use keepsake::kdf::KdfParams;
use keepsake::stream::{self, Opener, PushOpener, SealOptions};
use keepsake::{
    AlbumId, AlbumKey, Error, FileOptions, MediaId, MediaKey, MediaKind, RecoveryPhrase, hazmat,
};

/// The bytes of every secret key in this file.
const SECRET: [u8; 32] = [
    0xd1, 0x5c, 0x9e, 0x27, 0x4b, 0xf0, 0x83, 0x6a, 0x1d, 0xc8, 0x35, 0xe9, 0x72, 0x0f, 0xb4, 0x58,
    0xa6, 0x3b, 0xed, 0x91, 0x14, 0x7c, 0xc2, 0x49, 0xfe, 0x06, 0x8d, 0x63, 0xba, 0x2e, 0x97, 0x41,
];
const PASSPHRASE: &str = "Ünïcödé tangerine zeppelin 4471";
const ID: MediaId = MediaId::from_bytes([0x11; 16]);
const ALBUM: AlbumId = AlbumId::from_bytes([0xa1; 16]);

/// Every way `bytes` could appear in text: windows of 4 bytes as lowercase, uppercase and
/// spaced hex, and as the decimal list `Debug` prints for a byte array.
fn fingerprints(bytes: &[u8]) -> Vec<String> {
    bytes
        .windows(4)
        .flat_map(|w| {
            let hex = hex::encode(w);
            let spaced = w.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>();
            let decimal = w.iter().map(u8::to_string).collect::<Vec<_>>();
            [
                hex.clone(),
                hex.to_uppercase(),
                spaced.join(" "),
                decimal.join(", "),
            ]
        })
        .collect()
}

/// Panics if `shown` holds any 4 bytes of a secret in a row, the passphrase (or any of its
/// words of 5 letters or more), or a recovery word.
#[track_caller]
fn assert_clean(what: &str, shown: &str, words: &[&str]) {
    let lower = shown.to_lowercase();
    for secret in [&SECRET[..], &derived_secrets()[..]] {
        for needle in fingerprints(secret) {
            assert!(
                !shown.contains(&needle),
                "{what} shows key bytes {needle}: {shown}"
            );
        }
    }
    let raw = String::from_utf8_lossy(&SECRET).into_owned();
    assert!(!shown.contains(&raw), "{what} shows raw key bytes");
    for word in PASSPHRASE.split(' ').filter(|w| w.chars().count() >= 5) {
        assert!(
            !lower.contains(&word.to_lowercase()),
            "{what} shows the passphrase: {shown}"
        );
    }
    let tokens: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).collect();
    for word in words {
        assert!(
            !tokens.contains(word),
            "{what} shows the recovery word {word}: {shown}"
        );
    }
}

/// The identity secret of the accounts here: [`SECRET`] reversed (the identity is random,
/// not derived from the root).
fn identity_secret() -> [u8; 32] {
    let mut identity = SECRET;
    identity.reverse();
    identity
}

/// The keyring of the accounts here: root [`SECRET`], identity [`identity_secret`].
fn keyring() -> keepsake::account::Keyring {
    hazmat::keyring_from_secrets(&[SECRET], identity_secret())
}

/// Secrets besides [`SECRET`]: the identity secret, an album key derived from [`SECRET`]
/// as a root, and the recovery words.
fn derived_secrets() -> Vec<u8> {
    let album = hazmat::album_key_bytes(&keyring().album_key(ALBUM, 0).unwrap());
    [
        identity_secret().to_vec(),
        album.to_vec(),
        phrase().words().as_bytes().to_vec(),
    ]
    .concat()
}

fn phrase() -> RecoveryPhrase {
    hazmat::recovery_phrase_from_secret(SECRET)
}

fn words(phrase: &RecoveryPhrase) -> Vec<String> {
    phrase.words().split(' ').map(str::to_owned).collect()
}

/// A deterministic account: root [`SECRET`], identity [`identity_secret`], recovery
/// secret [`SECRET`] (so its phrase is [`phrase`]), fixed salts, ephemerals and nonce.
fn new_account() -> NewAccount {
    let randomness = [
        &SECRET[..],
        &identity_secret(),
        &SECRET,
        &[1; 16],
        &[2; 64],
        &[3; 16],
        &[4; 64],
        &[5; 24],
    ]
    .concat();
    let account = hazmat::create_account_with(PASSPHRASE, &KdfParams::FLOOR, &randomness).unwrap();
    assert_eq!(account.recovery_phrase.words(), phrase().words());
    account
}

// ---------------------------------------------------------------------------------------
// Debug snapshots
// ---------------------------------------------------------------------------------------

/// Snapshots `{:?}` of `value` and checks that it and `{:#?}` are clean.
macro_rules! snapshot_debug {
    ($name:literal, $value:expr) => {{
        let value = $value;
        let words: Vec<String> = words(&phrase());
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let compact = format!("{value:?}");
        let pretty = format!("{value:#?}");
        assert_clean($name, &compact, &words);
        assert_clean($name, &pretty, &words);
        insta::assert_snapshot!($name, compact);
    }};
}

#[test]
fn debug_of_media_key() {
    snapshot_debug!("media_key", MediaKey::from_bytes(SECRET));
}

#[test]
fn debug_of_album_key() {
    snapshot_debug!("album_key", AlbumKey::from_bytes(ALBUM, 7, SECRET));
}

#[test]
fn debug_of_keyring() {
    snapshot_debug!("keyring", keyring());
}

#[test]
fn debug_of_device_key() {
    snapshot_debug!("device_key", DeviceKey::from_bytes(SECRET));
}

#[test]
fn debug_of_recovery_phrase() {
    snapshot_debug!("recovery_phrase", phrase());
}

#[test]
fn debug_of_hpke_secret_key() {
    snapshot_debug!("hpke_secret_key", HpkeSecretKey::from_bytes(SECRET));
}

#[test]
fn debug_of_new_account() {
    snapshot_debug!("new_account", new_account());
}

#[test]
fn debug_of_hpke_contexts() {
    let recipient = HpkeSecretKey::from_bytes(SECRET);
    let (enc, sender) = hpke::setup_sender(&recipient.public_key(), None, None, b"info").unwrap();
    let receiver = hpke::setup_recipient(&recipient, None, None, &enc, b"info").unwrap();
    // The ephemeral key is random, so only the shape is snapshotted: no field may vary.
    snapshot_debug!("hpke_sender_context", sender);
    snapshot_debug!("hpke_recipient_context", receiver);
}

#[test]
fn debug_of_streaming_objects_holding_keys() {
    let key = MediaKey::from_bytes(SECRET);
    let options = SealOptions::new().with_chunk_size_log2(8).unwrap();
    let mut sealer = hazmat::sealer_with_salt(
        &key,
        &ID,
        MediaKind::Original,
        Vec::new(),
        &options,
        [5; 32],
    )
    .unwrap();
    sealer.write_all(&[0x42; 1000]).unwrap();
    snapshot_debug!("sealer", &sealer);
    let sealed = sealer.finish().unwrap();
    let opener = Opener::new(&key, &ID, MediaKind::Original, Cursor::new(&sealed)).unwrap();
    snapshot_debug!("opener", opener);
    let mut push = PushOpener::new(&key, &ID, MediaKind::Original);
    push.push(&sealed[..200]).unwrap();
    snapshot_debug!("push_opener", push);
}

#[test]
fn debug_of_selection() {
    use keepsake::selection::{SelectedItem, SelectedPart, SelectionExpect};
    let key = MediaKey::from_bytes(SECRET);
    let options = SealOptions::new().with_chunk_size_log2(8).unwrap();
    let sealed =
        hazmat::seal_with_salt(&key, &ID, MediaKind::Original, &[7; 600], &options, [5; 32]);
    let metadata = hazmat::seal_media_blob(&key, &ID, MediaBlob::Metadata, b"m", [6; 24]).unwrap();
    let sender = hazmat::keyring_from_secrets(&[[9; 32]], [10; 32]);
    let recipient = keyring();
    let parts = [
        SelectedPart::Stream(&sealed),
        SelectedPart::Metadata(&metadata),
    ];
    let items = [SelectedItem {
        media_id: ID,
        epoch: 3,
        media_key: &key,
        parts: &parts,
        manifest: None,
    }];
    snapshot_debug!("selected_item", items[0]);
    let grant = hazmat::grant_selection_with_randomness(
        &sender,
        &recipient.identity_public_key(),
        ALBUM,
        [6; 32],
        1_800_000_000,
        &items,
        [7; 16],
        &[8; 64],
    )
    .unwrap();
    let selection = recipient
        .accept_selection(
            &grant,
            &sender.identity_public_key(),
            &SelectionExpect::default(),
        )
        .unwrap();
    // The part keys it holds are derived from SECRET, so check them too.
    let (payload, _) = hazmat::stream_key_schedule(
        &key,
        sealed[..24].try_into().unwrap(),
        sealed[24..56].try_into().unwrap(),
    );
    let shown = format!("{selection:?}{selection:#?}");
    for needle in fingerprints(&payload[..]) {
        assert!(!shown.contains(&needle), "selection shows its part key");
    }
    snapshot_debug!("selection", selection);
}

// ---------------------------------------------------------------------------------------
// Compile-fail: not Clone, not Serialize, no use after finish
// ---------------------------------------------------------------------------------------

/// Each case in `tests/ui/` must fail to compile, with the error in its `.stderr` file
/// (regenerate with `TRYBUILD=overwrite` and read the diff).
#[test]
fn secret_types_are_not_clone_or_serialize() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
}

// ---------------------------------------------------------------------------------------
// Errors never show secrets
// ---------------------------------------------------------------------------------------

/// Provokes every error the public API can be made to return with inputs built from the
/// secrets above, and checks `Display` and `Debug` of each.
#[test]
fn no_error_shows_key_bytes_passphrases_or_recovery_words() {
    let account = new_account();
    let phrase = &account.recovery_phrase;
    let key = MediaKey::from_bytes(SECRET);
    let album = AlbumKey::from_bytes(ALBUM, 3, SECRET);
    let options = SealOptions::new().with_chunk_size_log2(8).unwrap();
    let sealed =
        hazmat::seal_with_salt(&key, &ID, MediaKind::Original, &[7; 600], &options, SECRET);
    let device = DeviceKey::from_bytes(SECRET);
    let (bundle, pin) = account
        .keyring
        .enroll_device(&account.bundle, &device.public_key())
        .unwrap();
    let other = hazmat::keyring_from_secrets(&[[9; 32]], [10; 32]);
    let grant = other
        .grant_album(
            &other.album_key(ALBUM, 0).unwrap(),
            &account.keyring.identity_public_key(),
            &[0; 32],
        )
        .unwrap();
    let mut altered_grant = grant.clone();
    altered_grant[1250] ^= 1;
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v: serde_json::Value = serde_json::from_slice(&bundle.to_bytes()).unwrap();
        f(&mut v);
        AccountBundle::parse(&serde_json::to_vec(&v).unwrap())
    };
    let whole = hazmat::seal_with_salt(&key, &ID, MediaKind::Preview, &[7; 512], &options, SECRET);
    let mut bad = sealed.clone();
    bad[100] ^= 1;
    let dir = std::env::temp_dir().join(format!("keepsake-hygiene-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("plain"), [1u8; 10]).unwrap();
    std::fs::write(dir.join("exists"), b"").unwrap();
    let mut cancel = |_: u64, _: u64| ControlFlow::Break(());
    // What an app logs from the `Read` side: the `io::Error` itself.
    let mut opener = Opener::new(&key, &ID, MediaKind::Original, &bad[..]).unwrap();
    let io_error = std::io::Read::read_to_end(&mut opener, &mut Vec::new());
    let shown = format!(
        "{:?} {}",
        io_error.as_ref().unwrap_err(),
        io_error.as_ref().unwrap_err()
    );
    assert_clean("io::Error", &shown, &[]);

    // A typo in one word: the typed words are the user's secret.
    let mut typo = words(phrase);
    typo[5].push('x');
    let unknown_word = RecoveryPhrase::parse(&typo.join(" "));
    let mut swapped = words(phrase);
    swapped.swap(2, 3);

    let errors: Vec<Error> = vec![
        stream::open(
            &MediaKey::from_bytes([0; 32]),
            &ID,
            MediaKind::Original,
            &sealed,
        )
        .unwrap_err(),
        stream::open(&key, &ID, MediaKind::Original, &bad).unwrap_err(),
        stream::open(&key, &ID, MediaKind::Original, &sealed[..50]).unwrap_err(),
        stream::open(&key, &ID, MediaKind::Original, &sealed[..88 + 272]).unwrap_err(),
        stream::open(&key, &ID, MediaKind::Original, &sealed[..88 + 272 + 16]).unwrap_err(),
        stream::open(
            &key,
            &ID,
            MediaKind::Original,
            &[&sealed[..], b"x"].concat(),
        )
        .unwrap_err(),
        stream::open(&key, &ID, MediaKind::Preview, &[&whole[..], b"x"].concat()).unwrap_err(),
        stream::Header::parse(b"XXXXXXXX").unwrap_err(),
        stream::Header::parse(&[&sealed[..4], &[9]].concat()).unwrap_err(),
        stream::Header::parse(&[&sealed[..5], &[9]].concat()).unwrap_err(),
        stream::Header::parse(&[&sealed[..6], &[99]].concat()).unwrap_err(),
        stream::Header::parse(&[&sealed[..7], &[9]].concat()).unwrap_err(),
        stream::open_range(
            &key,
            &ID,
            MediaKind::Original,
            &mut Cursor::new(&sealed),
            10_000,
            1,
        )
        .unwrap_err(),
        Opener::new(&key, &ID, MediaKind::Thumbnail, &sealed[..]).unwrap_err(),
        Error::from_io(io_error.unwrap_err()),
        MediaKey::from_slice(&SECRET[..31]).unwrap_err(),
        key.open_blob(&ID, MediaBlob::Caption, &vec![1; 2 << 20])
            .unwrap_err(),
        key.seal_blob(&ID, MediaBlob::Caption, &vec![1; 2 << 20])
            .unwrap_err(),
        album
            .open_blob(AlbumBlob::Name, &album.wrap_media_key(&ID, &key).unwrap())
            .unwrap_err(),
        hpke::seal_base(&HpkePublicKey::from_bytes([0; 32]), b"", b"", &SECRET).unwrap_err(),
        KdfParams::new(1, 1, 1).unwrap_err(),
        KdfParams::new(u32::MAX, 2, 1).unwrap_err(),
        keepsake::kdf::derive_key(PASSPHRASE, &SECRET[..5], &KdfParams::FLOOR).unwrap_err(),
        unknown_word.unwrap_err(),
        RecoveryPhrase::parse(&swapped.join(" ")).unwrap_err(),
        RecoveryPhrase::parse(&phrase.words()[..40]).unwrap_err(),
        keepsake::account::unlock_with_passphrase(&bundle, "Ünïcödé tangerine zeppelin 4472")
            .unwrap_err(),
        keepsake::account::unlock_with_recovery(&bundle, &RecoveryPhrase::generate().unwrap())
            .unwrap_err(),
        unlock_with_device(&bundle, &DeviceKey::from_bytes([3; 32]), &pin).unwrap_err(),
        unlock_with_device(&bundle, &device, &other.pin()).unwrap_err(),
        // A pin that has seen a later generation than the bundle's.
        unlock_with_device(
            &bundle,
            &device,
            &AccountPin {
                generation: 7,
                ..pin
            },
        )
        .unwrap_err(),
        account.keyring.album_key(ALBUM, 1 << 32).unwrap_err(),
        // An album key the account did not derive (as if received in a grant).
        account
            .keyring
            .remove_member(&album, &[], &[0; 32])
            .unwrap_err(),
        // Fixed randomness one byte short.
        hazmat::enroll_device_with(
            &account.keyring,
            &bundle,
            &device.public_key(),
            &[SECRET, SECRET].concat()[..63],
        )
        .unwrap_err(),
        AccountBundle::parse(&bundle.to_bytes()[..100]).unwrap_err(),
        AccountBundle::parse(&vec![b' '; 100_000]).unwrap_err(),
        keepsake::account::unlock_with_passphrase(
            &edit(&|v| v["body"]["devices"] = serde_json::json!([])).unwrap(),
            PASSPHRASE,
        )
        .unwrap_err(),
        other
            .accept_grant(&grant, &other.identity_public_key(), None)
            .unwrap_err(),
        account
            .keyring
            .accept_grant(&grant, &account.keyring.identity_public_key(), None)
            .unwrap_err(),
        account
            .keyring
            .accept_grant(&grant, &other.identity_public_key(), Some((ALBUM, 1)))
            .unwrap_err(),
        account
            .keyring
            .accept_grant(&grant[..100], &other.identity_public_key(), None)
            .unwrap_err(),
        // A grant altered after it was signed.
        account
            .keyring
            .accept_grant(&altered_grant, &other.identity_public_key(), None)
            .unwrap_err(),
        // An X-Wing public key whose ML-KEM half fails the modulus check.
        XWingPublicKey::from_slice(&[0xff; 1216]).unwrap_err(),
        keepsake::seal_file(
            &key,
            &ID,
            MediaKind::Original,
            &dir.join("plain"),
            &dir.join("exists"),
            FileOptions::new(),
        )
        .unwrap_err(),
        keepsake::seal_file(
            &key,
            &ID,
            MediaKind::Original,
            &dir.join("plain"),
            &dir.join("out"),
            FileOptions::new().progress(&mut cancel),
        )
        .unwrap_err(),
        keepsake::open_file(
            &key,
            &ID,
            MediaKind::Original,
            &dir.join("missing"),
            &dir.join("x"),
            FileOptions::new(),
        )
        .unwrap_err(),
    ];
    let _ = std::fs::remove_dir_all(&dir);

    let words = words(phrase);
    let mut words: Vec<&str> = words.iter().map(String::as_str).collect();
    words.extend(typo[5..6].iter().map(String::as_str));
    let mut seen = std::collections::BTreeSet::new();
    for err in &errors {
        seen.insert(keepsake_tests::error_name(err));
        assert_clean("Display", &err.to_string(), &words);
        assert_clean("Debug", &format!("{err:?}"), &words);
        assert_clean("Debug", &format!("{err:#?}"), &words);
    }
    // Every variant but those no input can cause here (StreamTooLong needs 2^64 chunks,
    // OutOfMemory an allocation failure); RandomnessUnavailable comes from fixed
    // randomness that runs short, as from a broken OS RNG.
    assert_eq!(seen.len(), 35, "variants provoked: {seen:?}");
}

// ---------------------------------------------------------------------------------------
// No unwiped copy of a recovery phrase is freed
// ---------------------------------------------------------------------------------------

/// The system allocator, watching for freed memory that still holds a marker while
/// [`WATCH`] is on: a block freed with the marker in it is a copy of a secret that nobody
/// wiped. A block holding the marker that is reallocated counts too, moved or not: whether
/// `realloc` grows a block in place or moves it (freeing the old, unwiped one) is up to the
/// allocator and what lies next to the block, so code that keeps secrets from leaking this
/// way must never reallocate them at all.
struct Watching;

static WATCH: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static LEAKS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
/// Words no other test in this file types.
const MARKER: &[u8] = b"zebra zebra zebra";

fn holds_marker(ptr: *const u8, len: usize) -> bool {
    // SAFETY: `ptr` is a live allocation of `len` bytes handed to the allocator.
    #[allow(unsafe_code)]
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    bytes.windows(MARKER.len()).any(|w| w == MARKER)
}

#[allow(unsafe_code)]
// SAFETY: every call is forwarded unchanged to `System`; the watch only reads live blocks.
unsafe impl std::alloc::GlobalAlloc for Watching {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        unsafe { std::alloc::System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        if WATCH.load(std::sync::atomic::Ordering::SeqCst) && holds_marker(ptr, layout.size()) {
            LEAKS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
        if WATCH.load(std::sync::atomic::Ordering::SeqCst) && holds_marker(ptr, layout.size()) {
            LEAKS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        unsafe { std::alloc::System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static ALLOCATOR: Watching = Watching;

/// `words` times "zebra " then `tail`, built in one allocation (no temporary holds the
/// marker), so a test's own input never shows up in another test's watch window.
fn typed_input(words: usize, tail: &str) -> String {
    let mut s = String::with_capacity(words * 6 + tail.len());
    for _ in 0..words {
        s.push_str("zebra ");
    }
    s.push_str(tail);
    s
}

/// Wipes a test input before it is freed, for the same reason.
fn wipe(input: String) {
    let mut bytes = input.into_bytes();
    bytes.fill(0);
    drop(std::hint::black_box(bytes));
}

/// Runs `f` with the watch on; returns how many unwiped copies of [`MARKER`] it freed.
fn unwiped_frees<T>(f: impl FnOnce() -> T) -> (T, usize) {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let before = LEAKS.load(std::sync::atomic::Ordering::SeqCst);
    WATCH.store(true, std::sync::atomic::Ordering::SeqCst);
    let out = f();
    WATCH.store(false, std::sync::atomic::Ordering::SeqCst);
    (
        out,
        LEAKS.load(std::sync::atomic::Ordering::SeqCst) - before,
    )
}

/// Parsing a recovery phrase must not free an unwiped copy of the words typed. Lowercasing
/// can make text longer (`Ⱥ`, 2 bytes, becomes `ⱥ`, 3 bytes; `İ` becomes `i̇`), so the
/// normalized copy, allocated at the input's length, can outgrow its buffer and be moved,
/// leaving the words typed so far in freed memory. Both `kdf::normalize_passphrase` and
/// `RecoveryPhrase::parse` measure first.
#[test]
fn parsing_a_phrase_frees_no_unwiped_copy_of_the_words() {
    // 23 known words, then a typo with a letter whose lowercase form is longer.
    let typed = typed_input(23, "\u{23a}\u{23a}\u{23a}\u{23a}");
    let (result, leaks) = unwiped_frees(|| RecoveryPhrase::parse(&typed).map(|_| ()));
    assert!(matches!(
        result,
        Err(Error::InvalidRecoveryPhrase {
            problem: keepsake::recovery::PhraseProblem::UnknownWord(24)
        })
    ));
    wipe(typed);
    assert_eq!(leaks, 0, "unwiped words freed");
}

/// The same input without the growing letter.
#[test]
fn parsing_an_ascii_phrase_frees_no_unwiped_copy_of_the_words() {
    let typed = typed_input(23, "zoo");
    let (result, leaks) = unwiped_frees(|| RecoveryPhrase::parse(&typed).map(|_| ()));
    assert!(matches!(result, Err(Error::InvalidRecoveryPhrase { .. })));
    wipe(typed);
    assert_eq!(leaks, 0, "unwiped words freed");
}

/// The passphrase's NFC copy is measured before it is allocated (`kdf::normalize_passphrase`),
/// so even text that grows under normalization (U+0958 is 3 bytes, its NFC form 6) leaves
/// no unwiped copy behind; neither does deriving the key from it.
#[test]
fn normalizing_a_passphrase_frees_no_unwiped_copy() {
    let typed = typed_input(3, &"\u{958}".repeat(40));
    let (normalized_len, leaks) =
        unwiped_frees(|| keepsake::kdf::normalize_passphrase(&typed).len());
    assert_eq!(normalized_len, typed.len() * 2 - 18);
    assert_eq!(leaks, 0, "unwiped passphrase freed");
    let (key, leaks) = unwiped_frees(|| {
        keepsake::kdf::derive_key(&typed, &[1; 16], &KdfParams::FLOOR).map(|k| k[0])
    });
    key.unwrap();
    wipe(typed);
    assert_eq!(leaks, 0, "unwiped passphrase freed while deriving");
}
