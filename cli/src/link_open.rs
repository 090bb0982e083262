//! `link open`: a guest's side of a public link (SPEC.md 5.13, the folder of 8.12). With
//! nothing but the URL (and the password, if the link has one) and the published folder,
//! it opens the record, verifies the album history against the owner the record names,
//! verifies each item's manifest (its uploader a member at the entry it names) and opens
//! its parts, writing each original all or nothing.

use std::path::{Path, PathBuf};

use keepsake::history::{HISTORY_ENTRY_MAX_LEN, VerifiedHistory, verify_history};
use keepsake::link::{MAX_LINK_RECORD_LEN, OpenedLink, open_link, parse_url};
use keepsake::provenance::verify_item;
use keepsake::selection::Selection;
use keepsake::sharing::fingerprint;
use keepsake::stream::OpenOptions;
use keepsake::{AlbumId, AlbumKey, MediaBlob, MediaId, MediaKind};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::container::{MAX_THUMBNAIL_LEN, Metadata};
use crate::error::{CliError, CliResult, batch_result, code_of, exit};
use crate::link::{
    INDEX_VERSION, KEY_FILE_LEN, LinkOpenArgs, MAX_HISTORY_FILE_LEN, MAX_INDEX_ITEMS,
    MAX_INDEX_LEN, MAX_METADATA_FILE_LEN, MAX_PART_LEN, link_dir, read_password,
};
use crate::{errln, fsutil, outln};

/// One item `index.json` lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexItem {
    /// The media id.
    pub id: MediaId,
    /// The parts present, by name (`original`, `thumbnail`, `metadata`).
    pub parts: Vec<String>,
}

fn bad_index(path: &Path, why: &str) -> CliError {
    CliError::new(
        exit::REFUSED_INPUT,
        format!("{}: refused: {why}", path.display()),
    )
}

/// Parses a media id: exactly 32 lowercase hex digits.
pub fn parse_media_id(text: &str) -> Option<MediaId> {
    if text.len() != 32 || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut bytes = [0u8; 16];
    hex::decode_to_slice(text, &mut bytes).ok()?;
    Some(MediaId::from_bytes(bytes))
}

/// Reads and checks `index.json` (SPEC.md 8.12): at most 1 MiB, then [`parse_index`].
///
/// # Errors
/// Exit code 3 for an index that breaks a rule; I/O errors.
pub fn read_index(path: &Path) -> CliResult<Vec<IndexItem>> {
    let bytes = fsutil::read_capped(path, MAX_INDEX_LEN, "a link index")?;
    parse_index(&bytes).map_err(|why| bad_index(path, why))
}

/// Checks the bytes of `index.json` (SPEC.md 8.12): `version` 1, at most 10 000 items,
/// each a 32-hex media id given once and parts among `original`, `thumbnail`,
/// `metadata`, each at most once. Reads no file (the caller caps the size).
///
/// # Errors
/// The first rule broken, in words (`"not JSON"`, `"another version"`, ...).
pub fn parse_index(bytes: &[u8]) -> Result<Vec<IndexItem>, &'static str> {
    let value: Value = serde_json::from_slice(bytes).map_err(|_| "not JSON")?;
    if value.get("version").and_then(Value::as_u64) != Some(INDEX_VERSION) {
        return Err("another version");
    }
    let items = value
        .get("items")
        .and_then(Value::as_array)
        .ok_or("no items array")?;
    if items.len() > MAX_INDEX_ITEMS {
        return Err("too many items");
    }
    let mut out: Vec<IndexItem> = Vec::with_capacity(items.len());
    for item in items {
        let id = item
            .get("id")
            .and_then(Value::as_str)
            .and_then(parse_media_id)
            .ok_or("an item id that is not 32 lowercase hex digits")?;
        if out.iter().any(|o| o.id == id) {
            return Err("an item listed twice");
        }
        let parts = item
            .get("parts")
            .and_then(Value::as_array)
            .ok_or("an item without parts")?;
        let mut names = Vec::new();
        for part in parts {
            let name = part
                .as_str()
                .filter(|n| matches!(*n, "original" | "thumbnail" | "metadata"))
                .ok_or("an unknown part")?;
            if names.iter().any(|n| n == name) {
                return Err("a part listed twice");
            }
            names.push(name.to_string());
        }
        out.push(IndexItem { id, parts: names });
    }
    Ok(out)
}

