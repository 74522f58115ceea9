"""What ops must act on now: alerts computed from open returns (and ended ones still to be acknowledged),
sorted by urgency.

Two kinds, both read from the return records only (no analytics scan):

- alerts the workflow already wrote on a return's timeline (`kind == "ALERT"`), shown while the return
  is not terminal, one per code (the latest), unless a later fact settled them:
  REFUND_FAILED and LABEL_UNAVAILABLE once ops asked for a retry after it (a failing retry alerts
  again), REFUND_REQUIRES_ACTION once the refund is no longer waiting for that action. REFUND_REVERSED
  stays, terminal or not, until the refund has succeeded again. The workflow's customs alerts are
  superseded by CUSTOMS_HOLD below, which also ends when the parcel moves on. An alert raised
  `until_acknowledged` (a possible double refund, an early refund larger than inspection allowed, goods
  refunded early that never came back) stays, on ended returns too, until ops acknowledge it;
- conditions of the record at `now`: STALLED_PARCEL (no scan for longer than the lane's stall limit,
  the same one the AwaitDelivery heartbeat uses), CUSTOMS_HOLD (the latest scan is a customs hold),
  INSPECTION_SLA (delivered, not inspected within the seller's SLA) and REFUND_DEADLINE (the
  statutory refund deadline is near or passed).

`since` is when the alert's condition began: the timeline entry, the moment the parcel's quiet time
went past its limit, the hold's first scan, the end of the inspection SLA, the start of the deadline's
warning period (or the deadline, once passed). Durations are policy time (real days), as the deadlines
are. Messages are for ops and carry no personal data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from returns_core.clock import iso, parse_utc
from returns_core.domain.lanes import STALL_LIMIT, zone_for
from returns_core.domain.scans import ScanStatus
from returns_core.domain.statuses import OPEN, ReturnStatus, is_terminal
from returns_core.errors import Conflict
from returns_core.ports.payments import RefundStatus
from returns_core.storage.models import ReturnRecord
from returns_core.storage.repository import OrdersRepository, ReturnsRepository
from returns_core.workflow.lifecycle import append_timeline
from returns_core.workflow.milestones import CUSTOMS_HOLD_ALERT

# A statutory refund deadline this close is a warning; once passed, critical.
REFUND_DEADLINE_WARNING = timedelta(days=3)
# The timeline entry ops write when they acknowledge an alert.
ACKNOWLEDGED = "ALERT_ACK"
_PAGE_SIZE = 100


class AlertCode(StrEnum):
    # Written on the timeline by the workflow.
    REFUND_FAILED = "REFUND_FAILED"
    REFUND_REVERSED = "REFUND_REVERSED"
    REFUND_REQUIRES_ACTION = "REFUND_REQUIRES_ACTION"
    REFUND_EARLIER_ATTEMPT_SUCCEEDED = "REFUND_EARLIER_ATTEMPT_SUCCEEDED"
    EARLY_REFUND_OVERPAID = "EARLY_REFUND_OVERPAID"
    REFUNDED_NOT_RETURNED = "REFUNDED_NOT_RETURNED"
    WEIGHT_MISMATCH = "WEIGHT_MISMATCH"
    LABEL_UNAVAILABLE = "LABEL_UNAVAILABLE"
    PARCEL_LOST = "PARCEL_LOST"
    # Computed from the record.
    STALLED_PARCEL = "STALLED_PARCEL"
    CUSTOMS_HOLD = "CUSTOMS_HOLD"
    INSPECTION_SLA = "INSPECTION_SLA"
    REFUND_DEADLINE = "REFUND_DEADLINE"


class Severity(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True)
class Alert:
    code: str
    severity: Severity
    return_id: str
    order_number: str
    status: str
    market: str
    since: datetime
    message: str
    # Code-specific fields (due_at, last_scan_at, ...), already JSON.
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "return_id": self.return_id,
            "order_number": self.order_number,
            "status": self.status,
            "market": self.market,
            "since": iso(self.since),
            "message": self.message,
            **self.details,
        }


@dataclass(frozen=True)
class AlertRules:
    """The seller's settings the alerts depend on (read once at cold start)."""

    warehouse_country: str
    inspection_sla: timedelta


