#!/usr/bin/env bash
# Builds the keepsake-ffi cdylib and generates the UniFFI bindings from it.
# Usage: bindings/scripts/generate.sh [debug|release]
# Output: target/bindings/{python,kotlin,swift}/ and the library at target/<profile>/libkeepsake_ffi.so
set -euo pipefail
cd "$(dirname "$0")/../.."
profile="${1:-debug}"
flag=""; [ "$profile" = release ] && flag="--release"
echo "== building keepsake-ffi ($profile)" >&2
cargo build --locked -q -p keepsake-ffi $flag
lib="target/$profile/libkeepsake_ffi.so"
out="target/bindings"
rm -rf "$out"
for language in python kotlin swift; do
  echo "== generating $language bindings" >&2
  cargo run --locked -q -p keepsake-ffi --bin uniffi-bindgen -- generate \
    --library "$lib" --language "$language" \
    --out-dir "$out/$language" >&2
done
echo "$lib"
