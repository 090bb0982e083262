//! `bench`: a quick throughput comparison, measured in one run.
//!
//! Four ways to seal and open the same in-memory buffer, each through a streaming writer
//! and reader into a reused output buffer (so no row pays for page faults the others do
//! not):
//!
//! - the raw primitive: ChaCha20-Poly1305 (the `chacha20poly1305` crate) over 64 KiB
//!   chunks with counter nonces, one core: the floor any chunked format pays;
//! - keepsake's stream (`Sealer` / `Opener`, 64 KiB chunks) on one core;
//! - the same on all cores;
//! - age (the `age` crate, X25519 recipient; ChaCha20-Poly1305 STREAM with 64 KiB chunks),
//!   one core.
//!
//! The rows are interleaved within every repeat (so drifting clock speeds hit them alike)
//! after one unmeasured warm-up round, and the median of the repeats is shown.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use chacha20poly1305::aead::inout::InOutBuf;
use chacha20poly1305::{AeadInOut, ChaCha20Poly1305, KeyInit, Tag};
use keepsake::stream::{OpenOptions, Opener, SealOptions, Sealer};
use keepsake::{MediaId, MediaKey, MediaKind};

use crate::args::BenchArgs;
use crate::error::{CliError, CliResult};
use crate::outln;

const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;

/// One way to seal and open.
trait Candidate {
    fn name(&self) -> String;
    fn seal(&mut self, plain: &[u8], out: &mut Vec<u8>) -> CliResult<()>;
    fn open(&mut self, sealed: &[u8], out: &mut Vec<u8>) -> CliResult<()>;
}

fn bench_error(what: &str) -> impl Fn(&dyn std::fmt::Display) -> CliError + '_ {
    move |e| CliError::failure(format!("bench, {what}: {e}"))
}

struct Raw(ChaCha20Poly1305);

fn nonce(index: u64, last: bool) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[3..11].copy_from_slice(&index.to_be_bytes());
    n[11] = u8::from(last);
    n
}

impl Candidate for Raw {
    fn name(&self) -> String {
        "ChaCha20-Poly1305, raw (1 core)".into()
    }

    fn seal(&mut self, plain: &[u8], out: &mut Vec<u8>) -> CliResult<()> {
        let chunks = plain.len().div_ceil(CHUNK).max(1);
        out.resize(plain.len() + chunks * TAG, 0);
        for (i, (input, output)) in plain
            .chunks(CHUNK)
            .zip(out.chunks_mut(CHUNK + TAG))
            .enumerate()
        {
            let (body, tag) = output.split_at_mut(input.len());
            let buf = InOutBuf::new(input, body).map_err(|_| bench_error("raw")(&"length"))?;
            let n = nonce(i as u64, i + 1 == chunks);
            let t = self
                .0
                .encrypt_inout_detached(&n.into(), b"", buf)
                .map_err(|_| bench_error("raw")(&"seal"))?;
            tag.copy_from_slice(&t);
        }
        Ok(())
    }

    fn open(&mut self, sealed: &[u8], out: &mut Vec<u8>) -> CliResult<()> {
        let chunks = sealed.len().div_ceil(CHUNK + TAG);
        out.resize(sealed.len() - chunks * TAG, 0);
        for (i, (input, output)) in sealed
            .chunks(CHUNK + TAG)
            .zip(out.chunks_mut(CHUNK))
            .enumerate()
        {
            let (body, tag) = input.split_at(input.len() - TAG);
            let tag = Tag::try_from(tag).map_err(|_| bench_error("raw")(&"tag"))?;
            let buf = InOutBuf::new(body, output).map_err(|_| bench_error("raw")(&"length"))?;
            let n = nonce(i as u64, i + 1 == chunks);
            self.0
                .decrypt_inout_detached(&n.into(), b"", buf, &tag)
                .map_err(|_| bench_error("raw")(&"open"))?;
        }
        Ok(())
    }
}

struct Keepsake {
    key: MediaKey,
    id: MediaId,
    parallel: bool,
}

