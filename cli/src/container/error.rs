//! What can go wrong with one container (SPEC.md section 8.5).

use std::fmt;

use crate::error::core_error_name;

/// Why a container was refused, or could not be written or opened.
#[derive(Debug)]
pub enum ContainerError {
    /// The file does not start with `KSCT`.
    NotAContainer {
        /// It starts with `KSMS`: a bare media stream.
        bare_stream: bool,
    },
    /// A container version this build does not read.
    UnsupportedVersion(u8),
    /// The file ends inside a part that its structure requires.
    Truncated {
        /// Which part.
        what: &'static str,
        /// Bytes the structure needs up to the end of that part.
        needed: u64,
        /// Bytes the file has.
        got: u64,
    },
    /// A length field outside its bounds (checked before anything is allocated).
    LengthOutOfRange {
        /// Which field.
        what: &'static str,
        /// Its value.
        len: u64,
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
    },
    /// A stream header names another kind or media id than its slot in the container.
    StreamMismatch {
        /// Which stream.
        what: &'static str,
    },
    /// A core error (stream header, envelope, or authentication) in one part.
    Core {
        /// Which part.
        what: &'static str,
        /// The error; `DecryptionFailed` for any authentication failure.
        err: keepsake::Error,
    },
    /// The key at hand is for another album or epoch than the container's.
    WrongAlbum {
        /// The container's album and epoch.
        container: (keepsake::AlbumId, u64),
        /// The key's album and epoch.
        key: (keepsake::AlbumId, u64),
    },
    /// The metadata authenticated but is not valid metadata JSON.
    MalformedMetadata(String),
    /// The restored name is not a safe relative path (or, sealing, not representable).
    UnsafeName(String),
    /// The original stream's length differs from the size the metadata records.
    SizeMismatch {
        /// What the metadata says.
        expected: u64,
        /// What the stream held.
        got: u64,
    },
    /// The input file changed while it was being sealed.
    InputChanged,
    /// The container has no thumbnail.
    NoThumbnail,
    /// The destination exists and may not be replaced.
    Exists(std::path::PathBuf),
    /// The album history needed to verify the item is missing or was refused (its message
    /// and exit code).
    History {
        /// The exit code ([`crate::error::exit`]).
        code: u8,
        /// What went wrong.
        message: String,
    },
    /// An I/O error.
    Io(std::io::Error),
}

impl ContainerError {
    /// The error's name as `tests/vectors/container-v1.json` records it: the variant name,
    /// or for [`ContainerError::Core`] the core error's variant name.
    pub fn name(&self) -> String {
        match self {
            Self::NotAContainer { .. } => "NotAContainer".into(),
            Self::UnsupportedVersion(_) => "UnsupportedContainerVersion".into(),
            Self::Truncated { .. } => "TruncatedContainer".into(),
            Self::LengthOutOfRange { .. } => "LengthOutOfRange".into(),
            Self::StreamMismatch { .. } => "StreamMismatch".into(),
            Self::Core { err, .. } => core_error_name(err),
            Self::WrongAlbum { .. } => "WrongAlbum".into(),
            Self::MalformedMetadata(_) => "MalformedMetadata".into(),
            Self::UnsafeName(_) => "UnsafeName".into(),
            Self::SizeMismatch { .. } => "SizeMismatch".into(),
            Self::InputChanged => "InputChanged".into(),
            Self::NoThumbnail => "NoThumbnail".into(),
            Self::Exists(_) => "Exists".into(),
            Self::History { .. } => "History".into(),
            Self::Io(_) => "Io".into(),
        }
    }

    /// The exit code this failure maps to (see [`crate::error::exit`]): I/O errors
    /// (including a core I/O error and an input that changed while it was read) are 1,
    /// a closed standard output 141, an existing output 4, a range starting past the end
    /// 64, and everything about the container itself 3 (refused input).
    pub fn exit_code(&self) -> u8 {
        use crate::error::exit;
        match self {
            Self::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::BROKEN_PIPE,
            Self::Io(_)
            | Self::InputChanged
            | Self::Core {
                err: keepsake::Error::Io(_),
                ..
            } => exit::IO,
            Self::Core {
                err: keepsake::Error::RangeOutOfBounds { .. },
                ..
            } => exit::USAGE,
            Self::Exists(_) => exit::EXISTS,
            Self::History { code, .. } => *code,
            Self::Core { what, err } if *what == "provenance" => crate::error::code_of(err),
            _ => exit::REFUSED_INPUT,
        }
    }

