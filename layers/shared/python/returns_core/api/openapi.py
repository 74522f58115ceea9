"""The storefront API's OpenAPI 3.1 document, generated from the routes' own models."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from returns_core.portal.requests import ErrorBody

_DESCRIPTIONS = {
    400: "The body is not valid JSON",
    401: "The session is missing or has expired",
    404: "Not found (an unknown order and a wrong email answer alike)",
    409: "Conflicts with an earlier request",
    415: "The body is not declared as JSON (Content-Type: application/json)",
    422: "The request is not valid; `details` says what",
    429: "Too many attempts; retry after `Retry-After` seconds",
    503: "Temporarily unavailable; nothing was changed",
}


def errors(*statuses: int, ok: Mapping[int, str] | None = None) -> dict[int, Any]:
    """The documented replies of a route: its error replies (400 and 415, a body that is not JSON, apply to
    every body), and its successes, `ok` (status: description), else 200.

    Powertools documents no success once a route lists replies of its own, so they are listed here; their
    schema is the route's return type."""
    replies: dict[int, Any] = {status: {"description": text} for status, text in (ok or {200: "OK"}).items()}
    for status in sorted({400, 415, *statuses}):
        replies[status] = {"description": _DESCRIPTIONS[status], "content": {"application/json": {"model": ErrorBody}}}
    return replies


@cache
def openapi_document(app: APIGatewayHttpResolver) -> str:
    return app.get_openapi_json_schema(
        title="Returns platform: storefront and shopper portal API",
        version="1.0.0",
        description="Start and follow returns; the self-service portal's lookup, uploads and status page. "
        "Every error is {error: {code, message}} with a stable code and a message in the caller's language.",
    )
