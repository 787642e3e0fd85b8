"""The pure quantitative core of tokencast.

Forecasting models, the purchase optimizer and their boundary types. Nothing here does I/O or
imports the service stack (web framework, database, settings): a test enforces it.
"""
