//! The seal index (SPEC.md section 8.9): what `seal` already wrote into an output folder,
//! so that sealing the same folder again seals only new and changed files, and `open`
//! skips files already restored identically and versions superseded by a newer one.
//!
//! The index is one file in the output folder, [`INDEX_FILE`], encrypted under a fresh
//! key wrapped under the album key exactly as a container's media key is:
//!
//! ```text
//! "KSIX" | version | album id | be64 epoch | index id | wrapped index key (105)
//!        | sealed stream of kind sidecar (to the end of the file)
//! ```
//!
//! The stream's plaintext is JSON: `{"format":"keepsake-cli-index","version":1,
//! "entries":[...]}`, one entry per recorded name (relative path, size, modification
//! time, permission bits, SHA-256 of the content, the container holding it and its
//! length, and the containers of earlier versions). The server holds the index, so it is
//! untrusted input: its length is capped before it is read, the stream authenticates
//! before its plaintext is parsed, and every field is checked.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use keepsake::account::Keyring;
use keepsake::stream::{self, HEADER_LEN, Header, MIN_CHUNK_LOG2, SealOptions};
use keepsake::{AlbumId, AlbumKey, ID_LEN, MediaId, MediaKey, MediaKind};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::container::metadata::{MODE_MASK, Metadata, mode_of, safe_relative_path};
use crate::container::read::{COPY_STEP, Item, copy_original, read_thumbnail};
use crate::container::{self, ContainerError, Layout};
use crate::error::{CliError, CliResult, exit};
use crate::fsutil;
use crate::open::Keys;
use crate::seal::{Job, Sealed};

mod session;

pub use session::{Session, Unchanged, expand_batch, report_unchanged, same_content, superseded};

/// The index's file name in the output folder.
pub const INDEX_FILE: &str = "index.ks-index";
/// The first four bytes of an index file.
pub const INDEX_MAGIC: [u8; 4] = *b"KSIX";
/// The index file version this build writes and reads.
pub const INDEX_VERSION: u8 = 1;
/// The stream kind of the index (containers never hold one: no container stream opens as
/// an index, and no index as a container's stream).
pub const INDEX_KIND: MediaKind = MediaKind::Sidecar;
/// The plaintext's `format` field.
pub const INDEX_FORMAT: &str = "keepsake-cli-index";
/// The plaintext's `version` field.
pub const INDEX_FORMAT_VERSION: u32 = 1;
/// Largest index plaintext (JSON): 64 MiB, some 250 000 files.
pub const MAX_INDEX_PLAINTEXT: u64 = 64 << 20;
/// Offset of the sealed stream: magic through the wrapped key (as a container's fixed
/// part).
pub const INDEX_STREAM_OFFSET: usize = container::FIXED_LEN;

/// Largest index file read: the fixed part and the largest plaintext sealed with the
/// smallest chunks (the most tags).
pub fn max_index_len() -> u64 {
    stream::sealed_len(MAX_INDEX_PLAINTEXT, MIN_CHUNK_LOG2)
        .map_or(u64::MAX, |s| s + INDEX_STREAM_OFFSET as u64)
}

/// Why an index was refused.
#[derive(Debug)]
pub enum IndexError {
    /// The file does not start with `KSIX`.
    NotAnIndex,
    /// Another index version.
    UnsupportedVersion(u8),
    /// Shorter than its fixed part.
    Truncated,
    /// Longer than [`max_index_len`], or its plaintext longer than [`MAX_INDEX_PLAINTEXT`].
    TooLarge,
    /// The index is for another album or epoch than the key at hand.
    WrongAlbum {
        /// The index's album and epoch.
        index: (AlbumId, u64),
        /// The key's.
        key: (AlbumId, u64),
    },
    /// The wrapped key or the stream did not authenticate (one opaque error).
    Authentication,
    /// Authenticated, but not a valid index (or a malformed stream header).
    Malformed(String),
    /// An I/O error.
    Io(io::Error),
}

