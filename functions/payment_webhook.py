"""Payment providers' refund webhooks: verify over the raw body, then settle the refund they report.

`POST /webhooks/payments/{provider}` for stripe, adyen and the sandbox provider. Each event is applied
once (its id is kept on the refund), and a pending refund's waiting task is resumed. Adyen expects the
body `[accepted]` back; the others any 2xx. Nothing from the body (names, card details) is logged.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from returns_core.api.http import build_resolver, error_response, json_response, raw_body, webhook_secrets
from returns_core.api.openapi import errors, openapi_document
from returns_core.clock import utcnow
from returns_core.observability import logger, metrics, tracer
from returns_core.storage.repository import ConcurrentUpdate
from returns_core.webhooks.payment_events import PAYMENT_WEBHOOKS, SignatureInvalid, UnreadablePayload
from returns_core.wiring import services

app = build_resolver()
TITLE = "payment webhooks"
DESCRIPTION = (
    "Refund outcomes pushed by payment providers (stripe, adyen, the sandbox), signed as each signs them "
    "(the signature is checked over the raw body). Every event is applied once, whatever is resent."
)


class RefundEventsAccepted(BaseModel):
    accepted: bool
    outcomes: dict[str, int] = Field(description="how many of the delivery's events had each outcome")


_ACCEPTED = {
    "description": "Accepted (adyen is answered with the text `[accepted]`, as it requires)",
    "content": {
        "application/json": {"model": RefundEventsAccepted},
        "text/plain": {"schema": {"type": "string", "const": "[accepted]"}},
    },
}


@app.post(
    "/webhooks/payments/<provider>",
    summary="A payment provider's refund webhook",
    responses=errors(
        ok={202: _ACCEPTED},
        json_body=False,
        why={
            400: "The body is not a refund event of this provider",
            401: "The signature is missing or does not match",
            404: "No webhook for this payment provider",
            409: "The refund is being updated by another delivery; retry later",
            422: "The path is not valid",
            503: "This provider's secret is not configured; retry later",
        },
    ),
    status_code=202,
)
def receive(provider: Annotated[str, Path(max_length=40)]) -> Response[Any]:
    read = PAYMENT_WEBHOOKS.get(provider)
    if read is None:
        return error_response(404, "UNKNOWN_PROVIDER", f"No webhook for payment provider {provider!r}.")
    body = raw_body(app.current_event.raw_event)
    secrets = webhook_secrets(services().payment_webhook_secrets, provider)
    if isinstance(secrets, Response):
        return secrets
    try:
        events = read(body, app.current_event.headers, secrets, utcnow())
    except SignatureInvalid:
        metrics.add_metric(name="WebhookSignatureRejected", unit="Count", value=1)
        logger.warning("payment webhook signature rejected", extra={"provider": provider})
        return error_response(401, "INVALID_SIGNATURE", "The webhook signature is missing or invalid.")
    except UnreadablePayload:
        logger.warning("payment webhook body unreadable", extra={"provider": provider})
        return error_response(400, "UNREADABLE_PAYLOAD", "The webhook body is not a refund event.")

    outcomes: dict[str, int] = {}
    for event in events:
        try:
            outcome = services().refund_settlements.apply(event)
        except ConcurrentUpdate:
            # Another delivery is changing the same return right now: the provider retries a non-2xx.
            return error_response(409, "REFUND_IN_PROGRESS", "This refund is being updated; retry later.")
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if outcome in ("REVERSED", "FAILED"):
            metrics.add_metric(name=f"Refunds{outcome.title()}", unit="Count", value=1)
    logger.info("payment webhook accepted", extra={"provider": provider, "outcomes": outcomes})
    if provider == "adyen":
        # Adyen marks a notification delivered only when the answer's body is exactly this.
        return Response(status_code=202, content_type="text/plain", body="[accepted]")
    return json_response(202, {"accepted": True, "outcomes": outcomes})


@app.get("/webhooks/payments/openapi.json", include_in_schema=False)
def openapi() -> Response[str]:
    return Response(200, "application/json", openapi_document(app, TITLE, DESCRIPTION))


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
