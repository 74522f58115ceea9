"""The carrier webhook under moto: what a carrier posting tracking scans sees, and what reaches the bus."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from functions import carrier_webhook
from infra import catalogue
from returns_core.clock import iso
from returns_core.domain.scans import ScanEvent, ScanStatus
from returns_core.observability import SERVICE
from returns_core.webhooks import aftership, easypost, shippo
from returns_core.webhooks.publishing import ScanInProgress, publish_scan
from returns_core.wiring import services

from .support import WEBHOOK_SECRET, BusTap, LocalAws, api_event, call_api, lambda_context, signed_webhook


class ScanQueue(BusTap):
    """An SQS queue behind a rule with the catalogue's scan-events pattern: what on-scan would be given."""

    def __init__(self) -> None:
        super().__init__(catalogue.SCAN_RULE.name, catalogue.SCAN_RULE.pattern)


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
    assert reply.body == {"accepted": True, "published": 1, "ignored": 0, "future_dated": 0}
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

    # Then it is acknowledged again (as already published) but the bus saw it once
    assert again.status == 202, again
    assert again.body == {"accepted": True, "published": 0, "ignored": 1, "future_dated": 0}
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

    # Then 202 (so the carrier stops retrying) and nothing is published
    assert reply.status == 202, reply
    assert reply.body == {"accepted": True, "published": 0, "ignored": 0, "future_dated": 0}
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

        # Then the reply says to retry later, so the carrier will deliver it again
        assert (reply.status, reply.code) == (503, "EVENT_BUS_UNAVAILABLE"), reply
        assert reply.headers.get("retry-after") == "30"
        bus.assert_no_pending_responses()
    assert scans.events() == []

    # When the carrier retries once the bus is healthy again
    retried = signed_webhook(payload("evt-9009"))

    # Then the scan is published, once (the failed attempt left no dedupe record behind)
    assert retried.status == 202, retried
    assert [e["detail"]["event_id"] for e in scans.events()] == ["evt-9009"]


def test_a_scan_being_published_by_a_concurrent_delivery_is_not_published_again(scans: ScanQueue) -> None:
    # Given a scan whose first delivery is on its way to the bus
    scan = ScanEvent(
        event_id="evt-9100",
        provider="sandbox",
        tracking_number="SBX-9100",
        status=ScanStatus.IN_TRANSIT,
        occurred_at=datetime.now(UTC),
        raw_status="in_transit",
    )
    context = lambda_context("carrier-webhook")
    svc = services()
    outcomes: list[str] = []
    publish = svc.publisher.publish

    def publish_while_redelivered(events: Any) -> None:
        # When the carrier delivers the same scan again meanwhile
        try:
            publish_scan(svc, scan, context)
            outcomes.append("published twice")
        except ScanInProgress:
            outcomes.append("in progress")
        publish(events)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(svc.publisher, "publish", publish_while_redelivered)
        assert publish_scan(svc, scan, context) is True

    # Then the second delivery is told the scan is in progress, and the bus saw it once
    assert outcomes == ["in progress"]
    assert [e["detail"]["event_id"] for e in scans.events()] == ["evt-9100"]


