//! The account bundle: the public, server-stored record holding the root key in slots
//! (SPEC.md, section 5.5).
//!
//! The bundle is canonical JSON (compact, fields in a fixed order, hex strings, no unknown
//! fields): parsing re-serializes and refuses anything that is not byte-identical, so one
//! bundle has one encoding and the MAC covers exactly what was parsed.
//!
//! ```text
//! {"body":{"version":1,"generation":G,"identity":HEX1248,"identity_secret":HEX105,
//!          "passphrase":{"suite":2,"kdf":{"memory_kib":M,"iterations":T,"parallelism":P},"salt":HEX16,SLOT},
//!          "recovery":{"suite":2,"salt":HEX16,SLOT},
//!          "devices":[{"suite":2,SLOT},...],
//!          "history":[{"generation":0,"wrapped_root":HEX105},...]},
//!  "mac":HEX32}
//! SLOT = "public_key":HEX1216,"enc":HEX1120,"wrapped_root":HEX48
//! ```

use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::envelope::WRAPPED_KEY_LEN;
use crate::hpke::xwing::{self, XWingPublicKey};
use crate::identity::{IDENTITY_PUBLIC_LEN, IdentityPublicKey};
use crate::kdf::KdfParams;
use crate::primitives::{KEY_LEN, TAG_LEN, hkdf_sha256};
use crate::{Error, Result};

/// The bundle format version this build writes and reads.
pub const BUNDLE_VERSION: u8 = 1;
/// Largest bundle accepted (768 KiB): refused before it is parsed. A bundle at every cap
/// (64 devices, [`MAX_GENERATIONS`] history entries) is about 556 KiB (SPEC.md 5.5).
pub const MAX_BUNDLE_LEN: usize = 768 * 1024;
/// Most device slots a bundle may hold.
pub const MAX_DEVICES: usize = 64;
/// Most root generations an account may reach (the history holds one entry per earlier
/// generation, so a bundle holds at most `MAX_GENERATIONS - 1` of them).
pub const MAX_GENERATIONS: u64 = 1000;
/// Length of a passphrase or recovery slot salt.
pub const SLOT_SALT_LEN: usize = crate::kdf::SALT_LEN;
/// Length of an HPKE-wrapped root key: the 32-byte key and a 16-byte tag.
pub const SLOT_WRAPPED_LEN: usize = KEY_LEN + TAG_LEN;
/// HKDF info label of the bundle MAC key.
pub const LABEL_BUNDLE_MAC: &[u8] = b"keepsake/v1/bundle-mac";

/// The key-encapsulation suite every slot and grant of this version names (SPEC.md 5.1):
/// RFC 9180 HPKE Base mode with X-Wing (ML-KEM-768 + X25519, `kem_id` 0x647a), HKDF-SHA256
/// and ChaCha20-Poly1305. (Suite 1, X25519 alone, was never shipped and is not accepted.)
pub const SUITE_XWING: u8 = 2;

type HmacSha256 = hmac::Hmac<Sha256>;

/// The KEM part every slot shares: the slot's public key and the root encapsulated to it
/// (HPKE Base, SPEC.md 5.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) public_key: XWingPublicKey,
    pub(crate) enc: Box<[u8; xwing::ENC_LEN]>,
    pub(crate) wrapped_root: [u8; SLOT_WRAPPED_LEN],
}

/// The passphrase slot: Argon2id parameters and salt, which derive the slot's key pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PassphraseSlot {
    pub(crate) params: KdfParams,
    pub(crate) salt: [u8; SLOT_SALT_LEN],
    pub(crate) slot: Slot,
}

/// The recovery slot: the salt that, with the recovery secret, derives the slot's key pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RecoverySlot {
    pub(crate) salt: [u8; SLOT_SALT_LEN],
    pub(crate) slot: Slot,
}

/// A parsed, well-formed account bundle. Nothing in it is secret; it is authenticated
/// only once a slot has been opened (every unlock checks the MAC).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountBundle {
    pub(crate) generation: u64,
    pub(crate) identity: IdentityPublicKey,
    pub(crate) identity_secret: [u8; WRAPPED_KEY_LEN],
    pub(crate) passphrase: PassphraseSlot,
    pub(crate) recovery: RecoverySlot,
    /// Sorted by public key, no duplicates.
    pub(crate) devices: Vec<Slot>,
    /// Entry `i` is the root of generation `i` wrapped under the current root.
    pub(crate) history: Vec<[u8; WRAPPED_KEY_LEN]>,
    pub(crate) mac: [u8; 32],
    /// The body's bytes as parsed, which the MAC covers (see [`BodyBytes`]).
    pub(crate) body_bytes: BodyBytes,
}

