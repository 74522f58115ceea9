"""Reading and writing orders and returns, with optimistic locking on every change."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from returns_core.analytics.counters import order_change_deltas, order_deltas
from returns_core.domain.orders import Order
from returns_core.storage.aggregates import AggregatesStore
from returns_core.storage.connections import TransactionalStore
from returns_core.storage.models import ATTENTION, OrderRecord, ReturnRecord

T = TypeVar("T")
_MAX_ATTEMPTS = 8
_BATCH_GET = 100  # DynamoDB's BatchGetItem limit


class ReturnNotFound(LookupError):
    pass


class OrderNotFound(LookupError):
    pass


class ConcurrentUpdate(RuntimeError):
    """Someone else kept changing the same record; the caller may retry the whole operation."""


def _conditional_failure(exc: Exception) -> bool:
    cause = getattr(exc, "cause_response_code", None)
    if cause in {"ConditionalCheckFailedException", "TransactionCanceledException"}:
        return True
    return "ConditionalCheckFailed" in str(exc)


class OrdersRepository:
    def __init__(self, aggregates: AggregatesStore | None = None) -> None:
        # Units sold are counted when an order is first stored (for the return rate by SKU).
        self._aggregates = aggregates

    def find(self, order_number: str) -> tuple[Order, OrderRecord] | None:
        try:
            record = OrderRecord.get(order_number, consistent_read=True)
        except DoesNotExist:
            return None
        return Order.model_validate(record.document), record

    def get(self, order_number: str) -> tuple[Order, OrderRecord]:
        found = self.find(order_number)
        if found is None:
            raise OrderNotFound(order_number)
        return found

    def upsert(self, order: Order) -> None:
        """Order sync: replace the order document, keep what returns already reserved."""
        for _ in range(_MAX_ATTEMPTS):
            found = self.find(order.order_number)
            record = found[1] if found else OrderRecord(order.order_number, reserved={}, returns_count=0)
            record.document = json.loads(order.model_dump_json())
            if found is None and self._aggregates is not None:
                if self._aggregates.create_order(record, order_deltas(order)):
                    return
                continue  # created meanwhile by another sync: update that one
            change = order_change_deltas(found[0], order) if found and self._aggregates is not None else {}
            if change and self._aggregates is not None:
                # Lines added, cancelled or changed in quantity: units sold follow, in one transaction.
                if self._aggregates.update_order(record, change):
                    return
                continue
            try:
                record.save()
                return
            except PutError as exc:
                if not _conditional_failure(exc):
                    raise
        raise ConcurrentUpdate(order.order_number)

    def release(self, order_number: str, quantities: dict[str, int]) -> None:
        """Give back quantities reserved by a return that will not come back."""
        for _ in range(_MAX_ATTEMPTS):
            _, record = self.get(order_number)
            reserved = dict(record.reserved.as_dict() if hasattr(record.reserved, "as_dict") else record.reserved)
            for line_id, quantity in quantities.items():
                reserved[line_id] = max(0, int(reserved.get(line_id, 0)) - quantity)
            try:
                record.update(actions=[OrderRecord.reserved.set(reserved)])
                return
            except UpdateError as exc:
                if not _conditional_failure(exc):
                    raise
        raise ConcurrentUpdate(order_number)


def reserved_quantities(record: OrderRecord) -> dict[str, int]:
    raw: Any = record.reserved.as_dict() if hasattr(record.reserved, "as_dict") else record.reserved
    return {str(k): int(v) for k, v in (raw or {}).items()}


_STATUS_CURSOR_KEYS = {"status", "created_at", "return_id"}


def _decode_cursor(cursor: str) -> dict[str, Any]:
    """A cursor we issued, or ValueError: anything else must not reach DynamoDB."""
    key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    if not isinstance(key, dict) or set(key) != _STATUS_CURSOR_KEYS:
        raise ValueError("not a returns cursor")
    for value in key.values():
        if not isinstance(value, dict) or set(value) != {"S"} or not isinstance(value["S"], str):
            raise ValueError("not a returns cursor")
    return key


class ReturnsRepository(TransactionalStore):
    def find(self, return_id: str) -> ReturnRecord | None:
        try:
            return ReturnRecord.get(return_id, consistent_read=True)
        except DoesNotExist:
            return None

    def get(self, return_id: str) -> ReturnRecord:
        record = self.find(return_id)
        if record is None:
            raise ReturnNotFound(return_id)
        return record

    def many(self, return_ids: list[str]) -> list[ReturnRecord]:
        """The returns with these ids, in that order, read consistently; ids no longer stored are left out."""
        found: dict[str, ReturnRecord] = {}
        wanted = list(dict.fromkeys(return_ids))
        for start in range(0, len(wanted), _BATCH_GET):
            for record in ReturnRecord.batch_get(wanted[start : start + _BATCH_GET], consistent_read=True):
                found[record.return_id] = record
        return [found[return_id] for return_id in wanted if return_id in found]

    def by_tracking_number(self, tracking_number: str) -> ReturnRecord | None:
        for hit in ReturnRecord.by_tracking_number.query(tracking_number, limit=1):
            return self.find(hit.return_id)
        return None

    def by_order(self, order_number: str) -> list[ReturnRecord]:
        """The order's returns, oldest first."""
        return self.many([hit.return_id for hit in ReturnRecord.by_order.query(order_number)])

    def shopper_return_ids(self, shopper_key: str, since: str, until: str) -> list[str]:
        """The shopper's returns created from `since` to `until` (ISO UTC), across all their orders."""
        hits = ReturnRecord.by_shopper.query(shopper_key, ReturnRecord.created_at.between(since, until))
        return [hit.return_id for hit in hits]

    def needing_attention(self) -> Iterator[ReturnRecord]:
        """Every return with an alert still to be acknowledged, newest first."""
        hits = ReturnRecord.by_attention.query(ATTENTION, scan_index_forward=False)
        ids: list[str] = []
        for hit in hits:
            ids.append(hit.return_id)
            if len(ids) == _BATCH_GET:
                yield from self._still_needing_attention(ids)
                ids = []
        yield from self._still_needing_attention(ids)

    def _still_needing_attention(self, return_ids: list[str]) -> list[ReturnRecord]:
        # The index lags the table: an alert acknowledged a moment ago must not come back.
        return [record for record in self.many(return_ids) if record.attention == ATTENTION]

    def by_status(self, status: str, limit: int, cursor: str | None) -> tuple[list[ReturnRecord], str | None]:
        """A page of the returns in `status`, newest first, and the cursor of the next page (None at the end).

        The index lags the table: a return that has just moved on may still be listed under its old
        status, so it is left out of this page (a page may come back shorter than `limit`)."""
        start_key = _decode_cursor(cursor) if cursor else None
        result = ReturnRecord.by_status.query(
            status, limit=limit, scan_index_forward=False, last_evaluated_key=start_key
        )
        ids = [hit.return_id for hit in result]
        last = result.last_evaluated_key
        next_cursor = base64.urlsafe_b64encode(json.dumps(last).encode()).decode() if last else None
        return [record for record in self.many(ids) if record.status == status], next_cursor

    def create(self, record: ReturnRecord, order: OrderRecord, reserved: dict[str, int]) -> None:
        """Write the return and reserve its quantities on the order, both or neither."""
        with TransactWrite(connection=self._transactions()) as tx:
            tx.save(record, condition=ReturnRecord.return_id.does_not_exist())
            tx.update(
                order,
                actions=[OrderRecord.reserved.set(reserved), OrderRecord.returns_count.add(1)],
            )

    def mutate(self, return_id: str, change: Callable[[ReturnRecord], T]) -> T:
        """Read, apply `change`, write if the version is unchanged; re-read and re-apply otherwise.

        `change` must be a pure function of the record (it may run more than once) and may raise
        to abort without writing.
        """
        for _ in range(_MAX_ATTEMPTS):
            record = self.get(return_id)
            result = change(record)
            try:
                record.save()
                return result
            except PutError as exc:
                if not _conditional_failure(exc):
                    raise
        raise ConcurrentUpdate(return_id)


def is_conflict(exc: Exception) -> bool:
    return isinstance(exc, PutError | UpdateError | TransactWriteError) and _conditional_failure(exc)
