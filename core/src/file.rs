//! Sealing and opening files: all or nothing under the destination name.
//!
//! Output goes to a temporary file in the destination's folder, which is synced and then
//! renamed into place (and the folder synced). On any error or cancellation the temporary
//! file is removed, so the destination name holds either nothing or the complete result.
//! An opened file is renamed into place only after its final chunk has authenticated.

use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::ops::ControlFlow;
use std::path::Path;

use tempfile::NamedTempFile;
use zeroize::Zeroizing;

use crate::keys::{MediaId, MediaKey, MediaKind};
use crate::primitives::TAG_LEN;
use crate::stream::{
    HEADER_LEN, Header, OpenOptions, Opener, PushOpener, PushSealer, SealOptions, Sealer,
};
use crate::{Error, Result};

mod pipeline;
use pipeline::{read_ahead, read_piece, room_for, through, write_behind};

/// How much is read between two progress reports.
pub const PROGRESS_STEP: usize = 1 << 20;

/// A progress callback: `(bytes done, bytes in all)`. Returning `ControlFlow::Break(())`
/// cancels the operation with [`Error::Cancelled`].
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64) -> ControlFlow<()>;

/// Options for [`seal_file`] and [`open_file`].
#[derive(Default)]
pub struct FileOptions<'a> {
    overwrite: bool,
    seal: SealOptions,
    open: OpenOptions,
    progress: Option<Progress<'a>>,
}

impl<'a> FileOptions<'a> {
    /// Defaults: refuse an existing destination, default seal and open options, no progress.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replace an existing destination (atomically) instead of refusing it.
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Seal options (chunk size, parallelism).
    pub fn seal_options(mut self, options: SealOptions) -> Self {
        self.seal = options;
        self
    }

    /// Open options (parallelism).
    pub fn open_options(mut self, options: OpenOptions) -> Self {
        self.open = options;
        self
    }

    /// A callback told of progress after every [`PROGRESS_STEP`] bytes, which may cancel.
    pub fn progress(mut self, progress: Progress<'a>) -> Self {
        self.progress = Some(progress);
        self
    }

    fn report(&mut self, done: u64, total: u64) -> Result<()> {
        match self.progress.as_mut().map(|p| p(done, total)) {
            Some(ControlFlow::Break(())) => Err(Error::Cancelled),
            _ => Ok(()),
        }
    }
}

impl std::fmt::Debug for FileOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileOptions")
            .field("overwrite", &self.overwrite)
            .field("seal", &self.seal)
            .field("open", &self.open)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// Seals the file `src` into `dst` as media item `media_id`'s rendition `kind`; returns
/// the sealed size. Progress counts plaintext bytes read.
///
/// Without a memory budget, and for chunks up to a quarter of a [`PROGRESS_STEP`] piece
/// (the default 64 KiB chunks), `src` is read on one helper thread and the sealed file
/// written on another while this thread seals, each piece straight from the read buffer
/// into the write buffer ([`PushSealer`]), on all cores when the options say so: reading,
/// sealing and writing overlap whatever the thread count. Memory: two pieces each way and
/// one chunk. Larger chunks go through a [`Sealer`] (SPEC.md 3.8) with `src` read a piece
/// ahead on a helper thread when parallel (two pieces); under a budget everything runs
/// on this thread (one piece).
///
/// # Errors
/// [`Error::DestinationExists`] unless overwriting; [`Error::Cancelled`]; [`Error::Io`].
/// On any error nothing is left under `dst`.
pub fn seal_file(
    key: &MediaKey,
    media_id: &MediaId,
    kind: MediaKind,
    src: &Path,
    dst: &Path,
    mut options: FileOptions<'_>,
) -> Result<u64> {
    let (temp, _) = seal_to_temp(key, media_id, kind, src, dst, &mut options)?;
    persist(temp, dst, options.overwrite)
}

/// [`seal_file`], also returning the sealed part's provenance (SPEC.md 5.10): its chunk
/// hash list and root, computed by the sealer's workers in the same pass
/// ([`SealOptions::with_provenance`] is turned on whatever the options say).
///
/// # Errors
/// As [`seal_file`].
pub fn seal_file_part(
    key: &MediaKey,
    media_id: &MediaId,
    kind: MediaKind,
    src: &Path,
    dst: &Path,
    mut options: FileOptions<'_>,
) -> Result<(u64, crate::provenance::SealedPart)> {
    options.seal = options.seal.with_provenance(true);
    let (temp, part) = seal_to_temp(key, media_id, kind, src, dst, &mut options)?;
    let part = part.ok_or(Error::MalformedManifest {
        reason: "the sealer was not asked for provenance",
    })?;
    Ok((persist(temp, dst, options.overwrite)?, part))
}

