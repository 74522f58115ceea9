"""What CDK gives each function is enough for the function's typed settings, and the same names locally."""

from __future__ import annotations

from decimal import Decimal

import pytest

from infra import catalogue
from infra.local.environment import handler_environment
from returns_core.settings import Settings
from tests.infra.test_stack import Resources, function_ids

FUNCTION_NAMES = [spec.name for spec in catalogue.FUNCTIONS]
# Set by the Lambda runtime itself, not by the template.
RUNTIME_PROVIDED = {"AWS_REGION": "us-east-1"}


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_deployed_environment_satisfies_the_settings_model(resources: Resources, name: str) -> None:
    # Given the environment variables the template gives a function
    variables = resources[function_ids(resources)[name]]["Properties"]["Environment"]["Variables"]
    environ = {key: value if isinstance(value, str) else "resolved-at-deploy" for key, value in variables.items()}
    environ |= RUNTIME_PROVIDED
    # When the function reads its settings at cold start
    settings = Settings.from_env(environ)
    # Then nothing required is missing
    assert settings.orders_table == "resolved-at-deploy"


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_local_stack_uses_the_deployed_variable_names(resources: Resources, name: str) -> None:
    # Given the deployed variables of a function and the local stack's environment
    deployed = set(resources[function_ids(resources)[name]]["Properties"]["Environment"]["Variables"])
    local = set(handler_environment("http://127.0.0.1:1", "secret", Decimal(1), "portal-secret"))
    # Then every deployed variable exists locally too (the local stack may add its endpoint and secret)
    secret_by_arn = {"CARRIER_WEBHOOK_SECRET_ARN"}  # locally the secret itself is given instead
    assert deployed - secret_by_arn <= local
