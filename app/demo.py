"""`tokencast demo`: the main job on the bundled real Token Flex export, end to end."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.db.migrate import PROJECT_ROOT, upgrade_to_head
from app.db.session import build_engine, session_factory, session_scope
from app.db.tables import Document
from app.schemas.pricing import PriceBookWrite, TierIn
from app.services.documents import get_document, pdf_rendering
from app.services.imports import import_file
from app.services.keys import create_key, create_organization
from app.services.pricing import put_price_book
from app.services.recommendations import DecisionAsk, ForecastLimits, create_recommendation
from app.settings import Settings

SAMPLE = (
    PROJECT_ROOT
    / "data"
    / "real"
    / "autodesk-tokenflex"
    / "RomeoAgree0_myYear1DesktopCloudUsage.csv"
)

# List price and minimum as published; the discount tier is illustrative (tiers are negotiated).
# Emergency top-ups are bought at the list price, DESIGN's default. A run-out blocks work until
# the emergency purchase lands: the lead time and the cost of a blocked day (a small team kept
# from its work) are illustrative, and without them running out would cost nothing.
DEMO_PRICE_BOOK = PriceBookWrite(
    currency="USD",
    minimum_purchase=100,
    pack_increment=100,
    validity_days=365,
    tier_kind="all_units",
    tiers=[
        TierIn(min_tokens=100, unit_price=Decimal("3.00")),
        TierIn(min_tokens=5000, unit_price=Decimal("2.85")),
    ],
    top_up_price=Decimal("3.00"),
    top_up_lead_days=3,
    blocked_day_cost=Decimal("2000.00"),
)


def run_demo(settings: Settings, *, out_dir: str, seed: int) -> int:
    started = time.perf_counter()
    upgrade_to_head(settings.database_url)
    factory = session_factory(build_engine(settings.database_url))
    with session_scope(factory) as session:
        org = create_organization(session, name="Demo organization (Token Flex sample)")
        _, raw_key = create_key(session, organization_id=org.id, name="demo")
        imported = import_file(
            session,
            organization_id=org.id,
            filename=SAMPLE.name,
            content=SAMPLE.read_bytes(),
            user_key_secret=settings.user_key_secret,
        )
        put_price_book(session, organization_id=org.id, body=DEMO_PRICE_BOOK)
        rec = create_recommendation(
            session,
            organization_id=org.id,
            key_name="demo",
            ask=DecisionAsk(purchase_date=None),
            forecast_id=None,
            seed=seed,
            limits=ForecastLimits(settings.forecast_paths, settings.max_horizon_days),
        )
        doc = get_document(session, org.id, rec.document_id)
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        stem = f"recommendation-{rec.purchase_date.isoformat()}-{str(rec.id)[:8]}"
        html_path, json_path = out / f"{stem}.html", out / f"{stem}.json"
        html_path.write_bytes(doc.html_body)
        json_path.write_bytes(doc.json_body)
        pdf_note = _write_pdf(session, doc, out / f"{stem}.pdf")
        body, org_id = rec.body, org.id
    print(
        f"Imported {imported.rows_read} rows ({imported.format}), "
        f"{imported.first_day} to {imported.last_day}."
    )
    _print_headline(body)
    print(f"\nDocument: {html_path.resolve()}  (JSON: {json_path.resolve()})")
    print(pdf_note)
    print(f"Organization {org_id}; API key for it (shown once): {raw_key}")
    print(f"Took {time.perf_counter() - started:.1f} s.")
    return 0


def _write_pdf(session: Session, doc: Document, path: Path) -> str:
    path.write_bytes(pdf_rendering(session, doc, "a4").body)
    return f"PDF for filing: {path.resolve()}"


def _print_headline(body: dict[str, Any]) -> None:
    cur = body["currency"]
    cons = body["expected_consumption"]
    print(
        f"\nRecommendation for a purchase on {body['purchase_date']} "
        f"(the pack expires on {body['pack_expires_on']}):"
    )
    print(
        f"  buy {body['quantity']:,} tokens at {body['unit_price']} {cur} "
        f"= {_money(body['total_price'])} {cur} (tier from {body['tier']['min_tokens']:,} tokens)"
    )
    print(f"  expected cost incl. top-ups: {_money(body['expected_cost'])} {cur}")
    print(
        f"  tokens used from the pack: p10 {cons['p10']:,.0f}, p50 {cons['p50']:,.0f}, "
        f"p90 {cons['p90']:,.0f}"
    )
    print(
        f"  expected waste: {body['expected_waste_tokens']:,.0f} tokens "
        f"({_money(body['expected_waste_value'])} {cur}); "
        f"P(run-out) {body['shortfall_probability']:.1%}"
    )
    print("\n  alternatives:")
    for alt in body["alternatives"]:
        print(
            f"    {alt['label']:<34} {alt['quantity']:>9,} tokens  expected cost "
            f"{_money(alt['expected_cost']):>14} {cur}  "
            f"waste {alt['expected_waste_tokens']:>9,.0f}  "
            f"P(run-out) {alt['shortfall_probability']:.1%}"
        )


def _money(text: str) -> str:
    return f"{Decimal(text):,.2f}"
