"""What a payment provider's refund webhook changes: the refund's status, the return's, the waiting task.

The webhook may arrive before the Refund task has parked its token (the task then finds the outcome
already recorded and resumes at once), after it, or again (each event id is applied once). A refund
that fails after it had succeeded re-opens the return and alerts ops: the shopper has not been paid.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from returns_core.clock import iso, utcnow
from returns_core.domain.statuses import ReturnStatus
from returns_core.ports.payments import RefundStatus
from returns_core.storage.models import ReturnRecord
from returns_core.storage.repository import ReturnsRepository
from returns_core.webhooks.payment_events import PaymentEvent
from returns_core.workflow.lifecycle import append_timeline, raise_alert, reopen, transition
from returns_core.workflow.milestones import Milestones, Resume, Stage, take_token
from returns_core.workflow.refunding import return_id_of

_SEEN_EVENTS_KEPT = 50
_FAILED = frozenset({RefundStatus.FAILED, RefundStatus.CANCELED})


class RefundSettlements:
    def __init__(self, returns: ReturnsRepository, milestones: Milestones, now: Callable[[], datetime] = utcnow):
        self._returns = returns
        self._milestones = milestones
        self._now = now

    def apply(self, event: PaymentEvent) -> str:
        """SETTLED, FAILED, REVERSED, UPDATED, STALE, DUPLICATE or UNMATCHED."""
        return_id = return_id_of(event.idempotency_key)
        record = self._returns.find(return_id) if return_id else None
        if record is None or not record.refund:
            return "UNMATCHED"
        now = self._now()

        def change(record: ReturnRecord) -> tuple[str, Resume | None]:
            refund = dict(record.refund or {})
            seen = list(refund.get("seen_events", []))
            if event.event_id in seen:
                outcome = "DUPLICATE"
            else:
                outcome = _settle(record, refund, event, now)
                refund = dict(record.refund or refund)
                refund["seen_events"] = [*seen, event.event_id][-_SEEN_EVENTS_KEPT:]
                record.refund = refund
            # Runs for duplicates too: an earlier delivery may have recorded the outcome and failed to resume.
            waiting = Stage(record.waiting_for) if record.waiting_for else None
            return outcome, take_token(record, waiting) if waiting is Stage.REFUND_OUTCOME else None

        outcome, resume = self._returns.mutate(record.return_id, change)
        self._milestones.deliver(record.return_id, resume, Stage.REFUND_OUTCOME)
        if outcome == "SETTLED" and (record.refund or {}).get("trigger") and resume is None:
            # An early refund, paid while the parcel travels: nothing waits for it, so tell the shopper now.
            self._milestones.announce(record.return_id, "REFUNDED")
        return outcome


def _settle(record: ReturnRecord, refund: dict[str, Any], event: PaymentEvent, now: datetime) -> str:
    entry: dict[str, Any] = {"kind": "PAYMENT", "status": event.status.value, "provider": event.provider}
    entry["at"] = iso(now)
    if event.idempotency_key != refund.get("idempotency_key"):
        # An earlier attempt, already given up as failed: money moving on it now would be a second refund.
        append_timeline(record, {**entry, "attempt_key": event.idempotency_key})
        if event.status is RefundStatus.SUCCEEDED:
            raise_alert(record, "REFUND_EARLIER_ATTEMPT_SUCCEEDED", now, until_acknowledged=True)
        return "STALE"
    current = refund.get("status")
    details: dict[str, Any] = {"provider": event.provider, "refund_id": event.refund_id}
    if event.amount is not None:
        details["amount"] = event.amount.to_json()
    if event.status is RefundStatus.SUCCEEDED:
        if current == RefundStatus.SUCCEEDED.value:
            return "UPDATED"
        refund.update(details, status=event.status.value, settled_at=iso(now))
        refund.pop("failure_reason", None)
        record.refund = refund
        append_timeline(record, entry)
        if record.status == ReturnStatus.REFUND_PENDING:
            transition(record, ReturnStatus.REFUNDED, now, note="refund settled")
        return "SETTLED"
    if event.status in _FAILED:
        reversed_ = current == RefundStatus.SUCCEEDED.value
        refund.update(details, status=event.status.value, failure_reason=event.failure_reason or "not given")
        if reversed_:
            refund["reversed_at"] = iso(now)
        record.refund = refund
        append_timeline(record, {**entry, "reason": event.failure_reason})
        if not reversed_:
            return "FAILED"
        append_timeline(record, {"kind": "ALERT", "code": "REFUND_REVERSED", "at": iso(now)})
        if record.status == ReturnStatus.REFUNDED:
            reopen(record, ReturnStatus.REFUND_PENDING, now, note="the provider reversed the refund")
        return "REVERSED"
    # pending or requires_action: not an outcome yet.
    if current != event.status.value and current != RefundStatus.SUCCEEDED.value:
        refund.update(details, status=event.status.value)
        record.refund = refund
        append_timeline(record, entry)
        if event.status is RefundStatus.REQUIRES_ACTION:
            append_timeline(record, {"kind": "ALERT", "code": "REFUND_REQUIRES_ACTION", "at": iso(now)})
    return "UPDATED"
