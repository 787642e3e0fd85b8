"""The demo's recommendation Report: the bundled Token Flex export, the demo price book, a forecast
of the pack's year, priced, in a throwaway SQLite database; nothing is stored but there."""

from __future__ import annotations

import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

from app.db.migrate import upgrade_to_head
from app.db.session import build_engine, session_factory, session_scope
from app.demo import DEMO_PRICE_BOOK, SAMPLE
from app.documents.report import Report
from app.services.decision_run import DecisionAsk, DocumentFacts, PackTerms, price_and_report
from app.services.forecasts import create_forecast
from app.services.imports import import_file
from app.services.keys import create_organization, now
from app.services.pricing import price_book_from_body, put_price_book
from app.services.recommendations import ForecastLimits, forecast_horizon
from app.services.usage import history_series, usage_profile
from app.services.usage_facts import stored_usage_facts


def demo_report(n_paths: int, seed: int) -> Report:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade_to_head(url)
        engine = build_engine(url)
        try:
            with session_scope(session_factory(engine)) as session:
                org = create_organization(session, name="Demo organization (Token Flex sample)")
                import_file(session, organization_id=org.id, filename=SAMPLE.name,
                            content=SAMPLE.read_bytes(), user_key_secret=None)  # fmt: skip
                put_price_book(session, organization_id=org.id, body=DEMO_PRICE_BOOK)
                book = price_book_from_body(DEMO_PRICE_BOOK)
                history = history_series(session, org.id, as_of=None)
                purchase = history.end + timedelta(days=1)
                horizon = forecast_horizon(history, purchase, book, ForecastLimits(n_paths, 730))
                run = create_forecast(session, organization_id=org.id, horizon_days=horizon,
                                      as_of=None, model="auto", n_paths=n_paths, seed=seed,
                                      history=history)  # fmt: skip
                facts = DocumentFacts(org.name, "bench", usage_profile(session, org.id, history),
                                      stored_usage_facts(session, org.id, history))  # fmt: skip
                no_packs: list[PackTerms] = []
                return price_and_report(
                    run=run, price_book=book, purchase=purchase, pack_terms=no_packs,
                    ask=DecisionAsk(purchase), facts=facts, recommendation_id=uuid.uuid4(),
                    created_at=now(),
                ).report  # fmt: skip
        finally:
            engine.dispose()