/// Seals `src` into a temporary file beside `dst`; with provenance options, also returns
/// the part's hashes.
fn seal_to_temp(
    key: &MediaKey,
    media_id: &MediaId,
    kind: MediaKind,
    src: &Path,
    dst: &Path,
    options: &mut FileOptions<'_>,
) -> Result<(NamedTempFile, Option<crate::provenance::SealedPart>)> {
    let mut input = File::open(src)?;
    let total = input.metadata()?.len();
    let temp = temp_beside(dst, options.overwrite)?;
    let chunk = 1usize << options.seal.chunk_size_log2();
    if through_fits(chunk, options.seal.memory_budget()) {
        return seal_through(key, media_id, kind, (input, total, temp), chunk, options);
    }
    let mut sealer = Sealer::with_options(key, media_id, kind, temp, &options.seal)?;
    let mut done = 0u64;
    options.report(0, total)?;
    let overlap = options.seal.parallel() && options.seal.memory_budget().is_none();
    let mut seal_piece = |piece: &[u8]| -> Result<()> {
        sealer.write_all(piece).map_err(Error::from_io)?;
        done += piece.len() as u64;
        options.report(done, total)
    };
    if overlap {
        read_ahead(&mut input, seal_piece)?;
    } else {
        let mut buf = Zeroizing::new(vec![0u8; PROGRESS_STEP]);
        loop {
            match read_piece(&mut input, &mut buf)? {
                0 => break,
                n => seal_piece(&buf[..n])?,
            }
        }
    }
    if options.seal.provenance() {
        let (temp, part) = sealer.finish_part()?;
        Ok((temp, Some(part)))
    } else {
        Ok((sealer.finish()?, None))
    }
}

/// Whether a file call goes [`through`] the push objects with its file I/O on two helper
/// threads: without a memory budget (a budget bounds the streaming objects and one
/// piece), and for chunks of at most a quarter of a [`PROGRESS_STEP`] piece, so that each
/// piece holds several chunks to seal or open on all cores (larger chunks go through the
/// `Read` / `Write` objects, which gather a batch of them).
fn through_fits(chunk: usize, budget: Option<usize>) -> bool {
    budget.is_none() && 4 * chunk <= PROGRESS_STEP
}

/// [`seal_to_temp`] through a [`PushSealer`]: `src` is read on one helper thread and the
/// sealed pieces are written to the temporary file on another while this thread seals,
/// each piece straight from the read buffer into the write buffer. Memory: two pieces of
/// plaintext, two of sealed bytes (all wiped on drop) and the sealer's one chunk.
fn seal_through(
    key: &MediaKey,
    media_id: &MediaId,
    kind: MediaKind,
    (mut input, total, mut temp): (File, u64, NamedTempFile),
    chunk: usize,
    options: &mut FileOptions<'_>,
) -> Result<(NamedTempFile, Option<crate::provenance::SealedPart>)> {
    let mut sealer = PushSealer::with_options(key, media_id, kind, &options.seal)?;
    let provenance = options.seal.provenance();
    let mut part = None;
    // The most one piece seals to: the header, its chunks and the chunk kept before it.
    let room = HEADER_LEN + PROGRESS_STEP + chunk + (PROGRESS_STEP / chunk + 2) * TAG_LEN;
    options.report(0, total)?;
    through(
        &mut input,
        &mut temp,
        room,
        |piece, buf| {
            let need = piece.map_or(sealer.finish_len(), |p| sealer.push_len(p.len()));
            let out = room_for(buf, need);
            match piece {
                Some(piece) => sealer.push_to(piece, out),
                None if provenance => {
                    let (len, sealed) = sealer.finish_part_to(out)?;
                    part = Some(sealed);
                    Ok(len)
                }
                None => sealer.finish_to(out),
            }
        },
        |done| options.report(done, total),
    )?;
    Ok((temp, part))
}

