//! The native side of web/run.sh:
//! - `web-native fixture PATH`: writes the sealed fixture the browser's HTTP range test
//!   fetches (1 MiB of `i * 31 % 251`, chunks of 4 KiB, key `[7; 32]`, id `[9; 16]`,
//!   `preview`).
//! - `web-native bench`: opens a 64 MiB item sealed in 64 KiB chunks with the same code the
//!   browser runs (`PushOpener::push_to` into one reused buffer, sequential, 1 MiB pieces,
//!   one thread) and prints the best of 5 runs as `native-open MB_PER_S CHUNKS_PER_S`.
//! - `web-native links SITE` / `web-native review SITE LINK_ID`: the published link
//!   fixtures and the owner's review of collect-link drops (see `links.rs`).

#[path = "web-native/links.rs"]
mod links;

use std::time::Instant;

use keepsake::stream::{self, OpenOptions, PushOpener, SealOptions};
use keepsake::{MediaId, MediaKey, MediaKind};

const BENCH_SIZE: usize = 64 << 20;
const PIECE: usize = 1 << 20;
const RUNS: usize = 5;

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = MediaKey::from_bytes([7; 32]);
    let id = MediaId::from_bytes([9; 16]);
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["fixture", path] => {
            let options = SealOptions::new().with_chunk_size_log2(12)?;
            let sealed =
                stream::seal_with(&key, &id, MediaKind::Preview, &pattern(1 << 20), &options)?;
            std::fs::write(path, sealed)?;
        }
        ["bench"] => bench(&key, &id)?,
        ["links", site] => links::links(std::path::Path::new(site))?,
        ["review", site, link_id] => links::review(std::path::Path::new(site), link_id)?,
        _ => {
            return Err(
                "usage: web-native fixture PATH | bench | links SITE | review SITE LINK_ID".into(),
            );
        }
    }
    Ok(())
}

fn bench(key: &MediaKey, id: &MediaId) -> keepsake::Result<()> {
    let options = SealOptions::new().with_parallel(false);
    let sealed = stream::seal_with(key, id, MediaKind::Original, &pattern(BENCH_SIZE), &options)?;
    let chunks = BENCH_SIZE.div_ceil(1 << options.chunk_size_log2()) as f64;
    let mut best = f64::MAX;
    for _ in 0..RUNS {
        let started = Instant::now();
        let open = OpenOptions::default().with_parallel(false);
        let mut opener = PushOpener::with_options(key, id, MediaKind::Original, &open);
        // As the browser's StreamOpener: push_to into one reused buffer.
        let mut out = vec![0; 2 * PIECE]; // more than push_len(PIECE) ever is
        let mut total = 0;
        for piece in sealed.chunks(PIECE) {
            total += opener.push_to(piece, &mut out)?;
        }
        total += opener.finish_to(&mut out)?;
        assert_eq!(total, BENCH_SIZE, "opened length");
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!(
        "native-open {:.1} {:.0}",
        BENCH_SIZE as f64 / best / 1e6,
        chunks / best
    );
    Ok(())
}
