"""Carrier scan webhooks: verify the signature over the raw body, normalise, dedupe, publish."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_core.api.http import build_resolver, error_response, json_response, raw_body
from returns_core.clock import utcnow
from returns_core.observability import logger, metrics, tracer
from returns_core.webhooks import sandbox
from returns_core.webhooks.publishing import publish_scan
from returns_core.webhooks.signatures import SignatureInvalid
from returns_core.wiring import services

# Carrier bodies are checked by signature first, then parsed by the provider's normaliser.
_CLOCK_SKEW = timedelta(hours=6)

app = build_resolver()


@app.post("/webhooks/carriers/<provider>")
def receive(provider: Annotated[str, Path(max_length=40)]) -> Response[dict[str, Any]]:
    if provider != sandbox.PROVIDER:
        return error_response(404, "UNKNOWN_PROVIDER", f"No webhook for provider {provider!r}.")
    body = raw_body(app.current_event.raw_event)
    try:
        sandbox.verify(services().webhook_secret, app.current_event.headers, body, utcnow())
    except SignatureInvalid:
        metrics.add_metric(name="WebhookSignatureRejected", unit="Count", value=1)
        return error_response(401, "INVALID_SIGNATURE", "The webhook signature is missing or invalid.")
    try:
        scan = sandbox.normalise(body)
    except sandbox.UnreadablePayload:
        return error_response(400, "UNREADABLE_PAYLOAD", "The webhook body is not a tracking event.")
    if scan is None:
        return json_response(202, {"accepted": True, "action": "IGNORED"})
    if scan.occurred_at > utcnow() + _CLOCK_SKEW:
        return error_response(400, "IMPLAUSIBLE_SCAN_TIME", "The scan is dated in the future.")
    try:
        publish_scan(services(), scan, app.lambda_context)
    except IdempotencyAlreadyInProgressError:
        # The same event is being published by a concurrent delivery; the carrier may retry later.
        return error_response(409, "SCAN_IN_PROGRESS", "This event is being processed; retry later.")
    logger.info("scan accepted", extra={"provider": provider, "status": scan.status, "event_id": scan.event_id})
    return json_response(202, {"accepted": True, "action": "PUBLISHED", "status": scan.status})


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
