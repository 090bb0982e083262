#!/usr/bin/env bash
# Runs every test: the README's "Run every test" command, and what .ci/run calls.
# Needs only the Rust toolchain (cargo, with rustfmt and clippy when present); every crate
# comes from crates.io through Cargo.lock.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is required: install Rust (rustup) first" >&2
  exit 1
fi

step() { printf '\n== %s\n' "$*"; }

if cargo fmt --version >/dev/null 2>&1; then
  step "format"
  cargo fmt --all -- --check
else
  echo "rustfmt not installed: format check skipped"
fi

if cargo clippy --version >/dev/null 2>&1; then
  step "lints (clippy, warnings are errors)"
  cargo clippy --workspace --all-targets --locked -- -D warnings
else
  echo "clippy not installed: lint step skipped"
fi

step "tests (unit, integration, known-answer vectors, Wycheproof, doctests)"
cargo test --workspace --locked

step "demo (small)"
cargo run --release --locked -q -p keepsake --example demo 16
