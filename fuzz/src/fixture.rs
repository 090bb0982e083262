//! A fixed account, rotated twice, and three fixed sharing identities: built once per fuzz
//! process from fixed randomness (the `hazmat` entry points), so that every target that
//! needs a genuine bundle, device, pin or grant gets the same ones, and `seedgen` writes
//! seeds from exactly the bytes the targets compare against.
//!
//! The account: created at generation 0 (passphrase [`PASSPHRASE`] at the Argon2id floor),
//! devices 0..5 enrolled, then `revoke_device_and_rotate(device 0)` (generation 1) and
//! `rotate` (generation 2, two history entries, four device slots). Every bundle written on
//! the way is kept in [`Fixture::genuine`]: a MAC that verifies under one of the account's
//! roots covers exactly one of them, so an unlock that succeeds must have been given one.
//!
//! This file is also compiled into `fuzz/seedgen` (by path), which needs no libFuzzer.

use std::sync::OnceLock;

use keepsake::account::{AccountBundle, AccountPin, DeviceKey, Keyring};
use keepsake::history::{HistoryAction, verify_history};
use keepsake::hpke::xwing::{XWingPublicKey, XWingSecretKey};
use keepsake::identity::IdentityPublicKey;
use keepsake::kdf::KdfParams;
use keepsake::{AlbumId, hazmat};

/// The passphrase of the fixed account.
pub const PASSPHRASE: &str = "fuzz fixture passphrase";
/// How many devices are enrolled at generation 0 (device 0 is revoked at generation 1).
pub const DEVICES: usize = 5;
/// The generation of the newest bundle.
pub const GENERATION: u64 = 2;

/// The `info` of the fixture's X-Wing seals (`xwing_open`).
pub const XWING_INFO: &[u8] = b"keepsake fuzz xwing_open";

/// Deterministic bytes: splitmix64 seeded from a label (fixtures, not secrets).
pub fn fixed_bytes(label: &str, n: usize) -> Vec<u8> {
    let mut state = label.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let mut out = Vec::with_capacity(n + 8);
    while out.len() < n {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        out.extend_from_slice(&(z ^ (z >> 31)).to_be_bytes());
    }
    out.truncate(n);
    out
}

/// 32 deterministic bytes.
pub fn fixed_key(label: &str) -> [u8; 32] {
    fixed_bytes(label, 32).try_into().expect("32 bytes")
}

/// The fixed account and sharing identities.
pub struct Fixture {
    /// The recovery phrase's words.
    pub recovery_words: String,
    /// The account's identity public key (1248 bytes).
    pub identity: IdentityPublicKey,
    /// Its digest (what pins and grants hold).
    pub identity_digest: [u8; 32],
    /// The secrets of devices 0..DEVICES (device 0 revoked at generation 1), then one
    /// device never enrolled.
    pub device_secrets: Vec<[u8; 32]>,
    /// Every bundle written, in order (the last of each generation is `by_generation`).
    pub genuine: Vec<Vec<u8>>,
    /// The final bundle of generations 0, 1, 2.
    pub by_generation: Vec<Vec<u8>>,
    /// The roots of generations 0..=2.
    pub roots: Vec<[u8; 32]>,
    /// The keyring at generation 2.
    pub keyring: Keyring,
    /// The digest of a foreign identity (for pins of another account).
    pub foreign: [u8; 32],
    /// Sharing: the sender (generation 1 keyring), the recipient and another identity.
    pub sender: Keyring,
    /// The grant recipient.
    pub recipient: Keyring,
    /// A third identity, neither sender nor recipient of the seeded grants.
    pub other: Keyring,
    /// The identity public keys of `sender`, `recipient`, `other` (computed once).
    pub sharing_public: [IdentityPublicKey; 3],
    /// Genuine grants from `sender`: `(recipient index 0 = recipient / 1 = other, album id,
    /// epoch, grant)`.
    pub grants: Vec<(u8, AlbumId, u64, Vec<u8>)>,
    /// A fixed X-Wing secret key (`xwing_open`, `xwing_seal`).
    pub xwing: XWingSecretKey,
    /// Genuine HPKE Base seals to `xwing` with [`XWING_INFO`] and an empty aad, from fixed
    /// randomness: `(enc, ciphertext, plaintext)`.
    pub xwing_seals: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)>,
}

impl Fixture {
    /// The fixture, built on first use (one Argon2id at the floor).
    pub fn get() -> &'static Fixture {
        static FIXTURE: OnceLock<Fixture> = OnceLock::new();
        FIXTURE.get_or_init(build)
    }

    /// The pin of this account at `generation`.
    pub fn pin(&self, generation: u64) -> AccountPin {
        AccountPin {
            identity: self.identity_digest,
            generation,
        }
    }

    /// The device key `index` (`DEVICES` is the never-enrolled one).
    pub fn device(&self, index: usize) -> DeviceKey {
        DeviceKey::from_bytes(self.device_secrets[index])
    }
}

