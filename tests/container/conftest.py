"""The container test runs only when asked for: it needs root, PostgreSQL and several minutes.

TOKENCAST_TEST_CONTAINER=1 turns it on (`.ci/run` does); TOKENCAST_TEST_POSTGRES_URL names the
PostgreSQL server the container uses, through the host's network.
"""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = None
    if os.environ.get("TOKENCAST_TEST_CONTAINER") != "1":
        reason = "container test: set TOKENCAST_TEST_CONTAINER=1 to build and run the image"
    elif not os.environ.get("TOKENCAST_TEST_POSTGRES_URL"):
        reason = "container test: needs TOKENCAST_TEST_POSTGRES_URL"
    elif os.geteuid() != 0:
        reason = "container test: runs its own Docker engine, which needs root"
    if reason is None:
        return
    for item in items:
        if "container" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))
