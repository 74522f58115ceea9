"""Putting a verified scan on the bus once, however often the carrier sends it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from returns_core.domain.scans import ScanEvent
from returns_core.ports.events import DomainEvent

if TYPE_CHECKING:
    from returns_core.wiring import Services

SCAN_SOURCE = "returns.carriers"
SCAN_DETAIL_TYPE = "ScanEvent"
# Carriers redeliver for days; remember an event id for a week.
_DEDUPE_SECONDS = 7 * 86400


class ScanInProgress(RuntimeError):
    """The same scan is being published by a concurrent delivery of it."""


def scan_event(scan: ScanEvent) -> DomainEvent:
    return DomainEvent(SCAN_SOURCE, SCAN_DETAIL_TYPE, scan.model_dump(mode="json"))


def publish_scan(services: Services, scan: ScanEvent, context: Any) -> bool:
    """Put the scan on the bus unless this (provider, event id) was published before.

    True if this call published it, False if it had been already. A failed publish (the bus refused an
    entry) raises and leaves no dedupe record, so the carrier's retry publishes it. ScanInProgress if a
    concurrent delivery of the same scan holds its dedupe record.
    """
    # Imported here: Powertools' idempotency package imports boto3 with it, which the functions
    # otherwise import with their first client.
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

    persistence = services.idempotency_store("scan-publish")
    config = IdempotencyConfig(event_key_jmespath="[provider, event_id]", expires_after_seconds=_DEDUPE_SECONDS)
    config.register_lambda_context(context)
    published = False

    @idempotent_function(data_keyword_argument="detail", persistence_store=persistence, config=config)
    def publish(detail: dict[str, Any]) -> dict[str, Any]:
        nonlocal published
        services.publisher.publish([scan_event(scan)])
        published = True
        return {"published": detail["event_id"]}

    try:
        publish(detail=scan.model_dump(mode="json"))
    except IdempotencyAlreadyInProgressError:
        raise ScanInProgress(scan.event_id) from None
    return published
