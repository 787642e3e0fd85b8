"""Findings into known changes: move migration candidates to named-user subscriptions.

One licence-mix change per product, naming the users and that product, so the next forecast
stops counting their burn on it (and only on it) from `start`, and the recommendation prices
the hybrid model. Pairs a live licence-mix change already covers are left alone, so applying
the same findings twice changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from app.db.tables import KnownChange
from app.errors import ConflictError, UnprocessableError
from app.ingest.values import canonical_user
from app.schemas.changes import LicenceMixCreate
from app.services import changes as change_svc
from app.services.insights import InsightRules, compute_insights
from app.services.usage_locks import lock_usage
from models.changes import LicenceMixChange, normalize_product
from models.insights.named_user import NamedUserComparison

LABEL_CHARS = 200


@dataclass(frozen=True)
class AppliedMoves:
    """What `apply_migrations` did: the changes made, the pairs moved and the pairs skipped."""

    changes: list[KnownChange]
    moves: list[NamedUserComparison]
    already_covered: int
    currency: str
    start: date


def apply_migrations(
    session: Session,
    *,
    organization_id: uuid.UUID,
    rules: InsightRules,
    users: list[str] | None,
    products: list[str] | None,
    start: date | None,
    as_of: date | None,
    user_key: Callable[[str], str] | None = None,
) -> AppliedMoves:
    """Create the licence-mix changes for the migration candidates as of `as_of`: all of them
    (`users` None) or those of the given users, optionally of `products` only. A user is a
    stored user key, or the e-mail an import would store under one (`user_key`: as imports
    make keys, so `Alice@Example.com` finds `alice@example.com`)."""
    # Writers of one organization take turns (PostgreSQL: two first writes would both insert).
    lock_usage(session, organization_id, exclusive=True)
    ins = compute_insights(session, organization_id=organization_id, as_of=as_of, rules=rules)
    if ins.price is None:
        raise UnprocessableError(
            "no token price: set a price book (PUT /v1/price-book) to find migration candidates"
        )
    if users is not None and user_key is not None:
        stored = {c.user_key for c in ins.candidates}
        users = [u if u in stored else _stored_key(user_key, u) for u in users]
    chosen = _choose(ins.candidates, users, products)
    covered = _covered_pairs(change_svc.load_core_changes(session, organization_id))
    moves = [c for c in chosen if not _is_covered(covered, c)]
    if not moves:
        raise ConflictError(
            "every chosen migration candidate is already moved by a live licence-mix change "
            "(GET /v1/changes)"
        )
    begin = start or ins.as_of + timedelta(days=1)
    made = [
        _create(session, organization_id, product, [m.user_key for m in group], begin)
        for product, group in _by_product(moves)
    ]
    return AppliedMoves(made, moves, len(chosen) - len(moves), ins.price.currency, begin)


def _stored_key(user_key: Callable[[str], str], user: str) -> str:
    return user_key(canonical_user(user))


def _choose(
    candidates: list[NamedUserComparison], users: list[str] | None, products: list[str] | None
) -> list[NamedUserComparison]:
    if products is not None:
        wanted = {normalize_product(p) for p in products}
        candidates = [c for c in candidates if normalize_product(c.product) in wanted]
    if users is not None:
        keys = {c.user_key for c in candidates}
        for i, user in enumerate(users):
            if user not in keys:
                raise UnprocessableError(
                    f"users[{i}] is not a migration candidate (for the products asked) in the "
                    "current insights; see GET /v1/insights?kind=migration_candidate"
                )
        chosen_users = set(users)
        candidates = [c for c in candidates if c.user_key in chosen_users]
    if not candidates:
        raise UnprocessableError("no migration candidates to move (see GET /v1/insights)")
    return candidates


def _covered_pairs(changes: Iterable[object]) -> set[tuple[str, str]]:
    """(user key, normalized product or "*" for all products) of live licence-mix changes."""
    out: set[tuple[str, str]] = set()
    for change in changes:
        if isinstance(change, LicenceMixChange) and change.user_keys is not None:
            products = [normalize_product(p) for p in change.products] or ["*"]
            out.update((u, p) for u in change.user_keys for p in products)
    return out


def _is_covered(covered: set[tuple[str, str]], c: NamedUserComparison) -> bool:
    return (c.user_key, "*") in covered or (c.user_key, normalize_product(c.product)) in covered


def _by_product(
    moves: list[NamedUserComparison],
) -> list[tuple[str, list[NamedUserComparison]]]:
    groups: dict[str, list[NamedUserComparison]] = {}
    for m in moves:
        groups.setdefault(m.product, []).append(m)
    return sorted(groups.items())


def _create(
    session: Session, organization_id: uuid.UUID, product: str, keys: list[str], start: date
) -> KnownChange:
    n = len(keys)
    label = f"Named-user {product} for {n} user{'s' if n != 1 else ''} from {start} (insights)"
    body = LicenceMixCreate(
        kind="licence_mix",
        label=label[:LABEL_CHARS],
        start=start,
        users=sorted(keys),
        products=[product],
    )
    # The keys are stored keys already: they must not go through the e-mail normalization again.
    return change_svc.create_change(
        session, organization_id=organization_id, body=body, user_key=lambda key: key
    )


def totals(moves: list[NamedUserComparison]) -> tuple[Decimal, Decimal]:
    """(annual Flex cost, annual named-user cost) of the moved pairs."""
    flex = sum((m.annual_flex_cost for m in moves), Decimal(0))
    named = sum((m.named_user_price for m in moves), Decimal(0))
    return flex, named
