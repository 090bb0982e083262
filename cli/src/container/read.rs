//! Opening a container with a key: the media key and metadata first, then the thumbnail,
//! the whole original (streamed, in bounded memory) or a byte range of it.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use keepsake::history::VerifiedHistory;
use keepsake::provenance::{
    HASH_LEN, ItemRecord, Manifest, PartEntry, PartKind, VerifiedItem, chunk_hash, part_root,
    verify_item,
};
use keepsake::stream::{self, HEADER_LEN, Header, Opener};
use keepsake::{AlbumKey, MediaBlob, MediaKey, MediaKind};
use zeroize::Zeroizing;

use super::{ContainerError, Layout, MAX_HASH_LIST_LEN, Metadata, Section};

/// Bytes copied at a time when opening, and the largest piece of a range read held in
/// memory.
pub const COPY_STEP: usize = 1 << 20;
/// A range read opens at most this much plaintext per core call.
pub const RANGE_PIECE: u64 = 16 << 20;

/// A container whose media key and metadata have authenticated.
pub struct Item {
    /// The media key (wiped on drop).
    pub media_key: MediaKey,
    /// The item record (SPEC.md 5.10): the metadata envelope's plaintext.
    pub record: Zeroizing<Vec<u8>>,
    /// The metadata.
    pub metadata: Metadata,
    /// The checked relative path to restore under.
    pub path: PathBuf,
    /// The verified manifest, once [`Item::verify`] passed: the readers then check every
    /// part they open against it.
    pub provenance: Option<VerifiedItem>,
}

/// A provenance refusal (exit code 5).
pub fn provenance_error(err: keepsake::Error) -> ContainerError {
    ContainerError::Core {
        what: "provenance",
        err,
    }
}

fn mismatch(what: &'static str) -> ContainerError {
    provenance_error(keepsake::Error::ProvenanceMismatch { what })
}

impl Item {
    /// Verifies the item's signed manifest against the album's verified history (SPEC.md
    /// 5.10): signed, by a member at the history entry it names, a valid signature, the
    /// metadata as signed. From then on the readers check each part against it.
    ///
    /// # Errors
    /// As [`verify_item`], as [`ContainerError::Core`] (`ProvenanceUnsigned`,
    /// `ProvenanceWrongItem`, `HistoryUnknownEntry`, `ProvenanceNotMember`,
    /// `ProvenanceBadSignature`, `ProvenanceMismatch`, manifest parse errors).
    pub fn verify(
        &mut self,
        layout: &Layout,
        history: &VerifiedHistory,
    ) -> Result<&VerifiedItem, ContainerError> {
        let verified = verify_item(&self.record, &layout.media_id, layout.epoch, history)
            .map_err(provenance_error)?;
        Ok(self.provenance.insert(verified))
    }
}

/// Unwraps the media key with `album`, opens the metadata envelope and parses its item
/// record and metadata (SPEC.md 8.4, steps 10-13); the manifest is verified separately
/// ([`Item::verify`]).
///
/// # Errors
/// [`ContainerError::WrongAlbum`] when `album` is for another album or epoch;
/// `DecryptionFailed` (as [`ContainerError::Core`]) when the wrapped key or the metadata
/// does not authenticate; [`ContainerError::MalformedMetadata`];
/// [`ContainerError::UnsafeName`].
pub fn open_item(layout: &Layout, album: &AlbumKey) -> Result<Item, ContainerError> {
    if (album.album_id(), album.epoch()) != (layout.album_id, layout.epoch) {
        return Err(ContainerError::WrongAlbum {
            container: (layout.album_id, layout.epoch),
            key: (album.album_id(), album.epoch()),
        });
    }
    let media_key = album
        .unwrap_media_key(&layout.media_id, &layout.wrapped_key)
        .map_err(|err| ContainerError::Core {
            what: "wrapped media key",
            err,
        })?;
    let record = Zeroizing::new(
        media_key
            .open_blob(&layout.media_id, MediaBlob::Metadata, &layout.metadata)
            .map_err(|err| ContainerError::Core {
                what: "metadata envelope",
                err,
            })?,
    );
    let metadata = Metadata::parse(record_metadata(&record)?)?;
    let path = metadata.path()?;
    Ok(Item {
        media_key,
        record,
        metadata,
        path,
        provenance: None,
    })
}

