//! Checks `tests/vectors/selection-v1.json` against SPEC.md 5.11, recomputing from the
//! section with the primitive crates: identities (5.1) with HKDF, SHA-256 and
//! ed25519-dalek; the header and the body byte by byte; each part key with HKDF (3.3,
//! 4.2); the signature with ed25519-dalek's `verify_strict`; the body by decapsulating
//! with the recorded recipient secret (the X-Wing HPKE of 5.1). Then through the
//! `keepsake` API: the grant regenerates byte for byte, opens each part, refuses the rest
//! and every recorded edit.

#![allow(clippy::unwrap_used, clippy::panic)]

use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use hkdf::Hkdf;
use keepsake::account::Keyring;
use keepsake::hpke::xwing::{self, XWingSecretKey};
use keepsake::identity::IdentityPublicKey;
use keepsake::selection::{SelectedItem, SelectedPart, SelectionExpect};
use keepsake::{AlbumId, MediaId, MediaKey, hazmat};
use keepsake_tests::selection_vectors::SelectionVector;
use keepsake_tests::{error_name, kind_from_name, load, unhex, unhex_array};
use sha2::{Digest, Sha256};

fn hkdf(salt: &[u8], ikm: &[u8], info: &[&[u8]]) -> [u8; 64] {
    let mut out = [0u8; 64];
    Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand_multi_info(info, &mut out)
        .unwrap();
    out
}

/// An identity from its seed (SPEC.md 5.1): Ed25519 key, X-Wing secret, digest.
struct Identity {
    sign: SigningKey,
    kem: XWingSecretKey,
    digest: [u8; 32],
}

fn identity(seed: &str) -> Identity {
    let seed: [u8; 32] = unhex_array("seed", seed);
    let sign_seed: [u8; 32] = hkdf(b"", &seed, &[b"keepsake/v1/identity-sign"])[..32]
        .try_into()
        .unwrap();
    let kem_seed: [u8; 32] = hkdf(b"", &seed, &[b"keepsake/v1/identity-kem"])[..32]
        .try_into()
        .unwrap();
    let sign = SigningKey::from_bytes(&sign_seed);
    let kem = XWingSecretKey::from_seed(kem_seed);
    let digest = Sha256::new()
        .chain_update(b"keepsake/v1/identity-fingerprint")
        .chain_update(sign.verifying_key().as_bytes())
        .chain_update(kem.public_key().as_bytes())
        .finalize()
        .into();
    Identity { sign, kem, digest }
}

fn keyring(seed: &str) -> Keyring {
    hazmat::keyring_from_secrets(&[[0; 32]], unhex_array("seed", seed))
}

