"""The customs papers that travel with a cross-border return: commercial invoice, then packing list.

Customs officers read English, the shopper who signs it reads their own language: every heading is
the English term with the translation beside it, and every statement is printed in English with the
translation under it. The invoice says the goods are returned goods and names the original invoice,
so the destination does not charge duty on them as a new import. The packing list, on the pages
after it, says what is in the parcel: each line's quantity and net weight, and the parcel's totals.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from returns_core.adapters.pdf_fonts import PdfText
from returns_core.i18n import N_, Translator, translator
from returns_core.money import Money

TITLE = N_("Commercial invoice")
SUBTITLE = N_("Customs declaration for returned goods")
EXPORTER = N_("Exporter")
CONSIGNEE = N_("Consignee")
INVOICE_DATE = N_("Invoice date")
RETURN_REFERENCE = N_("Return reference")
TRACKING_NUMBER = N_("Tracking number")
CURRENCY = N_("Currency")
REASON_FOR_EXPORT = N_("Reason for export: returned goods")
ORIGINAL_INVOICE = N_("Original invoice: {number}")
DESCRIPTION = N_("Description")
HS_CODE = N_("HS code")
ORIGIN = N_("Origin")
QUANTITY = N_("Quantity")
UNIT_VALUE = N_("Unit value")
TOTAL_VALUE = N_("Total value")
WEIGHT = N_("Weight")
TOTAL_WEIGHT = N_("Total weight")
DECLARATION = N_(
    "I declare that the information on this invoice is true and correct, and that the goods listed are "
    "being returned to the seller."
)
SIGNATURE = N_("Signature")
DATE = N_("Date")
NAME = N_("Name")
PAGE = N_("Page {number}")

PACKING_LIST = N_("Packing list")
PACKING_SUBTITLE = N_("Contents of the returned parcel")
ORIGINAL_INVOICE_NUMBER = N_("Original invoice number")
NO_VALUE_CHANGE = N_("Returned goods — no change in commercial value; see the commercial invoice.")
NET_WEIGHT_PER_UNIT = N_("Net weight per unit")
TOTAL_NET_WEIGHT = N_("Total net weight")
NUMBER_OF_PACKAGES = N_("Number of packages")
TOTAL_QUANTITY = N_("Total quantity")
GROSS_WEIGHT = N_("Gross weight")
GROSS_WEIGHT_NOTE = N_("Gross weight is the net weight plus {weight} for packaging.")

# The shopper packs the parcel, so its packaging is not weighed: the gross weight adds this allowance.
PACKAGING_ALLOWANCE_GRAMS = 300
# A return travels as one parcel.
PACKAGES = 1

MARGIN = 50.0
GREY = 0.35


@dataclass(frozen=True)
class CustomsInvoiceLine:
    description: str
    hs_code: str
    origin_country: str  # ISO 3166-1 alpha-2
    quantity: int
    unit_value: Money
    weight_grams: int  # of the whole line, net (without packaging)

    @property
    def total_value(self) -> Money:
        return self.unit_value * self.quantity

    @property
    def unit_weight_grams(self) -> Decimal:
        return Decimal(self.weight_grams) / self.quantity if self.quantity else Decimal(0)


@dataclass(frozen=True)
class CustomsInvoice:
    return_reference: str
    tracking_number: str
    original_invoice_number: str  # the outbound sale's invoice: duty was settled on it
    issued_on: date
    exporter_name: str  # the shopper, who sends the goods back
    exporter_country: str  # ISO 3166-1 alpha-2
    consignee_lines: tuple[str, ...]  # the warehouse
    lines: tuple[CustomsInvoiceLine, ...]
    currency: str

    @property
    def total_value(self) -> Money:
        total = Money.zero(self.currency)
        for line in self.lines:
            total = total + line.total_value
        return total

    @property
    def total_weight_grams(self) -> int:
        """The goods' net weight."""
        return sum(line.weight_grams for line in self.lines)

    @property
    def total_quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def gross_weight_grams(self) -> int:
        """The parcel's weight: the goods and an allowance for the packaging."""
        return self.total_weight_grams + PACKAGING_ALLOWANCE_GRAMS


def bilingual(_: Translator, message: str, **params: Any) -> tuple[str, str | None]:
    """(English, translation) of one message; the translation is None where it is the English."""
    english = message.format(**params) if params else message
    translated = _(message, **params)
    return english, (translated if translated != english else None)


