"""The event port: domain events onto the bus."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

# The source of every event the workflow itself puts on the bus (milestones, stock, exchanges, repays).
WORKFLOW_EVENT_SOURCE = "returns.workflow"


@dataclass(frozen=True)
class DomainEvent:
    source: str
    detail_type: str
    detail: dict[str, Any]


class PublishFailed(RuntimeError):
    def __init__(self, failed: int, errors: list[str]) -> None:
        super().__init__(f"{failed} event(s) not accepted by the bus: {', '.join(sorted(set(errors)))}")
        self.failed = failed


class EventPublisher(Protocol):
    def publish(self, events: list[DomainEvent]) -> None: ...
