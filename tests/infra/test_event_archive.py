"""Scan events are archived on the product's bus, so they can be replayed."""

from __future__ import annotations

from infra import catalogue

from .conftest import Resources


def test_every_scan_event_is_archived_for_a_year_for_replay(resources: Resources) -> None:
    # Given the template's archives and the bus
    archives = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Events::Archive"]
    [bus_id] = [key for key, r in resources.items() if r["Type"] == "AWS::Events::EventBus"]
    # Then one archive keeps the scans from that bus, matched as the scan rule matches them, for 365 days
    [archive] = archives
    assert archive["SourceArn"] == {"Fn::GetAtt": [bus_id, "Arn"]}
    assert archive["EventPattern"] == catalogue.SCAN_RULE.pattern
    assert archive["RetentionDays"] == 365


def test_functions_the_bus_invokes_keep_the_events_they_still_fail_on(resources: Resources) -> None:
    # Given the functions that are targets of a catalogue rule
    by_handler = {
        r["Properties"].get("Handler"): key for key, r in resources.items() if r["Type"] == "AWS::Lambda::Function"
    }
    targets = {by_handler[spec.handler] for spec in catalogue.FUNCTIONS if spec.rules}
    configs = {
        r["Properties"]["FunctionName"]["Ref"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::EventInvokeConfig"
    }
    # Then each retries twice and then sends the event to an encrypted queue of its own, not nowhere
    assert set(configs) == targets
    queues = set()
    for config in configs.values():
        assert config["MaximumRetryAttempts"] == 2
        destination = config["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"]
        assert resources[destination[0]]["Type"] == "AWS::SQS::Queue"
        assert resources[destination[0]]["Properties"]["SqsManagedSseEnabled"] is True
        queues.add(destination[0])
    assert len(queues) == len(targets)
