//! Selection grants in the tool (SPEC.md 5.11): `share --items` (a print order: chosen
//! parts of chosen containers, one part key each, never a media or album key), `accept`
//! of such a grant (the print-order record), `open --grant` with it (the granted parts
//! only), and the public header `inspect` shows.
//!
//! Nothing is stored on accepting: the grant file is itself the encrypted, signed store of
//! the part keys, and `open --grant FILE --from SENDER` accepts it again (unlock, checks,
//! HPKE) each time, as for album grants. Keeping the part keys in a file of their own would
//! put secrets on disk in the clear.
//!
//! Each item is granted with its signed manifest (SPEC.md 5.10), taken from its item
//! record, and the grant names the head of the album's history (5.12), so the recipient
//! verifies every uploader against the history (`open --grant --history`).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use indicatif::ProgressBar;
use keepsake::account::Keyring;
use keepsake::identity::IdentityPublicKey;
use keepsake::provenance::{ItemRecord, PartEntry, PartKind};
use keepsake::selection::{
    HISTORY_LEN, MAX_SELECTION_LEN, MIN_ITEM_LEN, SELECTION_OVERHEAD, SelectedItem, SelectedPart,
    Selection, SelectionExpect, SelectionInfo, inspect_selection,
};
use keepsake::sharing::{fingerprint, fingerprint_of_digest};
use keepsake::stream::{HEADER_LEN, OpenOptions};
use keepsake::{AlbumId, MediaId, MediaKind};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::album_history::AlbumHistory;
use crate::args::{AcceptArgs, PartArg, ShareArgs};
use crate::container::read::{
    ChunkHasher, Window, check_root, expected_entry, provenance_error, pump, range_pieces,
    read_hash_list, record_metadata,
};
use crate::container::{self, ContainerError, Item, Metadata};
use crate::error::{CliError, CliResult, exit};
use crate::open::{Dest, Histories, Keys, Opened, Part};
use crate::{fsutil, outln, output, unlock};

/// Default lifetime of a selection grant: 30 days.
pub const DEFAULT_LIFETIME: u64 = 30 * 24 * 3600;

/// Whether a grant file of `len` bytes is a selection grant rather than an album grant
/// (1354 bytes): the shortest selection grant (one item, one metadata part) is longer.
pub fn is_selection_len(len: usize) -> bool {
    len >= SELECTION_OVERHEAD + MIN_ITEM_LEN
}

/// Reads a grant file of either kind (at most `MAX_SELECTION_LEN` bytes).
///
/// # Errors
/// I/O errors; a file too large to be a grant.
pub fn read_grant(path: &Path) -> CliResult<Vec<u8>> {
    fsutil::read_capped(path, MAX_SELECTION_LEN as u64, "a grant")
}

/// Seconds since the Unix epoch now.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Unix seconds as RFC 3339 UTC (`2026-12-31T23:59:59Z`).
pub fn rfc3339(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Parses `--expires`: Unix seconds, or RFC 3339 (`YYYY-MM-DDTHH:MM:SS` with optional
/// fraction, then `Z` or `±HH:MM`; `t`, `z` and a space for `T` accepted).
///
/// # Errors
/// Anything else, or a time before 1970: a usage error.
pub fn parse_expiry(text: &str) -> CliResult<u64> {
    let text = text.trim();
    let bad = || {
        CliError::usage(format!(
            "--expires must be RFC 3339 (2026-12-31T23:59:59Z) or Unix seconds, got {text:?}"
        ))
    };
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map_err(|_| bad());
    }
    let b = text.as_bytes();
    let num = |at: usize, len: usize| -> CliResult<i64> {
        let s = text.get(at..at + len).ok_or_else(bad)?;
        if !s.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse().map_err(|_| bad())
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(bad());
    }
    let (y, mo, d, h, mi, s) = (
        num(0, 4)?,
        num(5, 2)?,
        num(8, 2)?,
        num(11, 2)?,
        num(14, 2)?,
        num(17, 2)?,
    );
    let mut at = 19;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let digits = b[at..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err(bad());
        }
        at += digits;
    }
    let offset = match &b[at..] {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (oh, om) = (num(at + 1, 2)?, num(at + 4, 2)?);
            if oh > 23 || om > 59 {
                return Err(bad());
            }
            let minutes = oh * 60 + om;
            if *sign == b'+' { minutes } else { -minutes }
        }
        _ => return Err(bad()),
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&mo)
        || d < 1
        || d > month_days[usize::try_from(mo - 1).map_err(|_| bad())?]
        || h > 23
        || mi > 59
        || s > 60
    {
        return Err(bad());
    }
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset * 60;
    u64::try_from(secs).map_err(|_| bad())
}

