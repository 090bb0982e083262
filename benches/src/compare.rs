//! The one-run comparison: Keepsake against the raw primitive, ring, age and libsodium's
//! secretstream, interleaved and repeated, with medians, spreads and the target
//! ratios (see `benches/README.md`).
//!
//! Every contender seals a plaintext held in memory into a reused output buffer and opens
//! it back into another, in 64 KiB chunks, so the rows differ only in the work each does.

use std::io::{Read, Write};
use std::time::Instant;

use chacha20poly1305::aead::inout::InOutBuf;
use chacha20poly1305::{AeadInOut, ChaCha20Poly1305, KeyInit, Tag};
use keepsake::stream::{self, OpenOptions, Opener, SealOptions, Sealer};
use keepsake::{MediaId, MediaKey, MediaKind, Zeroizing};
use rayon::prelude::*;

use crate::{CHUNK, KEY, MEDIA_ID, media_key, median, plaintext, quantile};

const TAG: usize = 16;

mod kdf;
mod peers;
mod push;
pub use kdf::kdf_report;
#[cfg(keepsake_libsodium)]
pub use peers::SecretStream;
pub use peers::{Age, Ring};
pub use push::KeepsakePush;

/// The result of one contender's operation.
pub type Outcome = Result<(), String>;

/// One way to seal and open.
pub trait Contender {
    /// Short row label.
    fn name(&self) -> String;
    /// Seals `plain` into `out` (replacing its contents).
    fn seal(&mut self, plain: &[u8], out: &mut Vec<u8>) -> Outcome;
    /// Opens `sealed` into `out` (replacing its contents).
    fn open(&mut self, sealed: &[u8], out: &mut Vec<u8>) -> Outcome;
}

/// The nonce of chunk `index` in Keepsake's (and age's) STREAM: 11-byte counter, last flag.
fn nonce(index: u64, last: bool) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[3..11].copy_from_slice(&index.to_be_bytes());
    n[11] = u8::from(last);
    n
}

/// RustCrypto `chacha20poly1305` over 64 KiB chunks with STREAM nonces, no framing: the
/// floor any chunked format built on it pays. Optionally spread over rayon's pool.
pub struct Raw {
    aead: ChaCha20Poly1305,
    parallel: bool,
}

impl Raw {
    fn seal_chunk(&self, i: usize, last: bool, input: &[u8], output: &mut [u8]) -> Outcome {
        let (body, tag) = output.split_at_mut(input.len());
        let buf = InOutBuf::new(input, body).map_err(|_| "raw: length")?;
        let t = self
            .aead
            .encrypt_inout_detached(&nonce(i as u64, last).into(), b"", buf)
            .map_err(|_| "raw: seal")?;
        tag.copy_from_slice(&t);
        Ok(())
    }

    fn open_chunk(&self, i: usize, last: bool, input: &[u8], output: &mut [u8]) -> Outcome {
        let (body, tag) = input.split_at(input.len() - TAG);
        let tag = Tag::try_from(tag).map_err(|_| "raw: tag")?;
        let buf = InOutBuf::new(body, output).map_err(|_| "raw: length")?;
        self.aead
            .decrypt_inout_detached(&nonce(i as u64, last).into(), b"", buf, &tag)
            .map_err(|_| "raw: open".to_string())
    }
}

impl Contender for Raw {
    fn name(&self) -> String {
        format!(
            "raw chacha20poly1305 ({})",
            if self.parallel { "2 cores" } else { "1 core" }
        )
    }

    fn seal(&mut self, plain: &[u8], out: &mut Vec<u8>) -> Outcome {
        let chunks = plain.len().div_ceil(CHUNK).max(1);
        out.resize(plain.len() + chunks * TAG, 0);
        let this = &*self;
        let job = |(i, (input, output)): (usize, (&[u8], &mut [u8]))| {
            this.seal_chunk(i, i + 1 == chunks, input, output)
        };
        if self.parallel {
            plain
                .par_chunks(CHUNK)
                .zip(out.par_chunks_mut(CHUNK + TAG))
                .enumerate()
                .try_for_each(job)
        } else {
            plain
                .chunks(CHUNK)
                .zip(out.chunks_mut(CHUNK + TAG))
                .enumerate()
                .try_for_each(job)
        }
    }

