#!/usr/bin/env bash
# Runs every fuzz target (or the ones named after SECONDS) for SECONDS each, one after
# another, on the corpus seeded from tests/vectors/ (fuzz/seed.sh).
#
#   fuzz/run.sh 20                      # the smoke run (.ci/run may call this)
#   fuzz/run.sh 600 stream_open         # one target, ten minutes
#
# Uses the nightly toolchain if rustup has one, else RUSTC_BOOTSTRAP=1 on stable.
# Installs cargo-fuzz (`cargo install --locked cargo-fuzz`, about 2 minutes cold) if it is
# missing. Each target's libFuzzer log goes to fuzz/logs/<target>.log; a summary line per
# target (executions, coverage, features, crashes) is printed at the end (FUZZ_LOGS=DIR puts
# the logs elsewhere, so a campaign's survive a smoke run beside it). Exits non-zero
# if any target crashed; the crashing input is in fuzz/artifacts/<target>/.
#
#   FUZZ_RUNS=10000000 fuzz/run.sh 7200  # each target until 10 million executions (or 2 h)
#   FUZZ_SANITIZER=none fuzz/run.sh 600  # without AddressSanitizer (about 5x faster)
#   FUZZ_TARGET_DIR=target/smoke FUZZ_LOGS=logs/smoke fuzz/run.sh 20  # beside a campaign
#
# FUZZ_SANITIZER is passed to `cargo fuzz --sanitizer` (address, the default, or none).
# `core` forbids unsafe code, so outside its dependencies' SIMD code the sanitizer finds
# nothing the Rust checks do not; panics, failed invariants and overflow (debug
# assertions are on in both builds) are caught either way.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:?usage: fuzz/run.sh SECONDS [TARGET...]}"
shift
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "SECONDS must be a positive whole number, got: $seconds" >&2
  exit 2
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz not found: installing it (cargo install --locked cargo-fuzz)" >&2
  cargo install --locked cargo-fuzz
fi

if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  fuzz=(cargo +nightly fuzz)
else
  echo "no nightly toolchain: using RUSTC_BOOTSTRAP=1 on $(rustc --version)" >&2
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
fi

runs="${FUZZ_RUNS:-}"
if [ -n "$runs" ] && ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then
  echo "FUZZ_RUNS must be a positive whole number, got: $runs" >&2
  exit 2
fi
sanitizer="${FUZZ_SANITIZER:-address}"
case "$sanitizer" in
  address | none) ;;
  *) echo "FUZZ_SANITIZER must be address or none, got: $sanitizer" >&2; exit 2 ;;
esac
build_flags=(-O -a --sanitizer "$sanitizer")
# FUZZ_TARGET_DIR: build elsewhere than fuzz/target, so that a smoke (AddressSanitizer)
# beside a campaign (none) does not rebuild the campaign's binaries under it.
if [ -n "${FUZZ_TARGET_DIR:-}" ]; then
  build_flags+=(--target-dir "$FUZZ_TARGET_DIR")
fi
limits=(-max_total_time="$seconds")
if [ -n "$runs" ]; then
  limits+=(-runs="$runs")
fi

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <("${fuzz[@]}" list)
fi

if [ ! -d corpus ]; then
  bash ./seed.sh
fi

"${fuzz[@]}" build "${build_flags[@]}"
logs="${FUZZ_LOGS:-logs}"
mkdir -p "$logs"
failed=()
summary=()
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  log="$logs/$target.log"
  echo "== $target: ${seconds}s${runs:+ or $runs executions}, sanitizer $sanitizer" >&2
  # -rss_limit_mb: the opener's batches and Argon2id at the floor (19 MiB) fit easily.
  if "${fuzz[@]}" run "${build_flags[@]}" "$target" "corpus/$target" -- \
    "${limits[@]}" -rss_limit_mb=4096 -timeout=30 -print_final_stats=1 \
    >"$log" 2>&1; then
    status=ok
  else
    status=CRASH
    failed+=("$target")
  fi
  # -a: libFuzzer logs can hold raw input bytes; `|| true`: a crashed run may lack a line.
  execs=$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  last=$(grep -aE '#[0-9]+.*(cov|ft):' "$log" | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
  ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
  corpus=$(find "corpus/$target" -type f | wc -l)
  line=$(printf '%-22s %-5s execs=%-10s cov=%-6s ft=%-7s corpus=%s' \
    "$target" "$status" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$corpus")
  summary+=("$line")
  echo "$line" >&2
done

echo; printf "%s\n" "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "crashed: ${failed[*]} (inputs in fuzz/artifacts/, logs in fuzz/$logs/)" >&2
  exit 1
fi
