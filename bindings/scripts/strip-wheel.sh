#!/usr/bin/env bash
# Drops the DWARF debug sections from the native library inside a wheel, in place, and
# rewrites its RECORD line (sha256, size). Why: the wheel's library is built without debug
# info, but Rust's prebuilt std carries its own, and the usual `-C strip=debuginfo` cannot
# be used under maturin --zig (zig's linker takes --strip-debug as strip-all, which would
# drop the UNIFFI_META symbols uniffi-bindgen reads during the build). Afterwards, with the
# bindings generated, `objcopy --strip-debug` is safe: the symbol table stays.
# Usage: bindings/scripts/strip-wheel.sh WHEEL      (needs objcopy from binutils)
set -euo pipefail
wheel=${1:?usage: strip-wheel.sh WHEEL}
command -v objcopy >/dev/null || { echo "[strip-wheel] objcopy (binutils) is required" >&2; exit 1; }
exec python3 - "$wheel" <<'PY'
import base64, hashlib, os, subprocess, sys, tempfile, zipfile

wheel = sys.argv[1]
with zipfile.ZipFile(wheel) as z:
    entries = [(info, z.read(info)) for info in z.infolist()]
out, changed = [], []
for info, data in entries:
    if info.filename.endswith(".so"):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "lib.so")
            with open(path, "wb") as f:
                f.write(data)
            subprocess.run(["objcopy", "--strip-debug", path], check=True)
            with open(path, "rb") as f:
                stripped = f.read()
        changed.append((info.filename, len(data), len(stripped), stripped))
        data = stripped
    out.append((info, data))
digests = {name: (base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode(), len(d))
           for name, _, _, d in changed}
for i, (info, data) in enumerate(out):
    if info.filename.endswith(".dist-info/RECORD"):
        lines = []
        for line in data.decode().splitlines():
            name = line.split(",", 1)[0]
            if name in digests:
                sha, size = digests[name]
                line = f"{name},sha256={sha},{size}"
            lines.append(line)
        out[i] = (info, ("\n".join(lines) + "\n").encode())
tmp = wheel + ".tmp"
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
    for info, data in out:
        z.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
os.replace(tmp, wheel)
for name, before, after, _ in changed:
    print(f"[strip-wheel] {name}: {before} -> {after} bytes", file=sys.stderr)
PY
