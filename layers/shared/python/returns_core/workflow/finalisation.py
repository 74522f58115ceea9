"""The Finalise task: put a return that will not be refunded in its terminal status."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from returns_core.clock import iso, utcnow
from returns_core.domain.statuses import ReturnStatus
from returns_core.money import Money
from returns_core.observability import logger
from returns_core.ports.carriers import CarrierPort, ClaimRequest, ClaimsPort, label_from_json
from returns_core.ports.payments import RefundStatus
from returns_core.storage.models import ReturnRecord
from returns_core.storage.repository import OrdersRepository, ReturnsRepository
from returns_core.workflow.costs import CostRecorder
from returns_core.workflow.lifecycle import append_timeline, raise_alert, transition

# Statuses in which the goods stay with (or go back to) the shopper: their quantities become
# returnable again. A lost parcel keeps its reservation until the carrier claim is settled.
_RELEASES = {ReturnStatus.REJECTED, ReturnStatus.EXPIRED, ReturnStatus.BOUNCED, ReturnStatus.CANCELLED}
_VOIDS_LABEL = {ReturnStatus.EXPIRED, ReturnStatus.CANCELLED}
# Our own status before the provider answered, and every provider status but a definite failure.
_MONEY_MAY_HAVE_GONE = {"REQUESTED"} | {
    status.value for status in RefundStatus if status not in (RefundStatus.FAILED, RefundStatus.CANCELED)
}


@dataclass(frozen=True)
class Finaliser:
    orders: OrdersRepository
    returns: ReturnsRepository
    carrier: CarrierPort
    now: Callable[[], datetime] = utcnow
    # Where lost-parcel claims are opened (the carrier, when it offers claims).
    claims: ClaimsPort | None = None
    # Writes what the return cost so far (a label bought, a label refunded) to the ledger.
    costs: CostRecorder | None = None

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
            if status in _RELEASES and (record.refund or {}).get("status") in _MONEY_MAY_HAVE_GONE:
                # Refunded early (instantly or on acceptance) and the goods never came back.
                raise_alert(record, "REFUNDED_NOT_RETURNED", at, until_acknowledged=True)
            return True

        changed = self.returns.mutate(return_id, change)
        record = self.returns.get(return_id)
        if changed and status in _RELEASES:
            quantities = {item["line_id"]: int(item["quantity"]) for item in record.request["items"]}
            self.orders.release(record.order_number, quantities)
        if status in _VOIDS_LABEL and record.label and not (record.final or {}).get("label_voided"):
            self._void(record)
        if status is ReturnStatus.LOST and record.label and not record.claim and self.claims is not None:
            self._claim(record)
        if self.costs is not None:
            # Ended returns that never reach RecordCosts still cost their label (less what the carrier
            # refunded for it); the lines are idempotent, so a later RecordCosts does not double them.
            self.costs.record(return_id)
        return {"status": status.value}

    def _void(self, record: ReturnRecord) -> None:
        assert record.label is not None
        try:
            refunded = self.carrier.void(label_from_json(record.label))
        except Exception:
            # An unvoided label costs nothing until scanned; ops can void it by hand.
            logger.exception("label void failed", extra={"return_id": record.return_id})
            return

        def voided(current: ReturnRecord) -> None:
            current.final = {
                **(current.final or {}),
                "label_voided": True,
                "label_refund": refunded.to_json() if refunded else None,
            }

        self.returns.mutate(record.return_id, voided)

    def _claim(self, record: ReturnRecord) -> None:
        """Open the carrier claim with its evidence and put an alert on the return for ops."""
        assert record.label is not None and self.claims is not None
        order, _ = self.orders.get(record.order_number)
        label = label_from_json(record.label)
        value = Money.zero(order.currency)
        for item in record.request["items"]:
            line = order.line(item["line_id"])
            if line is not None:
                value = value + order.unit_price(line) * int(item["quantity"])
        scans = [entry for entry in record.timeline or [] if entry.get("kind") == "SCAN"]
        request = ClaimRequest(
            reference=record.return_id,
            tracking_number=label.tracking_number,
            declared_value=value,
            label_cost=label.price,
            insured=False,
            evidence={
                "label_key": label.label_key,
                "scans": [{"scan": s.get("scan"), "at": s.get("at"), "location": s.get("location")} for s in scans],
                "last_scan_at": scans[-1].get("at") if scans else None,
                "label_valid_until": record.label.get("valid_until"),
            },
        )
        try:
            claim = self.claims.open_claim(request)
        except Exception:
            logger.exception("carrier claim not opened", extra={"return_id": record.return_id})
            claim = None
        at = iso(self.now())

        def opened(current: ReturnRecord) -> None:
            current.claim = (
                {
                    "claim_id": claim.claim_id,
                    "status": claim.status,
                    "carrier": label.carrier,
                    "amount_claimed": claim.amount_claimed.to_json(),
                    "liability_limit": claim.liability_limit.to_json() if claim.liability_limit else None,
                    "opened_at": at,
                }
                if claim
                else {"status": "NOT_OPENED", "at": at}
            )
            append_timeline(
                current,
                {
                    "kind": "ALERT",
                    "code": "PARCEL_LOST",
                    "claim_id": claim.claim_id if claim else None,
                    "at": at,
                },
            )

        self.returns.mutate(record.return_id, opened)
