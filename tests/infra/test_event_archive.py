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
