"""The Adyen adapter: refunds through Checkout API v71, `POST /payments/{pspReference}/refunds`.

Adyen only acknowledges a refund when asked (`status: received`); whether the money went back
arrives later in a REFUND webhook, which settles the refund on the return's own record (see
workflow.refund_settlement); the workflow trusts that record over this adapter's answer. So a refund
made here always reads as pending, and the log document kept per idempotency key is the only place
a refund can be found again: Adyen has no call that lists a payment's refunds by our reference.

Adyen counts amounts in its own minor units, which differ from ISO 4217 for a few currencies, so
this adapter converts with its own table rather than `money.to_minor_units`.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from returns_core.adapters.documents import DocumentStore
from returns_core.adapters.http_json import Timeout, Transport, scrub, stdlib_transport
from returns_core.adapters.payment_http import exchange
from returns_core.money import Money, minor_units
from returns_core.ports.payments import (
    PaymentRejected,
    PaymentUnavailable,
    RefundOrder,
    RefundOutcome,
    RefundStatus,
)

TEST_API = "https://checkout-test.adyen.com/v71"

# Adyen's currency-codes table (https://docs.adyen.com/development-resources/currency-codes) marks
# these as differing from ISO 4217, and says its own decimals are the ones to send: CLP 2 (ISO 0)
# and CVE 0 (ISO 2) are in the table itself; IDR 0 (ISO 2) and ISK 2 (ISO 0) are named in the same
# page's note ("For CLP, CVE, IDR, and ISK the standard has a different number of decimals").
# Every other currency uses the ISO exponent from `money.minor_units`.
ADYEN_DECIMALS: dict[str, int] = {"CLP": 2, "CVE": 0, "IDR": 0, "ISK": 2}

# Adyen's `merchantRefundReason` enum, chosen by how our reason text starts; first match wins.
_REASONS: tuple[tuple[str, str], ...] = (
    ("return", "RETURN"),
    ("duplicate", "DUPLICATE"),
    ("fraud", "FRAUD"),
    ("customer", "CUSTOMER REQUEST"),
)


def merchant_refund_reason(reason: str) -> str:
    """Adyen's reason code for our free-text reason; the workflow's "return ret_…" is RETURN."""
    text = reason.strip().lower()
    return next((code for prefix, code in _REASONS if text.startswith(prefix)), "OTHER")


def adyen_decimals(currency: str) -> int:
    return ADYEN_DECIMALS.get(currency, minor_units(currency))


def to_adyen_minor(amount: Money) -> int:
    """The amount as Adyen's integer `value`; refused when Adyen's unit cannot express it (IDR 0.50)."""
    scaled = amount.amount.scaleb(adyen_decimals(amount.currency))
    if scaled != scaled.to_integral_value():
        # Rounding would refund a different amount than was decided; a person has to look.
        raise PaymentRejected(f"adyen: {amount} is not a whole number of Adyen's {amount.currency} minor units")
    return int(scaled)


def from_adyen_minor(value: int, currency: str) -> Money:
    return Money.of(Decimal(value).scaleb(-adyen_decimals(currency)), currency)


def _service_error(payload: bytes) -> str:
    """`: errorCode …: message` from Adyen's ServiceError body, or "" when there is none to read."""
    try:
        error = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return ""
    if not isinstance(error, dict):
        return ""
    parts = [f"errorCode {error['errorCode']}" if error.get("errorCode") else "", str(error.get("message") or "")]
    if error.get("pspReference"):  # what Adyen's support asks for
        parts.append(f"pspReference {error['pspReference']}")
    text = scrub(": ".join(part for part in parts if part))
    return f": {text}" if text else ""


