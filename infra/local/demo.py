"""`make demo`: drive demo returns through every stage and check each ends where it should.

Each scenario is what a shopper, the carrier and the warehouse would do, over real HTTP:
the storefront API, signed carrier webhooks from the scan simulator, the ops API.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from infra.local.client import ReturnsClient
from infra.local.demo_data import email_for
from infra.local.simulator import CROSS_BORDER_JOURNEY, HAPPY_JOURNEY, ScanSimulator
from infra.local.stack import LocalStack


@dataclass
class Scenario:
    title: str
    order_number: str
    items: list[dict[str, Any]]
    expected: str
    drive: Callable[[ReturnsClient, ScanSimulator, str], None]
    resolution: str = "REFUND"
    return_id: str = ""
    outcome: dict[str, Any] = field(default_factory=dict)
    error: str = ""


def _ship_and_inspect(journey: tuple[str, ...]) -> Callable[[ReturnsClient, ScanSimulator, str], None]:
    def drive(client: ReturnsClient, simulator: ScanSimulator, return_id: str) -> None:
        record = client.wait_for(return_id, {"LABEL_ISSUED"})
        simulator.play(record["label"]["tracking_number"], journey, gap_seconds=0.3)
        client.wait_for(return_id, {"DELIVERED"})
        client.inspect_all(return_id).raise_for_status()

    return drive


def _review_then(
    decision: str, then: Callable[..., None] | None
) -> Callable[[ReturnsClient, ScanSimulator, str], None]:
    def drive(client: ReturnsClient, simulator: ScanSimulator, return_id: str) -> None:
        client.wait_for(return_id, {"IN_REVIEW"})
        client.review(return_id, decision, "checked photos and order history").raise_for_status()
        if then is not None:
            then(client, simulator, return_id)

    return drive


def _nothing(client: ReturnsClient, simulator: ScanSimulator, return_id: str) -> None:
    return None


def _accepted_then_silence(client: ReturnsClient, simulator: ScanSimulator, return_id: str) -> None:
    record = client.wait_for(return_id, {"LABEL_ISSUED"})
    simulator.play(record["label"]["tracking_number"], ("accepted", "in_transit"), gap_seconds=0.3)


def scenarios() -> list[Scenario]:
    def item(line: str, qty: int, reason: str) -> dict[str, Any]:
        return {"line_id": line, "quantity": qty, "reason": reason}

    return [
        Scenario(
            "DE domestic, does not fit → refunded",
            "DEMO-1001",
            [item("1", 1, "DOES_NOT_FIT")],
            "REFUNDED",
            _ship_and_inspect(HAPPY_JOURNEY),
        ),  # fmt: skip
        Scenario(
            "FR, window passed → rejected", "DEMO-1002", [item("1", 1, "CHANGED_MIND")], "REJECTED", _nothing
        ),  # fmt: skip
        Scenario(
            "GB, label never used → expired", "DEMO-1003", [item("1", 1, "CHANGED_MIND")], "EXPIRED", _nothing
        ),  # fmt: skip
        Scenario(
            "US → New Jersey hub, consolidated back to DE → refunded",
            "DEMO-1010",
            [item("1", 1, "DOES_NOT_FIT")],
            "REFUNDED",
            _ship_and_inspect(HAPPY_JOURNEY),
        ),  # fmt: skip
        Scenario(
            "US → DE, parcel goes silent → lost, carrier claim opened, refunded after the grace period",
            "DEMO-1004",
            [item("1", 1, "STYLE_NOT_AS_EXPECTED")],
            "REFUNDED",
            _accepted_then_silence,
        ),  # fmt: skip
        Scenario(
            "JP → DE, high value → reviewed, customs hold → refunded",
            "DEMO-1005",
            [item("1", 1, "NOT_AS_DESCRIBED")],
            "REFUNDED",
            _review_then("APPROVED", _ship_and_inspect(CROSS_BORDER_JOURNEY)),
        ),  # fmt: skip
        Scenario(
            "AU → DE, cheap item → returnless refund", "DEMO-1006", [item("1", 1, "CHANGED_MIND")], "REFUNDED", _nothing
        ),  # fmt: skip
        Scenario(
            "AU, returnless, the provider settles the refund later by webhook → refunded",
            "DEMO-1011",
            [item("1", 1, "CHANGED_MIND")],
            "REFUNDED",
            _nothing,
        ),  # fmt: skip
        Scenario(
            "NL → DE, batteries by express, store credit → closed",
            "DEMO-1007",
            [item("1", 1, "CHANGED_MIND")],
            "CLOSED",
            _ship_and_inspect(HAPPY_JOURNEY),
            resolution="STORE_CREDIT",
        ),  # fmt: skip
    ]


def _run(scenario: Scenario, client: ReturnsClient, simulator: ScanSimulator) -> None:
    try:
        response = client.create_return(
            scenario.order_number, email_for(scenario.order_number), scenario.items, scenario.resolution
        )
        response.raise_for_status()
        scenario.return_id = response.json()["return_id"]
        scenario.drive(client, simulator, scenario.return_id)
        client.wait_for(scenario.return_id, {scenario.expected}, timeout=40)
        scenario.outcome = client.wait_for_execution_end(scenario.return_id)
    except Exception as exc:  # reported per scenario; the demo goes on with the others
        scenario.error = f"{type(exc).__name__}: {exc}"


def _print_journey(scenario: Scenario) -> bool:
    outcome = scenario.outcome
    status = outcome.get("status", "?")
    execution = outcome.get("execution") or {}
    ok = status == scenario.expected and execution.get("status") == "SUCCEEDED" and not scenario.error
    mark = "PASS" if ok else "FAIL"
    print(f"\n[{mark}] {scenario.title}")
    print(f"       {scenario.return_id or '-'}  order {scenario.order_number}  status {status}"
          f" (expected {scenario.expected})  execution {execution.get('status', '?')}")  # fmt: skip
    if scenario.error:
        print(f"       error: {scenario.error}")
    path = execution.get("path") or []
    if path:
        start = _seconds(path[0]["entered_at"])
        steps = "  →  ".join(f"{p['state']} +{_seconds(p['entered_at']) - start:.1f}s" for p in path)
        print(f"       path: {steps}")
    route = outcome.get("route") or {}
    if route:
        where = (route.get("hub") or {}).get("hub_id") or "warehouse"
        print(f"       route: {route.get('choice')} via {where}: {route.get('reason')}")
    claim = outcome.get("claim") or {}
    if claim:
        amount = claim.get("amount_claimed") or {}
        print(f"       claim: {claim.get('claim_id')} {claim.get('status')} for {amount.get('amount')}"
              f" {amount.get('currency')} with {claim.get('carrier')}")  # fmt: skip
    statuses = [e for e in outcome.get("timeline", []) if e.get("kind") in ("STATUS", "SCAN")]
    if statuses:
        print("       timeline: " + ", ".join(e.get("status") or e.get("scan", "") for e in statuses))
    for line in outcome.get("ledger", []):
        amount, base = line["amount"], line["base_amount"]
        print(f"       ledger {line['kind']:<26} {amount['amount']:>10} {amount['currency']}"
              f"   = {base['amount']:>10} {base['currency']}  (fx {line['fx_rate']})")  # fmt: skip
    return ok


def _seconds(stamp: str) -> float:
    from returns_core.clock import parse_utc

    return parse_utc(stamp).timestamp()


def run_demo(serve_after: bool = False) -> int:
    stack = LocalStack(log_level="WARNING")
    started = time.monotonic()
    url = stack.start()
    try:
        stack.seed()
        client = ReturnsClient(url, stack.ops_token)
        simulator = stack.simulator()
        runs = scenarios()
        threads = [threading.Thread(target=_run, args=(s, client, simulator)) for s in runs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(f"\nDemo: {len(runs)} returns through the real state machine on {url}")
        results = [_print_journey(s) for s in runs]
        passed = sum(results)
        print(f"\n{passed} of {len(runs)} returns reached their expected terminal status"
              f" in {time.monotonic() - started:.1f}s")  # fmt: skip
        if serve_after:
            _serve_until_interrupted(stack)
        return 0 if passed == len(runs) else 1
    finally:
        stack.stop()


def _serve_until_interrupted(stack: LocalStack) -> None:
    info = stack.describe()
    print(f"\nDashboard (the demo returns, their paths, the charts): {info['dashboard_url']}")
    print(f"Portal: {info['portal_url']}    Ctrl-C stops everything.", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()


if __name__ == "__main__":
    sys.exit(run_demo())
