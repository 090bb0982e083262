//! Independent implementation of the Keepsake account key hierarchy (`SPEC.md` section 5, with
//! the section 4 envelope for purposes 0x06/0x07 and RFC 9180 HPKE Base/Auth for the one suite
//! section 5.1 names), written from `SPEC.md` alone with the raw primitive crates (not the
//! `keepsake` crate), and checked against the account vector files in `tests/vectors/`. It
//! exists to prove that the specification suffices to interoperate. Its primitives, envelopes,
//! HPKE and slots are in `spec_conformance_account/keys.rs`, the bundle encoding and parser in
//! `spec_conformance_account/bundle.rs`; derivations, unlocking, the operations replayed from
//! recorded randomness and the tests are here.
#![allow(clippy::unwrap_used, clippy::panic)]

use serde_json::Value;
use sha2::{Digest, Sha256};

// Section 1 and 4.1 constants.
const KEY_LEN: usize = 32;
const TAG_LEN: usize = 16;
const ENVELOPE_VERSION: u8 = 0x01;
const XNONCE_LEN: usize = 24;
const ENVELOPE_HEADER_LEN: usize = 57;
const ENVELOPE_OVERHEAD: usize = 73;
const MAX_ENVELOPE_PLAINTEXT: usize = 1_048_576;
const LABEL_ENVELOPE: &[u8] = b"keepsake/v1/envelope";
const PURPOSE_IDENTITY: u8 = 0x06;
const PURPOSE_HISTORY: u8 = 0x07;
/// An envelope holding a 32-byte key (the identity secret, a history entry).
const WRAPPED_KEY_LEN: usize = ENVELOPE_OVERHEAD + KEY_LEN;
// Section 5.1 constants.
const LABEL_ALBUM: &[u8] = b"keepsake/v1/album";
const LABEL_RECOVERY_KEK: &[u8] = b"keepsake/v1/recovery-kek";
const LABEL_ROOT_SLOT: &[u8] = b"keepsake/v1/root-slot";
const LABEL_BUNDLE_MAC: &[u8] = b"keepsake/v1/bundle-mac";
const LABEL_GRANT: &[u8] = b"keepsake/v1/album-grant";
const LABEL_FINGERPRINT: &[u8] = b"keepsake/v1/fingerprint";
const SLOT_PASSPHRASE: u8 = 0x01;
const SLOT_RECOVERY: u8 = 0x02;
const SLOT_DEVICE: u8 = 0x03;
const SUITE_X25519: u8 = 1;
const SLOT_SALT_LEN: usize = 16;
const BUNDLE_VERSION: u64 = 1;
const MAX_BUNDLE_LEN: usize = 524_288;
const MAX_DEVICES: usize = 64;
const MAX_GENERATIONS: u64 = 1000;
const GRANT_VERSION: u8 = 0x01;
const GRANT_HEADER_LEN: usize = 90;
const GRANT_LEN: usize = 170;
/// `wrapped_root` of a slot: the HPKE ciphertext of a 32-byte root.
const SLOT_CT_LEN: usize = KEY_LEN + TAG_LEN;
/// Section 5.9: `identity || be64(generation)`.
const PIN_LEN: usize = 40;
/// Section 5.2's `FLOOR` profile (19 MiB, 2 passes, 1 lane), which `bundle-v1.json` uses.
const FLOOR: Kdf = Kdf {
    m: 19_456,
    t: 2,
    p: 1,
};
// RFC 9180 suite ids: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305; modes.
const KEM_SUITE: &[u8] = b"KEM\x00\x20";
const HPKE_SUITE: &[u8] = b"HPKE\x00\x20\x00\x01\x00\x03";
const MODE_BASE: u8 = 0x00;
const MODE_AUTH: u8 = 0x02;

/// The error names of section 6 that sections 4 and 5 use (payloads omitted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Error {
    UnsupportedVersion,
    UnsupportedSuite,
    TruncatedHeader,
    TooLarge,
    DecryptionFailed,
    InvalidPublicKey,
    KdfParamsTooWeak,
    KdfParamsTooCostly,
    InvalidRecoveryPhrase,
    WrongPassphrase,
    WrongRecoveryPhrase,
    DeviceNotEnrolled,
    MalformedBundle,
    MalformedGrant,
    BundleTampered,
    IdentityMismatch,
    Rollback,
    UnknownGeneration,
    GrantWrongSender,
    GrantWrongRecipient,
    GrantWrongAlbum,
}
use Error::*;

