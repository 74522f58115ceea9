"""What an inspection may say about each line: accepted units, why others are refused, deductions."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from returns_core.domain.inspection import DeductionReason, LineFinding, NotAccepted, check_inspection
from returns_core.domain.policy import POLICIES
from returns_core.domain.reasons import ReturnReason

EU = POLICIES["EU"]
# Two jumpers returned out of a change of mind, one scarf returned as defective.
REQUESTED = {"L1": (2, ReturnReason.CHANGED_MIND), "L2": (1, ReturnReason.DEFECTIVE)}


def problem(*findings: LineFinding, policy: object = EU) -> str | None:
    found = check_inspection(REQUESTED, list(findings), policy)  # type: ignore[arg-type]
    return found.code if found else None


def test_partial_acceptance_with_a_reason_and_a_deduction_for_the_shoppers_damage_is_accepted() -> None:
    # Given one jumper missing from the parcel and the other stained by the shopper
    findings = LineFinding(
        "L1",
        1,
        NotAccepted.MISSING,
        deduction_percent=Decimal("20"),
        deduction_reason=DeductionReason.DAMAGED_BY_SHOPPER,
    )
    # Then the inspection is valid
    assert problem(findings, LineFinding("L2", 1)) is None


@pytest.mark.parametrize(
    ("finding", "code"),
    [
        (LineFinding("L9", 1), "UNKNOWN_LINE"),
        (LineFinding("L1", 3), "QUANTITY_EXCEEDED"),
        (LineFinding("L1", 2, NotAccepted.WRONG_ITEM), "NOTHING_NOT_ACCEPTED"),
        (LineFinding("L1", 2, deduction_percent=Decimal(10)), "DEDUCTION_REASON_REQUIRED"),
        (LineFinding("L1", 2, deduction_reason=DeductionReason.SIGNS_OF_USE), "DEDUCTION_PERCENT_REQUIRED"),
        (
            LineFinding("L1", 0, NotAccepted.MISSING, Decimal(10), DeductionReason.SIGNS_OF_USE),
            "DEDUCTION_WITHOUT_ACCEPTED_UNITS",
        ),
        (
            LineFinding("L2", 1, deduction_percent=Decimal(30), deduction_reason=DeductionReason.DAMAGED_BY_SHOPPER),
            "DEDUCTION_NOT_ALLOWED",
        ),
    ],
)
def test_an_inspection_that_cannot_be_right_is_refused_with_its_reason(finding: LineFinding, code: str) -> None:
    assert problem(finding) == code


def test_a_deduction_above_what_the_sellers_policy_allows_is_refused() -> None:
    # Given a seller who never deducts more than 15 % for condition
    generous = replace(EU, condition_deduction_max_percent=Decimal(15))
    finding = LineFinding("L1", 2, deduction_percent=Decimal(20), deduction_reason=DeductionReason.SIGNS_OF_USE)
    # Then 20 % is refused, 15 % is fine
    assert problem(finding, policy=generous) == "DEDUCTION_ABOVE_POLICY"
    assert problem(replace(finding, deduction_percent=Decimal(15)), policy=generous) is None


def test_the_same_line_twice_is_refused() -> None:
    assert problem(LineFinding("L1", 1), LineFinding("L1", 1)) == "UNKNOWN_LINE"