def heading(_: Translator, message: str) -> str:
    """ "Commercial invoice / Handelsrechnung": the English term and, beside it, the translation."""
    english, translated = bilingual(_, message)
    return f"{english} / {translated}" if translated else english


def country_name(code: str) -> str:
    """The country's English name and code (customs read English): "Japan (JP)"."""
    from babel import Locale

    name = Locale.parse("en").territories.get(code)
    return f"{name} ({code})" if name else code


def _weight(grams: int | Decimal, _: Translator) -> str:
    from babel.numbers import format_decimal

    return f"{format_decimal(Decimal(grams) / 1000, format='#,##0.000', locale=_.locale)} kg"


# Table columns: (message, width in pt, right-aligned); each table's widths add up to the content width.
Columns = tuple[tuple[str, float, bool], ...]
_COLUMNS: Columns = (
    (DESCRIPTION, 163.0, False),
    (HS_CODE, 60.0, False),
    (ORIGIN, 42.0, False),
    (QUANTITY, 40.0, True),
    (UNIT_VALUE, 68.0, True),
    (TOTAL_VALUE, 70.0, True),
    (WEIGHT, 52.0, True),
)
_PACKING_COLUMNS: Columns = (
    (DESCRIPTION, 210.0, False),
    (HS_CODE, 70.0, False),
    (QUANTITY, 60.0, True),
    (NET_WEIGHT_PER_UNIT, 80.0, True),
    (TOTAL_NET_WEIGHT, 75.0, True),
)


class _Document:
    """A4 pages filled top to bottom; a new page starts when the next block would not fit."""

    def __init__(self, invoice: CustomsInvoice, _: Translator) -> None:
        from reportlab.lib.pagesizes import A4
        from reportlab.pdfgen import canvas

        self.invoice = invoice
        self._ = _
        self.text = PdfText(_.language)
        self.width, self.height = A4
        self.content_width = self.width - 2 * MARGIN
        self.buffer = io.BytesIO()
        self.pdf = canvas.Canvas(self.buffer, pagesize=A4, invariant=True)
        self.page = 1
        self.y = self.height - MARGIN

    def ensure(self, needed: float) -> bool:
        """Starts a new page when `needed` points do not fit; True when it did."""
        if self.y - needed >= MARGIN + 20:
            return False
        self.new_page()
        return True

    def new_page(self) -> None:
        self.footer()
        self.pdf.showPage()
        self.page += 1
        self.y = self.height - MARGIN

    def footer(self) -> None:
        _ = self._
        reference = f"{self.invoice.return_reference} · {self.invoice.tracking_number}"
        self.pdf.setFillGray(GREY)
        self.text.draw(self.pdf, MARGIN, MARGIN - 15, reference, 7)
        self.text.draw(
            self.pdf, self.width - MARGIN, MARGIN - 15, heading(_, PAGE).format(number=self.page), 7, align="right"
        )
        self.pdf.setFillGray(0)

    def paragraph(
        self,
        text: str,
        size: float,
        bold: bool = False,
        grey: bool = False,
        x: float = MARGIN,
        width: float | None = None,
    ) -> None:
        lines = self.text.wrap(text, width or self.content_width, size, bold)
        leading = size * 1.3
        if grey:
            self.pdf.setFillGray(GREY)
        for line in lines:
            self.ensure(leading)
            self.y -= leading
            self.text.draw(self.pdf, x, self.y, line, size, bold)
        if grey:
            self.pdf.setFillGray(0)

    def statement(self, message: str, size: float, bold: bool = False, **params: Any) -> None:
        """A sentence in English, and under it in grey its translation."""
        english, translated = bilingual(self._, message, **params)
        self.paragraph(english, size, bold)
        if translated:
            self.paragraph(translated, size - 1, bold, grey=True)

    def save(self) -> bytes:
        self.footer()
        self.pdf.showPage()
        self.pdf.save()
        return self.buffer.getvalue()


def render_customs_invoice(invoice: CustomsInvoice, language: str) -> bytes:
    """The commercial invoice and, starting on a new page, the packing list."""
    _ = translator(language)
    doc = _Document(invoice, _)
    doc.pdf.setTitle(f"{heading(_, TITLE)} {invoice.return_reference}")
    _commercial_invoice(doc, invoice)
    doc.new_page()
    _packing_list(doc, invoice)
    return doc.save()


