//! Media: keys, sealed streams (one-shot, streaming, files, ranges) and envelopes.

use std::ops::ControlFlow;
use std::path::Path;
use std::sync::{Arc, Mutex};

use keepsake::stream::{self, OpenOptions, PushOpener, PushSealer, SealOptions};

use crate::background::{self, Cancel, CancelToken};
use crate::error::{CallbackError, KeepsakeError, Result};

/// Which rendition of a media item a stream holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum MediaKind {
    /// The original photo or video.
    Original,
    /// A small thumbnail.
    Thumbnail,
    /// A screen-sized preview.
    Preview,
    /// A sidecar file.
    Sidecar,
}

impl TryFrom<keepsake::MediaKind> for MediaKind {
    type Error = KeepsakeError;

    fn try_from(kind: keepsake::MediaKind) -> Result<Self> {
        Ok(match kind {
            keepsake::MediaKind::Original => Self::Original,
            keepsake::MediaKind::Thumbnail => Self::Thumbnail,
            keepsake::MediaKind::Preview => Self::Preview,
            keepsake::MediaKind::Sidecar => Self::Sidecar,
            other => {
                return Err(KeepsakeError::Other(format!(
                    "unknown media kind {other:?}"
                )));
            }
        })
    }
}

impl From<MediaKind> for keepsake::MediaKind {
    fn from(kind: MediaKind) -> Self {
        match kind {
            MediaKind::Original => Self::Original,
            MediaKind::Thumbnail => Self::Thumbnail,
            MediaKind::Preview => Self::Preview,
            MediaKind::Sidecar => Self::Sidecar,
        }
    }
}

/// What a media key's envelope holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum MediaBlob {
    /// Structured metadata.
    Metadata,
    /// The caption.
    Caption,
}

impl From<MediaBlob> for keepsake::MediaBlob {
    fn from(what: MediaBlob) -> Self {
        match what {
            MediaBlob::Metadata => Self::Metadata,
            MediaBlob::Caption => Self::Caption,
        }
    }
}

/// A media item as error messages name it: its id (public) and rendition.
pub(crate) fn item(media_id: &[u8], kind: MediaKind) -> String {
    let kind = format!("{kind:?}").to_lowercase();
    format!("media {} {kind}", crate::account::hex(media_id))
}

pub(crate) fn parse_media_id(bytes: &[u8]) -> Result<keepsake::MediaId> {
    Ok(keepsake::MediaId::from_slice(bytes)?)
}

/// A fresh random 16-byte media id.
#[uniffi::export]
pub fn new_media_id() -> Result<Vec<u8>> {
    Ok(keepsake::MediaId::random()?.as_bytes().to_vec())
}

/// Told of progress by file operations; returning `false` cancels. An error it raises
/// (or an exception it throws) ends the operation with [`KeepsakeError::Callback`]
/// carrying its message; nothing is left under the destination.
#[uniffi::export(foreign)]
pub trait ProgressListener: Send + Sync {
    /// `done` of `total` bytes processed. Return `true` to go on, `false` to cancel.
    fn on_progress(&self, done: u64, total: u64) -> Result<bool, CallbackError>;
}

/// The random key of one media item. Opaque: it crosses the boundary only wrapped; its
/// string forms are redacted.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct MediaKey {
    pub(crate) inner: keepsake::MediaKey,
}

#[uniffi::export]
impl MediaKey {
    /// A fresh random media key.
    #[uniffi::constructor]
    pub fn generate() -> Result<Arc<Self>> {
        Ok(Arc::new(Self {
            inner: keepsake::MediaKey::generate()?,
        }))
    }

    /// Imports a media key from its 32 SECRET bytes. Kept for two reasons: the known-answer
    /// vectors of SPEC.md, which every binding checks, start from raw keys; and migrating
    /// keys from another system. Apps never need it (media keys travel wrapped), and there
    /// is no export: media key bytes never cross the boundary outward.
    #[uniffi::constructor]
    pub fn from_secret_bytes(bytes: Vec<u8>) -> Result<Arc<Self>> {
        Ok(Arc::new(Self {
            inner: keepsake::MediaKey::from_slice(&bytes)?,
        }))
    }

    /// Seals `plaintext` as item `media_id`'s rendition `kind` (parallel for large inputs).
    pub fn seal(&self, media_id: Vec<u8>, kind: MediaKind, plaintext: Vec<u8>) -> Result<Vec<u8>> {
        Ok(stream::seal(
            &self.inner,
            &parse_media_id(&media_id)?,
            kind.into(),
            &plaintext,
        )?)
    }

    /// Opens a whole sealed object; fails unless every chunk authenticates.
    pub fn open(&self, media_id: Vec<u8>, kind: MediaKind, sealed: Vec<u8>) -> Result<Vec<u8>> {
        stream::open(
            &self.inner,
            &parse_media_id(&media_id)?,
            kind.into(),
            &sealed,
        )
        .map_err(|e| KeepsakeError::about(e, item(&media_id, kind)))
    }

