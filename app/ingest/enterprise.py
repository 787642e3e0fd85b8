"""Autodesk Enterprise Token Flex usage export: one row per contract year x pool x category x day x
product, e.g. `1,"CY","DESKTOP_PRODUCT",2011-01-01 00:00:00,"ACD","AutoCAD",45.0,`.

Products are keyed by `productLineCode`: the code is what the contract and rate cards are keyed
on, and names are not unique (the sample export has two codes both named "N/A"). The first name
seen for each code is kept in `ParsedUsage.product_labels` for display. Rows of the same product
and day in different token pools or usage categories are summed into one record.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.ingest.spec import FormatSpec, Parsed, ReaderContext, RowReader
from app.ingest.values import parse_day, parse_tokens, required_text


def _make_reader(ctx: ReaderContext) -> RowReader:
    cols = ctx.columns
    i_day, f_day = cols.index("usageDate"), cols.written("usageDate")
    i_code, f_code = cols.index("productLineCode"), cols.written("productLineCode")
    i_tokens, f_tokens = cols.index("tokensConsumed"), cols.written("tokensConsumed")
    i_name = cols.find("productName")
    labels = ctx.product_labels

    def read(row: Sequence[object], line: int) -> Parsed:
        day = parse_day(row[i_day], line=line, field=f_day)
        code = required_text(row[i_code], line=line, field=f_code)
        tokens = parse_tokens(row[i_tokens], line=line, field=f_tokens)
        if code not in labels and i_name is not None:
            name = row[i_name]
            if name is not None and str(name).strip():
                labels[code] = str(name).strip()
        return line, day, "", code, tokens

    return read


SPEC = FormatSpec(
    name="autodesk-enterprise-tokenflex",
    title="Autodesk Enterprise Token Flex usage export",
    required=("usageDate", "productLineCode", "tokensConsumed"),
    optional=("contractYear", "tokenPool", "usageCategory", "productName"),
    make_reader=_make_reader,
    merge_reason="the same product and day appear in more than one token pool or usage category",
)
