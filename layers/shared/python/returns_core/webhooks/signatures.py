"""Webhook signature checks: HMAC over the raw bytes, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime


class SignatureInvalid(Exception):
    """Missing, malformed, stale or wrong signature. Never says which, to the caller."""


def header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def hmac_sha256_hex(secret: bytes, message: bytes) -> str:
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def constant_time_equal(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def parse_timestamped(value: str) -> tuple[int, list[str]]:
    """`t=<unix>,v1=<hex>[,v1=<hex>...]` (Stripe's scheme, also used by the sandbox carrier)."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in value.split(","):
        key, _, item = part.strip().partition("=")
        if key == "t" and item.isascii() and item.isdigit() and len(item) <= 12:
            timestamp = int(item)
        elif key == "v1" and item:
            signatures.append(item)
    if timestamp is None or not signatures:
        raise SignatureInvalid("malformed signature header")
    return timestamp, signatures


def verify_timestamped(
    secret: bytes, body: bytes, value: str | None, now: datetime, tolerance_seconds: int = 300
) -> None:
    if not secret:
        raise SignatureInvalid("no secret configured")  # an empty key would accept forged signatures
    if not value:
        raise SignatureInvalid("no signature")
    timestamp, signatures = parse_timestamped(value)
    if abs(now.timestamp() - timestamp) > tolerance_seconds:
        raise SignatureInvalid("stale signature")
    expected = hmac_sha256_hex(secret, str(timestamp).encode() + b"." + body)
    # Every candidate is compared, so the time taken does not depend on which one matches.
    matches = [constant_time_equal(expected, candidate) for candidate in signatures]
    if not any(matches):
        raise SignatureInvalid("signature mismatch")


def sign_timestamped(secret: bytes, body: bytes, timestamp: int) -> str:
    return f"t={timestamp},v1={hmac_sha256_hex(secret, str(timestamp).encode() + b'.' + body)}"
