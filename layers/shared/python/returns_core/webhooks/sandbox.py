"""The sandbox carrier's webhook: its signature scheme and its tracking vocabulary."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from returns_core.domain.scans import ScanEvent, ScanStatus
from returns_core.webhooks.normalising import UnreadablePayload
from returns_core.webhooks.signatures import header, sign_timestamped, usable_secrets, verify_timestamped_any

SIGNATURE_HEADER = "X-Sandbox-Signature"
PROVIDER = "sandbox"

# The sandbox carrier's own status words, as a real carrier would send them.
VOCABULARY: dict[str, ScanStatus] = {
    "label_created": ScanStatus.LABEL_CREATED,
    "accepted": ScanStatus.ACCEPTED,
    "in_transit": ScanStatus.IN_TRANSIT,
    "customs_hold": ScanStatus.CUSTOMS_HOLD,
    "out_for_delivery": ScanStatus.OUT_FOR_DELIVERY,
    "available_for_pickup": ScanStatus.AVAILABLE_FOR_PICKUP,
    "delivery_attempted": ScanStatus.DELIVERY_ATTEMPTED,
    "delivered": ScanStatus.DELIVERED,
    "returned_to_sender": ScanStatus.RETURN_FAILED,
    "lost": ScanStatus.LOST_OR_DAMAGED,
    "damaged": ScanStatus.LOST_OR_DAMAGED,
    "cancelled": ScanStatus.CANCELLED,
}


class SandboxScanPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=200)
    tracking_number: str = Field(min_length=1, max_length=64)
    status: str = Field(min_length=1, max_length=100)
    occurred_at: datetime
    location: str | None = Field(default=None, max_length=200)
    weight_grams: int | None = Field(default=None, ge=0, le=1_000_000)


def verify(secrets: list[str], headers: Mapping[str, str], body: bytes, now: datetime) -> None:
    """`X-Sandbox-Signature: t=<unix>,v1=<hex>`, signed with any of `secrets` (several during a rotation)."""
    keys = [secret.encode() for secret in usable_secrets(secrets)]
    verify_timestamped_any(keys, body, header(headers, SIGNATURE_HEADER), now)


def sign(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    return {SIGNATURE_HEADER: sign_timestamped(secret.encode(), body, timestamp)}


def normalise(body: bytes) -> list[ScanEvent]:
    """The canonical scan (a sandbox body carries one), or [] for a status word this product does not act on."""
    try:
        data: Any = json.loads(body)
        payload = SandboxScanPayload.model_validate(data)
    except (ValueError, RecursionError, ValidationError):
        raise UnreadablePayload("not a sandbox tracking event") from None
    status = VOCABULARY.get(payload.status.lower())
    if status is None:
        return []
    if payload.occurred_at.tzinfo is None:
        raise UnreadablePayload("occurred_at must carry a timezone")
    try:
        scan = ScanEvent(
            event_id=payload.id,
            provider=PROVIDER,
            tracking_number=payload.tracking_number,
            status=status,
            occurred_at=payload.occurred_at,
            location=payload.location,
            raw_status=payload.status[:100],
            weight_grams=payload.weight_grams,
        )
    except ValidationError:
        raise UnreadablePayload("not a valid scan") from None
    return [scan]
