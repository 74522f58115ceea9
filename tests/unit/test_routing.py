"""Route planning: the cheapest service allowed to carry the parcel, or a returnless refund."""

from __future__ import annotations

from decimal import Decimal

import pytest

from returns_core.domain.reasons import ReturnReason
from returns_core.domain.routing import NoAllowedService, RouteChoice, plan_route, recovery_value
from returns_core.money import Money
from returns_core.ports.carriers import Rate

EUR_ONLY = {"EUR": Decimal(1)}


def rate(service: str, price: str, currency: str = "EUR", days: int = 3, batteries: bool = False) -> Rate:
    return Rate(
        carrier="sandbox",
        service=service,
        price=Money.of(price, currency),
        transit_days=days,
        carries_batteries=batteries,
        rate_id=f"rate-{service}",
    )


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


class TestRecoveryValue:
    def test_a_change_of_mind_item_is_worth_more_back_than_a_faulty_one(self) -> None:
        assert recovery_value([(eur("100.00"), ReturnReason.CHANGED_MIND)]) == eur("60.00")
        assert recovery_value([(eur("100.00"), ReturnReason.DEFECTIVE)]) == eur("10.00")
        assert recovery_value(
            [(eur("100.00"), ReturnReason.DOES_NOT_FIT), (eur("50.00"), ReturnReason.WRONG_ITEM)]
        ) == eur("65.00")


class TestPlanRoute:
    def test_the_cheapest_allowed_service_is_chosen_and_the_others_recorded(self) -> None:
        # Given express listed first and economy cheaper
        express, economy = rate("EXPRESS", "14.00", days=2), rate("ECONOMY", "8.00", days=5)
        # When the route is planned for a €60 recovery
        plan = plan_route(
            [express, economy], contains_batteries=False, recovery=eur("60.00"), to_order_currency=EUR_ONLY
        )
        # Then economy is bought and express kept as the alternative
        assert plan.choice is RouteChoice.SHIP
        assert plan.rate == economy
        assert plan.label_cost == eur("8.00")
        assert plan.alternatives == (express,)

    def test_prices_are_compared_in_the_order_currency(self) -> None:
        # Given £10 (= €11.70) and €11.00 / When planned for a euro order / Then the euro rate is cheaper
        in_gbp, in_eur = rate("GB-POST", "10.00", "GBP"), rate("EU-POST", "11.00", "EUR")
        plan = plan_route(
            [in_gbp, in_eur],
            contains_batteries=False,
            recovery=eur("60.00"),
            to_order_currency={"GBP": Decimal("1.17"), "EUR": Decimal(1)},
        )
        assert plan.rate == in_eur
        # And a label bought in dollars is recorded in the order's currency
        in_usd = rate("US-POST", "10.00", "USD")
        plan = plan_route([in_usd], False, eur("60.00"), {"USD": Decimal("0.926")})
        assert plan.label_cost == eur("9.26")

    def test_equal_prices_prefer_the_faster_service(self) -> None:
        slow, fast = rate("SLOW", "9.00", days=6), rate("FAST", "9.00", days=2)
        plan = plan_route([slow, fast], contains_batteries=False, recovery=eur("60.00"), to_order_currency=EUR_ONLY)
        assert plan.rate == fast

    def test_batteries_only_travel_on_services_that_carry_them(self) -> None:
        # Given a cheap economy service that refuses batteries and a dearer one that takes them
        economy, express = rate("ECONOMY", "8.00"), rate("EXPRESS", "15.00", batteries=True)
        # When the parcel holds batteries / Then the dearer service is bought
        plan = plan_route(
            [economy, express], contains_batteries=True, recovery=eur("60.00"), to_order_currency=EUR_ONLY
        )
        assert plan.rate == express
        assert economy not in plan.alternatives

    def test_no_service_for_batteries_is_an_error_not_a_cheaper_forbidden_label(self) -> None:
        with pytest.raises(NoAllowedService):
            plan_route(
                [rate("ECONOMY", "8.00")], contains_batteries=True, recovery=eur("60.00"), to_order_currency=EUR_ONLY
            )

    def test_no_rates_at_all_is_an_error(self) -> None:
        with pytest.raises(NoAllowedService):
            plan_route([], contains_batteries=False, recovery=eur("60.00"), to_order_currency=EUR_ONLY)

    @pytest.mark.parametrize("recovery", ["5.00", "8.00"])
    def test_the_shopper_keeps_the_item_when_shipping_costs_at_least_what_it_recovers(self, recovery: str) -> None:
        # Given the cheapest label costs €8.00 and the item recovers €5.00 (or exactly €8.00)
        economy, express = rate("ECONOMY", "8.00"), rate("EXPRESS", "14.00")
        plan = plan_route([express, economy], False, eur(recovery), EUR_ONLY)
        # Then no label is bought, and the options considered are kept for the record
        assert plan.choice is RouteChoice.KEEP
        assert plan.rate is None
        assert plan.label_cost == eur("8.00")
        assert plan.recovery_value == eur(recovery)
        assert plan.alternatives == (economy, express)

    def test_just_above_the_label_cost_the_item_ships(self) -> None:
        plan = plan_route([rate("ECONOMY", "8.00")], False, eur("8.01"), EUR_ONLY)
        assert plan.choice is RouteChoice.SHIP

    def test_the_plan_serialises_for_the_return_record(self) -> None:
        plan = plan_route([rate("ECONOMY", "8.00"), rate("EXPRESS", "14.00")], False, eur("60.00"), EUR_ONLY)
        data = plan.to_json()
        assert data["choice"] == "SHIP"
        assert data["label_cost_order_currency"] == {"amount": "8.00", "currency": "EUR"}
        assert data["recovery_value"] == {"amount": "60.00", "currency": "EUR"}
        alternatives = data["alternatives"]
        assert isinstance(alternatives, list)
        assert [a["service"] for a in alternatives] == ["EXPRESS"]
        keep = plan_route([rate("ECONOMY", "8.00")], False, eur("1.00"), EUR_ONLY).to_json()
        assert keep["choice"] == "KEEP"
        assert keep["rate"] is None