/// The canonical encoding a bundle was parsed from (the one `parse` builds to compare with
/// its input, kept rather than copied again), so that checking the MAC over its body does
/// not encode the body a second time (for 64 X-Wing devices about 320 KB).
///
/// `parse` accepts only the canonical encoding, so these bytes are a function of the
/// parsed fields: two bundles with equal fields have equal body bytes, and `PartialEq`
/// ignores them. A clone is made to be changed (every change starts from `clone()` and
/// ends in [`AccountBundle::seal_mac`]), so it does not carry them: a changed bundle
/// re-encodes its body. Only `parse` sets them.
#[derive(Default)]
pub(crate) struct BodyBytes(Option<Vec<u8>>);

impl BodyBytes {
    /// The body's bytes within the kept encoding, if the bundle was parsed.
    fn body(&self) -> Option<&[u8]> {
        let encoded = self.0.as_deref()?;
        Some(&encoded[BODY_PREFIX.len()..encoded.len() - BODY_SUFFIX_LEN])
    }
}

impl Clone for BodyBytes {
    fn clone(&self) -> Self {
        Self(None)
    }
}

impl PartialEq for BodyBytes {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for BodyBytes {}

impl core::fmt::Debug for BodyBytes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match &self.0 {
            Some(bytes) => write!(f, "BodyBytes({} bytes as parsed)", bytes.len()),
            None => f.write_str("BodyBytes(not parsed)"),
        }
    }
}

