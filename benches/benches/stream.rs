//! Criterion benches of the media stream, Argon2id and HPKE:
//! `cargo bench -p keepsake-benches --bench stream` (a few minutes).
//!
//! Throughput is in plaintext bytes. Measurement time is kept short (3 s, 10 samples) so
//! the whole suite fits the shared 2-core machine; pass criterion's own flags to change it.

// criterion_group! generates an undocumented pub fn.
#![allow(missing_docs)]

use std::hint::black_box;
use std::io::{Cursor, Read, Write};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use keepsake::MediaKind;
use keepsake::hpke::{self, HpkeSecretKey};
use keepsake::kdf::{self, KdfParams};
use keepsake::stream::{self, OpenOptions, Opener, SealOptions, Sealer};
use keepsake_benches::{MEDIA_ID, media_key, plaintext};

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;

fn seal_opts(log2: u8, parallel: bool) -> SealOptions {
    SealOptions::new()
        .with_chunk_size_log2(log2)
        .expect("chunk size in range")
        .with_parallel(parallel)
}

fn mode(parallel: bool) -> &'static str {
    if parallel { "parallel" } else { "single" }
}

/// One-shot seal and open at 64 KiB, 1 MiB and 64 MiB, single-thread and parallel.
fn one_shot(c: &mut Criterion) {
    let key = media_key();
    let mut group = c.benchmark_group("one_shot");
    for size in [64 * KIB, MIB, 64 * MIB] {
        let plain = plaintext(size);
        group.throughput(Throughput::Bytes(size as u64));
        for parallel in [false, true] {
            let opts = seal_opts(16, parallel);
            let sealed = stream::seal_with(&key, &MEDIA_ID, MediaKind::Original, &plain, &opts)
                .expect("seal");
            let label = format!("{}/{}", human(size), mode(parallel));
            group.bench_function(BenchmarkId::new("seal", &label), |b| {
                b.iter(|| {
                    stream::seal_with(
                        &key,
                        &MEDIA_ID,
                        MediaKind::Original,
                        black_box(&plain),
                        &opts,
                    )
                    .expect("seal")
                });
            });
            let open = OpenOptions::default().with_parallel(parallel);
            group.bench_function(BenchmarkId::new("open", &label), |b| {
                b.iter(|| {
                    stream::open_with(
                        &key,
                        &MEDIA_ID,
                        MediaKind::Original,
                        black_box(&sealed),
                        &open,
                    )
                    .expect("open")
                });
            });
        }
    }
    group.finish();
}

/// Streaming (`Sealer` / `Opener` into a reused buffer) at 64 MiB, single and parallel,
/// to set beside `one_shot/*/64MiB`.
fn streaming(c: &mut Criterion) {
    let key = media_key();
    let size = 64 * MIB;
    let plain = plaintext(size);
    let mut group = c.benchmark_group("streaming");
    group.throughput(Throughput::Bytes(size as u64));
    for parallel in [false, true] {
        let opts = seal_opts(16, parallel);
        let sealed =
            stream::seal_with(&key, &MEDIA_ID, MediaKind::Original, &plain, &opts).expect("seal");
        let mut out = Vec::with_capacity(size + size / 1000 + 4096);
        group.bench_function(
            BenchmarkId::new("seal", format!("64MiB/{}", mode(parallel))),
            |b| {
                b.iter(|| {
                    out.clear();
                    let mut sealer =
                        Sealer::with_options(&key, &MEDIA_ID, MediaKind::Original, &mut out, &opts)
                            .expect("sealer");
                    sealer.write_all(black_box(&plain)).expect("write");
                    sealer.finish().expect("finish");
                });
            },
        );
        let open = OpenOptions::default().with_parallel(parallel);
        group.bench_function(
            BenchmarkId::new("open", format!("64MiB/{}", mode(parallel))),
            |b| {
                b.iter(|| {
                    out.clear();
                    let mut opener = Opener::with_options(
                        &key,
                        &MEDIA_ID,
                        MediaKind::Original,
                        &sealed[..],
                        &open,
                    )
                    .expect("opener");
                    opener.read_to_end(&mut out).expect("read");
                });
            },
        );
    }
    group.finish();
}

