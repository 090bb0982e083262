//! `Sealer::finish` consumes the sealer: writing after the final chunk does not compile.

use std::io::Write;

fn main() {
    let key = keepsake::MediaKey::from_bytes([0; 32]);
    let id = keepsake::MediaId::from_bytes([0; 16]);
    let mut sealer =
        keepsake::stream::Sealer::new(&key, &id, keepsake::MediaKind::Original, Vec::new())
            .unwrap();
    sealer.write_all(b"photo").unwrap();
    let _sealed = sealer.finish().unwrap();
    sealer.write_all(b"more").unwrap();
}
