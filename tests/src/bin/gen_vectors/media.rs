//! Media stream and envelope vectors (SPEC.md sections 3 and 4).

use chacha20poly1305::aead::inout::InOutBuf;
use chacha20poly1305::{AeadInOut, ChaCha20Poly1305, KeyInit};
use keepsake::stream::{self, HEADER_LEN, SealOptions};
use keepsake::{AlbumBlob, AlbumId, AlbumKey, MediaBlob, MediaId, MediaKey, MediaKind, hazmat};
use keepsake_tests::{
    EnvelopeFailure, EnvelopeVector, KdfVector, RangeVector, StreamFailure, StreamVector, array,
    pattern,
};

fn opts(log2: u8) -> SealOptions {
    SealOptions::new().with_chunk_size_log2(log2).unwrap()
}

/// The fixed inputs of one stream case.
struct StreamInputs {
    key: [u8; 32],
    id: [u8; 16],
    kind: MediaKind,
    log2: u8,
    salt: [u8; 32],
    plaintext: Vec<u8>,
}

impl StreamInputs {
    fn new(seed: u8, kind: MediaKind, log2: u8, len: usize) -> Self {
        Self {
            key: array(seed),
            id: array(seed.wrapping_add(1)),
            kind,
            log2,
            salt: array(seed.wrapping_add(2)),
            plaintext: pattern(seed.wrapping_add(3), len),
        }
    }

    fn seal(&self) -> Vec<u8> {
        hazmat::seal_with_salt(
            &MediaKey::from_bytes(self.key),
            &MediaId::from_bytes(self.id),
            self.kind,
            &self.plaintext,
            &opts(self.log2),
            self.salt,
        )
    }

    fn chunk(&self) -> usize {
        1 << self.log2
    }

    fn failure(
        &self,
        name: &str,
        comment: &str,
        sealed: Vec<u8>,
        error: &str,
        released: usize,
    ) -> StreamFailure {
        StreamFailure {
            name: name.into(),
            comment: comment.into(),
            media_key: hex::encode(self.key),
            media_id: hex::encode(self.id),
            kind: self.kind.name().into(),
            sealed: hex::encode(sealed),
            error: error.into(),
            released: hex::encode(&self.plaintext[..released]),
        }
    }

    /// Seals one chunk with the raw primitive, for structures Keepsake never writes.
    fn raw_chunk(&self, index: u64, last: bool, plaintext: &[u8]) -> Vec<u8> {
        let header = stream::Header::parse(&self.seal()).unwrap();
        let mut context = [0u8; stream::CONTEXT_LEN];
        context.copy_from_slice(&header.to_bytes()[..stream::CONTEXT_LEN]);
        let (payload_key, _) =
            hazmat::stream_key_schedule(&MediaKey::from_bytes(self.key), &context, &self.salt);
        let aead = ChaCha20Poly1305::new(&(*payload_key).into());
        let mut nonce = [0u8; 12];
        nonce[3..11].copy_from_slice(&index.to_be_bytes());
        nonce[11] = u8::from(last);
        let mut out = vec![0u8; plaintext.len()];
        let tag = aead
            .encrypt_inout_detached(
                &nonce.into(),
                b"",
                InOutBuf::new(plaintext, &mut out).unwrap(),
            )
            .unwrap();
        out.extend_from_slice(&tag);
        out
    }
}

