//! `open`: containers back to files, under their recorded names (checked) and
//! modification times; or the thumbnail; or a byte range. Every file of a batch is tried;
//! each failure names the file and the kind of failure.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use indicatif::ProgressBar;
use keepsake::account::Keyring;
use keepsake::history::VerifiedHistory;
use keepsake::identity::IdentityPublicKey;
use keepsake::selection::Selection;
use keepsake::{AlbumId, AlbumKey};
use rayon::prelude::*;

use crate::album_history::{AlbumHistory, owned_path};

use crate::args::OpenArgs;
use crate::container::metadata::restore_mode;
use crate::container::read::{copy_original, copy_range, read_thumbnail};
use crate::container::{self, ContainerError, Item, Layout};
use crate::error::{CliError, CliResult, batch_result};
use crate::index;
use crate::seal::{album_from_grant, granted_history, progress_bar};
use crate::unlock;
use crate::{fsutil, interrupt, outln, output};

/// Where album keys come from.
pub enum Keys<'a> {
    /// Derived from an unlocked account, for whatever album and epoch a container names.
    Account(&'a Keyring),
    /// One album key at one epoch, accepted from a grant.
    Grant(&'a AlbumKey),
    /// The part keys of an accepted selection grant: no media key, so no item opens
    /// through [`Keys::item`] ([`crate::selection::open_one`] opens the granted parts).
    Selection(&'a Selection),
}

impl Keys<'_> {
    /// Authenticates a container's media key and metadata.
    ///
    /// # Errors
    /// As [`container::open_item`].
    pub fn item(&self, layout: &Layout) -> Result<Item, ContainerError> {
        match self {
            Self::Account(keyring) => {
                let album = keyring
                    .album_key(layout.album_id, layout.epoch)
                    .map_err(|err| ContainerError::Core {
                        what: "album key (sealed under a newer account generation than this \
                               account file's)",
                        err,
                    })?;
                container::open_item(layout, &album)
            }
            Self::Grant(album) => container::open_item(layout, album),
            Self::Selection(_) => Err(ContainerError::Core {
                what: "selection grant",
                err: keepsake::Error::NotInSelection {
                    what: "the item's media key",
                },
            }),
        }
    }
}

/// Where the album histories that items are verified against come from (SPEC.md 5.12,
/// 8.11).
pub enum Histories {
    /// The albums this account owns: its own copies beside the account file (or the one
    /// file given), verified from its own identity, loaded once per album.
    Owned {
        /// The account file.
        account: PathBuf,
        /// `--history`, if given.
        explicit: Option<PathBuf>,
        /// This account's identity (the owner; boxed: an identity key is large).
        owner: Box<IdentityPublicKey>,
        /// The device key file holding the pins.
        pin_file: Option<PathBuf>,
        /// Histories loaded so far.
        cache: Mutex<HashMap<AlbumId, Arc<VerifiedHistory>>>,
    },
    /// One album's history, given with a grant.
    Fixed(Arc<VerifiedHistory>),
    /// None: uploaders are not verified (a selection grant opened without `--history`).
    Unverified,
}

impl Histories {
    /// The verified history of `album_id`, or `None` for [`Histories::Unverified`].
    ///
    /// # Errors
    /// [`ContainerError::History`]: no history of that album, or one refused (exit code 5).
    pub fn get(&self, album_id: AlbumId) -> Result<Option<Arc<VerifiedHistory>>, ContainerError> {
        let (account, explicit, owner, pin_file, cache) = match self {
            Self::Unverified => return Ok(None),
            Self::Fixed(history) if history.album_id() == album_id => {
                return Ok(Some(Arc::clone(history)));
            }
            Self::Fixed(history) => {
                return Err(ContainerError::History {
                    code: crate::error::exit::REFUSED_INPUT,
                    message: format!(
                        "the container is in album {album_id}, the history given is album {}'s",
                        history.album_id()
                    ),
                });
            }
            Self::Owned {
                account,
                explicit,
                owner,
                pin_file,
                cache,
            } => (account, explicit, owner, pin_file, cache),
        };
        // Held while loading: the pins are one file.
        let mut cache = cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(history) = cache.get(&album_id) {
            return Ok(Some(Arc::clone(history)));
        }
        let path = explicit
            .clone()
            .unwrap_or_else(|| owned_path(account, album_id));
        if !path.exists() {
            return Err(ContainerError::History {
                code: crate::error::exit::SECURITY,
                message: format!(
                    "no history of album {album_id} at {}: this account does not own it (open \
                     with --grant and --history FILE from the owner)",
                    path.display()
                ),
            });
        }
        let history =
            AlbumHistory::load(&path, album_id, owner, pin_file.as_deref()).map_err(|e| {
                ContainerError::History {
                    code: e.code,
                    message: e.message,
                }
            })?;
        let history = Arc::new(history.verified);
        cache.insert(album_id, Arc::clone(&history));
        Ok(Some(history))
    }
}

/// What to open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The whole original (after checking the thumbnail too).
    Original,
    /// The thumbnail.
    Thumbnail,
    /// Bytes `offset .. offset + len` of the original.
    Range(u64, u64),
}

