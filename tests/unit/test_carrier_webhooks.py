"""Third-party carrier webhooks (EasyPost, AfterShip, Shippo): their signatures and their vocabularies.

The payloads and most signature vectors are the providers' own (see SOURCES.md beside them in
../shared/fixtures/webhooks, outside the repository); tests that need one skip when it is absent.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from returns_core.domain.scans import ScanEvent, ScanStatus
from returns_core.webhooks import aftership, easypost, providers, sandbox, shippo
from returns_core.webhooks.normalising import UnreadablePayload
from returns_core.webhooks.signatures import SignatureInvalid

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "webhooks"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

EASYPOST_SECRET = "sécret"
AFTERSHIP_SECRET = "aftership_test_webhook_secret"
SHIPPO_SECRET = "shippo_test_hmac_secret"
SHIPPO_SIGNED_AT = datetime.fromtimestamp(1688493073, UTC)

# (file, X-Hmac-Signature) — stated by EasyPost's SDK tests, or computed with EasyPost's documented scheme.
EASYPOST_VECTORS = [
    pytest.param(
        "easypost-event-tracker-updated.signed.json",
        "hmac-sha256-hex=38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527db",
        id="tracker-updated-stated",
    ),
    pytest.param(
        "easypost-event-tracker-updated.2024-08-13.signed.json",
        "hmac-sha256-hex=63feed8e92d6ebeb22b51133320e2eeb89c1a786cb9c93731125b1a0ddd80a4b",
        id="tracker-updated-2024-08-13-stated",
    ),
    pytest.param(
        "easypost-event-batch-created.signed.json",
        "hmac-sha256-hex=e93977c8ccb20363d51a62b3fe1fc402b7829be1152da9e88cf9e8d07115a46b",
        id="batch-created-stated",
    ),
    pytest.param(
        "easypost-tracker-updated-delivered.guide.json",
        "hmac-sha256-hex=270f980811a9dd307775320d3b95f402c2e51e22f8486c76209c088d5d573e37",
        id="delivered-guide-computed",
    ),
    pytest.param(
        "easypost-tracker-updated-delivered.landing.json",
        "hmac-sha256-hex=747ad3da7d5c1f2759d5113f4f25c6a1c3968d446caa8d054e5a9fa550c8b089",
        id="delivered-landing-computed",
    ),
]
EASYPOST_BODY = "easypost-event-tracker-updated.signed.json"
EASYPOST_HEADER = "hmac-sha256-hex=38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527db"

AFTERSHIP_VECTORS = [
    pytest.param(
        "aftership-tracking_update-intransit.json", "PTH/9qt6BOX7RQ0KDcAVykcMQVepCPvZNKn/PFVplpM=", id="intransit"
    ),
    pytest.param(
        "aftership-tracking_update-delivered.json", "e0wYADgtOVgmDEEpXr/zm9yBogLQsG5PtkuHMHmDz1Y=", id="delivered"
    ),
]
AFTERSHIP_BODY = "aftership-tracking_update-intransit.json"
AFTERSHIP_HEADER = "PTH/9qt6BOX7RQ0KDcAVykcMQVepCPvZNKn/PFVplpM="
AFTERSHIP_HEX = "3d31fff6ab7a04e5fb450d0a0dc015ca470c4157a908fbd934a9ff3c55699693"  # the same digest, in hex

SHIPPO_BODY = "shippo-track_updated.docs-example.json"
SHIPPO_HEADER = "t=1688493073,v1=61c8e82881da93b059bed66c0ebb28991eb2e9efbdf20b99140f6e6eed225f36"


def fixture_body(name: str) -> bytes:
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f"third-party webhook fixture {path} is not present (it lives outside the repository)")
    return path.read_bytes()


def tampered(body: bytes) -> bytes:
    """The body with one bit of its middle byte flipped."""
    middle = len(body) // 2
    return body[:middle] + bytes([body[middle] ^ 1]) + body[middle + 1 :]


def statuses(scans: list[ScanEvent]) -> list[ScanStatus]:
    return [scan.status for scan in scans]


# ---------------------------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------------------------


class TestRegistry:
    def test_every_provider_is_registered_under_its_path_name(self) -> None:
        assert set(providers.PROVIDERS) == {"sandbox", "easypost", "aftership", "shippo"}
        for name, module in providers.PROVIDERS.items():
            assert name == module.PROVIDER

    @pytest.mark.parametrize("name", ["acme-post", "EasyPost", "", "stripe"])
    def test_an_unknown_name_has_no_provider(self, name: str) -> None:
        assert providers.provider(name) is None

    def test_every_provider_raises_the_shared_unreadable_payload(self) -> None:
        # So the function can answer 400 for any of them with one except clause
        for module in (sandbox, easypost, aftership, shippo):
            assert module.UnreadablePayload is UnreadablePayload


# ---------------------------------------------------------------------------------------------------------
# EasyPost: X-Hmac-Signature: hmac-sha256-hex=<hex>, key = UTF-8 of the NFKD-normalised secret
# ---------------------------------------------------------------------------------------------------------


class TestEasyPostSignature:
    @pytest.mark.parametrize(("name", "value"), EASYPOST_VECTORS)
    def test_the_providers_vectors_verify(self, name: str, value: str) -> None:
        # Given EasyPost's real event body and the header its SDK tests expect
        body = fixture_body(name)
        # When verified with the secret "sécret" / Then it passes, byte for byte
        easypost.verify([EASYPOST_SECRET], {"X-Hmac-Signature": value}, body, NOW)
        # And our signer produces the same header
        assert easypost.sign(EASYPOST_SECRET, body) == {"X-Hmac-Signature": value}

    def test_the_node_sdks_negative_vector_is_rejected(self) -> None:
        # Given the signature easypost-node's tests use as "must not verify" for the tracker event
        body = fixture_body(EASYPOST_BODY)
        value = "hmac-sha256-hex=e93977c8ccb20363d51a62b3fe1fc402b7829be1152da9e88cf9e8d07115aaaa"
        # Then it is rejected
        with pytest.raises(SignatureInvalid):
            easypost.verify([EASYPOST_SECRET], {"X-Hmac-Signature": value}, body, NOW)

    def test_an_earlier_revision_of_the_event_does_not_verify_with_the_current_signature(self) -> None:
        # Given two revisions of one event that differ only in the tracker's weight
        current = fixture_body(EASYPOST_BODY)
        earlier = fixture_body("easypost-event-tracker-updated.2024-08-13.signed.json")
        assert current != earlier
        # When the earlier bytes arrive with the current body's signature / Then they are rejected
        with pytest.raises(SignatureInvalid):
            easypost.verify([EASYPOST_SECRET], {"X-Hmac-Signature": EASYPOST_HEADER}, earlier, NOW)

    def test_a_tampered_body_is_rejected(self) -> None:
        body = fixture_body(EASYPOST_BODY)
        with pytest.raises(SignatureInvalid):
            easypost.verify([EASYPOST_SECRET], {"X-Hmac-Signature": EASYPOST_HEADER}, tampered(body), NOW)

    def test_the_wrong_secret_is_rejected(self) -> None:
        body = fixture_body(EASYPOST_BODY)
        with pytest.raises(SignatureInvalid):
            easypost.verify(["secret"], {"X-Hmac-Signature": EASYPOST_HEADER}, body, NOW)

    def test_a_non_ascii_secret_is_used_nfkd_normalised(self) -> None:
        # Given the stated vector for the secret "sécret" (é as one code point, as typed)
        body = fixture_body(EASYPOST_BODY)
        digest = EASYPOST_HEADER.removeprefix("hmac-sha256-hex=")
        assert unicodedata.is_normalized("NFC", EASYPOST_SECRET)
        # When the key is the secret's UTF-8 as typed / Then the vector does NOT match
        as_typed = hmac.new(EASYPOST_SECRET.encode("utf-8"), body, hashlib.sha256).hexdigest()
        assert as_typed != digest
        # When it is NFKD-normalised first ("se\u0301cret") / Then it matches, as EasyPost signs
        nfkd = unicodedata.normalize("NFKD", EASYPOST_SECRET)
        assert nfkd == "se\u0301cret"
        assert hmac.new(nfkd.encode("utf-8"), body, hashlib.sha256).hexdigest() == digest
        # And verification accepts the secret in either form
        for secret in (EASYPOST_SECRET, nfkd):
            easypost.verify([secret], {"X-Hmac-Signature": EASYPOST_HEADER}, body, NOW)

    @pytest.mark.parametrize(
        "value",
        [
            "38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527db",  # no scheme prefix
            "hmac-sha1-hex=38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527db",
            "sha256=38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527db",
            "hmac-sha256-hex:38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527db",
            "hmac-sha256-hex=",
            "hmac-sha256-hex=38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527d",  # 63 digits
            "hmac-sha256-hex=38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527dbb",  # 65 digits
            "hmac-sha256-hex=38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527zz",  # not hex
            "hmac-sha256-hex=" + "\u0663" * 64,  # Arabic-Indic digits are not hex
            "hmac-sha256-hex=OPP1PBA3E9+BYWoKGG13FBlXMj7CHV/pNj25OED1J9s=",  # base64 of the right digest
            "",
            " ",
        ],
    )
    def test_a_malformed_header_is_rejected(self, value: str) -> None:
        body = fixture_body(EASYPOST_BODY)
        with pytest.raises(SignatureInvalid):
            easypost.verify([EASYPOST_SECRET], {"X-Hmac-Signature": value}, body, NOW)

    def test_a_missing_header_is_rejected(self) -> None:
        body = fixture_body(EASYPOST_BODY)
        with pytest.raises(SignatureInvalid):
            easypost.verify([EASYPOST_SECRET], {"content-type": "application/json"}, body, NOW)

    @pytest.mark.parametrize("name", ["X-Hmac-Signature", "x-hmac-signature", "X-HMAC-SIGNATURE", "x-HMAC-signature"])
    def test_the_header_name_is_matched_in_any_case(self, name: str) -> None:
        # API Gateway HTTP APIs lower-case header names; other front doors may not
        body = fixture_body(EASYPOST_BODY)
        easypost.verify([EASYPOST_SECRET], {"content-type": "application/json", name: EASYPOST_HEADER}, body, NOW)

    def test_an_upper_case_hex_digest_is_the_same_signature(self) -> None:
        body = fixture_body(EASYPOST_BODY)
        value = "hmac-sha256-hex=" + EASYPOST_HEADER.removeprefix("hmac-sha256-hex=").upper()
        easypost.verify([EASYPOST_SECRET], {"X-Hmac-Signature": value}, body, NOW)

    def test_during_a_rotation_the_matching_secret_may_come_second(self) -> None:
        # Given the new secret is configured before the old one is retired
        body = fixture_body(EASYPOST_BODY)
        # When EasyPost still signs with "sécret", listed second / Then it passes
        easypost.verify(["the-new-secret", EASYPOST_SECRET], {"X-Hmac-Signature": EASYPOST_HEADER}, body, NOW)

    def test_during_a_rotation_no_matching_secret_is_rejected(self) -> None:
        body = fixture_body(EASYPOST_BODY)
        with pytest.raises(SignatureInvalid):
            easypost.verify(["the-new-secret", "the-old-secret"], {"X-Hmac-Signature": EASYPOST_HEADER}, body, NOW)

    @pytest.mark.parametrize("secrets", [[], [""]], ids=["none", "empty"])
    def test_without_a_configured_secret_even_an_empty_key_signature_is_rejected(self, secrets: list[str]) -> None:
        # Given a forger signs with an empty key / When no secret is configured / Then it is rejected
        body = b'{"description":"tracker.updated"}'
        with pytest.raises(SignatureInvalid):
            easypost.verify(secrets, easypost.sign("", body), body, NOW)


# ---------------------------------------------------------------------------------------------------------
# AfterShip: aftership-hmac-sha256: base64(HMAC-SHA256(secret, raw body))
# ---------------------------------------------------------------------------------------------------------


class TestAfterShipSignature:
    @pytest.mark.parametrize(("name", "value"), AFTERSHIP_VECTORS)
    def test_the_computed_vectors_verify(self, name: str, value: str) -> None:
        body = fixture_body(name)
        aftership.verify([AFTERSHIP_SECRET], {"aftership-hmac-sha256": value}, body, NOW)
        assert aftership.sign(AFTERSHIP_SECRET, body) == {"aftership-hmac-sha256": value}

    def test_a_tampered_body_is_rejected(self) -> None:
        body = fixture_body(AFTERSHIP_BODY)
        with pytest.raises(SignatureInvalid):
            aftership.verify([AFTERSHIP_SECRET], {"aftership-hmac-sha256": AFTERSHIP_HEADER}, tampered(body), NOW)

    def test_one_vector_does_not_verify_the_other_body(self) -> None:
        # Two events with the same event_id: the signature still binds the exact bytes
        delivered = fixture_body("aftership-tracking_update-delivered.json")
        with pytest.raises(SignatureInvalid):
            aftership.verify([AFTERSHIP_SECRET], {"aftership-hmac-sha256": AFTERSHIP_HEADER}, delivered, NOW)

    def test_the_wrong_secret_is_rejected(self) -> None:
        body = fixture_body(AFTERSHIP_BODY)
        with pytest.raises(SignatureInvalid):
            aftership.verify(["not-the-secret"], {"aftership-hmac-sha256": AFTERSHIP_HEADER}, body, NOW)

    @pytest.mark.parametrize(
        "value",
        [
            "PTH/9qt6BOX7RQ0KDcAVykcMQVepCPvZNKn/PFVplpM",  # padding missing
            "PTH_9qt6BOX7RQ0KDcAVykcMQVepCPvZNKn_PFVplpM=",  # URL-safe alphabet
            "sha256=PTH/9qt6BOX7RQ0KDcAVykcMQVepCPvZNKn/PFVplpM=",  # a scheme prefix
            AFTERSHIP_HEX,  # the right digest, in hex
            base64.b64encode(b"\x00" * 31).decode(),  # decodes, but not to 32 bytes
            "PTH/9qt6BOX7RQ0KDcAVykcMQVepCPvZNKn/PFVplpé=",
            "",
        ],
    )
    def test_a_malformed_header_is_rejected(self, value: str) -> None:
        body = fixture_body(AFTERSHIP_BODY)
        with pytest.raises(SignatureInvalid):
            aftership.verify([AFTERSHIP_SECRET], {"aftership-hmac-sha256": value}, body, NOW)

    def test_the_hex_form_really_is_the_right_digest(self) -> None:
        # (so the hex case above fails for its format, not its value)
        body = fixture_body(AFTERSHIP_BODY)
        digest = hmac.new(AFTERSHIP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert digest == base64.b64decode(AFTERSHIP_HEADER).hex() == AFTERSHIP_HEX

    def test_a_missing_header_is_rejected(self) -> None:
        body = fixture_body(AFTERSHIP_BODY)
        with pytest.raises(SignatureInvalid):
            aftership.verify([AFTERSHIP_SECRET], {"content-type": "application/json"}, body, NOW)

    @pytest.mark.parametrize("name", ["aftership-hmac-sha256", "Aftership-Hmac-Sha256", "AFTERSHIP-HMAC-SHA256"])
    def test_the_header_name_is_matched_in_any_case(self, name: str) -> None:
        body = fixture_body(AFTERSHIP_BODY)
        aftership.verify([AFTERSHIP_SECRET], {name: AFTERSHIP_HEADER}, body, NOW)

    def test_during_a_rotation_the_matching_secret_may_come_second(self) -> None:
        body = fixture_body(AFTERSHIP_BODY)
        aftership.verify(["the-new-secret", AFTERSHIP_SECRET], {"aftership-hmac-sha256": AFTERSHIP_HEADER}, body, NOW)

    def test_during_a_rotation_no_matching_secret_is_rejected(self) -> None:
        body = fixture_body(AFTERSHIP_BODY)
        with pytest.raises(SignatureInvalid):
            aftership.verify(["new", "old"], {"aftership-hmac-sha256": AFTERSHIP_HEADER}, body, NOW)

    @pytest.mark.parametrize("secrets", [[], [""]], ids=["none", "empty"])
    def test_without_a_configured_secret_even_an_empty_key_signature_is_rejected(self, secrets: list[str]) -> None:
        body = b'{"event":"tracking_update"}'
        with pytest.raises(SignatureInvalid):
            aftership.verify(secrets, aftership.sign("", body), body, NOW)


# ---------------------------------------------------------------------------------------------------------
# Shippo: Shippo-Auth-Signature: t=<unix>,v1=<hex> over "<t>.<raw body>", within 300 s
# ---------------------------------------------------------------------------------------------------------


class TestShippoSignature:
    def test_the_computed_vector_verifies_at_the_time_it_was_signed(self) -> None:
        # Given Shippo's docs example and the header for its docs timestamp (the clock frozen there)
        body = fixture_body(SHIPPO_BODY)
        shippo.verify([SHIPPO_SECRET], {"Shippo-Auth-Signature": SHIPPO_HEADER}, body, SHIPPO_SIGNED_AT)
        assert shippo.sign(SHIPPO_SECRET, body, 1688493073) == {"Shippo-Auth-Signature": SHIPPO_HEADER}

    @pytest.mark.parametrize("delay", [1, 299, 300, -300])
    def test_a_delivery_within_five_minutes_passes(self, delay: int) -> None:
        body = fixture_body(SHIPPO_BODY)
        now = SHIPPO_SIGNED_AT + timedelta(seconds=delay)
        shippo.verify([SHIPPO_SECRET], {"Shippo-Auth-Signature": SHIPPO_HEADER}, body, now)

    @pytest.mark.parametrize("delay", [301, 86400, -301])
    def test_a_stale_or_far_future_timestamp_is_rejected(self, delay: int) -> None:
        # Given the genuine signature replayed later (or from a skewed clock) / Then it fails
        body = fixture_body(SHIPPO_BODY)
        with pytest.raises(SignatureInvalid):
            shippo.verify(
                [SHIPPO_SECRET],
                {"Shippo-Auth-Signature": SHIPPO_HEADER},
                body,
                SHIPPO_SIGNED_AT + timedelta(seconds=delay),
            )

    def test_the_fixture_signature_is_stale_today(self) -> None:
        body = fixture_body(SHIPPO_BODY)
        with pytest.raises(SignatureInvalid):
            shippo.verify([SHIPPO_SECRET], {"Shippo-Auth-Signature": SHIPPO_HEADER}, body, datetime.now(UTC))

    def test_a_tampered_body_is_rejected(self) -> None:
        body = fixture_body(SHIPPO_BODY)
        with pytest.raises(SignatureInvalid):
            shippo.verify([SHIPPO_SECRET], {"Shippo-Auth-Signature": SHIPPO_HEADER}, tampered(body), SHIPPO_SIGNED_AT)

    def test_the_wrong_secret_is_rejected(self) -> None:
        body = fixture_body(SHIPPO_BODY)
        with pytest.raises(SignatureInvalid):
            shippo.verify(["whsec_test_secret"], {"Shippo-Auth-Signature": SHIPPO_HEADER}, body, SHIPPO_SIGNED_AT)

    @pytest.mark.parametrize(
        "value",
        [
            "v1=61c8e82881da93b059bed66c0ebb28991eb2e9efbdf20b99140f6e6eed225f36",  # no timestamp
            "t=1688493073",  # no signature
            "t=1688493073,v0=61c8e82881da93b059bed66c0ebb28991eb2e9efbdf20b99140f6e6eed225f36",  # wrong scheme
            "t=1688493073;v1=61c8e82881da93b059bed66c0ebb28991eb2e9efbdf20b99140f6e6eed225f36",
            "sha256=61c8e82881da93b059bed66c0ebb28991eb2e9efbdf20b99140f6e6eed225f36",
            "t=" + "9" * 400 + ",v1=ab",
            "",
        ],
    )
    def test_a_malformed_header_is_rejected(self, value: str) -> None:
        body = fixture_body(SHIPPO_BODY)
        with pytest.raises(SignatureInvalid):
            shippo.verify([SHIPPO_SECRET], {"Shippo-Auth-Signature": value}, body, SHIPPO_SIGNED_AT)

    def test_a_missing_header_is_rejected(self) -> None:
        body = fixture_body(SHIPPO_BODY)
        with pytest.raises(SignatureInvalid):
            shippo.verify([SHIPPO_SECRET], {"content-type": "application/json"}, body, SHIPPO_SIGNED_AT)

    @pytest.mark.parametrize("name", ["Shippo-Auth-Signature", "shippo-auth-signature", "SHIPPO-AUTH-SIGNATURE"])
    def test_the_header_name_is_matched_in_any_case(self, name: str) -> None:
        body = fixture_body(SHIPPO_BODY)
        shippo.verify([SHIPPO_SECRET], {name: SHIPPO_HEADER}, body, SHIPPO_SIGNED_AT)

    def test_during_a_rotation_the_matching_secret_may_come_second(self) -> None:
        body = fixture_body(SHIPPO_BODY)
        shippo.verify(["new", SHIPPO_SECRET], {"Shippo-Auth-Signature": SHIPPO_HEADER}, body, SHIPPO_SIGNED_AT)

    def test_during_a_rotation_no_matching_secret_is_rejected(self) -> None:
        body = fixture_body(SHIPPO_BODY)
        with pytest.raises(SignatureInvalid):
            shippo.verify(["new", "old"], {"Shippo-Auth-Signature": SHIPPO_HEADER}, body, SHIPPO_SIGNED_AT)

    @pytest.mark.parametrize("secrets", [[], [""]], ids=["none", "empty"])
    def test_without_a_configured_secret_even_an_empty_key_signature_is_rejected(self, secrets: list[str]) -> None:
        body = b'{"event":"track_updated"}'
        t = int(NOW.timestamp())
        with pytest.raises(SignatureInvalid):
            shippo.verify(secrets, shippo.sign("", body, t), body, NOW)


# ---------------------------------------------------------------------------------------------------------
# Properties every scheme shares
# ---------------------------------------------------------------------------------------------------------

secrets_text = st.text(min_size=1, max_size=40).filter(lambda s: s != "")
bodies = st.binary(max_size=2000)


def _signed(provider: str, secret: str, body: bytes) -> dict[str, str]:
    if provider == "easypost":
        return easypost.sign(secret, body)
    if provider == "aftership":
        return aftership.sign(secret, body)
    if provider == "shippo":
        return shippo.sign(secret, body, int(NOW.timestamp()))
    return sandbox.sign(secret, body, int(NOW.timestamp()))


PROVIDER_NAMES = ["sandbox", "easypost", "aftership", "shippo"]


class TestSchemeProperties:
    @pytest.mark.parametrize("name", PROVIDER_NAMES)
    @settings(max_examples=60, deadline=None)
    @given(secret=secrets_text, body=bodies)
    def test_what_the_secret_signs_verifies(self, name: str, secret: str, body: bytes) -> None:
        providers.PROVIDERS[name].verify([secret], _signed(name, secret, body), body, NOW)

    @pytest.mark.parametrize("name", PROVIDER_NAMES)
    @settings(max_examples=60, deadline=None)
    @given(secret=secrets_text, body=bodies.filter(bool), data=st.data())
    def test_changing_any_byte_of_the_body_fails(self, name: str, secret: str, body: bytes, data: Any) -> None:
        headers = _signed(name, secret, body)
        at = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
        changed = body[:at] + bytes([body[at] ^ data.draw(st.integers(min_value=1, max_value=255))]) + body[at + 1 :]
        with pytest.raises(SignatureInvalid):
            providers.PROVIDERS[name].verify([secret], headers, changed, NOW)

    @pytest.mark.parametrize("name", PROVIDER_NAMES)
    @settings(max_examples=100, deadline=None)
    @given(headers=st.dictionaries(st.text(max_size=40), st.text(max_size=300), max_size=4), body=bodies)
    def test_any_headers_are_verified_or_rejected_never_crashed_on(
        self, name: str, headers: dict[str, str], body: bytes
    ) -> None:
        with contextlib.suppress(SignatureInvalid):
            providers.PROVIDERS[name].verify(["a-secret"], headers, body, NOW)

    @settings(max_examples=60, deadline=None)
    @given(secret=st.text(alphabet="eéèaáåoöcç\u0301\u0300", min_size=1, max_size=12), body=bodies)
    def test_easypost_secrets_that_are_the_same_text_are_the_same_key(self, secret: str, body: bytes) -> None:
        # Given a secret typed precomposed or decomposed / Then either form verifies the other's signature
        forms = (unicodedata.normalize("NFC", secret), unicodedata.normalize("NFD", secret))
        for typed in forms:
            easypost.verify([typed], easypost.sign(secret, body), body, NOW)


# ---------------------------------------------------------------------------------------------------------
# Normalisation: EasyPost
# ---------------------------------------------------------------------------------------------------------


def easypost_event(details: list[Any], **tracker: Any) -> bytes:
    last = details[-1] if details and isinstance(details[-1], dict) else {}
    tracker.setdefault("status", last.get("status", "unknown"))
    return json.dumps(
        {
            "id": "evt_9",
            "object": "Event",
            "description": "tracker.updated",
            "created_at": "2026-03-05T08:20:00Z",
            "result": {
                "id": "trk_9",
                "object": "Tracker",
                "tracking_code": "EZ9000000009",
                "updated_at": "2026-03-05T08:16:00Z",
                "tracking_details": details,
                **tracker,
            },
        }
    ).encode()


def easypost_detail(
    status: str, detail: str | None = None, at: str = "2026-03-05T08:15:00Z", **more: Any
) -> dict[str, Any]:
    return {
        "object": "TrackingDetail",
        "status": status,
        "status_detail": detail,
        "datetime": at,
        "tracking_location": {"city": "LEIPZIG", "state": "SN", "country": "DE", "zip": "04103"},
        **more,
    }


class TestEasyPostNormalisation:
    def test_a_real_tracker_update_becomes_one_scan_per_tracking_detail(self) -> None:
        # Given EasyPost's production FedEx event (7 tracking details)
        scans = easypost.normalise(fixture_body(EASYPOST_BODY))
        # Then one scan per detail, in the carrier's words mapped to ours
        assert statuses(scans) == [ScanStatus.LABEL_CREATED] + [ScanStatus.IN_TRANSIT] * 6
        assert {scan.provider for scan in scans} == {"easypost"}
        assert {scan.tracking_number for scan in scans} == {"1"}
        assert len({scan.event_id for scan in scans}) == 7
        assert scans[1].raw_status == "in_transit/arrived_at_facility"
        assert scans[1].occurred_at == datetime(2024, 7, 31, 19, 27, tzinfo=UTC)
        # And places are city and country only: no state, no postcode
        assert [scan.location for scan in scans[:2]] == ["US", "ORLANDO, US"]
        assert not any("32809" in (scan.location or "") or "FL" in (scan.location or "") for scan in scans)

    @pytest.mark.parametrize(
        "name", ["easypost-tracker-updated-delivered.guide.json", "easypost-tracker-updated-delivered.landing.json"]
    )
    def test_the_docs_delivered_example_is_delivered(self, name: str) -> None:
        # Given the tracking guide's delivered event (its DELIVERED detail dated before the others)
        scans = easypost.normalise(fixture_body(name))
        # Then the journey is there, ending DELIVERED
        assert statuses(scans) == [
            ScanStatus.LABEL_CREATED,
            ScanStatus.IN_TRANSIT,
            ScanStatus.IN_TRANSIT,
            ScanStatus.IN_TRANSIT,
            ScanStatus.OUT_FOR_DELIVERY,
            ScanStatus.DELIVERED,
        ]
        assert scans[0].location is None  # the carrier gave no place at all
        assert all(scan.occurred_at.tzinfo is not None for scan in scans)

    def test_a_batch_event_is_ignored(self) -> None:
        assert easypost.normalise(fixture_body("easypost-event-batch-created.signed.json")) == []

    def test_the_two_revisions_of_one_event_imply_the_same_scans(self) -> None:
        # Given the same event delivered twice in two revisions (only the weight differs)
        first = easypost.normalise(fixture_body(EASYPOST_BODY))
        second = easypost.normalise(fixture_body("easypost-event-tracker-updated.2024-08-13.signed.json"))
        # Then the scans, and their ids, are identical: the second publishes nothing new (the workflow keeps
        # the first carrier weight it sees, so the revised weight changes nothing either)
        assert [scan.model_copy(update={"weight_grams": None}) for scan in first] == [
            scan.model_copy(update={"weight_grams": None}) for scan in second
        ]
        assert [scan.event_id for scan in first] == [scan.event_id for scan in second]
        assert {scan.weight_grams for scan in first} != {scan.weight_grams for scan in second}

    def test_a_later_update_repeats_the_history_with_the_same_ids(self) -> None:
        # Given an update and the next one, which carries the whole history again plus a new detail
        history = [easypost_detail("pre_transit", "label_created", "2026-03-04T10:00:00Z")]
        history.append(easypost_detail("in_transit", "arrived_at_facility", "2026-03-05T08:15:00Z"))
        first = easypost.normalise(easypost_event(history))
        later = json.loads(easypost_event([*history, easypost_detail("out_for_delivery", at="2026-03-06T07:00:00Z")]))
        later["id"] = "evt_10"
        second = easypost.normalise(json.dumps(later).encode())
        # Then the repeated details keep their ids (each is published once), the new one is new
        assert [scan.event_id for scan in second[:2]] == [scan.event_id for scan in first]
        assert second[2].status is ScanStatus.OUT_FOR_DELIVERY
        assert second[2].event_id not in {scan.event_id for scan in first}

    @pytest.mark.parametrize(
        ("status", "detail", "expected"),
        [
            ("unknown", None, ScanStatus.STALE),
            ("pre_transit", "label_created", ScanStatus.LABEL_CREATED),
            ("in_transit", "received_at_origin_facility", ScanStatus.IN_TRANSIT),
            ("in_transit", "arrived_at_facility", ScanStatus.IN_TRANSIT),
            ("in_transit", "held", ScanStatus.CUSTOMS_HOLD),
            ("in_transit", "awaiting_information", ScanStatus.CUSTOMS_HOLD),
            ("out_for_delivery", "out_for_delivery", ScanStatus.OUT_FOR_DELIVERY),
            ("out_for_delivery", "delivery_exception", ScanStatus.DELIVERY_ATTEMPTED),
            ("available_for_pickup", "arrived_at_pickup_location", ScanStatus.AVAILABLE_FOR_PICKUP),
            ("delivered", None, ScanStatus.DELIVERED),
            ("return_to_sender", "return", ScanStatus.RETURN_FAILED),  # a return label bouncing to the shopper
            ("failure", "refused", ScanStatus.RETURN_FAILED),
            ("failure", "lost", ScanStatus.LOST_OR_DAMAGED),
            ("failure", "damaged", ScanStatus.LOST_OR_DAMAGED),
            ("failure", None, ScanStatus.LOST_OR_DAMAGED),
            ("cancelled", "cancelled", ScanStatus.CANCELLED),
            ("IN_TRANSIT", "HELD", ScanStatus.CUSTOMS_HOLD),
        ],
    )
    def test_the_vocabulary(self, status: str, detail: str | None, expected: ScanStatus) -> None:
        [scan] = easypost.normalise(easypost_event([easypost_detail(status, detail)]))
        assert scan.status is expected

    @pytest.mark.parametrize("status", ["error", "weather", ""])
    def test_statuses_we_do_not_act_on_are_ignored(self, status: str) -> None:
        assert easypost.normalise(easypost_event([easypost_detail(status)], status=status)) == []

    def test_a_tracker_status_no_detail_carries_becomes_a_scan(self) -> None:
        # Given a cancelled tracker whose details never said so
        body = easypost_event([easypost_detail("pre_transit", "label_created")], status="cancelled")
        # Then its own status is a scan too, dated when the tracker changed
        scans = easypost.normalise(body)
        assert statuses(scans) == [ScanStatus.LABEL_CREATED, ScanStatus.CANCELLED]
        assert scans[1].occurred_at == datetime(2026, 3, 5, 8, 16, tzinfo=UTC)

    def test_a_new_tracker_without_details_is_its_own_status(self) -> None:
        # Given tracker.created for a label that has no scans yet
        event = json.loads(easypost_event([], status="pre_transit"))
        event["description"] = "tracker.created"
        # Then its status is the one scan
        [scan] = easypost.normalise(json.dumps(event).encode())
        assert (scan.status, scan.tracking_number) == (ScanStatus.LABEL_CREATED, "EZ9000000009")

    def test_a_time_without_a_zone_is_utc_and_offsets_are_converted(self) -> None:
        naive, offset = easypost.normalise(
            easypost_event(
                [
                    easypost_detail("in_transit", at="2026-03-05T08:15:00"),
                    easypost_detail("out_for_delivery", at="2026-03-05T09:15:00+01:00"),
                ]
            )
        )
        assert naive.occurred_at == datetime(2026, 3, 5, 8, 15, tzinfo=UTC)
        assert offset.occurred_at == datetime(2026, 3, 5, 8, 15, tzinfo=UTC)
        assert offset.occurred_at.utcoffset() == timedelta(0)

    @pytest.mark.parametrize(
        "raw",
        [
            b"",
            b"not json",
            b"\xff\xfe",
            b"[]",
            b'{"id": "evt_1"}',  # not an event
            b'{"description": "tracker.updated", "result": null}',
            b'{"description": "tracker.updated", "result": {"status": "delivered"}}',  # no tracking code
            easypost_event([], tracking_code="X" * 65),
            easypost_event([], tracking_details={"status": "delivered"}),
            easypost_event(["delivered"]),
            easypost_event([easypost_detail("delivered", at="yesterday")]),
            easypost_event([easypost_detail("delivered", at=None)]),  # type: ignore[arg-type]
            b"[" * 100_000 + b"]" * 100_000,
        ],
        ids=[
            "empty",
            "text",
            "bytes",
            "list",
            "no-description",
            "no-tracker",
            "no-tracking-code",
            "tracking-code-too-long",
            "details-not-a-list",
            "detail-not-an-object",
            "bad-time",
            "no-time",
            "deeply-nested",
        ],
    )
    def test_an_unreadable_body_is_refused(self, raw: bytes) -> None:
        with pytest.raises(UnreadablePayload):
            easypost.normalise(raw)


# ---------------------------------------------------------------------------------------------------------
# Normalisation: AfterShip
# ---------------------------------------------------------------------------------------------------------


def aftership_event(tag: str, subtag: str | None = None, checkpoints: list[Any] | None = None, **msg: Any) -> bytes:
    return json.dumps(
        {
            "event": "tracking_update",
            "event_id": "7c1e4f0a-0000-4000-8000-000000000001",
            "msg": {
                "tracking_number": "1Z999AA10123456784",
                "slug": "ups",
                "tag": tag,
                "subtag": subtag,
                "order_number": "ORD-77",
                "customer_name": "Jane Shopper",
                "checkpoints": checkpoints or [],
                **msg,
            },
            "ts": 1772698500,  # 2026-03-05T08:15:00Z
        }
    ).encode()


class TestAfterShipNormalisation:
    def test_the_in_transit_sample_is_in_transit(self) -> None:
        [scan] = aftership.normalise(fixture_body(AFTERSHIP_BODY))
        assert scan.status is ScanStatus.IN_TRANSIT
        assert scan.raw_status == "InTransit_001"
        assert scan.tracking_number == "0000000000000000"
        # The checkpoint's time has no zone: it is taken as UTC
        assert scan.occurred_at == datetime(2021, 1, 14, 0, 52, tzinfo=UTC)

    def test_the_delivered_sample_is_delivered_when_the_event_was_sent(self) -> None:
        # Given a delivered update with no checkpoints (the sample is trimmed)
        [scan] = aftership.normalise(fixture_body("aftership-tracking_update-delivered.json"))
        # Then the tracking's own tag is the scan, keyed on AfterShip's event id and dated by `ts`
        assert scan.status is ScanStatus.DELIVERED
        assert scan.event_id == "94dadd60-ed26-46d0-aa52-3ced925a50ff:Delivered_001"
        assert scan.occurred_at == datetime.fromtimestamp(1712741696, UTC)
        # And nothing of the order (its number) is carried
        assert "ORD-1001" not in scan.model_dump_json()

    def test_checkpoints_become_scans_and_the_current_tag_is_not_repeated(self) -> None:
        checkpoints = [
            {"checkpoint_time": "2026-03-04T10:00:00+01:00", "tag": "InfoReceived", "subtag": "InfoReceived_001"},
            {
                "checkpoint_time": "2026-03-05T08:15:00Z",
                "tag": "InTransit",
                "subtag": "InTransit_002",
                "city": "Leipzig",
                "country_region": "DEU",
                "zip": "04103",
                "location": "Hauptstrasse 1, 04103 Leipzig",
            },
        ]
        scans = aftership.normalise(aftership_event("InTransit", "InTransit_002", checkpoints))
        assert statuses(scans) == [ScanStatus.LABEL_CREATED, ScanStatus.IN_TRANSIT]
        assert scans[0].occurred_at == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
        assert scans[1].location == "Leipzig, DEU"  # never the street or postcode
        dumped = json.dumps([scan.model_dump(mode="json") for scan in scans])
        assert "Hauptstrasse" not in dumped and "04103" not in dumped and "Jane" not in dumped

    def test_a_later_update_repeats_checkpoints_with_the_same_ids(self) -> None:
        checkpoint = {"checkpoint_time": "2026-03-05T08:15:00Z", "tag": "InTransit", "subtag": "InTransit_007"}
        first = aftership.normalise(aftership_event("InTransit", "InTransit_007", [checkpoint]))
        later = json.loads(aftership_event("InTransit", "InTransit_007", [checkpoint]))
        later["event_id"] = "7c1e4f0a-0000-4000-8000-000000000002"
        assert aftership.normalise(json.dumps(later).encode()) == first

    @pytest.mark.parametrize(
        ("tag", "subtag", "expected"),
        [
            ("Pending", "Pending_001", ScanStatus.LABEL_CREATED),
            ("InfoReceived", "InfoReceived_001", ScanStatus.LABEL_CREATED),
            ("InTransit", "InTransit_002", ScanStatus.IN_TRANSIT),
            ("OutForDelivery", "OutForDelivery_001", ScanStatus.OUT_FOR_DELIVERY),
            ("AvailableForPickup", "AvailableForPickup_001", ScanStatus.AVAILABLE_FOR_PICKUP),
            ("AttemptFail", "AttemptFail_001", ScanStatus.DELIVERY_ATTEMPTED),
            ("Delivered", "Delivered_001", ScanStatus.DELIVERED),
            ("Exception", "Exception_004", ScanStatus.CUSTOMS_HOLD),
            ("Exception", "Exception_003", ScanStatus.RETURN_FAILED),
            ("Exception", "Exception_010", ScanStatus.RETURN_FAILED),
            ("Exception", "Exception_011", ScanStatus.RETURN_FAILED),
            ("Exception", "Exception_012", ScanStatus.LOST_OR_DAMAGED),
            ("Exception", "Exception_013", ScanStatus.LOST_OR_DAMAGED),
            ("Exception", "Exception_005", ScanStatus.IN_TRANSIT),
            ("Exception", "Exception_007", ScanStatus.DELIVERY_ATTEMPTED),
            ("Expired", "Expired_001", ScanStatus.STALE),
        ],
    )
    def test_the_vocabulary(self, tag: str, subtag: str, expected: ScanStatus) -> None:
        [scan] = aftership.normalise(aftership_event(tag, subtag))
        assert scan.status is expected
        assert scan.raw_status == subtag

    @pytest.mark.parametrize(("tag", "subtag"), [("Exception", "Exception_009"), ("Exception", None), ("Lost", None)])
    def test_tags_we_cannot_read_for_sure_are_ignored(self, tag: str, subtag: str | None) -> None:
        assert aftership.normalise(aftership_event(tag, subtag)) == []

    def test_other_events_are_ignored(self) -> None:
        assert aftership.normalise(b'{"event": "estimated_delivery_date_update", "msg": {}}') == []

    @pytest.mark.parametrize(
        "raw",
        [
            b"not json",
            b"[]",
            b'{"msg": {"tracking_number": "1", "tag": "Delivered"}}',  # no event
            b'{"event": "tracking_update", "msg": null}',
            b'{"event": "tracking_update", "msg": {"tag": "Delivered"}, "event_id": "e", "ts": 1}',
            aftership_event("Delivered", "Delivered_001").replace(b'"event_id"', b'"not_the_event_id"'),
            aftership_event("InTransit").replace(b'"checkpoints": []', b'"checkpoints": "many"'),
            aftership_event("InTransit", checkpoints=[{"tag": "InTransit", "checkpoint_time": "soon"}]),
        ],
        ids=["text", "list", "no-event", "no-msg", "no-tracking-number", "no-event-id", "bad-checkpoints", "bad-time"],
    )
    def test_an_unreadable_body_is_refused(self, raw: bytes) -> None:
        with pytest.raises(UnreadablePayload):
            aftership.normalise(raw)


# ---------------------------------------------------------------------------------------------------------
# Normalisation: Shippo
# ---------------------------------------------------------------------------------------------------------


def shippo_event(status: str, substatus: str | None = None, history: list[Any] | None = None, **track: Any) -> bytes:
    current = {
        "status": status,
        "substatus": {"code": substatus, "text": "", "action_required": False} if substatus else None,
        "status_date": "2026-03-05T08:15:00Z",
        "location": {"city": "Leipzig", "state": "SN", "zip": "04103", "country": "DE"},
    }
    return json.dumps(
        {
            "event": "track_updated",
            "test": False,
            "data": {
                "carrier": "dhl_express",
                "tracking_number": "JD014600006281230704",
                "address_to": {"city": "Leipzig", "zip": "04103", "country": "DE"},
                "metadata": "Order 4711",
                "tracking_status": current,
                "tracking_history": history if history is not None else [current],
                **track,
            },
        }
    ).encode()


class TestShippoNormalisation:
    def test_the_docs_example_is_its_status(self) -> None:
        # Given Shippo's docs example (status DELIVERED, repeated as the one history entry)
        [scan] = shippo.normalise(fixture_body(SHIPPO_BODY))
        # Then one DELIVERED scan: the current status and its history entry are the same scan
        assert scan.status is ScanStatus.DELIVERED
        assert scan.tracking_number == "9205590164917312751089"
        assert scan.occurred_at == datetime(2016, 7, 23, tzinfo=UTC)
        assert scan.location == "Las Vegas, US"
        assert "89101" not in scan.model_dump_json()

    def test_a_real_usps_track_becomes_its_history(self) -> None:
        # Given the real USPS Track object from shippo-python's tests, as a track_updated event's data
        track = json.loads(fixture_body("shippo-track-object.usps-delivered.json"))
        scans = shippo.normalise(json.dumps({"event": "track_updated", "test": False, "data": track}).encode())
        # Then each history entry is a scan (the current status is the last one, not repeated)
        assert statuses(scans) == [ScanStatus.STALE] * 2 + [ScanStatus.IN_TRANSIT] * 8 + [ScanStatus.DELIVERED]
        assert scans[-1].occurred_at == datetime(2016, 12, 8, 15, 19, tzinfo=UTC)
        assert scans[0].location is None
        assert {scan.location for scan in scans[1:]} == {"San Francisco, US", "Oakland, US", "Berkeley, US"}

    @pytest.mark.parametrize(
        ("status", "substatus", "expected"),
        [
            ("PRE_TRANSIT", "information_received", ScanStatus.LABEL_CREATED),
            ("TRANSIT", "package_accepted", ScanStatus.IN_TRANSIT),
            ("TRANSIT", None, ScanStatus.IN_TRANSIT),
            ("TRANSIT", "out_for_delivery", ScanStatus.OUT_FOR_DELIVERY),
            ("TRANSIT", "pickup_available", ScanStatus.AVAILABLE_FOR_PICKUP),
            ("TRANSIT", "package_held", ScanStatus.CUSTOMS_HOLD),
            ("TRANSIT", "delivery_attempted", ScanStatus.DELIVERY_ATTEMPTED),
            ("FAILURE", "notice_left", ScanStatus.DELIVERY_ATTEMPTED),
            ("DELIVERED", "delivered", ScanStatus.DELIVERED),
            ("DELIVERED", "information_received", ScanStatus.DELIVERED),  # a substatus never overrides delivery
            ("RETURNED", "return_to_sender", ScanStatus.RETURN_FAILED),
            ("FAILURE", "return_to_sender", ScanStatus.RETURN_FAILED),
            ("FAILURE", "package_lost", ScanStatus.LOST_OR_DAMAGED),
            ("FAILURE", "package_damaged", ScanStatus.LOST_OR_DAMAGED),
            ("FAILURE", None, ScanStatus.LOST_OR_DAMAGED),
            ("UNKNOWN", None, ScanStatus.STALE),
        ],
    )
    def test_the_vocabulary(self, status: str, substatus: str | None, expected: ScanStatus) -> None:
        [scan] = shippo.normalise(shippo_event(status, substatus))
        assert scan.status is expected

    def test_an_unknown_status_is_ignored(self) -> None:
        assert shippo.normalise(shippo_event("TELEPORTED")) == []

    def test_other_events_are_ignored(self) -> None:
        assert shippo.normalise(b'{"event": "transaction_created", "data": {"object_id": "x"}}') == []

    def test_the_id_is_the_same_for_the_same_status_at_the_same_time(self) -> None:
        # Given one delivery and a redelivery as part of a later, longer history
        [first] = shippo.normalise(shippo_event("TRANSIT"))
        later = shippo.normalise(
            shippo_event(
                "DELIVERED",
                history=[
                    json.loads(shippo_event("TRANSIT"))["data"]["tracking_status"],
                    {"status": "DELIVERED", "status_date": "2026-03-06T10:00:00Z"},
                ],
            )
        )
        assert later[0].event_id == first.event_id
        assert later[1].status is ScanStatus.DELIVERED

    @pytest.mark.parametrize(
        "raw",
        [
            b"not json",
            b"[]",
            b'{"data": {}}',
            b'{"event": "track_updated", "data": null}',
            b'{"event": "track_updated", "data": {"tracking_status": {"status": "DELIVERED"}}}',
            shippo_event("TRANSIT", tracking_history={"status": "TRANSIT"}),
            shippo_event("TRANSIT", tracking_history=["TRANSIT"]),
            shippo_event("TRANSIT", tracking_status={"status": "TRANSIT", "status_date": "tomorrow-ish"}),
            shippo_event("TRANSIT", tracking_status={"status": "TRANSIT"}, tracking_history=[]),
        ],
        ids=[
            "text",
            "list",
            "no-event",
            "no-data",
            "no-tracking-number",
            "history-not-a-list",
            "entry-not-an-object",
            "bad-time",
            "no-time",
        ],
    )
    def test_an_unreadable_body_is_refused(self, raw: bytes) -> None:
        with pytest.raises(UnreadablePayload):
            shippo.normalise(raw)


# ---------------------------------------------------------------------------------------------------------
# Any body: canonical scans or UnreadablePayload, never another exception
# ---------------------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=15), children, max_size=5),
    max_leaves=30,
)
# Bodies shaped like each provider's, with anything in the fields.
shaped = st.one_of(
    st.fixed_dictionaries(
        {"description": st.sampled_from(["tracker.updated", "tracker.created", "batch.created"]), "result": json_values}
    ),
    st.fixed_dictionaries(
        {
            "description": st.just("tracker.updated"),
            "result": st.fixed_dictionaries(
                {"tracking_code": json_values, "status": json_values, "tracking_details": st.lists(json_values)}
            ),
        }
    ),
    st.fixed_dictionaries({"event": st.just("tracking_update"), "event_id": json_values, "msg": json_values}),
    st.fixed_dictionaries(
        {
            "event": st.just("tracking_update"),
            "msg": st.fixed_dictionaries(
                {"tracking_number": json_values, "tag": json_values, "checkpoints": st.lists(json_values)}
            ),
        }
    ),
    st.fixed_dictionaries({"event": st.just("track_updated"), "data": json_values}),
    st.fixed_dictionaries(
        {
            "event": st.just("track_updated"),
            "data": st.fixed_dictionaries(
                {"tracking_number": json_values, "tracking_status": json_values, "tracking_history": json_values}
            ),
        }
    ),
    json_values,
)


class TestAnyBody:
    @pytest.mark.parametrize("name", PROVIDER_NAMES)
    @settings(max_examples=150, deadline=None)
    @given(document=shaped)
    def test_a_json_body_gives_scans_or_unreadable_payload(self, name: str, document: Any) -> None:
        try:
            scans = providers.PROVIDERS[name].normalise(json.dumps(document).encode())
        except UnreadablePayload:
            return
        for scan in scans:
            assert scan.provider == name
            assert scan.occurred_at.utcoffset() == timedelta(0) or name == "sandbox"

    @pytest.mark.parametrize("name", PROVIDER_NAMES)
    @settings(max_examples=60, deadline=None)
    @given(raw=st.binary(max_size=200))
    def test_any_bytes_give_scans_or_unreadable_payload(self, name: str, raw: bytes) -> None:
        with contextlib.suppress(UnreadablePayload):
            providers.PROVIDERS[name].normalise(raw)
