//! Reading and accepting selection grants (SPEC.md 5.11) on arbitrary bytes. The fixture's
//! identities are those of `tests/vectors/selection-v1.json` (sender seed `pattern(1, 32)`,
//! recipient `pattern(2, 32)`), so the vector grants seeded by `seed.sh` are genuine here.
//! The first byte picks the mode:
//! - even: the rest is a grant; `inspect_selection` reports 5.11's first failing rule
//!   (version, suite, in that order) and `accept_selection` (recipient, from the sender)
//!   never panics, gives only 5.11's errors, and succeeds only on a grant whose header
//!   names both fixture identities, with 1 to 1000 items in strictly increasing media id
//!   order, each with 1 to 5 parts (an accepted grant is one the sender signed: the
//!   fuzzer cannot forge Ed25519, so this holds for the seeds only);
//! - odd: the rest is a grant *body* claiming `byte >> 1` items (0..=127), which the
//!   fixture sender seals and signs (fixed randomness), so the body parser (step 9) is
//!   reached behind a valid signature: it never panics and gives only its errors.
#![no_main]

use std::sync::OnceLock;

use keepsake::account::Keyring;
use keepsake::selection::{SELECTION_VERSION, SelectionExpect, inspect_selection};
use keepsake::{AlbumId, Error, hazmat};
use keepsake_fuzz::pattern;
use libfuzzer_sys::fuzz_target;

struct Fixture {
    sender: Keyring,
    recipient: Keyring,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| Fixture {
        sender: hazmat::keyring_from_secrets(&[[0; 32]], pattern(1)),
        recipient: hazmat::keyring_from_secrets(&[[0; 32]], pattern(2)),
    })
}

fn check_accept(f: &Fixture, grant: &[u8]) {
    let sender = f.sender.identity_public_key();
    match f
        .recipient
        .accept_selection(grant, &sender, &SelectionExpect::default())
    {
        Ok(selection) => {
            let info = inspect_selection(grant).expect("accepted, so it inspects");
            assert_eq!(info.sender, sender.digest());
            assert_eq!(info.recipient, f.recipient.identity_public_key().digest());
            let items = selection.items();
            assert!((1..=1000).contains(&items.len()));
            assert_eq!(items.len(), info.item_count);
            assert!(items.windows(2).all(|w| w[0].media_id() < w[1].media_id()));
            assert!(items.iter().all(|i| (1..=5).contains(&i.parts().len())));
        }
        Err(e) => assert!(
            matches!(
                e,
                Error::MalformedSelection { .. }
                    | Error::UnsupportedVersion(_)
                    | Error::UnsupportedSuite(_)
                    | Error::TooLarge { .. }
                    | Error::SelectionWrongRecipient
                    | Error::SelectionWrongSender
                    | Error::SelectionBadSignature
                    | Error::InvalidPublicKey
                    | Error::DecryptionFailed
                    | Error::MalformedManifest { .. }
                    | Error::UnknownKind(_)
                    | Error::ChunkSizeOutOfRange(_)
                    | Error::ProvenanceWrongItem
                    | Error::ProvenanceBadSignature
            ),
            "{e:?}"
        ),
    }
}

fuzz_target!(
    init: {
        fixture();
    },
    |data: &[u8]| {
        let f = fixture();
        let Some((&mode, rest)) = data.split_first() else {
            return;
        };
        if mode % 2 == 0 {
            if let Err(e) = inspect_selection(rest) {
                match rest.first() {
                    None => assert!(matches!(e, Error::MalformedSelection { .. })),
                    Some(&v) if v != SELECTION_VERSION => {
                        assert!(matches!(e, Error::UnsupportedVersion(x) if x == v), "{e:?}")
                    }
                    Some(_) => match rest.get(1) {
                        Some(&s) if s != 2 => {
                            assert!(matches!(e, Error::UnsupportedSuite(x) if x == s), "{e:?}")
                        }
                        _ => assert!(
                            matches!(e, Error::MalformedSelection { .. } | Error::TooLarge { .. }),
                            "{e:?}"
                        ),
                    },
                }
            }
            check_accept(f, rest);
        } else {
            let grant = hazmat::selection_grant_from_body(
                &f.sender,
                &f.recipient.identity_public_key(),
                AlbumId::from_bytes([0xA1; 16]),
                u16::from(mode >> 1),
                rest,
                &[7; 64],
            )
            .expect("sealing never fails for a valid recipient");
            check_accept(f, &grant);
        }
    }
);
