"""The Finalise task: put a return that will not be refunded in its terminal status."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from returns_core.clock import iso, utcnow
from returns_core.domain.statuses import ReturnStatus
from returns_core.observability import logger
from returns_core.ports.carriers import CarrierPort, label_from_json
from returns_core.storage.models import ReturnRecord
from returns_core.storage.repository import OrdersRepository, ReturnsRepository
from returns_core.workflow.lifecycle import transition

# Statuses in which the goods stay with (or go back to) the shopper: their quantities become
# returnable again. A lost parcel keeps its reservation until the carrier claim is settled.
_RELEASES = {ReturnStatus.REJECTED, ReturnStatus.EXPIRED, ReturnStatus.BOUNCED, ReturnStatus.CANCELLED}
_VOIDS_LABEL = {ReturnStatus.EXPIRED, ReturnStatus.CANCELLED}


@dataclass(frozen=True)
class Finaliser:
    orders: OrdersRepository
    returns: ReturnsRepository
    carrier: CarrierPort
    now: Callable[[], datetime] = utcnow

    def finalise(self, return_id: str, final: dict[str, Any]) -> dict[str, Any]:
        status = ReturnStatus(final["status"])
        at = self.now()

        def change(record: ReturnRecord) -> bool:
            if record.status == status.value:
                return False  # a retried task
            record.final = {
                "status": status.value,
                "reason": final.get("reason"),
                "error": (final.get("error") or {}).get("Error"),
                "at": iso(at),
            }
            record.task_token = None
            record.waiting_for = None
            transition(record, status, at, note=final.get("reason"))
            return True

        changed = self.returns.mutate(return_id, change)
        record = self.returns.get(return_id)
        if changed and status in _RELEASES:
            quantities = {item["line_id"]: int(item["quantity"]) for item in record.request["items"]}
            self.orders.release(record.order_number, quantities)
        if status in _VOIDS_LABEL and record.label:
            try:
                self.carrier.void(label_from_json(record.label))
            except Exception:
                # An unvoided label costs nothing until scanned; ops can void it by hand.
                logger.exception("label void failed", extra={"return_id": return_id})
        return {"status": status.value}
