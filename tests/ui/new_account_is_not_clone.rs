//! A `NewAccount` holds the keyring and the recovery phrase: not `Clone`.

fn copy<T: Clone>(value: &T) -> T {
    value.clone()
}

fn main() {
    let account = keepsake::account::create_account("x", &keepsake::kdf::KdfParams::FLOOR).unwrap();
    let _copy = copy(&account);
}
