"""Shippo: return labels from many carriers through one API (docs.goshippo.com).

- rates: `POST /shipments/` with `extra.is_return: true` and `async: false`. Shippo's Returns guide
  says not to swap the addresses: `address_from` is the merchant (the warehouse or return hub) and
  `address_to` the customer, as on the outbound shipment, and Shippo swaps them for the label.
  Cross-border returns carry an inline `customs_declaration` with
  `contents_type: "RETURN_MERCHANDISE"`, the original invoice number in `invoice`, and the items'
  tariff numbers, origins, values and net weights. The rates come back on the shipment.
- buy: `POST /transactions/` with `{rate, label_file_type: "PDF", async: false}` → `status`
  SUCCESS (`tracking_number`, `label_url`) or ERROR (`messages`).
- void: `POST /refunds/` with `{transaction}` → `status` QUEUED / PENDING / SUCCESS / ERROR.
- auth: `Authorization: ShippoToken <key>`; the API version is pinned with `SHIPPO-API-VERSION`.

Shippo documents return labels (scan-based, pay on use) for USPS, FedEx and UPS only, with the
same carrier as the outbound shipment; other lanes may come back without rates.

What the port's `ShipmentRequest` lacks for a real call is the same as for EasyPost (see
`easypost_carrier`): the shopper's address (`shopper_address` look-up, else the country alone),
the parcel's dimensions (`box_cm`, required by Shippo), structured warehouse and hub addresses.
"""

from __future__ import annotations

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
    message_list,
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

API_BASE = "https://api.goshippo.com"
API_VERSION = "2018-02-08"
PROVIDER = "shippo"
_PENDING = {"QUEUED", "WAITING", "PENDING"}


