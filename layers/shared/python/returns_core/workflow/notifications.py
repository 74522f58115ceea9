"""What the shopper is told at each milestone. Sent at most once per return and milestone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from returns_core.adapters.documents import DocumentStore
from returns_core.domain.orders import Order
from returns_core.money import Money
from returns_core.ports.notifications import Attachment, EmailMessage, Notifier
from returns_core.storage.models import ReturnRecord
from returns_core.storage.repository import OrdersRepository, ReturnsRepository

_SUBJECTS: dict[str, str] = {
    "LABEL_ISSUED": "Your return label for order {order}",
    "REFUNDED": "Your refund for order {order} is on its way",
    "CLOSED": "Your return for order {order} is complete",
    "REJECTED": "About your return request for order {order}",
    "EXPIRED": "Your return label for order {order} has expired",
    "LOST": "Your return parcel for order {order} is missing",
    "BOUNCED": "Your return parcel for order {order} is coming back to you",
    "CANCELLED": "Your return for order {order} was cancelled",
}


def compose(event: str, record: ReturnRecord, order: Order) -> str:
    lines = [f"Hello {order.shopper_name},", ""]
    if event == "LABEL_ISSUED" and record.label:
        lines += [
            f"Your return {record.return_id} is approved. The prepaid label is attached.",
            f"Tracking number: {record.label['tracking_number']}"
            f" ({record.label['carrier']}, {record.label['service']}).",
            f"Please hand the parcel to the carrier before {record.label['valid_until'][:10]}.",
        ]
        if record.label.get("customs"):
            lines.append("This parcel crosses a customs border: attach the customs papers to the outside of the box.")
    elif event == "REFUNDED" and record.refund:
        total = Money.from_json(record.refund["breakdown"]["total"])
        lines.append(f"We have refunded {total} to your original payment method for return {record.return_id}.")
    elif event == "CLOSED":
        lines.append(f"Your return {record.return_id} is complete.")
    elif event == "REJECTED":
        findings = (record.decision or {}).get("findings", [])
        reasons = [f["message"] for f in findings if f.get("severity") == "REJECT"]
        if record.review and record.review.get("decision") == "REJECTED":
            reasons.append(record.review.get("reason") or "Our team could not approve this return.")
        lines.append(f"We cannot accept return {record.return_id}.")
        lines += [f"- {reason}" for reason in reasons]
    elif event == "EXPIRED":
        lines.append(f"The label for return {record.return_id} was not used in time. You can start a new return.")
    elif event == "LOST":
        lines.append(
            f"The carrier has lost track of return {record.return_id}. We are opening a claim and will be in touch."
        )
    elif event == "BOUNCED":
        lines.append(f"The carrier could not deliver return {record.return_id} and is bringing it back to you.")
    elif event == "CANCELLED":
        lines.append(f"We could not create a label for return {record.return_id}. Our team will contact you.")
    else:
        raise ValueError(f"no message for {event}")
    return "\n".join([*lines, "", "Thank you."])


@dataclass(frozen=True)
class ShopperNotifications:
    orders: OrdersRepository
    returns: ReturnsRepository
    notifier: Notifier
    documents: DocumentStore

    def send(self, return_id: str, event: str) -> dict[str, Any]:
        if event not in _SUBJECTS:
            raise ValueError(f"no message for {event}")
        record = self.returns.get(return_id)
        order, _ = self.orders.get(record.order_number)
        attachments: tuple[Attachment, ...] = ()
        if event == "LABEL_ISSUED" and record.label:
            pdf = self.documents.get(record.label["label_key"])
            if pdf is not None:
                attachments = (Attachment(f"return-label-{record.return_id}.pdf", "application/pdf", pdf),)
        message = EmailMessage(
            to=order.email,
            subject=_SUBJECTS[event].format(order=order.order_number),
            text=compose(event, record, order),
            attachments=attachments,
        )
        message_id = self.notifier.send(message)
        return {"event": event, "message_id": message_id}
