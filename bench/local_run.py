"""The local stack started in-process for the benchmarks, and the waits they drive returns with.

The waits read DynamoDB and Step Functions directly, unmetered: polling is the benchmark's, not a
shopper's or a carrier's, so it must not show in what a return costs. A return's status is read from
the embedded moto's memory rather than over HTTP, so the driver's polling does not take CPU from the
stack it measures either (the shopper's own status reads go through the API and are measured).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import requests

from bench.metering import Meter, install, unmetered
from infra import catalogue


class Run:
    """The local stack with a meter installed before it starts (so every handler is wrapped)."""

    def __init__(self, metered: bool = False, time_scale: Decimal | None = None) -> None:
        from infra.local.stack import DEMO_TIME_SCALE, LocalStack

        self.metered = metered
        self.meter: Meter | None = None
        self._uninstall: Callable[[], None] | None = None
        self.stack = LocalStack(log_level="ERROR", time_scale=time_scale or DEMO_TIME_SCALE)

    def __enter__(self) -> Run:
        from infra.local import environment as env

        if self.metered:
            self.meter = Meter(tables={env.table_name(spec): spec for spec in catalogue.TABLES})
            self._uninstall = install(self.meter)
        self.stack.start()
        return self

    def __exit__(self, *_: object) -> None:
        from moto.moto_api._internal.models import moto_api_backend

        from returns_core.storage.models import forget_connections
        from returns_core.wiring import services

        self.stack.stop()
        # moto keeps its accounts per process, not per server: empty them for the next run; and the
        # clients cached at "cold start" point at this stack's endpoint, so they go too.
        moto_api_backend.reset()
        services.cache_clear()
        forget_connections()
        if self._uninstall:
            self._uninstall()

    def client(self, service: str) -> Any:
        assert self.stack.engine is not None
        return self.stack.engine.client(service)


def copy_order(run: Run, template: str, number: str) -> str:
    """A copy of a demo order under a new number and email; its sync is not part of a return's cost."""
    from infra.local.demo_data import demo_orders
    from returns_core.clock import utcnow

    order = next(o for o in demo_orders(utcnow()) if o["order_number"] == template)
    email = f"shopper+{number.lower()}@example.com"
    order = {**order, "order_number": number, "email": email}
    with unmetered():
        response = requests.put(
            f"{run.stack.url}/ops/orders/{number}", json=order, headers=run.stack.ops_headers(), timeout=10
        )
    response.raise_for_status()
    return email


def stored_return(run: Run, return_id: str) -> dict[str, Any]:
    """The return's item as stored (DynamoDB JSON), read from the embedded moto's tables in memory."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType

    from infra.local import environment as env

    table = dynamodb_backends[env.ACCOUNT][env.REGION].get_table(os.environ["RETURNS_TABLE"])
    for _ in range(5):
        item = table.get_item(DynamoType({"S": return_id}))
        try:
            return dict(item.to_json()["Attributes"]) if item is not None else {}
        except RuntimeError:  # a handler updated the item while it was being copied: read again
            continue
    raise RuntimeError(f"return {return_id} kept changing while being read")


def status_of(run: Run, return_id: str) -> str:
    return str(stored_return(run, return_id).get("status", {}).get("S", ""))


def tracking_number_of(run: Run, return_id: str) -> str:
    return str(stored_return(run, return_id)["tracking_number"]["S"])


def wait_for(run: Run, return_id: str, statuses: set[str], timeout: float = 90.0) -> str:
    deadline = time.monotonic() + timeout
    status = status_of(run, return_id)
    while status not in statuses and time.monotonic() < deadline:
        time.sleep(0.2)
        status = status_of(run, return_id)
    return status


def execution(run: Run, return_id: str, timeout: float = 60.0) -> dict[str, Any]:
    from infra.local import environment as env

    arn = env.execution_arn(return_id)
    deadline = time.monotonic() + timeout
    with unmetered():
        sfn = run.client("stepfunctions")
        described = sfn.describe_execution(executionArn=arn)
        while described["status"] == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.2)
            described = sfn.describe_execution(executionArn=arn)
        events: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = sfn.get_execution_history(
                executionArn=arn, maxResults=1000, **({"nextToken": token} if token else {})
            )
            events += page["events"]
            token = page.get("nextToken")
            if not token:
                break
    return {"status": described["status"], "events": events}
