//! The one-run comparison (issue 5): `cargo bench -p keepsake-benches --bench compare`.
//!
//! Environment: `KEEPSAKE_BENCH_MIB` (default 64), `KEEPSAKE_BENCH_REPEATS` (default 15),
//! `KEEPSAKE_BENCH_KDF=0` to skip the Argon2id comparison, `KEEPSAKE_BENCH_KDF_REPEATS`
//! (default 5).

use std::process::ExitCode;
use std::time::Instant;

use keepsake_benches::compare;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> ExitCode {
    if std::env::args().any(|a| a == "--list") {
        return ExitCode::SUCCESS;
    }
    // `cargo bench` passes `--bench`; without it (`cargo test --benches`, `--all-targets`)
    // run a quick smoke test of every contender instead of the measurement.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let size = if smoke {
        1 << 20
    } else {
        env_usize("KEEPSAKE_BENCH_MIB", 64).clamp(1, 1024) << 20
    };
    let repeats = if smoke {
        1
    } else {
        env_usize("KEEPSAKE_BENCH_REPEATS", 15).clamp(1, 200)
    };
    let kdf_repeats = env_usize("KEEPSAKE_BENCH_KDF_REPEATS", 5).clamp(1, 50);
    let started = Instant::now();
    let result = compare::contenders().and_then(|mut all| {
        let samples = compare::measure(&mut all, size, repeats)?;
        let mut text = compare::report(&samples, repeats);
        if !smoke && std::env::var("KEEPSAKE_BENCH_KDF").as_deref() != Ok("0") {
            text.push('\n');
            text.push_str(&compare::kdf_report(kdf_repeats)?);
        }
        Ok(text)
    });
    match result {
        Ok(text) => {
            println!("{text}");
            println!("(measured in {:.1} s)", started.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("compare failed: {e}");
            ExitCode::FAILURE
        }
    }
}
