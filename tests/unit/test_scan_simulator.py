"""The auto-carrier's journeys: each registered shipment plays out the fate drawn when its label was bought."""

from __future__ import annotations

import threading
from typing import Any, cast

import pytest

from infra.local.simulator import (
    CROSS_BORDER_JOURNEY,
    HAPPY_JOURNEY,
    AutoCarrier,
    ScanSimulator,
    fate_of,
    journey_for,
)
from returns_core.adapters.sandbox_carrier import CUSTOMS_HOLD_DAYS, TRANSIT_DAYS, Fate, plan_fate
from returns_core.webhooks.sandbox import VOCABULARY


def statuses(journey: tuple[tuple[str, float], ...]) -> list[str]:
    return [status for status, _ in journey]


def without_repeats(words: list[str]) -> tuple[str, ...]:
    return tuple(word for i, word in enumerate(words) if i == 0 or words[i - 1] != word)


def elapsed(journey: tuple[tuple[str, float], ...]) -> float:
    return sum(delay for _, delay in journey)


def longest_silence(journey: tuple[tuple[str, float], ...]) -> float:
    return max(delay for _, delay in journey)


class TestJourneyFor:
    @pytest.mark.parametrize("days", [1, 2, 3, 8, 14])
    def test_a_normal_fate_is_the_happy_path_over_its_transit_days(self, days: int) -> None:
        # Given a parcel that travels `days` days without trouble
        journey = journey_for(Fate(transit_days=days))
        # Then it is accepted, scanned in transit every day, out for delivery and delivered
        assert without_repeats(statuses(journey)) == HAPPY_JOURNEY
        assert statuses(journey).count("in_transit") == days
        # And the scans take the transit days, never more than a day apart
        assert journey[0] == ("accepted", 0.0)
        assert elapsed(journey) == pytest.approx(days)
        assert longest_silence(journey) <= 1.0

    def test_a_one_day_parcel_plays_exactly_the_happy_journey(self) -> None:
        assert tuple(statuses(journey_for(Fate(transit_days=1)))) == HAPPY_JOURNEY

    @pytest.mark.parametrize(("days", "hold"), [(1, 2), (4, 1), (8, 3), (14, 5)])
    def test_a_held_parcel_stops_at_customs_and_then_moves_on(self, days: int, hold: int) -> None:
        # Given a parcel that customs hold for `hold` days
        journey = journey_for(Fate(transit_days=days, customs_hold_days=hold))
        # Then it is the cross-border journey: held once, released, delivered
        assert without_repeats(statuses(journey)) == CROSS_BORDER_JOURNEY
        assert statuses(journey).count("customs_hold") == 1
        # And the hold is a pause of its length, on top of the transit days
        held_at = statuses(journey).index("customs_hold")
        assert journey[held_at + 1] == ("in_transit", float(hold))
        assert elapsed(journey) == pytest.approx(days + hold)
        assert longest_silence(journey) == hold

    @pytest.mark.parametrize("days", [1, 2, 5, 14])
    def test_a_lost_parcel_goes_silent_after_being_in_transit(self, days: int) -> None:
        # Given a parcel lost in transit that its carrier never reports
        journey = journey_for(Fate(transit_days=days, lost=True))
        # Then it is accepted and in transit, and then nothing: it is never delivered
        words = statuses(journey)
        assert without_repeats(words) == ("accepted", "in_transit")
        assert "delivered" not in words
        assert elapsed(journey) < days

    def test_a_reported_loss_ends_with_a_lost_scan(self) -> None:
        # Given a lost parcel its carrier reports
        journey = journey_for(Fate(transit_days=6, lost=True, loss_reported=True))
        # Then the last scan is `lost` (which the workflow treats as lost or damaged), and nothing is delivered
        assert without_repeats(statuses(journey)) == ("accepted", "in_transit", "lost")
        assert "delivered" not in statuses(journey)

    def test_every_scan_is_a_word_of_the_sandbox_vocabulary(self) -> None:
        fates = [plan_fate(f"SBX{n:012d}", zone) for zone in TRANSIT_DAYS for n in range(500)]
        words = {status for fate in fates for status, _ in journey_for(fate)}
        assert words <= set(VOCABULARY)
        assert {"customs_hold", "lost", "delivered"} <= words

    def test_the_longest_journey_and_silence_stay_within_bounds(self) -> None:
        # Given the slowest international parcel, held for the longest
        slowest = Fate(transit_days=max(TRANSIT_DAYS["INTERNATIONAL"]), customs_hold_days=CUSTOMS_HOLD_DAYS[1])
        journey = journey_for(slowest)
        # Then it arrives well inside the international delivery limit (45 days) and stall limit (10 days)
        assert elapsed(journey) == 19
        assert longest_silence(journey) == 5


class TestFateOf:
    def test_the_registered_fate_is_played(self) -> None:
        fate = Fate(transit_days=3, customs_hold_days=2)
        assert fate_of({"tracking_number": "SBX000000000001", "zone": "INTERNATIONAL", "fate": fate.to_json()}) == fate

    def test_a_shipment_registered_without_a_fate_draws_it_from_its_tracking_number(self) -> None:
        shipment = {"tracking_number": "SBX000000000002", "zone": "REGIONAL"}
        assert fate_of(shipment) == plan_fate("SBX000000000002", "REGIONAL")


class RecordingSimulator:
    """ScanSimulator.post, recorded instead of sent."""

    def __init__(self) -> None:
        self.posted: list[tuple[str, str]] = []
        self.done = threading.Event()

    def post(self, tracking_number: str, status: str, **_: Any) -> None:
        self.posted.append((tracking_number, status))
        if status in ("delivered", "lost"):
            self.done.set()


class TestAutoCarrier:
    def test_each_registered_shipment_plays_its_own_fate(self) -> None:
        # Given a registered shipment held by customs, and a voided one
        fate = Fate(transit_days=2, customs_hold_days=1)
        shipments: list[dict[str, Any]] = [
            {"tracking_number": "SBX000000000010", "zone": "INTERNATIONAL", "fate": fate.to_json()},
            {"tracking_number": "SBX000000000011", "zone": "DOMESTIC", "voided": True},
        ]
        simulator = RecordingSimulator()
        auto = AutoCarrier(cast(ScanSimulator, simulator), lambda: shipments, gap=0.002)
        # When the auto-carrier runs
        auto.start()
        try:
            assert simulator.done.wait(10)
        finally:
            auto.stop()
        # Then the held shipment plays its fate's journey, and the voided one never moves
        assert simulator.posted == [("SBX000000000010", status) for status in statuses(journey_for(fate))]
