"""The RecordCosts task: one ledger line per cost or recovery, each in its currency and the seller's.

Line ids are deterministic, and each line is written only if it does not exist, in the same
transaction as what it adds to the seller's analytics counters, so a retried task never counts a
cost twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from returns_core.analytics import counters
from returns_core.analytics.counters import Deltas, Dimensions
from returns_core.clock import utcnow
from returns_core.fx import FxRates, convert
from returns_core.money import Money
from returns_core.ports.carriers import label_from_json
from returns_core.storage.aggregates import AggregatesStore, Recording
from returns_core.storage.models import LedgerRecord, ReturnRecord
from returns_core.storage.repository import OrdersRepository, ReturnsRepository
from returns_core.workflow.adjustments import adjustment_entries


def ledger_entries(record: ReturnRecord) -> list[tuple[str, Money, dict[str, Any]]]:
    """(kind, signed amount, detail): costs to the seller are negative, recoveries positive."""
    entries: list[tuple[str, Money, dict[str, Any]]] = []
    if record.label and not record.returnless:
        label = label_from_json(record.label)
        entries.append(("LABEL", -label.price, {"carrier": label.carrier, "service": label.service}))
        refund = (record.final or {}).get("label_refund")
        if refund:
            entries.append(("LABEL_REFUND", Money.from_json(refund), {"carrier": label.carrier}))
        hub = (record.label.get("plan") or {}).get("hub")
        if hub:
            # This parcel's part of the hub's consolidated shipment to the warehouse, and its handling.
            entries.append(("HUB_CONSOLIDATION", -Money.from_json(hub["share_per_parcel"]), {"hub_id": hub["hub_id"]}))
    if record.refund:
        breakdown = record.refund["breakdown"]
        paid = record.refund.get("status") == "succeeded"
        if paid and not _reversals(record.refund):
            entries.append(
                (
                    "REFUND",
                    -Money.from_json(breakdown["total"]),
                    {"refund_id": record.refund.get("refund_id")},
                )
            )
        elif record.refund.get("resolution") == "STORE_CREDIT":
            # The credit owed, bonus included (older records without it: the refundable total).
            credit = record.refund.get("store_credit") or breakdown["total"]
            entries.append(
                ("STORE_CREDIT", -Money.from_json(credit), {"bonus_percent": record.refund.get("bonus_percent")})
            )
        for kind, key in (
            ("RESTOCKING_FEE", "restocking_fee"),
            ("RETURN_SHIPPING_RECOVERED", "return_shipping"),
            ("CONDITION_DEDUCTION", "condition_deduction"),
        ):
            if key not in breakdown:
                continue  # refunds computed before condition deductions existed
            amount = Money.from_json(breakdown[key])
            if not amount.is_zero():
                entries.append((kind, amount, {}))
    return entries


def _reversals(refund: dict[str, Any]) -> list[dict[str, Any]]:
    """Attempts the provider paid and then took back, earliest first (the current one last, if reversed)."""
    earlier = [a for a in refund.get("failed_attempts", []) if a.get("reversed_at")]
    return [*earlier, refund] if refund.get("reversed_at") and refund.get("status") != "succeeded" else earlier


def refund_history_entries(record: ReturnRecord) -> list[tuple[str, str, Money, dict[str, Any]]]:
    """(line id, kind, signed amount, detail) once a refund was reversed: each reversed payment, its
    reversal (money back to the seller), and the payment made again. The first payment keeps the line
    id REFUND it was booked under before anyone knew it would be reversed."""
    refund = record.refund or {}
    reversals = _reversals(refund)
    entries: list[tuple[str, str, Money, dict[str, Any]]] = []
    for position, attempt in enumerate(reversals):
        number = int(attempt.get("attempt", 1))
        amount = Money.from_json(attempt.get("amount") or refund["breakdown"]["total"])
        paid_line = "REFUND" if position == 0 else f"REFUND#{number}"
        entries.append((paid_line, "REFUND", -amount, {"refund_id": attempt.get("refund_id")}))
        entries.append(
            (f"REFUND_REVERSED#{number}", "REFUND_REVERSED", amount, {"refund_id": attempt.get("refund_id")})
        )
    if reversals and refund.get("status") == "succeeded":
        number = int(refund.get("attempt", 1))
        total = Money.from_json(refund["breakdown"]["total"])
        entries.append((f"REFUND#{number}", "REFUND", -total, {"refund_id": refund.get("refund_id")}))
    return entries


@dataclass(frozen=True)
class CostRecorder:
    returns: ReturnsRepository
    orders: OrdersRepository
    aggregates: AggregatesStore
    fx: FxRates
    base_currency: str
    warehouse_country: str
    # Workflow seconds per policy second (tiny in the demo), so stage times are reported in policy time.
    time_scale: Decimal = Decimal(1)
    now: Callable[[], datetime] = utcnow
    # The warehouse's cost of receiving and inspecting one return, in the base currency.
    handling_cost: Decimal = Decimal(0)

    def record(self, return_id: str, lines_only: bool = False) -> dict[str, Any]:
        """Write the return's missing ledger lines, and, unless `lines_only` (the return is still open),
        its own counts once."""
        record = self.returns.get(return_id)
        order, _ = self.orders.get(record.order_number)
        where = Dimensions.of(record, order, self.warehouse_country)
        lines: list[LedgerRecord] = []
        line_deltas: dict[str, Deltas] = {}
        entries = [(kind, kind, amount, detail) for kind, amount, detail in ledger_entries(record)]
        if record.inspection and self.handling_cost > 0:
            entries.append(("HANDLING", "HANDLING", -Money.of(self.handling_cost, self.base_currency), {}))
        for line_id, kind, amount, detail in [*entries, *refund_history_entries(record), *adjustment_entries(record)]:
            base, quote = convert(amount, self.base_currency, self.fx)
            rate, fx = quote.rate, {"fx_as_of": quote.as_of.isoformat(), "fx_provider": quote.provider}
            if kind == "REFUND" and order.sale_fx_rate is not None and amount.currency != self.base_currency:
                # Booked at the sale's rate, so that the rate's move since shows as its own line.
                at_sale = amount.convert(self.base_currency, order.sale_fx_rate)
                moved = base - at_sale
                base, rate, fx = at_sale, order.sale_fx_rate, {"fx_provider": "sale"}
                if not moved.is_zero():
                    swing = {"sale_rate": str(order.sale_fx_rate), "refund_rate": str(quote.rate)}
                    fx_as_of = {"fx_as_of": quote.as_of.isoformat()}
                    fx_line = line_id.replace("REFUND", "FX_DIFFERENCE")  # one per refund paid
                    fx_kind = "FX_DIFFERENCE"
                    lines.append(self._line(return_id, fx_line, moved, swing, moved, Decimal(1), fx_as_of, fx_kind))
                    line_deltas[fx_line] = counters.line_deltas(where, [(fx_kind, moved)])
            lines.append(self._line(return_id, line_id, amount, detail, base, rate, fx, kind=kind))
            line_deltas[line_id] = counters.line_deltas(where, [(kind, base)])
        own = None if lines_only else counters.return_deltas(record, order, where, self.time_scale)
        recording = Recording(return_id, lines, line_deltas, own)
        return {"lines_written": self.aggregates.record(recording)}

    def _line(
        self,
        return_id: str,
        line_id: str,
        amount: Money,
        detail: dict[str, Any],
        base: Money,
        rate: Decimal,
        fx: dict[str, Any],
        kind: str | None = None,
    ) -> LedgerRecord:
        return LedgerRecord(
            return_id,
            line_id,
            kind=kind or line_id,
            amount=str(amount.amount),
            currency=amount.currency,
            base_amount=str(base.amount),
            base_currency=base.currency,
            fx_rate=str(rate),
            recorded_at=self.now(),
            detail={**detail, **fx},
        )


def ledger_lines(return_id: str) -> list[dict[str, Any]]:
    """The return's ledger lines. A `memo` line (a restocking fee, return shipping or a condition
    deduction kept back from the refund) explains the REFUND line, which is already net of it: it is not
    added again in `ledger_total`."""
    return [
        {
            "line_id": line.line_id,
            "kind": line.kind,
            "amount": {"amount": line.amount, "currency": line.currency},
            "base_amount": {"amount": line.base_amount, "currency": line.base_currency},
            "fx_rate": line.fx_rate,
            "recorded_at": line.recorded_at.isoformat(),
            "memo": line.kind in counters.DEDUCTION_KINDS,
        }
        for line in LedgerRecord.query(return_id)
    ]


def ledger_total(lines: list[dict[str, Any]], base_currency: str) -> dict[str, str]:
    """What the return took out of (negative) or brought into the seller's account, in the base currency."""
    total = Money.zero(base_currency)
    for line in lines:
        if not line["memo"]:
            total = total + Money.from_json(line["base_amount"])
    return total.to_json()
