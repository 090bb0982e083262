//! Suite 2 of section 5.1: X-Wing (draft-connolly-cfrg-xwing-kem) built here from ML-KEM-768
//! (the `ml-kem` crate's FIPS 203 internals), X25519 and a Keccak written out below (SHAKE256
//! for the key expansion and DeriveKeyPair, SHA3-256 for the combiner), plus the public-key
//! checks of 5.1 and draft-ietf-hpke-pq's labeled DeriveKeyPair.

use ml_kem::array::Array;
use ml_kem::ml_kem_768::{Ciphertext, DecapsulationKey, EncapsulationKey};
use ml_kem::{B32, Decapsulate, KeyExport, Seed};
use x25519_dalek::{PublicKey, StaticSecret};

use super::*;

pub(super) const MLKEM_PK_LEN: usize = 1184;
pub(super) const MLKEM_CT_LEN: usize = 1088;
/// An X-Wing public key: the ML-KEM encapsulation key, then the X25519 public key.
pub(super) const XPK_LEN: usize = MLKEM_PK_LEN + KEY_LEN;
/// An X-Wing `enc`: the ML-KEM ciphertext, then the X25519 ephemeral public key.
pub(super) const ENC_LEN: usize = MLKEM_CT_LEN + KEY_LEN;
pub(super) type XPk = [u8; XPK_LEN];
pub(super) type Enc = [u8; ENC_LEN];
/// 32 bytes of ML-KEM `m`, then the X25519 ephemeral secret.
pub(super) type Eseed = [u8; 64];

/// X-Wing's combiner label, the ASCII art `\.//^\`.
const XWING_LABEL: &[u8] = b"\\.//^\\";

// ---------------------------------------------------------------- Keccak (FIPS 202)

const RC: [u64; 24] = [
    0x0000_0000_0000_0001,
    0x0000_0000_0000_8082,
    0x8000_0000_0000_808a,
    0x8000_0000_8000_8000,
    0x0000_0000_0000_808b,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8009,
    0x0000_0000_0000_008a,
    0x0000_0000_0000_0088,
    0x0000_0000_8000_8009,
    0x0000_0000_8000_000a,
    0x0000_0000_8000_808b,
    0x8000_0000_0000_008b,
    0x8000_0000_0000_8089,
    0x8000_0000_0000_8003,
    0x8000_0000_0000_8002,
    0x8000_0000_0000_0080,
    0x0000_0000_0000_800a,
    0x8000_0000_8000_000a,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8080,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8008,
];

/// Rotation offsets, lane `x + 5y`.
const RHO: [u32; 25] = [
    0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14,
];

fn keccak_f(a: &mut [u64; 25]) {
    for rc in RC {
        let c: [u64; 5] =
            std::array::from_fn(|x| a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20]);
        for x in 0..5 {
            let d = c[(x + 4) % 5] ^ c[(x + 1) % 5].rotate_left(1);
            for y in 0..5 {
                a[x + 5 * y] ^= d;
            }
        }
        let mut b = [0u64; 25];
        for x in 0..5 {
            for y in 0..5 {
                b[y + 5 * ((2 * x + 3 * y) % 5)] = a[x + 5 * y].rotate_left(RHO[x + 5 * y]);
            }
        }
        for y in 0..5 {
            for x in 0..5 {
                a[x + 5 * y] = b[x + 5 * y] ^ (!b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
            }
        }
        a[0] ^= rc;
    }
}