/// Reads the `history` file (at most [`MAX_HISTORY_FILE_LEN`] bytes), then
/// [`parse_history_file`].
///
/// # Errors
/// Exit code 3 for a cut entry; I/O errors.
pub fn read_history_file(path: &Path) -> CliResult<Vec<Vec<u8>>> {
    let bytes = fsutil::read_capped(path, MAX_HISTORY_FILE_LEN, "an album history")?;
    parse_history_file(&bytes).map_err(|why| bad_index(path, why))
}

/// Splits the bytes of a published `history` file: `be32(length) || entry`, repeated,
/// each length 1 to [`HISTORY_ENTRY_MAX_LEN`]. The entries are not parsed here.
///
/// # Errors
/// The first rule broken, in words (`"a cut length"`, `"an entry length out of range"`,
/// `"a cut entry"`).
pub fn parse_history_file(bytes: &[u8]) -> Result<Vec<Vec<u8>>, &'static str> {
    let mut rest = bytes;
    let mut out = Vec::new();
    while !rest.is_empty() {
        if rest.len() < 4 {
            return Err("a cut length");
        }
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        rest = &rest[4..];
        if len == 0 || len > HISTORY_ENTRY_MAX_LEN {
            return Err("an entry length out of range");
        }
        if len > rest.len() {
            return Err("a cut entry");
        }
        out.push(rest[..len].to_vec());
        rest = &rest[len..];
    }
    Ok(out)
}

fn refused(what: impl std::fmt::Display, err: &keepsake::Error) -> CliError {
    CliError::new(code_of(err), format!("{what}: {err}"))
}

/// Verifies the published history, if any, against the owner the record names, and checks
/// it holds the entry the record relies on.
fn history_of(
    dir: &Path,
    album_id: AlbumId,
    owner: &keepsake::identity::IdentityPublicKey,
    relied_on: &[u8; 32],
) -> CliResult<Option<VerifiedHistory>> {
    let path = dir.join("history");
    if !path.exists() {
        return Ok(None);
    }
    let entries = read_history_file(&path)?;
    let history =
        verify_history(&entries, album_id, owner, None).map_err(|e| refused(path.display(), &e))?;
    history
        .seq_of(relied_on)
        .map_err(|e| refused(path.display(), &e))?;
    Ok(Some(history))
}

fn part_path(dir: &Path, id: &MediaId, part: &str) -> PathBuf {
    dir.join("items").join(id.to_string()).join(part)
}

fn read_part(dir: &Path, id: &MediaId, part: &str, cap: u64) -> CliResult<Vec<u8>> {
    fsutil::read_capped(&part_path(dir, id, part), cap, "a link part")
}

/// What one item gave: the metadata and the original's plaintext, and the uploader.
struct OpenedItem {
    metadata: Metadata,
    original: Zeroizing<Vec<u8>>,
    uploader: Option<String>,
}

fn album_item(
    dir: &Path,
    album: &AlbumKey,
    history: Option<&VerifiedHistory>,
    id: &MediaId,
) -> CliResult<OpenedItem> {
    let key = read_part(dir, id, "key", KEY_FILE_LEN as u64)?;
    if key.len() != KEY_FILE_LEN {
        return Err(bad_index(
            &part_path(dir, id, "key"),
            "a key file that is not 105 bytes",
        ));
    }
    let media_key = album
        .unwrap_media_key(id, &key)
        .map_err(|e| refused(format!("item {id}: key"), &e))?;
    let envelope = read_part(dir, id, "metadata", MAX_METADATA_FILE_LEN)?;
    let record = Zeroizing::new(
        media_key
            .open_blob(id, MediaBlob::Metadata, &envelope)
            .map_err(|e| refused(format!("item {id}: metadata"), &e))?,
    );
    let (json, uploader, verified) = match history {
        Some(h) => {
            let v = verify_item(&record, id, album.epoch(), h)
                .map_err(|e| refused(format!("item {id}: provenance"), &e))?;
            (
                v.metadata().to_vec(),
                Some(fingerprint(v.uploader())),
                Some(v),
            )
        }
        None => {
            let r = keepsake::provenance::ItemRecord::parse(&record)
                .map_err(|e| refused(format!("item {id}: metadata"), &e))?;
            (r.metadata().to_vec(), None, None)
        }
    };
    let metadata = Metadata::parse(&json)
        .map_err(|e| CliError::new(e.exit_code(), format!("item {id}: {e}")))?;
    let open = |kind: MediaKind, sealed: &[u8]| match &verified {
        Some(v) => v.open_part(&media_key, kind, sealed, &OpenOptions::default()),
        None => keepsake::stream::open(&media_key, id, kind, sealed),
    };
    if part_path(dir, id, "thumbnail").exists() {
        let sealed = read_part(dir, id, "thumbnail", MAX_THUMBNAIL_LEN)?;
        open(MediaKind::Thumbnail, &sealed)
            .map_err(|e| refused(format!("item {id}: thumbnail"), &e))?;
    }
    let sealed = read_part(dir, id, "original", MAX_PART_LEN)?;
    let original = Zeroizing::new(
        open(MediaKind::Original, &sealed)
            .map_err(|e| refused(format!("item {id}: original"), &e))?,
    );
    Ok(OpenedItem {
        metadata,
        original,
        uploader,
    })
}

