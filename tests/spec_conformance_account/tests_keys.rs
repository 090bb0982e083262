//! Tests of the primitives, slots, identity and grants (sections 5.1 to 5.4, 5.6, 5.7) against
//! the published X-Wing and hpke-pq vectors and the project's own files.

use super::*;
use chacha20poly1305::{ChaCha20Poly1305, KeyInit};

#[test]
fn keccak_known_answers() {
    // FIPS 202 examples: SHA3-256("abc"), SHAKE256("", 32 bytes), and a two-block input.
    let want = "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532";
    same(hex::encode(sha3_256(&[b"abc"])), want.into(), "sha3-256");
    let want = "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f";
    same(hex::encode(shake256::<32>(&[b""])), want.into(), "shake256");
    let long: [u8; 200] = shake256(&[&[0xa3; 200]]);
    same(
        shake256::<200>(&[&[0xa3; 100], &[0xa3; 100]]),
        long,
        "parts",
    );
}

#[test]
fn xwing_draft_10() {
    let json = std::fs::read_to_string(vector_path("xwing-draft-10.json")).unwrap();
    let cases: Vec<Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(cases.len(), 3);
    for (i, v) in cases.iter().enumerate() {
        let nm = &format!("xwing vector {i}");
        let seed: Key = arr(v, "seed");
        same(seed, arr(v, "sk"), nm);
        let pk: XPk = arr(v, "pk");
        same(xwing_public(&seed), pk, nm);
        check_public(&pk).unwrap();
        let (ss, enc) = xwing_encaps(&pk, &arr(v, "eseed")).unwrap();
        same(enc, arr(v, "ct"), nm);
        same(ss, arr(v, "ss"), nm);
        same(xwing_decaps(&seed, &enc), Ok(ss), nm);
        // ML-KEM's implicit rejection: a changed ciphertext gives another secret, no error.
        let mut bad = enc;
        bad[0] ^= 1;
        assert_ne!(xwing_decaps(&seed, &bad), Ok(ss), "{nm}");
        // The all-zero X25519 half of `enc` is refused; so are invalid public keys.
        bad = enc;
        bad[MLKEM_CT_LEN..].fill(0);
        fails(xwing_decaps(&seed, &bad), InvalidPublicKey, nm);
        let mut bad_pk = pk;
        bad_pk[0] = 0xff;
        bad_pk[1] |= 0x0f;
        fails(check_public(&bad_pk), InvalidPublicKey, "modulus");
        fails(xwing_encaps(&bad_pk, &[0; 64]), InvalidPublicKey, "modulus");
        bad_pk = pk;
        bad_pk[MLKEM_PK_LEN..].fill(0);
        bad_pk[MLKEM_PK_LEN] = 1;
        fails(check_public(&bad_pk), InvalidPublicKey, "order 4 point");
    }
}

