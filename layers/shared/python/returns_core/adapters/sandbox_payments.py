"""The sandbox payment provider: refunds with ids, statuses and idempotency like a real PSP.

State lives in the documents bucket so that a retried Lambda, or another instance, sees the
refund it already made: the same idempotency key replays the first result and never pays twice.

Like a PSP's test cards, the payment reference chooses how a refund behaves, so a seller (or a
test) can exercise every path without configuration:

- anything else settles at once (`succeeded` in the answer);
- `..._async...` answers `pending`; the provider's back office (`settle_due`) settles it later and
  sends a webhook, as Adyen always does and Stripe does for some payment methods;
- `..._async_fail...` answers `pending`, then fails (`insufficient_funds`);
- `..._reverse...` succeeds at once, then fails afterwards (Stripe documents that a refund can go
  from `succeeded` to `failed`, e.g. when the card account has been closed).

The webhooks the back office sends speak Stripe's dialect (event envelope, `Stripe-Signature`), so
the same parser and the same handler path serve both.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta
from typing import Any

from returns_core.adapters.documents import DocumentStore
from returns_core.clock import iso, parse_utc, utcnow
from returns_core.money import Money, to_minor_units
from returns_core.ports.payments import PaymentRejected, RefundOrder, RefundOutcome, RefundStatus
from returns_core.webhooks.signatures import sign_timestamped

REFUNDS_PREFIX = "sandbox-payments/refunds/"
# The sandbox declines refunds above this amount, to exercise the failure path.
DECLINE_ABOVE = Money.of("100000", "USD").amount
# How long a pending sandbox refund takes to settle, in wall time.
SETTLE_AFTER = timedelta(seconds=1)
# Words in the payment reference (whole words after '_' or '-', any case) that choose a refund's behaviour.
_ASYNC_FAIL = re.compile(r"[-_]async[-_]fail(?![a-z0-9])", re.IGNORECASE)
_ASYNC = re.compile(r"[-_]async(?![a-z0-9])", re.IGNORECASE)
_REVERSE = re.compile(r"[-_]reverse(?![a-z0-9])", re.IGNORECASE)
FAILURE_REASON = "insufficient_funds"
REVERSAL_REASON = "expired_or_canceled_card"


def _plan(payment_reference: str) -> tuple[RefundStatus, RefundStatus | None]:
    """(status answered now, status the back office moves it to later, if any)."""
    if _ASYNC_FAIL.search(payment_reference):
        return RefundStatus.PENDING, RefundStatus.FAILED
    if _ASYNC.search(payment_reference):
        return RefundStatus.PENDING, RefundStatus.SUCCEEDED
    if _REVERSE.search(payment_reference):
        return RefundStatus.SUCCEEDED, RefundStatus.FAILED
    return RefundStatus.SUCCEEDED, None


class SandboxPayments:
    name = "sandbox"

    def __init__(self, documents: DocumentStore) -> None:
        self._documents = documents

    def _key(self, idempotency_key: str) -> str:
        return REFUNDS_PREFIX + hashlib.sha256(idempotency_key.encode()).hexdigest() + ".json"

    def _load(self, idempotency_key: str) -> dict[str, Any] | None:
        stored = self._documents.get(self._key(idempotency_key))
        return json.loads(stored) if stored is not None else None

    def find_refund(self, idempotency_key: str) -> RefundOutcome | None:
        data = self._load(idempotency_key)
        if data is None:
            return None
        return RefundOutcome(
            provider=self.name,
            refund_id=str(data["refund_id"]),
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
        status, later = _plan(order.payment_reference)
        record = {
            "refund_id": refund_id,
            "status": status.value,
            "amount": order.amount.to_json(),
            "payment_reference": order.payment_reference,
            "idempotency_key": order.idempotency_key,
            "reason": order.reason,
            "created_at": iso(utcnow()),
            "settles_to": later.value if later else None,
        }
        self._documents.put(self._key(order.idempotency_key), json.dumps(record).encode(), "application/json")
        return RefundOutcome(self.name, refund_id, status, order.amount)

    def settle_due(self, now: datetime, secret: str) -> list[tuple[bytes, dict[str, str]]]:
        """The back office: settle every refund whose time has come, once; the webhooks it sends.

        Each is (body, headers) signed with `secret` in Stripe's scheme. The refund's stored status
        changes first, so a lookup (`find_refund`) agrees with the webhook whether or not it arrives.
        """
        sent = []
        for key in self._documents.keys(REFUNDS_PREFIX):
            raw = self._documents.get(key)
            data = json.loads(raw) if raw else {}
            later = data.get("settles_to")
            if not later or now - parse_utc(data["created_at"]) < SETTLE_AFTER:
                continue
            previous = data["status"]
            data["status"], data["settles_to"] = later, None
            data["failure_reason"] = None
            if later == RefundStatus.FAILED.value:
                data["failure_reason"] = REVERSAL_REASON if previous == RefundStatus.SUCCEEDED.value else FAILURE_REASON
            data["settled_at"] = iso(now)
            self._documents.put(key, json.dumps(data).encode(), "application/json")
            body = json.dumps(_event(data, previous)).encode()
            sent.append((body, webhook_headers(body, secret, now)))
        return sent


def webhook_headers(body: bytes, secret: str, now: datetime) -> dict[str, str]:
    """The signature header of a webhook sent at `now` (Stripe's scheme: the timestamp is signed with the body)."""
    return {"Stripe-Signature": sign_timestamped(secret.encode(), body, int(now.timestamp()))}


def _event(refund: dict[str, Any], previous_status: object) -> dict[str, Any]:
    amount = Money.from_json(refund["amount"])
    key = str(refund.get("idempotency_key") or "")
    failed = refund["status"] == RefundStatus.FAILED.value
    return {
        "id": "evt_sbx_" + hashlib.sha256(f"{refund['refund_id']}:{refund['status']}".encode()).hexdigest()[:24],
        "object": "event",
        "type": "refund.failed" if failed else "refund.updated",
        "data": {
            "object": {
                "id": refund["refund_id"],
                "object": "refund",
                "amount": to_minor_units(amount),
                "currency": amount.currency.lower(),
                "status": refund["status"],
                "failure_reason": refund.get("failure_reason"),
                "metadata": {"idempotency_key": key, "return_id": key.split(":")[1] if ":" in key else ""},
            },
            "previous_attributes": {"status": previous_status},
        },
    }
