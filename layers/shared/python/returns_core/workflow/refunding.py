"""The Refund task: pay exactly once, in the currency the shopper paid.

Our own refund record is written before the provider is called; the provider's idempotency
key is derived from it; an unknown outcome is resolved by looking the refund up, never by
paying again.

Where the market or the shopper's trust says so, the workflow refunds early (at once, on the
acceptance scan or on delivery) with the requested items; the return's status keeps following the
parcel. The Refund task after inspection then settles: a refund already paid is confirmed under
its own key, and what inspection would have deducted is recorded as an overpayment for ops.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from returns_core.clock import iso, utcnow
from returns_core.domain.exchanges import ExchangeTerms, exchange_terms
from returns_core.domain.orders import Order
from returns_core.domain.policy import MarketPolicy, RefundTrigger, policy_for
from returns_core.domain.reasons import ReturnReason
from returns_core.domain.refunds import AcceptedItem, RefundBreakdown, compute_refund, order_total
from returns_core.domain.requests import Resolution
from returns_core.domain.statuses import ReturnStatus
from returns_core.errors import Conflict
from returns_core.fx import FxRates
from returns_core.money import Money
from returns_core.ports.carriers import label_from_json
from returns_core.ports.events import WORKFLOW_EVENT_SOURCE, DomainEvent, EventPublisher
from returns_core.ports.payments import (
    PaymentPending,
    PaymentPort,
    PaymentRejected,
    PaymentTimeout,
    RefundOrder,
    RefundOutcome,
    RefundStatus,
)
from returns_core.storage.models import ReturnRecord
from returns_core.storage.repository import OrdersRepository, ReturnsRepository
from returns_core.workflow.lifecycle import append_timeline, raise_alert, transition

_FAILURES = (RefundStatus.FAILED, RefundStatus.CANCELED)
_SETTLED_FAILURES = frozenset(status.value for status in _FAILURES)
# Our own status before the provider answered, and the provider's not-yet-final ones.
_UNSETTLED = frozenset({"REQUESTED", RefundStatus.PENDING.value, RefundStatus.REQUIRES_ACTION.value})


def refund_key(return_id: str, attempt: int = 1) -> str:
    """Our refund's idempotency key, sent to the provider and echoed back in its webhooks."""
    return f"refund:{return_id}" if attempt == 1 else f"refund:{return_id}:{attempt}"


def return_id_of(key: str | None) -> str | None:
    """The return a refund key belongs to (None for a key that is not ours)."""
    if not key or not key.startswith("refund:"):
        return None
    parts = key.split(":")
    return parts[1] if len(parts) in (2, 3) and parts[1] else None


def _attempt_summary(refund: dict[str, Any]) -> dict[str, Any]:
    # A reversed attempt keeps what it paid and when it was taken back: the ledger books both.
    keep = ("idempotency_key", "attempt", "status", "refund_id", "failure_reason", "requested_at", "reversed_at")
    summary = {name: refund[name] for name in keep if name in refund}
    if refund.get("reversed_at"):
        summary["amount"] = refund.get("amount") or refund["breakdown"]["total"]
    return summary


def accepted_items(record: ReturnRecord) -> list[AcceptedItem]:
    requested = {item["line_id"]: item for item in record.request["items"]}
    if record.returnless or not record.inspection:
        return [AcceptedItem(i["line_id"], int(i["quantity"]), ReturnReason(i["reason"])) for i in requested.values()]
    accepted = []
    for item in record.inspection["items"]:
        asked = requested.get(item["line_id"])
        if asked is None:
            continue
        quantity = min(int(item["accepted_quantity"]), int(asked["quantity"]))
        deduction = Decimal(str(item.get("deduction_percent") or 0))
        accepted.append(AcceptedItem(item["line_id"], quantity, ReturnReason(asked["reason"]), deduction))
    return accepted


