"""The per-market policy table (statutory floor, with its legal source) and the seller's overrides."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from returns_core.domain.lanes import DELIVERY_LIMIT, STALL_LIMIT, Zone, crosses_customs_border, zone_for
from returns_core.domain.orders import Category
from returns_core.domain.policy import (
    EU_COUNTRIES,
    POLICIES,
    MarketPolicy,
    Payer,
    RefundTrigger,
    SellerPolicy,
    UnsupportedMarket,
    WindowStart,
    market_for,
    policy_for,
)

EU_27 = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()


class TestPolicyTable:
    @pytest.mark.parametrize(
        ("market", "source_mentions"),
        [
            ("EU", "2011/83/EU"),
            ("UK", "Consumer Contracts Regulations 2013"),
            ("US", "seller"),
            ("JP", "Specified Commercial Transactions"),
            ("AU", "Australian Consumer Law"),
        ],
    )
    def test_each_market_is_present_with_its_legal_source(self, market: str, source_mentions: str) -> None:
        policy = POLICIES[market]
        assert policy.market == market
        assert source_mentions in policy.legal_source

    @pytest.mark.parametrize("market", ["EU", "UK"])
    def test_eu_and_uk_give_14_days_from_delivery_and_a_14_day_refund_deadline(self, market: str) -> None:
        # Directive 2011/83/EU Art. 9 and 13; the UK regulations follow the same model.
        policy = POLICIES[market]
        assert policy.window_days == 14
        assert policy.window_starts is WindowStart.DELIVERY
        assert policy.refund_deadline_days == 14
        assert policy.refund_outbound_shipping is True
        # The seller may withhold the refund only until goods arrive or proof of dispatch, whichever is earlier.
        assert policy.refund_trigger is RefundTrigger.ACCEPTANCE_SCAN
        # Statutory: no restocking fee for simply withdrawing.
        assert policy.restocking_fee_percent == 0

    def test_japan_gives_8_days_and_the_shopper_pays_return_shipping(self) -> None:
        policy = POLICIES["JP"]
        assert policy.window_days == 8
        assert policy.window_starts is WindowStart.DELIVERY
        assert policy.return_shipping_paid_by is Payer.SHOPPER

    @pytest.mark.parametrize("market", sorted(POLICIES))
    def test_the_fault_window_is_never_shorter_than_the_change_of_mind_window(self, market: str) -> None:
        policy = POLICIES[market]
        assert policy.fault_window_days >= policy.window_days > 0

    def test_eu_exclusions_do_not_include_final_sale(self) -> None:
        # "Final sale" is not one of Art. 16's exceptions: an EU shopper may still withdraw.
        assert Category.FINAL_SALE not in POLICIES["EU"].excluded_categories
        assert Category.PERSONALISED in POLICIES["EU"].excluded_categories


class TestMarkets:
    def test_the_table_knows_all_27_member_states(self) -> None:
        assert set(EU_27) == EU_COUNTRIES

    @pytest.mark.parametrize("country", EU_27)
    def test_every_eu_country_uses_the_eu_policy(self, country: str) -> None:
        assert market_for(country) == "EU"
        assert policy_for(country) is POLICIES["EU"]

    @pytest.mark.parametrize(("country", "market"), [("GB", "UK"), ("US", "US"), ("JP", "JP"), ("AU", "AU")])
    def test_other_supported_countries(self, country: str, market: str) -> None:
        assert market_for(country) == market

    @pytest.mark.parametrize("country", ["CH", "NO", "CA", "BR", "UK", "de", ""])
    def test_an_unsupported_country_is_refused_with_a_clear_error(self, country: str) -> None:
        # Given an order shipped where no policy exists (Switzerland and Norway are not in the EU)
        # When its policy is asked for / Then the error says so instead of silently using another market's rules
        with pytest.raises(UnsupportedMarket, match="no return policy"):
            policy_for(country)


class TestLanes:
    @pytest.mark.parametrize(
        ("origin", "destination", "zone"),
        [
            ("DE", "DE", Zone.DOMESTIC),
            ("US", "US", Zone.DOMESTIC),
            ("FR", "DE", Zone.REGIONAL),
            ("GB", "DE", Zone.INTERNATIONAL),  # the UK left the customs union
            ("CH", "DE", Zone.INTERNATIONAL),
            ("US", "DE", Zone.INTERNATIONAL),
        ],
    )
    def test_zone_by_lane(self, origin: str, destination: str, zone: Zone) -> None:
        assert zone_for(origin, destination) is zone
        assert crosses_customs_border(origin, destination) is (zone is Zone.INTERNATIONAL)

    def test_longer_lanes_allow_longer_silences_and_deliveries(self) -> None:
        zones = [Zone.DOMESTIC, Zone.REGIONAL, Zone.INTERNATIONAL]
        assert [STALL_LIMIT[z] for z in zones] == sorted(STALL_LIMIT[z] for z in zones)
        assert [DELIVERY_LIMIT[z] for z in zones] == sorted(DELIVERY_LIMIT[z] for z in zones)
        assert all(STALL_LIMIT[z] < DELIVERY_LIMIT[z] for z in zones)


class TestSellerPolicy:
    def test_a_seller_may_be_more_generous(self) -> None:
        # Given the Australian floor (30 days, 10 % restocking, shopper pays return shipping)
        floor = POLICIES["AU"]
        # When the seller offers 60 days, free returns, 5 % restocking and accepts final-sale items
        policy = SellerPolicy(
            window_days=60,
            return_shipping_paid_by=Payer.SELLER,
            restocking_fee_percent=Decimal(5),
            excluded_categories=frozenset({Category.PERSONALISED}),
        ).apply(floor)
        # Then the shopper gets those terms
        assert policy.window_days == 60
        assert policy.return_shipping_paid_by is Payer.SELLER
        assert policy.restocking_fee_percent == 5
        assert policy.excluded_categories == {Category.PERSONALISED}
        # And what the seller did not touch, or cannot touch, stays statutory
        assert policy.legal_source == floor.legal_source
        assert policy.fault_window_days == floor.fault_window_days

    def test_a_seller_cannot_go_below_the_statutory_floor(self) -> None:
        # Given the EU floor
        floor = POLICIES["EU"]
        # When the seller tries 7 days, a 20 % fee, extra exclusions, and to make the shopper pay shipping
        policy = SellerPolicy(
            window_days=7,
            return_shipping_paid_by=Payer.SHOPPER,
            restocking_fee_percent=Decimal(20),
            excluded_categories=floor.excluded_categories | {Category.FINAL_SALE, Category.BATTERY},
        ).apply(floor)
        # Then the floor stands
        assert policy == floor

    def test_shipping_paid_by_the_seller_is_never_pushed_to_the_shopper(self) -> None:
        floor = POLICIES["US"]
        assert floor.return_shipping_paid_by is Payer.SELLER
        assert SellerPolicy(return_shipping_paid_by=Payer.SHOPPER).apply(floor).return_shipping_paid_by is Payer.SELLER

    def test_no_overrides_keeps_the_floor(self) -> None:
        for floor in POLICIES.values():
            assert SellerPolicy().apply(floor) == floor

    @given(
        market=st.sampled_from(sorted(POLICIES)),
        window=st.none() | st.integers(min_value=-30, max_value=400),
        payer=st.none() | st.sampled_from(list(Payer)),
        fee=st.none() | st.decimals(min_value=0, max_value=100, places=2),
        excluded=st.none() | st.frozensets(st.sampled_from(list(Category))),
    )
    def test_overrides_only_ever_help_the_shopper(
        self,
        market: str,
        window: int | None,
        payer: Payer | None,
        fee: Decimal | None,
        excluded: frozenset[Category] | None,
    ) -> None:
        floor: MarketPolicy = POLICIES[market]
        policy = SellerPolicy(window, payer, fee, excluded).apply(floor)
        assert policy.window_days >= floor.window_days
        assert policy.restocking_fee_percent <= floor.restocking_fee_percent
        assert policy.excluded_categories <= floor.excluded_categories
        if floor.return_shipping_paid_by is Payer.SELLER:
            assert policy.return_shipping_paid_by is Payer.SELLER
        # And the overrides never touch the statutory parts
        assert policy.fault_window_days == floor.fault_window_days
        assert policy.refund_deadline_days == floor.refund_deadline_days
        assert policy.refund_trigger == floor.refund_trigger
        assert policy.legal_source == floor.legal_source
        # And a generous value the seller did ask for is honoured
        if window is not None and window > floor.window_days:
            assert policy.window_days == window
        if excluded is not None:
            assert policy.excluded_categories == excluded & floor.excluded_categories
