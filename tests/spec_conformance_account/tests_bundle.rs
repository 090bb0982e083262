//! Tests of the bundle, unlocking, the operations and the epoch move (sections 5.5 to 5.9)
//! against `bundle-v1.json`, `bundle-v1-failures.json` and `epoch-move-v1.json`.

use super::*;

/// 64 distinct valid device slots, sorted by public key.
fn valid_devices() -> Vec<Slot> {
    let mut keys: Vec<XPk> = (0..64u8).map(|i| xwing_public(&[i; 32])).collect();
    keys.sort();
    let slot = |public_key| Slot {
        public_key,
        enc: [0; ENC_LEN],
        wrapped_root: [0; SLOT_CT_LEN],
    };
    keys.into_iter().map(slot).collect()
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
        let device = || arr::<XPK_LEN>(step, "device");
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
        let parsed = parse_bundle(st(step, "bundle").as_bytes());
        same(parsed.as_ref(), Ok(&b), nm);
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
    let enrolled: Vec<XPk> = steps
        .iter()
        .filter(|s| st(s, "op") == "enroll")
        .map(|s| arr(s, "device"))
        .collect();
    let device_keys: Vec<XPk> = devices.iter().map(xwing_public).collect();
    same(device_keys, enrolled, "device keys");
    // Unlock the last bundle with every secret (5.8); the revoked device has no slot.
    let text = last.encode();
    let un = |text: &str, s: Secret, pin: Option<&[u8; PIN_LEN]>| unlock(text.as_bytes(), &s, pin);
    let digest = identity_digest(&last.identity);
    let current = pin(&digest, last.generation);
    let opened = un(&text, Secret::Passphrase(pass), None);
    same(opened.as_ref(), Ok(&account), "passphrase");
    let opened = un(&text, Secret::Recovery(words), Some(&current));
    same(opened.as_ref(), Ok(&account), "recovery");
    let opened = un(&text, Secret::Device(devices[0]), Some(&current));
    same(opened.as_ref(), Ok(&account), "device");
    let revoked = un(&text, Secret::Device(devices[1]), Some(&current));
    fails(revoked, DeviceNotEnrolled, "revoked");
    let other_pin = pin(&identity(&[1; 32]).digest, 0);
    let foreign = un(&text, Secret::Device(devices[0]), Some(&other_pin));
    fails(foreign, IdentityMismatch, "pin of another identity, device");
    let foreign = un(&text, Secret::Recovery(words), Some(&other_pin));
    fails(
        foreign,
        IdentityMismatch,
        "pin of another identity, recovery",
    );
    // Every earlier bundle unlocks by recovery to the roots of its generation; with a newer
    // pin it is a rollback.
    for b in &history {
        let roots = &account.roots[..=b.generation as usize];
        let opened = un(&b.encode(), Secret::Recovery(words), None).unwrap();
        same(&opened.roots[..], roots, "earlier bundle");
        let rolled = un(&b.encode(), Secret::Recovery(words), Some(&current));
        let want = if b.generation == last.generation {
            None
        } else {
            Some(Rollback)
        };
        same(rolled.err(), want, "rollback");
    }
    // Changes are refused on a bundle that is not the current one.
    let (first, zeros) = (&history[0], [0u8; 512]);
    let new_device = xwing_public(&[5; 32]);
    let old = enroll(&account, first, &new_device, &mut Draws(&zeros));
    fails(old, Rollback, "old bundle");
    let bad_mac = Bundle {
        mac: [0; 32],
        ..last.clone()
    };
    fails(
        rotate(&account, &bad_mac, None, &mut Draws(&zeros)),
        BundleTampered,
        "mac",
    );
    let other = Account {
        identity_secret: [1; 32],
        ..account.clone()
    };
    let foreign = enroll(&other, &last, &new_device, &mut Draws(&zeros));
    fails(foreign, IdentityMismatch, "other account");
    // 5.8 step 2: any failure to unwrap the identity secret (here its envelope version byte)
    // is IdentityMismatch.
    let mut bad_version = last.clone();
    bad_version.identity_secret[0] = 2;
    let bad_version = un(&bad_version.encode(), Secret::Recovery(words), None);
    fails(bad_version, IdentityMismatch, "identity secret version");
    // Structural refusals the failure file does not cover.
    let parse = |text: &str| parse_bundle(text.as_bytes());
    let mut many = last.clone();
    many.devices = valid_devices();
    assert!(parse(&many.encode()).is_ok(), "64 devices");
    let mut extra = many.devices[63].clone();
    extra.public_key[XPK_LEN - 1] ^= 1;
    many.devices.push(extra);
    fails(parse(&many.encode()), MalformedBundle, "65 devices");
    many.devices.pop();
    many.devices.swap(0, 1);
    fails(parse(&many.encode()), MalformedBundle, "unsorted");
    // Keys are checked when used (5.1): a small-order Ed25519 identity parses; the unlock
    // refuses it (the seed's Ed25519 key is not it, 5.8 step 2).
    let mut bad_identity = last.clone();
    bad_identity.identity[..32].fill(0);
    assert!(
        parse(&bad_identity.encode()).is_ok(),
        "keys checked when used"
    );
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
            r#"{"suite":2,"kdf""#,
            r#"{"suite":256,"kdf""#,
            MalformedBundle,
        ),
        (
            r#"{"suite":2,"kdf""#,
            r#"{"suite":1,"kdf""#,
            UnsupportedSuite,
        ),
        (
            r#"{"suite":2,"salt""#,
            r#"{"suite":1,"salt""#,
            UnsupportedSuite,
        ),
    ] {
        assert!(text.contains(from), "{from}");
        fails(parse(&text.replacen(from, to, 1)), e, to);
    }
}

