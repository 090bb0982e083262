//! The adversarial suite, second half (issue 6): KDF parameters, context binding, misuse
//! and resource exhaustion. Each case names the attack and asserts the *specific*
//! `keepsake::Error` variant. The first half (format parsing, stream integrity, key
//! management) is `adversarial.rs`; shared fixtures are in `adversarial_common.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
#[path = "adversarial_common.rs"]
mod common;
use common::*;
// ---------------------------------------------------------------------------------------
// KDF parameters
// ---------------------------------------------------------------------------------------

#[test]
fn parameters_outside_floor_and_ceiling_are_refused_at_parse_before_argon2() {
    let f = fixture();
    let weak: Check = |e| matches!(e, Error::KdfParamsTooWeak { .. });
    let costly: Check = |e| matches!(e, Error::KdfParamsTooCostly { .. });
    let cases: [(u32, u32, u32, Check); 10] = [
        (19455, 2, 1, weak),
        (19456, 1, 1, weak),
        (19456, 2, 0, weak),
        (0, 0, 0, weak),
        (1, 1000, 1000, weak), // below the floor is reported first
        (1_048_577, 2, 1, costly),
        (19456, 65, 1, costly),
        (19456, 2, 9, costly),
        (32 * 1024 + 4, 64, 1, costly), // m * t just over 2 GiB of work
        (u32::MAX, u32::MAX, u32::MAX, costly),
    ];
    for (m, t, p, is) in cases {
        let bytes = edit(&f.bundle, |v| {
            v["body"]["passphrase"]["kdf"] =
                serde_json::json!({"memory_kib": m, "iterations": t, "parallelism": p});
        });
        let started = Instant::now();
        let err = AccountBundle::parse(&bytes).unwrap_err();
        assert!(is(&err), "({m}, {t}, {p}): {err:?}");
        assert!(
            started.elapsed() < Duration::from_millis(20),
            "({m}, {t}, {p}) took time"
        );
        // The same values given to the KDF directly.
        assert!(is(&KdfParams::new(m, t, p).unwrap_err()));
    }
}

#[test]
fn a_downgrade_of_any_parameter_makes_the_slot_fail_to_open() {
    let strong = KdfParams::new(19456, 3, 1).unwrap();
    let randomness = account_randomness(6, 7, 8);
    let bundle = hazmat::create_account_with(PASS, &strong, &randomness)
        .unwrap()
        .bundle;
    for (m, t, p) in [(19456, 2, 1), (19460, 3, 1), (19456, 3, 2)] {
        let bytes = edit(&bundle, |v| {
            v["body"]["passphrase"]["kdf"] =
                serde_json::json!({"memory_kib": m, "iterations": t, "parallelism": p});
        });
        let downgraded = AccountBundle::parse(&bytes).unwrap();
        assert_eq!(downgraded.kdf_params(), KdfParams::new(m, t, p).unwrap());
        assert_err!(
            unlock_with_passphrase(&downgraded, PASS),
            Error::WrongPassphrase,
            "({m}, {t}, {p})"
        );
    }
    unlock_with_passphrase(&bundle, PASS).unwrap();
}

#[test]
fn another_algorithm_or_argon2_version_cannot_be_named() {
    let f = fixture();
    for (field, value) in [
        ("algorithm", serde_json::json!("argon2i")),
        ("algorithm", serde_json::json!("argon2d")),
        ("version", serde_json::json!(16)),
        ("secret", serde_json::json!("00")),
    ] {
        let bytes = edit(&f.bundle, |v| v["body"]["passphrase"]["kdf"][field] = value);
        assert_err!(
            AccountBundle::parse(&bytes),
            Error::MalformedBundle { .. },
            "{field}"
        );
    }
    let missing = edit(&f.bundle, |v| {
        v["body"]["passphrase"]["kdf"]
            .as_object_mut()
            .unwrap()
            .remove("parallelism");
    });
    expect(AccountBundle::parse(&missing), MALFORMED);
}

// ---------------------------------------------------------------------------------------
// Context binding
// ---------------------------------------------------------------------------------------

