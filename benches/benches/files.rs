//! File to file against in memory (issue 18): `cargo bench -p keepsake-benches --bench files`.
//!
//! One process, one plaintext of `KEEPSAKE_BENCH_FILE_MIB` MiB (default 1024), sealed and
//! opened `KEEPSAKE_BENCH_ROUNDS` times (default 3, after one checked warm-up round), each
//! round running every contender once, on 1 core (`with_parallel(false)`) and on all cores,
//! in an order rotated every round. The contenders:
//!
//! - *memory*: the streaming [`Sealer`] writing into a reused `Vec`, the [`Opener`] reading
//!   from a slice into a reused `Vec` (what `compare`'s stream rows time, at this size);
//! - *seal_file / open_file*: the API as apps call it: temporary file, the stream, then
//!   `sync_all`, rename and folder sync;
//! - *copy alone*: the plaintext file read and written to a new file in 1 MiB pieces on
//!   one thread, no crypto, its fsync untimed (so that no contender inherits its dirty
//!   pages): the kernel's two copies through the page cache,
//!   which every file-to-file path pays (the ceiling the in-memory figure does not have);
//! - *fsync alone*: the same number of bytes (the sealed, then the opened file's) written
//!   to a fresh file untimed, then its `sync_all` timed: what the API's durability costs.
//!   The API's figure without it is the API's time minus this one, paired per round.
//!
//! The files live in `KEEPSAKE_BENCH_DIR` (default: the workspace's `target/`, a local
//! disk; `/tmp` may be a tmpfs). Sources are read through the page cache (the plaintext was
//! just written, and the sealed file is rewritten every round): this times Keepsake and
//! the kernel's copies, not the disk's read speed. Each destination is removed before it
//! is written, outside the timings.
//!
//! Run without `--bench` (as `cargo test --benches` does), it checks every contender once on
//! 4 MiB.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use keepsake::stream::{OpenOptions, Opener, SealOptions, Sealer};
use keepsake::{FileOptions, MediaKind, open_file, seal_file};
use keepsake_benches::{MEDIA_ID, media_key, plaintext, quantile};

type Outcome = Result<(), String>;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The paths and buffers one run uses.
struct Bench {
    plain: Vec<u8>,
    plain_path: PathBuf,
    sealed_path: PathBuf,
    out_path: PathBuf,
    /// In-memory sealed bytes and opened bytes, reused.
    sealed: Vec<u8>,
    opened: Vec<u8>,
}

/// Seconds of each measured operation of one mode, one entry per round.
#[derive(Default)]
struct Times {
    memory_seal: Vec<f64>,
    memory_open: Vec<f64>,
    fsync_seal: Vec<f64>,
    fsync_open: Vec<f64>,
    api_seal: Vec<f64>,
    api_open: Vec<f64>,
    copy: Vec<f64>,
}

fn timed(f: impl FnOnce() -> Outcome) -> Result<f64, String> {
    let started = Instant::now();
    f()?;
    Ok(started.elapsed().as_secs_f64())
}

fn remove(path: &Path) -> Outcome {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(err(e)),
    }
}

impl Bench {
    fn memory_seal(&mut self, parallel: bool) -> Outcome {
        self.sealed.clear();
        let options = SealOptions::new().with_parallel(parallel);
        let (key, kind) = (media_key(), MediaKind::Original);
        let mut sealer =
            Sealer::with_options(&key, &MEDIA_ID, kind, &mut self.sealed, &options).map_err(err)?;
        sealer.write_all(&self.plain).map_err(err)?;
        sealer.finish().map_err(err)?;
        Ok(())
    }

    fn memory_open(&mut self, parallel: bool) -> Outcome {
        let options = OpenOptions::default().with_parallel(parallel);
        let (key, kind) = (media_key(), MediaKind::Original);
        let mut opener =
            Opener::with_options(&key, &MEDIA_ID, kind, &self.sealed[..], &options).map_err(err)?;
        self.opened.resize(self.plain.len() + 1, 0);
        let mut got = 0;
        loop {
            match opener.read(&mut self.opened[got..]).map_err(err)? {
                0 => break,
                n => got += n,
            }
            if got > self.plain.len() {
                return Err("more plaintext than was sealed".into());
            }
        }
        self.opened.truncate(got);
        Ok(())
    }

