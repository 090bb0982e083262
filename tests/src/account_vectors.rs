//! Schemas of the account-layer vector files (SPEC.md section 5).

use keepsake::account::{self, AccountBundle, DeviceKey};
use keepsake::hpke::HpkePublicKey;
use serde::{Deserialize, Serialize};

use crate::error_name;

/// A passphrase slot (SPEC.md 5.2): Argon2id key, then the root wrapped in an envelope.
#[derive(Debug, Serialize, Deserialize)]
pub struct PassphraseSlotVector {
    /// Case name.
    pub name: String,
    /// The passphrase as typed (UTF-8, possibly not NFC).
    pub passphrase: String,
    /// Hex: its NFC form, the Argon2id password.
    pub passphrase_nfc: String,
    /// Argon2id memory in KiB.
    pub memory_kib: u32,
    /// Argon2id passes.
    pub iterations: u32,
    /// Argon2id lanes.
    pub parallelism: u32,
    /// Hex, 16 bytes.
    pub salt: String,
    /// Hex, 32 bytes: Argon2id v1.3 output.
    pub kek: String,
    /// Hex, 24 bytes: the envelope nonce.
    pub nonce: String,
    /// Hex: the envelope context (be32 m, t, p, then the salt).
    pub context: String,
    /// Hex, 32 bytes.
    pub root: String,
    /// Hex, 105 bytes.
    pub wrapped_root: String,
}

/// A recovery phrase and slot (SPEC.md 5.3).
#[derive(Debug, Serialize, Deserialize)]
pub struct RecoveryVector {
    /// Case name.
    pub name: String,
    /// Hex, 32 bytes: the recovery secret.
    pub secret: String,
    /// The 24 words.
    pub words: String,
    /// Hex, 16 bytes.
    pub salt: String,
    /// Hex, 32 bytes: HKDF(salt, secret, LABEL_RECOVERY_KEK).
    pub kek: String,
    /// Hex, 24 bytes.
    pub nonce: String,
    /// Hex, 32 bytes.
    pub root: String,
    /// Hex, 105 bytes.
    pub wrapped_root: String,
}

/// A device slot (SPEC.md 5.4): the root sealed to a device with HPKE Base.
#[derive(Debug, Serialize, Deserialize)]
pub struct DeviceSlotVector {
    /// Case name.
    pub name: String,
    /// Hex, 32 bytes.
    pub root: String,
    /// Hex, 32 bytes: the device's X25519 secret.
    pub device_secret: String,
    /// Hex, 32 bytes.
    pub device_public: String,
    /// Hex, 32 bytes: the HPKE ephemeral secret.
    pub ephemeral_secret: String,
    /// Hex: the HPKE info.
    pub info: String,
    /// Hex, 32 bytes.
    pub enc: String,
    /// Hex, 48 bytes.
    pub wrapped_root: String,
}

/// Keys derived from a root (SPEC.md 5.1, 5.6, 5.7): identity, fingerprint, album keys.
#[derive(Debug, Serialize, Deserialize)]
pub struct DerivationVector {
    /// Case name.
    pub name: String,
    /// Hex, 32 bytes.
    pub root: String,
    /// Hex, 32 bytes: HKDF("", root, LABEL_IDENTITY).
    pub identity_secret: String,
    /// Hex, 32 bytes.
    pub identity_public: String,
    /// The safety number of the identity public key.
    pub fingerprint: String,
    /// Album keys for several ids and epochs.
    pub albums: Vec<AlbumKeyVector>,
}

/// One album key.
#[derive(Debug, Serialize, Deserialize)]
pub struct AlbumKeyVector {
    /// Hex, 16 bytes.
    pub album_id: String,
    /// The epoch (below 2^53).
    pub epoch: u64,
    /// Hex, 32 bytes.
    pub album_key: String,
}

/// An album grant (SPEC.md 5.7).
#[derive(Debug, Serialize, Deserialize)]
pub struct GrantVector {
    /// Case name.
    pub name: String,
    /// Hex, 32 bytes: the sender's root.
    pub sender_root: String,
    /// Hex, 32 bytes: the recipient's root.
    pub recipient_root: String,
    /// Hex, 16 bytes.
    pub album_id: String,
    /// The epoch.
    pub epoch: u64,
    /// Hex, 32 bytes: the sender's album key, which the recipient receives.
    pub album_key: String,
    /// Hex, 32 bytes.
    pub ephemeral_secret: String,
    /// Hex, 169 bytes.
    pub grant: String,
}

/// A whole account bundle (SPEC.md 5.5) and the secrets that unlock it.
#[derive(Debug, Serialize, Deserialize)]
pub struct BundleVector {
    /// Case name.
    pub name: String,
    /// Hex, 32 bytes.
    pub root: String,
    /// The passphrase.
    pub passphrase: String,
    /// The recovery words.
    pub recovery_words: String,
    /// Hex, 32 bytes: an enrolled device's secret.
    pub device_secret: String,
    /// Hex, 32 bytes: the ephemeral X25519 secret of that device's slot (SPEC.md 5.4;
    /// `enc` is its public key), so the slot can be re-sealed byte for byte.
    pub device_ephemeral_secret: String,
    /// The canonical bundle, as a JSON string.
    pub bundle: String,
}

/// A bundle that must be refused, at parse or at unlock.
#[derive(Debug, Serialize, Deserialize)]
pub struct BundleFailure {
    /// Case name.
    pub name: String,
    /// What was done to a valid bundle.
    pub comment: String,
    /// The bundle bytes, as a string.
    pub bundle: String,
    /// `parse`, `passphrase`, `recovery` or `device`.
    pub unlock: String,
    /// The secret used to unlock (passphrase, words, or device secret hex).
    #[serde(default)]
    pub secret: String,
    /// Hex: the identity pin, for `device`.
    #[serde(default)]
    pub pin: String,
    /// The error name.
    pub error: String,
}

/// Runs a failure case through the public API; returns the error name.
pub fn check_bundle_failure(c: &BundleFailure) -> String {
    let bundle = match AccountBundle::parse(c.bundle.as_bytes()) {
        Err(e) => return error_name(&e).into(),
        Ok(b) => b,
    };
    let result = match c.unlock.as_str() {
        "parse" => return "parsed".into(),
        "passphrase" => account::unlock_with_passphrase(&bundle, &c.secret).map(|_| ()),
        "recovery" => keepsake::RecoveryPhrase::parse(&c.secret)
            .and_then(|p| account::unlock_with_recovery(&bundle, &p))
            .map(|_| ()),
        "device" => {
            let device = DeviceKey::from_bytes(hex::decode(&c.secret).unwrap().try_into().unwrap());
            let pin = HpkePublicKey::from_slice(&hex::decode(&c.pin).unwrap()).unwrap();
            account::unlock_with_device(&bundle, &device, &pin).map(|_| ())
        }
        other => panic!("unknown unlock {other}"),
    };
    match result {
        Ok(()) => "unlocked".into(),
        Err(e) => error_name(&e).into(),
    }
}
