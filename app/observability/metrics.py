"""Prometheus metrics: requests, latencies, forecast and optimizer durations, imported rows.

Labels are bounded sets (method, route template, status, model, objective, file format), never
ids, organizations or users. With several worker processes, set PROMETHEUS_MULTIPROC_DIR to an
empty directory shared by the workers before they start: prometheus_client then keeps the values
in files there and a scrape of any worker reports the sum over all of them.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUESTS = Counter(
    "tokencast_http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ("method", "route", "status"),
)
REQUEST_SECONDS = Histogram(
    "tokencast_http_request_duration_seconds",
    "Time from a request's arrival to the end of its reply, in seconds.",
    ("method", "route", "status"),
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
FORECAST_SECONDS = Histogram(
    "tokencast_forecast_duration_seconds",
    "Time to fit, backtest and simulate one forecast, in seconds, by the model asked for.",
    ("model",),
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300),
)
OPTIMIZER_SECONDS = Histogram(
    "tokencast_optimizer_duration_seconds",
    "Time to price every purchase option over the paths and choose one, in seconds.",
    ("objective",),
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
IMPORT_ROWS = Counter(
    "tokencast_import_rows_total",
    "Usage rows read by imports that were stored, by format (json for JSON records).",
    ("format",),
)


def render() -> bytes:
    """The exposition text: this process's registry, or every worker's in multiprocess mode."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)
