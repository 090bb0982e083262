//! Schemas of the account-layer vector files (SPEC.md section 5), and the replay of a
//! bundle's history of operations that both the generator and the checks use.

use keepsake::account::{self, AccountBundle, AccountPin, DeviceKey, Keyring};
use keepsake::hazmat;
use keepsake::kdf::KdfParams;
use serde::{Deserialize, Serialize};

use crate::error_name;

/// A passphrase slot (SPEC.md 5.2, 5.4): Argon2id key, the slot key pair, the root
/// encapsulated to it.
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
    /// Hex, 32 bytes: Argon2id v1.3 output, the `ikm` of DeriveKeyPair.
    pub kek: String,
    /// Hex, 32 bytes: the slot's X-Wing seed (DeriveKeyPair's output).
    pub slot_secret: String,
    /// Hex, 1216 bytes: the slot's public key, as the bundle stores it.
    pub slot_public: String,
    /// Hex, 32 bytes.
    pub root: String,
    /// Hex, 64 bytes: X-Wing's encapsulation randomness `eseed`.
    pub eseed: String,
    /// Hex: the HPKE info.
    pub info: String,
    /// Hex, 1120 bytes.
    pub enc: String,
    /// Hex, 48 bytes.
    pub wrapped_root: String,
}

/// A recovery phrase and slot (SPEC.md 5.3, 5.4).
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
    /// Hex, 32 bytes: HKDF(salt, secret, LABEL_RECOVERY_KEK), the `ikm` of DeriveKeyPair.
    pub kek: String,
    /// Hex, 32 bytes: the slot's X-Wing seed.
    pub slot_secret: String,
    /// Hex, 1216 bytes: the slot's public key.
    pub slot_public: String,
    /// Hex, 32 bytes.
    pub root: String,
    /// Hex, 64 bytes: X-Wing's encapsulation randomness `eseed`.
    pub eseed: String,
    /// Hex: the HPKE info.
    pub info: String,
    /// Hex, 1120 bytes.
    pub enc: String,
    /// Hex, 48 bytes.
    pub wrapped_root: String,
}

/// A device slot (SPEC.md 5.4): the root encapsulated to a device with HPKE Base.
#[derive(Debug, Serialize, Deserialize)]
pub struct DeviceSlotVector {
    /// Case name.
    pub name: String,
    /// Hex, 32 bytes.
    pub root: String,
    /// Hex, 32 bytes: the device's X-Wing seed.
    pub device_secret: String,
    /// Hex, 1216 bytes.
    pub device_public: String,
    /// Hex, 64 bytes: X-Wing's encapsulation randomness `eseed`.
    pub eseed: String,
    /// Hex: the HPKE info.
    pub info: String,
    /// Hex, 1120 bytes.
    pub enc: String,
    /// Hex, 48 bytes.
    pub wrapped_root: String,
}

/// Keys of one account (SPEC.md 5.1, 5.6, 5.7): identity, fingerprint, album keys of
/// epochs of several generations.
#[derive(Debug, Serialize, Deserialize)]
pub struct DerivationVector {
    /// Case name.
    pub name: String,
    /// Hex, 32 bytes each: the root of generation 0, 1, ...
    pub roots: Vec<String>,
    /// Hex, 32 bytes: the (random) identity seed.
    pub identity_secret: String,
    /// Hex, 1248 bytes: the Ed25519 public key, then the X-Wing public key.
    pub identity_public: String,
    /// Hex, 32 bytes: the identity digest.
    pub identity_digest: String,
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
    /// The epoch (below 2^53); its generation is `epoch >> 32`.
    pub epoch: u64,
    /// Hex, 32 bytes.
    pub album_key: String,
}

