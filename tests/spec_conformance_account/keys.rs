//! Primitives (section 1), envelopes (section 4), RFC 9180 HPKE's Base mode over X-Wing (suite 2
//! of section 5.1) and the slots of sections 5.2 to 5.4.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::inout::InOutBuf;
use chacha20poly1305::{AeadInOut, ChaCha20Poly1305, KeyInit, XChaCha20Poly1305};
use sha2::Sha256;
use unicode_normalization::UnicodeNormalization;

use super::*;
// ---------------------------------------------------------------- primitives (section 1)

pub(super) fn hkdf<const L: usize>(salt: &[u8], ikm: &[u8], info: &[u8]) -> [u8; L] {
    let mut okm = [0u8; L];
    let hk = hkdf::Hkdf::<Sha256>::new(Some(salt), ikm);
    hk.expand(info, &mut okm).unwrap();
    okm
}

/// `Err(e)` unless `ok`.
pub(super) fn ensure(ok: bool, e: Error) -> Res<()> {
    if ok { Ok(()) } else { Err(e) }
}

pub(super) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(super) fn be64(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

/// Seals with a detached tag and returns `ciphertext || tag`.
pub(super) fn seal_with<A: AeadInOut>(aead: &A, nonce: &[u8], aad: &[u8], pt: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; pt.len()];
    let buf = InOutBuf::new(pt, &mut out).unwrap();
    let nonce = nonce.try_into().unwrap();
    let tag = aead.encrypt_inout_detached(nonce, aad, buf).unwrap();
    out.extend_from_slice(tag.as_slice());
    out
}

