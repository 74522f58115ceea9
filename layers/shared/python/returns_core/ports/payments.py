"""The payment port: refunds to the original payment method."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from returns_core.money import Money


class PaymentError(Exception):
    pass


class PaymentUnavailable(PaymentError):
    """Provider down: retry later; the idempotency key makes the retry safe."""


class PaymentTimeout(PaymentError):
    """Outcome unknown: look the refund up before paying again."""


class PaymentPending(PaymentError):
    """The provider has not settled the refund yet (pending, requires_action)."""


class PaymentRejected(PaymentError):
    """The provider refused (e.g. more than was charged): needs a person."""


class RefundStatus(StrEnum):
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


@dataclass(frozen=True)
class RefundOrder:
    payment_reference: str
    amount: Money
    idempotency_key: str
    reason: str


@dataclass(frozen=True)
class RefundOutcome:
    provider: str
    refund_id: str
    status: RefundStatus
    amount: Money


class PaymentPort(Protocol):
    name: str

    def refund(self, order: RefundOrder) -> RefundOutcome: ...

    def find_refund(self, idempotency_key: str) -> RefundOutcome | None: ...
