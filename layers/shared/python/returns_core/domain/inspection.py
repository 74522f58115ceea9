"""What an inspection may say about each returned line: how many units are accepted, why the others
are not, and what the accepted units' condition costs the shopper, within the market's policy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from returns_core.domain.policy import MarketPolicy
from returns_core.domain.reasons import ReturnReason, is_seller_fault


class NotAccepted(StrEnum):
    """Why units the shopper said she returned are not accepted (and so not refunded)."""

    WRONG_ITEM = "WRONG_ITEM"  # something else came back in their place
    MISSING = "MISSING"  # not in the parcel
    NOT_RETURNABLE = "NOT_RETURNABLE"  # e.g. a hygiene seal broken, personalised after all


class DeductionReason(StrEnum):
    """Why accepted units are worth less than when they were sold."""

    DAMAGED_BY_SHOPPER = "DAMAGED_BY_SHOPPER"
    SIGNS_OF_USE = "SIGNS_OF_USE"  # handled beyond what was needed to try the item
    MISSING_PARTS = "MISSING_PARTS"
    MISSING_PACKAGING = "MISSING_PACKAGING"


@dataclass(frozen=True)
class LineFinding:
    line_id: str
    accepted_quantity: int
    not_accepted_reason: NotAccepted | None = None
    deduction_percent: Decimal = Decimal(0)
    deduction_reason: DeductionReason | None = None


@dataclass(frozen=True)
class InspectionProblem:
    code: str
    message: str


def check_inspection(
    requested: Mapping[str, tuple[int, ReturnReason]], findings: list[LineFinding], policy: MarketPolicy
) -> InspectionProblem | None:
    """The first thing wrong with these findings for a return of `requested` (line -> quantity, reason)."""
    seen: set[str] = set()
    for f in findings:
        if f.line_id not in requested or f.line_id in seen:
            return InspectionProblem("UNKNOWN_LINE", f"Line {f.line_id} is not part of this return (or appears twice).")
        seen.add(f.line_id)
        quantity, reason = requested[f.line_id]
        if f.accepted_quantity > quantity:
            return InspectionProblem(
                "QUANTITY_EXCEEDED", f"Line {f.line_id}: {f.accepted_quantity} accepted but {quantity} returned."
            )
        if f.not_accepted_reason is not None and f.accepted_quantity == quantity:
            return InspectionProblem(
                "NOTHING_NOT_ACCEPTED", f"Line {f.line_id}: every unit is accepted, so none needs a reason for refusal."
            )
        if f.deduction_percent == 0:
            if f.deduction_reason is not None:
                return InspectionProblem(
                    "DEDUCTION_PERCENT_REQUIRED", f"Line {f.line_id}: a deduction reason needs a deduction percent."
                )
            continue
        if f.deduction_reason is None:
            return InspectionProblem(
                "DEDUCTION_REASON_REQUIRED", f"Line {f.line_id}: say why the accepted units are worth less."
            )
        if f.accepted_quantity == 0:
            return InspectionProblem(
                "DEDUCTION_WITHOUT_ACCEPTED_UNITS",
                f"Line {f.line_id}: nothing is accepted, so nothing can be deducted.",
            )
        if is_seller_fault(reason):
            return InspectionProblem(
                "DEDUCTION_NOT_ALLOWED",
                f"Line {f.line_id} came back as {reason.value.lower().replace('_', ' ')}: its condition is not"
                " the shopper's to pay for.",
            )
        if f.deduction_percent > policy.condition_deduction_max_percent:
            return InspectionProblem(
                "DEDUCTION_ABOVE_POLICY",
                f"Line {f.line_id}: at most {policy.condition_deduction_max_percent} % may be deducted in"
                f" market {policy.market}.",
            )
    return None
