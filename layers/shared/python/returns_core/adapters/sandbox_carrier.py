"""The sandbox carrier: a real implementation of the carrier port that behaves like one.

Zones by lane, weight breaks, a fuel surcharge and a battery surcharge, a label validity
period, transit times per lane. Shipments are registered in the documents bucket so the scan
simulator can play them out, and buying twice for the same return returns the same label.

Each shipment's fate (how many days it travels, whether it is lost, whether customs hold it) is
drawn when its label is bought, from a random generator seeded by its tracking number: the same
parcel has the same journey on every run, and the spread over many parcels follows the lane's
transit-time distribution and the loss and customs-hold rates below.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_CEILING, Decimal

from returns_core.adapters.documents import DocumentStore
from returns_core.adapters.label_pdf import LabelContent, render_label
from returns_core.clock import iso, parse_utc, utcnow
from returns_core.domain.lanes import zone_for
from returns_core.money import Money
from returns_core.ports.carriers import CarrierRejected, Claim, ClaimRequest, Label, Rate, ShipmentRequest

SHIPMENTS_PREFIX = "sandbox-carrier/shipments/"
CLAIMS_PREFIX = "sandbox-carrier/claims/"
# What the sandbox carrier pays for an uninsured lost parcel at most (as postal carriers cap liability).
LIABILITY_LIMIT = Money.of("100.00", "USD")
LABEL_VALIDITY = timedelta(days=14)
FUEL_SURCHARGE_PCT = Decimal(12)
BATTERY_SURCHARGE = Money.of("6.00", "USD")
MAX_WEIGHT_GRAMS = 30_000

# zone -> (base price USD, price per started 0.5 kg, economy transit days)
_ZONES: dict[str, tuple[Decimal, Decimal, int]] = {
    "DOMESTIC": (Decimal("4.20"), Decimal("0.45"), 2),
    "REGIONAL": (Decimal("8.90"), Decimal("1.10"), 4),
    "INTERNATIONAL": (Decimal("17.50"), Decimal("3.40"), 8),
}
_SERVICES: dict[str, tuple[Decimal, int, bool]] = {
    # service -> (price multiplier, days saved, carries batteries)
    "ECONOMY": (Decimal("1.0"), 0, False),
    "EXPRESS": (Decimal("1.75"), 2, True),
}


# zone -> {transit days: weight}: what a parcel really takes, door to door (the quotes above are the
# usual economy days). Domestic is mostly next-but-one day; international has a long tail.
TRANSIT_DAYS: dict[str, dict[int, int]] = {
    "DOMESTIC": {1: 25, 2: 60, 3: 15},  # mean 1.9
    "REGIONAL": {2: 10, 3: 30, 4: 35, 5: 17, 6: 8},  # mean 3.83
    "INTERNATIONAL": {4: 5, 5: 10, 6: 15, 7: 18, 8: 16, 9: 12, 10: 8, 11: 6, 12: 4, 13: 3, 14: 3},  # mean 7.97
}
# zone -> probability that a parcel is lost in transit
LOSS_PROBABILITY: dict[str, float] = {"DOMESTIC": 0.005, "REGIONAL": 0.01, "INTERNATIONAL": 0.02}
# Of the lost parcels, the share the carrier reports as lost with a scan; the rest just go silent.
LOSS_REPORTED_PROBABILITY = 0.25
# zone -> probability that customs hold a parcel (only a customs border has customs), and for how long.
CUSTOMS_HOLD_PROBABILITY: dict[str, float] = {"DOMESTIC": 0.0, "REGIONAL": 0.0, "INTERNATIONAL": 0.08}
CUSTOMS_HOLD_DAYS = (1, 5)


@dataclass(frozen=True)
class Fate:
    """What will happen to a shipment: its days on the road, a customs hold, or its loss."""

    transit_days: int
    lost: bool = False
    customs_hold_days: int = 0  # 0: not held
    loss_reported: bool = False  # a lost parcel the carrier scans as lost (else it goes silent)

    def to_json(self) -> dict[str, object]:
        return {
            "transit_days": self.transit_days,
            "lost": self.lost,
            "customs_hold_days": self.customs_hold_days,
            "loss_reported": self.loss_reported,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Fate:
        return cls(
            transit_days=int(str(data["transit_days"])),
            lost=bool(data.get("lost", False)),
            customs_hold_days=int(str(data.get("customs_hold_days") or 0)),
            loss_reported=bool(data.get("loss_reported", False)),
        )


def plan_fate(tracking_number: str, zone: str) -> Fate:
    """The shipment's fate, the same every time for a tracking number (seeded by its SHA-256)."""
    # Reproducible on purpose: a simulation, not a secret.
    rng = random.Random(int(hashlib.sha256(tracking_number.encode()).hexdigest(), 16))  # noqa: S311
    days, weights = zip(*TRANSIT_DAYS[zone].items(), strict=True)
    transit_days = rng.choices(days, weights)[0]
    # Every draw is taken whatever the earlier ones gave, so each is independent of the others.
    lost = rng.random() < LOSS_PROBABILITY[zone]
    held = rng.random() < CUSTOMS_HOLD_PROBABILITY[zone]
    hold_days = rng.randint(*CUSTOMS_HOLD_DAYS)
    reported = rng.random() < LOSS_REPORTED_PROBABILITY
    return Fate(
        transit_days=transit_days,
        lost=lost,
        # A lost parcel disappears before it reaches the border.
        customs_hold_days=hold_days if held and not lost else 0,
        loss_reported=lost and reported,
    )


def tracking_number_for(reference: str, service: str) -> str:
    digest = int(hashlib.sha256(f"{reference}:{service}".encode()).hexdigest(), 16)
    return f"SBX{digest % 10**12:012d}"


