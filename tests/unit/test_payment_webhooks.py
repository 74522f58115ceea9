"""Payment-provider refund webhooks: Stripe and Adyen, verified, then read into one PaymentEvent."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from returns_core.money import Money
from returns_core.ports.payments import RefundStatus
from returns_core.webhooks.normalising import UnreadablePayload
from returns_core.webhooks.payment_events import (
    ADYEN_SIGNED_FIELDS,
    PaymentEvent,
    adyen_events,
    adyen_signing_string,
    stripe_events,
)
from returns_core.webhooks.signatures import SignatureInvalid, sign_timestamped
from tests.unit.test_carrier_webhooks import fixture_body

STRIPE_SECRET = "whsec_test_secret"
STRIPE_FAILED = "stripe-charge.refund.updated-failed.json"
STRIPE_FAILED_T = 1589439827
STRIPE_FAILED_HEADER = "t=1589439827,v1=60952e94bccb183dcbfd3628ea002214f4762bdeb0e13af81bf54684f756243d"
STRIPE_SUCCEEDED = "stripe-charge.refund.updated-succeeded.json"
STRIPE_SUCCEEDED_T = 1581391347
STRIPE_SUCCEEDED_HEADER = "t=1581391347,v1=655487f12327eaf89953157d58721498aa59e457f359c6ec5f9984e20d9ad67a"

ADYEN_KEY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"
ADYEN_SLASHES_KEY = "74F490DD33F7327BAECC88B2947C011FC02D014A473AAA33A8EC93E4DC069174"
MADE_UP_KEY = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF"


def at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def adyen_sign(item: dict[str, Any], key_hex: str) -> dict[str, Any]:
    """A copy of `item` carrying Adyen's signature under `key_hex` (test helper; the fixtures pin the scheme)."""
    signed = copy.deepcopy(item)
    digest = hmac.new(bytes.fromhex(key_hex), adyen_signing_string(signed).encode(), hashlib.sha256).digest()
    signed.setdefault("additionalData", {})["hmacSignature"] = base64.b64encode(digest).decode()
    return signed


def envelope(*items: dict[str, Any]) -> bytes:
    return json.dumps({"live": "false", "notificationItems": [{"NotificationRequestItem": i} for i in items]}).encode()


def refund_item(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "amount": {"currency": "EUR", "value": 1500},
        "eventCode": "REFUND",
        "merchantAccountCode": "ReturnsMerchant",
        "merchantReference": "rfd-42",
        "originalReference": "PAYMENT_PSP",
        "pspReference": "REFUND_PSP",
        "reason": "",
        "success": "true",
    }
    item.update(overrides)
    return item


def stripe_body(kind: str, refund: dict[str, Any], previous: dict[str, Any] | None = None) -> bytes:
    data: dict[str, Any] = {"object": refund}
    if previous is not None:
        data["previous_attributes"] = previous
    return json.dumps({"id": "evt_test_1", "object": "event", "type": kind, "data": data}).encode()


NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
T = int(NOW.timestamp())
REFUND = {"id": "re_1", "object": "refund", "amount": 1999, "currency": "eur", "status": "pending", "metadata": {}}