/// What comes before the body in the canonical encoding.
const BODY_PREFIX: &[u8] = b"{\"body\":";
/// What comes after it: `,"mac":"` + 64 hex digits + `"}`.
const BODY_SUFFIX_LEN: usize = 8 + 64 + 2;

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
    suite: u8,
    kdf: WireKdf,
    salt: String,
    public_key: String,
    enc: String,
    wrapped_root: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireRecovery {
    suite: u8,
    salt: String,
    public_key: String,
    enc: String,
    wrapped_root: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireDevice {
    suite: u8,
    public_key: String,
    enc: String,
    wrapped_root: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireHistory {
    generation: u64,
    wrapped_root: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireBody {
    version: u8,
    generation: u64,
    identity: String,
    identity_secret: String,
    passphrase: WirePassphrase,
    recovery: WireRecovery,
    devices: Vec<WireDevice>,
    history: Vec<WireHistory>,
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
    // The length first: `const_hex` would also take a `0x` prefix, which is not hex here.
    if value.len() != 2 * N {
        return Err(malformed(reason));
    }
    const_hex::decode_to_slice(value, &mut out).map_err(|_| malformed(reason))?;
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

/// The suite check of one slot: only suite 2 exists in this build.
fn suite(value: u8) -> Result<()> {
    if value == SUITE_XWING {
        Ok(())
    } else {
        Err(Error::UnsupportedSuite(value))
    }
}

/// A slot's raw fields, lengths checked. Its public key is checked when something is
/// encapsulated to it (SPEC.md 5.1), not here: the bundle is authenticated by its MAC
/// before any key of it is used.
struct RawSlot {
    public_key: Box<[u8; xwing::PUBLIC_KEY_LEN]>,
    enc: Box<[u8; xwing::ENC_LEN]>,
    wrapped_root: [u8; SLOT_WRAPPED_LEN],
}

fn slot(
    public_key: &str,
    enc: &str,
    wrapped_root: &str,
    what: [&'static str; 3],
) -> Result<RawSlot> {
    Ok(RawSlot {
        public_key: Box::new(unhex(public_key, what[0])?),
        enc: Box::new(unhex(enc, what[1])?),
        wrapped_root: unhex(wrapped_root, what[2])?,
    })
}

impl RawSlot {
    fn into_slot(self) -> Slot {
        Slot {
            public_key: XWingPublicKey::unchecked(self.public_key),
            enc: self.enc,
            wrapped_root: self.wrapped_root,
        }
    }
}

fn wire_slot(slot: &Slot) -> [String; 3] {
    [
        const_hex::encode(slot.public_key.as_bytes()),
        const_hex::encode(&slot.enc[..]),
        const_hex::encode(slot.wrapped_root),
    ]
}

impl AccountBundle {
    /// Parses a bundle received from storage or a server.
    ///
    /// # Errors
    /// [`Error::TooLarge`] above [`MAX_BUNDLE_LEN`] (before parsing);
    /// [`Error::UnsupportedVersion`]; [`Error::UnsupportedSuite`] for a slot of a suite this
    /// build does not implement; [`Error::MalformedBundle`] naming the broken rule (syntax,
    /// unknown or missing field, field length, non-canonical encoding, device slots
    /// duplicated or out of order, too many devices, a history that does not hold exactly
    /// generations `0..generation` in order); [`Error::KdfParamsTooWeak`] /
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
        let mut bundle = Self::from_wire(wire)?;
        let encoded = bundle.to_bytes();
        if encoded != bytes {
            return Err(malformed("not in canonical form"));
        }
        debug_assert!(encoded.starts_with(BODY_PREFIX));
        bundle.body_bytes = BodyBytes(Some(encoded));
        Ok(bundle)
    }

    /// Suites, then every length, encoding and ordering check, then the KDF parameters: a
    /// malformed field is reported before out-of-range parameters (SPEC.md 5.5).
    fn from_wire(wire: WireBundle) -> Result<Self> {
        let body = wire.body;
        suite(body.passphrase.suite)?;
        suite(body.recovery.suite)?;
        body.devices.iter().try_for_each(|d| suite(d.suite))?;
        if body.devices.len() > MAX_DEVICES {
            return Err(malformed("too many device slots"));
        }
        if body.generation >= MAX_GENERATIONS {
            return Err(malformed("generation past the cap"));
        }
        if body.history.len() as u64 != body.generation
            || body
                .history
                .iter()
                .enumerate()
                .any(|(i, h)| h.generation != i as u64)
        {
            return Err(malformed(
                "history does not hold generations 0..generation in order",
            ));
        }
        let history = body
            .history
            .iter()
            .map(|h| unhex(&h.wrapped_root, "history.wrapped_root"))
            .collect::<Result<Vec<_>>>()?;
        let p = &body.passphrase;
        let passphrase_slot = slot(
            &p.public_key,
            &p.enc,
            &p.wrapped_root,
            [
                "passphrase.public_key",
                "passphrase.enc",
                "passphrase.wrapped_root",
            ],
        )?;
        let r = &body.recovery;
        let recovery_slot = slot(
            &r.public_key,
            &r.enc,
            &r.wrapped_root,
            [
                "recovery.public_key",
                "recovery.enc",
                "recovery.wrapped_root",
            ],
        )?;
        let devices = body
            .devices
            .iter()
            .map(|d| {
                slot(
                    &d.public_key,
                    &d.enc,
                    &d.wrapped_root,
                    ["devices.public_key", "devices.enc", "devices.wrapped_root"],
                )
            })
            .collect::<Result<Vec<_>>>()?;
        if devices
            .windows(2)
            .any(|w| w[0].public_key[..] >= w[1].public_key[..])
        {
            return Err(malformed("device slots duplicated or not in order"));
        }
        let identity: Box<[u8; IDENTITY_PUBLIC_LEN]> = Box::new(unhex(&body.identity, "identity")?);
        let identity_secret = unhex(&body.identity_secret, "identity_secret")?;
        let passphrase_salt = unhex(&p.salt, "passphrase.salt")?;
        let recovery_salt = unhex(&r.salt, "recovery.salt")?;
        let mac = unhex(&wire.mac, "mac")?;
        // Every field is well formed; the public keys are checked when used (SPEC.md 5.1).
        let identity = IdentityPublicKey::unchecked(&identity);
        let passphrase_slot = passphrase_slot.into_slot();
        let recovery_slot = recovery_slot.into_slot();
        let devices = devices.into_iter().map(RawSlot::into_slot).collect();
        let params = KdfParams::new(p.kdf.memory_kib, p.kdf.iterations, p.kdf.parallelism)?;
        Ok(Self {
            generation: body.generation,
            identity,
            identity_secret,
            passphrase: PassphraseSlot {
                params,
                salt: passphrase_salt,
                slot: passphrase_slot,
            },
            recovery: RecoverySlot {
                salt: recovery_salt,
                slot: recovery_slot,
            },
            devices,
            history,
            mac,
            body_bytes: BodyBytes::default(),
        })
    }

    fn wire_body(&self) -> WireBody {
        let [p_public, p_enc, p_wrapped] = wire_slot(&self.passphrase.slot);
        let [r_public, r_enc, r_wrapped] = wire_slot(&self.recovery.slot);
        WireBody {
            version: BUNDLE_VERSION,
            generation: self.generation,
            identity: const_hex::encode(self.identity.to_bytes()),
            identity_secret: const_hex::encode(self.identity_secret),
            passphrase: WirePassphrase {
                suite: SUITE_XWING,
                kdf: WireKdf {
                    memory_kib: self.passphrase.params.memory_kib(),
                    iterations: self.passphrase.params.iterations(),
                    parallelism: self.passphrase.params.parallelism(),
                },
                salt: const_hex::encode(self.passphrase.salt),
                public_key: p_public,
                enc: p_enc,
                wrapped_root: p_wrapped,
            },
            recovery: WireRecovery {
                suite: SUITE_XWING,
                salt: const_hex::encode(self.recovery.salt),
                public_key: r_public,
                enc: r_enc,
                wrapped_root: r_wrapped,
            },
            devices: self
                .devices
                .iter()
                .map(|d| {
                    let [public_key, enc, wrapped_root] = wire_slot(d);
                    WireDevice {
                        suite: SUITE_XWING,
                        public_key,
                        enc,
                        wrapped_root,
                    }
                })
                .collect(),
            history: self
                .history
                .iter()
                .enumerate()
                .map(|(i, wrapped)| WireHistory {
                    generation: i as u64,
                    wrapped_root: const_hex::encode(wrapped),
                })
                .collect(),
        }
    }

    /// The canonical encoding, as stored and sent.
    pub fn to_bytes(&self) -> Vec<u8> {
        let wire = WireBundle {
            body: self.wire_body(),
            mac: const_hex::encode(self.mac),
        };
        serde_json::to_vec(&wire).expect("plain structs of strings and numbers serialize")
    }

    /// The bytes the MAC covers: the canonical encoding of the body (as parsed, when the
    /// bundle was parsed and not changed since).
    fn mac_input(&self) -> std::borrow::Cow<'_, [u8]> {
        match self.body_bytes.body() {
            Some(bytes) => std::borrow::Cow::Borrowed(bytes),
            None => std::borrow::Cow::Owned(
                serde_json::to_vec(&self.wire_body()).expect("plain structs serialize"),
            ),
        }
    }

    fn mac_state(root: &[u8; KEY_LEN]) -> HmacSha256 {
        let key = hkdf_sha256::<32>(b"", root, &[LABEL_BUNDLE_MAC]);
        <HmacSha256 as KeyInit>::new_from_slice(key.as_ref()).expect("HMAC takes any key length")
    }

    /// Recomputes the MAC under `root` (after any change to the body).
    pub(crate) fn seal_mac(&mut self, root: &[u8; KEY_LEN]) {
        self.body_bytes = BodyBytes::default();
        let mut mac = Self::mac_state(root);
        mac.update(&self.mac_input());
        self.mac = mac.finalize().into_bytes().into();
    }

    /// Checks the MAC under `root` in constant time.
    pub(crate) fn verify_mac(&self, root: &[u8; KEY_LEN]) -> Result<()> {
        let mut mac = Self::mac_state(root);
        mac.update(&self.mac_input());
        mac.verify_slice(&self.mac)
            .map_err(|_| Error::BundleTampered)
    }

    /// The identity public key the bundle names (authenticated once unlocked).
    pub fn identity(&self) -> IdentityPublicKey {
        self.identity.clone()
    }

    /// The account generation: how many times the root has been rotated (authenticated once
    /// unlocked).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The public keys of the enrolled devices, in slot order.
    pub fn devices(&self) -> Vec<XWingPublicKey> {
        self.devices.iter().map(|d| d.public_key.clone()).collect()
    }

    /// The passphrase slot's Argon2id parameters.
    pub fn kdf_params(&self) -> KdfParams {
        self.passphrase.params
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::create_account;

    /// The MAC of a parsed bundle is checked over the bytes as parsed; a clone changed
    /// after parsing is checked over its new encoding, never over the parsed bytes.
    #[test]
    fn parsed_body_bytes_serve_the_mac_only_until_a_change() {
        let new = create_account("p", &KdfParams::FLOOR).unwrap();
        let root = *new.keyring.root();
        let bytes = new.bundle.to_bytes();
        assert!(new.bundle.body_bytes.0.is_none());
        let parsed = AccountBundle::parse(&bytes).unwrap();
        let body = parsed.body_bytes.body().expect("parse keeps the body");
        assert_eq!(body, &serde_json::to_vec(&parsed.wire_body()).unwrap()[..]);
        assert_eq!(parsed, new.bundle);
        parsed.verify_mac(&root).unwrap();

        let mut changed = parsed.clone();
        assert!(changed.body_bytes.0.is_none());
        changed.generation += 1;
        assert!(matches!(
            changed.verify_mac(&root),
            Err(Error::BundleTampered)
        ));
        changed.seal_mac(&root);
        changed.verify_mac(&root).unwrap();
        assert!(matches!(
            parsed.verify_mac(&[7; KEY_LEN]),
            Err(Error::BundleTampered)
        ));
    }
}