def test_a_delivery_racing_another_is_answered_409_so_the_carrier_retries(
    scans: ScanQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given another delivery of the same scan holds its dedupe record
    def in_progress(*_: Any) -> bool:
        raise ScanInProgress("evt-9200")

    monkeypatch.setattr(carrier_webhook, "publish_scan", in_progress)
    # When the carrier posts it
    reply = signed_webhook(payload("evt-9200"))
    # Then it is told to retry later, with a code
    assert (reply.status, reply.code) == (409, "SCAN_IN_PROGRESS"), reply
    assert scans.events() == []


# ---------------------------------------------------------------------------------------------------------
# Third-party providers: EasyPost, AfterShip, Shippo, with their own payloads and signatures
# (read from ../shared/fixtures/webhooks, outside the repository; see SOURCES.md there)
# ---------------------------------------------------------------------------------------------------------

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "webhooks"
EASYPOST_SECRET = "sécret"
EASYPOST_EVENT = "easypost-event-tracker-updated.signed.json"
EASYPOST_HEADER = "hmac-sha256-hex=38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527db"
EASYPOST_EARLIER = "easypost-event-tracker-updated.2024-08-13.signed.json"
EASYPOST_EARLIER_HEADER = "hmac-sha256-hex=63feed8e92d6ebeb22b51133320e2eeb89c1a786cb9c93731125b1a0ddd80a4b"
AFTERSHIP_SECRET = "aftership_test_webhook_secret"
SHIPPO_SECRET = "shippo_test_hmac_secret"
SHIPPO_EVENT = "shippo-track_updated.docs-example.json"
SHIPPO_HEADER = "t=1688493073,v1=61c8e82881da93b059bed66c0ebb28991eb2e9efbdf20b99140f6e6eed225f36"
# EasyPost's secret second: it is being rotated out, and must still verify.
THIRD_PARTY_SECRETS = {
    "easypost": ["the-next-easypost-secret", EASYPOST_SECRET],
    "aftership": [AFTERSHIP_SECRET],
    "shippo": [SHIPPO_SECRET],
}


def fixture_body(name: str) -> bytes:
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f"third-party webhook fixture {path} is not present (it lives outside the repository)")
    return path.read_bytes()


@pytest.fixture
def carriers(aws: LocalAws, scans: ScanQueue) -> ScanQueue:
    """The scan queue, with webhook secrets configured for the third-party providers."""
    aws.monkeypatch.setenv("CARRIER_WEBHOOK_SECRETS", json.dumps(THIRD_PARTY_SECRETS))
    services.cache_clear()
    return scans


def post_to(provider: str, raw: bytes, headers: dict[str, str], base64_body: bool = False) -> Any:
    event = api_event("POST", f"/webhooks/carriers/{provider}", raw, headers, base64_body=base64_body)
    return call_api("carrier-webhook", event)


def accepted(published: int, ignored: int = 0, future_dated: int = 0) -> dict[str, Any]:
    return {"accepted": True, "published": published, "ignored": ignored, "future_dated": future_dated}


def test_a_real_easypost_tracker_update_publishes_each_tracking_detail_once(carriers: ScanQueue) -> None:
    # Given EasyPost's production tracker.updated event, signed as EasyPost signs it
    raw = fixture_body(EASYPOST_EVENT)

    # When EasyPost posts it
    reply = post_to("easypost", raw, {"x-hmac-signature": EASYPOST_HEADER})

    # Then every tracking detail is a canonical scan on the bus, oldest first
    assert reply.status == 202, reply
    assert reply.body == accepted(7)
    details = [event["detail"] for event in carriers.events()]
    assert {d["provider"] for d in details} == {"easypost"}
    assert sorted(d["status"] for d in details) == ["IN_TRANSIT"] * 6 + ["LABEL_CREATED"]
    assert all(d["tracking_number"] == "1" for d in details)


def test_replayed_and_redelivered_easypost_events_publish_nothing_new(carriers: ScanQueue) -> None:
    # Given the event was delivered once
    raw = fixture_body(EASYPOST_EVENT)
    assert post_to("easypost", raw, {"x-hmac-signature": EASYPOST_HEADER}).body == accepted(7)

    # When the same bytes are replayed, and another revision of the event carries the same history
    replay = post_to("easypost", raw, {"x-hmac-signature": EASYPOST_HEADER})
    revision = post_to("easypost", fixture_body(EASYPOST_EARLIER), {"x-hmac-signature": EASYPOST_EARLIER_HEADER})

    # Then both are acknowledged, and the bus still saw each scan once
    assert (replay.status, replay.body) == (202, accepted(0, ignored=7))
    assert (revision.status, revision.body) == (202, accepted(0, ignored=7))
    events = carriers.events()
    assert len(events) == 7
    assert len({e["detail"]["event_id"] for e in events}) == 7


