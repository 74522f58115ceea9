"""The cold-start benchmark's measurement: a fresh interpreter's import time, not the figures themselves.

Benchmarks report; they never fail the suite on a figure. What is held here is that a measurement
is taken at all, in an environment like a deployed function's.
"""

from __future__ import annotations

from bench.cold_start import FLOOR, import_ms, lambda_environment


def test_an_import_is_timed_in_a_fresh_interpreter() -> None:
    # Given a module the test process has long imported (a fresh interpreter still has to load it)
    # When its import is timed twice
    median = import_ms("json", runs=2)
    # Then the median is a positive number of milliseconds, well under a second
    assert 0 < median < 1000


def test_the_child_sees_a_deployed_function_s_environment_not_the_caller_s() -> None:
    # Given the environment the measurements run in
    env = lambda_environment()
    # Then it is a traced Lambda function's, and the layer is importable, as in AWS
    assert env["LAMBDA_TASK_ROOT"] and env["AWS_LAMBDA_FUNCTION_NAME"]
    assert "POWERTOOLS_TRACE_DISABLED" not in env
    assert env["PYTHONPATH"].endswith("layers/shared/python")
    # And nothing of the test run's own environment (its credentials, its endpoints) leaks in
    assert env["AWS_ACCESS_KEY_ID"] == "local"
    assert "PYTEST_CURRENT_TEST" not in env


def test_the_floor_every_handler_shares_is_importable_in_a_deployed_function_s_environment() -> None:
    # Given the stand-in module for what every handler imports before its own code
    # When its import is timed like a function's
    median = import_ms(FLOOR, runs=1)
    # Then it imports (in a deployed function's environment) and takes measurable time
    assert median > 0