#[test]
fn hpke_pq_xwing() {
    let path = vector_path("hpke-pq-xwing-sha256-chacha20poly1305.json");
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(cases.len(), 1);
    let v = &cases[0];
    let ids = [
        num(v, "mode"),
        num(v, "kem_id"),
        num(v, "kdf_id"),
        num(v, "aead_id"),
    ];
    same(ids, [0, 0x647a, 1, 3], "suite 2");
    same(hx(v, "suite_id"), HPKE_SUITE.to_vec(), "suite_id");
    let (seed, pk) = derive_key_pair(&hx(v, "ikmR"));
    same(
        (seed, pk),
        (arr(v, "skRm"), arr(v, "pkRm")),
        "DeriveKeyPair",
    );
    // For X-Wing, `ikmE` is the 64-byte encapsulation randomness itself.
    let (shared, enc) = xwing_encaps(&pk, &arr(v, "ikmE")).unwrap();
    same(enc, arr(v, "enc"), "enc");
    same(shared, arr(v, "shared_secret"), "shared secret");
    same(xwing_decaps(&seed, &enc), Ok(shared), "decaps");
    let info = hx(v, "info");
    let (key, base_nonce, exporter) = key_schedule(&shared, &info);
    same(key, arr(v, "key"), "key");
    same(base_nonce, arr(v, "base_nonce"), "base_nonce");
    same(exporter, arr(v, "exporter_secret"), "exporter_secret");
    let aead = ChaCha20Poly1305::new_from_slice(&key).unwrap();
    for (seq, e) in v["encryptions"].as_array().unwrap().iter().enumerate() {
        let mut nonce = base_nonce;
        for (n, s) in nonce[4..].iter_mut().zip((seq as u64).to_be_bytes()) {
            *n ^= s;
        }
        same(nonce, arr(e, "nonce"), "nonce");
        let (aad, pt, ct) = (hx(e, "aad"), hx(e, "pt"), hx(e, "ct"));
        same(
            seal_with(&aead, &nonce, &aad, &pt),
            ct.clone(),
            "encryption",
        );
        same(open_with(&aead, &nonce, &aad, &ct), Some(pt), "decryption");
    }
    if let Some((first, _)) = v["encryptions"].as_array().unwrap().split_first() {
        let (sealed_enc, ct) = hpke_seal(&pk, &info, &hx(first, "pt"), &arr(v, "ikmE")).unwrap();
        same(sealed_enc, enc, "SealBase enc");
        // Our SealBase uses aad "", the vector "Count-0": the same keystream, another tag.
        let want = hx(first, "ct");
        same(
            &ct[..ct.len() - TAG_LEN],
            &want[..want.len() - TAG_LEN],
            "SealBase",
        );
        same(
            hpke_open(&enc, &seed, &info, &ct),
            Ok(hx(first, "pt")),
            "OpenBase",
        );
    }
    for e in v["exports"].as_array().unwrap() {
        let ctx = hx(e, "exporter_context");
        let out: Key = labeled_expand(HPKE_SUITE, &exporter, b"sec", &ctx);
        same(num(e, "L"), 32, "export length");
        same(out, arr(e, "exported_value"), "export");
    }
}

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
        let slot = seal_slot(SLOT_PASSPHRASE, &pk, &root, &arr(v, "eseed")).unwrap();
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
        let mut low_order = slot.clone();
        low_order.enc[MLKEM_CT_LEN..].fill(0);
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
        let slot = seal_slot(SLOT_RECOVERY, &pk, &root, &arr(v, "eseed")).unwrap();
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
        let pk: XPk = arr(v, "device_public");
        same(xwing_public(&sk), pk, nm);
        same(slot_info(SLOT_DEVICE, &pk), hx(v, "info"), nm);
        let slot = seal_slot(SLOT_DEVICE, &pk, &root, &arr(v, "eseed")).unwrap();
        same(slot.enc, arr(v, "enc"), nm);
        same(&slot.wrapped_root[..], &hx(v, "wrapped_root"), nm);
        same(open_slot(SLOT_DEVICE, &slot, &sk), Ok(root), nm);
        fails(
            open_slot(SLOT_DEVICE, &slot, &[7; 32]),
            DecryptionFailed,
            nm,
        );
        let mut low_order = slot.clone();
        low_order.enc[MLKEM_CT_LEN..].fill(0);
        fails(
            open_slot(SLOT_DEVICE, &low_order, &sk),
            InvalidPublicKey,
            nm,
        );
        let mut bad_pk = pk;
        bad_pk[MLKEM_PK_LEN..].fill(0);
        fails(
            seal_slot(SLOT_DEVICE, &bad_pk, &root, &[1; 64]),
            InvalidPublicKey,
            nm,
        );
    }
}

#[test]
fn derivation_v1() {
    for v in &vectors("derivation-v1.json", 3) {
        let (nm, roots) = (st(v, "name"), key_list(v, "roots"));
        let id = identity(&arr(v, "identity_secret"));
        same(id.public, arr(v, "identity_public"), nm);
        same(id.digest, arr(v, "identity_digest"), nm);
        check_identity(&id.public).unwrap();
        same(fingerprint(&id.digest).as_str(), st(v, "fingerprint"), nm);
        for a in v["albums"].as_array().unwrap() {
            let (album_id, epoch) = (hx(a, "album_id"), num(a, "epoch"));
            same(
                album_key(&roots, &album_id, epoch),
                Ok(arr(a, "album_key")),
                nm,
            );
            // Every generation's root is used: with only the older roots, the epoch is unknown.
            let older = &roots[..(epoch >> 32) as usize];
            fails(album_key(older, &album_id, epoch), UnknownGeneration, nm);
        }
        let next = (roots.len() as u64) << 32;
        fails(album_key(&roots, &[0; 16], next), UnknownGeneration, nm);
    }
}