/// The chunk-size curve: 64 MiB sealed and opened (one-shot, single-thread, so the per-chunk
/// fixed cost is not hidden by a second core) with chunks of 2^12 .. 2^20 bytes.
fn chunk_curve(c: &mut Criterion) {
    let key = media_key();
    let size = 64 * MIB;
    let plain = plaintext(size);
    let mut group = c.benchmark_group("chunk_curve_64MiB");
    group.throughput(Throughput::Bytes(size as u64));
    group.measurement_time(Duration::from_secs(2));
    for log2 in 12u8..=20 {
        let opts = seal_opts(log2, false);
        let sealed =
            stream::seal_with(&key, &MEDIA_ID, MediaKind::Original, &plain, &opts).expect("seal");
        let label = human(1 << log2);
        group.bench_function(BenchmarkId::new("seal", &label), |b| {
            b.iter(|| {
                stream::seal_with(
                    &key,
                    &MEDIA_ID,
                    MediaKind::Original,
                    black_box(&plain),
                    &opts,
                )
                .expect("seal")
            });
        });
        let open = OpenOptions::default().with_parallel(false);
        group.bench_function(BenchmarkId::new("open", &label), |b| {
            b.iter(|| {
                stream::open_with(
                    &key,
                    &MEDIA_ID,
                    MediaKind::Original,
                    black_box(&sealed),
                    &open,
                )
                .expect("open")
            });
        });
    }
    group.finish();
}

/// Range open of 1 MiB from a 64 MiB item (in memory, through `Read + Seek`): aligned at
/// the start, aligned and unaligned in the middle, and reaching the end.
fn range(c: &mut Criterion) {
    let key = media_key();
    let size = 64 * MIB;
    let plain = plaintext(size);
    let sealed = stream::seal(&key, &MEDIA_ID, MediaKind::Original, &plain).expect("seal");
    let mut group = c.benchmark_group("range_open_1MiB_of_64MiB");
    group.throughput(Throughput::Bytes(MIB as u64));
    for (name, offset) in [
        ("start", 0u64),
        ("middle_aligned", (32 * MIB) as u64),
        ("middle_unaligned", (32 * MIB + 12_345) as u64),
        ("end", (size - MIB) as u64),
    ] {
        group.bench_function(name, |b| {
            let mut source = Cursor::new(&sealed[..]);
            b.iter(|| {
                stream::open_range(
                    &key,
                    &MEDIA_ID,
                    MediaKind::Original,
                    &mut source,
                    offset,
                    MIB as u64,
                )
                .expect("range")
            });
        });
    }
    group.finish();
}

/// A sealed file read by offset (`pread`), as an app's `RandomAccessSource` would.
struct FileSource(std::fs::File);

impl keepsake_ffi::RandomAccessSource for FileSource {
    fn length(&self) -> Result<u64, keepsake_ffi::CallbackError> {
        self.0
            .metadata()
            .map(|m| m.len())
            .map_err(|e| keepsake_ffi::CallbackError::Failed {
                reason: e.to_string(),
            })
    }

    fn read_at(&self, offset: u64, length: u32) -> Result<Vec<u8>, keepsake_ffi::CallbackError> {
        use std::os::unix::fs::FileExt;
        let mut buf = vec![0u8; length as usize];
        let mut got = 0;
        while got < buf.len() {
            match self.0.read_at(&mut buf[got..], offset + got as u64) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) => {
                    return Err(keepsake_ffi::CallbackError::Failed {
                        reason: e.to_string(),
                    });
                }
            }
        }
        buf.truncate(got);
        Ok(buf)
    }
}