    fn open(&mut self, sealed: &[u8], out: &mut Vec<u8>) -> Outcome {
        let chunks = sealed.len().div_ceil(CHUNK + TAG);
        out.resize(sealed.len() - chunks * TAG, 0);
        let this = &*self;
        let job = |(i, (input, output)): (usize, (&[u8], &mut [u8]))| {
            this.open_chunk(i, i + 1 == chunks, input, output)
        };
        if self.parallel {
            sealed
                .par_chunks(CHUNK + TAG)
                .zip(out.par_chunks_mut(CHUNK))
                .enumerate()
                .try_for_each(job)
        } else {
            sealed
                .chunks(CHUNK + TAG)
                .zip(out.chunks_mut(CHUNK))
                .enumerate()
                .try_for_each(job)
        }
    }
}

/// Reads `reader` to its end into `out`, through `read` calls into `out`'s own bytes, as an
/// app reading into a buffer it reuses does. `out` is grown (zeroed) only beyond what an
/// earlier round left in it, to at most `limit` bytes; `read_to_end` would instead zero
/// the spare capacity it reads into on every call (a memset of the whole output), which
/// neither the raw rows nor the one-shot API pay.
pub(crate) fn read_all(reader: &mut impl Read, out: &mut Vec<u8>, limit: usize) -> Outcome {
    if out.len() < limit {
        out.resize(limit, 0);
    }
    out.truncate(limit);
    let mut got = 0;
    loop {
        match reader.read(&mut out[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.to_string()),
        }
        if got == out.len() {
            // Plaintext is shorter than its ciphertext, so this is only a guard.
            return Err("plaintext longer than its ciphertext".into());
        }
    }
    out.truncate(got);
    Ok(())
}

/// Keepsake's streaming API ([`Sealer`] / [`Opener`]) writing into / reading from memory.
pub struct KeepsakeStream {
    key: MediaKey,
    id: MediaId,
    parallel: bool,
}

impl Contender for KeepsakeStream {
    fn name(&self) -> String {
        format!(
            "keepsake Sealer/Opener ({})",
            if self.parallel { "2 cores" } else { "1 core" }
        )
    }

    fn seal(&mut self, plain: &[u8], out: &mut Vec<u8>) -> Outcome {
        out.clear();
        let options = SealOptions::new().with_parallel(self.parallel);
        let mut sealer =
            Sealer::with_options(&self.key, &self.id, MediaKind::Original, out, &options)
                .map_err(|e| e.to_string())?;
        sealer.write_all(plain).map_err(|e| e.to_string())?;
        sealer.finish().map_err(|e| e.to_string())?;
        Ok(())
    }

    fn open(&mut self, sealed: &[u8], out: &mut Vec<u8>) -> Outcome {
        out.clear();
        let options = OpenOptions::default().with_parallel(self.parallel);
        let mut opener =
            Opener::with_options(&self.key, &self.id, MediaKind::Original, sealed, &options)
                .map_err(|e| e.to_string())?;
        read_all(&mut opener, out, sealed.len())?;
        Ok(())
    }
}

/// Keepsake's one-shot API. With `reuse`, [`stream::seal_into`] / [`stream::open_into`]
/// into the reused output buffer (what an app sealing many items does); without it,
/// [`stream::seal_with`] / [`stream::open_with`], which allocate their output on every call.
pub struct KeepsakeOneShot {
    key: MediaKey,
    id: MediaId,
    parallel: bool,
    reuse: bool,
    /// `open_into` takes a wiping buffer; the caller's `out` is swapped in and out of it.
    plain: Zeroizing<Vec<u8>>,
}

impl KeepsakeOneShot {
    fn new(parallel: bool, reuse: bool) -> Self {
        Self {
            key: media_key(),
            id: MEDIA_ID,
            parallel,
            reuse,
            plain: Zeroizing::new(Vec::new()),
        }
    }
}

