"""The sandbox payment provider behaves like a PSP: idempotent refunds, and outcomes that arrive later."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import cast

import pytest

from returns_core.adapters.documents import DocumentStore
from returns_core.adapters.sandbox_payments import SETTLE_AFTER, SandboxPayments
from returns_core.clock import utcnow
from returns_core.money import Money
from returns_core.ports.payments import PaymentRejected, RefundOrder, RefundStatus
from returns_core.webhooks.payment_events import sandbox_events
from returns_core.webhooks.signatures import SignatureInvalid
from tests.unit.fakes import InMemoryDocuments

SECRET = "whsec_sandbox_unit"


def provider() -> SandboxPayments:
    return SandboxPayments(cast(DocumentStore, InMemoryDocuments()))


def order(reference: str = "ch_test_ord-1", key: str = "refund:RMA-1", amount: str = "10.80") -> RefundOrder:
    return RefundOrder(reference, Money.of(amount, "AUD"), key, "requested_by_customer")


def test_a_plain_reference_is_refunded_at_once_and_never_settles_again() -> None:
    # Given a refund on an ordinary payment
    payments = provider()
    outcome = payments.refund(order())

    # Then it succeeded at once, and the back office has nothing to send later
    assert outcome.status is RefundStatus.SUCCEEDED
    assert payments.settle_due(utcnow() + timedelta(days=1), SECRET) == []


@pytest.mark.parametrize(
    ("reference", "now", "later", "reason"),
    [
        ("ch_test_ord-au-async", RefundStatus.PENDING, RefundStatus.SUCCEEDED, None),
        ("CH_TEST_ORD_ASYNC", RefundStatus.PENDING, RefundStatus.SUCCEEDED, None),
        ("ch_test_ord-au-async-fail", RefundStatus.PENDING, RefundStatus.FAILED, "insufficient_funds"),
        ("ch_test_ord_async_fail", RefundStatus.PENDING, RefundStatus.FAILED, "insufficient_funds"),
        ("ch_test_ord-au-reverse", RefundStatus.SUCCEEDED, RefundStatus.FAILED, "expired_or_canceled_card"),
    ],
)
def test_the_payment_reference_chooses_how_a_refund_settles(
    reference: str, now: RefundStatus, later: RefundStatus, reason: str | None
) -> None:
    # Given a refund on a payment whose reference carries a behaviour word
    payments = provider()
    answered = payments.refund(order(reference))

    # When the back office runs before and after the settling delay
    early = payments.settle_due(utcnow(), SECRET)
    sent = payments.settle_due(utcnow() + SETTLE_AFTER * 2, SECRET)

    # Then the answer was the first status, and one signed webhook reports the later one
    assert answered.status is now
    assert early == []
    [(body, headers)] = sent
    [event] = sandbox_events(body, headers, [SECRET], utcnow() + SETTLE_AFTER * 2)
    assert (event.status, event.failure_reason) == (later, reason)
    assert event.idempotency_key == "refund:RMA-1"
    assert event.refund_id == answered.refund_id
    assert event.amount == Money.of("10.80", "AUD")
    # And a lookup agrees with the webhook whether or not the webhook arrives
    found = payments.find_refund("refund:RMA-1")
    assert found is not None and found.status is later


def test_a_word_inside_another_word_does_not_choose_a_behaviour() -> None:
    # Given references where the behaviour words are not separate words
    payments = provider()

    # Then those refunds settle at once like any other
    assert payments.refund(order("ch_test_asynchronous", key="refund:RMA-1")).status is RefundStatus.SUCCEEDED
    assert payments.refund(order("ch_test_ordreverse", key="refund:RMA-2")).status is RefundStatus.SUCCEEDED


def test_each_refund_settles_once_however_often_the_back_office_runs() -> None:
    # Given a pending refund that has settled
    payments = provider()
    payments.refund(order("ch_test_async"))
    later = utcnow() + SETTLE_AFTER * 2
    first = payments.settle_due(later, SECRET)

    # When the back office runs again
    again = payments.settle_due(later + timedelta(minutes=5), SECRET)

    # Then no second webhook is sent, and replaying the refund request returns the settled refund
    assert len(first) == 1
    assert again == []
    assert payments.refund(order("ch_test_async")).status is RefundStatus.SUCCEEDED


def test_the_back_offices_webhooks_are_signed_with_the_given_secret_only() -> None:
    # Given a settled pending refund's webhook
    payments = provider()
    payments.refund(order("ch_test_async"))
    later = utcnow() + SETTLE_AFTER * 2
    [(body, headers)] = payments.settle_due(later, SECRET)

    # Then it verifies with the secret, and not with another one or once altered
    assert json.loads(body)["type"] == "refund.updated"
    with pytest.raises(SignatureInvalid):
        sandbox_events(body, headers, ["whsec_other"], later)
    with pytest.raises(SignatureInvalid):
        sandbox_events(body.replace(b"succeeded", b"failed"), headers, [SECRET], later)


def test_a_reused_idempotency_key_with_another_amount_is_refused() -> None:
    # Given a refund made under a key
    payments = provider()
    payments.refund(order(amount="10.80"))

    # When the same key asks for a different amount, or a refund is not positive
    with pytest.raises(PaymentRejected, match="different amount"):
        payments.refund(order(amount="12.00"))
    with pytest.raises(PaymentRejected, match="positive"):
        payments.refund(order(key="refund:RMA-2", amount="0.00"))
