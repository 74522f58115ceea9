"""HTTP plumbing shared by the API functions: one place turns errors into replies.

Error messages are answered in the caller's language (`lang` query parameter, else
Accept-Language); the code beside them is stable and machine-readable.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from returns_core.errors import DomainError, TooManyRequests
from returns_core.i18n import N_, Translator, negotiate, translator
from returns_core.observability import logger, metrics
from returns_core.settings import ConfigurationError

MALFORMED_JSON = N_("The request body is not valid JSON.")
NOT_AN_OBJECT = N_("The request body must be a JSON object.")
NOT_JSON = N_("The request body must be JSON, sent with Content-Type: application/json.")
INVALID_REQUEST = N_("The request is not valid.")
NO_SUCH_ROUTE = N_("No such route.")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def request_translator(event: dict[str, Any]) -> Translator:
    query = event.get("queryStringParameters") or {}
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    return translator(negotiate(query.get("lang"), headers.get("accept-language")))


def client_address(event: dict[str, Any]) -> str:
    """The shopper's address, for per-client limits.

    Behind CloudFront the connection comes from an edge server; CloudFront appends the viewer's
    address to X-Forwarded-For, so the viewer is the last entry that is not the connecting address.
    Entries before it are whatever the client sent and are not trusted.
    """
    source = str(((event.get("requestContext") or {}).get("http") or {}).get("sourceIp") or "unknown")
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    chain = [part.strip() for part in headers.get("x-forwarded-for", "").split(",") if part.strip()]
    if chain and chain[-1] == source:
        chain.pop()
    return chain[-1][:64] if chain else source


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details:
        body["error"]["details"] = details
    return Response(status, content_types.APPLICATION_JSON, body, headers=headers)


def json_response(status: int, body: Any) -> Response[dict[str, Any]]:
    return Response(status, content_types.APPLICATION_JSON, body)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ()) if part not in ("body",)]
        details.append({"field": ".".join(location), "message": str(error.get("msg", "invalid"))})
    return details


def _declares_other_than_json(event: dict[str, Any]) -> bool:
    """Powertools reads a body as JSON when its Content-Type is missing or starts with application/json."""
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    declared = headers.get("content-type", "").strip()
    return bool(declared) and not declared.startswith(content_types.APPLICATION_JSON)


def body_problem(event: dict[str, Any]) -> dict[str, Any] | None:
    """An error reply if the request has a body that is not one JSON object, else None.

    Checked before the resolver runs: Powertools would validate the first element of an array as the
    body, and decoding some documents (deep nesting, huge integers) raises instead of failing cleanly.
    A body declared as something else (a form, multipart, text) is refused too: Powertools would parse
    it as declared, fail on a multipart type without a boundary, and answer others in its own shape.
    """
    body = raw_body(event)
    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method") or "").upper()
    if (body or method in _BODY_METHODS) and _declares_other_than_json(event):
        code, status, message = "UNSUPPORTED_MEDIA_TYPE", 415, NOT_JSON
    elif not body:
        return None
    else:
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):
            code, status, message = "MALFORMED_JSON", 400, MALFORMED_JSON
        else:
            if isinstance(parsed, dict):
                return None
            code, status, message = "INVALID_REQUEST", 422, NOT_AN_OBJECT
    message = request_translator(event)(message)
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps({"error": {"code": code, "message": message}}),
        "isBase64Encoded": False,
    }


def build_resolver() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)

    def _(message: str, **params: Any) -> str:
        return request_translator(app.current_event.raw_event)(message, **params)

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response[dict[str, Any]]:
        if any(error.get("type") == "json_invalid" for error in exc.errors()):
            return error_response(400, "MALFORMED_JSON", _(MALFORMED_JSON))
        return error_response(422, "INVALID_REQUEST", _(INVALID_REQUEST), _validation_details(exc))

    @app.exception_handler(json.JSONDecodeError)
    def _malformed(exc: json.JSONDecodeError) -> Response[dict[str, Any]]:
        return error_response(400, "MALFORMED_JSON", _(MALFORMED_JSON))

    @app.exception_handler(DomainError)
    def _domain(exc: DomainError) -> Response[dict[str, Any]]:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        return error_response(exc.status, exc.code, _(exc.template, **exc.params), exc.details, headers)

    @app.not_found
    def _not_found(exc: Exception) -> Response[dict[str, Any]]:
        return error_response(404, "ROUTE_NOT_FOUND", _(NO_SUCH_ROUTE))

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


def webhook_secrets(load: Callable[[str], list[str]], provider: str) -> list[str] | Response[dict[str, Any]]:
    """The provider's webhook secrets, or the 503 that asks it to retry once the deployment is fixed."""
    try:
        return load(provider)
    except ConfigurationError:
        # The deployment's secrets are missing or malformed: the sender should retry once it is fixed.
        logger.exception("webhook secrets misconfigured", extra={"provider": provider})
        metrics.add_metric(name="WebhookMisconfigured", unit="Count", value=1)
        return error_response(503, "WEBHOOK_NOT_CONFIGURED", "Webhooks for this provider are not configured yet.")
