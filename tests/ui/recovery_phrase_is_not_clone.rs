//! A RecoveryPhrase holds a secret: a second copy must be made on purpose, never by `.clone()`.

fn main() {
    let secret = keepsake::hazmat::recovery_phrase_from_secret([0; 32]);
    let _copy = secret.clone();
}
