//! `inspect`: the public structure of a file as JSON, without any key. Containers, bare
//! media streams, grants (album and selection), account files and seal indexes are
//! recognized. Everything printed is public
//! by design (ids, epoch, lengths, salts and commitments); no secret is ever at hand here.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use keepsake::sharing::{GRANT_LEN, fingerprint, fingerprint_of_digest};
use keepsake::stream::{HEADER_LEN, Header};
use serde_json::{Value, json};

use crate::account::grant_header;
use crate::args::InspectArgs;
use crate::container::{self, Section};
use crate::error::{CliError, CliResult, exit};
use crate::unlock::load_bundle;

/// The stream header and the chunk structure its length implies.
pub fn stream_json(header: &Header, section: Section) -> Value {
    let chunk = header.chunk_size() as u64;
    let stride = chunk + 16;
    let body = section.len.saturating_sub(HEADER_LEN as u64);
    let chunks = body.div_ceil(stride);
    let last = body - chunks.saturating_sub(1) * stride;
    let plaintext = chunks.saturating_sub(1) * chunk + last.saturating_sub(16);
    json!({
        "offset": section.offset,
        "len": section.len,
        "magic": "KSMS",
        "version": keepsake::stream::VERSION,
        "suite": keepsake::stream::SUITE_CHACHA20POLY1305,
        "chunk_log2": header.chunk_size_log2(),
        "chunk_size": chunk,
        "kind": header.kind().name(),
        "media_id": header.media_id().to_string(),
        "salt": hex::encode(header.salt()),
        "commitment": hex::encode(header.commitment()),
        "chunks": chunks,
        "plaintext_len": plaintext,
    })
}

/// The JSON description of a container.
///
/// # Errors
/// Its structure is refused (see [`container::read_layout`]).
pub fn container_json<R: Read + Seek>(src: &mut R) -> Result<Value, container::ContainerError> {
    let layout = container::read_layout(src)?;
    let envelope_version = |bytes: &[u8]| bytes.first().copied();
    let (original, header) = layout.original;
    Ok(json!({
        "type": "container",
        "magic": "KSCT",
        "version": container::VERSION,
        "len": layout.total_len,
        "album_id": layout.album_id.to_string(),
        "epoch": layout.epoch,
        "media_id": layout.media_id.to_string(),
        "wrapped_media_key": {
            "offset": container::WRAPPED_KEY_OFFSET,
            "len": layout.wrapped_key.len(),
            "envelope_version": envelope_version(&layout.wrapped_key),
        },
        "metadata": {
            "offset": layout.metadata_section.offset,
            "len": layout.metadata_section.len,
            "envelope_version": envelope_version(&layout.metadata),
            "plaintext_len": layout.metadata.len()
                .saturating_sub(keepsake::envelope::ENVELOPE_OVERHEAD),
        },
        "thumbnail": layout.thumbnail.map(|(s, h)| stream_json(&h, s)),
        "original": stream_json(&header, original),
        "chunk_hash_list": {
            "offset": layout.hash_list.offset,
            "len": layout.hash_list.len,
        },
        "provenance": "a signed item record inside the metadata envelope (needs the key: \
                       `keepsake open` verifies the uploader against the album history)",
        "authenticated": false,
    }))
}

