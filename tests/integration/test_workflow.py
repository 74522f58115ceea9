"""The real ASL file run by moto with our handlers: a return from request to its end.

Scans reach on-scan as the scan-events rule would hand them over (EventBridge-shaped events); ops
act through the ops API handler. Step Functions' timeouts are the policy's, scaled by TIME_SCALE.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from returns_core.domain.orders import ShippingAddress
from returns_core.domain.scans import ScanEvent, ScanStatus
from returns_core.ports.carriers import Parcel, ShipmentRequest
from returns_core.storage.models import LedgerRecord
from returns_core.wiring import services

from .support import (
    FAST_EXPIRY_TIME_SCALE,
    LocalAws,
    accepted_by_carrier,
    create_return,
    deliver_scan,
    drive_to_refund,
    get_return,
    inspection_body,
    invoke,
    ops,
    order_line,
    refund_objects,
    reserved,
    return_request,
    scan_rule_event,
    seed_order,
    sent_emails,
    storefront,
    subjects_to,
    visited_states,
    wait_execution,
    wait_parked,
    wait_status,
    wait_tracking_number,
)

HIGH_VALUE_LINES = [order_line("1", sku="WCH-GLD", name="Gold watch", price="600.00", hs_code="910111", origin="CH")]
# A pair of socks shipped to Australia: the label home would cost more than the socks are worth.
CHEAP_CROSS_BORDER_LINES = [
    order_line("1", sku="SCK-3PK", name="Merino socks, 3 pack", price="12.00", hs_code="611595", origin="CN", grams=150)
]


def _statuses(return_id: str) -> list[str]:
    return [entry["status"] for entry in get_return(return_id).timeline if entry["kind"] == "STATUS"]


def _review(return_id: str, decision: str, reason: str = "Checked the order history") -> tuple[int, Any]:
    reply = ops("POST", f"/ops/returns/{return_id}/review", {"decision": decision, "reason": reason, "reviewer": "ops"})
    return reply.status, reply.body


# ---------------------------------------------------------------------------------------------------------
# The happy path
# ---------------------------------------------------------------------------------------------------------


def test_a_return_travels_from_request_to_refund(aws: LocalAws) -> None:
    # Given a shopper in Germany returning sneakers bought for 89.90 EUR
    order = seed_order()
    return_id = create_return(order, items=[("1", 1)])

    # When the label is bought and the carrier accepts the parcel
    tracking = wait_tracking_number(return_id)
    wait_parked(return_id, "DISPATCH")
    assert deliver_scan(tracking, ScanStatus.ACCEPTED) == "ADVANCED"
    travelling = wait_parked(return_id, "DELIVERY")

    # Then the shopper is refunded already: in the EU the acceptance scan is proof of dispatch
    assert travelling.status == "IN_TRANSIT"
    assert travelling.refund["status"] == "succeeded"
    assert travelling.refund["trigger"] == "ACCEPTANCE_SCAN"
    assert len(refund_objects()) == 1

    # When the parcel arrives and the warehouse inspects it
    assert deliver_scan(tracking, ScanStatus.IN_TRANSIT) == "RECORDED"
    assert deliver_scan(tracking, ScanStatus.DELIVERED) == "ADVANCED"
    wait_parked(return_id, "INSPECTION")
    inspected = ops("POST", f"/ops/returns/{return_id}/inspection", inspection_body([("1", 1)]))
    assert inspected.status == 200, inspected
    execution = wait_execution(return_id)

    # Then the workflow took the labelled path and the return is refunded
    assert execution["status"] == "SUCCEEDED", execution
    assert visited_states(return_id) == [
        "Authorise", "Decide", "BuyLabel", "ShipOrKeep", "NotifyLabelIssuedForAcceptanceRefund",
        "AwaitDispatchForAcceptanceRefund", "RefundOnAcceptance", "AwaitDelivery", "AwaitInspection", "Refund",
        "RecordCosts", "NotifyOutcome",
    ]  # fmt: skip
    assert _statuses(return_id) == [
        "REQUESTED", "APPROVED", "LABEL_ISSUED", "IN_TRANSIT", "DELIVERED", "INSPECTED", "REFUND_PENDING", "REFUNDED",
    ]  # fmt: skip
    record = get_return(return_id)
    # ...once: one refund at the payment provider, in euros, for the item less the label (EU: shopper pays it)
    [paid] = refund_objects()
    assert paid["refund_id"] == record.refund["refund_id"]
    assert paid["amount"] == record.refund["amount"] == record.refund["breakdown"]["total"]
    assert paid["amount"]["currency"] == "EUR"
    assert paid["payment_reference"] == order.payment_reference
    # ...and ops see it with its execution path and its ledger lines
    detail = ops("GET", f"/ops/returns/{return_id}")
    assert detail.status == 200, detail
    assert detail.body["status"] == "REFUNDED"
    assert detail.body["execution"]["status"] == "SUCCEEDED"
    assert [step["state"] for step in detail.body["execution"]["path"]][-1] == "NotifyOutcome"
    ledger = {line["kind"]: line for line in detail.body["ledger"]}
    assert set(ledger) == {"LABEL", "REFUND", "RETURN_SHIPPING_RECOVERED"}
    assert ledger["REFUND"]["amount"] == {"amount": "-" + paid["amount"]["amount"], "currency": "EUR"}
    assert ledger["REFUND"]["base_amount"]["currency"] == "USD"
    assert ledger["REFUND"]["fx_rate"]
    # ...the return shipping kept back is a memo line, already netted in the refund, so the total is
    # the label plus what was paid, in US dollars
    assert [kind for kind, line in ledger.items() if line["memo"]] == ["RETURN_SHIPPING_RECOVERED"]
    paid_out = Decimal(ledger["REFUND"]["base_amount"]["amount"]) + Decimal(ledger["LABEL"]["base_amount"]["amount"])
    assert detail.body["ledger_total"] == {"amount": str(paid_out), "currency": "USD"}
    # ...the shopper got the label and the refund emails, and the returned pair stays accounted for
    assert subjects_to(order.email) == [
        f"Your return label for order {order.order_number}",
        f"Your refund for order {order.order_number} is on its way",
    ]
    assert reserved(order.order_number) == {"1": 1}


def test_each_milestone_is_emailed_once_even_if_notify_runs_twice(aws: LocalAws) -> None:
    # Given a return whose label email went out
    order = seed_order()
    return_id = create_return(order)
    wait_parked(return_id, "DISPATCH")
    label_mail = [m for m in sent_emails() if "label" in m.subject]
    assert len(label_mail) == 1
    assert label_mail[0].attachments == [f"return-label-{return_id}.pdf"]

    # When the notify task runs again for that milestone (a retried invoke), and again after the refund
    invoke("notify", {"return_id": return_id, "event": "LABEL_ISSUED"})
    drive_to_refund(return_id)
    invoke("notify", {"return_id": return_id, "event": "REFUNDED"})
    invoke("notify", {"return_id": return_id, "event": "LABEL_ISSUED"})

    # Then the shopper still has exactly one email per milestone
    subjects = subjects_to(order.email)
    assert sorted(subjects) == sorted(
        [
            f"Your return label for order {order.order_number}",
            f"Your refund for order {order.order_number} is on its way",
        ]
    )


# ---------------------------------------------------------------------------------------------------------
# Review
# ---------------------------------------------------------------------------------------------------------


def test_a_high_value_return_waits_for_review_and_continues_when_approved(aws: LocalAws) -> None:
    # Given a return worth 600 EUR (above the 500 USD review threshold)
    order = seed_order(lines=HIGH_VALUE_LINES)
    return_id = create_return(order)

    # When the workflow authorises it
    wait_parked(return_id, "REVIEW")

    # Then it waits in review, and ops find it in their review queue
    assert get_return(return_id).status == "IN_REVIEW"
    assert get_return(return_id).label is None
    queue = ops("GET", "/ops/returns", query="status=IN_REVIEW")
    assert queue.status == 200, queue
    assert [r["return_id"] for r in queue.body["returns"]] == [return_id]

    # When ops approve it
    status, body = _review(return_id, "APPROVED")

    # Then it continues to a label, and on to a refund
    assert status == 200, body
    wait_status(return_id, "LABEL_ISSUED")
    assert _review(return_id, "REJECTED")[1]["error"]["code"] == "ALREADY_REVIEWED"
    assert drive_to_refund(return_id)["status"] == "SUCCEEDED"
    assert get_return(return_id).status == "REFUNDED"
    assert visited_states(return_id)[:5] == ["Authorise", "Decide", "AwaitReview", "ReviewOutcome", "BuyLabel"]
    assert len(refund_objects()) == 1


@pytest.mark.leaves_workflows_waiting  # the new return it starts at the end waits for a review
def test_a_return_rejected_in_review_ends_and_gives_its_items_back(aws: LocalAws) -> None:
    # Given a high-value return waiting for review, holding the watch
    order = seed_order(lines=HIGH_VALUE_LINES)
    return_id = create_return(order)
    wait_parked(return_id, "REVIEW")
    assert reserved(order.order_number) == {"1": 1}

    # When ops reject it
    status, body = _review(return_id, "REJECTED", reason="Serial number does not match our records")
    assert status == 200, body

    # Then the return is REJECTED, the shopper is told why, and the watch can be returned again
    execution = wait_execution(return_id)
    assert execution["status"] == "SUCCEEDED", execution
    record = get_return(return_id)
    assert record.status == "REJECTED"
    assert record.label is None
    assert record.refund is None
    assert reserved(order.order_number) == {}
    [rejection] = [m for m in sent_emails() if order.email in m.to]
    assert rejection.subject == f"About your return request for order {order.order_number}"
    assert "Serial number does not match our records" in rejection.text
    assert refund_objects() == []
    assert storefront("POST", "/returns", return_request(order, reason="DEFECTIVE")).status == 201


# ---------------------------------------------------------------------------------------------------------
# Policy decisions and routing
# ---------------------------------------------------------------------------------------------------------


def test_a_return_after_the_window_is_rejected(aws: LocalAws) -> None:
    # Given an order delivered 40 days ago (the EU change-of-mind window is 14 days)
    order = seed_order(delivered_days_ago=40)

    # When the shopper asks to return a pair that does not fit
    return_id = create_return(order, reason="DOES_NOT_FIT")

    # Then the workflow rejects it without a label, frees the quantity and tells the shopper
    execution = wait_execution(return_id)
    assert execution["status"] == "SUCCEEDED", execution
    record = get_return(return_id)
    assert record.status == "REJECTED"
    assert record.final["reason"] == "NOT_ELIGIBLE"
    assert [f["code"] for f in record.decision["findings"]] == ["WINDOW_PASSED"]
    assert "BuyLabel" not in visited_states(return_id)
    assert reserved(order.order_number) == {}
    assert subjects_to(order.email) == [f"About your return request for order {order.order_number}"]


def test_a_cheap_cross_border_item_is_refunded_without_coming_back(aws: LocalAws) -> None:
    # Given socks for 12 AUD shipped to Australia, returned to the warehouse in Germany
    order = seed_order("ORD-AU-1", country="AU", currency="AUD", lines=CHEAP_CROSS_BORDER_LINES, shipping="9.95")

    # When the shopper asks to return them
    return_id = create_return(order, reason="CHANGED_MIND")

    # Then the shopper keeps them and is refunded in AUD, with no label, no scans and no inspection
    execution = wait_execution(return_id)
    assert execution["status"] == "SUCCEEDED", execution
    record = get_return(return_id)
    assert record.status == "REFUNDED"
    assert record.returnless is True
    assert record.label is None
    assert "AwaitDispatch" not in visited_states(return_id)
    [paid] = refund_objects()
    # 12.00 less the 10 % Australian change-of-mind restocking fee
    assert paid["amount"] == {"amount": "10.80", "currency": "AUD"}
    assert subjects_to(order.email) == [f"Your refund for order {order.order_number} is on its way"]
    ledger = ops("GET", f"/ops/returns/{return_id}").body["ledger"]
    assert sorted(line["kind"] for line in ledger) == ["REFUND", "RESTOCKING_FEE"]


# ---------------------------------------------------------------------------------------------------------
# Parcels that never arrive
# ---------------------------------------------------------------------------------------------------------


def test_a_label_not_used_in_time_expires(aws: LocalAws) -> None:
    # Given label validity scaled down to Step Functions' minimum of 1 s
    aws.use_time_scale(FAST_EXPIRY_TIME_SCALE)
    order = seed_order()
    return_id = create_return(order)
    tracking = wait_tracking_number(return_id)

    # When no carrier scan arrives before the label's validity ends
    execution = wait_execution(return_id)

    # Then the return EXPIRED, its label is voided, the pair can be returned again, the shopper is told
    assert execution["status"] == "SUCCEEDED", execution
    record = get_return(return_id)
    assert record.status == "EXPIRED"
    assert record.final["reason"] == "NOT_DISPATCHED_IN_TIME"
    assert record.task_token is None
    shipment = services().documents.get(f"sandbox-carrier/shipments/{tracking}.json")
    assert shipment is not None
    assert json.loads(shipment)["voided"] is True
    # ...and the carrier's refund of the unused label is recorded, and both sides are in the ledger
    assert record.final["label_refund"] == json.loads(shipment)["price"]
    ledger = {line.kind: line.amount for line in LedgerRecord.query(return_id)}
    price = json.loads(shipment)["price"]["amount"]
    assert ledger == {"LABEL": f"-{price}", "LABEL_REFUND": price}
    assert reserved(order.order_number) == {}
    assert subjects_to(order.email)[-1] == f"Your return label for order {order.order_number} has expired"
    # ...and a scan that turns up afterwards changes nothing
    assert deliver_scan(tracking, ScanStatus.ACCEPTED) == "RECORDED_LATE"
    assert get_return(return_id).status == "EXPIRED"


def test_a_parcel_that_stops_being_scanned_is_lost(aws: LocalAws) -> None:
    # Given a parcel accepted by the carrier (domestic lane: 4 days without a scan = stalled = 2 s here)
    order = seed_order()
    return_id, tracking = accepted_by_carrier(create_return(order))

    # When scans keep coming for longer than the stall limit, each one a heartbeat
    for _ in range(3):
        time.sleep(0.8)
        deliver_scan(tracking, ScanStatus.IN_TRANSIT)

    # Then the return is still travelling
    assert get_return(return_id).status == "IN_TRANSIT"
    assert get_return(return_id).waiting_for == "DELIVERY"

    # When the scans stop
    execution = wait_execution(return_id)

    # Then the heartbeat lapses and the return is LOST; its quantity stays reserved for the claim
    assert execution["status"] == "SUCCEEDED", execution
    record = get_return(return_id)
    assert record.final["status"] == "LOST"
    assert record.final["reason"] == "NO_SCAN_OR_CARRIER_REPORTED_LOSS"
    assert reserved(order.order_number) == {"1": 1}
    subjects = subjects_to(order.email)
    assert f"Your return parcel for order {order.order_number} is missing" in subjects
    # And, the acceptance scan being proof of dispatch (EU), the shopper is refunded without a grace period
    states = visited_states(return_id)
    assert states[states.index("ParcelLost") :] == [
        "ParcelLost",
        "Finalise",
        "NotifyFinal",
        "AfterFinal",
        "GraceBeforeLostRefund",
        "Refund",
        "RecordCosts",
        "NotifyOutcome",
    ]
    assert record.status == "REFUNDED"
    assert len(refund_objects()) == 1
    assert subjects[-1] == f"Your refund for order {order.order_number} is on its way"
    # And a claim is open with the carrier, with its evidence, and ops see an alert on the return
    assert record.claim is not None and record.claim["status"] == "OPEN"
    assert record.claim["amount_claimed"] == {"amount": "89.90", "currency": "EUR"}
    claim = json.loads(services().documents.get(f"sandbox-carrier/claims/{tracking}.json") or b"{}")
    assert claim["reference"] == return_id
    assert [scan["scan"] for scan in claim["evidence"]["scans"]] == [
        "ACCEPTED",
        "IN_TRANSIT",
        "IN_TRANSIT",
        "IN_TRANSIT",
    ]
    assert claim["evidence"]["label_key"].endswith(".pdf")
    assert any(e.get("code") == "PARCEL_LOST" and e.get("claim_id") for e in record.timeline)


def test_a_parcel_the_carrier_sends_back_bounces(aws: LocalAws) -> None:
    # Given a parcel on its way
    order = seed_order()
    return_id, tracking = accepted_by_carrier(create_return(order))

    # When the carrier reports it is returning the parcel to the shopper
    deliver_scan(tracking, ScanStatus.RETURN_FAILED)

    # Then the return BOUNCED, the shopper is told, and the item can be returned again
    execution = wait_execution(return_id)
    assert execution["status"] == "SUCCEEDED", execution
    assert get_return(return_id).status == "BOUNCED"
    assert get_return(return_id).final["error"] == "ParcelBounced"
    assert reserved(order.order_number) == {}
    assert subjects_to(order.email)[-1] == f"Your return parcel for order {order.order_number} is coming back to you"


# ---------------------------------------------------------------------------------------------------------
# Scans out of order, repeated, late
# ---------------------------------------------------------------------------------------------------------


def test_out_of_order_and_repeated_scans_never_move_a_return_backwards(aws: LocalAws) -> None:
    # Given a labelled return whose workflow waits for the parcel to be dispatched
    order = seed_order()
    return_id = create_return(order)
    tracking = wait_tracking_number(return_id)
    wait_parked(return_id, "DISPATCH")
    now = datetime.now(UTC)

    # When the DELIVERED scan arrives before any other
    assert deliver_scan(tracking, ScanStatus.DELIVERED, event_id="evt-d", occurred_at=now) == "ADVANCED"

    # Then the workflow goes straight through dispatch and delivery to inspection
    wait_parked(return_id, "INSPECTION")
    assert get_return(return_id).status == "DELIVERED"

    # When the earlier scans turn up late, and the DELIVERED scan is redelivered
    earlier = now - timedelta(hours=20)
    assert deliver_scan(tracking, ScanStatus.ACCEPTED, event_id="evt-a", occurred_at=earlier) == "RECORDED"
    assert deliver_scan(tracking, ScanStatus.IN_TRANSIT, event_id="evt-t", occurred_at=earlier) == "RECORDED"
    assert deliver_scan(tracking, ScanStatus.DELIVERED, event_id="evt-d", occurred_at=now) == "DUPLICATE"

    # Then the status stays DELIVERED, every scan is on the timeline once, and the workflow still waits
    record = get_return(return_id)
    assert record.status == "DELIVERED"
    assert record.waiting_for == "INSPECTION"
    assert [e["scan"] for e in record.timeline if e["kind"] == "SCAN"] == ["DELIVERED", "ACCEPTED", "IN_TRANSIT"]
    assert _statuses(return_id) == ["REQUESTED", "APPROVED", "LABEL_ISSUED", "DELIVERED"]

    # When the warehouse inspects it
    assert ops("POST", f"/ops/returns/{return_id}/inspection", inspection_body()).status == 200

    # Then it is refunded, and a scan arriving after the end is only recorded
    assert wait_execution(return_id)["status"] == "SUCCEEDED"
    assert deliver_scan(tracking, ScanStatus.OUT_FOR_DELIVERY) == "RECORDED_LATE"
    assert get_return(return_id).status == "REFUNDED"


def test_a_scan_for_a_parcel_nobody_knows_is_unmatched(aws: LocalAws) -> None:
    # When a scan arrives for a tracking number no return has
    outcome = deliver_scan("SBX999999999999", ScanStatus.DELIVERED)

    # Then it is reported unmatched, not an error (so the rule does not redeliver it forever)
    assert outcome == "UNMATCHED"


def test_a_malformed_scan_event_is_dropped(aws: LocalAws) -> None:
    # When the rule delivers an event whose detail is not a scan
    result = invoke("on-scan", {"id": "broken", "detail-type": "ScanEvent", "detail": {"tracking_number": "X"}})

    # Then it is dropped (a retry cannot fix it)
    assert result == {"outcome": "MALFORMED"}


# ---------------------------------------------------------------------------------------------------------
# Inspection
# ---------------------------------------------------------------------------------------------------------


def test_a_repeated_inspection_is_idempotent_and_refunds_once(aws: LocalAws) -> None:
    # Given a delivered return waiting for inspection
    order = seed_order()
    return_id = create_return(order)
    tracking = wait_tracking_number(return_id)
    wait_parked(return_id, "DISPATCH")
    deliver_scan(tracking, ScanStatus.DELIVERED)
    wait_parked(return_id, "INSPECTION")
    body = inspection_body([("1", 1)], grade="B")

    # When the warehouse app posts the same inspection twice (a double tap)
    first = ops("POST", f"/ops/returns/{return_id}/inspection", body)
    second = ops("POST", f"/ops/returns/{return_id}/inspection", body)

    # Then both succeed with the same stored inspection and the return is refunded once
    assert first.status == second.status == 200, (first, second)
    assert first.body == second.body
    assert wait_execution(return_id)["status"] == "SUCCEEDED"
    assert get_return(return_id).status == "REFUNDED"
    assert len(refund_objects()) == 1
    assert visited_states(return_id).count("Refund") == 1

    # When a different inspection is posted afterwards
    other = ops("POST", f"/ops/returns/{return_id}/inspection", inspection_body([("1", 0)], grade="D"))

    # Then it is refused: the first inspection stands
    assert other.status == 409, other
    assert other.code == "ALREADY_INSPECTED"


def test_an_inspection_before_delivery_is_409(aws: LocalAws) -> None:
    # Given a return whose parcel has not been delivered yet
    order = seed_order()
    return_id = create_return(order)
    wait_parked(return_id, "DISPATCH")

    # When an inspection is posted for it
    reply = ops("POST", f"/ops/returns/{return_id}/inspection", inspection_body())

    # Then 409 NOT_AWAITING_INSPECTION and nothing is recorded
    assert reply.status == 409, reply
    assert reply.code == "NOT_AWAITING_INSPECTION"
    assert get_return(return_id).inspection is None
    assert get_return(return_id).status == "LABEL_ISSUED"

    # ...and the return still completes normally afterwards
    assert drive_to_refund(return_id)["status"] == "SUCCEEDED"
    assert get_return(return_id).status == "REFUNDED"


def test_an_inspection_of_lines_not_in_the_return_is_422(aws: LocalAws) -> None:
    # Given a return of line 1 waiting for inspection
    order = seed_order()
    return_id = create_return(order, items=[("1", 1)])
    tracking = wait_tracking_number(return_id)
    wait_parked(return_id, "DISPATCH")
    deliver_scan(tracking, ScanStatus.DELIVERED)
    wait_parked(return_id, "INSPECTION")

    # When the inspection names line 2, or accepts more than was returned
    unknown = ops("POST", f"/ops/returns/{return_id}/inspection", inspection_body([("2", 1)]))
    too_many = ops("POST", f"/ops/returns/{return_id}/inspection", inspection_body([("1", 2)]))

    # Then both are refused and the return still waits for a real inspection
    assert (unknown.status, unknown.code) == (422, "UNKNOWN_LINE")
    assert (too_many.status, too_many.code) == (422, "QUANTITY_EXCEEDED")
    assert get_return(return_id).waiting_for == "INSPECTION"
    assert ops("POST", f"/ops/returns/{return_id}/inspection", inspection_body([("1", 1)])).status == 200
    assert wait_execution(return_id)["status"] == "SUCCEEDED"


def test_ops_asking_for_an_unknown_return_get_404(aws: LocalAws) -> None:
    # When ops open, review or inspect a return that does not exist
    replies = [
        ops("GET", "/ops/returns/RT-NOPE"),
        ops("POST", "/ops/returns/RT-NOPE/review", {"decision": "APPROVED", "reason": "ok", "reviewer": "ops"}),
        ops("POST", "/ops/returns/RT-NOPE/inspection", inspection_body()),
    ]

    # Then each is 404 RETURN_NOT_FOUND
    assert [(r.status, r.code) for r in replies] == [(404, "RETURN_NOT_FOUND")] * 3


# ---------------------------------------------------------------------------------------------------------
# Carrier outages
# ---------------------------------------------------------------------------------------------------------


def test_a_carrier_outage_parks_the_return_for_ops_until_a_retry_succeeds(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a carrier that answers every quote with a 503
    from returns_core.adapters.sandbox_carrier import SandboxCarrier
    from returns_core.ports.carriers import CarrierUnavailable

    real_rates = SandboxCarrier.rates

    def down(self: SandboxCarrier, shipment: Any) -> Any:
        raise CarrierUnavailable("503 from the carrier")

    monkeypatch.setattr(SandboxCarrier, "rates", down)
    order = seed_order()
    return_id = create_return(order)

    # When the retries with backoff are spent
    parked = wait_parked(return_id, "LABEL_FIX", timeout=20)

    # Then the return waits visibly for ops, with an alert, instead of ending or hanging
    assert parked.status == "APPROVED"
    assert any(e.get("code") == "LABEL_UNAVAILABLE" for e in parked.timeline)
    assert "AwaitLabelFix" in visited_states(return_id)

    # When the carrier is back and ops ask for another attempt
    monkeypatch.setattr(SandboxCarrier, "rates", real_rates)
    reply = ops("POST", f"/ops/returns/{return_id}/label-retry", {"operator": "ops-1", "note": "carrier back"})

    # Then the label is bought and the return goes on; a second retry is refused
    assert reply.status == 200, reply
    assert wait_status(return_id, "LABEL_ISSUED").label is not None
    again = ops("POST", f"/ops/returns/{return_id}/label-retry", {"operator": "ops-1"})
    assert (again.status, again.code) == (409, "NO_LABEL_WAITING")
    drive_to_refund(return_id)


def test_scans_for_unknown_tracking_numbers_are_kept_and_reconciled_later(aws: LocalAws) -> None:
    # Given a carrier scan for a tracking number no return has
    assert deliver_scan("SBX000000000042", ScanStatus.ACCEPTED, event_id="evt-early") == "UNMATCHED"
    # Then it is kept for ops instead of being retried or dropped
    listed = ops("GET", "/ops/unmatched-scans")
    assert [scan["tracking_number"] for scan in listed.body["scans"]] == ["SBX000000000042"]
    # Given a return whose acceptance scan arrived before its label was recorded
    order = seed_order()
    return_id = create_return(order)
    tracking = wait_tracking_number(return_id)
    wait_parked(return_id, "DISPATCH")
    early = scan_rule_event(tracking, ScanStatus.ACCEPTED, event_id="evt-before-label")
    services().unmatched_scans.keep(ScanEvent.model_validate(early["detail"]))
    # When ops reconcile
    reply = ops("POST", "/ops/unmatched-scans/reconcile")
    # Then the scan that now matches is applied (the return moves on) and the other stays listed
    assert reply.body == {"applied": 1, "still_unmatched": 1}
    assert wait_status(return_id, "IN_TRANSIT").dispatched_at is not None
    remaining = ops("GET", "/ops/unmatched-scans").body["scans"]
    assert [scan["tracking_number"] for scan in remaining] == ["SBX000000000042"]
    deliver_scan(tracking, ScanStatus.DELIVERED)
    wait_parked(return_id, "INSPECTION")
    ops("POST", f"/ops/returns/{return_id}/inspection", inspection_body())
    wait_execution(return_id)


def test_a_customs_hold_alerts_ops_and_a_long_one_alerts_again(aws: LocalAws) -> None:
    # Given a cross-border parcel on its way (Japan to the German warehouse)
    order = seed_order(country="JP", currency="JPY", lines=[order_line("1", price="9800")])
    return_id, tracking = accepted_by_carrier(create_return(order))
    # When customs hold it, and four days later it is still held
    deliver_scan(tracking, ScanStatus.CUSTOMS_HOLD, occurred_at=datetime.now(UTC) - timedelta(days=4))
    deliver_scan(tracking, ScanStatus.CUSTOMS_HOLD)
    # Then ops got an alert for the hold, and a second one for its length, each once
    alerts = [e["code"] for e in get_return(return_id).timeline if e.get("kind") == "ALERT"]
    assert alerts == ["CUSTOMS_HOLD", "CUSTOMS_HOLD_LONG"]
    # When it is released / Then no further alert
    deliver_scan(tracking, ScanStatus.IN_TRANSIT)
    deliver_scan(tracking, ScanStatus.CUSTOMS_HOLD)
    alerts = [e["code"] for e in get_return(return_id).timeline if e.get("kind") == "ALERT"]
    assert alerts == ["CUSTOMS_HOLD", "CUSTOMS_HOLD_LONG"]
    deliver_scan(tracking, ScanStatus.DELIVERED)
    wait_parked(return_id, "INSPECTION")
    ops("POST", f"/ops/returns/{return_id}/inspection", inspection_body())
    wait_execution(return_id)


def test_a_third_party_carrier_is_given_the_address_the_order_was_delivered_to(aws: LocalAws) -> None:
    # Given an order synced with its delivery address, and a return of it
    order = seed_order()
    with_address = order.model_copy(
        update={
            "shipping_address": ShippingAddress(
                line1="Lindenstraße 5", city="Berlin", postcode="10115", phone="+49 30 1234567"
            )
        }
    )
    services().orders.upsert(with_address)
    return_id = create_return(order)
    # When a carrier API asks where the parcel starts
    shipment = ShipmentRequest(return_id, "DE", "DE", Parcel(900))
    address = services().shopper_address(shipment)
    # Then it gets the shopper's name and delivery address (and nothing for an unknown return)
    assert address is not None
    assert (address.name, address.street1, address.city, address.zip, address.country) == (
        "Lena Fischer",
        "Lindenstraße 5",
        "Berlin",
        "10115",
        "DE",
    )
    assert services().shopper_address(ShipmentRequest("RT-UNKNOWN", "DE", "DE", Parcel(900))) is None
    drive_to_refund(return_id)
