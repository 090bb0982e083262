//! The Argon2id part of the comparison (`compare::kdf_report`): Keepsake against libsodium
//! at equal memory and passes, then `kdf::calibrate` against its time target.

use std::time::{Duration, Instant};

use super::Spread;

/// Argon2id: Keepsake's `kdf::derive_key` against libsodium's `crypto_pwhash` at equal
/// memory and passes, interleaved. libsodium computes one lane (`p = 1`); Keepsake computes
/// the profile's lanes in parallel, so the comparison is memory x passes per wall second
/// (issue 18: >= 1.5x at the profiles on this 2-core machine; at the floor, `p = 1` on both
/// sides, the time ratio <= 1.25x). Then `kdf::calibrate` against its time target.
///
/// # Errors
/// A KDF failing.
pub fn kdf_report(repeats: usize) -> Result<String, String> {
    use keepsake::kdf::{self, KdfParams};
    let mut out = String::from(
        "Argon2id, seconds per derivation: median [min - max]; libsodium computes one lane\n\n\
         | parameters | keepsake derive_key | libsodium crypto_pwhash (p = 1) | MiB x passes per second, keepsake / libsodium | target |\n|---|---|---|---|---|\n",
    );
    let salt = [0x5a_u8; 16];
    for (name, params) in [
        ("FLOOR", KdfParams::FLOOR),
        ("IOS_EXTENSION", KdfParams::IOS_EXTENSION),
        ("PHONE", KdfParams::PHONE),
        ("DESKTOP", KdfParams::DESKTOP),
    ] {
        let (m_kib, t, p) = (
            params.memory_kib(),
            params.iterations(),
            params.parallelism(),
        );
        let name = format!("{name} m={} MiB t={t} p={p}", m_kib / 1024);
        let mut ours = Vec::new();
        #[allow(unused_mut)] // filled only when libsodium is linked
        let mut theirs: Vec<f64> = Vec::new();
        for _ in 0..repeats {
            let start = Instant::now();
            kdf::derive_key("correct horse battery staple", &salt, &params)
                .map_err(|e| e.to_string())?;
            ours.push(start.elapsed().as_secs_f64());
            #[cfg(keepsake_libsodium)]
            {
                let mut key = [0u8; 32];
                let start = Instant::now();
                crate::sodium::pwhash_argon2id(
                    &mut key,
                    b"correct horse battery staple",
                    &salt,
                    u64::from(t),
                    m_kib as usize * 1024,
                )?;
                theirs.push(start.elapsed().as_secs_f64());
            }
        }
        let o = Spread::of(&ours);
        if theirs.is_empty() {
            out.push_str(&format!(
                "| {name} | {:.3} [{:.3} - {:.3}] | n/a (no libsodium) | n/a | not measured |\n",
                o.median, o.min, o.max
            ));
        } else {
            let s = Spread::of(&theirs);
            // Equal memory and passes: the rate ratio is the inverse of the time ratio.
            let rate = s.median / o.median;
            let (target, met) = if p == 1 {
                ("time <= 1.25x", o.median / s.median <= 1.25)
            } else {
                (">= 1.5x", rate >= 1.5)
            };
            out.push_str(&format!(
                "| {name} | {:.3} [{:.3} - {:.3}] | {:.3} [{:.3} - {:.3}] | {rate:.2}x | {target}: {} |\n",
                o.median,
                o.min,
                o.max,
                s.median,
                s.min,
                s.max,
                if met { "met" } else { "not met" }
            ));
        }
    }
    let target = Duration::from_millis(500);
    let params = kdf::calibrate(64 * 1024, target).map_err(|e| e.to_string())?;
    let mut times = Vec::new();
    for _ in 0..repeats {
        let start = Instant::now();
        kdf::derive_key("correct horse battery staple", &salt, &params)
            .map_err(|e| e.to_string())?;
        times.push(start.elapsed().as_secs_f64());
    }
    let s = Spread::of(&times);
    let off = s.median / target.as_secs_f64() - 1.0;
    out.push_str(&format!(
        "\ncalibrate(64 MiB, 0.5 s) chose {params:?}; derive_key then took {:.3} s median \
         [{:.3} - {:.3}]: {:+.0}% of the target (target within +-25%: {})\n",
        s.median,
        s.min,
        s.max,
        off * 100.0,
        if off.abs() <= 0.25 { "met" } else { "not met" }
    ));
    Ok(out)
}
