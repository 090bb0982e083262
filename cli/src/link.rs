//! Public links from the command line (SPEC.md 5.13, the published folder of 8.12):
//! `link create` (an album epoch, or with `--items` a selection of containers), `link open`
//! ([`crate::link_open`]) and `link revoke`.
//!
//! A link is a folder a static web server can serve, `ROOT/l/<link id>/`, written all or
//! nothing (a temporary folder beside it, renamed). The URL, whose fragment holds the link
//! secret, is printed on standard output and nowhere else: never into a file, a log or an
//! error message.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use keepsake::link::{
    LINK_ID_LEN, LinkId, LinkPassword, NewLink, create_album_link, create_selection_link, parse_url,
};
use keepsake::provenance::ItemRecord;
use keepsake::selection::{SelectedItem, SelectedPart};
use keepsake::stream::HEADER_LEN;
use keepsake::{AlbumId, AlbumKey, MediaId, MediaKind};
use serde_json::json;
use zeroize::Zeroizing;

use crate::album_history::AlbumHistory;
use crate::args::{KdfProfile, UnlockArgs};
use crate::container::{self, Section};
use crate::error::{CliError, CliResult, EXIT_CODES_HELP, exit};
use crate::unlock::Unlocked;
use crate::{account, fsutil, lifecycle, outln, unlock};

/// `index.json`'s `version`.
pub const INDEX_VERSION: u64 = 1;
/// Largest `index.json` read (SPEC.md 8.12).
pub const MAX_INDEX_LEN: u64 = 1 << 20;
/// Most items an `index.json` may list.
pub const MAX_INDEX_ITEMS: usize = 10_000;
/// Largest `history` file read: `MAX_HISTORY_ENTRIES * (4 + HISTORY_ENTRY_MAX_LEN)`.
pub const MAX_HISTORY_FILE_LEN: u64 = (keepsake::history::MAX_HISTORY_ENTRIES
    * (4 + keepsake::history::HISTORY_ENTRY_MAX_LEN)) as u64;
/// Largest `metadata` file read: the largest envelope (SPEC.md 4.1).
pub const MAX_METADATA_FILE_LEN: u64 =
    (keepsake::envelope::MAX_ENVELOPE_PLAINTEXT + keepsake::envelope::ENVELOPE_OVERHEAD) as u64;
/// Length of a `key` file: a wrapped media key (SPEC.md 8.2).
pub const KEY_FILE_LEN: usize = 105;
/// Largest sealed part `link open` and `collect` read into memory.
pub const MAX_PART_LEN: u64 = 1 << 30;
/// The origin printed URLs start with when `--origin` is not given.
pub const DEFAULT_ORIGIN: &str = "https://localhost";

const URL_HELP: &str = "The URL (with its fragment, the link secret) is printed on standard \
output only: never into a file, a log or an error message. Treat it as the key it is.";

/// `link ...`.
#[derive(Subcommand, Debug)]
pub enum LinkCommand {
    /// Publish an album epoch (or, with --items, chosen containers) as a link folder
    /// ROOT/l/<link id>/ and print its URL.
    #[command(after_help = format!("{URL_HELP}\n\n{EXIT_CODES_HELP}"))]
    Create(Box<LinkCreateArgs>),
    /// Open a link from its published folder: verify every item and write the originals.
    #[command(after_help = EXIT_CODES_HELP)]
    Open(LinkOpenArgs),
    /// Delete a link's folder; with --move-epoch, also move the album to a new epoch.
    #[command(after_help = EXIT_CODES_HELP)]
    Revoke(Box<LinkRevokeArgs>),
}

/// Where a link password comes from (never the command line).
#[derive(Args, Debug, Clone)]
pub struct PasswordArgs {
    /// Read the link password from FILE (its content less one trailing newline).
    #[arg(long, value_name = "FILE", conflicts_with = "password_stdin")]
    pub password_file: Option<PathBuf>,
    /// Read the link password from standard input (less one trailing newline).
    #[arg(long)]
    pub password_stdin: bool,
}