def test_an_easypost_event_the_product_ignores_is_acknowledged(carriers: ScanQueue) -> None:
    # When EasyPost posts a batch.created event (stated signature)
    raw = fixture_body("easypost-event-batch-created.signed.json")
    header = "hmac-sha256-hex=e93977c8ccb20363d51a62b3fe1fc402b7829be1152da9e88cf9e8d07115a46b"
    reply = post_to("easypost", raw, {"X-Hmac-Signature": header})

    # Then 202 and nothing published
    assert (reply.status, reply.body) == (202, accepted(0))
    assert carriers.events() == []


def test_the_docs_delivered_example_arrives_delivered_even_base64_encoded(carriers: ScanQueue) -> None:
    # Given EasyPost's tracking-guide example, handed over by API Gateway base64-encoded
    raw = fixture_body("easypost-tracker-updated-delivered.guide.json")
    header = "hmac-sha256-hex=270f980811a9dd307775320d3b95f402c2e51e22f8486c76209c088d5d573e37"

    # When it is posted, the header name in capitals
    reply = post_to("easypost", raw, {"X-HMAC-SIGNATURE": header}, base64_body=True)

    # Then it verifies over the decoded bytes, and the journey including DELIVERED is on the bus
    assert (reply.status, reply.body) == (202, accepted(6))
    assert "DELIVERED" in {e["detail"]["status"] for e in carriers.events()}


