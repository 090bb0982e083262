//! A minimal FFI shim to libsodium (Debian's `libsodium-dev`), for the comparison only:
//! `crypto_secretstream_xchacha20poly1305` and `crypto_pwhash` (Argon2id).
//!
//! This is the only unsafe code in the workspace's benches and there is none in core: the
//! core crate stays `#![forbid(unsafe_code)]`. Compiled only when `build.rs` found
//! libsodium (cfg `keepsake_libsodium`).

// FFI to libsodium, benches only, never in core.
#![allow(unsafe_code)]

use std::ffi::{c_int, c_uchar, c_ulonglong};

/// `crypto_secretstream_xchacha20poly1305_ABYTES`: 16-byte tag + 1 encrypted tag byte.
pub const ABYTES: usize = 17;
/// `crypto_secretstream_xchacha20poly1305_HEADERBYTES`.
pub const HEADERBYTES: usize = 24;
/// `crypto_secretstream_xchacha20poly1305_KEYBYTES`.
pub const KEYBYTES: usize = 32;
const TAG_MESSAGE: c_uchar = 0;
const TAG_FINAL: c_uchar = 3;
/// `crypto_pwhash_ALG_ARGON2ID13`.
const ALG_ARGON2ID13: c_int = 2;
/// `crypto_pwhash_SALTBYTES`.
pub const PWHASH_SALTBYTES: usize = 16;

/// `crypto_secretstream_xchacha20poly1305_state` (libsodium 1.0.x: key, nonce, padding).
#[repr(C)]
#[derive(Clone, Copy)]
struct State {
    k: [u8; 32],
    nonce: [u8; 12],
    pad: [u8; 8],
}

unsafe extern "C" {
    fn sodium_init() -> c_int;
    fn crypto_secretstream_xchacha20poly1305_statebytes() -> usize;
    fn crypto_secretstream_xchacha20poly1305_init_push(
        state: *mut State,
        header: *mut c_uchar,
        k: *const c_uchar,
    ) -> c_int;
    fn crypto_secretstream_xchacha20poly1305_push(
        state: *mut State,
        c: *mut c_uchar,
        clen_p: *mut c_ulonglong,
        m: *const c_uchar,
        mlen: c_ulonglong,
        ad: *const c_uchar,
        adlen: c_ulonglong,
        tag: c_uchar,
    ) -> c_int;
    fn crypto_secretstream_xchacha20poly1305_init_pull(
        state: *mut State,
        header: *const c_uchar,
        k: *const c_uchar,
    ) -> c_int;
    fn crypto_secretstream_xchacha20poly1305_pull(
        state: *mut State,
        m: *mut c_uchar,
        mlen_p: *mut c_ulonglong,
        tag_p: *mut c_uchar,
        c: *const c_uchar,
        clen: c_ulonglong,
        ad: *const c_uchar,
        adlen: c_ulonglong,
    ) -> c_int;
    fn crypto_pwhash(
        out: *mut c_uchar,
        outlen: c_ulonglong,
        passwd: *const std::ffi::c_char,
        passwdlen: c_ulonglong,
        salt: *const c_uchar,
        opslimit: c_ulonglong,
        memlimit: usize,
        alg: c_int,
    ) -> c_int;
}

/// Initializes libsodium and checks the state layout this shim assumes.
///
/// # Errors
/// A message if libsodium cannot be initialized or its state size differs.
pub fn init() -> Result<(), String> {
    // SAFETY: sodium_init takes no arguments and may be called any number of times.
    if unsafe { sodium_init() } < 0 {
        return Err("sodium_init failed".into());
    }
    // SAFETY: a pure function returning a constant.
    let size = unsafe { crypto_secretstream_xchacha20poly1305_statebytes() };
    if size != std::mem::size_of::<State>() {
        return Err(format!("unexpected secretstream state size {size}"));
    }
    Ok(())
}

