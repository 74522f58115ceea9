"""The per-market policy table (statutory floor, with its legal source) and the seller's overrides."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from returns_core.domain.lanes import DELIVERY_LIMIT, STALL_LIMIT, Zone, crosses_customs_border, zone_for
from returns_core.domain.orders import Category
from returns_core.domain.policy import (
    EU_COUNTRIES,
    POLICIES,
    DeadlineStart,
    MarketPolicy,
    Payer,
    RefundTrigger,
    SellerPolicy,
    UnsupportedMarket,
    WindowStart,
    effective_policy,
    market_for,
    parse_seller_policies,
    policy_for,
)

EU_27 = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
STATUTORY = ["EU", "UK", "NO", "JP", "KR", "TW", "CN", "BR"]
VOLUNTARY = ["US", "AU", "CA", "CH", "NZ"]
CONSUMER_LAW_DOC = Path(__file__).resolve().parents[2] / "docs" / "consumer-law.md"


def _doc_table_rows() -> dict[str, str]:
    """The policy table of docs/consumer-law.md: market code (first cell) -> the whole row."""
    rows: dict[str, str] = {}
    for line in CONSUMER_LAW_DOC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and re.fullmatch(r"[A-Z]{2}", cells[0]):
            rows[cells[0]] = line
    return rows


class TestPolicyTable:
    @pytest.mark.parametrize(
        ("market", "source_mentions"),
        [
            ("EU", "2011/83/EU"),
            ("UK", "Consumer Contracts Regulations 2013"),
            ("US", "seller"),
            ("JP", "Specified Commercial Transactions"),
            ("AU", "Australian Consumer Law"),
            ("NO", "Angrerettloven"),
            ("KR", "Electronic Commerce"),
            ("TW", "Consumer Protection Act Art. 19"),
            ("CN", "Consumer Rights and Interests"),
            ("BR", "Lei 8.078/1990"),
            ("CA", "Ontario Consumer Protection Act"),
            ("CH", "Code of Obligations"),
            ("NZ", "Consumer Guarantees Act 1993"),
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

    def test_the_table_covers_at_least_twelve_markets(self) -> None:
        assert len(POLICIES) >= 12
        assert set(STATUTORY) | set(VOLUNTARY) == set(POLICIES)

    @pytest.mark.parametrize("market", sorted(POLICIES))
    def test_every_market_has_a_legal_source_and_a_row_in_the_consumer_law_doc(self, market: str) -> None:
        # Given the policy row and docs/consumer-law.md
        policy = POLICIES[market]
        rows = _doc_table_rows()
        # Then the row names its source, and the doc's table has a row for it with the same window
        assert policy.market == market
        assert len(policy.legal_source) > 10
        assert market in rows, f"docs/consumer-law.md has no table row for {market}"
        assert f"{policy.window_days} days" in rows[market]

    def test_the_doc_lists_no_market_the_code_does_not_know(self) -> None:
        assert set(_doc_table_rows()) == set(POLICIES)

    @pytest.mark.parametrize(
        ("market", "days"),
        [("EU", 14), ("UK", 14), ("NO", 14), ("KR", 7), ("TW", 7), ("CN", 7), ("BR", 7), ("JP", 8)],
    )
    def test_statutory_windows_run_from_delivery(self, market: str, days: int) -> None:
        policy = POLICIES[market]
        assert policy.statutory_right is True
        assert policy.window_days == days
        assert policy.window_starts is WindowStart.DELIVERY

    @pytest.mark.parametrize("market", VOLUNTARY)
    def test_without_a_statutory_right_the_row_is_a_voluntary_default_and_says_so(self, market: str) -> None:
        policy = POLICIES[market]
        assert policy.statutory_right is False
        assert "voluntary" in policy.legal_source
        assert policy.refund_deadline_days is None

    def test_only_the_eu_requires_a_withdrawal_function(self) -> None:
        # Directive 2023/2673 inserts Art. 11a into 2011/83/EU (applies from 19 June 2026)
        assert [m for m, p in POLICIES.items() if p.withdrawal_function] == ["EU"]
        assert "11a" in POLICIES["EU"].legal_source

    @pytest.mark.parametrize(
        ("market", "days", "counts_from", "business_days"),
        [
            ("EU", 14, DeadlineStart.WITHDRAWAL_NOTICE, False),
            ("NO", 14, DeadlineStart.WITHDRAWAL_NOTICE, False),
            ("UK", 14, DeadlineStart.GOODS_RECEIVED_OR_PROOF_OF_RETURN, False),
            ("KR", 3, DeadlineStart.GOODS_RECEIVED, True),
            ("TW", 15, DeadlineStart.GOODS_RECEIVED, False),
            ("CN", 7, DeadlineStart.GOODS_RECEIVED, False),
        ],
    )
    def test_refund_deadlines_and_what_they_count_from(
        self, market: str, days: int, counts_from: DeadlineStart, business_days: bool
    ) -> None:
        policy = POLICIES[market]
        assert policy.refund_deadline_days == days
        assert policy.refund_deadline_counts_from is counts_from
        assert policy.refund_deadline_business_days is business_days

    @pytest.mark.parametrize("market", sorted(POLICIES))
    def test_a_deadline_always_says_what_it_counts_from(self, market: str) -> None:
        policy = POLICIES[market]
        assert (policy.refund_deadline_days is None) == (policy.refund_deadline_counts_from is None)
        assert not policy.refund_deadline_business_days or policy.refund_deadline_days is not None
        # A statute's change-of-mind withdrawal carries no restocking fee
        if policy.statutory_right:
            assert policy.restocking_fee_percent == 0

    @pytest.mark.parametrize(("market", "payer"), [("KR", Payer.SHOPPER), ("CN", Payer.SHOPPER), ("NO", Payer.SHOPPER)])
    def test_who_pays_return_shipping_where_the_statute_says(self, market: str, payer: Payer) -> None:
        assert POLICIES[market].return_shipping_paid_by is payer

    @pytest.mark.parametrize("market", ["TW", "BR"])
    def test_taiwan_and_brazil_put_no_cost_on_the_shopper(self, market: str) -> None:
        # TW CPA Art. 19: no cost or consideration; BR CDC Art. 49: amounts paid on any account come back
        policy = POLICIES[market]
        assert policy.return_shipping_paid_by is Payer.SELLER
        assert policy.refund_outbound_shipping is True

    def test_china_excludes_the_four_statutory_categories_only(self) -> None:
        # Custom-made, perishable, unsealed or downloaded digital goods (and newspapers, no category here)
        assert POLICIES["CN"].excluded_categories == {Category.PERSONALISED, Category.PERISHABLE, Category.DIGITAL}

    def test_brazil_has_no_statutory_exclusions_and_refunds_immediately(self) -> None:
        policy = POLICIES["BR"]
        assert policy.excluded_categories == frozenset()
        assert policy.refund_deadline_days is None  # "de imediato": no day count
        assert policy.refund_trigger is RefundTrigger.ACCEPTANCE_SCAN

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

    @pytest.mark.parametrize(
        ("country", "market"),
        [
            ("GB", "UK"),
            ("US", "US"),
            ("JP", "JP"),
            ("AU", "AU"),
            ("KR", "KR"),
            ("TW", "TW"),
            ("CN", "CN"),
            ("BR", "BR"),
            ("CA", "CA"),
            ("CH", "CH"),
            ("NO", "NO"),
            ("NZ", "NZ"),
        ],
    )
    def test_other_supported_countries(self, country: str, market: str) -> None:
        assert market_for(country) == market
        assert policy_for(country) is POLICIES[market]

    @pytest.mark.parametrize("country", ["CH", "NO"])
    def test_switzerland_and_norway_are_not_treated_as_eu(self, country: str) -> None:
        assert country not in EU_COUNTRIES
        assert market_for(country) == country

    @pytest.mark.parametrize("country", ["MX", "SG", "HK", "IS", "UK", "EU", "de", ""])
    def test_an_unsupported_country_is_refused_with_a_clear_error(self, country: str) -> None:
        # Given an order shipped where no policy exists (a market code such as UK or EU is not a country)
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

    def test_a_seller_may_refund_earlier_than_the_market_default_but_never_later(self) -> None:
        # Given the US default (refund after inspection) and the EU one (on the acceptance scan)
        us, eu = POLICIES["US"], POLICIES["EU"]
        # When the seller refunds on delivery in both markets
        terms = SellerPolicy(refund_trigger=RefundTrigger.DELIVERY)
        # Then US shoppers are refunded on delivery, EU shoppers still on the acceptance scan
        assert terms.apply(us).refund_trigger is RefundTrigger.DELIVERY
        assert terms.apply(eu).refund_trigger is RefundTrigger.ACCEPTANCE_SCAN

    @given(market=st.sampled_from(sorted(POLICIES)), trigger=st.sampled_from(list(RefundTrigger)))
    def test_a_seller_trigger_never_delays_the_refund(self, market: str, trigger: RefundTrigger) -> None:
        floor = POLICIES[market]
        chosen = SellerPolicy(refund_trigger=trigger).apply(floor).refund_trigger
        assert chosen.rank <= floor.refund_trigger.rank
        assert chosen in (trigger, floor.refund_trigger)

    def test_a_seller_refund_trigger_is_read_from_json_and_instant_is_refused(self) -> None:
        # Given terms that refund on delivery
        parsed = parse_seller_policies('{"AU": {"refund_trigger": "DELIVERY"}}')
        # Then they parse
        assert parsed["AU"] == SellerPolicy(refund_trigger=RefundTrigger.DELIVERY)
        # And INSTANT (a per-shopper decision) or an unknown trigger is refused with the allowed values
        for bad in ('"INSTANT"', '"ON_ORDER"', "3"):
            with pytest.raises(ValueError, match="refund_trigger must be one of ACCEPTANCE_SCAN, DELIVERY, INSPECTION"):
                parse_seller_policies(f'{{"AU": {{"refund_trigger": {bad}}}}}')

    def test_a_seller_may_cap_condition_deductions_lower_but_not_raise_them(self) -> None:
        floor = POLICIES["EU"]
        assert floor.condition_deduction_max_percent == 100
        assert (
            SellerPolicy(condition_deduction_max_percent=Decimal(20)).apply(floor).condition_deduction_max_percent == 20
        )
        parsed = parse_seller_policies('{"EU": {"condition_deduction_max_percent": 0}}')["EU"]
        assert parsed.apply(floor).condition_deduction_max_percent == 0
        with pytest.raises(ValueError, match="condition_deduction_max_percent must be between 0 and 100"):
            parse_seller_policies('{"EU": {"condition_deduction_max_percent": 120}}')

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
        assert policy.refund_deadline_counts_from == floor.refund_deadline_counts_from
        assert policy.refund_deadline_business_days == floor.refund_deadline_business_days
        assert policy.refund_outbound_shipping == floor.refund_outbound_shipping
        assert policy.statutory_right == floor.statutory_right
        assert policy.withdrawal_function == floor.withdrawal_function
        # And a generous value the seller did ask for is honoured
        if window is not None and window > floor.window_days:
            assert policy.window_days == window
        if excluded is not None:
            assert policy.excluded_categories == excluded & floor.excluded_categories

    @pytest.mark.parametrize("market", ["KR", "TW", "CN", "BR", "CA", "CH", "NO", "NZ"])
    def test_a_seller_may_lengthen_but_not_shorten_the_window_in_the_new_markets(self, market: str) -> None:
        # Given the market's floor
        floor = POLICIES[market]
        # When the seller offers twice the window / a day less than the floor
        longer = SellerPolicy(window_days=floor.window_days * 2).apply(floor)
        shorter = SellerPolicy(window_days=floor.window_days - 1).apply(floor)
        # Then the longer window stands and the shorter one is lifted back to the floor
        assert longer.window_days == floor.window_days * 2
        assert shorter.window_days == floor.window_days
        assert longer.statutory_right is floor.statutory_right


class TestEffectivePolicy:
    def test_without_seller_terms_the_floor_applies(self) -> None:
        assert effective_policy("KR") is POLICIES["KR"]
        assert effective_policy("DE", {}) is POLICIES["EU"]

    def test_the_seller_terms_for_the_destination_market_apply(self) -> None:
        # Given a seller with 60 free-return days in the US and 30 in the EU
        seller = {
            "US": SellerPolicy(window_days=60),
            "EU": SellerPolicy(window_days=30, return_shipping_paid_by=Payer.SELLER),
        }
        # When an order ships to France / the US / Korea
        france, us, korea = (effective_policy(c, seller) for c in ("FR", "US", "KR"))
        # Then France gets the EU terms, the US the US terms, and Korea (no terms) its statutory floor
        assert (france.window_days, france.return_shipping_paid_by) == (30, Payer.SELLER)
        assert france.legal_source == POLICIES["EU"].legal_source
        assert us.window_days == 60
        assert korea == POLICIES["KR"]

    def test_an_unsupported_country_is_still_refused(self) -> None:
        with pytest.raises(UnsupportedMarket):
            effective_policy("MX", {"US": SellerPolicy(window_days=60)})

    @given(
        country=st.sampled_from(
            sorted(EU_COUNTRIES | {"GB", "US", "JP", "AU", "KR", "TW", "CN", "BR", "CA", "CH", "NO", "NZ"})
        ),
        window=st.none() | st.integers(min_value=0, max_value=3650),
        payer=st.none() | st.sampled_from(list(Payer)),
        fee=st.none() | st.decimals(min_value=0, max_value=100, places=2),
        excluded=st.none() | st.frozensets(st.sampled_from(list(Category))),
    )
    def test_the_effective_policy_is_never_less_generous_than_the_floor(
        self,
        country: str,
        window: int | None,
        payer: Payer | None,
        fee: Decimal | None,
        excluded: frozenset[Category] | None,
    ) -> None:
        # Given any seller terms for the destination's market
        floor = policy_for(country)
        seller = {floor.market: SellerPolicy(window, payer, fee, excluded)}
        # When they are applied
        policy = effective_policy(country, seller)
        # Then the shopper never gets less than the floor
        assert policy.market == floor.market
        assert policy.window_days >= floor.window_days
        assert policy.restocking_fee_percent <= floor.restocking_fee_percent
        assert policy.excluded_categories <= floor.excluded_categories
        assert policy.refund_deadline_days == floor.refund_deadline_days
        assert policy.withdrawal_function == floor.withdrawal_function


class TestParseSellerPolicies:
    def test_valid_terms_are_parsed_per_market(self) -> None:
        # Given a seller's JSON with terms for two markets
        text = json.dumps(
            {
                "US": {"window_days": 60, "return_shipping_paid_by": "SELLER"},
                "AU": {"restocking_fee_percent": 2.5, "excluded_categories": ["PERSONALISED"]},
                "KR": {"window_days": None},
            }
        )
        # When it is parsed
        policies = parse_seller_policies(text)
        # Then each market gets its terms, with untouched terms left as None
        assert policies["US"] == SellerPolicy(window_days=60, return_shipping_paid_by=Payer.SELLER)
        assert policies["AU"] == SellerPolicy(
            restocking_fee_percent=Decimal("2.5"), excluded_categories=frozenset({Category.PERSONALISED})
        )
        assert policies["KR"] == SellerPolicy()

    def test_an_empty_object_means_no_seller_terms(self) -> None:
        assert parse_seller_policies("{}") == {}

    def test_less_generous_values_are_accepted_and_clamped_later(self) -> None:
        # A 7-day EU window is well formed; apply() lifts it to the statutory 14 days
        policies = parse_seller_policies('{"EU": {"window_days": 7}}')
        assert effective_policy("DE", policies).window_days == 14

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ('{"MX": {}}', "unknown market 'MX'"),
            ('{"DE": {}}', "market EU"),  # a country code, with a hint to its market
            ('{"GB": {}}', "market UK"),
            ('{"US": {"window": 60}}', "unknown key"),
            ('{"US": {"window_days": 60, "free_returns": true}}', "free_returns"),
            ('{"US": {"window_days": "60"}}', "window_days"),
            ('{"US": {"window_days": 30.5}}', "window_days"),
            ('{"US": {"window_days": true}}', "window_days"),
            ('{"US": {"window_days": -1}}', "window_days"),
            ('{"US": {"window_days": 100000}}', "window_days"),
            ('{"US": {"return_shipping_paid_by": "NOBODY"}}', "return_shipping_paid_by"),
            ('{"US": {"restocking_fee_percent": -5}}', "restocking_fee_percent"),
            ('{"US": {"restocking_fee_percent": 101}}', "restocking_fee_percent"),
            ('{"US": {"restocking_fee_percent": "5"}}', "restocking_fee_percent"),
            ('{"US": {"restocking_fee_percent": NaN}}', "NaN"),
            ('{"US": {"excluded_categories": "DIGITAL"}}', "excluded_categories"),
            ('{"US": {"excluded_categories": ["DIGITAL", "FOOD"]}}', "FOOD"),
            ('{"US": []}', "JSON object"),
            ('[{"US": {}}]', "keyed by market"),
            ("{not json", "not valid JSON"),
        ],
    )
    def test_malformed_input_is_rejected_with_a_clear_error(self, text: str, message: str) -> None:
        with pytest.raises(ValueError, match=re.escape(message)):
            parse_seller_policies(text)

    def test_the_error_names_the_market(self) -> None:
        with pytest.raises(ValueError, match="seller policy for CH: unknown key"):
            parse_seller_policies('{"US": {"window_days": 60}, "CH": {"windows": 60}}')

    @given(
        market=st.sampled_from(sorted(POLICIES)),
        window=st.none() | st.integers(min_value=0, max_value=3650),
        payer=st.none() | st.sampled_from(list(Payer)),
        fee=st.none() | st.decimals(min_value=0, max_value=100, places=2),
        excluded=st.none() | st.frozensets(st.sampled_from(list(Category))),
    )
    def test_any_well_formed_policy_round_trips_through_json(
        self,
        market: str,
        window: int | None,
        payer: Payer | None,
        fee: Decimal | None,
        excluded: frozenset[Category] | None,
    ) -> None:
        terms = {
            "window_days": window,
            "return_shipping_paid_by": payer,
            "restocking_fee_percent": None if fee is None else float(fee),
            "excluded_categories": None if excluded is None else sorted(excluded),
        }
        parsed = parse_seller_policies(json.dumps({market: terms}))[market]
        assert parsed == SellerPolicy(window, payer, fee, excluded)
