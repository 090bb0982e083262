//! Root rotation (issue 14, SPEC.md 5.6): `cargo bench -p keepsake-benches --bench rotation`
//! (about two minutes).
//!
//! An account with 64 enrolled devices, 1,000 albums and 100,000 items (100 per album, each
//! a media key wrapped under its album's key at the current epoch, 105 bytes). Measured
//! with criterion (10 samples, 3 s each):
//!
//! - `revoke_device_and_rotate` and `rotate` at generation 0 (64 device slots), and `rotate`
//!   at generation 100 (history grows by one wrap per generation);
//! - baselines in the same run: re-wrapping all 100,000 media keys under new album keys
//!   (what a design that re-keys items on rotation would pay, before any I/O), and one
//!   device unlock.
//!
//! Then, not timed: the bytes each writes (the new bundle; 100,000 x 105 bytes for the
//! re-wrap), a check that nothing per album or item needs rewriting (after
//! `revoke_device_and_rotate`, 5 items of every album unwrap with `album_key(album,
//! old_epoch)` from the NEW keyring, to the very same media key, and the new current epoch
//! differs; the revoked device no longer unlocks), and the ratios, from medians of rounds
//! that time each operation once, in turn (paired, so load on the shared machine hits all
//! alike).

// criterion_group! generates an undocumented pub fn.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use keepsake::account::{self, AccountBundle, AccountPin, DeviceKey, Keyring};
use keepsake::kdf::KdfParams;
use keepsake::{AlbumId, Error, MediaId, MediaKey, hazmat};
use keepsake_benches::median;

const DEVICES: usize = 64;
const ALBUMS: usize = 1_000;
const ITEMS_PER_ALBUM: usize = 100;
const OLD_GENERATION: u64 = 100;
/// Items of every album checked after the rotation.
const SAMPLE_PER_ALBUM: usize = 5;
/// Rounds of the paired timing that gives the ratios.
const ROUNDS: usize = 9;

fn bytes16(tag: u8, i: usize) -> [u8; 16] {
    let mut out = [tag; 16];
    out[8..].copy_from_slice(&(i as u64).to_be_bytes());
    out
}

fn bytes24(i: usize) -> [u8; 24] {
    let mut out = [0x5a; 24];
    out[16..].copy_from_slice(&(i as u64).to_be_bytes());
    out
}

fn media_key(i: usize) -> MediaKey {
    let mut key = [0x33; 32];
    key[24..].copy_from_slice(&(i as u64).to_be_bytes());
    MediaKey::from_bytes(key)
}

struct Item {
    id: MediaId,
    nonce: [u8; 24],
    wrapped: Vec<u8>,
}

struct Account {
    keyring: Keyring,
    bundle: AccountBundle,
    devices: Vec<DeviceKey>,
    albums: Vec<AlbumId>,
    /// `items[a]` are album `a`'s, wrapped under its key at epoch 0.
    items: Vec<Vec<Item>>,
    /// The same account rotated to generation 100.
    old_keyring: Keyring,
    old_bundle: AccountBundle,
}

fn setup() -> Account {
    let started = Instant::now();
    let new = account::create_account("rotation bench", &KdfParams::FLOOR).expect("account");
    let keyring = new.keyring;
    let mut bundle = new.bundle;
    let devices: Vec<DeviceKey> = (0..DEVICES)
        .map(|_| DeviceKey::generate().expect("device"))
        .collect();
    for device in &devices {
        bundle = keyring
            .enroll_device(&bundle, &device.public_key())
            .expect("enroll")
            .0;
    }
    let epoch = keyring.current_epoch();
    let albums: Vec<AlbumId> = (0..ALBUMS)
        .map(|a| AlbumId::from_bytes(bytes16(0xa1, a)))
        .collect();
    let items = albums
        .iter()
        .enumerate()
        .map(|(a, album)| {
            let key = keyring.album_key(*album, epoch).expect("album key");
            (0..ITEMS_PER_ALBUM)
                .map(|j| {
                    let n = a * ITEMS_PER_ALBUM + j;
                    let id = MediaId::from_bytes(bytes16(0x1d, n));
                    let nonce = bytes24(n);
                    let wrapped =
                        hazmat::wrap_media_key(&key, &id, &media_key(n), nonce).expect("wrap");
                    Item { id, nonce, wrapped }
                })
                .collect()
        })
        .collect();
    let (mut old_bundle, mut old_keyring) = keyring.rotate(&bundle).expect("rotate");
    while old_keyring.generation() < OLD_GENERATION {
        (old_bundle, old_keyring) = old_keyring.rotate(&old_bundle).expect("rotate");
    }
    eprintln!(
        "setup: {DEVICES} devices, {ALBUMS} albums, {} items, generation {OLD_GENERATION} in {:.1} s",
        ALBUMS * ITEMS_PER_ALBUM,
        started.elapsed().as_secs_f64()
    );
    Account {
        keyring,
        bundle,
        devices,
        albums,
        items,
        old_keyring,
        old_bundle,
    }
}

