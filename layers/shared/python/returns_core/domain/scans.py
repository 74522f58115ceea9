"""The canonical carrier-scan vocabulary every provider's statuses are normalised to."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from returns_core.domain.statuses import ReturnStatus


class ScanStatus(StrEnum):
    LABEL_CREATED = "LABEL_CREATED"
    ACCEPTED = "ACCEPTED"
    IN_TRANSIT = "IN_TRANSIT"
    CUSTOMS_HOLD = "CUSTOMS_HOLD"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    AVAILABLE_FOR_PICKUP = "AVAILABLE_FOR_PICKUP"
    DELIVERY_ATTEMPTED = "DELIVERY_ATTEMPTED"
    DELIVERED = "DELIVERED"
    RETURN_FAILED = "RETURN_FAILED"
    LOST_OR_DAMAGED = "LOST_OR_DAMAGED"
    CANCELLED = "CANCELLED"
    STALE = "STALE"


# Any of these proves the parcel is in the carrier's hands (proof of dispatch).
MOVING: frozenset[ScanStatus] = frozenset(
    {
        ScanStatus.ACCEPTED,
        ScanStatus.IN_TRANSIT,
        ScanStatus.CUSTOMS_HOLD,
        ScanStatus.OUT_FOR_DELIVERY,
        ScanStatus.AVAILABLE_FOR_PICKUP,
        ScanStatus.DELIVERY_ATTEMPTED,
        ScanStatus.DELIVERED,
    }
)
FAILURES: frozenset[ScanStatus] = frozenset({ScanStatus.RETURN_FAILED, ScanStatus.LOST_OR_DAMAGED})


def return_status_for(scan: ScanStatus) -> ReturnStatus | None:
    """The return status a scan moves towards (never applied backwards)."""
    if scan is ScanStatus.DELIVERED:
        return ReturnStatus.DELIVERED
    if scan in MOVING:
        return ReturnStatus.IN_TRANSIT
    return None


class ScanEvent(BaseModel):
    """What a carrier webhook becomes on the event bus (detail-type ScanEvent)."""

    model_config = ConfigDict(frozen=True)

    event_id: str = Field(min_length=1, max_length=200)
    provider: str = Field(min_length=1, max_length=40)
    tracking_number: str = Field(min_length=1, max_length=64)
    status: ScanStatus
    occurred_at: datetime
    location: str | None = Field(default=None, max_length=200)
    raw_status: str = Field(max_length=100)
    # The parcel's weight as the carrier measured it, where the carrier reports one (at acceptance).
    weight_grams: int | None = Field(default=None, ge=0, le=1_000_000)

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("occurred_at must carry a timezone")
        return value
