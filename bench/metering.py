"""Counting what AWS would bill while returns run through the local stack.

Every AWS call the handlers make goes through botocore (PynamoDB included), and every invocation
through the local stack's handler registry; both are wrapped here while a `Meter` is installed.

DynamoDB units are computed from the items by AWS's published rules (a write unit per 1 KB written,
per table and per global secondary index holding the item; a read unit per 4 KB read, half for an
eventually consistent read; twice for transactions). moto answers `ReturnConsumedCapacity` with a
constant, so its figure is not used.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from infra import catalogue

# Calls made by the sandbox providers on their own behalf (the carrier's and the payment provider's
# registries in the documents bucket), and by the benchmark itself, are not ours to pay.
PROVIDER_KEY_PREFIXES = ("sandbox-carrier/", "sandbox-payments/")
PROVIDER_THREADS = ("payment-back-office",)
S3_GETS = frozenset({"GetObject", "HeadObject", "GetObjectTagging"})
S3_PUTS = frozenset({"PutObject", "CopyObject", "ListObjects", "ListObjectsV2", "DeleteObject", "PostObject"})
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem"})
# The local stack's own wiring: rules deliver through SQS pollers and tasks through Lambda's Invoke;
# in AWS the bus and the state machine invoke the functions themselves (billed as invocations).
LOCAL_PLUMBING = frozenset({"sqs", "lambda"})

_quiet = threading.local()


@contextmanager
def unmetered() -> Iterator[None]:
    """AWS calls made inside are the benchmark's own (polling, reading histories), not the product's."""
    previous = getattr(_quiet, "on", False)
    _quiet.on = True
    try:
        yield
    finally:
        _quiet.on = previous


def _metered_thread() -> bool:
    return not getattr(_quiet, "on", False) and threading.current_thread().name not in PROVIDER_THREADS


def attribute_bytes(value: dict[str, Any]) -> int:
    """The size DynamoDB bills for one attribute value (DynamoDB JSON)."""
    (kind, inner), *_ = value.items()
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        return (len(str(inner).lstrip("-").replace(".", "")) + 1) // 2 + 1
    if kind == "B":
        return len(inner) if isinstance(inner, bytes | bytearray) else len(str(inner))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + attribute_bytes(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(attribute_bytes(v) + 1 for v in inner)
    if kind in ("SS", "NS", "BS"):
        return sum(attribute_bytes({kind[0]: member}) for member in inner)
    return 0


def item_bytes(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + attribute_bytes(value) for name, value in item.items())


@dataclass
class Meter:
    tables: dict[str, catalogue.TableSpec]  # table name → its spec (for its indexes)
    memory_mb: dict[str, int] = field(default_factory=lambda: {s.name: s.memory_mb for s in catalogue.FUNCTIONS})
    invocations: Counter[str] = field(default_factory=Counter)
    gb_seconds: Decimal = Decimal(0)
    api_requests: int = 0
    write_units: Decimal = Decimal(0)
    read_units: Decimal = Decimal(0)
    events: int = 0
    emails: int = 0
    s3_puts: int = 0
    s3_gets: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "invocations": sum(self.invocations.values()),
                "invocations_by_function": dict(self.invocations),
                "gb_seconds": self.gb_seconds,
                "api_requests": self.api_requests,
                "write_units": self.write_units,
                "read_units": self.read_units,
                "events": self.events,
                "emails": self.emails,
                "s3_puts": self.s3_puts,
                "s3_gets": self.s3_gets,
                "calls": dict(self.calls),
            }

    # -- Lambda --------------------------------------------------------------------------------

    def invoked(self, function: str, milliseconds: float, through_api: bool) -> None:
        with self._lock:
            self.invocations[function] += 1
            # Lambda bills duration rounded up to the millisecond, times the memory configured.
            billed = Decimal(math.ceil(milliseconds)) / 1000
            self.gb_seconds += billed * Decimal(self.memory_mb.get(function, 128)) / 1024
            if through_api:
                self.api_requests += 1

    # -- AWS calls ------------------------------------------------------------------------------

    def called(self, service: str, operation: str, params: dict[str, Any], stored: Any) -> None:
        if service in LOCAL_PLUMBING:
            return
        with self._lock:
            self.calls[f"{service}:{operation}"] += 1
            if service == "dynamodb":
                self._dynamodb(operation, params, stored)
            elif service == "events" and operation == "PutEvents":
                # Billed per 64 KB chunk of each entry.
                self.events += sum(max(1, math.ceil(len(str(e.get("Detail", ""))) / 65536)) for e in params["Entries"])
            elif service in ("ses", "sesv2") and operation in ("SendEmail", "SendRawEmail"):
                self.emails += 1
            elif service == "s3":
                key = str(params.get("Key") or params.get("Prefix") or "")
                if key.startswith(PROVIDER_KEY_PREFIXES):
                    return
                if operation in S3_GETS:
                    self.s3_gets += 1
                elif operation in S3_PUTS:
                    self.s3_puts += 1

    def _dynamodb(self, operation: str, params: dict[str, Any], stored: Any) -> None:
        if operation in WRITES:
            self.write_units += self._write_units(params.get("TableName", ""), stored)
        elif operation == "TransactWriteItems":
            for action in params["TransactItems"]:
                ((_, request),) = action.items()
                self.write_units += 2 * self._write_units(request.get("TableName", ""), request.get("Item"))
        elif operation == "BatchWriteItem":
            for table_name, requests in params["RequestItems"].items():
                for request in requests:
                    put = request.get("PutRequest") or {}
                    self.write_units += self._write_units(table_name, put.get("Item"))
        elif operation == "GetItem":
            item = (stored or {}).get("Item") or {}
            self.read_units += self._read_units(item_bytes(item), bool(params.get("ConsistentRead")))
        elif operation in ("Query", "Scan"):
            size = sum(item_bytes(item) for item in (stored or {}).get("Items", []))
            self.read_units += self._read_units(size, bool(params.get("ConsistentRead")))
        elif operation == "BatchGetItem":
            for items in ((stored or {}).get("Responses") or {}).values():
                for item in items:
                    self.read_units += self._read_units(item_bytes(item), False)
        elif operation == "TransactGetItems":
            for response in (stored or {}).get("Responses", []):
                self.read_units += 2 * self._read_units(item_bytes(response.get("Item") or {}), True)

    def _write_units(self, table_name: str, item: dict[str, Any] | None) -> Decimal:
        """Units for writing `item` as stored afterwards: the table's, and each index's that holds it."""
        item = item or {}
        per_copy = max(1, math.ceil(item_bytes(item) / 1024))
        spec = self.tables.get(table_name)
        indexes = [index for index in (spec.indexes if spec else ()) if index.partition_key in item]
        return Decimal(per_copy * (1 + len(indexes)))

    @staticmethod
    def _read_units(size: int, consistent: bool) -> Decimal:
        units = Decimal(max(1, math.ceil(size / 4096)))
        return units if consistent else units / 2


def install(meter: Meter) -> Any:
    """Wrap botocore and the local stack's handler registry; returns a function that undoes it."""
    import time

    from botocore.client import BaseClient

    from infra.local import engine

    # botocore's stubs do not declare the private method every client call goes through.
    original_call = getattr(BaseClient, "_make_api_call")  # noqa: B009
    original_resolve = engine.HandlerRegistry.resolve
    routed = {spec.name for _, spec in catalogue.routes()}

    def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        response = original_call(client, operation, params)
        if _metered_thread():
            service = client.meta.service_model.service_name
            stored: Any = response
            if service == "dynamodb" and operation in WRITES:
                stored = _stored_item(client, params) if operation != "DeleteItem" else {}
            meter.called(service, operation, params, stored)
        return response

    def resolve(registry: Any, name: str) -> Any:
        handler = original_resolve(registry, name)
        if handler is None:
            return None

        def timed(event: Any, context: Any) -> Any:
            started = time.perf_counter()
            try:
                return handler(event, context)
            finally:
                if _metered_thread():
                    through_api = name in routed and isinstance(event, dict) and "requestContext" in event
                    meter.invoked(name, (time.perf_counter() - started) * 1000, through_api)

        return timed

    setattr(BaseClient, "_make_api_call", make_api_call)  # noqa: B010
    engine.HandlerRegistry.resolve = resolve  # type: ignore[method-assign,assignment]

    def uninstall() -> None:
        setattr(BaseClient, "_make_api_call", original_call)  # noqa: B010
        engine.HandlerRegistry.resolve = original_resolve  # type: ignore[method-assign]

    return uninstall


def _stored_item(client: Any, params: dict[str, Any]) -> dict[str, Any]:
    """The item as stored after a write (what DynamoDB bills the write for)."""
    key = params.get("Key")
    if key is None:
        return dict(params.get("Item") or {})
    with unmetered():
        found = client.get_item(TableName=params["TableName"], Key=key, ConsistentRead=True)
    return dict(found.get("Item") or {})
