//! The account bundle: the public, server-stored record holding the root key in slots
//! (SPEC.md, section 5.5).
//!
//! The bundle is canonical JSON (compact, fields in a fixed order, hex strings, no unknown
//! fields): parsing re-serializes and refuses anything that is not byte-identical, so one
//! bundle has one encoding and the MAC covers exactly what was parsed.
//!
//! ```text
//! {"body":{"version":1,"identity":HEX32,
//!          "passphrase":{"kdf":{"memory_kib":M,"iterations":T,"parallelism":P},"salt":HEX16,"wrapped_root":HEX105},
//!          "recovery":{"salt":HEX16,"wrapped_root":HEX105},
//!          "devices":[{"public_key":HEX32,"enc":HEX32,"wrapped_root":HEX48},...]},
//!  "mac":HEX32}
//! ```

use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::envelope::WRAPPED_KEY_LEN;
use crate::hpke::HpkePublicKey;
use crate::kdf::KdfParams;
use crate::primitives::{KEY_LEN, TAG_LEN, hkdf_sha256};
use crate::{Error, Result};

/// The bundle format version this build writes and reads.
pub const BUNDLE_VERSION: u8 = 1;
/// Largest bundle accepted (64 KiB): refused before it is parsed.
pub const MAX_BUNDLE_LEN: usize = 64 * 1024;
/// Most device slots a bundle may hold.
pub const MAX_DEVICES: usize = 64;
/// Length of a passphrase or recovery slot salt.
pub const SLOT_SALT_LEN: usize = crate::kdf::SALT_LEN;
/// Length of an HPKE-wrapped root key: the 32-byte key and a 16-byte tag.
pub const DEVICE_WRAPPED_LEN: usize = KEY_LEN + TAG_LEN;
/// HKDF info label of the bundle MAC key.
pub const LABEL_BUNDLE_MAC: &[u8] = b"keepsake/v1/bundle-mac";

type HmacSha256 = hmac::Hmac<Sha256>;

/// The passphrase slot: Argon2id parameters and salt, and the root wrapped under the
/// derived key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PassphraseSlot {
    pub(crate) params: KdfParams,
    pub(crate) salt: [u8; SLOT_SALT_LEN],
    pub(crate) wrapped_root: Vec<u8>,
}

/// The recovery slot: a salt and the root wrapped under the recovery key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RecoverySlot {
    pub(crate) salt: [u8; SLOT_SALT_LEN],
    pub(crate) wrapped_root: Vec<u8>,
}

/// One enrolled device: its public key and the root sealed to it with HPKE Base.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DeviceSlot {
    pub(crate) public_key: HpkePublicKey,
    pub(crate) enc: [u8; 32],
    pub(crate) wrapped_root: [u8; DEVICE_WRAPPED_LEN],
}

