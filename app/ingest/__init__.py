"""Usage-file parsing: bytes in, merged usage records out. Pure: no database, no HTTP."""

from app.ingest.formats import parse_usage_file
from app.ingest.records import ParsedUsage, UsageImportError, UsageRecord

__all__ = ["ParsedUsage", "UsageImportError", "UsageRecord", "parse_usage_file"]
