#!/usr/bin/env bash
# Builds the iOS/macOS distribution:
#   target/apple/Keepsake/: a local Swift package (Package.swift + Sources/Keepsake/Keepsake.swift
#     + KeepsakeFFI.xcframework, `.binaryTarget(path:)`) that apps add with
#     "Add Package Dependency… > Add Local…" (development);
#   with --release-url BASE (the URL the release assets will be downloaded from):
#   target/apple/release/: KeepsakeFFI.xcframework.zip (the release asset, uploaded to
#     BASE/KeepsakeFFI.xcframework.zip), and Package.swift + Sources/Keepsake/Keepsake.swift
#     pointing at it with `.binaryTarget(url:checksum:)`, the checksum being SwiftPM's
#     (`swift package compute-checksum`, the zip's SHA-256). Commit those two to the Swift
#     package's repository and tag the version; SwiftPM downloads and verifies the zip.
# Package.swift comes from bindings/scripts/package-swift.sh (both forms; its output is
# checked on Linux by check-package-swift.sh).
#
# Usage: bindings/scripts/build-xcframework.sh [--release-url https://…/download/vX.Y.Z]
# Needs macOS with Xcode (xcodebuild, lipo, ditto, swift) and rustup. Does not run on Linux;
# the Swift tests in bindings/tests/swift run the same generated Keepsake.swift on Linux.
set -euo pipefail
cd "$(dirname "$0")/../.."
release_url=
case ${1:-} in
  --release-url) release_url=${2:?--release-url needs the base URL of the release assets} ;;
  "") ;;
  *) echo "usage: build-xcframework.sh [--release-url BASE_URL]" >&2; exit 2 ;;
esac
[ "$(uname -s)" = Darwin ] || { echo "build-xcframework.sh needs macOS with Xcode" >&2; exit 2; }

ios=(aarch64-apple-ios)
ios_sim=(aarch64-apple-ios-sim x86_64-apple-ios)
macos=(aarch64-apple-darwin x86_64-apple-darwin)
out=target/apple
rm -rf "$out" && mkdir -p "$out"/{headers,ios,ios-sim,macos}

for target in "${ios[@]}" "${ios_sim[@]}" "${macos[@]}"; do
  rustup target add "$target"
  cargo build --locked --release -p keepsake-ffi --lib --target "$target"
done

# Bindings are generated from a built library: the metadata is the same for every target.
cargo run --locked --release -p keepsake-ffi --bin uniffi-bindgen -- generate \
  --library "target/aarch64-apple-darwin/release/libkeepsake_ffi.dylib" \
  --language swift --out-dir "$out/generated"
cp "$out/generated/KeepsakeFFI.h" "$out/headers/"
cp "$out/generated/KeepsakeFFI.modulemap" "$out/headers/module.modulemap"

lib=libkeepsake_ffi.a
cp "target/aarch64-apple-ios/release/$lib" "$out/ios/$lib"
lipo -create $(for t in "${ios_sim[@]}"; do echo "target/$t/release/$lib"; done) -output "$out/ios-sim/$lib"
lipo -create $(for t in "${macos[@]}"; do echo "target/$t/release/$lib"; done) -output "$out/macos/$lib"

xcodebuild -create-xcframework \
  -library "$out/ios/$lib" -headers "$out/headers" \
  -library "$out/ios-sim/$lib" -headers "$out/headers" \
  -library "$out/macos/$lib" -headers "$out/headers" \
  -output "$out/Keepsake/KeepsakeFFI.xcframework"

mkdir -p "$out/Keepsake/Sources/Keepsake"
cp "$out/generated/Keepsake.swift" "$out/Keepsake/Sources/Keepsake/"
# The hand-written Swift of bindings/swift/ (task cancellation; the errors' category and
# LocalizedError conformance) belongs to the same module.
cp bindings/swift/*.swift "$out/Keepsake/Sources/Keepsake/"
bindings/scripts/package-swift.sh --path KeepsakeFFI.xcframework > "$out/Keepsake/Package.swift"
echo "built $out/Keepsake (Swift package with KeepsakeFFI.xcframework)"

if [ -n "$release_url" ]; then
  rel=$out/release
  rm -rf "$rel" && mkdir -p "$rel/Sources/Keepsake"
  # ditto keeps the framework's symlinks and permissions as Xcode expects (Apple's advice).
  (cd "$out/Keepsake" && ditto -c -k --sequesterRsrc --keepParent KeepsakeFFI.xcframework \
    "$OLDPWD/$rel/KeepsakeFFI.xcframework.zip")
  checksum=$(swift package compute-checksum "$rel/KeepsakeFFI.xcframework.zip")
  [ "$checksum" = "$(shasum -a 256 "$rel/KeepsakeFFI.xcframework.zip" | cut -d' ' -f1)" ] \
    || { echo "compute-checksum differs from the zip's SHA-256" >&2; exit 1; }
  bindings/scripts/package-swift.sh --url "${release_url%/}/KeepsakeFFI.xcframework.zip" \
    --checksum "$checksum" > "$rel/Package.swift"
  cp "$out/generated/Keepsake.swift" bindings/swift/*.swift "$rel/Sources/Keepsake/"
  echo "$checksum" > "$rel/KeepsakeFFI.xcframework.zip.sha256"
  echo "release: upload $rel/KeepsakeFFI.xcframework.zip to ${release_url%/}/; commit $rel/Package.swift and $rel/Sources (checksum $checksum)"
fi