#[test]
fn media_metadata_moved_to_another_item_or_purpose_fails() {
    let k = key();
    let other = MediaId::from_bytes([0x12; 16]);
    let meta = k
        .seal_blob(&ID, MediaBlob::Metadata, b"{\"name\":\"IMG_1.jpg\"}")
        .unwrap();
    expect(k.open_blob(&other, MediaBlob::Metadata, &meta), DF);
    expect(k.open_blob(&ID, MediaBlob::Caption, &meta), DF);
    // Under an album key with the same bytes, as any album envelope: another purpose.
    let album = AlbumKey::from_bytes(ALBUM, 0, [0x42; 32]);
    expect(album.open_blob(AlbumBlob::Metadata, &meta), DF);
    expect(album.unwrap_media_key(&ID, &meta), DF);
    assert_eq!(
        k.open_blob(&ID, MediaBlob::Metadata, &meta).unwrap(),
        b"{\"name\":\"IMG_1.jpg\"}"
    );
}

#[test]
fn media_key_moved_to_another_album_or_epoch_fails_even_with_equal_key_bytes() {
    // Binding, not just key separation: the album key bytes are the same in every case.
    let bytes = [0x33; 32];
    let wrapped = AlbumKey::from_bytes(ALBUM, 7, bytes)
        .wrap_media_key(&ID, &key())
        .unwrap();
    let name = AlbumKey::from_bytes(ALBUM, 7, bytes)
        .seal_blob(AlbumBlob::Name, b"Summer")
        .unwrap();
    let other_album = AlbumId::from_bytes([0xa2; 16]);
    for (album, epoch) in [
        (other_album, 7),
        (ALBUM, 6),
        (ALBUM, 8),
        (ALBUM, 7 + (1 << 32)),
    ] {
        let moved = AlbumKey::from_bytes(album, epoch, bytes);
        assert_err!(
            moved.unwrap_media_key(&ID, &wrapped),
            Error::DecryptionFailed,
            "{album} {epoch}"
        );
        expect(moved.open_blob(AlbumBlob::Name, &name), DF);
    }
    let same = AlbumKey::from_bytes(ALBUM, 7, bytes);
    assert_err!(
        same.unwrap_media_key(&MediaId::from_bytes([0x12; 16]), &wrapped),
        Error::DecryptionFailed
    );
    expect(same.open_blob(AlbumBlob::Name, &wrapped), DF);
    same.unwrap_media_key(&ID, &wrapped).unwrap();
}

#[test]
fn a_stream_served_as_another_item_or_rendition_fails_in_every_open_path() {
    let (_, sealed) = three_chunks();
    let other = MediaId::from_bytes([0x12; 16]);
    for (id, kind) in [
        (other, KIND),
        (ID, MediaKind::Thumbnail),
        (ID, MediaKind::Sidecar),
    ] {
        let mut p = PushOpener::new(&key(), &id, kind);
        expect(p.push(&sealed[..H]), DF);
        expect(stream::open(&key(), &id, kind, &sealed), DF);
        let (r, left_behind) = open_file(&sealed, id, kind);
        expect(r, DF);
        assert!(!left_behind);
    }
}

#[test]
fn a_grant_rewritten_or_replayed_to_another_user_album_or_epoch_is_refused() {
    let (alice, bob, carol) = (keyring(1), keyring(2), keyring(4));
    let alice_id = alice.identity_public_key();
    let grant = alice
        .grant_album(
            &alice.album_key(ALBUM, 4).unwrap(),
            &bob.identity_public_key(),
            &[0; 32],
        )
        .unwrap();
    // Replayed to Carol: addressed to Bob.
    expect(carol.accept_grant(&grant, &alice_id, None), WRONG_RECIPIENT);
    // Recipient field rewritten to Carol: Alice's signature no longer verifies (and the
    // HPKE info changed, and it was sealed to Bob).
    let mut to_carol = grant.clone();
    to_carol[34..66].copy_from_slice(&carol.identity_public_key().digest());
    expect(
        carol.accept_grant(&to_carol, &alice_id, None),
        BAD_SIGNATURE,
    );
    // The epoch-4 grant replayed when Bob expects epoch 5, or another album.
    expect(
        bob.accept_grant(&grant, &alice_id, Some((ALBUM, 5))),
        WRONG_ALBUM,
    );
    // Album or epoch fields rewritten: refused by the expectation, or by the signature
    // without one.
    for (at, what) in [(66, "album"), (89, "epoch")] {
        let mut moved = grant.clone();
        moved[at] ^= 1;
        assert_err!(
            bob.accept_grant(&moved, &alice_id, Some((ALBUM, 4))),
            Error::GrantWrongAlbum,
            "{what}"
        );
        assert_err!(
            bob.accept_grant(&moved, &alice_id, None),
            Error::GrantBadSignature,
            "{what}"
        );
    }
    let key = bob
        .accept_grant(&grant, &alice_id, Some((ALBUM, 4)))
        .unwrap();
    assert_eq!((key.album_id(), key.epoch()), (ALBUM, 4));
}