def _commercial_invoice(doc: _Document, invoice: CustomsInvoice) -> None:
    _ = doc._
    _header(
        doc,
        invoice,
        TITLE,
        SUBTITLE,
        (
            (INVOICE_DATE, _.date(invoice.issued_on)),
            (RETURN_REFERENCE, invoice.return_reference),
            (TRACKING_NUMBER, invoice.tracking_number),
            (CURRENCY, invoice.currency),
        ),
    )
    doc.statement(REASON_FOR_EXPORT, 11, bold=True)
    doc.statement(ORIGINAL_INVOICE, 11, bold=True, number=invoice.original_invoice_number)
    doc.y -= 14

    _table(
        doc,
        _COLUMNS,
        [
            (
                line.description,
                line.hs_code,
                line.origin_country,
                str(line.quantity),
                _.money(line.unit_value),
                _.money(line.total_value),
                _weight(line.weight_grams, _),
            )
            for line in invoice.lines
        ],
    )
    _totals(doc, ((TOTAL_VALUE, _.money(invoice.total_value)), (TOTAL_WEIGHT, _weight(invoice.total_weight_grams, _))))
    doc.y -= 22

    doc.statement(DECLARATION, 10)
    doc.y -= 10
    _signature(doc, invoice)


def _packing_list(doc: _Document, invoice: CustomsInvoice) -> None:
    _ = doc._
    _header(
        doc,
        invoice,
        PACKING_LIST,
        PACKING_SUBTITLE,
        (
            (DATE, _.date(invoice.issued_on)),
            (RETURN_REFERENCE, invoice.return_reference),
            (TRACKING_NUMBER, invoice.tracking_number),
            (ORIGINAL_INVOICE_NUMBER, invoice.original_invoice_number),
        ),
    )
    doc.statement(NO_VALUE_CHANGE, 11, bold=True)
    doc.y -= 14

    _table(
        doc,
        _PACKING_COLUMNS,
        [
            (
                line.description,
                line.hs_code,
                str(line.quantity),
                _weight(line.unit_weight_grams, _),
                _weight(line.weight_grams, _),
            )
            for line in invoice.lines
        ],
    )
    _totals(
        doc,
        (
            (NUMBER_OF_PACKAGES, str(PACKAGES)),
            (TOTAL_QUANTITY, str(invoice.total_quantity)),
            (TOTAL_NET_WEIGHT, _weight(invoice.total_weight_grams, _)),
            (GROSS_WEIGHT, _weight(invoice.gross_weight_grams, _)),
        ),
    )
    doc.y -= 18
    doc.statement(GROSS_WEIGHT_NOTE, 9, weight=_weight(PACKAGING_ALLOWANCE_GRAMS, _))


def _header(
    doc: _Document,
    invoice: CustomsInvoice,
    title: str,
    subtitle: str,
    particulars: Sequence[tuple[str, str]],
) -> None:
    """Title, exporter and consignee, and the document's particulars (label and value)."""
    _, pdf, text = doc._, doc.pdf, doc.text
    doc.paragraph(heading(_, title), 17, bold=True)
    doc.y -= 2
    doc.statement(subtitle, 10)
    doc.y -= 14

    # Exporter (the shopper) and consignee (the warehouse) side by side.
    column = (doc.content_width - 20) / 2
    top = doc.y
    doc.paragraph(heading(_, EXPORTER), 9, bold=True, width=column)
    for line in (invoice.exporter_name, country_name(invoice.exporter_country)):
        doc.paragraph(line, 10, width=column)
    left_bottom = doc.y
    doc.y = top
    doc.paragraph(heading(_, CONSIGNEE), 9, bold=True, x=MARGIN + column + 20, width=column)
    for line in invoice.consignee_lines:
        doc.paragraph(line, 10, x=MARGIN + column + 20, width=column)
    doc.y = min(doc.y, left_bottom) - 14

    label_width = 210.0
    for message, value in particulars:
        labels = text.wrap(heading(_, message), label_width - 10, 9)
        values = text.wrap(value, doc.content_width - label_width, 10)
        rows = max(len(labels), len(values))
        doc.ensure(rows * 13)
        for index in range(rows):
            doc.y -= 13
            if index < len(labels):
                pdf.setFillGray(GREY)
                text.draw(pdf, MARGIN, doc.y, labels[index], 9)
                pdf.setFillGray(0)
            if index < len(values):
                text.draw(pdf, MARGIN + label_width, doc.y, values[index], 10)
    doc.y -= 10


