"""The purchase with and without the licence-mix changes (the hybrid model), side by side.

A forecast holds one set of paths: those adjusted by every live known change it was made with.
The other set is rebuilt from them with the core's own licence-mix arithmetic
(`licence_mix_tokens_per_day`): when the forecast already includes the moves, their burn is added
back ("without"); when it was made before them, it is taken off ("with", floored at zero as
`apply_changes` does). Adding back is exact except where a path had already been floored at zero
(a day forecast below the moving users' own burn); `clipped_path_days` counts such path-days.

The "with" side also pays for the subscriptions: each moved user x product's named-user price,
pro rata over the days the subscription overlaps the new pack's life.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from app.services import changes as change_svc
from app.services.decision_run import DecisionAsk, PackTerms, existing_packs, last_year_consumption
from app.services.decision_view import money, option, quantiles
from app.services.forecasts import ForecastRun
from app.services.named_user_prices import prices_in
from models.changes import (
    LicenceMixChange,
    RateChange,
    UserProfiles,
    licence_mix_tokens_per_day,
    normalize_product,
)
from models.decision import decide
from models.decision.types import Decision, Objective, PriceBook

FloatArray = npt.NDArray[np.float64]
DAYS_A_YEAR = 365


def purchase_with_and_without(
    session: Session,
    *,
    organization_id: uuid.UUID,
    run: ForecastRun,
    price_book: PriceBook,
    purchase: date,
    pack_terms: list[PackTerms],
    ask: DecisionAsk,
) -> dict[str, Any] | None:
    """The chosen purchase with the live licence-mix changes and without them, JSON-ready
    (money as decimal strings); None when the organization has no live licence-mix change."""
    changes = change_svc.load_core_changes(session, organization_id)
    mixes = [c for c in changes if isinstance(c, LicenceMixChange)]
    if not mixes:
        return None
    profiles = change_svc.user_profiles(session, organization_id, run.history.end)
    in_forecast = {str(e.get("change_id")) for e in run.row.body.get("changes", [])}
    rates = [c for c in changes if isinstance(c, RateChange)]
    with_paths, without_paths, clipped = _paths(run, mixes, rates, profiles, in_forecast)
    end = purchase + timedelta(days=price_book.validity_days)
    subs = _subscriptions(session, organization_id, mixes, profiles, price_book, purchase, end)
    sides = {
        name: _decide(paths, run, price_book, purchase, pack_terms, ask)
        for name, paths in (("with", with_paths), ("without", without_paths))
    }
    with_total = sides["with"].chosen.expected_cost + subs["cost"]
    return {
        "currency": price_book.currency,
        "purchase_date": purchase.isoformat(),
        "pack_expires_on": end.isoformat(),
        "changes": [_change_facts(c, c.change_id in in_forecast) for c in mixes],
        "with": _side(sides["with"], price_book),
        "without": _side(sides["without"], price_book),
        "subscriptions": {
            "pairs": subs["pairs"],
            "unpriced_pairs": subs["unpriced"],
            "cost_over_pack_life": money(subs["cost"]),
        },
        "with_total_expected_cost": money(with_total),
        "expected_saving": money(sides["without"].chosen.expected_cost - with_total),
        "demand_saving_p50": round(
            sides["without"].residual_demand.p50 - sides["with"].residual_demand.p50, 2
        ),
        "clipped_path_days": clipped,
    }


def _side(decision: Decision, price_book: PriceBook) -> dict[str, Any]:
    """The chosen option, with the demand the new pack must serve over its life."""
    return {
        **option(decision.chosen, price_book),
        "pack_demand": quantiles(decision.residual_demand),
    }


def _paths(
    run: ForecastRun,
    mixes: list[LicenceMixChange],
    rates: list[RateChange],
    profiles: UserProfiles,
    in_forecast: set[str],
) -> tuple[FloatArray, FloatArray, int]:
    """(paths with the moves, paths without them, path-days floored before adding back)."""
    first_day, horizon = run.row.first_day, run.paths.shape[1]
    added = np.zeros(horizon)
    taken = np.zeros(horizon)
    for c in mixes:
        removal = licence_mix_tokens_per_day(c, first_day, horizon, profiles, rates)
        if c.change_id in in_forecast:
            added += removal
        else:
            taken += removal
    clipped = int(((run.paths <= 0) & (added[None, :] > 0)).sum())
    return np.maximum(run.paths - taken[None, :], 0.0), run.paths + added[None, :], clipped


def _decide(
    paths: FloatArray,
    run: ForecastRun,
    price_book: PriceBook,
    purchase: date,
    pack_terms: list[PackTerms],
    ask: DecisionAsk,
) -> Decision:
    return decide(
        paths,
        run.row.first_day,
        existing_packs(run.history, pack_terms),
        price_book,
        purchase,
        last_year_consumption_tokens=last_year_consumption(run.history),
        objective=Objective(ask.objective),
        cvar_alpha=ask.cvar_level,
        service_level=ask.service_level,
        timing=False,
    )


def _subscriptions(
    session: Session,
    organization_id: uuid.UUID,
    mixes: list[LicenceMixChange],
    profiles: UserProfiles,
    price_book: PriceBook,
    purchase: date,
    end: date,
) -> dict[str, Any]:
    """Named-user cost of the moved pairs over the pack's life [purchase, end)."""
    prices = prices_in(session, organization_id, price_book.currency)
    pairs = unpriced = 0
    cost = Decimal(0)
    for change in mixes:
        overlap = (end - max(change.start, purchase)).days
        for user in change.user_keys or ():
            for product in _products_of(change, user, profiles):
                pairs += 1
                price = prices.get(product)
                if price is None:
                    unpriced += 1
                elif overlap > 0:
                    cost += price * overlap / DAYS_A_YEAR
    return {"pairs": pairs, "unpriced": unpriced, "cost": cost.quantize(Decimal("0.01"))}


def _products_of(change: LicenceMixChange, user: str, profiles: UserProfiles) -> list[str]:
    """The change's products (normalized), or every product the user burnt in the window."""
    if change.products:
        return [normalize_product(p) for p in change.products]
    return sorted(p for (u, p) in profiles.user_product_tokens_per_weekday if u == user)


def _change_facts(change: LicenceMixChange, in_forecast: bool) -> dict[str, Any]:
    return {
        "id": change.change_id,
        "label": change.label,
        "start": change.start.isoformat(),
        "users": len(change.user_keys or ()),
        "users_of_segment": None
        if change.users_of_segment is None
        else {"segment": change.users_of_segment[0], "users": change.users_of_segment[1]},
        "products": list(change.products),
        "in_forecast": in_forecast,
    }
