"""pytest configuration of the Python binding tests (see bindings/tests/SCENARIO.md).

The tests import `keepsake` as installed (run.sh installs the wheel into a fresh venv);
nothing here adds the source tree to sys.path. Shared helpers live in helpers.py.
"""

import os
from pathlib import Path

import pytest

import keepsake

from helpers import VECTORS


def pytest_configure(config: pytest.Config) -> None:
    # run.sh sets KEEPSAKE_REQUIRE_INSTALLED to the fresh venv it installed the wheel into:
    # refuse to test any other copy of the module (a source tree, a stale install).
    venv = os.environ.get("KEEPSAKE_REQUIRE_INSTALLED")
    if venv:
        module = Path(keepsake.__file__).resolve()
        if not module.is_relative_to(Path(venv).resolve()):
            raise pytest.UsageError(f"keepsake imported from {module}, not from {venv}")


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [
        f"keepsake module: {keepsake.__file__}",
        f"vectors: {VECTORS}",
    ]
