"""Each handler under moto: the deployed resources, the real ASL, our handlers in-process.

The ``aws`` fixture gives a test what CDK deploys (tables, bucket, bus, state machine, created from
the catalogue by ``infra.local.resources.provision``) inside ``mock_aws``, with the handlers' own
environment (``infra.local.environment``) and moto's Step Functions interpreter calling our
handlers for Lambda task states (``infra.local.moto_patches``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import boto3
import pytest
from moto import mock_aws
from returns_core.wiring import services

from infra.local import environment as env
from infra.local import moto_patches
from infra.local.engine import HandlerRegistry
from infra.local.resources import provision

from .support import WEBHOOK_SECRET, find_return

MOTO_CONFIG: Any = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
# Policy durations → workflow seconds: a 14-day label validity becomes 7 s, a 4-day stall 2 s.
HANDLER_TIME_SCALE = Decimal("0.0000066")
# Tiny: every policy duration becomes Step Functions' minimum of 1 s (for tests that wait one out).
FAST_EXPIRY_TIME_SCALE = Decimal("0.0000001")
# Retry intervals and Wait states of the ASL run at 1/100 of their real length.
RETRY_TIME_SCALE = 0.01
SETTLE_SECONDS = 20.0


@dataclass
class LocalAws:
    monkeypatch: pytest.MonkeyPatch

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=env.REGION)

    def use_time_scale(self, scale: Decimal) -> None:
        """Change TIME_SCALE for the handlers; call before the first return of the test is created."""
        self.monkeypatch.setenv("TIME_SCALE", str(scale))
        services.cache_clear()


def _running() -> list[dict[str, Any]]:
    sfn = boto3.client("stepfunctions", region_name=env.REGION)
    found: list[dict[str, Any]] = sfn.list_executions(stateMachineArn=env.state_machine_arn(), statusFilter="RUNNING")[
        "executions"
    ]
    return found


def _settle_executions() -> list[str]:
    """Let every execution end; end the ones parked on a task token. Names of those that had to be ended.

    Executions run on daemon threads: one left RUNNING when mock_aws exits leaks into the next test.
    moto's StopExecution does not interrupt a task-token wait (local-engine.md, defect 5), so a parked
    task is failed through its token instead; StopExecution is the last resort.
    """
    sfn = boto3.client("stepfunctions", region_name=env.REGION)
    ended: list[str] = []
    deadline = time.monotonic() + SETTLE_SECONDS
    grace = time.monotonic() + 0.3  # a Lambda task in flight usually finishes by then
    while running := _running():
        now = time.monotonic()
        if now > deadline:
            for execution in running:
                sfn.stop_execution(executionArn=execution["executionArn"], error="TestTeardown")
            raise AssertionError(f"executions still running after {SETTLE_SECONDS}s: {running}")
        if now > grace:
            for execution in running:
                record = find_return(execution["name"])
                if record is not None and record.task_token:
                    try:
                        sfn.send_task_failure(
                            taskToken=record.task_token, error="TestTeardown", cause="the test ended first"
                        )
                    except sfn.exceptions.ClientError:
                        pass  # resumed meanwhile
                    else:
                        ended.append(execution["name"])
        time.sleep(0.05)
    return ended


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalAws]:
    environment = env.handler_environment(endpoint="", webhook_secret=WEBHOOK_SECRET, time_scale=HANDLER_TIME_SCALE)
    environment.pop("AWS_ENDPOINT_URL")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    # A real endpoint, profile or session from the developer's shell would route calls around the mock.
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    # Fail states log at ERROR on this logger by design; the tests assert on outcomes instead.
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    services.cache_clear()
    try:
        with mock_aws(config=MOTO_CONFIG):
            provision(lambda service: boto3.client(service, region_name=env.REGION))
            moto_patches.apply_all(HandlerRegistry().resolve, time_scale=RETRY_TIME_SCALE)
            yield LocalAws(monkeypatch)
            _settle_executions()
    finally:
        moto_patches.restore_all()
        services.cache_clear()
