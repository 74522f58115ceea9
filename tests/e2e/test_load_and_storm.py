"""Under load nothing is lost or doubled: many returns at once, and a storm of duplicate, replayed and
reordered carrier webhooks, through the running local stack over HTTP.

Sizes are moderate here (make test); `make bench` runs these same tests larger, through LOAD_RETURNS
(returns started, LOAD_CONCURRENCY of them in flight at a time) and STORM_RETURNS.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from infra.local import environment as env
from infra.local.client import ReturnsClient
from infra.local.demo_data import demo_orders
from infra.local.simulator import HAPPY_JOURNEY, ScanSimulator
from returns_core.clock import utcnow
from returns_core.domain.statuses import TERMINAL
from returns_core.workflow.refunding import return_id_of
from tests.e2e.conftest import RunningStack, running_stack

# Deadlines scaled so that 14 days are ten minutes: a loaded CI machine must not turn slow scans into
# expired labels or missed inspections, which would test the clock rather than the concurrency.
LOAD_TIME_SCALE = "0.0005"
CONCURRENT_RETURNS = int(os.environ.get("LOAD_RETURNS", "8"))
IN_FLIGHT = int(os.environ.get("LOAD_CONCURRENCY", str(CONCURRENT_RETURNS)))
STORM_RETURNS = int(os.environ.get("STORM_RETURNS", "4"))
# The order in which a return's status may only move forward while its parcel travels.
PARCEL_ORDER = ["LABEL_ISSUED", "IN_TRANSIT", "DELIVERED"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """A stack of its own for the load tests, with its deadlines far off (LOAD_TIME_SCALE)."""
    with running_stack(tmp_path_factory.mktemp("load-stack"), f"--time-scale={LOAD_TIME_SCALE}") as running:
        yield running


def _s3(stack: RunningStack) -> Any:
    factory: Any = boto3.client
    return factory(
        "s3",
        region_name=env.REGION,
        endpoint_url=stack.aws_endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def _objects(stack: RunningStack, prefix: str) -> list[dict[str, Any]]:
    s3 = _s3(stack)
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=env.BUCKET, Prefix=prefix):
        for entry in page.get("Contents", []):
            found.append(json.loads(s3.get_object(Bucket=env.BUCKET, Key=entry["Key"])["Body"].read()))
    return found


def _orders(stack: RunningStack, count: int, tag: str) -> list[tuple[str, str]]:
    """`count` copies of the DE domestic demo order under new numbers: (order number, email)."""
    template = next(o for o in demo_orders(utcnow()) if o["order_number"] == "DEMO-1001")
    placed = []
    for index in range(count):
        number = f"LOAD-{tag}-{index:03d}-{uuid.uuid4().hex[:6].upper()}"
        email = f"shopper+{number.lower()}@example.com"
        stack.client.put_order({**template, "order_number": number, "email": email}).raise_for_status()
        placed.append((number, email))
    return placed


def _ship_inspect_and_follow(stack: RunningStack, number: str, email: str) -> dict[str, Any]:
    client = ReturnsClient(stack.url, stack.ops_token)
    created = client.create_return(number, email, [{"line_id": "1", "quantity": 1, "reason": "DOES_NOT_FIT"}])
    created.raise_for_status()
    return_id = created.json()["return_id"]
    tracking = client.wait_for(return_id, {"LABEL_ISSUED"}, timeout=60)["label"]["tracking_number"]
    ScanSimulator(stack.url, stack.webhook_secret).play(tracking, HAPPY_JOURNEY)
    client.wait_for(return_id, {"DELIVERED"}, timeout=60)
    # A warehouse that finds the return already settled (its inspection window ran out) moves on.
    inspected = client.inspect_all(return_id)
    assert inspected.status_code in (200, 409), inspected.text
    client.wait_for(return_id, {str(status) for status in TERMINAL}, timeout=90)
    return client.wait_for_execution_end(return_id, timeout=60)


def test_many_returns_at_once_each_end_once_with_their_money_and_labels_accounted_for(stack: RunningStack) -> None:
    # Given orders for many shoppers
    orders = _orders(stack, CONCURRENT_RETURNS, "C")

    # When they all return at once, each parcel shipped and inspected while the others are
    with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
        records = list(pool.map(lambda order: _ship_inspect_and_follow(stack, *order), orders))

    ids = {record["return_id"] for record in records}
    assert len(ids) == CONCURRENT_RETURNS
    for record in records:
        # Then each ended refunded, its workflow finished, nothing left waiting
        assert (record["status"], record["execution"]["status"]) == ("REFUNDED", "SUCCEEDED"), record["return_id"]
        assert not record.get("waiting_for"), record["return_id"]
        # And its ledger total is the sum of its lines
        lines = [line for line in record["ledger"] if not line["memo"]]
        assert lines, record["return_id"]
        total = sum((Decimal(line["base_amount"]["amount"]) for line in lines), Decimal(0))
        assert Decimal(record["ledger_total"]["amount"]) == total, record["return_id"]

    # And the payment provider paid each return exactly once
    paid = [return_id_of(refund["idempotency_key"]) for refund in _objects(stack, "sandbox-payments/refunds/")]
    assert sorted(str(rid) for rid in paid if rid in ids) == sorted(ids)
    # And every label the carrier sold for these returns belongs to one of them, one label each
    labels = [s for s in _objects(stack, "sandbox-carrier/shipments/") if s["reference"] in ids]
    assert sorted(s["reference"] for s in labels) == sorted(ids)
    assert {s["tracking_number"] for s in labels} == {r["label"]["tracking_number"] for r in records}


def _scans(record: dict[str, Any]) -> list[str]:
    return [e["scan"] for e in record["timeline"] if e["kind"] == "SCAN"]


def _after_scans(client: ReturnsClient, return_id: str, expected: int, timeout: float = 60.0) -> dict[str, Any]:
    """The return once `expected` scans are on its timeline (the bus delivers them when it can), and a
    moment longer, so that a scan applied twice would show."""
    deadline = time.monotonic() + timeout
    record = client.ops(return_id)
    while len(_scans(record)) < expected and time.monotonic() < deadline:
        time.sleep(0.3)
        record = client.ops(return_id)
    time.sleep(1.5)
    return client.ops(return_id)


def test_a_webhook_storm_applies_each_scan_once_and_never_moves_a_return_backwards(stack: RunningStack) -> None:
    # Given returns with labels
    client = stack.client
    returns = []
    for number, email in _orders(stack, STORM_RETURNS, "S"):
        created = client.create_return(number, email, [{"line_id": "1", "quantity": 1, "reason": "DOES_NOT_FIT"}])
        created.raise_for_status()
        return_id = created.json()["return_id"]
        returns.append((return_id, client.wait_for(return_id, {"LABEL_ISSUED"})["label"]["tracking_number"]))

    # When the carrier sends each scan three times, all at once, shuffled, in-transit ones late and stale
    start = datetime.now(UTC) - timedelta(hours=4)
    deliveries = []
    for return_id, tracking in returns:
        for hour, status in enumerate(("accepted", "in_transit", "delivered")):
            event = {"event_id": f"storm-{return_id}-{status}", "occurred_at": start + timedelta(hours=hour)}
            deliveries += [(tracking, status, event)] * 3
    random.Random(7).shuffle(deliveries)

    def send(delivery: tuple[str, str, dict[str, Any]]) -> int:
        tracking, status, event = delivery
        simulator = ScanSimulator(stack.url, stack.webhook_secret)
        return simulator.post(
            tracking, status, event_id=event["event_id"], occurred_at=event["occurred_at"]
        ).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(send, deliveries))

    # Then every delivery was acknowledged (a duplicate is not an error to the carrier)
    assert set(codes) == {202}, codes
    for return_id, _ in returns:
        record = _after_scans(client, return_id, 3)
        # And each scan was applied once
        scans = _scans(record)
        assert sorted(scans) == ["ACCEPTED", "DELIVERED", "IN_TRANSIT"], (return_id, scans)
        # And the status only ever moved forward
        statuses = [e["status"] for e in record["timeline"] if e["kind"] == "STATUS" and e["status"] in PARCEL_ORDER]
        assert statuses == sorted(statuses, key=PARCEL_ORDER.index), (return_id, statuses)
        assert record["status"] == "DELIVERED"
        client.inspect_all(return_id).raise_for_status()
        assert client.wait_for(return_id, {"REFUNDED"}, timeout=60)["status"] == "REFUNDED"
