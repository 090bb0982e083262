//! Parsing an identity public key (`IdentityPublicKey::from_slice`, SPEC.md 5.1, 5.7) on
//! arbitrary bytes.
//!
//! Input: the key bytes.
//! Invariants: `InvalidLength { expected: 1248, got: len }` exactly for another length;
//! otherwise parsing succeeds only if the X-Wing half (bytes 32..) parses on its own, and
//! a key whose X-Wing half is refused is `InvalidPublicKey` (the Ed25519 half's check,
//! decoding and small order, is the core's; no other error). A key that parses
//! re-serializes byte for byte, its `kem()` is its last 1216 bytes, it parses back to
//! itself, and its digest is `SHA-256(LABEL_FINGERPRINT || bytes)` (recomputed here), the
//! same on every call and on the reparsed key; `fingerprint` equals
//! `fingerprint_of_digest` of the digest.
#![no_main]

use keepsake::Error;
use keepsake::hpke::xwing::XWingPublicKey;
use keepsake::identity::{IDENTITY_PUBLIC_LEN, IdentityPublicKey, LABEL_FINGERPRINT};
use keepsake::sharing::{fingerprint, fingerprint_of_digest};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fuzz_target!(|data: &[u8]| {
    match IdentityPublicKey::from_slice(data) {
        Ok(id) => {
            assert_eq!(data.len(), IDENTITY_PUBLIC_LEN);
            assert_eq!(id.to_bytes(), data);
            assert_eq!(id.kem().as_bytes()[..], data[32..]);
            assert!(XWingPublicKey::from_slice(&data[32..]).is_ok());
            assert!(keepsake_fuzz::xwing_key_valid(&data[32..]));
            let again = IdentityPublicKey::from_slice(&id.to_bytes()).expect("reparses");
            assert!(again == id);
            let digest = id.digest();
            let want: [u8; 32] = Sha256::new()
                .chain_update(LABEL_FINGERPRINT)
                .chain_update(data)
                .finalize()
                .into();
            assert_eq!(digest, want);
            assert_eq!(id.digest(), digest);
            assert_eq!(again.digest(), digest);
            assert_eq!(fingerprint(&id), fingerprint_of_digest(&digest));
        }
        Err(Error::InvalidLength { expected, got, .. }) => {
            assert_ne!(data.len(), IDENTITY_PUBLIC_LEN);
            assert_eq!((expected, got), (IDENTITY_PUBLIC_LEN, data.len()));
        }
        Err(Error::InvalidPublicKey) => assert_eq!(data.len(), IDENTITY_PUBLIC_LEN),
        Err(other) => panic!("unexpected error {other:?}"),
    }
    if data.len() == IDENTITY_PUBLIC_LEN && XWingPublicKey::from_slice(&data[32..]).is_err() {
        assert!(matches!(
            IdentityPublicKey::from_slice(data),
            Err(Error::InvalidPublicKey)
        ));
    }
});
