"""Refunds whose outcome the payment provider reports later, by a signed webhook.

The sandbox provider chooses a refund's behaviour from the order's payment reference (as a PSP's
test cards do): `-async` answers `pending` and succeeds later, `-async-fail` answers `pending` and
fails later, `-reverse` succeeds at once and fails afterwards. Its back office (`settle_due`) moves
the refund on and returns the webhooks it would send; here the test posts them, as the local stack's
back-office thread does with `make run`. The returns are returnless (socks to Australia), so the
Refund task runs within a second of the return being created.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from returns_core.adapters.sandbox_payments import SandboxPayments
from returns_core.domain.orders import Order
from returns_core.storage.models import LedgerRecord
from returns_core.webhooks.signatures import sign_timestamped
from returns_core.wiring import services

from .support import (
    WEBHOOK_SECRET,
    BusTap,
    LocalAws,
    Reply,
    api_event,
    call_api,
    create_return,
    get_return,
    invoke,
    ops,
    order_line,
    refund_objects,
    seed_order,
    visited_states,
    wait_for,
    wait_parked,
)
from .support import wait_execution as finished

SOCKS = [order_line("1", sku="SCK-3PK", name="Merino socks", price="12.00", hs_code="611595", origin="CN", grams=150)]


def _order(number: str) -> Order:
    return seed_order(number, country="AU", currency="AUD", lines=SOCKS, shipping="9.95")


def _back_office_webhooks() -> list[tuple[bytes, dict[str, str]]]:
    """What the sandbox provider's back office sends once its pending refunds are due."""
    later = datetime.now(UTC) + timedelta(seconds=2)
    return SandboxPayments(services().documents).settle_due(later, WEBHOOK_SECRET)


def _post(body: bytes, headers: dict[str, str], provider: str = "sandbox") -> Reply:
    return call_api("payment-webhook", api_event("POST", f"/webhooks/payments/{provider}", body, headers))


def _alerts(return_id: str) -> list[str]:
    return [e["code"] for e in get_return(return_id).timeline if e["kind"] == "ALERT"]


def test_a_pending_refund_completes_when_the_providers_webhook_reports_it_paid(aws: LocalAws) -> None:
    # Given a refund the provider acknowledged as pending
    return_id = create_return(_order("ORD-AU-ASYNC"), reason="CHANGED_MIND")
    parked = wait_parked(return_id, "REFUND_OUTCOME")
    assert parked.status == "REFUND_PENDING"
    assert parked.refund["status"] == "pending"
    detail = ops("GET", f"/ops/returns/{return_id}")
    assert detail.body["waiting_for"] == "REFUND_OUTCOME"

    # When the provider settles it and posts its signed webhook
    [(body, headers)] = _back_office_webhooks()
    reply = _post(body, headers)

    # Then the workflow resumes and completes: the return is REFUNDED, paid once
    assert (reply.status, reply.body) == (202, {"accepted": True, "outcomes": {"SETTLED": 1}})
    assert finished(return_id)["status"] == "SUCCEEDED"
    record = get_return(return_id)
    assert record.status == "REFUNDED"
    assert record.refund["status"] == "succeeded"
    assert record.refund["settled_at"]
    [paid] = refund_objects()
    assert paid["status"] == "succeeded"
    assert paid["amount"] == {"amount": "10.80", "currency": "AUD"}
    assert "AwaitRefundOutcome" in visited_states(return_id)
    assert [e["status"] for e in record.timeline if e["kind"] == "PAYMENT"] == ["succeeded"]

    # And the provider delivering the same webhook again changes nothing
    again = _post(body, headers)
    assert (again.status, again.body["outcomes"]) == (202, {"DUPLICATE": 1})
    assert get_return(return_id).timeline == record.timeline


