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

/// What an index file is now, to notice a replacement: the SHA-256 of its content, read
/// in one streaming pass, or for a file over the cap (never read) of its length and
/// modification time; `None` when it is missing.
fn stamp(path: &Path) -> io::Result<Option<[u8; 32]>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if meta.len() > max_index_len() {
        let mut hasher = Sha256::new();
        hasher.update(meta.len().to_be_bytes());
        hasher.update(format!("{:?}", meta.modified().ok()).as_bytes());
        return Ok(Some(hasher.finalize().into()));
    }
    let mut reader = HashingReader::new(BufReader::with_capacity(COPY_STEP, file));
    io::copy(&mut reader, &mut io::sink())?;
    Ok(Some(reader.finish()))
}

/// A file's size, time and mode as a container's metadata records them.
fn stat_of(meta: &fs::Metadata) -> (u64, Option<i64>, Option<u32>, Option<u32>) {
    let now =
        Metadata::new(String::new(), meta.len(), meta.modified().ok()).with_mode(mode_of(meta));
    (now.size, now.mtime, now.mtime_nanos, now.mode)
}

/// Whether a file's size, time and mode are those an entry records.
fn stat_matches(entry: &Entry, meta: &fs::Metadata) -> bool {
    stat_of(meta) == (entry.size, entry.mtime, entry.mtime_nanos, entry.mode)
}

/// SHA-256 of everything written to it.
struct HashingWriter(Sha256);

impl Write for HashingWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.0.update(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A container in the output folder that the index does not record (a seal killed before
/// it wrote the index, a discarded index, or a folder sealed before indexes existed),
/// whose media key and metadata authenticate under the album key.
struct Orphan {
    path: PathBuf,
    layout: Layout,
    item: Item,
}

impl Orphan {
    /// SHA-256 of its original, decrypted and authenticated to the end; `None` if it does
    /// not open.
    fn content_hash(&self) -> Option<[u8; 32]> {
        let mut file = File::open(&self.path).ok()?;
        let mut sink = HashingWriter(Sha256::new());
        copy_original(&mut file, &self.layout, &self.item, &mut sink, &mut |_| {}).ok()?;
        Some(sink.0.finalize().into())
    }
}

/// The containers in `dir` that `index` does not name (as current or earlier versions)
/// and that open with `album`, by recorded name. Anything else is left alone.
fn find_orphans(dir: &Path, index: &Index, album: &AlbumKey) -> HashMap<String, Vec<Orphan>> {
    let known: HashSet<&str> = index
        .entries
        .values()
        .flat_map(|e| {
            std::iter::once(e.container.as_str()).chain(e.previous.iter().map(String::as_str))
        })
        .collect();
    let Ok(listing) = fs::read_dir(dir) else {
        return HashMap::new();
    };
    let mut paths: Vec<PathBuf> = listing
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "ks")
                && p.file_stem()
                    .and_then(|s| s.to_str())
                    .is_some_and(|s| is_hex(s, 2 * ID_LEN) && !known.contains(s))
        })
        .collect();
    paths.sort();
    let mut out: HashMap<String, Vec<Orphan>> = HashMap::new();
    for path in paths {
        let opened = File::open(&path).ok().and_then(|mut f| {
            let layout = container::read_layout(&mut f).ok()?;
            let item = container::open_item(&layout, album).ok()?;
            Some((layout, item))
        });
        if let Some((layout, item)) = opened {
            out.entry(item.metadata.name.clone())
                .or_default()
                .push(Orphan { path, layout, item });
        }
    }
    out
}

/// Hashes a file in a streaming pass; `None` if it changed (length or time) meanwhile.
fn hash_file(path: &Path) -> io::Result<Option<[u8; 32]>> {
    let file = File::open(path)?;
    let before = file.metadata()?;
    let mut reader = HashingReader::new(BufReader::with_capacity(COPY_STEP, &file));
    io::copy(&mut reader, &mut io::sink())?;
    let after = file.metadata()?;
    let same = after.len() == before.len() && after.modified().ok() == before.modified().ok();
    Ok(same.then(|| reader.finish()))
}

