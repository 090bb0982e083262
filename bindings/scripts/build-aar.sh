#!/usr/bin/env bash
# Builds the Android library as a publishable Maven artifact, and checks it:
#   target/android/maven/app/keepsake/keepsake/VERSION/keepsake-VERSION.{aar,pom}
#   (a Maven repository layout: publish the directory, or point Gradle at it with
#   maven { url = uri(".../target/android/maven") }; then implementation("app.keepsake:keepsake:VERSION"))
# and a copy target/android/keepsake.aar. The AAR holds:
#   - classes.jar: the Kotlin bindings (package app.keepsake: the generated keepsake.kt and the
#     hand-written bindings/kotlin/*.kt), compiled with
#     -language-version 1.9 -api-version 1.9 (kotlinc 2.3.21: kotlinc 2.4 no longer accepts
#     1.9) so that the kotlin.Metadata is readable by Kotlin 1.9+ consumers;
#   - proguard.txt: consumer R8 rules keeping JNA and app.keepsake (bindings/android/);
#   - jni/ABI/libkeepsake_ffi.so for arm64-v8a, armeabi-v7a, x86_64 and x86, linked with
#     -z max-page-size=16384 (16 KB page devices, required by Google Play for Android 15+);
#   - AndroidManifest.xml (minSdk 24) and an empty R.txt.
# The POM (bindings/android/keepsake.pom.in) declares JNA's Android AAR
# (net.java.dev.jna:jna:5.14.0@aar), kotlin-stdlib and kotlinx-coroutines-core.
# bindings/scripts/check-aar.sh then checks all of this in the produced files.
#
# Usage: bindings/scripts/build-aar.sh
#          needs the Android NDK (ANDROID_NDK_HOME, r26 or newer), rustup, cargo-ndk
#          (installed here if missing); kotlinc and JNA come from setup-kotlin.sh.
#        bindings/scripts/build-aar.sh --host-check
#          no NDK: the same assembly and checks on an AAR-shaped archive whose only native
#          library is this machine's x86_64 Linux build (jni/x86_64, linked with the same
#          16 KB flag) under target/android-host-check/. It exercises the packaging and the
#          checker, nothing Android runs; CI runs it (bindings/tests/kotlin/run.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
log() { echo "[build-aar] $*" >&2; }
started=$(date +%s)

mode=ndk
case ${1:-} in
  --host-check) mode=host ;;
  "") ;;
  *) echo "usage: build-aar.sh [--host-check]" >&2; exit 2 ;;
esac
target_dir=${CARGO_TARGET_DIR:-$root/target}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
[ -n "$version" ] || { log "no workspace version in Cargo.toml"; exit 1; }
page_flag="-C link-arg=-Wl,-z,max-page-size=16384"

if [ "$mode" = ndk ]; then
  : "${ANDROID_NDK_HOME:?set ANDROID_NDK_HOME to an Android NDK (r26 or newer), or use --host-check}"
  out=target/android
  abis=(arm64-v8a armeabi-v7a x86_64 x86)
else
  out=target/android-host-check
  abis=(x86_64)
fi
rm -rf "$out/aar" "$out/maven" "$out/keepsake.aar"
mkdir -p "$out/aar/jni"

# 0. The Kotlin bindings, generated from a host release build of the same crate (identical
#    UniFFI metadata for every target).
lib=$(PROFILE=release bindings/scripts/generate.sh kotlin | tail -1)
log "bindings generated from $lib"

# 1. The native libraries, 16 KB page aligned.
if [ "$mode" = ndk ]; then
  command -v cargo-ndk >/dev/null || cargo install --locked cargo-ndk
  rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android i686-linux-android
  # RUSTFLAGS replaces the workspace's [build] rustflags (.cargo/config.toml), so its flag
  # is repeated here. With --target (cargo-ndk passes it) RUSTFLAGS reach only the target
  # crates, not build scripts.
  RUSTFLAGS="--cfg chacha20_avx512 $page_flag" \
    cargo ndk --platform 24 $(printf -- '-t %s ' "${abis[@]}") -o "$out/aar/jni" \
    build --locked --release -p keepsake-ffi --lib
  # cargo-ndk copies every cdylib; keep only the library.
  find "$out/aar/jni" -type f ! -name libkeepsake_ffi.so -delete
