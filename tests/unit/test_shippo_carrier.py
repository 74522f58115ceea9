"""The Shippo adapter: the requests it sends and how it reads the answers, against doc-based fixtures."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest

from returns_core.adapters.documents import DocumentStore
from returns_core.adapters.http_json import UNKNOWN_TRANSIT_DAYS, PostalAddress
from returns_core.adapters.shippo_carrier import ShippoCarrier
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
from tests.unit.test_easypost_carrier import FakeTransport, InMemoryDocuments

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "shippo"
API = "https://api.goshippo.com"
API_KEY = "shippo_test_example0000000000000000000000"
UPS_RATE = "adcfdddf8ec64b84ad22772bce3ea37a"
TRANSACTION = "48ee2ce651894bf3bb37f1af0612bd6a"
TRACKING = "1Z999AA10123456784"
LABEL_URL = (
    "https://deliver.goshippo.example/48ee2ce651894bf3bb37f1af0612bd6a.pdf"
    "?Expires=1775000000&Signature=EXAMPLE&Key-Pair-Id=EXAMPLE"
)
PDF = b"%PDF-1.4\n% a stand-in for the carrier's label\n%%EOF\n"
NOW = datetime(2026, 3, 2, 9, 16, tzinfo=UTC)
WAREHOUSE = ("Returns Centre", "Lagerstrasse 1", "20457 Hamburg", "Germany")
SHOPPER = PostalAddress(country="GB", name="Alex Example", street1="1 Example Street", city="Exampleton", zip="EX1 1AA")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture(name))


def carrier(transport: FakeTransport, **options: Any) -> tuple[ShippoCarrier, InMemoryDocuments]:
    documents = InMemoryDocuments()
    adapter = ShippoCarrier(
        API_KEY,
        cast(DocumentStore, documents),
        WAREHOUSE,
        "DE",
        contact_phone="+49 40 0000000",
        contact_email="returns@example.com",
        shopper_address=lambda shipment: SHOPPER,
        transport=transport,
        now=lambda: NOW,
        **options,
    )
    return adapter, documents


def cross_border_return(reference: str = "ret_01JEXAMPLE0001") -> ShipmentRequest:
    return ShipmentRequest(
        reference=reference,
        from_country="GB",
        to_country="DE",
        parcel=Parcel(weight_grams=800, declared_value=Money.of("119.00", "EUR")),
        customs=(
            CustomsLine("Wool jumper", 1, Money.of("89.00", "EUR"), 500, "6110.30", "PT"),
            CustomsLine("Cotton T-shirt", 2, Money.of("30.00", "EUR"), 300, "610910", "TR"),
        ),
        original_invoice_number="INV-2026-0042",
    )


def quoting() -> FakeTransport:
    return FakeTransport().on("POST", f"{API}/shipments/", (201, fixture("create_shipment_response.json")))


def buying() -> FakeTransport:
    return (
        quoting()
        .on("POST", f"{API}/transactions/", (201, fixture("transaction_response.json")))
        .on("GET", LABEL_URL, (200, PDF))
    )


def buy_label(adapter: ShippoCarrier) -> Label:
    shipment = cross_border_return()
    ups = next(rate for rate in adapter.rates(shipment) if rate.carrier == "UPS")
    return adapter.buy(shipment, ups)


def test_rates_are_read_as_money_in_the_providers_currency() -> None:
    # Given Shippo quotes DHL Express and UPS in EUR (with GBP as the local currency)
    adapter, _ = carrier(quoting())
    # When the adapter asks for rates
    rates = {rate.carrier: rate for rate in adapter.rates(cross_border_return())}
    # Then each is a Rate priced in the account currency as a Decimal, never the local one
    dhl, ups = rates["DHL Express"], rates["UPS"]
    assert dhl.price == Money.of("24.50", "EUR")
    assert isinstance(dhl.price.amount, Decimal)
    assert (dhl.service, dhl.transit_days) == ("dhl_express_worldwide", 2)
    assert ups.price == Money.of("12.90", "EUR")
    assert ups.transit_days == UNKNOWN_TRANSIT_DAYS  # estimated_days is null
    assert ups.rate_id == UPS_RATE
    assert not any(rate.carries_batteries for rate in rates.values())


def test_a_cross_border_return_declares_return_merchandise_with_the_original_invoice() -> None:
    # Given a return from GB to the warehouse in DE with two customs lines
    transport = quoting()
    adapter, _ = carrier(transport)
    # When rates are asked for
    adapter.rates(cross_border_return())
    # Then the shipment sent is exactly the documented return shipment with an inline declaration
    [sent] = transport.to("POST", f"{API}/shipments/")
    body = sent.json()
    assert body == fixture_json("create_shipment_request.json")
    assert body["extra"] == {"is_return": True}
    assert body["async"] is False
    # And the outbound addresses are kept for Shippo to swap: warehouse as from, shopper as to
    assert body["address_from"]["city"] == "Hamburg"
    assert body["address_to"]["country"] == "GB"
    declaration = body["customs_declaration"]
    assert declaration["contents_type"] == "RETURN_MERCHANDISE"
    assert declaration["invoice"] == "INV-2026-0042"
    assert "INV-2026-0042" in declaration["contents_explanation"]
    items = declaration["items"]
    assert [item["tariff_number"] for item in items] == ["611030", "610910"]  # dots dropped: 12-char limit
    assert [item["origin_country"] for item in items] == ["PT", "TR"]
    assert [(item["value_amount"], item["value_currency"]) for item in items] == [("89.00", "EUR"), ("30.00", "EUR")]
    assert [(item["net_weight"], item["mass_unit"]) for item in items] == [("500", "g"), ("300", "g")]


def test_a_domestic_return_has_no_customs_declaration() -> None:
    # Given a return within Germany and no shopper address look-up
    transport = quoting()
    adapter = ShippoCarrier(API_KEY, cast(DocumentStore, InMemoryDocuments()), WAREHOUSE, "DE", transport=transport)
    # When rates are asked for
    adapter.rates(ShipmentRequest(reference="ret_2", from_country="DE", to_country="DE", parcel=Parcel(400)))
    # Then no declaration is sent and the shopper is the country alone
    body = transport.sent[0].json()
    assert "customs_declaration" not in body
    assert body["address_to"] == {"country": "DE"}


def test_every_api_call_carries_the_shippo_token_and_pinned_version() -> None:
    # Given an adapter with an API token
    transport = buying()
    adapter, _ = carrier(transport)
    # When it quotes and buys
    buy_label(adapter)
    # Then every API call authenticates with the ShippoToken scheme and pins the API version
    api_calls = [s for s in transport.sent if s.url.startswith(API)]
    assert len(api_calls) == 2
    assert all(s.headers["Authorization"] == f"ShippoToken {API_KEY}" for s in api_calls)
    assert all(s.headers["SHIPPO-API-VERSION"] == "2018-02-08" for s in api_calls)
    # And the signed label URL is fetched without the token
    [download] = transport.to("GET", LABEL_URL)
    assert "Authorization" not in download.headers


def test_buy_stores_the_label_pdf_and_returns_the_tracking_number() -> None:
    # Given a quoted return
    transport = buying()
    adapter, documents = carrier(transport)
    # When the UPS rate is bought
    label = buy_label(adapter)
    # Then the documented transaction request was sent for that rate
    [bought] = transport.to("POST", f"{API}/transactions/")
    assert bought.json() == fixture_json("transaction_request.json")
    # And the PDF is stored under the return's label key, and the label reports it
    assert label.tracking_number == TRACKING
    assert label.label_key == f"labels/ret_01JEXAMPLE0001/{TRACKING}.pdf"
    assert documents.objects[label.label_key] == (PDF, "application/pdf")
    assert label.price == Money.of("12.90", "EUR")
    assert (label.carrier, label.service) == ("UPS", "ups_standard")
    assert label.valid_until == NOW + timedelta(days=30)
    assert label.extra["transaction_id"] == TRANSACTION


def test_a_transaction_in_error_is_a_rejection_with_shippos_messages() -> None:
    # Given Shippo answers the purchase with status ERROR
    transport = buying().on("POST", f"{API}/transactions/", (201, fixture("transaction_error_response.json")))
    adapter, documents = carrier(transport)
    # When the rate is bought
    with pytest.raises(CarrierRejected) as raised:
        buy_label(adapter)
    # Then the carrier's reason is in the error, and no label is stored
    assert "Missing or invalid ship from phone number" in str(raised.value)
    assert not any(key.startswith("labels/") for key in documents.objects)


def test_a_buy_retried_after_a_timeout_finds_the_transaction_instead_of_buying_twice() -> None:
    # Given the purchase timed out although Shippo made the label
    transport = buying().on("POST", f"{API}/transactions/", TimeoutError("read timed out"))
    transport.on("GET", f"{API}/transactions/?rate={UPS_RATE}", (200, fixture("transactions_list_response.json")))
    adapter, _ = carrier(transport)
    with pytest.raises(CarrierTimeout):
        buy_label(adapter)
    # When BuyLabel is retried
    label = buy_label(adapter)
    # Then the earlier transaction is used and no second purchase is made
    assert label.tracking_number == TRACKING
    assert len(transport.to("POST", f"{API}/transactions/")) == 1


ERROR_CASES = [
    pytest.param(TimeoutError("timed out"), CarrierTimeout, id="timeout"),
    pytest.param(ConnectionRefusedError("refused"), CarrierUnavailable, id="connection-refused"),
    pytest.param((429, b'{"detail": "Request was throttled."}'), CarrierRateLimited, id="429"),
    pytest.param((422, fixture("error_response.json")), CarrierRejected, id="422"),
    pytest.param((500, b'{"detail": "Internal server error"}'), CarrierUnavailable, id="500"),
    pytest.param((200, b"<html>maintenance</html>"), CarrierUnavailable, id="non-json"),
]


@pytest.mark.parametrize(("answer", "error"), ERROR_CASES)
def test_failures_raise_the_named_error_the_state_machine_matches(
    answer: tuple[int, bytes] | Exception, error: type[CarrierError]
) -> None:
    # Given Shippo (or the network) answers the quote this way
    adapter, _ = carrier(FakeTransport().on("POST", f"{API}/shipments/", answer))
    # When rates are asked for, then the named error is raised
    with pytest.raises(error) as raised:
        adapter.rates(cross_border_return())
    assert type(raised.value) is error


def test_a_rejection_carries_the_providers_field_messages() -> None:
    # Given Shippo rejects the shipment's fields
    adapter, _ = carrier(FakeTransport().on("POST", f"{API}/shipments/", (422, fixture("error_response.json"))))
    # When rates are asked for
    with pytest.raises(CarrierRejected) as raised:
        adapter.rates(cross_border_return())
    # Then each field's message is named in the error
    text = str(raised.value)
    assert "shippo HTTP 422" in text
    assert "address_to.zip: This field is required." in text
    assert "parcels: Weight must be greater than 0." in text


def test_void_asks_shippo_for_a_refund_of_the_transaction() -> None:
    # Given a bought label
    transport = buying().on("POST", f"{API}/refunds/", (201, fixture("refund_response.json")))
    adapter, _ = carrier(transport)
    label = buy_label(adapter)
    # When it is voided from the label as read back from the return record (no extra fields)
    adapter.void(replace(label, extra={}))
    adapter.void(label)
    # Then the transaction was refunded with the documented request, once
    [refund] = transport.to("POST", f"{API}/refunds/")
    assert refund.json() == fixture_json("refund_request.json")


def test_a_refused_refund_is_reported() -> None:
    # Given Shippo refuses the refund
    refused = {**fixture_json("refund_response.json"), "status": "ERROR"}
    transport = buying().on("POST", f"{API}/refunds/", (201, json.dumps(refused).encode()))
    adapter, _ = carrier(transport)
    label = buy_label(adapter)
    # When the label is voided, then the refusal is raised for ops to see
    with pytest.raises(CarrierRejected):
        adapter.void(label)


def test_only_pdf_labels_are_accepted() -> None:
    # Given a label format the documents bucket would not store as a PDF, then the adapter refuses it
    with pytest.raises(ValueError, match="PDF"):
        ShippoCarrier(API_KEY, cast(DocumentStore, InMemoryDocuments()), WAREHOUSE, "DE", label_file_type="ZPLII")
