#!/usr/bin/env bash
# Builds the Android library: target/android/keepsake.aar, holding the Kotlin bindings
# (classes.jar, package app.keepsake) and libkeepsake_ffi.so for arm64-v8a, armeabi-v7a,
# x86_64 and x86. Apps add it with the JNA Android dependency:
#   implementation(files("keepsake.aar")); implementation("net.java.dev.jna:jna:5.14.0@aar")
#
# Needs the Android NDK (ANDROID_NDK_HOME), rustup, cargo-ndk (installed here if missing),
# and kotlinc + a JNA jar (bindings/scripts/setup-kotlin.sh provides both on Linux).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${ANDROID_NDK_HOME:?set ANDROID_NDK_HOME to an Android NDK (r26 or newer)}"
out=target/android
rm -rf "$out" && mkdir -p "$out"/{aar,classes}

command -v cargo-ndk >/dev/null || cargo install --locked cargo-ndk
rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android i686-linux-android
cargo ndk --platform 24 -t arm64-v8a -t armeabi-v7a -t x86_64 -t x86 -o "$out/aar/jni" \
  build --locked --release -p keepsake-ffi --lib

# The bindings come from a host build of the same crate (identical UniFFI metadata).
lib=$(PROFILE=release bindings/scripts/generate.sh kotlin)
bindings/scripts/setup-kotlin.sh >/dev/null
# shellcheck disable=SC1091
. /var/cache/keepsake/kotlin/env.sh
"$KOTLINC" target/bindings/kotlin/app/keepsake/keepsake.kt -cp "$JNA_JAR" -d "$out/classes.jar"
echo "host library used for generation: $lib"

cat > "$out/aar/AndroidManifest.xml" <<'XML'
<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="app.keepsake">
    <uses-sdk android:minSdkVersion="24" />
</manifest>
XML
cp "$out/classes.jar" "$out/aar/classes.jar"
touch "$out/aar/R.txt"
(cd "$out/aar" && rm -f ../keepsake.aar && zip -qr ../keepsake.aar AndroidManifest.xml classes.jar R.txt jni)
echo "built $out/keepsake.aar"
