"""The carrier webhook under moto: what a carrier posting tracking scans sees, and what reaches the bus."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.stub import Stubber

from infra import catalogue
from infra.local import environment as env
from returns_core.clock import iso
from returns_core.wiring import services

from .support import WEBHOOK_SECRET, LocalAws, api_event, call_api, client, signed_webhook


class ScanQueue:
    """An SQS queue behind a rule with the catalogue's scan-events pattern: what on-scan would be given."""

    def __init__(self) -> None:
        self.sqs = client("sqs")
        self.url = self.sqs.create_queue(QueueName="scan-events-under-test")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events = client("events")
        events.put_rule(
            Name=catalogue.SCAN_RULE.name,
            EventBusName=env.BUS_NAME,
            EventPattern=json.dumps(catalogue.SCAN_RULE.pattern),
        )
        events.put_targets(
            Rule=catalogue.SCAN_RULE.name, EventBusName=env.BUS_NAME, Targets=[{"Id": "queue", "Arn": arn}]
        )
        self._seen: list[dict[str, Any]] = []

    def events(self) -> list[dict[str, Any]]:
        """Every event the rule delivered so far."""
        while True:
            messages = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return list(self._seen)
            for message in messages:
                self._seen.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def scans(aws: LocalAws) -> ScanQueue:
    return ScanQueue()


def payload(event_id: str = "evt-0001", status: str = "accepted", **overrides: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "tracking_number": "SBX000000000042",
        "status": status,
        "occurred_at": iso(datetime.now(UTC)),
        "location": "Hamburg DE",
        **overrides,
    }


def test_a_signed_scan_is_accepted_and_published_once(scans: ScanQueue) -> None:
    # Given a scan signed with the shared secret
    sent = payload("evt-1001", "in_transit")

    # When the carrier posts it
    reply = signed_webhook(sent)

    # Then 202, and exactly one normalised ScanEvent reaches the scan-events rule
    assert reply.status == 202, reply
    assert reply.body == {"accepted": True, "action": "PUBLISHED", "status": "IN_TRANSIT"}
    [event] = scans.events()
    assert event["source"] == catalogue.SCAN_EVENT_SOURCE
    assert event["detail-type"] == catalogue.SCAN_EVENT_DETAIL_TYPE
    assert event["detail"]["event_id"] == "evt-1001"
    assert event["detail"]["provider"] == "sandbox"
    assert event["detail"]["tracking_number"] == "SBX000000000042"
    assert event["detail"]["status"] == "IN_TRANSIT"
    assert event["detail"]["raw_status"] == "in_transit"


def test_the_same_event_posted_twice_is_published_once(scans: ScanQueue) -> None:
    # Given a scan the carrier already delivered
    sent = payload("evt-2002", "delivered")
    assert signed_webhook(sent).status == 202

    # When the carrier redelivers it (freshly signed, as carriers do on retry)
    again = signed_webhook(sent)

    # Then it is acknowledged again but the bus saw it once
    assert again.status == 202, again
    assert [e["detail"]["event_id"] for e in scans.events()] == ["evt-2002"]


def test_different_events_for_the_same_parcel_are_each_published(scans: ScanQueue) -> None:
    # When two distinct scans arrive
    assert signed_webhook(payload("evt-3001", "accepted")).status == 202
    assert signed_webhook(payload("evt-3002", "in_transit")).status == 202

    # Then both are on the bus
    assert sorted(e["detail"]["event_id"] for e in scans.events()) == ["evt-3001", "evt-3002"]


def _post(raw: bytes, headers: dict[str, str]) -> Any:
    return call_api("carrier-webhook", api_event("POST", "/webhooks/carriers/sandbox", raw, headers))


