//! Garbage fed to every exported function that takes bytes gives an error, never a panic
//! (a panic would cross into Swift, Kotlin or Python as an internal error or an abort).

#![allow(clippy::unwrap_used, clippy::panic)]

use keepsake_ffi::*;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Byte strings of awkward lengths and contents, including near-valid ones.
fn garbage(valid: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![
        Vec::new(),
        vec![0],
        vec![0xff; 15],
        vec![0; 16],
        vec![0x41; 31],
        vec![0; 32],
        vec![1; 33],
        b"KSMS".to_vec(),
        b"{\"body\":{\"version\":1}}".to_vec(),
        vec![0x5a; 100_000],
    ];
    let mut seed = 0x9e37_79b9_u32;
    for len in [
        1usize, 40, 57, 73, 88, 105, 170, 300, 1216, 1248, 1354, 4096,
    ] {
        out.push(
            (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    seed as u8
                })
                .collect(),
        );
    }
    for cut in [1, valid.len() / 2, valid.len().saturating_sub(1)] {
        out.push(valid[..cut.min(valid.len())].to_vec());
    }
    let mut flipped = valid.to_vec();
    if let Some(b) = flipped.get_mut(valid.len() / 2) {
        *b ^= 1;
    }
    out.push(flipped);
    out
}

/// Runs `f`, which must return an error without panicking.
fn refuses<T>(what: &str, f: impl FnOnce() -> Result<T, KeepsakeError>) {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(_)) => panic!("{what}: garbage was accepted"),
        Ok(Err(_)) => {}
        Err(_) => panic!("{what}: panicked"),
    }
}

/// Runs `f`, which may succeed or fail but must not panic.
fn no_panic<T>(what: &str, f: impl FnOnce() -> T) {
    assert!(
        catch_unwind(AssertUnwindSafe(f)).is_ok(),
        "{what}: panicked"
    );
}

#[test]
fn media_functions_refuse_garbage() {
    let key = MediaKey::generate().unwrap();
    let id = new_media_id().unwrap();
    let sealed = key
        .seal(id.clone(), MediaKind::Original, vec![7; 70_000])
        .unwrap();
    let blob = key
        .seal_blob(id.clone(), MediaBlob::Caption, b"caption".to_vec())
        .unwrap();
    for g in garbage(&sealed) {
        refuses("open", || {
            key.open(id.clone(), MediaKind::Original, g.clone())
        });
        refuses("open_range", || {
            key.open_range(id.clone(), MediaKind::Original, g.clone(), 0, u64::MAX)
        });
        refuses("open with garbage id", || {
            key.open(g.clone(), MediaKind::Original, sealed.clone())
        });
        no_panic("seal with garbage id", || {
            key.seal(g.clone(), MediaKind::Original, g.clone())
        });
        refuses("media key from garbage", || {
            MediaKey::from_secret_bytes(g.clone())
                .and_then(|k| k.open(id.clone(), MediaKind::Original, sealed.clone()))
        });
        let opener = key.opener(id.clone(), MediaKind::Original).unwrap();
        refuses("streaming open", || {
            opener.push(g.clone()).and_then(|_| opener.finish())
        });
        refuses("after failure", || opener.push(sealed.clone()));
    }
    for g in garbage(&blob) {
        refuses("open_blob", || {
            key.open_blob(id.clone(), MediaBlob::Caption, g.clone())
        });
    }
    refuses("open_file_range of a missing file", || {
        key.open_file_range(
            id.clone(),
            MediaKind::Original,
            "/nonexistent/x".into(),
            0,
            1,
        )
    });
}

#[test]
fn streaming_objects_refuse_use_after_finish() {
    let key = MediaKey::generate().unwrap();
    let id = new_media_id().unwrap();
    let sealer = key.sealer(id.clone(), MediaKind::Preview, None).unwrap();
    let mut sealed = sealer.push(vec![1; 300_000]).unwrap();
    sealed.extend(sealer.finish().unwrap());
    refuses("push after finish", || sealer.push(vec![1]));
    refuses("second finish", || sealer.finish());
    let opener = key.opener(id.clone(), MediaKind::Preview).unwrap();
    let mut plain = opener.push(sealed.clone()).unwrap();
    plain.extend(opener.finish().unwrap());
    assert_eq!(plain, vec![1; 300_000]);
    refuses("push after finish", || opener.push(vec![1]));
    // Concurrent pushes from several threads are serialized: no byte is lost or doubled
    // (all pushes carry the same bytes, so only the total can be checked from outside).
    let sealer = key.sealer(id.clone(), MediaKind::Preview, None).unwrap();
    let total = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..50 {
                    let bytes = sealer.push(vec![2; 1000]).unwrap();
                    total.fetch_add(bytes.len(), std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
    });
    let last = sealer.finish().unwrap().len();
    let expected =
        keepsake::stream::sealed_len(200_000, keepsake::stream::DEFAULT_CHUNK_LOG2).unwrap();
    assert_eq!((total.into_inner() + last) as u64, expected);
}

