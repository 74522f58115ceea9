"""EventBridge publisher: batches of 10, and a partial failure is an error, never silence."""

from __future__ import annotations

import json
from typing import Any

from returns_core.ports.events import DomainEvent, PublishFailed

_BATCH = 10


class EventBridgePublisher:
    def __init__(self, client: Any, bus_name: str) -> None:
        self._client = client
        self._bus = bus_name

    def publish(self, events: list[DomainEvent]) -> None:
        for start in range(0, len(events), _BATCH):
            batch = events[start : start + _BATCH]
            response = self._client.put_events(
                Entries=[
                    {
                        "EventBusName": self._bus,
                        "Source": event.source,
                        "DetailType": event.detail_type,
                        "Detail": json.dumps(event.detail, default=str),
                    }
                    for event in batch
                ]
            )
            failed = int(response.get("FailedEntryCount", 0))
            if failed:
                errors = [e.get("ErrorCode", "unknown") for e in response.get("Entries", []) if "ErrorCode" in e]
                raise PublishFailed(failed, errors)
