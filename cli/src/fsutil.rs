//! File helpers: capped reads, all-or-nothing writes (temporary file beside the
//! destination, fsync, rename, folder fsync), hex parsing.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use keepsake::hpke::xwing::{self, XWingPublicKey};
use keepsake::identity::{IDENTITY_PUBLIC_LEN, IdentityPublicKey};
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
    let file = File::open(path).map_err(|e| CliError::io(path, &e))?;
    let out = read_secret(file, cap).map_err(|e| CliError::io(path, &e))?;
    if out.len() as u64 > cap {
        return Err(CliError::failure(format!(
            "{}: too large for {what} (more than {cap} bytes)",
            path.display()
        )));
    }
    Ok(out)
}

/// Reads at most `cap + 1` bytes into a buffer allocated once at that size and wiped on
/// drop: growing a `Vec` while reading would leave unwiped copies of the secret in freed
/// memory. A result longer than `cap` means the source was too long.
///
/// # Errors
/// I/O errors.
pub fn read_secret<R: Read>(source: R, cap: u64) -> io::Result<Zeroizing<Vec<u8>>> {
    let limit = usize::try_from(cap.saturating_add(1)).unwrap_or(usize::MAX);
    let mut out = Zeroizing::new(Vec::with_capacity(limit));
    let mut source = source.take(cap.saturating_add(1));
    let mut chunk = Zeroizing::new([0u8; 4096]);
    loop {
        let n = match source.read(chunk.as_mut()) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        out.extend_from_slice(&chunk[..n]);
    }
    Ok(out)
}

/// The folder a path lives in (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A temporary file being written beside its destination: mode 0600 on Unix, named like
/// the core's partial files (`.keepsake-*.partial`, so
/// `keepsake::file::remove_partial_files` finds it after a `kill -9`), removed when
/// dropped, and removed by the signal thread if the run is interrupted
/// ([`crate::interrupt`]).
pub struct Partial {
    temp: Option<NamedTempFile>,
    path: PathBuf,
}

impl Partial {
    /// The open file.
    pub fn as_file(&self) -> &File {
        self.inner().as_file()
    }

    /// The open file, for writing.
    pub fn as_file_mut(&mut self) -> &mut File {
        self.temp
            .as_mut()
            .map(NamedTempFile::as_file_mut)
            .unwrap_or_else(|| unreachable!("a Partial holds its file until persisted"))
    }

    /// Its (temporary) path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn inner(&self) -> &NamedTempFile {
        self.temp
            .as_ref()
            .unwrap_or_else(|| unreachable!("a Partial holds its file until persisted"))
    }
}

impl Write for Partial {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.as_file_mut().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.as_file_mut().flush()
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        // The NamedTempFile (if still here) removes the file as it drops.
        self.temp = None;
        crate::interrupt::forget(&self.path);
    }
}

/// A temporary file in `dst`'s folder (see [`Partial`]). The first one in a folder
/// removes the stale partial files there first.
///
/// # Errors
/// I/O errors.
pub fn temp_beside(dst: &Path) -> io::Result<Partial> {
    let temp = crate::interrupt::create_partial(parent_dir(dst))?;
    let path = temp.path().to_path_buf();
    Ok(Partial {
        temp: Some(temp),
        path,
    })
}

