"""What statuses, reasons, resolutions and timeline steps are called in front of a shopper."""

from __future__ import annotations

from returns_core.domain.reasons import ReturnReason
from returns_core.domain.requests import Resolution
from returns_core.domain.statuses import ReturnStatus
from returns_core.i18n import N_

STATUS_LABELS: dict[ReturnStatus, str] = {
    ReturnStatus.REQUESTED: N_("Request received"),
    ReturnStatus.IN_REVIEW: N_("Being reviewed by our team"),
    ReturnStatus.APPROVED: N_("Approved"),
    ReturnStatus.REJECTED: N_("Not accepted"),
    ReturnStatus.LABEL_ISSUED: N_("Label ready"),
    ReturnStatus.IN_TRANSIT: N_("On its way to us"),
    ReturnStatus.DELIVERED: N_("Arrived at our warehouse"),
    ReturnStatus.INSPECTED: N_("Inspected"),
    ReturnStatus.REFUND_PENDING: N_("Refund being paid"),
    ReturnStatus.REFUNDED: N_("Refunded"),
    ReturnStatus.CLOSED: N_("Completed"),
    ReturnStatus.EXPIRED: N_("Label expired"),
    ReturnStatus.LOST: N_("Parcel missing"),
    ReturnStatus.BOUNCED: N_("Parcel coming back to you"),
    ReturnStatus.CANCELLED: N_("Cancelled"),
}

REASON_LABELS: dict[ReturnReason, str] = {
    ReturnReason.CHANGED_MIND: N_("I changed my mind"),
    ReturnReason.DOES_NOT_FIT: N_("It doesn't fit"),
    ReturnReason.STYLE_NOT_AS_EXPECTED: N_("The style is not what I expected"),
    ReturnReason.ARRIVED_LATE: N_("It arrived too late"),
    ReturnReason.BETTER_PRICE_ELSEWHERE: N_("I found a better price elsewhere"),
    ReturnReason.NOT_AS_DESCRIBED: N_("It is not as described"),
    ReturnReason.DEFECTIVE: N_("It is faulty"),
    ReturnReason.DAMAGED_IN_TRANSIT: N_("It arrived damaged"),
    ReturnReason.WRONG_ITEM: N_("I received the wrong item"),
    ReturnReason.MISSING_PARTS: N_("Parts are missing"),
}

RESOLUTION_LABELS: dict[Resolution, str] = {
    Resolution.REFUND: N_("Refund to the original payment method"),
    Resolution.STORE_CREDIT: N_("Store credit with a {bonus} bonus"),
    Resolution.EXCHANGE: N_("Exchange for another variant"),
}

# The steps of the status page, in order, and the statuses that mean each step is reached.
TIMELINE_STEPS: tuple[tuple[str, str], ...] = (
    ("LABEL_ISSUED", N_("Label issued")),
    ("ACCEPTED", N_("Accepted by the carrier")),
    ("IN_TRANSIT", N_("In transit")),
    ("CUSTOMS", N_("At customs")),
    ("DELIVERED", N_("Delivered to our warehouse")),
    ("INSPECTED", N_("Inspected")),
    ("REFUNDED", N_("Refunded")),
)
