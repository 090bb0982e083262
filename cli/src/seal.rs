//! `seal`: files and folders into `<media id>.ks` containers, in parallel across files,
//! each written all or nothing (temporary file, fsync, rename).

use std::fs::{self, File};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use indicatif::{ProgressBar, ProgressStyle};
use keepsake::account::Keyring;
use keepsake::provenance::HASH_LEN;
use keepsake::stream::SealOptions;
use keepsake::{AlbumKey, MediaId};
use rayon::prelude::*;

use crate::account;
use crate::album_history::AlbumHistory;
use crate::args::SealArgs;
use crate::container::metadata::{Metadata, mode_of, name_of};
use crate::container::write::{Parts, write_container};
use crate::container::{ContainerError, MAX_THUMBNAIL_LEN};
use crate::error::{CliError, CliResult, batch_result};
use crate::index;
use crate::unlock;
use crate::{fsutil, interrupt, note, outln, output};

/// Work this large (in bytes) gets a progress bar, when standard output is a terminal.
pub const PROGRESS_MIN_BYTES: u64 = 16 << 20;

/// One file to seal.
#[derive(Clone, Debug)]
pub struct Job {
    /// Where to read it.
    pub src: PathBuf,
    /// The name recorded in its metadata (relative path, `/`-separated).
    pub name: String,
    /// Its size when listed (for progress).
    pub size: u64,
}

/// Who signs the items sealed (SPEC.md 5.10): the uploader's keyring (its identity key)
/// and the album history entry the manifests name.
#[derive(Clone, Copy)]
pub struct Uploader<'a> {
    /// The uploader's keys.
    pub keyring: &'a Keyring,
    /// The history entry: the newest entry whose epoch is the album key's.
    pub history: [u8; HASH_LEN],
}

/// One sealed file.
#[derive(Clone, Debug)]
pub struct Sealed {
    /// The container written.
    pub path: PathBuf,
    /// The item's media id.
    pub media_id: MediaId,
    /// Plaintext bytes sealed.
    pub plaintext_len: u64,
    /// The container's length.
    pub sealed_len: u64,
    /// The metadata recorded in it.
    pub metadata: Metadata,
    /// SHA-256 of the plaintext sealed.
    pub sha256: [u8; 32],
}

/// A progress bar on standard error, shown only when standard output is a terminal, the
/// work is at least [`PROGRESS_MIN_BYTES`], and `--quiet` was not given.
pub fn progress_bar(total: u64, verb: &str) -> ProgressBar {
    if !std::io::stdout().is_terminal() || total < PROGRESS_MIN_BYTES || output::quiet() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(
        "{msg} [{bar:40}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(verb.to_string());
    bar
}

/// Lists the files under `paths`: files as themselves (named by their file name),
/// folders recursively (named by their path from the folder, the folder's own name
/// first), in a stable order. Symbolic links and special files inside folders are
/// skipped (listed in the second result); unreadable entries are failures (third).
pub fn collect(paths: &[PathBuf]) -> (Vec<Job>, Vec<PathBuf>, Vec<(PathBuf, ContainerError)>) {
    let mut jobs = Vec::new();
    let mut skipped = Vec::new();
    let mut failed = Vec::new();
    for path in paths {
        let meta = match fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                failed.push((path.clone(), e.into()));
                continue;
            }
        };
        if meta.is_file() {
            let name = Path::new(path.file_name().unwrap_or_default());
            match name_of(name) {
                Ok(name) => jobs.push(Job {
                    src: path.clone(),
                    name,
                    size: meta.len(),
                }),
                Err(e) => failed.push((path.clone(), e)),
            }
        } else if meta.is_dir() {
            let prefix = path
                .canonicalize()
                .ok()
                .and_then(|p| p.file_name().map(PathBuf::from))
                .unwrap_or_default();
            walk(path, &prefix, &mut jobs, &mut skipped, &mut failed);
        } else {
            skipped.push(path.clone());
        }
    }
    (jobs, skipped, failed)
}