# The shopper's country of an order (the lane a parcel travels), or None if unknown.
CountryOf = Callable[[str], str | None]

# What each timeline alert tells ops, and how urgent it is. Codes not listed here are shown as warnings.
_TIMELINE: dict[str, tuple[Severity, str]] = {
    AlertCode.REFUND_FAILED: (
        Severity.CRITICAL,
        "The payment provider refused the refund; retry it once the cause is fixed.",
    ),
    AlertCode.REFUND_REVERSED: (
        Severity.CRITICAL,
        "The payment provider reversed a refund it had paid: the shopper is owed the money again.",
    ),
    AlertCode.REFUND_REQUIRES_ACTION: (
        Severity.WARNING,
        "The payment provider needs an action before the refund can complete.",
    ),
    AlertCode.REFUND_EARLIER_ATTEMPT_SUCCEEDED: (
        Severity.CRITICAL,
        "An earlier refund attempt, given up as failed, has been paid after all: check for a double refund.",
    ),
    AlertCode.EARLY_REFUND_OVERPAID: (
        Severity.WARNING,
        "Refunded before inspection, which accepted less: recover the difference or write it off.",
    ),
    AlertCode.REFUNDED_NOT_RETURNED: (
        Severity.CRITICAL,
        "Refunded before the goods came back, and they will not come back: recover the refund.",
    ),
    AlertCode.WEIGHT_MISMATCH: (
        Severity.WARNING,
        "The carrier's weight is far from what the items weigh: no refund before inspection; inspect it closely.",
    ),
    AlertCode.LABEL_UNAVAILABLE: (
        Severity.CRITICAL,
        "No carrier could sell a return label; retry once a carrier is available.",
    ),
    AlertCode.PARCEL_LOST: (
        Severity.WARNING,
        "The carrier reported the parcel lost; follow up the carrier claim.",
    ),
}
# Alerts a later entry of this kind settles (ops asked for another attempt).
_SETTLED_BY: dict[str, str] = {AlertCode.REFUND_FAILED: "REFUND_RETRY", AlertCode.LABEL_UNAVAILABLE: "LABEL_RETRY"}
# The workflow's own customs alerts: CUSTOMS_HOLD is computed instead, and ends when the parcel moves on.
_SUPERSEDED = frozenset({"CUSTOMS_HOLD", "CUSTOMS_HOLD_LONG"})
# Timeline fields worth showing with the alert (none is personal data).
_TIMELINE_DETAILS = ("error", "claim_id", "expected_grams", "measured_grams", "mismatch")


def alerts_for(records: Iterable[ReturnRecord], now: datetime, rules: AlertRules, country_of: CountryOf) -> list[Alert]:
    """Every alert of these returns at `now`, critical first, then the oldest."""
    found = [alert for record in records for alert in _alerts_of(record, now, rules, country_of)]
    return sorted(found, key=lambda alert: (alert.severity is not Severity.CRITICAL, alert.since, alert.return_id))


def counts(alerts: Iterable[Alert]) -> dict[str, int]:
    """How many alerts there are of each code (every known code, zero included)."""
    tally = Counter(alert.code for alert in alerts)
    return {code.value: tally.pop(code.value, 0) for code in AlertCode} | dict(sorted(tally.items()))