@pytest.mark.leaves_workflows_waiting
def test_a_pending_refund_that_then_fails_waits_for_ops_and_their_retry_is_a_new_attempt(aws: LocalAws) -> None:
    # Given a pending refund
    return_id = create_return(_order("ORD-AU-ASYNC-FAIL"), reason="CHANGED_MIND")
    wait_parked(return_id, "REFUND_OUTCOME")

    # When the provider's webhook reports that it failed
    [(body, headers)] = _back_office_webhooks()
    reply = _post(body, headers)

    # Then the return waits for ops with the failure on its timeline, not REFUNDED
    assert (reply.status, reply.body["outcomes"]) == (202, {"FAILED": 1})
    parked = wait_parked(return_id, "REFUND_FIX")
    assert parked.status == "REFUND_PENDING"
    assert parked.refund["status"] == "failed"
    assert parked.refund["failure_reason"] == "insufficient_funds"
    assert "REFUND_FAILED" in _alerts(return_id)

    # And an ops retry asks the provider for a new refund under a new key, never replaying the failed one
    retry = ops("POST", f"/ops/returns/{return_id}/refund-retry", {"operator": "finance-1", "note": "new card"})
    assert retry.status == 200, retry
    wait_for(lambda: len(refund_objects()) == 2, what="the second refund attempt")
    keys = sorted(refund["idempotency_key"] for refund in refund_objects())
    assert keys == [f"refund:{return_id}", f"refund:{return_id}:2"]
    record = wait_parked(return_id, "REFUND_OUTCOME")
    assert record.refund["idempotency_key"] == f"refund:{return_id}:2"
    assert [a["idempotency_key"] for a in record.refund["failed_attempts"]] == [f"refund:{return_id}"]


def test_a_refund_the_provider_reverses_after_paying_reopens_the_return_and_alerts_ops(aws: LocalAws) -> None:
    # Given a refunded return whose refund the provider will reverse
    return_id = create_return(_order("ORD-AU-REVERSE"), reason="CHANGED_MIND")
    assert finished(return_id)["status"] == "SUCCEEDED"
    assert get_return(return_id).status == "REFUNDED"

    # When the provider's webhook reports the refund failed after all
    [(body, headers)] = _back_office_webhooks()
    reply = _post(body, headers)

    # Then the return is back to REFUND_PENDING with an alert: the shopper has not been paid
    assert (reply.status, reply.body["outcomes"]) == (202, {"REVERSED": 1})
    record = get_return(return_id)
    assert record.status == "REFUND_PENDING"
    assert record.refund["status"] == "failed"
    assert record.refund["failure_reason"] == "expired_or_canceled_card"
    assert record.refund["reversed_at"]
    assert "REFUND_REVERSED" in _alerts(return_id)
    detail = ops("GET", f"/ops/returns/{return_id}")
    assert detail.body["status"] == "REFUND_PENDING"


def test_ops_pay_a_reversed_refund_again_and_the_ledger_shows_the_payment_its_reversal_and_the_new_one(
    aws: LocalAws,
) -> None:
    # Given a refunded return whose refund the provider reversed after the workflow had ended
    tap = BusTap("repay-under-test", {"detail-type": ["RefundRepayRequested"]})
    return_id = create_return(_order("ORD-AU-REPAY-reverse"), reason="CHANGED_MIND")
    assert finished(return_id)["status"] == "SUCCEEDED"
    [(body, headers)] = _back_office_webhooks()
    assert _post(body, headers).body["outcomes"] == {"REVERSED": 1}
    assert get_return(return_id).status == "REFUND_PENDING"

    # When ops ask to pay it again, and the refund function takes the request off the bus
    reply = ops("POST", f"/ops/returns/{return_id}/refund-repay", {"operator": "finance-1", "note": "New card"})
    assert (reply.status, reply.body["repay"]) == (202, "REQUESTED")
    [event] = tap.events()
    assert invoke("refund", event) == {"final_status": "REFUNDED"}

    # Then the shopper is paid again under a new key, once, and the alert is settled
    record = get_return(return_id)
    assert (record.status, record.refund["idempotency_key"]) == ("REFUNDED", f"refund:{return_id}:2")
    assert [o["amount"]["amount"] for o in refund_objects()] == ["10.80", "10.80"]
    assert "REFUND_REVERSED" not in [a["code"] for a in ops("GET", "/ops/alerts").body["alerts"]]
    # And the ledger has the first payment, the money the provider took back, and the payment made again
    lines = {line.line_id: line.amount for line in LedgerRecord.query(return_id)}
    assert (lines["REFUND"], lines["REFUND_REVERSED#1"], lines["REFUND#2"]) == ("-10.80", "10.80", "-10.80")
    refunded = ops("GET", "/ops/analytics").body["totals"]["refunded"]
    assert refunded == {"amount": "7.02", "currency": "USD"}  # 10.80 AUD once, not three times

    # When ops ask again / Then nothing is left to pay again, and nothing moves
    again = ops("POST", f"/ops/returns/{return_id}/refund-repay", {"operator": "finance-1"})
    assert (again.status, again.code) == (409, "NOTHING_TO_REPAY")
    assert len(refund_objects()) == 2


