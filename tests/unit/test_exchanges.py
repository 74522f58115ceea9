"""What an exchange sends out and what it settles."""

from __future__ import annotations

from decimal import Decimal

from returns_core.domain.exchanges import exchange_terms
from returns_core.domain.orders import Order, Variant
from returns_core.domain.reasons import ReturnReason
from returns_core.domain.refunds import AcceptedItem
from returns_core.money import Money
from tests.unit.unit_factories import make_order, order_line


def _order() -> Order:
    variants = [Variant(sku="JMP-XL", name="XL"), Variant(sku="JMP-CASH", name="Cashmere", unit_price=Decimal("55"))]
    return make_order(order_line("L1", quantity=2, unit_price="40.00", variants=variants))


def test_a_dearer_variant_is_charged_the_difference_per_unit_accepted() -> None:
    terms = exchange_terms(_order(), [AcceptedItem("L1", 2, ReturnReason.DOES_NOT_FIT)], "JMP-CASH")
    assert terms.difference == Money.of("-30.00", "EUR")
    assert (terms.to_charge, terms.to_refund) == (Money.of("30.00", "EUR"), Money.zero("EUR"))
    [line] = terms.lines
    assert (line.quantity, line.replacement_value) == (2, Money.of("110.00", "EUR"))


def test_a_variant_without_its_own_price_costs_what_it_replaces_and_unaccepted_units_are_not_exchanged() -> None:
    accepted = [AcceptedItem("L1", 1, ReturnReason.DOES_NOT_FIT), AcceptedItem("L1", 0, ReturnReason.DOES_NOT_FIT)]
    terms = exchange_terms(_order(), accepted, "JMP-XL")
    assert terms.difference.is_zero()
    assert [line.quantity for line in terms.lines] == [1]
    assert terms.lines[0].returned_value == Money(Decimal("40.00"), "EUR")
