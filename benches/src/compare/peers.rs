//! The peers Keepsake is compared with: ring's ChaCha20-Poly1305, age's STREAM and
//! libsodium's secretstream, each over the same 64 KiB chunking.

use std::io::Write;

use super::{Contender, Outcome, TAG, nonce, read_all};
use crate::CHUNK;
#[cfg(keepsake_libsodium)]
use crate::KEY;

/// ring's ChaCha20-Poly1305 (BoringSSL assembly) over the same chunking and nonces. ring
/// only seals in place, so each chunk is first copied into the output (one in-cache
/// `memcpy` of 64 KiB per chunk, as a caller of ring must do to keep the plaintext).
pub struct Ring {
    pub(super) key: ring::aead::LessSafeKey,
}

impl Contender for Ring {
    fn name(&self) -> String {
        "ring 0.17 chacha20poly1305 (1 core)".into()
    }

    fn seal(&mut self, plain: &[u8], out: &mut Vec<u8>) -> Outcome {
        use ring::aead::{Aad, Nonce};
        let chunks = plain.len().div_ceil(CHUNK).max(1);
        out.resize(plain.len() + chunks * TAG, 0);
        for (i, (input, output)) in plain
            .chunks(CHUNK)
            .zip(out.chunks_mut(CHUNK + TAG))
            .enumerate()
        {
            let (body, tag) = output.split_at_mut(input.len());
            body.copy_from_slice(input);
            let n = Nonce::assume_unique_for_key(nonce(i as u64, i + 1 == chunks));
            let t = self
                .key
                .seal_in_place_separate_tag(n, Aad::empty(), body)
                .map_err(|_| "ring: seal")?;
            tag.copy_from_slice(t.as_ref());
        }
        Ok(())
    }

    fn open(&mut self, sealed: &[u8], out: &mut Vec<u8>) -> Outcome {
        use ring::aead::{Aad, Nonce};
        let chunks = sealed.len().div_ceil(CHUNK + TAG);
        let len = sealed.len() - chunks * TAG;
        // Room for the last chunk's tag: ring opens ciphertext || tag in place.
        out.resize(len + TAG, 0);
        for (i, input) in sealed.chunks(CHUNK + TAG).enumerate() {
            let at = i * CHUNK;
            let window = &mut out[at..at + input.len()];
            window.copy_from_slice(input);
            let n = Nonce::assume_unique_for_key(nonce(i as u64, i + 1 == chunks));
            self.key
                .open_in_place(n, Aad::empty(), window)
                .map_err(|_| "ring: open")?;
        }
        out.truncate(len);
        Ok(())
    }
}

/// The age crate (0.11) with an X25519 recipient: `Encryptor::wrap_output` (its
/// `StreamWriter`) and `Decryptor::decrypt` (its `StreamReader`). The payload is age's
/// STREAM: ChaCha20-Poly1305 (RustCrypto `chacha20poly1305` 0.10) over 64 KiB chunks with
/// the same counter || last-flag nonces as Keepsake. The per-file header (one X25519
/// agreement, HKDF, HMAC; about 0.1 ms) is included and is below 0.3% of a 64 MiB run.
pub struct Age {
    pub(super) identity: age::x25519::Identity,
}

impl Contender for Age {
    fn name(&self) -> String {
        "age 0.11 StreamWriter/Reader (1 core)".into()
    }

    fn seal(&mut self, plain: &[u8], out: &mut Vec<u8>) -> Outcome {
        out.clear();
        let recipient = self.identity.to_public();
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|e| e.to_string())?;
        let mut writer = encryptor.wrap_output(out).map_err(|e| e.to_string())?;
        writer.write_all(plain).map_err(|e| e.to_string())?;
        writer.finish().map_err(|e| e.to_string())?;
        Ok(())
    }

    fn open(&mut self, sealed: &[u8], out: &mut Vec<u8>) -> Outcome {
        out.clear();
        let decryptor = age::Decryptor::new_buffered(sealed).map_err(|e| e.to_string())?;
        let mut reader = decryptor
            .decrypt(std::iter::once(&self.identity as &dyn age::Identity))
            .map_err(|e| e.to_string())?;
        read_all(&mut reader, out, sealed.len())?;
        Ok(())
    }
}

/// libsodium's `crypto_secretstream_xchacha20poly1305`, one 64 KiB message per chunk
/// (the last tagged FINAL), through the FFI shim in [`crate::sodium`].
#[cfg(keepsake_libsodium)]
pub struct SecretStream;

#[cfg(keepsake_libsodium)]
impl Contender for SecretStream {
    fn name(&self) -> String {
        "libsodium secretstream (1 core)".into()
    }

    fn seal(&mut self, plain: &[u8], out: &mut Vec<u8>) -> Outcome {
        crate::sodium::secretstream_seal(&KEY, CHUNK, plain, out)
    }

    fn open(&mut self, sealed: &[u8], out: &mut Vec<u8>) -> Outcome {
        crate::sodium::secretstream_open(&KEY, CHUNK, sealed, out)
    }
}
