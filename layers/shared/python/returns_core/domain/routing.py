"""Choosing how a return travels: the cheapest allowed service, or no journey at all.

When shipping an item back costs more than the seller can expect to recover from it, the
shopper keeps it and is refunded anyway (a returnless refund).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from returns_core.domain.reasons import ReturnReason, is_seller_fault
from returns_core.money import Money
from returns_core.ports.carriers import Rate

# Share of the item's price a returned item recovers on average (resale, refurbish, liquidation).
RECOVERY_RATE_CHANGE_OF_MIND = Decimal("0.60")
RECOVERY_RATE_FAULTY = Decimal("0.10")


class RouteChoice(StrEnum):
    SHIP = "SHIP"
    KEEP = "KEEP"


class NoAllowedService(Exception):
    """No service can carry this parcel (e.g. batteries on an economy-only lane)."""


@dataclass(frozen=True)
class RoutePlan:
    choice: RouteChoice
    rate: Rate | None
    label_cost: Money | None  # in the order's currency
    recovery_value: Money
    alternatives: tuple[Rate, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "choice": self.choice.value,
            "rate": _rate_json(self.rate) if self.rate else None,
            "label_cost_order_currency": self.label_cost.to_json() if self.label_cost else None,
            "recovery_value": self.recovery_value.to_json(),
            "alternatives": [_rate_json(rate) for rate in self.alternatives],
        }


def _rate_json(rate: Rate) -> dict[str, object]:
    return {
        "carrier": rate.carrier,
        "service": rate.service,
        "price": rate.price.to_json(),
        "transit_days": rate.transit_days,
        "rate_id": rate.rate_id,
    }


def recovery_value(items: list[tuple[Money, ReturnReason]]) -> Money:
    currency = items[0][0].currency
    value = Money.zero(currency)
    for amount, reason in items:
        rate = RECOVERY_RATE_FAULTY if is_seller_fault(reason) else RECOVERY_RATE_CHANGE_OF_MIND
        value = value + amount * rate
    return value


def plan_route(
    rates: list[Rate],
    contains_batteries: bool,
    recovery: Money,
    to_order_currency: dict[str, Decimal],
) -> RoutePlan:
    """`to_order_currency` maps each rate currency to order-currency units per unit."""
    allowed = [rate for rate in rates if rate.carries_batteries or not contains_batteries]
    if not allowed:
        raise NoAllowedService("no service on this lane may carry the parcel")
    ranked = sorted(
        allowed,
        key=lambda rate: (rate.price.amount * to_order_currency[rate.price.currency], rate.transit_days),
    )
    cheapest = ranked[0]
    cost = cheapest.price.convert(recovery.currency, to_order_currency[cheapest.price.currency])
    if cost >= recovery:
        return RoutePlan(RouteChoice.KEEP, None, cost, recovery, tuple(ranked))
    return RoutePlan(RouteChoice.SHIP, cheapest, cost, recovery, tuple(ranked[1:]))
