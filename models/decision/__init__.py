"""The purchase optimizer: what existing packs leave, what each quantity costs, and the choice.

Entry points: `decide` (the decision), `residual_demand` and `replay_balance` (the consumption
order), `price` and `validate_price_book` (the price book).
"""

from models.decision.optimizer import decide
from models.decision.packs import (
    BalanceReplay,
    PackBalance,
    ResidualDemand,
    replay_balance,
    residual_demand,
)
from models.decision.pricing import price, validate_price_book

__all__ = [
    "BalanceReplay",
    "PackBalance",
    "ResidualDemand",
    "decide",
    "price",
    "replay_balance",
    "residual_demand",
    "validate_price_book",
]
