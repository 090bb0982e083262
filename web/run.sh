#!/usr/bin/env bash
# Builds web/ (the Keepsake core for wasm32-unknown-unknown, with wasm-bindgen) and tests it
# in a real browser, in one command:
#   1. scripts/web-env.sh     creates or checks the Debian sid chroot (rustc with the wasm32
#                             standard library, chromium, binaryen, wasm-bindgen-cli)
#   2. in the chroot, `cargo build --target wasm32-unknown-unknown --release` of web/, then
#      wasm-bindgen --target web into target/web/pkg/, then wasm-opt -O3 (sizes printed); and
#      the native `web-native` binary (the bench's native side, and the range fixture)
#   3. serves the repository on 127.0.0.1 (web/serve.py, ranges and POST /report) and opens
#      web/www/test.html?bench=1 in headless Chromium: the page runs the stream vectors of
#      tests/vectors/, push opening, an HTTP range read, tampering and the errors' shape,
#      then the 64 MiB open bench, and posts its report, printed here
#   4. screenshots web/www/viewer.html into target/web/viewer.png (a CI artifact)
#   5. runs `web-native bench` and prints the browser/native throughput ratio (target >= 0.25)
# Exit status: 0 if every browser test passed (the ratio is reported, not enforced: a
# loaded machine makes it noisy). WEB_BENCH=0 skips the bench. Needs root (chroot).
set -euo pipefail
start=$(date +%s%N)
elapsed() {
  local ms=$(( ($(date +%s%N) - start) / 1000000 ))
  printf '[web] elapsed: %d.%01d s\n' $((ms / 1000)) $((ms % 1000 / 100)) >&2
}
trap elapsed EXIT
log() { echo "[web $(( ($(date +%s%N) - start) / 1000000000 )) s] $*" >&2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
OUT=$ROOT/target/web
export SWIFT_CHROOT=${WEB_CHROOT:-/var/cache/keepsake/sid-chroot}
RUN=("$ROOT/bindings/scripts/swift-run.sh" "$ROOT" --)
# Debian's rustc has no rust-lld: the wasm32 target links with lld's wasm-ld. simd128 (every
# current browser has it) lets LLVM vectorize the portable ChaCha20 and Poly1305 code.
CARGO_ENV=(env CARGO_HOME=/root/.cargo CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128" CARGO_TARGET_DIR="$OUT/cargo" CARGO_TERM_COLOR=never)
mkdir -p "$OUT"

log "setting up the sid chroot"
"$ROOT/scripts/web-env.sh"

# web/Cargo.lock pins every crate; when the core's dependencies change it goes stale, and is
# updated (the least change: the other pins stay) rather than failing everyone's CI.
LOCKED=(--locked)
if ! "${RUN[@]}" "${CARGO_ENV[@]}" cargo metadata --quiet --locked --format-version 1 \
    --manifest-path web/Cargo.toml > /dev/null 2>&1; then
  log "web/Cargo.lock is stale (the core's dependencies changed): updating it; commit it"
  LOCKED=()
fi
log "building web/ for wasm32-unknown-unknown (release) in the chroot"
"${RUN[@]}" "${CARGO_ENV[@]}" cargo build --quiet "${LOCKED[@]}" --release --lib \
  --manifest-path web/Cargo.toml --target wasm32-unknown-unknown
"${RUN[@]}" "${CARGO_ENV[@]}" cargo build --quiet --locked --release --bin web-native \
  --manifest-path web/Cargo.toml
RAW=$OUT/cargo/wasm32-unknown-unknown/release/keepsake_web.wasm
rm -rf "$OUT/pkg"
"${RUN[@]}" wasm-bindgen --target web --out-dir "$OUT/pkg" "$RAW"
WASM=$OUT/pkg/keepsake_web_bg.wasm
bindgen_size=$(stat -c %s "$WASM")
"${RUN[@]}" wasm-opt -O3 --strip-debug --strip-producers -o "$OUT/pkg/opt.wasm" "$WASM"
mv "$OUT/pkg/opt.wasm" "$WASM"
opt_size=$(stat -c %s "$WASM")
gz_size=$(gzip -9c "$WASM" | wc -c)
log "wasm size: $(stat -c %s "$RAW") bytes from cargo, $bindgen_size after wasm-bindgen, $opt_size after wasm-opt -O3 --strip-debug ($gz_size gzipped)"
"${RUN[@]}" "$OUT/cargo/release/web-native" fixture "$OUT/fixture.sealed"

# The static server (127.0.0.1, an ephemeral port) and the browser, both ended on exit.
REPORT=$OUT/report.json
rm -f "$REPORT" "$OUT/viewer.png"
SERVER_OUT=$(mktemp)
python3 "$ROOT/web/serve.py" "$ROOT" "$REPORT" > "$SERVER_OUT" &
server=$!
browser=
cleanup() {
  [ -n "$browser" ] && kill -- -"$browser" 2>/dev/null || true
  kill "$server" 2>/dev/null || true
  rm -f "$SERVER_OUT"
  elapsed
}
trap cleanup EXIT
for _ in $(seq 50); do [ -s "$SERVER_OUT" ] && break; sleep 0.1; done
PORT=$(cat "$SERVER_OUT")
[ -n "$PORT" ] || { log "the static server did not start"; exit 1; }
BASE=http://127.0.0.1:$PORT
# A fresh profile each run (in the chroot's /tmp).
rm -rf --one-file-system "$SWIFT_CHROOT/tmp/keepsake-chromium"
CHROME=(chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run
  --disable-extensions --user-data-dir=/tmp/keepsake-chromium)

bench=1
[ "${WEB_BENCH:-1}" = 0 ] && bench=0
log "headless Chromium: $BASE/web/www/test.html$([ $bench = 1 ] && echo '?bench=1')"
setsid "${RUN[@]}" "${CHROME[@]}" "$BASE/web/www/test.html$([ $bench = 1 ] && echo '?bench=1')" \
  > "$OUT/chromium.log" 2>&1 &
browser=$!
for _ in $(seq 600); do [ -s "$REPORT" ] && break; sleep 0.5; done
kill -- -"$browser" 2>/dev/null || true
wait "$browser" 2>/dev/null || true
browser=
[ -s "$REPORT" ] || { tail -20 "$OUT/chromium.log"; log "no report from the page within 300 s"; exit 1; }

log "screenshot of the viewer: target/web/viewer.png"
"${RUN[@]}" "${CHROME[@]}" --window-size=1000,440 --virtual-time-budget=30000 \
  --screenshot="$OUT/viewer.png" "$BASE/web/www/viewer.html" >> "$OUT/chromium.log" 2>&1 || true
[ -s "$OUT/viewer.png" ] || log "no screenshot (see target/web/chromium.log)"

native=
if [ $bench = 1 ]; then
  log "native bench (the same PushOpener code, one thread)"
  native=$("${RUN[@]}" "$OUT/cargo/release/web-native" bench)
fi
python3 - "$REPORT" "$native" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
for line in report["lines"]:
    print(line)
bench = report.get("bench")
if bench and sys.argv[2]:
    _, mbps, cps = sys.argv[2].split()
    print(f"bench: open 64 MiB (64 KiB chunks, 1 MiB pieces, best of 5): browser "
          f"{bench['mb_per_s']:.1f} MB/s = {bench['chunks_per_s']:.0f} chunks/s; native "
          f"{float(mbps):.1f} MB/s = {float(cps):.0f} chunks/s; ratio "
          f"{bench['mb_per_s'] / float(mbps):.2f}x native single-thread (target >= 0.25x)")
print(report["summary"])
sys.exit(0 if report["failed"] == 0 and report["passed"] > 0 else 1)
PY