/// The metadata JSON of an item record (SPEC.md 5.10): what follows its manifest.
///
/// # Errors
/// The record's refusals (`MalformedManifest`, `UnsupportedVersion`) as
/// [`ContainerError::Core`].
pub fn record_metadata(record: &[u8]) -> Result<&[u8], ContainerError> {
    ItemRecord::parse(record)
        .map(|r| r.metadata())
        .map_err(|err| ContainerError::Core {
            what: "item record",
            err,
        })
}

/// Opens the thumbnail (at most 16 MiB), or `None` when the slot is empty; with a
/// verified manifest, first checks the sealed thumbnail against it.
///
/// # Errors
/// Stream errors and `ProvenanceMismatch` as [`ContainerError::Core`]; I/O errors.
pub fn read_thumbnail<R: Read + Seek>(
    src: &mut R,
    layout: &Layout,
    item: &Item,
) -> Result<Option<Zeroizing<Vec<u8>>>, ContainerError> {
    let Some((section, _)) = layout.thumbnail else {
        return Ok(None);
    };
    src.seek(SeekFrom::Start(section.offset))?;
    // At most MAX_THUMBNAIL_LEN (16 MiB), checked by the layout.
    let mut sealed = Vec::new();
    src.take(section.len).read_to_end(&mut sealed)?;
    if let Some(verified) = &item.provenance {
        verified
            .verify_part(MediaKind::Thumbnail, &sealed)
            .map_err(provenance_error)?;
    }
    let mut opener = Opener::new(
        &item.media_key,
        &layout.media_id,
        MediaKind::Thumbnail,
        &sealed[..],
    )
    .map_err(thumbnail_error)?;
    let mut out = Zeroizing::new(Vec::new());
    opener
        .read_to_end(&mut out)
        .map_err(|e| thumbnail_error(keepsake::Error::from_io(e)))?;
    Ok(Some(out))
}

fn thumbnail_error(err: keepsake::Error) -> ContainerError {
    ContainerError::Core {
        what: "thumbnail stream",
        err,
    }
}

fn original_error(err: keepsake::Error) -> ContainerError {
    ContainerError::Core {
        what: "original stream",
        err,
    }
}

/// Streams the original's plaintext into `sink`, calling `progress` with each piece's
/// length; returns the length. Only authenticated plaintext reaches `sink`; on error, what
/// it received is an authenticated prefix and must be discarded. With a verified
/// manifest, the stored chunks are hashed as they are read (the same pass) and their root
/// must be the signed one: checked after the last chunk, so `sink` must be discarded on
/// that error too.
///
/// # Errors
/// Stream errors as [`ContainerError::Core`]; `ProvenanceMismatch` (as
/// [`ContainerError::Core`]); [`ContainerError::SizeMismatch`] if the stream's length
/// differs from the metadata's size; I/O errors of `sink`.
pub fn copy_original<R: Read + Seek, W: Write>(
    src: &mut R,
    layout: &Layout,
    item: &Item,
    sink: &mut W,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, ContainerError> {
    let (section, header) = &layout.original;
    let entry = item
        .provenance
        .as_ref()
        .map(|verified| expected_entry(verified.manifest(), MediaKind::Original, header, section))
        .transpose()?;
    src.seek(SeekFrom::Start(section.offset))?;
    let mut hasher = ChunkHasher::new(src.take(section.len), header.chunk_size() + 16);
    let mut opener = Opener::new(
        &item.media_key,
        &layout.media_id,
        MediaKind::Original,
        &mut hasher,
    )
    .map_err(original_error)?;
    let done = pump(&mut opener, sink, progress, &original_error)?;
    drop(opener);
    if let Some(entry) = entry {
        check_root(&entry, header, hasher.finish())?;
    }
    if done != item.metadata.size {
        return Err(ContainerError::SizeMismatch {
            expected: item.metadata.size,
            got: done,
        });
    }
    Ok(done)
}

/// Copies all the authenticated plaintext `opener` releases into `sink`, [`COPY_STEP`]
/// bytes at a time through one buffer wiped on drop, calling `progress` with each piece's
/// length; returns the length. A core error (read back from the opener's I/O error) goes
/// through `error`.
///
/// # Errors
/// The opener's errors through `error`; I/O errors of `sink`.
pub fn pump<W: Write + ?Sized>(
    opener: &mut dyn Read,
    sink: &mut W,
    progress: &mut dyn FnMut(u64),
    error: &dyn Fn(keepsake::Error) -> ContainerError,
) -> Result<u64, ContainerError> {
    let mut buf = Zeroizing::new(vec![0u8; COPY_STEP]);
    let mut done = 0u64;
    loop {
        let n = match opener.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => return Err(error(keepsake::Error::from_io(e))),
        };
        sink.write_all(&buf[..n])?;
        done += n as u64;
        progress(n as u64);
    }
    Ok(done)
}

