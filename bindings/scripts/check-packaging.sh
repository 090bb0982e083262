#!/usr/bin/env bash
# The packaging checks that run without an Android NDK or Xcode (scripts/test.sh's
# "packaging" step; the Python wheel is built and checked by bindings/tests/python/run.sh):
#   1. Android: build-aar.sh --host-check (the AAR assembly, POM, consumer rules, 16 KB
#      alignment, Kotlin 1.9 metadata, on a host x86_64 library);
#   2. iOS: check-package-swift.sh (the Package.swift generator, both forms).
# Usage: bindings/scripts/check-packaging.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)
bash bindings/scripts/build-aar.sh --host-check
bash bindings/scripts/check-package-swift.sh
echo "[check-packaging] ok in $(($(date +%s) - started))s" >&2
