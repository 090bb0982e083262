//! Independent implementation of the Keepsake account key hierarchy (`SPEC.md` section 5, with
//! the section 4 envelope for purposes 0x06/0x07 and RFC 9180 HPKE Base/Auth for the one suite
//! section 5.1 names), written from `SPEC.md` alone with the raw primitive crates (not the
//! `keepsake` crate), and checked against the account vector files in `tests/vectors/`. It
//! exists to prove that the specification suffices to interoperate.
#![allow(clippy::unwrap_used, clippy::panic)]

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::inout::InOutBuf;
use chacha20poly1305::{AeadInOut, ChaCha20Poly1305, KeyInit, XChaCha20Poly1305};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;
use x25519_dalek::{PublicKey, StaticSecret};

// Section 1 and 4.1 constants.
const KEY_LEN: usize = 32;
const TAG_LEN: usize = 16;
const ENVELOPE_VERSION: u8 = 0x01;
const XNONCE_LEN: usize = 24;
const ENVELOPE_HEADER_LEN: usize = 57;
const ENVELOPE_OVERHEAD: usize = 73;
const MAX_ENVELOPE_PLAINTEXT: usize = 1_048_576;
const LABEL_ENVELOPE: &[u8] = b"keepsake/v1/envelope";
const PURPOSE_PASSPHRASE: u8 = 0x06;
const PURPOSE_RECOVERY: u8 = 0x07;
// Section 5.1 constants.
const LABEL_IDENTITY: &[u8] = b"keepsake/v1/identity";
const LABEL_ALBUM: &[u8] = b"keepsake/v1/album";
const LABEL_RECOVERY_KEK: &[u8] = b"keepsake/v1/recovery-kek";
const LABEL_DEVICE_SLOT: &[u8] = b"keepsake/v1/device-slot";
const LABEL_BUNDLE_MAC: &[u8] = b"keepsake/v1/bundle-mac";
const LABEL_GRANT: &[u8] = b"keepsake/v1/album-grant";
const LABEL_FINGERPRINT: &[u8] = b"keepsake/v1/fingerprint";
const SLOT_SALT_LEN: usize = 16;
const BUNDLE_VERSION: u64 = 1;
const MAX_BUNDLE_LEN: usize = 65_536;
const MAX_DEVICES: usize = 64;
const GRANT_VERSION: u8 = 0x01;
const GRANT_HEADER_LEN: usize = 89;
const GRANT_LEN: usize = 169;
// RFC 9180 suite ids: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305; modes.
const KEM_SUITE: &[u8] = b"KEM\x00\x20";
const HPKE_SUITE: &[u8] = b"HPKE\x00\x20\x00\x01\x00\x03";
const MODE_BASE: u8 = 0x00;
const MODE_AUTH: u8 = 0x02;

/// The error names of section 6 that sections 4 and 5 use (payloads omitted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Error {
    UnsupportedVersion,
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
    GrantWrongSender,
    GrantWrongRecipient,
    GrantWrongAlbum,
}
use Error::*;

type Res<T> = Result<T, Error>;
type Nonce = [u8; 12];
type Key = [u8; KEY_LEN];
/// HPKE's `(enc, ciphertext)`.
type Sealed = (Key, Vec<u8>);
/// An album id and epoch.
type Album<'a> = (&'a [u8; 16], u64);

// ---------------------------------------------------------------- primitives (section 1)

fn hkdf<const L: usize>(salt: &[u8], ikm: &[u8], info: &[u8]) -> [u8; L] {
    let mut okm = [0u8; L];
    let hk = hkdf::Hkdf::<Sha256>::new(Some(salt), ikm);
    hk.expand(info, &mut okm).unwrap();
    okm
}

/// `Err(e)` unless `ok`.
fn ensure(ok: bool, e: Error) -> Res<()> {
    if ok { Ok(()) } else { Err(e) }
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Seals with a detached tag and returns `ciphertext || tag`.
fn seal_with<A: AeadInOut>(aead: &A, nonce: &[u8], aad: &[u8], pt: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; pt.len()];
    let buf = InOutBuf::new(pt, &mut out).unwrap();
    let nonce = nonce.try_into().unwrap();
    let tag = aead.encrypt_inout_detached(nonce, aad, buf).unwrap();
    out.extend_from_slice(tag.as_slice());
    out
}

/// Opens `ciphertext || tag`; `None` on any authentication failure.
fn open_with<A: AeadInOut>(aead: &A, nonce: &[u8], aad: &[u8], ct: &[u8]) -> Option<Vec<u8>> {
    let (body, tag) = ct.split_at(ct.len().checked_sub(TAG_LEN)?);
    let mut out = vec![0u8; body.len()];
    let buf = InOutBuf::new(body, &mut out).unwrap();
    let nonce = nonce.try_into().unwrap();
    let tag = tag.try_into().unwrap();
    aead.decrypt_inout_detached(nonce, aad, buf, tag).ok()?;
    Some(out)
}

// ---------------------------------------------------------------- envelopes (section 4)

