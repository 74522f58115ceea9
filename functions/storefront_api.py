"""Storefront and portal routes: start a return, follow it."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_core.api.http import body_problem, build_resolver, json_response
from returns_core.api.views import public_view
from returns_core.domain.requests import ReturnRequest
from returns_core.errors import InvalidInput, NotFound
from returns_core.observability import logger, tracer
from returns_core.wiring import services

app = build_resolver()

_KEY_MAX = 255


@app.post("/returns")
def create_return(request: Annotated[ReturnRequest, Body()]) -> Response[dict[str, Any]]:
    key = app.current_event.headers.get("idempotency-key")
    if key is not None and not (0 < len(key) <= _KEY_MAX and key.isprintable()):
        raise InvalidInput("Idempotency-Key must be 1 to 255 printable characters.", code="INVALID_IDEMPOTENCY_KEY")
    record, created = services().intake.create(request, key)
    logger.info("return requested", extra={"return_id": record.return_id, "new_return": created})
    return json_response(201 if created else 200, public_view(record, services().documents))


@app.get("/returns/<return_id>")
def get_return(return_id: Annotated[str, Path(min_length=1, max_length=40)]) -> dict[str, Any]:
    record = services().returns.find(return_id)
    if record is None:
        raise NotFound("No such return.", code="RETURN_NOT_FOUND")
    return public_view(record, services().documents)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return body_problem(event) or app.resolve(event, context)