/// An album grant (SPEC.md 5.7).
#[derive(Debug, Serialize, Deserialize)]
pub struct GrantVector {
    /// Case name.
    pub name: String,
    /// Hex, 32 bytes: the sender's identity seed.
    pub sender_identity_secret: String,
    /// Hex, 1248 bytes: the sender's identity public key (Ed25519 || X-Wing), the key a
    /// binding passes to `accept_grant`.
    pub sender_identity_public: String,
    /// Hex, 32 bytes: the recipient's identity seed: the identity of `recipient_bundle`.
    pub recipient_identity_secret: String,
    /// The account of `bundle-v1.json` whose identity the grant is addressed to.
    pub recipient_bundle: RecipientBundle,
    /// Hex, 16 bytes.
    pub album_id: String,
    /// The epoch.
    pub epoch: u64,
    /// Hex, 32 bytes: the album key the grant carries.
    pub album_key: String,
    /// Hex, 64 bytes: X-Wing's encapsulation randomness `eseed`.
    pub eseed: String,
    /// Hex, 32 bytes: the album history entry hash the grant names (SPEC.md 5.12).
    pub history: String,
    /// Hex, 1354 bytes.
    pub grant: String,
}

/// Where the recipient of a grant vector (`grant-v1.json`, `selection-v1.json`) is found:
/// a step of a `bundle-v1.json` vector, which that vector's passphrase unlocks to the
/// identity the grants are addressed to. The bindings never import an identity secret, so
/// this is how they accept a vector's grant (`bindings/tests/SCENARIO.md` section 8).
#[derive(Debug, Serialize, Deserialize)]
pub struct RecipientBundle {
    /// The `name` of the `bundle-v1.json` vector.
    pub vector: String,
    /// The index of the step in its `steps` whose `bundle` to unlock.
    pub step: usize,
}

impl RecipientBundle {
    /// Unlocks the named bundle with its vector's passphrase, as a binding does; also
    /// returns the vector's `identity_secret` (hex).
    ///
    /// # Panics
    /// If `bundle-v1.json` has no such vector or step, or the bundle does not unlock.
    #[allow(clippy::unwrap_used, clippy::expect_used)]
    pub fn unlock(&self) -> (Keyring, String) {
        let file = crate::load::<BundleVector>("bundle-v1.json");
        let v = file
            .vectors
            .iter()
            .find(|v| v.name == self.vector)
            .expect("recipient_bundle names a bundle-v1.json vector");
        let bundle = AccountBundle::parse(v.steps[self.step].bundle.as_bytes()).unwrap();
        let keyring = account::unlock_with_passphrase(&bundle, &v.passphrase).unwrap();
        (keyring, v.identity_secret.clone())
    }
}

/// One bundle-writing operation of a [`BundleVector`], with the randomness it drew.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BundleStep {
    /// `create`, `enroll`, `rotate` or `revoke-and-rotate`.
    pub op: String,
    /// Hex: the device public key, for `enroll` and `revoke-and-rotate`.
    #[serde(default)]
    pub device: String,
    /// Hex: every random byte the operation drew, in the order of SPEC.md 7.
    pub randomness: String,
    /// The canonical bundle after the operation, as a JSON string.
    pub bundle: String,
}

/// An account's bundles from creation through enrolments and rotations (SPEC.md 5.5, 5.9),
/// and the secrets that unlock them.
#[derive(Debug, Serialize, Deserialize)]
pub struct BundleVector {
    /// Case name.
    pub name: String,
    /// The passphrase (Argon2id at the floor parameters).
    pub passphrase: String,
    /// The recovery words.
    pub recovery_words: String,
    /// Hex, 32 bytes each: the secrets of every device the steps enroll.
    pub device_secrets: Vec<String>,
    /// Hex, 32 bytes: the identity secret.
    pub identity_secret: String,
    /// Hex, 32 bytes each: the root of generation 0, 1, ... (the last is current).
    pub roots: Vec<String>,
    /// The operations, first `create`.
    pub steps: Vec<BundleStep>,
}

