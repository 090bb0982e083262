//! The metadata envelope's plaintext (SPEC.md section 8.3) and the rules for restored
//! names.

use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::{ContainerError, MAX_METADATA_PLAINTEXT};

/// The metadata format version.
pub const METADATA_VERSION: u32 = 1;
/// Longest name (relative path), in bytes.
pub const MAX_NAME_LEN: usize = 4096;
/// Longest name component, in bytes.
pub const MAX_COMPONENT_LEN: usize = 255;
/// Most components in a name.
pub const MAX_DEPTH: usize = 64;
/// The permission bits a container may record and a reader restores (`rwxrwxrwx`; no
/// set-user-id, set-group-id or sticky bit).
pub const MODE_MASK: u32 = 0o777;

/// What the metadata envelope holds, as JSON: the original's name (a relative path with
/// `/` separators), size, modification time and permission bits. Readers ignore unknown
/// fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// [`METADATA_VERSION`].
    pub version: u32,
    /// The relative path the original is restored under.
    pub name: String,
    /// The original's length in bytes.
    pub size: u64,
    /// Modification time: whole seconds since 1970-01-01 UTC (negative before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtime: Option<i64>,
    /// Modification time: nanoseconds within the second (0 to 999 999 999).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtime_nanos: Option<u32>,
    /// Permission bits (at most [`MODE_MASK`], e.g. `0o640` = 416), restored on Unix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
}

impl Metadata {
    /// Metadata for a file named `name` (already checked by [`safe_relative_path`]).
    pub fn new(name: String, size: u64, modified: Option<SystemTime>) -> Self {
        let (mtime, mtime_nanos) = match modified.map(split_time) {
            Some((s, n)) => (Some(s), Some(n)),
            None => (None, None),
        };
        Self {
            version: METADATA_VERSION,
            name,
            size,
            mtime,
            mtime_nanos,
            mode: None,
        }
    }

    /// The same metadata recording permission bits `mode` (masked with [`MODE_MASK`]).
    #[must_use]
    pub fn with_mode(mut self, mode: Option<u32>) -> Self {
        self.mode = mode.map(|m| m & MODE_MASK);
        self
    }

    /// The JSON plaintext.
    ///
    /// # Errors
    /// [`ContainerError::LengthOutOfRange`] above [`MAX_METADATA_PLAINTEXT`].
    pub fn to_json(&self) -> Result<Vec<u8>, ContainerError> {
        let json = serde_json::to_vec(self)
            .map_err(|e| ContainerError::MalformedMetadata(e.to_string()))?;
        if json.len() > MAX_METADATA_PLAINTEXT {
            return Err(ContainerError::LengthOutOfRange {
                what: "metadata",
                len: json.len() as u64,
                min: 0,
                max: MAX_METADATA_PLAINTEXT as u64,
            });
        }
        Ok(json)
    }

    /// Parses authenticated metadata and checks its name.
    ///
    /// # Errors
    /// [`ContainerError::MalformedMetadata`], [`ContainerError::UnsafeName`].
    pub fn parse(json: &[u8]) -> Result<Self, ContainerError> {
        let metadata: Self = serde_json::from_slice(json)
            .map_err(|e| ContainerError::MalformedMetadata(e.to_string()))?;
        if metadata.version != METADATA_VERSION {
            return Err(ContainerError::MalformedMetadata(format!(
                "unsupported metadata version {}",
                metadata.version
            )));
        }
        if metadata.mtime_nanos.is_some_and(|n| n >= 1_000_000_000) {
            return Err(ContainerError::MalformedMetadata(
                "mtime_nanos out of range".into(),
            ));
        }
        if metadata.mode.is_some_and(|m| m & !MODE_MASK != 0) {
            return Err(ContainerError::MalformedMetadata(
                "mode has bits outside 0o777".into(),
            ));
        }
        safe_relative_path(&metadata.name)?;
        Ok(metadata)
    }

    /// The modification time, if recorded and representable.
    pub fn modified(&self) -> Option<SystemTime> {
        let secs = self.mtime?;
        let nanos = Duration::from_nanos(u64::from(self.mtime_nanos.unwrap_or(0)));
        if secs >= 0 {
            UNIX_EPOCH.checked_add(Duration::from_secs(secs.unsigned_abs()) + nanos)
        } else {
            UNIX_EPOCH
                .checked_sub(Duration::from_secs(secs.unsigned_abs()))?
                .checked_add(nanos)
        }
    }