    /// Copies the plaintext file to a new file through a 1 MiB buffer (no fsync).
    fn copy_alone(&self) -> Result<f64, String> {
        let path = self.out_path.with_extension("copy");
        remove(&path)?;
        let mut output = File::create(&path).map_err(err)?;
        let took = timed(|| {
            let mut input = File::open(&self.plain_path).map_err(err)?;
            let mut buf = vec![0u8; 1 << 20];
            loop {
                match input.read(&mut buf).map_err(err)? {
                    0 => return Ok(()),
                    n => output.write_all(&buf[..n]).map_err(err)?,
                }
            }
        });
        // Untimed: no dirty pages are left to throttle or slow the next contender.
        output.sync_all().map_err(err)?;
        remove(&path)?;
        took
    }

    /// Writes `len` bytes to a fresh file (untimed) and times its `sync_all`.
    fn fsync_alone(&self, len: usize) -> Result<f64, String> {
        let path = self.out_path.with_extension("sync");
        remove(&path)?;
        let mut file = File::create(&path).map_err(err)?;
        // Bytes of the sealed object (filled by the warm-up): the content does not matter.
        file.write_all(&self.sealed[..len.min(self.sealed.len())])
            .map_err(err)?;
        let took = timed(|| file.sync_all().map_err(err));
        remove(&path)?;
        took
    }

    fn api(&self, seal: bool, parallel: bool) -> Outcome {
        let (key, kind) = (media_key(), MediaKind::Original);
        let options = FileOptions::new()
            .seal_options(SealOptions::new().with_parallel(parallel))
            .open_options(OpenOptions::default().with_parallel(parallel));
        let done = if seal {
            seal_file(
                &key,
                &MEDIA_ID,
                kind,
                &self.plain_path,
                &self.sealed_path,
                options,
            )
        } else {
            open_file(
                &key,
                &MEDIA_ID,
                kind,
                &self.sealed_path,
                &self.out_path,
                options,
            )
        };
        done.map(drop).map_err(err)
    }

    /// One contender (0 memory, 1 fsync alone, 2 the API, 3 copy alone), seal then open.
    fn run(&mut self, which: usize, parallel: bool, t: &mut Times) -> Outcome {
        match which {
            0 => {
                t.memory_seal.push(timed(|| self.memory_seal(parallel))?);
                t.memory_open.push(timed(|| self.memory_open(parallel))?);
            }
            1 => {
                t.fsync_seal.push(self.fsync_alone(self.sealed.len())?);
                t.fsync_open.push(self.fsync_alone(self.plain.len())?);
            }
            3 => t.copy.push(self.copy_alone()?),
            _ => {
                remove(&self.sealed_path)?;
                t.api_seal.push(timed(|| self.api(true, parallel))?);
                remove(&self.out_path)?;
                t.api_open.push(timed(|| self.api(false, parallel))?);
            }
        }
        Ok(())
    }

    /// Runs every contender once and checks each round trip.
    fn check(&mut self, parallel: bool) -> Outcome {
        let mut scratch = Times::default();
        for which in [0, 2] {
            self.run(which, parallel, &mut scratch)?;
            let opened = if which == 0 {
                std::mem::take(&mut self.opened)
            } else {
                fs::read(&self.out_path).map_err(err)?
            };
            if opened != self.plain {
                return Err(format!("contender {which}: the round trip differs"));
            }
            self.opened = opened;
        }
        Ok(())
    }
}

fn gbps(bytes: usize, secs: &[f64]) -> String {
    let mut rates: Vec<f64> = secs.iter().map(|s| bytes as f64 / s / 1e9).collect();
    let (p25, p50, p75) = (
        quantile(&mut rates, 0.25),
        quantile(&mut rates, 0.5),
        quantile(&mut rates, 0.75),
    );
    format!("{p50:.2} [{p25:.2} - {p75:.2}]")
}

/// The median of `a[i] / b[i]` (times: >1 means `b` is faster), with p25 - p75.
fn ratio(a: &[f64], b: &[f64]) -> String {
    let mut r: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
    let (p25, p50, p75) = (
        quantile(&mut r, 0.25),
        quantile(&mut r, 0.5),
        quantile(&mut r, 0.75),
    );
    format!("{p50:.2}x [{p25:.2} - {p75:.2}]")
}

fn minus(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x - y).collect()
}

