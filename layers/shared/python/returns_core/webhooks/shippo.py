"""Shippo's tracking webhooks: its (opt-in) HMAC header and its status/substatus vocabulary.

A `track_updated` event carries a Track object in `data`: the current `tracking_status` and the
`tracking_history` so far. Each entry becomes one scan; Shippo gives no id per entry that survives
across updates, so the id is a hash of the tracking number, the status and its time (the current
status is normally also the newest history entry, and hashes the same). Other events are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from returns_core.domain.scans import ScanEvent, ScanStatus
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
from returns_core.webhooks.signatures import header, sign_timestamped, usable_secrets, verify_timestamped_any

__all__ = ["PROVIDER", "SIGNATURE_HEADER", "UnreadablePayload", "normalise", "sign", "verify"]

PROVIDER = "shippo"
SIGNATURE_HEADER = "Shippo-Auth-Signature"
TOLERANCE_SECONDS = 300
TRACKING_EVENTS = frozenset({"track_updated"})

STATUSES: dict[str, ScanStatus] = {
    "PRE_TRANSIT": ScanStatus.LABEL_CREATED,
    "TRANSIT": ScanStatus.IN_TRANSIT,
    "DELIVERED": ScanStatus.DELIVERED,
    "RETURNED": ScanStatus.RETURN_FAILED,
    "FAILURE": ScanStatus.LOST_OR_DAMAGED,
    "UNKNOWN": ScanStatus.STALE,
}

_ATTEMPTS = ("delivery_attempted", "notice_left", "address_issue", "location_inaccessible", "reschedule_delivery")

# (status, substatus code) pairs that say more than the status alone.
SUBSTATUSES: dict[tuple[str, str], ScanStatus] = {
    ("TRANSIT", "out_for_delivery"): ScanStatus.OUT_FOR_DELIVERY,
    ("TRANSIT", "pickup_available"): ScanStatus.AVAILABLE_FOR_PICKUP,
    ("TRANSIT", "package_held"): ScanStatus.CUSTOMS_HOLD,
    **{("TRANSIT", code): ScanStatus.DELIVERY_ATTEMPTED for code in _ATTEMPTS},
    **{("FAILURE", code): ScanStatus.DELIVERY_ATTEMPTED for code in (*_ATTEMPTS, "package_unclaimed")},
    ("FAILURE", "return_to_sender"): ScanStatus.RETURN_FAILED,
}


def canonical(status: str | None, substatus: str | None) -> ScanStatus | None:
    """The canonical status for a Shippo status and substatus code, or None for one we ignore."""
    if status is None:
        return None
    status = status.upper()
    if substatus is not None and (status, substatus.lower()) in SUBSTATUSES:
        return SUBSTATUSES[(status, substatus.lower())]
    return STATUSES.get(status)


def sign(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    return {SIGNATURE_HEADER: sign_timestamped(secret.encode("utf-8"), body, timestamp)}


def verify(secrets: list[str], headers: Mapping[str, str], body: bytes, now: datetime) -> None:
    """`Shippo-Auth-Signature: t=<unix>,v1=<hex>` over "<t>.<raw body>", at most 300 s from `now`."""
    keys = [secret.encode("utf-8") for secret in usable_secrets(secrets)]
    verify_timestamped_any(keys, body, header(headers, SIGNATURE_HEADER), now, TOLERANCE_SECONDS)


def normalise(body: bytes) -> list[ScanEvent]:
    """The scans a track update implies ([] for other events and statuses we do not act on)."""
    update = tracking_update(body, "event", TRACKING_EVENTS, "data", "tracking_number", "Shippo")
    if update is None:
        return []
    _, track, tracking_number = update
    history = track.get("tracking_history") or []
    if not isinstance(history, list):
        raise UnreadablePayload("tracking_history is not a list")
    entries = [*history, track.get("tracking_status")] if track.get("tracking_status") is not None else history
    return unique(scan for entry in entries if (scan := _entry_scan(tracking_number, entry)) is not None)


def _entry_scan(tracking_number: str, entry: Any) -> ScanEvent | None:
    if not isinstance(entry, dict):
        raise UnreadablePayload("a tracking status is not an object")
    status = text(entry.get("status"))
    substatus = entry.get("substatus")
    code = text(substatus.get("code")) if isinstance(substatus, dict) else text(substatus)
    mapped = canonical(status, code)
    if mapped is None:
        return None
    occurred_at = instant(entry.get("status_date") or entry.get("object_updated") or entry.get("object_created"))
    where = entry.get("location")
    location = place(where.get("city"), where.get("country")) if isinstance(where, dict) else None
    return scan_event(
        event_id=stable_id(PROVIDER, tracking_number, status, code or "", occurred_at.isoformat()),
        provider=PROVIDER,
        tracking_number=tracking_number,
        status=mapped,
        occurred_at=occurred_at,
        location=location,
        raw=raw_status(status, code),
    )
