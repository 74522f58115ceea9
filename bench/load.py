"""The load and storm tests of `make test`, run larger: nothing lost or doubled at the bench's size.

`tests/e2e/test_load_and_storm.py` holds what must stay true under load (every return ends once, ledger
totals equal their lines, one paid refund and one label a return, each scan applied once and statuses
never moving backwards); `make test` runs it at a moderate size. Here the same tests run in a process of
their own with the sizes the bench asks for, and their outcome is reported beside the figures.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

from bench.child import run_python

TESTS = "tests/e2e/test_load_and_storm.py"


def _counts(summary: str) -> dict[str, int]:
    """pytest's last line, e.g. '1 failed, 1 passed in 80.12s', as {"failed": 1, "passed": 1}."""
    return {word: int(number) for number, word in re.findall(r"(\d+) (passed|failed|errors?|skipped)", summary)}


def run(returns: int = 40, concurrency: int = 10, storm_returns: int = 12) -> dict[str, Any]:
    env = {
        **os.environ,
        "LOAD_RETURNS": str(returns),
        "LOAD_CONCURRENCY": str(concurrency),
        "STORM_RETURNS": str(storm_returns),
    }
    started = time.perf_counter()
    done = run_python("-m", "pytest", TESTS, "-q", "-p", "no:cacheprovider", env=env, timeout=3600)
    lines = done.stdout.strip().splitlines()
    counts = _counts(lines[-1] if lines else "")
    return {
        "returns": returns,
        "concurrency": concurrency,
        "storm_returns": storm_returns,
        "passed": counts.get("passed", 0),
        "failed": counts.get("failed", 0) + counts.get("error", 0) + counts.get("errors", 0),
        "ok": done.returncode == 0,
        "seconds": round(time.perf_counter() - started, 1),
        # What failed, so a bad run says why without running it again.
        "failures": [line for line in lines if line.startswith(("FAILED", "ERROR"))],
    }


if __name__ == "__main__":
    print(run())