fn report(bytes: usize, name: &str, t: &Times) -> String {
    let mut s = format!("\n### {name}\n\n| contender | seal GB/s | open GB/s |\n|---|---|---|\n");
    let (nosync_seal, nosync_open) = (
        minus(&t.api_seal, &t.fsync_seal),
        minus(&t.api_open, &t.fsync_open),
    );
    let rows = [
        (
            "memory (Sealer/Opener into a Vec)",
            &t.memory_seal,
            &t.memory_open,
        ),
        (
            "seal_file / open_file (with fsync)",
            &t.api_seal,
            &t.api_open,
        ),
        ("fsync alone (as many bytes)", &t.fsync_seal, &t.fsync_open),
        ("copy alone (read + write, 1 thread)", &t.copy, &t.copy),
        (
            "seal_file / open_file less the fsync",
            &nosync_seal,
            &nosync_open,
        ),
    ];
    for (label, seal, open) in rows {
        s += &format!(
            "| {label} | {} | {} |\n",
            gbps(bytes, seal),
            gbps(bytes, open)
        );
    }
    s += "\n| ratio (paired per round, median [p25 - p75]) | seal | open |\n|---|---|---|\n";
    s += &format!(
        "| files less the fsync vs memory (target >= 0.85x) | {} | {} |\n",
        ratio(&t.memory_seal, &nosync_seal),
        ratio(&t.memory_open, &nosync_open),
    );
    s += &format!(
        "| seal_file / open_file (with fsync) vs memory | {} | {} |\n",
        ratio(&t.memory_seal, &t.api_seal),
        ratio(&t.memory_open, &t.api_open),
    );
    s += &format!(
        "| files less the fsync vs copy alone (the page cache's ceiling) | {} | {} |\n",
        ratio(&t.copy, &nosync_seal),
        ratio(&t.copy, &nosync_open),
    );
    s += &format!(
        "| fsync's share of seal_file / open_file | {} | {} |\n",
        ratio(&t.fsync_seal, &t.api_seal),
        ratio(&t.fsync_open, &t.api_open),
    );
    s
}

fn main() -> ExitCode {
    if std::env::args().any(|a| a == "--list") {
        return ExitCode::SUCCESS;
    }
    let smoke = !std::env::args().any(|a| a == "--bench");
    let mib = if smoke {
        4
    } else {
        env_usize("KEEPSAKE_BENCH_FILE_MIB", 1024).clamp(1, 8192)
    };
    let rounds = if smoke {
        0
    } else {
        env_usize("KEEPSAKE_BENCH_ROUNDS", 3).clamp(1, 50)
    };
    match run(mib << 20, rounds) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("files failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(bytes: usize, rounds: usize) -> Result<String, String> {
    let base = std::env::var_os("KEEPSAKE_BENCH_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    fs::create_dir_all(&base).map_err(err)?;
    let dir = tempfile::tempdir_in(&base).map_err(err)?;
    let started = Instant::now();
    let mut bench = Bench {
        plain: plaintext(bytes),
        plain_path: dir.path().join("plain"),
        sealed_path: dir.path().join("sealed"),
        out_path: dir.path().join("opened"),
        sealed: Vec::with_capacity(bytes + bytes / 1000 + 4096),
        opened: Vec::with_capacity(bytes + 1),
    };
    fs::write(&bench.plain_path, &bench.plain).map_err(err)?;
    File::open(&bench.plain_path)
        .and_then(|f| f.sync_all())
        .map_err(err)?;
    let modes = [(false, "1 core"), (true, "all cores")];
    for (parallel, _) in modes {
        bench.check(parallel)?;
    }
    let mut times: [Times; 2] = Default::default();
    for round in 0..rounds {
        for step in 0..8 {
            // Rotated: each round starts with a different contender and mode.
            let k = (step + round) % 8;
            let (mode, which) = (k % 2, k / 2);
            bench.run(which, modes[mode].0, &mut times[mode])?;
        }
    }
    let mut text = format!(
        "## files: {} MiB, {rounds} rounds after a checked warm-up, in {}\n",
        bytes >> 20,
        base.display()
    );
    if rounds > 0 {
        for (i, (_, name)) in modes.iter().enumerate() {
            text += &report(bytes, name, &times[i]);
        }
    }
    text += &format!("\n(measured in {:.1} s)", started.elapsed().as_secs_f64());
    Ok(text)
}
