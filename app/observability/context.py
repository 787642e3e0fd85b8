"""The request id of the request being served, for every log line written while serving it."""

from __future__ import annotations

import re
from contextvars import ContextVar
from random import getrandbits

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept when it looks like an id: letters, digits and a few separators, at most
# 128 characters. Anything else (spaces, '@', control characters, huge values) is replaced, so a
# caller cannot put free text, such as an e-mail address, into every log line.
_SANE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return request_id_var.get()


def accept_or_new(incoming: str | None) -> str:
    """The caller's id when it is sane, else a new one (32 hex digits).

    An id must be unique, not secret: 128 bits from `random` (seeded from the OS, and reseeded
    in a forked worker) cost no system call, where uuid4 reads os.urandom every time.
    """
    if incoming and _SANE_ID.fullmatch(incoming):
        return incoming
    return f"{getrandbits(128):032x}"
