"""Payment providers' refund webhooks (Stripe, Adyen): verified, then read into one `PaymentEvent`.

Stripe signs the raw body (`Stripe-Signature: t=<unix>,v1=<hex>`), so the signature is checked before
the body is parsed. Adyen signs each notification item inside the body, so the envelope is parsed
first and every item is verified before any is read: one item that fails rejects the whole batch
(Adyen then retries it). Events that are not about refunds are acknowledged and yield nothing.

A body that verifies but is not a refund event we can read becomes `UnreadablePayload`; a missing,
stale or wrong signature (or no usable secret) becomes `SignatureInvalid`.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from returns_core.adapters.stripe_payments import from_minor
from returns_core.money import Money
from returns_core.ports.payments import RefundStatus
from returns_core.webhooks.normalising import UnreadablePayload, load_object
from returns_core.webhooks.signatures import (
    SignatureInvalid,
    any_equal,
    header,
    usable_secrets,
    verify_timestamped_any,
)

__all__ = [
    "ADYEN_SIGNED_FIELDS",
    "PAYMENT_WEBHOOKS",
    "STRIPE_REFUND_EVENTS",
    "STRIPE_SIGNATURE_HEADER",
    "STRIPE_TOLERANCE_SECONDS",
    "PaymentEvent",
    "SignatureInvalid",
    "UnreadablePayload",
    "adyen_events",
    "adyen_signing_string",
    "stripe_events",
]

STRIPE = "stripe"
ADYEN = "adyen"
SANDBOX = "sandbox"

STRIPE_SIGNATURE_HEADER = "Stripe-Signature"
STRIPE_TOLERANCE_SECONDS = 300
STRIPE_REFUND_EVENTS = frozenset({"charge.refund.updated", "refund.created", "refund.updated", "refund.failed"})
_STRIPE_STATUSES: dict[str, RefundStatus] = {status.value: status for status in RefundStatus}

# The item fields Adyen signs, in order (amount.value and amount.currency are nested).
ADYEN_SIGNED_FIELDS = (
    "pspReference",
    "originalReference",
    "merchantAccountCode",
    "merchantReference",
    "amount.value",
    "amount.currency",
    "eventCode",
    "success",
)
_ADYEN_REFUND_CODES = frozenset({"REFUND", "CANCEL_OR_REFUND"})
_ADYEN_FAILED_CODES = frozenset({"REFUND_FAILED"})
_ADYEN_REVERSED_CODES = frozenset({"REFUNDED_REVERSED"})


@dataclass(frozen=True)
class PaymentEvent:
    provider: str  # "stripe" | "adyen"
    event_id: str  # dedupe key: Stripe event id; Adyen f"{pspReference}:{eventCode}:{success}"
    refund_id: str  # Stripe refund id (re_/pyr_); Adyen pspReference of the refund
    idempotency_key: str | None  # ours: Stripe metadata["idempotency_key"]; Adyen merchantReference
    status: RefundStatus
    amount: Money | None
    failure_reason: str | None
    previous_status: RefundStatus | None  # Stripe data.previous_attributes.status when present


# --- Stripe -----------------------------------------------------------------------------------------


def stripe_events(body: bytes, headers: Mapping[str, str], secrets: list[str], now: datetime) -> list[PaymentEvent]:
    """The refund events in a Stripe webhook, after checking its signature (any of `secrets`)."""
    keys = [secret.encode("utf-8") for secret in usable_secrets(secrets)]
    verify_timestamped_any(keys, body, header(headers, STRIPE_SIGNATURE_HEADER), now, STRIPE_TOLERANCE_SECONDS)
    event = load_object(body)
    kind = event.get("type")
    event_id = event.get("id")
    if not isinstance(kind, str) or not isinstance(event_id, str) or not event_id:
        raise UnreadablePayload("not a stripe event")
    if kind not in STRIPE_REFUND_EVENTS:
        return []
    data = event.get("data")
    refund = data.get("object") if isinstance(data, dict) else None
    if not isinstance(refund, dict):
        raise UnreadablePayload("a stripe refund event without its refund")
    if refund.get("object", "refund") != "refund":
        raise UnreadablePayload("a stripe refund event whose object is not a refund")
    refund_id = refund.get("id")
    if not isinstance(refund_id, str) or not refund_id:
        raise UnreadablePayload("a stripe refund without an id")
    status = _stripe_status(refund.get("status"))
    if status is None:
        raise UnreadablePayload("a stripe refund without a known status")
    amount = _minor_money(refund.get("amount"), refund.get("currency"), STRIPE)
    if amount is None:
        raise UnreadablePayload("a stripe refund without an amount")
    metadata = refund.get("metadata")
    previous = data.get("previous_attributes") if isinstance(data, dict) else None
    previous_status = _stripe_status(previous.get("status")) if isinstance(previous, dict) else None
    return [
        PaymentEvent(
            provider=STRIPE,
            event_id=event_id,
            refund_id=refund_id,
            idempotency_key=_nonempty(metadata.get("idempotency_key")) if isinstance(metadata, dict) else None,
            status=status,
            amount=amount,
            failure_reason=_nonempty(refund.get("failure_reason")),
            previous_status=previous_status,
        )
    ]


def _stripe_status(value: object) -> RefundStatus | None:
    return _STRIPE_STATUSES.get(value) if isinstance(value, str) else None


# --- Adyen ------------------------------------------------------------------------------------------


def adyen_events(body: bytes, hmac_keys_hex: list[str]) -> list[PaymentEvent]:
    """The refund events in an Adyen standard-notification batch; every item must verify first."""
    keys = _adyen_keys(hmac_keys_hex)
    items = _adyen_items(load_object(body))
    for item in items:
        if not _adyen_item_verifies(item, keys):
            raise SignatureInvalid("signature mismatch")
    events = [_adyen_event(item) for item in items]
    return [event for event in events if event is not None]


def adyen_signing_string(item: Mapping[str, Any]) -> str:
    """`pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success`.

    Missing fields are empty; nothing is escaped (a ':' inside a field is signed as it stands).
    """
    amount = item.get("amount")
    amount = amount if isinstance(amount, Mapping) else {}
    values = [
        item.get("pspReference"),
        item.get("originalReference"),
        item.get("merchantAccountCode"),
        item.get("merchantReference"),
        amount.get("value"),
        amount.get("currency"),
        item.get("eventCode"),
        item.get("success"),
    ]
    return ":".join(_signed_text(value) for value in values)


def _adyen_keys(hmac_keys_hex: list[str]) -> list[bytes]:
    """The configured keys that decode from hex to something; none at all is a rejection."""
    keys = []
    for key in usable_secrets(hmac_keys_hex):
        try:
            decoded = bytes.fromhex(key)
        except ValueError:
            continue  # a mistyped key is never a key: skip it, and reject if nothing else is left
        if decoded:
            keys.append(decoded)
    if not keys:
        raise SignatureInvalid("no secret configured")
    return keys


def _adyen_items(envelope: dict[str, Any]) -> list[dict[str, Any]]:
    wrapped = envelope.get("notificationItems")
    if not isinstance(wrapped, list) or not wrapped:
        raise UnreadablePayload("not an adyen notification")
    items = []
    for entry in wrapped:
        item = entry.get("NotificationRequestItem") if isinstance(entry, dict) else None
        if not isinstance(item, dict):
            raise UnreadablePayload("an adyen notification item without its NotificationRequestItem")
        items.append(item)
    return items


def _adyen_item_verifies(item: dict[str, Any], keys: list[bytes]) -> bool:
    additional = item.get("additionalData")
    given = additional.get("hmacSignature") if isinstance(additional, dict) else None
    if not isinstance(given, str) or not given:
        return False
    message = adyen_signing_string(item).encode("utf-8")
    expected = [base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()) for key in keys]
    return any_equal(expected, [given.encode("utf-8")])


def _adyen_event(item: dict[str, Any]) -> PaymentEvent | None:
    code = item.get("eventCode")
    if code not in _ADYEN_REFUND_CODES | _ADYEN_FAILED_CODES | _ADYEN_REVERSED_CODES:
        return None
    psp_reference = item.get("pspReference")
    if not isinstance(psp_reference, str) or not psp_reference:
        raise UnreadablePayload("an adyen refund notification without a pspReference")
    success = _signed_text(item.get("success"))
    reason = _nonempty(item.get("reason"))
    previous_status: RefundStatus | None = None
    if code in _ADYEN_REFUND_CODES:
        if success not in ("true", "false"):
            raise UnreadablePayload("an adyen refund notification without success true/false")
        status = RefundStatus.SUCCEEDED if success == "true" else RefundStatus.FAILED
        failure_reason = None if success == "true" else reason
    elif code in _ADYEN_FAILED_CODES:
        status, failure_reason = RefundStatus.FAILED, reason
    else:  # REFUNDED_REVERSED: the refund had succeeded, then the money came back
        status, failure_reason, previous_status = RefundStatus.FAILED, reason, RefundStatus.SUCCEEDED
    amount = item.get("amount")
    money = _minor_money(amount.get("value"), amount.get("currency"), ADYEN) if isinstance(amount, dict) else None
    return PaymentEvent(
        provider=ADYEN,
        event_id=f"{psp_reference}:{code}:{success}",
        refund_id=psp_reference,
        idempotency_key=_nonempty(item.get("merchantReference"), strip=False),
        status=status,
        amount=money,
        failure_reason=failure_reason,
        previous_status=previous_status,
    )


# --- the sandbox provider -------------------------------------------------------------------------


def sandbox_events(body: bytes, headers: Mapping[str, str], secrets: list[str], now: datetime) -> list[PaymentEvent]:
    """The sandbox provider's back office speaks Stripe's dialect (see adapters.sandbox_payments)."""
    return [dataclasses.replace(event, provider=SANDBOX) for event in stripe_events(body, headers, secrets, now)]


def _adyen(body: bytes, headers: Mapping[str, str], secrets: list[str], now: datetime) -> list[PaymentEvent]:
    return adyen_events(body, secrets)


# Each provider's webhook reader: (raw body, headers, its secrets, now) -> the refund events in it.
PAYMENT_WEBHOOKS: dict[str, Callable[[bytes, Mapping[str, str], list[str], datetime], list[PaymentEvent]]] = {
    STRIPE: stripe_events,
    ADYEN: _adyen,
    SANDBOX: sandbox_events,
}


# --- shared -----------------------------------------------------------------------------------------


def _minor_money(value: object, currency: object, provider: str) -> Money | None:
    """Minor units and a currency as Money; both absent is None, anything else odd is unreadable."""
    if value is None and currency is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not isinstance(currency, str):
        raise UnreadablePayload(f"a {provider} amount that is not minor units with a currency")
    try:
        return from_minor(value, currency)
    except ValueError:
        raise UnreadablePayload(f"a {provider} amount that is not minor units with a currency") from None


def _signed_text(value: object) -> str:
    """A field as Adyen renders it for signing: absent is empty, booleans lower case."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int):
        return str(value)
    raise UnreadablePayload("an adyen notification field that is not text")


def _nonempty(value: object, *, strip: bool = True) -> str | None:
    if not isinstance(value, str):
        return None
    if strip:
        value = value.strip()
    return value if value and value.strip() else None
