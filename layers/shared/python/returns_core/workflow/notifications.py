"""What the shopper is told at each milestone, in their language, addressed by name.

Sent at most once per return and milestone (the notify function is idempotent on both). Every
email links to the return's status page through a signed token, so no account is needed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from returns_core.adapters.documents import DocumentStore
from returns_core.domain.eligibility import rejection_reasons
from returns_core.domain.orders import Order
from returns_core.i18n import N_, Translator, translator
from returns_core.money import Money
from returns_core.ports.notifications import Attachment, EmailMessage, Notifier
from returns_core.storage.models import ReturnRecord
from returns_core.storage.repository import OrdersRepository, ReturnsRepository

SUBJECTS: dict[str, str] = {
    "LABEL_ISSUED": N_("Your return label for order {order}"),
    "ACCEPTED": N_("The carrier has your return for order {order}"),
    "DELIVERED": N_("Your return for order {order} has arrived"),
    "INSPECTED": N_("We have inspected your return for order {order}"),
    "REFUNDED": N_("Your refund for order {order} is on its way"),
    "CLOSED": N_("Your return for order {order} is complete"),
    "REJECTED": N_("About your return request for order {order}"),
    "EXPIRED": N_("Your return label for order {order} has expired"),
    "LOST": N_("Your return parcel for order {order} is missing"),
    "BOUNCED": N_("Your return parcel for order {order} is coming back to you"),
    "CANCELLED": N_("Your return for order {order} was cancelled"),
    "WITHDRAWAL_RECEIVED": N_("Confirmation of your withdrawal from order {order}"),
}
EVENTS = frozenset(SUBJECTS)

GREETING = N_("Hello {name},")
SIGN_OFF = N_("Thank you.")
FOLLOW = N_("Follow your return: {link}")
LABEL_READY = N_("Your return {return_id} is approved. The prepaid label is attached.")
TRACKING = N_("Tracking number: {tracking} ({carrier}, {service}).")
DROP_OFF_BY = N_("Please hand the parcel to the carrier before {date}.")
CUSTOMS_ATTACHED = N_(
    "This parcel crosses a customs border: the customs papers are attached. "
    "Put them in a pouch on the outside of the box."
)
ACCEPTED = N_(
    "The carrier has accepted your parcel for return {return_id}. Keep the receipt until we confirm delivery."
)
DELIVERED = N_("Your parcel for return {return_id} has arrived at our warehouse. We will inspect it shortly.")
INSPECTED = N_("We have inspected the items of return {return_id}. Your refund is being prepared.")
INSPECTED_REFUNDED_EARLY = N_("We have inspected the items of return {return_id}. Your refund has already been paid.")
REFUNDED = N_("We have refunded {amount} to your original payment method for return {return_id}.")
KEPT_RESTOCKING = N_("Restocking fee kept back: {amount}.")
KEPT_SHIPPING = N_("Return shipping kept back: {amount}.")
KEPT_CONDITION = N_("Kept back for the condition of the items: {amount}.")
CLOSED = N_("Your return {return_id} is complete.")
STORE_CREDITED = N_("We have added {amount} of store credit to your account for return {return_id}.")
REJECTED = N_("We cannot accept return {return_id}.")
REVIEW_REJECTED = N_("Our team could not approve this return.")
EXPIRED = N_("The label for return {return_id} was not used in time. You can start a new return.")
LOST = N_("The carrier has lost track of return {return_id}. We are opening a claim and will be in touch.")
BOUNCED = N_("The carrier could not deliver return {return_id} and is bringing it back to you.")
CANCELLED = N_("We could not create a label for return {return_id}. Our team will contact you.")
WITHDRAWAL = N_(
    "We received your withdrawal from the contract for order {order} on {declared}. "
    "The confirmation is attached as a PDF: please keep it."
)
WITHDRAWAL_DEADLINE = N_("We will refund your payment no later than {date}.")
CODE_SUBJECT = N_("Your code for returns: {code}")
CODE_BODY = N_("Enter this code to see your order {order} and start a return: {code}. It is valid for 10 minutes.")
CODE_IGNORE = N_("If you did not ask for it, you can ignore this email.")


def _body(event: str, record: ReturnRecord, order: Order, _: Translator) -> list[str]:
    rid = record.return_id
    if event == "LABEL_ISSUED" and record.label:
        label = record.label
        lines = [
            _(LABEL_READY, return_id=rid),
            _(TRACKING, tracking=label["tracking_number"], carrier=label["carrier"], service=label["service"]),
            _(DROP_OFF_BY, date=_.date(datetime.fromisoformat(label["valid_until"]))),
        ]
        return [*lines, _(CUSTOMS_ATTACHED)] if label.get("customs") else lines
    if event == "REFUNDED" and record.refund:
        breakdown = record.refund["breakdown"]
        amount = _.money(Money.from_json(breakdown["total"]))
        lines = [_(REFUNDED, amount=amount, return_id=rid)]
        # What was kept back, so the shopper is not left to guess why the refund is smaller.
        for key, message in (
            ("restocking_fee", KEPT_RESTOCKING),
            ("return_shipping", KEPT_SHIPPING),
            ("condition_deduction", KEPT_CONDITION),
        ):
            kept = Money.from_json(breakdown[key]) if breakdown.get(key) else None
            if kept is not None and not kept.is_zero():
                lines.append(_(message, amount=_.money(kept)))
        return lines
    if event == "INSPECTED" and (record.refund or {}).get("status") == "succeeded":
        return [_(INSPECTED_REFUNDED_EARLY, return_id=rid)]
    if event == "CLOSED" and (record.refund or {}).get("store_credit"):
        amount = _.money(Money.from_json(record.refund["store_credit"]))
        return [_(STORE_CREDITED, amount=amount, return_id=rid)]
    if event == "REJECTED":
        reasons = rejection_reasons((record.decision or {}).get("findings", []), _)
        if record.review and record.review.get("decision") == "REJECTED":
            # The reviewer's own words, as written; a generic sentence when they gave none.
            reasons.append(record.review.get("reason") or _(REVIEW_REJECTED))
        return [_(REJECTED, return_id=rid), *(f"- {reason}" for reason in reasons)]
    if event == "WITHDRAWAL_RECEIVED" and record.withdrawal:
        lines = [
            _(
                WITHDRAWAL,
                order=order.order_number,
                declared=_.datetime(datetime.fromisoformat(record.withdrawal["declared_at"])),
            )
        ]
        if record.refund_deadline is not None:
            lines.append(_(WITHDRAWAL_DEADLINE, date=_.date(record.refund_deadline)))
        return lines
    simple = {
        "ACCEPTED": ACCEPTED,
        "DELIVERED": DELIVERED,
        "INSPECTED": INSPECTED,
        "CLOSED": CLOSED,
        "EXPIRED": EXPIRED,
        "LOST": LOST,
        "BOUNCED": BOUNCED,
        "CANCELLED": CANCELLED,
    }
    if event in simple:
        return [_(simple[event], return_id=rid)]
    raise ValueError(f"no message for {event}")


def compose(event: str, record: ReturnRecord, order: Order, link: str | None = None) -> str:
    _ = translator(record.locale)
    lines = [_(GREETING, name=order.shopper_name), "", *_body(event, record, order, _)]
    if link:
        lines += ["", _(FOLLOW, link=link)]
    return "\n".join([*lines, "", _(SIGN_OFF)])


@dataclass(frozen=True)
class ShopperNotifications:
    orders: OrdersRepository
    returns: ReturnsRepository
    notifier: Notifier
    documents: DocumentStore
    # The status page's URL for a return, in a language; None when no portal is configured.
    track_link: Callable[[str, str], str | None] = lambda return_id, language: None

    def _attachments(self, event: str, record: ReturnRecord) -> tuple[Attachment, ...]:
        wanted: list[tuple[str | None, str]] = []
        if event == "LABEL_ISSUED" and record.label:
            wanted += [
                (record.label.get("label_key"), f"return-label-{record.return_id}.pdf"),
                (record.label.get("customs_key"), f"customs-papers-{record.return_id}.pdf"),
            ]
        if event == "WITHDRAWAL_RECEIVED" and record.withdrawal:
            wanted.append((record.withdrawal.get("confirmation_key"), f"withdrawal-{record.return_id}.pdf"))
        found = []
        for key, filename in wanted:
            data = self.documents.get(key) if key else None
            if data is not None:
                found.append(Attachment(filename, "application/pdf", data))
        return tuple(found)

    def send(self, return_id: str, event: str) -> dict[str, Any]:
        if event not in EVENTS:
            raise ValueError(f"no message for {event}")
        record = self.returns.get(return_id)
        order, _record = self.orders.get(record.order_number)
        _ = translator(record.locale)
        message = EmailMessage(
            to=order.email,
            subject=_(SUBJECTS[event], order=order.order_number),
            text=compose(event, record, order, self.track_link(return_id, _.language)),
            attachments=self._attachments(event, record),
        )
        message_id = self.notifier.send(message)
        return {"event": event, "message_id": message_id}

    def send_code(self, order: Order, code: str, language: str) -> str:
        _ = translator(language)
        text = "\n".join(
            [
                _(GREETING, name=order.shopper_name),
                "",
                _(CODE_BODY, order=order.order_number, code=code),
                _(CODE_IGNORE),
                "",
                _(SIGN_OFF),
            ]
        )
        return self.notifier.send(EmailMessage(to=order.email, subject=_(CODE_SUBJECT, code=code), text=text))
