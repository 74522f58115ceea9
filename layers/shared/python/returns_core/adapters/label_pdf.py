"""The return label as a PDF: a 4x6 in page with a Code128 barcode of the tracking number.

Captions are in the shopper's language; the carrier, service, tracking number and addresses are
data and print as they are.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from returns_core.adapters.pdf_fonts import PdfText
from returns_core.i18n import translator


@dataclass(frozen=True)
class LabelContent:
    carrier: str
    service: str
    tracking_number: str
    reference: str
    from_country: str
    to_country: str
    to_lines: tuple[str, ...]
    weight_grams: int
    valid_until: date  # a datetime is shown as its UTC date
    qr_payload: str | None = None
    customs: bool = False
    language: str = "en"


def render_label(content: LabelContent) -> bytes:
    # reportlab is only needed by the label path: import it here to keep other cold starts light.
    from babel.numbers import format_decimal
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode import code128, qr
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.units import inch
    from reportlab.pdfgen import canvas

    _ = translator(content.language)
    text = PdfText(_.language)
    width, height = 4 * inch, 6 * inch
    left = 0.25 * inch
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height), invariant=True)
    pdf.setTitle(_("Return label {tracking_number}", tracking_number=content.tracking_number))
    text.draw(pdf, left, height - 0.5 * inch, f"{content.carrier.upper()}  {content.service}", 16, bold=True)
    text.draw(pdf, width - left, height - 0.55 * inch, "R", 28, bold=True, align="right")
    pdf.line(0.2 * inch, height - 0.7 * inch, width - 0.2 * inch, height - 0.7 * inch)

    weight = format_decimal(Decimal(content.weight_grams) / 1000, format="0.00", locale=_.locale)
    text.draw(pdf, left, height - 0.9 * inch, _("FROM: {country}", country=content.from_country), 8)
    text.draw(pdf, left, height - 1.05 * inch, _("WEIGHT: {weight} kg", weight=weight), 8)
    valid_until = _.date(content.valid_until)
    text.draw(pdf, left, height - 1.2 * inch, _("VALID UNTIL: {date}", date=valid_until), 8)
    text.draw(pdf, left, height - 1.55 * inch, _("SHIP TO:"), 11, bold=True)
    y = height - 1.75 * inch
    for line in content.to_lines:
        for part in text.wrap(line, width - 0.65 * inch, 11):
            text.draw(pdf, 0.4 * inch, y, part, 11)
            y -= 0.18 * inch

    barcode = code128.Code128(content.tracking_number, barHeight=0.9 * inch, barWidth=1.1)
    barcode.drawOn(pdf, (width - barcode.width) / 2, 1.55 * inch)
    text.draw(pdf, width / 2, 1.35 * inch, content.tracking_number, 10, align="centre")

    # The notes sit left of the QR code (which takes the bottom-right 0.9 in square).
    qr_size = 0.9 * inch
    notes_width = width - qr_size - 0.2 * inch - left - 0.1 * inch if content.qr_payload else width - 2 * left
    notes = [_("RMA: {reference}", reference=content.reference)]
    if content.customs:
        notes.append(_("CUSTOMS: RETURNED GOODS - see commercial invoice"))
    if content.qr_payload:
        notes.append(_("Boxless drop-off: show the QR code"))
    y = 0.95 * inch
    for note in notes:
        for part in text.wrap(note, notes_width, 8):
            text.draw(pdf, left, y, part, 8)
            y -= 0.13 * inch
        y -= 0.03 * inch

    if content.qr_payload:
        widget = qr.QrCodeWidget(content.qr_payload)
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(qr_size, qr_size, transform=[qr_size / (x1 - x0), 0, 0, qr_size / (y1 - y0), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, pdf, width - qr_size - 0.2 * inch, 0.2 * inch)

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
