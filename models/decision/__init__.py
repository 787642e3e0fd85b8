"""The purchase optimizer: what existing packs leave, what each quantity costs, and the choice.

Entry points: `decide` (the decision, with its timing comparison), `choose_quantity` (the
optimizer alone), `residual_demand` and `replay_balance` (the consumption order), `price` and
`validate_price_book` (the price book). Running out with a lead time: `models.decision.runout`;
timing strategies: `models.decision.timing`.
"""

from models.decision.optimizer import Choice, choose_quantity, decide
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
    "Choice",
    "PackBalance",
    "ResidualDemand",
    "choose_quantity",
    "decide",
    "price",
    "replay_balance",
    "residual_demand",
    "validate_price_book",
]