/// Seals `plain` as secretstream messages of `chunk` bytes (the last tagged FINAL) into
/// `out`: header, then each message's ciphertext (`len + ABYTES`).
///
/// # Errors
/// A message if libsodium reports a failure.
pub fn secretstream_seal(
    key: &[u8; KEYBYTES],
    chunk: usize,
    plain: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let chunks = plain.len().div_ceil(chunk).max(1);
    out.clear();
    out.resize(HEADERBYTES + plain.len() + chunks * ABYTES, 0);
    let mut state = State {
        k: [0; 32],
        nonce: [0; 12],
        pad: [0; 8],
    };
    let (header, body) = out.split_at_mut(HEADERBYTES);
    // SAFETY: `header` holds HEADERBYTES bytes, `key` KEYBYTES; `state` is a valid state.
    if unsafe {
        crypto_secretstream_xchacha20poly1305_init_push(
            &raw mut state,
            header.as_mut_ptr(),
            key.as_ptr(),
        )
    } != 0
    {
        return Err("init_push failed".into());
    }
    let mut pieces: Vec<&[u8]> = plain.chunks(chunk).collect();
    if pieces.is_empty() {
        pieces.push(&[]);
    }
    let last = pieces.len() - 1;
    for (i, (m, c)) in pieces
        .into_iter()
        .zip(body.chunks_mut(chunk + ABYTES))
        .enumerate()
    {
        let tag = if i == last { TAG_FINAL } else { TAG_MESSAGE };
        let mut clen: c_ulonglong = 0;
        debug_assert!(c.len() >= m.len() + ABYTES);
        // SAFETY: `c` has room for `m.len() + ABYTES` bytes; no associated data.
        let rc = unsafe {
            crypto_secretstream_xchacha20poly1305_push(
                &raw mut state,
                c.as_mut_ptr(),
                &raw mut clen,
                m.as_ptr(),
                m.len() as c_ulonglong,
                std::ptr::null(),
                0,
                tag,
            )
        };
        if rc != 0 {
            return Err("push failed".into());
        }
    }
    Ok(())
}

/// Opens what [`secretstream_seal`] produced, message by message, into `out`.
///
/// # Errors
/// A message if any message fails to authenticate, or the stream does not end with FINAL.
pub fn secretstream_open(
    key: &[u8; KEYBYTES],
    chunk: usize,
    sealed: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), String> {
    if sealed.len() < HEADERBYTES + ABYTES {
        return Err("too short".into());
    }
    let (header, body) = sealed.split_at(HEADERBYTES);
    let chunks = body.len().div_ceil(chunk + ABYTES);
    out.clear();
    out.resize(body.len() - chunks * ABYTES, 0);
    let mut state = State {
        k: [0; 32],
        nonce: [0; 12],
        pad: [0; 8],
    };
    // SAFETY: `header` holds HEADERBYTES bytes, `key` KEYBYTES.
    if unsafe {
        crypto_secretstream_xchacha20poly1305_init_pull(
            &raw mut state,
            header.as_ptr(),
            key.as_ptr(),
        )
    } != 0
    {
        return Err("init_pull failed".into());
    }
    let mut final_seen = false;
    let mut outputs = out.chunks_mut(chunk);
    for c in body.chunks(chunk + ABYTES) {
        let mut empty = [0u8; 0];
        let m: &mut [u8] = match outputs.next() {
            Some(m) => m,
            None => &mut empty,
        };
        if final_seen || m.len() + ABYTES != c.len() {
            return Err("bad message length or data after FINAL".into());
        }
        let mut mlen: c_ulonglong = 0;
        let mut tag: c_uchar = 0;
        // SAFETY: `m` has room for `c.len() - ABYTES` bytes; no associated data.
        let rc = unsafe {
            crypto_secretstream_xchacha20poly1305_pull(
                &raw mut state,
                m.as_mut_ptr(),
                &raw mut mlen,
                &raw mut tag,
                c.as_ptr(),
                c.len() as c_ulonglong,
                std::ptr::null(),
                0,
            )
        };
        if rc != 0 {
            return Err("pull failed (forged or corrupted message)".into());
        }
        final_seen = tag == TAG_FINAL;
    }
    if final_seen {
        Ok(())
    } else {
        Err("stream truncated (no FINAL tag)".into())
    }
}

/// `crypto_pwhash` with Argon2id v1.3 (`p = 1`): `opslimit` passes over `memlimit` bytes.
///
/// # Errors
/// A message if libsodium refuses the parameters or runs out of memory.
pub fn pwhash_argon2id(
    out: &mut [u8],
    passphrase: &[u8],
    salt: &[u8; PWHASH_SALTBYTES],
    opslimit: u64,
    memlimit: usize,
) -> Result<(), String> {
    // SAFETY: every pointer/length pair describes a live slice; salt is SALTBYTES long.
    let rc = unsafe {
        crypto_pwhash(
            out.as_mut_ptr(),
            out.len() as c_ulonglong,
            passphrase.as_ptr().cast(),
            passphrase.len() as c_ulonglong,
            salt.as_ptr(),
            opslimit,
            memlimit,
            ALG_ARGON2ID13,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err("crypto_pwhash failed".into())
    }
}