class ShippoCarrier:
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
        box_cm: tuple[int, int, int] = DEFAULT_BOX_CM,
        battery_services: Collection[tuple[str, str]] = (),
        label_file_type: str = "PDF",
        transport: Transport | None = None,
        timeout: Timeout = Timeout(),
        now: Callable[[], datetime] = utcnow,
        base_url: str = API_BASE,
    ) -> None:
        """The same parameters as `EasyPostCarrier`; `label_file_type` is one of Shippo's PDF tokens."""
        if not api_key:
            raise ValueError("Shippo needs an API token")
        if not label_file_type.startswith("PDF"):
            raise ValueError("labels are stored as PDF: choose a PDF label_file_type")
        self._parties = ReturnParties.build(
            return_address, return_country, contact_phone, contact_email, customs_signer, shopper_address
        )
        headers = {"Authorization": f"ShippoToken {api_key}", "SHIPPO-API-VERSION": API_VERSION}
        self._http = JsonHttpClient(PROVIDER, base_url, headers, _error_message, transport, timeout)
        self._documents = documents
        self._purchases = PurchaseLog(documents, PROVIDER)
        self._box_cm = box_cm
        self._battery_services = frozenset(battery_services)
        self._label_file_type = label_file_type
        self._now = now

    # --- rates ---------------------------------------------------------------------------------

    def rates(self, shipment: ShipmentRequest) -> list[Rate]:
        created = self._http.post("/shipments/", self.shipment_body(shipment))
        status = str(created.get("status") or "SUCCESS")
        if status == "ERROR":
            raise CarrierRejected(f"shippo: shipment not accepted: {message_list(created.get('messages') or [])}")
        if status in _PENDING:
            raise CarrierUnavailable("shippo: rates still being generated")
        rates = [self._rate(data) for data in created.get("rates") or []]
        return [rate for rate in rates if rate is not None]

    def shipment_body(self, shipment: ShipmentRequest) -> dict[str, Any]:
        """The body sent to `POST /shipments/` (public for tests and fixtures)."""
        length, width, height = self._box_cm
        body: dict[str, Any] = {
            # The outbound shipment's addresses: Shippo swaps them for a return label.
            "address_from": self._parties.destination(shipment).fields(),
            "address_to": self._parties.origin(shipment).fields(),
            "parcels": [
                {
                    "length": str(length),
                    "width": str(width),
                    "height": str(height),
                    "distance_unit": "cm",
                    "weight": str(shipment.parcel.weight_grams),
                    "mass_unit": "g",
                }
            ],
            "extra": {"is_return": True},
            "metadata": f"return {shipment.reference}"[:100],
            "async": False,
        }
        if shipment.customs:
            body["customs_declaration"] = self._customs_declaration(shipment)
        return body

    def _customs_declaration(self, shipment: ShipmentRequest) -> dict[str, Any]:
        declaration: dict[str, Any] = {
            "contents_type": "RETURN_MERCHANDISE",
            "contents_explanation": returned_goods_explanation(shipment),
            "non_delivery_option": "RETURN",
            "certify": True,
            "certify_signer": self._parties.signer,
            "items": [
                {
                    "description": line.description,
                    "quantity": line.quantity,
                    # net_weight and value_amount are the line's totals, as strings
                    "net_weight": str(line.weight_grams),
                    "mass_unit": "g",
                    "value_amount": str(line.value.amount),
                    "value_currency": line.value.currency,
                    "tariff_number": "".join(ch for ch in line.hs_code if ch.isalnum())[:12],
                    "origin_country": line.origin_country,
                }
                for line in shipment.customs
            ],
        }
        if shipment.original_invoice_number:
            declaration["invoice"] = shipment.original_invoice_number
        return declaration

    def _rate(self, data: Mapping[str, Any]) -> Rate | None:
        try:
            price = Money.of(str(data["amount"]), str(data["currency"]).upper())
            rate_id = str(data["object_id"])
        except (KeyError, ValueError):
            return None  # a rate without a usable price or id cannot be bought
        carrier = str(data.get("provider") or "")
        service = str((data.get("servicelevel") or {}).get("token") or "")
        return Rate(
            carrier=carrier,
            service=service,
            price=price,
            transit_days=transit_days(data.get("estimated_days")),
            carries_batteries=(carrier, service) in self._battery_services,
            rate_id=rate_id,
        )

    # --- buy -----------------------------------------------------------------------------------

    def buy(self, shipment: ShipmentRequest, rate: Rate) -> Label:
        reference = shipment.reference
        earlier = self._purchases.get(reference)
        if earlier is not None and not earlier.get("refund_status"):
            if earlier.get("tracking_number"):
                return _label(earlier)
            found = self._bought(str(earlier["rate_id"]))
            if found is not None:  # an earlier attempt's purchase went through after all
                return self._complete(reference, earlier, found)
        entry = {
            "rate_id": rate.rate_id,
            "carrier": rate.carrier,
            "service": rate.service,
            "price": rate.price.to_json(),
        }
        self._purchases.put(reference, entry)
        transaction = self._http.post(
            "/transactions/",
            {
                "rate": rate.rate_id,
                "label_file_type": self._label_file_type,
                "async": False,
                "metadata": f"return {reference}"[:100],
            },
        )
        return self._complete(reference, entry, transaction)

    def _bought(self, rate_id: str) -> Mapping[str, Any] | None:
        """The transaction an earlier attempt made for this rate, if it succeeded."""
        try:
            found = self._http.get("/transactions/", {"rate": rate_id})
        except CarrierRejected:
            return None
        results = found.get("results") or []
        for transaction in results:
            if transaction.get("status") == "SUCCESS":
                return dict(transaction)
            if transaction.get("status") in _PENDING:
                raise CarrierUnavailable("shippo: an earlier label purchase is still being processed")
        return None

    def _complete(self, reference: str, entry: Mapping[str, Any], transaction: Mapping[str, Any]) -> Label:
        status = str(transaction.get("status") or "")
        if status == "ERROR":
            messages = message_list(transaction.get("messages") or [])
            raise CarrierRejected(f"shippo: label not issued: {messages or 'no reason given'}")
        if status in _PENDING:
            raise CarrierUnavailable("shippo: the label is still being generated")
        tracking = str(transaction.get("tracking_number") or "")
        url = transaction.get("label_url")
        if status != "SUCCESS" or not tracking or not url:
            raise CarrierUnavailable("shippo: the purchase came back without a tracking number or label URL")
        label_key = store_label(self._http, self._documents, PROVIDER, str(url), reference, tracking)
        done = {
            **entry,
            "transaction_id": str(transaction.get("object_id") or ""),
            "tracking_number": tracking,
            "label_key": label_key,
            "valid_until": iso(self._now() + LABEL_VALIDITY),
        }
        self._purchases.put(reference, done)
        return _label(done)

    # --- void ----------------------------------------------------------------------------------

    def void(self, label: Label) -> None:
        reference = reference_of(label.label_key)
        entry = self._purchases.get(reference) if reference else None
        if entry is None or entry.get("tracking_number") != label.tracking_number or not entry.get("transaction_id"):
            raise CarrierRejected(f"shippo: no purchase recorded for label {label.tracking_number}")
        if entry.get("refund_status") in {"QUEUED", "PENDING", "SUCCESS"}:
            return
        refund = self._http.post("/refunds/", {"transaction": entry["transaction_id"], "async": False})
        status = str(refund.get("status") or "")
        assert reference is not None
        self._purchases.put(reference, {**entry, "refund_status": status})
        if status == "ERROR":
            raise CarrierRejected(f"shippo: the refund of label {label.tracking_number} was refused")


def _label(entry: Mapping[str, Any]) -> Label:
    return Label(
        carrier=str(entry["carrier"]),
        service=str(entry["service"]),
        tracking_number=str(entry["tracking_number"]),
        price=Money.from_json(entry["price"]),
        label_key=str(entry["label_key"]),
        valid_until=parse_utc(str(entry["valid_until"])),
        extra={"provider": PROVIDER, "transaction_id": str(entry.get("transaction_id") or "")},
    )


def _error_message(body: Any) -> str:
    """Shippo's 4xx bodies: {"detail": ...}, {"messages": [...]}, or field -> [messages], nested."""
    if isinstance(body, Mapping):
        if body.get("detail"):
            return str(body["detail"])
        if body.get("messages"):
            return message_list(body["messages"])
    return "; ".join(_flatten(body, ""))


def _flatten(value: Any, path: str) -> list[str]:
    if isinstance(value, Mapping):
        return [text for key, inner in value.items() for text in _flatten(inner, f"{path}.{key}" if path else str(key))]
    if isinstance(value, list):
        return [text for inner in value for text in _flatten(inner, path)]
    return [f"{path}: {value}" if path else str(value)]