/// What to do with one file of a seal.
enum Check {
    /// Seal it.
    Seal,
    /// Already sealed, unchanged, in this container.
    Unchanged(PathBuf),
    /// Already sealed in the unrecorded container `orphans[name][i]`, with this hash.
    Adopt(usize, [u8; 32]),
}

/// A seal's view of the output folder's index: loaded before sealing, updated with each
/// container written, saved once at the end (only if something was sealed).
pub struct Session {
    path: PathBuf,
    dir: PathBuf,
    /// SHA-256 of the index file at the start (`None`: there was none), to notice
    /// another process replacing it meanwhile.
    stamp: Option<[u8; 32]>,
    index: Index,
    changed: bool,
    orphans: HashMap<String, Vec<Orphan>>,
}

/// One file `seal` skipped: already sealed, unchanged.
pub struct Unchanged {
    /// The file.
    pub job: Job,
    /// The container that holds it.
    pub container: PathBuf,
    /// The index did not record that container; it does now.
    pub adopted: bool,
}

impl Session {
    /// Loads `out/index.ks-index` with `album` (an empty index if there is none). With
    /// `rebuild`, an index that cannot be used (altered, malformed, another album) is
    /// ignored, with a warning, and replaced at the end.
    ///
    /// # Errors
    /// Exit code 5 for an index that fails a check, 1 for an I/O error; both name the file
    /// and suggest `--rebuild-index`.
    pub fn load(out: &Path, album: &AlbumKey, rebuild: bool) -> CliResult<Self> {
        let path = out.join(INDEX_FILE);
        let fail = |e: IndexError| {
            let code = if matches!(e, IndexError::Io(_)) {
                exit::FAILURE
            } else {
                exit::REFUSED
            };
            CliError::new(
                code,
                format!(
                    "{}: {e}; nothing was sealed (pass --rebuild-index to discard the index \
                     and rebuild it from the containers in the folder)",
                    path.display()
                ),
            )
        };
        let stamp = stamp(&path).map_err(|e| fail(e.into()))?;
        let opened = read_raw(&path).and_then(|raw| match raw {
            None => Ok(Index::default()),
            Some(bytes) => Index::open(&bytes, album),
        });
        let index = match opened {
            Ok(index) => index,
            Err(e) if rebuild && !matches!(e, IndexError::Io(_)) => {
                crate::note!(
                    "warning: {}: {e}; discarded (--rebuild-index), rebuilt from the containers",
                    path.display()
                );
                Index::default()
            }
            Err(e) => return Err(fail(e)),
        };
        let orphans = find_orphans(out, &index, album);
        Ok(Self {
            path,
            dir: out.to_path_buf(),
            stamp,
            changed: false,
            index,
            orphans,
        })
    }

    /// Splits `jobs` into the files to seal, those already sealed unchanged, and those
    /// that could not be checked. A file is unchanged when the index records its name
    /// with the same size, modification time, permission bits and SHA-256 (hashed only
    /// when the first three match), and its container is still in the folder with the
    /// recorded length; or when a container in the folder that the index does not record
    /// has its name, size, time and mode in its authenticated metadata and its content
    /// (that container is then recorded). With `always` (a thumbnail was given), every
    /// file is sealed. A file whose name an earlier file of `jobs` has is refused
    /// (`UnsafeName`). Files inside the output folder are left out, with a note.
    pub fn partition(
        &mut self,
        jobs: Vec<Job>,
        always: bool,
    ) -> (Vec<Job>, Vec<Unchanged>, Vec<(PathBuf, ContainerError)>) {
        // The output folder's own files (containers, the index) are never inputs: sealing
        // a folder into a folder inside it would otherwise seal its containers again.
        let inside = self.dir.canonicalize().ok();
        let (jobs, own): (Vec<Job>, Vec<Job>) = jobs.into_iter().partition(|job| {
            !inside
                .as_ref()
                .is_some_and(|dir| job.src.canonicalize().is_ok_and(|src| src.starts_with(dir)))
        });
        for job in &own {
            crate::note!("skipped {} (inside the output folder)", job.src.display());
        }
        let checks: Vec<io::Result<Check>> =
            jobs.par_iter().map(|job| self.check(job, always)).collect();
        let (mut seal, mut unchanged, mut failed) = (Vec::new(), Vec::new(), Vec::new());
        let mut first: HashMap<String, PathBuf> = HashMap::new();
        for (job, check) in jobs.into_iter().zip(checks) {
            // One name, one file: a second input recorded under the same name would make
            // each a new version of the other on every seal.
            if let Some(earlier) = first.get(&job.name) {
                let why = format!(
                    "name {:?} is also that of {}, sealed in this run; not sealed twice",
                    job.name,
                    earlier.display()
                );
                failed.push((job.src, ContainerError::UnsafeName(why)));
                continue;
            }
            first.insert(job.name.clone(), job.src.clone());
            match check {
                Ok(Check::Seal) => seal.push(job),
                Ok(Check::Unchanged(container)) => unchanged.push(Unchanged {
                    job,
                    container,
                    adopted: false,
                }),
                Ok(Check::Adopt(i, sha256)) => {
                    let container = self.adopt(&job.name, i, sha256);
                    unchanged.push(Unchanged {
                        job,
                        container,
                        adopted: true,
                    });
                }
                Err(e) => failed.push((job.src, ContainerError::Io(e))),
            }
        }
        (seal, unchanged, failed)
    }