/// What a design that re-keys items on rotation pays: every media key unwrapped under its
/// album's old key and wrapped under the album's new one. Returns the new wraps.
fn rewrap_all(acct: &Account, new: &Keyring) -> Vec<Vec<u8>> {
    let (old_epoch, new_epoch) = (acct.keyring.current_epoch(), new.current_epoch());
    let mut out = Vec::with_capacity(ALBUMS * ITEMS_PER_ALBUM);
    for (album, items) in acct.albums.iter().zip(&acct.items) {
        let old = acct.keyring.album_key(*album, old_epoch).expect("old key");
        let next = new.album_key(*album, new_epoch).expect("new key");
        for item in items {
            let key = old
                .unwrap_media_key(&item.id, &item.wrapped)
                .expect("unwrap");
            out.push(next.wrap_media_key(&item.id, &key).expect("wrap"));
        }
    }
    out
}

fn revoke_and_rotate(acct: &Account) -> (AccountBundle, Keyring) {
    acct.keyring
        .revoke_device_and_rotate(&acct.bundle, &acct.devices[0].public_key())
        .expect("revoke and rotate")
}

fn unlock(acct: &Account) -> Keyring {
    account::unlock_with_device(&acct.bundle, &acct.devices[1], &acct.keyring.pin())
        .expect("unlock")
}

fn bench(c: &mut Criterion, acct: &Account, rotated: &Keyring) {
    let mut group = c.benchmark_group("rotation");
    group.bench_function("revoke_device_and_rotate/64_devices/gen_0", |b| {
        b.iter(|| black_box(revoke_and_rotate(acct)));
    });
    group.bench_function("rotate/64_devices/gen_0", |b| {
        b.iter(|| black_box(acct.keyring.rotate(&acct.bundle).expect("rotate")));
    });
    group.bench_function("rotate/64_devices/gen_100", |b| {
        b.iter(|| black_box(acct.old_keyring.rotate(&acct.old_bundle).expect("rotate")));
    });
    group.bench_function("baseline_unlock_with_device/64_devices/gen_0", |b| {
        b.iter(|| black_box(unlock(acct)));
    });
    group.finish();

    let mut group = c.benchmark_group("rotation_baseline");
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("rewrap_100000_media_keys", |b| {
        b.iter(|| black_box(rewrap_all(acct, rotated)));
    });
    group.finish();
}

/// Not timed: after `revoke_device_and_rotate`, nothing per album or item is rewritten,
/// yet every sampled item still opens from the NEW keyring; the revoked device is out.
fn check(acct: &Account, bundle: &AccountBundle, rotated: &Keyring) {
    let old_epoch = acct.keyring.current_epoch();
    assert_ne!(
        rotated.current_epoch(),
        old_epoch,
        "a new epoch for new items"
    );
    assert_eq!(rotated.generation(), 1);
    let mut checked = 0;
    for (album, items) in acct.albums.iter().zip(&acct.items) {
        let key = rotated.album_key(*album, old_epoch).expect("old epoch");
        for (j, item) in items
            .iter()
            .enumerate()
            .step_by(ITEMS_PER_ALBUM / SAMPLE_PER_ALBUM)
        {
            let media = key
                .unwrap_media_key(&item.id, &item.wrapped)
                .expect("opens");
            // The same media key: re-wrapping it with the item's nonce gives its bytes.
            let again = hazmat::wrap_media_key(&key, &item.id, &media, item.nonce).expect("wrap");
            assert_eq!(again, item.wrapped, "item {j}");
            checked += 1;
        }
    }
    let out = account::unlock_with_device(bundle, &acct.devices[0], &acct.keyring.pin());
    assert!(matches!(out, Err(Error::DeviceNotEnrolled)), "{out:?}");
    let pin = AccountPin {
        generation: 1,
        ..acct.keyring.pin()
    };
    account::unlock_with_device(bundle, &acct.devices[1], &pin).expect("device 1 unlocks");
    eprintln!(
        "check: {checked} items ({SAMPLE_PER_ALBUM} of each of {ALBUMS} albums) unwrap with \
         album_key(album, {old_epoch}) from the generation-1 keyring (current epoch {:#x}); \
         the revoked device gets DeviceNotEnrolled",
        rotated.current_epoch()
    );
}

