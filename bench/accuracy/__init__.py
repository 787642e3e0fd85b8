"""Accuracy benchmark: rolling-origin forecasts of real series, scored on 90- and 365-day totals.

Run with `python -m bench.accuracy.run`; results go to docs/accuracy.md.
"""
