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

if [ ! -x "$SWIFT_CHROOT/usr/bin/apt-get" ]; then
  if ! dpkg -s debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  fi
  # The Debian mirror the host's apt uses (first non-security one).
  MIRROR=${DEBIAN_MIRROR:-$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
      /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v '^[[:space:]]*#' |
      grep -oE 'https?://[^ ]+/debian/?( |$)' | head -1 | tr -d ' ' || true)}
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
  log "debootstrap --variant=minbase trixie $SWIFT_CHROOT $MIRROR (a few minutes)"
  rm -rf --one-file-system "$SWIFT_CHROOT.partial"
  mkdir -p "$SWIFT_CHROOT.partial"
  # In a private mount namespace, so an interrupted run leaves no /proc mounted on the host.
  unshare --mount --propagation private \
    debootstrap --variant=minbase trixie "$SWIFT_CHROOT.partial" "$MIRROR" > "$SWIFT_CHROOT.log" 2>&1 ||
    { tail -20 "$SWIFT_CHROOT.log"; log "debootstrap failed; log: $SWIFT_CHROOT.log"; exit 1; }
  rm -rf --one-file-system "$SWIFT_CHROOT"
  mv "$SWIFT_CHROOT.partial" "$SWIFT_CHROOT"
fi

log "installing in the chroot: $PKGS"
cp -L /etc/resolv.conf "$SWIFT_CHROOT/etc/resolv.conf"
"$HERE/swift-run.sh" -- /bin/sh -ec "dpkg --configure -a; apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
  apt-get clean"
echo "$PKGS" > "$MARKER"
log "chroot ready at $SWIFT_CHROOT ($(du -sh --one-file-system "$SWIFT_CHROOT" | cut -f1))"
"$HERE/swift-run.sh" -- swiftc --version