/// `link create`.
#[derive(Args, Debug)]
pub struct LinkCreateArgs {
    /// How to unlock the owner's account.
    #[command(flatten)]
    pub unlock: UnlockArgs,
    /// The album (32 hex characters).
    #[arg(long, value_name = "ID")]
    pub album: String,
    /// The album epoch (default: the account's current epoch).
    #[arg(long, value_name = "N")]
    pub epoch: Option<u64>,
    /// An optional password: the link then needs the URL and the password.
    #[command(flatten)]
    pub password: PasswordArgs,
    /// Argon2id cost of the link password (the passphrase slot's profiles; a browser
    /// computes it on one thread).
    #[arg(long, value_enum, default_value = "ios-extension")]
    pub kdf_profile: KdfProfile,
    /// A selection link of exactly these containers (all their parts) instead of an
    /// album link.
    #[arg(long, value_name = "CONTAINER", num_args = 1.., conflicts_with = "paths")]
    pub items: Vec<PathBuf>,
    /// Album link: the containers (or folders of containers) to publish, all of the
    /// album at the epoch.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Selection link: when the server should delete it (RFC 3339 or Unix seconds;
    /// default 30 days).
    #[arg(long, value_name = "TIME", requires = "items")]
    pub expires: Option<String>,
    /// The folder the web server serves; the link is written to ROOT/l/<link id>/.
    #[arg(long, value_name = "ROOT")]
    pub out: PathBuf,
    /// The scheme and host the printed URL starts with.
    #[arg(long, value_name = "URL", default_value = DEFAULT_ORIGIN)]
    pub origin: String,
    /// Copy this viewer page into the folder as `index.html`, for a plain static server
    /// (SPEC.md 8.12, URL).
    #[arg(long, value_name = "FILE")]
    pub viewer: Option<PathBuf>,
}

/// Largest viewer page copied by `--viewer`.
pub const MAX_VIEWER_LEN: u64 = 16 << 20;

/// `link open`.
#[derive(Args, Debug)]
pub struct LinkOpenArgs {
    /// The link's URL (`.../l/<link id>#<fragment>`).
    #[arg(value_name = "URL")]
    pub url: String,
    /// The folder holding `l/<link id>/`.
    #[arg(long, value_name = "ROOT")]
    pub from: PathBuf,
    /// The password, if the link has one.
    #[command(flatten)]
    pub password: PasswordArgs,
    /// Where to write the originals (default: the current folder).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
}

/// `link revoke`.
#[derive(Args, Debug)]
pub struct LinkRevokeArgs {
    /// The link id (32 hex characters) or its URL.
    #[arg(value_name = "LINK_ID_OR_URL")]
    pub link: String,
    /// The folder holding `l/<link id>/`.
    #[arg(long, value_name = "ROOT")]
    pub from: PathBuf,
    /// Also move the album to a new epoch (as `album remove-member`, removing no one
    /// but the link), so a copied record opens nothing sealed afterwards. Needs --account,
    /// --album and --epoch.
    #[arg(long, requires_all = ["account", "album", "epoch"])]
    pub move_epoch: bool,
    /// The owner's account file (with --move-epoch).
    #[arg(long, value_name = "FILE")]
    pub account: Option<PathBuf>,
    /// Read the owner's passphrase from FILE (`-`: standard input).
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// The album (with --move-epoch).
    #[arg(long, value_name = "ID")]
    pub album: Option<String>,
    /// The epoch the link gave (with --move-epoch).
    #[arg(long, value_name = "N")]
    pub epoch: Option<u64>,
    /// The album's history file (default: the owner's own copy, SPEC.md 8.11).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Where to write the members' grants of the new epoch (every current member of the
    /// album's history but the owner).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub grants: PathBuf,
}

/// Runs `link ...`.
///
/// # Errors
/// The subcommand's.
pub fn run(command: &LinkCommand) -> CliResult<()> {
    match command {
        LinkCommand::Create(a) => create(a),
        LinkCommand::Open(a) => crate::link_open::open(a),
        LinkCommand::Revoke(a) => revoke(a),
    }
}

/// Reads a link password from a file or standard input, or none.
///
/// # Errors
/// I/O errors; a password that is not UTF-8 or empty.
pub fn read_password(args: &PasswordArgs) -> CliResult<Option<Zeroizing<String>>> {
    let source = match (&args.password_file, args.password_stdin) {
        (Some(path), _) => unlock::Source::File(path),
        (None, true) => unlock::Source::File(Path::new("-")),
        (None, false) => return Ok(None),
    };
    let text = unlock::read_source(source, "the link password")?;
    if text.is_empty() {
        return Err(CliError::usage("the link password is empty"));
    }
    Ok(Some(text))
}

/// `ROOT/l/<link id>`.
pub fn link_dir(root: &Path, link_id: &LinkId) -> PathBuf {
    root.join("l").join(link_id.to_string())
}

