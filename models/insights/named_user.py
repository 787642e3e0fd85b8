"""Flex against named-user subscriptions, per user and product.

For a user and a product with a named-user price (a year's subscription, in the token price's
currency), over a window of `n_days` days:

- annual Flex cost = tokens used on the product x 365 / n_days x the effective token price;
- break-even days a year = named-user price / (the user's tokens per day used on the product x
  the token price): used on more days than that, the subscription is cheaper;
- a migration candidate is a user who is not inactive and whose annual Flex cost on the product
  is above its named-user price; the saving if moved is the difference, a year.

The whitepaper's power users are the usual candidates, but the rule is the money: a regular user
on a dear product can be one too, and a power user of a cheap product need not be.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from models.changes.defaults import normalize_product
from models.errors import InvalidInputError
from models.insights.activity import Activity, token_decimal
from models.insights.segments import UserSegment, UserStanding

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
DAYS_A_YEAR = 365


@dataclass(frozen=True)
class NamedUserComparison:
    """One user x product: their Flex cost a year against the product's named-user price."""

    user_key: str
    product: str
    segment: UserSegment
    days_used: int
    tokens: Decimal
    annual_days: float
    annual_tokens: Decimal
    annual_flex_cost: Decimal
    named_user_price: Decimal
    break_even_days_per_year: Decimal
    candidate: bool

    @property
    def annual_saving(self) -> Decimal:
        """What moving to the subscription saves a year (0 when it would not save)."""
        return max(self.annual_flex_cost - self.named_user_price, Decimal(0))


@dataclass(frozen=True)
class ProductBreakEven:
    """A product's break-even at the organization's typical tokens per day of use."""

    product: str
    named_user_price: Decimal
    tokens_per_day: float
    break_even_days_per_year: Decimal


def annual_flex_cost(tokens: Decimal, window_days: int, token_price: Decimal) -> Decimal:
    """Tokens of a `window_days`-day window, as money a year at `token_price`, to the cent."""
    return (tokens * token_price * DAYS_A_YEAR / window_days).quantize(CENT)


def break_even_days(
    named_user_price: Decimal, tokens_per_day: Decimal, token_price: Decimal
) -> Decimal:
    """Days of use a year at which Flex costs as much as the subscription, to 0.1 day."""
    per_day = tokens_per_day * token_price
    if per_day <= 0:
        raise InvalidInputError("break-even: tokens per day and token price must be above 0")
    return (named_user_price / per_day).quantize(TENTH)


def price_for(prices: Mapping[str, Decimal], product: str) -> Decimal | None:
    """The named-user price of `product` from a list keyed by normalized product name."""
    return prices.get(normalize_product(product))


def compare_named_user(
    activity: Activity,
    standings: Sequence[UserStanding],
    token_price: Decimal,
    prices: Mapping[str, Decimal],
) -> list[NamedUserComparison]:
    """Every user x product with charged days and a named-user price, users and products in the
    activity's order. `prices` maps normalized product names to a year's subscription price in
    the currency of `token_price` (money per token)."""
    if token_price <= 0:
        raise InvalidInputError("the token price must be above 0")
    out = []
    for u, standing in enumerate(standings):
        for p, product in enumerate(activity.products):
            days = int(activity.pair_days[u, p])
            price = price_for(prices, product) if product else None
            if days == 0 or price is None:
                continue
            tokens = token_decimal(float(activity.pair_tokens[u, p]))
            cost = annual_flex_cost(tokens, activity.n_days, token_price)
            out.append(
                NamedUserComparison(
                    user_key=standing.user_key,
                    product=product,
                    segment=standing.segment,
                    days_used=days,
                    tokens=tokens,
                    annual_days=days * DAYS_A_YEAR / activity.n_days,
                    annual_tokens=(tokens * DAYS_A_YEAR / activity.n_days).quantize(
                        Decimal("0.001")
                    ),
                    annual_flex_cost=cost,
                    named_user_price=price,
                    break_even_days_per_year=break_even_days(price, tokens / days, token_price),
                    candidate=standing.segment != "inactive" and cost > price,
                )
            )
    return out


def product_break_evens(
    rates: Mapping[str, float], token_price: Decimal, prices: Mapping[str, Decimal]
) -> list[ProductBreakEven]:
    """Each used product with a named-user price: the break-even at the product's rate (tokens
    per user per day of use, e.g. the window's median), by product name."""
    out = []
    for product in sorted(rates):
        price = price_for(prices, product)
        rate = rates[product]
        if price is None or rate <= 0:
            continue
        days = break_even_days(price, token_decimal(rate), token_price)
        out.append(ProductBreakEven(product, price, rate, days))
    return out
