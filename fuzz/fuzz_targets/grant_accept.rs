//! Accepting an album grant (SPEC.md 5.7) on arbitrary bytes.
//!
//! Input: `recipient root (32) || sender root (32) || flags (1) || expected album id (16) ||
//! expected epoch (8) || grant`; the sender's identity key is derived from its root, and
//! bit 0 of the flags says whether an album and epoch are expected.
//! Invariants: the checks come in 5.7's order with their errors; an accepted key is for the
//! album and epoch its header names (and the expected ones).
#![no_main]

use keepsake::sharing::GRANT_LEN;
use keepsake::{AlbumId, Error, hazmat};
use keepsake_fuzz::Fields;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut fields = Fields(data);
    let recipient = hazmat::keyring_from_root(fields.array());
    let sender = hazmat::keyring_from_root(fields.array()).identity_public_key();
    let expect_album = fields.byte() & 1 == 1;
    let expected = (AlbumId::from_bytes(fields.array()), fields.u64());
    let grant = fields.rest();
    let result = recipient.accept_grant(grant, &sender, expect_album.then_some(expected));
    let header_ok = grant.len() == GRANT_LEN && grant[0] == 1;
    let to_me = header_ok && grant[33..65] == recipient.identity_public_key().as_bytes()[..];
    let from_sender = to_me && grant[1..33] == sender.as_bytes()[..];
    match result {
        Ok(key) => {
            assert!(from_sender);
            assert_eq!(key.album_id().as_bytes()[..], grant[65..81]);
            assert_eq!(key.epoch().to_be_bytes()[..], grant[81..89]);
            if expect_album {
                assert_eq!((key.album_id(), key.epoch()), expected);
            }
        }
        Err(Error::MalformedGrant { .. }) => {
            assert!(grant.is_empty() || (grant[0] == 1 && grant.len() != GRANT_LEN))
        }
        Err(Error::UnsupportedVersion(v)) => assert!(!grant.is_empty() && grant[0] == v && v != 1),
        Err(Error::GrantWrongRecipient) => assert!(header_ok && !to_me),
        Err(Error::GrantWrongSender) => assert!(to_me && !from_sender),
        Err(Error::GrantWrongAlbum) => assert!(from_sender && expect_album),
        Err(Error::InvalidPublicKey | Error::DecryptionFailed) => assert!(from_sender),
        Err(other) => panic!("unexpected error {other:?}"),
    }
});