class SandboxCarrier:
    name = "sandbox"

    def __init__(self, documents: DocumentStore, return_address: tuple[str, ...]) -> None:
        self._documents = documents
        self._return_address = return_address

    def rates(self, shipment: ShipmentRequest) -> list[Rate]:
        if shipment.parcel.weight_grams > MAX_WEIGHT_GRAMS:
            raise CarrierRejected(f"parcel of {shipment.parcel.weight_grams} g exceeds {MAX_WEIGHT_GRAMS} g")
        zone = zone_for(shipment.from_country, shipment.to_country).value
        base, per_half_kg, days = _ZONES[zone]
        half_kgs = (Decimal(shipment.parcel.weight_grams) / Decimal(500)).to_integral_value(ROUND_CEILING)
        rates = []
        for service, (multiplier, faster, batteries) in _SERVICES.items():
            if shipment.parcel.contains_batteries and not batteries:
                continue
            price = Money((base + per_half_kg * half_kgs) * multiplier, "USD")
            price = price + price.percent(FUEL_SURCHARGE_PCT)
            if shipment.parcel.contains_batteries:
                price = price + BATTERY_SURCHARGE
            rates.append(
                Rate(
                    carrier=self.name,
                    service=service,
                    price=price,
                    transit_days=max(1, days - faster),
                    carries_batteries=batteries,
                    rate_id=f"{zone}:{service}",
                )
            )
        return rates

    def buy(self, shipment: ShipmentRequest, rate: Rate) -> Label:
        tracking = tracking_number_for(shipment.reference, rate.service)
        registry_key = f"{SHIPMENTS_PREFIX}{tracking}.json"
        existing = self._documents.get(registry_key)
        if existing is not None:
            return _label_from_registry(json.loads(existing))
        now = utcnow()
        zone = zone_for(shipment.from_country, shipment.to_country).value
        valid_until = now + LABEL_VALIDITY
        label_key = f"labels/{shipment.reference}/{tracking}.pdf"
        qr_payload = f"SBX-DROPOFF:{tracking}"
        pdf = render_label(
            LabelContent(
                carrier=self.name,
                service=rate.service,
                tracking_number=tracking,
                reference=shipment.reference,
                from_country=shipment.from_country,
                to_country=shipment.to_country,
                to_lines=shipment.to_address or self._return_address,
                weight_grams=shipment.parcel.weight_grams,
                valid_until=valid_until,
                qr_payload=qr_payload,
                customs=bool(shipment.customs),
                language=shipment.language,
            )
        )
        self._documents.put(label_key, pdf, "application/pdf")
        label = Label(
            carrier=self.name,
            service=rate.service,
            tracking_number=tracking,
            price=rate.price,
            label_key=label_key,
            valid_until=valid_until,
            qr_code=qr_payload,
        )
        registry = {
            "tracking_number": tracking,
            "reference": shipment.reference,
            "service": rate.service,
            "lane": f"{shipment.from_country}-{shipment.to_country}",
            "zone": zone,
            "transit_days": rate.transit_days,
            "price": rate.price.to_json(),
            "label_key": label_key,
            "qr_code": qr_payload,
            "created_at": iso(now),
            "valid_until": iso(valid_until),
            "voided": False,
            "fate": plan_fate(tracking, zone).to_json(),
        }
        self._documents.put(registry_key, json.dumps(registry).encode(), "application/json")
        return label

    def void(self, label: Label) -> Money | None:
        """Void an unused label; the sandbox refunds its full price (as most carriers do within 30 days)."""
        registry_key = f"{SHIPMENTS_PREFIX}{label.tracking_number}.json"
        existing = self._documents.get(registry_key)
        if existing is None:
            return None
        registry = json.loads(existing)
        if registry.get("voided"):
            return None  # refunded when first voided
        registry["voided"] = True
        self._documents.put(registry_key, json.dumps(registry).encode(), "application/json")
        return Money.from_json(registry["price"])

    def open_claim(self, request: ClaimRequest) -> Claim:
        """A lost-parcel claim for the declared value; uninsured parcels are capped at the liability limit."""
        key = f"{CLAIMS_PREFIX}{request.tracking_number}.json"
        existing = self._documents.get(key)
        if existing is not None:
            stored = json.loads(existing)
            return Claim(stored["claim_id"], stored["status"], Money.from_json(stored["amount_claimed"]))
        # Uninsured parcels are paid up to the liability limit; the carrier applies it when it settles.
        limit = None if request.insured else LIABILITY_LIMIT
        value = request.declared_value
        claim = Claim(f"SBX-CLM-{request.tracking_number[3:]}", "OPEN", value, limit)
        record = {
            "claim_id": claim.claim_id,
            "status": claim.status,
            "reference": request.reference,
            "tracking_number": request.tracking_number,
            "amount_claimed": value.to_json(),
            "label_cost": request.label_cost.to_json(),
            "insured": request.insured,
            "evidence": request.evidence,
            "opened_at": iso(utcnow()),
        }
        self._documents.put(key, json.dumps(record, default=str).encode(), "application/json")
        return claim


def _label_from_registry(registry: dict[str, object]) -> Label:
    price = registry["price"]
    assert isinstance(price, dict)
    return Label(
        carrier="sandbox",
        service=str(registry["service"]),
        tracking_number=str(registry["tracking_number"]),
        price=Money.from_json(price),
        label_key=str(registry["label_key"]),
        valid_until=parse_utc(str(registry["valid_until"])),
        qr_code=str(registry["qr_code"]) if registry.get("qr_code") else None,
    )