    /// Opens plaintext bytes `[offset, offset + length)` (clipped to the end) of a sealed
    /// object held in memory, decrypting only the chunks the range touches.
    pub fn open_range(
        &self,
        media_id: Vec<u8>,
        kind: MediaKind,
        sealed: Vec<u8>,
        offset: u64,
        length: u64,
    ) -> Result<Vec<u8>> {
        let mut source = std::io::Cursor::new(sealed);
        stream::open_range(
            &self.inner,
            &parse_media_id(&media_id)?,
            kind.into(),
            &mut source,
            offset,
            length,
        )
        .map_err(|e| KeepsakeError::about(e, item(&media_id, kind)))
    }

    /// [`MediaKey::open_range`] on a sealed file: reads only the chunks the range touches
    /// (video seeking).
    pub fn open_file_range(
        &self,
        media_id: Vec<u8>,
        kind: MediaKind,
        path: String,
        offset: u64,
        length: u64,
    ) -> Result<Vec<u8>> {
        let mut file = std::fs::File::open(&path)
            .map_err(|e| KeepsakeError::about(e.into(), format!("opening {path}")))?;
        stream::open_range(
            &self.inner,
            &parse_media_id(&media_id)?,
            kind.into(),
            &mut file,
            offset,
            length,
        )
        .map_err(|e| KeepsakeError::about(e, format!("{path}, {}", item(&media_id, kind))))
    }

    /// Seals the file `source` into `destination` (temporary file, fsync, rename; nothing
    /// is left under `destination` on error or cancellation). Returns the sealed size.
    ///
    /// `memory_budget_bytes` (every file and streaming call takes it; an iOS extension sets
    /// it) caps the streaming buffers (SPEC.md 3.8): smaller batches, then one chunk on one
    /// thread; `TooLarge` if not even that fits, before anything is written.
    #[allow(clippy::too_many_arguments)]
    #[uniffi::method(default(memory_budget_bytes = None))]
    pub fn seal_file(
        &self,
        media_id: Vec<u8>,
        kind: MediaKind,
        source: String,
        destination: String,
        overwrite: bool,
        listener: Option<Arc<dyn ProgressListener>>,
        memory_budget_bytes: Option<u64>,
    ) -> Result<u64> {
        FileJob {
            op: FileOp::Seal,
            media_id,
            kind,
            source,
            destination,
            overwrite,
            listener,
            memory_budget_bytes,
        }
        .run(self, None)
    }

    /// [`MediaKey::seal_file`] off the caller's thread (Kotlin `suspend`, Swift `async`,
    /// Python `async def`). Cancelling the awaiting task (Kotlin, Python), or `cancel`
    /// (any language; Swift's task cancellation through `KeepsakeAsync.swift`), stops it at
    /// the next progress step with `Cancelled`; nothing is left under `destination`.
    #[allow(clippy::too_many_arguments)]
    #[uniffi::method(default(listener = None, cancel = None, memory_budget_bytes = None))]
    pub async fn seal_file_async(
        self: Arc<Self>,
        media_id: Vec<u8>,
        kind: MediaKind,
        source: String,
        destination: String,
        overwrite: bool,
        listener: Option<Arc<dyn ProgressListener>>,
        cancel: Option<Arc<CancelToken>>,
        memory_budget_bytes: Option<u64>,
    ) -> Result<u64> {
        let job = FileJob {
            op: FileOp::Seal,
            media_id,
            kind,
            source,
            destination,
            overwrite,
            listener,
            memory_budget_bytes,
        };
        background::run_with(cancel, move |cancel| job.run(&self, Some(&cancel))).await
    }

    /// [`MediaKey::open_file`] off the caller's thread; cancellable as
    /// [`MediaKey::seal_file_async`] (no plaintext is left behind).
    #[allow(clippy::too_many_arguments)]
    #[uniffi::method(default(listener = None, cancel = None, memory_budget_bytes = None))]
    pub async fn open_file_async(
        self: Arc<Self>,
        media_id: Vec<u8>,
        kind: MediaKind,
        source: String,
        destination: String,
        overwrite: bool,
        listener: Option<Arc<dyn ProgressListener>>,
        cancel: Option<Arc<CancelToken>>,
        memory_budget_bytes: Option<u64>,
    ) -> Result<u64> {
        let job = FileJob {
            op: FileOp::Open,
            media_id,
            kind,
            source,
            destination,
            overwrite,
            listener,
            memory_budget_bytes,
        };
        background::run_with(cancel, move |cancel| job.run(&self, Some(&cancel))).await
    }