/// Writes plaintext bytes `[offset, offset + len)` of the original (clipped to its end)
/// into `sink`, decrypting only the chunks they touch, at most [`RANGE_PIECE`] bytes at a
/// time; returns how many bytes were written. With a verified manifest, the container's
/// chunk hash list is checked against the signed root and each chunk read against its
/// entry before it is decrypted (SPEC.md 5.10).
///
/// # Errors
/// `RangeOutOfBounds`, stream errors, `ProvenanceMismatch` and `ProvenanceChunkMismatch`
/// as [`ContainerError::Core`]; [`ContainerError::LengthOutOfRange`] for a hash list above
/// [`MAX_HASH_LIST_LEN`]; I/O errors.
pub fn copy_range<R: Read + Seek, W: Write>(
    src: &mut R,
    layout: &Layout,
    item: &Item,
    offset: u64,
    len: u64,
    sink: &mut W,
) -> Result<u64, ContainerError> {
    let (section, header) = &layout.original;
    let plan = stream::RangePlan::new(header, section.len, offset, len).map_err(original_error)?;
    let end = plan.end;
    let list = match &item.provenance {
        Some(_) => Some(read_hash_list(src, layout)?),
        None => None,
    };
    let mut window = Window::new(src, *section);
    range_pieces(
        offset,
        end - offset,
        sink,
        &mut |at, want| match (&item.provenance, &list) {
            (Some(verified), Some(list)) => verified
                .open_range(
                    &item.media_key,
                    MediaKind::Original,
                    &mut window,
                    at,
                    want,
                    list,
                )
                .map_err(provenance_or_stream),
            _ => stream::open_range(
                &item.media_key,
                &layout.media_id,
                MediaKind::Original,
                &mut window,
                at,
                want,
            )
            .map_err(original_error),
        },
    )
}

/// Writes plaintext `[offset, offset + len)` to `sink`, opened by `open(at, want)` at most
/// [`RANGE_PIECE`] bytes at a time, so a long range never sits in memory whole.
///
/// # Errors
/// `open`'s; writing.
pub fn range_pieces(
    offset: u64,
    len: u64,
    sink: &mut dyn Write,
    open: &mut dyn FnMut(u64, u64) -> Result<Vec<u8>, ContainerError>,
) -> Result<u64, ContainerError> {
    let end = offset.saturating_add(len);
    let mut at = offset;
    loop {
        let piece = Zeroizing::new(open(at, (end - at).min(RANGE_PIECE))?);
        sink.write_all(&piece)?;
        at += piece.len() as u64;
        if at >= end || piece.is_empty() {
            return Ok(at - offset);
        }
    }
}

/// The manifest's entry for a stored stream of kind `kind`, checked against its header's
/// chunk size and its stored length (SPEC.md 5.10, "Verifying a part"), before anything
/// is decrypted.
///
/// # Errors
/// `ProvenanceMismatch` (as [`ContainerError::Core`]).
pub fn expected_entry(
    manifest: &Manifest,
    kind: MediaKind,
    header: &Header,
    section: &Section,
) -> Result<PartEntry, ContainerError> {
    let entry = *manifest
        .part(PartKind::Media(kind))
        .ok_or(mismatch("the manifest lists no such part"))?;
    if header.chunk_size_log2() != entry.chunk_log2 {
        return Err(mismatch("chunk size"));
    }
    let sealed =
        stream::sealed_len(entry.plaintext_len, entry.chunk_log2).map_err(provenance_error)?;
    if section.len != sealed {
        return Err(mismatch("sealed length"));
    }
    Ok(entry)
}

/// Checks the root of the chunk hashes computed while a part was read against its signed
/// entry (after the last chunk: what was written must then be discarded on error).
///
/// # Errors
/// `ProvenanceMismatch` (as [`ContainerError::Core`]).
pub fn check_root(
    entry: &PartEntry,
    header: &Header,
    list: Vec<[u8; HASH_LEN]>,
) -> Result<(), ContainerError> {
    if part_root(&header.to_bytes(), &list) != entry.root {
        return Err(mismatch(
            "root (the part was sealed again, or altered, after it was signed)",
        ));
    }
    Ok(())
}

