//! Writing a container: a fresh media key wrapped under the album key, the metadata
//! envelope, the optional thumbnail, then the original sealed as it streams in.

use std::io::{Read, Write};

use keepsake::stream::{self, SealOptions, Sealer};
use keepsake::{AlbumKey, MediaBlob, MediaId, MediaKey, MediaKind};
use zeroize::Zeroizing;

use super::read::COPY_STEP;
use super::{ContainerError, Metadata, encode_preamble};

/// What one sealed container holds, besides the original's bytes.
pub struct Parts<'a> {
    /// The album (and epoch) to wrap the media key under.
    pub album: &'a AlbumKey,
    /// The new item's id.
    pub media_id: MediaId,
    /// The metadata; `size` must be the exact length `input` yields.
    pub metadata: &'a Metadata,
    /// A thumbnail's plaintext, if any.
    pub thumbnail: Option<&'a [u8]>,
    /// Chunk size and parallelism of the streams.
    pub options: SealOptions,
}

fn core(what: &'static str) -> impl Fn(keepsake::Error) -> ContainerError {
    move |err| ContainerError::Core { what, err }
}

/// Seals `input` as a container into `out`, with a fresh random media key; returns `out`
/// and the container's length. `progress` is told of each piece of plaintext read.
///
/// # Errors
/// [`ContainerError::InputChanged`] when `input` yields more or fewer bytes than
/// `parts.metadata.size`; I/O errors; core errors (randomness, sizes).
pub fn write_container<R: Read, W: Write>(
    parts: &Parts<'_>,
    mut input: R,
    mut out: W,
    progress: &mut dyn FnMut(u64),
) -> Result<(W, u64), ContainerError> {
    let media_key = MediaKey::generate().map_err(core("media key"))?;
    let id = &parts.media_id;
    let wrapped = parts
        .album
        .wrap_media_key(id, &media_key)
        .map_err(core("wrapped media key"))?;
    let json = Zeroizing::new(parts.metadata.to_json()?);
    let metadata = media_key
        .seal_blob(id, MediaBlob::Metadata, &json)
        .map_err(core("metadata envelope"))?;
    let thumbnail = parts
        .thumbnail
        .map(|plain| stream::seal_with(&media_key, id, MediaKind::Thumbnail, plain, &parts.options))
        .transpose()
        .map_err(core("thumbnail stream"))?;
    let preamble = encode_preamble(
        &parts.album.album_id(),
        parts.album.epoch(),
        id,
        &wrapped,
        &metadata,
        thumbnail.as_deref(),
    )?;
    out.write_all(&preamble)?;
    let mut sealer = Sealer::with_options(&media_key, id, MediaKind::Original, out, &parts.options)
        .map_err(core("original stream"))?;
    let mut buf = Zeroizing::new(vec![0u8; COPY_STEP]);
    let mut done = 0u64;
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        done += n as u64;
        if done > parts.metadata.size {
            return Err(ContainerError::InputChanged);
        }
        sealer
            .write_all(&buf[..n])
            .map_err(|e| ContainerError::Core {
                what: "original stream",
                err: keepsake::Error::from_io(e),
            })?;
        progress(n as u64);
    }
    if done != parts.metadata.size {
        return Err(ContainerError::InputChanged);
    }
    let out = sealer.finish().map_err(core("original stream"))?;
    let sealed = stream::sealed_len(done, parts.options.chunk_size_log2())
        .map_err(core("original stream"))?;
    Ok((out, preamble.len() as u64 + sealed))
}
