"""The carrier's weight at acceptance against what the returned items weigh."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from returns_core.domain.scans import ScanStatus
from returns_core.domain.weights import WeightMismatch, grams_from_ounces, weight_mismatch
from returns_core.webhooks import easypost


@pytest.mark.parametrize(
    ("expected", "measured", "verdict"),
    [
        (900, 1100, None),  # items plus a box
        (900, 440, WeightMismatch.LIGHT),  # half the items are missing, or an empty box
        (900, 2000, None),  # a carrier rounding up to 2 kg
        (900, 4000, WeightMismatch.HEAVY),  # a brick
        (900, 0, None),  # not weighed
    ],
)
def test_a_parcel_is_flagged_only_when_its_weight_cannot_be_its_items(
    expected: int, measured: int, verdict: WeightMismatch | None
) -> None:
    assert weight_mismatch(expected, measured) is verdict


def _tracker_event(weight: object) -> bytes:
    """A tracker.updated Event as EasyPost documents it: the Tracker in `result`, its weight in ounces."""
    tracker = {
        "object": "Tracker",
        "id": "trk_0123456789abcdef0123456789abcdef",
        "tracking_code": "EZ4000000004",
        "status": "in_transit",
        "weight": weight,
        "tracking_details": [
            {"object": "TrackingDetail", "status": "pre_transit", "datetime": "2026-05-01T09:00:00Z"},
            {"object": "TrackingDetail", "status": "in_transit", "datetime": "2026-05-01T16:00:00Z"},
        ],
    }
    return json.dumps({"object": "Event", "description": "tracker.updated", "result": tracker}).encode()


def test_an_easypost_tracker_carries_the_carriers_weight_in_grams_on_the_scans_after_acceptance() -> None:
    scans = easypost.normalise(_tracker_event(17.6))
    weights = {scan.status: scan.weight_grams for scan in scans}
    assert weights == {ScanStatus.LABEL_CREATED: None, ScanStatus.IN_TRANSIT: grams_from_ounces(Decimal("17.6"))}
    assert grams_from_ounces(Decimal("17.6")) == 499


@pytest.mark.parametrize("weight", [None, 0, -3, "heavy", True, 1e9])
def test_an_easypost_tracker_without_a_usable_weight_reports_none(weight: object) -> None:
    assert {scan.weight_grams for scan in easypost.normalise(_tracker_event(weight))} == {None}