/// Opens the sealed file `src` into `dst`, checking that it is media item `media_id`'s
/// rendition `kind`; returns the plaintext size. `dst` appears only once the whole stream
/// has authenticated. Progress counts sealed bytes read.
///
/// Without a memory budget, and for chunks up to a quarter of a [`PROGRESS_STEP`] piece,
/// `src` is read on one helper thread and the plaintext written on another while this
/// thread opens, straight from the read buffer into the write buffer ([`PushOpener`]), so
/// reading, opening and writing overlap whatever the thread count. Memory: two pieces each
/// way (the plaintext ones wiped) and one chunk. Larger chunks go through an [`Opener`]
/// (SPEC.md 3.8), with the plaintext written on a helper thread when parallel (two wiped
/// pieces); under a budget everything runs on this thread (one piece).
///
/// # Errors
/// As [`crate::stream::open`]; [`Error::DestinationExists`] unless overwriting;
/// [`Error::Cancelled`]; [`Error::Io`]. On any error nothing is left under `dst`.
pub fn open_file(
    key: &MediaKey,
    media_id: &MediaId,
    kind: MediaKind,
    src: &Path,
    dst: &Path,
    mut options: FileOptions<'_>,
) -> Result<u64> {
    let mut input = File::open(src)?;
    let total = input.metadata()?.len();
    let mut temp = temp_beside(dst, options.overwrite)?;
    if let Some(chunk) = header_chunk(&mut input)?
        && through_fits(chunk, options.open.memory_budget())
    {
        // Read on one helper thread, opened here straight from the read buffer into the
        // write buffer, written on another.
        let mut opener = PushOpener::with_options(key, media_id, kind, &options.open);
        // As the other way: the first report counts the header (read by `header_chunk`).
        options.report(HEADER_LEN as u64, total)?;
        through(
            &mut input,
            &mut temp,
            PROGRESS_STEP + chunk,
            |piece, buf| {
                let out = room_for(buf, opener.push_len(piece.map_or(0, <[u8]>::len)));
                match piece {
                    Some(piece) => opener.push_to(piece, out),
                    None => opener.finish_to(out),
                }
            },
            |done| options.report(done, total),
        )?;
        return persist(temp, dst, options.overwrite);
    }
    let counted = Counting {
        inner: input,
        count: 0,
    };
    let mut opener = Opener::with_options(key, media_id, kind, counted, &options.open)?;
    options.report(opener.get_ref().count, total)?;
    let overlap = options.open.parallel() && options.open.memory_budget().is_none();
    if overlap {
        write_behind(
            &mut temp,
            |buf| {
                let n = opener.read(buf).map_err(Error::from_io)?;
                Ok((n, opener.get_ref().count))
            },
            |done| options.report(done, total),
        )?;
    } else {
        let mut buf = Zeroizing::new(vec![0u8; PROGRESS_STEP]);
        loop {
            match opener.read(&mut buf).map_err(Error::from_io)? {
                0 => break,
                n => temp.write_all(&buf[..n])?,
            }
            options.report(opener.get_ref().count, total)?;
        }
    }
    persist(temp, dst, options.overwrite)
}

/// The prefix and suffix of the temporary files written beside a destination.
pub const PARTIAL_PREFIX: &str = ".keepsake-";
/// See [`PARTIAL_PREFIX`].
pub const PARTIAL_SUFFIX: &str = ".partial";

/// Removes temporary files that a killed process left in `dir`: regular files named
/// [`PARTIAL_PREFIX`]`*`[`PARTIAL_SUFFIX`], and nothing else (not folders, not symbolic
/// links, not files of other names). An interrupted [`open_file`] may leave decrypted
/// plaintext there (owner-only, mode 0600 on Unix, from the moment it is created). Apps call
/// it at start-up for every folder they open files into, when no file operation of this
/// app is running in `dir`: a running [`seal_file`] or [`open_file`] would lose its
/// temporary file and fail. Returns how many were removed.
///
/// # Errors
/// [`Error::Io`] if `dir` cannot be listed or a file cannot be removed.
pub fn remove_partial_files(dir: &Path) -> Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(PARTIAL_PREFIX)
            && name.ends_with(PARTIAL_SUFFIX)
            && entry.file_type()?.is_file()
        {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// A temporary file in `dst`'s folder; refuses early when `dst` exists and must not be
/// replaced (the rename re-checks, so a race cannot clobber it either).
fn temp_beside(dst: &Path, overwrite: bool) -> Result<NamedTempFile> {
    if !overwrite && dst.try_exists()? {
        return Err(Error::DestinationExists);
    }
    let dir = match dst.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(PARTIAL_PREFIX).suffix(PARTIAL_SUFFIX);
    // Owner-only from creation (the file may hold plaintext): set at open(2), not after.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(PARTIAL_MODE));
    }
    Ok(builder.tempfile_in(dir)?)
}

