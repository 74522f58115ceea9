"""Waiting stages of the workflow and the facts that end them.

Every stage follows one rule: whoever learns a fact (a scan, a review, an inspection) records
it on the return, and resumes the waiting task if a token is parked; the task, when it starts
waiting, first checks whether its fact is already recorded. With versioned writes on both
sides, no fact is missed and no task is resumed twice, whatever the order of arrival.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from returns_core.clock import iso, parse_utc, utcnow
from returns_core.domain import deadlines
from returns_core.domain.policy import POLICIES, MarketPolicy
from returns_core.domain.scans import FAILURES, MOVING, ScanEvent, ScanStatus, return_status_for
from returns_core.domain.statuses import ReturnStatus, can_transition, is_terminal, physical_rank
from returns_core.domain.weights import weight_mismatch
from returns_core.errors import Conflict
from returns_core.i18n import N_
from returns_core.observability import logger
from returns_core.ports.events import WORKFLOW_EVENT_SOURCE, DomainEvent, EventPublisher
from returns_core.storage.models import ReturnRecord
from returns_core.storage.repository import ReturnsRepository
from returns_core.workflow.callbacks import TaskCallbacks
from returns_core.workflow.lifecycle import append_timeline, raise_alert, transition

_SEEN_SCANS_KEPT = 200
# A parcel held by customs longer than this without moving on gets a second alert for ops.
CUSTOMS_HOLD_ALERT = timedelta(days=3)
# Matched by the milestone-events rule (infra.catalogue.MILESTONE_RULE).
MILESTONE_SOURCE = WORKFLOW_EVENT_SOURCE
MILESTONE_DETAIL_TYPE = "ReturnMilestone"


class Stage(StrEnum):
    REVIEW = "REVIEW"
    DISPATCH = "DISPATCH"
    DELIVERY = "DELIVERY"
    INSPECTION = "INSPECTION"
    # A refund that failed after its retries waits here, visibly, until ops ask for another attempt.
    REFUND_FIX = "REFUND_FIX"
    # Every carrier failed (primary and fallbacks, after the retries): ops try again when one is back.
    LABEL_FIX = "LABEL_FIX"
    # The provider has acknowledged the refund; its webhook says how it ended.
    REFUND_OUTCOME = "REFUND_OUTCOME"


# Stages a return waits in for a person, and the alert that tells ops about it.
_ALERTS = {Stage.REFUND_FIX: "REFUND_FAILED", Stage.LABEL_FIX: "LABEL_UNAVAILABLE"}
_RETRIES = {
    Stage.REFUND_FIX: ("REFUND_RETRY", N_("This return has no failed refund waiting for a retry."), "NO_FAILED_REFUND"),
    Stage.LABEL_FIX: ("LABEL_RETRY", N_("This return is not waiting for a label."), "NO_LABEL_WAITING"),
}


class ParcelLost(Exception):
    """Name matched by the state machine's Catch."""


class ParcelBounced(Exception):
    """Name matched by the state machine's Catch."""


@dataclass(frozen=True)
class Resume:
    token: str
    outcome: str  # "success" | "failure" | "heartbeat"
    output: dict[str, Any] | None = None
    error: str = ""
    cause: str = ""


def _exception_outcome(record: ReturnRecord) -> tuple[str, str]:
    if record.carrier_exception == ScanStatus.RETURN_FAILED:
        return ParcelBounced.__name__, "The carrier is returning the parcel to the shopper."
    return ParcelLost.__name__, "The carrier reported the parcel lost or damaged."


