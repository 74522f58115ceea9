"""The analytics' per-SKU figures read a bounded amount: the most returned SKUs, and the full list by pages."""

from __future__ import annotations

import base64
import csv
import io
import json
import random
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import pytest

from returns_core.analytics.counters import Deltas
from returns_core.storage.models import AggregateRecord, OrderRecord
from returns_core.wiring import services

from .support import LocalAws, ops

MONTHS = ("2025-01", "2025-02", "2025-03")
PERIOD = f"from={MONTHS[0]}&to={MONTHS[-1]}"


def _record(deltas: Deltas) -> None:
    """Write counters through the product's writer (order sync's transaction), 90 keys at a time."""
    keys = sorted(deltas)
    for n in range(0, len(keys), 90):
        part = {key: deltas[key] for key in keys[n : n + 90]}
        assert services().aggregates.create_order(OrderRecord(f"ORD-SEED-{n}-{keys[n][1]}", document={}), part)


def _shop(skus: int, seed: int) -> Deltas:
    """SKU counters over three months (some SKUs only sold, some returned in one month only, many ties),
    and a TOTAL row per month."""
    rng = random.Random(seed)
    deltas: Deltas = {}
    for month in MONTHS:
        for n in range(skus):
            if rng.random() < 0.3:
                continue
            sold = rng.randint(0, 12)
            returned = rng.choice([0, 0, 1, 1, 2, 3, rng.randint(0, 9)])
            counters = {name: value for name, value in (("units_sold", sold), ("units", returned)) if value}
            if counters:
                deltas[(month, f"SKU#SKU-{n:03d}")] = counters
        deltas[(month, "TOTAL")] = {"returns": 5, "units": 7, "units_sold": 40}
    return deltas


def _totals(deltas: Deltas) -> dict[str, tuple[int, int]]:
    """SKU -> (units sold, units returned) over the period, by adding every row (the brute force)."""
    totals: dict[str, tuple[int, int]] = {}
    for (month, key), counters in deltas.items():
        if key.startswith("SKU#") and month in MONTHS:
            sold, returned = totals.get(key[4:], (0, 0))
            totals[key[4:]] = (sold + counters.get("units_sold", 0), returned + counters.get("units", 0))
    return totals


def _brute_force_top(deltas: Deltas, n: int) -> list[str]:
    def rank(item: tuple[str, tuple[int, int]]) -> tuple[int, Fraction, str]:
        sku, (sold, returned) = item
        return -returned, -(Fraction(returned, sold) if sold > 0 else Fraction(0)), sku

    ranked = sorted((item for item in _totals(deltas).items() if item[1][1] > 0), key=rank)
    return [sku for sku, _ in ranked[:n]]


class Reads:
    """What the adapter read from the aggregates table: rows per base-table query, index and batch get."""

    def __init__(self) -> None:
        self.table_rows: list[str] = []
        self.index_rows: list[str] = []
        self.batch_rows: list[str] = []


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Reads:
    seen = Reads()
    query, batch_get = AggregateRecord.query, AggregateRecord.batch_get

    def spy_query(cls: type[AggregateRecord], *args: Any, **kwargs: Any) -> Iterator[AggregateRecord]:
        target = seen.index_rows if kwargs.get("index_name") else seen.table_rows
        result = query(*args, **kwargs)
        for item in result:
            target.append(item.key)
            yield item

    def spy_batch_get(cls: type[AggregateRecord], *args: Any, **kwargs: Any) -> Iterator[AggregateRecord]:
        for item in batch_get(*args, **kwargs):
            seen.batch_rows.append(item.key)
            yield item

    monkeypatch.setattr(AggregateRecord, "query", classmethod(spy_query))
    monkeypatch.setattr(AggregateRecord, "batch_get", classmethod(spy_batch_get))
    return seen


def _get(path: str, query: str) -> dict[str, Any]:
    reply = ops("GET", path, query=query)
    assert reply.status == 200, reply
    body: dict[str, Any] = reply.body
    return body


def _pages(limit: int) -> list[dict[str, Any]]:
    pages, cursor = [], None
    while True:
        pages.append(_get("/ops/analytics/skus", f"{PERIOD}&limit={limit}" + (f"&cursor={cursor}" if cursor else "")))
        cursor = pages[-1]["next_cursor"]
        if cursor is None:
            return pages


def test_the_most_returned_skus_across_months_are_exactly_those_of_adding_every_row(aws: LocalAws) -> None:
    # Given 80 SKUs' counters over three months, written by the product's writer (and a month outside)
    deltas = _shop(80, seed=7)
    deltas[("2024-12", "SKU#SKU-001")] = {"units": 500}
    _record(deltas)

    # When ops ask for the 5, the default 25, and the 100 most returned
    tops = {n: _get("/ops/analytics", PERIOD + (f"&sku_limit={n}" if n != 25 else "")) for n in (5, 25, 100)}

    # Then each is the head of the ranking by units returned over the period (ties: rate, then code)
    totals = _totals(deltas)
    for n, figures in tops.items():
        assert [row["sku"] for row in figures["return_rate_by_sku"]] == _brute_force_top(deltas, n)
        for row in figures["return_rate_by_sku"]:
            assert (row["units_sold"], row["units_returned"]) == totals[row["sku"]]
        assert figures["skus"] == {
            "ranked_by": "units_returned",
            "limit": n,
            "shown": min(n, sum(1 for _, returned in totals.values() if returned)),
            "full_list": f"/ops/analytics/skus?{PERIOD}",
        }
    # And the writer put the month on SKU rows alone, which is what indexes them
    assert AggregateRecord.get(MONTHS[0], "TOTAL").sku_month is None
    some_sku = next(key for month, key in deltas if month == MONTHS[0] and key.startswith("SKU#"))
    assert AggregateRecord.get(MONTHS[0], some_sku).sku_month == MONTHS[0]