/// Flushes `temp` to disk, renames it to `dst` (refusing an existing `dst` unless
/// `overwrite`, atomically), and flushes the folder. On error the temporary file is
/// removed; `dst` is untouched.
///
/// # Errors
/// [`io::ErrorKind::AlreadyExists`] when `dst` exists and `overwrite` is false; other I/O
/// errors.
pub fn persist(mut temp: Partial, dst: &Path, overwrite: bool) -> io::Result<()> {
    let Some(file) = temp.temp.take() else {
        return Err(io::Error::other("the temporary file was already persisted"));
    };
    file.as_file().sync_all()?;
    let persisted = if overwrite {
        file.persist(dst)
    } else {
        file.persist_noclobber(dst)
    };
    // On failure the PersistError's file is dropped (removed) here, before it is forgotten.
    let persisted = persisted.map(drop).map_err(|e| e.error);
    drop(temp);
    persisted?;
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
        CliError::usage(format!(
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

/// Largest file an `@FILE` public-key argument may name.
pub const MAX_KEY_FILE: u64 = 16 * 1024;

/// The hex text of a public-key argument. The one rule: a value that starts with `@`
/// names a file whose content is the hex (as `whoami --out` or `device new --public-out`
/// writes it); any other value is the hex itself. ASCII white space is ignored either
/// way (a key wrapped over several lines still reads).
///
/// # Errors
/// Reading the file (exit code 1); a file larger than [`MAX_KEY_FILE`].
pub fn key_text(value: &str) -> CliResult<String> {
    let text = match value.strip_prefix('@') {
        Some(path) => {
            let path = Path::new(path);
            let bytes = read_capped(path, MAX_KEY_FILE, "a public key file")?;
            String::from_utf8(bytes).map_err(|_| {
                CliError::usage(format!("{}: not a hex public key file", path.display()))
            })?
        }
        None => value.to_string(),
    };
    Ok(text.chars().filter(|c| !c.is_ascii_whitespace()).collect())
}

/// Decodes `text`, the hex of a public key of `len` bytes.
fn key_bytes(text: &str, len: usize, what: &str) -> CliResult<Vec<u8>> {
    match hex::decode(text) {
        Ok(bytes) if bytes.len() == len => Ok(bytes),
        _ => Err(CliError::usage(format!(
            "{what} must be {} hex digits ({len} bytes) or @FILE holding them, got {:?} \
             ({} characters)",
            2 * len,
            shorten(text),
            text.len()
        ))),
    }
}

/// An account's identity public key (SPEC.md 5.6): 2496 hex digits, or `@FILE`
/// ([`key_text`]).
///
/// # Errors
/// As [`key_text`]; not 2496 hex digits, or a key that fails its checks: a usage error.
pub fn parse_identity(value: &str, what: &str) -> CliResult<IdentityPublicKey> {
    identity_from_hex(&key_text(value)?, what)
}

/// [`parse_identity`] of hex text already read.
///
/// # Errors
/// As [`parse_identity`].
pub fn identity_from_hex(text: &str, what: &str) -> CliResult<IdentityPublicKey> {
    let bytes = key_bytes(text, IDENTITY_PUBLIC_LEN, what)?;
    IdentityPublicKey::from_slice(&bytes).map_err(|e| CliError::usage(format!("{what}: {e}")))
}

/// A device public key (an X-Wing key, SPEC.md 5.2): 2432 hex digits, or `@FILE`
/// ([`key_text`]).
///
/// # Errors
/// As [`key_text`]; not 2432 hex digits, or a key that fails its checks (the ML-KEM
/// modulus check, a low-order X25519 half): a usage error.
pub fn parse_device_public(value: &str, what: &str) -> CliResult<XWingPublicKey> {
    let bytes = key_bytes(&key_text(value)?, xwing::PUBLIC_KEY_LEN, what)?;
    XWingPublicKey::from_slice(&bytes).map_err(|e| CliError::usage(format!("{what}: {e}")))
}

/// Writes a public key's hex and a newline to `path` (all or nothing; exit code 4 if it
/// exists and `overwrite` is false): the file an `@FILE` argument reads.
///
/// # Errors
/// As [`write_atomic`].
pub fn write_key_file(path: &Path, bytes: &[u8], overwrite: bool) -> CliResult<()> {
    let mut text = hex::encode(bytes);
    text.push('\n');
    write_atomic(path, text.as_bytes(), overwrite)
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

/// Checks, before any key is derived, that `dir` can be the output folder: a folder, or
/// nothing yet (it is created later). A file there is a usage error (exit code 64), not
/// "already exists".
///
/// # Errors
/// As above; I/O errors other than "not found".
pub fn check_output_dir(dir: &Path) -> CliResult<()> {
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(CliError::usage(format!(
            "--out {}: is a file, not a folder (--out names the folder to write into)",
            dir.display()
        ))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(CliError::io(dir, &e)),
    }
}

/// Checks, before any key is derived, that a single output file can be written at `dst`:
/// its folder exists, it is not a folder, and it does not exist unless `overwrite`.
///
/// # Errors
/// Exit code 4 for an existing file without `overwrite`; 64 for a folder; 1 for a missing
/// folder or another I/O error.
pub fn check_output_file(dst: &Path, overwrite: bool) -> CliResult<()> {
    let parent = parent_dir(dst);
    match std::fs::metadata(parent) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(CliError::io(
                dst,
                &io::Error::new(io::ErrorKind::NotADirectory, "its folder is a file"),
            ));
        }
        Err(e) => return Err(CliError::io(parent, &e)),
    }
    match std::fs::symlink_metadata(dst) {
        Ok(meta) if meta.is_dir() => Err(CliError::usage(format!(
            "{}: is a folder; name the file to write",
            dst.display()
        ))),
        Ok(_) if !overwrite => Err(exists(dst)),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(CliError::io(dst, &e)),
    }
}

/// Checks that an input path exists and can be looked at, before any key is derived.
///
/// # Errors
/// An I/O error (exit code 1) naming the path.
pub fn check_input(path: &Path) -> CliResult<std::fs::Metadata> {
    std::fs::metadata(path).map_err(|e| CliError::io(path, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_read_into_one_allocation_and_capped() {
        let out = read_secret(&b"hunter2\n"[..], 64).unwrap();
        assert_eq!(&out[..], b"hunter2\n");
        assert_eq!(out.capacity(), 65, "allocated once, never grown");
        let long = vec![b'x'; 10_000];
        let out = read_secret(&long[..], 8192).unwrap();
        assert_eq!(
            out.len(),
            8193,
            "one byte past the cap tells it is too long"
        );
        assert_eq!(out.capacity(), 8193);
    }
}
