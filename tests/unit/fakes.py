"""In-memory stand-ins for the adapters' storage, shared by the adapter tests."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from returns_core.adapters.http_json import Timeout


class InMemoryDocuments:
    """The DocumentStore's methods over a dict (no S3)."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}

    def put(self, key: str, data: bytes, content_type: str) -> str:
        self.objects[key] = (data, content_type)
        return key

    def get(self, key: str) -> bytes | None:
        found = self.objects.get(key)
        return found[0] if found else None

    def keys(self, prefix: str) -> list[str]:
        return sorted(key for key in self.objects if key.startswith(prefix))

    def presigned_url(self, key: str, expires_seconds: int = 900) -> str:
        return f"memory://{key}?expires={expires_seconds}"


class ScriptedTransport:
    """A transport that answers from a script and keeps what it was sent; an empty script fails the test."""

    def __init__(self, *answers: tuple[int, bytes] | Exception) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, str, Mapping[str, str], bytes | None]] = []

    def __call__(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None, timeout: Timeout
    ) -> tuple[int, Mapping[str, str], bytes]:
        self.sent.append((method, url, dict(headers), body))
        assert self.answers, f"unexpected HTTP call: {method} {url}"
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer[0], {}, answer[1]

    def body(self, index: int) -> dict[str, Any]:
        sent: dict[str, Any] = json.loads(self.sent[index][3] or b"")
        return sent
