"""How much a return refunds, line by line, in the currency the shopper paid."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from returns_core.domain.orders import Order
from returns_core.domain.policy import MarketPolicy, Payer
from returns_core.domain.reasons import ReturnReason, is_seller_fault
from returns_core.money import Money


@dataclass(frozen=True)
class AcceptedItem:
    line_id: str
    quantity: int
    reason: ReturnReason
    # Kept back for the accepted units' diminished value (damaged or used by the shopper), per inspection.
    deduction_percent: Decimal = Decimal(0)


@dataclass(frozen=True)
class RefundBreakdown:
    items: Money
    restocking_fee: Money
    return_shipping: Money
    condition_deduction: Money
    outbound_shipping: Money
    capped_by: Money | None  # set when the total hit what is left of the order's payment
    total: Money

    def to_json(self) -> dict[str, object]:
        return {
            "items": self.items.to_json(),
            "restocking_fee": self.restocking_fee.to_json(),
            "return_shipping": self.return_shipping.to_json(),
            "condition_deduction": self.condition_deduction.to_json(),
            "outbound_shipping": self.outbound_shipping.to_json(),
            "capped_by": self.capped_by.to_json() if self.capped_by else None,
            "total": self.total.to_json(),
        }


def order_total(order: Order) -> Money:
    paid = Money.of(order.shipping_paid, order.currency)
    for line in order.lines:
        paid = paid + order.unit_price(line) * line.quantity
    return paid


def compute_refund(
    order: Order,
    accepted: list[AcceptedItem],
    policy: MarketPolicy,
    label_cost: Money | None,
    already_refunded: Money,
    returned_before: dict[str, int],
) -> RefundBreakdown:
    """`label_cost` is the return label in the order's currency (None for a returnless refund);
    `returned_before` counts units of each line accepted on earlier returns of the order."""
    zero = Money.zero(order.currency)
    items = zero
    change_of_mind = zero
    condition = zero
    for item in accepted:
        line = order.line(item.line_id)
        if line is None or item.quantity <= 0:
            continue
        amount = order.unit_price(line) * item.quantity
        items = items + amount
        if not is_seller_fault(item.reason):
            change_of_mind = change_of_mind + amount
            # A faulty item's condition is the seller's problem: only change-of-mind items are deducted.
            if item.deduction_percent > 0:
                condition = condition + amount.percent(
                    min(item.deduction_percent, policy.condition_deduction_max_percent)
                )

    restocking_fee = change_of_mind.percent(policy.restocking_fee_percent)
    shopper_pays_shipping = (
        policy.return_shipping_paid_by is Payer.SHOPPER
        and label_cost is not None
        and any(not is_seller_fault(item.reason) for item in accepted if item.quantity > 0)
    )
    return_shipping = label_cost.min(change_of_mind) if shopper_pays_shipping and label_cost else zero

    # The standard outbound delivery is refunded when the whole order comes back (EU Art. 13).
    accepted_units = {item.line_id: item.quantity for item in accepted}
    whole_order = all(
        accepted_units.get(line.line_id, 0) + returned_before.get(line.line_id, 0) >= line.quantity
        for line in order.lines
    )
    outbound = (
        Money.of(order.shipping_paid, order.currency) if policy.refund_outbound_shipping and whole_order else zero
    )

    # The restocking fee and the condition deduction together never keep back more than the items.
    condition = condition.min((change_of_mind - restocking_fee).max(zero))
    gross = items - restocking_fee - return_shipping - condition + outbound
    gross = gross.max(zero)
    remaining = (order_total(order) - already_refunded).max(zero)
    capped_by = remaining if gross > remaining else None
    return RefundBreakdown(items, restocking_fee, return_shipping, condition, outbound, capped_by, gross.min(remaining))
