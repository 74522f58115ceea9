"""Exchanges: the seller's order system is told to ship the chosen variant (ExchangeRequested), a
cheaper variant's difference is refunded, a dearer one's is left for the order system to charge."""

from __future__ import annotations

from typing import Any

import pytest

from .support import (
    BusTap,
    LocalAws,
    create_return,
    drive_to_refund,
    get_return,
    order_line,
    refund_objects,
    seed_order,
)

VARIANTS = [
    {"sku": "JKT-M", "name": "Rain jacket, M"},  # same price as the jacket returned
    {"sku": "JKT-PRO", "name": "Rain jacket Pro, L", "unit_price": "150.00"},
    {"sku": "JKT-LITE", "name": "Rain jacket Lite, L", "unit_price": "90.00"},
]


def _jacket_order(number: str) -> Any:
    line = order_line("1", sku="JKT-L", name="Rain jacket, L", price="120.00", hs_code="620193", origin="VN")
    return seed_order(number, country="US", currency="USD", lines=[{**line, "variants": VARIANTS}])


@pytest.mark.parametrize(
    ("variant", "to_refund", "to_charge", "status"),
    [
        ("JKT-M", "0.00", "0.00", "CLOSED"),
        ("JKT-LITE", "30.00", "0.00", "REFUNDED"),
        ("JKT-PRO", "0.00", "30.00", "CLOSED"),
    ],
)
def test_an_exchange_ships_the_variant_and_settles_the_price_difference(
    aws: LocalAws, variant: str, to_refund: str, to_charge: str, status: str
) -> None:
    # Given the seller's order system listening for exchanges, and a jacket to exchange
    tap = BusTap("exchanges-under-test", {"detail-type": ["ExchangeRequested"]})
    order = _jacket_order(f"ORD-X-{variant}")

    # When the shopper exchanges it for another variant and the warehouse accepts it
    return_id = create_return(order, items=[("1", 1)], resolution="EXCHANGE", exchange_sku=variant)
    assert drive_to_refund(return_id)["status"] == "SUCCEEDED"

    # Then the order system is asked, once, to ship the variant and told what to charge
    [event] = [e["detail"] for e in tap.events() if e["detail"]["return_id"] == return_id]
    assert event["event_id"] == f"{return_id}:exchange"
    assert event["order_number"] == order.order_number
    [line] = event["lines"]
    assert (line["returned_sku"], line["replacement_sku"], line["quantity"]) == ("JKT-L", variant, 1)
    assert event["to_refund"] == {"amount": to_refund, "currency": "USD"}
    assert event["to_charge"] == {"amount": to_charge, "currency": "USD"}
    # And a cheaper variant's difference is refunded to the card, nothing else is
    record = get_return(return_id)
    assert record.status == status
    assert record.refund["exchange"]["to_charge"] == {"amount": to_charge, "currency": "USD"}
    paid = refund_objects()
    assert [p["amount"] for p in paid] == ([{"amount": to_refund, "currency": "USD"}] if status == "REFUNDED" else [])
