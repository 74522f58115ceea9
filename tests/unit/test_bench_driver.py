"""`make bench` (python -m bench): every stage's table is printed as it is measured, and results.json
holds the keys the figures are compared by from run to run. The stages themselves are stood in for
here (each has its own tests); what is held is the driver."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import bench.__main__ as driver
from bench import analytics_scale, cold_start, cost, engine_floor, load, throughput

REQUIRED_KEYS = (
    "happy_path.transitions",
    "happy_path.usd_per_return",
    "happy_path.emails",
    "naive.usd_per_return",
    "cold_start.max_ratio",
    "throughput.returns_per_s",
    "engine_floor.ceiling_returns_per_s",
    "load.ok",
    "api.p50_ms",
    "api.p99_ms",
    "analytics.ratio_100k_to_1k",
    "machine",
)


def _scenario(transitions: float, usd: float) -> dict[str, Any]:
    return {
        "transitions": transitions,
        "lambda_invocations": 25.0,
        "api_requests": 7.0,
        "dynamodb_write_units": 130.0,
        "dynamodb_read_units": 69.0,
        "eventbridge_events": 9.0,
        "s3_requests": 2.0,
        "usd_per_return": usd,
        "usd_per_1000_returns": usd * 1000,
        "usd_emails_per_return": 0.0005,
        "emails": 5.0,
        "naive_usd_per_return": usd + 0.0003,
        "naive_transitions": transitions + 12,
    }


@pytest.fixture
def stages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        cold_start,
        "run",
        lambda runs: {
            "boto3_ms": 220.0,
            "functions": {"refund": {"ms": 330.0, "ratio": 1.5}, "notify": {"ms": 440.0, "ratio": 2.0}},
            "max_ratio": 2.0,
            "worst": "notify",
            "floor_ms": 390.0,
            "floor_ratio": 1.77,
            "runs": runs,
        },
    )
    monkeypatch.setattr(cost, "run", lambda n: {"happy_path": _scenario(12.0, 0.00046)})
    monkeypatch.setattr(
        throughput,
        "run",
        lambda returns, concurrency: {
            "returns": returns,
            "concurrency": concurrency,
            "completed": returns,
            "failed": {},
            "seconds": 10.0,
            "returns_per_s": returns / 10,
            "cpu_s_per_return": 2.5,
            "cpu_utilisation": 0.5,
            "api_requests": 3 * returns,
            "api_p50_ms": 40.0,
            "api_p99_ms": 900.0,
        },
    )
    monkeypatch.setattr(
        engine_floor,
        "run",
        lambda executions: {
            "executions": executions,
            "succeeded": executions,
            "took_the_recorded_path": True,
            "idle_cpu_s_per_s": 0.01,
            "states_per_execution": 12,
            "tasks_per_execution": 10,
            "cpu_s_per_execution": 0.19,
            "seconds_per_execution": 0.29,
            "ceiling_returns_per_s": 5.3,
        },
    )
    monkeypatch.setattr(
        load,
        "run",
        lambda returns, concurrency, storm_returns: {
            "returns": returns,
            "concurrency": concurrency,
            "storm_returns": storm_returns,
            "passed": 2,
            "failed": 0,
            "ok": True,
            "seconds": 95.0,
            "failures": [],
        },
    )
    monkeypatch.setattr(
        analytics_scale,
        "run",
        lambda large: {
            "returns_small": 1000,
            "returns_large": large,
            "ms_small": 100.0,
            "ms_large": 120.0,
            "ratio_100k_to_1k": 1.2,
        },
    )


def test_the_bench_prints_each_table_and_keeps_every_figure_compared_from_run_to_run(
    stages: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # When the bench runs
    output = tmp_path / "results.json"
    assert (
        driver.main(["--output", str(output), "--throughput-returns", "4", "--concurrency", "2", "--load-returns", "4"])
        == 0
    )
    # Then it printed the cost table, the cold starts, the throughput and the analytics
    printed = capsys.readouterr().out
    assert "happy_path" in printed and "0.0004600" in printed
    assert "worst notify 2.00x" in printed and "floor 390.0 ms  1.77x" in printed
    assert "0.4 returns/s" in printed and "2.5 CPU s a return" in printed
    assert "0.19 CPU s an execution, so at most 5.3 returns/s a core" in printed
    assert "4 returns, 2 at a time, and a webhook storm over 12: 2 passed, 0 failed" in printed
    assert "1.20x" in printed
    # And results.json holds every key the issue names
    results = json.loads(output.read_text())
    for dotted in REQUIRED_KEYS:
        section, _, key = dotted.partition(".")
        assert section in results and (not key or key in results[section]), dotted
    assert results["machine"]["cores"] >= 1 and results["machine"]["python"]


def test_a_stage_that_fails_leaves_the_figures_measured_before_it(
    stages: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an analytics stage that fails
    def broken(large: int) -> dict[str, Any]:
        raise RuntimeError("moto went away")

    monkeypatch.setattr(analytics_scale, "run", broken)
    output = tmp_path / "results.json"
    # When the bench runs, it fails
    with pytest.raises(RuntimeError):
        driver.main(["--output", str(output)])
    # Then what was measured before is kept
    results = json.loads(output.read_text())
    assert results["happy_path"]["transitions"] == 12.0 and results["throughput"]["returns_per_s"] == 4.0
