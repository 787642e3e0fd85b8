"""Plain CSV: daily totals `date,tokens`, or records `date,user,product,tokens`.

`user` goes through the caller's `user_key` like an e-mail would: a plain file may well hold
e-mail addresses, and the same person must get the same key whichever format brought them in.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.ingest.spec import Columns, FormatSpec, Parsed, ReaderContext, RowReader
from app.ingest.values import optional_text, parse_day, parse_tokens
from app.limits import MAX_USER


def _make_reader(ctx: ReaderContext) -> RowReader:
    cols, user_key = ctx.columns, ctx.user_key
    i_day, f_day = cols.index("date"), cols.written("date")
    i_tokens, f_tokens = cols.index("tokens"), cols.written("tokens")
    i_user, i_product = cols.find("user"), cols.find("product")
    f_user = cols.written("user") if i_user is not None else "user"
    f_product = cols.written("product") if i_product is not None else "product"

    def read(row: Sequence[object], line: int) -> Parsed:
        day = parse_day(row[i_day], line=line, field=f_day)
        tokens = parse_tokens(row[i_tokens], line=line, field=f_tokens)
        user = (
            ""
            if i_user is None
            else optional_text(row[i_user], line=line, field=f_user, max_length=MAX_USER)
        )
        if user:
            user = user_key(user)
        product = (
            "" if i_product is None else optional_text(row[i_product], line=line, field=f_product)
        )
        return line, day, user, product, tokens

    return read


def _name_for(columns: Columns) -> str:
    return "plain-records" if columns.has("user") or columns.has("product") else "plain-daily"


SPEC = FormatSpec(
    name="plain",
    title="plain CSV",
    required=("date", "tokens"),
    optional=("user", "product"),
    make_reader=_make_reader,
    merge_reason="the same date (and user and product) appears on more than one row",
    name_for=_name_for,
)