    /// The name as a relative path, checked.
    ///
    /// # Errors
    /// [`ContainerError::UnsafeName`].
    pub fn path(&self) -> Result<PathBuf, ContainerError> {
        safe_relative_path(&self.name)
    }
}

/// A file's permission bits as a container records them (Unix; `None` elsewhere).
pub fn mode_of(meta: &std::fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(meta.permissions().mode() & MODE_MASK)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

/// Gives `file` the recorded permission bits (Unix; a no-op elsewhere or when none are
/// recorded).
///
/// # Errors
/// I/O errors.
pub fn restore_mode(file: &std::fs::File, mode: Option<u32>) -> std::io::Result<()> {
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode & MODE_MASK))?;
    }
    #[cfg(not(unix))]
    let _ = (file, mode);
    Ok(())
}

/// `(seconds, nanoseconds)` since the Unix epoch, floor-divided for times before it.
fn split_time(time: SystemTime) -> (i64, u32) {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => (
            i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
            after.subsec_nanos(),
        ),
        Err(before) => {
            let before = before.duration();
            let secs = i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
            if before.subsec_nanos() == 0 {
                (-secs, 0)
            } else {
                (-secs - 1, 1_000_000_000 - before.subsec_nanos())
            }
        }
    }
}

/// Checks a name and turns it into a relative path: non-empty, at most
/// [`MAX_NAME_LEN`] bytes and [`MAX_DEPTH`] components separated by `/`; no absolute path,
/// no empty, `.` or `..` component, no `\`, no control character, each component at most
/// [`MAX_COMPONENT_LEN`] bytes and a plain file name on this platform.
///
/// # Errors
/// [`ContainerError::UnsafeName`] naming the rule broken.
pub fn safe_relative_path(name: &str) -> Result<PathBuf, ContainerError> {
    let unsafe_name = |why: &str| ContainerError::UnsafeName(format!("name {name:?} {why}"));
    if name.is_empty() {
        return Err(unsafe_name("is empty"));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(ContainerError::UnsafeName(format!(
            "name of {} bytes is longer than {MAX_NAME_LEN}",
            name.len()
        )));
    }
    if name.starts_with('/') {
        return Err(unsafe_name("is absolute"));
    }
    if name.chars().any(|c| c.is_control() || c == '\\') {
        return Err(unsafe_name("holds a control character or a backslash"));
    }
    // A drive designator (`C:`, `c:x`) is a path prefix on Windows: refused on every
    // platform, so that a container restores to the same place everywhere (SPEC.md 8.3).
    let first = name.as_bytes();
    if first.len() >= 2 && first[0].is_ascii_alphabetic() && first[1] == b':' {
        return Err(unsafe_name("starts with a drive designator"));
    }
    let mut path = PathBuf::new();
    for (depth, part) in name.split('/').enumerate() {
        if depth >= MAX_DEPTH {
            return Err(unsafe_name("is nested too deeply"));
        }
        if part.is_empty() || part == "." || part == ".." {
            return Err(unsafe_name("has an empty, `.` or `..` component"));
        }
        if part.len() > MAX_COMPONENT_LEN {
            return Err(unsafe_name("has a component longer than 255 bytes"));
        }
        let mut components = Path::new(part).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(c)), None) if c == part => path.push(part),
            _ => return Err(unsafe_name("has a component that is not a plain file name")),
        }
    }
    Ok(path)
}