    fn check(&self, job: &Job, always: bool) -> io::Result<Check> {
        if always {
            return Ok(Check::Seal);
        }
        let meta = fs::metadata(&job.src)?;
        if let Some(entry) = self.index.entries.get(&job.name)
            && stat_matches(entry, &meta)
        {
            let container = entry.container_path(&self.dir);
            let present = match fs::metadata(&container) {
                Ok(m) => m.is_file() && m.len() == entry.sealed_len,
                Err(e) if e.kind() == io::ErrorKind::NotFound => false,
                Err(e) => return Err(e),
            };
            if present && hash_file(&job.src)?.is_some_and(|hash| hex::encode(hash) == entry.sha256)
            {
                return Ok(Check::Unchanged(container));
            }
        }
        // A container the index does not record may hold it: same name, size, time and
        // mode in its authenticated metadata, and the same content.
        let stat = stat_of(&meta);
        let Some(candidates) = self.orphans.get(&job.name) else {
            return Ok(Check::Seal);
        };
        let mut file_hash = None;
        for (i, orphan) in candidates.iter().enumerate() {
            let m = &orphan.item.metadata;
            if (m.size, m.mtime, m.mtime_nanos, m.mode) != stat {
                continue;
            }
            if file_hash.is_none() {
                file_hash = hash_file(&job.src)?;
                if file_hash.is_none() {
                    return Ok(Check::Seal);
                }
            }
            if orphan.content_hash() == file_hash {
                return Ok(file_hash.map_or(Check::Seal, |h| Check::Adopt(i, h)));
            }
        }
        Ok(Check::Seal)
    }

    /// Records the unrecorded container `orphans[name][i]` as `name`'s current version
    /// (the container recorded before, if any, becomes an earlier one); returns its path.
    fn adopt(&mut self, name: &str, i: usize, sha256: [u8; 32]) -> PathBuf {
        let Some(orphan) = self.orphans.get_mut(name).map(|list| list.swap_remove(i)) else {
            return PathBuf::new();
        };
        let m = &orphan.item.metadata;
        let sealed = Sealed {
            path: orphan.path.clone(),
            media_id: orphan.layout.media_id,
            plaintext_len: m.size,
            sealed_len: orphan.layout.total_len,
            metadata: m.clone(),
            sha256,
        };
        self.record(name, &sealed);
        orphan.path
    }