/// Parses a link id (32 lowercase hex digits) or takes it from a URL.
///
/// # Errors
/// A usage error for anything else.
pub fn parse_link_arg(text: &str) -> CliResult<LinkId> {
    if text.contains('#') {
        return parse_url(text)
            .map(|a| a.link_id)
            .map_err(|e| CliError::usage(format!("not a link URL: {e}")));
    }
    if text.len() == 2 * LINK_ID_LEN && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        let bytes = fsutil::parse_hex::<LINK_ID_LEN>(text, "a link id")?;
        return Ok(LinkId::from_bytes(bytes));
    }
    Err(CliError::usage(
        "expected a link id (32 lowercase hex digits) or a link URL",
    ))
}

/// The history file: each entry as `be32(length) || entry`.
pub fn encode_history(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in entries {
        out.extend_from_slice(&(entry.len() as u32).to_be_bytes());
        out.extend_from_slice(entry);
    }
    out
}

/// The album history a link publishes (the owner's copy, SPEC.md 8.11: every entry, so a
/// guest verifies the whole chain) and the hash of the entry it relies on: the newest entry
/// at the album key's epoch (recorded first, as an epoch move, when that epoch is the
/// account's current one and the history has not reached it).
///
/// # Errors
/// As [`AlbumHistory::owned`] and [`AlbumHistory::owned_entry_at_epoch`] (exit code 5 when
/// the album never was at that epoch).
pub fn link_history(
    unlocked: &Unlocked,
    album: &AlbumKey,
) -> CliResult<(Vec<Vec<u8>>, [u8; 32], AlbumHistory)> {
    let mut history = AlbumHistory::owned(unlocked, album.album_id(), None)?;
    let hash = history.owned_entry_at_epoch(&unlocked.keyring, album.epoch())?;
    Ok((history.entries().to_vec(), hash, history))
}

/// A link folder being written: a temporary folder in `ROOT/l/`, renamed into place by
/// [`Staged::publish`] (removed if dropped first).
pub struct Staged {
    temp: tempfile::TempDir,
}

impl Staged {
    /// A new temporary folder in `ROOT/l/`.
    ///
    /// # Errors
    /// I/O errors.
    pub fn new(root: &Path) -> CliResult<Self> {
        let l = root.join("l");
        std::fs::create_dir_all(&l).map_err(|e| CliError::io(&l, &e))?;
        let temp = tempfile::Builder::new()
            .prefix(".keepsake-")
            .suffix(".partial")
            .tempdir_in(&l)
            .map_err(|e| CliError::io(&l, &e))?;
        Ok(Self { temp })
    }

    /// Writes `bytes` to `name` (a relative path) in the folder.
    ///
    /// # Errors
    /// I/O errors.
    pub fn write(&self, name: &str, bytes: &[u8]) -> CliResult<()> {
        let path = self.temp.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| CliError::io(parent, &e))?;
        }
        let mut file = File::create(&path).map_err(|e| CliError::io(&path, &e))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| CliError::io(&path, &e))
    }

    /// Creates the empty folder `name`.
    ///
    /// # Errors
    /// I/O errors.
    pub fn mkdir(&self, name: &str) -> CliResult<()> {
        let path = self.temp.path().join(name);
        std::fs::create_dir_all(&path).map_err(|e| CliError::io(&path, &e))
    }

    /// Renames the folder to `ROOT/l/<link id>`.
    ///
    /// # Errors
    /// I/O errors (exit code 4 if it exists).
    pub fn publish(self, root: &Path, link_id: &LinkId) -> CliResult<PathBuf> {
        let dst = link_dir(root, link_id);
        if dst.exists() {
            return Err(fsutil::exists(&dst));
        }
        let temp = self.temp.keep();
        std::fs::rename(&temp, &dst).map_err(|e| {
            let _ = std::fs::remove_dir_all(&temp);
            CliError::io(&dst, &e)
        })?;
        fsutil::sync_dir(&root.join("l")).map_err(|e| CliError::io(&dst, &e))?;
        Ok(dst)
    }
}

/// One container prepared for a link: its parts as published, with the item record its
/// uploader signed (SPEC.md 5.10), verified against the album history first.
struct Published {
    media_id: MediaId,
    epoch: u64,
    wrapped_key: Vec<u8>,
    metadata_envelope: Vec<u8>,
    manifest: Vec<u8>,
    media_key: keepsake::MediaKey,
    thumbnail: Option<Vec<u8>>,
    original: Vec<u8>,
}

