"""Scans for tracking numbers no return knows (yet): kept for reconciliation instead of retried forever.

A carrier may report a parcel before our label is recorded, or for a label bought outside the
platform. The scan is stored once per provider event; ops list them and, once the tracking number
belongs to a return, reconcile: each stored scan is applied as if it had just arrived.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from returns_core.adapters.documents import DocumentStore
from returns_core.clock import iso, utcnow
from returns_core.domain.scans import ScanEvent

PREFIX = "unmatched-scans/"


def _key(scan: ScanEvent) -> str:
    event = hashlib.sha256(f"{scan.provider}:{scan.event_id}".encode()).hexdigest()[:32]
    return f"{PREFIX}{scan.tracking_number}/{event}.json"


@dataclass(frozen=True)
class UnmatchedScans:
    documents: DocumentStore

    def keep(self, scan: ScanEvent) -> None:
        payload = {"scan": scan.model_dump(mode="json"), "received_at": iso(utcnow()), "return_id": None}
        self.documents.put(_key(scan), json.dumps(payload).encode(), "application/json")

    def _stored(self) -> list[tuple[str, dict[str, Any]]]:
        found = []
        for key in self.documents.keys(PREFIX):
            data = self.documents.get(key)
            if data is not None:
                found.append((key, json.loads(data)))
        return found

    def pending(self) -> list[ScanEvent]:
        return [ScanEvent.model_validate(item["scan"]) for _, item in self._stored() if not item.get("return_id")]

    def mark(self, scan: ScanEvent, return_id: str) -> None:
        """The scan now belongs to a return; kept, with when and to which, for the record."""
        key = _key(scan)
        data = self.documents.get(key)
        payload = json.loads(data) if data else {"scan": scan.model_dump(mode="json")}
        payload.update(return_id=return_id, reconciled_at=iso(utcnow()))
        self.documents.put(key, json.dumps(payload).encode(), "application/json")
