#!/usr/bin/env bash
# Builds web/ (the Keepsake core for wasm32-unknown-unknown, with wasm-bindgen) and tests it
# in a real browser, in one command:
#   1. scripts/web-env.sh     creates or checks the Debian sid chroot (rustc with the wasm32
#                             standard library, chromium, binaryen, wasm-bindgen-cli)
#   2. in the chroot, `cargo build --target wasm32-unknown-unknown --release` of web/, then
#      wasm-bindgen --target web into target/web/pkg/, then wasm-opt -O3 (sizes printed); and
#      the native `web-native` binary (the bench's native side, and the range fixture)
#   3. `web-native links target/web/site`: published link folders (SPEC.md 8.12) for the
#      tests, and the viewer (web/www/viewer.*, links.js, the pkg) copied beside them
#   3b. the CLI round trip's owner side: `cargo build --release -p keepsake-cli` on the host,
#      `keepsake init` (floor profile), `seal` of garden.bmp and note.txt, `link create
#      --viewer` and `collect create` into the same site (cli.json names them)
#   4. serves the repository on 127.0.0.1 (web/serve.py: ranges, PUT under a link's drops/
#      only, POST /report) and opens web/www/test.html?bench=1 in headless Chromium: the
#      page runs the stream vectors of tests/vectors/, push opening, an HTTP range read,
#      tampering and the errors' shape, the link-v1.json vectors, the link fixtures (with
#      and without password, wrong password, tampered / unsigned / non-member items, a
#      selection, a video seek counted in Range requests, a WebM played in the viewer through
#      MSE from 8 KiB range reads and its tampered copy stopping, a collect-link upload), the
#      CLI's album link opened from its URL (links.js and the viewer) and a drop into its collect
#      link, then the 64 MiB open bench, and posts its report, printed here
#   5. `web-native review`: the owner's side opens the uploaded drop with the album key
#      and must see the display name the page used; then `keepsake collect review` lists
#      the drop the page put into the CLI's collect link, `--accept` makes it a container
#      and `keepsake open` must restore the browser's bytes and mtime exactly
#   6. screenshots the viewer on the album link (target/web/viewer.png, a CI artifact) and
#      its password prompt (target/web/viewer-password.png)
#   7. runs `web-native bench` and prints the browser/native throughput ratio (target >= 0.25)
# Exit status: 0 if every browser test and both reviews passed (the ratio is reported, not
# enforced: a loaded machine makes it noisy). WEB_BENCH=0 skips the bench. Needs root (chroot).
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
WASM=$OUT/pkg/keepsake_web_bg.wasm
# wasm-bindgen and wasm-opt (about 10 s) only when cargo's .wasm changed.
raw_sum=$(sha256sum "$RAW" | cut -d' ' -f1)
if [ "$(cat "$OUT/pkg/.raw.sha256" 2>/dev/null)" != "$raw_sum" ] || [ ! -s "$WASM" ]; then
  rm -rf "$OUT/pkg"
  "${RUN[@]}" wasm-bindgen --target web --out-dir "$OUT/pkg" "$RAW"
  stat -c %s "$WASM" > "$OUT/pkg/.bindgen-size"
  "${RUN[@]}" wasm-opt -O3 --strip-debug --strip-producers -o "$OUT/pkg/opt.wasm" "$WASM"
  mv "$OUT/pkg/opt.wasm" "$WASM"
  echo "$raw_sum" > "$OUT/pkg/.raw.sha256"