EASYPOST_BAD_SIGNATURES: dict[str, Any] = {
    "missing": lambda raw: {},
    "wrong-secret": lambda raw: easypost.sign("secret", raw),
    "the-node-sdks-negative-vector": lambda raw: {
        "x-hmac-signature": "hmac-sha256-hex=e93977c8ccb20363d51a62b3fe1fc402b7829be1152da9e88cf9e8d07115aaaa"
    },
    "another-revisions-signature": lambda raw: {"x-hmac-signature": EASYPOST_EARLIER_HEADER},
    "tampered-body": lambda raw: easypost.sign(EASYPOST_SECRET, raw.replace(b"FedEx", b"FEDEX")),
    "wrong-scheme": lambda raw: {"x-hmac-signature": EASYPOST_HEADER.replace("hmac-sha256-hex=", "sha256=")},
    "not-hex": lambda raw: {"x-hmac-signature": "hmac-sha256-hex=" + "z" * 64},
    "secret-not-nfkd-normalised": lambda raw: {
        "x-hmac-signature": "hmac-sha256-hex=" + hmac.new(EASYPOST_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    },
}


@pytest.mark.parametrize("case", list(EASYPOST_BAD_SIGNATURES), ids=list(EASYPOST_BAD_SIGNATURES))
def test_an_easypost_post_without_a_valid_signature_is_401(carriers: ScanQueue, case: str) -> None:
    raw = fixture_body(EASYPOST_EVENT)
    reply = post_to("easypost", raw, EASYPOST_BAD_SIGNATURES[case](raw))
    assert reply.status == 401, reply
    assert reply.code == "INVALID_SIGNATURE"
    assert carriers.events() == []


def test_a_provider_without_configured_secrets_accepts_nothing(scans: ScanQueue) -> None:
    # Given no CARRIER_WEBHOOK_SECRETS at all (only the sandbox secret is set)
    raw = fixture_body(EASYPOST_EVENT)

    # When EasyPost's genuine event arrives / Then it is refused: there is no key to check it with
    reply = post_to("easypost", raw, {"x-hmac-signature": EASYPOST_HEADER})
    assert (reply.status, reply.code) == (401, "INVALID_SIGNATURE")
    assert scans.events() == []


def test_aftership_updates_are_published_and_a_redelivery_is_not(carriers: ScanQueue) -> None:
    # Given AfterShip's in-transit and delivered samples, with their signatures
    in_transit = fixture_body("aftership-tracking_update-intransit.json")
    delivered = fixture_body("aftership-tracking_update-delivered.json")

    # When both arrive, and the delivered one again
    first = post_to("aftership", in_transit, {"aftership-hmac-sha256": "PTH/9qt6BOX7RQ0KDcAVykcMQVepCPvZNKn/PFVplpM="})
    second = post_to("aftership", delivered, {"Aftership-Hmac-Sha256": "e0wYADgtOVgmDEEpXr/zm9yBogLQsG5PtkuHMHmDz1Y="})
    again = post_to("aftership", delivered, aftership.sign(AFTERSHIP_SECRET, delivered))

    # Then IN_TRANSIT and DELIVERED are on the bus once each
    assert [first.body, second.body, again.body] == [accepted(1), accepted(1), accepted(0, ignored=1)]
    assert sorted(e["detail"]["status"] for e in carriers.events()) == ["DELIVERED", "IN_TRANSIT"]


def test_an_aftership_body_signed_with_another_secret_is_401(carriers: ScanQueue) -> None:
    raw = fixture_body("aftership-tracking_update-delivered.json")
    reply = post_to("aftership", raw, aftership.sign("someone-elses-secret", raw))
    assert (reply.status, reply.code) == (401, "INVALID_SIGNATURE")
    assert carriers.events() == []


def test_shippos_docs_example_verifies_at_its_signing_time(carriers: ScanQueue, aws: LocalAws) -> None:
    # Given Shippo's docs example and the header for its docs timestamp, the function's clock frozen there
    raw = fixture_body(SHIPPO_EVENT)
    aws.monkeypatch.setattr(carrier_webhook, "utcnow", lambda: datetime.fromtimestamp(1688493073 + 60, UTC))

    # When Shippo posts it
    reply = post_to("shippo", raw, {"shippo-auth-signature": SHIPPO_HEADER})

    # Then its one DELIVERED status is published
    assert (reply.status, reply.body) == (202, accepted(1))
    [event] = carriers.events()
    assert (event["detail"]["provider"], event["detail"]["status"]) == ("shippo", "DELIVERED")


def test_a_stale_shippo_signature_is_401(carriers: ScanQueue) -> None:
    # Given the docs example's header, signed in 2023 / When it arrives today / Then it is a replay: 401
    reply = post_to("shippo", fixture_body(SHIPPO_EVENT), {"shippo-auth-signature": SHIPPO_HEADER})
    assert (reply.status, reply.code) == (401, "INVALID_SIGNATURE")
    assert carriers.events() == []


def test_a_freshly_signed_shippo_redelivery_publishes_once(carriers: ScanQueue) -> None:
    raw = fixture_body(SHIPPO_EVENT)
    first = post_to("shippo", raw, shippo.sign(SHIPPO_SECRET, raw, int(time.time())))
    again = post_to("shippo", raw, shippo.sign(SHIPPO_SECRET, raw, int(time.time())))
    assert [first.body, again.body] == [accepted(1), accepted(0, ignored=1)]
    assert len(carriers.events()) == 1


def _easypost_tracker(*datetimes: str) -> bytes:
    return json.dumps(
        {
            "id": "evt_future",
            "object": "Event",
            "description": "tracker.updated",
            "result": {
                "id": "trk_future",
                "tracking_code": "EZ1000000001",
                "status": "in_transit",
                "updated_at": datetimes[-1],
                "tracking_details": [
                    {"status": "in_transit", "datetime": at, "tracking_location": {"city": "Leipzig", "country": "DE"}}
                    for at in datetimes
                ],
            },
        }
    ).encode()


def test_a_scan_dated_in_the_future_is_skipped_and_counted(carriers: ScanQueue) -> None:
    # Given a delivery with one believable scan and one dated years ahead
    raw = _easypost_tracker(iso(datetime.now(UTC)), "2999-01-01T00:00:00Z")

    # When it is posted
    reply = post_to("easypost", raw, easypost.sign(EASYPOST_SECRET, raw))

    # Then the believable scan is published and the other is counted, not the whole delivery refused
    assert (reply.status, reply.body) == (202, accepted(1, ignored=1, future_dated=1))
    [event] = carriers.events()
    assert event["detail"]["occurred_at"].startswith(str(datetime.now(UTC).year))


def test_a_long_history_publishes_its_newest_scans_within_the_limit(carriers: ScanQueue) -> None:
    # Given a tracker with 55 details (its earlier ones came with earlier deliveries)
    start = datetime.now(UTC) - timedelta(days=2)
    raw = _easypost_tracker(*(iso(start + timedelta(minutes=10 * n)) for n in range(55)))

    # When it is posted
    reply = post_to("easypost", raw, easypost.sign(EASYPOST_SECRET, raw))

    # Then the newest 50 are published (so the reply stays fast) and the 5 oldest are counted as ignored
    assert (reply.status, reply.body) == (202, accepted(50, ignored=5))
    published = sorted(e["detail"]["occurred_at"] for e in carriers.events())
    assert len(published) == 50
    assert published[0] == iso(start + timedelta(minutes=50))


def test_a_delivery_with_only_future_scans_is_refused(carriers: ScanQueue) -> None:
    raw = _easypost_tracker("2999-01-01T00:00:00Z")
    reply = post_to("easypost", raw, easypost.sign(EASYPOST_SECRET, raw))
    assert (reply.status, reply.code) == (400, "IMPLAUSIBLE_SCAN_TIME")
    assert carriers.events() == []


@pytest.mark.parametrize("provider", ["easypost", "aftership", "shippo"])
@pytest.mark.parametrize("raw", [b"[]", b"not json", b'{"x": 1}', b"[" * 50_000 + b"]" * 50_000], ids=str)
def test_a_signed_third_party_body_that_is_not_a_tracking_event_is_400(
    carriers: ScanQueue, provider: str, raw: bytes
) -> None:
    headers = {
        "easypost": easypost.sign(EASYPOST_SECRET, raw),
        "aftership": aftership.sign(AFTERSHIP_SECRET, raw),
        "shippo": shippo.sign(SHIPPO_SECRET, raw, int(time.time())),
    }[provider]
    reply = post_to(provider, raw, headers)
    assert (reply.status, reply.code) == (400, "UNREADABLE_PAYLOAD")
    assert carriers.events() == []


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.text.append(record.getMessage())
        self.text.append(repr(vars(record)))


def test_the_function_logs_no_payload_or_personal_data(carriers: ScanQueue, aws: LocalAws) -> None:
    # Given deliveries carrying an order number, a recipient's city and postcode, and tracking numbers
    records = _Records()
    logging.getLogger(SERVICE).addHandler(records)
    try:
        delivered = fixture_body("aftership-tracking_update-delivered.json")
        assert post_to("aftership", delivered, aftership.sign(AFTERSHIP_SECRET, delivered)).status == 202
        assert post_to("aftership", delivered, aftership.sign("forged", delivered)).status == 401
        odd = b'{"not": "a tracking event"}'
        assert post_to("aftership", odd, aftership.sign(AFTERSHIP_SECRET, odd)).status == 400
        aws.monkeypatch.setattr(carrier_webhook, "utcnow", lambda: datetime.fromtimestamp(1688493073, UTC))
        shippo_raw = fixture_body(SHIPPO_EVENT)
        assert post_to("shippo", shippo_raw, {"Shippo-Auth-Signature": SHIPPO_HEADER}).status == 202
    finally:
        logging.getLogger(SERVICE).removeHandler(records)

    # When we read what the function logged
    logged = "\n".join(records.text)
    assert "carrier webhook accepted" in logged, "nothing was captured"
    # Then none of it is there
    for value in ("ORD-1001", "0000000000000000", "9205590164917312751089", "89101", "Order 000123", "Las Vegas"):
        assert value not in logged, value


def test_malformed_webhook_secrets_are_a_clear_503_and_publish_nothing(scans: ScanQueue, aws: LocalAws) -> None:
    # Given a deployment whose third-party webhook secrets are not valid JSON
    aws.monkeypatch.setenv("CARRIER_WEBHOOK_SECRETS", "{not json")
    services.cache_clear()
    # When EasyPost posts an event
    body = b'{"object": "Event", "description": "tracker.updated"}'
    reply = call_api(
        "carrier-webhook",
        api_event("POST", "/webhooks/carriers/easypost", body, {"x-hmac-signature": "hmac-sha256-hex=00"}),
    )
    # Then the carrier is told to retry later with a code ops can search for, and nothing reaches the bus
    assert (reply.status, reply.code) == (503, "WEBHOOK_NOT_CONFIGURED")
    assert scans.events() == []
