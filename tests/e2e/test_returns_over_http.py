"""End to end: the local stack (moto executing the real ASL) over real HTTP on 127.0.0.1."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from infra.local.demo_data import email_for
from infra.local.simulator import CROSS_BORDER_JOURNEY, HAPPY_JOURNEY
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e


def _item(line: str = "1", qty: int = 1, reason: str = "DOES_NOT_FIT") -> dict[str, object]:
    return {"line_id": line, "quantity": qty, "reason": reason}


def _states(record: dict[str, object]) -> list[str]:
    execution = record["execution"]
    assert isinstance(execution, dict)
    return [step["state"] for step in execution["path"]]


def test_happy_path_ends_refunded_with_ledger_lines(stack: RunningStack) -> None:
    # Given a German shopper with a delivered order
    client = stack.client
    # When she asks to return the sneakers, ships them, and the warehouse accepts them
    created = client.create_return("DEMO-1001", email_for("DEMO-1001"), [_item()])
    assert created.status_code == 201, created.text
    return_id = created.json()["return_id"]
    labelled = client.wait_for(return_id, {"LABEL_ISSUED"})
    assert labelled["label"]["tracking_number"].startswith("SBX")
    label_pdf = requests.get(labelled["label"]["label_url"], timeout=10)
    assert label_pdf.content.startswith(b"%PDF")
    codes = stack.simulator.play(labelled["label"]["tracking_number"], HAPPY_JOURNEY)
    assert codes == [202] * len(HAPPY_JOURNEY)
    assert client.wait_for(return_id, {"DELIVERED"})["status"] == "DELIVERED"
    assert client.inspect_all(return_id).status_code == 200
    # Then the return is refunded in euros, once, with its costs in the ledger
    done = client.wait_for_execution_end(client.wait_for(return_id, {"REFUNDED"})["return_id"])
    assert done["status"] == "REFUNDED"
    assert done["execution"]["status"] == "SUCCEEDED"
    assert _states(done)[-3:] == ["Refund", "RecordCosts", "NotifyOutcome"]
    assert done["refund"]["status"] == "succeeded"
    assert done["refund"]["amount"]["currency"] == "EUR"
    kinds = {line["kind"]: line for line in done["ledger"]}
    assert {"LABEL", "REFUND"} <= set(kinds)
    assert Decimal(kinds["REFUND"]["amount"]["amount"]) == -Decimal(done["refund"]["amount"]["amount"])
    # And the shopper's status page shows the journey but none of her personal data
    public = client.public(return_id)
    assert public["status"] == "REFUNDED"
    assert "example.com" not in str(public)
    assert [e.get("scan") for e in public["timeline"] if e["kind"] == "SCAN"] == [s.upper() for s in HAPPY_JOURNEY]


def test_a_refund_the_provider_settles_later_completes_through_its_webhook(stack: RunningStack) -> None:
    # Given an Australian order paid with a method whose refunds the provider confirms later
    client = stack.client
    # When the shopper returns the socks (returnless: no parcel to send back)
    created = client.create_return("DEMO-1011", email_for("DEMO-1011"), [_item(reason="CHANGED_MIND")])
    assert created.status_code == 201, created.text
    return_id = created.json()["return_id"]
    # Then the workflow waits for the provider's word, and its back office's signed webhook completes it
    done = client.wait_for_execution_end(client.wait_for(return_id, {"REFUNDED"}, timeout=30)["return_id"])
    assert done["execution"]["status"] == "SUCCEEDED"
    assert _states(done)[-4:] == ["Refund", "AwaitRefundOutcome", "RecordCosts", "NotifyOutcome"]
    assert done["refund"]["status"] == "succeeded"
    assert [e["status"] for e in done["timeline"] if e["kind"] == "PAYMENT"] == ["succeeded"]


def test_unused_label_expires_and_frees_the_items(stack: RunningStack) -> None:
    # Given a British shopper who got a label
    client = stack.client
    created = client.create_return("DEMO-1003", email_for("DEMO-1003"), [_item(reason="CHANGED_MIND")])
    return_id = created.json()["return_id"]
    # When the parcel is never handed to the carrier
    record = client.wait_for(return_id, {"EXPIRED"}, timeout=40)
    # Then the return expires through the timeout branch and the jacket can be returned again
    assert record["status"] == "EXPIRED"
    assert "LabelExpired" in _states(client.wait_for_execution_end(return_id))
    again = client.create_return("DEMO-1003", email_for("DEMO-1003"), [_item(reason="DOES_NOT_FIT")])
    assert again.status_code == 201, again.text


def test_parcel_that_goes_silent_is_declared_lost(stack: RunningStack) -> None:
    # Given a US shopper whose parcel was accepted by the carrier
    client = stack.client
    created = client.create_return("DEMO-1004", email_for("DEMO-1004"), [_item(reason="CHANGED_MIND")])
    return_id = created.json()["return_id"]
    labelled = client.wait_for(return_id, {"LABEL_ISSUED"})
    stack.simulator.play(labelled["label"]["tracking_number"], ("accepted", "in_transit"))
    # When no scan arrives for longer than the lane's stall limit
    record = client.wait_for(return_id, {"LOST"}, timeout=40)
    # Then the heartbeat timeout declares it lost, a claim is opened with the carrier
    assert record["status"] == "LOST"
    # And after the seller's grace period (7 days, a few seconds here) the shopper is refunded anyway
    done = client.wait_for_execution_end(return_id, timeout=40)
    states = _states(done)
    assert states[states.index("AwaitDelivery") :] == [
        "AwaitDelivery", "ParcelLost", "Finalise", "NotifyFinal", "AfterFinal", "GraceBeforeLostRefund",
        "Refund", "RecordCosts", "NotifyOutcome",
    ]  # fmt: skip
    assert done["status"] == "REFUNDED"
    assert done["claim"]["status"] == "OPEN"


def test_return_outside_the_window_is_rejected(stack: RunningStack) -> None:
    # Given a French order delivered 40 days ago (EU window: 14 days)
    client = stack.client
    # When the shopper asks to return it because she changed her mind
    created = client.create_return("DEMO-1002", email_for("DEMO-1002"), [_item(reason="CHANGED_MIND")])
    assert created.status_code == 201
    record = client.wait_for(created.json()["return_id"], {"REJECTED"})
    # Then the workflow rejects it and says why
    assert record["status"] == "REJECTED"
    assert [f["code"] for f in record["decision"]["findings"]] == ["WINDOW_PASSED"]
    assert record["label"] is None


def test_review_rejection_by_ops_ends_rejected(stack: RunningStack) -> None:
    # Given a high-value camera return from Japan, held for review
    client = stack.client
    created = client.create_return("DEMO-1005", email_for("DEMO-1005"), [_item(reason="CHANGED_MIND")])
    return_id = created.json()["return_id"]
    assert client.wait_for(return_id, {"IN_REVIEW"})["status"] == "IN_REVIEW"
    # When ops reject it
    assert client.review(return_id, "REJECTED", "serial number does not match").status_code == 200
    # Then it ends rejected, and a second, different decision is refused
    assert client.wait_for(return_id, {"REJECTED"})["status"] == "REJECTED"
    assert client.review(return_id, "APPROVED", "changed my mind").status_code == 409


def test_cross_border_return_through_customs_is_refunded_in_yen(stack: RunningStack) -> None:
    # Given a Japanese return approved by ops
    client = stack.client
    created = client.create_return("DEMO-1005", email_for("DEMO-1005"), [_item(reason="NOT_AS_DESCRIBED")])
    return_id = created.json()["return_id"]
    client.wait_for(return_id, {"IN_REVIEW"})
    client.review(return_id, "APPROVED", "photos confirm the defect").raise_for_status()
    labelled = client.wait_for(return_id, {"LABEL_ISSUED"})
    assert labelled["label"]["customs"] is True
    # When the parcel clears customs and is inspected
    stack.simulator.play(labelled["label"]["tracking_number"], CROSS_BORDER_JOURNEY)
    client.wait_for(return_id, {"DELIVERED"})
    client.inspect_all(return_id).raise_for_status()
    # Then the refund is paid in yen, without a return-shipping deduction (the seller was at fault)
    record = client.wait_for(return_id, {"REFUNDED"})
    assert record["refund"]["amount"] == {"amount": "98000", "currency": "JPY"}


def test_duplicate_and_late_scans_never_move_a_return_backwards(stack: RunningStack) -> None:
    # Given a return whose parcel was delivered
    client = stack.client
    created = client.create_return("DEMO-1001", email_for("DEMO-1001"), [_item("2", 1, "CHANGED_MIND")])
    return_id = created.json()["return_id"]
    tracking = client.wait_for(return_id, {"LABEL_ISSUED"})["label"]["tracking_number"]
    for status in ("accepted", "delivered"):
        stack.simulator.post(tracking, status, event_id=f"evt-{return_id}-{status}")
    assert client.wait_for(return_id, {"DELIVERED"})["status"] == "DELIVERED"
    # When the carrier replays a scan and a late in-transit scan arrives
    replay = stack.simulator.post(tracking, "accepted", event_id=f"evt-{return_id}-accepted")
    late = stack.simulator.post(tracking, "in_transit")
    assert (replay.status_code, late.status_code) == (202, 202)
    client.inspect_all(return_id).raise_for_status()
    record = client.wait_for(return_id, {"REFUNDED"})
    # Then the replay was applied once, and the late scan is kept without regressing the status
    scans = [e["scan"] for e in record["timeline"] if e["kind"] == "SCAN"]
    assert scans.count("ACCEPTED") == 1
    assert record["status"] == "REFUNDED"


BAD_REQUESTS = [
    ("POST", "/returns", b"{not json", {}, 400, "MALFORMED_JSON"),
    ("POST", "/returns", b'{"order_number": "DEMO-1007"}', {}, 422, "INVALID_REQUEST"),
    (
        "POST",
        "/returns",
        b'{"order_number":"DEMO-1007","email":"x@example.com","items":[{"line_id":"1","quantity":1,"reason":"DOES_NOT_FIT"}]}',
        {},
        404,
        "ORDER_NOT_FOUND",
    ),
    (
        "POST",
        "/returns",
        b'{"order_number":"DEMO-1007","email":"shopper+demo-1007@example.com","items":[{"line_id":"1","quantity":5,"reason":"DOES_NOT_FIT"}]}',
        {},
        422,
        "QUANTITY_EXCEEDED",
    ),
    ("GET", "/returns/RT-NOPE", b"", {}, 404, "RETURN_NOT_FOUND"),
    ("POST", "/webhooks/carriers/sandbox", b'{"id":"x"}', {}, 401, "INVALID_SIGNATURE"),
    ("POST", "/webhooks/carriers/nosuchcarrier", b"{}", {}, 404, "UNKNOWN_PROVIDER"),
    ("GET", "/ops/returns?status=BOGUS", b"", "ops", 422, "INVALID_REQUEST"),
    ("GET", "/ops/returns/RT-NOPE", b"", "ops", 404, "RETURN_NOT_FOUND"),
    ("POST", "/ops/returns/RT-NOPE/review", b'{"decision":"MAYBE","reason":"x","reviewer":"y"}', "ops", 422, None),
    ("POST", "/ops/returns/RT-NOPE/inspection", b'{"inspector":"a","items":[]}', "ops", 422, "INVALID_REQUEST"),
    ("PUT", "/ops/orders/DEMO-1007", b'{"order_number":"OTHER"}', "ops", 422, "INVALID_REQUEST"),
    ("PUT", "/ops/orders/DEMO-1007", b'[{"order_number":"DEMO-1007"}]', "ops", 422, "INVALID_REQUEST"),
    ("POST", "/returns", b'{"order_number": ' + b"9" * 5000 + b"}", {}, 400, "MALFORMED_JSON"),
    ("POST", "/returns", b"[" * 100_000, {}, 400, "MALFORMED_JSON"),
    ("GET", "/ops/returns?status=REQUESTED&cursor=eyJyZXR1cm5faWQiOiAxfQ==", b"", "ops", 422, "INVALID_CURSOR"),
    ("POST", "/webhooks/carriers/sandbox", b"{}", {"x-sandbox-signature": "t=" + "9" * 400 + ",v1=ab"}, 401, None),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "auth", "status", "code"),
    BAD_REQUESTS,
    ids=[f"{r[0]} {r[1][:40]} {r[4]}" for r in BAD_REQUESTS],
)
def test_bad_input_gets_a_coded_4xx_and_changes_nothing(
    stack: RunningStack, method: str, path: str, body: bytes, auth: object, status: int, code: str | None
) -> None:
    # Given the returns that exist now
    before = {r["return_id"]: r["status"] for r in stack.client.ops_list()}
    headers = {"content-type": "application/json"}
    if auth == "ops":
        headers["authorization"] = f"Bearer {stack.ops_token}"
    elif isinstance(auth, dict):
        headers.update(auth)
    # When a bad request arrives
    response = requests.request(method, f"{stack.url}{path}", data=body, headers=headers, timeout=10)
    # Then it gets the documented 4xx with a machine-readable code and a message, and nothing changed
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["message"]
    if code:
        assert error["code"] == code
    after = {r["return_id"]: r["status"] for r in stack.client.ops_list()}
    assert set(after) == set(before)


def test_ops_routes_need_the_ops_token(stack: RunningStack) -> None:
    # Given no bearer token, When ops routes are called, Then the gateway refuses them
    assert requests.get(f"{stack.url}/ops/returns", timeout=10).status_code == 401
    wrong = {"authorization": "Bearer nope"}
    assert requests.get(f"{stack.url}/ops/returns", headers=wrong, timeout=10).status_code == 401


def test_logs_carry_no_shopper_personal_data(stack: RunningStack) -> None:
    # Given the stack has handled every scenario above (this test runs last in the module)
    from infra.local.demo_data import demo_orders
    from returns_core.clock import utcnow

    log = stack.log_path.read_text(encoding="utf-8", errors="replace")
    assert "return requested" in log, "the stack's logs were not captured"
    # When we look for any shopper's email or name in what the functions logged
    personal = {o["email"] for o in demo_orders(utcnow())} | {o["shopper_name"] for o in demo_orders(utcnow())}
    # Then none appears
    assert [value for value in personal if value in log] == []


def test_a_scan_dated_in_the_future_is_refused(stack: RunningStack) -> None:
    # Given a correctly signed scan whose time is years ahead
    from datetime import UTC, datetime

    # When the carrier posts it / Then it is refused with a code, not accepted onto the bus
    reply = stack.simulator.post("SBX000000000001", "delivered", occurred_at=datetime(2999, 1, 1, tzinfo=UTC))
    assert (reply.status_code, reply.json()["error"]["code"]) == (400, "IMPLAUSIBLE_SCAN_TIME")
