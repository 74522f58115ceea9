"""The carrier port: quote, buy and void return labels."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from returns_core.clock import iso, parse_utc
from returns_core.money import Money


class CarrierError(Exception):
    """Base of the errors the state machine's Retry/Catch match on by class name."""


class CarrierUnavailable(CarrierError):
    """5xx or connection failure: retry with backoff."""


class CarrierTimeout(CarrierError):
    """No answer in time: retry with backoff."""


class CarrierRateLimited(CarrierError):
    """429: retry with backoff."""


class CarrierRejected(CarrierError):
    """4xx: the request itself is wrong (address, weight, restricted goods); retrying will not help."""


@dataclass(frozen=True)
class Parcel:
    weight_grams: int
    contains_batteries: bool = False
    declared_value: Money | None = None


@dataclass(frozen=True)
class CustomsLine:
    description: str
    quantity: int
    value: Money
    weight_grams: int
    hs_code: str
    origin_country: str


@dataclass(frozen=True)
class ShipmentRequest:
    reference: str  # our return id
    from_country: str
    to_country: str
    parcel: Parcel
    customs: tuple[CustomsLine, ...] = ()
    original_invoice_number: str | None = None
    language: str = "en"  # the shopper's language tag: the label's captions are printed in it
    # Where the parcel goes when not to the carrier account's default return address (a return hub).
    to_address: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rate:
    carrier: str
    service: str
    price: Money
    transit_days: int
    carries_batteries: bool
    rate_id: str


@dataclass(frozen=True)
class Label:
    carrier: str
    service: str
    tracking_number: str
    price: Money
    label_key: str  # where the PDF is stored (documents bucket)
    valid_until: datetime
    qr_code: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


class CarrierPort(Protocol):
    name: str

    def rates(self, shipment: ShipmentRequest) -> list[Rate]: ...

    def buy(self, shipment: ShipmentRequest, rate: Rate) -> Label: ...

    def void(self, label: Label) -> Money | None:
        """Cancel an unused label; the amount the carrier refunds for it, if it refunds one."""
        ...


@dataclass(frozen=True)
class ClaimRequest:
    """What a carrier needs to investigate and pay a lost parcel: who, what it was worth, and proof."""

    reference: str  # our return id
    tracking_number: str
    declared_value: Money
    label_cost: Money
    insured: bool
    evidence: dict[str, object]  # the label document, the scans seen, when the parcel went silent


@dataclass(frozen=True)
class Claim:
    claim_id: str
    status: str  # OPEN, APPROVED, REJECTED
    amount_claimed: Money
    liability_limit: Money | None = None


@runtime_checkable
class ClaimsPort(Protocol):
    def open_claim(self, request: ClaimRequest) -> Claim:
        """Open (or find, for the same tracking number) the claim for a lost parcel."""
        ...


def label_to_json(label: Label) -> dict[str, object]:
    data = asdict(label)
    data["price"] = label.price.to_json()
    data["valid_until"] = iso(label.valid_until)
    return data


def label_from_json(data: dict[str, object]) -> Label:
    price = data["price"]
    assert isinstance(price, dict)
    valid_until = data["valid_until"]
    return Label(
        carrier=str(data["carrier"]),
        service=str(data["service"]),
        tracking_number=str(data["tracking_number"]),
        price=Money.from_json(price),
        label_key=str(data["label_key"]),
        valid_until=valid_until if isinstance(valid_until, datetime) else parse_utc(str(valid_until)),
        qr_code=str(data["qr_code"]) if data.get("qr_code") else None,
    )