class TestStripeFixtures:
    def test_the_failed_refund_verifies_at_its_signed_time_and_reads_as_failed(self) -> None:
        # Given Stripe's real charge.refund.updated (succeeded -> failed), signed at event.created
        body = fixture_body(STRIPE_FAILED)
        # When it is received at that time
        events = stripe_events(body, {"Stripe-Signature": STRIPE_FAILED_HEADER}, [STRIPE_SECRET], at(STRIPE_FAILED_T))
        # Then it is one failed refund, previously succeeded, with Stripe's reason and the amount in rupees
        assert events == [
            PaymentEvent(
                provider="stripe",
                event_id="evt_1Gib6dHLwdCOCoR7mbMhSVu0",
                refund_id="re_1Gib6ZHLwdCOCoR7VrzCnXlj",
                idempotency_key=None,
                status=RefundStatus.FAILED,
                amount=Money(Decimal("300000.00"), "INR"),
                failure_reason="expired_or_canceled_card",
                previous_status=RefundStatus.SUCCEEDED,
            )
        ]

    def test_the_succeeded_refund_verifies_and_reads_as_succeeded(self) -> None:
        # Given the anonymised succeeded refund (a pyr_ id, no previous status) / When received at its time
        body = fixture_body(STRIPE_SUCCEEDED)
        headers = {"stripe-signature": STRIPE_SUCCEEDED_HEADER}  # API Gateway lower-cases header names
        [event] = stripe_events(body, headers, [STRIPE_SECRET], at(STRIPE_SUCCEEDED_T))
        # Then it succeeded, for 12.34 EUR, with nothing before it and no failure
        assert event.refund_id == "pyr_abcde12345ABCDF"
        assert event.status is RefundStatus.SUCCEEDED
        assert event.amount == Money.of("12.34", "EUR")
        assert event.previous_status is None
        assert event.failure_reason is None

    def test_within_the_tolerance_it_still_verifies(self) -> None:
        body = fixture_body(STRIPE_FAILED)
        headers = {"Stripe-Signature": STRIPE_FAILED_HEADER}
        assert stripe_events(body, headers, [STRIPE_SECRET], at(STRIPE_FAILED_T + 299))

    @pytest.mark.parametrize("delta", [301, -301, 86_400])
    def test_a_stale_signature_is_rejected(self, delta: int) -> None:
        # Given a genuine signature / When it arrives more than 300 s from its timestamp / Then it fails
        body = fixture_body(STRIPE_FAILED)
        with pytest.raises(SignatureInvalid):
            headers = {"Stripe-Signature": STRIPE_FAILED_HEADER}
            stripe_events(body, headers, [STRIPE_SECRET], at(STRIPE_FAILED_T + delta))

    def test_a_tampered_body_is_rejected(self) -> None:
        # Given the failed refund's genuine signature / When someone rewrites "failed" as "succeeded" / Then it fails
        body = fixture_body(STRIPE_FAILED).replace(b'"status": "failed"', b'"status": "succeeded"')
        with pytest.raises(SignatureInvalid):
            stripe_events(body, {"Stripe-Signature": STRIPE_FAILED_HEADER}, [STRIPE_SECRET], at(STRIPE_FAILED_T))

    def test_during_a_rotation_the_second_secret_verifies(self) -> None:
        # Given the new secret first and the old (signing) one second / Then the event is accepted
        body = fixture_body(STRIPE_FAILED)
        secrets = ["whsec_new_rotated_secret", STRIPE_SECRET]
        assert stripe_events(body, {"Stripe-Signature": STRIPE_FAILED_HEADER}, secrets, at(STRIPE_FAILED_T))

    def test_one_matching_v1_among_several_verifies(self) -> None:
        body = fixture_body(STRIPE_FAILED)
        value = STRIPE_FAILED_HEADER.replace("t=1589439827,", "t=1589439827,v1=" + "0" * 64 + ",")
        assert stripe_events(body, {"Stripe-Signature": value}, [STRIPE_SECRET], at(STRIPE_FAILED_T))

    def test_the_wrong_secret_is_rejected(self) -> None:
        body = fixture_body(STRIPE_FAILED)
        with pytest.raises(SignatureInvalid):
            stripe_events(body, {"Stripe-Signature": STRIPE_FAILED_HEADER}, ["whsec_other"], at(STRIPE_FAILED_T))


class TestStripeEvents:
    def sign(self, body: bytes, secret: str = STRIPE_SECRET) -> dict[str, str]:
        return {"Stripe-Signature": sign_timestamped(secret.encode(), body, T)}

    def test_a_refund_event_of_another_type_is_ignored(self) -> None:
        # Given a verified charge.succeeded / When it is read / Then it is acknowledged and yields nothing
        body = stripe_body("charge.succeeded", {"id": "ch_1", "object": "charge"})
        assert stripe_events(body, self.sign(body), [STRIPE_SECRET], NOW) == []

    @pytest.mark.parametrize("kind", ["refund.created", "refund.updated", "refund.failed", "charge.refund.updated"])
    def test_every_refund_event_type_is_read(self, kind: str) -> None:
        body = stripe_body(kind, REFUND)
        [event] = stripe_events(body, self.sign(body), [STRIPE_SECRET], NOW)
        assert (event.refund_id, event.status, event.amount) == ("re_1", RefundStatus.PENDING, Money.of("19.99", "EUR"))

    def test_our_idempotency_key_comes_from_the_refund_metadata(self) -> None:
        # Given a refund we created with our idempotency key in its metadata
        refund = {**REFUND, "status": "requires_action", "metadata": {"idempotency_key": "rfd-123:refund"}}
        body = stripe_body("refund.updated", refund, previous={"status": "pending"})
        [event] = stripe_events(body, self.sign(body), [STRIPE_SECRET], NOW)
        # Then the event carries our key, and the status it moved from
        assert event.idempotency_key == "rfd-123:refund"
        assert event.status is RefundStatus.REQUIRES_ACTION
        assert event.previous_status is RefundStatus.PENDING

    def test_a_missing_header_is_rejected(self) -> None:
        body = stripe_body("refund.updated", REFUND)
        with pytest.raises(SignatureInvalid):
            stripe_events(body, {"content-type": "application/json"}, [STRIPE_SECRET], NOW)

    @pytest.mark.parametrize("secrets", [[], [""]])
    def test_no_secret_configured_is_rejected(self, secrets: list[str]) -> None:
        # an empty key would accept a signature anyone can compute
        body = stripe_body("refund.updated", REFUND)
        with pytest.raises(SignatureInvalid):
            stripe_events(body, {"Stripe-Signature": sign_timestamped(b"", body, T)}, secrets, NOW)

    def test_the_signature_is_checked_before_the_body_is_parsed(self) -> None:
        # Given garbage with a wrong signature / Then it is a signature failure, not a parse failure
        with pytest.raises(SignatureInvalid):
            stripe_events(b"not json", self.sign(b"other body"), [STRIPE_SECRET], NOW)

    def test_verified_but_unparseable_json_is_unreadable(self) -> None:
        body = b"{not json"
        with pytest.raises(UnreadablePayload):
            stripe_events(body, self.sign(body), [STRIPE_SECRET], NOW)

    @pytest.mark.parametrize("missing", ["id", "status", "amount", "currency"])
    def test_a_refund_without_a_required_field_is_unreadable(self, missing: str) -> None:
        refund = {key: value for key, value in REFUND.items() if key != missing}
        body = stripe_body("refund.updated", refund)
        with pytest.raises(UnreadablePayload):
            stripe_events(body, self.sign(body), [STRIPE_SECRET], NOW)

    def test_an_unknown_refund_status_is_unreadable(self) -> None:
        body = stripe_body("refund.updated", {**REFUND, "status": "teleported"})
        with pytest.raises(UnreadablePayload):
            stripe_events(body, self.sign(body), [STRIPE_SECRET], NOW)


