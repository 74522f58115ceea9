"""The customs papers (commercial invoice, packing list) for a cross-border return, and BuyLabel storing them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast

import pytest

from returns_core.adapters.customs_pdf import (
    PACKAGING_ALLOWANCE_GRAMS,
    CustomsInvoice,
    CustomsInvoiceLine,
    render_customs_invoice,
)
from returns_core.adapters.documents import DocumentStore
from returns_core.adapters.sandbox_carrier import SandboxCarrier
from returns_core.domain.orders import Order
from returns_core.domain.reasons import ReturnReason
from returns_core.fx import SandboxFxRates
from returns_core.money import Money
from returns_core.storage.models import ReturnRecord
from returns_core.storage.repository import OrdersRepository, ReturnsRepository
from returns_core.workflow.labels import LabelBuyer, customs_invoice_for, customs_key_for
from tests.unit.test_label_pdf import font_names, page_count, page_texts, text_runs, use_catalogs
from tests.unit.test_sandbox_carrier import InMemoryDocuments
from tests.unit.unit_factories import make_order, order_line

WAREHOUSE = ("Returns Centre", "Lagerstrasse 1", "20457 Hamburg", "Germany")

INVOICE = CustomsInvoice(
    return_reference="ret_01HZX",
    tracking_number="SBX123456789012",
    original_invoice_number="INV-1001",
    issued_on=date(2026, 3, 2),
    exporter_name="Yuki Tanaka",
    exporter_country="JP",
    consignee_lines=WAREHOUSE,
    lines=(
        CustomsInvoiceLine("Merino sweater", "611011", "PT", 2, Money.of("129.90", "EUR"), 900),
        CustomsInvoiceLine("Leather belt", "420330", "IT", 1, Money.of("45.00", "EUR"), 350),
    ),
    currency="EUR",
)

GERMAN = {
    "Commercial invoice": "Handelsrechnung",
    "Reason for export: returned goods": "Ausfuhrgrund: Rückwaren",
    "Original invoice: {number}": "Ursprüngliche Rechnung: {number}",
    "Signature": "Unterschrift",
}


GERMAN_PACKING = {
    "Packing list": "Packliste",
    "Returned goods \u2014 no change in commercial value; see the commercial invoice.": (
        "Rückware \u2014 keine Änderung des Handelswerts; siehe Handelsrechnung."
    ),
    "Tracking number": "Sendungsnummer",
    "Description": "Warenbeschreibung",
    "Total net weight": "Nettogewicht gesamt",
    "Number of packages": "Anzahl der Packstücke",
    "Total quantity": "Gesamtmenge",
    "Gross weight": "Bruttogewicht",
}


def text_of(pdf: bytes) -> str:
    return "\n".join(page_texts(pdf))


def value_after(texts: list[str], label: str) -> str:
    """What the packing list's totals row gives for its label: the value is drawn right after it, and the
    totals come after the column headings (which may use the same term)."""
    last = len(texts) - 1 - texts[::-1].index(label)
    assert any(text.startswith("Packing list") for text in texts[:last])
    return texts[last + 1]


class TestTheInvoice:
    def test_it_is_a_pdf_of_the_invoice_page_and_the_packing_list_page(self) -> None:
        pdf = render_customs_invoice(INVOICE, "en")
        assert pdf.startswith(b"%PDF-")
        assert pdf.rstrip().endswith(b"%%EOF")
        assert page_count(pdf) == 2

    def test_it_says_the_goods_are_returned_and_names_the_original_invoice(self) -> None:
        # So the destination does not charge duty on them a second time
        texts = page_texts(render_customs_invoice(INVOICE, "en"))
        assert "Reason for export: returned goods" in texts
        assert "Original invoice: INV-1001" in texts

    def test_it_lists_the_goods_with_their_customs_particulars_and_totals(self) -> None:
        texts = page_texts(render_customs_invoice(INVOICE, "en"))
        for expected in ("Merino sweater", "611011", "PT", "€129.90", "€259.80", "0.900 kg", "Leather belt"):
            assert expected in texts
        # 2 x 129.90 + 45.00, and 900 g + 350 g
        assert "€304.80" in texts
        assert "1.250 kg" in texts

    def test_it_names_exporter_consignee_and_the_shipment(self) -> None:
        texts = page_texts(render_customs_invoice(INVOICE, "en"))
        assert "Yuki Tanaka" in texts
        assert "Japan (JP)" in texts
        assert "20457 Hamburg" in texts
        assert "SBX123456789012" in texts
        assert "ret_01HZX" in texts
        assert "March 2, 2026" in texts

    def test_it_carries_a_declaration_and_a_place_to_sign_and_date(self) -> None:
        text = text_of(render_customs_invoice(INVOICE, "en"))
        assert "I declare that the information on this invoice is true and correct" in text.replace("\n", " ")
        texts = page_texts(render_customs_invoice(INVOICE, "en"))
        assert "Signature" in texts
        assert "Date" in texts
        assert "Name: Yuki Tanaka" in texts

    def test_the_same_invoice_renders_to_the_same_bytes(self) -> None:
        assert render_customs_invoice(INVOICE, "de") == render_customs_invoice(INVOICE, "de")


class TestThePackingList:
    def test_it_follows_the_invoice_on_its_own_page(self) -> None:
        # Given a two-line return / When its customs papers are rendered
        texts = page_texts(render_customs_invoice(INVOICE, "en"))
        # Then the invoice ends (signature, page 1) before the packing list starts
        packing = texts.index("Packing list")
        assert texts.index("Commercial invoice") < texts.index("Name: Yuki Tanaka") < texts.index("Page 1") < packing
        assert texts.index("Page 2") > packing
        # ...with the same header block: the parties, the date and the shipment's references
        after = texts[packing:]
        for expected in ("Yuki Tanaka", "Japan (JP)", "20457 Hamburg", "March 2, 2026", "ret_01HZX", "SBX123456789012"):
            assert expected in after
        assert after[after.index("Original invoice number") + 1] == "INV-1001"
        # ...and it says the values are the invoice's, unchanged
        assert "Returned goods \u2014 no change in commercial value; see the commercial invoice." in after

    def test_it_lists_each_line_with_hs_code_quantity_and_net_weight_but_no_values(self) -> None:
        texts = page_texts(render_customs_invoice(INVOICE, "en"))
        after = texts[texts.index("Packing list") :]
        # Given 2 sweaters weighing 900 g together / Then 0.450 kg each, 0.900 kg for the line
        sweater = after.index("Merino sweater")
        assert after[sweater : sweater + 5] == ["Merino sweater", "611011", "2", "0.450 kg", "0.900 kg"]
        belt = after.index("Leather belt")
        assert after[belt : belt + 5] == ["Leather belt", "420330", "1", "0.350 kg", "0.350 kg"]
        assert not any(text.startswith("\u20ac") for text in after)  # the values are on the invoice

    def test_its_totals_count_one_parcel_and_add_the_packaging_to_the_gross_weight(self) -> None:
        # Given a three-line return: 3 + 1 + 2 items, 1,000 g + 350 g + 1,240 g net
        multi = replace(
            INVOICE,
            lines=(
                CustomsInvoiceLine("Wool socks", "611595", "PT", 3, Money.of("12.00", "EUR"), 1000),
                CustomsInvoiceLine("Leather belt", "420330", "IT", 1, Money.of("45.00", "EUR"), 350),
                CustomsInvoiceLine("Linen shirt", "620520", "PT", 2, Money.of("59.00", "EUR"), 1240),
            ),
        )
        # When its papers are rendered
        texts = page_texts(render_customs_invoice(multi, "en"))
        # Then the packing list's totals are one parcel, 6 items, 2.590 kg net and 2.890 kg gross
        assert PACKAGING_ALLOWANCE_GRAMS == 300
        assert value_after(texts, "Number of packages") == "1"
        assert value_after(texts, "Total quantity") == "6"
        assert value_after(texts, "Total net weight") == "2.590 kg"
        assert value_after(texts, "Gross weight") == "2.890 kg"
        assert "Gross weight is the net weight plus 0.300 kg for packaging." in texts
        # ...and a weight that does not divide evenly is rounded to the gram (1,000 g / 3)
        assert "0.333 kg" in texts

    def test_its_headings_give_the_english_term_and_the_german_beside_it(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Given German translations
        use_catalogs(monkeypatch, {"de": GERMAN_PACKING})
        # When a German shopper's papers are rendered
        texts = page_texts(render_customs_invoice(INVOICE, "de"))
        # Then the packing list's title, labels and totals read in English and German
        after = texts[texts.index("Packing list / Packliste") :]
        assert "Tracking number / Sendungsnummer" in after
        assert "Number of packages / Anzahl der Packstücke" in after
        assert "Total quantity / Gesamtmenge" in after
        assert "Total net weight / Nettogewicht gesamt" in after
        assert "Gross weight / Bruttogewicht" in after
        # ...the statement in English with the German under it
        statement = after.index("Returned goods \u2014 no change in commercial value; see the commercial invoice.")
        assert after[statement + 1] == "Rückware \u2014 keine Änderung des Handelswerts; siehe Handelsrechnung."
        # ...the column headings with the German under the English
        assert after[after.index("Description") + 1] == "Warenbeschreibung"
        # ...and the weights German-formatted
        assert value_after(texts, "Gross weight / Bruttogewicht") == "1,550 kg"

    def test_an_english_packing_list_has_no_translations_beside_its_headings(self) -> None:
        texts = page_texts(render_customs_invoice(INVOICE, "en"))
        after = texts[texts.index("Packing list") :]
        assert not any(" / " in text for text in after)

    def test_a_japanese_packing_list_is_set_in_the_japanese_font(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Given Japanese translations
        use_catalogs(monkeypatch, {"ja": {"Packing list": "パッキングリスト", "Gross weight": "総重量"}})
        # When a Japanese shopper's papers are rendered
        runs = text_runs(render_customs_invoice(INVOICE, "ja"))
        # Then the packing list's Japanese is drawn in the Japanese CID font, the English in Helvetica
        assert [("Helvetica-Bold", "Packing list / "), ("HeiseiKakuGo-W5", "パッキングリスト")] in runs
        assert [("Helvetica-Bold", "Gross weight / "), ("HeiseiKakuGo-W5", "総重量")] in runs


class TestLanguages:
    def test_headings_give_the_english_term_and_the_translation_beside_it(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Given German translations
        use_catalogs(monkeypatch, {"de": GERMAN})
        # When a German shopper's invoice is rendered
        texts = page_texts(render_customs_invoice(INVOICE, "de"))
        # Then customs read the English, the shopper the German
        assert "Commercial invoice / Handelsrechnung" in texts
        assert "Reason for export: returned goods" in texts
        assert "Ausfuhrgrund: Rückwaren" in texts
        assert "Original invoice: INV-1001" in texts
        assert "Ursprüngliche Rechnung: INV-1001" in texts
        assert "Signature / Unterschrift" in texts
        # ...and amounts, weights and dates are German-formatted
        assert "129,90 €" in texts  # Babel's no-break space, which reportlab writes as a space
        assert "0,900 kg" in texts
        assert "2. März 2026" in texts

    def test_an_untranslated_term_is_not_repeated(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Given a German catalog that lacks the invoice's terms
        use_catalogs(monkeypatch, {"de": {}})
        texts = page_texts(render_customs_invoice(INVOICE, "de"))
        # Then each heading is printed once, in English
        assert "Commercial invoice" in texts
        assert not any("Commercial invoice / " in text for text in texts)
        assert texts.count("Reason for export: returned goods") == 1

    def test_a_japanese_invoice_is_set_in_a_japanese_font(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Given Japanese translations
        use_catalogs(monkeypatch, {"ja": {"Commercial invoice": "商業送り状"}})
        # When a Japanese shopper's invoice is rendered
        pdf = render_customs_invoice(INVOICE, "ja")
        # Then the Japanese is drawn in a CID font with Japanese glyphs
        assert "HeiseiKakuGo-W5" in font_names(pdf)
        assert "Commercial invoice / 商業送り状" in page_texts(pdf)
        assert "2026年3月2日" in page_texts(pdf)

    def test_a_traditional_chinese_invoice_is_set_in_a_traditional_chinese_font(self) -> None:
        pdf = render_customs_invoice(INVOICE, "zh-Hant")
        assert "MSung-Light" in font_names(pdf)


def test_a_long_invoice_continues_on_further_pages_with_the_column_headings() -> None:
    # Given 60 lines: more than a page holds
    line = INVOICE.lines[0]
    many = replace(INVOICE, lines=tuple(replace(line, description=f"Item {index}") for index in range(60)))
    # When it is rendered
    pdf = render_customs_invoice(many, "en")
    texts = page_texts(pdf)
    # Then every line is there, each page has the table's headings, and the total comes last
    pages = page_count(pdf)
    assert pages > 1
    assert all(f"Item {index}" in texts for index in range(60))
    assert texts.count("HS code") >= 2  # repeated on the page the table continues on
    assert "€15,588.00" in texts  # 60 x 2 x 129.90
    assert texts.index("€15,588.00") > texts.index("Item 59")


# --- BuyLabel: the invoice goes with every cross-border label ---

T = TypeVar("T")


class FakeReturns:
    def __init__(self, record: ReturnRecord) -> None:
        self.record = record

    def get(self, return_id: str) -> ReturnRecord:
        assert return_id == self.record.return_id
        return self.record

    def mutate(self, return_id: str, change: Callable[[ReturnRecord], T]) -> T:
        return change(self.get(return_id))


class FakeOrders:
    def __init__(self, order: Order) -> None:
        self.order = order

    def get(self, order_number: str) -> tuple[Order, Any]:
        return self.order, None


def japanese_order() -> Order:
    return make_order(
        order_line("L1", quantity=2, unit_price="24000", origin_country="CN", weight_grams=400),
        order_line("L2", unit_price="9000"),
        country="JP",
        currency="JPY",
    )


def a_return(order: Order, locale: str = "ja") -> ReturnRecord:
    return ReturnRecord(
        return_id="ret_cb1",
        order_number=order.order_number,
        status="APPROVED",
        created_at="2026-03-02T09:00:00+00:00",
        updated_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        market=order.country,
        currency=order.currency,
        locale=locale,
        request={"items": [{"line_id": "L1", "quantity": 2, "reason": ReturnReason.CHANGED_MIND.value}]},
    )


def buyer(order: Order, record: ReturnRecord, documents: InMemoryDocuments) -> LabelBuyer:
    store = cast(DocumentStore, documents)
    return LabelBuyer(
        orders=cast(OrdersRepository, FakeOrders(order)),
        returns=cast(ReturnsRepository, FakeReturns(record)),
        carrier=SandboxCarrier(store, WAREHOUSE),
        fx=SandboxFxRates(),
        warehouse_country="DE",
        now=lambda: datetime(2026, 3, 2, 10, tzinfo=UTC),
        documents=store,
        warehouse_address=WAREHOUSE,
    )


def test_the_invoice_describes_the_returned_items_of_the_order() -> None:
    order = japanese_order()
    invoice = customs_invoice_for(a_return(order), order, "SBX1", WAREHOUSE, datetime(2026, 3, 2, 23, tzinfo=UTC))
    assert invoice.original_invoice_number == "INV-1001"
    assert (invoice.exporter_name, invoice.exporter_country) == ("Ana Silva", "JP")
    assert invoice.consignee_lines == WAREHOUSE
    assert invoice.issued_on == date(2026, 3, 2)
    assert invoice.lines == (CustomsInvoiceLine("Item L1", "610910", "CN", 2, Money.of("24000", "JPY"), 800),)
    assert invoice.total_value == Money.of("48000", "JPY")


def test_a_cross_border_label_comes_with_its_commercial_invoice_in_the_shoppers_language() -> None:
    # Given a Japanese shopper returning to the German warehouse
    order = japanese_order()
    record = a_return(order, locale="ja")
    documents = InMemoryDocuments()
    # When the label is bought
    buyer(order, record, documents).buy(record.return_id)
    # Then the invoice is stored beside it, and the label points at it
    key = customs_key_for(record.return_id)
    assert key == "customs/ret_cb1/commercial-invoice.pdf"
    assert record.label is not None
    assert record.label["customs"] is True
    assert record.label["customs_key"] == key
    pdf, content_type = documents.objects[key]
    assert content_type == "application/pdf"
    texts = page_texts(pdf)
    assert "Reason for export: returned goods" in texts
    assert "Original invoice: INV-1001" in texts
    assert record.label["tracking_number"] in texts
    assert "HeiseiKakuGo-W5" in font_names(pdf)  # the date, at least, is Japanese


def test_a_retried_label_purchase_overwrites_the_same_invoice() -> None:
    # Given a BuyLabel that stored the invoice but failed before recording the label
    order = japanese_order()
    documents = InMemoryDocuments()
    buyer(order, a_return(order), documents).buy("ret_cb1")
    # When it runs again
    buyer(order, a_return(order), documents).buy("ret_cb1")
    # Then there is still one invoice for the return
    assert documents.keys("customs/") == ["customs/ret_cb1/commercial-invoice.pdf"]


def test_a_return_inside_the_customs_union_has_no_invoice() -> None:
    # Given a German shopper returning to the German warehouse
    order = make_order(order_line("L1", quantity=2, unit_price="120.00"), country="DE", currency="EUR")
    record = a_return(order, locale="de")
    documents = InMemoryDocuments()
    # When the label is bought
    buyer(order, record, documents).buy(record.return_id)
    # Then no invoice is made
    assert record.label is not None
    assert record.label["customs"] is False
    assert record.label["customs_key"] is None
    assert documents.keys("customs/") == []
