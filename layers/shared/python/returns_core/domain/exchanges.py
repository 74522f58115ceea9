"""An exchange: the accepted items go back, the chosen variant goes out, and the price difference is
refunded (a cheaper variant) or left for the seller's order system to charge (a dearer one).

An exchange is valued at the items' prices: the restocking fee and return shipping apply to refunds,
not to a shopper who stays with the seller.
"""

from __future__ import annotations

from dataclasses import dataclass

from returns_core.domain.orders import Order
from returns_core.domain.refunds import AcceptedItem
from returns_core.money import Money


@dataclass(frozen=True)
class ReplacementLine:
    line_id: str
    returned_sku: str
    replacement_sku: str
    quantity: int
    returned_value: Money
    replacement_value: Money


@dataclass(frozen=True)
class ExchangeTerms:
    lines: tuple[ReplacementLine, ...]
    # Positive: the shopper gets this back; negative: the seller charges it.
    difference: Money

    @property
    def to_refund(self) -> Money:
        return self.difference.max(Money.zero(self.difference.currency))

    @property
    def to_charge(self) -> Money:
        return (-self.difference).max(Money.zero(self.difference.currency))


def exchange_terms(order: Order, accepted: list[AcceptedItem], replacement_sku: str) -> ExchangeTerms:
    """What goes out for the accepted units, and the difference; a variant without its own price costs
    what the line it replaces cost."""
    variant_price = next(
        (
            variant.unit_price
            for line in order.lines
            for variant in line.variants
            if variant.sku == replacement_sku and variant.unit_price is not None
        ),
        None,
    )
    lines = []
    difference = Money.zero(order.currency)
    for item in accepted:
        line = order.line(item.line_id)
        if line is None or item.quantity <= 0:
            continue
        returned = order.unit_price(line) * item.quantity
        unit = Money(variant_price, order.currency) if variant_price is not None else order.unit_price(line)
        replacement = unit * item.quantity
        lines.append(ReplacementLine(line.line_id, line.sku, replacement_sku, item.quantity, returned, replacement))
        difference = difference + returned - replacement
    return ExchangeTerms(tuple(lines), difference)
