"""The return's status lifecycle: which status may follow which, and which ones end a return."""

from __future__ import annotations

from enum import StrEnum


class ReturnStatus(StrEnum):
    REQUESTED = "REQUESTED"
    IN_REVIEW = "IN_REVIEW"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    LABEL_ISSUED = "LABEL_ISSUED"
    IN_TRANSIT = "IN_TRANSIT"
    DELIVERED = "DELIVERED"
    INSPECTED = "INSPECTED"
    REFUND_PENDING = "REFUND_PENDING"
    REFUNDED = "REFUNDED"
    CLOSED = "CLOSED"
    EXPIRED = "EXPIRED"
    LOST = "LOST"
    BOUNCED = "BOUNCED"
    CANCELLED = "CANCELLED"


S = ReturnStatus

TERMINAL: frozenset[ReturnStatus] = frozenset({S.REJECTED, S.REFUNDED, S.CLOSED, S.EXPIRED, S.BOUNCED, S.CANCELLED})
# Every status a return can still be in while something may happen to it (ops may have to act).
OPEN: tuple[ReturnStatus, ...] = tuple(status for status in ReturnStatus if status not in TERMINAL)

# Carrier scans can arrive late and out of order; a scan may take a return forward along this
# path but never back.
_PHYSICAL_PROGRESS = [S.LABEL_ISSUED, S.IN_TRANSIT, S.DELIVERED]

_ALLOWED: dict[ReturnStatus, frozenset[ReturnStatus]] = {
    S.REQUESTED: frozenset({S.IN_REVIEW, S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.IN_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
    # APPROVED → REFUND_PENDING is the returnless refund: the shopper keeps the item.
    S.APPROVED: frozenset({S.LABEL_ISSUED, S.REFUND_PENDING, S.CANCELLED}),
    S.LABEL_ISSUED: frozenset({S.IN_TRANSIT, S.DELIVERED, S.EXPIRED, S.LOST, S.BOUNCED, S.CANCELLED}),
    S.IN_TRANSIT: frozenset({S.DELIVERED, S.LOST, S.BOUNCED}),
    S.DELIVERED: frozenset({S.INSPECTED}),
    S.INSPECTED: frozenset({S.REFUND_PENDING, S.CLOSED}),
    S.REFUND_PENDING: frozenset({S.REFUNDED, S.CLOSED}),
    # A lost parcel is not the shopper's fault: after the seller's grace period the refund (or the
    # credit, or the replacement) goes ahead while the carrier claim runs.
    S.LOST: frozenset({S.REFUND_PENDING, S.CLOSED}),
}


class IllegalTransition(ValueError):
    def __init__(self, current: ReturnStatus, target: ReturnStatus) -> None:
        super().__init__(f"a return in {current} cannot become {target}")
        self.current = current
        self.target = target


def can_transition(current: ReturnStatus, target: ReturnStatus) -> bool:
    return target in _ALLOWED.get(current, frozenset())


def is_terminal(status: ReturnStatus) -> bool:
    return status in TERMINAL


def physical_rank(status: ReturnStatus) -> int:
    """Position on the carrier's path; -1 for statuses the carrier does not drive."""
    return _PHYSICAL_PROGRESS.index(status) if status in _PHYSICAL_PROGRESS else -1