/// The permission bits of a temporary file on Unix: read and write by the owner only.
#[cfg(unix)]
pub const PARTIAL_MODE: u32 = 0o600;

/// Syncs `temp`, renames it to `dst`, syncs the folder; returns the file's size.
fn persist(temp: NamedTempFile, dst: &Path, overwrite: bool) -> Result<u64> {
    temp.as_file().sync_all()?;
    let size = temp.as_file().metadata()?.len();
    let persisted = if overwrite {
        temp.persist(dst).map_err(|e| e.error)
    } else {
        temp.persist_noclobber(dst).map_err(|e| {
            if e.error.kind() == io::ErrorKind::AlreadyExists {
                io::Error::new(io::ErrorKind::AlreadyExists, Error::DestinationExists)
            } else {
                e.error
            }
        })
    };
    persisted.map_err(Error::from_io)?;
    if let Some(dir) = dst.parent().filter(|p| !p.as_os_str().is_empty()) {
        // Make the rename itself durable. Not every platform can open a folder.
        if let Ok(dir) = File::open(dir) {
            dir.sync_all().ok();
        }
    }
    Ok(size)
}

/// The chunk size named by the header at the start of `input`, which is then rewound;
/// `None` when no header parses there (the opener then says why).
fn header_chunk(input: &mut File) -> Result<Option<usize>> {
    let mut head = [0u8; HEADER_LEN];
    let mut got = 0;
    while got < HEADER_LEN {
        match read_piece(input, &mut head[got..])? {
            0 => break,
            n => got += n,
        }
    }
    input.rewind()?;
    Ok(Header::parse(&head[..got]).ok().map(|h| h.chunk_size()))
}

