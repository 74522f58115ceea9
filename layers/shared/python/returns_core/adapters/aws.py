"""boto3 clients created lazily, once per cold start, from the settings.

boto3 picks up `AWS_ENDPOINT_URL` by itself, which is how the local stack points every
client at the embedded moto server. boto3 itself is imported with the first client, so a function
whose work needs none (PynamoDB reaches the tables through botocore) does not load it at cold start.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from botocore.config import Config

from returns_core.settings import Settings

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)


class AwsClients:
    def __init__(self, settings: Settings) -> None:
        self._region = settings.region

    def _client(self, service: str) -> Any:
        import boto3

        # A session per client: boto3's default session is not safe to share across threads.
        session: Any = boto3.session.Session()
        return session.client(service, region_name=self._region, config=_CONFIG)

    @cached_property
    def s3(self) -> Any:
        return self._client("s3")

    @cached_property
    def events(self) -> Any:
        return self._client("events")

    @cached_property
    def stepfunctions(self) -> Any:
        return self._client("stepfunctions")

    @cached_property
    def ses(self) -> Any:
        return self._client("ses")

    @cached_property
    def secretsmanager(self) -> Any:
        return self._client("secretsmanager")
