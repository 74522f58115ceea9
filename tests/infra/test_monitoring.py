"""Alarms and the dashboard: what goes wrong in production reaches a person, with what to look at."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra import catalogue

from .test_stack import Resources, function_ids, of_type, only, render


def _alarms(resources: Resources) -> dict[str, dict[str, Any]]:
    return {key: value["Properties"] for key, value in of_type(resources, "AWS::CloudWatch::Alarm").items()}


def _topic_id(resources: Resources) -> str:
    topic_id, _ = only(resources, "AWS::SNS::Topic")
    return topic_id


def _alarms_on(resources: Resources, metric: str, dimension: str) -> list[dict[str, Any]]:
    return [
        alarm
        for alarm in _alarms(resources).values()
        if alarm.get("MetricName") == metric
        and any(render(d["Value"]) == dimension or d["Value"] == dimension for d in alarm.get("Dimensions", []))
    ]


def test_every_alarm_notifies_the_alarm_topic_when_raised_and_when_cleared(resources: Resources) -> None:
    # Given every alarm in the stack
    topic = {"Ref": _topic_id(resources)}
    alarms = _alarms(resources)
    assert alarms
    for key, alarm in alarms.items():
        # Then it tells the topic both ways, says what to look at, and a quiet shop raises nothing
        assert alarm["AlarmActions"] == [topic], key
        assert alarm["OKActions"] == [topic], key
        assert len(alarm["AlarmDescription"]) > 40, key
        assert alarm["TreatMissingData"] == "notBreaching", key


def test_the_alarm_topic_is_encrypted_with_a_rotating_key_cloudwatch_may_use(resources: Resources) -> None:
    # Given the alarm topic and its key
    _, topic = only(resources, "AWS::SNS::Topic")
    key_id, key = only(resources, "AWS::KMS::Key")
    # Then the topic is encrypted with that key, which rotates
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["Properties"]["EnableKeyRotation"] is True
    # And CloudWatch (of this account only) may use it to publish, or alarms would never arrive
    cloudwatch = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert len(cloudwatch) == 1
    assert set(cloudwatch[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert cloudwatch[0]["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    # And the topic refuses publishing without TLS
    _, policy = only(resources, "AWS::SNS::TopicPolicy")
    (deny,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_alarm_email_from_context_is_subscribed(resources: Resources) -> None:
    # Given alarm_email in context (conftest)
    _, subscription = only(resources, "AWS::SNS::Subscription")
    # Then that address is subscribed to the alarm topic
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "ops@shop.example.com"
    assert subscription["Properties"]["TopicArn"] == {"Ref": _topic_id(resources)}


@pytest.mark.parametrize("metric", ["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"])
def test_an_execution_that_failed_timed_out_or_was_aborted_raises_an_alarm(resources: Resources, metric: str) -> None:
    # Given the state machine
    state_machine_id, _ = only(resources, "AWS::StepFunctions::StateMachine")
    # Then one such execution in five minutes raises an alarm on this state machine
    (alarm,) = _alarms_on(resources, metric, "${" + state_machine_id + "}")
    assert alarm["Namespace"] == "AWS/States"
    assert (alarm["Threshold"], alarm["Period"], alarm["Statistic"]) == (1, 300, "Sum")


def test_every_dead_letter_and_failure_queue_raises_an_alarm_when_it_holds_a_message(resources: Resources) -> None:
    # Given every queue (the rules' DLQs and the functions' on-failure destinations)
    queues = of_type(resources, "AWS::SQS::Queue")
    assert len(queues) == len({rule.name for spec in catalogue.FUNCTIONS for rule in spec.rules}) + sum(
        1 for spec in catalogue.FUNCTIONS if spec.rules
    )
    for queue_id in queues:
        # Then one visible message raises an alarm on that queue
        (alarm,) = _alarms_on(resources, "ApproximateNumberOfMessagesVisible", "${" + queue_id + ".QueueName}")
        assert (alarm["Threshold"], alarm["Statistic"]) == (1, "Maximum"), queue_id


def test_api_server_errors_and_slow_answers_raise_alarms(resources: Resources) -> None:
    # Given the HTTP API
    api_id, _ = only(resources, "AWS::ApiGatewayV2::Api")
    # Then 5xx answers over the threshold raise one alarm
    (errors,) = _alarms_on(resources, "5xx", "${" + api_id + "}")
    assert (errors["Namespace"], errors["Threshold"], errors["Statistic"]) == ("AWS/ApiGateway", 5, "Sum")
    # And a p99 latency above 3 s for three periods another
    (slow,) = _alarms_on(resources, "Latency", "${" + api_id + "}")
    assert (slow["Threshold"], slow["ExtendedStatistic"], slow["EvaluationPeriods"]) == (3000, "p99", 3)


@pytest.mark.parametrize("name", [spec.name for spec in catalogue.FUNCTIONS])
def test_a_throttled_function_raises_an_alarm(resources: Resources, name: str) -> None:
    # Given a catalogue function
    function_id = function_ids(resources)[name]
    # Then one throttled invocation raises an alarm on it
    (alarm,) = _alarms_on(resources, "Throttles", "${" + function_id + "}")
    assert (alarm["Namespace"], alarm["Threshold"]) == ("AWS/Lambda", 1)


def test_a_refused_refund_raises_an_alarm_on_the_metric_the_functions_publish(resources: Resources) -> None:
    # Given the metric the refund function and the payment webhook publish for a refused refund
    from functions.refund import REFUNDS_FAILED_METRIC
    from returns_core.observability import SERVICE, metrics

    # Then the alarm watches that very metric, namespace and service dimension
    (alarm,) = _alarms_on(resources, REFUNDS_FAILED_METRIC, SERVICE)
    assert alarm["Namespace"] == metrics.namespace
    assert alarm["Dimensions"] == [{"Name": "service", "Value": SERVICE}]
    assert alarm["Threshold"] == 1


def test_the_dashboard_shows_the_workflow_api_functions_queues_and_alarms(resources: Resources) -> None:
    # Given the dashboard
    _, dashboard = only(resources, "AWS::CloudWatch::Dashboard")
    assert dashboard["Properties"]["DashboardName"] == "returns-test-returns"
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    # Then it graphs executions, API errors and latency, every function, every queue, the refunds, and the alarms
    for shown in ("ExecutionsFailed", "5xx", "Latency", "Throttles", "Errors", "Duration", "RefundsFailed"):
        assert shown in body, shown
    for key in [*function_ids(resources).values(), *of_type(resources, "AWS::SQS::Queue")]:
        assert key in body, key
    assert "alarm" in body and all(key in body for key in _alarms(resources))


def test_outputs_point_at_the_alarm_topic_and_the_dashboard(template: Any) -> None:
    outputs = template.to_json()["Outputs"]
    assert "AlarmTopicArn" in outputs
    dashboard_id, _ = only(template.to_json()["Resources"], "AWS::CloudWatch::Dashboard")
    assert render(outputs["DashboardUrl"]["Value"]).endswith("#dashboards:name=${" + dashboard_id + "}")