/// `binding = ENVELOPE_VERSION || purpose || len8(context) || context` (section 4.2).
fn binding(purpose: u8, context: &[u8]) -> Vec<u8> {
    let len8 = u8::try_from(context.len()).unwrap();
    [&[ENVELOPE_VERSION, purpose, len8][..], context].concat()
}

/// `key || commitment = HKDF(salt = nonce, ikm = owner key, info = LABEL_ENVELOPE || binding)`.
fn envelope_keys(key: &Key, binding: &[u8], nonce: &[u8]) -> (XChaCha20Poly1305, Key) {
    let okm: [u8; 64] = hkdf(nonce, key, &[LABEL_ENVELOPE, binding].concat());
    let aead = XChaCha20Poly1305::new_from_slice(&okm[..32]).unwrap();
    (aead, okm[32..].try_into().unwrap())
}

fn seal_envelope(key: &Key, binding: &[u8], nonce: &[u8; XNONCE_LEN], pt: &[u8]) -> Vec<u8> {
    assert!(pt.len() <= MAX_ENVELOPE_PLAINTEXT);
    let (aead, commitment) = envelope_keys(key, binding, nonce);
    let ct = seal_with(&aead, nonce, binding, pt);
    [&[ENVELOPE_VERSION][..], nonce, &commitment, &ct].concat()
}

/// Section 4.4 (purposes 0x06 and 0x07 carry no length rule of their own).
fn open_envelope(key: &Key, binding: &[u8], s: &[u8]) -> Res<Vec<u8>> {
    match s.first() {
        None => return Err(TruncatedHeader),
        Some(&v) if v != ENVELOPE_VERSION => return Err(UnsupportedVersion),
        _ if s.len() < ENVELOPE_OVERHEAD => return Err(TruncatedHeader),
        _ if s.len() > MAX_ENVELOPE_PLAINTEXT + ENVELOPE_OVERHEAD => return Err(TooLarge),
        _ => {}
    }
    let nonce = &s[1..1 + XNONCE_LEN];
    let (aead, commitment) = envelope_keys(key, binding, nonce);
    let ok = ct_eq(&commitment, &s[1 + XNONCE_LEN..ENVELOPE_HEADER_LEN]);
    ensure(ok, DecryptionFailed)?;
    open_with(&aead, nonce, binding, &s[ENVELOPE_HEADER_LEN..]).ok_or(DecryptionFailed)
}

/// An opened slot's plaintext as a root key.
fn root_of(pt: Vec<u8>) -> Res<Key> {
    pt.try_into().map_err(|_| DecryptionFailed)
}

// ---------------------------------------------------------------- HPKE (RFC 9180, section 5.1)

fn labeled_extract(suite: &[u8], salt: &[u8], label: &[u8], ikm: &[u8]) -> Key {
    let ikm = [b"HPKE-v1", suite, label, ikm].concat();
    let (prk, _) = hkdf::Hkdf::<Sha256>::extract(Some(salt), &ikm);
    prk.as_slice().try_into().unwrap()
}

fn labeled_expand<const L: usize>(suite: &[u8], prk: &Key, label: &[u8], info: &[u8]) -> [u8; L] {
    let len = u16::try_from(L).unwrap().to_be_bytes();
    let info = [&len[..], b"HPKE-v1", suite, label, info].concat();
    let mut out = [0u8; L];
    let hk = hkdf::Hkdf::<Sha256>::from_prk(prk).unwrap();
    hk.expand(&info, &mut out).unwrap();
    out
}

fn x25519_public(secret: &Key) -> Key {
    PublicKey::from(&StaticSecret::from(*secret)).to_bytes()
}

/// X25519 with the all-zero check of 5.1. GUESS: it runs before any AEAD open, so it wins
/// over `DecryptionFailed`.
fn dh(secret: &Key, public: &Key) -> Res<Key> {
    let shared = StaticSecret::from(*secret).diffie_hellman(&PublicKey::from(*public));
    ensure(shared.was_contributory(), InvalidPublicKey)?;
    Ok(shared.to_bytes())
}

/// DHKEM `ExtractAndExpand`, then the key schedule (no PSK) for one message: `(aead, nonce)`.
fn hpke_context(dh: &[u8], kem_ctx: &[u8], info: &[u8], auth: bool) -> (ChaCha20Poly1305, Nonce) {
    let eae_prk = labeled_extract(KEM_SUITE, b"", b"eae_prk", dh);
    let shared: Key = labeled_expand(KEM_SUITE, &eae_prk, b"shared_secret", kem_ctx);
    let mode = if auth { MODE_AUTH } else { MODE_BASE };
    let psk_id_hash = labeled_extract(HPKE_SUITE, b"", b"psk_id_hash", b"");
    let info_hash = labeled_extract(HPKE_SUITE, b"", b"info_hash", info);
    let ks_context = [&[mode][..], &psk_id_hash, &info_hash].concat();
    let secret = labeled_extract(HPKE_SUITE, &shared, b"secret", b"");
    let key: Key = labeled_expand(HPKE_SUITE, &secret, b"key", &ks_context);
    let nonce = labeled_expand(HPKE_SUITE, &secret, b"base_nonce", &ks_context);
    (ChaCha20Poly1305::new_from_slice(&key).unwrap(), nonce)
}