class TestAdyenFixtures:
    @pytest.mark.parametrize(
        ("name", "status", "reason"),
        [
            ("adyen-refund-true.signed.json", RefundStatus.SUCCEEDED, None),
            ("adyen-refund-false.signed.json", RefundStatus.FAILED, "Insufficient balance on payment"),
        ],
    )
    def test_the_signed_refunds_verify_and_read(self, name: str, status: RefundStatus, reason: str | None) -> None:
        # Given Adyen's REFUND notification with a computed signature / When it is read with the key
        [event] = adyen_events(fixture_body(name), [ADYEN_KEY])
        # Then it is the refund's outcome, for 15.00 EUR, keyed by our merchantReference
        assert event.provider == "adyen"
        assert event.status is status
        assert event.amount == Money.of("15.00", "EUR")
        assert event.idempotency_key == "payment-2017-1-17-11-refund"
        assert event.refund_id == "PSP_REFERENCE"
        assert event.event_id == f"PSP_REFERENCE:REFUND:{'true' if status is RefundStatus.SUCCEEDED else 'false'}"
        assert event.failure_reason == reason
        assert event.previous_status is None

    @pytest.mark.parametrize("name", ["adyen-refund-true.json", "adyen-refund-false.json"])
    def test_the_unverifiable_embedded_signature_is_rejected(self, name: str) -> None:
        # Given the SDK mock whose stated signature matches no published key / Then it is rejected
        with pytest.raises(SignatureInvalid):
            adyen_events(fixture_body(name), [ADYEN_KEY])

    def test_the_mixed_slashes_authorisation_verifies_but_yields_no_event(self) -> None:
        # Given a real AUTHORISATION item whose merchantReference holds \:/\/, wrapped in an envelope
        item = json.loads(fixture_body("adyen-authorisation-item-mixed-slashes.json"))
        # When it is read with its key / Then its stated signature verifies (no escaping) and it is skipped
        assert adyen_events(envelope(item), [ADYEN_SLASHES_KEY]) == []
        # and the same item under another key is rejected, so it really was verified
        with pytest.raises(SignatureInvalid):
            adyen_events(envelope(item), [ADYEN_KEY])

    def test_a_signature_made_with_a_made_up_key_is_rejected(self) -> None:
        forged = adyen_sign(refund_item(), MADE_UP_KEY)
        with pytest.raises(SignatureInvalid):
            adyen_events(envelope(forged), [ADYEN_KEY])

    def test_the_signed_fixture_under_a_made_up_key_is_rejected(self) -> None:
        with pytest.raises(SignatureInvalid):
            adyen_events(fixture_body("adyen-refund-true.signed.json"), [MADE_UP_KEY])

    @pytest.mark.parametrize("keys", [[], [""], ["not-hex"], ["  "]])
    def test_no_usable_key_is_rejected(self, keys: list[str]) -> None:
        with pytest.raises(SignatureInvalid):
            adyen_events(fixture_body("adyen-refund-true.signed.json"), keys)

    def test_during_a_rotation_any_configured_key_verifies(self) -> None:
        assert adyen_events(fixture_body("adyen-refund-true.signed.json"), [MADE_UP_KEY, ADYEN_KEY.lower()])


