"""What every carrier normaliser shares: reading a body, times, places and stable event ids.

A provider module turns a verified body into canonical scans. Anything odd in the body becomes
`UnreadablePayload` (a 400), never another exception (a 500).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from returns_core.domain.scans import ScanEvent, ScanStatus

_TEXT_LIMIT = 100
_LOCATION_LIMIT = 200


class UnreadablePayload(ValueError):
    """The body is not a tracking event this provider sends (or not one we can read)."""


def load_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object."""
    try:
        data: Any = json.loads(body)
    except (ValueError, RecursionError):
        raise UnreadablePayload("not JSON") from None
    if not isinstance(data, dict):
        raise UnreadablePayload("not a JSON object")
    return data


def instant(value: object) -> datetime:
    """A provider's time as an aware UTC datetime: ISO 8601 text or Unix seconds; no zone means UTC."""
    try:
        if isinstance(value, bool):
            raise TypeError("not a time")
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, UTC)
        if not isinstance(value, str) or not value.strip():
            raise TypeError("not a time")
        parsed = datetime.fromisoformat(value.strip())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, TypeError, OverflowError, OSError):
        raise UnreadablePayload("unreadable time") from None


def text(value: object, limit: int = _TEXT_LIMIT) -> str | None:
    """A short string field, or None when absent/empty/not a string."""
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    return stripped[:limit] if stripped else None


def place(city: object, country: object) -> str | None:
    """Where a scan happened, as "City, CC": never a street, postcode or name (no personal data)."""
    parts = [part for part in (text(city), text(country)) if part]
    return ", ".join(parts)[:_LOCATION_LIMIT] if parts else None


def raw_status(*words: object) -> str:
    return "/".join(word for word in (text(w) for w in words) if word)[:_TEXT_LIMIT]


def stable_id(provider: str, *parts: object) -> str:
    """An event id for a provider that has none per scan: the same scan always hashes the same."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode("utf-8")).hexdigest()
    return f"{provider}-{digest[:40]}"


def scan_event(
    *,
    event_id: str,
    provider: str,
    tracking_number: str,
    status: ScanStatus,
    occurred_at: datetime,
    location: str | None,
    raw: str,
    weight_grams: int | None = None,
) -> ScanEvent:
    try:
        return ScanEvent(
            event_id=event_id,
            provider=provider,
            tracking_number=tracking_number,
            status=status,
            occurred_at=occurred_at,
            location=location,
            raw_status=raw,
            weight_grams=weight_grams,
        )
    except ValidationError:
        raise UnreadablePayload("not a valid scan") from None


def unique(scans: Iterable[ScanEvent]) -> list[ScanEvent]:
    """The scans in order, each event id once (a body may repeat its current status in its history)."""
    seen: set[str] = set()
    kept = []
    for scan in scans:
        if scan.event_id not in seen:
            seen.add(scan.event_id)
            kept.append(scan)
    return kept


def tracking_update(
    body: bytes, kind_key: str, kinds: frozenset[str], object_key: str, number_key: str, provider: str
) -> tuple[dict[str, Any], dict[str, Any], str] | None:
    """(the event, its tracking object, its tracking number) of a tracking event; None for other events.

    Every provider wraps its tracking object the same way: an event name, the object under a key, a
    tracking number inside it. What is not such an event, or is one without its parts, is unreadable.
    """
    event = load_object(body)
    kind = text(event.get(kind_key))
    if kind is None:
        raise UnreadablePayload(f"not a {provider} webhook")
    if kind not in kinds:
        return None
    tracking = event.get(object_key)
    if not isinstance(tracking, dict):
        raise UnreadablePayload(f"a {provider} tracking event without its {object_key}")
    number = text(tracking.get(number_key), limit=200)
    if number is None:
        raise UnreadablePayload(f"a {provider} tracking event without a tracking number")
    return event, tracking, number
