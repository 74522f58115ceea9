"""The Stripe adapter: the refund request it sends and how it reads the answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast
from urllib.parse import parse_qs

import pytest

from returns_core.adapters.documents import DocumentStore
from returns_core.adapters.stripe_payments import StripePayments
from returns_core.money import Money
from returns_core.ports.payments import PaymentRejected, PaymentTimeout, RefundOrder, RefundStatus
from tests.unit.fakes import InMemoryDocuments, ScriptedTransport

ANSWER = (
    Path(__file__).resolve().parents[1] / "fixtures" / "payments" / "stripe" / "refund_response.json"
).read_bytes()
ORDER = RefundOrder("pi_3Mexample0000000000000000", Money.of("1500", "JPY"), "refund:ret_01JEXAMPLE0001", "return")


Fake = ScriptedTransport


def adapter(fake: Fake) -> StripePayments:
    return StripePayments("sk_test_example", cast(DocumentStore, InMemoryDocuments()), transport=fake)


def test_a_jpy_refund_is_posted_in_whole_yen_with_our_key_and_reads_as_pending() -> None:
    # Given Stripe answers with its documented refund object
    fake = Fake((200, ANSWER))
    # When a JPY 1500 refund is made
    outcome = adapter(fake).refund(ORDER)
    # Then the form carries 1500 (JPY has no minor unit), the payment intent and our key
    method, url, headers, body = fake.sent[0]
    assert (method, url) == ("POST", "https://api.stripe.com/v1/refunds")
    assert headers["Idempotency-Key"] == "refund:ret_01JEXAMPLE0001"
    assert parse_qs((body or b"").decode()) == {
        "payment_intent": ["pi_3Mexample0000000000000000"],
        "amount": ["1500"],
        "metadata[idempotency_key]": ["refund:ret_01JEXAMPLE0001"],
        "metadata[return_id]": ["ret_01JEXAMPLE0001"],
    }
    assert outcome.status is RefundStatus.PENDING
    assert outcome.amount == Money.of("1500", "JPY")


def test_after_a_timeout_the_refund_is_found_by_listing_the_payments_refunds() -> None:
    # Given the create call timed out but the refund exists at Stripe
    listed = json.dumps({"data": [json.loads(ANSWER) | {"status": "succeeded"}]}).encode()
    fake = Fake(TimeoutError(), (200, listed))
    payments = adapter(fake)
    with pytest.raises(PaymentTimeout):
        payments.refund(ORDER)
    # When it is looked up
    found = payments.find_refund(ORDER.idempotency_key)
    # Then the listing for the payment intent finds it by our metadata
    assert fake.sent[1][1] == "https://api.stripe.com/v1/refunds?payment_intent=pi_3Mexample0000000000000000&limit=100"
    assert found is not None and found.status is RefundStatus.SUCCEEDED


def test_a_4xx_is_a_rejection() -> None:
    with pytest.raises(PaymentRejected):
        adapter(Fake((400, b'{"error": {"message": "x"}}'))).refund(ORDER)
