//! A MediaKey holds a secret: a second copy must be made on purpose, never by `.clone()`.

fn main() {
    let secret = keepsake::MediaKey::from_bytes([0; 32]);
    let _copy = secret.clone();
}
