"""Concurrent writers on the embedded SQLite database wait for each other instead of failing."""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi.testclient import TestClient

from app.db.migrate import upgrade_to_head
from app.db.session import build_engine, session_factory, session_scope
from app.main import create_app
from app.services.keys import create_key, create_organization
from app.settings import Settings


def test_concurrent_imports_all_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'writers.db'}"
    upgrade_to_head(url)
    engine = build_engine(url)
    keys = []
    with session_scope(session_factory(engine)) as s:
        for i in range(3):
            org = create_organization(s, name=f"org {i}")
            keys.append(create_key(s, organization_id=org.id)[1])
    engine.dispose()
    statuses: list[int] = []
    app = create_app(Settings(database_url=url))
    with TestClient(app) as client:

        def post(i: int) -> None:
            records = [
                {"date": f"2024-{1 + j % 12:02d}-{1 + j % 28:02d}", "user": f"u{j}",
                 "product": "Revit", "tokens": 10}
                for j in range(3000)
            ]  # fmt: skip
            headers = {"Authorization": f"Bearer {keys[i % 3]}"}
            statuses.append(
                client.post("/v1/usage", headers=headers, json={"records": records}).status_code
            )

        threads = [threading.Thread(target=post, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses == [201] * 6
        for key in keys:
            daily = client.get("/v1/usage/daily", headers={"Authorization": f"Bearer {key}"}).json()
            assert daily["total_tokens"] == 3000 * 10
