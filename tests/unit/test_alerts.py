"""Ops alerts: what a return needs from ops now, from its record and the time alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from returns_core.clock import iso
from returns_core.errors import Conflict
from returns_core.storage.models import ReturnRecord
from returns_core.workflow.alerts import Alert, AlertRules, acknowledge, alerts_for, counts

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
RULES = AlertRules(warehouse_country="DE", inspection_sla=timedelta(days=3))
COUNTRIES = {"ORD-DE": "DE", "ORD-US": "US"}


def ago(days: float = 0, hours: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours)


def a_return(
    status: str,
    *,
    return_id: str = "ret_1",
    order_number: str = "ORD-DE",
    timeline: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> ReturnRecord:
    return ReturnRecord(
        return_id=return_id,
        order_number=order_number,
        status=status,
        created_at=iso(ago(days=20)),
        updated_at=ago(days=1),
        market="EU",
        currency="EUR",
        request={"items": [{"line_id": "L1", "quantity": 1, "reason": "CHANGED_MIND"}], "resolution": "REFUND"},
        timeline=timeline or [],
        **fields,
    )


def alert_entry(code: str, at: datetime, **extra: Any) -> dict[str, Any]:
    return {"kind": "ALERT", "code": code, "at": iso(at), **extra}


def scan_entry(scan: str, at: datetime) -> dict[str, Any]:
    return {"kind": "SCAN", "scan": scan, "at": iso(at), "received_at": iso(at), "location": "Hamburg DE"}


def alerts(*records: ReturnRecord, now: datetime = NOW) -> list[Alert]:
    return alerts_for(records, now, RULES, COUNTRIES.get)


def codes(*records: ReturnRecord, now: datetime = NOW) -> list[str]:
    return [alert.code for alert in alerts(*records, now=now)]


# ----------------------------------------------------------------------------------- alerts on the timeline


def test_a_refused_refund_is_a_critical_alert_until_ops_ask_for_a_retry() -> None:
    # Given a return whose refund the provider refused, parked for ops
    failed_at = ago(hours=5)
    record = a_return("REFUND_PENDING", timeline=[alert_entry("REFUND_FAILED", failed_at, error="PaymentRejected")])

    # When ops look at the alerts
    [alert] = alerts(record)

    # Then it is there, critical, since the failure, with the provider's error and no personal data
    assert alert.to_json() == {
        "code": "REFUND_FAILED",
        "severity": "critical",
        "return_id": "ret_1",
        "order_number": "ORD-DE",
        "status": "REFUND_PENDING",
        "market": "EU",
        "since": iso(failed_at),
        "message": "The payment provider refused the refund; retry it once the cause is fixed.",
        "error": "PaymentRejected",
    }

    # And once ops asked for another attempt it is gone, until that attempt fails too
    record.timeline = [*record.timeline, {"kind": "REFUND_RETRY", "operator": "finance-1", "at": iso(ago(hours=1))}]
    assert codes(record) == []
    record.timeline = [*record.timeline, alert_entry("REFUND_FAILED", ago(hours=0.5))]
    assert [(a.code, a.since) for a in alerts(record)] == [("REFUND_FAILED", ago(hours=0.5))]


def test_timeline_alerts_of_an_ended_return_are_not_shown() -> None:
    # Given a lost-parcel alert on a return that has since been refunded
    record = a_return("REFUNDED", timeline=[alert_entry("PARCEL_LOST", ago(days=9), claim_id="clm_1")])
    # When ops look / Then there is nothing to act on
    assert codes(record) == []
    # While the parcel is still lost, the alert is there with its claim
    record.status = "LOST"
    [alert] = alerts(record)
    assert (alert.code, alert.severity, alert.to_json()["claim_id"]) == ("PARCEL_LOST", "warning", "clm_1")


def test_a_reversed_refund_stays_until_the_refund_succeeds_again() -> None:
    # Given a refund the provider took back: the return re-opened, the shopper owed the money again
    timeline = [alert_entry("REFUND_REVERSED", ago(days=2))]
    record = a_return("REFUND_PENDING", timeline=timeline, refund={"status": "failed"})
    assert codes(record) == ["REFUND_REVERSED"]
    # When the return is closed without the refund having succeeded / Then it still alerts
    record.status = "CLOSED"
    assert codes(record) == ["REFUND_REVERSED"]
    # When the refund succeeds again / Then the alert is gone
    record.status, record.refund = "REFUNDED", {"status": "succeeded"}
    assert codes(record) == []


def test_a_refund_waiting_for_an_action_alerts_only_while_it_waits() -> None:
    # Given a refund the provider says needs an action
    timeline = [alert_entry("REFUND_REQUIRES_ACTION", ago(days=1))]
    record = a_return("REFUND_PENDING", timeline=timeline, refund={"status": "requires_action"})
    assert [(a.code, a.severity) for a in alerts(record)] == [("REFUND_REQUIRES_ACTION", "warning")]
    # When the provider moves on to pending / Then there is nothing for ops to do about it
    record.refund = {"status": "pending"}
    assert codes(record) == []


def test_the_same_alert_written_twice_is_shown_once_from_the_latest() -> None:
    # Given a label every carrier failed twice, with a retry in between
    timeline = [
        alert_entry("LABEL_UNAVAILABLE", ago(days=2)),
        {"kind": "LABEL_RETRY", "operator": "ops-1", "at": iso(ago(days=1))},
        alert_entry("LABEL_UNAVAILABLE", ago(hours=20)),
    ]
    # When ops look / Then one critical alert, since the latest failure
    [alert] = alerts(a_return("APPROVED", timeline=timeline))
    assert (alert.code, alert.severity, alert.since) == ("LABEL_UNAVAILABLE", "critical", ago(hours=20))


# ----------------------------------------------------------------------------------------- stalled parcels


@pytest.mark.parametrize(
    ("order_number", "limit_days"),
    [
        ("ORD-DE", 4),  # domestic lane
        ("ORD-US", 10),  # international lane
        ("ORD-UNKNOWN", 4),  # lane unknown: the shortest limit, so ops hear sooner rather than later
    ],
)
def test_a_parcel_in_transit_stalls_after_its_lanes_limit(order_number: str, limit_days: int) -> None:
    # Given a parcel in transit, last scanned at NOW
    record = a_return(
        "IN_TRANSIT",
        order_number=order_number,
        dispatched_at=ago(days=1),
        timeline=[scan_entry("ACCEPTED", ago(days=1)), scan_entry("IN_TRANSIT", NOW)],
    )
    # When ops look just before its lane's limit is over / Then it is not stalled
    assert codes(record, now=NOW + timedelta(days=limit_days, hours=-1)) == []
    # When they look just after / Then it is, with the last scan
    [alert] = alerts(record, now=NOW + timedelta(days=limit_days, hours=1))
    assert (alert.code, alert.to_json()["last_scan_at"]) == ("STALLED_PARCEL", iso(NOW))


def test_a_stalled_parcel_says_since_when_and_the_lanes_limit() -> None:
    # Given a domestic parcel accepted (still LABEL_ISSUED) and not scanned for 6 days
    record = a_return("LABEL_ISSUED", dispatched_at=ago(days=6), timeline=[scan_entry("ACCEPTED", ago(days=6))])
    # When ops look
    [alert] = alerts(record)
    # Then it stalled when the 4-day limit ran out
    assert alert.to_json() | {"message": ""} == {
        "code": "STALLED_PARCEL",
        "severity": "warning",
        "return_id": "ret_1",
        "order_number": "ORD-DE",
        "status": "LABEL_ISSUED",
        "market": "EU",
        "since": iso(ago(days=2)),
        "message": "",
        "last_scan_at": iso(ago(days=6)),
        "stall_limit_hours": 96,
    }
    assert alert.message == "No carrier scan for 6 days; the lane's limit is 4 days."


def test_a_label_not_yet_handed_to_the_carrier_is_not_a_stalled_parcel() -> None:
    # Given a label created a week ago that the carrier has not yet been handed
    record = a_return("LABEL_ISSUED", timeline=[scan_entry("LABEL_CREATED", ago(days=7))])
    # When ops look / Then nothing is stalled: the parcel is still with the shopper
    assert codes(record) == []
    # When the carrier had accepted it (a week ago, no scan since) / Then it is stalled
    record.dispatched_at = ago(days=7)
    assert codes(record) == ["STALLED_PARCEL"]


# ------------------------------------------------------------------------------------------------- customs


def test_a_parcel_whose_latest_scan_is_a_customs_hold_alerts_and_escalates_after_three_days() -> None:
    # Given an international parcel held by customs since yesterday (two hold scans)
    timeline = [
        scan_entry("ACCEPTED", ago(days=2)),
        scan_entry("CUSTOMS_HOLD", ago(days=1)),
        alert_entry("CUSTOMS_HOLD", ago(days=1)),
        scan_entry("CUSTOMS_HOLD", ago(hours=2)),
    ]
    record = a_return("IN_TRANSIT", order_number="ORD-US", dispatched_at=ago(days=2), timeline=timeline)
    # When ops look / Then one warning, since the first hold scan
    [alert] = alerts(record)
    assert (alert.code, alert.severity, alert.since) == ("CUSTOMS_HOLD", "warning", ago(days=1))
    # When the hold lasts more than three days / Then it is critical
    [later] = alerts(record, now=NOW + timedelta(days=3))
    assert (later.code, later.severity) == ("CUSTOMS_HOLD", "critical")


def test_a_customs_hold_ends_when_the_parcel_moves_on() -> None:
    # Given a hold (and the workflow's alert about it) on a parcel
    timeline = [scan_entry("CUSTOMS_HOLD", ago(days=2)), alert_entry("CUSTOMS_HOLD", ago(days=2))]
    record = a_return("IN_TRANSIT", order_number="ORD-US", dispatched_at=ago(days=3), timeline=timeline)
    assert codes(record) == ["CUSTOMS_HOLD"]
    # When the parcel is scanned moving on / Then there is nothing to act on, the workflow's alert included
    record.timeline = [*timeline, scan_entry("IN_TRANSIT", ago(days=1))]
    assert codes(record) == []


# ---------------------------------------------------------------------------------------------- inspection


def test_a_delivered_return_not_inspected_within_the_sla_alerts_until_it_is_inspected() -> None:
    # Given a return delivered to the warehouse and not inspected
    delivered = ago(days=4)
    record = a_return("DELIVERED", delivered_at=delivered)
    # When ops look two days after delivery / Then it is within the 3-day SLA
    assert codes(record, now=delivered + timedelta(days=2)) == []
    # When they look four days after / Then it is overdue, since the day it fell due
    [alert] = alerts(record)
    details = alert.to_json()
    assert (alert.code, alert.severity) == ("INSPECTION_SLA", "warning")
    assert (details["since"], details["due_at"], details["delivered_at"]) == (
        iso(delivered + timedelta(days=3)),
        iso(delivered + timedelta(days=3)),
        iso(delivered),
    )
    assert alert.message == "Delivered 4 days ago and not inspected; the target is 3 days."
    # When it has been inspected / Then it is no longer late
    record.status, record.inspection = "INSPECTED", {"items": [], "at": iso(NOW)}
    assert codes(record) == []


# ------------------------------------------------------------------------------------------ refund deadline


def test_a_statutory_refund_deadline_warns_three_days_ahead_and_is_critical_once_passed() -> None:
    # Given an open return with a statutory refund deadline
    deadline = NOW
    record = a_return("INSPECTED", refund_deadline=deadline)

    def seen(at: datetime) -> list[tuple[str, str, str, str]]:
        return [(a.code, a.severity.value, iso(a.since), a.to_json()["due_at"]) for a in alerts(record, now=at)]

    # When ops look five days ahead / Then nothing yet
    assert seen(deadline - timedelta(days=5)) == []
    # When two days ahead / Then a warning, since the warning period began
    warned = iso(deadline - timedelta(days=3))
    assert seen(deadline - timedelta(days=2)) == [("REFUND_DEADLINE", "warning", warned, iso(deadline))]
    # When the deadline has passed / Then critical, since the deadline
    assert seen(deadline + timedelta(hours=1)) == [("REFUND_DEADLINE", "critical", iso(deadline), iso(deadline))]


@pytest.mark.parametrize("status", ["REFUNDED", "CLOSED"])
def test_a_refunded_or_closed_return_has_no_deadline_to_meet(status: str) -> None:
    # Given a passed deadline on a return waiting for its refund
    record = a_return("REFUND_PENDING", refund_deadline=ago(days=1))
    assert codes(record) == ["REFUND_DEADLINE"]
    # When the return is refunded or closed / Then there is no deadline left to meet
    record.status = status
    assert codes(record) == []


def test_a_return_refunded_early_has_met_its_deadline_while_the_parcel_still_travels() -> None:
    # Given an EU return in transit, past its statutory deadline
    record = a_return("IN_TRANSIT", refund_deadline=ago(days=1))
    assert codes(record) == ["REFUND_DEADLINE"]
    # When it was refunded on the acceptance scan / Then the deadline is met
    record.refund = {"status": "succeeded", "trigger": "ACCEPTANCE_SCAN"}
    assert codes(record) == []
    # But a refund that is only pending does not meet it
    record.refund = {"status": "pending", "trigger": "ACCEPTANCE_SCAN"}
    assert codes(record) == ["REFUND_DEADLINE"]


# ------------------------------------------------------------------------------------------ order and count


def test_critical_alerts_come_first_then_the_oldest() -> None:
    # Given a warning from long ago, a recent critical alert and an older critical one
    old_warning = a_return("DELIVERED", return_id="ret_a", delivered_at=ago(days=30))
    recent_critical = a_return("REFUND_PENDING", return_id="ret_b", timeline=[alert_entry("REFUND_FAILED", ago(1))])
    older_critical = a_return("INSPECTED", return_id="ret_c", refund_deadline=ago(days=2))
    # When ops look
    found = alerts(old_warning, recent_critical, older_critical)
    # Then the critical ones first, oldest first, then the warning
    assert [(a.return_id, a.code) for a in found] == [
        ("ret_c", "REFUND_DEADLINE"),
        ("ret_b", "REFUND_FAILED"),
        ("ret_a", "INSPECTION_SLA"),
    ]
    # And the counts name every code, with how many there are
    tally = counts(found)
    assert (tally["REFUND_DEADLINE"], tally["INSPECTION_SLA"], tally["STALLED_PARCEL"]) == (1, 1, 0)
    assert sum(tally.values()) == 3


def test_no_alert_carries_personal_data() -> None:
    # Given returns with every kind of alert (the records hold no personal data; the messages add none)
    records = [
        a_return("DELIVERED", delivered_at=ago(days=9), refund_deadline=ago(days=1)),
        a_return(
            "IN_TRANSIT", return_id="ret_2", dispatched_at=ago(days=9), timeline=[scan_entry("CUSTOMS_HOLD", ago(9))]
        ),
    ]
    # When ops look / Then only the return's own facts are there
    text = json.dumps([alert.to_json() for alert in alerts(*records)])
    assert {"INSPECTION_SLA", "REFUND_DEADLINE", "STALLED_PARCEL", "CUSTOMS_HOLD"} <= set(codes(*records))
    assert "@" not in text and "Hamburg" not in text


# ---------------------------------------------------------------------------- alerts kept until acknowledged


def test_an_alert_kept_until_acknowledged_stays_on_an_ended_return_until_ops_acknowledge_it() -> None:
    # Given a refunded return whose early refund was larger than inspection accepted
    overpaid = alert_entry("EARLY_REFUND_OVERPAID", ago(days=2), until_acknowledged=True)
    record = a_return("REFUNDED", timeline=[overpaid], attention="ALERT")

    # When ops look at the alerts / Then it is listed although the return has ended, acknowledgeable
    [alert] = alerts(record)
    assert (alert.code, alert.severity.value, alert.to_json()["acknowledge"]) == (
        "EARLY_REFUND_OVERPAID",
        "warning",
        True,
    )

    # When ops acknowledge it
    assert acknowledge(record, "EARLY_REFUND_OVERPAID", "ops-anna", "Written off", NOW) is True

    # Then it is gone, the return leaves the attention index, and the timeline says who did it
    assert codes(record) == []
    assert record.attention is None
    assert record.timeline[-1] == {
        "kind": "ALERT_ACK",
        "code": "EARLY_REFUND_OVERPAID",
        "operator": "ops-anna",
        "note": "Written off",
        "at": iso(NOW),
    }
    # And acknowledging it again changes nothing
    assert acknowledge(record, "EARLY_REFUND_OVERPAID", "ops-anna", None, NOW) is False
    assert len(record.timeline) == 2


def test_the_same_alert_raised_again_after_an_acknowledgement_is_listed_again() -> None:
    first = alert_entry("REFUND_EARLIER_ATTEMPT_SUCCEEDED", ago(days=3), until_acknowledged=True)
    ack = {"kind": "ALERT_ACK", "code": "REFUND_EARLIER_ATTEMPT_SUCCEEDED", "operator": "ops", "at": iso(ago(days=2))}
    again = alert_entry("REFUND_EARLIER_ATTEMPT_SUCCEEDED", ago(days=1), until_acknowledged=True)
    record = a_return("REFUNDED", timeline=[first, ack, again], attention="ALERT")
    assert codes(record) == ["REFUND_EARLIER_ATTEMPT_SUCCEEDED"]


def test_the_return_stays_in_the_attention_index_until_its_last_such_alert_is_acknowledged() -> None:
    record = a_return(
        "EXPIRED",
        timeline=[
            alert_entry("REFUNDED_NOT_RETURNED", ago(days=2), until_acknowledged=True),
            alert_entry("REFUND_EARLIER_ATTEMPT_SUCCEEDED", ago(days=1), until_acknowledged=True),
        ],
        attention="ALERT",
    )
    assert acknowledge(record, "REFUNDED_NOT_RETURNED", "ops", None, NOW)
    assert record.attention == "ALERT"
    assert codes(record) == ["REFUND_EARLIER_ATTEMPT_SUCCEEDED"]
    assert acknowledge(record, "REFUND_EARLIER_ATTEMPT_SUCCEEDED", "ops", None, NOW)
    assert record.attention is None


@pytest.mark.parametrize("code", ["REFUND_FAILED", "STALLED_PARCEL", "EARLY_REFUND_OVERPAID"])
def test_an_alert_that_settles_by_itself_or_was_never_raised_cannot_be_acknowledged(code: str) -> None:
    # Given an open return whose refund the provider refused (settled by a retry, not an acknowledgement)
    record = a_return("REFUND_PENDING", timeline=[alert_entry("REFUND_FAILED", ago(hours=5))])
    # When ops try to acknowledge it, or an alert it does not have / Then it is refused and nothing changes
    with pytest.raises(Conflict) as refused:
        acknowledge(record, code, "ops", None, NOW)
    assert refused.value.code == "NO_ALERT_TO_ACKNOWLEDGE"
    assert len(record.timeline) == 1
