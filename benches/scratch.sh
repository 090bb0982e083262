#!/usr/bin/env bash
# Builds and runs the account-layer benches (rotation, hybrid) from a scratch manifest,
# for while the workspace's `keepsake-ffi` (bindings) does not compile against the core
# (on branch `pq` the bindings still use the X25519 account API, so `cargo bench -p
# keepsake-benches` cannot build). The scratch package has the same name, depends on
# `keepsake` (with `hazmat`) and criterion 0.7 only, uses the workspace's lints, release
# profile, rustflags (`--cfg chacha20_avx512`, from .cargo/config.toml) and Cargo.lock, and
# builds benches/benches/{rotation,hybrid}.rs and `median` from benches/src/lib.rs in place.
#
#   benches/scratch.sh bench --bench hybrid
#   benches/scratch.sh clippy --all-targets -- -D warnings
#
# SCRATCH=DIR puts the manifest elsewhere (default /tmp/keepsake-benches-scratch).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${SCRATCH:-/tmp/keepsake-benches-scratch}"
mkdir -p "$dir/src"
# `median` and `quantile` only: the rest of src/lib.rs needs age, ring and the bindings.
python3 - "$repo/benches/src/lib.rs" "$dir/src/lib.rs" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
out = ["//! `median` and `quantile` of benches/src/lib.rs (scratch build)."]
for name in ("median", "quantile"):
    m = re.search(r"((?:^///[^\n]*\n)*)^pub fn " + name + r"\b.*?^}\n", src, re.M | re.S)
    out.append(m.group(0))
open(sys.argv[2], "w").write("\n".join(out))
PY
cat >"$dir/Cargo.toml" <<TOML
[package]
name = "keepsake-benches"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
keepsake = { path = "$repo/core", features = ["hazmat"] }
criterion = { version = "0.7", default-features = false, features = ["cargo_bench_support"] }

[[bench]]
name = "rotation"
path = "$repo/benches/benches/rotation.rs"
harness = false

[[bench]]
name = "hybrid"
path = "$repo/benches/benches/hybrid.rs"
harness = false

[lints.rust]
unsafe_code = "deny"
missing_docs = "deny"

[lints.clippy]
unwrap_used = "deny"
panic = "deny"
dbg_macro = "deny"

[profile.release]
debug = "line-tables-only"

[workspace]
TOML
cp "$repo/Cargo.lock" "$dir/Cargo.lock"
cp "$repo/clippy.toml" "$dir/clippy.toml"
cd "$dir"
export RUSTFLAGS="${RUSTFLAGS:---cfg chacha20_avx512}"
exec cargo "$@"
