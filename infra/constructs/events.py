"""The product's custom EventBridge bus and one rule per catalogue `EventRule`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import catalogue
from infra.constructs.nag import accept_dead_letter_queue
from infra.constructs.naming import pascal_id

# EventBridge pattern keys → `events.EventPattern` fields; CDK renders them back unchanged.
_PATTERN_FIELDS = {
    "account": "account",
    "detail": "detail",
    "detail-type": "detail_type",
    "id": "id",
    "region": "region",
    "resources": "resources",
    "source": "source",
    "time": "time",
    "version": "version",
}


def event_pattern(pattern: Mapping[str, Any]) -> events.EventPattern:
    unknown = sorted(set(pattern) - set(_PATTERN_FIELDS))
    if unknown:
        raise ValueError(f"event pattern keys CDK cannot express: {unknown}")
    return events.EventPattern(**{_PATTERN_FIELDS[key]: value for key, value in pattern.items()})


SCAN_ARCHIVE_RETENTION = Duration.days(365)


class Events(Construct):
    """The bus scans are published to; rules route them to their functions, failures to a DLQ."""

    def __init__(self, scope: Construct, construct_id: str, *, bus_name: str) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(self, "Bus", event_bus_name=bus_name)
        # Every scan the carriers sent, kept a year so it can be replayed onto the bus (after an outage
        # of on-scan, say); on-scan applies each scan id once, so a replay changes only what was missed.
        self.scan_archive = self.bus.archive(
            "ScanArchive",
            archive_name=f"{bus_name}-scans"[:48],
            description="Carrier scan events, for replay",
            event_pattern=event_pattern(catalogue.SCAN_RULE.pattern),
            retention=SCAN_ARCHIVE_RETENTION,
        )
        self.rules: dict[str, events.Rule] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}

    def route_rules(self, functions: Mapping[str, lambda_.IFunction]) -> None:
        """One rule per distinct catalogue `EventRule`, targeting every function that lists it."""
        by_name: dict[str, tuple[catalogue.EventRule, list[catalogue.FunctionSpec]]] = {}
        for spec in catalogue.FUNCTIONS:
            for rule in spec.rules:
                known, specs = by_name.setdefault(rule.name, (rule, []))
                if known != rule:
                    raise ValueError(f"two different event rules are named {rule.name!r}")
                specs.append(spec)

        for name, (rule, specs) in by_name.items():
            dlq = sqs.Queue(
                self,
                pascal_id(name, "Dlq"),
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                retention_period=Duration.days(14),
            )
            self.dead_letter_queues[name] = dlq
            accept_dead_letter_queue(dlq, f"the dead-letter queue of the {name} rule's targets")
            self.rules[name] = events.Rule(
                self,
                pascal_id(name, "Rule"),
                event_bus=self.bus,
                description=f"{name} → {', '.join(spec.name for spec in specs)}",
                event_pattern=event_pattern(rule.pattern),
                targets=[
                    targets.LambdaFunction(
                        functions[spec.name],
                        dead_letter_queue=dlq,
                        retry_attempts=8,
                        max_event_age=Duration.hours(6),
                    )
                    for spec in specs
                ],
            )