pub(crate) fn stream_vectors() -> Vec<StreamVector> {
    let mut out = Vec::new();
    let mut seed = 10u8;
    for log2 in [8u8, 10] {
        let c = 1usize << log2;
        for kind in MediaKind::ALL {
            for (label, len) in [
                ("empty", 0),
                ("one-byte", 1),
                ("chunk-minus-one", c - 1),
                ("one-chunk", c),
                ("chunk-plus-one", c + 1),
                ("three-chunks", 3 * c),
            ] {
                let inputs = StreamInputs::new(seed, kind, log2, len);
                seed = seed.wrapping_add(5);
                out.push(StreamVector {
                    name: format!("chunk2^{log2}-{}-{label}", kind.name()),
                    media_key: hex::encode(inputs.key),
                    media_id: hex::encode(inputs.id),
                    kind: kind.name().into(),
                    chunk_log2: log2,
                    salt: hex::encode(inputs.salt),
                    sealed: hex::encode(inputs.seal()),
                    plaintext: hex::encode(&inputs.plaintext),
                });
            }
        }
    }
    // The default chunk size, with a short plaintext.
    let inputs = StreamInputs::new(200, MediaKind::Original, stream::DEFAULT_CHUNK_LOG2, 100);
    out.push(StreamVector {
        name: "chunk2^16-original-short".into(),
        media_key: hex::encode(inputs.key),
        media_id: hex::encode(inputs.id),
        kind: "original".into(),
        chunk_log2: inputs.log2,
        salt: hex::encode(inputs.salt),
        sealed: hex::encode(inputs.seal()),
        plaintext: hex::encode(&inputs.plaintext),
    });
    out
}