type Res<T> = Result<T, Error>;
type Nonce = [u8; 12];
type Key = [u8; KEY_LEN];
type Salt = [u8; SLOT_SALT_LEN];
/// HPKE's `(enc, ciphertext)`.
type Sealed = (Key, Vec<u8>);
/// An album id and epoch.
type Album<'a> = (&'a [u8; 16], u64);

#[path = "spec_conformance_account/bundle.rs"]
mod bundle;
#[path = "spec_conformance_account/keys.rs"]
mod keys;
use bundle::*;
use keys::*;

// ---------------------------------------------------------------- derivations (5.1, 5.6, 5.7)

fn fingerprint(public: &Key) -> String {
    let d = Sha256::digest([LABEL_FINGERPRINT, public].concat());
    let group = |i: usize| {
        let n = d[5 * i..5 * i + 5]
            .iter()
            .fold(0, |n, &b| (n << 8) | u64::from(b));
        format!("{:05}", n % 100_000)
    };
    (0..6).map(group).collect::<Vec<_>>().join(" ")
}

/// Section 5.6 with `roots[g]` the root of generation `g`: the root of `epoch >> 32`.
fn album_key(roots: &[Key], album_id: &[u8], epoch: u64) -> Res<Key> {
    let generation = usize::try_from(epoch >> 32).unwrap();
    let root = roots.get(generation).ok_or(UnknownGeneration)?;
    Ok(hkdf(album_id, root, &[LABEL_ALBUM, &be64(epoch)].concat()))
}

/// `header = GRANT_VERSION || suite || sender pk || recipient pk || album id || be64(epoch)`.
fn grant_header(sender: &Key, recipient: &Key, (id, epoch): Album) -> Vec<u8> {
    let v = [GRANT_VERSION, SUITE_X25519];
    [&v[..], sender, recipient, id, &be64(epoch)].concat()
}

/// `key` for `(album id, epoch)`, granted by the identity `sk_s` to `recipient`.
fn seal_grant(sk_s: &Key, recipient: &Key, album: Album, key: &Key, eph: &Key) -> Res<Vec<u8>> {
    let header = grant_header(&x25519_public(sk_s), recipient, album);
    assert_eq!(header.len(), GRANT_HEADER_LEN);
    let info = [LABEL_GRANT, &header].concat();
    let (enc, ct) = hpke_seal(recipient, &info, key, eph, Some(sk_s))?;
    Ok([header, enc.to_vec(), ct].concat())
}

/// Section 5.7 acceptance by the identity `sk_r`, in its order; returns the album key.
fn accept_grant(sk_r: &Key, grant: &[u8], sender: &Key, expect: Option<Album>) -> Res<Key> {
    match (grant.first(), grant.get(1)) {
        (None, _) => return Err(MalformedGrant),
        (Some(&v), _) if v != GRANT_VERSION => return Err(UnsupportedVersion),
        (_, None) => return Err(MalformedGrant),
        (_, Some(&s)) if s != SUITE_X25519 => return Err(UnsupportedSuite),
        _ if grant.len() != GRANT_LEN => return Err(MalformedGrant),
        _ => {}
    }
    let (header, rest) = grant.split_at(GRANT_HEADER_LEN);
    ensure(header[34..66] == x25519_public(sk_r), GrantWrongRecipient)?;
    ensure(header[2..34] == *sender, GrantWrongSender)?;
    let epoch = u64::from_be_bytes(header[82..90].try_into().unwrap());
    let album_ok = expect.is_none_or(|(id, e)| id[..] == header[66..82] && e == epoch);
    ensure(album_ok, GrantWrongAlbum)?;
    let enc = rest[..32].try_into().unwrap();
    let info = [LABEL_GRANT, header].concat();
    let key = hpke_open(&enc, sk_r, &info, &rest[32..], Some(sender))?;
    Ok(key.try_into().unwrap())
}

// ---------------------------------------------------------------- unlock (5.8)

enum Secret<'a> {
    Passphrase(&'a str),
    Recovery(&'a str),
    Device(Key),
}

/// What an unlock yields: the roots of generations `0..=g` and the identity secret.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Account {
    roots: Vec<Key>,
    identity_secret: Key,
}

impl Account {
    fn root(&self) -> &Key {
        self.roots.last().unwrap()
    }
}

