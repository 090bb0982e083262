//! No secret type can be serialized (into a log, a bundle, a crash report) by accident.

fn serializable<T: serde::Serialize>() {}

fn main() {
    serializable::<keepsake::MediaKey>();
    serializable::<keepsake::AlbumKey>();
    serializable::<keepsake::account::Keyring>();
    serializable::<keepsake::account::DeviceKey>();
    serializable::<keepsake::account::NewAccount>();
    serializable::<keepsake::RecoveryPhrase>();
    serializable::<keepsake::hpke::HpkeSecretKey>();
}
