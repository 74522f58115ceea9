"""The analytics scale benchmark runs end to end on a tiny shop (it reports; it never asserts speed)."""

from __future__ import annotations

from bench.analytics_scale import run

KEYS = {"returns_small", "returns_large", "ms_small", "ms_large", "ratio_100k_to_1k", "rows_small", "rows_large"}
READS = {"rows_read_small", "rows_read_large"}


def test_the_benchmark_reports_both_sizes_with_positive_timings() -> None:
    # When the benchmark records a shop of 10 returns and one of 40 and times the analytics request once each
    figures = run(small=10, large=40, repeats=1)

    # Then it reports every figure, timings are positive and the larger shop has at least as many rows
    assert set(figures) >= KEYS | READS
    assert (figures["returns_small"], figures["returns_large"]) == (10, 40)
    assert figures["ms_small"] > 0 and figures["ms_large"] > 0 and figures["ratio_100k_to_1k"] > 0
    assert figures["rows_large"] >= figures["rows_small"] > 0
    # And each request read some of them
    assert figures["rows_read_small"] > 0 and figures["rows_read_large"] > 0
