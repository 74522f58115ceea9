"""Which payment provider refunds go to: chosen by configuration, the API key from the environment."""

from __future__ import annotations

import pytest

from returns_core.adapters.adyen_payments import TEST_API, AdyenPayments
from returns_core.adapters.sandbox_payments import SandboxPayments
from returns_core.adapters.stripe_payments import StripePayments
from returns_core.settings import ConfigurationError
from tests.unit.test_carrier_selection import _services


def test_the_configured_provider_pays_the_refunds() -> None:
    # Given one deployment on the sandbox and one on Stripe with its key
    sandbox = _services()
    stripe = _services(PAYMENT_PROVIDER="stripe", PAYMENT_API_KEY="sk_test_not_real")
    # Then the refunder pays through that provider's adapter
    assert isinstance(sandbox.refunder.payments, SandboxPayments)
    assert isinstance(stripe.refunder.payments, StripePayments)


def test_an_unknown_provider_or_a_missing_key_stops_the_function_at_start() -> None:
    with pytest.raises(ConfigurationError, match="unknown payment provider"):
        _ = _services(PAYMENT_PROVIDER="barter").payments
    with pytest.raises(ConfigurationError, match="payment API key"):
        _ = _services(PAYMENT_PROVIDER="stripe").payments


def test_the_key_is_never_shown_in_the_settings() -> None:
    services = _services(PAYMENT_PROVIDER="stripe", PAYMENT_API_KEY="sk_test_not_real")
    assert "sk_test_not_real" not in repr(services.settings)


def test_adyen_pays_with_its_merchant_account_on_the_configured_host() -> None:
    # Given a deployment on Adyen's live host, and one on its test host by default
    live = _services(
        PAYMENT_PROVIDER="adyen",
        PAYMENT_API_KEY="AQE_not_real",
        ADYEN_MERCHANT_ACCOUNT="ShopEU",
        ADYEN_API_URL="https://1797a841fbb37ca7-ShopEU-checkout-live.adyenpayments.com/checkout/v71",
    )
    test = _services(PAYMENT_PROVIDER="adyen", PAYMENT_API_KEY="AQE_not_real", ADYEN_MERCHANT_ACCOUNT="ShopEU")
    # Then refunds go through the Adyen adapter, to that host
    assert isinstance(live.refunder.payments, AdyenPayments)
    assert isinstance(test.payments, AdyenPayments)
    assert (
        live.refunder.payments.base_url
        == "https://1797a841fbb37ca7-ShopEU-checkout-live.adyenpayments.com/checkout/v71"
    )
    assert test.payments.base_url == TEST_API


def test_adyen_without_a_merchant_account_stops_the_function_at_start() -> None:
    with pytest.raises(ConfigurationError, match="ADYEN_MERCHANT_ACCOUNT"):
        _ = _services(PAYMENT_PROVIDER="adyen", PAYMENT_API_KEY="AQE_not_real").payments