/// One container chosen for a selection grant: its ids, its media key (unwrapped with the
/// album key) and the stored bytes of the parts chosen.
pub struct Chosen {
    /// The container file.
    pub path: PathBuf,
    /// The album it is sealed in.
    pub album_id: AlbumId,
    /// The epoch it is sealed under.
    pub epoch: u64,
    /// The item.
    pub media_id: MediaId,
    item: Item,
    streams: Vec<[u8; HEADER_LEN]>,
    metadata: Option<Vec<u8>>,
    manifest: Option<Vec<u8>>,
}

fn refused(path: &Path, err: &dyn std::fmt::Display) -> CliError {
    CliError::new(exit::REFUSED_INPUT, format!("{}: {err}", path.display()))
}

/// Reads container `path`, unwraps its media key with `keys`, and takes the stored headers
/// of the `parts` chosen (SPEC.md 8.2: the metadata envelope, the thumbnail and original
/// streams).
///
/// # Errors
/// Exit code 3 for a container refused, one sealed under other keys, or without the
/// thumbnail asked for; I/O errors.
pub fn choose(keys: &Keys<'_>, path: &Path, parts: &[PartArg]) -> CliResult<Chosen> {
    let mut file = File::open(path).map_err(|e| CliError::io(path, &e))?;
    let layout = container::read_layout(&mut file).map_err(|e| refused(path, &e))?;
    let item = keys.item(&layout).map_err(|e| refused(path, &e))?;
    let mut streams = Vec::new();
    let mut metadata = None;
    for part in parts {
        let section = match part {
            PartArg::Original => layout.original.0,
            PartArg::Thumbnail => {
                layout
                    .thumbnail
                    .as_ref()
                    .ok_or_else(|| refused(path, &ContainerError::NoThumbnail))?
                    .0
            }
            PartArg::Metadata => {
                metadata = Some(layout.metadata.clone());
                continue;
            }
        };
        let mut header = [0u8; HEADER_LEN];
        file.seek(SeekFrom::Start(section.offset))
            .and_then(|_| file.read_exact(&mut header))
            .map_err(|e| CliError::io(path, &e))?;
        streams.push(header);
    }
    let manifest = ItemRecord::parse(&item.record)
        .map_err(|e| refused(path, &e))?
        .manifest()
        .map(<[u8]>::to_vec);
    Ok(Chosen {
        manifest,
        path: path.to_path_buf(),
        album_id: layout.album_id,
        epoch: layout.epoch,
        media_id: layout.media_id,
        item,
        streams,
        metadata,
    })
}

/// Grants `recipient` the chosen parts of `chosen` (one album), expiring at `expires_at`,
/// naming the album history entry `history` (its head).
///
/// # Errors
/// A usage error for items of several albums or one item twice; the core's refusals
/// (exit code 3 or 5).
pub fn grant(
    keyring: &Keyring,
    recipient: &IdentityPublicKey,
    chosen: &[Chosen],
    expires_at: u64,
    history: [u8; HISTORY_LEN],
) -> CliResult<Vec<u8>> {
    let first = chosen
        .first()
        .ok_or_else(|| CliError::usage("--items needs at least one container"))?;
    if let Some(other) = chosen.iter().find(|c| c.album_id != first.album_id) {
        return Err(CliError::usage(format!(
            "a selection grant covers one album: {} is in album {}, {} in album {}",
            first.path.display(),
            first.album_id,
            other.path.display(),
            other.album_id
        )));
    }
    for (i, c) in chosen.iter().enumerate() {
        if let Some(twice) = chosen[..i].iter().find(|d| d.media_id == c.media_id) {
            return Err(CliError::usage(format!(
                "{} and {} are the same item ({}): give each item once",
                twice.path.display(),
                c.path.display(),
                c.media_id
            )));
        }
    }
    let parts: Vec<Vec<SelectedPart<'_>>> = chosen
        .iter()
        .map(|c| {
            let streams = c.streams.iter().map(|h| SelectedPart::Stream(&h[..]));
            let metadata = c.metadata.iter().map(|m| SelectedPart::Metadata(m));
            streams.chain(metadata).collect()
        })
        .collect();
    let items: Vec<SelectedItem<'_>> = chosen
        .iter()
        .zip(&parts)
        .map(|(c, parts)| SelectedItem {
            media_id: c.media_id,
            epoch: c.epoch,
            media_key: &c.item.media_key,
            parts,
            manifest: c.manifest.as_deref(),
        })
        .collect();
    keyring
        .grant_selection(recipient, first.album_id, history, expires_at, &items)
        .map_err(|e| CliError::core("granting the selection", &e))
}

