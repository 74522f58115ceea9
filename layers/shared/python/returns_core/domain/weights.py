"""A parcel's weight at the carrier's acceptance scan against what its items weigh: an empty box or a
brick is caught before an acceptance-scan refund pays for goods that were never sent."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

# Lighter than this share of the items' weight: items are missing (packaging only adds weight).
LIGHT_RATIO = Decimal("0.5")
# Heavier than this many times the items' weight, beyond the slack for packaging and carriers that
# round up to the next kilogram: something else is in the box.
HEAVY_RATIO = Decimal(3)
HEAVY_SLACK_GRAMS = 1000
OUNCE_GRAMS = Decimal("28.349523125")


class WeightMismatch(StrEnum):
    LIGHT = "LIGHT"
    HEAVY = "HEAVY"


def weight_mismatch(expected_grams: int, measured_grams: int) -> WeightMismatch | None:
    if expected_grams <= 0 or measured_grams <= 0:
        return None  # nothing to compare (a carrier that reports 0 did not weigh it)
    if measured_grams < expected_grams * LIGHT_RATIO:
        return WeightMismatch.LIGHT
    if measured_grams > expected_grams * HEAVY_RATIO + HEAVY_SLACK_GRAMS:
        return WeightMismatch.HEAVY
    return None


def grams_from_ounces(ounces: Decimal) -> int:
    return int((ounces * OUNCE_GRAMS).to_integral_value())