fn rotate(
    keyring: &Keyring,
    bundle: &AccountBundle,
    revoke: Option<&XWingPublicKey>,
    label: &str,
) -> (AccountBundle, Keyring) {
    let slots = 2 + bundle.devices().len() - usize::from(revoke.is_some());
    let history = keyring.generation() as usize + 1;
    // SPEC.md 7: root (32), an eseed (64) per slot, the identity nonce (24), a nonce (24)
    // per history entry.
    let randomness = fixed_bytes(label, 32 + 64 * slots + 24 + 24 * history);
    hazmat::rotate_with(keyring, bundle, revoke, &randomness).expect("fixture rotation")
}

fn build() -> Fixture {
    let new = hazmat::create_account_with(
        PASSPHRASE,
        &KdfParams::FLOOR,
        // SPEC.md 7: root, identity seed, recovery secret (32 each), passphrase salt (16) and
        // eseed (64), recovery salt (16) and eseed (64), identity nonce (24): 280 bytes.
        &fixed_bytes("account", 32 * 3 + 16 + 64 + 16 + 64 + 24),
    )
    .expect("fixture account");
    let keyring0 = new.keyring;
    let mut bundle = new.bundle;
    let mut genuine = vec![bundle.to_bytes()];
    let device_secrets: Vec<[u8; 32]> = (0..=DEVICES)
        .map(|i| fixed_key(&format!("device {i}")))
        .collect();
    for (i, secret) in device_secrets[..DEVICES].iter().enumerate() {
        let public = DeviceKey::from_bytes(*secret).public_key();
        let (next, _pin) = hazmat::enroll_device_with(
            &keyring0,
            &bundle,
            &public,
            &fixed_bytes(&format!("enroll {i}"), 64),
        )
        .expect("fixture enrolment");
        bundle = next;
        genuine.push(bundle.to_bytes());
    }
    let mut by_generation = vec![bundle.to_bytes()];
    let revoked = DeviceKey::from_bytes(device_secrets[0]).public_key();
    let (bundle1, keyring1) = rotate(&keyring0, &bundle, Some(&revoked), "rotate 1");
    genuine.push(bundle1.to_bytes());
    by_generation.push(bundle1.to_bytes());
    let (bundle2, keyring2) = rotate(&keyring1, &bundle1, None, "rotate 2");
    genuine.push(bundle2.to_bytes());
    by_generation.push(bundle2.to_bytes());
    assert_eq!(keyring2.generation(), GENERATION);
    let roots = (0..=GENERATION as usize)
        .map(|g| hazmat::root_bytes(&keyring2, g).expect("root"))
        .collect();

    let sender = hazmat::keyring_from_secrets(
        &[fixed_key("sender root 0"), fixed_key("sender root 1")],
        fixed_key("sender identity"),
    );
    let recipient = hazmat::keyring_from_secrets(
        &[fixed_key("recipient root")],
        fixed_key("recipient identity"),
    );
    let other =
        hazmat::keyring_from_secrets(&[fixed_key("other root")], fixed_key("other identity"));
    let mut grants = Vec::new();
    let epochs = [0, 3, 1 << 32, (1 << 32) + 1];
    for (n, epoch) in epochs.into_iter().enumerate() {
        let album_id = AlbumId::from_bytes(
            fixed_bytes(&format!("album {n}"), 16)
                .try_into()
                .expect("16"),
        );
        let album = sender.album_key(album_id, epoch).expect("sender's epoch");
        for (who, to) in [(0u8, &recipient), (1u8, &other)] {
            let eseed: [u8; 64] = fixed_bytes(&format!("grant {n} {who}"), 64)
                .try_into()
                .expect("64");
            let grant = hazmat::grant_with_randomness(
                &sender,
                &album,
                &to.identity_public_key(),
                &[0; 32],
                &eseed,
            )
            .expect("fixture grant");
            grants.push((who, album_id, epoch, grant));
        }
    }

    let xwing = XWingSecretKey::from_seed(fixed_key("xwing secret"));
    let xwing_seals = [0usize, 1, 32, 100]
        .into_iter()
        .map(|n| {
            let plaintext = fixed_bytes(&format!("xwing plaintext {n}"), n);
            let eseed: [u8; 64] = fixed_bytes(&format!("xwing eseed {n}"), 64)
                .try_into()
                .expect("64");
            let (enc, ct) = hazmat::xwing_seal_base_with_randomness(
                &xwing.public_key(),
                &eseed,
                XWING_INFO,
                b"",
                &plaintext,
            )
            .expect("fixture seal");
            (enc.to_vec(), ct, plaintext)
        })
        .collect();

    Fixture {
        xwing,
        xwing_seals,
        recovery_words: new.recovery_phrase.words().to_string(),
        identity: keyring2.identity_public_key(),
        identity_digest: keyring2.identity_public_key().digest(),
        device_secrets,
        genuine,
        by_generation,
        roots,
        keyring: keyring2,
        foreign: other.identity_public_key().digest(),
        sharing_public: [
            sender.identity_public_key(),
            recipient.identity_public_key(),
            other.identity_public_key(),
        ],
        sender,
        recipient,
        other,
        grants,
    }
}

