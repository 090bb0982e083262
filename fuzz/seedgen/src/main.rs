//! `seedgen CORPUS_DIR`: writes `CORPUS_DIR/<target>/seed-gen-<hash>` for every seed of
//! `fixture::seeds()` and prints how many per target.

use std::collections::BTreeMap;
use std::path::PathBuf;

#[path = "../../src/fixture.rs"]
#[allow(dead_code)]
mod fixture;

fn main() -> std::io::Result<()> {
    let corpus = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "corpus".into()));
    let mut count = BTreeMap::new();
    for (target, data) in fixture::seeds() {
        let folder = corpus.join(target);
        std::fs::create_dir_all(&folder)?;
        // FNV-1a 64: a stable name, so running again rewrites the same files.
        let hash = data.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
        });
        std::fs::write(folder.join(format!("seed-gen-{hash:016x}")), &data)?;
        *count.entry(target).or_insert(0) += 1;
    }
    for (target, n) in count {
        println!("{target}: {n} generated seeds");
    }
    Ok(())
}
