"""Money as Decimal with an ISO 4217 currency, rounded to the currency's minor unit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

# ISO 4217 minor units for the currencies whose exponent is not 2.
_MINOR_UNITS: dict[str, int] = {
    "JPY": 0,
    "KRW": 0,
    "CLP": 0,
    "ISK": 0,
    "VND": 0,
    "HUF": 2,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
}
SUPPORTED_CURRENCIES = frozenset(
    {"EUR", "USD", "GBP", "JPY", "AUD", "CAD", "CHF", "NOK", "SEK", "DKK", "PLN", "CZK", "HUF"}
    | {"KRW", "TWD", "CNY", "HKD", "SGD", "NZD", "BRL", "MXN", "KWD"}
)


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined without a conversion."""


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency, 2)


def to_minor_units(amount: Money) -> int:
    """The amount as an integer of the currency's smallest unit (cents; whole yen for JPY)."""
    return int(amount.amount.scaleb(minor_units(amount.currency)))


def from_minor_units(value: int, currency: str) -> Money:
    return Money.of(Decimal(value).scaleb(-minor_units(currency)), currency)


def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, float):
            raise TypeError("Money never takes a float; pass a str or Decimal")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")
        try:
            value = Decimal(self.amount)
            if not value.is_finite():
                raise ValueError(f"not a finite amount: {self.amount!r}")
            rounded = value.quantize(_quantum(self.currency), rounding=ROUND_HALF_EVEN)
        except InvalidOperation as exc:
            raise ValueError(f"not an amount: {self.amount!r}") from exc
        object.__setattr__(self, "amount", rounded)

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        if isinstance(amount, Decimal):
            return cls(amount, currency)
        try:
            return cls(Decimal(str(amount)), currency)
        except InvalidOperation as exc:
            raise ValueError(f"not an amount: {amount!r}") from exc

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(f"{self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float):
            raise TypeError("multiply Money by int or Decimal, never float")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def is_zero(self) -> bool:
        return self.amount == 0

    def min(self, other: Money) -> Money:
        return self if self <= other else other

    def max(self, other: Money) -> Money:
        return self if self >= other else other

    def percent(self, pct: Decimal) -> Money:
        return Money(self.amount * pct / Decimal(100), self.currency)

    def convert(self, currency: str, rate: Decimal) -> Money:
        """`rate` is units of `currency` per one unit of self.currency."""
        return Money(self.amount * rate, currency)

    def to_json(self) -> dict[str, str]:
        return {"amount": str(self.amount), "currency": self.currency}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Money:
        return cls.of(data["amount"], data["currency"])

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def total(items: list[Money], currency: str) -> Money:
    result = Money.zero(currency)
    for item in items:
        result = result + item
    return result