/// `share --items`.
///
/// # Errors
/// Arguments, unlocking, the containers, writing the grant.
pub fn share(args: &ShareArgs) -> CliResult<()> {
    let recipient = fsutil::parse_identity(&args.to, "--to (the recipient's identity public key)")?;
    let expires_at = match &args.expires {
        Some(text) => parse_expiry(text)?,
        None => now() + DEFAULT_LIFETIME,
    };
    let mut parts = if args.parts.is_empty() {
        vec![PartArg::Original]
    } else {
        args.parts.clone()
    };
    parts.sort_by_key(|p| *p as u8);
    parts.dedup();
    fsutil::check_output_file(&args.out, args.force)?;
    for file in &args.items {
        fsutil::check_input(file)?;
    }
    let unlocked = unlock::unlock(&args.unlock)?;
    let keys = Keys::Account(&unlocked.keyring);
    let chosen = args
        .items
        .iter()
        .map(|path| choose(&keys, path, &parts))
        .collect::<CliResult<Vec<_>>>()?;
    let album_id = chosen
        .first()
        .ok_or_else(|| CliError::usage("--items needs at least one container"))?
        .album_id;
    let history = AlbumHistory::owned(&unlocked, album_id, args.history.as_deref())?;
    let bytes = grant(
        &unlocked.keyring,
        &recipient,
        &chosen,
        expires_at,
        history.head(),
    )?;
    fsutil::write_atomic(&args.out, &bytes, args.force)?;
    let info = inspect_selection(&bytes).map_err(|e| CliError::core("the grant written", &e))?;
    let part_names: Vec<&str> = parts.iter().map(|p| part_name(*p)).collect();
    if args.json {
        return output::json(&json!({
            "grant_file": args.out.display().to_string(),
            "album_id": info.album_id.to_string(),
            "selection_id": hex::encode(info.selection_id),
            "expires_at": info.expires_at,
            "items": info.item_count,
            "parts": part_names,
            "len": bytes.len(),
            "recipient_digest": hex::encode(recipient.digest()),
            "recipient_fingerprint": fingerprint(&recipient),
        }));
    }
    outln!(
        "wrote {}: selection {} of {} item(s) of album {} ({}), expires {}, granted to identity {}",
        args.out.display(),
        hex::encode(info.selection_id),
        info.item_count,
        info.album_id,
        part_names.join(", "),
        rfc3339(info.expires_at),
        hex::encode(recipient.digest())
    );
    outln!("recipient fingerprint: {}", fingerprint(&recipient));
    outln!(
        "the grant names album history {}: give the recipient {} too",
        history.head_display(),
        history.path.display()
    );
    Ok(())
}

fn part_name(part: PartArg) -> &'static str {
    match part {
        PartArg::Original => "original",
        PartArg::Thumbnail => "thumbnail",
        PartArg::Metadata => "metadata",
    }
}

fn kind_name(part: PartKind) -> &'static str {
    match part {
        PartKind::Media(kind) => kind.name(),
        PartKind::Metadata => "metadata",
    }
}

/// Accepts a selection grant from `sender` with `keyring` (SPEC.md 5.11).
///
/// # Errors
/// Exit code 5 for every refusal (another recipient or sender, a bad signature, a grant
/// that does not open or parse, another version or suite).
pub fn accept_selection(
    keyring: &Keyring,
    path: &Path,
    grant: &[u8],
    sender: &IdentityPublicKey,
) -> CliResult<Selection> {
    keyring
        .accept_selection(grant, sender, &SelectionExpect::default())
        .map_err(|e| {
            let message = match e {
                keepsake::Error::SelectionBadSignature => format!(
                    "{}: selection grant refused: its signature does not verify with the \
                     sender's identity key (the grant was altered, or another account signed it)",
                    path.display()
                ),
                ref other => format!("{}: selection grant refused: {other}", path.display()),
            };
            CliError::new(exit::SECURITY, message)
        })
}

