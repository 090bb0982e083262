//! Passphrase stretching for the passphrase slot: Argon2id (RFC 9106, version 0x13).
//!
//! `passphrase KEK = Argon2id(P = NFC(passphrase), S = salt, m, t, p, T = 32)`, with the
//! 16-byte salt and the parameters ([`KdfParams`]) stored in the slot. No secret value `K`
//! and no associated data `X` are used.
//!
//! Parameters are checked against a floor ([`KdfParams::FLOOR`], OWASP's minimum for Argon2id)
//! and a ceiling ([`MAX_MEMORY_KIB`], [`MAX_ITERATIONS`], [`MAX_PARALLELISM`], [`MAX_WORK_KIB`])
//! before anything is allocated, both when they are built and when they are deserialized from
//! a bundle. The Argon2 working memory is allocated fallibly, so a device that cannot afford
//! it gets [`Error::OutOfMemory`] instead of an abort, and it is wiped before it is freed.
//! [`calibrate`] picks parameters that fit a memory budget and a time target on the running
//! device.
//!
//! Lanes are computed in parallel on rayon's thread pool (the `argon2` crate's `parallel`
//! feature), so on a device with several cores `p` lanes take about `1/min(p, cores)` of
//! one lane's time for the same `m` and `t`: the profiles use [`PROFILE_LANES`] lanes and
//! more passes, and [`calibrate`] uses as many lanes as the device has cores (up to
//! [`PROFILE_LANES`]), so that in the same wall time the slot costs a guesser more memory
//! × passes. `p = 1` stays available ([`calibrate_with_lanes`], [`KdfParams::new`]).

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Block, Version};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::primitives::KEY_LEN;
use crate::{Error, Result};

/// Length of the Argon2id salt stored in a passphrase slot (RFC 9106 recommends 16 bytes).
pub const SALT_LEN: usize = 16;
/// Lanes (`p`) of the profiles, and the most [`calibrate`] picks: Bitwarden's default, as
/// many as a current phone has fast cores.
pub const PROFILE_LANES: u32 = 4;

/// Smallest memory cost accepted, in KiB: 19 MiB, OWASP's minimum for Argon2id (with `t = 2`).
pub const MIN_MEMORY_KIB: u32 = 19 * 1024;
/// Fewest passes accepted: 2, OWASP's minimum at 19 MiB. The OWASP trade-offs with `t = 1`
/// (46 MiB and more) are not accepted, so the floor is one simple rule.
pub const MIN_ITERATIONS: u32 = 2;
/// Fewest lanes accepted.
pub const MIN_PARALLELISM: u32 = 1;

/// Largest memory cost accepted, in KiB: 1 GiB, four times [`KdfParams::DESKTOP`]. A bundle
/// must never make a device try to allocate gigabytes.
pub const MAX_MEMORY_KIB: u32 = 1024 * 1024;
/// Most passes accepted: 64. Time is bounded by [`MAX_WORK_KIB`]; this bounds the shape.
/// Small memory needs many passes ([`KdfParams::IOS_EXTENSION`] uses 60 at 32 MiB; at the
/// 19 MiB floor one second is over 100 passes here, and [`calibrate`] stops at 64), but past
/// that the time is better spent on memory (RFC 9106, section 4): a bundle asking for more
/// passes is malformed or hostile.
pub const MAX_ITERATIONS: u32 = 64;
/// Most lanes accepted: 8, the core count of the largest phones. This build computes lanes
/// in parallel, on as many cores as rayon's pool has.
pub const MAX_PARALLELISM: u32 = 8;
/// Largest total work accepted, memory × passes in KiB: 2 GiB of block passes, for example
/// 1 GiB × 2, 256 MiB × 8 or 32 MiB × 64. Every profile needs at most 1 GiB, and [`calibrate`]
/// at the 1 GiB ceiling needs 2 GiB. Argon2id's time grows with this product: 1 GiB × 2 took
/// 3.6 s (2.8 s to 3.9 s) on the project's 2-core x86_64 CI machine, so no bundle can demand
/// more than a few seconds there, or more than a few tens of seconds on a slow phone.
pub const MAX_WORK_KIB: u64 = 2 * 1024 * 1024;