/// The header and body of SPEC.md 5.11, from the vector's inputs alone.
fn header_and_body(
    v: &SelectionVector,
    sender: &Identity,
    recipient: &Identity,
) -> (Vec<u8>, Vec<u8>) {
    let mut header = vec![1u8, 2];
    header.extend_from_slice(&sender.digest);
    header.extend_from_slice(&recipient.digest);
    header.extend(unhex("album_id", &v.album_id));
    header.extend(unhex("selection_id", &v.selection_id));
    header.extend_from_slice(&v.expires_at.to_be_bytes());
    header.extend(unhex("history", &v.history));
    header.extend_from_slice(&(v.items.len() as u16).to_be_bytes());
    assert_eq!(header.len(), 140);

    let mut body = Vec::new();
    for item in &v.items {
        let media_id = unhex("media_id", &item.media_id);
        let media_key = unhex("media_key", &item.media_key);
        body.extend_from_slice(&media_id);
        body.extend_from_slice(&item.epoch.to_be_bytes());
        body.push(item.parts.len() as u8);
        for part in &item.parts {
            let stored = unhex("stored", &part.stored);
            let (kind, header_len, derived) = if part.kind == "metadata" {
                // 4.2: salt = nonce, info = LABEL_ENVELOPE || version || purpose || len || id.
                let binding = [&[1u8, 1, 16][..], &media_id].concat();
                let out = hkdf(
                    &stored[1..25],
                    &media_key,
                    &[b"keepsake/v1/envelope", &binding],
                );
                assert_eq!(out[32..], stored[25..57], "envelope commitment");
                (4u8, 57, out)
            } else {
                // 3.3: salt = header.salt, info = LABEL_PAYLOAD || header[0..24].
                let out = hkdf(
                    &stored[24..56],
                    &media_key,
                    &[b"keepsake/v1/media-stream", &stored[..24]],
                );
                assert_eq!(out[32..], stored[56..88], "stream commitment");
                assert_eq!(stored[7], kind_from_name(&part.kind).unwrap().to_byte());
                (stored[7], 88, out)
            };
            assert_eq!(hex::encode(&derived[..32]), part.part_key, "part key");
            assert_eq!(hex::encode(&derived[32..]), part.commitment, "commitment");
            body.push(kind);
            body.extend_from_slice(&stored[..header_len]);
            body.extend_from_slice(&derived[..32]);
        }
        let manifest = unhex("manifest", &item.manifest);
        body.extend_from_slice(&(manifest.len() as u16).to_be_bytes());
        body.extend_from_slice(&manifest);
    }
    (header, body)
}

#[test]
fn selection_vectors_follow_spec_5_11_from_the_primitives() {
    let file = load::<SelectionVector>("selection-v1.json");
    assert_eq!(file.vectors.len(), 2);
    for v in &file.vectors {
        let sender = identity(&v.sender_identity_secret);
        let recipient = identity(&v.recipient_identity_secret);
        let grant = unhex("grant", &v.grant);
        let (header, body) = header_and_body(v, &sender, &recipient);
        assert_eq!(hex::encode(&header), v.header, "{}", v.name);
        assert_eq!(grant[..140], header[..], "{}", v.name);
        assert_eq!(hex::encode(&body), v.body, "{}", v.name);
        // Signature over LABEL_SELECTION_SIGNATURE || header || enc || ct.
        let (signed, signature) = grant.split_at(grant.len() - 64);
        let signature = Signature::from_bytes(signature.try_into().unwrap());
        let message = [&b"keepsake/v1/selection-grant-signature"[..], signed].concat();
        VerifyingKey::from_bytes(sender.sign.verifying_key().as_bytes())
            .unwrap()
            .verify_strict(&message, &signature)
            .unwrap();
        // HPKE Base to the recipient, info = LABEL_SELECTION || header, aad = "".
        let enc = &signed[140..140 + xwing::ENC_LEN];
        let ct = &signed[140 + xwing::ENC_LEN..];
        assert_eq!(ct.len(), body.len() + 16);
        let info = [&b"keepsake/v1/selection-grant"[..], &header].concat();
        let opened = xwing::open_base(&recipient.kem, enc, &info, b"", ct).unwrap();
        assert_eq!(opened, body, "{}", v.name);
        // The sender's public key (5.1): Ed25519 key || X-Wing key.
        let public = [
            &sender.sign.verifying_key().as_bytes()[..],
            &sender.kem.public_key().as_bytes()[..],
        ]
        .concat();
        assert_eq!(hex::encode(public), v.sender_identity_public, "{}", v.name);
    }
}

