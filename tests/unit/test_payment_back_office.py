"""The local payment back office posts each settled refund's webhook until it is accepted, signed afresh."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from infra.local.payment_office import PaymentBackOffice
from returns_core.adapters.documents import DocumentStore
from returns_core.adapters.sandbox_payments import SETTLE_AFTER, SandboxPayments
from returns_core.clock import utcnow
from returns_core.money import Money
from returns_core.ports.payments import RefundOrder
from returns_core.webhooks.signatures import SignatureInvalid, verify_timestamped
from tests.unit.fakes import InMemoryDocuments

SECRET = "whsec_back_office_unit"


class Answer:
    def __init__(self, status_code: int) -> None:
        self.status_code = status_code


class Receiver:
    """Our webhook endpoint as the provider sees it: refuses while down, checks the signature when up."""

    def __init__(self, clock: list[datetime]) -> None:
        self.up = False
        self.accepted: list[bytes] = []
        self._clock = clock

    def post(self, url: str, data: bytes, headers: dict[str, str], timeout: float) -> Answer:
        if not self.up:
            return Answer(503)
        try:
            verify_timestamped(SECRET.encode(), data, headers.get("Stripe-Signature"), self._clock[0])
        except SignatureInvalid:
            return Answer(401)
        self.accepted.append(data)
        return Answer(200)


def test_a_webhook_refused_for_longer_than_the_signature_tolerance_is_still_delivered() -> None:
    # Given a pending sandbox refund and a back office whose webhook endpoint is down
    documents = InMemoryDocuments()
    SandboxPayments(cast(DocumentStore, documents)).refund(
        RefundOrder("ch_test_ord-async", Money.of("10.80", "AUD"), "refund:RMA-1", "requested_by_customer")
    )
    clock = [utcnow() + SETTLE_AFTER * 2]
    receiver = Receiver(clock)
    office = PaymentBackOffice(
        "http://127.0.0.1:1", SECRET, cast(DocumentStore, documents), session=cast(Any, receiver), now=lambda: clock[0]
    )

    # When the refund settles while the endpoint is down, and it comes back an hour later
    assert office.tick() == 0
    clock[0] += timedelta(hours=1)
    receiver.up = True
    sent = office.tick()

    # Then the webhook is accepted, signed for the time it was sent, and not sent again
    assert sent == 1
    assert len(receiver.accepted) == 1
    assert b"refund:RMA-1" in receiver.accepted[0]
    assert office.tick() == 0