/// SealBase (`sk_s` = None) or SealAuth (aad ""): `(enc, ct)`. GUESS: the vectors' fixed ephemeral
/// secret is the X25519 scalar itself (no RFC 9180 `DeriveKeyPair`); the vectors agree.
fn hpke_seal(pk_r: &Key, info: &[u8], pt: &[u8], eph: &Key, sk_s: Option<&Key>) -> Res<Sealed> {
    let enc = x25519_public(eph);
    let (mut dhs, mut kem_ctx) = (dh(eph, pk_r)?.to_vec(), [enc, *pk_r].concat());
    if let Some(sk_s) = sk_s {
        dhs.extend_from_slice(&dh(sk_s, pk_r)?);
        kem_ctx.extend_from_slice(&x25519_public(sk_s));
    }
    let (aead, nonce) = hpke_context(&dhs, &kem_ctx, info, sk_s.is_some());
    Ok((enc, seal_with(&aead, &nonce, b"", pt)))
}

/// OpenBase (`pk_s` = None) or OpenAuth with the sender's public key (aad "").
fn hpke_open(enc: &Key, sk_r: &Key, info: &[u8], ct: &[u8], pk_s: Option<&Key>) -> Res<Vec<u8>> {
    let mut dhs = dh(sk_r, enc)?.to_vec();
    let mut kem_ctx = [*enc, x25519_public(sk_r)].concat();
    if let Some(pk_s) = pk_s {
        dhs.extend_from_slice(&dh(sk_r, pk_s)?);
        kem_ctx.extend_from_slice(pk_s);
    }
    let (aead, nonce) = hpke_context(&dhs, &kem_ctx, info, pk_s.is_some());
    open_with(&aead, &nonce, b"", ct).ok_or(DecryptionFailed)
}

// ---------------------------------------------------------------- slots (sections 5.2–5.4)

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Kdf {
    m: u32,
    t: u32,
    p: u32,
}

impl Kdf {
    /// Section 5.2's floor and ceiling. GUESS: the floor is checked first.
    fn check(self) -> Res<()> {
        let Kdf { m, t, p } = self;
        ensure(m >= 19_456 && t >= 2 && p >= 1, KdfParamsTooWeak)?;
        let mt = u64::from(m) * u64::from(t);
        let ok = m <= 1_048_576 && t <= 64 && p <= 8 && mt <= 2_097_152;
        ensure(ok, KdfParamsTooCostly)
    }

    /// `be32(m) || be32(t) || be32(p) || salt`.
    fn context(self, salt: &[u8]) -> Vec<u8> {
        let be = |n: u32| n.to_be_bytes();
        [&be(self.m)[..], &be(self.t), &be(self.p), salt].concat()
    }
}

fn nfc(passphrase: &str) -> String {
    passphrase.nfc().collect()
}

fn passphrase_kek(passphrase: &str, salt: &[u8], kdf: Kdf) -> Res<Key> {
    kdf.check()?;
    let params = Params::new(kdf.m, kdf.t, kdf.p, Some(KEY_LEN)).unwrap();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let (mut kek, pwd) = ([0u8; KEY_LEN], nfc(passphrase));
    let done = argon.hash_password_into(pwd.as_bytes(), salt, &mut kek);
    done.unwrap();
    Ok(kek)
}

fn seal_passphrase_slot(pass: &str, salt: &[u8], kdf: Kdf, nonce: &[u8; 24], k: &Key) -> Vec<u8> {
    let kek = passphrase_kek(pass, salt, kdf).unwrap();
    let b = binding(PURPOSE_PASSPHRASE, &kdf.context(salt));
    seal_envelope(&kek, &b, nonce, k)
}

/// GUESS: every failure to open the slot is `WrongPassphrase`, including a bad version byte.
fn open_passphrase_slot(pass: &str, salt: &[u8], kdf: Kdf, wrapped: &[u8]) -> Res<Key> {
    let kek = passphrase_kek(pass, salt, kdf)?;
    let b = binding(PURPOSE_PASSPHRASE, &kdf.context(salt));
    let root = open_envelope(&kek, &b, wrapped).and_then(root_of);
    root.map_err(|_| WrongPassphrase)
}

fn recovery_words(secret: &Key) -> String {
    bip39::Mnemonic::from_entropy(secret).unwrap().to_string()
}

/// Any letter case and any (Unicode) white space between words. GUESS: exactly 24 words; a valid
/// 12-word phrase is `InvalidRecoveryPhrase`.
fn parse_recovery(phrase: &str) -> Res<Key> {
    let words: Vec<String> = phrase.split_whitespace().map(str::to_lowercase).collect();
    ensure(words.len() == 24, InvalidRecoveryPhrase)?;
    let english = bip39::Language::English;
    let m = bip39::Mnemonic::parse_in_normalized(english, &words.join(" "));
    let entropy = m.map_err(|_| InvalidRecoveryPhrase)?.to_entropy();
    Ok(entropy.try_into().unwrap())
}

