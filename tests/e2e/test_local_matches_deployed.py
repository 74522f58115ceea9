"""The running local stack routes events exactly as the deployed stack does.

The deployed rules' patterns are held to the catalogue by tests/infra/test_stack.py; here the rules
the local stack created on its bus are held to the same catalogue, so the two cannot differ.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from infra import catalogue
from infra.local import environment as env
from tests.e2e.conftest import RunningStack


def test_the_local_bus_has_exactly_the_deployed_rules_with_the_same_patterns(stack: RunningStack) -> None:
    # Given the local stack's bus, reached through its embedded AWS endpoint
    factory: Any = boto3.client
    events = factory(
        "events",
        region_name=env.REGION,
        endpoint_url=stack.aws_endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    rules = events.list_rules(EventBusName=env.BUS_NAME)["Rules"]
    local = {rule["Name"]: json.loads(rule["EventPattern"]) for rule in rules}
    # Then it holds one rule per catalogue rule, each with the pattern CDK deploys
    deployed = {rule.name: rule.pattern for spec in catalogue.FUNCTIONS for rule in spec.rules}
    assert local == deployed
