"""The return label as a PDF: a 4x6 in page with a Code128 barcode of the tracking number."""

from __future__ import annotations

import io
from dataclasses import dataclass


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
    valid_until: str
    qr_payload: str | None = None
    customs: bool = False


def render_label(content: LabelContent) -> bytes:
    # reportlab is only needed by the label path: import it here to keep other cold starts light.
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode import code128, qr
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.units import inch
    from reportlab.pdfgen import canvas

    width, height = 4 * inch, 6 * inch
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height), invariant=True)
    pdf.setTitle(f"Return label {content.tracking_number}")
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(0.25 * inch, height - 0.5 * inch, f"{content.carrier.upper()}  {content.service}")
    pdf.setFont("Helvetica-Bold", 28)
    pdf.drawRightString(width - 0.25 * inch, height - 0.55 * inch, "R")
    pdf.line(0.2 * inch, height - 0.7 * inch, width - 0.2 * inch, height - 0.7 * inch)

    pdf.setFont("Helvetica", 8)
    pdf.drawString(0.25 * inch, height - 0.9 * inch, f"FROM: {content.from_country}")
    pdf.drawString(0.25 * inch, height - 1.05 * inch, f"WEIGHT: {content.weight_grams / 1000:.2f} kg")
    pdf.drawString(0.25 * inch, height - 1.2 * inch, f"VALID UNTIL: {content.valid_until}")
    pdf.setFont("Helvetica-Bold", 11)
    pdf.drawString(0.25 * inch, height - 1.55 * inch, "SHIP TO:")
    pdf.setFont("Helvetica", 11)
    y = height - 1.75 * inch
    for line in content.to_lines:
        pdf.drawString(0.4 * inch, y, line)
        y -= 0.18 * inch

    barcode = code128.Code128(content.tracking_number, barHeight=0.9 * inch, barWidth=1.1)
    barcode.drawOn(pdf, (width - barcode.width) / 2, 1.55 * inch)
    pdf.setFont("Helvetica", 10)
    pdf.drawCentredString(width / 2, 1.35 * inch, content.tracking_number)
    pdf.setFont("Helvetica", 8)
    pdf.drawString(0.25 * inch, 0.95 * inch, f"RMA: {content.reference}")
    if content.customs:
        pdf.drawString(0.25 * inch, 0.8 * inch, "CUSTOMS: RETURNED GOODS - see commercial invoice")

    if content.qr_payload:
        widget = qr.QrCodeWidget(content.qr_payload)
        x0, y0, x1, y1 = widget.getBounds()
        size = 0.9 * inch
        drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, pdf, width - size - 0.2 * inch, 0.2 * inch)
        pdf.drawString(0.25 * inch, 0.5 * inch, "Boxless drop-off: show the QR code")

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