/// Runs of one pass timed by [`calibrate`]; the median is used.
pub const CALIBRATION_RUNS: usize = 3;

/// Argon2id cost parameters of a passphrase slot (RFC 9106 version 0x13 only). Always within
/// the floor and the ceiling: [`KdfParams::new`] and deserialization both validate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawKdfParams")]
pub struct KdfParams {
    /// `m`: memory in KiB (1 KiB Argon2 blocks).
    memory_kib: u32,
    /// `t`: passes over the memory.
    iterations: u32,
    /// `p`: lanes.
    parallelism: u32,
}

/// The parameters as they appear in a bundle, before validation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKdfParams {
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

impl TryFrom<RawKdfParams> for KdfParams {
    type Error = Error;

    fn try_from(raw: RawKdfParams) -> Result<Self> {
        Self::new(raw.memory_kib, raw.iterations, raw.parallelism)
    }
}

impl KdfParams {
    /// The floor: `m = 19 MiB, t = 2, p = 1`, OWASP's minimum for Argon2id. Measured on the
    /// project's 2-core x86_64 CI machine: 0.035 s (0.024 s to 0.038 s). For tests and as a
    /// reference point; an app should use a profile or [`calibrate`].
    pub const FLOOR: Self = Self {
        memory_kib: MIN_MEMORY_KIB,
        iterations: MIN_ITERATIONS,
        parallelism: 1,
    };

    /// For an iOS app extension (share sheet, photo picker), whose whole process is killed
    /// above about 120 MiB: `m = 32 MiB, t = 60, p = 4`, leaving room for the extension's own
    /// memory and making up for the small `m` with passes (lanes share the `m`, they add no
    /// memory). Measured on the project's 2-core x86_64 CI machine: about 0.5 s (release
    /// build, 4 lanes on 2 cores; benches/README.md). A slow phone may take a few times
    /// longer; a phone with 4 fast cores less.
    pub const IOS_EXTENSION: Self = Self {
        memory_kib: 32 * 1024,
        iterations: 60,
        parallelism: PROFILE_LANES,
    };

    /// For a phone app in the foreground: `m = 128 MiB, t = 15, p = 4`. Measured on the
    /// project's 2-core x86_64 CI machine: about 0.7 s (release build, 4 lanes on 2 cores;
    /// benches/README.md). A slow phone may take a few times longer.
    pub const PHONE: Self = Self {
        memory_kib: 128 * 1024,
        iterations: 15,
        parallelism: PROFILE_LANES,
    };

    /// For a desktop or laptop: `m = 256 MiB, t = 6, p = 4`. Measured on the project's 2-core
    /// x86_64 CI machine: about 0.8 s (release build, 4 lanes on 2 cores; benches/README.md).
    /// With one lane, `m = 512 MiB, t = 2` took 1.6 s there (first touching fresh memory
    /// costs about as much as a pass), past the one-second budget.
    pub const DESKTOP: Self = Self {
        memory_kib: 256 * 1024,
        iterations: 6,
        parallelism: PROFILE_LANES,
    };

    /// Validated parameters: `m` KiB of memory, `t` passes, `p` lanes. Nothing is allocated.
    ///
    /// # Errors
    /// [`Error::KdfParamsTooWeak`] below the floor (`m < 19456`, `t < 2` or `p < 1`), checked
    /// first; [`Error::KdfParamsTooCostly`] above the ceiling ([`MAX_MEMORY_KIB`],
    /// [`MAX_ITERATIONS`], [`MAX_PARALLELISM`], or `m × t` above [`MAX_WORK_KIB`]).
    pub const fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> Result<Self> {
        if memory_kib < MIN_MEMORY_KIB
            || iterations < MIN_ITERATIONS
            || parallelism < MIN_PARALLELISM
        {
            return Err(Error::KdfParamsTooWeak {
                memory_kib,
                iterations,
                parallelism,
            });
        }
        if memory_kib > MAX_MEMORY_KIB
            || iterations > MAX_ITERATIONS
            || parallelism > MAX_PARALLELISM
            || memory_kib as u64 * iterations as u64 > MAX_WORK_KIB
        {
            return Err(Error::KdfParamsTooCostly {
                memory_kib,
                iterations,
                parallelism,
            });
        }
        Ok(Self {
            memory_kib,
            iterations,
            parallelism,
        })
    }