else
  # The host release build that generate.sh made above (the Kotlin and Swift suites use it),
  # relinked by `cargo rustc` with the flag: only keepsake-ffi itself is recompiled, the
  # dependencies are shared. (The next plain `cargo build` of keepsake-ffi recompiles it
  # back; scripts/test.sh runs this step after the binding suites.)
  log "host library: cargo rustc --release (cdylib, $page_flag)"
  # shellcheck disable=SC2086
  cargo rustc --locked --release -q -p keepsake-ffi --lib --crate-type cdylib -- $page_flag
  mkdir -p "$out/aar/jni/x86_64"
  cp "$target_dir/release/libkeepsake_ffi.so" "$out/aar/jni/x86_64/"
fi

# 2. The Kotlin bindings (generated above), compiled for Kotlin 1.9 consumers. The jar is reused while the generated
#    source and the compiler are unchanged.
export KOTLIN_CACHE=${KOTLIN_AAR_CACHE:-/var/cache/keepsake/kotlin-aar}
KOTLIN_VERSION=${KOTLIN_AAR_VERSION:-2.3.21} bash bindings/scripts/setup-kotlin.sh >/dev/null
# shellcheck disable=SC1091
. "$KOTLIN_CACHE/env.sh"
source_kt=target/bindings/kotlin/app/keepsake/keepsake.kt
# The module is the generated bindings plus the hand-written Kotlin of bindings/kotlin/ (error
# categories, the Java-callable forms of the ULong/UInt calls).
sources_kt=("$source_kt" bindings/kotlin/*.kt)
# -module-name: the jar's META-INF/NAME.kotlin_module must not be the default main.kotlin_module,
# which other libraries ship too (a duplicate-file error when the app is packaged).
kotlin_flags=(-nowarn -language-version 1.9 -api-version 1.9 -jvm-target 1.8 -module-name keepsake)
jar_cache=target/android-classes
stamp=$( { echo "$KOTLINC ${kotlin_flags[*]} $JNA_JAR $KOTLINX_COROUTINES"; cat "${sources_kt[@]}"; } | sha256sum | cut -d' ' -f1)
if [ -f "$jar_cache/classes.jar" ] && [ "$(cat "$jar_cache/stamp" 2>/dev/null)" = "$stamp" ]; then
  log "classes.jar up to date"
else
  step=$(date +%s)
  mkdir -p "$jar_cache" && rm -f "$jar_cache/classes.jar" "$jar_cache/stamp"
  JAVA_OPTS=${KOTLINC_JAVA_OPTS:--Xmx2g -Xms512m -XX:TieredStopAtLevel=1 -XX:+UseParallelGC} \
    "$KOTLINC" "${kotlin_flags[@]}" -cp "$JNA_JAR:$KOTLINX_COROUTINES" -d "$jar_cache/classes.jar" "${sources_kt[@]}"
  echo "$stamp" > "$jar_cache/stamp"
  log "compiled classes.jar in $(($(date +%s) - step))s ($KOTLINC ${kotlin_flags[*]})"
fi
# Only the classes: drop the jar's META-INF/MANIFEST.MF; keep META-INF/*.kotlin_module.
rm -rf "$out/classes" && mkdir -p "$out/classes"
(cd "$out/classes" && jar xf "$root/$jar_cache/classes.jar" && rm META-INF/MANIFEST.MF)
(cd "$out/classes" && rm -f "$root/$out/aar/classes.jar" && jar --create --no-manifest --file "$root/$out/aar/classes.jar" .)

# 3. The archive and its POM.
cp bindings/android/AndroidManifest.xml bindings/android/proguard.txt "$out/aar/"
: > "$out/aar/R.txt"
repo=$out/maven/app/keepsake/keepsake/$version
mkdir -p "$repo"
aar=$repo/keepsake-$version.aar
pom=$repo/keepsake-$version.pom
(cd "$out/aar" && jar --create --no-manifest --file "$root/$aar" AndroidManifest.xml classes.jar R.txt proguard.txt jni)
sed "s/@VERSION@/$version/g" bindings/android/keepsake.pom.in > "$pom"
for f in "$aar" "$pom"; do sha256sum "$f" | cut -d' ' -f1 > "$f.sha256"; done
cp "$aar" "$out/keepsake.aar"

# 4. The checks (the archive as published, not the staging directory).
bindings/scripts/check-aar.sh "$aar" "$pom" "$version" "${abis[@]}"
log "built and checked $aar (+ .pom) in $(($(date +%s) - started))s"