pub(crate) fn stream_failures() -> Vec<StreamFailure> {
    let base = StreamInputs::new(77, MediaKind::Original, 8, 3 * 256 + 100); // 4 chunks
    let c = base.chunk();
    let stride = c + 16;
    let sealed = base.seal();
    let chunk_at = |i: usize| HEADER_LEN + i * stride;
    let mut v = Vec::new();

    v.push(base.failure(
        "truncated-at-chunk-boundary",
        "the final chunk removed",
        sealed[..chunk_at(3)].to_vec(),
        "TruncatedStream",
        2 * c,
    ));
    v.push(base.failure(
        "header-only",
        "every chunk removed",
        sealed[..HEADER_LEN].to_vec(),
        "TruncatedStream",
        0,
    ));
    v.push(base.failure(
        "truncated-inside-final-tag",
        "the final chunk cut to 10 bytes",
        sealed[..chunk_at(3) + 10].to_vec(),
        "TruncatedStream",
        3 * c,
    ));
    v.push(base.failure(
        "truncated-mid-chunk",
        "the stream cut 100 bytes into chunk 2",
        sealed[..chunk_at(2) + 100].to_vec(),
        "DecryptionFailed",
        2 * c,
    ));
    let mut swapped = sealed.clone();
    swapped[chunk_at(0)..chunk_at(1)].copy_from_slice(&sealed[chunk_at(1)..chunk_at(2)]);
    swapped[chunk_at(1)..chunk_at(2)].copy_from_slice(&sealed[chunk_at(0)..chunk_at(1)]);
    v.push(base.failure(
        "chunks-swapped",
        "chunks 0 and 1 exchanged",
        swapped,
        "DecryptionFailed",
        0,
    ));
    let mut duplicated = sealed[..chunk_at(2)].to_vec();
    duplicated.extend_from_slice(&sealed[chunk_at(1)..]);
    v.push(base.failure(
        "chunk-duplicated",
        "chunk 1 repeated after itself",
        duplicated,
        "DecryptionFailed",
        2 * c,
    ));
    let mut reordered = sealed[..chunk_at(1)].to_vec();
    reordered.extend_from_slice(&sealed[chunk_at(2)..chunk_at(3)]);
    reordered.extend_from_slice(&sealed[chunk_at(1)..chunk_at(2)]);
    reordered.extend_from_slice(&sealed[chunk_at(3)..]);
    v.push(base.failure(
        "chunks-reordered",
        "chunks 1 and 2 exchanged",
        reordered,
        "DecryptionFailed",
        c,
    ));
    let mut trailing_short = sealed.clone();
    trailing_short.extend_from_slice(b"junk");
    v.push(base.failure(
        "trailing-bytes-after-short-final",
        "4 bytes appended after a short final chunk",
        trailing_short,
        "DecryptionFailed",
        3 * c,
    ));
    for (name, at, comment) in [
        ("bit-flip-magic", 0, "a bit of the magic flipped"),
        ("bit-flip-salt", 30, "a bit of the salt flipped"),
        ("bit-flip-commitment", 60, "a bit of the commitment flipped"),
        ("bit-flip-media-id", 10, "a bit of the media id flipped"),
        (
            "bit-flip-chunk-body",
            chunk_at(1) + 5,
            "a bit of chunk 1's ciphertext flipped",
        ),
        (
            "bit-flip-chunk-tag",
            chunk_at(2) - 1,
            "a bit of chunk 1's tag flipped",
        ),
        (
            "bit-flip-final-tag",
            sealed.len() - 1,
            "a bit of the final chunk's tag flipped",
        ),
    ] {
        let mut flipped = sealed.clone();
        flipped[at] ^= 0x01;
        let (error, released) = match at {
            0 => ("BadMagic", 0),
            a if a < HEADER_LEN => ("DecryptionFailed", 0),
            a => ("DecryptionFailed", (a - HEADER_LEN) / stride * c),
        };
        v.push(base.failure(name, comment, flipped, error, released));
    }
    for (name, at, value, error, comment) in [
        (
            "unsupported-version",
            4,
            2u8,
            "UnsupportedVersion",
            "version byte set to 2",
        ),
        (
            "unsupported-suite",
            5,
            0,
            "UnsupportedSuite",
            "suite byte set to 0",
        ),
        (
            "chunk-size-too-small",
            6,
            7,
            "ChunkSizeOutOfRange",
            "chunk log2 set to 7",
        ),
        (
            "chunk-size-too-large",
            6,
            23,
            "ChunkSizeOutOfRange",
            "chunk log2 set to 23",
        ),
        (
            "altered-chunk-size",
            6,
            9,
            "DecryptionFailed",
            "chunk log2 changed from 8 to 9 (in range)",
        ),
        ("unknown-kind", 7, 4, "UnknownKind", "kind byte set to 4"),
        (
            "altered-kind",
            7,
            1,
            "DecryptionFailed",
            "kind byte changed to thumbnail",
        ),
    ] {
        let mut altered = sealed.clone();
        altered[at] = value;
        v.push(base.failure(name, comment, altered, error, 0));
    }
    v.push(base.failure(
        "truncated-header",
        "the header cut to 50 bytes",
        sealed[..50].to_vec(),
        "TruncatedHeader",
        0,
    ));

    // Context: the same valid object opened with another key, id or kind.
    let mut wrong_key = base.failure(
        "wrong-key",
        "opened with another media key",
        sealed.clone(),
        "DecryptionFailed",
        0,
    );
    wrong_key.media_key = hex::encode(array::<32>(1));
    v.push(wrong_key);
    let mut wrong_id = base.failure(
        "wrong-media-id",
        "opened as another media id",
        sealed.clone(),
        "DecryptionFailed",
        0,
    );
    wrong_id.media_id = hex::encode(array::<16>(2));
    v.push(wrong_id);
    let mut wrong_kind = base.failure(
        "wrong-kind",
        "an original opened as a thumbnail",
        sealed.clone(),
        "DecryptionFailed",
        0,
    );
    wrong_kind.kind = "thumbnail".into();
    v.push(wrong_kind);

    // Structures only a key holder could write.
    let full = StreamInputs::new(88, MediaKind::Preview, 8, 2 * 256); // two full chunks
    let full_sealed = full.seal();
    let mut trailing_full = full_sealed.clone();
    trailing_full.push(0);
    v.push(full.failure(
        "trailing-byte-after-full-final",
        "1 byte appended after a full final chunk",
        trailing_full,
        "TrailingData",
        256,
    ));
    let mut extended = full_sealed.clone();
    extended.extend_from_slice(&full_sealed[full_sealed.len() - stride..]);
    v.push(full.failure(
        "final-chunk-repeated",
        "the full final chunk appended again",
        extended,
        "TrailingData",
        256,
    ));
    let mut two_finals = full_sealed[..HEADER_LEN].to_vec();
    two_finals.extend_from_slice(&full.raw_chunk(0, true, &full.plaintext[..256]));
    two_finals.extend_from_slice(&full.raw_chunk(1, true, &full.plaintext[256..]));
    v.push(full.failure(
        "two-final-chunks",
        "chunks 0 and 1 both sealed with the last flag",
        two_finals,
        "TrailingData",
        0,
    ));
    let mut empty_final = full_sealed[..HEADER_LEN].to_vec();
    empty_final.extend_from_slice(&full.raw_chunk(0, false, &full.plaintext[..256]));
    empty_final.extend_from_slice(&full.raw_chunk(1, false, &full.plaintext[256..]));
    empty_final.extend_from_slice(&full.raw_chunk(2, true, b""));
    v.push(full.failure(
        "empty-final-after-full",
        "two full chunks, then an empty chunk with the last flag",
        empty_final,
        "EmptyFinalChunk",
        512,
    ));
    let mut no_last = full_sealed[..HEADER_LEN].to_vec();
    no_last.extend_from_slice(&full.raw_chunk(0, false, &full.plaintext[..256]));
    no_last.extend_from_slice(&full.raw_chunk(1, false, &full.plaintext[256..]));
    v.push(full.failure(
        "final-flag-missing",
        "every chunk sealed without the last flag",
        no_last,
        "TruncatedStream",
        256,
    ));
    v
}