fn refused(path: &Path, err: &dyn std::fmt::Display) -> CliError {
    CliError::new(exit::REFUSED_INPUT, format!("{}: {err}", path.display()))
}

fn read_section(file: &mut File, path: &Path, section: Section) -> CliResult<Vec<u8>> {
    if section.len > MAX_PART_LEN {
        return Err(CliError::failure(format!(
            "{}: a part above {MAX_PART_LEN} bytes",
            path.display()
        )));
    }
    let mut out = vec![0u8; usize::try_from(section.len).unwrap_or(0)];
    file.seek(SeekFrom::Start(section.offset))
        .and_then(|_| file.read_exact(&mut out))
        .map_err(|e| CliError::io(path, &e))?;
    Ok(out)
}

/// Reads a container of `album` and verifies its signed item record against the album's
/// history (SPEC.md 5.10): a link publishes items as their uploaders signed them, and
/// refuses one that does not verify (unsigned, by a non-member, re-sealed, ...).
fn publish_item(album: &AlbumKey, history: &AlbumHistory, path: &Path) -> CliResult<Published> {
    let mut file = File::open(path).map_err(|e| CliError::io(path, &e))?;
    let layout = container::read_layout(&mut file).map_err(|e| refused(path, &e))?;
    let mut item = container::open_item(&layout, album).map_err(|e| refused(path, &e))?;
    let verified = item
        .verify(&layout, &history.verified)
        .map_err(|e| refused(path, &e))?;
    let thumbnail = match layout.thumbnail {
        Some((section, _)) => Some(read_section(&mut file, path, section)?),
        None => None,
    };
    let original = read_section(&mut file, path, layout.original.0)?;
    verified
        .verify_part(MediaKind::Original, &original)
        .map_err(|e| refused(path, &e))?;
    if let Some(thumb) = &thumbnail {
        verified
            .verify_part(MediaKind::Thumbnail, thumb)
            .map_err(|e| refused(path, &e))?;
    }
    let manifest = ItemRecord::parse(&item.record)
        .ok()
        .and_then(|r| r.manifest().map(<[u8]>::to_vec))
        .ok_or_else(|| CliError::failure("the signed item record has no manifest"))?;
    Ok(Published {
        media_id: layout.media_id,
        epoch: layout.epoch,
        wrapped_key: layout.wrapped_key.clone(),
        metadata_envelope: layout.metadata.clone(),
        manifest,
        media_key: item.media_key,
        thumbnail,
        original,
    })
}

