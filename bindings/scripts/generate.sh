#!/usr/bin/env bash
# Builds the keepsake-ffi cdylib and generates UniFFI bindings from it.
# Usage: bindings/scripts/generate.sh LANGUAGE... (python, kotlin, swift)
#   PROFILE=release to build in release mode (default debug).
# Writes target/bindings/LANGUAGE/ and prints the path of the built library.
set -euo pipefail
cd "$(dirname "$0")/../.."
profile="${PROFILE:-debug}"
flag=""; [ "$profile" = release ] && flag="--release"
echo "== building keepsake-ffi ($profile)" >&2
cargo build --locked -q -p keepsake-ffi $flag
lib="${CARGO_TARGET_DIR:-$PWD/target}/$profile/libkeepsake_ffi.so"
for language in "$@"; do
  echo "== generating $language bindings" >&2
  rm -rf "target/bindings/$language"
  if ! out=$(cargo run --locked -q $flag -p keepsake-ffi --bin uniffi-bindgen -- generate \
    --library "$lib" --language "$language" --out-dir "target/bindings/$language" 2>&1); then
    echo "$out" >&2
    exit 1
  fi
  # Everything to stderr but the formatter warnings (no ktlint / swift-format here).
  printf '%s\n' "$out" | grep -v -e 'Unable to auto-format' >&2 || true
done
echo "$lib"