@dataclass(frozen=True)
class Refunder:
    orders: OrdersRepository
    returns: ReturnsRepository
    payments: PaymentPort
    fx: FxRates
    now: Callable[[], datetime] = utcnow
    # The market's statutory floor with the seller's own, more generous, terms applied.
    policies: Callable[[str], MarketPolicy] = policy_for
    # What a shopper who takes store credit gets on top of the refundable amount, in percent.
    store_credit_bonus_percent: Decimal = Decimal(0)
    # Tells the shopper of a milestone (return id, milestone); each is emailed once, so the refund
    # email an early refund sends is not sent again when the workflow ends.
    announce: Callable[[str, str], None] | None = None
    # Where an exchange's ExchangeRequested event goes, for the seller's order system.
    publisher: EventPublisher | None = None

    def _earlier_refunds(self, record: ReturnRecord, order: Order) -> tuple[Money, dict[str, int]]:
        refunded = Money.zero(order.currency)
        units: dict[str, int] = {}
        for other in self.returns.by_order(record.order_number):
            if other.return_id == record.return_id or not other.refund:
                continue
            if other.refund.get("status") == RefundStatus.SUCCEEDED.value:
                refunded = refunded + Money.from_json(other.refund["breakdown"]["total"])
                for item in accepted_items(other):
                    units[item.line_id] = units.get(item.line_id, 0) + item.quantity
        return refunded, units

    def breakdown(self, record: ReturnRecord, order: Order) -> RefundBreakdown:
        label_cost = None
        if record.label and not record.returnless:
            price = label_from_json(record.label).price
            label_cost = price.convert(order.currency, self.fx.quote(price.currency, order.currency).rate)
        refunded, units = self._earlier_refunds(record, order)
        return compute_refund(order, accepted_items(record), self.policies(order.country), label_cost, refunded, units)

    def refund(self, return_id: str, early: bool = False) -> dict[str, Any]:
        return self._refund_early(return_id) if early else self._settle(return_id)

    def repay(self, return_id: str) -> dict[str, Any]:
        """Pay again a refund the provider reversed after the workflow ended (no task waits for it).

        A new attempt under a new key, as an ops retry in the workflow is; a refusal goes back on the
        ops alert list, a pending outcome is settled by the provider's webhook."""
        try:
            return self._settle(return_id)
        except PaymentRejected:
            at = self.now()
            self.returns.mutate(return_id, lambda record: raise_alert(record, "REFUND_FAILED", at))
            return {"final_status": ReturnStatus.REFUND_PENDING.value, "refused": True}
        except PaymentPending:
            return {"final_status": ReturnStatus.REFUND_PENDING.value}

    def request_repay(self, return_id: str, operator: str, note: str | None) -> None:
        """Ops ask to pay again a refund the provider reversed after the return ended; the refund
        function's rule picks the request up from the bus (`repay`)."""
        at = self.now()

        def request(record: ReturnRecord) -> None:
            refund = record.refund or {}
            if record.status != ReturnStatus.REFUND_PENDING or not refund.get("reversed_at") or record.waiting_for:
                raise Conflict(
                    "Only a refund the provider reversed after the return ended is paid again here; a refund"
                    " the workflow waits for is retried with refund-retry.",
                    code="NOTHING_TO_REPAY",
                )
            entry = {"kind": "REFUND_RETRY", "operator": operator, "repay": True, "at": iso(at)}
            append_timeline(record, entry | ({"note": note} if note else {}))

        self.returns.mutate(return_id, request)
        if self.publisher is not None:
            self.publisher.publish([repay_event(return_id)])

    def _refund_early(self, return_id: str) -> dict[str, Any]:
        """Pay before inspection; never raises for an outcome, since the settle step comes after anyway."""
        record = self.returns.get(return_id)
        status = (record.refund or {}).get("status")
        if status is not None and status not in _UNSETTLED:
            return {"early_refund": status}  # paid, or failed and left for the settle step's new attempt
        trigger = RefundTrigger((record.decision or {}).get("refund_trigger", RefundTrigger.INSPECTION))
        if (record.label or {}).get("weight_mismatch"):
            # The carrier's scale says the goods are not (all) in the box: the refund waits for inspection.
            return {"early_refund": "HELD_FOR_INSPECTION"}
        if Resolution(record.request["resolution"]) is not Resolution.REFUND:
            return {"early_refund": "NOT_APPLICABLE"}  # credit and exchanges are issued after inspection
        order, _ = self.orders.get(record.order_number)
        breakdown = self.breakdown(record, order)
        if breakdown.total.is_zero():
            return {"early_refund": "NOT_APPLICABLE"}
        started_at = self.now()

        def begin(record: ReturnRecord) -> dict[str, Any]:
            if not record.refund:
                record.refund = {
                    "status": "REQUESTED",
                    "idempotency_key": refund_key(return_id),
                    "attempt": 1,
                    "resolution": Resolution.REFUND.value,
                    "breakdown": breakdown.to_json(),
                    "requested_at": iso(started_at),
                    "trigger": trigger.value,
                }
            return dict(record.refund)

        refund_record = self.returns.mutate(return_id, begin)
        key = str(refund_record["idempotency_key"])
        try:
            outcome = self._pay(order, return_id, key, Money.from_json(refund_record["breakdown"]["total"]))
        except PaymentRejected:
            return {"early_refund": RefundStatus.FAILED.value, "refused": True}
        if outcome.status is RefundStatus.SUCCEEDED:
            self._paid_early(return_id, outcome, trigger)
            if self.announce is not None:
                self.announce(return_id, "REFUNDED")
        else:
            self._note_outcome(return_id, key, outcome.status, outcome, None)
        return {"early_refund": outcome.status.value, **({"refused": True} if outcome.status in _FAILURES else {})}

    def _paid_early(self, return_id: str, outcome: RefundOutcome, trigger: RefundTrigger) -> None:
        paid_at = self.now()

        def paid(record: ReturnRecord) -> None:
            refund = dict(record.refund or {})
            if refund.get("status") == RefundStatus.SUCCEEDED.value:
                return  # the provider's webhook got here first
            refund.update(
                provider=outcome.provider,
                refund_id=outcome.refund_id,
                status=outcome.status.value,
                amount=outcome.amount.to_json(),
                settled_at=iso(paid_at),
            )
            record.refund = refund
            append_timeline(
                record,
                {"kind": "PAYMENT", "status": outcome.status.value, "provider": outcome.provider, "at": iso(paid_at)}
                | {"trigger": trigger.value},
            )

        self.returns.mutate(return_id, paid)

    def _settle(self, return_id: str) -> dict[str, Any]:
        record = self.returns.get(return_id)
        if record.status in (ReturnStatus.REFUNDED, ReturnStatus.CLOSED):
            return {"final_status": record.status}
        order, _ = self.orders.get(record.order_number)
        breakdown = self.breakdown(record, order)
        resolution = Resolution(record.request["resolution"])
        terms = None
        if resolution is Resolution.EXCHANGE:
            terms = exchange_terms(order, accepted_items(record), str(record.request.get("exchange_sku")))
            remaining = (order_total(order) - self._earlier_refunds(record, order)[0]).max(Money.zero(order.currency))
            breakdown = _exchange_breakdown(terms, remaining)
            if self.publisher is not None:
                # Before any money moves: the replacement is the seller's to ship whatever the difference.
                self.publisher.publish([exchange_event(return_id, order.order_number, terms)])
        started_at = self.now()

        def begin(record: ReturnRecord) -> dict[str, Any]:
            if record.refund and record.refund.get("trigger") and "due_after_inspection" not in record.refund:
                _compare_with_inspection(record, breakdown, started_at)
            if not record.refund or record.refund.get("status") in _SETTLED_FAILURES:
                # A refund the provider definitely did not pay is tried again under a new key: the old
                # key would only replay the failure. An unknown outcome keeps its key (looked up, never repaid).
                earlier = dict(record.refund or {})
                attempt = int(earlier.get("attempt", 1)) + 1 if earlier else 1
                failures = [*earlier.get("failed_attempts", []), _attempt_summary(earlier)] if earlier else []
                record.refund = {
                    "status": "REQUESTED",
                    "idempotency_key": refund_key(return_id, attempt),
                    "attempt": attempt,
                    "resolution": resolution.value,
                    "breakdown": breakdown.to_json(),
                    "requested_at": iso(started_at),
                }
                if failures:
                    record.refund["failed_attempts"] = failures
                if terms is not None:
                    record.refund["exchange"] = exchange_json(terms)
                if resolution is Resolution.STORE_CREDIT:
                    bonus = self.store_credit_bonus_percent
                    record.refund["bonus_percent"] = str(bonus)
                    record.refund["store_credit"] = (breakdown.total + breakdown.total.percent(bonus)).to_json()
            transition(record, ReturnStatus.REFUND_PENDING, started_at)
            return dict(record.refund)

        refund_record = self.returns.mutate(return_id, begin)
        key = str(refund_record["idempotency_key"])
        total = Money.from_json(refund_record["breakdown"]["total"])

        if resolution is Resolution.EXCHANGE and total.is_zero():
            return self._finish(return_id, None, ReturnStatus.CLOSED, "exchange issued")
        if total.is_zero():
            return self._finish(return_id, None, ReturnStatus.CLOSED, "nothing to refund")
        if resolution is Resolution.STORE_CREDIT:
            # Store credit settles in the seller's own systems; no money moves here.
            return self._finish(return_id, None, ReturnStatus.CLOSED, "store_credit issued")
        # A refund, or what an exchange for a cheaper variant gives back.

        outcome = self._pay(order, return_id, key, total)
        if outcome.status is RefundStatus.SUCCEEDED:
            return self._finish(return_id, outcome, ReturnStatus.REFUNDED, None)
        # Only a succeeded refund is a refund. A failed one goes to the ops queue (AwaitRefundFix); a
        # pending one waits for the provider's webhook (AwaitRefundOutcome). Either way a retry looks
        # the refund up under the same key, so it never pays twice.
        self._note_outcome(return_id, key, outcome.status, outcome, None)
        if outcome.status in _FAILURES:
            raise PaymentRejected(f"the provider reports the refund {outcome.status.value}")
        raise PaymentPending(f"the provider reports the refund {outcome.status.value}")

    def _pay(self, order: Order, return_id: str, key: str, total: Money) -> RefundOutcome:
        """The provider's refund under our key: looked up first, paid only if it does not exist yet."""
        outcome = self.payments.find_refund(key)
        if outcome is not None:
            return outcome
        try:
            return self.payments.refund(RefundOrder(order.payment_reference, total, key, reason=f"return {return_id}"))
        except PaymentTimeout:
            found = self.payments.find_refund(key)
            if found is None:
                raise
            return found
        except PaymentRejected as exc:
            self._note_outcome(return_id, key, RefundStatus.FAILED, None, str(exc))
            raise

    def _note_outcome(
        self, return_id: str, key: str, status: RefundStatus, outcome: RefundOutcome | None, reason: str | None
    ) -> None:
        """What the provider answered, unless its webhook has already told us something newer."""

        def note(record: ReturnRecord) -> None:
            refund = dict(record.refund or {})
            if refund.get("idempotency_key") != key or refund.get("status") not in _UNSETTLED:
                return
            refund["status"] = status.value
            if outcome is not None:
                refund.update(provider=outcome.provider, refund_id=outcome.refund_id, amount=outcome.amount.to_json())
            if reason:
                refund["failure_reason"] = reason[:200]
            record.refund = refund

        self.returns.mutate(return_id, note)

    def _finish(
        self, return_id: str, outcome: RefundOutcome | None, status: ReturnStatus, note: str | None
    ) -> dict[str, Any]:
        finished_at = self.now()

        def finish(record: ReturnRecord) -> None:
            refund = dict(record.refund or {})
            if outcome is not None:
                refund.update(
                    provider=outcome.provider,
                    refund_id=outcome.refund_id,
                    status=outcome.status.value,
                    amount=outcome.amount.to_json(),
                )
            else:
                refund["status"] = "NOT_APPLICABLE"
            refund["finished_at"] = iso(finished_at)
            record.refund = refund
            transition(record, status, finished_at, note=note)

        self.returns.mutate(return_id, finish)
        return {"final_status": status.value}


