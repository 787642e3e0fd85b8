"""What dashboards poll, held in memory for a moment: the calling key and the latest forecast.

A poll of `GET /v1/forecasts/latest` otherwise looks the key up and reads the newest forecast,
several database round trips and a few milliseconds of CPU each time, to answer what it answered
a moment ago. Entries live `ttl` seconds (TOKENCAST_POLL_CACHE_SECONDS): a forecast made through
this process shows at once; one made through another worker process, or a key revoked, shows on
this route within `ttl` seconds. A `ttl` of 0 turns the cache off.

When an entry expires, the polls in flight all miss at once: one of them loads it (in a thread)
and the others wait for that load, instead of each opening a database connection of its own.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import anyio.to_thread
from sqlalchemy.orm import Session, sessionmaker

from app.db.session import session_scope
from app.services import forecast_reads as reads
from app.services.keys import Principal, authenticate, hash_key

K = TypeVar("K")
V = TypeVar("V")
MAX_ENTRIES = 4096


class _Expiring(Generic[K, V]):
    """A small map whose entries expire; the oldest go first when it is full."""

    def __init__(self, ttl: float, clock: Callable[[], float]) -> None:
        self._ttl, self._clock = ttl, clock
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is None or found[0] <= self._clock():
                return None
            return found[1]

    def put(self, key: K, value: V) -> None:
        if self._ttl <= 0:
            return
        with self._lock:
            self._items[key] = (self._clock() + self._ttl, value)
            self._items.move_to_end(key)
            while len(self._items) > MAX_ENTRIES:
                self._items.popitem(last=False)

    def drop(self, key: K) -> None:
        with self._lock:
            self._items.pop(key, None)


class _Flights:
    """One load per key at a time, on the event loop: callers that miss together share it."""

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Future[Any]] = {}

    async def once(self, key: Hashable, load: Callable[[], V]) -> V:
        flight = self._running.get(key)
        if flight is None:
            flight = asyncio.ensure_future(anyio.to_thread.run_sync(load))
            self._running[key] = flight
            flight.add_done_callback(lambda _: self._running.pop(key, None))
        # Shielded: a caller that goes away does not cancel the load the others wait for.
        result: V = await asyncio.shield(flight)
        return result


class ForecastPolls:
    """The key lookups and latest forecasts of recent polls, per process."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._keys: _Expiring[str, Principal] = _Expiring(ttl, clock)
        self._latest: _Expiring[uuid.UUID, reads.StoredForecast] = _Expiring(ttl, clock)
        self._flights = _Flights()

    async def principal_for(self, factory: sessionmaker[Session], raw_key: str) -> Principal:
        """The key's principal: from memory, or looked up once for all who wait (401 if none)."""
        found = self._keys.get(hash_key(raw_key))
        if found is not None:
            return found
        return await self._flights.once(
            ("key", hash_key(raw_key)), lambda: self.load_principal(factory, raw_key)
        )

    async def latest_for(
        self, factory: sessionmaker[Session], organization_id: uuid.UUID
    ) -> reads.StoredForecast:
        """The newest forecast: from memory, or read once for all who wait (404 if none)."""
        found = self._latest.get(organization_id)
        if found is not None:
            return found
        return await self._flights.once(
            ("latest", organization_id), lambda: self.load_latest(factory, organization_id)
        )

    def load_principal(self, factory: sessionmaker[Session], raw_key: str) -> Principal:
        """Look the key up (raises 401 when unknown or revoked) and remember it."""
        with session_scope(factory, writes=False) as session:
            principal = authenticate(session, raw_key)
        self._keys.put(hash_key(raw_key), principal)
        return principal

    def load_latest(
        self, factory: sessionmaker[Session], organization_id: uuid.UUID
    ) -> reads.StoredForecast:
        """Read the newest forecast (raises 404 when there is none) and remember it."""
        with session_scope(factory, writes=False) as session:
            stored = reads.latest_json(session, organization_id)
        self._latest.put(organization_id, stored)
        return stored

    def forget_latest(self, organization_id: uuid.UUID) -> None:
        self._latest.drop(organization_id)