#[test]
fn bundle_v1_failures() {
    for v in &vectors("bundle-v1-failures.json", 41) {
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

#[test]
fn epoch_move_v1() {
    let v = &vectors("epoch-move-v1.json", 1)[0];
    let accounts: Vec<(&str, Bundle, Account)> = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let text = st(a, "bundle").as_bytes();
            let account = unlock(text, &Secret::Passphrase(st(a, "passphrase")), None).unwrap();
            (st(a, "name"), parse_bundle(text).unwrap(), account)
        })
        .collect();
    let (_, owner_bundle, owner) = &accounts[0];
    let (album_id, before, after) = (
        arr::<16>(v, "album_id"),
        num(v, "epoch_before"),
        num(v, "epoch_after"),
    );
    let g = owner_bundle.generation;
    same(after, before.max(g << 32) + 1, "epoch after the removal");
    let key_after = album_key(&owner.roots, &album_id, after);
    same(key_after, Ok(arr(v, "album_key_after")), "album key after");
    let mut received: Vec<(&str, u64, Key)> = Vec::new();
    for gr in v["grants"].as_array().unwrap() {
        let (to, epoch, grant) = (st(gr, "to"), num(gr, "epoch"), hx(gr, "grant"));
        let (_, to_bundle, to_account) = accounts.iter().find(|a| a.0 == to).unwrap();
        let key = album_key(&owner.roots, &album_id, epoch).unwrap();
        let album = (&album_id, epoch);
        let sealed = seal_grant(
            &owner.identity_secret,
            &to_bundle.identity,
            (album, &arr(gr, "history")),
            &key,
            &arr(gr, "eseed"),
        );
        same(sealed.as_ref(), Ok(&grant), "grant re-sealed");
        let me = &to_account.identity_secret;
        let opened = accept_grant(me, &grant, &owner_bundle.identity, Some(album));
        same(opened, Ok(key), "grant opened");
        // Not for the owner, and not from the recipient.
        fails(
            accept_grant(&owner.identity_secret, &grant, &owner_bundle.identity, None),
            GrantWrongRecipient,
            to,
        );
        fails(
            accept_grant(me, &grant, &to_bundle.identity, None),
            GrantWrongSender,
            to,
        );
        received.push((to, epoch, key));
    }
    let stays: Vec<u64> = received
        .iter()
        .filter(|r| r.0 == "stays")
        .map(|r| r.1)
        .collect();
    let removed: Vec<u64> = received
        .iter()
        .filter(|r| r.0 == "removed")
        .map(|r| r.1)
        .collect();
    same(
        (stays, removed),
        (vec![before, after], vec![before]),
        "who holds which epoch",
    );
    // Every item's wrapped media key opens under its epoch's key, and only under it.
    for item in v["items"].as_array().unwrap() {
        let (epoch, media_id) = (num(item, "epoch"), hx(item, "media_id"));
        let key = album_key(&owner.roots, &album_id, epoch).unwrap();
        let context = [&album_id[..], &be64(epoch), &media_id].concat();
        let wrapped = hx(item, "wrapped_media_key");
        let media_key = open_key(&key, &binding(0x05, &context), &wrapped, DecryptionFailed);
        assert!(media_key.is_ok(), "media key of epoch {epoch}");
        let other = album_key(&owner.roots, &album_id, epoch ^ after ^ before).unwrap();
        let wrong = open_key(&other, &binding(0x05, &context), &wrapped, DecryptionFailed);
        fails(wrong, DecryptionFailed, "the other epoch's key");
        let sealed = hx(item, "sealed");
        assert!(
            sealed.windows(16).any(|w| w == &media_id[..]),
            "media id in the stream header"
        );
    }
}
