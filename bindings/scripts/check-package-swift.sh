#!/usr/bin/env bash
# Checks bindings/scripts/package-swift.sh (the Package.swift generator of
# build-xcframework.sh) on Linux, without Xcode:
#   - the release form: given a zip and an https URL it writes
#     .binaryTarget(name: "KeepsakeFFI", url: URL, checksum: SHA-256 of the zip), the same
#     checksum with --checksum, and the product and target wiring;
#   - the development form: .binaryTarget(name: "KeepsakeFFI", path: "KeepsakeFFI.xcframework");
#   - refusals: http URLs, non-zip URLs, malformed checksums, mixed forms;
#   - when the Swift chroot of setup-swift.sh is present (CI: the swift step made it), SwiftPM
#     itself parses both manifests (`swift package dump-package`, ~6 s);
#     KEEPSAKE_SWIFT_MANIFEST_CHECK=0 skips that, =1 requires it.
# Usage: bindings/scripts/check-package-swift.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
gen=bindings/scripts/package-swift.sh
log() { echo "[check-package-swift] $*" >&2; }
fail() { log "FAIL: $*"; exit 1; }
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT

# A stand-in release asset: any zip will do, the checksum is over its bytes.
mkdir -p "$tmp/asset/KeepsakeFFI.xcframework" && echo '<plist/>' > "$tmp/asset/KeepsakeFFI.xcframework/Info.plist"
python3 -c 'import shutil,sys; shutil.make_archive(sys.argv[1], "zip", sys.argv[2])' "$tmp/KeepsakeFFI.xcframework" "$tmp/asset"
zip=$tmp/KeepsakeFFI.xcframework.zip
sum=$(sha256sum "$zip" | cut -d' ' -f1)
url=https://example.invalid/keepsake/releases/download/v0.1.0/KeepsakeFFI.xcframework.zip

has() {   # has FILE TEXT: the file holds TEXT verbatim
  grep -qF -- "$2" "$1" || { sed 's/^/  | /' "$1" >&2; fail "$(basename "$1") lacks: $2"; }
}
common() {
  has "$1" '// swift-tools-version:5.9'
  has "$1" 'products: [.library(name: "Keepsake", targets: ["Keepsake"])],'
  has "$1" '.target(name: "Keepsake", dependencies: ["KeepsakeFFI"]),'
  [ "$(grep -c 'binaryTarget' "$1")" = 1 ] || fail "$(basename "$1"): not exactly one binaryTarget"
}

"$gen" --url "$url" --zip "$zip" > "$tmp/release.swift"
common "$tmp/release.swift"
has "$tmp/release.swift" "url: \"$url\","
has "$tmp/release.swift" "checksum: \"$sum\""
grep -q 'path:' "$tmp/release.swift" && fail "release form mentions a path"
"$gen" --url "$url" --checksum "$sum" > "$tmp/release2.swift"
cmp -s "$tmp/release.swift" "$tmp/release2.swift" || fail "--zip and --checksum forms differ"
log "release form ok: url + checksum $sum"

"$gen" --path KeepsakeFFI.xcframework > "$tmp/local.swift"
common "$tmp/local.swift"
has "$tmp/local.swift" '.binaryTarget(name: "KeepsakeFFI", path: "KeepsakeFFI.xcframework"),'
grep -qE 'url:|checksum:' "$tmp/local.swift" && fail "local form mentions a url or checksum"
log "development form ok: path KeepsakeFFI.xcframework"

refuse() {   # refuse WHY ARGS...: the generator must exit non-zero
  if "$gen" "${@:2}" > /dev/null 2>&1; then fail "accepted $1"; fi
}
refuse "an http URL" --url "${url/https/http}" --checksum "$sum"
refuse "a URL not ending in .zip" --url "${url%.zip}.tar.gz" --checksum "$sum"
refuse "a short checksum" --url "$url" --checksum "${sum:1}"
refuse "an uppercase checksum" --url "$url" --checksum "${sum^^}"
refuse "a URL without checksum" --url "$url"
refuse "path and URL together" --path KeepsakeFFI.xcframework --url "$url" --checksum "$sum"
log "refusals ok"

manifest_check=${KEEPSAKE_SWIFT_MANIFEST_CHECK:-auto}
if [ "$manifest_check" = auto ]; then
  manifest_check=0
  # A symlink into the chroot's own tree: test the link, not its (host-resolved) target.
  chroot_swift=${SWIFT_CHROOT:-/var/cache/keepsake/swift-chroot}/usr/bin/swift
  { [ -L "$chroot_swift" ] || [ -x "$chroot_swift" ]; } && manifest_check=1
  [ $manifest_check = 1 ] || log "no Swift chroot: SwiftPM manifest parse skipped"
fi
if [ "$manifest_check" = 1 ]; then
  for form in release local; do
    pkg=$tmp/pkg-$form && mkdir -p "$pkg/Sources/Keepsake" && cp "$tmp/$form.swift" "$pkg/Package.swift"
    touch "$pkg/Sources/Keepsake/Keepsake.swift"
    [ $form = local ] && mkdir -p "$pkg/KeepsakeFFI.xcframework"
    bash bindings/scripts/swift-run.sh "$pkg" -- swift package dump-package > "$tmp/$form.json" \
      || fail "SwiftPM rejected the $form manifest"
    if [ $form = release ]; then
      grep -q "\"$sum\"" "$tmp/$form.json" || fail "dump-package lost the checksum"
    fi
    log "SwiftPM parsed the $form manifest"
  done
fi
log "ok"
