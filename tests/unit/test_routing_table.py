"""The routing table: lanes, weights and values, the route chosen and why, costed by the sandbox carrier.

Every candidate is priced as the product prices it: the carrier's rate for the parcel's lane and
weight (zone base + per started 0.5 kg, fuel and battery surcharges), plus for a hub its share of
the consolidated shipment and its handling fee, all in the order's currency at the sandbox FX rates.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from infra.local.environment import DEMO_HUBS
from returns_core.adapters.sandbox_carrier import SandboxCarrier
from returns_core.domain.hubs import hubs_for, parse_hubs
from returns_core.domain.reasons import ReturnReason
from returns_core.domain.routing import Destination, RouteChoice, RoutePlan, plan_returns_route, recovery_value
from returns_core.fx import SandboxFxRates
from returns_core.money import Money
from returns_core.ports.carriers import Parcel, ShipmentRequest

WAREHOUSE = "DE"
HUBS = parse_hubs(json.dumps(DEMO_HUBS))
CARRIER = SandboxCarrier(documents=None, return_address=("Returns Centre",))  # type: ignore[arg-type]
FX = SandboxFxRates()


def plan(
    country: str, currency: str, grams: int, value: str, reason: ReturnReason, batteries: bool = False
) -> RoutePlan:
    def shipment(to_country: str) -> ShipmentRequest:
        return ShipmentRequest("RT-TABLE", country, to_country, Parcel(grams, contains_batteries=batteries))

    direct = CARRIER.rates(shipment(WAREHOUSE))
    hub_rates = [(hub, CARRIER.rates(shipment(hub.country))) for hub in hubs_for(HUBS, country, WAREHOUSE)]
    currencies = {r.price.currency for r in direct} | {r.price.currency for _, rs in hub_rates for r in rs}
    currencies |= {hub.share_per_parcel().currency for hub, _ in hub_rates}
    to_order = {c: FX.quote(c, currency).rate for c in currencies}
    recovery = recovery_value([(Money.of(value, currency), reason)])
    return plan_returns_route(direct, hub_rates, batteries, recovery, to_order)


# (lane, grams, value, reason, batteries) -> (choice, destination, service)
R = ReturnReason
SHIP, KEEP = RouteChoice.SHIP, RouteChoice.KEEP
HUB, DIRECT = Destination.HUB, Destination.WAREHOUSE

TABLE = [
    # A US tote worth 240 USD: the domestic leg to the New Jersey hub plus its share beats flying it to Germany.
    (("US", "USD"), 1100, "240.00", R.DOES_NOT_FIT, False, SHIP, HUB, "ECONOMY"),
    # The same tote with batteries: the hub may not consolidate them, so express direct (the only carrier allowed).
    (("US", "USD"), 1100, "240.00", R.DOES_NOT_FIT, True, SHIP, DIRECT, "EXPRESS"),
    # Socks worth 12 AUD: even the Sydney hub costs more than they recover: the shopper keeps them.
    (("AU", "AUD"), 150, "12.00", R.CHANGED_MIND, False, KEEP, None, None),
    # A German dress: domestic, straight to the warehouse on economy.
    (("DE", "EUR"), 400, "129.00", R.DOES_NOT_FIT, False, SHIP, DIRECT, "ECONOMY"),
    # A French dress: regional (inside the EU customs union), direct, economy.
    (("FR", "EUR"), 400, "129.00", R.STYLE_NOT_AS_EXPECTED, False, SHIP, DIRECT, "ECONOMY"),
    # A faulty camera from Japan (no hub there): it recovers little, but 98,000 JPY x 10 % still beats the label.
    (("JP", "JPY"), 700, "98000", R.DEFECTIVE, False, SHIP, DIRECT, "ECONOMY"),
    # A faulty 20 USD cable from the US: 10 % recovery is 2 USD, less than any journey: keep it.
    (("US", "USD"), 80, "20.00", R.DEFECTIVE, False, KEEP, None, None),
    # A heavy 12 kg coffee machine from Canada: the US hub takes Canadian parcels too, but the cross-border leg
    # to it is international anyway, so the direct flight is cheaper than that leg plus the hub's share.
    (("CA", "CAD"), 12000, "600.00", R.CHANGED_MIND, False, SHIP, DIRECT, "ECONOMY"),
]


@pytest.mark.parametrize(("lane", "grams", "value", "reason", "batteries", "choice", "destination", "service"), TABLE)
def test_each_return_takes_the_cheapest_allowed_route_or_stays_with_the_shopper(
    lane: tuple[str, str],
    grams: int,
    value: str,
    reason: ReturnReason,
    batteries: bool,
    choice: RouteChoice,
    destination: Destination | None,
    service: str | None,
) -> None:
    # Given a return on this lane / When its route is planned
    country, currency = lane
    chosen = plan(country, currency, grams, value, reason, batteries)
    # Then the choice, where it goes and on which service are as the table says
    assert chosen.choice is choice, chosen.reason
    assert (chosen.chosen.destination if chosen.chosen else None) is destination, chosen.reason
    assert (chosen.rate.service if chosen.rate else None) == service, chosen.reason
    # And whatever was chosen is the cheapest allowed candidate, and every candidate's cost is recorded
    allowed = [c for c in chosen.candidates if c.excluded is None]
    assert allowed and chosen.candidates[0] is allowed[0]
    if chosen.chosen:
        assert chosen.chosen is allowed[0]
        assert chosen.chosen.total < chosen.recovery_value
    else:
        assert allowed[0].total >= chosen.recovery_value
    assert all(c.total == c.label_cost + c.consolidation_share for c in chosen.candidates)


def test_a_hubs_share_is_its_consolidated_shipment_divided_by_its_parcels_plus_handling() -> None:
    # Given the New Jersey hub: 240 USD per consolidated shipment of 60 parcels, 0.75 USD handling
    hub = next(hub for hub in HUBS if hub.hub_id == "hub-us-nj")
    # Then each parcel carries 4.00 + 0.75
    assert hub.share_per_parcel() == Money(Decimal("4.75"), "USD")


def test_malformed_hubs_are_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="JSON list"):
        parse_hubs('{"hub_id": "x"}')
    with pytest.raises(ValueError, match="incomplete"):
        parse_hubs('[{"hub_id": "x"}]')
    with pytest.raises(ValueError, match="at least 1"):
        parse_hubs(json.dumps([{**DEMO_HUBS[0], "parcels_per_consolidation": 0}]))
