#!/usr/bin/env bash
# Checks that a wheel of the Python bindings is the publishable one:
#   - auditwheel show: the wheel is consistent with manylinux_2_28_x86_64 (no newer glibc
#     symbol, no library outside the manylinux policy) and is tagged so;
#   - the tag is py3-none-* (a ctypes-loaded library: no CPython ABI, see pyproject.toml);
#   - METADATA: Name keepsake-e2ee, the README as long description (markdown), the SPDX
#     license with both license files in the dist-info, and the project URLs;
#   - the package files: the hand-written layer (keepsake/__init__.py, __init__.pyi, py.typed)
#     and the generated one (keepsake/_ffi/__init__.py, keepsake.py, libkeepsake_ffi.so),
#     and a RECORD whose hashes and sizes match them.
# Usage: bindings/scripts/check-wheel.sh WHEEL [TOOL_VENV]   (default /var/cache/keepsake/venv,
#        made by setup-python.sh, which installs auditwheel)
set -euo pipefail
wheel=${1:?usage: check-wheel.sh WHEEL [TOOL_VENV]}
venv=${2:-${KEEPSAKE_VENV:-/var/cache/keepsake/venv}}
policy=${KEEPSAKE_MANYLINUX:-manylinux_2_28_x86_64}
log() { echo "[check-wheel] $*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

name=$(basename "$wheel")
case $name in
  keepsake_e2ee-*-py3-none-*"$policy"*.whl) ;;
  *) fail "$name: expected keepsake_e2ee-VERSION-py3-none-...$policy....whl" ;;
esac

show=$("$venv/bin/auditwheel" show "$wheel" 2>&1) || { echo "$show" >&2; fail "auditwheel show failed"; }
flat=$(tr -s ' \n' '  ' <<<"$show")   # auditwheel wraps its sentences
grep -qF "is consistent with the following platform tag: \"$policy\"" <<<"$flat" \
  || { echo "$show" >&2; fail "auditwheel does not report $policy"; }
log "auditwheel show: consistent with \"$policy\"; $(grep -o 'libc.so.6 with versions {[^}]*}' <<<"$flat")"

"$venv/bin/python" - "$wheel" <<'PY'
import sys, zipfile
from email.parser import Parser

wheel = sys.argv[1]
errors = []
with zipfile.ZipFile(wheel) as z:
    names = z.namelist()
    dist = next(n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info"))
    meta = Parser().parsestr(z.read(f"{dist}/METADATA").decode())
    wheel_info = Parser().parsestr(z.read(f"{dist}/WHEEL").decode())

def need(ok, what):
    if not ok:
        errors.append(what)

need(meta["Name"] == "keepsake-e2ee", f"Name is {meta['Name']!r}")
need(meta["Version"], "no Version")
body = meta.get_payload() or ""
need(meta.get("Description-Content-Type", "").startswith("text/markdown"),
     f"Description-Content-Type is {meta.get('Description-Content-Type')!r}")
need("# keepsake-e2ee" in body and "import keepsake" in body,
     "the long description is not bindings/python/README.md")
need(meta.get("License-Expression") == "Apache-2.0 OR MIT",
     f"License-Expression is {meta.get('License-Expression')!r}")
license_files = meta.get_all("License-File") or []
need(sorted(license_files) == ["LICENSE-APACHE", "LICENSE-MIT"], f"License-File {license_files}")
for lf in license_files:
    need(any(n.endswith(f".dist-info/licenses/{lf}") and n.startswith(dist) for n in names),
         f"{lf} missing from {dist}/licenses/")
urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
for label in ("Homepage", "Repository", "Changelog"):
    need(label in urls, f"no Project-URL {label}")
need(meta.get("Requires-Python"), "no Requires-Python")
tags = wheel_info.get_all("Tag") or []
need(tags and all(t.startswith("py3-none-") for t in tags), f"WHEEL tags {tags}")
for f in ("keepsake/__init__.py", "keepsake/__init__.pyi", "keepsake/py.typed",
          "keepsake/_ffi/__init__.py", "keepsake/_ffi/keepsake.py",
          "keepsake/_ffi/libkeepsake_ffi.so"):
    need(f in names, f"{f} missing")
# RECORD: every file listed with the right sha256 and size (strip-wheel.sh rewrites one line).
import base64, hashlib
with zipfile.ZipFile(wheel) as z:
    record = z.read(f"{dist}/RECORD").decode().splitlines()
    listed = set()
    for line in record:
        name, digest, size = line.rsplit(",", 2)
        listed.add(name)
        if not digest:
            continue
        data = z.read(name)
        want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        need(digest == want and int(size) == len(data), f"RECORD mismatch for {name}")
    need(listed == set(names), f"RECORD lists {sorted(listed ^ set(names))} differently")
if errors:
    print("[check-wheel] FAIL: " + "; ".join(errors), file=sys.stderr)
    sys.exit(1)
placeholder = [u for u in urls.values() if "example.invalid" in u]
print(f"[check-wheel] METADATA ok: {meta['Name']} {meta['Version']}, "
      f"{meta['License-Expression']}, README {len(body)} chars, tags {' '.join(tags)}, "
      f"URLs {', '.join(sorted(urls))}"
      + (" (placeholder URLs: set them before uploading)" if placeholder else ""),
      file=sys.stderr)
PY
log "ok: $name"