def _alerts_of(record: ReturnRecord, now: datetime, rules: AlertRules, country_of: CountryOf) -> Iterator[Alert]:
    def alert(code: str, severity: Severity, since: datetime, message: str, **details: Any) -> Alert:
        return Alert(
            code, severity, record.return_id, record.order_number, record.status, record.market, since, message, details
        )

    status = ReturnStatus(record.status)
    terminal = is_terminal(status)
    timeline: list[dict[str, Any]] = list(record.timeline or [])
    refund_status = (record.refund or {}).get("status")

    acknowledged = _acknowledged(timeline)
    for code, position, entry in _latest_alerts(timeline):
        sticky = bool(entry.get("until_acknowledged"))
        if code in _SUPERSEDED or (sticky and acknowledged.get(code, -1) > position):
            continue
        if code == AlertCode.REFUND_REVERSED:
            if refund_status == "succeeded":
                continue
        elif terminal and not sticky:
            continue
        if code in _SETTLED_BY and any(e.get("kind") == _SETTLED_BY[code] for e in timeline[position + 1 :]):
            continue
        if code == AlertCode.REFUND_REQUIRES_ACTION and refund_status != "requires_action":
            continue
        if code == AlertCode.WEIGHT_MISMATCH and record.inspection:
            continue  # inspection has seen what was in the box
        severity, message = _TIMELINE.get(code, (Severity.WARNING, f"The workflow raised {code}."))
        details = {key: entry[key] for key in _TIMELINE_DETAILS if entry.get(key) is not None}
        if sticky:
            details["acknowledge"] = True
        yield alert(code, severity, parse_utc(entry["at"]), message, **details)

    if terminal:
        return
    scans = sorted(
        ((parse_utc(e["at"]), e["scan"]) for e in timeline if e.get("kind") == "SCAN" and e.get("at")),
        key=lambda scan: scan[0],
    )
    yield from _stalled(record, status, scans, now, rules, country_of, alert)
    yield from _customs_hold(scans, now, alert)
    yield from _inspection_overdue(record, status, now, rules, alert)
    yield from _refund_deadline(record, now, alert)


def _latest_alerts(timeline: list[dict[str, Any]]) -> list[tuple[str, int, dict[str, Any]]]:
    """The latest timeline entry of each alert code, with its position."""
    latest: dict[str, tuple[int, dict[str, Any]]] = {}
    for position, entry in enumerate(timeline):
        if entry.get("kind") == "ALERT" and entry.get("code") and entry.get("at"):
            latest[str(entry["code"])] = (position, entry)
    return [(code, position, entry) for code, (position, entry) in latest.items()]


def _acknowledged(timeline: list[dict[str, Any]]) -> dict[str, int]:
    """Alert code -> the position of its latest acknowledgement."""
    return {str(e["code"]): position for position, e in enumerate(timeline) if e.get("kind") == ACKNOWLEDGED}


def outstanding_acknowledgements(record: ReturnRecord) -> set[str]:
    """The codes of the return's alerts that wait for ops to acknowledge them."""
    timeline: list[dict[str, Any]] = list(record.timeline or [])
    acknowledged = _acknowledged(timeline)
    return {
        code
        for code, position, entry in _latest_alerts(timeline)
        if entry.get("until_acknowledged") and acknowledged.get(code, -1) < position
    }


def acknowledge(record: ReturnRecord, code: str, operator: str, note: str | None, at: datetime) -> bool:
    """Acknowledge the return's `code` alert: True if it was waiting, False if it already was acknowledged.

    Conflict if the return never had such an alert, or it is one that settles by itself (a refund retry).
    """
    outstanding = outstanding_acknowledgements(record)
    if code not in outstanding:
        if any(e.get("kind") == "ALERT" and e.get("code") == code for e in record.timeline or []) and any(
            e.get("kind") == ACKNOWLEDGED and e.get("code") == code for e in record.timeline or []
        ):
            return False
        raise Conflict(
            f"This return has no {code} alert to acknowledge; alerts that end by themselves (a retried"
            " refund or label, a parcel moving on) cannot be acknowledged away.",
            code="NO_ALERT_TO_ACKNOWLEDGE",
        )
    entry: dict[str, Any] = {"kind": ACKNOWLEDGED, "code": code, "operator": operator, "at": iso(at)}
    if note:
        entry["note"] = note
    append_timeline(record, entry)
    if not outstanding - {code}:
        record.attention = None  # out of the sparse index: nothing left for ops here
    return True


AlertMaker = Callable[..., Alert]


