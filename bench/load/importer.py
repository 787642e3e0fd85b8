"""An import of 100,000 user-level rows, again and again, while the scenarios run.

It imports into an organization of its own (another tenant), each time new rows (the users of
round k are new), so every round is a full import: parse, check, write, commit.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx

DAYS = 500
PRODUCTS = ("Revit", "AutoCAD")


def records_csv(rows: int, round_: int) -> bytes:
    """`rows` user-level rows: (rows / DAYS / 2) users x 2 products x DAYS days."""
    users = rows // (DAYS * len(PRODUCTS))
    first = date(2024, 1, 1)
    days = [(first + timedelta(days=d)).isoformat() for d in range(DAYS)]
    lines = ["date,user,product,tokens"]
    for u in range(users):
        user = f"user{u}.r{round_}@example.com"
        for d, day in enumerate(days):
            for p, product in enumerate(PRODUCTS):
                lines.append(f"{day},{user},{product},{1 + (u + d + p) % 9}")
    return ("\n".join(lines) + "\n").encode()


@dataclass
class Imports:
    """Imports running in a background thread; each round's (start, end, status)."""

    base: str
    key: str
    rows: int
    rounds: list[tuple[float, float, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    started: float = 0.0

    def start(self, files: int = 24) -> None:
        # Made before the scenarios start, so the bench process stays out of the server's way.
        self._files = [records_csv(self.rows, r) for r in range(files)]
        self.started = time.monotonic()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        auth = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(base_url=self.base, headers=auth, timeout=900) as http:
            round_ = 0
            while not self._stop.is_set():
                content = self._files[round_ % len(self._files)]
                begin = time.monotonic()
                reply = http.post("/v1/usage/imports", files={"file": ("u.csv", content)})
                self.rounds.append((begin, time.monotonic(), reply.status_code))
                round_ += 1

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def during(self, start: float, end: float) -> list[tuple[float, float, int]]:
        return [r for r in self.rounds if r[0] < end and r[1] > start]

    def busy_share(self, start: float, end: float) -> float:
        """Share of [start, end] with an import in flight."""
        busy = sum(min(e, end) - max(s, start) for s, e, _ in self.during(start, end))
        return busy / (end - start)
