"""Risk signals at Authorise send a return to review: a serial returner across orders."""

from __future__ import annotations

import pytest

from returns_core.domain.orders import shopper_key

from .support import LocalAws, create_return, get_return, ops, seed_order, wait_parked, wait_status

# The earlier returns stop at their labels: the aws fixture ends their workflows.
pytestmark = pytest.mark.leaves_workflows_waiting

SHOPPER = "Frequent.Returner@example.com"


def test_a_shopper_returning_on_many_orders_is_held_for_review_on_the_next(aws: LocalAws) -> None:
    # Given a shopper who returned something from three different orders this month
    for n in range(3):
        order = seed_order(f"ORD-SR-{n}", email_address=SHOPPER)
        wait_status(create_return(order, reason="DOES_NOT_FIT"), "LABEL_ISSUED")

    # When they return from a fourth order (typing their email in another case)
    order = seed_order("ORD-SR-3", email_address=SHOPPER.upper())
    return_id = create_return(order, reason="DOES_NOT_FIT")

    # Then the return waits for a person, who sees why
    wait_parked(return_id, "REVIEW")
    record = get_return(return_id)
    assert record.status == "IN_REVIEW"
    [finding] = [f for f in record.decision["findings"] if f["code"] == "SERIAL_RETURNER"]
    assert finding["params"] == {"count": 3, "days": 90}
    detail = ops("GET", f"/ops/returns/{return_id}").body
    assert "SERIAL_RETURNER" in str(detail["decision"])
    # And the record keeps only a hash of the email, never the address
    assert record.shopper_key == shopper_key(SHOPPER)
    assert SHOPPER.lower() not in str(record.attribute_values).lower()


def test_returns_by_different_shoppers_are_not_counted_together(aws: LocalAws) -> None:
    # Given three shoppers with one return each
    for n in range(3):
        wait_status(create_return(seed_order(f"ORD-OS-{n}"), reason="DOES_NOT_FIT"), "LABEL_ISSUED")

    # When a fourth shopper returns something
    return_id = create_return(seed_order("ORD-OS-3"), reason="DOES_NOT_FIT")

    # Then nothing holds it
    assert wait_status(return_id, "LABEL_ISSUED").decision["decision"] == "APPROVED"