def _signature(raw: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    from returns_core.webhooks import sandbox

    return sandbox.sign(secret, raw, int(time.time()) if timestamp is None else timestamp)[sandbox.SIGNATURE_HEADER]


BAD_SIGNATURES: dict[str, Any] = {
    "missing": lambda raw: {},
    "empty": lambda raw: {"x-sandbox-signature": ""},
    "wrong-secret": lambda raw: {"x-sandbox-signature": _signature(raw, secret="someone-elses-secret")},
    "stale": lambda raw: {"x-sandbox-signature": _signature(raw, timestamp=int(time.time()) - 3600)},
    "from-the-future": lambda raw: {"x-sandbox-signature": _signature(raw, timestamp=int(time.time()) + 3600)},
    "other-body": lambda raw: {"x-sandbox-signature": _signature(raw + b" ")},
    "malformed": lambda raw: {"x-sandbox-signature": "sha256=deadbeef"},
    "no-timestamp": lambda raw: {"x-sandbox-signature": "v1=" + _signature(raw).split("v1=")[1]},
}


@pytest.mark.parametrize("case", list(BAD_SIGNATURES), ids=list(BAD_SIGNATURES))
def test_a_scan_without_a_valid_signature_is_401_and_not_published(scans: ScanQueue, case: str) -> None:
    # Given a scan whose signature is missing, wrong, stale or for another body
    raw = json.dumps(payload("evt-4004")).encode()

    # When it is posted
    reply = _post(raw, BAD_SIGNATURES[case](raw))

    # Then 401 INVALID_SIGNATURE (never saying why) and nothing reaches the bus
    assert reply.status == 401, reply
    assert reply.code == "INVALID_SIGNATURE"
    assert reply.body["error"]["message"] == "The webhook signature is missing or invalid."
    assert scans.events() == []


def test_a_rejected_signature_does_not_block_the_genuine_event(scans: ScanQueue) -> None:
    # Given a forged post of an event id
    raw = json.dumps(payload("evt-4005")).encode()
    assert _post(raw, {"x-sandbox-signature": _signature(raw, secret="forger")}).status == 401

    # When the carrier posts the genuine event with that id
    reply = signed_webhook(payload("evt-4005"))

    # Then it is published
    assert reply.status == 202, reply
    assert [e["detail"]["event_id"] for e in scans.events()] == ["evt-4005"]


def test_a_base64_encoded_body_is_verified_over_the_carriers_bytes(scans: ScanQueue) -> None:
    # Given API Gateway handed the body over base64-encoded
    sent = payload("evt-5005")

    # When the signed scan is posted
    reply = signed_webhook(sent, base64_body=True)

    # Then the signature verifies against the decoded bytes and the scan is published
    assert reply.status == 202, reply
    assert [e["detail"]["event_id"] for e in scans.events()] == ["evt-5005"]


@pytest.mark.parametrize("header_name", ["X-Sandbox-Signature", "x-sandbox-signature", "X-SANDBOX-SIGNATURE"])
def test_the_signature_header_name_is_case_insensitive(scans: ScanQueue, header_name: str) -> None:
    # When the signature comes under any spelling of the header name
    reply = signed_webhook(payload("evt-6006"), header_name=header_name)

    # Then it is found and verified
    assert reply.status == 202, reply
    assert len(scans.events()) == 1


def test_an_unknown_provider_is_404(scans: ScanQueue) -> None:
    # When a post arrives for a carrier the product has no webhook for
    reply = signed_webhook(payload("evt-7007"), provider="acme-post")

    # Then 404 UNKNOWN_PROVIDER and nothing is published
    assert reply.status == 404, reply
    assert reply.code == "UNKNOWN_PROVIDER"
    assert scans.events() == []


UNREADABLE: dict[str, bytes] = {
    "not-json": b"status=delivered&id=1",
    "json-array": b"[]",
    "no-tracking-number": json.dumps({k: v for k, v in payload().items() if k != "tracking_number"}).encode(),
    "bad-timestamp": json.dumps(payload(occurred_at="yesterday")).encode(),
    "naive-timestamp": json.dumps(payload(occurred_at="2026-11-02T10:00:00")).encode(),
}


@pytest.mark.parametrize("case", list(UNREADABLE), ids=list(UNREADABLE))
def test_a_signed_body_that_is_not_a_tracking_event_is_400(scans: ScanQueue, case: str) -> None:
    # When a correctly signed body is not a tracking event
    reply = signed_webhook(UNREADABLE[case])

    # Then 400 UNREADABLE_PAYLOAD and nothing is published
    assert reply.status == 400, reply
    assert reply.code == "UNREADABLE_PAYLOAD"
    assert scans.events() == []


def test_a_status_word_the_product_does_not_act_on_is_acknowledged_and_ignored(scans: ScanQueue) -> None:
    # When the carrier sends a status outside its known vocabulary
    reply = signed_webhook(payload("evt-8008", "weather_delay"))

    # Then 202 IGNORED (so the carrier stops retrying) and nothing is published
    assert reply.status == 202, reply
    assert reply.body == {"accepted": True, "action": "IGNORED"}
    assert scans.events() == []


def test_a_bus_that_rejects_the_event_makes_the_carrier_retry(scans: ScanQueue) -> None:
    # Given EventBridge answers PutEvents with a failed entry
    events_client = services().aws.events
    with Stubber(events_client) as bus:
        bus.add_response(
            "put_events",
            {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure", "ErrorMessage": "try again"}]},
        )

        # When the carrier posts a scan
        reply = signed_webhook(payload("evt-9009"))

        # Then the reply is not a success, so the carrier will deliver it again
        assert not 200 <= reply.status < 300, reply
        assert reply.status == 500
        bus.assert_no_pending_responses()
    assert scans.events() == []

    # When the carrier retries once the bus is healthy again
    retried = signed_webhook(payload("evt-9009"))

    # Then the scan is published, once (the failed attempt left no dedupe record behind)
    assert retried.status == 202, retried
    assert [e["detail"]["event_id"] for e in scans.events()] == ["evt-9009"]
