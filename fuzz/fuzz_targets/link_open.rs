//! Parsing link URLs and opening link records (SPEC.md 5.13) on arbitrary bytes. The
//! fixture is `tests/vectors/link-v1.json`'s owner (root `pattern(1)`, identity seed
//! `pattern(2)`) and its first album link (link id `pattern(10)`, secret `pattern(11)`,
//! nonce `pattern(13)`), so the vector records seeded by `seed.sh` are genuine here. The
//! first byte picks the mode:
//! - `0 mod 3`: the rest is a URL (UTF-8, lossy); `parse_url` never panics, gives only
//!   `MalformedLink` / `UnsupportedVersion`, and a URL that parses has a `#`;
//! - `1 mod 3`: the rest is a record; `inspect_record` reports the first failing rule
//!   (size, empty, version) and only its errors, and `open_link` with the fixture address
//!   and no password (Argon2id is never run) gives only 5.13's errors and succeeds only on
//!   the fixture's genuine record, byte for byte (the fuzzer cannot forge XChaCha20-Poly1305);
//! - `2 mod 3`: the rest is a *payload* of kind `(byte / 3) % 3 + 1`, sealed by the fixture
//!   link, so the payload parsers (step 10) run behind a valid seal: they never panic and give
//!   only their errors; an album payload opens exactly when it is 1336 bytes with a valid
//!   owner key, giving its album id and epoch.
#![no_main]

use std::sync::OnceLock;

use keepsake::link::{self, LinkDraws, OpenedLink};
use keepsake::{AlbumId, Error, hazmat};
use keepsake_fuzz::pattern;
use libfuzzer_sys::fuzz_target;

fn draws() -> LinkDraws {
    LinkDraws {
        link_id: pattern(10),
        secret: pattern(11),
        salt: pattern(12),
        nonce: pattern(13),
    }
}

struct Fixture {
    genuine: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let owner = hazmat::keyring_from_secrets(&[pattern(1)], pattern(2));
        let genesis = owner
            .create_album_history(AlbumId::from_bytes([0xA1; 16]))
            .unwrap();
        let history = keepsake::history::verify_history(
            &[genesis],
            AlbumId::from_bytes([0xA1; 16]),
            &owner.identity_public_key(),
            None,
        )
        .unwrap()
        .head()
        .1;
        let album = owner.album_key(AlbumId::from_bytes([0xA1; 16]), 0).unwrap();
        let link = hazmat::epoch_link_with(
            link::KIND_ALBUM,
            &album,
            &history,
            &owner.identity_public_key(),
            None,
            &draws(),
        )
        .unwrap();
        Fixture {
            genuine: link.record,
        }
    })
}

fn allowed(e: &Error) -> bool {
    matches!(
        e,
        Error::TooLarge { .. }
            | Error::MalformedLink { .. }
            | Error::UnsupportedVersion(_)
            | Error::KdfParamsTooWeak { .. }
            | Error::KdfParamsTooCostly { .. }
            | Error::LinkWrongId
            | Error::LinkPasswordRequired
            | Error::DecryptionFailed
            | Error::InvalidPublicKey
            | Error::InvalidLength { .. }
            | Error::MalformedSelection { .. }
            | Error::MalformedManifest { .. }
            | Error::UnknownKind(_)
            | Error::UnsupportedSuite(_)
            | Error::ChunkSizeOutOfRange(_)
            | Error::ProvenanceWrongItem
            | Error::ProvenanceBadSignature
    )
}

fn address() -> link::LinkAddress {
    link::parse_fragment(
        link::LinkId::from_bytes(pattern(10)),
        &hazmat::base64url(&[&[1u8, 0][..], &pattern::<32>(11)].concat()),
    )
    .expect("the fixture's fragment parses")
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
        match mode % 3 {
            0 => {
                let url = String::from_utf8_lossy(rest);
                match link::parse_url(&url) {
                    Ok(_) => assert!(url.contains('#')),
                    Err(e) => assert!(
                        matches!(e, Error::MalformedLink { .. } | Error::UnsupportedVersion(_)),
                        "{e:?}"
                    ),
                }
            }
            1 => {
                if let Err(e) = link::inspect_record(rest) {
                    assert!(allowed(&e), "{e:?}");
                    if rest.len() > link::MAX_LINK_RECORD_LEN {
                        assert!(matches!(e, Error::TooLarge { .. }), "{e:?}");
                    } else if rest.is_empty() {
                        assert!(matches!(e, Error::MalformedLink { .. }), "{e:?}");
                    } else if rest[0] != link::LINK_VERSION {
                        assert!(matches!(e, Error::UnsupportedVersion(v) if v == rest[0]), "{e:?}");
                    }
                }
                match link::open_link(&address(), rest, None) {
                    Ok(_) => assert_eq!(rest, &f.genuine[..], "only the genuine record opens"),
                    Err(e) => assert!(allowed(&e), "{e:?}"),
                }
            }
            _ => {
                let kind = (mode / 3) % 3 + 1;
                let sealed = hazmat::link_record_from_payload(kind, rest, &draws())
                    .expect("sealing without a password never fails");
                match link::open_link(&address(), &sealed.record, None) {
                    Ok(OpenedLink::Album(album)) => {
                        assert_eq!(kind, link::KIND_ALBUM);
                        assert_eq!(rest.len(), link::ALBUM_PAYLOAD_LEN);
                        assert_eq!(album.album().album_id().as_bytes()[..], rest[..16]);
                    }
                    Ok(OpenedLink::Collect(_)) => {
                        assert_eq!(kind, link::KIND_COLLECT);
                        assert_eq!(rest.len(), link::COLLECT_PAYLOAD_LEN);
                    }
                    Ok(OpenedLink::Selection(s)) => {
                        assert_eq!(kind, link::KIND_SELECTION);
                        let items = s.selection().items();
                        assert!((1..=1000).contains(&items.len()));
                        assert!(items.windows(2).all(|w| w[0].media_id() < w[1].media_id()));
                    }
                    Err(e) => {
                        assert!(allowed(&e), "{e:?}");
                        assert!(!matches!(e, Error::DecryptionFailed), "a valid seal opens");
                    }
                }
            }
        }
    }
);
