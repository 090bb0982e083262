//! Writing a container: a fresh media key wrapped under the album key, the optional
//! thumbnail, the original sealed as it streams in (its chunk hashes computed in the same
//! pass), then its hash list and the metadata envelope holding the signed item record.

use std::io::{Read, Write};

use keepsake::account::Keyring;
use keepsake::provenance::HASH_LEN;
use keepsake::stream::{self, SealOptions, Sealer};
use keepsake::{AlbumKey, MediaBlob, MediaId, MediaKey, MediaKind};
use zeroize::Zeroizing;

use super::read::COPY_STEP;
use super::{ContainerError, Metadata, encode_preamble, encode_trailer};

/// What one sealed container holds, besides the original's bytes.
pub struct Parts<'a> {
    /// The album (and epoch) to wrap the media key under.
    pub album: &'a AlbumKey,
    /// The uploader: signs the item's manifest with its identity key (SPEC.md 5.10).
    pub signer: &'a Keyring,
    /// The album history entry the manifest names (SPEC.md 5.12): the newest entry whose
    /// epoch is the album key's.
    pub history: [u8; HASH_LEN],
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

/// Seals `input` as a container into `out`, with a fresh random media key, and signs it
/// as `parts.signer`; returns `out` and the container's length. `progress` is told of
/// each piece of plaintext read. Memory stays bounded: one copy buffer, the sealer's
/// batches and 32 bytes per chunk of the original (its hash list).
///
/// # Errors
/// [`ContainerError::InputChanged`] when `input` yields more or fewer bytes than
/// `parts.metadata.size`; I/O errors; core errors (randomness, sizes, signing).
pub fn write_container<R: Read, W: Write>(
    parts: &Parts<'_>,
    mut input: R,
    mut out: W,
    progress: &mut dyn FnMut(u64),
) -> Result<(W, u64), ContainerError> {
    let media_key = MediaKey::generate().map_err(core("media key"))?;
    let id = &parts.media_id;
    let options = parts.options.with_provenance(true);
    let wrapped = parts
        .album
        .wrap_media_key(id, &media_key)
        .map_err(core("wrapped media key"))?;
    let json = Zeroizing::new(parts.metadata.to_json()?);
    let thumbnail = parts
        .thumbnail
        .map(|plain| stream::seal_part(&media_key, id, MediaKind::Thumbnail, plain, &options))
        .transpose()
        .map_err(core("thumbnail stream"))?;
    let original_len = stream::sealed_len(parts.metadata.size, options.chunk_size_log2())
        .map_err(core("original stream"))?;
    let preamble = encode_preamble(
        &parts.album.album_id(),
        parts.album.epoch(),
        id,
        &wrapped,
        thumbnail.as_ref().map(|(bytes, _)| &bytes[..]),
        original_len,
    )?;
    out.write_all(&preamble)?;
    let mut sealer = Sealer::with_options(&media_key, id, MediaKind::Original, out, &options)
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
    let (mut out, original) = sealer.finish_part().map_err(core("original stream"))?;
    let mut entries = vec![original.entry()];
    entries.extend(thumbnail.as_ref().map(|(_, part)| part.entry()));
    let record = Zeroizing::new(
        parts
            .signer
            .sign_item(
                id,
                parts.album.album_id(),
                parts.album.epoch(),
                &parts.history,
                &entries,
                &json,
            )
            .map_err(core("item record"))?,
    );
    let metadata = media_key
        .seal_blob(id, MediaBlob::Metadata, &record)
        .map_err(core("metadata envelope"))?;
    let trailer = encode_trailer(&original.hashes().list_bytes(), &metadata)?;
    out.write_all(&trailer)?;
    out.flush()?;
    Ok((
        out,
        preamble.len() as u64 + original_len + trailer.len() as u64,
    ))
}
