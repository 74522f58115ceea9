"""Workflow task for every waiting stage: park the task token on the return."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_core.observability import logger, tracer
from returns_core.wiring import services
from returns_core.workflow.milestones import Stage


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    stage = Stage(event["stage"])
    services().milestones.park(event["return_id"], stage, event["task_token"], error=event.get("error"))
    return {"parked": stage.value}
