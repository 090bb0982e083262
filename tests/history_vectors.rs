//! Runs `tests/vectors/history-v1.json` (SPEC.md 5.12) case by case: every entry's hash is
//! recomputed with `sha2` from the section alone, every genuine entry re-signs byte for
//! byte from its signer's identity seed (Ed25519 is deterministic) and its signature
//! verifies with `ed25519-dalek` directly; the links (`seq`, `prev`) of a chain that
//! verifies are checked field by field; the verifier gives the recorded head, fingerprint
//! and members, or the recorded error.

#![allow(clippy::unwrap_used, clippy::panic)]

use ed25519_dalek::Signature;
use keepsake::history::{HistoryPin, verify_history};
use keepsake::identity::IdentityPublicKey;
use keepsake::{AlbumId, Error};
use keepsake_tests::history::{
    HistoryVector, LABEL_SIGNATURE, RawEntry, action_name, entry_hash, signing_key,
};
use keepsake_tests::{error_name, load, unhex, unhex_array};

#[test]
fn history_vectors() {
    let file = load::<HistoryVector>("history-v1.json");
    assert!(file.vectors.len() >= 11, "{} cases", file.vectors.len());
    let mut refused = 0;
    for v in &file.vectors {
        let album = AlbumId::from_bytes(unhex_array("album_id", &v.album_id));
        let owner =
            IdentityPublicKey::from_slice(&unhex("trusted_owner", &v.trusted_owner)).unwrap();
        let chain: Vec<Vec<u8>> = v.entries.iter().map(|e| unhex("entry", &e.entry)).collect();
        for (e, bytes) in v.entries.iter().zip(&chain) {
            assert_eq!(hex::encode(entry_hash(bytes)), e.hash, "{}: hash", v.name);
            let raw = RawEntry::parse(bytes);
            assert_eq!((raw.seq, raw.epoch), (e.seq, e.epoch), "{}", v.name);
            assert_eq!(action_name(raw.action), e.action, "{}", v.name);
            assert_eq!(&raw.album, album.as_bytes(), "{}", v.name);
            let seed: [u8; 32] = unhex_array("signer", &e.signer_identity_secret);
            let key = signing_key(&seed);
            let (body, signature) = bytes.split_at(bytes.len() - 64);
            let verifies = key
                .verifying_key()
                .verify_strict(
                    &[LABEL_SIGNATURE, body].concat(),
                    &Signature::from_slice(signature).unwrap(),
                )
                .is_ok();
            assert_eq!(verifies, e.genuine, "{}: seq {} signature", v.name, e.seq);
            if e.genuine {
                assert_eq!(&raw.sign(&seed), bytes, "{}: re-signed", v.name);
            }
        }
        let pin = v
            .pin
            .as_ref()
            .map(|p| HistoryPin::from_slice(&unhex("pin", p)).unwrap());
        let result = verify_history(&chain, album, &owner, pin.as_ref());
        match (&result, &v.error) {
            (Ok(history), None) => {
                assert_eq!(Some(hex::encode(history.head().1)), v.head, "{}", v.name);
                assert_eq!(
                    Some(keepsake::history::history_head_fingerprint(history)),
                    v.head_fingerprint
                );
                // The links, from the section alone: seq counts up, prev is the hash before.
                let mut prev = [0u8; 32];
                for (i, (e, bytes)) in v.entries.iter().zip(&chain).enumerate() {
                    let raw = RawEntry::parse(bytes);
                    assert_eq!(raw.seq, i as u64);
                    assert_eq!(raw.prev, prev, "{}: prev of {i}", v.name);
                    prev = entry_hash(bytes);
                    let members: Vec<String> = history
                        .member_digests_at(&prev)
                        .unwrap()
                        .iter()
                        .map(hex::encode)
                        .collect();
                    assert_eq!(Some(members), e.members_after, "{}: members {i}", v.name);
                }
            }
            (Err(e), Some(want)) => {
                assert_eq!(error_name(e), want, "{}", v.name);
                refused += 1;
            }
            (got, want) => panic!("{}: got {got:?}, want {want:?}", v.name),
        }
    }
    assert!(refused >= 10, "{refused} refused cases");
}

#[test]
fn the_scenarios_members_and_epochs_follow_section_5_6() {
    let file = load::<HistoryVector>("history-v1.json");
    let v = file.vectors.iter().find(|v| v.name == "scenario").unwrap();
    let epochs: Vec<u64> = v.entries.iter().map(|e| e.epoch).collect();
    assert_eq!(epochs, [0, 0, 0, 1, 1 << 32]);
    let counts: Vec<usize> = v
        .entries
        .iter()
        .map(|e| e.members_after.as_ref().unwrap().len())
        .collect();
    assert_eq!(counts, [1, 2, 3, 2, 2]);
    // The recorded pin is the scenario's own entry 3.
    let pin = HistoryPin::from_slice(&unhex("pin", v.pin.as_ref().unwrap())).unwrap();
    assert_eq!(hex::encode(pin.hash), v.entries[3].hash);
    assert!(matches!(
        HistoryPin::from_slice(&[0; 55]),
        Err(Error::InvalidLength { .. })
    ));
}