#[test]
fn slot_envelopes_swapped_or_spliced_between_slots_and_bundles_are_refused() {
    let f = fixture();
    let json: Value = serde_json::from_slice(&f.bundle.to_bytes()).unwrap();
    // The encapsulations (the wrapped root alone, or with its enc) swapped between the
    // passphrase and recovery slots: each slot's key pair and HPKE info differ.
    for fields in [&["wrapped_root"][..], &["enc", "wrapped_root"]] {
        let swapped = edit(&f.bundle, |v| {
            for field in fields {
                let body = &mut v["body"];
                let pass = body["passphrase"][field].clone();
                body["passphrase"][field] = body["recovery"][field].clone();
                body["recovery"][field] = pass;
            }
        });
        let swapped = AccountBundle::parse(&swapped).unwrap();
        expect(unlock_with_passphrase(&swapped, PASS), WRONG_PASS);
        expect(unlock_with_recovery(&swapped, &f.phrase), WRONG_PHRASE);
    }
    // The old passphrase slot spliced into the bundle written after a passphrase change: it
    // opens to the right root, but the MAC of the new bundle does not cover it.
    let changed = f
        .keyring
        .change_passphrase(&f.bundle, "new passphrase", &KdfParams::FLOOR)
        .unwrap();
    let old_slot = json["body"]["passphrase"].clone();
    let rolled_back = edit(&changed, |v| v["body"]["passphrase"] = old_slot);
    let rolled_back = AccountBundle::parse(&rolled_back).unwrap();
    expect(unlock_with_passphrase(&rolled_back, PASS), TAMPERED);
}

// ---------------------------------------------------------------------------------------
// Misuse
// ---------------------------------------------------------------------------------------

#[test]
fn a_sealer_dropped_without_finish_is_refused_by_the_push_opener_and_open_file() {
    let pt = pattern(stream::BATCH_BYTES + 5000);
    let mut out = Vec::new();
    let mut sealer =
        hazmat::sealer_with_salt(&key(), &ID, KIND, &mut out, &small(), [7; 32]).unwrap();
    sealer.write_all(&pt).unwrap();
    drop(sealer);
    assert!(out.len() > H && (out.len() as u64) < stream::sealed_len(pt.len() as u64, 8).unwrap());
    let (released, outcome) = push_open(&out, 4096);
    expect(outcome, TRUNCATED);
    assert!(pt.starts_with(&released));
    let (r, left_behind) = open_file(&out, ID, KIND);
    expect(r, TRUNCATED);
    assert!(!left_behind, "nothing under the destination name");
}

/// Accepts `budget` bytes, then fails every write.
#[derive(Debug)]
struct FailingWriter {
    budget: usize,
}

impl Write for FailingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.budget < buf.len() {
            return Err(std::io::ErrorKind::BrokenPipe.into());
        }
        self.budget -= buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_sealer_whose_writer_failed_keeps_failing_and_cannot_finish() {
    let opts = small().with_parallel(false);
    let mut sealer = keepsake::stream::Sealer::with_options(
        &key(),
        &ID,
        KIND,
        FailingWriter { budget: H },
        &opts,
    )
    .unwrap();
    let broken =
        |e: &Error| matches!(e, Error::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe);
    // One chunk is buffered (it may be the last); once a second chunk and a byte more
    // arrive, the first two are sealed and written, and the writer fails.
    sealer.write_all(&pattern(C)).unwrap();
    let err = Error::from_io(sealer.write_all(&pattern(C + 1)).unwrap_err());
    assert!(broken(&err), "{err:?}");
    for _ in 0..3 {
        assert!(broken(&Error::from_io(sealer.write(b"x").unwrap_err())));
        assert!(broken(&Error::from_io(sealer.flush().unwrap_err())));
    }
    let err = sealer.finish().unwrap_err();
    assert!(broken(&err), "{err:?}");
}

