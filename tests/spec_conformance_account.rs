//! Independent implementation of the Keepsake account key hierarchy (`SPEC.md` section 5, with
//! the section 4 envelope for purposes 0x05 to 0x07, and suite 2: RFC 9180 HPKE Base over the
//! X-Wing KEM, Ed25519 signatures), written from `SPEC.md` alone with the raw primitive crates
//! (`ml-kem`'s FIPS 203 internals, `x25519-dalek`, `ed25519-dalek`, not the `keepsake` crate,
//! nor the `x-wing` crate: X-Wing, SHAKE256 and SHA3-256 are written out here) and checked
//! against the account vector files in `tests/vectors/`. It exists to prove that the
//! specification suffices to interoperate. X-Wing is in `spec_conformance_account/xwing.rs`;
//! primitives, envelopes, HPKE and slots in `keys.rs`; the bundle encoding and parser in
//! `bundle.rs`; identity, grants, unlocking and the operations replayed from recorded
//! randomness here; the tests in `tests_keys.rs` and `tests_bundle.rs`.
#![allow(clippy::unwrap_used, clippy::panic)]

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
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
const LABEL_GRANT_SIGNATURE: &[u8] = b"keepsake/v1/album-grant-signature";
const LABEL_FINGERPRINT: &[u8] = b"keepsake/v1/identity-fingerprint";
const LABEL_IDENTITY_SIGN: &[u8] = b"keepsake/v1/identity-sign";
const LABEL_IDENTITY_KEM: &[u8] = b"keepsake/v1/identity-kem";
const SLOT_PASSPHRASE: u8 = 0x01;
const SLOT_RECOVERY: u8 = 0x02;
const SLOT_DEVICE: u8 = 0x03;
const SUITE_XWING: u8 = 2;
const SLOT_SALT_LEN: usize = 16;
const BUNDLE_VERSION: u64 = 1;
const MAX_BUNDLE_LEN: usize = 786_432;
const MAX_DEVICES: usize = 64;
const MAX_GENERATIONS: u64 = 1000;
const GRANT_VERSION: u8 = 0x01;
const GRANT_HEADER_LEN: usize = 122;
const GRANT_LEN: usize = 1354;
const SIGNATURE_LEN: usize = 64;
/// The identity public key: Ed25519 (32), then X-Wing (1216).
const IDENTITY_LEN: usize = 32 + XPK_LEN;
/// `wrapped_root` of a slot: the HPKE ciphertext of a 32-byte root.
const SLOT_CT_LEN: usize = KEY_LEN + TAG_LEN;
/// Section 5.9: `identity digest || be64(generation)`.
const PIN_LEN: usize = 40;
/// Section 5.2's `FLOOR` profile (19 MiB, 2 passes, 1 lane), which `bundle-v1.json` uses.
const FLOOR: Kdf = Kdf {
    m: 19_456,
    t: 2,
    p: 1,
};
// Suite 2's ids: X-Wing (0x647a), HKDF-SHA256 (0x0001), ChaCha20-Poly1305 (0x0003); Base mode.
const KEM_SUITE: &[u8] = b"KEM\x64\x7a";
const HPKE_SUITE: &[u8] = b"HPKE\x64\x7a\x00\x01\x00\x03";
const MODE_BASE: u8 = 0x00;

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
    GrantBadSignature,
}
use Error::*;

type Res<T> = Result<T, Error>;
type Nonce = [u8; 12];
type Key = [u8; KEY_LEN];
type Salt = [u8; SLOT_SALT_LEN];
/// HPKE's `(enc, ciphertext)`.
type Sealed = (Enc, Vec<u8>);
type IdPk = [u8; IDENTITY_LEN];
/// An album id and epoch.
type Album<'a> = (&'a [u8; 16], u64);

#[path = "spec_conformance_account/bundle.rs"]
mod bundle;
#[path = "spec_conformance_account/keys.rs"]
mod keys;
#[path = "spec_conformance_account/tests_bundle.rs"]
mod tests_bundle;
#[path = "spec_conformance_account/tests_keys.rs"]
mod tests_keys;
#[path = "spec_conformance_account/xwing.rs"]
mod xwing;
use bundle::*;
use keys::*;
use xwing::*;

// ---------------------------------------------------------------- identity (5.1, 5.7)

/// The two key pairs an identity seed gives, its public key and digest.
struct Identity {
    sign: SigningKey,
    /// The X-Wing seed.
    kem: Key,
    public: IdPk,
    digest: Key,
}

