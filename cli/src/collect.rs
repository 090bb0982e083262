//! Collect links (drop boxes, SPEC.md 5.13; the folder of 8.12) from the command line:
//! `collect create` (the owner publishes the epoch's drop key), `collect add` (a guest with
//! nothing but the URL seals files to the album, under a throwaway key and a display
//! name), `collect review` (the owner lists, accepts or discards the drops).
//!
//! A drop is `drops/<media id>` (the drop of 5.13) beside `drops/<media id>.original` (the
//! sealed original). Accepting one writes a container (SPEC.md 8) into the album folder the
//! tool seals into, then deletes the drop and its part.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use keepsake::link::{
    MAX_DROP_LEN, MAX_LINK_RECORD_LEN, OpenedDrop, OpenedLink, create_collect_link, open_drop,
    open_link, parse_url, seal_drop,
};
use keepsake::provenance::part_hashes;
use keepsake::stream::{SealOptions, seal_part};
use keepsake::{AlbumKey, MediaId, MediaKey, MediaKind};
use zeroize::Zeroizing;

use crate::args::UnlockArgs;
use crate::container::{
    ContainerError, MAX_THUMBNAIL_LEN, Metadata, encode_preamble, encode_trailer, metadata::mode_of,
};
use crate::error::{CliError, CliResult, EXIT_CODES_HELP, batch_result, code_of, exit};
use crate::link::{MAX_PART_LEN, Staged, encode_history, link_dir, link_history, parse_link_arg};
use crate::link_open::parse_media_id;
use crate::{account, errln, fsutil, outln, unlock};

/// `collect ...`.
#[derive(Subcommand, Debug)]
pub enum CollectCommand {
    /// Publish a collect link (drop box) of an album epoch: ROOT/l/<link id>/ with the
    /// record and an empty drops/ folder; print its URL (standard output only).
    #[command(after_help = EXIT_CODES_HELP)]
    Create(Box<CollectCreateArgs>),
    /// As a guest, with nothing but the URL: seal files into a collect link's drops/.
    #[command(after_help = EXIT_CODES_HELP)]
    Add(CollectAddArgs),
    /// As the owner: list, accept (into the album folder) or discard the drops.
    #[command(after_help = EXIT_CODES_HELP)]
    Review(Box<CollectReviewArgs>),
}

/// `collect create`.
#[derive(Args, Debug)]
pub struct CollectCreateArgs {
    /// How to unlock the owner's account.
    #[command(flatten)]
    pub unlock: UnlockArgs,
    /// The album (32 hex characters).
    #[arg(long, value_name = "ID")]
    pub album: String,
    /// The album epoch (default: the account's current epoch).
    #[arg(long, value_name = "N")]
    pub epoch: Option<u64>,
    /// The folder the web server serves; the link is written to ROOT/l/<link id>/.
    #[arg(long, value_name = "ROOT")]
    pub out: PathBuf,
    /// The scheme and host the printed URL starts with.
    #[arg(long, value_name = "URL", default_value = crate::link::DEFAULT_ORIGIN)]
    pub origin: String,
}

/// `collect add`.
#[derive(Args, Debug)]
pub struct CollectAddArgs {
    /// The collect link's URL.
    #[arg(value_name = "URL")]
    pub url: String,
    /// The folder holding `l/<link id>/`.
    #[arg(long, value_name = "ROOT")]
    pub from: PathBuf,
    /// The name the owner sees beside each drop (1 to 64 bytes of UTF-8).
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// The files to add (each becomes one drop).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
}

