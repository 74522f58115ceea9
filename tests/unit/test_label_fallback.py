"""Carrier outages at BuyLabel: the next configured carrier sells the label; with all down, the task fails
with the carrier's error so the state machine retries and then parks the return for ops."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import pytest

from returns_core.adapters.documents import DocumentStore
from returns_core.adapters.sandbox_carrier import SandboxCarrier
from returns_core.ports.carriers import (
    CarrierRejected,
    CarrierTimeout,
    CarrierUnavailable,
    Label,
    Rate,
    ShipmentRequest,
)
from tests.unit.test_customs_pdf import WAREHOUSE, a_return, buyer, japanese_order
from tests.unit.test_sandbox_carrier import InMemoryDocuments


class DownCarrier:
    """A carrier whose API times out (or answers 503) on every call."""

    def __init__(self, name: str, error: Exception) -> None:
        self.name = name
        self.error = error
        self.calls = 0

    def rates(self, shipment: ShipmentRequest) -> list[Rate]:
        self.calls += 1
        raise self.error

    def buy(self, shipment: ShipmentRequest, rate: Rate) -> Label:
        raise self.error

    def void(self, label: Label) -> Any:
        return None


def test_when_the_primary_carrier_is_down_the_fallback_sells_the_label() -> None:
    # Given a primary carrier timing out and the sandbox carrier as the fallback
    order = japanese_order()
    record = a_return(order)
    documents = InMemoryDocuments()
    primary = DownCarrier("easypost", CarrierTimeout("read timeout"))
    fallback = SandboxCarrier(cast(DocumentStore, documents), WAREHOUSE)
    label_buyer = replace(buyer(order, record, documents), carrier=primary, fallbacks=(fallback,))
    # When the label is bought
    result = label_buyer.buy(record.return_id)
    # Then the fallback's label is on the return, and the record says why it was used
    assert result["tracking_number"].startswith("SBX")
    assert record.label is not None
    assert (record.label["carrier"], record.label["fallback_from"]) == ("sandbox", "CarrierTimeout")
    assert primary.calls == 1


def test_when_every_carrier_is_down_the_last_outage_is_raised_for_the_state_machine() -> None:
    # Given two carriers, both down
    order = japanese_order()
    record = a_return(order)
    first, second = DownCarrier("easypost", CarrierTimeout("t")), DownCarrier("shippo", CarrierUnavailable("503"))
    label_buyer = replace(buyer(order, record, InMemoryDocuments()), carrier=first, fallbacks=(second,))
    # When the label is bought / Then the outage surfaces (BuyLabel retries it, then AwaitLabelFix)
    with pytest.raises(CarrierUnavailable):
        label_buyer.buy(record.return_id)
    assert (first.calls, second.calls) == (1, 1)
    assert record.label is None


def test_a_refusal_is_not_an_outage_and_does_not_try_the_next_carrier() -> None:
    # Given a primary carrier that refuses the parcel (a 4xx: it will refuse it again)
    order = japanese_order()
    record = a_return(order)
    documents = InMemoryDocuments()
    primary = DownCarrier("easypost", CarrierRejected("parcel too heavy"))
    fallback = DownCarrier("shippo", CarrierUnavailable("unused"))
    label_buyer = replace(buyer(order, record, documents), carrier=primary, fallbacks=(fallback,))
    # When the label is bought / Then the refusal ends the attempt as it is
    with pytest.raises(CarrierRejected):
        label_buyer.buy(record.return_id)
    assert fallback.calls == 0