fn inspect_file(path: &Path) -> CliResult<Value> {
    let refused = |e: &dyn std::fmt::Display| {
        CliError::new(exit::FILES_FAILED, format!("{}: {e}", path.display()))
    };
    let mut file = File::open(path).map_err(|e| CliError::io(path, &e))?;
    let len = file
        .seek(SeekFrom::End(0))
        .map_err(|e| CliError::io(path, &e))?;
    file.seek(SeekFrom::Start(0))
        .map_err(|e| CliError::io(path, &e))?;
    let mut head = [0u8; HEADER_LEN];
    let got = file
        .by_ref()
        .take(HEADER_LEN as u64)
        .read(&mut head)
        .map_err(|e| CliError::io(path, &e))?;
    let head = &head[..got];
    if head.starts_with(&container::MAGIC) {
        return container_json(&mut file).map_err(|e| refused(&e));
    }
    if head.starts_with(&crate::index::INDEX_MAGIC) {
        return crate::index::inspect_json(&mut file).map_err(|e| refused(&e));
    }
    if head.starts_with(&keepsake::history::HISTORY_MAGIC) {
        let bytes = crate::fsutil::read_capped(
            path,
            crate::album_history::MAX_HISTORY_FILE,
            "an album history",
        )?;
        return crate::album_history::inspect_json(&bytes).map_err(|e| refused(&e));
    }
    if head.starts_with(&keepsake::stream::MAGIC) {
        let mut bytes = [0u8; HEADER_LEN];
        file.seek(SeekFrom::Start(0))
            .and_then(|_| file.read_exact(&mut bytes))
            .map_err(|_| refused(&"truncated: the stream header is incomplete"))?;
        let header = Header::parse(&bytes).map_err(|e| refused(&e))?;
        let mut value = stream_json(&header, Section { offset: 0, len });
        value["type"] = json!("stream");
        return Ok(value);
    }
    if head.first() == Some(&keepsake::sharing::GRANT_VERSION) && len == GRANT_LEN as u64 {
        let mut bytes = vec![0u8; GRANT_LEN];
        file.seek(SeekFrom::Start(0))
            .and_then(|_| file.read_exact(&mut bytes))
            .map_err(|e| CliError::io(path, &e))?;
        if let Some(g) = grant_header(&bytes) {
            return Ok(json!({
                "type": "grant",
                "version": g.version,
                "suite": g.suite,
                "len": len,
                "sender_digest": hex::encode(g.sender),
                "sender_fingerprint": fingerprint_of_digest(&g.sender),
                "recipient_digest": hex::encode(g.recipient),
                "recipient_fingerprint": fingerprint_of_digest(&g.recipient),
                "album_id": g.album_id.to_string(),
                "epoch": g.epoch,
                "history": hex::encode(g.history),
                "authenticated": false,
            }));
        }
    }
    if head.first() == Some(&keepsake::selection::SELECTION_VERSION)
        && crate::selection::is_selection_len(usize::try_from(len).unwrap_or(usize::MAX))
        && len <= keepsake::selection::MAX_SELECTION_LEN as u64
    {
        let bytes = crate::selection::read_grant(path)?;
        return crate::selection::inspect_json(&bytes).map_err(|e| refused(&e));
    }
    if head.starts_with(b"{\"body\"") {
        let bundle = load_bundle(path).map_err(|e| CliError::new(exit::FILES_FAILED, e.message))?;
        let params = bundle.kdf_params();
        let identity = bundle.identity();
        return Ok(json!({
            "type": "account",
            "len": len,
            "identity": hex::encode(identity.to_bytes()),
            "identity_digest": hex::encode(identity.digest()),
            "fingerprint": fingerprint(&identity),
            "generation": bundle.generation(),
            "kdf": {
                "algorithm": "argon2id",
                "memory_kib": params.memory_kib(),
                "iterations": params.iterations(),
                "parallelism": params.parallelism(),
            },
            "devices": bundle.devices().iter().map(|d| hex::encode(d.as_bytes())).collect::<Vec<_>>(),
            "authenticated": false,
        }));
    }
    Err(refused(
        &"foreign file: not a Keepsake container, stream, grant, account file or seal index",
    ))
}

/// Unlocks, opens the item's record and verifies it against the album's history (the
/// account's own copy, or `history`), as `open` does (SPEC.md 8.4 steps 11-15).
///
/// # Errors
/// Unlocking; the container's refusals (exit code 3) and provenance refusals (exit code 5).
fn verified_provenance(
    path: &Path,
    unlock: &crate::args::UnlockArgs,
    history: Option<&Path>,
) -> CliResult<Value> {
    let unlocked = crate::unlock::unlock(unlock)?;
    let histories = crate::open::Histories::Owned {
        account: unlocked.path.clone(),
        explicit: history.map(Path::to_path_buf),
        owner: Box::new(unlocked.keyring.identity_public_key()),
        pin_file: unlocked.pin_file.clone(),
        cache: std::sync::Mutex::new(std::collections::HashMap::new()),
    };
    let keys = crate::open::Keys::Account(&unlocked.keyring);
    let refused = |e: container::ContainerError| {
        CliError::new(e.exit_code(), format!("{}: {e}", path.display()))
    };
    let mut file = File::open(path).map_err(|e| CliError::io(path, &e))?;
    let layout = container::read_layout(&mut file).map_err(refused)?;
    let mut item = keys.item(&layout).map_err(refused)?;
    let history = histories
        .get(layout.album_id)
        .map_err(refused)?
        .ok_or_else(|| CliError::failure("no album history"))?;
    let verified = item.verify(&layout, &history).map_err(refused)?;
    let manifest = verified.manifest();
    Ok(json!({
        "verified": true,
        "uploader_fingerprint": verified.uploader_fingerprint(),
        "uploader_digest": hex::encode(verified.uploader().digest()),
        "history": hex::encode(manifest.history()),
        "parts": manifest.parts().len(),
    }))
}

/// `inspect`.
///
/// # Errors
/// I/O errors (exit code 1); a refused or foreign file (exit code 3).
pub fn run(args: &InspectArgs) -> CliResult<()> {
    let mut value = inspect_file(&args.file)?;
    value["file"] = json!(args.file.display().to_string());
    if let Some(account) = &args.account {
        let unlock = crate::args::UnlockArgs {
            account: account.clone(),
            passphrase_file: args.passphrase_file.clone(),
            passphrase_command: None,
            recovery: false,
            recovery_file: None,
            recovery_command: None,
            device_key: args.device_key.clone(),
            device_pin: None,
        };
        if value["type"] != "container" {
            return Err(CliError::usage(
                "--account goes with a container: only an item's provenance needs a key",
            ));
        }
        value["provenance"] = verified_provenance(&args.file, &unlock, args.history.as_deref())?;
        value["authenticated"] = json!(true);
    }
    if args.json {
        return crate::output::json(&value);
    }
    let text = serde_json::to_string_pretty(&value)
        .map_err(|e| CliError::failure(format!("JSON: {e}")))?;
    crate::outln!("{text}");
    Ok(())
}
