"""Per-SKU figures read a bounded amount at a time: the most returned SKUs, and the full list by pages.

A shop's catalogue has one counter row per SKU and month, so reading them all makes the dashboard as
slow as the catalogue is large. Two bounded reads replace it:

- the most returned SKUs of a period, exactly, from a sparse index of each month's SKU rows sorted by
  units returned (Fagin's Threshold Algorithm, `most_returned`), and
- every SKU in code order, a page at a time (`page_of`), for the full list and the CSV export.

Pure functions over what the storage adapter reads (`storage.aggregates.AggregatesStore`).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

SKU_PREFIX = "SKU#"  # the counter rows' key prefix (see analytics.counters)
DEFAULT_TOP = 25
MAX_TOP = 100
DEFAULT_PAGE = 100
MAX_PAGE = 500
MAX_SKU_BYTES = 256  # a cursor's SKU code, UTF-8 (SKUs are at most 64 characters)


@dataclass(frozen=True)
class SkuTotals:
    """One SKU's counters added over a period."""

    sku: str
    units_sold: int = 0
    units_returned: int = 0

    @property
    def rate(self) -> Fraction:
        return Fraction(self.units_returned, self.units_sold) if self.units_sold > 0 else Fraction(0)

    def plus(self, units_sold: int, units_returned: int) -> SkuTotals:
        return SkuTotals(self.sku, self.units_sold + units_sold, self.units_returned + units_returned)


def rank(totals: SkuTotals) -> tuple[int, Fraction, str]:
    """Most units returned first; ties by the higher return rate, then by SKU code."""
    return (-totals.units_returned, -totals.rate, totals.sku)


def ranked(totals: Iterable[SkuTotals], n: int) -> list[SkuTotals]:
    """The `n` first by `rank` among SKUs with units returned (what sorting every row would give)."""
    return sorted((t for t in totals if t.units_returned > 0), key=rank)[:n]


# One month's index, largest units first: pages of (sku, units returned that month).
IndexPages = Callable[[str], Iterator[Sequence[tuple[str, int]]]]
# Exact totals over the whole period of the SKUs asked for (missing: nothing counted).
ExactTotals = Callable[[Sequence[str]], Mapping[str, SkuTotals]]


def most_returned(months: Sequence[str], n: int, pages: IndexPages, exact: ExactTotals) -> list[SkuTotals]:
    """The `n` SKUs with the most units returned over `months`, exactly as `ranked` over every SKU.

    Fagin's Threshold Algorithm, its random accesses deferred to the end (as in his NRA): each month's
    index is read in descending pages, in rounds of one page a month. What a SKU's index entries say
    bounds its period total from below (the units seen) and from above (plus, for each month it was
    not seen in, the last units value read there, or none once that month's index is exhausted); a
    SKU not seen at all has at most the sum of the last values read (the threshold). Reading stops
    when the n-th best lower bound beats the threshold: no unseen SKU can enter the top n. Then only
    the SKUs whose upper bound reaches that n-th lower bound can be in it; their exact totals (units
    sold too) are fetched and ranked. So what is read depends on how skewed returns are, not on the
    catalogue's size. The bounds must be beaten strictly: a SKU tying on units may still rank higher
    by its return rate, which the index does not order by.
    """
    if n < 1:
        return []
    readers = {month: pages(month) for month in months}
    last: dict[str, int] = {}  # month -> units of the last index entry read there; absent once exhausted
    seen: dict[str, dict[str, int]] = {}  # sku -> month -> units, from the index
    while readers:
        for month in list(readers):
            page = next(readers[month], None)
            if not page:
                del readers[month]
                last.pop(month, None)
                continue
            last[month] = page[-1][1]
            for sku, units in page:
                seen.setdefault(sku, {})[month] = units
        floor = _nth_lower_bound(seen, n)
        if floor is not None and floor > sum(last.values()):
            break
    floor = _nth_lower_bound(seen, n) or 0
    candidates = [
        sku
        for sku, known in seen.items()
        if sum(known.values()) + sum(units for month, units in last.items() if month not in known) >= floor
    ]
    found = exact(sorted(candidates)) if candidates else {}
    return ranked(found.values(), n)


def _nth_lower_bound(seen: Mapping[str, Mapping[str, int]], n: int) -> int | None:
    """The n-th largest of the units seen per SKU, None while fewer than n SKUs were seen with any."""
    totals = sorted((sum(known.values()) for known in seen.values()), reverse=True)
    return totals[n - 1] if len(totals) >= n and totals[n - 1] > 0 else None


def merge_months(months: Iterable[Iterable[tuple[str, int, int]]]) -> dict[str, SkuTotals]:
    """(sku, units sold, units returned) rows of several months, added up per SKU."""
    totals: dict[str, SkuTotals] = {}
    for rows in months:
        for sku, sold, returned in rows:
            totals[sku] = totals.get(sku, SkuTotals(sku)).plus(sold, returned)
    return totals


def page_of(per_month: Iterable[Sequence[tuple[str, int, int]]], limit: int) -> tuple[list[SkuTotals], bool]:
    """The first `limit` SKUs in code order, and whether any follow, from each month's rows.

    Each month's rows are that month's first `limit + 1` SKUs (in code order, after the cursor). A SKU
    among the period's first `limit` has at most `limit - 1` SKUs before it in any month, so each of its
    rows is among those read, and its totals are exact; and more follow when more than `limit` SKUs
    were read, since the period's first `limit + 1` are all among them.
    """
    totals = merge_months(per_month)
    codes = sorted(totals)
    return [totals[code] for code in codes[:limit]], len(codes) > limit


class InvalidCursor(ValueError):
    pass


def encode_cursor(after: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The SKU code the page starts after; InvalidCursor for anything we did not issue (it must not reach
    DynamoDB: the code goes into the query's start key, at most 1,024 bytes)."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        after = raw["after"] if isinstance(raw, dict) and set(raw) == {"after"} else None
        if not isinstance(after, str) or not 0 < len(after.encode()) <= MAX_SKU_BYTES:
            raise InvalidCursor("not a SKU list cursor")
    except (binascii.Error, ValueError, RecursionError):  # not base64, not UTF-8 or not JSON; too deep
        raise InvalidCursor("not a SKU list cursor") from None
    return after
