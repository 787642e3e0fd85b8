"""If-None-Match as RFC 9110 has it: weak comparison, lists and the wildcard."""

from __future__ import annotations

import pytest

from app.api.etags import not_modified


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ("*", True),
        ('"abcd"', False),
        ("", False),
    ],
)
def test_not_modified(header: str | None, expected: bool) -> None:
    assert not_modified(header, '"abc"') is expected
