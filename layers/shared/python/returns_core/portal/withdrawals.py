"""Confirming an EU withdrawal on a durable medium: a PDF with the date and time, sent by email.

Art. 11a of Directive 2011/83/EU (as amended by Directive 2023/2673) requires the trader to confirm
receipt of a withdrawal made through the online function, without delay, on a durable medium.
The confirmation is kept in the documents bucket (also linked from the status page) and emailed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from returns_core.adapters.documents import DocumentStore
from returns_core.clock import iso, utcnow
from returns_core.observability import logger
from returns_core.storage.models import ReturnRecord
from returns_core.storage.repository import OrdersRepository, ReturnsRepository
from returns_core.workflow.notifications import ShopperNotifications


@dataclass(frozen=True)
class WithdrawalConfirmations:
    orders: OrdersRepository
    returns: ReturnsRepository
    documents: DocumentStore
    notifications: ShopperNotifications
    seller_address: tuple[str, ...]

    def confirm(self, return_id: str) -> bool:
        """Store and send the confirmation unless it was sent already; False when it could not be sent."""
        record = self.returns.get(return_id)
        if not record.withdrawal or record.withdrawal.get("sent_at"):
            return True
        try:
            key = record.withdrawal.get("confirmation_key") or self._store(record)
            self.notifications.send(return_id, "WITHDRAWAL_RECEIVED")
        except Exception:
            # The withdrawal itself is recorded; the page links the PDF and the next request retries the email.
            logger.exception("withdrawal confirmation not sent", extra={"return_id": return_id})
            return False
        sent_at = iso(utcnow())

        def mark(current: ReturnRecord) -> None:
            current.withdrawal = {**(current.withdrawal or {}), "confirmation_key": key, "sent_at": sent_at}

        self.returns.mutate(return_id, mark)
        return True

    def _store(self, record: ReturnRecord) -> str:
        from returns_core.adapters.withdrawal_pdf import WithdrawalNotice, render_withdrawal_confirmation

        order, _ = self.orders.get(record.order_number)
        names = {line.line_id: line.name for line in order.lines}
        assert record.withdrawal is not None
        notice = WithdrawalNotice(
            return_reference=record.return_id,
            order_number=order.order_number,
            seller_lines=self.seller_address,
            shopper_name=order.shopper_name,
            declared_at=datetime.fromisoformat(record.withdrawal["declared_at"]),
            refund_deadline=record.refund_deadline.date() if record.refund_deadline else None,
            lines=tuple(
                (names.get(item["line_id"], item["line_id"]), item["quantity"]) for item in record.request["items"]
            ),
        )
        key = f"withdrawals/{record.return_id}/confirmation.pdf"
        self.documents.put(key, render_withdrawal_confirmation(notice, record.locale), "application/pdf")

        def keep(current: ReturnRecord) -> None:
            current.withdrawal = {**(current.withdrawal or {}), "confirmation_key": key}

        self.returns.mutate(record.return_id, keep)
        return key
