"""Writing ledger lines and analytics counters together, exactly once; reading the counters back.

A return's ledger lines, its counters and a marker that its own counts were added go into one
DynamoDB transaction: each line is written only if absent, the marker only if absent, so a retried
or concurrent recording either adds everything or nothing. Counters are merged per key first, and
split over further transactions (each with its own marker) only when one would exceed DynamoDB's
100 items.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from returns_core.analytics.counters import COUNTERS, Deltas, counters_of
from returns_core.analytics.skus import MAX_PAGE, SKU_PREFIX, SkuTotals, merge_months, most_returned, page_of
from returns_core.storage.connections import TransactionalStore
from returns_core.storage.models import AggregateRecord, LedgerRecord, OrderRecord

MAX_ITEMS = 100
# Counter keys in the first part, which shares its transaction with the ledger lines; fixed, so that a
# retry splits the same counts at the same places and each part's marker always means the same counts.
FIRST_PART_KEYS = 60
_MAX_ATTEMPTS = 5
# The first key after every SKU row's ("SKU#" with its last character's successor).
_AFTER_SKUS = SKU_PREFIX[:-1] + chr(ord(SKU_PREFIX[-1]) + 1)
_MAX_INDEX_PAGE = 200


def _marker(return_id: str, part: int) -> AggregateRecord:
    return AggregateRecord(f"RECORDED#{return_id}", f"PART#{part:02d}")


def _marker_exists(return_id: str, part: int) -> bool:
    try:
        AggregateRecord.get(f"RECORDED#{return_id}", f"PART#{part:02d}", consistent_read=True)
        return True
    except DoesNotExist:
        return False


def index_attributes(period: str, key: str) -> dict[str, str]:
    """What a counter row carries besides its counters: the month again on SKU rows, which puts the
    row in the sparse `skus_by_units_returned` index once it has units returned (its sort key)."""
    return {"sku_month": period} if key.startswith(SKU_PREFIX) else {}


def _update(tx: TransactWrite, key: tuple[str, str], counters: dict[str, int]) -> None:
    actions: list[Action] = [
        getattr(AggregateRecord, name).add(value) for name, value in sorted(counters.items()) if value
    ]
    if actions:
        actions += [getattr(AggregateRecord, name).set(value) for name, value in index_attributes(*key).items()]
        tx.update(AggregateRecord(key[0], key[1]), actions=actions)


def _conflict(exc: TransactWriteError) -> bool:
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return any(reason is not None and reason.code == "ConditionalCheckFailed" for reason in reasons)


@dataclass(frozen=True)
class Recording:
    return_id: str
    lines: Sequence[LedgerRecord]
    line_deltas: dict[str, Deltas]  # line id -> what that line adds
    # The return's own counts, added once; None while the return is still open (only its lines now).
    return_deltas: Deltas | None


class AggregatesStore(TransactionalStore):
    def record(self, recording: Recording) -> int:
        """Write the lines not yet written with what they add; the return's counts once. Lines written."""
        for _ in range(_MAX_ATTEMPTS):
            existing = {line.line_id for line in LedgerRecord.query(recording.return_id, consistent_read=True)}
            new_lines = [line for line in recording.lines if line.line_id not in existing]
            parts = self._parts(recording.return_deltas) if recording.return_deltas is not None else []
            pending = [(n, part) for n, part in enumerate(parts) if not _marker_exists(recording.return_id, n)]
            if not new_lines and not pending:
                return 0
            try:
                self._write(recording, new_lines, pending)
                return len(new_lines)
            except TransactWriteError as exc:
                if not _conflict(exc):
                    raise
        raise TransactWriteError("the return's costs kept changing while being recorded")

    def _parts(self, deltas: Deltas) -> list[Deltas]:
        """The return's counts in chunks small enough for one transaction each."""
        keys = sorted(deltas)
        parts: list[Deltas] = []
        room = FIRST_PART_KEYS
        while keys or not parts:
            chunk, keys = keys[:room], keys[room:]
            parts.append({key: deltas[key] for key in chunk})
            room = MAX_ITEMS - 1
        return parts

    def _write(self, recording: Recording, new_lines: list[LedgerRecord], pending: list[tuple[int, Deltas]]) -> None:
        line_counts: list[Deltas] = [recording.line_deltas.get(line.line_id, {}) for line in new_lines]
        first_part = pending[0] if pending and pending[0][0] == 0 else None
        rest = pending[1:] if first_part else pending
        with TransactWrite(connection=self._transactions()) as tx:
            for line in new_lines:
                tx.save(line, condition=LedgerRecord.line_id.does_not_exist())
            merged: Deltas = {}
            for part in [*line_counts, *([first_part[1]] if first_part else [])]:
                for key, counters in part.items():
                    target = merged.setdefault(key, {})
                    for name, value in counters.items():
                        target[name] = target.get(name, 0) + value
            if first_part:
                tx.save(_marker(recording.return_id, 0), condition=AggregateRecord.period.does_not_exist())
            for key, counters in merged.items():
                _update(tx, key, counters)
        for number, part in rest:
            with TransactWrite(connection=self._transactions()) as tx:
                tx.save(_marker(recording.return_id, number), condition=AggregateRecord.period.does_not_exist())
                for key, counters in part.items():
                    _update(tx, key, counters)

    def create_order(self, record: OrderRecord, deltas: Deltas) -> bool:
        """Save a new order and count its units sold, both or neither; False if it already existed."""
        return self._save_order(record, deltas, new=True)

    def update_order(self, record: OrderRecord, deltas: Deltas) -> bool:
        """Save a changed order and what it changes in units sold, both or neither; False if the order
        changed meanwhile (the caller re-reads it)."""
        return self._save_order(record, deltas, new=False)

    def _save_order(self, record: OrderRecord, deltas: Deltas, new: bool) -> bool:
        try:
            with TransactWrite(connection=self._transactions()) as tx:
                # A changed order's save is conditional on the version it was read at.
                tx.save(record, condition=OrderRecord.order_number.does_not_exist() if new else None)
                for key, counters in deltas.items():
                    _update(tx, key, counters)
        except TransactWriteError as exc:
            if _conflict(exc):
                return False
            raise
        return True

    def months(self, months: Iterable[str]) -> dict[str, dict[str, dict[str, int]]]:
        """Every counter of the given months but the per-SKU ones: month -> key -> counter -> value.

        Keys sort COUNTRY#, LANE#, REASON#, SKU#, STAGE#, TOTAL: two key ranges, before and after the
        SKU rows, read each month without them (one row per SKU and month, as many as the catalogue)."""
        found: dict[str, dict[str, dict[str, int]]] = {}
        for month in months:
            rows: dict[str, dict[str, int]] = {}
            for condition in (AggregateRecord.key < SKU_PREFIX, AggregateRecord.key >= _AFTER_SKUS):
                for item in AggregateRecord.query(month, condition):
                    rows[item.key] = counters_of(_attributes(item))
            found[month] = rows
        return found

    def most_returned(self, months: Sequence[str], n: int) -> list[SkuTotals]:
        """The `n` SKUs with the most units returned over `months`, exactly (`analytics.skus.most_returned`)."""
        # Pages twice the top's size: on a catalogue whose returns are skewed one round usually settles it.
        page_size = min(max(2 * n, 20), _MAX_INDEX_PAGE)

        def pages(month: str) -> Iterator[list[tuple[str, int]]]:
            start: dict[str, Any] | None = None
            while True:
                result = AggregateRecord.skus_by_units_returned.query(
                    month,
                    scan_index_forward=False,
                    limit=page_size,
                    last_evaluated_key=start,
                )
                page = [(item.key[len(SKU_PREFIX) :], int(item.units)) for item in result]
                if page:
                    yield page
                start = result.last_evaluated_key
                if start is None or len(page) < page_size:
                    return

        def exact(skus: Sequence[str]) -> dict[str, SkuTotals]:
            keys = [(month, SKU_PREFIX + sku) for sku in skus for month in months]
            return merge_months([map(_sku_counts, AggregateRecord.batch_get(keys))])

        return most_returned(months, n, pages, exact)

    def skus_after(self, months: Sequence[str], after: str | None, limit: int) -> tuple[list[SkuTotals], bool]:
        """The first `limit` SKUs in code order after `after` (a SKU code, or None for the first page),
        their totals over `months`, and whether more follow (`analytics.skus.page_of`)."""
        per_month = []
        for month in months:
            start = {"period": {"S": month}, "key": {"S": SKU_PREFIX + after}} if after is not None else None
            result = AggregateRecord.query(
                month,
                AggregateRecord.key.startswith(SKU_PREFIX),
                limit=limit + 1,
                last_evaluated_key=start,
            )
            per_month.append([_sku_counts(item) for item in result])
        return page_of(per_month, limit)

    def every_sku(self, months: Sequence[str], page: int = MAX_PAGE) -> Iterator[SkuTotals]:
        """Every SKU of the period in code order, read `page` SKUs at a time (the CSV export)."""
        after: str | None = None
        while True:
            found, more = self.skus_after(months, after, page)
            yield from found
            if not more or not found:
                return
            after = found[-1].sku


def _sku_counts(item: AggregateRecord) -> tuple[str, int, int]:
    """A SKU row as (sku, units sold, units returned)."""
    return item.key[len(SKU_PREFIX) :], int(item.units_sold or 0), int(item.units or 0)


def _attributes(item: Model) -> dict[str, object]:
    return {name: getattr(item, name) for name in COUNTERS}