impl Candidate for Keepsake {
    fn name(&self) -> String {
        if self.parallel {
            format!("keepsake stream ({} cores)", rayon::current_num_threads())
        } else {
            "keepsake stream (1 core)".into()
        }
    }

    fn seal(&mut self, plain: &[u8], out: &mut Vec<u8>) -> CliResult<()> {
        out.clear();
        let options = SealOptions::new().with_parallel(self.parallel);
        let err = bench_error("keepsake seal");
        let mut sealer =
            Sealer::with_options(&self.key, &self.id, MediaKind::Original, out, &options)
                .map_err(|e| err(&e))?;
        sealer.write_all(plain).map_err(|e| err(&e))?;
        sealer.finish().map_err(|e| err(&e))?;
        Ok(())
    }

    fn open(&mut self, sealed: &[u8], out: &mut Vec<u8>) -> CliResult<()> {
        out.clear();
        let options = OpenOptions::default().with_parallel(self.parallel);
        let err = bench_error("keepsake open");
        let mut opener =
            Opener::with_options(&self.key, &self.id, MediaKind::Original, sealed, &options)
                .map_err(|e| err(&e))?;
        opener.read_to_end(out).map_err(|e| err(&e))?;
        Ok(())
    }
}

struct Age {
    identity: age::x25519::Identity,
}

impl Candidate for Age {
    fn name(&self) -> String {
        "age 0.11, X25519 (1 core)".into()
    }

    fn seal(&mut self, plain: &[u8], out: &mut Vec<u8>) -> CliResult<()> {
        out.clear();
        let err = bench_error("age encrypt");
        let recipient = self.identity.to_public();
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|e| err(&e))?;
        let mut writer = encryptor.wrap_output(out).map_err(|e| err(&e))?;
        writer.write_all(plain).map_err(|e| err(&e))?;
        writer.finish().map_err(|e| err(&e))?;
        Ok(())
    }

    fn open(&mut self, sealed: &[u8], out: &mut Vec<u8>) -> CliResult<()> {
        out.clear();
        let err = bench_error("age decrypt");
        let decryptor = age::Decryptor::new_buffered(sealed).map_err(|e| err(&e))?;
        let mut reader = decryptor
            .decrypt(std::iter::once(&self.identity as &dyn age::Identity))
            .map_err(|e| err(&e))?;
        reader.read_to_end(out).map_err(|e| err(&e))?;
        Ok(())
    }
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// One row of the result: a candidate's median seal and open times.
#[derive(Clone, Debug)]
pub struct Row {
    /// What was measured.
    pub name: String,
    /// Median seal time.
    pub seal: Duration,
    /// Median open time.
    pub open: Duration,
}

/// Measures every candidate on `size` bytes, `repeats` times, interleaved; returns the
/// rows (the raw primitive first).
///
/// # Errors
/// A candidate failing, or opening to different bytes.
pub fn measure(size: usize, repeats: usize) -> CliResult<Vec<Row>> {
    let plain: Vec<u8> = (0..size)
        .map(|i| (i as u8).wrapping_mul(31) ^ ((i >> 20) as u8))
        .collect();
    let key = random_key()?;
    let mut candidates: Vec<Box<dyn Candidate>> = vec![
        Box::new(Raw(ChaCha20Poly1305::new(&key.into()))),
        Box::new(Keepsake {
            key: MediaKey::from_bytes(key),
            id: MediaId::from_bytes([7; 16]),
            parallel: false,
        }),
        Box::new(Keepsake {
            key: MediaKey::from_bytes(key),
            id: MediaId::from_bytes([7; 16]),
            parallel: true,
        }),
        Box::new(Age {
            identity: age::x25519::Identity::generate(),
        }),
    ];
    let n = candidates.len();
    let mut sealed: Vec<Vec<u8>> = vec![Vec::with_capacity(size + size / 1000 + 4096); n];
    let mut opened: Vec<Vec<u8>> = vec![Vec::with_capacity(size); n];
    let mut seal_times = vec![Vec::new(); n];
    let mut open_times = vec![Vec::new(); n];
    for round in 0..=repeats {
        for (i, c) in candidates.iter_mut().enumerate() {
            let start = Instant::now();
            c.seal(&plain, &mut sealed[i])?;
            let seal = start.elapsed();
            let start = Instant::now();
            c.open(&sealed[i], &mut opened[i])?;
            let open = start.elapsed();
            if round == 0 {
                if opened[i] != plain {
                    return Err(CliError::failure(format!(
                        "bench: {} opened to different bytes",
                        c.name()
                    )));
                }
                continue; // warm-up: buffers faulted in, caches warm
            }
            seal_times[i].push(seal);
            open_times[i].push(open);
        }
    }
    Ok(candidates
        .iter()
        .enumerate()
        .map(|(i, c)| Row {
            name: c.name(),
            seal: median(&mut seal_times[i]),
            open: median(&mut open_times[i]),
        })
        .collect())
}

