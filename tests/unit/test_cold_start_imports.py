"""A function's cold start imports what every request needs, and what only some requests need comes later."""

from __future__ import annotations

import json

import pytest

from bench.child import run_python
from bench.cold_start import lambda_environment
from infra import catalogue

# Loaded on first use: each costs tens of milliseconds that most invocations never need.
ONLY_WHEN_USED = {
    "boto3": "with the first AWS client (PynamoDB's botocore is enough for most paths)",
    "aws_lambda_powertools.event_handler.openapi.models": "by the OpenAPI document's route only",
    "aws_lambda_powertools.utilities.idempotency": "with the first idempotent call",
    "reportlab": "when a label, customs or withdrawal PDF is drawn",
    "babel.numbers": "when an amount is formatted for a shopper",
}
_CHILD = (
    "import importlib, json, sys\n"
    "importlib.import_module(sys.argv[1])\n"
    "print(json.dumps(sorted(m for m in json.loads(sys.argv[2]) if m in sys.modules)))\n"
)


@pytest.mark.parametrize("spec", catalogue.FUNCTIONS, ids=lambda spec: spec.name)
def test_a_cold_start_leaves_out_what_only_some_requests_need(spec: catalogue.FunctionSpec) -> None:
    # Given a fresh interpreter set up like the deployed function
    # When it imports the function's handler module, as Lambda does before the first request
    done = run_python("-c", _CHILD, spec.module, json.dumps(sorted(ONLY_WHEN_USED)), env=lambda_environment())
    assert done.returncode == 0, done.stderr[-2000:]
    # Then none of the modules only some requests need has been loaded yet
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == [], {module: ONLY_WHEN_USED[module] for module in loaded}
