"""Domain errors raised by the core. They carry no HTTP codes; app/errors.py maps them."""


class DomainError(Exception):
    """Base class for every error the core raises on purpose."""


class InsufficientHistoryError(DomainError):
    """The history is too short or too empty for any honest forecast."""


class InvalidPriceBookError(DomainError):
    """A price book that cannot price a purchase (tiers out of order, non-positive prices...)."""


class InvalidInputError(DomainError):
    """Any other input the core cannot work with; the message says what and why."""
