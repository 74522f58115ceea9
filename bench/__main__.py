"""`make bench`: what a return costs, how fast the functions start, printed and kept in bench/results.json.

Benchmarks report; they never fail the test suite. Compare `bench/results.json` from run to run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_PATH = Path(__file__).with_name("results.json")
# Targets the product claims (issue: benchmarks), shown beside the figures.
TARGETS = {
    "transitions": 12,
    "usd_per_return": 0.0005,
    "cold_start_ratio": 1.5,
    "returns_per_s": 20,
    "analytics_ratio": 1.5,
}


def _machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.machine(),
    }


def _cost_table(cost: dict[str, Any]) -> list[str]:
    rows = [
        f"{'return':<13} {'transitions':>11} {'lambda':>7} {'api':>5} {'ddb W/R':>11} {'events':>7} {'s3':>5}"
        f" {'$/return':>11} {'$/1000':>8} {'emails $':>9} {'usual $':>11}"
    ]
    for key, row in cost.items():
        rows.append(
            f"{key:<13} {row['transitions']:>11.1f} {row['lambda_invocations']:>7.1f} {row['api_requests']:>5.1f}"
            f" {row['dynamodb_write_units']:>5.1f}/{row['dynamodb_read_units']:<5.1f} {row['eventbridge_events']:>7.1f}"
            f" {row['s3_requests']:>5.1f} {row['usd_per_return']:>11.7f} {row['usd_per_1000_returns']:>8.4f}"
            f" {row['usd_emails_per_return']:>9.5f} {row['naive_usd_per_return']:>11.7f}"
        )
    return rows


def _print_cold_start(figures: dict[str, Any]) -> None:
    print("\nCold start: handler import time ÷ `import boto3` alone (median of fresh interpreters)")
    print(f"  boto3 {figures['boto3_ms']:.1f} ms")
    print(
        f"  floor {figures['floor_ms']:.1f} ms  {figures['floor_ratio']:.2f}x (what every handler imports:"
        " Powertools with X-Ray, pydantic, PynamoDB, settings)"
    )
    for name, figure in sorted(figures["functions"].items(), key=lambda item: -item[1]["ratio"]):
        print(f"  {name:<16} {figure['ms']:>7.1f} ms  {figure['ratio']:>5.2f}x")
    print(
        f"  worst {figures['worst']} {figures['max_ratio']:.2f}x (target ≤ {TARGETS['cold_start_ratio']}x)", flush=True
    )


def _print_cost(figures: dict[str, Any]) -> None:
    happy = figures["happy_path"]
    print("\nCost per return (infrastructure, without emails; 'usual' = every scan a state-machine transition loop)")
    print("\n".join(_cost_table(figures)))
    print(
        f"  targets: happy path ≤ {TARGETS['transitions']} transitions and ≤ ${TARGETS['usd_per_return']}:"
        f" {happy['transitions']:.0f} transitions, ${happy['usd_per_return']:.7f}",
        flush=True,
    )


def _print_throughput(flow: dict[str, Any]) -> None:
    print(
        f"\nThroughput: {flow['completed']} of {flow['returns']} happy-path returns end to end, {flow['concurrency']}"
        f" at a time, in {flow['seconds']} s: {flow['returns_per_s']} returns/s"
        f" (target >= {TARGETS['returns_per_s']})"
        + (f"; failed on the way: {flow['failed']}" if flow["failed"] else "")
    )
    print(
        f"  the local stack used {flow['cpu_s_per_return']} CPU s a return in one interpreter"
        f" ({flow['cpu_utilisation']:.0%} of the machine's cores)"
    )
    print(
        f"  storefront API under that load: p50 {flow['api_p50_ms']} ms, p99 {flow['api_p99_ms']} ms"
        f" over {flow['api_requests']} requests",
        flush=True,
    )


def _print_engine_floor(floor: dict[str, Any]) -> None:
    print(
        f"  the engine alone (moto's interpreter executing returns.asl.json, all {floor['tasks_per_execution']} tasks"
        f" answered at once from a recorded happy path, no handler, no storage): {floor['cpu_s_per_execution']} CPU s"
        f" an execution, so at most {floor['ceiling_returns_per_s']} returns/s a core"
        f" ({floor['succeeded']} of {floor['executions']} replays succeeded"
        + ("" if floor["took_the_recorded_path"] else "; a replay left the recorded path, so this is no floor")
        + ")",
        flush=True,
    )


def _print_load(load: dict[str, Any]) -> None:
    verdict = "nothing lost or doubled" if load["ok"] else "FAILED: " + "; ".join(load["failures"] or ["see pytest"])
    print(
        f"\nLoad and storm tests at the bench's size: {load['returns']} returns, {load['concurrency']} at a time,"
        f" and a webhook storm over {load['storm_returns']}: {load['passed']} passed, {load['failed']} failed"
        f" in {load['seconds']} s ({verdict})",
        flush=True,
    )


def _print_analytics(scale: dict[str, Any]) -> None:
    print(
        f"\nAnalytics: {scale['ms_small']:.1f} ms with {scale['returns_small']:,} returns recorded,"
        f" {scale['ms_large']:.1f} ms with {scale['returns_large']:,}: {scale['ratio_100k_to_1k']:.2f}x"
        f" (target <= {TARGETS['analytics_ratio']}x)",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--returns", type=int, default=5, help="returns per cost scenario")
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per cold-start figure")
    parser.add_argument("--throughput-returns", type=int, default=40, help="returns run for throughput")
    parser.add_argument("--concurrency", type=int, default=10, help="returns in flight at a time")
    parser.add_argument("--floor-executions", type=int, default=20, help="replays timed for the engine's floor")
    parser.add_argument("--load-returns", type=int, default=40, help="returns in the larger load test")
    parser.add_argument("--storm-returns", type=int, default=12, help="returns in the larger webhook storm")
    parser.add_argument("--analytics-large", type=int, default=100_000, help="returns recorded for analytics")
    parser.add_argument("--output", type=Path, default=RESULTS_PATH)
    args = parser.parse_args(argv)

    from bench import analytics_scale, cold_start, cost, engine_floor, load, throughput

    results: dict[str, Any] = {"measured_at": datetime.now(UTC).isoformat(), "machine": _machine(), "targets": TARGETS}

    def keep() -> None:  # after each stage, so a later one failing loses nothing measured
        args.output.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    machine = results["machine"]
    print(f"Benchmarks on {machine['cores']} cores, Python {machine['python']} ({machine['platform']})", flush=True)
    # Each stage prints its table as soon as it is measured, and keeps it in the results file.
    results["cold_start"] = cold_start.run(runs=args.runs)
    keep()
    _print_cold_start(results["cold_start"])
    results["cost"] = cost.run(n=args.returns)
    happy = results["cost"]["happy_path"]
    results["happy_path"] = {
        "transitions": happy["transitions"],
        "usd_per_return": happy["usd_per_return"],
        "emails": happy["emails"],
        "usd_emails_per_return": happy["usd_emails_per_return"],
    }
    results["naive"] = {"usd_per_return": happy["naive_usd_per_return"], "transitions": happy["naive_transitions"]}
    keep()
    _print_cost(results["cost"])
    flow = throughput.run(returns=args.throughput_returns, concurrency=args.concurrency)
    results["throughput"] = flow
    results["api"] = {"p50_ms": flow["api_p50_ms"], "p99_ms": flow["api_p99_ms"], "requests": flow["api_requests"]}
    keep()
    _print_throughput(flow)
    results["engine_floor"] = engine_floor.run(executions=args.floor_executions)
    keep()
    _print_engine_floor(results["engine_floor"])
    results["load"] = load.run(args.load_returns, args.concurrency, args.storm_returns)
    keep()
    _print_load(results["load"])
    results["analytics"] = analytics_scale.run(large=args.analytics_large)
    keep()
    _print_analytics(results["analytics"])
    print(f"\nWritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
