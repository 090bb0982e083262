#!/usr/bin/env bash
# Runs every test: the README's "Run every test" command, and what .ci/run calls.
# Installs what it needs on a fresh Debian machine (as root): Rust crates through
# Cargo.lock; pytest and maturin from PyPI; kotlinc from npm and JNA / Gson from Debian;
# a Debian trixie chroot with Swift; a Debian sid chroot with rustc's wasm32 standard library,
# wasm-bindgen-cli and Chromium (web/); cargo-fuzz and the nightly toolchain for the fuzz smoke.
#
#   KEEPSAKE_SKIP="swift kotlin"   skip steps by name (for a quick local run; CI skips none)
#   FUZZ_SMOKE_SECONDS=N           seconds per fuzz target in the smoke (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is required: install Rust (rustup) first" >&2
  exit 1
fi

declare -a summary=()
run_step() {
  local name=$1; shift
  if [[ " ${KEEPSAKE_SKIP:-} " == *" $name "* ]]; then
    summary+=("$(printf '%-10s skipped' "$name")")
    return
  fi
  printf '\n== %s: %s\n' "$name" "$*"
  local start=$SECONDS
  "$@"
  summary+=("$(printf '%-10s ok in %4ds' "$name" $((SECONDS - start)))")
}

# web/ and fuzz/ are workspaces of their own: formatted here too, and web/ linted on the host
# (its crate builds natively; no wasm32 standard library is needed to lint it).
check_format() {
  cargo fmt --all -- --check
  cargo fmt --manifest-path web/Cargo.toml -- --check
  cargo fmt --manifest-path fuzz/Cargo.toml -- --check
}
check_lints() {
  cargo clippy --workspace --all-targets --locked -- -D warnings
  cargo clippy --manifest-path web/Cargo.toml --all-targets --locked -- -D warnings
}
run_step format check_format
run_step clippy check_lints
run_step rust cargo test --workspace --locked
run_step demo cargo run --release --locked -q -p keepsake-cli -- demo --size-mib 16
# The binding suites share one release build of the library (maturin builds the wheel in
# release; generate.sh follows PROFILE).
export PROFILE=release
run_step python bash bindings/tests/python/run.sh
run_step kotlin bash bindings/tests/kotlin/run.sh
run_step swift bash bindings/tests/swift/run.sh
# The core in the browser: web/ built for wasm32 in the sid chroot, tested in headless Chromium.
run_step web bash web/run.sh
run_step packaging bash bindings/scripts/check-packaging.sh
run_step fuzz bash fuzz/run.sh "${FUZZ_SMOKE_SECONDS:-10}"

printf '\n== summary\n'
printf '%s\n' "${summary[@]}"
