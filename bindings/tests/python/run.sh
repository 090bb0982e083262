#!/usr/bin/env bash
# The Python binding tests, end to end, in one command (bindings/tests/SCENARIO.md):
#   1. the tool venv (pytest, maturin, mypy) via bindings/scripts/setup-python.sh
#      ($KEEPSAKE_VENV, default /var/cache/keepsake/venv);
#   2. the wheel, built by maturin from bindings/pyproject.toml (release) into target/wheels/:
#      the publishable one (manylinux_2_28 through zig, PyPI name keepsake-e2ee), checked by
#      bindings/scripts/check-wheel.sh (auditwheel show, METADATA);
#   3. a FRESH venv, target/python-venv/ (recreated every run), with that wheel and pytest;
#   4. mypy --strict on bindings/tests/python against that venv (so the type hints checked
#      are the installed wheel's: keepsake/__init__.pyi, py.typed), then pytest from it, so
#      `import keepsake` is the installed wheel (checked), never the source tree.
# Exits non-zero when anything fails (mypy or pytest); ends with the time taken and
# "N passed, N failed".
# KEEPSAKE_SKIP_MYPY=1 skips the type check (a quick local run of a few tests).
# Usage: bindings/tests/python/run.sh [PYTEST ARGS...]      (e.g. -k scenario, -x, -v)
# Idempotent; works from a fresh clone as root (CI). Needs cargo and python3 (with venv).
# PyPI is used only when missing: pytest's wheels are kept in target/python-wheelhouse/.
set -euo pipefail
started=$(date +%s)
cd "$(dirname "$0")/../../.."
root=$PWD
log() { echo "[python-tests] $*" >&2; }
elapsed() { echo $(($(date +%s) - $1)); }

# 1. The tool venv.
tools=$(bindings/scripts/setup-python.sh "${KEEPSAKE_VENV:-/var/cache/keepsake/venv}")

# 2. The wheel (maturin builds the cdylib in release with --locked, runs the crate's own
#    uniffi-bindgen on it, and packs the package keepsake/ from bindings/python/keepsake/
#    (the wrapper, its type hints, py.typed) with the generated subpackage
#    keepsake/_ffi/{__init__.py,keepsake.py,libkeepsake_ffi.so}).
#    It is the publishable wheel: linked by zig (the tool venv's ziglang, found by maturin on
#    PATH) against glibc 2.28, tagged py3-none-manylinux_2_28_ARCH (bindings/pyproject.toml
#    says why not abi3), then checked: auditwheel show and the METADATA.
wheels=$root/target/wheels
mkdir -p "$wheels"
rm -f "$wheels"/keepsake-*.whl "$wheels"/keepsake_e2ee-*.whl
step=$(date +%s)
arch=$(uname -m)
log "building the wheel (maturin, release, --zig manylinux_2_28, $arch)"
PATH="$tools/bin:$PATH" "$tools/bin/maturin" build --manifest-path bindings/Cargo.toml --out "$wheels" \
  --zig --compatibility manylinux_2_28 --target "$arch-unknown-linux-gnu"
wheel=$(ls "$wheels"/keepsake_e2ee-*.whl)
bindings/scripts/strip-wheel.sh "$wheel"   # the std's DWARF out of the library (see the script)
log "built $(basename "$wheel") in $(elapsed "$step")s"
KEEPSAKE_MANYLINUX="manylinux_2_28_$arch" bindings/scripts/check-wheel.sh "$wheel" "$tools"

# 3. A fresh venv with only the wheel and pytest (the tool venv's pytest version). It gets
#    no pip of its own (ensurepip takes ~10 s): the tool venv's pip installs into it.
step=$(date +%s)
venv=$root/target/python-venv
rm -rf "$venv"
python3 -m venv --without-pip "$venv"
pytest_req="pytest==$("$tools/bin/python" -c 'import pytest; print(pytest.__version__)')"
wheelhouse=$root/target/python-wheelhouse
pip=("$tools/bin/python" -m pip --python "$venv/bin/python" -q --disable-pip-version-check)
install=(install --no-compile --no-index --find-links "$wheelhouse" "$wheel" "$pytest_req")
if ! "${pip[@]}" "${install[@]}" 2>/dev/null; then
  log "fetching $pytest_req into $wheelhouse"
  "${pip[@]}" download -d "$wheelhouse" "$pytest_req"
  "${pip[@]}" "${install[@]}"
fi
module=$(cd / && "$venv/bin/python" -c 'import keepsake; print(keepsake.__file__)')
case $module in
  "$venv"/*) log "fresh venv ready in $(elapsed "$step")s; keepsake from $module" ;;
  *) log "keepsake imported from $module, not from $venv"; exit 1 ;;
esac

# 4. The type check, then the tests, from the fresh venv (its pytest script: the working
#    directory is not put on sys.path). Nothing is written into the source tree (no
#    __pycache__, no .pytest_cache, mypy's cache in the venv).
step=$(date +%s)
status=0
typed="mypy skipped"
if [ -z "${KEEPSAKE_SKIP_MYPY:-}" ]; then
  if (cd bindings/tests/python && "$tools/bin/mypy" --strict --python-executable "$venv/bin/python" \
       --cache-dir "$venv/mypy-cache" --no-error-summary .); then
    typed="mypy --strict clean"
  else
    typed="mypy --strict FAILED"
    status=1
  fi
  log "$typed ($(elapsed "$step")s)"
fi
step=$(date +%s)
junit=$venv/junit.xml
PYTHONDONTWRITEBYTECODE=1 KEEPSAKE_REQUIRE_INSTALLED=$venv KEEPSAKE_WHEEL=$wheel \
  "$venv/bin/pytest" bindings/tests/python --junitxml="$junit" "$@" || { [ "$status" -ne 0 ] || status=$?; }

counts=$("$venv/bin/python" - "$junit" <<'EOF' || echo "0 passed, 1 failed"
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
total = sum(int(s.get("tests", 0)) for s in suites)
failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
line = f"{total - failed - skipped} passed, {failed} failed"
print(line + (f", {skipped} skipped" if skipped else ""))
EOF
)
if [ "$status" -eq 0 ] && [[ $counts == "0 passed"* ]]; then
  log "no test ran"
  status=1
fi
log "tests took $(elapsed "$step")s; whole run $(elapsed "$started")s (exit $status)"
echo "$counts; $typed"
exit "$status"