/// Where to write.
#[derive(Clone, Debug)]
pub enum Dest {
    /// Under this folder, by the recorded name.
    Dir(PathBuf),
    /// To standard output.
    Stdout,
}

/// One opened container.
#[derive(Debug)]
pub struct Opened {
    /// Where it went (`None` for standard output).
    pub path: Option<PathBuf>,
    /// Plaintext bytes written.
    pub len: u64,
    /// Why nothing was written, when nothing was.
    pub skipped: Option<Skipped>,
    /// The verified uploader's fingerprint (SPEC.md 5.7), when verified.
    pub uploader: Option<String>,
}

/// Why a container was not restored, without it being an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skipped {
    /// The destination already holds exactly this original.
    Identical,
    /// The index beside it lists it as an earlier version of a name whose current
    /// container is in the same batch.
    Superseded,
}

/// Opens one container, verifying its signed manifest against the album's history first
/// (SPEC.md 5.10) and each part it opens against the manifest. Files appear under their
/// final names only once complete, authenticated and verified (temporary file, fsync,
/// rename); an existing file is replaced only with `force`.
///
/// # Errors
/// Any [`ContainerError`].
pub fn open_one(
    src: &Path,
    keys: &Keys<'_>,
    histories: &Histories,
    part: Part,
    dest: &Dest,
    force: bool,
    progress: &ProgressBar,
) -> Result<Opened, ContainerError> {
    if let Keys::Selection(selection) = keys {
        return crate::selection::open_one(src, selection, histories, part, dest, force, progress);
    }
    let mut file = File::open(src)?;
    let layout = container::read_layout(&mut file)?;
    let mut item = keys.item(&layout)?;
    let uploader = match histories.get(layout.album_id)? {
        Some(history) => Some(item.verify(&layout, &history)?.uploader_fingerprint()),
        None => None,
    };
    // A range is checked against the (authenticated) recorded size before anything is
    // written, and its file is named by the bytes it will hold (clipped to the end).
    let part = match part {
        Part::Range(offset, _) if offset > item.metadata.size => {
            return Err(ContainerError::Core {
                what: "--range",
                err: keepsake::Error::RangeOutOfBounds {
                    offset,
                    plaintext_len: item.metadata.size,
                },
            });
        }
        Part::Range(offset, len) => Part::Range(offset, len.min(item.metadata.size - offset)),
        other => other,
    };
    let target = match (dest, part) {
        (Dest::Stdout, _) => None,
        (Dest::Dir(dir), Part::Original) => Some(dir.join(&item.path)),
        (Dest::Dir(dir), Part::Thumbnail) => {
            Some(fsutil::with_suffix(&dir.join(&item.path), ".thumbnail"))
        }
        (Dest::Dir(dir), Part::Range(offset, len)) => Some(fsutil::with_suffix(
            &dir.join(&item.path),
            &format!(".range-{offset}-{len}"),
        )),
    };
    if !force
        && let Some(target) = &target
        && target.try_exists()?
        && part == Part::Original
        && index::same_content(&mut file, &layout, &item, target)?
    {
        return Ok(Opened {
            path: Some(target.clone()),
            len: 0,
            skipped: Some(Skipped::Identical),
            uploader,
        });
    }
    let mut write =
        |sink: &mut dyn Write| write_part(&mut file, &layout, &item, part, sink, progress);
    let finish = |file: &File| -> std::io::Result<()> {
        if part == Part::Original {
            if let Some(mtime) = item.metadata.modified() {
                filetime::set_file_handle_times(
                    file,
                    None,
                    Some(filetime::FileTime::from_system_time(mtime)),
                )?;
            }
            restore_mode(file, item.metadata.mode)?;
        }
        Ok(())
    };
    let mut opened = deliver(target, force, &mut write, &finish)?;
    opened.uploader = uploader;
    Ok(opened)
}

