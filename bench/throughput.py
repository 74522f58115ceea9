"""Throughput: many happy-path returns at once through the local stack, end to end, and the storefront
API's latency while they run.

Each return is requested over HTTP, shipped (the carrier's signed scan webhooks, no gap between
scans), inspected by ops, refunded and costed by the real state machine. One return goes through
first, untimed, so the figure is a warm stack's (cold starts are the cold-start benchmark's). The
happy path has no timed waits, and its deadlines are scaled so they never fire. Returns per second
is completed returns over the wall-clock time from the first request to the last execution's end.
The API's latency is measured from the client, over HTTP, for every storefront request made
meanwhile (requests and status reads).

What bounds the figure: the local stack is one Python process (moto serving every AWS call over
HTTP, its Step Functions interpreter, the handlers, the gateway and this driver), so it runs on one
core at a time. `cpu_s_per_return` is the process's CPU time per completed return; its inverse is the
most this machine can do locally, whatever the concurrency. Deployed, each of those is a separate
service scaling on its own.
"""

from __future__ import annotations

import math
import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import requests

from bench.local_run import Run, copy_order, execution, tracking_number_of, wait_for
from infra.local.client import ReturnsClient
from infra.local.simulator import HAPPY_JOURNEY

TEMPLATE_ORDER = "DEMO-1001"
# The happy path has no timed waits, only deadlines: at this scale a 14-day deadline is ten minutes,
# so a loaded machine never turns a slow inspection into a timeout branch.
TIME_SCALE = Decimal("0.0005")


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 200 samples is the 198th smallest)."""
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


class _Latencies:
    def __init__(self) -> None:
        self.samples: list[float] = []
        self._lock = threading.Lock()

    def timed(self, call: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        response = call(*args, **kwargs)
        with self._lock:
            self.samples.append((time.perf_counter() - started) * 1000)
        return response


COMPLETED = "REFUNDED/SUCCEEDED"


def happy_return(run: Run, number: str, email: str, latencies: _Latencies | None = None) -> tuple[str, str]:
    """One happy-path return of order `number` end to end: its id, and its status/its execution's status."""
    timed = (latencies or _Latencies()).timed
    client = ReturnsClient(run.stack.url, run.stack.ops_token)
    item = {"line_id": "1", "quantity": 1, "reason": "DOES_NOT_FIT"}
    created = timed(client.create_return, number, email, [item])
    created.raise_for_status()
    return_id = str(created.json()["return_id"])
    wait_for(run, return_id, {"LABEL_ISSUED"})
    tracking = tracking_number_of(run, return_id)
    run.stack.simulator().play(tracking, HAPPY_JOURNEY)
    # The shopper follows the return on the status page meanwhile.
    timed(requests.get, f"{run.stack.url}/returns/{return_id}", timeout=15).raise_for_status()
    wait_for(run, return_id, {"DELIVERED"})
    client.inspect_all(return_id).raise_for_status()
    status = wait_for(run, return_id, {"REFUNDED"})
    timed(requests.get, f"{run.stack.url}/returns/{return_id}", timeout=15).raise_for_status()
    ended = execution(run, return_id)
    return return_id, f"{status}/{ended['status']}"


def _attempt(run: Run, number: str, email: str, latencies: _Latencies) -> str:
    """A return's outcome; one that failed on the way (a request timing out under load) is counted, not raised."""
    try:
        return happy_return(run, number, email, latencies)[1]
    except Exception as exc:  # reported in the figures: the benchmark measures, it does not stop
        return f"failed: {type(exc).__name__}"


def run(returns: int = 40, concurrency: int = 10) -> dict[str, Any]:
    latencies = _Latencies()
    with Run(time_scale=TIME_SCALE) as bench:
        numbers = [f"BENCH-TP-{i:05d}-{time.monotonic_ns() % 10**6}" for i in range(returns + 1)]
        emails = {number: copy_order(bench, TEMPLATE_ORDER, number) for number in numbers}
        # One return first, untimed: every function's cold start (measured on its own above) is behind us,
        # as it is for a deployment that has been taking returns.
        warm_up = numbers.pop()
        _attempt(bench, warm_up, emails[warm_up], _Latencies())
        time.sleep(0.5)
        started, cpu_started = time.perf_counter(), time.process_time()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            outcomes = list(pool.map(lambda n: _attempt(bench, n, emails[n], latencies), numbers))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    completed = outcomes.count(COMPLETED)
    samples = latencies.samples
    return {
        "returns": returns,
        "concurrency": concurrency,
        "completed": completed,
        "failed": {outcome: outcomes.count(outcome) for outcome in set(outcomes) if outcome != COMPLETED},
        "seconds": round(elapsed, 2),
        "returns_per_s": round(completed / elapsed, 2),
        # The whole local stack (moto, the engine, the handlers, this driver) shares one interpreter and
        # its lock, so CPU seconds per return bound what it can do: 1 / cpu_s_per_return returns a second.
        "cpu_s_per_return": round(cpu / completed, 3) if completed else None,
        "cpu_utilisation": round(cpu / elapsed / (os.cpu_count() or 1), 2),
        "api_requests": len(samples),
        "api_p50_ms": round(statistics.median(samples), 1) if samples else None,
        "api_p99_ms": round(percentile(samples, 0.99), 1) if samples else None,
    }


if __name__ == "__main__":
    print(run())
