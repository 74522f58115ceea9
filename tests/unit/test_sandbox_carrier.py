"""The sandbox carrier: rates by zone and weight, surcharges, limits, and deterministic labels."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import cast

import pytest

from returns_core.adapters.documents import DocumentStore
from returns_core.adapters.sandbox_carrier import (
    CUSTOMS_HOLD_DAYS,
    CUSTOMS_HOLD_PROBABILITY,
    LOSS_PROBABILITY,
    SHIPMENTS_PREFIX,
    TRANSIT_DAYS,
    Fate,
    SandboxCarrier,
    plan_fate,
    tracking_number_for,
)
from returns_core.clock import utcnow
from returns_core.money import Money
from returns_core.ports.carriers import CarrierRejected, Parcel, Rate, ShipmentRequest
from tests.unit.fakes import InMemoryDocuments


def carrier(documents: InMemoryDocuments | None = None) -> SandboxCarrier:
    store = cast(DocumentStore, documents or InMemoryDocuments())
    return SandboxCarrier(store, ("Returns Centre", "Lagerstrasse 1", "20457 Hamburg", "Germany"))


def shipment(
    from_country: str = "DE", to_country: str = "DE", grams: int = 500, batteries: bool = False, reference: str = "R-1"
) -> ShipmentRequest:
    return ShipmentRequest(
        reference=reference,
        from_country=from_country,
        to_country=to_country,
        parcel=Parcel(weight_grams=grams, contains_batteries=batteries),
    )


def by_service(rates: list[Rate]) -> dict[str, Rate]:
    return {rate.service: rate for rate in rates}


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


class TestRates:
    def test_a_domestic_half_kilo_parcel(self) -> None:
        # Given 500 g inside Germany
        rates = by_service(carrier().rates(shipment("DE", "DE", 500)))
        # Then economy is (4.20 + 1 x 0.45) + 12 % fuel, and express 1.75x that before fuel
        assert rates["ECONOMY"].price == usd("5.21")  # 4.65 + 0.56
        assert rates["EXPRESS"].price == usd("9.12")  # 8.14 + 0.98
        assert rates["ECONOMY"].transit_days == 2
        assert rates["EXPRESS"].transit_days == 1
        assert rates["ECONOMY"].rate_id == "DOMESTIC:ECONOMY"

    def test_weight_is_charged_per_started_half_kilo(self) -> None:
        # Given 501 g: two half-kilo breaks
        economy = by_service(carrier().rates(shipment("DE", "DE", 501)))["ECONOMY"]
        assert economy.price == usd("5.71")  # (4.20 + 2 x 0.45) = 5.10, + 0.61 fuel
        # And 1000 g is still two breaks
        assert by_service(carrier().rates(shipment("DE", "DE", 1000)))["ECONOMY"].price == usd("5.71")

    def test_a_regional_parcel_inside_the_eu(self) -> None:
        rates = by_service(carrier().rates(shipment("FR", "DE", 1000)))
        assert rates["ECONOMY"].price == usd("12.43")  # 8.90 + 2 x 1.10 = 11.10, + 1.33 fuel
        assert rates["ECONOMY"].transit_days == 4
        assert rates["ECONOMY"].rate_id.startswith("REGIONAL:")

    def test_an_international_parcel(self) -> None:
        rates = by_service(carrier().rates(shipment("US", "DE", 2000)))
        assert rates["ECONOMY"].price == usd("34.83")  # 17.50 + 4 x 3.40 = 31.10, + 3.73 fuel
        assert rates["EXPRESS"].price == usd("60.95")  # 54.42 (half-even) + 6.53 fuel
        assert rates["ECONOMY"].transit_days == 8
        assert rates["EXPRESS"].transit_days == 6

    def test_farther_zones_cost_more(self) -> None:
        prices = [
            by_service(carrier().rates(shipment(origin, "DE", 1500)))["ECONOMY"].price for origin in ("DE", "FR", "US")
        ]
        assert prices[0] < prices[1] < prices[2]

    def test_batteries_ship_only_by_express_with_a_surcharge(self) -> None:
        # Given a parcel with batteries
        rates = carrier().rates(shipment("US", "DE", 2000, batteries=True))
        # Then economy is not offered and express carries a USD 6.00 battery surcharge on top
        assert [rate.service for rate in rates] == ["EXPRESS"]
        assert rates[0].carries_batteries
        assert rates[0].price == usd("66.95")

    def test_no_battery_surcharge_without_batteries(self) -> None:
        rates = by_service(carrier().rates(shipment("US", "DE", 2000)))
        assert rates["EXPRESS"].price == usd("60.95")
        assert rates["EXPRESS"].carries_batteries
        assert not rates["ECONOMY"].carries_batteries

    def test_the_heaviest_accepted_parcel_and_one_gram_more(self) -> None:
        assert carrier().rates(shipment(grams=30_000))
        with pytest.raises(CarrierRejected, match="30001 g"):
            carrier().rates(shipment(grams=30_001))

    def test_rates_are_the_same_every_time(self) -> None:
        assert carrier().rates(shipment("FR", "DE", 1234)) == carrier().rates(shipment("FR", "DE", 1234))


class TestTrackingNumbers:
    def test_the_tracking_number_is_deterministic_and_shaped_like_the_carriers(self) -> None:
        number = tracking_number_for("R-1", "ECONOMY")
        assert number == tracking_number_for("R-1", "ECONOMY")
        assert number.startswith("SBX")
        assert len(number) == 15
        assert number[3:].isdigit()

    def test_different_returns_or_services_get_different_numbers(self) -> None:
        numbers = {tracking_number_for(ref, svc) for ref in ("R-1", "R-2", "R-3") for svc in ("ECONOMY", "EXPRESS")}
        assert len(numbers) == 6


class TestBuy:
    def test_buying_stores_a_pdf_label_and_registers_the_shipment(self) -> None:
        documents = InMemoryDocuments()
        sandbox = carrier(documents)
        request = shipment("FR", "DE", 800)
        economy = by_service(sandbox.rates(request))["ECONOMY"]
        before = utcnow()
        label = sandbox.buy(request, economy)
        assert label.tracking_number == tracking_number_for("R-1", "ECONOMY")
        assert label.price == economy.price
        assert timedelta(days=14) <= label.valid_until - before < timedelta(days=14, minutes=1)
        pdf, content_type = documents.objects[label.label_key]
        assert content_type == "application/pdf"
        assert pdf.startswith(b"%PDF")
        assert documents.keys(SHIPMENTS_PREFIX) == [f"{SHIPMENTS_PREFIX}{label.tracking_number}.json"]

    def test_buying_twice_for_the_same_return_gives_the_same_label(self) -> None:
        # Given a label already bought (a retried task) / When bought again / Then the shopper gets the same label
        documents = InMemoryDocuments()
        sandbox = carrier(documents)
        request = shipment()
        rate = sandbox.rates(request)[0]
        first = sandbox.buy(request, rate)
        stored = dict(documents.objects)
        second = sandbox.buy(request, rate)
        assert second == first
        assert documents.objects == stored  # nothing bought or written twice

    def test_voiding_marks_the_shipment_voided(self) -> None:
        documents = InMemoryDocuments()
        sandbox = carrier(documents)
        request = shipment()
        label = sandbox.buy(request, sandbox.rates(request)[0])
        sandbox.void(label)
        registry = documents.get(f"{SHIPMENTS_PREFIX}{label.tracking_number}.json")
        assert registry is not None
        assert b'"voided": true' in registry

    def test_the_registered_shipment_carries_its_fate(self) -> None:
        # Given a label bought for an international return
        documents = InMemoryDocuments()
        sandbox = carrier(documents)
        request = shipment("US", "DE", 800)
        economy = by_service(sandbox.rates(request))["ECONOMY"]
        label = sandbox.buy(request, economy)
        # When the shipment registry is read
        stored = documents.get(f"{SHIPMENTS_PREFIX}{label.tracking_number}.json")
        assert stored is not None
        registry = json.loads(stored)
        # Then it carries the fate drawn from the tracking number, next to the quoted transit days
        assert registry["fate"] == plan_fate(label.tracking_number, "INTERNATIONAL").to_json()
        assert Fate.from_json(registry["fate"]) == plan_fate(label.tracking_number, "INTERNATIONAL")
        assert set(registry["fate"]) >= {"transit_days", "lost", "customs_hold_days"}
        assert registry["transit_days"] == economy.transit_days == 8
        assert registry["zone"] == "INTERNATIONAL"


SAMPLE = 5_000


def fates(zone: str) -> list[Fate]:
    return [plan_fate(f"SBX{n:012d}", zone) for n in range(SAMPLE)]


def configured_mean(zone: str) -> float:
    table = TRANSIT_DAYS[zone]
    return sum(days * weight for days, weight in table.items()) / sum(table.values())


class TestFate:
    def test_a_tracking_number_always_has_the_same_fate(self) -> None:
        # Given a tracking number / When its fate is planned twice / Then both plans are the same
        number = tracking_number_for("R-1", "ECONOMY")
        assert plan_fate(number, "INTERNATIONAL") == plan_fate(number, "INTERNATIONAL")
        # And different tracking numbers do not all share one fate
        assert len({plan_fate(f"SBX{n:012d}", "INTERNATIONAL") for n in range(50)}) > 1

    @pytest.mark.parametrize("zone", ["DOMESTIC", "REGIONAL", "INTERNATIONAL"])
    def test_transit_days_follow_the_lanes_distribution(self, zone: str) -> None:
        # Given 5,000 synthetic parcels on the lane
        drawn = [fate.transit_days for fate in fates(zone)]
        # Then every transit time is one the lane allows, and their mean is close to the configured one
        assert set(drawn) <= set(TRANSIT_DAYS[zone])
        assert abs(sum(drawn) / SAMPLE - configured_mean(zone)) < 0.1
        # And the most likely transit time is drawn most often
        most_likely = max(TRANSIT_DAYS[zone], key=lambda days: TRANSIT_DAYS[zone][days])
        assert max(set(drawn), key=drawn.count) == most_likely

    def test_the_lanes_are_ordered_by_distance(self) -> None:
        assert configured_mean("DOMESTIC") < configured_mean("REGIONAL") < configured_mean("INTERNATIONAL")
        assert max(TRANSIT_DAYS["INTERNATIONAL"]) == 14  # a long tail

    @pytest.mark.parametrize("zone", ["DOMESTIC", "REGIONAL", "INTERNATIONAL"])
    def test_losses_happen_at_the_configured_rate(self, zone: str) -> None:
        # Given 5,000 synthetic parcels on the lane
        lost = sum(fate.lost for fate in fates(zone))
        # Then about the configured share is lost (within four standard deviations of a binomial draw)
        expected = LOSS_PROBABILITY[zone] * SAMPLE
        assert lost > 0
        assert abs(lost - expected) < 4 * (expected * (1 - LOSS_PROBABILITY[zone])) ** 0.5

    def test_customs_hold_only_international_parcels_at_the_configured_rate(self) -> None:
        # Given 5,000 synthetic parcels on each lane
        # Then no domestic or regional parcel is ever held by customs
        assert not any(fate.customs_hold_days for fate in fates("DOMESTIC"))
        assert not any(fate.customs_hold_days for fate in fates("REGIONAL"))
        # And about the configured share of international parcels is held (lost ones never reach the border)
        international = fates("INTERNATIONAL")
        held = [fate.customs_hold_days for fate in international if fate.customs_hold_days]
        p = CUSTOMS_HOLD_PROBABILITY["INTERNATIONAL"] * (1 - LOSS_PROBABILITY["INTERNATIONAL"])
        assert abs(len(held) - p * SAMPLE) < 4 * (SAMPLE * p * (1 - p)) ** 0.5
        # And each hold lasts within the configured days, all of them occurring
        assert set(held) == set(range(CUSTOMS_HOLD_DAYS[0], CUSTOMS_HOLD_DAYS[1] + 1))
        assert not any(fate.lost and fate.customs_hold_days for fate in international)

    def test_only_some_lost_parcels_are_reported_lost(self) -> None:
        international = fates("INTERNATIONAL")
        assert not any(fate.loss_reported and not fate.lost for fate in international)
        lost = [fate for fate in international if fate.lost]
        assert 0 < sum(fate.loss_reported for fate in lost) < len(lost)