def _totals(doc: _Document, totals: Sequence[tuple[str, str]]) -> None:
    """Totals right-aligned under a table, kept together: bilingual label, then value."""
    _, pdf, text = doc._, doc.pdf, doc.text
    doc.ensure(15 * len(totals))
    for message, value in totals:
        doc.y -= 15
        text.draw(pdf, doc.width - MARGIN - 120, doc.y, heading(_, message), 10, bold=True, align="right")
        text.draw(pdf, doc.width - MARGIN, doc.y, value, 10, bold=True, align="right")


def _fitted(doc: _Document, value: str, width: float, size: float) -> float:
    """The largest size up to `size` at which a one-line value fits its column."""
    while size > 6 and doc.text.width(value, size) > width:
        size -= 0.5
    return size


def _table_header(doc: _Document, columns: Columns) -> None:
    _, pdf, text = doc._, doc.pdf, doc.text
    cells: list[tuple[list[str], list[str]]] = []
    for message, width, _right in columns:
        english, translated = bilingual(_, message)
        cells.append(
            (text.wrap(english, width - 6, 8, bold=True), text.wrap(translated, width - 6, 7) if translated else [])
        )
    height = max(len(heads) * 10 + len(subs) * 9 for heads, subs in cells)
    doc.ensure(height + 8)
    top = doc.y
    x = MARGIN
    for (_message, width, right), (heads, subs) in zip(columns, cells, strict=True):
        y = top
        anchor, align = (x + width - 3, "right") if right else (x + 3, "left")
        for line in heads:
            y -= 10
            text.draw(pdf, anchor, y, line, 8, bold=True, align=align)
        pdf.setFillGray(GREY)
        for line in subs:
            y -= 9
            text.draw(pdf, anchor, y, line, 7, align=align)
        pdf.setFillGray(0)
        x += width
    doc.y = top - height - 4
    pdf.setLineWidth(0.6)
    pdf.line(MARGIN, doc.y, doc.width - MARGIN, doc.y)


def _table(doc: _Document, columns: Columns, rows: Sequence[tuple[str, ...]]) -> None:
    """A table whose first column (the description) wraps; the other cells shrink to fit on one line."""
    pdf, text = doc.pdf, doc.text
    _table_header(doc, columns)
    for cells in rows:
        description = text.wrap(cells[0], columns[0][1] - 6, 9)
        height = len(description) * 11 + 5
        if doc.ensure(height):
            _table_header(doc, columns)
        top = doc.y
        x = MARGIN
        for index, ((_message, width, right), value) in enumerate(zip(columns, cells, strict=True)):
            if index == 0:
                y = top
                for part in description:
                    y -= 11
                    text.draw(pdf, x + 3, y, part, 9)
            else:
                size = _fitted(doc, value, width - 6, 9)
                anchor, align = (x + width - 3, "right") if right else (x + 3, "left")
                text.draw(pdf, anchor, top - 11, value, size, align=align)
            x += width
        doc.y = top - height
        pdf.setLineWidth(0.3)
        pdf.setStrokeGray(0.7)
        pdf.line(MARGIN, doc.y, doc.width - MARGIN, doc.y)
        pdf.setStrokeGray(0)


def _signature(doc: _Document, invoice: CustomsInvoice) -> None:
    _, pdf, text = doc._, doc.pdf, doc.text
    doc.ensure(75)
    doc.y -= 40
    half = (doc.content_width - 30) / 2
    for x, message in ((MARGIN, SIGNATURE), (MARGIN + half + 30, DATE)):
        pdf.setLineWidth(0.6)
        pdf.line(x, doc.y, x + half, doc.y)
        for index, line in enumerate(text.wrap(heading(_, message), half, 8)):
            text.draw(pdf, x, doc.y - 11 - index * 10, line, 8)
    doc.y -= 34
    text.draw(pdf, MARGIN, doc.y, f"{heading(_, NAME)}: {invoice.exporter_name}", 9)