    /// Records a container just written for `name`: it becomes the name's current
    /// version; the container recorded before (if any) is kept in the folder and listed
    /// as an earlier version, and so are the other unrecorded containers of the same
    /// name. Returns whether there was one (this is a new version).
    pub fn record(&mut self, name: &str, sealed: &Sealed) -> bool {
        let mut previous = Vec::new();
        let replaced = if let Some(old) = self.index.entries.remove(name) {
            previous = old.previous;
            previous.push(old.container);
            true
        } else {
            false
        };
        if let Some(others) = self.orphans.remove(name) {
            previous.extend(others.iter().map(|o| o.layout.media_id.to_string()));
        }
        let m = &sealed.metadata;
        self.index.entries.insert(
            name.to_string(),
            Entry {
                name: name.to_string(),
                size: m.size,
                mtime: m.mtime,
                mtime_nanos: m.mtime_nanos,
                mode: m.mode,
                sha256: hex::encode(sealed.sha256),
                container: sealed.media_id.to_string(),
                sealed_len: sealed.sealed_len,
                previous,
            },
        );
        self.changed = true;
        replaced
    }

    /// Writes the index (all or nothing: temporary file, fsync, rename) if a container
    /// was recorded, after checking that no other process replaced it since it was read.
    ///
    /// # Errors
    /// The index changed meanwhile; I/O errors; an index over its cap.
    pub fn save(&self, album: &AlbumKey) -> CliResult<()> {
        if !self.changed {
            return Ok(());
        }
        let fail = |why: String| {
            CliError::failure(format!(
                "{}: the index was not updated ({why}); the files sealed now will be sealed \
                 again next time",
                self.path.display()
            ))
        };
        let now = stamp(&self.path).map_err(|e| fail(e.to_string()))?;
        if now != self.stamp {
            return Err(fail(
                "another process replaced it during this seal".to_string(),
            ));
        }
        let bytes = self.index.seal(album).map_err(|e| fail(e.to_string()))?;
        let mut temp = fsutil::temp_beside(&self.path).map_err(|e| fail(e.to_string()))?;
        temp.write_all(&bytes).map_err(|e| fail(e.to_string()))?;
        fsutil::persist(temp, &self.path, true).map_err(|e| fail(e.to_string()))
    }
}

/// Prints how many sealed files were new versions, and what `seal` skipped: one line
/// per file with `verbose`, and a count.
pub fn report_unchanged(
    unchanged: &[Unchanged],
    new_versions: usize,
    verbose: bool,
) -> crate::error::CliResult<()> {
    let adopted = unchanged.iter().filter(|u| u.adopted).count();
    if new_versions > 0 {
        crate::outln!(
            "{new_versions} of them new version(s) of files sealed before (the earlier \
             containers stay)"
        );
    }
    if unchanged.is_empty() {
        return Ok(());
    }
    if verbose {
        for u in unchanged {
            crate::outln!(
                "unchanged {} (in {}{})",
                u.job.src.display(),
                u.container.display(),
                if u.adopted { ", now in the index" } else { "" }
            );
        }
    }
    if adopted > 0 {
        crate::outln!(
            "found {adopted} of them in containers the index did not record; recorded now"
        );
    }
    crate::outln!(
        "skipped {} unchanged file(s), already sealed (see {INDEX_FILE})",
        unchanged.len()
    );
    Ok(())
}

/// The containers `open` is given: a folder stands for the `.ks` files in it (not
/// recursive, in name order); the seal index itself, named or found, is left out (with
/// a note when it was named).
pub fn expand_batch(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in paths {
        if path.file_name().is_some_and(|n| n == INDEX_FILE) {
            crate::note!(
                "skipped {} (the seal index, not a container)",
                path.display()
            );
            continue;
        }
        let listed = path
            .is_dir()
            .then(|| fs::read_dir(path).ok())
            .flatten()
            .map(|entries| {
                let mut files: Vec<PathBuf> = entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "ks") && p.is_file())
                    .collect();
                files.sort();
                files
            });
        match listed {
            Some(files) => out.extend(files),
            None => out.push(path.clone()),
        }
    }
    out
}