/// Checks an accepted selection grant against the album's verified history (SPEC.md 5.11,
/// 5.12): the entry it names is in the chain and its sender was a member there.
///
/// # Errors
/// Exit code 5: `HistoryUnknownEntry` (the grant names an entry this history does not
/// hold), `SelectionWrongSender` (the sender was not a member there), `SelectionWrongAlbum`.
pub fn check_history(
    selection: &Selection,
    path: &Path,
    history: &keepsake::history::VerifiedHistory,
) -> CliResult<()> {
    selection.check_history(history).map_err(|e| {
        CliError::new(
            exit::SECURITY,
            format!(
                "{}: selection grant refused against the album history: {e}",
                path.display()
            ),
        )
    })
}

/// The print-order record of an accepted selection, as JSON.
pub fn record_json(selection: &Selection, now: u64) -> Value {
    let info = selection.info();
    let items: Vec<Value> = selection
        .items()
        .iter()
        .map(|item| {
            json!({
                "media_id": item.media_id().to_string(),
                "epoch": item.epoch(),
                "parts": item.parts().into_iter().map(kind_name).collect::<Vec<_>>(),
                "signed": item.manifest().is_some(),
            })
        })
        .collect();
    json!({
        "type": "selection",
        "album_id": info.album_id.to_string(),
        "selection_id": hex::encode(info.selection_id),
        "expires_at": info.expires_at,
        "expired": info.expired(now),
        "history": hex::encode(info.history),
        "sender_digest": hex::encode(selection.sender().digest()),
        "sender_fingerprint": fingerprint(selection.sender()),
        "items": items,
    })
}

/// `accept` of a selection grant: checks it and prints the print-order record.
///
/// # Errors
/// Unlocking; refusing the grant (exit code 5).
pub fn accept(args: &AcceptArgs, sender: &IdentityPublicKey, bytes: &[u8]) -> CliResult<()> {
    let unlocked = unlock::unlock(&args.unlock)?;
    let selection = accept_selection(&unlocked.keyring, &args.grant, bytes, sender)?;
    // With the album's history: every item's uploader, checked (SPEC.md 5.10, 5.12).
    let uploaders = match &args.history {
        Some(path) => {
            let history = crate::seal::granted_history(
                &unlocked,
                selection.info().album_id,
                Some(path),
                args.owner.as_deref(),
                &args.from,
            )?;
            check_history(&selection, &args.grant, &history.verified)?;
            let uploaders = selection
                .items()
                .iter()
                .map(|item| {
                    item.uploader(&history.verified)
                        .map(fingerprint)
                        .map_err(|e| {
                            CliError::core(
                                format!("{}: item {}", args.grant.display(), item.media_id()),
                                &e,
                            )
                        })
                })
                .collect::<CliResult<Vec<_>>>()?;
            Some(uploaders)
        }
        None => None,
    };
    let now = now();
    if args.json {
        let mut record = record_json(&selection, now);
        if let (Some(uploaders), Some(items)) = (&uploaders, record["items"].as_array_mut()) {
            for (item, uploader) in items.iter_mut().zip(uploaders) {
                item["uploader_fingerprint"] = json!(uploader);
            }
        }
        return output::json(&record);
    }
    for line in record_lines(&selection, now) {
        outln!("{line}");
    }
    match &uploaders {
        Some(uploaders) => {
            for (item, uploader) in selection.items().iter().zip(uploaders) {
                outln!("  {} uploaded by {uploader} (verified)", item.media_id());
            }
        }
        None => outln!("uploaders not verified (give --history FILE, from the album's owner)"),
    }
    outln!("{}", crate::account::open_hint("items", args));
    Ok(())
}

/// The print-order record, one line each, for a person.
pub fn record_lines(selection: &Selection, now: u64) -> Vec<String> {
    let info = selection.info();
    let state = if info.expired(now) {
        "EXPIRED (the server deletes expired grants; opening still works with a copy)"
    } else {
        "not yet expired"
    };
    let mut lines = vec![
        format!(
            "accepted: selection grant (print order) {} of album {}",
            hex::encode(info.selection_id),
            info.album_id
        ),
        format!("from identity {}", hex::encode(selection.sender().digest())),
        format!("sender fingerprint: {}", fingerprint(selection.sender())),
        format!("expires: {} ({state})", rfc3339(info.expires_at)),
        format!("items: {}", info.item_count),
    ];
    for item in selection.items() {
        let parts: Vec<&str> = item.parts().into_iter().map(kind_name).collect();
        let signed = if item.manifest().is_some() {
            "signed"
        } else {
            "unsigned"
        };
        lines.push(format!(
            "  {} epoch {}: {} ({signed})",
            item.media_id(),
            item.epoch(),
            parts.join(", ")
        ));
    }
    lines
}