fn selection_item(
    dir: &Path,
    selection: &Selection,
    history: Option<&VerifiedHistory>,
    id: &MediaId,
) -> CliResult<OpenedItem> {
    let item = selection
        .item(id)
        .map_err(|e| refused(format!("item {id}"), &e))?;
    let envelope = read_part(dir, id, "metadata", MAX_METADATA_FILE_LEN)?;
    let record = Zeroizing::new(
        selection
            .open_metadata(id, &envelope)
            .map_err(|e| refused(format!("item {id}: metadata"), &e))?,
    );
    let parsed = keepsake::provenance::ItemRecord::parse(&record)
        .map_err(|e| refused(format!("item {id}: metadata"), &e))?;
    let uploader = match history {
        Some(h) => {
            Some(fingerprint(item.uploader(h).map_err(|e| {
                refused(format!("item {id}: provenance"), &e)
            })?))
        }
        None => None,
    };
    if let Some(manifest) = item.manifest() {
        let entry = manifest.part(keepsake::provenance::PartKind::Metadata);
        let signed = keepsake::provenance::PartEntry::metadata(parsed.metadata());
        if entry != Some(&signed) {
            return Err(refused(
                format!("item {id}: metadata"),
                &keepsake::Error::ProvenanceMismatch { what: "metadata" },
            ));
        }
    }
    let metadata = Metadata::parse(parsed.metadata())
        .map_err(|e| CliError::new(e.exit_code(), format!("item {id}: {e}")))?;
    let sealed = read_part(dir, id, "original", MAX_PART_LEN)?;
    let original = Zeroizing::new(
        selection
            .open_part(id, MediaKind::Original, &sealed)
            .map_err(|e| refused(format!("item {id}: original"), &e))?,
    );
    Ok(OpenedItem {
        metadata,
        original,
        uploader,
    })
}