def _stalled(
    record: ReturnRecord,
    status: ReturnStatus,
    scans: list[tuple[datetime, str]],
    now: datetime,
    rules: AlertRules,
    country_of: CountryOf,
    alert: AlertMaker,
) -> Iterator[Alert]:
    dispatched = status is ReturnStatus.IN_TRANSIT or (
        status is ReturnStatus.LABEL_ISSUED and record.dispatched_at is not None
    )
    if not dispatched:
        return
    heard = [at for at, _ in scans] + ([record.dispatched_at] if record.dispatched_at else [])
    if not heard:
        return
    last = max(heard)
    quiet = now - last
    if quiet <= min(STALL_LIMIT.values()):
        return  # not stalled on any lane: no need to know which one
    country = country_of(record.order_number)
    # The lane's limit, as the workflow's AwaitDelivery heartbeat has it; unknown lane: the shortest (warn sooner).
    limit = STALL_LIMIT[zone_for(country, rules.warehouse_country)] if country else min(STALL_LIMIT.values())
    if quiet <= limit:
        return
    yield alert(
        AlertCode.STALLED_PARCEL,
        Severity.WARNING,
        last + limit,
        f"No carrier scan for {_days(quiet)} days; the lane's limit is {_days(limit)} days.",
        last_scan_at=iso(last),
        stall_limit_hours=int(limit.total_seconds() // 3600),
    )


def _customs_hold(scans: list[tuple[datetime, str]], now: datetime, alert: AlertMaker) -> Iterator[Alert]:
    if not scans or scans[-1][1] != ScanStatus.CUSTOMS_HOLD:
        return
    held_since = scans[-1][0]
    for at, scan in reversed(scans):
        if scan != ScanStatus.CUSTOMS_HOLD:
            break
        held_since = at
    long_held = now - held_since > CUSTOMS_HOLD_ALERT
    yield alert(
        AlertCode.CUSTOMS_HOLD,
        Severity.CRITICAL if long_held else Severity.WARNING,
        held_since,
        f"Held by customs for {_days(now - held_since)} days"
        + ("; ask the carrier what customs need." if long_held else "."),
        held_since=iso(held_since),
    )


def _inspection_overdue(
    record: ReturnRecord, status: ReturnStatus, now: datetime, rules: AlertRules, alert: AlertMaker
) -> Iterator[Alert]:
    if status is not ReturnStatus.DELIVERED or record.inspection or record.delivered_at is None:
        return
    due = record.delivered_at + rules.inspection_sla
    if now <= due:
        return
    yield alert(
        AlertCode.INSPECTION_SLA,
        Severity.WARNING,
        due,
        f"Delivered {_days(now - record.delivered_at)} days ago and not inspected; "
        f"the target is {_days(rules.inspection_sla)} days.",
        delivered_at=iso(record.delivered_at),
        due_at=iso(due),
    )


def _refund_deadline(record: ReturnRecord, now: datetime, alert: AlertMaker) -> Iterator[Alert]:
    deadline = record.refund_deadline
    if (record.refund or {}).get("status") == RefundStatus.SUCCEEDED.value:
        return  # paid early: the return may still be travelling, but the deadline is met
    if deadline is None or now < deadline - REFUND_DEADLINE_WARNING:
        return
    passed = now >= deadline
    yield alert(
        AlertCode.REFUND_DEADLINE,
        Severity.CRITICAL if passed else Severity.WARNING,
        deadline if passed else deadline - REFUND_DEADLINE_WARNING,
        f"The statutory refund deadline passed on {deadline:%Y-%m-%d}."
        if passed
        else f"The statutory refund deadline is {deadline:%Y-%m-%d}: refund before then.",
        due_at=iso(deadline),
    )


def _days(duration: timedelta) -> int:
    return max(0, duration.days)


class OpenReturnAlerts:
    """The alerts of every open return (the by-status index) and of every ended one still waiting for an
    acknowledgement (the sparse by-attention index)."""

    def __init__(self, returns: ReturnsRepository, orders: OrdersRepository, rules: AlertRules) -> None:
        self._returns = returns
        self._orders = orders
        self._rules = rules

    def current(self, now: datetime) -> list[Alert]:
        countries: dict[str, str | None] = {}

        def country_of(order_number: str) -> str | None:
            if order_number not in countries:
                found = self._orders.find(order_number)
                countries[order_number] = found[0].country if found else None
            return countries[order_number]

        return alerts_for(self._open_returns(), now, self._rules, country_of)

    def _open_returns(self) -> Iterator[ReturnRecord]:
        seen: set[str] = set()
        for record in self._returns.needing_attention():
            seen.add(record.return_id)
            yield record
        for status in OPEN:
            cursor: str | None = None
            while True:
                page, cursor = self._returns.by_status(status.value, _PAGE_SIZE, cursor)
                yield from (record for record in page if record.return_id not in seen)
                if cursor is None:
                    break
