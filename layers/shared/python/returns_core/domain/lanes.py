"""Lanes between the shopper's country and the return destination, and what they imply."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from returns_core.domain.policy import EU_COUNTRIES


class Zone(StrEnum):
    DOMESTIC = "DOMESTIC"
    REGIONAL = "REGIONAL"  # inside one customs union (the EU)
    INTERNATIONAL = "INTERNATIONAL"


def zone_for(from_country: str, to_country: str) -> Zone:
    if from_country == to_country:
        return Zone.DOMESTIC
    if from_country in EU_COUNTRIES and to_country in EU_COUNTRIES:
        return Zone.REGIONAL
    return Zone.INTERNATIONAL


def crosses_customs_border(from_country: str, to_country: str) -> bool:
    return zone_for(from_country, to_country) is Zone.INTERNATIONAL


# How long a parcel may go without a scan before it counts as stalled (the AwaitDelivery
# heartbeat), and the longest a delivery may take overall.
STALL_LIMIT: dict[Zone, timedelta] = {
    Zone.DOMESTIC: timedelta(days=4),
    Zone.REGIONAL: timedelta(days=6),
    Zone.INTERNATIONAL: timedelta(days=10),
}
DELIVERY_LIMIT: dict[Zone, timedelta] = {
    Zone.DOMESTIC: timedelta(days=14),
    Zone.REGIONAL: timedelta(days=21),
    Zone.INTERNATIONAL: timedelta(days=45),
}
