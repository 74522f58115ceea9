"""The EasyPost adapter: the requests it sends and how it reads the answers, against doc-based fixtures."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest

from returns_core.adapters.documents import DocumentStore
from returns_core.adapters.easypost_carrier import EasyPostCarrier
from returns_core.adapters.http_json import UNKNOWN_TRANSIT_DAYS, PostalAddress, Timeout
from returns_core.money import Money
from returns_core.ports.carriers import (
    CarrierError,
    CarrierRateLimited,
    CarrierRejected,
    CarrierTimeout,
    CarrierUnavailable,
    CustomsLine,
    Label,
    Parcel,
    ShipmentRequest,
)
from tests.unit.fakes import InMemoryDocuments

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "easypost"
API = "https://api.easypost.com/v2"
API_KEY = "EZTKexample0000000000000000000000"
SHIPMENT_ID = "shp_0a1b2c3d4e5f40a1b2c3d4e5f6a7b8c9"
UPS_RATE = "rate_2a3b4c5d6e7f48091a2b3c4d5e6f7081"
LABEL_URL = "https://easypost-files.example.com/files/postage_label/20260302/example-label.pdf"
PDF = b"%PDF-1.4\n% a stand-in for the carrier's label\n%%EOF\n"
NOW = datetime(2026, 3, 2, 9, 16, tzinfo=UTC)
WAREHOUSE = ("Returns Centre", "Lagerstrasse 1", "20457 Hamburg", "Germany")
SHOPPER = PostalAddress(country="GB", name="Alex Example", street1="1 Example Street", city="Exampleton", zip="EX1 1AA")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture(name))


@dataclass
class Sent:
    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes | None

    def json(self) -> Any:
        assert self.body is not None
        return json.loads(self.body)


@dataclass
class FakeTransport:
    """Serves canned answers by (method, URL) and records every request; no network."""

    answers: dict[tuple[str, str], list[tuple[int, bytes] | Exception]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)

    def on(self, method: str, url: str, *answers: tuple[int, bytes] | Exception) -> FakeTransport:
        self.answers[(method, url)] = list(answers)
        return self

    def __call__(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None, timeout: Timeout
    ) -> tuple[int, Mapping[str, str], bytes]:
        self.sent.append(Sent(method, url, dict(headers), body))
        queue = self.answers.get((method, url))
        if not queue:
            raise AssertionError(f"unexpected request {method} {url}")
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        status, payload = answer
        return status, {"content-type": "application/json"}, payload

    def to(self, method: str, url: str) -> list[Sent]:
        return [s for s in self.sent if s.method == method and s.url == url]


def carrier(
    transport: FakeTransport, documents: InMemoryDocuments | None = None, **options: Any
) -> tuple[EasyPostCarrier, InMemoryDocuments]:
    store = documents or InMemoryDocuments()
    adapter = EasyPostCarrier(
        API_KEY,
        cast(DocumentStore, store),
        WAREHOUSE,
        "DE",
        contact_phone="+49 40 0000000",
        contact_email="returns@example.com",
        shopper_address=lambda shipment: SHOPPER,
        transport=transport,
        now=lambda: NOW,
        **options,
    )
    return adapter, store


def cross_border_return(reference: str = "ret_01JEXAMPLE0001") -> ShipmentRequest:
    return ShipmentRequest(
        reference=reference,
        from_country="GB",
        to_country="DE",
        parcel=Parcel(weight_grams=800, declared_value=Money.of("119.00", "EUR")),
        customs=(
            CustomsLine("Wool jumper", 1, Money.of("89.00", "EUR"), 500, "611030", "PT"),
            CustomsLine("Cotton T-shirt", 2, Money.of("30.00", "EUR"), 300, "610910", "TR"),
        ),
        original_invoice_number="INV-2026-0042",
    )


def quoting() -> FakeTransport:
    return FakeTransport().on("POST", f"{API}/shipments", (201, fixture("create_shipment_response.json")))


def buying() -> FakeTransport:
    return (
        quoting()
        .on("POST", f"{API}/shipments/{SHIPMENT_ID}/buy", (200, fixture("buy_response.json")))
        .on("GET", LABEL_URL, (200, PDF))
    )


def buy_label(adapter: EasyPostCarrier) -> Label:
    shipment = cross_border_return()
    ups = next(rate for rate in adapter.rates(shipment) if rate.carrier == "UPS")
    return adapter.buy(shipment, ups)


def test_rates_are_read_as_money_in_the_providers_currency() -> None:
    # Given EasyPost quotes a DHL Express and a UPS service for the return
    adapter, _ = carrier(quoting())
    # When the adapter asks for rates
    rates = adapter.rates(cross_border_return())
    # Then each is a Rate with a Decimal price in the quoted currency, and the ids needed to buy it
    by_carrier = {rate.carrier: rate for rate in rates}
    assert set(by_carrier) == {"DHLExpress", "UPS"}
    dhl, ups = by_carrier["DHLExpress"], by_carrier["UPS"]
    assert dhl.price == Money.of("48.62", "USD")
    assert isinstance(dhl.price.amount, Decimal)
    assert dhl.service == "ExpressWorldwideNonDoc"
    assert dhl.transit_days == 2
    assert ups.transit_days == 4  # no delivery_days: the estimate is used
    assert ups.rate_id == f"{SHIPMENT_ID}:{UPS_RATE}"
    # And no service is taken to carry batteries unless configured so
    assert not any(rate.carries_batteries for rate in rates)


def test_services_configured_for_batteries_say_so() -> None:
    # Given the seller knows DHL Express Worldwide accepts lithium batteries in equipment
    adapter, _ = carrier(quoting(), battery_services={("DHLExpress", "ExpressWorldwideNonDoc")})
    # When rates are read
    rates = {rate.carrier: rate for rate in adapter.rates(cross_border_return())}
    # Then only that service carries batteries
    assert rates["DHLExpress"].carries_batteries
    assert not rates["UPS"].carries_batteries


def test_a_rate_without_a_transit_estimate_gets_the_cautious_default() -> None:
    # Given a quote with neither delivery_days nor est_delivery_days
    answer = fixture_json("create_shipment_response.json")
    answer["rates"] = [{**answer["rates"][1], "est_delivery_days": None}]
    transport = FakeTransport().on("POST", f"{API}/shipments", (201, json.dumps(answer).encode()))
    adapter, _ = carrier(transport)
    # When it is read
    [rate] = adapter.rates(cross_border_return())
    # Then the transit time is the long default, so routing never prefers it for speed
    assert rate.transit_days == UNKNOWN_TRANSIT_DAYS


def test_a_cross_border_return_declares_returned_goods_with_the_original_invoice() -> None:
    # Given a return from GB to the warehouse in DE with two customs lines
    transport = quoting()
    adapter, _ = carrier(transport)
    # When rates are asked for
    adapter.rates(cross_border_return())
    # Then the shipment sent is exactly the documented return shipment with customs
    [sent] = transport.to("POST", f"{API}/shipments")
    body = sent.json()
    assert body == fixture_json("create_shipment_request.json")
    shipment = body["shipment"]
    assert shipment["is_return"] is True
    # And the outbound addresses are kept for EasyPost to swap: shopper as to, warehouse as from
    assert shipment["to_address"]["country"] == "GB"
    assert shipment["from_address"]["city"] == "Hamburg"
    customs = shipment["customs_info"]
    assert customs["contents_type"] == "returned_goods"
    assert "INV-2026-0042" in customs["contents_explanation"]
    items = customs["customs_items"]
    assert [item["hs_tariff_number"] for item in items] == ["611030", "610910"]
    assert [item["origin_country"] for item in items] == ["PT", "TR"]
    assert [(item["value"], item["currency"]) for item in items] == [("89.00", "EUR"), ("30.00", "EUR")]
    assert [item["weight"] for item in items] == [17.7, 10.6]  # ounces, rounded up
    assert shipment["parcel"]["weight"] == 28.3


def test_a_domestic_return_has_no_customs_and_without_a_look_up_only_the_shoppers_country() -> None:
    # Given an adapter without a shopper address look-up, and a return within Germany
    transport = quoting()
    adapter = EasyPostCarrier(API_KEY, cast(DocumentStore, InMemoryDocuments()), WAREHOUSE, "DE", transport=transport)
    domestic = ShipmentRequest(reference="ret_2", from_country="DE", to_country="DE", parcel=Parcel(400))
    # When rates are asked for
    adapter.rates(domestic)
    # Then no customs information is sent, and the shopper's address is the country alone
    shipment = transport.sent[0].json()["shipment"]
    assert "customs_info" not in shipment
    assert shipment["to_address"] == {"country": "DE"}


def test_a_return_hub_is_the_destination_when_the_request_names_one() -> None:
    # Given the router sends the parcel to a hub in the US
    transport = quoting()
    adapter, _ = carrier(transport)
    to_hub = ShipmentRequest(
        reference="ret_3",
        from_country="US",
        to_country="US",
        parcel=Parcel(400),
        to_address=("Returns Hub East", "200 Port Street", "Newark NJ 07114", "United States"),
    )
    # When rates are asked for
    adapter.rates(to_hub)
    # Then the hub, parsed into fields, is the merchant address
    assert transport.sent[0].json()["shipment"]["from_address"] == {
        "country": "US",
        "name": "Returns Hub East",
        "company": "Returns Hub East",
        "street1": "200 Port Street",
        "city": "Newark",
        "state": "NJ",
        "zip": "07114",
        "phone": "+49 40 0000000",
        "email": "returns@example.com",
    }


def test_every_api_call_authenticates_with_the_key_as_basic_user() -> None:
    # Given an adapter with an API key
    transport = buying()
    adapter, _ = carrier(transport)
    # When it quotes and buys
    buy_label(adapter)
    # Then every API call carries HTTP Basic with the key as user and an empty password
    expected = "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode()
    api_calls = [s for s in transport.sent if s.url.startswith(API)]
    assert len(api_calls) == 2
    assert all(s.headers["Authorization"] == expected for s in api_calls)
    assert all(s.headers["Content-Type"] == "application/json" for s in api_calls)
    # And the label download on the provider's file host gets no credentials
    [download] = transport.to("GET", LABEL_URL)
    assert "Authorization" not in download.headers


def test_buy_stores_the_label_pdf_and_returns_the_tracking_number() -> None:
    # Given a quoted return
    transport = buying()
    adapter, documents = carrier(transport)
    # When the UPS rate is bought
    label = buy_label(adapter)
    # Then the documented buy request was sent for that rate on that shipment
    [bought] = transport.to("POST", f"{API}/shipments/{SHIPMENT_ID}/buy")
    assert bought.json() == fixture_json("buy_request.json")
    # And the PDF is stored under the return's label key
    assert label.tracking_number == "EZ1000000001"
    assert label.label_key == "labels/ret_01JEXAMPLE0001/EZ1000000001.pdf"
    assert documents.objects[label.label_key] == (PDF, "application/pdf")
    # And the label carries the rate's price, the service, and a 30-day validity
    assert label.price == Money.of("23.15", "USD")
    assert (label.carrier, label.service) == ("UPS", "UPSStandard")
    assert label.valid_until == NOW + timedelta(days=30)
    assert label.extra["shipment_id"] == SHIPMENT_ID


def test_buying_again_for_the_same_return_returns_the_same_label() -> None:
    # Given a label already bought for the return
    transport = buying()
    adapter, _ = carrier(transport)
    first = buy_label(adapter)
    # When BuyLabel runs again for it
    again = buy_label(adapter)
    # Then nothing more is bought
    assert again == first
    assert len(transport.to("POST", f"{API}/shipments/{SHIPMENT_ID}/buy")) == 1


def test_a_buy_retried_after_a_timeout_finds_the_purchase_instead_of_buying_twice() -> None:
    # Given the buy call timed out although EasyPost bought the label
    transport = buying().on("POST", f"{API}/shipments/{SHIPMENT_ID}/buy", TimeoutError("read timed out"))
    transport.on("GET", f"{API}/shipments/{SHIPMENT_ID}", (200, fixture("buy_response.json")))
    adapter, documents = carrier(transport)
    with pytest.raises(CarrierTimeout):
        buy_label(adapter)
    # When the state machine retries BuyLabel (which quotes afresh and picks a rate again)
    label = buy_label(adapter)
    # Then the earlier shipment is found bought, and the label is kept without a second purchase
    assert label.tracking_number == "EZ1000000001"
    assert len(transport.to("POST", f"{API}/shipments/{SHIPMENT_ID}/buy")) == 1
    assert label.label_key in documents.objects


def test_a_label_download_that_is_not_a_pdf_is_not_stored() -> None:
    # Given the file host answers with something other than a PDF
    transport = buying().on("GET", LABEL_URL, (200, b"<html>Access denied</html>"))
    adapter, documents = carrier(transport)
    # When the label is bought
    with pytest.raises(CarrierUnavailable):
        buy_label(adapter)
    # Then no label is stored
    assert not any(key.startswith("labels/") for key in documents.objects)


ERROR_CASES = [
    pytest.param(TimeoutError("timed out"), CarrierTimeout, id="timeout"),
    pytest.param(ConnectionResetError("reset by peer"), CarrierUnavailable, id="connection-reset"),
    pytest.param(
        (429, b'{"error": {"code": "RATE_LIMITED", "message": "Too many requests"}}'), CarrierRateLimited, id="429"
    ),
    pytest.param((422, fixture("error_422.json")), CarrierRejected, id="422"),
    pytest.param(
        (500, b'{"error": {"code": "INTERNAL_SERVER_ERROR", "message": "Oops"}}'), CarrierUnavailable, id="500"
    ),
    pytest.param((503, b"<html>Service Unavailable</html>"), CarrierUnavailable, id="503-html"),
    pytest.param((200, b"<html>not json</html>"), CarrierUnavailable, id="non-json"),
]


@pytest.mark.parametrize(("answer", "error"), ERROR_CASES)
def test_failures_raise_the_named_error_the_state_machine_matches(
    answer: tuple[int, bytes] | Exception, error: type[CarrierError]
) -> None:
    # Given EasyPost (or the network) answers the quote this way
    adapter, _ = carrier(FakeTransport().on("POST", f"{API}/shipments", answer))
    # When rates are asked for
    with pytest.raises(error) as raised:
        adapter.rates(cross_border_return())
    # Then the named error is raised, and nothing from the request body is in its text
    assert type(raised.value) is error
    assert "Example Street" not in str(raised.value)


def test_a_rejection_carries_the_providers_message() -> None:
    # Given EasyPost rejects the shipment with its documented error object
    adapter, _ = carrier(FakeTransport().on("POST", f"{API}/shipments", (422, fixture("error_422.json"))))
    # When rates are asked for
    with pytest.raises(CarrierRejected) as raised:
        adapter.rates(cross_border_return())
    # Then the code, message and field errors are in the exception
    text = str(raised.value)
    assert "HTTP 422" in text
    assert "ADDRESS.VERIFY.FAILURE: Address not found" in text
    assert "street1: House number is missing" in text


def test_a_rejection_echoing_personal_data_is_scrubbed() -> None:
    # Given a provider message that quotes the rejected values back
    body = {
        "error": {
            "code": "ADDRESS.VERIFY.FAILURE",
            "message": "Unable to verify 'Alex Example, 1 Example Street' for alex@example.com, postcode 12345",
        }
    }
    transport = FakeTransport().on("POST", f"{API}/shipments", (422, json.dumps(body).encode()))
    adapter, _ = carrier(transport)
    # When rates are asked for
    with pytest.raises(CarrierRejected) as raised:
        adapter.rates(cross_border_return())
    # Then the message is kept but the name, street, email and postcode are not
    text = str(raised.value)
    assert "Unable to verify" in text
    for personal in ("Alex", "Example Street", "alex@example.com", "12345"):
        assert personal not in text


def test_void_asks_easypost_to_refund_the_shipment() -> None:
    # Given a bought label
    transport = buying().on("POST", f"{API}/shipments/{SHIPMENT_ID}/refund", (200, fixture("refund_response.json")))
    adapter, _ = carrier(transport)
    label = buy_label(adapter)
    # When it is voided (as the finaliser does, from the label read back from the return record)
    adapter.void(replace(label, extra={}))
    # Then the shipment's refund endpoint was called, once even if voided again
    adapter.void(label)
    assert len(transport.to("POST", f"{API}/shipments/{SHIPMENT_ID}/refund")) == 1


def test_voiding_a_label_this_adapter_did_not_buy_is_rejected() -> None:
    # Given a label no purchase was recorded for
    adapter, _ = carrier(FakeTransport())
    stranger = Label("UPS", "UPSStandard", "EZ9", Money.of("1.00", "USD"), "labels/ret_x/EZ9.pdf", NOW)
    # When it is voided, then the adapter says so rather than pretending
    with pytest.raises(CarrierRejected):
        adapter.void(stranger)


def test_a_refused_refund_is_reported() -> None:
    # Given the carrier rejects the refund
    refused = {**fixture_json("refund_response.json"), "refund_status": "rejected"}
    transport = buying().on("POST", f"{API}/shipments/{SHIPMENT_ID}/refund", (200, json.dumps(refused).encode()))
    adapter, _ = carrier(transport)
    label = buy_label(adapter)
    # When the label is voided, then the refusal is raised for ops to see
    with pytest.raises(CarrierRejected):
        adapter.void(label)
