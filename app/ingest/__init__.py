"""Usage-file parsing: a file in, its rows (streamed) or merged records out. Pure: no database,
no HTTP."""

from app.ingest.formats import open_usage_file, parse_usage_file
from app.ingest.records import ParsedUsage, UsageImportError, UsageRecord
from app.ingest.stream import UsageStream

__all__ = [
    "ParsedUsage",
    "UsageImportError",
    "UsageRecord",
    "UsageStream",
    "open_usage_file",
    "parse_usage_file",
]