impl fmt::Display for IndexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAnIndex => f.write_str("not a keepsake index (bad magic bytes)"),
            Self::UnsupportedVersion(v) => write!(f, "unsupported index version {v}"),
            Self::Truncated => f.write_str("truncated index"),
            Self::TooLarge => write!(
                f,
                "index too large (more than {MAX_INDEX_PLAINTEXT} bytes of plaintext)"
            ),
            Self::WrongAlbum { index, key } => write!(
                f,
                "the index is for album {} epoch {}, the key for album {} epoch {}",
                index.0, index.1, key.0, key.1
            ),
            Self::Authentication => f.write_str(
                "the index failed authentication (it was altered, or written under \
                 another account's key)",
            ),
            Self::Malformed(why) => write!(f, "malformed index: {why}"),
            Self::Io(e) => write!(f, "{e}"),
        }
    }
}

impl IndexError {
    /// The error's name, as SPEC.md 8.9 and `tests/vectors/index-v1.json` name it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::NotAnIndex => "NotAnIndex",
            Self::UnsupportedVersion(_) => "UnsupportedIndexVersion",
            Self::Truncated => "TruncatedIndex",
            Self::TooLarge => "IndexTooLarge",
            Self::WrongAlbum { .. } => "WrongAlbum",
            Self::Authentication => "DecryptionFailed",
            Self::Malformed(_) => "MalformedIndex",
            Self::Io(_) => "Io",
        }
    }
}

impl From<io::Error> for IndexError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

/// One recorded file: the newest container sealed for `name`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The name (relative path) recorded in the container's metadata.
    pub name: String,
    /// Length in bytes.
    pub size: u64,
    /// Modification time, whole seconds (as in the container's metadata).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtime: Option<i64>,
    /// Nanoseconds within that second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtime_nanos: Option<u32>,
    /// Permission bits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    /// SHA-256 of the content, 64 lowercase hex digits.
    pub sha256: String,
    /// The container's media id, 32 lowercase hex digits (its file is `<container>.ks`).
    pub container: String,
    /// The container's length in bytes.
    pub sealed_len: u64,
    /// Media ids of other containers of `name` (earlier versions, or duplicates left by
    /// seals without an index), in the order they were recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    format: String,
    version: u32,
    entries: Vec<Entry>,
}

/// The entries of an index, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Index {
    /// Entries by name.
    pub entries: BTreeMap<String, Entry>,
}

fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Entry {
    fn check(&self) -> Result<(), String> {
        safe_relative_path(&self.name).map_err(|e| e.to_string())?;
        let name = &self.name;
        if !is_hex(&self.sha256, 64) {
            return Err(format!("{name:?}: sha256 is not 64 lowercase hex digits"));
        }
        if !is_hex(&self.container, 2 * ID_LEN)
            || !self.previous.iter().all(|p| is_hex(p, 2 * ID_LEN))
        {
            return Err(format!(
                "{name:?}: a container id is not 32 lowercase hex digits"
            ));
        }
        if self.mtime_nanos.is_some_and(|n| n >= 1_000_000_000) {
            return Err(format!("{name:?}: mtime_nanos out of range"));
        }
        if self.mode.is_some_and(|m| m & !MODE_MASK != 0) {
            return Err(format!("{name:?}: mode has bits outside 0o777"));
        }
        Ok(())
    }

    /// The container's file in `dir`.
    pub fn container_path(&self, dir: &Path) -> PathBuf {
        dir.join(format!("{}.ks", self.container))
    }
}

impl Index {
    /// The plaintext: JSON, entries in name order.
    ///
    /// # Errors
    /// [`IndexError::TooLarge`].
    pub fn to_json(&self) -> Result<Zeroizing<Vec<u8>>, IndexError> {
        let wire = Wire {
            format: INDEX_FORMAT.into(),
            version: INDEX_FORMAT_VERSION,
            entries: self.entries.values().cloned().collect(),
        };
        let json = Zeroizing::new(
            serde_json::to_vec(&wire).map_err(|e| IndexError::Malformed(e.to_string()))?,
        );
        if json.len() as u64 > MAX_INDEX_PLAINTEXT {
            return Err(IndexError::TooLarge);
        }
        Ok(json)
    }