    /// Opens the sealed file `source` into `destination`, which appears only once the
    /// whole stream has authenticated. Returns the plaintext size. `memory_budget_bytes` as
    /// in [`MediaKey::seal_file`]; a stream whose chunk size cannot fit it is refused right
    /// after its header (`TooLarge`).
    #[allow(clippy::too_many_arguments)]
    #[uniffi::method(default(memory_budget_bytes = None))]
    pub fn open_file(
        &self,
        media_id: Vec<u8>,
        kind: MediaKind,
        source: String,
        destination: String,
        overwrite: bool,
        listener: Option<Arc<dyn ProgressListener>>,
        memory_budget_bytes: Option<u64>,
    ) -> Result<u64> {
        FileJob {
            op: FileOp::Open,
            media_id,
            kind,
            source,
            destination,
            overwrite,
            listener,
            memory_budget_bytes,
        }
        .run(self, None)
    }

    /// Seals a small blob (metadata, caption) of item `media_id`.
    pub fn seal_blob(
        &self,
        media_id: Vec<u8>,
        what: MediaBlob,
        plaintext: Vec<u8>,
    ) -> Result<Vec<u8>> {
        Ok(self
            .inner
            .seal_blob(&parse_media_id(&media_id)?, what.into(), &plaintext)?)
    }

    /// Opens a blob sealed by [`MediaKey::seal_blob`] for the same item and purpose.
    pub fn open_blob(
        &self,
        media_id: Vec<u8>,
        what: MediaBlob,
        envelope: Vec<u8>,
    ) -> Result<Vec<u8>> {
        Ok(self
            .inner
            .open_blob(&parse_media_id(&media_id)?, what.into(), &envelope)?)
    }

    /// A streaming sealer for item `media_id`'s rendition `kind`. Each `push` seals the
    /// whole chunks it completes straight into the returned bytes (no staging copy), and the
    /// sealer keeps at most one chunk (64 KiB) of plaintext between calls; a
    /// `memory_budget_bytes` below one chunk is refused (`TooLarge`).
    #[uniffi::method(default(memory_budget_bytes = None))]
    pub fn sealer(
        &self,
        media_id: Vec<u8>,
        kind: MediaKind,
        memory_budget_bytes: Option<u64>,
    ) -> Result<Arc<StreamSealer>> {
        let mut options = SealOptions::new();
        if let Some(budget) = memory_budget_bytes {
            options = options.with_memory_budget(budget_bytes(budget));
        }
        let sealer = PushSealer::with_options(
            &self.inner,
            &parse_media_id(&media_id)?,
            kind.into(),
            &options,
        )?;
        Ok(Arc::new(StreamSealer {
            inner: Mutex::new(Some(sealer)),
        }))
    }

    /// A streaming opener for item `media_id`'s rendition `kind`.
    pub fn opener(&self, media_id: Vec<u8>, kind: MediaKind) -> Result<Arc<StreamOpener>> {
        let opener = PushOpener::new(&self.inner, &parse_media_id(&media_id)?, kind.into());
        Ok(Arc::new(StreamOpener {
            inner: Mutex::new(Some(opener)),
        }))
    }
}

/// Which file operation a [`FileJob`] runs.
#[derive(Clone, Copy)]
enum FileOp {
    Seal,
    Open,
}

/// One `seal_file` / `open_file` call, blocking or async (not exported).
struct FileJob {
    op: FileOp,
    media_id: Vec<u8>,
    kind: MediaKind,
    source: String,
    destination: String,
    overwrite: bool,
    listener: Option<Arc<dyn ProgressListener>>,
    memory_budget_bytes: Option<u64>,
}

/// A budget in bytes as the core takes it (a budget past the address space is no limit).
fn budget_bytes(budget: u64) -> usize {
    usize::try_from(budget).unwrap_or(usize::MAX)
}

impl FileJob {
    fn run(self, key: &MediaKey, cancel: Option<&Cancel>) -> Result<u64> {
        let id = parse_media_id(&self.media_id)?;
        let (source, destination) = (&self.source, &self.destination);
        let what = match self.op {
            FileOp::Seal => format!("sealing {source} into {destination}"),
            FileOp::Open => format!(
                "opening {source} ({}) into {destination}",
                item(&self.media_id, self.kind)
            ),
        };
        let budget = self.memory_budget_bytes.map(budget_bytes);
        with_progress(
            self.listener,
            self.overwrite,
            cancel,
            what,
            |mut options| {
                if let Some(budget) = budget {
                    options = options
                        .seal_options(SealOptions::new().with_memory_budget(budget))
                        .open_options(OpenOptions::default().with_memory_budget(budget));
                }
                let core = match self.op {
                    FileOp::Seal => keepsake::seal_file,
                    FileOp::Open => keepsake::open_file,
                };
                core(
                    &key.inner,
                    &id,
                    self.kind.into(),
                    Path::new(source),
                    Path::new(destination),
                    options,
                )
            },
        )
    }
}

