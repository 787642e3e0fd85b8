"""Benchmarks that anyone can rerun; not part of the service."""
