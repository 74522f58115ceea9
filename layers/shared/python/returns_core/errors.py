"""Errors a caller can act on, each with a stable machine-readable code and an HTTP status.

The message is an English message id (with `{placeholders}` filled from `params`), so the API can
answer in the caller's language.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "BAD_REQUEST"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: list[dict[str, Any]] | None = None,
        params: dict[str, Any] | None = None,
    ):
        self.template = message
        self.params = params or {}
        self.message = message.format(**self.params) if self.params else message
        super().__init__(self.message)
        if code:
            self.code = code
        self.details = details or []


class InvalidInput(DomainError):
    status = 422
    code = "INVALID_INPUT"


class NotFound(DomainError):
    status = 404
    code = "NOT_FOUND"


class Conflict(DomainError):
    status = 409
    code = "CONFLICT"


class TooManyRequests(DomainError):
    status = 429
    code = "TOO_MANY_REQUESTS"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None):
        super().__init__(message, code=code)
        self.retry_after = max(1, retry_after)


class Unauthorised(DomainError):
    status = 401
    code = "UNAUTHORISED"


class Unavailable(DomainError):
    status = 503
    code = "TEMPORARILY_UNAVAILABLE"