/// Removes the temporary files (`.keepsake-*.partial`) that a killed process left in the
/// folder `dir`, and nothing else; returns how many. An interrupted `open_file` may leave
/// decrypted plaintext in one (owner-only, mode 0600, from creation). Apps call it at
/// start-up for every folder they open or seal files into, before any file operation
/// starts there (a running one would lose its temporary file).
#[uniffi::export]
pub fn remove_partial_files(dir: String) -> Result<u64> {
    let removed = keepsake::remove_partial_files(Path::new(&dir))?;
    Ok(removed as u64)
}

fn with_progress<T>(
    listener: Option<Arc<dyn ProgressListener>>,
    overwrite: bool,
    cancel: Option<&Cancel>,
    what: String,
    run: impl FnOnce(keepsake::FileOptions<'_>) -> keepsake::Result<T>,
) -> Result<T> {
    let mut failed = None;
    let mut report = |done: u64, total: u64| match &listener {
        _ if cancel.is_some_and(Cancel::is_set) => ControlFlow::Break(()),
        Some(l) => match l.on_progress(done, total) {
            Ok(true) => ControlFlow::Continue(()),
            Ok(false) => ControlFlow::Break(()),
            Err(e) => {
                failed = Some(e);
                ControlFlow::Break(())
            }
        },
        None => ControlFlow::Continue(()),
    };
    let options = keepsake::FileOptions::new()
        .overwrite(overwrite)
        .progress(&mut report);
    let result = run(options);
    match (result, failed) {
        // The listener's error, not the Cancelled it caused.
        (Err(keepsake::Error::Cancelled), Some(e)) => Err(e.into()),
        (result, _) => result.map_err(|e| KeepsakeError::about(e, what)),
    }
}

fn closed() -> KeepsakeError {
    KeepsakeError::StreamClosed("the stream was finished or failed; start a new one".into())
}

/// Seals a stream pushed to it in pieces. Safe to share between threads (calls are
/// serialized). After `finish`, or after an error, every call fails: no second final chunk
/// can ever be written.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct StreamSealer {
    inner: Mutex<Option<PushSealer>>,
}

#[uniffi::export]
impl StreamSealer {
    /// Takes plaintext; returns the sealed bytes ready so far (the header first).
    pub fn push(&self, plaintext: Vec<u8>) -> Result<Vec<u8>> {
        let mut guard = self.inner.lock().map_err(|_| closed())?;
        let sealer = guard.as_mut().ok_or_else(closed)?;
        sealer.push(&plaintext).map_err(|e| {
            *guard = None;
            e.into()
        })
    }

    /// Seals the rest with the final chunk; returns the last sealed bytes.
    pub fn finish(&self) -> Result<Vec<u8>> {
        let mut guard = self.inner.lock().map_err(|_| closed())?;
        let mut sealer = guard.take().ok_or_else(closed)?;
        Ok(sealer.finish()?)
    }
}

/// Opens a sealed stream pushed to it in pieces, returning only authenticated plaintext.
/// Safe to share between threads (calls are serialized). The first error is reported as
/// itself; after it, and after `finish`, every call raises `StreamClosed`.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct StreamOpener {
    pub(crate) inner: Mutex<Option<PushOpener>>,
}

#[uniffi::export]
impl StreamOpener {
    /// Takes sealed bytes; returns the plaintext authenticated so far.
    pub fn push(&self, sealed: Vec<u8>) -> Result<Vec<u8>> {
        let mut guard = self.inner.lock().map_err(|_| closed())?;
        let opener = guard.as_mut().ok_or_else(closed)?;
        opener.push(&sealed).map_err(|e| {
            *guard = None;
            e.into()
        })
    }

    /// Ends the stream; returns the final chunk's plaintext. Fails if the stream was cut.
    pub fn finish(&self) -> Result<Vec<u8>> {
        let mut guard = self.inner.lock().map_err(|_| closed())?;
        let mut opener = guard.take().ok_or_else(closed)?;
        Ok(opener.finish()?)
    }
}

impl std::fmt::Debug for MediaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MediaKey(redacted)")
    }
}

impl std::fmt::Display for MediaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl std::fmt::Debug for StreamSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let open = self.inner.lock().map(|s| s.is_some()).unwrap_or(false);
        let state = if open { "open" } else { "closed" };
        write!(f, "StreamSealer({state}, key redacted)")
    }
}

impl std::fmt::Display for StreamSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl std::fmt::Debug for StreamOpener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let open = self.inner.lock().map(|s| s.is_some()).unwrap_or(false);
        let state = if open { "open" } else { "closed" };
        write!(f, "StreamOpener({state}, key redacted)")
    }
}

impl std::fmt::Display for StreamOpener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}
