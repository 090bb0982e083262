//! The options of sealing and opening: chunk size, parallelism, memory budget, provenance.

use super::{DEFAULT_CHUNK_LOG2, check_chunk_log2};
use crate::Result;

/// How to seal: chunk size, whether to use all cores, and an optional memory budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SealOptions {
    pub(super) chunk_log2: u8,
    pub(super) parallel: bool,
    pub(super) memory_budget: Option<usize>,
    pub(super) provenance: bool,
}

impl Default for SealOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl SealOptions {
    /// 64 KiB chunks, parallel.
    pub const fn new() -> Self {
        Self {
            chunk_log2: DEFAULT_CHUNK_LOG2,
            parallel: true,
            memory_budget: None,
            provenance: false,
        }
    }

    /// Computes each chunk's provenance hash (SPEC.md 5.10) while sealing, in the same
    /// pass and on the same cores, so that [`Sealer::finish_part`](super::Sealer::finish_part) can return the part's
    /// hash list and root. Off by default. The sealed bytes are the same either way.
    pub const fn with_provenance(mut self, provenance: bool) -> Self {
        self.provenance = provenance;
        self
    }

    /// Whether chunk hashes are computed while sealing.
    pub const fn provenance(&self) -> bool {
        self.provenance
    }

    /// Sets the chunk size to `2^log2` bytes.
    ///
    /// # Errors
    /// [`Error::ChunkSizeOutOfRange`](crate::Error::ChunkSizeOutOfRange) outside `MIN_CHUNK_LOG2..=MAX_CHUNK_LOG2`.
    pub fn with_chunk_size_log2(mut self, log2: u8) -> Result<Self> {
        self.chunk_log2 = check_chunk_log2(log2)?;
        Ok(self)
    }

    /// Turns parallel sealing on or off. The output bytes are the same either way.
    pub const fn with_parallel(mut self, parallel: bool) -> Self {
        self.parallel = parallel;
        self
    }

    /// log2 of the chunk size.
    pub const fn chunk_size_log2(&self) -> u8 {
        self.chunk_log2
    }

    /// Whether batches of chunks are spread over rayon's thread pool.
    pub const fn parallel(&self) -> bool {
        self.parallel
    }

    /// Caps the streaming [`Sealer`](super::Sealer)'s buffers at `bytes` (SPEC.md 3.8): it works smaller
    /// batches, or one chunk at a time on one thread, when the budget demands it; a chunk
    /// size that cannot fit at all is refused before anything is written
    /// ([`Error::TooLarge`](crate::Error::TooLarge)). The output bytes are the same either way. The one-shot calls
    /// hold the whole object and ignore it.
    pub const fn with_memory_budget(mut self, bytes: usize) -> Self {
        self.memory_budget = Some(bytes);
        self
    }

    /// The memory budget, if one was set.
    pub const fn memory_budget(&self) -> Option<usize> {
        self.memory_budget
    }
}

/// How to open: whether to use all cores, and an optional memory budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenOptions {
    pub(super) parallel: bool,
    pub(super) memory_budget: Option<usize>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            parallel: true,
            memory_budget: None,
        }
    }
}

impl OpenOptions {
    /// Turns parallel opening on or off. The output is the same either way.
    pub const fn with_parallel(mut self, parallel: bool) -> Self {
        self.parallel = parallel;
        self
    }

    /// Caps the streaming [`Opener`](super::Opener)'s buffers at `bytes` (SPEC.md 3.8; an iOS share
    /// extension sets it): it reads smaller batches, or one chunk at a time on one thread,
    /// when the budget demands it, and refuses a stream whose chunk size cannot fit at all
    /// right after its header, before reading any chunk ([`Error::TooLarge`](crate::Error::TooLarge)). The output
    /// is the same either way.
    pub const fn with_memory_budget(mut self, bytes: usize) -> Self {
        self.memory_budget = Some(bytes);
        self
    }

    /// The memory budget, if one was set.
    pub const fn memory_budget(&self) -> Option<usize> {
        self.memory_budget
    }

    /// Whether opening uses all cores.
    pub const fn parallel(&self) -> bool {
        self.parallel
    }
}
