"""One test per moto patch in infra/local/moto_patches.py, plus one per defect on unpatched moto.

The "unpatched" tests pin moto's current (wrong) behaviour: when a moto upgrade fixes a defect, its test
fails, which is the signal to delete the matching patch rather than keep patching a fixed bug.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from infra.local import moto_patches

REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/local-sfn"
FUNCTION = "quote-label"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}"
MOTO_CONFIG: Any = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
EXECUTION_DEADLINE_SECONDS = 20.0


class CarrierUnavailable(Exception):
    """Raised by a fake carrier handler; its class name is what ASL Retry/Catch match on."""


# ---------------------------------------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for var, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(var, value)
    # A real endpoint or profile from the developer's shell would route calls around the mock.
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    try:
        with mock_aws(config=MOTO_CONFIG):
            yield
            # Executions run on daemon threads: a test that failed half-way must not leak one into the next.
            _drain_running_executions(boto3.client("stepfunctions", region_name=REGION))
    finally:
        moto_patches.restore_all()


@pytest.fixture
def sfn() -> Any:
    return boto3.client("stepfunctions", region_name=REGION)


def _drain_running_executions(sfn: Any) -> None:
    deadline = time.monotonic() + EXECUTION_DEADLINE_SECONDS
    for machine in sfn.list_state_machines()["stateMachines"]:
        running = sfn.list_executions(stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING")
        for execution in running["executions"]:
            _wait_until_done(sfn, execution["executionArn"], deadline)


def _wait_until_done(sfn: Any, execution_arn: str, deadline: float) -> dict[str, Any]:
    while True:
        described: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return described
        time.sleep(0.05)


def _run(sfn: Any, name: str, definition: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """Create a state machine, start one named execution and poll it to completion."""
    machine = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE_ARN)
    execution = sfn.start_execution(
        stateMachineArn=machine["stateMachineArn"], name=f"{name}-run", input=json.dumps(payload)
    )
    described = _wait_until_done(sfn, execution["executionArn"], time.monotonic() + EXECUTION_DEADLINE_SECONDS)
    assert described["status"] != "RUNNING", f"{name} still running after {EXECUTION_DEADLINE_SECONDS}s"
    return described


def _output(described: dict[str, Any]) -> Any:
    assert described["status"] == "SUCCEEDED", described
    return json.loads(described["output"])


def _only(handlers: dict[str, moto_patches.LambdaHandler]) -> Any:
    return handlers.get


def _quote_label(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"label": f"LBL-{event['returnId']}", "function": context.function_name}


WAIT_FOR_CALLBACK = {
    "StartAt": "AwaitCarrier",
    "States": {
        "AwaitCarrier": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {
                "FunctionName": FUNCTION,
                "Payload": {"token.$": "$$.Task.Token", "returnId.$": "$.returnId"},
            },
            "HeartbeatSeconds": 1,
            "TimeoutSeconds": 10,
            "End": True,
        }
    },
}


def _calls_back_before_returning(event: dict[str, Any], context: Any) -> dict[str, bool]:
    # Our in-process Lambdas run synchronously inside the Task, so their callback lands before moto has
    # started waiting for it: exactly defect 1's race.
    boto3.client("stepfunctions", region_name=REGION).send_task_success(
        taskToken=event["token"], output=json.dumps({"labelled": event["returnId"]})
    )
    return {"accepted": True}


def _fails_task_with_cause(event: dict[str, Any], context: Any) -> None:
    boto3.client("stepfunctions", region_name=REGION).send_task_failure(
        taskToken=event["token"], error="CarrierRejected", cause="label refused: postcode unknown"
    )


SEND_TASK_FAILURE = {
    "StartAt": "AwaitCarrier",
    "States": {
        "AwaitCarrier": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": FUNCTION, "Payload": {"token.$": "$$.Task.Token"}},
            "TimeoutSeconds": 10,
            "Catch": [{"ErrorEquals": ["CarrierRejected"], "ResultPath": "$.error", "Next": "Rejected"}],
            "End": True,
        },
        "Rejected": {"Type": "Pass", "End": True},
    },
}


def _retry_then_wait(interval_seconds: int, wait_seconds: int) -> dict[str, Any]:
    return {
        "StartAt": "Book",
        "States": {
            "Book": {
                "Type": "Task",
                "Resource": FUNCTION_ARN,
                "Retry": [
                    {
                        "ErrorEquals": ["CarrierUnavailable"],
                        "IntervalSeconds": interval_seconds,
                        "MaxAttempts": 2,
                        "BackoffRate": 1,
                    }
                ],
                "Next": "Cooldown",
            },
            "Cooldown": {"Type": "Wait", "Seconds": wait_seconds, "End": True},
        },
    }


def _flaky_carrier(failures: int, calls: list[dict[str, Any]]) -> moto_patches.LambdaHandler:
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.append(event)
        if len(calls) <= failures:
            raise CarrierUnavailable(f"attempt {len(calls)}: carrier API down")
        return {"booked": True, "attempts": len(calls)}

    return handler


# ---------------------------------------------------------------------------------------------------------
# Lambda invoker
# ---------------------------------------------------------------------------------------------------------


def test_unpatched_lambda_task_only_echoes_its_payload(sfn: Any) -> None:
    # Given moto's Docker-free Lambda without our invoker
    definition = {
        "StartAt": "Quote",
        "States": {
            "Quote": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": FUNCTION, "Payload.$": "$"},
                "OutputPath": "$.Payload",
                "End": True,
            }
        },
    }

    # When a Task invokes a function
    described = _run(sfn, "echo", definition, {"returnId": "R-1"})

    # Then moto answers with the request payload instead of running any handler
    assert _output(described) == {"returnId": "R-1"}


def test_lambda_invoke_payload_form_reaches_the_python_handler(sfn: Any) -> None:
    # Given the invoker resolving our function to a Python handler
    moto_patches.install_lambda_invoker(_only({FUNCTION: _quote_label}))
    definition = {
        "StartAt": "Quote",
        "States": {
            "Quote": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": f"{FUNCTION_ARN}:$LATEST", "Payload.$": "$"},
                "ResultSelector": {"label.$": "$.Payload.label", "function.$": "$.Payload.function"},
                "ResultPath": "$.quote",
                "End": True,
            }
        },
    }

    # When the optimised lambda:invoke integration runs with a qualified ARN
    described = _run(sfn, "payload-form", definition, {"returnId": "R-2"})

    # Then the handler's result flows into the state output
    assert _output(described) == {"returnId": "R-2", "quote": {"label": "LBL-R-2", "function": FUNCTION}}


def test_bare_function_arn_resource_reaches_the_python_handler(sfn: Any) -> None:
    # Given the invoker and a Task whose Resource is the function ARN itself
    moto_patches.install_lambda_invoker(_only({FUNCTION: _quote_label}))
    definition = {
        "StartAt": "Quote",
        "States": {"Quote": {"Type": "Task", "Resource": FUNCTION_ARN, "End": True}},
    }

    # When it runs
    described = _run(sfn, "bare-arn", definition, {"returnId": "R-3"})

    # Then the output is the handler's return value, unwrapped
    assert _output(described) == {"label": "LBL-R-3", "function": FUNCTION}


def test_handler_exception_is_retried_then_caught_by_its_class_name(sfn: Any) -> None:
    # Given a carrier handler that always raises CarrierUnavailable
    calls: list[dict[str, Any]] = []
    moto_patches.install_lambda_invoker(_only({FUNCTION: _flaky_carrier(failures=99, calls=calls)}))
    definition = {
        "StartAt": "Book",
        "States": {
            "Book": {
                "Type": "Task",
                "Resource": FUNCTION_ARN,
                "Retry": [{"ErrorEquals": ["CarrierUnavailable"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                "Catch": [{"ErrorEquals": ["CarrierUnavailable"], "ResultPath": "$.error", "Next": "Manual"}],
                "End": True,
            },
            "Manual": {"Type": "Pass", "End": True},
        },
    }

    # When the Task runs
    described = _run(sfn, "retry-catch", definition, {"returnId": "R-4"})

    # Then Retry matched the class name (one retry) and Catch routed the error with Lambda's error shape
    output = _output(described)
    assert len(calls) == 2
    assert output["error"]["Error"] == "CarrierUnavailable"
    cause = json.loads(output["error"]["Cause"])
    assert cause["errorType"] == "CarrierUnavailable"
    assert cause["errorMessage"] == "attempt 2: carrier API down"
    assert cause["stackTrace"]


@pytest.mark.parametrize(
    ("function_name", "invoked_arn"),
    [
        (FUNCTION, FUNCTION_ARN),
        (f"{FUNCTION}:live", f"{FUNCTION_ARN}:live"),
        (f"{ACCOUNT}:function:{FUNCTION}", FUNCTION_ARN),
        (FUNCTION_ARN, FUNCTION_ARN),
        (f"{FUNCTION_ARN}:7", f"{FUNCTION_ARN}:7"),
    ],
)
def test_every_function_name_form_resolves_to_the_bare_name(function_name: str, invoked_arn: str) -> None:
    # Given the invoker recording what it was asked for and the context it passed
    asked: list[str] = []
    contexts: list[Any] = []

    def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
        contexts.append(context)
        return {"echo": event}

    def resolve(name: str) -> moto_patches.LambdaHandler:
        asked.append(name)
        return echo

    moto_patches.install_lambda_invoker(resolve)

    # When Lambda is invoked directly with that FunctionName form
    response = boto3.client("lambda", region_name=REGION).invoke(
        FunctionName=function_name, Payload=json.dumps({"returnId": "R-5"})
    )

    # Then the resolver saw the bare name and the handler got a Lambda-like context
    assert asked == [FUNCTION]
    assert json.loads(response["Payload"].read()) == {"echo": {"returnId": "R-5"}}
    assert "FunctionError" not in response
    context = contexts[0]
    assert context.function_name == FUNCTION
    assert context.invoked_function_arn == invoked_arn
    assert context.memory_limit_in_mb == 512
    assert len(context.aws_request_id) == 36
    assert 0 < context.get_remaining_time_in_millis() <= 900_000


def test_unknown_function_is_resource_not_found() -> None:
    # Given a resolver that knows no function
    moto_patches.install_lambda_invoker(lambda name: None)

    # When it is invoked
    with pytest.raises(ClientError) as raised:
        boto3.client("lambda", region_name=REGION).invoke(FunctionName="no-such-fn", Payload=b"")

    # Then Lambda's not-found error comes back
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert "no-such-fn" in raised.value.response["Error"]["Message"]


# ---------------------------------------------------------------------------------------------------------
# Defect 1: early callback with HeartbeatSeconds
# ---------------------------------------------------------------------------------------------------------


def test_unpatched_early_callback_is_lost_and_the_task_times_out(sfn: Any) -> None:
    # Given a waitForTaskToken task with HeartbeatSeconds whose Lambda calls back before returning
    moto_patches.install_lambda_invoker(_only({FUNCTION: _calls_back_before_returning}))

    # When it runs without the early-callback fix
    described = _run(sfn, "early-unpatched", WAIT_FOR_CALLBACK, {"returnId": "R-6"})

    # Then moto ignores the callback and fails the task after the heartbeat
    assert described["status"] == "FAILED"
    assert described["error"] == "States.Timeout"


def test_early_callback_completes_the_task(sfn: Any) -> None:
    # Given the same task and the early-callback fix
    moto_patches.install_lambda_invoker(_only({FUNCTION: _calls_back_before_returning}))
    moto_patches.fix_early_callback()

    # When it runs
    described = _run(sfn, "early-patched", WAIT_FOR_CALLBACK, {"returnId": "R-7"})

    # Then the callback's output is the task's result
    assert _output(described) == {"labelled": "R-7"}


# ---------------------------------------------------------------------------------------------------------
# Defect 3 (documented, not patched): heartbeat timeouts are reported as States.Timeout
# ---------------------------------------------------------------------------------------------------------


def test_heartbeat_timeout_surfaces_as_states_timeout(sfn: Any) -> None:
    # Given a waitForTaskToken task whose worker never calls back, catching both error names separately
    moto_patches.install_lambda_invoker(_only({FUNCTION: lambda event, context: None}))
    definition: dict[str, Any] = json.loads(json.dumps(WAIT_FOR_CALLBACK))
    task = definition["States"]["AwaitCarrier"]
    task["End"] = True
    task["Catch"] = [
        {"ErrorEquals": ["States.HeartbeatTimeout"], "ResultPath": "$.error", "Next": "Caught"},
        {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "Caught"},
    ]
    definition["States"]["Caught"] = {"Type": "Pass", "End": True}

    # When the heartbeat lapses
    described = _run(sfn, "heartbeat", definition, {"returnId": "R-8"})

    # Then moto reports States.Timeout where AWS reports States.HeartbeatTimeout (Catch must list both)
    assert _output(described)["error"]["Error"] == "States.Timeout"


# ---------------------------------------------------------------------------------------------------------
# Defect 2: SendTaskFailure drops cause
# ---------------------------------------------------------------------------------------------------------


def test_unpatched_send_task_failure_drops_the_cause(sfn: Any) -> None:
    # Given a worker that fails its task token with an error and a cause
    moto_patches.install_lambda_invoker(_only({FUNCTION: _fails_task_with_cause}))

    # When the execution catches the failure without the fix
    described = _run(sfn, "cause-unpatched", SEND_TASK_FAILURE, {"returnId": "R-9"})

    # Then the error arrives but the cause is lost
    error = _output(described)["error"]
    assert error["Error"] == "CarrierRejected"
    assert not error.get("Cause")


def test_send_task_failure_cause_reaches_the_catch(sfn: Any) -> None:
    # Given the same worker and the cause fix
    moto_patches.install_lambda_invoker(_only({FUNCTION: _fails_task_with_cause}))
    moto_patches.fix_send_task_failure_cause()

    # When the execution catches the failure
    described = _run(sfn, "cause-patched", SEND_TASK_FAILURE, {"returnId": "R-10"})

    # Then both error and cause are in the Catch output
    assert _output(described)["error"] == {
        "Error": "CarrierRejected",
        "Cause": "label refused: postcode unknown",
    }


# ---------------------------------------------------------------------------------------------------------
# Defect 7: Wait and Retry intervals really sleep
# ---------------------------------------------------------------------------------------------------------


def test_unpatched_wait_and_retry_interval_really_sleep(sfn: Any) -> None:
    # Given a task that fails once (Retry after 1 s) followed by a 1 s Wait
    calls: list[dict[str, Any]] = []
    moto_patches.install_lambda_invoker(_only({FUNCTION: _flaky_carrier(failures=1, calls=calls)}))

    # When it runs at moto's real time
    started = time.monotonic()
    described = _run(sfn, "real-time", _retry_then_wait(interval_seconds=1, wait_seconds=1), {})
    elapsed = time.monotonic() - started

    # Then both pauses were slept in full
    assert _output(described) == {"booked": True, "attempts": 2}
    assert elapsed >= 2.0


def test_time_scale_shortens_wait_and_retry_intervals(sfn: Any) -> None:
    # Given 30 s Retry intervals and a 30 s Wait, scaled by 0.01
    calls: list[dict[str, Any]] = []
    moto_patches.install_lambda_invoker(_only({FUNCTION: _flaky_carrier(failures=2, calls=calls)}))
    moto_patches.set_time_scale(0.01)

    # When it runs (90 s of pauses at real time)
    described = _run(sfn, "scaled", _retry_then_wait(interval_seconds=30, wait_seconds=30), {})

    # Then it completes well within the polling deadline, after both retries
    assert _output(described) == {"booked": True, "attempts": 3}


# ---------------------------------------------------------------------------------------------------------
# DynamoDB queries bounded to what they read (benchmarks only)
# ---------------------------------------------------------------------------------------------------------


def _counters_table() -> Any:
    """A table keyed like the aggregates table, with a sparse index sorted by a number, in three partitions."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName="counters",
        KeySchema=[{"AttributeName": "period", "KeyType": "HASH"}, {"AttributeName": "key", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "period", "AttributeType": "S"},
            {"AttributeName": "key", "AttributeType": "S"},
            {"AttributeName": "month", "AttributeType": "S"},
            {"AttributeName": "units", "AttributeType": "N"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_units",
                "KeySchema": [
                    {"AttributeName": "month", "KeyType": "HASH"},
                    {"AttributeName": "units", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for period in ("2026-01", "2026-02", "2026-03"):
        for n in range(40):
            item = {"period": {"S": period}, "key": {"S": f"{'ABSZ'[n % 4]}#{n:03d}"}, "sold": {"N": str(n)}}
            if n % 4 == 2:  # sparse: only "S#" rows, and only those with units, are in the index
                item["month"] = {"S": period}
                if n % 8:
                    item["units"] = {"N": str(n % 5)}  # ties
            dynamodb.put_item(TableName="counters", Item=item)
    return dynamodb


QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "period = :p", "ExpressionAttributeValues": {":p": {"S": "2026-02"}}},
    {
        "KeyConditionExpression": "period = :p AND #k < :s",
        "ExpressionAttributeNames": {"#k": "key"},
        "ExpressionAttributeValues": {":p": {"S": "2026-02"}, ":s": {"S": "S#"}},
    },
    {
        "KeyConditionExpression": "period = :p AND #k >= :s",
        "ExpressionAttributeNames": {"#k": "key"},
        "ExpressionAttributeValues": {":p": {"S": "2026-02"}, ":s": {"S": "S$"}},
        "ScanIndexForward": False,
    },
    {
        "KeyConditionExpression": "period = :p AND begins_with(#k, :s)",
        "ExpressionAttributeNames": {"#k": "key"},
        "ExpressionAttributeValues": {":p": {"S": "2026-03"}, ":s": {"S": "S#"}},
        "Limit": 3,
        "ExclusiveStartKey": {"period": {"S": "2026-03"}, "key": {"S": "S#010"}},
    },
    {
        "IndexName": "by_units",
        "KeyConditionExpression": "#m = :m",
        "ExpressionAttributeNames": {"#m": "month"},
        "ExpressionAttributeValues": {":m": {"S": "2026-01"}},
        "ScanIndexForward": False,
        "Limit": 4,
    },
    {
        "KeyConditionExpression": "period = :p AND #k BETWEEN :a AND :b",
        "FilterExpression": "sold > :n",
        "ExpressionAttributeNames": {"#k": "key"},
        "ExpressionAttributeValues": {
            ":p": {"S": "2026-01"},
            ":a": {"S": "A#"},
            ":b": {"S": "B#999"},
            ":n": {"N": "10"},
        },
    },
    {"KeyConditionExpression": "period = :p", "ExpressionAttributeValues": {":p": {"S": "1999-01"}}},
    {
        "IndexName": "by_units",
        "KeyConditionExpression": "#m = :m AND units >= :u",
        "ExpressionAttributeNames": {"#m": "month"},
        "ExpressionAttributeValues": {":m": {"S": "2026-02"}, ":u": {"N": "2"}},
        "Limit": 3,
    },
    {
        "KeyConditionExpression": "period = :p",
        "ExpressionAttributeValues": {":p": {"S": "2026-01"}},
        "ScanIndexForward": False,
        "Limit": 15,
    },
]


def _every_page(dynamodb: Any, query: dict[str, Any]) -> list[list[dict[str, Any]]]:
    pages, start = [], query.get("ExclusiveStartKey")
    while True:
        page = dynamodb.query(TableName="counters", **{**query, **({"ExclusiveStartKey": start} if start else {})})
        pages.append(page["Items"])
        start = page.get("LastEvaluatedKey")
        if start is None:
            return [items for items in pages if items]


def test_unpatched_query_sorts_every_item_of_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models.table import Table

    dynamodb = _counters_table()
    sorted_items: list[int] = []
    all_items = Table.all_items

    def spy(self: Table) -> list[Any]:
        found = all_items(self)
        sorted_items.append(len(found))
        return found

    monkeypatch.setattr(Table, "all_items", spy)
    # When one partition's few rows before "B#" are queried
    dynamodb.query(TableName="counters", **QUERIES[1])
    # Then moto started from all 120 items of the table, sorted
    assert sorted_items == [120]


def test_bounded_queries_answer_as_moto_does_from_the_items_they_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models.table import Table

    dynamodb = _counters_table()
    expected = [_every_page(dynamodb, query) for query in QUERIES]
    whole_table: list[int] = []
    all_items = Table.all_items

    def spy_table(self: Table) -> list[Any]:
        whole_table.append(1)
        return all_items(self)

    monkeypatch.setattr(Table, "all_items", spy_table)
    read: list[int] = []
    candidates = moto_patches._query_candidates

    def spy_candidates(*args: Any) -> list[Any] | None:
        found = candidates(*args)
        read.append(-1 if found is None else len(found))
        return found

    monkeypatch.setattr(moto_patches, "_query_candidates", spy_candidates)

    # When the same queries run bounded, paged to their end
    with moto_patches.queries_bounded_to_their_partition():
        bounded = [_every_page(dynamodb, query) for query in QUERIES]
        patched = Table.query

    # Then every query gives the same items in the same pages, read from its key range (or its index
    # partition) alone, up to one past its limit, never from the whole table
    assert bounded == expected
    assert expected[1] and expected[2] and expected[4] and not expected[6] and expected[7]
    # (a whole partition, key ranges either way; pages of 3, 4 and 15 read one past their limit)
    assert read == [40, 20, 10, 4, 4, 1, 5, 5, 2, 20, 0, 4, 3, 16, 16, 10] and not whole_table
    # And moto is itself again afterwards
    assert Table.query is not patched and "query" in vars(Table)
    assert dynamodb.query(TableName="counters", **QUERIES[0])["Count"] == 40
    assert whole_table


# ---------------------------------------------------------------------------------------------------------
# The patch registry itself
# ---------------------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------------------
# Reused clients and parsed definitions (speed)
# ---------------------------------------------------------------------------------------------------------


def _start(sfn: Any, machine_arn: str, name: str, payload: dict[str, Any]) -> str:
    return str(sfn.start_execution(stateMachineArn=machine_arn, name=name, input=json.dumps(payload))["executionArn"])


def _retried_per_return(failures_each: int, calls: dict[str, int]) -> moto_patches.LambdaHandler:
    lock = threading.Lock()

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        with lock:
            calls[event["returnId"]] = calls.get(event["returnId"], 0) + 1
            attempt = calls[event["returnId"]]
        if attempt <= failures_each:
            raise CarrierUnavailable(f"attempt {attempt}: carrier API down")
        return {"booked": event["returnId"], "attempts": attempt}

    return handler


def test_unpatched_every_execution_parses_the_definition_and_every_task_builds_a_client(
    sfn: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    # Given moto's interpreter counted: parses of a definition, Lambda clients built for tasks
    parses, clients = _count_parses_and_lambda_clients(monkeypatch, AmazonStateLanguageParser)
    moto_patches.install_lambda_invoker(_only({FUNCTION: _quote_label}))
    definition = {"StartAt": "Quote", "States": {"Quote": {"Type": "Task", "Resource": FUNCTION_ARN, "End": True}}}
    machine = sfn.create_state_machine(name="reparsed", definition=json.dumps(definition), roleArn=ROLE_ARN)
    parses.clear()  # creating the machine validates (parses) the definition once

    # When three executions run
    for n in range(3):
        arn = _start(sfn, machine["stateMachineArn"], f"reparsed-{n}", {"returnId": f"R-{n}"})
        _output(_wait_until_done(sfn, arn, time.monotonic() + EXECUTION_DEADLINE_SECONDS))

    # Then each parsed the definition again and built its own Lambda client
    assert len(parses) == 3
    assert len(clients) == 3


def _count_parses_and_lambda_clients(monkeypatch: pytest.MonkeyPatch, parser: Any) -> tuple[list[str], list[str]]:
    parses: list[str] = []
    clients: list[str] = []
    original_parse = parser.parse

    def counted_parse(definition: str) -> Any:
        parses.append(definition)
        return original_parse(definition)

    monkeypatch.setattr(parser, "parse", staticmethod(counted_parse))
    original_client = boto3.client

    def counted_client(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("service_name", args[0] if args else None) == "lambda":
            clients.append("lambda")
        return original_client(*args, **kwargs)

    monkeypatch.setattr(boto3, "client", counted_client)
    return parses, clients


def test_executions_share_one_parse_and_one_client_yet_keep_their_own_retry_counts(
    sfn: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    # Given the patch, and a carrier that fails each return's first two attempts (MaxAttempts 2 allows them)
    parses, clients = _count_parses_and_lambda_clients(monkeypatch, AmazonStateLanguageParser)
    calls: dict[str, int] = {}
    moto_patches.install_lambda_invoker(_only({FUNCTION: _retried_per_return(2, calls)}))
    moto_patches.set_time_scale(0.01)
    moto_patches.reuse_clients_and_parsed_definitions()
    machine = sfn.create_state_machine(
        name="shared", definition=json.dumps(_retry_then_wait(interval_seconds=1, wait_seconds=1)), roleArn=ROLE_ARN
    )
    parses.clear()

    # When six executions of it run at once
    arns = [_start(sfn, machine["stateMachineArn"], f"shared-{n}", {"returnId": f"R-{n}"}) for n in range(6)]
    described = [_wait_until_done(sfn, arn, time.monotonic() + EXECUTION_DEADLINE_SECONDS) for arn in arns]

    # Then every one succeeded on its own third attempt: retry counters were not shared between executions
    assert [d["status"] for d in described] == ["SUCCEEDED"] * 6
    assert calls == {f"R-{n}": 3 for n in range(6)}
    # And the definition was parsed once, and one Lambda client served all 18 invocations
    assert len(parses) == 1
    assert len(clients) == 1


def test_apply_all_twice_then_restore_all_returns_moto_to_its_originals(sfn: Any) -> None:
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
        WaitFunction,
    )
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
    from moto.stepfunctions.responses import StepFunctionResponse

    def points() -> list[object]:
        return [
            LambdaSimpleBackend.invoke,
            CallbackEndpoint.setup_heartbeat_endpoint,
            StepFunctionResponse.send_task_failure,
            WaitFunction._wait_interval,
            retrier_decl.time,
            lambda_eval_utils.boto_client_for,
            ExecutionWorker._get_evaluation_entrypoint,
        ]

    originals = points()

    # Given every patch applied twice, the second time with another resolver
    moto_patches.apply_all(_only({}), time_scale=0.01)
    patched = points()
    moto_patches.apply_all(_only({FUNCTION: _quote_label}), time_scale=0.01)

    # Then nothing was wrapped twice and the latest resolver is the one in use
    assert points() == patched
    assert all(now is not before for now, before in zip(patched, originals, strict=True))
    definition = {
        "StartAt": "Quote",
        "States": {"Quote": {"Type": "Task", "Resource": FUNCTION_ARN, "End": True}},
    }
    assert _output(_run(sfn, "reapplied", definition, {"returnId": "R-11"}))["label"] == "LBL-R-11"

    # When the time scale goes back to 1.0, moto's own sleeps come back
    moto_patches.set_time_scale(1.0)
    assert points()[3:5] == originals[3:5]

    # When everything is restored
    moto_patches.restore_all()

    # Then every patch point holds moto's original again
    assert all(now is before for now, before in zip(points(), originals, strict=True))
