"""Lookup limits per client and per order number, so order numbers cannot be guessed at scale.

Fixed windows counted in DynamoDB with an atomic ADD; counters expire by TTL. Clients and order
numbers are stored as keyed hashes, never as themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from returns_core.clock import utcnow
from returns_core.errors import TooManyRequests
from returns_core.i18n import N_
from returns_core.storage.models import PortalRecord

TOO_MANY_LOOKUPS = N_("Too many attempts. Please wait a few minutes and try again.")


@dataclass(frozen=True)
class Limit:
    scope: str
    allowed: int


class LookupThrottle:
    def __init__(
        self,
        pseudonym: Callable[[str], str],
        per_client: int,
        per_order: int,
        window_seconds: int,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._pseudonym = pseudonym
        self._limits = {"client": per_client, "order": per_order}
        self._window = window_seconds
        self._now = now

    def check(self, client: str, order_number: str) -> None:
        """Count one lookup; raise TooManyRequests (with the seconds to wait) once a limit is passed."""
        now = int(self._now().timestamp())
        window = now // self._window
        retry_after = (window + 1) * self._window - now
        for scope, value in (("client", client), ("order", order_number.strip().casefold())):
            key = f"lookup:{scope}:{self._pseudonym(value)}:{window}"
            counter = PortalRecord(key)
            counter.update(
                actions=[
                    PortalRecord.hits.add(1),
                    PortalRecord.expires_at.set((window + 1) * self._window + 60),
                ]
            )
            if int(counter.hits) > self._limits[scope]:
                raise TooManyRequests(TOO_MANY_LOOKUPS, retry_after=retry_after, code="RATE_LIMITED")