pub(crate) fn range_vectors() -> Vec<RangeVector> {
    let base = StreamInputs::new(77, MediaKind::Original, 8, 3 * 256 + 100); // 868 bytes, 4 chunks
    let sealed = base.seal();
    let truncated = sealed[..HEADER_LEN + 3 * 272].to_vec(); // final chunk removed
    // An empty stream: its one piece, the final one, holds no plaintext (a tag only).
    let empty = StreamInputs::new(78, MediaKind::Original, 8, 0);
    let empty_sealed = empty.seal();
    let empty_cut = empty_sealed[..HEADER_LEN + 10].to_vec(); // the tag cut short
    let mut out = Vec::new();
    for (name, inputs, object, offset, len) in [
        ("empty-at-start", &base, &sealed, 0u64, 0u64),
        ("first-byte", &base, &sealed, 0, 1),
        ("across-a-boundary", &base, &sealed, 255, 2),
        ("one-whole-chunk", &base, &sealed, 256, 256),
        ("inside-the-final-chunk", &base, &sealed, 800, 10),
        ("clipped-at-the-end", &base, &sealed, 300, 10_000),
        ("last-byte", &base, &sealed, 867, 1),
        ("empty-in-the-middle", &base, &sealed, 300, 0),
        ("empty-at-the-end", &base, &sealed, 868, 5),
        ("past-the-end", &base, &sealed, 869, 1),
        ("truncated-object-early-range", &base, &truncated, 10, 300),
        ("truncated-object-to-the-end", &base, &truncated, 600, 200),
        ("empty-stream-whole", &empty, &empty_sealed, 0, 10),
        ("empty-stream-empty-range", &empty, &empty_sealed, 0, 0),
        ("empty-stream-past-the-end", &empty, &empty_sealed, 1, 0),
        ("empty-stream-tag-cut", &empty, &empty_cut, 0, 1),
    ] {
        let header = stream::Header::parse(object).unwrap();
        let key = MediaKey::from_bytes(inputs.key);
        let id = MediaId::from_bytes(inputs.id);
        let plan = stream::RangePlan::new(&header, object.len() as u64, offset, len);
        let result = stream::open_range(
            &key,
            &id,
            inputs.kind,
            &mut std::io::Cursor::new(object),
            offset,
            len,
        );
        if let Ok(got) = &result {
            let end = (offset + len).min(inputs.plaintext.len() as u64) as usize;
            assert_eq!(got[..], inputs.plaintext[offset as usize..end], "{name}");
        }
        out.push(RangeVector {
            name: name.into(),
            media_key: hex::encode(inputs.key),
            media_id: hex::encode(inputs.id),
            kind: inputs.kind.name().into(),
            sealed: hex::encode(object),
            offset,
            len,
            first_chunk: plan.as_ref().ok().map(|p| p.first_chunk),
            chunk_count: plan.as_ref().ok().map(|p| p.chunk_count),
            sealed_offset: plan.as_ref().ok().map(|p| p.sealed_offset),
            sealed_len: plan.as_ref().ok().map(|p| p.sealed_len),
            plaintext: result.as_ref().ok().map(hex::encode),
            error: result
                .as_ref()
                .err()
                .map(|e| keepsake_tests::error_name(e).to_string()),
        });
    }
    out
}

