"""Choosing how a return travels: the cheapest allowed service, or no journey at all.

When shipping an item back costs more than the seller can expect to recover from it, the
shopper keeps it and is refunded anyway (a returnless refund).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from returns_core.domain.hubs import ReturnHub
from returns_core.domain.reasons import ReturnReason, is_seller_fault
from returns_core.money import Money
from returns_core.ports.carriers import Rate

# Share of the item's price a returned item recovers on average (resale, refurbish, liquidation).
RECOVERY_RATE_CHANGE_OF_MIND = Decimal("0.60")
RECOVERY_RATE_FAULTY = Decimal("0.10")


class RouteChoice(StrEnum):
    SHIP = "SHIP"
    KEEP = "KEEP"


class Destination(StrEnum):
    WAREHOUSE = "WAREHOUSE"  # straight back to the origin warehouse
    HUB = "HUB"  # to a local return hub, consolidated back to origin


class NoAllowedService(Exception):
    """No service can carry this parcel (e.g. batteries on an economy-only lane)."""


@dataclass(frozen=True)
class Candidate:
    """One way of getting the parcel back, with what it costs in the order's currency."""

    destination: Destination
    rate: Rate
    label_cost: Money  # the carrier's price, in the order's currency
    consolidation_share: Money  # the hub's share per parcel (zero when direct), in the order's currency
    hub: ReturnHub | None = None
    excluded: str | None = None  # why it may not be used, if it may not

    @property
    def total(self) -> Money:
        return self.label_cost + self.consolidation_share

    def to_json(self) -> dict[str, object]:
        return {
            "destination": self.destination.value,
            "hub_id": self.hub.hub_id if self.hub else None,
            **_rate_json(self.rate),
            "label_cost": self.label_cost.to_json(),
            "consolidation_share": self.consolidation_share.to_json(),
            "total": self.total.to_json(),
            "excluded": self.excluded,
        }


@dataclass(frozen=True)
class RoutePlan:
    choice: RouteChoice
    chosen: Candidate | None
    recovery_value: Money
    candidates: tuple[Candidate, ...]  # every option considered, cheapest first, with its verdict
    reason: str

    @property
    def rate(self) -> Rate | None:
        return self.chosen.rate if self.chosen else None

    @property
    def label_cost(self) -> Money | None:
        return self.chosen.total if self.chosen else (self.candidates[0].total if self.candidates else None)

    @property
    def alternatives(self) -> tuple[Rate, ...]:
        return tuple(c.rate for c in self.candidates if c is not self.chosen and c.excluded is None)

    def to_json(self) -> dict[str, object]:
        chosen = self.chosen
        return {
            "choice": self.choice.value,
            "destination": chosen.destination.value if chosen else None,
            "hub": chosen.hub.to_json() if chosen and chosen.hub else None,
            "rate": _rate_json(chosen.rate) if chosen else None,
            "label_cost_order_currency": chosen.label_cost.to_json() if chosen else None,
            "consolidation_share": chosen.consolidation_share.to_json() if chosen else None,
            "total_cost": self.label_cost.to_json() if self.label_cost else None,
            "recovery_value": self.recovery_value.to_json(),
            "reason": self.reason,
            "candidates": [candidate.to_json() for candidate in self.candidates],
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


def _candidate(
    destination: Destination,
    rate: Rate,
    hub: ReturnHub | None,
    contains_batteries: bool,
    currency: str,
    to_order_currency: dict[str, Decimal],
) -> Candidate:
    label_cost = rate.price.convert(currency, to_order_currency[rate.price.currency])
    share = Money.zero(currency)
    if hub is not None:
        hub_share = hub.share_per_parcel()
        share = hub_share.convert(currency, to_order_currency[hub_share.currency])
    excluded = None
    if contains_batteries and not rate.carries_batteries:
        excluded = "service may not carry batteries"
    elif contains_batteries and hub is not None and not hub.carries_batteries:
        excluded = "hub may not consolidate batteries"
    return Candidate(destination, rate, label_cost, share, hub, excluded)


def plan_returns_route(
    direct_rates: list[Rate],
    hub_rates: list[tuple[ReturnHub, list[Rate]]],
    contains_batteries: bool,
    recovery: Money,
    to_order_currency: dict[str, Decimal],
) -> RoutePlan:
    """Every candidate costed in the order's currency; the cheapest allowed one, or keep the item.

    `to_order_currency` maps each rate's and hub's currency to order-currency units per unit.
    """
    currency = recovery.currency
    candidates = [
        _candidate(Destination.WAREHOUSE, rate, None, contains_batteries, currency, to_order_currency)
        for rate in direct_rates
    ] + [
        _candidate(Destination.HUB, rate, hub, contains_batteries, currency, to_order_currency)
        for hub, rates in hub_rates
        for rate in rates
    ]
    candidates.sort(key=lambda c: (c.excluded is not None, c.total.amount, c.rate.transit_days))
    allowed = [c for c in candidates if c.excluded is None]
    if not allowed:
        raise NoAllowedService("no service on this lane may carry the parcel")
    cheapest = allowed[0]
    if cheapest.total >= recovery:
        reason = f"cheapest return ({cheapest.total}) costs at least what the items recover ({recovery})"
        return RoutePlan(RouteChoice.KEEP, None, recovery, tuple(candidates), reason)
    where = f"hub {cheapest.hub.hub_id}" if cheapest.hub else "the warehouse"
    reason = f"cheapest allowed: {cheapest.rate.service} to {where} at {cheapest.total}"
    return RoutePlan(RouteChoice.SHIP, cheapest, recovery, tuple(candidates), reason)


def plan_route(
    rates: list[Rate],
    contains_batteries: bool,
    recovery: Money,
    to_order_currency: dict[str, Decimal],
) -> RoutePlan:
    """Direct to the warehouse only (no hubs configured)."""
    return plan_returns_route(rates, [], contains_batteries, recovery, to_order_currency)