    /// `m`: memory in KiB.
    pub const fn memory_kib(&self) -> u32 {
        self.memory_kib
    }

    /// `t`: passes over the memory.
    pub const fn iterations(&self) -> u32 {
        self.iterations
    }

    /// `p`: lanes.
    pub const fn parallelism(&self) -> u32 {
        self.parallelism
    }

    /// The Argon2 memory [`derive_key`] will allocate, in bytes: a caller with a hard memory
    /// limit (an iOS extension is killed, not refused, above its limit) compares this with
    /// what it can afford before deriving.
    pub const fn memory_bytes(&self) -> u64 {
        self.memory_kib as u64 * 1024
    }

    /// Checks these parameters again (a value built in this crate bypasses [`Self::new`]).
    const fn revalidate(&self) -> Result<Self> {
        Self::new(self.memory_kib, self.iterations, self.parallelism)
    }
}

/// The passphrase in Unicode Normalization Form C, so that the same passphrase typed on two
/// keyboards (`é` as U+00E9 or as `e` + U+0301) gives the same key.
///
/// The result is allocated once at its exact length and wiped on drop; the caller's `&str`
/// is the caller's to wipe. (The normalizer's small internal buffers are not wiped.)
pub fn normalize_passphrase(passphrase: &str) -> Zeroizing<String> {
    // Two passes, so that the string never grows: a reallocation would free an unwiped copy.
    let len = passphrase.nfc().map(char::len_utf8).sum();
    let mut normalized = Zeroizing::new(String::with_capacity(len));
    normalized.extend(passphrase.nfc());
    normalized
}

/// The passphrase KEK: `Argon2id(NFC(passphrase), salt, m, t, p)`, 32 bytes (Argon2id v1.3).
///
/// The parameters are checked again before anything is allocated; the Argon2 memory
/// (`m` KiB) is allocated fallibly and wiped before it is freed.
///
/// # Errors
/// - [`Error::KdfParamsTooWeak`] or [`Error::KdfParamsTooCostly`] for parameters outside the
///   floor and the ceiling;
/// - [`Error::InvalidLength`] if `salt` is not [`SALT_LEN`] bytes;
/// - [`Error::TooLarge`] for a passphrase longer than 2^32 - 1 bytes once normalized;
/// - [`Error::OutOfMemory`] if the Argon2 memory cannot be allocated.
pub fn derive_key(
    passphrase: &str,
    salt: &[u8],
    params: &KdfParams,
) -> Result<Zeroizing<[u8; KEY_LEN]>> {
    let params = params.revalidate()?;
    if salt.len() != SALT_LEN {
        return Err(Error::InvalidLength {
            what: "Argon2id salt",
            expected: SALT_LEN,
            got: salt.len(),
        });
    }
    let passphrase = normalize_passphrase(passphrase);
    if u32::try_from(passphrase.len()).is_err() {
        return Err(Error::TooLarge {
            what: "passphrase",
            len: passphrase.len() as u64,
            max: u64::from(u32::MAX),
        });
    }
    let argon2 = argon2id(&params)?;
    let mut memory = allocate_blocks(argon2.params().block_count())?;
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    argon2
        .hash_password_into_with_memory(
            passphrase.as_bytes(),
            salt,
            key.as_mut(),
            memory.as_mut_slice(),
        )
        .map_err(|err| argon2_error(err, &params))?;
    Ok(key) // `memory` is wiped by its `Zeroizing` wrapper, then freed
}

/// Parameters for this device: the largest memory within `memory_budget_kib` (clamped to the
/// floor and the ceiling: a budget below 19 MiB still gets 19 MiB), as many lanes as the
/// device has cores (at most [`PROFILE_LANES`]), and the number of passes that makes
/// [`derive_key`] take about `target` here with them (at least 2, at most what the ceiling
/// allows).
///
/// It allocates the memory once, times the allocation, a first pass (which also faults the
/// fresh memory in, as every derivation does), [`CALIBRATION_RUNS`] more single passes
/// (taking the median) and the wipe, and solves
/// `setup + (first - pass) + t × pass + wipe ≈ target`. It takes about
/// `CALIBRATION_RUNS + 1` passes' time: a fraction of a second at 32 MiB, a few seconds at
/// 1 GiB.
///
/// # Errors
/// [`Error::OutOfMemory`] if the device cannot allocate the memory.
pub fn calibrate(memory_budget_kib: u32, target: Duration) -> Result<KdfParams> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let lanes = u32::try_from(cores).unwrap_or(PROFILE_LANES);
    calibrate_with_lanes(memory_budget_kib, target, lanes.clamp(1, PROFILE_LANES))
}

