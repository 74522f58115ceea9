"""Per-SKU figures in bounded reads: the exact top by units returned (Threshold Algorithm), the full list
by pages, and the list's cursor."""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from returns_core.analytics import report
from returns_core.analytics.skus import (
    InvalidCursor,
    SkuTotals,
    decode_cursor,
    encode_cursor,
    merge_months,
    most_returned,
    page_of,
    ranked,
)

# month -> sku -> (units sold, units returned)
Shop = Mapping[str, Mapping[str, tuple[int, int]]]


class FakeIndex:
    """Each month's SKU rows as the sparse index holds them (only those with units returned), largest
    first, served in pages; and the rows themselves by key. Counts what was read."""

    def __init__(self, shop: Shop, page_size: int, tie_order: int = 1) -> None:
        self.shop = shop
        self.page_size = page_size
        self.tie_order = tie_order  # the index's order among equal units is not ours to choose
        self.pages_read = 0
        self.fetched: list[str] = []

    def pages(self, month: str) -> Iterator[Sequence[tuple[str, int]]]:
        rows = sorted(
            ((sku, returned) for sku, (_, returned) in self.shop[month].items() if returned > 0),
            key=lambda row: (-row[1], row[0][:: self.tie_order]),
        )
        for start in range(0, len(rows), self.page_size):
            self.pages_read += 1
            yield rows[start : start + self.page_size]

    def exact(self, skus: Sequence[str]) -> dict[str, SkuTotals]:
        self.fetched += skus
        return merge_months(
            [[(sku, *rows[sku]) for sku in skus if sku in rows] for rows in self.shop.values()]  # every month
        )


def _every_sku(shop: Shop) -> list[SkuTotals]:
    return list(merge_months([[(sku, *counts) for sku, counts in rows.items()] for rows in shop.values()]).values())


shops = st.dictionaries(
    st.sampled_from(["2026-01", "2026-02", "2026-03", "2026-04"]),
    st.dictionaries(
        st.sampled_from([f"S{n:02d}" for n in range(30)]),
        st.tuples(st.integers(0, 8), st.integers(0, 5)),  # small numbers: many ties
        max_size=30,
    ),
    min_size=1,
)


@settings(max_examples=300, deadline=None)
@given(shop=shops, n=st.integers(1, 12), page_size=st.integers(1, 6), tie_order=st.sampled_from([1, -1]))
def test_the_top_is_exactly_that_of_sorting_every_sku_of_the_period(
    shop: Shop, n: int, page_size: int, tie_order: int
) -> None:
    # Given a period's SKU rows and their index, paged
    index = FakeIndex(shop, page_size, tie_order)
    # When the n most returned are found by the Threshold Algorithm
    found = most_returned(sorted(shop), n, index.pages, index.exact)
    # Then they are the n first of sorting every SKU by units returned, rate, code; each fetched once
    assert found == ranked(_every_sku(shop), n)
    assert len(index.fetched) == len(set(index.fetched))


def test_on_skewed_returns_one_page_a_month_settles_the_top() -> None:
    # Given 1,000 SKUs over three months, returns falling off with popularity
    shop = {month: {f"S{n:04d}": (2000, 1000 - n) for n in range(1000)} for month in ("2026-01", "2026-02", "2026-03")}
    index = FakeIndex(shop, page_size=20)
    # When the 10 most returned are found
    found = most_returned(sorted(shop), 10, index.pages, index.exact)
    # Then they are right, from one page of each month and the rows of those 10 SKUs alone: not 3,000 rows
    assert [t.sku for t in found] == [f"S{n:04d}" for n in range(10)]
    assert index.pages_read == 3 and sorted(index.fetched) == [t.sku for t in found]


def test_a_sku_tying_on_units_with_a_higher_rate_is_found_beyond_the_first_page() -> None:
    # Given two SKUs with 3 units returned each, the index listing first the one with the lower rate
    shop = {"2026-01": {"A-LOW-RATE": (30, 3), "B-HIGH-RATE": (3, 3)}}
    index = FakeIndex(shop, page_size=1)
    # When the most returned one is found
    [top] = most_returned(["2026-01"], 1, index.pages, index.exact)
    # Then it is the one whose rate is higher: a bound only equalled does not stop the reading
    assert top == SkuTotals("B-HIGH-RATE", units_sold=3, units_returned=3)


