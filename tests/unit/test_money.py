"""Money: Decimal amounts in an ISO 4217 currency, rounded to the currency's minor unit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from returns_core.money import CurrencyMismatch, Money, minor_units, total

# Amounts a shop deals in: up to a billion, with more decimals than any currency keeps.
amounts = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=4, allow_nan=False)
currencies = st.sampled_from(["EUR", "USD", "GBP", "JPY", "KRW", "KWD", "BHD", "CHF"])


class TestConstruction:
    def test_a_float_amount_is_refused(self) -> None:
        # Given a float such as 0.1 (which is not 0.1 in binary)
        amount: Any = 0.1
        # When it is turned into Money / Then it is refused, so no binary rounding error reaches a refund
        with pytest.raises(TypeError):
            Money(amount, "EUR")

    def test_multiplying_by_a_float_is_refused(self) -> None:
        # Given a price / When it is multiplied by a float / Then it is refused
        factor: Any = 1.5
        with pytest.raises(TypeError):
            _ = Money.of("10.00", "EUR") * factor

    @pytest.mark.parametrize("code", ["eur", "EURO", "E1", ""])
    def test_a_currency_that_is_not_an_iso_code_is_refused(self, code: str) -> None:
        # Given a currency written wrongly / When used / Then refused
        with pytest.raises(ValueError):
            Money.of("1.00", code)

    @pytest.mark.parametrize("text", ["abc", "1,00", "Infinity", "-Infinity"])
    def test_text_that_is_not_an_amount_is_refused(self, text: str) -> None:
        # Given text from a stored record that is no amount / When parsed / Then refused, never stored as money
        with pytest.raises(ValueError, match="amount"):
            Money.of(text, "EUR")

    def test_infinite_amount_is_refused_with_value_error(self) -> None:
        with pytest.raises(ValueError, match="not a finite amount"):
            Money(Decimal("Infinity"), "EUR")

    def test_nan_is_not_an_amount(self) -> None:
        # Given a storefront payload whose amount is "NaN"
        # When it is read as Money
        # Then it is refused at the boundary like any other non-amount
        with pytest.raises(ValueError):
            Money.from_json({"amount": "NaN", "currency": "EUR"})

    def test_json_round_trip_keeps_amount_and_currency(self) -> None:
        # Given a refund amount / When written to JSON and read back / Then it is the same money
        refund = Money.of("1234.50", "GBP")
        assert refund.to_json() == {"amount": "1234.50", "currency": "GBP"}
        assert Money.from_json(refund.to_json()) == refund

    def test_str_shows_amount_then_currency(self) -> None:
        assert str(Money.of("9.5", "EUR")) == "9.50 EUR"


class TestRoundingPerCurrency:
    @pytest.mark.parametrize(
        ("currency", "digits"),
        [("EUR", 2), ("USD", 2), ("GBP", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3), ("HUF", 2)],
    )
    def test_minor_units_follow_iso_4217(self, currency: str, digits: int) -> None:
        assert minor_units(currency) == digits

    @pytest.mark.parametrize(
        ("raw", "currency", "shown"),
        [
            ("1234.5", "JPY", "1234"),  # half-even: .5 goes to the even neighbour
            ("1235.5", "JPY", "1236"),
            ("1234.51", "JPY", "1235"),
            ("1.2345", "KWD", "1.234"),
            ("1.2355", "KWD", "1.236"),
            ("2.675", "EUR", "2.68"),
            ("2.665", "EUR", "2.66"),
            ("-2.665", "EUR", "-2.66"),
            ("10", "EUR", "10.00"),
            ("10", "KWD", "10.000"),
        ],
    )
    def test_amounts_are_rounded_half_even_to_the_minor_unit(self, raw: str, currency: str, shown: str) -> None:
        # Given a computed amount with too many decimals / When it becomes Money
        money = Money.of(raw, currency)
        # Then it carries exactly the currency's minor unit, rounded half-even (banker's rounding)
        assert str(money.amount) == shown

    def test_a_yen_amount_never_shows_decimals(self) -> None:
        # Given a 10 % fee on a ¥1,005 item / When computed / Then the shopper sees whole yen
        fee = Money.of("1005", "JPY").percent(Decimal(10))
        assert fee == Money.of("100", "JPY")
        assert fee.amount.as_tuple().exponent == 0
        assert str(fee) == "100 JPY"

    @given(amount=amounts, currency=currencies)
    def test_rounding_is_idempotent(self, amount: Decimal, currency: str) -> None:
        # Given any amount rounded once / When rounded again / Then nothing changes
        once = Money(amount, currency)
        twice = Money(once.amount, currency)
        assert twice == once
        assert str(twice.amount) == str(once.amount)
        exponent = once.amount.as_tuple().exponent
        assert isinstance(exponent, int)
        assert -exponent == minor_units(currency)


class TestArithmetic:
    def test_adding_and_subtracting_in_one_currency(self) -> None:
        assert Money.of("10.10", "EUR") + Money.of("0.95", "EUR") == Money.of("11.05", "EUR")
        assert Money.of("10.10", "EUR") - Money.of("0.95", "EUR") == Money.of("9.15", "EUR")
        assert -Money.of("3.00", "EUR") == Money.of("-3.00", "EUR")
        assert 3 * Money.of("0.10", "EUR") == Money.of("0.30", "EUR")

    @pytest.mark.parametrize(
        "operation",
        [
            lambda a, b: a + b,
            lambda a, b: a - b,
            lambda a, b: a < b,
            lambda a, b: a <= b,
            lambda a, b: a > b,
            lambda a, b: a >= b,
            lambda a, b: a.min(b),
            lambda a, b: a.max(b),
        ],
        ids=["add", "sub", "lt", "le", "gt", "ge", "min", "max"],
    )
    def test_mixing_currencies_is_refused(self, operation: Any) -> None:
        # Given euros and dollars / When combined or compared without a conversion / Then refused
        with pytest.raises(CurrencyMismatch):
            operation(Money.of("10.00", "EUR"), Money.of("10.00", "USD"))

    def test_same_number_in_two_currencies_is_not_equal(self) -> None:
        assert Money.of("10.00", "EUR") != Money.of("10.00", "USD")

    def test_comparisons_and_min_max(self) -> None:
        small, large = Money.of("9.99", "EUR"), Money.of("10.00", "EUR")
        assert small < large <= large
        assert large > small >= small
        assert small.min(large) is small
        assert small.max(large) is large
        assert Money.zero("EUR").is_zero()
        assert not small.is_zero()

    def test_total_of_nothing_is_zero_in_the_asked_currency(self) -> None:
        assert total([], "JPY") == Money.zero("JPY")
        assert total([Money.of("1.10", "EUR"), Money.of("2.20", "EUR")], "EUR") == Money.of("3.30", "EUR")
        with pytest.raises(CurrencyMismatch):
            total([Money.of("1.10", "EUR")], "USD")

    def test_conversion_rounds_in_the_target_currency(self) -> None:
        # Given 100 EUR and 163.63636 JPY per EUR / When converted / Then whole yen
        assert Money.of("100.00", "EUR").convert("JPY", Decimal("163.63636")) == Money.of("16364", "JPY")

    @given(a=amounts, b=amounts, currency=currencies)
    def test_adding_then_subtracting_gives_back_the_start(self, a: Decimal, b: Decimal, currency: str) -> None:
        x, y = Money(a, currency), Money(b, currency)
        assert x + y - y == x

    @given(a=amounts, b=amounts, currency=currencies)
    def test_addition_commutes_and_stays_in_currency(self, a: Decimal, b: Decimal, currency: str) -> None:
        x, y = Money(a, currency), Money(b, currency)
        assert x + y == y + x
        assert (x + y).currency == currency
