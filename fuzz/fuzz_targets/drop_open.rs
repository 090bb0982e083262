//! Opening collect-link drops (SPEC.md 5.13) on arbitrary bytes. The fixture is
//! `tests/vectors/link-v1.json`'s owner (root `pattern(1)`, identity seed `pattern(2)`),
//! its album `a1..a1` at epoch 0 and its collect link (link id `pattern(50)`), so the
//! vector drops seeded by `seed.sh` are genuine here. The first byte picks the mode:
//! - even: the rest is a drop; `open_drop` with the album key never panics, reports the
//!   first failing rule (size, empty, version, suite) and gives only 5.13's errors; a drop
//!   that opens names the fixture album and epoch, has a display name of 1 to 64 bytes and a
//!   manifest naming its media id, album and epoch; `DropWrongAlbum` exactly when the
//!   header's album or epoch differs (for an input that got that far);
//! - odd: the rest is a drop *plaintext*, sealed to the fixture's drop key with fixed
//!   randomness and signed by a fixed throwaway identity, so the plaintext parser (step 4)
//!   and the checks after it run behind a valid seal: never `DecryptionFailed`, only their
//!   errors.
#![no_main]

use std::sync::OnceLock;

use keepsake::link::{self, CollectLink, LinkDraws, OpenedLink};
use keepsake::{AlbumId, AlbumKey, Error, MediaId, hazmat};
use keepsake_fuzz::pattern;
use libfuzzer_sys::fuzz_target;

const ALBUM: AlbumId = AlbumId::from_bytes([0xA1; 16]);

struct Fixture {
    album: AlbumKey,
    guest: CollectLink,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let owner = hazmat::keyring_from_secrets(&[pattern(1)], pattern(2));
        let album = owner.album_key(ALBUM, 0).unwrap();
        let draws = LinkDraws {
            link_id: pattern(50),
            secret: pattern(51),
            salt: pattern(52),
            nonce: pattern(53),
        };
        let link = hazmat::epoch_link_with(
            link::KIND_COLLECT,
            &album,
            &[0x48; 32],
            &owner.identity_public_key(),
            None,
            &draws,
        )
        .unwrap();
        let Ok(OpenedLink::Collect(guest)) = link::open_link(&link.address(), &link.record, None)
        else {
            panic!("the fixture's collect link opens");
        };
        Fixture {
            album,
            guest: *guest,
        }
    })
}

fn allowed(e: &Error) -> bool {
    matches!(
        e,
        Error::TooLarge { .. }
            | Error::MalformedDrop { .. }
            | Error::UnsupportedVersion(_)
            | Error::UnsupportedSuite(_)
            | Error::DropWrongAlbum
            | Error::InvalidPublicKey
            | Error::DecryptionFailed
            | Error::MalformedManifest { .. }
            | Error::UnknownKind(_)
            | Error::ChunkSizeOutOfRange(_)
            | Error::ProvenanceWrongItem
            | Error::DropBadSignature
            | Error::ProvenanceBadSignature
            | Error::ProvenanceMismatch { .. }
    )
}

fn check(f: &Fixture, drop: &[u8]) -> Option<Error> {
    match link::open_drop(&f.album, drop) {
        Ok(opened) => {
            assert_eq!(opened.album_id(), ALBUM);
            assert_eq!(opened.epoch(), 0);
            assert!((1..=64).contains(&opened.display_name().len()));
            assert_eq!(opened.manifest().media_id(), opened.media_id());
            assert_eq!(opened.manifest().album_id(), ALBUM);
            assert_eq!(&drop[42..58], opened.media_id().as_bytes());
            None
        }
        Err(e) => {
            assert!(allowed(&e), "{e:?}");
            Some(e)
        }
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
            if let Some(e) = check(f, rest) {
                if rest.len() > link::MAX_DROP_LEN {
                    assert!(matches!(e, Error::TooLarge { .. }), "{e:?}");
                } else if rest.is_empty() {
                    assert!(matches!(e, Error::MalformedDrop { .. }), "{e:?}");
                } else if rest[0] != link::DROP_VERSION {
                    assert!(matches!(e, Error::UnsupportedVersion(v) if v == rest[0]), "{e:?}");
                } else if rest.len() >= 2 && rest[1] != 2 {
                    assert!(matches!(e, Error::UnsupportedSuite(s) if s == rest[1]), "{e:?}");
                } else if rest.len() >= link::DROP_FIXED_LEN + 33
                    && (rest[18..34] != ALBUM.as_bytes()[..] || rest[34..42] != [0; 8])
                {
                    assert!(matches!(e, Error::DropWrongAlbum), "{e:?}");
                }
            }
        } else if rest.len() <= link::MAX_DROP_LEN - link::DROP_FIXED_LEN {
            let drop = hazmat::drop_from_plaintext(
                &f.guest,
                &MediaId::from_bytes([0x33; 16]),
                rest,
                &pattern(60),
                &[7; 64],
            )
            .expect("sealing to the fixture's drop key never fails");
            if let Some(e) = check(f, &drop) {
                assert!(!matches!(e, Error::DecryptionFailed), "a valid seal opens");
            }
        }
    }
);
