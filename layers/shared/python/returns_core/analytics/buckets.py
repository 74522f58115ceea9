"""Fixed histogram buckets for stage durations, so percentiles come from counters, not from scans.

A bucket is identified by its index; its upper edge (in hours) is what a percentile reports, so an
estimate is exact to the bucket's width: one hour up to a day, six hours up to a week, then a day.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from decimal import Decimal

EDGES_HOURS: tuple[int, ...] = (
    tuple(range(1, 25)) + tuple(range(30, 24 * 7 + 1, 6)) + tuple(range(24 * 8, 24 * 60 + 1, 24))
)
OVERFLOW = len(EDGES_HOURS)  # longer than sixty days


def bucket_of(hours: Decimal) -> int:
    if hours < 0:
        raise ValueError("a duration cannot be negative")
    return bisect_left(EDGES_HOURS, hours)


def upper_edge(bucket: int) -> int:
    return EDGES_HOURS[min(bucket, OVERFLOW - 1)]


def percentile(counts: Mapping[int, int], fraction: Decimal) -> Decimal | None:
    """The upper edge of the bucket holding the `fraction` quantile; None when nothing was counted."""
    total = sum(counts.values())
    if total <= 0:
        return None
    wanted = fraction * total
    seen = 0
    for bucket in sorted(counts):
        seen += counts[bucket]
        if seen >= wanted:
            return Decimal(upper_edge(bucket))
    return Decimal(upper_edge(max(counts)))
