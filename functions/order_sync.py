"""Target of the order-placed rule: store the order the shop published (units sold are counted once)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from returns_core.domain.orders import Order
from returns_core.observability import logger, metrics, tracer
from returns_core.wiring import services


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        order = Order.model_validate(event.get("detail") or {})
    except ValidationError as exc:
        # Retrying cannot make a malformed order valid: say which fields, never their values.
        fields = sorted({".".join(str(part) for part in error["loc"]) for error in exc.errors()})
        logger.error("malformed order event dropped", extra={"event_id": event.get("id"), "fields": fields})
        metrics.add_metric(name="OrderEventMalformed", unit="Count", value=1)
        return {"outcome": "MALFORMED", "fields": fields}
    existed = services().orders.find(order.order_number) is not None
    services().orders.upsert(order)
    logger.info("order synced", extra={"order_number": order.order_number, "new_order": not existed})
    return {"outcome": "UPDATED" if existed else "CREATED", "order_number": order.order_number}
