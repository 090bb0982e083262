//! File helpers: capped reads, all-or-nothing writes (temporary file beside the
//! destination, fsync, rename, folder fsync), hex parsing.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;
use zeroize::Zeroizing;

use crate::error::{CliError, CliResult, exit};

/// Reads `path` whole, refusing a file longer than `cap` bytes before reading it all.
///
/// # Errors
/// I/O errors; a file over the cap.
pub fn read_capped(path: &Path, cap: u64, what: &str) -> CliResult<Vec<u8>> {
    let file = File::open(path).map_err(|e| CliError::io(path, &e))?;
    let mut out = Vec::new();
    file.take(cap + 1)
        .read_to_end(&mut out)
        .map_err(|e| CliError::io(path, &e))?;
    if out.len() as u64 > cap {
        return Err(CliError::failure(format!(
            "{}: too large for {what} (more than {cap} bytes)",
            path.display()
        )));
    }
    Ok(out)
}

/// [`read_capped`] into a buffer wiped on drop, for files that hold a secret.
///
/// # Errors
/// As [`read_capped`].
pub fn read_secret_file(path: &Path, cap: u64, what: &str) -> CliResult<Zeroizing<Vec<u8>>> {
    read_capped(path, cap, what).map(Zeroizing::new)
}

/// The folder a path lives in (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A temporary file (mode 0600 on Unix) in `dst`'s folder, named like the core's partial
/// files (`.keepsake-*.partial`), so `keepsake::file::remove_partial_files` finds it.
///
/// # Errors
/// I/O errors.
pub fn temp_beside(dst: &Path) -> io::Result<NamedTempFile> {
    tempfile::Builder::new()
        .prefix(keepsake::file::PARTIAL_PREFIX)
        .suffix(keepsake::file::PARTIAL_SUFFIX)
        .tempfile_in(parent_dir(dst))
}

/// Flushes `temp` to disk, renames it to `dst` (refusing an existing `dst` unless
/// `overwrite`, atomically), and flushes the folder. On error the temporary file is
/// removed; `dst` is untouched.
///
/// # Errors
/// [`io::ErrorKind::AlreadyExists`] when `dst` exists and `overwrite` is false; other I/O
/// errors.
pub fn persist(temp: NamedTempFile, dst: &Path, overwrite: bool) -> io::Result<()> {
    temp.as_file().sync_all()?;
    let persisted = if overwrite {
        temp.persist(dst)
    } else {
        temp.persist_noclobber(dst)
    };
    persisted.map_err(|e| e.error)?;
    sync_dir(parent_dir(dst))
}

/// Flushes a folder's entries (a rename is durable only then). A no-op where folders
/// cannot be opened as files.
///
/// # Errors
/// I/O errors on Unix.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Writes `bytes` to `dst` all or nothing (temporary file, fsync, rename). The file gets
/// mode 0600 on Unix.
///
/// # Errors
/// Exit code 4 when `dst` exists and `overwrite` is false; 1 for other I/O errors.
pub fn write_atomic(dst: &Path, bytes: &[u8], overwrite: bool) -> CliResult<()> {
    if !overwrite && dst.exists() {
        return Err(exists(dst));
    }
    let mut temp = temp_beside(dst).map_err(|e| CliError::io(dst, &e))?;
    temp.write_all(bytes).map_err(|e| CliError::io(dst, &e))?;
    persist(temp, dst, overwrite).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            exists(dst)
        } else {
            CliError::io(dst, &e)
        }
    })
}

/// The error for an output that exists and may not be replaced.
pub fn exists(path: &Path) -> CliError {
    CliError::new(
        exit::EXISTS,
        format!(
            "{}: already exists; refusing to overwrite it (pass --force to replace it)",
            path.display()
        ),
    )
}

/// Parses exactly `N` bytes of hex (either case, surrounding white space ignored).
///
/// # Errors
/// A message naming `what` and the expected length.
pub fn parse_hex<const N: usize>(text: &str, what: &str) -> CliResult<[u8; N]> {
    let text = text.trim();
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out).map_err(|_| {
        CliError::failure(format!(
            "{what} must be {} hex characters ({N} bytes), got {:?}",
            2 * N,
            shorten(text)
        ))
    })?;
    Ok(out)
}

/// An album id from 32 hex characters.
///
/// # Errors
/// As [`parse_hex`].
pub fn parse_album_id(text: &str) -> CliResult<keepsake::AlbumId> {
    parse_hex::<16>(text, "an album id").map(keepsake::AlbumId::from_bytes)
}

/// An identity or device public key from 64 hex characters.
///
/// # Errors
/// As [`parse_hex`].
pub fn parse_public_key(text: &str, what: &str) -> CliResult<keepsake::hpke::HpkePublicKey> {
    parse_hex::<32>(text, what).map(keepsake::hpke::HpkePublicKey::from_bytes)
}

fn shorten(text: &str) -> String {
    if text.chars().count() > 80 {
        let mut out: String = text.chars().take(77).collect();
        out.push_str("...");
        out
    } else {
        text.to_string()
    }
}

/// `path` with `suffix` appended to its file name (`a/b.jpg` + `.thumbnail`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}
