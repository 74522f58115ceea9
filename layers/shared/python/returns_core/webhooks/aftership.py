"""AfterShip Tracking's webhooks: its HMAC header and its tag/subtag vocabulary.

A `tracking_update` event carries the tracking in `msg`: its current `tag`/`subtag` and its
`checkpoints` so far. Each checkpoint becomes one scan (its id derived from the tracking and the
checkpoint, so the history repeated in later updates dedupes); the current tag becomes one more scan,
keyed on AfterShip's `event_id`, when no checkpoint carries it. Other events are ignored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
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
from returns_core.webhooks.signatures import SignatureInvalid, any_equal, header, usable_secrets

__all__ = ["PROVIDER", "SIGNATURE_HEADER", "UnreadablePayload", "normalise", "sign", "verify"]

PROVIDER = "aftership"
SIGNATURE_HEADER = "aftership-hmac-sha256"
TRACKING_EVENTS = frozenset({"tracking_update"})

TAGS: dict[str, ScanStatus] = {
    "Pending": ScanStatus.LABEL_CREATED,
    "InfoReceived": ScanStatus.LABEL_CREATED,
    "InTransit": ScanStatus.IN_TRANSIT,
    "OutForDelivery": ScanStatus.OUT_FOR_DELIVERY,
    "AttemptFail": ScanStatus.DELIVERY_ATTEMPTED,
    "AvailableForPickup": ScanStatus.AVAILABLE_FOR_PICKUP,
    "Delivered": ScanStatus.DELIVERED,
    "Expired": ScanStatus.STALE,
}

# `Exception` says little by itself; its subtag says what happened. Unlisted subtags (e.g.
# Exception_009 "rejected by carrier") are ignored rather than guessed at.
EXCEPTIONS: dict[str, ScanStatus] = {
    "Exception_001": ScanStatus.DELIVERY_ATTEMPTED,  # delivery failed: shipping exception
    "Exception_002": ScanStatus.DELIVERY_ATTEMPTED,  # customer moved
    "Exception_003": ScanStatus.RETURN_FAILED,  # refused by the recipient
    "Exception_004": ScanStatus.CUSTOMS_HOLD,  # delayed: customs clearance
    "Exception_005": ScanStatus.IN_TRANSIT,  # delayed: external factors
    "Exception_006": ScanStatus.CUSTOMS_HOLD,  # held for payment (duties)
    "Exception_007": ScanStatus.DELIVERY_ATTEMPTED,  # incorrect address
    "Exception_008": ScanStatus.DELIVERY_ATTEMPTED,  # pickup missed
    "Exception_010": ScanStatus.RETURN_FAILED,  # returning to sender
    "Exception_011": ScanStatus.RETURN_FAILED,  # returned to sender
    "Exception_012": ScanStatus.LOST_OR_DAMAGED,  # damaged
    "Exception_013": ScanStatus.LOST_OR_DAMAGED,  # lost
    "Exception_016": ScanStatus.IN_TRANSIT,  # delayed: processing issue
    "Exception_017": ScanStatus.IN_TRANSIT,  # delayed: extreme weather
    "Exception_018": ScanStatus.CUSTOMS_HOLD,  # held: incorrect or missing documents
    "Exception_019": ScanStatus.IN_TRANSIT,  # delayed: late flight
    "Exception_020": ScanStatus.CANCELLED,  # shipment cancelled
    "Exception_021": ScanStatus.LOST_OR_DAMAGED,  # shipment disposed
}


def canonical(tag: str | None, subtag: str | None) -> ScanStatus | None:
    """The canonical status for an AfterShip tag and subtag, or None for one we ignore."""
    if tag == "Exception":
        return EXCEPTIONS.get(subtag or "")
    return TAGS.get(tag or "")


def _digest(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()


def sign(secret: str, body: bytes) -> dict[str, str]:
    return {SIGNATURE_HEADER: base64.b64encode(_digest(secret, body)).decode()}


def verify(secrets: list[str], headers: Mapping[str, str], body: bytes, now: datetime) -> None:
    """`aftership-hmac-sha256: <base64 of HMAC-SHA256(secret, raw body)>`, with any configured secret."""
    usable = usable_secrets(secrets)
    value = header(headers, SIGNATURE_HEADER)
    if not value:
        raise SignatureInvalid("no signature")
    try:
        given = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalid("malformed signature header") from None
    if len(given) != hashlib.sha256().digest_size:
        raise SignatureInvalid("malformed signature header")
    if not any_equal([_digest(secret, body) for secret in usable], [given]):
        raise SignatureInvalid("signature mismatch")


def normalise(body: bytes) -> list[ScanEvent]:
    """The scans a tracking update implies ([] for other events and tags we do not act on)."""
    update = tracking_update(body, "event", TRACKING_EVENTS, "msg", "tracking_number", "AfterShip")
    if update is None:
        return []
    event, tracking, tracking_number = update
    slug = text(tracking.get("slug")) or ""
    checkpoints = tracking.get("checkpoints") or []
    if not isinstance(checkpoints, list):
        raise UnreadablePayload("checkpoints is not a list")

    scans = [
        scan for checkpoint in checkpoints if (scan := _checkpoint_scan(slug, tracking_number, checkpoint)) is not None
    ]
    current = _current_scan(tracking_number, tracking, event)
    if current is not None and current.status not in {scan.status for scan in scans}:
        scans.append(current)
    return unique(scans)


def _checkpoint_scan(slug: str, tracking_number: str, checkpoint: Any) -> ScanEvent | None:
    if not isinstance(checkpoint, dict):
        raise UnreadablePayload("a checkpoint is not an object")
    tag, subtag = text(checkpoint.get("tag")), text(checkpoint.get("subtag"))
    mapped = canonical(tag, subtag)
    if mapped is None:
        return None
    occurred_at = instant(checkpoint.get("checkpoint_time"))
    country = next(
        (
            checkpoint.get(name)
            for name in ("country_region", "country_iso3", "country_region_name", "country_name")
            if text(checkpoint.get(name))
        ),
        None,
    )
    return scan_event(
        event_id=stable_id(PROVIDER, slug, tracking_number, occurred_at.isoformat(), tag, subtag or ""),
        provider=PROVIDER,
        tracking_number=tracking_number,
        status=mapped,
        occurred_at=occurred_at,
        location=place(checkpoint.get("city"), country),
        raw=subtag or raw_status(tag),
    )


def _current_scan(tracking_number: str, tracking: dict[str, Any], event: dict[str, Any]) -> ScanEvent | None:
    """The tracking's current tag, for when no checkpoint carries it (a trimmed or first update)."""
    tag, subtag = text(tracking.get("tag")), text(tracking.get("subtag"))
    mapped = canonical(tag, subtag)
    if mapped is None:
        return None
    event_id = text(event.get("event_id"), limit=150)
    if event_id is None:
        raise UnreadablePayload("a tracking update without an event id")
    delivered_at = tracking.get("shipment_delivery_date") if mapped is ScanStatus.DELIVERED else None
    occurred_at = instant(delivered_at or event.get("ts") or tracking.get("updated_at"))
    return scan_event(
        event_id=f"{event_id}:{subtag or tag}",
        provider=PROVIDER,
        tracking_number=tracking_number,
        status=mapped,
        occurred_at=occurred_at,
        location=None,
        raw=subtag or raw_status(tag),
    )