    /// Parses and checks an authenticated plaintext.
    ///
    /// # Errors
    /// [`IndexError::Malformed`]: not JSON of this shape, another format or version, a bad
    /// field, a name recorded twice.
    pub fn from_json(json: &[u8]) -> Result<Self, IndexError> {
        let wire: Wire =
            serde_json::from_slice(json).map_err(|e| IndexError::Malformed(e.to_string()))?;
        if wire.format != INDEX_FORMAT || wire.version != INDEX_FORMAT_VERSION {
            return Err(IndexError::Malformed(format!(
                "format {:?} version {}, expected {INDEX_FORMAT:?} version {INDEX_FORMAT_VERSION}",
                wire.format, wire.version
            )));
        }
        let mut entries = BTreeMap::new();
        for entry in wire.entries {
            entry.check().map_err(IndexError::Malformed)?;
            let name = entry.name.clone();
            if entries.insert(name.clone(), entry).is_some() {
                return Err(IndexError::Malformed(format!("{name:?} is recorded twice")));
            }
        }
        Ok(Self { entries })
    }

    /// The index file: a fresh index key wrapped under `album`, the plaintext sealed under
    /// it.
    ///
    /// # Errors
    /// [`IndexError::TooLarge`]; the OS random generator failing (as `Malformed`).
    pub fn seal(&self, album: &AlbumKey) -> Result<Vec<u8>, IndexError> {
        let core = |e: keepsake::Error| IndexError::Malformed(e.to_string());
        let json = self.to_json()?;
        let index_id = MediaId::random().map_err(core)?;
        let key = MediaKey::generate().map_err(core)?;
        let wrapped = album.wrap_media_key(&index_id, &key).map_err(core)?;
        let sealed = stream::seal_with(&key, &index_id, INDEX_KIND, &json, &SealOptions::new())
            .map_err(core)?;
        Ok(encode(
            &album.album_id(),
            album.epoch(),
            &index_id,
            &wrapped,
            &sealed,
        ))
    }

    /// Opens an index file with `album`, checking in the order of SPEC.md 8.9.
    ///
    /// # Errors
    /// Any [`IndexError`] but `Io`.
    pub fn open(bytes: &[u8], album: &AlbumKey) -> Result<Self, IndexError> {
        let (album_id, epoch) = header(bytes)?;
        if (album_id, epoch) != (album.album_id(), album.epoch()) {
            return Err(IndexError::WrongAlbum {
                index: (album_id, epoch),
                key: (album.album_id(), album.epoch()),
            });
        }
        let id_at = 5 + ID_LEN + 8;
        let index_id = MediaId::from_slice(&bytes[id_at..id_at + ID_LEN])
            .map_err(|e| IndexError::Malformed(e.to_string()))?;
        let key = album
            .unwrap_media_key(&index_id, &bytes[id_at + ID_LEN..INDEX_STREAM_OFFSET])
            .map_err(|e| match e {
                keepsake::Error::DecryptionFailed => IndexError::Authentication,
                other => IndexError::Malformed(other.to_string()),
            })?;
        let json = Zeroizing::new(
            stream::open(&key, &index_id, INDEX_KIND, &bytes[INDEX_STREAM_OFFSET..]).map_err(
                |e| match e {
                    keepsake::Error::DecryptionFailed => IndexError::Authentication,
                    other => IndexError::Malformed(format!("index stream: {other}")),
                },
            )?,
        );
        if json.len() as u64 > MAX_INDEX_PLAINTEXT {
            return Err(IndexError::TooLarge);
        }
        Self::from_json(&json)
    }
}

/// An index file from its parts: the fixed part (magic, version, album id, epoch, index
/// id, the wrapped index key) and the sealed stream.
pub fn encode(
    album_id: &AlbumId,
    epoch: u64,
    index_id: &MediaId,
    wrapped_key: &[u8],
    sealed: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(INDEX_STREAM_OFFSET + sealed.len());
    out.extend_from_slice(&INDEX_MAGIC);
    out.push(INDEX_VERSION);
    out.extend_from_slice(album_id.as_bytes());
    out.extend_from_slice(&epoch.to_be_bytes());
    out.extend_from_slice(index_id.as_bytes());
    out.extend_from_slice(wrapped_key);
    out.extend_from_slice(sealed);
    out
}

