#!/usr/bin/env bash
# Builds the iOS/macOS distribution: target/apple/KeepsakeFFI.xcframework and a Swift
# package at target/apple/Keepsake (Package.swift + Sources/Keepsake/Keepsake.swift) that
# apps add with "Add Package Dependency… > Add Local…" or publish as a release asset.
#
# Needs macOS with Xcode (xcodebuild, lipo) and rustup. Does not run on Linux; the Swift
# tests in bindings/tests/swift run the same generated Keepsake.swift on Linux instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
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
cat > "$out/Keepsake/Package.swift" <<'SWIFT'
// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "Keepsake",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [.library(name: "Keepsake", targets: ["Keepsake"])],
    targets: [
        .binaryTarget(name: "KeepsakeFFI", path: "KeepsakeFFI.xcframework"),
        .target(name: "Keepsake", dependencies: ["KeepsakeFFI"]),
    ]
)
SWIFT
echo "built $out/Keepsake (Swift package with KeepsakeFFI.xcframework)"