/// The containers a list of files and folders names (a folder: its `.ks` files).
///
/// # Errors
/// I/O errors.
pub fn containers_in(paths: &[PathBuf]) -> CliResult<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| CliError::io(path, &e))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "ks") && p.is_file())
                .collect();
            found.sort();
            out.extend(found);
        } else {
            fsutil::check_input(path)?;
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn index_json(items: &[Published]) -> Vec<u8> {
    let items: Vec<_> = items
        .iter()
        .map(|p| {
            let mut parts = vec!["original"];
            if p.thumbnail.is_some() {
                parts.push("thumbnail");
            }
            parts.push("metadata");
            json!({"id": p.media_id.to_string(), "parts": parts})
        })
        .collect();
    let mut out =
        serde_json::to_vec(&json!({"version": INDEX_VERSION, "items": items})).unwrap_or_default();
    out.push(b'\n');
    out
}

/// `link create`.
///
/// # Errors
/// Arguments, unlocking, the containers (exit code 3 for one of another album or epoch,
/// or refused), writing the folder.
pub fn create(args: &LinkCreateArgs) -> CliResult<()> {
    let album_id: AlbumId = fsutil::parse_album_id(&args.album)?;
    let selection = !args.items.is_empty();
    let paths = containers_in(if selection { &args.items } else { &args.paths })?;
    if paths.len() > MAX_INDEX_ITEMS {
        return Err(CliError::usage(format!(
            "a link holds at most {MAX_INDEX_ITEMS} items"
        )));
    }
    let expires_at = match &args.expires {
        Some(text) => crate::selection::parse_expiry(text)?,
        None => crate::selection::now() + crate::selection::DEFAULT_LIFETIME,
    };
    let password = read_password(&args.password)?;
    let viewer = match &args.viewer {
        Some(path) => Some(fsutil::read_capped(path, MAX_VIEWER_LEN, "a viewer page")?),
        None => None,
    };
    fsutil::check_output_dir(&args.out)?;
    let unlocked = unlock::unlock(&args.unlock)?;
    let keyring = &unlocked.keyring;
    let album = account::album_key(keyring, album_id, args.epoch)?;
    let (history, history_hash, album_history) = link_history(&unlocked, &album)?;
    let items = paths
        .iter()
        .map(|p| publish_item(&album, &album_history, p))
        .collect::<CliResult<Vec<_>>>()?;
    let owner = &keyring.identity_public_key();
    let password = password.as_ref().map(|p| LinkPassword {
        password: p.as_str(),
        params: args.kdf_profile.params(),
    });
    let link: NewLink = if selection {
        let parts: Vec<Vec<SelectedPart<'_>>> = items
            .iter()
            .map(|p| {
                let mut v = vec![SelectedPart::Stream(&p.original[..HEADER_LEN])];
                if let Some(t) = &p.thumbnail {
                    v.push(SelectedPart::Stream(&t[..HEADER_LEN]));
                }
                v.push(SelectedPart::Metadata(&p.metadata_envelope));
                v
            })
            .collect();
        let chosen: Vec<SelectedItem<'_>> = items
            .iter()
            .zip(&parts)
            .map(|(p, parts)| SelectedItem {
                media_id: p.media_id,
                epoch: p.epoch,
                media_key: &p.media_key,
                parts,
                manifest: Some(&p.manifest),
            })
            .collect();
        create_selection_link(
            album_id,
            &history_hash,
            expires_at,
            owner,
            &chosen,
            password.as_ref(),
        )
    } else {
        create_album_link(&album, &history_hash, owner, password.as_ref())
    }
    .map_err(|e| CliError::core("creating the link", &e))?;
    let staged = Staged::new(&args.out)?;
    staged.write("record", &link.record)?;
    staged.write("index.json", &index_json(&items))?;
    if !history.is_empty() {
        staged.write("history", &encode_history(&history))?;
    }
    if let Some(page) = &viewer {
        staged.write("index.html", page)?;
    }
    for p in &items {
        let dir = format!("items/{}", p.media_id);
        if !selection {
            staged.write(&format!("{dir}/key"), &p.wrapped_key)?;
        }
        staged.write(&format!("{dir}/metadata"), &p.metadata_envelope)?;
        if let Some(t) = &p.thumbnail {
            staged.write(&format!("{dir}/thumbnail"), t)?;
        }
        staged.write(&format!("{dir}/original"), &p.original)?;
    }
    let dir = staged.publish(&args.out, &link.link_id)?;
    crate::note!(
        "wrote {} ({} link of {} item(s){}{})",
        dir.display(),
        if selection { "selection" } else { "album" },
        items.len(),
        if link.needs_password() {
            ", password"
        } else {
            ""
        },
        if history.is_empty() {
            ", no album history: uploaders are not verifiable"
        } else {
            ""
        }
    );
    outln!("{}", link.url(&args.origin).as_str());
    Ok(())
}

/// `link revoke`.
///
/// # Errors
/// A link folder that is not there (exit code 1); as `album remove-member` with
/// `--move-epoch`.
pub fn revoke(args: &LinkRevokeArgs) -> CliResult<()> {
    let link_id = parse_link_arg(&args.link)?;
    let dir = link_dir(&args.from, &link_id);
    if !dir.join("record").is_file() {
        return Err(CliError::failure(format!(
            "{}: no link folder there",
            dir.display()
        )));
    }
    std::fs::remove_dir_all(&dir).map_err(|e| CliError::io(&dir, &e))?;
    outln!("revoked link {link_id}: deleted {}", dir.display());
    if args.move_epoch {
        let (Some(account), Some(album), Some(epoch)) = (&args.account, &args.album, args.epoch)
        else {
            return Err(CliError::usage(
                "--move-epoch needs --account, --album and --epoch",
            ));
        };
        let unlock = UnlockArgs {
            account: account.clone(),
            passphrase_file: args.passphrase_file.clone(),
            passphrase_command: None,
            recovery: false,
            recovery_file: None,
            recovery_command: None,
            device_key: None,
            device_pin: None,
        };
        let album_id = fsutil::parse_album_id(album)?;
        let unlocked = unlock::unlock(&unlock)?;
        lifecycle::move_epoch(
            &unlocked,
            album_id,
            epoch,
            args.history.as_deref(),
            &args.grants,
        )?;
    }
    Ok(())
}