/// `collect review`.
#[derive(Args, Debug)]
pub struct CollectReviewArgs {
    /// How to unlock the owner's account.
    #[command(flatten)]
    pub unlock: UnlockArgs,
    /// The album (32 hex characters).
    #[arg(long, value_name = "ID")]
    pub album: String,
    /// The album epoch of the collect link (default: the account's current epoch).
    #[arg(long, value_name = "N")]
    pub epoch: Option<u64>,
    /// The folder holding `l/<link id>/`.
    #[arg(long, value_name = "ROOT")]
    pub from: PathBuf,
    /// Only this collect link (id or URL); default: every link folder under ROOT/l/.
    #[arg(long, value_name = "LINK")]
    pub link: Option<String>,
    /// List the drops (the default).
    #[arg(long, conflicts_with_all = ["accept", "discard"])]
    pub list: bool,
    /// Accept these drops (media ids): each becomes a container in --into.
    #[arg(long, value_name = "ID", num_args = 1.., requires = "into", conflicts_with = "discard")]
    pub accept: Vec<String>,
    /// Discard (delete) these drops.
    #[arg(long, value_name = "ID", num_args = 1..)]
    pub discard: Vec<String>,
    /// The album folder accepted drops are written to, as `<media id>.ks`.
    #[arg(long, value_name = "DIR")]
    pub into: Option<PathBuf>,
}

/// Runs `collect ...`.
///
/// # Errors
/// The subcommand's.
pub fn run(command: &CollectCommand) -> CliResult<()> {
    match command {
        CollectCommand::Create(a) => create(a),
        CollectCommand::Add(a) => add(a),
        CollectCommand::Review(a) => review(a),
    }
}

/// `collect create`.
///
/// # Errors
/// Arguments, unlocking, writing the folder.
pub fn create(args: &CollectCreateArgs) -> CliResult<()> {
    let album_id = fsutil::parse_album_id(&args.album)?;
    fsutil::check_output_dir(&args.out)?;
    let unlocked = unlock::unlock(&args.unlock)?;
    let keyring = &unlocked.keyring;
    let album = account::album_key(keyring, album_id, args.epoch)?;
    let (history, hash, _) = link_history(&unlocked, &album)?;
    let link = create_collect_link(&album, &hash, &keyring.identity_public_key(), None)
        .map_err(|e| CliError::core("creating the collect link", &e))?;
    let staged = Staged::new(&args.out)?;
    staged.write("record", &link.record)?;
    if !history.is_empty() {
        staged.write("history", &encode_history(&history))?;
    }
    staged.mkdir("drops")?;
    let dir = staged.publish(&args.out, &link.link_id)?;
    crate::note!("wrote {} (collect link)", dir.display());
    outln!("{}", link.url(&args.origin).as_str());
    Ok(())
}

/// `collect add`.
///
/// # Errors
/// A malformed URL (64); the record's refusals (3); a link that is not a collect link
/// (64); a file that cannot be read (1) or a name refused (3); writing.
pub fn add(args: &CollectAddArgs) -> CliResult<()> {
    let address =
        parse_url(&args.url).map_err(|e| CliError::usage(format!("not a link URL: {e}")))?;
    let dir = link_dir(&args.from, &address.link_id);
    let record = fsutil::read_capped(
        &dir.join("record"),
        MAX_LINK_RECORD_LEN as u64,
        "a link record",
    )?;
    let opened = open_link(&address, &record, None)
        .map_err(|e| CliError::new(code_of(&e), format!("link {}: {e}", address.link_id)))?;
    let OpenedLink::Collect(link) = opened else {
        return Err(CliError::usage("not a collect link"));
    };
    let drops = dir.join("drops");
    for file in &args.files {
        let meta = fsutil::check_input(file)?;
        let plaintext = Zeroizing::new(fsutil::read_capped(file, MAX_PART_LEN, "a file to add")?);
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| CliError::usage(format!("{}: not a UTF-8 name", file.display())))?;
        let metadata = Metadata::new(
            name.to_string(),
            plaintext.len() as u64,
            meta.modified().ok(),
        )
        .with_mode(mode_of(&meta));
        let json = metadata
            .to_json()
            .map_err(|e| CliError::new(e.exit_code(), format!("{}: {e}", file.display())))?;
        let core = |e: keepsake::Error| CliError::core(file.display(), &e);
        let media_id = MediaId::random().map_err(core)?;
        let media_key = MediaKey::generate().map_err(core)?;
        let (sealed, part) = seal_part(
            &media_key,
            &media_id,
            MediaKind::Original,
            &plaintext,
            &SealOptions::new(),
        )
        .map_err(core)?;
        let drop = seal_drop(
            &link,
            &media_id,
            &media_key,
            &args.name,
            &[part.entry()],
            &json,
        )
        .map_err(core)?;
        fsutil::write_atomic(&drops.join(format!("{media_id}.original")), &sealed, false)?;
        fsutil::write_atomic(&drops.join(media_id.to_string()), &drop, false)?;
        outln!("{}: dropped as {media_id}", file.display());
    }
    Ok(())
}