def _compare_with_inspection(record: ReturnRecord, due: RefundBreakdown, at: datetime) -> None:
    """Record what inspection says was owed beside what was refunded early; alert ops on an overpayment."""
    refund = dict(record.refund or {})
    early_total = Money.from_json(refund["breakdown"]["total"])
    refund["due_after_inspection"] = due.total.to_json()
    if refund.get("status") not in _SETTLED_FAILURES and early_total > due.total:
        refund["overpaid"] = (early_total - due.total).to_json()
        raise_alert(record, "EARLY_REFUND_OVERPAID", at, until_acknowledged=True)
    record.refund = refund


EXCHANGE_DETAIL_TYPE = "ExchangeRequested"
# Ops asked to pay again a refund reversed after the workflow ended (the refund function's rule).
REPAY_DETAIL_TYPE = "RefundRepayRequested"


def repay_event(return_id: str) -> DomainEvent:
    return DomainEvent(WORKFLOW_EVENT_SOURCE, REPAY_DETAIL_TYPE, {"return_id": return_id})


def _exchange_breakdown(terms: ExchangeTerms, remaining: Money) -> RefundBreakdown:
    """An exchange refunds only a cheaper variant's difference, within what is left of the payment."""
    zero = Money.zero(terms.difference.currency)
    items = sum((line.returned_value for line in terms.lines), zero)
    capped_by = remaining if terms.to_refund > remaining else None
    return RefundBreakdown(items, zero, zero, zero, zero, capped_by, terms.to_refund.min(remaining))


def exchange_json(terms: ExchangeTerms) -> dict[str, Any]:
    return {
        "lines": [
            {
                "line_id": line.line_id,
                "returned_sku": line.returned_sku,
                "replacement_sku": line.replacement_sku,
                "quantity": line.quantity,
                "returned_value": line.returned_value.to_json(),
                "replacement_value": line.replacement_value.to_json(),
            }
            for line in terms.lines
        ],
        "difference": terms.difference.to_json(),
        "to_refund": terms.to_refund.to_json(),
        "to_charge": terms.to_charge.to_json(),
    }


def exchange_event(return_id: str, order_number: str, terms: ExchangeTerms) -> DomainEvent:
    """For the seller's order system: ship the replacement, charge `to_charge` (the refund of `to_refund`
    is ours). The same event id on every retry: apply it once."""
    detail = {"event_id": f"{return_id}:exchange", "return_id": return_id, "order_number": order_number}
    return DomainEvent(WORKFLOW_EVENT_SOURCE, EXCHANGE_DETAIL_TYPE, detail | exchange_json(terms))