/// A parsed, well-formed account bundle. Nothing in it is secret; it is authenticated
/// only once a slot has been opened (every unlock checks the MAC).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountBundle {
    pub(crate) identity: HpkePublicKey,
    pub(crate) passphrase: PassphraseSlot,
    pub(crate) recovery: RecoverySlot,
    /// Sorted by public key, no duplicates.
    pub(crate) devices: Vec<DeviceSlot>,
    pub(crate) mac: [u8; 32],
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireKdf {
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WirePassphrase {
    kdf: WireKdf,
    salt: String,
    wrapped_root: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireRecovery {
    salt: String,
    wrapped_root: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireDevice {
    public_key: String,
    enc: String,
    wrapped_root: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireBody {
    version: u8,
    identity: String,
    passphrase: WirePassphrase,
    recovery: WireRecovery,
    devices: Vec<WireDevice>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireBundle {
    body: WireBody,
    mac: String,
}

fn malformed(reason: &'static str) -> Error {
    Error::MalformedBundle { reason }
}

fn unhex<const N: usize>(value: &str, reason: &'static str) -> Result<[u8; N]> {
    let mut out = [0u8; N];
    hex::decode_to_slice(value, &mut out).map_err(|_| malformed(reason))?;
    Ok(out)
}

/// `body.version` as SPEC.md 5.5 reads it: a non-negative integer (`Some`), or one beyond
/// 64 bits (`None`: a version this build cannot implement); anything else (negative,
/// fractional or exponent form such as `1.0`, not a number) is malformed.
fn version_number(version: &serde_json::Value) -> Result<Option<u64>> {
    let not_integer = || malformed("version is not a non-negative integer");
    let number = version.as_number().ok_or_else(not_integer)?;
    if let Some(v) = number.as_u64() {
        return Ok(Some(v));
    }
    // serde_json keeps integers past u64 as f64: integral and at least 2^64.
    match number.as_f64() {
        Some(f)
            if number.as_i64().is_none()
                && f.fract() == 0.0
                && f >= 18_446_744_073_709_551_616.0 =>
        {
            Ok(None)
        }
        _ => Err(not_integer()),
    }
}

impl AccountBundle {
    /// Parses a bundle received from storage or a server.
    ///
    /// # Errors
    /// [`Error::TooLarge`] above [`MAX_BUNDLE_LEN`] (before parsing);
    /// [`Error::UnsupportedVersion`]; [`Error::MalformedBundle`] naming the broken rule
    /// (syntax, unknown or missing field, field length, non-canonical encoding, device
    /// slots duplicated or out of order, too many devices); [`Error::KdfParamsTooWeak`] /
    /// [`Error::KdfParamsTooCostly`] for the passphrase slot's parameters.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_BUNDLE_LEN {
            return Err(Error::TooLarge {
                what: "account bundle",
                len: bytes.len() as u64,
                max: MAX_BUNDLE_LEN as u64,
            });
        }
        // The version first, so that a future format gets its own error.
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|_| malformed("not JSON"))?;
        let version = value
            .get("body")
            .and_then(|body| body.get("version"))
            .ok_or_else(|| malformed("missing version"))?;
        match version_number(version)? {
            Some(v) if v == u64::from(BUNDLE_VERSION) => {}
            // Another version, or an integer beyond 64 bits (only a future format).
            other => {
                return Err(Error::UnsupportedVersion(
                    other.and_then(|v| u8::try_from(v).ok()).unwrap_or(u8::MAX),
                ));
            }
        }
        let wire: WireBundle = serde_json::from_value(value)
            .map_err(|_| malformed("fields do not match the bundle schema"))?;
        let bundle = Self::from_wire(wire)?;
        if bundle.to_bytes() != bytes {
            return Err(malformed("not in canonical form"));
        }
        Ok(bundle)
    }

    /// Every length and encoding check of the wire bundle, then the KDF parameters: a
    /// malformed field is reported before out-of-range parameters (SPEC.md 5.5).
    fn from_wire(wire: WireBundle) -> Result<Self> {
        let body = wire.body;
        if body.devices.len() > MAX_DEVICES {
            return Err(malformed("too many device slots"));
        }
        let passphrase_wrapped: [u8; WRAPPED_KEY_LEN] =
            unhex(&body.passphrase.wrapped_root, "passphrase.wrapped_root")?;
        let recovery_wrapped: [u8; WRAPPED_KEY_LEN] =
            unhex(&body.recovery.wrapped_root, "recovery.wrapped_root")?;
        let mut devices = Vec::with_capacity(body.devices.len());
        for device in &body.devices {
            devices.push(DeviceSlot {
                public_key: HpkePublicKey::from_bytes(unhex(
                    &device.public_key,
                    "devices.public_key",
                )?),
                enc: unhex(&device.enc, "devices.enc")?,
                wrapped_root: unhex(&device.wrapped_root, "devices.wrapped_root")?,
            });
        }
        if devices
            .windows(2)
            .any(|w| w[0].public_key.as_bytes() >= w[1].public_key.as_bytes())
        {
            return Err(malformed("device slots duplicated or not in order"));
        }
        let identity = HpkePublicKey::from_bytes(unhex(&body.identity, "identity")?);
        let passphrase_salt = unhex(&body.passphrase.salt, "passphrase.salt")?;
        let recovery_salt = unhex(&body.recovery.salt, "recovery.salt")?;
        let mac = unhex(&wire.mac, "mac")?;
        let params = KdfParams::new(
            body.passphrase.kdf.memory_kib,
            body.passphrase.kdf.iterations,
            body.passphrase.kdf.parallelism,
        )?;
        Ok(Self {
            identity,
            passphrase: PassphraseSlot {
                params,
                salt: passphrase_salt,
                wrapped_root: passphrase_wrapped.to_vec(),
            },
            recovery: RecoverySlot {
                salt: recovery_salt,
                wrapped_root: recovery_wrapped.to_vec(),
            },
            devices,
            mac,
        })
    }

    fn wire_body(&self) -> WireBody {
        WireBody {
            version: BUNDLE_VERSION,
            identity: hex::encode(self.identity.as_bytes()),
            passphrase: WirePassphrase {
                kdf: WireKdf {
                    memory_kib: self.passphrase.params.memory_kib(),
                    iterations: self.passphrase.params.iterations(),
                    parallelism: self.passphrase.params.parallelism(),
                },
                salt: hex::encode(self.passphrase.salt),
                wrapped_root: hex::encode(&self.passphrase.wrapped_root),
            },
            recovery: WireRecovery {
                salt: hex::encode(self.recovery.salt),
                wrapped_root: hex::encode(&self.recovery.wrapped_root),
            },
            devices: self
                .devices
                .iter()
                .map(|d| WireDevice {
                    public_key: hex::encode(d.public_key.as_bytes()),
                    enc: hex::encode(d.enc),
                    wrapped_root: hex::encode(d.wrapped_root),
                })
                .collect(),
        }
    }

    /// The canonical encoding, as stored and sent.
    pub fn to_bytes(&self) -> Vec<u8> {
        let wire = WireBundle {
            body: self.wire_body(),
            mac: hex::encode(self.mac),
        };
        serde_json::to_vec(&wire).expect("plain structs of strings and numbers serialize")
    }

    /// The bytes the MAC covers: the canonical encoding of the body.
    fn mac_input(&self) -> Vec<u8> {
        serde_json::to_vec(&self.wire_body()).expect("plain structs serialize")
    }

    /// `HMAC-SHA256(HKDF(root, "", LABEL_BUNDLE_MAC), body)`.
    fn compute_mac(&self, root: &[u8; KEY_LEN]) -> [u8; 32] {
        let key = hkdf_sha256::<32>(b"", root, &[LABEL_BUNDLE_MAC]);
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key.as_ref())
            .expect("HMAC takes any key length");
        mac.update(&self.mac_input());
        mac.finalize().into_bytes().into()
    }

    /// Recomputes the MAC under `root` (after any change to the slots).
    pub(crate) fn seal_mac(&mut self, root: &[u8; KEY_LEN]) {
        self.mac = self.compute_mac(root);
    }

    /// Checks the MAC under `root` in constant time.
    pub(crate) fn verify_mac(&self, root: &[u8; KEY_LEN]) -> Result<()> {
        let key = hkdf_sha256::<32>(b"", root, &[LABEL_BUNDLE_MAC]);
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key.as_ref())
            .expect("HMAC takes any key length");
        mac.update(&self.mac_input());
        mac.verify_slice(&self.mac)
            .map_err(|_| Error::BundleTampered)
    }

    /// The identity public key the bundle names (authenticated once unlocked).
    pub fn identity(&self) -> HpkePublicKey {
        self.identity
    }

    /// The public keys of the enrolled devices, in slot order.
    pub fn devices(&self) -> Vec<HpkePublicKey> {
        self.devices.iter().map(|d| d.public_key).collect()
    }

    /// The passphrase slot's Argon2id parameters.
    pub fn kdf_params(&self) -> KdfParams {
        self.passphrase.params
    }
}