/// A drop file found under ROOT/l/*/drops/.
struct Found {
    id: MediaId,
    path: PathBuf,
}

fn find_drops(root: &Path, only: Option<&keepsake::link::LinkId>) -> CliResult<Vec<Found>> {
    let l = root.join("l");
    let dirs: Vec<PathBuf> = match only {
        Some(id) => vec![link_dir(root, id)],
        None => {
            let mut v: Vec<PathBuf> = std::fs::read_dir(&l)
                .map_err(|e| CliError::io(&l, &e))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect();
            v.sort();
            v
        }
    };
    let mut out = Vec::new();
    for dir in dirs {
        let drops = dir.join("drops");
        let Ok(entries) = std::fs::read_dir(&drops) else {
            continue;
        };
        let mut found: Vec<Found> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name();
                let id = parse_media_id(name.to_str()?)?;
                Some(Found { id, path: e.path() })
            })
            .collect();
        found.sort_by_key(|f| f.path.clone());
        out.extend(found);
    }
    Ok(out)
}

fn refused(what: impl std::fmt::Display, err: &keepsake::Error) -> CliError {
    CliError::new(code_of(err), format!("{what}: {err}"))
}

/// Opens a drop with the album key, checking its file name is its media id.
fn open_found(album: &AlbumKey, found: &Found) -> CliResult<OpenedDrop> {
    let bytes = fsutil::read_capped(&found.path, MAX_DROP_LEN as u64, "a drop")?;
    let drop = open_drop(album, &bytes).map_err(|e| refused(found.path.display(), &e))?;
    if drop.media_id() != found.id {
        return Err(CliError::new(
            exit::REFUSED_INPUT,
            format!(
                "{}: refused: the drop is of item {}",
                found.path.display(),
                drop.media_id()
            ),
        ));
    }
    Ok(drop)
}

fn original_path(found: &Found) -> PathBuf {
    fsutil::with_suffix(&found.path, ".original")
}

/// Accepts one drop: reviews its original, has the owner sign it (core `accept_drop`),
/// and writes it as a container into `into`.
fn accept_one(
    keyring: &keepsake::account::Keyring,
    album: &AlbumKey,
    history: &[u8; 32],
    found: &Found,
    into: &Path,
) -> CliResult<PathBuf> {
    let drop = open_found(album, found)?;
    let part = original_path(found);
    let sealed = fsutil::read_capped(&part, MAX_PART_LEN, "a sealed original")?;
    drop.open_part(MediaKind::Original, &sealed)
        .map_err(|e| refused(part.display(), &e))?;
    // The guest's metadata must name a safe relative path, as any container's does.
    Metadata::parse(drop.metadata())
        .and_then(|m| m.path().map(|_| m))
        .map_err(|e| CliError::new(e.exit_code(), format!("{}: {e}", found.path.display())))?;
    let thumbnail_path = fsutil::with_suffix(&found.path, ".thumbnail");
    let thumbnail = if thumbnail_path.is_file() {
        let sealed = fsutil::read_capped(&thumbnail_path, MAX_THUMBNAIL_LEN, "a sealed thumbnail")?;
        drop.open_part(MediaKind::Thumbnail, &sealed)
            .map_err(|e| refused(thumbnail_path.display(), &e))?;
        Some(sealed)
    } else {
        None
    };
    let accepted = keyring
        .accept_drop(album, &drop, history)
        .map_err(|e| refused(found.path.display(), &e))?;
    // The container (SPEC.md 8.2): the guest's sealed parts as they are, the original's
    // chunk hash list, and the metadata envelope holding the item record the owner signed.
    let hashes = part_hashes(&sealed).map_err(|e| refused(part.display(), &e))?;
    let container_error = |e: ContainerError| CliError::new(e.exit_code(), e.to_string());
    let mut container = encode_preamble(
        &album.album_id(),
        album.epoch(),
        &accepted.media_id,
        &accepted.wrapped_media_key,
        thumbnail.as_deref(),
        sealed.len() as u64,
    )
    .map_err(container_error)?;
    container.extend_from_slice(&sealed);
    container.extend_from_slice(
        &encode_trailer(&hashes.list_bytes(), &accepted.metadata_envelope)
            .map_err(container_error)?,
    );
    std::fs::create_dir_all(into).map_err(|e| CliError::io(into, &e))?;
    let dst = into.join(format!("{}.ks", accepted.media_id));
    fsutil::write_atomic(&dst, &container, false)?;
    remove_drop(found)?;
    Ok(dst)
}

