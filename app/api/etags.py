"""Conditional GET: does an If-None-Match header match this ETag (RFC 9110 weak comparison)?"""

from __future__ import annotations


def not_modified(if_none_match: str | None, etag: str) -> bool:
    if if_none_match is None:
        return False
    wanted = etag.removeprefix("W/")
    for tag in (t.strip() for t in if_none_match.split(",")):
        if tag == "*" or tag.removeprefix("W/") == wanted:
            return True
    return False
