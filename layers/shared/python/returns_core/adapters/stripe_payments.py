"""The Stripe adapter: refunds through POST /v1/refunds, looked up by listing the payment's refunds.

Stripe takes form-encoded bodies, so this adapter calls the HTTP transport itself rather than the
JSON client; transport failures and HTTP errors become the payment port's named errors.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from returns_core.adapters.documents import DocumentStore
from returns_core.adapters.http_json import Timeout, Transport, stdlib_transport
from returns_core.adapters.payment_http import exchange
from returns_core.money import Money, from_minor_units, to_minor_units
from returns_core.ports.payments import (
    RefundOrder,
    RefundOutcome,
    RefundStatus,
)

API = "https://api.stripe.com"
_STATUSES = {status.value: status for status in RefundStatus}


# Stripe's `amount`: an integer in the currency's smallest unit (JPY has none below 1).
minor_amount = to_minor_units


def from_minor(value: int, currency: str) -> Money:
    # Stripe spells currencies in lower case; the ISO minor-unit table is keyed in upper case.
    return from_minor_units(value, currency.upper())


class StripePayments:
    name = "stripe"

    def __init__(
        self, api_key: str, documents: DocumentStore, transport: Transport | None = None, timeout: Timeout = Timeout()
    ) -> None:
        self._key = api_key
        self._documents = documents
        self._transport = transport or stdlib_transport()
        self._timeout = timeout

    def _call(self, method: str, path: str, form: dict[str, str] | None = None, **headers: str) -> dict[str, Any]:
        body = urlencode(form).encode() if form is not None else None
        sent = {"Authorization": f"Bearer {self._key}", "Accept": "application/json", **headers}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        _, payload = exchange(
            self._transport,
            method,
            API + path,
            sent,
            body,
            self._timeout,
            provider="stripe",
            what=f"{method} {path.split('?')[0]}",
        )
        answer: dict[str, Any] = json.loads(payload)
        return answer

    def _log(self, idempotency_key: str) -> str:
        return f"stripe-payments/refunds/{idempotency_key.replace(':', '_')}.json"

    def _outcome(self, refund: dict[str, Any]) -> RefundOutcome:
        status = _STATUSES.get(str(refund.get("status")), RefundStatus.PENDING)
        return RefundOutcome(self.name, refund["id"], status, from_minor(int(refund["amount"]), refund["currency"]))

    def refund(self, order: RefundOrder) -> RefundOutcome:
        field = "charge" if order.payment_reference.startswith(("ch_", "py_")) else "payment_intent"
        # Written first, so that a lookup after a timeout knows which payment to list.
        log = {"payment_reference": order.payment_reference, "field": field}
        self._documents.put(self._log(order.idempotency_key), json.dumps(log).encode(), "application/json")
        form = {
            field: order.payment_reference,
            "amount": str(minor_amount(order.amount)),
            "metadata[idempotency_key]": order.idempotency_key,
            "metadata[return_id]": order.idempotency_key.removeprefix("refund:"),
        }
        answer = self._call("POST", "/v1/refunds", form, **{"Idempotency-Key": order.idempotency_key})
        return self._outcome(answer)

    def find_refund(self, idempotency_key: str) -> RefundOutcome | None:
        raw = self._documents.get(self._log(idempotency_key))
        if raw is None:
            return None
        log = json.loads(raw)
        listed = self._call("GET", "/v1/refunds?" + urlencode({log["field"]: log["payment_reference"], "limit": 100}))
        for refund in listed.get("data", []):
            if (refund.get("metadata") or {}).get("idempotency_key") == idempotency_key:
                return self._outcome(refund)
        return None
