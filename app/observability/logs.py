"""Structured logs: one JSON object per line, each with the request id it was written under.

What goes into a line is chosen here, field by field, not dumped from the request: the access
line carries the method, the route's path template (never the raw path or the query string, which
may hold user names or e-mails) and the status, so no personal data or API key reaches the logs.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import IO, Any, Literal

from app.observability.context import current_request_id

# Fields a log call may add with `extra=`; anything else a record carries is left out.
EXTRA_FIELDS = ("method", "path", "status", "duration_ms")
_HANDLER_MARK = "_tokencast_handler"
# uvicorn's access line holds the raw path with its query string: ours replaces it.
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error")
_SERVER_ACCESS_LOGGER = "uvicorn.access"


class RequestIdFilter(logging.Filter):
    """Stamp every record with the request id of the request being served (or None)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """time (UTC, ISO 8601, ms), level, logger, message, request_id, then the known extras.

    Written for a line per request: one encoder made once, the date part of the time made once
    per second.
    """

    def __init__(self) -> None:
        super().__init__()
        self._encoder = json.JSONEncoder(ensure_ascii=False, default=str)
        self._second: tuple[int, str] = (-1, "")

    def _time(self, created: float) -> str:
        second = int(created)
        cached = self._second
        if cached[0] != second:
            cached = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
            self._second = cached
        return f"{cached[1]}.{int((created - second) * 1000):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self._time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return self._encoder.encode(line)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s")


def configure_logging(
    level: str,
    fmt: Literal["json", "text"] = "json",
    stream: IO[str] | None = None,
    *,
    force: bool = False,
) -> logging.Handler | None:
    """Send every log record to one handler on the root logger; calling it again replaces it.

    As logging.basicConfig, it leaves a root logger that already has other handlers alone (an
    embedding program or a test runner configured logging), unless `force`.
    """
    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    root = logging.getLogger()
    if not force and any(not getattr(h, _HANDLER_MARK, False) for h in root.handlers):
        return None
    # No line shows the source file, thread or process, so records need not look them up (the
    # logging HOWTO's "Optimization" settings): a third off the cost of the access line.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    for name in _SERVER_LOGGERS:
        server = logging.getLogger(name)
        server.handlers.clear()
        server.propagate = True
    access = logging.getLogger(_SERVER_ACCESS_LOGGER)
    access.handlers.clear()
    access.propagate = False
    return handler
