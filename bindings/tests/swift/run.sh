#!/usr/bin/env bash
# Runs the Swift test suite of the UniFFI bindings (bindings/tests/SCENARIO.md), in one command:
#   1. bindings/scripts/setup-swift.sh   creates or checks the Debian trixie Swift chroot
#   2. bindings/scripts/generate.sh swift builds libkeepsake_ffi.so (debug) and generates
#                                        target/bindings/swift/ on the host
#   3. in the chroot, swiftc (Swift 6 language mode) compiles the generated Keepsake.swift into
#      a static library (module Keepsake, so the tests see only its public API) and then the
#      tests (main.swift, Scenario.swift, Vectors.swift, Secrets.swift, Metadata.swift, Async.swift,
#      Lifecycle.swift, Idioms.swift, Provenance.swift, Links.swift) into
#      target/swift-tests/keepsake-swift-tests; each step is skipped when its inputs are
#      unchanged (SWIFT_REBUILD=1 forces both)
#   4. in the chroot, runs it from the repository root (it reads tests/vectors/) with
#      LD_LIBRARY_PATH at the .so's directory.
# Plain swiftc, not SwiftPM/XCTest: `swift test` under Swift 6 also prints a Swift Testing
# summary "0 tests" that CI may misread. The runner prints `ok NAME` / `FAILED NAME: REASON`
# and ends with `N passed, N failed`.
#
# Usage: bindings/tests/swift/run.sh [SUBSTRING...]   (arguments select tests by name)
#   SWIFT_CHROOT (default /var/cache/keepsake/swift-chroot) and PROFILE (debug|release,
#   default debug) are passed on to the scripts above. Needs root (debootstrap, chroot,
#   mount namespaces). Exit status: 0 if every test passed.
set -euo pipefail
start=$(date +%s%N)
elapsed() {
  local ms=$(( ($(date +%s%N) - start) / 1000000 ))
  printf '[swift-tests] elapsed: %d.%01d s\n' $((ms / 1000)) $((ms % 1000 / 100)) >&2
}
trap elapsed EXIT
log() { echo "[swift-tests $(( ($(date +%s%N) - start) / 1000000000 )) s] $*" >&2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd -P)
cd "$ROOT"
TESTS=$ROOT/bindings/tests/swift
BUILD=$ROOT/target/swift-tests
GEN=$ROOT/target/bindings/swift
SCRIPTS=$ROOT/bindings/scripts
PROFILE=${PROFILE:-debug}
export PROFILE

log "setting up the Swift chroot"
"$SCRIPTS/setup-swift.sh" >&2

log "building the library and generating the Swift bindings"
lib=$("$SCRIPTS/generate.sh" swift | tail -n 1)
[ -f "$lib" ] || { log "generate.sh did not print the library path (got: $lib)"; exit 1; }
LIBDIR=$(dirname "$(realpath -e "$lib")")
mkdir -p "$BUILD"
BUILD=$(realpath -e "$BUILD")
# A library built outside the repository (CARGO_TARGET_DIR elsewhere) is not visible in the
# chroot: run a copy of it from $BUILD/ffi.
case "$LIBDIR/" in
  "$ROOT"/*) ;;
  *)
    mkdir -p "$BUILD/ffi"
    cp -f "$lib" "$BUILD/ffi/"
    log "using a copy of $lib in $BUILD/ffi ($LIBDIR is outside $ROOT)"
    LIBDIR=$BUILD/ffi
    ;;
esac
GEN=$(realpath -e "$GEN")
# Only $ROOT is visible inside the chroot.
for d in "$LIBDIR" "$BUILD" "$GEN"; do
  case "$d/" in "$ROOT"/*) ;; *) log "$d is outside $ROOT: not visible in the chroot"; exit 1 ;; esac
done

# Compile in the chroot, each step only when its inputs changed (content hashes in *.stamp;
# SWIFT_REBUILD=1 forces). The test binary links libkeepsake_ffi.so dynamically, so a
# rebuilt .so alone needs no recompiling (UniFFI checks the API checksums at load).
mkdir -p "$BUILD/lib" "$BUILD/module-cache"
FFI=(-Xcc "-fmodule-map-file=$GEN/KeepsakeFFI.modulemap" -I "$GEN" -module-cache-path "$BUILD/module-cache")
stamp() { cat "$@" "${BASH_SOURCE[0]}" "${SWIFT_CHROOT:-/var/cache/keepsake/swift-chroot}/.keepsake-swift-ready" | sha256sum | cut -c1-64; }
fresh() { [ "${SWIFT_REBUILD:-0}" != 1 ] && [ -f "$2" ] && [ "$(cat "$1" 2>/dev/null)" = "$3" ]; }

# The module is the generated bindings plus the hand-written Swift of bindings/swift/ (the
# concurrency wrappers, the errors' category and LocalizedError conformance).
EXTRA=("$ROOT/bindings/swift/KeepsakeAsync.swift" "$ROOT/bindings/swift/KeepsakeErrors.swift")
lib_stamp=$(stamp "$GEN/Keepsake.swift" "$GEN/KeepsakeFFI.h" "$GEN/KeepsakeFFI.modulemap" "${EXTRA[@]}")
if fresh "$BUILD/lib/stamp" "$BUILD/lib/libKeepsake.a" "$lib_stamp"; then
  log "libKeepsake.a is up to date"
else
  log "compiling the generated Keepsake.swift (module Keepsake) in the chroot"
  rm -f "$BUILD/lib/stamp" "$BUILD/stamp"
  "$SCRIPTS/swift-run.sh" "$ROOT" -- swiftc -swift-version 6 -parse-as-library \
    -emit-library -static -emit-module -module-name Keepsake \
    -emit-module-path "$BUILD/lib/Keepsake.swiftmodule" -o "$BUILD/lib/libKeepsake.a" \
    "${FFI[@]}" "$GEN/Keepsake.swift" "${EXTRA[@]}"
  echo "$lib_stamp" > "$BUILD/lib/stamp"
fi

SOURCES=("$TESTS/main.swift" "$TESTS/Scenario.swift" "$TESTS/Vectors.swift" "$TESTS/Secrets.swift" "$TESTS/Metadata.swift" "$TESTS/Async.swift" "$TESTS/Lifecycle.swift" "$TESTS/Idioms.swift" "$TESTS/Provenance.swift" "$TESTS/Links.swift")
test_stamp=$(echo "$lib_stamp $LIBDIR" | stamp - "${SOURCES[@]}")
if fresh "$BUILD/stamp" "$BUILD/keepsake-swift-tests" "$test_stamp"; then
  log "keepsake-swift-tests is up to date"
else
  log "compiling the tests in the chroot"
  rm -f "$BUILD/stamp" "$BUILD/keepsake-swift-tests"
  "$SCRIPTS/swift-run.sh" "$ROOT" -- swiftc -swift-version 6 -module-name KeepsakeSwiftTests \
    -o "$BUILD/keepsake-swift-tests" -I "$BUILD/lib" -L "$BUILD/lib" -lKeepsake \
    -L "$LIBDIR" -lkeepsake_ffi "${FFI[@]}" "${SOURCES[@]}"
  echo "$test_stamp" > "$BUILD/stamp"
fi

log "running in the chroot"
"$SCRIPTS/swift-run.sh" "$ROOT" -- \
  env LD_LIBRARY_PATH="$LIBDIR" "$BUILD/keepsake-swift-tests" "$@"