/// Section 5.8, steps 0 to 5; `pin` is the 40-byte account pin of 5.9, if the device keeps one.
fn unlock(input: &[u8], secret: &Secret, pin: Option<&[u8; PIN_LEN]>) -> Res<Account> {
    // 0. Parse the bundle, then the recovery phrase.
    let b = parse_bundle(input)?;
    let recovery = match secret {
        Secret::Recovery(words) => Some(parse_recovery(words)?),
        _ => None,
    };
    // 1. Open the slot.
    let root = match (secret, recovery) {
        (Secret::Passphrase(p), _) => {
            let pair = passphrase_key_pair(p, &b.pass_salt, b.kdf)?;
            open_secret_slot(SLOT_PASSPHRASE, &b.pass, pair, WrongPassphrase)?
        }
        (_, Some(rs)) => {
            let pair = recovery_key_pair(&rs, &b.rec_salt);
            open_secret_slot(SLOT_RECOVERY, &b.rec, pair, WrongRecoveryPhrase)?
        }
        (Secret::Device(sk), _) => {
            let pk = x25519_public(sk);
            let slot = b.devices.iter().find(|d| d.public_key == pk);
            open_slot(SLOT_DEVICE, slot.ok_or(DeviceNotEnrolled)?, sk)?
        }
        (Secret::Recovery(_), None) => unreachable!(),
    };
    // 2. The identity secret, against the bundle's identity and a device's pinned identity.
    let id_binding = identity_binding(&b.identity);
    let identity_secret = open_key(&root, &id_binding, &b.identity_secret, IdentityMismatch)?;
    let public = x25519_public(&identity_secret);
    let pinned = match (secret, pin) {
        (Secret::Device(_), Some(pin)) => pin[..32] == public,
        (Secret::Device(_), None) => panic!("a device unlock needs its pin"),
        _ => true,
    };
    ensure(public == b.identity && pinned, IdentityMismatch)?;
    // 3. The MAC.
    ensure(ct_eq(&b.compute_mac(&root), &b.mac), BundleTampered)?;
    // 4. Every history entry.
    let g = b.generation;
    let entry = |(i, w): (usize, &Vec<u8>)| {
        open_key(&root, &history_binding(i as u64, g), w, BundleTampered)
    };
    let mut roots: Vec<Key> = b
        .history
        .iter()
        .enumerate()
        .map(entry)
        .collect::<Res<_>>()?;
    roots.push(root);
    // 5. Rollback. GUESS (5.8 names only the generation for a passphrase or recovery unlock
    // with a pin): a pin of another identity is `IdentityMismatch` there too.
    if let Some(pin) = pin {
        ensure(pin[..32] == public, IdentityMismatch)?;
        let seen = u64::from_be_bytes(pin[32..].try_into().unwrap());
        ensure(g >= seen, Rollback)?;
    }
    Ok(Account {
        roots,
        identity_secret,
    })
}

// ---------------------------------------------------------------- operations (5.9, 7)

/// The recorded randomness of one operation, drawn in the order of section 7.
struct Draws<'a>(&'a [u8]);

impl Draws<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let (head, rest) = self.0.split_at(N);
        self.0 = rest;
        head.try_into().unwrap()
    }
}

/// A change is refused on a bundle that is not the account's current one (5.5): another
/// account's, an older generation's, or one whose MAC does not verify under the current root.
fn check_current(account: &Account, b: &Bundle) -> Res<()> {
    let identity = x25519_public(&account.identity_secret);
    ensure(b.identity == identity, IdentityMismatch)?;
    ensure(b.generation + 1 >= account.roots.len() as u64, Rollback)?;
    let mac_ok = ct_eq(&b.compute_mac(account.root()), &b.mac);
    ensure(mac_ok, BundleTampered)
}

/// Create: root, identity secret, recovery secret, passphrase salt and `skE`, recovery salt and
/// `skE`, identity-secret nonce. Returns the recovery secret too.
fn create(passphrase: &str, kdf: Kdf, r: &mut Draws) -> Res<(Bundle, Account, Key)> {
    let (root, identity_secret, recovery): (Key, Key, Key) = (r.take(), r.take(), r.take());
    let pass_salt = r.take();
    let (_, pass_pk) = passphrase_key_pair(passphrase, &pass_salt, kdf)?;
    let pass = seal_slot(SLOT_PASSPHRASE, &pass_pk, &root, &r.take())?;
    let rec_salt = r.take();
    let (_, rec_pk) = recovery_key_pair(&recovery, &rec_salt);
    let rec = seal_slot(SLOT_RECOVERY, &rec_pk, &root, &r.take())?;
    let identity = x25519_public(&identity_secret);
    let wrapped_identity = seal_envelope(
        &root,
        &identity_binding(&identity),
        &r.take(),
        &identity_secret,
    );
    let mut b = Bundle {
        generation: 0,
        identity,
        identity_secret: wrapped_identity,
        kdf,
        pass_salt,
        pass,
        rec_salt,
        rec,
        devices: Vec::new(),
        history: Vec::new(),
        mac: [0; 32],
    };
    b.mac = b.compute_mac(&root);
    let roots = vec![root];
    Ok((
        b,
        Account {
            roots,
            identity_secret,
        },
        recovery,
    ))
}

