#!/usr/bin/env bash
# Creates (if missing) a Python virtualenv with pytest and maturin for the UniFFI Python
# binding tests, and prints its path.
# Usage: bindings/scripts/setup-python.sh [VENV]     (default /var/cache/keepsake/venv)
#        then: VENV/bin/pytest ..., VENV/bin/maturin ...
# Idempotent: when the venv already has both tools it only prints their versions.
set -euo pipefail
VENV=${1:-/var/cache/keepsake/venv}
PYTHON=${PYTHON:-python3}
log() { echo "[setup-python] $*" >&2; }

if "$VENV/bin/python" -c 'import pytest' 2>/dev/null && [ -x "$VENV/bin/maturin" ]; then
  log "venv ready at $VENV"
else
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating venv $VENV with $("$PYTHON" --version)"
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV"
  fi
  log "pip install pytest maturin"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check pytest maturin
fi
log "$("$VENV/bin/pytest" --version 2>&1), $("$VENV/bin/maturin" --version)"
echo "$VENV"
