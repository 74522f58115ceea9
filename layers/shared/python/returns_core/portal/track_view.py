"""The status page: where the return is, what happens next and by when, in the shopper's language."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from returns_core.adapters.documents import DocumentStore
from returns_core.domain.eligibility import rejection_reasons
from returns_core.domain.orders import Order
from returns_core.domain.reasons import ReturnReason
from returns_core.domain.requests import Resolution
from returns_core.domain.scans import MOVING, ScanStatus
from returns_core.domain.statuses import ReturnStatus, is_terminal
from returns_core.i18n import N_, Translator
from returns_core.money import Money
from returns_core.portal.labels import REASON_LABELS, RESOLUTION_LABELS, STATUS_LABELS, TIMELINE_STEPS
from returns_core.storage.models import ReturnRecord

# Days the warehouse takes to inspect a delivered return, and a refund to be paid after inspection,
# when no statute sets a shorter deadline: the dates the page promises.
INSPECTION_DAYS = 3
REFUND_DAYS = 5
DEFAULT_TRANSIT_DAYS = 7

NEXT_PREPARING = N_("We are preparing your return label. This page updates by itself.")
NEXT_REVIEW = N_("Our team is reviewing your return. We will email you by {date}.")
NEXT_DROP_OFF = N_("Pack the items and hand the parcel to the carrier before {date}.")
NEXT_IN_TRANSIT = N_("Your parcel is on its way. We expect it at our warehouse around {date}.")
NEXT_INSPECTION = N_("Your parcel has arrived. We will inspect it by {date}.")
NEXT_REFUND = N_("Your refund is being paid. Expect it by {date}.")
NEXT_REFUND_KEPT = N_("You may keep the items. Your refund is being paid; expect it by {date}.")
DONE_REFUNDED = N_("We refunded {amount}. Your bank may take a few days to show it.")
REFUNDED_EARLY = N_("We have already refunded {amount}.")
DONE_CLOSED = N_("Your return is complete.")
DONE_STORE_CREDIT = N_("Your return is complete: {amount} of store credit is in your account.")
MSG_REJECTED = N_("We cannot accept this return.")
MSG_EXPIRED = N_("The label was not used in time. You can start a new return from the order page.")
MSG_LOST = N_("The carrier has lost track of your parcel. We have opened a claim and will contact you.")
MSG_BOUNCED = N_("The carrier could not deliver your parcel to us and is bringing it back to you.")
MSG_CANCELLED = N_("We could not create a label for this return. Our team will contact you.")
DROP_OFF = N_(
    "Attach the label to the parcel and hand it to {carrier} at any drop-off point. "
    "Where boxless drop-off is offered, show the QR code instead: no box or printer needed."
)
CUSTOMS_TEXT = N_(
    "This parcel crosses a customs border: print the customs papers and put them in a pouch on the "
    "outside of the box. They declare the items as returned goods, so no duty is charged again."
)

# Once the parcel has reached us the label and the drop-off code are of no more use to the shopper.
_LABEL_SHOWN = frozenset({ReturnStatus.LABEL_ISSUED, ReturnStatus.IN_TRANSIT})

_ENDINGS = {
    ReturnStatus.REJECTED: MSG_REJECTED,
    ReturnStatus.EXPIRED: MSG_EXPIRED,
    ReturnStatus.LOST: MSG_LOST,
    ReturnStatus.BOUNCED: MSG_BOUNCED,
    ReturnStatus.CANCELLED: MSG_CANCELLED,
}


def qr_svg(payload: str) -> str:
    """The drop-off QR code as an SVG data URI (rendered here, so the page needs no library)."""
    from reportlab.graphics import renderSVG
    from reportlab.graphics.barcode import qr
    from reportlab.graphics.shapes import Drawing

    widget = qr.QrCodeWidget(payload)
    x0, y0, x1, y1 = widget.getBounds()
    size = 200
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    svg = renderSVG.drawToString(drawing)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _at(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class TrackContext:
    translate: Translator
    documents: DocumentStore
    now: datetime
    store_credit_bonus: str


def _reached(record: ReturnRecord) -> dict[str, datetime | None]:
    """Timeline step -> when it was reached, for the steps this return has reached."""
    reached: dict[str, datetime | None] = {}
    statuses = {
        entry.get("status"): _at(entry.get("at")) for entry in record.timeline or [] if entry.get("kind") == "STATUS"
    }
    scans = [
        (entry.get("scan"), _at(entry.get("at"))) for entry in record.timeline or [] if entry.get("kind") == "SCAN"
    ]
    if ReturnStatus.LABEL_ISSUED in statuses:
        reached["LABEL_ISSUED"] = statuses[ReturnStatus.LABEL_ISSUED]
    if record.dispatched_at:
        reached["ACCEPTED"] = record.dispatched_at
    moving = [
        at
        for scan, at in scans
        if scan in {s.value for s in MOVING} and at and record.dispatched_at and at > record.dispatched_at
    ]
    if moving:
        reached["IN_TRANSIT"] = min(moving)
    customs = [at for scan, at in scans if scan == ScanStatus.CUSTOMS_HOLD]
    if customs:
        reached["CUSTOMS"] = min(a for a in customs if a) if any(customs) else None
    if record.delivered_at:
        reached["DELIVERED"] = record.delivered_at
    if ReturnStatus.INSPECTED in statuses:
        reached["INSPECTED"] = statuses[ReturnStatus.INSPECTED]
    if ReturnStatus.REFUNDED in statuses:
        reached["REFUNDED"] = statuses[ReturnStatus.REFUNDED]
    return reached


def _timeline(record: ReturnRecord, _: Translator) -> list[dict[str, Any]]:
    reached = _reached(record)
    cross_border = bool((record.label or {}).get("customs"))
    keys = [key for key, _label in TIMELINE_STEPS]
    last = max((keys.index(key) for key in reached), default=-1)
    steps = []
    for position, (key, label) in enumerate(TIMELINE_STEPS):
        if key == "CUSTOMS" and not cross_border and key not in reached:
            continue
        if key in reached:
            state = "current" if position == last else "done"
        elif position < last or (record.returnless and key != "REFUNDED"):
            state = "skipped"
        else:
            state = "next"
        at = reached.get(key)
        steps.append({"key": key, "label": _(label), "state": state, "at_display": _.date(at) if at else None})
    return steps


def _transit_days(record: ReturnRecord) -> int:
    chosen = ((record.label or {}).get("plan") or {}).get("rate") or {}
    days = chosen.get("transit_days") if isinstance(chosen, dict) else None
    return int(days) if isinstance(days, int) else DEFAULT_TRANSIT_DAYS


def _next_step(record: ReturnRecord, ctx: TrackContext) -> dict[str, Any] | None:
    _ = ctx.translate
    status = ReturnStatus(record.status)
    deadline = record.refund_deadline
    if status is ReturnStatus.REFUNDED and record.refund:
        amount = Money.from_json(record.refund["breakdown"]["total"])
        return {"text": _(DONE_REFUNDED, amount=_.money(amount)), "expected_display": None}
    if status is ReturnStatus.CLOSED and (record.refund or {}).get("store_credit"):
        credit = Money.from_json(record.refund["store_credit"])
        return {"text": _(DONE_STORE_CREDIT, amount=_.money(credit)), "expected_display": None}
    if status is ReturnStatus.CLOSED:
        return {"text": _(DONE_CLOSED), "expected_display": None}
    if is_terminal(status):
        return None
    expected: datetime | None
    if status in (ReturnStatus.REQUESTED, ReturnStatus.APPROVED) and not record.returnless:
        return {"text": _(NEXT_PREPARING), "expected_display": None}
    if status is ReturnStatus.IN_REVIEW:
        expected, text = datetime.fromisoformat(record.created_at) + timedelta(days=2), NEXT_REVIEW
    elif status is ReturnStatus.LABEL_ISSUED and record.label:
        expected, text = datetime.fromisoformat(record.label["valid_until"]), NEXT_DROP_OFF
    elif status is ReturnStatus.IN_TRANSIT:
        start = record.dispatched_at or ctx.now
        expected, text = start + timedelta(days=_transit_days(record)), NEXT_IN_TRANSIT
    elif status is ReturnStatus.DELIVERED:
        expected, text = (record.delivered_at or ctx.now) + timedelta(days=INSPECTION_DAYS), NEXT_INSPECTION
    else:
        expected = deadline or ctx.now + timedelta(days=REFUND_DAYS)
        text = NEXT_REFUND_KEPT if record.returnless else NEXT_REFUND
    said = _(text, date=_.date(expected))
    if (record.refund or {}).get("status") == "succeeded" and record.refund and record.refund.get("breakdown"):
        # Refunded early (at once, on the acceptance scan or on delivery) while the parcel still travels.
        amount = _.money(Money.from_json(record.refund["breakdown"]["total"]))
        said = f"{_(REFUNDED_EARLY, amount=amount)} {said}"
    return {"text": said, "expected_display": _.date(expected)}


def _label(record: ReturnRecord, ctx: TrackContext) -> dict[str, Any] | None:
    _ = ctx.translate
    label = record.label
    if not label or not label.get("label_key") or ReturnStatus(record.status) not in _LABEL_SHOWN:
        return None
    return {
        "url": ctx.documents.presigned_url(label["label_key"]),
        "carrier": label.get("carrier"),
        "service": label.get("service"),
        "tracking_number": label.get("tracking_number"),
        "valid_until_display": _.date(datetime.fromisoformat(label["valid_until"])),
        "qr_svg": qr_svg(label["qr_code"]) if label.get("qr_code") else None,
        "dropoff": _(DROP_OFF, carrier=str(label.get("carrier", "")).capitalize()),
    }


def track_view(record: ReturnRecord, order: Order, ctx: TrackContext) -> dict[str, Any]:
    _ = ctx.translate
    status = ReturnStatus(record.status)
    names = {line.line_id: line.name for line in order.lines}
    label = _label(record, ctx)
    customs_key = (record.label or {}).get("customs_key")
    ending = _ENDINGS.get(status)
    withdrawal = record.withdrawal or None
    return {
        "return_id": record.return_id,
        "order_number": record.order_number,
        "status": status.value,
        "status_label": _(STATUS_LABELS[status]),
        "terminal": is_terminal(status),
        "preparing": status in (ReturnStatus.REQUESTED, ReturnStatus.APPROVED) and not record.returnless,
        "returnless": bool(record.returnless),
        "next_step": _next_step(record, ctx),
        "timeline": _timeline(record, _),
        "items": [
            {
                "line_id": item["line_id"],
                "name": names.get(item["line_id"], item["line_id"]),
                "quantity": item["quantity"],
                "reason_label": _(REASON_LABELS[ReturnReason(item["reason"])]),
            }
            for item in record.request["items"]
        ],
        "resolution_label": _(
            RESOLUTION_LABELS[Resolution(record.request["resolution"])], bonus=ctx.store_credit_bonus
        ),
        "label": label,
        "customs": (
            {"url": ctx.documents.presigned_url(customs_key), "text": _(CUSTOMS_TEXT)}
            if label is not None and customs_key
            else None
        ),
        "withdrawal": (
            {
                "declared_display": _.datetime(datetime.fromisoformat(withdrawal["declared_at"])),
                "refund_deadline_display": (
                    _.date(record.refund_deadline) if record.refund_deadline is not None else None
                ),
                "confirmation_url": (
                    ctx.documents.presigned_url(withdrawal["confirmation_key"])
                    if withdrawal.get("confirmation_key")
                    else None
                ),
            }
            if withdrawal
            else None
        ),
        "refund": (
            {
                "amount_display": _.money(Money.from_json(record.refund["breakdown"]["total"])),
                # The provider's status in the API's upper-case vocabulary (SUCCEEDED, PENDING, FAILED...).
                "status": str(record.refund.get("status") or "").upper(),
            }
            if record.refund and record.refund.get("breakdown")
            else None
        ),
        "message": " ".join(
            [
                _(ending),
                *(
                    rejection_reasons((record.decision or {}).get("findings", []), _)
                    if status is ReturnStatus.REJECTED
                    else []
                ),
            ]
        )
        if ending
        else None,
    }
