//! Keepsake's push API ([`PushSealer`] / [`PushOpener`]) into the caller's buffer: the
//! streaming path with no staging copy (issue 18).

use keepsake::stream::{self, OpenOptions, PushOpener, PushSealer, SealOptions};
use keepsake::{MediaId, MediaKey, MediaKind};

use super::{Contender, Outcome};

/// The whole plaintext pushed at once (or in pieces of `piece` bytes, as a download or a
/// camera hands them over) into a reused output `Vec` sized to the sealed length (so, as
/// for the raw rows, no page is zeroed after the first round), then the sealed bytes
/// pushed the same way into the reused plaintext `Vec`.
pub struct KeepsakePush {
    pub(super) key: MediaKey,
    pub(super) id: MediaId,
    pub(super) parallel: bool,
    /// Push in pieces of this many bytes; `None`: everything in one call.
    pub(super) piece: Option<usize>,
}

impl Contender for KeepsakePush {
    fn name(&self) -> String {
        let cores = if self.parallel { "2 cores" } else { "1 core" };
        match self.piece {
            None => format!("keepsake PushSealer/PushOpener into the caller's buffer ({cores})"),
            Some(piece) => format!(
                "keepsake PushSealer/PushOpener, {} KiB pieces ({cores})",
                piece >> 10
            ),
        }
    }

    fn seal(&mut self, plain: &[u8], out: &mut Vec<u8>) -> Outcome {
        let options = SealOptions::new().with_parallel(self.parallel);
        let total = stream::sealed_len(plain.len() as u64, options.chunk_size_log2())
            .map_err(|e| e.to_string())?;
        out.resize(total as usize, 0);
        let mut sealer =
            PushSealer::with_options(&self.key, &self.id, MediaKind::Original, &options)
                .map_err(|e| e.to_string())?;
        let mut pushed = 0;
        for piece in plain.chunks(self.piece.unwrap_or(plain.len()).max(1)) {
            pushed += sealer
                .push_to(piece, &mut out[pushed..])
                .map_err(|e| e.to_string())?;
        }
        let last = sealer
            .finish_to(&mut out[pushed..])
            .map_err(|e| e.to_string())?;
        if pushed + last != out.len() {
            return Err("push sealer: unexpected length".into());
        }
        Ok(())
    }

    fn open(&mut self, sealed: &[u8], out: &mut Vec<u8>) -> Outcome {
        let options = OpenOptions::default().with_parallel(self.parallel);
        let mut opener =
            PushOpener::with_options(&self.key, &self.id, MediaKind::Original, &options);
        out.resize(opener.push_len(sealed.len()), 0);
        let mut got = 0;
        for piece in sealed.chunks(self.piece.unwrap_or(sealed.len()).max(1)) {
            got += opener
                .push_to(piece, &mut out[got..])
                .map_err(|e| e.to_string())?;
        }
        let last = opener
            .finish_to(&mut out[got..])
            .map_err(|e| e.to_string())?;
        out.truncate(got + last);
        Ok(())
    }
}