fn provenance_or_stream(err: keepsake::Error) -> ContainerError {
    match err {
        keepsake::Error::ProvenanceMismatch { .. }
        | keepsake::Error::ProvenanceChunkMismatch { .. } => provenance_error(err),
        other => original_error(other),
    }
}

/// Reads the original's chunk hash list (at most [`MAX_HASH_LIST_LEN`] bytes).
///
/// # Errors
/// [`ContainerError::LengthOutOfRange`]; I/O errors.
pub fn read_hash_list<R: Read + Seek>(
    src: &mut R,
    layout: &Layout,
) -> Result<Vec<u8>, ContainerError> {
    let section = layout.hash_list;
    if section.len > MAX_HASH_LIST_LEN {
        return Err(ContainerError::LengthOutOfRange {
            what: "chunk hash list (for a range read)",
            len: section.len,
            min: 0,
            max: MAX_HASH_LIST_LEN,
        });
    }
    src.seek(SeekFrom::Start(section.offset))?;
    let mut list = Vec::new();
    src.take(section.len).read_to_end(&mut list)?;
    Ok(list)
}

/// A reader of a stored stream that computes its chunk hashes (SPEC.md 5.10) from the
/// bytes as they pass, holding one chunk at a time and 32 bytes per chunk.
pub struct ChunkHasher<R> {
    inner: R,
    header_left: usize,
    stride: usize,
    chunk: Vec<u8>,
    list: Vec<[u8; HASH_LEN]>,
}

impl<R: Read> ChunkHasher<R> {
    /// Hashes the stream `inner` whose stored chunks are `stride` bytes (chunk size plus tag).
    pub fn new(inner: R, stride: usize) -> Self {
        Self {
            inner,
            header_left: HEADER_LEN,
            stride,
            chunk: Vec::new(),
            list: Vec::new(),
        }
    }

    /// The chunk hash list of everything read (the last, short chunk included).
    pub fn finish(mut self) -> Vec<[u8; HASH_LEN]> {
        if !self.chunk.is_empty() {
            self.list
                .push(chunk_hash(self.list.len() as u64, &self.chunk));
        }
        self.list
    }
}

impl<R: Read> Read for ChunkHasher<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut rest = &buf[..n];
        let skip = rest.len().min(self.header_left);
        self.header_left -= skip;
        rest = &rest[skip..];
        while !rest.is_empty() {
            let take = rest.len().min(self.stride - self.chunk.len());
            self.chunk.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.chunk.len() == self.stride {
                self.list
                    .push(chunk_hash(self.list.len() as u64, &self.chunk));
                self.chunk.clear();
            }
        }
        Ok(n)
    }
}

/// A section of a seekable source seen as a whole file: position 0 is the section's start
/// and the end is the section's end.
pub struct Window<'a, R> {
    inner: &'a mut R,
    section: Section,
    pos: u64,
}

impl<'a, R: Read + Seek> Window<'a, R> {
    /// A window on `section` of `inner`.
    pub fn new(inner: &'a mut R, section: Section) -> Self {
        Self {
            inner,
            section,
            pos: 0,
        }
    }
}

impl<R: Read + Seek> Read for Window<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.section.len.saturating_sub(self.pos);
        let want = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
        if want == 0 {
            return Ok(0);
        }
        self.inner
            .seek(SeekFrom::Start(self.section.offset + self.pos))?;
        let n = self.inner.read(&mut buf[..want])?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Read + Seek> Seek for Window<'_, R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.section.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let target = target.ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "seek before the section")
        })?;
        self.pos = target;
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn window_reads_and_seeks_within_its_section() {
        let mut data = Cursor::new((0u8..100).collect::<Vec<_>>());
        let mut w = Window::new(
            &mut data,
            Section {
                offset: 10,
                len: 20,
            },
        );
        assert_eq!(w.seek(SeekFrom::End(0)).unwrap(), 20);
        w.seek(SeekFrom::Start(18)).unwrap();
        let mut out = Vec::new();
        w.read_to_end(&mut out).unwrap();
        assert_eq!(out, vec![28, 29]);
        assert!(w.seek(SeekFrom::Current(-30)).is_err());
    }
}
