"""EasyPost's tracker webhooks: its HMAC header and its tracking vocabulary.

EasyPost posts an Event (`description` says what kind); `tracker.created` and `tracker.updated`
carry a Tracker whose `tracking_details` is the parcel's whole history so far. Each detail becomes
one scan, with an id derived from the tracker and the detail, so the history repeated in every later
update dedupes against what was already published. Every other event (`batch.created`, ...) is
acknowledged and ignored.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from returns_core.domain.scans import ScanEvent, ScanStatus
from returns_core.domain.weights import grams_from_ounces
from returns_core.webhooks.normalising import (
    UnreadablePayload,
    instant,
    place,
    raw_status,
    scan_event,
    stable_id,
    text,
    tracking_update,
    unique,
)
from returns_core.webhooks.signatures import SignatureInvalid, any_equal, header, hmac_sha256_hex, usable_secrets

__all__ = ["PROVIDER", "SIGNATURE_HEADER", "UnreadablePayload", "normalise", "sign", "verify"]

PROVIDER = "easypost"
SIGNATURE_HEADER = "X-Hmac-Signature"
SCHEME = "hmac-sha256-hex="
TRACKER_EVENTS = frozenset({"tracker.created", "tracker.updated"})
_HEX = frozenset("0123456789abcdef")

# Tracker/TrackingDetail `status` → canonical. `error` is not mapped (ignored). Every label this
# product buys is a return label, so `return_to_sender` means the parcel is going back to the shopper.
STATUSES: dict[str, ScanStatus] = {
    "unknown": ScanStatus.STALE,
    "pre_transit": ScanStatus.LABEL_CREATED,
    "in_transit": ScanStatus.IN_TRANSIT,
    "out_for_delivery": ScanStatus.OUT_FOR_DELIVERY,
    "available_for_pickup": ScanStatus.AVAILABLE_FOR_PICKUP,
    "delivered": ScanStatus.DELIVERED,
    "return_to_sender": ScanStatus.RETURN_FAILED,
    "failure": ScanStatus.LOST_OR_DAMAGED,
    "cancelled": ScanStatus.CANCELLED,
}

# (status, status_detail) pairs that say more than the status alone.
DETAILS: dict[tuple[str, str], ScanStatus] = {
    ("in_transit", "held"): ScanStatus.CUSTOMS_HOLD,
    ("in_transit", "awaiting_information"): ScanStatus.CUSTOMS_HOLD,
    ("in_transit", "delivery_exception"): ScanStatus.DELIVERY_ATTEMPTED,
    ("out_for_delivery", "delivery_exception"): ScanStatus.DELIVERY_ATTEMPTED,
    ("failure", "delivery_exception"): ScanStatus.DELIVERY_ATTEMPTED,
    ("in_transit", "refused"): ScanStatus.RETURN_FAILED,
    ("out_for_delivery", "refused"): ScanStatus.RETURN_FAILED,
    ("failure", "refused"): ScanStatus.RETURN_FAILED,
}


def canonical(status: str | None, detail: str | None) -> ScanStatus | None:
    """The canonical status for an EasyPost status and status_detail, or None for one we ignore."""
    if status is None:
        return None
    status = status.lower()
    if detail is not None and (status, detail.lower()) in DETAILS:
        return DETAILS[(status, detail.lower())]
    return STATUSES.get(status)


def _key(secret: str) -> bytes:
    # EasyPost's client libraries NFKD-normalise the secret before using its UTF-8 bytes as the key.
    return unicodedata.normalize("NFKD", secret).encode("utf-8")


def sign(secret: str, body: bytes) -> dict[str, str]:
    return {SIGNATURE_HEADER: SCHEME + hmac_sha256_hex(_key(secret), body)}


def verify(secrets: list[str], headers: Mapping[str, str], body: bytes, now: datetime) -> None:
    """`X-Hmac-Signature: hmac-sha256-hex=<hex>` over the raw body, with any configured secret."""
    keys = [_key(secret) for secret in usable_secrets(secrets)]
    value = header(headers, SIGNATURE_HEADER)
    if not value:
        raise SignatureInvalid("no signature")
    value = value.strip()
    if not value.startswith(SCHEME):
        raise SignatureInvalid("malformed signature header")
    digest = value[len(SCHEME) :].lower()
    if len(digest) != 64 or not set(digest) <= _HEX:
        raise SignatureInvalid("malformed signature header")
    expected = [hmac_sha256_hex(key, body).encode() for key in keys]
    if not any_equal(expected, [digest.encode()]):
        raise SignatureInvalid("signature mismatch")


def normalise(body: bytes) -> list[ScanEvent]:
    """The scans a tracker event implies ([] for other events and statuses we do not act on)."""
    update = tracking_update(body, "description", TRACKER_EVENTS, "result", "tracking_code", "EasyPost")
    if update is None:
        return []
    event, tracker, tracking_number = update
    tracker_id = text(tracker.get("id"), limit=200) or stable_id(
        PROVIDER, tracking_number, text(tracker.get("carrier")) or ""
    )
    details = tracker.get("tracking_details") or []
    if not isinstance(details, list):
        raise UnreadablePayload("tracking_details is not a list")

    scans = [scan for detail in details if (scan := _detail_scan(tracker_id, tracking_number, detail)) is not None]
    told = {(text(detail.get("status")) or "").lower() for detail in details}
    if (text(tracker.get("status")) or "").lower() not in told:
        current = _current_scan(tracker_id, tracking_number, tracker, event)
        if current is not None:
            scans.append(current)
    weighed = _carrier_weight(tracker.get("weight"))
    if weighed is not None:
        # The tracker's weight is the carrier's own measurement, known once it has the parcel; the
        # workflow keeps the first one it sees.
        scans = [
            s.model_copy(update={"weight_grams": weighed}) if s.status is not ScanStatus.LABEL_CREATED else s
            for s in scans
        ]
    return unique(scans)


def _carrier_weight(value: object) -> int | None:
    """The tracker's `weight` (ounces, as the carrier measured it) in grams; None when absent or 0."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        ounces = Decimal(str(value))
    except InvalidOperation:
        return None
    if not ounces.is_finite() or ounces <= 0 or ounces > 35_000:
        return None
    return grams_from_ounces(ounces)


