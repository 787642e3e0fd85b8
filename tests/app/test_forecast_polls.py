"""The polling cache: entries expire, and polls that miss together share one load."""

from __future__ import annotations

import asyncio
import threading
import time

from app.services.forecast_polls import _Expiring, _Flights


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_its_ttl_and_no_longer() -> None:
    clock = _Clock()
    cache: _Expiring[str, int] = _Expiring(1.0, clock)
    cache.put("a", 1)
    clock.now = 100.99
    assert cache.get("a") == 1
    clock.now = 101.0
    assert cache.get("a") is None


def test_a_ttl_of_zero_keeps_nothing() -> None:
    cache: _Expiring[str, int] = _Expiring(0.0, _Clock())
    cache.put("a", 1)
    assert cache.get("a") is None


def test_a_dropped_entry_is_gone() -> None:
    cache: _Expiring[str, int] = _Expiring(5.0, _Clock())
    cache.put("a", 1)
    cache.drop("a")
    assert cache.get("a") is None


def test_polls_that_miss_together_share_one_load() -> None:
    calls = 0
    gate = threading.Event()

    def load() -> int:
        nonlocal calls
        calls += 1
        gate.wait(5)
        return 42

    async def main() -> list[int]:
        flights = _Flights()
        waiting = [asyncio.create_task(flights.once("k", load)) for _ in range(8)]
        await asyncio.sleep(0.05)
        gate.set()
        results = await asyncio.gather(*waiting)
        # Once it is done, the next miss loads again.
        results.append(await flights.once("k", load))
        return results

    assert asyncio.run(main()) == [42] * 9
    assert calls == 2


def test_a_failed_load_reaches_every_waiter_and_is_not_kept() -> None:
    def load() -> int:
        time.sleep(0.02)
        raise LookupError("no forecast")

    async def main() -> list[BaseException | int]:
        flights = _Flights()
        tasks = [asyncio.create_task(flights.once("k", load)) for _ in range(3)]
        return await asyncio.gather(*tasks, return_exceptions=True)

    outcomes = asyncio.run(main())
    assert [type(o) for o in outcomes] == [LookupError] * 3