/// The album id and epoch an index file names, after its structural checks (magic,
/// version, length).
///
/// # Errors
/// [`IndexError::NotAnIndex`], [`IndexError::UnsupportedVersion`],
/// [`IndexError::Truncated`], [`IndexError::TooLarge`].
pub fn header(bytes: &[u8]) -> Result<(AlbumId, u64), IndexError> {
    if bytes.len() < 4 {
        return Err(IndexError::Truncated);
    }
    if bytes[..4] != INDEX_MAGIC {
        return Err(IndexError::NotAnIndex);
    }
    if bytes.len() < 5 {
        return Err(IndexError::Truncated);
    }
    if bytes[4] != INDEX_VERSION {
        return Err(IndexError::UnsupportedVersion(bytes[4]));
    }
    if bytes.len() < INDEX_STREAM_OFFSET {
        return Err(IndexError::Truncated);
    }
    if bytes.len() as u64 > max_index_len() {
        return Err(IndexError::TooLarge);
    }
    let album_id = AlbumId::from_slice(&bytes[5..5 + ID_LEN])
        .map_err(|e| IndexError::Malformed(e.to_string()))?;
    let mut epoch = [0u8; 8];
    epoch.copy_from_slice(&bytes[5 + ID_LEN..13 + ID_LEN]);
    Ok((album_id, u64::from_be_bytes(epoch)))
}

/// The public structure of an index file, for `inspect`: its fixed part and its stream's
/// header, read without a key (at most 238 bytes).
///
/// # Errors
/// The structural failures of SPEC.md 8.9 steps 1–4, a stream header that does not parse
/// or names another kind or id (`MalformedIndex`); I/O errors.
pub fn inspect_json<R: Read + io::Seek>(src: &mut R) -> Result<serde_json::Value, IndexError> {
    let len = src.seek(io::SeekFrom::End(0))?;
    if len > max_index_len() {
        return Err(IndexError::TooLarge);
    }
    src.seek(io::SeekFrom::Start(0))?;
    let mut fixed = Vec::with_capacity(INDEX_STREAM_OFFSET + HEADER_LEN);
    src.take((INDEX_STREAM_OFFSET + HEADER_LEN) as u64)
        .read_to_end(&mut fixed)?;
    let (album_id, epoch) = header(&fixed)?;
    let id_at = 5 + ID_LEN + 8;
    let index_id = MediaId::from_slice(&fixed[id_at..id_at + ID_LEN])
        .map_err(|e| IndexError::Malformed(e.to_string()))?;
    let stream_header = Header::parse(&fixed[INDEX_STREAM_OFFSET..])
        .map_err(|e| IndexError::Malformed(format!("index stream: {e}")))?;
    if stream_header.kind() != INDEX_KIND || stream_header.media_id() != index_id {
        return Err(IndexError::Malformed(
            "the stream names another kind or id".into(),
        ));
    }
    let section = container::Section {
        offset: INDEX_STREAM_OFFSET as u64,
        len: len - INDEX_STREAM_OFFSET as u64,
    };
    Ok(serde_json::json!({
        "type": "seal-index",
        "magic": "KSIX",
        "version": INDEX_VERSION,
        "len": len,
        "album_id": album_id.to_string(),
        "epoch": epoch,
        "index_id": index_id.to_string(),
        "wrapped_index_key": {
            "offset": id_at + ID_LEN,
            "len": INDEX_STREAM_OFFSET - id_at - ID_LEN,
            "envelope_version": fixed.get(id_at + ID_LEN).copied(),
        },
        "stream": crate::inspect::stream_json(&stream_header, section),
        "authenticated": false,
    }))
}

/// Reads an index file's bytes, refusing one longer than [`max_index_len`] before reading
/// it all; `None` when there is none.
///
/// # Errors
/// I/O errors; [`IndexError::TooLarge`].
pub fn read_raw(path: &Path) -> Result<Option<Vec<u8>>, IndexError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let cap = max_index_len();
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(IndexError::TooLarge);
    }
    Ok(Some(bytes))
}

