"""The environment the local stack gives every handler: the same variable names CDK sets."""

from __future__ import annotations

import json
from decimal import Decimal

from infra import catalogue

REGION = "us-east-1"
ACCOUNT = "123456789012"
BUS_NAME = "returns-local"
BUCKET = "returns-local-documents"
STATE_MACHINE_NAME = "returns-local"
SENDER = "returns@shop.example"
# Two local return hubs for the demo: parcels from North America and Oceania travel a short domestic
# leg and come back to the German warehouse in consolidated shipments.
DEMO_HUBS = [
    {
        "hub_id": "hub-us-nj",
        "country": "US",
        "address": ["Returns Hub East", "200 Port Street", "Newark NJ 07114", "United States"],
        "serves": ["US", "CA"],
        "consolidation_cost": {"amount": "240.00", "currency": "USD"},
        "parcels_per_consolidation": 60,
        "handling": {"amount": "0.75", "currency": "USD"},
    },
    {
        "hub_id": "hub-au-syd",
        "country": "AU",
        "address": ["Returns Hub Sydney", "12 Airport Drive", "Mascot NSW 2020", "Australia"],
        "serves": ["AU", "NZ"],
        "consolidation_cost": {"amount": "300.00", "currency": "AUD"},
        "parcels_per_consolidation": 50,
        "handling": {"amount": "1.00", "currency": "AUD"},
    },
]


def table_name(spec: catalogue.TableSpec) -> str:
    return f"returns-local-{spec.key}"


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def state_machine_arn() -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{STATE_MACHINE_NAME}"


def execution_arn(name: str) -> str:
    """The local state machine's execution of that name (a return's is named by its return id)."""
    return f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{STATE_MACHINE_NAME}:{name}"


def handler_environment(endpoint: str, webhook_secret: str, time_scale: Decimal, portal_secret: str) -> dict[str, str]:
    env = {spec.env_var: table_name(spec) for spec in catalogue.TABLES}
    env.update(
        {
            catalogue.DOCUMENTS_BUCKET_ENV: BUCKET,
            catalogue.EVENT_BUS_ENV: BUS_NAME,
            catalogue.STATE_MACHINE_ENV: state_machine_arn(),
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_ENDPOINT_URL": endpoint,
            "SENDER_EMAIL": SENDER,
            "BASE_CURRENCY": "USD",
            "CARRIER_WEBHOOK_SECRET": webhook_secret,
            "PORTAL_TOKEN_SECRET": portal_secret,
            # Only the sandbox carrier and payments run locally: no third-party secrets or API keys.
            "CARRIER_WEBHOOK_SECRETS": "{}",
            "CARRIER_API_KEY": "",
            "PAYMENT_API_KEY": "",
            # The sandbox payment provider's back office signs its refund webhooks with the local secret.
            "PAYMENT_WEBHOOK_SECRETS": json.dumps({"sandbox": [webhook_secret]}),
            "TIME_SCALE": str(time_scale),
            "RETURN_HUBS": json.dumps(DEMO_HUBS),
            "POWERTOOLS_SERVICE_NAME": "returns",
            "PYDANTIC_DISABLE_PLUGINS": "__all__",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_NAMESPACE": "Returns",
            "POWERTOOLS_DEV": "false",
        }
    )
    return env