/// Counts the bytes read through it.
struct Counting<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream;

    const ID: MediaId = MediaId::from_bytes([8; 16]);

    fn key() -> MediaKey {
        MediaKey::from_bytes([6; 32])
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// The temporary file is written in the destination's folder (so the final rename
    /// stays on one file system and never leaves a partial file elsewhere).
    #[test]
    fn the_partial_file_is_written_beside_the_destination() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("photo.jpg");
        std::fs::write(&src, vec![3u8; PROGRESS_STEP + 1]).unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let dst = out.join("photo.ks");
        let mut seen = Vec::new();
        let mut cb = |_: u64, _: u64| {
            seen.push(listing(&out));
            ControlFlow::Continue(())
        };
        let options = FileOptions::new().progress(&mut cb);
        seal_file(&key(), &ID, MediaKind::Original, &src, &dst, options).unwrap();
        assert!(seen.iter().all(|names| {
            names.len() == 1
                && names[0].starts_with(PARTIAL_PREFIX)
                && names[0].ends_with(PARTIAL_SUFFIX)
        }));
        assert_eq!(listing(&out), ["photo.ks"]);
    }

    /// A destination that appears while sealing (another writer won the race) is not
    /// replaced: the rename refuses, the error says so, and the partial file is gone.
    #[test]
    fn a_destination_created_during_sealing_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("photo.jpg");
        std::fs::write(&src, vec![3u8; 1000]).unwrap();
        let dst = dir.path().join("photo.ks");
        let mut cb = |_: u64, _: u64| {
            if !dst.exists() {
                std::fs::write(&dst, b"someone else's").unwrap();
            }
            ControlFlow::Continue(())
        };
        let options = FileOptions::new().progress(&mut cb);
        let err = seal_file(&key(), &ID, MediaKind::Original, &src, &dst, options).unwrap_err();
        assert!(matches!(err, Error::DestinationExists), "{err:?}");
        assert_eq!(std::fs::read(&dst).unwrap(), b"someone else's");
        assert_eq!(listing(dir.path()), ["photo.jpg", "photo.ks"]);
        let shown = format!("{:?}", FileOptions::new().overwrite(true));
        assert!(
            shown.starts_with("FileOptions { overwrite: true"),
            "{shown}"
        );
    }

    /// A source that cannot be read (here a folder: reading it fails with EISDIR) gives
    /// the I/O error at once, not a retry loop, and leaves nothing behind.
    #[test]
    fn an_unreadable_source_fails_with_its_io_error_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("folder");
        std::fs::create_dir(&folder).unwrap();
        let dst = dir.path().join("sealed");
        let err = seal_file(
            &key(),
            &ID,
            MediaKind::Original,
            &folder,
            &dst,
            FileOptions::new(),
        )
        .unwrap_err();
        assert!(matches!(err, Error::Io(_)), "{err:?}");
        assert_eq!(listing(dir.path()), ["folder"]);
    }

    #[test]
    fn seal_then_open_file_round_trips_with_progress() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("photo.jpg");
        let data: Vec<u8> = (0..3 * PROGRESS_STEP + 5)
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(&src, &data).unwrap();
        let sealed = dir.path().join("photo.ks");
        let mut reports = Vec::new();
        let mut cb = |done: u64, total: u64| {
            reports.push((done, total));
            ControlFlow::Continue(())
        };
        let size = seal_file(
            &key(),
            &ID,
            MediaKind::Original,
            &src,
            &sealed,
            FileOptions::new().progress(&mut cb),
        )
        .unwrap();
        assert_eq!(
            size,
            stream::sealed_len(data.len() as u64, stream::DEFAULT_CHUNK_LOG2).unwrap()
        );
        assert_eq!(reports.first(), Some(&(0, data.len() as u64)));
        assert_eq!(
            reports.last(),
            Some(&(data.len() as u64, data.len() as u64))
        );
        assert!(reports.windows(2).all(|w| w[0].0 <= w[1].0));
        let back = dir.path().join("back.jpg");
        // Opening reports sealed bytes read, from the header to the whole file.
        let mut reports = Vec::new();
        let mut cb = |done: u64, total: u64| {
            reports.push((done, total));
            ControlFlow::Continue(())
        };
        open_file(
            &key(),
            &ID,
            MediaKind::Original,
            &sealed,
            &back,
            FileOptions::new().progress(&mut cb),
        )
        .unwrap();
        assert!(std::fs::read(&back).unwrap() == data);
        assert_eq!(listing(dir.path()), ["back.jpg", "photo.jpg", "photo.ks"]);
        let header = stream::HEADER_LEN as u64;
        assert_eq!(reports.first(), Some(&(header, size)));
        assert_eq!(reports.last(), Some(&(size, size)));
        assert!(reports.len() > 3);
        assert!(reports.windows(2).all(|w| w[0].0 <= w[1].0));
    }

    #[test]
    fn cancel_and_failure_leave_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("in");
        std::fs::write(&src, vec![1u8; 2 * PROGRESS_STEP]).unwrap();
        let dst = dir.path().join("out");
        let mut cancel_later = |done: u64, _| {
            if done > 0 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let err = seal_file(
            &key(),
            &ID,
            MediaKind::Original,
            &src,
            &dst,
            FileOptions::new().progress(&mut cancel_later),
        )
        .unwrap_err();
        assert!(matches!(err, Error::Cancelled), "{err:?}");
        assert_eq!(listing(dir.path()), ["in"]);

        // A tampered sealed file: opening fails and leaves no output, not even a prefix.
        seal_file(
            &key(),
            &ID,
            MediaKind::Original,
            &src,
            &dst,
            FileOptions::new(),
        )
        .unwrap();
        let mut bytes = std::fs::read(&dst).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&dst, &bytes).unwrap();
        let opened = dir.path().join("opened");
        let err = open_file(
            &key(),
            &ID,
            MediaKind::Original,
            &dst,
            &opened,
            FileOptions::new(),
        )
        .unwrap_err();
        assert!(matches!(err, Error::DecryptionFailed), "{err:?}");
        assert_eq!(listing(dir.path()), ["in", "out"]);
    }

    #[test]
    fn stale_partial_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".keepsake-abc.partial"), b"left by a crash").unwrap();
        std::fs::write(dir.path().join("photo.jpg"), b"keep").unwrap();
        std::fs::write(dir.path().join(".keepsake-note"), b"keep").unwrap();
        std::fs::write(dir.path().join("x.keepsake-abc.partial"), b"keep").unwrap();
        std::fs::create_dir(dir.path().join(".keepsake-dir.partial")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("photo.jpg", dir.path().join(".keepsake-link.partial")).unwrap();
        assert_eq!(remove_partial_files(dir.path()).unwrap(), 1);
        let mut expected = vec![
            ".keepsake-dir.partial",
            ".keepsake-note",
            "photo.jpg",
            "x.keepsake-abc.partial",
        ];
        if cfg!(unix) {
            expected.insert(1, ".keepsake-link.partial");
        }
        assert_eq!(listing(dir.path()), expected);
        assert_eq!(
            std::fs::read(dir.path().join("photo.jpg")).unwrap(),
            b"keep"
        );
    }

    /// The temporary file is owner-only from its creation, whatever the umask, before any
    /// plaintext is written to it.
    #[cfg(unix)]
    #[test]
    fn partial_files_are_owner_only_from_creation() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let dst = dir.path().join("opened");
        let temp = temp_beside(&dst, false).unwrap();
        let name = temp
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            name.starts_with(PARTIAL_PREFIX) && name.ends_with(PARTIAL_SUFFIX),
            "{name}"
        );
        let mode = temp.as_file().metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o777, PARTIAL_MODE, "{mode:o}");
        // And during a real open: the progress callback sees the file at its first report.
        let src = dir.path().join("sealed");
        std::fs::write(
            &src,
            stream::seal(&key(), &ID, MediaKind::Original, b"x").unwrap(),
        )
        .unwrap();
        let mut modes = Vec::new();
        let mut progress = |_: u64, _: u64| {
            for entry in std::fs::read_dir(dir.path()).unwrap() {
                let entry = entry.unwrap();
                if entry
                    .file_name()
                    .to_string_lossy()
                    .ends_with(PARTIAL_SUFFIX)
                {
                    modes.push(entry.metadata().unwrap().permissions().mode() & 0o777);
                }
            }
            ControlFlow::Continue(())
        };
        let options = FileOptions::new().progress(&mut progress);
        open_file(&key(), &ID, MediaKind::Original, &src, &dst, options).unwrap();
        assert!(!modes.is_empty());
        assert!(modes.iter().all(|&m| m == PARTIAL_MODE), "{modes:?}");
        drop(temp);
    }

    #[test]
    fn existing_destination_is_refused_unless_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("in");
        std::fs::write(&src, b"new").unwrap();
        let dst = dir.path().join("out");
        std::fs::write(&dst, b"precious").unwrap();
        let err = seal_file(
            &key(),
            &ID,
            MediaKind::Original,
            &src,
            &dst,
            FileOptions::new(),
        )
        .unwrap_err();
        assert!(matches!(err, Error::DestinationExists), "{err:?}");
        assert_eq!(std::fs::read(&dst).unwrap(), b"precious");
        assert_eq!(listing(dir.path()), ["in", "out"]);
        seal_file(
            &key(),
            &ID,
            MediaKind::Original,
            &src,
            &dst,
            FileOptions::new().overwrite(true),
        )
        .unwrap();
        let sealed = std::fs::read(&dst).unwrap();
        assert_eq!(
            stream::open(&key(), &ID, MediaKind::Original, &sealed).unwrap(),
            b"new"
        );
    }

    /// Files of several pieces round-trip on every path (the push objects with both kinds
    /// of I/O overlapped, the `Read` / `Write` objects with one overlapped or none), the
    /// same bytes either way.
    #[test]
    fn overlapped_and_plain_file_io_give_the_same_files() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("in");
        let plain: Vec<u8> = (0..3 * PROGRESS_STEP + 12_345)
            .map(|i| (i % 249) as u8)
            .collect();
        std::fs::write(&src, &plain).unwrap();
        let mut sealed_files = Vec::new();
        // 64 KiB chunks go through the push objects with the I/O on two helper threads
        // (parallel or not); 512 KiB chunks through the Sealer / Opener with one helper
        // thread (parallel) or none (sequential, or under a budget).
        for (i, (log2, parallel, budget)) in [
            (16, true, None),
            (16, false, None),
            (16, true, Some(1 << 20)),
            (19, true, None),
            (19, false, None),
        ]
        .into_iter()
        .enumerate()
        {
            let mut seal = SealOptions::new()
                .with_chunk_size_log2(log2)
                .unwrap()
                .with_parallel(parallel);
            let mut open = OpenOptions::default().with_parallel(parallel);
            if let Some(b) = budget {
                seal = seal.with_memory_budget(b);
                open = open.with_memory_budget(b);
            }
            let (sealed, opened) = (
                dir.path().join(format!("s{i}")),
                dir.path().join(format!("o{i}")),
            );
            let options = FileOptions::new().seal_options(seal).open_options(open);
            seal_file(&key(), &ID, MediaKind::Original, &src, &sealed, options).unwrap();
            let options = FileOptions::new().seal_options(seal).open_options(open);
            open_file(&key(), &ID, MediaKind::Original, &sealed, &opened, options).unwrap();
            assert!(std::fs::read(&opened).unwrap() == plain, "case {i}");
            sealed_files.push(std::fs::read(&sealed).unwrap());
        }
        // Each seal draws its own salt; every one opens to the plaintext in memory too.
        for sealed in &sealed_files {
            assert!(stream::open(&key(), &ID, MediaKind::Original, sealed).unwrap() == plain);
        }
    }
}
