"""An inspection tells the seller's inventory what goes back on the shelf: one InventoryRestocked event."""

from __future__ import annotations

from typing import Any

from .support import (
    BusTap,
    LocalAws,
    create_return,
    delivered_to_warehouse,
    ops,
    order_line,
    seed_order,
)
from .support import wait_execution as finished

STOCK_EVENTS = {"source": ["returns.workflow"], "detail-type": ["InventoryRestocked"]}


def _delivered(order_number: str) -> str:
    lines = [
        order_line("1", sku="SNK-42-WHT", name="Canvas sneakers", price="89.90"),
        order_line("2", sku="TEE-M-NVY", name="T-shirt", price="24.90", quantity=2),
    ]
    order = seed_order(order_number, lines=lines)
    return_id = create_return(order, items=[("1", 1), ("2", 2)], reason="DOES_NOT_FIT")
    delivered_to_warehouse(return_id)
    return return_id


def _inspection(tee_accepted: int) -> dict[str, Any]:
    return {
        "inspector": "warehouse-7",
        "items": [
            {"line_id": "1", "accepted_quantity": 1, "grade": "A", "disposition": "RESTOCK"},
            {"line_id": "2", "accepted_quantity": tee_accepted, "grade": "C", "disposition": "REFURBISH"},
        ],
    }


def test_an_inspection_emits_what_goes_back_to_stock_once_per_inspection(aws: LocalAws) -> None:
    # Given the seller's inventory listening on the bus, and a delivered return of sneakers and two T-shirts
    tap = BusTap("inventory-under-test", STOCK_EVENTS)
    return_id = _delivered("ORD-STOCK-1")

    # When the warehouse restocks the sneakers, sends the T-shirts to refurbishment, and the request is repeated
    first = ops("POST", f"/ops/returns/{return_id}/inspection", _inspection(2))
    again = ops("POST", f"/ops/returns/{return_id}/inspection", _inspection(2))

    # Then the stock event names each SKU, and only the sneakers count as restocked
    assert (first.status, again.status) == (200, 200)
    events = tap.events()
    details = [event["detail"] for event in events]
    assert {d["event_id"] for d in details} == {f"{return_id}:inspection"}  # the repeat carries the same id
    detail = details[0]
    assert detail["return_id"] == return_id
    assert detail["warehouse_country"] == "DE"  # where returns go back to (WAREHOUSE_COUNTRY)
    assert detail["restocked_units"] == 1
    assert [(line["sku"], line["accepted_quantity"], line["restocked"]) for line in detail["lines"]] == [
        ("SNK-42-WHT", 1, 1),
        ("TEE-M-NVY", 2, 0),
    ]
    # (no personal data leaves for the inventory system)
    assert "example.com" not in str(events)
    assert finished(return_id)["status"] == "SUCCEEDED"


def test_a_conflicting_second_inspection_is_refused_and_emits_nothing(aws: LocalAws) -> None:
    # Given an inspected return
    tap = BusTap("inventory-under-test", STOCK_EVENTS)
    return_id = _delivered("ORD-STOCK-2")
    assert ops("POST", f"/ops/returns/{return_id}/inspection", _inspection(2)).status == 200
    before = len(tap.events())

    # When someone records a different inspection for it
    reply = ops("POST", f"/ops/returns/{return_id}/inspection", _inspection(1))

    # Then it is refused and no second stock event goes out
    assert (reply.status, reply.code) == (409, "ALREADY_INSPECTED")
    assert len(tap.events()) == before
    assert finished(return_id)["status"] == "SUCCEEDED"
