#!/usr/bin/env bash
# Creates (if missing) the Debian unstable ("sid") chroot that builds and tests web/: the host's
# rustup toolchain cannot download the wasm32 standard library, but Debian sid ships rustc with
# libstd-rust-dev-wasm32, plus chromium (headless, for the browser tests) and binaryen (wasm-opt).
# wasm-bindgen-cli is built from crates.io inside the chroot, at the exact version of
# web/Cargo.lock's wasm-bindgen (the CLI and the crate must match), and kept in the chroot.
# Made like bindings/scripts/setup-swift.sh's (scripts/debootstrap-chroot.sh); commands run in it with
# bindings/scripts/swift-run.sh (SWIFT_CHROOT pointed at this chroot).
#
# Usage: scripts/web-env.sh     (chroot: $WEB_CHROOT, default /var/cache/keepsake/sid-chroot;
#                                mirror: $DEBIAN_MIRROR, default: the host's)
# Needs root. Idempotent: when the chroot is complete it only prints the tool versions.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
export SWIFT_CHROOT=${WEB_CHROOT:-/var/cache/keepsake/sid-chroot}
RUN="$ROOT/bindings/scripts/swift-run.sh"
# gcc/libc6-dev: cargo links build scripts and wasm-bindgen-cli natively; lld: the wasm32 linker;
# fonts-dejavu-core: text in the viewer screenshot.
PKGS="rustc cargo libstd-rust-dev-wasm32 lld gcc libc6-dev ca-certificates chromium binaryen fonts-dejavu-core"
BINDGEN=$(grep -A1 '^name = "wasm-bindgen"$' "$ROOT/web/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')
[ -n "$BINDGEN" ] || { echo "[web-env] no wasm-bindgen in web/Cargo.lock" >&2; exit 1; }
WANT="$PKGS wasm-bindgen-cli=$BINDGEN (no default features)"
MARKER=$SWIFT_CHROOT/.keepsake-web-ready       # holds $WANT once everything is installed
log() { echo "[web-env $SECONDS s] $*" >&2; }
versions() {
  "$RUN" -- /bin/sh -c 'rustc --version; wasm-bindgen --version; chromium --version 2>/dev/null | head -1; wasm-opt --version' >&2 2>/dev/null
}

if [ "$(cat "$MARKER" 2>/dev/null)" = "$WANT" ]; then
  log "chroot ready at $SWIFT_CHROOT"
  versions
  exit 0
fi

# shellcheck source=debootstrap-chroot.sh
. "$ROOT/scripts/debootstrap-chroot.sh"
bootstrap_chroot sid
install_in_chroot "$PKGS"
# The chroot trusts what the host trusts: the host's local CAs (a TLS-inspecting proxy's, on
# some networks) are added to its bundle, for cargo's downloads from crates.io.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  mkdir -p "$SWIFT_CHROOT/usr/local/share/ca-certificates"
  cp -f /usr/local/share/ca-certificates/*.crt "$SWIFT_CHROOT/usr/local/share/ca-certificates/"
  "$RUN" -- update-ca-certificates >/dev/null
fi
# Not --locked: the CLI's own lockfile can name crate versions newer than the registry serves
# here (webpki-roots 1.0.11 for 0.2.130); the version of the CLI itself is pinned exactly.
# --no-default-features drops its TLS stack (rustls, only for downloading test-runner
# drivers; wasm-bindgen itself never connects): 2.7 min to build instead of 10.6.
log "building wasm-bindgen-cli $BINDGEN in the chroot (a few minutes, once)"
"$RUN" -- env CARGO_HOME=/root/.cargo cargo install --quiet --no-default-features --root /usr/local \
  wasm-bindgen-cli --version "=$BINDGEN"
"$RUN" -- /bin/sh -c 'rm -rf /root/.cargo/registry/src /root/.cargo/git/checkouts'
echo "$WANT" > "$MARKER"
log "chroot ready at $SWIFT_CHROOT ($(du -sh --one-file-system "$SWIFT_CHROOT" | cut -f1))"
versions
