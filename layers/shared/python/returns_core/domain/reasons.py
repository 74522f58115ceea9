"""The return-reason taxonomy shared by the storefront, the portal and analytics."""

from __future__ import annotations

from enum import StrEnum


class ReturnReason(StrEnum):
    CHANGED_MIND = "CHANGED_MIND"
    DOES_NOT_FIT = "DOES_NOT_FIT"
    STYLE_NOT_AS_EXPECTED = "STYLE_NOT_AS_EXPECTED"
    ARRIVED_LATE = "ARRIVED_LATE"
    BETTER_PRICE_ELSEWHERE = "BETTER_PRICE_ELSEWHERE"
    NOT_AS_DESCRIBED = "NOT_AS_DESCRIBED"
    DEFECTIVE = "DEFECTIVE"
    DAMAGED_IN_TRANSIT = "DAMAGED_IN_TRANSIT"
    WRONG_ITEM = "WRONG_ITEM"
    MISSING_PARTS = "MISSING_PARTS"


# The seller is at fault for these: statutory guarantees apply, so the change-of-mind window,
# the restocking fee and the shopper-pays-shipping rule do not.
SELLER_FAULT: frozenset[ReturnReason] = frozenset(
    {
        ReturnReason.NOT_AS_DESCRIBED,
        ReturnReason.DEFECTIVE,
        ReturnReason.DAMAGED_IN_TRANSIT,
        ReturnReason.WRONG_ITEM,
        ReturnReason.MISSING_PARTS,
    }
)


def is_seller_fault(reason: ReturnReason) -> bool:
    return reason in SELLER_FAULT
