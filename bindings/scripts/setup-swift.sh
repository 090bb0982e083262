#!/usr/bin/env bash
# Creates (if missing) a Debian trixie chroot with Swift (Debian package swiftlang), since
# Swift is not packaged for the host's Debian 12. Run commands in it with swift-run.sh.
# Usage: bindings/scripts/setup-swift.sh        (chroot path: $SWIFT_CHROOT,
#        default /var/cache/keepsake/swift-chroot; mirror: $DEBIAN_MIRROR, default: host's)
# Idempotent: when the chroot is complete it only prints the Swift version.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export SWIFT_CHROOT=${SWIFT_CHROOT:-/var/cache/keepsake/swift-chroot}
PKGS="swiftlang libc6-dev gcc libstdc++-14-dev"   # swiftc links through clang + gcc's crt/libstdc++
MARKER=$SWIFT_CHROOT/.keepsake-swift-ready       # holds $PKGS once they are installed
log() { echo "[setup-swift] $*"; }

if [ "$(cat "$MARKER" 2>/dev/null)" = "$PKGS" ]; then
  log "chroot ready at $SWIFT_CHROOT"
  "$HERE/swift-run.sh" -- swiftc --version
  exit 0
fi

# shellcheck source=../../scripts/debootstrap-chroot.sh
. "$HERE/../../scripts/debootstrap-chroot.sh"
bootstrap_chroot trixie
install_in_chroot "$PKGS"
echo "$PKGS" > "$MARKER"
log "chroot ready at $SWIFT_CHROOT ($(du -sh --one-file-system "$SWIFT_CHROOT" | cut -f1))"
"$HERE/swift-run.sh" -- swiftc --version
