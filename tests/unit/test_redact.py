"""Log redaction: shoppers' emails, names and addresses never reach the logs."""

from __future__ import annotations

import pytest

from returns_core.observability import redact


def test_personal_keys_are_removed_at_any_depth() -> None:
    # Given a return record as it might be logged
    record = {
        "return_id": "ret_1",
        "order": {
            "order_number": "1001",
            "email": "ana.silva@example.com",
            "shopper_name": "Ana Silva",
            "address": {"street": "Rua Augusta 1", "country": "PT"},
            "lines": [{"sku": "JUMPER-M", "quantity": 1}],
        },
        "notification": {"to": "ana.silva@example.com", "template": "label_ready"},
        "phone": "+351 900 000 000",
    }
    # When redacted
    safe = redact(record)
    # Then nothing personal is left, and what ops need to find the return still is
    assert safe == {
        "return_id": "ret_1",
        "order": {
            "order_number": "1001",
            "email": "[redacted]",
            "shopper_name": "[redacted]",
            "address": "[redacted]",
            "lines": [{"sku": "JUMPER-M", "quantity": 1}],
        },
        "notification": {"to": "[redacted]", "template": "label_ready"},
        "phone": "[redacted]",
    }
    assert "ana.silva" not in repr(safe)


def test_keys_are_matched_whatever_their_case() -> None:
    assert redact({"Email": "x", "PHONE": "y", "Shopper_Name": "z"}) == {
        "Email": "[redacted]",
        "PHONE": "[redacted]",
        "Shopper_Name": "[redacted]",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("refund sent to ana.silva@example.com today", "refund sent to [email] today"),
        ("a@b.de and c.d@shop.co.uk", "[email] and [email]"),
        ("no personal data here", "no personal data here"),
    ],
)
def test_emails_inside_free_text_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_emails_in_lists_and_tuples_under_harmless_keys_are_masked() -> None:
    safe = redact({"notes": ["call back", ("forwarded by ops@shop.example", 3)], "count": 2, "ok": True})
    assert safe == {"notes": ["call back", ["forwarded by [email]", 3]], "count": 2, "ok": True}


def test_the_original_is_left_untouched() -> None:
    record = {"email": "ana.silva@example.com", "items": ["ana.silva@example.com"]}
    redact(record)
    assert record == {"email": "ana.silva@example.com", "items": ["ana.silva@example.com"]}


def test_non_text_keys_do_not_break_logging() -> None:
    # Given a dict keyed by HTTP status (e.g. a retry histogram) / When redacted / Then it is returned as is
    assert redact({200: 3, 503: {"email": "a@b.de"}}) == {200: 3, 503: {"email": "[redacted]"}}
