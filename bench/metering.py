"""Counting what AWS would bill while returns run through the local stack.

Every AWS call the handlers make goes through botocore (PynamoDB included), and every invocation
through the local stack's handler registry; both are wrapped here while a `Meter` is installed.

DynamoDB units are computed from the items, before and after each write, by AWS's published rules:

- the table: a write unit per 1 KB of the larger of the item before and after (of the item deleted),
  twice that in a transaction;
- each global secondary index, from its entries (the keys, plus what the index projects) before and
  after: nothing when the item is in the index neither before nor after, or when its entry is
  unchanged; one write of the entry when it appears, disappears or changes; two (delete and put)
  when the index key changes;
- a read unit per 4 KB read, half for an eventually consistent read, twice in a transaction.

moto answers `ReturnConsumedCapacity` with a constant, so its figure is not used.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, defaultdict
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
    write_units_by_table: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
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
                "write_units_by_table": dict(self.write_units_by_table),
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
        if operation in WRITES or operation in ("TransactWriteItems", "BatchWriteItem"):
            # `stored`: (table name, item before, item after, in a transaction) for every item written.
            for table_name, before, after, transactional in stored or ():
                written = self.write_units_of(table_name, before, after, transactional)
                self.write_units += written
                spec = self.tables.get(table_name)
                self.write_units_by_table[spec.key if spec else table_name] += written
        elif operation == "GetItem":
            item = (stored or {}).get("Item") or {}
            self.read_units += self._read_units(item_bytes(item), bool(params.get("ConsistentRead")))
        elif operation in ("Query", "Scan"):
            size = sum(item_bytes(item) for item in (stored or {}).get("Items", []))
            self.read_units += self._read_units(size, bool(params.get("ConsistentRead")))
        elif operation == "BatchGetItem":
            for table_name, items in ((stored or {}).get("Responses") or {}).items():
                consistent = bool(params["RequestItems"].get(table_name, {}).get("ConsistentRead"))
                for item in items:
                    self.read_units += self._read_units(item_bytes(item), consistent)
        elif operation == "TransactGetItems":
            for response in (stored or {}).get("Responses", []):
                self.read_units += 2 * self._read_units(item_bytes(response.get("Item") or {}), True)

    def write_units_of(
        self, table_name: str, before: dict[str, Any] | None, after: dict[str, Any] | None, transactional: bool
    ) -> Decimal:
        """Units for one item written: the table's, and each index's whose entry for the item changed."""
        before, after = before or {}, after or {}
        table_units = _kilobytes(max(item_bytes(before), item_bytes(after)))
        units = table_units * (2 if transactional else 1)
        spec = self.tables.get(table_name)
        if spec is None:
            return Decimal(units)
        for index in spec.indexes:
            old, new = _index_entry(spec, index, before), _index_entry(spec, index, after)
            if old == new:  # in the index neither before nor after, or its entry unchanged
                continue
            if old is not None and new is not None and _index_key(index, old) != _index_key(index, new):
                units += _kilobytes(item_bytes(old)) + _kilobytes(item_bytes(new))
            else:
                units += _kilobytes(item_bytes(new if new is not None else old or {}))
        return Decimal(units)

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
        written = None
        if _metered_thread() and client.meta.service_model.service_name == "dynamodb":
            written = [
                (table_name, _current(client, table_name, key), key, transactional)
                for table_name, key, transactional in _items_written(meter, operation, params)
            ] or None
        response = original_call(client, operation, params)
        if _metered_thread():
            service = client.meta.service_model.service_name
            stored: Any = response
            if written is not None:
                stored = [
                    (table_name, before, _current(client, table_name, key), transactional)
                    for table_name, before, key, transactional in written
                ]
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


def _kilobytes(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def _index_entry(
    spec: catalogue.TableSpec, index: catalogue.GlobalIndex, item: dict[str, Any]
) -> dict[str, Any] | None:
    """What the index holds for `item`: None when the item lacks the index's keys (a sparse index)."""
    index_keys = [index.partition_key, *([index.sort_key] if index.sort_key else [])]
    if not item or any(key not in item for key in index_keys):
        return None
    if index.projection == "ALL":
        return dict(item)
    table_keys = [spec.partition_key, *([spec.sort_key] if spec.sort_key else [])]
    return {name: item[name] for name in dict.fromkeys([*table_keys, *index_keys]) if name in item}


def _index_key(index: catalogue.GlobalIndex, entry: dict[str, Any]) -> tuple[Any, ...]:
    return (entry.get(index.partition_key), entry.get(index.sort_key) if index.sort_key else None)


def _items_written(
    meter: Meter, operation: str, params: dict[str, Any]
) -> list[tuple[str, dict[str, Any] | None, bool]]:
    """(table name, key, in a transaction) of every item a DynamoDB call writes."""

    def key_of(table_name: str, request: dict[str, Any]) -> dict[str, Any]:
        if "Key" in request:
            return dict(request["Key"])
        spec = meter.tables.get(table_name)
        names = [spec.partition_key, *([spec.sort_key] if spec.sort_key else [])] if spec else []
        return {name: request["Item"][name] for name in names if name in request.get("Item", {})}

    if operation in WRITES:
        return [(params["TableName"], key_of(params["TableName"], params), False)]
    if operation == "TransactWriteItems":
        found: list[tuple[str, dict[str, Any] | None, bool]] = []
        for action in params["TransactItems"]:
            ((kind, request),) = action.items()
            # A condition check writes nothing, but is billed as a transactional write (of at least 1 KB).
            key = None if kind == "ConditionCheck" else key_of(request["TableName"], request)
            found.append((request["TableName"], key, True))
        return found
    if operation == "BatchWriteItem":
        return [
            (table_name, key_of(table_name, request.get("PutRequest") or request.get("DeleteRequest") or {}), False)
            for table_name, requests in params["RequestItems"].items()
            for request in requests
        ]
    return []


def _current(client: Any, table_name: str, key: dict[str, Any] | None) -> dict[str, Any]:
    """The item as stored now (what DynamoDB bills a write for, before and after it)."""
    if not key:
        return {}
    with unmetered():
        found = client.get_item(TableName=table_name, Key=key, ConsistentRead=True)
    return dict(found.get("Item") or {})
