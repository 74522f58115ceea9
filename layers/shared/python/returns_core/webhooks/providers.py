"""The carriers (and tracking aggregators) whose webhooks the product accepts, by path name."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from returns_core.domain.scans import ScanEvent
from returns_core.webhooks import aftership, easypost, sandbox, shippo
from returns_core.webhooks.normalising import UnreadablePayload


class WebhookProvider(Protocol):
    """What a provider module offers (each of `sandbox`, `easypost`, `aftership`, `shippo` is one)."""

    PROVIDER: str

    def verify(self, secrets: list[str], headers: Mapping[str, str], body: bytes, now: datetime) -> None:
        """Raise `SignatureInvalid` unless one of `secrets` signed `body`; checked before anything is parsed."""
        ...

    def normalise(self, body: bytes) -> list[ScanEvent]:
        """The canonical scans a verified body implies ([] for events we ignore); `UnreadablePayload` if odd."""
        ...


# Typed as the protocol, so mypy checks each module against it.
_MODULES: tuple[WebhookProvider, ...] = (sandbox, easypost, aftership, shippo)
PROVIDERS: dict[str, WebhookProvider] = {module.PROVIDER: module for module in _MODULES}


def provider(name: str) -> WebhookProvider | None:
    return PROVIDERS.get(name)


__all__ = ["PROVIDERS", "UnreadablePayload", "WebhookProvider", "provider"]
