//! Sealing into a folder that holds an index, and restoring from one (SPEC.md 8.10): the
//! seal [`Session`] that skips unchanged files and finds unrecorded containers, and the
//! helpers `open` uses (folder expansion, superseded versions, identical restores).

use super::*;

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
pub(super) struct Orphan {
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
    pub(super) index: Index,
    pub(super) changed: bool,
    pub(super) orphans: HashMap<String, Vec<Orphan>>,
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
    pub fn load(
        out: &Path,
        album: &AlbumKey,
        keyring: Option<&Keyring>,
        rebuild: bool,
    ) -> CliResult<Self> {
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
        let mut moved = None;
        let opened = read_raw(&path).and_then(|raw| match raw {
            None => Ok(Index::default()),
            Some(bytes) => match (Index::open(&bytes, album), keyring) {
                // The same album at an earlier epoch of this account (a rotation or a
                // member removal since): opened with that epoch's key, rewritten under
                // the new one, so the new epoch's index is not readable with old keys.
                (Err(IndexError::WrongAlbum { index, .. }), Some(keyring))
                    if index.0 == album.album_id() && index.1 < album.epoch() =>
                {
                    let old = keyring
                        .album_key(index.0, index.1)
                        .map_err(|e| IndexError::Malformed(e.to_string()))?;
                    moved = Some(index.1);
                    Index::open(&bytes, &old)
                }
                (result, _) => result,
            },
        });
        let index = match opened {
            Ok(index) => {
                if let Some(old) = moved {
                    crate::note!(
                        "note: {}: the seal index of epoch {old} moves to epoch {}",
                        path.display(),
                        album.epoch()
                    );
                }
                index
            }
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
            changed: moved.is_some(),
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
                    Keys::Account(keyring) => keyring
                        .album_key(album_id, epoch)
                        .map_err(|e| IndexError::Malformed(e.to_string()))
                        .and_then(|key| Index::open(&bytes, &key)),
                    Keys::Grant(album) => Index::open(&bytes, album),
                    Keys::Selection(_) => Err(IndexError::Malformed(
                        "a selection grant opens no seal index".into(),
                    )),
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
