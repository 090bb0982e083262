//! Runs every known-answer vector file in `tests/vectors/`, case by case and by name, in
//! both directions: sealing the inputs must give exactly the recorded bytes, and opening
//! the recorded bytes must give the plaintext, or the recorded error after exactly the
//! recorded released prefix. Every opening path is checked: one-shot, streaming
//! (sequential and parallel), and range.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::{Cursor, Read, Write};

use hkdf::Hkdf;
use keepsake::stream::{self, OpenOptions, Opener, SealOptions};
use keepsake::{AlbumBlob, AlbumId, AlbumKey, MediaBlob, MediaId, MediaKey, MediaKind, hazmat};
use keepsake_tests::{
    EnvelopeFailure, EnvelopeVector, KdfVector, RangeVector, StreamFailure, StreamVector,
    error_name, kind_from_name, load, unhex, unhex_array,
};
use sha2::Sha256;

fn kind(name: &str) -> MediaKind {
    kind_from_name(name).unwrap_or_else(|| panic!("unknown kind {name}"))
}

/// Reads an opener to the end: the bytes it released, and the error it ended with.
fn drain<R: Read>(mut opener: Opener<R>, step: usize) -> (Vec<u8>, Option<keepsake::Error>) {
    let mut released = Vec::new();
    let mut buf = vec![0u8; step];
    loop {
        match opener.read(&mut buf) {
            Ok(0) => return (released, None),
            Ok(n) => released.extend_from_slice(&buf[..n]),
            Err(e) => {
                let err = keepsake::Error::from_io(e);
                // The error is final: the next read repeats it.
                let again = keepsake::Error::from_io(opener.read(&mut buf).unwrap_err());
                assert_eq!(error_name(&again), error_name(&err));
                return (released, Some(err));
            }
        }
    }
}

#[test]
fn stream_vectors_seal_and_open() {
    let file = load::<StreamVector>("stream-v1.json");
    assert!(file.vectors.len() >= 49, "{} cases", file.vectors.len());
    for v in &file.vectors {
        let key = MediaKey::from_bytes(unhex_array("media_key", &v.media_key));
        let id = MediaId::from_bytes(unhex_array("media_id", &v.media_id));
        let kind = kind(&v.kind);
        let salt = unhex_array("salt", &v.salt);
        let plaintext = unhex("plaintext", &v.plaintext);
        let sealed = unhex("sealed", &v.sealed);
        let options = SealOptions::new()
            .with_chunk_size_log2(v.chunk_log2)
            .unwrap();

        let ours = hazmat::seal_with_salt(&key, &id, kind, &plaintext, &options, salt);
        assert!(ours == sealed, "{}: one-shot seal differs", v.name);
        let mut sealer =
            hazmat::sealer_with_salt(&key, &id, kind, Vec::new(), &options, salt).unwrap();
        for piece in plaintext.chunks(37) {
            sealer.write_all(piece).unwrap();
        }
        assert!(
            sealer.finish().unwrap() == sealed,
            "{}: streaming seal differs",
            v.name
        );

        assert_eq!(
            stream::open(&key, &id, kind, &sealed).unwrap(),
            plaintext,
            "{}",
            v.name
        );
        for parallel in [false, true] {
            let opts = OpenOptions::default().with_parallel(parallel);
            let opener = Opener::with_options(&key, &id, kind, &sealed[..], &opts).unwrap();
            let (released, err) = drain(opener, 100);
            assert!(err.is_none(), "{}: {err:?}", v.name);
            assert_eq!(released, plaintext, "{}: streaming open", v.name);
        }
        let all =
            stream::open_range(&key, &id, kind, &mut Cursor::new(&sealed), 0, u64::MAX).unwrap();
        assert_eq!(all, plaintext, "{}: range open", v.name);
    }
}

#[test]
fn stream_failure_vectors() {
    let file = load::<StreamFailure>("stream-v1-failures.json");
    assert!(file.vectors.len() >= 30, "{} cases", file.vectors.len());
    for v in &file.vectors {
        let key = MediaKey::from_bytes(unhex_array("media_key", &v.media_key));
        let id = MediaId::from_bytes(unhex_array("media_id", &v.media_id));
        let kind = kind(&v.kind);
        let sealed = unhex("sealed", &v.sealed);
        let expected_release = unhex("released", &v.released);

        let err = stream::open(&key, &id, kind, &sealed).unwrap_err();
        assert_eq!(error_name(&err), v.error, "{}: one-shot open", v.name);

        for (parallel, step) in [(false, 1000), (true, 7)] {
            let opts = OpenOptions::default().with_parallel(parallel);
            let (released, err) = match Opener::with_options(&key, &id, kind, &sealed[..], &opts) {
                Ok(opener) => drain(opener, step),
                Err(err) => (Vec::new(), Some(err)),
            };
            let err = err.unwrap_or_else(|| panic!("{}: streaming open succeeded", v.name));
            assert_eq!(error_name(&err), v.error, "{}: streaming open", v.name);
            assert!(
                released == expected_release,
                "{}: released {} bytes, want {}",
                v.name,
                released.len(),
                expected_release.len()
            );
        }

        let err = stream::open_range(&key, &id, kind, &mut Cursor::new(&sealed), 0, u64::MAX)
            .unwrap_err();
        assert_eq!(error_name(&err), v.error, "{}: range open", v.name);
    }
}