    /// The kind of failure, for a person: `foreign`, `unsupported`, `truncated`,
    /// `malformed`, `authentication failed`, `wrong album`, `exists`, `I/O`, ...
    pub fn kind(&self) -> &'static str {
        use keepsake::Error as E;
        match self {
            Self::NotAContainer { .. } => "foreign file",
            Self::UnsupportedVersion(_) => "unsupported",
            Self::Truncated { .. } => "truncated",
            Self::LengthOutOfRange { .. } | Self::StreamMismatch { .. } => "malformed",
            Self::Core { err, .. } => match err {
                E::DecryptionFailed => "authentication failed",
                E::RangeOutOfBounds { .. } => "range past the end",
                E::TruncatedStream | E::TruncatedHeader { .. } | E::EmptyFinalChunk => "truncated",
                E::TrailingData => "trailing data",
                E::Io(_) => "I/O error",
                E::UnsupportedVersion(_) | E::UnsupportedSuite(_) => "unsupported",
                E::UnknownGeneration { .. } => "newer account generation",
                E::NotInSelection { .. } => "not in the selection",
                E::ProvenanceUnsigned => "unsigned",
                E::ProvenanceNotMember => "uploader not a member",
                E::ProvenanceBadSignature => "bad signature",
                E::ProvenanceMismatch { .. } | E::ProvenanceChunkMismatch { .. } => {
                    "content mismatch"
                }
                E::ProvenanceWrongItem => "manifest of another item",
                E::HistoryUnknownEntry => "unknown history entry",
                _ => "malformed",
            },
            Self::WrongAlbum { .. } => "wrong album",
            Self::MalformedMetadata(_) => "malformed",
            Self::UnsafeName(_) => "unsafe name",
            Self::SizeMismatch { .. } => "malformed",
            Self::InputChanged => "input changed",
            Self::NoThumbnail => "no thumbnail",
            Self::Exists(_) => "exists",
            Self::History { .. } => "album history",
            Self::Io(_) => "I/O error",
        }
    }
}

impl fmt::Display for ContainerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.kind())?;
        match self {
            Self::NotAContainer { bare_stream: true } => {
                f.write_str("a bare media stream, not a Keepsake container")
            }
            Self::NotAContainer { bare_stream: false } => {
                f.write_str("not a Keepsake container (bad magic bytes)")
            }
            Self::UnsupportedVersion(v) => write!(f, "container version {v}"),
            Self::Truncated { what, needed, got } => write!(
                f,
                "the file ends inside the {what} ({needed} bytes needed, {got} present)"
            ),
            Self::LengthOutOfRange {
                what,
                len,
                min,
                max,
            } => write!(f, "{what} length {len} is outside {min}..={max}"),
            Self::StreamMismatch { what } => {
                write!(f, "the {what} names another kind or media item")
            }
            Self::Core {
                what,
                err: keepsake::Error::DecryptionFailed,
            } => write!(
                f,
                "{what} (wrong account or album key, or the file was altered)"
            ),
            Self::Core {
                err: keepsake::Error::NotInSelection { what },
                ..
            } => write!(
                f,
                "{what}: the selection grant does not give it (NotInSelection; `keepsake accept` \
                 lists the items and parts it gives)"
            ),
            Self::Core { what, err } => write!(f, "{what}: {err}"),
            Self::WrongAlbum { container, key } => write!(
                f,
                "the container is in album {} epoch {}, the key is for album {} epoch {}",
                container.0, container.1, key.0, key.1
            ),
            Self::MalformedMetadata(why) => write!(f, "metadata: {why}"),
            Self::UnsafeName(why) => write!(f, "{why}"),
            Self::SizeMismatch { expected, got } => write!(
                f,
                "the metadata records {expected} bytes, the original stream holds {got}"
            ),
            Self::InputChanged => f.write_str("the file changed while it was being sealed"),
            Self::NoThumbnail => f.write_str("the container has no thumbnail"),
            Self::Exists(path) => write!(
                f,
                "{} already exists; not overwritten (pass --force to replace it)",
                path.display()
            ),
            Self::History { message, .. } => f.write_str(message),
            Self::Io(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for ContainerError {}

impl From<std::io::Error> for ContainerError {
    fn from(err: std::io::Error) -> Self {
        Self::Io(err)
    }
}

impl From<keepsake::Error> for ContainerError {
    fn from(err: keepsake::Error) -> Self {
        Self::Core {
            what: "container",
            err,
        }
    }
}
