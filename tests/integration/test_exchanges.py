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
    ops,
    order_line,
    refund_objects,
    seed_order,
    wait_execution,
    wait_parked,
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


def test_exchanging_back_what_an_earlier_exchange_sent_is_held_for_review(aws: LocalAws) -> None:
    # Given a shopper who exchanged a jacket in L for one in M, settled
    email = "loop@example.com"
    jacket = order_line("1", sku="JKT-L", name="Rain jacket, L", price="120.00", hs_code="620193", origin="VN")
    first = seed_order(
        "ORD-LOOP-1", country="US", currency="USD", email_address=email, lines=[{**jacket, "variants": VARIANTS}]
    )
    earlier = create_return(first, items=[("1", 1)], resolution="EXCHANGE", exchange_sku="JKT-M")
    assert drive_to_refund(earlier)["status"] == "SUCCEEDED"

    # When she now exchanges the M (sent on a replacement order) back for the L
    medium = {**jacket, "sku": "JKT-M", "name": "Rain jacket, M", "variants": [{"sku": "JKT-L", "name": "L"}]}
    second = seed_order("ORD-LOOP-2", country="US", currency="USD", email_address=email, lines=[medium])
    return_id = create_return(second, items=[("1", 1)], resolution="EXCHANGE", exchange_sku="JKT-L")

    # Then the return waits for a person, saying why
    held = wait_parked(return_id, "REVIEW")
    assert [f["code"] for f in held.decision["findings"]] == ["EXCHANGE_LOOP"]
    reply = ops(
        "POST", f"/ops/returns/{return_id}/review", {"decision": "REJECTED", "reason": "Loop", "reviewer": "ops"}
    )
    assert reply.status == 200, reply
    assert wait_execution(return_id)["status"] == "SUCCEEDED"
    assert get_return(return_id).status == "REJECTED"
