//! A Keyring holds a secret: a second copy must be made on purpose, never by `.clone()`.

fn main() {
    let secret = keepsake::hazmat::keyring_from_secrets(&[[0; 32]], [1; 32]);
    let _copy = secret.clone();
}
