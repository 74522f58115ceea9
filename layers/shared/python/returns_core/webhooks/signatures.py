"""Webhook signature checks: HMAC over the raw bytes, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
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


def usable_secrets(secrets: list[str]) -> list[str]:
    """The configured secrets that can be used as keys; none at all is a rejection, never an empty key."""
    if isinstance(secrets, str):  # one secret passed bare would be read as one-character keys
        raise TypeError("secrets must be a list of strings")
    usable = [secret for secret in secrets if isinstance(secret, str) and secret]
    if not usable:
        raise SignatureInvalid("no secret configured")  # an empty key would accept forged signatures
    return usable


def any_equal(expected: Iterable[bytes], given: Iterable[bytes]) -> bool:
    """Whether any expected value equals any given one, comparing every pair in constant time.

    Every pair is compared, so the time taken does not depend on which secret or candidate matched.
    """
    given = list(given)
    matches = [hmac.compare_digest(want, got) for want in expected for got in given]
    return any(matches)


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
    verify_timestamped_any([secret], body, value, now, tolerance_seconds)


def verify_timestamped_any(
    secrets: Sequence[bytes], body: bytes, value: str | None, now: datetime, tolerance_seconds: int = 300
) -> None:
    """`t=<unix>,v1=<hex>` over "<t>.<body>", signed with any of `secrets` (several while a key is rotated)."""
    usable = [secret for secret in secrets if secret]
    if not usable:
        raise SignatureInvalid("no secret configured")  # an empty key would accept forged signatures
    if not value:
        raise SignatureInvalid("no signature")
    timestamp, signatures = parse_timestamped(value)
    if abs(now.timestamp() - timestamp) > tolerance_seconds:
        raise SignatureInvalid("stale signature")
    signed = str(timestamp).encode() + b"." + body
    expected = [hmac_sha256_hex(secret, signed).encode() for secret in usable]
    if not any_equal(expected, (candidate.strip().lower().encode() for candidate in signatures)):
        raise SignatureInvalid("signature mismatch")


def sign_timestamped(secret: bytes, body: bytes, timestamp: int) -> str:
    return f"t={timestamp},v1={hmac_sha256_hex(secret, str(timestamp).encode() + b'.' + body)}"