class AdyenPayments:
    name = "adyen"

    def __init__(
        self,
        api_key: str,
        merchant_account: str,
        documents: DocumentStore,
        transport: Transport | None = None,
        timeout: Timeout = Timeout(),
        base_url: str = TEST_API,
    ) -> None:
        # Live accounts have their own host (https://{prefix}-checkout-live.adyenpayments.com/checkout/v71),
        # so the base is taken as given; the default transport refuses anything but HTTPS.
        self._key = api_key
        self._merchant_account = merchant_account
        self._documents = documents
        self._transport = transport or stdlib_transport()
        self._timeout = timeout
        self.base_url = base_url.rstrip("/")

    def _post(self, path: str, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        headers = {
            "X-API-Key": self._key,
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": idempotency_key,
        }
        data = json.dumps(body, separators=(",", ":")).encode()
        status, payload = exchange(
            self._transport,
            "POST",
            self.base_url + path,
            headers,
            data,
            self._timeout,
            provider="adyen",
            what="POST refunds",
            explain=_service_error,
        )
        try:
            answer = json.loads(payload, parse_float=Decimal)
        except (UnicodeDecodeError, json.JSONDecodeError):
            answer = None
        if not isinstance(answer, dict) or not answer.get("pspReference"):
            # The refund may have been taken; retrying with the same Idempotency-Key is safe.
            raise PaymentUnavailable(f"adyen HTTP {status}: the answer is not a refund acknowledgement")
        return answer

    def _log_key(self, idempotency_key: str) -> str:
        return f"adyen-payments/refunds/{idempotency_key.replace(':', '_')}.json"

    def _read_log(self, idempotency_key: str) -> dict[str, Any] | None:
        raw = self._documents.get(self._log_key(idempotency_key))
        if raw is None:
            return None
        log: dict[str, Any] = json.loads(raw)
        return log

    def _write_log(self, idempotency_key: str, log: dict[str, Any]) -> None:
        self._documents.put(self._log_key(idempotency_key), json.dumps(log).encode(), "application/json")

    @staticmethod
    def _refunds_path(payment_reference: str) -> str:
        return f"/payments/{quote(payment_reference, safe='')}/refunds"

    def _acknowledged(self, idempotency_key: str, log: dict[str, Any], answer: dict[str, Any]) -> RefundOutcome:
        """The outcome of an acknowledged refund, kept in the log so a lookup needs no call."""
        requested = log["request"]["amount"]
        amount_field = answer.get("amount") or requested
        amount = from_adyen_minor(int(amount_field["value"]), str(amount_field["currency"]))
        # "received" is all Adyen answers: the outcome comes by webhook.
        status = RefundStatus.PENDING
        log.update(refund_id=str(answer["pspReference"]), status=status.value, amount=amount.to_json())
        self._write_log(idempotency_key, log)
        return RefundOutcome(self.name, str(answer["pspReference"]), status, amount)

    def refund(self, order: RefundOrder) -> RefundOutcome:
        body: dict[str, Any] = {
            "merchantAccount": self._merchant_account,
            "amount": {"value": to_adyen_minor(order.amount), "currency": order.amount.currency},
            "reference": order.idempotency_key,
            "merchantRefundReason": merchant_refund_reason(order.reason),
        }
        # Written before the call, with the exact request, so that a lookup after a timeout can
        # send the very same request again (see find_refund). Holds no credentials.
        log: dict[str, Any] = {"payment_reference": order.payment_reference, "request": body}
        self._write_log(order.idempotency_key, log)
        answer = self._post(self._refunds_path(order.payment_reference), body, order.idempotency_key)
        return self._acknowledged(order.idempotency_key, log, answer)

    def find_refund(self, idempotency_key: str) -> RefundOutcome | None:
        log = self._read_log(idempotency_key)
        if log is None:
            return None  # never asked Adyen for this refund
        if log.get("refund_id"):
            status = RefundStatus.PENDING
            return RefundOutcome(self.name, str(log["refund_id"]), status, Money.from_json(log["amount"]))
        # Asked, but no acknowledgement came back (timeout, 5xx): whether Adyen took the refund is
        # unknown, and there is no API to look it up by our reference. Sending the same request
        # with the same Idempotency-Key is the lookup: Adyen answers a repeated key with the
        # original answer instead of refunding again, for as long as it keeps the key
        # (https://docs.adyen.com/development-resources/api-idempotency), and its refund rules cap
        # the refunded total at the captured amount besides. So this cannot pay twice; a repeated
        # timeout raises PaymentTimeout and the outcome stays unknown.
        answer = self._post(self._refunds_path(log["payment_reference"]), log["request"], idempotency_key)
        return self._acknowledged(idempotency_key, log, answer)