def reached(record: ReturnRecord, stage: Stage) -> tuple[str, dict[str, Any] | tuple[str, str]] | None:
    """("success", output) or ("failure", (error, cause)) if the stage's fact is known, else None."""
    if stage in (Stage.DISPATCH, Stage.DELIVERY) and record.carrier_exception and record.delivered_at is None:
        return "failure", _exception_outcome(record)
    if stage is Stage.DISPATCH and record.dispatched_at is not None:
        return "success", {"dispatched_at": iso(record.dispatched_at)}
    if stage is Stage.DELIVERY and record.delivered_at is not None:
        return "success", {"delivered_at": iso(record.delivered_at)}
    if stage is Stage.INSPECTION and record.inspection:
        return "success", {"inspected": True}
    if stage is Stage.REVIEW and record.review:
        return "success", {"decision": record.review["decision"]}
    if stage is Stage.REFUND_OUTCOME and record.refund:
        status = record.refund.get("status")
        if status == "succeeded":
            return "success", {"final_status": ReturnStatus.REFUNDED.value}
        if status in ("failed", "canceled"):
            reason = record.refund.get("failure_reason") or "no reason given"
            return "failure", ("PaymentRejected", f"the provider reports the refund {status}: {reason}")
    return None


def take_token(record: ReturnRecord, stage: Stage) -> Resume | None:
    """If a task waits in `stage` and its fact is known, clear the token and say how to resume."""
    if not record.task_token or record.waiting_for != stage.value:
        return None
    fact = reached(record, stage)
    if fact is None:
        return None
    token = record.task_token
    record.task_token = None
    record.waiting_for = None
    kind, payload = fact
    if kind == "success":
        assert isinstance(payload, dict)
        return Resume(token, "success", output=payload)
    assert isinstance(payload, tuple)
    return Resume(token, "failure", error=payload[0], cause=payload[1])


# Statuses reached by a scan that the shopper hears about (the state machine's Notify states cover the rest).
_SCAN_MILESTONES = {ReturnStatus.IN_TRANSIT: "ACCEPTED", ReturnStatus.DELIVERED: "DELIVERED"}


def milestone_event(return_id: str, milestone: str) -> DomainEvent:
    return DomainEvent(MILESTONE_SOURCE, MILESTONE_DETAIL_TYPE, {"return_id": return_id, "event": milestone})


