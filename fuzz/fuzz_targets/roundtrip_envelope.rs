//! Round trip of envelopes: arbitrary plaintext, purpose, ids and nonce -> seal -> open;
//! the same bytes under any other item, album, epoch or purpose, and any bit flip, fail.
#![no_main]

use arbitrary::Arbitrary;
use keepsake::envelope::{AlbumBlob, MediaBlob};
use keepsake::{AlbumId, AlbumKey, Error, MediaId, MediaKey, hazmat};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    key: [u8; 32],
    media_id: [u8; 16],
    album_id: [u8; 16],
    epoch: u64,
    selector: u8,
    nonce: [u8; 24],
    flip: (u16, u8),
    plaintext: Vec<u8>,
}

fuzz_target!(|input: Input| {
    let media_key = MediaKey::from_bytes(input.key);
    let id = MediaId::from_bytes(input.media_id);
    let album = AlbumKey::from_bytes(AlbumId::from_bytes(input.album_id), input.epoch, input.key);
    let mut other_id = input.media_id;
    other_id[15] ^= 0x80;
    let other_id = MediaId::from_bytes(other_id);
    let next_epoch = AlbumKey::from_bytes(album.album_id(), input.epoch ^ 1, input.key);
    let pt = &input.plaintext;
    let (media_key, album, next_epoch) = (&media_key, &album, &next_epoch);
    // Each case: the sealed envelope, how to open it, how to open it out of context.
    type Open<'a> = Box<dyn Fn(&[u8]) -> keepsake::Result<Vec<u8>> + 'a>;
    let (sealed, open, moved): (Vec<u8>, Open<'_>, Open<'_>) = match input.selector % 5 {
        s @ (0 | 1) => {
            let what = if s == 0 {
                MediaBlob::Metadata
            } else {
                MediaBlob::Caption
            };
            let other = if s == 0 {
                MediaBlob::Caption
            } else {
                MediaBlob::Metadata
            };
            let sealed =
                hazmat::seal_media_blob(media_key, &id, what, pt, input.nonce).expect("small");
            (
                sealed,
                Box::new(move |b| media_key.open_blob(&id, what, b)),
                Box::new(move |b| {
                    MediaKey::from_bytes(input.key).open_blob(&other_id, what, b)?;
                    MediaKey::from_bytes(input.key).open_blob(&id, other, b)
                }),
            )
        }
        s @ (2 | 3) => {
            let what = if s == 2 {
                AlbumBlob::Name
            } else {
                AlbumBlob::Metadata
            };
            let sealed = hazmat::seal_album_blob(album, what, pt, input.nonce).expect("small");
            (
                sealed,
                Box::new(move |b| album.open_blob(what, b)),
                Box::new(move |b| next_epoch.open_blob(what, b)),
            )
        }
        _ => {
            let mut k = [0u8; 32];
            let n = pt.len().min(32);
            k[..n].copy_from_slice(&pt[..n]);
            let sealed = hazmat::wrap_media_key(album, &id, &MediaKey::from_bytes(k), input.nonce)
                .expect("wraps");
            assert_eq!(sealed.len(), 105);
            let expect = k;
            (
                sealed,
                Box::new(move |b| {
                    let mk = album.unwrap_media_key(&id, b)?;
                    // The unwrapped key is the wrapped one: it opens what the original sealed.
                    let probe = hazmat::seal_media_blob(
                        &MediaKey::from_bytes(expect),
                        &id,
                        MediaBlob::Caption,
                        b"p",
                        [0; 24],
                    )?;
                    assert_eq!(mk.open_blob(&id, MediaBlob::Caption, &probe)?, b"p");
                    Ok(expect.to_vec())
                }),
                Box::new(move |b| album.unwrap_media_key(&other_id, b).map(|_| Vec::new())),
            )
        }
    };
    let opened = open(&sealed).expect("round trip");
    if input.selector % 5 != 4 {
        assert!(&opened == pt);
    }
    assert!(
        matches!(moved(&sealed), Err(Error::DecryptionFailed)),
        "opened out of context"
    );
    let mut flipped = sealed.clone();
    let at = usize::from(input.flip.0) % flipped.len();
    flipped[at] ^= input.flip.1.max(1);
    match open(&flipped) {
        Err(Error::DecryptionFailed) => assert!(at > 0),
        Err(Error::UnsupportedVersion(_)) => assert_eq!(at, 0),
        other => panic!("a flipped byte at {at} gave {other:?}"),
    }
});
