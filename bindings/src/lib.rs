//! UniFFI bindings of Keepsake for Swift, Kotlin and Python.
//!
//! Thin wrappers only: every exported object holds a core type and every function calls
//! one core function; keys stay behind opaque objects (raw bytes cross outward only for
//! the device secret, which the platform keystore must hold, and the recovery words, shown
//! once through `RecoveryPhrase::words`). No secret is ever a record field or part of a
//! string form: every object exports redacted `Debug` / `Display` (Python `repr`/`str`,
//! Kotlin `toString`, Swift `debugDescription`/`description`). Errors map to the one flat
//! [`KeepsakeError`] in one place (`error.rs`). The bridging layer is not an API of its
//! own: its documentation is the core's.
//!
//! Generate bindings from the built library:
//! `cargo run -p keepsake-ffi --bin uniffi-bindgen -- generate --library target/debug/libkeepsake_ffi.so --language python --out-dir out/`.

#![forbid(unsafe_code)]

mod account;
mod background;
mod error;
mod history;
mod link;
mod media;
mod metadata;
mod provenance;
mod selection;

pub use account::{
    AccountPin, AlbumBlob, AlbumKey, DeviceKey, Enrollment, EpochMove, ExpectedAlbum, KdfParams,
    KdfProfile, Keyring, MemberGrant, NewAccount, RecoveryPhrase, RotatedRecovery, RotatedRoot,
    bundle_devices, bundle_generation, create_account, create_account_async, fingerprint,
    identity_digest, kdf_calibrate, kdf_calibrate_async, kdf_profile, new_album_id,
    unlock_with_device, unlock_with_passphrase, unlock_with_passphrase_async, unlock_with_recovery,
    unlock_with_recovery_async,
};
pub use background::CancelToken;
pub use error::{CallbackError, KeepsakeError};
pub use history::{HistoryChange, HistoryPin, VerifiedHistory, history_entry_hash, verify_history};
pub use link::{
    AcceptedDrop, CollectLink, LinkAddress, LinkKind, LinkPassword, LinkRecordInfo, LinkText,
    NewLink, OpenedDrop, OpenedLink, create_album_link, create_collect_link, create_selection_link,
    inspect_link_record, open_drop, open_link, parse_link_fragment, parse_link_url,
};
pub use media::{
    MediaBlob, MediaKey, MediaKind, ProgressListener, StreamOpener, StreamSealer, new_media_id,
    remove_partial_files,
};
pub use metadata::{
    GrantInfo, RandomAccessSource, RangePlan, StreamHeader, inspect_grant, parse_stream_header,
    plan_range, stream_plaintext_len,
};
pub use provenance::{
    ItemRecordParts, PartEntry, PartHashes, PartKind, SealedPart, VerifiedItem, parse_item_record,
    part_hashes, verify_item,
};
pub use selection::{
    SelectedItem, SelectedPart, Selection, SelectionInfo, SelectionItemInfo, inspect_selection,
};

uniffi::setup_scaffolding!("keepsake");