#[test]
fn range_vectors() {
    let file = load::<RangeVector>("stream-v1-ranges.json");
    assert!(file.vectors.len() >= 16);
    for v in &file.vectors {
        let key = MediaKey::from_bytes(unhex_array("media_key", &v.media_key));
        let id = MediaId::from_bytes(unhex_array("media_id", &v.media_id));
        let kind = kind(&v.kind);
        let sealed = unhex("sealed", &v.sealed);
        let got = stream::open_range(&key, &id, kind, &mut Cursor::new(&sealed), v.offset, v.len);
        match (&v.plaintext, &v.error, got) {
            (Some(pt), None, Ok(got)) => assert_eq!(hex::encode(got), *pt, "{}", v.name),
            (None, Some(error), Err(err)) => assert_eq!(error_name(&err), error, "{}", v.name),
            (_, _, got) => panic!("{}: got {got:?}", v.name),
        }
        let header = stream::Header::parse(&sealed).unwrap();
        if let Ok(plan) = stream::RangePlan::new(&header, sealed.len() as u64, v.offset, v.len) {
            assert_eq!(Some(plan.first_chunk), v.first_chunk, "{}", v.name);
            assert_eq!(Some(plan.chunk_count), v.chunk_count, "{}", v.name);
            assert_eq!(Some(plan.sealed_offset), v.sealed_offset, "{}", v.name);
            assert_eq!(Some(plan.sealed_len), v.sealed_len, "{}", v.name);
        } else {
            assert!(v.first_chunk.is_none(), "{}", v.name);
        }
    }
}

#[test]
fn kdf_vectors() {
    let file = load::<KdfVector>("kdf-v1.json");
    assert!(file.vectors.len() >= 6);
    for v in &file.vectors {
        let ikm = unhex("ikm", &v.ikm);
        let salt = unhex("salt", &v.salt);
        let context = unhex("context", &v.context);
        let info = unhex("info", &v.info);
        let key = unhex("key", &v.key);
        let commitment = unhex("commitment", &v.commitment);
        let label = match v.schedule.as_str() {
            "stream" => stream::LABEL_PAYLOAD,
            "envelope" => keepsake::envelope::LABEL_ENVELOPE,
            other => panic!("{}: unknown schedule {other}", v.name),
        };
        assert_eq!(info, [label, &context[..]].concat(), "{}: info", v.name);
        // Straight from RFC 5869 through the hkdf crate...
        let mut okm = [0u8; 64];
        Hkdf::<Sha256>::new(Some(&salt), &ikm)
            .expand(&info, &mut okm)
            .unwrap();
        assert_eq!(okm[..32], key[..], "{}: key", v.name);
        assert_eq!(okm[32..], commitment[..], "{}: commitment", v.name);
        // ...and through Keepsake's own schedule.
        let (ours_key, ours_commitment) = if v.schedule == "stream" {
            let media_key = MediaKey::from_slice(&ikm).unwrap();
            hazmat::stream_key_schedule(
                &media_key,
                &context.clone().try_into().unwrap(),
                &salt.clone().try_into().unwrap(),
            )
        } else {
            hazmat::envelope_key_schedule(
                &ikm.clone().try_into().unwrap(),
                &salt.clone().try_into().unwrap(),
                &context,
            )
        };
        assert_eq!(ours_key[..], key[..], "{}: keepsake key", v.name);
        assert_eq!(
            ours_commitment[..],
            commitment[..],
            "{}: keepsake commitment",
            v.name
        );
    }
}

/// The ids and key of an envelope case, as the public API takes them.
struct EnvelopeCase {
    purpose: String,
    key: [u8; 32],
    media_id: Option<MediaId>,
    album_id: Option<AlbumId>,
    epoch: Option<u64>,
}

impl EnvelopeCase {
    fn media_id(&self) -> MediaId {
        self.media_id.expect("purpose needs media_id")
    }

    fn album(&self) -> AlbumKey {
        AlbumKey::from_bytes(
            self.album_id.expect("purpose needs album_id"),
            self.epoch.expect("purpose needs epoch"),
            self.key,
        )
    }

    fn binding(&self) -> Vec<u8> {
        let album = || {
            [
                &self.album_id.unwrap().as_bytes()[..],
                &self.epoch.unwrap().to_be_bytes(),
            ]
            .concat()
        };
        let (code, context) = match self.purpose.as_str() {
            "media-metadata" => (1u8, self.media_id().as_bytes().to_vec()),
            "media-caption" => (2, self.media_id().as_bytes().to_vec()),
            "album-name" => (3, album()),
            "album-metadata" => (4, album()),
            "media-key-wrap" => (5, [album(), self.media_id().as_bytes().to_vec()].concat()),
            other => panic!("unknown purpose {other}"),
        };
        [&[1u8, code, context.len() as u8][..], &context].concat()
    }