#[test]
fn selection_vectors_regenerate_open_and_refuse_through_the_api() {
    let file = load::<SelectionVector>("selection-v1.json");
    for v in &file.vectors {
        let sender = keyring(&v.sender_identity_secret);
        let recipient = keyring(&v.recipient_identity_secret);
        let other = keyring(&v.other_identity_secret);
        let album = AlbumId::from_slice(&unhex("album_id", &v.album_id)).unwrap();
        let history: [u8; 32] = unhex_array("history", &v.history);
        let grant = unhex("grant", &v.grant);

        // The same inputs give the same grant.
        let keys: Vec<MediaKey> = v
            .items
            .iter()
            .map(|i| MediaKey::from_bytes(unhex_array("media_key", &i.media_key)))
            .collect();
        let stored: Vec<Vec<Vec<u8>>> = v
            .items
            .iter()
            .map(|i| i.parts.iter().map(|p| unhex("stored", &p.stored)).collect())
            .collect();
        let manifests: Vec<Vec<u8>> = v
            .items
            .iter()
            .map(|i| unhex("manifest", &i.manifest))
            .collect();
        let parts: Vec<Vec<SelectedPart<'_>>> = v
            .items
            .iter()
            .zip(&stored)
            .map(|(item, objects)| {
                item.parts
                    .iter()
                    .zip(objects)
                    .map(|(p, bytes)| match p.kind.as_str() {
                        "metadata" => SelectedPart::Metadata(bytes),
                        _ => SelectedPart::Stream(bytes),
                    })
                    .collect()
            })
            .collect();
        let selected: Vec<SelectedItem<'_>> = v
            .items
            .iter()
            .enumerate()
            .map(|(n, item)| SelectedItem {
                media_id: MediaId::from_slice(&unhex("media_id", &item.media_id)).unwrap(),
                epoch: item.epoch,
                media_key: &keys[n],
                parts: &parts[n],
                manifest: (!manifests[n].is_empty()).then_some(&manifests[n][..]),
            })
            .collect();
        let again = hazmat::grant_selection_with_randomness(
            &sender,
            &recipient.identity_public_key(),
            album,
            history,
            v.expires_at,
            &selected,
            unhex_array("selection_id", &v.selection_id),
            &unhex_array("eseed", &v.eseed),
        )
        .unwrap();
        assert!(again == grant, "{}: regenerated grant differs", v.name);

        // The recipient is the bundle-v1.json account: unlocking its bundle, as a binding
        // does, gives the identity of the recorded secret; it accepts from here on.
        let (account, secret) = v.recipient_bundle.unlock();
        assert_eq!(secret, v.recipient_identity_secret, "{}", v.name);
        assert_eq!(
            account.identity_public_key(),
            recipient.identity_public_key()
        );
        let recipient = account;
        let expect = SelectionExpect {
            album_id: Some(album),
            history: Some(history),
        };
        let sender_pk = IdentityPublicKey::from_slice(&unhex(
            "sender_identity_public",
            &v.sender_identity_public,
        ))
        .unwrap();
        assert_eq!(sender_pk, sender.identity_public_key());
        let selection = recipient
            .accept_selection(&grant, &sender_pk, &expect)
            .unwrap();
        assert_eq!(selection.info().sender_fingerprint(), v.sender_fingerprint);
        for (n, item) in v.items.iter().enumerate() {
            let id = selected[n].media_id;
            for (part, bytes) in item.parts.iter().zip(&stored[n]) {
                let opened = match part.kind.as_str() {
                    "metadata" => selection.open_metadata(&id, bytes),
                    kind => selection.open_part(&id, kind_from_name(kind).unwrap(), bytes),
                }
                .unwrap();
                assert_eq!(hex::encode(opened), part.plaintext, "{}", v.name);
            }
            let err = selection
                .open_part(
                    &id,
                    kind_from_name(&item.not_granted_kind).unwrap(),
                    &unhex("not_granted", &item.not_granted),
                )
                .unwrap_err();
            assert_eq!(error_name(&err), "NotInSelection");
        }
        for refusal in &v.refusals {
            let who = if refusal.accepted_by == "other" {
                &other
            } else {
                &recipient
            };
            let err = who
                .accept_selection(&refusal.apply(&grant), &sender_pk, &expect)
                .unwrap_err();
            assert_eq!(
                error_name(&err),
                refusal.error,
                "{}: {}",
                v.name,
                refusal.comment
            );
        }
    }
}