/// [`calibrate`] with `lanes` lanes (`p`, clamped to `1..=MAX_PARALLELISM`), e.g. `p = 1`
/// for parameters another implementation without parallel lanes derives as fast.
///
/// # Errors
/// As [`calibrate`].
pub fn calibrate_with_lanes(
    memory_budget_kib: u32,
    target: Duration,
    lanes: u32,
) -> Result<KdfParams> {
    const PASSPHRASE: &[u8] = b"keepsake calibration";
    let lanes = lanes.clamp(MIN_PARALLELISM, MAX_PARALLELISM);
    let memory_kib = calibration_memory(memory_budget_kib, lanes);
    // One pass (t = 1, below the floor) is used only for timing, never for a key.
    let timing = KdfParams {
        memory_kib,
        iterations: 1,
        parallelism: lanes,
    };
    let argon2 = argon2id(&timing)?;

    let started = Instant::now();
    let mut memory = allocate_blocks(argon2.params().block_count())?;
    let setup = started.elapsed();

    // Run 0 faults the memory in: its extra time over a pass is paid by every derivation.
    let mut runs = [Duration::ZERO; CALIBRATION_RUNS + 1];
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    for run in &mut runs {
        let started = Instant::now();
        argon2
            .hash_password_into_with_memory(
                PASSPHRASE,
                &[0u8; SALT_LEN],
                out.as_mut(),
                memory.as_mut_slice(),
            )
            .map_err(|err| argon2_error(err, &timing))?;
        *run = started.elapsed();
    }
    let first = runs[0];
    let passes = &mut runs[1..];
    passes.sort_unstable();
    let pass = passes[CALIBRATION_RUNS / 2];
    let fault_in = first.saturating_sub(pass);

    let started = Instant::now();
    drop(memory); // wipe and free, as at the end of `derive_key`
    let wipe = started.elapsed();

    let iterations = calibration_iterations(memory_kib, target, setup + fault_in + wipe, pass);
    KdfParams::new(memory_kib, iterations, lanes)
}

/// The memory [`calibrate`] uses for a budget: clamped to the floor and the ceiling, and
/// rounded down to whole Argon2 segments (4 blocks per lane) so it is all used.
fn calibration_memory(memory_budget_kib: u32, lanes: u32) -> u32 {
    let memory_kib = memory_budget_kib.clamp(MIN_MEMORY_KIB, MAX_MEMORY_KIB);
    memory_kib - memory_kib % (4 * lanes)
}

/// Passes so that `fixed + t × pass` is nearest to `target`, within the floor and the ceiling.
fn calibration_iterations(
    memory_kib: u32,
    target: Duration,
    fixed: Duration,
    pass: Duration,
) -> u32 {
    let by_work = MAX_WORK_KIB / u64::from(memory_kib.max(1));
    let most = u32::try_from(by_work)
        .unwrap_or(MAX_ITERATIONS)
        .clamp(MIN_ITERATIONS, MAX_ITERATIONS);
    let pass = pass.as_nanos().max(1);
    let passes = (target.saturating_sub(fixed).as_nanos() + pass / 2) / pass;
    u32::try_from(passes)
        .unwrap_or(u32::MAX)
        .clamp(MIN_ITERATIONS, most)
}

/// The Argon2id v1.3 context for `params`, with a 32-byte output and no secret or data.
fn argon2id(params: &KdfParams) -> Result<Argon2<'static>> {
    let argon2_params = argon2::Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(KEY_LEN),
    )
    .map_err(|err| argon2_error(err, params))?;
    Ok(Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        argon2_params,
    ))
}