#[test]
fn account_functions_refuse_garbage() {
    let new = create_account("p".into(), kdf_profile(KdfProfile::Floor)).unwrap();
    let device = DeviceKey::generate().unwrap();
    let enrolled = new
        .keyring
        .enroll_device(new.bundle.clone(), device.public_key())
        .unwrap();
    let album = new.keyring.album_key(new_album_id().unwrap(), 0).unwrap();
    let other = create_account("q".into(), kdf_profile(KdfProfile::Floor)).unwrap();
    let genesis = new.keyring.create_album_history(album.album_id()).unwrap();
    let entry = history_entry_hash(genesis.clone());
    let history = verify_history(
        vec![genesis.clone()],
        album.album_id(),
        new.keyring.identity_public_key(),
        None,
    )
    .unwrap();
    let grant = new
        .keyring
        .grant_album(
            album.clone(),
            other.keyring.identity_public_key(),
            entry.clone(),
        )
        .unwrap();
    for g in garbage(&enrolled.bundle) {
        refuses("unlock_with_passphrase", || {
            unlock_with_passphrase(g.clone(), "p".into())
        });
        refuses("unlock_with_recovery", || {
            unlock_with_recovery(g.clone(), new.recovery_phrase.clone())
        });
        refuses("unlock_with_device", || {
            unlock_with_device(g.clone(), device.clone(), enrolled.pin.clone())
        });
        refuses("unlock_with_device, garbage pin", || {
            AccountPin::from_bytes(g.clone())
                .and_then(|pin| unlock_with_device(enrolled.bundle.clone(), device.clone(), pin))
        });
        no_panic("bundle_devices", || bundle_devices(g.clone()));
        no_panic("bundle_generation", || bundle_generation(g.clone()));
        refuses("rotate", || new.keyring.rotate(g.clone()));
        refuses("revoke_device_and_rotate", || {
            new.keyring
                .revoke_device_and_rotate(g.clone(), device.public_key())
        });
        refuses("change_passphrase", || {
            new.keyring
                .change_passphrase(g.clone(), "x".into(), kdf_profile(KdfProfile::Floor))
        });
        refuses("rotate_recovery", || new.keyring.rotate_recovery(g.clone()));
        refuses("enroll_device", || {
            new.keyring.enroll_device(g.clone(), device.public_key())
        });
        refuses("revoke_device", || {
            new.keyring.revoke_device(g.clone(), device.public_key())
        });
    }
    for g in garbage(&grant) {
        refuses("accept_grant", || {
            other
                .keyring
                .accept_grant(g.clone(), new.keyring.identity_public_key(), None)
        });
        refuses("accept_grant, garbage sender", || {
            other.keyring.accept_grant(grant.clone(), g.clone(), None)
        });
        refuses("grant_album, garbage recipient", || {
            new.keyring
                .grant_album(album.clone(), g.clone(), entry.clone())
        });
        refuses("fingerprint", || fingerprint(g.clone()));
        refuses("accept_grant_in_history", || {
            other
                .keyring
                .accept_grant_in_history(g.clone(), history.clone())
        });
        refuses("verify_history", || {
            verify_history(
                vec![g.clone()],
                album.album_id(),
                new.keyring.identity_public_key(),
                None,
            )
        });
        refuses("inspect_selection", || inspect_selection(g.clone()));
        refuses("verify_item", || {
            verify_item(g.clone(), vec![0; 16], album.epoch(), history.clone())
        });
        refuses("identity_digest", || identity_digest(g.clone()));
        refuses("revoke_device_and_rotate, garbage device", || {
            new.keyring
                .revoke_device_and_rotate(enrolled.bundle.clone(), g.clone())
        });
        refuses("remove_member, garbage member", || {
            new.keyring
                .remove_member(album.clone(), vec![g.clone()], entry.clone())
        });
        refuses("remove_member of a key from garbage", || {
            AlbumKey::from_secret_bytes(vec![0; 16], 0, g.clone())
                .and_then(|k| new.keyring.remove_member(k, Vec::new(), entry.clone()))
        });
        refuses("album_key with a garbage epoch", || {
            new.keyring
                .album_key(vec![0; 16], u64::from_le_bytes([0x5a; 8]) | 1 << 32)
        });
        refuses("enroll garbage device", || {
            new.keyring
                .enroll_device(enrolled.bundle.clone(), g.clone())
                .map(|e| e.bundle.len())
        });
        refuses("album key from garbage", || {
            AlbumKey::from_secret_bytes(g.clone(), 0, g.clone())
                .and_then(|k| k.unwrap_media_key(vec![0; 16], g.clone()))
        });
        refuses("unwrap_media_key", || {
            album.unwrap_media_key(vec![0; 16], g.clone())
        });
        refuses("open album blob", || {
            album.open_blob(AlbumBlob::Name, g.clone())
        });
        refuses("album_key with garbage id", || {
            new.keyring.album_key(g.clone(), 0).and_then(|_| {
                if g.len() == 16 {
                    Err(KeepsakeError::Other("16 bytes is an id".into()))
                } else {
                    Ok(())
                }
            })
        });
        refuses("device key from garbage", || {
            DeviceKey::from_secret_bytes(g.clone())
                .and_then(|d| unlock_with_device(enrolled.bundle.clone(), d, enrolled.pin.clone()))
        });
        refuses("recovery garbage", || {
            RecoveryPhrase::parse(String::from_utf8_lossy(&g).into_owned())
                .and_then(|phrase| unlock_with_recovery(enrolled.bundle.clone(), phrase))
        });
    }
    refuses("weak params", || {
        create_account(
            "p".into(),
            KdfParams {
                memory_kib: 8,
                iterations: 1,
                parallelism: 1,
            },
        )
    });
    refuses("costly params", || {
        create_account(
            "p".into(),
            KdfParams {
                memory_kib: u32::MAX,
                iterations: u32::MAX,
                parallelism: 1,
            },
        )
    });
}
