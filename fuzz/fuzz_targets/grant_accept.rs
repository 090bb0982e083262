//! Reading and accepting an album grant (SPEC.md 5.7: suite 2, 1354 bytes, X-Wing HPKE
//! Base, Ed25519-signed) on arbitrary bytes.
//!
//! Three fixed identities (`keepsake_fuzz::fixture`): the sender (a keyring at generation
//! 1), the recipient, and another. Input: `flags (1) || expected album id (16) || expected
//! epoch (8) || grant`. Flags: bit 0 an album and epoch are expected; bit 1 the other
//! identity accepts (else the recipient); bit 2 the other identity is the claimed sender
//! (else the sender).
//! Invariants: `inspect_grant` gives 5.7's header errors in order (empty, version, no
//! suite byte, suite, length) and otherwise exactly the header's fields (the two digests,
//! album, epoch); `accept_grant` gives the same error whenever `inspect_grant` fails, then
//! recipient, sender, album and epoch, then the signature in that order
//! (`GrantBadSignature` only once all of those passed); only the sender signs, so a grant
//! that passes the signature check is one the sender made: the fixture's genuine grants
//! byte for byte, which open (`InvalidPublicKey` / `DecryptionFailed` after a good
//! signature never happen), and an accepted key names the grant's album and epoch and is
//! the sender's own album key there. A genuine grant with matching flags is accepted.
#![no_main]

use keepsake::bundle::SUITE_XWING;
use keepsake::sharing::{GRANT_LEN, GRANT_VERSION, inspect_grant};
use keepsake::{AlbumId, Error, hazmat};
use keepsake_fuzz::Fields;
use keepsake_fuzz::fixture::Fixture;
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        Fixture::get();
    },
    |data: &[u8]| {
        let f = Fixture::get();
        let mut fields = Fields(data);
        let flags = fields.byte();
        let expect_album = flags & 1 == 1;
        let [sender_public, recipient_public, other_public] = &f.sharing_public;
        let (recipient, recipient_public) = if flags & 2 == 0 {
            (&f.recipient, recipient_public)
        } else {
            (&f.other, other_public)
        };
        let sender = if flags & 4 == 0 { sender_public } else { other_public };
        let expected = (AlbumId::from_bytes(fields.array()), fields.u64());
        let grant = fields.rest();

        let inspected = inspect_grant(grant);
        let header_error = if grant.is_empty() {
            Some("MalformedGrant { reason: \"empty\" }".to_string())
        } else if grant[0] != GRANT_VERSION {
            Some(format!("UnsupportedVersion({})", grant[0]))
        } else if grant.len() == 1 {
            Some("MalformedGrant { reason: \"no suite byte\" }".to_string())
        } else if grant[1] != SUITE_XWING {
            Some(format!("UnsupportedSuite({})", grant[1]))
        } else if grant.len() != GRANT_LEN {
            Some("MalformedGrant { reason: \"wrong length\" }".to_string())
        } else {
            None
        };
        let result = recipient.accept_grant(grant, sender, expect_album.then_some(expected));
        let info = match (&inspected, header_error) {
            (Err(e), Some(want)) => {
                assert_eq!(format!("{e:?}"), want);
                assert_eq!(
                    format!("{:?}", result.as_ref().err()),
                    format!("{:?}", Some(e)),
                    "inspect_grant and accept_grant disagree"
                );
                return;
            }
            (Ok(info), None) => info,
            (got, want) => panic!("inspect_grant gave {got:?}, expected {want:?}"),
        };
        assert_eq!(info.sender[..], grant[2..34]);
        assert_eq!(info.recipient[..], grant[34..66]);
        assert_eq!(info.album_id.as_bytes()[..], grant[66..82]);
        assert_eq!(info.epoch.to_be_bytes()[..], grant[82..90]);
        assert_eq!(info.history[..], grant[90..122]);
        let to_me = info.recipient == recipient_public.digest();
        let from_sender = to_me && info.sender == sender.digest();
        let album_ok =
            from_sender && (!expect_album || (info.album_id, info.epoch) == expected);
        // The fixture's grants are the only ones the sender signed.
        let genuine = f.grants.iter().find(|(_, _, _, g)| g[..] == grant[..]);
        let signed = album_ok && sender == sender_public && genuine.is_some();
        match result {
            Ok(key) => {
                assert!(signed, "a grant the sender did not make was accepted");
                assert_eq!((key.album_id(), key.epoch()), (info.album_id, info.epoch));
                let own = f
                    .sender
                    .album_key(key.album_id(), key.epoch())
                    .expect("the sender granted only epochs it has");
                assert_eq!(hazmat::album_key_bytes(&key), hazmat::album_key_bytes(&own));
            }
            Err(Error::GrantWrongRecipient) => assert!(!to_me),
            Err(Error::GrantWrongSender) => assert!(to_me && !from_sender),
            Err(Error::GrantWrongAlbum) => assert!(from_sender && !album_ok),
            Err(Error::GrantBadSignature) => assert!(album_ok && !signed),
            Err(other) => panic!("unexpected error {other:?} (after the signature verified)"),
        }
    }
);