/// SHA-256 of everything read through it.
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> HashingReader<R> {
    /// Hashes what `inner` yields.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
        }
    }

    /// The hash of what was read.
    pub fn finish(self) -> [u8; 32] {
        self.hasher.finalize().into()
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    fn album(seed: u8) -> AlbumKey {
        AlbumKey::from_bytes(AlbumId::from_bytes([seed; 16]), 0, [seed; 32])
    }

    fn entry(name: &str) -> Entry {
        Entry {
            name: name.into(),
            size: 3,
            mtime: Some(1_700_000_000),
            mtime_nanos: Some(5),
            mode: Some(0o640),
            sha256: "ab".repeat(32),
            container: "01".repeat(16),
            sealed_len: 300,
            previous: vec!["02".repeat(16)],
        }
    }

    fn sample() -> Index {
        let mut index = Index::default();
        for name in ["Photos/a.jpg", "Photos/b.jpg"] {
            index.entries.insert(name.into(), entry(name));
        }
        index
    }

    #[test]
    fn an_index_round_trips_and_hides_its_names() {
        let index = sample();
        let bytes = index.seal(&album(1)).unwrap();
        assert_eq!(&bytes[..4], b"KSIX");
        assert!(!bytes.windows(6).any(|w| w == b"Photos"));
        assert_eq!(Index::open(&bytes, &album(1)).unwrap(), index);
    }

    #[test]
    fn a_damaged_or_foreign_index_is_refused_without_panicking() {
        let key = album(1);
        let bytes = sample().seal(&key).unwrap();
        for cut in [0, 3, 4, 5, 100, 149, 150, 200, bytes.len() - 1] {
            assert!(Index::open(&bytes[..cut], &key).is_err(), "cut at {cut}");
        }
        for at in [0, 4, 5, 21, 29, 60, 150, 160, 240, bytes.len() - 1] {
            let mut bad = bytes.clone();
            bad[at] ^= 1;
            assert!(Index::open(&bad, &key).is_err(), "flip at {at}");
        }
        let mut bad = bytes.clone();
        bad[200] ^= 1;
        assert!(matches!(
            Index::open(&bad, &key),
            Err(IndexError::Authentication)
        ));
        // Same album id and epoch, another key: one opaque error.
        let other = AlbumKey::from_bytes(AlbumId::from_bytes([1; 16]), 0, [9; 32]);
        assert!(matches!(
            Index::open(&bytes, &other),
            Err(IndexError::Authentication)
        ));
        assert!(matches!(
            Index::open(&bytes, &album(2)),
            Err(IndexError::WrongAlbum { .. })
        ));
        let mut appended = bytes.clone();
        appended.push(0);
        assert!(Index::open(&appended, &key).is_err());
    }

    /// A small deterministic generator (xorshift64*), so the mutation tests need no crate.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    #[test]
    fn mutated_indexes_and_plaintexts_never_panic_and_never_open() {
        let key = album(1);
        let bytes = sample().seal(&key).unwrap();
        let json = sample().to_json().unwrap();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for round in 0..3000 {
            let mut bad = bytes.clone();
            let len = bad.len() as u64;
            match round % 4 {
                0 => bad.truncate((next(&mut state) % len) as usize),
                1 => {
                    for _ in 0..=next(&mut state) % 4 {
                        let at = (next(&mut state) % len) as usize;
                        bad[at] ^= (next(&mut state) % 255 + 1) as u8;
                    }
                }
                2 => bad.extend((0..next(&mut state) % 40).map(|_| next(&mut state) as u8)),
                _ => {
                    bad = (0..next(&mut state) % 400)
                        .map(|_| next(&mut state) as u8)
                        .collect();
                    if round % 8 == 3 && bad.len() >= 5 {
                        bad[..5].copy_from_slice(b"KSIX\x01");
                    }
                }
            }
            if bad != bytes {
                assert!(Index::open(&bad, &key).is_err(), "round {round}");
                let _ = inspect_json(&mut std::io::Cursor::new(&bad));
            }
            // Authentic plaintexts, mutated: parsed or refused, never a panic.
            let mut text = json.to_vec();
            for _ in 0..=next(&mut state) % 3 {
                let at = (next(&mut state) % text.len() as u64) as usize;
                text[at] = b"{}[],:\"0123456789aef-\\ x"[(next(&mut state) % 24) as usize];
            }
            if let Ok(index) = Index::from_json(&text) {
                assert!(index.entries.values().all(|e| e.check().is_ok()));
            }
        }
    }

    #[test]
    fn an_index_replaced_during_a_seal_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let key = album(1);
        let sealed = |id: u8| Sealed {
            path: PathBuf::new(),
            media_id: MediaId::from_bytes([id; 16]),
            plaintext_len: 3,
            sealed_len: 300,
            metadata: Metadata::new("a.jpg".into(), 3, None),
            sha256: [id; 32],
        };
        // Nothing recorded: nothing written.
        let session = Session::load(dir.path(), &key, None, false).unwrap();
        session.save(&key).unwrap();
        assert!(!dir.path().join(INDEX_FILE).exists());
        // Written once; then another process writes its own while this one seals.
        let mut session = Session::load(dir.path(), &key, None, false).unwrap();
        session.record("a.jpg", &sealed(1));
        session.save(&key).unwrap();
        let mut first = Session::load(dir.path(), &key, None, false).unwrap();
        let mut second = Session::load(dir.path(), &key, None, false).unwrap();
        second.record("a.jpg", &sealed(2));
        second.save(&key).unwrap();
        let theirs = std::fs::read(dir.path().join(INDEX_FILE)).unwrap();
        first.record("a.jpg", &sealed(3));
        let err = first.save(&key).err().unwrap();
        assert!(err.message.contains("another process"), "{}", err.message);
        assert_eq!(std::fs::read(dir.path().join(INDEX_FILE)).unwrap(), theirs);
        // What the second wrote: version 2, with version 1 as the earlier one.
        let index = Index::open(&theirs, &key).unwrap();
        let entry = &index.entries["a.jpg"];
        assert_eq!(entry.container, "02".repeat(16));
        assert_eq!(entry.previous, vec!["01".repeat(16)]);
        assert_eq!(entry.sha256, "02".repeat(32));
    }

    /// Writes a container of `src` into `out` as `name`, with `metadata` adjusted by `edit`.
    fn container_of(
        key: &AlbumKey,
        src: &Path,
        out: &Path,
        name: &str,
        edit: impl Fn(&mut Metadata),
    ) -> PathBuf {
        use crate::container::write::{Parts, write_container};
        let meta = fs::metadata(src).unwrap();
        let mut metadata =
            Metadata::new(name.into(), meta.len(), meta.modified().ok()).with_mode(mode_of(&meta));
        edit(&mut metadata);
        let media_id = MediaId::random().unwrap();
        let path = out.join(format!("{media_id}.ks"));
        let signer = keepsake::hazmat::keyring_from_secrets(&[[9; 32]], [8; 32]);
        let parts = Parts {
            album: key,
            signer: &signer,
            history: [0; 32],
            media_id,
            metadata: &metadata,
            thumbnail: None,
            options: SealOptions::new(),
        };
        let file = File::create(&path).unwrap();
        write_container(&parts, File::open(src).unwrap(), file, &mut |_| {}).unwrap();
        path
    }

    #[test]
    fn unrecorded_containers_are_found_only_when_metadata_and_content_match() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        fs::create_dir_all(&out).unwrap();
        let src = dir.path().join("a.jpg");
        fs::write(&src, b"the photo").unwrap();
        let key = album(1);
        let job = Job {
            src: src.clone(),
            name: "a.jpg".into(),
            size: 9,
        };
        // Written without a mode (as before modes were recorded), with another time, with
        // other content of the same length, and under another album: none is the file.
        let no_mode = container_of(&key, &src, &out, "a.jpg", |m| m.mode = None);
        let other_time = container_of(&key, &src, &out, "a.jpg", |m| {
            m.mtime = m.mtime.map(|t| t - 1);
        });
        let other = dir.path().join("other.jpg");
        fs::write(&other, b"not photo").unwrap();
        let other_content = container_of(&key, &other, &out, "a.jpg", |m| {
            let real = Metadata::new(
                String::new(),
                9,
                fs::metadata(&src).unwrap().modified().ok(),
            );
            m.mtime = real.mtime;
            m.mtime_nanos = real.mtime_nanos;
        });
        let foreign = container_of(&album(2), &src, &out, "a.jpg", |_| {});
        let mut session = Session::load(&out, &key, None, false).unwrap();
        assert_eq!(
            session.orphans["a.jpg"].len(),
            3,
            "the foreign one is not kept"
        );
        let (seal, unchanged, failed) = session.partition(vec![job.clone()], false);
        assert_eq!((seal.len(), unchanged.len(), failed.len()), (1, 0, 0));
        // Sealed anew: the three become its earlier versions.
        let signer = keepsake::hazmat::keyring_from_secrets(&[[9; 32]], [8; 32]);
        let uploader = crate::seal::Uploader {
            keyring: &signer,
            history: [0; 32],
        };
        let sealed = crate::seal::seal_one(
            &key,
            uploader,
            &job,
            &out,
            None,
            SealOptions::new(),
            &indicatif::ProgressBar::hidden(),
        )
        .unwrap();
        assert!(!session.record("a.jpg", &sealed));
        let entry = &session.index.entries["a.jpg"];
        let mut previous = entry.previous.clone();
        previous.sort();
        let mut expected: Vec<String> = [&no_mode, &other_time, &other_content]
            .iter()
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        expected.sort();
        assert_eq!(previous, expected);
        assert!(foreign.exists());

        // A matching one is found, and recorded, without sealing.
        let dir2 = tempfile::tempdir().unwrap();
        let matching = container_of(&key, &src, dir2.path(), "a.jpg", |_| {});
        let mut session = Session::load(dir2.path(), &key, None, false).unwrap();
        let (seal, unchanged, _) = session.partition(vec![job], false);
        assert!(seal.is_empty());
        assert!(unchanged[0].adopted);
        assert_eq!(unchanged[0].container, matching);
        assert_eq!(
            session.index.entries["a.jpg"].sha256,
            hex::encode(Sha256::digest(b"the photo"))
        );
        assert!(session.changed);
    }

    #[test]
    fn inspect_reads_only_the_public_structure_and_refuses_cut_files() {
        let bytes = sample().seal(&album(1)).unwrap();
        let json = inspect_json(&mut std::io::Cursor::new(&bytes)).unwrap();
        assert_eq!(json["album_id"], AlbumId::from_bytes([1; 16]).to_string());
        assert_eq!(json["stream"]["kind"], "sidecar");
        for cut in [0, 3, 4, 5, 149, 150, 237] {
            assert!(
                inspect_json(&mut std::io::Cursor::new(&bytes[..cut])).is_err(),
                "cut at {cut}"
            );
        }
        let mut other_kind = bytes.clone();
        other_kind[INDEX_STREAM_OFFSET + 7] = 0;
        assert!(inspect_json(&mut std::io::Cursor::new(&other_kind)).is_err());
    }

    #[test]
    fn authenticated_but_malformed_plaintexts_are_refused() {
        let key = album(1);
        let seal_json = |json: &[u8]| {
            let id = MediaId::from_bytes([7; 16]);
            let media_key = MediaKey::generate().unwrap();
            encode(
                &key.album_id(),
                0,
                &id,
                &key.wrap_media_key(&id, &media_key).unwrap(),
                &stream::seal(&media_key, &id, INDEX_KIND, json).unwrap(),
            )
        };
        let good = sample().to_json().unwrap();
        assert!(Index::open(&seal_json(&good), &key).is_ok());
        let text = String::from_utf8(good.to_vec()).unwrap();
        for bad in [
            "not json".to_string(),
            text.replace(INDEX_FORMAT, "something-else"),
            text.replace("\"version\":1", "\"version\":2"),
            text.replace("Photos/b.jpg", "Photos/a.jpg"),
            text.replace("Photos/b.jpg", "../b.jpg"),
            text.replacen(&"ab".repeat(32), "zz", 1),
            text.replacen(&"01".repeat(16), "01", 1),
            text.replacen("416", "4095", 1),
            text.replacen("\"mtime_nanos\":5", "\"mtime_nanos\":1000000000", 1),
            text.replacen("\"size\":3", "\"size\":-3", 1),
            text.replacen("\"size\":3", "\"size\":3,\"extra\":1", 1),
        ] {
            assert!(
                matches!(
                    Index::open(&seal_json(bad.as_bytes()), &key),
                    Err(IndexError::Malformed(_))
                ),
                "{bad}"
            );
        }
        // A container's parts (a wrapped media key and an original stream under it, even
        // of an index plaintext) do not open as an index: the kind is in the key schedule.
        let id = MediaId::from_bytes([7; 16]);
        let media_key = MediaKey::generate().unwrap();
        let forged = encode(
            &key.album_id(),
            0,
            &id,
            &key.wrap_media_key(&id, &media_key).unwrap(),
            &stream::seal(&media_key, &id, MediaKind::Original, &good).unwrap(),
        );
        assert!(matches!(
            Index::open(&forged, &key),
            Err(IndexError::Authentication)
        ));
    }
}
