//! Opening a container with a key: the media key and metadata first, then the thumbnail,
//! the whole original (streamed, in bounded memory) or a byte range of it.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use keepsake::stream::{self, Opener};
use keepsake::{AlbumKey, MediaBlob, MediaKey, MediaKind};
use zeroize::Zeroizing;

use super::{ContainerError, Layout, Metadata, Section};

/// Bytes copied at a time when opening, and the largest piece of a range read held in
/// memory.
pub const COPY_STEP: usize = 1 << 20;
/// A range read opens at most this much plaintext per core call.
pub const RANGE_PIECE: u64 = 16 << 20;

/// A container whose media key and metadata have authenticated.
pub struct Item {
    /// The media key (wiped on drop).
    pub media_key: MediaKey,
    /// The metadata.
    pub metadata: Metadata,
    /// The checked relative path to restore under.
    pub path: PathBuf,
}

/// Unwraps the media key with `album` and opens the metadata (SPEC.md 8.4, steps 8-11).
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
    let json = Zeroizing::new(
        media_key
            .open_blob(&layout.media_id, MediaBlob::Metadata, &layout.metadata)
            .map_err(|err| ContainerError::Core {
                what: "metadata envelope",
                err,
            })?,
    );
    let metadata = Metadata::parse(&json)?;
    let path = metadata.path()?;
    Ok(Item {
        media_key,
        metadata,
        path,
    })
}

/// Opens the thumbnail (at most 16 MiB), or `None` when the slot is empty.
///
/// # Errors
/// Stream errors as [`ContainerError::Core`]; I/O errors.
pub fn read_thumbnail<R: Read + Seek>(
    src: &mut R,
    layout: &Layout,
    item: &Item,
) -> Result<Option<Zeroizing<Vec<u8>>>, ContainerError> {
    let Some((section, _)) = layout.thumbnail else {
        return Ok(None);
    };
    src.seek(SeekFrom::Start(section.offset))?;
    let mut opener = Opener::new(
        &item.media_key,
        &layout.media_id,
        MediaKind::Thumbnail,
        src.take(section.len),
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
/// it received is an authenticated prefix and must be discarded.
///
/// # Errors
/// Stream errors as [`ContainerError::Core`]; [`ContainerError::SizeMismatch`] if the
/// stream's length differs from the metadata's size; I/O errors of `sink`.
pub fn copy_original<R: Read + Seek, W: Write>(
    src: &mut R,
    layout: &Layout,
    item: &Item,
    sink: &mut W,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, ContainerError> {
    let (section, _) = layout.original;
    src.seek(SeekFrom::Start(section.offset))?;
    let mut opener = Opener::new(
        &item.media_key,
        &layout.media_id,
        MediaKind::Original,
        src.take(section.len),
    )
    .map_err(original_error)?;
    let done = pump(&mut opener, sink, progress, &original_error)?;
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
/// time; returns how many bytes were written.
///
/// # Errors
/// `RangeOutOfBounds` and stream errors as [`ContainerError::Core`]; I/O errors.
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
    let mut at = offset;
    let mut window = Window::new(src, *section);
    loop {
        let want = (end - at).min(RANGE_PIECE);
        let piece = Zeroizing::new(
            stream::open_range(
                &item.media_key,
                &layout.media_id,
                MediaKind::Original,
                &mut window,
                at,
                want,
            )
            .map_err(original_error)?,
        );
        sink.write_all(&piece)?;
        at += piece.len() as u64;
        if at >= end || piece.is_empty() {
            break;
        }
    }
    Ok(at - offset)
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