pub(crate) fn kdf_vectors() -> Vec<KdfVector> {
    let mut out = Vec::new();
    for (i, (kind, log2)) in [
        (MediaKind::Original, 16u8),
        (MediaKind::Thumbnail, 8),
        (MediaKind::Sidecar, 22),
    ]
    .into_iter()
    .enumerate()
    {
        let inputs = StreamInputs::new(150 + i as u8 * 7, kind, log2, 0);
        let header = inputs.seal();
        let mut context = [0u8; stream::CONTEXT_LEN];
        context.copy_from_slice(&header[..stream::CONTEXT_LEN]);
        let (key, commitment) =
            hazmat::stream_key_schedule(&MediaKey::from_bytes(inputs.key), &context, &inputs.salt);
        let mut info = stream::LABEL_PAYLOAD.to_vec();
        info.extend_from_slice(&context);
        out.push(KdfVector {
            name: format!("stream-{}-chunk2^{log2}", kind.name()),
            schedule: "stream".into(),
            ikm: hex::encode(inputs.key),
            salt: hex::encode(inputs.salt),
            context: hex::encode(context),
            info: hex::encode(info),
            key: hex::encode(*key),
            commitment: hex::encode(commitment),
        });
    }
    for (i, binding) in [
        [&[1u8, 1, 16][..], &array::<16>(30)].concat(),
        [&[1u8, 3, 24][..], &array::<16>(31), &7u64.to_be_bytes()].concat(),
        [
            &[1u8, 5, 40][..],
            &array::<16>(32),
            &0u64.to_be_bytes(),
            &array::<16>(33),
        ]
        .concat(),
    ]
    .into_iter()
    .enumerate()
    {
        let owner: [u8; 32] = array(40 + i as u8);
        let nonce: [u8; 24] = array(50 + i as u8);
        let (key, commitment) = hazmat::envelope_key_schedule(&owner, &nonce, &binding);
        let mut info = keepsake::envelope::LABEL_ENVELOPE.to_vec();
        info.extend_from_slice(&binding);
        out.push(KdfVector {
            name: format!("envelope-purpose-{}", binding[1]),
            schedule: "envelope".into(),
            ikm: hex::encode(owner),
            salt: hex::encode(nonce),
            context: hex::encode(&binding),
            info: hex::encode(info),
            key: hex::encode(*key),
            commitment: hex::encode(commitment),
        });
    }
    out
}

/// The inputs of one envelope case.
struct EnvInputs {
    purpose: &'static str,
    key: [u8; 32],
    media_id: [u8; 16],
    album_id: [u8; 16],
    epoch: u64,
    nonce: [u8; 24],
    plaintext: Vec<u8>,
}

impl EnvInputs {
    fn new(purpose: &'static str, seed: u8, len: usize) -> Self {
        Self {
            purpose,
            key: array(seed),
            media_id: array(seed.wrapping_add(1)),
            album_id: array(seed.wrapping_add(2)),
            epoch: u64::from(seed) * 1000 + 3,
            nonce: array(seed.wrapping_add(3)),
            plaintext: pattern(
                seed.wrapping_add(4),
                if purpose == "media-key-wrap" { 32 } else { len },
            ),
        }
    }

    fn uses_media(&self) -> bool {
        self.purpose.starts_with("media")
    }

    fn uses_album(&self) -> bool {
        self.purpose.starts_with("album") || self.purpose == "media-key-wrap"
    }

    fn binding(&self) -> Vec<u8> {
        let (code, context): (u8, Vec<u8>) = match self.purpose {
            "media-metadata" => (1, self.media_id.to_vec()),
            "media-caption" => (2, self.media_id.to_vec()),
            "album-name" => (3, [&self.album_id[..], &self.epoch.to_be_bytes()].concat()),
            "album-metadata" => (4, [&self.album_id[..], &self.epoch.to_be_bytes()].concat()),
            "media-key-wrap" => (
                5,
                [
                    &self.album_id[..],
                    &self.epoch.to_be_bytes(),
                    &self.media_id[..],
                ]
                .concat(),
            ),
            other => panic!("unknown purpose {other}"),
        };
        [&[1u8, code, context.len() as u8][..], &context].concat()
    }

