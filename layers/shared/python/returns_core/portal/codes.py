"""One-time codes emailed to the order's address before the portal shows personal details.

A challenge id names the attempt; only a keyed hash of the code is stored, attempts are counted
with a conditional update, and both expire. An unknown order gets a challenge too (that can never
succeed), so the answer does not reveal whether the order exists.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from pynamodb.exceptions import UpdateError

from returns_core.clock import utcnow
from returns_core.errors import InvalidInput, TooManyRequests
from returns_core.i18n import N_
from returns_core.storage.models import PortalRecord

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
CODE_INVALID = N_("This code is not valid or has expired. Ask for a new one.")
TOO_MANY_ATTEMPTS = N_("Too many wrong codes. Ask for a new one.")


class OneTimeCodes:
    def __init__(self, keyed_hash: Callable[[str], str], now: Callable[[], datetime] = utcnow) -> None:
        self._hash = keyed_hash
        self._now = now

    def issue(self, order_number: str | None) -> tuple[str, str]:
        """(challenge id, code) for an order; for None, a challenge that no code will pass."""
        challenge = secrets.token_urlsafe(18)
        code = f"{secrets.randbelow(1_000_000):06d}"
        expires = int((self._now() + CODE_TTL).timestamp())
        PortalRecord(
            f"code:{challenge}",
            hits=0,
            expires_at=expires,
            data={
                "order_number": order_number,
                "code_hash": self._hash(f"{challenge}:{code}") if order_number else None,
            },
        ).save()
        return challenge, code

    def verify(self, challenge: str, code: str) -> str:
        """The order number the code was sent for; InvalidInput or TooManyRequests otherwise."""
        invalid = InvalidInput(CODE_INVALID, code="CODE_INVALID")
        if not challenge or len(challenge) > 64 or not code or len(code) > 12:
            raise invalid
        try:
            record = PortalRecord.get(f"code:{challenge}")
        except PortalRecord.DoesNotExist:
            raise invalid from None
        if int(record.expires_at) < self._now().timestamp():
            raise invalid
        try:
            record.update(
                actions=[PortalRecord.hits.add(1)],
                condition=PortalRecord.hits < MAX_ATTEMPTS,
            )
        except UpdateError:
            raise TooManyRequests(
                TOO_MANY_ATTEMPTS, retry_after=int(CODE_TTL.total_seconds()), code="RATE_LIMITED"
            ) from None
        data = record.data or {}
        expected = data.get("code_hash")
        given = self._hash(f"{challenge}:{code.strip()}")
        if not expected or not secrets.compare_digest(expected, given):
            raise invalid
        record.delete()  # a code works once
        order_number: str = data["order_number"]
        return order_number
