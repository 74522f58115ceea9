"""The engine's floor replays a recorded happy path: what it reads from an execution's history."""

from __future__ import annotations

import json
from typing import Any

from bench.engine_floor import TaskAnswer, recording

DEFINITION = {
    "StartAt": "Authorise",
    "States": {
        "Authorise": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Decide"},
        "Decide": {"Type": "Choice", "Choices": [], "Default": "AwaitDispatch"},
        "AwaitDispatch": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Next": "Refund",
        },
        "Refund": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True},
    },
}


def _entered(kind: str, name: str) -> dict[str, Any]:
    return {"type": f"{kind}StateEntered", "stateEnteredEventDetails": {"name": name}}


def _succeeded(output: Any) -> dict[str, Any]:
    return {"type": "TaskSucceeded", "taskSucceededEventDetails": {"output": json.dumps(output)}}


HISTORY = [
    {"type": "ExecutionStarted", "executionStartedEventDetails": {"input": '{"return_id": "R-1"}'}},
    _entered("Task", "Authorise"),
    {"type": "TaskScheduled", "taskScheduledEventDetails": {"resource": "invoke"}},
    _succeeded({"ExecutedVersion": "$LATEST", "Payload": {"decision": "APPROVE"}, "StatusCode": 200}),
    _entered("Choice", "Decide"),
    _entered("Task", "AwaitDispatch"),
    _succeeded({"status": "IN_TRANSIT"}),
    _entered("Task", "Refund"),
    {"type": "TaskFailed", "taskFailedEventDetails": {"error": "PaymentPending", "cause": "acknowledged"}},
]


def test_a_history_becomes_the_answers_each_task_gets_in_order() -> None:
    # Given a happy path's history: a plain invoke, a token task and a function that raised
    # When it is read as a recording
    record = recording(HISTORY, DEFINITION)
    # Then the replay starts from the same input and visits the same states
    assert record.input == {"return_id": "R-1"}
    assert record.visited == ("Authorise", "Decide", "AwaitDispatch", "Refund")
    # And each task is answered as it was: a plain invoke with its function's own result (not Lambda's
    # reply around it), a token task through its callback, and the raised error with its cause
    assert record.answers == (
        TaskAnswer("Authorise", resumed_by_token=False, output={"decision": "APPROVE"}),
        TaskAnswer("AwaitDispatch", resumed_by_token=True, output={"status": "IN_TRANSIT"}),
        TaskAnswer("Refund", resumed_by_token=False, error="PaymentPending", cause="acknowledged"),
    )