/// Writes what `write` produces to `target` all or nothing (temporary file, `finish` on
/// it, fsync, rename; an existing file is replaced only with `force`), or to standard
/// output for `None`.
///
/// # Errors
/// [`ContainerError::Exists`]; `write`'s errors; I/O errors.
pub fn deliver(
    target: Option<PathBuf>,
    force: bool,
    write: &mut dyn FnMut(&mut dyn Write) -> Result<u64, ContainerError>,
    finish: &dyn Fn(&File) -> std::io::Result<()>,
) -> Result<Opened, ContainerError> {
    let Some(target) = target else {
        let stdout = std::io::stdout();
        let mut sink = BufWriter::new(stdout.lock());
        let len = write(&mut sink)?;
        sink.flush()?;
        return Ok(Opened {
            path: None,
            len,
            skipped: None,
            uploader: None,
        });
    };
    if !force && target.try_exists()? {
        return Err(ContainerError::Exists(target));
    }
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut temp = fsutil::temp_beside(&target)?;
    let len = {
        let mut sink = BufWriter::new(temp.as_file_mut());
        let len = write(&mut sink)?;
        sink.flush()?;
        len
    };
    finish(temp.as_file())?;
    fsutil::persist(temp, &target, force).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            ContainerError::Exists(target.clone())
        } else {
            ContainerError::Io(e)
        }
    })?;
    Ok(Opened {
        path: Some(target),
        len,
        skipped: None,
        uploader: None,
    })
}

fn write_part(
    file: &mut File,
    layout: &Layout,
    item: &Item,
    part: Part,
    sink: &mut dyn Write,
    progress: &ProgressBar,
) -> Result<u64, ContainerError> {
    match part {
        Part::Original => {
            // The thumbnail is authenticated too, so an altered one is reported.
            read_thumbnail(file, layout, item)?;
            copy_original(file, layout, item, &mut &mut *sink, &mut |n| {
                progress.inc(n)
            })
        }
        Part::Thumbnail => {
            let thumbnail =
                read_thumbnail(file, layout, item)?.ok_or(ContainerError::NoThumbnail)?;
            sink.write_all(&thumbnail)?;
            Ok(thumbnail.len() as u64)
        }
        Part::Range(offset, len) => copy_range(file, layout, item, offset, len, &mut &mut *sink),
    }
}

/// Parses `OFFSET:LEN` (decimal).
///
/// # Errors
/// Anything else.
pub fn parse_range(text: &str) -> CliResult<(u64, u64)> {
    let bad = || CliError::usage(format!("--range must be OFFSET:LEN in bytes, got {text:?}"));
    let (offset, len) = text.split_once(':').ok_or_else(bad)?;
    Ok((
        offset.trim().parse().map_err(|_| bad())?,
        len.trim().parse().map_err(|_| bad())?,
    ))
}