fn time<T>(f: impl FnOnce() -> T) -> f64 {
    let start = Instant::now();
    black_box(f());
    start.elapsed().as_secs_f64()
}

/// Medians over `ROUNDS` rounds, each timing every operation once in turn; ratios of the
/// medians.
fn ratios(acct: &Account, rotated: &Keyring, bundle_len: usize) {
    let mut rows: [(&str, Vec<f64>); 5] = [
        ("revoke_device_and_rotate, gen 0", Vec::new()),
        ("rotate, gen 0", Vec::new()),
        ("rotate, gen 100", Vec::new()),
        ("unlock_with_device", Vec::new()),
        ("rewrap 100,000 media keys", Vec::new()),
    ];
    for _ in 0..ROUNDS {
        rows[0].1.push(time(|| revoke_and_rotate(acct)));
        rows[1]
            .1
            .push(time(|| acct.keyring.rotate(&acct.bundle).expect("rotate")));
        rows[2].1.push(time(|| {
            acct.old_keyring.rotate(&acct.old_bundle).expect("rotate")
        }));
        rows[3].1.push(time(|| unlock(acct)));
        rows[4].1.push(time(|| rewrap_all(acct, rotated)));
    }
    let m: Vec<f64> = rows.iter_mut().map(|(_, v)| median(v)).collect();
    println!("\npaired medians over {ROUNDS} rounds:");
    for ((name, _), t) in rows.iter().zip(&m) {
        println!("  {name:<34} {:>10.3} ms", t * 1e3);
    }
    let rewrap_bytes = ALBUMS * ITEMS_PER_ALBUM * 105;
    let gen100_len = acct
        .old_keyring
        .rotate(&acct.old_bundle)
        .expect("rotate")
        .0
        .to_bytes()
        .len();
    let gen0_len = acct
        .keyring
        .rotate(&acct.bundle)
        .expect("rotate")
        .0
        .to_bytes()
        .len();
    println!("bytes written:");
    println!(
        "  revoke_device_and_rotate, gen 0 -> 1: {bundle_len} (the new bundle, 63 device slots)"
    );
    println!("  rotate, gen 0 -> 1: {gen0_len} (the new bundle, 64 device slots, 1 history entry)");
    println!(
        "  rotate, gen 100 -> 101: {gen100_len} (the new bundle, 64 device slots, 101 history entries)"
    );
    println!("  rewrap: {rewrap_bytes} (100,000 x 105-byte wraps)");
    println!("ratios:");
    println!(
        "  rewrap / revoke_device_and_rotate: {:.1}x time, {:.0}x bytes",
        m[4] / m[0],
        rewrap_bytes as f64 / bundle_len as f64
    );
    println!(
        "  revoke_device_and_rotate / unlock_with_device: {:.1}x",
        m[0] / m[3]
    );
    println!("  rotate / unlock_with_device: {:.1}x", m[1] / m[3]);
    println!("  rotate gen 100 / rotate gen 0: {:.2}x", m[2] / m[1]);
    println!(
        "  revoke_device_and_rotate / rotate (63 vs 64 device slots): {:.2}x",
        m[0] / m[1]
    );
}

fn main() {
    let acct = setup();
    let (bundle, rotated) = revoke_and_rotate(&acct);
    let bundle_len = bundle.to_bytes().len();
    check(&acct, &bundle, &rotated);
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    bench(&mut c, &acct, &rotated);
    c.final_summary();
    // `cargo bench` passes --bench; under `cargo test --benches` only the checks and
    // criterion's one-iteration test mode run.
    if std::env::args().any(|a| a == "--bench") {
        ratios(&acct, &rotated, bundle_len);
    }
}