fn remove_drop(found: &Found) -> CliResult<()> {
    for path in [
        original_path(found),
        fsutil::with_suffix(&found.path, ".thumbnail"),
    ] {
        if path.exists() {
            std::fs::remove_file(&path).map_err(|e| CliError::io(&path, &e))?;
        }
    }
    std::fs::remove_file(&found.path).map_err(|e| CliError::io(&found.path, &e))
}

fn select<'a>(found: &'a [Found], ids: &[String]) -> CliResult<Vec<&'a Found>> {
    ids.iter()
        .map(|text| {
            let id = parse_media_id(text.trim()).ok_or_else(|| {
                CliError::usage(format!("{text:?}: a drop id is 32 lowercase hex digits"))
            })?;
            found
                .iter()
                .find(|f| f.id == id)
                .ok_or_else(|| CliError::failure(format!("no drop {id} here")))
        })
        .collect()
}

/// `collect review`.
///
/// # Errors
/// Arguments, unlocking; per drop, its refusal (exit code 3: another album or epoch as
/// `DropWrongAlbum`, a bad signature, a part that does not verify), after the others.
pub fn review(args: &CollectReviewArgs) -> CliResult<()> {
    let album_id = fsutil::parse_album_id(&args.album)?;
    let only = args.link.as_deref().map(parse_link_arg).transpose()?;
    let found = find_drops(&args.from, only.as_ref())?;
    if !args.discard.is_empty() {
        for f in select(&found, &args.discard)? {
            remove_drop(f)?;
            outln!("discarded drop {}", f.id);
        }
        return Ok(());
    }
    let accepting = select(&found, &args.accept)?;
    let unlocked = unlock::unlock(&args.unlock)?;
    let keyring = &unlocked.keyring;
    let album = account::album_key(keyring, album_id, args.epoch)?;
    let (_, history, _) = link_history(&unlocked, &album)?;
    let mut failures = Vec::new();
    if let Some(into) = &args.into {
        for f in &accepting {
            match accept_one(keyring, &album, &history, f, into) {
                Ok(dst) => outln!("accepted drop {} as {}", f.id, dst.display()),
                Err(e) => {
                    errln!("{}", e.message);
                    failures.push(e.code);
                }
            }
        }
        return batch_result(&failures, accepting.len());
    }
    for f in &found {
        match open_found(&album, f) {
            Ok(drop) => {
                let size = std::fs::metadata(original_path(f)).map_or(0, |m| m.len());
                outln!(
                    "{}  {:?}  fingerprint {}  {} bytes",
                    f.id,
                    drop.display_name(),
                    drop.uploader_fingerprint(),
                    size
                );
            }
            Err(e) => {
                errln!("{}", e.message);
                failures.push(e.code);
            }
        }
    }
    batch_result(&failures, found.len())
}
