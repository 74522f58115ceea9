"""Alarms to one SNS topic, and a dashboard of the workflow, the API, the functions and the queues.

An alarm is raised for what a person has to act on: executions that failed, timed out or were
aborted, events parked in a dead-letter or failure queue, server errors and slow answers from the
API, throttled functions, and refunds a provider refused. Each says what to look at.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.constructs.nag import accept
from infra.constructs.naming import pascal_id

# Where the functions' own metrics go (returns_core.observability: Powertools, namespace and service).
METRICS_NAMESPACE = "Returns"
METRICS_SERVICE = "returns"
PERIOD = Duration.minutes(5)


@dataclass(frozen=True)
class AlarmLimits:
    """Thresholds a seller may tune by context; the defaults suit a small shop."""

    api_5xx_per_5_minutes: int = 5
    api_p99_latency_ms: int = 3000


def business_metric(name: str, label: str | None = None) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={"service": METRICS_SERVICE},
        statistic="Sum",
        period=PERIOD,
        label=label,
    )


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        state_machine: sfn.IStateMachine,
        http_api: apigwv2.IHttpApi,
        functions: Mapping[str, lambda_.IFunction],
        queues: Mapping[str, sqs.IQueue],
        alarm_email: str | None = None,
        limits: AlarmLimits | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        limits = limits or AlarmLimits()
        stack = Stack.of(self)
        # CloudWatch publishes to an encrypted topic only with a key whose policy lets it: a key of our own.
        self.key = kms.Key(
            self,
            "AlarmTopicKey",
            description="Encrypts the returns alarm topic",
            enable_key_rotation=True,
            # It only encrypts alarm notifications in flight: nothing stored depends on it.
            removal_policy=RemovalPolicy.DESTROY,
            pending_window=Duration.days(7),
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            )
        )
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            display_name=f"Returns alarms ({stack.stack_name})",
            master_key=self.key,
            enforce_ssl=True,
        )
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
            accept(
                self.topic,
                "Serverless-SNSRedrivePolicy",
                "An alarm email that cannot be delivered would only be parked in a queue nobody reads; the alarm's "
                "state stays on the dashboard and in CloudWatch, and its OK notification follows.",
                children=True,
            )
        self.alarms: dict[str, cloudwatch.Alarm] = {}

        for what, metric in (
            ("failed", state_machine.metric_failed(period=PERIOD, statistic="Sum")),
            ("timed out", state_machine.metric_timed_out(period=PERIOD, statistic="Sum")),
            ("aborted", state_machine.metric_aborted(period=PERIOD, statistic="Sum")),
        ):
            self._alarm(
                f"executions {what}",
                metric,
                threshold=1,
                description=f"A return's execution {what}: the ops dashboard lists the return under its alert; "
                "the execution's history in Step Functions shows the state and error.",
            )
        for name, queue in queues.items():
            self._alarm(
                f"{name} queue not empty",
                queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
                threshold=1,
                description=f"Events are parked in {name} after their retries ran out. Read them in SQS, fix the "
                "cause, and send them back (the functions apply each event once).",
            )
        self._alarm(
            "api server errors",
            http_api.metric_server_error(period=PERIOD, statistic="Sum"),
            threshold=limits.api_5xx_per_5_minutes,
            description="The HTTP API answered 5xx: see the access log's integrationError and the function's logs.",
        )
        self._alarm(
            "api slow",
            http_api.metric_latency(period=PERIOD, statistic="p99"),
            threshold=limits.api_p99_latency_ms,
            evaluation_periods=3,
            description=f"The API's p99 latency stayed above {limits.api_p99_latency_ms} ms for 15 minutes.",
        )
        for name, function in functions.items():
            self._alarm(
                f"{name} throttled",
                function.metric_throttles(period=PERIOD, statistic="Sum"),
                threshold=1,
                description=f"Invocations of {name} were throttled (its reserved concurrency, or the account's "
                "limit); the workflow and the bus retry, callers of the API saw 429 or 5xx.",
            )
        self._alarm(
            "refunds failed",
            business_metric("RefundsFailed"),
            threshold=1,
            description="A payment provider refused a refund, or failed one it had accepted: the return is on the "
            "ops alert list (REFUND_FAILED) for a retry.",
        )
        self.dashboard = self._dashboard(state_machine, http_api, functions, queues)

    def _alarm(
        self,
        name: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        description: str,
        evaluation_periods: int = 1,
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            pascal_id(name.replace(" ", "-"), "Alarm"),
            metric=metric,
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            # No data is no failure: a quiet shop has no executions, no requests, no refunds.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        alarm.add_ok_action(actions.SnsAction(self.topic))
        self.alarms[name] = alarm

    def _dashboard(
        self,
        state_machine: sfn.IStateMachine,
        http_api: apigwv2.IHttpApi,
        functions: Mapping[str, lambda_.IFunction],
        queues: Mapping[str, sqs.IQueue],
    ) -> cloudwatch.Dashboard:
        stack = Stack.of(self)

        def per_function(metric: str, statistic: str) -> list[cloudwatch.IMetric]:
            return [
                function.metric(metric, period=PERIOD, statistic=statistic, label=name)
                for name, function in functions.items()
            ]

        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=f"{stack.stack_name}-returns")
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms.values()), width=24, height=4)
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Returns workflow executions",
                left=[
                    state_machine.metric_started(period=PERIOD, statistic="Sum", label="started"),
                    state_machine.metric_succeeded(period=PERIOD, statistic="Sum", label="succeeded"),
                    state_machine.metric_failed(period=PERIOD, statistic="Sum", label="failed"),
                    state_machine.metric_timed_out(period=PERIOD, statistic="Sum", label="timed out"),
                    state_machine.metric_aborted(period=PERIOD, statistic="Sum", label="aborted"),
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Refunds and scans",
                left=[
                    business_metric("RefundsFailed", "refunds failed"),
                    business_metric("RefundsReversed", "refunds reversed"),
                    business_metric("WebhookScansPublished", "scans received"),
                    business_metric("ScanUnmatched", "scans matching no return"),
                    business_metric("WebhookSignatureRejected", "webhooks with a bad signature"),
                    business_metric("WebhookScansNotQueued", "scans the bus refused (carrier retries)"),
                ],
                width=12,
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="API requests and errors",
                left=[
                    http_api.metric_count(period=PERIOD, statistic="Sum", label="requests"),
                    http_api.metric_client_error(period=PERIOD, statistic="Sum", label="4xx"),
                    http_api.metric_server_error(period=PERIOD, statistic="Sum", label="5xx"),
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="API latency (ms)",
                left=[
                    http_api.metric_latency(period=PERIOD, statistic="p50", label="p50"),
                    http_api.metric_latency(period=PERIOD, statistic="p99", label="p99"),
                ],
                width=12,
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(title="Function errors", left=per_function("Errors", "Sum"), width=8),
            cloudwatch.GraphWidget(title="Function throttles", left=per_function("Throttles", "Sum"), width=8),
            cloudwatch.GraphWidget(title="Function duration p99 (ms)", left=per_function("Duration", "p99"), width=8),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Parked events (dead-letter and failure queues)",
                left=[
                    queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum", label=name)
                    for name, queue in queues.items()
                ],
                width=24,
            )
        )
        return dashboard
