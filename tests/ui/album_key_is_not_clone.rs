//! A AlbumKey holds a secret: a second copy must be made on purpose, never by `.clone()`.

fn main() {
    let secret = keepsake::AlbumKey::from_bytes(keepsake::AlbumId::from_bytes([0; 16]), 0, [0; 32]);
    let _copy = secret.clone();
}
