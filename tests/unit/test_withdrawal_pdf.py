"""The confirmation of an EU withdrawal, on a durable medium (Directive 2011/83/EU Art. 11a)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from returns_core.adapters.withdrawal_pdf import WithdrawalNotice, render_withdrawal_confirmation
from tests.unit.test_label_pdf import font_names, page_count, page_texts, use_catalogs

NOTICE = WithdrawalNotice(
    return_reference="ret_01HZX",
    order_number="1001",
    seller_lines=("Unbound Goods GmbH", "Lagerstrasse 1", "20457 Hamburg", "Germany"),
    shopper_name="Jürgen Müller",
    declared_at=datetime(2026, 3, 1, 14, 5, 9, tzinfo=UTC),
    refund_deadline=date(2026, 3, 15),
    lines=(("Merino sweater", 1), ("Leather belt", 2)),
)


def text_of(pdf: bytes) -> str:
    """All text, lines joined with spaces (sentences wrap over lines)."""
    return " ".join(page_texts(pdf))


def test_it_is_a_one_page_pdf() -> None:
    pdf = render_withdrawal_confirmation(NOTICE, "en")
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert page_count(pdf) == 1


def test_it_confirms_the_date_and_time_the_withdrawal_was_received() -> None:
    text = text_of(render_withdrawal_confirmation(NOTICE, "en"))
    assert "Confirmation of your withdrawal" in text
    assert "We received your withdrawal from the contract for order 1001 on March 1, 2026, 2:05:09 PM UTC." in text


def test_it_says_when_the_refund_comes_and_when_the_goods_must_go_back() -> None:
    text = text_of(render_withdrawal_confirmation(NOTICE, "en"))
    assert "We will refund your payment, including standard delivery costs, no later than March 15, 2026." in text
    assert "We may withhold the refund until we have received the goods back" in text
    assert "Please send the goods back within 14 days of today." in text


def test_it_lists_the_withdrawn_items_and_the_references() -> None:
    texts = page_texts(render_withdrawal_confirmation(NOTICE, "en"))
    assert "Merino sweater" in texts
    assert "Leather belt" in texts
    assert "2" in texts
    assert "Return reference: ret_01HZX" in texts
    assert "Order: 1001" in texts
    assert "Unbound Goods GmbH" in texts
    assert "Dear Jürgen Müller," in texts


def test_without_a_recorded_deadline_the_refund_is_due_14_days_after_the_withdrawal() -> None:
    # Given no refund deadline recorded yet (Art. 13: 14 days from being informed of the withdrawal)
    text = text_of(render_withdrawal_confirmation(replace(NOTICE, refund_deadline=None), "en"))
    assert "no later than March 15, 2026." in text


def test_a_withdrawal_declared_at_another_offset_is_shown_in_utc() -> None:
    tokyo = datetime(2026, 3, 1, 23, 5, 9, tzinfo=timezone(timedelta(hours=9)))
    text = text_of(render_withdrawal_confirmation(replace(NOTICE, declared_at=tokyo), "en"))
    assert "on March 1, 2026, 2:05:09 PM UTC." in text


def test_the_same_confirmation_renders_to_the_same_bytes() -> None:
    assert render_withdrawal_confirmation(NOTICE, "fr") == render_withdrawal_confirmation(NOTICE, "fr")


class TestLanguages:
    def test_every_text_is_in_the_shoppers_language(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Given German translations
        use_catalogs(
            monkeypatch,
            {
                "de": {
                    "Confirmation of your withdrawal": "Bestätigung Ihres Widerrufs",
                    "We received your withdrawal from the contract for order {order} on {datetime}.": (
                        "Wir haben Ihren Widerruf des Vertrags für die Bestellung {order} am {datetime} erhalten."
                    ),
                    "We will refund your payment, including standard delivery costs, no later than {date}.": (
                        "Wir erstatten Ihre Zahlung einschließlich der Standardlieferkosten spätestens am {date}."
                    ),
                }
            },
        )
        # When a German shopper's confirmation is rendered
        text = text_of(render_withdrawal_confirmation(NOTICE, "de"))
        # Then it is German, with German dates, and no English where a translation exists
        assert "Bestätigung Ihres Widerrufs" in text
        assert "am 1. März 2026, 14:05:09 UTC erhalten." in text
        assert "spätestens am 15. März 2026." in text
        assert "Confirmation of your withdrawal" not in text

    def test_a_japanese_confirmation_is_set_in_a_japanese_font(self, monkeypatch: pytest.MonkeyPatch) -> None:
        use_catalogs(monkeypatch, {"ja": {"Confirmation of your withdrawal": "契約撤回の確認"}})
        pdf = render_withdrawal_confirmation(NOTICE, "ja")
        assert "HeiseiKakuGo-W5" in font_names(pdf)
        assert "契約撤回の確認" in page_texts(pdf)
        # the dates, untranslated sentence or not, are Japanese
        assert "2026年3月1日 14:05:09 UTC" in text_of(pdf)
        assert "2026年3月15日" in text_of(pdf)

    def test_a_simplified_chinese_confirmation_is_set_in_a_simplified_chinese_font(self) -> None:
        assert "STSong-Light" in font_names(render_withdrawal_confirmation(NOTICE, "zh-Hans"))


def test_many_items_continue_on_a_second_page() -> None:
    many = replace(NOTICE, lines=tuple((f"Item {index}", 1) for index in range(80)))
    pdf = render_withdrawal_confirmation(many, "en")
    assert page_count(pdf) >= 2
    texts = page_texts(pdf)
    assert "Item 79" in texts
    assert texts.index("Please send the goods back within 14 days of today.") > texts.index("Item 79")