def test_skus_never_returned_are_not_ranked_and_an_empty_period_has_no_top() -> None:
    shop = {"2026-01": {"SOLD-ONLY": (9, 0)}, "2026-02": {}}
    index = FakeIndex(shop, page_size=5)
    assert most_returned(sorted(shop), 5, index.pages, index.exact) == []
    assert most_returned(sorted(shop), 0, index.pages, index.exact) == []


def _first_after(rows: Mapping[str, tuple[int, int]], after: str | None, limit: int) -> list[tuple[str, int, int]]:
    """What a month's query gives: its first `limit` SKU rows in code order after the cursor position."""
    return [(sku, *rows[sku]) for sku in sorted(rows) if after is None or sku > after][:limit]


@settings(max_examples=200, deadline=None)
@given(shop=shops, limit=st.integers(1, 8))
def test_paging_the_full_list_reaches_every_sku_once_with_its_period_totals(shop: Shop, limit: int) -> None:
    # Given a period's SKU rows, read a page at a time: each month's first limit + 1 after the cursor
    listed: list[SkuTotals] = []
    after: str | None = None
    for _ in range(100):
        page, more = page_of([_first_after(rows, after, limit + 1) for rows in shop.values()], limit)
        listed += page
        assert len(page) <= limit
        if not more:
            break
        assert len(page) == limit  # a page is short only at the end
        after = page[-1].sku
    # Then every SKU came once, in code order, with its totals over every month
    expected = sorted(_every_sku(shop), key=lambda t: t.sku)
    assert listed == expected


def test_a_cursor_names_the_sku_a_page_starts_after_and_nothing_else_is_taken() -> None:
    assert decode_cursor(encode_cursor("TEE-M-NVY")) == "TEE-M-NVY"
    assert decode_cursor(encode_cursor("日本-#1")) == "日本-#1"
    for bad in ("", "!!!", "bm90IGpzb24", encode_cursor("x")[:-2], "eyJhZnRlciI6IDF9", "eyJzdGF0dXMiOiB7fX0"):
        with pytest.raises(InvalidCursor):
            decode_cursor(bad)
    too_deep = base64.urlsafe_b64encode(b"[" * 1400).decode()
    for bad in (encode_cursor("x" * 300), encode_cursor("日" * 90), encode_cursor("\ud800"), too_deep, "ü"):
        with pytest.raises(InvalidCursor):
            decode_cursor(bad)


def test_the_report_lists_the_most_returned_skus_it_was_given_and_says_how_they_rank() -> None:
    # Given the period's rows without SKUs, and its two most returned SKUs
    rows = {"2026-01": {"TOTAL": {"returns": 2, "units": 5, "units_sold": 50}}}
    top = [SkuTotals("A", units_sold=10, units_returned=4), SkuTotals("B", units_sold=0, units_returned=1)]
    # When the report is built for a limit of two
    built = report.build(rows, "EUR", "2026-01", "2026-01", top, sku_limit=2)
    # Then it lists them in that order with their rates, says what they are, and where the full list is
    assert built["return_rate_by_sku"] == [
        {"sku": "A", "units_sold": 10, "units_returned": 4, "return_rate": "0.4000"},
        {"sku": "B", "units_sold": 0, "units_returned": 1, "return_rate": "0.0000"},
    ]
    assert built["skus"] == {
        "ranked_by": "units_returned",
        "limit": 2,
        "shown": 2,
        "full_list": "/ops/analytics/skus?from=2026-01&to=2026-01",
    }
    # And the CSV holds every SKU it is given instead
    every = [*top, SkuTotals("C", units_sold=7)]
    csv_text = report.to_csv(built, every_sku=every)
    assert "return_rate_by_sku,C,units_sold,7," in csv_text
    assert "return_rate_by_sku,C," not in report.to_csv(built)