def _detail_scan(tracker_id: str, tracking_number: str, detail: Any) -> ScanEvent | None:
    if not isinstance(detail, dict):
        raise UnreadablePayload("a tracking detail is not an object")
    status, status_detail = text(detail.get("status")), text(detail.get("status_detail"))
    mapped = canonical(status, status_detail)
    if mapped is None:
        return None
    occurred_at = instant(detail.get("datetime"))
    where = detail.get("tracking_location")
    location = place(where.get("city"), where.get("country")) if isinstance(where, dict) else None
    return scan_event(
        event_id=stable_id(PROVIDER, tracker_id, occurred_at.isoformat(), status, status_detail or ""),
        provider=PROVIDER,
        tracking_number=tracking_number,
        status=mapped,
        occurred_at=occurred_at,
        location=location,
        raw=raw_status(status, status_detail),
    )


def _current_scan(
    tracker_id: str, tracking_number: str, tracker: dict[str, Any], event: dict[str, Any]
) -> ScanEvent | None:
    """The tracker's own status, for when no detail carries its status word (e.g. a cancelled tracker)."""
    status, status_detail = text(tracker.get("status")), text(tracker.get("status_detail"))
    mapped = canonical(status, status_detail)
    if mapped is None:
        return None
    when = tracker.get("updated_at") or event.get("updated_at") or event.get("created_at")
    occurred_at = instant(when)
    return scan_event(
        event_id=stable_id(PROVIDER, tracker_id, "tracker", occurred_at.isoformat(), status, status_detail or ""),
        provider=PROVIDER,
        tracking_number=tracking_number,
        status=mapped,
        occurred_at=occurred_at,
        location=None,
        raw=raw_status(status, status_detail),
    )
