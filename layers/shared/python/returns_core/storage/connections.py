"""The DynamoDB connection transactions go through: one per cold start, not one per request."""

from __future__ import annotations

from pynamodb.connection import Connection


class TransactionalStore:
    def __init__(self, region: str) -> None:
        self._region = region
        self._connection: Connection | None = None

    def _transactions(self) -> Connection:
        # One connection (and botocore client) per cold start, not one per request.
        if self._connection is None:
            self._connection = Connection(region=self._region)
        return self._connection
