"""Carrier scan webhooks: verify the signature over the raw body, normalise, dedupe, publish.

`POST /webhooks/carriers/{provider}` for each provider in `returns_core.webhooks.providers`. A body
may carry several scans (a tracker's whole history); each is published once, whatever the carrier
resends. Nothing from the body (tracking numbers, addresses, names) is logged.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from returns_core.api.http import build_resolver, error_response, json_response, raw_body, webhook_secrets
from returns_core.api.openapi import errors, openapi_document
from returns_core.clock import utcnow
from returns_core.observability import logger, metrics, tracer
from returns_core.ports.events import PublishFailed
from returns_core.webhooks.normalising import UnreadablePayload
from returns_core.webhooks.providers import provider as find_provider
from returns_core.webhooks.publishing import ScanInProgress, publish_scan
from returns_core.webhooks.signatures import SignatureInvalid
from returns_core.wiring import services

# A scan dated further ahead than this is a carrier's clock or data error, not news.
_CLOCK_SKEW = timedelta(hours=6)
# The newest scans of one delivery that are published; older ones came with earlier deliveries, and the
# reply must come back within the carrier's timeout (each publish is a few AWS calls).
_MOST_SCANS = 50

app = build_resolver()
TITLE = "carrier webhooks"
DESCRIPTION = (
    "Tracking scans pushed by carriers and tracking services, signed as each provider signs them "
    "(the signature is checked over the raw body). Every scan is applied once, whatever is resent."
)


class ScansAccepted(BaseModel):
    accepted: bool
    published: int = Field(description="scans queued for the returns they belong to")
    ignored: int = Field(description="scans already received, or older than the delivery's newest fifty")
    future_dated: int = Field(description="scans dated further ahead than clocks can drift; dropped")


@app.post(
    "/webhooks/carriers/<provider>",
    summary="A carrier's tracking webhook",
    responses=errors(
        ok={202: {"description": "Accepted", "content": {"application/json": {"model": ScansAccepted}}}},
        json_body=False,
        why={
            400: "The body is not a tracking event of this provider, or every scan in it is dated in the future",
            401: "The signature is missing or does not match",
            404: "No webhook for this provider",
            409: "The same event is being processed by another delivery; retry later",
            422: "The path is not valid",
            503: "The event could not be queued, or this provider's secret is not configured; retry later",
        },
    ),
    status_code=202,
)
def receive(provider: Annotated[str, Path(max_length=40)]) -> Response[dict[str, Any]]:
    carrier = find_provider(provider)
    if carrier is None:
        return error_response(404, "UNKNOWN_PROVIDER", f"No webhook for provider {provider!r}.")
    body = raw_body(app.current_event.raw_event)
    secrets = webhook_secrets(services().webhook_secrets, provider)
    if isinstance(secrets, Response):
        return secrets
    try:
        carrier.verify(secrets, app.current_event.headers, body, utcnow())
    except SignatureInvalid:
        metrics.add_metric(name="WebhookSignatureRejected", unit="Count", value=1)
        logger.warning("webhook signature rejected", extra={"provider": provider})
        return error_response(401, "INVALID_SIGNATURE", "The webhook signature is missing or invalid.")
    try:
        scans = carrier.normalise(body)
    except UnreadablePayload:
        logger.warning("webhook body unreadable", extra={"provider": provider})
        return error_response(400, "UNREADABLE_PAYLOAD", "The webhook body is not a tracking event.")

    latest = utcnow() + _CLOCK_SKEW
    plausible = sorted((scan for scan in scans if scan.occurred_at <= latest), key=lambda scan: scan.occurred_at)
    future_dated = len(scans) - len(plausible)
    if future_dated:
        metrics.add_metric(name="WebhookScansFutureDated", unit="Count", value=future_dated)
    if scans and not plausible:
        # Nothing in the delivery is believable: refuse it, so the carrier's retry can bring a corrected one.
        return error_response(400, "IMPLAUSIBLE_SCAN_TIME", "The scan is dated in the future.")

    published = 0
    for scan in plausible[-_MOST_SCANS:]:
        try:
            if publish_scan(services(), scan, app.lambda_context):
                published += 1
        except ScanInProgress:
            # The same event is being published by a concurrent delivery; the carrier may retry later.
            return error_response(409, "SCAN_IN_PROGRESS", "This event is being processed; retry later.")
        except PublishFailed as exc:
            # Not accepted, so the carrier delivers it again; what was published is deduplicated then.
            logger.warning("scan not queued: the bus refused it", extra={"provider": provider, "errors": exc.args[1:]})
            metrics.add_metric(name="WebhookScansNotQueued", unit="Count", value=1)
            return error_response(
                503,
                "EVENT_BUS_UNAVAILABLE",
                "The scan could not be queued; retry later.",
                headers={"retry-after": "30"},
            )
    if published:
        metrics.add_metric(name="WebhookScansPublished", unit="Count", value=published)
    ignored = len(scans) - published
    logger.info(
        "carrier webhook accepted",
        extra={
            "provider": provider,
            "published": published,
            "ignored": ignored,
            "future_dated": future_dated,
            "statuses": sorted({scan.status.value for scan in plausible}),
        },
    )
    return json_response(
        202, {"accepted": True, "published": published, "ignored": ignored, "future_dated": future_dated}
    )


@app.get("/webhooks/carriers/openapi.json", include_in_schema=False)
def openapi() -> Response[str]:
    return Response(200, "application/json", openapi_document(app, TITLE, DESCRIPTION))


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
