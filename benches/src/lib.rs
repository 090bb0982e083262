//! Benchmark support for Keepsake: the contenders of the one-run comparison
//! (`benches/compare.rs`), shared helpers for the criterion benches, and (when libsodium
//! is installed) a small FFI shim to libsodium.
//!
//! Nothing here is used by the product; the crate is never published.

pub mod compare;
#[cfg(keepsake_libsodium)]
pub mod sodium;

use keepsake::{MediaId, MediaKey};

/// The chunk size of every contender in the comparison: 64 KiB, age's and the default.
pub const CHUNK: usize = 64 * 1024;

/// A deterministic, non-constant plaintext of `len` bytes (its content does not change
/// ChaCha20-Poly1305's speed; it only has to be checked after a round trip).
pub fn plaintext(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ ((i >> 20) as u8))
        .collect()
}

/// A fixed benchmark key (the key of no one's data).
pub const KEY: [u8; 32] = [
    0x4b, 0x53, 0x4d, 0x53, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
    0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c,
];

/// The benchmark's media key.
pub fn media_key() -> MediaKey {
    MediaKey::from_bytes(KEY)
}

/// The benchmark's media id.
pub const MEDIA_ID: MediaId = MediaId::from_bytes([7; 16]);

/// Median of `values` (sorted in place); 0 for none.
pub fn median(values: &mut [f64]) -> f64 {
    quantile(values, 0.5)
}

/// The `q` quantile of `values` (sorted in place), by linear interpolation; 0 for none.
pub fn quantile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (values.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    values[lo] * (1.0 - frac) + values[hi] * frac
}