fi
bindgen_size=$(cat "$OUT/pkg/.bindgen-size")
opt_size=$(stat -c %s "$WASM")
gz_size=$(gzip -9c "$WASM" | wc -c)
log "wasm size: $(stat -c %s "$RAW") bytes from cargo, $bindgen_size after wasm-bindgen, $opt_size after wasm-opt -O3 --strip-debug ($gz_size gzipped)"
"${RUN[@]}" "$OUT/cargo/release/web-native" fixture "$OUT/fixture.sealed"
SITE=$OUT/site
mkdir -p "$SITE"
"${RUN[@]}" "$OUT/cargo/release/web-native" links "$SITE"
rm -rf "$SITE/pkg"
cp -r "$OUT/pkg" "$SITE/pkg"
rm -f "$SITE/pkg/.raw.sha256" "$SITE/pkg/.bindgen-size"
cp web/www/viewer.html web/www/viewer.js web/www/links.js "$SITE/"
# SPEC.md 8.12's URL on a static server: the viewer as each link folder's index.html.
sed 's|<head>|<head><base href="../../">|' web/www/viewer.html > "$OUT/viewer-index.html"
for dir in "$SITE"/l/*/; do
  cp "$OUT/viewer-index.html" "$dir/index.html"
done

# The CLI's own links, for the round trip of issue 17: the owner seals two files with the
# CLI and publishes an album link (`--viewer`: the page as the folder's index.html) and a
# collect link into the served site; the page opens them from their URLs alone and drops a
# file into the collect link, which the CLI then reviews, accepts and opens (below).
CLI=$ROOT/target/release/keepsake
log "building the CLI on the host (cargo build --release -p keepsake-cli)"
cargo build --quiet --release --locked -p keepsake-cli
log "the CLI's account, album (two files sealed), album link and collect link in the site"
CLI_DIR=$OUT/cli
rm -rf "$CLI_DIR"
mkdir -p "$CLI_DIR/in"
printf 'web round trip passphrase\n' > "$CLI_DIR/pass"
OWNER=(--account "$CLI_DIR/owner.json" --passphrase-file "$CLI_DIR/pass")
"$CLI" init --weak-passphrase-ok --kdf-profile floor "${OWNER[@]}" > /dev/null
owner_fp=$("$CLI" whoami --json "${OWNER[@]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])')
cli_album=$("$CLI" album new)
python3 - "$CLI_DIR/in" <<'PY'
import struct, sys
w, h = 96, 64  # a 24-bit BMP (rows padded to 4 bytes) and a text file
pixels = b"".join(bytes(v for x in range(w) for v in ((x * 5 + y * 3) % 256, (x * 2) % 256, (y * 4) % 256)) for y in range(h))
header = b"BM" + struct.pack("<IHHI", 54 + len(pixels), 0, 0, 54) + struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
open(f"{sys.argv[1]}/garden.bmp", "wb").write(header + pixels)
open(f"{sys.argv[1]}/note.txt", "w").write("Sealed by the CLI, opened in a browser from the link alone.\n" * 40)
PY
"$CLI" seal --album "$cli_album" "${OWNER[@]}" "$CLI_DIR/in/garden.bmp" "$CLI_DIR/in/note.txt" \
  --out "$CLI_DIR/album" > /dev/null
cli_album_url=$("$CLI" link create --album "$cli_album" "${OWNER[@]}" --kdf-profile floor \
  --out "$SITE" --viewer "$OUT/viewer-index.html" "$CLI_DIR/album")
cli_collect_url=$("$CLI" collect create --album "$cli_album" "${OWNER[@]}" --out "$SITE")
python3 - "$SITE/cli.json" "$cli_album_url" "$cli_collect_url" "$owner_fp" <<'PY'
import json, sys
def link(url):
    path, fragment = url.split("#")
    return {"id": path.rstrip("/").rsplit("/", 1)[1], "fragment": fragment}
json.dump({"album": link(sys.argv[2]), "collect": link(sys.argv[3]), "owner_fingerprint": sys.argv[4],
           "files": ["garden.bmp", "note.txt"], "sources": "/target/web/cli/in", "bmp_width": 96,
           "drop_name": "from the browser.bin", "drop_len": 200003, "drop_mtime_ms": 1700000000123,
           "drop_from": "Cousin Ada"}, open(sys.argv[1], "w"))
PY
link_url() { python3 -c "import json,sys; l=json.load(open(sys.argv[1]))[sys.argv[2]]; print('l/' + l['id'] + '#' + l['fragment'])" "$SITE/links.json" "$1"; }

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

collect_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["collect"]["id"])' "$SITE/links.json")
log "owner's review of the collect link's drops (open_drop with the album key)"
review=$("${RUN[@]}" "$OUT/cargo/release/web-native" review "$SITE" "$collect_id") || review="review failed"
echo "$review" >&2
review_ok=0
grep -q '^drop [0-9a-f]\{32\} from "Grandma Rose" (.*): original 300000 bytes' <<<"$review" && review_ok=1

log "the owner's review with the CLI: keepsake collect review --accept, then keepsake open"
cli_ok=0
cli_drop=$(python3 -c 'import json,sys; print(((json.load(open(sys.argv[1])).get("links") or {}).get("cli_collect") or {}).get("drop", ""))' "$REPORT")
cli_collect_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["collect"]["id"])' "$SITE/cli.json")
REVIEW=(collect review --album "$cli_album" --from "$SITE" --link "$cli_collect_id" "${OWNER[@]}")
if [ -n "$cli_drop" ] && listed=$("$CLI" "${REVIEW[@]}") && echo "$listed" >&2 &&
    grep -q "^$cli_drop  \"Cousin Ada\"  fingerprint " <<<"$listed" &&
    "$CLI" "${REVIEW[@]}" --accept "$cli_drop" --into "$CLI_DIR/accepted" >&2 &&
    "$CLI" open "${OWNER[@]}" "$CLI_DIR/accepted/$cli_drop.ks" --out "$CLI_DIR/opened" >&2 &&
    python3 - "$CLI_DIR/opened/from the browser.bin" <<'PY'
import os, sys
want = bytes((i * 131 + 7) & 255 for i in range(200003))  # cliDropBytes in test-links.js
got = open(sys.argv[1], "rb").read()
if got != want:
    at = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    sys.exit(f"{sys.argv[1]}: {len(got)} bytes, not the {len(want)} the browser dropped "
             f"(first difference at byte {at})")
mtime = os.stat(sys.argv[1]).st_mtime_ns
if mtime != 1700000000123 * 1000000:
    sys.exit(f"{sys.argv[1]}: mtime {mtime} ns, the browser's File said 1700000000123 ms")
PY
then
  cli_ok=1
fi

log "screenshots of the viewer: target/web/viewer.png, target/web/viewer-password.png"
rm -f "$OUT/viewer-password.png"
"${RUN[@]}" "${CHROME[@]}" --window-size=1000,620 --virtual-time-budget=30000 \
  --screenshot="$OUT/viewer.png" "$BASE/target/web/site/$(link_url album)" >> "$OUT/chromium.log" 2>&1 || true
"${RUN[@]}" "${CHROME[@]}" --window-size=1000,240 --virtual-time-budget=10000 \
  --screenshot="$OUT/viewer-password.png" "$BASE/target/web/site/$(link_url password)" >> "$OUT/chromium.log" 2>&1 || true
for png in viewer.png viewer-password.png; do [ -s "$OUT/$png" ] || log "no $png (see target/web/chromium.log)"; done

native=
if [ $bench = 1 ]; then
  log "native bench (the same PushOpener code, one thread)"
  native=$("${RUN[@]}" "$OUT/cargo/release/web-native" bench)
fi
python3 - "$REPORT" "$native" "$review_ok" "$cli_ok" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
for line in report["lines"]:
    print(line)
links = report.get("links") or {}
if "argon2_ms" in links:
    print(f"links: Argon2id at the floor (19 MiB, t=2, p=1) in the browser: {links['argon2_ms']} ms "
          f"(wrong password), {links['argon2_ms_right']} ms (right one)")
if "video" in links:
    v = links["video"]
    print(f"links: video seek: {v['requests']} Range requests, {v['bytes']} of {v['size']} bytes fetched")
if "movie" in links:
    m = links["movie"]
    print(f"links: WebM through MSE: {m['requests']} Range requests ({m['bytes']} bytes for {m['size']}), "
          f"{m['width']}x{m['height']}, {m['end']:.2f} s buffered; tampered copy stopped at {m['cut_end']:.2f} s "
          f"({m['cut_error']})")
review_ok = sys.argv[3] == "1"
print(("ok" if review_ok else "FAILED") + " native review: the uploaded drop opens with the album key, "
      "from \"Grandma Rose\"")
cli_ok = sys.argv[4] == "1"
print(("ok" if cli_ok else "FAILED") + " CLI round trip: keepsake collect review --accept took the browser's "
      "drop and keepsake open restored its bytes and mtime exactly")
bench = report.get("bench")
if bench and sys.argv[2]:
    _, mbps, cps = sys.argv[2].split()
    print(f"bench: open 64 MiB (64 KiB chunks, 1 MiB pieces, best of 5): browser "
          f"{bench['mb_per_s']:.1f} MB/s = {bench['chunks_per_s']:.0f} chunks/s; native "
          f"{float(mbps):.1f} MB/s = {float(cps):.0f} chunks/s; ratio "
          f"{bench['mb_per_s'] / float(mbps):.2f}x native single-thread (target >= 0.25x)")
print(report["summary"])
sys.exit(0 if report["failed"] == 0 and report["passed"] > 0 and review_ok and cli_ok else 1)
PY
