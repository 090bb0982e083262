//! Keepsake's push API ([`PushSealer`] / [`PushOpener`]) into the caller's buffer: the
//! streaming path with no staging copy (issue 18).

use keepsake::stream::{self, OpenOptions, PushOpener, PushSealer, SealOptions};
use keepsake::{MediaId, MediaKey, MediaKind};

use super::{Contender, Outcome};

/// The whole plaintext pushed at once into a reused output `Vec` sized to the sealed
/// length (so, as for the raw rows, no page is zeroed after the first round), then the
/// sealed bytes pushed into the reused plaintext `Vec`.
pub struct KeepsakePush {
    pub(super) key: MediaKey,
    pub(super) id: MediaId,
    pub(super) parallel: bool,
}

impl Contender for KeepsakePush {
    fn name(&self) -> String {
        format!(
            "keepsake PushSealer/PushOpener into the caller's buffer ({})",
            if self.parallel { "2 cores" } else { "1 core" }
        )
    }

    fn seal(&mut self, plain: &[u8], out: &mut Vec<u8>) -> Outcome {
        let options = SealOptions::new().with_parallel(self.parallel);
        let total = stream::sealed_len(plain.len() as u64, options.chunk_size_log2())
            .map_err(|e| e.to_string())?;
        out.resize(total as usize, 0);
        let mut sealer =
            PushSealer::with_options(&self.key, &self.id, MediaKind::Original, &options)
                .map_err(|e| e.to_string())?;
        let pushed = sealer.push_to(plain, out).map_err(|e| e.to_string())?;
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
        let got = opener.push_to(sealed, out).map_err(|e| e.to_string())?;
        let last = opener
            .finish_to(&mut out[got..])
            .map_err(|e| e.to_string())?;
        out.truncate(got + last);
        Ok(())
    }
}
