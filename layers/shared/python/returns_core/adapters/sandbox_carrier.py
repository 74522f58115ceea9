"""The sandbox carrier: a real implementation of the carrier port that behaves like one.

Zones by lane, weight breaks, a fuel surcharge and a battery surcharge, a label validity
period, transit times per lane. Shipments are registered in the documents bucket so the scan
simulator can play them out, and buying twice for the same return returns the same label.
"""

from __future__ import annotations

import hashlib
import json
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
            "zone": zone_for(shipment.from_country, shipment.to_country).value,
            "transit_days": rate.transit_days,
            "price": rate.price.to_json(),
            "label_key": label_key,
            "qr_code": qr_payload,
            "created_at": iso(now),
            "valid_until": iso(valid_until),
            "voided": False,
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