    /// Opens through the public API; a key wrap returns the unwrapped key's seal-check.
    fn open(&self, sealed: &[u8]) -> keepsake::Result<Vec<u8>> {
        let media_key = MediaKey::from_bytes(self.key);
        match self.purpose.as_str() {
            "media-metadata" => media_key.open_blob(&self.media_id(), MediaBlob::Metadata, sealed),
            "media-caption" => media_key.open_blob(&self.media_id(), MediaBlob::Caption, sealed),
            "album-name" => self.album().open_blob(AlbumBlob::Name, sealed),
            "album-metadata" => self.album().open_blob(AlbumBlob::Metadata, sealed),
            "media-key-wrap" => {
                let unwrapped = self.album().unwrap_media_key(&self.media_id(), sealed)?;
                // The unwrapped key is opaque: show what it is by what it opens.
                let probe = hazmat::seal_with_salt(
                    &unwrapped,
                    &self.media_id(),
                    MediaKind::Sidecar,
                    b"probe",
                    &SealOptions::new(),
                    [0; 32],
                );
                Ok(probe)
            }
            other => panic!("unknown purpose {other}"),
        }
    }

    fn seal(&self, plaintext: &[u8], nonce: [u8; 24]) -> Vec<u8> {
        let media_key = MediaKey::from_bytes(self.key);
        match self.purpose.as_str() {
            "media-metadata" => hazmat::seal_media_blob(
                &media_key,
                &self.media_id(),
                MediaBlob::Metadata,
                plaintext,
                nonce,
            ),
            "media-caption" => hazmat::seal_media_blob(
                &media_key,
                &self.media_id(),
                MediaBlob::Caption,
                plaintext,
                nonce,
            ),
            "album-name" => {
                hazmat::seal_album_blob(&self.album(), AlbumBlob::Name, plaintext, nonce)
            }
            "album-metadata" => {
                hazmat::seal_album_blob(&self.album(), AlbumBlob::Metadata, plaintext, nonce)
            }
            "media-key-wrap" => hazmat::wrap_media_key(
                &self.album(),
                &self.media_id(),
                &MediaKey::from_slice(plaintext).unwrap(),
                nonce,
            ),
            other => panic!("unknown purpose {other}"),
        }
        .unwrap()
    }
}

fn case(
    purpose: &str,
    key: &str,
    media_id: &Option<String>,
    album_id: &Option<String>,
    epoch: Option<u64>,
) -> EnvelopeCase {
    EnvelopeCase {
        purpose: purpose.to_string(),
        key: unhex_array("key", key),
        media_id: media_id
            .as_ref()
            .map(|h| MediaId::from_bytes(unhex_array("media_id", h))),
        album_id: album_id
            .as_ref()
            .map(|h| AlbumId::from_bytes(unhex_array("album_id", h))),
        epoch,
    }
}

#[test]
fn envelope_vectors_seal_and_open() {
    let file = load::<EnvelopeVector>("envelope-v1.json");
    assert!(file.vectors.len() >= 14);
    for v in &file.vectors {
        let c = case(&v.purpose, &v.key, &v.media_id, &v.album_id, v.epoch);
        let plaintext = unhex("plaintext", &v.plaintext);
        let sealed = unhex("sealed", v.sealed.as_deref().unwrap());
        assert_eq!(hex::encode(c.binding()), v.binding, "{}: binding", v.name);
        assert!(
            c.seal(&plaintext, unhex_array("nonce", &v.nonce)) == sealed,
            "{}: seal differs",
            v.name
        );
        let opened = c
            .open(&sealed)
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        if v.purpose == "media-key-wrap" {
            let expected = MediaKey::from_slice(&plaintext).unwrap();
            let probe = hazmat::seal_with_salt(
                &expected,
                &c.media_id(),
                MediaKind::Sidecar,
                b"probe",
                &SealOptions::new(),
                [0; 32],
            );
            assert_eq!(opened, probe, "{}: unwrapped key differs", v.name);
        } else {
            assert_eq!(opened, plaintext, "{}", v.name);
        }
    }
}

#[test]
fn envelope_failure_vectors() {
    let file = load::<EnvelopeFailure>("envelope-v1-failures.json");
    assert!(file.vectors.len() >= 15);
    for v in &file.vectors {
        let c = case(&v.purpose, &v.key, &v.media_id, &v.album_id, v.epoch);
        let err = c.open(&unhex("sealed", &v.sealed)).unwrap_err();
        assert_eq!(error_name(&err), v.error, "{}", v.name);
    }
}

#[test]
fn generator_is_deterministic() {
    // The files on disk are what the generator writes today: regenerate into memory and
    // compare, so a format change cannot slip past with stale vectors.
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_gen-vectors"))
        .arg("--check")
        .status()
        .unwrap();
    assert!(
        status.success(),
        "tests/vectors differ from what gen-vectors writes"
    );
}
