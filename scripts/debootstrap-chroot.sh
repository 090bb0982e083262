# Sourced (not run) by bindings/scripts/setup-swift.sh and scripts/web-env.sh: the two Debian
# chroots they keep are made the same way. Both functions act on $SWIFT_CHROOT (the chroot
# that bindings/scripts/swift-run.sh enters) and log through the caller's `log`.
#
#   bootstrap_chroot SUITE   debootstrap --variant=minbase SUITE into $SWIFT_CHROOT, unless it
#                            already holds a system (apt-get present); all or nothing, through
#                            $SWIFT_CHROOT.partial. Installs debootstrap on the host if missing.
#                            Mirror: $DEBIAN_MIRROR, else the host's apt mirror.
#   install_in_chroot PKGS   apt-get install PKGS (space-separated) in the chroot, with the
#                            host's resolv.conf and apt settings (e.g. for a mirror serving
#                            stale Release files).
# Needs root.

bootstrap_chroot() {
  local suite=$1
  if [ -x "$SWIFT_CHROOT/usr/bin/apt-get" ]; then
    return 0
  fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  fi
  # The Debian mirror the host's apt uses (first non-security one).
  local mirror
  mirror=${DEBIAN_MIRROR:-$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
      /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v '^[[:space:]]*#' |
      grep -oE 'https?://[^ ]+/debian/?( |$)' | head -1 | tr -d ' ' || true)}
  mirror=${mirror:-http://deb.debian.org/debian}
  log "debootstrap --variant=minbase $suite $SWIFT_CHROOT $mirror (a few minutes)"
  rm -rf --one-file-system "$SWIFT_CHROOT.partial"
  mkdir -p "$SWIFT_CHROOT.partial"
  # In a private mount namespace, so an interrupted run leaves no /proc mounted on the host.
  unshare --mount --propagation private \
    debootstrap --variant=minbase "$suite" "$SWIFT_CHROOT.partial" "$mirror" > "$SWIFT_CHROOT.log" 2>&1 ||
    { tail -20 "$SWIFT_CHROOT.log"; log "debootstrap failed; log: $SWIFT_CHROOT.log"; return 1; }
  rm -rf --one-file-system "$SWIFT_CHROOT"
  mv "$SWIFT_CHROOT.partial" "$SWIFT_CHROOT"
}

install_in_chroot() {
  local pkgs=$1
  local here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
  log "installing in the chroot: $pkgs"
  cp -L /etc/resolv.conf "$SWIFT_CHROOT/etc/resolv.conf"
  cp -f /etc/apt/apt.conf.d/99* "$SWIFT_CHROOT/etc/apt/apt.conf.d/" 2>/dev/null || true
  "$here/bindings/scripts/swift-run.sh" -- /bin/sh -ec "dpkg --configure -a; apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
    apt-get clean"
}
