"""The scan simulator: plays carrier journeys by posting signed webhooks through the real HTTP path."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import requests

from returns_core.adapters.sandbox_carrier import SHIPMENTS_PREFIX
from returns_core.webhooks import sandbox

HAPPY_JOURNEY = ("accepted", "in_transit", "out_for_delivery", "delivered")
CROSS_BORDER_JOURNEY = (
    "accepted",
    "in_transit",
    "customs_hold",
    "in_transit",
    "out_for_delivery",
    "delivered",
)


class ScanSimulator:
    def __init__(self, api_url: str, secret: str) -> None:
        self._url = f"{api_url}/webhooks/carriers/{sandbox.PROVIDER}"
        self._secret = secret
        self._session = requests.Session()

    def post(
        self,
        tracking_number: str,
        status: str,
        *,
        occurred_at: datetime | None = None,
        event_id: str | None = None,
        location: str | None = None,
        signature: dict[str, str] | None = None,
    ) -> requests.Response:
        body = json.dumps(
            {
                "id": event_id or f"evt_{uuid.uuid4().hex}",
                "tracking_number": tracking_number,
                "status": status,
                "occurred_at": (occurred_at or datetime.now(UTC)).isoformat(),
                "location": location,
            }
        ).encode()
        headers = {"content-type": "application/json"}
        headers.update(signature if signature is not None else sandbox.sign(self._secret, body, int(time.time())))
        return self._session.post(self._url, data=body, headers=headers, timeout=10)

    def play(self, tracking_number: str, statuses: Sequence[str], gap_seconds: float = 0.0) -> list[int]:
        codes = []
        for status in statuses:
            codes.append(self.post(tracking_number, status, location="Sandbox hub").status_code)
            if gap_seconds:
                time.sleep(gap_seconds)
        return codes


class AutoCarrier:
    """For `make run`: every label the sandbox carrier issues travels by itself, like a real parcel."""

    def __init__(
        self, simulator: ScanSimulator, list_shipments: Callable[[], list[dict[str, Any]]], gap: float
    ) -> None:
        self._simulator = simulator
        self._list = list_shipments
        self._gap = gap
        self._started: set[str] = set()
        self._stop = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._watch, name="auto-carrier", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        while not self._stop.wait(1.0):
            try:
                shipments = self._list()
            except Exception:  # noqa: S112 - the engine may be stopping; try again next tick
                continue
            for shipment in shipments:
                tracking = shipment["tracking_number"]
                if tracking in self._started or shipment.get("voided"):
                    continue
                self._started.add(tracking)
                journey = CROSS_BORDER_JOURNEY if shipment.get("zone") == "INTERNATIONAL" else HAPPY_JOURNEY
                threading.Thread(target=self._simulator.play, args=(tracking, journey, self._gap), daemon=True).start()


def shipments_lister(s3: Any, bucket: str) -> Callable[[], list[dict[str, Any]]]:
    def list_shipments() -> list[dict[str, Any]]:
        found = []
        response = s3.list_objects_v2(Bucket=bucket, Prefix=SHIPMENTS_PREFIX)
        for item in response.get("Contents", []):
            found.append(json.loads(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()))
        return found

    return list_shipments
