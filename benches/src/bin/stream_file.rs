//! Streams a file through `keepsake::seal_file` or `keepsake::open_file` with the benchmark
//! key, for `scripts/peak-rss.sh`:
//!
//! ```text
//! stream-file seal PLAIN SEALED [--single]
//! stream-file open SEALED PLAIN [--single]
//! ```
//!
//! `--single` turns parallel sealing / opening off.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use keepsake::stream::{OpenOptions, SealOptions};
use keepsake::{FileOptions, MediaKind, open_file, seal_file};
use keepsake_benches::{MEDIA_ID, media_key};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parallel = !args.iter().any(|a| a == "--single");
    let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let (Some(op), Some(src), Some(dst)) = (paths.first(), paths.get(1), paths.get(2)) else {
        eprintln!("usage: stream-file seal|open SRC DST [--single]");
        return ExitCode::FAILURE;
    };
    let key = media_key();
    let options = FileOptions::new().overwrite(true);
    let started = Instant::now();
    let result = match op.as_str() {
        "seal" => seal_file(
            &key,
            &MEDIA_ID,
            MediaKind::Original,
            Path::new(src),
            Path::new(dst),
            options.seal_options(SealOptions::new().with_parallel(parallel)),
        ),
        "open" => open_file(
            &key,
            &MEDIA_ID,
            MediaKind::Original,
            Path::new(src),
            Path::new(dst),
            options.open_options(OpenOptions::default().with_parallel(parallel)),
        ),
        other => {
            eprintln!("unknown operation {other}");
            return ExitCode::FAILURE;
        }
    };
    match result {
        Ok(bytes) => {
            let secs = started.elapsed().as_secs_f64();
            println!(
                "{op}: {bytes} bytes out in {secs:.2} s ({:.2} GB/s), parallel: {parallel}",
                bytes as f64 / secs / 1e9
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{op} failed: {e}");
            ExitCode::FAILURE
        }
    }
}
