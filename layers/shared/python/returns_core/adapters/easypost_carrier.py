"""EasyPost: return labels from many carriers through one API (docs.easypost.com).

- rates: `POST /v2/shipments` with `is_return: true`. EasyPost's Returns guide says to send the
  addresses of the original outbound shipment and let EasyPost swap them, so the shopper is
  `to_address` and the warehouse (or return hub) is `from_address`; the label then runs from the
  shopper to the warehouse. Cross-border returns carry `customs_info` with
  `contents_type: "returned_goods"` and the original invoice number, so that duty is not charged a
  second time. The rates come back on the created shipment.
- buy: `POST /v2/shipments/{id}/buy` with `{"rate": {"id": ...}}` → `tracking_code`,
  `postage_label.label_url` (a PDF, because the shipment asked for `options.label_format: PDF`).
- void: `POST /v2/shipments/{id}/refund` → `refund_status` submitted / refunded / rejected /
  not_applicable.
- auth: HTTP Basic, the API key as the user name and an empty password.

What the port's `ShipmentRequest` lacks for a real call, and how this adapter copes:
- The shopper's address. The request has the shopper's country only; without a street, city and
  postcode EasyPost can quote some lanes but no carrier will print a label. Pass `shopper_address`
  (a look-up by return id, e.g. from the order) to send the real one; without it the `to_address`
  holds the country alone.
- The parcel's dimensions: a default box is declared (`box_cm`).
- Structured warehouse and hub addresses: the port and the settings hold free-text lines, parsed
  best-effort by `PostalAddress.from_lines`; pass a `PostalAddress` for the warehouse where that
  parse is not good enough.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

from returns_core.adapters.documents import DocumentStore
from returns_core.adapters.http_json import (
    DEFAULT_BOX_CM,
    LABEL_VALIDITY,
    JsonHttpClient,
    PostalAddress,
    PurchaseLog,
    ReturnParties,
    Timeout,
    Transport,
    inches,
    message_list,
    ounces,
    reference_of,
    returned_goods_explanation,
    store_label,
    transit_days,
)
from returns_core.clock import iso, parse_utc, utcnow
from returns_core.money import Money
from returns_core.ports.carriers import (
    CarrierRejected,
    CarrierUnavailable,
    Label,
    Rate,
    ShipmentRequest,
)

API_BASE = "https://api.easypost.com/v2"
PROVIDER = "easypost"
# A Rate's rate_id is "<shipment id>:<rate id>": buying needs both, and the port hands back only the Rate.
RATE_ID_SEPARATOR = ":"


class EasyPostCarrier:
    name = PROVIDER

    def __init__(
        self,
        api_key: str,
        documents: DocumentStore,
        return_address: PostalAddress | tuple[str, ...],
        return_country: str = "",
        *,
        contact_phone: str = "",
        contact_email: str = "",
        customs_signer: str = "",
        shopper_address: Callable[[ShipmentRequest], PostalAddress | None] | None = None,
        box_cm: tuple[int, int, int] | None = DEFAULT_BOX_CM,
        battery_services: Collection[tuple[str, str]] = (),
        transport: Transport | None = None,
        timeout: Timeout = Timeout(),
        now: Callable[[], datetime] = utcnow,
        base_url: str = API_BASE,
    ) -> None:
        """`return_address`: the warehouse, structured or as lines with `return_country`.

        `contact_phone`/`contact_email`: the seller's returns desk, sent with the warehouse and hub
        addresses (many carriers require a phone number on international shipments).
        `battery_services`: (carrier, service) pairs known to accept lithium batteries; every other
        service is taken not to (conservative: routing then excludes it for such parcels).
        """
        if not api_key:
            raise ValueError("EasyPost needs an API key")
        self._parties = ReturnParties.build(
            return_address, return_country, contact_phone, contact_email, customs_signer, shopper_address
        )
        token = base64.b64encode(f"{api_key}:".encode()).decode()
        self._http = JsonHttpClient(
            PROVIDER, base_url, {"Authorization": f"Basic {token}"}, _error_message, transport, timeout
        )
        self._documents = documents
        self._purchases = PurchaseLog(documents, PROVIDER)
        self._box_cm = box_cm
        self._battery_services = frozenset(battery_services)
        self._now = now

    # --- rates ---------------------------------------------------------------------------------

    def rates(self, shipment: ShipmentRequest) -> list[Rate]:
        created = self._http.post("/shipments", {"shipment": self.shipment_body(shipment)})
        shipment_id = str(created.get("id") or "")
        if not shipment_id:
            raise CarrierUnavailable("easypost: the created shipment has no id")
        rates = [self._rate(shipment_id, data) for data in created.get("rates") or []]
        return [rate for rate in rates if rate is not None]

    def shipment_body(self, shipment: ShipmentRequest) -> dict[str, Any]:
        """The `shipment` object sent to `POST /v2/shipments` (public for tests and fixtures)."""
        parcel: dict[str, Any] = {"weight": float(ounces(shipment.parcel.weight_grams))}
        if self._box_cm:
            length, width, height = (float(inches(cm)) for cm in self._box_cm)
            parcel = {"length": length, "width": width, "height": height, **parcel}
        body: dict[str, Any] = {
            "is_return": True,
            "reference": shipment.reference,
            # The outbound shipment's addresses: EasyPost swaps them for a return label.
            "to_address": self._parties.origin(shipment).fields(),
            "from_address": self._parties.destination(shipment).fields(),
            "parcel": parcel,
            "options": {"label_format": "PDF"},
        }
        if shipment.customs:
            body["customs_info"] = self._customs_info(shipment)
        return body

    def _customs_info(self, shipment: ShipmentRequest) -> dict[str, Any]:
        return {
            "contents_type": "returned_goods",
            "contents_explanation": returned_goods_explanation(shipment)[:255],
            "customs_certify": True,
            "customs_signer": self._parties.signer,
            "non_delivery_option": "return",
            "restriction_type": "none",
            "customs_items": [
                {
                    "description": line.description,
                    "quantity": line.quantity,
                    # value and weight are the line's totals; money as a string, never a float
                    "value": str(line.value.amount),
                    "currency": line.value.currency,
                    "weight": float(ounces(line.weight_grams)),
                    "hs_tariff_number": line.hs_code,
                    "origin_country": line.origin_country,
                }
                for line in shipment.customs
            ],
        }

    def _rate(self, shipment_id: str, data: Mapping[str, Any]) -> Rate | None:
        try:
            price = Money.of(str(data["rate"]), str(data["currency"]).upper())
            rate_id = str(data["id"])
        except (KeyError, ValueError):
            return None  # a rate without a usable price or id cannot be bought
        carrier = str(data.get("carrier") or "")
        service = str(data.get("service") or "")
        return Rate(
            carrier=carrier,
            service=service,
            price=price,
            transit_days=transit_days(data.get("delivery_days"), data.get("est_delivery_days")),
            carries_batteries=(carrier, service) in self._battery_services,
            rate_id=f"{shipment_id}{RATE_ID_SEPARATOR}{rate_id}",
        )

    # --- buy -----------------------------------------------------------------------------------

    def buy(self, shipment: ShipmentRequest, rate: Rate) -> Label:
        reference = shipment.reference
        earlier = self._purchases.get(reference)
        if earlier is not None and not earlier.get("refund_status"):
            if earlier.get("tracking_number"):
                return _label(earlier)
            found = self._bought(str(earlier["shipment_id"]))
            if found is not None:  # an earlier attempt's purchase went through after all
                return self._complete(reference, earlier, found)
        shipment_id, _, rate_id = rate.rate_id.partition(RATE_ID_SEPARATOR)
        if not shipment_id or not rate_id:
            raise CarrierRejected(f"easypost: not an EasyPost rate id: {rate.rate_id!r}")
        entry = {
            "shipment_id": shipment_id,
            "rate_id": rate_id,
            "carrier": rate.carrier,
            "service": rate.service,
            "price": rate.price.to_json(),
        }
        self._purchases.put(reference, entry)
        bought = self._http.post(f"/shipments/{shipment_id}/buy", {"rate": {"id": rate_id}})
        return self._complete(reference, entry, bought)

    def _bought(self, shipment_id: str) -> Mapping[str, Any] | None:
        try:
            found = self._http.get(f"/shipments/{shipment_id}")
        except CarrierRejected:
            return None  # gone or never created: nothing was bought
        return found if found.get("tracking_code") else None

    def _complete(self, reference: str, entry: Mapping[str, Any], bought: Mapping[str, Any]) -> Label:
        tracking = str(bought.get("tracking_code") or "")
        postage = bought.get("postage_label") or {}
        url = postage.get("label_pdf_url") or postage.get("label_url")
        if not tracking or not url:
            raise CarrierUnavailable("easypost: the purchase came back without a tracking code or label URL")
        label_key = store_label(self._http, self._documents, PROVIDER, str(url), reference, tracking)
        tracker = bought.get("tracker") or {}
        done = {
            **entry,
            "tracking_number": tracking,
            "label_key": label_key,
            "valid_until": iso(self._now() + LABEL_VALIDITY),
            "tracker_id": str(tracker.get("id") or ""),
        }
        self._purchases.put(reference, done)
        return _label(done)

    # --- void ----------------------------------------------------------------------------------

    def void(self, label: Label) -> None:
        reference = reference_of(label.label_key)
        entry = self._purchases.get(reference) if reference else None
        if entry is None or entry.get("tracking_number") != label.tracking_number:
            raise CarrierRejected(f"easypost: no purchase recorded for label {label.tracking_number}")
        if entry.get("refund_status") in {"submitted", "refunded", "not_applicable"}:
            return
        answer = self._http.post(f"/shipments/{entry['shipment_id']}/refund")
        status = str(answer.get("refund_status") or "")
        assert reference is not None
        self._purchases.put(reference, {**entry, "refund_status": status})
        if status == "rejected":
            raise CarrierRejected(f"easypost: the carrier rejected the refund of label {label.tracking_number}")


def _label(entry: Mapping[str, Any]) -> Label:
    extra = {"provider": PROVIDER, "shipment_id": str(entry["shipment_id"])}
    if entry.get("tracker_id"):
        extra["tracker_id"] = str(entry["tracker_id"])
    return Label(
        carrier=str(entry["carrier"]),
        service=str(entry["service"]),
        tracking_number=str(entry["tracking_number"]),
        price=Money.from_json(entry["price"]),
        label_key=str(entry["label_key"]),
        valid_until=parse_utc(str(entry["valid_until"])),
        extra=extra,
    )


def _error_message(body: Any) -> str:
    """EasyPost's error object: {"error": {"code", "message", "errors": [FieldError | str]}}."""
    error = body.get("error", body) if isinstance(body, Mapping) else {}
    code = str(error.get("code") or "")
    message = str(error.get("message") or "")
    details = message_list(error.get("errors") or [])
    text = ": ".join(part for part in (code, message) if part)
    return f"{text} ({details})" if details else text
