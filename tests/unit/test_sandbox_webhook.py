"""The sandbox carrier's tracking words turned into the canonical scan vocabulary."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from returns_core.domain.scans import ScanStatus
from returns_core.webhooks.sandbox import PROVIDER, VOCABULARY, UnreadablePayload, normalise

EXPECTED = {
    "label_created": ScanStatus.LABEL_CREATED,
    "accepted": ScanStatus.ACCEPTED,
    "in_transit": ScanStatus.IN_TRANSIT,
    "customs_hold": ScanStatus.CUSTOMS_HOLD,
    "out_for_delivery": ScanStatus.OUT_FOR_DELIVERY,
    "available_for_pickup": ScanStatus.AVAILABLE_FOR_PICKUP,
    "delivery_attempted": ScanStatus.DELIVERY_ATTEMPTED,
    "delivered": ScanStatus.DELIVERED,
    "returned_to_sender": ScanStatus.RETURN_FAILED,  # on a return label: going back to the shopper
    "lost": ScanStatus.LOST_OR_DAMAGED,
    "damaged": ScanStatus.LOST_OR_DAMAGED,
    "cancelled": ScanStatus.CANCELLED,
}


def body(**overrides: Any) -> bytes:
    payload: dict[str, Any] = {
        "id": "evt_42",
        "tracking_number": "SBX000000000042",
        "status": "in_transit",
        "occurred_at": "2026-03-05T08:15:00Z",
        "location": "Leipzig hub",
    }
    payload.update(overrides)
    return json.dumps({k: v for k, v in payload.items() if v is not None}).encode()


def test_the_vocabulary_is_exactly_the_documented_one() -> None:
    assert VOCABULARY == EXPECTED


@pytest.mark.parametrize(("word", "status"), sorted(EXPECTED.items()))
def test_every_word_maps_to_its_canonical_status(word: str, status: ScanStatus) -> None:
    [scan] = normalise(body(status=word))
    assert scan.status is status
    assert scan.raw_status == word


def test_the_scan_keeps_what_the_carrier_said() -> None:
    [scan] = normalise(body(status="delivered"))
    assert scan.event_id == "evt_42"
    assert scan.provider == PROVIDER
    assert scan.tracking_number == "SBX000000000042"
    assert scan.occurred_at == datetime(2026, 3, 5, 8, 15, tzinfo=UTC)
    assert scan.location == "Leipzig hub"


def test_words_are_matched_whatever_their_case() -> None:
    [scan] = normalise(body(status="DELIVERED"))
    assert scan.status is ScanStatus.DELIVERED
    assert scan.raw_status == "DELIVERED"


def test_an_unknown_word_is_ignored_not_an_error() -> None:
    # Given a status this product does not act on / Then the webhook accepts it and nothing happens
    assert normalise(body(status="weather_delay")) == []


def test_a_missing_location_is_fine() -> None:
    [scan] = normalise(body(location=None))
    assert scan.location is None


def test_a_time_with_an_offset_is_kept_as_that_instant() -> None:
    [scan] = normalise(body(occurred_at="2026-03-05T09:15:00+01:00"))
    assert scan.occurred_at == datetime(2026, 3, 5, 8, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00",
        b"[]",
        b'"delivered"',
        b"{}",
        body(id=""),
        body(tracking_number=None),
        body(occurred_at="yesterday"),
        body(status=""),
        b"[" * 100_000 + b"]" * 100_000,
        body(tracking_number="X" * 65),
    ],
    ids=[
        "empty",
        "text",
        "bytes",
        "list",
        "string",
        "empty-object",
        "empty-id",
        "no-tracking",
        "bad-time",
        "no-status",
        "deeply-nested",
        "tracking-number-too-long",
    ],
)
def test_an_unreadable_payload_is_refused(raw: bytes) -> None:
    with pytest.raises(UnreadablePayload):
        normalise(raw)


def test_a_time_without_a_timezone_is_refused() -> None:
    # Given "08:15" with no zone: nobody can tell when the scan happened
    with pytest.raises(UnreadablePayload):
        normalise(body(status="delivered", occurred_at="2026-03-05T08:15:00"))
