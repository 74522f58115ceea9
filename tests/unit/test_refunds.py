"""How much a return refunds, in the currency the shopper paid."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from returns_core.domain.orders import Order
from returns_core.domain.policy import POLICIES, MarketPolicy, Payer
from returns_core.domain.reasons import ReturnReason, is_seller_fault
from returns_core.domain.refunds import AcceptedItem, RefundBreakdown, compute_refund, order_total
from returns_core.money import CurrencyMismatch, Money
from tests.unit.unit_factories import make_order, order_line

R = ReturnReason
EU, UK, US, JP, AU = (POLICIES[m] for m in ("EU", "UK", "US", "JP", "AU"))


def two_line_order(country: str = "DE", currency: str = "EUR") -> Order:
    """Two jumpers at 40.00 and a scarf at 20.00, plus 5.00 outbound shipping: 105.00 in all."""
    return make_order(
        order_line("L1", quantity=2, unit_price="40.00"),
        order_line("L2", quantity=1, unit_price="20.00"),
        country=country,
        currency=currency,
        shipping_paid="5.00",
    )


def refund(
    order: Order,
    accepted: list[AcceptedItem],
    policy: MarketPolicy,
    label: str | None = "6.50",
    already_refunded: str = "0",
    returned_before: dict[str, int] | None = None,
) -> RefundBreakdown:
    return compute_refund(
        order,
        accepted,
        policy,
        Money.of(label, order.currency) if label is not None else None,
        Money.of(already_refunded, order.currency),
        returned_before or {},
    )


def money(amount: str, currency: str = "EUR") -> Money:
    return Money.of(amount, currency)


def test_the_order_total_includes_outbound_shipping() -> None:
    assert order_total(two_line_order()) == money("105.00")


class TestReturnShipping:
    def test_a_change_of_mind_in_the_eu_pays_for_its_own_label(self) -> None:
        # Given an EU shopper who changed their mind about one jumper, with a €6.50 label
        breakdown = refund(two_line_order(), [AcceptedItem("L1", 1, R.CHANGED_MIND)], EU)
        # Then the label is deducted, and nothing else
        assert breakdown.items == money("40.00")
        assert breakdown.restocking_fee == money("0.00")
        assert breakdown.return_shipping == money("6.50")
        assert breakdown.outbound_shipping == money("0.00")
        assert breakdown.total == money("33.50")
        assert breakdown.capped_by is None

    @pytest.mark.parametrize("reason", [R.DEFECTIVE, R.WRONG_ITEM, R.DAMAGED_IN_TRANSIT])
    def test_the_shopper_never_pays_to_return_a_fault(self, reason: ReturnReason) -> None:
        breakdown = refund(two_line_order(), [AcceptedItem("L1", 1, reason)], EU)
        assert breakdown.return_shipping == money("0.00")
        assert breakdown.total == money("40.00")

    def test_a_returnless_refund_charges_no_shipping(self) -> None:
        # Given the seller let the shopper keep the item (no label bought)
        breakdown = refund(two_line_order(), [AcceptedItem("L1", 1, R.CHANGED_MIND)], EU, label=None)
        assert breakdown.return_shipping == money("0.00")
        assert breakdown.total == money("40.00")

    def test_where_the_seller_pays_shipping_the_label_is_not_deducted(self) -> None:
        order = two_line_order(country="US", currency="USD")
        breakdown = refund(order, [AcceptedItem("L1", 1, R.CHANGED_MIND)], US)
        assert breakdown.return_shipping == money("0.00", "USD")
        assert breakdown.total == money("40.00", "USD")


class TestRestockingFee:
    def test_a_change_of_mind_in_australia_pays_the_restocking_fee(self) -> None:
        order = two_line_order(country="AU", currency="AUD")
        breakdown = refund(order, [AcceptedItem("L1", 1, R.CHANGED_MIND)], AU)
        assert breakdown.restocking_fee == money("4.00", "AUD")  # 10 % of 40.00
        assert breakdown.total == money("29.50", "AUD")  # 40.00 - 4.00 - 6.50

    def test_a_fault_pays_no_restocking_fee(self) -> None:
        order = two_line_order(country="AU", currency="AUD")
        breakdown = refund(order, [AcceptedItem("L1", 1, R.DEFECTIVE)], AU)
        assert breakdown.restocking_fee == money("0.00", "AUD")
        assert breakdown.total == money("40.00", "AUD")

    def test_in_a_mixed_return_the_fee_is_charged_on_the_change_of_mind_items_only(self) -> None:
        order = two_line_order(country="AU", currency="AUD")
        breakdown = refund(order, [AcceptedItem("L1", 1, R.DEFECTIVE), AcceptedItem("L2", 1, R.CHANGED_MIND)], AU)
        assert breakdown.items == money("60.00", "AUD")
        assert breakdown.restocking_fee == money("2.00", "AUD")  # 10 % of the 20.00 scarf


class TestOutboundShipping:
    def test_the_whole_order_coming_back_in_the_eu_refunds_the_outbound_delivery(self) -> None:
        accepted = [AcceptedItem("L1", 2, R.CHANGED_MIND), AcceptedItem("L2", 1, R.CHANGED_MIND)]
        breakdown = refund(two_line_order(), accepted, EU)
        assert breakdown.outbound_shipping == money("5.00")
        assert breakdown.total == money("98.50")  # 100.00 - 6.50 + 5.00

    def test_the_uk_follows_the_same_rule(self) -> None:
        order = two_line_order(country="GB", currency="GBP")
        accepted = [AcceptedItem("L1", 2, R.CHANGED_MIND), AcceptedItem("L2", 1, R.CHANGED_MIND)]
        assert refund(order, accepted, UK).outbound_shipping == money("5.00", "GBP")

    def test_the_last_of_several_returns_completes_the_order_and_gets_the_outbound_delivery(self) -> None:
        # Given both jumpers came back earlier (€80 refunded) / When the scarf comes back
        breakdown = refund(
            two_line_order(),
            [AcceptedItem("L2", 1, R.CHANGED_MIND)],
            EU,
            already_refunded="80.00",
            returned_before={"L1": 2},
        )
        # Then the outbound delivery is refunded with it
        assert breakdown.outbound_shipping == money("5.00")
        assert breakdown.total == money("18.50")  # 20.00 - 6.50 + 5.00

    def test_part_of_the_order_does_not_refund_the_outbound_delivery(self) -> None:
        accepted = [AcceptedItem("L1", 1, R.CHANGED_MIND), AcceptedItem("L2", 1, R.CHANGED_MIND)]
        assert refund(two_line_order(), accepted, EU).outbound_shipping == money("0.00")

    @pytest.mark.parametrize(("policy", "country", "currency"), [(US, "US", "USD"), (AU, "AU", "AUD")])
    def test_outside_the_eu_and_uk_the_outbound_delivery_is_not_refunded(
        self, policy: MarketPolicy, country: str, currency: str
    ) -> None:
        accepted = [AcceptedItem("L1", 2, R.DEFECTIVE), AcceptedItem("L2", 1, R.DEFECTIVE)]
        breakdown = refund(two_line_order(country, currency), accepted, policy)
        assert breakdown.outbound_shipping == money("0.00", currency)
        assert breakdown.total == money("100.00", currency)


class TestConditionDeduction:
    def test_an_item_the_shopper_damaged_is_refunded_less_its_diminished_value(self) -> None:
        # Given a jumper returned out of a change of mind, with a stain that costs 25 % of its value
        damaged = AcceptedItem("L1", 1, R.CHANGED_MIND, deduction_percent=Decimal(25))
        # When the refund is computed (the EU shopper pays her own label)
        breakdown = refund(two_line_order(), [damaged], EU)
        # Then 10.00 of the 40.00 is kept back, beside the label
        assert breakdown.condition_deduction == money("10.00")
        assert breakdown.total == money("23.50")

    def test_a_faulty_item_is_never_deducted_for_its_condition(self) -> None:
        faulty = AcceptedItem("L1", 1, R.DEFECTIVE, deduction_percent=Decimal(50))
        breakdown = refund(two_line_order(), [faulty], EU)
        assert breakdown.condition_deduction == money("0.00")
        assert breakdown.total == money("40.00")

    def test_the_deduction_never_goes_beyond_the_markets_cap(self) -> None:
        from dataclasses import replace

        capped = replace(EU, condition_deduction_max_percent=Decimal(10))
        breakdown = refund(two_line_order(), [AcceptedItem("L1", 2, R.CHANGED_MIND, Decimal(60))], capped, label=None)
        assert breakdown.condition_deduction == money("8.00")

    def test_fee_and_deduction_together_never_keep_back_more_than_the_item(self) -> None:
        # Given an Australian change of mind (10 % restocking) on an item written off entirely
        order = two_line_order("AU", "AUD")
        breakdown = refund(order, [AcceptedItem("L2", 1, R.CHANGED_MIND, Decimal(100))], AU, label=None)
        # Then the restocking fee and the deduction add up to the item's price, and nothing is refunded
        assert breakdown.restocking_fee + breakdown.condition_deduction == money("20.00", "AUD")
        assert breakdown.total.is_zero()


class TestLimits:
    def test_the_refund_is_capped_at_what_is_left_of_the_payment(self) -> None:
        # Given €90 already refunded on a €105 order / When a faulty whole order is refunded (€105 gross)
        accepted = [AcceptedItem("L1", 2, R.DEFECTIVE), AcceptedItem("L2", 1, R.DEFECTIVE)]
        breakdown = refund(two_line_order(), accepted, EU, already_refunded="90.00")
        # Then only the €15 left is paid, and the cap is recorded
        assert breakdown.total == money("15.00")
        assert breakdown.capped_by == money("15.00")

    def test_nothing_left_to_refund_means_zero(self) -> None:
        breakdown = refund(two_line_order(), [AcceptedItem("L1", 1, R.DEFECTIVE)], EU, already_refunded="105.00")
        assert breakdown.total == money("0.00")

    def test_the_refund_is_never_negative(self) -> None:
        # Given a €5 item returned for a change of mind in Australia with a €12 label and a 10 % fee
        order = make_order(order_line("L1", unit_price="5.00"), country="AU", currency="AUD")
        breakdown = refund(order, [AcceptedItem("L1", 1, R.CHANGED_MIND)], AU, label="12.00")
        # Then shipping is capped at the item's value and the shopper never owes money
        assert breakdown.return_shipping == money("5.00", "AUD")
        assert breakdown.total == money("0.00", "AUD")

    def test_unknown_lines_and_zero_quantities_refund_nothing(self) -> None:
        accepted = [AcceptedItem("L9", 1, R.CHANGED_MIND), AcceptedItem("L1", 0, R.CHANGED_MIND)]
        breakdown = refund(two_line_order(), accepted, EU)
        assert breakdown.items == money("0.00")
        assert breakdown.return_shipping == money("0.00")
        assert breakdown.total == money("0.00")


class TestCurrency:
    def test_a_yen_order_is_refunded_in_whole_yen(self) -> None:
        order = make_order(order_line("L1", unit_price="3980"), country="JP", currency="JPY", shipping_paid="0")
        breakdown = refund(order, [AcceptedItem("L1", 1, R.CHANGED_MIND)], JP, label="1200")
        assert breakdown.total == money("2780", "JPY")
        assert breakdown.to_json()["total"] == {"amount": "2780", "currency": "JPY"}

    def test_a_label_priced_in_another_currency_must_be_converted_first(self) -> None:
        # Given a euro order and a label still in dollars / Then no refund is computed in the wrong currency
        with pytest.raises(CurrencyMismatch):
            compute_refund(
                two_line_order(),
                [AcceptedItem("L1", 1, R.CHANGED_MIND)],
                EU,
                Money.of("7.00", "USD"),
                Money.zero("EUR"),
                {},
            )

    def test_earlier_refunds_must_be_in_the_order_currency(self) -> None:
        with pytest.raises(CurrencyMismatch):
            compute_refund(two_line_order(), [AcceptedItem("L1", 1, R.DEFECTIVE)], EU, None, Money.zero("USD"), {})

    def test_the_breakdown_serialises_every_part(self) -> None:
        data = refund(two_line_order(), [AcceptedItem("L1", 1, R.CHANGED_MIND)], EU).to_json()
        assert data == {
            "items": {"amount": "40.00", "currency": "EUR"},
            "restocking_fee": {"amount": "0.00", "currency": "EUR"},
            "return_shipping": {"amount": "6.50", "currency": "EUR"},
            "condition_deduction": {"amount": "0.00", "currency": "EUR"},
            "outbound_shipping": {"amount": "0.00", "currency": "EUR"},
            "capped_by": None,
            "total": {"amount": "33.50", "currency": "EUR"},
        }


prices = st.decimals(min_value=0, max_value=500, places=2)


@st.composite
def refund_cases(
    draw: st.DrawFn,
) -> tuple[Order, list[AcceptedItem], MarketPolicy, Money | None, Money, dict[str, int]]:
    market = draw(st.sampled_from(["EU", "UK", "US", "JP", "AU"]))
    currency = draw(st.sampled_from(["EUR", "JPY", "KWD", "USD"]))
    quantities = draw(st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=3))
    lines = [
        order_line(f"L{i}", quantity=qty, unit_price=str(draw(prices))) for i, qty in enumerate(quantities, start=1)
    ]
    order = make_order(*lines, currency=currency, shipping_paid=str(draw(prices)))
    accepted: list[AcceptedItem] = []
    returned_before: dict[str, int] = {}
    for line in lines:
        before = draw(st.integers(min_value=0, max_value=line.quantity))
        now = draw(st.integers(min_value=0, max_value=line.quantity - before))
        returned_before[line.line_id] = before
        if now:
            reason = ReturnReason(draw(st.sampled_from([r.value for r in ReturnReason])))
            accepted.append(AcceptedItem(line.line_id, now, reason))
    label = draw(st.none() | prices.map(lambda p: Money(p, currency)))
    paid = order_total(order).amount
    already = Money(draw(st.decimals(min_value=0, max_value=paid * Decimal("1.2"), places=2)), currency)
    return order, accepted, POLICIES[market], label, already, returned_before


@settings(deadline=None)
@given(case=refund_cases())
def test_a_refund_never_exceeds_what_is_left_of_the_payment(
    case: tuple[Order, list[AcceptedItem], MarketPolicy, Money | None, Money, dict[str, int]],
) -> None:
    order, accepted, policy, label, already, returned_before = case
    breakdown = compute_refund(order, accepted, policy, label, already, returned_before)
    zero = Money.zero(order.currency)
    # Never more than was paid and not yet refunded, never negative, always in the order's currency
    assert breakdown.total <= (order_total(order) - already).max(zero)
    assert breakdown.total >= zero
    for part in (breakdown.items, breakdown.restocking_fee, breakdown.return_shipping, breakdown.outbound_shipping):
        assert part.currency == order.currency
        assert part >= zero
    # Deductions only for the shopper's own choices
    if all(is_seller_fault(item.reason) for item in accepted):
        assert breakdown.restocking_fee.is_zero()
        assert breakdown.return_shipping.is_zero()
    if label is None or policy.return_shipping_paid_by is Payer.SELLER:
        assert breakdown.return_shipping.is_zero()
    if not policy.refund_outbound_shipping:
        assert breakdown.outbound_shipping.is_zero()
    # And never more than the goods plus their delivery
    assert breakdown.total <= breakdown.items + breakdown.outbound_shipping
