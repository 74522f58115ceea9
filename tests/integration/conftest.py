"""Each handler under moto: the deployed resources, the real ASL, our handlers in-process.

The ``aws`` fixture gives a test what CDK deploys (tables, bucket, bus, state machine, created from
the catalogue by ``infra.local.resources.provision``) inside ``mock_aws``, with the handlers' own
environment (``infra.local.environment``) and moto's Step Functions interpreter calling our
handlers for Lambda task states (``infra.local.moto_patches``).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Generator, Iterator
from typing import Any

import botocore.loaders
import botocore.session
import pytest
from moto import mock_aws

from infra.local import environment as env
from infra.local import moto_patches
from infra.local.engine import HandlerRegistry
from infra.local.resources import provision
from returns_core.wiring import services

from .support import HANDLER_TIME_SCALE, PORTAL_SECRET, RETRY_TIME_SCALE, WEBHOOK_SECRET, LocalAws, client, find_return

MOTO_CONFIG: Any = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
SETTLE_SECONDS = 20.0
LEAVES_WORKFLOWS_WAITING = "leaves_workflows_waiting"


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{LEAVES_WORKFLOWS_WAITING}: the test starts workflows it does not drive to their end; "
        "the aws fixture ends them at teardown instead of failing the test",
    )


def _running() -> list[dict[str, Any]]:
    sfn = client("stepfunctions")
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
    sfn = client("stepfunctions")
    ended: list[str] = []
    deadline = time.monotonic() + SETTLE_SECONDS
    while running := _running():
        if time.monotonic() > deadline:
            for execution in running:
                sfn.stop_execution(executionArn=execution["executionArn"], error="TestTeardown")
            raise AssertionError(f"executions still running after {SETTLE_SECONDS}s: {running}")
        for execution in running:
            # A token on the record means the task is parked; otherwise a Lambda task is in flight: wait.
            record = find_return(execution["name"])
            if record is not None and record.task_token:
                try:
                    sfn.send_task_failure(taskToken=record.task_token, error="TestTeardown", cause="the test ended")
                except sfn.exceptions.ClientError:
                    pass  # ended meanwhile
                else:
                    ended.append(execution["name"])
        time.sleep(0.05)
    return sorted(set(ended))


@pytest.fixture(scope="session", autouse=True)
def _shared_botocore_loader() -> Iterator[None]:
    """One botocore data loader for every session the handlers create.

    Each handler builds its clients from a fresh ``boto3.session.Session()`` (as at a Lambda cold start),
    and each new session re-reads the service models from disk: about 0.1 s per client, and the tests
    rebuild the services for every test. Sharing the (read-only) loader makes that ~0.02 s; nothing
    else about the sessions changes.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", functools.cache(botocore.loaders.create_loader))
        yield


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[LocalAws]:
    environment = env.handler_environment(
        endpoint="", webhook_secret=WEBHOOK_SECRET, time_scale=HANDLER_TIME_SCALE, portal_secret=PORTAL_SECRET
    )
    environment.pop("AWS_ENDPOINT_URL")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    # A real endpoint, profile or session from the developer's shell would route calls around the mock.
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    # Fail states log at ERROR on this logger by design; the tests assert on outcomes instead.
    interpreter_log = logging.getLogger("moto.stepfunctions.parser")
    log_level = interpreter_log.level
    interpreter_log.setLevel(logging.CRITICAL)
    services.cache_clear()
    try:
        with mock_aws(config=MOTO_CONFIG):
            provision(client)
            moto_patches.apply_all(HandlerRegistry().resolve, time_scale=RETRY_TIME_SCALE)
            yield LocalAws(monkeypatch)
            ended = _settle_executions()
            expected = request.node.get_closest_marker(LEAVES_WORKFLOWS_WAITING) is not None
            if ended and not expected and not request.node.stash.get(_CALL_FAILED, False):
                raise AssertionError(f"the test left executions waiting on a task token (ended them): {ended}")
    finally:
        moto_patches.restore_all()
        services.cache_clear()
        interpreter_log.setLevel(log_level)
