//! A PushOpener holds a secret: a second copy must be made on purpose, never by `.clone()`.

fn main() {
    let secret = keepsake::stream::PushOpener::new(
        &keepsake::MediaKey::from_bytes([0; 32]),
        &keepsake::MediaId::from_bytes([0; 16]),
        keepsake::MediaKind::Original,
    );
    let _copy = secret.clone();
}
