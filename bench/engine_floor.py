"""The local stack's ceiling: what the embedded Step Functions engine alone costs a return.

The throughput benchmark runs everything a return does in one interpreter. This one takes the same
engine (moto's server, its interpreter executing `statemachines/returns.asl.json`, our patches) and
leaves out everything else: every Lambda task is answered at once with what the real function
answered on a recorded happy path, with no handler, no storage and no HTTP gateway, and each token
task is resumed the moment it is handed its token. The process's CPU time per execution is then the
least any local return can cost, so its inverse is the most returns a second one core can run
locally, however fast the product's own code became.

The recording is a real happy-path return's execution history (see `bench.throughput`): each task's
result, in the order the interpreter scheduled them, including the refund's `PaymentPending` that
sends the workflow to wait for the provider's outcome.
"""

from __future__ import annotations

import json
import queue
import secrets
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from infra import catalogue

_WAITS_FOR_CALLBACK = "arn:aws:states:::lambda:invoke.waitForTaskToken"


@dataclass(frozen=True)
class TaskAnswer:
    """What one scheduled task ended with: a result (`output`) or an error raised by its function."""

    state: str
    resumed_by_token: bool
    output: Any = None
    error: str | None = None
    cause: str = ""


@dataclass(frozen=True)
class Recording:
    input: dict[str, Any]
    answers: tuple[TaskAnswer, ...]
    visited: tuple[str, ...]