/// The name a file is sealed under: its path relative to the sealed root, `/`-separated.
///
/// # Errors
/// [`ContainerError::UnsafeName`] for a component that is not UTF-8 or breaks a rule of
/// [`safe_relative_path`].
pub fn name_of(relative: &Path) -> Result<String, ContainerError> {
    let mut parts = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str().ok_or_else(|| {
                ContainerError::UnsafeName(format!(
                    "name {:?} is not valid UTF-8",
                    relative.display()
                ))
            })?),
            _ => {
                return Err(ContainerError::UnsafeName(format!(
                    "{} is not a relative path",
                    relative.display()
                )));
            }
        }
    }
    let name = parts.join("/");
    safe_relative_path(&name)?;
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_details_are_as_spec_8_3_says() {
        let ok = |j: &str| Metadata::parse(j.as_bytes());
        // A field named twice, an integer with a fraction or exponent, null for a required
        // field, an unpaired surrogate, a top level that is not an object: refused.
        for bad in [
            r#"{"version":1,"name":"a","name":"b","size":1}"#,
            r#"{"version":1,"name":"a","size":1.0}"#,
            r#"{"version":1,"name":"a","size":1e3}"#,
            r#"{"version":1,"name":null,"size":1}"#,
            r#"{"version":1,"name":"\ud800","size":1}"#,
            r#"{"version":1,"name":"a","size":1,"mtime_nanos":1000000000}"#,
            r#"[1]"#,
        ] {
            assert!(
                matches!(ok(bad), Err(ContainerError::MalformedMetadata(_))),
                "{bad}"
            );
        }
        // null for an optional field is absent; mtime_nanos alone is ignored; escapes are
        // unescaped before the name is checked.
        let m = ok(r#"{"version":1,"name":"\u0061.jpg","size":1,"mtime":null,"mtime_nanos":5}"#)
            .unwrap();
        assert_eq!(
            (m.name.as_str(), m.mtime, m.modified()),
            ("a.jpg", None, None)
        );
        assert!(matches!(
            ok(r#"{"version":1,"name":"a\/..\/b","size":1}"#),
            Err(ContainerError::UnsafeName(_))
        ));
    }

    #[test]
    fn names_are_checked() {
        for good in [
            "a.jpg",
            "Photos/2024/IMG_0001.HEIC",
            "é/ü.png",
            "...x",
            "a..b",
            "12:30.jpg",
            "a/C:x",
            "1:x",
        ] {
            assert!(safe_relative_path(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../b",
            "a//b",
            "./a",
            "a/.",
            "a\\b",
            "a\nb",
            "a/",
            "\u{7f}",
            "C:/x.txt",
            "c:x.txt",
            "Z:",
        ] {
            assert!(safe_relative_path(bad).is_err(), "{bad:?}");
        }
        assert!(safe_relative_path(&"a".repeat(256)).is_err());
        assert!(safe_relative_path(&vec!["a"; 65].join("/")).is_err());
    }

    #[test]
    fn times_round_trip() {
        for t in [
            UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789),
            UNIX_EPOCH - Duration::new(10, 250_000_000),
            UNIX_EPOCH,
        ] {
            let m = Metadata::new("x".into(), 1, Some(t));
            let back = Metadata::parse(&m.to_json().unwrap()).unwrap();
            assert_eq!(back.modified(), Some(t));
        }
    }

    #[test]
    fn metadata_is_validated() {
        assert!(Metadata::parse(br#"{"version":2,"name":"a","size":1}"#).is_err());
        assert!(Metadata::parse(br#"{"version":1,"name":"../a","size":1}"#).is_err());
        assert!(Metadata::parse(br#"{"version":1,"name":"a"}"#).is_err());
        let m = Metadata::parse(br#"{"version":1,"name":"a","size":1,"extra":true}"#).unwrap();
        assert_eq!(m.modified(), None);
        assert_eq!(m.mode, None);
        let m = Metadata::parse(br#"{"version":1,"name":"a","size":1,"mode":493}"#).unwrap();
        assert_eq!(m.mode, Some(0o755));
        for bad in [
            &br#"{"version":1,"name":"a","size":1,"mode":512}"#[..],
            br#"{"version":1,"name":"a","size":1,"mode":2541}"#,
            br#"{"version":1,"name":"a","size":1,"mode":-1}"#,
            br#"{"version":1,"name":"a","size":1,"mode":"0644"}"#,
        ] {
            assert!(
                Metadata::parse(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        // The writer masks: no set-user-id bit is ever recorded.
        let m = Metadata::new("a".into(), 1, None).with_mode(Some(0o4755));
        assert_eq!(m.mode, Some(0o755));
        assert!(
            String::from_utf8(m.to_json().unwrap())
                .unwrap()
                .ends_with(r#""mode":493}"#)
        );
    }
}
