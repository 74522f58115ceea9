"""Which carriers a deployment buys from: chosen by configuration, credentials from the environment."""

from __future__ import annotations

import pytest

from returns_core.adapters.easypost_carrier import EasyPostCarrier
from returns_core.adapters.sandbox_carrier import SandboxCarrier
from returns_core.adapters.shippo_carrier import ShippoCarrier
from returns_core.settings import ConfigurationError, Settings
from returns_core.wiring import Services
from tests.unit.test_settings import REQUIRED


def _services(**extra: str) -> Services:
    return Services(Settings.from_env({**REQUIRED, "AWS_REGION": "eu-west-1", **extra}))


@pytest.mark.parametrize(
    ("provider", "adapter"), [("sandbox", SandboxCarrier), ("easypost", EasyPostCarrier), ("shippo", ShippoCarrier)]
)
def test_the_configured_provider_is_the_carrier(provider: str, adapter: type) -> None:
    # Given a deployment configured for a provider, with its API key
    services = _services(CARRIER_PROVIDER=provider, CARRIER_API_KEY="test-key-not-real")
    # Then labels are bought from that provider's adapter
    assert isinstance(services.carrier, adapter)


def test_fallbacks_are_the_other_configured_providers_in_order() -> None:
    # Given EasyPost first, then Shippo and the sandbox as fallbacks (the primary listed again is ignored)
    services = _services(CARRIER_PROVIDER="easypost", CARRIER_FALLBACKS="shippo, easypost,sandbox", CARRIER_API_KEY="k")
    # Then the label buyer tries them in that order
    assert [type(c) for c in services.label_buyer.fallbacks] == [ShippoCarrier, SandboxCarrier]


def test_an_unknown_provider_or_a_missing_key_stops_the_function_at_start() -> None:
    with pytest.raises(ConfigurationError, match="unknown carrier provider"):
        _ = _services(CARRIER_PROVIDER="pigeon").carrier
    with pytest.raises(ConfigurationError, match="carrier API key"):
        _ = _services(CARRIER_PROVIDER="easypost").carrier
