"""Webhook signatures: timestamped HMAC-SHA256 over the raw body, as Stripe (and our sandbox carrier) sign."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from returns_core.webhooks import sandbox
from returns_core.webhooks.signatures import (
    SignatureInvalid,
    header,
    hmac_sha256_hex,
    parse_timestamped,
    sign_timestamped,
    verify_timestamped,
)

SECRET = "whsec_sandbox_carrier"
BODY = b'{"id":"evt_1","tracking_number":"SBX000000000001","status":"delivered"}'
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
T = int(NOW.timestamp())

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "webhooks"


class TestSandboxRoundTrip:
    def test_a_signed_body_verifies(self) -> None:
        # Given the sandbox carrier signs a scan / When we verify it as received / Then it passes
        headers = sandbox.sign(SECRET, BODY, T)
        sandbox.verify([SECRET], headers, BODY, NOW)

    @pytest.mark.parametrize("name", ["x-sandbox-signature", "X-SANDBOX-SIGNATURE", "X-Sandbox-Signature"])
    def test_the_header_name_is_matched_in_any_case(self, name: str) -> None:
        # API Gateway HTTP APIs lower-case header names
        value = sandbox.sign(SECRET, BODY, T)[sandbox.SIGNATURE_HEADER]
        sandbox.verify([SECRET], {name: value, "content-type": "application/json"}, BODY, NOW)

    def test_the_wrong_secret_is_rejected(self) -> None:
        headers = sandbox.sign("someone-elses-secret", BODY, T)
        with pytest.raises(SignatureInvalid):
            sandbox.verify([SECRET], headers, BODY, NOW)

    def test_a_tampered_body_is_rejected(self) -> None:
        # Given a genuine signature / When someone turns "delivered" into "lost" / Then it fails
        headers = sandbox.sign(SECRET, BODY, T)
        with pytest.raises(SignatureInvalid):
            sandbox.verify([SECRET], headers, BODY.replace(b"delivered", b"lost"), NOW)

    def test_a_missing_header_is_rejected(self) -> None:
        with pytest.raises(SignatureInvalid):
            sandbox.verify([SECRET], {"content-type": "application/json"}, BODY, NOW)

    def test_an_empty_header_is_rejected(self) -> None:
        with pytest.raises(SignatureInvalid):
            sandbox.verify([SECRET], {sandbox.SIGNATURE_HEADER: ""}, BODY, NOW)

    def test_during_a_rotation_either_secret_verifies(self) -> None:
        # Given the old and the new secret are both configured, the matching one second
        headers = sandbox.sign(SECRET, BODY, T)
        # When verified / Then it passes
        sandbox.verify(["the-old-secret", SECRET], headers, BODY, NOW)

    def test_no_configured_secret_rejects_even_a_signature_made_with_an_empty_key(self) -> None:
        # Given a signature computed with an empty key (what a forger would try)
        headers = sandbox.sign("", BODY, T)
        # When no secret (or only an empty one) is configured / Then it is rejected, never accepted
        for secrets in ([], [""]):
            with pytest.raises(SignatureInvalid):
                sandbox.verify(secrets, headers, BODY, NOW)


class TestReplayWindow:
    @pytest.mark.parametrize("age", [0, 299, 300, -300])
    def test_a_signature_within_five_minutes_passes(self, age: int) -> None:
        value = sign_timestamped(SECRET.encode(), BODY, T - age)
        verify_timestamped(SECRET.encode(), BODY, value, NOW)

    @pytest.mark.parametrize("age", [301, 3600, -301])
    def test_an_older_or_far_future_signature_is_rejected(self, age: int) -> None:
        # Given a genuine signature replayed later (or from a skewed clock) / Then it fails
        value = sign_timestamped(SECRET.encode(), BODY, T - age)
        with pytest.raises(SignatureInvalid):
            verify_timestamped(SECRET.encode(), BODY, value, NOW)


class TestHeaderFormat:
    @pytest.mark.parametrize(
        "value",
        [
            "garbage",
            "v1=abcdef",  # no timestamp
            f"t={T}",  # no signature
            f"t={T},v1=",
            f"t=soon,v1={'0' * 64}",
            f"t=-{T},v1={'0' * 64}",
            f"t={T};v1={'0' * 64}",
            ",,,",
        ],
    )
    def test_a_malformed_header_is_rejected(self, value: str) -> None:
        with pytest.raises(SignatureInvalid):
            verify_timestamped(SECRET.encode(), BODY, value, NOW)

    def test_a_timestamp_of_unicode_digits_is_a_malformed_header(self) -> None:
        # Given a header whose timestamp is the superscript "²"
        # When verified / Then it is rejected like any malformed header, not crashed on
        with pytest.raises(SignatureInvalid):
            verify_timestamped(SECRET.encode(), BODY, f"t=\u00b2,v1={'0' * 64}", NOW)

    def test_any_matching_v1_passes_so_keys_can_be_rotated(self) -> None:
        # Given the carrier signs with the old and the new secret during a rotation
        old = sign_timestamped(b"old-secret", BODY, T).split("v1=")[1]
        new = sign_timestamped(SECRET.encode(), BODY, T).split("v1=")[1]
        # When we hold either secret / Then the header passes
        for value in (f"t={T},v1={old},v1={new}", f"t={T},v1={new},v1={old}", f"t={T}, v0=ignored, v1={new}"):
            verify_timestamped(SECRET.encode(), BODY, value, NOW)

    def test_several_v1_values_none_matching_are_rejected(self) -> None:
        with pytest.raises(SignatureInvalid):
            verify_timestamped(SECRET.encode(), BODY, f"t={T},v1={'0' * 64},v1={'f' * 64}", NOW)

    def test_the_signature_is_over_timestamp_dot_body(self) -> None:
        expected = hmac_sha256_hex(SECRET.encode(), f"{T}.".encode() + BODY)
        assert sign_timestamped(SECRET.encode(), BODY, T) == f"t={T},v1={expected}"
        assert parse_timestamped(f"t={T},v1={expected}") == (T, [expected])

    def test_header_lookup_ignores_case_and_reports_absence(self) -> None:
        assert header({"Stripe-Signature": "x"}, "stripe-signature") == "x"
        assert header({"stripe-signature": "y"}, "Stripe-Signature") == "y"
        assert header({"other": "z"}, "Stripe-Signature") is None


# Third-party vectors (see /work/shared/fixtures/webhooks/SOURCES.md): real Stripe event bodies with the
# signature Stripe's documented scheme gives for stripe-python's test secret; Shippo signs the same way.
PROVIDER_VECTORS = [
    pytest.param(
        "stripe-charge.refund.updated-failed.json",
        "whsec_test_secret",
        "t=1589439827,v1=60952e94bccb183dcbfd3628ea002214f4762bdeb0e13af81bf54684f756243d",
        id="stripe-refund-failed",
    ),
    pytest.param(
        "stripe-charge.refund.updated-succeeded.json",
        "whsec_test_secret",
        "t=1581391347,v1=655487f12327eaf89953157d58721498aa59e457f359c6ec5f9984e20d9ad67a",
        id="stripe-refund-succeeded",
    ),
    pytest.param(
        "shippo-track_updated.docs-example.json",
        "shippo_test_hmac_secret",
        "t=1688493073,v1=61c8e82881da93b059bed66c0ebb28991eb2e9efbdf20b99140f6e6eed225f36",
        id="shippo-track-updated",
    ),
]


def fixture_body(name: str) -> bytes:
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f"third-party webhook fixture {path} is not present (it lives outside the repository)")
    return path.read_bytes()


def signed_at(value: str) -> datetime:
    return datetime.fromtimestamp(int(value.split(",")[0].removeprefix("t=")), UTC)


class TestProviderVectors:
    @pytest.mark.parametrize(("name", "secret", "value"), PROVIDER_VECTORS)
    def test_our_scheme_verifies_the_providers_own_signature(self, name: str, secret: str, value: str) -> None:
        # Given a provider's real event body and the header it would send
        body = fixture_body(name)
        # When verified at the moment it was signed / Then it passes, byte for byte
        verify_timestamped(secret.encode(), body, value, signed_at(value))
        # And our own signer produces the same header
        assert sign_timestamped(secret.encode(), body, int(signed_at(value).timestamp())) == value

    @pytest.mark.parametrize(("name", "secret", "value"), PROVIDER_VECTORS)
    def test_a_provider_body_changed_by_one_byte_is_rejected(self, name: str, secret: str, value: str) -> None:
        body = fixture_body(name)
        tampered = body.replace(b"re", b"rE", 1)
        assert tampered != body
        with pytest.raises(SignatureInvalid):
            verify_timestamped(secret.encode(), tampered, value, signed_at(value))

    @pytest.mark.parametrize(("name", "secret", "value"), PROVIDER_VECTORS)
    def test_a_provider_vector_replayed_later_is_rejected(self, name: str, secret: str, value: str) -> None:
        body = fixture_body(name)
        with pytest.raises(SignatureInvalid):
            verify_timestamped(secret.encode(), body, value, signed_at(value) + timedelta(seconds=301))

    def test_a_stripe_vector_fails_with_another_secret(self) -> None:
        name, _, value = PROVIDER_VECTORS[0].values
        body = fixture_body(str(name))
        with pytest.raises(SignatureInvalid):
            verify_timestamped(b"whsec_other", body, str(value), signed_at(str(value)))