/// Replays a bundle vector's steps with the recorded randomness: the bundle after each
/// step and the keyring after the last.
///
/// # Panics
/// On any step that fails (a generator or test helper).
#[allow(clippy::unwrap_used, clippy::panic)]
pub fn replay(passphrase: &str, steps: &[BundleStep]) -> (Vec<AccountBundle>, Keyring) {
    let mut bundles = Vec::new();
    let mut keyring: Option<Keyring> = None;
    for step in steps {
        let random = hex::decode(&step.randomness).unwrap();
        let device = || {
            keepsake::hpke::xwing::XWingPublicKey::from_slice(&hex::decode(&step.device).unwrap())
                .unwrap()
        };
        let (bundle, next) = match (step.op.as_str(), keyring.as_ref(), bundles.last()) {
            ("create", None, None) => {
                let new =
                    hazmat::create_account_with(passphrase, &KdfParams::FLOOR, &random).unwrap();
                (new.bundle, Some(new.keyring))
            }
            ("enroll", Some(k), Some(b)) => (
                hazmat::enroll_device_with(k, b, &device(), &random)
                    .unwrap()
                    .0,
                None,
            ),
            ("rotate", Some(k), Some(b)) => {
                let (b, k) = hazmat::rotate_with(k, b, None, &random).unwrap();
                (b, Some(k))
            }
            ("revoke-and-rotate", Some(k), Some(b)) => {
                let (b, k) = hazmat::rotate_with(k, b, Some(&device()), &random).unwrap();
                (b, Some(k))
            }
            (op, ..) => panic!("step {op} out of place"),
        };
        bundles.push(bundle);
        if next.is_some() {
            keyring = next;
        }
    }
    (bundles, keyring.unwrap())
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
    /// Hex, 40 bytes: the account pin (identity digest || be64(generation)), for `device`.
    #[serde(default)]
    pub pin: String,
    /// The error name.
    pub error: String,
}

/// Runs a failure case through the public API; returns the error name.
///
/// # Panics
/// On a case whose own fields are malformed.
#[allow(clippy::unwrap_used, clippy::panic)]
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
            let pin = AccountPin::from_slice(&hex::decode(&c.pin).unwrap()).unwrap();
            account::unlock_with_device(&bundle, &device, &pin).map(|_| ())
        }
        other => panic!("unknown unlock {other}"),
    };
    match result {
        Ok(()) => "unlocked".into(),
        Err(e) => error_name(&e).into(),
    }
}

/// One account of an [`EpochMoveVector`]: unlocked with its passphrase (floor parameters).
#[derive(Debug, Serialize, Deserialize)]
pub struct VectorAccount {
    /// Who it is (`owner`, `stays`, `removed`).
    pub name: String,
    /// The passphrase.
    pub passphrase: String,
    /// The canonical bundle, as a JSON string.
    pub bundle: String,
}

/// One grant of an [`EpochMoveVector`].
#[derive(Debug, Serialize, Deserialize)]
pub struct VectorGrant {
    /// The recipient's `name`.
    pub to: String,
    /// The epoch it grants.
    pub epoch: u64,
    /// Hex, 64 bytes: X-Wing's encapsulation randomness `eseed`.
    pub eseed: String,
    /// Hex, 32 bytes: the album history entry hash the grant names (SPEC.md 5.12).
    pub history: String,
    /// Hex, 1354 bytes.
    pub grant: String,
}

/// One item of an [`EpochMoveVector`]: a media key wrapped under the album key of `epoch`,
/// and the original sealed with it.
#[derive(Debug, Serialize, Deserialize)]
pub struct VectorItem {
    /// The epoch it was sealed under.
    pub epoch: u64,
    /// Hex, 16 bytes.
    pub media_id: String,
    /// Hex, 105 bytes: the media key wrapped under the album key (SPEC.md 4.3).
    pub wrapped_media_key: String,
    /// Hex: the original, sealed (SPEC.md 3).
    pub sealed: String,
    /// Hex.
    pub plaintext: String,
}

/// A member removed from a shared album (SPEC.md 5.6): the owner's account at generation 1,
/// the album at an epoch of generation 0 granted to two members, then moved past the
/// removed member to the new epoch, granted to the remaining member only.
#[derive(Debug, Serialize, Deserialize)]
pub struct EpochMoveVector {
    /// Case name.
    pub name: String,
    /// The owner, then the members.
    pub accounts: Vec<VectorAccount>,
    /// Hex, 16 bytes.
    pub album_id: String,
    /// The album's epoch before the removal.
    pub epoch_before: u64,
    /// The epoch after: `max(epoch_before, generation << 32) + 1`.
    pub epoch_after: u64,
    /// Hex, 32 bytes: the owner's album key at `epoch_after`.
    pub album_key_after: String,
    /// Grants of `epoch_before` to both members, then of `epoch_after` to the one who stays.
    pub grants: Vec<VectorGrant>,
    /// An item sealed before the removal and one after.
    pub items: Vec<VectorItem>,
}
