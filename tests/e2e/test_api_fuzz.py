"""Schema fuzzing of the running local stack over real HTTP: valid and invalid requests drawn from OpenAPI.

Each API serves its own document: the storefront `GET /openapi.json`, ops `GET /ops/openapi.json` (behind the
ops token) and the carrier and payment webhooks `GET /webhooks/{carriers,payments}/openapi.json`. Requests are
drawn from the served documents and every reply is held to them: never a 5xx, and only the statuses, content
types and bodies they document; a refusal always says why with a code.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e

# Requests come from an address of their own, so the lookups they spend are not the other tests' (the portal
# counts lookups per client address, read from X-Forwarded-For behind CloudFront).
FUZZER = {"x-forwarded-for": "203.0.113.77"}
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
fuzzing = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _config(stack: RunningStack, *, bulky_paths: str | None = None) -> schemathesis.Config:
    """A fixed seed, so every run sends the same requests (and no schemathesis.toml is read).

    Besides the bounded random examples, the coverage phase sends each parameter's edge values and the
    request with undeclared content types; it leaves out wrong methods (those are the gateway's to answer,
    and the local one's HTTP server answers TRACE with its own 501). Operations whose bodies have so many
    fields that their edges alone take seconds (`bulky_paths`, a regex) get the random examples only.
    """
    config: dict[str, Any] = {
        "seed": 20_240_601,
        "base-url": stack.url,
        "phases": {"coverage": {"unexpected-methods": []}},
    }
    if bulky_paths:
        config["operations"] = [{"include-path-regex": bulky_paths, "phases": {"coverage": {"enabled": False}}}]
    return schemathesis.Config.from_dict(config)


def _served(stack: RunningStack, path: str) -> dict[str, Any]:
    reply = requests.get(f"{stack.url}{path}", timeout=10)
    reply.raise_for_status()
    document: dict[str, Any] = reply.json()
    return document


def _merged(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """The carrier and payment webhooks' documents as one, so both are fuzzed by one test."""
    schemas = [document.get("components", {}).get("schemas", {}) for document in documents]
    return {
        **documents[0],
        "paths": {path: item for document in documents for path, item in document["paths"].items()},
        "components": {"schemas": {name: schema for each in schemas for name, schema in each.items()}},
    }


@pytest.fixture(scope="module")
def storefront_schema(stack: RunningStack) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{stack.url}/openapi.json", config=_config(stack))


@pytest.fixture(scope="module")
def ops_schema(stack: RunningStack) -> schemathesis.BaseSchema:
    # An order has some forty fields, nested: its edge values are several hundred requests per route.
    return schemathesis.openapi.from_url(
        f"{stack.url}/ops/openapi.json",
        headers={"authorization": f"Bearer {stack.ops_token}"},
        config=_config(stack, bulky_paths="orders"),
    )


@pytest.fixture(scope="module")
def webhook_schema(stack: RunningStack) -> schemathesis.BaseSchema:
    documents = [_served(stack, f"/webhooks/{kind}/openapi.json") for kind in ("carriers", "payments")]
    return schemathesis.openapi.from_dict(_merged(documents), config=_config(stack))


def _refused_with_a_code(status: int, body: bytes) -> bool:
    """A refusal names what was wrong: {error: {code, message}}."""
    try:
        error = json.loads(body)["error"]
    except (ValueError, KeyError, TypeError):
        return False
    return 400 <= status < 500 and isinstance(error, dict) and bool(error.get("code")) and bool(error.get("message"))


storefront = schemathesis.pytest.from_fixture("storefront_schema")
ops = schemathesis.pytest.from_fixture("ops_schema")
webhooks = schemathesis.pytest.from_fixture("webhook_schema")


@storefront.parametrize()
@fuzzing
def test_the_storefront_answers_only_as_its_served_document_says(case: Case) -> None:
    # Given a request the served document describes, valid or not
    # When it is sent to the storefront
    # Then the reply is no server error, and its status, content type and body are the documented ones
    case.call_and_validate(headers=FUZZER, checks=CONFORMANCE)


@ops.parametrize()
@fuzzing
def test_ops_routes_answer_only_as_their_served_document_says(case: Case, stack: RunningStack) -> None:
    # Given a request the ops document describes, valid or not, with the ops token
    # When it is sent
    response = case.call(headers={**FUZZER, "authorization": f"Bearer {stack.ops_token}"})
    # Then it is no server error, its status, content type and body are the documented ones,
    # and a refusal says why with a code; the gateway's own 401 only for a request the fuzzer sent without the token
    case.validate_response(response, checks=CONFORMANCE)
    if response.status_code == 401:
        assert response.request.headers.get("authorization") != f"Bearer {stack.ops_token}"
        return
    assert response.status_code < 400 or _refused_with_a_code(response.status_code, response.content), response.text


@webhooks.parametrize()
@fuzzing
def test_webhook_routes_answer_only_as_their_served_documents_say(case: Case) -> None:
    # Given a request for a carrier's or a payment provider's webhook (its signature is, of course, wrong)
    # When it is sent
    response = case.call(headers=FUZZER)
    # Then it is no server error, its status, content type and body are the documented ones,
    # and the refusal says why with a code
    case.validate_response(response, checks=CONFORMANCE)
    assert _refused_with_a_code(response.status_code, response.content), response.text
