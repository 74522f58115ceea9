"""What CDK gives each function is enough for the function's typed settings, and the same names locally."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

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
    assert deployed - SECRET_BY_ARN - SET_WHEN_SERVING - SELLER_CHOICES <= local


# Locally the secret itself is given instead (CARRIER_WEBHOOK_SECRET, PORTAL_TOKEN_SECRET).
SECRET_BY_ARN = {
    "CARRIER_WEBHOOK_SECRET_ARN",
    "PORTAL_TOKEN_SECRET_ARN",
    "CARRIER_WEBHOOK_SECRETS_ARN",
    "CARRIER_API_KEY_ARN",
    "PAYMENT_API_KEY_ARN",
    "PAYMENT_WEBHOOK_SECRETS_ARN",
}
# Known locally only once the gateway has its port: `LocalStack.start` puts it in the process environment.
SET_WHEN_SERVING = {"PORTAL_URL"}
# The seller's terms from CDK context; locally the settings' defaults (or `serve` flags) apply.
SELLER_CHOICES = {
    "PORTAL_VERIFY_EMAIL",
    "STORE_CREDIT_BONUS_PERCENT",
    "SELLER_POLICY",
    "CARRIER_PROVIDER",
    "CARRIER_FALLBACKS",
    "RETURN_HUBS",
    "ENABLED_MARKETS",
    "WAREHOUSE_COUNTRY",
    "WAREHOUSE_ADDRESS",
    "PAYMENT_PROVIDER",
    "ADYEN_MERCHANT_ACCOUNT",
    "ADYEN_API_URL",
}


@pytest.mark.parametrize("variable", sorted(SELLER_CHOICES))
def test_every_seller_choice_is_a_setting_with_a_default(variable: str) -> None:
    # Given a seller's term the template may set / Then the functions read it, and run without it
    fields = {field.alias: field for field in Settings.model_fields.values()}
    assert variable in fields
    assert not fields[variable].is_required()


@pytest.mark.parametrize("arn_variable", sorted(SECRET_BY_ARN))
def test_every_secret_given_by_arn_in_aws_is_given_as_itself_locally(arn_variable: str) -> None:
    # Given a secret the template hands over as a Secrets Manager ARN
    local = handler_environment("http://127.0.0.1:1", "secret", Decimal(1), "portal-secret")
    # Then the local stack gives the value under the matching name, and both names are settings
    assert arn_variable.removesuffix("_ARN") in local
    aliases = {field.alias for field in Settings.model_fields.values()}
    assert {arn_variable, arn_variable.removesuffix("_ARN")} <= aliases


def test_the_portal_url_is_a_setting_and_the_local_stack_sets_it() -> None:
    # Given the variable the template gives notify for the status links in its emails
    # Then the functions read it as a setting, and the local stack sets it once it serves
    assert "PORTAL_URL" in {field.alias for field in Settings.model_fields.values()}
    from infra.local import stack as local_stack

    assert '"PORTAL_URL"' in Path(local_stack.__file__).read_text(encoding="utf-8")