class Milestones:
    def __init__(
        self,
        returns: ReturnsRepository,
        callbacks: TaskCallbacks,
        now: Callable[[], datetime] = utcnow,
        publisher: EventPublisher | None = None,
    ):
        self._returns = returns
        self._callbacks = callbacks
        self._now = now
        self._publisher = publisher

    def announce(self, return_id: str, milestone: str) -> None:
        """Tell the shopper (through the notify function, which sends each milestone once)."""
        if self._publisher is not None:
            self._publisher.publish([milestone_event(return_id, milestone)])

    def deliver(self, return_id: str, resume: Resume | None, stage: Stage | None = None) -> None:
        """Resume a task with what `take_token` took; the token goes back if the callback fails."""
        if resume is None:
            return
        try:
            if resume.outcome == "success":
                delivered = self._callbacks.succeed(resume.token, resume.output or {})
            elif resume.outcome == "failure":
                delivered = self._callbacks.fail(resume.token, resume.error, resume.cause)
            else:
                self._callbacks.heartbeat(resume.token)
                return
        except Exception:
            if resume.outcome != "heartbeat":
                self._restore_token(return_id, resume.token, stage)
            raise
        if not delivered:
            logger.info("task already closed", extra={"return_id": return_id})

    def _restore_token(self, return_id: str, token: str, stage: Stage | None) -> None:
        """The callback did not get through: put the token back so a retry can resume the task."""

        def change(record: ReturnRecord) -> None:
            if record.task_token is None and record.waiting_for is None and stage is not None:
                record.task_token = token
                record.waiting_for = stage.value

        self._returns.mutate(return_id, change)

    def park(self, return_id: str, stage: Stage, token: str, error: dict[str, Any] | None = None) -> None:
        now = self._now()

        def change(record: ReturnRecord) -> Resume | None:
            record.task_token = token
            record.waiting_for = stage.value
            record.updated_at = now
            if stage in _ALERTS:
                append_timeline(
                    record,
                    {"kind": "ALERT", "code": _ALERTS[stage], "error": (error or {}).get("Error"), "at": iso(now)},
                )
            return take_token(record, stage)

        resume = self._returns.mutate(return_id, change)
        self.deliver(return_id, resume, stage)

    def apply_scan(self, scan: ScanEvent) -> str:
        record = self._returns.by_tracking_number(scan.tracking_number)
        if record is None:
            return "UNMATCHED"
        return_id = record.return_id
        now = self._now()

        def change(record: ReturnRecord) -> tuple[str, Resume | None, Stage | None, str | None]:
            outcome = "DUPLICATE"
            seen = list(record.seen_scan_ids or [])
            if scan.event_id not in seen:
                outcome = self._record_scan(record, scan, now)
                record.seen_scan_ids = [*seen, scan.event_id][-_SEEN_SCANS_KEPT:]
            # A redelivered scan announces again what it announced (the email goes out once): the
            # earlier attempt may have recorded the scan and failed before announcing it.
            target = return_status_for(scan.status)
            milestone = _SCAN_MILESTONES.get(target) if target and record.status == target else None
            if outcome not in ("ADVANCED", "DUPLICATE"):
                milestone = None
            # Runs for duplicates too: a redelivered event resumes a task that an earlier
            # attempt recorded but failed to resume.
            stage = Stage(record.waiting_for) if record.waiting_for else None
            resume = take_token(record, stage) if stage else None
            if resume is None and record.task_token and stage in (Stage.DISPATCH, Stage.DELIVERY):
                resume = Resume(record.task_token, "heartbeat")
            return outcome, resume, stage, milestone

        outcome, resume, stage, milestone = self._returns.mutate(return_id, change)
        self.deliver(return_id, resume, stage)
        if milestone:
            self.announce(return_id, milestone)
        return outcome

    def _record_scan(self, record: ReturnRecord, scan: ScanEvent, now: datetime) -> str:
        append_timeline(
            record,
            {
                "kind": "SCAN",
                "scan": scan.status.value,
                "at": iso(scan.occurred_at),
                "received_at": iso(now),
                "location": scan.location,
                "provider": scan.provider,
            },
        )
        self._customs_alerts(record, scan, now)
        current = ReturnStatus(record.status)
        if is_terminal(current):
            return "RECORDED_LATE"
        if scan.weight_grams and record.label and "carrier_weight_grams" not in record.label:
            _check_weight(record, scan.weight_grams, now)
        if scan.status in MOVING and record.dispatched_at is None:
            record.dispatched_at = scan.occurred_at
            _start_refund_deadline(record, deadlines.on_proof_of_return, scan.occurred_at)
        if scan.status is ScanStatus.DELIVERED and record.delivered_at is None:
            record.delivered_at = scan.occurred_at
            _start_refund_deadline(record, deadlines.on_goods_received, scan.occurred_at)
        if scan.status in FAILURES and record.delivered_at is None and not record.carrier_exception:
            record.carrier_exception = scan.status.value
        target = return_status_for(scan.status)
        if target is not None and physical_rank(target) > physical_rank(current) and can_transition(current, target):
            transition(record, target, now, note=f"scan {scan.status.value}")
            return "ADVANCED"
        record.updated_at = now
        return "RECORDED"

    def _customs_alerts(self, record: ReturnRecord, scan: ScanEvent, now: datetime) -> None:
        """A customs hold alerts ops; one still unresolved after CUSTOMS_HOLD_ALERT alerts again, once."""
        timeline = record.timeline or []
        codes = {entry.get("code") for entry in timeline if entry.get("kind") == "ALERT"}
        holds = [e for e in timeline if e.get("kind") == "SCAN" and e.get("scan") == ScanStatus.CUSTOMS_HOLD]
        if scan.status is ScanStatus.CUSTOMS_HOLD and "CUSTOMS_HOLD" not in codes:
            append_timeline(record, {"kind": "ALERT", "code": "CUSTOMS_HOLD", "at": iso(now)})
        if not holds or "CUSTOMS_HOLD_LONG" in codes:
            return
        held_since = min(parse_utc(e["at"]) for e in holds)
        cleared = any(
            e.get("kind") == "SCAN"
            and e.get("scan") in {s.value for s in MOVING if s is not ScanStatus.CUSTOMS_HOLD}
            and parse_utc(e["at"]) > max(parse_utc(h["at"]) for h in holds)
            for e in timeline
        )
        if not cleared and now - held_since > CUSTOMS_HOLD_ALERT:
            append_timeline(
                record, {"kind": "ALERT", "code": "CUSTOMS_HOLD_LONG", "since": iso(held_since), "at": iso(now)}
            )

    def record_review(self, return_id: str, decision: str, reason: str, reviewer: str) -> dict[str, Any]:
        now = self._now()

        def change(record: ReturnRecord) -> tuple[dict[str, Any], Resume | None]:
            if record.review:
                if record.review["decision"] != decision:
                    raise Conflict("This return was already reviewed.", code="ALREADY_REVIEWED")
                return record.review, take_token(record, Stage.REVIEW)
            if record.status != ReturnStatus.IN_REVIEW:
                raise Conflict("This return is not waiting for a review.", code="NOT_IN_REVIEW")
            record.review = {"decision": decision, "reason": reason, "reviewer": reviewer, "at": iso(now)}
            if decision == "APPROVED":
                transition(record, ReturnStatus.APPROVED, now, note="review approved")
            else:
                append_timeline(record, {"kind": "REVIEW", "decision": decision, "at": iso(now)})
                record.updated_at = now
            return record.review, take_token(record, Stage.REVIEW)

        review, resume = self._returns.mutate(return_id, change)
        self.deliver(return_id, resume, Stage.REVIEW)
        return review

    def retry_refund(self, return_id: str, operator: str, note: str | None) -> None:
        self.retry(return_id, Stage.REFUND_FIX, operator, note)

    def retry(self, return_id: str, stage: Stage, operator: str, note: str | None) -> None:
        """Ops ask for another attempt at what a return is parked for (a refund, a label)."""
        now = self._now()
        kind, message, code = _RETRIES[stage]

        def change(record: ReturnRecord) -> str:
            if record.waiting_for != stage.value or not record.task_token:
                raise Conflict(message, code=code)
            token = record.task_token
            record.task_token = None
            record.waiting_for = None
            record.updated_at = now
            append_timeline(record, {"kind": kind, "operator": operator, "note": note, "at": iso(now)})
            return token

        token = self._returns.mutate(return_id, change)
        self.deliver(return_id, Resume(token, "success", output={"retry": True}), stage)

    def record_inspection(self, return_id: str, inspection: dict[str, Any]) -> dict[str, Any]:
        now = self._now()

        def change(record: ReturnRecord) -> tuple[dict[str, Any], Resume | None]:
            if record.inspection:
                if record.inspection["items"] != inspection["items"]:
                    raise Conflict("This return was already inspected.", code="ALREADY_INSPECTED")
                return record.inspection, take_token(record, Stage.INSPECTION)
            if record.status != ReturnStatus.DELIVERED:
                raise Conflict("This return has not been delivered to the warehouse.", code="NOT_AWAITING_INSPECTION")
            record.inspection = {**inspection, "at": iso(now)}
            transition(record, ReturnStatus.INSPECTED, now)
            return record.inspection, take_token(record, Stage.INSPECTION)

        stored, resume = self._returns.mutate(return_id, change)
        self.deliver(return_id, resume, Stage.INSPECTION)
        return stored


def _start_refund_deadline(
    record: ReturnRecord, rule: Callable[[MarketPolicy, datetime], datetime | None], at: datetime
) -> None:
    """A statutory refund deadline that counts from the parcel's journey (the earliest fact that starts it)."""
    request = record.request or {}
    if request.get("resolution") != "REFUND" or not request.get("statutory") or record.market not in POLICIES:
        return
    deadline = rule(POLICIES[record.market], at)
    if deadline is not None and (record.refund_deadline is None or deadline < record.refund_deadline):
        record.refund_deadline = deadline


def _check_weight(record: ReturnRecord, measured: int, now: datetime) -> None:
    """Keep the carrier's first weight; a parcel far from its items' weight is held for inspection."""
    assert record.label is not None
    expected = int(record.label.get("expected_weight_grams") or 0)
    mismatch = weight_mismatch(expected, measured)
    record.label = {**record.label, "carrier_weight_grams": measured, "weight_mismatch": mismatch}
    if mismatch is not None:
        raise_alert(
            record, "WEIGHT_MISMATCH", now, expected_grams=expected, measured_grams=measured, mismatch=mismatch.value
        )