/// The keys `open` holds.
enum Held {
    Account(Box<Keyring>),
    Album(AlbumKey),
    Selection(Box<Selection>),
}

/// Accepts `--grant` from `--from`: an album grant gives the album key, a selection grant
/// (told apart by its length) its part keys.
fn held_from_grant(args: &OpenArgs, grant: &Path, from: &str) -> CliResult<(Held, Histories)> {
    let sender = crate::account::parse_sender(from)?;
    let bytes = crate::selection::read_grant(grant)?;
    if !crate::selection::is_selection_len(bytes.len()) {
        let (album, _, history) = album_from_grant(
            &args.unlock,
            grant,
            from,
            args.history.as_deref(),
            args.owner.as_deref(),
        )?;
        return Ok((
            Held::Album(album),
            Histories::Fixed(Arc::new(history.verified)),
        ));
    }
    let unlocked = unlock::unlock(&args.unlock)?;
    let selection = crate::selection::accept_selection(&unlocked.keyring, grant, &bytes, &sender)?;
    let histories = match &args.history {
        Some(path) => {
            let history = granted_history(
                &unlocked,
                selection.info().album_id,
                Some(path),
                args.owner.as_deref(),
                from,
            )?;
            crate::selection::check_history(&selection, grant, &history.verified)?;
            Histories::Fixed(Arc::new(history.verified))
        }
        None => Histories::Unverified,
    };
    Ok((Held::Selection(Box::new(selection)), histories))
}

