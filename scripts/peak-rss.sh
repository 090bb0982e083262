#!/usr/bin/env bash
# Peak resident memory of streaming seal and open of a 1 GiB file (issue 5: <= 32 MiB).
#
#   scripts/peak-rss.sh [SIZE_MIB]     (default 1024)
#
# Builds the bench crate's `stream-file` binary (keepsake::seal_file / open_file with a
# fixed benchmark key), then runs it under GNU time (`/usr/bin/time -v`; Debian package
# `time`), parallel and single-threaded, and prints the peak RSS of each run.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
size_mib="${1:-1024}"
limit_kib=$((32 * 1024))

if [ ! -x /usr/bin/time ]; then
    echo "installing GNU time (/usr/bin/time)" >&2
    apt-get install -y time >/dev/null
fi

cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p keepsake-benches --bin stream-file
bin="$root/target/release/stream-file"

work="$(mktemp -d "${TMPDIR:-/tmp}/keepsake-rss.XXXXXX")"
trap 'rm -rf "$work"' EXIT
head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$work/plain"

status=0
run() { # label, then the command
    local label="$1"
    shift
    local log="$work/time.log"
    /usr/bin/time -v "$@" >"$work/out.log" 2>"$log"
    local kib secs
    kib="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")"
    secs="$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")"
    local verdict="met"
    if [ "$kib" -gt "$limit_kib" ]; then
        verdict="NOT met"
        status=1
    fi
    printf '%-18s peak RSS %6s MiB (%s KiB), wall %s: %s\n' \
        "$label" "$(awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }')" "$kib" "$secs" "$verdict"
}

echo "streaming ${size_mib} MiB through keepsake::seal_file / open_file; target peak RSS <= 32 MiB"
for mode in parallel single; do
    flag=()
    [ "$mode" = single ] && flag=(--single)
    run "seal ($mode)" "$bin" seal "$work/plain" "$work/sealed" "${flag[@]}"
    run "open ($mode)" "$bin" open "$work/sealed" "$work/opened" "${flag[@]}"
    cmp -s "$work/plain" "$work/opened" || { echo "round trip differs ($mode)"; exit 1; }
    rm -f "$work/sealed" "$work/opened"
done
exit "$status"
