"""The API functions' OpenAPI 3.1 documents, generated from the routes' own models and served by each."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from pydantic import BaseModel

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
# A reply's description or its whole OpenAPI response object (to give its own content types).
Reply = str | Mapping[str, Any]


class GatewayRefusal(BaseModel):
    """What API Gateway answers itself, before any function runs (its JWT authorizer's refusals)."""

    message: str


def _reply(reply: Reply) -> dict[str, Any]:
    return {"description": reply} if isinstance(reply, str) else dict(reply)


def errors(
    *statuses: int,
    ok: Mapping[int, Reply] | None = None,
    json_body: bool = True,
    why: Mapping[int, str] | None = None,
) -> dict[int, Any]:
    """The documented replies of a route: its error replies, and its successes, `ok`, else 200.

    400, 415 and 422 (a body that is not JSON, or not an object) apply to every route whose body is read as
    JSON (`json_body`);
    `why` says what a status means on this route where the usual description does not fit (and lists it).
    Powertools documents no success once a route lists replies of its own, so they are listed here; their
    schema is the route's return type unless a reply gives its own content."""
    replies = {status: _reply(reply) for status, reply in (ok or {200: "OK"}).items()}
    for status in sorted({*((400, 415, 422) if json_body else ()), *statuses, *(why or {})}):
        description = (why or {}).get(status, _DESCRIPTIONS.get(status, ""))
        replies[status] = {"description": description, "content": {"application/json": {"model": ErrorBody}}}
    return replies


def ops_errors(*statuses: int, ok: Mapping[int, Reply] | None = None) -> dict[int, Any]:
    """An ops route's replies: its own, and the gateway's 401 when the ops token is missing or not valid."""
    unauthorised = {
        "description": "No valid ops token (Authorization: Bearer <JWT>); answered by the gateway",
        "content": {"application/json": {"model": GatewayRefusal}},
    }
    return {**errors(*statuses, ok=ok), 401: unauthorised}


@cache
def openapi_document(app: APIGatewayHttpResolver, title: str, description: str, bearer: bool = False) -> str:
    """`bearer`: every route needs a bearer token, checked by the gateway."""
    # Powertools' OpenAPI models are some 80 ms of pydantic classes to build: only this route needs them,
    # so a cold start that serves anything else does not pay for them.
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    return app.get_openapi_json_schema(
        title=f"Returns platform: {title}",
        version="1.0.0",
        description=f"{description} Every error a function answers is {{error: {{code, message}}}} with a stable "
        "code and a message in the caller's language.",
        security_schemes={"opsToken": HTTPBearer(bearerFormat="JWT")} if bearer else None,
        security=[{"opsToken": []}] if bearer else None,
    )