/// A genuine album history (SPEC.md 5.12), built with no Argon2id: the owner (at
/// generation 0, then 1) creates it, adds two members, removes the first, and moves the
/// epoch after its rotation.
pub struct HistoryChain {
    /// The album.
    pub album: AlbumId,
    /// The owner's identity.
    pub owner: IdentityPublicKey,
    /// The five entries, in order.
    pub entries: Vec<Vec<u8>>,
}

impl HistoryChain {
    /// The chain, built on first use.
    pub fn get() -> &'static HistoryChain {
        static CHAIN: OnceLock<HistoryChain> = OnceLock::new();
        CHAIN.get_or_init(|| {
            let roots = [fixed_key("history root 0"), fixed_key("history root 1")];
            let seed = fixed_key("history owner");
            let owner = hazmat::keyring_from_secrets(&roots[..1], seed);
            let rotated = hazmat::keyring_from_secrets(&roots, seed);
            let member = |label: &str| {
                hazmat::keyring_from_secrets(&roots[..1], fixed_key(label)).identity_public_key()
            };
            let album =
                AlbumId::from_bytes(fixed_bytes("history album", 16).try_into().expect("16"));
            let public = owner.identity_public_key();
            let mut entries = vec![owner.create_album_history(album).expect("genesis")];
            let mut history = verify_history(&entries, album, &public, None).expect("genesis");
            for (by, action) in [
                (&owner, HistoryAction::AddMember(member("history member a"))),
                (&owner, HistoryAction::AddMember(member("history member b"))),
                (
                    &owner,
                    HistoryAction::RemoveMember(member("history member a").digest()),
                ),
                (&rotated, HistoryAction::EpochMove),
            ] {
                let entry = by.append_history(&history, action).expect("fixture entry");
                history.extend(&entry).expect("fixture entry verifies");
                entries.push(entry);
            }
            HistoryChain {
                album,
                owner: public,
                entries,
            }
        })
    }
}