    fn seal(&self) -> Vec<u8> {
        let media_id = MediaId::from_bytes(self.media_id);
        let album = AlbumKey::from_bytes(AlbumId::from_bytes(self.album_id), self.epoch, self.key);
        let media_key = MediaKey::from_bytes(self.key);
        match self.purpose {
            "media-metadata" => hazmat::seal_media_blob(
                &media_key,
                &media_id,
                MediaBlob::Metadata,
                &self.plaintext,
                self.nonce,
            ),
            "media-caption" => hazmat::seal_media_blob(
                &media_key,
                &media_id,
                MediaBlob::Caption,
                &self.plaintext,
                self.nonce,
            ),
            "album-name" => {
                hazmat::seal_album_blob(&album, AlbumBlob::Name, &self.plaintext, self.nonce)
            }
            "album-metadata" => {
                hazmat::seal_album_blob(&album, AlbumBlob::Metadata, &self.plaintext, self.nonce)
            }
            "media-key-wrap" => {
                let wrapped = MediaKey::from_slice(&self.plaintext).unwrap();
                hazmat::wrap_media_key(&album, &media_id, &wrapped, self.nonce)
            }
            other => panic!("unknown purpose {other}"),
        }
        .unwrap()
    }

    fn vector(&self, name: String) -> EnvelopeVector {
        EnvelopeVector {
            name,
            purpose: self.purpose.into(),
            key: hex::encode(self.key),
            media_id: self.uses_media().then(|| hex::encode(self.media_id)),
            album_id: self.uses_album().then(|| hex::encode(self.album_id)),
            epoch: self.uses_album().then_some(self.epoch),
            nonce: hex::encode(self.nonce),
            binding: hex::encode(self.binding()),
            plaintext: hex::encode(&self.plaintext),
            sealed: Some(hex::encode(self.seal())),
        }
    }

    fn failure(&self, name: &str, comment: &str, sealed: Vec<u8>, error: &str) -> EnvelopeFailure {
        EnvelopeFailure {
            name: name.into(),
            comment: comment.into(),
            purpose: self.purpose.into(),
            key: hex::encode(self.key),
            media_id: self.uses_media().then(|| hex::encode(self.media_id)),
            album_id: self.uses_album().then(|| hex::encode(self.album_id)),
            epoch: self.uses_album().then_some(self.epoch),
            sealed: hex::encode(sealed),
            error: error.into(),
        }
    }
}

const PURPOSES: [&str; 5] = [
    "media-metadata",
    "media-caption",
    "album-name",
    "album-metadata",
    "media-key-wrap",
];

pub(crate) fn envelope_vectors() -> Vec<EnvelopeVector> {
    let mut out = Vec::new();
    let mut seed = 60u8;
    for purpose in PURPOSES {
        let lengths: &[usize] = if purpose == "media-key-wrap" {
            &[32, 32]
        } else {
            &[0, 1, 100]
        };
        for (n, len) in lengths.iter().enumerate() {
            let inputs = EnvInputs::new(purpose, seed, *len);
            seed = seed.wrapping_add(9);
            out.push(inputs.vector(format!("{purpose}-{n}-len{}", inputs.plaintext.len())));
        }
    }
    out
}

