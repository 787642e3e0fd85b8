"""The operator's commands: migrate, serve, create-org, create-key, revoke-key, demo, backtest,
simulate."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from app.db.migrate import upgrade_to_head
from app.db.session import build_engine, session_factory, session_scope
from app.errors import ServiceError
from app.main import configure_logging
from app.services.keys import ALL_SCOPES, create_key, create_organization, revoke_key
from app.settings import Settings
from models.decision.types import PriceBook

log = logging.getLogger(__name__)


def cmd_migrate(settings: Settings, _: argparse.Namespace) -> int:
    upgrade_to_head(settings.database_url)
    print(f"database at head: {_safe_url(settings.database_url)}")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from app.main import create_app

    workers = args.workers or settings.workers
    if workers > 1:
        from app.serve import exec_workers

        exec_workers(args.host, args.port, workers)
    from app.serve import tune_interpreter

    app = create_app(settings)
    tune_interpreter(settings.switch_interval_ms)
    # log_config=None: logging is already configured (JSON lines); uvicorn's access line, with
    # the raw query string, is replaced by the app's own.
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False)
    return 0


def cmd_create_org(settings: Settings, args: argparse.Namespace) -> int:
    factory = session_factory(build_engine(settings.database_url))
    with session_scope(factory) as session:
        org = create_organization(session, name=args.name)
        org.country = args.country
        _, raw = create_key(session, organization_id=org.id, name=args.key_name)
        org_id = str(org.id)
    if args.json:
        print(json.dumps({"organization_id": org_id, "api_key": raw}))
    else:
        print(f"organization id: {org_id}")
        print(f"API key (shown once, store it now): {raw}")
    return 0


def cmd_create_key(settings: Settings, args: argparse.Namespace) -> int:
    scopes = tuple(s.strip() for s in args.scopes.split(",") if s.strip())
    factory = session_factory(build_engine(settings.database_url))
    with session_scope(factory) as session:
        row, raw = create_key(
            session, organization_id=uuid.UUID(args.org), name=args.name, scopes=scopes
        )
        key_id = str(row.id)
    if args.json:
        print(json.dumps({"key_id": key_id, "api_key": raw, "scopes": list(scopes)}))
    else:
        print(f"API key {key_id} with scopes {', '.join(scopes)} (shown once): {raw}")
    return 0


def cmd_revoke_key(settings: Settings, args: argparse.Namespace) -> int:
    factory = session_factory(build_engine(settings.database_url))
    org = uuid.UUID(args.org) if args.org else None
    with session_scope(factory) as session:
        row = revoke_key(session, org, uuid.UUID(args.key_id))
        revoked = row.revoked_at.isoformat(timespec="seconds") if row.revoked_at else ""
    print(f"API key {args.key_id} revoked at {revoked}")
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from app.demo import run_demo

    return run_demo(settings, out_dir=args.out, seed=args.seed)


def cmd_backtest(_: Settings, args: argparse.Namespace) -> int:
    from app.ingest import UsageImportError
    from app.services.backtests import backtest_file, comparison_table
    from models.errors import DomainError

    try:
        pb = _price_book(args.price_book)
        run = backtest_file(
            Path(args.file), pb, n_paths=args.paths, seed=args.seed, model=args.model
        )
    except (OSError, UsageImportError, DomainError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(comparison_table(run))
    return 0


def cmd_simulate(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import date

    from app.simulate import describe, import_into, parse_mix, write_file
    from models.insights.synthetic import synthetic_organization

    last_day = date.fromisoformat(args.last_day)
    org = synthetic_organization(args.seed, mix=parse_mix(args.users), last_day=last_day)
    lines = describe(org)
    if args.out:
        lines.append(write_file(org, args.out))
    if args.org:
        lines.extend(import_into(settings, org, args.org))
    print("\n".join(lines))
    return 0


def _price_book(path: str | None) -> PriceBook:
    """The price book in a JSON file shaped like PUT /v1/price-book's body; default: the demo's."""
    from app.demo import DEMO_PRICE_BOOK
    from app.schemas.pricing import PriceBookWrite
    from app.services.pricing import price_book_from_body

    if path is None:
        return price_book_from_body(DEMO_PRICE_BOOK)
    return price_book_from_body(PriceBookWrite.model_validate_json(Path(path).read_bytes()))


def _country(code: str) -> str:
    import holidays

    code = code.strip().upper()
    if code not in holidays.list_supported_countries():
        raise argparse.ArgumentTypeError(f"'{code}' is not a country whose holidays are known")
    return code


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive whole number")
    return int(text)


def _safe_url(url: str) -> str:
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tokencast", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers", type=_positive, help="worker processes (default: TOKENCAST_WORKERS, 1)"
    )
    serve.set_defaults(func=cmd_serve)
    org = sub.add_parser("create-org", help="create an organization and its first API key")
    org.add_argument("name")
    org.add_argument("--key-name", default="default")
    org.add_argument("--country", type=_country, help="ISO 3166 code for public holidays, e.g. US")
    org.add_argument("--json", action="store_true", help="print one JSON object")
    org.set_defaults(func=cmd_create_org)
    key = sub.add_parser("create-key", help="create another API key for an organization")
    key.add_argument("--org", required=True, help="organization id")
    key.add_argument("--name", default="key")
    key.add_argument(
        "--scopes",
        default=",".join(ALL_SCOPES),
        help=f"comma-separated, from: {', '.join(ALL_SCOPES)} (default: all)",
    )
    key.add_argument("--json", action="store_true")
    key.set_defaults(func=cmd_create_key)
    revoke = sub.add_parser("revoke-key", help="revoke an API key: it answers 401 from now on")
    revoke.add_argument("key_id", help="the key's id (create-key prints it; GET /v1/keys lists)")
    revoke.add_argument("--org", help="refuse unless the key belongs to this organization")
    revoke.set_defaults(func=cmd_revoke_key)
    demo = sub.add_parser("demo", help="import the bundled real export and recommend a purchase")
    demo.add_argument("--out", default="tokencast-demo", help="folder for the documents")
    demo.add_argument("--seed", type=int, default=2011)
    demo.set_defaults(func=cmd_demo)
    bt = sub.add_parser(
        "backtest",
        help="replay past purchases in a usage file: the recommendation against rules of thumb",
    )
    bt.add_argument("file", help="a usage export (any import format: CSV or XLSX)")
    bt.add_argument(
        "--price-book", help="JSON file shaped like PUT /v1/price-book (default: the demo's)"
    )
    bt.add_argument("--paths", type=int, default=300, help="forecast paths per purchase date")
    bt.add_argument("--seed", type=int, default=None, help="default: derived from the data")
    bt.add_argument("--model", default="auto", help='forecasting model (default "auto")')
    bt.set_defaults(func=cmd_backtest)
    sim = sub.add_parser(
        "simulate",
        help="a synthetic organization with known segments, as an Autodesk Account export",
    )
    sim.add_argument("--seed", type=int, default=0, help="the same seed gives the same rows")
    sim.add_argument(
        "--users",
        default="5,6,6,3,1",
        help="counts: power,regular,occasional,inactive,dormant (default 5,6,6,3,1)",
    )
    sim.add_argument("--last-day", default="2025-12-31", help="last day of the year of usage")
    sim.add_argument("--out", default="synthetic-usage.csv", help="CSV file to write ('' none)")
    sim.add_argument("--org", help="also import into this organization id")
    sim.set_defaults(func=cmd_simulate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        for err in exc.errors():
            name = "TOKENCAST_" + "_".join(str(p) for p in err["loc"]).upper()
            print(f"error: {name}: {err['msg']}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    if args.command != "migrate":
        logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        code: int = args.func(settings, args)
    except ServiceError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DBAPIError as exc:
        print(f"error: {_db_hint(exc)}", file=sys.stderr)
        return 2
    return code


def _db_hint(exc: DBAPIError) -> str:
    text = str(exc.orig)
    if "no such table" in text or "does not exist" in text:
        return "the database has no tables yet: run `tokencast migrate` first"
    return f"database error: {text.splitlines()[0] if text else type(exc.orig).__name__}"


if __name__ == "__main__":
    sys.exit(main())
