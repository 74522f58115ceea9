"""Configuration read once from the environment, and the small pure helpers around time and FX."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from returns_core.clock import iso, parse_utc, utcnow
from returns_core.fx import SandboxFxRates, UnknownCurrency, convert
from returns_core.money import Money
from returns_core.settings import ConfigurationError, Settings

REQUIRED = {
    "ORDERS_TABLE": "orders",
    "RETURNS_TABLE": "returns",
    "LEDGER_TABLE": "ledger",
    "IDEMPOTENCY_TABLE": "idempotency",
    "PORTAL_TABLE": "portal",
    "AGGREGATES_TABLE": "aggregates",
    "DOCUMENTS_BUCKET": "documents",
    "EVENT_BUS_NAME": "returns-bus",
}


class TestSettings:
    def test_the_required_variables_are_enough(self) -> None:
        settings = Settings.from_env(REQUIRED)
        assert settings.orders_table == "orders"
        assert settings.event_bus_name == "returns-bus"
        assert settings.base_currency == "USD"
        assert settings.time_scale == 1

    @pytest.mark.parametrize("missing", sorted(REQUIRED))
    def test_a_missing_variable_is_named_in_the_error(self, missing: str) -> None:
        # Given a deployment that forgot one variable / When the function starts / Then ops read which one
        environ = {k: v for k, v in REQUIRED.items() if k != missing}
        with pytest.raises(ConfigurationError, match=missing):
            Settings.from_env(environ)

    def test_an_empty_variable_counts_as_missing(self) -> None:
        with pytest.raises(ConfigurationError, match="LEDGER_TABLE"):
            Settings.from_env(REQUIRED | {"LEDGER_TABLE": ""})

    @pytest.mark.parametrize(
        ("name", "value"),
        [("BASE_CURRENCY", "euro"), ("WAREHOUSE_COUNTRY", "DEU"), ("TIME_SCALE", "0"), ("TIME_SCALE", "fast")],
    )
    def test_an_invalid_value_is_named_in_the_error(self, name: str, value: str) -> None:
        with pytest.raises(ConfigurationError, match=name):
            Settings.from_env(REQUIRED | {name: value})

    def test_optional_values_are_read(self) -> None:
        settings = Settings.from_env(
            REQUIRED | {"BASE_CURRENCY": "EUR", "TIME_SCALE": "0.001", "REVIEW_VALUE_THRESHOLD": "250"}
        )
        assert settings.base_currency == "EUR"
        assert settings.time_scale == Decimal("0.001")
        assert settings.review_value_threshold == 250

    def test_the_webhook_secret_is_not_shown_in_repr(self) -> None:
        settings = Settings.from_env(REQUIRED | {"CARRIER_WEBHOOK_SECRET": "s3cr3t-value"})
        assert "s3cr3t-value" not in repr(settings)

    @pytest.mark.parametrize(
        ("scale", "seconds", "expected"),
        [("1", 1_209_600, 1_209_600), ("0.001", 1_209_600, 1209), ("0.001", 10, 1), ("0.0001", 0, 1)],
    )
    def test_scaled_seconds_shrink_waits_but_never_below_one_second(
        self, scale: str, seconds: int, expected: int
    ) -> None:
        # Step Functions refuses a zero-second wait or heartbeat
        settings = Settings.from_env(REQUIRED | {"TIME_SCALE": scale})
        assert settings.scaled_seconds(seconds) == expected


class TestClock:
    def test_now_is_timezone_aware_utc(self) -> None:
        assert utcnow().utcoffset() == timedelta(0)

    def test_times_round_trip_through_iso_text_in_utc(self) -> None:
        lisbon_summer = datetime(2026, 7, 1, 9, 30, tzinfo=timezone(timedelta(hours=1)))
        assert iso(lisbon_summer) == "2026-07-01T08:30:00Z"
        assert parse_utc("2026-07-01T08:30:00Z") == lisbon_summer
        assert parse_utc("2026-07-01T08:30:00Z").tzinfo is UTC

    def test_naive_times_are_refused(self) -> None:
        with pytest.raises(ValueError):
            parse_utc("2026-07-01T08:30:00")
        with pytest.raises(ValueError):
            iso(datetime(2026, 7, 1, 8, 30))  # noqa: DTZ001 - the naive value is the point of the test


class TestSandboxFx:
    def test_a_conversion_records_the_rate_it_used(self) -> None:
        # Given 100 EUR and the sandbox's 1.08 USD per EUR
        amount, quote = convert(Money.of("100.00", "EUR"), "USD", SandboxFxRates())
        # Then 108 USD, with the rate, date and provider kept for the ledger
        assert amount == Money.of("108.00", "USD")
        assert (quote.source, quote.target, quote.rate) == ("EUR", "USD", Decimal("1.08"))
        assert quote.as_of == date(2026, 11, 2)
        assert quote.provider == "sandbox"

    def test_cross_rates_go_through_the_dollar_and_round_in_the_target(self) -> None:
        amount, quote = convert(Money.of("10000", "JPY"), "EUR", SandboxFxRates())
        assert quote.rate == Decimal("0.00611111")  # 0.0066 / 1.08, to 8 places
        assert amount == Money.of("61.11", "EUR")

    def test_an_unknown_currency_is_an_error(self) -> None:
        with pytest.raises(UnknownCurrency):
            SandboxFxRates().quote("EUR", "XAU")
