"""Eligibility: each validator alone, then the decision `assess` takes from all of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from returns_core.domain.eligibility import (
    DEFAULT_VALIDATORS,
    Decision,
    EligibilityContext,
    Finding,
    RiskThresholds,
    Severity,
    Validator,
    assess,
    exchange_loop,
    excluded_category,
    high_value,
    lines_exist,
    many_returns_on_order,
    order_email_match,
    quantity_available,
    requested_value,
    restricted_goods,
    serial_returner,
    within_window,
)
from returns_core.domain.orders import Category
from returns_core.domain.policy import POLICIES
from returns_core.domain.reasons import ReturnReason
from returns_core.domain.requests import Resolution
from tests.unit.unit_factories import DELIVERED_AT, ORDERED_AT, make_order, make_request, order_line

R = ReturnReason
A_WEEK_AFTER_DELIVERY = DELIVERED_AT + timedelta(days=7)


def context(**overrides: Any) -> EligibilityContext:
    """A return that passes every rule unless a test says otherwise: one €40 item, EU, a week after delivery."""
    fields: dict[str, Any] = {
        "order": make_order(),
        "request": make_request(),
        "policy": POLICIES["EU"],
        "now": A_WEEK_AFTER_DELIVERY,
        "return_to_country": "DE",
    }
    fields.update(overrides)
    return EligibilityContext(**fields)


def run(validator: Validator, ctx: EligibilityContext) -> list[Finding]:
    return list(validator(ctx))


def codes(findings: list[Finding]) -> list[str]:
    return [finding.code for finding in findings]


def test_the_baseline_return_is_approved_without_findings() -> None:
    assessment = assess(context())
    assert assessment.decision is Decision.APPROVED
    assert assessment.findings == ()


class TestOrderLookup:
    @pytest.mark.parametrize("typed", ["ANA.SILVA@EXAMPLE.COM", "Ana.Silva@Example.com", "ana.silva@example.com"])
    def test_the_email_matches_whatever_its_case(self, typed: str) -> None:
        # Given an order placed as ana.silva@example.com / When the shopper types it in another case
        # Then it matches
        assert run(order_email_match, context(request=make_request(email=typed))) == []

    def test_the_order_email_comparison_ignores_case_and_surrounding_spaces(self) -> None:
        order = make_order(email="Ana.Silva@Example.com")
        assert order.email_matches("  ana.silva@EXAMPLE.com ")
        assert not order.email_matches("ana.silva@example.co")

    def test_another_email_looks_exactly_like_an_unknown_order(self) -> None:
        # Given someone else's email / When they look the order up
        findings = run(order_email_match, context(request=make_request(email="mallory@example.com")))
        # Then the answer does not reveal that the order exists
        assert codes(findings) == ["ORDER_NOT_FOUND"]
        assert findings[0].severity is Severity.INPUT_ERROR
        assert assess(context(request=make_request(email="mallory@example.com"))).decision is Decision.REJECTED

    def test_a_line_the_order_does_not_have_is_an_input_error(self) -> None:
        findings = run(lines_exist, context(request=make_request(("L9", 1, R.CHANGED_MIND))))
        assert codes(findings) == ["UNKNOWN_LINE"]
        assert findings[0].line_id == "L9"
        assert findings[0].severity is Severity.INPUT_ERROR


class TestQuantity:
    def test_units_already_returned_cannot_be_returned_again(self) -> None:
        # Given three mugs of which two are already on earlier returns
        order = make_order(order_line("L1", quantity=3))
        # When the shopper asks to return two more
        findings = run(
            quantity_available,
            context(order=order, request=make_request(("L1", 2, R.CHANGED_MIND)), already_returned={"L1": 2}),
        )
        # Then they are told only one is left
        assert codes(findings) == ["QUANTITY_EXCEEDED"]
        assert "Only 1 " in findings[0].message
        assert findings[0].severity is Severity.INPUT_ERROR

    def test_the_remaining_units_can_be_returned(self) -> None:
        order = make_order(order_line("L1", quantity=3))
        ctx = context(order=order, request=make_request(("L1", 1, R.CHANGED_MIND)), already_returned={"L1": 2})
        assert run(quantity_available, ctx) == []

    def test_more_than_was_bought_is_refused(self) -> None:
        order = make_order(order_line("L1", quantity=1))
        findings = run(quantity_available, context(order=order, request=make_request(("L1", 2, R.CHANGED_MIND))))
        assert codes(findings) == ["QUANTITY_EXCEEDED"]

    def test_everything_already_returned_says_none_left_never_a_negative_number(self) -> None:
        order = make_order(order_line("L1", quantity=1))
        findings = run(quantity_available, context(order=order, already_returned={"L1": 5}))
        assert "Only 0 " in findings[0].message


class TestReturnWindow:
    def test_within_the_window_is_fine(self) -> None:
        assert run(within_window, context(now=DELIVERED_AT + timedelta(days=13))) == []

    def test_the_last_moment_of_the_window_is_still_inside(self) -> None:
        assert run(within_window, context(now=DELIVERED_AT + timedelta(days=14))) == []

    def test_after_the_window_a_change_of_mind_is_rejected_with_the_end_date(self) -> None:
        # Given an EU order delivered on 1 March / When the shopper asks on 20 March
        findings = run(within_window, context(now=datetime(2026, 3, 20, 12, tzinfo=UTC)))
        # Then the return is rejected and the shopper is told when the window ended
        assert codes(findings) == ["WINDOW_PASSED"]
        assert findings[0].severity is Severity.REJECT
        assert "14-day" in findings[0].message
        assert "2026-03-15" in findings[0].message
        assert findings[0].line_id == "L1"

    def test_the_window_counts_from_delivery_not_from_the_order(self) -> None:
        # Given an order placed on 1 January but delivered only on 1 March
        order = make_order(ordered_at=datetime(2026, 1, 1, tzinfo=UTC), delivered_at=DELIVERED_AT)
        # When the shopper asks ten days after delivery (70 days after ordering) / Then the window is open
        assert run(within_window, context(order=order, now=DELIVERED_AT + timedelta(days=10))) == []

    def test_an_order_not_yet_delivered_is_not_rejected_for_the_window(self) -> None:
        # Given an order the carrier never reported delivered
        order = make_order(delivered_at=None)
        # When the shopper asks long after ordering / Then the window has not started, so it has not passed
        assert run(within_window, context(order=order, now=ORDERED_AT + timedelta(days=400))) == []

    @pytest.mark.parametrize("reason", [R.DEFECTIVE, R.WRONG_ITEM, R.NOT_AS_DESCRIBED, R.DAMAGED_IN_TRANSIT])
    def test_faulty_goods_use_the_longer_fault_window(self, reason: ReturnReason) -> None:
        # Given a fault found six months after delivery (the EU change-of-mind window is long closed)
        ctx = context(request=make_request(("L1", 1, reason)), now=DELIVERED_AT + timedelta(days=180))
        # Then the statutory guarantee still applies
        assert run(within_window, ctx) == []

    def test_the_fault_window_also_ends(self) -> None:
        ctx = context(request=make_request(("L1", 1, R.DEFECTIVE)), now=DELIVERED_AT + timedelta(days=731))
        findings = run(within_window, ctx)
        assert codes(findings) == ["WINDOW_PASSED"]
        assert "730-day" in findings[0].message

    def test_only_the_late_change_of_mind_line_is_rejected_in_a_mixed_return(self) -> None:
        order = make_order(order_line("L1"), order_line("L2"))
        request = make_request(("L1", 1, R.CHANGED_MIND), ("L2", 1, R.DEFECTIVE))
        findings = run(within_window, context(order=order, request=request, now=DELIVERED_AT + timedelta(days=30)))
        assert [(f.code, f.line_id) for f in findings] == [("WINDOW_PASSED", "L1")]

    def test_japan_gives_only_8_days(self) -> None:
        order = make_order(country="JP", currency="JPY", shipping_paid="0")
        ctx = context(order=order, policy=POLICIES["JP"], now=DELIVERED_AT + timedelta(days=9))
        assert codes(run(within_window, ctx)) == ["WINDOW_PASSED"]

    def test_the_last_day_of_the_eu_window_is_open_all_day(self) -> None:
        # Given an EU order delivered on 1 March at 10:00 UTC
        # When the shopper asks on 15 March at 18:00 UTC (still 15 March in every EU time zone)
        findings = run(within_window, context(now=datetime(2026, 3, 15, 18, tzinfo=UTC)))
        # Then the return is not rejected: the 14th day after delivery has not ended yet
        assert findings == []


class TestExcludedCategories:
    def test_a_hygiene_sealed_item_cannot_come_back_for_a_change_of_mind_in_the_eu(self) -> None:
        order = make_order(order_line("L1", categories={Category.HYGIENE_SEALED}))
        findings = run(excluded_category, context(order=order))
        assert codes(findings) == ["EXCLUDED_CATEGORY"]
        assert findings[0].severity is Severity.REJECT
        assert "hygiene" in findings[0].message

    def test_a_faulty_excluded_item_can_always_come_back(self) -> None:
        order = make_order(order_line("L1", categories={Category.HYGIENE_SEALED}))
        assert run(excluded_category, context(order=order, request=make_request(("L1", 1, R.DEFECTIVE)))) == []

    def test_final_sale_is_excluded_in_the_us_but_not_in_the_eu(self) -> None:
        order = make_order(order_line("L1", categories={Category.FINAL_SALE}))
        assert run(excluded_category, context(order=order, policy=POLICIES["EU"])) == []
        assert codes(run(excluded_category, context(order=order, policy=POLICIES["US"]))) == ["EXCLUDED_CATEGORY"]


class TestRisk:
    def test_a_high_value_return_goes_to_review(self) -> None:
        order = make_order(order_line("L1", unit_price="500.00"))
        findings = run(high_value, context(order=order))
        assert codes(findings) == ["HIGH_VALUE"]
        assert findings[0].severity is Severity.REVIEW

    def test_the_value_counts_every_requested_unit(self) -> None:
        order = make_order(order_line("L1", quantity=3, unit_price="200.00"))
        request = make_request(("L1", 3, R.CHANGED_MIND))
        assert requested_value(order, request).amount == Decimal("600.00")
        assert codes(run(high_value, context(order=order, request=request))) == ["HIGH_VALUE"]
        assert run(high_value, context(order=order, request=make_request(("L1", 2, R.CHANGED_MIND)))) == []

    def test_value_is_compared_in_the_base_currency(self) -> None:
        # Given a ¥70,000 order, a USD 500 threshold and 0.0066 USD per yen (≈ USD 462)
        order = make_order(order_line("L1", unit_price="70000"), country="JP", currency="JPY", shipping_paid="0")
        risk = RiskThresholds(review_value=Decimal(500), to_base_rate=Decimal("0.0066"))
        # When assessed / Then the yen amount is converted first: no review
        assert run(high_value, context(order=order, policy=POLICIES["JP"], risk=risk)) == []
        # And ¥80,000 (≈ USD 528) does go to review
        pricier = make_order(order_line("L1", unit_price="80000"), country="JP", currency="JPY", shipping_paid="0")
        assert codes(run(high_value, context(order=pricier, policy=POLICIES["JP"], risk=risk))) == ["HIGH_VALUE"]

    def test_many_returns_on_one_order_go_to_review(self) -> None:
        assert run(many_returns_on_order, context(returns_on_order=1)) == []
        assert codes(run(many_returns_on_order, context(returns_on_order=2))) == ["MANY_RETURNS_ON_ORDER"]

    def test_a_shopper_with_many_recent_returns_on_other_orders_goes_to_review(self) -> None:
        # Given a shopper with two, then three, other returns in the last 90 days
        # Then the third tips the return into a review, saying how many and over how long
        assert run(serial_returner, context(shopper_recent_returns=2)) == []
        [finding] = run(serial_returner, context(shopper_recent_returns=3))
        assert (finding.code, finding.params) == ("SERIAL_RETURNER", {"count": 3, "days": 90})
        stricter = RiskThresholds(serial_returns=1, serial_window_days=30)
        assert codes(run(serial_returner, context(shopper_recent_returns=1, risk=stricter))) == ["SERIAL_RETURNER"]

    def test_an_exchange_that_swaps_back_what_an_earlier_exchange_gave_away_goes_to_review(self) -> None:
        # Given a shopper who exchanged SKU-X for SKU-L1 before, now exchanging SKU-L1 for SKU-X
        back = make_request().model_copy(update={"resolution": Resolution.EXCHANGE, "exchange_sku": "SKU-X"})
        [finding] = run(exchange_loop, context(request=back, shopper_recent_exchanges=(("SKU-X", "SKU-L1"),)))
        # Then it is held, on that line
        assert (finding.code, finding.line_id) == ("EXCHANGE_LOOP", "L1")
        # And an exchange for something else, or a refund, is not
        other = back.model_copy(update={"exchange_sku": "SKU-Y"})
        assert run(exchange_loop, context(request=other, shopper_recent_exchanges=(("SKU-X", "SKU-L1"),))) == []
        assert run(exchange_loop, context(shopper_recent_exchanges=(("SKU-X", "SKU-L1"),) * 5)) == []

    def test_a_shopper_who_keeps_exchanging_goes_to_review(self) -> None:
        exchange = make_request().model_copy(update={"resolution": Resolution.EXCHANGE, "exchange_sku": "SKU-Y"})
        swaps = (("A", "B"), ("C", "D"))
        assert run(exchange_loop, context(request=exchange, shopper_recent_exchanges=swaps)) == []
        [finding] = run(exchange_loop, context(request=exchange, shopper_recent_exchanges=(*swaps, ("E", "F"))))
        assert (finding.code, finding.params) == ("EXCHANGE_LOOP", {"count": 3, "days": 90})

    def test_batteries_crossing_a_customs_border_go_to_review(self) -> None:
        # Given a US shopper returning a power bank to the warehouse in Germany
        order = make_order(order_line("L1", categories={Category.BATTERY}, origin_country="US"), country="US")
        findings = run(restricted_goods, context(order=order, policy=POLICIES["US"], return_to_country="DE"))
        # Then a person checks the route before a label is bought
        assert codes(findings) == ["RESTRICTED_GOODS"]
        assert findings[0].severity is Severity.REVIEW
        assert findings[0].line_id == "L1"

    def test_batteries_returned_inside_the_country_need_no_review(self) -> None:
        # Given a German shopper returning a power bank made in China to the German warehouse
        order = make_order(order_line("L1", categories={Category.BATTERY}, origin_country="CN"), country="DE")
        # Then the return lane is domestic, wherever the item was made
        assert run(restricted_goods, context(order=order, return_to_country="DE")) == []

    def test_items_without_batteries_cross_borders_freely(self) -> None:
        order = make_order(order_line("L1"), country="US")
        assert run(restricted_goods, context(order=order, policy=POLICIES["US"], return_to_country="DE")) == []


class TestDecision:
    def test_a_review_finding_alone_means_review(self) -> None:
        assessment = assess(context(returns_on_order=5))
        assert assessment.decision is Decision.REVIEW
        assert assessment.input_errors == ()

    def test_a_rejection_wins_over_a_review(self) -> None:
        order = make_order(order_line("L1", unit_price="900.00"))
        assessment = assess(context(order=order, now=DELIVERED_AT + timedelta(days=30)))
        assert assessment.decision is Decision.REJECTED
        assert set(codes(list(assessment.findings))) == {"WINDOW_PASSED", "HIGH_VALUE"}

    def test_input_errors_reject_and_are_listed_apart(self) -> None:
        request = make_request(("L1", 1, R.CHANGED_MIND), ("L9", 1, R.CHANGED_MIND))
        assessment = assess(context(request=request, returns_on_order=5))
        assert assessment.decision is Decision.REJECTED
        assert [f.code for f in assessment.input_errors] == ["UNKNOWN_LINE"]

    def test_only_the_validators_passed_are_run(self) -> None:
        # Given a late return / When only the risk validators run / Then the window is not the reason to stop
        ctx = context(now=DELIVERED_AT + timedelta(days=30))
        assert assess(ctx, [high_value, many_returns_on_order]).decision is Decision.APPROVED
        assert assess(ctx, DEFAULT_VALIDATORS).decision is Decision.REJECTED
