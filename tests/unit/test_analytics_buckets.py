"""Stage-time percentiles from histogram counters: exact to the bucket's width."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from returns_core.analytics.buckets import EDGES_HOURS, OVERFLOW, bucket_of, percentile, upper_edge


def test_a_wait_falls_in_the_bucket_whose_edge_is_the_first_not_below_it() -> None:
    # Given waits of half an hour, exactly a day, 25 hours and ninety days
    # Then they land in the 1 h, 24 h, 30 h and overflow buckets
    assert upper_edge(bucket_of(Decimal("0.5"))) == 1
    assert upper_edge(bucket_of(Decimal(24))) == 24
    assert upper_edge(bucket_of(Decimal(25))) == 30
    assert bucket_of(Decimal(90 * 24)) == OVERFLOW


def test_percentiles_report_the_edge_of_the_bucket_holding_them() -> None:
    # Given nine returns waiting about 2 h and one waiting 3 days
    counts = {bucket_of(Decimal("1.5")): 9, bucket_of(Decimal(72)): 1}
    # When the median and p90 are read / Then both are 2 h, and p100 is the slow one's bucket
    assert percentile(counts, Decimal("0.5")) == 2
    assert percentile(counts, Decimal("0.9")) == 2
    assert percentile(counts, Decimal(1)) == 72
    assert percentile({}, Decimal("0.5")) is None


def test_a_negative_wait_is_refused() -> None:
    with pytest.raises(ValueError):
        bucket_of(Decimal(-1))


@given(st.lists(st.decimals(min_value=0, max_value=2000, places=2), min_size=1, max_size=50))
def test_the_estimated_median_is_never_below_the_true_one_nor_beyond_its_bucket(waits: list[Decimal]) -> None:
    counts: dict[int, int] = {}
    for wait in waits:
        counts[bucket_of(wait)] = counts.get(bucket_of(wait), 0) + 1
    true_median = sorted(waits)[(len(waits) - 1) // 2]
    estimate = percentile(counts, Decimal("0.5"))
    assert estimate is not None
    assert estimate >= min(true_median, Decimal(EDGES_HOURS[-1]))
    assert estimate == upper_edge(bucket_of(true_median))
