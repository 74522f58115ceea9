"""Workflow tasks Refund (after inspection) and the early refunds: compute and pay the refund exactly once.

Also the target of the refund-repay rule: a refund reversed after the workflow ended, paid again at
ops' request, with its correction booked in the ledger.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_core.observability import logger, metrics, tracer
from returns_core.ports.payments import PaymentRejected
from returns_core.wiring import services
from returns_core.workflow.refunding import REPAY_DETAIL_TYPE

# Also counted by the payment webhook (a refund the provider fails after accepting it).
REFUNDS_FAILED_METRIC = "RefundsFailed"


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    svc = services()
    if event.get("detail-type") == REPAY_DETAIL_TYPE:
        return_id = str((event.get("detail") or {}).get("return_id") or "")
        if not svc.returns.find(return_id):
            logger.error("repay for an unknown return dropped", extra={"event_id": event.get("id")})
            return {"final_status": None}
        result = svc.refunder.repay(return_id)
        if result.get("refused"):
            metrics.add_metric(name=REFUNDS_FAILED_METRIC, unit="Count", value=1)
        if result["final_status"] == "REFUNDED":
            svc.cost_recorder.record(return_id)
        logger.info("refund repaid", extra={"return_id": return_id, "final_status": result["final_status"]})
        return result
    try:
        result = svc.refunder.refund(event["return_id"], early=event.get("early") is True)
    except PaymentRejected:
        # The workflow parks the return for ops; the alarm on this metric tells them (infra Monitoring).
        metrics.add_metric(name=REFUNDS_FAILED_METRIC, unit="Count", value=1)
        raise
    if result.get("refused"):  # an early refund refused: the settle step tries again after inspection
        metrics.add_metric(name=REFUNDS_FAILED_METRIC, unit="Count", value=1)
    return result
