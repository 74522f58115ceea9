"""HTTP plumbing shared by the API functions: one place turns errors into replies."""

from __future__ import annotations

import base64
import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from returns_core.errors import DomainError
from returns_core.observability import logger


def error_response(
    status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details:
        body["error"]["details"] = details
    return Response(status, content_types.APPLICATION_JSON, body)


def json_response(status: int, body: Any) -> Response[dict[str, Any]]:
    return Response(status, content_types.APPLICATION_JSON, body)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ()) if part not in ("body",)]
        details.append({"field": ".".join(location), "message": str(error.get("msg", "invalid"))})
    return details


def body_problem(event: dict[str, Any]) -> dict[str, Any] | None:
    """An error reply if the request has a body that is not one JSON object, else None.

    Checked before the resolver runs: Powertools would validate the first element of an array as the
    body, and decoding some documents (deep nesting, huge integers) raises instead of failing cleanly.
    """
    body = raw_body(event)
    if not body:
        return None
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        code, status, message = "MALFORMED_JSON", 400, "The request body is not valid JSON."
    else:
        if isinstance(parsed, dict):
            return None
        code, status, message = "INVALID_REQUEST", 422, "The request body must be a JSON object."
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps({"error": {"code": code, "message": message}}),
        "isBase64Encoded": False,
    }


def build_resolver() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response[dict[str, Any]]:
        if any(error.get("type") == "json_invalid" for error in exc.errors()):
            return error_response(400, "MALFORMED_JSON", "The request body is not valid JSON.")
        return error_response(422, "INVALID_REQUEST", "The request is not valid.", _validation_details(exc))

    @app.exception_handler(json.JSONDecodeError)
    def _malformed(exc: json.JSONDecodeError) -> Response[dict[str, Any]]:
        return error_response(400, "MALFORMED_JSON", "The request body is not valid JSON.")

    @app.exception_handler(DomainError)
    def _domain(exc: DomainError) -> Response[dict[str, Any]]:
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.not_found
    def _not_found(exc: Exception) -> Response[dict[str, Any]]:
        return error_response(404, "ROUTE_NOT_FOUND", "No such route.")

    return app


def raw_body(event: dict[str, Any]) -> bytes:
    """The request body as the sender's bytes (API Gateway may have base64-encoded it)."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except ValueError:
            logger.warning("undecodable base64 body")
            return b""
    return body.encode("utf-8")