/// Opens `ciphertext || tag`; `None` on any authentication failure.
pub(super) fn open_with<A: AeadInOut>(
    aead: &A,
    nonce: &[u8],
    aad: &[u8],
    ct: &[u8],
) -> Option<Vec<u8>> {
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
pub(super) fn binding(purpose: u8, context: &[u8]) -> Vec<u8> {
    let len8 = u8::try_from(context.len()).unwrap();
    [&[ENVELOPE_VERSION, purpose, len8][..], context].concat()
}

/// Purpose 0x06: context the identity digest.
pub(super) fn identity_binding(digest: &Key) -> Vec<u8> {
    binding(PURPOSE_IDENTITY, digest)
}

/// Purpose 0x07: history entry `i` under the root of generation `g`, context `be64(i) || be64(g)`.
pub(super) fn history_binding(i: u64, g: u64) -> Vec<u8> {
    binding(PURPOSE_HISTORY, &[be64(i), be64(g)].concat())
}

/// `key || commitment = HKDF(salt = nonce, ikm = owner key, info = LABEL_ENVELOPE || binding)`.
pub(super) fn envelope_keys(key: &Key, binding: &[u8], nonce: &[u8]) -> (XChaCha20Poly1305, Key) {
    let okm: [u8; 64] = hkdf(nonce, key, &[LABEL_ENVELOPE, binding].concat());
    let aead = XChaCha20Poly1305::new_from_slice(&okm[..32]).unwrap();
    (aead, okm[32..].try_into().unwrap())
}

pub(super) fn seal_envelope(
    key: &Key,
    binding: &[u8],
    nonce: &[u8; XNONCE_LEN],
    pt: &[u8],
) -> Vec<u8> {
    assert!(pt.len() <= MAX_ENVELOPE_PLAINTEXT);
    let (aead, commitment) = envelope_keys(key, binding, nonce);
    let ct = seal_with(&aead, nonce, binding, pt);
    [&[ENVELOPE_VERSION][..], nonce, &commitment, &ct].concat()
}

/// Section 4.4 (purposes 0x06 and 0x07 carry no length rule of their own).
pub(super) fn open_envelope(key: &Key, binding: &[u8], s: &[u8]) -> Res<Vec<u8>> {
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

/// A wrapped key under `owner`: an envelope whose plaintext must be 32 bytes, else `err`.
pub(super) fn open_key(owner: &Key, binding: &[u8], s: &[u8], err: Error) -> Res<Key> {
    let pt = open_envelope(owner, binding, s).map_err(|_| err)?;
    pt.try_into().map_err(|_| err)
}

// ---------------------------------------------------------------- HPKE (RFC 9180, suite 2 of 5.1)

pub(super) fn labeled_extract(suite: &[u8], salt: &[u8], label: &[u8], ikm: &[u8]) -> Key {
    let ikm = [b"HPKE-v1", suite, label, ikm].concat();
    let (prk, _) = hkdf::Hkdf::<Sha256>::extract(Some(salt), &ikm);
    prk.as_slice().try_into().unwrap()
}

pub(super) fn labeled_expand<const L: usize>(
    suite: &[u8],
    prk: &Key,
    label: &[u8],
    info: &[u8],
) -> [u8; L] {
    let len = u16::try_from(L).unwrap().to_be_bytes();
    let info = [&len[..], b"HPKE-v1", suite, label, info].concat();
    let mut out = [0u8; L];
    let hk = hkdf::Hkdf::<Sha256>::from_prk(prk).unwrap();
    hk.expand(&info, &mut out).unwrap();
    out
}

/// The Base-mode key schedule (no PSK) with X-Wing's shared secret used as HPKE's
/// `shared_secret`: `(key, base_nonce, exporter_secret)`.
pub(super) fn key_schedule(shared: &Key, info: &[u8]) -> (Key, Nonce, Key) {
    let psk_id_hash = labeled_extract(HPKE_SUITE, b"", b"psk_id_hash", b"");
    let info_hash = labeled_extract(HPKE_SUITE, b"", b"info_hash", info);
    let ks_context = [&[MODE_BASE][..], &psk_id_hash, &info_hash].concat();
    let secret = labeled_extract(HPKE_SUITE, shared, b"secret", b"");
    let key = labeled_expand(HPKE_SUITE, &secret, b"key", &ks_context);
    let nonce = labeled_expand(HPKE_SUITE, &secret, b"base_nonce", &ks_context);
    let exporter = labeled_expand(HPKE_SUITE, &secret, b"exp", &ks_context);
    (key, nonce, exporter)
}

/// One message's AEAD and nonce.
pub(super) fn hpke_context(shared: &Key, info: &[u8]) -> (ChaCha20Poly1305, Nonce) {
    let (key, nonce, _) = key_schedule(shared, info);
    (ChaCha20Poly1305::new_from_slice(&key).unwrap(), nonce)
}

/// SealBase (aad ""): `(enc, ct)`, with `eseed` X-Wing's encapsulation randomness (section 7:
/// not an `ikmE` for DeriveKeyPair).
pub(super) fn hpke_seal(pk_r: &XPk, info: &[u8], pt: &[u8], eseed: &Eseed) -> Res<Sealed> {
    let (shared, enc) = xwing_encaps(pk_r, eseed)?;
    let (aead, nonce) = hpke_context(&shared, info);
    Ok((enc, seal_with(&aead, &nonce, b"", pt)))
}

/// OpenBase (aad "") with the recipient's X-Wing seed.
pub(super) fn hpke_open(enc: &Enc, seed_r: &Key, info: &[u8], ct: &[u8]) -> Res<Vec<u8>> {
    let shared = xwing_decaps(seed_r, enc)?;
    let (aead, nonce) = hpke_context(&shared, info);
    open_with(&aead, &nonce, b"", ct).ok_or(DecryptionFailed)
}

// ---------------------------------------------------------------- slots (sections 5.2–5.4)

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Kdf {
    pub(super) m: u32,
    pub(super) t: u32,
    pub(super) p: u32,
}

impl Kdf {
    /// Section 5.2's floor and ceiling; the floor is checked first (5.5).
    pub(super) fn check(self) -> Res<()> {
        let Kdf { m, t, p } = self;
        ensure(m >= 19_456 && t >= 2 && p >= 1, KdfParamsTooWeak)?;
        let mt = u64::from(m) * u64::from(t);
        let ok = m <= 1_048_576 && t <= 64 && p <= 8 && mt <= 2_097_152;
        ensure(ok, KdfParamsTooCostly)
    }
}

/// Section 5.4: every slot's public key and the root encapsulated to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Slot {
    pub(super) public_key: XPk,
    pub(super) enc: Enc,
    pub(super) wrapped_root: [u8; SLOT_CT_LEN],
}

/// `info = LABEL_ROOT_SLOT || kind || public_key`.
pub(super) fn slot_info(kind: u8, public_key: &XPk) -> Vec<u8> {
    [LABEL_ROOT_SLOT, &[kind], public_key].concat()
}

pub(super) fn seal_slot(kind: u8, public_key: &XPk, root: &Key, eseed: &Eseed) -> Res<Slot> {
    let info = slot_info(kind, public_key);
    let (enc, ct) = hpke_seal(public_key, &info, root, eseed)?;
    let wrapped_root = ct.try_into().unwrap();
    Ok(Slot {
        public_key: *public_key,
        enc,
        wrapped_root,
    })
}

/// HPKE OpenBase of a slot with its secret: `InvalidPublicKey` or `DecryptionFailed`.
pub(super) fn open_slot(kind: u8, slot: &Slot, secret: &Key) -> Res<Key> {
    let info = slot_info(kind, &slot.public_key);
    let root = hpke_open(&slot.enc, secret, &info, &slot.wrapped_root)?;
    root.try_into().map_err(|_| DecryptionFailed)
}

/// Opens a passphrase or recovery slot with the key pair its secret derives: a public key
/// that is not the slot's, or a slot that does not open, is `wrong`; a low-order `enc` keeps
/// 5.1's `InvalidPublicKey` (5.8 step 1).
pub(super) fn open_secret_slot(
    kind: u8,
    slot: &Slot,
    (sk, pk): (Key, XPk),
    wrong: Error,
) -> Res<Key> {
    ensure(pk == slot.public_key, wrong)?;
    open_slot(kind, slot, &sk).map_err(|e| if e == DecryptionFailed { wrong } else { e })
}

pub(super) fn nfc(passphrase: &str) -> String {
    passphrase.nfc().collect()
}

pub(super) fn passphrase_kek(passphrase: &str, salt: &[u8], kdf: Kdf) -> Res<Key> {
    kdf.check()?;
    let params = Params::new(kdf.m, kdf.t, kdf.p, Some(KEY_LEN)).unwrap();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let (mut kek, pwd) = ([0u8; KEY_LEN], nfc(passphrase));
    let done = argon.hash_password_into(pwd.as_bytes(), salt, &mut kek);
    done.unwrap();
    Ok(kek)
}

/// Section 5.2: `DeriveKeyPair(Argon2id(NFC(passphrase), salt, m, t, p))`.
pub(super) fn passphrase_key_pair(passphrase: &str, salt: &[u8], kdf: Kdf) -> Res<(Key, XPk)> {
    Ok(derive_key_pair(&passphrase_kek(passphrase, salt, kdf)?))
}

pub(super) fn recovery_words(secret: &Key) -> String {
    bip39::Mnemonic::from_entropy(secret).unwrap().to_string()
}

/// Section 5.3's parsing: at most 1024 bytes, Unicode white space between words (Rust's
/// `split_whitespace` is the `White_Space` property), lowercased, exactly 24 English words.
pub(super) fn parse_recovery(phrase: &str) -> Res<Key> {
    ensure(phrase.len() <= 1024, InvalidRecoveryPhrase)?;
    let words: Vec<String> = phrase.split_whitespace().map(str::to_lowercase).collect();
    ensure(words.len() == 24, InvalidRecoveryPhrase)?;
    let english = bip39::Language::English;
    let m = bip39::Mnemonic::parse_in_normalized(english, &words.join(" "));
    let entropy = m.map_err(|_| InvalidRecoveryPhrase)?.to_entropy();
    Ok(entropy.try_into().unwrap())
}

pub(super) fn recovery_kek(secret: &Key, salt: &[u8]) -> Key {
    hkdf(salt, secret, LABEL_RECOVERY_KEK)
}

/// Section 5.3: `DeriveKeyPair(HKDF(salt, recovery secret, LABEL_RECOVERY_KEK))`.
pub(super) fn recovery_key_pair(secret: &Key, salt: &[u8]) -> (Key, XPk) {
    derive_key_pair(&recovery_kek(secret, salt))
}
