#!/usr/bin/env bash
# shellcheck disable=SC2015,SC2016  # usage check idiom; the inner script is single-quoted on purpose
# Runs a command inside the Debian trixie Swift chroot made by setup-swift.sh.
# Usage: bindings/scripts/swift-run.sh [DIR] -- CMD [ARG...]
#   DIR: host directory bind-mounted at the same path inside the chroot; CMD runs there
#        (without DIR, CMD runs in /). CMD gets a clean environment; pass variables with
#        `env VAR=value CMD...`. Exit status is CMD's.
# /proc, /dev and DIR are mounted in a private mount namespace (unshare -m): they are never
# visible on the host, concurrent runs do not disturb each other, and the kernel drops them
# when CMD (and anything it left running) ends, even if killed. So no unmount trap is needed,
# and CMD is exec'd so that signals (Ctrl-C, CI timeouts) reach it directly.
set -euo pipefail
CHROOT=${SWIFT_CHROOT:-/var/cache/keepsake/swift-chroot}
DIR=/
if [ $# -gt 0 ] && [ "$1" != "--" ]; then DIR=$(realpath -e "$1"); shift; fi
[ "${1:-}" = "--" ] && [ $# -ge 2 ] || { echo "usage: $0 [DIR] -- CMD [ARG...]" >&2; exit 2; }
shift
[ -x "$CHROOT/usr/bin/env" ] || { echo "no chroot at $CHROOT: run setup-swift.sh first" >&2; exit 1; }
echo "[swift-run] chroot $CHROOT, cwd $DIR: $*" >&2

exec unshare --mount --propagation private /bin/bash -c '
  set -euo pipefail
  C=$1 D=$2; shift 2
  mount -t proc proc "$C/proc"
  mount --rbind /dev "$C/dev"
  if [ "$D" != / ]; then mkdir -p "$C$D"; mount --bind "$D" "$C$D"; fi
  exec chroot "$C" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" /bin/sh -c '\''cd "$1" && shift && exec "$@"'\'' sh "$D" "$@"
' swift-run "$CHROOT" "$DIR" "$@"