/// 1 MiB from the middle of a 256 MiB sealed file: the bindings' `open_range_from` through
/// a random-access source (the app's callback, here a Rust `pread`) against the bindings'
/// `open_file_range` (the baseline, same run). Target: the source within 2x of the file.
fn range_source(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("bench setup");
    let plain_path = dir.path().join("video.bin");
    std::fs::File::create(&plain_path)
        .and_then(|f| f.set_len(256 * MIB as u64))
        .expect("bench setup");
    let sealed_path = dir.path().join("video.ks");
    let key = keepsake_ffi::MediaKey::generate().expect("bench setup");
    let id = MEDIA_ID.as_bytes().to_vec();
    let kind = keepsake_ffi::MediaKind::Original;
    let path = |p: &std::path::Path| p.to_string_lossy().into_owned();
    key.seal_file(
        id.clone(),
        kind,
        path(&plain_path),
        path(&sealed_path),
        false,
        None,
        None,
    )
    .expect("bench setup");
    std::fs::remove_file(&plain_path).expect("bench setup");
    let source: std::sync::Arc<dyn keepsake_ffi::RandomAccessSource> = std::sync::Arc::new(
        FileSource(std::fs::File::open(&sealed_path).expect("bench setup")),
    );
    let offset = 128 * MIB as u64 + 12_345;
    let mut group = c.benchmark_group("range_1MiB_of_256MiB_file");
    group.throughput(Throughput::Bytes(MIB as u64));
    group.bench_function("open_file_range", |b| {
        b.iter(|| {
            key.open_file_range(id.clone(), kind, path(&sealed_path), offset, MIB as u64)
                .expect("range")
        });
    });
    group.bench_function("open_range_from_source", |b| {
        b.iter(|| {
            key.open_range_from(id.clone(), kind, source.clone(), offset, MIB as u64)
                .expect("range")
        });
    });
    group.finish();
}

/// Argon2id at the shipped profiles.
fn argon2(c: &mut Criterion) {
    let mut group = c.benchmark_group("argon2id");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    let salt = [0x5a_u8; kdf::SALT_LEN];
    for (name, params) in [
        ("floor_19MiB_t2", KdfParams::FLOOR),
        ("ios_extension_32MiB_t60_p4", KdfParams::IOS_EXTENSION),
        ("phone_128MiB_t15_p4", KdfParams::PHONE),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                kdf::derive_key(black_box("correct horse battery staple"), &salt, &params)
                    .expect("kdf")
            });
        });
    }
    group.finish();
}

/// HPKE Base and Auth single-shot wrap / unwrap of a 32-byte key.
fn hpke_wrap(c: &mut Criterion) {
    let mut group = c.benchmark_group("hpke_32B");
    let recipient = HpkeSecretKey::generate().expect("key");
    let sender = HpkeSecretKey::generate().expect("key");
    let pk_r = recipient.public_key();
    let pk_s = sender.public_key();
    let secret = [0x11_u8; 32];
    let info = b"keepsake bench";
    let (enc, ct) = hpke::seal_base(&pk_r, info, b"", &secret).expect("seal");
    group.bench_function("base_wrap", |b| {
        b.iter(|| hpke::seal_base(&pk_r, info, b"", black_box(&secret)).expect("seal"));
    });
    group.bench_function("base_unwrap", |b| {
        b.iter(|| hpke::open_base(&recipient, &enc, info, b"", black_box(&ct)).expect("open"));
    });
    let (enc_a, ct_a) = hpke::seal_auth(&pk_r, &sender, info, b"", &secret).expect("seal");
    group.bench_function("auth_wrap", |b| {
        b.iter(|| hpke::seal_auth(&pk_r, &sender, info, b"", black_box(&secret)).expect("seal"));
    });
    group.bench_function("auth_unwrap", |b| {
        b.iter(|| {
            hpke::open_auth(&recipient, &pk_s, &enc_a, info, b"", black_box(&ct_a)).expect("open")
        });
    });
    group.finish();
}

fn human(bytes: usize) -> String {
    if bytes >= MIB {
        format!("{}MiB", bytes / MIB)
    } else {
        format!("{}KiB", bytes / KIB)
    }
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
}

criterion_group! {
    name = benches;
    config = config();
    targets = one_shot, streaming, chunk_curve, range, range_source, argon2, hpke_wrap
}
criterion_main!(benches);
