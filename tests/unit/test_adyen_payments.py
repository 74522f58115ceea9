"""The Adyen adapter: the refund request it sends, how it reads Adyen's answers, and its refund log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest

from returns_core.adapters.adyen_payments import AdyenPayments, merchant_refund_reason
from returns_core.adapters.documents import DocumentStore
from returns_core.money import Money
from returns_core.ports.payments import (
    PaymentRejected,
    PaymentTimeout,
    PaymentUnavailable,
    RefundOrder,
    RefundStatus,
)
from tests.unit.fakes import InMemoryDocuments, ScriptedTransport

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "payments" / "adyen"
ANSWER = (FIXTURES / "refund_response.json").read_bytes()
ERROR_422 = (FIXTURES / "refund_error_422.json").read_bytes()
API_KEY = "AQE_test_api_key_example"
MERCHANT = "YOUR_MERCHANT_ACCOUNT"
KEY = "refund:ret_01JEXAMPLE0001"
LOG = "adyen-payments/refunds/refund_ret_01JEXAMPLE0001.json"
REFUNDS_URL = "https://checkout-test.adyen.com/v71/payments/993617895204576J/refunds"
ORDER = RefundOrder("993617895204576J", Money.of("25.00", "EUR"), KEY, "return ret_01JEXAMPLE0001")


Fake = ScriptedTransport


def adapter(fake: Fake, **options: Any) -> tuple[AdyenPayments, InMemoryDocuments]:
    documents = InMemoryDocuments()
    return AdyenPayments(API_KEY, MERCHANT, cast(DocumentStore, documents), transport=fake, **options), documents


def logged(documents: InMemoryDocuments) -> dict[str, Any]:
    entry: dict[str, Any] = json.loads(documents.objects[LOG][0])
    return entry


def test_the_refund_is_posted_to_the_payment_with_our_key_and_the_amount_in_minor_units() -> None:
    # Given Adyen acknowledges the refund
    fake = Fake((201, ANSWER))
    payments, _ = adapter(fake)
    # When EUR 25.00 is refunded for a return
    payments.refund(ORDER)
    # Then one POST goes to the payment's refunds, authenticated, carrying our idempotency key
    method, url, headers, _ = fake.sent[0]
    assert (method, url) == ("POST", REFUNDS_URL)
    assert headers["X-API-Key"] == API_KEY
    assert headers["Content-Type"] == "application/json"
    assert headers["Idempotency-Key"] == KEY
    # And the body holds 2500 cents as an integer, our key as reference, and the reason RETURN
    assert fake.body(0) == {
        "merchantAccount": MERCHANT,
        "amount": {"value": 2500, "currency": "EUR"},
        "reference": KEY,
        "merchantRefundReason": "RETURN",
    }


def test_a_received_refund_reads_as_pending_with_adyens_reference_and_amount() -> None:
    # Given Adyen answers "received" (it only acknowledges; the result comes by webhook)
    payments, documents = adapter(Fake((201, ANSWER)))
    # When the refund is made
    outcome = payments.refund(ORDER)
    # Then it is pending under the refund's pspReference, for the amount Adyen acknowledged
    assert outcome.provider == "adyen"
    assert outcome.refund_id == "991637486645073C"
    assert outcome.status is RefundStatus.PENDING
    assert outcome.amount == Money.of("25.00", "EUR")
    # And the log remembers the payment, the refund and its status
    entry = logged(documents)
    assert entry["payment_reference"] == "993617895204576J"
    assert (entry["refund_id"], entry["status"]) == ("991637486645073C", "pending")


def test_the_log_is_written_before_adyen_is_called() -> None:
    # Given Adyen does not answer in time
    payments, documents = adapter(Fake(TimeoutError()))
    # When the refund is attempted
    with pytest.raises(PaymentTimeout):
        payments.refund(ORDER)
    # Then the log already names the payment, and no refund id (none was acknowledged)
    entry = logged(documents)
    assert entry["payment_reference"] == "993617895204576J"
    assert "refund_id" not in entry


def test_adyens_422_is_a_rejection_naming_its_error_code_and_message_but_not_the_key() -> None:
    # Given Adyen refuses with its ServiceError body
    payments, _ = adapter(Fake((422, ERROR_422)))
    # When the refund is made, Then it is rejected with Adyen's errorCode and message
    with pytest.raises(PaymentRejected) as rejected:
        payments.refund(ORDER)
    assert "101" in str(rejected.value)
    assert "Invalid card number" in str(rejected.value)
    assert API_KEY not in str(rejected.value)


def test_a_4xx_without_a_readable_body_is_still_a_rejection() -> None:
    payments, _ = adapter(Fake((403, b"<html>forbidden</html>")))
    with pytest.raises(PaymentRejected, match="adyen HTTP 403"):
        payments.refund(ORDER)


@pytest.mark.parametrize("failure", [(500, b"{}"), (503, b""), (429, b""), ConnectionResetError()])
def test_a_provider_outage_is_unavailable_so_the_refund_is_retried(failure: tuple[int, bytes] | Exception) -> None:
    # Given Adyen is down, overloaded or the connection drops
    payments, _ = adapter(Fake(failure))
    # When the refund is made, Then it is unavailable (a retry with the same key is safe)
    with pytest.raises(PaymentUnavailable):
        payments.refund(ORDER)


@pytest.mark.parametrize("failure", [TimeoutError(), (408, b""), (504, b"")])
def test_no_answer_in_time_is_a_timeout(failure: tuple[int, bytes] | Exception) -> None:
    payments, _ = adapter(Fake(failure))
    with pytest.raises(PaymentTimeout):
        payments.refund(ORDER)


def test_after_a_timeout_find_refund_replays_the_same_request_and_gets_the_original_refund() -> None:
    # Given the refund call timed out, and Adyen answers the repeated key with the original refund
    fake = Fake(TimeoutError(), (201, ANSWER))
    payments, _ = adapter(fake)
    with pytest.raises(PaymentTimeout):
        payments.refund(ORDER)
    # When the refund is looked up
    found = payments.find_refund(KEY)
    # Then the very same request went again under the same Idempotency-Key (so Adyen cannot pay twice)
    first, second = fake.sent
    assert second[1] == first[1] == REFUNDS_URL
    assert second[2]["Idempotency-Key"] == first[2]["Idempotency-Key"] == KEY
    assert second[3] == first[3]
    # And the outcome is the acknowledged refund, pending
    assert found is not None
    assert (found.refund_id, found.status, found.amount) == (
        "991637486645073C",
        RefundStatus.PENDING,
        Money.of("25.00", "EUR"),
    )
    # And a further lookup answers from the log without calling Adyen again
    assert payments.find_refund(KEY) == found
    assert len(fake.sent) == 2


def test_find_refund_times_out_when_the_replay_times_out_too() -> None:
    fake = Fake(TimeoutError(), TimeoutError())
    payments, _ = adapter(fake)
    with pytest.raises(PaymentTimeout):
        payments.refund(ORDER)
    with pytest.raises(PaymentTimeout):
        payments.find_refund(KEY)


def test_find_refund_without_a_log_is_none_and_calls_nobody() -> None:
    fake = Fake()
    payments, _ = adapter(fake)
    assert payments.find_refund(KEY) is None
    assert fake.sent == []


def test_a_jpy_refund_goes_as_whole_yen() -> None:
    # Given Adyen acknowledges a yen refund
    answer = json.loads(ANSWER) | {"amount": {"value": 1500, "currency": "JPY"}}
    fake = Fake((201, json.dumps(answer).encode()))
    payments, _ = adapter(fake)
    # When JPY 1500 is refunded
    outcome = payments.refund(RefundOrder("993617895204576J", Money.of("1500", "JPY"), KEY, "return"))
    # Then Adyen is sent 1500 (yen have no minor unit) and the outcome is JPY 1500
    assert fake.body(0)["amount"] == {"value": 1500, "currency": "JPY"}
    assert outcome.amount == Money.of("1500", "JPY")


def test_iceland_krona_goes_with_the_two_decimals_adyen_documents() -> None:
    # Given Adyen counts ISK in hundredths, though ISO 4217 gives it none
    answer = json.loads(ANSWER) | {"amount": {"value": 279000, "currency": "ISK"}}
    fake = Fake((201, json.dumps(answer).encode()))
    payments, _ = adapter(fake)
    # When ISK 2790 is refunded
    outcome = payments.refund(RefundOrder("993617895204576J", Money.of("2790", "ISK"), KEY, "return"))
    # Then Adyen is sent 279000, and its answer reads back as ISK 2790
    assert fake.body(0)["amount"] == {"value": 279000, "currency": "ISK"}
    assert outcome.amount == Money.of("2790", "ISK")


def test_an_amount_adyen_cannot_express_is_rejected_before_anything_is_sent() -> None:
    # Given Adyen counts IDR in whole rupiah, though ISO 4217 gives it two decimals
    fake = Fake()
    payments, documents = adapter(fake)
    # When IDR 15000.50 is refunded, Then it is rejected, nothing is sent and nothing is logged
    with pytest.raises(PaymentRejected, match="IDR"):
        payments.refund(RefundOrder("993617895204576J", Money.of("15000.50", "IDR"), KEY, "return"))
    assert fake.sent == []
    assert documents.objects == {}


def test_a_live_base_url_is_used_as_given() -> None:
    # Given a live account's own host (with a trailing slash)
    live = "https://1797a841fbb37ca7-AdyenDemo-checkout-live.adyenpayments.com/checkout/v71"
    fake = Fake((201, ANSWER))
    payments, _ = adapter(fake, base_url=live + "/")
    # When a refund is made, Then it goes to that host's refunds for the payment
    payments.refund(ORDER)
    assert fake.sent[0][1] == live + "/payments/993617895204576J/refunds"


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("return ret_01JEXAMPLE0001", "RETURN"),
        ("Returned goods", "RETURN"),
        ("duplicate charge", "DUPLICATE"),
        ("fraud suspected", "FRAUD"),
        ("customer asked", "CUSTOMER REQUEST"),
        ("goodwill", "OTHER"),
        ("", "OTHER"),
    ],
)
def test_our_reason_maps_to_adyens_refund_reason(reason: str, code: str) -> None:
    assert merchant_refund_reason(reason) == code