/// Enroll: the device slot's `skE`; the slot goes in public-key order.
fn enroll(account: &Account, b: &Bundle, device: &Key, r: &mut Draws) -> Res<Bundle> {
    check_current(account, b)?;
    let mut b = b.clone();
    let slot = seal_slot(SLOT_DEVICE, device, account.root(), &r.take())?;
    let at = b.devices.partition_point(|d| d.public_key < *device);
    ensure(
        b.devices.get(at).is_none_or(|d| d.public_key != *device),
        MalformedBundle,
    )?;
    b.devices.insert(at, slot);
    b.mac = b.compute_mac(account.root());
    Ok(b)
}

/// Rotate (with `revoke`, revoke-and-rotate): new root; `skE` for the passphrase, recovery and
/// each remaining device slot in slot order; identity-secret nonce; a nonce per history entry.
fn rotate(
    account: &Account,
    b: &Bundle,
    revoke: Option<&Key>,
    r: &mut Draws,
) -> Res<(Bundle, Account)> {
    check_current(account, b)?;
    let mut b = b.clone();
    if let Some(device) = revoke {
        let at = b.devices.iter().position(|d| d.public_key == *device);
        b.devices.remove(at.ok_or(DeviceNotEnrolled)?);
    }
    let g = b.generation + 1;
    ensure(g < MAX_GENERATIONS, TooLarge)?;
    let root: Key = r.take();
    b.pass = seal_slot(SLOT_PASSPHRASE, &b.pass.public_key, &root, &r.take())?;
    b.rec = seal_slot(SLOT_RECOVERY, &b.rec.public_key, &root, &r.take())?;
    for d in &mut b.devices {
        *d = seal_slot(SLOT_DEVICE, &d.public_key, &root, &r.take())?;
    }
    let id = identity_binding(&b.identity);
    b.identity_secret = seal_envelope(&root, &id, &r.take(), &account.identity_secret);
    let entry = |(i, old): (usize, &Key)| {
        seal_envelope(&root, &history_binding(i as u64, g), &r.take(), old)
    };
    b.history = account.roots.iter().enumerate().map(entry).collect();
    b.generation = g;
    b.mac = b.compute_mac(&root);
    let mut next = account.clone();
    next.roots.push(root);
    Ok((b, next))
}

// ---------------------------------------------------------------- vector plumbing

fn vectors(file: &str, count: usize) -> Vec<Value> {
    let path = format!("{}/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let cases = json["vectors"].as_array().unwrap().clone();
    assert_eq!(cases.len(), count, "{file}");
    cases
}

fn st<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field].as_str().unwrap()
}

fn hx(v: &Value, field: &str) -> Vec<u8> {
    hex::decode(st(v, field)).unwrap()
}

fn arr<const N: usize>(v: &Value, field: &str) -> [u8; N] {
    hx(v, field).try_into().unwrap()
}

fn num(v: &Value, field: &str) -> u64 {
    v[field].as_u64().unwrap()
}

