#!/usr/bin/env bash
# Creates (if missing) a Python virtualenv with pytest and maturin for the UniFFI Python
# binding tests, plus ziglang (maturin --zig links the manylinux_2_28 wheel with it),
# auditwheel (bindings/scripts/check-wheel.sh) and mypy (run.sh type-checks the tests, with
# --strict, against the installed wheel), and prints its path.
# Usage: bindings/scripts/setup-python.sh [VENV]     (default /var/cache/keepsake/venv)
#        then: VENV/bin/pytest ..., VENV/bin/maturin ...
# Idempotent: when the venv already has every tool it only prints their versions.
set -euo pipefail
VENV=${1:-/var/cache/keepsake/venv}
PYTHON=${PYTHON:-python3}
log() { echo "[setup-python] $*" >&2; }

tools=(pytest maturin ziglang auditwheel mypy)
if "$VENV/bin/python" -c 'import pytest, ziglang' 2>/dev/null && [ -x "$VENV/bin/maturin" ] \
   && [ -x "$VENV/bin/auditwheel" ] && [ -x "$VENV/bin/mypy" ]; then
  log "venv ready at $VENV"
else
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating venv $VENV with $("$PYTHON" --version)"
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV"
  fi
  log "pip install ${tools[*]}"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${tools[@]}"
fi
log "$("$VENV/bin/pytest" --version 2>&1), $("$VENV/bin/maturin" --version)," \
  "zig $("$VENV/bin/python" -m ziglang version), auditwheel $("$VENV/bin/auditwheel" --version | head -1 | cut -d' ' -f2)," \
  "$("$VENV/bin/mypy" --version | cut -d' ' -f1-2)"
echo "$VENV"