/// The sponge with `rate` bytes, domain byte `pad` (0x06 SHA-3, 0x1f SHAKE), `L` output bytes.
fn keccak<const L: usize>(rate: usize, pad: u8, parts: &[&[u8]]) -> [u8; L] {
    let mut msg = parts.concat();
    msg.push(pad);
    msg.resize(msg.len().div_ceil(rate) * rate, 0);
    *msg.last_mut().unwrap() |= 0x80;
    let mut st = [0u64; 25];
    for block in msg.chunks(rate) {
        for (lane, word) in st.iter_mut().zip(block.chunks(8)) {
            *lane ^= u64::from_le_bytes(word.try_into().unwrap());
        }
        keccak_f(&mut st);
    }
    let mut out = [0u8; L];
    for (i, chunk) in out.chunks_mut(rate).enumerate() {
        if i > 0 {
            keccak_f(&mut st);
        }
        let bytes: Vec<u8> = st.iter().flat_map(|l| l.to_le_bytes()).collect();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
    out
}

pub(super) fn shake256<const L: usize>(parts: &[&[u8]]) -> [u8; L] {
    keccak(136, 0x1f, parts)
}

pub(super) fn sha3_256(parts: &[&[u8]]) -> Key {
    keccak(136, 0x06, parts)
}

// ---------------------------------------------------------------- X25519

pub(super) fn x25519_public(secret: &Key) -> Key {
    PublicKey::from(&StaticSecret::from(*secret)).to_bytes()
}

/// X25519 with 5.1's all-zero check (it runs before any AEAD open).
pub(super) fn dh(secret: &Key, public: &Key) -> Res<Key> {
    let shared = StaticSecret::from(*secret).diffie_hellman(&PublicKey::from(*public));
    ensure(shared.was_contributory(), InvalidPublicKey)?;
    Ok(shared.to_bytes())
}

// ---------------------------------------------------------------- X-Wing

/// `expandDecapsulationKey`: SHAKE256(seed, 96) = ML-KEM `d || z`, then the X25519 secret.
fn expand(seed: &Key) -> (DecapsulationKey, Key, XPk) {
    let e: [u8; 96] = shake256(&[seed]);
    let dk = DecapsulationKey::from_seed(Seed::try_from(&e[..64]).unwrap());
    let sk_x: Key = e[64..].try_into().unwrap();
    let pk_m = dk.encapsulation_key().to_bytes();
    let pk = [&pk_m[..], &x25519_public(&sk_x)].concat();
    (dk, sk_x, pk.try_into().unwrap())
}

/// The public key of an X-Wing seed.
pub(super) fn xwing_public(seed: &Key) -> XPk {
    expand(seed).2
}

fn combiner(ss_m: &[u8], ss_x: &Key, ct_x: &[u8], pk_x: &[u8]) -> Key {
    sha3_256(&[ss_m, ss_x, ct_x, pk_x, XWING_LABEL])
}

/// 5.1's check of a public key when it is read: FIPS 203's modulus check of the ML-KEM half
/// (every 12-bit coefficient of its 1152-byte `t` below q = 3329) and an X25519 half not of
/// small order (one multiplication by a clamped scalar does not give zero).
pub(super) fn check_public(pk: &[u8]) -> Res<()> {
    ensure(pk.len() == XPK_LEN, InvalidPublicKey)?;
    let modulus_ok = pk[..1152].chunks(3).all(|b| {
        let (b0, b1, b2) = (u16::from(b[0]), u16::from(b[1]), u16::from(b[2]));
        (b0 | (b1 & 0x0f) << 8) < 3329 && (b1 >> 4 | b2 << 4) < 3329
    });
    ensure(modulus_ok, InvalidPublicKey)?;
    dh(&[0x42; 32], &pk[MLKEM_PK_LEN..].try_into().unwrap()).map(|_| ())
}

/// `EncapsDerand(pk, eseed)`: `(shared secret, enc)`.
pub(super) fn xwing_encaps(pk: &XPk, eseed: &Eseed) -> Res<(Key, Enc)> {
    check_public(pk)?;
    let (pk_m, pk_x) = pk.split_at(MLKEM_PK_LEN);
    let ek = EncapsulationKey::new(&Array::try_from(pk_m).unwrap());
    let ek = ek.map_err(|_| InvalidPublicKey)?;
    let m = B32::try_from(&eseed[..32]).unwrap();
    let (ct_m, ss_m) = ek.encapsulate_deterministic(&m);
    let ek_x: Key = eseed[32..].try_into().unwrap();
    let ct_x = x25519_public(&ek_x);
    let ss_x = dh(&ek_x, &pk_x.try_into().unwrap())?;
    let enc = [&ct_m[..], &ct_x].concat().try_into().unwrap();
    Ok((combiner(&ss_m, &ss_x, &ct_x, pk_x), enc))
}

/// `Decaps(seed, enc)`; an X25519 half giving zero is `InvalidPublicKey`.
pub(super) fn xwing_decaps(seed: &Key, enc: &Enc) -> Res<Key> {
    let (dk, sk_x, pk) = expand(seed);
    let (ct_m, ct_x) = enc.split_at(MLKEM_CT_LEN);
    let ss_x = dh(&sk_x, &ct_x.try_into().unwrap())?;
    let ss_m = dk.decapsulate(&Ciphertext::try_from(ct_m).unwrap());
    Ok(combiner(&ss_m, &ss_x, ct_x, &pk[MLKEM_PK_LEN..]))
}

/// draft-ietf-hpke-pq's DeriveKeyPair for 0x647a: the labeled SHAKE256 derivation of a seed,
/// `(seed, public key)`.
pub(super) fn derive_key_pair(ikm: &[u8]) -> (Key, XPk) {
    let seed: Key = shake256(&[
        ikm,
        b"HPKE-v1",
        KEM_SUITE,
        &13u16.to_be_bytes(),
        b"DeriveKeyPair",
        &32u16.to_be_bytes(),
    ]);
    (seed, xwing_public(&seed))
}
