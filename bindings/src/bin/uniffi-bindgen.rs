//! The `uniffi-bindgen` command, pinned to this crate's UniFFI version:
//! `cargo run -p keepsake-ffi --bin uniffi-bindgen -- generate --library <lib> --language <swift|kotlin|python> --out-dir <dir>`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