/// Allocates `blocks` zeroed Argon2 blocks without aborting on failure. The memory is wiped
/// when the returned value is dropped.
///
/// # Errors
/// [`Error::OutOfMemory`] if the allocation fails or its size overflows.
pub(crate) fn allocate_blocks(blocks: usize) -> Result<Zeroizing<Vec<Block>>> {
    let mut memory = Vec::<Block>::new();
    memory
        .try_reserve_exact(blocks)
        .map_err(|_| Error::OutOfMemory {
            bytes: (blocks as u64).saturating_mul(Block::SIZE as u64),
        })?;
    memory.resize(blocks, Block::default());
    Ok(Zeroizing::new(memory))
}

/// Maps an error of the `argon2` crate. None is expected: the parameters, the salt length
/// and the passphrase length are checked before Argon2 runs, the output is always 32 bytes and
/// no secret, data or key id is passed. Whatever Argon2 still refuses is reported as
/// parameters it will not run, never as a panic.
fn argon2_error(err: argon2::Error, params: &KdfParams) -> Error {
    let (memory_kib, iterations, parallelism) =
        (params.memory_kib, params.iterations, params.parallelism);
    match err {
        argon2::Error::OutOfMemory => Error::OutOfMemory {
            bytes: params.memory_bytes(),
        },
        argon2::Error::MemoryTooMuch | argon2::Error::ThreadsTooMany => Error::KdfParamsTooCostly {
            memory_kib,
            iterations,
            parallelism,
        },
        _ => Error::KdfParamsTooWeak {
            memory_kib,
            iterations,
            parallelism,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSPHRASE: &str = "correct horse battery staple";

    fn salt() -> [u8; SALT_LEN] {
        std::array::from_fn(|i| i as u8 + 1) // 0x01..=0x10
    }

    /// `derive_key(PASSPHRASE, 0x01..=0x10, FLOOR)`, computed with the `argon2` crate's own
    /// `Argon2::hash_password_into` and with the reference C implementation
    /// (`argon2 $'\x01...\x10' -id -m 19456 -t 2 -p 1 -l 32 -r`, Debian package `argon2`).
    const FLOOR_KAT: &str = "bbb1e441cf0d144c88d5f19af607ebec32149ef8bf50cfec691757726b1b90c0";

    #[test]
    fn known_answer_at_the_floor() {
        let key = derive_key(PASSPHRASE, &salt(), &KdfParams::FLOOR).unwrap();
        assert_eq!(hex::encode(*key), FLOOR_KAT);

        // The crate's own allocating path, independently of our fallible one.
        let params = argon2::Params::new(MIN_MEMORY_KIB, 2, 1, Some(32)).unwrap();
        let mut expected = [0u8; 32];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(PASSPHRASE.as_bytes(), &salt(), &mut expected)
            .unwrap();
        assert_eq!(*key, expected);
    }

    /// The parameters asked for are the ones used: above the floor (in memory, passes and
    /// lanes) the key is the `argon2` crate's at those parameters, not at its defaults
    /// (which equal the floor).
    #[test]
    fn parameters_above_the_floor_are_the_ones_used() {
        for (m, t, p) in [
            (MIN_MEMORY_KIB + 1024, 2, 1),
            (MIN_MEMORY_KIB, 3, 1),
            (MIN_MEMORY_KIB, 2, 2),
        ] {
            let params = KdfParams::new(m, t, p).unwrap();
            let key = derive_key(PASSPHRASE, &salt(), &params).unwrap();
            let mut expected = [0u8; 32];
            let crate_params = argon2::Params::new(m, t, p, Some(32)).unwrap();
            Argon2::new(Algorithm::Argon2id, Version::V0x13, crate_params)
                .hash_password_into(PASSPHRASE.as_bytes(), &salt(), &mut expected)
                .unwrap();
            assert_eq!(*key, expected, "m={m} t={t} p={p}");
            let floor = derive_key(PASSPHRASE, &salt(), &KdfParams::FLOOR).unwrap();
            assert_ne!(*key, *floor);
        }
    }

    /// RFC 9106 section 5.3's Argon2id vector (m = 32 KiB, t = 3, p = 4, with a secret and
    /// associated data) through the `argon2` crate as this build compiles it: its four lanes
    /// computed in parallel give the published tag.
    #[test]
    fn rfc9106_argon2id_vector_with_four_parallel_lanes() {
        let params = argon2::ParamsBuilder::new()
            .m_cost(32)
            .t_cost(3)
            .p_cost(4)
            .data(argon2::AssociatedData::new(&[4; 12]).unwrap())
            .output_len(32)
            .build()
            .unwrap();
        let argon2 =
            Argon2::new_with_secret(&[3; 8], Algorithm::Argon2id, Version::V0x13, params).unwrap();
        let mut tag = [0u8; 32];
        argon2
            .hash_password_into(&[1; 32], &[2; 16], &mut tag)
            .unwrap();
        assert_eq!(
            hex::encode(tag),
            "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"
        );
    }

    #[test]
    fn memory_bytes_is_the_memory_in_bytes() {
        assert_eq!(KdfParams::FLOOR.memory_bytes(), 19 * 1024 * 1024);
        assert_eq!(KdfParams::PHONE.memory_bytes(), 128 * 1024 * 1024);
    }

    #[test]
    fn nfc_makes_composed_and_decomposed_equal() {
        let composed = "caf\u{e9} au lait";
        let decomposed = "cafe\u{301} au lait";
        assert_ne!(composed, decomposed);
        assert_eq!(*normalize_passphrase(decomposed), composed);
        let a = derive_key(composed, &salt(), &KdfParams::FLOOR).unwrap();
        let b = derive_key(decomposed, &salt(), &KdfParams::FLOOR).unwrap();
        assert_eq!(*a, *b);
        let other = derive_key("cafe au lait", &salt(), &KdfParams::FLOOR).unwrap();
        assert_ne!(*a, *other);

        // U+0958 is a composition exclusion: NFC turns its 3 bytes into 6, allocated once.
        let grown = normalize_passphrase("\u{958}");
        assert_eq!(*grown, "\u{915}\u{93c}");
        assert_eq!(grown.capacity(), grown.len());
    }

    #[test]
    fn floor_and_ceiling_are_refused() {
        let weak = [
            (MIN_MEMORY_KIB - 1, 2, 1),
            (MIN_MEMORY_KIB, 1, 1),
            (MIN_MEMORY_KIB, 2, 0),
            (0, 0, 0),
        ];
        for (m, t, p) in weak {
            let err = KdfParams::new(m, t, p).unwrap_err();
            let expected = format!("KDF parameters too weak: m = {m} KiB, t = {t}, p = {p}");
            assert_eq!(err.to_string(), expected);
        }
        let costly = [
            (MAX_MEMORY_KIB + 1, 2, 1),
            (u32::MAX, u32::MAX, u32::MAX),
            (MIN_MEMORY_KIB, MAX_ITERATIONS + 1, 1),
            (MIN_MEMORY_KIB, 2, MAX_PARALLELISM + 1),
            (MAX_MEMORY_KIB, 3, 1),             // 3 GiB of work
            (32 * 1024 + 4, MAX_ITERATIONS, 1), // just over MAX_WORK_KIB
        ];
        for (m, t, p) in costly {
            let err = KdfParams::new(m, t, p).unwrap_err().to_string();
            assert!(err.starts_with("KDF parameters too costly"), "{err}");
        }
        let edges = [
            (MIN_MEMORY_KIB, MIN_ITERATIONS, MIN_PARALLELISM),
            (MAX_MEMORY_KIB, 2, MAX_PARALLELISM),
            (MIN_MEMORY_KIB, MAX_ITERATIONS, 1),
            (32 * 1024, MAX_ITERATIONS, 1), // exactly MAX_WORK_KIB
        ];
        for (m, t, p) in edges {
            assert!(KdfParams::new(m, t, p).is_ok(), "{m} {t} {p}");
        }
        for profile in [
            KdfParams::FLOOR,
            KdfParams::IOS_EXTENSION,
            KdfParams::PHONE,
            KdfParams::DESKTOP,
        ] {
            assert_eq!(profile.revalidate().unwrap(), profile);
        }
    }

    #[test]
    fn derive_key_refuses_before_allocating() {
        // Values built here bypass `new`: `derive_key` must still refuse them, at once.
        let too_costly = KdfParams {
            memory_kib: u32::MAX,
            iterations: u32::MAX,
            parallelism: 1,
        };
        let too_weak = KdfParams {
            memory_kib: 8,
            iterations: 1,
            parallelism: 1,
        };
        let mut times = Vec::with_capacity(1000);
        for _ in 0..1000 {
            let started = Instant::now();
            let costly = derive_key(PASSPHRASE, &salt(), &too_costly);
            let weak = derive_key(PASSPHRASE, &salt(), &too_weak);
            times.push(started.elapsed());
            assert!(matches!(costly, Err(Error::KdfParamsTooCostly { .. })));
            assert!(matches!(weak, Err(Error::KdfParamsTooWeak { .. })));
        }
        times.sort_unstable();
        // The median pair of refusals, robust to a noisy machine; an Argon2 run at the floor
        // alone takes tens of milliseconds.
        assert!(times[500] < Duration::from_micros(100), "{:?}", times[500]);
    }

    #[test]
    fn salt_must_be_16_bytes() {
        for len in [0, 8, 15, 17, 32] {
            let r = derive_key(PASSPHRASE, &vec![7u8; len], &KdfParams::FLOOR);
            assert!(
                matches!(r, Err(Error::InvalidLength { expected: SALT_LEN, got, .. }) if got == len)
            );
        }
    }

    #[test]
    fn impossible_allocations_fail_cleanly() {
        // Size overflow (usize::MAX / 2 blocks of 1 KiB).
        let overflow = allocate_blocks(usize::MAX / 2);
        assert!(matches!(overflow, Err(Error::OutOfMemory { bytes }) if bytes == u64::MAX));
        // A valid layout that no allocator can satisfy: 4 EiB, past any address space.
        #[cfg(target_pointer_width = "64")]
        {
            let huge = allocate_blocks(1 << 52);
            assert!(matches!(huge, Err(Error::OutOfMemory { bytes }) if bytes == 1 << 62));
        }
        let small = allocate_blocks(4).unwrap();
        assert_eq!(small.len(), 4);
    }

    #[test]
    fn bundle_json_round_trips_and_is_validated() {
        let json = serde_json::to_string(&KdfParams::PHONE).unwrap();
        assert_eq!(
            json,
            r#"{"memory_kib":131072,"iterations":15,"parallelism":4}"#
        );
        let back: KdfParams = serde_json::from_str(&json).unwrap();
        assert_eq!(back, KdfParams::PHONE);

        let weak = r#"{"memory_kib":1024,"iterations":1,"parallelism":1}"#;
        let err = serde_json::from_str::<KdfParams>(weak).unwrap_err();
        assert!(err.to_string().contains("KDF parameters too weak"), "{err}");
        let raw: RawKdfParams = serde_json::from_str(weak).unwrap();
        assert!(matches!(
            KdfParams::try_from(raw),
            Err(Error::KdfParamsTooWeak {
                memory_kib: 1024,
                iterations: 1,
                parallelism: 1
            })
        ));

        let costly = r#"{"memory_kib":4294967295,"iterations":2,"parallelism":1}"#;
        let err = serde_json::from_str::<KdfParams>(costly).unwrap_err();
        assert!(
            err.to_string().contains("KDF parameters too costly"),
            "{err}"
        );

        let extra = r#"{"memory_kib":131072,"iterations":4,"parallelism":1,"algorithm":"argon2d"}"#;
        let err = serde_json::from_str::<KdfParams>(extra).unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
        let missing = r#"{"memory_kib":131072,"iterations":4}"#;
        assert!(serde_json::from_str::<KdfParams>(missing).is_err());
    }

    #[test]
    fn calibration_arithmetic() {
        assert_eq!(calibration_memory(0, 1), MIN_MEMORY_KIB);
        assert_eq!(calibration_memory(u32::MAX, 4), MAX_MEMORY_KIB);
        assert_eq!(calibration_memory(32 * 1024 + 3, 1), 32 * 1024);
        assert_eq!(calibration_memory(32 * 1024 + 15, 4), 32 * 1024);
        assert_eq!(calibration_memory(32 * 1024 + 16, 4), 32 * 1024 + 16);
        let ms = Duration::from_millis;
        let t = |m, target, fixed, pass| calibration_iterations(m, ms(target), ms(fixed), ms(pass));
        // 10 ms fixed + t × 50 ms nearest to 500 ms: t = 10 (9.8 rounds up).
        assert_eq!(t(32 * 1024, 500, 10, 50), 10);
        // Never below the floor, even for a tiny target; never above the pass cap, even for
        // a zero-length pass; never above the work cap (1 GiB × 2).
        assert_eq!(t(32 * 1024, 1, 10, 50), 2);
        assert_eq!(t(32 * 1024, 500, 0, 0), MAX_ITERATIONS);
        assert_eq!(t(32 * 1024, 60_000, 0, 1), MAX_ITERATIONS);
        assert_eq!(t(MAX_MEMORY_KIB, 60_000, 0, 1), 2);
    }

    #[test]
    fn calibrate_returns_valid_params() {
        let params = calibrate(1024, Duration::from_millis(100)).unwrap();
        assert_eq!(params.memory_kib(), MIN_MEMORY_KIB);
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        assert_eq!(params.parallelism() as usize, cores.clamp(1, 4));
        assert_eq!(params.revalidate().unwrap(), params);
        derive_key(PASSPHRASE, &salt(), &params).unwrap();
        let one = calibrate_with_lanes(1024, Duration::from_millis(100), 1).unwrap();
        assert_eq!(one.parallelism(), 1);
        let many = calibrate_with_lanes(1024, Duration::from_millis(100), 99).unwrap();
        assert_eq!(many.parallelism(), MAX_PARALLELISM);
        assert_eq!(many.memory_kib() % (4 * MAX_PARALLELISM), 0);
    }

    fn median_derive_time(params: &KdfParams) -> Duration {
        let mut runs = [Duration::ZERO; 3];
        for run in &mut runs {
            let started = Instant::now();
            derive_key(PASSPHRASE, &salt(), params).unwrap();
            *run = started.elapsed();
        }
        runs.sort_unstable();
        runs[1]
    }

    #[test]
    #[ignore = "timing on a shared, noisy machine; run with --release --ignored"]
    fn calibrated_time_is_near_the_target() {
        let target = Duration::from_millis(300);
        let params = calibrate(32 * 1024, target).unwrap();
        let took = median_derive_time(&params);
        println!("calibrate(32 MiB, {target:?}) = {params:?}; derive_key took {took:?}");
        assert!(took > target / 2 && took < target * 2, "{took:?}");
    }

    #[test]
    #[ignore = "prints measurements; run with --release --ignored --nocapture"]
    fn measure_profiles() {
        for (name, params) in [
            ("FLOOR", KdfParams::FLOOR),
            ("IOS_EXTENSION", KdfParams::IOS_EXTENSION),
            ("PHONE", KdfParams::PHONE),
            ("DESKTOP", KdfParams::DESKTOP),
        ] {
            let took = median_derive_time(&params);
            println!("{name:>13} {params:?}: {took:?} (median of 3)");
            // The same memory in one lane, and the memory x passes per second of each.
            let one = KdfParams::new(params.memory_kib(), params.iterations(), 1).unwrap();
            let one_took = median_derive_time(&one);
            let rate = |p: &KdfParams, d: Duration| {
                f64::from(p.memory_kib()) / 1024.0 * f64::from(p.iterations()) / d.as_secs_f64()
            };
            println!(
                "{:>13} p = 1: {one_took:?}; MiB x passes per second: {:.0} (p = {}) / {:.0} (p = 1) = {:.2}x",
                "",
                rate(&params, took),
                params.parallelism(),
                rate(&one, one_took),
                rate(&params, took) / rate(&one, one_took),
            );
        }
        // The worst a bundle can ask for: 1 GiB × 2 passes (MAX_WORK_KIB). One run.
        let ceiling = KdfParams::new(MAX_MEMORY_KIB, 2, 1).unwrap();
        let started = Instant::now();
        derive_key(PASSPHRASE, &salt(), &ceiling).unwrap();
        let took = started.elapsed();
        println!("      ceiling {ceiling:?}: {took:?} (one run)");
    }
}
