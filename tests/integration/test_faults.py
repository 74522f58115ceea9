"""Faults on the way: a flaky carrier, a function that dies between two writes. Each is retried or
parked visibly; nothing is doubled or lost.

(A payment provider timing out is in test_refund_exactly_once.py; the bus refusing a scan in
test_carrier_webhook.py.)
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from pynamodb.transactions import TransactWrite

from returns_core.adapters.sandbox_carrier import SHIPMENTS_PREFIX, SandboxCarrier
from returns_core.ports.carriers import CarrierUnavailable, Label, Rate, ShipmentRequest
from returns_core.storage.models import LedgerRecord
from returns_core.wiring import services
from returns_core.workflow.costs import CostRecorder

from .support import LocalAws, create_return, drive_to_refund, ops, seed_order, wait_status


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
