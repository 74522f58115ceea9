"""The sandbox payment provider: refunds with ids, statuses and idempotency like a real PSP.

State lives in the documents bucket so that a retried Lambda, or another instance, sees the
refund it already made: the same idempotency key replays the first result and never pays twice.
"""

from __future__ import annotations

import hashlib
import json

from returns_core.adapters.documents import DocumentStore
from returns_core.clock import iso, utcnow
from returns_core.money import Money
from returns_core.ports.payments import PaymentRejected, RefundOrder, RefundOutcome, RefundStatus

REFUNDS_PREFIX = "sandbox-payments/refunds/"
# The sandbox declines refunds above this amount, to exercise the failure path.
DECLINE_ABOVE = Money.of("100000", "USD").amount


class SandboxPayments:
    name = "sandbox"

    def __init__(self, documents: DocumentStore) -> None:
        self._documents = documents

    def _key(self, idempotency_key: str) -> str:
        return REFUNDS_PREFIX + hashlib.sha256(idempotency_key.encode()).hexdigest() + ".json"

    def find_refund(self, idempotency_key: str) -> RefundOutcome | None:
        stored = self._documents.get(self._key(idempotency_key))
        if stored is None:
            return None
        data = json.loads(stored)
        return RefundOutcome(
            provider=self.name,
            refund_id=data["refund_id"],
            status=RefundStatus(data["status"]),
            amount=Money.from_json(data["amount"]),
        )

    def refund(self, order: RefundOrder) -> RefundOutcome:
        existing = self.find_refund(order.idempotency_key)
        if existing is not None:
            if existing.amount != order.amount:
                raise PaymentRejected("idempotency key reused with a different amount")
            return existing
        if order.amount.amount <= 0:
            raise PaymentRejected("refund amount must be positive")
        if order.amount.amount > DECLINE_ABOVE:
            raise PaymentRejected("amount exceeds the original charge")
        refund_id = "re_sbx_" + hashlib.sha256(order.idempotency_key.encode()).hexdigest()[:20]
        outcome = RefundOutcome(self.name, refund_id, RefundStatus.SUCCEEDED, order.amount)
        record = {
            "refund_id": refund_id,
            "status": outcome.status.value,
            "amount": order.amount.to_json(),
            "payment_reference": order.payment_reference,
            "reason": order.reason,
            "created_at": iso(utcnow()),
        }
        self._documents.put(self._key(order.idempotency_key), json.dumps(record).encode(), "application/json")
        return outcome