impl Contender for KeepsakeOneShot {
    fn name(&self) -> String {
        let cores = if self.parallel { "2 cores" } else { "1 core" };
        if self.reuse {
            format!("keepsake seal_into/open_into one-shot ({cores})")
        } else {
            format!("evidence: keepsake seal/open, fresh output ({cores})")
        }
    }

    fn seal(&mut self, plain: &[u8], out: &mut Vec<u8>) -> Outcome {
        let options = SealOptions::new().with_parallel(self.parallel);
        let kind = MediaKind::Original;
        if self.reuse {
            stream::seal_into(&self.key, &self.id, kind, plain, &options, out)
                .map_err(|e| e.to_string())?;
        } else {
            *out = stream::seal_with(&self.key, &self.id, kind, plain, &options)
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    fn open(&mut self, sealed: &[u8], out: &mut Vec<u8>) -> Outcome {
        let options = OpenOptions::default().with_parallel(self.parallel);
        let kind = MediaKind::Original;
        if self.reuse {
            std::mem::swap(&mut *self.plain, out);
            let opened =
                stream::open_into(&self.key, &self.id, kind, sealed, &options, &mut self.plain);
            std::mem::swap(&mut *self.plain, out);
            opened.map_err(|e| e.to_string())?;
        } else {
            *out = stream::open_with(&self.key, &self.id, kind, sealed, &options)
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// Evidence row: the raw primitive (1 core) writing into a freshly allocated `Vec` each
/// call, as the one-shot API does: the difference to [`Raw`] is the cost of faulting in
/// 64 MiB of new pages.
pub struct RawFresh(Raw);

impl Contender for RawFresh {
    fn name(&self) -> String {
        "evidence: raw, fresh output Vec (1 core)".into()
    }

    fn seal(&mut self, plain: &[u8], out: &mut Vec<u8>) -> Outcome {
        let mut fresh = Vec::new();
        self.0.seal(plain, &mut fresh)?;
        *out = fresh;
        Ok(())
    }

    fn open(&mut self, sealed: &[u8], out: &mut Vec<u8>) -> Outcome {
        let mut fresh = Vec::new();
        self.0.open(sealed, &mut fresh)?;
        *out = fresh;
        Ok(())
    }
}

/// Evidence row: the raw primitive with the one copy per batch that streaming through
/// `Write` / `Read` implies: sealed chunks go from the batch buffer into the writer; sealed
/// chunks come from the reader into the batch buffer. (Plaintext is sealed straight from
/// the caller's buffer and opened straight into it, as the streaming API does for whole
/// batches.) On 1 core the batch is a sequential `Sealer`'s (256 KiB); on 2 cores a parallel
/// one's (1 MiB), its chunks sealed on the pool and the copy made after them, not
/// overlapped: the ceiling of a `Write` / `Read` stream on this machine.
pub struct RawCopies {
    raw: Raw,
    stage: Vec<u8>,
}

const COPY_BATCH: usize = 256 * 1024;

impl RawCopies {
    fn batch(&self) -> usize {
        if self.raw.parallel {
            keepsake::stream::BATCH_BYTES
        } else {
            COPY_BATCH
        }
    }
}

impl Contender for RawCopies {
    fn name(&self) -> String {
        let cores = if self.raw.parallel {
            "2 cores"
        } else {
            "1 core"
        };
        format!("evidence: raw + 1 copy/batch ({cores})")
    }

    fn seal(&mut self, plain: &[u8], out: &mut Vec<u8>) -> Outcome {
        out.clear();
        let chunks = plain.len().div_ceil(CHUNK).max(1);
        let per = self.batch() / CHUNK;
        for (b, batch) in plain.chunks(per * CHUNK).enumerate() {
            let n = batch.len().div_ceil(CHUNK);
            self.stage.resize(batch.len() + n * TAG, 0);
            let first = b * per;
            let raw = &self.raw;
            let job = |(k, (input, output)): (usize, (&[u8], &mut [u8]))| {
                raw.seal_chunk(first + k, first + k + 1 == chunks, input, output)
            };
            if raw.parallel {
                batch
                    .par_chunks(CHUNK)
                    .zip(self.stage.par_chunks_mut(CHUNK + TAG))
                    .enumerate()
                    .try_for_each(job)?;
            } else {
                batch
                    .chunks(CHUNK)
                    .zip(self.stage.chunks_mut(CHUNK + TAG))
                    .enumerate()
                    .try_for_each(job)?;
            }
            out.extend_from_slice(&self.stage);
        }
        Ok(())
    }

    fn open(&mut self, sealed: &[u8], out: &mut Vec<u8>) -> Outcome {
        out.clear();
        let stride = CHUNK + TAG;
        let chunks = sealed.len().div_ceil(stride);
        let per = self.batch() / CHUNK;
        for (b, batch) in sealed.chunks(per * stride).enumerate() {
            self.stage.clear();
            self.stage.extend_from_slice(batch);
            let n = batch.len().div_ceil(stride);
            let at = out.len();
            out.resize(at + batch.len() - n * TAG, 0);
            let first = b * per;
            let raw = &self.raw;
            let job = |(k, (input, output)): (usize, (&[u8], &mut [u8]))| {
                raw.open_chunk(first + k, first + k + 1 == chunks, input, output)
            };
            if raw.parallel {
                self.stage
                    .par_chunks(stride)
                    .zip(out[at..].par_chunks_mut(CHUNK))
                    .enumerate()
                    .try_for_each(job)?;
            } else {
                self.stage
                    .chunks(stride)
                    .zip(out[at..].chunks_mut(CHUNK))
                    .enumerate()
                    .try_for_each(job)?;
            }
        }
        Ok(())
    }
}

/// Row indices of the contenders, in [`contenders`] order.
pub mod row {
    /// Raw RustCrypto primitive, 1 core.
    pub const RAW: usize = 0;
    /// Raw RustCrypto primitive, 2 cores.
    pub const RAW_PAR: usize = 1;
    /// ring, 1 core.
    pub const RING: usize = 2;
    /// Keepsake Sealer/Opener, 1 core.
    pub const STREAM: usize = 3;
    /// Keepsake Sealer/Opener, all cores.
    pub const STREAM_PAR: usize = 4;
    /// Keepsake one-shot into a reused buffer, 1 core.
    pub const ONESHOT: usize = 5;
    /// Keepsake one-shot into a reused buffer, all cores.
    pub const ONESHOT_PAR: usize = 6;
    /// age, 1 core.
    pub const AGE: usize = 7;
    /// Evidence: raw into a fresh Vec.
    pub const RAW_FRESH: usize = 8;
    /// Evidence: raw with the one copy per batch that Read / Write streaming implies.
    pub const RAW_COPIES: usize = 9;
    /// Evidence: Keepsake one-shot allocating its output, 1 core.
    pub const ONESHOT_FRESH: usize = 10;
    /// Evidence: raw with the copy per (parallel) batch, 2 cores.
    pub const RAW_COPIES_PAR: usize = 11;
    /// Keepsake PushSealer/PushOpener into the caller's buffer, 1 core.
    pub const PUSH: usize = 12;
    /// Keepsake PushSealer/PushOpener into the caller's buffer, all cores.
    pub const PUSH_PAR: usize = 13;
    /// Keepsake PushSealer/PushOpener in 1 MiB pieces, 1 core.
    pub const PUSH_PIECES: usize = 14;
    /// Keepsake PushSealer/PushOpener in 1 MiB pieces, all cores.
    pub const PUSH_PIECES_PAR: usize = 15;
    /// libsodium secretstream, 1 core (absent without libsodium).
    pub const SODIUM: usize = 16;
}

/// The piece size of the push rows that push in pieces: 1 MiB, which no chunk stride
/// divides, so every piece after the first starts inside a chunk.
pub const PUSH_PIECE: usize = 1 << 20;

/// Every contender, in [`row`] order.
///
/// # Errors
/// A message if ring or libsodium cannot be set up.
pub fn contenders() -> Result<Vec<Box<dyn Contender>>, String> {
    let ring_key = ring::aead::UnboundKey::new(&ring::aead::CHACHA20_POLY1305, &KEY)
        .map_err(|_| "ring key")?;
    #[allow(unused_mut)]
    let mut all: Vec<Box<dyn Contender>> = vec![
        Box::new(Raw {
            aead: ChaCha20Poly1305::new(&KEY.into()),
            parallel: false,
        }),
        Box::new(Raw {
            aead: ChaCha20Poly1305::new(&KEY.into()),
            parallel: true,
        }),
        Box::new(Ring {
            key: ring::aead::LessSafeKey::new(ring_key),
        }),
        Box::new(KeepsakeStream {
            key: media_key(),
            id: MEDIA_ID,
            parallel: false,
        }),
        Box::new(KeepsakeStream {
            key: media_key(),
            id: MEDIA_ID,
            parallel: true,
        }),
        Box::new(KeepsakeOneShot::new(false, true)),
        Box::new(KeepsakeOneShot::new(true, true)),
        Box::new(Age {
            identity: age::x25519::Identity::generate(),
        }),
        Box::new(RawFresh(Raw {
            aead: ChaCha20Poly1305::new(&KEY.into()),
            parallel: false,
        })),
        Box::new(RawCopies {
            raw: Raw {
                aead: ChaCha20Poly1305::new(&KEY.into()),
                parallel: false,
            },
            stage: Vec::with_capacity(COPY_BATCH + 64 * TAG),
        }),
        Box::new(KeepsakeOneShot::new(false, false)),
        Box::new(RawCopies {
            raw: Raw {
                aead: ChaCha20Poly1305::new(&KEY.into()),
                parallel: true,
            },
            stage: Vec::with_capacity(keepsake::stream::BATCH_BYTES + 64 * TAG),
        }),
        Box::new(KeepsakePush {
            key: media_key(),
            id: MEDIA_ID,
            parallel: false,
            piece: None,
        }),
        Box::new(KeepsakePush {
            key: media_key(),
            id: MEDIA_ID,
            parallel: true,
            piece: None,
        }),
        Box::new(KeepsakePush {
            key: media_key(),
            id: MEDIA_ID,
            parallel: false,
            piece: Some(PUSH_PIECE),
        }),
        Box::new(KeepsakePush {
            key: media_key(),
            id: MEDIA_ID,
            parallel: true,
            piece: Some(PUSH_PIECE),
        }),
    ];
    #[cfg(keepsake_libsodium)]
    {
        crate::sodium::init()?;
        all.push(Box::new(SecretStream));
    }
    Ok(all)
}

/// Per-round timings of every contender.
#[derive(Clone, Debug, Default)]
pub struct Samples {
    /// Row labels.
    pub names: Vec<String>,
    /// `seal[row][round]`, seconds.
    pub seal: Vec<Vec<f64>>,
    /// `open[row][round]`, seconds.
    pub open: Vec<Vec<f64>>,
    /// Plaintext bytes per operation.
    pub size: usize,
}

/// Runs every contender on `size` bytes: one unmeasured warm-up round that also checks
/// each round trip, then `repeats` measured rounds. Within a round each contender seals
/// then opens; the order of contenders rotates from round to round, so that a slow
/// period of the shared machine hits all of them alike.
///
/// # Errors
/// A contender failing or opening to different bytes.
pub fn measure(
    contenders: &mut [Box<dyn Contender>],
    size: usize,
    repeats: usize,
) -> Result<Samples, String> {
    let plain = plaintext(size);
    let n = contenders.len();
    let mut sealed: Vec<Vec<u8>> = vec![Vec::with_capacity(size + size / 1000 + 4096); n];
    let mut opened: Vec<Vec<u8>> = vec![Vec::with_capacity(size + 64); n];
    let mut samples = Samples {
        names: contenders.iter().map(|c| c.name()).collect(),
        seal: vec![Vec::new(); n],
        open: vec![Vec::new(); n],
        size,
    };
    for round in 0..=repeats {
        for k in 0..n {
            let i = (k + round) % n;
            let c = &mut contenders[i];
            let start = Instant::now();
            c.seal(&plain, &mut sealed[i])?;
            let seal = start.elapsed();
            let start = Instant::now();
            c.open(&sealed[i], &mut opened[i])?;
            let open = start.elapsed();
            if round == 0 {
                if opened[i] != plain {
                    return Err(format!("{} opened to different bytes", c.name()));
                }
                continue;
            }
            samples.seal[i].push(seal.as_secs_f64());
            samples.open[i].push(open.as_secs_f64());
        }
    }
    Ok(samples)
}

/// Median, 25th and 75th percentiles.
#[derive(Clone, Copy, Debug)]
pub struct Spread {
    /// Median.
    pub median: f64,
    /// 25th percentile.
    pub p25: f64,
    /// 75th percentile.
    pub p75: f64,
    /// Smallest.
    pub min: f64,
    /// Largest.
    pub max: f64,
}

impl Spread {
    /// Of `values`.
    pub fn of(values: &[f64]) -> Self {
        let mut v = values.to_vec();
        Self {
            median: median(&mut v),
            p25: quantile(&mut v, 0.25),
            p75: quantile(&mut v, 0.75),
            min: quantile(&mut v, 0.0),
            max: quantile(&mut v, 1.0),
        }
    }
}

impl Samples {
    /// GB/s (10^9 plaintext bytes per second) of each round.
    pub fn gbps(&self, times: &[f64]) -> Vec<f64> {
        times
            .iter()
            .map(|t| self.size as f64 / t.max(1e-12) / 1e9)
            .collect()
    }

    /// Per-round ratio of row `a`'s throughput to row `b`'s (paired within a round).
    pub fn ratio(&self, seal: bool, a: usize, b: usize) -> Option<Spread> {
        let t = if seal { &self.seal } else { &self.open };
        let (ta, tb) = (t.get(a)?, t.get(b)?);
        let r: Vec<f64> = ta.iter().zip(tb).map(|(x, y)| y / x).collect();
        Some(Spread::of(&r))
    }
}

/// One of the targets: row `a` over row `b` at least `min`.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    /// What is compared.
    pub what: &'static str,
    /// Numerator row.
    pub a: usize,
    /// Denominator row.
    pub b: usize,
    /// Threshold.
    pub min: f64,
}

/// The throughput targets, for the streaming API (the rows an app uses for a large
/// video) and for the one-shot API.
pub fn targets() -> Vec<Target> {
    use row::*;
    let mut t = Vec::new();
    for (stream, par, api) in [
        (STREAM, STREAM_PAR, "stream"),
        (PUSH, PUSH_PAR, "push stream"),
        (ONESHOT, ONESHOT_PAR, "one-shot"),
    ] {
        let label = |s: &'static str| -> &'static str {
            // Leak a handful of short labels once per run: simpler than owning them.
            Box::leak(format!("{api}: {s}").into_boxed_str())
        };
        t.push(Target {
            what: label("1 core vs raw primitive (framing)"),
            a: stream,
            b: RAW,
            min: 0.95,
        });
        t.push(Target {
            what: label("2 cores vs raw primitive 2 cores"),
            a: par,
            b: RAW_PAR,
            min: 0.90,
        });
        t.push(Target {
            what: label("2 cores vs age"),
            a: par,
            b: AGE,
            min: 2.0,
        });
        t.push(Target {
            what: label("2 cores vs secretstream"),
            a: par,
            b: SODIUM,
            min: 2.0,
        });
        t.push(Target {
            what: label("1 core vs age"),
            a: stream,
            b: AGE,
            min: 1.2,
        });
        t.push(Target {
            what: label("1 core vs ring"),
            a: stream,
            b: RING,
            min: 0.85,
        });
        t.push(Target {
            what: label("2 cores vs 1 core"),
            a: par,
            b: stream,
            min: 1.8,
        });
    }
    t
}

/// The results as Markdown tables: throughput per row, then each target's paired ratio.
pub fn report(samples: &Samples, repeats: usize) -> String {
    let mut out = format!(
        "{} MiB in memory, 64 KiB chunks, {} measured rounds (after 1 warm-up), contenders \
         interleaved; rayon threads: {}\n\nThroughput, GB/s (10^9 plaintext bytes/s): median \
         [p25 - p75] (min - max)\n\n",
        samples.size >> 20,
        repeats,
        rayon::current_num_threads()
    );
    out.push_str("| contender | seal GB/s | open GB/s |\n|---|---|---|\n");
    let cell = |s: Spread| {
        format!(
            "{:.2} [{:.2} - {:.2}] ({:.2} - {:.2})",
            s.median, s.p25, s.p75, s.min, s.max
        )
    };
    for (i, name) in samples.names.iter().enumerate() {
        let seal = Spread::of(&samples.gbps(&samples.seal[i]));
        let open = Spread::of(&samples.gbps(&samples.open[i]));
        out.push_str(&format!("| {name} | {} | {} |\n", cell(seal), cell(open)));
    }
    out.push_str(
        "\nTargets: ratio of throughputs, paired within each round: median [p25 - p75]\n\n\
         | target | min | seal ratio | open ratio | met? |\n|---|---|---|---|---|\n",
    );
    for t in targets() {
        let (Some(s), Some(o)) = (
            samples.ratio(true, t.a, t.b),
            samples.ratio(false, t.a, t.b),
        ) else {
            out.push_str(&format!(
                "| {} | {:.2}x | n/a | n/a | not measured |\n",
                t.what, t.min
            ));
            continue;
        };
        let verdict = match (s.median >= t.min, o.median >= t.min) {
            (true, true) => "met",
            (true, false) => "not met (open)",
            (false, true) => "not met (seal)",
            (false, false) => "not met",
        };
        out.push_str(&format!(
            "| {} | {:.2}x | {:.2}x [{:.2} - {:.2}] | {:.2}x [{:.2} - {:.2}] | {verdict} |\n",
            t.what, t.min, s.median, s.p25, s.p75, o.median, o.p25, o.p75
        ));
    }
    out.push_str(
        "\nEvidence: where the gap to the raw primitive goes (paired ratios, median)\n\n\
         | ratio | seal | open |\n|---|---|---|\n",
    );
    for (what, a, b) in [
        (
            "raw into a fresh Vec / raw into a reused Vec (page faults)",
            row::RAW_FRESH,
            row::RAW,
        ),
        (
            "raw + 1 copy per batch / raw (the Read/Write copy)",
            row::RAW_COPIES,
            row::RAW,
        ),
        (
            "keepsake stream 1 core / raw + 1 copy",
            row::STREAM,
            row::RAW_COPIES,
        ),
        (
            "raw + 1 copy per batch, 2 cores / raw 2 cores",
            row::RAW_COPIES_PAR,
            row::RAW_PAR,
        ),
        (
            "keepsake stream 2 cores / raw + 1 copy, 2 cores (the Write/Read ceiling)",
            row::STREAM_PAR,
            row::RAW_COPIES_PAR,
        ),
        (
            "keepsake one-shot, fresh output / raw into a fresh Vec",
            row::ONESHOT_FRESH,
            row::RAW_FRESH,
        ),
        (
            "keepsake one-shot, reused buffer / fresh output",
            row::ONESHOT,
            row::ONESHOT_FRESH,
        ),
        (
            "raw 2 cores / raw 1 core (what the machine gives a 2nd thread now)",
            row::RAW_PAR,
            row::RAW,
        ),
        (
            "keepsake push stream 1 core / one-shot 1 core (reused buffer)",
            row::PUSH,
            row::ONESHOT,
        ),
        (
            "keepsake push stream 2 cores / raw + 1 copy, 2 cores",
            row::PUSH_PAR,
            row::RAW_COPIES_PAR,
        ),
        (
            "keepsake push stream in 1 MiB pieces / in one call, 1 core",
            row::PUSH_PIECES,
            row::PUSH,
        ),
        (
            "keepsake push stream in 1 MiB pieces / in one call, 2 cores",
            row::PUSH_PIECES_PAR,
            row::PUSH_PAR,
        ),
        ("ring / raw (primitive speed)", row::RING, row::RAW),
    ] {
        if let (Some(s), Some(o)) = (samples.ratio(true, a, b), samples.ratio(false, a, b)) {
            out.push_str(&format!(
                "| {what} | {:.2}x | {:.2}x |\n",
                s.median, o.median
            ));
        }
    }
    out
}
