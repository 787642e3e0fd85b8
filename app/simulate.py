"""`tokencast simulate`: a synthetic organization's Autodesk Account export, for demos and tests.

The rows come from `models.insights.synthetic` (seeded); the file uses the 2026 column names of
the Autodesk Account token usage export, so it imports like a real one. With `--org`, it is
imported into that organization through the same importer, and the synthetic named-user price
list is set when the organization has none.
"""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path

from app.db.session import build_engine, session_factory, session_scope
from app.errors import NotFoundError
from app.ingest import parse_usage_file
from app.schemas.named_user_prices import NamedUserPriceIn, NamedUserPricesWrite
from app.services.imports import import_parsed
from app.services.named_user_prices import list_named_user_prices, put_named_user_prices
from app.services.organizations import get_organization
from app.services.usage import user_key_function
from app.settings import Settings
from models.insights.segments import USER_SEGMENTS
from models.insights.synthetic import SyntheticMix, SyntheticOrganization

HEADER = (
    "Team",
    "Email",
    "First name",
    "Last name",
    "Product",
    "Feature",
    "Day used",
    "Tokens used",
)


def account_export_csv(org: SyntheticOrganization) -> bytes:
    """The rows as an Autodesk Account token usage export (2026 columns), UTF-8."""
    names = {u.key: (u.first_name, u.last_name) for u in org.users}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    for day, key, product, tokens in org.rows:
        first, last = names[key]
        writer.writerow(("Synthetic", key, first, last, product, "", day.isoformat(), tokens))
    return buf.getvalue().encode()


def parse_mix(text: str) -> SyntheticMix:
    """ "power,regular,occasional,inactive,dormant" counts, e.g. "5,6,6,3,1"."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 5 or not all(p.isdigit() for p in parts):
        raise ValueError(
            "--users: give five counts, power,regular,occasional,inactive,dormant (e.g. 5,6,6,3,1)"
        )
    p, r, o, i, d = (int(x) for x in parts)
    return SyntheticMix(power=p, regular=r, occasional=o, inactive=i, dormant=d)


def describe(org: SyntheticOrganization) -> list[str]:
    """What the synthetic organization holds, in plain lines (its truth)."""
    counts = {s: sum(1 for u in org.users if u.segment == s) for s in USER_SEGMENTS}
    pairs = sum(len(u.candidate_products) for u in org.users)
    movers = sum(1 for u in org.users if u.candidate_products)
    dormant = sum(1 for u in org.users if u.dormant)
    return [
        f"{len(org.rows)} rows, {len(org.users)} users, {org.first_day} to {org.last_day} "
        f"(seed {org.seed})",
        "segments: " + ", ".join(f"{n} {s}" for s, n in counts.items()),
        f"migration candidates: {pairs} user x product pairs ({movers} users) at named-user "
        "prices " + ", ".join(f"{p} {v}" for p, v in org.named_user_prices.items()) + " USD",
        f"dormant users still burning: {dormant}; users of products at different rates: "
        f"{sum(1 for u in org.users if u.mixes_rates)}; short launches: "
        f"{sum(u.short_launches for u in org.users)}",
    ]


def import_into(settings: Settings, org: SyntheticOrganization, organization_id: str) -> list[str]:
    """Import the export into an existing organization; set the price list if it has none."""
    content = account_export_csv(org)
    parsed = parse_usage_file(
        "synthetic.csv", content, user_key=user_key_function(settings.user_key_secret)
    )
    factory = session_factory(build_engine(settings.database_url))
    try:
        org_id = uuid.UUID(organization_id)
    except ValueError:
        raise NotFoundError(f"--org: '{organization_id}' is not an organization id") from None
    lines = []
    with session_scope(factory) as session:
        get_organization(session, org_id)
        done = import_parsed(session, organization_id=org_id, parsed=parsed)
        lines.append(
            f"imported into {org_id}: {done.rows_added} rows added, {done.rows_replaced} "
            f"replaced, {done.rows_unchanged} unchanged ({done.format})"
        )
        if not list_named_user_prices(session, org_id):
            prices = [
                NamedUserPriceIn(product=p, currency="USD", annual_price=v)
                for p, v in org.named_user_prices.items()
            ]
            put_named_user_prices(
                session, organization_id=org_id, body=NamedUserPricesWrite(prices=prices)
            )
            lines.append(f"set the named-user price list ({len(prices)} products, USD)")
    return lines


def write_file(org: SyntheticOrganization, out: str) -> str:
    path = Path(out)
    path.write_bytes(account_export_csv(org))
    return f"wrote {path} (Autodesk Account export, 2026 columns)"
