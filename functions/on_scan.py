"""Target of the scan-events rule: apply a scan to its return; heartbeat or resume the waiting task."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from returns_core.domain.scans import ScanEvent
from returns_core.observability import logger, metrics, tracer
from returns_core.wiring import services


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        scan = ScanEvent.model_validate(event.get("detail") or {})
    except ValidationError:
        # Retrying cannot make a malformed event valid: record it and let it go.
        logger.error("malformed scan event dropped", extra={"event_id": event.get("id")})
        metrics.add_metric(name="ScanEventMalformed", unit="Count", value=1)
        return {"outcome": "MALFORMED"}
    outcome = services().milestones.apply_scan(scan)
    if outcome == "UNMATCHED":
        # Kept for reconciliation (an ops action), not retried: retrying cannot make it match.
        services().unmatched_scans.keep(scan)
        metrics.add_metric(name="ScanUnmatched", unit="Count", value=1)
    logger.info("scan applied", extra={"outcome": outcome, "status": scan.status, "tracking": scan.tracking_number})
    return {"outcome": outcome}
