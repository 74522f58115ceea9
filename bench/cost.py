"""Cost per return: real returns through the local stack, their billable units counted, priced.

Each scenario runs `n` returns of one kind (on copies of a demo order) and divides what they used:
state transitions from each execution's history, Lambda invocations and GB-seconds, HTTP API
requests, DynamoDB units, EventBridge events, S3 requests and emails (bench/metering.py). Prices are
data (bench/prices.json, with their sources and date). Emails are priced on their own line: how many
to send is the seller's choice.

Beside each figure, the usual design computed the same way: every carrier scan a transition loop in
the state machine (a task to apply it, a choice, the wait re-entered) instead of an EventBridge event
to a function that answers a task token only at milestones.

Lambda durations are measured here, in-process against moto, which is slower than Lambda itself;
the GB-second figure is therefore on the high side.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from bench.local_run import Run, copy_order, execution, tracking_number_of, wait_for

PRICES_PATH = Path(__file__).with_name("prices.json")
# What a scan costs in the usual design: the apply-scan task, the choice after it, the wait re-entered.
NAIVE_TRANSITIONS_PER_SCAN = 3


def prices() -> dict[str, Decimal]:
    data = json.loads(PRICES_PATH.read_text(encoding="utf-8"))
    return {name: Decimal(value) for name, value in data["prices"].items()}


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    template_order: str  # a demo order the returns are made on (copied under new numbers)
    reason: str
    expected: str  # the return's terminal status
    journey: tuple[str, ...]  # the carrier's scans, in order (none for a returnless refund)
    inspect: bool


SCENARIOS = (
    Scenario(
        "happy_path", "DE domestic, shipped, inspected, refunded", "DEMO-1001", "DOES_NOT_FIT", "REFUNDED",
        ("accepted", "in_transit", "out_for_delivery", "delivered"), inspect=True,
    ),
    Scenario(
        "lost_parcel", "US → DE, accepted then silent: lost, claimed, refunded", "DEMO-1004", "STYLE_NOT_AS_EXPECTED",
        "REFUNDED", ("accepted", "in_transit"), inspect=False,
    ),
    Scenario(
        "returnless", "AU → DE, cheap item: returnless refund", "DEMO-1006", "CHANGED_MIND", "REFUNDED", (),
        inspect=False,
    ),
)  # fmt: skip


def transitions(events: list[dict[str, Any]]) -> int:
    """State transitions as Standard workflows bill them: each state entered, and each retry of a task."""
    entered = sum(1 for e in events if e["type"].endswith("StateEntered"))
    scheduled = sum(1 for e in events if e["type"] in ("TaskScheduled", "LambdaFunctionScheduled"))
    tasks = sum(1 for e in events if e["type"] == "TaskStateEntered")
    return entered + max(0, scheduled - tasks)


def _one_return(run: Run, scenario: Scenario, number: str, email: str, out: dict[str, Any]) -> None:
    from infra.local.client import ReturnsClient

    client = ReturnsClient(run.stack.url, run.stack.ops_token)
    item = {"line_id": "1", "quantity": 1, "reason": scenario.reason}
    created = client.create_return(number, email, [item])
    created.raise_for_status()
    return_id = created.json()["return_id"]
    if scenario.journey:
        wait_for(run, return_id, {"LABEL_ISSUED"})
        tracking = tracking_number_of(run, return_id)
        run.stack.simulator().play(tracking, scenario.journey, gap_seconds=0.2)
    if scenario.inspect:
        wait_for(run, return_id, {"DELIVERED"})
        client.inspect_all(return_id).raise_for_status()
    status = wait_for(run, return_id, {scenario.expected})
    ended = execution(run, return_id)
    out[return_id] = {
        "status": status,
        "execution": ended["status"],
        "transitions": transitions(ended["events"]),
        "scans": len(scenario.journey),
    }


def measure(run: Run, scenario: Scenario, n: int) -> dict[str, Any]:
    """Run `n` returns of a scenario one after the other (durations free of each other's contention);
    their units per return."""
    assert run.meter is not None
    numbers = [f"BENCH-{scenario.key.upper().replace('_', '')}-{i:04d}-{time.monotonic_ns() % 10**6}" for i in range(n)]
    emails = {number: copy_order(run, scenario.template_order, number) for number in numbers}
    time.sleep(0.5)  # what the order sync set off settles before the meter is read
    before = run.meter.snapshot()
    results: dict[str, Any] = {}
    for number in numbers:
        _one_return(run, scenario, number, emails[number], results)
    time.sleep(1.0)  # milestone emails and events queued on the bus are delivered
    after = run.meter.snapshot()
    unexpected = {
        rid: r for rid, r in results.items() if r["status"] != scenario.expected or r["execution"] != "SUCCEEDED"
    }
    if len(results) != n or unexpected:
        raise RuntimeError(f"{scenario.key}: {n - len(results)} returns failed to start; unexpected ends: {unexpected}")
    units: dict[str, Any] = {key: _per_return(after[key], before[key], n) for key in after if key not in _BREAKDOWNS}
    for key in _BREAKDOWNS:
        units[key] = {
            name: float(_per_return(count, before[key].get(name, 0), n))
            for name, count in sorted(after[key].items())
            if count != before[key].get(name, 0)
        }
    units["transitions"] = Decimal(sum(r["transitions"] for r in results.values())) / n
    units["scans"] = Decimal(sum(r["scans"] for r in results.values())) / n
    return units


_BREAKDOWNS = ("invocations_by_function", "calls", "write_units_by_table")


def _per_return(after: Any, before: Any, n: int) -> Decimal:
    return (Decimal(after) - Decimal(before)) / n


def price(units: dict[str, Decimal], table: dict[str, Decimal]) -> dict[str, Decimal]:
    """Dollars per return by line; `infrastructure` is everything but emails."""
    lines = {
        "step_functions": units["transitions"] * table["step_functions_standard_per_transition"],
        "lambda": units["invocations"] * table["lambda_per_request"]
        + units["gb_seconds"] * table["lambda_arm64_per_gb_second"],
        "api": units["api_requests"] * table["http_api_per_request"],
        "eventbridge": units["events"] * table["eventbridge_per_custom_event"],
        "dynamodb": units["write_units"] * table["dynamodb_per_write_unit"]
        + units["read_units"] * table["dynamodb_per_read_unit"],
        "s3": units["s3_puts"] * table["s3_per_put_request"] + units["s3_gets"] * table["s3_per_get_request"],
    }
    lines["infrastructure"] = sum(lines.values(), Decimal(0))
    lines["emails"] = units["emails"] * table["ses_per_email"]
    return lines


def naive(units: dict[str, Decimal], table: dict[str, Decimal]) -> dict[str, Decimal]:
    """The same return in the usual design: each scan a loop of transitions, not an event."""
    scans = units["scans"]
    changed = dict(units)
    changed["transitions"] = units["transitions"] + scans * NAIVE_TRANSITIONS_PER_SCAN
    changed["events"] = max(Decimal(0), units["events"] - scans)
    return price(changed, table)


def dollars(value: Decimal, places: str = "0.0000001") -> str:
    return str(value.quantize(Decimal(places), rounding=ROUND_HALF_UP))


def run(n: int = 5) -> dict[str, Any]:
    table = prices()
    report: dict[str, Any] = {}
    with Run(metered=True) as bench:
        for scenario in SCENARIOS:
            units = measure(bench, scenario, n)
            priced = price(units, table)
            usual = naive(units, table)
            report[scenario.key] = {
                "title": scenario.title,
                "returns": n,
                "transitions": float(units["transitions"]),
                "lambda_invocations": float(units["invocations"]),
                "lambda_gb_seconds": float(units["gb_seconds"]),
                "api_requests": float(units["api_requests"]),
                "dynamodb_write_units": float(units["write_units"]),
                "dynamodb_read_units": float(units["read_units"]),
                "dynamodb_write_units_by_table": units["write_units_by_table"],
                "eventbridge_events": float(units["events"]),
                "s3_requests": float(units["s3_puts"] + units["s3_gets"]),
                "emails": float(units["emails"]),
                "usd_by_service": {key: dollars(value) for key, value in priced.items()},
                "invocations_by_function": units["invocations_by_function"],
                "aws_calls": units["calls"],
                "usd_per_return": float(priced["infrastructure"]),
                "usd_per_1000_returns": float(priced["infrastructure"] * 1000),
                "usd_emails_per_return": float(priced["emails"]),
                "naive_usd_per_return": float(usual["infrastructure"]),
                "naive_transitions": float(units["transitions"] + units["scans"] * NAIVE_TRANSITIONS_PER_SCAN),
            }
    return report