fn walk(
    dir: &Path,
    relative: &Path,
    jobs: &mut Vec<Job>,
    skipped: &mut Vec<PathBuf>,
    failed: &mut Vec<(PathBuf, ContainerError)>,
) {
    let mut entries: Vec<_> = match fs::read_dir(dir) {
        Ok(list) => list.filter_map(Result::ok).collect(),
        Err(e) => {
            failed.push((dir.to_path_buf(), e.into()));
            return;
        }
    };
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let rel = relative.join(entry.file_name());
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, &rel, jobs, skipped, failed),
            Ok(t) if t.is_file() => match (name_of(&rel), entry.metadata()) {
                (Ok(name), Ok(meta)) => jobs.push(Job {
                    src: path,
                    name,
                    size: meta.len(),
                }),
                (Err(e), _) => failed.push((path, e)),
                (_, Err(e)) => failed.push((path, e.into())),
            },
            Ok(_) => skipped.push(path),
            Err(e) => failed.push((path, e.into())),
        }
    }
}

/// Seals one file into `out_dir/<media id hex>.ks`, signed by `uploader`. Nothing appears
/// under that name unless the whole container was written and flushed.
///
/// # Errors
/// I/O errors; [`ContainerError::InputChanged`] when the file changes while it is read;
/// [`ContainerError::Exists`].
pub fn seal_one(
    album: &AlbumKey,
    uploader: Uploader<'_>,
    job: &Job,
    out_dir: &Path,
    thumbnail: Option<&[u8]>,
    options: SealOptions,
    progress: &ProgressBar,
) -> Result<Sealed, ContainerError> {
    let media_id = MediaId::random()?;
    seal_one_as(
        album, uploader, job, out_dir, media_id, thumbnail, options, progress,
    )
}

/// [`seal_one`] with a chosen media id (which must be fresh).
///
/// # Errors
/// As [`seal_one`].
#[allow(clippy::too_many_arguments)]
pub fn seal_one_as(
    album: &AlbumKey,
    uploader: Uploader<'_>,
    job: &Job,
    out_dir: &Path,
    media_id: MediaId,
    thumbnail: Option<&[u8]>,
    options: SealOptions,
    progress: &ProgressBar,
) -> Result<Sealed, ContainerError> {
    let input = File::open(&job.src)?;
    let before = input.metadata()?;
    let dst = out_dir.join(format!("{media_id}.ks"));
    if dst.try_exists()? {
        return Err(ContainerError::Exists(dst));
    }
    let metadata = Metadata::new(job.name.clone(), before.len(), before.modified().ok())
        .with_mode(mode_of(&before));
    let parts = Parts {
        album,
        signer: uploader.keyring,
        history: uploader.history,
        media_id,
        metadata: &metadata,
        thumbnail,
        options,
    };
    let mut temp = fsutil::temp_beside(&dst)?;
    let mut hashing = index::HashingReader::new(&input);
    let (_, sealed_len) = write_container(&parts, &mut hashing, temp.as_file_mut(), &mut |n| {
        progress.inc(n)
    })?;
    let after = input.metadata()?;
    if after.len() != before.len() || modified(&after) != modified(&before) {
        return Err(ContainerError::InputChanged);
    }
    fsutil::persist(temp, &dst, false).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            ContainerError::Exists(dst.clone())
        } else {
            ContainerError::Io(e)
        }
    })?;
    Ok(Sealed {
        path: dst,
        media_id,
        plaintext_len: before.len(),
        sealed_len,
        metadata,
        sha256: hashing.finish(),
    })
}

fn modified(meta: &fs::Metadata) -> Option<SystemTime> {
    meta.modified().ok()
}

/// The album key a `seal` or `open` works with, accepted from a grant, with the unlocked
/// account and the album's history: the grant is checked against the sender given
/// (SPEC.md 5.7) and against the membership at the history entry it names (5.12).
///
/// # Errors
/// Unlocking; reading or refusing the grant; as [`granted_history`].
pub fn album_from_grant(
    unlock_args: &crate::args::UnlockArgs,
    grant: &Path,
    from: &str,
    history: Option<&Path>,
    owner: Option<&str>,
) -> CliResult<(AlbumKey, unlock::Unlocked, AlbumHistory)> {
    let sender = account::parse_sender(from)?;
    let bytes = account::read_grant(grant)?;
    let album_id = keepsake::sharing::inspect_grant(&bytes)
        .map_err(|e| CliError::core(format!("{}: grant refused", grant.display()), &e))?
        .album_id;
    let unlocked = unlock::unlock(unlock_args)?;
    let history = granted_history(&unlocked, album_id, history, owner, from)?;
    let album = account::accept_grant(&unlocked.keyring, grant, &bytes, &sender)?;
    unlocked
        .keyring
        .accept_grant_in_history(&bytes, &history.verified)
        .map_err(|e| {
            CliError::core(
                format!(
                    "{}: grant refused against the album history {}",
                    grant.display(),
                    history.path.display()
                ),
                &e,
            )
        })?;
    Ok((album, unlocked, history))
}

