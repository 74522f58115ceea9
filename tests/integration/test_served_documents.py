"""Each API function serves the OpenAPI document of its own routes, so integrators read what is deployed."""

from __future__ import annotations

import re
from typing import Any

import pytest

from infra import catalogue
from tests.integration.support import LocalAws, api_event, call_api

SERVED = {
    "storefront-api": "/openapi.json",
    "ops-api": "/ops/openapi.json",
    "carrier-webhook": "/webhooks/carriers/openapi.json",
    "payment-webhook": "/webhooks/payments/openapi.json",
}


def _document(function: str) -> dict[str, Any]:
    reply = call_api(function, api_event("GET", SERVED[function]))
    assert reply.status == 200, reply.body
    document: dict[str, Any] = reply.body
    return document


def _operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


@pytest.mark.parametrize("function", sorted(SERVED))
def test_each_api_serves_a_document_of_exactly_its_deployed_routes(aws: LocalAws, function: str) -> None:
    # Given the routes the catalogue deploys for the function (the document's own route aside)
    spec = next(spec for spec in catalogue.FUNCTIONS if spec.name == function)
    deployed = {(route.method, route.path) for route in spec.routes if route.path != SERVED[function]}
    # When its document is fetched through its own route
    document = _document(function)
    # Then it is OpenAPI 3.1 and lists every deployed route, and nothing that is not deployed
    assert document["openapi"].startswith("3.1")
    assert _operations(document) == deployed


@pytest.mark.parametrize("function", sorted(SERVED))
def test_every_documented_error_has_the_coded_error_shape(aws: LocalAws, function: str) -> None:
    # When a document is fetched
    document = _document(function)
    # Then every operation documents a success, and each 4xx/5xx the function answers is {error: {code, message}}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            statuses = set(operation["responses"])
            assert any(status.startswith("2") for status in statuses), (method, path)
            for status in statuses - {"401"} if function == "ops-api" else statuses:
                if status.startswith(("4", "5")):
                    schema = operation["responses"][status]["content"]["application/json"]["schema"]
                    assert schema["$ref"].endswith("/ErrorBody"), (method, path, status)


def test_the_ops_document_says_every_route_needs_the_ops_token(aws: LocalAws) -> None:
    # When the ops document is fetched
    document = _document("ops-api")
    # Then a bearer JWT is required everywhere, and the gateway's own refusal of a missing token is documented
    assert document["components"]["securitySchemes"]["opsToken"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert document["security"] == [{"opsToken": []}]
    for item in document["paths"].values():
        for operation in item.values():
            refusal = operation["responses"]["401"]["content"]["application/json"]["schema"]
            assert refusal["$ref"].endswith("/GatewayRefusal")


@pytest.mark.parametrize("function", ["carrier-webhook", "payment-webhook"])
def test_a_webhook_document_tells_the_provider_what_to_retry(aws: LocalAws, function: str) -> None:
    # When a webhook's document is fetched
    document = _document(function)
    (operation,) = (item["post"] for item in document["paths"].values())
    # Then it is answered 202 when accepted, 401 when the signature is wrong, and 409 and 503 say to retry later
    assert {"202", "401", "409", "503"} <= set(operation["responses"])
    assert re.search(r"retry", operation["responses"]["503"]["description"], re.IGNORECASE)
    assert "requestBody" not in operation  # the raw body is the provider's, checked against its signature


def test_a_webhook_document_is_not_taken_for_a_provider(aws: LocalAws) -> None:
    # When someone posts to the document's path as if it were a provider's webhook
    reply = call_api("carrier-webhook", api_event("POST", "/webhooks/carriers/openapi.json", {"events": []}))
    # Then it is the unknown provider's 404, not the document
    assert reply.status == 404
    assert reply.body["error"]["code"]
