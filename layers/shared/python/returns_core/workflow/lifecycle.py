"""Moving a return through its status lifecycle, with a timeline entry for every step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from returns_core.clock import iso
from returns_core.domain.statuses import IllegalTransition, ReturnStatus, can_transition
from returns_core.storage.models import ATTENTION, ReturnRecord


def append_timeline(record: ReturnRecord, entry: dict[str, Any]) -> None:
    # Reassign rather than mutate so pynamodb sees the attribute as changed.
    record.timeline = [*(record.timeline or []), entry]


def raise_alert(
    record: ReturnRecord, code: str, at: datetime, *, until_acknowledged: bool = False, **details: Any
) -> None:
    """An alert for ops on the timeline, with `details` for ops to see. One `until_acknowledged` stays on the
    ops alert list after the return has ended (an overpayment, goods refunded and never returned) until
    someone acknowledges it."""
    entry: dict[str, Any] = {"kind": "ALERT", "code": code, **details, "at": iso(at)}
    if until_acknowledged:
        entry["until_acknowledged"] = True
        record.attention = ATTENTION
    append_timeline(record, entry)


def transition(record: ReturnRecord, target: ReturnStatus, at: datetime, note: str | None = None) -> bool:
    """Move to `target`; False if already there; IllegalTransition if the lifecycle forbids it."""
    current = ReturnStatus(record.status)
    if current is target:
        return False
    if not can_transition(current, target):
        raise IllegalTransition(current, target)
    record.status = target.value
    record.updated_at = at
    entry: dict[str, Any] = {"kind": "STATUS", "status": target.value, "at": iso(at)}
    if note:
        entry["note"] = note
    append_timeline(record, entry)
    return True


# The one way back from an ended return: the provider took back a refund it had paid, so the shopper
# is owed it again. The workflow's own steps never go back (see domain.statuses).
_REOPENINGS = {(ReturnStatus.REFUNDED, ReturnStatus.REFUND_PENDING)}


def reopen(record: ReturnRecord, target: ReturnStatus, at: datetime, note: str) -> None:
    current = ReturnStatus(record.status)
    if (current, target) not in _REOPENINGS:
        raise IllegalTransition(current, target)
    record.status = target.value
    record.updated_at = at
    append_timeline(record, {"kind": "STATUS", "status": target.value, "at": iso(at), "note": note, "reopened": True})
