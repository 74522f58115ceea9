"""Signed, expiring tokens: the portal session after a lookup and the status-page link in emails.

A token is `payload.signature`, both base64url; the payload names its purpose, so a session token
cannot be used as a status link or the other way round. Signatures are compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from returns_core.clock import utcnow

SESSION = "session"
TRACK = "track"
SESSION_TTL = timedelta(hours=2)
TRACK_TTL = timedelta(days=400)  # a return may stay open for months (claims, fault returns)
_MAX_TOKEN = 2048


class InvalidToken(ValueError):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    def __init__(self, secret: str, now: Callable[[], datetime] = utcnow) -> None:
        if len(secret) < 16:
            raise ValueError("the portal token secret must be at least 16 characters")
        self._key = hashlib.sha256(b"returns-portal-tokens\x00" + secret.encode()).digest()
        self._now = now

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def issue(self, purpose: str, subject: dict[str, Any], ttl: timedelta) -> str:
        expires = int((self._now() + ttl).timestamp())
        payload = _b64(json.dumps({"p": purpose, "s": subject, "x": expires}, separators=(",", ":")).encode())
        return f"{payload}.{self._sign(payload)}"

    def verify(self, purpose: str, token: str) -> dict[str, Any]:
        if not token or len(token) > _MAX_TOKEN or token.count(".") != 1:
            raise InvalidToken("malformed token")
        payload, signature = token.split(".")
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            raise InvalidToken("bad signature")
        try:
            claims = json.loads(_unb64(payload))
        except ValueError:
            raise InvalidToken("malformed token") from None
        if not isinstance(claims, dict) or claims.get("p") != purpose or not isinstance(claims.get("s"), dict):
            raise InvalidToken("wrong purpose")
        if not isinstance(claims.get("x"), int) or claims["x"] < self._now().timestamp():
            raise InvalidToken("expired")
        subject: dict[str, Any] = claims["s"]
        return subject

    def keyed_hash(self, value: str) -> str:
        """A stable pseudonym for a value we must count but not keep (a client address, an email)."""
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:32]