/// The containers of a batch to skip when opening it: those an index beside them lists
/// as an earlier version of a name whose current container is in the batch too. An index
/// that cannot be read or opened is reported as a warning and ignored (opening works
/// without it).
pub fn superseded(files: &[PathBuf], keys: &Keys<'_>) -> HashSet<PathBuf> {
    let batch: HashSet<&Path> = files.iter().map(PathBuf::as_path).collect();
    let mut dirs: Vec<&Path> = files
        .iter()
        .map(|f| f.parent().unwrap_or(Path::new("")))
        .collect();
    dirs.sort();
    dirs.dedup();
    let mut out = HashSet::new();
    for dir in dirs {
        let path = dir.join(INDEX_FILE);
        let opened = read_raw(&path).and_then(|raw| {
            raw.map(|bytes| {
                let (album_id, epoch) = header(&bytes)?;
                match keys {
                    Keys::Account(keyring) => {
                        Index::open(&bytes, &keyring.album_key(album_id, epoch))
                    }
                    Keys::Grant(album) => Index::open(&bytes, album),
                }
            })
            .transpose()
        });
        let index = match opened {
            Ok(Some(index)) => index,
            Ok(None) => continue,
            Err(e) => {
                crate::note!("warning: {}: {e}; ignored", path.display());
                continue;
            }
        };
        for entry in index.entries.values() {
            if !batch.contains(entry.container_path(dir).as_path()) {
                continue;
            }
            for old in &entry.previous {
                let old = dir.join(format!("{old}.ks"));
                if batch.contains(old.as_path()) {
                    out.insert(old);
                }
            }
        }
    }
    out
}

/// Checks whether `existing` holds exactly the original of an authenticated container,
/// by decrypting the original (in bounded memory) and comparing as it goes; stops at the
/// first difference. `Ok(false)` when it differs or is not a regular file.
///
/// # Errors
/// Container errors (the container is altered or truncated); I/O errors reading it.
pub fn same_content(
    src: &mut File,
    layout: &Layout,
    item: &Item,
    existing: &Path,
) -> Result<bool, ContainerError> {
    let meta = fs::symlink_metadata(existing)?;
    if !meta.is_file() || meta.len() != item.metadata.size {
        return Ok(false);
    }
    // As a restore does, authenticate the thumbnail too (SPEC.md 8.4 step 14).
    read_thumbnail(src, layout, item)?;
    let mut sink = Compare {
        existing: BufReader::with_capacity(COPY_STEP, File::open(existing)?),
        buf: Zeroizing::new(Vec::new()),
        differs: false,
    };
    let copied = copy_original(src, layout, item, &mut sink, &mut |_| {});
    if sink.differs {
        return Ok(false);
    }
    copied?;
    let mut more = [0u8; 1];
    Ok(sink.existing.read(&mut more)? == 0)
}

struct Compare {
    existing: BufReader<File>,
    buf: Zeroizing<Vec<u8>>,
    differs: bool,
}

impl Write for Compare {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if !self.differs {
            self.buf.resize(data.len(), 0);
            match self.existing.read_exact(&mut self.buf) {
                Ok(()) => self.differs = *self.buf != *data,
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => self.differs = true,
                Err(e) => return Err(e),
            }
        }
        if self.differs {
            // Stops the decryption: the answer is known.
            return Err(io::Error::other("the existing file differs"));
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
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
        let session = Session::load(dir.path(), &key, false).unwrap();
        session.save(&key).unwrap();
        assert!(!dir.path().join(INDEX_FILE).exists());
        // Written once; then another process writes its own while this one seals.
        let mut session = Session::load(dir.path(), &key, false).unwrap();
        session.record("a.jpg", &sealed(1));
        session.save(&key).unwrap();
        let mut first = Session::load(dir.path(), &key, false).unwrap();
        let mut second = Session::load(dir.path(), &key, false).unwrap();
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
        let parts = Parts {
            album: key,
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
        let mut session = Session::load(&out, &key, false).unwrap();
        assert_eq!(
            session.orphans["a.jpg"].len(),
            3,
            "the foreign one is not kept"
        );
        let (seal, unchanged, failed) = session.partition(vec![job.clone()], false);
        assert_eq!((seal.len(), unchanged.len(), failed.len()), (1, 0, 0));
        // Sealed anew: the three become its earlier versions.
        let sealed = crate::seal::seal_one(
            &key,
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
        let mut session = Session::load(dir2.path(), &key, false).unwrap();
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