fn identity(seed: &Key) -> Identity {
    let sign = SigningKey::from_bytes(&hkdf(b"", seed, LABEL_IDENTITY_SIGN));
    let kem: Key = hkdf(b"", seed, LABEL_IDENTITY_KEM);
    let public = [&sign.verifying_key().to_bytes()[..], &xwing_public(&kem)].concat();
    let public: IdPk = public.try_into().unwrap();
    Identity {
        sign,
        kem,
        digest: identity_digest(&public),
        public,
    }
}

/// `SHA-256(LABEL_FINGERPRINT || Ed25519 public key || X-Wing public key)`.
fn identity_digest(public: &IdPk) -> Key {
    let d = Sha256::digest([LABEL_FINGERPRINT, public].concat());
    d.as_slice().try_into().unwrap()
}

/// An identity public key read from a bundle: the Ed25519 half decodes and is not of small
/// order (section 6), the X-Wing half passes 5.1's checks.
fn check_identity(public: &IdPk) -> Res<()> {
    let ed = VerifyingKey::from_bytes(public[..32].try_into().unwrap());
    ensure(
        !ed.map_err(|_| InvalidPublicKey)?.is_weak(),
        InvalidPublicKey,
    )?;
    check_public(&public[32..])
}

fn fingerprint(digest: &Key) -> String {
    let group = |i: usize| {
        let n = digest[5 * i..5 * i + 5]
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

// ---------------------------------------------------------------- grants (5.7)

/// `header = GRANT_VERSION || 0x02 || sender digest || recipient digest || album id || be64(epoch)
/// || history entry hash`.
fn grant_header(sender: &Key, recipient: &Key, (id, epoch): Album, history: &Key) -> Vec<u8> {
    let v = [GRANT_VERSION, SUITE_XWING];
    [&v[..], sender, recipient, id, &be64(epoch), history].concat()
}

/// `key` for `(album id, epoch)`, granted by the identity of seed `sender` to `recipient`,
/// naming the album history entry `history` (SPEC.md 5.12).
fn seal_grant(
    sender: &Key,
    recipient: &IdPk,
    (album, history): (Album, &Key),
    key: &Key,
    eseed: &Eseed,
) -> Res<Vec<u8>> {
    let s = identity(sender);
    let header = grant_header(&s.digest, &identity_digest(recipient), album, history);
    assert_eq!(header.len(), GRANT_HEADER_LEN);
    let info = [LABEL_GRANT, &header].concat();
    let pk_r: &XPk = recipient[32..].try_into().unwrap();
    let (enc, ct) = hpke_seal(pk_r, &info, key, eseed)?;
    let signed = [&header[..], &enc, &ct].concat();
    let signature = s.sign.sign(&[LABEL_GRANT_SIGNATURE, &signed].concat());
    Ok([signed, signature.to_bytes().to_vec()].concat())
}

/// Section 5.7 acceptance by the identity of seed `me`, in its order; returns the album key.
fn accept_grant(me: &Key, grant: &[u8], sender: &IdPk, expect: Option<Album>) -> Res<Key> {
    match (grant.first(), grant.get(1)) {
        (None, _) => return Err(MalformedGrant),
        (Some(&v), _) if v != GRANT_VERSION => return Err(UnsupportedVersion),
        (_, None) => return Err(MalformedGrant),
        (_, Some(&s)) if s != SUITE_XWING => return Err(UnsupportedSuite),
        _ if grant.len() != GRANT_LEN => return Err(MalformedGrant),
        _ => {}
    }
    let me = identity(me);
    let header = &grant[..GRANT_HEADER_LEN];
    ensure(header[34..66] == me.digest, GrantWrongRecipient)?;
    ensure(header[2..34] == identity_digest(sender), GrantWrongSender)?;
    let epoch = u64::from_be_bytes(header[82..90].try_into().unwrap());
    let album_ok = expect.is_none_or(|(id, e)| id[..] == header[66..82] && e == epoch);
    ensure(album_ok, GrantWrongAlbum)?;
    // GUESS (5.7 does not place it): an expected sender whose Ed25519 key does not decode is
    // `InvalidPublicKey` (section 6); a small-order one fails `verify_strict`.
    let (signed, signature) = grant.split_at(GRANT_LEN - SIGNATURE_LEN);
    let ed = VerifyingKey::from_bytes(sender[..32].try_into().unwrap());
    let signature = Signature::from_bytes(signature.try_into().unwrap());
    let message = [LABEL_GRANT_SIGNATURE, signed].concat();
    let verified = ed
        .map_err(|_| InvalidPublicKey)?
        .verify_strict(&message, &signature);
    verified.map_err(|_| GrantBadSignature)?;
    let enc: &Enc = signed[GRANT_HEADER_LEN..GRANT_HEADER_LEN + ENC_LEN]
        .try_into()
        .unwrap();
    let info = [LABEL_GRANT, header].concat();
    let key = hpke_open(enc, &me.kem, &info, &signed[GRANT_HEADER_LEN + ENC_LEN..])?;
    Ok(key.try_into().unwrap())
}

// ---------------------------------------------------------------- unlock (5.8)

enum Secret<'a> {
    Passphrase(&'a str),
    Recovery(&'a str),
    /// The device's X-Wing seed.
    Device(Key),
}

/// What an unlock yields: the roots of generations `0..=g` and the identity seed.
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
        (Secret::Device(seed), _) => {
            let pk = xwing_public(seed);
            let slot = b.devices.iter().find(|d| d.public_key == pk);
            open_slot(SLOT_DEVICE, slot.ok_or(DeviceNotEnrolled)?, seed)?
        }
        (Secret::Recovery(_), None) => unreachable!(),
    };
    // 2. The identity seed, against the bundle's identity and a device's pinned digest.
    let digest = identity_digest(&b.identity);
    let id_binding = identity_binding(&digest);
    let identity_secret = open_key(&root, &id_binding, &b.identity_secret, IdentityMismatch)?;
    let public = identity(&identity_secret).public;
    let pinned = match (secret, pin) {
        (Secret::Device(_), Some(pin)) => pin[..32] == digest,
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
    // 5. Rollback, after the pin's identity.
    if let Some(pin) = pin {
        ensure(pin[..32] == digest, IdentityMismatch)?;
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
    let identity = identity(&account.identity_secret).public;
    ensure(b.identity == identity, IdentityMismatch)?;
    ensure(b.generation + 1 >= account.roots.len() as u64, Rollback)?;
    let mac_ok = ct_eq(&b.compute_mac(account.root()), &b.mac);
    ensure(mac_ok, BundleTampered)
}

/// Create: root, identity seed, recovery secret, passphrase salt and `eseed`, recovery salt and
/// `eseed`, identity-secret nonce. Returns the recovery secret too.
fn create(passphrase: &str, kdf: Kdf, r: &mut Draws) -> Res<(Bundle, Account, Key)> {
    let (root, identity_secret, recovery): (Key, Key, Key) = (r.take(), r.take(), r.take());
    let pass_salt = r.take();
    let (_, pass_pk) = passphrase_key_pair(passphrase, &pass_salt, kdf)?;
    let pass = seal_slot(SLOT_PASSPHRASE, &pass_pk, &root, &r.take())?;
    let rec_salt = r.take();
    let (_, rec_pk) = recovery_key_pair(&recovery, &rec_salt);
    let rec = seal_slot(SLOT_RECOVERY, &rec_pk, &root, &r.take())?;
    let id = identity(&identity_secret);
    let id_binding = identity_binding(&id.digest);
    let wrapped_identity = seal_envelope(&root, &id_binding, &r.take(), &identity_secret);
    let mut b = Bundle {
        generation: 0,
        identity: id.public,
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
    let account = Account {
        roots,
        identity_secret,
    };
    Ok((b, account, recovery))
}

/// Enroll: the device slot's `eseed`; the slot goes in public-key order.
fn enroll(account: &Account, b: &Bundle, device: &XPk, r: &mut Draws) -> Res<Bundle> {
    check_current(account, b)?;
    check_public(device)?;
    let mut b = b.clone();
    let slot = seal_slot(SLOT_DEVICE, device, account.root(), &r.take())?;
    let at = b.devices.partition_point(|d| d.public_key < *device);
    match b.devices.get(at) {
        Some(d) if d.public_key == *device => b.devices[at] = slot,
        _ => b.devices.insert(at, slot),
    }
    ensure(b.devices.len() <= MAX_DEVICES, TooLarge)?;
    b.mac = b.compute_mac(account.root());
    Ok(b)
}

/// Rotate (with `revoke`, revoke-and-rotate): new root; `eseed` for the passphrase, recovery and
/// each remaining device slot in slot order; identity-secret nonce; a nonce per history entry.
fn rotate(
    account: &Account,
    b: &Bundle,
    revoke: Option<&XPk>,
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
    let id = identity_binding(&identity_digest(&b.identity));
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

fn vector_path(file: &str) -> String {
    format!("{}/vectors/{file}", env!("CARGO_MANIFEST_DIR"))
}

fn vectors(file: &str, count: usize) -> Vec<Value> {
    let path = vector_path(file);
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

fn pin(digest: &Key, generation: u64) -> [u8; PIN_LEN] {
    [&digest[..], &be64(generation)]
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
