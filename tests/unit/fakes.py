"""In-memory stand-ins for the adapters' storage, shared by the adapter tests."""

from __future__ import annotations


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