#[test]
fn concurrent_pushes_to_a_shared_push_opener_release_only_an_authentic_prefix() {
    let pt = pattern(40 * C + 77);
    let sealed = hazmat::seal_with_salt(&key(), &ID, KIND, &pt, &small(), [3; 32]);
    let pieces: Vec<Vec<u8>> = sealed.chunks(100).map(<[u8]>::to_vec).collect();
    for round in 0..20 {
        let shared = Arc::new(Mutex::new((
            PushOpener::new(&key(), &ID, KIND),
            Vec::new(),
            Vec::new(),
            None,
        )));
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let (shared, next, pieces) = (shared.clone(), next.clone(), pieces.clone());
                std::thread::spawn(move || {
                    loop {
                        // Ordered rounds take the next piece under the lock; racy rounds
                        // take it before, so pieces may arrive out of order.
                        let racy = round % 2 == 1;
                        let mut taken =
                            racy.then(|| next.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
                        if racy && t % 2 == 0 {
                            std::thread::yield_now();
                        }
                        let mut guard = shared.lock().unwrap();
                        let (opener, order, released, error) = &mut *guard;
                        let i = *taken.get_or_insert_with(|| {
                            next.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                        });
                        let Some(piece) = pieces.get(i) else { return };
                        order.push(i);
                        match opener.push(piece) {
                            Ok(out) => released.extend(out),
                            Err(e) => *error = Some(format!("{e:?}")),
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let (mut opener, order, mut released, error) =
            Arc::try_unwrap(shared).unwrap().into_inner().unwrap();
        let in_order = order.windows(2).all(|w| w[0] < w[1]);
        match opener.finish() {
            Ok(out) => released.extend(out),
            Err(e) => assert!(
                error
                    .as_deref()
                    .is_none_or(|first| first == format!("{e:?}"))
            ),
        }
        assert!(
            pt.starts_with(&released),
            "round {round}: released non-plaintext"
        );
        assert_eq!(in_order, released == pt, "round {round}: order {order:?}");
    }
}

#[test]
fn chunk_sizes_outside_the_format_are_refused_when_sealing() {
    for log2 in [0, 7, 23, 64, 255] {
        assert_err!(SealOptions::new().with_chunk_size_log2(log2), Error::ChunkSizeOutOfRange(x) if x == log2);
        assert_err!(stream::sealed_len(1, log2), Error::ChunkSizeOutOfRange(x) if x == log2);
    }
}

// ---------------------------------------------------------------------------------------
// Resource exhaustion
// ---------------------------------------------------------------------------------------

#[test]
fn a_bundle_with_a_million_device_entries_is_refused_fast() {
    let f = fixture();
    let json = String::from_utf8(f.bundle.to_bytes()).unwrap();
    let device = r#"{"suite":2,"public_key":"00","enc":"00","wrapped_root":"00"},"#;
    let million = json.replacen(
        "\"devices\":[",
        &format!("\"devices\":[{}", device.repeat(1_000_000)),
        1,
    );
    let started = Instant::now();
    assert_err!(
        AccountBundle::parse(million.as_bytes()),
        Error::TooLarge { max, .. } if max == keepsake::bundle::MAX_BUNDLE_LEN as u64
    );
    assert!(
        started.elapsed() < Duration::from_millis(20),
        "{:?}",
        started.elapsed()
    );
    // Under the size cap: 65 well-formed, sorted slots are still too many; 64 parse.
    let mut keys: Vec<[u8; 1216]> = (0..65).map(xwing_public).collect();
    keys.sort_unstable();
    let slots = |n: usize| -> Vec<Value> {
        keys[..n]
            .iter()
            .map(|pk| {
                serde_json::json!({"suite": 2, "public_key": hex::encode(pk), "enc": "11".repeat(1120), "wrapped_root": "22".repeat(48)})
            })
            .collect()
    };
    let many = edit(&f.bundle, |v| v["body"]["devices"] = slots(65).into());
    assert!(many.len() < keepsake::bundle::MAX_BUNDLE_LEN);
    assert_err!(AccountBundle::parse(&many), Error::MalformedBundle { reason } if reason.contains("too many"));
    let max = AccountBundle::parse(&edit(&f.bundle, |v| {
        v["body"]["devices"] = slots(64).into()
    }))
    .unwrap();
    expect(unlock_with_passphrase(&max, PASS), TAMPERED);
}

#[test]
fn deeply_nested_or_huge_json_is_refused_without_overflowing_the_stack() {
    for depth in [200, 60_000] {
        let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let input = &nested.as_bytes()[..nested.len().min(65536)];
        expect(AccountBundle::parse(input), MALFORMED);
        let objects = r#"{"body":"#.repeat(depth / 8);
        expect(AccountBundle::parse(objects.as_bytes()), MALFORMED);
    }
    let long_string = format!(
        "{{\"body\":{{\"version\":1,\"identity\":\"{}\"",
        "a".repeat(65_000)
    );
    expect(AccountBundle::parse(long_string.as_bytes()), MALFORMED);
}

#[test]
fn oversized_envelopes_and_phrases_are_refused_before_any_work() {
    let k = key();
    let mut huge = vec![0u8; 64 << 20];
    huge[0] = 1;
    let started = Instant::now();
    assert_err!(k.open_blob(&ID, MediaBlob::Metadata, &huge), Error::TooLarge { max, .. } if max == (1 << 20) + 73);
    assert!(started.elapsed() < Duration::from_millis(5));
    let over = &huge[..(1 << 20) + 1];
    expect(k.seal_blob(&ID, MediaBlob::Caption, over), TOO_LARGE);
    let album = AlbumKey::from_bytes(ALBUM, 0, [1; 32]);
    expect(album.seal_blob(AlbumBlob::Name, over), TOO_LARGE);
    let words = "abandon ".repeat(2_000_000);
    let started = Instant::now();
    assert_err!(
        RecoveryPhrase::parse(&words),
        Error::InvalidRecoveryPhrase {
            problem: PhraseProblem::TooLong
        }
    );
    assert!(started.elapsed() < Duration::from_millis(5));
}

/// A reader over a small object that claims, when asked its length, to be far longer.
struct Liar {
    inner: Cursor<Vec<u8>>,
    claimed: u64,
}

fn liar(sealed: &[u8], claimed: u64) -> Liar {
    Liar {
        inner: Cursor::new(sealed.to_vec()),
        claimed,
    }
}

impl Read for Liar {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl std::io::Seek for Liar {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        match pos {
            std::io::SeekFrom::End(0) => Ok(self.claimed),
            other => self.inner.seek(other),
        }
    }
}

#[test]
fn a_range_read_over_a_lying_length_allocates_no_more_than_a_batch() {
    let (pt, sealed) = three_chunks();
    for claimed in [sealed.len() as u64 + 1, 1 << 40, u64::MAX] {
        let started = Instant::now();
        for (offset, len) in [(0, 10), (300, 1000), (0, u64::MAX)] {
            let r = stream::open_range(&key(), &ID, KIND, &mut liar(&sealed, claimed), offset, len);
            match (offset, len) {
                (0, 10) => assert_eq!(r.unwrap(), &pt[..10]), // chunk 0 is genuine
                _ => expect(r, TRUNCATED), // the object ends before its claimed length
            }
        }
        let r = stream::open_range(&key(), &ID, KIND, &mut liar(&sealed, claimed), u64::MAX, 1);
        assert_err!(
            r,
            Error::RangeOutOfBounds {
                offset: u64::MAX,
                ..
            }
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }
    // Planning alone never overflows.
    let header = Header::parse(&sealed).unwrap();
    for (total, offset, len) in [
        (u64::MAX, 0, u64::MAX),
        (u64::MAX, u64::MAX - 1, 5),
        (89, 0, u64::MAX),
    ] {
        match RangePlan::new(&header, total, offset, len) {
            Ok(plan) => assert!(plan.sealed_offset.checked_add(plan.sealed_len).is_some()),
            Err(e) => assert!(matches!(e, Error::RangeOutOfBounds { .. }), "{e:?}"),
        }
    }
    expect(stream::sealed_len(u64::MAX, 8), TOO_LARGE);
}

#[test]
fn endless_garbage_after_a_genuine_header_stops_at_the_first_batch() {
    // The largest chunk size: an opener may buffer a few 4 MiB chunks, never more.
    let sealed = stream::seal_with(
        &key(),
        &ID,
        KIND,
        b"",
        &SealOptions::new().with_chunk_size_log2(22).unwrap(),
    )
    .unwrap();
    let header = sealed[..H].to_vec();
    let endless = Cursor::new(header.clone()).chain(std::io::repeat(0));
    let mut opener = Opener::new(&key(), &ID, KIND, endless).unwrap();
    let mut sink = Vec::new();
    let err = Error::from_io(opener.read_to_end(&mut sink).unwrap_err());
    assert!(
        matches!(err, Error::DecryptionFailed) && sink.is_empty(),
        "{err:?}"
    );
    assert!(opener.chunks_read() <= 64);
    let mut push = PushOpener::new(&key(), &ID, KIND);
    push.push(&header).unwrap();
    assert_err!(push.push(&vec![0u8; 32 << 20]), Error::DecryptionFailed);
}
