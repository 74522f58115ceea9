"""Email the shopper at a milestone, at most once per return and milestone.

Invoked by the state machine's Notify states ({"return_id", "event"}) and by the milestone-events
rule for milestones reached outside it (the same fields in the EventBridge event's detail).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_core.observability import logger, tracer
from returns_core.wiring import services


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Imported with the first call, like the function's clients: the package imports boto3 with it.
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

    config = IdempotencyConfig(event_key_jmespath="[return_id, event]", expires_after_seconds=90 * 86400)
    config.register_lambda_context(context)

    @idempotent_function(
        data_keyword_argument="milestone",
        persistence_store=services().idempotency_store("notify"),
        config=config,
    )
    def send(milestone: dict[str, Any]) -> dict[str, Any]:
        return services().notifications.send(milestone["return_id"], milestone["event"])

    milestone: dict[str, Any] = event.get("detail", event)
    return send(milestone={"return_id": milestone["return_id"], "event": milestone["event"]})
