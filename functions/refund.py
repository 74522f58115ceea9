"""Workflow tasks Refund (after inspection) and the early refunds: compute and pay the refund exactly once."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_core.observability import logger, tracer
from returns_core.wiring import services


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return services().refunder.refund(event["return_id"], early=event.get("early") is True)