/// `open`.
///
/// # Errors
/// Arguments, unlocking; exit code 3 or 4 when files failed.
pub fn run(args: &OpenArgs) -> CliResult<()> {
    let part = match (&args.range, args.thumbnail) {
        (Some(range), _) => {
            let (offset, len) = parse_range(range)?;
            Part::Range(offset, len)
        }
        (None, true) => Part::Thumbnail,
        (None, false) => Part::Original,
    };
    let dest = match &args.out {
        Some(dir) if !args.stdout => Dest::Dir(dir.clone()),
        _ => Dest::Stdout,
    };
    let files = &index::expand_batch(&args.files);
    if files.len() != 1 && (matches!(dest, Dest::Stdout) || matches!(part, Part::Range(..))) {
        return Err(CliError::usage(
            "--stdout and --range take exactly one FILE",
        ));
    }
    if args.force_tty && !args.stdout {
        return Err(CliError::usage("--force-tty goes with --stdout"));
    }
    // Every path is checked before Argon2id runs: a typo fails at once and creates nothing.
    match &dest {
        Dest::Dir(dir) => fsutil::check_output_dir(dir)?,
        Dest::Stdout => {
            output::check_binary_stdout(output::stdout_is_terminal(), args.force_tty)?;
        }
    }
    for file in &args.files {
        fsutil::check_input(file)?;
    }
    let (held, histories) = match (&args.grant, &args.from) {
        (Some(grant), Some(from)) => held_from_grant(args, grant, from)?,
        _ => {
            if args.owner.is_some() {
                return Err(CliError::usage(
                    "--owner goes with --grant: without one, the albums are this account's",
                ));
            }
            let unlocked = unlock::unlock(&args.unlock)?;
            let histories = Histories::Owned {
                account: unlocked.path.clone(),
                explicit: args.history.clone(),
                owner: Box::new(unlocked.keyring.identity_public_key()),
                pin_file: unlocked.pin_file.clone(),
                cache: Mutex::new(HashMap::new()),
            };
            (Held::Account(Box::new(unlocked.keyring)), histories)
        }
    };
    let keys = match &held {
        Held::Album(album) => Keys::Grant(album),
        Held::Selection(selection) => Keys::Selection(selection),
        Held::Account(keyring) => Keys::Account(keyring),
    };
    if let Dest::Dir(dir) = &dest {
        fs::create_dir_all(dir).map_err(|e| CliError::io(dir, &e))?;
        interrupt::clean_stale(dir);
    }
    let total: u64 = files
        .iter()
        .filter_map(|f| fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let bar = match (&dest, part) {
        (Dest::Dir(_), Part::Original) => progress_bar(total, "opening"),
        _ => ProgressBar::hidden(),
    };
    let superseded = match (&dest, part) {
        (Dest::Dir(_), Part::Original) if !matches!(keys, Keys::Selection(_)) => {
            index::superseded(files, &keys)
        }
        _ => std::collections::HashSet::new(),
    };
    let start = Instant::now();
    let results: Vec<_> = files
        .par_iter()
        .map(|file| {
            if superseded.contains(file) {
                return Ok(Opened {
                    path: None,
                    len: 0,
                    skipped: Some(Skipped::Superseded),
                    uploader: None,
                });
            }
            open_one(file, &keys, &histories, part, &dest, args.force, &bar)
        })
        .collect();
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    let (mut ok, mut bytes, mut codes) = (0usize, 0u64, Vec::new());
    let mut skipped = 0usize;
    let mut uploaders: BTreeMap<String, usize> = BTreeMap::new();
    // With --stdout, standard output holds the plaintext: no report is printed there.
    let report = !matches!(dest, Dest::Stdout);
    for (file, result) in files.iter().zip(results) {
        match result {
            Ok(Opened {
                path,
                skipped: Some(why),
                ..
            }) => {
                skipped += 1;
                if args.json && report {
                    output::json(&serde_json::json!({
                        "type": "skipped",
                        "container": file.display().to_string(),
                        "reason": match why {
                            Skipped::Identical => "identical",
                            _ => "superseded",
                        },
                    }))?;
                } else if args.verbose {
                    match (why, path) {
                        (Skipped::Identical, Some(path)) => outln!(
                            "skipped {}: {} already holds it",
                            file.display(),
                            path.display()
                        ),
                        _ => outln!(
                            "skipped {}: an earlier version (superseded in the index)",
                            file.display()
                        ),
                    }
                }
            }
            Ok(opened) => {
                ok += 1;
                bytes += opened.len;
                let uploader = opened.uploader.as_deref().unwrap_or("not verified");
                *uploaders.entry(uploader.to_string()).or_default() += 1;
                match (&opened.path, args.json && report) {
                    (Some(path), true) => output::json(&serde_json::json!({
                        "type": "opened",
                        "container": file.display().to_string(),
                        "path": path.display().to_string(),
                        "len": opened.len,
                        "uploader_fingerprint": opened.uploader,
                    }))?,
                    (Some(path), false) if args.verbose => {
                        outln!(
                            "opened {} -> {} (uploader {uploader})",
                            file.display(),
                            path.display()
                        );
                    }
                    _ => {}
                }
            }
            Err(err) => {
                codes.push(err.exit_code());
                if err.exit_code() == crate::error::exit::BROKEN_PIPE {
                    continue;
                }
                crate::errln!("{}: {err}", file.display());
                if args.json && report {
                    output::json(&serde_json::json!({
                        "type": "error",
                        "container": file.display().to_string(),
                        "kind": err.kind(),
                        "exit_code": err.exit_code(),
                    }))?;
                }
            }
        }
    }
    if let Dest::Dir(dir) = &dest {
        if args.json {
            output::json(&serde_json::json!({
                "type": "summary",
                "opened": ok,
                "skipped": skipped,
                "failed": codes.len(),
                "plaintext_bytes": bytes,
                "seconds": secs,
                "out": dir.display().to_string(),
            }))?;
        } else {
            outln!(
                "opened {ok} of {} file(s), {:.1} MiB, into {} in {secs:.2} s",
                files.len(),
                bytes as f64 / f64::from(1u32 << 20),
                dir.display()
            );
            if skipped > 0 {
                outln!(
                    "skipped {skipped} file(s): already restored identically, or earlier versions"
                );
            }
            for (uploader, count) in &uploaders {
                outln!("uploader {uploader}: {count} file(s)");
            }
        }
    }
    batch_result(&codes, files.len())
}
