"""Cold-start import cost of each catalogue function, relative to `import boto3` alone.

A Lambda cold start imports the handler's module before the first invocation; boto3 is the floor
every function pays (the runtime ships it), so each function is reported as a ratio to it.

How a figure is taken:

- Each measurement is a fresh interpreter (`sys.executable`, site-packages on, no `-I`/`-S`) that
  times `importlib.import_module(module)` with `time.perf_counter`; interpreter start-up is left out.
- The environment is a deployed function's, not the caller's: the variables CDK sets (the local
  stack's `handler_environment`, a superset), the ones the Lambda runtime sets (`LAMBDA_TASK_ROOT`,
  `AWS_LAMBDA_FUNCTION_NAME`, ...) and tracing on, as `Tracing.ACTIVE` deploys it, so Powertools'
  Tracer loads the X-Ray SDK and patches botocore at import exactly as in AWS. Endpoints point at a
  closed local port: nothing at import may reach the network. (The X-Ray SDK, believing it runs in
  Lambda, touches `/tmp/.aws-xray/initialized`, as it does there.)
- Bytecode is warm for boto3 and our modules alike: every module is imported once, untimed, before
  the timed rounds, so `__pycache__` holds its `.pyc` files. The deployed assets ship no `.pyc` (see
  `FUNCTION_ASSET_EXCLUDES`), so a real cold start also compiles our sources; that cost tracks the
  amount of our code imported, which the warm figure already shows, and leaving it out keeps the
  ratio a comparison of what is imported rather than of where bytecode happens to be cached.
- Rounds interleave boto3 and every function, so machine noise falls on all of them alike; each
  figure is the median of `runs` rounds.
"""

from __future__ import annotations

import os
import statistics
import sys
from decimal import Decimal
from typing import Any

from bench.child import run_python
from infra import catalogue
from infra.local.environment import handler_environment

REPO_ROOT = catalogue.REPO_ROOT
LAYER_PATH = REPO_ROOT / "layers" / "shared" / "python"
BASELINE = "boto3"
# What every handler imports (`bench.cold_start_floor`): how close to the baseline any function can get.
FLOOR = "bench.cold_start_floor"
TARGET_RATIO = 1.5

# Runs in the child: only the import itself is timed, in milliseconds.
_CHILD = (
    "import importlib, sys, time\n"
    "start = time.perf_counter()\n"
    "importlib.import_module(sys.argv[1])\n"
    "print((time.perf_counter() - start) * 1000)\n"
)
# Nothing listens there, so a client that called out at import would fail at once instead of hanging.
_NO_ENDPOINT = "http://127.0.0.1:9"


def lambda_environment() -> dict[str, str]:
    """A deployed function's environment at cold start, built afresh (nothing of the caller's leaks in)."""
    env = handler_environment(_NO_ENDPOINT, "bench-secret", Decimal(1), "bench-portal-secret")
    # The local stack turns tracing off; deployed functions trace (Tracing.ACTIVE).
    env.pop("POWERTOOLS_TRACE_DISABLED", None)
    env.update(
        {
            "PATH": os.environ.get("PATH", os.defpath),
            "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(LAYER_PATH)]),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "LAMBDA_TASK_ROOT": str(REPO_ROOT),
            "LAMBDA_RUNTIME_DIR": "/var/runtime",
            "AWS_LAMBDA_FUNCTION_NAME": "returns-bench",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_python{sys.version_info.major}.{sys.version_info.minor}",
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        }
    )
    return env


def _time_import(module: str, env: dict[str, str]) -> float:
    """Milliseconds one fresh interpreter spends importing `module`."""
    done = run_python("-c", _CHILD, module, env=env, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"importing {module} failed:\n{done.stderr.strip()}")
    return float(done.stdout.strip().splitlines()[-1])


def _medians(modules: list[str], runs: int) -> dict[str, float]:
    """Median import time per module over `runs` interleaved rounds, after one untimed warm-up each."""
    if runs < 1:
        raise ValueError("runs must be at least 1")
    env = lambda_environment()
    for module in modules:
        _time_import(module, env)  # writes any missing .pyc; not counted
    samples: dict[str, list[float]] = {module: [] for module in modules}
    for _ in range(runs):
        for module in modules:
            samples[module].append(_time_import(module, env))
    return {module: statistics.median(times) for module, times in samples.items()}


def import_ms(module: str, runs: int) -> float:
    """Median milliseconds of importing `module` in a fresh interpreter set up like a cold start."""
    return _medians([module], runs)[module]


def run(runs: int = 7) -> dict[str, Any]:
    """{"boto3_ms": float, "functions": {name: {"ms": float, "ratio": float}}, "max_ratio": float, "worst": str,
    "runs": int}"""
    modules = {spec.name: spec.module for spec in catalogue.FUNCTIONS}
    medians = _medians([BASELINE, FLOOR, *modules.values()], runs)
    boto3_ms = medians[BASELINE]
    functions = {
        name: {"ms": round(medians[module], 1), "ratio": round(medians[module] / boto3_ms, 2)}
        for name, module in modules.items()
    }
    worst = max(functions, key=lambda name: functions[name]["ratio"])
    return {
        "boto3_ms": round(boto3_ms, 1),
        "functions": functions,
        "max_ratio": functions[worst]["ratio"],
        "worst": worst,
        "floor_ms": round(medians[FLOOR], 1),
        "floor_ratio": round(medians[FLOOR] / boto3_ms, 2),
        "runs": runs,
    }


def format_table(result: dict[str, Any]) -> str:
    width = max(len(name) for name in result["functions"])
    lines = [
        f"{'function':<{width}}  {'ms':>8}  {'ratio':>5}",
        f"{BASELINE:<{width}}  {result['boto3_ms']:>8.1f}  {1:>5.2f}",
        f"{'(floor)':<{width}}  {result['floor_ms']:>8.1f}  {result['floor_ratio']:>5.2f}",
    ]
    for name, figures in sorted(result["functions"].items(), key=lambda item: -item[1]["ratio"]):
        flag = "  over target" if figures["ratio"] > TARGET_RATIO else ""
        lines.append(f"{name:<{width}}  {figures['ms']:>8.1f}  {figures['ratio']:>5.2f}{flag}")
    lines.append(
        f"max ratio {result['max_ratio']:.2f} ({result['worst']}), target <= {TARGET_RATIO}, "
        f"median of {result['runs']} runs"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    print(format_table(run(runs)))
