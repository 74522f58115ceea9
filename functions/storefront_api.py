"""Storefront and portal routes: find an order, upload photos, start a return, follow it."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_core.api.http import body_problem, build_resolver, client_address, json_response, request_translator
from returns_core.api.openapi import errors, openapi_document
from returns_core.api.views import public_view
from returns_core.domain.requests import ReturnRequest
from returns_core.errors import InvalidInput, NotFound
from returns_core.i18n import LANGUAGES, N_, language_name, messages_for
from returns_core.observability import logger, tracer
from returns_core.portal.requests import Lookup, UploadRequest, Verify
from returns_core.wiring import services

app = build_resolver()
TITLE = "storefront and shopper portal API"
DESCRIPTION = "Start and follow returns; the self-service portal's lookup, uploads and status page."

_KEY_MAX = 255
Lang = Annotated[str | None, Query(max_length=16, description="Language tag; else Accept-Language")]


def _() -> Any:
    return request_translator(app.current_event.raw_event)


def _client() -> str:
    return client_address(app.current_event.raw_event)


def _bearer() -> str:
    header = app.current_event.headers.get("authorization") or ""
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


@app.post(
    "/returns",
    summary="Start a return",
    responses=errors(
        404, 409, 422, 503, ok={201: "The return is started", 200: "Its Idempotency-Key started this return before"}
    ),
    status_code=201,
)
def create_return(request: Annotated[ReturnRequest, Body()], lang: Lang = None) -> Response[dict[str, Any]]:
    key = app.current_event.headers.get("idempotency-key")
    if key is not None and not (0 < len(key) <= _KEY_MAX and key.isprintable()):
        raise InvalidInput(N_("Idempotency-Key must be 1 to 255 printable characters."), code="INVALID_IDEMPOTENCY_KEY")
    record, created = services().intake.create(request, key)
    if record.withdrawal and not record.withdrawal.get("sent_at"):
        services().withdrawals.confirm(record.return_id)
    logger.info("return requested", extra={"return_id": record.return_id, "new_return": created})
    body = {**public_view(record, services().documents), "track_token": services().portal.track_token(record.return_id)}
    return json_response(201 if created else 200, body)


@app.get("/returns/<return_id>", summary="A return's status", responses=errors(404, 422))
def get_return(return_id: Annotated[str, Path(min_length=1, max_length=40)]) -> dict[str, Any]:
    record = services().returns.find(return_id)
    if record is None:
        raise NotFound(N_("No such return."), code="RETURN_NOT_FOUND")
    return public_view(record, services().documents)


@app.get("/shopper/messages", summary="The portal's texts in the chosen language", responses=errors(422))
def messages(lang: Lang = None) -> dict[str, Any]:
    translate = _()
    return {
        "language": translate.language,
        "languages": [{"tag": tag, "name": language_name(tag)} for tag in LANGUAGES],
        "messages": messages_for(translate.language),
    }


@app.post(
    "/shopper/lookup",
    summary="Find an order by email and order number",
    description="200 with the order, or 202 when a one-time code was emailed first. "
    "An unknown order and a wrong email get the same 404.",
    responses=errors(404, 422, 429, ok={200: "The order", 202: "A one-time code was emailed"}),
)
def lookup(body: Annotated[Lookup, Body()], lang: Lang = None) -> Response[dict[str, Any]]:
    status, reply = services().portal.lookup(body.email, body.order_number, _client(), _())
    return json_response(status, reply)


@app.post("/shopper/verify", summary="Open an order with the emailed one-time code", responses=errors(422, 429))
def verify(body: Annotated[Verify, Body()], lang: Lang = None) -> dict[str, Any]:
    return services().portal.verify(body.challenge, body.code.strip(), _())


@app.post(
    "/shopper/uploads",
    summary="A presigned POST for one photo (Authorization: Bearer <session>)",
    responses=errors(401, 422, ok={201: "Where and how to upload the photo"}),
    status_code=201,
)
def upload(body: Annotated[UploadRequest, Body()], lang: Lang = None) -> Response[dict[str, Any]]:
    return json_response(201, services().portal.offer_upload(_bearer(), body.content_type, body.size))


@app.get("/shopper/track/<token>", summary="The status page of a return", responses=errors(404, 422))
def track(token: Annotated[str, Path(min_length=1, max_length=2048)], lang: Lang = None) -> dict[str, Any]:
    return services().portal.track(token, _())


@app.get("/openapi.json", include_in_schema=False)
def openapi() -> Response[str]:
    return Response(200, "application/json", openapi_document(app, TITLE, DESCRIPTION))


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return body_problem(event) or app.resolve(event, context)