pub(crate) fn envelope_failures() -> Vec<EnvelopeFailure> {
    let mut v = Vec::new();
    let caption = EnvInputs::new("media-caption", 120, 40);
    let sealed = caption.seal();
    let mut wrong_key = caption.failure(
        "wrong-key",
        "opened with another media key",
        sealed.clone(),
        "DecryptionFailed",
    );
    wrong_key.key = hex::encode(array::<32>(3));
    v.push(wrong_key);
    let mut wrong_item = caption.failure(
        "moved-to-other-item",
        "a caption opened as another media id's",
        sealed.clone(),
        "DecryptionFailed",
    );
    wrong_item.media_id = Some(hex::encode(array::<16>(4)));
    v.push(wrong_item);
    let mut as_metadata = caption.failure(
        "wrong-purpose",
        "a caption opened as metadata",
        sealed.clone(),
        "DecryptionFailed",
    );
    as_metadata.purpose = "media-metadata".into();
    v.push(as_metadata);
    for (name, at, comment) in [
        ("bit-flip-nonce", 5, "a bit of the nonce flipped"),
        ("bit-flip-commitment", 40, "a bit of the commitment flipped"),
        ("bit-flip-ciphertext", 60, "a bit of the ciphertext flipped"),
        ("bit-flip-tag", sealed.len() - 1, "a bit of the tag flipped"),
    ] {
        let mut flipped = sealed.clone();
        flipped[at] ^= 0x80;
        v.push(caption.failure(name, comment, flipped, "DecryptionFailed"));
    }
    let mut version = sealed.clone();
    version[0] = 0;
    v.push(caption.failure(
        "unsupported-version",
        "version byte set to 0",
        version,
        "UnsupportedVersion",
    ));
    v.push(caption.failure("empty", "no bytes at all", Vec::new(), "TruncatedHeader"));
    v.push(caption.failure(
        "truncated",
        "cut inside the tag of an empty plaintext",
        sealed[..70].to_vec(),
        "TruncatedHeader",
    ));
    v.push(caption.failure(
        "truncated-ciphertext",
        "the last 20 bytes removed",
        sealed[..sealed.len() - 20].to_vec(),
        "DecryptionFailed",
    ));

    let wrap = EnvInputs::new("media-key-wrap", 130, 32);
    let wrapped = wrap.seal();
    let mut other_epoch = wrap.failure(
        "wrap-other-epoch",
        "a wrapped media key opened at the next epoch",
        wrapped.clone(),
        "DecryptionFailed",
    );
    other_epoch.epoch = Some(wrap.epoch + 1);
    v.push(other_epoch);
    let mut other_album = wrap.failure(
        "wrap-other-album",
        "a wrapped media key opened in another album",
        wrapped.clone(),
        "DecryptionFailed",
    );
    other_album.album_id = Some(hex::encode(array::<16>(5)));
    v.push(other_album);
    let mut other_media = wrap.failure(
        "wrap-other-media",
        "a wrapped media key opened for another item",
        wrapped.clone(),
        "DecryptionFailed",
    );
    other_media.media_id = Some(hex::encode(array::<16>(6)));
    v.push(other_media);
    let mut flipped = wrapped.clone();
    flipped[70] ^= 1;
    v.push(wrap.failure(
        "wrap-tampered",
        "a bit of the wrapped key flipped",
        flipped,
        "DecryptionFailed",
    ));
    let mut as_name = wrap.failure(
        "wrap-as-album-name",
        "a wrapped key opened as the album's name",
        wrapped,
        "DecryptionFailed",
    );
    as_name.purpose = "album-name".into();
    as_name.media_id = None;
    v.push(as_name);
    let mut bogus = EnvInputs::new("media-key-wrap", 140, 32);
    bogus.plaintext = pattern(9, 12);
    let album = AlbumKey::from_bytes(AlbumId::from_bytes(bogus.album_id), bogus.epoch, bogus.key);
    let binding = bogus.binding();
    let (key, commitment) = hazmat::envelope_key_schedule(&bogus.key, &bogus.nonce, &binding);
    let aead = chacha20poly1305::XChaCha20Poly1305::new(&(*key).into());
    let mut body = vec![0u8; 12];
    let tag = aead
        .encrypt_inout_detached(
            &bogus.nonce.into(),
            &binding,
            InOutBuf::new(&bogus.plaintext, &mut body).unwrap(),
        )
        .unwrap();
    let env = [&[1u8][..], &bogus.nonce, &commitment, &body, &tag].concat();
    assert!(album.open_blob(AlbumBlob::Name, &env).is_err());
    v.push(bogus.failure(
        "wrap-holds-wrong-length",
        "an authentic key-wrap envelope holding 12 bytes instead of a 32-byte media key",
        env,
        "InvalidLength",
    ));
    v
}