class TestAdyenEvents:
    def test_one_bad_item_rejects_the_whole_batch(self) -> None:
        # Given two items, the second signed with a made-up key / Then nothing is accepted (Adyen retries)
        good = adyen_sign(refund_item(), ADYEN_KEY)
        bad = adyen_sign(refund_item(pspReference="OTHER"), MADE_UP_KEY)
        with pytest.raises(SignatureInvalid):
            adyen_events(envelope(good, bad), [ADYEN_KEY])

    def test_an_item_without_a_signature_is_rejected(self) -> None:
        with pytest.raises(SignatureInvalid):
            adyen_events(envelope(refund_item()), [ADYEN_KEY])

    @pytest.mark.parametrize(
        ("code", "success", "status", "previous"),
        [
            ("REFUND", "true", RefundStatus.SUCCEEDED, None),
            ("REFUND", "false", RefundStatus.FAILED, None),
            ("CANCEL_OR_REFUND", "true", RefundStatus.SUCCEEDED, None),
            ("CANCEL_OR_REFUND", "false", RefundStatus.FAILED, None),
            ("REFUND_FAILED", "true", RefundStatus.FAILED, None),
            ("REFUNDED_REVERSED", "true", RefundStatus.FAILED, RefundStatus.SUCCEEDED),
        ],
    )
    def test_refund_event_codes_map_to_statuses(
        self, code: str, success: str, status: RefundStatus, previous: RefundStatus | None
    ) -> None:
        item = adyen_sign(refund_item(eventCode=code, success=success, reason="Refused by issuer"), ADYEN_KEY)
        [event] = adyen_events(envelope(item), [ADYEN_KEY])
        assert (event.status, event.previous_status) == (status, previous)
        assert event.event_id == f"REFUND_PSP:{code}:{success}"
        assert event.failure_reason == (None if status is RefundStatus.SUCCEEDED else "Refused by issuer")

    def test_other_event_codes_are_verified_then_skipped(self) -> None:
        capture = adyen_sign(refund_item(eventCode="CAPTURE"), ADYEN_KEY)
        refund = adyen_sign(refund_item(), ADYEN_KEY)
        events = adyen_events(envelope(capture, refund), [ADYEN_KEY])
        assert [event.event_id for event in events] == ["REFUND_PSP:REFUND:true"]

    def test_a_zero_decimal_currency_is_read_in_whole_units(self) -> None:
        item = adyen_sign(refund_item(amount={"currency": "JPY", "value": 1500}), ADYEN_KEY)
        [event] = adyen_events(envelope(item), [ADYEN_KEY])
        assert event.amount == Money.of("1500", "JPY")

    @pytest.mark.parametrize("body", [b"not json", b"[]", b'{"live": "false"}', b'{"notificationItems": [{}]}'])
    def test_a_body_that_is_not_a_notification_is_unreadable(self, body: bytes) -> None:
        with pytest.raises(UnreadablePayload):
            adyen_events(body, [ADYEN_KEY])


def _get(item: dict[str, Any], field: str) -> Any:
    if field.startswith("amount."):
        return item["amount"][field.removeprefix("amount.")]
    return item[field]


def _set(item: dict[str, Any], field: str, value: Any) -> None:
    if field.startswith("amount."):
        item["amount"][field.removeprefix("amount.")] = value
    else:
        item[field] = value


@settings(max_examples=200, deadline=None)
@given(field=st.sampled_from(ADYEN_SIGNED_FIELDS), position=st.integers(min_value=0), data=st.data())
def test_any_single_byte_change_in_a_signed_field_is_rejected(field: str, position: int, data: st.DataObject) -> None:
    # Given a genuinely signed REFUND item
    item = adyen_sign(refund_item(), ADYEN_KEY)
    original = _get(item, field)
    text = str(original)
    index = position % len(text)
    # When one character of one signed field changes (digits stay digits, so the amount stays a number)
    alphabet = "0123456789" if isinstance(original, int) else [chr(c) for c in range(0x20, 0x7F)]
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != text[index]]))
    changed = text[:index] + replacement + text[index + 1 :]
    _set(item, field, int(changed) if isinstance(original, int) else changed)
    # Then the batch is rejected
    with pytest.raises(SignatureInvalid):
        adyen_events(envelope(item), [ADYEN_KEY])