/// 32 random bytes (from two random ids: the benchmark's key is not a secret of anyone's).
fn random_key() -> CliResult<[u8; 32]> {
    let mut key = [0u8; 32];
    for half in key.chunks_mut(16) {
        let id = MediaId::random().map_err(|e| bench_error("randomness")(&e))?;
        half.copy_from_slice(id.as_bytes());
    }
    Ok(key)
}

/// Formats the rows as a table: GB/s (10^9 bytes of plaintext per second) and the ratio
/// to the raw primitive (the first row).
pub fn table(rows: &[Row], size: usize, repeats: usize) -> String {
    let gbps = |d: Duration| size as f64 / d.as_secs_f64().max(1e-12) / 1e9;
    let mut out = format!(
        "{} MiB in memory, 64 KiB chunks, median of {repeats} interleaved repeats, {} threads\n\n",
        size >> 20,
        rayon::current_num_threads()
    );
    out.push_str(&format!(
        "| {:<34} | {:>9} | {:>9} | {:>11} | {:>11} |\n",
        "", "seal GB/s", "open GB/s", "seal vs raw", "open vs raw"
    ));
    out.push_str(&format!(
        "|{:-<36}|{:->11}|{:->11}|{:->13}|{:->13}|\n",
        "", "", "", "", ""
    ));
    let (raw_seal, raw_open) = rows
        .first()
        .map_or((1.0, 1.0), |r| (gbps(r.seal), gbps(r.open)));
    for row in rows {
        out.push_str(&format!(
            "| {:<34} | {:>9.2} | {:>9.2} | {:>10.2}x | {:>10.2}x |\n",
            row.name,
            gbps(row.seal),
            gbps(row.open),
            gbps(row.seal) / raw_seal,
            gbps(row.open) / raw_open
        ));
    }
    out
}

/// `bench`.
///
/// # Errors
/// Arguments out of range; a candidate failing.
pub fn run(args: &BenchArgs) -> CliResult<()> {
    if args.size_mib == 0 || args.size_mib > 1024 || args.repeats == 0 || args.repeats > 50 {
        return Err(CliError::usage(
            "--size-mib must be 1..=1024 and --repeats 1..=50",
        ));
    }
    let size = args.size_mib << 20;
    let start = Instant::now();
    let rows = measure(size, args.repeats)?;
    if args.json {
        let gbps = |d: Duration| size as f64 / d.as_secs_f64().max(1e-12) / 1e9;
        for row in &rows {
            crate::output::json(&serde_json::json!({
                "name": row.name,
                "size_bytes": size,
                "repeats": args.repeats,
                "seal_seconds": row.seal.as_secs_f64(),
                "open_seconds": row.open.as_secs_f64(),
                "seal_gb_per_s": gbps(row.seal),
                "open_gb_per_s": gbps(row.open),
            }))?;
        }
        return Ok(());
    }
    let text = table(&rows, size, args.repeats);
    outln!("{}", text.trim_end_matches('\n'));
    outln!("\n(measured in {:.1} s)", start.elapsed().as_secs_f64());
    Ok(())
}
