"""Tests that need system programs: skipped with the reason when one is missing, failed instead
when the environment says the program must be there (.ci/run installs them and says so)."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
INSTALL = "scripts/system-deps.sh (or apt-get install poppler-utils chromium)"


def _missing(what: str, required_by: str) -> None:
    message = f"{what} is not installed; install it with {INSTALL}"
    if os.environ.get(required_by) == "1":
        pytest.fail(f"{message} ({required_by}=1 requires it)")
    pytest.skip(message)


def require_program(name: str, required_by: str = "TOKENCAST_REQUIRE_PDF") -> str:
    path = shutil.which(name)
    if path is None:
        _missing(f"the program {name}", required_by)
    assert path is not None
    return path


def require_chromium() -> str:
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if path is None:
        _missing("Chromium (/usr/bin/chromium)", "TOKENCAST_REQUIRE_BROWSER")
    assert path is not None
    return path
