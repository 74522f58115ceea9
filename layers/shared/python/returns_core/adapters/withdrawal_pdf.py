"""The confirmation of an EU withdrawal from a distance contract, as a PDF on a durable medium.

Directive 2011/83/EU Art. 11a (added by Directive (EU) 2023/2673) makes the trader confirm receipt
of a withdrawal without undue delay, on a durable medium, with the date and time it was received.
The confirmation also says when the refund will come (Art. 13: within 14 days of the withdrawal,
standard delivery included, withheld until the goods or proof of sending are back) and when the
goods must be sent (Art. 14: within 14 days). Everything the shopper reads is in their language.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from returns_core.adapters.pdf_fonts import PdfText
from returns_core.i18n import translator

MARGIN = 56.0
GREY = 0.35
# Art. 13(1): the refund is due within 14 days of the day the trader is informed of the withdrawal.
REFUND_PERIOD = timedelta(days=14)


@dataclass(frozen=True)
class WithdrawalNotice:
    return_reference: str
    order_number: str
    seller_lines: tuple[str, ...]  # the seller's name, then its address
    shopper_name: str
    declared_at: datetime  # when the withdrawal reached us (shown in UTC)
    refund_deadline: date | None  # None: 14 days after declared_at
    lines: tuple[tuple[str, int], ...]  # (item name, quantity) withdrawn

    @property
    def refund_due(self) -> date:
        if self.refund_deadline is not None:
            return self.refund_deadline
        return self.declared_at.astimezone(UTC).date() + REFUND_PERIOD


def render_withdrawal_confirmation(notice: WithdrawalNotice, language: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    _ = translator(language)
    text = PdfText(_.language)
    width, height = A4
    content_width = width - 2 * MARGIN
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    pdf.setTitle(_("Confirmation of your withdrawal"))
    y = height - MARGIN
    page = 1

    def footer() -> None:
        pdf.setFillGray(GREY)
        reference = _("Return reference: {reference}", reference=notice.return_reference)
        seller = notice.seller_lines[0] if notice.seller_lines else ""
        text.draw(pdf, MARGIN, MARGIN - 20, f"{seller} · {reference}" if seller else reference, 7)
        text.draw(pdf, width - MARGIN, MARGIN - 20, _("Page {number}", number=page), 7, align="right")
        pdf.setFillGray(0)

    def room(needed: float) -> None:
        nonlocal y, page
        if y - needed < MARGIN:
            footer()
            pdf.showPage()
            page += 1
            y = height - MARGIN

    def paragraph(value: str, size: float = 10.5, bold: bool = False, after: float = 8.0) -> None:
        nonlocal y
        for line in text.wrap(value, content_width, size, bold):
            room(size * 1.4)
            y -= size * 1.4
            text.draw(pdf, MARGIN, y, line, size, bold)
        y -= after

    # The seller, as on a letterhead.
    if notice.seller_lines:
        paragraph(notice.seller_lines[0], 12, bold=True, after=0)
    pdf.setFillGray(GREY)
    for line in notice.seller_lines[1:]:
        paragraph(line, 9, after=0)
    pdf.setFillGray(0)
    y -= 30

    paragraph(_("Confirmation of your withdrawal"), 18, bold=True, after=14)
    paragraph(_("Dear {name},", name=notice.shopper_name))
    paragraph(
        _(
            "We received your withdrawal from the contract for order {order} on {datetime}.",
            order=notice.order_number,
            datetime=_.datetime(notice.declared_at),
        )
    )
    paragraph(_("You withdrew from the contract for these items:"), after=4)

    # The items: name and quantity.
    quantity_width = 90.0
    room(20)
    y -= 14
    pdf.setFillGray(GREY)
    text.draw(pdf, MARGIN, y, _("Item"), 9, bold=True)
    text.draw(pdf, width - MARGIN, y, _("Quantity"), 9, bold=True, align="right")
    pdf.setFillGray(0)
    y -= 5
    pdf.setLineWidth(0.6)
    pdf.line(MARGIN, y, width - MARGIN, y)
    for name, quantity in notice.lines:
        names = text.wrap(name, content_width - quantity_width, 10.5)
        room(len(names) * 14 + 6)
        top = y
        for part in names:
            y -= 14
            text.draw(pdf, MARGIN, y, part, 10.5)
        text.draw(pdf, width - MARGIN, top - 14, str(quantity), 10.5, align="right")
        y -= 6
        pdf.setLineWidth(0.3)
        pdf.setStrokeGray(0.7)
        pdf.line(MARGIN, y, width - MARGIN, y)
        pdf.setStrokeGray(0)
    y -= 18

    paragraph(
        _(
            "We will refund your payment, including standard delivery costs, no later than {date}.",
            date=_.date(notice.refund_due),
        )
    )
    paragraph(
        _(
            "We may withhold the refund until we have received the goods back or you have supplied evidence of "
            "having sent them back, whichever is earlier."
        )
    )
    paragraph(_("Please send the goods back within 14 days of today."))
    y -= 6
    paragraph(_("Return reference: {reference}", reference=notice.return_reference), 10, bold=True, after=2)
    paragraph(_("Order: {order}", order=notice.order_number), 10, after=14)
    pdf.setFillGray(GREY)
    paragraph(_("Please keep this confirmation for your records."), 9)
    pdf.setFillGray(0)

    footer()
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