/// The public header of a selection grant for `inspect` (no key; nothing authenticated).
///
/// # Errors
/// The core's refusal of the header (SPEC.md 5.11 steps 1-3).
pub fn inspect_json(bytes: &[u8]) -> keepsake::Result<Value> {
    let info: SelectionInfo = inspect_selection(bytes)?;
    Ok(json!({
        "type": "selection_grant",
        "version": bytes[0],
        "suite": bytes[1],
        "len": bytes.len(),
        "sender_digest": hex::encode(info.sender),
        "sender_fingerprint": fingerprint_of_digest(&info.sender),
        "recipient_digest": hex::encode(info.recipient),
        "recipient_fingerprint": fingerprint_of_digest(&info.recipient),
        "album_id": info.album_id.to_string(),
        "selection_id": hex::encode(info.selection_id),
        "expires_at": info.expires_at,
        "expires": rfc3339(info.expires_at),
        "expired": info.expired(now()),
        "history": hex::encode(info.history),
        "items": info.item_count,
        "authenticated": false,
    }))
}

fn not_in(err: keepsake::Error) -> ContainerError {
    ContainerError::Core {
        what: "selection grant",
        err,
    }
}

/// Opens the granted part `part` of container `src` with the part keys of `selection`:
/// an item or part not granted is refused with `NotInSelection` before anything is
/// written; without the metadata granted, the file is named by its media id.
///
/// # Errors
/// [`ContainerError::Core`] with `NotInSelection`; as [`crate::open::open_one`].
pub fn open_one(
    src: &Path,
    selection: &Selection,
    histories: &Histories,
    part: Part,
    dest: &Dest,
    force: bool,
    progress: &ProgressBar,
) -> Result<Opened, ContainerError> {
    let mut file = File::open(src)?;
    let layout = container::read_layout(&mut file)?;
    let media_id = layout.media_id;
    let item = selection.item(&media_id).map_err(not_in)?;
    let (kind, stored) = match part {
        Part::Thumbnail => (MediaKind::Thumbnail, layout.thumbnail.clone()),
        _ => (MediaKind::Original, Some(layout.original.clone())),
    };
    if !item.parts().contains(&PartKind::Media(kind)) {
        return Err(not_in(keepsake::Error::NotInSelection {
            what: "this part of the item",
        }));
    }
    let (section, header) = stored.ok_or(ContainerError::NoThumbnail)?;
    // With the album's history: the uploader is a member at the entry the manifest names,
    // and the part (and the metadata, if granted) is the signed one.
    let manifest = match histories.get(layout.album_id)? {
        Some(history) => {
            item.uploader(&history).map_err(provenance_error)?;
            item.manifest()
        }
        None => None,
    };
    let uploader = manifest.map(|m| fingerprint(m.uploader()));
    let entry = manifest
        .map(|m| expected_entry(m, kind, &header, &section))
        .transpose()?;
    let metadata = if item.parts().contains(&PartKind::Metadata) {
        let record = Zeroizing::new(
            selection
                .open_metadata(&media_id, &layout.metadata)
                .map_err(|err| ContainerError::Core {
                    what: "metadata envelope",
                    err,
                })?,
        );
        let json = record_metadata(&record)?;
        if let Some(m) = manifest
            && m.part(PartKind::Metadata) != Some(&PartEntry::metadata(json))
        {
            return Err(provenance_error(keepsake::Error::ProvenanceMismatch {
                what: "metadata",
            }));
        }
        Some(Metadata::parse(json)?)
    } else {
        None
    };
    let base = match &metadata {
        Some(m) => m.path()?,
        None => PathBuf::from(media_id.to_string()),
    };
    let target = match (dest, part) {
        (Dest::Stdout, _) => None,
        (Dest::Dir(dir), Part::Thumbnail) => {
            Some(fsutil::with_suffix(&dir.join(&base), ".thumbnail"))
        }
        (Dest::Dir(dir), Part::Range(offset, len)) => Some(fsutil::with_suffix(
            &dir.join(&base),
            &format!(".range-{offset}-{len}"),
        )),
        (Dest::Dir(dir), Part::Original) => Some(dir.join(&base)),
    };
    let size = metadata.as_ref().map(|m| m.size);
    let what = if kind == MediaKind::Original {
        "original stream"
    } else {
        "thumbnail stream"
    };
    let mut write = |sink: &mut dyn Write| -> Result<u64, ContainerError> {
        let core = |err| ContainerError::Core { what, err };
        if let Part::Range(offset, len) = part {
            // With the manifest (a history was given): each chunk read is checked against
            // the container's chunk hash list under the signed root (SPEC.md 5.10).
            let list = match manifest {
                Some(_) => Some(read_hash_list(&mut file, &layout)?),
                None => None,
            };
            return range_pieces(offset, len, sink, &mut |at, want| {
                let mut window = Window::new(&mut file, section);
                match &list {
                    Some(list) => {
                        selection.open_range_verified(&media_id, kind, &mut window, at, want, list)
                    }
                    None => selection.open_range(&media_id, kind, &mut window, at, want),
                }
                .map_err(|err| match err {
                    keepsake::Error::ProvenanceMismatch { .. }
                    | keepsake::Error::ProvenanceChunkMismatch { .. } => provenance_error(err),
                    other => core(other),
                })
            });
        }
        file.seek(SeekFrom::Start(section.offset))?;
        let mut hasher = ChunkHasher::new((&mut file).take(section.len), header.chunk_size() + 16);
        let mut opener = selection
            .opener(&media_id, kind, &mut hasher, &OpenOptions::default())
            .map_err(core)?;
        let done = pump(&mut opener, sink, &mut |n| progress.inc(n), &core)?;
        drop(opener);
        if let Some(entry) = &entry {
            check_root(entry, &header, hasher.finish())?;
        }
        match size {
            Some(expected) if kind == MediaKind::Original && expected != done => {
                Err(ContainerError::SizeMismatch {
                    expected,
                    got: done,
                })
            }
            _ => Ok(done),
        }
    };
    // The modification time and mode are restored only when the metadata was granted.
    let finish = |out: &File| -> std::io::Result<()> {
        if let (Some(m), MediaKind::Original) = (&metadata, kind) {
            if let Some(mtime) = m.modified() {
                let mtime = filetime::FileTime::from_system_time(mtime);
                filetime::set_file_handle_times(out, None, Some(mtime))?;
            }
            container::metadata::restore_mode(out, m.mode)?;
        }
        Ok(())
    };
    let mut opened = crate::open::deliver(target, force, &mut write, &finish)?;
    opened.uploader = uploader;
    Ok(opened)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_and_reads_offsets() {
        for secs in [0, 951_782_400, 1_709_164_800, 1_893_456_000, 4_102_444_799] {
            assert_eq!(parse_expiry(&rfc3339(secs)).ok(), Some(secs), "{secs}");
        }
        // 2000-02-29 and 2024-02-29 are leap days; 2100-02-29 is not.
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert!(parse_expiry("2100-02-29T00:00:00Z").is_err());
        assert_eq!(
            parse_expiry("2030-01-01T01:30:00.25+01:30").ok(),
            Some(1_893_456_000)
        );
        assert_eq!(
            parse_expiry("2029-12-31t19:00:00-05:00").ok(),
            Some(1_893_456_000)
        );
        assert_eq!(parse_expiry(" 1893456000 ").ok(), Some(1_893_456_000));
        for bad in [
            "",
            "2030-01-01",
            "2030-01-01T00:00:00",
            "2030-13-01T00:00:00Z",
            "2030-01-01T24:00:00Z",
            "2030-01-01T00:00:00+1:00",
            "2030-01-01T00:00:00.Z",
            "1969-12-31T23:59:59Z",
            "+100",
            "99999999999999999999999",
        ] {
            let err = parse_expiry(bad).err();
            assert_eq!(err.map(|e| e.code), Some(exit::USAGE), "{bad:?}");
        }
    }

    #[test]
    fn the_shortest_selection_grant_is_longer_than_an_album_grant() {
        assert!(!is_selection_len(keepsake::sharing::GRANT_LEN));
        assert!(is_selection_len(SELECTION_OVERHEAD + MIN_ITEM_LEN));
        assert!(!is_selection_len(SELECTION_OVERHEAD + MIN_ITEM_LEN - 1));
    }
}