/// Seeds for the targets that need genuine lifecycle records, in their input layouts
/// (README.md): `(target, input)`.
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let f = Fixture::get();
    let mut out = Vec::new();
    // history_parse: `pin (1) || entries`: every prefix of the genuine chain, with no pin,
    // a pin inside it and a pin past it; each entry alone.
    let chain = HistoryChain::get();
    for n in 1..=chain.entries.len() {
        let body = chain.entries[..n].concat();
        for pin in [0u8, 1, n as u8, n as u8 + 1] {
            out.push(("history_parse", [&[pin][..], &body].concat()));
        }
    }
    for entry in &chain.entries {
        out.push(("history_parse", [&[0u8][..], entry].concat()));
    }
    for bundle in &f.genuine {
        out.push(("bundle_parse", bundle.clone()));
    }
    // unlock_device: `device (1) || pin (1) || bundle`; pin byte = generation | 4 (foreign).
    for (g, bundle) in f.by_generation.iter().enumerate() {
        let g = g as u8;
        for (device, pin) in [(1, g), (2, 0), (0, g), (5, g), (3, 3), (1, 4 | g)] {
            out.push(("unlock_device", [&[device, pin][..], bundle].concat()));
        }
    }
    // A genuine older bundle under a newer pin: Rollback.
    out.push((
        "unlock_device",
        [&[1u8, 2][..], &f.by_generation[0]].concat(),
    ));
    // unlock_passphrase: `n (1) || passphrase || bundle`; unlock_recovery: `n (2) || words || bundle`.
    for bundle in [&f.by_generation[0], &f.by_generation[2]] {
        let p = PASSPHRASE.as_bytes();
        out.push((
            "unlock_passphrase",
            [&[p.len() as u8][..], p, bundle].concat(),
        ));
        let w = f.recovery_words.as_bytes();
        out.push((
            "unlock_recovery",
            [&(w.len() as u16).to_be_bytes()[..], w, bundle].concat(),
        ));
    }
    // account_pin_parse: pins at every generation, one foreign, one too short, one too long.
    for g in 0..=GENERATION + 1 {
        out.push(("account_pin_parse", f.pin(g).to_bytes().to_vec()));
    }
    let foreign = AccountPin {
        identity: f.foreign,
        generation: 1,
    };
    out.push(("account_pin_parse", foreign.to_bytes().to_vec()));
    out.push(("account_pin_parse", f.pin(1).to_bytes()[..39].to_vec()));
    out.push((
        "account_pin_parse",
        [&f.pin(1).to_bytes()[..], &[0]].concat(),
    ));
    // xwing_public_key: valid keys; each with a low-order X25519 half (0, 1, p - 1, and 0
    // with bit 255 set); a modulus overflow in the first and last coefficient; 1215 and
    // 1217 bytes.
    let mut keys: Vec<Vec<u8>> = (0..=DEVICES)
        .map(|i| f.device(i).public_key().as_bytes().to_vec())
        .collect();
    keys.push(f.xwing.public_key().as_bytes().to_vec());
    keys.extend(
        f.sharing_public
            .iter()
            .map(|id| id.kem().as_bytes().to_vec()),
    );
    let mut p_minus_1 = [0xff; 32];
    p_minus_1[0] = 0xec;
    p_minus_1[31] = 0x7f;
    let mut high_zero = [0u8; 32];
    high_zero[31] = 0x80;
    let mut one = [0u8; 32];
    one[0] = 1;
    for key in keys.iter().take(2) {
        out.push(("xwing_public_key", key.clone()));
        for low in [[0u8; 32], one, p_minus_1, high_zero] {
            out.push(("xwing_public_key", [&key[..1184], &low[..]].concat()));
        }
        let mut overflow = key.clone();
        overflow[0] = 0xff;
        overflow[1] |= 0x0f;
        out.push(("xwing_public_key", overflow));
        let mut overflow = key.clone();
        overflow[1151] = 0xff;
        out.push(("xwing_public_key", overflow));
        out.push(("xwing_public_key", key[..1215].to_vec()));
        out.push(("xwing_public_key", [&key[..], &[0]].concat()));
    }
    for key in keys.iter().skip(2) {
        out.push(("xwing_public_key", key.clone()));
    }
    // xwing_seal: the same keys (it encapsulates to those that parse).
    let seal_seeds: Vec<_> = out
        .iter()
        .filter(|(target, _)| *target == "xwing_public_key")
        .map(|(_, key)| ("xwing_seal", key.clone()))
        .collect();
    out.extend(seal_seeds);
    // identity_public_key: the four identities; an Ed25519 half of small order (zero);
    // an X-Wing half with a low-order X25519 part; 1247 bytes.
    let mut ids: Vec<Vec<u8>> = f.sharing_public.iter().map(|id| id.to_bytes()).collect();
    ids.push(f.identity.to_bytes());
    for id in &ids {
        out.push(("identity_public_key", id.clone()));
    }
    let id = &ids[0];
    out.push(("identity_public_key", [&[0u8; 32][..], &id[32..]].concat()));
    out.push((
        "identity_public_key",
        [&id[..1216], &[0u8; 32][..]].concat(),
    ));
    out.push(("identity_public_key", id[..1247].to_vec()));
    // xwing_open: `n (2) || enc (n bytes) || ct`: the genuine seals, one with its enc's
    // X25519 half zero (low order), one with a byte of the ML-KEM ciphertext flipped, one
    // with the enc a byte short.
    for (enc, ct, _) in &f.xwing_seals {
        let n = (enc.len() as u16).to_be_bytes();
        out.push(("xwing_open", [&n[..], enc, ct].concat()));
    }
    let (enc, ct, _) = &f.xwing_seals[2];
    let n = (enc.len() as u16).to_be_bytes();
    out.push((
        "xwing_open",
        [&n[..], &enc[..1088], &[0u8; 32][..], ct].concat(),
    ));
    let mut flipped = enc.clone();
    flipped[7] ^= 1;
    out.push(("xwing_open", [&n[..], &flipped, ct].concat()));
    out.push((
        "xwing_open",
        [&1119u16.to_be_bytes()[..], &enc[..1119], ct].concat(),
    ));
    // grant_accept: `flags (1) || expected album id (16) || expected epoch (8) || grant`;
    // flags: bit 0 expect the album, bit 1 the other identity receives, bit 2 it is the
    // claimed sender.
    for (who, album_id, epoch, grant) in &f.grants {
        for expect in [0u8, 1] {
            let flags = expect | (who << 1);
            out.push((
                "grant_accept",
                [
                    &[flags][..],
                    album_id.as_bytes(),
                    &epoch.to_be_bytes(),
                    grant,
                ]
                .concat(),
            ));
        }
    }
    out
}