def test_the_report_reads_no_sku_row_but_those_of_the_skus_it_ranks(aws: LocalAws, reads: Reads) -> None:
    # Given 150 SKUs over three months, returns falling off with popularity (SKU-000 the most returned)
    deltas: Deltas = {}
    for month in MONTHS:
        for n in range(150):
            deltas[(month, f"SKU#SKU-{n:03d}")] = {"units_sold": 1000 - n, "units": 150 - n}
        deltas[(month, "TOTAL")] = {"returns": 10, "units": 10}
        deltas[(month, "REASON#DOES_NOT_FIT")] = {"returns": 10}
        deltas[(month, "STAGE#IN_TRANSIT#B010")] = {"waited": 10}
    _record(deltas)

    # When ops open the dashboard with the 5 most returned SKUs
    figures = _get("/ops/analytics", f"{PERIOD}&sku_limit=5")

    # Then it ranks them right, and its queries of the table's months returned no SKU row at all
    assert [row["sku"] for row in figures["return_rate_by_sku"]] == [f"SKU-{n:03d}" for n in range(5)]
    assert reads.table_rows and not [key for key in reads.table_rows if key.startswith("SKU#")]
    assert {"TOTAL", "REASON#DOES_NOT_FIT", "STAGE#IN_TRANSIT#B010"} <= set(reads.table_rows)
    # And the SKU rows it read are one index page a month and the rows of the 5 it ranks: not the 450 there are
    assert len(reads.index_rows) == 3 * 20
    assert sorted(reads.batch_rows) == sorted(f"SKU#SKU-{n:03d}" for n in range(5) for _ in MONTHS)


def test_paging_through_the_full_list_reaches_every_sku_once_in_code_order(aws: LocalAws) -> None:
    # Given 57 SKUs sold or returned over three months, not all in every month
    deltas = _shop(57, seed=11)
    _record(deltas)
    totals = _totals(deltas)

    # When ops page through the full list 7 SKUs at a time
    pages = _pages(limit=7)

    # Then every SKU is listed once, in code order, with its totals over the period, and only the last
    # page has no next cursor
    listed = [row for page in pages for row in page["skus"]]
    assert [row["sku"] for row in listed] == sorted(totals)
    assert {row["sku"]: (row["units_sold"], row["units_returned"]) for row in listed} == totals
    assert all(len(page["skus"]) == 7 for page in pages[:-1]) and 0 < len(pages[-1]["skus"]) <= 7
    assert pages[0]["ordered_by"] == "sku" and pages[0]["period"] == {"from": MONTHS[0], "to": MONTHS[-1]}
    # And one page with room for all of them has them all, and no cursor
    assert len(_pages(limit=500)) == 1


def test_the_csv_export_lists_every_sku(aws: LocalAws) -> None:
    # Given more SKUs than the dashboard shows, some never returned
    deltas = _shop(40, seed=3)
    _record(deltas)

    # When ops export the period
    reply = ops("GET", "/ops/analytics/export.csv", query=PERIOD)

    # Then the SKU section has every SKU with its totals, returned or not
    assert reply.status == 200, reply
    rows = [row for row in csv.DictReader(io.StringIO(reply.body)) if row["section"] == "return_rate_by_sku"]
    exported = {row["key"]: row for row in rows if row["metric"] == "units_returned"}
    assert {sku: int(row["value"]) for sku, row in exported.items()} == {s: r for s, (_, r) in _totals(deltas).items()}


def test_a_cursor_the_list_did_not_issue_is_refused(aws: LocalAws) -> None:
    # Given a cursor of the returns list, and cursors made up or tampered with
    _record(_shop(5, seed=1))
    foreign = base64.urlsafe_b64encode(json.dumps({"status": {"S": "REFUNDED"}}).encode()).decode()
    not_a_sku = base64.urlsafe_b64encode(json.dumps({"after": 42}).encode()).decode()

    # When ops page the SKU list with them / Then each is a 422 INVALID_CURSOR, as on the returns list
    for cursor in (foreign, not_a_sku, "%%%not-base64", "bm90IGpzb24"):
        reply = ops("GET", "/ops/analytics/skus", query=f"{PERIOD}&cursor={cursor}")
        assert (reply.status, reply.code) == (422, "INVALID_CURSOR"), cursor


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/ops/analytics", "sku_limit=0"),
        ("/ops/analytics", "sku_limit=101"),
        ("/ops/analytics", "sku_limit=ten"),
        ("/ops/analytics/skus", "limit=0"),
        ("/ops/analytics/skus", "limit=501"),
        ("/ops/analytics/skus", "from=2026-05&to=2026-01"),
    ],
)
def test_limits_outside_their_bounds_are_refused(aws: LocalAws, path: str, query: str) -> None:
    # When ops ask for no SKU, more than the bound, or a period backwards
    reply = ops("GET", path, query=query)
    # Then the request is refused as invalid, with a code
    assert reply.status == 422 and reply.code in ("INVALID_REQUEST", "INVALID_PERIOD"), reply