fn recovery_kek(secret: &Key, salt: &[u8]) -> Key {
    hkdf(salt, secret, LABEL_RECOVERY_KEK)
}

fn seal_recovery_slot(secret: &Key, salt: &[u8], nonce: &[u8; 24], root: &Key) -> Vec<u8> {
    let (kek, b) = (recovery_kek(secret, salt), binding(PURPOSE_RECOVERY, salt));
    seal_envelope(&kek, &b, nonce, root)
}

fn open_recovery_slot(secret: &Key, salt: &[u8], wrapped: &[u8]) -> Res<Key> {
    let (kek, b) = (recovery_kek(secret, salt), binding(PURPOSE_RECOVERY, salt));
    let root = open_envelope(&kek, &b, wrapped).and_then(root_of);
    root.map_err(|_| WrongRecoveryPhrase)
}

fn device_info(public: &Key) -> Vec<u8> {
    [LABEL_DEVICE_SLOT, public].concat()
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Device {
    public_key: Key,
    enc: Key,
    wrapped_root: Vec<u8>,
}

fn seal_device_slot(root: &Key, public_key: &Key, eph: &Key) -> Res<Device> {
    let (enc, wrapped_root) = hpke_seal(public_key, &device_info(public_key), root, eph, None)?;
    Ok(Device {
        public_key: *public_key,
        enc,
        wrapped_root,
    })
}

fn open_device_slot(slot: &Device, device_secret: &Key) -> Res<Key> {
    let (info, ct) = (device_info(&slot.public_key), &slot.wrapped_root);
    root_of(hpke_open(&slot.enc, device_secret, &info, ct, None)?)
}

// ---------------------------------------------------------------- derivations (5.1, 5.6, 5.7)

/// `(identity_secret, identity_public)`; the secret is the raw HKDF output (X25519 clamps it).
fn identity(root: &Key) -> (Key, Key) {
    let secret: Key = hkdf(b"", root, LABEL_IDENTITY);
    (secret, x25519_public(&secret))
}

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

fn album_key(root: &Key, album_id: &[u8], epoch: u64) -> Key {
    let info = [LABEL_ALBUM, &epoch.to_be_bytes()].concat();
    hkdf(album_id, root, &info)
}

/// The album key of `sender_root` for `(album id, epoch)`, granted to `recipient`.
fn seal_grant(sender_root: &Key, recipient: &Key, (id, epoch): Album, eph: &Key) -> Res<Vec<u8>> {
    let ((sk_s, pk_s), key) = (identity(sender_root), album_key(sender_root, id, epoch));
    let ep = epoch.to_be_bytes();
    let header = [&[GRANT_VERSION][..], &pk_s, recipient, id, &ep].concat();
    assert_eq!(header.len(), GRANT_HEADER_LEN);
    let info = [LABEL_GRANT, &header].concat();
    let (enc, ct) = hpke_seal(recipient, &info, &key, eph, Some(&sk_s))?;
    Ok([header, enc.to_vec(), ct].concat())
}

/// Section 5.7 acceptance, in its order; returns the album key.
fn accept_grant(root: &Key, grant: &[u8], sender: &Key, expect: Option<Album>) -> Res<Key> {
    match grant.first() {
        None => return Err(MalformedGrant),
        Some(&v) if v != GRANT_VERSION => return Err(UnsupportedVersion),
        _ if grant.len() != GRANT_LEN => return Err(MalformedGrant),
        _ => {}
    }
    let ((sk_r, pk_r), (header, rest)) = (identity(root), grant.split_at(GRANT_HEADER_LEN));
    ensure(header[33..65] == pk_r, GrantWrongRecipient)?;
    ensure(header[1..33] == *sender, GrantWrongSender)?;
    let epoch = u64::from_be_bytes(header[81..89].try_into().unwrap());
    let album_ok = expect.is_none_or(|(id, e)| id[..] == header[65..81] && e == epoch);
    ensure(album_ok, GrantWrongAlbum)?;
    let enc = rest[..32].try_into().unwrap();
    let info = [LABEL_GRANT, header].concat();
    let key = hpke_open(&enc, &sk_r, &info, &rest[32..], Some(sender))?;
    Ok(key.try_into().unwrap())
}

// ---------------------------------------------------------------- bundle (5.5) and unlock (5.8)

#[derive(Debug, Clone, PartialEq, Eq)]
struct Bundle {
    identity: Key,
    kdf: Kdf,
    pass_salt: [u8; SLOT_SALT_LEN],
    pass_wrapped: Vec<u8>,
    rec_salt: [u8; SLOT_SALT_LEN],
    rec_wrapped: Vec<u8>,
    devices: Vec<Device>,
    mac: Key,
}

impl Bundle {
    /// The canonical encoding of the `body` object: serde_json's compact output, fields in
    /// insertion order (`preserve_order`), lowercase hex, plain decimal numbers.
    fn body(&self) -> String {
        let h = |b: &[u8]| hex::encode(b);
        let devices: Vec<Value> = self.devices.iter().map(|d| json!({
            "public_key": h(&d.public_key), "enc": h(&d.enc), "wrapped_root": h(&d.wrapped_root)
        })).collect();
        let Kdf { m, t, p } = self.kdf;
        json!({
            "version": BUNDLE_VERSION,
            "identity": h(&self.identity),
            "passphrase": {
                "kdf": { "memory_kib": m, "iterations": t, "parallelism": p },
                "salt": h(&self.pass_salt),
                "wrapped_root": h(&self.pass_wrapped),
            },
            "recovery": { "salt": h(&self.rec_salt), "wrapped_root": h(&self.rec_wrapped) },
            "devices": devices,
        })
        .to_string()
    }

    fn encode(&self) -> String {
        let (body, mac) = (self.body(), hex::encode(self.mac));
        format!(r#"{{"body":{body},"mac":"{mac}"}}"#)
    }

    /// GUESS (the vector agrees): "the canonical encoding of the body object" is `body`'s value.
    fn compute_mac(&self, root: &Key) -> Key {
        use hmac::{KeyInit as _, Mac as _};
        let mac_key: Key = hkdf(b"", root, LABEL_BUNDLE_MAC);
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(&mac_key).unwrap();
        mac.update(self.body().as_bytes());
        mac.finalize().into_bytes().as_slice().try_into().unwrap()
    }
}

/// The fields of a JSON object that has exactly `names` (order is left to the canonical check).
fn fields<'a, const N: usize>(v: &'a Value, names: [&str; N]) -> Res<[&'a Value; N]> {
    let m = v.as_object().ok_or(MalformedBundle)?;
    let exact = m.len() == N && names.iter().all(|n| m.contains_key(*n));
    ensure(exact, MalformedBundle)?;
    Ok(names.map(|n| &m[n]))
}

/// A hex string of exactly `n` bytes (case is left to the canonical check).
fn hex_n(v: &Value, n: usize) -> Res<Vec<u8>> {
    let bytes = hex::decode(v.as_str().ok_or(MalformedBundle)?).map_err(|_| MalformedBundle)?;
    ensure(bytes.len() == n, MalformedBundle)?;
    Ok(bytes)
}

fn hex_arr<const N: usize>(v: &Value) -> Res<[u8; N]> {
    Ok(hex_n(v, N)?.try_into().unwrap())
}

/// GUESS: the KDF numbers are `u32` (they are encoded with be32); anything else is mistyped.
fn int(v: &Value) -> Res<u32> {
    let n = v.as_u64().ok_or(MalformedBundle)?;
    u32::try_from(n).map_err(|_| MalformedBundle)
}

/// Section 5.5 parsing, in the specification's order.
fn parse_bundle(input: &[u8]) -> Res<Bundle> {
    ensure(input.len() <= MAX_BUNDLE_LEN, TooLarge)?;
    let v: Value = serde_json::from_slice(input).map_err(|_| MalformedBundle)?;
    let version = v.get("body").and_then(|b| b.get("version"));
    let version = version.ok_or(MalformedBundle)?;
    // 5.5: a plain non-negative integer other than 1, or any number whose value is an
    // integer of at least 2^64, is UnsupportedVersion; anything else is MalformedBundle.
    let huge = |f: f64| f.fract() == 0.0 && f >= 2f64.powi(64);
    match (version.as_u64(), version.as_i64(), version.as_f64()) {
        (Some(BUNDLE_VERSION), _, _) => {}
        (Some(_), _, _) => return Err(UnsupportedVersion),
        (None, None, Some(f)) if huge(f) => return Err(UnsupportedVersion),
        _ => return Err(MalformedBundle),
    }
    let [body, mac] = fields(&v, ["body", "mac"])?;
    let names = ["version", "identity", "passphrase", "recovery", "devices"];
    let [_, identity, pass, rec, devs] = fields(body, names)?;
    let [kdf, pass_salt, pass_wrapped] = fields(pass, ["kdf", "salt", "wrapped_root"])?;
    let [m, t, p] = fields(kdf, ["memory_kib", "iterations", "parallelism"])?;
    let [rec_salt, rec_wrapped] = fields(rec, ["salt", "wrapped_root"])?;
    let device = |d| {
        let [public_key, enc, wrapped_root] = fields(d, ["public_key", "enc", "wrapped_root"])?;
        let (public_key, enc) = (hex_arr(public_key)?, hex_arr(enc)?);
        let wrapped_root = hex_n(wrapped_root, KEY_LEN + TAG_LEN)?;
        Ok(Device {
            public_key,
            enc,
            wrapped_root,
        })
    };
    let devices = devs.as_array().ok_or(MalformedBundle)?.iter().map(device);
    let (m, t, p) = (int(m)?, int(t)?, int(p)?);
    let bundle = Bundle {
        identity: hex_arr(identity)?,
        kdf: Kdf { m, t, p },
        pass_salt: hex_arr(pass_salt)?,
        pass_wrapped: hex_n(pass_wrapped, ENVELOPE_OVERHEAD + KEY_LEN)?,
        rec_salt: hex_arr(rec_salt)?,
        rec_wrapped: hex_n(rec_wrapped, ENVELOPE_OVERHEAD + KEY_LEN)?,
        devices: devices.collect::<Res<_>>()?,
        mac: hex_arr(mac)?,
    };
    let devices = &bundle.devices;
    let sorted = devices
        .windows(2)
        .all(|w| w[0].public_key < w[1].public_key);
    ensure(devices.len() <= MAX_DEVICES && sorted, MalformedBundle)?;
    bundle.kdf.check()?;
    ensure(bundle.encode().as_bytes() == input, MalformedBundle)?;
    Ok(bundle)
}

enum Secret<'a> {
    Passphrase(&'a str),
    Recovery(&'a str),
    /// The device secret and the identity public key pinned at enrolment.
    Device(Key, Key),
}

/// Section 5.8: parse, open the slot, check the identity (and pin), then the MAC.
fn unlock(input: &[u8], secret: &Secret) -> Res<Key> {
    let b = parse_bundle(input)?;
    let root = match secret {
        Secret::Passphrase(p) => open_passphrase_slot(p, &b.pass_salt, b.kdf, &b.pass_wrapped)?,
        Secret::Recovery(words) => {
            open_recovery_slot(&parse_recovery(words)?, &b.rec_salt, &b.rec_wrapped)?
        }
        Secret::Device(sk, _) => {
            let pk = x25519_public(sk);
            let slot = b.devices.iter().find(|d| d.public_key == pk);
            open_device_slot(slot.ok_or(DeviceNotEnrolled)?, sk)?
        }
    };
    let id_pub = identity(&root).1;
    let pin_ok = !matches!(secret, Secret::Device(_, pin) if *pin != id_pub);
    ensure(id_pub == b.identity && pin_ok, IdentityMismatch)?;
    ensure(ct_eq(&b.compute_mac(&root), &b.mac), BundleTampered)?;
    Ok(root)
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

fn num(v: &Value, field: &str) -> u32 {
    u32::try_from(v[field].as_u64().unwrap()).unwrap()
}

#[track_caller]
fn same<T: PartialEq + std::fmt::Debug>(got: T, want: T, what: &str) {
    assert_eq!(got, want, "{what}");
}

#[track_caller]
fn fails<T>(got: Res<T>, want: Error, what: &str) {
    assert_eq!(got.err(), Some(want), "{what}");
}

// ---------------------------------------------------------------- tests

#[test]
fn passphrase_slot_v1() {
    for v in &vectors("passphrase-slot-v1.json", 2) {
        let (nm, pass) = (st(v, "name"), st(v, "passphrase"));
        same(nfc(pass).into_bytes(), hx(v, "passphrase_nfc"), nm);
        let (m, t) = (num(v, "memory_kib"), num(v, "iterations"));
        let p = num(v, "parallelism");
        let (kdf, salt, root) = (Kdf { m, t, p }, hx(v, "salt"), arr(v, "root"));
        same(kdf.context(&salt), hx(v, "context"), nm);
        same(passphrase_kek(pass, &salt, kdf), Ok(arr(v, "kek")), nm);
        let wrapped = seal_passphrase_slot(pass, &salt, kdf, &arr(v, "nonce"), &root);
        same(&wrapped, &hx(v, "wrapped_root"), nm);
        let open = |pass: &str, salt: &[u8], kdf| open_passphrase_slot(pass, salt, kdf, &wrapped);
        same(open(pass, &salt, kdf), Ok(root), nm);
        // The already-normalized passphrase opens the slot too; a changed `t` or salt does not.
        let nfc_pass = String::from_utf8(hx(v, "passphrase_nfc")).unwrap();
        same(open(&nfc_pass, &salt, kdf), Ok(root), nm);
        fails(open(pass, &salt, Kdf { t: 3, ..kdf }), WrongPassphrase, nm);
        fails(open(pass, &[0; 16], kdf), WrongPassphrase, nm);
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
    let weak = [(19_455, 2, 1), (19_456, 1, 1), (19_456, 2, 0)];
    same(weak.map(k), [Some(KdfParamsTooWeak); 3], "weak");
    same(
        [(1 << 21, 1, 1)].map(k),
        [Some(KdfParamsTooWeak)],
        "weak first",
    );
    let costly = [(1 << 20 | 1, 2, 1), (32_768, 65, 1), (19_456, 2, 9)];
    same(costly.map(k), [Some(KdfParamsTooCostly); 3], "costly");
    same(
        [(1 << 20, 3, 1)].map(k),
        [Some(KdfParamsTooCostly)],
        "m * t",
    );
}

#[test]
fn recovery_v1() {
    for v in &vectors("recovery-v1.json", 2) {
        let (nm, words) = (st(v, "name"), st(v, "words"));
        let (secret, salt, root) = (arr(v, "secret"), hx(v, "salt"), arr(v, "root"));
        same(recovery_words(&secret).as_str(), words, nm);
        same(parse_recovery(words), Ok(secret), nm);
        let messy = format!("  {}\n", words.to_uppercase().replace(' ', " \t "));
        same(parse_recovery(&messy), Ok(secret), nm);
        same(recovery_kek(&secret, &salt), arr(v, "kek"), nm);
        let wrapped = seal_recovery_slot(&secret, &salt, &arr(v, "nonce"), &root);
        same(&wrapped, &hx(v, "wrapped_root"), nm);
        same(open_recovery_slot(&secret, &salt, &wrapped), Ok(root), nm);
        let open = |secret: &Key, salt: &[u8]| open_recovery_slot(secret, salt, &wrapped);
        fails(open(&secret, &[0; 16]), WrongRecoveryPhrase, nm);
        fails(open(&root, &salt), WrongRecoveryPhrase, nm);
        // Word count, unknown word and checksum failures.
        let list: Vec<&str> = words.split(' ').collect();
        let unknown = [&list[..5], &["keepsake"], &list[6..]].concat();
        let swapped = [&list[1..2], &list[..1], &list[2..]].concat();
        assert_ne!(list[0], list[1]);
        for bad in [&list[..23], &unknown, &swapped] {
            fails(parse_recovery(&bad.join(" ")), InvalidRecoveryPhrase, nm);
        }
    }
}

#[test]
fn device_slot_v1() {
    for v in &vectors("device-slot-v1.json", 2) {
        let nm = st(v, "name");
        let (root, sk) = (arr(v, "root"), arr(v, "device_secret"));
        let pk = arr(v, "device_public");
        same(x25519_public(&sk), pk, nm);
        same(device_info(&pk), hx(v, "info"), nm);
        let slot = seal_device_slot(&root, &pk, &arr(v, "ephemeral_secret")).unwrap();
        same(slot.enc, arr(v, "enc"), nm);
        same(&slot.wrapped_root, &hx(v, "wrapped_root"), nm);
        same(open_device_slot(&slot, &sk), Ok(root), nm);
        fails(open_device_slot(&slot, &[7; 32]), DecryptionFailed, nm);
        let low_order = Device {
            enc: [0; 32],
            ..slot
        };
        fails(open_device_slot(&low_order, &sk), InvalidPublicKey, nm);
        fails(seal_device_slot(&root, &[0; 32], &sk), InvalidPublicKey, nm);
    }
}

#[test]
fn derivation_v1() {
    for v in &vectors("derivation-v1.json", 3) {
        let (nm, root) = (st(v, "name"), arr(v, "root"));
        let (secret, public) = identity(&root);
        same(secret, arr(v, "identity_secret"), nm);
        same(public, arr(v, "identity_public"), nm);
        same(fingerprint(&public).as_str(), st(v, "fingerprint"), nm);
        for a in v["albums"].as_array().unwrap() {
            let (id, epoch) = (hx(a, "album_id"), a["epoch"].as_u64().unwrap());
            same(album_key(&root, &id, epoch), arr(a, "album_key"), nm);
        }
    }
}

#[test]
fn grant_v1() {
    for v in &vectors("grant-v1.json", 2) {
        let nm = st(v, "name");
        let (sender_root, r) = (arr(v, "sender_root"), &arr(v, "recipient_root"));
        let (id, epoch) = (arr(v, "album_id"), v["epoch"].as_u64().unwrap());
        let key = arr(v, "album_key");
        same(album_key(&sender_root, &id, epoch), key, nm);
        let (s, recipient_pk) = (&identity(&sender_root).1, identity(r).1);
        let eph = arr(v, "ephemeral_secret");
        let grant = seal_grant(&sender_root, &recipient_pk, (&id, epoch), &eph).unwrap();
        same(&grant, &hx(v, "grant"), nm);
        same(grant.len(), GRANT_LEN, nm);
        let acc = |g: &[u8], root: &Key, sender: &Key, exp| accept_grant(root, g, sender, exp);
        same(acc(&grant, r, s, None), Ok(key), nm);
        same(acc(&grant, r, s, Some((&id, epoch))), Ok(key), nm);
        // Refusals, in section 5.7's order.
        fails(acc(&[], r, s, None), MalformedGrant, nm);
        fails(acc(&[2, 0, 0], r, s, None), UnsupportedVersion, nm);
        fails(acc(&grant[..168], r, s, None), MalformedGrant, nm);
        fails(acc(&grant, &sender_root, s, None), GrantWrongRecipient, nm);
        fails(acc(&grant, r, &recipient_pk, None), GrantWrongSender, nm);
        for exp in [(&id, epoch + 1), (&[0; 16], epoch)] {
            fails(acc(&grant, r, s, Some(exp)), GrantWrongAlbum, nm);
        }
        // A flipped epoch bit (the header is in `info`), enc, ciphertext or tag.
        for i in [88, 94, 130, GRANT_LEN - 1] {
            let mut flipped = grant.clone();
            flipped[i] ^= 1;
            fails(acc(&flipped, r, s, None), DecryptionFailed, nm);
        }
        // A grant by a third identity, relabelled with the expected sender.
        let mut forged = seal_grant(&[9; 32], &recipient_pk, (&id, epoch), &eph).unwrap();
        forged[1..33].copy_from_slice(s);
        fails(acc(&forged, r, s, None), DecryptionFailed, nm);
        let mut low_order = grant.clone();
        low_order[GRANT_HEADER_LEN..GRANT_HEADER_LEN + 32].fill(0);
        fails(acc(&low_order, r, s, None), InvalidPublicKey, nm);
    }
}

#[test]
fn bundle_v1() {
    let v = &vectors("bundle-v1.json", 1)[0];
    let (root, text) = (arr(v, "root"), st(v, "bundle"));
    let b = parse_bundle(text.as_bytes()).unwrap();
    same(b.encode().as_str(), text, "re-encoding");
    same(b.identity, identity(&root).1, "identity");
    same(b.compute_mac(&root), b.mac, "mac");
    // Re-seal both secret slots from the recorded salts and nonces (inside the envelopes).
    let (pass, words) = (st(v, "passphrase"), st(v, "recovery_words"));
    let nonce = |w: &[u8]| -> [u8; 24] { w[1..25].try_into().unwrap() };
    let pw = seal_passphrase_slot(pass, &b.pass_salt, b.kdf, &nonce(&b.pass_wrapped), &root);
    same(&pw, &b.pass_wrapped, "passphrase slot");
    let secret = parse_recovery(words).unwrap();
    let rw = seal_recovery_slot(&secret, &b.rec_salt, &nonce(&b.rec_wrapped), &root);
    same(&rw, &b.rec_wrapped, "recovery slot");
    // Unlock with all three secrets; a device with another pin is refused.
    let (device, pin) = (arr(v, "device_secret"), identity(&root).1);
    let un = |text: &str, s: Secret| unlock(text.as_bytes(), &s);
    same(un(text, Secret::Passphrase(pass)), Ok(root), "passphrase");
    same(un(text, Secret::Recovery(words)), Ok(root), "recovery");
    same(un(text, Secret::Device(device, pin)), Ok(root), "device");
    let other_pin = identity(&[1; 32]).1;
    let other = Secret::Device(device, other_pin);
    fails(un(text, other), IdentityMismatch, "pin");
    // Enrol a second device and re-MAC: still canonical, sorted, and unlockable.
    let sk2 = [0x42; 32];
    let mut b2 = b.clone();
    let slot2 = seal_device_slot(&root, &x25519_public(&sk2), &[0x24; 32]);
    b2.devices.push(slot2.unwrap());
    b2.devices.sort_by_key(|d| d.public_key);
    b2.mac = b2.compute_mac(&root);
    for sk in [sk2, device] {
        same(
            un(&b2.encode(), Secret::Device(sk, pin)),
            Ok(root),
            "two devices",
        );
    }
    // Structural refusals the failure file does not cover.
    let parse = |text: &str| parse_bundle(text.as_bytes());
    b2.devices.reverse();
    fails(parse(&b2.encode()), MalformedBundle, "unsorted");
    let mut many = b.clone();
    let wrapped_root = vec![0; 48];
    let dev = |i| Device {
        public_key: [i; 32],
        enc: [0; 32],
        wrapped_root: wrapped_root.clone(),
    };
    many.devices = (0..=64).map(dev).collect();
    fails(parse(&many.encode()), MalformedBundle, "65 devices");
    many.devices.pop();
    assert!(parse(&many.encode()).is_ok(), "64 devices");
    let big = format!("{text}{}", " ".repeat(MAX_BUNDLE_LEN));
    fails(parse(&big), TooLarge, "too large");
    let upper = text.replace(&hex::encode(b.mac), &hex::encode_upper(b.mac));
    fails(parse(&upper), MalformedBundle, "uppercase hex");
}

#[test]
fn bundle_v1_failures() {
    for v in &vectors("bundle-v1-failures.json", 28) {
        let (bundle, secret) = (st(v, "bundle").as_bytes(), st(v, "secret"));
        let got = match st(v, "unlock") {
            "parse" => parse_bundle(bundle).map(|_| [0; 32]),
            "passphrase" => unlock(bundle, &Secret::Passphrase(secret)),
            "recovery" => unlock(bundle, &Secret::Recovery(secret)),
            "device" => unlock(bundle, &Secret::Device(arr(v, "secret"), arr(v, "pin"))),
            other => panic!("unknown unlock {other}"),
        };
        let got = got.map_err(|e| format!("{e:?}")).err();
        same(got.as_deref(), Some(st(v, "error")), st(v, "name"));
    }
}
