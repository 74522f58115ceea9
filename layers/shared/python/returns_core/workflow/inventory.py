"""What an inspection means for the seller's stock: an `InventoryRestocked` event on the bus.

Every inspected line is listed with its grade, disposition and accepted quantity, and `restocked` is
the quantity that goes back to sellable stock (disposition RESTOCK). The event's `event_id` is the
same however often the inspection is announced (EventBridge delivers at least once, and a repeated
inspection request re-announces), so the seller's inventory system applies it once by that id.
"""

from __future__ import annotations

from typing import Any

from returns_core.domain.orders import Order
from returns_core.ports.events import WORKFLOW_EVENT_SOURCE, DomainEvent, EventPublisher
from returns_core.storage.repository import OrdersRepository

INVENTORY_SOURCE = WORKFLOW_EVENT_SOURCE
INVENTORY_DETAIL_TYPE = "InventoryRestocked"
BACK_TO_STOCK = "RESTOCK"


def restock_event(return_id: str, order: Order, inspection: dict[str, Any], warehouse_country: str) -> DomainEvent:
    lines = []
    for item in inspection["items"]:
        line = order.line(item["line_id"])
        accepted = int(item["accepted_quantity"])
        lines.append(
            {
                "line_id": item["line_id"],
                "sku": line.sku if line else None,
                "accepted_quantity": accepted,
                "grade": item["grade"],
                "disposition": item["disposition"],
                "restocked": accepted if item["disposition"] == BACK_TO_STOCK else 0,
            }
        )
    detail = {
        "event_id": f"{return_id}:inspection",
        "return_id": return_id,
        "order_number": order.order_number,
        "warehouse_country": warehouse_country,
        "inspected_at": inspection.get("at"),
        "lines": lines,
        "restocked_units": sum(line["restocked"] for line in lines),
    }
    return DomainEvent(INVENTORY_SOURCE, INVENTORY_DETAIL_TYPE, detail)


def announce_restock(
    publisher: EventPublisher, orders: OrdersRepository, record_order: str, return_id: str, inspection: dict[str, Any],
    warehouse_country: str,
) -> bool:  # fmt: skip
    """Publish the inspection's stock event; False when the order is gone (nothing to map SKUs from)."""
    found = orders.find(record_order)
    if found is None:
        return False
    publisher.publish([restock_event(return_id, found[0], inspection, warehouse_country)])
    return True
