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

from returns_core.adapters.sandbox_carrier import SHIPMENTS_PREFIX, Fate, plan_fate
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

# The auto-carrier's clock: one gap of wall time is this many transit days (`make run`: a gap of
# 1.5 s, so a day lasts 0.75 s). At the demo time scale the workflow's day lasts ~0.57 s, so a
# parcel travels a little slower than the workflow's clock, yet within its limits: the longest
# silence (a 5-day customs hold, 3.75 s) stays under the international stall heartbeat (10 days,
# 5 s) and the longest journey (14 days on the road + 5 in customs, 14.25 s) under the
# international delivery limit (45 days, 25 s); elsewhere a scan comes every day.
TRANSIT_DAYS_PER_GAP = 2.0
# A lost parcel is last scanned about halfway; a carrier that reports it does so a day later.
LOSS_REPORTED_AFTER_DAYS = 1.0


def journey_for(fate: Fate) -> tuple[tuple[str, float], ...]:
    """The scans that play out `fate`: (status word, days to wait before posting it).

    Accepted at once, in transit half a day later and then every day, out for delivery on the
    morning of the last day and delivered that day: the delays add up to the transit days (plus
    the customs hold). A hold stops the parcel about halfway (`customs_hold`, then nothing until
    it moves again); a lost parcel goes silent about halfway (the workflow's heartbeat timeout
    declares it lost), or is scanned `lost` by the carrier when the fate says it reports it.
    """
    days = max(1, fate.transit_days)
    halfway = max(1, days // 2)  # in-transit scans before the border, or before the parcel vanishes
    scans: list[tuple[str, float]] = [("accepted", 0.0), ("in_transit", 0.5)]
    for day in range(2, days + 1):
        if fate.lost and day > halfway:
            break
        if fate.customs_hold_days and day == halfway + 1:
            # Held at the border on the way to the next hub: silent for the hold, released, then on.
            scans += [("customs_hold", 0.25), ("in_transit", float(fate.customs_hold_days)), ("in_transit", 0.75)]
        else:
            scans.append(("in_transit", 1.0))
    if fate.lost:
        return (*scans, ("lost", LOSS_REPORTED_AFTER_DAYS)) if fate.loss_reported else tuple(scans)
    if fate.customs_hold_days and days == 1:  # no next hub: released straight to the delivery round
        scans += [("customs_hold", 0.125), ("in_transit", float(fate.customs_hold_days))]
        return (*scans, ("out_for_delivery", 0.125), ("delivered", 0.25))
    return (*scans, ("out_for_delivery", 0.25), ("delivered", 0.25))


def fate_of(shipment: dict[str, Any]) -> Fate:
    """The fate registered with a shipment (drawn again from its tracking number for older entries)."""
    if isinstance(shipment.get("fate"), dict):
        return Fate.from_json(shipment["fate"])
    return plan_fate(shipment["tracking_number"], shipment.get("zone") or "DOMESTIC")


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
    """For `make run`: every label the sandbox carrier issues travels by itself, like a real parcel.

    Each shipment plays its registered fate (`journey_for`), one transit day lasting
    `gap / TRANSIT_DAYS_PER_GAP` seconds.
    """

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
                journey = journey_for(fate_of(shipment))
                threading.Thread(target=self._travel, args=(tracking, journey), daemon=True).start()

    def _travel(self, tracking_number: str, journey: tuple[tuple[str, float], ...]) -> None:
        day_seconds = self._gap / TRANSIT_DAYS_PER_GAP
        for status, delay_days in journey:
            if self._stop.wait(delay_days * day_seconds):
                return
            self._simulator.post(tracking_number, status, location="Sandbox hub")


def shipments_lister(s3: Any, bucket: str) -> Callable[[], list[dict[str, Any]]]:
    def list_shipments() -> list[dict[str, Any]]:
        found = []
        response = s3.list_objects_v2(Bucket=bucket, Prefix=SHIPMENTS_PREFIX)
        for item in response.get("Contents", []):
            found.append(json.loads(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()))
        return found

    return list_shipments
