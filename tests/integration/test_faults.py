"""Faults on the way: a flaky carrier, a function that dies between two writes, a bus that takes a
delivery's scans only in part. Each is retried or parked visibly; nothing is doubled or lost.

(A payment provider timing out is in test_refund_exactly_once.py; the bus refusing a single scan in
test_carrier_webhook.py.)
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from pynamodb.transactions import TransactWrite

from infra import catalogue
from returns_core.adapters.sandbox_carrier import SHIPMENTS_PREFIX, SandboxCarrier
from returns_core.ports.carriers import CarrierUnavailable, Label, Rate, ShipmentRequest
from returns_core.storage.models import LedgerRecord
from returns_core.webhooks import easypost
from returns_core.wiring import services
from returns_core.workflow.costs import CostRecorder

from .support import (
    BusTap,
    LocalAws,
    api_event,
    call_api,
    create_return,
    drive_to_refund,
    ops,
    seed_order,
    wait_status,
)


@pytest.mark.leaves_workflows_waiting  # the labelled returns wait for their parcels
def test_a_carrier_failing_every_other_call_still_sells_each_return_one_label(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a carrier whose label API fails every other call before selling anything
    calls: list[str] = []
    lock = threading.Lock()
    original = SandboxCarrier.buy

    def flaky(self: SandboxCarrier, shipment: ShipmentRequest, rate: Rate) -> Label:
        with lock:
            calls.append(shipment.reference)
            failing = len(calls) % 2 == 1
        if failing:
            raise CarrierUnavailable("503 from the carrier")
        return original(self, shipment, rate)

    monkeypatch.setattr(SandboxCarrier, "buy", flaky)

    # When four shoppers start returns
    return_ids = [create_return(seed_order(f"ORD-FLAKY-{n}"), items=[("1", 1)]) for n in range(4)]

    # Then each gets its label (the workflow retried), and the carrier sold exactly one per return
    for return_id in return_ids:
        assert wait_status(return_id, "LABEL_ISSUED", timeout=30).label
    sold = list(services().documents.keys(SHIPMENTS_PREFIX))
    labelled = {str((services().returns.get(rid).label or {})["tracking_number"]) for rid in return_ids}
    assert len(calls) >= 2 * len(return_ids) - 1
    assert {key.rsplit("/", 1)[-1].removesuffix(".json") for key in sold} >= labelled
    assert len([key for key in sold if key.rsplit("/", 1)[-1].removesuffix(".json") in labelled]) == len(return_ids)
    # And no return was parked for ops
    assert all(services().returns.get(rid).waiting_for != "LABEL_FIX" for rid in return_ids)


def test_costs_recorded_by_a_function_that_died_after_its_first_transaction_are_written_once(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a RecordCosts function that dies right after its first transaction commits, once
    recording = threading.local()
    died: list[str] = []
    original_record, original_commit = CostRecorder.record, TransactWrite._commit

    def record(self: CostRecorder, return_id: str, lines_only: bool = False) -> dict[str, Any]:
        recording.on = True
        try:
            return original_record(self, return_id, lines_only)
        finally:
            recording.on = False

    def commit(self: TransactWrite) -> Any:
        result = original_commit(self)
        if getattr(recording, "on", False) and not died:
            died.append("after the first transaction")
            raise RuntimeError("the function's process died")
        return result

    monkeypatch.setattr(CostRecorder, "record", record)
    monkeypatch.setattr(TransactWrite, "_commit", commit)
    baseline = ops("GET", "/ops/analytics").body["totals"]

    # When a return is refunded and its costs recorded
    return_id = create_return(seed_order("ORD-DIES-1"), items=[("1", 1)])
    execution = drive_to_refund(return_id)

    # Then the workflow retried the task and finished, and the function did die once
    assert died == ["after the first transaction"]
    assert execution["status"] == "SUCCEEDED"
    # And each ledger line is written once, and the return is counted once
    lines = [line.line_id for line in LedgerRecord.query(return_id)]
    assert sorted(lines) == sorted(set(lines)) and "REFUND" in {line.kind for line in LedgerRecord.query(return_id)}
    totals = ops("GET", "/ops/analytics").body["totals"]
    assert totals["returns"] == baseline["returns"] + 1
    assert totals["units_returned"] == baseline["units_returned"] + 1


def _tracker_update(*details: tuple[str, str]) -> bytes:
    """An EasyPost tracker.updated event whose tracker carries these (status, time) tracking details."""
    tracking_details = [
        {"object": "TrackingDetail", "status": status, "datetime": at, "tracking_location": {"country": "DE"}}
        for status, at in details
    ]
    tracker = {"id": "trk_partial", "object": "Tracker", "tracking_code": "EZ4000000004", "status": details[-1][0]}
    event = {"id": "evt_partial", "object": "Event", "description": "tracker.updated"}
    return json.dumps({**event, "result": {**tracker, "tracking_details": tracking_details}}).encode()


def test_a_delivery_the_bus_takes_only_in_part_is_redelivered_and_each_scan_queued_once(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given EasyPost posting a tracker update of three scans, and a bus that refuses the second PutEvents once
    secret = "easypost-partial-secret"
    monkeypatch.setenv("CARRIER_WEBHOOK_SECRETS", json.dumps({"easypost": [secret]}))
    services.cache_clear()
    scans = BusTap(catalogue.SCAN_RULE.name, catalogue.SCAN_RULE.pattern)
    body = _tracker_update(
        ("pre_transit", "2026-11-30T08:00:00Z"),
        ("in_transit", "2026-11-30T18:00:00Z"),
        ("in_transit", "2026-12-01T06:00:00Z"),
    )
    bus = services().aws.events
    put_events, calls = bus.put_events, []

    def refusing_the_second(**kwargs: Any) -> Any:
        calls.append(kwargs)
        if len(calls) == 2:
            return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "ThrottlingException", "ErrorMessage": "rate"}]}
        return put_events(**kwargs)

    monkeypatch.setattr(bus, "put_events", refusing_the_second)

    def deliver() -> Any:
        headers = easypost.sign(secret, body)
        return call_api("carrier-webhook", api_event("POST", "/webhooks/carriers/easypost", body, headers))

    # When EasyPost posts it
    first = deliver()
    # Then it is told to retry later, and only the scan before the refusal is queued
    assert (first.status, first.code) == (503, "EVENT_BUS_UNAVAILABLE"), first
    assert [event["detail"]["status"] for event in scans.events()] == ["LABEL_CREATED"]

    # When EasyPost delivers it again, as it does after a 503
    again = deliver()
    # Then the rest is queued, and each of the three scans reached the bus exactly once, none lost
    assert again.status == 202, again
    assert again.body == {"accepted": True, "published": 2, "ignored": 1, "future_dated": 0}
    queued = [event["detail"] for event in scans.events()]
    assert sorted(scan["status"] for scan in queued) == ["IN_TRANSIT", "IN_TRANSIT", "LABEL_CREATED"]
    assert len({scan["event_id"] for scan in queued}) == 3