#[test]
fn grant_v1() {
    for v in &vectors("grant-v1.json", 2) {
        let nm = st(v, "name");
        let (s_seed, r) = (
            arr(v, "sender_identity_secret"),
            &arr(v, "recipient_identity_secret"),
        );
        let (id, epoch, key) = (arr(v, "album_id"), num(v, "epoch"), arr(v, "album_key"));
        let (s, pk_r) = (&identity(&s_seed).public, identity(r).public);
        let eseed = arr(v, "eseed");
        let history = arr(v, "history");
        let grant = seal_grant(&s_seed, &pk_r, ((&id, epoch), &history), &key, &eseed).unwrap();
        same(&grant, &hx(v, "grant"), nm);
        same(grant.len(), GRANT_LEN, nm);
        let acc = |g: &[u8], me: &Key, sender: &IdPk, exp| accept_grant(me, g, sender, exp);
        same(acc(&grant, r, s, None), Ok(key), nm);
        same(acc(&grant, r, s, Some((&id, epoch))), Ok(key), nm);
        // Refusals, in section 5.7's order.
        fails(acc(&[], r, s, None), MalformedGrant, nm);
        fails(acc(&[2, 2, 0], r, s, None), UnsupportedVersion, nm);
        fails(acc(&[1], r, s, None), MalformedGrant, nm);
        fails(acc(&[1, 3, 0], r, s, None), UnsupportedSuite, nm);
        let mut suite1 = grant.clone();
        suite1[1] = 1;
        fails(
            acc(&suite1, r, s, None),
            UnsupportedSuite,
            "a suite-1 grant: no downgrade",
        );
        fails(acc(&grant[..GRANT_LEN - 1], r, s, None), MalformedGrant, nm);
        fails(
            acc(&[grant.clone(), vec![0]].concat(), r, s, None),
            MalformedGrant,
            nm,
        );
        fails(acc(&grant, &s_seed, s, None), GrantWrongRecipient, nm);
        fails(acc(&grant, r, &pk_r, None), GrantWrongSender, nm);
        for exp in [(&id, epoch + 1), (&[0; 16], epoch)] {
            fails(acc(&grant, r, s, Some(exp)), GrantWrongAlbum, nm);
        }
        // A flipped bit in the album id, the epoch, enc, the ciphertext or the signature.
        let (enc_at, ct_at) = (GRANT_HEADER_LEN, GRANT_HEADER_LEN + ENC_LEN);
        for i in [
            70,
            GRANT_HEADER_LEN - 1,
            enc_at,
            ct_at - 1,
            ct_at,
            GRANT_LEN - 1,
        ] {
            let mut flipped = grant.clone();
            flipped[i] ^= 1;
            fails(acc(&flipped, r, s, None), GrantBadSignature, nm);
        }
        // A grant by a third identity, relabelled with the expected sender.
        let third = [9; 32];
        let mut forged = seal_grant(&third, &pk_r, ((&id, epoch), &history), &key, &eseed).unwrap();
        forged[2..34].copy_from_slice(&identity(&s_seed).digest);
        fails(acc(&forged, r, s, None), GrantBadSignature, nm);
        // Validly signed, but enc's X25519 half low-order, or enc altered: the KEM's errors.
        let sender = identity(&s_seed);
        let resign = |g: &mut Vec<u8>| {
            let at = GRANT_LEN - SIGNATURE_LEN;
            let sig = sender
                .sign
                .sign(&[LABEL_GRANT_SIGNATURE, &g[..at]].concat());
            g[at..].copy_from_slice(&sig.to_bytes());
        };
        let mut low_order = grant.clone();
        low_order[ct_at - KEY_LEN..ct_at].fill(0);
        resign(&mut low_order);
        fails(acc(&low_order, r, s, None), InvalidPublicKey, nm);
        let mut altered = grant.clone();
        altered[enc_at] ^= 1;
        resign(&mut altered);
        fails(acc(&altered, r, s, None), DecryptionFailed, nm);
    }
}
