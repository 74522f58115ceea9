"""The storefront API's OpenAPI 3.1 document, generated from the routes' own models."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from returns_core.portal.requests import ErrorBody

_DESCRIPTIONS = {
    400: "The body is not valid JSON",
    401: "The session is missing or has expired",
    404: "Not found (an unknown order and a wrong email answer alike)",
    409: "Conflicts with an earlier request",
    422: "The request is not valid; `details` says what",
    429: "Too many attempts; retry after `Retry-After` seconds",
    503: "Temporarily unavailable; nothing was changed",
}


def errors(*statuses: int) -> dict[int, Any]:
    """The documented error replies of a route (400 for malformed JSON applies to every body)."""
    return {
        status: {"description": _DESCRIPTIONS[status], "content": {"application/json": {"model": ErrorBody}}}
        for status in sorted({400, *statuses})
    }


@cache
def openapi_document(app: APIGatewayHttpResolver) -> str:
    return app.get_openapi_json_schema(
        title="Returns platform: storefront and shopper portal API",
        version="1.0.0",
        description="Start and follow returns; the self-service portal's lookup, uploads and status page. "
        "Every error is {error: {code, message}} with a stable code and a message in the caller's language.",
    )
