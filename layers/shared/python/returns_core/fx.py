"""Foreign-exchange rates behind a port, so every conversion records the rate it used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from returns_core.money import Money


@dataclass(frozen=True)
class FxQuote:
    source: str
    target: str
    rate: Decimal  # target units per source unit
    as_of: date
    provider: str


class FxRates(Protocol):
    def quote(self, source: str, target: str) -> FxQuote: ...


class UnknownCurrency(LookupError):
    pass


class SandboxFxRates:
    """Fixed reference rates (USD pivot) for the sandbox and the demo; replace with a live feed in production."""

    AS_OF = date(2026, 11, 2)
    USD_PER_UNIT: dict[str, Decimal] = {
        "USD": Decimal("1"),
        "EUR": Decimal("1.08"),
        "GBP": Decimal("1.27"),
        "JPY": Decimal("0.0066"),
        "AUD": Decimal("0.65"),
        "CAD": Decimal("0.72"),
        "CHF": Decimal("1.13"),
        "NOK": Decimal("0.092"),
        "SEK": Decimal("0.094"),
        "DKK": Decimal("0.145"),
        "PLN": Decimal("0.25"),
        "CZK": Decimal("0.043"),
        "HUF": Decimal("0.0027"),
        "KRW": Decimal("0.00072"),
        "TWD": Decimal("0.031"),
        "CNY": Decimal("0.14"),
        "HKD": Decimal("0.128"),
        "SGD": Decimal("0.75"),
        "NZD": Decimal("0.59"),
        "BRL": Decimal("0.18"),
        "MXN": Decimal("0.055"),
        "KWD": Decimal("3.25"),
    }

    def quote(self, source: str, target: str) -> FxQuote:
        try:
            rate = self.USD_PER_UNIT[source] / self.USD_PER_UNIT[target]
        except KeyError as exc:
            raise UnknownCurrency(str(exc)) from None
        return FxQuote(source, target, rate.quantize(Decimal("0.00000001")), self.AS_OF, "sandbox")


def convert(amount: Money, target: str, rates: FxRates) -> tuple[Money, FxQuote]:
    quote = rates.quote(amount.currency, target)
    return amount.convert(target, quote.rate), quote