/// The history of an album this account holds through a grant: the file `history` given
/// by the owner, verified from `owner` (default: the grant's sender `from`).
///
/// # Errors
/// A usage error without `history`; as [`AlbumHistory::load`].
pub fn granted_history(
    unlocked: &unlock::Unlocked,
    album_id: keepsake::AlbumId,
    history: Option<&Path>,
    owner: Option<&str>,
    from: &str,
) -> CliResult<AlbumHistory> {
    let path = history.ok_or_else(|| {
        CliError::usage(
            "--history FILE is needed with an album grant: the album's history file, from its \
             owner (items are signed and checked against it)",
        )
    })?;
    let owner = fsutil::parse_identity(
        owner.unwrap_or(from),
        "--owner (the album owner's identity public key)",
    )?;
    AlbumHistory::load(path, album_id, &owner, unlocked.pin_file.as_deref())
}

/// `seal`.
///
/// # Errors
/// Arguments, unlocking, the output folder; exit code 3 or 4 when files failed.
pub fn run(args: &SealArgs) -> CliResult<()> {
    let options = SealOptions::new()
        .with_chunk_size_log2(args.chunk_log2)
        .map_err(|e| CliError::usage(format!("--chunk-log2: {e}")))?;
    // Every path is checked before Argon2id runs: a typo fails at once and creates nothing.
    fsutil::check_output_dir(&args.out)?;
    for path in &args.paths {
        fsutil::check_input(path)?;
    }
    let thumbnail = match &args.thumbnail {
        Some(path) => Some(fsutil::read_capped(
            path,
            MAX_THUMBNAIL_LEN / 2,
            "a thumbnail",
        )?),
        None => None,
    };
    let (jobs, skipped, mut failed) = collect(&args.paths);
    if thumbnail.is_some() && jobs.len() + failed.len() != 1 {
        return Err(CliError::usage(
            "--thumbnail needs exactly one file to seal",
        ));
    }
    let (album, unlocked, history, owned) = match (&args.grant, &args.from, &args.album) {
        (Some(grant), Some(from), _) => {
            let (album, unlocked, history) = album_from_grant(
                &args.unlock,
                grant,
                from,
                args.history.as_deref(),
                args.owner.as_deref(),
            )?;
            let entry = history.entry_at_epoch(album.epoch())?;
            let me = unlocked.keyring.identity_public_key().digest();
            if !history.verified.is_member_at(&entry, &me).unwrap_or(false) {
                return Err(CliError::new(
                    crate::error::exit::SECURITY,
                    format!(
                        "{}: this account is not a member of album {} at epoch {} (its items \
                         would be refused: ProvenanceNotMember)",
                        history.path.display(),
                        album.album_id(),
                        album.epoch()
                    ),
                ));
            }
            (album, unlocked, entry, false)
        }
        (_, _, Some(album)) => {
            if args.owner.is_some() {
                return Err(CliError::usage(
                    "--owner goes with --grant: an album sealed with --album is this account's",
                ));
            }
            let album_id = fsutil::parse_album_id(album)?;
            let unlocked = unlock::unlock(&args.unlock)?;
            let album = account::album_key(&unlocked.keyring, album_id, args.epoch)?;
            let mut history = AlbumHistory::owned(&unlocked, album_id, args.history.as_deref())?;
            let entry = history.owned_entry_at_epoch(&unlocked.keyring, album.epoch())?;
            (album, unlocked, entry, true)
        }
        _ => {
            return Err(CliError::usage(
                "give --album ID, or --grant FILE --from IDENTITY",
            ));
        }
    };
    fs::create_dir_all(&args.out).map_err(|e| CliError::io(&args.out, &e))?;
    interrupt::clean_stale(&args.out);
    for path in &skipped {
        note!("skipped {} (not a regular file or folder)", path.display());
    }
    let keyring = owned.then_some(&unlocked.keyring);
    let uploader = Uploader {
        keyring: &unlocked.keyring,
        history,
    };
    let mut session = index::Session::load(&args.out, &album, keyring, args.rebuild_index)?;
    let (jobs, unchanged, unreadable) = session.partition(jobs, thumbnail.is_some());
    failed.extend(unreadable);
    let total: u64 = jobs.iter().map(|j| j.size).sum();
    let bar = progress_bar(total, "sealing");
    let start = Instant::now();
    let results: Vec<_> = jobs
        .par_iter()
        .map(|job| {
            seal_one(
                &album,
                uploader,
                job,
                &args.out,
                thumbnail.as_deref(),
                options,
                &bar,
            )
        })
        .collect();
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    let mut sealed_bytes = 0u64;
    let mut ok = 0usize;
    let mut new_versions = 0usize;
    for (job, result) in jobs.iter().zip(results) {
        match result {
            Ok(sealed) => {
                new_versions += usize::from(session.record(&job.name, &sealed));
                ok += 1;
                sealed_bytes += sealed.plaintext_len;
                if args.json {
                    output::json(&serde_json::json!({
                        "type": "sealed",
                        "source": job.src.display().to_string(),
                        "container": sealed.path.display().to_string(),
                        "media_id": sealed.media_id.to_string(),
                        "plaintext_len": sealed.plaintext_len,
                        "sealed_len": sealed.sealed_len,
                    }))?;
                } else if args.verbose {
                    outln!("sealed {} -> {}", job.src.display(), sealed.path.display());
                }
            }
            Err(e) => failed.push((job.src.clone(), e)),
        }
    }
    let saved = session.save(&album);
    let codes: Vec<u8> = failed.iter().map(|(_, e)| e.exit_code()).collect();
    for (path, err) in &failed {
        crate::errln!("{}: {err}", path.display());
        if args.json {
            output::json(&serde_json::json!({
                "type": "error",
                "source": path.display().to_string(),
                "kind": err.kind(),
                "exit_code": err.exit_code(),
            }))?;
        }
    }
    if args.json {
        output::json(&serde_json::json!({
            "type": "summary",
            "sealed": ok,
            "skipped_unchanged": unchanged.len(),
            "new_versions": new_versions,
            "failed": failed.len(),
            "plaintext_bytes": sealed_bytes,
            "seconds": secs,
            "out": args.out.display().to_string(),
            "album_id": album.album_id().to_string(),
            "epoch": album.epoch(),
        }))?;
    } else {
        outln!(
            "sealed {ok} file(s), {:.1} MiB, into {} in {secs:.2} s ({:.0} MB/s); album {} epoch {}",
            sealed_bytes as f64 / f64::from(1u32 << 20),
            args.out.display(),
            sealed_bytes as f64 / secs.max(1e-9) / 1e6,
            album.album_id(),
            album.epoch()
        );
    }
    if !args.json {
        index::report_unchanged(&unchanged, new_versions, args.verbose)?;
    }
    saved?;
    batch_result(&codes, ok + failed.len() + unchanged.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepsake::AlbumId;

    #[test]
    fn an_existing_container_name_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("photo.jpg");
        fs::write(&src, vec![7u8; 100_000]).unwrap();
        let out = dir.path().join("out");
        fs::create_dir_all(&out).unwrap();
        let album = AlbumKey::from_bytes(AlbumId::from_bytes([1; 16]), 0, [2; 32]);
        let keyring = keepsake::hazmat::keyring_from_secrets(&[[5; 32]], [6; 32]);
        let uploader = Uploader {
            keyring: &keyring,
            history: [7; 32],
        };
        let id = MediaId::from_bytes([3; 16]);
        let taken = out.join(format!("{id}.ks"));
        fs::write(&taken, b"someone else's").unwrap();
        let job = Job {
            src,
            name: "photo.jpg".into(),
            size: 100_000,
        };
        let hidden = ProgressBar::hidden();
        let err = seal_one_as(
            &album,
            uploader,
            &job,
            &out,
            id,
            None,
            SealOptions::new(),
            &hidden,
        )
        .err()
        .unwrap();
        assert!(matches!(err, ContainerError::Exists(_)), "{err}");
        assert_eq!(fs::read(&taken).unwrap(), b"someone else's");
        assert_eq!(
            fs::read_dir(&out).unwrap().count(),
            1,
            "nothing else written"
        );
        // A fresh id seals, and leaves exactly one more file.
        let other = MediaId::from_bytes([4; 16]);
        let sealed = seal_one_as(
            &album,
            uploader,
            &job,
            &out,
            other,
            None,
            SealOptions::new(),
            &hidden,
        )
        .unwrap();
        assert_eq!(sealed.plaintext_len, 100_000);
        assert_eq!(fs::read_dir(&out).unwrap().count(), 2);
    }
}