def _refund_event(return_id: str, status: str = "succeeded", event_id: str = "evt_test_1") -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": "refund.updated",
            "data": {
                "object": {
                    "id": "re_test_1",
                    "object": "refund",
                    "amount": 1080,
                    "currency": "aud",
                    "status": status,
                    "metadata": {"idempotency_key": f"refund:{return_id}"},
                }
            },
        }
    ).encode()


def _signed(body: bytes, secret: str = WEBHOOK_SECRET, at: datetime | None = None) -> dict[str, str]:
    moment = at or datetime.now(UTC)
    return {"Stripe-Signature": sign_timestamped(secret.encode(), body, int(moment.timestamp()))}


@pytest.mark.leaves_workflows_waiting
@pytest.mark.parametrize(
    ("headers_for", "what"),
    [
        (lambda body: _signed(body, secret="whsec_someone_else"), "signed with another secret"),
        (lambda body: _signed(body, at=datetime.now(UTC) - timedelta(hours=1)), "replayed an hour later"),
        (lambda body: {}, "unsigned"),
    ],
)
def test_a_webhook_that_fails_its_signature_check_is_refused_and_changes_nothing(
    aws: LocalAws, headers_for: Any, what: str
) -> None:
    # Given a pending refund
    return_id = create_return(_order("ORD-AU-ASYNC"), reason="CHANGED_MIND")
    before = wait_parked(return_id, "REFUND_OUTCOME")

    # When a forged webhook claims it succeeded
    body = _refund_event(return_id)
    reply = _post(body, headers_for(body))

    # Then it is refused and the return still waits for the real outcome
    assert (reply.status, reply.code) == (401, "INVALID_SIGNATURE"), what
    after = get_return(return_id)
    assert (after.status, after.refund, after.waiting_for) == (before.status, before.refund, "REFUND_OUTCOME")


def test_webhooks_for_unknown_providers_or_unknown_refunds_change_nothing(aws: LocalAws) -> None:
    # Given a refunded return
    return_id = create_return(_order("ORD-AU-9"), reason="CHANGED_MIND")
    assert finished(return_id)["status"] == "SUCCEEDED"
    before = get_return(return_id)

    # When webhooks arrive for a provider we do not know, for a refund we never asked for, and unreadable
    unknown_provider = _post(_refund_event(return_id), {}, provider="paypal")
    stranger = _refund_event("RMA-NOT-OURS")
    unmatched = _post(stranger, _signed(stranger))
    garbage = b"not json at all"
    unreadable = _post(garbage, _signed(garbage))

    # Then each gets a clear answer (the unmatched one is acknowledged so the provider stops retrying)
    assert (unknown_provider.status, unknown_provider.code) == (404, "UNKNOWN_PROVIDER")
    assert (unmatched.status, unmatched.body["outcomes"]) == (202, {"UNMATCHED": 1})
    assert (unreadable.status, unreadable.code) == (400, "UNREADABLE_PAYLOAD")
    # And the return is untouched
    assert get_return(return_id).timeline == before.timeline
    assert get_return(return_id).refund == before.refund


@pytest.mark.leaves_workflows_waiting
def test_a_pending_refund_with_no_word_from_the_provider_goes_to_ops_when_its_wait_runs_out(aws: LocalAws) -> None:
    # Given a pending refund whose webhook never comes
    return_id = create_return(_order("ORD-AU-ASYNC"), reason="CHANGED_MIND")
    wait_parked(return_id, "REFUND_OUTCOME")

    # When the wait for the outcome (10 days, scaled) runs out
    parked = wait_parked(return_id, "REFUND_FIX", timeout=20)

    # Then ops are asked to look: the return is visibly waiting, not lost and not REFUNDED
    assert parked.status == "REFUND_PENDING"
    assert "REFUND_FAILED" in _alerts(return_id)
    assert visited_states(return_id)[-2:] == ["AwaitRefundOutcome", "AwaitRefundFix"]