/// `link open`.
///
/// # Errors
/// A malformed URL (exit code 64); the record's refusals (exit code 3: another link's
/// record, a wrong password or fragment as `DecryptionFailed`); per item, its refusal
/// (exit code 3) after the other items were opened; writing (exit code 4 for an existing
/// file, nothing replaced).
pub fn open(args: &LinkOpenArgs) -> CliResult<()> {
    let address =
        parse_url(&args.url).map_err(|e| CliError::usage(format!("not a link URL: {e}")))?;
    let dir = link_dir(&args.from, &address.link_id);
    let record_path = dir.join("record");
    let record = fsutil::read_capped(&record_path, MAX_LINK_RECORD_LEN as u64, "a link record")?;
    let password = read_password(&args.password)?;
    let opened = open_link(&address, &record, password.as_deref().map(String::as_str))
        .map_err(|e| refused(format!("link {}", address.link_id), &e))?;
    let index = read_index(&dir.join("index.json"))?;
    let mut failures = Vec::new();
    let mut results = Vec::new();
    match &opened {
        OpenedLink::Album(link) => {
            let album = link.album();
            let history = history_of(&dir, album.album_id(), link.owner(), link.history())?;
            for item in &index {
                results.push((item.id, album_item(&dir, album, history.as_ref(), &item.id)));
            }
        }
        OpenedLink::Selection(link) => {
            let selection = link.selection();
            let history = history_of(
                &dir,
                selection.info().album_id,
                link.owner(),
                link.history(),
            )?;
            for item in &index {
                results.push((
                    item.id,
                    selection_item(&dir, selection, history.as_ref(), &item.id),
                ));
            }
        }
        OpenedLink::Collect(_) => {
            return Err(CliError::usage(
                "a collect link opens nothing: add to it with `keepsake collect add`",
            ));
        }
    }
    for (id, result) in results {
        let done = result.and_then(|item| {
            let rel = item
                .metadata
                .path()
                .map_err(|e| CliError::new(e.exit_code(), format!("item {id}: {e}")))?;
            let dst = args.out.join(rel);
            if let Some(parent) = dst.parent() {
                std::fs::create_dir_all(parent).map_err(|e| CliError::io(parent, &e))?;
            }
            fsutil::write_atomic(&dst, &item.original, false)?;
            Ok((dst, item.uploader))
        });
        match done {
            Ok((dst, uploader)) => {
                let who = uploader.map_or_else(
                    || "uploader not verified (the link has no album history)".to_string(),
                    |f| format!("uploader {f} (verified against the album history)"),
                );
                outln!("{}: item {id}, {who}", dst.display());
            }
            Err(e) => {
                errln!("{}", e.message);
                failures.push(e.code);
            }
        }
    }
    batch_result(&failures, index.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_files_split_and_refuse_in_order() {
        let entry = |n: usize| vec![7u8; n];
        let mut file = Vec::new();
        for n in [1, HISTORY_ENTRY_MAX_LEN] {
            file.extend_from_slice(&(n as u32).to_be_bytes());
            file.extend_from_slice(&entry(n));
        }
        assert_eq!(
            parse_history_file(&file),
            Ok(vec![entry(1), entry(HISTORY_ENTRY_MAX_LEN)])
        );
        assert_eq!(parse_history_file(&[]), Ok(vec![]));
        assert_eq!(parse_history_file(&file[..3]), Err("a cut length"));
        assert_eq!(parse_history_file(&file[..4]), Err("a cut entry"));
        assert_eq!(parse_history_file(&file[..5]), Ok(vec![entry(1)]));
        assert_eq!(parse_history_file(&file[..7]), Err("a cut length"));
        assert_eq!(parse_history_file(&file[..10]), Err("a cut entry"));
        assert_eq!(
            parse_history_file(&[0, 0, 0, 0]),
            Err("an entry length out of range")
        );
        let over = (HISTORY_ENTRY_MAX_LEN as u32 + 1).to_be_bytes();
        assert_eq!(
            parse_history_file(&over),
            Err("an entry length out of range")
        );
    }

    #[test]
    fn index_json_parses_and_names_the_first_rule_broken() {
        let id = "000102030405060708090a0b0c0d0e0f";
        let ok =
            format!(r#"{{"version":1,"items":[{{"id":"{id}","parts":["original","metadata"]}}]}}"#);
        let items = parse_index(ok.as_bytes()).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].id.to_string(), id);
        assert_eq!(items[0].parts, vec!["original", "metadata"]);
        let items = |body: String| format!(r#"{{"version":1,"items":[{body}]}}"#);
        let one = |parts: &str| format!(r#"{{"id":"{id}","parts":[{parts}]}}"#);
        for (text, why) in [
            ("{".to_string(), "not JSON"),
            (r#"{"version":2,"items":[]}"#.to_string(), "another version"),
            (r#"{"version":1}"#.to_string(), "no items array"),
            (
                items(r#"{"id":"00","parts":[]}"#.to_string()),
                "an item id that is not 32 lowercase hex digits",
            ),
            (
                items(format!("{},{}", one(""), one(""))),
                "an item listed twice",
            ),
            (
                items(format!(r#"{{"id":"{id}"}}"#)),
                "an item without parts",
            ),
            (items(one(r#""key""#)), "an unknown part"),
            (
                items(one(r#""original","original""#)),
                "a part listed twice",
            ),
        ] {
            assert_eq!(parse_index(text.as_bytes()), Err(why), "{text}");
        }
    }
}