fn key_list(v: &Value, field: &str) -> Vec<Key> {
    let list = v[field].as_array().unwrap().iter();
    list.map(|k| {
        hex::decode(k.as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap()
    })
    .collect()
}

fn pin(identity: &Key, generation: u64) -> [u8; PIN_LEN] {
    [&identity[..], &be64(generation)]
        .concat()
        .try_into()
        .unwrap()
}

#[track_caller]
fn same<T: PartialEq + std::fmt::Debug>(got: T, want: T, what: &str) {
    assert_eq!(got, want, "{what}");
}

#[track_caller]
fn fails<T: std::fmt::Debug>(got: Res<T>, want: Error, what: &str) {
    assert_eq!(got.err(), Some(want), "{what}");
}

// ---------------------------------------------------------------- tests

#[test]
fn passphrase_slot_v1() {
    for v in &vectors("passphrase-slot-v1.json", 2) {
        let (nm, pass) = (st(v, "name"), st(v, "passphrase"));
        same(nfc(pass).into_bytes(), hx(v, "passphrase_nfc"), nm);
        let [m, t, p] = ["memory_kib", "iterations", "parallelism"].map(|f| num(v, f) as u32);
        let (kdf, salt, root) = (Kdf { m, t, p }, hx(v, "salt"), arr(v, "root"));
        let kek = passphrase_kek(pass, &salt, kdf).unwrap();
        same(kek, arr(v, "kek"), nm);
        let (sk, pk) = derive_key_pair(&kek);
        same((sk, pk), (arr(v, "slot_secret"), arr(v, "slot_public")), nm);
        same(slot_info(SLOT_PASSPHRASE, &pk), hx(v, "info"), nm);
        let slot = seal_slot(SLOT_PASSPHRASE, &pk, &root, &arr(v, "ephemeral_secret")).unwrap();
        same(slot.enc, arr(v, "enc"), nm);
        same(&slot.wrapped_root[..], &hx(v, "wrapped_root"), nm);
        let open = |pass: &str, salt: &[u8], kdf| {
            let pair = passphrase_key_pair(pass, salt, kdf)?;
            open_secret_slot(SLOT_PASSPHRASE, &slot, pair, WrongPassphrase)
        };
        same(open(pass, &salt, kdf), Ok(root), nm);
        // The already-normalized passphrase opens the slot too; a changed `t` or salt does not.
        let nfc_pass = String::from_utf8(hx(v, "passphrase_nfc")).unwrap();
        same(open(&nfc_pass, &salt, kdf), Ok(root), nm);
        fails(open(pass, &salt, Kdf { t: 3, ..kdf }), WrongPassphrase, nm);
        fails(open(pass, &[0; 16], kdf), WrongPassphrase, nm);
        // The right key pair with another kind in `info` does not open the slot.
        fails(open_slot(SLOT_RECOVERY, &slot, &sk), DecryptionFailed, nm);
        let low_order = Slot {
            enc: [0; 32],
            ..slot.clone()
        };
        let open_low = open_secret_slot(SLOT_PASSPHRASE, &low_order, (sk, pk), WrongPassphrase);
        fails(open_low, InvalidPublicKey, nm);
    }
}

#[test]
fn kdf_parameter_bounds() {
    let k = |(m, t, p)| Kdf { m, t, p }.check().err();
    same(
        [(19_456, 2, 1), (1 << 20, 2, 8)].map(k),
        [None; 2],
        "in range",
    );
    let weak = [
        (19_455, 2, 1),
        (19_456, 1, 1),
        (19_456, 2, 0),
        (1 << 21, 1, 1),
    ];
    same(
        weak.map(k),
        [Some(KdfParamsTooWeak); 4],
        "weak, and weak first",
    );
    let costly = [
        (1 << 20 | 1, 2, 1),
        (32_768, 65, 1),
        (19_456, 2, 9),
        (1 << 20, 3, 1),
    ];
    same(costly.map(k), [Some(KdfParamsTooCostly); 4], "costly");
}

#[test]
fn recovery_v1() {
    for v in &vectors("recovery-v1.json", 2) {
        let (nm, words) = (st(v, "name"), st(v, "words"));
        let (secret, salt, root) = (arr(v, "secret"), hx(v, "salt"), arr(v, "root"));
        same(recovery_words(&secret).as_str(), words, nm);
        same(parse_recovery(words), Ok(secret), nm);
        let messy = format!("  {}\n", words.to_uppercase().replace(' ', " \t\u{3000} "));
        same(parse_recovery(&messy), Ok(secret), nm);
        same(recovery_kek(&secret, &salt), arr(v, "kek"), nm);
        let (sk, pk) = recovery_key_pair(&secret, &salt);
        same((sk, pk), (arr(v, "slot_secret"), arr(v, "slot_public")), nm);
        same(slot_info(SLOT_RECOVERY, &pk), hx(v, "info"), nm);
        let slot = seal_slot(SLOT_RECOVERY, &pk, &root, &arr(v, "ephemeral_secret")).unwrap();
        same(slot.enc, arr(v, "enc"), nm);
        same(&slot.wrapped_root[..], &hx(v, "wrapped_root"), nm);
        let open = |secret: &Key, salt: &[u8]| {
            let pair = recovery_key_pair(secret, salt);
            open_secret_slot(SLOT_RECOVERY, &slot, pair, WrongRecoveryPhrase)
        };
        same(open(&secret, &salt), Ok(root), nm);
        fails(open(&secret, &[0; 16]), WrongRecoveryPhrase, nm);
        fails(open(&root, &salt), WrongRecoveryPhrase, nm);
        // Word count, unknown word, checksum, non-ASCII and length failures.
        let list: Vec<&str> = words.split(' ').collect();
        let unknown = [&list[..5], &["keepsake"], &list[6..]].concat();
        let swapped = [&list[1..2], &list[..1], &list[2..]].concat();
        assert_ne!(list[0], list[1]);
        let accented = [&list[..23], &["ab\u{e9}"]].concat();
        for bad in [&list[..23], &unknown, &swapped, &accented] {
            fails(parse_recovery(&bad.join(" ")), InvalidRecoveryPhrase, nm);
        }
        let long = format!("{words}{}", " ".repeat(1025 - words.len()));
        fails(parse_recovery(&long), InvalidRecoveryPhrase, nm);
    }
}

#[test]
fn device_slot_v1() {
    for v in &vectors("device-slot-v1.json", 2) {
        let nm = st(v, "name");
        let (root, sk) = (arr(v, "root"), arr(v, "device_secret"));
        let pk = arr(v, "device_public");
        same(x25519_public(&sk), pk, nm);
        same(slot_info(SLOT_DEVICE, &pk), hx(v, "info"), nm);
        let slot = seal_slot(SLOT_DEVICE, &pk, &root, &arr(v, "ephemeral_secret")).unwrap();
        same(slot.enc, arr(v, "enc"), nm);
        same(&slot.wrapped_root[..], &hx(v, "wrapped_root"), nm);
        same(open_slot(SLOT_DEVICE, &slot, &sk), Ok(root), nm);
        fails(
            open_slot(SLOT_DEVICE, &slot, &[7; 32]),
            DecryptionFailed,
            nm,
        );
        let low_order = Slot {
            enc: [0; 32],
            ..slot
        };
        fails(
            open_slot(SLOT_DEVICE, &low_order, &sk),
            InvalidPublicKey,
            nm,
        );
        fails(
            seal_slot(SLOT_DEVICE, &[0; 32], &root, &sk),
            InvalidPublicKey,
            nm,
        );
    }
}

#[test]
fn derivation_v1() {
    for v in &vectors("derivation-v1.json", 3) {
        let (nm, roots) = (st(v, "name"), key_list(v, "roots"));
        let public = x25519_public(&arr(v, "identity_secret"));
        same(public, arr(v, "identity_public"), nm);
        same(fingerprint(&public).as_str(), st(v, "fingerprint"), nm);
        for a in v["albums"].as_array().unwrap() {
            let (id, epoch) = (hx(a, "album_id"), num(a, "epoch"));
            same(album_key(&roots, &id, epoch), Ok(arr(a, "album_key")), nm);
            // Every generation's root is used: with only the older roots, the epoch is unknown.
            let older = &roots[..(epoch >> 32) as usize];
            fails(album_key(older, &id, epoch), UnknownGeneration, nm);
        }
        let next = (roots.len() as u64) << 32;
        fails(album_key(&roots, &[0; 16], next), UnknownGeneration, nm);
    }
}

#[test]
fn grant_v1() {
    for v in &vectors("grant-v1.json", 2) {
        let nm = st(v, "name");
        let (sk_s, r) = (
            arr(v, "sender_identity_secret"),
            &arr(v, "recipient_identity_secret"),
        );
        let (id, epoch, key) = (arr(v, "album_id"), num(v, "epoch"), arr(v, "album_key"));
        let (s, pk_r) = (&x25519_public(&sk_s), x25519_public(r));
        let eph = arr(v, "ephemeral_secret");
        let grant = seal_grant(&sk_s, &pk_r, (&id, epoch), &key, &eph).unwrap();
        same(&grant, &hx(v, "grant"), nm);
        same(grant.len(), GRANT_LEN, nm);
        let acc = |g: &[u8], sk_r: &Key, sender: &Key, exp| accept_grant(sk_r, g, sender, exp);
        same(acc(&grant, r, s, None), Ok(key), nm);
        same(acc(&grant, r, s, Some((&id, epoch))), Ok(key), nm);
        // Refusals, in section 5.7's order.
        fails(acc(&[], r, s, None), MalformedGrant, nm);
        fails(acc(&[2, 1, 0], r, s, None), UnsupportedVersion, nm);
        fails(acc(&[1], r, s, None), MalformedGrant, nm);
        fails(acc(&[1, 2, 0], r, s, None), UnsupportedSuite, nm);
        let mut suite2 = grant.clone();
        suite2[1] = 2;
        fails(acc(&suite2, r, s, None), UnsupportedSuite, nm);
        fails(acc(&grant[..GRANT_LEN - 1], r, s, None), MalformedGrant, nm);
        fails(acc(&grant, &sk_s, s, None), GrantWrongRecipient, nm);
        fails(acc(&grant, r, &pk_r, None), GrantWrongSender, nm);
        for exp in [(&id, epoch + 1), (&[0; 16], epoch)] {
            fails(acc(&grant, r, s, Some(exp)), GrantWrongAlbum, nm);
        }
        // A flipped suite-free header bit (the header is in `info`), enc, ciphertext or tag.
        for i in [GRANT_HEADER_LEN - 1, 94, 130, GRANT_LEN - 1] {
            let mut flipped = grant.clone();
            flipped[i] ^= 1;
            fails(acc(&flipped, r, s, None), DecryptionFailed, nm);
        }
        // A grant by a third identity, relabelled with the expected sender.
        let mut forged = seal_grant(&[9; 32], &pk_r, (&id, epoch), &key, &eph).unwrap();
        forged[2..34].copy_from_slice(s);
        fails(acc(&forged, r, s, None), DecryptionFailed, nm);
        // Low-order enc, and a low-order sender key (named and expected): before the AEAD.
        let mut low_order = grant.clone();
        low_order[GRANT_HEADER_LEN..GRANT_HEADER_LEN + 32].fill(0);
        fails(acc(&low_order, r, s, None), InvalidPublicKey, nm);
        let mut low_sender = grant.clone();
        low_sender[2..34].fill(0);
        fails(acc(&low_sender, r, &[0; 32], None), InvalidPublicKey, nm);
    }
}

#[test]
fn bundle_v1() {
    let v = &vectors("bundle-v1.json", 1)[0];
    let (pass, words) = (st(v, "passphrase"), st(v, "recovery_words"));
    let devices = key_list(v, "device_secrets");
    let steps = v["steps"].as_array().unwrap();
    // Replay every step from its recorded randomness and compare the bundle byte for byte.
    let mut state: Option<(Bundle, Account)> = None;
    let mut history = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let (op, random) = (st(step, "op"), hx(step, "randomness"));
        let r = &mut Draws(&random);
        let nm = &format!("step {i} ({op})");
        let device = || arr::<32>(step, "device");
        let (b, account) = match (op, state.take()) {
            ("create", None) => {
                let (b, account, recovery) = create(pass, FLOOR, r).unwrap();
                same(recovery_words(&recovery).as_str(), words, nm);
                (b, account)
            }
            ("enroll", Some((b, a))) => (enroll(&a, &b, &device(), r).unwrap(), a),
            ("rotate", Some((b, a))) => rotate(&a, &b, None, r).unwrap(),
            ("revoke-and-rotate", Some((b, a))) => rotate(&a, &b, Some(&device()), r).unwrap(),
            (op, _) => panic!("step {op} out of place"),
        };
        same(
            r.0.len(),
            0,
            &format!("{nm}: every recorded random byte drawn"),
        );
        same(b.encode().as_str(), st(step, "bundle"), nm);
        same(
            parse_bundle(st(step, "bundle").as_bytes()).as_ref(),
            Ok(&b),
            nm,
        );
        history.push(b.clone());
        state = Some((b, account));
    }
    let (last, account) = state.unwrap();
    same(
        &account.roots,
        &key_list(v, "roots"),
        "roots of every generation",
    );
    same(
        account.identity_secret,
        arr(v, "identity_secret"),
        "identity secret",
    );
    let enrolled: Vec<Key> = steps
        .iter()
        .filter(|s| st(s, "op") == "enroll")
        .map(|s| arr(s, "device"))
        .collect();
    same(
        devices.iter().map(x25519_public).collect::<Vec<_>>(),
        enrolled,
        "device keys",
    );
    // Unlock the last bundle with every secret (5.8); the revoked device has no slot.
    let text = last.encode();
    let un = |text: &str, s: Secret, pin: Option<&[u8; PIN_LEN]>| unlock(text.as_bytes(), &s, pin);
    let current = pin(&last.identity, last.generation);
    same(
        un(&text, Secret::Passphrase(pass), None).as_ref(),
        Ok(&account),
        "passphrase",
    );
    same(
        un(&text, Secret::Recovery(words), Some(&current)).as_ref(),
        Ok(&account),
        "recovery",
    );
    same(
        un(&text, Secret::Device(devices[0]), Some(&current)).as_ref(),
        Ok(&account),
        "device",
    );
    fails(
        un(&text, Secret::Device(devices[1]), Some(&current)),
        DeviceNotEnrolled,
        "revoked",
    );
    let other_pin = pin(&x25519_public(&[1; 32]), 0);
    fails(
        un(&text, Secret::Device(devices[0]), Some(&other_pin)),
        IdentityMismatch,
        "pin",
    );
    // Every earlier bundle unlocks by recovery to the roots of its generation; with a newer
    // pin it is a rollback.
    for b in &history {
        let roots = &account.roots[..=b.generation as usize];
        let opened = un(&b.encode(), Secret::Recovery(words), None).unwrap();
        same(&opened.roots[..], roots, "earlier bundle");
        let rolled = un(&b.encode(), Secret::Recovery(words), Some(&current));
        same(rolled.is_ok(), b.generation == last.generation, "rollback");
    }
    // Changes are refused on a bundle that is not the current one.
    let (first, zeros) = (&history[0], [0u8; 256]);
    fails(
        enroll(&account, first, &[5; 32], &mut Draws(&zeros)),
        Rollback,
        "old bundle",
    );
    fails(
        rotate(
            &account,
            &Bundle {
                mac: [0; 32],
                ..last.clone()
            },
            None,
            &mut Draws(&zeros),
        ),
        BundleTampered,
        "mac",
    );
    let other = Account {
        identity_secret: [1; 32],
        ..account.clone()
    };
    fails(
        enroll(&other, &last, &[5; 32], &mut Draws(&zeros)),
        IdentityMismatch,
        "other account",
    );
    // 5.8 step 2: any failure to unwrap the identity secret (here its envelope version byte)
    // is IdentityMismatch.
    let mut bad_version = last.clone();
    bad_version.identity_secret[0] = 2;
    let bad_version = un(&bad_version.encode(), Secret::Recovery(words), None);
    fails(bad_version, IdentityMismatch, "identity secret version");
    // Structural refusals the failure file does not cover.
    let parse = |text: &str| parse_bundle(text.as_bytes());
    let mut many = last.clone();
    let dev = |i| Slot {
        public_key: [i; 32],
        enc: [0; 32],
        wrapped_root: [0; SLOT_CT_LEN],
    };
    many.devices = (0..=64).map(dev).collect();
    fails(parse(&many.encode()), MalformedBundle, "65 devices");
    many.devices.pop();
    assert!(parse(&many.encode()).is_ok(), "64 devices");
    many.devices.swap(0, 1);
    fails(parse(&many.encode()), MalformedBundle, "unsorted");
    let big = format!("{text}{}", " ".repeat(MAX_BUNDLE_LEN));
    fails(parse(&big), TooLarge, "too large");
    let upper = text.replace(&hex::encode(last.mac), &hex::encode_upper(last.mac));
    fails(parse(&upper), MalformedBundle, "uppercase hex");
    for (from, to, e) in [
        (r#""version":1"#, r#""version":1e0"#, MalformedBundle),
        (
            r#""version":1"#,
            r#""version":20000000000000000000000"#,
            UnsupportedVersion,
        ),
        (r#""version":1"#, r#""version":"1""#, MalformedBundle),
        (
            r#""generation":2"#,
            r#""generation":18446744073709551616"#,
            MalformedBundle,
        ),
        (
            r#"{"suite":1,"kdf""#,
            r#"{"suite":256,"kdf""#,
            MalformedBundle,
        ),
    ] {
        fails(parse(&text.replacen(from, to, 1)), e, to);
    }
}

#[test]
fn bundle_v1_failures() {
    for v in &vectors("bundle-v1-failures.json", 38) {
        let (bundle, secret) = (st(v, "bundle").as_bytes(), st(v, "secret"));
        let pin = || Some(arr::<PIN_LEN>(v, "pin"));
        let got = match st(v, "unlock") {
            "parse" => parse_bundle(bundle).map(|_| ()),
            "passphrase" => unlock(bundle, &Secret::Passphrase(secret), None).map(|_| ()),
            "recovery" => unlock(bundle, &Secret::Recovery(secret), None).map(|_| ()),
            "device" => {
                unlock(bundle, &Secret::Device(arr(v, "secret")), pin().as_ref()).map(|_| ())
            }
            other => panic!("unknown unlock {other}"),
        };
        let got = got.map_err(|e| format!("{e:?}")).err();
        same(got.as_deref(), Some(st(v, "error")), st(v, "name"));
    }
}