def _states(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for name, state in definition["States"].items():
        found[name] = state
        for branch in state.get("Branches", ()):
            found.update(_states(branch))
    return found


def _detail(event: dict[str, Any]) -> dict[str, Any]:
    """The one `...EventDetails` member of a history event."""
    return next((value for key, value in event.items() if key.endswith("EventDetails")), {})


def _visited(events: list[dict[str, Any]]) -> tuple[str, ...]:
    """The states an execution entered, in order, from its history."""
    return tuple(_detail(event)["name"] for event in events if event["type"].endswith("StateEntered"))


def recording(events: list[dict[str, Any]], definition: dict[str, Any]) -> Recording:
    """The answers a replay must give, read from an execution's history (GetExecutionHistory events)."""
    states = _states(definition)
    answers: list[TaskAnswer] = []
    started: dict[str, Any] = {}
    current = ""
    for event in events:
        kind, detail = event["type"], _detail(event)
        if kind == "ExecutionStarted":
            started = json.loads(detail["input"])
        elif kind.endswith("StateEntered"):
            current = detail["name"]
        elif kind in ("TaskSucceeded", "TaskFailed"):
            by_token = states[current].get("Resource") == _WAITS_FOR_CALLBACK
            if kind == "TaskFailed":
                answers.append(TaskAnswer(current, by_token, error=detail.get("error"), cause=detail.get("cause", "")))
                continue
            output = json.loads(detail["output"])
            # A plain invoke's result is Lambda's reply around the function's own: the replay gives the latter.
            if not by_token and isinstance(output, dict) and "Payload" in output:
                output = output["Payload"]
            answers.append(TaskAnswer(current, by_token, output=output))
    return Recording(started, tuple(answers), _visited(events))


class _Replay:
    """Stands in for every catalogue function: each invoke is answered with the recording's next answer.

    Executions are replayed one at a time, so the recording's order is the invokes' order. A token task's
    function returns at once and the answer goes back through SendTaskSuccess/Failure from a thread of
    its own, as a scan or an ops action resumes it in the running product.
    """

    def __init__(self, answers: tuple[TaskAnswer, ...], client: Any) -> None:
        self._answers = answers
        self._next = 0
        self._lock = threading.Lock()
        self._client = client
        self._callbacks: queue.Queue[tuple[str, TaskAnswer] | None] = queue.Queue()
        self._worker = threading.Thread(target=self._resume, name="replay-callbacks", daemon=True)
        self._worker.start()

    def rewind(self) -> None:
        with self._lock:
            self._next = 0

    def close(self) -> None:
        self._callbacks.put(None)
        self._worker.join(timeout=5)

    def resolve(self, name: str) -> Any:
        return self._handle

    def _handle(self, event: dict[str, Any], context: Any) -> Any:
        with self._lock:
            answer = self._answers[self._next]
            self._next += 1
        if answer.resumed_by_token:
            self._callbacks.put((str(event["task_token"]), answer))
            return {"waiting": answer.state}
        if answer.error:
            raise type(answer.error, (Exception,), {})(answer.cause)
        return answer.output

    def _resume(self) -> None:
        while (item := self._callbacks.get()) is not None:
            token, answer = item
            if answer.error:
                self._client.send_task_failure(taskToken=token, error=answer.error, cause=answer.cause)
            else:
                self._client.send_task_success(taskToken=token, output=json.dumps(answer.output))


def _record_one_return() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A real happy-path return through the local stack, and its execution's history."""
    from bench import throughput
    from bench.local_run import Run, copy_order, execution

    with Run(time_scale=throughput.TIME_SCALE) as run:
        number = f"BENCH-FLOOR-{time.monotonic_ns() % 10**6}"
        email = copy_order(run, throughput.TEMPLATE_ORDER, number)
        return_id, outcome = throughput.happy_return(run, number, email)
        if outcome != throughput.COMPLETED:
            raise RuntimeError(f"the recorded return did not complete: {outcome}")
        events = execution(run, return_id)["events"]
    return events, json.loads(catalogue.ASL_PATH.read_text(encoding="utf-8"))


def visited_states(sfn: Any, execution_arn: str) -> tuple[str, ...]:
    return _visited(sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"])


def replay(record: Recording, executions: int) -> dict[str, Any]:
    """Run the recording `executions` times, one after another, on the local engine with nothing else."""
    from moto.moto_api._internal.models import moto_api_backend
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    from infra.local import environment as env
    from infra.local import moto_patches
    from infra.local.engine import LocalEngine

    # No webhook reaches this engine: its secret is a throwaway.
    engine = LocalEngine(webhook_secret=secrets.token_hex(16), time_scale=Decimal(1), log_level="ERROR")
    engine.start()
    sfn = engine.client("stepfunctions")
    machines = stepfunctions_parser_backends[env.ACCOUNT][env.REGION]
    replayer = _Replay(record.answers, sfn)
    moto_patches.install_lambda_invoker(replayer.resolve)
    try:
        ended: list[str] = []

        def one(name: str) -> str:
            replayer.rewind()
            arn = sfn.start_execution(
                stateMachineArn=env.state_machine_arn(), name=name, input=json.dumps(record.input)
            )["executionArn"]
            # Read from moto's memory: polling over HTTP would add its own CPU to what is measured.
            while (status := machines.describe_execution(arn).status) == "RUNNING":
                time.sleep(0.005)
            return str(status)

        one("floor-warm-up")  # the definition's first parse is not a return's cost
        # What the warm stack takes doing nothing (its event-rule pollers long-poll their queues), for reference.
        idle_started = time.process_time()
        time.sleep(2)
        idle = (time.process_time() - idle_started) / 2
        cpu_started, started = time.process_time(), time.perf_counter()
        for i in range(executions):
            ended.append(one(f"floor-{i}"))
        cpu, elapsed = time.process_time() - cpu_started, time.perf_counter() - started
        replayed = visited_states(sfn, env.execution_arn("floor-0"))
    finally:
        replayer.close()
        engine.stop()
        moto_api_backend.reset()
    succeeded = ended.count("SUCCEEDED")
    cpu_per_execution = cpu / executions
    return {
        "executions": executions,
        "succeeded": succeeded,
        # The replay took the recorded path: the figure is the happy path's, not a shortcut's.
        "took_the_recorded_path": replayed == record.visited,
        "idle_cpu_s_per_s": round(idle, 4),
        "states_per_execution": len(record.visited),
        "tasks_per_execution": len(record.answers),
        "cpu_s_per_execution": round(cpu_per_execution, 4),
        "seconds_per_execution": round(elapsed / executions, 4),
        # One interpreter, one lock: at most one core's worth, whatever the concurrency.
        "ceiling_returns_per_s": round(1 / cpu_per_execution, 1) if cpu_per_execution else None,
    }


def run(executions: int = 20) -> dict[str, Any]:
    events, definition = _record_one_return()
    return replay(recording(events, definition), executions)


if __name__ == "__main__":
    import sys

    print(json.dumps(run(executions=int(sys.argv[1]) if len(sys.argv) > 1 else 20)))
