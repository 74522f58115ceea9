"""Local return hubs: a parcel travels a short domestic leg, the hub ships many back together.

A hub's consolidated shipment to the origin warehouse (a pallet by air or sea freight, export
clearance as returned goods) costs a fixed amount for an expected number of parcels; each parcel
carries its share of that, plus the hub's handling fee.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from returns_core.money import Money


@dataclass(frozen=True)
class ReturnHub:
    hub_id: str
    country: str
    address: tuple[str, ...]
    serves: frozenset[str]  # shopper countries whose parcels this hub takes
    consolidation_cost: Money  # one consolidated shipment from the hub to the warehouse
    parcels_per_consolidation: int  # how many parcels such a shipment carries on average
    handling: Money  # receiving, checking and repacking one parcel
    carries_batteries: bool = False  # lithium batteries in consolidated freight need a certified forwarder

    def share_per_parcel(self) -> Money:
        """This parcel's part of the consolidated shipment, plus handling (in the hub's currency)."""
        share = Money(self.consolidation_cost.amount / self.parcels_per_consolidation, self.consolidation_cost.currency)
        handling = self.handling
        if handling.currency != share.currency:
            raise ValueError(f"hub {self.hub_id}: handling and consolidation must share a currency")
        return share + handling

    def to_json(self) -> dict[str, Any]:
        return {
            "hub_id": self.hub_id,
            "country": self.country,
            "consolidation_cost": self.consolidation_cost.to_json(),
            "parcels_per_consolidation": self.parcels_per_consolidation,
            "handling": self.handling.to_json(),
            "share_per_parcel": self.share_per_parcel().to_json(),
        }


def _hub(data: Mapping[str, Any]) -> ReturnHub:
    parcels = int(data["parcels_per_consolidation"])
    if parcels < 1:
        raise ValueError("parcels_per_consolidation must be at least 1")
    country = str(data["country"])
    if len(country) != 2 or not country.isupper():
        raise ValueError(f"hub country must be ISO 3166 alpha-2: {country!r}")
    return ReturnHub(
        hub_id=str(data["hub_id"]),
        country=country,
        address=tuple(str(line) for line in data["address"]),
        serves=frozenset(str(c) for c in data["serves"]),
        consolidation_cost=Money.of(str(data["consolidation_cost"]["amount"]), data["consolidation_cost"]["currency"]),
        parcels_per_consolidation=parcels,
        handling=Money.of(str(data["handling"]["amount"]), data["handling"]["currency"]),
        carries_batteries=bool(data.get("carries_batteries", False)),
    )


def parse_hubs(text: str) -> tuple[ReturnHub, ...]:
    """Hubs from their JSON configuration (a list of objects); ValueError says what is wrong."""
    if not text.strip():
        return ()
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"return hubs are not JSON: {exc}") from None
    if not isinstance(data, list):
        raise ValueError("return hubs must be a JSON list")
    try:
        return tuple(_hub(item) for item in data)
    except (KeyError, TypeError, ArithmeticError) as exc:
        raise ValueError(f"a return hub is incomplete or malformed: {exc!r}") from None


def hubs_for(hubs: tuple[ReturnHub, ...], shopper_country: str, warehouse_country: str) -> list[ReturnHub]:
    """Hubs that take parcels from this country, other than the warehouse's own country."""
    return [hub for hub in hubs if shopper_country in hub.serves and hub.country != warehouse_country]
