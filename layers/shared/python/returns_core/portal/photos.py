"""Photos attached to a return, by the shopper or by the inspector: uploaded straight to S3, checked
before they are accepted.

The presigned POST limits the key, the declared type and the size; because a browser can still send
anything, a photo is checked again when the return is created: it must exist under this order's
prefix, be small enough and start with the signature of the image type it claims.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from returns_core.adapters.documents import DocumentStore
from returns_core.errors import InvalidInput
from returns_core.i18n import N_

MAX_PHOTO_BYTES = 5 * 1024 * 1024
_SIGNATURES: dict[str, tuple[tuple[int, bytes], ...]] = {
    "image/jpeg": ((0, b"\xff\xd8\xff"),),
    "image/png": ((0, b"\x89PNG\r\n\x1a\n"),),
    "image/webp": ((0, b"RIFF"), (8, b"WEBP")),
}
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
PHOTO_TYPE = N_("Photos must be JPEG, PNG or WebP images.")
PHOTO_SIZE = N_("Each photo may be at most {megabytes} MB.")
PHOTO_INVALID = N_("A photo could not be found or is not a valid image. Please upload it again.")


class PhotoUploads:
    """Uploads kept under one prefix per owner: `prefix(owner)`, e.g. a shopper's order or a return."""

    def __init__(self, documents: DocumentStore, prefix: Callable[[str], str]) -> None:
        self._documents = documents
        self._prefix = prefix

    @classmethod
    def for_shoppers(cls, documents: DocumentStore, pseudonym: Callable[[str], str]) -> PhotoUploads:
        # The order number is pseudonymised: object keys show up in S3 access logs.
        return cls(documents, lambda order_number: f"uploads/{pseudonym(order_number)}/")

    @classmethod
    def for_inspections(cls, documents: DocumentStore) -> PhotoUploads:
        return cls(documents, lambda return_id: f"inspections/{return_id}/")

    def offer(self, order_number: str, content_type: str, size: int) -> dict[str, Any]:
        if content_type not in _SIGNATURES:
            raise InvalidInput(PHOTO_TYPE, code="PHOTO_TYPE_NOT_ALLOWED")
        if not 0 < size <= MAX_PHOTO_BYTES:
            raise InvalidInput(PHOTO_SIZE, params={"megabytes": MAX_PHOTO_BYTES // 2**20}, code="PHOTO_TOO_LARGE")
        key = f"{self._prefix(order_number)}{uuid.uuid4().hex}.{_EXTENSIONS[content_type]}"
        post = self._documents.presigned_post(key, content_type, MAX_PHOTO_BYTES)
        return {"key": key, "url": post["url"], "fields": post["fields"], "max_bytes": MAX_PHOTO_BYTES}

    def check(self, order_number: str, keys: list[str]) -> None:
        for key in keys:
            if not self._acceptable(order_number, key):
                raise InvalidInput(PHOTO_INVALID, code="PHOTO_INVALID", details=[{"photo": key}])

    def _acceptable(self, order_number: str, key: str) -> bool:
        if not key.startswith(self._prefix(order_number)) or ".." in key or len(key) > 200:
            return False
        found = self._documents.head(key)
        if found is None:
            return False
        content_type, size = found
        signatures = _SIGNATURES.get(content_type)
        if signatures is None or not 0 < size <= MAX_PHOTO_BYTES:
            return False
        head = self._documents.first_bytes(key, 16)
        return all(head[offset : offset + len(magic)] == magic for offset, magic in signatures)
